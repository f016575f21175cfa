/* SPDX-License-Identifier: BSD-2-Clause */
/* The PC's system control ports: PCI configuration mechanism #1 with an
 * empty bus, the three reset ports guests try in turn (0xcf9, 0x92, the
 * keyboard controller) and the POST code port. See vsysctl.h for the
 * contract and the choices. */
#include "drivers/virt/vsysctl.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

static enum bus_status reset_by(struct bus_req *r, const char *why)
{
	fmt_snprintf(r->why, sizeof(r->why), "%s", why);
	return BUS_RESET;
}

static void reset_locked(struct vsysctl *s)
{
	s->pci_addr = 0;
	s->rcr = 0;
	s->port92 = 0;
}

void vsysctl_init(struct vsysctl *s)
{
	memset(s, 0, sizeof(*s));
	reset_locked(s);	/* nobody else sees s yet */
}

void vsysctl_reset(struct vsysctl *s)
{
	spin_lock(&s->lock);
	reset_locked(s);
	spin_unlock(&s->lock);
}

/* 0xcf9 under s->lock. RST_CPU is never stored (see vsysctl.h), so a write
 * with it set is always its 0 -> 1 transition. */
static enum bus_status rst_cnt_access(struct vsysctl *s, struct bus_req *r)
{
	uint8_t v = (uint8_t)r->val;

	if (!r->write) {
		r->val = s->rcr;
		return BUS_OK;
	}
	s->rcr = v & RST_CNT_STORED;
	if (v & RST_CNT_RST_CPU)
		return reset_by(r, "reset through port 0xcf9");
	return BUS_OK;
}

/* 0xcf8-0xcff. Which accesses the host bridge claims: PCI 3.0 3.2.2.3.2. */
static enum bus_status pci_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vsysctl *s = dev;
	enum bus_status st = BUS_OK;

	spin_lock(&s->lock);
	if (offset == PCI_CONFIG_ADDRESS && r->size == 4) {
		if (r->write)
			s->pci_addr = (uint32_t)r->val & PCI_CFG_MASK;
		else
			r->val = s->pci_addr;
	} else if (offset == PCI_RST_CNT && r->size == 1) {
		st = rst_cnt_access(s, r);
	} else if (offset >= PCI_CONFIG_DATA && (s->pci_addr & PCI_CFG_ENABLE)) {
		/* No function answers: a master abort, all ones; writes vanish. */
		if (!r->write)
			r->val = ~0ull;
	} else {
		st = BUS_UNASSIGNED;	/* narrow CONFIG_ADDRESS, or data while disabled */
	}
	spin_unlock(&s->lock);
	return st;
}

static enum bus_status port92_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vsysctl *s = dev;
	uint8_t v = (uint8_t)r->val;

	if (offset != 0 || r->size != 1)
		return BUS_UNASSIGNED;
	spin_lock(&s->lock);
	if (r->write)
		s->port92 = v & (uint8_t)~PORT92_FAST_RESET;	/* bit 0: the reset clears it */
	else
		r->val = s->port92;
	spin_unlock(&s->lock);
	if (r->write && (v & PORT92_FAST_RESET))
		return reset_by(r, "reset through port 0x92");
	return BUS_OK;
}

/* Stateless: no lock. */
static enum bus_status kbc_access(void *dev, uint64_t offset, struct bus_req *r)
{
	uint8_t cmd = (uint8_t)r->val;

	(void)dev;
	if (offset != 0 || r->size != 1)
		return BUS_UNASSIGNED;
	if (!r->write) {
		r->val = KBC_STATUS_IDLE;
		return BUS_OK;
	}
	/* 0xf0-0xff pulse the output lines whose bit is 0: 0xfe is the usual
	 * one, but every even one pulses line 0, the CPU reset. */
	if ((cmd & 0xf0) == KBC_CMD_PULSE && !(cmd & KBC_OUT_RESET))
		return reset_by(r, "reset through port 0x64 (keyboard controller)");
	return BUS_OK;
}

static enum bus_status post_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vsysctl *s = dev;

	if (offset != 0 || r->size != 1)
		return BUS_UNASSIGNED;
	spin_lock(&s->lock);
	if (r->write) {
		s->post = (uint8_t)r->val;
		s->posts++;
	} else {
		r->val = s->post;
	}
	spin_unlock(&s->lock);
	return BUS_OK;
}

int vsysctl_attach(struct vsysctl *s, struct bus *bus, char *err, size_t errlen)
{
	const struct bus_range r[] = {
		{ .space = BUS_PIO, .base = VSYSCTL_PCI_BASE, .len = VSYSCTL_PCI_PORTS,
		  .name = "pci", .access = pci_access, .dev = s },
		{ .space = BUS_PIO, .base = VSYSCTL_PORT92, .len = 1,
		  .name = "port92", .access = port92_access, .dev = s },
		{ .space = BUS_PIO, .base = VSYSCTL_KBC_PORT, .len = 1,
		  .name = "kbc", .access = kbc_access, .dev = s },
		{ .space = BUS_PIO, .base = VSYSCTL_POST_PORT, .len = 1,
		  .name = "post", .access = post_access, .dev = s },
	};

	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		if (bus_register(bus, &r[i], err, errlen))
			return -1;
	return 0;
}

void vsysctl_view(struct vsysctl *s, struct vsysctl_view *out)
{
	spin_lock(&s->lock);
	out->pci_addr = s->pci_addr;
	out->rcr = s->rcr;
	out->port92 = s->port92;
	out->post = s->post;
	out->posts = s->posts;
	spin_unlock(&s->lock);
}
