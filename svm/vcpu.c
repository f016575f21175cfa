/* SPDX-License-Identifier: BSD-2-Clause */
/* The run loop and the fast path: enter the guest, record every exit,
 * complete CPUID without leaving GIF = 0, hand the rest to the exit table
 * (svm/exits.c), act on console requests between exits. */
#include "svm/vcpu.h"
#include "svm/trace.h"
#include "svm/vmctl.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "svm/apic.h"
#include "svm/exits.h"
#include "svm/gmem.h"
#include "svm/platform.h"
#include "svm/step.h"
#include "svm/svm.h"
#include "svm/vm.h"
#include "svm/vmcb_check.h"

void svm_world_switch(struct vcpu *v, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);
bool vcpu_fast_exit(struct vcpu *v);




static void account(struct vcpu *v, uint32_t code, uint64_t cycles)
{
	if (code >= NR_EXIT_STATS)
		return;
	v->exit_cycles[code] += cycles;
	if (cycles < v->exit_min[code])	/* vcpu_reset_stats starts it at ~0 */
		v->exit_min[code] = cycles;
	if (cycles > v->exit_max[code])
		v->exit_max[code] = cycles;
}

/* An x2APIC EOI (WRMSR 0x80B, value 0), the exit an interrupt handler
 * ends with, completed in the fast path when it changes nothing else: no
 * interrupt waits in IRR (a lower-priority one could become deliverable),
 * no APIC message or timer expiry is due, and the vector is edge-
 * triggered. Anything else takes the full path. */
static inline bool fast_x2apic_eoi(struct vcpu *v, uint64_t now)
{
	struct vlapic *l = &v->lapic;
	uint64_t rip;

	if (v->vmcb->control.exitinfo1 != 1 || (uint32_t)v->regs.rcx != 0x80b ||
	    (uint32_t)v->vmcb->save.rax || (uint32_t)v->regs.rdx || !vlapic_x2apic(l) ||
	    __atomic_load_n(&l->irr_any, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&l->pending, __ATOMIC_ACQUIRE) ||
	    now + v->vmcb->control.tsc_offset >= vlapic_timer_deadline(l) ||
	    v->nmi_pending || v->nmi_masked)
		return false;
	rip = v->vmcb->save.rip;
	if (!gmem_skip_quick(v, "\x0f\x30", 2))
		return false;
	if (!vlapic_eoi_edge(l)) {	/* level-triggered: the full path does it all */
		v->vmcb->save.rip = rip;
		return false;
	}
	return true;
}

/* Called by svm/vmrun.asm after every #VMEXIT, with GIF still clear and
 * the guest's VMLOAD state (FS, GS, TR...) still in the CPU: so it must not
 * touch the per-CPU pointer (%gs), log, or take locks. It records the exit
 * (flight recorder, counters) and handles CPUID, the exit guests take in
 * loops, completely: RIP from NRIP or in place, no ASID decision (same
 * core, same ASID, nothing to flush: any request would be in v->request),
 * no event to re-deliver (CPUID never interrupts event delivery). True:
 * enter the guest again at once, without VMSAVE/VMLOAD. False: the run loop
 * does the rest. An NMI or interrupt that arrives meanwhile is held by GIF
 * and exits the guest right after the next VMRUN. */
__attribute__((optimize("omit-frame-pointer")))	/* a leaf called from assembly */
bool vcpu_fast_exit(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	uint32_t code = (uint32_t)c->exitcode;	/* QEMU writes INVALID as 0x00000000ffffffff */
	uint64_t now = rdtsc();
	struct exit_record *r = &v->trace[v->exits % TRACE_LEN];

	v->t_exit = now;
	r->tsc = now;
	r->code = code;
	r->info1 = c->exitinfo1;
	r->info2 = c->exitinfo2;
	r->rip = v->vmcb->save.rip;
	r->intinfo = c->exitintinfo;
	v->exits++;
	if (code < NR_EXIT_STATS)
		v->exit_count[code]++;
	if (v->request || (v->vmcb->save.rflags & RFLAGS_TF) ||
	    (v->vmcb->save.cs.attrib & (SEG_L | SEG_DB)) == (SEG_L | SEG_DB))
		return false;	/* the run loop's turn: TF (exit_single_step), CS L+D (cs_long_and_d) */
	if (code == VMEXIT_CPUID) {
		if (!gmem_skip_quick(v, "\x0f\xa2", 2))
			return false;
		exit_cpuid(v, true);
	} else if (code != VMEXIT_MSR || !fast_x2apic_eoi(v, now)) {
		return false;
	}
	c->vmcb_clean = v->clean_mask;
	c->tlb_control = TLB_CONTROL_NOTHING;
	c->eventinj = 0;
	account(v, code, rdtsc() - now);
	return true;
}

/* An indirect branch prediction barrier on this core (CPUID 0x80000008 EBX
 * bit 12; AMD's "Software Techniques for Managing Speculation"): branch
 * predictions made before it cannot steer execution after it. */
static void ibpb(void)
{
	if (svm_host_ibpb)
		wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
}

/* What the core holds for its vCPU outside the VMCB: TSC_AUX (RDTSCP's
 * ECX), which VMRUN does not switch. The host never reads it. */
static void load_core_state(const struct vcpu *v)
{
	if (v->vm->msr.rdtscp)
		wrmsr(MSR_TSC_AUX, v->msr.tsc_aux);
}

/* DR0-DR3 are not in the VMCB: VMRUN and #VMEXIT leave them as they are
 * (APM Vol.2 15.5.1, 15.6), so they are the guest's on its core, saved
 * when it leaves and cleared there: the next VM on that core must not read
 * this one's breakpoint addresses. */
static void load_dr03(struct vcpu *v)
{
	write_dr0(v->dr03[0]);
	write_dr1(v->dr03[1]);
	write_dr2(v->dr03[2]);
	write_dr3(v->dr03[3]);
	v->dr03_load = false;
}

static void save_dr03(struct vcpu *v)
{
	v->dr03[0] = read_dr0();
	v->dr03[1] = read_dr1();
	v->dr03[2] = read_dr2();
	v->dr03[3] = read_dr3();
	write_dr0(0);
	write_dr1(0);
	write_dr2(0);
	write_dr3(0);
}

/* A code segment with L and D both set, in long mode: hardware refuses to
 * load one (#GP(selector), APM Vol.2 4.8.1), QEMU 7.2 takes it
 * (guests/hostile/cs-long-and-d.asm), and VMRUN refuses the state (15.5.1).
 * The guest runs that CS as 64-bit code either way, so D goes: the next
 * VMRUN succeeds and the guest sees what the emulator gave it. */
static void cs_long_and_d(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;

	if (!(s->efer & EFER_LMA))
		return;		/* outside long mode L is ignored and VMRUN takes it */
	s->cs.attrib &= ~SEG_DB;
	v->vmcb->control.vmcb_clean &= ~VMCB_CLEAN_SEG;
	if (!__atomic_exchange_n(&v->vm->cs_ld_reported, true, __ATOMIC_RELAXED))
		log_warn("vm %s: vcpu%u: CS %#x has L and D both set in long mode (hardware refuses "
			 "to load it; this CPU did not): D cleared so that VMRUN accepts it "
			 "(reported once)", v->vm->name, v->index, s->cs.selector);
}

/* The rare cases before a VMRUN, off the hot path: console requests and a
 * halted vCPU. Returns -1 to leave the run loop, 1 to look again, 0 to run. */
static int requests_and_hlt(struct vcpu *v)
{
	if (v->request & VCPU_REQ_CONSOLE) {
		/* The console shares this core: its turn, while v is out of
		 * guest mode (so its state is consistent for the console). */
		__atomic_and_fetch(&v->request, ~VCPU_REQ_CONSOLE, __ATOMIC_SEQ_CST);
		this_cpu()->housekeeping();
		return 1;
	}
	if (v->request & VCPU_REQ_NEW_RUN) {
		/* The same VM reset: what its old run trained must not steer
		 * the new one (the other case, another VM, is at entry), and
		 * the core's TSC_AUX is the new run's. */
		__atomic_and_fetch(&v->request, ~VCPU_REQ_NEW_RUN, __ATOMIC_SEQ_CST);
		ibpb();
		load_core_state(v);
		return 1;
	}
	if (v->request & VCPU_REQ_KILL) {
		vm_stop(v->vm, v, -1, "killed from the console");
		return -1;
	}
	if (v->waiting) {	/* for a STARTUP IPI or HC_VCPU_START (or the VM's end) */
		if (v->index == 0)	/* the PIT and the RTC keep time meanwhile */
			timer_guest_deadline(__atomic_load_n(&v->vm->dev_deadline, __ATOMIC_ACQUIRE));
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		return 1;
	}
	if (v->request & VCPU_REQ_STEP) {	/* before PAUSE: a step runs while paused */
		if (!v->stepping)
			step_arm(v);
		v->halted = false;
		return 0;
	}
	if (v->request & VCPU_REQ_NMI) {
		__atomic_and_fetch(&v->request, ~VCPU_REQ_NMI, __ATOMIC_SEQ_CST);
		apic_console_nmi(v);	/* injected when NMIs are not blocked */
		return 1;
	}
	if (v->request & VCPU_REQ_PAUSE) {
		/* Out of guest mode: the console may read a consistent state. */
		v->paused = true;
		while ((v->request & (VCPU_REQ_PAUSE | VCPU_REQ_KILL | VCPU_REQ_STEP)) == VCPU_REQ_PAUSE) {
			__asm__ volatile("sti; hlt; cli" ::: "memory");
			if (v->request & VCPU_REQ_CONSOLE) {
				__atomic_and_fetch(&v->request, ~VCPU_REQ_CONSOLE, __ATOMIC_SEQ_CST);
				this_cpu()->housekeeping();
			}
		}
		v->paused = false;
		return 1;
	}
	if (v->halted) {
		if (apic_wakes(v)) {
			v->halted = false;
			return 0;
		}
		/* Sleep until an interrupt: an IPI's kick (v->where is
		 * KICKABLE), the core's timer at the vCPU's deadline, a
		 * console request. STI's shadow covers HLT. */
		apic_arm_timer(v);
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		return 1;
	}
	return 0;
}

static void vcpu_run(struct vcpu *v)
{
	struct cpu *cpu = this_cpu();
	struct vmcb_control *c = &v->vmcb->control;
	struct asid_core *asid = svm_core_asid(cpu->id);
	uint64_t t_exit = 0;
	unsigned phys_bits = cpuid(0x80000008, 0).eax & 0xff;

	v->clean_mask = svm_caps.features & SVM_FEAT_VMCB_CLEAN ? VMCB_CLEAN_ALL : 0;
	c->vmcb_clean = 0;	/* first run on this core: nothing is cached */

	svm_vmsave(cpu->host_vmcb_pa);
	while (v->vm->state == VM_RUNNING) {
		uint8_t tlb;

		irq_disable();
		/* From here until the exit, an IPI for this vCPU kicks the
		 * core (svm/apic.c notify); the store is ordered before
		 * apic_update's reads of what senders stored. */
		__atomic_store_n(&v->where, VCPU_KICKABLE, __ATOMIC_SEQ_CST);	/* XCHG: a full barrier */
		if (v->index == 0 && platform_pending(v))	/* the PIT, the RTC, LINT0 */
			platform_update(v);
		apic_update(v);
		if (__builtin_expect(v->request || v->halted || v->waiting, 0)) {
			int next = requests_and_hlt(v);

			if (next < 0)
				break;
			if (next > 0)
				continue;
		}
		apic_before_entry(v);
		tlb = asid_prepare(asid, (int)cpu->id, &v->asid);
		if (tlb == ASID_NO_GUEST) {
			vm_stop(v->vm, v, -1, "cpu%u has no guest ASID", cpu->id);
			break;
		}
		vmcb_set_asid(v->vmcb, v->asid.asid);
		c->tlb_control = tlb;
		if (__builtin_expect((v->vmcb->save.cs.attrib & (SEG_L | SEG_DB)) == (SEG_L | SEG_DB), 0))
			cs_long_and_d(v);
		if (__builtin_expect(v->dr03_load, 0))
			load_dr03(v);	/* a new run on this core, or a reset */
		if (__builtin_expect(v->cr2_load, 0)) {
			write_cr2(v->vmcb->save.cr2);	/* svm/inject.h inject_page_fault */
			v->cr2_load = false;
		}
		/* Name a broken consistency rule ourselves (APM Vol.2 15.5.1):
		 * before the first run and after exits that change checked state. */
		if (!t_exit || v->recheck) {
			const struct vm *vm = v->vm;
			const char *rule = vmcb_check(v->vmcb, phys_bits);

			v->recheck = false;
			if (!rule)
				rule = vmcb_check_owned(v->vmcb, &(struct vmcb_refs){
					vm->iopm_pa, vm->msrpm_pa, vm->ncr3 });
			if (rule) {
				vm_stop(v->vm, v, -1, "the VMCB breaks a VMRUN consistency rule: %s", rule);
				break;
			}
		}
		if (t_exit)
			account(v, (uint32_t)c->exitcode, rdtsc() - t_exit);
		/* The guest's XCR0 only while it runs (the fast path keeps it:
		 * it uses no x87/SSE/AVX state either). What it holds at the
		 * exit is the guest's: QEMU never intercepts XSETBV, so the
		 * guest may have changed it without an exit. */
		if (__builtin_expect(v->xcr0 != XCR0_X87, 0))
			xsetbv(0, v->xcr0);
		svm_world_switch(v, (uint64_t)v->vmcb, cpu->host_vmcb_pa);
		if (svm_host_xsave) {
			v->xcr0 = xgetbv(0);
			if (__builtin_expect(v->xcr0 != XCR0_X87, 0))
				xsetbv(0, XCR0_X87);
		}
		t_exit = v->t_exit;	/* vcpu_fast_exit took the time and recorded the exit */
		__atomic_store_n(&v->where, VCPU_OUTSIDE, __ATOMIC_RELAXED);
		apic_after_exit(v);
		/* The CPU's copy now matches the VMCB: mark the groups it can
		 * cache clean (none without the feature); setters dirty them. */
		c->vmcb_clean = v->clean_mask;
		if ((uint32_t)c->exitcode == VMEXIT_INVALID)
			asid_core_flush_all(asid);	/* that VMRUN's flush may not have happened */
		/* An exit during event delivery: deliver the event again
		 * (APM Vol.2 15.7.2), unless a handler injects its own. */
		c->eventinj = c->exitintinfo & EVENT_VALID ? c->exitintinfo : 0;
		exit_dispatch(v);
		if (__builtin_expect(v->stepping, 0))
			step_check(v, (uint32_t)c->exitcode);
		irq_enable();	/* take the interrupt that caused an INTR exit */
	}
	if (t_exit)
		account(v, (uint32_t)c->exitcode, rdtsc() - t_exit);	/* the last exit too */
	timer_guest_deadline(TIMER_NONE);
	irq_enable();
	if (v->vm->faulted) {	/* how it got there: the flight recorder */
		log_info("vm %s: vcpu%u: the last exits before it stopped:", v->vm->name, v->index);
		vcpu_trace_log(v, 16);
	}
}

void vcpu_run_on_this_cpu(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	/* A core that now runs another VM: predictions the previous guest
	 * trained must not steer this one. */
	if (c->last_vm != v->vm) {
		ibpb();
		c->last_vm = v->vm;
	}
	load_core_state(v);
	v->dr03_load = true;
	vcpu_run(v);
	save_dr03(v);
	vcpu_report_exits(v);
	this_cpu()->vcpu = NULL;
	__atomic_store_n(&v->exited, true, __ATOMIC_RELEASE);
}

void vcpu_console_due(struct vcpu *v)
{
	__atomic_or_fetch(&v->request, VCPU_REQ_CONSOLE, __ATOMIC_SEQ_CST);
}



