/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/bus.c and drivers/virt/debugexit.c:
 * registration and its refusals, dispatch by space, size and address, the
 * unassigned policy and its rate-limited reports, interrupt line levels,
 * and the debug exit port's outcomes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/debugexit.h"

/* ---- a fake device and hook recorders ---- */

struct fake {
	int calls;
	uint64_t offset;
	struct bus_req last;
	uint64_t answer;	/* read result, deliberately wider than any size */
	enum bus_status status;
};

static enum bus_status fake_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct fake *f = dev;

	f->calls++;
	f->offset = offset;
	f->last = *r;
	if (!r->write)
		r->val = f->answer;
	return f->status;
}

#define MAX_REPORTS 1024

struct rec {
	int n;
	struct { enum bus_space sp; uint64_t addr; unsigned size; bool write, last; } u[MAX_REPORTS];
	int nirq;
	struct { unsigned line; bool level; } irq[MAX_REPORTS];
};

static void rec_unassigned(void *ctx, enum bus_space sp, uint64_t addr, unsigned size,
			   bool write, bool last)
{
	struct rec *r = ctx;

	assert_true(r->n < MAX_REPORTS);
	r->u[r->n].sp = sp;
	r->u[r->n].addr = addr;
	r->u[r->n].size = size;
	r->u[r->n].write = write;
	r->u[r->n].last = last;
	r->n++;
}

static void rec_irq(void *ctx, unsigned line, bool level)
{
	struct rec *r = ctx;

	assert_true(r->nirq < MAX_REPORTS);
	r->irq[r->nirq].line = line;
	r->irq[r->nirq].level = level;
	r->nirq++;
}

/* The bus is ~10 KiB: keep it off the stack like struct vm keeps it. */
static struct bus bus;
static struct rec rec;
static char err[128];

static int setup(void **state)
{
	const struct bus_hooks h = { rec_unassigned, rec_irq, &rec };

	(void)state;
	memset(&rec, 0, sizeof(rec));
	memset(err, 0, sizeof(err));
	bus_init(&bus, &h);
	return 0;
}

static int reg(enum bus_space sp, uint64_t base, uint64_t len, const char *name, struct fake *f)
{
	const struct bus_range r = { sp, base, len, name, fake_access, f };

	return bus_register(&bus, &r, err, sizeof(err));
}

static enum bus_status io(enum bus_space sp, uint64_t addr, unsigned size, bool write,
			  uint64_t *val)
{
	struct bus_req r = { .addr = addr, .size = size, .write = write, .val = *val };
	enum bus_status st = bus_access(&bus, sp, &r);

	*val = r.val;
	return st;
}

static uint64_t rd(enum bus_space sp, uint64_t addr, unsigned size)
{
	uint64_t v = 0x1234;

	io(sp, addr, size, false, &v);
	return v;
}

/* ---- registration ---- */

static void test_register_ok(void **state)
{
	struct fake a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	assert_int_equal(reg(BUS_PIO, 0x3f8, 8, "com1", &a), 0);
	assert_int_equal(reg(BUS_PIO, 0x400, 8, "b", &b), 0);	/* adjacent: 0x3f8-0x3ff, 0x400- */
	assert_int_equal(reg(BUS_PIO, 0x3f0, 8, "c", &c), 0);	/* adjacent below */
	assert_int_equal(reg(BUS_MMIO, 0x3f8, 8, "mmio-same-addr", &a), 0);	/* other space */
	assert_int_equal(reg(BUS_PIO, 0xfff0, 0x10, "top", &a), 0);	/* ends at 0xffff */
	assert_int_equal(reg(BUS_MMIO, ~0ull - 0xfff, 0x1000, "mmio-top", &a), 0);
	assert_int_equal(bus.nr_ranges, 6);
	/* kept sorted: PIO first, by base */
	for (unsigned i = 1; i < bus.nr_ranges; i++) {
		const struct bus_range *p = &bus.range[i - 1], *q = &bus.range[i];

		assert_true(p->space < q->space || (p->space == q->space && p->base < q->base));
	}
}

static void test_register_overlap_pio(void **state)
{
	struct fake a = { 0 };

	(void)state;
	assert_int_equal(reg(BUS_PIO, 0xf4, 1, "debugexit", &a), 0);
	assert_int_equal(reg(BUS_PIO, 0x3fc, 1, "debugexit2", &a), 0);
	assert_int_equal(reg(BUS_PIO, 0x3f8, 8, "vuart", &a), -1);
	assert_string_equal(err, "vuart: ports 0x3f8-0x3ff overlap debugexit2 at 0x3fc-0x3fc");
	assert_int_equal(reg(BUS_PIO, 0xf0, 0x10, "wide", &a), -1);
	assert_non_null(strstr(err, "wide"));
	assert_non_null(strstr(err, "debugexit at 0xf4-0xf4"));
	assert_int_equal(bus.nr_ranges, 2);
}

static void test_register_overlap_mmio(void **state)
{
	struct fake a = { 0 };

	(void)state;
	assert_int_equal(reg(BUS_MMIO, 0xfec00000, 0x1000, "ioapic", &a), 0);
	assert_int_equal(reg(BUS_MMIO, 0xfebff000, 0x1001, "hpet", &a), -1);	/* last byte */
	assert_string_equal(err, "hpet: MMIO 0xfebff000-0xfec00000 overlap ioapic at 0xfec00000-0xfec00fff");
	assert_int_equal(reg(BUS_MMIO, 0xfec00fff, 1, "x", &a), -1);
	assert_non_null(strstr(err, "ioapic"));
	assert_int_equal(reg(BUS_MMIO, 0xfec00800, 0x10, "inside", &a), -1);
	assert_int_equal(reg(BUS_MMIO, 0, ~0ull, "all", &a), -1);	/* contains it */
	assert_int_equal(reg(BUS_MMIO, 0xfebff000, 0x1000, "hpet", &a), 0);	/* adjacent */
}

static void test_register_bad(void **state)
{
	struct fake a = { 0 };
	const struct bus_range noacc = { BUS_PIO, 0x80, 1, "noacc", NULL, NULL };

	(void)state;
	assert_int_equal(reg(BUS_PIO, 0x80, 0, "empty", &a), -1);
	assert_string_equal(err, "empty: empty range at 0x80");
	assert_int_equal(reg(BUS_MMIO, ~0ull, 2, "wrap", &a), -1);
	assert_string_equal(err, "wrap: MMIO 0xffffffffffffffff+0x2 wrap around");
	assert_int_equal(reg(BUS_MMIO, 0x1000, ~0ull, "wrap2", &a), -1);
	assert_non_null(strstr(err, "wrap around"));
	assert_int_equal(reg(BUS_PIO, 0xfff8, 9, "high", &a), -1);
	assert_string_equal(err, "high: ports 0xfff8-0x10000 beyond 0xffff");
	assert_int_equal(reg(BUS_PIO, 0x10000, 1, "higher", &a), -1);
	assert_int_equal(bus_register(&bus, &noacc, err, sizeof(err)), -1);
	assert_string_equal(err, "noacc: no access function");
	/* err may be absent or short */
	assert_int_equal(reg(BUS_PIO, 0x80, 0, "empty", &a), -1);
	assert_int_equal(bus_register(&bus, &noacc, NULL, 0), -1);
	assert_int_equal(bus_register(&bus, &noacc, err, 4), -1);
	assert_string_equal(err, "noa");
	assert_int_equal(bus.nr_ranges, 0);
}

static void test_register_capacity(void **state)
{
	struct fake a = { 0 };

	(void)state;
	for (int i = 0; i < BUS_MAX_RANGES; i++)	/* reverse order: inserts at the front */
		assert_int_equal(reg(BUS_PIO, 0x1000 - 8 * (uint64_t)i, 8, "dev", &a), 0);
	assert_int_equal(reg(BUS_MMIO, 0, 1, "one-too-many", &a), -1);
	assert_string_equal(err, "one-too-many: bus full (32 ranges)");
	for (unsigned i = 1; i < bus.nr_ranges; i++)
		assert_true(bus.range[i - 1].base < bus.range[i].base);
	/* every one still dispatches */
	for (int i = 0; i < BUS_MAX_RANGES; i++)
		rd(BUS_PIO, 0x1000 - 8 * (uint64_t)i + 7, 1);
	assert_int_equal(a.calls, BUS_MAX_RANGES);
	assert_int_equal(bus.unassigned, 0);
}

/* ---- dispatch ---- */

static void test_dispatch(void **state)
{
	struct fake pio = { .answer = 0x1122334455667788ull };
	struct fake mmio = { .answer = 0x1122334455667788ull };
	uint64_t v;

	(void)state;
	reg(BUS_PIO, 0x3f8, 8, "pio", &pio);
	reg(BUS_MMIO, 0x3f8, 8, "mmio", &mmio);

	assert_int_equal(rd(BUS_PIO, 0x3fa, 1), 0x88);	/* masked to size */
	assert_int_equal(pio.offset, 2);
	assert_int_equal(pio.last.val, 0);	/* reads start from 0 */
	assert_int_equal(rd(BUS_PIO, 0x3fa, 2), 0x7788);
	assert_int_equal(rd(BUS_PIO, 0x3fc, 4), 0x55667788);
	assert_int_equal(pio.offset, 4);
	assert_int_equal(pio.calls, 3);
	assert_int_equal(mmio.calls, 0);

	assert_int_equal(rd(BUS_MMIO, 0x3f8, 8), 0x1122334455667788ull);
	assert_int_equal(mmio.offset, 0);
	assert_int_equal(pio.calls, 3);

	v = 0xdeadbeefcafef00dull;	/* writes are masked before the device */
	assert_int_equal(io(BUS_PIO, 0x3ff, 1, true, &v), BUS_OK);
	assert_int_equal(pio.offset, 7);
	assert_true(pio.last.write);
	assert_int_equal(pio.last.val, 0x0d);
	v = 0xdeadbeefcafef00dull;
	assert_int_equal(io(BUS_MMIO, 0x3fc, 4, true, &v), BUS_OK);
	assert_int_equal(mmio.last.val, 0xcafef00d);
	assert_int_equal(mmio.last.size, 4);
	assert_int_equal(mmio.offset, 4);
	assert_int_equal(bus.unassigned, 0);
}

static void test_dispatch_edges(void **state)
{
	struct fake f = { .answer = 0 };
	uint64_t v = 1;

	(void)state;
	reg(BUS_PIO, 0x3f8, 8, "com1", &f);
	reg(BUS_MMIO, 0x1000, 0x10, "mmio", &f);
	assert_int_equal(rd(BUS_PIO, 0x3f7, 1), 0xff);	/* just below */
	assert_int_equal(rd(BUS_PIO, 0x400, 1), 0xff);	/* just above */
	assert_int_equal(rd(BUS_PIO, 0x3f7, 2), 0xffff);	/* straddles the start */
	assert_int_equal(rd(BUS_PIO, 0x3fe, 4), 0xffffffff);	/* straddles the end */
	assert_int_equal(io(BUS_PIO, 0x3fe, 4, true, &v), BUS_UNASSIGNED);
	assert_int_equal(rd(BUS_MMIO, 0x100c, 8), ~0ull);
	assert_int_equal(f.calls, 0);
	assert_int_equal(rd(BUS_PIO, 0x3fc, 4), 0);	/* exactly the last 4 */
	assert_int_equal(rd(BUS_MMIO, 0x1008, 8), 0);
	assert_int_equal(f.calls, 2);
	/* a near-2^64 address does not wrap into a low range */
	assert_int_equal(rd(BUS_MMIO, ~0ull, 8), ~0ull);
	assert_int_equal(f.calls, 2);
}

static void test_dispatch_sizes(void **state)
{
	struct fake f = { .answer = 0 };

	(void)state;
	reg(BUS_PIO, 0, 0x10000, "allports", &f);
	reg(BUS_MMIO, 0, 0x10000, "mmio", &f);
	assert_int_equal(rd(BUS_PIO, 0x10, 8), ~0ull);	/* no 8-byte port I/O */
	assert_int_equal(rd(BUS_PIO, 0x10, 3), 0xffffff);
	assert_int_equal(rd(BUS_PIO, 0x10, 0), 0);	/* all ones of zero bytes */
	assert_int_equal(rd(BUS_MMIO, 0x10, 16), ~0ull);
	assert_int_equal(f.calls, 0);
	assert_int_equal(bus.unassigned, 4);
	rd(BUS_PIO, 0x10, 1); rd(BUS_PIO, 0x10, 2); rd(BUS_PIO, 0x10, 4);
	rd(BUS_MMIO, 0x10, 1); rd(BUS_MMIO, 0x10, 2); rd(BUS_MMIO, 0x10, 4); rd(BUS_MMIO, 0x10, 8);
	assert_int_equal(f.calls, 7);
}

static void test_device_statuses(void **state)
{
	struct fake f = { .answer = 0x42, .status = BUS_UNASSIGNED };
	uint64_t v = 7;

	(void)state;
	reg(BUS_PIO, 0x60, 1, "kbd", &f);
	/* a device declining an access gets the same policy as a hole */
	assert_int_equal(rd(BUS_PIO, 0x60, 1), 0xff);
	assert_int_equal(f.calls, 1);
	assert_int_equal(bus.unassigned, 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.u[0].addr, 0x60);
	f.status = BUS_RESET;
	assert_int_equal(io(BUS_PIO, 0x60, 1, true, &v), BUS_RESET);
	f.status = BUS_STOP;
	assert_int_equal(io(BUS_PIO, 0x60, 1, true, &v), BUS_STOP);
	assert_int_equal(bus.unassigned, 1);
}

/* ---- unassigned policy ---- */

static void test_unassigned_pio(void **state)
{
	uint64_t v = 0x55;

	(void)state;
	assert_int_equal(rd(BUS_PIO, 0x80, 1), 0xff);
	assert_int_equal(rd(BUS_PIO, 0x80, 2), 0xffff);
	assert_int_equal(rd(BUS_PIO, 0x80, 4), 0xffffffff);
	assert_int_equal(io(BUS_PIO, 0x80, 1, true, &v), BUS_UNASSIGNED);
	assert_int_equal(v, 0x55);	/* a dropped write changes nothing */
	assert_int_equal(bus.unassigned, 4);
	assert_int_equal(rec.n, 1);	/* one report for port 0x80 */
	assert_int_equal(rec.u[0].sp, BUS_PIO);
	assert_int_equal(rec.u[0].addr, 0x80);
	assert_int_equal(rec.u[0].size, 1);
	assert_false(rec.u[0].write);
	assert_false(rec.u[0].last);
	io(BUS_PIO, 0x81, 2, true, &v);
	assert_int_equal(rec.n, 2);
	assert_true(rec.u[1].write);
	assert_int_equal(rec.u[1].size, 2);
	/* every port once, however often */
	for (int round = 0; round < 3; round++)
		for (uint32_t p = 0; p < BUS_PIO_PORTS; p += 257)
			rd(BUS_PIO, p, 1);
	assert_int_equal(rec.n, 2 + (BUS_PIO_PORTS + 256) / 257);
	for (int i = 0; i < rec.n; i++)
		assert_false(rec.u[i].last);
	/* the same MMIO address is a different thing */
	rd(BUS_MMIO, 0x80, 1);
	assert_int_equal(rec.u[rec.n - 1].sp, BUS_MMIO);
}

static void test_unassigned_mmio_pages(void **state)
{
	(void)state;
	assert_int_equal(rd(BUS_MMIO, 0xfed00000, 4), 0xffffffff);
	rd(BUS_MMIO, 0xfed00ffc, 4);	/* same page */
	rd(BUS_MMIO, 0xfed00000, 8);
	assert_int_equal(rec.n, 1);
	rd(BUS_MMIO, 0xfed01000, 4);	/* next page */
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.u[1].addr, 0xfed01000);
	rd(BUS_MMIO, 0, 1);	/* page 0 is a page like any other */
	rd(BUS_MMIO, 0, 1);
	assert_int_equal(rec.n, 3);
	rd(BUS_MMIO, ~0ull, 1);	/* and the last one */
	assert_int_equal(rec.n, 4);
	assert_int_equal(bus.unassigned, 7);
}

static void test_unassigned_mmio_cap(void **state)
{
	(void)state;
	for (uint64_t p = 0; p < BUS_MMIO_LOG_PAGES; p++)
		rd(BUS_MMIO, p << 12, 4);
	assert_int_equal(rec.n, BUS_MMIO_LOG_PAGES);
	for (int i = 0; i < rec.n; i++)
		assert_false(rec.u[i].last);
	rd(BUS_MMIO, 5 << 12, 4);	/* known: silent */
	assert_int_equal(rec.n, BUS_MMIO_LOG_PAGES);
	rd(BUS_MMIO, 0x100000, 4);	/* one more page: the last report, saying so */
	assert_int_equal(rec.n, BUS_MMIO_LOG_PAGES + 1);
	assert_true(rec.u[rec.n - 1].last);
	assert_int_equal(rec.u[rec.n - 1].addr, 0x100000);
	for (uint64_t p = 0x200; p < 0x300; p++)	/* then nothing more */
		rd(BUS_MMIO, p << 12, 4);
	assert_int_equal(rec.n, BUS_MMIO_LOG_PAGES + 1);
	assert_int_equal(bus.unassigned, BUS_MMIO_LOG_PAGES + 2 + 0x100);
	/* ports still report */
	rd(BUS_PIO, 0x70, 1);
	assert_int_equal(rec.n, BUS_MMIO_LOG_PAGES + 2);
	assert_false(rec.u[rec.n - 1].last);
}

static void test_no_hooks(void **state)
{
	uint64_t v = 0;

	(void)state;
	bus_init(&bus, NULL);
	assert_int_equal(rd(BUS_PIO, 0x80, 1), 0xff);
	assert_int_equal(io(BUS_MMIO, 0x80, 8, true, &v), BUS_UNASSIGNED);
	bus_irq_set(&bus, 3, true);
	assert_int_equal(bus.irq_levels, 1u << 3);
	assert_int_equal(bus.unassigned, 2);
	assert_int_equal(rec.n, 0);
}

/* ---- interrupt lines ---- */

static void test_irq(void **state)
{
	(void)state;
	bus_irq_set(&bus, 4, false);	/* already low: no call */
	assert_int_equal(rec.nirq, 0);
	bus_irq_set(&bus, 4, true);
	bus_irq_set(&bus, 4, true);
	assert_int_equal(rec.nirq, 1);
	assert_int_equal(rec.irq[0].line, 4);
	assert_true(rec.irq[0].level);
	assert_int_equal(bus.irq_levels, 1u << 4);
	assert_int_equal(bus.irq_raised[4], 1);	/* one rising edge */
	bus_irq_set(&bus, 31, true);
	assert_int_equal(rec.nirq, 2);
	bus_irq_set(&bus, 4, false);
	bus_irq_set(&bus, 4, false);
	assert_int_equal(rec.nirq, 3);
	assert_false(rec.irq[2].level);
	assert_int_equal(bus.irq_levels, 1u << 31);
	bus_irq_set(&bus, 4, true);	/* a second pulse */
	bus_irq_set(&bus, 4, false);
	assert_int_equal(bus.irq_raised[4], 2);
	assert_int_equal(rec.nirq, 5);
	bus_irq_set(&bus, 32, true);	/* out of range: ignored */
	bus_irq_set(&bus, ~0u, true);
	assert_int_equal(rec.nirq, 5);
	assert_int_equal(bus.irq_levels, 1u << 31);
}

/* ---- debugexit ---- */

static void test_debugexit(void **state)
{
	struct bus_req r = { .addr = 0xf4, .size = 1, .write = true, .val = 3 };

	(void)state;
	assert_int_equal(debugexit_attach(&bus, DEBUGEXIT_PORT, err, sizeof(err)), 0);
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_STOP);
	assert_int_equal(r.stop_code, 3);
	assert_string_equal(r.why, "debug exit with code 3");

	r = (struct bus_req){ .addr = 0xf4, .size = 2, .write = true, .val = 0x1ff };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_STOP);
	assert_int_equal(r.stop_code, 0xff);
	assert_string_equal(r.why, "debug exit with code 255");
	r = (struct bus_req){ .addr = 0xf4, .size = 4, .write = true, .val = 0x12345600 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_STOP);
	assert_int_equal(r.stop_code, 0);
	assert_string_equal(r.why, "debug exit with code 0");

	/* reads: assigned, all ones */
	r = (struct bus_req){ .addr = 0xf4, .size = 1 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	assert_int_equal(r.val, 0xff);
	r = (struct bus_req){ .addr = 0xf4, .size = 4 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	assert_int_equal(r.val, 0xffffffff);
	assert_int_equal(bus.unassigned, 0);

	/* only 0xf4 is the exit port */
	r = (struct bus_req){ .addr = 0xf5, .size = 1, .write = true, .val = 1 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	r = (struct bus_req){ .addr = 0xf6, .size = 2, .write = true, .val = 1 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	r = (struct bus_req){ .addr = 0xf3, .size = 2, .write = true, .val = 1 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	r = (struct bus_req){ .addr = 0xf4, .size = 8, .write = true, .val = 1 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	r = (struct bus_req){ .addr = 0xf4, .size = 1, .write = true, .val = 1 };
	assert_int_equal(bus_access(&bus, BUS_MMIO, &r), BUS_UNASSIGNED);	/* port, not MMIO */
	assert_int_equal(bus.unassigned, 5);

	/* a second one on the same port is refused, by name */
	assert_int_equal(debugexit_attach(&bus, DEBUGEXIT_PORT, err, sizeof(err)), -1);
	assert_string_equal(err, "debugexit: ports 0xf4-0xf7 overlap debugexit at 0xf4-0xf7");
	assert_int_equal(debugexit_attach(&bus, 0xfffd, err, sizeof(err)), -1);
}

/* The console's devices: per range, the accesses its device answered;
 * unassigned ones (and widths a device refuses) count apart. */
static void test_access_counts(void **state)
{
	struct fake a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(reg(BUS_PIO, 0x400, 8, "b", &b), 0);
	assert_int_equal(reg(BUS_PIO, 0x3f8, 8, "a", &a), 0);	/* sorts before b */
	assert_int_equal(reg(BUS_MMIO, 0x1000, 0x1000, "m", &a), 0);
	for (int i = 0; i < 3; i++)
		rd(BUS_PIO, 0x3f9, 1);
	rd(BUS_PIO, 0x407, 1);
	rd(BUS_MMIO, 0x1ff8, 8);
	rd(BUS_PIO, 0x300, 1);			/* nobody */
	rd(BUS_PIO, 0x3fe, 4);			/* straddles a's edge: unassigned */
	assert_string_equal(bus.range[0].name, "a");
	assert_int_equal(bus.accesses[0], 3);
	assert_int_equal(bus.accesses[1], 1);
	assert_int_equal(bus.accesses[2], 1);
	assert_int_equal(bus.unassigned, 2);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_ok),
		T(test_register_overlap_pio),
		T(test_register_overlap_mmio),
		T(test_register_bad),
		T(test_register_capacity),
		T(test_dispatch),
		T(test_dispatch_edges),
		T(test_dispatch_sizes),
		T(test_device_statuses),
		T(test_unassigned_pio),
		T(test_unassigned_mmio_pages),
		T(test_unassigned_mmio_cap),
		T(test_no_hooks),
		T(test_irq),
		T(test_debugexit),
		T(test_access_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
