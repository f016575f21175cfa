/* SPDX-License-Identifier: BSD-2-Clause */
/* The CR0/CR4 write rules (svm/crx.c): each #GP condition of APM Vol.3
 * "MOV CRn", the effects of an accepted write, the decoding of the
 * instructions that write them, the CR4 bits a CPUID offers, and the point
 * of it all: no value the rules accept makes a VMCB that VMRUN refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/x86_arch.h"
#include "svm/cpuid.h"
#include "svm/crx.h"
#include "svm/vmcb_check.h"
#include "svm/vmcb_init.h"

#define CR0_PROT (CR0_PE | CR0_ET | CR0_NE)
#define CR0_PAGED (CR0_PROT | CR0_PG | CR0_WP)

/* 32-bit protected mode without paging; long mode (64-bit code). */
static const struct crx_state prot = { .cr0 = CR0_PROT };
static const struct crx_state lm = {
	.cr0 = CR0_PAGED, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA, .cs_l = true,
};

static void test_cr0_rules(void **state)
{
	struct crx_state s = prot;

	(void)state;
	assert_null(crx_cr0_fault(&s, CR0_PROT | CR0_PG));
	assert_null(crx_cr0_fault(&s, CR0_PROT | CR0_CD | CR0_NW));
	assert_null(crx_cr0_fault(&s, CR0_PROT | CR0_CD));
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT | CR0_NW), "NW is set without CD");
	assert_string_equal(crx_cr0_fault(&s, CR0_PG), "PG is set without PE");
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT | 1ull << 32), "CR0[63:32] are not zero");
	s.cpl = 3;
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT), "CPL is not 0");
	/* Activating long mode: PAE first, and not from a CS with L set. */
	s = prot;
	s.efer = EFER_LME;
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT | CR0_PG), "long mode needs CR4.PAE before paging");
	s.cr4 = CR4_PAE;
	assert_null(crx_cr0_fault(&s, CR0_PROT | CR0_PG));
	s.cs_l = true;
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT | CR0_PG),
			    "long mode cannot be activated with CS.L set");
	/* Leaving paging: never from 64-bit code, never with PCIDE. */
	s = lm;
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT), "paging cannot be turned off in 64-bit mode");
	s.cs_l = false;	/* compatibility mode may */
	assert_null(crx_cr0_fault(&s, CR0_PROT));
	s.cr4 |= CR4_PCIDE;
	assert_string_equal(crx_cr0_fault(&s, CR0_PROT), "paging cannot be turned off with CR4.PCIDE set");
	/* TS, MP, EM, AM, WP flip freely. */
	s = lm;
	assert_null(crx_cr0_fault(&s, CR0_PAGED | CR0_TS | CR0_MP | CR0_EM | CR0_AM));
}

static void test_cr0_effects(void **state)
{
	(void)state;
	/* Reserved bits dropped, ET forced. */
	assert_int_equal(crx_cr0_value(CR0_PE | 1ull << 6 | 1ull << 17 | 1ull << 28), CR0_PE | CR0_ET);
	assert_int_equal(crx_cr0_value(0), CR0_ET);
	/* LMA follows LME with paging. */
	assert_int_equal(crx_efer_after_cr0(EFER_LME, CR0_PROT | CR0_PG), EFER_LME | EFER_LMA);
	assert_int_equal(crx_efer_after_cr0(EFER_LME | EFER_LMA, CR0_PROT), EFER_LME);
	assert_int_equal(crx_efer_after_cr0(EFER_NXE, CR0_PROT | CR0_PG), EFER_NXE);
	/* LMSW: low four bits, PE stays. */
	assert_int_equal(crx_lmsw(CR0_PE | CR0_TS | CR0_ET, 0), CR0_PE | CR0_ET);
	assert_int_equal(crx_lmsw(CR0_ET, 0xffff), CR0_ET | CR0_PE | CR0_MP | CR0_EM | CR0_TS);
	/* Flushes: paging-relevant changes only. */
	assert_true(crx_flushes(0, CR0_PAGED, CR0_PROT));
	assert_true(crx_flushes(0, CR0_PAGED, CR0_PAGED & ~CR0_WP));
	assert_false(crx_flushes(0, CR0_PAGED, CR0_PAGED | CR0_TS));
	assert_true(crx_flushes(4, CR4_PAE, CR4_PAE | CR4_PGE));
	assert_false(crx_flushes(4, CR4_PAE, CR4_PAE | CR4_OSXSAVE));
}

static void test_cr4_rules(void **state)
{
	const uint64_t all = CR4_PAE | CR4_PSE | CR4_PGE | CR4_PCIDE | CR4_OSXSAVE | CR4_LA57 | CR4_OSFXSR;
	struct crx_state s = prot;

	(void)state;
	assert_null(crx_cr4_fault(&s, CR4_PSE | CR4_OSFXSR, all));
	for (unsigned bit = 0; bit < 64; bit++) {
		if (all & 1ull << bit)
			continue;
		assert_string_equal(crx_cr4_fault(&s, 1ull << bit, all),
				    "a reserved bit, or one the guest's CPUID does not offer, is set");
	}
	assert_string_equal(crx_cr4_fault(&s, CR4_PCIDE, all), "PCIDE needs long mode and CR3[11:0] zero");
	s.cpl = 1;
	assert_string_equal(crx_cr4_fault(&s, 0, all), "CPL is not 0");
	s = lm;
	assert_null(crx_cr4_fault(&s, CR4_PAE | CR4_PGE, all));
	assert_string_equal(crx_cr4_fault(&s, CR4_PGE, all), "PAE cannot be cleared in long mode");
	assert_string_equal(crx_cr4_fault(&s, CR4_PAE | CR4_LA57, all), "LA57 cannot change in long mode");
	assert_null(crx_cr4_fault(&s, CR4_PAE | CR4_PCIDE, all));
	s.cr3 |= 0x5;	/* a PCID already in CR3 */
	assert_string_equal(crx_cr4_fault(&s, CR4_PAE | CR4_PCIDE, all),
			    "PCIDE needs long mode and CR3[11:0] zero");
	s.cr4 |= CR4_PCIDE;	/* keeping it set is no change */
	assert_null(crx_cr4_fault(&s, CR4_PAE | CR4_PCIDE, all));
}

static bool decodes(const char *bytes, size_t n, enum cpu_mode mode, struct crx_insn *ci)
{
	struct insn in;

	assert_int_equal(insn_decode((const uint8_t *)bytes, n, mode, &in), DECODE_OK);
	return crx_decode(&in, ci);
}

static void test_decode(void **state)
{
	struct crx_insn ci;

	(void)state;
	assert_true(decodes("\x0f\x22\xe0", 3, MODE_PROT32, &ci));	/* mov cr4, eax */
	assert_int_equal(ci.op, CRX_MOV);
	assert_int_equal(ci.cr, 4);
	assert_int_equal(ci.gpr, 0);
	assert_true(decodes("\x0f\x22\xc3", 3, MODE_PROT32, &ci));	/* mov cr0, ebx */
	assert_int_equal(ci.cr, 0);
	assert_int_equal(ci.gpr, 3);
	assert_true(decodes("\x0f\x22\x23", 3, MODE_PROT32, &ci));	/* mod ignored: mov cr4, ebx */
	assert_int_equal(ci.cr, 4);
	assert_int_equal(ci.gpr, 3);
	assert_true(decodes("\x41\x0f\x22\xe7", 4, MODE_LONG64, &ci));	/* mov cr4, r15 */
	assert_int_equal(ci.gpr, 15);
	assert_false(decodes("\x44\x0f\x22\xc0", 4, MODE_LONG64, &ci));	/* mov cr8, rax */
	assert_false(decodes("\xf0\x0f\x22\xc0", 4, MODE_PROT32, &ci));	/* AMD: lock mov cr0 is cr8 */
	assert_false(decodes("\x0f\x22\xd8", 3, MODE_PROT32, &ci));	/* mov cr3, eax */
	assert_true(decodes("\x0f\x01\xf0", 3, MODE_PROT32, &ci));	/* lmsw ax */
	assert_int_equal(ci.op, CRX_LMSW);
	assert_true(decodes("\x0f\x01\x30", 3, MODE_PROT32, &ci));	/* lmsw [eax] */
	assert_int_equal(ci.op, CRX_LMSW);
	assert_false(decodes("\x0f\x01\x38", 3, MODE_PROT32, &ci));	/* invlpg [eax] */
	assert_true(decodes("\x0f\x06", 2, MODE_REAL16, &ci));		/* clts */
	assert_int_equal(ci.op, CRX_CLTS);
	assert_false(decodes("\x0f\xa2", 2, MODE_PROT32, &ci));		/* cpuid */
}

static void test_cr4_allowed(void **state)
{
	struct cpuid_table t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(cpuid_cr4_allowed(&t), CR4_PCE);
	t.basic[1].edx = CPUID_1_EDX_PAE | CPUID_1_EDX_PGE | CPUID_1_EDX_FXSR | CPUID_1_EDX_SSE;
	t.basic[1].ecx = CPUID_1_ECX_XSAVE;
	t.leaf7[0].ebx = CPUID_7_EBX_SMEP;
	t.leaf7[0].ecx = CPUID_7_ECX_UMIP;
	assert_int_equal(cpuid_cr4_allowed(&t), CR4_PCE | CR4_PAE | CR4_PGE | CR4_OSFXSR |
			 CR4_OSXMMEXCPT | CR4_OSXSAVE | CR4_SMEP | CR4_UMIP);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A value near the interesting bits: the state's own, a few flipped. */
static uint64_t mutate(uint64_t v)
{
	static const uint8_t bits[] = { 0, 1, 3, 4, 5, 7, 12, 16, 17, 18, 29, 30, 31, 32, 63 };

	for (unsigned k = next() % 4; k; k--)
		v ^= 1ull << bits[next() % sizeof(bits)];
	return v;
}

/* From a good VMCB in each mode, a million writes: every one the rules
 * accept leaves a VMCB that passes VMRUN's checks. */
static void test_accepted_writes_pass_vmrun(void **state)
{
	static const struct vmcb_refs refs = { .iopm_pa = 0x100000, .msrpm_pa = 0x104000 };
	const uint64_t allowed = CR4_PAE | CR4_PSE | CR4_PGE | CR4_PCIDE | CR4_OSXSAVE | CR4_LA57;
	static struct vmcb v;
	unsigned accepted = 0;

	(void)state;
	for (unsigned i = 0; i < 1000000; i++) {
		static const struct vcpu_start starts[] = {
			{ .mode = VM_MODE_PROT32, .rip = 0x100000 },
			{ .mode = VM_MODE_LONG, .rip = 0x100000, .cr3 = 0x1000, .cs = 8, .ds = 16 },
		};
		struct vmcb_save *s = &v.save;
		struct crx_state st;
		unsigned n = next() & 1 ? 4 : 0;
		uint64_t val;

		vmcb_init(&v, &starts[i & 1], &refs);
		v.control.guest_asid = 1;
		assert_null(vmcb_check(&v, 40));
		st = (struct crx_state){ s->cr0, s->cr3, s->cr4, s->efer, 0, s->cs.attrib & SEG_L };
		val = mutate(n ? s->cr4 : s->cr0);
		if (n ? crx_cr4_fault(&st, val, allowed) : crx_cr0_fault(&st, val))
			continue;
		accepted++;
		if (n) {
			s->cr4 = val;
		} else {
			s->cr0 = crx_cr0_value(val);
			s->efer = crx_efer_after_cr0(s->efer, s->cr0);
		}
		assert_null(vmcb_check(&v, 40));
	}
	assert_true(accepted > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_rules),
		cmocka_unit_test(test_cr0_effects),
		cmocka_unit_test(test_cr4_rules),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_cr4_allowed),
		cmocka_unit_test(test_accepted_writes_pass_vmrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
