/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vpmtimer.c, through the bus as a guest sees
 * it: the PM timer's rate, wrap, widths and independence from long pauses
 * (ACPI 6.0 4.8.3.3), TMR_STS and the write-1-to-clear status register
 * (Table 4-16), PM1_EN (Table 4-17), PM1_CNT with SCI_EN, the write-only
 * bits and the SLP_EN power-off (Table 4-18), the access widths, reset and
 * the console view. The expected counts come from 128-bit arithmetic, an
 * oracle independent of the model's 64-bit muldiv. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vpmtimer.h"

#define T0 1000000007ull	/* TSC at init: not 0, so base_tsc matters */

static struct bus bus;
static struct vpm pm;
static char err[128];
static struct bus_req last;	/* the last request, as the device left it */

static void start(uint64_t khz)
{
	bus_init(&bus, NULL);
	memset(&pm, 0x5a, sizeof(pm));	/* init must not rely on zeroes */
	vpm_init(&pm, khz, T0);
	assert_int_equal(vpm_attach(&pm, &bus, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	(void)state;
	start(2000000);	/* 2 GHz */
	return 0;
}

static enum bus_status acc(uint16_t port, unsigned size, bool write, uint64_t val, uint64_t now)
{
	memset(&last, 0, sizeof(last));
	last.addr = port;
	last.size = size;
	last.write = write;
	last.val = val;
	last.now = now;
	return bus_access(&bus, BUS_PIO, &last);
}

static uint64_t in(uint16_t port, unsigned size, uint64_t now)
{
	assert_int_equal(acc(port, size, false, 0x1234, now), BUS_OK);
	return last.val;
}

static void out(uint16_t port, unsigned size, uint64_t val, uint64_t now)
{
	assert_int_equal(acc(port, size, true, val, now), BUS_OK);
}

/* The count after `elapsed` TSC ticks at khz, by 128-bit arithmetic. */
static uint32_t expect_count(uint64_t khz, uint64_t elapsed)
{
	unsigned __int128 hz = (unsigned __int128)khz * 1000;
	unsigned __int128 t = (unsigned __int128)elapsed * VPM_TMR_HZ / hz;

	return (uint32_t)(t & PM_TMR_MASK);
}

/* TSC ticks (after T0) at which a 2 GHz TSC makes the count reach `count`. */
static uint64_t tsc_for(uint64_t count)
{
	unsigned __int128 t = (unsigned __int128)count * 2000000000ull;

	t = (t + VPM_TMR_HZ - 1) / VPM_TMR_HZ;	/* round up: the first TSC at count */

	return T0 + (uint64_t)t;
}

static void test_init_state(void **state)
{
	(void)state;
	assert_int_equal(in(VPM_BASE + PM1_STS, 2, T0), 0);
	assert_int_equal(in(VPM_BASE + PM1_EN, 2, T0), 0);
	assert_int_equal(in(VPM_BASE + PM1_CNT, 2, T0), PM1_CNT_SCI_EN);	/* ACPI mode */
	assert_int_equal(in(VPM_BASE + PM_TMR, 4, T0), 0);
	assert_int_equal(pm.sleeps, 0);
	assert_int_equal(pm.tsc_khz, 2000000);
}

static void test_attach(void **state)
{
	(void)state;
	assert_int_equal(bus.nr_ranges, 1);
	assert_string_equal(bus.range[0].name, "acpi-pm");
	assert_int_equal(bus.range[0].base, 0x600);
	assert_int_equal(bus.range[0].len, 12);
	assert_int_equal(vpm_attach(&pm, &bus, err, sizeof(err)), -1);	/* overlap */
}

static void test_timer_rate(void **state)
{
	static const uint64_t steps[] = { 1, 559, 2000000000ull, 12345678901ull, 777777777777ull };
	uint32_t c;

	(void)state;
	/* One second at 2 GHz is exactly VPM_TMR_HZ counts. */
	assert_int_equal(in(VPM_BASE + PM_TMR, 4, T0 + 2000000000ull), VPM_TMR_HZ);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint32_t got = (uint32_t)in(VPM_BASE + PM_TMR, 4, T0 + steps[i]);

		assert_int_equal(got, expect_count(2000000, steps[i]));
		assert_int_equal(vpm_timer(&pm, T0 + steps[i]), got);
	}
	/* An odd rate: 2999999 kHz, 10 ms = 35795.45 counts -> 35795 or 35796. */
	start(2999999);
	c = vpm_timer(&pm, T0 + 29999990ull);
	assert_true(c == 35795 || c == 35796);
	assert_int_equal(c, expect_count(2999999, 29999990ull));
}

static void test_timer_wraps(void **state)
{
	(void)state;
	/* A 3.579545 GHz TSC: exactly 1000 TSC ticks per count. */
	start(3579545);
	assert_int_equal(vpm_timer(&pm, T0 + 1000ull * 0xffffff), 0xffffff);
	assert_int_equal(vpm_timer(&pm, T0 + 1000ull * 0x1000000), 0);
	assert_int_equal(vpm_timer(&pm, T0 + 1000ull * 0x1000005 + 999), 5);
	assert_int_equal(in(VPM_BASE + PM_TMR, 4, T0 + 1000ull * 0x3000007), 7);
}

static void test_timer_long_pause(void **state)
{
	static const uint64_t khz[] = { 1, 37, 1000000, 2999999, 1ull << 32 };
	static const uint64_t gap[] = { 1ull << 40, 1ull << 62, UINT64_MAX - T0 };

	(void)state;
	for (size_t k = 0; k < sizeof(khz) / sizeof(khz[0]); k++) {
		start(khz[k]);
		for (size_t g = 0; g < sizeof(gap) / sizeof(gap[0]); g++)
			assert_int_equal(vpm_timer(&pm, T0 + gap[g]), expect_count(khz[k], gap[g]));
	}
	/* 0 means 1 GHz; anything above 2^32 kHz is clamped to it. */
	start(0);
	assert_int_equal(pm.tsc_khz, 1000000);
	assert_int_equal(vpm_timer(&pm, T0 + 1000000000ull), VPM_TMR_HZ);
	start(UINT64_MAX);
	assert_int_equal(pm.tsc_khz, 1ull << 32);
	assert_int_equal(vpm_timer(&pm, T0 + (1ull << 50)), expect_count(1ull << 32, 1ull << 50));
	/* A clock behind the base reads 0, not a huge count. */
	assert_int_equal(vpm_timer(&pm, T0 - 1000), 0);
}

static void test_timer_widths(void **state)
{
	uint64_t now = tsc_for(0xabcdef);

	(void)state;
	assert_int_equal(vpm_timer(&pm, now), 0xabcdef);
	assert_int_equal(in(0x608, 4, now), 0xabcdef);	/* bits 31:24 read 0 */
	assert_int_equal(in(0x608, 2, now), 0xcdef);
	assert_int_equal(in(0x609, 2, now), 0xabcd);
	assert_int_equal(in(0x60a, 2, now), 0x00ab);
	assert_int_equal(in(0x608, 1, now), 0xef);
	assert_int_equal(in(0x609, 1, now), 0xcd);
	assert_int_equal(in(0x60a, 1, now), 0xab);
	assert_int_equal(in(0x60b, 1, now), 0x00);
	/* Read-only: writes are taken and change nothing. */
	out(0x608, 4, 0, now);
	out(0x60a, 1, 0xff, now);
	assert_int_equal(in(0x608, 4, now), 0xabcdef);
	/* A dword at 0x609 leaves the range: the bus says nobody is there. */
	assert_int_equal(acc(0x609, 4, false, 0, now), BUS_UNASSIGNED);
	assert_int_equal(last.val, 0xffffffff);
}

static void test_tmr_sts(void **state)
{
	(void)state;
	/* Set when bit 23 goes 0 -> 1 ... */
	assert_int_equal(in(0x600, 2, tsc_for(0x7fffff)) & PM1_STS_TMR, 0);
	assert_int_equal(in(0x600, 2, tsc_for(0x800000)) & PM1_STS_TMR, PM1_STS_TMR);
	/* ... stays set until a 1 is written there; writing 0 changes nothing. */
	out(0x600, 2, 0, tsc_for(0x900000));
	assert_int_equal(in(0x600, 2, tsc_for(0x900000)), PM1_STS_TMR);
	out(0x600, 2, PM1_STS_TMR, tsc_for(0x900000));
	assert_int_equal(in(0x600, 2, tsc_for(0x900000)), 0);
	assert_int_equal(in(0x600, 2, tsc_for(0xffffff)), 0);
	/* ... and set again when bit 23 goes 1 -> 0, at the wrap. */
	assert_int_equal(in(0x600, 2, tsc_for(0x1000000)), PM1_STS_TMR);
	/* A byte write of bit 0 clears it too. */
	out(0x600, 1, 1, tsc_for(0x1000001));
	assert_int_equal(in(0x600, 1, tsc_for(0x1000001)), 0);
	/* Many toggles during a pause are one set bit, cleared by one write. */
	assert_int_equal(in(0x600, 2, tsc_for(0x1000001) + (1ull << 50)), PM1_STS_TMR);
	out(0x600, 2, 0xffff, tsc_for(0x1000001) + (1ull << 50));
	assert_int_equal(in(0x600, 2, tsc_for(0x1000001) + (1ull << 50)), 0);
}

/* The toggle is noticed even when status is only written, never read. */
static void test_tmr_sts_cleared_blind(void **state)
{
	(void)state;
	out(0x600, 2, PM1_STS_TMR, tsc_for(0x800001));	/* clears the toggle at 0x800000 */
	assert_int_equal(in(0x600, 2, tsc_for(0xfffff0)), 0);
	out(0x600, 2, 0, tsc_for(0x1000002));	/* a write not clearing it */
	assert_int_equal(in(0x600, 2, tsc_for(0x1000003)), PM1_STS_TMR);
}

static void test_sts_w1c_only(void **state)
{
	(void)state;
	/* Writing 1s cannot set a status bit; reserved bits read 0. */
	out(0x600, 2, 0xffff, T0);
	assert_int_equal(in(0x600, 2, T0), 0);
	out(0x601, 1, 0xff, T0);
	assert_int_equal(in(0x601, 1, T0), 0);
}

static void test_pm1_en(void **state)
{
	(void)state;
	out(0x602, 2, 0xffff, T0);
	assert_int_equal(in(0x602, 2, T0), PM1_EN_MASK);	/* defined bits only */
	out(0x602, 2, PM1_EN_TMR | PM1_EN_PWRBTN, T0);
	assert_int_equal(in(0x602, 2, T0), PM1_EN_TMR | PM1_EN_PWRBTN);
	/* Byte lanes: the high byte alone, the low byte kept. */
	out(0x603, 1, (PM1_EN_RTC | PM1_EN_SLPBTN) >> 8, T0);
	assert_int_equal(in(0x602, 2, T0), PM1_EN_TMR | PM1_EN_RTC | PM1_EN_SLPBTN);
	assert_int_equal(in(0x602, 1, T0), PM1_EN_TMR);
	assert_int_equal(in(0x603, 1, T0), (PM1_EN_RTC | PM1_EN_SLPBTN) >> 8);
	/* No SCI line is driven whatever is enabled. */
	assert_int_equal(bus.irq_levels, 0);
}

/* A dword at 0x600 is PM1_STS in bits 15:0 and PM1_EN in bits 31:16. */
static void test_evt_dword(void **state)
{
	uint64_t now = tsc_for(0x800000);

	(void)state;
	out(0x600, 4, (uint64_t)(PM1_EN_TMR | PM1_EN_GBL) << 16, now);
	assert_int_equal(in(0x602, 2, now), PM1_EN_TMR | PM1_EN_GBL);
	assert_int_equal(in(0x600, 4, now), (PM1_EN_TMR | PM1_EN_GBL) << 16 | PM1_STS_TMR);
	out(0x600, 4, PM1_STS_TMR, now);	/* clears TMR_STS, EN becomes 0 */
	assert_int_equal(in(0x600, 4, now), 0);
}

static void test_pm1_cnt(void **state)
{
	(void)state;
	/* Everything but SLP_EN: BM_RLD and SLP_TYP kept, GBL_RLS write-only,
	 * reserved bits 0, SCI_EN 1 even when written 0. */
	out(0x604, 2, 0xffff & ~PM1_CNT_SLP_EN & ~PM1_CNT_SCI_EN, T0);
	assert_int_equal(in(0x604, 2, T0), PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP);
	out(0x604, 2, 0, T0);
	assert_int_equal(in(0x604, 2, T0), PM1_CNT_SCI_EN);
	out(0x604, 1, PM1_CNT_GBL_RLS, T0);
	assert_int_equal(in(0x604, 1, T0), PM1_CNT_SCI_EN);
	/* Byte lanes: SLP_TYP through the high byte. */
	out(0x605, 1, (3u << PM1_CNT_SLP_TYP_SHIFT) >> 8, T0);
	assert_int_equal(in(0x604, 2, T0), PM1_CNT_SCI_EN | 3u << PM1_CNT_SLP_TYP_SHIFT);
	assert_int_equal(in(0x605, 1, T0), (3u << PM1_CNT_SLP_TYP_SHIFT) >> 8);
	assert_int_equal(pm.sleeps, 0);
}

/* Linux's acpi_hw_legacy_sleep: SLP_TYP first, then SLP_TYP | SLP_EN. */
static void test_slp_en_powers_off(void **state)
{
	uint16_t typ5 = 5u << PM1_CNT_SLP_TYP_SHIFT;

	(void)state;
	out(0x604, 2, typ5 | PM1_CNT_SCI_EN, T0);
	assert_int_equal(acc(0x604, 2, true, typ5 | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN, T0), BUS_STOP);
	assert_int_equal(last.stop_code, -1);
	assert_string_equal(last.why, "powered off by the guest (sleep type 5)");
	assert_int_equal(pm.sleeps, 1);
	/* SLP_TYP kept, SLP_EN reads 0. */
	assert_int_equal(in(0x604, 2, T0), typ5 | PM1_CNT_SCI_EN);

	/* Through the high byte alone: the type comes with the same write. */
	assert_int_equal(acc(0x605, 1, true, (PM1_CNT_SLP_EN | 2u << PM1_CNT_SLP_TYP_SHIFT) >> 8,
			     T0), BUS_STOP);
	assert_string_equal(last.why, "powered off by the guest (sleep type 2)");
	assert_int_equal(pm.sleeps, 2);
	/* Sleep type 0 (QEMU's \_S5) powers off as well. */
	assert_int_equal(acc(0x604, 2, true, PM1_CNT_SLP_EN, T0), BUS_STOP);
	assert_string_equal(last.why, "powered off by the guest (sleep type 0)");
	/* The low byte cannot reach SLP_EN. */
	assert_int_equal(acc(0x604, 1, true, 0xff, T0), BUS_OK);
}

static void test_widths_unassigned(void **state)
{
	static const struct { uint16_t port; unsigned size; } bad[] = {
		{ 0x601, 2 }, { 0x603, 2 },	/* misaligned words in the event block */
		{ 0x602, 4 }, { 0x601, 4 },	/* dwords not at 0x600 */
		{ 0x604, 4 },			/* reaches the hole */
		{ 0x605, 2 },			/* misaligned */
		{ 0x606, 1 }, { 0x607, 1 }, { 0x606, 2 },	/* the hole */
	};
	struct bus_req r = { .size = 1 };

	(void)state;
	out(0x602, 2, PM1_EN_MASK, T0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t before = bus.unassigned;

		assert_int_equal(acc(bad[i].port, bad[i].size, false, 0, T0), BUS_UNASSIGNED);
		assert_int_equal(last.val, bus_size_mask(bad[i].size));
		assert_int_equal(acc(bad[i].port, bad[i].size, true, 0, T0), BUS_UNASSIGNED);
		assert_int_equal(bus.unassigned, before + 2);
	}
	/* The dropped writes changed nothing. */
	assert_int_equal(in(0x602, 2, T0), PM1_EN_MASK);
	assert_int_equal(in(0x604, 2, T0), PM1_CNT_SCI_EN);
	/* Out of the range's reach through the device function itself. */
	r.size = 1;
	assert_int_equal(vpm_access(&pm, VPM_LEN, &r), BUS_UNASSIGNED);
	r.size = 3;
	assert_int_equal(vpm_access(&pm, 0, &r), BUS_UNASSIGNED);
}

static void test_reset(void **state)
{
	uint64_t t1 = tsc_for(0x900000), t2 = t1 + 1000000;

	(void)state;
	out(0x602, 2, PM1_EN_MASK, t1);
	out(0x604, 2, 6u << PM1_CNT_SLP_TYP_SHIFT | PM1_CNT_BM_RLD, t1);
	assert_int_equal(acc(0x604, 2, true, PM1_CNT_SLP_EN, t1), BUS_STOP);
	vpm_reset(&pm, t2);
	assert_int_equal(in(0x600, 2, t2), 0);	/* TMR_STS pending at t1 is gone */
	assert_int_equal(in(0x602, 2, t2), 0);
	assert_int_equal(in(0x604, 2, t2), PM1_CNT_SCI_EN);
	assert_int_equal(in(0x608, 4, t2), 0);	/* restarts from 0 */
	assert_int_equal(in(0x608, 4, t2 + 2000000000ull), VPM_TMR_HZ);
	assert_int_equal(pm.sleeps, 1);	/* a statistic: survives */
	/* TMR_STS counts from the new start. */
	assert_int_equal(in(0x600, 2, t2 + tsc_for(0x7fffff) - T0), 0);
	assert_int_equal(in(0x600, 2, t2 + tsc_for(0x800000) - T0), PM1_STS_TMR);
}

static void test_view(void **state)
{
	struct vpm_view v;
	uint64_t now = tsc_for(0x812345);

	(void)state;
	out(0x602, 2, PM1_EN_PWRBTN, T0);
	out(0x604, 2, 1u << PM1_CNT_SLP_TYP_SHIFT, T0);
	vpm_view(&pm, now, &v);
	assert_int_equal(v.sts, PM1_STS_TMR);	/* due at now, shown ... */
	assert_int_equal(v.en, PM1_EN_PWRBTN);
	assert_int_equal(v.cnt, PM1_CNT_SCI_EN | 1u << PM1_CNT_SLP_TYP_SHIFT);
	assert_int_equal(v.timer, 0x812345);
	assert_int_equal(pm.sts, 0);	/* ... but not folded: the view changes nothing */
	assert_int_equal(pm.tmr_epoch, 0);
	vpm_view(&pm, T0, &v);
	assert_int_equal(v.sts, 0);
	assert_int_equal(v.timer, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_state),
		T(test_attach),
		T(test_timer_rate),
		T(test_timer_wraps),
		T(test_timer_long_pause),
		T(test_timer_widths),
		T(test_tmr_sts),
		T(test_tmr_sts_cleared_blind),
		T(test_sts_w1c_only),
		T(test_pm1_en),
		T(test_evt_dword),
		T(test_pm1_cnt),
		T(test_slp_en_powers_off),
		T(test_widths_unassigned),
		T(test_reset),
		T(test_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
