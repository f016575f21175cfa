/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vlapic.c: 2-4 APICs of one VM driven
 * by a sequence of operations, IPIs routed between them as the run loop
 * will.
 *
 * Input: byte 0 picks the number of APICs (2-4), the TSC rate and which
 * APICs offer TSC-deadline; then 8-byte ops until the input ends (at most
 * 512): { k, a, b, v0..v4 }. k % 10 is the operation on APIC a % n:
 *   0 MMIO read, 1 MMIO write (offset from b and v0, size from k), 2 MSR
 *   read, 3 MSR write (0x800 + b, or TSC_DEADLINE), 4 vlapic_accept from a
 *   device, 5 ack of vlapic_pending_irq, 6 EOI (MMIO or MSR, whichever the
 *   mode decodes), 7 time passes then vlapic_timer_expire, 8 a valid
 *   APIC_BASE transition, 9 LINT pins, CR8, vlapic_take_pending, and a
 *   shortcut that software-enables the APIC and unmasks one LVT.
 * `now` only grows.
 *
 * After every op, on every APIC: no IRR or ISR bit below 16; every ISR bit
 * is a vector acked through vlapic_ack_irq; the published PPR is the SDM's
 * formula over TPR and ISR; vlapic_pending_irq is -1 or an IRR vector
 * whose class is above PPR's; the current count never exceeds the initial
 * count; pending holds only known flags. After vlapic_timer_expire(now)
 * the deadline is after now or none. MMIO reads fit their size and the
 * page is undecoded exactly when disabled or in x2APIC mode. An x2APIC
 * write with bits outside a register's writable mask is #GP (mask table
 * below, from the SDM), and every x2APIC MSR #GPs in xAPIC mode. Routed
 * messages reach only existing APICs, SH_SELF none. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/vlapic.h"
#include "tests/common/check.h"

#define MAX_OPS  512
#define MAX_APIC 4

static struct vlapic apic[MAX_APIC];
static struct vlapic *all[MAX_APIC];
static uint32_t acked[MAX_APIC][8];	/* vectors ever acked, per APIC */
static unsigned n;
static uint64_t now;

/* Writable bits of the x2APIC registers with reserved-bit checks (SDM
 * 10.12.1.3, Figures 10-8, 10-12); 0: skip (no check here). */
static uint64_t x2_writable(const struct vlapic *l, unsigned off)
{
	switch (off) {
	case APIC_TPR: return 0xff;
	case APIC_EOI: return 0;
	case APIC_ESR: return 0;
	case APIC_SVR: return 0x3ff;
	case APIC_ICR: return 0xffffffff000cdfffull;
	case APIC_LVT_TIMER: return l->tsc_deadline_ok ? 0x710ff : 0x310ff;
	case APIC_LVT_THERMAL:
	case APIC_LVT_PERF: return 0x117ff;
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1: return 0x1f7ff;
	case APIC_LVT_ERROR: return 0x110ff;
	case APIC_TMICT: return 0xffffffff;
	case APIC_TDCR: return 0xb;
	case APIC_SELF_IPI: return 0xff;
	default: return ~0ull;
	}
}

static void route(int src, const struct vlapic_out *out)
{
	uint32_t mask;

	if (!out->send)
		return;
	mask = vlapic_route(all, n, src, &out->msg);
	CHECK(mask < (1u << n));
	CHECK(out->msg.shorthand != VLAPIC_SH_SELF || mask == 0);
	if (out->msg.mode == VLAPIC_DM_LOWEST)
		CHECK((mask & (mask - 1)) == 0);
	for (unsigned i = 0; i < n; i++) {
		bool m = vlapic_hw_enabled(all[i]) &&
			 (out->msg.shorthand == VLAPIC_SH_NONE
				  ? vlapic_match_dest(all[i], &out->msg, 0)
				  : out->msg.shorthand == VLAPIC_SH_ALL || (int)i != src);

		if (out->msg.mode == VLAPIC_DM_LOWEST)
			CHECK(!(mask & (1u << i)) || (m && vlapic_sw_enabled(all[i])));
		else if (out->msg.shorthand != VLAPIC_SH_SELF)
			CHECK(!!(mask & (1u << i)) == m);
	}
	for (unsigned i = 0; i < n; i++)
		if (mask & (1u << i))
			vlapic_deliver(all[i], &out->msg);
}

static void check_out(const struct vlapic_out *out)
{
	CHECK(out->eoi_vector == -1 || (out->eoi_vector >= 16 && out->eoi_vector < 256));
	CHECK(!out->send || out->msg.mode != VLAPIC_DM_SMI);
	if (out->send && (out->msg.mode == VLAPIC_DM_FIXED || out->msg.mode == VLAPIC_DM_LOWEST))
		CHECK(out->msg.vector >= 16);
}

static void check_apic(unsigned i)
{
	struct vlapic *l = all[i];
	struct vlapic_view v;
	int isrv = -1, p;
	uint32_t ppr;

	vlapic_view(l, now, &v);
	CHECK((v.irr[0] & 0xffff) == 0 && (v.isr[0] & 0xffff) == 0);
	for (int w = 0; w < 8; w++)	/* the irr_any hint never hides an IRR bit */
		CHECK(l->irr_any || v.irr[w] == 0);
	for (int w = 0; w < 8; w++) {
		CHECK((v.isr[w] & ~acked[i][w]) == 0);
		if (v.isr[w])
			isrv = w * 32 + 31 - __builtin_clz(v.isr[w]);
	}
	ppr = (v.tpr & 0xf0) >= ((uint32_t)(isrv < 0 ? 0 : isrv) & 0xf0)
		      ? v.tpr : (uint32_t)isrv & 0xf0;
	CHECK(v.ppr == ppr && v.tpr <= 0xff);
	p = vlapic_pending_irq(l);
	CHECK(p == -1 || (p >= 16 && p < 256 && (v.irr[p / 32] & (1u << (p % 32))) &&
			  ((uint32_t)p >> 4) > (ppr >> 4)));
	CHECK(!v.enabled ? p == -1 : true);
	CHECK(v.timer_current <= v.timer_init);
	CHECK((__atomic_load_n(&l->pending, __ATOMIC_RELAXED) & ~VLAPIC_PEND_ALL) == 0);
	CHECK(v.enabled || !v.x2apic);
}

static void op_mmio(unsigned i, const uint8_t *op, bool write)
{
	static const unsigned sizes[8] = { 4, 4, 4, 1, 2, 8, 4, 3 };
	struct vlapic *l = all[i];
	unsigned size = sizes[(op[0] >> 4) & 7];
	uint64_t off = ((uint64_t)op[2] << 4 | (op[3] & 0xf)) & 0xfff, val;
	struct vlapic_out out;
	enum vlapic_status st;

	if (!(op[3] & 0x10))
		off &= ~0xfull;	/* mostly aligned, so registers get hit */
	memcpy(&val, op + 3, 4);
	val = (uint32_t)val;
	st = vlapic_mmio(l, off, size, write, &val, now, &out);
	CHECK(st != VLAPIC_GP);
	CHECK((st == VLAPIC_UNDECODED) == (!vlapic_hw_enabled(l) || vlapic_x2apic(l)));
	if (st != VLAPIC_OK)
		return;
	if (!write)
		CHECK(size >= 8 || (val >> (8 * size)) == 0);
	check_out(&out);
	route((int)i, &out);
}

static uint32_t pick_msr(const uint8_t *op)
{
	if ((op[2] & 0xc0) == 0xc0)
		return op[2] & 1 ? MSR_TSC_DEADLINE : MSR_X2APIC_FIRST + (op[3] & 0x3f);
	return MSR_X2APIC_FIRST + op[2];
}

static void op_msr(unsigned i, const uint8_t *op, bool write)
{
	struct vlapic *l = all[i];
	uint32_t msr = pick_msr(op);
	struct vlapic_out out;
	enum vlapic_status st;
	uint64_t val = 0, w;

	memcpy(&val, op + 3, 5);
	if (op[0] & 0x10)
		val &= 0xff;	/* small values: registers' legal ranges */
	else if (op[0] & 0x20)
		val = (val & 0xffffffffu) | (op[7] & 0x80 ? (uint64_t)op[4] << 32 : 0);
	if (!write) {
		st = vlapic_rdmsr(l, msr, &val, now);
		if (msr != MSR_TSC_DEADLINE && !vlapic_x2apic(l))
			CHECK(st == VLAPIC_GP);
		if (msr == MSR_TSC_DEADLINE)
			CHECK((st == VLAPIC_GP) == !l->tsc_deadline_ok);
		CHECK(st == VLAPIC_OK || val == 0);
		return;
	}
	st = vlapic_wrmsr(l, msr, val, now, &out);
	CHECK(st != VLAPIC_UNDECODED);
	if (msr == MSR_TSC_DEADLINE) {
		CHECK((st == VLAPIC_GP) == !l->tsc_deadline_ok);
		return;
	}
	if (!vlapic_x2apic(l)) {
		CHECK(st == VLAPIC_GP);
		return;
	}
	w = x2_writable(l, (msr - MSR_X2APIC_FIRST) * 16);
	if (val & ~w)
		CHECK(st == VLAPIC_GP);
	if (st == VLAPIC_OK) {
		check_out(&out);
		route((int)i, &out);
	}
}

static void op_accept(unsigned i, const uint8_t *op)
{
	static const uint8_t modes[8] = { 0, 0, 1, 2, 4, 5, 6, 7 };
	struct vlapic_msg m = {
		.dest = op[3] & 0x80 ? 0xff : op[3] & 7,
		.vector = op[2],
		.mode = modes[op[4] & 7],
		.shorthand = (op[4] >> 3) & 3,
		.logical = op[4] & 0x20,
		.level = op[4] & 0x40,
		.assert_ = op[4] & 0x80,
	};
	struct vlapic_out out = { .send = true, .msg = m, .eoi_vector = -1 };

	if (op[5] & 1) {
		vlapic_accept(all[i], m.mode, m.vector, m.level);
		return;
	}
	if (m.shorthand == VLAPIC_SH_SELF)
		return;	/* a device has no self */
	route(-1, &out);
}

static void op_eoi(unsigned i)
{
	struct vlapic *l = all[i];
	struct vlapic_out out;
	uint64_t zero = 0;

	if (vlapic_x2apic(l))
		CHECK(vlapic_wrmsr(l, MSR_X2APIC_FIRST + APIC_EOI / 16, 0, now, &out) == VLAPIC_OK);
	else if (vlapic_mmio(l, APIC_EOI, 4, true, &zero, now, &out) != VLAPIC_OK)
		return;
	check_out(&out);
}

static void op_base(unsigned i, const uint8_t *op)
{
	struct vlapic *l = all[i];
	uint64_t old = vlapic_base(l), v;
	const uint64_t base = VLAPIC_BASE, en = VLAPIC_BASE_EN, x2 = VLAPIC_BASE_EXTD;

	/* the transitions svm/msr.c lets through (SDM 10.12.5, Figure 10-27) */
	switch (op[2] % 3) {
	case 0:
		v = base;
		break;
	case 1:
		if (old & x2)
			return;	/* x2APIC -> xAPIC must go through disabled */
		v = base | en;
		break;
	default:
		if (!(old & en))
			return;
		v = base | en | x2;
		break;
	}
	vlapic_set_base(l, v | (old & VLAPIC_BASE_BSP));
	CHECK((vlapic_base(l) & ~VLAPIC_BASE_BSP) == v);
	CHECK(vlapic_x2apic(l) == !!(v & x2));
}

static void reg_wr(unsigned i, unsigned off, uint32_t v)
{
	struct vlapic_out out;
	uint64_t x = v;

	if (vlapic_x2apic(all[i]))
		vlapic_wrmsr(all[i], MSR_X2APIC_FIRST + off / 16, v, now, &out);
	else
		vlapic_mmio(all[i], off, 4, true, &x, now, &out);
}

/* A shortcut to the interesting states: software-enabled, one LVT
 * unmasked with a chosen vector, mode and trigger, maybe a short count
 * (random register writes rarely get all of that right at once). */
static void setup_lvt(unsigned i, const uint8_t *op)
{
	unsigned lvt = op[4] % 6;
	uint32_t v = op[3] | (uint32_t)(op[5] & 0xa7) << 8 | (uint32_t)(op[6] & 3) << 17;

	reg_wr(i, APIC_SVR, 0x1ff);
	reg_wr(i, APIC_LVT_TIMER + 16 * lvt, lvt == 0 ? v & 0x600ff : v & 0xa7ff);
	if (lvt == 0 && (op[6] & 4))
		reg_wr(i, APIC_TMICT, op[7]);
}

static void do_op(const uint8_t *op)
{
	unsigned i = op[1] % n;
	struct vlapic *l = all[i];
	int v;

	switch (op[0] % 10) {
	case 0:
		op_mmio(i, op, false);
		break;
	case 1:
		op_mmio(i, op, true);
		break;
	case 2:
		op_msr(i, op, false);
		break;
	case 3:
		op_msr(i, op, true);
		break;
	case 4:
		op_accept(i, op);
		break;
	case 5:
		v = vlapic_pending_irq(l);
		if (v >= 0) {
			acked[i][v / 32] |= 1u << (v % 32);
			vlapic_ack_irq(l, (uint8_t)v);
			CHECK(l->isr[v / 32] & (1u << (v % 32)));
		} else {
			/* any vector: the CPU may take one that TPR masks by now
			 * (V_TPR synced late); only an IRR vector >= 16 moves */
			uint32_t bit = 1u << (op[2] % 32);
			bool in_irr = __atomic_load_n(&l->irr[op[2] / 32], __ATOMIC_RELAXED) & bit;
			bool in_isr = l->isr[op[2] / 32] & bit;

			if (in_irr && vlapic_hw_enabled(l))
				acked[i][op[2] / 32] |= bit;
			vlapic_ack_irq(l, op[2]);
			CHECK(!!(l->isr[op[2] / 32] & bit) ==
			      (in_isr || (in_irr && vlapic_hw_enabled(l))));
		}
		break;
	case 6:
		op_eoi(i);
		break;
	case 7:
		now += ((uint64_t)op[2] | (uint64_t)op[3] << 8) << (op[4] % 24);
		for (unsigned j = 0; j < n; j++) {
			uint64_t d = vlapic_timer_deadline(all[j]);
			bool fired = vlapic_timer_expire(all[j], now);

			CHECK(fired == (d != UINT64_MAX && d <= now));
			d = vlapic_timer_deadline(all[j]);
			CHECK(d > now);	/* UINT64_MAX included */
		}
		break;
	case 8:
		op_base(i, op);
		break;
	default:
		if (op[2] & 32)
			setup_lvt(i, op);
		if (op[2] & 1)
			vlapic_lint(l, (op[2] >> 1) & 1, op[2] & 4);
		if (op[2] & 8)
			vlapic_set_tpr(l, op[3]);
		if (op[2] & 16)
			vlapic_take_pending(l, op[4]);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t khz[4] = { 1000000, 2999999, 100000, 37 };

	if (size < 1)
		return 0;
	n = 2 + data[0] % 3;
	now = 0;
	memset(acked, 0, sizeof(acked));
	for (unsigned i = 0; i < n; i++) {
		memset(&apic[i], 0xa5, sizeof(apic[i]));	/* init must not rely on zeroes */
		vlapic_init(&apic[i], i, i == 0, khz[(data[0] >> 2) & 3], data[0] & (0x10 << i));
		all[i] = &apic[i];
	}
	data++;
	size--;
	for (int k = 0; k < MAX_OPS && size >= 8; k++, data += 8, size -= 8) {
		do_op(data);
		for (unsigned i = 0; i < n; i++)
			check_apic(i);
	}
	return 0;
}
