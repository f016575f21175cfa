/* SPDX-License-Identifier: BSD-2-Clause */
/* The rules of writes to CR0 and CR4, in the order APM Vol.3 "MOV CRn"
 * lists the #GP(0) conditions. */
#include <stddef.h>
#include "svm/crx.h"
#include "kernel/lib/x86_arch.h"

static bool long_mode(const struct crx_state *s)
{
	return s->efer & EFER_LMA;
}

const char *crx_cr0_fault(const struct crx_state *s, uint64_t val)
{
	if (s->cpl != 0)
		return "CPL is not 0";
	if (val >> 32)
		return "CR0[63:32] are not zero";
	if ((val & CR0_NW) && !(val & CR0_CD))
		return "NW is set without CD";
	if ((val & CR0_PG) && !(val & CR0_PE))
		return "PG is set without PE";
	if ((val & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME)) {
		if (!(s->cr4 & CR4_PAE))	/* APM Vol.2 14.6.1 */
			return "long mode needs CR4.PAE before paging";
		if (s->cs_l)
			return "long mode cannot be activated with CS.L set";
	}
	if (!(val & CR0_PG) && (s->cr0 & CR0_PG)) {
		if (long_mode(s) && s->cs_l)
			return "paging cannot be turned off in 64-bit mode";
		if (s->cr4 & CR4_PCIDE)
			return "paging cannot be turned off with CR4.PCIDE set";
	}
	return NULL;
}

uint64_t crx_cr0_value(uint64_t val)
{
	return (val & CR0_DEFINED) | CR0_ET;
}

uint64_t crx_efer_after_cr0(uint64_t efer, uint64_t cr0)
{
	if ((efer & EFER_LME) && (cr0 & CR0_PG))
		return efer | EFER_LMA;
	return efer & ~EFER_LMA;
}

const char *crx_cr4_fault(const struct crx_state *s, uint64_t val, uint64_t allowed)
{
	uint64_t changed = val ^ s->cr4;

	if (s->cpl != 0)
		return "CPL is not 0";
	if (val & ~allowed)
		return "a reserved bit, or one the guest's CPUID does not offer, is set";
	if (long_mode(s) && !(val & CR4_PAE))
		return "PAE cannot be cleared in long mode";
	if (long_mode(s) && (changed & CR4_LA57))
		return "LA57 cannot change in long mode";
	if ((changed & val & CR4_PCIDE) && (!long_mode(s) || (s->cr3 & 0xfff)))
		return "PCIDE needs long mode and CR3[11:0] zero";
	return NULL;
}

bool crx_flushes(unsigned n, uint64_t old, uint64_t new)
{
	uint64_t mask = n == 0 ? CR0_PG | CR0_WP | CR0_PE :
		CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_LA57;

	return (old ^ new) & mask;
}

uint64_t crx_lmsw(uint64_t cr0, uint16_t src)
{
	/* The low four bits come from src, except that PE stays set. */
	return (cr0 & ~(uint64_t)0xe) | (src & 0xf) | (cr0 & CR0_PE);
}

bool crx_decode(const struct insn *in, struct crx_insn *out)
{
	unsigned reg = (in->modrm >> 3) & 7;

	if (in->map != INSN_MAP_0F || in->vex_len)
		return false;
	switch (in->opcode[in->opcode_bytes - 1]) {
	case 0x22:	/* MOV CRn, reg: ModRM.mod is ignored (APM Vol.3 "MOV CRn") */
		out->op = CRX_MOV;
		out->cr = reg | (in->rex & REX_R ? 8 : 0) | (in->lock ? 8 : 0);
		out->gpr = (in->modrm & 7) | (in->rex & REX_B ? 8 : 0);
		return out->cr == 0 || out->cr == 4;
	case 0x01:	/* group 7: /6 is LMSW */
		out->op = CRX_LMSW;
		out->cr = 0;
		out->gpr = 0;
		return in->has_modrm && reg == 6;
	case 0x06:
		out->op = CRX_CLTS;
		out->cr = 0;
		out->gpr = 0;
		return true;
	default:
		return false;
	}
}
