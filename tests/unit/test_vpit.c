/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vpit.c, through the bus as a guest sees it:
 * every mode's count and OUT over time (at 1000 TSC ticks per PIT clock
 * and at a ratio that is not an integer), BCD, the counter latch, the
 * read-back command, the byte flip-flops, the gate of counter 2 through
 * port 0x61 and OUT2 in its bit 5 (the Linux calibration sequences), the
 * refresh toggle, IRQ0 pulses counted the way the run loop drives them
 * (vpit_deadline / vpit_advance), collapse of missed periods, the minimum
 * interrupt period, reset, the view and wide accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vpit.h"

#define KHZ_INT  1193182ull	/* 1000 TSC ticks per PIT clock */
#define KHZ_ODD  2999999ull	/* ~2514.29 ticks per clock */
#define T0       5000000ull	/* some time after init */
#define NONE     UINT64_MAX

#define P0   0x40
#define P2   0x42
#define PCW  0x43
#define P61  0x61

static struct bus bus;
static struct vpit pit;
static char err[128];
static uint64_t last_now;	/* the contract: time never goes backwards */

static uint64_t when(uint64_t now)
{
	assert_true(now >= last_now);
	last_now = now;
	return now;
}

static void start(uint64_t khz)
{
	bus_init(&bus, NULL);
	last_now = 0;
	vpit_init(&pit, &bus, VPIT_IRQ, khz, 0);
	assert_int_equal(vpit_attach(&pit, &bus, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	(void)state;
	start(KHZ_INT);
	return 0;
}

/* TSC ticks from a load to the start of clock k: ceil(k * F / HZ). */
static uint64_t clk(uint64_t k)
{
	unsigned __int128 f = (unsigned __int128)pit.tsc_khz * 1000;

	return (uint64_t)(((unsigned __int128)k * f + VPIT_HZ - 1) / VPIT_HZ);
}

/* A time inside clock k after a load at t (clock k is under way). */
static uint64_t at(uint64_t t, uint64_t k)
{
	return t + (clk(k) + clk(k + 1)) / 2;
}

static uint8_t in(uint16_t port, uint64_t now)
{
	struct bus_req r = { .addr = port, .size = 1, .val = 0x5a5a, .now = when(now) };

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	return (uint8_t)r.val;
}

static void out(uint16_t port, uint8_t v, uint64_t now)
{
	struct bus_req r = { .addr = port, .size = 1, .write = true, .val = v, .now = when(now) };

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
}

/* Control word for counter ch, LSB-then-MSB, mode, binary; then count. */
static void program(unsigned ch, unsigned mode, uint16_t count, uint64_t now)
{
	out(PCW, (uint8_t)(ch << 6 | 0x30 | mode << 1), now);
	out(P0 + ch, count & 0xff, now);
	out(P0 + ch, count >> 8, now);
}

static uint16_t latched(unsigned ch, uint64_t now)
{
	uint16_t lo, hi;

	out(PCW, (uint8_t)(ch << 6), now);	/* counter latch command */
	lo = in(P0 + ch, now);
	hi = in(P0 + ch, now);
	return (uint16_t)(hi << 8 | lo);
}

static uint8_t status(unsigned ch, uint64_t now)
{
	out(PCW, (uint8_t)(0xe0 | 2u << ch), now);	/* read-back: status only */
	return in(P0 + ch, now);
}

static bool out0(uint64_t now)
{
	return status(0, now) & PIT_ST_OUT;
}

static bool out2(uint64_t now)
{
	return in(P61, now) & PORT61_OUT2;
}

/* The run loop: deliver every deadline up to `until`; returns pulses and
 * checks the contract on the way. */
static unsigned run_until(uint64_t until, uint64_t *first, uint64_t *last)
{
	uint32_t n0 = bus.irq_raised[VPIT_IRQ];
	uint64_t d, prev = 0;

	while ((d = vpit_deadline(&pit)) <= until) {
		vpit_advance(&pit, when(d));
		assert_true(vpit_deadline(&pit) > d);
		if (prev)
			assert_true(d - prev >= pit.min_tsc);
		if (!prev && first)
			*first = d;
		prev = d;
	}
	if (last)
		*last = prev;
	assert_int_equal(bus.irq_levels, 0);	/* pulses: the line ends low */
	return bus.irq_raised[VPIT_IRQ] - n0;
}

/* ---- power-on ---- */

static void test_power_on(void **state)
{
	struct vpit_view v;

	(void)state;
	for (unsigned ch = 0; ch < 3; ch++) {
		assert_int_equal(status(ch, T0), PIT_ST_NULL);	/* OUT low, unprogrammed */
		assert_int_equal(in(P0 + ch, T0), 0);
		out(P0 + ch, 0x12, T0);	/* ignored */
		assert_int_equal(status(ch, T0), PIT_ST_NULL);
	}
	assert_int_equal(in(P61, T0) & ~PORT61_REFRESH, 0);
	assert_int_equal(vpit_deadline(&pit), NONE);
	vpit_view(&pit, T0, &v);
	for (unsigned ch = 0; ch < 3; ch++) {
		assert_false(v.ch[ch].counting);
		assert_false(v.ch[ch].out);
		assert_int_equal(v.ch[ch].reload, 0);
	}
	assert_true(v.ch[0].gate && v.ch[1].gate);
	assert_false(v.ch[2].gate);
	assert_int_equal(v.period_ns, 0);
}

/* ---- modes ---- */

static void test_mode0(void **state)
{
	uint64_t t;

	(void)state;
	out(PCW, 0x30, T0);
	assert_int_equal(status(0, T0), PIT_ST_NULL | 0x30);	/* OUT low */
	program(0, 0, 100, T0);
	assert_int_equal(vpit_deadline(&pit), T0 + clk(100));	/* one IRQ0 pulse, at TC */
	assert_int_equal(status(0, T0), 0x30);	/* loaded: null count clear */
	assert_int_equal(latched(0, at(T0, 0)), 100);
	assert_int_equal(latched(0, at(T0, 30)), 70);
	assert_int_equal(latched(0, at(T0, 99)), 1);
	assert_false(out0(at(T0, 99)));
	assert_false(out0(T0 + clk(100) - 1));
	assert_true(out0(T0 + clk(100)));	/* TC: exactly N clocks after the write */
	assert_int_equal(latched(0, at(T0, 100)), 0);
	assert_int_equal(latched(0, at(T0, 101)), 0xffff);	/* wraps, keeps counting */
	assert_int_equal(latched(0, at(T0, 1100)), 0xffff - 999);
	assert_true(out0(at(T0, 100 + 65536)));	/* stays high */

	/* the accesses past TC delivered the pulse */
	assert_int_equal(run_until(T0 + clk(1000000), NULL, NULL), 0);
	assert_int_equal(pit.irqs, 1);
	assert_int_equal(vpit_deadline(&pit), NONE);

	/* a new count: OUT low again, counting from it */
	t = T0 + clk(200000);
	out(P0, 10, t);
	assert_false(out0(t));	/* the first byte stops counting, OUT low */
	assert_int_equal(latched(0, at(t, 50)), (uint16_t)(100 - 200000));	/* frozen */
	out(P0, 0, at(t, 50));
	t = at(t, 50);
	assert_int_equal(latched(0, t), 10);
	assert_int_equal(latched(0, at(t, 4)), 6);
	assert_true(out0(at(t, 10)));
}

static void test_mode0_gate(void **state)
{
	uint64_t t1, t2;

	(void)state;
	out(P61, 0, T0);	/* gate 2 low */
	program(2, 0, 100, T0);
	assert_int_equal(latched(2, at(T0, 500)), 100);	/* loaded, not counting */
	assert_false(out2(at(T0, 500)));
	t1 = T0 + clk(1000);
	out(P61, PORT61_GATE2, t1);
	assert_int_equal(latched(2, at(t1, 30)), 70);
	t2 = at(t1, 30);
	out(P61, 0, t2);	/* gate low: counting stops */
	assert_int_equal(latched(2, t2 + clk(5000)), 70);
	assert_false(out2(t2 + clk(5000)));
	t2 += clk(5000);
	out(P61, PORT61_GATE2, t2);	/* resumes, no reload */
	assert_int_equal(latched(2, at(t2, 20)), 50);
	assert_false(out2(at(t2, 69)));
	assert_true(out2(t2 + clk(70)));
}

static void test_mode1(void **state)
{
	uint64_t t1, t2;
	struct vpit_view v;

	(void)state;
	out(P61, 0, T0);
	out(PCW, 0xb2, T0);	/* counter 2, LSB/MSB, mode 1 */
	out(P2, 10, T0);
	out(P2, 0, T0);
	assert_true(out2(T0));	/* armed, waiting for a trigger */
	assert_int_equal(status(2, T0), PIT_ST_OUT | PIT_ST_NULL | 0x32);
	t1 = T0 + clk(77);
	out(P61, PORT61_GATE2, t1);	/* trigger */
	assert_int_equal(status(2, t1), 0x32);	/* loaded, OUT low */
	assert_int_equal(latched(2, at(t1, 0)), 10);
	assert_int_equal(latched(2, at(t1, 5)), 5);
	assert_false(out2(at(t1, 9)));
	assert_true(out2(t1 + clk(10)));
	assert_int_equal(latched(2, at(t1, 11)), 0xffff);
	/* gate low changes nothing; a new count waits for the next trigger */
	out(P61, 0, at(t1, 12));
	out(P2, 3, at(t1, 12));
	out(P2, 0, at(t1, 12));
	assert_int_equal(latched(2, at(t1, 13)), 0xfffd);
	assert_true(out2(at(t1, 13)));
	t2 = at(t1, 20);
	out(P61, PORT61_GATE2, t2);	/* retrigger with the new count */
	assert_false(out2(t2));
	assert_int_equal(latched(2, at(t2, 1)), 2);
	assert_true(out2(t2 + clk(3)));

	/* counter 0 has its gate tied high: mode 1 never triggers */
	out(PCW, 0x32, T0 + clk(1000));
	out(P0, 10, T0 + clk(1000));
	out(P0, 0, T0 + clk(1000));
	assert_int_equal(status(0, T0 + clk(5000)), PIT_ST_OUT | PIT_ST_NULL | 0x32);
	assert_int_equal(vpit_deadline(&pit), NONE);
	vpit_view(&pit, T0 + clk(5000), &v);
	assert_false(v.ch[0].counting);
	assert_int_equal(v.ch[0].reload, 10);
}

static void test_mode2(void **state)
{
	(void)state;
	program(0, 2, 10, T0);
	assert_int_equal(status(0, T0), PIT_ST_OUT | 0x34);
	for (unsigned k = 0; k < 33; k++) {
		assert_int_equal(latched(0, at(T0, k)), 10 - k % 10);
		assert_int_equal(out0(at(T0, k)), k % 10 != 9);	/* low at count 1 */
	}
	/* a new count waits for the end of the period */
	out(P0, 5, at(T0, 33));
	out(P0, 0, at(T0, 33));
	for (unsigned k = 33; k < 40; k++) {
		assert_int_equal(latched(0, at(T0, k)), 10 - k % 10);
		assert_true(status(0, at(T0, k)) & PIT_ST_NULL);
	}
	assert_false(status(0, at(T0, 40)) & PIT_ST_NULL);
	for (unsigned k = 40; k < 60; k++) {
		assert_int_equal(latched(0, at(T0, k)), 5 - (k - 40) % 5);
		assert_int_equal(out0(at(T0, k)), (k - 40) % 5 != 4);
	}
}

static void test_mode2_gate(void **state)
{
	uint64_t t;

	(void)state;
	out(P61, PORT61_GATE2, T0);
	program(2, 2, 10, T0);
	assert_int_equal(latched(2, at(T0, 9)), 1);
	assert_false(out2(at(T0, 9)));
	t = at(T0, 9);
	out(P61, 0, t);	/* gate low during the low clock: OUT high at once */
	assert_true(out2(t));
	assert_int_equal(latched(2, t + clk(100)), 1);	/* stopped */
	t += clk(100);
	out(P61, PORT61_GATE2, t);	/* the rising edge reloads */
	assert_int_equal(latched(2, at(t, 0)), 10);
	assert_int_equal(latched(2, at(t, 3)), 7);
	assert_false(out2(at(t, 9)));
	assert_true(out2(at(t, 10)));
}

static void test_mode3_even(void **state)
{
	(void)state;
	program(0, 3, 10, T0);
	for (unsigned k = 0; k < 30; k++) {
		unsigned r = k % 10, x = r < 5 ? r : r - 5;

		assert_int_equal(latched(0, at(T0, k)), 10 - 2 * x);
		assert_int_equal(out0(at(T0, k)), r < 5);
	}
}

static void test_mode3_odd(void **state)
{
	(void)state;
	program(0, 3, 7, T0);
	/* high (7 + 1) / 2 = 4 clocks reading 6 4 2 0, low 3 reading 6 4 2 */
	static const uint16_t want[7] = { 6, 4, 2, 0, 6, 4, 2 };

	for (unsigned k = 0; k < 28; k++) {
		assert_int_equal(latched(0, at(T0, k)), want[k % 7]);
		assert_int_equal(out0(at(T0, k)), k % 7 < 4);
	}
}

static void test_mode3_new_count(void **state)
{
	(void)state;
	program(0, 3, 10, T0);
	out(P0, 6, at(T0, 2));	/* during the high half */
	out(P0, 0, at(T0, 2));
	/* IRQ0 rises where the new square wave first goes high: clock 8 */
	assert_int_equal(vpit_deadline(&pit), T0 + clk(8));
	assert_int_equal(latched(0, at(T0, 4)), 2);	/* the half runs out */
	assert_true(out0(at(T0, 4)));
	assert_true(status(0, at(T0, 4)) & PIT_ST_NULL);
	/* at clock 5 the new count loads into the low half: 3 clocks low */
	static const uint16_t want[9] = { 6, 4, 2, 6, 4, 2, 6, 4, 2 };
	static const bool high[9] = { 0, 0, 0, 1, 1, 1, 0, 0, 0 };

	for (unsigned i = 0; i < 9; i++) {
		assert_int_equal(latched(0, at(T0, 5 + i)), want[i]);
		assert_int_equal(out0(at(T0, 5 + i)), high[i]);
	}
	assert_false(status(0, at(T0, 14)) & PIT_ST_NULL);
}

static void test_mode3_gate(void **state)
{
	uint64_t t;

	(void)state;
	out(P61, PORT61_GATE2, T0);
	out(PCW, 0xb6, T0);	/* counter 2, LSB/MSB, mode 3 */
	out(P2, 10, T0);
	out(P2, 0, T0);
	assert_false(out2(at(T0, 7)));
	t = at(T0, 7);
	out(P61, 0, t);
	assert_true(out2(t));	/* gate low while OUT low: high at once */
	assert_int_equal(latched(2, t + clk(50)), 6);
	t += clk(50);
	out(P61, PORT61_GATE2, t);
	assert_int_equal(latched(2, at(t, 0)), 10);
	assert_true(out2(at(t, 4)));
	assert_false(out2(at(t, 5)));
}

static void test_mode4(void **state)
{
	uint64_t t;

	(void)state;
	program(0, 4, 5, T0);
	assert_int_equal(vpit_deadline(&pit), T0 + clk(6));	/* OUT0 rises after the strobe */
	assert_int_equal(status(0, T0), PIT_ST_OUT | 0x38);
	for (unsigned k = 0; k < 10; k++)
		assert_int_equal(out0(at(T0, k)), k != 5);	/* strobe at TC */
	assert_int_equal(latched(0, at(T0, 11)), 0xfffa);	/* wraps */
	assert_true(out0(at(T0, 5 + 65536)));	/* once per count written */
	assert_int_equal(run_until(T0 + clk(200000), NULL, NULL), 0);
	assert_int_equal(pit.irqs, 1);	/* delivered by an access, once */

	/* gate low stops counting, OUT untouched (counter 2) */
	t = T0 + clk(100000);
	out(P61, PORT61_GATE2, t);
	program(2, 4, 20, t);
	out(P61, 0, at(t, 10));
	assert_int_equal(latched(2, at(t, 1000)), 10);
	assert_true(out2(at(t, 1000)));
	t = at(t, 1000);
	out(P61, PORT61_GATE2, t);
	assert_false(out2(at(t, 10)));
	assert_true(out2(at(t, 11)));
}

static void test_mode5(void **state)
{
	uint64_t t;

	(void)state;
	out(P61, 0, T0);
	out(PCW, 0xba, T0);	/* counter 2, LSB/MSB, mode 5 */
	out(P2, 4, T0);
	out(P2, 0, T0);
	assert_true(out2(at(T0, 4)));	/* no trigger, no strobe */
	t = T0 + clk(100);
	out(P61, PORT61_GATE2, t);
	for (unsigned k = 0; k < 8; k++)
		assert_int_equal(out2(at(t, k)), k != 4);
	assert_int_equal(latched(2, at(t, 7)), 0xfffd);
	out(P61, 0, at(t, 8));	/* retrigger */
	out(P61, PORT61_GATE2, at(t, 9));
	t = at(t, 9);
	assert_int_equal(latched(2, t), 4);
	assert_false(out2(t + clk(4)));
}

/* ---- formats ---- */

static void test_bcd(void **state)
{
	uint64_t t;

	(void)state;
	out(PCW, 0x31, T0);	/* counter 0, LSB/MSB, mode 0, BCD */
	out(P0, 0x00, T0);
	out(P0, 0x10, T0);	/* 1000 */
	assert_int_equal(latched(0, at(T0, 1)), 0x0999);
	assert_int_equal(latched(0, at(T0, 1000)), 0x0000);
	assert_int_equal(latched(0, at(T0, 1001)), 0x9999);	/* wraps in decimal */
	assert_true(out0(at(T0, 1001)));
	assert_int_equal(status(0, at(T0, 1001)) & PIT_ST_CW, 0x31);

	t = T0 + clk(5000);
	out(P0, 0, t);
	out(P0, 0, t);	/* 0: 10000 */
	assert_int_equal(vpit_deadline(&pit), t + clk(10000));
	assert_int_equal(latched(0, t), 0);
	assert_int_equal(latched(0, at(t, 1)), 0x9999);
	assert_false(out0(at(t, 9999)));
	assert_true(out0(t + clk(10000)));

	out(PCW, 0x35, T0 + clk(50000));	/* mode 2, BCD */
	out(P0, 0x12, T0 + clk(50000));
	out(P0, 0x00, T0 + clk(50000));
	t = T0 + clk(50000);
	assert_int_equal(latched(0, at(t, 2)), 0x10);
	assert_int_equal(latched(0, at(t, 3)), 0x09);
	assert_int_equal(latched(0, at(t, 12)), 0x12);

	out(P0, 0xaf, at(t, 12));	/* bad digits count as 9: 99, loaded at the period's end */
	out(P0, 0x00, at(t, 12));
	assert_int_equal(latched(0, at(t, 24)), 0x99);
}

static void test_reload0(void **state)
{
	(void)state;
	program(0, 2, 0, T0);	/* 65536 */
	assert_int_equal(vpit_deadline(&pit), T0 + clk(65536));
	assert_int_equal(latched(0, T0), 0);
	assert_int_equal(latched(0, at(T0, 1)), 0xffff);
	assert_int_equal(latched(0, at(T0, 65535)), 1);
	assert_int_equal(latched(0, at(T0, 65536)), 0);
	program(0, 0, 0, T0 + clk(100000));
	assert_false(out0(at(T0 + clk(100000), 65535)));
	assert_true(out0(T0 + clk(100000) + clk(65536)));
}

static void test_latch(void **state)
{
	uint64_t t;

	(void)state;
	program(0, 2, 1000, T0);
	out(PCW, 0x00, at(T0, 10));	/* latch 990 */
	out(PCW, 0x00, at(T0, 20));	/* ignored: not read yet */
	assert_int_equal(in(P0, at(T0, 30)), 990 & 0xff);
	out(PCW, 0x00, at(T0, 35));	/* still ignored: MSB unread */
	assert_int_equal(in(P0, at(T0, 40)), 990 >> 8);
	/* read completely: live again */
	assert_int_equal(in(P0, at(T0, 50)), 950 & 0xff);
	assert_int_equal(in(P0, at(T0, 50)), 950 >> 8);
	assert_int_equal(latched(0, at(T0, 55)), 945);

	/* a control word drops the latch; the CE keeps its value */
	out(PCW, 0x00, at(T0, 100));
	out(PCW, 0x34, at(T0, 200));
	assert_int_equal(in(P0, at(T0, 300)), 800 & 0xff);
	assert_int_equal(in(P0, at(T0, 400)), 800 >> 8);

	/* one-byte formats: one read per latch */
	t = T0 + clk(10000);
	out(PCW, 0x14, t);	/* LSB only, mode 2 */
	out(P0, 200, t);
	out(PCW, 0x00, at(t, 5));
	assert_int_equal(in(P0, at(t, 9)), 195);
	assert_int_equal(in(P0, at(t, 9)), 191);	/* live */
	t = T0 + clk(20000);
	out(PCW, 0x24, t);	/* MSB only */
	out(P0, 0x02, t);	/* 512 */
	out(PCW, 0x00, at(t, 1));
	assert_int_equal(in(P0, at(t, 300)), 511 >> 8);
	assert_int_equal(in(P0, at(t, 300)), (512 - 300) >> 8);
}

static void test_readback(void **state)
{
	(void)state;
	out(P61, PORT61_GATE2, T0);
	program(0, 2, 1000, T0);
	program(1, 2, 500, T0);
	program(2, 0, 300, T0);
	out(PCW, 0xc2, at(T0, 10));	/* count and status of counter 0 */
	assert_int_equal(in(P0, at(T0, 20)), PIT_ST_OUT | 0x34);	/* status first */
	assert_int_equal(in(P0, at(T0, 20)), 990 & 0xff);
	assert_int_equal(in(P0, at(T0, 20)), 990 >> 8);
	/* several counters at once */
	out(PCW, 0xde, at(T0, 100));	/* counts of 0, 1, 2 */
	assert_int_equal(in(P0 + 1, at(T0, 200)), 400 & 0xff);
	assert_int_equal(in(P0 + 1, at(T0, 200)), 400 >> 8);
	assert_int_equal(in(P0 + 2, at(T0, 200)), 200);
	assert_int_equal(in(P0 + 2, at(T0, 200)), 0);
	assert_int_equal(in(P0, at(T0, 200)), 900 & 0xff);
	assert_int_equal(in(P0, at(T0, 200)), 900 >> 8);
	/* null count while a new mode 2 count waits for the period's end */
	out(P0 + 1, 7, at(T0, 300));
	out(P0 + 1, 0, at(T0, 300));
	assert_int_equal(status(1, at(T0, 300)), PIT_ST_OUT | PIT_ST_NULL | 0x34);
	assert_int_equal(status(1, at(T0, 499)), PIT_ST_NULL | 0x34);
	assert_int_equal(status(1, at(T0, 500)), PIT_ST_OUT | 0x34);
	assert_int_equal(latched(1, at(T0, 501)), 6);
	/* status is that of the first of several latches */
	out(PCW, 0xe2, at(T0, 999));	/* OUT0 low now */
	out(PCW, 0xe2, at(T0, 1000));
	assert_int_equal(in(P0, at(T0, 1000)), 0x34);
	/* count latched first, status still read first */
	out(PCW, 0xd2, at(T0, 1010));	/* count only */
	out(PCW, 0xe2, at(T0, 1020));	/* status only */
	assert_int_equal(in(P0, at(T0, 1030)), PIT_ST_OUT | 0x34);
	assert_int_equal(in(P0, at(T0, 1030)), 990 & 0xff);
	assert_int_equal(in(P0, at(T0, 1030)), 990 >> 8);
}

static void test_byte_toggle(void **state)
{
	(void)state;
	program(0, 2, 1000, T0);
	/* unlatched reads alternate LSB, MSB, each of the count at its time */
	assert_int_equal(in(P0, at(T0, 5)), 995 & 0xff);
	assert_int_equal(in(P0, at(T0, 6)), 994 >> 8);
	assert_int_equal(in(P0, at(T0, 7)), 993 & 0xff);
	/* reads and writes interleave: separate flip-flops */
	out(P0, 0x34, at(T0, 7));
	assert_int_equal(in(P0, at(T0, 8)), 992 >> 8);
	out(P0, 0x12, at(T0, 8));	/* 0x1234, loads at the period's end */
	assert_int_equal(latched(0, at(T0, 1000)), 0x1234);
	/* a control word resets the read flip-flop to the LSB */
	assert_int_equal(in(P0, at(T0, 1001)), 0x33);
	out(PCW, 0x34, at(T0, 1001));
	assert_int_equal(in(P0, at(T0, 1002)), 0x33);
	assert_int_equal(in(P0, at(T0, 1002)), 0x12);
}

/* ---- IRQ0 ---- */

static void irq_rate(unsigned mode, uint64_t khz)
{
	uint64_t first = 0, last = 0;

	start(khz);
	program(0, mode, 11932, T0);	/* ~100 Hz */
	/* one second: 1193182 clocks hold 99 periods of 11932 */
	assert_int_equal(run_until(T0 + clk(VPIT_HZ), &first, &last), 99);
	assert_int_equal(first, T0 + clk(11932));
	assert_int_equal(last, T0 + clk(99 * 11932));
	assert_int_equal(vpit_deadline(&pit), T0 + clk(100 * 11932));
	assert_int_equal(pit.irqs, 99);
}

static void test_irq_mode2(void **state)
{
	(void)state;
	irq_rate(2, KHZ_INT);
	irq_rate(2, KHZ_ODD);
}

static void test_irq_mode3(void **state)
{
	(void)state;
	irq_rate(3, KHZ_INT);
	irq_rate(3, KHZ_ODD);
}

static void test_irq_collapse(void **state)
{
	struct vpit_view v;

	(void)state;
	program(0, 2, 1193, T0);
	vpit_advance(&pit, when(T0 + clk(1193) - 1));	/* early: nothing */
	assert_int_equal(pit.irqs, 0);
	vpit_advance(&pit, when(at(T0, 5 * 1193 + 600)));	/* 5 periods missed */
	assert_int_equal(bus.irq_raised[VPIT_IRQ], 1);
	assert_int_equal(vpit_deadline(&pit), T0 + clk(6 * 1193));
	vpit_advance(&pit, when(T0 + clk(1000000ull * 1193)));	/* a long pause */
	assert_int_equal(bus.irq_raised[VPIT_IRQ], 2);
	assert_int_equal(vpit_deadline(&pit), T0 + clk(1000001ull * 1193));
	vpit_view(&pit, T0, &v);
	assert_int_equal(v.irqs, 2);
	assert_int_equal(v.period_ns, 999847);	/* 1193 / 1193182 Hz */
}

static void test_irq_min_period(void **state)
{
	(void)state;
	for (unsigned mode = 2; mode <= 3; mode++) {
		for (unsigned r = 1; r <= 100; r++) {
			uint64_t span = clk(VPIT_HZ / 10), per = clk(r < 2 ? 2 : r), n;
			struct vpit_view v;

			start(KHZ_INT);
			program(0, mode, (uint16_t)r, T0);
			n = run_until(T0 + span, NULL, NULL);	/* 100 ms */
			assert_true(n <= 1001);
			assert_true(n + 1 >= span / (pit.min_tsc + per));
			vpit_view(&pit, T0, &v);
			assert_true(v.period_ns >= VPIT_MIN_PERIOD_NS);
			assert_true(v.period_ns < VPIT_MIN_PERIOD_NS + 84000);
		}
	}
	/* the count still runs at the programmed rate */
	start(KHZ_INT);
	program(0, 2, 50, T0);
	run_until(T0 + clk(10000), NULL, NULL);
	assert_int_equal(latched(0, at(T0, 10007)), 43);
	assert_false(out0(at(T0, 10049)));
}

static void test_irq_held_back(void **state)
{
	uint64_t d1, f, t;

	(void)state;
	program(0, 2, 1193, T0);
	d1 = vpit_deadline(&pit);
	vpit_advance(&pit, when(d1));
	f = d1 + pit.min_tsc;
	/* a one-shot ending 10 clocks later waits for the floor, not lost */
	program(0, 0, 10, d1 + 1000);
	assert_int_equal(vpit_deadline(&pit), f);
	/* its edge passed; reprogramming does not drop the owed pulse */
	t = d1 + 50000;
	program(0, 0, 10000, t);
	assert_int_equal(vpit_deadline(&pit), f);
	vpit_advance(&pit, when(f));
	assert_int_equal(pit.irqs, 2);
	assert_int_equal(vpit_deadline(&pit), t + clk(10000));
	vpit_advance(&pit, when(t + clk(10000)));
	assert_int_equal(pit.irqs, 3);
	assert_int_equal(vpit_deadline(&pit), NONE);
	/* a port access also delivers what is due */
	program(0, 0, 10, t + clk(20000));
	in(P0, t + clk(20000) + clk(10));
	assert_int_equal(pit.irqs, 4);
}

static void test_irq_only_counter0(void **state)
{
	(void)state;
	program(1, 2, 200, T0);
	out(P61, PORT61_GATE2, T0);
	program(2, 3, 200, T0);
	assert_int_equal(vpit_deadline(&pit), NONE);
	vpit_advance(&pit, when(T0 + clk(100000)));
	assert_int_equal(bus.irq_raised[VPIT_IRQ], 0);
	/* a control word setting OUT0 high is no pulse */
	out(PCW, 0x30, T0 + clk(100000));
	out(PCW, 0x34, T0 + clk(100001));
	vpit_advance(&pit, when(T0 + clk(100002)));
	assert_int_equal(bus.irq_raised[VPIT_IRQ], 0);
}

/* ---- Linux's calibration sequences ---- */

/* arch/x86/kernel/tsc.c pit_calibrate_tsc: gate on, speaker off, mode 0,
 * LSB/MSB, latch 11932 (~10 ms), poll port 0x61 bit 5. */
static void calibrate(uint64_t khz)
{
	const uint16_t latch = 11932;
	uint64_t t, step = 37;
	double exact, tick = (double)khz * 1000 / VPIT_HZ;

	start(khz);
	t = T0;
	out(P61, (uint8_t)((in(P61, t) & ~PORT61_SPEAKER) | PORT61_GATE2), t);
	out(PCW, 0xb0, t);
	out(P2, latch & 0xff, t);
	out(P2, latch >> 8, t);
	exact = (double)t + latch * tick;
	while (!(in(P61, t) & PORT61_OUT2))
		t += step;
	assert_true((double)t >= exact - tick);
	assert_true((double)t <= exact + tick + step);
}

static void test_linux_calibrate(void **state)
{
	(void)state;
	calibrate(KHZ_INT);
	calibrate(KHZ_ODD);
	calibrate(3600000);
}

/* quick_pit_calibrate: mode 0, count 0xffff, reads LSB then MSB. */
static void test_linux_quick_calibrate(void **state)
{
	(void)state;
	start(KHZ_ODD);
	out(P61, (uint8_t)((in(P61, T0) & ~PORT61_SPEAKER) | PORT61_GATE2), T0);
	out(PCW, 0xb0, T0);
	out(P2, 0xff, T0);
	out(P2, 0xff, T0);
	for (unsigned k = 0; k < 255; k++) {
		uint64_t t = at(T0, 256 * k + 128);

		in(P2, t);
		assert_int_equal(in(P2, t), 0xff - k);
	}
}

/* ---- port 0x61 ---- */

static void test_port61(void **state)
{
	(void)state;
	start(1000000);	/* 1 tick = 1 ns */
	out(P61, 0xff, 0);
	assert_int_equal(in(P61, 0) & 0xcf, 0x0f);	/* 6, 7 read 0 */
	out(P61, 0x0a, 0);
	assert_int_equal(in(P61, 0) & 0xcf, 0x0a);
	/* refresh toggles every 15.085 us */
	assert_int_equal(in(P61, 15084) & PORT61_REFRESH, 0);
	assert_int_equal(in(P61, 15085) & PORT61_REFRESH, PORT61_REFRESH);
	assert_int_equal(in(P61, 30169) & PORT61_REFRESH, PORT61_REFRESH);
	assert_int_equal(in(P61, 30170) & PORT61_REFRESH, 0);
	/* OUT2 in bit 5; the speaker bit does not gate the counter */
	out(P61, PORT61_SPEAKER, 100000);
	out(PCW, 0xb0, 100000);
	out(P2, 5, 100000);
	out(P2, 0, 100000);
	assert_int_equal(in(P61, 200000) & PORT61_OUT2, 0);
	out(P61, PORT61_GATE2, 200000);
	assert_int_equal(in(P61, 200000 + 4190) & PORT61_OUT2, 0);	/* 5 clocks = 4190.5 ns */
	assert_int_equal(in(P61, 200000 + 4191) & PORT61_OUT2, PORT61_OUT2);
}

/* ---- time conversion at a ratio that is not an integer ---- */

static void test_odd_ratio(void **state)
{
	(void)state;
	start(KHZ_ODD);
	program(0, 0, 50000, T0);
	for (uint64_t dt = 0; dt < 100000000; dt = dt * 3 + 7777) {
		uint64_t e = (uint64_t)((unsigned __int128)dt * VPIT_HZ / (KHZ_ODD * 1000));

		assert_int_equal(latched(0, T0 + dt), (uint16_t)(50000 - e));
	}
}

static void test_tsc_khz_limits(void **state)
{
	uint64_t now = T0;

	(void)state;
	vpit_init(&pit, NULL, 0, 0, 0);
	assert_int_equal(pit.tsc_khz, 1000000);
	vpit_init(&pit, NULL, 0, 1ull << 40, 0);
	assert_int_equal(pit.tsc_khz, VPIT_TSC_KHZ_MAX);
	start(1);	/* a 1 kHz TSC: over a thousand clocks per tick */
	program(0, 2, 2, now);
	for (int i = 0; i < 100; i++) {
		now += (uint64_t)i * i * 977;
		vpit_advance(&pit, when(now));
		assert_true(vpit_deadline(&pit) > now);
	}
	start(VPIT_TSC_KHZ_MAX);
	program(0, 3, 0, now);
	vpit_advance(&pit, when(now + (1ull << 62)));
	assert_true(vpit_deadline(&pit) > now + (1ull << 62));
}

/* ---- reset, view, bus ---- */

static void test_reset(void **state)
{
	(void)state;
	program(0, 2, 1193, T0);
	out(P61, 0x0f, T0);
	run_until(T0 + clk(5000), NULL, NULL);
	assert_int_equal(pit.irqs, 4);
	vpit_reset(&pit, T0 + clk(5000));
	assert_int_equal(vpit_deadline(&pit), NONE);
	assert_int_equal(in(P61, T0 + clk(5000)), 0);
	for (unsigned ch = 0; ch < 3; ch++)
		assert_int_equal(status(ch, T0 + clk(5000)), PIT_ST_NULL);
	out(P0, 10, T0 + clk(5000));	/* unprogrammed again: ignored */
	assert_int_equal(vpit_deadline(&pit), NONE);
	assert_int_equal(pit.irqs, 4);
}

static void test_view(void **state)
{
	struct vpit_view v;

	(void)state;
	out(P61, PORT61_GATE2 | PORT61_SPEAKER, T0);
	program(0, 3, 11932, T0);
	out(PCW, 0x25, T0);	/* counter 0 was 3; now counter 0 MSB-only BCD mode 2 */
	out(PCW, 0x75, T0);	/* counter 1: LSB/MSB, mode 2, BCD */
	out(P0 + 1, 0x00, T0);
	out(P0 + 1, 0x50, T0);	/* 5000 */
	out(PCW, 0x96, T0);	/* counter 2: LSB only, mode 3 */
	out(P2, 100, T0);
	program(0, 3, 11932, T0);
	vpit_view(&pit, at(T0, 10), &v);
	assert_int_equal(v.ch[0].mode, 3);
	assert_int_equal(v.ch[0].access, PIT_RW_WORD);
	assert_int_equal(v.ch[0].bcd, 0);
	assert_int_equal(v.ch[0].reload, 11932);
	assert_int_equal(v.ch[0].count, 11932 - 20);
	assert_true(v.ch[0].out && v.ch[0].gate && v.ch[0].counting);
	assert_int_equal(v.period_ns, 10000150);	/* 11932 / 1193182 Hz, floored */
	assert_int_equal(v.ch[1].mode, 2);
	assert_int_equal(v.ch[1].bcd, 1);
	assert_int_equal(v.ch[1].reload, 5000);
	assert_int_equal(v.ch[1].count, 0x4990);
	assert_int_equal(v.ch[2].access, PIT_RW_LSB);
	assert_int_equal(v.ch[2].count, 80);
	assert_true(v.ch[2].gate);
	assert_int_equal(v.port61 & 0x2f, PORT61_GATE2 | PORT61_SPEAKER | PORT61_OUT2);
	/* counter 2 stopped by its gate */
	out(P61, 0, at(T0, 10));
	vpit_view(&pit, at(T0, 20), &v);
	assert_false(v.ch[2].counting);
	assert_false(v.ch[2].gate);
}

static void test_bus(void **state)
{
	struct bus_req r = { .addr = P0, .size = 2, .now = T0 };

	(void)state;
	program(0, 2, 1000, T0);
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_int_equal(r.val, 0xffff);
	r = (struct bus_req){ .addr = PCW, .size = 1, .write = true, .val = 0x30, .now = T0 };
	r.size = 4;
	bus_access(&bus, BUS_PIO, &r);	/* dropped */
	assert_int_equal(status(0, T0), PIT_ST_OUT | 0x34);
	r = (struct bus_req){ .addr = P61, .size = 2, .now = T0 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_int_equal(bus.unassigned, 3);
	assert_int_equal(in(PCW, T0), 0xff);	/* write only */
	assert_int_equal(vpit_attach(&pit, &bus, err, sizeof(err)), -1);
	assert_string_equal(err, "pit: ports 0x40-0x43 overlap pit at 0x40-0x43");
	/* IRQ line from init, no bus: pulses still counted */
	vpit_init(&pit, NULL, 0, KHZ_INT, 0);
	r = (struct bus_req){ .addr = 3, .size = 1, .write = true, .val = 0x30, .now = T0 };
	vpit_access(&pit, 3, &r);
	r.val = 5;
	vpit_access(&pit, 0, &r);
	r.val = 0;
	vpit_access(&pit, 0, &r);
	vpit_advance(&pit, T0 + clk(5));
	assert_int_equal(pit.irqs, 1);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_on),
		T(test_mode0),
		T(test_mode0_gate),
		T(test_mode1),
		T(test_mode2),
		T(test_mode2_gate),
		T(test_mode3_even),
		T(test_mode3_odd),
		T(test_mode3_new_count),
		T(test_mode3_gate),
		T(test_mode4),
		T(test_mode5),
		T(test_bcd),
		T(test_reload0),
		T(test_latch),
		T(test_readback),
		T(test_byte_toggle),
		T(test_irq_mode2),
		T(test_irq_mode3),
		T(test_irq_collapse),
		T(test_irq_min_period),
		T(test_irq_held_back),
		T(test_irq_only_counter0),
		T(test_linux_calibrate),
		T(test_linux_quick_calibrate),
		T(test_port61),
		T(test_odd_ratio),
		T(test_tsc_khz_limits),
		T(test_reset),
		T(test_view),
		T(test_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
