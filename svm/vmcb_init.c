/* SPDX-License-Identifier: BSD-2-Clause */
/* The initial VMCB (svm/vmcb_init.h). tests/unit/test_vmcb_init.c holds
 * each start mode to the VMRUN consistency rules (APM Vol.2 15.5.1) through
 * vmcb_check. */
#include "svm/vmcb_init.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/x86_arch.h"

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

void vmcb_init(struct vmcb *vmcb, const struct vcpu_start *start,
	       const struct vmcb_refs *refs)
{
	enum vm_mode mode = start->mode;
	struct vmcb_control *c = &vmcb->control;
	struct vmcb_save *s = &vmcb->save;

	memset(vmcb, 0, sizeof(*vmcb));

	/* Default deny: the intercepts of vmcb_init.h (which say why). */
	c->intercept_exceptions = VMCB_REQUIRED_EXCEPTIONS;
	c->intercept_cr_write = VMCB_REQUIRED_CR_WRITE;
	c->intercept_misc1 = VMCB_REQUIRED_MISC1;
	c->intercept_misc2 = VMCB_REQUIRED_MISC2;
	c->iopm_base_pa = refs->iopm_pa;
	c->msrpm_base_pa = refs->msrpm_pa;
	/* guest_asid and tlb_control are set before each VMRUN (asid_prepare). */
	c->v_intr = V_INTR_MASKING;	/* physical interrupts follow the host's IF */
	c->np_enable = NP_ENABLE;
	c->n_cr3 = refs->ncr3;
	c->vmcb_clean = 0;	/* nothing cached yet (svm/vmcb.h setters keep it honest) */

	if (mode == VM_MODE_LONG) {	/* APM Vol.2 14.8: PE, PG, PAE, LME, LMA */
		seg(&s->cs, start->cs, ATTR_CODE64, 0xffffffff, 0);
		seg(&s->ds, start->ds, ATTR_DATA32, 0xffffffff, 0);
		seg(&s->gdtr, 0, 0, start->gdt_limit, start->gdt_base);
		s->cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_ET;
		s->cr3 = start->cr3;
		s->cr4 = CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
	} else if (mode == VM_MODE_PROT32) {
		seg(&s->cs, 0x08, ATTR_CODE32, 0xffffffff, 0);
		seg(&s->ds, 0x10, ATTR_DATA32, 0xffffffff, 0);
		s->cr0 = CR0_PE | CR0_ET;
	} else {	/* real mode, CS = 0: the caller keeps rip below 64 KiB */
		seg(&s->cs, 0, ATTR_CODE16, 0xffff, 0);
		seg(&s->ds, 0, ATTR_DATA16, 0xffff, 0);
		s->cr0 = CR0_ET;
	}
	s->es = s->ss = s->fs = s->gs = s->ds;
	if (mode != VM_MODE_LONG)
		seg(&s->gdtr, 0, 0, 0xffff, 0);
	seg(&s->idtr, 0, 0, mode == VM_MODE_LONG ? 0 : 0x3ff, 0);
	seg(&s->ldtr, 0, ATTR_LDT, 0xffff, 0);
	seg(&s->tr, 0, ATTR_TSS, 0xffff, 0);
	s->cpl = 0;
	s->efer |= EFER_SVME;	/* APM Vol.2 15.5.1: VMRUN requires guest EFER.SVME */
	s->dr6 = DR6_RESET;
	s->dr7 = DR7_RESET;
	s->rflags = RFLAGS_FIXED;
	s->rip = start->rip;
	s->rax = start->rax;
	s->g_pat = PAT_RESET;	/* Bochs checks it */
}
