/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the guest loaders (kernel/vm/loader.c).
 *
 * Input: a 12-byte prefix, then the image.
 *   [0] kind (mod 4: auto, mb1, mb2, flat)   [1] guest memory (mod 8, table below)
 *   [2] flat mode (mod 3)                     [3] long-start knobs (below)
 *   [4..7] flat load= (LE)                    [8..11] flat entry= (LE, added to load)
 * The image is handed over as an exact-size heap copy, so ASan sees any read
 * past it. Every plan that comes back must keep the promises of loader.h;
 * the boot information builders then run with strings and modules taken
 * from the image, and their Multiboot2 output must pass boot/mb2.c's parser.
 * The long-mode start area is built for a guest of at most 64 MiB taken
 * from load=, at a GPA from entry=, into an exact-size heap buffer whose
 * size byte [3] chooses around the need (bit 0: align the guest size to
 * 4 KiB, bit 1: place the area at the top of RAM, bits 7:2: capacity). Its
 * tables must map every 2 MiB of that RAM to itself.
 * Seeds: tests/fuzz/corpus/loader (written by tests/unit/test_loader.c).
 *
 *   ./build/fuzz/fuzz_loader -max_total_time=20 tests/fuzz/corpus/loader */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/mb2.h"
#include "kernel/vm/loader.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define MiB (1ull << 20)
#define GiB (1ull << 30)

static const uint64_t guest_mem[8] = { 1 * MiB, 2 * MiB, 16 * MiB, 64 * MiB, 256 * MiB,
				       4 * GiB, 8 * GiB, 64 * GiB };

static int seg_has(const struct load_plan *p, uint64_t gpa)
{
	for (unsigned i = 0; i < p->nr_segments; i++)
		if (gpa >= p->seg[i].gpa && gpa - p->seg[i].gpa < p->seg[i].mem_size)
			return 1;
	return 0;
}

static void check_plan(const struct load_plan *p, const struct vm_opts *o, size_t len)
{
	uint64_t end = 0;

	CHECK(p->kind == VM_KIND_MB1 || p->kind == VM_KIND_MB2 || p->kind == VM_KIND_FLAT);
	CHECK(o->kind == VM_KIND_AUTO ? p->kind != VM_KIND_FLAT : p->kind == o->kind);
	CHECK(p->nr_segments >= 1 && p->nr_segments <= LOADER_MAX_SEGMENTS);
	for (unsigned i = 0; i < p->nr_segments; i++) {
		const struct load_segment *s = &p->seg[i];

		CHECK(s->file_size <= len && s->file_off <= len - s->file_size);
		CHECK(s->mem_size > 0 && s->mem_size >= s->file_size);
		CHECK(s->gpa <= o->mem && s->mem_size <= o->mem - s->gpa);
		if (p->kind != VM_KIND_FLAT)
			CHECK(s->gpa + s->mem_size <= GUEST_LOW_END || s->gpa >= GUEST_HIGH_BASE);
		for (unsigned j = 0; j < i; j++)
			CHECK(s->gpa >= p->seg[j].gpa + p->seg[j].mem_size ||
			      p->seg[j].gpa >= s->gpa + s->mem_size);
		if (s->gpa + s->mem_size > end)
			end = s->gpa + s->mem_size;
	}
	CHECK(p->image_end == end);
	CHECK(seg_has(p, p->entry));
	switch (p->kind) {
	case VM_KIND_MB1:
		CHECK(p->boot_eax == LOADER_MB1_EAX && p->mode == VM_MODE_PROT32);
		CHECK(p->entry < 4 * GiB);
		CHECK(p->mb2_requested == 0);
		break;
	case VM_KIND_MB2:
		CHECK(p->boot_eax == LOADER_MB2_EAX && p->mode == VM_MODE_PROT32);
		CHECK(p->entry < 4 * GiB);
		CHECK(!p->mb1_wants_meminfo && !p->mb1_wants_video);
		break;
	default:
		CHECK(p->boot_eax == 0 && p->mode == o->mode && p->entry == o->entry);
		CHECK(p->nr_segments == 1 && p->seg[0].gpa == o->load && p->seg[0].file_size == len);
		if (p->mode == VM_MODE_REAL)
			CHECK(p->image_end <= 1 * MiB);
		if (p->mode == VM_MODE_PROT32)
			CHECK(p->image_end <= 4 * GiB);
		if (p->mode == VM_MODE_LONG)
			CHECK(loader_long_area_size(o->mem) <= o->mem &&
			      p->image_end <= o->mem - loader_long_area_size(o->mem));
		break;
	}
}

/* Builds both information blocks from bytes of the image and checks them. */
static void check_info(const uint8_t *img, size_t len, uint64_t mem)
{
	static _Alignas(8) uint8_t buf[4096];
	static struct boot_info bi;
	struct guest_module mods[4];
	char strings[4][64], cmdline[300];
	struct mb2_error e;
	unsigned nr = len > 0 ? img[0] % 5 : 0;
	uint32_t gpa = len > 1 ? (uint32_t)img[1] << 12 : 0x1000;
	size_t cap = len > 2 ? (size_t)img[2] * 16 + 1 : sizeof(buf);
	size_t n, cl = len > 3 ? img[3] % sizeof(cmdline) : 0;
	uint32_t info;

	if (cap > sizeof(buf))
		cap = sizeof(buf);
	for (size_t i = 0; i < cl; i++)
		cmdline[i] = (char)(i + 4 < len && img[i + 4] ? img[i + 4] : 'c');
	cmdline[cl] = '\0';
	for (unsigned i = 0; i < nr; i++) {
		uint64_t start = 0x200000 + i * 0x10000ull, sz = len > 4 + i ? img[4 + i] * 16ull : 0;

		snprintf(strings[i], sizeof(strings[i]), "module %u", i);
		mods[i] = (struct guest_module){ start, start + sz, i % 2 ? strings[i] : NULL };
	}

	n = mb2_build_info(buf, cap, gpa, mem, cmdline, mods, nr, &info);
	if (n) {
		uint32_t total;

		CHECK(n <= cap && n % 8 == 0 && info == gpa);
		CHECK((uint64_t)gpa + n <= mem);
		memcpy(&total, buf, 4);
		CHECK(total == n);
		CHECK(mb2_parse(buf, n, &bi, &e) == 0);
		CHECK(strcmp(bi.cmdline, cmdline) == 0);
		CHECK(strcmp(bi.loader, "svmvisor") == 0);
		CHECK(bi.nr_modules == nr && bi.has_basic_mem);
		CHECK(bi.nr_mmap == (mem > 1 * MiB ? 3u : 2u));
		for (unsigned i = 0; i < nr; i++)
			CHECK(bi.modules[i].start == mods[i].start && bi.modules[i].end == mods[i].end);
	}
	n = mb1_build_info(buf, cap, gpa, mem, cmdline, mods, nr, &info);
	if (n) {
		struct mb1_info mi;

		CHECK(n <= cap && n >= sizeof(mi) && info == gpa);
		memcpy(&mi, buf, sizeof(mi));
		CHECK(mi.cmdline >= gpa && mi.cmdline - gpa < n);
		CHECK(strcmp((const char *)buf + (mi.cmdline - gpa), cmdline) == 0);
		CHECK(mi.mmap_addr >= gpa && mi.mmap_addr - gpa + mi.mmap_length <= n);
		CHECK(mi.mods_count == nr);
		CHECK(!nr || (mi.mods_addr >= gpa && mi.mods_addr - gpa + 16 * nr <= n));
		CHECK(mi.mem_lower == 640);
	}
}

/* Reads the 8 bytes at gpa from the area buf[0..n) at area_gpa; -1 (all
 * ones, never a valid entry here) when they are not inside it. */
static uint64_t long_u64(const uint8_t *buf, size_t n, uint64_t area_gpa, uint64_t gpa)
{
	uint64_t v;

	if (gpa < area_gpa || gpa - area_gpa > n || n - (gpa - area_gpa) < 8)
		return ~0ull;
	memcpy(&v, buf + (gpa - area_gpa), 8);
	return v;
}

/* APM Vol.2 5.3: PML4 index 47:39, PDPT 38:30, PD 29:21, 2 MiB pages.
 * Returns the physical address, or ~0 when not present. */
static uint64_t long_walk(const uint8_t *buf, size_t n, uint64_t area_gpa, uint64_t cr3, uint64_t va)
{
	uint64_t e = cr3;

	for (int level = 3; level >= 1; level--) {
		e = long_u64(buf, n, area_gpa, (e & 0x000ffffffffff000ull) +
			     ((va >> (12 + 9 * level)) & 511) * 8);
		CHECK(e != ~0ull);	/* every table lies in the area */
		if (!(e & 1))
			return ~0ull;
		CHECK((e & 0x80) == (level == 1 ? 0x80u : 0u));	/* 2 MiB leaves only */
	}
	return (e & 0x000fffffffe00000ull) | (va & 0x1fffff);
}

static void check_long(uint32_t a, uint32_t b, uint8_t how)
{
	uint64_t mem = (a & (64 * MiB - 1)) + 1, size, gpa, fill = 0xa5a5a5a5a5a5a5a5ull;
	struct long_start ls, before;
	size_t cap, used;
	uint8_t *buf;

	CHECK(loader_long_area_size(((uint64_t)a << 32) | b) % 4096 == 0);
	if (how & 1)
		mem = (mem + 4095) & ~4095ull;
	size = loader_long_area_size(mem);
	CHECK(size == 0x4000);
	gpa = how & 2 ? mem - size : b % (mem + 8192);
	cap = (size_t)size - 8192 + (size_t)(how >> 2) * 512;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return;
	memset(buf, 0xa5, cap);
	memcpy(&ls, &fill, sizeof(fill));
	memcpy(&before, &ls, sizeof(ls));
	used = loader_build_long_start(buf, cap, gpa, mem, &ls);
	if (!used) {
		CHECK(cap < size || gpa % 4096 || gpa > mem || size > mem - gpa);
		for (size_t i = 0; i < cap; i++)
			CHECK(buf[i] == 0xa5);
		CHECK(memcmp(&ls, &before, sizeof(ls)) == 0);
		free(buf);
		return;
	}
	CHECK(used <= cap && used == size);
	CHECK(gpa % 4096 == 0 && gpa + used <= mem);
	CHECK(ls.area_gpa == gpa && ls.area_len == used && ls.cr3 == gpa);
	CHECK(ls.gdt_base == gpa + 0x2000 && ls.gdt_limit == 23 && ls.cs == 8 && ls.ds == 0x10);
	for (uint64_t va = 0; va < mem; va += 2 * MiB)
		CHECK(long_walk(buf, used, gpa, ls.cr3, va + (b & 0x1fffff)) == va + (b & 0x1fffff));
	CHECK(long_walk(buf, used, gpa, ls.cr3, (mem + 2 * MiB - 1) & ~(2 * MiB - 1)) == ~0ull);
	for (size_t i = used; i < cap; i++)
		CHECK(buf[i] == 0xa5);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_opts o = { 0 };
	struct load_plan p;
	const char *err = NULL;
	uint32_t load, entry;
	uint8_t *img;
	size_t len;

	if (size < 12)
		return 0;
	o.kind = (enum vm_kind)(data[0] % 4);
	o.mem = guest_mem[data[1] % 8];
	o.mode = (enum vm_mode)(data[2] % 3);
	memcpy(&load, data + 4, 4);
	memcpy(&entry, data + 8, 4);
	o.load = load;
	o.entry = (uint64_t)load + entry;
	len = size - 12;
	img = malloc(len ? len : 1);
	if (!img)
		return 0;
	memcpy(img, data + 12, len);

	if (loader_plan(img, len, &o, &p, &err) == 0)
		check_plan(&p, &o, len);
	else
		CHECK(err != NULL && err[0] != '\0');
	check_info(img, len, o.mem);
	check_long(load, entry, data[3]);
	free(img);
	return 0;
}
