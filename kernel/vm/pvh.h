/* SPDX-License-Identifier: BSD-2-Clause */
/* PVH guests: ELF kernels (Linux's uncompressed vmlinux, among others)
 * entered at their XEN_ELFNOTE_PHYS32_ENTRY in 32-bit protected mode with
 * EBX = the GPA of a struct hvm_start_info. Pure: host-tested and fuzzed,
 * like kernel/vm/loader.c. pvh_plan() finds the entry note and plans the
 * PT_LOAD segments; pvh_initrd_gpa() places an initrd;
 * pvh_build_start_info() writes the start info with its module list,
 * memory map and command line. The VM builder copies each segment's file
 * bytes to its GPA (the rest of the segment stays zero), and starts the
 * vCPU as "The starting state" below says.
 *
 * References:
 * - Xen docs/misc/pvh.pandoc, "x86/HVM direct boot ABI": the note, and the
 *   machine state at the entry.
 * - Xen xen/include/public/arch-x86/hvm/start_info.h: struct
 *   hvm_start_info (version 1), hvm_modlist_entry, hvm_memmap_table_entry,
 *   XEN_HVM_MEMMAP_TYPE_*.
 * - Xen xen/include/public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY (18), in
 *   notes named "Xen".
 * - System V gABI 4.1: ch. 4 "Sections" (Elf32_Shdr, Elf64_Shdr,
 *   SHT_NOTE), ch. 5 "Program Header" (PT_LOAD, PT_NOTE) and "Note
 *   Section" (namesz, descsz, type, then the padded name and descriptor).
 * - Linux arch/x86/platform/pvh/head.S (pvh_start_xen: copies the start
 *   info, loads its own GDT, DS, ES, SS and stack) and enlighten.c
 *   (init_pvh_bootparams: how the start info's fields are read).
 * - Xen's libelf (libelf-dominfo.c, elf_xen_parse) and QEMU
 *   hw/i386/x86-common.c (read_pvh_start_addr) for the choices marked
 *   "as Xen" and "as QEMU".
 *
 * Choices where the documents leave room, or where this deviates:
 * - The file: a little-endian ELF32 (EM_386) or ELF64 (EM_X86_64),
 *   ET_EXEC or ET_DYN, with its program headers inside the file: the
 *   checks of loader_elf_open(), shared with the Multiboot ELF loader.
 *   ELF32 is taken as QEMU takes it: the note, not the class, says how the
 *   kernel starts.
 * - The note is looked for in every PT_NOTE segment (p_offset, p_filesz),
 *   in program header order; the SHT_NOTE sections (from index 1) are read
 *   only when no PT_NOTE segment holds it (Xen falls back to them when the
 *   segments hold no "Xen" note at all; Linux's vmlinux has its notes in a
 *   PT_NOTE). A segment or section not inside the file, or a section
 *   header table that is not (or whose e_shentsize is too small), is
 *   skipped; a note running past the end of its segment or section ends
 *   the walk through that one. The first matching note wins.
 * - A matching note has namesz 4, the name "Xen" with its NUL, and type 18.
 *   Name and descriptor are padded, from the note's start, to 8 bytes in an
 *   ELF64 whose segment (p_align) or section (sh_addralign) is aligned to
 *   more than 4, else to 4: GNU readelf's rule (proposed for Xen's libelf
 *   in 2025, which padded to 4 only). Linux's ELFNOTE macro pads to 4 in a
 *   PT_NOTE aligned to 4. (QEMU pads the name to p_align: the same result
 *   for every such kernel.)
 * - At most PVH_MAX_NOTES notes are looked at in the whole file, so a file
 *   of many empty notes, or many PT_NOTE headers over the same bytes,
 *   cannot keep the builder busy (Xen caps the count too).
 * - The descriptor is 4 bytes (Xen's ".long") or 8 (Linux's _ASM_PTR on
 *   x86-64); the entry is its low 32 bits, little-endian (as QEMU; Xen's
 *   phys_entry is 32-bit too). Other sizes are refused.
 * - XEN_ELFNOTE_PHYS32_RELOC (19) is not honoured: every segment goes to
 *   its p_paddr, which a relocatable kernel accepts too. p_vaddr and
 *   e_entry are not used.
 * - Segments: PT_LOAD with p_memsz 0 are skipped. Each must have p_filesz
 *   <= p_memsz, its file bytes inside the file, and [p_paddr, p_paddr +
 *   p_memsz) inside guest RAM, at or above 1 MiB (below belongs to the VM
 *   builder: its tables, the start info, the ACPI tables) and ending at or
 *   below 4 GiB (the kernel starts with paging off, and the builder puts
 *   the initrd and the boot data above image_end and below 4 GiB);
 *   segments may not overlap; at most PVH_MAX_SEGMENTS.
 * - The entry must lie in the file bytes of a planned segment (an entry in
 *   zero-filled memory would run zeros).
 * - The start info: version 1, flags 0 (the SIF_* flags describe Xen
 *   domains), reserved 0, at buf_gpa; then the module list (one module,
 *   the initrd, when initrd_size is not 0, with cmdline_paddr 0), then the
 *   memory map, then the command line (when cmdline is not NULL; no limit
 *   but cap: Linux keeps COMMAND_LINE_SIZE - 1 = 2047 bytes of it), each
 *   8-aligned. Absent parts have address 0 ("a 0 value in any of the
 *   address fields should be treated as not present"). rsdp_paddr is
 *   written as given.
 * - The memory map is loader_memmap_next()'s: loader_guest_memmap(guest_mem)
 *   with the extra reserved ranges laid over it, the map the Linux zero
 *   page's e820 table gets (kernel/vm/bzimage.c). At most PVH_MEMMAP_MAX
 *   (126) entries, so at most PVH_MAX_EXTRA (61) extra ranges: Linux 6.1's
 *   init_pvh_bootparams() copies memmap_entries entries into the 128 of
 *   boot_params.e820_table without a bound, then adds the ISA range
 *   [640K, 1M) when fewer than 127 are used.
 * - Below 4 GiB: the start info area, and the initrd (Linux reads
 *   cmdline_paddr and the module's paddr into the 32-bit cmd_line_ptr and
 *   ramdisk_image; Xen "will always try to place all the data below the
 *   4GiB boundary"). The start info area must lie in guest RAM outside
 *   [640K, 1M); the initrd in guest RAM, not at GPA 0 (which reads as "not
 *   present") and not over the start info area. Not checked: overlap with
 *   the kernel's segments or the extra ranges (the VM builder places them;
 *   pvh_initrd_gpa() keeps the initrd above image_end).
 * - Error messages are constant strings beginning "PVH: ".
 *
 * The starting state (pvh.pandoc; the VM builder sets it, see
 * svm/vmcb_init.h's VM_MODE_PROT32):
 * - EIP = plan.entry; EBX = the start info's GPA (*start_info_gpa).
 * - CR0: "bit 0 (PE) must be set. All the other writeable bits are
 *   cleared" (PG clear: paging off; ET reads as 1 on every x86-64 CPU).
 *   CR4: "all bits are cleared". EFER.LME clear: 32-bit mode (the kernel
 *   turns long mode on itself).
 * - CS: "a 32-bit read/execute code segment with a base of '0' and a limit
 *   of '0xFFFFFFFF'. The selector value is unspecified."
 * - DS, ES: "a 32-bit read/write data segment with a base of '0' and a
 *   limit of '0xFFFFFFFF'". SS, FS and GS are unspecified: give them the
 *   same flat data segment (Linux loads DS, ES and SS itself at once).
 * - TR: "a 32-bit TSS (active) with a base of '0' and a limit of '0x67'"
 *   (type 11, busy).
 * - EFLAGS: "bit 17 (VM) must be cleared. Bit 9 (IF) must be cleared. Bit
 *   8 (TF) must be cleared." Use 0x2 (only the fixed bit 1).
 * - "All other processor registers and flag bits are unspecified. The OS
 *   is in charge of setting up it's own stack, GDT and IDT." GDTR and
 *   IDTR need not point at anything: the kernel loads its own GDT first
 *   and takes no interrupt (IF clear) before its own IDT. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/vm/loader.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18		/* elfnote.h: physical 32-bit entry */
#define XEN_ELFNOTE_NAME "Xen"			/* the note's name, namesz 4 with the NUL */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u	/* "xEn3" with the 0x80 bit of the "E" set */
#define XEN_HVM_START_VERSION 1			/* start_info.h: memmap_paddr/memmap_entries */
#define XEN_HVM_MEMMAP_TYPE_RAM      1		/* start_info.h: the ACPI address range types */
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI     3
#define XEN_HVM_MEMMAP_TYPE_NVS      4
_Static_assert(XEN_HVM_MEMMAP_TYPE_RAM == GUEST_MEM_AVAILABLE &&
	       XEN_HVM_MEMMAP_TYPE_RESERVED == GUEST_MEM_RESERVED,
	       "start_info.h: the memory map's types are the E820 ones loader.h uses");

#define PVH_MAX_SEGMENTS LOADER_MAX_SEGMENTS	/* PT_LOAD segments with p_memsz > 0 */
#define PVH_MAX_NOTES    4096		/* notes looked at in one file */
#define PVH_MEMMAP_MAX   126		/* Linux's e820_table (128) less its ISA entry, less one */
#define PVH_MAX_EXTRA    ((PVH_MEMMAP_MAX - 3) / 2)	/* each extra range adds at most two */
_Static_assert(PVH_MAX_SEGMENTS == 16, "the message says 16");
_Static_assert(3 + 2 * PVH_MAX_EXTRA <= PVH_MEMMAP_MAX, "loader_memmap_next's bound");

/* start_info.h: the start of day structure, version 1 (offsets from its
 * ASCII diagram). */
struct hvm_start_info {
	uint32_t magic;			/* 0x00: XEN_HVM_START_MAGIC_VALUE */
	uint32_t version;		/* 0x04: XEN_HVM_START_VERSION */
	uint32_t flags;			/* 0x08: SIF_* (0) */
	uint32_t nr_modules;		/* 0x0c */
	uint64_t modlist_paddr;		/* 0x10: struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr;		/* 0x18: NUL-terminated */
	uint64_t rsdp_paddr;		/* 0x20: the ACPI RSDP */
	uint64_t memmap_paddr;		/* 0x28: version 1+, struct hvm_memmap_table_entry[] */
	uint32_t memmap_entries;	/* 0x30: version 1+ */
	uint32_t reserved;		/* 0x34: version 1+, must be 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_start_info) == 56, "start_info.h: 56 bytes in version 1");
_Static_assert(__builtin_offsetof(struct hvm_start_info, nr_modules) == 12, "start_info.h");
_Static_assert(__builtin_offsetof(struct hvm_start_info, modlist_paddr) == 16, "start_info.h");
_Static_assert(__builtin_offsetof(struct hvm_start_info, cmdline_paddr) == 24, "start_info.h");
_Static_assert(__builtin_offsetof(struct hvm_start_info, rsdp_paddr) == 32, "start_info.h");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_paddr) == 40, "start_info.h");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_entries) == 48, "start_info.h");
_Static_assert(__builtin_offsetof(struct hvm_start_info, reserved) == 52, "start_info.h");

/* start_info.h: one module. */
struct hvm_modlist_entry {
	uint64_t paddr;			/* 0x00 */
	uint64_t size;			/* 0x08: bytes */
	uint64_t cmdline_paddr;		/* 0x10: 0, none */
	uint64_t reserved;		/* 0x18 */
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "start_info.h: 32 bytes");

/* start_info.h: one memory map entry. */
struct hvm_memmap_table_entry {
	uint64_t addr;			/* 0x00 */
	uint64_t size;			/* 0x08 */
	uint32_t type;			/* 0x10: XEN_HVM_MEMMAP_TYPE_* */
	uint32_t reserved;		/* 0x14: must be 0 in version 1 */
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "start_info.h: 24 bytes");
_Static_assert(__builtin_offsetof(struct hvm_memmap_table_entry, type) == 16, "start_info.h");

struct pvh_plan {
	uint32_t entry;			/* EIP at the start: the note's value, inside the
					 * file bytes of a segment */
	bool is64;			/* ELFCLASS64 */
	bool note_in_section;		/* found in a SHT_NOTE section, not a PT_NOTE */
	unsigned nr_segments;
	struct load_segment seg[PVH_MAX_SEGMENTS];	/* program header order,
							 * non-overlapping, 1 MiB..4 GiB */
	uint64_t image_end;		/* first byte after the highest segment: the
					 * initrd and the builder's data go at or above it */
};

/* Whether img[0..len) is an ELF file (as loader_elf_open() takes it) with a
 * XEN_ELFNOTE_PHYS32_ENTRY note, found as pvh_plan() looks for it: kind=auto's
 * test for a PVH kernel. pvh_plan() then checks the rest. */
bool pvh_has_entry_note(const uint8_t *img, size_t len);

/* Checks img[0..len) as a PVH kernel for a VM with guest_mem bytes of RAM
 * and plans its load (the choices above). 0, or -1 with *err a sentence
 * naming what is wrong ("PVH: no XEN_ELFNOTE_PHYS32_ENTRY note", "PVH: a
 * PT_LOAD segment lies outside the VM's RAM", ...); p is then unspecified. */
int pvh_plan(const uint8_t *img, size_t len, uint64_t guest_mem, struct pvh_plan *p,
	     const char **err);

/* Where an initrd of size bytes goes: as high as it fits below `below` (the
 * lowest GPA something else occupies above the kernel; guest_mem when
 * nothing does) and 4 GiB, page-aligned, at or above image_end. 0 if it
 * does not fit (or size is 0). */
uint64_t pvh_initrd_gpa(const struct pvh_plan *p, uint64_t size, uint64_t below);

struct pvh_boot {
	uint64_t guest_mem;
	const char *cmdline;		/* copied into the buffer; NULL: none */
	uint64_t initrd_gpa, initrd_size;	/* the one module; size 0: none */
	uint64_t rsdp_gpa;		/* 0: none */
	const struct guest_mem_range *extra_reserved;	/* e.g. the ACPI tables' area */
	unsigned nr_extra_reserved;	/* at most PVH_MAX_EXTRA */
};

/* Writes the start info for b into buf, the host view of guest RAM from
 * buf_gpa (8-aligned), cap bytes long: struct hvm_start_info at buf_gpa,
 * then the module list, the memory map and the command line, all inside
 * the buffer and pointing into it. Sets *start_info_gpa (the guest's EBX)
 * and returns the bytes used; or returns 0 with *err (buf then untouched).
 * The checks are those of "Choices" above. */
size_t pvh_build_start_info(uint8_t *buf, size_t cap, uint64_t buf_gpa, const struct pvh_boot *b,
			    uint32_t *start_info_gpa, const char **err);
