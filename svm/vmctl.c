/* SPDX-License-Identifier: BSD-2-Clause */
/* The life of a VM and its vCPUs (svm/vmctl.h): a vCPU's first
 * instruction, its reset, the VM's stop, and console requests (the mailbox
 * bit, the kick, the bounded wait). The run loop acts on the bits between
 * exits (svm/vcpu.c requests_and_hlt). */
#include <stdarg.h>
#include "svm/vmctl.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "svm/vm.h"

/* An NMI, not an interrupt: with the NMI intercept it exits the guest
 * whatever the guest's own state, and Bochs 2.7 holds physical interrupts
 * while the guest's IF is clear even under V_INTR_MASKING. The count tells
 * the host's NMI handler the NMI was ours. The fixed IPI after it is for a
 * core about to HLT with IF clear: an NMI there would come and go before
 * the HLT, the interrupt stays pending until STI;HLT and ends it. */
void vm_kick(struct vcpu *v)
{
	struct cpu *c = v->cpu;

	__atomic_add_fetch(&c->nmi_kicks, 1, __ATOMIC_SEQ_CST);
	lapic_send_nmi(c->apic_id);
	lapic_send_ipi(c->apic_id, VEC_IPI_KICK);
}

static void stop(struct vm *vm, struct vcpu *v, int result, bool reset, const char *fmt,
		 va_list ap)
{
	const char *what = reset ? "resetting" : "stopped";
	enum vm_state running = VM_RUNNING;

	/* One stop wins: another vCPU may be stopping the VM right now. */
	if (!__atomic_compare_exchange_n(&vm->state, &running, VM_STOPPED, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (vm->state != VM_CREATED)
			return;
		vm->state = VM_STOPPED;	/* never ran: the builder stops it */
	}
	fmt_vsnprintf(vm->reason, sizeof(vm->reason), fmt, ap);
	vm->result = result;
	__atomic_store_n(&vm->reset_pending, reset, __ATOMIC_RELEASE);	/* before the vCPUs leave: vms_service looks at both */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)	/* the others leave guest mode too */
		if (&vm->vcpu[i] != v && vm->vcpu[i].assigned && !vm->vcpu[i].exited)
			vm_kick(&vm->vcpu[i]);
	if (v)
		log_write_after(&vm->con_src, LOG_INFO,
				"vm %s: %s: %s (vcpu%u on cpu%u, exit %#lx, RIP %#lx)", vm->name, what,
				vm->reason, v->index, v->core, v->vmcb->control.exitcode,
				v->vmcb->save.rip);
	else
		log_write_after(&vm->con_src, LOG_INFO, "vm %s: %s: %s", vm->name, what, vm->reason);
}

void vm_stop(struct vm *vm, struct vcpu *v, int result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stop(vm, v, result, false, fmt, ap);
	va_end(ap);
}

void vm_request_reset(struct vm *vm, struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stop(vm, v, -1, true, fmt, ap);
	va_end(ap);
}

void vm_crashed(struct vcpu *v, const char *what)
{
	v->vm->faulted = true;	/* the flight recorder shows how it got there */
	if (v->vm->reset_on_crash)
		vm_request_reset(v->vm, v, "%s; on_crash=reset", what);
	else
		vm_stop(v->vm, v, -1, "%s", what);
}

void vcpu_init(struct vcpu *v, const struct vcpu_start *start)
{
	const struct vm *vm = v->vm;

	vmcb_init(v->vmcb, start, &(struct vmcb_refs){ vm->iopm_pa, vm->msrpm_pa, vm->ncr3 });
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rbx = start->rbx;	/* not in the VMCB */
	v->regs.rsi = start->rsi;
	v->xcr0 = XCR0_X87;	/* XCR0 at reset */
	memset(v->dr03, 0, sizeof(v->dr03));	/* DR0-DR3 at reset */
	v->dr03_load = true;
	msr_vcpu_init(&v->msr, &vm->msr, v->index);
	v->msr.apic_base = vlapic_base(&v->lapic);	/* INIT and STARTUP keep APIC_BASE */
	vcpu_reset_stats(v);
	v->recheck = true;	/* vcpu_run checks the new state before VMRUN */
	v->stepping = false;
}

void vcpu_reset(struct vcpu *v, const struct vcpu_start *start)
{
	vcpu_init(v, start);
	v->waiting = v->index > 0;	/* vcpu1..: until INIT/SIPI or HC_VCPU_START */
	v->halted = false;
	v->start_claimed = false;
	__atomic_or_fetch(&v->request, VCPU_REQ_NEW_RUN, __ATOMIC_SEQ_CST);	/* a new run: a barrier first */
	__atomic_and_fetch(&v->request, ~(VCPU_REQ_STEP | VCPU_REQ_NMI), __ATOMIC_SEQ_CST);
	v->exits = 0;
	memset(v->trace, 0, sizeof(v->trace));
	asid_request_flush(&v->asid);	/* old translations of the old contents */
}

void vcpu_reset_stats(struct vcpu *v)
{
	memset(v->exit_count, 0, sizeof(v->exit_count));
	memset(v->exit_cycles, 0, sizeof(v->exit_cycles));
	memset(v->exit_min, 0xff, sizeof(v->exit_min));
	memset(v->exit_max, 0, sizeof(v->exit_max));
	v->npf_exits = 0;
}

#define REQUEST_TIMEOUT_US 200000

/* A vCPU on the core this console runs on is out of guest mode right now
 * (the console runs between its exits): its run loop acts on a request once
 * the console returns, and its state is consistent meanwhile. */
bool vmctl_is_local(const struct vcpu *v)
{
	return v->core == this_cpu()->id;
}

/* Sets or clears req on every running vCPU, kicks them, and waits until
 * done(v) holds for each (not for a local one: it cannot answer before the
 * console returns; a pause is acknowledged for it here). */
static const char *request(struct vm *vm, uint32_t req, bool set, bool (*done)(struct vcpu *))
{
	static char why[80];

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		if (set)
			__atomic_or_fetch(&v->request, req, __ATOMIC_SEQ_CST);
		else
			__atomic_and_fetch(&v->request, ~req, __ATOMIC_SEQ_CST);
		if (vmctl_is_local(v) && req == VCPU_REQ_PAUSE)
			v->paused = set;
		else if (v->assigned && !v->exited && !vmctl_is_local(v))
			vm_kick(v);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		uint64_t t0 = time_us();

		while (v->assigned && !v->exited && !vmctl_is_local(v) && !done(v)) {
			if (time_us() - t0 > REQUEST_TIMEOUT_US) {
				fmt_snprintf(why, sizeof(why), "timed out: vcpu%u on cpu%u did not answer",
					     i, v->core);
				return why;
			}
			cpu_relax();
		}
	}
	return NULL;
}

static bool is_paused(struct vcpu *v)
{
	return v->paused || v->waiting;	/* a vCPU not started yet is out of guest mode */
}

static bool is_running(struct vcpu *v)
{
	return !v->paused;
}

static bool is_gone(struct vcpu *v)
{
	return v->exited;
}

const char *vmctl_pause(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return "not running";
	return request(vm, VCPU_REQ_PAUSE, true, is_paused);
}

const char *vmctl_resume(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return "not running";
	return request(vm, VCPU_REQ_PAUSE, false, is_running);
}

static bool nmi_taken(struct vcpu *v)
{
	return !(v->request & VCPU_REQ_NMI);
}

const char *vmctl_nmi(struct vm *vm, struct vcpu *v)
{
	uint64_t t0;

	if (vm->state != VM_RUNNING)
		return "not running";
	if (v->paused)
		return "paused: resume it first";
	if (v->waiting)
		return "that vCPU waits for a STARTUP IPI (or HC_VCPU_START)";
	__atomic_or_fetch(&v->request, VCPU_REQ_NMI, __ATOMIC_SEQ_CST);
	if (vmctl_is_local(v))
		return NULL;	/* injected when the console returns */
	vm_kick(v);
	for (t0 = time_us(); !nmi_taken(v) && vm->state == VM_RUNNING; cpu_relax())
		if (time_us() - t0 > REQUEST_TIMEOUT_US)
			return "timed out: the vCPU did not take the request";
	return NULL;
}

const char *vmctl_step(struct vm *vm, struct vcpu *v)
{
	uint32_t before = v->steps;
	uint64_t t0;
	const char *err;

	if (vm->state != VM_RUNNING)
		return "not running";
	if (v->waiting)
		return "that vCPU waits for a STARTUP IPI (or HC_VCPU_START)";
	if (!v->paused && (err = vmctl_pause(vm)))
		return err;
	__atomic_or_fetch(&v->request, VCPU_REQ_STEP, __ATOMIC_SEQ_CST);
	if (vmctl_is_local(v))
		return NULL;	/* its run loop steps once the console returns */
	vm_kick(v);
	for (t0 = time_us(); v->steps == before && vm->state == VM_RUNNING; cpu_relax())
		if (time_us() - t0 > REQUEST_TIMEOUT_US)
			return "timed out: the step did not finish";
	return NULL;
}

/* A VM stopped for a reset stays stopped: the console's core, which runs
 * this, would otherwise restart it at its next turn (vms_service). */
static void cancel_reset(struct vm *vm)
{
	if (vm->reset_pending) {
		vm->reset_pending = false;
		fmt_snprintf(vm->reason, sizeof(vm->reason), "killed from the console");
		log_info("vm %s: stopped: killed from the console (its reset is cancelled)", vm->name);
	}
}

const char *vmctl_kill(struct vm *vm)
{
	const char *err;

	/* A stop under way on a vCPU's core sets the state first and
	 * reset_pending a moment later (stop() above): a crash into
	 * on_crash=reset seen in between must still be cancelled. */
	for (uint64_t t0 = time_us(); __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_STOPPED &&
	     !__atomic_load_n(&vm->reset_pending, __ATOMIC_ACQUIRE) && time_us() - t0 < 2000;)
		cpu_relax();
	if (vm->state == VM_STOPPED && vm->reset_pending) {
		cancel_reset(vm);
		return NULL;
	}
	if (vm->state == VM_STOPPED)
		return "already stopped";
	if (!vm->vcpu[0].assigned) {
		vm_stop(vm, NULL, -1, "killed from the console");
		return NULL;
	}
	err = request(vm, VCPU_REQ_KILL, true, is_gone);
	if (!err)
		cancel_reset(vm);	/* it crashed into a reset while the kill was on its way */
	return err;
}
