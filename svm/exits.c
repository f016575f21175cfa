/* The exit handlers and their table (STYLE: a designated-initializer table
 * indexed by exit code). Port I/O goes through the VM's device bus
 * (drivers/virt/bus.c): nothing here knows a device's port. */
#include "svm/exits.h"
#include "drivers/virt/bus.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "svm/cpuid.h"
#include "svm/gmem.h"
#include "svm/hypercall.h"
#include "svm/step.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

static void inject(struct vcpu *v, unsigned vector, uint64_t type, bool ev, uint32_t error)
{
	v->vmcb->control.eventinj = vector | type | EVENT_VALID | (ev ? EVENT_EV : 0) |
				    (uint64_t)error << 32;
}

void exit_inject_exception(struct vcpu *v, unsigned vector)
{
	/* APM Vol.2 8.2: these push an error code; the rest must not have EV. */
	inject(v, vector, EVENT_TYPE_EXCEPT, exc_has_error_code(vector), 0);
}

static void handle_cpuid(struct vcpu *v)
{
	cpuid_emulate(v);
	gmem_skip(v, "\x0f\xa2");
}

/* What a device asked for beyond the access itself. */
static void bus_outcome(struct vcpu *v, enum bus_status st, const struct bus_req *r)
{
	if (st == BUS_STOP)
		vm_stop(v->vm, v, r->stop_code, "%s", r->why);
	else if (st == BUS_RESET)
		vm_stop(v->vm, v, -1, "%s (a guest-requested reset stops the VM for now)", r->why);
}

static void handle_ioio(struct vcpu *v)
{
	struct vmcb *vmcb = v->vmcb;
	uint64_t info = vmcb->control.exitinfo1;
	unsigned size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	uint64_t mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff;
	struct bus_req r;	/* not zeroed: stop_code and why are the device's to fill */
	enum bus_status st;

	if (info & IOIO_STR) {
		vm_stop(v->vm, v, -1, "string I/O (INS/OUTS) on port %#x is not emulated", IOIO_PORT(info));
		return;
	}
	r.addr = IOIO_PORT(info);
	r.size = size;
	r.write = !(info & IOIO_IN);
	r.val = vmcb->save.rax & mask;
	st = bus_access(&v->vm->bus, BUS_PIO, &r);
	if (!r.write)
		vmcb->save.rax = (vmcb->save.rax & ~mask) | (r.val & mask);
	vmcb->save.rip = vmcb->control.exitinfo2;	/* APM Vol.2 15.10.2: next RIP */
	if (st > BUS_UNASSIGNED)
		bus_outcome(v, st, &r);
}

static void handle_hlt(struct vcpu *v)
{
	/* With IF clear only an NMI could wake it, and the only source of
	 * guest NMIs is the console's nmi command: the VM is taken to be
	 * finished (a guest's usual "cli; hlt" end). Otherwise the vCPU
	 * waits on its core until an event for it arrives (vcpu_run parks
	 * the core). */
	if (!(v->vmcb->save.rflags & RFLAGS_IF)) {
		vm_stop(v->vm, v, -1, "halted with interrupts disabled: nothing can wake it");
		return;
	}
	gmem_skip(v, "\xf4");
	v->halted = true;
}

static void handle_msr(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t msr = (uint32_t)v->regs.rcx;
	bool write = v->vmcb->control.exitinfo1 & 1;
	uint64_t val = (s->rax & 0xffffffff) | v->regs.rdx << 32;

	switch (msr) {
	case MSR_EFER:
		if (write) {
			/* The guest sees its own EFER; the real one keeps SVME. */
			if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) {
				exit_inject_exception(v, EXC_GP);
				return;
			}
			vmcb_set_efer(v->vmcb, val | EFER_SVME);
			v->recheck = true;	/* EFER feeds VMRUN's consistency checks */
		} else {
			val = s->efer & ~EFER_SVME;
		}
		break;
	case MSR_TSC:
		if (write) {
			exit_inject_exception(v, EXC_GP);
			return;
		}
		val = rdtsc();
		break;
	case MSR_PAT:
		if (write)
			vmcb_set_pat(v->vmcb, val);
		else
			val = s->g_pat;
		break;
	default:
		exit_inject_exception(v, EXC_GP);
		return;
	}
	if (!write) {
		s->rax = val & 0xffffffff;
		v->regs.rdx = val >> 32;
	}
	if (write)
		gmem_skip(v, "\x0f\x30");
	else
		gmem_skip(v, "\x0f\x32");
}

static void handle_ud(struct vcpu *v)
{
	exit_inject_exception(v, EXC_UD);	/* SVM instructions do not exist for guests */
}

static void handle_reflect(struct vcpu *v)
{
	unsigned vector = (unsigned)(v->vmcb->control.exitcode - VMEXIT_EXCP_BASE);

	if (v->stepping && vector == EXC_DB && step_db_exit(v))
		return;
	exit_inject_exception(v, vector);
}

static void handle_df(struct vcpu *v)
{
	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "double fault in the guest (a triple fault follows)");
}

static void handle_shutdown(struct vcpu *v)
{
	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "triple fault (shutdown)");
}

static void handle_nothing(struct vcpu *v)
{
	(void)v;	/* INTR, NMI, SMI: the host takes them once GIF is back */
}

static void handle_invd(struct vcpu *v)
{
	gmem_skip(v, "\x0f\x08");	/* INVD would lose dirty host lines: run as a no-op */
}

const exit_handler exit_handlers[NR_EXIT_STATS] = {
	[VMEXIT_EXCP_BASE + EXC_DB] = handle_reflect,
	[VMEXIT_EXCP_BASE + EXC_AC] = handle_reflect,
	[VMEXIT_EXCP_BASE + EXC_DF] = handle_df,
	[VMEXIT_INTR] = handle_nothing,
	[VMEXIT_NMI] = handle_nothing,
	[VMEXIT_SMI] = handle_nothing,
	[VMEXIT_CPUID] = handle_cpuid,
	[VMEXIT_INVD] = handle_invd,
	[VMEXIT_HLT] = handle_hlt,
	[VMEXIT_IOIO] = handle_ioio,
	[VMEXIT_MSR] = handle_msr,
	[VMEXIT_SHUTDOWN] = handle_shutdown,
	[VMEXIT_VMRUN] = handle_ud,
	[VMEXIT_VMMCALL] = hypercall_handle,
	[VMEXIT_VMLOAD] = handle_ud,
	[VMEXIT_VMSAVE] = handle_ud,
	[VMEXIT_STGI] = handle_ud,
	[VMEXIT_CLGI] = handle_ud,
	[VMEXIT_SKINIT] = handle_ud,
	[VMEXIT_INVLPGA] = handle_ud,
	[VMEXIT_RDTSCP] = handle_ud,
	[VMEXIT_MONITOR] = handle_ud,
	[VMEXIT_MWAIT] = handle_ud,
	[VMEXIT_XSETBV] = handle_ud,
};

void exit_dispatch_other(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	uint32_t code = (uint32_t)c->exitcode;

	if (code == VMEXIT_INVALID) {
		/* The emulators overwrite the save area with host state here, so
		 * the rules were checked before VMRUN; this is one we do not model. */
		log_error("vm %s: vcpu%u: VMEXIT_INVALID: intercepts %#x %#x %#x, ASID %u, "
			  "IOPM %#lx, MSRPM %#lx, N_CR3 %#lx, EVENTINJ %#lx", v->vm->name, v->index,
			  c->intercept_exceptions, c->intercept_misc1, c->intercept_misc2, c->guest_asid,
			  c->iopm_base_pa, c->msrpm_base_pa, c->n_cr3, c->eventinj);
		v->vm->faulted = true;
		vm_stop(v->vm, v, -1, "VMRUN failed a consistency check (VMEXIT_INVALID) "
			"that svmvisor does not model; VMCB control area above");
		return;
	}
	if (code == VMEXIT_NPF) {
		v->npf_exits++;
		v->vm->faulted = true;
		vm_stop(v->vm, v, -1, "nested page fault at GPA %#lx (%s%s), outside the VM's %lu MiB",
			c->exitinfo2, c->exitinfo1 & NPF_INFO1_W ? "write" : "read",
			c->exitinfo1 & NPF_INFO1_ID ? ", instruction fetch" : "", v->vm->mem >> 20);
		return;
	}
	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "unhandled exit code %#x (EXITINFO1 %#lx, EXITINFO2 %#lx)", code,
		c->exitinfo1, c->exitinfo2);
}
