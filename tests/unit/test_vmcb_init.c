/* SPDX-License-Identifier: BSD-2-Clause */
/* The initial VMCB of each start mode: one VMRUN accepts (vmcb_check, APM
 * Vol.2 15.5.1, once the run loop has given it an ASID), default deny, and
 * the register state the mode asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/x86_arch.h"
#include "svm/vmcb_check.h"
#include "svm/vmcb_init.h"

#define MULTIBOOT_MAGIC 0x2badb002u	/* Multiboot 0.6.96, 3.2: EAX at entry */

static struct vmcb v;
static const struct vmcb_refs refs = {
	.iopm_pa = 0x100000, .msrpm_pa = 0x104000, .ncr3 = 0x200000,
};

/* Builds v from start, gives it the ASID asid_prepare would, and checks
 * what every mode shares. */
static void build(const struct vcpu_start *start)
{
	memset(&v, 0xa5, sizeof(v));	/* vmcb_init must zero what it does not set */
	vmcb_init(&v, start, &refs);
	v.control.guest_asid = 1;
	assert_null(vmcb_check(&v, 40));

	assert_true(v.control.intercept_misc2 & INTERCEPT_VMRUN);
	assert_true(v.control.intercept_misc1 & INTERCEPT_CPUID);
	assert_true(v.control.intercept_misc1 & INTERCEPT_IOIO_PROT);
	assert_true(v.control.intercept_misc1 & INTERCEPT_MSR_PROT);
	assert_true(v.control.intercept_exceptions & 1u << EXC_DB);
	assert_true(v.control.intercept_exceptions & 1u << EXC_AC);
	assert_int_equal(v.control.np_enable, NP_ENABLE);
	assert_int_equal(v.control.n_cr3, refs.ncr3);
	assert_int_equal(v.control.iopm_base_pa, refs.iopm_pa);
	assert_int_equal(v.control.msrpm_base_pa, refs.msrpm_pa);
	assert_int_equal(v.control.v_intr, V_INTR_MASKING);
	assert_int_equal(v.control.vmcb_clean, 0);
	assert_int_equal(v.control.tlb_control, TLB_CONTROL_NOTHING);
	assert_int_equal(v.control.eventinj, 0);
	assert_int_equal(v.save.cpl, 0);
	assert_true(v.save.efer & EFER_SVME);
	assert_int_equal(v.save.rflags, RFLAGS_FIXED);
	assert_int_equal(v.save.dr6, DR6_RESET);
	assert_int_equal(v.save.dr7, DR7_RESET);
	assert_int_equal(v.save.g_pat, PAT_RESET);
	assert_int_equal(v.save.rip, start->rip);
	assert_int_equal(v.save.rax, start->rax);
	assert_int_equal(v.save.rsp, 0);
	assert_int_equal(v.save.ldtr.attrib, ATTR_LDT);
	assert_int_equal(v.save.tr.attrib, ATTR_TSS);
	assert_int_equal(v.save.ss.attrib, v.save.ds.attrib);
	assert_int_equal(v.save.es.selector, v.save.ds.selector);
}

static void assert_not_long(void)
{
	assert_false(v.save.efer & (EFER_LME | EFER_LMA));
	assert_false(v.save.cr0 & CR0_PG);
	assert_int_equal(v.save.cr3, 0);
	assert_int_equal(v.save.cr4, 0);
	assert_int_equal(v.save.gdtr.limit, 0xffff);
	assert_int_equal(v.save.idtr.limit, 0x3ff);
}

static void test_real(void **state)
{
	struct vcpu_start st = { .mode = VM_MODE_REAL, .rip = 0x7c00 };

	(void)state;
	build(&st);
	assert_not_long();
	assert_int_equal(v.save.cr0, CR0_ET);
	assert_int_equal(v.save.cs.attrib, ATTR_CODE16);
	assert_int_equal(v.save.cs.selector, 0);
	assert_int_equal(v.save.cs.limit, 0xffff);
	assert_int_equal(v.save.ds.attrib, ATTR_DATA16);
}

static void test_prot32(void **state)
{
	struct vcpu_start st = { .mode = VM_MODE_PROT32, .rip = 0x100000, .rax = 0x1234 };

	(void)state;
	build(&st);
	assert_not_long();
	assert_int_equal(v.save.cr0, CR0_PE | CR0_ET);
	assert_int_equal(v.save.cs.attrib, ATTR_CODE32);
	assert_int_equal(v.save.cs.selector, 0x08);
	assert_int_equal(v.save.cs.limit, 0xffffffff);
	assert_int_equal(v.save.ds.attrib, ATTR_DATA32);
	assert_int_equal(v.save.ds.selector, 0x10);
}

/* A Multiboot guest: protected mode, EAX the magic; EBX is the caller's. */
static void test_multiboot(void **state)
{
	struct vcpu_start st = { .mode = VM_MODE_PROT32, .rip = 0x10000c,
				 .rax = MULTIBOOT_MAGIC, .rbx = 0x10000 };

	(void)state;
	build(&st);
	assert_not_long();
	assert_int_equal(v.save.rax, MULTIBOOT_MAGIC);
	assert_int_equal(v.save.cs.attrib, ATTR_CODE32);
}

static void test_long(void **state)
{
	struct vcpu_start st = { .mode = VM_MODE_LONG, .rip = 0x200000, .rax = 7,
				 .cr3 = 0x9000, .gdt_base = 0x8000, .gdt_limit = 0x17,
				 .cs = 0x08, .ds = 0x10 };

	(void)state;
	build(&st);
	assert_int_equal(v.save.efer, EFER_LME | EFER_LMA | EFER_SVME);
	assert_int_equal(v.save.cr0, CR0_PE | CR0_PG | CR0_WP | CR0_ET);
	assert_int_equal(v.save.cr3, 0x9000);
	assert_int_equal(v.save.cr4, CR4_PAE);
	assert_int_equal(v.save.cs.attrib, ATTR_CODE64);
	assert_int_equal(v.save.cs.selector, 0x08);
	assert_int_equal(v.save.ds.attrib, ATTR_DATA32);
	assert_int_equal(v.save.ds.selector, 0x10);
	assert_int_equal(v.save.gdtr.base, 0x8000);
	assert_int_equal(v.save.gdtr.limit, 0x17);
	assert_int_equal(v.save.idtr.limit, 0);
}

/* Only long mode reads cr3 and the GDT: the others ignore them. */
static void test_long_fields_ignored(void **state)
{
	struct vcpu_start st = { .mode = VM_MODE_PROT32, .rip = 0x100000, .cr3 = 0x9000,
				 .gdt_base = 0x8000, .gdt_limit = 0x17, .cs = 0x18, .ds = 0x20 };

	(void)state;
	build(&st);
	assert_not_long();
	assert_int_equal(v.save.gdtr.base, 0);
	assert_int_equal(v.save.cs.selector, 0x08);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_prot32),
		cmocka_unit_test(test_multiboot),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_long_fields_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
