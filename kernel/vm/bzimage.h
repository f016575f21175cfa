/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux bzImage guests through the x86 boot protocol's 64-bit entry. Pure:
 * host-tested and fuzzed, like kernel/vm/loader.c. bz_plan() reads the
 * image's setup header and says where the protected-mode kernel goes;
 * bz_initrd_gpa() places an initrd; bz_build_zero_page() writes struct
 * boot_params. The VM builder copies kernel_off..+kernel_size to load_gpa,
 * and starts the vCPU in long mode at entry64 with RSI = the zero page's
 * GPA, on identity-mapped tables covering the kernel, the zero page, the
 * command line and the initrd, with a __BOOT_CS/__BOOT_DS-style flat GDT
 * and interrupts off (all as "64-bit BOOT PROTOCOL" requires).
 *
 * References (Linux source tree):
 * - Documentation/arch/x86/boot.rst: "THE REAL-MODE KERNEL HEADER" (the
 *   field table with offsets), "DETAILS OF HEADER FIELDS" (setup_sects,
 *   loadflags, code32_start, initrd_addr_max, kernel_alignment,
 *   relocatable_kernel, cmdline_size, xloadflags, pref_address, init_size),
 *   "THE KERNEL COMMAND LINE", "64-bit BOOT PROTOCOL".
 * - Documentation/arch/x86/zero-page.rst: the struct boot_params offsets.
 * - QEMU hw/i386/x86.c x86_load_linux() for the choices marked "as QEMU".
 *
 * Choices where the documents leave room, or where this deviates:
 * - Only protocol 2.12+ images with XLF_KERNEL_64 and LOADED_HIGH are
 *   taken: the 64-bit entry is the only one used (no real-mode setup code
 *   runs, so nothing below 1 MiB is loaded from the file). boot_flag
 *   (0xAA55) is not checked: "HdrS" identifies the header (as QEMU).
 * - The protected-mode kernel is the rest of the file after the setup
 *   sectors (as QEMU and GRUB); syssize is not used.
 * - Load address: the kernel runs at pref_address whatever its load
 *   address ("DETAILS OF HEADER FIELDS", init_size: a relocatable kernel
 *   loaded below pref_address still decompresses to pref_address), so
 *   loading lower saves no memory. load_gpa is pref_address, rounded up to
 *   kernel_alignment for a relocatable kernel; a non-relocatable kernel
 *   must have an aligned pref_address. Relocatable kernels with a
 *   pref_address below 1 MiB load at the first aligned address at or above
 *   1 MiB; non-relocatable ones are refused.
 * - initrd_max: initrd_addr_max, or 4 GiB - 1 when the kernel sets
 *   XLF_CAN_BE_LOADED_ABOVE_4G (as QEMU: Linux takes initrds up to 4 GiB
 *   but advertises 2 GiB to dodge old loader bugs; staying below 4 GiB
 *   keeps ramdisk_image meaningful to any reader that ignores the ext_
 *   half). The ext_ halves are still written.
 * - The setup header is copied into the zero page from 0x1f1 up to 0x202 +
 *   the byte at 0x201 ("64-bit BOOT PROTOCOL"), capped at 0x290 (where
 *   struct boot_params' hdr space ends, zero-page.rst: edd_mbr_sig_buffer)
 *   and at the end of the file.
 * - loadflags: CAN_USE_HEAP is cleared and heap_end_ptr left as in the
 *   file: the heap is for the real-mode setup code, which the 64-bit entry
 *   skips. KEEP_SEGMENTS, QUIET_FLAG and KASLR_FLAG are left as in the file.
 * - code32_start is set to load_gpa when that is below 4 GiB (0 above):
 *   the 64-bit entry does not read it, but it is then true to the load.
 * - setup_data is cleared: we pass no setup_data list, and a pointer left
 *   in the file would send the kernel into arbitrary guest memory.
 * - cmdline_gpa 0 means no command line (cmd_line_ptr 0, which Linux reads
 *   as none). The command line, the initrd and the kernel must lie in guest
 *   RAM; the command line and the initrd may lie above 4 GiB only with
 *   XLF_CAN_BE_LOADED_ABOVE_4G. The initrd may not overlap
 *   [load_gpa, load_gpa + init_size). rsdp_gpa is written as given.
 * - E820: loader_guest_memmap()'s ranges, with each extra_reserved range
 *   cut out of whatever it overlaps and inserted with its own type (any
 *   type but 0 and GUEST_MEM_AVAILABLE; it may lie past guest_mem). Extra
 *   ranges that overlap each other, are empty or wrap are refused; so is a
 *   table of more than BZ_E820_MAX entries. Neighbours of one type are not
 *   merged. (loader_memmap_next() in kernel/vm/loader.c builds it: PVH
 *   guests get the same map.)
 * - Error messages are constant strings (no formatting in a pure module);
 *   the protocol version in the "older than 2.12" message comes from a
 *   table of the versions 2.00-2.11. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/vm/loader.h"

#define BZ_SETUP_HEADER_OFF 0x1f1
#define BZ_HDRS_MAGIC 0x53726448u	/* "HdrS" at 0x202 */
#define BZ_MIN_PROTOCOL 0x020c		/* 2.12: xloadflags, 64-bit entry */
#define BZ_ZERO_PAGE_SIZE 4096

/* boot.rst "DETAILS OF HEADER FIELDS" */
#define BZ_SECTOR_SIZE       512
#define BZ_DEFAULT_SETUP_SECTS 4	/* setup_sects: 0 means 4 */
#define BZ_ENTRY64_OFF       0x200	/* "64-bit BOOT PROTOCOL": load address + 0x200 */
#define BZ_LOADER_UNDEFINED  0xff	/* type_of_loader: "0xFF: undefined" */
#define BZ_LF_LOADED_HIGH    (1u << 0)	/* loadflags: protected-mode code at 0x100000 */
#define BZ_LF_KASLR_FLAG     (1u << 1)
#define BZ_LF_QUIET_FLAG     (1u << 5)
#define BZ_LF_KEEP_SEGMENTS  (1u << 6)
#define BZ_LF_CAN_USE_HEAP   (1u << 7)	/* heap_end_ptr is valid */
#define BZ_XLF_KERNEL_64     (1u << 0)	/* xloadflags: 64-bit entry at +0x200 */
#define BZ_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define BZ_XLF_EFI_HANDOVER_32 (1u << 2)
#define BZ_XLF_EFI_HANDOVER_64 (1u << 3)
#define BZ_XLF_EFI_KEXEC     (1u << 4)

/* zero-page.rst: offsets in struct boot_params */
#define BZ_ZP_ACPI_RSDP_ADDR     0x070	/* 8 bytes, protocol 2.14+ */
#define BZ_ZP_EXT_RAMDISK_IMAGE  0x0c0	/* high 32 bits of ramdisk_image */
#define BZ_ZP_EXT_RAMDISK_SIZE   0x0c4
#define BZ_ZP_EXT_CMD_LINE_PTR   0x0c8
#define BZ_ZP_E820_ENTRIES       0x1e8	/* 1 byte */
#define BZ_ZP_SENTINEL           0x1ef	/* must be 0: we zero the page */
#define BZ_ZP_HDR                BZ_SETUP_HEADER_OFF
#define BZ_ZP_HDR_SPACE_END      0x290	/* edd_mbr_sig_buffer: end of hdr's room */
#define BZ_ZP_E820_TABLE         0x2d0	/* E820_MAX_ENTRIES_ZEROPAGE entries */
#define BZ_E820_MAX              128

/* boot.rst "THE REAL-MODE KERNEL HEADER"; offsets in the comments are in
 * the file (and in struct boot_params), i.e. 0x1f1 + offsetof. */
struct bz_setup_header {
	uint8_t setup_sects;		/* 0x1f1 */
	uint16_t root_flags;		/* 0x1f2 */
	uint32_t syssize;		/* 0x1f4 */
	uint16_t ram_size;		/* 0x1f8: obsolete */
	uint16_t vid_mode;		/* 0x1fa */
	uint16_t root_dev;		/* 0x1fc */
	uint16_t boot_flag;		/* 0x1fe: 0xAA55 */
	uint16_t jump;			/* 0x200: jmp short; byte 1: header end - 0x202 */
	uint32_t header;		/* 0x202: BZ_HDRS_MAGIC, 2.00+ */
	uint16_t version;		/* 0x206 */
	uint32_t realmode_swtch;	/* 0x208 */
	uint16_t start_sys_seg;		/* 0x20c: obsolete */
	uint16_t kernel_version;	/* 0x20e */
	uint8_t type_of_loader;		/* 0x210 */
	uint8_t loadflags;		/* 0x211: BZ_LF_* */
	uint16_t setup_move_size;	/* 0x212 */
	uint32_t code32_start;		/* 0x214 */
	uint32_t ramdisk_image;		/* 0x218 */
	uint32_t ramdisk_size;		/* 0x21c */
	uint32_t bootsect_kludge;	/* 0x220: obsolete */
	uint16_t heap_end_ptr;		/* 0x224: 2.01+ */
	uint8_t ext_loader_ver;		/* 0x226: 2.02+ */
	uint8_t ext_loader_type;	/* 0x227: 2.02+ */
	uint32_t cmd_line_ptr;		/* 0x228: 2.02+ */
	uint32_t initrd_addr_max;	/* 0x22c: 2.03+, highest byte address */
	uint32_t kernel_alignment;	/* 0x230: 2.05+ */
	uint8_t relocatable_kernel;	/* 0x234: 2.05+ */
	uint8_t min_alignment;		/* 0x235: 2.10+, log2 */
	uint16_t xloadflags;		/* 0x236: 2.12+, BZ_XLF_* */
	uint32_t cmdline_size;		/* 0x238: 2.06+, without the NUL */
	uint32_t hardware_subarch;	/* 0x23c: 2.07+ */
	uint64_t hardware_subarch_data;	/* 0x240: 2.07+ */
	uint32_t payload_offset;	/* 0x248: 2.08+ */
	uint32_t payload_length;	/* 0x24c: 2.08+ */
	uint64_t setup_data;		/* 0x250: 2.09+ */
	uint64_t pref_address;		/* 0x258: 2.10+ */
	uint32_t init_size;		/* 0x260: 2.10+ */
	uint32_t handover_offset;	/* 0x264: 2.11+ */
	uint32_t kernel_info_offset;	/* 0x268: 2.15+ */
} __attribute__((packed));

#define BZ_HDR_AT(f) (BZ_SETUP_HEADER_OFF + __builtin_offsetof(struct bz_setup_header, f))
_Static_assert(sizeof(struct bz_setup_header) == 0x26c - 0x1f1, "boot.rst: header, 0x1f1-0x26b");
_Static_assert(BZ_HDR_AT(setup_sects) == 0x1f1, "boot.rst: setup_sects");
_Static_assert(BZ_HDR_AT(syssize) == 0x1f4, "boot.rst: syssize");
_Static_assert(BZ_HDR_AT(boot_flag) == 0x1fe, "boot.rst: boot_flag");
_Static_assert(BZ_HDR_AT(jump) == 0x200, "boot.rst: jump");
_Static_assert(BZ_HDR_AT(header) == 0x202, "boot.rst: header");
_Static_assert(BZ_HDR_AT(version) == 0x206, "boot.rst: version");
_Static_assert(BZ_HDR_AT(type_of_loader) == 0x210, "boot.rst: type_of_loader");
_Static_assert(BZ_HDR_AT(loadflags) == 0x211, "boot.rst: loadflags");
_Static_assert(BZ_HDR_AT(code32_start) == 0x214, "boot.rst: code32_start");
_Static_assert(BZ_HDR_AT(ramdisk_image) == 0x218, "boot.rst: ramdisk_image");
_Static_assert(BZ_HDR_AT(ramdisk_size) == 0x21c, "boot.rst: ramdisk_size");
_Static_assert(BZ_HDR_AT(heap_end_ptr) == 0x224, "boot.rst: heap_end_ptr");
_Static_assert(BZ_HDR_AT(cmd_line_ptr) == 0x228, "boot.rst: cmd_line_ptr");
_Static_assert(BZ_HDR_AT(initrd_addr_max) == 0x22c, "boot.rst: initrd_addr_max");
_Static_assert(BZ_HDR_AT(kernel_alignment) == 0x230, "boot.rst: kernel_alignment");
_Static_assert(BZ_HDR_AT(relocatable_kernel) == 0x234, "boot.rst: relocatable_kernel");
_Static_assert(BZ_HDR_AT(xloadflags) == 0x236, "boot.rst: xloadflags");
_Static_assert(BZ_HDR_AT(cmdline_size) == 0x238, "boot.rst: cmdline_size");
_Static_assert(BZ_HDR_AT(setup_data) == 0x250, "boot.rst: setup_data");
_Static_assert(BZ_HDR_AT(pref_address) == 0x258, "boot.rst: pref_address");
_Static_assert(BZ_HDR_AT(init_size) == 0x260, "boot.rst: init_size");
_Static_assert(BZ_HDR_AT(handover_offset) == 0x264, "boot.rst: handover_offset");
_Static_assert(BZ_HDR_AT(kernel_info_offset) == 0x268, "boot.rst: kernel_info_offset");

/* zero-page.rst: e820_table entries (struct boot_e820_entry) */
struct bz_e820_entry {
	uint64_t addr, size;
	uint32_t type;			/* GUEST_MEM_* (E820 types) */
} __attribute__((packed));	/* 20 bytes */
_Static_assert(sizeof(struct bz_e820_entry) == 20, "zero-page.rst: boot_e820_entry");
_Static_assert(BZ_ZP_E820_TABLE + BZ_E820_MAX * sizeof(struct bz_e820_entry) == 0xcd0,
	       "zero-page.rst: e820_table is 0xa00 bytes");

struct bz_plan {
	uint16_t version;		/* protocol */
	uint64_t setup_size;		/* (setup_sects or 4 if 0, +1) * 512: file offset of
					 * the protected-mode kernel */
	uint64_t kernel_off, kernel_size;	/* the protected-mode kernel in the file */
	uint64_t load_gpa;		/* where it goes: pref_address if relocatable or not,
					 * checked against RAM; aligned to kernel_alignment */
	uint64_t init_size;		/* bytes from load_gpa the kernel needs (init_size,
					 * at least kernel_size) */
	uint64_t entry64;		/* load_gpa + 0x200: the 64-bit entry (boot.rst
					 * "64-bit BOOT PROTOCOL") */
	uint64_t initrd_max;		/* highest byte an initrd may end at: initrd_addr_max
					 * (or 4 GiB - 1 with XLF_CAN_BE_LOADED_ABOVE_4G),
					 * min RAM end */
	uint32_t cmdline_size;		/* max command line bytes, without the NUL
					 * (protocol >= 2.06, else 255) */
};

/* Whether img carries the boot protocol's "HdrS" at 0x202 (kind=auto's test
 * for a bzImage; bz_plan then checks the rest). */
bool bz_is_bzimage(const uint8_t *img, size_t len);

/* Checks img as a bzImage for a VM with guest_mem bytes of RAM: "HdrS", protocol >= 2.12,
 * XLF_KERNEL_64 (xloadflags bit 0), loadflags LOADED_HIGH, setup_sects within the file, the
 * kernel fitting below guest_mem with init_size from its load address (and above the low area:
 * not below 1 MiB), kernel_alignment a power of two. 0, or -1 with *err a sentence naming the
 * field ("bzImage: boot protocol 2.10 is older than 2.12 (no 64-bit entry)", ...). */
int bz_plan(const uint8_t *img, size_t len, uint64_t guest_mem, struct bz_plan *p,
	    const char **err);

/* Where an initrd of size bytes goes: as high as initrd_max allows, page-aligned, below `below`
 * (the lowest GPA something else occupies above the kernel, e.g. the top-of-RAM area; pass
 * guest_mem when none) and above the kernel's load_gpa + init_size. 0 if it does not fit
 * (or size is 0). */
uint64_t bz_initrd_gpa(const struct bz_plan *p, uint64_t size, uint64_t below);

struct bz_boot {
	uint64_t guest_mem;
	uint64_t cmdline_gpa;		/* where the caller put the command line
					 * (NUL-terminated); 0: none */
	uint64_t initrd_gpa, initrd_size;	/* 0, 0: none */
	uint64_t rsdp_gpa;		/* 0: none */
	const struct guest_mem_range *extra_reserved;	/* e.g. the ACPI tables' area */
	unsigned nr_extra_reserved;
};

/* Fills the zero page zp (BZ_ZERO_PAGE_SIZE bytes, zeroed first) for the image: the setup
 * header copied from the file as boot.rst says (from 0x1f1 up to 0x202 + the byte at 0x201,
 * i.e. the header's own length), then type_of_loader = 0xff, loadflags without CAN_USE_HEAP,
 * code32_start, cmd_line_ptr (+ ext_cmd_line_ptr), ramdisk_image/ramdisk_size (+ ext_ parts),
 * setup_data = 0, acpi_rsdp_addr, and the e820 table: the RAM of loader_guest_memmap(guest_mem)
 * plus extra_reserved, sorted, non-overlapping (RAM split around reserved ranges). p must come
 * from bz_plan() on the same image. Returns 0 or -1 with *err (zp then unspecified). */
int bz_build_zero_page(uint8_t *zp, const uint8_t *img, size_t len, const struct bz_plan *p,
		       const struct bz_boot *b, const char **err);
