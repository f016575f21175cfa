/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot2 boot information: the tag layouts we read, and the parser that
 * turns them into struct boot_info. Multiboot2 specification 1.0, 3.6. Pure:
 * host-tested and fuzzed; nothing outside boot/ includes this header. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "boot/bootinfo.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u	/* in EAX at entry, spec 3.2 */

/* Tag types, spec 3.6. */
#define MB2_TAG_END            0
#define MB2_TAG_CMDLINE        1
#define MB2_TAG_LOADER_NAME    2
#define MB2_TAG_MODULE         3
#define MB2_TAG_BASIC_MEMINFO  4
#define MB2_TAG_BOOTDEV        5
#define MB2_TAG_MMAP           6
#define MB2_TAG_VBE            7
#define MB2_TAG_FRAMEBUFFER    8
#define MB2_TAG_ELF_SECTIONS   9
#define MB2_TAG_APM           10
#define MB2_TAG_EFI32         11
#define MB2_TAG_EFI64         12
#define MB2_TAG_SMBIOS        13
#define MB2_TAG_ACPI_OLD      14
#define MB2_TAG_ACPI_NEW      15
#define MB2_TAG_NETWORK       16
#define MB2_TAG_EFI_MMAP      17
#define MB2_TAG_EFI_BS        18
#define MB2_TAG_EFI32_IH      19
#define MB2_TAG_EFI64_IH      20
#define MB2_TAG_LOAD_BASE     21

/* Fixed header of the information block, spec 3.6.2. */
struct mb2_info {
	uint32_t total_size;	/* 0x00: including this header and the end tag */
	uint32_t reserved;	/* 0x04 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_info) == 8, "Multiboot2 3.6.2");

/* Every tag starts so and is padded to 8 bytes, spec 3.6.2. */
struct mb2_tag {
	uint32_t type;		/* 0x00 */
	uint32_t size;		/* 0x04: without the padding */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag) == 8, "Multiboot2 3.6.2");

/* Why parsing stopped: a constant message naming the field, and the byte
 * offset into the information block of the tag (or header) at fault. */
struct mb2_error {
	const char *what;
	uint32_t offset;
};

/* Parses the information block at mbi. limit is the most bytes the caller
 * can vouch for (total_size must not exceed it). On failure bi is left in an
 * unspecified state and err says why; the return is nonzero. */
int mb2_parse(const void *mbi, size_t limit, struct boot_info *bi, struct mb2_error *err);
