/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/bus.c with the real vuart (COM1, IRQ 4)
 * and debugexit (0xf4), plus a fake 64-byte MMIO device at 0xfee00000.
 *
 * Input: 6-byte ops until the input ends (at most 256):
 *   { k, a0, a1, v0, v1, v2 }
 * k bits 7:6 = 3: k bit 5 ? 4-byte reads of 16 consecutive MMIO pages from
 * a0 << 20 (to reach the report cap in short inputs) : vuart_rx_push(v0).
 * Otherwise k bits 1:0 choose where: 0 ports near COM1, 1 ports near 0xf4,
 * 2 MMIO near the fake device, 3 anywhere (k bit 7: MMIO); k bits 4:2 the
 * size (1, 2, 4, 8, 1, 2, 0, 3: some invalid), k bit 5 a write; v0..v2 the
 * value.
 *
 * A reference model says which accesses are assigned. After each access:
 * the status matches the model (BUS_STOP exactly for writes at 0xf4, never
 * BUS_RESET), reads return only size bytes, unassigned reads are all ones,
 * the counter grows by one per unassigned access, the unassigned hook fires
 * only for the current access and exactly the first time for its port or
 * MMIO page (one final "last" report when the page table fills), the
 * device sees only accesses inside its range, tx only gets COM1 byte
 * writes, the irq hook fires only on changes of line 4 and agrees with
 * bus->irq_levels, LSR always shows THRE|TEMT. vuart_reset ends each input
 * with the line low. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/debugexit.h"
#include "drivers/virt/vuart.h"
#include "tests/common/check.h"


#define MAX_OPS   256
#define MMIO_BASE 0xfee00000ull
#define MMIO_LEN  0x40
#define COM1      VUART_COM1_BASE

static struct bus bus;
static struct vuart u;

/* the access in flight, for the hooks and devices to check against */
static enum bus_space cur_sp;
static struct bus_req *cur;
static int nr_reports, nr_tx, nr_fake;
static bool reported_last;

/* the model */
static uint8_t pio_seen[BUS_PIO_PORTS / 8];
static uint64_t pages[BUS_MMIO_LOG_PAGES];
static unsigned nr_pages;
static bool pages_full;
static bool line;	/* IRQ 4 as the hook reported it */

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void on_unassigned(void *ctx, enum bus_space sp, uint64_t addr, unsigned size, bool write,
			  bool last)
{
	(void)ctx;
	CHECK(cur && sp == cur_sp && addr == cur->addr && size == cur->size &&
	      write == cur->write);
	CHECK(!last || sp == BUS_MMIO);
	reported_last = last;
	nr_reports++;
}

static void on_irq(void *ctx, unsigned l, bool level)
{
	(void)ctx;
	CHECK(l == VUART_COM1_IRQ);
	CHECK(level != line);
	line = level;
}

static void on_tx(void *ctx, uint8_t c)
{
	CHECK(ctx == &u);
	CHECK(cur && cur_sp == BUS_PIO && cur->write && cur->size == 1 && cur->addr == COM1);
	CHECK(c == (uint8_t)cur->val);
	nr_tx++;
}

static enum bus_status fake_access(void *dev, uint64_t offset, struct bus_req *r)
{
	CHECK(dev == &bus && r == cur);
	CHECK(offset == r->addr - MMIO_BASE && offset + r->size <= MMIO_LEN);
	CHECK(r->write ? (r->val & ~size_mask(r->size)) == 0 : r->val == 0);
	nr_fake++;
	if (!r->write)
		r->val = 0xa5a5a5a5a5a5a5a5ull ^ offset;	/* wider than asked: the bus masks */
	return BUS_OK;
}

/* The report due for this unassigned access: 0 none, 1 a first, 2 the
 * last one. Updates the model. */
static int model_report(enum bus_space sp, uint64_t addr)
{
	uint64_t page = addr >> 12;
	unsigned p = addr & 0xffff;

	if (sp == BUS_PIO) {
		int first = !(pio_seen[p / 8] & (1u << (p % 8)));

		pio_seen[p / 8] |= (uint8_t)(1u << (p % 8));
		return first;
	}
	for (unsigned i = 0; i < nr_pages; i++)
		if (pages[i] == page)
			return 0;
	if (nr_pages < BUS_MMIO_LOG_PAGES) {
		pages[nr_pages++] = page;
		return 1;
	}
	if (pages_full)
		return 0;
	pages_full = true;
	return 2;
}

static bool assigned(enum bus_space sp, uint64_t addr, unsigned size)
{
	if (sp == BUS_MMIO)
		return (size == 1 || size == 2 || size == 4 || size == 8) && addr >= MMIO_BASE &&
		       addr - MMIO_BASE < MMIO_LEN && addr - MMIO_BASE + size <= MMIO_LEN;
	if (addr == DEBUGEXIT_PORT)
		return size == 1 || size == 2 || size == 4;
	return size == 1 && addr >= COM1 && addr < COM1 + VUART_PORTS;
}

/* One access through the bus, checked against the model. */
static void check_access(enum bus_space sp, uint64_t addr, unsigned size, bool write,
			 uint64_t val)
{
	struct bus_req r = { .addr = addr, .size = size, .write = write, .val = val };
	uint64_t before = bus.unassigned;
	bool expect = assigned(sp, addr, size);
	enum bus_status st;
	int report;

	cur = &r;
	cur_sp = sp;
	nr_reports = nr_tx = nr_fake = 0;
	st = bus_access(&bus, sp, &r);
	cur = NULL;

	CHECK(st != BUS_RESET);
	CHECK((st == BUS_STOP) == (sp == BUS_PIO && r.addr == DEBUGEXIT_PORT && r.write && expect));
	if (st == BUS_STOP) {
		CHECK(r.stop_code == (int)(val & 0xff));
		CHECK(strncmp(r.why, "debug exit with code ", 21) == 0);
	}
	CHECK((st == BUS_UNASSIGNED) == !expect);
	CHECK(bus.unassigned == before + (st == BUS_UNASSIGNED));
	report = st == BUS_UNASSIGNED ? model_report(sp, addr) : 0;
	CHECK(nr_reports == (report != 0));
	CHECK(!nr_reports || reported_last == (report == 2));
	CHECK(nr_fake == (sp == BUS_MMIO && expect));
	CHECK(nr_tx <= 1);
	if (r.write)
		CHECK(r.val == (val & size_mask(r.size)));
	else
		CHECK((r.val & ~size_mask(r.size)) == 0 &&
		      (st != BUS_UNASSIGNED || r.val == size_mask(r.size)));
	if (!r.write && st == BUS_OK && sp == BUS_PIO && r.addr == COM1 + UART_LSR)
		CHECK((r.val & (UART_LSR_THRE | UART_LSR_TEMT)) == (UART_LSR_THRE | UART_LSR_TEMT));
	if (!r.write && st == BUS_OK && sp == BUS_PIO && r.addr == COM1 + UART_IIR)
		CHECK((r.val & 0x30) == 0 && ((0x1057u >> (r.val & 0x0f)) & 1) &&
		      ((r.val & 0xc0) == 0 || (r.val & 0xc0) == 0xc0));	/* 0, 1, 2, 4, 6, 0x0c */
}

static void do_op(const uint8_t *op)
{
	static const unsigned sizes[8] = { 1, 2, 4, 8, 1, 2, 0, 3 };
	uint8_t k = op[0];
	unsigned size = sizes[(k >> 2) & 7];
	bool write = k & 0x20;
	uint64_t val = (uint64_t)op[3] | (uint64_t)op[4] << 8 | (uint64_t)op[5] << 16 |
		       (uint64_t)op[3] << 56;

	if ((k >> 6) == 3 && write) {
		/* 16 pages at once, so that short inputs fill the report table */
		for (uint64_t j = 0; j < 16; j++)
			check_access(BUS_MMIO, ((uint64_t)op[1] << 20) + (j << 12) + op[2], 4,
				     false, 0);
	} else if ((k >> 6) == 3) {
		unsigned waiting = u.rx_head - u.rx_tail;
		bool ok = vuart_rx_push(&u, op[3]);

		CHECK(ok == (!(u.mcr & UART_MCR_LOOP) && waiting < VUART_RX_RING));
	} else if ((k & 3) == 0) {
		check_access(BUS_PIO, COM1 - 8 + (op[1] & 0x1f), size, write, val);
	} else if ((k & 3) == 1) {
		check_access(BUS_PIO, DEBUGEXIT_PORT - 4 + (op[1] & 0xf), size, write, val);
	} else if ((k & 3) == 2) {
		check_access(BUS_MMIO, MMIO_BASE - 0x10 + (op[1] & 0x7f), size, write, val);
	} else if (k & 0x80) {
		check_access(BUS_MMIO, (uint64_t)op[2] << 56 | (uint64_t)op[1] << 12 | op[4],
			     size, write, val);
	} else {
		check_access(BUS_PIO, (uint64_t)op[1] | (uint64_t)op[2] << 8, size, write, val);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bus_hooks h = { on_unassigned, on_irq, NULL };
	const struct bus_range fake = {
		BUS_MMIO, MMIO_BASE, MMIO_LEN, "fake", fake_access, &bus,
	};

	memset(pio_seen, 0, sizeof(pio_seen));
	nr_pages = 0;
	pages_full = false;
	line = false;
	bus_init(&bus, &h);
	vuart_init(&u, &bus, VUART_COM1_IRQ, on_tx, &u);
	CHECK(vuart_attach(&u, &bus, COM1, NULL, 0) == 0);
	CHECK(debugexit_attach(&bus, DEBUGEXIT_PORT, NULL, 0) == 0);
	CHECK(bus_register(&bus, &fake, NULL, 0) == 0);

	for (int i = 0; i < MAX_OPS && size >= 6; i++, data += 6, size -= 6) {
		do_op(data);
		CHECK(u.rx_head - u.rx_tail <= VUART_RX_RING);
		CHECK(!!(bus.irq_levels & (1u << VUART_COM1_IRQ)) == line);
		CHECK((bus.irq_levels & ~(1u << VUART_COM1_IRQ)) == 0);
	}
	vuart_reset(&u);
	CHECK(!line && bus.irq_levels == 0 && u.rx_head == u.rx_tail);
	return 0;
}
