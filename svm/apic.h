/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupts for vCPUs: each vCPU's local APIC (drivers/virt/vlapic.c) put
 * to work. Before every entry the run loop expires its timers, takes NMI,
 * INIT and STARTUP messages, and injects what svm/intr.c decides; IPIs go
 * from the sender's APIC to the receivers' and kick a receiver's core only
 * when it would not look in time by itself; the core's timer is armed for
 * the vCPU's next deadline so a sleeping vCPU wakes on time at no cost. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "drivers/virt/vlapic.h"

struct vcpu;
struct vm;

/* The vCPU's local APIC at power-on (APIC ID = its index). */
void apic_vcpu_init(struct vcpu *v);

/* Before an entry (interrupts off, v->where KICKABLE): timers that expired,
 * INIT (to wait-for-SIPI), STARTUP (start in real mode), NMI messages.
 * Cheap when nothing happened. */
void apic_update(struct vcpu *v);

/* May a halted vCPU go on? With an event already in EVENTINJ (taken from
 * the APIC: it must reach the guest) or an NMI always; an interrupt only
 * with IF set. */
bool apic_wakes(struct vcpu *v);

/* Right before VMRUN: the injection plan applied to the VMCB (EVENTINJ,
 * V_IRQ and the VINTR/IRET intercepts, V_TPR) and the core's timer armed
 * for the vCPU's next deadline. */
void apic_before_entry(struct vcpu *v);

/* The core's timer for the vCPU's next deadline (its APIC timer; vcpu0's
 * also the PIT's and RTC's), without touching what is injected: a halted
 * vCPU sleeps on it. Injecting there would take a vector out of IRR that
 * the sleeping vCPU then never wakes for. */
void apic_arm_timer(struct vcpu *v);

/* Right after the exit: CR8 writes (V_TPR) into the APIC's TPR. */
void apic_after_exit(struct vcpu *v);

/* Routes msg from vm's vCPU src (-1: a device) and kicks receivers that
 * need it. Any core. */
void apic_send(struct vm *vm, int src, const struct vlapic_msg *m);

/* Makes vCPU t look at its interrupts soon: kicks its core unless it is
 * handling an exit (it looks before entering) or runs on this core. */
void apic_kick(struct vcpu *t);

/* What an APIC access asked for (an IPI, a level EOI, a new deadline). */
void apic_outcome(struct vcpu *v, const struct vlapic_out *out);

/* The guest's TSC now: what its APIC timer counts in. */
uint64_t apic_now(const struct vcpu *v);

/* Exit handlers: RDMSR/WRMSR of 0x800-0x8FF and TSC_DEADLINE, the IRET
 * that ends an NMI handler, the #DB that follows it. */
void apic_msr(struct vcpu *v, uint32_t msr, bool write);
void apic_iret(struct vcpu *v);
bool apic_iret_stepped(struct vcpu *v);	/* true: the #DB was ours */

/* An NMI for v from the console (instead of a message). */
void apic_console_nmi(struct vcpu *v);
