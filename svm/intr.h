/* SPDX-License-Identifier: BSD-2-Clause */
/* What to inject next: the one decision between a vCPU's pending events
 * (an NMI, the local APIC's highest deliverable vector) and what the guest
 * can take right now (RFLAGS.IF, the STI/MOV SS shadow, an event already
 * queued for delivery, an NMI handler still running). Pure and host-tested
 * (tests/unit/test_intr.c); svm/vcpu.c applies the plan to the VMCB.
 *
 * The rules (APM Vol.2 15.20 event injection, 15.21 interrupt control):
 * - One event per VMRUN: EVENTINJ. An event already queued (EXITINTINFO
 *   re-delivery, an exception a handler raised) goes first.
 * - An NMI before an interrupt. NMIs are blocked from the injection of
 *   one until that handler's IRET (the IRET intercept says when), and by
 *   the interrupt shadow.
 * - A maskable interrupt only with IF set and no shadow; otherwise V_IRQ
 *   with the VINTR intercept makes the CPU exit at the moment the guest
 *   could take one ("interrupt window"), and it is injected then.
 * - An NMI that waits only behind the queued event or the shadow needs an
 *   exit right after entry: the caller arranges one (a self-IPI that is
 *   pending at VMRUN is recognized after the event's delivery, or after
 *   the shadowed instruction). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct intr_in {
	bool event_queued;	/* EVENTINJ already holds an event */
	bool if_set;		/* the guest's RFLAGS.IF */
	bool shadow;		/* an STI or MOV SS shadow covers the next instruction */
	bool nmi_pending;
	bool nmi_masked;	/* an NMI was injected and its handler's IRET has not run */
	int irq;		/* the highest deliverable vector (16..255), INTR_EXTINT, or -1 */
};

/* An ExtINT: the PIC names its vector at the moment of injection (the
 * INTA cycle), so the plan's vector is the caller's to fill. */
#define INTR_EXTINT 0x100

enum intr_inject { INTR_NOTHING, INTR_NMI, INTR_IRQ };

struct intr_plan {
	enum intr_inject inject;	/* what goes into EVENTINJ now */
	uint8_t vector;			/* INTR_IRQ: its vector */
	bool irq_window;	/* an interrupt waits: V_IRQ and the VINTR intercept */
	bool nmi_window;	/* an NMI waits for the handler's IRET: the IRET intercept */
	bool exit_soon;		/* an NMI waits behind the queued event or the shadow */
};

struct intr_plan intr_plan(const struct intr_in *in);
