/* CPUID as the guest sees it. Inline: the fast path (vcpu_fast_exit)
 * completes CPUID exits without leaving the GIF = 0 window. */
#pragma once
#include "kernel/x86.h"
#include "svm/vm.h"

/* The host's CPUID with SVM and VMX hidden, the hypervisor bit set, the
 * SVM leaf zeroed and the svmvisor leaf at 0x40000000. */
static inline void cpuid_emulate(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t leaf = (uint32_t)s->rax, sub = (uint32_t)v->regs.rcx;
	struct cpuid_regs r = cpuid(leaf, sub);

	switch (leaf) {
	case 1:
		r.ecx &= ~CPUID_1_ECX_VMX;
		r.ecx |= CPUID_1_ECX_HYPERVISOR;
		break;
	case 0x80000001:
		r.ecx &= ~CPUID_80000001_ECX_SVM;	/* SVM hidden from the guest */
		break;
	case 0x8000000a:
		r = (struct cpuid_regs){ 0 };
		break;
	case 0x40000000:	/* hypervisor leaf: max leaf and "svmvisor    " */
		r = (struct cpuid_regs){ 0x40000000, 0x766d7673, 0x726f7369, 0x20202020 };
		break;
	default:
		if (leaf > 0x40000000 && leaf < 0x40000100)
			r = (struct cpuid_regs){ 0 };
	}
	s->rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
}
