/* SPDX-License-Identifier: BSD-2-Clause */
/* String port I/O for the IOIO exit (svm/strio_exec.h). The arithmetic
 * and the checks are svm/strio.c's; here they meet the vCPU: its
 * registers and segments in the VMCB, its page tables (svm/gwalk.c), guest
 * RAM, device memory through svm/mmio.c and the port path of svm/exits.c.
 *
 * Per element: the segment check (#GP(0)/#SS(0)), the page walk and its
 * rights (#PF with CR2 and the error code), then the port and the memory
 * access, in the instruction's order (INS reads the port, then stores;
 * OUTS loads, then writes the port). A guest-physical address outside RAM
 * goes to the xAPIC page or the bus as an emulated MOV would: a hole reads
 * all ones and drops writes (strict=on stops the VM there). A page walk is
 * made once per batch (a batch never leaves a linear page), and twice for
 * an element that straddles two pages, both before either is touched. */
#include "svm/strio_exec.h"
#include "kernel/lib/lib.h"
#include "svm/gmem.h"
#include "svm/gwalk.h"
#include "svm/inject.h"
#include "svm/mmio.h"
#include "svm/strio.h"
#include "svm/svm.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

#define PAGE_OFF_4K(x) ((x) & 0xfffull)

static bool gpa_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_ptr(ctx, gpa, len);

	if (p)
		memcpy(buf, p, len);
	return p != NULL;
}

static enum strio_mode mode_of(const struct vmcb_save *s)
{
	if (!(s->cr0 & CR0_PE) || s->rflags & RFLAGS_VM)
		return STRIO_REAL;
	if (gmem_efer(s) & EFER_LMA && s->cs.attrib & SEG_L)
		return STRIO_LONG64;
	return STRIO_PROT;
}

static struct strio_segment segment(const struct vmcb_save *s, enum strio_seg which)
{
	const struct vmcb_seg *r[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
	const struct vmcb_seg *g = r[which];

	return (struct strio_segment){ g->attrib, g->limit, g->base };
}

/* What EXITINFO1 may leave out, from the instruction at CS:RIP: the
 * address size (QEMU 7.2 leaves bits 9:7 clear; here 0x67 and the mode
 * say) and OUTS's segment (EXITINFO1 says it with decode assists only, APM
 * Vol.2 15.10.2; here the last segment prefix). False: the bytes there
 * are not this INS/OUTS any more (another vCPU rewrote them: the guest
 * runs what is there now) or cannot be read (the VM is stopped). */
static bool from_insn(struct vcpu *v, struct strio_op *op, enum strio_seg *which)
{
	bool assists = svm_caps.features & SVM_FEAT_DECODE_ASSISTS;
	uint8_t bytes[INSN_MAX_LEN];
	enum cpu_mode mode;
	struct insn in;
	size_t got;

	if (!op->in && assists) {
		unsigned seg = IOIO_SEG(v->vmcb->control.exitinfo1);

		*which = seg <= STRIO_GS ? (enum strio_seg)seg : STRIO_DS;
	}
	if (op->asize && (op->in || assists))
		return true;
	got = gmem_fetch_insn(v, bytes, &mode);
	if (insn_decode(bytes, got, mode, &in) != DECODE_OK) {
		v->vm->faulted = true;
		vm_stop(v->vm, v, -1, "cannot decode the string I/O instruction at RIP %#lx",
			v->vmcb->save.rip);
		return false;
	}
	if (in.map != INSN_MAP_1BYTE || in.vex_len || (in.opcode[0] & 0xfe) != (op->in ? 0x6c : 0x6e))
		return false;
	if (!op->asize)
		op->asize = in.addr_size;
	/* In 64-bit mode ES, CS, SS and DS overrides are ignored (APM Vol.3
	 * 1.2.4): DS then, whose base is 0 anyway; SS keeps its #SS. */
	if (!op->in && !assists)
		*which = strio_seg_prefix(in.seg_override);
	return true;
}

/* Where an element lies: gpa[0] for its first `first` bytes, gpa[1] for
 * the rest when it crosses a page. */
struct place {
	uint64_t gpa[2];
	unsigned first;
};

/* The element of size bytes at linear through the guest's page tables;
 * false after queueing the guest's #PF (CR2, error code). */
static bool translate(struct vcpu *v, uint64_t linear, unsigned size, bool write, bool long64,
		      struct place *p)
{
	struct vmcb_save *s = &v->vmcb->save;
	const struct gwalk_regs regs = { s->cr0, s->cr3, s->cr4, gmem_efer(s), 0 };
	const struct strio_paging pg = { s->cr0, s->cr4, s->rflags, s->cpl };
	uint64_t lin[2];

	p->first = MIN(size, 4096 - (unsigned)PAGE_OFF_4K(linear));
	lin[0] = linear;
	lin[1] = long64 ? linear + p->first : (linear + p->first) & 0xffffffffull;
	for (unsigned i = 0; i < (p->first < size ? 2u : 1u); i++) {
		struct gwalk_result w = { .status = GWALK_OK, .gpa = lin[i] & 0xffffffffull };
		uint32_t error;

		if (s->cr0 & CR0_PG)
			gwalk(&regs, lin[i], gpa_read, v->vm, &w);
		if (!strio_page_ok(&w, write, &pg, &error)) {
			inject_page_fault(v, lin[i], error);
			return false;
		}
		p->gpa[i] = w.gpa;
	}
	return true;
}

/* n bytes at gpa inside one page: RAM, else the device in one access
 * when whole, else a byte at a time. False: the VM stopped (strict=on). */
static bool piece(struct vcpu *v, uint64_t gpa, uint8_t *bytes, unsigned n, bool write, bool whole)
{
	uint8_t *ram = vm_gpa_ptr(v->vm, gpa, n);

	if (ram) {
		if (write)
			memcpy(ram, bytes, n);
		else
			memcpy(bytes, ram, n);
		return true;
	}
	for (unsigned i = 0; i < n; i += whole ? n : 1) {
		unsigned len = whole ? n : 1;
		uint64_t val = 0;

		memcpy(&val, bytes + i, len);
		if (!mmio_device_access(v, gpa + i, len, write, &val))
			return false;
		memcpy(bytes + i, &val, len);
	}
	return true;
}

static bool element(struct vcpu *v, const struct place *p, unsigned size, bool write, uint64_t *val)
{
	uint8_t buf[8];

	memcpy(buf, val, sizeof(buf));
	if (!piece(v, p->gpa[0], buf, p->first, write, p->first == size) ||
	    (p->first < size && !piece(v, p->gpa[1], buf + p->first, size - p->first, write, false)))
		return false;
	if (!write) {
		*val = 0;
		memcpy(val, buf, size);
	}
	return true;
}

void strio_exit(struct vcpu *v, strio_port_fn port)
{
	struct vmcb *vmcb = v->vmcb;
	struct vmcb_save *s = &vmcb->save;
	uint64_t info = vmcb->control.exitinfo1;
	struct strio_regs r = { v->regs.rcx, v->regs.rsi, v->regs.rdi, s->rflags & RFLAGS_DF };
	enum strio_mode mode = mode_of(s);
	enum strio_seg which = STRIO_ES;
	enum strio_fault fault = STRIO_FAULT_NONE;
	struct strio_segment seg;
	struct strio_op op;
	struct place at;
	uint64_t n, done = 0, page_gpa = 0;

	/* An instruction intercept never interrupts an event's delivery: if
	 * EXITINTINFO says one was under way, it goes first and the
	 * instruction runs again after it. */
	if (vmcb->control.eventinj & EVENT_VALID)
		return;
	if (!strio_decode(info, &op)) {
		v->vm->faulted = true;
		vm_stop(v->vm, v, -1, "IOIO exit with a malformed EXITINFO1 %#lx", info);
		return;
	}
	if (!op.in)
		which = STRIO_DS;
	if (!from_insn(v, &op, &which))
		return;
	n = strio_count(&op, &r);
	seg = segment(s, which);
	for (uint64_t k = 0; done < n; k++) {
		uint64_t offset = strio_offset(&op, &r), linear = 0, val = 0;

		fault = strio_linear(mode, which, &seg, offset, op.size, op.in, s->cr4 & CR4_LA57,
				     &linear);
		if (fault)
			break;
		if (k == 0) {
			/* The batch: the elements that share this one's page. */
			n = strio_batch(&op, n, offset, linear, r.df, STRIO_BATCH_MAX);
			if (!translate(v, linear, op.size, op.in, mode == STRIO_LONG64, &at))
				break;
			page_gpa = at.gpa[0] & ~0xfffull;
		} else {
			at.gpa[0] = page_gpa | PAGE_OFF_4K(linear);
			at.first = op.size;
		}
		if (op.in) {
			port(v, op.port, op.size, false, &val);
			if (!element(v, &at, op.size, true, &val))
				break;
		} else {
			if (!element(v, &at, op.size, false, &val))
				break;
			port(v, op.port, op.size, true, &val);
		}
		strio_advance(&op, &r, 1);
		done++;
		if (v->vm->state != VM_RUNNING)
			break;	/* a port or device stopped or reset it, or a kill came */
	}
	v->regs.rcx = r.rcx;
	v->regs.rsi = r.rsi;
	v->regs.rdi = r.rdi;
	if (fault) {
		inject_exception(v, fault == STRIO_FAULT_SS ? EXC_SS : EXC_GP);
		return;
	}
	if (done || !n)
		vmcb->control.interrupt_shadow = 0;	/* iterations ran: the shadow is over */
	if (!strio_count(&op, &r) || (!op.rep && done))
		s->rip = vmcb->control.exitinfo2;	/* APM Vol.2 15.10.2: next RIP */
}
