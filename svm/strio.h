/* SPDX-License-Identifier: BSD-2-Clause */
/* String port I/O: INS and OUTS, with and without REP, as the IOIO
 * intercept hands them over (APM Vol.2 15.10.2; the instructions: APM
 * Vol.3 "INS", "OUTS", "REP"). The arithmetic the CPU would do, pure: one
 * source in the hypervisor (svm/strio_exec.c runs the accesses), the host
 * unit test and the exit-path fuzzer.
 *
 *   INS   port -> ES:rDI      (ES fixed: no segment override)
 *   OUTS  seg:rSI -> port     (DS unless overridden)
 *   rDI/rSI move by the element size after each element, down if
 *   RFLAGS.DF; with REP, rCX counts the elements and a count of 0 does
 *   nothing at all. The address size (16, 32 or 64 bits) chooses CX/SI/DI,
 *   ECX/ESI/EDI or RCX/RSI/RDI: offsets wrap inside it, a 16-bit update
 *   keeps bits 63:16, a 32-bit one zeroes bits 63:32 (a 32-bit register
 *   write).
 *
 * The exit comes before the instruction's memory checks (APM Vol.2 15.9:
 * instruction intercepts are checked before exceptions related to memory
 * accesses), so the segment checks, the canonical check and the page walk
 * are the hypervisor's to do, each element before its port access: a
 * faulting element moves no port data and leaves its registers as they
 * were, as after the REP iterations completed so far.
 *
 * Work per exit is bounded: one batch of elements that all lie in one
 * linear page (at most STRIO_BATCH_MAX), after which RIP stays on the
 * instruction with rCX/rSI/rDI updated and the guest runs it again, as an
 * interrupted REP does on hardware; interrupts and a kill get their chance
 * between batches, so rCX = 2^64-1 cannot hold the core. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "svm/gwalk.h"

#define STRIO_BATCH_MAX 1024u	/* elements per exit: 4 KiB of INSD at most */

/* Segment registers as EXITINFO1's SEG field numbers them (APM Vol.2
 * 15.10.2), which is also the ModRM sreg order. */
enum strio_seg { STRIO_ES, STRIO_CS, STRIO_SS, STRIO_DS, STRIO_FS, STRIO_GS };

/* What the instruction is, from EXITINFO1. */
struct strio_op {
	bool in;		/* INS; else OUTS */
	bool rep;
	unsigned size;		/* element: 1, 2 or 4 bytes */
	unsigned asize;		/* address size: 2, 4 or 8 bytes; 0: not said */
	uint16_t port;
};

/* Fills op from EXITINFO1 (STR set); false when its size field does not
 * name exactly one size, or its address-size field more than one (no CPU
 * writes that). An empty address-size field (QEMU 7.2 leaves it so) gives
 * asize 0: the instruction's bytes must say (0x67 and the mode). */
bool strio_decode(uint64_t info1, struct strio_op *op);

/* The segment a segment-override prefix byte (26 2E 36 3E 64 65) selects;
 * DS for 0 (no override) or any other byte. */
enum strio_seg strio_seg_prefix(uint8_t prefix);

/* The processor mode the checks depend on. */
enum strio_mode {
	STRIO_REAL,	/* real or virtual-8086: limits only */
	STRIO_PROT,	/* protected or compatibility: null, type and limit */
	STRIO_LONG64,	/* 64-bit: the canonical check only */
};

/* A segment register's hidden part, as the VMCB holds it (APM Vol.2
 * Table B-2: attrib packs descriptor bits 47:40 and 55:52; limit in
 * bytes, granularity applied). */
struct strio_segment {
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

enum strio_fault { STRIO_FAULT_NONE, STRIO_FAULT_GP, STRIO_FAULT_SS };	/* #GP(0), #SS(0) */

/* The linear address of an element of size bytes at offset (already
 * within the address size) in segment seg (which), for a write (INS) or a
 * read (OUTS), or the fault. la57: CR4.LA57 (57-bit canonical form). */
enum strio_fault strio_linear(enum strio_mode mode, enum strio_seg which,
			      const struct strio_segment *seg, uint64_t offset, unsigned size,
			      bool write, bool la57, uint64_t *linear);

/* The registers INS/OUTS use. */
struct strio_regs {
	uint64_t rcx, rsi, rdi;
	bool df;		/* RFLAGS.DF */
};

/* All ones in the address size's bits. */
uint64_t strio_amask(unsigned asize);

/* Elements still to do: rCX in the address size with REP, else 1. */
uint64_t strio_count(const struct strio_op *op, const struct strio_regs *r);

/* The offset of the next element (rDI for INS, rSI for OUTS). */
uint64_t strio_offset(const struct strio_op *op, const struct strio_regs *r);

/* How many elements this exit does, from the next one at offset/linear:
 * at most count and max (STRIO_BATCH_MAX), and only those that lie wholly
 * in the next element's linear page without the offset wrapping in the
 * address size; 1 for an element that itself crosses a page (or wraps);
 * 0 only for a count of 0. outside64: linear addresses wrap at 4 GiB. */
uint64_t strio_batch(const struct strio_op *op, uint64_t count, uint64_t offset, uint64_t linear,
		     bool df, unsigned max);

/* The registers after n elements: rDI or rSI moved n elements in the
 * direction of DF, rCX less n with REP, each inside the address size. */
void strio_advance(const struct strio_op *op, struct strio_regs *r, uint64_t n);

/* The guest's paging state that decides whether a translated access faults. */
struct strio_paging {
	uint64_t cr0, cr4, rflags;
	unsigned cpl;
};

/* Whether the guest's walk w (for the access's linear address) lets the
 * access through; if not, the #PF error code (APM Vol.2 8.4.2: P, W, U,
 * RSV) in *error. Not present: P=0; reserved bit: P=1 RSV=1; rights (R/W
 * with CPL 3 or CR0.WP, U/S at CPL 3, SMAP at CPL < 3 without RFLAGS.AC):
 * P=1. A walk that could not read an entry counts as not present, as in
 * svm/mmio.c. Protection keys are not checked. */
bool strio_page_ok(const struct gwalk_result *w, bool write, const struct strio_paging *p,
		   uint32_t *error);
