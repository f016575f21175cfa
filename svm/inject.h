/* SPDX-License-Identifier: BSD-2-Clause */
/* Events for the guest's next VMRUN (EVENTINJ, APM Vol.2 15.20). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/lib/x86_arch.h"
#include "svm/vm.h"

/* Queues an event for the next VMRUN; a handler's own event replaces one
 * the run loop queued for re-delivery (EXITINTINFO). */
static inline void inject_event(struct vcpu *v, unsigned vector, uint64_t type, bool ev, uint32_t error)
{
	v->vmcb->control.eventinj = vector | type | EVENT_VALID | (ev ? EVENT_EV : 0) |
				    (uint64_t)error << 32;
}

/* Exception vector with an error code of 0 where the vector takes one
 * (APM Vol.2 8.2: the others must not have EV; Bochs honours EV exactly).
 * Only in protected mode: a real-mode exception pushes FLAGS, CS and IP
 * alone, so an EV there would push an error code the guest's IRET pops as
 * its IP (a real-mode RDMSR of an unknown MSR, tests/fuzz/fuzz_exits.c). */
static inline void inject_exception(struct vcpu *v, unsigned vector)
{
	inject_event(v, vector, EVENT_TYPE_EXCEPT,
		     exc_has_error_code(vector) && (v->vmcb->save.cr0 & CR0_PE), 0);
}

/* #PF at linear with its error code: CR2 in the VMCB, and in the core
 * before the next VMRUN (v->cr2_load, svm/vcpu.c), because Bochs 2.7's
 * VMRUN does not load CR2 from the VMCB and the guest would read a stale
 * one (guests/hostile/strio-hole.asm). Hardware loads it either way. */
static inline void inject_page_fault(struct vcpu *v, uint64_t linear, uint32_t error)
{
	v->vmcb->save.cr2 = linear;
	v->vmcb->control.vmcb_clean &= ~VMCB_CLEAN_CR2;
	v->cr2_load = true;
	inject_event(v, EXC_PF, EVENT_TYPE_EXCEPT, true, error);
}
