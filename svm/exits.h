/* The exit handlers: one per exit code, in a table. Every exit code has a
 * defined outcome: handled, reflected into the guest, or the VM stopped
 * with a report. */
#pragma once
#include <stdint.h>

struct vcpu;

#include "svm/vm.h"

typedef void (*exit_handler)(struct vcpu *v);

/* The handlers of the exit codes below NR_EXIT_STATS (NULL: none). */
extern const exit_handler exit_handlers[NR_EXIT_STATS];

/* Every other exit: NPF, VMEXIT_INVALID, codes without a handler. */
void exit_dispatch_other(struct vcpu *v);

/* Handles the exit the VMCB describes (EXITCODE compared as 32 bits: QEMU
 * writes VMEXIT_INVALID as 0x00000000ffffffff). Inline: the run loop's
 * call goes straight to the handler. */
static inline void exit_dispatch(struct vcpu *v)
{
	uint32_t code = (uint32_t)v->vmcb->control.exitcode;

	if (code < NR_EXIT_STATS && exit_handlers[code])
		exit_handlers[code](v);
	else
		exit_dispatch_other(v);
}

/* Queues exception vector for the next VMRUN (EVENTINJ), with an error code
 * of 0 where the vector takes one. */
void exit_inject_exception(struct vcpu *v, unsigned vector);
