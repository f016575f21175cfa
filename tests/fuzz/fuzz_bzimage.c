/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the Linux boot protocol module (kernel/vm/bzimage.c).
 *
 * Input: a 16-byte prefix, then the image.
 *   [0] guest memory (mod 8, table below)
 *   [1] knobs: bit 0 plants "HdrS" at 0x202; bit 1 also plants a protocol
 *       2.12-2.15 version, LOADED_HIGH, XLF_KERNEL_64 and a power-of-two
 *       kernel_alignment (from bits 7:4), so that plans get accepted often;
 *       bit 2 puts the command line above 4 GiB when RAM reaches there
 *   [2] number of extra reserved ranges (mod 9)
 *   [3] initrd size: 1 << (b % 32), plus b
 *   [4..7] `below` for bz_initrd_gpa, and the command line's GPA (seeds)
 *   [8..15] seed of the xorshift generator that draws the extra ranges
 *       (base anywhere in RAM + 1 GiB, 1 byte to 16 MiB, types 2-5)
 * The image is handed over as an exact-size heap copy, so ASan sees any read
 * past it; half the time "HdrS" is planted there (bit 0).
 *
 * Invariants: bz_plan never crashes; when it accepts, the version is at
 * least 2.12, the setup size is (setup_sects or 4, +1) * 512 and the kernel
 * is the rest of the file, load_gpa is at least 1 MiB and a multiple of
 * kernel_alignment, [load_gpa, load_gpa + init_size) lies in RAM and
 * init_size covers the file's kernel and the header's init_size, entry64 is
 * load_gpa + 0x200, and initrd_max is inside RAM and within the header's
 * limit. bz_initrd_gpa answers a page-aligned GPA above the kernel, ending
 * at or below `below` and initrd_max, and the highest such; or 0 only when
 * none exists. bz_build_zero_page, given that initrd and a command line in
 * RAM, succeeds exactly when the extra ranges are pairwise disjoint, and
 * then its e820 table has 1 to 128 non-empty entries, sorted and disjoint;
 * every extra range appears once with its type; the RAM entries lie in
 * loader_guest_memmap's RAM, miss every extra range and add up to that RAM
 * minus the extra ranges; and the header fields the loader writes read
 * back at their zero-page.rst offsets.
 *
 *   ./fuzz_bzimage -max_total_time=30 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/vm/bzimage.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PREFIX 16
#define MAX_EXTRA 8

static const uint64_t guest_mem[8] = { 1 * MiB, 2 * MiB + 4096, 16 * MiB, 64 * MiB, 256 * MiB,
				       4 * GiB, 8 * GiB, 64 * GiB };

static uint8_t zp[BZ_ZERO_PAGE_SIZE];

static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void plant(uint8_t *img, size_t len, uint8_t knobs)
{
	if ((knobs & 1) && len >= 0x206)
		memcpy(img + 0x202, "HdrS", 4);
	if ((knobs & 2) && len >= 0x26c) {
		uint32_t align = 1u << (12 + (knobs >> 4));

		img[0x206] = 0x0c + (knobs >> 6);
		img[0x207] = 2;
		img[0x211] |= 1;
		img[0x236] |= 1;
		memcpy(img + 0x230, &align, 4);
	}
}

static uint64_t overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	uint64_t lo = a > b ? a : b, ae = a + alen, be = b + blen, hi = ae < be ? ae : be;

	return hi > lo ? hi - lo : 0;
}

static void check_plan(const struct bz_plan *p, const uint8_t *img, size_t len, uint64_t mem)
{
	uint8_t sects = img[0x1f1] ? img[0x1f1] : 4;
	uint32_t align = (uint32_t)rd(img + 0x230, 4), hdr_init = (uint32_t)rd(img + 0x260, 4);
	uint32_t addr_max = (uint32_t)rd(img + 0x22c, 4);
	uint16_t xlf = (uint16_t)rd(img + 0x236, 2);

	CHECK(p->version == rd(img + 0x206, 2) && p->version >= BZ_MIN_PROTOCOL);
	CHECK(p->setup_size == (sects + 1u) * 512u);
	CHECK(p->kernel_off == p->setup_size && p->kernel_off < len);
	CHECK(p->kernel_size == len - p->kernel_off);
	CHECK(p->load_gpa >= GUEST_HIGH_BASE && p->load_gpa % align == 0);
	CHECK(p->init_size >= p->kernel_size && p->init_size >= hdr_init);
	CHECK(p->load_gpa <= mem && p->init_size <= mem - p->load_gpa);
	CHECK(p->entry64 == p->load_gpa + 0x200);
	CHECK(p->initrd_max < mem);
	CHECK(p->initrd_max <= addr_max || ((xlf & 2) && p->initrd_max <= 4 * GiB - 1));
	CHECK(p->cmdline_size == rd(img + 0x238, 4));
}

static void check_initrd(const struct bz_plan *p, uint64_t size, uint64_t below, uint64_t gpa)
{
	uint64_t top = below < p->initrd_max + 1 ? below : p->initrd_max + 1;
	uint64_t floor = p->load_gpa + p->init_size;

	if (!gpa) {
		/* Nothing fits: no page-aligned start in [floor, top - size]. */
		CHECK(!size || size > top || ((top - size) & ~4095ull) < floor);
		return;
	}
	CHECK(size && gpa % 4096 == 0 && gpa >= floor);
	CHECK(gpa + size <= top);
	CHECK(gpa + 4096 + size > top);		/* the highest */
}

static bool extras_disjoint(const struct guest_mem_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (overlap(r[i].base, r[i].len, r[j].base, r[j].len))
				return false;
	return true;
}

static void check_e820(uint64_t mem, const struct guest_mem_range *r, unsigned nr)
{
	struct guest_mem_range map[3];
	unsigned nmap = loader_guest_memmap(mem, map), n = zp[BZ_ZP_E820_ENTRIES];
	uint64_t ram = 0, want_ram = 0, prev_end = 0;
	unsigned seen[MAX_EXTRA] = { 0 };

	CHECK(n >= 1 && n <= BZ_E820_MAX);
	for (unsigned i = 0; i < nmap; i++) {
		if (map[i].type != GUEST_MEM_AVAILABLE)
			continue;
		want_ram += map[i].len;
		for (unsigned k = 0; k < nr; k++)
			want_ram -= overlap(map[i].base, map[i].len, r[k].base, r[k].len);
	}
	for (unsigned i = 0; i < n; i++) {
		struct bz_e820_entry e;

		memcpy(&e, zp + BZ_ZP_E820_TABLE + i * sizeof(e), sizeof(e));
		CHECK(e.size > 0 && e.addr + e.size > e.addr);
		CHECK(i == 0 || e.addr >= prev_end);
		prev_end = e.addr + e.size;
		if (e.type == GUEST_MEM_AVAILABLE) {
			bool inside = false;

			for (unsigned k = 0; k < nmap; k++)
				if (map[k].type == GUEST_MEM_AVAILABLE &&
				    overlap(e.addr, e.size, map[k].base, map[k].len) == e.size)
					inside = true;
			CHECK(inside);
			for (unsigned k = 0; k < nr; k++)
				CHECK(!overlap(e.addr, e.size, r[k].base, r[k].len));
			ram += e.size;
		}
		for (unsigned k = 0; k < nr; k++)
			if (e.addr == r[k].base && e.size == r[k].len && e.type == r[k].type)
				seen[k]++;
	}
	CHECK(ram == want_ram);
	for (unsigned k = 0; k < nr; k++)
		CHECK(seen[k] == 1);
}

static void check_zero_page(const struct bz_plan *p, const uint8_t *img,
			    const struct bz_boot *b)
{
	CHECK(!memcmp(zp + 0x202, "HdrS", 4));
	CHECK(zp[0x1f1] == img[0x1f1]);
	CHECK(zp[0x210] == 0xff);
	CHECK(zp[0x211] == (img[0x211] & 0x7f));
	CHECK(rd(zp + 0x228, 4) == (uint32_t)b->cmdline_gpa);
	CHECK(rd(zp + 0x0c8, 4) == b->cmdline_gpa >> 32);
	CHECK(rd(zp + 0x218, 4) == (uint32_t)b->initrd_gpa);
	CHECK(rd(zp + 0x0c0, 4) == b->initrd_gpa >> 32);
	CHECK(rd(zp + 0x21c, 4) == (uint32_t)b->initrd_size);
	CHECK(rd(zp + 0x0c4, 4) == b->initrd_size >> 32);
	CHECK(rd(zp + 0x250, 8) == 0);
	CHECK(rd(zp + 0x070, 8) == b->rsdp_gpa);
	CHECK(rd(zp + 0x214, 4) == (p->load_gpa < 4 * GiB ? p->load_gpa : 0));
	CHECK(zp[0x1ef] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem_range extra[MAX_EXTRA];
	struct bz_boot b = { 0 };
	struct bz_plan p;
	const char *err = NULL;
	uint64_t mem, seed, isize, below, seed2;
	uint8_t *img;
	size_t len;
	unsigned nr;
	int r;

	if (size < PREFIX)
		return 0;
	mem = guest_mem[data[0] % 8];
	len = size - PREFIX;
	img = malloc(len ? len : 1);
	if (!img)
		return 0;
	memcpy(img, data + PREFIX, len);
	plant(img, len, data[1]);

	r = bz_plan(img, len, mem, &p, &err);
	if (r) {
		CHECK(r == -1 && err && !memcmp(err, "bzImage: ", 9));
		free(img);
		return 0;
	}
	check_plan(&p, img, len, mem);

	seed2 = rd(data + 4, 4) * 0x9e3779b97f4a7c15ull;
	isize = (1ull << (data[3] % 32)) + data[3];
	below = seed2 % (mem + 1);
	b.initrd_gpa = bz_initrd_gpa(&p, isize, below);
	check_initrd(&p, isize, below, b.initrd_gpa);
	if (!b.initrd_gpa) {
		isize = 4096;
		b.initrd_gpa = bz_initrd_gpa(&p, isize, mem);
		check_initrd(&p, isize, mem, b.initrd_gpa);
	}
	b.initrd_size = b.initrd_gpa ? isize : 0;
	if (!b.initrd_size)
		b.initrd_gpa = 0;

	b.guest_mem = mem;
	b.cmdline_gpa = (seed2 >> 20) % (mem < 4 * GiB ? mem : 4 * GiB);
	if ((data[1] & 4) && mem > 4 * GiB && (img[0x236] & 2))
		b.cmdline_gpa = 4 * GiB + (seed2 >> 20) % (mem - 4 * GiB);
	b.rsdp_gpa = seed2 & 0xffff0;

	seed = rd(data + 8, 8) | 1;
	nr = data[2] % (MAX_EXTRA + 1);
	for (unsigned i = 0; i < nr; i++) {
		extra[i].base = xorshift(&seed) % (mem + GiB);
		extra[i].len = 1 + xorshift(&seed) % (16 * MiB);
		extra[i].type = 2 + (uint32_t)(xorshift(&seed) % 4);
	}
	b.extra_reserved = extra;
	b.nr_extra_reserved = nr;

	r = bz_build_zero_page(zp, img, len, &p, &b, &err);
	CHECK((r == 0) == extras_disjoint(extra, nr));
	if (r == 0) {
		check_e820(mem, extra, nr);
		check_zero_page(&p, img, &b);
	} else {
		CHECK(!strcmp(err, "bzImage: extra reserved ranges overlap"));
	}
	free(img);
	return 0;
}
