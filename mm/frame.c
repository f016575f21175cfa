/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical frame allocator: bitmaps over the free ranges of the memory map.
 *
 * frame_init:
 *  1. Copy the map's AVAILABLE entries, then the holes, into scratch. Holes are
 *     every other map type, the caller's reserved ranges and the low 1 MiB.
 *     Zero-length and wrapping entries are counted as bad. A wrapping
 *     AVAILABLE entry is ignored; a wrapping hole still covers [base, 2^64):
 *     memory not proven free is never used.
 *  2. Sort both lists by base (insertion sort: a few hundred entries) and merge
 *     overlapping or touching ranges.
 *  3. Sweep the two sorted lists together: each available range minus the
 *     holes gives pieces; each piece, trimmed inward to whole frames, is a
 *     zone. Partial frames and pieces past FRAME_MAX_ZONES go to dropped_bytes.
 *     Pieces are separated by holes, so zones never touch.
 *  4. Size the bitmaps (64-bit words, 1 bit per frame, set = used), round up
 *     to a frame and carve that from an end of a zone where it breaks no
 *     whole 1 GiB-aligned block (else from the start of the first zone big
 *     enough).
 *
 * Large NPT pages need whole free aligned blocks of host memory (2 MiB,
 * 1 GiB), so small allocations keep out of them while they can:
 * frame_alloc_run (frame_alloc is a run of one) first looks for a place
 * that touches no whole free 2 MiB block (a partly used one, or a zone's
 * ragged edge), then for one that touches no whole free 1 GiB block, and
 * only then takes the first place that fits. Only blocks larger than the
 * run and its alignment are spared. Each pass tries candidates aligned in
 * physical address terms, lowest first; on a used bit it jumps to the first
 * aligned candidate at a free frame past it, on a spared block past the
 * block, so a pass costs about one walk over the bitmap.
 * frame_alloc_largest walks the same way and keeps the longest run.
 * Frees check everything before changing anything. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "mm/frame.h"

#define LOW_MEMORY_END (1ull << 20)	/* BIOS data, EBDA, option ROMs: never managed */

static uint64_t zone_frames(const struct frame_zone *z)
{
	return (z->end - z->base) >> FRAME_SHIFT;
}

/* First bit index in [from, to) whose value is set, or to. */
static uint64_t bits_find(const uint64_t *bm, uint64_t from, uint64_t to, bool set)
{
	while (from < to) {
		uint64_t w = set ? bm[from / 64] : ~bm[from / 64];

		w &= ~0ull << (from % 64);
		if (w) {
			uint64_t i = (from & ~63ull) + (uint64_t)__builtin_ctzll(w);

			return i < to ? i : to;
		}
		from = (from | 63) + 1;
	}
	return to;
}

/* Sets (set) or clears bits [from, to). */
static void bits_assign(uint64_t *bm, uint64_t from, uint64_t to, bool set)
{
	while (from < to) {
		uint64_t n = MIN(to - from, 64 - from % 64);
		uint64_t mask = (n == 64 ? ~0ull : (1ull << n) - 1) << (from % 64);

		if (set)
			bm[from / 64] |= mask;
		else
			bm[from / 64] &= ~mask;
		from += n;
	}
}

/* Sorts by base and merges overlapping or touching ranges; returns the count. */
static size_t ranges_normalize(struct frame_range *r, size_t n)
{
	size_t out = 0;

	for (size_t i = 1; i < n; i++) {
		struct frame_range x = r[i];
		size_t j = i;

		for (; j > 0 && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && r[i].base <= r[out - 1].end)
			r[out - 1].end = MAX(r[out - 1].end, r[i].end);
		else
			r[out++] = r[i];
	}
	return out;
}

/* Trims the free piece [base, end) inward to whole frames and keeps it as a zone. */
static void zone_add(struct frame_alloc *fa, uint64_t base, uint64_t end)
{
	uint64_t e = ALIGN_DOWN(end, FRAME_SIZE);
	uint64_t b = base < e ? ALIGN_UP(base, FRAME_SIZE) : e;	/* no overflow: base < e */

	if (b >= e) {
		fa->dropped_bytes += end - base;
		return;
	}
	fa->dropped_bytes += (b - base) + (end - e);
	if (fa->nr_zones == FRAME_MAX_ZONES) {
		fa->dropped_bytes += e - b;
		return;
	}
	fa->zone[fa->nr_zones++] = (struct frame_zone){ .base = b, .end = e };
}

/* Step 3: zones = each available range minus the holes (both sorted, merged). */
static void zones_build(struct frame_alloc *fa, const struct frame_range *avail, size_t na,
			const struct frame_range *hole, size_t nh)
{
	size_t h = 0;

	for (size_t i = 0; i < na; i++) {
		uint64_t cur = avail[i].base;

		while (h < nh && hole[h].end <= cur)
			h++;
		for (size_t k = h; k < nh && hole[k].base < avail[i].end; k++) {
			if (hole[k].base > cur)
				zone_add(fa, cur, hole[k].base);
			cur = MAX(cur, hole[k].end);
		}
		if (cur < avail[i].end)
			zone_add(fa, cur, avail[i].end);
	}
}

/* Does [base, base + bytes) inside zone z touch a 1 GiB-aligned block that
 * lies wholly in z? */
static bool breaks_gib(const struct frame_zone *z, uint64_t base, uint64_t bytes)
{
	uint64_t first = ALIGN_UP(z->base, FRAME_LARGE_1G);	/* no overflow: zones end below 2^64 */

	if (first < z->base || first >= z->end || FRAME_LARGE_1G > z->end - first)
		return false;	/* no whole block in the zone */
	/* Whole blocks span [first, last_end); the range touches them? */
	return base + bytes > first && base < ALIGN_DOWN(z->end, FRAME_LARGE_1G);
}

/* Step 4: carve the bitmaps from an end of a zone where they break no whole
 * 1 GiB block (the first such, start before end), else from the start of
 * the first zone that holds them; mark all free. */
static enum frame_status bitmaps_place(struct frame_alloc *fa, frame_phys_to_ptr to_ptr, void *ctx)
{
	uint64_t words = 0, bytes, *bm;
	uint32_t i, pick = UINT32_MAX;
	bool at_end = false;

	for (i = 0; i < fa->nr_zones; i++)
		words += (zone_frames(&fa->zone[i]) + 63) / 64;
	bytes = ALIGN_UP(words * 8, FRAME_SIZE);
	for (i = 0; i < fa->nr_zones && pick == UINT32_MAX; i++) {
		const struct frame_zone *z = &fa->zone[i];

		if (z->end - z->base < bytes)
			continue;
		if (!breaks_gib(z, z->base, bytes))
			pick = i;
		else if (!breaks_gib(z, z->end - bytes, bytes))
			pick = i, at_end = true;
	}
	for (i = 0; i < fa->nr_zones && pick == UINT32_MAX; i++)
		if (fa->zone[i].end - fa->zone[i].base >= bytes)
			pick = i;
	if (pick == UINT32_MAX)
		return FRAME_ERR_NO_MEMORY;

	i = pick;
	fa->meta_bytes = bytes;
	if (at_end) {
		fa->zone[i].end -= bytes;
		fa->meta_base = fa->zone[i].end;
	} else {
		fa->meta_base = fa->zone[i].base;
		fa->zone[i].base += bytes;	/* the zone only shrinks: its bitmap still fits */
	}
	if (fa->zone[i].base == fa->zone[i].end) {
		memmove(&fa->zone[i], &fa->zone[i + 1], (fa->nr_zones - i - 1) * sizeof(fa->zone[0]));
		fa->nr_zones--;
	}
	bm = to_ptr(fa->meta_base, bytes, ctx);
	if (!bm)
		return FRAME_ERR_NO_MEMORY;
	memset(bm, 0, bytes);

	for (i = 0; i < fa->nr_zones; i++) {
		struct frame_zone *z = &fa->zone[i];
		uint64_t n = zone_frames(z);

		z->bitmap = bm;
		z->free = n;
		fa->total += n;
		bm += ALIGN_UP(n, 64) / 64;
	}
	return FRAME_OK;
}

enum frame_status frame_init(struct frame_alloc *fa,
			     const struct boot_mem_range *map, size_t nr_map,
			     const struct frame_range *reserved, size_t nr_reserved,
			     frame_phys_to_ptr to_ptr, void *ctx)
{
	struct frame_range *avail = fa->scratch, *hole;
	size_t na = 0, nh = 0;
	enum frame_status st;

	memset(fa, 0, sizeof(*fa));
	if (nr_map > BOOT_MAX_MMAP || nr_reserved > FRAME_MAX_RESERVED || !to_ptr ||
	    (nr_map && !map) || (nr_reserved && !reserved))
		return FRAME_ERR_INVALID;

	/* Step 1: available ranges first, holes after them in the same scratch. */
	for (size_t i = 0; i < nr_map; i++) {
		const struct boot_mem_range *m = &map[i];
		bool wraps = m->len > UINT64_MAX - m->base;	/* base + len > 2^64 - 1 */

		if (m->len == 0 || wraps)
			fa->bad_entries++;
		else if (m->type == BOOT_MEM_AVAILABLE)
			avail[na++] = (struct frame_range){ m->base, m->base + m->len };
	}
	hole = avail + na;
	for (size_t i = 0; i < nr_map; i++) {
		const struct boot_mem_range *m = &map[i];
		bool wraps = m->len > UINT64_MAX - m->base;

		if (m->len != 0 && m->type != BOOT_MEM_AVAILABLE)
			hole[nh++] = (struct frame_range){ m->base, wraps ? UINT64_MAX : m->base + m->len };
	}
	for (size_t i = 0; i < nr_reserved; i++) {
		if (reserved[i].end < reserved[i].base)
			return FRAME_ERR_INVALID;
		if (reserved[i].end > reserved[i].base)
			hole[nh++] = reserved[i];
	}
	hole[nh++] = (struct frame_range){ 0, LOW_MEMORY_END };	/* even if the caller forgot */

	/* Step 2, 3, 4. */
	na = ranges_normalize(avail, na);
	nh = ranges_normalize(hole, nh);
	zones_build(fa, avail, na, hole, nh);
	st = bitmaps_place(fa, to_ptr, ctx);
	if (st != FRAME_OK) {
		fa->nr_zones = 0;
		fa->total = 0;
		fa->meta_base = fa->meta_bytes = 0;
	}
	return st;
}

/* Index of the zone holding phys, or -1. Zones are sorted and disjoint. */
static int zone_of(const struct frame_alloc *fa, uint64_t phys)
{
	uint32_t lo = 0, hi = fa->nr_zones;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (phys < fa->zone[mid].base)
			hi = mid;
		else if (phys >= fa->zone[mid].end)
			lo = mid + 1;
		else
			return (int)mid;
	}
	return -1;
}

void frame_fail_nth(struct frame_alloc *fa, uint64_t n)
{
	fa->fail_countdown = n;
}

/* Counts a call down to the injected failure: true for the failing one. */
static bool injected_failure(struct frame_alloc *fa)
{
	return fa->fail_countdown && --fa->fail_countdown == 0;
}

/* Next candidate at or after frame x: candidates are f0 + k * step. */
static uint64_t next_candidate(uint64_t f0, uint64_t step, uint64_t x)
{
	return x <= f0 ? f0 : f0 + (x - f0 + step - 1) / step * step;
}

/* Zone frame index of the end of the aligned block of bf frames holding
 * zone frame f (may lie past the zone's end). */
static uint64_t block_end(const struct frame_zone *z, uint64_t f, uint64_t bf)
{
	uint64_t pa = z->base + (f << FRAME_SHIFT), bytes = bf << FRAME_SHIFT;

	return f + (bytes - (pa & (bytes - 1))) / FRAME_SIZE;
}

/* Is the aligned block of bf frames holding zone frame f whole inside the
 * zone and entirely free? Such a block backs a large page: worth keeping. */
static bool block_whole_free(const struct frame_zone *z, uint64_t f, uint64_t bf)
{
	uint64_t bytes = bf << FRAME_SHIFT, pa = z->base + (f << FRAME_SHIFT);
	uint64_t b = pa & ~(bytes - 1), fb;

	if (b < z->base || bytes > z->end - b)
		return false;
	fb = (b - z->base) >> FRAME_SHIFT;
	return bits_find(z->bitmap, fb, fb + bf, true) == fb + bf;
}

/* First run of nr free frames in z at an align-aligned address that (with
 * avoid, in frames, >= nr) touches no whole free avoid block; zone frame
 * index, or the zone's frame count when there is none. */
static uint64_t zone_find(const struct frame_zone *z, uint64_t nr, uint64_t align, uint64_t avoid)
{
	uint64_t n = zone_frames(z), step = align >> FRAME_SHIFT;
	uint64_t off = (0 - z->base) & (align - 1);	/* bytes to the first aligned address */
	uint64_t f0, f;

	if (z->free < nr || off >= z->end - z->base)
		return n;
	f0 = off >> FRAME_SHIFT;
	/* f < n <= 2^52 and step <= 2^51: f never overflows. */
	for (f = f0; f < n && nr <= n - f;) {
		uint64_t used = bits_find(z->bitmap, f, f + nr, true);

		if (used < f + nr) {	/* on to the first aligned candidate at a free frame past it */
			f = next_candidate(f0, step, bits_find(z->bitmap, used, n, false));
			continue;
		}
		if (avoid && block_whole_free(z, f, avoid)) {
			f = next_candidate(f0, step, block_end(z, f, avoid));
			continue;
		}
		if (avoid && block_whole_free(z, f + nr - 1, avoid)) {
			f = next_candidate(f0, step, block_end(z, f + nr - 1, avoid));
			continue;
		}
		return f;
	}
	return n;
}

/* Block sizes (frames) a small allocation first tries not to break, the
 * smallest first: a whole free 2 MiB block backs a 2 MiB NPT page, a whole
 * free 1 GiB block a 1 GiB page. */
static const uint64_t avoid_frames[] = { FRAME_LARGE_2M / FRAME_SIZE, FRAME_LARGE_1G / FRAME_SIZE, 0 };

uint64_t frame_alloc_run(struct frame_alloc *fa, uint64_t nr, uint64_t align)
{
	if (nr == 0 || align < FRAME_SIZE || (align & (align - 1)) || injected_failure(fa))
		return FRAME_NONE;
	for (size_t k = 0; k < ARRAY_SIZE(avoid_frames); k++) {
		uint64_t avoid = avoid_frames[k];

		/* Only blocks larger than the alignment and the run itself. */
		if (avoid && ((avoid << FRAME_SHIFT) <= align || avoid < nr))
			continue;
		for (uint32_t i = 0; i < fa->nr_zones; i++) {
			struct frame_zone *z = &fa->zone[i];
			uint64_t f = zone_find(z, nr, align, avoid);

			if (f < zone_frames(z)) {
				bits_assign(z->bitmap, f, f + nr, true);
				z->free -= nr;
				return z->base + (f << FRAME_SHIFT);
			}
		}
	}
	return FRAME_NONE;
}

uint64_t frame_alloc(struct frame_alloc *fa)
{
	return frame_alloc_run(fa, 1, FRAME_SIZE);
}

/* In zone z from candidate f on: the longest run as frame_alloc_largest
 * describes; updates *best and *best_f. True when it reached max_nr. */
static bool zone_largest(const struct frame_zone *z, uint64_t max_nr, uint64_t align,
			 uint64_t avoid, uint64_t *best, uint64_t *best_f)
{
	uint64_t n = zone_frames(z), step = align >> FRAME_SHIFT;
	uint64_t off = (0 - z->base) & (align - 1);
	uint64_t f0, f;

	if (z->free < step || off >= z->end - z->base)
		return false;
	f0 = off >> FRAME_SHIFT;
	for (f = f0; f < n;) {
		uint64_t e, len;

		if (bits_find(z->bitmap, f, f + 1, true) == f) {	/* used: to the next free one */
			f = next_candidate(f0, step, bits_find(z->bitmap, f, n, false));
			continue;
		}
		if (avoid && block_whole_free(z, f, avoid)) {
			f = next_candidate(f0, step, block_end(z, f, avoid));
			continue;
		}
		e = bits_find(z->bitmap, f, f + MIN(max_nr, n - f), true);
		/* The run stops where a whole free avoid block starts. */
		for (uint64_t s = block_end(z, f, avoid ? avoid : 1); avoid && s < e; s += avoid) {
			if (block_whole_free(z, s, avoid)) {
				e = s;
				break;
			}
		}
		len = (e - f) / step * step;
		if (len > *best) {
			*best = len;
			*best_f = f;
			if (len == max_nr)
				return true;
		}
		f = next_candidate(f0, step, e);
	}
	return false;
}

enum frame_status frame_alloc_largest(struct frame_alloc *fa, uint64_t max_nr, uint64_t align,
				      uint64_t avoid, uint64_t *base, uint64_t *nr)
{
	uint64_t best = 0, best_f = 0, step = align >> FRAME_SHIFT;
	struct frame_zone *bz = NULL;

	*base = FRAME_NONE;
	*nr = 0;
	if (align < FRAME_SIZE || (align & (align - 1)) || max_nr < step || max_nr % step ||
	    (avoid && ((avoid & (avoid - 1)) || avoid <= align)))
		return FRAME_ERR_INVALID;
	if (injected_failure(fa))
		return FRAME_ERR_NO_MEMORY;
	for (uint32_t i = 0; i < fa->nr_zones; i++) {
		uint64_t before = best;
		bool done = zone_largest(&fa->zone[i], max_nr, align, avoid >> FRAME_SHIFT, &best,
					 &best_f);

		if (best != before)
			bz = &fa->zone[i];
		if (done)
			break;
	}
	if (!bz)
		return FRAME_OK;
	bits_assign(bz->bitmap, best_f, best_f + best, true);
	bz->free -= best;
	*base = bz->base + (best_f << FRAME_SHIFT);
	*nr = best;
	return FRAME_OK;
}

enum frame_status frame_free_run(struct frame_alloc *fa, uint64_t phys, uint64_t nr)
{
	struct frame_zone *z;
	uint64_t f;
	int i;

	if (nr == 0 || (phys & (FRAME_SIZE - 1)))
		return FRAME_ERR_INVALID;
	i = zone_of(fa, phys);
	if (i < 0)
		return FRAME_ERR_NOT_OWNED;
	z = &fa->zone[i];
	f = (phys - z->base) >> FRAME_SHIFT;
	if (nr > zone_frames(z) - f)
		return FRAME_ERR_NOT_OWNED;	/* runs past the zone's end */
	if (bits_find(z->bitmap, f, f + nr, false) != f + nr)
		return FRAME_ERR_DOUBLE_FREE;	/* checked before anything changes */
	bits_assign(z->bitmap, f, f + nr, false);
	z->free += nr;
	return FRAME_OK;
}

enum frame_status frame_free(struct frame_alloc *fa, uint64_t phys)
{
	return frame_free_run(fa, phys, 1);
}

bool frame_is_used(const struct frame_alloc *fa, uint64_t phys)
{
	int i = zone_of(fa, phys);
	uint64_t f;

	if (i < 0)
		return false;
	f = (phys - fa->zone[i].base) >> FRAME_SHIFT;
	return fa->zone[i].bitmap[f / 64] >> (f % 64) & 1;
}

uint64_t frame_free_count(const struct frame_alloc *fa)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < fa->nr_zones; i++)
		n += fa->zone[i].free;
	return n;
}

uint64_t frame_free_blocks(const struct frame_alloc *fa, uint64_t bytes)
{
	uint64_t n = 0, bf = bytes >> FRAME_SHIFT;

	if (bytes < FRAME_SIZE || (bytes & (bytes - 1)))
		return 0;
	for (uint32_t i = 0; i < fa->nr_zones; i++) {
		const struct frame_zone *z = &fa->zone[i];
		uint64_t b = ALIGN_UP(z->base, bytes);

		for (; b >= z->base && b < z->end && bytes <= z->end - b; b += bytes)
			n += block_whole_free(z, (b - z->base) >> FRAME_SHIFT, bf);
	}
	return n;
}

uint64_t frame_total_count(const struct frame_alloc *fa)
{
	return fa->total;
}

const char *frame_strerror(enum frame_status s)
{
	switch (s) {
	case FRAME_OK:			return "ok";
	case FRAME_ERR_NO_MEMORY:	return "no free memory, or no room for the bitmaps";
	case FRAME_ERR_INVALID:		return "invalid argument";
	case FRAME_ERR_NOT_OWNED:	return "address not managed by the allocator";
	case FRAME_ERR_DOUBLE_FREE:	return "frame already free";
	}
	return "unknown frame status";
}
