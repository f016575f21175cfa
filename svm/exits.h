/* The exit handlers: one per exit code, in a table. Every exit code has a
 * defined outcome: handled, reflected into the guest, or the VM stopped
 * with a report. */
#pragma once
#include <stdint.h>

struct vcpu;

/* Handles the exit the VMCB describes (EXITCODE compared as 32 bits). */
void exit_dispatch(struct vcpu *v);

/* Queues exception vector for the next VMRUN (EVENTINJ), with an error code
 * of 0 where the vector takes one. */
void exit_inject_exception(struct vcpu *v, unsigned vector);
