/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for kernel/lib/date.c and drivers/virt/vrtc.c: the civil
 * calendar (epoch, leap years, round trips, weekdays), and the virtual
 * MC146818A through its ports: BCD, binary and 12-hour reads, time running
 * with the TSC across every calendar boundary, UIP, SET and time writes,
 * periodic rates and their clamp, PF without PIE, alarms with don't-care
 * bytes, update-ended interrupts, Register C/D, the index port, the CMOS
 * memory bytes, reset and the divider reset. The TSC runs at 1 GHz here, so
 * one tick is a nanosecond. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vrtc.h"
#include "kernel/lib/date.h"

#define KHZ 1000000u	/* 1 GHz */
#define SEC 1000000000ull
#define MS  1000000ull
#define US  1000ull
#define T0  (1000 * SEC)	/* TSC at init: a second boundary of the clock */
#define NONE UINT64_MAX

static struct bus bus;
static struct vrtc rtc;
static uint64_t now;

static int64_t ut(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	struct date dt = { .year = y, .month = (uint8_t)mo, .day = (uint8_t)d, .hour = (uint8_t)h,
			   .min = (uint8_t)mi, .sec = (uint8_t)s };

	assert_true(date_valid(&dt));
	return date_to_unix(&dt);
}

static void start(int64_t unix_time, const struct vrtc_mem *mem)
{
	char err[96];

	bus_init(&bus, NULL);
	vrtc_init(&rtc, &bus, VRTC_IRQ, KHZ, T0, unix_time, mem);
	assert_int_equal(vrtc_attach(&rtc, &bus, err, sizeof(err)), 0);
	now = T0;
}

static enum bus_status io(uint16_t port, unsigned size, bool write, uint64_t *val)
{
	struct bus_req r = { .addr = port, .size = size, .write = write, .val = *val, .now = now };
	enum bus_status st = bus_access(&bus, BUS_PIO, &r);

	*val = r.val;
	return st;
}

static void wr(uint8_t index, uint8_t v)
{
	uint64_t x = index;

	assert_int_equal(io(0x70, 1, true, &x), BUS_OK);
	x = v;
	assert_int_equal(io(0x71, 1, true, &x), BUS_OK);
}

static uint8_t rd(uint8_t index)
{
	uint64_t x = index;

	assert_int_equal(io(0x70, 1, true, &x), BUS_OK);
	x = 0x1234;
	assert_int_equal(io(0x71, 1, false, &x), BUS_OK);
	return (uint8_t)x;
}

static bool line(void)
{
	return bus.irq_levels & (1u << VRTC_IRQ);
}

/* Registers 0, 2, 4, 6, 7, 8, 9 and the century against bytes. */
static void expect_time(uint8_t sec, uint8_t min, uint8_t hour, uint8_t wday, uint8_t day,
			uint8_t mon, uint8_t year, uint8_t cent)
{
	assert_int_equal(rd(RTC_SECONDS), sec);
	assert_int_equal(rd(RTC_MINUTES), min);
	assert_int_equal(rd(RTC_HOURS), hour);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), wday);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), day);
	assert_int_equal(rd(RTC_MONTH), mon);
	assert_int_equal(rd(RTC_YEAR), year);
	assert_int_equal(rd(CMOS_CENTURY), cent);
}

/* Runs deadlines up to `until` like the run loop plus a guest handler
 * that reads C on every interrupt; returns the IRQ8 rising edges. */
static uint64_t run_until(uint64_t until)
{
	uint64_t edges0 = rtc.irqs, prev = now;

	for (;;) {
		uint64_t dl = vrtc_deadline(&rtc);

		if (dl == NONE || dl > until)
			break;
		assert_true(dl > prev);
		now = prev = dl;
		vrtc_advance(&rtc, now);
		assert_true(line());
		assert_true(rd(RTC_REG_C) & RTC_C_IRQF);
		assert_false(line());
	}
	now = until;
	assert_int_equal(bus.irq_raised[VRTC_IRQ], rtc.irqs);
	return rtc.irqs - edges0;
}

/* ---- date ---- */

static void test_date_epoch(void **state)
{
	struct date d;

	(void)state;
	date_from_unix(0, &d);
	assert_int_equal(d.year, 1970);
	assert_int_equal(d.month, 1);
	assert_int_equal(d.day, 1);
	assert_int_equal(d.hour + d.min + d.sec, 0);
	assert_int_equal(d.wday, 5);	/* Thursday */
	assert_int_equal(date_to_unix(&d), 0);
	date_from_unix(-1, &d);
	assert_int_equal(d.year, 1969);
	assert_int_equal(d.month, 12);
	assert_int_equal(d.day, 31);
	assert_int_equal(d.hour, 23);
	assert_int_equal(d.min, 59);
	assert_int_equal(d.sec, 59);
	assert_int_equal(d.wday, 4);	/* Wednesday */
	assert_int_equal(ut(2038, 1, 19, 3, 14, 8), 2147483648ll);
	assert_int_equal(ut(2001, 9, 9, 1, 46, 40), 1000000000ll);
	assert_int_equal(ut(9999, 12, 31, 23, 59, 59), 253402300799ll);
	assert_int_equal(ut(0, 1, 1, 0, 0, 0), -62167219200ll);
	date_from_unix(-62167219200ll, &d);
	assert_int_equal(d.wday, 7);	/* 0000-01-01 (proleptic): Saturday */
	date_from_unix(ut(2024, 3, 15, 0, 0, 0), &d);
	assert_int_equal(d.wday, 6);	/* Friday */
}

static void test_date_leap(void **state)
{
	struct date d = { .year = 2000, .month = 2, .day = 29 };

	(void)state;
	assert_true(date_valid(&d));	/* divisible by 400 */
	d.year = 2100;
	assert_false(date_valid(&d));	/* century */
	d.year = 1900;
	assert_false(date_valid(&d));
	d.year = 2024;
	assert_true(date_valid(&d));
	d.year = 2023;
	assert_false(date_valid(&d));
	d.year = 0;
	assert_true(date_valid(&d));	/* year 0 is a leap year */
	assert_int_equal(date_days_in_month(2100, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2023, 4), 30);
	assert_int_equal(date_days_in_month(2023, 13), 0);
	/* the day after Feb 28 */
	date_from_unix(ut(2000, 2, 28, 12, 0, 0) + 86400, &d);
	assert_int_equal(d.month * 100 + d.day, 229);
	date_from_unix(ut(2100, 2, 28, 12, 0, 0) + 86400, &d);
	assert_int_equal(d.month * 100 + d.day, 301);
	assert_int_equal(ut(2000, 3, 1, 0, 0, 0), 951868800ll);
	assert_int_equal(ut(2100, 3, 1, 0, 0, 0), 4107542400ll);
	assert_int_equal(ut(2100, 3, 1, 0, 0, 0) - ut(2100, 2, 28, 0, 0, 0), 86400);
	assert_int_equal(ut(2001, 1, 1, 0, 0, 0) - ut(2000, 1, 1, 0, 0, 0), 366 * 86400);
	assert_int_equal(ut(2101, 1, 1, 0, 0, 0) - ut(2100, 1, 1, 0, 0, 0), 365 * 86400);
}

static void test_date_valid_ranges(void **state)
{
	struct date ok = { .year = 2023, .month = 4, .day = 30, .hour = 23, .min = 59, .sec = 59 };
	struct date d;

	(void)state;
	assert_true(date_valid(&ok));
	d = ok, d.day = 31;
	assert_false(date_valid(&d));
	d = ok, d.day = 0;
	assert_false(date_valid(&d));
	d = ok, d.month = 0;
	assert_false(date_valid(&d));
	d = ok, d.month = 13;
	assert_false(date_valid(&d));
	d = ok, d.hour = 24;
	assert_false(date_valid(&d));
	d = ok, d.min = 60;
	assert_false(date_valid(&d));
	d = ok, d.sec = 60;
	assert_false(date_valid(&d));
	d = ok, d.wday = 99;
	assert_true(date_valid(&d));	/* the weekday is not checked */
	d = ok, d.year = DATE_YEAR_LIMIT + 1;
	assert_false(date_valid(&d));
	d = ok, d.year = -DATE_YEAR_LIMIT;
	assert_true(date_valid(&d));
	/* the extremes decode to valid dates and back */
	date_from_unix(INT64_MAX, &d);
	assert_true(d.month >= 1 && d.day >= 1 && d.hour < 24 && d.wday >= 1 && d.wday <= 7);
	date_from_unix(INT64_MIN, &d);
	assert_true(d.month >= 1 && d.day >= 1 && d.hour < 24 && d.wday >= 1 && d.wday <= 7);
	date_from_unix(-DATE_YEAR_LIMIT * 365 * 86400, &d);
	assert_int_equal(date_to_unix(&d), -DATE_YEAR_LIMIT * 365 * 86400);
}

static void test_date_round_trip(void **state)
{
	int64_t base = ut(1600, 1, 1, 0, 0, 0), t;
	struct date d, prev;

	(void)state;
	/* every day from 1600 to 2400, each at another time of day: the day
	 * after the previous one, the weekday after the previous one */
	date_from_unix(base - 1, &prev);
	for (int64_t k = 0; base + k * 86400 < ut(2401, 1, 1, 0, 0, 0); k++) {
		t = base + k * 86400 + (k * 7919) % 86400;
		date_from_unix(t, &d);
		assert_true(date_valid(&d));
		assert_int_equal(date_to_unix(&d), t);
		assert_int_equal(d.wday, prev.wday % 7 + 1);
		if (d.day == 1) {
			assert_int_equal(prev.day, date_days_in_month(prev.year, prev.month));
			assert_int_equal(d.month, prev.month % 12 + 1);
			assert_int_equal(d.year, prev.year + (d.month == 1));
		} else {
			assert_int_equal(d.day, prev.day + 1);
			assert_int_equal(d.month, prev.month);
		}
		prev = d;
	}
	/* far out, with a stride that hits every time of day */
	for (t = -400ll * 366 * 86400 * 50; t < 400ll * 366 * 86400 * 50; t += 9999991 * 37) {
		date_from_unix(t, &d);
		assert_true(date_valid(&d));
		assert_int_equal(date_to_unix(&d), t);
	}
}

/* ---- reading the time ---- */

static void test_read_bcd(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);	/* a Friday */
	expect_time(0x30, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24, 0x20);
	assert_int_equal(rd(RTC_REG_A), 0x26);
	assert_int_equal(rd(RTC_REG_B), 0x02);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_D), 0x80);
}

static void test_read_binary(void **state)
{
	(void)state;
	start(ut(1999, 12, 31, 23, 59, 58), NULL);	/* a Friday */
	wr(RTC_REG_B, RTC_B_DM | RTC_B_24H);
	expect_time(58, 59, 23, 6, 31, 12, 99, 19);
	now += SEC;
	assert_int_equal(rd(RTC_SECONDS), 59);
	now += SEC;	/* into 2000 */
	expect_time(0, 0, 0, 7, 1, 1, 0, 20);
	wr(RTC_REG_B, RTC_B_24H);	/* back to BCD: converted at once */
	expect_time(0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20);
}

static void test_read_12h(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 0, 30, 0), NULL);
	wr(RTC_REG_B, 0);	/* 12-hour, BCD */
	assert_int_equal(rd(RTC_HOURS), 0x12);	/* 12 AM */
	now += 11 * 3600 * SEC;
	assert_int_equal(rd(RTC_HOURS), 0x11);	/* 11 AM */
	now += 3600 * SEC;
	assert_int_equal(rd(RTC_HOURS), 0x92);	/* 12 PM */
	now += 3600 * SEC;
	assert_int_equal(rd(RTC_HOURS), 0x81);	/* 1 PM */
	now += 10 * 3600 * SEC;
	assert_int_equal(rd(RTC_HOURS), 0x91);	/* 11 PM */
	wr(RTC_REG_B, RTC_B_DM);	/* 12-hour, binary */
	assert_int_equal(rd(RTC_HOURS), 0x80 | 11);
	/* a written 12-hour time: 7 PM */
	wr(RTC_HOURS, 0x80 | 7);
	wr(RTC_REG_B, RTC_B_DM | RTC_B_24H);
	assert_int_equal(rd(RTC_HOURS), 19);
	/* 12 AM written in 12-hour mode is hour 0 */
	wr(RTC_REG_B, 0);
	wr(RTC_HOURS, 0x12);
	wr(RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(RTC_HOURS), 0x00);
}

static void test_time_advances(void **state)
{
	(void)state;
	start(ut(2023, 12, 31, 23, 59, 59), NULL);	/* a Sunday */
	expect_time(0x59, 0x59, 0x23, 0x01, 0x31, 0x12, 0x23, 0x20);
	now += SEC - 1;	/* the second has not ended */
	assert_int_equal(rd(RTC_SECONDS), 0x59);
	now += 1;	/* minute, hour, day, month and year at once */
	expect_time(0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x24, 0x20);
	now += (59 * 86400ull + 3600 + 61) * SEC;	/* Feb 29 2024, 01:01:01 */
	expect_time(0x01, 0x01, 0x01, 0x05, 0x29, 0x02, 0x24, 0x20);
	now += 23ull * 3600 * SEC;	/* Mar 1 */
	expect_time(0x01, 0x01, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20);
	/* a VM paused for 10 years: no per-second work, the exact date */
	now += (uint64_t)(ut(2034, 3, 1, 0, 1, 1) - ut(2024, 3, 1, 0, 1, 1)) * SEC;
	expect_time(0x01, 0x01, 0x00, 0x04, 0x01, 0x03, 0x34, 0x20);
	/* the century turns */
	start(ut(2099, 12, 31, 23, 59, 59), NULL);
	now += SEC;
	expect_time(0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x00, 0x21);
}

static void test_uip(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	now = T0 + SEC - 245 * US;
	assert_int_equal(rd(RTC_REG_A), 0x26);
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	now = T0 + SEC - 244 * US;	/* 8 ticks of 32.768 kHz: 244.14 us */
	assert_int_equal(rd(RTC_REG_A), 0x80 | 0x26);
	now = T0 + SEC - 1;
	assert_int_equal(rd(RTC_REG_A), 0xa6);
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	now = T0 + SEC;	/* updated; UIP gone */
	assert_int_equal(rd(RTC_REG_A), 0x26);
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	/* never while SET, never while the divider holds */
	now = T0 + 2 * SEC - 100 * US;
	assert_int_equal(rd(RTC_REG_A), 0xa6);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	assert_int_equal(rd(RTC_REG_A), 0x26);
	wr(RTC_REG_B, RTC_B_24H);
	wr(RTC_REG_A, 0x76);
	assert_int_equal(rd(RTC_REG_A), 0x76);
	wr(RTC_REG_A, 0x80 | 0x26);	/* UIP is read-only */
	assert_int_equal(rd(RTC_REG_A) & 0x7f, 0x26);
}

/* ---- setting the time ---- */

static void test_set_time(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	now += SEC / 4;	/* a quarter into a second */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
	assert_int_equal(rd(RTC_REG_B), RTC_B_SET | RTC_B_24H);	/* SET clears UIE */
	assert_int_equal(rd(RTC_SECONDS), 0x30);	/* the time it stopped at */
	wr(RTC_SECONDS, 0x00);
	wr(RTC_MINUTES, 0x00);
	wr(RTC_HOURS, 0x08);
	wr(RTC_DAY_OF_WEEK, 0x07);	/* 2030-06-15 is a Saturday */
	wr(RTC_DAY_OF_MONTH, 0x15);
	wr(RTC_MONTH, 0x06);
	wr(RTC_YEAR, 0x30);
	now += 5 * SEC;	/* no updates while SET */
	expect_time(0x00, 0x00, 0x08, 0x07, 0x15, 0x06, 0x30, 0x20);
	assert_int_equal(rd(RTC_REG_C) & RTC_C_UF, 0);
	wr(RTC_REG_B, RTC_B_24H);
	expect_time(0x00, 0x00, 0x08, 0x07, 0x15, 0x06, 0x30, 0x20);
	/* the divider kept its phase: the next update is at T0 + 6 s */
	now = T0 + 6 * SEC - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	now = T0 + 6 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x01);
	now = T0 + 86400 * 2 * SEC;	/* and on */
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x17);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x02);

	/* garbage while SET reads back as written; clearing SET ignores it
	 * and the clock has the time it would have had */
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	wr(RTC_MONTH, 0x13);
	wr(RTC_SECONDS, 0x7a);
	assert_int_equal(rd(RTC_MONTH), 0x13);
	assert_int_equal(rd(RTC_SECONDS), 0x7a);
	now += 10 * SEC;
	wr(RTC_REG_B, RTC_B_24H);
	expect_time(0x40, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24, 0x20);
	/* Feb 30 is no date either */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	wr(RTC_MONTH, 0x02);
	wr(RTC_DAY_OF_MONTH, 0x30);
	wr(RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(RTC_MONTH), 0x03);
	/* binary written, read after clearing SET in binary mode */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_DM | RTC_B_24H);	/* snapshot in BCD */
	assert_int_equal(rd(RTC_YEAR), 0x24);
	wr(RTC_SECONDS, 1);	/* every byte: the snapshot's 0x40 is no binary second */
	wr(RTC_MINUTES, 2);
	wr(RTC_HOURS, 3);
	wr(RTC_YEAR, 55);
	wr(CMOS_CENTURY, 20);
	wr(RTC_MONTH, 3);
	wr(RTC_DAY_OF_MONTH, 15);
	wr(RTC_REG_B, RTC_B_DM | RTC_B_24H);
	assert_int_equal(rd(RTC_YEAR), 55);
	assert_int_equal(rd(CMOS_CENTURY), 20);
	assert_int_equal(rd(RTC_HOURS), 3);
	assert_int_equal(rd(RTC_SECONDS), 1);
}

static void test_write_running(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_MINUTES, 0x10);	/* the registers are the counters */
	expect_time(0x30, 0x10, 0x13, 0x06, 0x15, 0x03, 0x24, 0x20);
	wr(RTC_HOURS, 0x24);	/* no such hour: ignored */
	wr(RTC_DAY_OF_MONTH, 0x31);	/* no March 31? there is */
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x31);
	wr(RTC_MONTH, 0x04);	/* April 31: ignored */
	assert_int_equal(rd(RTC_MONTH), 0x03);
	assert_int_equal(rd(RTC_HOURS), 0x13);
	wr(CMOS_CENTURY, 0x19);
	assert_int_equal(rd(RTC_YEAR), 0x24);
	assert_int_equal(rd(CMOS_CENTURY), 0x19);
	/* the weekday counts on from what was written */
	start(ut(2024, 3, 15, 23, 59, 59), NULL);	/* Friday = 6 */
	wr(RTC_DAY_OF_WEEK, 0x02);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x02);
	now += SEC;
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x03);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x16);
	wr(RTC_DAY_OF_WEEK, 0x08);	/* out of range: the weekday follows the date */
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x07);
	/* the alarm bytes are plain storage */
	wr(RTC_SECONDS_ALARM, 0x7a);
	assert_int_equal(rd(RTC_SECONDS_ALARM), 0x7a);
	assert_int_equal(rd(RTC_SECONDS), 0x00);
}

/* ---- interrupts ---- */

static void test_periodic_1024(void **state)
{
	uint64_t dl;

	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	assert_int_equal(vrtc_deadline(&rtc), NONE);	/* nothing enabled */
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	dl = vrtc_deadline(&rtc);
	assert_int_equal(dl, T0 + 976563);	/* 1/1024 s, rounded up */
	assert_int_equal(run_until(T0 + SEC), 1024);
	assert_int_equal(run_until(T0 + 3 * SEC), 2048);
	assert_int_equal(bus.irq_raised[VRTC_IRQ], 3072);
	/* the interrupt comes only as a level until C is read: a guest that
	 * does not read C gets one edge, and no more deadlines */
	now += 1;
	vrtc_advance(&rtc, T0 + 3 * SEC + 976563);
	assert_true(line());
	assert_int_equal(vrtc_deadline(&rtc), NONE);
	vrtc_advance(&rtc, T0 + 4 * SEC);
	assert_int_equal(rtc.irqs, 3073);
	now = T0 + 4 * SEC;
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_int_equal(vrtc_deadline(&rtc), T0 + 4 * SEC + 976563);
	/* a late timer collapses the missed periods into one */
	now = T0 + 100 * SEC + 5;
	vrtc_advance(&rtc, now);
	assert_int_equal(rtc.irqs, 3074);
	assert_true(vrtc_deadline(&rtc) > now);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_int_equal(rd(RTC_REG_C), 0);
}

static unsigned measure_hz(uint8_t a)
{
	struct vrtc_view v;
	uint64_t t;

	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_REG_A, a);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	t = now;
	vrtc_view(&rtc, now, &v);
	assert_int_equal(run_until(t + SEC), v.periodic_hz);
	return v.periodic_hz;
}

static void test_periodic_rates(void **state)
{
	(void)state;
	/* 32.768 kHz time base: RS = 1, 2 are 256 and 128 Hz ("Periodic
	 * Interrupt Rate" table), 3 is the fastest, 15 the slowest */
	assert_int_equal(measure_hz(0x21), 256);
	assert_int_equal(measure_hz(0x22), 128);
	assert_int_equal(measure_hz(0x23), 8192);
	assert_int_equal(measure_hz(0x26), 1024);
	assert_int_equal(measure_hz(0x2f), 2);
	/* the MHz time bases make RS = 1, 2 32768 and 16384 Hz: clamped */
	assert_int_equal(measure_hz(0x01), VRTC_MAX_HZ);
	assert_int_equal(measure_hz(0x12), VRTC_MAX_HZ);
	assert_int_equal(measure_hz(0x03), 8192);
	assert_int_equal(measure_hz(0x20), 0);	/* RS = 0: none */
	assert_int_equal(vrtc_deadline(&rtc), NONE);
}

static void test_pf_without_pie(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_REG_A, 0x2f);	/* 2 Hz */
	now += 10 * MS;
	assert_int_equal(rd(RTC_REG_C), 0);	/* no boundary passed yet */
	now = T0 + SEC / 2;
	vrtc_advance(&rtc, now);
	assert_false(line());
	assert_int_equal(vrtc_deadline(&rtc), NONE);
	assert_int_equal(rd(RTC_REG_C), RTC_C_PF);	/* set without PIE, no IRQF */
	assert_int_equal(rd(RTC_REG_C), 0);
	/* enabling PIE with PF already set raises IRQ8 at once (UF came
	 * with the update at T0 + 1 s, without UIE) */
	now += SEC / 2;
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	assert_true(line());
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_false(line());
}

static void test_alarm(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 10, 20, 30), NULL);
	wr(RTC_REG_A, 0x20);	/* no periodic flags in the way */
	wr(RTC_HOURS_ALARM, 0xc0);	/* any hour */
	wr(RTC_MINUTES_ALARM, 0x21);
	wr(RTC_SECONDS_ALARM, 0x00);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	assert_int_equal(vrtc_deadline(&rtc), T0 + 30 * SEC);	/* 10:21:00 */
	assert_int_equal(run_until(T0 + 30 * SEC - 1), 0);
	now = T0 + 30 * SEC;
	vrtc_advance(&rtc, now);
	assert_true(line());
	assert_int_equal(vrtc_deadline(&rtc), NONE);	/* AF pending */
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	assert_int_equal(vrtc_deadline(&rtc), T0 + 3630 * SEC);	/* 11:21:00 */
	assert_int_equal(run_until(T0 + 86400 * SEC), 23);	/* 11:21 .. 09:21 */

	/* all three don't-care: every second */
	wr(RTC_HOURS_ALARM, 0xff);
	wr(RTC_MINUTES_ALARM, 0xc5);
	wr(RTC_SECONDS_ALARM, 0xc0);
	assert_int_equal(run_until(now + 10 * SEC), 10);

	/* the alarm passing with AIE off still sets AF, once, even across a
	 * pause of days; an alarm that can never match never does */
	wr(RTC_REG_B, RTC_B_24H);
	wr(RTC_HOURS_ALARM, 0x10);
	wr(RTC_MINUTES_ALARM, 0x59);
	wr(RTC_SECONDS_ALARM, 0x59);
	rd(RTC_REG_C);
	now += (3 * 86400 + 3600) * SEC;	/* 10:20:40 -> 11:20:40, 3 days on */
	assert_int_equal(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	now += 3600 * SEC;	/* -> 12:20:40: no 10:59:59 inside */
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	wr(RTC_SECONDS_ALARM, 0x60);	/* no such second */
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	assert_int_equal(vrtc_deadline(&rtc), NONE);
	now += 2 * 86400 * SEC;
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);

	/* 12-hour mode: the PM bit is part of the hour byte */
	wr(RTC_REG_B, RTC_B_AIE);	/* 12-hour BCD; it is 12:20:40 PM */
	wr(RTC_HOURS_ALARM, 0x80 | 0x01);	/* 1 PM */
	wr(RTC_MINUTES_ALARM, 0x00);
	wr(RTC_SECONDS_ALARM, 0x00);
	assert_int_equal(rd(RTC_HOURS), 0x92);
	assert_int_equal(vrtc_deadline(&rtc), now + (39 * 60 + 20) * SEC);
	wr(RTC_HOURS_ALARM, 0x01);	/* 1 AM */
	assert_int_equal(vrtc_deadline(&rtc), now + (12 * 3600 + 39 * 60 + 20) * SEC);
	wr(RTC_HOURS_ALARM, 0x13);	/* no 13 in 12-hour mode */
	assert_int_equal(vrtc_deadline(&rtc), NONE);
}

static void test_update_interrupt(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_REG_A, 0x20);
	now += SEC / 3;
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	assert_int_equal(vrtc_deadline(&rtc), T0 + SEC);
	now = T0 + SEC;
	vrtc_advance(&rtc, now);
	assert_true(line());
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	assert_int_equal(run_until(T0 + 11 * SEC), 10);	/* once per second */
	/* SET stops updates and their interrupts (and clears UIE) */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
	assert_int_equal(vrtc_deadline(&rtc), NONE);
	now += 5 * SEC;
	assert_int_equal(rd(RTC_REG_C), 0);
}

static void test_reg_c_d(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_UIE | RTC_B_24H);
	now = T0 + SEC;
	vrtc_advance(&rtc, now);
	assert_true(line());
	assert_true(rtc.irq_high);
	wr(RTC_REG_C, 0);	/* read-only */
	wr(RTC_REG_D, 0);
	assert_true(line());
	assert_int_equal(rd(RTC_REG_D), RTC_D_VRT);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_false(line());
	assert_false(rtc.irq_high);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_D), 0x80);
	assert_int_equal(rtc.irqs, 1);
}

/* ---- ports and CMOS RAM ---- */

static void test_index_port(void **state)
{
	uint64_t v;

	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	assert_int_equal(rd(0x80 | RTC_REG_D), 0x80);	/* NMI bit ignored */
	wr(0x80 | 0x40, 0x5a);	/* RAM 0x40 */
	assert_int_equal(rd(0x40), 0x5a);
	wr(0x7f, 0xa5);
	assert_int_equal(rd(0xff), 0xa5);	/* 0xff is index 0x7f */
	assert_int_equal(rd(0x80), 0x30);	/* 0x80 wraps to the seconds */
	v = 0;
	assert_int_equal(io(0x70, 1, false, &v), BUS_OK);
	assert_int_equal(v, 0xff);	/* the index port is write-only */
	/* bytes only */
	assert_int_equal(io(0x70, 2, false, &v), BUS_UNASSIGNED);
	assert_int_equal(v, 0xffff);
	v = 0x0e0e;
	assert_int_equal(io(0x70, 2, true, &v), BUS_UNASSIGNED);
	assert_int_equal(io(0x71, 1, false, &v), BUS_OK);
	assert_int_equal(v, 0x30);	/* the index is still 0 (0x80 wrapped) */
	/* every RAM byte from 0x0e is writable */
	for (unsigned i = 0x0e; i < 0x80; i++) {
		if (i == CMOS_CENTURY)
			continue;
		wr((uint8_t)i, (uint8_t)(i ^ 0x3c));
		assert_int_equal(rd((uint8_t)i), i ^ 0x3c);
	}
}

static void test_memory_256m(void **state)
{
	const struct vrtc_mem mem = { .below_4g = 256ull << 20 };
	unsigned sum = 0;

	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), &mem);
	assert_int_equal(rd(CMOS_SHUTDOWN), 0);
	assert_int_equal(rd(CMOS_FLOPPY), 0);
	assert_int_equal(rd(CMOS_DISK), 0);
	assert_int_equal(rd(CMOS_EQUIPMENT), CMOS_EQUIP_FPU);
	assert_int_equal(rd(0x15) | rd(0x16) << 8, 640);
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 0xffff);	/* 255 MiB: capped */
	assert_int_equal(rd(0x30) | rd(0x31) << 8, 0xffff);
	assert_int_equal(rd(0x34) | rd(0x35) << 8, (256 - 16) * 16);
	assert_int_equal(rd(0x5b) | rd(0x5c) << 8 | rd(0x5d) << 16, 0);
	for (unsigned i = 0x10; i < 0x2e; i++)
		sum += rd((uint8_t)i);
	assert_int_equal(rd(0x2e) << 8 | rd(0x2f), sum);
}

static void test_memory_3g_1g(void **state)
{
	const struct vrtc_mem mem = { .below_4g = 3ull << 30, .above_4g = 1ull << 30 };
	const struct vrtc_mem small = { .below_4g = 8ull << 20 };
	const struct vrtc_mem huge = { .below_4g = 4ull << 30, .above_4g = 2ull << 40 };
	const struct vrtc_mem wrong = { .below_4g = 8ull << 30 };

	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), &mem);
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 0xffff);
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 0xbf00);	/* (3 GiB - 16 MiB) / 64 KiB */
	assert_int_equal(rd(0x5b), 0x00);
	assert_int_equal(rd(0x5c), 0x40);	/* 1 GiB / 64 KiB = 0x4000 */
	assert_int_equal(rd(0x5d), 0x00);
	start(ut(2024, 3, 15, 13, 45, 30), &small);
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 7 * 1024);	/* KB above 1 MiB */
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 0);
	start(ut(2024, 3, 15, 13, 45, 30), &huge);
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 0xff00);	/* 4 GiB - 16 MiB fits */
	assert_int_equal(rd(0x5b) | rd(0x5c) << 8 | rd(0x5d) << 16, 0xffffff);	/* capped */
	start(ut(2024, 3, 15, 13, 45, 30), &wrong);	/* a caller's mistake: capped */
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 0xffff);
}

static void test_reset(void **state)
{
	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	wr(RTC_REG_A, 0x2a);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE | RTC_B_DM | RTC_B_24H |
		      RTC_B_DSE);
	wr(CMOS_SHUTDOWN, 0x0a);	/* firmware's resume code */
	wr(0x50, 0x77);
	now = T0 + 5 * SEC;
	vrtc_advance(&rtc, now);
	assert_true(line());
	vrtc_reset(&rtc, now);
	assert_false(line());
	assert_int_equal(rd(RTC_REG_B), RTC_B_DM | RTC_B_24H | RTC_B_DSE);
	assert_int_equal(rd(RTC_REG_A), 0x2a);	/* RESET leaves A */
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(CMOS_SHUTDOWN), 0x0a);
	assert_int_equal(rd(0x50), 0x77);
	assert_int_equal(rd(CMOS_BASE_MEM), 0x80);
	assert_int_equal(rd(RTC_SECONDS), 35);	/* binary; the time ran on */
	now += 2 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 37);
	assert_int_equal(vrtc_deadline(&rtc), NONE);
}

static void test_divider_reset(void **state)
{
	uint64_t t;

	(void)state;
	start(ut(2024, 3, 15, 13, 45, 30), NULL);
	now += SEC + SEC / 10;	/* 13:45:31 and a bit */
	wr(RTC_REG_A, 0x66);	/* divider reset */
	assert_int_equal(rd(RTC_REG_C), RTC_C_PF | RTC_C_UF);	/* from before it */
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_UIE | RTC_B_24H);
	assert_int_equal(vrtc_deadline(&rtc), NONE);
	now += 100 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x31);	/* held */
	assert_int_equal(rd(RTC_REG_C), 0);	/* no PF, no UF */
	wr(RTC_MINUTES, 0x50);	/* the time can be set while held */
	now += 7 * SEC;
	assert_int_equal(rd(RTC_MINUTES), 0x50);
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	t = now;
	wr(RTC_REG_A, 0x26);	/* release: the first update 500 ms later */
	assert_int_equal(vrtc_deadline(&rtc), t + 976563);	/* periodic runs at once */
	now = t + SEC / 2 - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	now = t + SEC / 2;
	assert_int_equal(rd(RTC_SECONDS), 0x32);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	now = t + SEC / 2 + SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x33);
	assert_int_equal(rd(RTC_MINUTES), 0x50);
	/* a release right after TSC 0 (the half second lies before it) */
	bus_init(&bus, NULL);
	vrtc_init(&rtc, &bus, VRTC_IRQ, KHZ, 0, ut(2024, 3, 15, 13, 45, 30), NULL);
	vrtc_attach(&rtc, &bus, NULL, 0);
	now = 0;
	wr(RTC_REG_A, 0x70);
	wr(RTC_REG_A, 0x20);
	now = SEC / 2 - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	now = SEC / 2;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	/* test modes hold too */
	wr(RTC_REG_A, 0x40);
	now += 3 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
}

static void test_view_and_no_bus(void **state)
{
	struct vrtc_view v;

	(void)state;
	vrtc_init(&rtc, NULL, VRTC_IRQ, 0, 5, ut(2024, 3, 15, 13, 45, 30), NULL);
	assert_int_equal(rtc.tsc_khz, 1000000);	/* 0: 1 GHz */
	rtc.ram[RTC_REG_B] |= RTC_B_PIE;	/* as a write would, without a bus */
	vrtc_advance(&rtc, 5 + SEC);
	assert_true(rtc.irq_high);
	vrtc_view(&rtc, 5 + 2 * SEC + SEC / 2, &v);
	assert_int_equal(v.now.year, 2024);
	assert_int_equal(v.now.month, 3);
	assert_int_equal(v.now.day, 15);
	assert_int_equal(v.now.hour, 13);
	assert_int_equal(v.now.min, 45);
	assert_int_equal(v.now.sec, 32);
	assert_int_equal(v.now.wday, 6);
	assert_int_equal(v.a, 0x26);
	assert_int_equal(v.b, RTC_B_PIE | RTC_B_24H);
	assert_int_equal(v.c, RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_int_equal(v.d, 0x80);
	assert_int_equal(v.periodic_hz, 1024);
	assert_int_equal(v.irqs, 1);
	assert_true(v.irq_high);
	/* the view changed nothing: the flags from 1 s to 2.5 s are still
	 * only due, and the clamp keeps tsc_khz in range */
	assert_int_equal(rtc.ram[RTC_REG_C], RTC_C_PF | RTC_C_UF);
	assert_int_equal(rtc.last, 5 + SEC);
	vrtc_init(&rtc, NULL, VRTC_IRQ, ~0ull, 0, INT64_MAX, NULL);
	assert_int_equal(rtc.tsc_khz, 1ull << 32);
	vrtc_view(&rtc, 0, &v);
	assert_int_equal(v.now.year, 9999);	/* the wall time is clamped */
	assert_int_equal(v.now.month, 12);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_date_epoch),
		T(test_date_leap),
		T(test_date_valid_ranges),
		T(test_date_round_trip),
		T(test_read_bcd),
		T(test_read_binary),
		T(test_read_12h),
		T(test_time_advances),
		T(test_uip),
		T(test_set_time),
		T(test_write_running),
		T(test_periodic_1024),
		T(test_periodic_rates),
		T(test_pf_without_pie),
		T(test_alarm),
		T(test_update_interrupt),
		T(test_reg_c_d),
		T(test_index_port),
		T(test_memory_256m),
		T(test_memory_3g_1g),
		T(test_reset),
		T(test_divider_reset),
		T(test_view_and_no_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
