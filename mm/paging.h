/* SPDX-License-Identifier: BSD-2-Clause */
/* The hypervisor's own page tables (host CR3). */
#pragma once
#include <stdint.h>
#include "mm/frame.h"

struct paging_stats {
	uint64_t pages_1g, pages_2m, pages_4k, tables;
	uint64_t top;		/* end of the identity map */
	bool nx;		/* EFER.NXE in use */
};

/* Identity-maps [0, top) with the largest pages the CPU offers, page 0
 * absent, hypervisor text read-only and everything else non-executable, then
 * switches CR3. Tables come from fa. */
void paging_init(struct frame_alloc *fa, uint64_t top, struct paging_stats *st);
