/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for mm/frame.c. The allocator never touches the memory it
 * manages, only its bitmaps, so maps of many GiB cost a few KiB of host
 * memory: to_ptr hands out calloc'd buffers for the bitmap area. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/lib.h"
#include "mm/frame.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define AVAIL BOOT_MEM_AVAILABLE
#define RESV  BOOT_MEM_RESERVED

static struct frame_alloc fa;	/* large: keep off the stack */

/* ---- to_ptr: host memory for the bitmaps, freed after each test ---- */

static void *bufs[64];
static size_t nr_bufs;
static uint64_t last_meta_phys, last_meta_bytes;

static void *host_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	void *p;

	(void)ctx;
	assert_true(nr_bufs < 64);
	p = malloc(bytes);	/* not zeroed: frame_init must zero it */
	assert_non_null(p);
	memset(p, 0xa5, bytes);
	last_meta_phys = phys;
	last_meta_bytes = bytes;
	return bufs[nr_bufs++] = p;
}

static void *null_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	(void)phys, (void)bytes, (void)ctx;
	return NULL;
}

static int teardown(void **state)
{
	(void)state;
	while (nr_bufs)
		free(bufs[--nr_bufs]);
	return 0;
}

static enum frame_status init(const struct boot_mem_range *map, size_t n,
			      const struct frame_range *res, size_t nres)
{
	return frame_init(&fa, map, n, res, nres, host_ptr, NULL);
}

/* ---- the QEMU e820 for -m 512M, plus an image and an unaligned module ---- */

static const struct boot_mem_range qemu_map[] = {
	{ 0x0, 0x9fc00, AVAIL },
	{ 0x9fc00, 0x400, RESV },
	{ 0xf0000, 0x10000, RESV },
	{ 0x100000, 0x1ffe0000 - 0x100000, AVAIL },
	{ 0x1ffe0000, 0x20000, RESV },
	{ 0xfffc0000, 0x40000, RESV },
};
static const struct frame_range qemu_res[] = {
	{ 0x200000, 0x280000 },	/* image */
	{ 0x280000, 0x281234 },	/* module, unaligned end */
};

/* Zones before the bitmaps: [1M, 2M) = 256 frames and [0x282000, 0x1ffe0000)
 * = 0x1fd5e frames. Bitmaps: 4 + 2038 words = 16336 bytes -> 4 pages, carved
 * from the start of the first zone. */
#define QEMU_Z1_FRAMES 0x1fd5eull
#define QEMU_TOTAL     (256 - 4 + QEMU_Z1_FRAMES)

static void init_qemu(void)
{
	assert_int_equal(init(qemu_map, ARRAY_SIZE(qemu_map), qemu_res, ARRAY_SIZE(qemu_res)), FRAME_OK);
}

/* ---- host oracle: which frames we hold ---- */

static uint8_t *held;		/* one byte per frame below held_limit */
static uint64_t held_limit;

static void held_reset(uint64_t limit)
{
	free(held);
	held_limit = limit;
	held = calloc(limit >> FRAME_SHIFT, 1);
	assert_non_null(held);
}

static void held_take(uint64_t phys, uint64_t nr)
{
	assert_true(phys + nr * FRAME_SIZE <= held_limit);
	for (uint64_t i = 0; i < nr; i++) {
		assert_int_equal(held[(phys >> FRAME_SHIFT) + i], 0);	/* never handed out twice */
		held[(phys >> FRAME_SHIFT) + i] = 1;
	}
}

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/* Allocates every frame one by one; returns how many. */
static uint64_t alloc_all(void)
{
	uint64_t n = 0, p;

	while ((p = frame_alloc(&fa)) != FRAME_NONE) {
		assert_int_equal(p % FRAME_SIZE, 0);
		assert_true(p >= MiB);
		assert_true(frame_is_used(&fa, p));
		assert_false(overlaps(p, p + FRAME_SIZE, fa.meta_base, fa.meta_base + fa.meta_bytes));
		held_take(p, 1);
		n++;
	}
	assert_int_equal(frame_free_count(&fa), 0);
	return n;
}

static void free_all(void)
{
	for (uint64_t f = 0; f < held_limit >> FRAME_SHIFT; f++) {
		if (held[f]) {
			assert_int_equal(frame_free(&fa, f << FRAME_SHIFT), FRAME_OK);
			held[f] = 0;
		}
	}
}

/* ---- cases ---- */

static void test_qemu_counts(void **state)
{
	(void)state;
	init_qemu();
	assert_int_equal(fa.meta_base, MiB);
	assert_int_equal(fa.meta_bytes, 4 * FRAME_SIZE);
	assert_int_equal(fa.nr_zones, 2);
	assert_int_equal(fa.zone[0].base, MiB + 4 * FRAME_SIZE);
	assert_int_equal(fa.zone[0].end, 2 * MiB);
	assert_int_equal(fa.zone[1].base, 0x282000);
	assert_int_equal(fa.zone[1].end, 0x1ffe0000);
	assert_int_equal(frame_total_count(&fa), QEMU_TOTAL);
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL);
	assert_int_equal(fa.bad_entries, 0);
	assert_int_equal(fa.dropped_bytes, 0x282000 - 0x281234);	/* module's partial frame */
}

static void test_qemu_alloc_all_free_all(void **state)
{
	(void)state;
	init_qemu();
	held_reset(512 * MiB);
	assert_int_equal(alloc_all(), QEMU_TOTAL);
	for (uint64_t f = 0; f < held_limit >> FRAME_SHIFT; f++) {
		uint64_t p = f << FRAME_SHIFT;

		if (!held[f])
			continue;
		assert_true(p >= MiB);	/* low 1 MiB never handed out */
		assert_false(overlaps(p, p + FRAME_SIZE, 0x200000, 0x281234));	/* image, module */
		assert_true(p + FRAME_SIZE <= 0x1ffe0000);
	}
	assert_int_equal(frame_alloc_run(&fa, 1, FRAME_SIZE), FRAME_NONE);
	free_all();
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL);
	assert_int_equal(frame_total_count(&fa), QEMU_TOTAL);
	/* Everything is usable again, each frame exactly once. */
	assert_int_equal(alloc_all(), QEMU_TOTAL);
	free_all();
}

static void test_meta_not_handed_out(void **state)
{
	(void)state;
	init_qemu();
	assert_int_equal(last_meta_phys, fa.meta_base);
	assert_int_equal(last_meta_bytes, fa.meta_bytes);
	/* The bitmaps sit in available memory but outside every zone: not managed. */
	for (uint64_t p = fa.meta_base; p < fa.meta_base + fa.meta_bytes; p += FRAME_SIZE) {
		assert_false(frame_is_used(&fa, p));
		assert_int_equal(frame_free(&fa, p), FRAME_ERR_NOT_OWNED);
	}
	held_reset(512 * MiB);
	alloc_all();	/* asserts no frame lands in the bitmaps */
	for (uint64_t p = fa.meta_base; p < fa.meta_base + fa.meta_bytes; p += FRAME_SIZE)
		assert_false(frame_is_used(&fa, p));
	free_all();
}

static void test_overlap_reserved_wins(void **state)
{
	static const struct boot_mem_range a[] = {
		{ MiB, 63 * MiB, AVAIL },
		{ 16 * MiB, MiB, RESV },
		{ 60 * MiB, 8 * MiB, BOOT_MEM_ACPI },	/* over the end of the available range */
	};
	static const struct boot_mem_range b[] = {
		{ 60 * MiB, 8 * MiB, BOOT_MEM_ACPI },
		{ 16 * MiB, MiB, RESV },
		{ MiB, 63 * MiB, AVAIL },
	};
	/* Zones [1M, 16M) and [17M, 60M); bitmap: 60 + 172 words -> 1 page. */
	uint64_t expect = (15 * MiB + 43 * MiB) / FRAME_SIZE - 1;

	(void)state;
	for (int round = 0; round < 2; round++) {
		assert_int_equal(init(round ? b : a, 3, NULL, 0), FRAME_OK);
		assert_int_equal(frame_total_count(&fa), expect);
		assert_int_equal(fa.nr_zones, 2);
		held_reset(128 * MiB);
		assert_int_equal(alloc_all(), expect);
		for (uint64_t p = 16 * MiB; p < 17 * MiB; p += FRAME_SIZE)
			assert_int_equal(held[p >> FRAME_SHIFT], 0);
		for (uint64_t p = 60 * MiB; p < 128 * MiB; p += FRAME_SIZE)
			assert_int_equal(held[p >> FRAME_SHIFT], 0);
		teardown(NULL);
	}
}

static void test_overlapping_available_merged(void **state)
{
	static const struct boot_mem_range map[] = {
		{ 4 * MiB, 8 * MiB, AVAIL },
		{ MiB, 7 * MiB, AVAIL },
		{ 12 * MiB, 4 * MiB, AVAIL },	/* touches the previous one */
	};

	(void)state;
	assert_int_equal(init(map, 3, NULL, 0), FRAME_OK);
	assert_int_equal(fa.nr_zones, 1);
	assert_int_equal(fa.zone[0].end, 16 * MiB);
	assert_int_equal(frame_total_count(&fa), 15 * MiB / FRAME_SIZE - 1);
}

static void test_unsorted_map(void **state)
{
	struct boot_mem_range map[ARRAY_SIZE(qemu_map)];
	static const int order[] = { 3, 5, 0, 4, 2, 1 };
	const struct frame_range res[] = { qemu_res[1], qemu_res[0] };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = qemu_map[order[i]];
	assert_int_equal(init(map, ARRAY_SIZE(map), res, 2), FRAME_OK);
	assert_int_equal(frame_total_count(&fa), QEMU_TOTAL);
	assert_int_equal(fa.meta_base, MiB);
	assert_int_equal(fa.zone[1].base, 0x282000);
}

static void test_bad_entries_ignored(void **state)
{
	static const struct boot_mem_range map[] = {
		{ MiB, 15 * MiB, AVAIL },
		{ 8 * MiB, 0, RESV },				/* zero length: ignored */
		{ 32 * MiB, 0, AVAIL },
		{ 0xffffffff00000000ull, 8 * GiB, AVAIL },	/* wraps past 2^64 */
		{ 0xfffffffffff00000ull, MiB, AVAIL },		/* ends exactly at 2^64 */
	};

	(void)state;
	assert_int_equal(init(map, ARRAY_SIZE(map), NULL, 0), FRAME_OK);
	assert_int_equal(fa.bad_entries, 4);
	assert_int_equal(fa.nr_zones, 1);
	assert_int_equal(fa.zone[0].end, 16 * MiB);
	assert_int_equal(frame_total_count(&fa), 15 * MiB / FRAME_SIZE - 1);
}

static void test_top_of_address_space(void **state)
{
	static const struct boot_mem_range ends_at_max[] = {
		{ MiB, 63 * MiB, AVAIL },
		{ 48 * MiB, UINT64_MAX - 48 * MiB, RESV },	/* ends at 2^64 - 1: valid */
	};
	static const struct boot_mem_range wraps[] = {
		{ MiB, 63 * MiB, AVAIL },
		{ 32 * MiB, 0 - 32 * MiB, RESV },	/* ends at 2^64: bad, still a hole */
	};
	static const struct boot_mem_range avail_top[] = {
		{ MiB, 3 * MiB, AVAIL },
		/* Last whole frame below 2^64 - 1: the zone ends at 0xfffffffffffff000. */
		{ 0xffffffffffff0000ull, 0xffffull, AVAIL },
	};

	(void)state;
	assert_int_equal(init(ends_at_max, 2, NULL, 0), FRAME_OK);
	assert_int_equal(fa.bad_entries, 0);
	assert_int_equal(fa.nr_zones, 1);
	assert_int_equal(fa.zone[0].end, 48 * MiB);
	teardown(NULL);

	assert_int_equal(init(wraps, 2, NULL, 0), FRAME_OK);
	assert_int_equal(fa.bad_entries, 1);
	assert_int_equal(fa.nr_zones, 1);
	assert_int_equal(fa.zone[0].end, 32 * MiB);	/* not proven free above 32M */
	teardown(NULL);

	assert_int_equal(init(avail_top, 2, NULL, 0), FRAME_OK);
	assert_int_equal(fa.nr_zones, 2);
	assert_int_equal(fa.zone[1].base, 0xffffffffffff0000ull);
	assert_int_equal(fa.zone[1].end, 0xfffffffffffff000ull);
	assert_int_equal(fa.dropped_bytes, 0xfff);
	assert_int_equal(frame_total_count(&fa), 3 * MiB / FRAME_SIZE - 1 + 15);
	/* The top frames are reachable and freeable without overflow. */
	assert_int_equal(frame_alloc_run(&fa, 767, FRAME_SIZE), MiB + FRAME_SIZE);
	assert_int_equal(frame_alloc_run(&fa, 15, FRAME_SIZE), 0xffffffffffff0000ull);
	assert_true(frame_is_used(&fa, 0xffffffffffffe000ull));
	assert_false(frame_is_used(&fa, 0xfffffffffffff000ull));
	assert_int_equal(frame_free_run(&fa, 0xffffffffffff0000ull, 16), FRAME_ERR_NOT_OWNED);
	assert_int_equal(frame_free(&fa, 0xfffffffffffff000ull), FRAME_ERR_NOT_OWNED);
	assert_int_equal(frame_free_run(&fa, 0xffffffffffff0000ull, 15), FRAME_OK);
	assert_int_equal(frame_alloc_run(&fa, 1, 1ull << 63), FRAME_NONE);
}

static void test_unaligned_edges_trimmed(void **state)
{
	static const struct boot_mem_range map[] = {
		{ 0x100800, 0x200400 - 0x100800, AVAIL },
	};
	static const struct frame_range res[] = {
		{ 0x150100, 0x150200 },	/* takes the whole frame 0x150000 */
	};

	(void)state;
	assert_int_equal(init(map, 1, res, 1), FRAME_OK);
	/* Pieces [0x100800, 0x150100) and [0x150200, 0x200400), trimmed inward. */
	assert_int_equal(fa.meta_base, 0x101000);
	assert_int_equal(fa.meta_bytes, FRAME_SIZE);
	assert_int_equal(fa.nr_zones, 2);
	assert_int_equal(fa.zone[0].base, 0x102000);
	assert_int_equal(fa.zone[0].end, 0x150000);
	assert_int_equal(fa.zone[1].base, 0x151000);
	assert_int_equal(fa.zone[1].end, 0x200000);
	assert_int_equal(fa.dropped_bytes, 0x800 + 0x100 + 0xe00 + 0x400);
	assert_int_equal(frame_total_count(&fa), 0x4e + 0xaf);
	assert_false(frame_is_used(&fa, 0x150000));
	assert_int_equal(frame_free(&fa, 0x150000), FRAME_ERR_NOT_OWNED);
}

static void test_run_2m(void **state)
{
	uint64_t runs[8];

	(void)state;
	init_qemu();
	held_reset(512 * MiB);
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);	/* misalign the zones' start */
	for (int i = 0; i < 8; i++) {
		runs[i] = frame_alloc_run(&fa, 512, 2 * MiB);
		assert_int_not_equal(runs[i], FRAME_NONE);
		assert_int_equal(runs[i] % (2 * MiB), 0);
		held_take(runs[i], 512);	/* disjoint from every other run */
		for (uint64_t p = runs[i]; p < runs[i] + 2 * MiB; p += FRAME_SIZE)
			assert_true(frame_is_used(&fa, p));
		assert_false(overlaps(runs[i], runs[i] + 2 * MiB, 0x200000, 0x282000));
	}
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL - 1 - 8 * 512);
	for (int i = 0; i < 8; i++)
		assert_int_equal(frame_free_run(&fa, runs[i], 512), FRAME_OK);
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL - 1);
	/* An odd-sized run at a 64 KiB alignment straddling bitmap words. */
	runs[0] = frame_alloc_run(&fa, 77, 64 * KiB);
	assert_int_equal(runs[0] % (64 * KiB), 0);
	assert_true(frame_is_used(&fa, runs[0] + 76 * FRAME_SIZE));
	assert_false(frame_is_used(&fa, runs[0] + 77 * FRAME_SIZE));
}

static void test_run_1g(void **state)
{
	/* 3 GiB of RAM below the hole plus 20 GiB above 4G: bitmap only. */
	static const struct boot_mem_range map[] = {
		{ 0, 0x9fc00, AVAIL },
		{ MiB, 3 * GiB - MiB, AVAIL },
		{ 3 * GiB, GiB, RESV },
		{ 4 * GiB, 20 * GiB, AVAIL },
	};
	uint64_t frames_1g = GiB / FRAME_SIZE, a, b, c;

	(void)state;
	assert_int_equal(init(map, ARRAY_SIZE(map), NULL, 0), FRAME_OK);
	assert_int_equal(fa.meta_base, MiB);
	/* Words: 786176/64 = 12284, 5242880/64 = 81920 -> 94204 words = 184 pages */
	assert_int_equal(fa.meta_bytes, 184 * FRAME_SIZE);
	assert_int_equal(frame_total_count(&fa), 786176 - 184 + 5242880);
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);	/* lands at the bottom */
	a = frame_alloc_run(&fa, frames_1g, GiB);
	b = frame_alloc_run(&fa, frames_1g, GiB);
	assert_int_equal(a, 1 * GiB);
	assert_int_equal(b, 2 * GiB);
	assert_true(frame_is_used(&fa, a) && frame_is_used(&fa, a + GiB - FRAME_SIZE));
	/* Fragment every GiB above 4G: one used frame at its start. */
	for (uint64_t i = 0; i < 20; i++)
		assert_int_equal(frame_alloc_run(&fa, 1, GiB), (4 + i) * GiB);
	assert_int_equal(frame_alloc_run(&fa, frames_1g, GiB), FRAME_NONE);
	/* 2 MiB runs still fit between them. */
	c = frame_alloc_run(&fa, 512, 2 * MiB);
	assert_int_not_equal(c, FRAME_NONE);
	assert_int_equal(c % (2 * MiB), 0);
	assert_int_equal(frame_free_run(&fa, a, frames_1g), FRAME_OK);
	assert_int_equal(frame_alloc_run(&fa, frames_1g, GiB), GiB);
}

static void test_run_fragmented(void **state)
{
	static const struct boot_mem_range map[] = { { MiB, 15 * MiB, AVAIL } };
	uint64_t total, before;

	(void)state;
	assert_int_equal(init(map, 1, NULL, 0), FRAME_OK);
	held_reset(16 * MiB);
	total = alloc_all();
	assert_int_equal(total, frame_total_count(&fa));
	/* Free every other frame: lots free, no two adjacent. */
	for (uint64_t f = 0; f < held_limit >> FRAME_SHIFT; f += 2) {
		if (held[f]) {
			assert_int_equal(frame_free(&fa, f << FRAME_SHIFT), FRAME_OK);
			held[f] = 0;
		}
	}
	before = frame_free_count(&fa);
	assert_true(before > 1000);
	assert_int_equal(frame_alloc_run(&fa, 2, FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 512, 2 * MiB), FRAME_NONE);
	assert_int_equal(frame_free_count(&fa), before);
	assert_int_not_equal(frame_alloc_run(&fa, 1, FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_free_count(&fa), before - 1);
}

static void test_run_invalid(void **state)
{
	(void)state;
	init_qemu();
	assert_int_equal(frame_alloc_run(&fa, 1, 0), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 1, 3), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 1, 2048), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 1, 3 * FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 0, FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, QEMU_TOTAL + 1, FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, UINT64_MAX, FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 1, 1ull << 63), FRAME_NONE);
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL);
}

static void test_bad_free(void **state)
{
	uint64_t p, q;

	(void)state;
	init_qemu();
	p = frame_alloc(&fa);
	q = frame_alloc(&fa);
	assert_int_equal(frame_free(&fa, p), FRAME_OK);
	assert_int_equal(frame_free(&fa, p), FRAME_ERR_DOUBLE_FREE);
	assert_int_equal(frame_free(&fa, q + 8), FRAME_ERR_INVALID);
	assert_int_equal(frame_free(&fa, 0), FRAME_ERR_NOT_OWNED);
	assert_int_equal(frame_free(&fa, 0x200000), FRAME_ERR_NOT_OWNED);	/* image */
	assert_int_equal(frame_free(&fa, 4 * GiB), FRAME_ERR_NOT_OWNED);
	assert_int_equal(frame_free(&fa, 0xfffffffffffff000ull), FRAME_ERR_NOT_OWNED);
	assert_int_equal(frame_free_run(&fa, q, 0), FRAME_ERR_INVALID);
	assert_int_equal(frame_free_run(&fa, 0x1ffdf000, 2), FRAME_ERR_NOT_OWNED);	/* past zone end */
	assert_int_equal(frame_free_run(&fa, q, UINT64_MAX), FRAME_ERR_NOT_OWNED);
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL - 1);
	assert_true(frame_is_used(&fa, q));
	assert_int_equal(frame_free(&fa, q), FRAME_OK);
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL);
}

static void test_free_run_atomic(void **state)
{
	uint64_t r, before;

	(void)state;
	init_qemu();
	r = frame_alloc_run(&fa, 8, FRAME_SIZE);
	assert_int_not_equal(r, FRAME_NONE);
	assert_int_equal(frame_free(&fa, r + 5 * FRAME_SIZE), FRAME_OK);
	before = frame_free_count(&fa);
	assert_int_equal(frame_free_run(&fa, r, 8), FRAME_ERR_DOUBLE_FREE);
	assert_int_equal(frame_free_count(&fa), before);
	for (int i = 0; i < 8; i++)
		assert_int_equal(frame_is_used(&fa, r + i * FRAME_SIZE), i != 5);
	assert_int_equal(frame_free_run(&fa, r, 5), FRAME_OK);
	assert_int_equal(frame_free_run(&fa, r + 6 * FRAME_SIZE, 2), FRAME_OK);
	assert_int_equal(frame_free_count(&fa), QEMU_TOTAL);
}

static void test_hint_reuses_freed(void **state)
{
	uint64_t a, b;

	(void)state;
	init_qemu();
	a = frame_alloc(&fa);
	b = frame_alloc(&fa);
	assert_int_equal(b, a + FRAME_SIZE);
	assert_int_equal(frame_free(&fa, a), FRAME_OK);
	assert_int_equal(frame_alloc(&fa), a);
	assert_int_equal(frame_alloc(&fa), b + FRAME_SIZE);
}

static void test_too_many_zones(void **state)
{
	struct boot_mem_range map[FRAME_MAX_ZONES + 2];

	(void)state;
	/* 1 MiB available every 2 MiB from 2 MiB on. */
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct boot_mem_range){ (2 + 2 * i) * MiB, MiB, AVAIL };
	assert_int_equal(init(map, ARRAY_SIZE(map), NULL, 0), FRAME_OK);
	assert_int_equal(fa.nr_zones, FRAME_MAX_ZONES);
	assert_int_equal(fa.dropped_bytes, 2 * MiB);
	/* 128 zones x 4 words = 1 page of bitmaps, from the first zone. */
	assert_int_equal(fa.meta_base, 2 * MiB);
	assert_int_equal(frame_total_count(&fa), FRAME_MAX_ZONES * 256 - 1);
	assert_false(frame_is_used(&fa, map[FRAME_MAX_ZONES].base));
	assert_int_equal(frame_free(&fa, map[FRAME_MAX_ZONES].base), FRAME_ERR_NOT_OWNED);
}

static void test_meta_consumes_zone(void **state)
{
	static const struct boot_mem_range map[] = {
		{ 2 * MiB, FRAME_SIZE, AVAIL },
		{ 3 * MiB, FRAME_SIZE, AVAIL },
		{ 4 * MiB, 2 * FRAME_SIZE, AVAIL },
	};

	(void)state;
	assert_int_equal(init(map, 3, NULL, 0), FRAME_OK);
	assert_int_equal(fa.meta_base, 2 * MiB);
	assert_int_equal(fa.nr_zones, 2);
	assert_int_equal(fa.zone[0].base, 3 * MiB);
	assert_int_equal(frame_total_count(&fa), 3);
	assert_int_equal(frame_alloc_run(&fa, 2, 8 * KiB), 4 * MiB);
	assert_int_equal(frame_alloc(&fa), 3 * MiB);
	assert_int_equal(frame_alloc(&fa), FRAME_NONE);
}

static void test_no_memory(void **state)
{
	static const struct boot_mem_range only_resv[] = { { MiB, 64 * MiB, RESV } };
	static const struct boot_mem_range only_low[] = { { 0, 0x9fc00, AVAIL }, { 0xa0000, 0x60000, AVAIL } };
	static const struct boot_mem_range all_reserved[] = { { MiB, 2 * MiB, AVAIL } };
	static const struct frame_range res[] = { { 0, 4 * MiB } };
	static const struct boot_mem_range ok[] = { { MiB, MiB, AVAIL } };

	(void)state;
	assert_int_equal(init(NULL, 0, NULL, 0), FRAME_ERR_NO_MEMORY);
	assert_int_equal(init(only_resv, 1, NULL, 0), FRAME_ERR_NO_MEMORY);
	assert_int_equal(init(only_low, 2, NULL, 0), FRAME_ERR_NO_MEMORY);
	assert_int_equal(init(all_reserved, 1, res, 1), FRAME_ERR_NO_MEMORY);
	assert_int_equal(frame_total_count(&fa), 0);
	assert_int_equal(frame_alloc(&fa), FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 1, FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_free(&fa, MiB), FRAME_ERR_NOT_OWNED);
	/* Memory exists but the bitmaps cannot be mapped. */
	assert_int_equal(frame_init(&fa, ok, 1, NULL, 0, null_ptr, NULL), FRAME_ERR_NO_MEMORY);
	assert_int_equal(fa.nr_zones, 0);
	assert_int_equal(frame_alloc(&fa), FRAME_NONE);
}

static void test_invalid_init(void **state)
{
	static const struct boot_mem_range map[] = { { MiB, MiB, AVAIL } };
	static const struct frame_range backwards[] = { { 3 * MiB, 2 * MiB } };
	static const struct frame_range empty[] = { { 3 * MiB, 3 * MiB } };

	(void)state;
	assert_int_equal(init(map, 1, backwards, 1), FRAME_ERR_INVALID);
	assert_int_equal(init(map, BOOT_MAX_MMAP + 1, NULL, 0), FRAME_ERR_INVALID);
	assert_int_equal(init(map, 1, empty, FRAME_MAX_RESERVED + 1), FRAME_ERR_INVALID);
	assert_int_equal(frame_init(&fa, map, 1, NULL, 0, NULL, NULL), FRAME_ERR_INVALID);
	assert_int_equal(init(map, 1, empty, 1), FRAME_OK);	/* empty reserved range: fine */
}

static void test_low_memory_enforced(void **state)
{
	static const struct boot_mem_range map[] = { { 0, 4 * MiB, AVAIL } };

	(void)state;
	assert_int_equal(init(map, 1, NULL, 0), FRAME_OK);	/* caller forgot the low 1 MiB */
	assert_int_equal(fa.zone[0].base, MiB + FRAME_SIZE);
	assert_false(frame_is_used(&fa, 0));
	held_reset(4 * MiB);
	assert_int_equal(alloc_all(), 3 * MiB / FRAME_SIZE - 1);	/* asserts p >= 1 MiB */
}

static void test_strerror(void **state)
{
	(void)state;
	for (int s = FRAME_OK; s <= FRAME_ERR_DOUBLE_FREE; s++) {
		assert_non_null(frame_strerror(s));
		for (int t = FRAME_OK; t < s; t++)
			assert_string_not_equal(frame_strerror(s), frame_strerror(t));
	}
	assert_non_null(frame_strerror((enum frame_status)99));
}

/* failalloc=: the n-th call of either allocator fails, once, and takes
 * nothing; 0 disarms; the calls around it are served. */
static void test_fail_nth(void **state)
{
	uint64_t a, b, free0;

	(void)state;
	init_qemu();
	free0 = frame_free_count(&fa);
	frame_fail_nth(&fa, 3);
	a = frame_alloc(&fa);					/* 1 */
	b = frame_alloc_run(&fa, 512, 2 * MiB);			/* 2 */
	assert_int_not_equal(a, FRAME_NONE);
	assert_int_not_equal(b, FRAME_NONE);
	assert_int_equal(frame_alloc_run(&fa, 16, FRAME_SIZE), FRAME_NONE);	/* 3: fails */
	assert_int_equal(frame_free_count(&fa), free0 - 1 - 512);	/* took nothing */
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);	/* 4: served again */
	frame_fail_nth(&fa, 1);
	assert_int_equal(frame_alloc(&fa), FRAME_NONE);		/* the next one */
	frame_fail_nth(&fa, 2);
	frame_fail_nth(&fa, 0);					/* disarmed */
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);
	/* A call refused for its arguments is no allocation: it does not count. */
	frame_fail_nth(&fa, 2);
	assert_int_equal(frame_alloc_run(&fa, 0, FRAME_SIZE), FRAME_NONE);
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);
	assert_int_equal(frame_alloc(&fa), FRAME_NONE);
	assert_int_not_equal(frame_alloc(&fa), FRAME_NONE);
}


/* Small allocations keep out of whole free 2 MiB blocks (they fill the
 * partly used block first), then out of whole free 1 GiB blocks. */
static void test_small_spares_large_blocks(void **state)
{
	/* [1G, 3G + 1M): [1G, 3G) holds two whole GiBs; [3G, 3G + 1M) holds no 2M block. */
	static const struct boot_mem_range map[] = { { GiB, 2 * GiB + MiB, AVAIL } };
	uint64_t p, q, edge;

	(void)state;
	assert_int_equal(init(map, 1, NULL, 0), FRAME_OK);
	/* The bitmaps from the zone's ragged end, not from a whole GiB. */
	assert_int_equal(fa.meta_base + fa.meta_bytes, 3 * GiB + MiB);
	p = frame_alloc(&fa);
	assert_int_equal(p, 3 * GiB);			/* the ragged edge, not 1 GiB */
	edge = (MiB - fa.meta_bytes) / FRAME_SIZE;
	q = frame_alloc_run(&fa, 16, FRAME_SIZE);
	assert_int_equal(q, 3 * GiB + FRAME_SIZE);
	/* A 2 MiB-aligned run cannot go to the edge: it spares the whole GiBs
	 * only if there is room elsewhere; here there is none, so it breaks one. */
	assert_int_equal(frame_alloc_run(&fa, 512, 2 * MiB), GiB);
	/* Now a partly used 2 MiB block exists nowhere in [1G, 3G): single
	 * frames fill the edge first, then the broken GiB, sparing the other. */
	for (uint64_t i = 0; i < edge - 1 - 16; i++)
		assert_true(frame_alloc(&fa) >= 3 * GiB);
	p = frame_alloc(&fa);
	assert_true(p >= GiB + 2 * MiB && p < 2 * GiB);
	/* ... and the whole free 2 MiB block after it is spared by the next one. */
	assert_int_equal(frame_alloc(&fa), p + FRAME_SIZE);
}

/* A zone whose start is GiB-aligned and whose end is not: the bitmaps go to
 * the end; with whole GiBs at both ends, to the start of the first zone. */
static void test_meta_spares_gib(void **state)
{
	static const struct boot_mem_range two[] = { { GiB, GiB, AVAIL } };

	(void)state;
	assert_int_equal(init(two, 1, NULL, 0), FRAME_OK);
	assert_int_equal(fa.meta_base, GiB);		/* no place spares the GiB */
	teardown(NULL);
	{
		static const struct boot_mem_range map[] = { { 4 * GiB, GiB + 3 * MiB, AVAIL } };

		assert_int_equal(init(map, 1, NULL, 0), FRAME_OK);
		assert_int_equal(fa.meta_base + fa.meta_bytes, 5 * GiB + 3 * MiB);
		assert_int_not_equal(frame_alloc_run(&fa, GiB / FRAME_SIZE, GiB), FRAME_NONE);
	}
}

/* frame_alloc_largest: the longest aligned run, capped, lowest of equals,
 * clipped at whole free avoid blocks; arguments; fault injection. */
static void test_alloc_largest(void **state)
{
	/* [1M, 64M) and [128M, 160M). */
	static const struct boot_mem_range map[] = { { MiB, 63 * MiB, AVAIL },
						     { 128 * MiB, 32 * MiB, AVAIL } };
	uint64_t b, n, free0;

	(void)state;
	assert_int_equal(init(map, 2, NULL, 0), FRAME_OK);
	free0 = frame_free_count(&fa);
	/* Hole at [10M, 12M): free 2M-aligned runs [2M, 10M) = 8M, [12M, 64M) = 52M, [128M, 160M) = 32M. */
	assert_int_equal(frame_alloc_run(&fa, 512, 2 * MiB), 2 * MiB);	/* spares nothing: no GiB */
	b = frame_alloc_run(&fa, 512, 2 * MiB);
	assert_int_equal(b, 4 * MiB);
	assert_int_equal(frame_free_run(&fa, 2 * MiB, 512), FRAME_OK);
	/* now [4M, 6M) used: runs [2M, 4M) = 2M, [6M, 64M) = 58M, [128M, 160M) = 32M */
	assert_int_equal(frame_alloc_largest(&fa, 1024 * 512, 2 * MiB, 0, &b, &n), FRAME_OK);
	assert_int_equal(b, 6 * MiB);
	assert_int_equal(n, 58 * 256);
	assert_int_equal(frame_alloc_largest(&fa, 8 * 256, 2 * MiB, 0, &b, &n), FRAME_OK);
	assert_int_equal(b, 128 * MiB);			/* capped: the first that reaches the cap */
	assert_int_equal(n, 8 * 256);
	/* avoid 16M: [136M, 160M) holds whole free 16M blocks at 144M; the run
	 * before them, [136M, 144M), is the longest that spares them. */
	assert_int_equal(frame_alloc_largest(&fa, 64 * 256, 2 * MiB, 16 * MiB, &b, &n), FRAME_OK);
	assert_int_equal(b, 136 * MiB);
	assert_int_equal(n, 8 * 256);
	/* 4 KiB granules sparing 2M blocks: [1M, 2M) after the bitmaps (block
	 * [0, 2M) is not whole in the zone); [2M, 4M) and [144M, 160M) are spared. */
	assert_int_equal(frame_alloc_largest(&fa, 1024, FRAME_SIZE, 2 * MiB, &b, &n), FRAME_OK);
	assert_int_equal(b, MiB + fa.meta_bytes);
	assert_int_equal(n, (MiB - fa.meta_bytes) / FRAME_SIZE);
	/* Without sparing, the cap is reached first at 144M ([2M, 4M) is shorter). */
	assert_int_equal(frame_alloc_largest(&fa, 1024, FRAME_SIZE, 0, &b, &n), FRAME_OK);
	assert_int_equal(b, 144 * MiB);
	assert_int_equal(n, 1024);
	/* Nothing aligned left at 1G granules. */
	assert_int_equal(frame_alloc_largest(&fa, GiB / FRAME_SIZE, GiB, 0, &b, &n), FRAME_OK);
	assert_int_equal(n, 0);
	assert_int_equal(b, FRAME_NONE);
	/* Bad arguments take nothing and count no allocation. */
	frame_fail_nth(&fa, 1);
	assert_int_equal(frame_alloc_largest(&fa, 100, 3 * FRAME_SIZE, 0, &b, &n), FRAME_ERR_INVALID);
	assert_int_equal(frame_alloc_largest(&fa, 100, 2 * MiB, 0, &b, &n), FRAME_ERR_INVALID);
	assert_int_equal(frame_alloc_largest(&fa, 512, 2 * MiB, 2 * MiB, &b, &n), FRAME_ERR_INVALID);
	assert_int_equal(frame_alloc_largest(&fa, 512, 2 * MiB, 0, &b, &n), FRAME_ERR_NO_MEMORY);
	assert_int_equal(n, 0);
	assert_int_equal(frame_alloc_largest(&fa, 512, 2 * MiB, 0, &b, &n), FRAME_OK);
	assert_int_equal(n, 512);
	(void)free0;
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_qemu_counts),
		T(test_qemu_alloc_all_free_all),
		T(test_meta_not_handed_out),
		T(test_overlap_reserved_wins),
		T(test_overlapping_available_merged),
		T(test_unsorted_map),
		T(test_bad_entries_ignored),
		T(test_top_of_address_space),
		T(test_unaligned_edges_trimmed),
		T(test_run_2m),
		T(test_run_1g),
		T(test_run_fragmented),
		T(test_run_invalid),
		T(test_bad_free),
		T(test_free_run_atomic),
		T(test_hint_reuses_freed),
		T(test_too_many_zones),
		T(test_meta_consumes_zone),
		T(test_no_memory),
		T(test_invalid_init),
		T(test_low_memory_enforced),
		T(test_strerror),
		T(test_fail_nth),
		T(test_small_spares_large_blocks),
		T(test_meta_spares_gib),
		T(test_alloc_largest),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	free(held);
	return failed;
}
