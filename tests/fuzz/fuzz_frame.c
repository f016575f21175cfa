/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for mm/frame.c.
 *
 * Input: a memory map, reserved ranges, then allocator operations:
 *   u16 nr_map (bit 15: comb layout; capped to BOOT_MAX_MMAP),
 *   nr_map x { u32 a, u32 b, u8 t },
 *   u8 nr_reserved (mod 17), nr_reserved x { u32 a, u32 b },
 *   then 4-byte ops { op, x, y, z } until the input ends (at most 512).
 * Addresses are squeezed into a 512 MiB window so bitmaps and the oracle stay
 * small; some entries instead sit at the top of the address space or wrap.
 *
 * A byte-per-frame oracle, computed independently, says which frames may be
 * handed out (fully inside the union of available entries, touching no hole)
 * and which ones the fuzzer holds. Every result is checked against it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/frame.h"
#include "tests/common/check.h"

#define MiB     (1ull << 20)
#define WINDOW  (256 * MiB)		/* entry bases */
#define LIMIT   (2 * WINDOW)		/* entry ends: base + len < 256 MiB + 256 MiB */
#define NFRAMES (LIMIT / FRAME_SIZE)
#define MAX_OPS 512


static struct frame_alloc fa;
static uint8_t allowed[NFRAMES];	/* may be handed out */
static uint8_t covered[NFRAMES];	/* fully inside the union of available entries */
static uint8_t held[NFRAMES];		/* handed out to us and not yet freed */
static uint64_t nr_held;
static uint64_t nfr;			/* frames below the highest available end: the rest stay 0 */
static void *meta;
static struct boot_mem_range map[BOOT_MAX_MMAP];
static struct frame_range res[16], avail[BOOT_MAX_MMAP];

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->left ? *in->p : 0) << (8 * i);
		if (in->left) {
			in->p++;
			in->left--;
		}
	}
	return v;
}

static void *host_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	(void)phys, (void)ctx;
	CHECK(bytes % FRAME_SIZE == 0 && bytes <= NFRAMES / 8 + 129 * 8 + FRAME_SIZE);
	meta = malloc(bytes);
	memset(meta, 0x5a, bytes);	/* frame_init must clear it */
	return meta;
}

static int cmp_range(const void *a, const void *b)
{
	const struct frame_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Marks frames touched by [base, end) (clamped to the window) as forbidden. */
static void forbid(uint64_t base, uint64_t end)
{
	for (uint64_t f = base / FRAME_SIZE; base < end && f < nfr && f * FRAME_SIZE < end; f++)
		allowed[f] = 0;
}

static int zone_index(uint64_t phys)
{
	for (uint32_t i = 0; i < fa.nr_zones; i++)
		if (phys >= fa.zone[i].base && phys < fa.zone[i].end)
			return (int)i;
	return -1;
}

static void check_handed_out(uint64_t p, uint64_t nr)
{
	CHECK(p % FRAME_SIZE == 0 && p < LIMIT && nr <= (LIMIT - p) / FRAME_SIZE);
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t f = p / FRAME_SIZE + i;

		CHECK(allowed[f] && !held[f]);
		CHECK(f * FRAME_SIZE < fa.meta_base || f * FRAME_SIZE >= fa.meta_base + fa.meta_bytes);
		CHECK(frame_is_used(&fa, f * FRAME_SIZE));
		held[f] = 1;
	}
	nr_held += nr;
}

/* Expected result of frame_free_run(p, nr) from the oracle. */
static enum frame_status expect_free(uint64_t p, uint64_t nr)
{
	int z;

	if (nr == 0 || p % FRAME_SIZE)
		return FRAME_ERR_INVALID;
	z = zone_index(p);
	if (z < 0 || nr > (fa.zone[z].end - p) / FRAME_SIZE)
		return FRAME_ERR_NOT_OWNED;
	for (uint64_t i = 0; i < nr; i++)
		if (!held[p / FRAME_SIZE + i])
			return FRAME_ERR_DOUBLE_FREE;
	return FRAME_OK;
}

static void do_free(uint64_t p, uint64_t nr)
{
	enum frame_status want = expect_free(p, nr);
	uint64_t before = frame_free_count(&fa);
	enum frame_status got = nr == 1 ? frame_free(&fa, p) : frame_free_run(&fa, p, nr);

	CHECK(got == want);
	if (got != FRAME_OK) {
		CHECK(frame_free_count(&fa) == before);
		return;
	}
	for (uint64_t i = 0; i < nr; i++) {
		held[p / FRAME_SIZE + i] = 0;
		CHECK(!frame_is_used(&fa, p + i * FRAME_SIZE));
	}
	nr_held -= nr;
}

/* Does an aligned run of nr frames, free in the oracle, exist in some zone? */
static int run_exists(uint64_t nr, uint64_t align)
{
	for (uint32_t i = 0; i < fa.nr_zones; i++) {
		uint64_t len = 0;

		for (uint64_t p = fa.zone[i].base; p < fa.zone[i].end; p += FRAME_SIZE) {
			len = held[p / FRAME_SIZE] ? 0 : len + 1;
			if (len >= nr && (p - (nr - 1) * FRAME_SIZE) % align == 0)
				return 1;
		}
	}
	return 0;
}

static void parse_map(struct input *in, size_t *nr_map, uint32_t *bad)
{
	uint64_t head = take(in, 2);
	bool comb = head & 0x8000;	/* many small disjoint ranges: zone overflow */

	*nr_map = (head & 0x7fff) % (BOOT_MAX_MMAP + 1);
	*bad = 0;
	for (size_t i = 0; i < *nr_map; i++) {
		uint64_t a = take(in, 4), b = take(in, 4), t = take(in, 1);
		struct boot_mem_range *m = &map[i];

		m->type = t & 7;	/* 0, 6 and 7 are unknown types: holes */
		m->base = a % WINDOW;
		if (t & 8)
			m->base &= ~(FRAME_SIZE - 1);
		m->len = (b & (WINDOW - 1)) >> ((b >> 28) & 15);
		if (comb) {
			m->base = MiB + i * 960 * 1024 + a % (480 * 1024);
			m->len = b % (480 * 1024);
		} else if ((t >> 4) == 14) {		/* at the top of the address space */
			m->base = UINT64_MAX - (a & 0xffffff);
			m->len = b;
			if (m->type == BOOT_MEM_AVAILABLE && m->len <= UINT64_MAX - m->base)
				m->type = BOOT_MEM_RESERVED;	/* keep zones in the window */
		} else if ((t >> 4) == 15) {	/* ends at 2^64 or beyond */
			m->len = (0 - m->base) + (b & 0xffff);
		}
		if (m->len == 0 || m->len > UINT64_MAX - m->base)
			(*bad)++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	size_t nr_map, nr_res, na = 0, nr_allowed = 0;
	uint32_t bad;
	enum frame_status st;
	uint64_t total, meta_frames, runs = 0;
	int slow_checks = 32;	/* run_exists scans every zone: bound the cost per input */

	parse_map(&in, &nr_map, &bad);
	nr_res = take(&in, 1) % 17;
	for (size_t i = 0; i < nr_res; i++) {
		uint64_t a = take(&in, 4), b = take(&in, 4);

		res[i].base = a % WINDOW;
		res[i].end = res[i].base + (b & (16 * MiB - 1));
	}

	/* Oracle: frames inside the merged available ranges, minus every hole. */
	memset(covered, 0, nfr);	/* what the previous input dirtied */
	memset(allowed, 0, nfr);
	memset(held, 0, nfr);
	nr_held = 0;
	nfr = 0;
	for (size_t i = 0; i < nr_map; i++) {
		if (map[i].type == BOOT_MEM_AVAILABLE && map[i].len && map[i].len <= UINT64_MAX - map[i].base) {
			avail[na++] = (struct frame_range){ map[i].base, map[i].base + map[i].len };
			if (avail[na - 1].end / FRAME_SIZE > nfr)
				nfr = avail[na - 1].end / FRAME_SIZE;	/* < NFRAMES: see LIMIT */
		}
	}
	qsort(avail, na, sizeof(avail[0]), cmp_range);
	for (size_t i = 0, j; i < na; i = j) {
		uint64_t b = avail[i].base, e = avail[i].end;

		for (j = i + 1; j < na && avail[j].base <= e; j++)
			e = e > avail[j].end ? e : avail[j].end;
		for (uint64_t f = (b + FRAME_SIZE - 1) / FRAME_SIZE; (f + 1) * FRAME_SIZE <= e; f++)
			covered[f] = 1;		/* e < LIMIT for available entries */
	}
	memcpy(allowed, covered, nfr);
	forbid(0, MiB);
	for (size_t i = 0; i < nr_map; i++) {
		if (map[i].type == BOOT_MEM_AVAILABLE || map[i].len == 0)
			continue;
		forbid(map[i].base, map[i].len > UINT64_MAX - map[i].base ? UINT64_MAX : map[i].base + map[i].len);
	}
	for (size_t i = 0; i < nr_res; i++)
		forbid(res[i].base, res[i].end);
	for (uint64_t f = 0; f < nfr; f++) {
		nr_allowed += allowed[f];
		runs += allowed[f] && (f == 0 || !allowed[f - 1]);
	}

	st = frame_init(&fa, map, nr_map, res, nr_res, host_ptr, NULL);
	CHECK(fa.bad_entries == bad);
	if (nr_allowed == 0) {
		CHECK(st == FRAME_ERR_NO_MEMORY && frame_alloc(&fa) == FRAME_NONE);
		return 0;
	}
	CHECK(st == FRAME_OK);

	/* Zones: sorted, disjoint, inside allowed memory, away from the bitmaps. */
	meta_frames = fa.meta_bytes / FRAME_SIZE;
	CHECK(meta_frames >= 1 && fa.meta_base % FRAME_SIZE == 0);
	for (uint64_t f = fa.meta_base / FRAME_SIZE; f < fa.meta_base / FRAME_SIZE + meta_frames; f++)
		CHECK(f < NFRAMES && allowed[f] && !frame_is_used(&fa, f * FRAME_SIZE));
	total = 0;
	for (uint32_t i = 0; i < fa.nr_zones; i++) {
		const struct frame_zone *z = &fa.zone[i];

		CHECK(z->base < z->end && z->end <= LIMIT && z->base % FRAME_SIZE == 0 && z->end % FRAME_SIZE == 0);
		CHECK(i == 0 || z->base > fa.zone[i - 1].end);
		CHECK(z->end <= fa.meta_base || z->base >= fa.meta_base + fa.meta_bytes);
		for (uint64_t p = z->base; p < z->end; p += FRAME_SIZE)
			CHECK(allowed[p / FRAME_SIZE]);
		total += (z->end - z->base) / FRAME_SIZE;
	}
	CHECK(total == frame_total_count(&fa) && total == frame_free_count(&fa));
	if (runs <= FRAME_MAX_ZONES)
		CHECK(total + meta_frames == nr_allowed);
	else
		CHECK(total + meta_frames < nr_allowed && fa.dropped_bytes > 0);

	for (int n = 0; n < MAX_OPS && in.left; n++) {
		uint64_t op = take(&in, 1), x = take(&in, 1), y = take(&in, 1), z = take(&in, 1);
		uint64_t p, nr, align;

		switch (op % 6) {
		case 0:
			p = frame_alloc(&fa);
			if (p == FRAME_NONE)
				CHECK(frame_free_count(&fa) == 0);
			else
				check_handed_out(p, 1);
			break;
		case 1:
			nr = x < 240 ? 1 + x % 64 : 1 + (y << 4);
			align = FRAME_SIZE << (y % 12);
			if (z == 0xff)
				align = y;	/* mostly invalid */
			p = frame_alloc_run(&fa, nr, align);
			if (p != FRAME_NONE) {
				CHECK(align >= FRAME_SIZE && p % align == 0);
				check_handed_out(p, nr);
			} else if (align >= FRAME_SIZE && !(align & (align - 1)) && slow_checks-- > 0) {
				CHECK(!run_exists(nr, align));
			}
			break;
		case 2:	/* free from a held frame, sometimes running into free ones */
			if (nr_held == 0)
				break;
			p = ((x << 16 | y << 8 | z) * 31) % nfr;
			while (!held[p])
				p = (p + 1) % nfr;
			do_free(p * FRAME_SIZE, op >> 7 ? 1 : 1 + z % 8);
			break;
		case 3:	/* free anything: unaligned, unowned, double */
			p = (x << 20 | y << 12 | (z & 0xf0) << 4) % LIMIT;
			if (z & 1)
				p += z;
			do_free(p, z % 5);
			break;
		case 4:
			p = (x << 20 | y << 12 | z) % LIMIT;
			CHECK(frame_is_used(&fa, p) == (zone_index(p) >= 0 && held[p / FRAME_SIZE]));
			break;
		case 5:	/* a run ending near or past a zone's end */
			if (fa.nr_zones == 0)
				break;
			p = fa.zone[x % fa.nr_zones].end - (1 + y % 4) * FRAME_SIZE;
			do_free(p < fa.zone[x % fa.nr_zones].base ? fa.zone[x % fa.nr_zones].base : p, 1 + z % 6);
			break;
		}
		CHECK(frame_free_count(&fa) == total - nr_held);
	}

	/* Drain: every remaining frame exactly once, then the bitmaps match. */
	while ((uint64_t)(nr_held) < total)
		check_handed_out(frame_alloc(&fa), 1);
	CHECK(frame_alloc(&fa) == FRAME_NONE && frame_free_count(&fa) == 0);
	for (uint64_t f = 0; f < nfr; f++)
		CHECK(frame_is_used(&fa, f * FRAME_SIZE) == held[f]);
	free(meta);
	meta = NULL;
	return 0;
}
