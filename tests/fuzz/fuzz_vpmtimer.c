/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vpmtimer.c: one PM block on a bus,
 * driven by a sequence of operations and checked against a model.
 *
 * Input: bytes 0-7 are tsc_khz (little-endian, any value: 0 and values
 * above the clamp included), then 8-byte ops until the input ends (at most
 * 1024): { k, a, v0..v5 }, v = v0..v5 little-endian. k % 8 is:
 *   0 read, 1 write (value v) through the bus at port 0x5fe + a % 16 (the
 *     range and both edges), size {1, 2, 4, 3}[(k >> 3) & 3];
 *   2 time passes by v & 0xffff; 3 time jumps by v << (a % 24), saturating
 *     (a VM paused for minutes or years);
 *   4 vpm_timer; 5 vpm_view; 6 vpm_reset when a % 4 == 0, else op 0;
 *   7 vpm_access called directly with what the bus never passes: an
 *     offset past the range (any size) or a size of 0, 3, 5, 6, 7 or 8.
 * `now` only grows.
 *
 * Invariants, after every op: statuses are only BUS_OK and BUS_UNASSIGNED,
 * plus BUS_STOP for exactly the PM1_CNT writes that carry SLP_EN (with
 * stop_code -1 and the "powered off by the guest (sleep type N)" text for
 * the SLP_TYP just written), never BUS_RESET; BUS_UNASSIGNED exactly for
 * the widths and holes vpmtimer.h lists, and then nothing changes; every
 * read equals the model: the timer is elapsed * 3579545 / (khz * 1000)
 * mod 2^24 computed in 128 bits (so < 2^24), and after a small step it
 * moved forward by the step's counts or one more (non-decreasing modulo
 * the wrap); PM1_STS is the model's write-1-to-clear register with
 * TMR_STS folded in whenever ticks >> 23 changed; PM1_EN holds only its
 * defined bits; PM1_CNT always has SCI_EN and never SLP_EN or GBL_RLS;
 * the view agrees with the registers and changes nothing; no interrupt
 * line ever rises. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vpmtimer.h"
#include "tests/common/check.h"

#define MAX_OPS 1024

static struct bus bus;
static struct vpm pm;
static uint64_t now, khz, base;

/* The model */
static uint16_t m_sts, m_en, m_cnt;
static uint64_t m_epoch;
static uint32_t m_sleeps;
static bool have_prev;	/* a timer read since the last big jump or reset */
static uint32_t prev_count;
static uint64_t prev_now;

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static unsigned __int128 ticks_at(uint64_t t)
{
	uint64_t e = t > base ? t - base : 0;

	return (unsigned __int128)e * VPM_TMR_HZ / ((unsigned __int128)khz * 1000);
}

static uint32_t count_at(uint64_t t)
{
	return (uint32_t)(ticks_at(t) & PM_TMR_MASK);
}

/* The device counts ticks modulo 2^64; the period index follows that. */
static uint64_t epoch_at(uint64_t t)
{
	return (uint64_t)ticks_at(t) >> 23;
}

static void model_fold(void)
{
	if (epoch_at(now) != m_epoch) {
		m_sts |= PM1_STS_TMR;
		m_epoch = epoch_at(now);
	}
}

static void model_reset(void)
{
	base = now;
	m_sts = m_en = 0;
	m_cnt = PM1_CNT_SCI_EN;
	m_epoch = 0;
	have_prev = false;
}

/* A timer value read at now: the model's, and monotonic after small steps. */
static void check_count(uint32_t c)
{
	CHECK(c <= PM_TMR_MASK);
	CHECK(c == count_at(now));
	if (have_prev) {
		unsigned __int128 step = (unsigned __int128)(now - prev_now) * VPM_TMR_HZ /
					 ((unsigned __int128)khz * 1000);

		if (step + 1 < (1u << 23))
			CHECK(((c - prev_count) & PM_TMR_MASK) <= step + 1 &&
			      ((c - prev_count) & PM_TMR_MASK) >= step);
	}
	have_prev = true;
	prev_count = c;
	prev_now = now;
}

static void check_state(void)
{
	struct vpm_view v;

	CHECK(pm.tsc_khz == khz);
	CHECK(pm.sts == m_sts && pm.en == m_en && pm.cnt == m_cnt);
	CHECK(pm.tmr_epoch == m_epoch);
	CHECK(pm.sleeps == m_sleeps);
	CHECK((pm.sts & ~PM1_STS_MASK) == 0);
	CHECK((pm.en & ~PM1_EN_MASK) == 0);
	CHECK((pm.cnt & PM1_CNT_SCI_EN) && !(pm.cnt & (PM1_CNT_SLP_EN | PM1_CNT_GBL_RLS)));
	CHECK((pm.cnt & ~(PM1_CNT_STORED | PM1_CNT_SCI_EN)) == 0);
	CHECK(bus.irq_levels == 0);

	vpm_view(&pm, now, &v);
	CHECK(v.sts == (m_sts | (epoch_at(now) != m_epoch ? PM1_STS_TMR : 0)));
	CHECK(v.en == m_en && v.cnt == m_cnt);
	CHECK(v.timer == count_at(now));
	CHECK(pm.sts == m_sts && pm.tmr_epoch == m_epoch);	/* the view changed nothing */
}

/* Is (off, size) decoded? Written from vpmtimer.h's width rules. */
static bool decoded(uint64_t port, unsigned size)
{
	uint64_t off = port - VPM_BASE;

	if (port < VPM_BASE || (size != 1 && size != 2 && size != 4) || off + size > VPM_LEN)
		return false;
	if (off >= PM_TMR)
		return true;
	if (off % size)
		return false;
	return off < 4 || off + size <= PM1_CNT + 2;
}

static void expect_evt(const struct bus_req *r, enum bus_status st, unsigned shift,
		       uint64_t mask)
{
	uint32_t m = (uint32_t)(mask << shift), v = (uint32_t)(r->val << shift) & m;

	CHECK(st == BUS_OK);
	model_fold();
	if (!r->write) {
		CHECK(r->val == (((uint32_t)m_en << 16 | m_sts) >> shift & mask));
		return;
	}
	m_sts &= (uint16_t)~(v & PM1_STS_MASK);	/* write 1 to clear */
	m_en = (uint16_t)((m_en & ~(m >> 16)) | ((v >> 16) & PM1_EN_MASK));
}

static void expect_cnt(const struct bus_req *r, enum bus_status st, unsigned shift,
		       uint64_t mask)
{
	uint32_t m = (uint32_t)(mask << shift), v = (uint32_t)(r->val << shift) & m;
	char why[80];

	if (!r->write) {
		CHECK(st == BUS_OK);
		CHECK(r->val == (uint64_t)(m_cnt >> shift & mask));
		return;
	}
	m_cnt = (uint16_t)((((m_cnt & ~m) | v) & PM1_CNT_STORED) | PM1_CNT_SCI_EN);
	if (!(v & PM1_CNT_SLP_EN)) {
		CHECK(st == BUS_OK);
		return;
	}
	m_sleeps++;
	CHECK(st == BUS_STOP);
	CHECK(r->stop_code == -1);
	snprintf(why, sizeof(why), "powered off by the guest (sleep type %u)",
		 (m_cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT);
	CHECK(strcmp(r->why, why) == 0);
}

static void do_access(uint64_t port, unsigned size, bool write, uint64_t val)
{
	struct bus_req r = { .addr = port, .size = size, .write = write, .val = val, .now = now };
	uint64_t mask = bus_size_mask(size);
	uint64_t unassigned = bus.unassigned;
	enum bus_status st = bus_access(&bus, BUS_PIO, &r);
	unsigned off;

	if (!decoded(port, size)) {
		CHECK(st == BUS_UNASSIGNED);
		CHECK(bus.unassigned == unassigned + 1);
		CHECK(write || r.val == mask);
		return;
	}
	CHECK(bus.unassigned == unassigned);
	r.val = write ? val & mask : r.val;	/* the model sees what the device saw */
	off = (unsigned)(port - VPM_BASE);
	if (off < PM1_CNT) {
		expect_evt(&r, st, off * 8, mask);
	} else if (off < PM_TMR) {
		expect_cnt(&r, st, (off - PM1_CNT) * 8, mask);
	} else {
		CHECK(st == BUS_OK);	/* read-only, writes ignored */
		if (write)
			return;
		CHECK(r.val == ((uint64_t)count_at(now) >> ((off - PM_TMR) * 8) & mask));
		if (off == PM_TMR && size == 4)
			check_count((uint32_t)r.val);
	}
}

/* Offsets and sizes the bus never passes: must be refused, touching nothing. */
static void do_odd_access(unsigned k, unsigned a, uint64_t v)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	static const unsigned odd[6] = { 0, 3, 5, 6, 7, 8 };
	struct bus_req r = { .write = (k & 8) != 0, .val = v, .now = now };
	struct vpm_view before, after;
	uint64_t off;

	if (a & 1) {
		off = VPM_LEN + (a >> 1) % 8;
		r.size = sizes[(k >> 4) & 3];
	} else {
		off = (a >> 1) % VPM_LEN;
		r.size = odd[(a >> 4) % 6];
	}
	vpm_view(&pm, now, &before);
	CHECK(vpm_access(&pm, off, &r) == BUS_UNASSIGNED);
	vpm_view(&pm, now, &after);
	CHECK(memcmp(&before, &after, sizeof(before)) == 0);
}

static void advance(uint64_t step)
{
	now = now > UINT64_MAX - step ? UINT64_MAX : now + step;
}

static void do_op(const uint8_t *op)
{
	static const unsigned sizes[4] = { 1, 2, 4, 3 };
	unsigned k = op[0], a = op[1], sh = op[1] % 24;
	uint64_t v = le(op + 2, 6);

	switch (k % 8) {
	case 6:
		if (a % 4 == 0) {
			vpm_reset(&pm, now);
			model_reset();
			break;
		}
		/* fall through */
	case 0:
	case 1:
		do_access(VPM_BASE - 2 + a % 16, sizes[(k >> 3) & 3], k % 8 == 1, v);
		break;
	case 2:
		advance(v & 0xffff);
		break;
	case 3:
		advance(sh && (v >> (64 - sh)) ? UINT64_MAX : v << sh);
		have_prev = false;
		break;
	case 4:
		check_count(vpm_timer(&pm, now));
		break;
	case 5:
		break;	/* check_state runs vpm_view after every op */
	default:
		do_odd_access(k, a, v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	if (size < 8)
		return 0;
	khz = le(data, 8);
	now = le(data, 8) >> (data[7] & 63);	/* some start, not always 0 */
	memset(&pm, 0xa5, sizeof(pm));	/* init must not rely on zeroes */
	vpm_init(&pm, khz, now);
	khz = khz == 0 ? 1000000 : (khz > VPM_MAX_KHZ ? VPM_MAX_KHZ : khz);
	m_sleeps = 0;
	model_reset();
	bus_init(&bus, NULL);
	CHECK(vpm_attach(&pm, &bus, err, sizeof(err)) == 0);
	data += 8;
	size -= 8;
	for (int k = 0; k < MAX_OPS && size >= 8; k++, data += 8, size -= 8) {
		do_op(data);
		check_state();
	}
	return 0;
}
