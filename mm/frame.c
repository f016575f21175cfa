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
 *     to a frame and carve that from the start of the first zone big enough.
 *
 * frame_alloc scans a zone's words from its hint, skipping full words. Every
 * frame below the hint is used (alloc moves it past what it took, frees lower
 * it), so the scan never needs to wrap around.
 * frame_alloc_run tries only candidates aligned in physical address terms;
 * on a used bit it jumps to the first aligned candidate past it, so a 1 GiB
 * run costs about one pass over the bitmap.
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

/* Step 4: carve the bitmaps from the first zone that holds them, mark all free. */
static enum frame_status bitmaps_place(struct frame_alloc *fa, frame_phys_to_ptr to_ptr, void *ctx)
{
	uint64_t words = 0, bytes, *bm;
	uint32_t i;

	for (i = 0; i < fa->nr_zones; i++)
		words += (zone_frames(&fa->zone[i]) + 63) / 64;
	bytes = ALIGN_UP(words * 8, FRAME_SIZE);
	for (i = 0; i < fa->nr_zones; i++)
		if (fa->zone[i].end - fa->zone[i].base >= bytes)
			break;
	if (fa->nr_zones == 0 || i == fa->nr_zones)
		return FRAME_ERR_NO_MEMORY;

	fa->meta_base = fa->zone[i].base;
	fa->meta_bytes = bytes;
	fa->zone[i].base += bytes;	/* the zone only shrinks: its bitmap still fits */
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
		z->hint = 0;
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

uint64_t frame_alloc(struct frame_alloc *fa)
{
	if (injected_failure(fa))
		return FRAME_NONE;
	for (uint32_t i = 0; i < fa->nr_zones; i++) {
		struct frame_zone *z = &fa->zone[i];
		uint64_t n = zone_frames(z), f;

		if (z->free == 0)
			continue;
		f = bits_find(z->bitmap, z->hint, n, false);
		if (f == n)
			continue;	/* free count says otherwise: never happens */
		bits_assign(z->bitmap, f, f + 1, true);
		z->free--;
		z->hint = f + 1;
		return z->base + (f << FRAME_SHIFT);
	}
	return FRAME_NONE;
}

uint64_t frame_alloc_run(struct frame_alloc *fa, uint64_t nr, uint64_t align)
{
	uint64_t step = align >> FRAME_SHIFT;	/* candidate spacing, in frames */

	if (nr == 0 || align < FRAME_SIZE || (align & (align - 1)) || injected_failure(fa))
		return FRAME_NONE;
	for (uint32_t i = 0; i < fa->nr_zones; i++) {
		struct frame_zone *z = &fa->zone[i];
		uint64_t n = zone_frames(z);
		uint64_t off = (0 - z->base) & (align - 1);	/* bytes to the first aligned address */
		uint64_t f, used;

		if (z->free < nr || off >= z->end - z->base)
			continue;
		/* f < n <= 2^52 and step <= 2^51: f never overflows. */
		for (f = off >> FRAME_SHIFT; f < n && nr <= n - f;) {
			used = bits_find(z->bitmap, f, f + nr, true);
			if (used == f + nr) {
				bits_assign(z->bitmap, f, f + nr, true);
				z->free -= nr;
				return z->base + (f << FRAME_SHIFT);
			}
			f += ((used - f) / step + 1) * step;	/* first aligned candidate past used */
		}
	}
	return FRAME_NONE;
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
	if (f < z->hint)
		z->hint = f;
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
