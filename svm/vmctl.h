/* SPDX-License-Identifier: BSD-2-Clause */
/* The life of VMs and vCPUs: starting a vCPU (its first instruction), its
 * reset, the VM's stop; and control from another core (the console): a
 * request bit in each vCPU's mailbox, a kick that forces the vCPU out of
 * guest mode, and a bounded wait for the run loop's acknowledgement. */
#pragma once
#include <stdbool.h>

#include "svm/vmcb_init.h"

struct vm;
struct vcpu;

/* Stops the VM for good with a reason (printed with its name, after its
 * last output); its vCPUs leave their run loops at their next exit. */
void vm_stop(struct vm *vm, struct vcpu *v, int result, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Stops the VM so that the console's core restarts it from its image (the
 * builder's vms_service): a device's reset request, or a crash with
 * on_crash=reset. Logged as "vm x: resetting: reason". */
void vm_request_reset(struct vm *vm, struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The guest crashed (triple fault, or the double fault before one): stop
 * the VM, or with on_crash=reset restart it; the flight recorder is shown. */
void vm_crashed(struct vcpu *v, const char *what);

/* Sets up the VMCB: intercepts (default deny), IOPM/MSRPM, NPT root, and the
 * register state of a guest about to run its first instruction. */
void vcpu_init(struct vcpu *v, const struct vcpu_start *start);

/* A vCPU back to its first instruction (after apic_vcpu_init, svm/apic.h,
 * has put its local APIC back to power-on): vcpu_init, its exit counters and
 * flight recorder zeroed, pending step and NMI requests dropped, its old
 * TLB entries to be flushed; vcpu1.. wait to be started again. The vCPU
 * must be out of guest mode (paused or stopped). */
void vcpu_reset(struct vcpu *v, const struct vcpu_start *start);

/* Zeroes the exit counters and cycle statistics (the recorder stays). */
void vcpu_reset_stats(struct vcpu *v);

/* Forces v out of guest mode: it looks at its requests and at the VM's
 * state before it enters again. */
void vm_kick(struct vcpu *v);

/* Each returns NULL, or what went wrong ("timed out: vcpu0 on cpu2 did not
 * answer", "not running"). */
const char *vmctl_pause(struct vm *vm);
const char *vmctl_resume(struct vm *vm);
const char *vmctl_kill(struct vm *vm);
const char *vmctl_nmi(struct vm *vm, struct vcpu *v);

/* One guest instruction on v (the VM is paused first if it runs; it stays
 * paused). The vCPU logs the step's RIPs when it is done. */
const char *vmctl_step(struct vm *vm, struct vcpu *v);

/* Is v on the calling core? Then it is out of guest mode right now (the
 * console runs between its exits) and acts on a request once the console
 * returns. */
bool vmctl_is_local(const struct vcpu *v);
