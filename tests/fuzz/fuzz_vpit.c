/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vpit.c: one 8254 and port 0x61 on a
 * bus, driven by a sequence of operations the way guests and the run loop
 * will.
 *
 * Input: byte 0 picks the TSC rate (bits 2:0, from a table with 0, 1, odd
 * ratios and above the clamp) and whether IRQ0 has a bus (bit 3); then
 * 4-byte ops until the input ends (at most 1024): { k, a, b, c }. k % 8:
 *   0 byte read of port 0x40 + a % 4, 1 byte write of b there,
 *   2 a 2- or 4-byte access (read or write) at 0x3e + a % 8 or 0x60 + a % 3
 *     (inside, straddling or beside the ranges),
 *   3 port 0x61: read, or write b,
 *   4 time passes: now += (b | c << 8) << (a % 48), kept below 2^63,
 *   5 vpit_advance(now),
 *   6 a whole control word and count: counter a % 3, mode b % 8, BCD b & 8,
 *     LSB/MSB format, count c | a << 8,
 *   7 a % 4: counter latch (counter b >> 6), read-back (b & 0x3f), a view
 *     only, or vpit_reset when b is 0 (else a view).
 * `now` only grows; every access carries it.
 *
 * After every op: IRQ0 is low and pit.irqs equals the bus's rising edges
 * on it; an op pulses at most once, and an op that reaches the device
 * (byte accesses, vpit_advance) pulses exactly when the deadline read
 * before it had passed; pulses are at least VPIT_MIN_PERIOD_NS (min_tsc)
 * apart in deadline time; once the device has seen `now`, the deadline is
 * UINT64_MAX or after now, and never before the pulse floor. Per counter:
 * mode 0-5, at most two latched bytes, a loaded run's count between 1 and
 * the modulus, planned loads only in a running mode 2/3; a mode 2/3 count
 * (as a number) is at most the run's period (count 1 runs as 2), even in
 * mode 3, and not 0 in mode 2 unless the period is the full count (which
 * reads as 0); in BCD every digit of a loaded count is below 10. Port
 * 0x61 reads give bits 3:0 as written and bits 7:6 clear; period_ns is 0
 * or at least VPIT_MIN_PERIOD_NS. Wide accesses are never decoded (all
 * ones). No division by zero at any TSC rate (UBSan). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vpit.h"
#include "tests/common/check.h"

#define MAX_OPS  1024
#define NOW_MAX  (1ull << 63)
#define NONE     UINT64_MAX

static struct bus bus;
static struct vpit pit;
static bool wired;
static uint64_t now;
static bool seen;	/* the device has seen now: the deadline must be after it */
static uint64_t last_pulse;	/* deadline of the last pulse; 0 none */

static uint64_t pulses(void)
{
	return wired ? bus.irq_raised[VPIT_IRQ] : pit.irqs;
}

static enum bus_status io(uint16_t port, unsigned size, bool write, uint64_t *val)
{
	struct bus_req r = { .addr = port, .size = size, .write = write, .val = *val, .now = now };
	enum bus_status st = bus_access(&bus, BUS_PIO, &r);

	*val = r.val;
	return st;
}

static void wr(uint16_t port, uint8_t v)
{
	uint64_t x = v;

	CHECK(io(port, 1, true, &x) == BUS_OK);
}

static uint8_t rd(uint16_t port)
{
	uint64_t x = 0;

	CHECK(io(port, 1, false, &x) == BUS_OK);
	CHECK(x <= 0xff);
	return (uint8_t)x;
}

static bool bcd_ok(uint32_t v)
{
	for (int s = 0; s < 16; s += 4)
		if (((v >> s) & 0xf) > 9)
			return false;
	return true;
}

static uint32_t bcd_num(uint32_t v)
{
	return (v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 + (v >> 4 & 0xf) * 10 + (v & 0xf);
}

static void check_channel(const struct vpit_view *v, unsigned i)
{
	const struct vpit_channel *c = &pit.ch[i];
	uint32_t m = (c->ctrl & PIT_CW_BCD) ? 10000 : 65536, count = v->ch[i].count, per;

	CHECK(c->mode <= 5 && v->ch[i].mode == c->mode);
	CHECK(c->latch_left <= 2);
	CHECK(count <= 0xffff);
	CHECK(v->ch[i].reload <= m);
	CHECK(v->ch[i].counting == (c->loaded && c->running));
	if (c->switch_e != NONE)
		CHECK(c->running && (c->mode == PIT_MODE_RATE || c->mode == PIT_MODE_SQUARE));
	if (!c->loaded)
		return;
	CHECK(c->n >= 1 && c->n <= m);
	if (v->ch[i].bcd) {
		CHECK(bcd_ok(count));
		count = bcd_num(count);
	}
	CHECK(count < m);
	if (c->mode != PIT_MODE_RATE && c->mode != PIT_MODE_SQUARE)
		return;
	per = c->n < 2 ? 2 : c->n;
	if (c->mode == PIT_MODE_RATE)	/* per .. 1; the full count reads as 0 */
		CHECK((count >= 1 && count <= per) || (count == 0 && per == m));
	else	/* even, per (or per - 1) .. 0 */
		CHECK(count % 2 == 0 && count <= per);
}

static void check_all(void)
{
	struct vpit_view v;
	uint64_t d = vpit_deadline(&pit);

	if (wired) {
		CHECK(bus.irq_levels == 0);
		CHECK(pit.irqs == bus.irq_raised[VPIT_IRQ]);
	}
	if (seen)
		CHECK(d == NONE || d > now);
	if (d != NONE)
		CHECK(d >= pit.irq_floor);
	vpit_view(&pit, now, &v);
	for (unsigned i = 0; i < 3; i++)
		check_channel(&v, i);
	CHECK((v.port61 & PORT61_RW) == pit.port61);
	CHECK(!(v.port61 & 0xc0));
	CHECK(pit.port61 <= PORT61_RW);
	CHECK(v.irqs == pit.irqs);
	CHECK(v.period_ns == 0 || v.period_ns >= VPIT_MIN_PERIOD_NS);
}

static void op_wide(const uint8_t *op)
{
	static const unsigned sizes[2] = { 2, 4 };
	uint16_t port = op[2] & 1 ? (uint16_t)(0x60 + op[1] % 3) : (uint16_t)(0x3e + op[1] % 8);
	unsigned size = sizes[(op[2] >> 1) & 1];
	bool write = op[2] & 4;
	uint64_t val = op[3];

	CHECK(io(port, size, write, &val) == BUS_UNASSIGNED);
	if (!write)
		CHECK(val == bus_size_mask(size));
}

static void op_program(const uint8_t *op)
{
	unsigned ch = op[1] % 3;

	wr(VPIT_PORT + PIT_CONTROL, (uint8_t)(ch << 6 | 0x30 | (op[2] % 8) << 1 | !!(op[2] & 8)));
	wr((uint16_t)(VPIT_PORT + ch), op[3]);
	wr((uint16_t)(VPIT_PORT + ch), op[1]);
}

static void op_misc(const uint8_t *op)
{
	struct vpit_view v;

	switch (op[1] % 4) {
	case 0:
		/* counter latch (0xc0: a read-back selecting nothing) */
		wr(VPIT_PORT + PIT_CONTROL, op[2] & 0xc0);
		break;
	case 1:
		wr(VPIT_PORT + PIT_CONTROL, (uint8_t)(0xc0 | (op[2] & 0x3f)));
		break;
	default:
		if (op[1] % 4 == 3 && op[2] == 0) {
			vpit_reset(&pit, now);
			break;
		}
		vpit_view(&pit, now, &v);
		break;
	}
}

/* Runs one op; returns whether it reached the device with `now` in a way
 * that delivers a due pulse. */
static bool do_op(const uint8_t *op)
{
	uint64_t step;

	switch (op[0] % 8) {
	case 0:
		rd((uint16_t)(VPIT_PORT + op[1] % 4));
		return true;
	case 1:
		wr((uint16_t)(VPIT_PORT + op[1] % 4), op[2]);
		return true;
	case 2:
		op_wide(op);
		return false;
	case 3:
		if (op[2] & 0x80)
			rd(VPIT_PORT61);
		else
			wr(VPIT_PORT61, op[3]);
		return true;
	case 4:
		step = ((uint64_t)op[2] | (uint64_t)op[3] << 8) << (op[1] % 48);
		if (step < NOW_MAX - now)
			now += step;
		seen = false;
		return false;
	case 5:
		vpit_advance(&pit, now);
		return true;
	case 6:
		op_program(op);
		return true;
	default:
		op_misc(op);
		return op[1] % 4 < 2;	/* the commands are accesses */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t khz[8] = {
		1193182, 2999999, 0, 1, 37, 3600000, 1ull << 32, (1ull << 40) + 12345,
	};
	char err[96];

	if (size < 1)
		return 0;
	wired = data[0] & 8;
	now = data[0] * 1000ull;
	seen = false;
	last_pulse = 0;
	bus_init(&bus, NULL);
	memset(&pit, 0xa5, sizeof(pit));	/* init must not rely on zeroes */
	vpit_init(&pit, wired ? &bus : NULL, VPIT_IRQ, khz[data[0] & 7], now);
	CHECK(vpit_attach(&pit, &bus, err, sizeof(err)) == 0);
	CHECK(vpit_deadline(&pit) == NONE);
	data++;
	size--;
	for (int k = 0; k < MAX_OPS && size >= 4; k++, data += 4, size -= 4) {
		uint64_t d = vpit_deadline(&pit), before = pulses();
		bool delivers = do_op(data);
		uint64_t n = pulses() - before;

		CHECK(n <= 1);
		if (delivers) {
			CHECK(n == (d != NONE && d <= now));
			seen = true;
		}
		if (n) {
			CHECK(d <= now);
			CHECK(!last_pulse || d - last_pulse >= pit.min_tsc);
			last_pulse = d;
		}
		check_all();
	}
	return 0;
}
