/* SPDX-License-Identifier: BSD-2-Clause */
/* Nested page tables (AMD APM Vol.2 15.25): guest physical -> host physical.
 * Pure: no hardware access, host-tested. Table memory comes through the
 * caller's callbacks (frame allocator in the hypervisor, malloc in tests).
 *
 * The format is the long-mode 4-level one (APM Vol.2 5.3), walked with the
 * host's paging controls (hCR4, hEFER: NX needs host EFER.NXE).
 * A guest physical address:
 *
 *   47      39 38      30 29      21 20      12 11           0
 *  +----------+----------+----------+----------+--------------+
 *  |  PML4    |  PDPT    |   PD     |   PT     |    offset    |
 *  +----------+----------+----------+----------+--------------+
 *       |          |          |          '-> PTE: 4 KiB page
 *       |          |          '-> PDE, PS=1: 2 MiB page (bits 20..0 offset)
 *       |          '-> PDPTE, PS=1: 1 GiB page (bits 29..0 offset)
 *       '-> VMCB N_CR3 holds the PML4's physical address
 *
 * An entry (APM Vol.2 5.4.1):
 *
 *   63 | 62..52 | 51..12 (51..21, 51..30 in PS pages) | 11..9 | 8 | 7  | 6 | 5 | 4   | 3   | 2 | 1 | 0
 *   NX |  avl   | physical address                     | avl   | G | PS | D | A | PCD | PWT | U | W | P
 *
 * Every entry has P and U (nested walks are user accesses, APM Vol.2
 * 15.25.5); intermediate entries are P|W|U so access is decided at the leaf.
 * PCD/PWT/PAT are 0: write-back, combined with the guest's own PAT.
 * Unmapped guest physical ranges (MMIO holes) are simply not present: an
 * access there is a nested page fault.
 *
 * After npt_unmap (or any change to a range a guest may have used) the
 * guest's TLB entries are stale: every vCPU of the VM needs
 * asid_request_flush before its next VMRUN. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define NPT_P    (1ull << 0)	/* present */
#define NPT_RW   (1ull << 1)	/* R/W: writable */
#define NPT_US   (1ull << 2)	/* U/S: user; required on every nested entry */
#define NPT_PWT  (1ull << 3)	/* page write-through */
#define NPT_PCD  (1ull << 4)	/* page cache disable */
#define NPT_A    (1ull << 5)	/* accessed (set by the CPU) */
#define NPT_D    (1ull << 6)	/* dirty, leaves only (set by the CPU) */
#define NPT_PS   (1ull << 7)	/* page size: 1 GiB in a PDPTE, 2 MiB in a PDE */
#define NPT_NX   (1ull << 63)	/* no execute */
#define NPT_ADDR 0x000ffffffffff000ull	/* table or 4 KiB page address, bits 51..12 */

#define NPT_GPA_BITS 48	/* 4 levels of 9 bits plus a 12-bit offset */
#define NPT_HPA_BITS 52	/* architectural limit of an entry's address field */

#define NPT_SIZE_4K (1ull << 12)
#define NPT_SIZE_2M (1ull << 21)
#define NPT_SIZE_1G (1ull << 30)

/* npt_map permissions. Every present page is readable (x86 has no write-only
 * or execute-only pages), so there is no read flag. */
#define NPT_W (1u << 0)	/* writable: leaf R/W = 1 */
#define NPT_X (1u << 1)	/* executable: without it the leaf has NX */

enum npt_status {
	NPT_OK = 0,
	NPT_ERR_INVALID,	/* bad argument: unaligned, zero size, unknown flags, no callbacks */
	NPT_ERR_RANGE,		/* gpa beyond 48 bits or hpa beyond 52 bits */
	NPT_ERR_OVERLAP,	/* part of the range is already mapped */
	NPT_ERR_NO_MEMORY,	/* alloc_table returned 0 */
};

/* Where tables come from. alloc_table returns the physical address of a
 * 4 KiB-aligned table (npt zeroes it anyway) or 0; ptr turns a table's
 * physical address into a writable pointer (identity in the hypervisor). */
struct npt_mem {
	uint64_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, uint64_t phys);
	void *(*ptr)(void *ctx, uint64_t phys);
	void *ctx;
};

struct npt {
	uint64_t root;		/* phys of the PML4: goes into VMCB N_CR3 */
	struct npt_mem mem;
	bool allow_1g;		/* CPUID 0x80000001 EDX.Page1GB */
	uint64_t pages_1g, pages_2m, pages_4k;	/* leaves present now */
	uint64_t tables;	/* tables held, the PML4 included */
};

/* Allocates the PML4. NPT_ERR_INVALID without all three callbacks. */
enum npt_status npt_init(struct npt *n, const struct npt_mem *mem, bool allow_1g);

/* Maps [gpa, gpa + size) to [hpa, hpa + size) with flags (NPT_W, NPT_X).
 * Arguments 4 KiB-aligned, size > 0. Greedy page choice: a 1 GiB page (if
 * allow_1g) wherever gpa and hpa are both 1 GiB-aligned and at least 1 GiB
 * remains, else 2 MiB likewise, else 4 KiB. All or nothing: on any error
 * (overlap with an existing mapping, range beyond 48/52 bits, no memory
 * for a table) nothing is mapped and every counter is as before. */
enum npt_status npt_map(struct npt *n, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned flags);

/* Removes every mapping inside [gpa, gpa + size) (4 KiB-aligned, size > 0);
 * parts already unmapped are fine. A 1 GiB or 2 MiB page the range covers
 * only in part is split first, so the rest of it stays mapped. Tables left
 * empty are freed. NPT_ERR_NO_MEMORY only when a split cannot get a table:
 * then nothing was removed (translations are unchanged; a page may have
 * been split into smaller ones already, which the counters show). */
enum npt_status npt_unmap(struct npt *n, uint64_t gpa, uint64_t size);

/* What the hardware walk sees for one guest physical address. */
struct npt_walk {
	int levels;		/* entries read, 1..4 (0: gpa beyond 48 bits) */
	uint64_t entry[4];	/* PML4E, PDPTE, PDE, PTE as read */
	uint64_t hpa;		/* translation of gpa, offset included */
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB */
	unsigned flags;		/* NPT_W, NPT_X of the leaf */
	bool present;
};

/* Walks the tables for gpa; returns w->present. */
bool npt_translate(const struct npt *n, uint64_t gpa, struct npt_walk *w);

/* Frees every table, the PML4 included; n is left empty (root 0). Safe after
 * a failed npt_init. */
void npt_destroy(struct npt *n);

const char *npt_strerror(enum npt_status s);
