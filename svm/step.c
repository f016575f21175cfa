/* SPDX-License-Identifier: BSD-2-Clause */
/* Single-step for the console: one guest instruction under our trap flag
 * (APM Vol.2 13.1.4). Three corrections keep the flag invisible:
 * - PUSHF pushes the flags with our TF: the pushed copy gets the guest's;
 * - POPF and IRET load TF from the guest's stack: that value stays;
 * - otherwise TF goes back to what the guest had.
 * The step ends at the #DB trap after the instruction (DR6.BS, then
 * cleared), or at an exit that completed the instruction by emulation,
 * injected an event, or stopped the VM; an interrupt exit before the
 * instruction ran just runs it again. After MOV SS or POP SS the CPU holds
 * debug traps back over one more instruction, as it does interrupts (the
 * interrupt shadow, SDM Vol.3 6.8.3): such a step shows two instructions. */
#include "svm/step.h"
#include "kernel/lib/x86_arch.h"
#include "kernel/log.h"
#include "svm/gmem.h"
#include "svm/vm.h"

enum { STEP_PLAIN, STEP_PUSHF, STEP_POPF };

void step_arm(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint8_t b[INSN_MAX_LEN];
	enum cpu_mode mode;
	size_t got = gmem_fetch_insn(v, b, &mode);
	struct insn insn;

	v->step_kind = STEP_PLAIN;
	if (got && insn_decode(b, got, mode, &insn) == DECODE_OK && insn.map == INSN_MAP_1BYTE &&
	    !insn.vex_len) {
		if (insn.opcode[0] == 0x9c) {
			v->step_kind = STEP_PUSHF;
			v->step_push = mode == MODE_LONG64 ? (insn.opsize ? 2 : 8) : insn.op_size;
		} else if (insn.opcode[0] == 0x9d || insn.opcode[0] == 0xcf) {
			v->step_kind = STEP_POPF;	/* POPF, IRET */
		}
	}
	v->step_guest_tf = s->rflags & RFLAGS_TF;
	v->step_rip = s->rip;
	s->rflags |= RFLAGS_TF;
	v->stepping = true;
}

static void step_finish(struct vcpu *v, const char *how)
{
	struct vmcb_save *s = &v->vmcb->save;

	if (v->step_kind != STEP_POPF)
		s->rflags = (s->rflags & ~RFLAGS_TF) | (v->step_guest_tf ? RFLAGS_TF : 0);
	if (v->step_kind == STEP_PUSHF && !v->step_guest_tf && s->rip != v->step_rip) {
		uint64_t at = (gmem_cpu_mode(s) == MODE_LONG64 ? 0 : s->ss.base) + s->rsp, flags = 0;

		if (gmem_linear_copy(v, at, &flags, v->step_push, false) == v->step_push) {
			flags &= ~RFLAGS_TF;
			gmem_linear_copy(v, at, &flags, v->step_push, true);
		}
	}
	vmcb_set_dr6(v->vmcb, s->dr6 & ~DR6_BS);
	v->stepping = false;
	__atomic_and_fetch(&v->request, ~VCPU_REQ_STEP, __ATOMIC_SEQ_CST);
	log_note("vm %s: vcpu%u: step: RIP %#lx -> %#lx (%s)", v->vm->name, v->index, v->step_rip,
		 s->rip, how);
	__atomic_add_fetch(&v->steps, 1, __ATOMIC_RELEASE);
}

bool step_db_exit(struct vcpu *v)
{
	/* Our trap unless DR6 names one of the guest's breakpoints (B0-B3).
	 * DR6.BS says so on QEMU; Bochs 2.7 leaves the VMCB's DR6 as it was
	 * at VMRUN. */
	if (!(v->vmcb->save.dr6 & DR6_BS) && (v->vmcb->save.dr6 & DR6_BMASK))
		return false;
	step_finish(v, "trap flag");
	return true;
}

void step_check(struct vcpu *v, uint32_t code)
{
	if (code == VMEXIT_INTR || code == VMEXIT_NMI || code == VMEXIT_SMI)
		if (!(v->vmcb->control.eventinj & EVENT_VALID))
			return;		/* the instruction has not run yet */
	step_finish(v, v->vm->state != VM_RUNNING ? "the VM stopped" :
		       v->vmcb->control.eventinj & EVENT_VALID ? "it raised an exception, delivered next" :
		       "completed by the hypervisor");
}
