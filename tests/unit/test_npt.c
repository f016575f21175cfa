/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for mm/npt.c. Tables are malloc'd 4 KiB blocks behind fake
 * physical addresses high in the 52-bit space (so table addresses use the
 * upper entry bits); the pool counts allocations and frees and can fail on
 * demand. Translations are checked against a plain list of mapped ranges,
 * and the table tree itself against the entry-format rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/lib.h"
#include "mm/npt.h"
#include "tests/common/npt_tree.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

/* ---- table pool ---- */

#define POOL_SLOTS 8192
#define POOL_BASE  0xfedc00000000ull	/* fake phys of slot 0 */

static void *slot[POOL_SLOTS];
static uint64_t nr_allocs, nr_frees, nr_live;
static long fail_after = -1;	/* allocations that still succeed; -1: all */

static uint64_t pool_alloc(void *ctx)
{
	(void)ctx;
	if (fail_after == 0)
		return 0;
	if (fail_after > 0)
		fail_after--;
	for (size_t i = 0; i < POOL_SLOTS; i++) {
		if (!slot[i]) {
			slot[i] = aligned_alloc(4096, 4096);
			assert_non_null(slot[i]);
			memset(slot[i], 0xa5, 4096);	/* npt must zero it */
			nr_allocs++;
			nr_live++;
			return POOL_BASE + i * 4096;
		}
	}
	fail_msg("table pool exhausted");
	return 0;
}

static size_t pool_slot(uint64_t phys)
{
	size_t i = (phys - POOL_BASE) / 4096;

	assert_true(phys >= POOL_BASE && phys % 4096 == 0 && i < POOL_SLOTS);
	assert_non_null(slot[i]);	/* a live table: catches double frees and stale pointers */
	return i;
}

static void pool_free(void *ctx, uint64_t phys)
{
	size_t i = pool_slot(phys);

	(void)ctx;
	free(slot[i]);
	slot[i] = NULL;
	nr_frees++;
	nr_live--;
}

static void *pool_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return slot[pool_slot(phys)];
}

static const struct npt_mem pool = { pool_alloc, pool_free, pool_ptr, NULL };

static struct npt n;

static void start(bool allow_1g)
{
	assert_int_equal(npt_init(&n, &pool, allow_1g), NPT_OK);
	assert_int_equal(n.tables, 1);
	assert_int_equal(nr_live, 1);
}

/* ---- reference model: a list of mapped ranges ---- */

struct ref_range {
	uint64_t gpa, hpa, size;
	unsigned flags;
};

#define REF_MAX 4096
static struct ref_range ref[REF_MAX];
static size_t nr_ref;

static void ref_add(uint64_t gpa, uint64_t hpa, uint64_t size, unsigned flags)
{
	assert_true(nr_ref < REF_MAX);
	ref[nr_ref++] = (struct ref_range){ gpa, hpa, size, flags };
}

static void ref_remove(uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;
	size_t count = nr_ref;

	for (size_t i = 0; i < count; i++) {
		struct ref_range r = ref[i];
		uint64_t rend = r.gpa + r.size;

		if (rend <= gpa || r.gpa >= end)
			continue;
		ref[i].size = 0;	/* dropped; the pieces outside come back */
		if (r.gpa < gpa)
			ref_add(r.gpa, r.hpa, gpa - r.gpa, r.flags);
		if (rend > end)
			ref_add(end, r.hpa + (end - r.gpa), rend - end, r.flags);
	}
	count = 0;
	for (size_t i = 0; i < nr_ref; i++)
		if (ref[i].size)
			ref[count++] = ref[i];
	nr_ref = count;
}

static const struct ref_range *ref_find(uint64_t gpa)
{
	for (size_t i = 0; i < nr_ref; i++)
		if (gpa >= ref[i].gpa && gpa - ref[i].gpa < ref[i].size)
			return &ref[i];
	return NULL;
}

/* npt_map and the reference together. */
static void map(uint64_t gpa, uint64_t hpa, uint64_t size, unsigned flags)
{
	assert_int_equal(npt_map(&n, gpa, hpa, size, flags), NPT_OK);
	ref_add(gpa, hpa, size, flags);
}

static void unmap(uint64_t gpa, uint64_t size)
{
	assert_int_equal(npt_unmap(&n, gpa, size), NPT_OK);
	ref_remove(gpa, size);
}

static uint64_t leaf_addr_of(uint64_t e, uint64_t page_size)
{
	return e & NPT_ADDR & ~(page_size - 1);
}

static void check_addr(uint64_t gpa)
{
	const struct ref_range *r = ref_find(gpa);
	struct npt_walk w;
	uint64_t page;

	assert_int_equal(npt_translate(&n, gpa, &w), r != NULL);
	assert_int_equal(w.present, r != NULL);
	assert_true(w.levels >= 1 && w.levels <= 4);
	if (!r) {
		assert_int_equal(w.entry[w.levels - 1] & NPT_P, 0);
		return;
	}
	assert_int_equal(w.hpa, r->hpa + (gpa - r->gpa));
	assert_int_equal(w.flags, r->flags);
	assert_int_equal(w.levels, w.page_size == GiB ? 2 : w.page_size == 2 * MiB ? 3 : 4);
	assert_int_equal(leaf_addr_of(w.entry[w.levels - 1], w.page_size), w.hpa & ~(w.page_size - 1));
	/* The whole page lies inside one reference range, contiguous. */
	page = gpa & ~(w.page_size - 1);
	assert_true(page >= r->gpa && page + w.page_size <= r->gpa + r->size);
}

/* Both ends of every range and its neighbours, plus random addresses below limit. */
static void check_ref(uint64_t limit, int randoms)
{
	for (size_t i = 0; i < nr_ref; i++) {
		uint64_t a = ref[i].gpa, e = a + ref[i].size;

		check_addr(a);
		check_addr(e - 1);
		check_addr(a + ref[i].size / 2);
		if (a >= 4096)
			check_addr(a - 1);
		if (e < (1ull << NPT_GPA_BITS))
			check_addr(e);
	}
	for (int i = 0; i < randoms; i++)
		check_addr(((uint64_t)random() << 31 ^ (uint64_t)random()) % limit);
}

/* ---- the tree itself ---- */

/* The counters match the tree, and the pool holds exactly its tables. */
static void check_tree(void)
{
	struct tree_count c = { 0 };
	const char *why = npt_tree_walk(n.root, 39, pool_ptr, &c);

	if (why)
		fail_msg("nested page table: %s", why);
	assert_int_equal(c.p1g, n.pages_1g);
	assert_int_equal(c.p2m, n.pages_2m);
	assert_int_equal(c.p4k, n.pages_4k);
	assert_int_equal(c.tables, n.tables);
	assert_int_equal(nr_live, n.tables);
}

static void counts(uint64_t p1g, uint64_t p2m, uint64_t p4k, uint64_t tables)
{
	assert_int_equal(n.pages_1g, p1g);
	assert_int_equal(n.pages_2m, p2m);
	assert_int_equal(n.pages_4k, p4k);
	assert_int_equal(n.tables, tables);
	check_tree();
}

static int setup(void **state)
{
	(void)state;
	memset(&n, 0, sizeof(n));
	nr_ref = 0;
	nr_allocs = nr_frees = nr_live = 0;
	fail_after = -1;
	srandom(1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fail_after = -1;
	npt_destroy(&n);
	assert_int_equal(n.tables, 0);
	assert_int_equal(nr_live, 0);	/* destroy freed every table */
	assert_int_equal(nr_allocs, nr_frees);
	return 0;
}

/* ---- tests ---- */

static void test_init(void **state)
{
	struct npt_mem m = pool;

	(void)state;
	assert_int_equal(npt_init(&n, NULL, true), NPT_ERR_INVALID);
	m.ptr = NULL;
	assert_int_equal(npt_init(&n, &m, true), NPT_ERR_INVALID);
	m = pool;
	m.free_table = NULL;
	assert_int_equal(npt_init(&n, &m, true), NPT_ERR_INVALID);
	fail_after = 0;
	assert_int_equal(npt_init(&n, &pool, true), NPT_ERR_NO_MEMORY);
	assert_int_equal(n.root, 0);
	npt_destroy(&n);	/* after a failed init: a no-op */
	assert_int_equal(npt_map(&n, 0, 0, 4096, 0), NPT_ERR_INVALID);
	assert_int_equal(npt_unmap(&n, 0, 4096), NPT_ERR_INVALID);
	fail_after = -1;
	start(true);
	assert_int_equal(nr_allocs, 1);
	counts(0, 0, 0, 1);
	check_addr(0);	/* empty: the PML4 entry is absent */
}

static void test_page_sizes_mixed(void **state)
{
	/* 4K, 2M, 1G, 2M, 4K pieces around the 1 GiB boundary, identity. */
	uint64_t gpa = GiB - 2 * MiB - 4 * KiB;
	uint64_t size = 4 * KiB + 2 * MiB + GiB + 2 * MiB + 4 * KiB;
	struct npt_walk w;

	(void)state;
	start(true);
	map(gpa, gpa, size, NPT_W | NPT_X);
	/* Tables: PML4, PDPT, PD for [0,1G), PD for [2G,3G), 2 PTs. */
	counts(1, 2, 2, 6);
	assert_true(npt_translate(&n, gpa, &w));
	assert_int_equal(w.page_size, 4 * KiB);
	assert_true(npt_translate(&n, GiB - 2 * MiB, &w));
	assert_int_equal(w.page_size, 2 * MiB);
	assert_true(npt_translate(&n, GiB + 12345, &w));
	assert_int_equal(w.page_size, GiB);
	assert_int_equal(w.hpa, GiB + 12345);
	assert_int_equal(w.levels, 2);
	assert_true(npt_translate(&n, 2 * GiB + MiB, &w));
	assert_int_equal(w.page_size, 2 * MiB);
	assert_true(npt_translate(&n, 2 * GiB + 2 * MiB, &w));
	assert_int_equal(w.page_size, 4 * KiB);
	assert_false(npt_translate(&n, 2 * GiB + 2 * MiB + 4 * KiB, &w));
	assert_int_equal(w.levels, 4);	/* absent in the PT */
	check_ref(4 * GiB, 2000);
}

static void test_page_sizes_large_run(void **state)
{
	(void)state;
	start(true);
	/* 3 GiB + 6 MiB + 12 KiB at 4 GiB -> hpa 64 GiB: 1G pages, then 2M, then 4K. */
	map(4 * GiB, 64 * GiB, 3 * GiB + 6 * MiB + 12 * KiB, NPT_W);
	counts(3, 3, 3, 4);	/* PML4, PDPT, PD, PT */
	check_ref(16 * GiB, 5000);
}

static void test_misaligned_hpa(void **state)
{
	struct npt_walk w;

	(void)state;
	start(true);
	/* gpa 2M-aligned, hpa only 4K-aligned: nothing larger than 4K. */
	map(2 * MiB, 16 * MiB + 4 * KiB, 4 * MiB, NPT_W);
	counts(0, 0, 1024, 5);	/* PML4, PDPT, PD, 2 PTs */
	/* gpa 1G-aligned, hpa 2M- but not 1G-aligned: 2M pages only. */
	map(GiB, 3 * GiB + 2 * MiB, GiB, NPT_W);
	counts(0, 512, 1024, 6);
	/* hpa 1G-aligned, gpa 2M-aligned only: 2M pages. */
	map(8 * GiB + 2 * MiB, 16 * GiB, 4 * MiB, 0);
	counts(0, 514, 1024, 7);
	assert_true(npt_translate(&n, 2 * MiB + 5, &w));
	assert_int_equal(w.hpa, 16 * MiB + 4 * KiB + 5);
	assert_int_equal(w.page_size, 4 * KiB);
	check_ref(16 * GiB, 5000);
}

static void test_no_1g(void **state)
{
	struct npt_walk w;

	(void)state;
	start(false);
	map(0, 0, 2 * GiB + 4 * KiB, NPT_W | NPT_X);
	counts(0, 1024, 1, 6);	/* PML4, PDPT, 3 PDs, 1 PT */
	assert_true(npt_translate(&n, GiB, &w));
	assert_int_equal(w.page_size, 2 * MiB);
	check_ref(4 * GiB, 2000);
}

/* A PC-like guest: RAM with the legacy and PCI holes left absent. */
static void test_holes(void **state)
{
	struct npt_walk w;
	uint64_t host = 128 * GiB;

	(void)state;
	start(true);
	map(0, host, 640 * KiB, NPT_W | NPT_X);
	map(MiB, host + MiB, 3 * GiB - MiB, NPT_W | NPT_X);
	map(4 * GiB, host + 3 * GiB, 2 * GiB, NPT_W | NPT_X);
	assert_int_equal(n.pages_1g, 4);	/* [1G, 3G) and [4G, 6G) */
	assert_int_equal(n.pages_2m, 511);	/* [2M, 1G) */
	assert_false(npt_translate(&n, 0xa0000, &w));	/* VGA hole */
	assert_false(npt_translate(&n, 0xfffff, &w));
	assert_false(npt_translate(&n, 0xfee00000, &w));	/* LAPIC */
	assert_int_equal(w.levels, 2);	/* no PD for 3G..4G at all */
	assert_false(npt_translate(&n, 6 * GiB, &w));
	assert_false(npt_translate(&n, 1ull << 47, &w));
	assert_int_equal(w.levels, 1);
	assert_false(npt_translate(&n, 1ull << 48, &w));	/* beyond 48 bits */
	assert_int_equal(w.levels, 0);
	check_ref(8 * GiB, 20000);
	check_tree();
}

/* Many random mappings with random alignments, checked against the list. */
static void test_translate_random(void **state)
{
	(void)state;
	start(true);
	for (int i = 0; i < 200; i++) {
		/* Slots of 8 GiB; in each a range with random size and alignment. */
		uint64_t gpa = i * 8 * GiB, hpa = (uint64_t)(i % 7) * 64 * GiB;
		int kind = random() % 4;
		uint64_t size = ((uint64_t)random() % (3 * GiB / 4096) + 1) * 4096;

		if (kind == 0)
			gpa += ((uint64_t)random() % 512) * 4096;	/* 4K head */
		else if (kind == 1)
			gpa += ((uint64_t)random() % 512) * 2 * MiB;	/* 2M head */
		if (kind == 3)
			hpa += ((uint64_t)random() % 512) * 4096;	/* 4K only */
		else
			hpa += gpa % (2 * MiB);	/* the same offset in a 2M page */
		if (kind == 3)
			size = size % (64 * MiB) + 4096;
		map(gpa, hpa, size, (unsigned)random() & (NPT_W | NPT_X));
	}
	assert_true(n.pages_1g > 20 && n.pages_2m > 1000 && n.pages_4k > 1000);
	check_tree();
	check_ref(200 * 8 * GiB, 100000);
}

static void test_unmap_split_1g(void **state)
{
	struct npt_walk w;
	uint64_t hole = GiB + 3 * MiB + 8 * KiB;

	(void)state;
	start(true);
	map(GiB, 5 * GiB, GiB, NPT_W | NPT_X);
	counts(1, 0, 0, 2);
	unmap(hole, 4 * KiB);
	/* 1G -> 512 x 2M; the 2M at 1G+2M -> 512 x 4K; one 4K gone. */
	counts(0, 511, 511, 4);
	assert_false(npt_translate(&n, hole, &w));
	assert_int_equal(w.levels, 4);
	assert_true(npt_translate(&n, hole - 1, &w));
	assert_int_equal(w.hpa, 5 * GiB + (hole - 1 - GiB));
	assert_int_equal(w.flags, NPT_W | NPT_X);
	check_ref(4 * GiB, 5000);
	/* Unmapping everything else frees every table but the PML4. */
	unmap(GiB, 4 * MiB);
	counts(0, 510, 0, 3);
	unmap(0, 4 * GiB);
	counts(0, 0, 0, 1);
	check_ref(4 * GiB, 1000);
}

static void test_unmap_split_2m(void **state)
{
	(void)state;
	start(true);
	map(6 * MiB, 6 * MiB, 2 * MiB, 0);
	counts(0, 1, 0, 3);
	/* Covers the page's end and beyond (unmapped there). */
	unmap(7 * MiB, 4 * MiB);
	counts(0, 0, 256, 4);
	check_ref(64 * MiB, 2000);
	/* Covers its start, from below. */
	unmap(4 * MiB, 2 * MiB + 4 * KiB);
	counts(0, 0, 255, 4);
	check_ref(64 * MiB, 2000);
	/* 1G page, range over its middle 2M-aligned: split to 2M only. */
	map(GiB, GiB, GiB, NPT_X);
	unmap(GiB + 10 * MiB, 4 * MiB);
	counts(0, 510, 255, 5);
	check_ref(4 * GiB, 5000);
}

static void test_unmap_whole_and_holes(void **state)
{
	(void)state;
	start(true);
	unmap(0, 1ull << 48);	/* nothing mapped: fine */
	counts(0, 0, 0, 1);
	map(0, 0, 4 * GiB, NPT_W);
	map(1ull << 47, 1ull << 40, 4 * KiB, 0);
	unmap(2 * GiB + 4 * KiB, (1ull << 47) - 2 * GiB - 4 * KiB);	/* up to the last page */
	counts(2, 0, 2, 7);	/* 1G at 0 and 1G, 4K at 2G and at 2^47 */
	check_ref(1ull << 48, 5000);
	unmap(0, 1ull << 48);
	counts(0, 0, 0, 1);
	assert_int_equal(nr_ref, 0);
}

static void test_overlap_rejected(void **state)
{
	static const struct { uint64_t gpa, size; } bad[] = {
		{ 2 * GiB, 4 * KiB },			/* inside the 1G page */
		{ 2 * GiB + GiB - 4 * KiB, 8 * KiB },	/* straddles its end */
		{ 2 * GiB - 4 * KiB, 8 * KiB },		/* straddles its start */
		{ 0, 8 * GiB },				/* covers everything */
		{ 16 * MiB + 2 * MiB - 4 * KiB, 4 * KiB },	/* last 4K of the 4K run */
		{ 15 * MiB, 2 * MiB },
	};
	uint64_t allocs;

	(void)state;
	start(true);
	map(2 * GiB, 2 * GiB, GiB, NPT_W);
	map(16 * MiB, 16 * MiB + 4 * KiB, 2 * MiB, NPT_W);	/* 4K pages */
	counts(1, 0, 512, 4);
	allocs = nr_allocs;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(npt_map(&n, bad[i].gpa, 100 * GiB, bad[i].size, 0), NPT_ERR_OVERLAP);
	assert_int_equal(nr_allocs, allocs);	/* checked before anything was built */
	counts(1, 0, 512, 4);
	/* Adjacent ranges are not overlaps. */
	map(GiB + GiB - 4 * KiB, 0, 4 * KiB, 0);
	map(3 * GiB, 3 * GiB, 2 * MiB, 0);
	map(18 * MiB, 20 * MiB, 2 * MiB, 0);
	map(16 * MiB - 4 * KiB, 0, 4 * KiB, 0);
	check_ref(8 * GiB, 5000);
	/* An unmapped hole inside a mapping can be mapped again, differently. */
	unmap(2 * GiB + 4 * MiB, 4 * KiB);
	map(2 * GiB + 4 * MiB, 7 * GiB, 4 * KiB, NPT_X);
	check_ref(8 * GiB, 5000);
}

static void test_flags(void **state)
{
	static const unsigned combos[] = { 0, NPT_W, NPT_X, NPT_W | NPT_X };
	struct npt_walk w;

	(void)state;
	start(true);
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned k = 0; k < 3; k++) {	/* 4K, 2M, 1G leaves */
			uint64_t size = k == 0 ? 4 * KiB : k == 1 ? 2 * MiB : GiB;
			uint64_t gpa = (i * 3 + k + 1) * GiB;
			uint64_t leaf;

			map(gpa, gpa + 64 * GiB, size, combos[i]);
			assert_true(npt_translate(&n, gpa, &w));
			assert_int_equal(w.page_size, size);
			assert_int_equal(w.flags, combos[i]);
			leaf = w.entry[w.levels - 1];
			assert_int_equal(!!(leaf & NPT_RW), !!(combos[i] & NPT_W));
			assert_int_equal(!!(leaf & NPT_NX), !(combos[i] & NPT_X));
			assert_int_equal(!!(leaf & NPT_PS), k > 0);
			assert_true(leaf & NPT_US);
			assert_true(leaf & NPT_P);
			assert_int_equal(leaf_addr_of(leaf, size), gpa + 64 * GiB);
			for (int l = 0; l < w.levels - 1; l++)
				assert_int_equal(w.entry[l] & ~NPT_ADDR, NPT_P | NPT_RW | NPT_US);
		}
	}
	/* Splits keep the flags of the big page (check_ref compares them). */
	unmap(6 * GiB + 4 * KiB, 4 * KiB);	/* 1G page, W: down to 4K */
	unmap(11 * GiB + 4 * KiB, 4 * KiB);	/* 2M page, W|X */
	unmap(9 * GiB + 2 * MiB, 2 * MiB);	/* 1G page, X: down to 2M */
	assert_int_equal(n.pages_1g, 2);	/* of 4 */
	check_ref(16 * GiB, 20000);
	assert_int_equal(npt_map(&n, 100 * GiB, 0, 4096, 4), NPT_ERR_INVALID);
	assert_int_equal(npt_map(&n, 100 * GiB, 0, 4096, ~0u), NPT_ERR_INVALID);
}

static void test_user_bit_everywhere(void **state)
{
	(void)state;
	start(true);
	map(0, 0, 640 * KiB, NPT_W | NPT_X);
	map(MiB, MiB, 2 * GiB - MiB, NPT_W);
	map(4 * GiB, 4 * GiB, 6 * GiB, NPT_X);
	map(1ull << 47, 1ull << 47, 4 * KiB, 0);
	map((1ull << 48) - GiB, 1ull << 51, GiB, NPT_W);	/* the top of both spaces */
	unmap(5 * GiB + 4 * KiB, 4 * KiB);
	check_tree();	/* walks every table: U everywhere, intermediates P|W|U */
	check_ref(1ull << 48, 20000);
}

static void test_invalid_args(void **state)
{
	uint64_t top = 1ull << 48;

	(void)state;
	start(true);
	assert_int_equal(npt_map(&n, 1, 0, 4096, 0), NPT_ERR_INVALID);
	assert_int_equal(npt_map(&n, 0, 0x800, 4096, 0), NPT_ERR_INVALID);
	assert_int_equal(npt_map(&n, 0, 0, 4095, 0), NPT_ERR_INVALID);
	assert_int_equal(npt_map(&n, 0, 0, 0, 0), NPT_ERR_INVALID);
	assert_int_equal(npt_map(&n, top, 0, 4096, 0), NPT_ERR_RANGE);
	assert_int_equal(npt_map(&n, top - 4096, 0, 8192, 0), NPT_ERR_RANGE);
	assert_int_equal(npt_map(&n, 0, 0, UINT64_MAX & ~4095ull, 0), NPT_ERR_RANGE);
	assert_int_equal(npt_map(&n, top - 4096, 1ull << 52, 4096, 0), NPT_ERR_RANGE);
	assert_int_equal(npt_map(&n, 0, (1ull << 52) - 4096, 8192, 0), NPT_ERR_RANGE);
	assert_int_equal(npt_map(&n, 0x1000, UINT64_MAX & ~4095ull, 0x2000, 0), NPT_ERR_RANGE);
	assert_int_equal(npt_unmap(&n, 4095, 4096), NPT_ERR_INVALID);
	assert_int_equal(npt_unmap(&n, 0, 0), NPT_ERR_INVALID);
	assert_int_equal(npt_unmap(&n, top, 4096), NPT_ERR_RANGE);
	assert_int_equal(npt_unmap(&n, 4096, UINT64_MAX & ~4095ull), NPT_ERR_RANGE);
	counts(0, 0, 0, 1);
	assert_int_equal(nr_allocs, 1);
	/* The very last page and the largest host address are fine. */
	map(top - 4096, (1ull << 52) - 4096, 4096, NPT_W);
	check_addr(top - 1);
	check_tree();
}

/* Every allocation of a map can fail; each failure leaves no trace. */
static void test_alloc_failure_map(void **state)
{
	uint64_t gpa = 3 * GiB - 2 * MiB - 4 * KiB;	/* 4K, 2M, 2 x 1G, 2M, 2 x 4K */
	uint64_t size = 4 * KiB + 2 * MiB + 2 * GiB + 2 * MiB + 8 * KiB;
	uint64_t tables, allocs, needed;
	struct tree_count before;

	(void)state;
	start(true);
	map(0, 0, 2 * MiB + 4 * KiB, NPT_W);	/* something to keep */
	map(1ull << 40, 0, 4 * KiB, 0);		/* another PML4 slot */
	tables = n.tables;
	before = (struct tree_count){ n.pages_1g, n.pages_2m, n.pages_4k, n.tables };

	/* How many tables the map needs when nothing fails. */
	allocs = nr_allocs;
	assert_int_equal(npt_map(&n, gpa, gpa, size, NPT_W), NPT_OK);
	needed = nr_allocs - allocs;
	assert_true(needed >= 4);
	assert_int_equal(npt_unmap(&n, gpa, size), NPT_OK);
	counts(before.p1g, before.p2m, before.p4k, tables);

	for (uint64_t k = 0; k < needed; k++) {
		fail_after = (long)k;
		assert_int_equal(npt_map(&n, gpa, gpa, size, NPT_W), NPT_ERR_NO_MEMORY);
		fail_after = -1;
		counts(before.p1g, before.p2m, before.p4k, tables);	/* and the tree is clean */
		check_ref(8 * GiB, 500);
	}
	fail_after = (long)needed;
	map(gpa, gpa, size, NPT_W);	/* exactly enough */
	fail_after = -1;
	check_ref(8 * GiB, 5000);
}

/* A split that cannot get a table removes nothing. */
static void test_alloc_failure_unmap(void **state)
{
	(void)state;
	start(true);
	map(GiB, GiB, GiB, NPT_W);
	fail_after = 0;
	assert_int_equal(npt_unmap(&n, GiB + 4 * KiB, 4 * KiB), NPT_ERR_NO_MEMORY);
	counts(1, 0, 0, 2);	/* untouched */
	fail_after = 1;		/* 1G -> 2M succeeds, 2M -> 4K fails */
	assert_int_equal(npt_unmap(&n, GiB + 4 * KiB, 4 * KiB), NPT_ERR_NO_MEMORY);
	counts(0, 512, 0, 3);	/* split, same translations */
	check_ref(4 * GiB, 5000);
	fail_after = 0;		/* 2M-aligned range inside the split 1G: no allocation */
	unmap(GiB + 2 * MiB, 2 * MiB);
	counts(0, 511, 0, 3);
	fail_after = -1;
	unmap(GiB + 4 * KiB, 4 * KiB);
	counts(0, 510, 511, 4);
	check_ref(4 * GiB, 5000);
}

static void test_destroy_frees_all(void **state)
{
	(void)state;
	start(true);
	map(0, 0, 640 * KiB, NPT_W);
	map(MiB, MiB, 3 * GiB, NPT_W);
	map(1ull << 46, 0, 10 * MiB + 4 * KiB, NPT_W);
	unmap(GiB + 4 * KiB, 4 * KiB);
	assert_int_equal(nr_live, n.tables);
	assert_true(n.tables > 8);
	npt_destroy(&n);
	assert_int_equal(nr_live, 0);
	assert_int_equal(nr_allocs, nr_frees);
	assert_int_equal(n.root, 0);
	assert_int_equal(n.tables, 0);
	assert_int_equal(n.pages_4k + n.pages_2m + n.pages_1g, 0);
	npt_destroy(&n);	/* twice: harmless */
}

static void test_strerror(void **state)
{
	(void)state;
	for (int s = NPT_OK; s <= NPT_ERR_NO_MEMORY; s++) {
		assert_non_null(npt_strerror(s));
		for (int t = NPT_OK; t < s; t++)
			assert_string_not_equal(npt_strerror(s), npt_strerror(t));
	}
	assert_non_null(npt_strerror((enum npt_status)99));
	assert_non_null(npt_strerror((enum npt_status)-1));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_page_sizes_mixed),
		T(test_page_sizes_large_run),
		T(test_misaligned_hpa),
		T(test_no_1g),
		T(test_holes),
		T(test_translate_random),
		T(test_unmap_split_1g),
		T(test_unmap_split_2m),
		T(test_unmap_whole_and_holes),
		T(test_overlap_rejected),
		T(test_flags),
		T(test_user_bit_everywhere),
		T(test_invalid_args),
		T(test_alloc_failure_map),
		T(test_alloc_failure_unmap),
		T(test_destroy_frees_all),
		T(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
