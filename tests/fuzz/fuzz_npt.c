/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for mm/npt.c.
 *
 * Input: u8 setup (bit 0: allow_1g; bit 1: the window sits at the top of
 * the 48-bit space), then 8-byte ops until the input ends (at most 64):
 *   { op, a0, a1, a2, s0, s1, h, f }
 * op % 4: 0 map, 1 unmap, 2 translate, 3 map (op bit 7: unmap) with table
 * allocation failing after f % 8 tables. Addresses fall in a 16 GiB guest
 * window; op bits choose 4 KiB, 2 MiB or 1 GiB alignment and size units, and
 * whether hpa shares gpa's offset within a 1 GiB or 2 MiB page or only 4 KiB
 * (then the size is capped, so 4 KiB pages stay cheap).
 *
 * The reference model is a list of mapped ranges. After each op: the
 * return code matches the model (overlap, range, out of memory), the op's
 * edges and one more address translate as the model says; every 8 ops and
 * at the end the whole tree is walked (U on every entry, intermediate
 * entries exactly P|W|U, no empty table, counters and live tables match).
 * npt_destroy must free every table. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/npt.h"
#include "tests/common/npt_tree.h"
#include "tests/common/check.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TOP    (1ull << NPT_GPA_BITS)
#define WINDOW (16 * GiB)
#define MAX_OPS 64
#define POOL_SLOTS 4096
#define POOL_BASE  0x000f000000000000ull	/* fake table phys, high bits in use */
#define REF_MAX (2 * MAX_OPS + 8)


/* ---- table pool with a free list and failure injection ---- */

static void *slot[POOL_SLOTS];
static uint32_t free_list[POOL_SLOTS], nr_free;
static uint64_t nr_live;
static int fail_after = -1;

static uint64_t pool_alloc(void *ctx)
{
	uint32_t i;

	(void)ctx;
	if (fail_after == 0)
		return 0;
	if (fail_after > 0)
		fail_after--;
	CHECK(nr_free > 0);	/* the ops are sized to never get here */
	i = free_list[--nr_free];
	CHECK(!slot[i]);
	slot[i] = malloc(4096);
	CHECK(slot[i]);
	memset(slot[i], 0x5a, 4096);	/* npt zeroes its tables */
	nr_live++;
	return POOL_BASE + (uint64_t)i * 4096;
}

static uint32_t pool_slot(uint64_t phys)
{
	uint64_t i = (phys - POOL_BASE) / 4096;

	CHECK(phys >= POOL_BASE && phys % 4096 == 0 && i < POOL_SLOTS && slot[i]);
	return (uint32_t)i;
}

static void pool_free(void *ctx, uint64_t phys)
{
	uint32_t i = pool_slot(phys);

	(void)ctx;
	free(slot[i]);
	slot[i] = NULL;
	free_list[nr_free++] = i;
	nr_live--;
}

static void *pool_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return slot[pool_slot(phys)];
}

static const struct npt_mem pool = { pool_alloc, pool_free, pool_ptr, NULL };

/* ---- reference model ---- */

struct ref_range {
	uint64_t gpa, hpa, size;
	unsigned flags;
};

static struct ref_range ref[REF_MAX];
static size_t nr_ref;
static struct npt n;

static const struct ref_range *ref_find(uint64_t gpa)
{
	for (size_t i = 0; i < nr_ref; i++)
		if (gpa >= ref[i].gpa && gpa - ref[i].gpa < ref[i].size)
			return &ref[i];
	return NULL;
}

static bool ref_overlaps(uint64_t gpa, uint64_t end)
{
	for (size_t i = 0; i < nr_ref; i++)
		if (ref[i].gpa < end && gpa < ref[i].gpa + ref[i].size)
			return true;
	return false;
}

static void ref_add(uint64_t gpa, uint64_t hpa, uint64_t size, unsigned flags)
{
	CHECK(nr_ref < REF_MAX);
	ref[nr_ref++] = (struct ref_range){ gpa, hpa, size, flags };
}

static void ref_remove(uint64_t gpa, uint64_t end)
{
	size_t count = nr_ref, j = 0;

	for (size_t i = 0; i < count; i++) {
		struct ref_range r = ref[i];
		uint64_t rend = r.gpa + r.size;

		if (rend <= gpa || r.gpa >= end)
			continue;
		ref[i].size = 0;
		if (r.gpa < gpa)
			ref_add(r.gpa, r.hpa, gpa - r.gpa, r.flags);
		if (rend > end)
			ref_add(end, r.hpa + (end - r.gpa), rend - end, r.flags);
	}
	for (size_t i = 0; i < nr_ref; i++)
		if (ref[i].size)
			ref[j++] = ref[i];
	nr_ref = j;
}

static void check_addr(uint64_t gpa)
{
	const struct ref_range *r = ref_find(gpa);
	struct npt_walk w;
	bool got = npt_translate(&n, gpa, &w);
	uint64_t page;

	CHECK(got == (r != NULL) && w.present == got);
	if (gpa >= TOP) {
		CHECK(w.levels == 0);
		return;
	}
	CHECK(w.levels >= 1 && w.levels <= 4);
	if (!r) {
		CHECK(!(w.entry[w.levels - 1] & NPT_P));
		return;
	}
	CHECK(w.hpa == r->hpa + (gpa - r->gpa) && w.flags == r->flags);
	CHECK(w.page_size == (w.levels == 2 ? GiB : w.levels == 3 ? 2 * MiB : 4 * KiB));
	CHECK(w.page_size != GiB || n.allow_1g);
	page = gpa & ~(w.page_size - 1);
	CHECK(page >= r->gpa && page + w.page_size <= r->gpa + r->size);
}

static void check_edges(uint64_t gpa, uint64_t end)
{
	check_addr(gpa);
	check_addr(end - 1);
	check_addr(gpa + (end - gpa) / 2);
	if (gpa)
		check_addr(gpa - 1);
	check_addr(end);	/* may be >= TOP: absent, levels 0 */
}


static void check_tree(void)
{
	struct tree_count c = { 0 };

	CHECK(!npt_tree_walk(n.root, 39, pool_ptr, &c));
	CHECK(c.p1g == n.pages_1g && c.p2m == n.pages_2m && c.p4k == n.pages_4k);
	CHECK(c.tables == n.tables && nr_live == n.tables);
	for (size_t i = 0; i < nr_ref; i++)
		check_edges(ref[i].gpa, ref[i].gpa + ref[i].size);
}

/* ---- ops ---- */

struct op {
	uint64_t gpa, hpa, size;
	unsigned flags;
};

/* Decodes one op's addresses. The window base is 0 or TOP - WINDOW. */
static struct op decode(const uint8_t *b, uint64_t base)
{
	static const unsigned shifts[4] = { 12, 21, 30, 12 };
	unsigned ashift = shifts[b[0] >> 2 & 3], sshift = shifts[b[0] >> 4 & 3];
	uint64_t a = (uint64_t)b[1] | (uint64_t)b[2] << 8 | (uint64_t)b[3] << 16;
	uint64_t s = (uint64_t)b[4] | (uint64_t)b[5] << 8;
	struct op o;

	o.gpa = base + ((a << 12) % WINDOW & ~((1ull << ashift) - 1));
	/* Units of the size shift, up to 4 of them when large, plus a 4K tail. */
	o.size = sshift == 30 ? (s % 4 + 1) * GiB : sshift == 21 ? (s % 512 + 1) * 2 * MiB : (s % 1024 + 1) * 4 * KiB;
	if (b[5] & 0x80)
		o.size += (b[4] % 8) * 4 * KiB;
	if (b[0] & 0x40)
		o.size = (1ull << ashift) * (1 + b[4] % 3) - (b[5] & 1) * 4 * KiB;
	if (o.size == 0)
		o.size = 4 * KiB;
	/* hpa: same offset as gpa within a 1G or 2M page, or a 4K offset only. */
	o.hpa = (uint64_t)b[6] * 4 * GiB;
	switch (b[7] >> 4 & 3) {
	case 0: o.hpa += o.gpa % GiB; break;
	case 1: o.hpa += o.gpa % (2 * MiB) + (b[7] & 7) * 2 * MiB; break;
	default: o.hpa += ((o.gpa >> 12) + 1 + (b[7] & 7)) % 512 * 4 * KiB;	/* never 2M-alike */
		if (o.size > 16 * MiB)
			o.size = 16 * MiB;
		break;
	}
	if (b[7] & 0x80)
		o.hpa = (1ull << NPT_HPA_BITS) - o.size + (b[6] & 1) * 4 * KiB;	/* top, maybe past it */
	o.flags = b[7] >> 2 & 3;
	return o;
}

static void do_map(const struct op *o, int fail)
{
	uint64_t end = o->gpa + o->size;
	struct tree_count before = { n.pages_1g, n.pages_2m, n.pages_4k, n.tables };
	enum npt_status want = NPT_OK, got;

	if (end > TOP || o->hpa + o->size > (1ull << NPT_HPA_BITS))
		want = NPT_ERR_RANGE;
	else if (ref_overlaps(o->gpa, end))
		want = NPT_ERR_OVERLAP;
	fail_after = fail;
	got = npt_map(&n, o->gpa, o->hpa, o->size, o->flags);
	fail_after = -1;
	if (want == NPT_OK && fail >= 0 && got == NPT_ERR_NO_MEMORY)
		want = NPT_ERR_NO_MEMORY;
	CHECK(got == want);
	if (got == NPT_OK) {
		ref_add(o->gpa, o->hpa, o->size, o->flags);
	} else {	/* all or nothing */
		CHECK(n.pages_1g == before.p1g && n.pages_2m == before.p2m);
		CHECK(n.pages_4k == before.p4k && n.tables == before.tables && nr_live == n.tables);
	}
	if (end <= TOP)
		check_edges(o->gpa, end);
}

static void do_unmap(const struct op *o, int fail)
{
	uint64_t end = o->gpa + o->size;
	enum npt_status got;

	fail_after = fail;
	got = npt_unmap(&n, o->gpa, o->size);
	fail_after = -1;
	if (end > TOP) {
		CHECK(got == NPT_ERR_RANGE);
		return;
	}
	CHECK(got == NPT_OK || (fail >= 0 && got == NPT_ERR_NO_MEMORY));
	if (got == NPT_OK)
		ref_remove(o->gpa, end);	/* else: translations unchanged */
	CHECK(nr_live == n.tables);
	check_edges(o->gpa, end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t base;

	if (size < 1)
		return 0;
	if (nr_free + nr_live != POOL_SLOTS) {	/* first run */
		for (uint32_t i = 0; i < POOL_SLOTS; i++)
			free_list[i] = POOL_SLOTS - 1 - i;
		nr_free = POOL_SLOTS;
	}
	base = data[0] & 2 ? TOP - WINDOW : 0;
	nr_ref = 0;
	CHECK(npt_init(&n, &pool, data[0] & 1) == NPT_OK);
	data++, size--;

	for (int i = 0; i < MAX_OPS && size >= 8; i++, data += 8, size -= 8) {
		struct op o = decode(data, base);
		int fail = data[7] % 8;

		switch (data[0] & 3) {
		case 0: do_map(&o, -1); break;
		case 1: do_unmap(&o, -1); break;
		case 2: check_addr(o.gpa + (data[6] & 0x7f) * 32 + (data[6] & 0x80 ? o.size : 0)); break;
		case 3:
			if (data[0] & 0x80)
				do_unmap(&o, fail);
			else
				do_map(&o, fail);
			break;
		}
		if (i % 8 == 7)
			check_tree();
	}
	check_tree();
	npt_destroy(&n);
	CHECK(nr_live == 0 && n.tables == 0 && n.root == 0);
	return 0;
}
