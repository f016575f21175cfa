/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest memory as the exit handlers see it: guest-physical pointers, copies
 * through the guest's own page tables, the instruction at CS:RIP, and moving
 * RIP past the instruction that exited. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/x86_arch.h"
#include "svm/crx.h"
#include "svm/decode.h"
#include "svm/emulate.h"
#include "svm/svm.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

/* Guest-physical to host pointer for len bytes of guest RAM, or NULL: the
 * one translation every access to guest RAM goes through. The RAM is a few
 * host runs (mm/ramplace.h): NULL too where the bytes cross from one run to
 * the next; callers copying more than a page use vm_gpa_copy. */
static inline void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	return (void *)(uintptr_t)ram_hpa(&vm->ram, gpa, len);
}

/* Copies len bytes between buf and guest RAM at gpa (to_guest: into the
 * guest), across runs. False, copying nothing, unless all of it is RAM. */
static inline bool vm_gpa_copy(struct vm *vm, uint64_t gpa, void *buf, uint64_t len, bool to_guest)
{
	return ram_copy(&vm->ram, gpa, buf, len, to_guest);
}

/* The guest's EFER with LMA as the CPU defines it, LME and CR0.PG both
 * set (APM Vol.2 14.6.1). Bochs 2.7 saves EFER at #VMEXIT without LMA
 * while the guest runs in long mode; the mode and the page walk must not
 * trust the saved bit. */
static inline uint64_t gmem_efer(const struct vmcb_save *s)
{
	return crx_efer_after_cr0(s->efer, s->cr0);
}

/* The decoder's mode for the guest's current CS (svm/decode.h). */
enum cpu_mode gmem_cpu_mode(const struct vmcb_save *s);

/* Copies len bytes at the guest's linear address out of (to_guest false)
 * or into guest memory, page by page through the guest's own page tables.
 * Returns the bytes done: less than len where a page is not mapped. */
size_t gmem_linear_copy(struct vcpu *v, uint64_t linear, void *buf, size_t len, bool to_guest);

/* The guest's registers, RIP, RFLAGS and segment bases as the emulator
 * (svm/emulate.h) numbers them (the mode is the caller's), and back. */
void gmem_emu_out(const struct vcpu *v, struct emu_cpu *e);
void gmem_emu_in(struct vcpu *v, const struct emu_cpu *e);

/* The bytes at the guest's CS:RIP (up to INSN_MAX_LEN; fewer where the
 * next page is not mapped) and the mode to decode them in. */
size_t gmem_fetch_insn(struct vcpu *v, uint8_t bytes[INSN_MAX_LEN], enum cpu_mode *mode);

/* Moves RIP past the exiting instruction without decoding it: NRIP when
 * the CPU saves it, else, with paging off, the bare opcode (the exit says
 * which instruction ran) found in place at CS:RIP. False: decode instead.
 * Inline for vcpu_fast_exit: reads only the VMCB and guest RAM. */
static inline bool gmem_skip_quick(struct vcpu *v, const char *opcode, unsigned opcode_len)
{
	struct vmcb *vmcb = v->vmcb;
	uint64_t lin;
	const uint8_t *p;

	/* The instruction completes: an STI or MOV SS shadow that covered
	 * it is over (an injection must not wait behind a stale one). */
	vmcb->control.interrupt_shadow = 0;
	if (svm_caps.features & SVM_FEAT_NRIPS) {
		vmcb->save.rip = vmcb->control.nrip;
		return true;
	}
	if (vmcb->save.cr0 & CR0_PG)
		return false;
	lin = (vmcb->save.cs.base + vmcb->save.rip) & 0xffffffff;
	p = vm_gpa_ptr(v->vm, lin, opcode_len);
	if (!p)
		return false;
	for (unsigned i = 0; i < opcode_len; i++)
		if (p[i] != (uint8_t)opcode[i])
			return false;
	vmcb->save.rip += opcode_len;
	return true;
}

/* The length decoded from guest memory (prefixes, paging); an instruction
 * that cannot be decoded (its page vanished, garbage) stops the VM. */
void gmem_skip_decoded(struct vcpu *v, const char *opcode, unsigned opcode_len);

/* Moves RIP past the exiting instruction: gmem_skip_quick inline, else
 * gmem_skip_decoded. opcode is a string literal: its length is known at
 * compile time. */
#define gmem_skip(v, opcode)							\
	do {									\
		if (!gmem_skip_quick(v, opcode, sizeof(opcode) - 1))		\
			gmem_skip_decoded(v, opcode, sizeof(opcode) - 1);	\
	} while (0)
