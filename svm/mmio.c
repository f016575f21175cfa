/* SPDX-License-Identifier: BSD-2-Clause */
/* Nested page faults outside RAM (svm/mmio.h). The faulting instruction is
 * fetched (the bytes the CPU hands over with decode assists, else read
 * through the guest's page tables), decoded and executed by svm/emulate.c,
 * whose memory accesses land here: guest RAM, this vCPU's xAPIC page, or
 * the VM's bus, where unassigned space reads as all ones and drops writes
 * like a PCI master abort (strict=on stops the VM there instead). */
#include "svm/mmio.h"
#include "drivers/virt/bus.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/x86.h"
#include "svm/apic.h"
#include "svm/asid.h"
#include "svm/emulate.h"
#include "svm/gmem.h"
#include "svm/gwalk.h"
#include "svm/inject.h"
#include "svm/svm.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

#define UD_REPORTS 8	/* emulation failures logged per VM; then counted only */
#define PAGE_MASK_4K 0xfffull

struct mmio_ctx {
	struct vcpu *v;
	uint64_t fault_gpa;	/* EXITINFO2: the access that faulted */
	bool fault_used;	/* that translation was used once already */
	bool pf;		/* a #PF to inject: pf_addr, pf_error */
	uint64_t pf_addr;
	uint32_t pf_error;
	bool stop;		/* strict=on met unassigned space */
	uint64_t stop_gpa;
	bool trust_fault;	/* the bytes are the ones that ran (see translate) */
	bool probe;		/* record the accesses (up to PROBE_ACCESSES), make none */
	unsigned probed;
	bool hit;		/* a probed access reaches the faulting page */
};

#define PROBE_ACCESSES 2	/* enough for the first iteration of MOVS, CMPS */

static bool gpa_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_ptr(ctx, gpa, len);

	if (p)
		memcpy(buf, p, len);
	return p != NULL;
}

/* Linear to guest-physical for one access inside one page, through the
 * guest's page tables. With trust_fault, the first access whose page
 * offset matches the faulting GPA's is taken to be the one the CPU made
 * and goes to that GPA without a walk (the CPU may have used a TLB entry
 * the tables no longer hold). */
static bool translate(struct mmio_ctx *c, uint64_t linear, bool write, uint64_t *gpa)
{
	const struct vmcb_save *s = &c->v->vmcb->save;
	struct gwalk_result w = { .status = GWALK_OK, .gpa = linear & 0xffffffff };

	if (c->trust_fault && !c->fault_used &&
	    (linear & PAGE_MASK_4K) == (c->fault_gpa & PAGE_MASK_4K)) {
		c->fault_used = true;
		*gpa = c->fault_gpa;
		return true;
	}
	if (s->cr0 & CR0_PG)
		gwalk(&(struct gwalk_regs){ s->cr0, s->cr3, s->cr4, gmem_efer(s), 0 }, linear, gpa_read,
		      c->v->vm, &w);
	if (w.status != GWALK_OK) {	/* the guest's own #PF (APM Vol.2 8.4.2 error code) */
		c->pf = true;
		c->pf_addr = linear;
		c->pf_error = (w.status == GWALK_RESERVED_BIT ? PF_ERR_P | PF_ERR_RSV : 0) |
			      (write ? PF_ERR_W : 0) | (s->cpl == 3 ? PF_ERR_U : 0);
		return false;
	}
	*gpa = w.gpa;
	return true;
}

static bool xapic_page(const struct vcpu *v, uint64_t gpa)
{
	return (gpa & ~PAGE_MASK_4K) == VLAPIC_BASE && vlapic_hw_enabled(&v->lapic) &&
	       !vlapic_x2apic(&v->lapic);
}

/* One device-side access of size bytes at gpa (not RAM). */
static bool device(struct mmio_ctx *c, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	struct vcpu *v = c->v;
	struct bus_req r = { .addr = gpa, .size = size, .write = write, .val = *val, .now = rdtsc() };
	enum bus_status st;

	if (xapic_page(v, gpa)) {
		struct vlapic_out out = { .eoi_vector = -1 };

		if (vlapic_mmio(&v->lapic, gpa & PAGE_MASK_4K, size, write, val, apic_now(v), &out) ==
		    VLAPIC_OK) {
			apic_outcome(v, &out);
			return true;
		}
		/* VLAPIC_UNDECODED: the bus's empty space below */
	}
	if (v->vm->strict && !bus_mmio_assigned(&v->vm->bus, gpa, size)) {
		c->stop = true;
		c->stop_gpa = gpa;
		return false;
	}
	st = bus_access(&v->vm->bus, BUS_MMIO, &r);
	if (!write)
		*val = r.val;
	if (st == BUS_STOP)
		vm_stop(v->vm, v, r.stop_code, "%s", r.why);
	else if (st == BUS_RESET)
		vm_request_reset(v->vm, v, "%s", r.why);
	return true;
}

bool mmio_device_access(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	struct mmio_ctx c = { .v = v };

	if (device(&c, gpa, size, write, val))
		return true;
	v->vm->faulted = true;
	vm_stop(v->vm, v, -1, "%s of unassigned guest-physical address %#lx (strict=on)",
		write ? "write" : "read", c.stop_gpa);
	return false;
}

/* The part of an access inside one page at gpa: RAM, or the device in
 * one access when it is the whole one (whole: n is 1, 2, 4 or 8), else one
 * byte at a time. */
static bool piece(struct mmio_ctx *c, uint64_t gpa, uint8_t *bytes, unsigned n, bool write,
		  bool whole)
{
	uint8_t *p = vm_gpa_ptr(c->v->vm, gpa, n);

	if (p) {
		if (write)
			memcpy(p, bytes, n);
		else
			memcpy(bytes, p, n);
		return true;
	}
	if (whole) {
		uint64_t v = 0;

		memcpy(&v, bytes, n);
		if (!device(c, gpa, n, write, &v))
			return false;
		memcpy(bytes, &v, n);
		return true;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t b = bytes[i];

		if (!device(c, gpa + i, 1, write, &b))
			return false;
		bytes[i] = (uint8_t)b;
	}
	return true;
}

static bool access(struct mmio_ctx *c, uint64_t linear, unsigned size, bool write, uint64_t *val)
{
	unsigned first = MIN(size, 4096 - (unsigned)(linear & PAGE_MASK_4K));
	uint64_t next = linear + first, gpa, gpa2 = 0;
	uint8_t buf[8];

	if (gmem_cpu_mode(&c->v->vmcb->save) != MODE_LONG64)
		next &= 0xffffffff;
	if (c->probe) {
		uint64_t page = c->fault_gpa & ~PAGE_MASK_4K;

		c->hit |= translate(c, linear, write, &gpa) && (gpa & ~PAGE_MASK_4K) == page;
		c->hit |= first < size && translate(c, next, write, &gpa2) &&
			  (gpa2 & ~PAGE_MASK_4K) == page;
		*val = 0;
		return ++c->probed < PROBE_ACCESSES;
	}
	/* Both pages are translated before either is touched: a #PF on the
	 * second leaves the first as it was, as on hardware. */
	if (!translate(c, linear, write, &gpa) ||
	    (first < size && !translate(c, next, write, &gpa2)))
		return false;
	memcpy(buf, val, size);
	if (!piece(c, gpa, buf, first, write, first == size) ||
	    (first < size && !piece(c, gpa2, buf + first, size - first, write, false)))
		return false;
	if (!write) {
		*val = 0;
		memcpy(val, buf, size);
	}
	return true;
}

static bool emu_read(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	return access(ctx, linear, size, false, val);
}

static bool emu_write(void *ctx, uint64_t linear, unsigned size, uint64_t val)
{
	return access(ctx, linear, size, true, &val);
}

static const struct emu_ops ops = { emu_read, emu_write };

/* What could not be emulated gets #UD, as a CPU without the instruction
 * would give; the first few per VM are logged with their bytes. */
static void report_ud(struct vcpu *v, const uint8_t *bytes, size_t n, const char *why)
{
	char hex[3 * INSN_MAX_LEN + 1] = "";

	if (__atomic_fetch_add(&v->vm->ud_reports, 1, __ATOMIC_RELAXED) >= UD_REPORTS)
		return;
	for (size_t i = 0, o = 0; i < n && o + 4 <= sizeof(hex); i++)
		o += fmt_snprintf(hex + o, sizeof(hex) - o, "%s%02x", i ? " " : "", bytes[i]);
	log_warn("vm %s: vcpu%u: MMIO access at GPA %#lx by %s instruction at RIP %#lx (%s): #UD%s",
		 v->vm->name, v->index, v->vmcb->control.exitinfo2, why, v->vmcb->save.rip, hex,
		 v->vm->ud_reports == UD_REPORTS ? " (no more such reports for this VM)" : "");
}

/* The bytes at CS:RIP are not the instruction that faulted: flush the
 * vCPU's TLB and let it run again, through the page tables as they are.
 * Once: the same fault right after is emulated as it stands. */
static void retry(struct vcpu *v, uint64_t gpa)
{
	v->mmio_retry_rip = v->vmcb->save.rip;
	v->mmio_retry_gpa = gpa;
	asid_request_flush(&v->asid);
}

/* The CPU touched device space on its own, not as an instruction's
 * operand: delivering an event (the IDT gate, a descriptor, the TSS, the
 * handler's stack) or loading a descriptor. Hardware would read or write
 * the device; svmvisor does not emulate those accesses, so the VM ends as
 * crashed (on_crash applies), naming what the guest did, as KVM ends such
 * a VM with KVM_INTERNAL_ERROR_DELIVERY_EV. */
static void implicit_access(struct vcpu *v, uint64_t gpa)
{
	static const char *const kind[8] = {
		[0] = "external interrupt", [2] = "NMI", [3] = "exception", [4] = "software interrupt",
	};
	const struct vmcb_control *c = &v->vmcb->control;
	uint64_t ev = c->exitintinfo;
	char what[256];

	if (ev & EVENT_VALID)
		fmt_snprintf(what, sizeof(what),
			     "delivering %s %llu touched GPA %#lx outside RAM: an IDT, GDT, TSS or "
			     "stack in device space is not emulated",
			     kind[(ev & EVENT_TYPE_MASK) >> 8] ? kind[(ev & EVENT_TYPE_MASK) >> 8] : "event",
			     ev & EVENT_VECTOR_MASK, gpa);
	else
		fmt_snprintf(what, sizeof(what),
			     "the instruction at RIP %#lx touched GPA %#lx outside RAM beyond its "
			     "operands: a descriptor table, TSS or page table in device space is "
			     "not emulated",
			     v->vmcb->save.rip, gpa);
	vm_crashed(v, what);
}

void mmio_npf(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	uint64_t gpa = c->exitinfo2;
	struct mmio_ctx m = {
		.v = v, .fault_gpa = gpa,
		.trust_fault = v->mmio_retry_rip == v->vmcb->save.rip && v->mmio_retry_gpa == gpa,
	};
	uint8_t bytes[INSN_MAX_LEN];
	struct emu_cpu e;
	size_t n;

	v->npf_exits++;
	if (c->exitinfo1 & NPF_INFO1_ID || gpa < v->vm->mem) {
		/* Code in device space, or a fault inside RAM (never mapped
		 * that way): nothing an instruction could complete. */
		v->vm->faulted = true;
		vm_stop(v->vm, v, -1, "nested page fault at GPA %#lx (%s%s)%s", gpa,
			c->exitinfo1 & NPF_INFO1_W ? "write" : "read",
			c->exitinfo1 & NPF_INFO1_ID ? ", instruction fetch" : "",
			gpa < v->vm->mem ? ", inside RAM" : ", outside RAM: code cannot run from device space");
		return;
	}
	if (c->exitintinfo & EVENT_VALID) {
		implicit_access(v, gpa);
		return;
	}
	gmem_emu_out(v, &e);
	e.mode = gmem_cpu_mode(&v->vmcb->save);
	v->mmio_retry_rip = v->mmio_retry_gpa = ~0ull;
	if ((svm_caps.features & SVM_FEAT_DECODE_ASSISTS) && c->insn_len) {
		n = MIN((size_t)c->insn_len, sizeof(bytes));
		memcpy(bytes, c->insn_bytes, n);
		m.trust_fault = true;	/* the bytes the CPU ran */
	} else {
		enum cpu_mode mode;

		n = gmem_fetch_insn(v, bytes, &mode);
	}
	if (!m.trust_fault) {
		/* Would these bytes make an access to the faulting page? If not,
		 * they are not what ran (another vCPU rewrote them, or the CPU
		 * ran them through a TLB entry the guest has changed since), or
		 * the access was the CPU's own (a descriptor load, caught below
		 * once the bytes are trusted): run again, once. */
		struct mmio_ctx probe = { .v = v, .fault_gpa = gpa, .probe = true };
		struct emu_cpu scratch = e;

		emulate_insn(&scratch, bytes, n, &ops, &probe);
		if (!probe.hit) {
			retry(v, gpa);
			return;
		}
	}
	switch (emulate_insn(&e, bytes, n, &ops, &m)) {
	case EMU_DONE:
		gmem_emu_in(v, &e);
		c->interrupt_shadow = 0;	/* the instruction completed: its shadow is over */
		break;
	case EMU_FAULT:
		gmem_emu_in(v, &e);	/* REP iterations done so far stay done */
		if (m.stop) {
			v->vm->faulted = true;
			vm_stop(v->vm, v, -1, "%s of unassigned guest-physical address %#lx (strict=on)",
				c->exitinfo1 & NPF_INFO1_W ? "write" : "read", m.stop_gpa);
		} else if (m.pf) {
			inject_page_fault(v, m.pf_addr, m.pf_error);
		}
		break;
	case EMU_UNSUPPORTED: {
		struct insn in;

		if (insn_decode(bytes, n, e.mode, &in) == DECODE_OK && insn_loads_descriptor(&in)) {
			implicit_access(v, gpa);	/* the descriptor read faulted */
			break;
		}
		report_ud(v, bytes, n, "an unemulated");
		inject_exception(v, EXC_UD);
		break;
	}
	case EMU_BAD_BYTES:
		report_ud(v, bytes, n, "an undecodable");
		inject_exception(v, EXC_UD);
		break;
	}
}
