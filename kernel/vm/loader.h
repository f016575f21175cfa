/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest image loaders and guest boot information. Pure: host-tested and
 * fuzzed. loader_plan() reads an image (Multiboot v1 or v2 ELF or a.out
 * kludge, or a flat binary) and says what goes where in guest RAM; the VM
 * builder copies the bytes, zeroes the rest of each segment and sets the
 * registers. mb1_build_info()/mb2_build_info() write the boot information a
 * Multiboot guest finds in EBX. docs/vms.md describes the whole contract. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/vm/vmopts.h"

#define MB1_HEADER_MAGIC   0x1BADB002u	/* Multiboot 0.6.96, 3.1.2 */
#define MB1_SEARCH_LEN     8192		/* 3.1.1: header within the first 8 KiB, 4-aligned */
#define MB2_HEADER_MAGIC   0xE85250D6u	/* Multiboot2 2.0, 3.1.2 */
#define MB2_SEARCH_LEN     32768	/* 3.1.1: header within the first 32 KiB, 8-aligned */
#define LOADER_MB1_EAX     0x2BADB002u	/* EAX at a Multiboot guest's entry, 0.6.96 3.2 */
#define LOADER_MB2_EAX     0x36D76289u	/* EAX at a Multiboot2 guest's entry, 2.0 3.3 */
#define LOADER_MAX_SEGMENTS 16
#define LOADER_NAME        "svmvisor"	/* boot loader name given to guests */

/* The guest physical memory map every guest gets (docs/vms.md):
 * [0, 640K) available, [640K, 1M) reserved, [1M, mem) available. Multiboot
 * images may not load into the reserved hole; flat images may. */
#define GUEST_LOW_END      0xA0000ull	/* 640 KiB: end of conventional memory */
#define GUEST_HIGH_BASE    0x100000ull	/* 1 MiB */
#define GUEST_MEM_AVAILABLE 1		/* E820 / Multiboot memory types */
#define GUEST_MEM_RESERVED  2

struct guest_mem_range {
	uint64_t base, len;
	uint32_t type;		/* GUEST_MEM_* */
};

/* Writes the map for a guest of guest_mem bytes into out; returns the
 * number of ranges (3, or 2 when guest_mem is exactly 1 MiB), 0 when
 * guest_mem is below 1 MiB. */
unsigned loader_guest_memmap(uint64_t guest_mem, struct guest_mem_range out[3]);

/* The map with the VM builder's own ranges laid over it (the ACPI tables,
 * the long-mode area, ...), as the Linux zero page's e820 table
 * (kernel/vm/bzimage.c) and the PVH start info's memory map
 * (kernel/vm/pvh.c) give it. loader_memmap_check() says whether the extra
 * ranges can be laid over: each non-empty and not wrapping, of a type other
 * than 0 and GUEST_MEM_AVAILABLE, pairwise disjoint (touching is fine);
 * extra may be NULL when nr is 0. Each caller words its own message. */
enum memmap_fault {
	MEMMAP_OK,
	MEMMAP_NULL,		/* nr > 0 and extra NULL */
	MEMMAP_EMPTY,		/* a range of length 0, or one that wraps past 2^64 */
	MEMMAP_TYPE,		/* a range of type 0 or GUEST_MEM_AVAILABLE */
	MEMMAP_OVERLAP,		/* two ranges overlap */
	MEMMAP_FAULTS
};
enum memmap_fault loader_memmap_check(const struct guest_mem_range *extra, unsigned nr);

/* The overlaid map, one range per call in address order: each extra range
 * (checked by loader_memmap_check) cut out of whatever it overlaps and
 * present whole with its own type (it may lie past guest_mem), the rest of
 * loader_guest_memmap(guest_mem) as it was. Neighbours of one type are not
 * merged. Start with *at = 0 and pass back what the call leaves there: each
 * call writes the next range to *out and returns true, or returns false
 * after the last. At most 3 + 2 * nr ranges in all. */
bool loader_memmap_next(uint64_t guest_mem, const struct guest_mem_range *extra, unsigned nr,
			uint64_t *at, struct guest_mem_range *out);

/* Copy file_size bytes from file_off to gpa, then zero up to mem_size. */
struct load_segment {
	uint64_t file_off, file_size;
	uint64_t gpa, mem_size;		/* mem_size > 0 and >= file_size */
};

struct load_plan {
	enum vm_kind kind;		/* resolved: never VM_KIND_AUTO */
	enum vm_mode mode;		/* prot32 for Multiboot, else the flat mode= */
	uint64_t entry;			/* GPA of the first instruction, inside a segment */
	uint32_t boot_eax;		/* LOADER_MB1_EAX, LOADER_MB2_EAX, or 0 (flat) */
	unsigned nr_segments;
	struct load_segment seg[LOADER_MAX_SEGMENTS];	/* non-overlapping */
	uint64_t image_end;		/* first byte after the highest segment */
	bool align_modules;		/* MB1 flags bit 0 / MB2 module alignment tag: 4K-align modules */
	bool mb1_wants_meminfo;		/* MB1 flags bit 1 (given anyway) */
	bool mb1_wants_video;		/* MB1 flags bit 2 (accepted, not given; QEMU does the same) */
	uint32_t mb2_requested;		/* MB2 information request: bit n = tag type n asked for */
};

/* The loaders' verdict: 0 when what is NULL, else -1 with *err = what
 * (err may be NULL). */
static inline int loader_verdict(const char *what, const char **err)
{
	if (what && err)
		*err = what;
	return what ? -1 : 0;
}

/* Plans loading the image img[0..len) for the VM o (reads kind, mem and,
 * for kind=flat, load, entry and mode). Returns 0 and fills p, or -1 with a
 * constant message in *err (p is then unspecified). */
int loader_plan(const uint8_t *img, size_t len, const struct vm_opts *o,
		struct load_plan *p, const char **err);

/* A module handed to a Multiboot guest, already copied into guest RAM. */
struct guest_module {
	uint64_t start, end;		/* GPAs, end exclusive; both at most 4 GiB */
	const char *cmdline;		/* NULL means "" */
};

/* Multiboot 0.6.96, 3.3: the information block. Only the fields up to
 * boot_loader_name are filled; the rest stay zero. */
struct mb1_info {
	uint32_t flags;			/* 0x00: MB1_INFO_* */
	uint32_t mem_lower;		/* 0x04: KiB from 0 */
	uint32_t mem_upper;		/* 0x08: KiB from 1 MiB */
	uint32_t boot_device;		/* 0x0c */
	uint32_t cmdline;		/* 0x10: GPA of a C string */
	uint32_t mods_count;		/* 0x14 */
	uint32_t mods_addr;		/* 0x18: GPA of struct mb1_module[] */
	uint32_t syms[4];		/* 0x1c */
	uint32_t mmap_length;		/* 0x2c: bytes */
	uint32_t mmap_addr;		/* 0x30: GPA of struct mb1_mmap_entry[] */
	uint32_t drives_length;		/* 0x34 */
	uint32_t drives_addr;		/* 0x38 */
	uint32_t config_table;		/* 0x3c */
	uint32_t boot_loader_name;	/* 0x40: GPA of a C string */
	uint32_t apm_table;		/* 0x44 */
	uint32_t vbe_control_info;	/* 0x48 */
	uint32_t vbe_mode_info;		/* 0x4c */
	uint16_t vbe_mode;		/* 0x50 */
	uint16_t vbe_interface_seg;	/* 0x52 */
	uint16_t vbe_interface_off;	/* 0x54 */
	uint16_t vbe_interface_len;	/* 0x56 */
	uint64_t framebuffer_addr;	/* 0x58 */
	uint32_t framebuffer_pitch;	/* 0x60 */
	uint32_t framebuffer_width;	/* 0x64 */
	uint32_t framebuffer_height;	/* 0x68 */
	uint8_t framebuffer_bpp;	/* 0x6c */
	uint8_t framebuffer_type;	/* 0x6d */
	uint8_t color_info[6];		/* 0x6e */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_info) == 116, "Multiboot 0.6.96, 3.3");
_Static_assert(__builtin_offsetof(struct mb1_info, mmap_addr) == 0x30, "Multiboot 0.6.96, 3.3");
_Static_assert(__builtin_offsetof(struct mb1_info, boot_loader_name) == 0x40, "Multiboot 0.6.96, 3.3");

#define MB1_INFO_MEMORY      (1u << 0)	/* mem_lower, mem_upper */
#define MB1_INFO_CMDLINE     (1u << 2)
#define MB1_INFO_MODS        (1u << 3)
#define MB1_INFO_MEM_MAP     (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

/* Multiboot 0.6.96, 3.3: one module. */
struct mb1_module {
	uint32_t mod_start;		/* 0x00: GPA, inclusive */
	uint32_t mod_end;		/* 0x04: GPA, exclusive */
	uint32_t string;		/* 0x08: GPA of a C string */
	uint32_t reserved;		/* 0x0c: 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_module) == 16, "Multiboot 0.6.96, 3.3");

/* Multiboot 0.6.96, 3.3: one memory map entry; size does not count itself,
 * so the next entry is at (this + size + 4). mmap_addr points at size. */
struct mb1_mmap_entry {
	uint32_t size;			/* 0x00: 20 */
	uint64_t base_addr;		/* 0x04 */
	uint64_t length;		/* 0x0c */
	uint32_t type;			/* 0x14: GUEST_MEM_* */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot 0.6.96, 3.3");

/* Build a guest's boot information into buf, a host view of guest RAM
 * starting at buf_gpa (8-aligned), cap bytes long: the information block
 * at buf_gpa (*info_gpa, the guest's EBX), then the memory map, module list
 * and strings, all pointing into the same region. The region must lie in
 * guest RAM below 4 GiB and outside [640K, 1M); modules must lie in guest
 * RAM below 4 GiB with start <= end. Returns the bytes used, or 0 when cap
 * is too small or an argument breaks these rules. Not checked: overlap of
 * the region with the image or the modules (the VM builder places them).
 * MB1: Multiboot 0.6.96 3.3 with flags MEMORY, CMDLINE, MEM_MAP,
 * LOADER_NAME, and MODS when nr_mods > 0.
 * MB2: Multiboot2 2.0 3.6: tags cmdline, boot loader name, basic meminfo,
 * memory map, one module tag per module, end. */
size_t mb1_build_info(uint8_t *buf, size_t cap, uint32_t buf_gpa, uint64_t guest_mem,
		      const char *cmdline, const struct guest_module *mods, unsigned nr_mods,
		      uint32_t *info_gpa);
size_t mb2_build_info(uint8_t *buf, size_t cap, uint32_t buf_gpa, uint64_t guest_mem,
		      const char *cmdline, const struct guest_module *mods, unsigned nr_mods,
		      uint32_t *info_gpa);

/* ---- ELF files, shared with kernel/vm/pvh.c: System V gABI 4.1, chapter
 * 4 "ELF Header" and chapter 5 "Program Header"; the x86-64 psABI for
 * ELFCLASS64. ---- */

#define PT_LOAD 1		/* gABI 4.1 ch. 5: p_type values */
#define PT_NOTE 4

/* An ELF header of either class, widened. */
struct elf_file {
	bool is64;			/* ELFCLASS64 (EM_X86_64), else ELFCLASS32 (EM_386) */
	uint16_t type;			/* e_type: ET_EXEC or ET_DYN */
	uint64_t entry;			/* e_entry */
	uint64_t phoff, shoff;		/* e_phoff, e_shoff */
	uint16_t phentsize, phnum;	/* e_phentsize, e_phnum */
	uint16_t shentsize, shnum;	/* e_shentsize, e_shnum */
};

/* One program header of either class, widened. */
struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Why loader_elf_open() refused a file; each caller words its own message. */
enum elf_fault {
	ELF_OK,
	ELF_NOT_ELF,		/* no 0x7f 'E' 'L' 'F' */
	ELF_TRUNCATED,		/* shorter than its class's header */
	ELF_NOT_LSB,		/* EI_DATA not ELFDATA2LSB */
	ELF_NOT_V1,		/* EI_VERSION not EV_CURRENT */
	ELF_BAD_CLASS,		/* EI_CLASS neither ELFCLASS32 nor ELFCLASS64 */
	ELF_NOT_I386,		/* ELFCLASS32 and e_machine not EM_386 */
	ELF_NOT_X86_64,		/* ELFCLASS64 and e_machine not EM_X86_64 */
	ELF_NOT_EXEC,		/* e_type neither ET_EXEC nor ET_DYN */
	ELF_PHENTSIZE,		/* e_phentsize smaller than the class's program header */
	ELF_NO_PHDRS,		/* e_phnum 0 */
	ELF_PHDRS_PAST_END,	/* the program header table runs past the file */
	ELF_FAULTS
};

/* Reads img[0..len) (NULL: refused) as a little-endian ELF executable for
 * x86 and fills *f. ELF_OK means every program header lies inside the file,
 * so loader_elf_phdr() may read any i < f->phnum; nothing else is checked
 * (the section header fields are copied as they are). */
enum elf_fault loader_elf_open(const uint8_t *img, size_t len, struct elf_file *f);
void loader_elf_phdr(const uint8_t *img, const struct elf_file *f, unsigned i,
		     struct elf_phdr *ph);

/* ---- mode=long flat guests: the long-mode start area ----
 *
 * A kind=flat mode=long guest starts in 64-bit mode on tables the
 * hypervisor writes into the top of its RAM (docs/vms.md, "How a
 * `mode=long` flat guest starts", which also gives every register). The
 * area is [mem - loader_long_area_size(mem), mem), in 4 KiB pages:
 *   +0x0000  PML4: entry 0 -> PDPT, the rest not present
 *   +0x1000  PDPT: entry i -> PD i for each started GiB of RAM, the rest not present
 *   +0x2000  GDT: null, 0x08 64-bit code, 0x10 data (24 bytes; the page is zero after)
 *   +0x3000  PD 0, PD 1, ...: 2 MiB pages, GPA == VA, up to mem rounded up
 *            to 2 MiB; entries past that not present
 * loader_plan() keeps mode=long images out of this range. The guest may
 * reuse it once it runs on its own tables and GDT. */
#define LONG_AREA_PML4     0x0000u	/* offsets in the area */
#define LONG_AREA_PDPT     0x1000u
#define LONG_AREA_GDT      0x2000u
#define LONG_AREA_PD       0x3000u
#define LONG_MAP_MAX       (512ull << 30)	/* one PDPT of 1 GiB entries */
#define LONG_SEL_CODE      0x08		/* CS at the entry */
#define LONG_SEL_DATA      0x10		/* DS, ES, SS, FS, GS at the entry */
/* APM Vol.2 4.8.1, 4.8.2: the area's descriptors, base 0, limit 0xfffff
 * (ignored in 64-bit mode), accessed set so the CPU never writes them. */
#define LONG_GDT_CODE64    0x00af9b000000ffffull	/* G, L (D clear), P, DPL 0, S, execute/read */
#define LONG_GDT_DATA      0x00cf93000000ffffull	/* G, B, P, DPL 0, S, read/write */

/* What the vCPU needs to start on the area (all GPAs). */
struct long_start {
	uint64_t area_gpa, area_len;	/* the area, 4 KiB-aligned and sized */
	uint64_t cr3;			/* GPA of the PML4 (area_gpa + LONG_AREA_PML4) */
	uint64_t gdt_base;		/* GDTR.base (area_gpa + LONG_AREA_GDT) */
	uint16_t gdt_limit;		/* GDTR.limit: 3 * 8 - 1 */
	uint16_t cs, ds;		/* LONG_SEL_CODE, LONG_SEL_DATA */
};

/* The area's size for a guest of guest_mem bytes: 4 KiB * (3 + one PD per
 * started GiB), a multiple of 4096 (16 KiB for 1 MiB to 1 GiB, 268 KiB for
 * 64 GiB). */
uint64_t loader_long_area_size(uint64_t guest_mem);

/* Writes the area into buf, the host view of guest RAM from buf_gpa (cap
 * bytes, zeroed first), and fills *out. The VM builder passes buf_gpa =
 * mem - loader_long_area_size(mem), the range loader_plan() kept free.
 * Returns the bytes used (the area's size), or 0 when cap is too small,
 * buf_gpa is not 4 KiB-aligned, the area does not lie inside guest RAM,
 * guest_mem is above LONG_MAP_MAX, or buf or out is NULL. */
size_t loader_build_long_start(uint8_t *buf, size_t cap, uint64_t buf_gpa, uint64_t guest_mem,
			       struct long_start *out);
