/* SPDX-License-Identifier: BSD-2-Clause */
/* An 82093AA-style I/O APIC (version 0x20, with the EOI register) for the
 * guest: the indirect register window, the redirection table, edge and
 * level pins, remote IRR and EOI. The choices the datasheets leave open
 * are listed in vioapic.h. */
#include "drivers/virt/vioapic.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

#define REGSEL_MASK 0xffu	/* ICH 9.5.2: an 8-bit index */
#define RTE_LAST (IOAPIC_REG_RTE + 2 * VIOAPIC_PINS - 1)	/* 0x3f */

_Static_assert(VIOAPIC_PINS <= 32, "pin bitmaps are 32 bits");
_Static_assert(IOAPIC_VER_VALUE == 0x00170020u, "82093AA 3.2.2 / ICH: 24 entries, version 0x20");
_Static_assert(RTE_LAST <= REGSEL_MASK, "every entry reachable through REGSEL");
_Static_assert((IOAPIC_RTE_WRITABLE | IOAPIC_RTE_RESERVED | IOAPIC_RTE_RO) == ~0ull &&
	       (IOAPIC_RTE_WRITABLE & (IOAPIC_RTE_RESERVED | IOAPIC_RTE_RO)) == 0,
	       "every entry bit is writable, reserved or read-only, exactly once");

static unsigned rte_mode(uint64_t rte)
{
	return (unsigned)((rte & IOAPIC_RTE_DM) >> IOAPIC_RTE_DM_SHIFT);
}

static bool asserted(const struct vioapic *io, unsigned pin)
{
	bool high = io->level & (1u << pin);

	return high != !!(io->rte[pin] & IOAPIC_RTE_POLARITY_LOW);
}

/* Level semantics (remote IRR, resend after EOI) apply to fixed and
 * lowest-priority only; other modes are edge-like (see vioapic.h). */
static bool level_pin(uint64_t rte)
{
	unsigned m = rte_mode(rte);

	return (rte & IOAPIC_RTE_LEVEL) && (m == VLAPIC_DM_FIXED || m == VLAPIC_DM_LOWEST);
}

/* Modes the IOAPIC sends: not SMI (no SMM in guests), not reserved 3/6. */
static bool mode_sent(unsigned mode)
{
	return mode == VLAPIC_DM_FIXED || mode == VLAPIC_DM_LOWEST || mode == VLAPIC_DM_NMI ||
	       mode == VLAPIC_DM_INIT || mode == VLAPIC_DM_EXTINT;
}

/* Builds and sends pin's message; under io->lock. */
static void send_msg(struct vioapic *io, unsigned pin, bool level)
{
	uint64_t rte = io->rte[pin];
	struct vlapic_msg m = {
		.dest = (uint32_t)(rte >> IOAPIC_RTE_DEST_SHIFT),
		.vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR),
		.mode = (uint8_t)rte_mode(rte),
		.shorthand = VLAPIC_SH_NONE,
		.logical = rte & IOAPIC_RTE_LOGICAL,
		.level = level,
		.assert_ = true,
	};

	if (!mode_sent(m.mode))
		return;
	/* vlapic.h: a device widens its physical 0xFF broadcast so that
	 * x2APIC targets (32-bit IDs) take it as a broadcast as well. */
	if (!m.logical && m.dest == 0xff)
		m.dest = 0xffffffffu;
	io->counts[pin]++;
	if (io->send)
		io->send(io->ctx, &m);
}

/* A level pin that is asserted, unmasked and not waiting for an EOI sends
 * and waits (82093AA 3.2.4, remote IRR). A no-op for any other pin. */
static void service_level(struct vioapic *io, unsigned pin)
{
	uint64_t *rte = &io->rte[pin];

	if (!level_pin(*rte) || (*rte & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)))
		return;
	if (!asserted(io, pin))
		return;
	*rte |= IOAPIC_RTE_REMOTE_IRR;
	send_msg(io, pin, true);
}

static void reset_locked(struct vioapic *io)
{
	io->id = io->init_id;
	io->regsel = 0;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_RESET;
}

void vioapic_init(struct vioapic *io, uint8_t id,
		  void (*send)(void *ctx, const struct vlapic_msg *m), void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->send = send;
	io->ctx = ctx;
	io->init_id = ((uint32_t)id << IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
	reset_locked(io);	/* nobody else sees io yet */
}

void vioapic_reset(struct vioapic *io)
{
	spin_lock(&io->lock);
	reset_locked(io);	/* every entry masked: nothing to send */
	spin_unlock(&io->lock);
}

int vioapic_attach(struct vioapic *io, struct bus *bus, char *err, size_t errlen)
{
	const struct bus_range r = {
		.space = BUS_MMIO, .base = VIOAPIC_BASE, .len = VIOAPIC_SIZE, .name = "ioapic",
		.access = vioapic_access, .dev = io,
	};

	return bus_register(bus, &r, err, errlen);
}

static uint32_t win_read(const struct vioapic *io)
{
	unsigned idx = io->regsel;
	uint64_t rte;

	switch (idx) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id;
	case IOAPIC_REG_VER:
		return IOAPIC_VER_VALUE;
	}
	if (idx < IOAPIC_REG_RTE || idx > RTE_LAST)
		return 0;
	rte = io->rte[(idx - IOAPIC_REG_RTE) / 2];
	return (uint32_t)(idx & 1 ? rte >> 32 : rte);
}

/* One dword of entry pin. Reserved bits are dropped and the read-only ones
 * kept, so a read-modify-write with stale status bits is harmless. */
static void rte_write(struct vioapic *io, unsigned pin, bool high, uint32_t v)
{
	uint64_t *rte = &io->rte[pin];
	uint64_t half = high ? 0xffffffff00000000ull : 0xffffffffull;
	uint64_t val = high ? (uint64_t)v << 32 : v;

	*rte = (*rte & ~(half & IOAPIC_RTE_WRITABLE)) | (val & half & IOAPIC_RTE_WRITABLE);
	/* KVM does the same: an edge entry cannot wait for an EOI that a
	 * local APIC would never broadcast (its TMR bit stays clear). */
	if (!high && !(*rte & IOAPIC_RTE_LEVEL))
		*rte &= ~IOAPIC_RTE_REMOTE_IRR;
	service_level(io, pin);	/* unmasked, or became a level pin, while asserted */
}

static void win_write(struct vioapic *io, uint32_t v)
{
	unsigned idx = io->regsel;

	if (idx == IOAPIC_REG_ID) {
		io->id = v & IOAPIC_ID_MASK;
		return;
	}
	if (idx < IOAPIC_REG_RTE || idx > RTE_LAST)
		return;	/* version, arbitration: read-only; the rest: nothing there */
	rte_write(io, (idx - IOAPIC_REG_RTE) / 2, idx & 1, v);
}

static void eoi_locked(struct vioapic *io, uint8_t vector)
{
	/* ICH 9.5.5: every entry with the vector, not just the first; a pin
	 * still asserted is resampled and sends again. */
	for (unsigned i = 0; i < VIOAPIC_PINS; i++) {
		uint64_t *rte = &io->rte[i];

		if ((*rte & IOAPIC_RTE_VECTOR) != vector || !(*rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		*rte &= ~IOAPIC_RTE_REMOTE_IRR;
		service_level(io, i);
	}
}

enum bus_status vioapic_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vioapic *io = dev;
	uint32_t v = (uint32_t)r->val;

	if (r->size != 4 || (offset != IOAPIC_REGSEL && offset != IOAPIC_WIN &&
			     offset != IOAPIC_EOI)) {
		if (!r->write)
			r->val = 0;	/* undecoded, see vioapic.h */
		return BUS_OK;
	}
	spin_lock(&io->lock);
	if (!r->write) {
		r->val = offset == IOAPIC_REGSEL ? io->regsel
			 : offset == IOAPIC_WIN	 ? win_read(io)
						 : 0;	/* EOI is write-only */
	} else if (offset == IOAPIC_REGSEL) {
		io->regsel = v & REGSEL_MASK;
	} else if (offset == IOAPIC_WIN) {
		win_write(io, v);
	} else {
		eoi_locked(io, (uint8_t)v);	/* bits 31:8 ignored */
	}
	spin_unlock(&io->lock);
	return BUS_OK;
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	uint32_t bit;
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	bit = 1u << pin;
	spin_lock(&io->lock);
	was = asserted(io, pin);
	io->level = level ? io->level | bit : io->level & ~bit;
	if (level_pin(io->rte[pin]))
		service_level(io, pin);
	else if (!was && asserted(io, pin) && !(io->rte[pin] & IOAPIC_RTE_MASKED))
		send_msg(io, pin, false);	/* an edge; lost while masked */
	spin_unlock(&io->lock);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	spin_lock(&io->lock);
	eoi_locked(io, vector);
	spin_unlock(&io->lock);
}

void vioapic_view(struct vioapic *io, struct vioapic_view *out)
{
	memset(out, 0, sizeof(*out));
	spin_lock(&io->lock);
	out->id = io->id >> IOAPIC_ID_SHIFT;
	out->version = IOAPIC_VER_VALUE;
	out->level = io->level;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++) {
		out->rte[i] = io->rte[i];
		out->counts[i] = io->counts[i];
		if (asserted(io, i))
			out->asserted |= 1u << i;
	}
	spin_unlock(&io->lock);
}

void vioapic_describe(uint64_t rte, char *buf, size_t n)
{
	static const char *const modes[8] = {
		[VLAPIC_DM_FIXED] = "fixed", [VLAPIC_DM_LOWEST] = "lowest",
		[VLAPIC_DM_SMI] = "smi", [3] = "res3", [VLAPIC_DM_NMI] = "nmi",
		[VLAPIC_DM_INIT] = "init", [6] = "res6", [VLAPIC_DM_EXTINT] = "extint",
	};

	fmt_snprintf(buf, n, "vec 0x%02x %s %s dest 0x%02x %s %s%s%s",
		     (unsigned)(rte & IOAPIC_RTE_VECTOR), modes[rte_mode(rte)],
		     rte & IOAPIC_RTE_LOGICAL ? "logical" : "phys",
		     (unsigned)(rte >> IOAPIC_RTE_DEST_SHIFT),
		     rte & IOAPIC_RTE_LEVEL ? "level" : "edge",
		     rte & IOAPIC_RTE_POLARITY_LOW ? "low" : "high",
		     rte & IOAPIC_RTE_MASKED ? " masked" : "",
		     rte & IOAPIC_RTE_REMOTE_IRR ? " rirr" : "");
}
