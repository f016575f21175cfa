/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the Multiboot2 parser (boot/mb2.c). A small builder appends
 * tags to an 8-aligned buffer the way GRUB does; each test then hands the
 * parser an exact-size heap copy, so ASan catches any read past total_size.
 *
 * Setting MB2_CORPUS_DIR writes the valid layouts there as fuzzer seeds:
 *   MB2_CORPUS_DIR=tests/fuzz/corpus/mb2 ./build/test_mb2 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "boot/mb2.h"

/* ---- builder ---- */

struct mbi {
	_Alignas(8) uint8_t buf[16384];
	uint32_t len;		/* bytes written; what parse() passes as limit */
	uint32_t tag;		/* offset of the open tag */
};

static struct mbi m;
static struct boot_info bi;
static struct mb2_error err;
static uint8_t *copy;		/* the block the parser saw; bi points into it */

static void put(const void *p, size_t n)
{
	assert_true(m.len + n <= sizeof(m.buf));
	memcpy(m.buf + m.len, p, n);
	m.len += (uint32_t)n;
}

static void put32(uint32_t v) { put(&v, 4); }
static void put64(uint64_t v) { put(&v, 8); }
static void set32(uint32_t off, uint32_t v) { memcpy(m.buf + off, &v, 4); }

static void mbi_init(void)
{
	memset(&m, 0, sizeof(m));
	m.len = 8;	/* total_size and reserved, filled by mbi_finish() */
}

/* Opens a tag; tag_end() writes its size and pads to 8. Returns its offset. */
static uint32_t tag_begin(uint32_t type)
{
	m.tag = m.len;
	put32(type);
	put32(0);
	return m.tag;
}

static uint32_t tag_end(void)
{
	set32(m.tag + 4, m.len - m.tag);
	while (m.len % 8)
		m.buf[m.len++] = 0;
	return m.tag;
}

/* Adds the end tag and sets total_size. Returns the end tag's offset. */
static uint32_t mbi_finish(void)
{
	uint32_t off = tag_begin(MB2_TAG_END);

	tag_end();
	set32(0, m.len);
	return off;
}

static uint32_t add_string(uint32_t type, const char *s)
{
	tag_begin(type);
	put(s, strlen(s) + 1);
	return tag_end();
}

static uint32_t add_module(uint32_t start, uint32_t end, const char *cmdline)
{
	tag_begin(MB2_TAG_MODULE);
	put32(start);
	put32(end);
	put(cmdline, strlen(cmdline) + 1);
	return tag_end();
}

static uint32_t add_meminfo(uint32_t lower, uint32_t upper)
{
	tag_begin(MB2_TAG_BASIC_MEMINFO);
	put32(lower);
	put32(upper);
	return tag_end();
}

struct e820 {
	uint64_t base, len;
	uint32_t type;
};

static uint32_t add_mmap_sized(const struct e820 *e, size_t n, uint32_t entry_size)
{
	static const uint8_t zero[64];

	tag_begin(MB2_TAG_MMAP);
	put32(entry_size);
	put32(0);
	for (size_t i = 0; i < n; i++) {
		put64(e[i].base);
		put64(e[i].len);
		put32(e[i].type);
		put32(0);
		put(zero, entry_size - 24);
	}
	return tag_end();
}

static uint32_t add_mmap(const struct e820 *e, size_t n)
{
	return add_mmap_sized(e, n, 24);
}

/* RSDP copy: ACPI 6.5, 5.2.5.3. Checksums are left zero: not the parser's job. */
static uint32_t add_acpi(uint32_t type, const char *sig)
{
	uint8_t rsdp[36] = { 0 };

	memcpy(rsdp, sig, 8);
	memcpy(rsdp + 9, "BOCHS ", 6);
	rsdp[15] = type == MB2_TAG_ACPI_NEW ? 2 : 0;	/* Revision */
	tag_begin(type);
	put(rsdp, type == MB2_TAG_ACPI_NEW ? 36 : 20);
	return tag_end();
}

static uint32_t add_efi64(uint64_t st)
{
	tag_begin(MB2_TAG_EFI64);
	put64(st);
	return tag_end();
}

/* descr_size 48 as OVMF reports; each descriptor's type in its first word. */
static uint32_t add_efi_mmap(uint32_t nr)
{
	uint8_t d[48] = { 0 };

	tag_begin(MB2_TAG_EFI_MMAP);
	put32(sizeof(d));
	put32(1);
	for (uint32_t i = 0; i < nr; i++) {
		d[0] = (uint8_t)(i + 1);
		put(d, sizeof(d));
	}
	return tag_end();
}

static uint32_t add_framebuffer(void)
{
	static const uint8_t rgb[6] = { 16, 8, 8, 8, 0, 8 };	/* color_info, 3.6.12 */

	tag_begin(MB2_TAG_FRAMEBUFFER);
	put64(0x80000000);
	put32(4096);		/* pitch */
	put32(1024);
	put32(768);
	put(&(uint8_t){ 32 }, 1);	/* bpp */
	put(&(uint8_t){ 1 }, 1);	/* RGB */
	put(&(uint16_t){ 0 }, 2);	/* reserved, u16 as GRUB writes it */
	put(rgb, sizeof(rgb));
	return tag_end();
}

/* QEMU 7.2 e820 for -m 512M (SeaBIOS). */
static const struct e820 qemu_512m[] = {
	{ 0x0, 0x9fc00, BOOT_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, BOOT_MEM_RESERVED },
	{ 0xf0000, 0x10000, BOOT_MEM_RESERVED },
	{ 0x100000, 0x1fee0000, BOOT_MEM_AVAILABLE },
	{ 0x1ffe0000, 0x20000, BOOT_MEM_RESERVED },
	{ 0xfeffc000, 0x4000, BOOT_MEM_RESERVED },
	{ 0xfffc0000, 0x40000, BOOT_MEM_RESERVED },
};

/* Hands the parser a heap copy of exactly limit bytes. */
static int parse_limit(uint32_t limit)
{
	free(copy);
	copy = malloc(limit ? limit : 1);
	assert_non_null(copy);
	memcpy(copy, m.buf, limit);
	memset(&err, 0, sizeof(err));
	return mb2_parse(copy, limit, &bi, &err);
}

static int parse(void)
{
	return parse_limit(m.len);
}

static void corpus_write(const char *name)
{
	const char *dir = getenv("MB2_CORPUS_DIR");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(m.buf, 1, m.len, f), m.len);
	fclose(f);
}

static int teardown(void **state)
{
	(void)state;
	free(copy);
	copy = NULL;
	return 0;
}

static bool in_block(const void *p)
{
	return (const uint8_t *)p >= copy && (const uint8_t *)p < copy + m.len;
}

/* Asserts parse failure with this message (and offset, unless ~0). */
static void expect_error(const char *what, uint32_t offset)
{
	assert_int_not_equal(parse(), 0);
	assert_non_null(err.what);
	assert_string_equal(err.what, what);
	if (offset != ~0u)
		assert_int_equal(err.offset, offset);
}

/* The smallest valid block: one empty memory map. */
static void mbi_minimal(void)
{
	mbi_init();
	add_mmap(qemu_512m, 1);
}

/* ---- valid layouts ---- */

static void test_bios_grub(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "console=com1 loglevel=debug");
	add_string(MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	add_module(0x134000, 0x135000, "guest.bin console=ttyS0");
	add_module(0x136000, 0x1a0000, "");
	add_meminfo(639, 523136);
	tag_begin(MB2_TAG_BOOTDEV);	/* not read: skipped */
	put32(0x80);
	put32(0xffffffff);
	put32(0xffffffff);
	tag_end();
	add_mmap(qemu_512m, 7);
	add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR ");
	mbi_finish();
	corpus_write("bios_grub");

	assert_int_equal(parse(), 0);
	assert_null(err.what);
	assert_int_equal(bi.mbi_start, (uintptr_t)copy);
	assert_int_equal(bi.mbi_end, (uintptr_t)copy + m.len);
	assert_string_equal(bi.cmdline, "console=com1 loglevel=debug");
	assert_string_equal(bi.loader, "GRUB 2.06-13+deb12u1");
	assert_true(in_block(bi.cmdline) && in_block(bi.loader));

	assert_int_equal(bi.nr_modules, 2);
	assert_false(bi.modules_truncated);
	assert_int_equal(bi.modules[0].start, 0x134000);
	assert_int_equal(bi.modules[0].end, 0x135000);
	assert_string_equal(bi.modules[0].cmdline, "guest.bin console=ttyS0");
	assert_int_equal(bi.modules[1].start, 0x136000);
	assert_int_equal(bi.modules[1].end, 0x1a0000);
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_true(in_block(bi.modules[1].cmdline));

	assert_true(bi.has_basic_mem);
	assert_int_equal(bi.mem_lower_kb, 639);
	assert_int_equal(bi.mem_upper_kb, 523136);

	assert_int_equal(bi.nr_mmap, 7);
	assert_false(bi.mmap_truncated);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(bi.mmap[i].base, qemu_512m[i].base);
		assert_int_equal(bi.mmap[i].len, qemu_512m[i].len);
		assert_int_equal(bi.mmap[i].type, qemu_512m[i].type);
	}

	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_OLD);
	assert_int_equal(bi.rsdp_len, 20);
	assert_true(in_block(bi.rsdp));
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);

	assert_int_equal(bi.efi_system_table, 0);
	assert_null(bi.efi_mmap);
	assert_false(bi.efi_boot_services);
	assert_false(bi.has_framebuffer);
}

static void build_uefi(bool new_first)
{
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "loglevel=info");
	add_string(MB2_TAG_LOADER_NAME, "GRUB 2.06");
	add_efi64(0x1fe8f018);
	add_mmap(qemu_512m + 3, 2);
	add_efi_mmap(3);
	if (new_first) {
		add_acpi(MB2_TAG_ACPI_NEW, "RSD PTR ");
		add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR ");
	} else {
		add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR ");
		add_acpi(MB2_TAG_ACPI_NEW, "RSD PTR ");
	}
	tag_begin(MB2_TAG_EFI_BS);
	tag_end();
	add_framebuffer();
	mbi_finish();
}

static void check_uefi(void)
{
	assert_int_equal(parse(), 0);
	assert_string_equal(bi.cmdline, "loglevel=info");
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.efi_system_table, 0x1fe8f018);
	assert_int_equal(bi.efi_bits, 64);
	assert_true(in_block(bi.efi_mmap));
	assert_int_equal(bi.efi_mmap_size, 3 * 48);
	assert_int_equal(bi.efi_desc_size, 48);
	assert_int_equal(bi.efi_desc_version, 1);
	assert_int_equal(((const uint8_t *)bi.efi_mmap)[2 * 48], 3);
	assert_true(bi.efi_boot_services);
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_int_equal(bi.rsdp_len, 36);
	assert_int_equal(((const uint8_t *)bi.rsdp)[15], 2);
	assert_true(in_block(bi.rsdp));
	assert_true(bi.has_framebuffer);
	assert_int_equal(bi.fb.addr, 0x80000000);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.type, 1);
	assert_int_equal(bi.nr_mmap, 2);
	assert_int_equal(bi.mmap[1].base, 0x1ffe0000);
	assert_int_equal(bi.nr_modules, 0);
	assert_false(bi.has_basic_mem);
}

static void test_uefi_acpi_new_first(void **state)
{
	(void)state;
	build_uefi(true);
	corpus_write("uefi_grub");
	check_uefi();
}

static void test_uefi_acpi_new_last(void **state)
{
	(void)state;
	build_uefi(false);
	check_uefi();
}

static void test_efi32(void **state)
{
	(void)state;
	mbi_minimal();
	tag_begin(MB2_TAG_EFI32);
	put32(0x7fe8f018);
	tag_end();
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.efi_system_table, 0x7fe8f018);
	assert_int_equal(bi.efi_bits, 32);
}

static void test_minimal_defaults(void **state)
{
	(void)state;
	mbi_minimal();
	mbi_finish();
	corpus_write("minimal");
	assert_int_equal(parse(), 0);
	assert_non_null(bi.cmdline);
	assert_non_null(bi.loader);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader, "");
	assert_int_equal(bi.nr_mmap, 1);
	assert_int_equal(bi.rsdp_tag, 0);
	assert_null(bi.rsdp);
}

/* Zero-length, wrapping and overlapping entries are structure-valid. */
static void test_mmap_odd_entries_verbatim(void **state)
{
	static const struct e820 odd[] = {
		{ 0x100000, 0, BOOT_MEM_AVAILABLE },
		{ 0xfffffffffffff000, 0x2000, BOOT_MEM_AVAILABLE },
		{ 0x200000, 0x100000, BOOT_MEM_AVAILABLE },
		{ 0x280000, 0x100000, BOOT_MEM_RESERVED },
		{ 0x0, 0x1000, 0xdeadbeef },
	};

	(void)state;
	mbi_init();
	add_mmap(odd, 5);
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_mmap, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(bi.mmap[i].base, odd[i].base);
		assert_int_equal(bi.mmap[i].len, odd[i].len);
		assert_int_equal(bi.mmap[i].type, odd[i].type);
	}
}

/* A wider stride is allowed; a trailing partial entry is never read. */
static void test_mmap_stride_and_partial_entry(void **state)
{
	uint32_t off;

	(void)state;
	mbi_init();
	off = add_mmap_sized(qemu_512m, 3, 32);
	put64(0x12345678);	/* 8 stray bytes: less than one entry */
	set32(off + 4, m.len - off);
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_mmap, 3);
	assert_int_equal(bi.mmap[2].base, qemu_512m[2].base);
	assert_int_equal(bi.mmap[2].type, qemu_512m[2].type);
}

static void test_mmap_empty(void **state)
{
	(void)state;
	mbi_init();
	add_mmap(NULL, 0);
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_mmap, 0);
	assert_false(bi.mmap_truncated);
}

static void fill_mmap(size_t n)
{
	static struct e820 e[BOOT_MAX_MMAP + 50];

	assert_true(n <= BOOT_MAX_MMAP + 50);
	for (size_t i = 0; i < n; i++)
		e[i] = (struct e820){ i * 0x10000, 0x8000, BOOT_MEM_AVAILABLE };
	mbi_init();
	add_mmap(e, n);
	mbi_finish();
}

static void test_mmap_exactly_max(void **state)
{
	(void)state;
	fill_mmap(BOOT_MAX_MMAP);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_mmap, BOOT_MAX_MMAP);
	assert_false(bi.mmap_truncated);
}

static void test_mmap_truncated(void **state)
{
	(void)state;
	fill_mmap(BOOT_MAX_MMAP + 44);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_mmap, BOOT_MAX_MMAP);
	assert_true(bi.mmap_truncated);
	assert_int_equal(bi.mmap[BOOT_MAX_MMAP - 1].base, (BOOT_MAX_MMAP - 1) * 0x10000ull);
}

static void test_modules_truncated(void **state)
{
	(void)state;
	mbi_minimal();
	for (uint32_t i = 0; i < BOOT_MAX_MODULES + 6; i++)
		add_module(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, "m");
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
	assert_true(bi.modules_truncated);
	assert_int_equal(bi.modules[BOOT_MAX_MODULES - 1].start,
			 0x1000000 + (BOOT_MAX_MODULES - 1) * 0x1000);
}

static void test_module_empty_range(void **state)
{
	(void)state;
	mbi_minimal();
	add_module(0x200000, 0x200000, "empty");
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_modules, 1);
	assert_int_equal(bi.modules[0].end, 0x200000);
}

static void test_unknown_tags_skipped(void **state)
{
	(void)state;
	mbi_init();
	tag_begin(99);		/* unknown, odd size 13: padded to 16 */
	put("abcde", 5);
	tag_end();
	tag_begin(MB2_TAG_LOAD_BASE);
	put32(0x200000);
	tag_end();
	tag_begin(0x7fffffff);	/* unknown, header only */
	tag_end();
	add_mmap(qemu_512m, 2);
	add_string(MB2_TAG_CMDLINE, "after");
	mbi_finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_mmap, 2);
	assert_string_equal(bi.cmdline, "after");
}

/* total_size may extend past the end tag and need not be a multiple of 8. */
static void test_total_size_slack(void **state)
{
	(void)state;
	mbi_minimal();
	mbi_finish();
	m.len += 5;
	set32(0, m.len);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.mbi_end - bi.mbi_start, m.len);
}

/* The parse stops at the end tag: garbage after it is not read. */
static void test_stops_at_end_tag(void **state)
{
	(void)state;
	mbi_minimal();
	mbi_finish();
	put32(MB2_TAG_MMAP);	/* would be a duplicate if it were parsed */
	put32(4);		/* and a short tag */
	set32(0, m.len);
	assert_int_equal(parse(), 0);
}

static void test_limit_larger_than_total(void **state)
{
	(void)state;
	mbi_minimal();
	mbi_finish();
	m.len += 64;
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.mbi_end - bi.mbi_start, m.len - 64);
}

/* ---- malformed blocks ---- */

static void test_err_misaligned(void **state)
{
	static _Alignas(8) uint8_t buf[64];

	(void)state;
	mbi_minimal();
	mbi_finish();
	memcpy(buf + 4, m.buf, m.len);
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(mb2_parse(buf + 4, m.len, &bi, &err), 0);
	assert_string_equal(err.what, "information block not 8-byte aligned");
}

static void test_err_limit_small(void **state)
{
	(void)state;
	mbi_init();
	set32(0, 8);
	m.len = 8;
	expect_error("limit < 16", 0);
}

static void test_err_total_small(void **state)
{
	(void)state;
	mbi_minimal();
	mbi_finish();
	set32(0, 8);
	expect_error("total_size < 16", 0);
	set32(0, 0);
	expect_error("total_size < 16", 0);
}

static void test_err_total_past_limit(void **state)
{
	(void)state;
	mbi_minimal();
	mbi_finish();
	set32(0, m.len + 8);
	expect_error("total_size past limit", 0);
	set32(0, 0xffffffff);
	expect_error("total_size past limit", 0);
	set32(0, m.len);
	assert_int_equal(parse_limit(m.len - 1), -1);
	assert_string_equal(err.what, "total_size past limit");
}

static void test_err_short_tag(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_string(MB2_TAG_CMDLINE, "x");
	set32(off + 4, 4);
	mbi_finish();
	expect_error("tag size < 8", off);
	set32(off + 4, 0);	/* size 0 must not loop forever */
	expect_error("tag size < 8", off);
}

static void test_err_tag_past_total(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_string(MB2_TAG_CMDLINE, "console=com1");
	mbi_finish();
	set32(off + 4, m.len - off + 1);
	expect_error("tag size past total_size", off);
}

static void test_err_tag_size_overflow(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_string(MB2_TAG_CMDLINE, "x");
	mbi_finish();
	set32(off + 4, 0xfffffff8);
	expect_error("tag size past total_size", off);
	set32(off + 4, 0xffffffff);
	expect_error("tag size past total_size", off);
}

static void test_err_missing_end_tag(void **state)
{
	uint32_t end;

	(void)state;
	mbi_minimal();
	end = m.len;
	set32(0, m.len);
	expect_error("missing end tag", end);
	/* Room for half an end tag only. */
	mbi_finish();
	set32(0, end + 4);
	expect_error("missing end tag", end);
}

/* A last tag whose padding runs past total_size leaves no end tag. */
static void test_err_padding_past_total(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_string(MB2_TAG_CMDLINE, "abc");	/* size 12, padded to 16 */
	set32(0, off + 12);
	m.len = off + 12;
	expect_error("missing end tag", ~0u);
}

static void test_err_end_tag_size(void **state)
{
	uint32_t end;

	(void)state;
	mbi_minimal();
	end = mbi_finish();
	put64(0);
	set32(end + 4, 16);
	set32(0, m.len);
	expect_error("end tag size not 8", end);
}

static void test_err_no_mmap(void **state)
{
	uint32_t end;

	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "x");
	end = mbi_finish();
	expect_error("no memory map tag", end);
}

static void test_err_duplicate_mmap(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_mmap(qemu_512m, 2);
	mbi_finish();
	expect_error("duplicate memory map tag", off);
}

static void test_err_duplicate_empty_mmap(void **state)
{
	uint32_t off;

	(void)state;
	mbi_init();
	add_mmap(NULL, 0);
	off = add_mmap(NULL, 0);
	mbi_finish();
	expect_error("duplicate memory map tag", off);
}

static void mmap_with_entry_size(uint32_t entry_size, uint32_t version)
{
	uint32_t off;

	mbi_init();
	off = add_mmap(qemu_512m, 3);
	set32(off + 8, entry_size);
	set32(off + 12, version);
	mbi_finish();
	m.tag = off;	/* remembered for the offset check */
}

static void test_err_mmap_entry_size_0(void **state)
{
	(void)state;
	mmap_with_entry_size(0, 0);
	expect_error("memory map entry_size < 24", m.tag);
}

static void test_err_mmap_entry_size_20(void **state)
{
	(void)state;
	mmap_with_entry_size(20, 0);
	expect_error("memory map entry_size < 24", m.tag);
}

static void test_err_mmap_entry_size_unaligned(void **state)
{
	(void)state;
	mmap_with_entry_size(28, 0);
	expect_error("memory map entry_size not a multiple of 8", m.tag);
}

static void test_err_mmap_entry_version(void **state)
{
	(void)state;
	mmap_with_entry_size(24, 1);
	expect_error("memory map entry_version not 0", m.tag);
}

static void test_err_mmap_short_header(void **state)
{
	uint32_t off;

	(void)state;
	mbi_init();
	off = tag_begin(MB2_TAG_MMAP);
	put32(24);		/* entry_version missing */
	tag_end();
	mbi_finish();
	expect_error("memory map tag shorter than 16", off);
}

static void test_err_cmdline_unterminated(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_CMDLINE);
	put("console", 7);	/* no NUL; the padding zero is outside size */
	tag_end();
	mbi_finish();
	expect_error("cmdline not NUL-terminated", off);
}

static void test_err_cmdline_empty_tag(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_CMDLINE);
	tag_end();
	mbi_finish();
	expect_error("cmdline tag shorter than 9", off);
}

static void test_err_loader_unterminated(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_LOADER_NAME);
	put("GRUB", 4);
	tag_end();
	mbi_finish();
	expect_error("loader name not NUL-terminated", off);
}

static void test_err_module_cmdline_unterminated(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_MODULE);
	put32(0x200000);
	put32(0x300000);
	put("initrd", 6);
	tag_end();
	mbi_finish();
	expect_error("module cmdline not NUL-terminated", off);
}

static void test_err_module_short(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_MODULE);
	put32(0x200000);
	put32(0x300000);
	tag_end();
	mbi_finish();
	expect_error("module tag shorter than 17", off);
}

static void test_err_module_end_before_start(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	add_module(0x100000, 0x101000, "ok");
	off = add_module(0x300000, 0x2fffff, "bad");
	mbi_finish();
	expect_error("module mod_end before mod_start", off);
}

static void test_err_rsdp_signature_old(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR_");
	mbi_finish();
	expect_error("ACPI RSDP signature not \"RSD PTR \"", off);
}

/* A bad old copy is an error even when a good new copy came first. */
static void test_err_rsdp_signature_new(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR ");
	off = add_acpi(MB2_TAG_ACPI_NEW, "XSDT PTR");
	mbi_finish();
	expect_error("ACPI RSDP signature not \"RSD PTR \"", off);
}

static void test_err_acpi_old_short(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR ");
	set32(off + 4, 8 + 19);
	mbi_finish();
	expect_error("ACPI old tag shorter than RSDP v1", off);
}

/* A v1 RSDP in the new tag is too short for ACPI 2.0+. */
static void test_err_acpi_new_short(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_acpi(MB2_TAG_ACPI_OLD, "RSD PTR ");
	set32(off, MB2_TAG_ACPI_NEW);
	mbi_finish();
	expect_error("ACPI new tag shorter than RSDP v2", off);
}

static void test_err_meminfo_size(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_meminfo(639, 523136);
	set32(off + 4, 12);
	mbi_finish();
	expect_error("basic meminfo tag size not 16", off);
}

static void test_err_efi64_size(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_EFI64);
	put32(0x1fe8f018);	/* a 32-bit pointer in the 64-bit tag */
	tag_end();
	mbi_finish();
	expect_error("EFI64 tag size not 16", off);
}

static void test_err_efi32_size(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_efi64(0x1fe8f018);
	set32(off, MB2_TAG_EFI32);
	mbi_finish();
	expect_error("EFI32 tag size not 12", off);
}

static void test_err_efi_mmap_descr_size(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_efi_mmap(2);
	set32(off + 8, 0);
	mbi_finish();
	expect_error("EFI memory map descr_size < 40", off);
	set32(off + 8, 32);
	expect_error("EFI memory map descr_size < 40", off);
}

static void test_err_efi_mmap_short(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = tag_begin(MB2_TAG_EFI_MMAP);
	put32(48);
	tag_end();
	mbi_finish();
	expect_error("EFI memory map tag shorter than 16", off);
}

static void test_err_framebuffer_short(void **state)
{
	uint32_t off;

	(void)state;
	mbi_minimal();
	off = add_framebuffer();
	set32(off + 4, 30);
	mbi_finish();
	expect_error("framebuffer tag shorter than 31", off);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bios_grub),
		T(test_uefi_acpi_new_first),
		T(test_uefi_acpi_new_last),
		T(test_efi32),
		T(test_minimal_defaults),
		T(test_mmap_odd_entries_verbatim),
		T(test_mmap_stride_and_partial_entry),
		T(test_mmap_empty),
		T(test_mmap_exactly_max),
		T(test_mmap_truncated),
		T(test_modules_truncated),
		T(test_module_empty_range),
		T(test_unknown_tags_skipped),
		T(test_total_size_slack),
		T(test_stops_at_end_tag),
		T(test_limit_larger_than_total),
		T(test_err_misaligned),
		T(test_err_limit_small),
		T(test_err_total_small),
		T(test_err_total_past_limit),
		T(test_err_short_tag),
		T(test_err_tag_past_total),
		T(test_err_tag_size_overflow),
		T(test_err_missing_end_tag),
		T(test_err_padding_past_total),
		T(test_err_end_tag_size),
		T(test_err_no_mmap),
		T(test_err_duplicate_mmap),
		T(test_err_duplicate_empty_mmap),
		T(test_err_mmap_entry_size_0),
		T(test_err_mmap_entry_size_20),
		T(test_err_mmap_entry_size_unaligned),
		T(test_err_mmap_entry_version),
		T(test_err_mmap_short_header),
		T(test_err_cmdline_unterminated),
		T(test_err_cmdline_empty_tag),
		T(test_err_loader_unterminated),
		T(test_err_module_cmdline_unterminated),
		T(test_err_module_short),
		T(test_err_module_end_before_start),
		T(test_err_rsdp_signature_old),
		T(test_err_rsdp_signature_new),
		T(test_err_acpi_old_short),
		T(test_err_acpi_new_short),
		T(test_err_meminfo_size),
		T(test_err_efi64_size),
		T(test_err_efi32_size),
		T(test_err_efi_mmap_descr_size),
		T(test_err_efi_mmap_short),
		T(test_err_framebuffer_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
