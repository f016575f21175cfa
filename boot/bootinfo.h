/* SPDX-License-Identifier: BSD-2-Clause */
/* What the boot loader told us, in a plain form. Only boot/ knows Multiboot2;
 * everything else reads this structure. Pointers point into the Multiboot2
 * information block, which the frame allocator keeps reserved. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_MMAP    256	/* memory map entries kept */
#define BOOT_MAX_MODULES 64	/* module2 lines kept */

/* Memory map entry types, Multiboot2 spec 3.6.8 (same numbers as E820). */
#define BOOT_MEM_AVAILABLE 1
#define BOOT_MEM_RESERVED  2
#define BOOT_MEM_ACPI      3	/* ACPI reclaimable */
#define BOOT_MEM_NVS       4
#define BOOT_MEM_BAD       5

struct boot_mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	uint64_t start;		/* physical, inclusive */
	uint64_t end;		/* physical, exclusive */
	const char *cmdline;	/* never NULL; "" when absent */
};

struct boot_framebuffer {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;	/* type: 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
	uint64_t mbi_start, mbi_end;	/* the Multiboot2 information block itself */
	const char *cmdline;		/* hypervisor command line; never NULL */
	const char *loader;		/* boot loader name; never NULL */

	uint32_t nr_mmap;
	bool mmap_truncated;		/* more entries than BOOT_MAX_MMAP */
	struct boot_mem_range mmap[BOOT_MAX_MMAP];

	uint32_t nr_modules;
	bool modules_truncated;
	struct boot_module modules[BOOT_MAX_MODULES];

	bool has_basic_mem;
	uint32_t mem_lower_kb, mem_upper_kb;

	/* ACPI RSDP copy from the new (ACPI 2.0+) tag, else the old (1.0) tag. */
	const void *rsdp;
	uint32_t rsdp_len;
	uint8_t rsdp_tag;		/* 0 none, 14 old, 15 new */

	/* UEFI boot only. */
	uint64_t efi_system_table;	/* 0 when absent */
	uint8_t efi_bits;		/* 32 or 64 */
	const void *efi_mmap;		/* EFI_MEMORY_DESCRIPTORs */
	uint32_t efi_mmap_size, efi_desc_size, efi_desc_version;
	bool efi_boot_services;		/* tag 18: boot services not exited */

	bool has_framebuffer;
	struct boot_framebuffer fb;
};
