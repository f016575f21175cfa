/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupts for vCPUs (svm/apic.h). */
#include "svm/apic.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "svm/gmem.h"
#include "svm/inject.h"
#include "svm/intr.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

uint64_t apic_now(const struct vcpu *v)
{
	return rdtsc() + v->vmcb->control.tsc_offset;
}

/* The boot processor's local APIC as PC firmware leaves it: virtual wire
 * mode (MP Specification 1.4, 3.6.2.2), software-enabled with LINT0 as
 * ExtINT for the PICs and LINT1 as NMI, so that a kernel that only uses
 * the PICs gets their interrupts. */
static void virtual_wire(struct vcpu *v)
{
	static const struct { uint32_t reg, val; } regs[] = {
		{ APIC_SVR, APIC_SVR_ENABLE | 0xff },
		{ APIC_LVT_LINT0, VLAPIC_DM_EXTINT << APIC_DM_SHIFT },
		{ APIC_LVT_LINT1, VLAPIC_DM_NMI << APIC_DM_SHIFT },
	};

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint64_t val = regs[i].val;

		vlapic_mmio(&v->lapic, regs[i].reg, 4, true, &val, 0, NULL);
	}
}

void apic_vcpu_init(struct vcpu *v)
{
	vlapic_init(&v->lapic, v->index, v->index == 0, tsc_khz(), true);
	if (v->index == 0)
		virtual_wire(v);
	v->msr.apic_base = vlapic_base(&v->lapic);
	v->nmi_pending = v->nmi_masked = v->nmi_iret_step = false;
	memset(v->irq_injected, 0, sizeof(v->irq_injected));
	memset(v->irq_sources, 0, sizeof(v->irq_sources));
	v->nmis_injected = 0;
}

/* INIT (SDM Vol.3 8.4, APM Vol.2 16.6): the vCPU stops whatever it ran and
 * waits for a STARTUP; its APIC was reset by the message itself. The BSP
 * too: without firmware at the reset vector there is nothing else it could
 * run (docs/cpu.md). */
static void enter_wait_for_sipi(struct vcpu *v)
{
	v->waiting = true;
	v->halted = false;
	v->start_claimed = false;
	v->nmi_pending = v->nmi_masked = v->nmi_iret_step = false;
	v->vmcb->control.eventinj = 0;
}

/* STARTUP with vector V: real mode at V:0000, that is CS selector V << 8,
 * base V << 12, IP 0 (SDM Vol.3 8.4.4.1). Ignored unless the vCPU waits,
 * and only one starter wins against HC_VCPU_START. */
static void startup(struct vcpu *v, uint8_t vector)
{
	bool unclaimed = false;
	struct vmcb_save *s = &v->vmcb->save;

	if (!v->waiting || !__atomic_compare_exchange_n(&v->start_claimed, &unclaimed, true, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	vcpu_init(v, &(struct vcpu_start){ .mode = VM_MODE_REAL, .rip = 0 });
	v->msr.apic_base = vlapic_base(&v->lapic);	/* INIT and STARTUP keep APIC_BASE */
	s->cs.selector = (uint16_t)(vector << 8);
	s->cs.base = (uint64_t)vector << 12;
	v->halted = false;
	__atomic_store_n(&v->waiting, false, __ATOMIC_RELEASE);
}

void apic_update(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	uint64_t deadline = vlapic_timer_deadline(l);
	uint32_t flags;

	if (__builtin_expect(deadline != UINT64_MAX, 0)) {
		uint64_t now = apic_now(v);

		if (now >= deadline && vlapic_timer_expire(l, now))
			v->irq_sources[l->lvt[VLAPIC_LVT_TIMER] & 0xff] |= IRQ_SRC_TIMER;
	}
	if (__builtin_expect(!__atomic_load_n(&l->pending, __ATOMIC_ACQUIRE), 1))
		return;
	flags = vlapic_take_pending(l, VLAPIC_PEND_NMI | VLAPIC_PEND_INIT | VLAPIC_PEND_SIPI);
	if (flags & VLAPIC_PEND_INIT)
		enter_wait_for_sipi(v);
	if (flags & VLAPIC_PEND_SIPI)
		startup(v, vlapic_sipi_vector(l));
	if ((flags & VLAPIC_PEND_NMI) && !v->waiting)
		v->nmi_pending = true;
}

/* An ExtINT waits: the PIC (through LINT0 or an I/O APIC message) asks
 * for an INTA cycle. */
static bool extint_pending(const struct vcpu *v)
{
	return __atomic_load_n(&v->lapic.pending, __ATOMIC_ACQUIRE) & VLAPIC_PEND_EXTINT;
}

bool apic_wakes(struct vcpu *v)
{
	return (v->vmcb->control.eventinj & EVENT_VALID) || v->nmi_pending ||
	       ((v->vmcb->save.rflags & RFLAGS_IF) &&
		(vlapic_pending_irq(&v->lapic) >= 0 || extint_pending(v)));
}

/* The INTA cycle of an ExtINT the vCPU takes now: the PIC names the
 * vector (ExtINT bypasses IRR, ISR and the priorities, SDM 10.5.1). LINT0
 * is level-sensitive: if the PIC still asks, so does LINT0. */
static uint8_t extint_ack(struct vcpu *v)
{
	uint8_t vector;

	vlapic_take_pending(&v->lapic, VLAPIC_PEND_EXTINT);
	vector = vpic_intack(&v->vm->pic);
	v->irq_sources[vector] |= IRQ_SRC_LINT | IRQ_SRC_DEV;
	if (v->index == 0 && __atomic_load_n(&v->vm->pic_int, __ATOMIC_ACQUIRE))
		vlapic_lint(&v->lapic, 0, true);
	return vector;
}

/* The plan of svm/intr.c applied to the VMCB. */
static void inject(struct vcpu *v, int irq)
{
	struct vmcb *vmcb = v->vmcb;
	struct vmcb_control *c = &vmcb->control;
	struct intr_in in = {
		.event_queued = c->eventinj & EVENT_VALID,
		.if_set = vmcb->save.rflags & RFLAGS_IF,
		.shadow = c->interrupt_shadow & INTR_SHADOW,
		.nmi_pending = v->nmi_pending,
		.nmi_masked = v->nmi_masked,
		.irq = irq,
	};
	struct intr_plan p = intr_plan(&in);
	uint64_t v_intr = c->v_intr & V_INTR_MASKING;
	uint32_t misc1 = c->intercept_misc1 & ~(INTERCEPT_VINTR | INTERCEPT_IRET);

	if (p.inject == INTR_NMI) {
		c->eventinj = 2 | EVENT_TYPE_NMI | EVENT_VALID;	/* APM Vol.2 15.20 */
		v->nmi_pending = false;
		v->nmi_masked = true;
		v->nmis_injected++;
	} else if (p.inject == INTR_IRQ) {
		uint8_t vector = p.vector;

		if (irq == INTR_EXTINT)
			vector = extint_ack(v);
		else
			vlapic_ack_irq(&v->lapic, vector);
		c->eventinj = vector | EVENT_TYPE_INTR | EVENT_VALID;
		v->irq_injected[vector]++;
	}
	v_intr |= vlapic_tpr(&v->lapic) >> 4 & V_TPR_MASK;
	if (p.irq_window)	/* exits (VINTR) as soon as the guest could take it */
		v_intr |= V_IRQ | V_IGN_TPR | 0xfull << V_INTR_PRIO_SHIFT;
	if (v->nmi_masked && !v->nmi_iret_step)
		misc1 |= INTERCEPT_IRET;	/* when does the handler end? */
	if (p.irq_window)
		misc1 |= INTERCEPT_VINTR;
	vmcb_set_v_intr(vmcb, v_intr);
	vmcb_set_intercept_misc1(vmcb, misc1);
	if (p.exit_soon)	/* recognized right after the event's delivery or the shadow */
		lapic_send_ipi(v->cpu->apic_id, VEC_IPI_KICK);
}

void apic_arm_timer(struct vcpu *v)
{
	uint64_t deadline = vlapic_timer_deadline(&v->lapic);

	deadline = deadline == UINT64_MAX ? TIMER_NONE : deadline - v->vmcb->control.tsc_offset;
	if (v->index == 0) {	/* it keeps the PIT's and the RTC's time (svm/platform.c) */
		uint64_t dev = __atomic_load_n(&v->vm->dev_deadline, __ATOMIC_ACQUIRE);

		deadline = dev < deadline ? dev : deadline;
	}
	if (__builtin_expect(v->cpu->guest_deadline != deadline, 0))
		timer_guest_deadline(deadline);
}

void apic_before_entry(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	int irq = __builtin_expect(extint_pending(v), 0) ? INTR_EXTINT : vlapic_pending_irq(&v->lapic);

	/* Most entries have nothing to inject, no window open and V_TPR in
	 * step with the APIC's TPR: then the VMCB stays as it is. */
	if (__builtin_expect(irq >= 0 || v->nmi_pending || v->nmi_masked || (c->v_intr & V_IRQ) ||
			     (c->v_intr & V_TPR_MASK) != (vlapic_tpr(&v->lapic) >> 4 & V_TPR_MASK), 0))
		inject(v, irq);
	apic_arm_timer(v);
}

void apic_after_exit(struct vcpu *v)
{
	uint8_t cr8 = v->vmcb->control.v_intr & V_TPR_MASK;

	if (cr8 != vlapic_tpr(&v->lapic) >> 4)
		vlapic_set_tpr(&v->lapic, (uint8_t)(cr8 << 4));	/* MOV CR8 (APM Vol.2 15.21.4) */
}

/* A receiver on another core learns of a new message in time by itself
 * only if it is out of guest mode handling an exit: it decides what to
 * inject after setting `where`, and this reads `where` after the message
 * was stored (both sides fence). Otherwise its core gets an interrupt
 * (a maskable one takes the guest out at once) or, for NMI-class
 * messages, the NMI kick that works whatever the guest's IF. */
static void notify(struct vcpu *t, unsigned mode)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!t->cpu || t->core == this_cpu()->id ||
	    __atomic_load_n(&t->where, __ATOMIC_SEQ_CST) == VCPU_OUTSIDE)
		return;
	if (mode == VLAPIC_DM_NMI)
		vm_kick(t);
	else
		lapic_send_ipi(t->cpu->apic_id, VEC_IPI_KICK);
}

void apic_kick(struct vcpu *t)
{
	notify(t, VLAPIC_DM_FIXED);
}

void apic_send(struct vm *vm, int src, const struct vlapic_msg *m)
{
	struct vlapic *all[VM_MAX_VCPUS];
	uint32_t targets;

	if (m->shorthand == VLAPIC_SH_SELF && src >= 0) {	/* the sender's APIC took it already */
		vm->vcpu[src].irq_sources[m->vector] |= IRQ_SRC_SELF;
		return;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		all[i] = &vm->vcpu[i].lapic;
	targets = vlapic_route(all, vm->nr_vcpus, src, m);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpu[i];

		if (!(targets & 1u << i) || !vlapic_deliver(&t->lapic, m))
			continue;
		if (m->mode == VLAPIC_DM_FIXED || m->mode == VLAPIC_DM_LOWEST)
			t->irq_sources[m->vector] |= src < 0 ? IRQ_SRC_DEV :
						     (int)i == src ? IRQ_SRC_SELF : IRQ_SRC_IPI;
		notify(t, m->mode);
	}
}

void apic_outcome(struct vcpu *v, const struct vlapic_out *out)
{
	if (out->send)
		apic_send(v->vm, (int)v->index, &out->msg);
	if (out->eoi_vector >= 0)	/* a level-triggered interrupt ended: broadcast */
		vioapic_eoi(&v->vm->ioapic, (uint8_t)out->eoi_vector);
}

void apic_msr(struct vcpu *v, uint32_t msr, bool write)
{
	struct vmcb_save *s = &v->vmcb->save;
	enum vlapic_status st;

	if (write) {
		struct vlapic_out out = { .eoi_vector = -1 };

		st = vlapic_wrmsr(&v->lapic, msr, (s->rax & 0xffffffff) | v->regs.rdx << 32,
				  apic_now(v), &out);
		if (st == VLAPIC_OK)
			apic_outcome(v, &out);
	} else {
		uint64_t val = 0;

		st = vlapic_rdmsr(&v->lapic, msr, &val, apic_now(v));
		if (st == VLAPIC_OK) {
			s->rax = val & 0xffffffff;
			v->regs.rdx = val >> 32;
		}
	}
	if (st != VLAPIC_OK) {
		inject_exception(v, EXC_GP);	/* SDM Vol.3 10.12.1.2: what x2APIC mode refuses */
		return;
	}
	if (write)
		gmem_skip(v, "\x0f\x30");
	else
		gmem_skip(v, "\x0f\x32");
}

/* The NMI handler's IRET is about to run: NMIs stay blocked until it has.
 * Step over it with TF (APM Vol.2 13.1.4: the trap follows the TF an
 * instruction starts with, so IRET's own RFLAGS cannot cancel it); the #DB
 * that follows unblocks them (apic_iret_stepped). */
void apic_iret(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;

	v->nmi_iret_step = true;
	v->nmi_iret_guest_tf = s->rflags & RFLAGS_TF;
	s->rflags |= RFLAGS_TF;
}

bool apic_iret_stepped(struct vcpu *v)
{
	if (!v->nmi_iret_step)
		return false;
	v->nmi_iret_step = false;
	v->nmi_masked = false;
	if (v->nmi_iret_guest_tf)
		return false;	/* the guest single-steps itself: its #DB */
	vmcb_set_dr6(v->vmcb, v->vmcb->save.dr6 & ~DR6_BS);
	return true;
}

void apic_console_nmi(struct vcpu *v)
{
	v->nmi_pending = true;
}
