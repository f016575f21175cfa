/* The run loop and the exit handlers. Every exit code has a defined outcome:
 * handled, reflected into the guest, or the VM stopped with a report. */
#include <stdarg.h>
#include "svm/vcpu.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/x86.h"
#include "svm/svm.h"
#include "svm/decode.h"
#include "svm/gwalk.h"
#include "svm/vm.h"
#include "svm/vmcb_check.h"
#include "drivers/virt/vio.h"

void svm_world_switch(struct vcpu *v, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);
bool vcpu_fast_exit(struct vcpu *v);

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

void vcpu_init(struct vcpu *v, const struct vcpu_start *start)
{
	enum vcpu_mode mode = start->mode;
	struct vmcb_control *c = &v->vmcb->control;
	struct vmcb_save *s = &v->vmcb->save;
	struct vm *vm = v->vm;

	memset(v->vmcb, 0, sizeof(*v->vmcb));
	memset(&v->regs, 0, sizeof(v->regs));

	/* Default deny (DESIGN): every port and MSR, the SVM instructions
	 * (VMRUN must be intercepted, APM Vol.2 15.5.1), #DB and #AC always
	 * (CVE-2015-5307, CVE-2015-8104), #DF because Bochs never delivers
	 * SHUTDOWN, #MC so the host sees machine checks. */
	c->intercept_exceptions = 1u << EXC_DB | 1u << EXC_AC | 1u << EXC_DF | 1u << 18;
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
			     INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_INVLPGA |
			     INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | INTERCEPT_TASK_SWITCH |
			     INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
			     INTERCEPT_RDTSCP | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
			     INTERCEPT_XSETBV;
	c->iopm_base_pa = vm->iopm_pa;
	c->msrpm_base_pa = vm->msrpm_pa;
	/* guest_asid and tlb_control are set before each VMRUN (asid_prepare). */
	c->v_intr = V_INTR_MASKING;	/* physical interrupts follow the host's IF */
	c->np_enable = NP_ENABLE;
	c->n_cr3 = vm->ncr3;
	c->vmcb_clean = 0;	/* nothing cached yet (svm/vmcb.h setters keep it honest) */

	if (mode == VCPU_MODE_LONG) {	/* APM Vol.2 14.8: PE, PG, PAE, LME, LMA */
		seg(&s->cs, start->cs, ATTR_CODE64, 0xffffffff, 0);
		seg(&s->ds, start->ds, ATTR_DATA32, 0xffffffff, 0);
		seg(&s->gdtr, 0, 0, start->gdt_limit, start->gdt_base);
		s->cr0 = CR0_PE | CR0_PG | CR0_WP | (1ull << 4);	/* ET */
		s->cr3 = start->cr3;
		s->cr4 = CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
	} else if (mode == VCPU_MODE_PROT32) {
		seg(&s->cs, 0x08, ATTR_CODE32, 0xffffffff, 0);
		seg(&s->ds, 0x10, ATTR_DATA32, 0xffffffff, 0);
		s->cr0 = CR0_PE | (1ull << 4);	/* ET */
	} else {	/* real mode, CS = 0: the caller keeps rip below 64 KiB */
		seg(&s->cs, 0, ATTR_CODE16, 0xffff, 0);
		seg(&s->ds, 0, ATTR_DATA16, 0xffff, 0);
		s->cr0 = 1ull << 4;
	}
	s->es = s->ss = s->fs = s->gs = s->ds;
	if (mode != VCPU_MODE_LONG)
		seg(&s->gdtr, 0, 0, 0xffff, 0);
	seg(&s->idtr, 0, 0, mode == VCPU_MODE_LONG ? 0 : 0x3ff, 0);
	seg(&s->ldtr, 0, ATTR_LDT, 0xffff, 0);
	seg(&s->tr, 0, ATTR_TSS, 0xffff, 0);
	s->cpl = 0;
	s->efer |= EFER_SVME;	/* APM Vol.2 15.5.1: VMRUN requires guest EFER.SVME */
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 0x2;
	s->rip = start->rip;
	s->rax = start->rax;
	v->regs.rbx = start->rbx;
	s->g_pat = PAT_RESET;	/* Bochs checks it */
	vcpu_reset_stats(v);
	v->recheck = true;	/* vcpu_run checks the new state before VMRUN */
	v->stepping = false;
}

static void inject(struct vcpu *v, unsigned vector, uint64_t type, bool ev, uint32_t error)
{
	v->vmcb->control.eventinj = vector | type | EVENT_VALID | (ev ? EVENT_EV : 0) |
				    (uint64_t)error << 32;
}

static void inject_exception(struct vcpu *v, unsigned vector)
{
	/* APM Vol.2 8.2: these push an error code; the rest must not have EV. */
	bool ev = vector == EXC_DF || (vector >= 10 && vector <= 14) || vector == EXC_AC;

	inject(v, vector, EVENT_TYPE_EXCEPT, ev, 0);
}

static bool read_guest(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_ptr(ctx, gpa, len);

	if (p)
		memcpy(buf, p, len);
	return p != NULL;
}

static enum cpu_mode guest_mode(const struct vmcb_save *s)
{
	return !(s->cr0 & CR0_PE) ? MODE_REAL16 :
	       (s->efer & EFER_LMA) && (s->cs.attrib & (1u << 9)) ? MODE_LONG64 :
	       (s->cs.attrib & (1u << 10)) ? MODE_PROT32 : MODE_PROT16;
}

static struct gwalk_regs guest_paging(const struct vmcb_save *s)
{
	return (struct gwalk_regs){ s->cr0, s->cr3, s->cr4, s->efer, 0 };
}

/* Copies len bytes at the guest's linear address out of (to_guest false)
 * or into guest memory, page by page through the guest's own page tables.
 * Returns the bytes done: less than len where a page is not mapped. */
static size_t guest_linear_copy(struct vcpu *v, uint64_t linear, void *buf, size_t len,
				bool to_guest)
{
	struct gwalk_regs r = guest_paging(&v->vmcb->save);
	size_t done = 0;

	while (done < len) {
		struct gwalk_result w;
		size_t n = MIN(len - done, 4096 - ((linear + done) & 4095));
		uint8_t *p;

		gwalk(&r, linear + done, read_guest, v->vm, &w);
		p = w.status == GWALK_OK ? vm_gpa_ptr(v->vm, w.gpa, n) : NULL;
		if (!p)
			break;
		if (to_guest)
			memcpy(p, (uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, p, n);
		done += n;
	}
	return done;
}

/* The bytes at the guest's CS:RIP (up to INSN_MAX_LEN; fewer where the
 * next page is not mapped) and the mode to decode them in. */
static size_t fetch_insn(struct vcpu *v, uint8_t bytes[INSN_MAX_LEN], enum cpu_mode *mode)
{
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t linear;

	*mode = guest_mode(s);
	linear = (*mode == MODE_LONG64 ? 0 : s->cs.base) + s->rip;
	if (*mode != MODE_LONG64)
		linear &= 0xffffffff;
	return guest_linear_copy(v, linear, bytes, INSN_MAX_LEN, false);
}

/* The length of the instruction at the guest's CS:RIP, decoded from guest
 * memory through the guest's own page tables; 0 if it cannot be read or
 * decoded. For CPUs without NRIP save (QEMU). The exit says which
 * instruction ran: without prefixes it is exactly the expected bytes. */
static unsigned insn_length(struct vcpu *v, const uint8_t *expect, unsigned expect_len)
{
	uint8_t bytes[INSN_MAX_LEN];
	enum cpu_mode mode;
	size_t got = fetch_insn(v, bytes, &mode);
	struct insn insn;

	if (got >= expect_len && !memcmp(bytes, expect, expect_len))
		return expect_len;
	if (insn_decode(bytes, got, mode, &insn) != DECODE_OK)
		return 0;
	return insn.len;
}

/* Moves RIP past the exiting instruction without decoding it: NRIP when
 * the CPU saves it, else, with paging off, the bare opcode (the exit says
 * which instruction ran) found in place at CS:RIP. False: decode instead.
 * Safe in vcpu_fast_exit: reads only the VMCB and guest RAM. */
static inline bool skip_quick(struct vcpu *v, const char *opcode, unsigned opcode_len)
{
	struct vmcb *vmcb = v->vmcb;
	uint64_t lin;
	const uint8_t *p;

	if (svm_caps.features & SVM_FEAT_NRIPS) {
		vmcb->save.rip = vmcb->control.nrip;
		return true;
	}
	if (vmcb->save.cr0 & CR0_PG)
		return false;
	lin = (vmcb->save.cs.base + vmcb->save.rip) & 0xffffffff;
	p = (const uint8_t *)(v->vm->ram_hpa + lin);
	if (lin + opcode_len > v->vm->mem)
		return false;
	for (unsigned i = 0; i < opcode_len; i++)
		if (p[i] != (uint8_t)opcode[i])
			return false;
	vmcb->save.rip += opcode_len;
	return true;
}

/* Moves RIP past the exiting instruction: skip_quick, else the length
 * decoded from guest memory (prefixes, paging). An instruction that cannot
 * be decoded (its page vanished, garbage) stops the VM. */
static void skip_len(struct vcpu *v, const char *opcode, unsigned opcode_len)
{
	unsigned len;

	if (skip_quick(v, opcode, opcode_len))
		return;
	len = insn_length(v, (const uint8_t *)opcode, opcode_len);
	if (!len)
		vm_stop(v->vm, v, -1, "cannot decode the instruction at RIP %#lx", v->vmcb->save.rip);
	v->vmcb->save.rip += len;
}

/* opcode is a string literal: its length is known at compile time. */
#define skip(v, opcode) skip_len(v, opcode, sizeof(opcode) - 1)

/* CPUID as the guest sees it: the host's, with SVM and VMX hidden, the
 * hypervisor bit set and the svmvisor leaf at 0x40000000. */
static inline void emulate_cpuid(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t leaf = (uint32_t)s->rax, sub = (uint32_t)v->regs.rcx;
	struct cpuid_regs r = cpuid(leaf, sub);

	switch (leaf) {
	case 1:
		r.ecx &= ~(1u << 5);	/* no VMX */
		r.ecx |= 1u << 31;	/* hypervisor present */
		break;
	case 0x80000001:
		r.ecx &= ~CPUID_80000001_ECX_SVM;	/* SVM hidden from the guest */
		break;
	case 0x8000000a:
		r = (struct cpuid_regs){ 0 };
		break;
	case 0x40000000:	/* hypervisor leaf: max leaf and "svmvisor    " */
		r = (struct cpuid_regs){ 0x40000000, 0x766d7673, 0x726f7369, 0x20202020 };
		break;
	default:
		if (leaf > 0x40000000 && leaf < 0x40000100)
			r = (struct cpuid_regs){ 0 };
	}
	s->rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
}

static void handle_cpuid(struct vcpu *v)
{
	emulate_cpuid(v);
	skip(v, "\x0f\xa2");
}

static void handle_ioio(struct vcpu *v)
{
	struct vmcb *vmcb = v->vmcb;
	uint64_t info = vmcb->control.exitinfo1;
	unsigned size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	uint64_t mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff;

	if (info & IOIO_STR) {
		vm_stop(v->vm, v, -1, "string I/O (INS/OUTS) on port %#x is not emulated", IOIO_PORT(info));
		return;
	}
	if (info & IOIO_IN) {
		uint32_t val = vio_in(v->vm, IOIO_PORT(info), size);

		vmcb->save.rax = (vmcb->save.rax & ~mask) | (val & mask);
	} else {
		vio_out(v->vm, v, IOIO_PORT(info), size, (uint32_t)(vmcb->save.rax & mask));
	}
	vmcb->save.rip = vmcb->control.exitinfo2;	/* APM Vol.2 15.10.2: next RIP */
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
	skip(v, "\xf4");
	v->halted = true;
}

/* Starts a waiting vCPU of vm in 32-bit protected mode at entry, as a flat
 * guest's vcpu0 starts, with EAX = eax and EBX = its index. False if index
 * names no vCPU waiting to be started. */
static bool start_vcpu(struct vm *vm, uint64_t index, uint64_t entry, uint64_t eax)
{
	struct vcpu *t;
	struct vcpu_start st = { .mode = VCPU_MODE_PROT32, .rip = entry & 0xffffffff,
				 .rax = eax & 0xffffffff, .rbx = index };

	if (index == 0 || index >= vm->nr_vcpus)
		return false;
	t = &vm->vcpu[index];
	if (!__atomic_load_n(&t->waiting, __ATOMIC_ACQUIRE))
		return false;
	vcpu_init(t, &st);	/* it sleeps in its run loop until waiting clears */
	t->halted = false;
	__atomic_store_n(&t->waiting, false, __ATOMIC_RELEASE);
	vm_kick(t);
	log_info("vm %s: vcpu%u started at %#lx", vm->name, t->index, st.rip);
	return true;
}

/* Hypercalls: RAX = function, arguments in RBX, RCX; result in RAX.
 * docs/hypercalls.md. */
#define HC_CONSOLE_WRITE 1	/* RBX = GPA, RCX = length (<= 4096) */
#define HC_EXIT          2	/* RBX = result code */
#define HC_VCPU_START    3	/* RBX = vCPU index, RCX = entry GPA, RDX = its EAX */
#define HC_ERR_INVALID   (~0ull)

static void handle_vmmcall(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint64_t fn = s->rax;

	skip(v, "\x0f\x01\xd9");
	switch (fn) {
	case HC_CONSOLE_WRITE: {
		const char *p = vm_gpa_ptr(v->vm, v->regs.rbx, v->regs.rcx);

		if (!p || v->regs.rcx > 4096) {
			s->rax = HC_ERR_INVALID;
			return;
		}
		for (uint64_t i = 0; i < v->regs.rcx; i++)
			vio_out(v->vm, v, 0x3f8, 1, (uint8_t)p[i]);
		s->rax = 0;
		return;
	}
	case HC_EXIT:
		vm_stop(v->vm, v, (int)(v->regs.rbx & 0xff), "exit hypercall with code %lu", v->regs.rbx & 0xff);
		return;
	case HC_VCPU_START:
		s->rax = start_vcpu(v->vm, v->regs.rbx, v->regs.rcx, v->regs.rdx) ? 0 : HC_ERR_INVALID;
		return;
	default:
		s->rax = HC_ERR_INVALID;
	}
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
				inject_exception(v, EXC_GP);
				return;
			}
			vmcb_set_efer(v->vmcb, val | EFER_SVME);
			v->recheck = true;	/* EFER feeds VMRUN's consistency checks */
		} else {
			val = s->efer & ~EFER_SVME;
		}
		break;
	case 0x10:	/* TSC */
		if (write) {
			inject_exception(v, EXC_GP);
			return;
		}
		val = rdtsc();
		break;
	case 0x277:	/* PAT */
		if (write)
			vmcb_set_pat(v->vmcb, val);
		else
			val = s->g_pat;
		break;
	default:
		inject_exception(v, EXC_GP);
		return;
	}
	if (!write) {
		s->rax = val & 0xffffffff;
		v->regs.rdx = val >> 32;
	}
	if (write)
		skip(v, "\x0f\x30");
	else
		skip(v, "\x0f\x32");
}

static void handle_ud(struct vcpu *v)
{
	inject_exception(v, EXC_UD);	/* SVM instructions do not exist for guests */
}

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
enum { STEP_PLAIN, STEP_PUSHF, STEP_POPF };

static void step_arm(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint8_t b[INSN_MAX_LEN];
	enum cpu_mode mode;
	size_t got = fetch_insn(v, b, &mode);
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
		uint64_t at = (guest_mode(s) == MODE_LONG64 ? 0 : s->ss.base) + s->rsp, flags = 0;

		if (guest_linear_copy(v, at, &flags, v->step_push, false) == v->step_push) {
			flags &= ~RFLAGS_TF;
			guest_linear_copy(v, at, &flags, v->step_push, true);
		}
	}
	vmcb_set_dr6(v->vmcb, s->dr6 & ~DR6_BS);
	v->stepping = false;
	__atomic_and_fetch(&v->request, ~VCPU_REQ_STEP, __ATOMIC_SEQ_CST);
	log_info("vm %s: vcpu%u: step: RIP %#lx -> %#lx (%s)", v->vm->name, v->index, v->step_rip,
		 s->rip, how);
	__atomic_add_fetch(&v->steps, 1, __ATOMIC_RELEASE);
}

/* After an exit handled while stepping: is the step over? */
static void step_check(struct vcpu *v, uint32_t code)
{
	if (code == VMEXIT_INTR || code == VMEXIT_NMI || code == VMEXIT_SMI)
		if (!(v->vmcb->control.eventinj & EVENT_VALID))
			return;		/* the instruction has not run yet */
	step_finish(v, v->vm->state != VM_RUNNING ? "the VM stopped" :
		       v->vmcb->control.eventinj & EVENT_VALID ? "it raised an exception, delivered next" :
		       "completed by the hypervisor");
}

static void handle_reflect(struct vcpu *v)
{
	/* A #DB while stepping is our trap unless DR6 names one of the guest's
	 * breakpoints (B0-B3). DR6.BS says so on QEMU; Bochs 2.7 leaves the
	 * VMCB's DR6 as it was at VMRUN. */
	if (v->stepping && v->vmcb->control.exitcode == VMEXIT_EXCP_BASE + EXC_DB &&
	    ((v->vmcb->save.dr6 & DR6_BS) || !(v->vmcb->save.dr6 & 0xf))) {
		step_finish(v, "trap flag");
		return;
	}
	inject_exception(v, (unsigned)(v->vmcb->control.exitcode - VMEXIT_EXCP_BASE));
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
	skip(v, "\x0f\x08");	/* INVD would lose dirty host lines: run as a no-op */
}

typedef void (*exit_handler)(struct vcpu *v);

static const exit_handler handlers[NR_EXIT_STATS] = {
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
	[VMEXIT_VMMCALL] = handle_vmmcall,
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

static void dispatch(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	uint32_t code = (uint32_t)c->exitcode;	/* QEMU writes INVALID as 0x00000000ffffffff */

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
			c->exitinfo2, c->exitinfo1 & 2 ? "write" : "read",
			c->exitinfo1 & 16 ? ", instruction fetch" : "", v->vm->mem >> 20);
		return;
	}
	if (code < NR_EXIT_STATS && handlers[code]) {
		handlers[code](v);
		return;
	}
	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "unhandled exit code %#x (EXITINFO1 %#lx, EXITINFO2 %#lx)", code,
		c->exitinfo1, c->exitinfo2);
}

void vcpu_trace_print(const struct vcpu *v, unsigned n,
		      void (*out)(const char *line, void *ctx), void *ctx)
{
	char line[160];
	uint64_t first;

	n = (unsigned)MIN((uint64_t)MIN(n, TRACE_LEN), v->exits);
	first = v->exits - n;
	fmt_snprintf(line, sizeof(line), "%-6s %16s %6s %16s %16s %16s %10s", "#", "tsc", "exit",
		     "exitinfo1", "exitinfo2", "rip", "intinfo");
	out(line, ctx);
	for (uint64_t i = first; i < v->exits; i++) {
		const struct exit_record *r = &v->trace[i % TRACE_LEN];

		fmt_snprintf(line, sizeof(line), "%-6lu %16lx %#6lx %16lx %16lx %16lx %#10lx", i,
			     r->tsc, r->code, r->info1, r->info2, r->rip, r->intinfo);
		out(line, ctx);
	}
}

static void trace_to_log(const char *line, void *ctx)
{
	const struct vcpu *v = ctx;

	log_info("vm %s: vcpu%u: trace %s", v->vm->name, v->index, line);
}

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
	if (code != VMEXIT_CPUID || v->request || !skip_quick(v, "\x0f\xa2", 2))
		return false;
	emulate_cpuid(v);
	c->vmcb_clean = v->clean_mask;
	c->tlb_control = TLB_CONTROL_NOTHING;
	c->eventinj = 0;
	account(v, code, rdtsc() - now);
	return true;
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
	if (v->request & VCPU_REQ_KILL) {
		vm_stop(v->vm, v, -1, "killed from the console");
		return -1;
	}
	if (v->waiting) {	/* until HC_VCPU_START (or the VM's end) */
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
		/* APM Vol.2 15.20: type NMI, vector 2, no error code. */
		__atomic_and_fetch(&v->request, ~VCPU_REQ_NMI, __ATOMIC_SEQ_CST);
		v->vmcb->control.eventinj = 2 | EVENT_TYPE_NMI | EVENT_VALID;
		v->halted = false;	/* an NMI wakes a halted vCPU */
		return 0;
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
		/* Park the core until a kick (an NMI for the guest from the
		 * console, a step, the VM being stopped) arrives: those clear
		 * halted or end the loop. STI's shadow covers HLT. */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		return 1;
	}
	return 0;
}

void vcpu_run(struct vcpu *v)
{
	struct cpu *cpu = this_cpu();
	struct vmcb_control *c = &v->vmcb->control;
	uint64_t t_exit = 0;
	unsigned phys_bits = cpuid(0x80000008, 0).eax & 0xff;

	v->clean_mask = svm_caps.features & SVM_FEAT_VMCB_CLEAN ? VMCB_CLEAN_ALL : 0;
	c->vmcb_clean = 0;	/* first run on this core: nothing is cached */

	svm_vmsave(cpu->host_vmcb_pa);
	while (v->vm->state == VM_RUNNING) {
		uint8_t tlb;

		irq_disable();
		if (__builtin_expect(v->request || v->halted, 0)) {
			int next = requests_and_hlt(v);

			if (next < 0)
				break;
			if (next > 0)
				continue;
		}
		tlb = asid_prepare(&cpu->asid, (int)cpu->id, &v->asid);
		if (tlb == ASID_NO_GUEST) {
			vm_stop(v->vm, v, -1, "cpu%u has no guest ASID", cpu->id);
			break;
		}
		vmcb_set_asid(v->vmcb, v->asid.asid);
		c->tlb_control = tlb;
		/* Name a broken consistency rule ourselves (APM Vol.2 15.5.1):
		 * before the first run and after exits that change checked state. */
		if (!t_exit || v->recheck) {
			v->recheck = false;
			const char *rule = vmcb_check(v->vmcb, phys_bits);

			if (rule) {
				vm_stop(v->vm, v, -1, "the VMCB breaks a VMRUN consistency rule: %s", rule);
				break;
			}
		}
		if (t_exit)
			account(v, (uint32_t)c->exitcode, rdtsc() - t_exit);
		svm_world_switch(v, (uint64_t)v->vmcb, cpu->host_vmcb_pa);
		t_exit = v->t_exit;	/* vcpu_fast_exit took the time and recorded the exit */
		/* The CPU's copy now matches the VMCB: mark the groups it can
		 * cache clean (none without the feature); setters dirty them. */
		c->vmcb_clean = v->clean_mask;
		if ((uint32_t)c->exitcode == VMEXIT_INVALID)
			asid_core_flush_all(&cpu->asid);	/* that VMRUN's flush may not have happened */
		/* An exit during event delivery: deliver the event again
		 * (APM Vol.2 15.7.2), unless a handler injects its own. */
		c->eventinj = c->exitintinfo & EVENT_VALID ? c->exitintinfo : 0;
		dispatch(v);
		if (__builtin_expect(v->stepping, 0))
			step_check(v, (uint32_t)c->exitcode);
		irq_enable();	/* take the interrupt that caused an INTR exit */
	}
	if (t_exit)
		account(v, (uint32_t)c->exitcode, rdtsc() - t_exit);	/* the last exit too */
	irq_enable();
	if (v->vm->faulted) {	/* how it got there: the flight recorder */
		log_info("vm %s: vcpu%u: the last exits before it stopped:", v->vm->name, v->index);
		vcpu_trace_print(v, 16, trace_to_log, v);
	}
}

void vcpu_reset_stats(struct vcpu *v)
{
	memset(v->exit_count, 0, sizeof(v->exit_count));
	memset(v->exit_cycles, 0, sizeof(v->exit_cycles));
	memset(v->exit_min, 0xff, sizeof(v->exit_min));
	memset(v->exit_max, 0, sizeof(v->exit_max));
	v->npf_exits = 0;
}

void vcpu_report_exits(const struct vcpu *v)
{
	log_info("vm %s: vcpu%u: %lu exits (%lu NPF)", v->vm->name, v->index, v->exits, v->npf_exits);
	for (unsigned i = 0; i < NR_EXIT_STATS; i++)
		if (v->exit_count[i])
			log_info("vm %s: vcpu%u:   exit %#05x x %-6lu cycles min %lu avg %lu max %lu",
				 v->vm->name, v->index, i, v->exit_count[i], v->exit_min[i],
				 v->exit_cycles[i] / v->exit_count[i], v->exit_max[i]);
}
