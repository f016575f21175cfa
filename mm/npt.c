/* SPDX-License-Identifier: BSD-2-Clause */
/* Nested page table builder. Layout and entry format: mm/npt.h.
 *
 * A table is named by the shift of the pages its entries cover: 39 (PML4),
 * 30 (PDPT), 21 (PD), 12 (PT). An entry is a leaf at shift 12, or at 30 and
 * 21 when PS is set; otherwise it points at the next table.
 *
 * npt_map checks the whole range for existing leaves first (range_used),
 * then maps page by page; when a table cannot be allocated it clears the
 * same range again (range_clear), which is exactly what it added, since
 * the range was empty: all or nothing.
 * npt_unmap first splits the large pages that straddle either end of the
 * range (split_at: the only step that allocates), then clears the leaves
 * inside it, freeing tables that become empty. So no empty table outlives
 * an npt_map or npt_unmap call, and the counters always match the tables. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "mm/npt.h"

#define ENTRIES    512
#define TABLE      (NPT_P | NPT_RW | NPT_US)	/* intermediate: the leaf decides */
#define LEAF_ATTRS (NPT_P | NPT_RW | NPT_US | NPT_PWT | NPT_PCD | NPT_NX)	/* kept by a split */
#define GPA_LIMIT  (1ull << NPT_GPA_BITS)
#define HPA_LIMIT  (1ull << NPT_HPA_BITS)
#define PAGE_MASK  (NPT_SIZE_4K - 1)

static uint64_t *table(const struct npt *n, uint64_t phys)
{
	return n->mem.ptr(n->mem.ctx, phys);
}

static unsigned idx(uint64_t a, unsigned shift)
{
	return (a >> shift) & (ENTRIES - 1);
}

static bool is_leaf(uint64_t e, unsigned shift)
{
	return shift == 12 || (shift < 39 && (e & NPT_PS));
}

/* A leaf's page address: a PS entry's bit 12 is PAT, not address. */
static uint64_t leaf_addr(uint64_t e, unsigned shift)
{
	return e & NPT_ADDR & ~((1ull << shift) - 1);
}

static uint64_t *page_count(struct npt *n, unsigned shift)
{
	return shift == 30 ? &n->pages_1g : shift == 21 ? &n->pages_2m : &n->pages_4k;
}

/* A zeroed table, or 0. */
static uint64_t table_alloc(struct npt *n)
{
	uint64_t pa = n->mem.alloc_table(n->mem.ctx);

	if (pa) {
		memset(table(n, pa), 0, NPT_SIZE_4K);
		n->tables++;
	}
	return pa;
}

static void table_free(struct npt *n, uint64_t pa)
{
	n->mem.free_table(n->mem.ctx, pa);
	n->tables--;
}

static bool table_empty(const struct npt *n, uint64_t pa)
{
	const uint64_t *t = table(n, pa);

	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i] & NPT_P)
			return false;
	return true;
}

/* End of the page of 1 << shift bytes holding a; a < 2^48, so no overflow. */
static uint64_t page_end(uint64_t a, unsigned shift)
{
	return (a | ((1ull << shift) - 1)) + 1;
}

/* Is any page in [start, end) mapped? Both lie within the table at tpa. */
static bool range_used(const struct npt *n, uint64_t tpa, unsigned shift, uint64_t start, uint64_t end)
{
	const uint64_t *t = table(n, tpa);

	for (uint64_t a = start, next; a < end; a = next) {
		uint64_t e = t[idx(a, shift)];

		next = page_end(a, shift);
		if (!(e & NPT_P))
			continue;
		if (is_leaf(e, shift) ||
		    range_used(n, e & NPT_ADDR, shift - 9, a, MIN(next, end)))
			return true;
	}
	return false;
}

/* Removes the leaves in [start, end) below the table at tpa and frees the
 * tables that become empty. No leaf straddles start or end (split_at). */
static void range_clear(struct npt *n, uint64_t tpa, unsigned shift, uint64_t start, uint64_t end)
{
	uint64_t *t = table(n, tpa);

	for (uint64_t a = start, next; a < end; a = next) {
		uint64_t *e = &t[idx(a, shift)];

		next = page_end(a, shift);
		if (!(*e & NPT_P))
			continue;
		if (is_leaf(*e, shift)) {
			(*page_count(n, shift))--;
			*e = 0;
			continue;
		}
		range_clear(n, *e & NPT_ADDR, shift - 9, a, MIN(next, end));
		if (table_empty(n, *e & NPT_ADDR)) {
			uint64_t child = *e & NPT_ADDR;

			*e = 0;
			table_free(n, child);
		}
	}
}

/* Replaces the large leaf *e (a page of 1 << shift bytes) by a table of 512
 * pages of 1 << (shift - 9) bytes with the same attributes. The new table
 * is complete before the single store that links it. */
static enum npt_status split(struct npt *n, uint64_t *e, unsigned shift)
{
	unsigned cs = shift - 9;
	uint64_t base = leaf_addr(*e, shift), attrs = (*e & LEAF_ATTRS) | (cs > 12 ? NPT_PS : 0);
	uint64_t pa = table_alloc(n), *t;

	if (!pa)
		return NPT_ERR_NO_MEMORY;
	t = table(n, pa);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = (base + ((uint64_t)i << cs)) | attrs;
	*e = pa | TABLE;
	(*page_count(n, shift))--;
	*page_count(n, cs) += ENTRIES;
	return NPT_OK;
}

/* Splits the large pages that contain addr without starting at it, down to
 * the size addr is aligned to: afterwards a page boundary lies at addr. */
static enum npt_status split_at(struct npt *n, uint64_t addr)
{
	uint64_t *t;

	if (addr >= GPA_LIMIT)
		return NPT_OK;
	t = table(n, n->root);
	for (unsigned shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[idx(addr, shift)];

		if (!(*e & NPT_P))
			return NPT_OK;
		if (is_leaf(*e, shift)) {
			enum npt_status st;

			if (!(addr & ((1ull << shift) - 1)))
				return NPT_OK;
			st = split(n, e, shift);
			if (st != NPT_OK)
				return st;
		}
		t = table(n, *e & NPT_ADDR);
	}
	return NPT_OK;
}

/* The entry for gpa in the table of shift, creating the tables above it. */
static enum npt_status walk_create(struct npt *n, uint64_t gpa, unsigned shift, uint64_t **out)
{
	uint64_t *t = table(n, n->root);

	for (unsigned s = 39; s > shift; s -= 9) {
		uint64_t *e = &t[idx(gpa, s)];

		if (!(*e & NPT_P)) {
			uint64_t pa = table_alloc(n);

			if (!pa)
				return NPT_ERR_NO_MEMORY;
			*e = pa | TABLE;
		} else if (is_leaf(*e, s)) {
			return NPT_ERR_OVERLAP;	/* range_used said no: never happens */
		}
		t = table(n, *e & NPT_ADDR);
	}
	*out = &t[idx(gpa, shift)];
	return NPT_OK;
}

/* Common argument checks of map and unmap. */
static enum npt_status range_check(const struct npt *n, uint64_t gpa, uint64_t size)
{
	if (!n->root || size == 0 || ((gpa | size) & PAGE_MASK))
		return NPT_ERR_INVALID;
	if (gpa >= GPA_LIMIT || size > GPA_LIMIT - gpa)
		return NPT_ERR_RANGE;
	return NPT_OK;
}

enum npt_status npt_init(struct npt *n, const struct npt_mem *mem, bool allow_1g)
{
	memset(n, 0, sizeof(*n));
	if (!mem || !mem->alloc_table || !mem->free_table || !mem->ptr)
		return NPT_ERR_INVALID;
	n->mem = *mem;
	n->allow_1g = allow_1g;
	n->root = table_alloc(n);
	return n->root ? NPT_OK : NPT_ERR_NO_MEMORY;
}

enum npt_status npt_map(struct npt *n, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned flags)
{
	uint64_t end = gpa + size, leaf_flags = NPT_P | NPT_US;
	enum npt_status st = range_check(n, gpa, size);

	if (st != NPT_OK)
		return st;
	if ((hpa & PAGE_MASK) || (flags & ~(NPT_W | NPT_X)))
		return NPT_ERR_INVALID;
	if (hpa >= HPA_LIMIT || size > HPA_LIMIT - hpa)
		return NPT_ERR_RANGE;
	if (range_used(n, n->root, 39, gpa, end))
		return NPT_ERR_OVERLAP;

	leaf_flags |= (flags & NPT_W ? NPT_RW : 0) | (flags & NPT_X ? 0 : NPT_NX);
	for (uint64_t a = gpa; a < end;) {
		uint64_t h = hpa + (a - gpa), left = end - a, *e;
		unsigned shift = 12;

		if (n->allow_1g && !((a | h) & (NPT_SIZE_1G - 1)) && left >= NPT_SIZE_1G)
			shift = 30;
		else if (!((a | h) & (NPT_SIZE_2M - 1)) && left >= NPT_SIZE_2M)
			shift = 21;
		st = walk_create(n, a, shift, &e);
		if (st != NPT_OK) {
			range_clear(n, n->root, 39, gpa, end);	/* the range was empty */
			return st;
		}
		*e = h | leaf_flags | (shift > 12 ? NPT_PS : 0);
		(*page_count(n, shift))++;
		a += 1ull << shift;
	}
	return NPT_OK;
}

enum npt_status npt_unmap(struct npt *n, uint64_t gpa, uint64_t size)
{
	enum npt_status st = range_check(n, gpa, size);

	if (st == NPT_OK)
		st = split_at(n, gpa);
	if (st == NPT_OK)
		st = split_at(n, gpa + size);
	if (st == NPT_OK)
		range_clear(n, n->root, 39, gpa, gpa + size);
	return st;
}

bool npt_translate(const struct npt *n, uint64_t gpa, struct npt_walk *w)
{
	uint64_t tpa = n->root;

	memset(w, 0, sizeof(*w));
	if (!tpa || gpa >= GPA_LIMIT)
		return false;
	for (unsigned shift = 39;; shift -= 9) {
		uint64_t e = table(n, tpa)[idx(gpa, shift)];

		w->entry[w->levels++] = e;
		if (!(e & NPT_P))
			return false;
		if (is_leaf(e, shift)) {
			w->page_size = 1ull << shift;
			w->hpa = leaf_addr(e, shift) | (gpa & (w->page_size - 1));
			w->flags = (e & NPT_RW ? NPT_W : 0) | (e & NPT_NX ? 0 : NPT_X);
			return w->present = true;
		}
		tpa = e & NPT_ADDR;
	}
}

static void tree_free(struct npt *n, uint64_t tpa, unsigned shift)
{
	const uint64_t *t = table(n, tpa);

	for (unsigned i = 0; i < ENTRIES && shift > 12; i++)
		if ((t[i] & NPT_P) && !is_leaf(t[i], shift))
			tree_free(n, t[i] & NPT_ADDR, shift - 9);
	table_free(n, tpa);
}

void npt_destroy(struct npt *n)
{
	if (n->root)
		tree_free(n, n->root, 39);
	n->root = 0;
	n->pages_1g = n->pages_2m = n->pages_4k = 0;
}

const char *npt_strerror(enum npt_status s)
{
	static const char *const msg[] = {
		[NPT_OK] = "success",
		[NPT_ERR_INVALID] = "invalid argument (alignment, size or flags)",
		[NPT_ERR_RANGE] = "address beyond 48 bits (guest) or 52 bits (host)",
		[NPT_ERR_OVERLAP] = "range overlaps an existing mapping",
		[NPT_ERR_NO_MEMORY] = "out of memory for page tables",
	};

	if ((unsigned)s < ARRAY_SIZE(msg) && msg[s])
		return msg[s];
	return "unknown NPT error";
}
