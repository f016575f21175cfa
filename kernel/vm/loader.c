/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest image loaders and Multiboot boot information (docs/vms.md). Pure:
 * built into the kernel, the host unit test and two fuzzers.
 *
 * Every field of the image is untrusted. Each read is preceded by a check
 * that the bytes lie inside img[0..len); offsets and sizes are compared by
 * subtraction (size > len - off), never by addition, so no sum can wrap.
 * Fields are copied out with memcpy into packed structs: the image may sit
 * at any alignment. Every loop is bounded by a count read from the image
 * that has itself been checked against len, or by a fixed search window. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/vm/loader.h"

/* ---- ELF: System V gABI 4.1, chapter 4 "ELF Header" and chapter 5
 * "Program Header"; the x86-64 psABI for ELFCLASS64. ---- */

#define EI_MAG0     0
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define ET_DYN      3
#define EM_386      3
#define EM_X86_64   62

struct elf32_ehdr {
	uint8_t e_ident[16];	/* 0x00 */
	uint16_t e_type;	/* 0x10 */
	uint16_t e_machine;	/* 0x12 */
	uint32_t e_version;	/* 0x14 */
	uint32_t e_entry;	/* 0x18 */
	uint32_t e_phoff;	/* 0x1c */
	uint32_t e_shoff;	/* 0x20 */
	uint32_t e_flags;	/* 0x24 */
	uint16_t e_ehsize;	/* 0x28 */
	uint16_t e_phentsize;	/* 0x2a */
	uint16_t e_phnum;	/* 0x2c */
	uint16_t e_shentsize;	/* 0x2e */
	uint16_t e_shnum;	/* 0x30 */
	uint16_t e_shstrndx;	/* 0x32 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_ehdr) == 52, "gABI 4.1 ch. 4: Elf32_Ehdr");

struct elf64_ehdr {
	uint8_t e_ident[16];	/* 0x00 */
	uint16_t e_type;	/* 0x10 */
	uint16_t e_machine;	/* 0x12 */
	uint32_t e_version;	/* 0x14 */
	uint64_t e_entry;	/* 0x18 */
	uint64_t e_phoff;	/* 0x20 */
	uint64_t e_shoff;	/* 0x28 */
	uint32_t e_flags;	/* 0x30 */
	uint16_t e_ehsize;	/* 0x34 */
	uint16_t e_phentsize;	/* 0x36 */
	uint16_t e_phnum;	/* 0x38 */
	uint16_t e_shentsize;	/* 0x3a */
	uint16_t e_shnum;	/* 0x3c */
	uint16_t e_shstrndx;	/* 0x3e */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_ehdr) == 64, "gABI 4.1 ch. 4: Elf64_Ehdr");

struct elf32_phdr {
	uint32_t p_type;	/* 0x00 */
	uint32_t p_offset;	/* 0x04 */
	uint32_t p_vaddr;	/* 0x08 */
	uint32_t p_paddr;	/* 0x0c */
	uint32_t p_filesz;	/* 0x10 */
	uint32_t p_memsz;	/* 0x14 */
	uint32_t p_flags;	/* 0x18 */
	uint32_t p_align;	/* 0x1c */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_phdr) == 32, "gABI 4.1 ch. 5: Elf32_Phdr");

struct elf64_phdr {
	uint32_t p_type;	/* 0x00 */
	uint32_t p_flags;	/* 0x04 */
	uint64_t p_offset;	/* 0x08 */
	uint64_t p_vaddr;	/* 0x10 */
	uint64_t p_paddr;	/* 0x18 */
	uint64_t p_filesz;	/* 0x20 */
	uint64_t p_memsz;	/* 0x28 */
	uint64_t p_align;	/* 0x30 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_phdr) == 56, "gABI 4.1 ch. 5: Elf64_Phdr");

/* ---- Multiboot 0.6.96, 3.1.1: the header. Fields past checksum exist
 * only when flags ask for them (bit 16: address fields, bit 2: video). ---- */

struct mb1_header {
	uint32_t magic;		/* 0x00: MB1_HEADER_MAGIC */
	uint32_t flags;		/* 0x04: MB1_HDR_* */
	uint32_t checksum;	/* 0x08: magic + flags + checksum == 0 */
	uint32_t header_addr;	/* 0x0c: 3.1.3, flags bit 16 */
	uint32_t load_addr;	/* 0x10 */
	uint32_t load_end_addr;	/* 0x14: 0 = to the end of the file */
	uint32_t bss_end_addr;	/* 0x18: 0 = no bss */
	uint32_t entry_addr;	/* 0x1c */
	uint32_t mode_type;	/* 0x20: 3.1.4, flags bit 2 */
	uint32_t width;		/* 0x24 */
	uint32_t height;	/* 0x28 */
	uint32_t depth;		/* 0x2c */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_header) == 48, "Multiboot 0.6.96, 3.1.1");

#define MB1_HDR_PAGE_ALIGN   (1u << 0)	/* 3.1.2: modules 4K-aligned */
#define MB1_HDR_MEMORY_INFO  (1u << 1)	/* 3.1.2: mem_* and mmap wanted */
#define MB1_HDR_VIDEO_MODE   (1u << 2)	/* 3.1.2: video mode wanted */
#define MB1_HDR_REQUIRED     0x0000fff8u	/* 3.1.2: bits 3-15 must be understood */
#define MB1_HDR_AOUT_KLUDGE  (1u << 16)	/* 3.1.2: address fields valid */
#define MB1_HDR_LEN_MIN      12u
#define MB1_HDR_LEN_KLUDGE   32u
#define MB1_HDR_LEN_VIDEO    48u

/* ---- Multiboot2 2.0, 3.1: the header and its tags. ---- */

struct mb2_header {
	uint32_t magic;		/* 0x00: MB2_HEADER_MAGIC */
	uint32_t architecture;	/* 0x04: 0 = i386 protected mode */
	uint32_t header_length;	/* 0x08: including every tag */
	uint32_t checksum;	/* 0x0c: the four fields sum to 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_header) == 16, "Multiboot2 2.0, 3.1.2");

/* 3.1.3: every header tag starts so and is padded to 8 bytes. */
struct mb2_header_tag {
	uint16_t type;		/* 0x00: MB2H_* */
	uint16_t flags;		/* 0x02: MB2H_OPTIONAL */
	uint32_t size;		/* 0x04: without the padding */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_header_tag) == 8, "Multiboot2 2.0, 3.1.3");

/* 3.1.5: the address tag, as the a.out kludge of Multiboot 1. */
struct mb2_header_address {
	struct mb2_header_tag tag;	/* 0x00 */
	uint32_t header_addr;		/* 0x08 */
	uint32_t load_addr;		/* 0x0c: ~0u = from the file's start */
	uint32_t load_end_addr;		/* 0x10: 0 = to the end of the file */
	uint32_t bss_end_addr;		/* 0x14: 0 = no bss */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_header_address) == 24, "Multiboot2 2.0, 3.1.5");

/* 3.1.6 (entry address) and 3.1.9 (flags: console_flags): one u32. */
struct mb2_header_u32 {
	struct mb2_header_tag tag;	/* 0x00 */
	uint32_t value;			/* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_header_u32) == 12, "Multiboot2 2.0, 3.1.6, 3.1.9");

#define MB2H_END            0	/* 3.1.3 */
#define MB2H_INFO_REQUEST   1	/* 3.1.4 */
#define MB2H_ADDRESS        2	/* 3.1.5 */
#define MB2H_ENTRY          3	/* 3.1.6 */
#define MB2H_ENTRY_EFI32    8	/* 3.1.7: EFI only, ignored */
#define MB2H_ENTRY_EFI64    9	/* 3.1.8: EFI only, ignored */
#define MB2H_FLAGS          4	/* 3.1.9 */
#define MB2H_FRAMEBUFFER    5	/* 3.1.10 */
#define MB2H_MODULE_ALIGN   6	/* 3.1.11 */
#define MB2H_EFI_BS         7	/* 3.1.12: EFI only, ignored */
#define MB2H_RELOCATABLE   10	/* 3.1.13: we load at the linked address */
#define MB2H_OPTIONAL      (1u << 0)	/* 3.1.3: tag flags bit 0 */
#define MB2H_CONSOLE_REQUIRED (1u << 0)	/* 3.1.9: console_flags bit 0 */
#define MB2_ARCH_I386       0

/* Multiboot2 2.0, 3.6: the information tags we write. */
#define MBI2_END            0
#define MBI2_CMDLINE        1
#define MBI2_LOADER_NAME    2
#define MBI2_MODULE         3
#define MBI2_BASIC_MEMINFO  4
#define MBI2_MMAP           6
#define MBI2_PROVIDED       ((1u << MBI2_END) | (1u << MBI2_CMDLINE) | \
			     (1u << MBI2_LOADER_NAME) | (1u << MBI2_MODULE) | \
			     (1u << MBI2_BASIC_MEMINFO) | (1u << MBI2_MMAP))

/* What to say when a required information request names a tag type we do
 * not write (3.1.4: then the image must not be booted). */
static const char *const mbi2_missing[] = {
	[5] = "Multiboot2 header requires the BIOS boot device tag (5), not provided",
	[7] = "Multiboot2 header requires the VBE info tag (7), not provided",
	[8] = "Multiboot2 header requires the framebuffer info tag (8), not provided",
	[9] = "Multiboot2 header requires the ELF sections tag (9), not provided",
	[10] = "Multiboot2 header requires the APM table tag (10), not provided",
	[11] = "Multiboot2 header requires the EFI32 system table tag (11), not provided",
	[12] = "Multiboot2 header requires the EFI64 system table tag (12), not provided",
	[13] = "Multiboot2 header requires the SMBIOS tag (13), not provided",
	[14] = "Multiboot2 header requires the ACPI 1.0 RSDP tag (14), not provided",
	[15] = "Multiboot2 header requires the ACPI 2.0 RSDP tag (15), not provided",
	[16] = "Multiboot2 header requires the network tag (16), not provided",
	[17] = "Multiboot2 header requires the EFI memory map tag (17), not provided",
	[18] = "Multiboot2 header requires the EFI boot services tag (18), not provided",
	[19] = "Multiboot2 header requires the EFI32 image handle tag (19), not provided",
	[20] = "Multiboot2 header requires the EFI64 image handle tag (20), not provided",
	[21] = "Multiboot2 header requires the load base address tag (21), not provided",
};

/* ---- segments ---- */

#define REAL_MODE_LIMIT	0x100000ull	/* 1 MiB */
#define PROT32_LIMIT	0x100000000ull	/* 4 GiB */

/* Adds one segment after checking it against the file, guest RAM and the
 * segments already planned. An empty segment (mem_size 0) is skipped. */
static const char *plan_add(struct load_plan *p, size_t len, uint64_t mem, bool multiboot,
			    uint64_t off, uint64_t filesz, uint64_t gpa, uint64_t memsz)
{
	if (memsz < filesz)
		return "segment memory size smaller than its file size";
	if (memsz == 0)
		return NULL;
	if (filesz > len || off > len - filesz)
		return "segment past the end of the image file";
	if (gpa > mem || memsz > mem - gpa)
		return "segment outside guest RAM (raise mem=?)";
	/* [gpa, gpa + memsz) meets [640K, 1M): gpa + memsz cannot wrap now. */
	if (multiboot && gpa < GUEST_HIGH_BASE && gpa + memsz > GUEST_LOW_END)
		return "segment in the reserved 640K-1M hole of guest memory";
	for (unsigned i = 0; i < p->nr_segments; i++) {
		const struct load_segment *s = &p->seg[i];

		if (gpa < s->gpa + s->mem_size && s->gpa < gpa + memsz)
			return "segments overlap in guest memory";
	}
	if (p->nr_segments == LOADER_MAX_SEGMENTS)
		return "more than 16 segments to load";
	p->seg[p->nr_segments++] = (struct load_segment){
		.file_off = off, .file_size = filesz, .gpa = gpa, .mem_size = memsz,
	};
	p->image_end = MAX(p->image_end, gpa + memsz);
	return NULL;
}

static bool plan_has(const struct load_plan *p, uint64_t gpa)
{
	for (unsigned i = 0; i < p->nr_segments; i++)
		if (gpa >= p->seg[i].gpa && gpa - p->seg[i].gpa < p->seg[i].mem_size)
			return true;
	return false;
}

/* Sets the entry of a Multiboot image, which starts in 32-bit mode. */
static const char *plan_entry32(struct load_plan *p, uint64_t entry)
{
	if (!plan_has(p, entry))
		return "entry point outside every loaded segment";
	if (entry >= PROT32_LIMIT)
		return "entry point above 4 GiB (Multiboot guests start in 32-bit mode)";
	p->entry = entry;
	return NULL;
}

/* ---- ELF ---- */

void loader_elf_phdr(const uint8_t *img, const struct elf_file *f, unsigned i,
		     struct elf_phdr *ph)
{
	const uint8_t *at = img + f->phoff + (uint64_t)i * f->phentsize;

	if (f->is64) {
		struct elf64_phdr h;

		memcpy(&h, at, sizeof(h));
		*ph = (struct elf_phdr){ h.p_type, h.p_offset, h.p_vaddr, h.p_paddr,
					 h.p_filesz, h.p_memsz, h.p_align };
	} else {
		struct elf32_phdr h;

		memcpy(&h, at, sizeof(h));
		*ph = (struct elf_phdr){ h.p_type, h.p_offset, h.p_vaddr, h.p_paddr,
					 h.p_filesz, h.p_memsz, h.p_align };
	}
}

enum elf_fault loader_elf_open(const uint8_t *img, size_t len, struct elf_file *f)
{
	uint16_t machine;
	uint64_t phsize;

	memset(f, 0, sizeof(*f));
	if (!img || len < 4 || img[EI_MAG0] != 0x7f || img[1] != 'E' || img[2] != 'L' ||
	    img[3] != 'F')
		return ELF_NOT_ELF;
	if (len < sizeof(struct elf32_ehdr))
		return ELF_TRUNCATED;
	if (img[EI_DATA] != ELFDATA2LSB)
		return ELF_NOT_LSB;
	if (img[EI_VERSION] != EV_CURRENT)
		return ELF_NOT_V1;
	if (img[EI_CLASS] == ELFCLASS32) {
		struct elf32_ehdr h;

		memcpy(&h, img, sizeof(h));
		*f = (struct elf_file){
			.is64 = false, .type = h.e_type, .entry = h.e_entry,
			.phoff = h.e_phoff, .phentsize = h.e_phentsize, .phnum = h.e_phnum,
			.shoff = h.e_shoff, .shentsize = h.e_shentsize, .shnum = h.e_shnum,
		};
		machine = h.e_machine;
		if (machine != EM_386)
			return ELF_NOT_I386;
	} else if (img[EI_CLASS] == ELFCLASS64) {
		struct elf64_ehdr h;

		if (len < sizeof(h))
			return ELF_TRUNCATED;
		memcpy(&h, img, sizeof(h));
		*f = (struct elf_file){
			.is64 = true, .type = h.e_type, .entry = h.e_entry,
			.phoff = h.e_phoff, .phentsize = h.e_phentsize, .phnum = h.e_phnum,
			.shoff = h.e_shoff, .shentsize = h.e_shentsize, .shnum = h.e_shnum,
		};
		machine = h.e_machine;
		if (machine != EM_X86_64)
			return ELF_NOT_X86_64;
	} else {
		return ELF_BAD_CLASS;
	}
	if (f->type != ET_EXEC && f->type != ET_DYN)
		return ELF_NOT_EXEC;
	if (f->phentsize < (f->is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr)))
		return ELF_PHENTSIZE;
	if (f->phnum == 0)
		return ELF_NO_PHDRS;
	/* Both factors are 16-bit: the product fits 32 bits. */
	phsize = (uint64_t)f->phnum * f->phentsize;
	if (f->phoff > len || phsize > len - f->phoff)
		return ELF_PHDRS_PAST_END;
	return ELF_OK;
}

/* The Multiboot loader's words for loader_elf_open's refusals. */
static const char *const elf_faults[ELF_FAULTS] = {
	[ELF_NOT_ELF] = "not an ELF file (and no Multiboot load address fields)",
	[ELF_TRUNCATED] = "ELF header truncated",
	[ELF_NOT_LSB] = "ELF file not little-endian",
	[ELF_NOT_V1] = "ELF version not 1",
	[ELF_BAD_CLASS] = "ELF class neither 32-bit nor 64-bit",
	[ELF_NOT_I386] = "ELF32 file not for i386 (e_machine)",
	[ELF_NOT_X86_64] = "ELF64 file not for x86-64 (e_machine)",
	[ELF_NOT_EXEC] = "ELF file not an executable (e_type)",
	[ELF_PHENTSIZE] = "ELF e_phentsize smaller than a program header",
	[ELF_NO_PHDRS] = "ELF file has no program headers",
	[ELF_PHDRS_PAST_END] = "ELF program headers past the end of the file",
};

/* Plans the PT_LOAD segments at their physical addresses (as GRUB and QEMU
 * load Multiboot ELF kernels) and sets *entry to the physical entry point:
 * e_entry moved from the virtual range of the PT_LOAD holding it to that
 * segment's physical range, or e_entry itself when no segment holds it. */
static const char *plan_elf(const uint8_t *img, size_t len, uint64_t mem,
			    struct load_plan *p, uint64_t *entry)
{
	struct elf_file f;
	enum elf_fault fault = loader_elf_open(img, len, &f);
	const char *what;

	if (fault != ELF_OK)
		return elf_faults[fault];
	for (unsigned i = 0; i < f.phnum; i++) {
		struct elf_phdr ph;

		loader_elf_phdr(img, &f, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		what = plan_add(p, len, mem, true, ph.offset, ph.filesz, ph.paddr, ph.memsz);
		if (what)
			return what;
	}
	if (p->nr_segments == 0)
		return "ELF file has no PT_LOAD segment to load";

	*entry = f.entry;
	for (unsigned i = 0; i < f.phnum; i++) {
		struct elf_phdr ph;

		loader_elf_phdr(img, &f, i, &ph);
		if (ph.type == PT_LOAD && f.entry >= ph.vaddr && f.entry - ph.vaddr < ph.memsz) {
			/* Inside a segment plan_add accepted, so no wrap. */
			*entry = ph.paddr + (f.entry - ph.vaddr);
			break;
		}
	}
	return NULL;
}

/* ---- a.out kludge: Multiboot 0.6.96 3.1.3 and Multiboot2 2.0 3.1.5 ---- */

/* The file from (hdr_off - (header_addr - load_addr)) to load_end_addr
 * goes to load_addr; zeroes follow up to bss_end_addr. from_start: MB2's
 * load_addr of ~0u, "load the file from its beginning". */
static const char *plan_raw(size_t len, uint64_t mem, struct load_plan *p,
			    size_t hdr_off, uint32_t header_addr, uint32_t load_addr,
			    uint32_t load_end_addr, uint32_t bss_end_addr, bool from_start)
{
	uint64_t off, filesz, memsz, load;

	if (from_start) {
		if (header_addr < hdr_off)
			return "header_addr below the header's offset in the file";
		load = header_addr - hdr_off;
		off = 0;
	} else {
		if (load_addr > header_addr)
			return "load_addr above header_addr";
		if (header_addr - load_addr > hdr_off)
			return "load_addr before the start of the file";
		load = load_addr;
		off = hdr_off - (header_addr - load_addr);
	}
	if (load_end_addr == 0) {
		filesz = len - off;
	} else {
		if (load_end_addr < load)
			return "load_end_addr below load_addr";
		filesz = load_end_addr - load;
		if (filesz > len - off)
			return "load_end_addr past the end of the file";
	}
	if (bss_end_addr == 0) {
		memsz = filesz;
	} else {
		if (bss_end_addr < load + filesz)
			return "bss_end_addr below load_end_addr";
		memsz = bss_end_addr - load;
	}
	if (memsz == 0)
		return "address fields load nothing";
	return plan_add(p, len, mem, true, off, filesz, load, memsz);
}

/* ---- header search ---- */

enum mb_scan { MB_NONE, MB_BAD_CHECKSUM, MB_FOUND };

/* Multiboot 0.6.96, 3.1.1: 4-aligned in the first 8 KiB. The first magic
 * with a good checksum wins; a bad one is skipped, as GRUB does. */
static enum mb_scan mb1_find(const uint8_t *img, size_t len, size_t *at)
{
	size_t limit = MIN(len, (size_t)MB1_SEARCH_LEN);
	enum mb_scan r = MB_NONE;

	for (size_t off = 0; limit >= MB1_HDR_LEN_MIN && off <= limit - MB1_HDR_LEN_MIN; off += 4) {
		struct mb1_header h;

		memcpy(&h, img + off, MB1_HDR_LEN_MIN);
		if (h.magic != MB1_HEADER_MAGIC)
			continue;
		if ((uint32_t)(h.magic + h.flags + h.checksum) == 0) {
			*at = off;
			return MB_FOUND;
		}
		r = MB_BAD_CHECKSUM;
	}
	return r;
}

/* Multiboot2 2.0, 3.1.1: 8-aligned in the first 32 KiB. */
static enum mb_scan mb2_find(const uint8_t *img, size_t len, size_t *at)
{
	size_t limit = MIN(len, (size_t)MB2_SEARCH_LEN);
	enum mb_scan r = MB_NONE;

	for (size_t off = 0; limit >= sizeof(struct mb2_header) &&
			     off <= limit - sizeof(struct mb2_header); off += 8) {
		struct mb2_header h;

		memcpy(&h, img + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if ((uint32_t)(h.magic + h.architecture + h.header_length + h.checksum) == 0) {
			*at = off;
			return MB_FOUND;
		}
		r = MB_BAD_CHECKSUM;
	}
	return r;
}

/* ---- Multiboot 1 ---- */

static const char *plan_mb1(const uint8_t *img, size_t len, uint64_t mem,
			    struct load_plan *p, size_t off)
{
	struct mb1_header h = { 0 };
	uint32_t hlen;
	uint64_t entry = 0;
	const char *what;

	memcpy(&h, img + off, MB1_HDR_LEN_MIN);
	if (h.flags & MB1_HDR_REQUIRED)
		return "Multiboot1 header flags ask for features svmvisor does not know (bits 3-15)";
	hlen = (h.flags & MB1_HDR_VIDEO_MODE) ? MB1_HDR_LEN_VIDEO :
	       (h.flags & MB1_HDR_AOUT_KLUDGE) ? MB1_HDR_LEN_KLUDGE : MB1_HDR_LEN_MIN;
	if (hlen > len - off)
		return "Multiboot1 header extends past the end of the file";
	if (hlen > MB1_SEARCH_LEN - off)
		return "Multiboot1 header extends past the first 8 KiB";
	memcpy(&h, img + off, hlen);

	p->kind = VM_KIND_MB1;
	p->boot_eax = LOADER_MB1_EAX;
	p->align_modules = h.flags & MB1_HDR_PAGE_ALIGN;
	p->mb1_wants_meminfo = h.flags & MB1_HDR_MEMORY_INFO;
	p->mb1_wants_video = h.flags & MB1_HDR_VIDEO_MODE;
	/* 3.1.3: with bit 16 the address fields win even over ELF, as in GRUB and QEMU. */
	if (h.flags & MB1_HDR_AOUT_KLUDGE) {
		what = plan_raw(len, mem, p, off, h.header_addr, h.load_addr,
				h.load_end_addr, h.bss_end_addr, false);
		entry = h.entry_addr;
	} else {
		what = plan_elf(img, len, mem, p, &entry);
	}
	return what ? what : plan_entry32(p, entry);
}

/* ---- Multiboot 2 ---- */

static const char *plan_mb2(const uint8_t *img, size_t len, uint64_t mem,
			    struct load_plan *p, size_t off)
{
	struct mb2_header h;
	struct mb2_header_address addr = { 0 };
	bool have_addr = false, have_entry = false;
	uint32_t entry_addr = 0, hlen, t;
	uint64_t entry = 0;
	const char *what;

	memcpy(&h, img + off, sizeof(h));
	if (h.architecture != MB2_ARCH_I386)
		return "Multiboot2 header architecture not i386 (0)";
	hlen = h.header_length;
	if (hlen < sizeof(h) + sizeof(struct mb2_header_tag))
		return "Multiboot2 header_length too small for an end tag";
	if (hlen > len - off)
		return "Multiboot2 header extends past the end of the file";
	if (hlen > MB2_SEARCH_LEN - off)
		return "Multiboot2 header extends past the first 32 KiB";

	/* t is 8-aligned and at most hlen; each pass advances it by at least
	 * 8, so the loop ends within hlen / 8 passes. */
	for (t = sizeof(h);; ) {
		const uint8_t *tp = img + off + t;
		struct mb2_header_tag tag;
		struct mb2_header_u32 u;
		bool optional;
		uint32_t step;

		if (hlen - t < sizeof(tag))
			return "Multiboot2 header has no end tag";
		memcpy(&tag, tp, sizeof(tag));
		if (tag.size < sizeof(tag))
			return "Multiboot2 header tag size < 8";
		if (tag.size > hlen - t)
			return "Multiboot2 header tag past header_length";
		optional = tag.flags & MB2H_OPTIONAL;

		switch (tag.type) {
		case MB2H_END:
			if (tag.size != sizeof(tag))
				return "Multiboot2 header end tag size not 8";
			goto tags_done;
		case MB2H_INFO_REQUEST:
			if ((tag.size - sizeof(tag)) % 4)
				return "Multiboot2 information request size not 8 + 4n";
			for (uint32_t i = sizeof(tag); i < tag.size; i += 4) {
				uint32_t want;

				memcpy(&want, tp + i, 4);
				if (want < 32)
					p->mb2_requested |= 1u << want;
				if (optional || (want < 32 && (MBI2_PROVIDED >> want) & 1))
					continue;
				if (want < ARRAY_SIZE(mbi2_missing) && mbi2_missing[want])
					return mbi2_missing[want];
				return "Multiboot2 header requires an unknown information tag";
			}
			break;
		case MB2H_ADDRESS:
			if (tag.size != sizeof(addr))
				return "Multiboot2 address tag size not 24";
			if (have_addr)
				return "Multiboot2 header has two address tags";
			memcpy(&addr, tp, sizeof(addr));
			have_addr = true;
			break;
		case MB2H_ENTRY:
			if (tag.size != sizeof(u))
				return "Multiboot2 entry address tag size not 12";
			if (have_entry)
				return "Multiboot2 header has two entry address tags";
			memcpy(&u, tp, sizeof(u));
			entry_addr = u.value;
			have_entry = true;
			break;
		case MB2H_FLAGS:
			if (tag.size != sizeof(u))
				return "Multiboot2 flags tag size not 12";
			memcpy(&u, tp, sizeof(u));
			if (!optional && (u.value & MB2H_CONSOLE_REQUIRED))
				return "Multiboot2 header requires a console (EGA text or framebuffer), not provided";
			break;
		case MB2H_FRAMEBUFFER:
			if (!optional)
				return "Multiboot2 header requires a framebuffer, not provided";
			break;
		case MB2H_MODULE_ALIGN:
			p->align_modules = true;
			break;
		case MB2H_EFI_BS:
		case MB2H_ENTRY_EFI32:
		case MB2H_ENTRY_EFI64:
		case MB2H_RELOCATABLE:
			break;	/* EFI-only, or a freedom we do not use */
		default:
			if (!optional)
				return "Multiboot2 header has an unknown required tag";
			break;
		}
		/* tag.size <= hlen - t <= 32 KiB, so aligning cannot wrap. */
		step = ALIGN_UP(tag.size, 8u);
		if (step > hlen - t)
			return "Multiboot2 header has no end tag";
		t += step;
	}
tags_done:
	p->kind = VM_KIND_MB2;
	p->boot_eax = LOADER_MB2_EAX;
	if (have_addr) {
		if (!have_entry)
			return "Multiboot2 address tag without an entry address tag";
		what = plan_raw(len, mem, p, off, addr.header_addr, addr.load_addr,
				addr.load_end_addr, addr.bss_end_addr, addr.load_addr == ~0u);
		entry = entry_addr;
	} else {
		what = plan_elf(img, len, mem, p, &entry);
		if (have_entry)
			entry = entry_addr;
	}
	return what ? what : plan_entry32(p, entry);
}

/* ---- flat binaries ---- */

static const char *plan_flat(size_t len, const struct vm_opts *o, struct load_plan *p)
{
	uint64_t limit = o->mode == VM_MODE_REAL ? REAL_MODE_LIMIT :
			 o->mode == VM_MODE_PROT32 ? PROT32_LIMIT : UINT64_MAX;
	const char *what;

	if (len == 0)
		return "empty image";
	if ((unsigned)o->mode > VM_MODE_LONG)
		return "unknown mode";
	what = plan_add(p, len, o->mem, false, 0, len, o->load, len);
	if (what)
		return what;
	if (p->image_end > limit)
		return o->mode == VM_MODE_REAL ? "real-mode image must end below 1 MiB" :
						 "32-bit image must end below 4 GiB";
	/* The image is inside RAM now, so image_end <= mem. */
	if (o->mode == VM_MODE_LONG &&
	    p->image_end > o->mem - MIN(o->mem, loader_long_area_size(o->mem)))
		return "mode=long: the image overlaps the long-mode page tables at the top of RAM";
	if (!plan_has(p, o->entry))
		return "entry= outside the image";
	p->kind = VM_KIND_FLAT;
	p->mode = o->mode;
	p->entry = o->entry;
	return NULL;
}

int loader_plan(const uint8_t *img, size_t len, const struct vm_opts *o,
		struct load_plan *p, const char **err)
{
	enum mb_scan s1 = MB_NONE, s2 = MB_NONE;
	size_t off1 = 0, off2 = 0;
	const char *what;

	memset(p, 0, sizeof(*p));
	p->mode = VM_MODE_PROT32;
	if (!img)
		len = 0;
	if (o->kind == VM_KIND_FLAT) {
		what = plan_flat(len, o, p);
	} else if ((unsigned)o->kind > VM_KIND_FLAT) {
		what = "unknown kind";
	} else {
		if (o->kind != VM_KIND_MB1)
			s2 = mb2_find(img, len, &off2);
		if (o->kind != VM_KIND_MB2)
			s1 = mb1_find(img, len, &off1);
		/* auto: a good Multiboot2 header wins, then a good Multiboot1 one. */
		if (s2 == MB_FOUND)
			what = plan_mb2(img, len, o->mem, p, off2);
		else if (s1 == MB_FOUND)
			what = plan_mb1(img, len, o->mem, p, off1);
		else if (s2 == MB_BAD_CHECKSUM)
			what = "Multiboot2 header checksum bad";
		else if (s1 == MB_BAD_CHECKSUM)
			what = "Multiboot1 header checksum bad";
		else if (o->kind == VM_KIND_MB2)
			what = "no Multiboot2 header (magic 0xE85250D6, 8-aligned) in the first 32 KiB";
		else if (o->kind == VM_KIND_MB1)
			what = "no Multiboot1 header (magic 0x1BADB002, 4-aligned) in the first 8 KiB";
		else
			what = "no Multiboot2 or Multiboot1 header (a flat binary needs kind=flat)";
	}
	return loader_verdict(what, err);
}

/* ---- guest memory map and boot information ---- */

unsigned loader_guest_memmap(uint64_t guest_mem, struct guest_mem_range out[3])
{
	unsigned n = 0;

	if (guest_mem < GUEST_HIGH_BASE)
		return 0;
	out[n++] = (struct guest_mem_range){ 0, GUEST_LOW_END, GUEST_MEM_AVAILABLE };
	out[n++] = (struct guest_mem_range){ GUEST_LOW_END, GUEST_HIGH_BASE - GUEST_LOW_END,
					     GUEST_MEM_RESERVED };
	if (guest_mem > GUEST_HIGH_BASE)
		out[n++] = (struct guest_mem_range){ GUEST_HIGH_BASE, guest_mem - GUEST_HIGH_BASE,
						     GUEST_MEM_AVAILABLE };
	return n;
}

enum memmap_fault loader_memmap_check(const struct guest_mem_range *extra, unsigned nr)
{
	if (nr && !extra)
		return MEMMAP_NULL;
	for (unsigned i = 0; i < nr; i++) {
		const struct guest_mem_range *r = &extra[i];

		if (!r->len || r->base > UINT64_MAX - r->len)
			return MEMMAP_EMPTY;
		if (r->type == 0 || r->type == GUEST_MEM_AVAILABLE)
			return MEMMAP_TYPE;
		/* Both ends are checked above: the sums do not wrap. */
		for (unsigned j = 0; j < i; j++)
			if (r->base < extra[j].base + extra[j].len &&
			    extra[j].base < r->base + r->len)
				return MEMMAP_OVERLAP;
	}
	return MEMMAP_OK;
}

/* The invariant between calls: *at is the end of the range returned last
 * (0 at first), so it never lies strictly inside an extra range, and every
 * range below it has been returned. The next range is then the lower of
 * (a) the lowest extra range starting at or above *at, and (b) the part of
 * the base map from max(*at, its base) up to its end or that extra range,
 * whichever comes first. No extra range covers (b)'s start: one starting
 * above *at starts after it, by (a)'s choice, and none starting below *at
 * reaches past it. On a tie (a) wins, so (b) is never empty. */
bool loader_memmap_next(uint64_t guest_mem, const struct guest_mem_range *extra, unsigned nr,
			uint64_t *at, struct guest_mem_range *out)
{
	struct guest_mem_range map[3];
	unsigned n = loader_guest_memmap(guest_mem, map);
	bool found = false;

	for (unsigned i = 0; i < nr; i++)
		if (extra[i].base >= *at && (!found || extra[i].base < out->base)) {
			*out = extra[i];
			found = true;
		}
	for (unsigned i = 0; i < n; i++) {
		uint64_t start = MAX(*at, map[i].base), end = map[i].base + map[i].len;

		if (start >= end)
			continue;
		if (found && start >= out->base)
			break;		/* the base map is sorted: later ranges start later */
		*out = (struct guest_mem_range){ start, (found ? MIN(end, out->base) : end) - start,
						 map[i].type };
		found = true;
		break;
	}
	if (found)
		*at = out->base + out->len;
	return found;
}

/* The information block being written: buf[0..len) is used, and buf[0] is
 * at guest address gpa. Any failure sets bad and writes nothing more. */
struct info_out {
	uint8_t *buf;
	size_t cap, len;
	uint32_t gpa;
	bool bad;
};

/* Reserves n zeroed bytes at the next multiple of align (1, 4 or 8) and
 * returns their offset. */
static size_t out_alloc(struct info_out *b, size_t n, size_t align)
{
	size_t off = ALIGN_UP(b->len, align);

	if (b->bad || off < b->len || off > b->cap || n > b->cap - off) {
		b->bad = true;
		return 0;
	}
	memset(b->buf + b->len, 0, off + n - b->len);
	b->len = off + n;
	return off;
}

static void out_put(struct info_out *b, size_t off, const void *src, size_t n)
{
	if (!b->bad)
		memcpy(b->buf + off, src, n);
}

/* Copies the string s (NULL: "") and returns its guest address. */
static uint32_t out_string(struct info_out *b, const char *s)
{
	size_t n = strnlen(s ? s : "", b->cap);
	size_t off;

	if (n == b->cap) {
		b->bad = true;
		return 0;
	}
	off = out_alloc(b, n + 1, 1);
	out_put(b, off, s ? s : "", n);
	return b->gpa + (uint32_t)off;
}

/* The checks both builders share, before anything is written. Each module
 * takes at least 16 bytes in either format, so a count that cannot fit is
 * refused before mods[] is read. */
static bool info_args_ok(const uint8_t *buf, size_t cap, uint32_t buf_gpa, uint64_t guest_mem,
			 const struct guest_module *mods, unsigned nr_mods, const uint32_t *info_gpa)
{
	if (!buf || !info_gpa || buf_gpa % 8 || guest_mem < GUEST_HIGH_BASE)
		return false;
	if (nr_mods > cap / 16 || (nr_mods && !mods))
		return false;
	for (unsigned i = 0; i < nr_mods; i++)
		if (mods[i].start > mods[i].end || mods[i].end > guest_mem ||
		    mods[i].end > PROT32_LIMIT)
			return false;
	return true;
}

/* The region written must be guest RAM below 4 GiB outside [640K, 1M). */
static size_t info_done(const struct info_out *b, uint64_t guest_mem, uint32_t *info_gpa)
{
	uint64_t end = (uint64_t)b->gpa + b->len;

	if (b->bad || end > guest_mem || end > PROT32_LIMIT ||
	    (b->gpa < GUEST_HIGH_BASE && end > GUEST_LOW_END))
		return 0;
	*info_gpa = b->gpa;
	return b->len;
}

static uint32_t mem_upper_kb(uint64_t guest_mem)
{
	uint64_t kb = (guest_mem - GUEST_HIGH_BASE) / 1024;

	return kb > UINT32_MAX ? UINT32_MAX : (uint32_t)kb;
}

size_t mb1_build_info(uint8_t *buf, size_t cap, uint32_t buf_gpa, uint64_t guest_mem,
		      const char *cmdline, const struct guest_module *mods, unsigned nr_mods,
		      uint32_t *info_gpa)
{
	struct info_out b = { .buf = buf, .cap = cap, .gpa = buf_gpa };
	struct guest_mem_range map[3];
	struct mb1_info info = { 0 };
	size_t info_off, map_off, mods_off;
	unsigned nr_map;

	if (!info_args_ok(buf, cap, buf_gpa, guest_mem, mods, nr_mods, info_gpa))
		return 0;
	nr_map = loader_guest_memmap(guest_mem, map);

	info_off = out_alloc(&b, sizeof(info), 8);
	map_off = out_alloc(&b, nr_map * sizeof(struct mb1_mmap_entry), 8);
	mods_off = out_alloc(&b, (size_t)nr_mods * sizeof(struct mb1_module), 8);

	info.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MEM_MAP | MB1_INFO_LOADER_NAME;
	info.mem_lower = GUEST_LOW_END / 1024;
	info.mem_upper = mem_upper_kb(guest_mem);
	info.cmdline = out_string(&b, cmdline);
	info.boot_loader_name = out_string(&b, LOADER_NAME);
	info.mmap_addr = b.gpa + (uint32_t)map_off;
	info.mmap_length = nr_map * (uint32_t)sizeof(struct mb1_mmap_entry);
	if (nr_mods) {
		info.flags |= MB1_INFO_MODS;
		info.mods_count = nr_mods;
		info.mods_addr = b.gpa + (uint32_t)mods_off;
	}
	for (unsigned i = 0; i < nr_map; i++) {
		struct mb1_mmap_entry e = {
			.size = sizeof(e) - 4, .base_addr = map[i].base,
			.length = map[i].len, .type = map[i].type,
		};

		out_put(&b, map_off + i * sizeof(e), &e, sizeof(e));
	}
	for (unsigned i = 0; i < nr_mods; i++) {
		struct mb1_module m = {
			.mod_start = (uint32_t)mods[i].start, .mod_end = (uint32_t)mods[i].end,
			.string = out_string(&b, mods[i].cmdline),
		};

		out_put(&b, mods_off + i * sizeof(m), &m, sizeof(m));
	}
	out_put(&b, info_off, &info, sizeof(info));
	return info_done(&b, guest_mem, info_gpa);
}

/* Multiboot2 2.0, 3.6: the information tags, each 8-aligned. */
struct mbi2_tag {
	uint32_t type;		/* 0x00 */
	uint32_t size;		/* 0x04: without padding */
} __attribute__((packed));
_Static_assert(sizeof(struct mbi2_tag) == 8, "Multiboot2 2.0, 3.6.2");

struct mbi2_meminfo {
	struct mbi2_tag tag;	/* 0x00: size 16 */
	uint32_t mem_lower;	/* 0x08: KiB */
	uint32_t mem_upper;	/* 0x0c: KiB from 1 MiB */
} __attribute__((packed));
_Static_assert(sizeof(struct mbi2_meminfo) == 16, "Multiboot2 2.0, 3.6.3");

struct mbi2_mmap {
	struct mbi2_tag tag;	/* 0x00 */
	uint32_t entry_size;	/* 0x08: 24 */
	uint32_t entry_version;	/* 0x0c: 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mbi2_mmap) == 16, "Multiboot2 2.0, 3.6.8");

struct mbi2_mmap_entry {
	uint64_t base_addr;	/* 0x00 */
	uint64_t length;	/* 0x08 */
	uint32_t type;		/* 0x10 */
	uint32_t reserved;	/* 0x14 */
} __attribute__((packed));
_Static_assert(sizeof(struct mbi2_mmap_entry) == 24, "Multiboot2 2.0, 3.6.8");

struct mbi2_module {
	struct mbi2_tag tag;	/* 0x00 */
	uint32_t mod_start;	/* 0x08 */
	uint32_t mod_end;	/* 0x0c: exclusive */
} __attribute__((packed));	/* the NUL-terminated string follows at 0x10 */
_Static_assert(sizeof(struct mbi2_module) == 16, "Multiboot2 2.0, 3.6.6");

/* A tag holding a fixed part fixed[0..n) and the string s (NULL: ""). */
static void mbi2_put(struct info_out *b, const void *fixed, size_t n, const char *s)
{
	size_t slen = s ? strnlen(s, b->cap) : 0;
	struct mbi2_tag tag;
	size_t off;

	if (slen == b->cap || n + slen + 1 > UINT32_MAX) {
		b->bad = true;
		return;
	}
	off = out_alloc(b, n + (s ? slen + 1 : 0), 8);
	out_put(b, off, fixed, n);
	if (s)
		out_put(b, off + n, s, slen);
	memcpy(&tag, fixed, sizeof(tag));
	tag.size = (uint32_t)(n + (s ? slen + 1 : 0));
	out_put(b, off, &tag, sizeof(tag));
}

size_t mb2_build_info(uint8_t *buf, size_t cap, uint32_t buf_gpa, uint64_t guest_mem,
		      const char *cmdline, const struct guest_module *mods, unsigned nr_mods,
		      uint32_t *info_gpa)
{
	struct info_out b = { .buf = buf, .cap = cap, .gpa = buf_gpa };
	struct guest_mem_range map[3];
	struct mbi2_tag str = { .type = MBI2_CMDLINE };
	struct mbi2_meminfo mi = {
		.tag = { MBI2_BASIC_MEMINFO, sizeof(mi) },
		.mem_lower = GUEST_LOW_END / 1024, .mem_upper = mem_upper_kb(guest_mem),
	};
	struct mbi2_mmap mm = { .tag = { MBI2_MMAP, 0 }, .entry_size = sizeof(struct mbi2_mmap_entry) };
	struct mbi2_tag end = { MBI2_END, sizeof(end) };
	uint32_t total;
	unsigned nr_map;
	size_t off;

	if (!info_args_ok(buf, cap, buf_gpa, guest_mem, mods, nr_mods, info_gpa))
		return 0;
	nr_map = loader_guest_memmap(guest_mem, map);

	out_alloc(&b, 8, 8);	/* total_size, reserved: written last */
	mbi2_put(&b, &str, sizeof(str), cmdline ? cmdline : "");
	str.type = MBI2_LOADER_NAME;
	mbi2_put(&b, &str, sizeof(str), LOADER_NAME);
	mbi2_put(&b, &mi, sizeof(mi), NULL);

	mm.tag.size = (uint32_t)(sizeof(mm) + nr_map * sizeof(struct mbi2_mmap_entry));
	off = out_alloc(&b, mm.tag.size, 8);
	out_put(&b, off, &mm, sizeof(mm));
	for (unsigned i = 0; i < nr_map; i++) {
		struct mbi2_mmap_entry e = { map[i].base, map[i].len, map[i].type, 0 };

		out_put(&b, off + sizeof(mm) + i * sizeof(e), &e, sizeof(e));
	}
	for (unsigned i = 0; i < nr_mods && !b.bad; i++) {
		struct mbi2_module m = {
			.tag = { MBI2_MODULE, 0 },
			.mod_start = (uint32_t)mods[i].start, .mod_end = (uint32_t)mods[i].end,
		};

		mbi2_put(&b, &m, sizeof(m), mods[i].cmdline ? mods[i].cmdline : "");
	}
	mbi2_put(&b, &end, sizeof(end), NULL);
	if (b.bad || b.len > UINT32_MAX)
		return 0;
	total = (uint32_t)b.len;
	out_put(&b, 0, &total, sizeof(total));
	return info_done(&b, guest_mem, info_gpa);
}

/* ---- the long-mode start area of mode=long flat guests ----
 *
 * APM Vol.2 5.3 (long-mode page translation), 5.3.4 (2-Mbyte pages): a
 * virtual address is split 47:39 PML4 index, 38:30 PDPT index, 29:21 PD
 * index, 20:0 offset in a 2 MiB page. Each table is 512 8-byte entries
 * (5.4: bit 0 P, bit 1 R/W, bit 7 PS in a PDE, address in 51:12, or 51:21
 * for a 2 MiB page). 1 GiB pages would need CPUID Fn8000_0001 EDX[26],
 * which not every CPU model offers a guest, so the leaves are 2 MiB. */
#define PTE_P   (1ull << 0)	/* present */
#define PTE_RW  (1ull << 1)	/* writable */
#define PTE_PS  (1ull << 7)	/* PDE: maps a 2 MiB page */
#define PAGE_4K 0x1000ull
#define PAGE_2M (1ull << 21)
#define PAGE_1G (1ull << 30)
#define LONG_GDT_ENTRIES 3

_Static_assert(LONG_AREA_GDT + LONG_GDT_ENTRIES * 8 <= LONG_AREA_PD, "the GDT fits its page");
_Static_assert(LONG_MAP_MAX / PAGE_1G <= 512, "one PDPT covers LONG_MAP_MAX");
_Static_assert(VM_MEM_MAX <= LONG_MAP_MAX, "every mem= can start in long mode");

uint64_t loader_long_area_size(uint64_t guest_mem)
{
	/* One PD per started GiB; no sum that can wrap. */
	uint64_t nr_pd = guest_mem / PAGE_1G + (guest_mem % PAGE_1G != 0);

	return LONG_AREA_PD + nr_pd * PAGE_4K;
}

static void put_u64(uint8_t *buf, uint64_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

size_t loader_build_long_start(uint8_t *buf, size_t cap, uint64_t buf_gpa, uint64_t guest_mem,
			       struct long_start *out)
{
	uint64_t size, nr_2m, nr_pd;

	if (!buf || !out || buf_gpa % PAGE_4K || guest_mem > LONG_MAP_MAX)
		return 0;
	size = loader_long_area_size(guest_mem);
	if (size > cap || buf_gpa > guest_mem || size > guest_mem - buf_gpa)
		return 0;
	nr_2m = ALIGN_UP(guest_mem, PAGE_2M) / PAGE_2M;	/* guest_mem <= 512 GiB: no wrap */
	nr_pd = (size - LONG_AREA_PD) / PAGE_4K;

	memset(buf, 0, size);
	put_u64(buf, LONG_AREA_PML4, (buf_gpa + LONG_AREA_PDPT) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < nr_pd; i++)
		put_u64(buf, LONG_AREA_PDPT + i * 8,
			(buf_gpa + LONG_AREA_PD + i * PAGE_4K) | PTE_P | PTE_RW);
	/* PD i holds 2 MiB pages i * 512 .. i * 512 + 511, so the PDs side by
	 * side are one array of PDEs indexed by GPA / 2 MiB. */
	for (uint64_t i = 0; i < nr_2m; i++)
		put_u64(buf, LONG_AREA_PD + i * 8, (i * PAGE_2M) | PTE_P | PTE_RW | PTE_PS);

	/* APM Vol.2 4.8.1, 4.8.2: null, 64-bit code, data (14.6, 14.8: the
	 * GDT long mode is entered with). */
	put_u64(buf, LONG_AREA_GDT + LONG_SEL_CODE, LONG_GDT_CODE64);
	put_u64(buf, LONG_AREA_GDT + LONG_SEL_DATA, LONG_GDT_DATA);

	*out = (struct long_start){
		.area_gpa = buf_gpa, .area_len = size,
		.cr3 = buf_gpa + LONG_AREA_PML4,
		.gdt_base = buf_gpa + LONG_AREA_GDT,
		.gdt_limit = LONG_GDT_ENTRIES * 8 - 1,
		.cs = LONG_SEL_CODE, .ds = LONG_SEL_DATA,
	};
	return (size_t)size;
}
