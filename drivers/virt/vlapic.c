/* SPDX-License-Identifier: BSD-2-Clause */
/* A local APIC for the guest: registers, priorities, IPIs, the local
 * vector table and the timer, per Intel SDM Vol.3 ch.10 and AMD APM Vol.2
 * ch.16. The choices the manuals leave open are listed in vlapic.h. */
#include "drivers/virt/vlapic.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/muldiv.h"

/* Published fields: stored by the owner, loaded by anyone. Relaxed is
 * enough: routing reads a snapshot that may be stale by the time the
 * interrupt arrives, exactly as on a real bus. */
#define LD(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define NO_DEADLINE UINT64_MAX

/* Writable bits per LVT (SDM Figure 10-8). Delivery status (12) and remote
 * IRR (14) are read-only: accepted in writes, never stored from them. */
#define LVT_BASE    (APIC_VECTOR_MASK | APIC_LVT_MASKED)
#define LVT_DM      (7u << APIC_DM_SHIFT)
#define LVT_RO      (APIC_DELIV_STATUS | APIC_REMOTE_IRR)
#define LVT_LINT_W  (LVT_BASE | LVT_DM | APIC_POLARITY_LOW | APIC_TRIGGER_LEVEL)
#define LVT_TMODE   (3u << APIC_TIMER_MODE_SHIFT)

/* ICR low: vector, mode, dest mode, level, trigger, shorthand (SDM Figure
 * 10-12). Bits 12 (delivery status) is read-only in xAPIC and dropped
 * from x2APIC, accepted in writes as KVM does. */
#define ICR_W       0x000ccfffu
#define ICR_IGNORED APIC_DELIV_STATUS

#define SVR_W       (0xffu | APIC_SVR_ENABLE | APIC_SVR_FOCUS)	/* no EOI suppression (12) */
#define TDCR_W      0xbu					/* bits 0, 1, 3 */

/* ---- small helpers ---- */

static bool x2(const struct vlapic *l)
{
	return LD(l->base) & VLAPIC_BASE_EXTD;
}

static bool hw_on(const struct vlapic *l)
{
	return LD(l->base) & VLAPIC_BASE_EN;
}

static bool sw_on(const struct vlapic *l)
{
	return LD(l->svr) & APIC_SVR_ENABLE;
}

static uint32_t x2apic_ldr(uint32_t id)
{
	/* SDM 10.12.10.2: cluster ID = x2APIC ID[19:4], bit = ID[3:0] */
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static bool vec_test(const uint32_t *v, unsigned vector)
{
	return __atomic_load_n(&v[vector / 32], __ATOMIC_ACQUIRE) & (1u << (vector % 32));
}

/* Highest set vector in a 256-bit register, or -1. */
static int vec_highest(const uint32_t *v)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = __atomic_load_n(&v[i], __ATOMIC_ACQUIRE);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* SDM 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
static uint32_t compute_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

static void update_ppr(struct vlapic *l)
{
	ST(l->ppr, compute_ppr(l));
}

/* Arbitration priority (P6-family definition, SDM 10.8.3.1 of older
 * editions; APM 16.6.1): TPR when it is at least the highest IRR class and
 * above the highest ISR class, else the highest of the three classes. */
static uint32_t compute_apr(const struct vlapic *l)
{
	int irrv = vec_highest(l->irr), isrv = vec_highest(l->isr);
	uint32_t t = l->tpr >> 4, ir = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
	uint32_t is = isrv < 0 ? 0 : (uint32_t)isrv >> 4;

	if (t >= ir && t > is)
		return l->tpr;
	return MAX(t, MAX(ir, is)) << 4;
}

static uint32_t lvt_writable(const struct vlapic *l, unsigned i)
{
	switch (i) {
	case VLAPIC_LVT_TIMER:
		/* bit 18 (TSC-deadline) exists only when offered (SDM 10.5.4.1) */
		return LVT_BASE | (l->tsc_deadline_ok ? LVT_TMODE : 1u << APIC_TIMER_MODE_SHIFT);
	case VLAPIC_LVT_THERMAL:
	case VLAPIC_LVT_PERF:
		return LVT_BASE | LVT_DM;
	case VLAPIC_LVT_LINT0:
	case VLAPIC_LVT_LINT1:
		return LVT_LINT_W;
	default:
		return LVT_BASE;
	}
}

static unsigned timer_mode(const struct vlapic *l)
{
	return (l->lvt[VLAPIC_LVT_TIMER] >> APIC_TIMER_MODE_SHIFT) & 3;
}

/* TDCR bits 3,1:0 -> divide by 2, 4, 8, 16, 32, 64, 128, 1 (SDM Figure 10-10). */
static uint64_t timer_divisor(const struct vlapic *l)
{
	unsigned v = (l->timer_div & 3) | ((l->timer_div >> 1) & 4);

	return v == 7 ? 1 : 2u << v;
}

static uint64_t cycles_to_tsc(const struct vlapic *l, uint64_t cycles)
{
	return muldiv64_up(cycles, l->tsc_khz, VLAPIC_BUS_KHZ);
}

static uint64_t tsc_to_cycles(const struct vlapic *l, uint64_t ticks)
{
	return muldiv64_up(ticks, VLAPIC_BUS_KHZ, l->tsc_khz);
}

/* TSC ticks of one period: init * divisor bus cycles, at least 1 tick, and
 * in periodic mode at least VLAPIC_MIN_PERIOD_NS so a guest cannot make
 * its core take an exit every few nanoseconds forever. */
static uint64_t timer_period(const struct vlapic *l, bool periodic)
{
	uint64_t p = cycles_to_tsc(l, (uint64_t)l->timer_init * timer_divisor(l));

	if (periodic)
		p = MAX(p, muldiv64_up(VLAPIC_MIN_PERIOD_NS, l->tsc_khz, 1000000));
	return MAX(p, 1);
}

/* TMCCT at now in one-shot/periodic mode: the time left to the deadline
 * in counts, rounded up, never above the initial count. */
static uint32_t timer_current(const struct vlapic *l, uint64_t now)
{
	uint64_t left, counts;
	unsigned mode = timer_mode(l);

	if (l->deadline == NO_DEADLINE || mode > VLAPIC_TIMER_PERIODIC)
		return 0;
	if (now >= l->deadline) {
		if (mode != VLAPIC_TIMER_PERIODIC)
			return 0;
		/* expiry not processed yet: where the reloaded count is now */
		left = l->period - (now - l->deadline) % l->period;
	} else {
		left = l->deadline - now;
	}
	counts = tsc_to_cycles(l, left);
	counts = counts / timer_divisor(l) + (counts % timer_divisor(l) != 0);
	return (uint32_t)MIN(counts, (uint64_t)l->timer_init);
}

static void timer_stop(struct vlapic *l)
{
	l->deadline = NO_DEADLINE;
	l->tsc_deadline = 0;
}

/* ---- errors and local delivery (owner) ---- */

static bool set_irr(struct vlapic *l, uint8_t vector, bool level);

/* SDM 10.5.3: an error is logged in the ESR's pending copy and raises the
 * error LVT. An error vector below 16 logs receive-illegal without a
 * second interrupt, so this cannot recurse. */
static void error(struct vlapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[VLAPIC_LVT_ERROR];

	l->esr_pend |= bits;
	if (lvt & APIC_LVT_MASKED)
		return;
	if ((lvt & APIC_VECTOR_MASK) < 16)
		l->esr_pend |= APIC_ESR_RECV_ILLEGAL;
	else
		set_irr(l, (uint8_t)lvt, false);
}

/* Errors remote senders found (an illegal vector delivered to us). */
static void fold_remote(struct vlapic *l)
{
	uint32_t e;

	if (!__atomic_load_n(&l->esr_remote, __ATOMIC_RELAXED))
		return;
	e = __atomic_exchange_n(&l->esr_remote, 0, __ATOMIC_ACQ_REL);
	if (e)
		error(l, e);
}

/* Accepts a fixed interrupt into IRR. SDM 10.8.4: TMR set for level,
 * cleared for edge, before IRR so an owner that sees IRR sees TMR. */
static bool set_irr(struct vlapic *l, uint8_t vector, bool level)
{
	uint32_t bit = 1u << (vector % 32), old;

	if (level)
		__atomic_fetch_or(&l->tmr[vector / 32], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&l->tmr[vector / 32], ~bit, __ATOMIC_RELEASE);
	old = __atomic_fetch_or(&l->irr[vector / 32], bit, __ATOMIC_SEQ_CST);
	__atomic_store_n(&l->irr_any, 1, __ATOMIC_SEQ_CST);	/* after the bit: see irr_scan */
	__atomic_fetch_add(&l->counts[vector], 1, __ATOMIC_RELAXED);
	return !(old & bit);
}

/* A locally generated fixed interrupt (LVT, self IPI): SDM 10.5.3, an
 * illegal vector is a receive error and never reaches IRR. */
static void local_fixed(struct vlapic *l, uint8_t vector, bool level)
{
	if (vector < 16)
		error(l, APIC_ESR_RECV_ILLEGAL);
	else if (sw_on(l))
		set_irr(l, vector, level);
}

static void pend(struct vlapic *l, uint32_t flags)
{
	__atomic_fetch_or(&l->pending, flags, __ATOMIC_SEQ_CST);
}

/* ---- LINT0/LINT1 ---- */

static bool lint_asserted(const struct vlapic *l, unsigned pin)
{
	return l->lint_in[pin] != !!(l->lvt[VLAPIC_LVT_LINT0 + pin] & APIC_POLARITY_LOW);
}

/* Delivers what the pin's level asks for. edge: it just became asserted.
 * SDM 10.5.1: NMI, SMI and INIT are edge-sensitive, ExtINT level-sensitive,
 * fixed per the trigger bit (LINT1 edge only). A level-triggered fixed
 * LINT sets remote IRR until the EOI of its vector. */
static void lint_eval(struct vlapic *l, unsigned pin, bool edge)
{
	uint32_t *lvt = &l->lvt[VLAPIC_LVT_LINT0 + pin];
	bool on = lint_asserted(l, pin);

	if (!on && ((*lvt >> APIC_DM_SHIFT) & 7) == VLAPIC_DM_EXTINT && pin == 0)
		__atomic_fetch_and(&l->pending, ~VLAPIC_PEND_EXTINT, __ATOMIC_SEQ_CST);
	if (!on || (*lvt & APIC_LVT_MASKED))
		return;
	switch ((*lvt >> APIC_DM_SHIFT) & 7) {
	case VLAPIC_DM_FIXED:
		if (pin == 0 && (*lvt & APIC_TRIGGER_LEVEL)) {
			if (!(*lvt & APIC_REMOTE_IRR)) {
				if ((*lvt & APIC_VECTOR_MASK) >= 16 && sw_on(l))
					*lvt |= APIC_REMOTE_IRR;
				local_fixed(l, (uint8_t)*lvt, true);
			}
		} else if (edge) {
			local_fixed(l, (uint8_t)*lvt, false);
		}
		break;
	case VLAPIC_DM_NMI:
		if (edge)
			pend(l, VLAPIC_PEND_NMI);
		break;
	case VLAPIC_DM_INIT:
		if (edge)
			pend(l, VLAPIC_PEND_INIT);
		break;
	case VLAPIC_DM_EXTINT:
		pend(l, VLAPIC_PEND_EXTINT);
		break;
	default:	/* SMI (not modelled) and reserved encodings */
		break;
	}
}

void vlapic_lint(struct vlapic *l, unsigned pin, bool level)
{
	bool was;

	if (pin > 1)
		return;
	fold_remote(l);
	if (!hw_on(l)) {
		/* SDM 10.4.3: a disabled APIC passes LINT0/1 as INTR and NMI */
		bool rise = level && !l->lint_in[pin];

		l->lint_in[pin] = level;
		if (pin == 0 && level)
			pend(l, VLAPIC_PEND_EXTINT);
		else if (pin == 0)
			__atomic_fetch_and(&l->pending, ~VLAPIC_PEND_EXTINT, __ATOMIC_SEQ_CST);
		else if (rise)
			pend(l, VLAPIC_PEND_NMI);
		return;
	}
	was = lint_asserted(l, pin);
	l->lint_in[pin] = level;
	lint_eval(l, pin, !was && lint_asserted(l, pin));
}

/* ---- reset ---- */

/* SDM 10.4.7.3 (INIT) and 10.4.7.1 (power-up): everything but the ID and
 * APIC_BASE. LDR is 0 in xAPIC mode and stays derived in x2APIC mode. */
static void reset_regs(struct vlapic *l)
{
	for (int i = 0; i < 8; i++) {
		__atomic_store_n(&l->irr[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&l->tmr[i], 0, __ATOMIC_RELAXED);
		l->isr[i] = 0;
	}
	__atomic_store_n(&l->irr_any, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->esr_remote, 0, __ATOMIC_RELAXED);
	l->tpr = 0;
	l->esr = l->esr_pend = 0;
	l->icr_lo = l->icr_hi = 0;
	ST(l->ldr, x2(l) ? x2apic_ldr(LD(l->id)) : 0);
	ST(l->dfr, APIC_DFR_FLAT);
	ST(l->svr, 0xffu);
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		l->lvt[i] = APIC_LVT_MASKED;
	l->timer_init = l->timer_div = 0;
	l->period = 1;
	timer_stop(l);
	update_ppr(l);
}

void vlapic_init(struct vlapic *l, uint32_t apic_id, bool bsp, uint64_t tsc_khz, bool tsc_deadline)
{
	memset(l, 0, sizeof(*l));
	/* 0 would divide by zero; above 2^32 kHz muldiv_up could overflow */
	l->tsc_khz = tsc_khz == 0 ? VLAPIC_BUS_KHZ : MIN(tsc_khz, 1ull << 32);
	l->tsc_deadline_ok = tsc_deadline;
	l->bsp = bsp;
	l->init_id = apic_id;
	ST(l->id, apic_id & 0xff);
	ST(l->base, VLAPIC_BASE | VLAPIC_BASE_EN | (bsp ? VLAPIC_BASE_BSP : 0));
	reset_regs(l);
}

void vlapic_set_base(struct vlapic *l, uint64_t v)
{
	uint64_t old = LD(l->base);
	bool was_on = old & VLAPIC_BASE_EN, on = v & VLAPIC_BASE_EN;
	bool was_x2 = was_on && (old & VLAPIC_BASE_EXTD), to_x2 = on && (v & VLAPIC_BASE_EXTD);

	fold_remote(l);
	v &= VLAPIC_BASE_ADDR_MASK | VLAPIC_BASE_EN | (on ? VLAPIC_BASE_EXTD : 0);
	v |= l->bsp ? VLAPIC_BASE_BSP : 0;
	if (!on || (was_x2 && !to_x2)) {
		/* SDM 10.4.3: disabling resets all but the ID; x2APIC -> xAPIC
		 * is only legal through disabled, so do the same if handed it */
		ST(l->base, v & ~VLAPIC_BASE_EXTD);
		reset_regs(l);
		__atomic_fetch_and(&l->pending, ~VLAPIC_PEND_EXTINT, __ATOMIC_SEQ_CST);
		if (was_x2)
			ST(l->id, LD(l->id) & 0xff);
		if (!on)
			return;
	}
	if (to_x2 && !was_x2) {
		/* SDM 10.12.5.1: the x2APIC ID is the initial APIC ID */
		ST(l->id, l->init_id);
		ST(l->ldr, x2apic_ldr(l->init_id));
	}
	ST(l->base, v);
}

uint64_t vlapic_base(const struct vlapic *l)
{
	return LD(l->base);
}

bool vlapic_x2apic(const struct vlapic *l)
{
	return hw_on(l) && x2(l);
}

bool vlapic_hw_enabled(const struct vlapic *l)
{
	return hw_on(l);
}

bool vlapic_sw_enabled(const struct vlapic *l)
{
	return sw_on(l);
}

/* ---- EOI, ICR ---- */

static void do_eoi(struct vlapic *l, struct vlapic_out *out)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;	/* SDM 10.8.5: an EOI with nothing in service is ignored */
	l->isr[v / 32] &= ~(1u << (v % 32));
	update_ppr(l);
	if (!vec_test(l->tmr, (unsigned)v))
		return;
	/* level-triggered: the IOAPIC hears the EOI (no directed EOI) */
	out->eoi_vector = v;
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &l->lvt[VLAPIC_LVT_LINT0 + pin];

		if ((*lvt & APIC_REMOTE_IRR) && (*lvt & APIC_VECTOR_MASK) == (uint32_t)v) {
			*lvt &= ~APIC_REMOTE_IRR;
			lint_eval(l, pin, false);	/* still asserted: again */
		}
	}
}

bool vlapic_eoi_edge(struct vlapic *l)
{
	int v = vec_highest(l->isr);

	if (v >= 0 && vec_test(l->tmr, (unsigned)v))
		return false;	/* level-triggered: the caller's full path */
	if (v >= 0) {
		l->isr[v / 32] &= ~(1u << (v % 32));
		update_ppr(l);
	}
	return true;
}

/* An ICR write (SDM 10.6.1): builds the message for the caller to route.
 * Delivery status stays idle: the message is "sent" at once. */
static void send_ipi(struct vlapic *l, struct vlapic_out *out)
{
	struct vlapic_msg m = {
		.dest = x2(l) ? l->icr_hi : l->icr_hi >> 24,
		.vector = (uint8_t)l->icr_lo,
		.mode = (l->icr_lo >> APIC_DM_SHIFT) & 7,
		.shorthand = (l->icr_lo >> APIC_SH_SHIFT) & 3,
		.logical = l->icr_lo & APIC_DEST_LOGICAL,
		.level = l->icr_lo & APIC_TRIGGER_LEVEL,
		.assert_ = true,	/* the one de-assert message is dropped below */
	};

	switch (m.mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		if (m.vector < 16) {
			error(l, APIC_ESR_SEND_ILLEGAL);
			return;
		}
		break;
	case VLAPIC_DM_INIT:
		/* INIT level de-assert: no effect on current CPUs (SDM 10.6.1) */
		if (m.level && !(l->icr_lo & APIC_LEVEL_ASSERT))
			return;
		break;
	case VLAPIC_DM_NMI:
	case VLAPIC_DM_STARTUP:
		break;
	default:	/* SMI is not modelled; 3 and 7 are reserved for IPIs */
		return;
	}
	if (m.shorthand == VLAPIC_SH_SELF) {
		/* SDM Table 10-3: "self" is valid with fixed mode only */
		if (m.mode != VLAPIC_DM_FIXED)
			return;
		m.dest = LD(l->id);
		local_fixed(l, m.vector, m.level);
	}
	out->send = true;
	out->msg = m;
}

static void self_ipi(struct vlapic *l, uint8_t vector, struct vlapic_out *out)
{
	if (vector < 16) {
		error(l, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	local_fixed(l, vector, false);
	out->send = true;
	out->msg = (struct vlapic_msg){ .dest = LD(l->id), .vector = vector,
					.mode = VLAPIC_DM_FIXED, .shorthand = VLAPIC_SH_SELF,
					.assert_ = true };
}

/* ---- timer registers ---- */

static void write_lvt_timer(struct vlapic *l, uint32_t v, struct vlapic_out *out)
{
	unsigned old = timer_mode(l), mode;

	l->lvt[VLAPIC_LVT_TIMER] = v;
	mode = timer_mode(l);
	if (mode == old)
		return;
	out->timer_changed = true;
	if (old == VLAPIC_TIMER_TSC_DEADLINE || mode >= VLAPIC_TIMER_TSC_DEADLINE) {
		/* SDM 10.5.4.1: switching to or from TSC-deadline mode disarms
		 * the timer; the count mode starts from a cleared count */
		timer_stop(l);
		l->timer_init = 0;
		return;
	}
	/* one-shot <-> periodic: the count runs on; the reload follows the
	 * new mode (as KVM) */
	l->period = timer_period(l, mode == VLAPIC_TIMER_PERIODIC);
}

static void write_tmict(struct vlapic *l, uint32_t v, uint64_t now, struct vlapic_out *out)
{
	unsigned mode = timer_mode(l);

	if (mode == VLAPIC_TIMER_TSC_DEADLINE)
		return;	/* SDM 10.5.4.1: ignored in TSC-deadline mode */
	l->timer_init = v;
	out->timer_changed = true;
	if (v == 0 || mode == VLAPIC_TIMER_RESERVED) {
		l->deadline = NO_DEADLINE;	/* a zero count stops the timer */
		return;
	}
	l->period = timer_period(l, mode == VLAPIC_TIMER_PERIODIC);
	l->deadline = add_sat64(now, mode == VLAPIC_TIMER_PERIODIC ? l->period
						: timer_period(l, false));
}

/* A divide change while counting keeps the current count and runs the rest
 * at the new rate (the SDM does not say; hardware applies it on the next
 * tick). A due expiry stays due. */
static void write_tdcr(struct vlapic *l, uint32_t v, uint64_t now, struct vlapic_out *out)
{
	unsigned mode = timer_mode(l);
	uint32_t cur = timer_current(l, now);

	l->timer_div = v & TDCR_W;
	if (mode > VLAPIC_TIMER_PERIODIC || l->deadline == NO_DEADLINE)
		return;
	out->timer_changed = true;
	l->period = timer_period(l, mode == VLAPIC_TIMER_PERIODIC);
	if (now >= l->deadline)
		return;
	l->deadline = add_sat64(now, MAX(cycles_to_tsc(l, (uint64_t)cur * timer_divisor(l)), 1));
}

/* ---- register file ---- */

enum reg_result { R_OK, R_NONE /* not implemented */, R_WO /* write-only */, R_RO, R_RSVD };

static bool reg_in_vec(unsigned off, unsigned base)
{
	return off >= base && off < base + 0x80;
}

/* Register at off (16-byte aligned) as the mode sees it; ICR is 64 bits in
 * x2APIC mode. */
static enum reg_result reg_read(struct vlapic *l, unsigned off, uint64_t now, uint64_t *val)
{
	bool x = x2(l);

	*val = 0;
	if (reg_in_vec(off, APIC_ISR)) {
		*val = l->isr[(off - APIC_ISR) / 16];
		return R_OK;
	}
	if (reg_in_vec(off, APIC_TMR) || reg_in_vec(off, APIC_IRR)) {
		const uint32_t *v = reg_in_vec(off, APIC_TMR) ? l->tmr : l->irr;

		*val = __atomic_load_n(&v[(off & 0x7f) / 16], __ATOMIC_ACQUIRE);
		return R_OK;
	}
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
		*val = l->lvt[(off - APIC_LVT_TIMER) / 16];
		return R_OK;
	}
	switch (off) {
	case APIC_ID:
		*val = x ? LD(l->id) : LD(l->id) << 24;
		return R_OK;
	case APIC_VER:
		*val = VLAPIC_VERSION;
		return R_OK;
	case APIC_TPR:
		*val = l->tpr;
		return R_OK;
	case APIC_APR:
		if (x)
			return R_NONE;
		*val = compute_apr(l);
		return R_OK;
	case APIC_PPR:
		*val = compute_ppr(l);
		return R_OK;
	case APIC_EOI:
		return R_WO;
	case APIC_RRD:
		return x ? R_NONE : R_OK;	/* remote read is gone: reads 0 */
	case APIC_LDR:
		*val = LD(l->ldr);
		return R_OK;
	case APIC_DFR:
		if (x)
			return R_NONE;
		*val = LD(l->dfr);
		return R_OK;
	case APIC_SVR:
		*val = LD(l->svr);
		return R_OK;
	case APIC_ESR:
		*val = l->esr;
		return R_OK;
	case APIC_ICR:
		*val = x ? (uint64_t)l->icr_hi << 32 | l->icr_lo : l->icr_lo;
		return R_OK;
	case APIC_ICR2:
		if (x)
			return R_NONE;
		*val = l->icr_hi;
		return R_OK;
	case APIC_TMICT:
		*val = l->timer_init;
		return R_OK;
	case APIC_TMCCT:
		*val = timer_current(l, now);
		return R_OK;
	case APIC_TDCR:
		*val = l->timer_div;
		return R_OK;
	case APIC_SELF_IPI:
		return x ? R_WO : R_NONE;
	default:
		return R_NONE;
	}
}

/* A write of v (x2APIC: 64 bits; xAPIC: 32) to the register at off. In
 * x2APIC mode the caller turns every result but R_OK into #GP and nothing
 * has changed; in xAPIC mode reserved bits are dropped here. */
static enum reg_result reg_write(struct vlapic *l, unsigned off, uint64_t v, uint64_t now,
				 struct vlapic_out *out)
{
	bool x = x2(l);
	uint64_t w, wide = v;
	uint32_t v32 = (uint32_t)v;

	/* writable bits (read-only status bits count as writable: ignored) */
	switch (off) {
	case APIC_TPR: w = 0xff; break;
	case APIC_EOI: w = x ? 0 : ~0u; break;	/* x2APIC: only 0 (SDM 10.12.1.2) */
	case APIC_ESR: w = x ? 0 : ~0u; break;	/* x2APIC: only 0 (SDM Table 10-6) */
	case APIC_ID: w = x ? 0 : 0xff000000u; break;
	case APIC_LDR: w = x ? 0 : 0xff000000u; break;
	case APIC_DFR: w = 0xf0000000u; break;
	case APIC_SVR: w = SVR_W; break;
	case APIC_ICR: w = x ? (0xffffffffull << 32 | ICR_W | ICR_IGNORED) : ICR_W | ICR_IGNORED; break;
	case APIC_ICR2: w = 0xff000000u; break;
	case APIC_TMICT: w = 0xffffffffu; break;
	case APIC_TDCR: w = TDCR_W; break;
	case APIC_SELF_IPI: w = 0xff; break;
	default:
		if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
			w = lvt_writable(l, (off - APIC_LVT_TIMER) / 16) | LVT_RO;
			break;
		}
		if (off == APIC_VER || off == APIC_PPR || reg_in_vec(off, APIC_ISR) ||
		    reg_in_vec(off, APIC_TMR) || reg_in_vec(off, APIC_IRR) || off == APIC_TMCCT ||
		    (!x && (off == APIC_APR || off == APIC_RRD)))
			return R_RO;
		return R_NONE;
	}
	/* registers that one mode lacks */
	if (x && (off == APIC_DFR || off == APIC_ICR2))
		return R_NONE;
	if (!x && off == APIC_SELF_IPI)
		return R_NONE;
	if (x && (off == APIC_ID || off == APIC_LDR))
		return R_RO;
	if (x && (wide & ~w))
		return R_RSVD;	/* SDM 10.12.1.3: reserved bits #GP */
	if (x && off == APIC_LVT_TIMER && ((v32 >> APIC_TIMER_MODE_SHIFT) & 3) == 3)
		return R_RSVD;	/* timer mode 11b is reserved */
	v32 &= (uint32_t)w;

	switch (off) {
	case APIC_ID:
		ST(l->id, v32 >> 24);
		break;
	case APIC_TPR:
		l->tpr = v32;
		update_ppr(l);
		break;
	case APIC_EOI:
		do_eoi(l, out);
		break;
	case APIC_LDR:
		ST(l->ldr, v32);
		break;
	case APIC_DFR:
		ST(l->dfr, v32 | 0x0fffffffu);	/* bits 27:0 read as ones */
		break;
	case APIC_SVR:
		ST(l->svr, v32);
		if (!(v32 & APIC_SVR_ENABLE))	/* SDM 10.4.7.2: every LVT masked */
			for (int i = 0; i < VLAPIC_NR_LVT; i++)
				l->lvt[i] |= APIC_LVT_MASKED;
		break;
	case APIC_ESR:
		/* SDM 10.5.3: the write loads the errors since the last one */
		l->esr = l->esr_pend;
		l->esr_pend = 0;
		break;
	case APIC_ICR:
		l->icr_lo = v32 & ICR_W;
		if (x)
			l->icr_hi = (uint32_t)(wide >> 32);
		send_ipi(l, out);
		break;
	case APIC_ICR2:
		l->icr_hi = v32;
		break;
	case APIC_TMICT:
		write_tmict(l, v32, now, out);
		break;
	case APIC_TDCR:
		write_tdcr(l, v32, now, out);
		break;
	case APIC_SELF_IPI:
		self_ipi(l, (uint8_t)v32, out);
		break;
	default: {	/* an LVT */
		unsigned i = (off - APIC_LVT_TIMER) / 16;
		uint32_t keep = l->lvt[i] & APIC_REMOTE_IRR;

		v32 &= ~LVT_RO;
		if (!sw_on(l))
			v32 |= APIC_LVT_MASKED;	/* cannot be unmasked while disabled */
		if (i == VLAPIC_LVT_TIMER) {
			write_lvt_timer(l, v32, out);
		} else if (i == VLAPIC_LVT_LINT0 || i == VLAPIC_LVT_LINT1) {
			/* remote IRR only lives in fixed level mode */
			l->lvt[i] = v32 | ((v32 & APIC_TRIGGER_LEVEL) ? keep : 0);
			lint_eval(l, i - VLAPIC_LVT_LINT0, false);
		} else {
			l->lvt[i] = v32;
		}
		break;
	}
	}
	return R_OK;
}

static void out_init(struct vlapic_out *out)
{
	memset(out, 0, sizeof(*out));
	out->eoi_vector = -1;
}

enum vlapic_status vlapic_mmio(struct vlapic *l, uint64_t offset, unsigned size, bool write,
			       uint64_t *val, uint64_t now, struct vlapic_out *out)
{
	struct vlapic_out dummy;
	uint64_t r = 0, reg = 0;

	if (!out)
		out = &dummy;
	out_init(out);
	/* SDM 10.4.3 / 10.12.2: a disabled or x2APIC-mode APIC does not
	 * decode its page */
	if (!hw_on(l) || x2(l))
		return VLAPIC_UNDECODED;
	fold_remote(l);
	offset &= 0xfff;
	if (write) {
		if (size != 4 || (offset & 0xf)) {
			l->bad_accesses++;	/* the SDM requires aligned 32-bit stores */
			return VLAPIC_OK;
		}
		if (reg_write(l, (unsigned)offset, (uint32_t)*val, now, out) == R_NONE)
			error(l, APIC_ESR_ILLEGAL_REG);
		return VLAPIC_OK;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		*val = 0;
		return VLAPIC_OK;
	}
	/* Byte by byte: each 16-byte slot is the register in bytes 0-3 and
	 * zeros after, so any width or alignment reads what it covers. */
	for (unsigned slot = ~0u, i = 0; i < size && offset + i < 0x1000; i++) {
		unsigned off = (unsigned)(offset + i), b = off & 0xf;

		if ((off & ~0xfu) != slot) {
			slot = off & ~0xfu;
			if (reg_read(l, slot, now, &reg) == R_NONE)
				error(l, APIC_ESR_ILLEGAL_REG);
		}
		if (b < 4)
			r |= ((reg >> (8 * b)) & 0xff) << (8 * i);
	}
	*val = r;
	return VLAPIC_OK;
}

static enum vlapic_status tsc_deadline_rd(struct vlapic *l, uint64_t *val)
{
	*val = timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE && hw_on(l) ? l->tsc_deadline : 0;
	return VLAPIC_OK;
}

enum vlapic_status vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t *val, uint64_t now)
{
	*val = 0;
	if (msr == MSR_TSC_DEADLINE)
		return l->tsc_deadline_ok ? tsc_deadline_rd(l, val) : VLAPIC_GP;
	/* SDM 10.12.1.2: x2APIC MSRs #GP unless in x2APIC mode */
	if (msr < MSR_X2APIC_FIRST || msr >= MSR_X2APIC_END || !vlapic_x2apic(l))
		return VLAPIC_GP;
	fold_remote(l);
	if (reg_read(l, (msr - MSR_X2APIC_FIRST) * 16, now, val) != R_OK) {
		*val = 0;
		return VLAPIC_GP;
	}
	return VLAPIC_OK;
}

enum vlapic_status vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
				struct vlapic_out *out)
{
	struct vlapic_out dummy;

	if (!out)
		out = &dummy;
	out_init(out);
	if (msr == MSR_TSC_DEADLINE) {
		if (!l->tsc_deadline_ok)
			return VLAPIC_GP;
		/* SDM 10.5.4.1: ignored outside TSC-deadline mode; 0 disarms */
		if (timer_mode(l) != VLAPIC_TIMER_TSC_DEADLINE || !hw_on(l))
			return VLAPIC_OK;
		l->tsc_deadline = val;
		l->deadline = val ? val : NO_DEADLINE;
		out->timer_changed = true;
		return VLAPIC_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr >= MSR_X2APIC_END || !vlapic_x2apic(l))
		return VLAPIC_GP;
	fold_remote(l);
	return reg_write(l, (msr - MSR_X2APIC_FIRST) * 16, val, now, out) == R_OK ? VLAPIC_OK
										  : VLAPIC_GP;
}

/* ---- delivery (remote-safe) ---- */

bool vlapic_accept(struct vlapic *l, unsigned mode, uint8_t vector, bool level)
{
	if (!hw_on(l))
		return false;
	switch (mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		if (vector < 16) {
			/* SDM 10.5.3: never in IRR; the owner logs the error */
			__atomic_fetch_or(&l->esr_remote, APIC_ESR_RECV_ILLEGAL, __ATOMIC_SEQ_CST);
			return true;
		}
		if (!sw_on(l))
			return false;	/* SDM 10.4.7.2: only NMI/INIT/SIPI/SMI taken */
		return set_irr(l, vector, level);
	case VLAPIC_DM_NMI:
		pend(l, VLAPIC_PEND_NMI);
		return true;
	case VLAPIC_DM_INIT:
		pend(l, VLAPIC_PEND_INIT);
		return true;
	case VLAPIC_DM_STARTUP:
		/* the vector before the flag: an owner that takes the flag sees
		 * this vector or a later SIPI's */
		__atomic_store_n(&l->sipi_vector, vector, __ATOMIC_RELEASE);
		pend(l, VLAPIC_PEND_SIPI);
		return true;
	case VLAPIC_DM_EXTINT:
		pend(l, VLAPIC_PEND_EXTINT);
		return true;
	default:	/* SMI, reserved */
		return false;
	}
}

/* Destination match without shorthand: SDM 10.6.2.1/10.6.2.2 (xAPIC),
 * 10.12.10 (x2APIC). */
static bool match_addr(const struct vlapic *l, uint32_t dest, bool logical)
{
	uint32_t ldr = LD(l->ldr);

	if (dest == 0xffffffffu)
		return true;	/* broadcast in every mode */
	if (x2(l)) {
		if (!logical)
			return dest == LD(l->id);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	if (!logical)
		return dest == 0xff || dest == LD(l->id);
	if (dest > 0xff)
		return false;
	ldr >>= 24;
	if (LD(l->dfr) == APIC_DFR_FLAT)
		return dest & ldr;
	/* cluster: cluster 0xF is every cluster, then the member bits */
	return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf);
}

bool vlapic_match_dest(const struct vlapic *l, const struct vlapic_msg *m, uint32_t src_id)
{
	switch (m->shorthand) {
	case VLAPIC_SH_SELF:
		return LD(l->id) == src_id;
	case VLAPIC_SH_ALL:
		return true;
	case VLAPIC_SH_OTHERS:
		return LD(l->id) != src_id;
	default:
		return match_addr(l, m->dest, m->logical);
	}
}

uint8_t vlapic_ppr_for_lowest(const struct vlapic *l)
{
	return (uint8_t)LD(l->ppr);
}

uint32_t vlapic_route(struct vlapic *const *all, unsigned n, int src, const struct vlapic_msg *m)
{
	uint32_t set = 0;
	int best = -1;

	if (m->shorthand == VLAPIC_SH_SELF)
		return 0;	/* delivered by the sender's vlapic */
	for (unsigned i = 0; i < n && i < 32; i++) {
		const struct vlapic *t = all[i];
		bool hit;

		if (!t || !hw_on(t))
			continue;
		if (m->shorthand == VLAPIC_SH_ALL)
			hit = true;
		else if (m->shorthand == VLAPIC_SH_OTHERS)
			hit = (int)i != src;
		else
			hit = match_addr(t, m->dest, m->logical);
		if (!hit)
			continue;
		if (m->mode != VLAPIC_DM_LOWEST) {
			set |= 1u << i;
			continue;
		}
		/* SDM 10.6.2.4: the lowest priority wins; ties: lowest index */
		if (sw_on(t) && (best < 0 || vlapic_ppr_for_lowest(t) <
						     vlapic_ppr_for_lowest(all[best])))
			best = (int)i;
	}
	return m->mode == VLAPIC_DM_LOWEST ? (best < 0 ? 0 : 1u << best) : set;
}

bool vlapic_deliver(struct vlapic *l, const struct vlapic_msg *m)
{
	if (m->mode == VLAPIC_DM_INIT && !m->assert_)
		return false;
	return vlapic_accept(l, m->mode, m->vector, m->level);
}

/* ---- injection (owner) ---- */

/* irr_any is a hint: 0 means IRR is empty. Setters store 1 after their
 * bit; the owner clears it first and then looks, and sets it again when it
 * found a bit, so a bit set meanwhile is never hidden. */
static void irr_scan(struct vlapic *l)
{
	__atomic_store_n(&l->irr_any, 0, __ATOMIC_SEQ_CST);
	if (vec_highest(l->irr) >= 0)
		__atomic_store_n(&l->irr_any, 1, __ATOMIC_SEQ_CST);
}

int vlapic_pending_irq(const struct vlapic *l)
{
	int v;

	if (!__atomic_load_n(&l->irr_any, __ATOMIC_ACQUIRE) || !hw_on(l))
		return -1;	/* the common case: one load */
	v = vec_highest(l->irr);
	/* SDM 10.8.3.1: deliverable when its class is above PPR's */
	if (v < 16 || ((uint32_t)v >> 4) <= (compute_ppr(l) >> 4))
		return -1;
	return v;
}

void vlapic_ack_irq(struct vlapic *l, uint8_t vector)
{
	uint32_t bit = 1u << (vector % 32);

	/* no fold_remote here: the CPU takes exactly what it was offered */
	if (vector < 16 || !hw_on(l))
		return;
	if (!(__atomic_fetch_and(&l->irr[vector / 32], ~bit, __ATOMIC_ACQ_REL) & bit))
		return;
	irr_scan(l);
	l->isr[vector / 32] |= bit;
	update_ppr(l);
}

uint32_t vlapic_take_pending(struct vlapic *l, uint32_t mask)
{
	uint32_t got;

	fold_remote(l);
	mask &= VLAPIC_PEND_ALL;
	got = __atomic_fetch_and(&l->pending, ~mask, __ATOMIC_SEQ_CST) & mask;
	if (got & VLAPIC_PEND_INIT)
		reset_regs(l);	/* SDM 10.4.7.3: all but ID and APIC_BASE */
	return got;
}

uint8_t vlapic_sipi_vector(const struct vlapic *l)
{
	return __atomic_load_n(&l->sipi_vector, __ATOMIC_ACQUIRE);
}

void vlapic_set_tpr(struct vlapic *l, uint8_t tpr)
{
	/* the caller passes the TPR value, cr8 << 4 for a CR8 write (APM
	 * 16.6.4: CR8[3:0] is TPR[7:4], so TPR[3:0] becomes 0) */
	l->tpr = tpr;
	update_ppr(l);
}

uint8_t vlapic_tpr(const struct vlapic *l)
{
	return (uint8_t)l->tpr;
}

/* ---- timer (owner) ---- */

uint64_t vlapic_timer_deadline(const struct vlapic *l)
{
	return l->deadline;
}

bool vlapic_timer_expire(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[VLAPIC_LVT_TIMER];

	fold_remote(l);
	if (l->deadline == NO_DEADLINE || now < l->deadline)
		return false;
	l->fired++;
	if (!(lvt & APIC_LVT_MASKED))
		local_fixed(l, (uint8_t)lvt, false);
	if (timer_mode(l) == VLAPIC_TIMER_PERIODIC) {
		/* the first boundary after now: missed periods collapse */
		uint64_t k = (now - l->deadline) / l->period + 1;

		if (k > (NO_DEADLINE - l->deadline) / l->period)
			l->deadline = NO_DEADLINE;
		else
			l->deadline += k * l->period;
	} else {
		timer_stop(l);	/* one-shot: count 0; TSC-deadline: MSR reads 0 */
	}
	return true;
}

void vlapic_view(const struct vlapic *l, uint64_t now, struct vlapic_view *out)
{
	memset(out, 0, sizeof(*out));
	out->id = LD(l->id);
	out->version = VLAPIC_VERSION;
	out->tpr = l->tpr;
	out->ppr = LD(l->ppr);
	out->ldr = LD(l->ldr);
	out->dfr = LD(l->dfr);
	out->svr = LD(l->svr);
	out->esr = l->esr;
	out->icr_lo = l->icr_lo;
	out->icr_hi = l->icr_hi;
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		out->lvt[i] = l->lvt[i];
	out->timer_init = l->timer_init;
	out->timer_div = l->timer_div;
	for (int i = 0; i < 8; i++) {
		out->irr[i] = __atomic_load_n(&l->irr[i], __ATOMIC_RELAXED);
		out->tmr[i] = __atomic_load_n(&l->tmr[i], __ATOMIC_RELAXED);
		out->isr[i] = l->isr[i];
	}
	out->timer_deadline = l->deadline;
	out->timer_current = timer_current(l, now);
	out->timer_mode = (uint8_t)timer_mode(l);
	out->x2apic = vlapic_x2apic(l);
	out->enabled = hw_on(l);
	out->sw_enabled = sw_on(l);
	out->fired = l->fired;
}
