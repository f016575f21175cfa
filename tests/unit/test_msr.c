/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for svm/msr.c: every row of the policy (read, write and #GP
 * cases), the EFER and PAT rules, the permission map's bit positions
 * against APM Vol.2 15.11, and the table of #GP'd MSRs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "svm/msr.h"
#include "kernel/lib/x86_arch.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define HOST_TSC 1000000ull

static struct msr_vm vm;
static struct msr_vcpu s;
static struct vmcb vmcb;
static struct msr_clock clk;	/* HOST_TSC; no KVM leaves unless a test offers them */

/* A 64 MiB, 2-vCPU VM with RDTSCP, 48-bit physical addresses; vCPU 0's
 * state; a VMCB as vmcb_init leaves it for a protected-mode guest. */
static int setup(void **state)
{
	(void)state;
	msr_vm_init(&vm, 64 * MiB, 2, 48, true);
	msr_vcpu_init(&s, &vm, 0);
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.save.efer = EFER_SVME;
	vmcb.save.cr0 = CR0_PE | CR0_ET;
	vmcb.save.g_pat = PAT_RESET;
	vmcb.control.vmcb_clean = VMCB_CLEAN_ALL;
	clk = (struct msr_clock){ HOST_TSC, 0 };
	return 0;
}

static enum msr_result rd(uint32_t msr, uint64_t *v)
{
	*v = 0xdeadbeefdeadbeefull;
	return msr_access(&vm, &s, &vmcb, msr, false, v, &clk, NULL);
}

static enum msr_result wr(uint32_t msr, uint64_t v)
{
	return msr_access(&vm, &s, &vmcb, msr, true, &v, &clk, NULL);
}

static uint64_t rdv(uint32_t msr)
{
	uint64_t v;

	assert_int_equal(rd(msr, &v), MSR_OK);
	return v;
}

/* A #GP'd write changes neither the vCPU's state nor its VMCB. */
static void expect_gp_write(uint32_t msr, uint64_t v)
{
	struct msr_vcpu s0 = s;
	static struct vmcb v0;

	v0 = vmcb;
	assert_true(msr_result_gp(wr(msr, v)));
	assert_memory_equal(&s0, &s, sizeof(s));
	assert_memory_equal(&v0, &vmcb, sizeof(vmcb));
}

static void expect_gp_read(uint32_t msr)
{
	uint64_t v;

	assert_true(msr_result_gp(rd(msr, &v)));
	assert_true(v == 0xdeadbeefdeadbeefull);	/* untouched */
}

/* ---- EFER ---- */

static void test_efer_rules(void **state)
{
	(void)state;
	assert_true(efer_write_ok(0, EFER_SCE | EFER_LME | EFER_NXE, 0));
	assert_true(efer_write_ok(0, EFER_LMA, 0));			/* LMA: ignored, not #GP */
	assert_false(efer_write_ok(0, EFER_SVME, 0));			/* hidden from the guest */
	assert_false(efer_write_ok(0, EFER_LMSLE, 0));
	assert_false(efer_write_ok(0, EFER_FFXSR, 0));
	assert_false(efer_write_ok(0, EFER_TCE, 0));
	assert_false(efer_write_ok(0, 1ull << 1, 0));
	assert_false(efer_write_ok(0, 1ull << 63, 0));
	/* LME may not change while paging is on, in either direction */
	assert_false(efer_write_ok(0, EFER_LME, CR0_PG));
	assert_false(efer_write_ok(EFER_LME | EFER_LMA, 0, CR0_PG | CR0_PE));
	assert_true(efer_write_ok(EFER_LME | EFER_LMA, EFER_LME | EFER_NXE, CR0_PG | CR0_PE));
	assert_true(efer_write_ok(EFER_LME | EFER_LMA | EFER_SVME, EFER_LME, CR0_PG));	/* VMCB's old */
	assert_true(efer_write_ok(EFER_LME, 0, CR0_PE));			/* paging off: free */

	assert_true(efer_guest_view(EFER_SVME | EFER_LME | EFER_LMA) == (EFER_LME | EFER_LMA));
	assert_true(efer_guest_view(EFER_SVME) == 0);
	assert_true(efer_from_guest(EFER_SVME, EFER_LME | EFER_LMA) == (EFER_SVME | EFER_LME));
	assert_true(efer_from_guest(EFER_SVME | EFER_LME | EFER_LMA, EFER_LME | EFER_NXE) ==
		    (EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE));
	assert_true(efer_from_guest(EFER_SVME | EFER_LME | EFER_LMA, EFER_LME) & EFER_LMA);
}

static void test_efer_access(void **state)
{
	(void)state;
	assert_true(rdv(MSR_EFER) == 0);	/* SVME hidden */
	/* paging off: LME is parked outside the VMCB, and read back */
	assert_int_equal(wr(MSR_EFER, EFER_LME | EFER_SCE), MSR_RECHECK);
	assert_true(vmcb.save.efer == (EFER_SVME | EFER_SCE));
	assert_true(s.efer_parked == EFER_LME);
	assert_false(vmcb.control.vmcb_clean & VMCB_CLEAN_CRX);
	assert_true(rdv(MSR_EFER) == (EFER_LME | EFER_SCE));

	/* the value written for LMA is ignored */
	assert_int_equal(wr(MSR_EFER, EFER_LME | EFER_LMA), MSR_RECHECK);
	assert_true(vmcb.save.efer == EFER_SVME);
	assert_true(efer_full(&s, vmcb.save.efer) == (EFER_SVME | EFER_LME));

	/* the guest turns paging on (svm/exits.c's CR0 write places the
	 * EFER the CPU would have: LMA set, LME back in the VMCB) */
	vmcb.save.cr0 |= CR0_PG;
	efer_place(&s, &vmcb, efer_full(&s, vmcb.save.efer) | EFER_LMA);
	assert_true(vmcb.save.efer == (EFER_SVME | EFER_LME | EFER_LMA));
	assert_true(s.efer_parked == 0);
	expect_gp_write(MSR_EFER, 0);				/* LME change under PG */
	expect_gp_write(MSR_EFER, EFER_LMA);
	assert_int_equal(wr(MSR_EFER, EFER_LME | EFER_NXE), MSR_RECHECK);	/* LMA written 0 */
	assert_true(vmcb.save.efer == (EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE));
	assert_true(rdv(MSR_EFER) == (EFER_LME | EFER_LMA | EFER_NXE));

	expect_gp_write(MSR_EFER, EFER_LME | EFER_SVME);		/* the guest never sets SVME */
	expect_gp_write(MSR_EFER, EFER_LME | EFER_FFXSR);
	expect_gp_write(MSR_EFER, EFER_LME | 1ull << 32);
	assert_true(vmcb.save.efer & EFER_SVME);

	/* paging off again: LME parks, nothing of it stays in the VMCB */
	vmcb.save.cr0 &= ~CR0_PG;
	efer_place(&s, &vmcb, efer_full(&s, vmcb.save.efer) & ~EFER_LMA);
	assert_true(vmcb.save.efer == (EFER_SVME | EFER_NXE));
	assert_true(rdv(MSR_EFER) == (EFER_LME | EFER_NXE));
	assert_int_equal(wr(MSR_EFER, EFER_NXE), MSR_RECHECK);		/* cleared while parked */
	assert_true(s.efer_parked == 0 && rdv(MSR_EFER) == EFER_NXE);
}

/* ---- PAT ---- */

static void test_pat_valid(void **state)
{
	(void)state;
	assert_true(pat_valid(PAT_RESET));
	assert_true(pat_valid(0));
	assert_true(pat_valid(0x0707070707070707ull));
	assert_true(pat_valid(0x0001040506070000ull));
	for (int byte = 0; byte < 8; byte++)
		for (unsigned t = 0; t < 256; t++) {
			bool ok = t == 0 || t == 1 || (t >= 4 && t <= 7);

			assert_int_equal(pat_valid((PAT_RESET & ~(0xffull << 8 * byte)) |
						   (uint64_t)t << 8 * byte), ok);
		}
}

static void test_pat_access(void **state)
{
	(void)state;
	assert_true(rdv(MSR_PAT) == PAT_RESET);
	assert_int_equal(wr(MSR_PAT, 0x0007010600070106ull), MSR_OK);
	assert_true(vmcb.save.g_pat == 0x0007010600070106ull);
	assert_false(vmcb.control.vmcb_clean & VMCB_CLEAN_NP);
	assert_true(rdv(MSR_PAT) == 0x0007010600070106ull);
	vmcb.control.vmcb_clean = VMCB_CLEAN_ALL;
	expect_gp_write(MSR_PAT, 0x0007040600070402ull);	/* type 2 */
	expect_gp_write(MSR_PAT, 0x0307040600070406ull);	/* type 3 in the top byte */
	expect_gp_write(MSR_PAT, 0x0008040600070406ull);	/* type 8 */
	expect_gp_write(MSR_PAT, 0x8000000000000000ull);
	assert_true(vmcb.control.vmcb_clean == VMCB_CLEAN_ALL);
}

/* ---- TSC and TSC_AUX ---- */

static void test_tsc(void **state)
{
	const struct msr_clock later = { HOST_TSC + 1000, 0 };
	uint64_t v = 5;

	(void)state;
	assert_true(rdv(MSR_TSC) == HOST_TSC);		/* offset 0: the host's */
	assert_int_equal(wr(MSR_TSC, 42), MSR_OK);
	assert_true(vmcb.control.tsc_offset == 42 - HOST_TSC);
	assert_false(vmcb.control.vmcb_clean & VMCB_CLEAN_INTERCEPTS);
	assert_true(rdv(MSR_TSC) == 42);
	/* later, the host TSC has moved on: so has the guest's */
	assert_int_equal(msr_access(&vm, &s, &vmcb, MSR_TSC, false, &v, &later, NULL),
			 MSR_OK);
	assert_true(v == 1042);
	/* a write below the host's TSC wraps the offset, and reads back */
	assert_int_equal(wr(MSR_TSC, UINT64_MAX), MSR_OK);
	assert_true(rdv(MSR_TSC) == UINT64_MAX);
}

static void test_tsc_aux(void **state)
{
	bool changed = false;
	uint64_t v = 7;

	(void)state;
	assert_true(rdv(MSR_TSC_AUX) == 0);
	assert_int_equal(msr_access(&vm, &s, &vmcb, MSR_TSC_AUX, true, &v, &clk, &changed),
			 MSR_OK);
	assert_true(changed);
	assert_true(s.tsc_aux == 7);
	assert_true(rdv(MSR_TSC_AUX) == 7);
	assert_int_equal(wr(MSR_TSC_AUX, 0xffffffff), MSR_OK);	/* NULL: fine */
	expect_gp_write(MSR_TSC_AUX, 1ull << 32);

	changed = false;
	v = 1ull << 40;
	assert_true(msr_result_gp(msr_access(&vm, &s, &vmcb, MSR_TSC_AUX, true, &v, &clk,
					     &changed)));
	assert_false(changed);
	v = 0;	/* a read does not set it */
	assert_int_equal(msr_access(&vm, &s, &vmcb, MSR_TSC_AUX, false, &v, &clk, &changed),
			 MSR_OK);
	assert_false(changed);

	vm.rdtscp = false;	/* no RDTSCP: no TSC_AUX */
	expect_gp_read(MSR_TSC_AUX);
	expect_gp_write(MSR_TSC_AUX, 1);
}

/* ---- APIC_BASE ---- */

static void test_apic_base(void **state)
{
	struct msr_vcpu ap;

	(void)state;
	assert_true(rdv(MSR_APIC_BASE) == 0xfee00900ull);	/* EN | BSP */
	msr_vcpu_init(&ap, &vm, 1);
	assert_true(ap.apic_base == 0xfee00800ull);		/* EN, no BSP */

	/* BSP is read-only: writes of it, either way, are ignored */
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00800ull), MSR_OK);
	assert_true(rdv(MSR_APIC_BASE) == 0xfee00900ull);
	/* disable and enable */
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00100ull), MSR_OK);
	assert_true(rdv(MSR_APIC_BASE) == 0xfee00100ull);
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00900ull), MSR_OK);
	s = ap;
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00900ull), MSR_OK);	/* the AP stays an AP */
	assert_true(rdv(MSR_APIC_BASE) == 0xfee00800ull);

	expect_gp_write(MSR_APIC_BASE, 0xfec00800ull);		/* relocation */
	expect_gp_write(MSR_APIC_BASE, 0x1fee00800ull);
	expect_gp_write(MSR_APIC_BASE, 0xfee01800ull);
	expect_gp_write(MSR_APIC_BASE, 0);
	expect_gp_write(MSR_APIC_BASE, 0xfee00801ull);		/* reserved bit 0 */
	expect_gp_write(MSR_APIC_BASE, 0xfee00a00ull);		/* reserved bit 9 */
	vm.x2apic = false;					/* a VM without x2APIC: */
	expect_gp_write(MSR_APIC_BASE, 0xfee00c00ull);		/* EXTD #GPs */
}

static void test_apic_base_x2apic(void **state)
{
	(void)state;
	vm.x2apic = true;
	expect_gp_write(MSR_APIC_BASE, 0xfee00400ull);		/* EXTD without EN: invalid */
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00c00ull), MSR_OK);	/* xAPIC -> x2APIC */
	assert_true(rdv(MSR_APIC_BASE) == 0xfee00d00ull);
	expect_gp_write(MSR_APIC_BASE, 0xfee00800ull);		/* x2APIC -> xAPIC */
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00000ull), MSR_OK);	/* -> disabled */
	expect_gp_write(MSR_APIC_BASE, 0xfee00c00ull);		/* disabled -> x2APIC */
	assert_int_equal(wr(MSR_APIC_BASE, 0xfee00800ull), MSR_OK);	/* -> xAPIC */
}

/* ---- MTRRs ---- */

static void test_mtrr(void **state)
{
	static const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
					  0x26c, 0x26d, 0x26e, 0x26f };

	(void)state;
	assert_true(rdv(MSR_MTRR_CAP) == 0x508);
	expect_gp_write(MSR_MTRR_CAP, 0x508);
	assert_true(rdv(MSR_MTRR_DEF_TYPE) == 0x806);		/* E, WB */

	assert_int_equal(wr(MSR_MTRR_DEF_TYPE, 0xc00), MSR_OK);	/* E, FE, UC */
	assert_true(rdv(MSR_MTRR_DEF_TYPE) == 0xc00);
	expect_gp_write(MSR_MTRR_DEF_TYPE, 0xc02);		/* type 2 */
	expect_gp_write(MSR_MTRR_DEF_TYPE, 0xc07);		/* UC- is PAT-only */
	expect_gp_write(MSR_MTRR_DEF_TYPE, 0x1c06);		/* reserved bit 12 */
	expect_gp_write(MSR_MTRR_DEF_TYPE, 0x206);		/* reserved bit 9 */

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		uint64_t top = 6 ^ i, v = 0x0005040100060504ull | top << 56;	/* 6, 7, 4, 5, 2, ... */

		if (mtrr_type_valid(top)) {
			assert_int_equal(wr(fixed[i], v), MSR_OK);
			assert_true(rdv(fixed[i]) == v);
			assert_true(s.mtrr_fixed[i] == v);
		} else {
			expect_gp_write(fixed[i], v);
		}
		expect_gp_write(fixed[i], 0x0606060606060616ull);	/* RdMem/WrMem bit 4 */
		expect_gp_write(fixed[i], 0x0706060606060606ull);
	}
	expect_gp_read(0x251);		/* between the fixed ones: unknown */
	expect_gp_read(0x267);
	expect_gp_read(0x270);

	for (unsigned n = 0; n < 8; n++) {
		uint32_t base = 0x200 + 2 * n, mask = base + 1;

		assert_int_equal(wr(base, 0x80000000ull | MTYPE_WC), MSR_OK);
		assert_int_equal(wr(mask, 0xfffff0000000ull | MTRR_PHYS_MASK_V), MSR_OK);
		assert_true(rdv(base) == (0x80000000ull | MTYPE_WC));
		assert_true(rdv(mask) == (0xfffff0000000ull | MTRR_PHYS_MASK_V));
		assert_true(s.mtrr_var[2 * n] == (0x80000000ull | MTYPE_WC));
		expect_gp_write(base, 0x80000000ull | 3);		/* type 3 */
		expect_gp_write(base, 0x80000100ull | MTYPE_WB);	/* reserved bit 8 */
		expect_gp_write(base, 1ull << 48 | MTYPE_WB);		/* above MAXPHYADDR */
		expect_gp_write(mask, 0xfffff0000000ull | MTRR_PHYS_MASK_V | 1);	/* bit 0 */
		expect_gp_write(mask, 0x1fffff0000000ull | MTRR_PHYS_MASK_V);
	}
	expect_gp_read(0x210);

	/* a wider MAXPHYADDR widens the address field */
	vm.phys_bits = 52;
	assert_int_equal(wr(0x200, 0xf000000000000ull | MTYPE_WB), MSR_OK);
	expect_gp_write(0x200, 1ull << 52 | MTYPE_WB);
	vm.phys_bits = 0;	/* unknown: 52 */
	assert_int_equal(wr(0x201, 0xffffffffff000ull | MTRR_PHYS_MASK_V), MSR_OK);
}

static void test_mtrr_type_valid(void **state)
{
	(void)state;
	for (uint64_t t = 0; t < 300; t++)
		assert_int_equal(mtrr_type_valid(t), t == 0 || t == 1 || t == 4 || t == 5 || t == 6);
	assert_false(mtrr_type_valid(1ull << 32));
}

/* ---- the VMLOAD/VMSAVE MSRs ---- */

static void test_vmload_msrs(void **state)
{
	static const uint32_t bases[] = { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
					  MSR_LSTAR, MSR_CSTAR };

	(void)state;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		assert_int_equal(wr(bases[i], 0xffff800000001000ull + i), MSR_OK);
		assert_true(rdv(bases[i]) == 0xffff800000001000ull + i);
		assert_int_equal(wr(bases[i], 0x00007fffffffffffull), MSR_OK);
		expect_gp_write(bases[i], 0x0000800000000000ull);	/* non-canonical */
		expect_gp_write(bases[i], 0xff00000000000000ull);
		vmcb.save.cr4 |= CR4_LA57;				/* 57-bit canonical */
		assert_int_equal(wr(bases[i], 0xff00000000000000ull), MSR_OK);
		expect_gp_write(bases[i], 0x0100000000000000ull);
		vmcb.save.cr4 &= ~CR4_LA57;
	}
	assert_true(vmcb.save.fs.base == 0xff00000000000000ull);
	assert_true(vmcb.save.gs.base == 0xff00000000000000ull);
	assert_true(vmcb.save.kernel_gs_base == 0xff00000000000000ull);

	assert_int_equal(wr(MSR_STAR, 0x0023001000000000ull), MSR_OK);
	assert_true(vmcb.save.star == 0x0023001000000000ull);
	assert_int_equal(wr(MSR_SFMASK, 0x47700), MSR_OK);
	assert_true(rdv(MSR_SFMASK) == 0x47700);
	assert_int_equal(wr(MSR_SYSENTER_CS, 0x10), MSR_OK);
	assert_true(rdv(MSR_SYSENTER_CS) == 0x10);
	/* ESP and EIP hold 32 bits on AMD */
	assert_int_equal(wr(MSR_SYSENTER_ESP, 0xffffffff81000000ull), MSR_OK);
	assert_true(rdv(MSR_SYSENTER_ESP) == 0x81000000ull);
	assert_int_equal(wr(MSR_SYSENTER_EIP, 0x1234567887654321ull), MSR_OK);
	assert_true(vmcb.save.sysenter_eip == 0x87654321ull);
}

/* ---- the model-specific ones ---- */

static void test_hwcr(void **state)
{
	(void)state;
	assert_true(rdv(MSR_HWCR) == HWCR_TSC_FREQ_SEL);
	assert_int_equal(wr(MSR_HWCR, 0), MSR_OK);			/* TscFreqSel read-only */
	assert_true(rdv(MSR_HWCR) == HWCR_TSC_FREQ_SEL);
	assert_int_equal(wr(MSR_HWCR, HWCR_TSC_FREQ_SEL | HWCR_FFDIS | HWCR_IGNNE_EM |
			    HWCR_TLB_CACHE_DIS), MSR_OK);
	assert_true(rdv(MSR_HWCR) == HWCR_TSC_FREQ_SEL);
	assert_int_equal(wr(MSR_HWCR, HWCR_TSC_FREQ_SEL | HWCR_MCSTATUS_WREN | HWCR_CPB_DIS),
			 MSR_OK);
	assert_true(rdv(MSR_HWCR) == (HWCR_TSC_FREQ_SEL | HWCR_MCSTATUS_WREN | HWCR_CPB_DIS));
	expect_gp_write(MSR_HWCR, HWCR_TSC_FREQ_SEL | 1ull << 0);	/* SmmLock */
	expect_gp_write(MSR_HWCR, HWCR_TSC_FREQ_SEL | 1ull << 30);	/* IRPerfEn */
	expect_gp_write(MSR_HWCR, HWCR_TSC_FREQ_SEL | 1ull << 35);	/* CpuidUserDis */
	for (unsigned b = 0; b < 64; b++) {
		uint64_t ok = HWCR_TLB_CACHE_DIS | HWCR_FFDIS | HWCR_IGNNE_EM | HWCR_MCSTATUS_WREN |
			      HWCR_TSC_FREQ_SEL | HWCR_CPB_DIS;

		if (ok >> b & 1)
			assert_int_equal(wr(MSR_HWCR, 1ull << b), MSR_OK);
		else
			expect_gp_write(MSR_HWCR, 1ull << b);
	}
}

static void test_memory_map_msrs(void **state)
{
	static const struct {
		uint64_t mem, top_mem, tom2, syscfg;
	} cases[] = {
		{ 64 * MiB, 64 * MiB, 0, SYSCFG_MTRR_VAR_DRAM_EN },
		{ 1 * MiB, 8 * MiB, 0, SYSCFG_MTRR_VAR_DRAM_EN },	/* 8 MiB units, up */
		{ 12 * MiB + 4096, 16 * MiB, 0, SYSCFG_MTRR_VAR_DRAM_EN },
		{ 0xe0000000ull, 0xe0000000ull, 0, SYSCFG_MTRR_VAR_DRAM_EN },
		{ 0xe0001000ull, 0xe0000000ull, 0, SYSCFG_MTRR_VAR_DRAM_EN },
		{ 4 * GiB, 0xe0000000ull, 0, SYSCFG_MTRR_VAR_DRAM_EN },
		{ 4 * GiB + 4096, 0xe0000000ull, 4 * GiB + 8 * MiB,
		  SYSCFG_MTRR_VAR_DRAM_EN | SYSCFG_MTRR_TOM2_EN | SYSCFG_TOM2_FORCE_WB },
		{ 64 * GiB, 0xe0000000ull, 64 * GiB,
		  SYSCFG_MTRR_VAR_DRAM_EN | SYSCFG_MTRR_TOM2_EN | SYSCFG_TOM2_FORCE_WB },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vm.mem = cases[i].mem;
		assert_true(rdv(MSR_TOP_MEM) == cases[i].top_mem);
		assert_true(rdv(MSR_TOM2) == cases[i].tom2);
		assert_true(rdv(MSR_SYSCFG) == cases[i].syscfg);
		assert_false(rdv(MSR_SYSCFG) & (SYSCFG_MTRR_FIX_DRAM_EN | SYSCFG_MTRR_FIX_DRAM_MOD_EN |
					       SYSCFG_MEM_ENCRYPT_EN));
		/* writes are dropped */
		assert_int_equal(wr(MSR_TOP_MEM, 0x10000000), MSR_OK);
		assert_int_equal(wr(MSR_TOM2, 0), MSR_OK);
		assert_true(rdv(MSR_TOP_MEM) == cases[i].top_mem);
		assert_true(rdv(MSR_TOM2) == cases[i].tom2);
	}
	/* SYSCFG: bits 22:0 dropped, SME and up #GP */
	assert_int_equal(wr(MSR_SYSCFG, 0x7fffff), MSR_OK);
	assert_true(rdv(MSR_SYSCFG) == (SYSCFG_MTRR_VAR_DRAM_EN | SYSCFG_MTRR_TOM2_EN |
					SYSCFG_TOM2_FORCE_WB));
	expect_gp_write(MSR_SYSCFG, SYSCFG_MEM_ENCRYPT_EN);
	expect_gp_write(MSR_SYSCFG, 1ull << 24);	/* SecureNestedPagingEn */
	expect_gp_write(MSR_SYSCFG, 1ull << 63);
}

static void test_read_zero_write_ignored(void **state)
{
	static const uint32_t zero[] = { MSR_PATCH_LEVEL, MSR_NB_CFG, MSR_OSVW_ID_LENGTH,
					 MSR_OSVW_STATUS, 0xc0010000, 0xc0010001, 0xc0010002,
					 0xc0010003, 0xc0010004, 0xc0010005, 0xc0010006, 0xc0010007,
					 0xc0010055 /* K8 interrupt pending message: no C1E */ };

	(void)state;
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		struct msr_vcpu s0 = s;

		assert_true(rdv(zero[i]) == 0);
		assert_int_equal(wr(zero[i], 0xffffffffffffffffull), MSR_OK);
		assert_true(rdv(zero[i]) == 0);
		assert_memory_equal(&s0, &s, sizeof(s));
	}
	assert_true(rdv(MSR_DE_CFG) == DE_CFG_LFENCE_SERIALIZE);
	assert_int_equal(wr(MSR_DE_CFG, 0), MSR_OK);
	assert_true(rdv(MSR_DE_CFG) == DE_CFG_LFENCE_SERIALIZE);
	expect_gp_read(0xc0010008);	/* past the legacy counters */
}

static void test_gp_msrs(void **state)
{
	static const uint32_t gp[] = { MSR_MCG_CAP, MSR_MCG_STATUS, MSR_MCG_CTL, 0x400, 0x401,
				       0x47f, MSR_SPEC_CTRL, MSR_PRED_CMD, MSR_VM_CR, MSR_VM_HSAVE_PA,
				       0x800, 0x802, 0x8ff, 0x3a, 0x6e0, 0xc0000104, 0xc0010064,
				       0x40000000, 0xffffffff, 0x480, 0x17c, 0xc0010054, 0xc0010056,
				       0x4b564d00, 0x4b564d01 /* kvmclock without CPUID's KVM leaves */,
				       0x4b564cff, 0x4b564d02, 0x11, 0x12, 0x4b564df0 /* KVM's others, old ones */ };

	(void)state;
	for (size_t i = 0; i < sizeof(gp) / sizeof(gp[0]); i++) {
		expect_gp_read(gp[i]);
		expect_gp_write(gp[i], 0);
	}
}

/* ---- kvmclock ---- */

#define KHZ_2690 2690000u	/* a 2.69 GHz TSC */

/* Linux's pvclock_tsc_khz() (arch/x86/kernel/pvclock.c), the guest's
 * inverse of the scale: (10^6 << 32) / mul, then undo the shift. */
static uint64_t linux_tsc_khz(uint32_t mul, int8_t shift)
{
	uint64_t khz = (1000000ull << 32) / mul;

	return shift < 0 ? khz << -shift : khz >> shift;
}

/* The guest's reading (pvclock_clocksource_read without the fix-ups) of
 * ti when its TSC is guest_tsc. */
static uint64_t guest_reads(const struct pvclock_vcpu_time_info *ti, uint64_t guest_tsc)
{
	struct pvclock_scale sc = { ti->tsc_to_system_mul, ti->tsc_shift };

	return ti->system_time + pvclock_scale_delta(guest_tsc - ti->tsc_timestamp, sc);
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void test_kvmclock_needs_cpuid(void **state)
{
	(void)state;
	/* no KVM leaves (kvm_khz 0): both MSRs #GP, counted, nothing changes */
	expect_gp_read(MSR_KVM_SYSTEM_TIME_NEW);
	expect_gp_write(MSR_KVM_SYSTEM_TIME_NEW, 0x1001);
	expect_gp_read(MSR_KVM_WALL_CLOCK_NEW);
	expect_gp_write(MSR_KVM_WALL_CLOCK_NEW, 0x2000);
	assert_true(vm.kvm_wall_clock == 0);
	/* a TSC write never asks for a kvmclock update then */
	s.kvm_system_time = 0x1001;
	assert_int_equal(wr(MSR_TSC, 5), MSR_OK);
}

static void test_kvm_system_time(void **state)
{
	struct msr_vcpu ap;
	uint64_t v;

	(void)state;
	clk.kvm_khz = KHZ_2690;
	assert_true(rdv(MSR_KVM_SYSTEM_TIME_NEW) == 0);		/* off at reset */
	assert_int_equal(wr(MSR_KVM_SYSTEM_TIME_NEW, 0x12340 | 1), MSR_KVMCLOCK);
	assert_true(rdv(MSR_KVM_SYSTEM_TIME_NEW) == 0x12341);	/* reads back as written */
	assert_true(msr_kvmclock_gpa(&s) == 0x12340);
	/* another write moves it and publishes again; the enable bit is all
	 * that is looked at, as in KVM (a GPA outside RAM is the caller's) */
	assert_int_equal(wr(MSR_KVM_SYSTEM_TIME_NEW, 0xfffffffffffffffdull), MSR_KVMCLOCK);
	assert_true(msr_kvmclock_gpa(&s) == 0xfffffffffffffffcull);
	assert_int_equal(wr(MSR_KVM_SYSTEM_TIME_NEW, 0x12343), MSR_KVMCLOCK);	/* unaligned: accepted */
	assert_true(msr_kvmclock_gpa(&s) == 0x12342);
	/* the TSC of a vCPU with kvmclock on: its structure is written again */
	assert_int_equal(wr(MSR_TSC, 77), MSR_KVMCLOCK);
	assert_true(rdv(MSR_TSC) == 77);
	/* disable: stored, nothing to write, and a TSC write is plain again */
	assert_int_equal(wr(MSR_KVM_SYSTEM_TIME_NEW, 0x12340), MSR_OK);
	assert_true(rdv(MSR_KVM_SYSTEM_TIME_NEW) == 0x12340);
	assert_int_equal(wr(MSR_TSC, 78), MSR_OK);
	assert_int_equal(wr(MSR_KVM_SYSTEM_TIME_NEW, 0), MSR_OK);
	assert_true(rdv(MSR_KVM_SYSTEM_TIME_NEW) == 0);

	/* per vCPU: another vCPU's stays off; a reset (INIT/STARTUP) turns it off */
	assert_int_equal(wr(MSR_KVM_SYSTEM_TIME_NEW, 0x5001), MSR_KVMCLOCK);
	msr_vcpu_init(&ap, &vm, 1);
	v = 7;
	assert_int_equal(msr_access(&vm, &ap, &vmcb, MSR_KVM_SYSTEM_TIME_NEW, false, &v, &clk, NULL),
			 MSR_OK);
	assert_true(v == 0);
	msr_vcpu_init(&s, &vm, 0);
	assert_true(rdv(MSR_KVM_SYSTEM_TIME_NEW) == 0);
}

static void test_kvm_wall_clock(void **state)
{
	struct msr_vcpu ap, s0;
	uint64_t v = 0;

	(void)state;
	clk.kvm_khz = KHZ_2690;
	assert_true(rdv(MSR_KVM_WALL_CLOCK_NEW) == 0);
	s0 = s;
	assert_int_equal(wr(MSR_KVM_WALL_CLOCK_NEW, 0x9000), MSR_WALLCLOCK);
	assert_memory_equal(&s0, &s, sizeof(s));	/* per VM, not per vCPU */
	assert_true(rdv(MSR_KVM_WALL_CLOCK_NEW) == 0x9000);
	/* one value per VM: every vCPU reads the last one written */
	msr_vcpu_init(&ap, &vm, 1);
	assert_int_equal(msr_access(&vm, &ap, &vmcb, MSR_KVM_WALL_CLOCK_NEW, false, &v, &clk, NULL),
			 MSR_OK);
	assert_true(v == 0x9000);
	v = 0x9abc;
	assert_int_equal(msr_access(&vm, &ap, &vmcb, MSR_KVM_WALL_CLOCK_NEW, true, &v, &clk, NULL),
			 MSR_WALLCLOCK);
	assert_true(rdv(MSR_KVM_WALL_CLOCK_NEW) == 0x9abc);
	/* GPA 0: stored, nothing written (KVM's kvm_write_wall_clock) */
	assert_int_equal(wr(MSR_KVM_WALL_CLOCK_NEW, 0), MSR_OK);
	assert_true(rdv(MSR_KVM_WALL_CLOCK_NEW) == 0);
}

/* The scale against Linux's inverse, against exact arithmetic, and at
 * the ends of the range. */
static void test_pvclock_scale(void **state)
{
	static const struct {
		uint32_t khz;
		int8_t shift;
	} rates[] = {
		{ 100000, 4 }, { 1000000, 1 }, { KHZ_2690, -1 }, { 3500000, -1 }, { 5000000, -2 },
		{ 1, 20 }, { 999999, 1 }, { 1000001, 0 }, { 2000000, 0 }, { 2000001, -1 },
		{ 0xffffffffu, -12 }, { 1843200, 0 }, { 33333, 5 },
	};
	static const uint64_t deltas[] = {
		1, 1000, 2690, 1000003, 1ull << 32, 123456789012ull, 1ull << 45, 3ull << 50,
	};
	struct pvclock_scale sc;

	(void)state;
	sc = pvclock_scale_for_khz(0);
	assert_true(sc.mul == 0 && sc.shift == 0);
	/* exact cases: 1 ns per tick = 2^31 / 2^32 << 1; 10 ns = 0.625 << 4 */
	sc = pvclock_scale_for_khz(1000000);
	assert_true(sc.mul == 0x80000000u && sc.shift == 1);
	sc = pvclock_scale_for_khz(100000);
	assert_true(sc.mul == 0xa0000000u && sc.shift == 4);
	sc = pvclock_scale_for_khz(5000000);
	assert_true(sc.mul == 0xcccccccc && sc.shift == -2);	/* 0.2 ns = 0.8 >> 2 */

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint32_t khz = rates[i].khz;
		unsigned __int128 exact;
		uint64_t back;

		sc = pvclock_scale_for_khz(khz);
		assert_int_equal(sc.shift, rates[i].shift);
		assert_true(sc.mul >= 0x80000000u);
		/* mul = floor(10^6 * 2^(32 - shift) / khz), exactly */
		exact = ((unsigned __int128)1000000 << 32);
		exact = sc.shift < 0 ? exact << -sc.shift : exact >> sc.shift;
		assert_true((uint64_t)(exact / khz) == sc.mul);
		/* the guest's inverse gives the rate back: within 0.01% (asked),
		 * in fact within 1 ppm */
		back = linux_tsc_khz(sc.mul, sc.shift);
		assert_true(absdiff(back, khz) * 10000 <= khz);
		assert_true(absdiff(back, khz) <= khz / 1000000 + 1);
		if (sc.shift >= 0)	/* up to 2 GHz no bit is shifted out: exact */
			assert_true(back == khz);
		/* ns(delta) = delta * 10^6 / khz within 1 ppm (and 1 ns) */
		for (size_t j = 0; j < sizeof(deltas) / sizeof(deltas[0]); j++) {
			uint64_t d = deltas[j], ns, want;

			if (sc.shift > 0 && d >> (63 - sc.shift))
				continue;	/* beyond the formula's range at this rate */
			ns = pvclock_scale_delta(d, sc);
			want = (uint64_t)((unsigned __int128)d * 1000000 / khz);
			assert_true(ns <= want);	/* floors only */
			assert_true((want - ns) <= want / 1000000 + 1);
		}
	}
}

static void test_kvmclock_time_info(void **state)
{
	const uint64_t h = 0x123456789abcull, later = h + 26900000000ull;	/* 10 s on */
	struct pvclock_vcpu_time_info a, b;
	struct pvclock_scale sc = pvclock_scale_for_khz(KHZ_2690);

	(void)state;
	memset(&a, 0x5a, sizeof(a));
	kvmclock_time_info(&a, KHZ_2690, h, 0);
	assert_int_equal(a.version, 0);
	assert_int_equal(a.pad0, 0);
	assert_true(a.tsc_timestamp == h);
	assert_true(a.system_time == kvmclock_ns(KHZ_2690, h));
	assert_true(a.system_time == pvclock_scale_delta(h, sc));
	assert_true(absdiff(a.system_time, (uint64_t)((unsigned __int128)h * 1000000 / KHZ_2690)) <=
		    a.system_time / 1000000 + 1);
	assert_true(a.tsc_to_system_mul == sc.mul && a.tsc_shift == sc.shift);
	assert_int_equal(a.flags, PVCLOCK_TSC_STABLE_BIT);
	assert_true(a.pad[0] == 0 && a.pad[1] == 0);
	assert_true(linux_tsc_khz(a.tsc_to_system_mul, a.tsc_shift) == KHZ_2690);

	/* a vCPU whose TSC runs ahead: its own timestamp, the same time */
	kvmclock_time_info(&b, KHZ_2690, h + 1000, 0x1000000);
	assert_true(b.tsc_timestamp == h + 1000 + 0x1000000);
	/* 10 s later both read kvmclock_ns() of the host's TSC, to 2 ns */
	assert_true(absdiff(guest_reads(&a, later), kvmclock_ns(KHZ_2690, later)) <= 2);
	assert_true(absdiff(guest_reads(&b, later + 0x1000000), kvmclock_ns(KHZ_2690, later)) <= 2);
	/* and 10 s of TSC are 10 s of kvmclock, to the scale's precision: mul
	 * is floored, 2^-31 of the rate (5 ns here) */
	assert_true(absdiff(guest_reads(&a, later) - guest_reads(&a, h), 10000000000ull) <= 10);
	/* an offset that wraps (the guest wrote a TSC below the host's) */
	kvmclock_time_info(&b, KHZ_2690, h, -h + 5);
	assert_true(b.tsc_timestamp == 5);
	assert_true(absdiff(guest_reads(&b, 5 + later - h), kvmclock_ns(KHZ_2690, later)) <= 2);
}

static void test_kvmclock_wall_clock(void **state)
{
	struct pvclock_wall_clock wc;
	const uint64_t unix_ns = 1700000000123456789ull, now = 5000000007ull;

	(void)state;
	memset(&wc, 0x5a, sizeof(wc));
	kvmclock_wall_clock(&wc, unix_ns, now);
	assert_int_equal(wc.version, 0);
	/* 1700000000.123456789 - 5.000000007 */
	assert_int_equal(wc.sec, 1699999995u);
	assert_int_equal(wc.nsec, 123456782u);
	/* the guest's sum, sec * 10^9 + nsec + kvmclock, is the time again */
	assert_true((uint64_t)wc.sec * 1000000000u + wc.nsec + now == unix_ns);
	kvmclock_wall_clock(&wc, 5, 6);	/* kvmclock ahead of the wall: 0, not a wrap */
	assert_true(wc.sec == 0 && wc.nsec == 0);
	kvmclock_wall_clock(&wc, 5000000000ull * 1000000000ull, 0);	/* after 2106: sec wraps */
	assert_int_equal(wc.sec, (uint32_t)5000000000ull);
}

static void test_pvclock_publish(void **state)
{
	uint8_t buf[48];
	struct pvclock_vcpu_time_info ti, got;
	struct pvclock_wall_clock wc = { 0, 1699999995u, 123456782u }, wgot;
	static const struct {
		uint32_t old, new;
	} versions[] = { { 0, 2 }, { 1, 4 }, { 2, 4 }, { 5, 8 }, { 0xfffffffe, 0 }, { 0xffffffff, 2 } };

	(void)state;
	kvmclock_time_info(&ti, KHZ_2690, 0x123456789ull, 0);
	ti.version = 0x77;	/* ignored: the guest's copy decides */
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		for (size_t at = 0; at < 4; at++) {	/* unaligned too */
			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf + at, &versions[i].old, 4);
			pvclock_publish_time(buf + at, &ti);
			memcpy(&got, buf + at, sizeof(got));
			/* even, newer than the old one: a reader that saw the
			 * old version or the odd one retries */
			assert_int_equal(got.version, versions[i].new);
			assert_memory_equal((uint8_t *)&got + 4, (uint8_t *)&ti + 4, sizeof(ti) - 4);
			for (size_t b = 0; b < at; b++)
				assert_int_equal(buf[b], 0xa5);
			for (size_t b = at + sizeof(ti); b < sizeof(buf); b++)
				assert_int_equal(buf[b], 0xa5);

			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf + at, &versions[i].old, 4);
			pvclock_publish_wall(buf + at, &wc);
			memcpy(&wgot, buf + at, sizeof(wgot));
			assert_int_equal(wgot.version, versions[i].new);
			assert_true(wgot.sec == wc.sec && wgot.nsec == wc.nsec);
			for (size_t b = at + sizeof(wc); b < sizeof(buf); b++)
				assert_int_equal(buf[b], 0xa5);
		}
}

/* ---- the permission map ---- */

static void test_msrpm_bits(void **state)
{
	static uint8_t pm[MSRPM_SIZE];
	static const struct {
		uint32_t msr;
		unsigned byte, read_bit;	/* the write bit is read_bit + 1 */
	} pos[] = {
		{ 0x00000000, 0x0000, 0 },
		{ 0x00000010, 0x0004, 0 },	/* TSC */
		{ 0x00000174, 0x005d, 0 },	/* SYSENTER_CS */
		{ 0x00000175, 0x005d, 2 },
		{ 0x00000176, 0x005d, 4 },
		{ 0x00000277, 0x009d, 6 },	/* PAT */
		{ 0x00001fff, 0x07ff, 6 },
		{ 0xc0000000, 0x0800, 0 },
		{ 0xc0000080, 0x0820, 0 },	/* EFER */
		{ 0xc0000103, 0x0840, 6 },	/* TSC_AUX */
		{ 0xc0001fff, 0x0fff, 6 },
		{ 0xc0010000, 0x1000, 0 },
		{ 0xc0010015, 0x1005, 2 },	/* HWCR */
		{ 0xc0011fff, 0x17ff, 6 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		for (int r = 0; r < 2; r++)
			for (int w = 0; w < 2; w++) {
				memset(pm, 0xff, sizeof(pm));
				assert_true(msrpm_set(pm, pos[i].msr, r, w));
				for (unsigned b = 0; b < MSRPM_SIZE; b++) {
					uint8_t want = 0xff;

					if (b == pos[i].byte)
						want = (uint8_t)((0xff & ~(3u << pos[i].read_bit)) |
								 (unsigned)r << pos[i].read_bit |
								 (unsigned)w << (pos[i].read_bit + 1));
					assert_int_equal(pm[b], want);
				}
			}
	}
	/* outside the three blocks: refused, map untouched */
	memset(pm, 0xff, sizeof(pm));
	assert_false(msrpm_set(pm, 0x2000, false, false));
	assert_false(msrpm_set(pm, 0xbfffffff, false, false));
	assert_false(msrpm_set(pm, 0xc0002000, false, false));
	assert_false(msrpm_set(pm, 0xc000ffff, false, false));
	assert_false(msrpm_set(pm, 0xc0012000, false, false));
	assert_false(msrpm_set(pm, 0x40000000, false, false));
	assert_false(msrpm_set(pm, 0xffffffff, false, false));
	for (unsigned b = 0; b < MSRPM_SIZE; b++)
		assert_int_equal(pm[b], 0xff);
	/* set and clear again */
	memset(pm, 0, sizeof(pm));
	assert_true(msrpm_set(pm, MSR_EFER, true, false));
	assert_int_equal(pm[0x820], 0x01);
	assert_true(msrpm_set(pm, MSR_EFER, false, true));
	assert_int_equal(pm[0x820], 0x02);
}

static void test_msrpm_pass_through(void **state)
{
	static uint8_t pm[MSRPM_SIZE];
	static const uint32_t pass[] = { 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000081,
					 0xc0000082, 0xc0000083, 0xc0000084, 0x174, 0x175, 0x176 };

	(void)state;
	memset(pm, 0xff, sizeof(pm));
	msrpm_pass_through(pm);
	/* walk every MSR the map covers: both bits clear exactly for the list */
	for (unsigned blk = 0; blk < 3; blk++)
		for (uint32_t n = 0; n < 0x2000; n++) {
			static const uint32_t first[] = { 0, 0xc0000000, 0xc0010000 };
			uint32_t msr = first[blk] + n;
			unsigned byte = 0x800 * blk + n / 4, sh = 2 * (n % 4);
			bool listed = false;

			for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
				listed |= pass[i] == msr;
			assert_int_equal(pm[byte] >> sh & 3, listed ? 0 : 3);
		}
	for (unsigned b = 0x1800; b < MSRPM_SIZE; b++)	/* reserved quarter */
		assert_int_equal(pm[b], 0xff);
}

/* ---- the table of #GP'd MSRs ---- */

static void test_unknown_counts(void **state)
{
	uint64_t v = 0x1234, cursor = 0;
	struct msr_unknown_entry e;

	(void)state;
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0xc0011020, true, &v, &clk, NULL),
			 MSR_GP_FIRST);
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0xc0011020, false, &v, &clk, NULL),
			 MSR_GP);
	v = 0x5678;
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0xc0011020, true, &v, &clk, NULL),
			 MSR_GP);
	assert_int_equal(msr_access(&vm, &s, &vmcb, MSR_MCG_CAP, false, &v, &clk, NULL),
			 MSR_GP_FIRST);
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0, false, &v, &clk, NULL),
			 MSR_GP_FIRST);	/* MSR 0 is a number like any other */
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0, false, &v, &clk, NULL), MSR_GP);
	/* a known MSR's refused write is counted too */
	assert_int_equal(wr(MSR_PAT, 0x02), MSR_GP_FIRST);
	assert_int_equal(wr(MSR_PAT, 0x03), MSR_GP);
	assert_int_equal(wr(MSR_PAT, PAT_RESET), MSR_OK);

	/* ascending order */
	assert_true(msr_unknown_next(&vm.unknown, &cursor, &e));
	assert_true(e.msr == 0 && e.reads == 2 && e.writes == 0);
	assert_true(msr_unknown_next(&vm.unknown, &cursor, &e));
	assert_true(e.msr == MSR_MCG_CAP && e.reads == 1 && e.writes == 0);
	assert_non_null(msr_info(e.msr));
	assert_string_equal(msr_info(e.msr)->name, "MCG_CAP/STATUS/CTL");
	assert_true(msr_unknown_next(&vm.unknown, &cursor, &e));
	assert_true(e.msr == MSR_PAT && e.reads == 0 && e.writes == 2 && e.last_written == 0x03);
	assert_true(msr_unknown_next(&vm.unknown, &cursor, &e));
	assert_true(e.msr == 0xc0011020 && e.reads == 1 && e.writes == 2 &&
		    e.last_written == 0x5678);
	assert_null(msr_info(e.msr));
	assert_false(msr_unknown_next(&vm.unknown, &cursor, &e));
	assert_false(msr_unknown_next(&vm.unknown, &cursor, &e));
	assert_true(msr_unknown_overflow(&vm.unknown) == 0);
}

static void test_unknown_overflow(void **state)
{
	uint64_t v = 0, cursor = 0, prev = 0;
	struct msr_unknown_entry e;
	unsigned n = 0;

	(void)state;
	/* numbers that share hash neighbourhoods, and the top one */
	for (uint32_t i = 0; i < MSR_UNKNOWN_SLOTS; i++) {
		uint32_t msr = i == 0 ? 0xffffffffu : 0x40000000u + i * MSR_UNKNOWN_SLOTS;

		assert_int_equal(msr_access(&vm, &s, &vmcb, msr, false, &v, &clk, NULL),
				 MSR_GP_FIRST);
		assert_int_equal(msr_access(&vm, &s, &vmcb, msr, false, &v, &clk, NULL),
				 MSR_GP);
	}
	assert_int_equal(vm.unknown.used, MSR_UNKNOWN_SLOTS);
	/* full: new numbers are counted in overflow only, and never "first" */
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0x12345, false, &v, &clk, NULL), MSR_GP);
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0x12345, true, &v, &clk, NULL), MSR_GP);
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0x12346, false, &v, &clk, NULL), MSR_GP);
	assert_true(msr_unknown_overflow(&vm.unknown) == 3);
	/* the recorded ones still count */
	assert_int_equal(msr_access(&vm, &s, &vmcb, 0xffffffff, true, &v, &clk, NULL), MSR_GP);

	while (msr_unknown_next(&vm.unknown, &cursor, &e)) {
		assert_true(n == 0 || e.msr > prev);
		assert_true(e.reads == 2);
		prev = e.msr;
		n++;
	}
	assert_int_equal(n, MSR_UNKNOWN_SLOTS);
	assert_true(prev == 0xffffffffu && e.writes == 1);	/* the cursor passes 2^32 - 1 */
}

/* ---- the table itself ---- */

static void test_table(void **state)
{
	(void)state;
	assert_true(msr_table_len > 30);
	for (unsigned i = 0; i < msr_table_len; i++) {
		const struct msr_info *r = &msr_table[i];

		assert_true(r->msr <= r->last);
		if (i)
			assert_true(msr_table[i - 1].last < r->msr);	/* sorted, disjoint */
		assert_non_null(r->name);
		assert_non_null(r->read);
		assert_non_null(r->write);
		assert_non_null(r->why);
		assert_non_null(r->access);
		assert_ptr_equal(msr_info(r->msr), r);
		assert_ptr_equal(msr_info(r->last), r);
		if (r->msr)
			assert_true(msr_info(r->msr - 1) != r);
		assert_true(msr_info(r->last + 1) != r);
	}
	assert_null(msr_info(0));
	assert_null(msr_info(0xffffffff));
	assert_null(msr_info(0xc0000085));
	assert_string_equal(msr_info(0x20b)->name, "MTRRphysBase/Mask0-7");
	assert_string_equal(msr_info(0x47f)->name, "MCi_CTL/STATUS/ADDR/MISC");
	assert_string_equal(msr_info(MSR_EFER)->name, "EFER");
	assert_string_equal(msr_info(0x4b564d00)->name, "KVM_WALL_CLOCK_NEW");
	assert_string_equal(msr_info(0x4b564d01)->name, "KVM_SYSTEM_TIME_NEW");
	assert_string_equal(msr_info(0xc0010055)->name, "INT_PENDING_MSG");
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_efer_rules),
		T(test_efer_access),
		T(test_pat_valid),
		T(test_pat_access),
		T(test_tsc),
		T(test_tsc_aux),
		T(test_apic_base),
		T(test_apic_base_x2apic),
		T(test_mtrr),
		T(test_mtrr_type_valid),
		T(test_vmload_msrs),
		T(test_hwcr),
		T(test_memory_map_msrs),
		T(test_read_zero_write_ignored),
		T(test_gp_msrs),
		T(test_kvmclock_needs_cpuid),
		T(test_kvm_system_time),
		T(test_kvm_wall_clock),
		T(test_pvclock_scale),
		T(test_kvmclock_time_info),
		T(test_kvmclock_wall_clock),
		T(test_pvclock_publish),
		T(test_msrpm_bits),
		T(test_msrpm_pass_through),
		T(test_unknown_counts),
		T(test_unknown_overflow),
		T(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
