/* SPDX-License-Identifier: BSD-2-Clause */
/* Every consistency rule vmcb_check knows, broken one at a time on an
 * otherwise good VMCB: the one vmcb_init builds for a protected-mode guest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "svm/vmcb_check.h"
#include "svm/vmcb_init.h"

static struct vmcb v;

/* EFER.SVME alone, CR0 PE|ET, reset DR6/DR7, 32-bit CS, every intercept
 * vcpu_init sets; the ASID asid_prepare would give it. */
static void good(void)
{
	static const struct vcpu_start start = { .mode = VM_MODE_PROT32, .rip = 0x100000 };
	static const struct vmcb_refs refs = { .iopm_pa = 0x100000, .msrpm_pa = 0x104000 };

	vmcb_init(&v, &start, &refs);
	v.control.guest_asid = 1;
}

static void expect(const char *rule)
{
	const char *got = vmcb_check(&v, 40);

	if (!rule)
		assert_null(got);
	else
		assert_string_equal(got, rule);
}

static void test_good_vmcbs(void **state)
{
	(void)state;
	good();
	expect(NULL);
	/* Long mode: LME, PG, PAE, PE, CS.L without CS.D. */
	v.save.efer |= 1ull << 8 | 1ull << 10;
	v.save.cr0 |= 1ull << 31;
	v.save.cr4 = 1ull << 5;
	v.save.cs.attrib = 0x0a9b;
	expect(NULL);
	/* A valid #GP injection with an error code, an NMI. */
	v.control.eventinj = 13 | EVENT_TYPE_EXCEPT | EVENT_EV | EVENT_VALID;
	expect(NULL);
	v.control.eventinj = 2 | EVENT_TYPE_NMI | EVENT_VALID;
	expect(NULL);
}

static void test_each_rule(void **state)
{
	(void)state;
	good(); v.save.efer = 0;
	expect("EFER.SVME is zero");
	good(); v.save.cr0 |= 1ull << 29;
	expect("CR0.CD is zero and CR0.NW is set");
	good(); v.save.cr0 |= 1ull << 29 | 1ull << 30;	/* CD and NW: legal */
	expect(NULL);
	good(); v.save.cr0 |= 1ull << 32;
	expect("CR0[63:32] are not zero");
	good(); v.save.cr4 = 1ull << 40;
	expect("CR4[63:32] are not zero");
	good(); v.save.dr6 |= 1ull << 32;
	expect("DR6[63:32] are not zero");
	good(); v.save.dr7 |= 1ull << 63;
	expect("DR7[63:32] are not zero");
	good(); v.save.efer |= 1ull << 1;
	expect("EFER reserved bits are not zero");
	good(); v.save.efer |= 1ull << 8; v.save.cr0 |= 1ull << 31;
	expect("EFER.LME and CR0.PG are set but CR4.PAE is zero");
	good(); v.save.efer |= 1ull << 8; v.save.cr0 = 1ull << 31 | 0x10; v.save.cr4 = 1ull << 5;
	expect("EFER.LME and CR0.PG are set but CR0.PE is zero");
	good(); v.save.efer |= 1ull << 8; v.save.cr0 |= 1ull << 31; v.save.cr4 = 1ull << 5;
	v.save.cs.attrib = 0x0e9b;
	expect("EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all set");
	good(); v.control.intercept_misc2 = 0;
	expect("the VMRUN intercept is clear");
	good(); v.control.msrpm_base_pa = 1ull << 40;
	expect("MSRPM_BASE_PA is beyond the physical address width");
	good(); v.control.msrpm_base_pa = (1ull << 40) - 4096;	/* runs past the top */
	expect("MSRPM_BASE_PA is beyond the physical address width");
	good(); v.control.iopm_base_pa = (1ull << 40) - 8192;
	expect("IOPM_BASE_PA is beyond the physical address width");
	good(); v.control.eventinj = 2 | EVENT_TYPE_EXCEPT | EVENT_VALID;
	expect("EVENTINJ holds an illegal event (type or vector)");
	good(); v.control.eventinj = 40 | EVENT_TYPE_EXCEPT | EVENT_VALID;
	expect("EVENTINJ holds an illegal event (type or vector)");
	good(); v.control.eventinj = 3 | (1ull << 8) | EVENT_VALID;
	expect("EVENTINJ holds an illegal event (type or vector)");
	good(); v.control.eventinj = 3 | (7ull << 8) | EVENT_VALID;
	expect("EVENTINJ holds an illegal event (type or vector)");
	good(); v.control.eventinj = 40 | EVENT_TYPE_EXCEPT;	/* not valid: ignored */
	expect(NULL);
	good(); v.control.guest_asid = 0;
	expect("ASID is zero");
}

/* What only the hypervisor may set: its own tables and maps, nested
 * paging, and every always-on intercept, each removed in turn. */
static void test_owned(void **state)
{
	static const struct vcpu_start start = { .mode = VM_MODE_PROT32, .rip = 0x100000 };
	static const struct vmcb_refs refs = { .iopm_pa = 0x100000, .msrpm_pa = 0x104000,
					       .ncr3 = 0x200000 };
	static const uint32_t misc1[] = { INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_INIT,
					  INTERCEPT_RDPMC, INTERCEPT_CPUID, INTERCEPT_INVD, INTERCEPT_HLT,
					  INTERCEPT_INVLPGA, INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT,
					  INTERCEPT_TASK_SWITCH, INTERCEPT_SHUTDOWN };
	static const uint32_t misc2[] = { INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
					  INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
					  INTERCEPT_SKINIT, INTERCEPT_WBINVD, INTERCEPT_MONITOR,
					  INTERCEPT_MWAIT, INTERCEPT_XSETBV, INTERCEPT_RDPRU };
	static const unsigned exc[] = { EXC_DB, EXC_AC, EXC_DF, EXC_MC };
	struct vmcb_refs other = refs;

	(void)state;
	vmcb_init(&v, &start, &refs);
	assert_null(vmcb_check_owned(&v, &refs));
	other.ncr3 += 0x1000;
	assert_string_equal(vmcb_check_owned(&v, &other), "N_CR3 is not the VM's own nested page table");
	other = refs;
	other.iopm_pa = 0;
	assert_string_equal(vmcb_check_owned(&v, &other),
			    "IOPM_BASE_PA is not the VM's own I/O permission map");
	other = refs;
	other.msrpm_pa = 0x108000;
	assert_string_equal(vmcb_check_owned(&v, &other),
			    "MSRPM_BASE_PA is not the VM's own MSR permission map");
	v.control.np_enable = 0;
	assert_string_equal(vmcb_check_owned(&v, &refs),
			    "NP_ENABLE is clear: the guest would run on host-physical addresses");
	for (size_t i = 0; i < sizeof(misc1) / sizeof(misc1[0]); i++) {
		vmcb_init(&v, &start, &refs);
		v.control.intercept_misc1 &= ~misc1[i];
		assert_non_null(vmcb_check_owned(&v, &refs));
	}
	for (size_t i = 0; i < sizeof(misc2) / sizeof(misc2[0]); i++) {
		vmcb_init(&v, &start, &refs);
		v.control.intercept_misc2 &= ~misc2[i];
		assert_non_null(vmcb_check_owned(&v, &refs));
	}
	for (size_t i = 0; i < sizeof(exc) / sizeof(exc[0]); i++) {
		vmcb_init(&v, &start, &refs);
		v.control.intercept_exceptions &= ~(1u << exc[i]);
		assert_non_null(vmcb_check_owned(&v, &refs));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_vmcbs),
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_owned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
