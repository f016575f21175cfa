/* SPDX-License-Identifier: BSD-2-Clause */
/* The 8254 as functions of time, and port 0x61. See vpit.h for the
 * contract and the choices. A counter's counting element is a "run": the
 * run clock e at `now` is base + clocks(now - t0) while running, and the
 * count and OUT are closed forms in e, the run's initial count n and the
 * mode, so no work is proportional to elapsed time. Run clock 0 is the
 * data sheet's load CLK. */
#include "drivers/virt/vpit.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/muldiv.h"

#define NONE     UINT64_MAX
#define NS_PER_S 1000000000ull

/* PIT clocks in dt TSC ticks (floor): tsc_khz * 1000 * VPIT_HZ < 2^63. */
static uint64_t clocks(const struct vpit *p, uint64_t dt)
{
	return muldiv64(dt, VPIT_HZ, p->tsc_khz * 1000);
}

/* The fewest TSC ticks holding k clocks: the least dt with clocks(dt) >= k. */
static uint64_t clock_tsc(const struct vpit *p, uint64_t k)
{
	return muldiv64_up(k, p->tsc_khz * 1000, VPIT_HZ);
}

/* ---- one counter: format and value ---- */

static unsigned ch_access(const struct vpit_channel *c)
{
	return (c->ctrl >> PIT_CW_RW_SHIFT) & 3;
}

static bool ch_bcd(const struct vpit_channel *c)
{
	return c->ctrl & PIT_CW_BCD;
}

/* Where the count wraps: Figure 22's largest count. */
static uint32_t ch_modulus(const struct vpit_channel *c)
{
	return ch_bcd(c) ? 10000 : 65536;
}

/* The count register as a number: 0 is the largest count (Figure 22); a
 * BCD digit above 9 counts as 9, so the number stays four decades. */
static uint32_t cr_count(const struct vpit_channel *c)
{
	uint32_t v = c->cr, d = 0;

	if (ch_bcd(c)) {
		for (int s = 12; s >= 0; s -= 4)
			d = d * 10 + MIN((v >> s) & 0xf, 9u);
		v = d;
	}
	return v ? v : ch_modulus(c);
}

/* A number below the modulus in register format. */
static uint16_t to_reg(const struct vpit_channel *c, uint32_t v)
{
	if (!ch_bcd(c))
		return (uint16_t)v;
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
			  v % 10);
}

/* Modes 2, 3: clocks per period (count 1 is illegal: run as 2). */
static uint32_t ch_period(const struct vpit_channel *c)
{
	return MAX(c->n, 2u);
}

static uint64_t ch_clock(const struct vpit *p, const struct vpit_channel *c, uint64_t now)
{
	if (!c->running)
		return c->base;
	return c->base + clocks(p, now > c->t0 ? now - c->t0 : 0);
}

/* The CE as a number below the modulus (a full count of 65536 or 10000
 * reads as 0), per the Mode Definitions. */
static uint32_t ch_value(const struct vpit *p, const struct vpit_channel *c, uint64_t now)
{
	uint64_t e = ch_clock(p, c, now);
	uint32_t m = ch_modulus(c), per = ch_period(c), half = (per + 1) / 2, r, x;

	switch (c->mode) {
	case PIT_MODE_RATE:
		r = per - (uint32_t)(e % per);	/* n .. 1, reload at 1 -> n */
		break;
	case PIT_MODE_SQUARE:
		/* by two from n (even) or n - 1 (odd), high half first */
		r = (uint32_t)(e % per);
		x = r < half ? r : r - half;
		r = (per & ~1u) - 2 * x;
		break;
	default:	/* 0, 1, 4, 5: down from n, wrapping past TC */
		r = (c->n + m - (uint32_t)(e % m)) % m;
		break;
	}
	return r % m;
}

static uint16_t ch_read_ce(const struct vpit *p, const struct vpit_channel *c, uint64_t now)
{
	return c->loaded ? to_reg(c, ch_value(p, c, now)) : c->hold;
}

/* The OUT pin. Before a run the control word's level: low in mode 0, high
 * otherwise (modes 1, 5 waiting for a trigger included). */
static bool ch_out(const struct vpit *p, const struct vpit_channel *c, uint64_t now)
{
	uint64_t e;
	uint32_t per = ch_period(c);

	if (!c->loaded)
		return c->mode != PIT_MODE_TC;
	e = ch_clock(p, c, now);
	switch (c->mode) {
	case PIT_MODE_TC:
	case PIT_MODE_ONESHOT:
		return e >= c->n;	/* high from TC on */
	case PIT_MODE_RATE:
		/* low for the clock at count 1; gate low forces it high */
		return !c->running || e % per != per - 1;
	case PIT_MODE_SQUARE:
		return !c->running || e % per < (per + 1) / 2;
	default:
		return e != c->n;	/* 4, 5: low for one clock at TC */
	}
}

/* ---- one counter: state changes ---- */

/* Loads cr into the CE and starts counting (modes 1, 5 ignore the gate). */
static void ch_start(struct vpit_channel *c, uint64_t now)
{
	c->n = cr_count(c);
	c->t0 = now;
	c->base = 0;
	c->loaded = true;
	c->running = c->gate || c->mode == PIT_MODE_ONESHOT || c->mode == PIT_MODE_HW_STROBE;
	c->switch_e = NONE;
	c->null_count = false;
}

/* Modes 2, 3: a count written at run clock e loads at the end of the
 * current period (mode 2) or half-cycle (mode 3). */
static void ch_plan_switch(struct vpit_channel *c, uint64_t e)
{
	uint32_t per = ch_period(c), half = (per + 1) / 2;
	uint64_t start = e - e % per;

	c->switch_e = NONE;
	if (e > UINT64_MAX - 2 * (uint64_t)per)
		return;	/* a run of 2^64 clocks: never */
	c->switch_low = c->mode == PIT_MODE_SQUARE && e - start < half;
	c->switch_e = start + (c->switch_low ? half : per);
}

static uint64_t ch_switch_tsc(const struct vpit *p, const struct vpit_channel *c)
{
	return add_sat64(c->t0, clock_tsc(p, c->switch_e - c->base));
}

/* The planned load: a new run from run clock switch_e on. t0 stays and
 * base shifts (mod 2^64), so no rounding enters the new run's timeline. */
static void ch_switch(struct vpit_channel *c)
{
	c->base -= c->switch_e;
	c->n = cr_count(c);
	if (c->switch_low)
		c->base += (ch_period(c) + 1) / 2;
	c->switch_e = NONE;
	c->null_count = false;
}

/* Applies a planned load that is due by now: before every look at c. */
static void ch_sync(const struct vpit *p, struct vpit_channel *c, uint64_t now)
{
	if (c->switch_e != NONE && c->running && now >= ch_switch_tsc(p, c))
		ch_switch(c);
}

/* The CE stops and keeps its value for reads. */
static void ch_stop(const struct vpit *p, struct vpit_channel *c, uint64_t now)
{
	ch_sync(p, c, now);
	c->hold = ch_read_ce(p, c, now);
	c->loaded = c->running = false;
	c->switch_e = NONE;
}

/* TSC of c's first rising OUT edge strictly after `after` that comes from
 * counting, UINT64_MAX none. c must be synced at or before `after`. */
static uint64_t ch_next_rise(const struct vpit *p, const struct vpit_channel *c, uint64_t after)
{
	uint32_t per = ch_period(c);
	uint64_t e, k, t;

	if (!c->loaded || !c->running)
		return NONE;
	e = ch_clock(p, c, after);
	switch (c->mode) {
	case PIT_MODE_TC:
	case PIT_MODE_ONESHOT:
		k = c->n;
		break;
	case PIT_MODE_SW_STROBE:
	case PIT_MODE_HW_STROBE:
		k = (uint64_t)c->n + 1;	/* the clock after the strobe */
		break;
	default:
		if (e > UINT64_MAX - 2 * (uint64_t)per)
			return NONE;
		k = (e / per + 1) * per;	/* reload: OUT high again */
		if (c->switch_e != NONE && k > c->switch_e) {
			/* the edge belongs to the run the planned load starts:
			 * it has no edge at its start, so look from there */
			struct vpit_channel nc = *c;
			uint64_t ts = ch_switch_tsc(p, c);

			ch_switch(&nc);
			return ch_next_rise(p, &nc, MAX(ts, after));
		}
		break;
	}
	if (e >= k)
		return NONE;
	t = add_sat64(c->t0, clock_tsc(p, k - c->base));
	return t > after ? t : NONE;	/* not otherwise: only past 2^64 clocks */
}

static void ch_count_written(const struct vpit *p, struct vpit_channel *c, uint64_t now)
{
	c->armed = true;
	c->null_count = true;
	switch (c->mode) {
	case PIT_MODE_ONESHOT:
	case PIT_MODE_HW_STROBE:
		break;	/* the next trigger loads it */
	case PIT_MODE_RATE:
	case PIT_MODE_SQUARE:
		ch_sync(p, c, now);
		if (!c->loaded)
			ch_start(c, now);
		else if (c->running && c->switch_e == NONE)
			ch_plan_switch(c, ch_clock(p, c, now));
		break;	/* stopped by the gate: its rising edge loads it */
	default:
		ch_start(c, now);	/* 0, 4: counting goes on from the new count */
		break;
	}
}

static void ch_write(const struct vpit *p, struct vpit_channel *c, uint8_t v, uint64_t now)
{
	switch (ch_access(c)) {
	case PIT_RW_LSB:
		c->cr = v;
		break;
	case PIT_RW_MSB:
		c->cr = (uint16_t)(v << 8);
		break;
	case PIT_RW_WORD:
		if (!c->write_msb) {
			c->cr_lsb = v;
			c->write_msb = true;
			if (c->mode == PIT_MODE_TC && c->loaded)
				ch_stop(p, c, now);	/* Mode 0: counting stops, OUT low */
			return;
		}
		c->cr = (uint16_t)(c->cr_lsb | v << 8);
		c->write_msb = false;
		break;
	default:
		return;	/* unprogrammed */
	}
	ch_count_written(p, c, now);
}

static void ch_latch_count(const struct vpit *p, struct vpit_channel *c, uint64_t now)
{
	unsigned acc = ch_access(c);

	if (c->latch_left || acc == PIT_RW_LATCH)
		return;	/* latched and not read yet: ignored; unprogrammed */
	ch_sync(p, c, now);
	c->latch = ch_read_ce(p, c, now);
	c->latch_left = acc == PIT_RW_WORD ? 2 : 1;
}

static void ch_latch_status(const struct vpit *p, struct vpit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	ch_sync(p, c, now);
	c->status = (uint8_t)((ch_out(p, c, now) ? PIT_ST_OUT : 0) |
			      (c->null_count ? PIT_ST_NULL : 0) | c->ctrl);
	c->status_latched = true;
}

/* Status first, then a latched count, then the CE (Read Operations). */
static uint8_t ch_read(const struct vpit *p, struct vpit_channel *c, uint64_t now)
{
	unsigned acc = ch_access(c);
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		msb = acc == PIT_RW_MSB || (acc == PIT_RW_WORD && c->latch_left == 1);
		c->latch_left--;
		return (uint8_t)(msb ? c->latch >> 8 : c->latch);
	}
	if (acc == PIT_RW_LATCH)
		return 0;	/* unprogrammed */
	ch_sync(p, c, now);
	v = ch_read_ce(p, c, now);
	if (acc == PIT_RW_WORD) {
		msb = c->read_msb;
		c->read_msb = !msb;
	} else {
		msb = acc == PIT_RW_MSB;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

/* A control word for this counter (not a latch command). */
static void ch_program(const struct vpit *p, struct vpit_channel *c, uint8_t cw, uint64_t now)
{
	unsigned mode = (cw >> PIT_CW_MODE_SHIFT) & 7;

	ch_stop(p, c, now);	/* with the old format */
	c->ctrl = cw & PIT_ST_CW;
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);	/* X10, X11: 2, 3 */
	c->armed = false;
	c->null_count = true;
	c->write_msb = c->read_msb = false;
	c->latch_left = 0;
	c->status_latched = false;
}

/* Figure 21: gate low stops modes 0, 2, 3, 4 (2, 3: OUT high at once);
 * the rising edge resumes 0, 4 and triggers (reloads) 1, 2, 3, 5. */
static void ch_gate(const struct vpit *p, struct vpit_channel *c, bool level, uint64_t now)
{
	ch_sync(p, c, now);
	if (level == c->gate)
		return;
	c->gate = level;
	if (!level) {
		if (c->running && c->mode != PIT_MODE_ONESHOT && c->mode != PIT_MODE_HW_STROBE) {
			c->base = ch_clock(p, c, now);
			c->running = false;
			c->switch_e = NONE;
		}
		return;
	}
	if (c->mode == PIT_MODE_TC || c->mode == PIT_MODE_SW_STROBE) {
		if (c->loaded) {
			c->t0 = now;
			c->running = true;
		}
	} else if (c->armed) {
		ch_start(c, now);
	}
}

/* ---- IRQ0 ---- */

static void irq_set_next(struct vpit *p)
{
	uint64_t t = p->irq_edge == NONE ? NONE : MAX(p->irq_edge, p->irq_floor);

	__atomic_store_n(&p->next_irq, t, __ATOMIC_RELAXED);
}

/* After counter 0 may have changed: its next edge after now, unless one
 * already happened and waits for the floor (then that one stays owed). */
static void irq_rearm(struct vpit *p, uint64_t now)
{
	if (p->irq_edge > now) {
		ch_sync(p, &p->ch[0], now);
		p->irq_edge = ch_next_rise(p, &p->ch[0], now);
	}
	irq_set_next(p);
}

/* One pulse if due; every edge up to now collapses into it. */
static void irq_deliver(struct vpit *p, uint64_t now)
{
	if (p->next_irq > now)
		return;
	if (p->bus) {
		bus_irq_set(p->bus, p->irq, true);
		bus_irq_set(p->bus, p->irq, false);
	}
	p->irqs++;
	p->irq_floor = add_sat64(p->next_irq, p->min_tsc);
	p->irq_edge = NONE;
	irq_rearm(p, now);
}

/* ---- registers ---- */

static void write_control(struct vpit *p, uint8_t v, uint64_t now)
{
	unsigned sc = v >> PIT_CW_SC_SHIFT;

	if (sc == PIT_CW_SC_READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & PIT_RB_CNT(i)))
				continue;
			if (!(v & PIT_RB_NO_COUNT))
				ch_latch_count(p, &p->ch[i], now);
			if (!(v & PIT_RB_NO_STATUS))
				ch_latch_status(p, &p->ch[i], now);
		}
		return;
	}
	if (((v >> PIT_CW_RW_SHIFT) & 3) == PIT_RW_LATCH)
		ch_latch_count(p, &p->ch[sc], now);
	else
		ch_program(p, &p->ch[sc], v, now);
}

static uint8_t port61_read(struct vpit *p, uint64_t now)
{
	/* toggles = ns / 15085 = dt * 10^6 / (tsc_khz * 15085), reduced by 5 */
	uint64_t dt = now > p->epoch ? now - p->epoch : 0;
	uint64_t toggles = muldiv64(dt, 1000000 / 5, p->tsc_khz * (VPIT_REFRESH_NS / 5));

	_Static_assert(VPIT_REFRESH_NS % 5 == 0, "the reduction above");
	ch_sync(p, &p->ch[2], now);
	return (uint8_t)(p->port61 | (toggles & 1 ? PORT61_REFRESH : 0) |
			 (ch_out(p, &p->ch[2], now) ? PORT61_OUT2 : 0));
}

enum bus_status vpit_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vpit *p = dev;

	if (r->size != 1 || offset >= VPIT_PORTS)
		return BUS_UNASSIGNED;
	spin_lock(&p->lock);
	irq_deliver(p, r->now);
	if (offset == PIT_CONTROL) {
		if (r->write)
			write_control(p, (uint8_t)r->val, r->now);
		else
			r->val = 0xff;	/* write-only: 3-state */
	} else if (r->write) {
		ch_write(p, &p->ch[offset], (uint8_t)r->val, r->now);
	} else {
		r->val = ch_read(p, &p->ch[offset], r->now);
	}
	if (r->write)
		irq_rearm(p, r->now);	/* counter 0 may have changed */
	spin_unlock(&p->lock);
	return BUS_OK;
}

enum bus_status vpit_port61_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vpit *p = dev;

	if (r->size != 1 || offset != 0)
		return BUS_UNASSIGNED;
	spin_lock(&p->lock);
	irq_deliver(p, r->now);
	if (r->write) {
		p->port61 = (uint8_t)(r->val & PORT61_RW);
		ch_gate(p, &p->ch[2], r->val & PORT61_GATE2, r->now);
	} else {
		r->val = port61_read(p, r->now);
	}
	spin_unlock(&p->lock);
	return BUS_OK;
}

/* ---- lifecycle ---- */

static void reset_locked(struct vpit *p, uint64_t now)
{
	memset(p->ch, 0, sizeof(p->ch));
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].gate = i != 2;	/* 0, 1 tied high; 2 from port 0x61 = 0 */
		p->ch[i].null_count = true;
		p->ch[i].switch_e = NONE;
	}
	p->port61 = 0;
	p->epoch = now;
	p->irq_edge = NONE;
	irq_set_next(p);
}

void vpit_init(struct vpit *p, struct bus *bus, unsigned irq, uint64_t tsc_khz, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->bus = bus;
	p->irq = irq;
	p->tsc_khz = tsc_khz ? MIN(tsc_khz, VPIT_TSC_KHZ_MAX) : 1000000;
	p->min_tsc = muldiv64_up(VPIT_MIN_PERIOD_NS, p->tsc_khz, 1000000);
	reset_locked(p, now);	/* nobody else sees p yet */
}

void vpit_reset(struct vpit *p, uint64_t now)
{
	spin_lock(&p->lock);
	reset_locked(p, now);
	spin_unlock(&p->lock);
}

int vpit_attach(struct vpit *p, struct bus *bus, char *err, size_t errlen)
{
	const struct bus_range pit = {
		.space = BUS_PIO, .base = VPIT_PORT, .len = VPIT_PORTS, .name = "pit",
		.access = vpit_access, .dev = p,
	};
	const struct bus_range port61 = {
		.space = BUS_PIO, .base = VPIT_PORT61, .len = 1, .name = "port61",
		.access = vpit_port61_access, .dev = p,
	};

	if (bus_register(bus, &pit, err, errlen))
		return -1;
	return bus_register(bus, &port61, err, errlen);
}

uint64_t vpit_deadline(const struct vpit *p)
{
	return __atomic_load_n(&p->next_irq, __ATOMIC_RELAXED);
}

void vpit_advance(struct vpit *p, uint64_t now)
{
	spin_lock(&p->lock);
	irq_deliver(p, now);
	spin_unlock(&p->lock);
}

/* Counter 0's interrupt period in ns: OUT0's, or the least multiple of it
 * reaching VPIT_MIN_PERIOD_NS (pulses wait for the first edge after the
 * floor). */
static uint64_t irq_period_ns(const struct vpit_channel *c)
{
	uint64_t ns;

	if (!c->loaded || (c->mode != PIT_MODE_RATE && c->mode != PIT_MODE_SQUARE))
		return 0;
	ns = muldiv64(ch_period(c), NS_PER_S, VPIT_HZ);
	if (ns && ns < VPIT_MIN_PERIOD_NS)
		ns *= (VPIT_MIN_PERIOD_NS + ns - 1) / ns;
	return ns;
}

void vpit_view(struct vpit *p, uint64_t now, struct vpit_view *out)
{
	memset(out, 0, sizeof(*out));
	spin_lock(&p->lock);
	for (unsigned i = 0; i < 3; i++) {
		struct vpit_channel *c = &p->ch[i];

		ch_sync(p, c, now);
		out->ch[i].mode = c->mode;
		out->ch[i].access = (uint8_t)ch_access(c);
		out->ch[i].bcd = ch_bcd(c);
		out->ch[i].reload = c->armed ? cr_count(c) : 0;
		out->ch[i].count = ch_read_ce(p, c, now);
		out->ch[i].out = ch_out(p, c, now);
		out->ch[i].gate = c->gate;
		out->ch[i].counting = c->loaded && c->running;
	}
	out->port61 = port61_read(p, now);
	out->irqs = p->irqs;
	out->period_ns = irq_period_ns(&p->ch[0]);
	spin_unlock(&p->lock);
}
