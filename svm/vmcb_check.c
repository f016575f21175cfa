/* SPDX-License-Identifier: BSD-2-Clause */
/* VMRUN consistency checks, APM Vol.2 15.5.1, in the manual's order. The
 * CPU checks more (segment details, reserved CR3 bits per mode); these are
 * the ones a hypervisor bug can break. */
#include <stdbool.h>
#include <stddef.h>
#include "svm/vmcb_check.h"
#include "kernel/lib/x86_arch.h"

/* EFER bits defined by AMD64 (APM Vol.2 3.1.7); the rest must be zero. */
#define EFER_DEFINED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME | EFER_LMSLE | \
		      EFER_FFXSR | EFER_TCE)
_Static_assert(EFER_DEFINED == 0xfd01ull, "APM Vol.2 3.1.7: EFER's defined bits");
#define EVENT_TYPE_RESERVED_1 (1ull << 8)

const char *vmcb_check(const struct vmcb *vmcb, unsigned phys_bits)
{
	const struct vmcb_save *s = &vmcb->save;
	const struct vmcb_control *c = &vmcb->control;
	uint64_t limit = phys_bits >= 64 ? ~0ull : (1ull << phys_bits);
	bool lme_pg = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

	if (!(s->efer & EFER_SVME))
		return "EFER.SVME is zero";
	if (!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW))
		return "CR0.CD is zero and CR0.NW is set";
	if (s->cr0 >> 32)
		return "CR0[63:32] are not zero";
	if (s->cr4 >> 32)
		return "CR4[63:32] are not zero";
	if (s->dr6 >> 32)
		return "DR6[63:32] are not zero";
	if (s->dr7 >> 32)
		return "DR7[63:32] are not zero";
	if (s->efer & ~EFER_DEFINED)
		return "EFER reserved bits are not zero";
	if (lme_pg && !(s->cr4 & CR4_PAE))
		return "EFER.LME and CR0.PG are set but CR4.PAE is zero";
	if (lme_pg && !(s->cr0 & CR0_PE))
		return "EFER.LME and CR0.PG are set but CR0.PE is zero";
	if (lme_pg && (s->cr4 & CR4_PAE) && (s->cs.attrib & SEG_L) &&
	    (s->cs.attrib & SEG_DB))
		return "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all set";
	if (!(c->intercept_misc2 & INTERCEPT_VMRUN))
		return "the VMRUN intercept is clear";
	if (c->msrpm_base_pa >= limit || 8192 > limit - c->msrpm_base_pa)	/* no wrap past 2^64 */
		return "MSRPM_BASE_PA is beyond the physical address width";
	if (c->iopm_base_pa >= limit || 12288 > limit - c->iopm_base_pa)
		return "IOPM_BASE_PA is beyond the physical address width";
	if ((c->eventinj & EVENT_VALID) &&
	    ((c->eventinj & EVENT_TYPE_MASK) == EVENT_TYPE_RESERVED_1 ||
	     (c->eventinj & EVENT_TYPE_MASK) > EVENT_TYPE_SOFT ||
	     ((c->eventinj & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPT &&
	      ((c->eventinj & EVENT_VECTOR_MASK) == 2 || (c->eventinj & EVENT_VECTOR_MASK) > 31))))
		return "EVENTINJ holds an illegal event (type or vector)";
	if (c->guest_asid == 0)
		return "ASID is zero";
	return NULL;
}

const char *vmcb_check_owned(const struct vmcb *vmcb, const struct vmcb_refs *refs)
{
	const struct vmcb_control *c = &vmcb->control;

	if (!(c->np_enable & NP_ENABLE))
		return "NP_ENABLE is clear: the guest would run on host-physical addresses";
	if (c->n_cr3 != refs->ncr3)
		return "N_CR3 is not the VM's own nested page table";
	if (c->iopm_base_pa != refs->iopm_pa)
		return "IOPM_BASE_PA is not the VM's own I/O permission map";
	if (c->msrpm_base_pa != refs->msrpm_pa)
		return "MSRPM_BASE_PA is not the VM's own MSR permission map";
	if ((c->intercept_exceptions & VMCB_REQUIRED_EXCEPTIONS) != VMCB_REQUIRED_EXCEPTIONS)
		return "an exception intercept that must always be on (#DB, #AC, #DF, #MC) is off";
	if ((c->intercept_cr_write & VMCB_REQUIRED_CR_WRITE) != VMCB_REQUIRED_CR_WRITE ||
	    (c->intercept_misc1 & VMCB_REQUIRED_MISC1) != VMCB_REQUIRED_MISC1 ||
	    (c->intercept_misc2 & VMCB_REQUIRED_MISC2) != VMCB_REQUIRED_MISC2)
		return "an intercept that must always be on is off (see svm/vmcb_init.h)";
	return NULL;
}
