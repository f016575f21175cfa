/* SPDX-License-Identifier: BSD-2-Clause */
/* Instruction emulation for a nested page fault on a device page (MMIO).
 * The NPF exit says only which guest-physical page the guest touched; to
 * complete the access the hypervisor fetches the bytes at CS:RIP, decodes
 * them (svm/decode.c) and executes the instruction here, against the guest
 * registers and through two memory callbacks the caller routes to RAM or to
 * the device bus. Pure: one source built into the hypervisor, the host unit
 * tests (differential against the host CPU) and the fuzzer.
 *
 * Executed: every memory form Linux and other kernels use on device memory
 * (MOV, MOVZX/MOVSX/MOVSXD, the eight ALU operations, TEST, NOT, NEG,
 * INC, DEC, XCHG, BT/BTS/BTR/BTC, MOVS/STOS/LODS/CMPS/SCAS with REP), in
 * 16-, 32- and 64-bit code, with every prefix those forms accept. Register-
 * only forms (ModRM.mod = 3) never fault on MMIO and are EMU_UNSUPPORTED, as
 * is everything else. Segment limits and access rights are not checked: the
 * caller's translation decides what faults (the hardware already checked
 * the access that caused the NPF). LOCK makes no access atomic against other
 * vCPUs; the device sees one read and one write. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "svm/decode.h"

/* The arithmetic flags, APM Vol.1 3.1.4 (RFLAGS). kernel/lib/x86_arch.h has
 * the system flags (RFLAGS_DF among them). */
#define EMU_RFLAGS_CF (1ull << 0)	/* carry */
#define EMU_RFLAGS_PF (1ull << 2)	/* parity of the low result byte */
#define EMU_RFLAGS_AF (1ull << 4)	/* carry out of bit 3 */
#define EMU_RFLAGS_ZF (1ull << 6)	/* zero */
#define EMU_RFLAGS_SF (1ull << 7)	/* sign */
#define EMU_RFLAGS_OF (1ull << 11)	/* signed overflow */
#define EMU_RFLAGS_ARITH (EMU_RFLAGS_CF | EMU_RFLAGS_PF | EMU_RFLAGS_AF | EMU_RFLAGS_ZF | \
			  EMU_RFLAGS_SF | EMU_RFLAGS_OF)

enum emu_seg { EMU_ES, EMU_CS, EMU_SS, EMU_DS, EMU_FS, EMU_GS, EMU_NSEG };

/* The guest CPU state the emulator reads and updates. gpr[] in encoding order:
 * RAX RCX RDX RBX RSP RBP RSI RDI R8..R15. Outside 64-bit mode a 32-bit
 * register write zero-extends too (the upper halves are undefined there,
 * APM Vol.1 3.1.2.3), and RIP wraps at the code segment's size. */
struct emu_cpu {
	enum cpu_mode mode;          /* svm/decode.h */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	uint64_t seg_base[EMU_NSEG]; /* ignored in 64-bit mode except FS and GS */
};

/* Memory access at a linear address (segment base already added, truncated to 32 bits outside 64-bit mode).
 * The caller translates, decides RAM vs device, and records any fault it wants to inject; false aborts the instruction.
 * Only the low size bytes of a read's *val count. Each instruction makes
 * its accesses in program order, each of one operand's size: a read-modify-
 * write is one read then one write of the same address. */
struct emu_ops {
	bool (*read)(void *ctx, uint64_t linear, unsigned size, uint64_t *val);   /* size 1,2,4,8 */
	bool (*write)(void *ctx, uint64_t linear, unsigned size, uint64_t val);
};

enum emu_status {
	EMU_DONE,          /* executed (RIP advanced), or a REP instruction did EMU_REP_CHUNK iterations and will resume (RIP unchanged, RCX/RSI/RDI updated) */
	EMU_UNSUPPORTED,   /* not a form this emulator executes (the caller injects #UD and logs the bytes) */
	EMU_BAD_BYTES,     /* the bytes do not decode (DECODE_INVALID/TRUNCATED) */
	EMU_FAULT,         /* a read or write callback returned false: state is as of just before the failing access (for REP: iterations already done are kept, as hardware does) */
};
#define EMU_REP_CHUNK 256   /* iterations per call: a huge REP count cannot hold the core */

/* Decodes bytes[0..avail) with insn_decode in cpu->mode and executes it. On EMU_DONE rip is past the instruction (except a chunked REP).
 * LOCK on a form the CPU does not allow it on (MOV, CMP, TEST, BT, the
 * loads, the string instructions) raises #UD on hardware, so it is
 * EMU_UNSUPPORTED here too; on the read-modify-write forms it is accepted. */
enum emu_status emulate_insn(struct emu_cpu *cpu, const uint8_t *bytes, size_t avail,
			     const struct emu_ops *ops, void *ctx);

/* The r/m operand of an instruction the caller carries out itself (LMSW's
 * source): decodes bytes as emulate_insn does and reads size bytes of the
 * ModRM register or memory operand into *val, through ops for memory. The
 * decoded instruction goes to *in (its length, ModRM, prefixes); the CPU
 * state is not changed. EMU_UNSUPPORTED: the instruction has no ModRM. */
enum emu_status emulate_read_rm(struct emu_cpu *cpu, const uint8_t *bytes, size_t avail,
				const struct emu_ops *ops, void *ctx, unsigned size,
				struct insn *in, uint64_t *val);
