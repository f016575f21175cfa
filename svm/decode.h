/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 instruction length decoder. Without NRIP save or decode assists the
 * hypervisor fetches the bytes at the guest's CS:RIP itself and must know
 * where the instruction ends (to skip it) and what its prefixes, ModRM and
 * immediate are (to emulate IN/OUT, INS/OUTS and MOV to MMIO). Pure: one
 * source built into the hypervisor, the host unit tests and the fuzzer.
 *
 * It decodes the encoding form, not the semantics: any byte string the CPU
 * would execute gets its length; opcodes the manuals mark undefined, and
 * encodings the CPU always rejects (#UD, or #GP past 15 bytes), are
 * DECODE_INVALID. Where AMD and Intel differ, AMD wins (APM Vol. 3), since
 * the guests run on AMD hardware: 66 shortens near branches in 64-bit mode,
 * 0F FF (UD0) has no ModRM, 66/F2 0F 78 is SSE4a EXTRQ/INSERTQ with two
 * imm8, XOP (8F) and 3DNow! (0F 0F) are decoded. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSN_MAX_LEN 15		/* APM Vol.3 ch.1, SDM Vol.2 2.2.1: longer raises #GP */

/* REX prefix bits, APM Vol.3 "REX Prefix", SDM Vol.2 2.2.1. */
#define REX_B (1u << 0)		/* extends ModRM.rm, SIB.base or opcode reg */
#define REX_X (1u << 1)		/* extends SIB.index */
#define REX_R (1u << 2)		/* extends ModRM.reg */
#define REX_W (1u << 3)		/* 64-bit operand size */

/* Default operand and address size as the code segment sets them. Real and
 * virtual-8086 mode decode as 16-bit protected mode. */
enum cpu_mode {
	MODE_REAL16,	/* CR0.PE=0, or EFLAGS.VM=1 */
	MODE_PROT16,	/* protected or compatibility mode, CS.D=0 */
	MODE_PROT32,	/* protected or compatibility mode, CS.D=1 */
	MODE_LONG64,	/* 64-bit mode: EFER.LMA=1 and CS.L=1 */
};

/* Opcode maps, as VEX.mmmmm / EVEX.mmm / XOP.mmmmm number them. */
#define INSN_MAP_1BYTE 0
#define INSN_MAP_0F    1
#define INSN_MAP_0F38  2
#define INSN_MAP_0F3A  3
#define INSN_MAP_EVEX5 5	/* AVX512-FP16 */
#define INSN_MAP_EVEX6 6	/* AVX512-FP16 */
#define INSN_MAP_XOP8  8	/* AMD XOP, imm8 */
#define INSN_MAP_XOP9  9	/* AMD XOP */
#define INSN_MAP_XOPA  10	/* AMD XOP, imm32 */

/* One decoded instruction. The bytes add up:
 * len = prefixes + vex_len + opcode_bytes + has_modrm + has_sib
 *       + disp_bytes + imm_bytes. */
struct insn {
	uint8_t len;		/* 1..INSN_MAX_LEN */
	uint8_t prefixes;	/* legacy prefix and REX bytes, ignored REX included */
	bool lock;		/* F0 */
	uint8_t rep;		/* the last of F2/F3, 0 if none */
	bool opsize;		/* 66 */
	bool addrsize;		/* 67 */
	uint8_t seg_override;	/* the last of 26 2E 36 3E 64 65, 0 if none */
	uint8_t rex;		/* the REX byte right before the opcode, 0 if none */
	bool rex_w;		/* rex & REX_W */
	uint8_t op_size;	/* 2, 4 or 8 from mode, 66 and REX.W (for byte
				 * opcodes and 64-bit-default ones the caller knows) */
	uint8_t addr_size;	/* 2, 4 or 8 from mode and 67 */
	uint8_t vex[4];		/* VEX (C4, C5), EVEX (62), XOP (8F) as encoded */
	uint8_t vex_len;	/* 0, or 2..4 bytes in vex[] */
	uint8_t map;		/* INSN_MAP_* */
	uint8_t opcode_bytes;	/* 1..3 */
	uint8_t opcode[3];	/* as encoded: escapes 0F, 0F 38, 0F 3A included;
				 * after a VEX/EVEX/XOP prefix only the opcode */
	bool has_modrm;
	uint8_t modrm;
	bool has_sib;
	uint8_t sib;
	bool rip_relative;	/* 64-bit mode, mod=00 rm=101: disp is from the next RIP */
	uint8_t disp_bytes;	/* 0, 1, 2, 4; moffs (A0-A3): 2, 4 or 8 */
	uint64_t disp;		/* ModRM displacement sign-extended; moffs zero-extended */
	uint8_t imm_bytes;	/* 0, 1, 2, 3 (ENTER), 4, 6 (far pointer), 8 */
	uint64_t imm;		/* little-endian as encoded, zero-extended: ENTER is
				 * iw | ib << 16, a far pointer offset | sel << 16/32 */
};

enum decode_status {
	DECODE_OK,
	DECODE_TRUNCATED,	/* needs more than avail bytes (and at most 15) */
	DECODE_INVALID,		/* undefined opcode, #UD encoding, or > 15 bytes */
};

/* Decodes the instruction at bytes[0 .. avail). Reads no byte at or past
 * avail, and none past the instruction's end (nor past 15). Only DECODE_OK
 * fills *out completely; otherwise it holds what was decoded so far. */
enum decode_status insn_decode(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
			       struct insn *out);

/* Does the decoded instruction read a segment or gate descriptor, or the
 * TSS, besides its operands (APM Vol.3: MOV/POP to a segment register,
 * LDS/LES/LSS/LFS/LGS, far JMP/CALL/RET, IRET, INT n/INT3/INTO, LLDT, LTR,
 * VERR/VERW, LAR, LSL)? The MMIO path uses it to tell an access the CPU
 * made on its own from one of the instruction's operands. */
bool insn_loads_descriptor(const struct insn *in);
