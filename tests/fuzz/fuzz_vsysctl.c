/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vsysctl.c: the system control ports
 * on a bus, driven by a sequence of port accesses and checked against a
 * model written from vsysctl.h.
 *
 * Input: 8-byte ops until the input ends (at most 1024): { k, a, v0..v5 },
 * v = v0..v5 little-endian. k % 4 is:
 *   0 read, 1 write (value v) at port ports[a % 32] (the device's ports,
 *     their neighbours and both edges of 0xcf8-0xcff), size
 *     {1, 2, 4, 3}[(k >> 2) & 3];
 *   2 vsysctl_reset when a % 4 == 0, else op 0;
 *   3 a dword write of 0x80000000 | v to 0xcf8 (CONFIG_DATA enabled, so
 *     the data port gets exercised), or of v when a is odd.
 *
 * Invariants, after every op: the status is the one documented for that
 * port, size and value: BUS_RESET only for a byte write at 0xcf9 with
 * RST_CPU, at 0x92 with bit 0, or at 0x64 of a pulse command with bit 0
 * clear, each with its why text; BUS_OK or BUS_UNASSIGNED otherwise; never
 * BUS_STOP. Unassigned reads are all ones and counted by the bus. CONFIG_DATA
 * reads, when decoded, are all ones. Every read equals the model; the view
 * equals the model: pci_addr within PCI_CFG_MASK, RST_CPU and port 0x92
 * bit 0 never stored, posts counting the byte writes to 0x80. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vsysctl.h"
#include "tests/common/check.h"

#define MAX_OPS 1024

static const uint16_t ports[32] = {
	0x60, 0x61, 0x63, 0x64, 0x65, 0x7e, 0x7f, 0x80, 0x81, 0x90, 0x91, 0x92, 0x93,
	0xcf4, 0xcf5, 0xcf6, 0xcf7, 0xcf8, 0xcf9, 0xcfa, 0xcfb, 0xcfc, 0xcfd, 0xcfe, 0xcff,
	0xd00, 0xd01, 0x0, 0xffff, 0xfffe, 0xcf8, 0xcfc,
};

static struct bus bus;
static struct vsysctl sc;

static struct {
	uint32_t pci_addr, posts;
	uint8_t rcr, port92, post;
} m;

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The documented outcome of an access, applied to the model. *why is the
 * reset's text; *rval a decoded read's value. */
static enum bus_status expect(uint16_t port, unsigned size, bool write, uint64_t val,
			      uint64_t *rval, const char **why)
{
	bool byte = size == 1;

	*why = NULL;
	if (size != 1 && size != 2 && size != 4)
		return BUS_UNASSIGNED;
	if (port >= 0xcf8 && port + size <= 0xd00) {
		if (port == 0xcf8 && size == 4) {
			if (write)
				m.pci_addr = (uint32_t)val & 0x80fffffc;
			*rval = m.pci_addr;
			return BUS_OK;
		}
		if (port == 0xcf9 && byte) {
			if (write) {
				m.rcr = val & 0x0a;
				if (val & 0x04) {
					*why = "reset through port 0xcf9";
					return BUS_RESET;
				}
			}
			*rval = m.rcr;
			return BUS_OK;
		}
		if (port >= 0xcfc && (m.pci_addr & 0x80000000)) {
			*rval = bus_size_mask(size);	/* no devices: all ones */
			return BUS_OK;
		}
		return BUS_UNASSIGNED;
	}
	if (port == 0x92 && byte) {
		if (write) {
			m.port92 = val & 0xfe;
			if (val & 1) {
				*why = "reset through port 0x92";
				return BUS_RESET;
			}
		}
		*rval = m.port92;
		return BUS_OK;
	}
	if (port == 0x64 && byte) {
		if (write && (val & 0xf1) == 0xf0) {
			*why = "reset through port 0x64 (keyboard controller)";
			return BUS_RESET;
		}
		*rval = 0;
		return BUS_OK;
	}
	if (port == 0x80 && byte) {
		if (write) {
			m.post = (uint8_t)val;
			m.posts++;
		}
		*rval = m.post;
		return BUS_OK;
	}
	return BUS_UNASSIGNED;
}

static void do_access(uint16_t port, unsigned size, bool write, uint64_t val)
{
	struct bus_req r = { .addr = port, .size = size, .write = write, .val = val };
	uint64_t mask = bus_size_mask(size), rval = 0, unassigned = bus.unassigned;
	const char *why;
	enum bus_status want = expect(port, size, write, val & mask, &rval, &why);
	enum bus_status st = bus_access(&bus, BUS_PIO, &r);

	CHECK(st == want);
	CHECK(st != BUS_STOP);
	CHECK(bus.unassigned == unassigned + (st == BUS_UNASSIGNED));
	if (st == BUS_RESET)
		CHECK(write && size == 1 && why && strcmp(r.why, why) == 0);
	if (write)
		return;
	if (st == BUS_UNASSIGNED)
		CHECK(r.val == mask);
	else
		CHECK(r.val == rval);
	if (port >= 0xcfc && port <= 0xcff && st == BUS_OK)
		CHECK(r.val == mask);	/* CONFIG_DATA: never a device */
}

static void check_state(void)
{
	struct vsysctl_view v;

	vsysctl_view(&sc, &v);
	CHECK(v.pci_addr == m.pci_addr && (v.pci_addr & ~PCI_CFG_MASK) == 0);
	CHECK(v.rcr == m.rcr && !(v.rcr & RST_CNT_RST_CPU) && (v.rcr & ~RST_CNT_STORED) == 0);
	CHECK(v.port92 == m.port92 && !(v.port92 & PORT92_FAST_RESET));
	CHECK(v.post == m.post && v.posts == m.posts);
	CHECK(bus.irq_levels == 0);
}

static void do_op(const uint8_t *op)
{
	static const unsigned sizes[4] = { 1, 2, 4, 3 };
	unsigned k = op[0], a = op[1];
	uint64_t v = le(op + 2, 6);

	switch (k % 4) {
	case 2:
		if (a % 4 == 0) {
			vsysctl_reset(&sc);
			m.pci_addr = 0;
			m.rcr = m.port92 = 0;
			break;
		}
		/* fall through */
	case 0:
	case 1:
		do_access(ports[a % 32], sizes[(k >> 2) & 3], k % 4 == 1, v);
		break;
	default:
		do_access(0xcf8, 4, true, (a & 1) ? v : 0x80000000u | v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	memset(&sc, 0xa5, sizeof(sc));	/* init must not rely on zeroes */
	vsysctl_init(&sc);
	memset(&m, 0, sizeof(m));
	bus_init(&bus, NULL);
	CHECK(vsysctl_attach(&sc, &bus, err, sizeof(err)) == 0);
	check_state();
	for (int k = 0; k < MAX_OPS && size >= 8; k++, data += 8, size -= 8) {
		do_op(data);
		check_state();
	}
	return 0;
}
