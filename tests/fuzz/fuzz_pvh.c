/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the PVH boot module (kernel/vm/pvh.c).
 *
 * Input: a 16-byte prefix, then the image.
 *   [0] guest memory: bit 7 clear, table[b % 8] below; set, bytes [8..15]
 *       as they are (any 64-bit value)
 *   [1] knobs: bit 0 plants an ELF header (bit 1: ELFCLASS64, else 32;
 *       ident, e_type, e_machine, e_version, the program headers right
 *       after the header, e_phnum 1 + bits 7:4 as far as the file holds
 *       them); bit 2 then makes program header 0 a PT_NOTE over an entry
 *       note planted after the program headers (bit 3: an 8-byte
 *       descriptor, else 4), whose value is the p_paddr of program header
 *       1 plus bytes [4..5], so that the entry often lands in a segment;
 *       bit 4 puts the start info at a GPA drawn from [4..7] instead of
 *       64 KiB; bit 5 draws its buffer's size from [4..7] instead of 8 KiB;
 *       bit 6 gives no command line; bit 7 puts the initrd at a GPA drawn
 *       from [8..15] (anywhere, 0 included) and lets the start info's GPA
 *       be unaligned
 *   [2] number of extra reserved ranges (mod 64: past PVH_MAX_EXTRA too)
 *   [3] initrd size: 1 << (b % 28), plus b
 *   [4..7] seed: `below` for pvh_initrd_gpa, the start info's GPA and
 *       size, the RSDP
 *   [8..15] seed of the xorshift generator that draws the extra ranges
 *       (base anywhere in RAM + 1 GiB, 1 byte to 16 MiB, types 2-5)
 * The image and the start info buffer are exact-size heap blocks, so ASan
 * sees any access past them. The command line is the image's first bytes,
 * up to a NUL or 64 bytes.
 *
 * Invariants: pvh_plan never crashes and, refusing, says "PVH: ..."; it
 * refuses for want of a note exactly when pvh_has_entry_note says there is
 * none (an ELF header it cannot read aside). Accepting, its segments are
 * the file's PT_LOAD headers with p_memsz > 0, in order, each with its
 * file bytes inside the file, in RAM from 1 MiB to 4 GiB, disjoint, at most
 * 16; image_end is the highest end; the entry lies in a segment's file
 * bytes. pvh_initrd_gpa answers the highest page-aligned fit above
 * image_end below `below` and 4 GiB, or 0 only when none exists.
 * pvh_build_start_info, at 64 KiB in an 8 KiB buffer with that initrd,
 * succeeds exactly when the extra ranges are at most 61 and pairwise
 * disjoint; whenever it succeeds, the start info reads back at
 * start_info.h's offsets: magic, version 1, the module, the command line
 * and the RSDP as given, every pointer inside the area, which lies in RAM
 * below 4 GiB out of [640K, 1M), and a memory map sorted, disjoint,
 * holding every extra range once with its type and exactly the RAM of
 * loader_guest_memmap less the extra ranges. Refusing, it writes nothing.
 *
 *   ./build/fuzz/fuzz_pvh -max_total_time=60 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/vm/pvh.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PREFIX 16
#define MAX_EXTRA 63
#define INFO_GPA 0x10000ull
#define INFO_CAP 8192
#define NO_NOTE "PVH: no XEN_ELFNOTE_PHYS32_ENTRY note (type 18, name \"Xen\")"

static const uint64_t guest_mem[8] = { 1 * MiB, 17 * MiB, 64 * MiB, 256 * MiB, 1 * GiB,
				       4 * GiB - 4096, 4 * GiB, 8 * GiB };

static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static void wr(uint8_t *p, uint64_t v, size_t n)
{
	memcpy(p, &v, n);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* gABI 4.1: the header fields, by class. */
struct cls {
	size_t ehsize, phentsize, phoff_at, phoff_len, phnum_at, phentsize_at;
	size_t p_offset, p_paddr, p_filesz, p_memsz, word;
};
static const struct cls cls32 = { 52, 32, 0x1c, 4, 0x2c, 0x2a, 0x04, 0x0c, 0x10, 0x14, 4 };
static const struct cls cls64 = { 64, 56, 0x20, 8, 0x38, 0x36, 0x08, 0x18, 0x20, 0x28, 8 };

static void plant(uint8_t *img, size_t len, const uint8_t *data)
{
	uint8_t knobs = data[1];
	bool is64 = knobs & 2;
	const struct cls *c = is64 ? &cls64 : &cls32;
	static const uint8_t ident[] = { 0x7f, 'E', 'L', 'F' };
	size_t nph, note;
	uint64_t entry;

	if (!(knobs & 1) || len < c->ehsize)
		return;
	memcpy(img, ident, 4);
	img[4] = is64 ? 2 : 1;	/* EI_CLASS */
	img[5] = 1;		/* ELFDATA2LSB */
	img[6] = 1;		/* EV_CURRENT */
	wr(img + 0x10, 2, 2);	/* ET_EXEC */
	wr(img + 0x12, is64 ? 62 : 3, 2);
	wr(img + 0x14, 1, 4);
	wr(img + c->phoff_at, c->ehsize, c->phoff_len);
	wr(img + c->phentsize_at, c->phentsize, 2);
	nph = 1 + (knobs >> 4);
	if (nph > (len - c->ehsize) / c->phentsize)
		nph = (len - c->ehsize) / c->phentsize;
	wr(img + c->phnum_at, nph, 2);
	note = (c->ehsize + nph * c->phentsize + 3) & ~(size_t)3;
	if (!(knobs & 4) || nph < 1 || len < note + 24)
		return;
	wr(img + c->ehsize, 4, 4);	/* PT_NOTE */
	wr(img + c->ehsize + c->p_offset, note, c->word);
	wr(img + c->ehsize + c->p_filesz, knobs & 8 ? 24 : 20, c->word);
	entry = rd(data + 4, 2);
	if (nph > 1)
		entry += rd(img + c->ehsize + c->phentsize + c->p_paddr, c->word);
	wr(img + note, 4, 4);				/* namesz */
	wr(img + note + 4, knobs & 8 ? 8 : 4, 4);	/* descsz */
	wr(img + note + 8, 18, 4);			/* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(img + note + 12, "Xen", 4);
	wr(img + note + 16, entry, knobs & 8 ? 8 : 4);
}

static uint64_t overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	uint64_t lo = a > b ? a : b, ae = a + alen, be = b + blen, hi = ae < be ? ae : be;

	return hi > lo ? hi - lo : 0;
}

static uint64_t top4g(uint64_t mem)
{
	return mem < 4 * GiB ? mem : 4 * GiB;
}

/* The plan against the file's own program headers. */
static void check_plan(const struct pvh_plan *p, const uint8_t *img, size_t len, uint64_t mem)
{
	const struct cls *c = img[4] == 2 ? &cls64 : &cls32;
	uint64_t phoff = rd(img + c->phoff_at, c->phoff_len), end = 0;
	unsigned phentsize = (unsigned)rd(img + c->phentsize_at, 2);
	unsigned phnum = (unsigned)rd(img + c->phnum_at, 2), n = 0;
	bool entry_in = false;

	CHECK(p->is64 == (img[4] == 2));
	CHECK(p->nr_segments >= 1 && p->nr_segments <= PVH_MAX_SEGMENTS);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		uint64_t memsz = rd(ph + c->p_memsz, c->word);

		if (rd(ph, 4) != 1 || memsz == 0)
			continue;
		CHECK(n < p->nr_segments);
		CHECK(p->seg[n].file_off == rd(ph + c->p_offset, c->word));
		CHECK(p->seg[n].file_size == rd(ph + c->p_filesz, c->word));
		CHECK(p->seg[n].gpa == rd(ph + c->p_paddr, c->word));
		CHECK(p->seg[n].mem_size == memsz);
		n++;
	}
	CHECK(n == p->nr_segments);
	for (unsigned i = 0; i < p->nr_segments; i++) {
		const struct load_segment *s = &p->seg[i];

		CHECK(s->mem_size > 0 && s->file_size <= s->mem_size);
		CHECK(s->file_size <= len && s->file_off <= len - s->file_size);
		CHECK(s->gpa >= GUEST_HIGH_BASE && s->gpa <= top4g(mem) &&
		      s->mem_size <= top4g(mem) - s->gpa);
		for (unsigned j = 0; j < i; j++)
			CHECK(!overlap(s->gpa, s->mem_size, p->seg[j].gpa, p->seg[j].mem_size));
		if (s->gpa + s->mem_size > end)
			end = s->gpa + s->mem_size;
		if (p->entry >= s->gpa && p->entry - s->gpa < s->file_size)
			entry_in = true;
	}
	CHECK(p->image_end == end);
	CHECK(entry_in);
}

static void check_initrd(const struct pvh_plan *p, uint64_t size, uint64_t below, uint64_t gpa)
{
	uint64_t top = top4g(below);

	if (!gpa) {
		CHECK(!size || size > top || ((top - size) & ~4095ull) < p->image_end);
		return;
	}
	CHECK(size && gpa % 4096 == 0 && gpa >= p->image_end);
	CHECK(gpa <= top && size <= top - gpa);
	CHECK(top - gpa - size < 4096);		/* the highest */
}

static bool extras_ok(const struct guest_mem_range *r, unsigned n)
{
	if (n > PVH_MAX_EXTRA)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (r[i].base > UINT64_MAX - r[i].len)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (overlap(r[i].base, r[i].len, r[j].base, r[j].len))
				return false;
	}
	return true;
}

/* A pointer field: inside the area, the object inside too. */
static size_t at(uint64_t paddr, uint64_t gpa, size_t used, size_t n)
{
	CHECK(paddr >= gpa && paddr - gpa <= used && n <= used - (paddr - gpa));
	return (size_t)(paddr - gpa);
}

static void check_memmap(const uint8_t *buf, size_t off, unsigned n, uint64_t mem,
			 const struct guest_mem_range *r, unsigned nr)
{
	struct guest_mem_range map[3];
	unsigned nmap = loader_guest_memmap(mem, map), seen[MAX_EXTRA] = { 0 };
	uint64_t ram = 0, want_ram = 0, prev_end = 0;

	CHECK(n >= 2 && n <= PVH_MEMMAP_MAX);
	for (unsigned i = 0; i < nmap; i++) {
		if (map[i].type != GUEST_MEM_AVAILABLE)
			continue;
		want_ram += map[i].len;
		for (unsigned k = 0; k < nr; k++)
			want_ram -= overlap(map[i].base, map[i].len, r[k].base, r[k].len);
	}
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = buf + off + 24 * (size_t)i;
		uint64_t addr = rd(e, 8), len = rd(e + 8, 8);
		uint32_t type = (uint32_t)rd(e + 16, 4);
		bool inside = false;

		CHECK(rd(e + 20, 4) == 0);
		CHECK(len > 0 && addr + len > addr);
		CHECK(i == 0 || addr >= prev_end);
		prev_end = addr + len;
		for (unsigned k = 0; k < nmap; k++)
			if (map[k].type == type && overlap(addr, len, map[k].base, map[k].len) == len)
				inside = true;
		for (unsigned k = 0; k < nr; k++) {
			if (addr == r[k].base && len == r[k].len && type == r[k].type) {
				seen[k]++;
				inside = true;
			} else {
				CHECK(!overlap(addr, len, r[k].base, r[k].len));
			}
		}
		CHECK(inside);		/* a piece of the base map, or an extra range */
		if (type == GUEST_MEM_AVAILABLE)
			ram += len;
	}
	CHECK(ram == want_ram);
	for (unsigned k = 0; k < nr; k++)
		CHECK(seen[k] == 1);
}

static void check_start_info(const uint8_t *buf, size_t used, uint64_t gpa,
			     const struct pvh_boot *b)
{
	uint64_t end = gpa + used;
	size_t off;

	CHECK(used >= 56 && end <= top4g(b->guest_mem));
	CHECK(gpa >= GUEST_HIGH_BASE || end <= GUEST_LOW_END);
	CHECK(rd(buf, 4) == XEN_HVM_START_MAGIC_VALUE && rd(buf + 4, 4) == 1);
	CHECK(rd(buf + 8, 4) == 0 && rd(buf + 52, 4) == 0);
	CHECK(rd(buf + 32, 8) == b->rsdp_gpa);
	if (b->initrd_size) {
		CHECK(rd(buf + 12, 4) == 1);
		off = at(rd(buf + 16, 8), gpa, used, 32);
		CHECK(rd(buf + off, 8) == b->initrd_gpa && rd(buf + off + 8, 8) == b->initrd_size);
		CHECK(rd(buf + off + 16, 8) == 0 && rd(buf + off + 24, 8) == 0);
		CHECK(b->initrd_gpa + b->initrd_size <= top4g(b->guest_mem));
		CHECK(!overlap(gpa, used, b->initrd_gpa, b->initrd_size));
	} else {
		CHECK(rd(buf + 12, 4) == 0 && rd(buf + 16, 8) == 0);
	}
	if (b->cmdline) {
		size_t n = strlen(b->cmdline);

		off = at(rd(buf + 24, 8), gpa, used, n + 1);
		CHECK(!memcmp(buf + off, b->cmdline, n + 1));
	} else {
		CHECK(rd(buf + 24, 8) == 0);
	}
	off = at(rd(buf + 40, 8), gpa, used, 24 * rd(buf + 48, 4));
	check_memmap(buf, off, (unsigned)rd(buf + 48, 4), b->guest_mem, b->extra_reserved,
		     b->nr_extra_reserved);
}

static void start_info(const struct pvh_plan *p, const uint8_t *img, size_t len,
		       const uint8_t *data, uint64_t mem)
{
	struct guest_mem_range extra[MAX_EXTRA];
	struct pvh_boot b = { .guest_mem = mem };
	uint64_t seed = rd(data + 4, 4) * 0x9e3779b97f4a7c15ull, xs = rd(data + 8, 8) | 1;
	uint64_t isize = (1ull << (data[3] % 28)) + data[3], gpa;
	uint64_t below = mem == UINT64_MAX ? seed : seed % (mem + 1);
	uint64_t span = mem > UINT64_MAX - GiB ? UINT64_MAX : mem + GiB;
	bool fixed = !(data[1] & 0xb0);
	const char *err = NULL;
	char cmdline[65];
	size_t cap, used;
	uint32_t got = 0xfeedf00d;
	uint8_t *buf;
	unsigned nr;

	b.initrd_gpa = pvh_initrd_gpa(p, isize, below);
	check_initrd(p, isize, below, b.initrd_gpa);
	b.initrd_size = b.initrd_gpa ? isize : 0;
	if (data[1] & 0x80) {
		b.initrd_gpa = xorshift(&xs) % span;
		b.initrd_size = isize;
	}
	b.rsdp_gpa = seed & 0xffff0;
	memset(cmdline, 0, sizeof(cmdline));
	memcpy(cmdline, img, len < 64 ? len : 64);
	b.cmdline = data[1] & 0x40 ? NULL : cmdline;
	nr = data[2] % (MAX_EXTRA + 1);
	for (unsigned i = 0; i < nr; i++) {
		extra[i].base = xorshift(&xs) % span;
		extra[i].len = 1 + xorshift(&xs) % (16 * MiB);
		extra[i].type = 2 + (uint32_t)(xorshift(&xs) % 4);
	}
	b.extra_reserved = extra;
	b.nr_extra_reserved = nr;

	gpa = data[1] & 0x10 ? (seed >> 16) % (top4g(mem) + GiB) & ~7ull : INFO_GPA;
	if (data[1] & 0x80)
		gpa |= seed >> 61;
	cap = data[1] & 0x20 ? (size_t)(seed >> 40) % (INFO_CAP + 1) : INFO_CAP;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return;
	memset(buf, 0xa5, cap);
	used = pvh_build_start_info(buf, cap, gpa, &b, &got, &err);
	if (fixed)
		CHECK((used != 0) == extras_ok(extra, nr));
	if (used) {
		CHECK(used <= cap && got == gpa);
		for (size_t i = used; i < cap; i++)
			CHECK(buf[i] == 0xa5);
		check_start_info(buf, used, gpa, &b);
	} else {
		CHECK(err && !memcmp(err, "PVH: ", 5) && got == 0xfeedf00d);
		for (size_t i = 0; i < cap; i++)
			CHECK(buf[i] == 0xa5);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pvh_plan p;
	struct elf_file f;
	const char *err = NULL;
	uint64_t mem;
	uint8_t *img;
	size_t len;
	bool note;
	int r;

	if (size < PREFIX)
		return 0;
	mem = data[0] & 0x80 ? rd(data + 8, 8) : guest_mem[data[0] % 8];
	len = size - PREFIX;
	img = malloc(len ? len : 1);
	if (!img)
		return 0;
	memcpy(img, data + PREFIX, len);
	plant(img, len, data);

	r = pvh_plan(img, len, mem, &p, &err);
	note = pvh_has_entry_note(img, len);
	if (r) {
		CHECK(r == -1 && err && !memcmp(err, "PVH: ", 5));
		/* "no note" exactly when there is none, once the header reads. */
		if (loader_elf_open(img, len, &f) == ELF_OK)
			CHECK(!strcmp(err, NO_NOTE) == !note);
		free(img);
		return 0;
	}
	CHECK(note);
	check_plan(&p, img, len, mem);
	start_info(&p, img, len, data, mem);
	free(img);
	return 0;
}
