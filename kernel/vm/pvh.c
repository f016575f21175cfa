/* SPDX-License-Identifier: BSD-2-Clause */
/* PVH planning and start info (kernel/vm/pvh.h). Pure: built into the
 * kernel, the host unit test and a fuzzer.
 *
 * Every field of the image is untrusted. The ELF header and program headers
 * are read through loader_elf_open()/loader_elf_phdr() (kernel/vm/loader.c),
 * which check them against the file first; section headers and notes are
 * copied out with memcpy (the image may sit at any alignment) only after
 * their bytes are known to lie inside img[0..len). Offsets and sizes are
 * compared by subtraction (size > end - off), never by addition, so no sum
 * can wrap. Loops are bounded by e_phnum and e_shnum (16-bit, each table
 * checked against len), PVH_MAX_NOTES, PVH_MAX_SEGMENTS and
 * loader_memmap_next()'s 3 + 2 * PVH_MAX_EXTRA ranges. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/vm/pvh.h"

#define GiB4    (1ull << 32)
#define PAGE_4K 4096ull

/* ---- ELF sections and notes: System V gABI 4.1 ch. 4 "Sections", ch. 5
 * "Note Section". ---- */

#define SHT_NOTE 7

struct elf32_shdr {
	uint32_t sh_name;	/* 0x00 */
	uint32_t sh_type;	/* 0x04 */
	uint32_t sh_flags;	/* 0x08 */
	uint32_t sh_addr;	/* 0x0c */
	uint32_t sh_offset;	/* 0x10 */
	uint32_t sh_size;	/* 0x14 */
	uint32_t sh_link;	/* 0x18 */
	uint32_t sh_info;	/* 0x1c */
	uint32_t sh_addralign;	/* 0x20 */
	uint32_t sh_entsize;	/* 0x24 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_shdr) == 40, "gABI 4.1 ch. 4: Elf32_Shdr");

struct elf64_shdr {
	uint32_t sh_name;	/* 0x00 */
	uint32_t sh_type;	/* 0x04 */
	uint64_t sh_flags;	/* 0x08 */
	uint64_t sh_addr;	/* 0x10 */
	uint64_t sh_offset;	/* 0x18 */
	uint64_t sh_size;	/* 0x20 */
	uint32_t sh_link;	/* 0x28 */
	uint32_t sh_info;	/* 0x2c */
	uint64_t sh_addralign;	/* 0x30 */
	uint64_t sh_entsize;	/* 0x38 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_shdr) == 64, "gABI 4.1 ch. 4: Elf64_Shdr");

/* Each note: this header, the name (namesz bytes with its NUL), the
 * descriptor (descsz bytes), each padded to note_align() from the note's
 * start. The words are 4 bytes in both classes. */
struct elf_note {
	uint32_t namesz;	/* 0x00 */
	uint32_t descsz;	/* 0x04 */
	uint32_t type;		/* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf_note) == 12, "gABI 4.1 ch. 5: note header");

/* GNU readelf's rule: ELF64 notes in a segment or section aligned to more
 * than 4 bytes are padded to 8, all others to 4 (gABI says 8 for ELF64,
 * but most producers, Linux among them, pad to 4 and align to 4). */
static uint64_t note_align(const struct elf_file *f, uint64_t align)
{
	return f->is64 && align > 4 ? 8 : 4;
}

/* Where the entry note's descriptor is. */
struct entry_note {
	uint64_t desc_off;	/* in the file */
	uint32_t descsz;
	bool in_section;
};

/* Walks the notes of img[off, off + size), padded to align, for a "Xen"
 * note of type XEN_ELFNOTE_PHYS32_ENTRY. *seen counts the notes looked at
 * in the whole file, up to PVH_MAX_NOTES. */
static bool notes_find(const uint8_t *img, size_t len, uint64_t off, uint64_t size,
		       uint64_t align, unsigned *seen, struct entry_note *out)
{
	uint64_t end;

	if (off > len || size > len - off)
		return false;	/* not inside the file: skipped */
	end = off + size;
	while (end - off >= sizeof(struct elf_note) && *seen < PVH_MAX_NOTES) {
		struct elf_note n;
		uint64_t desc, next;	/* from the note's start */

		memcpy(&n, img + off, sizeof(n));
		(*seen)++;
		/* namesz and descsz are 32-bit: these sums cannot wrap 64 bits. */
		desc = ALIGN_UP(sizeof(n) + (uint64_t)n.namesz, align);
		if (desc > end - off || n.descsz > end - off - desc)
			return false;
		if (n.type == XEN_ELFNOTE_PHYS32_ENTRY && n.namesz == sizeof(XEN_ELFNOTE_NAME) &&
		    !memcmp(img + off + sizeof(n), XEN_ELFNOTE_NAME, sizeof(XEN_ELFNOTE_NAME))) {
			out->desc_off = off + desc;
			out->descsz = n.descsz;
			return true;
		}
		next = ALIGN_UP(desc + n.descsz, align);
		if (next > end - off)
			return false;	/* the last note, unpadded */
		off += next;
	}
	return false;
}

/* The section header table, when it lies inside the file and its entries
 * are big enough: SHT_NOTE sections from index 1 (0 is SHN_UNDEF). */
static bool sections_find(const uint8_t *img, size_t len, const struct elf_file *f,
			  unsigned *seen, struct entry_note *out)
{
	size_t shsize = f->is64 ? sizeof(struct elf64_shdr) : sizeof(struct elf32_shdr);
	uint64_t table = (uint64_t)f->shnum * f->shentsize;	/* 16-bit factors */

	if (!f->shnum || f->shentsize < shsize || f->shoff > len || table > len - f->shoff)
		return false;
	for (unsigned i = 1; i < f->shnum; i++) {
		const uint8_t *at = img + f->shoff + (uint64_t)i * f->shentsize;
		uint64_t off, size, align;
		uint32_t type;

		if (f->is64) {
			struct elf64_shdr s;

			memcpy(&s, at, sizeof(s));
			type = s.sh_type;
			off = s.sh_offset;
			size = s.sh_size;
			align = s.sh_addralign;
		} else {
			struct elf32_shdr s;

			memcpy(&s, at, sizeof(s));
			type = s.sh_type;
			off = s.sh_offset;
			size = s.sh_size;
			align = s.sh_addralign;
		}
		if (type == SHT_NOTE &&
		    notes_find(img, len, off, size, note_align(f, align), seen, out))
			return true;
	}
	return false;
}

/* The PT_NOTE segments, then (when none holds it) the SHT_NOTE sections. */
static bool entry_note_find(const uint8_t *img, size_t len, const struct elf_file *f,
			    struct entry_note *out)
{
	unsigned seen = 0;

	for (unsigned i = 0; i < f->phnum; i++) {
		struct elf_phdr ph;

		loader_elf_phdr(img, f, i, &ph);
		if (ph.type == PT_NOTE && notes_find(img, len, ph.offset, ph.filesz,
						     note_align(f, ph.align), &seen, out)) {
			out->in_section = false;
			return true;
		}
	}
	if (sections_find(img, len, f, &seen, out)) {
		out->in_section = true;
		return true;
	}
	return false;
}

/* ---- the plan ---- */

static const char *const elf_faults[ELF_FAULTS] = {
	[ELF_NOT_ELF] = "PVH: not an ELF file (PVH boots an ELF kernel such as vmlinux)",
	[ELF_TRUNCATED] = "PVH: the file is too short for its ELF header",
	[ELF_NOT_LSB] = "PVH: the ELF file is not little-endian (EI_DATA)",
	[ELF_NOT_V1] = "PVH: the ELF version is not 1 (EI_VERSION)",
	[ELF_BAD_CLASS] = "PVH: the ELF class is neither 32-bit nor 64-bit (EI_CLASS)",
	[ELF_NOT_I386] = "PVH: the ELF32 file is not for i386 (e_machine)",
	[ELF_NOT_X86_64] = "PVH: the ELF64 file is not for x86-64 (e_machine)",
	[ELF_NOT_EXEC] = "PVH: the ELF file is not an executable (e_type)",
	[ELF_PHENTSIZE] = "PVH: the ELF e_phentsize is smaller than a program header",
	[ELF_NO_PHDRS] = "PVH: the ELF file has no program headers",
	[ELF_PHDRS_PAST_END] = "PVH: the ELF program headers run past the end of the file",
};

/* Adds one PT_LOAD after checking it against the file, guest RAM, the
 * builder's low area, 4 GiB and the segments already planned. */
static const char *plan_segment(struct pvh_plan *p, size_t len, uint64_t mem,
				const struct elf_phdr *ph)
{
	if (ph->filesz > ph->memsz)
		return "PVH: a PT_LOAD segment's p_filesz is larger than its p_memsz";
	if (ph->memsz == 0)
		return NULL;
	if (ph->filesz > len || ph->offset > len - ph->filesz)
		return "PVH: a PT_LOAD segment's file bytes run past the end of the file";
	if (ph->paddr > mem || ph->memsz > mem - ph->paddr)
		return "PVH: a PT_LOAD segment lies outside the VM's RAM";
	if (ph->paddr < GUEST_HIGH_BASE)
		return "PVH: a PT_LOAD segment lies below 1 MiB (the VM builder's low area)";
	/* Inside RAM now, so paddr + memsz cannot wrap. */
	if (ph->paddr + ph->memsz > GiB4)
		return "PVH: a PT_LOAD segment ends above 4 GiB (the kernel starts with paging off)";
	for (unsigned i = 0; i < p->nr_segments; i++) {
		const struct load_segment *s = &p->seg[i];

		if (ph->paddr < s->gpa + s->mem_size && s->gpa < ph->paddr + ph->memsz)
			return "PVH: PT_LOAD segments overlap in guest memory";
	}
	if (p->nr_segments == PVH_MAX_SEGMENTS)
		return "PVH: more than 16 PT_LOAD segments";
	p->seg[p->nr_segments++] = (struct load_segment){
		.file_off = ph->offset, .file_size = ph->filesz,
		.gpa = ph->paddr, .mem_size = ph->memsz,
	};
	p->image_end = MAX(p->image_end, ph->paddr + ph->memsz);
	return NULL;
}

static bool in_file_bytes(const struct pvh_plan *p, uint64_t gpa)
{
	for (unsigned i = 0; i < p->nr_segments; i++)
		if (gpa >= p->seg[i].gpa && gpa - p->seg[i].gpa < p->seg[i].file_size)
			return true;
	return false;
}

static const char *plan(const uint8_t *img, size_t len, uint64_t mem, struct pvh_plan *p)
{
	struct elf_file f;
	enum elf_fault fault = loader_elf_open(img, len, &f);
	struct entry_note note;
	uint32_t entry;
	const char *what;

	if (fault != ELF_OK)
		return elf_faults[fault];
	p->is64 = f.is64;
	if (!entry_note_find(img, len, &f, &note))
		return "PVH: no XEN_ELFNOTE_PHYS32_ENTRY note (type 18, name \"Xen\")";
	if (note.descsz != 4 && note.descsz != 8)
		return "PVH: the XEN_ELFNOTE_PHYS32_ENTRY note's descriptor is not 4 or 8 bytes";
	memcpy(&entry, img + note.desc_off, sizeof(entry));	/* the low half, little-endian */
	p->note_in_section = note.in_section;
	for (unsigned i = 0; i < f.phnum; i++) {
		struct elf_phdr ph;

		loader_elf_phdr(img, &f, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		what = plan_segment(p, len, mem, &ph);
		if (what)
			return what;
	}
	if (p->nr_segments == 0)
		return "PVH: the ELF file has no PT_LOAD segment to load";
	if (!in_file_bytes(p, entry))
		return "PVH: the XEN_ELFNOTE_PHYS32_ENTRY entry is not in a PT_LOAD segment's file bytes";
	p->entry = entry;
	return NULL;
}

bool pvh_has_entry_note(const uint8_t *img, size_t len)
{
	struct elf_file f;
	struct entry_note note;

	return loader_elf_open(img, len, &f) == ELF_OK && entry_note_find(img, len, &f, &note);
}

int pvh_plan(const uint8_t *img, size_t len, uint64_t guest_mem, struct pvh_plan *p,
	     const char **err)
{
	memset(p, 0, sizeof(*p));
	return loader_verdict(plan(img, len, guest_mem, p), err);
}

uint64_t pvh_initrd_gpa(const struct pvh_plan *p, uint64_t size, uint64_t below)
{
	uint64_t top = MIN(below, GiB4), gpa;

	if (!size || size > top)
		return 0;
	gpa = ALIGN_DOWN(top - size, PAGE_4K);
	return gpa < p->image_end ? 0 : gpa;
}

/* ---- the start info ---- */

static const char *const memmap_faults[MEMMAP_FAULTS] = {
	[MEMMAP_NULL] = "PVH: extra_reserved is NULL",
	[MEMMAP_EMPTY] = "PVH: an extra reserved range is empty or wraps",
	[MEMMAP_TYPE] = "PVH: an extra reserved range has type 0 or RAM",
	[MEMMAP_OVERLAP] = "PVH: extra reserved ranges overlap",
};

/* Where each part goes, as offsets in the buffer. */
struct layout {
	size_t mods, map, cmdline, end;
	unsigned nr_mods, nr_map;
	size_t cmdline_len;	/* without the NUL */
};

/* gpa..gpa+size in guest RAM and below 4 GiB. */
static bool low_ram(const struct pvh_boot *b, uint64_t gpa, uint64_t size)
{
	uint64_t top = MIN(b->guest_mem, GiB4);

	return gpa <= top && size <= top - gpa;
}

_Static_assert(PVH_MAX_EXTRA == 61, "the message says 61");

static const char *check_boot(const struct pvh_boot *b)
{
	enum memmap_fault fault;

	if (b->guest_mem < GUEST_HIGH_BASE)
		return "PVH: guest RAM is smaller than 1 MiB";
	if (b->nr_extra_reserved > PVH_MAX_EXTRA)
		return "PVH: more than 61 extra reserved ranges for the memory map";
	fault = loader_memmap_check(b->extra_reserved, b->nr_extra_reserved);
	if (fault != MEMMAP_OK)
		return memmap_faults[fault];
	if (!b->initrd_size)
		return NULL;
	if (!b->initrd_gpa)
		return "PVH: the initrd is at GPA 0 (which reads as no module)";
	if (!low_ram(b, b->initrd_gpa, b->initrd_size))
		return "PVH: the initrd lies outside the VM's RAM below 4 GiB";
	return NULL;
}

static const char *plan_layout(size_t cap, const struct pvh_boot *b, struct layout *l)
{
	struct guest_mem_range r;
	uint64_t at = 0;
	size_t room;

	l->nr_mods = b->initrd_size ? 1 : 0;
	l->mods = sizeof(struct hvm_start_info);
	l->map = l->mods + l->nr_mods * sizeof(struct hvm_modlist_entry);
	l->nr_map = 0;
	while (loader_memmap_next(b->guest_mem, b->extra_reserved, b->nr_extra_reserved, &at, &r))
		l->nr_map++;	/* at most 3 + 2 * PVH_MAX_EXTRA */
	l->cmdline = l->map + l->nr_map * sizeof(struct hvm_memmap_table_entry);
	_Static_assert(sizeof(struct hvm_start_info) % 8 == 0 &&
		       sizeof(struct hvm_modlist_entry) % 8 == 0 &&
		       sizeof(struct hvm_memmap_table_entry) % 8 == 0, "every part 8-aligned");
	if (l->cmdline > cap)
		return "PVH: the start info does not fit in its buffer";
	l->end = l->cmdline;
	if (b->cmdline) {
		room = cap - l->cmdline;
		l->cmdline_len = strnlen(b->cmdline, room);
		if (l->cmdline_len == room)
			return "PVH: the start info does not fit in its buffer";
		l->end += l->cmdline_len + 1;
	}
	return NULL;
}

/* The area [buf_gpa, buf_gpa + used): guest RAM below 4 GiB, outside the
 * reserved [640K, 1M), clear of the initrd. */
static const char *check_area(uint64_t gpa, size_t used, const struct pvh_boot *b)
{
	if (!low_ram(b, gpa, used))
		return "PVH: the start info lies outside the VM's RAM below 4 GiB";
	/* gpa + used <= 4 GiB now: no sum below wraps. */
	if (gpa < GUEST_HIGH_BASE && gpa + used > GUEST_LOW_END)
		return "PVH: the start info lies in the reserved 640K-1M hole";
	if (b->initrd_size && gpa < b->initrd_gpa + b->initrd_size &&
	    b->initrd_gpa < gpa + used)
		return "PVH: the initrd overlaps the start info";
	return NULL;
}

static void write_start_info(uint8_t *buf, uint64_t gpa, const struct pvh_boot *b,
			     const struct layout *l)
{
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE, .version = XEN_HVM_START_VERSION,
		.nr_modules = l->nr_mods,
		.modlist_paddr = l->nr_mods ? gpa + l->mods : 0,
		.cmdline_paddr = b->cmdline ? gpa + l->cmdline : 0,
		.rsdp_paddr = b->rsdp_gpa,
		.memmap_paddr = l->nr_map ? gpa + l->map : 0,
		.memmap_entries = l->nr_map,
	};
	struct guest_mem_range r;
	uint64_t at = 0;

	memset(buf, 0, l->end);
	memcpy(buf, &si, sizeof(si));
	if (l->nr_mods) {
		struct hvm_modlist_entry m = { .paddr = b->initrd_gpa, .size = b->initrd_size };

		memcpy(buf + l->mods, &m, sizeof(m));
	}
	for (unsigned i = 0; i < l->nr_map &&
	     loader_memmap_next(b->guest_mem, b->extra_reserved, b->nr_extra_reserved, &at, &r); i++) {
		struct hvm_memmap_table_entry e = { .addr = r.base, .size = r.len, .type = r.type };

		memcpy(buf + l->map + i * sizeof(e), &e, sizeof(e));
	}
	if (b->cmdline)
		memcpy(buf + l->cmdline, b->cmdline, l->cmdline_len);	/* the NUL: memset */
}

size_t pvh_build_start_info(uint8_t *buf, size_t cap, uint64_t buf_gpa, const struct pvh_boot *b,
			    uint32_t *start_info_gpa, const char **err)
{
	struct layout l = { 0 };
	const char *what = NULL;

	if (!buf || !b || !start_info_gpa)
		what = "PVH: buffer, boot information or start_info_gpa is NULL";
	else if (buf_gpa % 8)
		what = "PVH: the start info's GPA is not 8-byte aligned";
	if (!what)
		what = check_boot(b);
	if (!what)
		what = plan_layout(cap, b, &l);
	if (!what)
		what = check_area(buf_gpa, l.end, b);
	if (loader_verdict(what, err))
		return 0;
	write_start_info(buf, buf_gpa, b, &l);
	*start_info_gpa = (uint32_t)buf_gpa;
	return l.end;
}
