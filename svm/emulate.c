/* SPDX-License-Identifier: BSD-2-Clause */
/* Instruction emulation for MMIO: AMD APM Vol.3 (instruction reference,
 * "Effective Addresses" in 1.4 and Vol.1 2.2), Intel SDM Vol.2 for the
 * forms both describe. See svm/emulate.h for the contract.
 *
 * One call executes one instruction:
 *
 *   insn_decode -> form (opcode, ModRM.reg) -> LOCK allowed? -> operand
 *   address (ModRM/SIB/disp or moffs, + segment base) -> reads -> result
 *   and flags -> writes -> registers, RFLAGS, RIP
 *
 * Guest state changes only after the last access succeeded, so a failing
 * callback leaves the instruction undone (EMU_FAULT) and the guest can
 * restart it after the caller injects the fault. REP string instructions
 * are the exception the hardware also makes: each iteration commits RCX,
 * RSI and RDI, so the iterations before a fault stay done.
 *
 * Flags the manuals leave undefined (APM Vol.3 Appendix E) get the values
 * an Intel Xeon gives in the differential tests (run unmasked, 100000 cases
 * agree), which sandpile.org's table also gives for Intel's older cores:
 *   AND, OR, XOR, TEST: AF = 0;
 *   BT, BTS, BTR, BTC:  OF, SF, AF, PF unchanged (only CF is written).
 * What AMD Zen does with them is not established here; no guest can rely
 * on them, and the differential tests mask them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/lib/x86_arch.h"
#include "svm/decode.h"
#include "svm/emulate.h"

/* Register numbers in encoding order (ModRM.reg/rm, SIB, REX extends). */
enum {
	GPR_AX, GPR_CX, GPR_DX, GPR_BX, GPR_SP, GPR_BP, GPR_SI, GPR_DI,
};

/* ALU operations, numbered as opcodes 00-3F and group 1 (80-83 /reg) do. */
enum {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
};

struct emu {
	struct emu_cpu *cpu;
	const struct emu_ops *ops;
	void *ctx;
	struct insn in;
	bool m64;
	uint64_t next_rip;	/* RIP past the instruction, wrapped to CS's size */
	enum emu_seg seg;	/* of the memory operand */
	uint64_t ea;		/* its effective address (offset in seg) */
	bool resume;		/* a REP stopped after a chunk: RIP stays */
};

static uint64_t emu_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t emu_sext(uint64_t v, unsigned size)
{
	uint64_t sign;

	if (size >= 8 || size == 0)
		return size ? v : 0;
	sign = 1ull << (8 * size - 1);
	v &= emu_mask(size);
	return (v ^ sign) - sign;
}

/* ---- registers ---- */

/* Without any REX, byte registers 4-7 are AH CH DH BH; with one (even a
 * bare 40) they are SPL BPL SIL DIL (APM Vol.3 1.2.7). insn.rex is zero
 * outside 64-bit mode and when the REX was not right before the opcode. */
static bool emu_is_high_byte(const struct emu *e, unsigned reg, unsigned size)
{
	return size == 1 && !e->in.rex && reg >= 4 && reg < 8;
}

static uint64_t emu_reg_read(const struct emu *e, unsigned reg, unsigned size)
{
	if (emu_is_high_byte(e, reg, size))
		return (e->cpu->gpr[reg - 4] >> 8) & 0xff;
	return e->cpu->gpr[reg] & emu_mask(size);
}

/* 8- and 16-bit writes keep the rest of the register; 32-bit writes zero
 * the upper half (APM Vol.1 3.1.2.3: in 64-bit mode by definition, outside
 * it the upper half is undefined, and zero is what 64-bit code then sees). */
static void emu_reg_write(struct emu *e, unsigned reg, unsigned size, uint64_t v)
{
	uint64_t *r = &e->cpu->gpr[reg];

	switch (size) {
	case 1:
		if (emu_is_high_byte(e, reg, size)) {
			r = &e->cpu->gpr[reg - 4];
			*r = (*r & ~0xff00ull) | (v & 0xff) << 8;
		} else {
			*r = (*r & ~0xffull) | (v & 0xff);
		}
		break;
	case 2:
		*r = (*r & ~0xffffull) | (v & 0xffff);
		break;
	case 4:
		*r = v & 0xffffffffull;
		break;
	default:
		*r = v;
		break;
	}
}

/* ModRM.reg with REX.R. */
static unsigned emu_modrm_reg(const struct emu *e)
{
	return ((e->in.modrm >> 3) & 7) | (e->in.rex & REX_R ? 8 : 0);
}

static unsigned emu_modrm_op(const struct emu *e)
{
	return (e->in.modrm >> 3) & 7;	/* the /digit of a group opcode */
}

/* ---- addresses ---- */

static enum emu_seg emu_seg_override(const struct emu *e, enum emu_seg dflt)
{
	switch (e->in.seg_override) {
	case 0x26: return EMU_ES;
	case 0x2e: return EMU_CS;
	case 0x36: return EMU_SS;
	case 0x3e: return EMU_DS;
	case 0x64: return EMU_FS;
	case 0x65: return EMU_GS;
	default:   return dflt;
	}
}

/* APM Vol.2 4.12: 64-bit mode adds only the FS and GS bases (the others are
 * treated as zero); elsewhere the linear address is 32 bits and wraps. */
static uint64_t emu_linear(const struct emu *e, enum emu_seg seg, uint64_t ea)
{
	if (e->m64)
		return seg == EMU_FS || seg == EMU_GS ? e->cpu->seg_base[seg] + ea : ea;
	return (e->cpu->seg_base[seg] + ea) & 0xffffffffull;
}

/* 16-bit addressing, APM Vol.3 Table A-33: base + index + disp, mod 2^16;
 * mod=00 rm=110 is disp16 alone; BP-based forms default to SS. */
static void emu_ea16(struct emu *e)
{
	static const int8_t base[8] = { GPR_BX, GPR_BX, GPR_BP, GPR_BP, -1, -1, GPR_BP, GPR_BX };
	static const int8_t index[8] = { GPR_SI, GPR_DI, GPR_SI, GPR_DI, GPR_SI, GPR_DI, -1, -1 };
	unsigned mod = e->in.modrm >> 6, rm = e->in.modrm & 7;
	uint64_t ea = e->in.disp;
	enum emu_seg dflt = EMU_DS;

	if (!(mod == 0 && rm == 6)) {
		if (base[rm] >= 0)
			ea += e->cpu->gpr[base[rm]];
		if (index[rm] >= 0)
			ea += e->cpu->gpr[index[rm]];
		if (base[rm] == GPR_BP)
			dflt = EMU_SS;
	}
	e->ea = ea & 0xffff;
	e->seg = emu_seg_override(e, dflt);
}

/* 32- and 64-bit addressing, APM Vol.3 1.4 and Tables: base +
 * index * scale + disp, mod 2^address size. SIB index 100 (without REX.X)
 * is none; SIB base 101 with mod=00 is disp32 alone; mod=00 rm=101 is
 * RIP-relative in 64-bit mode (from the next instruction, truncated with
 * 67) and disp32 alone elsewhere. rSP- and rBP-based forms default to SS. */
static void emu_ea32(struct emu *e)
{
	const struct insn *in = &e->in;
	unsigned mod = in->modrm >> 6, rm = in->modrm & 7;
	uint64_t ea = in->disp;
	enum emu_seg dflt = EMU_DS;
	int base = -1;

	if (in->rip_relative) {
		ea += e->next_rip;
	} else if (in->has_sib) {
		unsigned index = ((in->sib >> 3) & 7) | (in->rex & REX_X ? 8 : 0);

		if (!((in->sib & 7) == 5 && mod == 0))
			base = (in->sib & 7) | (in->rex & REX_B ? 8 : 0);
		if (index != GPR_SP)
			ea += e->cpu->gpr[index] << (in->sib >> 6);
	} else if (!(rm == 5 && mod == 0)) {
		base = rm | (in->rex & REX_B ? 8 : 0);
	}
	if (base >= 0) {
		ea += e->cpu->gpr[base];
		if (base == GPR_SP || base == GPR_BP)
			dflt = EMU_SS;
	}
	e->ea = ea & emu_mask(in->addr_size);
	e->seg = emu_seg_override(e, dflt);
}

/* ---- memory ---- */

static bool emu_read(struct emu *e, enum emu_seg seg, uint64_t ea, unsigned size, uint64_t *v)
{
	*v = 0;
	if (!e->ops->read(e->ctx, emu_linear(e, seg, ea), size, v))
		return false;
	*v &= emu_mask(size);
	return true;
}

static bool emu_write(struct emu *e, enum emu_seg seg, uint64_t ea, unsigned size, uint64_t v)
{
	return e->ops->write(e->ctx, emu_linear(e, seg, ea), size, v & emu_mask(size));
}

/* The ModRM memory operand. */
static bool emu_load(struct emu *e, unsigned size, uint64_t *v)
{
	return emu_read(e, e->seg, e->ea, size, v);
}

static bool emu_store(struct emu *e, unsigned size, uint64_t v)
{
	return emu_write(e, e->seg, e->ea, size, v);
}

/* ---- flags ---- */

static bool emu_parity(uint64_t v)
{
	v &= 0xff;
	v ^= v >> 4;
	return !((0x6996u >> (v & 0xf)) & 1);	/* PF: even number of ones */
}

static void emu_set_flags(struct emu *e, uint64_t mask, uint64_t flags)
{
	e->cpu->rflags = (e->cpu->rflags & ~mask) | (flags & mask);
}

/* ZF, SF and PF of a result, APM Vol.1 3.1.4. */
static uint64_t emu_flags_zsp(uint64_t r, unsigned size)
{
	uint64_t f = 0;

	r &= emu_mask(size);
	if (!r)
		f |= EMU_RFLAGS_ZF;
	if (r >> (8 * size - 1))
		f |= EMU_RFLAGS_SF;
	if (emu_parity(r))
		f |= EMU_RFLAGS_PF;
	return f;
}

/* One ALU operation on size-byte operands: the result, and in *flags all
 * six arithmetic flags. CF is the carry (borrow) out of the top bit, OF the
 * signed overflow, AF the carry (borrow) out of bit 3: bit 4 of a ^ b ^ r
 * whatever the carry-in. The logic operations clear CF and OF; AF is
 * undefined there (APM Vol.3 AND) and set to 0. */
static uint64_t emu_alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t rflags,
			uint64_t *flags)
{
	const uint64_t m = emu_mask(size), sign = 1ull << (8 * size - 1);
	uint64_t r, c, f = 0;
	bool cf = false, of = false, af = false;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
		c = op == ALU_ADC && (rflags & EMU_RFLAGS_CF);
		r = (a + b + c) & m;
		cf = r < a || (c && r == a);
		of = (a ^ r) & (b ^ r) & sign;
		af = (a ^ b ^ r) & 0x10;
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
		c = op == ALU_SBB && (rflags & EMU_RFLAGS_CF);
		r = (a - b - c) & m;
		cf = a < b || (c && a == b);
		of = (a ^ b) & (a ^ r) & sign;
		af = (a ^ b ^ r) & 0x10;
		break;
	case ALU_OR:
		r = a | b;
		break;
	case ALU_AND:
		r = a & b;
		break;
	default:	/* ALU_XOR */
		r = a ^ b;
		break;
	}
	f = emu_flags_zsp(r, size);
	if (cf)
		f |= EMU_RFLAGS_CF;
	if (of)
		f |= EMU_RFLAGS_OF;
	if (af)
		f |= EMU_RFLAGS_AF;
	*flags = f;
	return r;
}

/* ---- forms ---- */

/* Operand size of an opcode pair whose even member is the byte form. */
static unsigned emu_size_bw(const struct emu *e, uint8_t op)
{
	return op & 1 ? e->in.op_size : 1;
}

/* The immediate, sign-extended from its encoded size (81, C7, F7: iz is
 * imm32 sign-extended to 64 bits under REX.W; 83: ib). */
static uint64_t emu_imm(const struct emu *e)
{
	return emu_sext(e->in.imm, e->in.imm_bytes);
}

/* 00-3B with a memory operand: op r/m, reg (bit 1 clear) or op reg, r/m. */
static enum emu_status emu_alu_modrm(struct emu *e, uint8_t opc)
{
	unsigned op = opc >> 3, size = emu_size_bw(e, opc), reg = emu_modrm_reg(e);
	bool to_reg = opc & 2;
	uint64_t m, r, flags;

	if (e->in.lock && (to_reg || op == ALU_CMP))
		return EMU_UNSUPPORTED;
	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	if (to_reg) {
		r = emu_alu(op, emu_reg_read(e, reg, size), m, size, e->cpu->rflags, &flags);
		if (op != ALU_CMP)
			emu_reg_write(e, reg, size, r);
	} else {
		r = emu_alu(op, m, emu_reg_read(e, reg, size), size, e->cpu->rflags, &flags);
		if (op != ALU_CMP && !emu_store(e, size, r))
			return EMU_FAULT;
	}
	emu_set_flags(e, EMU_RFLAGS_ARITH, flags);
	return EMU_DONE;
}

/* 80-83: op r/m, imm. */
static enum emu_status emu_group1(struct emu *e, uint8_t opc)
{
	unsigned op = emu_modrm_op(e), size = opc == 0x81 || opc == 0x83 ? e->in.op_size : 1;
	uint64_t m, r, flags;

	if (e->in.lock && op == ALU_CMP)
		return EMU_UNSUPPORTED;
	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	r = emu_alu(op, m, emu_imm(e), size, e->cpu->rflags, &flags);
	if (op != ALU_CMP && !emu_store(e, size, r))
		return EMU_FAULT;
	emu_set_flags(e, EMU_RFLAGS_ARITH, flags);
	return EMU_DONE;
}

/* 84/85 TEST r/m, reg; F6/F7 /0 /1 TEST r/m, imm (/1 is an alias AMD and
 * Intel both execute). */
static enum emu_status emu_test(struct emu *e, unsigned size, uint64_t b)
{
	uint64_t m, flags;

	if (e->in.lock)
		return EMU_UNSUPPORTED;
	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	emu_alu(ALU_AND, m, b, size, e->cpu->rflags, &flags);
	emu_set_flags(e, EMU_RFLAGS_ARITH, flags);
	return EMU_DONE;
}

/* F6/F7 /2 NOT (no flags), /3 NEG (flags of 0 - m; CF = m != 0). */
static enum emu_status emu_not_neg(struct emu *e, unsigned size, bool neg)
{
	uint64_t m, r, flags = 0;

	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	if (neg)
		r = emu_alu(ALU_SUB, 0, m, size, e->cpu->rflags, &flags);
	else
		r = ~m;
	if (!emu_store(e, size, r))
		return EMU_FAULT;
	if (neg)
		emu_set_flags(e, EMU_RFLAGS_ARITH, flags);
	return EMU_DONE;
}

/* FE/FF /0 INC, /1 DEC: ADD/SUB 1 that leave CF alone. */
static enum emu_status emu_inc_dec(struct emu *e, unsigned size, bool dec)
{
	uint64_t m, r, flags;

	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	r = emu_alu(dec ? ALU_SUB : ALU_ADD, m, 1, size, e->cpu->rflags, &flags);
	if (!emu_store(e, size, r))
		return EMU_FAULT;
	emu_set_flags(e, EMU_RFLAGS_ARITH & ~EMU_RFLAGS_CF, flags);
	return EMU_DONE;
}

/* 86/87 XCHG r/m, reg: locked whether or not LOCK is there. */
static enum emu_status emu_xchg(struct emu *e, unsigned size)
{
	unsigned reg = emu_modrm_reg(e);
	uint64_t m;

	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	if (!emu_store(e, size, emu_reg_read(e, reg, size)))
		return EMU_FAULT;
	emu_reg_write(e, reg, size, m);
	return EMU_DONE;
}

/* MOV, MOVZX, MOVSX, MOVSXD loads: reg = extend(m). */
static enum emu_status emu_load_reg(struct emu *e, unsigned src_size, unsigned dst_size,
				    bool sign)
{
	uint64_t m;

	if (e->in.lock)
		return EMU_UNSUPPORTED;
	if (!emu_load(e, src_size, &m))
		return EMU_FAULT;
	emu_reg_write(e, emu_modrm_reg(e), dst_size, sign ? emu_sext(m, src_size) : m);
	return EMU_DONE;
}

static enum emu_status emu_store_val(struct emu *e, unsigned size, uint64_t v)
{
	if (e->in.lock)
		return EMU_UNSUPPORTED;
	return emu_store(e, size, v) ? EMU_DONE : EMU_FAULT;
}

/* A0-A3 MOV between rAX and [seg:moffs]: the offset has the address size
 * (8 bytes in 64-bit mode, 4 with 67) and no ModRM. */
static enum emu_status emu_moffs(struct emu *e, uint8_t opc)
{
	unsigned size = emu_size_bw(e, opc);
	uint64_t m;

	if (e->in.lock)
		return EMU_UNSUPPORTED;
	e->seg = emu_seg_override(e, EMU_DS);
	e->ea = e->in.disp & emu_mask(e->in.addr_size);
	if (opc >= 0xa2)
		return emu_store(e, size, emu_reg_read(e, GPR_AX, size)) ? EMU_DONE : EMU_FAULT;
	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	emu_reg_write(e, GPR_AX, size, m);
	return EMU_DONE;
}

/* BT BTS BTR BTC (0F A3/AB/B3/BB with a register offset, 0F BA /4-/7 with
 * imm8). op: 0 BT, 1 BTS, 2 BTR, 3 BTC. CF = the bit; OF SF AF PF are
 * undefined (APM Vol.3 BT) and left unchanged, ZF is unaffected.
 *
 * A register offset is a signed operand-size integer that can reach outside
 * the operand (APM Vol.3 BT, SDM Vol.2 "BT"): the operand read is the one
 * at ea + size * floor(offset / (8 * size)), the bit offset mod 8 * size
 * within it, the address arithmetic wrapping at the address size. An imm8
 * offset is taken mod 8 * size and never moves the operand. */
static enum emu_status emu_bt(struct emu *e, unsigned op, bool imm)
{
	unsigned size = e->in.op_size, bits = 8 * size, shift = size == 2 ? 4 : size == 4 ? 5 : 6;
	uint64_t m, bit, r = 0;

	if (e->in.lock && op == 0)
		return EMU_UNSUPPORTED;
	if (imm) {
		bit = e->in.imm & (bits - 1);
	} else {
		int64_t off = (int64_t)emu_sext(emu_reg_read(e, emu_modrm_reg(e), size), size);

		/* >> of a negative value is arithmetic in GCC and clang: floor */
		e->ea = (e->ea + (uint64_t)(off >> shift) * size) & emu_mask(e->in.addr_size);
		bit = (uint64_t)off & (bits - 1);
	}
	if (!emu_load(e, size, &m))
		return EMU_FAULT;
	switch (op) {
	case 1: r = m | 1ull << bit; break;
	case 2: r = m & ~(1ull << bit); break;
	case 3: r = m ^ 1ull << bit; break;
	}
	if (op && !emu_store(e, size, r))
		return EMU_FAULT;
	emu_set_flags(e, EMU_RFLAGS_CF, (m >> bit) & 1 ? EMU_RFLAGS_CF : 0);
	return EMU_DONE;
}

/* ---- string instructions ---- */

/* An address-size register of a string instruction: the low 16, 32 or 64
 * bits, written back the same way (16 keeps the upper bits, 32 zeroes them). */
static uint64_t emu_areg(const struct emu *e, unsigned reg)
{
	return e->cpu->gpr[reg] & emu_mask(e->in.addr_size);
}

static void emu_areg_add(struct emu *e, unsigned reg, uint64_t delta)
{
	emu_reg_write(e, reg, e->in.addr_size, emu_areg(e, reg) + delta);
}

/* MOVS A4/A5, CMPS A6/A7, STOS AA/AB, LODS AC/AD, SCAS AE/AF (APM Vol.3
 * "MOVS" etc.). The source is seg:rSI (DS unless overridden), the
 * destination ES:rDI (no override); both step by the size, down when
 * RFLAGS.DF is set. With F3 or F2 (REP; for CMPS/SCAS F3 is REPE, F2 REPNE)
 * rCX counts the iterations: each iteration commits rSI, rDI and rCX, as
 * the hardware does, and at most EMU_REP_CHUNK run per call; RIP advances
 * once rCX is 0 or the CMPS/SCAS condition ends the loop. */
static enum emu_status emu_string(struct emu *e, uint8_t opc)
{
	const unsigned size = emu_size_bw(e, opc), kind = opc & 0xfe;
	const uint64_t delta = e->cpu->rflags & RFLAGS_DF ? -(uint64_t)size : size;
	const enum emu_seg src = emu_seg_override(e, EMU_DS);
	const bool rep = e->in.rep, cmp = kind == 0xa6 || kind == 0xae;
	uint64_t a, b, flags;

	if (e->in.lock)
		return EMU_UNSUPPORTED;
	/* With a 32-bit address size in 64-bit mode every iteration writes
	 * ECX, ESI and EDI as 32-bit registers (zeroing their upper halves);
	 * with ECX = 0 nothing runs and nothing is written. That is what AMD
	 * CPUs do (the only ones svmvisor runs on; the manuals say nothing).
	 * Intel's also zero the upper halves when nothing runs:
	 * tests/unit/test_emulate.c allows for that on an Intel host. */
	for (unsigned n = 0; n < EMU_REP_CHUNK; n++) {
		if (rep && !emu_areg(e, GPR_CX))
			break;
		switch (kind) {
		case 0xa4:	/* MOVS */
			if (!emu_read(e, src, emu_areg(e, GPR_SI), size, &a) ||
			    !emu_write(e, EMU_ES, emu_areg(e, GPR_DI), size, a))
				return EMU_FAULT;
			emu_areg_add(e, GPR_SI, delta);
			emu_areg_add(e, GPR_DI, delta);
			break;
		case 0xaa:	/* STOS */
			if (!emu_write(e, EMU_ES, emu_areg(e, GPR_DI), size,
				       emu_reg_read(e, GPR_AX, size)))
				return EMU_FAULT;
			emu_areg_add(e, GPR_DI, delta);
			break;
		case 0xac:	/* LODS */
			if (!emu_read(e, src, emu_areg(e, GPR_SI), size, &a))
				return EMU_FAULT;
			emu_reg_write(e, GPR_AX, size, a);
			emu_areg_add(e, GPR_SI, delta);
			break;
		case 0xa6:	/* CMPS: [rSI] - [rDI] */
			if (!emu_read(e, src, emu_areg(e, GPR_SI), size, &a) ||
			    !emu_read(e, EMU_ES, emu_areg(e, GPR_DI), size, &b))
				return EMU_FAULT;
			emu_alu(ALU_CMP, a, b, size, e->cpu->rflags, &flags);
			emu_set_flags(e, EMU_RFLAGS_ARITH, flags);
			emu_areg_add(e, GPR_SI, delta);
			emu_areg_add(e, GPR_DI, delta);
			break;
		default:	/* 0xae SCAS: rAX - [rDI] */
			if (!emu_read(e, EMU_ES, emu_areg(e, GPR_DI), size, &b))
				return EMU_FAULT;
			emu_alu(ALU_CMP, emu_reg_read(e, GPR_AX, size), b, size, e->cpu->rflags,
				&flags);
			emu_set_flags(e, EMU_RFLAGS_ARITH, flags);
			emu_areg_add(e, GPR_DI, delta);
			break;
		}
		if (!rep)
			return EMU_DONE;
		emu_areg_add(e, GPR_CX, -1ull);
		if (cmp && !!(e->cpu->rflags & EMU_RFLAGS_ZF) != (e->in.rep == 0xf3))
			return EMU_DONE;	/* REPE saw a difference, REPNE a match */
	}
	/* a chunk done and rCX left: RIP stays, and the guest comes back here */
	e->resume = rep && emu_areg(e, GPR_CX);
	return EMU_DONE;
}

/* ---- dispatch ---- */

/* One-byte map. mod = 3 (register operand) never reaches here. */
static enum emu_status emu_map1(struct emu *e, uint8_t opc)
{
	unsigned op = emu_modrm_op(e), size = emu_size_bw(e, opc);

	switch (opc) {
	case 0x00 ... 0x03: case 0x08 ... 0x0b: case 0x10 ... 0x13: case 0x18 ... 0x1b:
	case 0x20 ... 0x23: case 0x28 ... 0x2b: case 0x30 ... 0x33: case 0x38 ... 0x3b:
		return emu_alu_modrm(e, opc);
	case 0x63:	/* MOVSXD in 64-bit mode; ARPL elsewhere */
		if (!e->m64)
			return EMU_UNSUPPORTED;
		return emu_load_reg(e, e->in.rex_w ? 4 : e->in.op_size, e->in.op_size, true);
	case 0x80 ... 0x83:	/* 82: an alias of 80, invalid in 64-bit mode */
		return emu_group1(e, opc);
	case 0x84: case 0x85:
		return emu_test(e, size, emu_reg_read(e, emu_modrm_reg(e), size));
	case 0x86: case 0x87:
		return emu_xchg(e, size);
	case 0x88: case 0x89:
		return emu_store_val(e, size, emu_reg_read(e, emu_modrm_reg(e), size));
	case 0x8a: case 0x8b:
		return emu_load_reg(e, size, size, false);
	case 0xc6: case 0xc7:	/* /0 MOV r/m, imm; the rest #UD with a memory operand */
		if (op != 0)
			return EMU_UNSUPPORTED;
		return emu_store_val(e, size, emu_imm(e));
	case 0xf6: case 0xf7:
		if (op <= 1)
			return emu_test(e, size, emu_imm(e));
		if (op <= 3)
			return emu_not_neg(e, size, op == 3);
		return EMU_UNSUPPORTED;		/* MUL IMUL DIV IDIV */
	case 0xfe: case 0xff:
		if (op <= 1)
			return emu_inc_dec(e, size, op == 1);
		return EMU_UNSUPPORTED;		/* CALL JMP PUSH, or #UD */
	default:
		return EMU_UNSUPPORTED;
	}
}

static enum emu_status emu_map0f(struct emu *e, uint8_t opc)
{
	unsigned op = emu_modrm_op(e);

	switch (opc) {
	case 0xa3: return emu_bt(e, 0, false);
	case 0xab: return emu_bt(e, 1, false);
	case 0xb3: return emu_bt(e, 2, false);
	case 0xbb: return emu_bt(e, 3, false);
	case 0xba:	/* /4-/7 BT BTS BTR BTC imm8; /0-/3 #UD */
		return op >= 4 ? emu_bt(e, op - 4, true) : EMU_UNSUPPORTED;
	case 0xb6: case 0xb7:
		return emu_load_reg(e, opc & 1 ? 2 : 1, e->in.op_size, false);
	case 0xbe: case 0xbf:
		return emu_load_reg(e, opc & 1 ? 2 : 1, e->in.op_size, true);
	default:
		return EMU_UNSUPPORTED;
	}
}

enum emu_status emulate_insn(struct emu_cpu *cpu, const uint8_t *bytes, size_t avail,
			     const struct emu_ops *ops, void *ctx)
{
	struct emu e = { .cpu = cpu, .ops = ops, .ctx = ctx };
	enum emu_status st;
	uint8_t opc;

	if ((unsigned)cpu->mode > MODE_LONG64)
		return EMU_UNSUPPORTED;
	if (insn_decode(bytes, avail, cpu->mode, &e.in) != DECODE_OK)
		return EMU_BAD_BYTES;
	e.m64 = cpu->mode == MODE_LONG64;
	/* RIP wraps at the code segment's size: 16 bits for a 16-bit one */
	e.next_rip = cpu->rip + e.in.len;
	if (!e.m64)
		e.next_rip &= cpu->mode == MODE_PROT32 ? 0xffffffffull : 0xffffull;

	if (e.in.vex_len)
		return EMU_UNSUPPORTED;
	opc = e.in.opcode[e.in.opcode_bytes - 1];
	if (e.in.map == INSN_MAP_1BYTE && (opc & 0xf0) == 0xa0 && opc != 0xa8 && opc != 0xa9) {
		/* A0-A3 moffs, A4-A7 and AA-AF strings: no ModRM */
		st = opc <= 0xa3 ? emu_moffs(&e, opc) : emu_string(&e, opc);
	} else {
		if (!e.in.has_modrm || e.in.modrm >> 6 == 3)
			return EMU_UNSUPPORTED;
		if (e.in.addr_size == 2)
			emu_ea16(&e);
		else
			emu_ea32(&e);
		if (e.in.map == INSN_MAP_1BYTE)
			st = emu_map1(&e, opc);
		else if (e.in.map == INSN_MAP_0F)
			st = emu_map0f(&e, opc);
		else
			st = EMU_UNSUPPORTED;
	}
	if (st == EMU_DONE && !e.resume)
		cpu->rip = e.next_rip;
	return st;
}

enum emu_status emulate_read_rm(struct emu_cpu *cpu, const uint8_t *bytes, size_t avail,
				const struct emu_ops *ops, void *ctx, unsigned size,
				struct insn *in, uint64_t *val)
{
	struct emu e = { .cpu = cpu, .ops = ops, .ctx = ctx };

	if ((unsigned)cpu->mode > MODE_LONG64)
		return EMU_UNSUPPORTED;
	if (insn_decode(bytes, avail, cpu->mode, &e.in) != DECODE_OK)
		return EMU_BAD_BYTES;
	*in = e.in;
	if (!e.in.has_modrm || e.in.vex_len)
		return EMU_UNSUPPORTED;
	if (e.in.modrm >> 6 == 3) {
		*val = emu_reg_read(&e, (e.in.modrm & 7) | (e.in.rex & REX_B ? 8 : 0), size);
		return EMU_DONE;
	}
	e.m64 = cpu->mode == MODE_LONG64;
	e.next_rip = cpu->rip + e.in.len;	/* for RIP-relative forms */
	if (!e.m64)
		e.next_rip &= cpu->mode == MODE_PROT32 ? 0xffffffffull : 0xffffull;
	if (e.in.addr_size == 2)
		emu_ea16(&e);
	else
		emu_ea32(&e);
	return emu_load(&e, size, val) ? EMU_DONE : EMU_FAULT;
}
