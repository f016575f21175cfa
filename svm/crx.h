/* SPDX-License-Identifier: BSD-2-Clause */
/* A guest's writes to CR0 and CR4 (MOV CRn, LMSW, CLTS). The VMCB holds
 * the guest's control registers, so the CPU would take most writes without
 * an exit; the hypervisor intercepts CR4 writes and the CR0 writes that
 * change more than TS and MP, because an emulator may accept a value real
 * hardware refuses (QEMU takes a reserved CR4 bit, or NW without CD) and
 * the next VMRUN would then fail its consistency checks (VMEXIT_INVALID)
 * instead of the guest getting its #GP. The rules are those of APM Vol.3
 * "MOV CRn" and Vol.2 3.1.1-3.1.3 and 14.6 (long mode activation). Pure:
 * one source built into the hypervisor, the host unit tests and the
 * exit-path fuzzer; svm/exits.c applies the outcome. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "svm/decode.h"

/* The guest state the rules read. */
struct crx_state {
	uint64_t cr0, cr3, cr4, efer;
	unsigned cpl;
	bool cs_l;		/* CS.L: 64-bit code when EFER.LMA */
};

/* CR0 bits a write keeps: the defined ones (APM Vol.2 3.1.1). The other
 * bits of CR0[31:0] are reserved and writes to them are ignored; ET reads
 * as 1 whatever is written. */
#define CR0_DEFINED 0xe005003full

/* NULL when the guest may write val to CR0, else the reason it takes a
 * #GP(0) instead. */
const char *crx_cr0_fault(const struct crx_state *s, uint64_t val);

/* CR0 as it is after an accepted write of val: reserved bits dropped, ET
 * set. */
uint64_t crx_cr0_value(uint64_t val);

/* EFER after CR0 became cr0: LMA is LME with paging on (APM Vol.2 14.6). */
uint64_t crx_efer_after_cr0(uint64_t efer, uint64_t cr0);

/* NULL when the guest may write val to CR4, else the reason for the #GP(0).
 * allowed: the CR4 bits its CPUID offers (cpuid_cr4_allowed()). */
const char *crx_cr4_fault(const struct crx_state *s, uint64_t val, uint64_t allowed);

/* Must the guest's TLB entries go after CRn changed from old to new? (Paging
 * mode, WP, global pages, PCIDE, SMEP/SMAP/PKE: what the CPU itself flushes
 * for, APM Vol.2 5.5.3.) n is 0 or 4. */
bool crx_flushes(unsigned n, uint64_t old, uint64_t new);

/* The instruction that wrote CR0 or CR4, from its decoded bytes. */
enum crx_op {
	CRX_MOV,	/* MOV CRn, reg: the register's value */
	CRX_LMSW,	/* LMSW r/m16: PE (set only), MP, EM, TS from the source */
	CRX_CLTS,	/* CLTS: TS cleared */
};

struct crx_insn {
	enum crx_op op;
	unsigned cr;	/* the register written: 0, or 4 for MOV CR4 */
	unsigned gpr;	/* CRX_MOV: the source register, in encoding order (REX.B) */
};

/* What a decoded instruction writes: false when it is not MOV CR0/CR4,
 * LMSW or CLTS (AMD's LOCK MOV CR0 is MOV CR8, which is not intercepted). */
bool crx_decode(const struct insn *in, struct crx_insn *out);

/* CR0 after LMSW with src from cr0 (APM Vol.3 LMSW: PE cannot be cleared). */
uint64_t crx_lmsw(uint64_t cr0, uint16_t src);
