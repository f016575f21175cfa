/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for svm/gwalk.c.
 *
 * Input: a 40-byte header, then the guest memory image:
 *   { flags, maxphyaddr, cr0[4], cr4[4], efer[2], cr3[4], linear[3][8] }
 *   flags bit 0: the image tiles the 64 KiB guest memory (else it is copied
 *   once and the rest is zero); bit 1: the address bits 51:16 (31:16 for 4-byte
 *   entries) of every entry with AVL bit 9 clear are cleared, so tables
 *   point inside it while bit 9 keeps a far address;
 *   bit 2: each linear address is sign-extended from bit 47 (bit 3: 56).
 * CR0, CR4 and EFER are raw (only the bits the walk reads matter). Guest
 * memory is a 64 KiB heap buffer; the read callback fails outside it.
 *
 * Invariants, for each linear address (and the address walked again, and
 * outside long mode with bits 63:32 flipped, which must not matter):
 * - every read is one naturally aligned entry of the mode's size (4 bytes
 *   for 32-bit paging, 8 otherwise) into a buffer that holds it (ASan);
 *   the k-th read is the entry at level levels - k, as entry_gpa[] and
 *   entries[] report it; reads stop where the walk stopped;
 * - status is a gwalk_status, present == (status == GWALK_OK); levels is
 *   the mode's (0 paging off, 2, 3 PAE, 4 or 5 long mode); fault_level is 0
 *   when OK or non-canonical, else 1..levels; non-canonical only in long
 *   mode and exactly when the address is not sign-extended;
 * - on GWALK_OK page_size is 4K, 2M (PAE, long), 4M (32-bit with
 *   CR4.PSE), 1G (long) or 4G (paging off), the page offset of the GPA is
 *   the linear address's, the GPA is below 2^MAXPHYADDR (52 by default,
 *   32 at least) and W, U, NX are the AND, AND and OR of the levels read
 *   (PAE PDPTEs excluded; NX only with EFER.NXE);
 * - the walk is deterministic and writes nothing to guest memory. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/gwalk.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_SIZE 0x10000u
#define HDR_LEN  40
#define NR_LIN   3
#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

struct read_log {
	uint64_t gpa, value;
	size_t len;
	bool ok;
};

static struct {
	uint8_t *mem;
	size_t entry_len;	/* what every read must ask for */
	unsigned nr_reads;
	struct read_log log[8];
} g;

static bool fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct read_log *l;

	CHECK(ctx == &g);
	CHECK(len == g.entry_len);
	CHECK(gpa % len == 0);
	CHECK(g.nr_reads < 5);	/* never more than one entry per level */
	l = &g.log[g.nr_reads++];
	l->gpa = gpa;
	l->len = len;
	l->value = 0;
	l->ok = gpa < MEM_SIZE && len <= MEM_SIZE - gpa;
	if (!l->ok)
		return false;
	memcpy(buf, g.mem + gpa, len);	/* ASan: buf must hold len bytes */
	memcpy(&l->value, g.mem + gpa, len);
	return true;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool same(const struct gwalk_result *a, const struct gwalk_result *b)
{
	return a->status == b->status && a->fault_level == b->fault_level &&
	       a->levels == b->levels && a->gpa == b->gpa && a->page_size == b->page_size &&
	       a->present == b->present && a->writable == b->writable && a->user == b->user &&
	       a->nx == b->nx && !memcmp(a->entries, b->entries, sizeof(a->entries)) &&
	       !memcmp(a->entry_gpa, b->entry_gpa, sizeof(a->entry_gpa));
}

static void walk(const struct gwalk_regs *r, uint64_t linear, struct gwalk_result *res)
{
	g.nr_reads = 0;
	memset(res, 0xa5, sizeof(*res));
	gwalk(r, linear, fake_read, &g, res);
}

static void check_walk(const struct gwalk_regs *r, uint64_t linear)
{
	const bool pg = r->cr0 & CR0_PG, lma = pg && (r->efer & EFER_LMA);
	const bool pae = lma || (r->cr4 & CR4_PAE);
	const bool nxe = r->efer & EFER_NXE;
	const int mode_levels = !pg ? 0 : lma ? (r->cr4 & CR4_LA57 ? 5 : 4) : pae ? 3 : 2;
	const unsigned width = r->cr4 & CR4_LA57 ? 57 : 48;
	unsigned maxphy = r->maxphyaddr == 0 || r->maxphyaddr > 52 ? 52 : r->maxphyaddr;
	struct gwalk_result res, again;
	bool canonical, w = true, u = true, nx = false;
	int stop;

	if (maxphy < 32)
		maxphy = 32;
	canonical = (uint64_t)((int64_t)(linear << (64 - width)) >> (64 - width)) == linear;
	g.entry_len = pae ? 8 : 4;
	walk(r, linear, &res);

	CHECK(res.status >= GWALK_OK && res.status <= GWALK_NON_CANONICAL);
	CHECK(res.present == (res.status == GWALK_OK));
	CHECK((res.status == GWALK_NON_CANONICAL) == (lma && !canonical));
	if (res.status == GWALK_NON_CANONICAL) {
		CHECK(res.fault_level == 0 && g.nr_reads == 0);
		goto again;
	}
	CHECK(res.levels == mode_levels);
	if (res.status == GWALK_OK)
		CHECK(res.fault_level == 0);
	else
		CHECK(res.fault_level >= 1 && res.fault_level <= res.levels);

	if (!pg) {
		CHECK(res.status == GWALK_OK && g.nr_reads == 0);
		CHECK(res.page_size == 4 * GiB && res.gpa == (linear & 0xffffffff));
		CHECK(res.writable && res.user && !res.nx);
		goto again;
	}

	/* Where the walk stopped: the leaf level, or the faulting one. */
	if (res.status == GWALK_OK) {
		switch (res.page_size) {
		case 4 * KiB: stop = 1; break;
		case 2 * MiB: CHECK(pae); stop = 2; break;
		case 4 * MiB: CHECK(!pae && (r->cr4 & CR4_PSE)); stop = 2; break;
		case 1 * GiB: CHECK(lma); stop = 3; break;
		default: CHECK(!"page size"); return;
		}
		CHECK((res.gpa & (res.page_size - 1)) == (linear & (res.page_size - 1)));
		CHECK(res.gpa >> maxphy == 0);
	} else {
		stop = res.fault_level;
	}
	CHECK(g.nr_reads == (unsigned)(res.levels - stop + 1));
	for (int k = 0; k < (int)g.nr_reads; k++) {
		const struct read_log *l = &g.log[k];
		int level = res.levels - k;

		CHECK(res.entry_gpa[level - 1] == l->gpa);
		if (!l->ok) {
			CHECK(k == (int)g.nr_reads - 1 && res.status == GWALK_READ_FAILED);
			CHECK(res.entries[level - 1] == 0);
			continue;
		}
		CHECK(res.entries[level - 1] == l->value);
		if (lma || !pae || level != 3) {
			w &= !!(l->value & PTE_W);
			u &= !!(l->value & PTE_U);
			nx |= nxe && (l->value & PTE_NX);
		}
	}
	for (int level = 1; level <= 5; level++)
		if (level < stop || level > res.levels)
			CHECK(res.entries[level - 1] == 0 && res.entry_gpa[level - 1] == 0);
	if (res.status == GWALK_OK)
		CHECK(res.writable == w && res.user == u && res.nx == nx);

again:
	walk(r, linear, &again);
	CHECK(same(&res, &again));
	if (!lma) {	/* outside long mode bits 63:32 are ignored */
		walk(r, linear ^ 0xdeadbeef00000000ull, &again);
		CHECK(same(&res, &again));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gwalk_regs r;
	uint8_t flags, *copy;
	const uint8_t *img;
	size_t img_len;

	if (size < HDR_LEN)
		return 0;
	flags = data[0];
	r.maxphyaddr = data[1] & 0x80 ? data[1] : data[1] % 64;	/* mostly 32..52 */
	r.cr0 = le(data + 2, 4);
	r.cr4 = le(data + 6, 4);
	r.efer = le(data + 10, 2);
	r.cr3 = le(data + 12, 4);
	img = data + HDR_LEN;
	img_len = size - HDR_LEN;

	g.mem = malloc(MEM_SIZE);	/* exactly sized: ASan sees any overrun */
	copy = malloc(MEM_SIZE);
	CHECK(g.mem && copy);
	memset(g.mem, 0, MEM_SIZE);
	if (img_len) {
		if (flags & 1)
			for (size_t off = 0; off < MEM_SIZE; off += img_len)
				memcpy(g.mem + off, img, img_len < MEM_SIZE - off ? img_len : MEM_SIZE - off);
		else
			memcpy(g.mem, img, img_len < MEM_SIZE ? img_len : MEM_SIZE);
	}
	if (flags & 2) {
		const bool pae = (r.efer & EFER_LMA) || (r.cr4 & CR4_PAE);

		for (size_t off = 0; off < MEM_SIZE; off += pae ? 8 : 4) {
			uint64_t e = 0;

			memcpy(&e, g.mem + off, pae ? 8 : 4);
			if (!(e & 0x200))	/* AVL bit 9 keeps the high bits */
				e &= pae ? ~0x000fffffffff0000ull : 0xffffull;
			memcpy(g.mem + off, &e, pae ? 8 : 4);
		}
	}
	memcpy(copy, g.mem, MEM_SIZE);

	for (int i = 0; i < NR_LIN; i++) {
		uint64_t linear = le(data + 16 + 8 * i, 8);

		if (flags & 4)
			linear = (uint64_t)((int64_t)(linear << 16) >> 16);
		else if (flags & 8)
			linear = (uint64_t)((int64_t)(linear << 7) >> 7);
		check_walk(&r, linear);
	}
	CHECK(!memcmp(copy, g.mem, MEM_SIZE));	/* the walk only reads */
	free(g.mem);
	free(copy);
	return 0;
}
