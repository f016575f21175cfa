/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest page walk, APM Vol.2 5.2 (legacy modes), 5.3 (long mode), 5.4
 * (entry fields). Which linear-address bits index which table:
 *
 * 32-bit paging (CR4.PAE=0): 4-byte entries, CR3[31:12] -> page directory
 *      31       22 21       12 11          0
 *     | PD index  | PT index  |   offset    |   4 KiB
 *     | PD index  |        offset           |   4 MiB: PDE.PS with CR4.PSE;
 *                                                PDE[20:13] are address bits
 *                                                39:32 (PSE-36), PDE[21] reserved
 * PAE (CR4.PAE=1, EFER.LMA=0): 8-byte entries, CR3[31:5] -> 4-entry PDPT
 *      31 30 29     21 20     12 11        0
 *     |PDPT| PD index | PT index |  offset  |   4 KiB
 *     |PDPT| PD index |      offset         |   2 MiB: PDE.PS
 * Long mode (EFER.LMA=1): 8-byte entries, CR3[51:12] -> PML4, or PML5 with
 * CR4.LA57
 *      63  57 56  48 47  39 38  30 29  21 20  12 11     0
 *     | sign | PML5 | PML4 | PDPT |  PD  |  PT  | offset |   4 KiB
 *                                 |  PD  |    offset     |   2 MiB: PDE.PS
 *                          | PDPT |       offset         |   1 GiB: PDPTE.PS
 *     4-level paging has no PML5 index: bits 63:48 copy bit 47.
 *
 * With nested paging the CPU reads the four PAE PDPTEs at walk time instead
 * of caching them at MOV CR3 (APM Vol.2 15.25, legacy PAE under nested
 * paging), so reading them here like every other entry is what the guest's
 * own fetch would have used. 1 GiB pages are taken as supported: the guest
 * only sees CPUID PDPE1GB if the hypervisor offers it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "svm/gwalk.h"

#define GWALK_ADDR   0x000ffffffffff000ull	/* bits 51:12: next table or 4 KiB page */
#define GWALK_PDPT32 0x00000000ffffffe0ull	/* PAE CR3[31:5] */
#define GWALK_4M     0x00000000ffc00000ull	/* 4 MiB PDE bits 31:22 */

/* Bits that must be 0 in a present entry at this level (APM Vol.2 5.3-5.4
 * entry formats; SDM Vol.3 4.3-4.5 agrees for these). The address bits
 * from maxphyaddr up to 51 are reserved in every PAE and long-mode entry. */
static uint64_t gwalk_reserved(const struct gwalk_regs *r, unsigned maxphy, int level,
			       uint64_t e)
{
	const bool lma = r->efer & EFER_LMA;
	uint64_t m = ((1ull << 52) - 1) & ~((1ull << maxphy) - 1);

	if (!(r->cr4 & CR4_PAE) && !lma) {
		/* 32-bit paging: only a 4 MiB PDE has reserved bits */
		if (level != 2 || !(e & PTE_PS) || !(r->cr4 & CR4_PSE))
			return 0;
		m = 1ull << 21;
		if (maxphy < 40)	/* PSE-36: PDE bit 13 + n is address bit 32 + n */
			m |= (0xffull << 13) & ~(((1ull << (maxphy - 32)) - 1) << 13);
		return m;
	}
	if (!(r->efer & EFER_NXE))
		m |= PTE_NX;
	if (!lma) {
		m |= 0x7ff0000000000000ull;	/* PAE: bits 62:52 */
		/* PDPTE: no R/W, U/S, PS or NX. Bit 5 (A) is reserved too, but
		 * QEMU's walker sets it in the guest's own PDPTEs; the CPU has
		 * walked the entry already when this walk runs (an exit), so it
		 * is let through. */
		if (level == 3)
			m |= PTE_NX | 0x1c6;
	}
	if (level >= 4)
		m |= PTE_PS;
	if (e & PTE_PS) {
		if (level == 3 && lma)
			m |= 0x3fffe000;	/* 1 GiB: bits 29:13 */
		if (level == 2)
			m |= 0x1fe000;		/* 2 MiB: bits 20:13 */
	}
	return m;
}

static void gwalk_stop(struct gwalk_result *out, enum gwalk_status st, int level)
{
	out->status = st;
	out->fault_level = level;
	out->present = false;
}

void gwalk(const struct gwalk_regs *r, uint64_t linear, gwalk_read_fn read, void *ctx,
	   struct gwalk_result *out)
{
	const bool lma = r->efer & EFER_LMA;
	const bool pae = lma || (r->cr4 & CR4_PAE);
	const unsigned bits = pae ? 9 : 10, esize = pae ? 8 : 4;
	unsigned maxphy = r->maxphyaddr;
	uint64_t table, size;
	int level;

	memset(out, 0, sizeof(*out));
	if (maxphy == 0 || maxphy > 52)
		maxphy = 52;
	if (maxphy < 32)
		maxphy = 32;
	if (!(r->cr0 & CR0_PG)) {	/* no long mode without paging */
		out->gpa = linear & 0xffffffff;
		out->page_size = 1ull << 32;
		out->present = out->writable = out->user = true;
		return;
	}
	if (lma) {
		unsigned width = r->cr4 & CR4_LA57 ? 57 : 48;

		if ((uint64_t)((int64_t)(linear << (64 - width)) >> (64 - width)) != linear) {
			gwalk_stop(out, GWALK_NON_CANONICAL, 0);
			return;
		}
		level = width == 57 ? 5 : 4;
		table = r->cr3 & GWALK_ADDR;
	} else {
		linear &= 0xffffffff;
		level = pae ? 3 : 2;
		table = r->cr3 & (pae ? GWALK_PDPT32 : GWALK_ADDR & 0xffffffff);
	}
	out->levels = level;
	out->writable = out->user = true;

	for (;; level--) {
		const unsigned shift = 12 + bits * (unsigned)(level - 1);
		const uint64_t gpa = table + ((linear >> shift) & ((1u << bits) - 1)) * esize;
		uint64_t e;
		bool leaf;

		out->entry_gpa[level - 1] = gpa;
		if (esize == 4) {
			uint32_t e32;

			if (!read(ctx, gpa, &e32, 4)) {
				gwalk_stop(out, GWALK_READ_FAILED, level);
				return;
			}
			e = e32;
		} else if (!read(ctx, gpa, &e, 8)) {
			gwalk_stop(out, GWALK_READ_FAILED, level);
			return;
		}
		out->entries[level - 1] = e;
		if (!(e & PTE_P)) {
			gwalk_stop(out, GWALK_NOT_PRESENT, level);
			return;
		}
		if (e & gwalk_reserved(r, maxphy, level, e)) {
			gwalk_stop(out, GWALK_RESERVED_BIT, level);
			return;
		}
		if (lma || level != 3 || !pae) {	/* PAE PDPTEs grant no rights */
			out->writable &= !!(e & PTE_W);
			out->user &= !!(e & PTE_U);
			out->nx |= (r->efer & EFER_NXE) && (e & PTE_NX);
		}
		/* PS is honoured in PDEs (32-bit paging only with CR4.PSE) and
		 * in long-mode PDPTEs; elsewhere it is reserved, caught above. */
		leaf = level == 1 ||
		       ((e & PTE_PS) && ((level == 2 && (pae || (r->cr4 & CR4_PSE))) ||
					  (level == 3 && lma)));
		if (leaf)
			break;
		table = e & GWALK_ADDR;
	}

	size = 1ull << (12 + bits * (unsigned)(level - 1));
	out->page_size = size;
	if (!pae && level == 2)		/* 4 MiB, PSE-36 */
		out->gpa = (out->entries[1] & GWALK_4M) | ((out->entries[1] >> 13) & 0xff) << 32;
	else
		out->gpa = out->entries[level - 1] & GWALK_ADDR & ~(size - 1);
	out->gpa |= linear & (size - 1);
	out->present = true;
}
