/* SPDX-License-Identifier: BSD-2-Clause */
/* The run loop and the fast path of a vCPU on its physical core (the vCPU
 * itself: svm/vm.h). */
#pragma once

struct vcpu;

/* Runs v on the calling CPU until the VM stops, then reports its exits and
 * hands the core back (cpu->vcpu = NULL, then v->exited). kernel/smp.c's
 * idle loop calls it through the hook kernel/main.c installs. */
void vcpu_run_on_this_cpu(struct vcpu *v);

/* The console's turn is due on v's core (its timer tick): v leaves guest
 * mode at the tick's INTR exit and the run loop calls the core's
 * housekeeping before it enters again. */
void vcpu_console_due(struct vcpu *v);
