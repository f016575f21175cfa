/* SPDX-License-Identifier: BSD-2-Clause */
/* Single-step for the console: one guest instruction under the
 * hypervisor's trap flag, with the flag kept invisible to the guest. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Before the VMRUN that runs the step: decode the instruction at CS:RIP
 * (PUSHF and POPF/IRET need corrections) and set RFLAGS.TF. */
void step_arm(struct vcpu *v);

/* A #DB exit while stepping: true if it was the step's own trap (the step
 * is finished), false if it belongs to the guest (reflect it). */
bool step_db_exit(struct vcpu *v);

/* After any other exit handled while stepping: is the step over? */
void step_check(struct vcpu *v, uint32_t exit_code);
