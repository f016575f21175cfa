/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 instruction length decoder: AMD APM Vol. 3, chapter 1 (encoding) and
 * Appendix A (opcode maps); Intel SDM Vol. 2, chapter 2 and Appendix A for
 * VEX/EVEX.
 *
 * An instruction is, in this order:
 *
 *   legacy prefixes  REX  opcode            ModRM  SIB  disp      imm
 *   0..14 bytes      0/1  1-3 bytes, or     0/1    0/1  0,1,2,4   0..8
 *                         VEX/EVEX/XOP + 1              (moffs 8)
 *
 * The prefix loop eats legacy prefixes and REX bytes; a REX counts only if
 * the opcode follows it directly (SDM Vol.2 2.2.1; APM Vol.3 "REX Prefix"),
 * otherwise it is ignored. The opcode then selects a table entry that says
 * whether ModRM follows and which immediate; ModRM and the address size say
 * whether SIB and how much displacement follow. Every read first checks the
 * byte is below both avail and 15, so the decoder stops at the first byte it
 * lacks.
 *
 * Undefined opcodes are DECODE_INVALID in the one-byte and 0F maps. The
 * three-byte maps (0F 38, 0F 3A) and the VEX/EVEX/XOP maps have one form
 * each (ModRM, and imm8 in 0F 3A), so every opcode there decodes by it and
 * undefined ones are left to the CPU's #UD: they never reach an intercept
 * that needs their length. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "svm/decode.h"

/* Immediate (or moffs) that follows the opcode, ModRM, SIB and disp. */
enum imm_kind {
	IMM_NONE,
	IMM_B,		/* ib */
	IMM_W,		/* iw: RET/RETF imm16 */
	IMM_Z,		/* iz: 2 bytes if op_size is 2, else 4 (imm32 sign-extended to 64) */
	IMM_V,		/* iv: op_size bytes: MOV r, imm (B8+r), imm64 with REX.W */
	IMM_MOFFS,	/* addr_size bytes, as an absolute offset: MOV A0-A3 */
	IMM_ENTER,	/* iw, ib */
	IMM_FAR,	/* ptr16:16 or ptr16:32 by op_size: CALL/JMP far */
	IMM_GRP3B,	/* ib if ModRM.reg is 0 or 1 (TEST), else none: F6 */
	IMM_GRP3Z,	/* iz if ModRM.reg is 0 or 1 (TEST), else none: F7 */
	IMM_D,		/* id whatever the operand size: XOP map 0A */
	IMM_BB,		/* ib, ib: SSE4a EXTRQ/INSERTQ */
};

/* The opcode tables, one byte per opcode:
 *   bits 3:0  enum imm_kind
 *   bit 4  M    a ModRM byte follows (then SIB and displacement by its mod/rm)
 *   bit 5  I64  invalid in 64-bit mode (the "i64" of SDM Vol.2 Appendix A)
 *   bit 6  UD   undefined in every mode
 *   bit 7  SP   special-cased in insn_decode(): escapes, VEX/EVEX/XOP, MOV
 *               to/from CR/DR (mod ignored), 0F 78 (imm by prefix)
 * Prefixes (PF) never reach the table: the prefix loop has consumed them,
 * and 40-4F too in 64-bit mode, where they are REX. */
#define IMM_MASK 0x0f
#define M   0x10
#define I64 0x20
#define UD  0x40
#define SP  0x80
#define PF  0
#define B   IMM_B
#define W   IMM_W
#define Z   IMM_Z
#define V   IMM_V
#define O   IMM_MOFFS
#define EN  IMM_ENTER
#define FP  IMM_FAR
#define G3B IMM_GRP3B
#define G3Z IMM_GRP3Z

/* APM Vol.3 Table A-1 and A-2 (one-byte opcodes). */
static const uint8_t map1[256] = {
/*        0       1       2       3       4       5       6       7 */
/* 00 */ M,      M,      M,      M,      B,      Z,      I64,    I64,
/* 08 */ M,      M,      M,      M,      B,      Z,      I64,    SP,
/* 10 */ M,      M,      M,      M,      B,      Z,      I64,    I64,
/* 18 */ M,      M,      M,      M,      B,      Z,      I64,    I64,
/* 20 */ M,      M,      M,      M,      B,      Z,      PF,     I64,
/* 28 */ M,      M,      M,      M,      B,      Z,      PF,     I64,
/* 30 */ M,      M,      M,      M,      B,      Z,      PF,     I64,
/* 38 */ M,      M,      M,      M,      B,      Z,      PF,     I64,
/* 40 */ 0,      0,      0,      0,      0,      0,      0,      0,
/* 48 */ 0,      0,      0,      0,      0,      0,      0,      0,
/* 50 */ 0,      0,      0,      0,      0,      0,      0,      0,
/* 58 */ 0,      0,      0,      0,      0,      0,      0,      0,
/* 60 */ I64,    I64,    SP|M,   M,      PF,     PF,     PF,     PF,
/* 68 */ Z,      M|Z,    B,      M|B,    0,      0,      0,      0,
/* 70 */ B,      B,      B,      B,      B,      B,      B,      B,
/* 78 */ B,      B,      B,      B,      B,      B,      B,      B,
/* 80 */ M|B,    M|Z,    M|B|I64,M|B,    M,      M,      M,      M,
/* 88 */ M,      M,      M,      M,      M,      M,      M,      SP|M,
/* 90 */ 0,      0,      0,      0,      0,      0,      0,      0,
/* 98 */ 0,      0,      FP|I64, 0,      0,      0,      0,      0,
/* a0 */ O,      O,      O,      O,      0,      0,      0,      0,
/* a8 */ B,      Z,      0,      0,      0,      0,      0,      0,
/* b0 */ B,      B,      B,      B,      B,      B,      B,      B,
/* b8 */ V,      V,      V,      V,      V,      V,      V,      V,
/* c0 */ M|B,    M|B,    W,      0,      SP|M,   SP|M,   M|B,    M|Z,
/* c8 */ EN,     0,      W,      0,      0,      B,      I64,    0,
/* d0 */ M,      M,      M,      M,      B|I64,  B|I64,  I64,    0,
/* d8 */ M,      M,      M,      M,      M,      M,      M,      M,
/* e0 */ B,      B,      B,      B,      B,      B,      B,      B,
/* e8 */ Z,      Z,      FP|I64, B,      0,      0,      0,      0,
/* f0 */ PF,     0,      PF,     PF,     0,      0,      M|G3B,  M|G3Z,
/* f8 */ 0,      0,      0,      0,      0,      0,      M,      M,
};
/* 62 BOUND, C4 LES, C5 LDS: VEX/EVEX in 64-bit mode, or when the next byte
 * has mod=11 (which those memory-only opcodes cannot use). Real and
 * virtual-8086 mode take the same test: there both readings raise #UD, so
 * no intercept needs the length. 8F: POP Ev, or XOP when the next byte's
 * low five bits are 8 or more. D6: SALC, undocumented but executed by every
 * CPU outside 64-bit mode. */

/* APM Vol.3 Table A-3 and A-4 (two-byte opcodes, 0F xx). */
static const uint8_t map2[256] = {
/*        0       1       2       3       4       5       6       7 */
/* 00 */ M,      M,      M,      M,      UD,     0,      0,      0,
/* 08 */ 0,      0,      UD,     0,      UD,     M,      0,      M|B,
/* 10 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 18 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 20 */ SP|M,   SP|M,   SP|M,   SP|M,   UD,     UD,     UD,     UD,
/* 28 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 30 */ 0,      0,      0,      0,      0,      0,      UD,     0,
/* 38 */ SP,     UD,     SP,     UD,     UD,     UD,     UD,     UD,
/* 40 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 48 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 50 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 58 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 60 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 68 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 70 */ M|B,    M|B,    M|B,    M|B,    M,      M,      M,      0,
/* 78 */ SP|M,   M,      UD,     UD,     M,      M,      M,      M,
/* 80 */ Z,      Z,      Z,      Z,      Z,      Z,      Z,      Z,
/* 88 */ Z,      Z,      Z,      Z,      Z,      Z,      Z,      Z,
/* 90 */ M,      M,      M,      M,      M,      M,      M,      M,
/* 98 */ M,      M,      M,      M,      M,      M,      M,      M,
/* a0 */ 0,      0,      0,      M,      M|B,    M,      UD,     UD,
/* a8 */ 0,      0,      0,      M,      M|B,    M,      M,      M,
/* b0 */ M,      M,      M,      M,      M,      M,      M,      M,
/* b8 */ M,      M,      M|B,    M,      M,      M,      M,      M,
/* c0 */ M,      M,      M|B,    M,      M|B,    M|B,    M|B,    M,
/* c8 */ 0,      0,      0,      0,      0,      0,      0,      0,
/* d0 */ M,      M,      M,      M,      M,      M,      M,      M,
/* d8 */ M,      M,      M,      M,      M,      M,      M,      M,
/* e0 */ M,      M,      M,      M,      M,      M,      M,      M,
/* e8 */ M,      M,      M,      M,      M,      M,      M,      M,
/* f0 */ M,      M,      M,      M,      M,      M,      M,      M,
/* f8 */ M,      M,      M,      M,      M,      M,      M,      0,
};
/* 0F 0F: 3DNow!, the imm8 is the real opcode. 0F 20-23: MOV to/from CR/DR
 * ignore ModRM.mod and always name a register (APM Vol.3 "MOV CRn"). 0F 37:
 * GETSEC (Intel; #UD here). 0F 78: VMREAD (Intel; #UD here), but with 66 or
 * F2 the SSE4a EXTRQ/INSERTQ with two imm8 (APM Vol.4). 0F FF: UD0, no ModRM
 * on AMD (APM Vol.3 "UD0"). */

#undef B
#undef W
#undef Z
#undef V
#undef O
#undef EN
#undef FP
#undef G3B
#undef G3Z
#undef PF

/* The 15-byte limit comes first: past it the encoding is invalid whatever
 * the missing bytes would be, so TRUNCATED always means "15 bytes or fewer". */
static enum decode_status insn_need(size_t pos, size_t n, size_t avail)
{
	if (pos + n > INSN_MAX_LEN)
		return DECODE_INVALID;
	if (pos + n > avail)
		return DECODE_TRUNCATED;
	return DECODE_OK;
}

static uint64_t insn_get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Records a legacy prefix; false if b is none. */
static bool insn_prefix(struct insn *in, uint8_t b)
{
	switch (b) {
	case 0x66:
		in->opsize = true;
		return true;
	case 0x67:
		in->addrsize = true;
		return true;
	case 0xf0:
		in->lock = true;
		return true;
	case 0xf2:
	case 0xf3:
		in->rep = b;
		return true;
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		in->seg_override = b;
		return true;
	default:
		return false;
	}
}

static unsigned insn_imm_bytes(unsigned kind, const struct insn *in)
{
	bool test = ((in->modrm >> 3) & 7) <= 1;	/* group 3 /0 and /1: TEST */

	switch (kind) {
	case IMM_B:      return 1;
	case IMM_W:      return 2;
	case IMM_BB:     return 2;
	case IMM_ENTER:  return 3;
	case IMM_D:      return 4;
	case IMM_Z:      return in->op_size == 2 ? 2 : 4;
	case IMM_V:      return in->op_size;
	case IMM_FAR:    return in->op_size == 2 ? 4 : 6;
	case IMM_GRP3B:  return test ? 1 : 0;
	case IMM_GRP3Z:  return test ? (in->op_size == 2 ? 2 : 4) : 0;
	default:         return 0;	/* IMM_NONE; IMM_MOFFS is a displacement */
	}
}

/* After 0F: the two-byte map or, after 0F 38 / 0F 3A, a three-byte map. */
static enum decode_status insn_escape(const uint8_t *bytes, size_t avail, size_t *pos,
				      struct insn *in, uint8_t *attr)
{
	enum decode_status st;
	uint8_t op;

	if ((st = insn_need(*pos, 1, avail)) != DECODE_OK)
		return st;
	op = in->opcode[1] = bytes[(*pos)++];
	in->opcode_bytes = 2;
	in->map = INSN_MAP_0F;
	*attr = map2[op];
	if (!(*attr & SP))
		return DECODE_OK;
	switch (op) {
	case 0x38:
	case 0x3a:
		if ((st = insn_need(*pos, 1, avail)) != DECODE_OK)
			return st;
		in->opcode[2] = bytes[(*pos)++];
		in->opcode_bytes = 3;
		in->map = op == 0x38 ? INSN_MAP_0F38 : INSN_MAP_0F3A;
		*attr = op == 0x38 ? M : M | IMM_B;
		break;
	case 0x78:	/* F2/F3 win over 66 as the mandatory prefix */
		*attr = M;
		if (in->rep == 0xf2 || (in->opsize && !in->rep))
			*attr |= IMM_BB;
		break;
	default:	/* 20-23: the caller ignores ModRM.mod */
		break;
	}
	return DECODE_OK;
}

/* C4, C5, 62 or 8F at bytes[*pos - 1]: a VEX, EVEX or XOP prefix and the
 * opcode it carries, or the legacy LES, LDS, BOUND or POP Ev. */
static enum decode_status insn_vex(const uint8_t *bytes, size_t avail, size_t *pos,
				   enum cpu_mode mode, struct insn *in, uint8_t *attr)
{
	uint8_t lead = bytes[*pos - 1], p1, map, op;
	enum decode_status st;
	size_t n;

	if ((st = insn_need(*pos, 1, avail)) != DECODE_OK)
		return st;
	p1 = bytes[*pos];
	if (lead == 0x8f ? (p1 & 0x1f) < 8 : mode != MODE_LONG64 && (p1 & 0xc0) != 0xc0) {
		*attr = M;
		return DECODE_OK;
	}
	/* 66, F2, F3, F0 or REX before VEX raise #UD (SDM Vol.2 2.3.2-2.3.4);
	 * the same holds for XOP (APM Vol.4) and EVEX. */
	if (in->opsize || in->rep || in->lock || in->rex)
		return DECODE_INVALID;
	n = lead == 0xc5 ? 2 : lead == 0x62 ? 4 : 3;	/* prefix bytes, lead included */
	if ((st = insn_need(*pos - 1, n + 1, avail)) != DECODE_OK)
		return st;
	memcpy(in->vex, bytes + *pos - 1, n);
	in->vex_len = (uint8_t)n;
	map = lead == 0xc5 ? INSN_MAP_0F : p1 & (lead == 0x62 ? 0x07 : 0x1f);
	op = in->opcode[0] = bytes[*pos - 1 + n];
	*pos += n;
	in->map = map;
	if (lead == 0x8f) {
		*attr = map == INSN_MAP_XOP8 ? M | IMM_B :
			map == INSN_MAP_XOP9 ? M :
			map == INSN_MAP_XOPA ? M | IMM_D : UD;
		return DECODE_OK;
	}
	switch (map) {
	case INSN_MAP_0F:	/* imm8 exactly where the legacy 0F map has one */
		*attr = M | ((map2[op] & IMM_MASK) == IMM_B ? IMM_B : 0);
		if (op == 0x77 && lead != 0x62)	/* VZEROUPPER, VZEROALL */
			*attr = 0;
		break;
	case INSN_MAP_0F38:
		*attr = M;
		break;
	case INSN_MAP_0F3A:
		*attr = M | IMM_B;
		break;
	case INSN_MAP_EVEX5:
	case INSN_MAP_EVEX6:
		*attr = lead == 0x62 ? M : UD;
		break;
	default:
		*attr = UD;
		break;
	}
	return DECODE_OK;
}

enum decode_status insn_decode(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
			       struct insn *out)
{
	const bool m64 = mode == MODE_LONG64;
	const bool d32 = mode == MODE_PROT32;	/* default sizes 32 (else 16, or 64-bit mode) */
	enum decode_status st;
	bool mod_ignored = false;
	unsigned disp = 0, imm, kind;
	uint8_t op, attr;
	size_t pos;

	memset(out, 0, sizeof(*out));
	for (pos = 0;; pos++) {
		if ((st = insn_need(pos, 1, avail)) != DECODE_OK)
			return st;
		op = bytes[pos];
		if (m64 && (op & 0xf0) == 0x40)
			out->rex = op;
		else if (insn_prefix(out, op))
			out->rex = 0;	/* a REX not right before the opcode is ignored */
		else
			break;
	}
	out->prefixes = (uint8_t)pos;
	out->rex_w = out->rex & REX_W;
	if (m64) {
		out->op_size = out->rex_w ? 8 : out->opsize ? 2 : 4;
		out->addr_size = out->addrsize ? 4 : 8;
	} else {
		out->op_size = d32 != out->opsize ? 4 : 2;
		out->addr_size = d32 != out->addrsize ? 4 : 2;
	}

	out->opcode[0] = op;
	out->opcode_bytes = 1;
	pos++;
	attr = map1[op];
	if (attr & SP) {
		st = op == 0x0f ? insn_escape(bytes, avail, &pos, out, &attr) :
				  insn_vex(bytes, avail, &pos, mode, out, &attr);
		if (st != DECODE_OK)
			return st;
		mod_ignored = out->map == INSN_MAP_0F && !out->vex_len &&
			      (out->opcode[1] & 0xfc) == 0x20;
	}
	if ((attr & UD) || (m64 && (attr & I64)))
		return DECODE_INVALID;

	if (attr & M) {
		unsigned mod, rm;

		if ((st = insn_need(pos, 1, avail)) != DECODE_OK)
			return st;
		out->has_modrm = true;
		out->modrm = bytes[pos++];
		mod = mod_ignored ? 3 : out->modrm >> 6;
		rm = out->modrm & 7;
		if (mod == 3) {
			disp = 0;
		} else if (out->addr_size == 2) {
			/* 16-bit forms: mod=00 rm=110 is [disp16], not [bp] */
			disp = mod == 1 ? 1 : (mod == 2 || rm == 6) ? 2 : 0;
		} else {
			/* 32/64-bit forms (APM Vol.3 "ModRM and SIB Bytes"):
			 * rm=100 SIB; mod=00 rm=101 disp32, RIP-relative in
			 * 64-bit mode; mod=00 SIB.base=101 disp32, no base */
			if (rm == 4) {
				if ((st = insn_need(pos, 1, avail)) != DECODE_OK)
					return st;
				out->has_sib = true;
				out->sib = bytes[pos++];
			}
			disp = mod == 1 ? 1 : mod == 2 ? 4 :
			       rm == 5 || (rm == 4 && (out->sib & 7) == 5) ? 4 : 0;
			out->rip_relative = m64 && mod == 0 && rm == 5;
		}
	}

	kind = attr & IMM_MASK;
	if (kind == IMM_MOFFS)
		disp = out->addr_size;
	imm = insn_imm_bytes(kind, out);
	if ((st = insn_need(pos, disp + imm, avail)) != DECODE_OK)
		return st;
	out->disp_bytes = (uint8_t)disp;
	out->disp = insn_get_le(bytes + pos, disp);
	if (kind != IMM_MOFFS && disp && (out->disp >> (8 * disp - 1)))
		out->disp |= ~0ull << (8 * disp);	/* disp <= 4 here */
	pos += disp;
	out->imm_bytes = (uint8_t)imm;
	out->imm = insn_get_le(bytes + pos, imm);
	pos += imm;
	out->len = (uint8_t)pos;
	return DECODE_OK;
}

bool insn_loads_descriptor(const struct insn *in)
{
	uint8_t op = in->opcode[in->opcode_bytes - 1];
	unsigned reg = (in->modrm >> 3) & 7;

	if (in->vex_len)
		return false;
	if (in->map == INSN_MAP_1BYTE)
		switch (op) {
		case 0x8e:			/* MOV Sreg, r/m */
		case 0x07: case 0x17: case 0x1f:	/* POP ES/SS/DS */
		case 0xc4: case 0xc5:		/* LES, LDS (VEX in 64-bit mode is decoded as VEX) */
		case 0x9a: case 0xea:		/* far CALL/JMP ptr16:xx */
		case 0xca: case 0xcb:		/* far RET */
		case 0xcf:			/* IRET */
		case 0xcc: case 0xcd: case 0xce:	/* INT3, INT n, INTO: the gate */
			return true;
		case 0xff:			/* far CALL/JMP m16:xx */
			return in->has_modrm && (reg == 3 || reg == 5);
		default:
			return false;
		}
	if (in->map == INSN_MAP_0F)
		switch (op) {
		case 0x00:			/* LLDT, LTR, VERR, VERW */
			return in->has_modrm && reg >= 2 && reg <= 5;
		case 0x02: case 0x03:		/* LAR, LSL */
		case 0xa1: case 0xa9:		/* POP FS/GS */
		case 0xb2: case 0xb4: case 0xb5:	/* LSS, LFS, LGS */
			return true;
		default:
			return false;
		}
	return false;
}
