/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vrtc.c (and kernel/lib/date.c): one
 * virtual MC146818A on a bus, driven through its ports by a sequence of
 * operations while time passes.
 *
 * Input: byte 0 picks the TSC rate (0, 1 kHz, ... 2^32 kHz and above, so
 * the clamps run too), bytes 1-2 the wall time at init (1970-2094, or the
 * last seconds of 9999), byte 3 the memory sizes; then 4-byte ops
 * { k, a, b, c } until the input ends (at most 1024). k % 10 is:
 *   0 read register a (index port, then data port; b & 1: with a TSC up
 *     to c ticks in the past, as a vCPU with a lagging clock would)
 *   1 write register a with b
 *   2 a raw access: port 0x70 + (a & 1), size 1/2/4 (b % 3), read or
 *     write (c & 1) of b
 *   3 time passes: ((b | c << 8) + 1) << (a % 40) ticks
 *   4 vrtc_advance(now)
 *   5 time runs to vrtc_deadline, then vrtc_advance; a & 1: read C
 *   6 vrtc_reset(now)
 *   7 write B = a and A = b
 *   8 SET, a date from a, b, c written in the current format (days past
 *     the month's end and weekday 0 included), then (a & 1) SET cleared
 *   9 alarm bytes from a, b, c (don't-care when a bit says so), AIE on
 * Every op is followed by vrtc_view at a later time (it must change
 * nothing in the struct).
 *
 * Invariants after every op: D reads 0x80 and C's bits 3:0 are 0; UIP
 * only while the divider runs and SET is clear; the periodic rate is 0 or
 * a power of two up to VRTC_MAX_HZ; the bus line and irq_high agree and
 * equal IRQF of the stored flags; irqs equals the bus's rising edges; the
 * deadline is none or after the last sync (after vrtc_advance(now): after
 * now). While only PIE is enabled and A and B are not written, successive
 * deadlines are at least 1/8192 s apart. Registers 0-9 and the century
 * read valid digits (BCD mode) and ranges that form a valid date unless
 * the guest wrote a bad byte while SET (tracked); while running with SET
 * clear and no time, A or B write in between, the time read advances by
 * the elapsed whole seconds or one more (modulo the 10000-year wrap). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/vrtc.h"
#include "kernel/lib/date.h"
#include "tests/common/check.h"

#define MAX_OPS  1024
#define NONE     UINT64_MAX
#define WRAP_SECONDS (3652425ll * 86400)	/* 10000 Gregorian years */

static struct bus bus;
static struct vrtc rtc;
static uint64_t now;
static bool garbage;		/* a bad time byte was written while SET */
static bool base_ok;		/* t_base/now_base valid for the rate check */
static int64_t t_base;
static uint64_t now_base;
static uint64_t pd_prev;	/* last periodic-only deadline seen */

static const uint8_t time_regs[8] = {
	RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH, RTC_MONTH,
	RTC_YEAR, CMOS_CENTURY,
};

static int slot_of(unsigned index)
{
	for (int i = 0; i < 8; i++)
		if (time_regs[i] == index)
			return i;
	return -1;
}

/* ---- an independent decoder of the register formats ---- */

static int dec(uint8_t b, uint8_t x)
{
	if (b & RTC_B_DM)
		return x;
	if ((x >> 4) > 9 || (x & 0xf) > 9)
		return -1;
	return (x >> 4) * 10 + (x & 0xf);
}

static uint8_t enc(uint8_t b, unsigned v)
{
	return b & RTC_B_DM ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* The hour 0-23 of a byte, or -1 */
static int dec_hour(uint8_t b, uint8_t x)
{
	int v;

	if (b & RTC_B_24H)
		return (v = dec(b, x)) >= 0 && v <= 23 ? v : -1;
	v = dec(b, x & 0x7f);
	return v >= 1 && v <= 12 ? v % 12 + (x & 0x80 ? 12 : 0) : -1;
}

/* Is x a well-formed value for time register slot s in format b? */
static bool byte_ok(uint8_t b, int s, uint8_t x)
{
	static const int lo[8] = { 0, 0, 0, 1, 1, 1, 0, 0 };
	static const int hi[8] = { 59, 59, 0, 7, 31, 12, 99, 99 };
	int v;

	if (s == 2)
		return dec_hour(b, x) >= 0;
	v = dec(b, x);
	return v >= lo[s] && v <= hi[s];
}

/* ---- ports ---- */

static uint64_t port(uint16_t p, unsigned size, bool write, uint64_t val, uint64_t t)
{
	struct bus_req r = { .addr = p, .size = size, .write = write, .val = val, .now = t };
	uint8_t b = rtc.ram[RTC_REG_B], idx = rtc.index;
	int s = slot_of(idx);

	if (write && size == 1 && p == VRTC_PORT + 1) {
		/* track what the checks must allow for */
		if (s >= 0 || idx == RTC_REG_A || idx == RTC_REG_B)
			base_ok = false;
		if (idx == RTC_REG_A || idx == RTC_REG_B)
			pd_prev = NONE;
		if (s >= 0 && (b & RTC_B_SET) && !byte_ok(b, s, (uint8_t)val))
			garbage = true;
		if (idx == RTC_REG_B) {
			uint8_t v = (uint8_t)val;

			if (!(v & RTC_B_SET))
				garbage = false;
			else if ((v ^ b) & (RTC_B_DM | RTC_B_24H))
				garbage = true;	/* the stored bytes are in another format */
		}
	}
	bus_access(&bus, BUS_PIO, &r);
	if (!write)
		CHECK(r.val <= bus_size_mask(size));
	return r.val;
}

static uint8_t rd(uint8_t index)
{
	port(VRTC_PORT, 1, true, index, now);
	return (uint8_t)port(VRTC_PORT + 1, 1, false, 0, now);
}

static void wr(uint8_t index, uint8_t v)
{
	port(VRTC_PORT, 1, true, index, now);
	port(VRTC_PORT + 1, 1, true, v, now);
}

/* ---- checks ---- */

static bool running(void)
{
	return (rtc.ram[RTC_REG_A] & RTC_A_DV_MASK) <= RTC_A_DV_32KHZ;
}

static void check_time(void)
{
	uint8_t b = rtc.ram[RTC_REG_B], idx = rtc.index, v[8];
	struct date d;
	int64_t t, diff, exp;

	for (int i = 0; i < 8; i++)
		v[i] = rd(time_regs[i]);
	port(VRTC_PORT, 1, true, idx, now);	/* the guest's index back */
	if ((b & RTC_B_SET) && garbage)
		return;
	for (int i = 0; i < 8; i++)
		CHECK(byte_ok(b, i, v[i]));
	d = (struct date){ .year = dec(b, v[7]) * 100 + dec(b, v[6]),
			   .month = (uint8_t)dec(b, v[5]), .day = (uint8_t)dec(b, v[4]),
			   .hour = (uint8_t)dec_hour(b, v[2]), .min = (uint8_t)dec(b, v[1]),
			   .sec = (uint8_t)dec(b, v[0]) };
	if (b & RTC_B_SET)
		return;	/* bytes the guest wrote need not form a date */
	CHECK(date_valid(&d));
	if (!running()) {
		base_ok = false;
		return;
	}
	t = date_to_unix(&d);
	if (base_ok) {
		diff = t - t_base;
		exp = (int64_t)((now - now_base) / rtc.tsc_hz);
		diff = ((diff - exp) % WRAP_SECONDS + WRAP_SECONDS) % WRAP_SECONDS;
		CHECK(diff == 0 || diff == 1);
	}
	t_base = t;
	now_base = now;
	base_ok = true;
}

static void check_all(bool advanced)
{
	uint8_t b = rtc.ram[RTC_REG_B], c = rtc.ram[RTC_REG_C];
	uint64_t dl = vrtc_deadline(&rtc);
	bool irqf = c & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	struct vrtc_view v;
	struct vrtc copy;

	CHECK(!(c & ~(RTC_C_PF | RTC_C_AF | RTC_C_UF)));
	CHECK(rtc.irq_high == irqf);
	CHECK(rtc.irq_high == !!(bus.irq_levels & (1u << VRTC_IRQ)));
	CHECK(rtc.irqs == bus.irq_raised[VRTC_IRQ]);
	CHECK(rtc.index < 0x80);
	CHECK(dl == NONE || dl > rtc.last);
	if (advanced)
		CHECK(dl == NONE || dl > now);
	if ((b & RTC_B_PIE) && !(b & (RTC_B_AIE | RTC_B_UIE)) && dl != NONE) {
		if (pd_prev != NONE) {
			CHECK(dl >= pd_prev);
			CHECK(dl == pd_prev || dl - pd_prev >= rtc.tsc_hz / VRTC_MAX_HZ);
		}
		pd_prev = dl;
	}

	memcpy(&copy, &rtc, sizeof(copy));
	vrtc_view(&rtc, now + (now & 0xffff) * 977, &v);
	CHECK(!memcmp(&copy, &rtc, sizeof(copy)));	/* a view changes nothing */
	CHECK(v.d == RTC_D_VRT);
	CHECK(!(v.c & 0x0f));
	CHECK(!!(v.c & RTC_C_IRQF) == !!(v.c & v.b & 0x70));
	CHECK(!(v.a & RTC_A_UIP) || (running() && !(v.b & RTC_B_SET)));
	CHECK(v.periodic_hz <= VRTC_MAX_HZ && !(v.periodic_hz & (v.periodic_hz - 1)));
	CHECK(v.periodic_hz != 1);
	CHECK(date_valid(&v.now) && v.now.year >= 0 && v.now.year <= 9999);
	CHECK(v.now.wday >= 1 && v.now.wday <= 7);
	CHECK(v.irqs == rtc.irqs && v.irq_high == rtc.irq_high);
	CHECK(rd(RTC_REG_D) == RTC_D_VRT);
	check_time();
}

/* ---- ops ---- */

static void op_set_time(uint8_t a, uint8_t b8, uint8_t c)
{
	uint8_t b = rtc.ram[RTC_REG_B];
	unsigned year = (a | b8 << 8) % 10000, hour = b8 % 24;
	uint8_t v[8];

	wr(RTC_REG_B, b | RTC_B_SET);
	b = rtc.ram[RTC_REG_B];
	v[0] = enc(b, (c * 13u) % 60);
	v[1] = enc(b, (a * 7u) % 60);
	v[2] = b & RTC_B_24H ? enc(b, hour) :
		(uint8_t)(enc(b, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0));
	v[3] = enc(b, c % 8);	/* 0: no weekday */
	v[4] = enc(b, 1 + a % 31);	/* may lie past the month's end */
	v[5] = enc(b, 1 + c % 12);
	v[6] = enc(b, year % 100);
	v[7] = enc(b, year / 100);
	for (int i = 0; i < 8; i++)
		wr(time_regs[i], v[i]);
	if (a & 1)
		wr(RTC_REG_B, b & ~RTC_B_SET);
}

static void op_alarm(uint8_t a, uint8_t b8, uint8_t c)
{
	uint8_t b = rtc.ram[RTC_REG_B];

	wr(RTC_HOURS_ALARM, a & 0x80 ? 0xc0 | a : enc(b, a % 24));
	wr(RTC_MINUTES_ALARM, b8 & 0x80 ? 0xc0 | b8 : enc(b, b8 % 60));
	wr(RTC_SECONDS_ALARM, c & 0x80 ? 0xc0 | c : enc(b, c % 60));
	wr(RTC_REG_B, b | RTC_B_AIE);
}

static void step(uint64_t ticks)
{
	now = now > NONE - ticks ? NONE - 1 : now + ticks;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t khz[] = { 0, 1, 1000, 999983, 1000000, 2500000, 3700000,
					1ull << 32, ~0ull };
	struct vrtc_mem mem;
	int64_t t0;
	uint64_t dl;
	size_t n;

	if (size < 4)
		return 0;
	bus_init(&bus, NULL);
	now = (uint64_t)data[1] << 20;
	if (data[2] == 0xff)
		t0 = 253402300799ll - data[1] * 1000ll;
	else
		t0 = (int64_t)(data[1] | data[2] << 8) * 60013;
	mem = (struct vrtc_mem){ .below_4g = (uint64_t)data[3] << 24,
				 .above_4g = (uint64_t)(data[3] & 0x0f) << 34 };
	vrtc_init(&rtc, &bus, VRTC_IRQ, khz[data[0] % 9], now, t0, &mem);
	CHECK(vrtc_attach(&rtc, &bus, NULL, 0) == 0);
	garbage = base_ok = false;
	pd_prev = NONE;
	check_all(false);

	n = (size - 4) / 4;
	if (n > MAX_OPS)
		n = MAX_OPS;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *o = data + 4 + i * 4;
		uint8_t k = o[0], a = o[1], b = o[2], c = o[3];
		bool advanced = false;

		switch (k % 10) {
		case 0:
			port(VRTC_PORT, 1, true, a, now);
			port(VRTC_PORT + 1, 1, false, 0, b & 1 && now >= c ? now - c : now);
			break;
		case 1:
			wr(a, b);
			break;
		case 2:
			port(VRTC_PORT + (a & 1), (unsigned[]){ 1, 2, 4 }[b % 3], c & 1, b, now);
			break;
		case 3:
			step(((uint64_t)(b | c << 8) + 1) << (a % 40));
			break;
		case 4:
			vrtc_advance(&rtc, now);
			advanced = true;
			break;
		case 5:
			dl = vrtc_deadline(&rtc);
			if (dl != NONE && dl > now)
				now = dl;
			vrtc_advance(&rtc, now);
			advanced = true;
			if (a & 1)
				rd(RTC_REG_C);
			break;
		case 6:
			vrtc_reset(&rtc, now);
			pd_prev = NONE;
			break;
		case 7:
			wr(RTC_REG_B, a);
			wr(RTC_REG_A, b);
			break;
		case 8:
			op_set_time(a, b, c);
			break;
		default:
			op_alarm(a, b, c);
			break;
		}
		check_all(advanced);
	}
	return 0;
}
