/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by tests/unit/test_npt.c and tests/fuzz/fuzz_npt.c: walks a whole
 * nested page table and checks every entry against the format mm/npt.c
 * promises. Returns NULL, or what is wrong. */
#pragma once
#include <stdint.h>
#include "mm/npt.h"

struct tree_count {
	uint64_t p1g, p2m, p4k, tables;
};

typedef void *(*npt_tree_ptr)(void *ctx, uint64_t phys);

static inline const char *npt_tree_walk(uint64_t tpa, unsigned shift, npt_tree_ptr ptr,
					struct tree_count *c)
{
	const uint64_t *t = ptr(NULL, tpa);
	int present = 0;

	c->tables++;
	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		const char *why;

		if (!(e & NPT_P)) {
			if (e)
				return "absent entry not zero";
			continue;
		}
		present++;
		if (!(e & NPT_US))	/* nested walks are user accesses */
			return "entry without U";
		if (shift == 12 || (shift < 39 && (e & NPT_PS))) {
			if (e & (NPT_PWT | NPT_PCD | NPT_A | NPT_D | (1ull << 8)))
				return "leaf with PWT/PCD/A/D/G set";
			if (e & 0x7ff0000000000000ull)
				return "leaf with available/MPK bits set";
			if (e & NPT_ADDR & ((1ull << shift) - 1))
				return "leaf not aligned to its page size (or PAT set)";
			if (shift == 12 && (e & NPT_PS))
				return "PTE with bit 7 (PAT) set";
			*(shift == 30 ? &c->p1g : shift == 21 ? &c->p2m : &c->p4k) += 1;
		} else {
			if ((e & ~NPT_ADDR) != (NPT_P | NPT_RW | NPT_US))
				return "intermediate entry not exactly P|W|U";
			why = npt_tree_walk(e & NPT_ADDR, shift - 9, ptr, c);
			if (why)
				return why;
		}
	}
	if (shift != 39 && !present)
		return "empty table left behind";
	return NULL;
}
