/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot2 information parser, Multiboot2 specification 1.0, 3.6.
 *
 * One bounded loop over the tags: every tag advances the offset by at least
 * 8 bytes, and every length is checked against what is left of the block
 * before the bytes behind it are read. Lengths are compared by subtraction
 * (size > total - off), never by addition, so no sum can wrap. The parser only
 * checks structure: overlapping or empty memory ranges and ACPI checksums are
 * for the frame allocator and the ACPI code. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/mb2.h"
#include "kernel/lib/lib.h"

/* Multiboot2 3.6.5 (command line) and 3.6.9 (boot loader name). */
struct mb2_tag_string {
	struct mb2_tag hdr;	/* 0x00 */
	char string[];		/* 0x08: NUL-terminated */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_string) == 8, "Multiboot2 3.6.5, 3.6.9");

/* Multiboot2 3.6.6: one boot module. */
struct mb2_tag_module {
	struct mb2_tag hdr;	/* 0x00 */
	uint32_t mod_start;	/* 0x08: physical, inclusive */
	uint32_t mod_end;	/* 0x0c: physical, exclusive */
	char cmdline[];		/* 0x10: NUL-terminated */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_module) == 16, "Multiboot2 3.6.6");

/* Multiboot2 3.6.3: basic memory information. */
struct mb2_tag_meminfo {
	struct mb2_tag hdr;	/* 0x00: size 16 */
	uint32_t mem_lower;	/* 0x08: KiB from 0 */
	uint32_t mem_upper;	/* 0x0c: KiB from 1 MiB */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "Multiboot2 3.6.3");

/* Multiboot2 3.6.8: memory map header; entries follow at 0x10. */
struct mb2_tag_mmap {
	struct mb2_tag hdr;	/* 0x00 */
	uint32_t entry_size;	/* 0x08: stride, a multiple of 8 */
	uint32_t entry_version;	/* 0x0c: 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "Multiboot2 3.6.8");

struct mb2_mmap_entry {
	uint64_t base_addr;	/* 0x00 */
	uint64_t length;	/* 0x08 */
	uint32_t type;		/* 0x10: BOOT_MEM_* */
	uint32_t reserved;	/* 0x14 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "Multiboot2 3.6.8");

/* Multiboot2 3.6.12: framebuffer, common part; color_info follows. */
struct mb2_tag_framebuffer {
	struct mb2_tag hdr;	/* 0x00 */
	uint64_t addr;		/* 0x08 */
	uint32_t pitch;		/* 0x10: bytes per line */
	uint32_t width;		/* 0x14 */
	uint32_t height;	/* 0x18 */
	uint8_t bpp;		/* 0x1c */
	uint8_t type;		/* 0x1d: 0 indexed, 1 RGB, 2 EGA text */
	uint8_t reserved;	/* 0x1e: GRUB's header makes it u16; we do not read it */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 31, "Multiboot2 3.6.12");

/* Multiboot2 3.6.13: EFI 32-bit system table pointer. */
struct mb2_tag_efi32 {
	struct mb2_tag hdr;	/* 0x00: size 12 */
	uint32_t pointer;	/* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi32) == 12, "Multiboot2 3.6.13");

/* Multiboot2 3.6.14: EFI 64-bit system table pointer. */
struct mb2_tag_efi64 {
	struct mb2_tag hdr;	/* 0x00: size 16 */
	uint64_t pointer;	/* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi64) == 16, "Multiboot2 3.6.14");

/* Multiboot2 3.6.16 (old) and 3.6.17 (new): a copy of the RSDP follows. */
#define MB2_RSDP_V1_LEN 20	/* ACPI 6.5, 5.2.5.3: up to RsdtAddress */
#define MB2_RSDP_V2_LEN 36	/* ACPI 6.5, 5.2.5.3: up to Reserved */
#define MB2_RSDP_SIG    "RSD PTR "	/* ACPI 6.5, 5.2.5.3: offset 0, 8 bytes */

/* Multiboot2 3.6.19: EFI memory map header; descriptors follow at 0x10. */
struct mb2_tag_efi_mmap {
	struct mb2_tag hdr;	/* 0x00 */
	uint32_t descr_size;	/* 0x08: stride, may exceed the descriptor */
	uint32_t descr_vers;	/* 0x0c */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "Multiboot2 3.6.19");

#define EFI_MEMORY_DESCRIPTOR_LEN 40	/* UEFI 2.10, 7.2: GetMemoryMap() */

/* Smallest size of each tag type we read (exact for fixed-size tags), and
 * what to report when a tag is shorter. Types not listed need only 8. */
struct mb2_tag_size {
	uint32_t min;
	bool exact;
	const char *what;
};

static const struct mb2_tag_size mb2_tag_sizes[] = {
	[MB2_TAG_END]           = { 8, true, "end tag size not 8" },
	[MB2_TAG_CMDLINE]       = { 9, false, "cmdline tag shorter than 9" },
	[MB2_TAG_LOADER_NAME]   = { 9, false, "loader name tag shorter than 9" },
	[MB2_TAG_MODULE]        = { 17, false, "module tag shorter than 17" },
	[MB2_TAG_BASIC_MEMINFO] = { 16, true, "basic meminfo tag size not 16" },
	[MB2_TAG_MMAP]          = { 16, false, "memory map tag shorter than 16" },
	[MB2_TAG_FRAMEBUFFER]   = { 31, false, "framebuffer tag shorter than 31" },
	[MB2_TAG_EFI32]         = { 12, true, "EFI32 tag size not 12" },
	[MB2_TAG_EFI64]         = { 16, true, "EFI64 tag size not 16" },
	[MB2_TAG_ACPI_OLD]      = { 8 + MB2_RSDP_V1_LEN, false, "ACPI old tag shorter than RSDP v1" },
	[MB2_TAG_ACPI_NEW]      = { 8 + MB2_RSDP_V2_LEN, false, "ACPI new tag shorter than RSDP v2" },
	[MB2_TAG_EFI_MMAP]      = { 16, false, "EFI memory map tag shorter than 16" },
};

static int mb2_fail(struct mb2_error *err, const char *what, uint32_t offset)
{
	if (err) {
		err->what = what;
		err->offset = offset;
	}
	return -1;
}

/* The string at s if it ends inside its n bytes, else NULL. */
static const char *mb2_get_string(const char *s, uint32_t n)
{
	return strnlen(s, n) < n ? s : NULL;
}

/* Reads one tag whose size the caller has checked against the block and
 * against mb2_tag_sizes. Returns the failure message, or NULL. */
static const char *mb2_parse_tag(const uint8_t *p, uint32_t size, struct boot_info *bi)
{
	const struct mb2_tag *tag = (const void *)p;

	switch (tag->type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME: {
		const struct mb2_tag_string *t = (const void *)p;
		const char *s = mb2_get_string(t->string, size - 8);

		if (!s)
			return tag->type == MB2_TAG_CMDLINE ? "cmdline not NUL-terminated" :
							      "loader name not NUL-terminated";
		if (tag->type == MB2_TAG_CMDLINE)
			bi->cmdline = s;
		else
			bi->loader = s;
		break;
	}
	case MB2_TAG_MODULE: {
		const struct mb2_tag_module *t = (const void *)p;
		const char *s = mb2_get_string(t->cmdline, size - 16);

		if (t->mod_end < t->mod_start)
			return "module mod_end before mod_start";
		if (!s)
			return "module cmdline not NUL-terminated";
		if (bi->nr_modules == BOOT_MAX_MODULES) {
			bi->modules_truncated = true;
			break;
		}
		bi->modules[bi->nr_modules++] = (struct boot_module){
			.start = t->mod_start, .end = t->mod_end, .cmdline = s,
		};
		break;
	}
	case MB2_TAG_BASIC_MEMINFO: {
		const struct mb2_tag_meminfo *t = (const void *)p;

		bi->has_basic_mem = true;
		bi->mem_lower_kb = t->mem_lower;
		bi->mem_upper_kb = t->mem_upper;
		break;
	}
	case MB2_TAG_MMAP: {
		const struct mb2_tag_mmap *t = (const void *)p;
		uint32_t i, n;

		if (t->entry_size < sizeof(struct mb2_mmap_entry))
			return "memory map entry_size < 24";
		if (t->entry_size % 8)
			return "memory map entry_size not a multiple of 8";
		if (t->entry_version != 0)
			return "memory map entry_version not 0";
		/* Whole entries only: a trailing partial entry is never read. */
		n = (size - 16) / t->entry_size;
		if (n > BOOT_MAX_MMAP) {
			n = BOOT_MAX_MMAP;
			bi->mmap_truncated = true;
		}
		for (i = 0; i < n; i++) {
			const struct mb2_mmap_entry *e = (const void *)(p + 16 + i * t->entry_size);

			bi->mmap[i] = (struct boot_mem_range){
				.base = e->base_addr, .len = e->length, .type = e->type,
			};
		}
		bi->nr_mmap = n;
		break;
	}
	case MB2_TAG_FRAMEBUFFER: {
		const struct mb2_tag_framebuffer *t = (const void *)p;

		bi->has_framebuffer = true;
		bi->fb = (struct boot_framebuffer){
			.addr = t->addr, .pitch = t->pitch, .width = t->width,
			.height = t->height, .bpp = t->bpp, .type = t->type,
		};
		break;
	}
	case MB2_TAG_EFI32: {
		const struct mb2_tag_efi32 *t = (const void *)p;

		bi->efi_system_table = t->pointer;
		bi->efi_bits = 32;
		break;
	}
	case MB2_TAG_EFI64: {
		const struct mb2_tag_efi64 *t = (const void *)p;

		bi->efi_system_table = t->pointer;
		bi->efi_bits = 64;
		break;
	}
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (memcmp(p + 8, MB2_RSDP_SIG, 8) != 0)
			return "ACPI RSDP signature not \"RSD PTR \"";
		/* The ACPI 2.0+ copy wins whichever tag comes first. */
		if (tag->type == MB2_TAG_ACPI_NEW || bi->rsdp_tag != MB2_TAG_ACPI_NEW) {
			bi->rsdp = p + 8;
			bi->rsdp_len = size - 8;
			bi->rsdp_tag = (uint8_t)tag->type;
		}
		break;
	case MB2_TAG_EFI_MMAP: {
		const struct mb2_tag_efi_mmap *t = (const void *)p;

		if (t->descr_size < EFI_MEMORY_DESCRIPTOR_LEN)
			return "EFI memory map descr_size < 40";
		bi->efi_mmap = p + 16;
		bi->efi_mmap_size = size - 16;
		bi->efi_desc_size = t->descr_size;
		bi->efi_desc_version = t->descr_vers;
		break;
	}
	case MB2_TAG_EFI_BS:
		bi->efi_boot_services = true;
		break;
	default:
		break;	/* unknown or unused: skipped, for forward compatibility */
	}
	return NULL;
}

int mb2_parse(const void *mbi, size_t limit, struct boot_info *bi, struct mb2_error *err)
{
	const uint8_t *base = mbi;
	const struct mb2_info *info = mbi;
	bool have_mmap = false;
	uint32_t total, off;

	memset(bi, 0, sizeof(*bi));
	bi->cmdline = "";
	bi->loader = "";
	if ((uintptr_t)mbi % 8)
		return mb2_fail(err, "information block not 8-byte aligned", 0);
	if (limit < 16)
		return mb2_fail(err, "limit < 16", 0);
	total = info->total_size;
	if (total < 16)
		return mb2_fail(err, "total_size < 16", 0);
	if (total > limit)
		return mb2_fail(err, "total_size past limit", 0);
	bi->mbi_start = (uintptr_t)mbi;
	bi->mbi_end = (uintptr_t)mbi + total;

	/* off is 8-aligned (or equal to total) and never past total; each pass
	 * advances it by at least 8, so the loop ends within total / 8 passes. */
	for (off = sizeof(*info);; ) {
		const struct mb2_tag *tag = (const void *)(base + off);
		const struct mb2_tag_size *want = NULL;
		const char *what;
		uint32_t size, step;

		if (total - off < sizeof(*tag))
			return mb2_fail(err, "missing end tag", off);
		size = tag->size;
		if (size < sizeof(*tag))
			return mb2_fail(err, "tag size < 8", off);
		if (size > total - off)
			return mb2_fail(err, "tag size past total_size", off);
		if (tag->type < ARRAY_SIZE(mb2_tag_sizes))
			want = &mb2_tag_sizes[tag->type];
		if (want && want->what &&
		    (size < want->min || (want->exact && size != want->min)))
			return mb2_fail(err, want->what, off);
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->type == MB2_TAG_MMAP && have_mmap)
			return mb2_fail(err, "duplicate memory map tag", off);
		what = mb2_parse_tag(base + off, size, bi);
		if (what)
			return mb2_fail(err, what, off);
		have_mmap |= tag->type == MB2_TAG_MMAP;

		/* size <= total - 8 < 2^32 - 8, so aligning cannot wrap. Padding
		 * past total_size leaves no room for an end tag: stop there. */
		step = ALIGN_UP(size, 8u);
		off = step > total - off ? total : off + step;
	}
	if (!have_mmap)
		return mb2_fail(err, "no memory map tag", off);
	return 0;
}
