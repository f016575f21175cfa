/* SPDX-License-Identifier: BSD-2-Clause */
/* The exit handlers: one per exit code, in a table. Every exit code has a
 * defined outcome: handled, reflected into the guest, or the VM stopped
 * with a report. */
#pragma once
#include <stdint.h>

struct vcpu;

#include "kernel/x86.h"
#include "svm/svm.h"
#include "svm/vm.h"

typedef void (*exit_handler)(struct vcpu *v);

/* The handlers of the exit codes below NR_EXIT_STATS (NULL: none). */
extern const exit_handler exit_handlers[NR_EXIT_STATS];

/* Every other exit: NPF, VMEXIT_INVALID, codes without a handler. */
void exit_dispatch_other(struct vcpu *v);

/* CPUID as the guest sees it (svm/cpuid.c, docs/cpu.md). Inline: the fast
 * path completes CPUID exits without leaving the GIF = 0 window. Leaf 0xD's
 * sizes follow the guest's XCR0: in the fast path (xcr0_live) the CPU's
 * XCR0 is still the guest's, and may be newer than v->xcr0 (QEMU runs
 * XSETBV without an exit); after the world switch the host's is back and
 * v->xcr0 holds the guest's. */
static inline void exit_cpuid(struct vcpu *v, bool xcr0_live)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t leaf = (uint32_t)s->rax;
	struct cpuid_regs4 r;

	cpuid_lookup(&v->cpuid, leaf, (uint32_t)v->regs.rcx, s->cr4,
		     leaf == 0xd && xcr0_live && svm_host_xsave ? xgetbv(0) : v->xcr0, &r);
	s->rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
}

/* Handles the exit the VMCB describes (EXITCODE compared as 32 bits: QEMU
 * writes VMEXIT_INVALID as 0x00000000ffffffff). Inline: the run loop's
 * call goes straight to the handler. */
/* After an exit that began with RFLAGS.TF set: an instruction the
 * hypervisor completed ends with the single-step trap the CPU would have
 * raised (#DB, DR6.BS; APM Vol.2 13.1.4). */
void exit_single_step(struct vcpu *v, uint32_t code, uint64_t rip_before);

static inline void exit_dispatch(struct vcpu *v)
{
	uint32_t code = (uint32_t)v->vmcb->control.exitcode;
	uint64_t rflags = v->vmcb->save.rflags, rip = v->vmcb->save.rip;

	if (code < NR_EXIT_STATS && exit_handlers[code])
		exit_handlers[code](v);
	else
		exit_dispatch_other(v);
	if (__builtin_expect(rflags & RFLAGS_TF, 0))
		exit_single_step(v, code, rip);
}
