/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vlapic.c: every register's reset value and
 * writable bits in both modes, the x2APIC #GP rules (SDM 10.12.1), MMIO
 * widths, ESR and illegal vectors, TPR/PPR/APR, IRR -> ISR -> EOI, logical
 * and physical destinations, shorthands, lowest-priority routing, INIT and
 * SIPI, software and hardware disable, the timer's three modes and LINT0/1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vlapic.h"

/* 1 GHz guest TSC: one 100 MHz bus cycle is 10 TSC ticks */
#define TSC_KHZ 1000000ull
#define CYC     10ull
#define T0      1000000ull	/* a `now` well away from 0 */

static struct vlapic a, b, c;
static struct vlapic_out out;

static int setup(void **state)
{
	(void)state;
	vlapic_init(&a, 0, true, TSC_KHZ, true);
	vlapic_init(&b, 1, false, TSC_KHZ, true);
	vlapic_init(&c, 2, false, TSC_KHZ, false);
	memset(&out, 0, sizeof(out));
	return 0;
}

static uint32_t rd_at(struct vlapic *l, unsigned off, uint64_t now)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_mmio(l, off, 4, false, &v, now, &out), VLAPIC_OK);
	assert_true(v <= 0xffffffffull);
	return (uint32_t)v;
}

static uint32_t rd(struct vlapic *l, unsigned off)
{
	return rd_at(l, off, T0);
}

static void wr_at(struct vlapic *l, unsigned off, uint32_t v, uint64_t now)
{
	uint64_t x = v;

	assert_int_equal(vlapic_mmio(l, off, 4, true, &x, now, &out), VLAPIC_OK);
}

static void wr(struct vlapic *l, unsigned off, uint32_t v)
{
	wr_at(l, off, v, T0);
}

static uint64_t rdmsr(struct vlapic *l, uint32_t msr)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_rdmsr(l, msr, &v, T0), VLAPIC_OK);
	return v;
}

static void wrmsr(struct vlapic *l, uint32_t msr, uint64_t v)
{
	assert_int_equal(vlapic_wrmsr(l, msr, v, T0, &out), VLAPIC_OK);
}

static void gp_rd(struct vlapic *l, uint32_t msr)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_rdmsr(l, msr, &v, T0), VLAPIC_GP);
}

static void gp_wr(struct vlapic *l, uint32_t msr, uint64_t v)
{
	assert_int_equal(vlapic_wrmsr(l, msr, v, T0, &out), VLAPIC_GP);
}

static uint32_t x2msr(unsigned off)
{
	return MSR_X2APIC_FIRST + off / 16;
}

static void to_x2(struct vlapic *l)
{
	vlapic_set_base(l, VLAPIC_BASE | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
	assert_true(vlapic_x2apic(l));
}

static bool vec_set(const uint32_t *v, unsigned vector)
{
	return v[vector / 32] & (1u << (vector % 32));
}

static void sw_enable(struct vlapic *l)
{
	if (vlapic_x2apic(l))
		wrmsr(l, x2msr(APIC_SVR), APIC_SVR_ENABLE | 0xff);
	else
		wr(l, APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

/* The ESR as software reads it: write, then read (SDM 10.5.3). */
static uint32_t esr(struct vlapic *l)
{
	wr(l, APIC_ESR, 0);
	return rd(l, APIC_ESR);
}

/* ---- reset and plain registers ---- */

static void test_reset_values(void **state)
{
	(void)state;
	wr(&b, APIC_ESR, 0);
	assert_int_equal(rd(&b, APIC_ID), 1u << 24);
	assert_int_equal(rd(&b, APIC_VER), 0x50014);
	assert_int_equal(rd(&b, APIC_TPR), 0);
	assert_int_equal(rd(&b, APIC_APR), 0);
	assert_int_equal(rd(&b, APIC_PPR), 0);
	assert_int_equal(rd(&b, APIC_LDR), 0);
	assert_int_equal(rd(&b, APIC_DFR), 0xffffffffu);
	assert_int_equal(rd(&b, APIC_SVR), 0xff);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(&b, APIC_ISR + i * 16), 0);
		assert_int_equal(rd(&b, APIC_TMR + i * 16), 0);
		assert_int_equal(rd(&b, APIC_IRR + i * 16), 0);
	}
	assert_int_equal(rd(&b, APIC_ESR), 0);
	assert_int_equal(rd(&b, APIC_ICR), 0);
	assert_int_equal(rd(&b, APIC_ICR2), 0);
	for (unsigned off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 16)
		assert_int_equal(rd(&b, off), APIC_LVT_MASKED);
	assert_int_equal(rd(&b, APIC_TMICT), 0);
	assert_int_equal(rd(&b, APIC_TMCCT), 0);
	assert_int_equal(rd(&b, APIC_TDCR), 0);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	assert_int_equal(vlapic_pending_irq(&b), -1);
	assert_false(vlapic_sw_enabled(&b));
}

static void test_base_reset(void **state)
{
	(void)state;
	assert_int_equal(vlapic_base(&a), VLAPIC_BASE | VLAPIC_BASE_EN | VLAPIC_BASE_BSP);
	assert_int_equal(vlapic_base(&b), VLAPIC_BASE | VLAPIC_BASE_EN);
	assert_true(vlapic_hw_enabled(&b));
	assert_false(vlapic_x2apic(&b));
}

static void test_id_version_rw(void **state)
{
	(void)state;
	wr(&b, APIC_ID, 0x07ffffff);
	assert_int_equal(rd(&b, APIC_ID), 0x07000000);
	wr(&b, APIC_VER, 0);	/* read-only: dropped */
	assert_int_equal(rd(&b, APIC_VER), VLAPIC_VERSION);
	wr(&b, APIC_PPR, 0xff);
	assert_int_equal(rd(&b, APIC_PPR), 0);
	assert_int_equal(esr(&b), 0);	/* read-only is not "illegal register" */
}

static void test_tpr_ldr_dfr_svr(void **state)
{
	(void)state;
	wr(&b, APIC_TPR, 0xffffff5a);
	assert_int_equal(rd(&b, APIC_TPR), 0x5a);
	assert_int_equal(rd(&b, APIC_PPR), 0x5a);
	wr(&b, APIC_LDR, 0xabcdef12);
	assert_int_equal(rd(&b, APIC_LDR), 0xab000000);
	wr(&b, APIC_DFR, 0x01234567);
	assert_int_equal(rd(&b, APIC_DFR), APIC_DFR_CLUSTER);
	wr(&b, APIC_DFR, 0xf0000000);
	assert_int_equal(rd(&b, APIC_DFR), APIC_DFR_FLAT);
	wr(&b, APIC_SVR, 0xffffffff);	/* no EOI-broadcast suppression (bit 12) */
	assert_int_equal(rd(&b, APIC_SVR), 0x3ff);
	wr(&b, APIC_SVR, 0x100);	/* bits 3:0 of the vector are writable */
	assert_int_equal(rd(&b, APIC_SVR), 0x100);
	assert_true(vlapic_sw_enabled(&b));
}

static void test_lvt_writable_bits(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0xffffffff);
	assert_int_equal(rd(&b, APIC_LVT_TIMER), 0x000700ff);	/* 12 read-only */
	wr(&c, APIC_SVR, 0x1ff);
	wr(&c, APIC_LVT_TIMER, 0xffffffff);	/* no TSC-deadline on c */
	assert_int_equal(rd(&c, APIC_LVT_TIMER), 0x000300ff);
	wr(&b, APIC_LVT_THERMAL, 0xffffffff);
	assert_int_equal(rd(&b, APIC_LVT_THERMAL), 0x000107ff);
	wr(&b, APIC_LVT_PERF, 0xffffffff);
	assert_int_equal(rd(&b, APIC_LVT_PERF), 0x000107ff);
	wr(&b, APIC_LVT_LINT0, 0xffffffff);	/* remote IRR (14) is not writable */
	assert_int_equal(rd(&b, APIC_LVT_LINT0), 0x0001a7ff);
	wr(&b, APIC_LVT_LINT1, 0xffffffff);
	assert_int_equal(rd(&b, APIC_LVT_LINT1), 0x0001a7ff);
	wr(&b, APIC_LVT_ERROR, 0xffffffff);
	assert_int_equal(rd(&b, APIC_LVT_ERROR), 0x000100ff);
	wr(&b, APIC_LVT_ERROR, 0x33);
	assert_int_equal(rd(&b, APIC_LVT_ERROR), 0x33);
}

static void test_timer_regs_rw(void **state)
{
	(void)state;
	wr(&b, APIC_TDCR, 0xffffffff);
	assert_int_equal(rd(&b, APIC_TDCR), 0xb);
	wr(&b, APIC_TMICT, 0xffffffff);
	assert_int_equal(rd(&b, APIC_TMICT), 0xffffffff);
	wr(&b, APIC_TMCCT, 5);	/* read-only */
	assert_int_equal(rd(&b, APIC_TMCCT), 0xffffffff);
}

static void test_esr_accumulates(void **state)
{
	(void)state;
	wr(&b, APIC_ICR, 0x05);	/* fixed, vector 5: send illegal */
	assert_int_equal(rd(&b, APIC_ESR), 0);	/* not loaded yet */
	wr(&b, APIC_ESR, 0x1234);	/* the value is irrelevant */
	assert_int_equal(rd(&b, APIC_ESR), APIC_ESR_SEND_ILLEGAL);
	wr(&b, APIC_ESR, 0);
	assert_int_equal(rd(&b, APIC_ESR), 0);
}

static void test_illegal_register(void **state)
{
	(void)state;
	assert_int_equal(rd(&b, 0x40), 0);
	assert_int_equal(esr(&b), APIC_ESR_ILLEGAL_REG);
	wr(&b, APIC_LVT_CMCI, 0x10040);	/* no CMCI on AMD */
	assert_int_equal(rd(&b, APIC_LVT_CMCI), 0);
	assert_int_equal(esr(&b), APIC_ESR_ILLEGAL_REG);
	wr(&b, APIC_SELF_IPI, 0x40);	/* x2APIC only */
	assert_int_equal(rd(&b, APIC_IRR + 0x20), 0);
	assert_int_equal(esr(&b), APIC_ESR_ILLEGAL_REG);
	assert_int_equal(rd(&b, APIC_EOI), 0);	/* write-only, but implemented */
	assert_int_equal(rd(&b, APIC_RRD), 0);
	assert_int_equal(esr(&b), 0);
}

/* ---- MMIO widths ---- */

static void test_mmio_narrow_reads(void **state)
{
	uint64_t v;

	(void)state;
	wr(&b, APIC_ID, 0x12000000);
	wr(&b, APIC_TPR, 0xa5);
	assert_int_equal(vlapic_mmio(&b, APIC_ID + 3, 1, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0x12);
	assert_int_equal(vlapic_mmio(&b, APIC_ID + 2, 2, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0x1200);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 1, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0xa5);
	/* bytes 4-15 of a slot read as zero */
	assert_int_equal(vlapic_mmio(&b, APIC_TPR + 4, 4, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 8, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0xa5);
	/* across a slot boundary: TPR's neighbour slot 0x70 is unimplemented */
	assert_int_equal(vlapic_mmio(&b, APIC_ID + 2, 4, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0x1200);
	assert_int_equal(vlapic_mmio(&b, 0xffe, 4, false, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(v, 0);
}

static void test_mmio_bad_writes_dropped(void **state)
{
	uint64_t v = 0x40;

	(void)state;
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 1, true, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 2, true, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 8, true, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR + 4, 4, true, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR + 1, 4, true, &v, T0, &out), VLAPIC_OK);
	assert_int_equal(rd(&b, APIC_TPR), 0);
	assert_int_equal(b.bad_accesses, 5);
	wr(&b, APIC_TPR, 0x40);
	assert_int_equal(rd(&b, APIC_TPR), 0x40);
	assert_int_equal(b.bad_accesses, 5);
}

static void test_mmio_undecoded(void **state)
{
	uint64_t v = 0;

	(void)state;
	to_x2(&b);
	assert_int_equal(vlapic_mmio(&b, APIC_ID, 4, false, &v, T0, &out), VLAPIC_UNDECODED);
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 4, true, &v, T0, &out), VLAPIC_UNDECODED);
	vlapic_set_base(&c, VLAPIC_BASE);
	assert_int_equal(vlapic_mmio(&c, APIC_ID, 4, false, &v, T0, &out), VLAPIC_UNDECODED);
}

/* ---- x2APIC MSRs ---- */

static void test_x2apic_msrs_gp_in_xapic(void **state)
{
	(void)state;
	gp_rd(&b, x2msr(APIC_ID));
	gp_rd(&b, x2msr(APIC_TPR));
	gp_wr(&b, x2msr(APIC_TPR), 0);
	gp_wr(&b, x2msr(APIC_EOI), 0);
	gp_wr(&b, x2msr(APIC_SELF_IPI), 0x40);
	gp_rd(&b, 0x7ff);
	gp_rd(&b, MSR_X2APIC_END);
}

static void test_x2apic_id_ldr(void **state)
{
	struct vlapic d;

	(void)state;
	vlapic_init(&d, 0x12345, false, TSC_KHZ, false);
	assert_int_equal(rd(&d, APIC_ID), 0x45u << 24);	/* xAPIC: 8 bits */
	wr(&d, APIC_ID, 0x77000000);
	to_x2(&d);
	assert_int_equal(rdmsr(&d, x2msr(APIC_ID)), 0x12345);	/* initial APIC ID */
	assert_int_equal(rdmsr(&d, x2msr(APIC_LDR)), (0x1234u << 16) | (1u << 5));
	gp_wr(&d, x2msr(APIC_ID), 0x12345);
	gp_wr(&d, x2msr(APIC_LDR), 0);
	assert_int_equal(rdmsr(&d, x2msr(APIC_VER)), VLAPIC_VERSION);
}

static void test_x2apic_missing_registers(void **state)
{
	(void)state;
	to_x2(&b);
	gp_rd(&b, x2msr(APIC_DFR));
	gp_wr(&b, x2msr(APIC_DFR), 0xffffffff);
	gp_rd(&b, x2msr(APIC_APR));
	gp_rd(&b, x2msr(APIC_RRD));
	gp_rd(&b, x2msr(APIC_ICR2));
	gp_wr(&b, x2msr(APIC_ICR2), 0);
	gp_rd(&b, 0x800);
	gp_rd(&b, 0x801);
	gp_rd(&b, x2msr(APIC_LVT_CMCI));
	gp_wr(&b, x2msr(APIC_LVT_CMCI), 0x10000);
	gp_rd(&b, 0x840);
	gp_rd(&b, 0x8ff);
	gp_wr(&b, 0x8ff, 0);
}

static void test_x2apic_write_only(void **state)
{
	(void)state;
	to_x2(&b);
	gp_rd(&b, x2msr(APIC_EOI));
	gp_rd(&b, x2msr(APIC_SELF_IPI));
	gp_wr(&b, x2msr(APIC_EOI), 1);
	wrmsr(&b, x2msr(APIC_EOI), 0);
}

static void test_x2apic_read_only_gp(void **state)
{
	(void)state;
	to_x2(&b);
	gp_wr(&b, x2msr(APIC_VER), VLAPIC_VERSION);
	gp_wr(&b, x2msr(APIC_PPR), 0);
	gp_wr(&b, x2msr(APIC_ISR), 0);
	gp_wr(&b, x2msr(APIC_TMR + 0x70), 0);
	gp_wr(&b, x2msr(APIC_IRR + 0x10), 0);
	gp_wr(&b, x2msr(APIC_TMCCT), 0);
}

static void test_x2apic_reserved_bits(void **state)
{
	(void)state;
	to_x2(&b);
	gp_wr(&b, x2msr(APIC_TPR), 0x100);
	gp_wr(&b, x2msr(APIC_TPR), 1ull << 32);
	wrmsr(&b, x2msr(APIC_TPR), 0xff);
	assert_int_equal(rdmsr(&b, x2msr(APIC_TPR)), 0xff);
	gp_wr(&b, x2msr(APIC_SVR), 0x11ff);	/* EOI suppression not offered */
	wrmsr(&b, x2msr(APIC_SVR), 0x3ff);
	gp_wr(&b, x2msr(APIC_ESR), 1);
	gp_wr(&b, x2msr(APIC_LVT_ERROR), 0x100ff | (1u << 8));
	gp_wr(&b, x2msr(APIC_LVT_TIMER), 0x80000);	/* bit 19 */
	gp_wr(&b, x2msr(APIC_LVT_TIMER), 3u << 17);	/* mode 11b reserved */
	gp_wr(&b, x2msr(APIC_LVT_LINT0), 1u << 17);
	gp_wr(&b, x2msr(APIC_TDCR), 4);
	gp_wr(&b, x2msr(APIC_ICR), 1u << 13 | 0x40);
	gp_wr(&b, x2msr(APIC_ICR), 1u << 16 | 0x40);
	gp_wr(&b, x2msr(APIC_SELF_IPI), 0x140);
	assert_int_equal(vlapic_pending_irq(&b), -1);	/* nothing happened */
	/* read-only status bits written back are fine (read-modify-write) */
	wrmsr(&b, x2msr(APIC_LVT_LINT0), APIC_LVT_MASKED | APIC_REMOTE_IRR | APIC_DELIV_STATUS);
	assert_int_equal(rdmsr(&b, x2msr(APIC_LVT_LINT0)), APIC_LVT_MASKED);
	to_x2(&c);	/* no TSC-deadline: bit 18 reserved */
	gp_wr(&c, x2msr(APIC_LVT_TIMER), 2u << 17);
}

static void test_x2apic_icr_self_ipi(void **state)
{
	(void)state;
	to_x2(&b);
	sw_enable(&b);
	wrmsr(&b, x2msr(APIC_ICR), 0x1234567800004041ull);
	assert_int_equal(rdmsr(&b, x2msr(APIC_ICR)), 0x1234567800004041ull);
	assert_true(out.send);
	assert_int_equal(out.msg.dest, 0x12345678);
	assert_int_equal(out.msg.vector, 0x41);
	wrmsr(&b, x2msr(APIC_SELF_IPI), 0x66);
	assert_true(out.send);
	assert_int_equal(out.msg.shorthand, VLAPIC_SH_SELF);
	assert_int_equal(vlapic_pending_irq(&b), 0x66);
	assert_int_equal(vlapic_route((struct vlapic *[]){ &a, &b }, 2, 1, &out.msg), 0);
	wrmsr(&b, x2msr(APIC_SELF_IPI), 0x06);
	assert_false(out.send);
	assert_int_equal(rdmsr(&b, x2msr(APIC_IRR)), 0);
	wrmsr(&b, x2msr(APIC_ESR), 0);
	assert_int_equal(rdmsr(&b, x2msr(APIC_ESR)), APIC_ESR_SEND_ILLEGAL);
}

/* ---- illegal vectors ---- */

static void test_icr_illegal_vector(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_ICR2, 0);
	wr(&b, APIC_ICR, 0x0f);
	assert_false(out.send);
	wr(&b, APIC_ICR, 0x10f);	/* lowest priority carries a vector too */
	assert_false(out.send);
	assert_int_equal(esr(&b), APIC_ESR_SEND_ILLEGAL);
	wr(&b, APIC_ICR, 0x400);	/* NMI: the vector is ignored */
	assert_true(out.send);
	assert_int_equal(esr(&b), 0);
}

static void test_receive_illegal_vector(void **state)
{
	(void)state;
	sw_enable(&b);
	assert_true(vlapic_accept(&b, VLAPIC_DM_FIXED, 3, false));
	for (unsigned i = 0; i < 16; i++)
		vlapic_accept(&b, VLAPIC_DM_LOWEST, (uint8_t)i, true);
	assert_int_equal(b.irr[0], 0);
	assert_int_equal(b.tmr[0], 0);
	assert_int_equal(esr(&b), APIC_ESR_RECV_ILLEGAL);
	assert_int_equal(esr(&b), 0);
}

static void test_error_lvt_fires(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_ERROR, 0xfe);
	wr(&b, APIC_ICR, 0x01);
	assert_int_equal(vlapic_pending_irq(&b), 0xfe);
	/* a remote receive error is folded in on the owner's next call */
	vlapic_ack_irq(&b, 0xfe);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 2, false);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_NMI), 0);
	assert_true(vec_set(b.irr, 0xfe));
	assert_int_equal(esr(&b), APIC_ESR_SEND_ILLEGAL | APIC_ESR_RECV_ILLEGAL);
	/* an illegal error vector itself is a receive error, no loop */
	wr(&b, APIC_LVT_ERROR, 0x03);
	wr(&b, APIC_ICR, 0x01);
	assert_int_equal(esr(&b), APIC_ESR_SEND_ILLEGAL | APIC_ESR_RECV_ILLEGAL);
}

static void test_lvt_timer_illegal_vector(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x08);
	wr(&b, APIC_TMICT, 1);
	assert_true(vlapic_timer_expire(&b, T0 + 100));
	assert_int_equal(b.irr[0], 0);
	assert_int_equal(esr(&b), APIC_ESR_RECV_ILLEGAL);
}

/* ---- priorities ---- */

static void test_tpr_ppr(void **state)
{
	(void)state;
	sw_enable(&b);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x50, false);
	vlapic_ack_irq(&b, 0x50);
	wr(&b, APIC_TPR, 0x3f);
	assert_int_equal(rd(&b, APIC_PPR), 0x50);	/* ISRV class wins, low nibble 0 */
	wr(&b, APIC_TPR, 0x57);
	assert_int_equal(rd(&b, APIC_PPR), 0x57);	/* equal class: TPR */
	wr(&b, APIC_TPR, 0x67);
	assert_int_equal(rd(&b, APIC_PPR), 0x67);
	assert_int_equal(vlapic_ppr_for_lowest(&b), 0x67);
	wr(&b, APIC_TPR, 0);
	assert_int_equal(rd(&b, APIC_PPR), 0x50);
}

static void test_pending_above_ppr(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_TPR, 0x50);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x5f, false);
	assert_int_equal(vlapic_pending_irq(&b), -1);	/* same class as TPR */
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x60, false);
	assert_int_equal(vlapic_pending_irq(&b), 0x60);
	wr(&b, APIC_TPR, 0x60);
	assert_int_equal(vlapic_pending_irq(&b), -1);
	vlapic_set_tpr(&b, 0);	/* MOV CR8, 0 */
	assert_int_equal(vlapic_tpr(&b), 0);
	assert_int_equal(vlapic_pending_irq(&b), 0x60);
	vlapic_set_tpr(&b, 0x7 << 4);	/* MOV CR8, 7 */
	assert_int_equal(vlapic_tpr(&b), 0x70);
	assert_int_equal(rd(&b, APIC_TPR), 0x70);
	assert_int_equal(vlapic_pending_irq(&b), -1);
}

static void test_apr(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_TPR, 0x45);
	assert_int_equal(rd(&b, APIC_APR), 0x45);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x61, false);
	assert_int_equal(rd(&b, APIC_APR), 0x60);	/* IRRV class above TPR */
	vlapic_ack_irq(&b, 0x61);
	wr(&b, APIC_TPR, 0x65);
	assert_int_equal(rd(&b, APIC_APR), 0x60);	/* TPR not above ISRV */
	wr(&b, APIC_TPR, 0x75);
	assert_int_equal(rd(&b, APIC_APR), 0x75);
}

/* ---- IRR, ISR, EOI ---- */

static void test_nesting_and_eoi(void **state)
{
	(void)state;
	sw_enable(&b);
	assert_true(vlapic_accept(&b, VLAPIC_DM_FIXED, 0x40, false));
	assert_false(vlapic_accept(&b, VLAPIC_DM_FIXED, 0x40, false));	/* already pending */
	assert_int_equal(vlapic_pending_irq(&b), 0x40);
	vlapic_ack_irq(&b, 0x40);
	assert_true(vec_set(b.isr, 0x40));
	assert_false(vec_set(b.irr, 0x40));
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x45, false);
	assert_int_equal(vlapic_pending_irq(&b), -1);	/* same class in service */
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x80, false);
	assert_int_equal(vlapic_pending_irq(&b), 0x80);
	vlapic_ack_irq(&b, 0x80);
	assert_int_equal(rd(&b, APIC_ISR + 0x40), 1);	/* vector 0x80 */
	assert_int_equal(rd(&b, APIC_ISR + 0x20), 1);	/* vector 0x40 */
	assert_int_equal(rd(&b, APIC_PPR), 0x80);
	wr(&b, APIC_EOI, 0);
	assert_int_equal(out.eoi_vector, -1);
	assert_false(vec_set(b.isr, 0x80));
	assert_true(vec_set(b.isr, 0x40));
	assert_int_equal(vlapic_pending_irq(&b), -1);
	wr(&b, APIC_EOI, 0x1234);	/* xAPIC: any value */
	assert_false(vec_set(b.isr, 0x40));
	assert_int_equal(vlapic_pending_irq(&b), 0x45);
	wr(&b, APIC_EOI, 0);	/* nothing in service: ignored */
	assert_int_equal(out.eoi_vector, -1);
}

static void test_eoi_level_reports(void **state)
{
	(void)state;
	sw_enable(&b);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x71, true);
	assert_int_equal(rd(&b, APIC_TMR + 0x30), 1u << 17);
	vlapic_ack_irq(&b, 0x71);
	wr(&b, APIC_EOI, 0);
	assert_int_equal(out.eoi_vector, 0x71);
	/* a later edge acceptance of the vector clears its TMR bit */
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x71, false);
	assert_false(vec_set(b.tmr, 0x71));
	vlapic_ack_irq(&b, 0x71);
	wr(&b, APIC_EOI, 0);
	assert_int_equal(out.eoi_vector, -1);
}

static void test_ack_without_irr(void **state)
{
	(void)state;
	sw_enable(&b);
	vlapic_ack_irq(&b, 0x90);
	vlapic_ack_irq(&b, 0x05);
	for (int i = 0; i < 8; i++)
		assert_int_equal(b.isr[i], 0);
	assert_int_equal(rd(&b, APIC_PPR), 0);
}

static void test_counts_and_view(void **state)
{
	struct vlapic_view v;

	(void)state;
	sw_enable(&b);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x33, false);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x33, false);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x34, true);
	assert_int_equal(b.counts[0x33], 2);
	assert_int_equal(b.counts[0x34], 1);
	wr(&b, APIC_TPR, 0x20);
	wr(&b, APIC_LVT_TIMER, 0x20030);
	wr(&b, APIC_TMICT, 1000);
	vlapic_view(&b, T0 + 1000 * CYC, &v);
	assert_int_equal(v.id, 1);
	assert_int_equal(v.version, VLAPIC_VERSION);
	assert_int_equal(v.tpr, 0x20);
	assert_int_equal(v.ppr, 0x20);
	assert_int_equal(v.irr[1], 3u << 19);
	assert_int_equal(v.tmr[1], 1u << 20);
	assert_int_equal(v.lvt[0], 0x20030);
	assert_int_equal(v.timer_mode, VLAPIC_TIMER_PERIODIC);
	assert_int_equal(v.timer_current, 500);
	assert_int_equal(v.timer_deadline, T0 + 2000 * CYC);
	assert_true(v.enabled && v.sw_enabled && !v.x2apic);
}

/* ---- destinations ---- */

static void test_logical_flat(void **state)
{
	struct vlapic_msg m = { .logical = true, .mode = VLAPIC_DM_FIXED, .vector = 0x30 };

	(void)state;
	wr(&b, APIC_LDR, 0x06000000);
	m.dest = 0x04;
	assert_true(vlapic_match_dest(&b, &m, 0));
	m.dest = 0x09;
	assert_false(vlapic_match_dest(&b, &m, 0));
	m.dest = 0xff;
	assert_true(vlapic_match_dest(&b, &m, 0));
	m.dest = 0x02;
	m.logical = false;	/* physical 2 is c */
	assert_false(vlapic_match_dest(&b, &m, 0));
	assert_true(vlapic_match_dest(&c, &m, 0));
}

static void test_logical_cluster(void **state)
{
	struct vlapic_msg m = { .logical = true };

	(void)state;
	wr(&b, APIC_DFR, APIC_DFR_CLUSTER);
	wr(&b, APIC_LDR, 0x32000000);	/* cluster 3, member bit 1 */
	m.dest = 0x32;
	assert_true(vlapic_match_dest(&b, &m, 0));
	m.dest = 0x36;
	assert_true(vlapic_match_dest(&b, &m, 0));
	m.dest = 0x31;
	assert_false(vlapic_match_dest(&b, &m, 0));
	m.dest = 0x22;	/* other cluster */
	assert_false(vlapic_match_dest(&b, &m, 0));
	m.dest = 0xf2;	/* broadcast cluster */
	assert_true(vlapic_match_dest(&b, &m, 0));
	m.dest = 0xf1;
	assert_false(vlapic_match_dest(&b, &m, 0));
}

static void test_logical_x2apic(void **state)
{
	struct vlapic d;
	struct vlapic_msg m = { .logical = true };

	(void)state;
	vlapic_init(&d, 0x23, false, TSC_KHZ, false);	/* cluster 2, bit 3 */
	to_x2(&d);
	m.dest = (2u << 16) | 0x8;
	assert_true(vlapic_match_dest(&d, &m, 0));
	m.dest = (2u << 16) | 0x7;
	assert_false(vlapic_match_dest(&d, &m, 0));
	m.dest = (3u << 16) | 0x8;
	assert_false(vlapic_match_dest(&d, &m, 0));
	m.dest = 0xffffffff;
	assert_true(vlapic_match_dest(&d, &m, 0));
	m.logical = false;
	m.dest = 0x23;
	assert_true(vlapic_match_dest(&d, &m, 0));
	m.dest = 0xff;	/* not a broadcast in x2APIC mode */
	assert_false(vlapic_match_dest(&d, &m, 0));
}

static void test_physical(void **state)
{
	struct vlapic d;
	struct vlapic_msg m = { .logical = false, .dest = 0xff };

	(void)state;
	assert_true(vlapic_match_dest(&a, &m, 1));
	assert_true(vlapic_match_dest(&c, &m, 1));
	m.dest = 1;
	assert_true(vlapic_match_dest(&b, &m, 0));
	assert_false(vlapic_match_dest(&a, &m, 0));
	vlapic_init(&d, 300, false, TSC_KHZ, false);
	to_x2(&d);
	m.dest = 300;
	assert_true(vlapic_match_dest(&d, &m, 0));
	m.dest = 300 & 0xff;
	assert_false(vlapic_match_dest(&d, &m, 0));
}

static void test_shorthands(void **state)
{
	struct vlapic *all[] = { &a, &b, &c };
	struct vlapic_msg m = { .vector = 0x40, .shorthand = VLAPIC_SH_ALL };

	(void)state;
	assert_int_equal(vlapic_route(all, 3, 1, &m), 7);
	m.shorthand = VLAPIC_SH_OTHERS;
	assert_int_equal(vlapic_route(all, 3, 1, &m), 5);
	assert_int_equal(vlapic_route(all, 3, -1, &m), 7);
	assert_false(vlapic_match_dest(&b, &m, 1));
	assert_true(vlapic_match_dest(&a, &m, 1));
	m.shorthand = VLAPIC_SH_SELF;
	assert_int_equal(vlapic_route(all, 3, 1, &m), 0);	/* sender delivered it */
	assert_true(vlapic_match_dest(&b, &m, 1));
	assert_false(vlapic_match_dest(&a, &m, 1));
	m.shorthand = VLAPIC_SH_NONE;
	m.dest = 2;
	assert_int_equal(vlapic_route(all, 3, 1, &m), 4);
}

static void test_icr_xapic_send(void **state)
{
	(void)state;
	sw_enable(&a);
	wr(&a, APIC_ICR2, 0x02ffffff);
	assert_int_equal(rd(&a, APIC_ICR2), 0x02000000);
	assert_false(out.send);	/* the high half alone sends nothing */
	wr(&a, APIC_ICR, 0xfffff9a5);	/* shorthand "others" wins over dest */
	assert_true(out.send);
	assert_int_equal(out.msg.vector, 0xa5);
	assert_int_equal(out.msg.mode, VLAPIC_DM_LOWEST);
	assert_true(out.msg.logical);
	assert_true(out.msg.level);
	assert_int_equal(out.msg.shorthand, VLAPIC_SH_OTHERS);
	assert_int_equal(out.msg.dest, 2);
	assert_int_equal(rd(&a, APIC_ICR), 0x000cc9a5);	/* delivery status idle */
	wr(&a, APIC_ICR, 0x4040);	/* fixed physical to 2 */
	assert_true(out.send);
	assert_false(out.msg.logical);
	assert_int_equal(out.msg.shorthand, VLAPIC_SH_NONE);
	wr(&a, APIC_ICR, 0x200);	/* SMI: not modelled */
	assert_false(out.send);
}

static void test_icr_self_shorthand(void **state)
{
	(void)state;
	sw_enable(&a);
	wr(&a, APIC_ICR, 0x40000 | 0x51);
	assert_true(out.send);
	assert_int_equal(out.msg.shorthand, VLAPIC_SH_SELF);
	assert_int_equal(vlapic_pending_irq(&a), 0x51);
	wr(&a, APIC_ICR, 0x40000 | 0x400);	/* NMI to self: invalid combination */
	assert_false(out.send);
	assert_int_equal(vlapic_take_pending(&a, VLAPIC_PEND_ALL), 0);
}

static void test_lowest_priority(void **state)
{
	struct vlapic *all[] = { &a, &b, &c };
	struct vlapic_msg m = { .mode = VLAPIC_DM_LOWEST, .vector = 0x40, .dest = 0xff };

	(void)state;
	sw_enable(&a);
	sw_enable(&b);
	sw_enable(&c);
	assert_int_equal(vlapic_route(all, 3, -1, &m), 1);	/* tie: lowest index */
	wr(&a, APIC_TPR, 0x30);
	assert_int_equal(vlapic_route(all, 3, -1, &m), 2);
	wr(&b, APIC_TPR, 0x40);
	assert_int_equal(vlapic_route(all, 3, -1, &m), 4);
	wr(&c, APIC_SVR, 0xff);	/* software-disabled: not a candidate */
	assert_int_equal(vlapic_route(all, 3, -1, &m), 1);
	m.dest = 1;	/* a single physical match */
	assert_int_equal(vlapic_route(all, 3, -1, &m), 2);
	m.dest = 9;
	assert_int_equal(vlapic_route(all, 3, -1, &m), 0);
	m.mode = VLAPIC_DM_FIXED;
	m.dest = 0xff;
	assert_int_equal(vlapic_route(all, 3, -1, &m), 7);
	assert_true(vlapic_deliver(&b, &(struct vlapic_msg){ .mode = VLAPIC_DM_LOWEST,
							    .vector = 0x99 }));
	assert_true(vec_set(b.irr, 0x99));
}

static void test_route_skips_disabled(void **state)
{
	struct vlapic *all[] = { &a, NULL, &c };
	struct vlapic_msg m = { .mode = VLAPIC_DM_NMI, .shorthand = VLAPIC_SH_ALL };

	(void)state;
	vlapic_set_base(&c, VLAPIC_BASE);
	assert_int_equal(vlapic_route(all, 3, 0, &m), 1);
	assert_false(vlapic_accept(&c, VLAPIC_DM_NMI, 0, false));
	assert_int_equal(vlapic_take_pending(&c, VLAPIC_PEND_ALL), 0);
}

/* ---- INIT, SIPI, NMI, ExtINT ---- */

static void test_init_sipi(void **state)
{
	struct vlapic *all[] = { &a, &b };

	(void)state;
	sw_enable(&b);
	wr(&b, APIC_ID, 0x05000000);
	wr(&b, APIC_TPR, 0x20);
	wr(&b, APIC_LDR, 0x01000000);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x40, true);
	sw_enable(&a);
	wr(&a, APIC_ICR2, 0x05000000);
	wr(&a, APIC_ICR, 0x8500);	/* INIT, level, de-assert: ignored */
	assert_false(out.send);
	wr(&a, APIC_ICR, 0xc500);	/* INIT, level, assert */
	assert_true(out.send);
	assert_int_equal(vlapic_route(all, 2, 0, &out.msg), 2);
	assert_true(vlapic_deliver(&b, &out.msg));
	wr(&a, APIC_ICR, 0x0500);	/* INIT edge without the assert bit: still an INIT */
	assert_true(out.send && out.msg.assert_);
	wr(&a, APIC_ICR, 0x069a);	/* STARTUP 0x9a */
	assert_true(vlapic_deliver(&b, &out.msg));
	assert_true(vlapic_accept(&b, VLAPIC_DM_STARTUP, 0x9b, false));	/* latest wins */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_INIT),
			 VLAPIC_PEND_INIT);
	/* SDM 10.4.7.3: reset but ID and base */
	assert_int_equal(rd(&b, APIC_ID), 0x05000000);
	assert_int_equal(rd(&b, APIC_TPR), 0);
	assert_int_equal(rd(&b, APIC_LDR), 0);
	assert_int_equal(rd(&b, APIC_SVR), 0xff);
	assert_int_equal(b.irr[2], 0);
	assert_int_equal(b.tmr[2], 0);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), VLAPIC_PEND_SIPI);
	assert_int_equal(vlapic_sipi_vector(&b), 0x9b);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), 0);
	assert_int_equal(b.pending, 0);	/* the run loop's fast path: nothing left */
	assert_false(vlapic_deliver(&b, &(struct vlapic_msg){ .mode = VLAPIC_DM_INIT }));
}

static void test_nmi_extint_smi(void **state)
{
	(void)state;
	/* software-disabled still takes NMI and ExtINT, not fixed */
	assert_true(vlapic_accept(&b, VLAPIC_DM_NMI, 0, false));
	assert_true(vlapic_accept(&b, VLAPIC_DM_EXTINT, 0, false));
	assert_false(vlapic_accept(&b, VLAPIC_DM_SMI, 0, false));
	assert_false(vlapic_accept(&b, VLAPIC_DM_FIXED, 0x40, false));
	assert_int_equal(b.counts[0x40], 0);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_NMI), VLAPIC_PEND_NMI);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), VLAPIC_PEND_EXTINT);
}

static void test_sw_disable_holds_irr(void **state)
{
	(void)state;
	sw_enable(&b);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x40, false);
	wr(&b, APIC_SVR, 0xff);
	assert_int_equal(vlapic_pending_irq(&b), 0x40);	/* held, still handled */
	vlapic_ack_irq(&b, 0x40);
	assert_true(vec_set(b.isr, 0x40));
}

static void test_sw_disable_masks_lvts(void **state)
{
	(void)state;
	sw_enable(&b);
	for (unsigned off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 16)
		wr(&b, off, 0x40);
	assert_int_equal(rd(&b, APIC_LVT_LINT0), 0x40);
	wr(&b, APIC_SVR, 0xff);
	for (unsigned off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 16) {
		assert_int_equal(rd(&b, off), 0x10040);
		wr(&b, off, 0x41);
		assert_int_equal(rd(&b, off), 0x10041);	/* cannot unmask */
	}
	sw_enable(&b);
	assert_int_equal(rd(&b, APIC_LVT_TIMER), 0x10041);	/* stays masked */
	wr(&b, APIC_LVT_TIMER, 0x41);
	assert_int_equal(rd(&b, APIC_LVT_TIMER), 0x41);
}

/* ---- timer ---- */

static void test_timer_oneshot(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x30);
	wr(&b, APIC_TDCR, 0xb);	/* divide by 1 */
	wr_at(&b, APIC_TMICT, 1000, T0);
	assert_true(out.timer_changed);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 1000 * CYC);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0), 1000);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 250 * CYC), 750);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 1000 * CYC - 1), 1);
	assert_false(vlapic_timer_expire(&b, T0 + 1000 * CYC - 1));
	assert_true(vlapic_timer_expire(&b, T0 + 5000 * CYC));
	assert_int_equal(vlapic_pending_irq(&b), 0x30);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 5000 * CYC), 0);
	assert_false(vlapic_timer_expire(&b, T0 + 9000 * CYC));
	assert_int_equal(b.fired, 1);
	assert_int_equal(rd(&b, APIC_TMICT), 1000);	/* initial count stays */
}

static void test_timer_masked_still_counts(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x10030);
	wr(&b, APIC_TMICT, 100);
	assert_true(vlapic_timer_expire(&b, T0 + 1000 * CYC));
	assert_int_equal(vlapic_pending_irq(&b), -1);
	assert_int_equal(b.irr[1], 0);
	assert_int_equal(b.fired, 1);
}

static void test_timer_stop_and_restart(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x30);
	wr_at(&b, APIC_TMICT, 100, T0);
	wr_at(&b, APIC_TMICT, 0, T0 + 10);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	assert_int_equal(rd(&b, APIC_TMCCT), 0);
	wr_at(&b, APIC_TMICT, 100, T0 + 50);	/* a write restarts from now */
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 50 + 200 * CYC);
}

static void test_timer_periodic_collapse(void **state)
{
	uint64_t p = 2000 * CYC;	/* 1000 counts / 2 */

	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x20031);
	wr_at(&b, APIC_TMICT, 1000, T0);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + p);
	assert_true(vlapic_timer_expire(&b, T0 + p));
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 2 * p);
	vlapic_ack_irq(&b, 0x31);
	wr(&b, APIC_EOI, 0);
	/* 3.5 periods missed: one interrupt, next boundary strictly after now */
	assert_true(vlapic_timer_expire(&b, T0 + 5 * p + p / 2));
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 6 * p);
	assert_int_equal(b.counts[0x31], 2);
	assert_false(vlapic_timer_expire(&b, T0 + 6 * p - 1));
	assert_true(vlapic_timer_expire(&b, T0 + 6 * p));	/* on a boundary */
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 7 * p);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 6 * p + p / 4), 750);
	assert_int_equal(b.fired, 3);
}

static void test_timer_periodic_late_read(void **state)
{
	uint64_t p = 2000 * CYC;

	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x20031);
	wr_at(&b, APIC_TMICT, 1000, T0);
	/* the expiry is not processed yet: the count has reloaded already */
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 2 * p + p / 2), 500);
	wr(&b, APIC_LVT_TIMER, 0x00031);	/* one-shot: a late read is 0 */
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 2 * p + p / 2), 0);
}

static void test_null_out_and_bad_pin(void **state)
{
	uint64_t v = 0x40;

	(void)state;
	assert_int_equal(vlapic_mmio(&b, APIC_TPR, 4, true, &v, T0, NULL), VLAPIC_OK);
	assert_int_equal(rd(&b, APIC_TPR), 0x40);
	to_x2(&b);
	assert_int_equal(vlapic_wrmsr(&b, x2msr(APIC_TPR), 0x50, T0, NULL), VLAPIC_OK);
	assert_int_equal(rdmsr(&b, x2msr(APIC_TPR)), 0x50);
	vlapic_lint(&b, 2, true);	/* no such pin */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), 0);
}

static void test_timer_periodic_min(void **state)
{
	uint64_t min = VLAPIC_MIN_PERIOD_NS * TSC_KHZ / 1000000;

	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x20031);
	wr(&b, APIC_TDCR, 0xb);
	wr_at(&b, APIC_TMICT, 1, T0);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + min);
	assert_true(vlapic_timer_expire(&b, T0 + 10 * min + 1));
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 11 * min);
	/* a one-shot of the same count is not stretched */
	wr(&b, APIC_LVT_TIMER, 0x00031);
	wr_at(&b, APIC_TMICT, 1, T0);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + CYC);
}

static void test_timer_divide(void **state)
{
	static const struct { uint32_t tdcr; uint64_t div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
		{ 0xf4, 2 },	/* only bits 0, 1, 3 count */
	};

	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x30);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wr(&b, APIC_TDCR, t[i].tdcr);
		wr_at(&b, APIC_TMICT, 100, T0);
		assert_int_equal(vlapic_timer_deadline(&b), T0 + 100 * t[i].div * CYC);
	}
}

static void test_timer_divide_change_keeps_count(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x30);
	wr(&b, APIC_TDCR, 0xb);	/* by 1 */
	wr_at(&b, APIC_TMICT, 1000, T0);
	wr_at(&b, APIC_TDCR, 0x3, T0 + 400 * CYC);	/* by 16 with 600 left */
	assert_true(out.timer_changed);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 400 * CYC), 600);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 400 * CYC + 600 * 16 * CYC);
	assert_int_equal(rd_at(&b, APIC_TMCCT, T0 + 400 * CYC + 160 * CYC), 590);
}

static void test_timer_mode_switch(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_TIMER, 0x30);
	wr_at(&b, APIC_TMICT, 1000, T0);
	/* one-shot -> periodic: the count runs on, then reloads */
	wr_at(&b, APIC_LVT_TIMER, 0x20030, T0 + 10);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 2000 * CYC);
	assert_true(vlapic_timer_expire(&b, T0 + 2000 * CYC));
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 4000 * CYC);
	/* -> TSC-deadline: disarmed, initial count cleared */
	wr(&b, APIC_LVT_TIMER, 0x40030);
	assert_true(out.timer_changed);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	assert_int_equal(rd(&b, APIC_TMICT), 0);
}

static void test_tsc_deadline(void **state)
{
	(void)state;
	sw_enable(&b);
	wrmsr(&b, MSR_TSC_DEADLINE, T0 + 5);	/* one-shot mode: ignored */
	assert_int_equal(rdmsr(&b, MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	wr(&b, APIC_LVT_TIMER, 0x40040);
	wrmsr(&b, MSR_TSC_DEADLINE, T0 + 500);
	assert_true(out.timer_changed);
	assert_int_equal(rdmsr(&b, MSR_TSC_DEADLINE), T0 + 500);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 500);
	wr(&b, APIC_TMICT, 1000);	/* ignored in TSC-deadline mode */
	assert_int_equal(rd(&b, APIC_TMICT), 0);
	assert_int_equal(rd(&b, APIC_TMCCT), 0);
	assert_int_equal(vlapic_timer_deadline(&b), T0 + 500);
	assert_false(vlapic_timer_expire(&b, T0 + 499));
	assert_true(vlapic_timer_expire(&b, T0 + 500));
	assert_int_equal(vlapic_pending_irq(&b), 0x40);
	assert_int_equal(rdmsr(&b, MSR_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	wrmsr(&b, MSR_TSC_DEADLINE, 10);	/* in the past: fires at once */
	assert_true(vlapic_timer_expire(&b, T0));
	wrmsr(&b, MSR_TSC_DEADLINE, T0 + 10);
	wrmsr(&b, MSR_TSC_DEADLINE, 0);	/* disarm */
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	wrmsr(&b, MSR_TSC_DEADLINE, T0 + 10);
	wr(&b, APIC_LVT_TIMER, 0x00040);	/* mode switch disarms */
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	assert_int_equal(rdmsr(&b, MSR_TSC_DEADLINE), 0);
}

static void test_tsc_deadline_not_offered(void **state)
{
	(void)state;
	gp_rd(&c, MSR_TSC_DEADLINE);
	gp_wr(&c, MSR_TSC_DEADLINE, 5);
	wr(&c, APIC_SVR, 0x1ff);
	wr(&c, APIC_LVT_TIMER, 0x40040);
	assert_int_equal(rd(&c, APIC_LVT_TIMER) >> 17, 0);	/* stays one-shot */
}

/* ---- LINT ---- */

static void test_lint0_extint(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_LINT0, 0x10700);	/* ExtINT, masked */
	vlapic_lint(&b, 0, true);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), 0);
	wr(&b, APIC_LVT_LINT0, 0x00700);	/* unmasking with the line high */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_EXTINT), VLAPIC_PEND_EXTINT);
	vlapic_lint(&b, 0, true);	/* still high after the PIC's INTA: again */
	vlapic_lint(&b, 0, false);	/* dropped before the CPU took it */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), 0);
}

static void test_lint1_nmi_edge(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_LINT1, 0x400);
	vlapic_lint(&b, 1, true);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), VLAPIC_PEND_NMI);
	vlapic_lint(&b, 1, true);	/* no edge */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), 0);
	vlapic_lint(&b, 1, false);
	vlapic_lint(&b, 1, true);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), VLAPIC_PEND_NMI);
}

static void test_lint_fixed_edge_polarity(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_LINT1, 0x2000 | 0x55);	/* fixed, active low */
	vlapic_lint(&b, 1, true);
	assert_int_equal(vlapic_pending_irq(&b), -1);
	vlapic_lint(&b, 1, false);	/* asserted */
	assert_int_equal(vlapic_pending_irq(&b), 0x55);
	assert_false(vec_set(b.tmr, 0x55));
	wr(&b, APIC_LVT_LINT1, 0x18000 | 0x66);	/* masked */
	vlapic_lint(&b, 1, true);
	vlapic_lint(&b, 1, false);
	assert_false(vec_set(b.irr, 0x66));
}

static void test_lint0_fixed_level(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_LVT_LINT0, 0x8000 | 0x58);	/* fixed, level */
	vlapic_lint(&b, 0, true);
	assert_true(vec_set(b.irr, 0x58) && vec_set(b.tmr, 0x58));
	assert_int_equal(rd(&b, APIC_LVT_LINT0), 0xc058);	/* remote IRR */
	vlapic_ack_irq(&b, 0x58);
	vlapic_lint(&b, 0, true);	/* remote IRR blocks a second one */
	assert_false(vec_set(b.irr, 0x58));
	wr(&b, APIC_EOI, 0);	/* still high: delivered again */
	assert_int_equal(out.eoi_vector, 0x58);
	assert_true(vec_set(b.irr, 0x58));
	vlapic_lint(&b, 0, false);
	vlapic_ack_irq(&b, 0x58);
	wr(&b, APIC_EOI, 0);
	assert_int_equal(rd(&b, APIC_LVT_LINT0), 0x8058);
	assert_false(vec_set(b.irr, 0x58));
}

static void test_lint_when_hw_disabled(void **state)
{
	(void)state;
	vlapic_set_base(&b, VLAPIC_BASE);
	vlapic_lint(&b, 0, true);	/* INTR straight to the CPU */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), VLAPIC_PEND_EXTINT);
	vlapic_lint(&b, 1, true);	/* NMI pin */
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), VLAPIC_PEND_NMI);
}

/* ---- APIC_BASE ---- */

static void test_base_disable_enable(void **state)
{
	uint64_t v;

	(void)state;
	sw_enable(&b);
	wr(&b, APIC_ID, 0x09000000);
	wr(&b, APIC_TPR, 0x30);
	wr(&b, APIC_LVT_TIMER, 0x30);
	wr(&b, APIC_TMICT, 100);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x80, false);
	vlapic_accept(&b, VLAPIC_DM_EXTINT, 0, false);
	vlapic_set_base(&b, VLAPIC_BASE);
	assert_false(vlapic_hw_enabled(&b));
	assert_int_equal(vlapic_base(&b), VLAPIC_BASE);
	assert_int_equal(vlapic_pending_irq(&b), -1);
	assert_int_equal(vlapic_timer_deadline(&b), UINT64_MAX);
	assert_int_equal(vlapic_take_pending(&b, VLAPIC_PEND_ALL), 0);
	assert_false(vlapic_accept(&b, VLAPIC_DM_FIXED, 0x80, false));
	assert_int_equal(vlapic_mmio(&b, 0, 4, false, &v, T0, &out), VLAPIC_UNDECODED);
	gp_rd(&b, x2msr(APIC_ID));
	vlapic_set_base(&b, VLAPIC_BASE | VLAPIC_BASE_EN);
	assert_int_equal(rd(&b, APIC_ID), 0x09000000);	/* the ID survives */
	assert_int_equal(rd(&b, APIC_TPR), 0);
	assert_int_equal(rd(&b, APIC_SVR), 0xff);
	assert_int_equal(rd(&b, APIC_LVT_TIMER), APIC_LVT_MASKED);
	assert_int_equal(b.irr[4], 0);
}

static void test_base_to_x2apic_keeps_state(void **state)
{
	(void)state;
	sw_enable(&b);
	wr(&b, APIC_ID, 0x09000000);
	wr(&b, APIC_TPR, 0x30);
	wr(&b, APIC_LVT_TIMER, 0x45);
	vlapic_accept(&b, VLAPIC_DM_FIXED, 0x80, false);
	to_x2(&b);
	assert_int_equal(rdmsr(&b, x2msr(APIC_ID)), 1);	/* initial APIC ID */
	assert_int_equal(rdmsr(&b, x2msr(APIC_LDR)), 1u << 1);
	assert_int_equal(rdmsr(&b, x2msr(APIC_TPR)), 0x30);
	assert_int_equal(rdmsr(&b, x2msr(APIC_LVT_TIMER)), 0x45);
	assert_int_equal(rdmsr(&b, x2msr(APIC_SVR)), 0x1ff);
	assert_int_equal(vlapic_pending_irq(&b), 0x80);
	/* INIT in x2APIC mode keeps the mode and the derived LDR */
	vlapic_accept(&b, VLAPIC_DM_INIT, 0, false);
	vlapic_take_pending(&b, VLAPIC_PEND_INIT);
	assert_true(vlapic_x2apic(&b));
	assert_int_equal(rdmsr(&b, x2msr(APIC_LDR)), 1u << 1);
	assert_int_equal(rdmsr(&b, x2msr(APIC_TPR)), 0);
}

static void test_base_x2apic_disable_xapic(void **state)
{
	(void)state;
	to_x2(&b);
	sw_enable(&b);
	vlapic_set_base(&b, VLAPIC_BASE);
	assert_false(vlapic_x2apic(&b));
	assert_false(vlapic_hw_enabled(&b));
	vlapic_set_base(&b, VLAPIC_BASE | VLAPIC_BASE_EN);
	assert_int_equal(rd(&b, APIC_ID), 1u << 24);
	assert_int_equal(rd(&b, APIC_LDR), 0);
	assert_int_equal(rd(&b, APIC_SVR), 0xff);
	gp_rd(&b, x2msr(APIC_ID));
	/* the BSP bit is the vlapic's own */
	vlapic_set_base(&a, VLAPIC_BASE | VLAPIC_BASE_EN);
	assert_int_equal(vlapic_base(&a), VLAPIC_BASE | VLAPIC_BASE_EN | VLAPIC_BASE_BSP);
}

/* The fast path's EOI: an edge vector ends as the full EOI would end it;
 * a level one is refused untouched (the full path reports it). */
static void test_eoi_edge(void **state)
{
	(void)state;
	sw_enable(&a);
	assert_true(vlapic_eoi_edge(&a));		/* nothing in service: ignored */
	assert_true(vlapic_accept(&a, VLAPIC_DM_FIXED, 0x40, false));
	assert_true(vlapic_accept(&a, VLAPIC_DM_FIXED, 0x50, true));
	assert_int_equal(vlapic_pending_irq(&a), 0x50);
	vlapic_ack_irq(&a, 0x50);
	assert_int_equal(vlapic_pending_irq(&a), -1);	/* 0x40 is below PPR 0x50 */
	assert_false(vlapic_eoi_edge(&a));		/* 0x50 is level: refused */
	assert_true(vec_set(a.isr, 0x50));
	wr(&a, APIC_EOI, 0);				/* the full path ends it */
	assert_int_equal(vlapic_pending_irq(&a), 0x40);
	vlapic_ack_irq(&a, 0x40);
	assert_int_equal(rd(&a, APIC_PPR), 0x40);
	assert_true(vlapic_eoi_edge(&a));
	assert_false(vec_set(a.isr, 0x40));
	assert_int_equal(rd(&a, APIC_PPR), 0);
}

/* irr_any: 0 only when IRR is empty, whatever the order of accepts and
 * acknowledgements. */
static void test_irr_any_hint(void **state)
{
	(void)state;
	sw_enable(&a);
	assert_int_equal(a.irr_any, 0);
	vlapic_accept(&a, VLAPIC_DM_FIXED, 0x30, false);
	vlapic_accept(&a, VLAPIC_DM_FIXED, 0x31, false);
	assert_int_equal(a.irr_any, 1);
	vlapic_ack_irq(&a, 0x31);
	assert_int_equal(a.irr_any, 1);			/* 0x30 still waits */
	assert_int_equal(vlapic_pending_irq(&a), -1);	/* below PPR 0x30 */
	wr(&a, APIC_EOI, 0);
	assert_int_equal(vlapic_pending_irq(&a), 0x30);
	vlapic_ack_irq(&a, 0x30);
	assert_int_equal(a.irr_any, 0);
	assert_int_equal(vlapic_pending_irq(&a), -1);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_values),
		T(test_eoi_edge),
		T(test_irr_any_hint),
		T(test_base_reset),
		T(test_id_version_rw),
		T(test_tpr_ldr_dfr_svr),
		T(test_lvt_writable_bits),
		T(test_timer_regs_rw),
		T(test_esr_accumulates),
		T(test_illegal_register),
		T(test_mmio_narrow_reads),
		T(test_mmio_bad_writes_dropped),
		T(test_mmio_undecoded),
		T(test_x2apic_msrs_gp_in_xapic),
		T(test_x2apic_id_ldr),
		T(test_x2apic_missing_registers),
		T(test_x2apic_write_only),
		T(test_x2apic_read_only_gp),
		T(test_x2apic_reserved_bits),
		T(test_x2apic_icr_self_ipi),
		T(test_icr_illegal_vector),
		T(test_receive_illegal_vector),
		T(test_error_lvt_fires),
		T(test_lvt_timer_illegal_vector),
		T(test_tpr_ppr),
		T(test_pending_above_ppr),
		T(test_apr),
		T(test_nesting_and_eoi),
		T(test_eoi_level_reports),
		T(test_ack_without_irr),
		T(test_counts_and_view),
		T(test_logical_flat),
		T(test_logical_cluster),
		T(test_logical_x2apic),
		T(test_physical),
		T(test_shorthands),
		T(test_icr_xapic_send),
		T(test_icr_self_shorthand),
		T(test_lowest_priority),
		T(test_route_skips_disabled),
		T(test_init_sipi),
		T(test_nmi_extint_smi),
		T(test_sw_disable_holds_irr),
		T(test_sw_disable_masks_lvts),
		T(test_timer_oneshot),
		T(test_timer_masked_still_counts),
		T(test_timer_stop_and_restart),
		T(test_timer_periodic_collapse),
		T(test_timer_periodic_late_read),
		T(test_null_out_and_bad_pin),
		T(test_timer_periodic_min),
		T(test_timer_divide),
		T(test_timer_divide_change_keeps_count),
		T(test_timer_mode_switch),
		T(test_tsc_deadline),
		T(test_tsc_deadline_not_offered),
		T(test_lint0_extint),
		T(test_lint1_nmi_edge),
		T(test_lint_fixed_edge_polarity),
		T(test_lint0_fixed_level),
		T(test_lint_when_hw_disabled),
		T(test_base_disable_enable),
		T(test_base_to_x2apic_keeps_state),
		T(test_base_x2apic_disable_xapic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
