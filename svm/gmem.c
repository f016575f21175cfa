/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest memory for the exit handlers: reads and writes through the guest's
 * page tables (svm/gwalk.c) and instruction lengths for CPUs without NRIP
 * save (svm/decode.c). */
#include "svm/gmem.h"
#include "kernel/lib/lib.h"
#include "svm/gwalk.h"

static bool read_guest(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_ptr(ctx, gpa, len);

	if (p)
		memcpy(buf, p, len);
	return p != NULL;
}

enum cpu_mode gmem_cpu_mode(const struct vmcb_save *s)
{
	return !(s->cr0 & CR0_PE) ? MODE_REAL16 :
	       (gmem_efer(s) & EFER_LMA) && (s->cs.attrib & SEG_L) ? MODE_LONG64 :
	       (s->cs.attrib & SEG_DB) ? MODE_PROT32 : MODE_PROT16;
}

size_t gmem_linear_copy(struct vcpu *v, uint64_t linear, void *buf, size_t len, bool to_guest)
{
	const struct vmcb_save *s = &v->vmcb->save;
	struct gwalk_regs r = { s->cr0, s->cr3, s->cr4, gmem_efer(s), 0 };
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

size_t gmem_fetch_insn(struct vcpu *v, uint8_t bytes[INSN_MAX_LEN], enum cpu_mode *mode)
{
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t linear;

	*mode = gmem_cpu_mode(s);
	linear = (*mode == MODE_LONG64 ? 0 : s->cs.base) + s->rip;
	if (*mode != MODE_LONG64)
		linear &= 0xffffffff;
	return gmem_linear_copy(v, linear, bytes, INSN_MAX_LEN, false);
}

/* The length of the instruction at the guest's CS:RIP, decoded from guest
 * memory through the guest's own page tables; 0 if it cannot be read or
 * decoded. For CPUs without NRIP save (QEMU). The exit says which
 * instruction ran: without prefixes it is exactly the expected bytes. */
static unsigned insn_length(struct vcpu *v, const uint8_t *expect, unsigned expect_len)
{
	uint8_t bytes[INSN_MAX_LEN];
	enum cpu_mode mode;
	size_t got = gmem_fetch_insn(v, bytes, &mode);
	struct insn insn;

	if (got >= expect_len && !memcmp(bytes, expect, expect_len))
		return expect_len;
	if (insn_decode(bytes, got, mode, &insn) != DECODE_OK)
		return 0;
	return insn.len;
}

void gmem_skip_decoded(struct vcpu *v, const char *opcode, unsigned opcode_len)
{
	unsigned len = insn_length(v, (const uint8_t *)opcode, opcode_len);

	if (!len)
		vm_stop(v->vm, v, -1, "cannot decode the instruction at RIP %#lx", v->vmcb->save.rip);
	v->vmcb->save.rip += len;
}

void gmem_emu_out(const struct vcpu *v, struct emu_cpu *e)
{
	const struct vmcb_save *s = &v->vmcb->save;
	const struct guest_regs *g = &v->regs;

	e->gpr[0] = s->rax;
	e->gpr[1] = g->rcx;
	e->gpr[2] = g->rdx;
	e->gpr[3] = g->rbx;
	e->gpr[4] = s->rsp;
	e->gpr[5] = g->rbp;
	e->gpr[6] = g->rsi;
	e->gpr[7] = g->rdi;
	memcpy(&e->gpr[8], &g->r8, 8 * sizeof(uint64_t));
	e->rip = s->rip;
	e->rflags = s->rflags;
	e->seg_base[EMU_ES] = s->es.base;
	e->seg_base[EMU_CS] = s->cs.base;
	e->seg_base[EMU_SS] = s->ss.base;
	e->seg_base[EMU_DS] = s->ds.base;
	e->seg_base[EMU_FS] = s->fs.base;
	e->seg_base[EMU_GS] = s->gs.base;
}

void gmem_emu_in(struct vcpu *v, const struct emu_cpu *e)
{
	struct vmcb_save *s = &v->vmcb->save;
	struct guest_regs *g = &v->regs;

	s->rax = e->gpr[0];
	g->rcx = e->gpr[1];
	g->rdx = e->gpr[2];
	g->rbx = e->gpr[3];
	s->rsp = e->gpr[4];
	g->rbp = e->gpr[5];
	g->rsi = e->gpr[6];
	g->rdi = e->gpr[7];
	memcpy(&g->r8, &e->gpr[8], 8 * sizeof(uint64_t));
	s->rip = e->rip;
	s->rflags = e->rflags;
}
