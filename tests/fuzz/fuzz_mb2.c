/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the Multiboot2 parser (boot/mb2.c). The input is
 * the information block; limit is its length. On success every pointer the
 * parser hands out must lie inside the block, with its string terminated
 * there. Seeds: tests/fuzz/corpus/mb2 (written by tests/unit/test_mb2.c).
 *
 *   ./build/fuzz_mb2 -max_total_time=20 tests/fuzz/corpus/mb2 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/mb2.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const uint8_t *blk_start, *blk_end;

/* Is [p, p + n) inside the block? */
static int in_block(const void *p, size_t n)
{
	const uint8_t *q = p;

	return q >= blk_start && q <= blk_end && n <= (size_t)(blk_end - q);
}

/* Either the parser's "" for an absent string, or terminated in the block. */
static void check_string(const char *s)
{
	CHECK(s != NULL);
	if (!in_block(s, 1)) {
		CHECK(*s == '\0');
		return;
	}
	CHECK(strnlen(s, (size_t)(blk_end - (const uint8_t *)s)) < (size_t)(blk_end - (const uint8_t *)s));
}

static void check_info(const struct boot_info *bi)
{
	CHECK(bi->mbi_start == (uintptr_t)blk_start);
	CHECK(bi->mbi_end >= bi->mbi_start + 16 && bi->mbi_end <= (uintptr_t)blk_end);
	blk_end = (const uint8_t *)(uintptr_t)bi->mbi_end;	/* nothing may point past total_size */

	check_string(bi->cmdline);
	check_string(bi->loader);

	CHECK(bi->nr_mmap <= BOOT_MAX_MMAP);
	CHECK(!bi->mmap_truncated || bi->nr_mmap == BOOT_MAX_MMAP);
	CHECK(bi->nr_modules <= BOOT_MAX_MODULES);
	CHECK(!bi->modules_truncated || bi->nr_modules == BOOT_MAX_MODULES);
	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		CHECK(bi->modules[i].start <= bi->modules[i].end);
		CHECK(in_block(bi->modules[i].cmdline, 1));
		check_string(bi->modules[i].cmdline);
	}

	if (bi->rsdp_tag == 0) {
		CHECK(bi->rsdp == NULL);
	} else {
		CHECK(bi->rsdp_tag == MB2_TAG_ACPI_OLD || bi->rsdp_tag == MB2_TAG_ACPI_NEW);
		CHECK(bi->rsdp_len >= (bi->rsdp_tag == MB2_TAG_ACPI_NEW ? 36u : 20u));
		CHECK(in_block(bi->rsdp, bi->rsdp_len));
		CHECK(memcmp(bi->rsdp, "RSD PTR ", 8) == 0);
	}

	if (bi->efi_mmap) {
		CHECK(in_block(bi->efi_mmap, bi->efi_mmap_size));
		CHECK(bi->efi_desc_size >= 40);
	}
	CHECK(bi->efi_system_table == 0 || bi->efi_bits == 32 || bi->efi_bits == 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	struct mb2_error err = { 0 };
	uint8_t *buf = malloc(size ? size : 1);	/* 16-aligned, exactly size bytes for ASan */

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	blk_start = buf;
	blk_end = buf + size;
	if (mb2_parse(buf, size, &bi, &err) == 0)
		check_info(&bi);
	else
		CHECK(err.what != NULL && err.offset <= size);
	free(buf);
	return 0;
}
