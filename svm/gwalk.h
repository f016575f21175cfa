/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest page walk: guest linear address -> guest physical address, in the
 * paging mode the guest's CR0, CR4 and EFER select (APM Vol.2 chapter 5).
 * The hypervisor needs it to fetch the instruction bytes at the guest's RIP
 * and the operands of string I/O when neither NRIP save nor decode assists
 * hand them over. Pure: guest-physical memory is read through a callback
 * (through the NPT in the hypervisor, from a buffer in the host tests).
 *
 * The walk only reads: it never sets Accessed or Dirty bits, and it does
 * not judge access rights. It reports the rights the entries grant (R/W and
 * U/S ANDed, NX ORed over the levels) and the caller decides, from its
 * access, CPL, CR0.WP and EFLAGS.AC, whether the guest would have faulted. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/x86_arch.h"

/* The walk reads CR0.PG, CR4.PSE/PAE/LA57, EFER.LMA/NXE and the entry bits
 * PTE_P/W/U/PS/NX (APM Vol.2 5.3-5.4) of kernel/lib/x86_arch.h. */

struct gwalk_regs {
	uint64_t cr0, cr3, cr4, efer;
	unsigned maxphyaddr;	/* CPUID 0x80000008 EAX[7:0]; 0 means 52 */
};

/* Reads len bytes of guest-physical memory at gpa into buf: false if any
 * of them cannot be read (not RAM, not mapped in the NPT). The walk asks for
 * one naturally aligned 4- or 8-byte entry at a time. */
typedef bool (*gwalk_read_fn)(void *ctx, uint64_t gpa, void *buf, size_t len);

enum gwalk_status {
	GWALK_OK,
	GWALK_NOT_PRESENT,	/* P=0 at fault_level: #PF with error code P=0 */
	GWALK_RESERVED_BIT,	/* reserved bit set at fault_level: #PF, P=1 RSV=1 */
	GWALK_READ_FAILED,	/* the entry at fault_level could not be read */
	GWALK_NON_CANONICAL,	/* long mode: not sign-extended: #GP, not #PF */
};

/* entries[] and entry_gpa[] are indexed by level - 1: [0] is the PTE, [1]
 * the PDE, [2] the PDPTE, [3] the PML4E, [4] the PML5E. Only the levels the
 * walk read are filled (a 2 MiB page leaves [0] zero). */
struct gwalk_result {
	enum gwalk_status status;
	int fault_level;	/* 1..5 where the walk stopped, 0 if OK or not walked */
	int levels;		/* of the mode: 0 paging off, 2, 3 (PAE), 4, 5 */
	uint64_t gpa;		/* with the page offset; valid if GWALK_OK */
	uint64_t page_size;	/* 4K, 2M, 4M, 1G; paging off: 4G (wraps at 4G) */
	bool present;		/* status == GWALK_OK */
	bool writable, user, nx;	/* over the levels read (valid if OK) */
	uint64_t entries[5];	/* as read, 32-bit entries zero-extended */
	uint64_t entry_gpa[5];
};

/* Translates linear under r, reading entries with read(ctx, ...). Outside
 * long mode only the low 32 bits of linear count. */
void gwalk(const struct gwalk_regs *r, uint64_t linear, gwalk_read_fn read, void *ctx,
	   struct gwalk_result *out);
