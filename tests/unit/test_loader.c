/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the guest loaders (kernel/vm/loader.c). Images are built byte
 * by byte here: an ELF32/ELF64 header and program headers written at their
 * gABI offsets, Multiboot1 and Multiboot2 headers at theirs, and no structure
 * from the code under test. Each plan is made from an exact-size heap copy,
 * so ASan catches any read past the image. The Multiboot2 information the
 * builder writes is read back with boot/mb2.c's own parser.
 *
 * Setting LOADER_CORPUS_DIR writes the valid images there as fuzzer seeds
 * (with the 12-byte prefix tests/fuzz/fuzz_loader.c expects):
 *   LOADER_CORPUS_DIR=tests/fuzz/corpus/loader ./build/unit/test_loader */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/mb2.h"
#include "kernel/vm/loader.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- image builder ---- */

static uint8_t img[96 * 1024];
static size_t img_len;

static void img_reset(size_t len)
{
	assert_true(len <= sizeof(img));
	memset(img, 0, sizeof(img));
	img_len = len;
}

static void put(size_t off, const void *p, size_t n)
{
	assert_true(off + n <= sizeof(img));
	memcpy(img + off, p, n);
	if (off + n > img_len)
		img_len = off + n;
}

static void put8(size_t off, uint8_t v) { put(off, &v, 1); }
static void put16(size_t off, uint16_t v) { put(off, &v, 2); }
static void put32(size_t off, uint32_t v) { put(off, &v, 4); }
static void put64(size_t off, uint64_t v) { put(off, &v, 8); }

static uint32_t get32(size_t off)
{
	uint32_t v;

	memcpy(&v, img + off, 4);
	return v;
}

struct seg {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

#define PT_LOAD_   1
#define PT_NOTE_   4
#define PT_STACK_  0x6474e551u	/* PT_GNU_STACK */

/* gABI 4.1: e_ident, then the class's header at 0; program headers right
 * after it (52 or 64), 32 or 56 bytes each. */
static void elf_build(int bits, uint64_t entry, const struct seg *s, unsigned n)
{
	static const uint8_t ident[] = { 0x7f, 'E', 'L', 'F', 0, 1, 1, 0 };

	put(0, ident, sizeof(ident));
	put8(4, bits == 64 ? 2 : 1);		/* EI_CLASS */
	put16(0x10, 2);				/* e_type: ET_EXEC */
	put16(0x12, bits == 64 ? 62 : 3);	/* e_machine: EM_X86_64 / EM_386 */
	put32(0x14, 1);				/* e_version */
	if (bits == 64) {
		put64(0x18, entry);
		put64(0x20, 64);		/* e_phoff */
		put16(0x34, 64);		/* e_ehsize */
		put16(0x36, 56);		/* e_phentsize */
		put16(0x38, (uint16_t)n);	/* e_phnum */
		for (unsigned i = 0; i < n; i++) {
			size_t p = 64 + i * 56;

			put32(p + 0x00, s[i].type);
			put32(p + 0x04, 5);	/* PF_R | PF_X */
			put64(p + 0x08, s[i].off);
			put64(p + 0x10, s[i].vaddr);
			put64(p + 0x18, s[i].paddr);
			put64(p + 0x20, s[i].filesz);
			put64(p + 0x28, s[i].memsz);
			put64(p + 0x30, 0x1000);
		}
	} else {
		put32(0x18, (uint32_t)entry);
		put32(0x1c, 52);		/* e_phoff */
		put16(0x28, 52);		/* e_ehsize */
		put16(0x2a, 32);		/* e_phentsize */
		put16(0x2c, (uint16_t)n);	/* e_phnum */
		for (unsigned i = 0; i < n; i++) {
			size_t p = 52 + i * 32;

			put32(p + 0x00, s[i].type);
			put32(p + 0x04, (uint32_t)s[i].off);
			put32(p + 0x08, (uint32_t)s[i].vaddr);
			put32(p + 0x0c, (uint32_t)s[i].paddr);
			put32(p + 0x10, (uint32_t)s[i].filesz);
			put32(p + 0x14, (uint32_t)s[i].memsz);
			put32(p + 0x18, 5);
			put32(p + 0x1c, 0x1000);
		}
	}
}

#define MB1_MAGIC 0x1BADB002u
#define MB2_MAGIC 0xE85250D6u

/* Multiboot 0.6.96 3.1.1; addr: header_addr, load_addr, load_end_addr,
 * bss_end_addr, entry_addr (flags bit 16), or NULL. */
static void mb1_put(size_t off, uint32_t flags, const uint32_t *addr)
{
	put32(off, MB1_MAGIC);
	put32(off + 4, flags);
	put32(off + 8, (uint32_t)-(MB1_MAGIC + flags));
	if (addr)
		for (int i = 0; i < 5; i++)
			put32(off + 12 + 4 * (size_t)i, addr[i]);
}

/* Multiboot2 2.0 3.1: mb2_begin(), tags, mb2_finish() (end tag, length
 * and checksum). */
static size_t mb2_at, mb2_len;

static void mb2_begin(size_t off)
{
	mb2_at = off;
	mb2_len = 16;
}

static void mb2_tag(uint16_t type, uint16_t flags, const uint32_t *body, unsigned words)
{
	put16(mb2_at + mb2_len, type);
	put16(mb2_at + mb2_len + 2, flags);
	put32(mb2_at + mb2_len + 4, 8 + 4 * words);
	for (unsigned i = 0; i < words; i++)
		put32(mb2_at + mb2_len + 8 + 4 * i, body[i]);
	mb2_len += (8 + 4 * words + 7) & ~7u;
}

static void mb2_header(uint32_t arch, uint32_t hlen)
{
	put32(mb2_at, MB2_MAGIC);
	put32(mb2_at + 4, arch);
	put32(mb2_at + 8, hlen);
	put32(mb2_at + 12, (uint32_t)-(MB2_MAGIC + arch + hlen));
}

static void mb2_finish(void)
{
	mb2_tag(0, 0, NULL, 0);
	mb2_header(0, (uint32_t)mb2_len);
}

#define OPT 1	/* Multiboot2 header tag flags: optional */

/* The common kernel: text and data at 1 MiB from file offset 0x1000, bss
 * after; the Multiboot header sits at the start of the text. */
static const struct seg kernel_seg = { PT_LOAD_, 0x1000, 0x100000, 0x100000, 0x2000, 0x3000 };

static void kernel_elf32(void)
{
	img_reset(0x3000);
	elf_build(32, 0x100010, &kernel_seg, 1);
}

static void kernel_mb1(uint32_t flags)
{
	kernel_elf32();
	mb1_put(0x1000, flags, NULL);
}

static void kernel_mb2(void)
{
	static const uint32_t req[] = { 1, 2, 3, 4, 6 };

	kernel_elf32();
	mb2_begin(0x1000);
	mb2_tag(1, 0, req, 5);		/* information request, required */
	mb2_finish();
}

/* ---- running the loader ---- */

static struct load_plan plan;
static const char *err;

static int run(enum vm_kind kind, uint64_t mem)
{
	struct vm_opts o = { .kind = kind, .mem = mem, .mode = VM_MODE_PROT32 };
	uint8_t *copy = malloc(img_len ? img_len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	err = NULL;
	memset(&plan, 0x5a, sizeof(plan));
	rc = loader_plan(copy, img_len, &o, &plan, &err);
	free(copy);
	return rc;
}

static int run_flat(enum vm_mode mode, uint64_t mem, uint64_t load, uint64_t entry)
{
	struct vm_opts o = { .kind = VM_KIND_FLAT, .mem = mem, .mode = mode,
			     .load = load, .entry = entry };
	uint8_t *copy = malloc(img_len ? img_len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	err = NULL;
	memset(&plan, 0x5a, sizeof(plan));
	rc = loader_plan(copy, img_len, &o, &plan, &err);
	free(copy);
	return rc;
}

static void expect_ok(enum vm_kind kind, uint64_t mem)
{
	if (run(kind, mem) != 0)
		fail_msg("loader_plan failed: %s", err);
	assert_null(err);
}

static void expect_err(enum vm_kind kind, uint64_t mem, const char *want)
{
	if (run(kind, mem) == 0)
		fail_msg("loader_plan succeeded, want \"%s\"", want);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static void expect_seg(unsigned i, uint64_t off, uint64_t filesz, uint64_t gpa, uint64_t memsz)
{
	assert_true(i < plan.nr_segments);
	assert_int_equal(plan.seg[i].file_off, off);
	assert_int_equal(plan.seg[i].file_size, filesz);
	assert_int_equal(plan.seg[i].gpa, gpa);
	assert_int_equal(plan.seg[i].mem_size, memsz);
}

/* The fuzzer's input: kind, mem index, mode, 0, load (u32), entry (u32), image. */
static const uint64_t fuzz_mem[8] = { 1 * MiB, 2 * MiB, 16 * MiB, 64 * MiB, 256 * MiB,
				      4 * GiB, 8 * GiB, 64 * GiB };

static void corpus_write(const char *name, enum vm_kind kind, unsigned mem_idx,
			 enum vm_mode mode, uint32_t load, uint32_t entry)
{
	const char *dir = getenv("LOADER_CORPUS_DIR");
	uint8_t head[12] = { (uint8_t)kind, (uint8_t)mem_idx, (uint8_t)mode, 0 };
	char path[512];
	FILE *f;

	if (!dir)
		return;
	memcpy(head + 4, &load, 4);
	memcpy(head + 8, &entry, 4);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(head, 1, sizeof(head), f), sizeof(head));
	assert_int_equal(fwrite(img, 1, img_len, f), img_len);
	fclose(f);
}

/* ---- Multiboot 1 ---- */

static void test_mb1_elf(void **state)
{
	(void)state;
	kernel_mb1(0x3);	/* page-align modules, memory info */
	corpus_write("mb1_elf", VM_KIND_AUTO, 2, 0, 0, 0);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB1);
	assert_int_equal(plan.mode, VM_MODE_PROT32);
	assert_int_equal(plan.boot_eax, 0x2BADB002);
	assert_int_equal(plan.entry, 0x100010);
	assert_int_equal(plan.nr_segments, 1);
	expect_seg(0, 0x1000, 0x2000, 0x100000, 0x3000);
	assert_int_equal(plan.image_end, 0x103000);
	assert_true(plan.align_modules);
	assert_true(plan.mb1_wants_meminfo);
	assert_false(plan.mb1_wants_video);
	assert_int_equal(plan.mb2_requested, 0);

	expect_ok(VM_KIND_MB1, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB1);

	kernel_mb1(0);
	expect_ok(VM_KIND_MB1, 2 * MiB);
	assert_false(plan.align_modules);
	assert_false(plan.mb1_wants_meminfo);
	/* Flag bits 16-31 other than 16 are optional: ignored. */
	kernel_mb1(1u << 20);
	expect_ok(VM_KIND_MB1, 2 * MiB);
}

static void test_mb1_elf_segments(void **state)
{
	const struct seg s[] = {
		{ PT_NOTE_, 0x100, 0, 0, 0x20, 0x20 },
		{ PT_LOAD_, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000 },	/* text */
		{ PT_LOAD_, 0, 0, 0, 0, 0 },					/* empty: skipped */
		{ PT_STACK_, 0, 0, 0, 0, 0 },
		{ PT_LOAD_, 0x2000, 0x200000, 0x200000, 0x800, 0x5000 },	/* data + bss */
	};

	(void)state;
	img_reset(0x2800);
	elf_build(32, 0x100000, s, 5);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.nr_segments, 2);
	expect_seg(0, 0x1000, 0x1000, 0x100000, 0x1000);
	expect_seg(1, 0x2000, 0x800, 0x200000, 0x5000);
	assert_int_equal(plan.image_end, 0x205000);
	assert_int_equal(plan.entry, 0x100000);
}

/* Linked at 0xC0100000, loaded at 1 MiB (p_paddr), as a higher-half kernel. */
static void test_mb1_higher_half(void **state)
{
	const struct seg s = { PT_LOAD_, 0x1000, 0xC0100000, 0x100000, 0x2000, 0x3000 };

	(void)state;
	img_reset(0x3000);
	elf_build(32, 0xC0100020, &s, 1);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_MB1, 16 * MiB);
	assert_int_equal(plan.entry, 0x100020);
	expect_seg(0, 0x1000, 0x2000, 0x100000, 0x3000);

	/* An entry outside every virtual range is taken as physical. */
	elf_build(32, 0x100040, &s, 1);
	expect_ok(VM_KIND_MB1, 16 * MiB);
	assert_int_equal(plan.entry, 0x100040);
}

static void test_mb1_flags(void **state)
{
	(void)state;
	kernel_mb1(1u << 2);		/* video mode: header has 48 bytes */
	expect_ok(VM_KIND_MB1, 16 * MiB);
	assert_true(plan.mb1_wants_video);

	for (unsigned bit = 3; bit < 16; bit++) {
		kernel_mb1(1u << bit);
		expect_err(VM_KIND_AUTO, 16 * MiB,
			   "Multiboot1 header flags ask for features svmvisor does not know (bits 3-15)");
	}
}

/* a.out kludge (flags bit 16): raw bytes, no ELF. */
static void mb1_aout(size_t len, size_t hdr, uint32_t header_addr, uint32_t load_addr,
		     uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	const uint32_t a[5] = { header_addr, load_addr, load_end, bss_end, entry };

	img_reset(len);
	memset(img, 0x90, len);
	mb1_put(hdr, 1u << 16, a);
}

static void test_mb1_aout_kludge(void **state)
{
	(void)state;
	/* The whole file from 1 MiB, bss to 0x104000. */
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0, 0x104000, 0x100080);
	corpus_write("mb1_aout", VM_KIND_AUTO, 2, 0, 0, 0);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB1);
	assert_int_equal(plan.nr_segments, 1);
	expect_seg(0, 0, 0x2000, 0x100000, 0x4000);
	assert_int_equal(plan.entry, 0x100080);
	assert_int_equal(plan.image_end, 0x104000);

	/* load_end_addr: only part of the file; no bss. */
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0x101000, 0, 0x100000);
	expect_ok(VM_KIND_MB1, 16 * MiB);
	expect_seg(0, 0, 0x1000, 0x100000, 0x1000);

	/* The header 0x1000 into the file, text starting 0x800 before it. */
	mb1_aout(0x3000, 0x1000, 0x200000, 0x1ff800, 0, 0, 0x1ff800);
	expect_ok(VM_KIND_MB1, 16 * MiB);
	expect_seg(0, 0x800, 0x2800, 0x1ff800, 0x2800);
	assert_int_equal(plan.entry, 0x1ff800);

	/* The address fields win over an ELF program header. */
	kernel_elf32();
	{
		const uint32_t a[5] = { 0x300000, 0x300000, 0, 0, 0x300000 };

		mb1_put(0x1000, 1u << 16, a);
	}
	expect_ok(VM_KIND_MB1, 16 * MiB);
	expect_seg(0, 0x1000, 0x2000, 0x300000, 0x2000);
}

static void test_mb1_aout_errors(void **state)
{
	(void)state;
	mb1_aout(0x2000, 0x40, 0x100040, 0x100080, 0, 0, 0x100080);
	expect_err(VM_KIND_AUTO, 16 * MiB, "load_addr above header_addr");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000 - 4, 0, 0, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "load_addr before the start of the file");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0xfffff, 0, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "load_end_addr below load_addr");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0x102001, 0, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "load_end_addr past the end of the file");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0x101000, 0x100fff, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "bss_end_addr below load_end_addr");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0x100000, 0, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "address fields load nothing");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0, 0x104000, 0x104000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "entry point outside every loaded segment");
	mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0, 0x104000, 0xfffff);
	expect_err(VM_KIND_AUTO, 16 * MiB, "entry point outside every loaded segment");
	mb1_aout(0x2000, 0x40, 0xF0000040, 0xF0000000, 0, 0, 0xF0000000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment outside guest RAM (raise mem=?)");
	mb1_aout(0x2000, 0x40, 0xFFFFF040, 0xFFFFF000, 0, 0xFFFFFFFF, 0xFFFFF000);
	expect_err(VM_KIND_AUTO, 64 * GiB, "bss_end_addr below load_end_addr");
	/* Across 4 GiB is fine in a large guest: the fields are 32-bit, the sums are not. */
	mb1_aout(0x2000, 0x40, 0xFFFFF040, 0xFFFFF000, 0, 0, 0xFFFFF000);
	expect_ok(VM_KIND_AUTO, 64 * GiB);
	expect_seg(0, 0, 0x2000, 0xFFFFF000, 0x2000);
	expect_err(VM_KIND_AUTO, 4 * GiB, "segment outside guest RAM (raise mem=?)");
	mb1_aout(0x2000, 0x40, 0x9F040, 0x9F000, 0, 0, 0x9F000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment in the reserved 640K-1M hole of guest memory");
	/* Ending right at 640K is fine. */
	mb1_aout(0x1000, 0x40, 0x9F040, 0x9F000, 0, 0, 0x9F000);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	expect_seg(0, 0, 0x1000, 0x9F000, 0x1000);
}

static void test_mb1_header_search(void **state)
{
	(void)state;
	/* Beyond the first 8 KiB: not found. */
	img_reset(0x3000);
	mb1_put(8192, 0, NULL);
	expect_err(VM_KIND_AUTO, 16 * MiB, "no Multiboot2 or Multiboot1 header (a flat binary needs kind=flat)");
	expect_err(VM_KIND_MB1, 16 * MiB,
		   "no Multiboot1 header (magic 0x1BADB002, 4-aligned) in the first 8 KiB");
	/* Not 4-aligned: not found. */
	img_reset(0x3000);
	mb1_put(0x1002, 0, NULL);
	expect_err(VM_KIND_MB1, 16 * MiB,
		   "no Multiboot1 header (magic 0x1BADB002, 4-aligned) in the first 8 KiB");
	/* The last place a 12-byte header fits. */
	kernel_elf32();
	mb1_put(8192 - 12, 0, NULL);
	expect_ok(VM_KIND_MB1, 16 * MiB);
	/* With address fields it needs 32 bytes. */
	{
		const uint32_t a[5] = { 0x101FF4, 0x100000, 0, 0, 0x100000 };

		img_reset(0x3000);
		mb1_put(8192 - 12, 1u << 16, a);
		expect_err(VM_KIND_MB1, 16 * MiB, "Multiboot1 header extends past the first 8 KiB");
		img_reset(0x1000);
		mb1_put(0x1000 - 12, 1u << 16, NULL);
		img_len = 0x1000;
		expect_err(VM_KIND_MB1, 16 * MiB, "Multiboot1 header extends past the end of the file");
	}
	/* A bad checksum: reported when nothing better is found... */
	kernel_mb1(0);
	put32(0x1008, get32(0x1008) + 1);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot1 header checksum bad");
	/* ...and skipped when a good header follows. */
	mb1_put(0x1010, 0x1, NULL);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_true(plan.align_modules);
	/* Nothing at all. */
	img_reset(100);
	expect_err(VM_KIND_AUTO, 16 * MiB, "no Multiboot2 or Multiboot1 header (a flat binary needs kind=flat)");
	img_reset(0);
	expect_err(VM_KIND_AUTO, 16 * MiB, "no Multiboot2 or Multiboot1 header (a flat binary needs kind=flat)");
	img_reset(11);
	put32(0, MB1_MAGIC);
	expect_err(VM_KIND_AUTO, 16 * MiB, "no Multiboot2 or Multiboot1 header (a flat binary needs kind=flat)");
}

/* ---- Multiboot 2 ---- */

static void test_mb2_elf(void **state)
{
	static const uint32_t req[] = { 1, 2, 3, 4, 6, 0 };
	static const uint32_t opt_req[] = { 8, 14, 15, 21, 40 };

	(void)state;
	kernel_elf32();
	mb2_begin(0x1000);
	mb2_tag(1, 0, req, 6);			/* required, all provided */
	mb2_tag(1, OPT, opt_req, 5);		/* optional, none provided */
	mb2_tag(6, 0, NULL, 0);			/* module alignment */
	mb2_finish();
	corpus_write("mb2_elf", VM_KIND_AUTO, 2, 0, 0, 0);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB2);
	assert_int_equal(plan.mode, VM_MODE_PROT32);
	assert_int_equal(plan.boot_eax, 0x36D76289);
	assert_int_equal(plan.entry, 0x100010);
	assert_int_equal(plan.nr_segments, 1);
	expect_seg(0, 0x1000, 0x2000, 0x100000, 0x3000);
	assert_true(plan.align_modules);
	assert_int_equal(plan.mb2_requested,
			 (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) |
			 (1u << 8) | (1u << 14) | (1u << 15) | (1u << 21));
	assert_false(plan.mb1_wants_meminfo);

	expect_ok(VM_KIND_MB2, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB2);

	/* The entry address tag overrides e_entry. */
	{
		const uint32_t entry = 0x100100;

		kernel_elf32();
		mb2_begin(0x1000);
		mb2_tag(3, 0, &entry, 1);
		mb2_finish();
		expect_ok(VM_KIND_MB2, 16 * MiB);
		assert_int_equal(plan.entry, 0x100100);
		assert_false(plan.align_modules);
	}
}

/* An x86-64 kernel with a 32-bit entry stub, as GRUB boots with multiboot2. */
static void test_mb2_elf64(void **state)
{
	const struct seg s[] = {
		{ PT_LOAD_, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000 },
		{ PT_LOAD_, 0x2000, 0xffffffff80200000ull, 0x200000, 0x1000, 0x9000 },
	};

	(void)state;
	img_reset(0x3000);
	elf_build(64, 0x100000, s, 2);
	mb2_begin(0x1000);
	mb2_finish();
	corpus_write("mb2_elf64", VM_KIND_AUTO, 3, 0, 0, 0);
	expect_ok(VM_KIND_AUTO, 64 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB2);
	assert_int_equal(plan.nr_segments, 2);
	expect_seg(1, 0x2000, 0x1000, 0x200000, 0x9000);
	assert_int_equal(plan.entry, 0x100000);
	assert_int_equal(plan.image_end, 0x209000);

	/* A higher-half e_entry is moved to its physical address. */
	elf_build(64, 0xffffffff80200010ull, s, 2);
	expect_ok(VM_KIND_AUTO, 64 * MiB);
	assert_int_equal(plan.entry, 0x200010);

	/* An MB1 header in an ELF64 file works the same way. */
	img_reset(0x3000);
	elf_build(64, 0x100000, s, 2);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_AUTO, 64 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB1);
}

static void mb2_raw(size_t len, bool with_entry, uint32_t header_addr, uint32_t load_addr,
		    uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	const uint32_t a[4] = { header_addr, load_addr, load_end, bss_end };

	img_reset(len);
	memset(img, 0xf4, len);
	mb2_begin(0x40);
	mb2_tag(2, 0, a, 4);
	if (with_entry)
		mb2_tag(3, 0, &entry, 1);
	mb2_finish();
}

static void test_mb2_address_tag(void **state)
{
	(void)state;
	mb2_raw(0x2000, true, 0x100040, 0x100000, 0, 0x105000, 0x100100);
	corpus_write("mb2_raw", VM_KIND_AUTO, 2, 0, 0, 0);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB2);
	expect_seg(0, 0, 0x2000, 0x100000, 0x5000);
	assert_int_equal(plan.entry, 0x100100);

	/* load_addr -1: from the file's start, placed by header_addr. */
	mb2_raw(0x2000, true, 0x200040, 0xffffffff, 0x201000, 0, 0x200000);
	expect_ok(VM_KIND_MB2, 16 * MiB);
	expect_seg(0, 0, 0x1000, 0x200000, 0x1000);
	mb2_raw(0x2000, true, 0x20, 0xffffffff, 0, 0, 0);
	expect_err(VM_KIND_MB2, 16 * MiB, "header_addr below the header's offset in the file");

	mb2_raw(0x2000, false, 0x100040, 0x100000, 0, 0, 0);
	expect_err(VM_KIND_MB2, 16 * MiB, "Multiboot2 address tag without an entry address tag");
	mb2_raw(0x2000, true, 0x100040, 0x100000, 0, 0, 0x102000);
	expect_err(VM_KIND_MB2, 16 * MiB, "entry point outside every loaded segment");
	mb2_raw(0x2000, true, 0x100040, 0x100000, 0x102001, 0, 0x100000);
	expect_err(VM_KIND_MB2, 16 * MiB, "load_end_addr past the end of the file");
	mb2_raw(0x2000, true, 0x100040, 0x100000, 0, 0, 0x100000);
	expect_err(VM_KIND_MB2, 1 * MiB, "segment outside guest RAM (raise mem=?)");
}

static void test_mb2_tags(void **state)
{
	static const struct {
		uint16_t type, flags;
		uint32_t body[4];
		unsigned words;
		const char *want;	/* NULL: loads */
	} cases[] = {
		{ 5, OPT, { 1024, 768, 32 }, 3, NULL },
		{ 5, 0, { 1024, 768, 32 }, 3, "Multiboot2 header requires a framebuffer, not provided" },
		{ 4, OPT, { 1 }, 1, NULL },
		{ 4, 0, { 2 }, 1, NULL },
		{ 4, 0, { 3 }, 1, "Multiboot2 header requires a console (EGA text or framebuffer), not provided" },
		{ 4, 0, { 3, 0 }, 2, "Multiboot2 flags tag size not 12" },
		{ 7, 0, { 0 }, 0, NULL },
		{ 8, 0, { 0x100000 }, 1, NULL },
		{ 9, 0, { 0x100000 }, 1, NULL },
		{ 10, 0, { 0x100000, 0x1000000, 0x1000, 0 }, 4, NULL },
		{ 99, OPT, { 0 }, 0, NULL },
		{ 99, 0, { 0 }, 0, "Multiboot2 header has an unknown required tag" },
		{ 0xffff, 0, { 1, 2 }, 2, "Multiboot2 header has an unknown required tag" },
		{ 1, 0, { 8 }, 1, "Multiboot2 header requires the framebuffer info tag (8), not provided" },
		{ 1, 0, { 1, 14 }, 2, "Multiboot2 header requires the ACPI 1.0 RSDP tag (14), not provided" },
		{ 1, 0, { 15 }, 1, "Multiboot2 header requires the ACPI 2.0 RSDP tag (15), not provided" },
		{ 1, 0, { 5 }, 1, "Multiboot2 header requires the BIOS boot device tag (5), not provided" },
		{ 1, 0, { 21 }, 1, "Multiboot2 header requires the load base address tag (21), not provided" },
		{ 1, 0, { 22 }, 1, "Multiboot2 header requires an unknown information tag" },
		{ 1, 0, { 0x80000000u }, 1, "Multiboot2 header requires an unknown information tag" },
		{ 1, OPT, { 22, 0x80000000u }, 2, NULL },
		{ 1, 0, { 0 }, 0, NULL },
		{ 2, 0, { 1, 2, 3 }, 3, "Multiboot2 address tag size not 24" },
		{ 3, 0, { 1, 2 }, 2, "Multiboot2 entry address tag size not 12" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kernel_elf32();
		mb2_begin(0x1000);
		mb2_tag(cases[i].type, cases[i].flags, cases[i].body, cases[i].words);
		mb2_finish();
		if (run(VM_KIND_AUTO, 16 * MiB) == 0 ? cases[i].want != NULL
						     : !cases[i].want || strcmp(err, cases[i].want))
			fail_msg("case %zu (tag %u): got \"%s\", want \"%s\"", i, cases[i].type,
				 err ? err : "ok", cases[i].want ? cases[i].want : "ok");
	}

	/* An information request whose size is not 8 + 4n. */
	kernel_elf32();
	mb2_begin(0x1000);
	put16(0x1010, 1);
	put16(0x1012, 0);
	put32(0x1014, 10);
	mb2_len = 16 + 16;
	mb2_finish();
	expect_err(VM_KIND_MB2, 16 * MiB, "Multiboot2 information request size not 8 + 4n");

	/* Two address or entry tags. */
	{
		const uint32_t a[4] = { 0x100040, 0x100000, 0, 0 }, e = 0x100000;

		kernel_elf32();
		mb2_begin(0x1000);
		mb2_tag(2, 0, a, 4);
		mb2_tag(2, 0, a, 4);
		mb2_finish();
		expect_err(VM_KIND_MB2, 16 * MiB, "Multiboot2 header has two address tags");
		kernel_elf32();
		mb2_begin(0x1000);
		mb2_tag(3, 0, &e, 1);
		mb2_tag(3, 0, &e, 1);
		mb2_finish();
		expect_err(VM_KIND_MB2, 16 * MiB, "Multiboot2 header has two entry address tags");
	}
}

static void test_mb2_header_errors(void **state)
{
	(void)state;
	kernel_mb2();
	expect_ok(VM_KIND_MB2, 16 * MiB);

	/* Architecture 4 (MIPS). */
	kernel_elf32();
	mb2_begin(0x1000);
	mb2_tag(0, 0, NULL, 0);
	mb2_header(4, 24);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header architecture not i386 (0)");

	/* header_length: too small, past the file, past 32 KiB. */
	kernel_elf32();
	mb2_begin(0x1000);
	mb2_header(0, 16);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header_length too small for an end tag");
	kernel_elf32();
	mb2_begin(0x3000 - 16);
	mb2_header(0, 24);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header extends past the end of the file");
	img_reset(0x9000);
	mb2_begin(32768 - 16);
	mb2_tag(0, 0, NULL, 0);
	mb2_header(0, 24);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header extends past the first 32 KiB");

	/* Tags: size below 8, past header_length, no end tag, end tag size. */
	kernel_elf32();
	mb2_begin(0x1000);
	put16(0x1010, 6);
	put32(0x1014, 4);
	put32(0x101c, 8);
	mb2_header(0, 32);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header tag size < 8");
	kernel_elf32();
	mb2_begin(0x1000);
	put16(0x1010, 6);
	put32(0x1014, 0x100);
	mb2_header(0, 32);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header tag past header_length");
	kernel_elf32();
	mb2_begin(0x1000);
	mb2_tag(6, 0, NULL, 0);
	mb2_header(0, 24);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header has no end tag");
	kernel_elf32();
	mb2_begin(0x1000);
	mb2_tag(6, 0, NULL, 0);
	mb2_header(0, 28);		/* 4 bytes after the tag: no room for another */
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header has no end tag");
	kernel_elf32();
	mb2_begin(0x1000);
	put16(0x1010, 6);
	put32(0x1014, 12);		/* fits, but its padding runs past header_length */
	mb2_header(0, 28);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header has no end tag");
	kernel_elf32();
	mb2_begin(0x1000);
	mb2_tag(0, 0, (const uint32_t[]){ 0, 0 }, 2);
	mb2_header(0, 32);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header end tag size not 8");

	/* Header search: beyond 32 KiB, misaligned, bad checksum. */
	img_reset(0x9000);
	mb2_begin(32768);
	mb2_finish();
	expect_err(VM_KIND_MB2, 16 * MiB,
		   "no Multiboot2 header (magic 0xE85250D6, 8-aligned) in the first 32 KiB");
	kernel_elf32();
	mb2_begin(0x1004);
	mb2_finish();
	expect_err(VM_KIND_MB2, 16 * MiB,
		   "no Multiboot2 header (magic 0xE85250D6, 8-aligned) in the first 32 KiB");
	kernel_mb2();
	put32(0x100c, get32(0x100c) ^ 1);
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header checksum bad");
	expect_err(VM_KIND_MB2, 16 * MiB, "Multiboot2 header checksum bad");
	/* The last 8-aligned place a 24-byte header fits. */
	img_reset(32768);
	elf_build(32, 0x100000, (const struct seg[]){ { PT_LOAD_, 0, 0x100000, 0x100000, 0x100, 0x100 } }, 1);
	mb2_begin(32768 - 24);
	mb2_finish();
	expect_ok(VM_KIND_MB2, 16 * MiB);
}

static void test_auto_detection(void **state)
{
	(void)state;
	/* Both headers: auto takes Multiboot2; kind= picks either. */
	kernel_elf32();
	mb1_put(0x1000, 0x1, NULL);
	mb2_begin(0x1010);
	mb2_finish();
	corpus_write("both", VM_KIND_AUTO, 2, 0, 0, 0);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB2);
	assert_false(plan.align_modules);
	expect_ok(VM_KIND_MB2, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB2);
	expect_ok(VM_KIND_MB1, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB1);
	assert_true(plan.align_modules);

	/* Multiboot2 with a bad checksum: the good Multiboot1 header wins. */
	put32(0x101c, get32(0x101c) + 1);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.kind, VM_KIND_MB1);
	expect_err(VM_KIND_MB2, 16 * MiB, "Multiboot2 header checksum bad");

	/* A well-formed Multiboot2 header that cannot be honoured stops the
	 * VM: no fallback to Multiboot1. */
	kernel_elf32();
	mb1_put(0x1000, 0, NULL);
	mb2_begin(0x1010);
	mb2_tag(5, 0, (const uint32_t[]){ 0, 0, 0 }, 3);
	mb2_finish();
	expect_err(VM_KIND_AUTO, 16 * MiB, "Multiboot2 header requires a framebuffer, not provided");
	expect_ok(VM_KIND_MB1, 16 * MiB);

	/* Only Multiboot1. */
	kernel_mb1(0);
	expect_err(VM_KIND_MB2, 16 * MiB,
		   "no Multiboot2 header (magic 0xE85250D6, 8-aligned) in the first 32 KiB");
	/* Only Multiboot2. */
	kernel_mb2();
	expect_err(VM_KIND_MB1, 16 * MiB,
		   "no Multiboot1 header (magic 0x1BADB002, 4-aligned) in the first 8 KiB");

	/* Kinds out of range. */
	{
		struct vm_opts o = { .kind = (enum vm_kind)9, .mem = 16 * MiB };

		assert_int_equal(loader_plan(img, img_len, &o, &plan, &err), -1);
		assert_string_equal(err, "unknown kind");
		assert_int_equal(loader_plan(NULL, 100, &(struct vm_opts){ .mem = 16 * MiB }, &plan, &err), -1);
		o.kind = VM_KIND_MB1;	/* fails on this Multiboot2-only image: err may be NULL */
		assert_int_equal(loader_plan(img, img_len, &o, &plan, NULL), -1);
	}
}

/* ---- flat binaries ---- */

static void test_flat(void **state)
{
	(void)state;
	/* A boot sector. */
	img_reset(512);
	memset(img, 0x90, 510);
	put16(510, 0xaa55);
	corpus_write("flat_bootsector", VM_KIND_FLAT, 2, VM_MODE_REAL, 0x7c00, 0x7c00);
	assert_int_equal(run_flat(VM_MODE_REAL, 16 * MiB, 0x7c00, 0x7c00), 0);
	assert_int_equal(plan.kind, VM_KIND_FLAT);
	assert_int_equal(plan.mode, VM_MODE_REAL);
	assert_int_equal(plan.entry, 0x7c00);
	assert_int_equal(plan.boot_eax, 0);
	assert_int_equal(plan.nr_segments, 1);
	expect_seg(0, 0, 512, 0x7c00, 512);
	assert_int_equal(plan.image_end, 0x7e00);
	assert_int_equal(run_flat(VM_MODE_REAL, 16 * MiB, 0x7c00, 0x7dff), 0);
	assert_int_equal(plan.entry, 0x7dff);

	/* Flat images ignore the Multiboot headers they may hold. */
	kernel_mb2();
	assert_int_equal(run_flat(VM_MODE_PROT32, 16 * MiB, 0x100000, 0x101000), 0);
	assert_int_equal(plan.kind, VM_KIND_FLAT);
	assert_int_equal(plan.mode, VM_MODE_PROT32);
	expect_seg(0, 0, 0x3000, 0x100000, 0x3000);

	img_reset(0x1000);
	assert_int_equal(run_flat(VM_MODE_LONG, 8 * GiB, 4 * GiB, 4 * GiB + 0x10), 0);
	assert_int_equal(plan.mode, VM_MODE_LONG);
	assert_int_equal(plan.entry, 4 * GiB + 0x10);
	/* Flat images may use the 640K-1M hole (a BIOS-like guest). */
	img_reset(0x10000);
	assert_int_equal(run_flat(VM_MODE_REAL, 1 * MiB, 0xF0000, 0xFFFF0), 0);
	expect_seg(0, 0, 0x10000, 0xF0000, 0x10000);
	/* Up to the last byte of RAM. */
	img_reset(0x1000);
	assert_int_equal(run_flat(VM_MODE_PROT32, 2 * MiB, 2 * MiB - 0x1000, 2 * MiB - 1), 0);
}

static void test_flat_errors(void **state)
{
	(void)state;
	img_reset(0);
	assert_int_equal(run_flat(VM_MODE_REAL, 16 * MiB, 0x7c00, 0x7c00), -1);
	assert_string_equal(err, "empty image");

	img_reset(0x1000);
	assert_int_equal(run_flat(VM_MODE_PROT32, 2 * MiB, 2 * MiB - 0xfff, 2 * MiB - 0xfff), -1);
	assert_string_equal(err, "segment outside guest RAM (raise mem=?)");
	assert_int_equal(run_flat(VM_MODE_PROT32, 2 * MiB, UINT64_MAX - 0x10, UINT64_MAX - 0x10), -1);
	assert_string_equal(err, "segment outside guest RAM (raise mem=?)");
	assert_int_equal(run_flat(VM_MODE_REAL, 16 * MiB, 0xFF800, 0xFF800), -1);
	assert_string_equal(err, "real-mode image must end below 1 MiB");
	assert_int_equal(run_flat(VM_MODE_PROT32, 8 * GiB, 4 * GiB - 0x800, 4 * GiB - 0x800), -1);
	assert_string_equal(err, "32-bit image must end below 4 GiB");
	assert_int_equal(run_flat(VM_MODE_REAL, 16 * MiB, 0x7c00, 0x8c00), -1);
	assert_string_equal(err, "entry= outside the image");
	assert_int_equal(run_flat(VM_MODE_REAL, 16 * MiB, 0x7c00, 0x7bff), -1);
	assert_string_equal(err, "entry= outside the image");
	assert_int_equal(run_flat((enum vm_mode)5, 16 * MiB, 0x7c00, 0x7c00), -1);
	assert_string_equal(err, "unknown mode");
}

/* mode=long: the image must stay below the long-mode start area, which
 * takes the top 16 KiB of a 16 MiB guest; other modes may use that range. */
static void test_flat_long_area(void **state)
{
	const uint64_t mem = 16 * MiB, area = mem - 0x4000;

	(void)state;
	img_reset(0x1000);
	memset(img, 0x90, img_len);
	corpus_write("flat_long", VM_KIND_FLAT, 2, VM_MODE_LONG, 0x100000, 0x100000);
	assert_int_equal(run_flat(VM_MODE_LONG, mem, 0x100000, 0x100000), 0);
	/* Ends right below the area. */
	assert_int_equal(run_flat(VM_MODE_LONG, mem, area - 0x1000, area - 1), 0);
	assert_int_equal(plan.mode, VM_MODE_LONG);
	assert_int_equal(plan.image_end, area);
	/* One byte into it, inside it, and at the very top of RAM. */
	assert_int_equal(run_flat(VM_MODE_LONG, mem, area - 0xfff, area - 0xfff), -1);
	assert_string_equal(err, "mode=long: the image overlaps the long-mode page tables at the top of RAM");
	assert_int_equal(run_flat(VM_MODE_LONG, mem, area, area), -1);
	assert_string_equal(err, "mode=long: the image overlaps the long-mode page tables at the top of RAM");
	assert_int_equal(run_flat(VM_MODE_LONG, mem, mem - 0x1000, mem - 0x1000), -1);
	assert_string_equal(err, "mode=long: the image overlaps the long-mode page tables at the top of RAM");
	/* A 64 GiB guest's area is 67 pages. */
	assert_int_equal(run_flat(VM_MODE_LONG, 64 * GiB, 64 * GiB - 0x43000 - 0x1000,
				  64 * GiB - 0x43000 - 0x1000), 0);
	assert_int_equal(run_flat(VM_MODE_LONG, 64 * GiB, 64 * GiB - 0x43000, 64 * GiB - 0x43000), -1);
	assert_string_equal(err, "mode=long: the image overlaps the long-mode page tables at the top of RAM");
	/* The other modes keep the whole of RAM. */
	assert_int_equal(run_flat(VM_MODE_PROT32, mem, mem - 0x1000, mem - 0x1000), 0);
	/* The older checks still come first, and entry= must be in the image. */
	assert_int_equal(run_flat(VM_MODE_LONG, mem, mem - 0x800, mem - 0x800), -1);
	assert_string_equal(err, "segment outside guest RAM (raise mem=?)");
	assert_int_equal(run_flat(VM_MODE_LONG, mem, 0x100000, 0x101000), -1);
	assert_string_equal(err, "entry= outside the image");
}

/* ---- ELF errors ---- */

static void test_elf_header_errors(void **state)
{
	(void)state;
	/* Neither ELF nor address fields. */
	img_reset(0x2000);
	mb1_put(0x1000, 0, NULL);
	expect_err(VM_KIND_AUTO, 16 * MiB, "not an ELF file (and no Multiboot load address fields)");
	kernel_mb1(0);
	img[1] = 'e';
	expect_err(VM_KIND_AUTO, 16 * MiB, "not an ELF file (and no Multiboot load address fields)");

	/* Truncated headers: the Multiboot1 header inside the ELF header. */
	kernel_elf32();
	img_reset(0);
	elf_build(32, 0x100000, &kernel_seg, 1);
	mb1_put(24, 0, NULL);
	img_len = 40;
	expect_err(VM_KIND_MB1, 16 * MiB, "ELF header truncated");
	img_reset(0);
	elf_build(64, 0x100000, &kernel_seg, 0);
	mb1_put(44, 0, NULL);
	img_len = 60;
	expect_err(VM_KIND_MB1, 16 * MiB, "ELF header truncated");

	kernel_mb1(0);
	img[4] = 3;
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF class neither 32-bit nor 64-bit");
	kernel_mb1(0);
	img[5] = 2;
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF file not little-endian");
	kernel_mb1(0);
	img[6] = 0;
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF version not 1");
	kernel_mb1(0);
	put16(0x12, 40);	/* EM_ARM */
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF32 file not for i386 (e_machine)");
	kernel_mb1(0);
	put16(0x12, 62);	/* EM_X86_64 in an ELF32 file */
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF32 file not for i386 (e_machine)");
	img_reset(0x3000);
	elf_build(64, 0x100010, &kernel_seg, 1);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	put16(0x12, 3);		/* EM_386 in an ELF64 file */
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF64 file not for x86-64 (e_machine)");
	kernel_mb1(0);
	put16(0x10, 1);		/* ET_REL */
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF file not an executable (e_type)");
	kernel_mb1(0);
	put16(0x10, 3);		/* ET_DYN: loaded at p_paddr like ET_EXEC */
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	kernel_mb1(0);
	put16(0x2a, 31);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF e_phentsize smaller than a program header");
	kernel_mb1(0);
	put16(0x2a, 64);	/* a larger stride is fine (the second header is past) */
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	kernel_mb1(0);
	put16(0x2c, 0);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF file has no program headers");
}

static void test_elf_phdr_bounds(void **state)
{
	(void)state;
	/* e_phoff huge: ELF32 and ELF64 (where phoff + size would wrap). */
	kernel_mb1(0);
	put32(0x1c, 0xfffffff0);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");
	kernel_mb1(0);
	put32(0x1c, 0x3000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");
	kernel_mb1(0);
	put32(0x1c, 0x3000 - 31);	/* one byte short */
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");
	kernel_mb1(0);
	put32(0x1c, 0x3000 - 32);	/* just fits (and is not a PT_LOAD) */
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF file has no PT_LOAD segment to load");
	img_reset(0x3000);
	elf_build(64, 0x100010, &kernel_seg, 1);
	mb1_put(0x1000, 0, NULL);
	put64(0x20, 0xfffffffffffffff0ull);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");
	put64(0x20, 0x8000000000000000ull);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");

	/* e_phnum * e_phentsize far past the file. */
	kernel_mb1(0);
	put16(0x2a, 0xffff);
	put16(0x2c, 0xffff);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");
	kernel_mb1(0);
	put16(0x2c, 0x200);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF program headers past the end of the file");
}

static void one_seg(int bits, uint64_t off, uint64_t paddr, uint64_t filesz, uint64_t memsz,
		    uint64_t entry)
{
	const struct seg s = { PT_LOAD_, off, paddr, paddr, filesz, memsz };

	img_reset(0x3000);
	elf_build(bits, entry, &s, 1);
	mb1_put(0x1000, 0, NULL);
}

static void test_elf_segment_errors(void **state)
{
	(void)state;
	/* Outside the file. */
	one_seg(32, 0x2ff0, 0x100000, 0x20, 0x20, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment past the end of the image file");
	one_seg(32, 0, 0x100000, 0x3001, 0x3001, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment past the end of the image file");
	one_seg(32, 0xfffffff0, 0x100000, 0x20, 0x20, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment past the end of the image file");
	one_seg(64, 0xfffffffffffffff0ull, 0x100000, 0x20, 0x20, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment past the end of the image file");
	one_seg(64, 0x10, 0x100000, 0xfffffffffffffff8ull, 0xfffffffffffffff8ull, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment past the end of the image file");
	one_seg(32, 0x1000, 0x100000, 0x2000, 0x2000, 0x100000);	/* exactly to the end */
	expect_ok(VM_KIND_AUTO, 16 * MiB);

	/* p_memsz < p_filesz, also with p_memsz 0. */
	one_seg(32, 0x1000, 0x100000, 0x2000, 0x1fff, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment memory size smaller than its file size");
	one_seg(32, 0x1000, 0x100000, 0x10, 0, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment memory size smaller than its file size");

	/* Outside guest RAM, and wrapping. */
	one_seg(32, 0x1000, 0x100000, 0x1000, 16 * MiB, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment outside guest RAM (raise mem=?)");
	one_seg(32, 0x1000, 16 * MiB - 0x1000, 0x1000, 0x1000, 16 * MiB - 0x1000);
	expect_ok(VM_KIND_AUTO, 16 * MiB);	/* ends at the last byte */
	expect_err(VM_KIND_AUTO, 16 * MiB - 1, "segment outside guest RAM (raise mem=?)");
	one_seg(32, 0x1000, 0xfffff000, 0x1000, 0x2000, 0xfffff000);
	expect_ok(VM_KIND_AUTO, 64 * GiB);	/* ELF32 sums are 64-bit: no wrap */
	expect_err(VM_KIND_AUTO, 4 * GiB, "segment outside guest RAM (raise mem=?)");
	one_seg(64, 0x1000, 0xfffffffffffff000ull, 0x1000, 0x2000, 0x100000);
	expect_err(VM_KIND_AUTO, 64 * GiB, "segment outside guest RAM (raise mem=?)");
	one_seg(64, 0x1000, 0x100000, 0x1000, 0xfffffffffffff000ull, 0x100000);
	expect_err(VM_KIND_AUTO, 64 * GiB, "segment outside guest RAM (raise mem=?)");

	/* The 640K-1M hole. */
	one_seg(32, 0x1000, 0x9f000, 0x1000, 0x2000, 0x9f000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment in the reserved 640K-1M hole of guest memory");
	one_seg(32, 0x1000, 0xff000, 0x1000, 0x1000, 0xff000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment in the reserved 640K-1M hole of guest memory");
	one_seg(32, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000);	/* low memory is fine */
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	one_seg(32, 0x1000, 0, 0x1000, 0x1000, 0);		/* page 0 too */
	expect_ok(VM_KIND_AUTO, 16 * MiB);

	/* Entry outside every segment, at its end, at the last byte of bss. */
	one_seg(32, 0x1000, 0x100000, 0x1000, 0x2000, 0x102000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "entry point outside every loaded segment");
	one_seg(32, 0x1000, 0x100000, 0x1000, 0x2000, 0xfffff);
	expect_err(VM_KIND_AUTO, 16 * MiB, "entry point outside every loaded segment");
	one_seg(32, 0x1000, 0x100000, 0x1000, 0x2000, 0x101fff);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	/* Above 4 GiB: a 32-bit entry cannot reach it. */
	one_seg(64, 0x1000, 0x100000000ull, 0x1000, 0x1000, 0x100000000ull);
	expect_err(VM_KIND_AUTO, 8 * GiB, "entry point above 4 GiB (Multiboot guests start in 32-bit mode)");
	/* No PT_LOAD with memory. */
	one_seg(32, 0x1000, 0x100000, 0, 0, 0x100000);
	expect_err(VM_KIND_AUTO, 16 * MiB, "ELF file has no PT_LOAD segment to load");
}

static void test_elf_many_segments(void **state)
{
	struct seg s[40];

	(void)state;
	for (unsigned i = 0; i < 40; i++)
		s[i] = (struct seg){ PT_LOAD_, 0x1000, 0x100000 + i * 0x1000ull,
				     0x100000 + i * 0x1000ull, 0x100, 0x1000 };
	img_reset(0x3000);
	elf_build(32, 0x100000, s, 16);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.nr_segments, 16);
	assert_int_equal(plan.image_end, 0x110000);
	for (unsigned i = 0; i < 16; i++)
		expect_seg(i, 0x1000, 0x100, 0x100000 + i * 0x1000ull, 0x1000);

	elf_build(32, 0x100000, s, 17);
	mb1_put(0x1000, 0, NULL);
	expect_err(VM_KIND_AUTO, 16 * MiB, "more than 16 segments to load");

	/* Many other program headers are skipped. */
	for (unsigned i = 0; i < 40; i++)
		s[i] = (struct seg){ PT_NOTE_, 0, 0, 0, 0, 0 };
	s[39] = kernel_seg;
	elf_build(32, 0x100010, s, 40);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	assert_int_equal(plan.nr_segments, 1);

	/* Overlapping segments. */
	s[0] = (struct seg){ PT_LOAD_, 0x1000, 0x100000, 0x100000, 0x1000, 0x2000 };
	s[1] = (struct seg){ PT_LOAD_, 0x2000, 0x101fff, 0x101fff, 0x10, 0x10 };
	elf_build(32, 0x100000, s, 2);
	mb1_put(0x1000, 0, NULL);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segments overlap in guest memory");
	s[1].paddr = 0x102000;
	elf_build(32, 0x100000, s, 2);
	mb1_put(0x1000, 0, NULL);
	expect_ok(VM_KIND_AUTO, 16 * MiB);
	s[1].paddr = 0xff000;	/* covers the first from below */
	s[1].memsz = 0x10000;
	s[1].vaddr = 0x200000;
	elf_build(32, 0x100000, s, 2);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segment in the reserved 640K-1M hole of guest memory");
	s[1].paddr = 0x100800;
	elf_build(32, 0x100000, s, 2);
	expect_err(VM_KIND_AUTO, 16 * MiB, "segments overlap in guest memory");
}

/* Every prefix of valid images: no read past the end, and no plan whose
 * segments are not inside that prefix. */
static void test_truncations(void **state)
{
	void (*const builders[])(void) = { kernel_elf32, kernel_mb2 };

	(void)state;
	for (int b = 0; b < 4; b++) {
		size_t full;

		if (b < 2)
			builders[b]();
		else if (b == 2)
			mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0, 0x104000, 0x100080);
		else
			kernel_mb1(0);
		full = img_len;
		for (size_t n = 0; n <= full; n++) {
			img_len = n;
			for (int k = VM_KIND_AUTO; k <= VM_KIND_FLAT; k++) {
				struct vm_opts o = { .kind = (enum vm_kind)k, .mem = 16 * MiB,
						     .mode = VM_MODE_PROT32, .load = 0x100000,
						     .entry = 0x100000 };
				uint8_t *copy = malloc(n ? n : 1);

				memcpy(copy, img, n);
				if (loader_plan(copy, n, &o, &plan, &err) == 0)
					for (unsigned i = 0; i < plan.nr_segments; i++)
						assert_true(plan.seg[i].file_off + plan.seg[i].file_size <= n);
				else
					assert_non_null(err);
				free(copy);
			}
		}
		img_len = full;
	}
}

/* Random damage to valid images; ASan and UBSan watch. */
static void test_mutations(void **state)
{
	(void)state;
	srand(777);
	for (int round = 0; round < 3000; round++) {
		switch (round % 4) {
		case 0: kernel_mb1(0x3); break;
		case 1: kernel_mb2(); break;
		case 2: mb1_aout(0x2000, 0x40, 0x100040, 0x100000, 0, 0x104000, 0x100080); break;
		default: mb2_raw(0x2000, true, 0x100040, 0x100000, 0, 0x105000, 0x100100); break;
		}
		for (int i = 0; i < 1 + rand() % 8; i++) {
			size_t at = (size_t)rand() % 2 ? (size_t)rand() % 0x80 :
				    0x1000 + (size_t)rand() % 0x60;

			if (round % 4 >= 2)
				at = 0x40 + (size_t)rand() % 0x40;
			img[at % img_len] = (uint8_t)rand();
		}
		if (run(VM_KIND_AUTO, fuzz_mem[rand() % 8]) == 0) {
			assert_true(plan.nr_segments >= 1 && plan.nr_segments <= LOADER_MAX_SEGMENTS);
			assert_true(plan.kind == VM_KIND_MB1 || plan.kind == VM_KIND_MB2);
		} else {
			assert_non_null(err);
		}
	}
}

/* ---- guest memory map and boot information ---- */

static void test_memmap(void **state)
{
	struct guest_mem_range r[3];

	(void)state;
	assert_int_equal(loader_guest_memmap(MiB - 4096, r), 0);
	assert_int_equal(loader_guest_memmap(MiB, r), 2);
	assert_int_equal(r[0].base, 0);
	assert_int_equal(r[0].len, 0xA0000);
	assert_int_equal(r[0].type, GUEST_MEM_AVAILABLE);
	assert_int_equal(r[1].base, 0xA0000);
	assert_int_equal(r[1].len, 0x60000);
	assert_int_equal(r[1].type, GUEST_MEM_RESERVED);
	assert_int_equal(loader_guest_memmap(64 * GiB, r), 3);
	assert_int_equal(r[2].base, MiB);
	assert_int_equal(r[2].len, 64 * GiB - MiB);
	assert_int_equal(r[2].type, GUEST_MEM_AVAILABLE);
}

static _Alignas(8) uint8_t ibuf[8192];

static const struct guest_module two_mods[] = {
	{ 0x200000, 0x201000, "initrd root=/dev/ram0" },
	{ 0x300000, 0x300800, NULL },
};

/* Runs a builder into an exact-size heap buffer; ASan catches overruns. */
static size_t build_exact(bool mb2, size_t cap, uint32_t gpa, uint64_t mem, const char *cmdline,
			  const struct guest_module *mods, unsigned nr, uint32_t *info)
{
	uint8_t *b = malloc(cap ? cap : 1);	/* 16-aligned, exactly cap bytes for ASan */
	size_t n;

	assert_non_null(b);
	n = mb2 ? mb2_build_info(b, cap, gpa, mem, cmdline, mods, nr, info)
		: mb1_build_info(b, cap, gpa, mem, cmdline, mods, nr, info);
	if (n)
		memcpy(ibuf, b, n);
	free(b);
	return n;
}

static void test_mb2_info(void **state)
{
	struct boot_info *bi = malloc(sizeof(*bi));
	struct mb2_error e = { 0 };
	uint32_t info = 0, total;
	size_t n;

	(void)state;
	assert_non_null(bi);
	memset(ibuf, 0xcc, sizeof(ibuf));
	n = mb2_build_info(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "console=ttyS0 debug",
			   two_mods, 2, &info);
	assert_true(n > 0 && n % 8 == 0);
	assert_int_equal(info, 0x10000);
	memcpy(&total, ibuf, 4);
	assert_int_equal(total, n);

	assert_int_equal(mb2_parse(ibuf, n, bi, &e), 0);
	assert_string_equal(bi->cmdline, "console=ttyS0 debug");
	assert_string_equal(bi->loader, "svmvisor");
	assert_true(bi->has_basic_mem);
	assert_int_equal(bi->mem_lower_kb, 640);
	assert_int_equal(bi->mem_upper_kb, (32 * MiB - MiB) / 1024);
	assert_int_equal(bi->nr_mmap, 3);
	assert_int_equal(bi->mmap[0].base, 0);
	assert_int_equal(bi->mmap[0].len, 0xA0000);
	assert_int_equal(bi->mmap[0].type, BOOT_MEM_AVAILABLE);
	assert_int_equal(bi->mmap[1].base, 0xA0000);
	assert_int_equal(bi->mmap[1].len, 0x60000);
	assert_int_equal(bi->mmap[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mmap[2].base, MiB);
	assert_int_equal(bi->mmap[2].len, 31 * MiB);
	assert_int_equal(bi->mmap[2].type, BOOT_MEM_AVAILABLE);
	assert_int_equal(bi->nr_modules, 2);
	assert_int_equal(bi->modules[0].start, 0x200000);
	assert_int_equal(bi->modules[0].end, 0x201000);
	assert_string_equal(bi->modules[0].cmdline, "initrd root=/dev/ram0");
	assert_int_equal(bi->modules[1].start, 0x300000);
	assert_int_equal(bi->modules[1].end, 0x300800);
	assert_string_equal(bi->modules[1].cmdline, "");
	assert_int_equal(bi->rsdp_tag, 0);
	assert_false(bi->has_framebuffer);

	/* No command line, no modules, the smallest and the largest guests. */
	n = mb2_build_info(ibuf, sizeof(ibuf), 0x100000, MiB + 0x1000, NULL, NULL, 0, &info);
	assert_true(n > 0);
	assert_int_equal(mb2_parse(ibuf, n, bi, &e), 0);
	assert_string_equal(bi->cmdline, "");
	assert_int_equal(bi->nr_modules, 0);
	assert_int_equal(bi->mem_upper_kb, 4);
	n = mb2_build_info(ibuf, sizeof(ibuf), 0x8000, MiB, "", NULL, 0, &info);
	assert_int_equal(mb2_parse(ibuf, n, bi, &e), 0);
	assert_int_equal(bi->nr_mmap, 2);
	assert_int_equal(bi->mem_upper_kb, 0);
	n = mb2_build_info(ibuf, sizeof(ibuf), 0x8000, 64 * GiB, "", NULL, 0, &info);
	assert_int_equal(mb2_parse(ibuf, n, bi, &e), 0);
	assert_int_equal(bi->mem_upper_kb, (64 * GiB - MiB) / 1024);
	assert_int_equal(bi->mmap[2].len, 64 * GiB - MiB);

	/* Forty modules. */
	{
		struct guest_module many[40];
		char names[40][8];

		for (unsigned i = 0; i < 40; i++) {
			snprintf(names[i], sizeof(names[i]), "m%u", i);
			many[i] = (struct guest_module){ 0x400000 + i * 0x1000ull,
							 0x400000 + i * 0x1000ull + i, names[i] };
		}
		n = mb2_build_info(ibuf, sizeof(ibuf), 0x1000, 16 * MiB, "x", many, 40, &info);
		assert_true(n > 0);
		assert_int_equal(mb2_parse(ibuf, n, bi, &e), 0);
		assert_int_equal(bi->nr_modules, 40);
		assert_string_equal(bi->modules[39].cmdline, "m39");
		assert_int_equal(bi->modules[39].end - bi->modules[39].start, 39);
	}
	free(bi);
}

/* Every capacity below the need fails and writes nothing past it. */
static void test_info_capacity(void **state)
{
	uint32_t info;

	(void)state;
	for (int mb2 = 0; mb2 < 2; mb2++) {
		size_t need = build_exact(mb2, sizeof(ibuf), 0x10000, 32 * MiB, "console=ttyS0",
					  two_mods, 2, &info);

		assert_true(need > 0);
		for (size_t cap = 0; cap < need; cap++) {
			info = 0x1234;
			assert_int_equal(build_exact(mb2, cap, 0x10000, 32 * MiB, "console=ttyS0",
						     two_mods, 2, &info), 0);
			assert_int_equal(info, 0x1234);
		}
		assert_int_equal(build_exact(mb2, need, 0x10000, 32 * MiB, "console=ttyS0",
					     two_mods, 2, &info), need);
	}
}

static void test_info_bad_args(void **state)
{
	const struct guest_module past_ram = { 0x200000, 32 * MiB + 1, NULL };
	const struct guest_module backwards = { 0x201000, 0x200000, NULL };
	const struct guest_module above_4g = { 0x100000000ull, 0x100001000ull, NULL };
	size_t (*const build[2])(uint8_t *, size_t, uint32_t, uint64_t, const char *,
				 const struct guest_module *, unsigned, uint32_t *) = {
		mb1_build_info, mb2_build_info,
	};
	uint32_t info;

	(void)state;
	for (int i = 0; i < 2; i++) {
		size_t (*f)(uint8_t *, size_t, uint32_t, uint64_t, const char *,
			    const struct guest_module *, unsigned, uint32_t *) = build[i];

		assert_true(f(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "", two_mods, 2, &info) > 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10004, 32 * MiB, "", NULL, 0, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x9ffc0, 32 * MiB, "", NULL, 0, &info), 0);
		assert_true(f(ibuf, sizeof(ibuf), 0x9fe00, 32 * MiB, "", NULL, 0, &info) > 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0xA0000, 32 * MiB, "", NULL, 0, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0xFF000, 32 * MiB, "", NULL, 0, &info), 0);
		assert_true(f(ibuf, sizeof(ibuf), 0x100000, 32 * MiB, "", NULL, 0, &info) > 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 32 * MiB - 64, 32 * MiB, "", NULL, 0, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0xffffff80u, 8 * GiB, "", NULL, 0, &info), 0);
		assert_true(f(ibuf, sizeof(ibuf), 0xffffff00u, 8 * GiB, "", NULL, 0, &info) > 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, MiB - 4096, "", NULL, 0, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "", &past_ram, 1, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "", &backwards, 1, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, 8 * GiB, "", &above_4g, 1, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "", NULL, 1, &info), 0);
		assert_int_equal(f(NULL, sizeof(ibuf), 0x10000, 32 * MiB, "", NULL, 0, &info), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "", NULL, 0, NULL), 0);
		assert_int_equal(f(ibuf, sizeof(ibuf), 0x10000, 32 * MiB, "", two_mods, 0xffffffffu, &info), 0);
	}
}

static void read_at(uint32_t base, uint32_t gpa, void *dst, size_t n)
{
	assert_true(gpa >= base && gpa - base + n <= sizeof(ibuf));
	memcpy(dst, ibuf + (gpa - base), n);
}

static const char *str_at(uint32_t base, uint32_t gpa)
{
	assert_true(gpa >= base && gpa - base < sizeof(ibuf));
	return (const char *)ibuf + (gpa - base);
}

static void test_mb1_info(void **state)
{
	const uint32_t base = 0x9000;
	struct mb1_info info;
	uint32_t at = 0, off;
	size_t n;

	(void)state;
	memset(ibuf, 0xcc, sizeof(ibuf));
	n = mb1_build_info(ibuf, sizeof(ibuf), base, 32 * MiB, "console=ttyS0 debug",
			   two_mods, 2, &at);
	assert_true(n >= sizeof(info));
	assert_int_equal(at, base);
	memcpy(&info, ibuf, sizeof(info));

	assert_int_equal(info.flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	assert_int_equal(info.mem_lower, 640);
	assert_int_equal(info.mem_upper, (32 * MiB - MiB) / 1024);
	assert_string_equal(str_at(base, info.cmdline), "console=ttyS0 debug");
	assert_string_equal(str_at(base, info.boot_loader_name), "svmvisor");
	assert_int_equal(info.boot_device, 0);
	assert_int_equal(info.syms[0] | info.syms[1] | info.syms[2] | info.syms[3], 0);
	assert_int_equal(info.drives_length, 0);
	assert_int_equal(info.framebuffer_addr, 0);

	/* Memory map: walk by size + 4, as the spec says. */
	assert_int_equal(info.mmap_length, 3 * 24);
	assert_int_equal(info.mmap_addr % 4, 0);
	{
		const uint64_t want[3][3] = {
			{ 0, 0xA0000, 1 }, { 0xA0000, 0x60000, 2 }, { MiB, 31 * MiB, 1 },
		};
		unsigned i = 0;

		for (off = 0; off < info.mmap_length; i++) {
			struct mb1_mmap_entry e;

			read_at(base, info.mmap_addr + off, &e, sizeof(e));
			assert_int_equal(e.size, 20);
			assert_int_equal(e.base_addr, want[i][0]);
			assert_int_equal(e.length, want[i][1]);
			assert_int_equal(e.type, want[i][2]);
			off += e.size + 4;
		}
		assert_int_equal(i, 3);
	}

	/* Modules. */
	assert_int_equal(info.mods_count, 2);
	for (unsigned i = 0; i < 2; i++) {
		struct mb1_module m;

		read_at(base, info.mods_addr + i * 16, &m, sizeof(m));
		assert_int_equal(m.mod_start, two_mods[i].start);
		assert_int_equal(m.mod_end, two_mods[i].end);
		assert_int_equal(m.reserved, 0);
		assert_string_equal(str_at(base, m.string), two_mods[i].cmdline ? two_mods[i].cmdline : "");
	}

	/* Every pointer stays inside what was written. */
	assert_true(info.cmdline - base < n && info.boot_loader_name - base < n);
	assert_true(info.mmap_addr - base + info.mmap_length <= n);
	assert_true(info.mods_addr - base + 32 <= n);

	/* Without modules the MODS flag is clear. */
	n = mb1_build_info(ibuf, sizeof(ibuf), 0x200000, 16 * MiB, NULL, NULL, 0, &at);
	assert_true(n > 0);
	memcpy(&info, ibuf, sizeof(info));
	assert_int_equal(at, 0x200000);
	assert_int_equal(info.flags & (1u << 3), 0);
	assert_int_equal(info.mods_count, 0);
	assert_int_equal(info.mods_addr, 0);
	assert_string_equal(str_at(0x200000, info.cmdline), "");
}

/* ---- the long-mode start area ---- */

#define PTE_ADDR_4K 0x000ffffffffff000ull	/* APM Vol.2 5.4: bits 51:12 */
#define PTE_ADDR_2M 0x000fffffffe00000ull	/* bits 51:21 of a 2 MiB PDE */

/* The area as guest RAM: [area_gpa, area_gpa + area_len) is area[]. */
static const uint8_t *area;
static uint64_t area_gpa, area_len;

static uint64_t area_u64(uint64_t gpa)
{
	uint64_t v;

	if (gpa < area_gpa || gpa - area_gpa + 8 > area_len)
		fail_msg("table entry at GPA %#llx outside the area", (unsigned long long)gpa);
	memcpy(&v, area + (gpa - area_gpa), 8);
	return v;
}

/* Translates va as the CPU does in long mode (APM Vol.2 5.3: PML4 index
 * 47:39, PDPT 38:30, PD 29:21, 2 MiB offset 20:0, no 1 GiB pages expected).
 * Returns false when an entry on the way is not present. Every present
 * entry must be writable, supervisor, cacheable and without NX or reserved
 * bits (EFER.NXE is 0 at the entry, so bit 63 would be reserved). */
static bool area_walk(uint64_t cr3, uint64_t va, uint64_t *pa)
{
	const uint64_t allowed = PTE_ADDR_4K | 0x83;	/* address, P, RW, PS */
	uint64_t e = cr3;

	assert_int_equal(cr3 & 0xfff, 0);	/* PWT, PCD clear */
	for (int level = 3; level >= 1; level--) {
		e = area_u64((e & PTE_ADDR_4K) + ((va >> (12 + 9 * level)) & 511) * 8);
		if (!(e & 1))
			return false;
		assert_int_equal(e & ~allowed, 0);
		assert_true(e & 2);
		if (level > 1) {
			assert_int_equal(e & 0x80, 0);	/* PML4E, PDPTE: no large page */
		} else {
			assert_true(e & 0x80);		/* PDE: a 2 MiB page */
			assert_int_equal(e & 0x1ff000, 0);	/* PAT and reserved bits 20:12 */
			*pa = (e & PTE_ADDR_2M) | (va & 0x1fffff);
		}
	}
	return true;
}

static unsigned present_in(uint64_t off)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 512; i++)
		n += area[off + i * 8] & 1;
	return n;
}

/* Builds the area for mem at the top of RAM and checks all of it. */
static void long_start_check(uint64_t mem, uint64_t want_size)
{
	const uint64_t mapped = (mem + 2 * MiB - 1) & ~(2 * MiB - 1);
	struct long_start ls;
	uint8_t *buf;
	uint64_t pa, gdt[3], code, data;

	assert_int_equal(loader_long_area_size(mem), want_size);
	buf = malloc(want_size);
	assert_non_null(buf);
	memset(buf, 0xcc, want_size);
	memset(&ls, 0x5a, sizeof(ls));
	assert_int_equal(loader_build_long_start(buf, want_size, mem - want_size, mem, &ls),
			 want_size);
	area = buf;
	area_gpa = mem - want_size;
	area_len = want_size;
	assert_int_equal(ls.area_gpa, area_gpa);
	assert_int_equal(ls.area_len, want_size);
	assert_int_equal(ls.cr3, area_gpa);
	assert_int_equal(ls.gdt_base, area_gpa + 0x2000);
	assert_int_equal(ls.gdt_limit, 23);
	assert_int_equal(ls.cs, 0x08);
	assert_int_equal(ls.ds, 0x10);

	/* Every 2 MiB of RAM (and a byte inside each) maps to itself. */
	for (uint64_t va = 0; va < mapped; va += 2 * MiB) {
		assert_true(area_walk(ls.cr3, va, &pa));
		assert_int_equal(pa, va);
		assert_true(area_walk(ls.cr3, va + 0x1234a, &pa));
		assert_int_equal(pa, va + 0x1234a);
	}
	/* Nothing past it: the rest of the last PD, the next GiBs, the next
	 * PML4 entries. */
	for (uint64_t va = mapped; va < mapped + 4 * 2 * MiB; va += 2 * MiB)
		assert_false(area_walk(ls.cr3, va, &pa));
	for (uint64_t va = (mapped + GiB - 1) & ~(GiB - 1); va < 600 * GiB; va += GiB)
		assert_false(area_walk(ls.cr3, va, &pa));
	for (uint64_t i = 1; i < 512; i++)
		assert_false(area_walk(ls.cr3, i << 39, &pa));
	/* Exactly as many present entries as that takes, in every table. */
	assert_int_equal(present_in(0), 1);
	assert_int_equal(present_in(0x1000), (mem + GiB - 1) / GiB);
	{
		uint64_t n = 0;

		for (uint64_t off = 0x3000; off < want_size; off += 0x1000)
			n += present_in(off);
		assert_int_equal(n, mapped / (2 * MiB));
	}

	/* The GDT (APM Vol.2 4.8.1, 4.8.2), then zeroes to the end of its page. */
	memcpy(gdt, buf + 0x2000, sizeof(gdt));
	code = gdt[1];
	data = gdt[2];
	assert_int_equal(gdt[0], 0);
	assert_int_equal(code, 0x00af9b000000ffffull);
	assert_true(code >> 53 & 1);			/* L */
	assert_false(code >> 54 & 1);			/* D: must be 0 with L */
	assert_true(code >> 47 & 1);			/* P */
	assert_int_equal(code >> 45 & 3, 0);		/* DPL */
	assert_true(code >> 44 & 1);			/* S: code or data */
	assert_int_equal(code >> 40 & 0xa, 0xa);	/* type: code, readable */
	assert_false(code >> 42 & 1);			/* not conforming */
	assert_int_equal(data, 0x00cf93000000ffffull);
	assert_true(data >> 47 & 1);			/* P */
	assert_int_equal(data >> 45 & 3, 0);		/* DPL */
	assert_true(data >> 44 & 1);			/* S */
	assert_int_equal(data >> 40 & 0xa, 0x2);	/* type: data, writable */
	for (unsigned i = 24; i < 0x1000; i++)
		assert_int_equal(buf[0x2000 + i], 0);
	free(buf);
}

static void test_long_start_tables(void **state)
{
	(void)state;
	long_start_check(1 * MiB, 0x4000);
	long_start_check(16 * MiB, 0x4000);
	long_start_check(3 * MiB + 0x1000, 0x4000);	/* maps up to 4 MiB */
	long_start_check(1 * GiB, 0x4000);
	long_start_check(1 * GiB + 2 * MiB, 0x5000);
	long_start_check(64 * GiB, 0x43000);
}

static void test_long_area_size(void **state)
{
	(void)state;
	assert_int_equal(loader_long_area_size(1 * MiB), 0x4000);
	assert_int_equal(loader_long_area_size(16 * MiB), 0x4000);
	assert_int_equal(loader_long_area_size(1 * GiB), 0x4000);
	assert_int_equal(loader_long_area_size(1 * GiB + 2 * MiB), 0x5000);
	assert_int_equal(loader_long_area_size(1 * GiB + 0x1000), 0x5000);
	assert_int_equal(loader_long_area_size(1 * GiB + 1), 0x5000);
	assert_int_equal(loader_long_area_size(2 * GiB), 0x5000);
	assert_int_equal(loader_long_area_size(64 * GiB), 0x43000);
	assert_int_equal(loader_long_area_size(UINT64_MAX) % 0x1000, 0);
}

/* Every refusal returns 0 and leaves the buffer and *out untouched. */
static void test_long_start_bad_args(void **state)
{
	const uint64_t mem = 16 * MiB, top = mem - 0x4000;
	static uint8_t buf[0x6000];
	struct long_start ls, before;

	(void)state;
	memset(buf, 0xcc, sizeof(buf));
	memset(&ls, 0x5a, sizeof(ls));
	before = ls;
	assert_int_equal(loader_build_long_start(buf, 0x3fff, top, mem, &ls), 0);	/* cap */
	assert_int_equal(loader_build_long_start(buf, 0, top, mem, &ls), 0);
	assert_int_equal(loader_build_long_start(buf, 0x4000, top + 8, mem + 8, &ls), 0);
	assert_int_equal(loader_build_long_start(buf, 0x4000, top - 0x800, mem, &ls), 0);	/* align */
	assert_int_equal(loader_build_long_start(buf, 0x4000, top + 0x1000, mem, &ls), 0);	/* past RAM */
	assert_int_equal(loader_build_long_start(buf, 0x4000, mem, mem, &ls), 0);
	assert_int_equal(loader_build_long_start(buf, 0x4000, 0xfffffffffffff000ull, mem, &ls), 0);
	assert_int_equal(loader_build_long_start(buf, 0x4000, 0, 0x3000, &ls), 0);	/* RAM too small */
	assert_int_equal(loader_build_long_start(buf, 0x4000, 0, 0, &ls), 0);
	assert_int_equal(loader_build_long_start(buf, sizeof(buf), 0, 512 * GiB + 0x1000, &ls), 0);
	assert_int_equal(loader_build_long_start(NULL, 0x4000, top, mem, &ls), 0);
	assert_int_equal(loader_build_long_start(buf, 0x4000, top, mem, NULL), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xcc);
	assert_memory_equal(&ls, &before, sizeof(ls));

	/* Anywhere 4 KiB-aligned inside RAM works; a bigger cap is fine. */
	assert_int_equal(loader_build_long_start(buf, sizeof(buf), 0x200000, mem, &ls), 0x4000);
	assert_int_equal(ls.cr3, 0x200000);
	assert_int_equal(ls.gdt_base, 0x202000);
	assert_int_equal(buf[0x4000], 0xcc);	/* nothing written past the area */
	assert_int_equal(loader_build_long_start(buf, 0x4000, top, mem, &ls), 0x4000);
	assert_int_equal(loader_build_long_start(buf, 0x4000, 0, 0x4000, &ls), 0x4000);

	/* The largest guest one PDPT maps: 512 GiB, 515 pages; 4 KiB more
	 * would need a second PDPT. */
	{
		const size_t big = 515 * 0x1000;
		uint8_t *b = malloc(big + 0x1000);

		assert_non_null(b);
		assert_int_equal(loader_long_area_size(512 * GiB), big);
		assert_int_equal(loader_build_long_start(b, big, 512 * GiB - big, 512 * GiB, &ls), big);
		assert_int_equal(loader_long_area_size(512 * GiB + 0x1000), big + 0x1000);
		assert_int_equal(loader_build_long_start(b, big + 0x1000, 512 * GiB - big,
							 512 * GiB + 0x1000, &ls), 0);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb1_elf),
		cmocka_unit_test(test_mb1_elf_segments),
		cmocka_unit_test(test_mb1_higher_half),
		cmocka_unit_test(test_mb1_flags),
		cmocka_unit_test(test_mb1_aout_kludge),
		cmocka_unit_test(test_mb1_aout_errors),
		cmocka_unit_test(test_mb1_header_search),
		cmocka_unit_test(test_mb2_elf),
		cmocka_unit_test(test_mb2_elf64),
		cmocka_unit_test(test_mb2_address_tag),
		cmocka_unit_test(test_mb2_tags),
		cmocka_unit_test(test_mb2_header_errors),
		cmocka_unit_test(test_auto_detection),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_flat_errors),
		cmocka_unit_test(test_flat_long_area),
		cmocka_unit_test(test_elf_header_errors),
		cmocka_unit_test(test_elf_phdr_bounds),
		cmocka_unit_test(test_elf_segment_errors),
		cmocka_unit_test(test_elf_many_segments),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_memmap),
		cmocka_unit_test(test_mb2_info),
		cmocka_unit_test(test_info_capacity),
		cmocka_unit_test(test_info_bad_args),
		cmocka_unit_test(test_mb1_info),
		cmocka_unit_test(test_long_area_size),
		cmocka_unit_test(test_long_start_tables),
		cmocka_unit_test(test_long_start_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
