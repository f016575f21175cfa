/* SPDX-License-Identifier: BSD-2-Clause */
/* The exit handlers and their table (STYLE: a designated-initializer table
 * indexed by exit code). Port I/O goes through the VM's device bus
 * (drivers/virt/bus.c): nothing here knows a device's port. */
#include "svm/exits.h"
#include "drivers/virt/bus.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/mce.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "svm/apic.h"
#include "svm/crx.h"
#include "svm/emulate.h"
#include "svm/gmem.h"
#include "svm/hypercall.h"
#include "svm/inject.h"
#include "svm/mmio.h"
#include "svm/platform.h"
#include "svm/step.h"
#include "svm/strio_exec.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

static void handle_cpuid(struct vcpu *v)
{
	exit_cpuid(v, false);	/* v->xcr0: the guest's, saved at the exit */
	gmem_skip(v, "\x0f\xa2");
}

/* What a device asked for beyond the access itself. */
static void bus_outcome(struct vcpu *v, enum bus_status st, const struct bus_req *r)
{
	if (st == BUS_STOP)
		vm_stop(v->vm, v, r->stop_code, "%s", r->why);
	else if (st == BUS_RESET)
		vm_request_reset(v->vm, v, "%s", r->why);
}

/* One port access of IN/OUT, and of each INS/OUTS element: the VM's bus. */
static void ioio_port(struct vcpu *v, uint16_t port, unsigned size, bool write, uint64_t *val)
{
	struct bus_req r;	/* not zeroed: stop_code and why are the device's to fill */
	enum bus_status st;

	r.addr = port;
	r.size = size;
	r.write = write;
	r.val = *val;
	r.now = rdtsc();
	st = bus_access(&v->vm->bus, BUS_PIO, &r);
	if (!write)
		*val = r.val;
	if (st > BUS_UNASSIGNED)
		bus_outcome(v, st, &r);
}

/* IN/OUT; INS/OUTS (STR) go to svm/strio_exec.c with the same port path. */
static void handle_ioio(struct vcpu *v)
{
	struct vmcb *vmcb = v->vmcb;
	uint64_t info = vmcb->control.exitinfo1;
	unsigned size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	uint64_t mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff;
	uint64_t val = vmcb->save.rax & mask;

	if (info & IOIO_STR) {
		strio_exit(v, ioio_port);
		return;
	}
	/* RIP first: a device that stops the VM reports the next instruction. */
	vmcb->save.rip = vmcb->control.exitinfo2;	/* APM Vol.2 15.10.2: next RIP */
	vmcb->control.interrupt_shadow = 0;	/* the OUT/IN completed */
	ioio_port(v, IOIO_PORT(info), size, !(info & IOIO_IN), &val);
	if (info & IOIO_IN)
		vmcb->save.rax = (vmcb->save.rax & ~mask) | (val & mask);
}

/* HLT sleeps until an interrupt the vCPU can take: with IF clear only an
 * NMI (or INIT) wakes it, as on hardware. The run loop parks the core
 * (svm/vcpu.c) with its timer armed for the vCPU's next deadline. */
static void handle_hlt(struct vcpu *v)
{
	gmem_skip(v, "\xf4");
	v->halted = true;
}

/* kvmclock (svm/msr.c, docs/cpu.md): the structures svm/msr.c asked for,
 * written into guest RAM. A GPA whose bytes are not all RAM gets nothing. */
static void kvmclock_publish(struct vcpu *v, const struct msr_clock *clk)
{
	struct pvclock_vcpu_time_info ti;
	void *p = vm_gpa_ptr(v->vm, msr_kvmclock_gpa(&v->msr), sizeof(ti));

	if (!p)
		return;
	kvmclock_time_info(&ti, clk->kvm_khz, clk->host_tsc, v->vmcb->control.tsc_offset);
	pvclock_publish_time(p, &ti);
}

static void wallclock_publish(struct vcpu *v, uint64_t gpa, const struct msr_clock *clk)
{
	struct pvclock_wall_clock wc;
	void *p = vm_gpa_ptr(v->vm, gpa, sizeof(wc));

	if (!p)
		return;
	kvmclock_wall_clock(&wc, platform_wall_clock_ns(clk->host_tsc),
			    kvmclock_ns(clk->kvm_khz, clk->host_tsc));
	pvclock_publish_wall(p, &wc);
}

/* RDMSR/WRMSR of an intercepted MSR: the policy of svm/msr.c (docs/cpu.md).
 * An MSR the guest may not use gets #GP; the first time for each number
 * it is logged, and the console's msrs command lists them all. */
static void handle_msr(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t msr = (uint32_t)v->regs.rcx;
	bool write = v->vmcb->control.exitinfo1 & 1, tsc_aux = false;
	uint64_t val = (s->rax & 0xffffffff) | v->regs.rdx << 32;
	struct msr_clock clk;
	enum msr_result r;

	if (msr - MSR_X2APIC < MSR_X2APIC_LAST + 1 - MSR_X2APIC || msr == MSR_TSC_DEADLINE) {
		apic_msr(v, msr, write);	/* first: x2APIC EOI is the hot one */
		return;
	}
	clk = (struct msr_clock){ rdtsc(), cpuid_kvmclock_khz(&v->cpuid) };
	r = msr_access(&v->vm->msr, &v->msr, v->vmcb, msr, write, &val, &clk, &tsc_aux);

	if (msr_result_gp(r)) {
		if (r == MSR_GP_FIRST) {
			const struct msr_info *i = msr_info(msr);

			log_info("vm %s: vcpu%u: %s of MSR %#x (%s) at RIP %#lx: #GP (reported once "
				 "per MSR; see msrs)", v->vm->name, v->index, write ? "WRMSR" : "RDMSR",
				 msr, i ? i->name : "unknown", s->rip);
		}
		inject_exception(v, EXC_GP);
		return;
	}
	if (r == MSR_RECHECK)
		v->recheck = true;	/* EFER feeds VMRUN's consistency checks */
	else if (r == MSR_KVMCLOCK)
		kvmclock_publish(v, &clk);
	else if (r == MSR_WALLCLOCK)
		wallclock_publish(v, val, &clk);
	if (write && msr == MSR_APIC_BASE)
		vlapic_set_base(&v->lapic, v->msr.apic_base);	/* msr.c checked the transition */
	if (tsc_aux)
		wrmsr(MSR_TSC_AUX, v->msr.tsc_aux);	/* this core's: the host never reads it */
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
	inject_exception(v, EXC_UD);	/* SVM instructions do not exist for guests */
}

static void handle_reflect(struct vcpu *v)
{
	unsigned vector = (unsigned)(v->vmcb->control.exitcode - VMEXIT_EXCP_BASE);

	if (vector == EXC_DB && apic_iret_stepped(v))
		return;	/* the NMI handler's IRET has run */
	if (v->stepping && vector == EXC_DB && step_db_exit(v))
		return;
	inject_exception(v, vector);
}

static void handle_df(struct vcpu *v)
{
	vm_crashed(v, "double fault in the guest (a triple fault follows)");
}

static void handle_shutdown(struct vcpu *v)
{
	vm_crashed(v, "triple fault (shutdown)");
}

/* A machine check while the guest ran (#MC intercepted): the host's own
 * handler reads and clears the banks and says whether this core can go on;
 * the VM stops with the report either way, since what it was doing may be
 * lost. Nothing is swallowed. */
static void handle_mc(struct vcpu *v)
{
	char what[96];
	bool core_ok = mce_report(what, sizeof(what));

	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "machine check while the guest ran: %s", what);
	if (!core_ok)
		panic("machine check on cpu%u: processor context corrupt (%s)", v->core, what);
}

/* A physical INIT for this core while the guest ran. svmvisor sends none
 * after boot, so it came from outside; the guest is not the target (it has
 * its own INIT/SIPI through its local APIC, later). Said once per vCPU; the
 * guest carries on. */
static void handle_init(struct vcpu *v)
{
	if (!v->init_reported) {
		v->init_reported = true;
		log_warn("vm %s: vcpu%u: a physical INIT arrived on cpu%u while the guest ran: "
			 "ignored (reported once)", v->vm->name, v->index, v->core);
	}
}

/* A task switch (IRET with NT, a task gate, JMP/CALL to a TSS): not
 * emulated. #GP(0) keeps the guest in control of the outcome: a user-mode
 * POPF(NT) + IRET gets a fault its kernel handles, never a stopped VM. */
static void handle_task_switch(struct vcpu *v)
{
	inject_exception(v, EXC_GP);
}

static void handle_wbinvd(struct vcpu *v)
{
	/* WBINVD and WBNOINVD (F3 0F 09): no-ops. The guest's RAM is
	 * write-back and coherent; a guest looping on WBINVD must not flush
	 * every core's caches. */
	gmem_skip(v, "\x0f\x09");
}

static void handle_gp(struct vcpu *v)
{
	inject_exception(v, EXC_GP);	/* RDPMC: no performance counters offered */
}

/* XSETBV: XCR0 only, at CPL 0 with CR4.OSXSAVE (else #UD, as the CPU would),
 * with bits the guest's CPUID offers and in the combinations the APM
 * allows (svm/cpuid.c xcr0_valid); the value is loaded around VMRUN
 * (svm/vcpu.c). */
static void handle_xsetbv(struct vcpu *v)
{
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t val = (s->rax & 0xffffffff) | v->regs.rdx << 32;

	if (!(s->cr4 & CR4_OSXSAVE) || !svm_host_xsave) {
		inject_exception(v, EXC_UD);
		return;
	}
	if (s->cpl != 0 || (uint32_t)v->regs.rcx != 0 || !xcr0_valid(val, cpuid_xcr0_allowed(&v->cpuid))) {
		inject_exception(v, EXC_GP);
		return;
	}
	v->xcr0 = val;
	gmem_skip(v, "\x0f\x01\xd1");
}

/* LMSW's memory operand: guest RAM through the guest's page tables. */
static bool lmsw_read(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	return gmem_linear_copy(ctx, linear, val, size, false) == size;
}

static const struct emu_ops lmsw_ops = { lmsw_read, NULL };

/* The value a CR0/CR4-writing instruction writes into CRn, its length (0
 * with decode assists and NRIP), or false when the bytes at CS:RIP are not
 * such an instruction any more (another vCPU rewrote them: the guest then
 * runs what is there now) or cannot be read (the VM is stopped). */
static bool cr_write_value(struct vcpu *v, unsigned n, uint64_t *val, unsigned *len)
{
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t info = v->vmcb->control.exitinfo1;
	uint8_t bytes[INSN_MAX_LEN];
	struct crx_insn ci = { CRX_MOV, n, (unsigned)(info & CR_INFO1_GPR) };
	struct emu_cpu e;
	struct insn in;
	uint64_t src = 0;
	size_t got;

	gmem_emu_out(v, &e);
	*len = 0;
	if (!(info & CR_INFO1_MOV) || !(svm_caps.features & SVM_FEAT_NRIPS)) {
		got = gmem_fetch_insn(v, bytes, &e.mode);
		if (insn_decode(bytes, got, e.mode, &in) != DECODE_OK) {
			/* Not readable through the guest's tables: running it
			 * again would exit again, for ever. */
			v->vm->faulted = true;
			vm_stop(v->vm, v, -1, "cannot decode the instruction that wrote CR%u at RIP %#lx",
				n, s->rip);
			return false;
		}
		if (!crx_decode(&in, &ci) || ci.cr != n)
			return false;
		*len = in.len;
		if (ci.op == CRX_LMSW && emulate_read_rm(&e, bytes, got, &lmsw_ops, v, 2, &in, &src) !=
		    EMU_DONE) {
			inject_exception(v, EXC_GP);	/* its operand is not in RAM */
			return false;
		}
	}
	switch (ci.op) {
	case CRX_MOV:	/* 32-bit operands outside 64-bit mode */
		*val = gmem_cpu_mode(s) == MODE_LONG64 ? e.gpr[ci.gpr] : (uint32_t)e.gpr[ci.gpr];
		break;
	case CRX_LMSW:
		*val = crx_lmsw(s->cr0, (uint16_t)src);
		break;
	case CRX_CLTS:
		*val = s->cr0 & ~CR0_TS;
		break;
	}
	return true;
}

/* MOV CR0/CR4, LMSW, CLTS: svm/crx.h says why they exit. The rules give
 * #GP(0) where the CPU would; an accepted value goes into the VMCB with
 * EFER.LMA and the guest's TLB as the CPU itself leaves them. */
static void handle_cr_write(struct vcpu *v)
{
	struct vmcb *vmcb = v->vmcb;
	struct vmcb_save *s = &vmcb->save;
	unsigned n = (uint32_t)vmcb->control.exitcode == VMEXIT_CR4_WRITE ? 4 : 0;
	/* LMA from LME and PG (gmem_efer): Bochs saves EFER without it */
	uint64_t efer = crx_efer_after_cr0(efer_full(&v->msr, s->efer), s->cr0);
	const struct crx_state st = { s->cr0, s->cr3, s->cr4, efer, s->cpl, s->cs.attrib & SEG_L };
	uint64_t val = 0, old = n ? s->cr4 : s->cr0;
	unsigned len;

	/* An instruction intercept never interrupts an event's delivery; if
	 * EXITINTINFO says one was under way, it goes first and the
	 * instruction runs again after it. */
	if ((vmcb->control.eventinj & EVENT_VALID) || !cr_write_value(v, n, &val, &len))
		return;
	if (n ? crx_cr4_fault(&st, val, cpuid_cr4_allowed(&v->cpuid)) : crx_cr0_fault(&st, val)) {
		inject_exception(v, EXC_GP);
		return;
	}
	if (n) {
		s->cr4 = val;
	} else {
		s->cr0 = crx_cr0_value(val);
		efer_place(&v->msr, vmcb, crx_efer_after_cr0(efer, s->cr0));
	}
	vmcb->control.vmcb_clean &= ~VMCB_CLEAN_CRX;
	if (crx_flushes(n, old, n ? s->cr4 : s->cr0))
		asid_request_flush(&v->asid);
	s->rip = len ? s->rip + len : vmcb->control.nrip;
	vmcb->control.interrupt_shadow = 0;
}

static void handle_nothing(struct vcpu *v)
{
	(void)v;	/* INTR, NMI, SMI: the host takes them once GIF is back */
}

static void handle_iret(struct vcpu *v)
{
	apic_iret(v);
}

static void handle_invd(struct vcpu *v)
{
	gmem_skip(v, "\x0f\x08");	/* INVD would lose dirty host lines: run as a no-op */
}

const exit_handler exit_handlers[NR_EXIT_STATS] = {
	[VMEXIT_CR0_WRITE] = handle_cr_write,
	[VMEXIT_CR4_WRITE] = handle_cr_write,
	[VMEXIT_CR0_SEL_WRITE] = handle_cr_write,
	[VMEXIT_EXCP_BASE + EXC_DB] = handle_reflect,
	[VMEXIT_EXCP_BASE + EXC_AC] = handle_reflect,
	[VMEXIT_EXCP_BASE + EXC_DF] = handle_df,
	[VMEXIT_EXCP_BASE + EXC_MC] = handle_mc,
	[VMEXIT_INIT] = handle_init,
	[VMEXIT_RDPMC] = handle_gp,
	[VMEXIT_TASK_SWITCH] = handle_task_switch,
	[VMEXIT_WBINVD] = handle_wbinvd,
	[VMEXIT_RDPRU] = handle_ud,
	[VMEXIT_INTR] = handle_nothing,
	[VMEXIT_VINTR] = handle_nothing,	/* the interrupt window: the run loop injects */
	[VMEXIT_IRET] = handle_iret,
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
	[VMEXIT_MONITOR] = handle_ud,
	[VMEXIT_MWAIT] = handle_ud,
	[VMEXIT_XSETBV] = handle_xsetbv,
};

void exit_single_step(struct vcpu *v, uint32_t code, uint64_t rip_before)
{
	struct vmcb *vmcb = v->vmcb;

	switch (code) {
	case VMEXIT_CR0_WRITE: case VMEXIT_CR4_WRITE: case VMEXIT_CR0_SEL_WRITE:
	case VMEXIT_RDTSC: case VMEXIT_RDPMC: case VMEXIT_CPUID: case VMEXIT_INVD:
	case VMEXIT_PAUSE: case VMEXIT_HLT: case VMEXIT_INVLPGA: case VMEXIT_IOIO:
	case VMEXIT_MSR: case VMEXIT_VMMCALL: case VMEXIT_RDTSCP: case VMEXIT_WBINVD:
	case VMEXIT_MONITOR: case VMEXIT_MWAIT: case VMEXIT_XSETBV: case VMEXIT_RDPRU:
	case VMEXIT_NPF:
		break;
	default:
		return;		/* not an instruction the hypervisor completes */
	}
	/* Not completed (RIP unchanged: a fault, a REP chunk to resume), an
	 * event already on its way, or TF that is the console's, not the
	 * guest's (svm/step.c) */
	if (vmcb->save.rip == rip_before || (vmcb->control.eventinj & EVENT_VALID) ||
	    v->vm->state != VM_RUNNING || (v->stepping && !v->step_guest_tf))
		return;
	vmcb_set_dr6(vmcb, vmcb->save.dr6 | DR6_BS);
	inject_exception(v, EXC_DB);
}

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
		mmio_npf(v);
		return;
	}
	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "unhandled exit code %#x (EXITINFO1 %#lx, EXITINFO2 %#lx)", code,
		c->exitinfo1, c->exitinfo2);
}
