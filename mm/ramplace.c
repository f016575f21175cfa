/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest RAM placement: the policy of mm/ramplace.h over the frame
 * allocator, the page mix npt_map makes of it, and copies across extents. */
#include "mm/ramplace.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

#define SZ_2M FRAME_LARGE_2M
#define SZ_1G FRAME_LARGE_1G

/* Appends [hpa, hpa + len) at the end of the guest RAM (merged with the
 * last extent when it continues it on the host). */
static void add_extent(struct guest_ram *r, uint64_t hpa, uint64_t len)
{
	struct ram_extent *last = r->nr ? &r->ext[r->nr - 1] : NULL;

	if (last && last->hpa + last->len == hpa)
		last->len += len;
	else
		r->ext[r->nr++] = (struct ram_extent){ r->size, hpa, len };
	r->size += len;
}

/* One step of the placement: runs of unit bytes (aligned to unit) while
 * want (a multiple of unit) is not placed and extents remain, the longest
 * first, sparing whole free blocks of each avoid size in turn (0: none).
 * The last extent slot is left for the rest in one run. */
static enum frame_status place_step(struct frame_alloc *fa, struct guest_ram *r, uint64_t want,
				    uint64_t unit, const uint64_t *avoid, unsigned nr_avoid)
{
	uint64_t done = 0;

	for (unsigned k = 0; k < nr_avoid && done < want; k++) {
		while (done < want && r->nr < RAM_MAX_EXTENTS - 1) {
			uint64_t base, nr;
			enum frame_status st = frame_alloc_largest(fa, (want - done) / FRAME_SIZE, unit,
								   avoid[k], &base, &nr);

			if (st != FRAME_OK)
				return st;
			if (!nr)
				break;	/* nothing more of this kind: spare less */
			add_extent(r, base, nr * FRAME_SIZE);
			done += nr * FRAME_SIZE;
		}
	}
	return FRAME_OK;
}

enum frame_status ram_place(struct frame_alloc *fa, uint64_t size, bool pg1g, struct guest_ram *r)
{
	static const uint64_t spare_none[] = { 0 };
	static const uint64_t spare_1g[] = { SZ_1G, 0 };
	static const uint64_t spare_2m_1g[] = { SZ_2M, SZ_1G, 0 };
	static const uint64_t spare_2m[] = { SZ_2M, 0 };
	enum frame_status st = FRAME_OK;

	memset(r, 0, sizeof(*r));
	if (size == 0 || size % FRAME_SIZE)
		return FRAME_ERR_INVALID;
	if (pg1g && size >= SZ_1G)
		st = place_step(fa, r, ALIGN_DOWN(size, SZ_1G), SZ_1G, spare_none, 1);
	if (st == FRAME_OK && size - r->size >= SZ_2M)
		st = place_step(fa, r, ALIGN_DOWN(size - r->size, SZ_2M), SZ_2M,
				pg1g ? spare_1g : spare_none, pg1g ? 2 : 1);
	if (st == FRAME_OK && size > r->size)
		st = place_step(fa, r, size - r->size, FRAME_SIZE, pg1g ? spare_2m_1g : spare_2m,
				pg1g ? 3 : 2);
	if (st == FRAME_OK && size > r->size) {	/* extents ran out: the rest in one run */
		uint64_t rest = size - r->size;
		uint64_t hpa = frame_alloc_run(fa, rest / FRAME_SIZE, FRAME_SIZE);

		if (hpa == FRAME_NONE)
			st = FRAME_ERR_NO_MEMORY;
		else
			add_extent(r, hpa, rest);
	}
	if (st != FRAME_OK) {
		ram_release(fa, r);
		return st == FRAME_ERR_INVALID ? FRAME_ERR_NO_MEMORY : st;	/* ours are valid */
	}
	return FRAME_OK;
}

enum frame_status ram_release(struct frame_alloc *fa, struct guest_ram *r)
{
	enum frame_status first = FRAME_OK;

	for (uint32_t i = 0; i < r->nr; i++) {
		enum frame_status st = frame_free_run(fa, r->ext[i].hpa, r->ext[i].len / FRAME_SIZE);

		if (first == FRAME_OK)
			first = st;
	}
	memset(r, 0, sizeof(*r));
	return first;
}

/* npt_map's greedy choice, a run of same-size pages at a time: a 1 GiB page
 * where both addresses are 1 GiB aligned and a GiB is left, else 2 MiB
 * likewise, else 4 KiB. gpa and hpa differ by a constant, so whether they
 * can ever agree modulo a size is decided once. */
void ram_extent_pages(uint64_t gpa, uint64_t hpa, uint64_t len, bool pg1g,
		      uint64_t pages[RAM_PG_SIZES])
{
	uint64_t d = hpa - gpa, a = gpa, end = gpa + len;
	bool s1 = pg1g && !(d & (SZ_1G - 1)), s2 = !(d & (SZ_2M - 1));

	while (a < end) {
		uint64_t left = end - a, lim;

		if (s1 && !(a & (SZ_1G - 1)) && left >= SZ_1G) {
			pages[RAM_PG_1G] += left / SZ_1G;
			a += left / SZ_1G * SZ_1G;
		} else if (s2 && !(a & (SZ_2M - 1)) && left >= SZ_2M) {
			lim = s1 ? MIN(end, ALIGN_DOWN(a, SZ_1G) + SZ_1G) : end;
			pages[RAM_PG_2M] += (lim - a) / SZ_2M;
			a += (lim - a) / SZ_2M * SZ_2M;
		} else {
			lim = s2 ? MIN(end, ALIGN_DOWN(a, SZ_2M) + SZ_2M) : end;
			pages[RAM_PG_4K] += (lim - a) / FRAME_SIZE;
			a = lim;
		}
	}
}

void ram_pages(const struct guest_ram *r, bool pg1g, uint64_t pages[RAM_PG_SIZES])
{
	for (uint32_t i = 0; i < r->nr; i++)
		ram_extent_pages(r->ext[i].gpa, r->ext[i].hpa, r->ext[i].len, pg1g, pages);
}

void ram_ideal_pages(uint64_t size, bool pg1g, uint64_t pages[RAM_PG_SIZES])
{
	uint64_t g = pg1g ? size / SZ_1G : 0, rest = size - g * SZ_1G;

	pages[RAM_PG_1G] += g;
	pages[RAM_PG_2M] += rest / SZ_2M;
	pages[RAM_PG_4K] += rest % SZ_2M / FRAME_SIZE;
}

char *ram_pages_str(const uint64_t pages[RAM_PG_SIZES], char *buf, unsigned len)
{
	static const char *const name[RAM_PG_SIZES] = { "4K", "2M", "1G" };
	size_t at = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	for (int i = RAM_PG_SIZES - 1; i >= 0; i--) {
		if (!pages[i])
			continue;
		fmt_snprintf(buf + at, len - at, "%s%lu x %s", at ? ", " : "",
			     (unsigned long)pages[i], name[i]);
		at += strlen(buf + at);
	}
	if (!at)
		fmt_snprintf(buf, len, "no pages");
	return buf;
}

/* Walks [gpa, gpa + len) extent by extent: fn on each piece. False when a
 * byte of it is not guest RAM (checked before any piece). */
static bool ram_walk(const struct guest_ram *r, uint64_t gpa, uint64_t len,
		     void (*fn)(uint8_t *host, uint64_t off, uint64_t n, void *ctx), void *ctx)
{
	if (gpa > r->size || len > r->size - gpa)
		return false;	/* the extents cover [0, size) without gaps */
	for (uint64_t off = 0; off < len;) {
		uint64_t at = gpa + off, n;
		const struct ram_extent *e = NULL;

		for (uint32_t i = 0; i < r->nr && !e; i++)
			if (at - r->ext[i].gpa < r->ext[i].len)
				e = &r->ext[i];
		if (!e)
			return false;	/* never: [0, size) is covered */
		n = MIN(len - off, e->len - (at - e->gpa));
		fn((uint8_t *)(uintptr_t)(e->hpa + (at - e->gpa)), off, n, ctx);
		off += n;
	}
	return true;
}

struct copy_ctx {
	uint8_t *buf;
	bool to_guest;
	int c;
};

static void copy_piece(uint8_t *host, uint64_t off, uint64_t n, void *ctx)
{
	struct copy_ctx *c = ctx;

	if (c->to_guest)
		memcpy(host, c->buf + off, n);
	else
		memcpy(c->buf + off, host, n);
}

static void fill_piece(uint8_t *host, uint64_t off, uint64_t n, void *ctx)
{
	(void)off;
	memset(host, ((struct copy_ctx *)ctx)->c, n);
}

bool ram_copy(const struct guest_ram *r, uint64_t gpa, void *buf, uint64_t len, bool to_guest)
{
	struct copy_ctx c = { buf, to_guest, 0 };

	return ram_walk(r, gpa, len, copy_piece, &c);
}

bool ram_fill(const struct guest_ram *r, uint64_t gpa, int c, uint64_t len)
{
	struct copy_ctx x = { NULL, false, c };

	return ram_walk(r, gpa, len, fill_piece, &x);
}
