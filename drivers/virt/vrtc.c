/* SPDX-License-Identifier: BSD-2-Clause */
/* The MC146818A for the guest; see vrtc.h for the contract and choices.
 *
 * Time keeping. While the divider runs, the clock shows
 *   sec_base + (now - sec_tsc) / tsc_hz
 * and the remainder is the position inside that second. Every entry point
 * moves sec_tsc to the last update at or before `now` (whole seconds), so
 * the pair stays small; sec_tsc is kept modulo 2^64 and never lies after
 * `last`, which lets it sit half a second before a TSC of 0 after a
 * divider release. The sub-second arithmetic is in ticks of the 32.768
 * kHz time base: tsc_hz <= 2^32 * 1000 < 2^42 and both a position inside
 * a second and a tick count are below 2^42 and 2^15 + 1, so their
 * products stay below 2^58 and no 128-bit division is needed. */
#include "drivers/virt/vrtc.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/muldiv.h"

#define NO_DEADLINE     UINT64_MAX
#define NO_ALARM        INT64_MAX
#define TICKS_PER_SEC   32768u	/* the 32.768 kHz time base */
#define UIP_TICKS       8u	/* 244.1 us: "Update Cycle", UIP before the update */
#define DEFAULT_TSC_KHZ 1000000u
#define MAX_TSC_KHZ     (1ull << 32)
#define UNIX_YEAR_0     (-62167219200ll)	/* 0000-01-01 00:00:00 */
#define UNIX_YEAR_10000 253402300800ll		/* 10000-01-01 00:00:00 */
#define RTC_INDEX_MASK  0x7f	/* port 0x70 bit 7 gates NMI on PCs */
#define RESET_B_CLEARS  (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE)	/* "RESET" */
#define KIB 1024ull
#define MIB (1024 * KIB)

#define ALARM_ANY   (-1)
#define ALARM_NEVER (-2)

/* irqf() relies on the chip's layout: each flag in C sits at its enable's bit in B. */
_Static_assert(RTC_C_PF == RTC_B_PIE && RTC_C_AF == RTC_B_AIE && RTC_C_UF == RTC_B_UIE,
	       "MC146818A: C's flags line up with B's enables");
_Static_assert(sizeof(((struct vrtc *)0)->ram) == VRTC_RAM && CMOS_MEM_4G + 2 < VRTC_RAM,
	       "128 bytes of CMOS: the PC's map fits");
_Static_assert(MAX_TSC_KHZ * 1000 * TICKS_PER_SEC < (1ull << 58), "sub-second products fit");

/* The time bytes, in this order, and their place in the address map. */
enum { T_SEC, T_MIN, T_HOUR, T_WDAY, T_DAY, T_MONTH, T_YEAR, T_CENTURY, NR_TIME };
static const uint8_t time_index[NR_TIME] = {
	RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH, RTC_MONTH,
	RTC_YEAR, CMOS_CENTURY,
};

struct pos {
	int64_t sec;	/* the second the clock shows */
	uint64_t sub;	/* TSC ticks into it, < tsc_hz */
};

static int time_slot(unsigned index)
{
	for (int i = 0; i < NR_TIME; i++)
		if (time_index[i] == index)
			return i;
	return -1;
}

/* ---- data formats: "Time, Calendar and Alarm Data Modes" ---- */

static uint8_t enc(uint8_t b, unsigned v)
{
	return b & RTC_B_DM ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* -1 for a byte that is no BCD number */
static int dec(uint8_t b, uint8_t x)
{
	if (b & RTC_B_DM)
		return x;
	if ((x >> 4) > 9 || (x & 0xf) > 9)
		return -1;
	return (x >> 4) * 10 + (x & 0xf);
}

static uint8_t enc_hour(uint8_t b, unsigned h)
{
	if (b & RTC_B_24H)
		return enc(b, h);
	return enc(b, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0);
}

/* The hour 0-23, or -1 */
static int dec_hour(uint8_t b, uint8_t x)
{
	int v;

	if (b & RTC_B_24H) {
		v = dec(b, x);
		return v <= 23 ? v : -1;
	}
	v = dec(b, x & ~RTC_HOUR_PM);
	if (v < 1 || v > 12)
		return -1;
	return v % 12 + (x & RTC_HOUR_PM ? 12 : 0);
}

/* The date the registers show for t: years wrap at 10000 (century 0-99),
 * the weekday runs wday_adj days ahead of the date's. */
static void shown_date(const struct vrtc *r, int64_t t, struct date *d)
{
	date_from_unix(t, d);
	d->year %= 10000;
	if (d->year < 0)
		d->year += 10000;
	d->wday = (uint8_t)((d->wday - 1 + r->wday_adj) % 7 + 1);
}

static void regs_from_time(const struct vrtc *r, uint8_t b, int64_t t, uint8_t v[NR_TIME])
{
	struct date d;

	shown_date(r, t, &d);
	v[T_SEC] = enc(b, d.sec);
	v[T_MIN] = enc(b, d.min);
	v[T_HOUR] = enc_hour(b, d.hour);
	v[T_WDAY] = enc(b, d.wday);
	v[T_DAY] = enc(b, d.day);
	v[T_MONTH] = enc(b, d.month);
	v[T_YEAR] = enc(b, (unsigned)(d.year % 100));
	v[T_CENTURY] = enc(b, (unsigned)(d.year / 100));
}

/* The Unix time of bytes v read in format b, and their weekday (1-7, or
 * -1 when out of range: ignored). False if they are no valid date. */
static bool regs_to_time(uint8_t b, const uint8_t v[NR_TIME], int64_t *t, int *wday)
{
	int sec = dec(b, v[T_SEC]), min = dec(b, v[T_MIN]), hour = dec_hour(b, v[T_HOUR]);
	int day = dec(b, v[T_DAY]), mon = dec(b, v[T_MONTH]), year = dec(b, v[T_YEAR]);
	int cent = dec(b, v[T_CENTURY]), w = dec(b, v[T_WDAY]);
	struct date d;

	if (sec < 0 || min < 0 || hour < 0 || day < 0 || mon < 0 || year < 0 || cent < 0 ||
	    year > 99 || cent > 99 || sec > 59 || min > 59 || day > 31 || mon > 12)
		return false;
	d = (struct date){ .year = cent * 100 + year, .month = (uint8_t)mon, .day = (uint8_t)day,
			   .hour = (uint8_t)hour, .min = (uint8_t)min, .sec = (uint8_t)sec };
	if (!date_valid(&d))
		return false;
	*t = date_to_unix(&d);
	*wday = w >= 1 && w <= 7 ? w : -1;
	return true;
}

/* ---- the clock ---- */

/* DV 000, 001 and 010 count (vrtc.h: as if the crystal matched); the
 * test modes and divider reset hold the time. */
static bool div_running(const struct vrtc *r)
{
	return (r->ram[RTC_REG_A] & RTC_A_DV_MASK) <= RTC_A_DV_32KHZ;
}

static bool updating(const struct vrtc *r)
{
	return div_running(r) && !(r->ram[RTC_REG_B] & RTC_B_SET);
}

/* Only while the divider runs, for t >= last. */
static struct pos clock_pos(const struct vrtc *r, uint64_t t)
{
	uint64_t d = t - r->sec_tsc;	/* mod 2^64: sec_tsc <= t */

	return (struct pos){ r->sec_base + (int64_t)(d / r->tsc_hz), d % r->tsc_hz };
}

/* The clock's seconds at t (the held time while the divider holds). While
 * SET this is the time the clock counts on underneath. */
static int64_t clock_now(const struct vrtc *r, uint64_t t)
{
	return div_running(r) ? clock_pos(r, t).sec : r->held;
}

/* Shows s from t on, keeping the divider's phase: the next update still
 * comes at the same TSC. */
static void clock_set(struct vrtc *r, uint64_t t, int64_t s)
{
	if (div_running(r))
		r->sec_base += s - clock_pos(r, t).sec;
	else
		r->held = s;
}

/* Loads time bytes v (format b) as the time; invalid ones change nothing. */
static void time_load(struct vrtc *r, uint64_t now, uint8_t b, const uint8_t v[NR_TIME])
{
	struct date d;
	int64_t t;
	int w;

	if (!regs_to_time(b, v, &t, &w))
		return;
	date_from_unix(t, &d);
	r->wday_adj = w < 0 ? 0 : (uint8_t)((w - d.wday + 7) % 7);
	clock_set(r, now, t);
}

/* Whole 32.768 kHz ticks since the second began. */
static unsigned sub_ticks(const struct vrtc *r, uint64_t sub)
{
	return (unsigned)(sub * TICKS_PER_SEC / r->tsc_hz);
}

/* TSC ticks into a second at which tick n (0..32768) has passed: the
 * smallest sub with sub_ticks(sub) >= n. */
static uint64_t tick_tsc(const struct vrtc *r, unsigned n)
{
	return ((uint64_t)n * r->tsc_hz + TICKS_PER_SEC - 1) / TICKS_PER_SEC;
}

static bool uip(const struct vrtc *r, uint64_t now)
{
	return updating(r) && sub_ticks(r, clock_pos(r, now).sub) >= TICKS_PER_SEC - UIP_TICKS;
}

/* Periodic interrupt period in 32.768 kHz ticks (0: none), from the
 * "Periodic Interrupt Rate and Square-Wave Output Frequency" table: the
 * 32.768 kHz column has 256 and 128 Hz at RS = 1 and 2, the MHz time bases
 * 32768 and 16384 Hz there; elsewhere both are 65536 >> RS Hz. */
static unsigned period_ticks(const struct vrtc *r)
{
	unsigned a = r->ram[RTC_REG_A], rs = a & RTC_A_RS_MASK, ticks;

	if (!rs || !div_running(r))
		return 0;
	if ((a & RTC_A_DV_MASK) == RTC_A_DV_32KHZ && rs <= 2)
		ticks = 1u << (rs + 6);
	else
		ticks = 1u << (rs - 1);
	return MAX(ticks, TICKS_PER_SEC / VRTC_MAX_HZ);
}

/* ---- the alarm: "Interrupts", alarm bytes compared at each update ---- */

static int alarm_field(uint8_t b, uint8_t x, bool hour)
{
	int v;

	if ((x & RTC_ALARM_DONTCARE) == RTC_ALARM_DONTCARE)
		return ALARM_ANY;
	v = hour ? dec_hour(b, x) : dec(b, x);
	return v < 0 || v > 59 ? ALARM_NEVER : v;
}

/* The smallest value >= lo (and < lim) field f accepts, or -1. */
static int next_in(int f, int lo, int lim)
{
	if (f == ALARM_ANY)
		return lo < lim ? lo : -1;
	return f >= lo ? f : -1;
}

/* The first second >= from whose time of day matches the alarm, or
 * NO_ALARM. Every day has 86400 seconds (no leap seconds), so the time of
 * day is from mod 86400; a match, if any, lies within the current hour and
 * the 24 after it. */
static int64_t alarm_next(const struct vrtc *r, int64_t from)
{
	uint8_t b = r->ram[RTC_REG_B];
	int h = alarm_field(b, r->ram[RTC_HOURS_ALARM], true);
	int m = alarm_field(b, r->ram[RTC_MINUTES_ALARM], false);
	int s = alarm_field(b, r->ram[RTC_SECONDS_ALARM], false);
	int64_t tod = from % 86400, hour0;
	int m0, s0;

	if (h == ALARM_NEVER || m == ALARM_NEVER || s == ALARM_NEVER)
		return NO_ALARM;
	if (tod < 0)
		tod += 86400;
	hour0 = from - tod % 3600;	/* start of the current hour */
	m0 = (int)(tod / 60 % 60);
	s0 = (int)(tod % 60);
	for (int i = 0; i < 25; i++) {
		int mm, ss;

		if (h != ALARM_ANY && h != (int)((tod / 3600 + i) % 24))
			continue;
		mm = next_in(m, i ? 0 : m0, 60);
		if (mm < 0)
			continue;
		ss = next_in(s, !i && mm == m0 ? s0 : 0, 60);
		if (ss < 0) {	/* this minute's seconds are gone: the next minute */
			mm = next_in(m, mm + 1, 60);
			if (mm < 0)
				continue;
			ss = next_in(s, 0, 60);
		}
		return hour0 + (int64_t)i * 3600 + mm * 60 + ss;
	}
	return NO_ALARM;
}

/* ---- flags, line, deadline ---- */

/* The flags events in (last, now] set. PF at every periodic boundary
 * whether or not PIE is set; UF and AF at updates (none while SET). */
static uint8_t flags_due(const struct vrtc *r, uint64_t now)
{
	unsigned per = period_ticks(r);
	struct pos p0, p1;
	uint8_t f = 0;

	if (now <= r->last || !div_running(r))
		return 0;
	p0 = clock_pos(r, r->last);
	p1 = clock_pos(r, now);
	/* boundaries are phase-locked to the update, so a new second means one */
	if (per && (p1.sec != p0.sec ||
		    sub_ticks(r, p1.sub) / per != sub_ticks(r, p0.sub) / per))
		f |= RTC_C_PF;
	if (!(r->ram[RTC_REG_B] & RTC_B_SET) && p1.sec != p0.sec) {
		f |= RTC_C_UF;
		if (alarm_next(r, p0.sec + 1) <= p1.sec)
			f |= RTC_C_AF;
	}
	return f;
}

/* Brings the flags up to now (never before the last call: two vCPUs may
 * hand in TSCs a little out of order) and returns the now to use. */
static uint64_t sync(struct vrtc *r, uint64_t now)
{
	now = MAX(now, r->last);
	r->ram[RTC_REG_C] |= flags_due(r, now);
	if (div_running(r)) {	/* sec_tsc to the last update: small numbers */
		uint64_t k = (now - r->sec_tsc) / r->tsc_hz;

		r->sec_tsc += k * r->tsc_hz;
		r->sec_base += (int64_t)k;
	}
	r->last = now;
	return now;
}

/* PF, AF, UF sit at the bit positions of PIE, AIE, UIE: IRQF in one AND. */
static uint8_t irqf(const struct vrtc *r, uint8_t c)
{
	return c & r->ram[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF) ? RTC_C_IRQF : 0;
}

static void irq_update(struct vrtc *r)
{
	bool level = irqf(r, r->ram[RTC_REG_C]);

	if (level && !r->irq_high)
		r->irqs++;
	r->irq_high = level;
	if (r->bus)
		bus_irq_set(r->bus, r->irq, level);
}

/* The next event after `last` that would raise IRQ8: an enabled kind whose
 * flag is clear (a set one holds the line high already). */
static void deadline_update(struct vrtc *r)
{
	uint8_t b = r->ram[RTC_REG_B], c = r->ram[RTC_REG_C];
	unsigned per = period_ticks(r);
	uint64_t dl = NO_DEADLINE, to_update;
	struct pos p;
	int64_t s;

	if (div_running(r)) {
		p = clock_pos(r, r->last);
		to_update = r->tsc_hz - p.sub;
		if ((b & RTC_B_PIE) && per && !(c & RTC_C_PF)) {
			unsigned next = (sub_ticks(r, p.sub) / per + 1) * per;	/* <= 32768 */

			dl = add_sat64(r->last, tick_tsc(r, next) - p.sub);
		}
		if (!(b & RTC_B_SET) && (b & RTC_B_UIE) && !(c & RTC_C_UF))
			dl = MIN(dl, add_sat64(r->last, to_update));
		if (!(b & RTC_B_SET) && (b & RTC_B_AIE) && !(c & RTC_C_AF)) {
			s = alarm_next(r, p.sec + 1);	/* at most two days on */
			if (s != NO_ALARM)
				dl = MIN(dl, add_sat64(r->last, to_update +
						     (uint64_t)(s - p.sec - 1) * r->tsc_hz));
		}
	}
	__atomic_store_n(&r->deadline, dl, __ATOMIC_RELAXED);
}

/* ---- registers ---- */

static void write_a(struct vrtc *r, uint64_t now, uint8_t v)
{
	bool was = div_running(r);
	int64_t t = clock_now(r, now);

	r->ram[RTC_REG_A] = v & ~RTC_A_UIP;
	if (was && !div_running(r)) {
		r->held = t;
	} else if (!was && div_running(r)) {
		/* "Divider Configurations": the first update comes half a
		 * second after the release, so this second began half a
		 * second ago (mod 2^64: now may be below that). */
		r->sec_base = r->held;
		r->sec_tsc = now - (r->tsc_hz - r->tsc_hz / 2);
	}
}

static void write_b(struct vrtc *r, uint64_t now, uint8_t v)
{
	uint8_t old = r->ram[RTC_REG_B], regs[NR_TIME];

	if (v & RTC_B_SET)
		v &= ~RTC_B_UIE;
	if ((v & RTC_B_SET) && !(old & RTC_B_SET)) {
		/* the counters stop as bytes in the format they were kept in */
		regs_from_time(r, old, clock_now(r, now), regs);
		for (int i = 0; i < NR_TIME; i++)
			r->ram[time_index[i]] = regs[i];
	}
	r->ram[RTC_REG_B] = v;
	if ((old & RTC_B_SET) && !(v & RTC_B_SET)) {
		for (int i = 0; i < NR_TIME; i++)
			regs[i] = r->ram[time_index[i]];
		time_load(r, now, v, regs);
	}
}

static void write_reg(struct vrtc *r, uint64_t now, unsigned i, uint8_t v)
{
	uint8_t b = r->ram[RTC_REG_B], regs[NR_TIME];
	int slot = time_slot(i);

	if (slot >= 0 && !(b & RTC_B_SET)) {
		regs_from_time(r, b, clock_now(r, now), regs);
		regs[slot] = v;
		time_load(r, now, b, regs);
		return;
	}
	switch (i) {
	case RTC_REG_A:
		write_a(r, now, v);
		break;
	case RTC_REG_B:
		write_b(r, now, v);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;	/* read-only */
	default:
		r->ram[i] = v;	/* alarm bytes, time bytes while SET, CMOS RAM */
	}
}

static uint8_t read_reg(struct vrtc *r, uint64_t now, unsigned i)
{
	uint8_t b = r->ram[RTC_REG_B], regs[NR_TIME], v;
	int slot = time_slot(i);

	if (slot >= 0 && !(b & RTC_B_SET)) {
		regs_from_time(r, b, clock_now(r, now), regs);
		return regs[slot];
	}
	switch (i) {
	case RTC_REG_A:
		return r->ram[RTC_REG_A] | (uip(r, now) ? RTC_A_UIP : 0);
	case RTC_REG_C:
		v = r->ram[RTC_REG_C] | irqf(r, r->ram[RTC_REG_C]);
		r->ram[RTC_REG_C] = 0;	/* "Register C": reading clears; IRQ8 drops */
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->ram[i];
	}
}

/* ---- CMOS RAM and entry points ---- */

static void put16(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void cmos_fill(struct vrtc *r, const struct vrtc_mem *mem)
{
	uint64_t below = mem ? mem->below_4g : 0, above = mem ? mem->above_4g : 0;
	uint64_t ext = below > MIB ? (below - MIB) / KIB : 0;
	uint64_t high = below > 16 * MIB ? (below - 16 * MIB) / (64 * KIB) : 0;
	uint64_t top = MIN(above / (64 * KIB), 0xffffff);
	unsigned sum = 0;

	r->ram[CMOS_EQUIPMENT] = CMOS_EQUIP_FPU;
	put16(r->ram + CMOS_BASE_MEM, 640);
	put16(r->ram + CMOS_EXT_MEM, MIN(ext, 0xffff));
	put16(r->ram + CMOS_EXT_MEM_POST, MIN(ext, 0xffff));
	put16(r->ram + CMOS_MEM_16M, MIN(high, 0xffff));
	put16(r->ram + CMOS_MEM_4G, top);
	r->ram[CMOS_MEM_4G + 2] = (uint8_t)(top >> 16);
	for (unsigned i = CMOS_FLOPPY; i < CMOS_CHECKSUM; i++)
		sum += r->ram[i];
	r->ram[CMOS_CHECKSUM] = (uint8_t)(sum >> 8);	/* big-endian, AT BIOS */
	r->ram[CMOS_CHECKSUM + 1] = (uint8_t)sum;
}

void vrtc_init(struct vrtc *r, struct bus *bus, unsigned irq, uint64_t tsc_khz, uint64_t now,
	       int64_t unix_time, const struct vrtc_mem *mem)
{
	memset(r, 0, sizeof(*r));
	r->bus = bus;
	r->irq = irq;
	r->tsc_khz = MIN(tsc_khz ? tsc_khz : DEFAULT_TSC_KHZ, MAX_TSC_KHZ);
	r->tsc_hz = r->tsc_khz * 1000;
	r->ram[RTC_REG_A] = RTC_A_DV_32KHZ | 6;	/* what PC firmware programs: 1024 Hz */
	r->ram[RTC_REG_B] = RTC_B_24H;
	cmos_fill(r, mem);
	unix_time = MAX(unix_time, UNIX_YEAR_0);
	r->sec_base = r->held = MIN(unix_time, UNIX_YEAR_10000 - 1);
	r->sec_tsc = r->last = now;
	irq_update(r);	/* nobody else sees r yet */
	deadline_update(r);
}

void vrtc_reset(struct vrtc *r, uint64_t now)
{
	spin_lock(&r->lock);
	sync(r, now);
	r->ram[RTC_REG_B] &= ~RESET_B_CLEARS;
	r->ram[RTC_REG_C] = 0;
	irq_update(r);
	deadline_update(r);
	spin_unlock(&r->lock);
}

int vrtc_attach(struct vrtc *r, struct bus *bus, char *err, size_t errlen)
{
	const struct bus_range range = {
		.space = BUS_PIO, .base = VRTC_PORT, .len = VRTC_PORTS, .name = "rtc",
		.access = vrtc_access, .dev = r,
	};

	return bus_register(bus, &range, err, errlen);
}

enum bus_status vrtc_access(void *dev, uint64_t offset, struct bus_req *req)
{
	struct vrtc *r = dev;
	uint64_t now;

	if (req->size != 1 || offset >= VRTC_PORTS)
		return BUS_UNASSIGNED;
	spin_lock(&r->lock);
	if (offset == 0) {
		if (req->write)
			r->index = req->val & RTC_INDEX_MASK;
		else
			req->val = 0xff;	/* write-only on PCs */
	} else {
		now = sync(r, req->now);
		if (req->write)
			write_reg(r, now, r->index, (uint8_t)req->val);
		else
			req->val = read_reg(r, now, r->index);
		irq_update(r);
		deadline_update(r);
	}
	spin_unlock(&r->lock);
	return BUS_OK;
}

uint64_t vrtc_deadline(const struct vrtc *r)
{
	return __atomic_load_n(&r->deadline, __ATOMIC_RELAXED);
}

void vrtc_advance(struct vrtc *r, uint64_t now)
{
	spin_lock(&r->lock);
	sync(r, now);
	irq_update(r);
	deadline_update(r);
	spin_unlock(&r->lock);
}

void vrtc_view(struct vrtc *r, uint64_t now, struct vrtc_view *out)
{
	uint8_t b, c, regs[NR_TIME];
	unsigned per;
	int64_t t, set_t;
	int w = -1;

	spin_lock(&r->lock);
	now = MAX(now, r->last);
	b = r->ram[RTC_REG_B];
	c = r->ram[RTC_REG_C] | flags_due(r, now);
	t = clock_now(r, now);
	if (b & RTC_B_SET) {
		for (int i = 0; i < NR_TIME; i++)
			regs[i] = r->ram[time_index[i]];
		if (regs_to_time(b, regs, &set_t, &w))
			t = set_t;
		else
			w = -1;
	}
	shown_date(r, t, &out->now);
	if (w > 0)
		out->now.wday = (uint8_t)w;
	per = period_ticks(r);
	out->a = r->ram[RTC_REG_A] | (uip(r, now) ? RTC_A_UIP : 0);
	out->b = b;
	out->c = c | irqf(r, c);
	out->d = RTC_D_VRT;
	out->periodic_hz = per ? TICKS_PER_SEC / per : 0;
	out->irqs = r->irqs;
	out->irq_high = r->irq_high;
	spin_unlock(&r->lock);
}
