/* SPDX-License-Identifier: BSD-2-Clause */
/* Invariants of a guest RAM placement (mm/ramplace.h), shared by the unit
 * test and the fuzzer: the extents tile [0, size) in gpa order, are
 * 4 KiB granular, never overlap each other or what was handed out
 * before, are all in use in the allocator, took exactly size bytes, and
 * put as much on 1 GiB and 2 MiB pages as the free blocks allowed. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "mm/frame.h"
#include "mm/ramplace.h"
#include "tests/common/check.h"

/* Whole free blocks of bytes (aligned, inside one zone) in fa now. */
static inline uint64_t rc_free_blocks(const struct frame_alloc *fa, uint64_t bytes)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < fa->nr_zones; i++) {
		const struct frame_zone *z = &fa->zone[i];

		for (uint64_t b = (z->base + bytes - 1) & ~(bytes - 1);
		     b >= z->base && b < z->end && bytes <= z->end - b; b += bytes) {
			uint64_t f0 = (b - z->base) / FRAME_SIZE, f, nf = bytes / FRAME_SIZE;

			for (f = f0; f < f0 + nf; f++) {
				if (!(f % 64) && f + 64 <= f0 + nf && !z->bitmap[f / 64]) {
					f += 63;
					continue;
				}
				if (z->bitmap[f / 64] >> (f % 64) & 1)
					break;
			}
			n += f == f0 + nf;
		}
	}
	return n;
}

/* What the allocator offered before a placement. */
struct rc_before {
	uint64_t free, blocks_1g, blocks_2m;
};

static inline struct rc_before rc_snapshot(const struct frame_alloc *fa)
{
	CHECK(frame_free_blocks(fa, FRAME_LARGE_1G) == rc_free_blocks(fa, FRAME_LARGE_1G));
	CHECK(frame_free_blocks(fa, FRAME_LARGE_2M) == rc_free_blocks(fa, FRAME_LARGE_2M));
	return (struct rc_before){ frame_free_count(fa), rc_free_blocks(fa, FRAME_LARGE_1G),
				   rc_free_blocks(fa, FRAME_LARGE_2M) };
}

/* Checks r, just placed from fa (b: the snapshot before), against the
 * other[nr_other] placements still held; pages gets its page mix. */
static inline void rc_check(const struct frame_alloc *fa, const struct guest_ram *r, uint64_t size,
			    bool pg1g, const struct rc_before *b, const struct guest_ram *other,
			    unsigned nr_other, uint64_t pages[RAM_PG_SIZES])
{
	uint64_t at = 0;

	CHECK(r->size == size && r->nr >= 1 && r->nr <= RAM_MAX_EXTENTS);
	for (uint32_t i = 0; i < r->nr; i++) {
		const struct ram_extent *e = &r->ext[i];

		CHECK(e->gpa == at && e->len && !(e->len % FRAME_SIZE) && !(e->hpa % FRAME_SIZE));
		CHECK(e->hpa >= (1ull << 20) && e->hpa + e->len > e->hpa);
		CHECK(frame_is_used(fa, e->hpa) && frame_is_used(fa, e->hpa + e->len - FRAME_SIZE));
		CHECK(!(fa->meta_base < e->hpa + e->len && e->hpa < fa->meta_base + fa->meta_bytes));
		for (uint32_t j = 0; j < i; j++)
			CHECK(!(r->ext[j].hpa < e->hpa + e->len && e->hpa < r->ext[j].hpa + r->ext[j].len));
		for (unsigned o = 0; o < nr_other; o++)
			for (uint32_t j = 0; j < other[o].nr; j++)
				CHECK(!(other[o].ext[j].hpa < e->hpa + e->len &&
					e->hpa < other[o].ext[j].hpa + other[o].ext[j].len));
		CHECK(ram_hpa(r, e->gpa, e->len) == e->hpa);
		CHECK(e->len < (1ull << 62));
		at += e->len;
	}
	CHECK(at == size);
	CHECK(frame_free_count(fa) == b->free - size / FRAME_SIZE);	/* took exactly its size */
	for (int i = 0; i < RAM_PG_SIZES; i++)
		pages[i] = 0;
	ram_pages(r, pg1g, pages);
	CHECK(pages[RAM_PG_4K] * FRAME_SIZE + pages[RAM_PG_2M] * FRAME_LARGE_2M +
	      pages[RAM_PG_1G] * FRAME_LARGE_1G == size);
	if (!pg1g)
		CHECK(pages[RAM_PG_1G] == 0);
	if (r->nr < RAM_MAX_EXTENTS - 1) {	/* the extents did not run out */
		uint64_t want1 = pg1g ? size / FRAME_LARGE_1G : 0, want2 = size / FRAME_LARGE_2M;
		uint64_t got1 = pages[RAM_PG_1G], got2 = got1 * 512 + pages[RAM_PG_2M];

		CHECK(got1 >= (want1 < b->blocks_1g ? want1 : b->blocks_1g));
		CHECK(got2 >= (want2 < b->blocks_2m ? want2 : b->blocks_2m));
	}
}
