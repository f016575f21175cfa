/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the Linux boot protocol module (kernel/vm/bzimage.c).
 * bzImages are synthesized byte by byte at the offsets of boot.rst's "THE
 * REAL-MODE KERNEL HEADER" table, and the zero page is read back at
 * zero-page.rst's offsets, never through the module's structs. Each plan
 * is made from an exact-size heap copy, so ASan catches any read past the
 * image. If /boot/vmlinuz-* exists, the first one is planned too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>

#include "kernel/vm/bzimage.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- image builder ---- */

static uint8_t img[64 * 1024];
static size_t img_len;

static void put(size_t off, const void *p, size_t n)
{
	assert_true(off + n <= sizeof(img));
	memcpy(img + off, p, n);
}

static void put8(size_t off, uint8_t v) { put(off, &v, 1); }
static void put16(size_t off, uint16_t v) { put(off, &v, 2); }
static void put32(size_t off, uint32_t v) { put(off, &v, 4); }
static void put64(size_t off, uint64_t v) { put(off, &v, 8); }

/* A typical x86-64 bzImage header (protocol 2.15, relocatable, 16 MiB
 * pref_address, 2 MiB alignment), 4 setup sectors and kernel bytes of
 * protected-mode kernel. */
static void img_build(size_t kernel)
{
	memset(img, 0, sizeof(img));
	img_len = 5 * 512 + kernel;
	assert_true(img_len <= sizeof(img));
	put8(0x1f1, 4);			/* setup_sects */
	put16(0x1fe, 0xaa55);		/* boot_flag */
	put8(0x200, 0xeb);		/* jmp short */
	put8(0x201, 0x6a);		/* header ends at 0x202 + 0x6a = 0x26c */
	put32(0x202, 0x53726448);	/* "HdrS" */
	put16(0x206, 0x020f);		/* version 2.15 */
	put8(0x211, 0x01);		/* loadflags: LOADED_HIGH */
	put32(0x214, 0x100000);		/* code32_start default */
	put32(0x22c, 0x7fffffff);	/* initrd_addr_max */
	put32(0x230, 0x200000);		/* kernel_alignment */
	put8(0x234, 1);			/* relocatable_kernel */
	put8(0x235, 21);		/* min_alignment */
	put16(0x236, 0x03);		/* xloadflags: KERNEL_64, CAN_BE_LOADED_ABOVE_4G */
	put32(0x238, 2048);		/* cmdline_size */
	put64(0x258, 16 * MiB);		/* pref_address */
	put32(0x260, 32 * MiB);		/* init_size */
	memset(img + 5 * 512, 0x90, kernel);
}

static int plan(uint64_t mem, struct bz_plan *p, const char **err)
{
	uint8_t *copy = malloc(img_len);
	int r;

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	*err = NULL;
	r = bz_plan(copy, img_len, mem, p, err);
	free(copy);
	return r;
}

static void plan_ok(uint64_t mem, struct bz_plan *p)
{
	const char *err;

	if (plan(mem, p, &err))
		fail_msg("refused: %s", err);
}

static void plan_refused(uint64_t mem, const char *want)
{
	struct bz_plan p;
	const char *err;

	assert_int_equal(plan(mem, &p, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static uint8_t zp[BZ_ZERO_PAGE_SIZE];

static int zero_page(const struct bz_plan *p, const struct bz_boot *b, const char **err)
{
	uint8_t *copy = malloc(img_len);
	int r;

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	memset(zp, 0xcc, sizeof(zp));
	*err = NULL;
	r = bz_build_zero_page(zp, copy, img_len, p, b, err);
	free(copy);
	return r;
}

static void zero_page_ok(const struct bz_plan *p, const struct bz_boot *b)
{
	const char *err;

	if (zero_page(p, b, &err))
		fail_msg("refused: %s", err);
}

static void zero_page_refused(const struct bz_plan *p, const struct bz_boot *b, const char *want)
{
	const char *err;

	assert_int_equal(zero_page(p, b, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static uint8_t zget8(size_t off) { return zp[off]; }
static uint16_t zget16(size_t off) { uint16_t v; memcpy(&v, zp + off, 2); return v; }
static uint32_t zget32(size_t off) { uint32_t v; memcpy(&v, zp + off, 4); return v; }
static uint64_t zget64(size_t off) { uint64_t v; memcpy(&v, zp + off, 8); return v; }

/* zero-page.rst: e820_table at 0x2d0, 20-byte entries { addr, size, type }. */
static void e820_expect(unsigned i, uint64_t addr, uint64_t size, uint32_t type)
{
	size_t off = 0x2d0 + 20 * (size_t)i;

	assert_true(i < zget8(0x1e8));
	assert_int_equal(zget64(off), addr);
	assert_int_equal(zget64(off + 8), size);
	assert_int_equal(zget32(off + 16), type);
}

/* ---- bz_plan ---- */

#define SETUP_PAST_END "bzImage: setup_sects puts the kernel at or past the end of the file"

static void test_plan_typical(void **state)
{
	struct bz_plan p;

	(void)state;
	img_build(8192);
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.version, 0x020f);
	assert_int_equal(p.setup_size, 5 * 512);
	assert_int_equal(p.kernel_off, 5 * 512);
	assert_int_equal(p.kernel_size, 8192);
	assert_int_equal(p.load_gpa, 16 * MiB);
	assert_int_equal(p.init_size, 32 * MiB);
	assert_int_equal(p.entry64, 16 * MiB + 0x200);
	assert_int_equal(p.initrd_max, 256 * MiB - 1);	/* RAM end wins over 4 GiB - 1 */
	assert_int_equal(p.cmdline_size, 2048);
	/* Exactly enough RAM: pref_address + init_size. */
	plan_ok(48 * MiB, &p);
	assert_int_equal(p.load_gpa, 16 * MiB);
}

static void test_plan_setup_sects(void **state)
{
	struct bz_plan p;

	(void)state;
	img_build(30000);
	put8(0x1f1, 0);			/* 0 means 4 */
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.setup_size, 5 * 512);
	assert_int_equal(p.kernel_size, img_len - 5 * 512);
	put8(0x1f1, 30);
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.setup_size, 31 * 512);
	assert_int_equal(p.kernel_off, 31 * 512);
	assert_int_equal(p.kernel_size, img_len - 31 * 512);
	/* The last byte of the file is the whole kernel. */
	img_len = 31 * 512 + 1;
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.kernel_size, 1);
	img_len = 31 * 512;
	plan_refused(256 * MiB, SETUP_PAST_END);
	put8(0x1f1, 255);
	img_build(4096);
	put8(0x1f1, 255);
	plan_refused(256 * MiB, SETUP_PAST_END);
}

static void test_plan_init_size(void **state)
{
	struct bz_plan p;

	(void)state;
	img_build(40000);
	put32(0x260, 1000);		/* smaller than the kernel: the kernel's size wins */
	plan_ok(64 * MiB, &p);
	assert_int_equal(p.init_size, 40000);
	put32(0x260, 0);
	plan_ok(64 * MiB, &p);
	assert_int_equal(p.init_size, 40000);
	put32(0x260, 48 * MiB + 1);
	plan_refused(64 * MiB,
		     "bzImage: init_size bytes from the load address do not fit in guest RAM");
	put32(0x260, 48 * MiB);
	plan_ok(64 * MiB, &p);
}

static void test_plan_load_address(void **state)
{
	struct bz_plan p;

	(void)state;
	img_build(4096);
	put32(0x260, 4 * MiB);
	/* Relocatable: pref_address rounded up to kernel_alignment. */
	put64(0x258, 16 * MiB + 1);
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.load_gpa, 18 * MiB);
	assert_int_equal(p.entry64, 18 * MiB + 0x200);
	/* Relocatable, pref_address below 1 MiB: first aligned address >= 1 MiB. */
	put64(0x258, 0);
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.load_gpa, 2 * MiB);
	put32(0x230, 0x1000);
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.load_gpa, 1 * MiB);
	/* Non-relocatable: exactly pref_address. */
	put8(0x234, 0);
	put64(0x258, 16 * MiB);
	put32(0x230, 0x200000);
	plan_ok(256 * MiB, &p);
	assert_int_equal(p.load_gpa, 16 * MiB);
	put64(0x258, 16 * MiB + 0x1000);
	plan_refused(256 * MiB, "bzImage: pref_address is not a multiple of kernel_alignment "
				"(non-relocatable kernel)");
	put64(0x258, 0x80000);
	put32(0x230, 0x1000);
	plan_refused(256 * MiB, "bzImage: pref_address is below 1 MiB (non-relocatable kernel)");
	/* Past RAM, relocatable or not. */
	put64(0x258, 512 * MiB);
	plan_refused(256 * MiB, "bzImage: pref_address is past the end of guest RAM");
	put8(0x234, 1);
	plan_refused(256 * MiB, "bzImage: pref_address is past the end of guest RAM");
	put64(0x258, UINT64_MAX);
	plan_refused(UINT64_MAX, "bzImage: pref_address is past the end of guest RAM");
	put8(0x234, 0);
	plan_refused(256 * MiB, "bzImage: pref_address is not a multiple of kernel_alignment "
				"(non-relocatable kernel)");
	/* Rounding up to the alignment lands past RAM. */
	put8(0x234, 1);
	put32(0x230, 0x200000);
	put64(0x258, 255 * MiB);
	plan_refused(255 * MiB + 4096, "bzImage: pref_address is past the end of guest RAM");
}

static void test_plan_initrd_max(void **state)
{
	struct bz_plan p;

	(void)state;
	img_build(4096);
	/* XLF_CAN_BE_LOADED_ABOVE_4G: 4 GiB - 1 (as QEMU) on a big guest. */
	plan_ok(8 * GiB, &p);
	assert_int_equal(p.initrd_max, 4 * GiB - 1);
	/* Without it, initrd_addr_max. */
	put16(0x236, 0x01);
	plan_ok(8 * GiB, &p);
	assert_int_equal(p.initrd_max, 0x7fffffff);
	put32(0x22c, 0x37ffffff);
	plan_ok(8 * GiB, &p);
	assert_int_equal(p.initrd_max, 0x37ffffff);
	plan_ok(64 * MiB, &p);
	assert_int_equal(p.initrd_max, 64 * MiB - 1);
}

static void test_plan_refusals(void **state)
{
	(void)state;
	img_build(4096);
	put32(0x202, 0x53726449);
	plan_refused(256 * MiB, "bzImage: no \"HdrS\" magic at 0x202 (not a Linux bzImage)");

	img_build(4096);
	put16(0x206, 0x020a);
	plan_refused(256 * MiB, "bzImage: boot protocol 2.10 is older than 2.12 (no 64-bit entry)");
	put16(0x206, 0x0200);
	plan_refused(256 * MiB, "bzImage: boot protocol 2.00 is older than 2.12 (no 64-bit entry)");
	put16(0x206, 0x020b);
	plan_refused(256 * MiB, "bzImage: boot protocol 2.11 is older than 2.12 (no 64-bit entry)");
	put16(0x206, 0x0104);
	plan_refused(256 * MiB, "bzImage: boot protocol is older than 2.12 (no 64-bit entry)");
	put16(0x206, 0x020c);
	{
		struct bz_plan p;

		plan_ok(256 * MiB, &p);
		assert_int_equal(p.version, 0x020c);
	}

	img_build(4096);
	put8(0x201, 0x65);		/* header ends at 0x267, before handover_offset's end */
	plan_refused(256 * MiB,
		     "bzImage: the header's length (byte 0x201) is too short for protocol 2.12");
	put8(0x201, 0x00);
	plan_refused(256 * MiB,
		     "bzImage: the header's length (byte 0x201) is too short for protocol 2.12");

	img_build(4096);
	put16(0x236, 0x02);
	plan_refused(256 * MiB, "bzImage: xloadflags lacks XLF_KERNEL_64 (no 64-bit entry)");

	img_build(4096);
	put8(0x211, 0x80);
	plan_refused(256 * MiB,
		     "bzImage: loadflags lacks LOADED_HIGH (a zImage, loaded at 0x10000)");

	img_build(4096);
	put32(0x230, 0);
	plan_refused(256 * MiB, "bzImage: kernel_alignment is not a power of two");
	put32(0x230, 0x300000);
	plan_refused(256 * MiB, "bzImage: kernel_alignment is not a power of two");
	put32(0x230, 0x80000000);
	put64(0x258, 2 * GiB);
	{
		struct bz_plan p;

		plan_ok(4 * GiB, &p);
		assert_int_equal(p.load_gpa, 2 * GiB);
	}

	img_build(4096);
	plan_refused(1 * MiB, "bzImage: pref_address is past the end of guest RAM");
	plan_refused(40 * MiB,
		     "bzImage: init_size bytes from the load address do not fit in guest RAM");
	plan_refused(0, "bzImage: pref_address is past the end of guest RAM");
}

static void test_plan_short(void **state)
{
	struct bz_plan p;
	const char *err = NULL;

	(void)state;
	img_build(4096);
	/* Every cut before the header's end is refused as short, without reading past it. */
	for (size_t n = 0; n < 0x26c; n += 7) {
		img_len = n;
		plan_refused(256 * MiB,
			     "bzImage: file too short for the setup header (0x26c bytes)");
	}
	assert_int_equal(bz_plan(NULL, 4096, 256 * MiB, &p, &err), -1);
	assert_string_equal(err, "bzImage: file too short for the setup header (0x26c bytes)");
	/* err may be NULL. */
	assert_int_equal(bz_plan(NULL, 0, 256 * MiB, &p, NULL), -1);
}

/* ---- bz_initrd_gpa ---- */

static void test_initrd(void **state)
{
	struct bz_plan p;

	(void)state;
	img_build(4096);
	plan_ok(256 * MiB, &p);		/* kernel: [16 MiB, 48 MiB) */
	/* Highest page-aligned fit below RAM's end. */
	assert_int_equal(bz_initrd_gpa(&p, 0x1234, 256 * MiB), 256 * MiB - 0x2000);
	assert_int_equal(bz_initrd_gpa(&p, 0x1000, 256 * MiB), 256 * MiB - 0x1000);
	/* Below `below`. */
	assert_int_equal(bz_initrd_gpa(&p, 0x1000, 200 * MiB + 0x800), 200 * MiB - 0x1000);
	/* Exactly the room between the kernel and `below`. */
	assert_int_equal(bz_initrd_gpa(&p, 16 * MiB, 64 * MiB), 48 * MiB);
	assert_int_equal(bz_initrd_gpa(&p, 16 * MiB + 1, 64 * MiB), 0);
	assert_int_equal(bz_initrd_gpa(&p, 208 * MiB, 256 * MiB), 48 * MiB);
	assert_int_equal(bz_initrd_gpa(&p, 208 * MiB + 1, 256 * MiB), 0);
	assert_int_equal(bz_initrd_gpa(&p, UINT64_MAX, 256 * MiB), 0);
	assert_int_equal(bz_initrd_gpa(&p, 0, 256 * MiB), 0);
	/* `below` under the kernel's end: nothing fits. */
	assert_int_equal(bz_initrd_gpa(&p, 0x1000, 40 * MiB), 0);

	/* initrd_addr_max caps a big guest: the initrd ends at or below it. */
	put16(0x236, 0x01);
	put32(0x22c, 0x37ffffff);
	plan_ok(8 * GiB, &p);
	assert_int_equal(bz_initrd_gpa(&p, 0x1000, 8 * GiB), 0x38000000 - 0x1000);
	assert_int_equal(bz_initrd_gpa(&p, 0x1800, 8 * GiB), 0x38000000 - 0x2000);
	/* XLF_CAN_BE_LOADED_ABOVE_4G: below 4 GiB still. */
	put16(0x236, 0x03);
	plan_ok(8 * GiB, &p);
	assert_int_equal(bz_initrd_gpa(&p, 0x1000, 8 * GiB), 4 * GiB - 0x1000);
}

/* ---- bz_build_zero_page ---- */

static void test_zero_page_fields(void **state)
{
	struct bz_plan p;
	struct bz_boot b = { 0 };

	(void)state;
	img_build(4096);
	put8(0x211, 0x81);		/* LOADED_HIGH | CAN_USE_HEAP in the file */
	put16(0x224, 0x1234);		/* heap_end_ptr, left alone */
	put64(0x250, 0xdeadbeef);	/* setup_data: cleared */
	put8(0x26c, 0x5a);		/* past the header's end (0x202 + 0x6a): not copied */
	memset(img + 0x1e0, 0xa5, 0x11);	/* before the header: not copied */
	plan_ok(8 * GiB, &p);
	b.guest_mem = 8 * GiB;
	b.cmdline_gpa = 5 * GiB + 0x123;
	b.initrd_gpa = 0x7ff00000;
	b.initrd_size = 0x80000;
	b.rsdp_gpa = 0xe0000;
	zero_page_ok(&p, &b);

	assert_int_equal(zget8(0x1f1), 4);		/* setup_sects, copied */
	assert_int_equal(zget16(0x1fe), 0xaa55);	/* boot_flag */
	assert_int_equal(zget32(0x202), 0x53726448);	/* HdrS */
	assert_int_equal(zget16(0x206), 0x020f);	/* version */
	assert_int_equal(zget8(0x210), 0xff);		/* type_of_loader */
	assert_int_equal(zget8(0x211), 0x01);		/* CAN_USE_HEAP cleared */
	assert_int_equal(zget32(0x214), 16 * MiB);	/* code32_start = load_gpa */
	assert_int_equal(zget16(0x224), 0x1234);
	assert_int_equal(zget32(0x228), 0x40000123);	/* cmd_line_ptr: low half */
	assert_int_equal(zget32(0x0c8), 1);		/* ext_cmd_line_ptr */
	assert_int_equal(zget32(0x218), 0x7ff00000);	/* ramdisk_image */
	assert_int_equal(zget32(0x0c0), 0);		/* ext_ramdisk_image */
	assert_int_equal(zget32(0x21c), 0x80000);	/* ramdisk_size */
	assert_int_equal(zget32(0x0c4), 0);		/* ext_ramdisk_size */
	assert_int_equal(zget32(0x22c), 0x7fffffff);	/* initrd_addr_max, copied */
	assert_int_equal(zget32(0x230), 0x200000);
	assert_int_equal(zget16(0x236), 0x03);
	assert_int_equal(zget32(0x238), 2048);
	assert_int_equal(zget64(0x250), 0);		/* setup_data */
	assert_int_equal(zget64(0x258), 16 * MiB);	/* pref_address */
	assert_int_equal(zget32(0x260), 32 * MiB);	/* init_size */
	assert_int_equal(zget64(0x070), 0xe0000);	/* acpi_rsdp_addr */
	assert_int_equal(zget8(0x26c), 0);
	assert_int_equal(zget8(0x1ef), 0);		/* sentinel */
	assert_int_equal(zget8(0x1e0), 0);
	/* Everything outside the header, the ext_ fields, rsdp and e820 is zero. */
	for (size_t i = 0; i < BZ_ZERO_PAGE_SIZE; i++) {
		if ((i >= 0x1e8 && i < 0x1e9) || (i >= 0x1f1 && i < 0x26c) ||
		    (i >= 0x070 && i < 0x078) || (i >= 0x0c0 && i < 0x0cc) ||
		    (i >= 0x2d0 && i < 0x2d0 + 20 * 3))
			continue;
		if (zp[i])
			fail_msg("zero page byte 0x%zx is 0x%x", i, zp[i]);
	}
}

static void test_zero_page_high_parts(void **state)
{
	struct bz_plan p;
	struct bz_boot b = { 0 };

	(void)state;
	img_build(4096);
	put32(0x22c, 0xffffffff);
	plan_ok(16 * GiB, &p);
	b.guest_mem = 16 * GiB;
	b.initrd_gpa = 0xfff00000;
	b.initrd_size = 0x100000;	/* ends exactly at 4 GiB: initrd_max = 4 GiB - 1 */
	zero_page_ok(&p, &b);
	assert_int_equal(zget32(0x218), 0xfff00000);
	assert_int_equal(zget32(0x0c0), 0);
	assert_int_equal(zget32(0x21c), 0x100000);
	assert_int_equal(zget32(0x228), 0);		/* no command line */
	assert_int_equal(zget32(0x0c8), 0);
	assert_int_equal(zget64(0x070), 0);		/* no RSDP */
	b.initrd_gpa = 0x100000000ull;
	zero_page_refused(&p, &b, "bzImage: the initrd ends above initrd_addr_max");
	/* A kernel at 6 GiB: code32_start cannot hold it. The file's
	 * ramdisk and command line fields never leak through. */
	put64(0x258, 6 * GiB);
	put32(0x218, 0x11111111);
	put32(0x21c, 0x22222222);
	put32(0x228, 0x33333333);
	plan_ok(16 * GiB, &p);
	b.initrd_size = 0;
	zero_page_ok(&p, &b);
	assert_int_equal(zget32(0x214), 0);
	assert_int_equal(zget32(0x218), 0);		/* no initrd */
	assert_int_equal(zget32(0x21c), 0);
	assert_int_equal(zget32(0x228), 0);
}

static void test_zero_page_header_length(void **state)
{
	struct bz_plan p;
	struct bz_boot b = { .guest_mem = 256 * MiB };

	(void)state;
	img_build(4096);
	for (size_t i = 0x26c; i < 0x300; i++)
		put8(i, 0x77);
	/* A 2.12-sized header (to 0x268): kernel_info_offset is not copied. */
	put8(0x201, 0x66);
	put32(0x268, 0x11223344);
	plan_ok(256 * MiB, &p);
	zero_page_ok(&p, &b);
	assert_int_equal(zget32(0x264), 0);
	assert_int_equal(zget32(0x268), 0);
	/* The jump's largest reach is capped at 0x290 (edd_mbr_sig_buffer). */
	put8(0x201, 0xff);
	zero_page_ok(&p, &b);
	assert_int_equal(zget32(0x268), 0x11223344);
	assert_int_equal(zget8(0x28f), 0x77);
	assert_int_equal(zget8(0x290), 0);
	assert_int_equal(zget8(0x2a0), 0);
}

static void test_e820_plain(void **state)
{
	struct bz_plan p;
	struct bz_boot b = { .guest_mem = 256 * MiB };

	(void)state;
	img_build(4096);
	plan_ok(256 * MiB, &p);
	zero_page_ok(&p, &b);
	assert_int_equal(zget8(0x1e8), 3);
	e820_expect(0, 0, 640 * KiB, 1);
	e820_expect(1, 640 * KiB, 384 * KiB, 2);
	e820_expect(2, 1 * MiB, 255 * MiB, 1);
	assert_int_equal(zget64(0x2d0 + 3 * 20), 0);
}

static void test_e820_split(void **state)
{
	struct bz_plan p;
	const struct guest_mem_range r[] = {
		{ 0xfec00000, 0x1000, 2 },		/* past RAM: kept as is */
		{ 128 * MiB - 128 * KiB, 64 * KiB, 3 },	/* ACPI tables in high RAM */
		{ 0x10000, 0x1000, 2 },			/* inside low RAM */
		{ 256 * MiB - 4 * KiB, 4 * KiB, 4 },	/* the last page of RAM */
	};
	struct bz_boot b = { .guest_mem = 256 * MiB, .extra_reserved = r, .nr_extra_reserved = 4 };

	(void)state;
	img_build(4096);
	plan_ok(256 * MiB, &p);
	zero_page_ok(&p, &b);
	assert_int_equal(zget8(0x1e8), 9);
	e820_expect(0, 0, 0x10000, 1);
	e820_expect(1, 0x10000, 0x1000, 2);
	e820_expect(2, 0x11000, 640 * KiB - 0x11000, 1);
	e820_expect(3, 640 * KiB, 384 * KiB, 2);
	e820_expect(4, 1 * MiB, 127 * MiB - 128 * KiB, 1);
	e820_expect(5, 128 * MiB - 128 * KiB, 64 * KiB, 3);
	e820_expect(6, 128 * MiB - 64 * KiB, 128 * MiB + 64 * KiB - 4 * KiB, 1);
	e820_expect(7, 256 * MiB - 4 * KiB, 4 * KiB, 4);
	e820_expect(8, 0xfec00000, 0x1000, 2);
}

static void test_e820_across_hole(void **state)
{
	struct bz_plan p;
	struct guest_mem_range r = { 0xa0000, 0x60000, 2 };	/* exactly the hole */
	struct bz_boot b = { .guest_mem = 64 * MiB, .extra_reserved = &r, .nr_extra_reserved = 1 };

	(void)state;
	img_build(4096);
	put64(0x258, 2 * MiB);
	put32(0x260, 4 * MiB);
	plan_ok(64 * MiB, &p);
	zero_page_ok(&p, &b);
	assert_int_equal(zget8(0x1e8), 3);
	e820_expect(1, 0xa0000, 0x60000, 2);
	/* Across both edges of the hole: low RAM and high RAM shrink, the hole goes. */
	r = (struct guest_mem_range){ 0x90000, 0x80000, 3 };
	zero_page_ok(&p, &b);
	assert_int_equal(zget8(0x1e8), 3);
	e820_expect(0, 0, 0x90000, 1);
	e820_expect(1, 0x90000, 0x80000, 3);
	e820_expect(2, 0x110000, 64 * MiB - 0x110000, 1);
	/* Over all of RAM and beyond. */
	r = (struct guest_mem_range){ 0, 128 * MiB, 2 };
	zero_page_ok(&p, &b);
	assert_int_equal(zget8(0x1e8), 1);
	e820_expect(0, 0, 128 * MiB, 2);
}

static void test_e820_many(void **state)
{
	struct bz_plan p;
	struct guest_mem_range r[63];
	struct bz_boot b = { .guest_mem = 256 * MiB, .extra_reserved = r, .nr_extra_reserved = 62 };

	(void)state;
	img_build(4096);
	plan_ok(256 * MiB, &p);
	/* 62 pages in high RAM, given from the top down: each splits one RAM range. */
	for (unsigned i = 0; i < 63; i++)
		r[i] = (struct guest_mem_range){ 200 * MiB - i * 2 * MiB, 4096, 2 };
	zero_page_ok(&p, &b);
	assert_int_equal(zget8(0x1e8), 3 + 2 * 62);
	for (unsigned i = 1; i < 3 + 2 * 62; i++) {
		size_t off = 0x2d0 + 20 * (size_t)i;

		assert_true(zget64(off - 20) + zget64(off - 12) <= zget64(off));
	}
	b.nr_extra_reserved = 63;
	zero_page_refused(&p, &b, "bzImage: too many extra reserved ranges for the e820 table");
}

static void test_zero_page_refusals(void **state)
{
	struct bz_plan p;
	struct guest_mem_range r[2] = { { 8 * MiB, 2 * MiB, 2 }, { 9 * MiB, 2 * MiB, 3 } };
	struct bz_boot b = { .guest_mem = 256 * MiB, .extra_reserved = r, .nr_extra_reserved = 2 };
	const char *err;

	(void)state;
	img_build(4096);
	plan_ok(256 * MiB, &p);
	zero_page_refused(&p, &b, "bzImage: extra reserved ranges overlap");
	r[1].base = 10 * MiB;		/* touching is fine */
	zero_page_ok(&p, &b);
	r[1].len = 0;
	zero_page_refused(&p, &b, "bzImage: an extra reserved range is empty or wraps");
	r[1] = (struct guest_mem_range){ UINT64_MAX - 10, 12, 2 };
	zero_page_refused(&p, &b, "bzImage: an extra reserved range is empty or wraps");
	r[1] = (struct guest_mem_range){ 20 * MiB, 4096, 1 };
	zero_page_refused(&p, &b, "bzImage: an extra reserved range has type 0 or RAM");
	r[1].type = 0;
	zero_page_refused(&p, &b, "bzImage: an extra reserved range has type 0 or RAM");
	b.extra_reserved = NULL;
	zero_page_refused(&p, &b, "bzImage: extra_reserved is NULL");
	b.nr_extra_reserved = 0;
	zero_page_ok(&p, &b);

	/* The command line. */
	b.cmdline_gpa = 256 * MiB;
	zero_page_refused(&p, &b,
			  "bzImage: the command line is outside guest RAM (or above 4 GiB)");
	b.cmdline_gpa = 256 * MiB - 1;
	zero_page_ok(&p, &b);
	put16(0x236, 0x01);		/* no XLF_CAN_BE_LOADED_ABOVE_4G */
	plan_ok(8 * GiB, &p);
	b.guest_mem = 8 * GiB;
	b.cmdline_gpa = 4 * GiB;
	zero_page_refused(&p, &b,
			  "bzImage: the command line is outside guest RAM (or above 4 GiB)");
	b.cmdline_gpa = 4 * GiB - 1;
	zero_page_ok(&p, &b);

	/* The initrd. */
	b.initrd_gpa = 4 * GiB - 4096;
	b.initrd_size = 8192;
	zero_page_refused(&p, &b, "bzImage: the initrd is outside guest RAM (or above 4 GiB)");
	b.initrd_gpa = 0x7ffff000;
	zero_page_refused(&p, &b, "bzImage: the initrd ends above initrd_addr_max");
	b.initrd_gpa = 0x7fffe000;
	zero_page_ok(&p, &b);
	b.initrd_gpa = 47 * MiB;	/* the kernel needs [16 MiB, 48 MiB) */
	zero_page_refused(&p, &b, "bzImage: the initrd overlaps the kernel's init_size area");
	b.initrd_gpa = 16 * MiB - 4096;
	zero_page_refused(&p, &b, "bzImage: the initrd overlaps the kernel's init_size area");
	b.initrd_gpa = 16 * MiB - 8192;
	zero_page_ok(&p, &b);
	b.initrd_gpa = 48 * MiB;
	zero_page_ok(&p, &b);
	b.initrd_gpa = 8 * GiB - 4096;
	zero_page_refused(&p, &b, "bzImage: the initrd is outside guest RAM (or above 4 GiB)");

	/* RAM smaller than the plan's. */
	b = (struct bz_boot){ .guest_mem = 40 * MiB };
	zero_page_refused(&p, &b, "bzImage: the kernel's init_size area is outside guest RAM");

	/* A file that is not a bzImage, and NULL arguments. */
	b = (struct bz_boot){ .guest_mem = 8 * GiB };
	put32(0x202, 0);
	zero_page_refused(&p, &b, "bzImage: no \"HdrS\" magic at 0x202 (not a Linux bzImage)");
	assert_int_equal(bz_build_zero_page(NULL, img, img_len, &p, &b, &err), -1);
	assert_string_equal(err, "bzImage: zero page, plan or boot information is NULL");
	assert_int_equal(bz_build_zero_page(zp, img, img_len, &p, NULL, NULL), -1);
}

/* ---- a real kernel, when this machine has one (or BZIMAGE names one) ---- */

static void test_host_vmlinuz(void **state)
{
	glob_t g;
	FILE *f;
	uint8_t *buf;
	long n;
	struct bz_plan p;
	struct bz_boot b = { .guest_mem = 1 * GiB, .cmdline_gpa = 0x20000 };
	const char *err = NULL;
	uint64_t initrd;

	(void)state;
	if (glob(getenv("BZIMAGE") ? getenv("BZIMAGE") : "/boot/vmlinuz-*", 0, NULL, &g) != 0 ||
	    g.gl_pathc == 0) {
		globfree(&g);
		skip();
		return;
	}
	f = fopen(g.gl_pathv[0], "rb");
	if (!f) {
		globfree(&g);
		skip();		/* not readable by this user */
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (bz_plan(buf, (size_t)n, 1 * GiB, &p, &err))
		fail_msg("%s: %s", g.gl_pathv[0], err);
	assert_true(p.version >= 0x020c);
	assert_true(p.load_gpa >= 1 * MiB);
	assert_int_equal(p.kernel_off + p.kernel_size, (uint64_t)n);
	assert_true(p.load_gpa + p.init_size <= 1 * GiB);
	initrd = bz_initrd_gpa(&p, 16 * MiB, 1 * GiB);
	assert_true(initrd >= p.load_gpa + p.init_size);
	b.initrd_gpa = initrd;
	b.initrd_size = 16 * MiB;
	if (bz_build_zero_page(zp, buf, (size_t)n, &p, &b, &err))
		fail_msg("%s: %s", g.gl_pathv[0], err);
	assert_int_equal(zget32(0x202), 0x53726448);
	free(buf);
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_typical),
		cmocka_unit_test(test_plan_setup_sects),
		cmocka_unit_test(test_plan_init_size),
		cmocka_unit_test(test_plan_load_address),
		cmocka_unit_test(test_plan_initrd_max),
		cmocka_unit_test(test_plan_refusals),
		cmocka_unit_test(test_plan_short),
		cmocka_unit_test(test_initrd),
		cmocka_unit_test(test_zero_page_fields),
		cmocka_unit_test(test_zero_page_high_parts),
		cmocka_unit_test(test_zero_page_header_length),
		cmocka_unit_test(test_e820_plain),
		cmocka_unit_test(test_e820_split),
		cmocka_unit_test(test_e820_across_hole),
		cmocka_unit_test(test_e820_many),
		cmocka_unit_test(test_zero_page_refusals),
		cmocka_unit_test(test_host_vmlinuz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
