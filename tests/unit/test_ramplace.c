/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for mm/ramplace.c: guest RAM placement on synthetic memory
 * maps (one large region, holes, fragmented free memory, the QEMU map with
 * -m 4G), the page mix checked against a real npt_map of the extents, and
 * copies across extents. The allocator never touches the memory it
 * manages, so maps of many GiB cost only their bitmaps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/lib.h"
#include "mm/frame.h"
#include "mm/npt.h"
#include "mm/ramplace.h"
#include "tests/common/ramplace_check.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define AVAIL BOOT_MEM_AVAILABLE
#define RESV  BOOT_MEM_RESERVED

static struct frame_alloc fa;
static void *meta;

static void *host_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	(void)phys, (void)ctx;
	free(meta);
	meta = malloc(bytes);
	return meta;
}

static int teardown(void **state)
{
	(void)state;
	free(meta);
	meta = NULL;
	return 0;
}

static void init(const struct boot_mem_range *map, size_t n, const struct frame_range *res,
		 size_t nres)
{
	assert_int_equal(frame_init(&fa, map, n, res, nres, host_ptr, NULL), FRAME_OK);
}

/* ---- NPT tables from the host heap, to check the page mix ---- */

static uint64_t t_alloc(void *ctx)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)aligned_alloc(4096, 4096);
}

static void t_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	free((void *)(uintptr_t)phys);
}

static void *t_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

/* Maps r with npt_map, as the VM builder does, and compares the pages. */
static void check_npt(const struct guest_ram *r, bool pg1g, const uint64_t pages[RAM_PG_SIZES])
{
	static const struct npt_mem mem = { t_alloc, t_free, t_ptr, NULL };
	struct npt n;

	assert_int_equal(npt_init(&n, &mem, pg1g), NPT_OK);
	for (uint32_t i = 0; i < r->nr; i++)
		assert_int_equal(npt_map(&n, r->ext[i].gpa, r->ext[i].hpa, r->ext[i].len, NPT_W), NPT_OK);
	assert_int_equal(n.pages_1g, pages[RAM_PG_1G]);
	assert_int_equal(n.pages_2m, pages[RAM_PG_2M]);
	assert_int_equal(n.pages_4k, pages[RAM_PG_4K]);
	npt_destroy(&n);
}

static struct guest_ram held[8];
static unsigned nr_held;

/* Places size bytes, checks every invariant and the NPT; returns the mix. */
static struct guest_ram *place(uint64_t size, bool pg1g, uint64_t pages[RAM_PG_SIZES])
{
	struct rc_before b = rc_snapshot(&fa);
	struct guest_ram *r = &held[nr_held];

	assert_true(nr_held < ARRAY_SIZE(held));
	assert_int_equal(ram_place(&fa, size, pg1g, r), FRAME_OK);
	rc_check(&fa, r, size, pg1g, &b, held, nr_held, pages);
	check_npt(r, pg1g, pages);
	nr_held++;
	return r;
}

static void release_all(void)
{
	while (nr_held)
		assert_int_equal(ram_release(&fa, &held[--nr_held]), FRAME_OK);
}

static void expect(const uint64_t pages[RAM_PG_SIZES], uint64_t g, uint64_t m, uint64_t k)
{
	assert_int_equal(pages[RAM_PG_1G], g);
	assert_int_equal(pages[RAM_PG_2M], m);
	assert_int_equal(pages[RAM_PG_4K], k);
}

/* ---- one large region ---- */

static void test_one_region(void **state)
{
	static const struct boot_mem_range map[] = { { MiB, 16 * GiB - MiB, AVAIL } };
	uint64_t p[RAM_PG_SIZES], free0;
	struct guest_ram *r;

	(void)state;
	init(map, 1, NULL, 0);
	free0 = frame_free_count(&fa);
	r = place(2 * GiB, true, p);
	expect(p, 2, 0, 0);
	assert_int_equal(r->nr, 1);
	r = place(GiB + 6 * MiB, true, p);
	expect(p, 1, 3, 0);
	/* The 6 MiB come from below 1 GiB (no whole GiB there), not from a free GiB. */
	assert_true(r->nr == 2 && r->ext[1].hpa + r->ext[1].len <= GiB);
	r = place(37 * MiB, true, p);
	expect(p, 0, 18, 256);
	assert_true(r->ext[r->nr - 1].hpa + r->ext[r->nr - 1].len <= GiB);
	/* Without 1 GiB pages: all on 2 MiB pages. */
	place(2 * GiB, false, p);
	expect(p, 0, 1024, 0);
	release_all();
	assert_int_equal(frame_free_count(&fa), free0);	/* nothing leaked */
}

/* ---- the QEMU e820 with -m 4G: RAM to 3 GiB (the firmware reserves the
 * top 128 KiB of it) and 1 GiB above 4 GiB; the image and modules low ---- */

static const struct boot_mem_range qemu4g[] = {
	{ 0x0, 0x9fc00, AVAIL },
	{ 0x9fc00, 0x400, RESV },
	{ 0xf0000, 0x10000, RESV },
	{ 0x100000, 0xbffe0000 - 0x100000, AVAIL },
	{ 0xbffe0000, 0x20000, RESV },
	{ 0xfeffc000, 0x4000, RESV },
	{ 0xfffc0000, 0x40000, RESV },
	{ 0x100000000, 0x40000000, AVAIL },
};
static const struct frame_range qemu4g_res[] = {
	{ 0x100000, 0x1c0000 },		/* image */
	{ 0x1c0000, 0x1c1234 },		/* command line */
	{ 0x1c2000, 0x2a0000 },		/* modules */
};

static void init_qemu4g(void)
{
	init(qemu4g, ARRAY_SIZE(qemu4g), qemu4g_res, ARRAY_SIZE(qemu4g_res));
}

static void test_qemu_4g(void **state)
{
	uint64_t p[RAM_PG_SIZES], free0, vmcb;
	struct guest_ram *r;

	(void)state;
	init_qemu4g();
	free0 = frame_free_count(&fa);
	/* The hypervisor's own small allocations first (VM records, VMCBs). */
	vmcb = frame_alloc_run(&fa, 40, FRAME_SIZE);
	assert_true(vmcb < GiB);
	r = place(2 * GiB, true, p);
	expect(p, 2, 0, 0);
	assert_int_equal(r->nr, 2);
	assert_int_equal(r->ext[0].hpa, GiB);
	assert_int_equal(r->ext[1].hpa, 4 * GiB);
	release_all();
	r = place(GiB + 6 * MiB, true, p);
	expect(p, 1, 3, 0);
	assert_true(r->ext[1].hpa < GiB);		/* the other GiB is kept whole */
	assert_int_equal(rc_free_blocks(&fa, GiB), 1);
	r = place(GiB, true, p);
	expect(p, 1, 0, 0);
	/* No whole GiB left: 2 MiB pages, from the ragged [2G, 3G) and below 1 GiB. */
	r = place(GiB, true, p);
	expect(p, 0, 512, 0);
	place(16 * MiB, true, p);
	expect(p, 0, 8, 0);
	release_all();
	assert_int_equal(frame_free_run(&fa, vmcb, 40), FRAME_OK);
	assert_int_equal(frame_free_count(&fa), free0);
}

/* ---- holes: RAM in pieces, none of them a whole GiB ---- */

static void test_holes(void **state)
{
	static const struct boot_mem_range map[] = {
		{ MiB, 700 * MiB, AVAIL },
		{ GiB + 300 * MiB, 900 * MiB, AVAIL },
		{ 3 * GiB + 5 * MiB, 500 * MiB + 12 * KiB, AVAIL },
	};
	uint64_t p[RAM_PG_SIZES];
	struct guest_ram *r;

	(void)state;
	init(map, ARRAY_SIZE(map), NULL, 0);
	/* No whole GiB anywhere: 2 MiB pages, the longest runs first. */
	r = place(GiB + 10 * MiB, true, p);
	expect(p, 0, 517, 0);
	assert_int_equal(r->nr, 2);
	assert_int_equal(r->ext[0].hpa, GiB + 300 * MiB);	/* all 900 MiB of it */
	assert_int_equal(r->ext[0].len, 900 * MiB);
	/* The rest of the 2 MiB-aligned memory (282 + 249 blocks), then the
	 * zones' ragged ends in 4 KiB pages. */
	r = place(531 * 2 * MiB + 3 * MiB + 8 * KiB, true, p);
	expect(p, 0, 531, 770);
	release_all();
}

/* ---- fragmented: all but twelve 2 MiB blocks have a used frame ---- */

static void test_fragmented(void **state)
{
	static const struct boot_mem_range map[] = { { MiB, 255 * MiB, AVAIL } };
	uint64_t p[RAM_PG_SIZES], ideal[RAM_PG_SIZES] = { 0 }, all, base, free0;
	struct guest_ram r;
	char buf[64];

	(void)state;
	init(map, 1, NULL, 0);
	all = frame_free_count(&fa);
	base = frame_alloc_run(&fa, all, FRAME_SIZE);	/* everything, then give back */
	assert_int_equal(base, MiB + fa.meta_bytes);
	for (unsigned i = 1; i < 128; i++) {
		uint64_t b = i * 2 * MiB;

		if (i % 10 == 3) {	/* 3, 13, .., 123: whole */
			assert_int_equal(frame_free_run(&fa, b, 512), FRAME_OK);
			continue;
		}
		assert_int_equal(frame_free_run(&fa, b, 256), FRAME_OK);
		assert_int_equal(frame_free_run(&fa, b + MiB + FRAME_SIZE, 255), FRAME_OK);
	}
	free0 = frame_free_count(&fa);
	assert_int_equal(rc_free_blocks(&fa, 2 * MiB), 13);
	nr_held = 0;
	place(28 * MiB, true, p);
	expect(p, 0, 13, 512);
	ram_ideal_pages(28 * MiB, true, ideal);
	expect(ideal, 0, 14, 0);
	assert_string_equal(ram_pages_str(p, buf, sizeof(buf)), "13 x 2M, 512 x 4K");
	release_all();
	assert_int_equal(frame_free_count(&fa), free0);
	/* 100 MiB: more pieces than extents; the rest would need one run. */
	assert_int_equal(ram_place(&fa, 100 * MiB, true, &r), FRAME_ERR_NO_MEMORY);
	assert_int_equal(frame_free_count(&fa), free0);
}

/* ---- the page mix of single extents against npt_map ---- */

static void test_extent_pages(void **state)
{
	static const struct { uint64_t gpa, hpa, len; } c[] = {
		{ 0, GiB, 3 * GiB + 6 * MiB + 12 * KiB },
		{ 4 * KiB, GiB + 4 * KiB, GiB + 2 * MiB },
		{ 0, 2 * MiB, GiB + 4 * MiB },			/* agree mod 2M only */
		{ 0, 2 * MiB + 4 * KiB, 8 * MiB },		/* agree mod 4K only */
		{ GiB - 2 * MiB, 3 * GiB - 2 * MiB, GiB + 6 * MiB },
		{ 6 * MiB, 10 * MiB, 4 * KiB },
	};
	uint64_t p[RAM_PG_SIZES];
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		for (int pg1g = 0; pg1g < 2; pg1g++) {
			struct guest_ram r = { .size = c[i].gpa + c[i].len, .nr = 1 };

			r.ext[0] = (struct ram_extent){ c[i].gpa, c[i].hpa, c[i].len };
			memset(p, 0, sizeof(p));
			ram_pages(&r, pg1g, p);
			check_npt(&r, pg1g, p);
		}
	}
	memset(p, 0, sizeof(p));
	assert_string_equal(ram_pages_str(p, buf, sizeof(buf)), "no pages");
	p[RAM_PG_1G] = 2;
	assert_string_equal(ram_pages_str(p, buf, sizeof(buf)), "2 x 1G");
	p[RAM_PG_4K] = 3;
	assert_string_equal(ram_pages_str(p, buf, sizeof(buf)), "2 x 1G, 3 x 4K");
}

/* ---- copies across extents ---- */

static void test_copy(void **state)
{
	static uint8_t a[8192], b[4096], c[12288];
	struct guest_ram r = { .size = sizeof(a) + sizeof(b) + sizeof(c), .nr = 3 };
	uint8_t in[16384], out[16384];

	(void)state;
	r.ext[0] = (struct ram_extent){ 0, (uintptr_t)a, sizeof(a) };
	r.ext[1] = (struct ram_extent){ 8192, (uintptr_t)b, sizeof(b) };
	r.ext[2] = (struct ram_extent){ 12288, (uintptr_t)c, sizeof(c) };
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	assert_true(ram_copy(&r, 100, in, 16000, true));
	assert_memory_equal(a + 100, in, 8092);
	assert_memory_equal(b, in + 8092, 4096);
	assert_memory_equal(c, in + 12188, 16000 - 12188);
	assert_true(ram_copy(&r, 100, out, 16000, false));
	assert_memory_equal(out, in, 16000);
	/* Beyond the end: nothing is copied. */
	memset(out, 0, sizeof(out));
	assert_false(ram_copy(&r, 20000, out, 4577, false));
	assert_false(ram_copy(&r, 24577, out, 0, false));
	assert_true(ram_copy(&r, 24576, out, 0, false));
	assert_false(ram_fill(&r, 24000, 0, 1000));
	assert_true(ram_fill(&r, 8000, 0xee, 5000));
	assert_int_equal(a[8191], 0xee);
	assert_int_equal(b[0], 0xee);
	assert_int_equal(c[12999 - 12288], 0xee);
	assert_int_not_equal(c[13000 - 12288], 0xee);
	/* One extent or none for a pointer. */
	assert_int_equal(ram_hpa(&r, 8192, 4096), (uintptr_t)b);
	assert_int_equal(ram_hpa(&r, 8191, 2), 0);
	assert_int_equal(ram_hpa(&r, 24576, 1), 0);
	assert_int_equal(ram_hpa(&r, 24575, 1), (uintptr_t)c + 12287);
}

/* ---- fault injection: a failure anywhere gives everything back ---- */

static void test_fail_nth(void **state)
{
	uint64_t free0;
	struct guest_ram r;

	(void)state;
	init_qemu4g();
	free0 = frame_free_count(&fa);
	for (uint64_t n = 1; n <= 3; n++) {
		frame_fail_nth(&fa, n);
		assert_int_equal(ram_place(&fa, GiB + 6 * MiB + 8 * KiB, true, &r), FRAME_ERR_NO_MEMORY);
		assert_int_equal(r.nr, 0);
		assert_int_equal(frame_free_count(&fa), free0);
	}
	frame_fail_nth(&fa, 5);	/* past the last allocation: served */
	assert_int_equal(ram_place(&fa, GiB + 6 * MiB + 8 * KiB, true, &r), FRAME_OK);
	assert_int_equal(ram_release(&fa, &r), FRAME_OK);
	frame_fail_nth(&fa, 0);
	/* More than there is, and bad sizes. */
	assert_int_equal(ram_place(&fa, 5 * GiB, true, &r), FRAME_ERR_NO_MEMORY);
	assert_int_equal(frame_free_count(&fa), free0);
	assert_int_equal(ram_place(&fa, 0, true, &r), FRAME_ERR_INVALID);
	assert_int_equal(ram_place(&fa, MiB + 1, true, &r), FRAME_ERR_INVALID);
	assert_int_equal(frame_free_count(&fa), free0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_one_region, teardown),
		cmocka_unit_test_teardown(test_qemu_4g, teardown),
		cmocka_unit_test_teardown(test_holes, teardown),
		cmocka_unit_test_teardown(test_fragmented, teardown),
		cmocka_unit_test_teardown(test_extent_pages, teardown),
		cmocka_unit_test_teardown(test_copy, teardown),
		cmocka_unit_test_teardown(test_fail_nth, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
