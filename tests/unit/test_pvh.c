/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the PVH boot module (kernel/vm/pvh.c). ELF32 and ELF64
 * kernels are synthesized byte by byte at the gABI 4.1 offsets (headers,
 * program and section headers, notes), and the start info is read back at
 * the offsets of start_info.h's diagram, never through the module's
 * structs. Each plan is made from an exact-size heap copy, so ASan catches
 * any read past the image. If VMLINUX names a file (an uncompressed Linux
 * kernel), it is planned too, and its entry checked against its note.
 * With PVH_CORPUS_DIR set, the good images are written there as seeds for
 * tests/fuzz/fuzz_pvh.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vm/pvh.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- image builder ---- */

static uint8_t img[96 * 1024];
static size_t img_len;

static void img_reset(void)
{
	memset(img, 0, sizeof(img));
	img_len = 0;
}

static void put(size_t off, const void *p, size_t n)
{
	assert_true(off + n <= sizeof(img));
	memcpy(img + off, p, n);
	if (off + n > img_len)
		img_len = off + n;
}

static void put8(size_t off, uint8_t v) { put(off, &v, 1); }
static void put16(size_t off, uint16_t v) { put(off, &v, 2); }
static void put32(size_t off, uint32_t v) { put(off, &v, 4); }
static void put64(size_t off, uint64_t v) { put(off, &v, 8); }

#define PT_LOAD_  1
#define PT_NOTE_  4
#define PT_STACK_ 0x6474e551u	/* PT_GNU_STACK */
#define SHT_PROGBITS_ 1
#define SHT_NOTE_ 7

struct ph {
	uint32_t type;
	uint64_t off, paddr, filesz, memsz;
};

struct sh {
	uint32_t type;
	uint64_t off, size;
};

/* p_align of PT_NOTE segments and sh_addralign of sections (other
 * segments: 2 MiB in ELF64, 4 KiB in ELF32). */
static uint64_t note_align = 4;

/* gABI 4.1: the header at 0, program headers right after it (at 52 or 64,
 * 32 or 56 bytes each), and, when nsh > 0, a section header table at
 * shoff: the null section, then sh[] (40 or 64 bytes each). e_entry is a
 * virtual address PVH does not use. */
static void elf_build(int bits, const struct ph *ph, unsigned nph, const struct sh *sh,
		      unsigned nsh, uint64_t shoff)
{
	static const uint8_t ident[] = { 0x7f, 'E', 'L', 'F', 0, 1, 1, 0 };

	put(0, ident, sizeof(ident));
	put8(4, bits == 64 ? 2 : 1);		/* EI_CLASS */
	put16(0x10, 2);				/* e_type: ET_EXEC */
	put16(0x12, bits == 64 ? 62 : 3);	/* e_machine: EM_X86_64 / EM_386 */
	put32(0x14, 1);				/* e_version */
	if (bits == 64) {
		put64(0x18, 0xffffffff81000000ull);	/* e_entry */
		put64(0x20, 64);		/* e_phoff */
		put64(0x28, nsh ? shoff : 0);	/* e_shoff */
		put16(0x34, 64);		/* e_ehsize */
		put16(0x36, 56);		/* e_phentsize */
		put16(0x38, (uint16_t)nph);	/* e_phnum */
		put16(0x3a, 64);		/* e_shentsize */
		put16(0x3c, (uint16_t)(nsh ? nsh + 1 : 0));	/* e_shnum */
		for (unsigned i = 0; i < nph; i++) {
			size_t p = 64 + i * 56;

			put32(p + 0x00, ph[i].type);
			put32(p + 0x04, 5);	/* PF_R | PF_X */
			put64(p + 0x08, ph[i].off);
			put64(p + 0x10, ph[i].paddr + 0xffffffff80000000ull);	/* p_vaddr */
			put64(p + 0x18, ph[i].paddr);
			put64(p + 0x20, ph[i].filesz);
			put64(p + 0x28, ph[i].memsz);
			put64(p + 0x30, ph[i].type == PT_NOTE_ ? note_align : 0x200000);
		}
		for (unsigned i = 0; i < nsh; i++) {
			size_t s = shoff + (i + 1) * 64;

			put32(s + 0x04, sh[i].type);
			put64(s + 0x18, sh[i].off);
			put64(s + 0x20, sh[i].size);
			put64(s + 0x30, note_align);	/* sh_addralign */
			put64(s + 0x38, 0);	/* sh_entsize: the entry's last field */
		}
		if (nsh)
			put64(shoff + 0x38, 0);	/* the null section */
	} else {
		put32(0x18, 0xc1000000);	/* e_entry */
		put32(0x1c, 52);		/* e_phoff */
		put32(0x20, nsh ? (uint32_t)shoff : 0);	/* e_shoff */
		put16(0x28, 52);		/* e_ehsize */
		put16(0x2a, 32);		/* e_phentsize */
		put16(0x2c, (uint16_t)nph);	/* e_phnum */
		put16(0x2e, 40);		/* e_shentsize */
		put16(0x30, (uint16_t)(nsh ? nsh + 1 : 0));	/* e_shnum */
		for (unsigned i = 0; i < nph; i++) {
			size_t p = 52 + i * 32;

			put32(p + 0x00, ph[i].type);
			put32(p + 0x04, (uint32_t)ph[i].off);
			put32(p + 0x08, (uint32_t)ph[i].paddr + 0xc0000000u);	/* p_vaddr */
			put32(p + 0x0c, (uint32_t)ph[i].paddr);
			put32(p + 0x10, (uint32_t)ph[i].filesz);
			put32(p + 0x14, (uint32_t)ph[i].memsz);
			put32(p + 0x18, 5);
			put32(p + 0x1c, ph[i].type == PT_NOTE_ ? (uint32_t)note_align : 0x1000);
		}
		for (unsigned i = 0; i < nsh; i++) {
			size_t s = shoff + (i + 1) * 40;

			put32(s + 0x04, sh[i].type);
			put32(s + 0x10, (uint32_t)sh[i].off);
			put32(s + 0x14, (uint32_t)sh[i].size);
			put32(s + 0x20, (uint32_t)note_align);	/* sh_addralign */
			put32(s + 0x24, 0);	/* sh_entsize: the entry's last field */
		}
		if (nsh)
			put32(shoff + 0x24, 0);	/* the null section */
	}
}

/* gABI 4.1 ch. 5 "Note Section": namesz, descsz, type, then the name and
 * the descriptor, each padded to note_pad bytes from the note's start.
 * Returns the offset after it. */
static size_t note_pad = 4;

static size_t note_put(size_t off, const char *name, uint32_t namesz, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	size_t d = (12 + namesz + note_pad - 1) & ~(note_pad - 1);

	put32(off, namesz);
	put32(off + 4, descsz);
	put32(off + 8, type);
	if (namesz)
		put(off + 12, name, namesz);
	if (descsz)
		put(off + d, desc, descsz);
	return off + ((d + descsz + note_pad - 1) & ~(note_pad - 1));
}

/* The entry note as Linux writes it on x86-64 (an 8-byte _ASM_PTR) or as
 * Xen's document does (".long"). */
static size_t entry_note(size_t off, uint64_t entry, uint32_t descsz)
{
	return note_put(off, "Xen", 4, 18, &entry, descsz);
}

/* The typical kernel: other Xen and Linux notes around the entry note at
 * 0x200, text at 16 MiB from file offset 0x1000 (8 KiB in the file, 12 KiB
 * in memory), data 16 KiB above (4 KiB in the file, 64 KiB in memory), a
 * PT_GNU_STACK, and the file ending with the data's bytes. */
#define KERNEL_ENTRY (16 * MiB + 0x850)
#define KERNEL_END   (16 * MiB + 0x4000 + 0x10000)

static size_t notes_at;		/* where the entry note's descriptor went */

static void kernel(int bits, uint32_t descsz)
{
	struct ph ph[4] = {
		{ PT_LOAD_, 0x1000, 16 * MiB, 0x2000, 0x3000 },
		{ PT_LOAD_, 0x3000, 16 * MiB + 0x4000, 0x1000, 0x10000 },
		{ PT_NOTE_, 0x200, 0, 0, 0 },
		{ PT_STACK_, 0, 0, 0, 0 },
	};
	size_t off;

	img_reset();
	off = note_put(0x200, "Xen", 4, 6, "linux", 6);		/* GUEST_OS */
	off = note_put(off, "GNU", 4, 3, "0123456789abcdefghij", 20);	/* build id */
	off = note_put(off, "Linux", 6, 0x101, "6.1", 4);
	notes_at = off + 16;
	off = entry_note(off, KERNEL_ENTRY, descsz);
	ph[2].filesz = off - 0x200;
	memset(img + 0x1000, 0x90, 0x3000);
	elf_build(bits, ph, 4, NULL, 0, 0);
	img_len = 0x4000;
}

/* ---- running the module on exact-size copies ---- */

static struct pvh_plan plan;

static int plan_run(uint64_t mem, const char **err)
{
	uint8_t *copy = malloc(img_len ? img_len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	*err = NULL;
	r = pvh_plan(copy, img_len, mem, &plan, err);
	free(copy);
	return r;
}

static void plan_ok(uint64_t mem)
{
	const char *err;

	if (plan_run(mem, &err))
		fail_msg("refused: %s", err);
}

static void plan_refused(uint64_t mem, const char *want)
{
	const char *err;

	assert_int_equal(plan_run(mem, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static bool has_note(void)
{
	uint8_t *copy = malloc(img_len ? img_len : 1);
	bool r;

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	r = pvh_has_entry_note(copy, img_len);
	free(copy);
	return r;
}

static void expect_seg(unsigned i, uint64_t off, uint64_t filesz, uint64_t gpa, uint64_t memsz)
{
	assert_true(i < plan.nr_segments);
	assert_int_equal(plan.seg[i].file_off, off);
	assert_int_equal(plan.seg[i].file_size, filesz);
	assert_int_equal(plan.seg[i].gpa, gpa);
	assert_int_equal(plan.seg[i].mem_size, memsz);
}

/* The fuzzer's input: a 16-byte prefix (byte 0: guest memory 256 MiB,
 * tests/fuzz/fuzz_pvh.c), then the image. */
static void corpus_write(const char *name)
{
	const char *dir = getenv("PVH_CORPUS_DIR");
	uint8_t head[16] = { 3 };
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(head, 1, sizeof(head), f), sizeof(head));
	assert_int_equal(fwrite(img, 1, img_len, f), img_len);
	fclose(f);
}

#define NO_NOTE "PVH: no XEN_ELFNOTE_PHYS32_ENTRY note (type 18, name \"Xen\")"
#define ENTRY_OUT "PVH: the XEN_ELFNOTE_PHYS32_ENTRY entry is not in a PT_LOAD segment's file bytes"

/* ---- pvh_plan: good kernels ---- */

static void test_plan_elf64(void **state)
{
	(void)state;
	kernel(64, 8);
	corpus_write("elf64");
	plan_ok(256 * MiB);
	assert_int_equal(plan.entry, KERNEL_ENTRY);
	assert_true(plan.is64);
	assert_false(plan.note_in_section);
	assert_int_equal(plan.nr_segments, 2);
	expect_seg(0, 0x1000, 0x2000, 16 * MiB, 0x3000);
	expect_seg(1, 0x3000, 0x1000, 16 * MiB + 0x4000, 0x10000);
	assert_int_equal(plan.image_end, KERNEL_END);
	assert_true(has_note());
	/* Exactly enough RAM. */
	plan_ok(KERNEL_END);
	plan_refused(KERNEL_END - 1, "PVH: a PT_LOAD segment lies outside the VM's RAM");
}

static void test_plan_elf32(void **state)
{
	(void)state;
	kernel(32, 4);
	corpus_write("elf32");
	plan_ok(64 * MiB);
	assert_int_equal(plan.entry, KERNEL_ENTRY);
	assert_false(plan.is64);
	assert_int_equal(plan.nr_segments, 2);
	expect_seg(0, 0x1000, 0x2000, 16 * MiB, 0x3000);
	expect_seg(1, 0x3000, 0x1000, 16 * MiB + 0x4000, 0x10000);
	assert_int_equal(plan.image_end, KERNEL_END);
	/* A 4-byte descriptor in an ELF64, an 8-byte one in an ELF32. */
	kernel(64, 4);
	plan_ok(64 * MiB);
	assert_int_equal(plan.entry, KERNEL_ENTRY);
	kernel(32, 8);
	plan_ok(64 * MiB);
	assert_int_equal(plan.entry, KERNEL_ENTRY);
}

/* ---- the note ---- */

static void test_note_forms(void **state)
{
	uint32_t two = 0x1234;

	(void)state;
	/* 8 bytes: the low 32 bits, whatever the high ones hold (as QEMU). */
	kernel(64, 8);
	put32(notes_at + 4, 0xdeadbeef);
	plan_ok(64 * MiB);
	assert_int_equal(plan.entry, KERNEL_ENTRY);

	/* Other sizes are refused. */
	kernel(64, 8);
	put32(notes_at - 16 + 4, 2);
	put(notes_at, &two, 2);
	plan_refused(64 * MiB,
		     "PVH: the XEN_ELFNOTE_PHYS32_ENTRY note's descriptor is not 4 or 8 bytes");
	assert_true(has_note());	/* found, though unusable */
	put32(notes_at - 16 + 4, 0);
	plan_refused(64 * MiB,
		     "PVH: the XEN_ELFNOTE_PHYS32_ENTRY note's descriptor is not 4 or 8 bytes");

	/* Not the note: another type, another name, a name without its NUL. */
	kernel(64, 8);
	put32(notes_at - 16 + 8, 17);
	plan_refused(64 * MiB, NO_NOTE);
	assert_false(has_note());
	kernel(64, 8);
	put(notes_at - 4, "Xem", 4);
	plan_refused(64 * MiB, NO_NOTE);
	kernel(64, 8);
	put32(notes_at - 16, 3);	/* namesz 3: "Xen" without the NUL, same padding */
	plan_refused(64 * MiB, NO_NOTE);
}

static void test_note_first_wins(void **state)
{
	struct ph ph[2] = {
		{ PT_NOTE_, 0x200, 0, 0, 0 },
		{ PT_LOAD_, 0x1000, 2 * MiB, 0x1000, 0x1000 },
	};
	size_t off;

	(void)state;
	img_reset();
	off = entry_note(0x200, 2 * MiB + 0x10, 4);
	off = entry_note(off, 2 * MiB + 0x20, 4);
	ph[0].filesz = off - 0x200;
	elf_build(64, ph, 2, NULL, 0, 0);
	put8(0x1fff, 0xc3);
	plan_ok(16 * MiB);
	assert_int_equal(plan.entry, 2 * MiB + 0x10);
	/* A second PT_NOTE over the second note only: the first segment wins. */
	{
		struct ph ph3[3] = { { PT_NOTE_, 0x214, 0, 0x14, 0 }, ph[0], ph[1] };

		elf_build(64, ph3, 3, NULL, 0, 0);
		plan_ok(16 * MiB);
		assert_int_equal(plan.entry, 2 * MiB + 0x20);
	}
}

/* GNU readelf's rule: 8-byte padding in an ELF64 note segment or section
 * aligned to more than 4 (as assemblers align .note.gnu.property, and as
 * Xen's own notes may come), 4 otherwise and in every ELF32. */
static void test_note_padding(void **state)
{
	struct ph ph[2] = {
		{ PT_NOTE_, 0x200, 0, 0, 0 },
		{ PT_LOAD_, 0x1000, 2 * MiB, 0x1000, 0x1000 },
	};
	struct sh sh[1] = { { SHT_NOTE_, 0x200, 0 } };
	size_t off;

	(void)state;
	for (int bits = 32; bits <= 64; bits += 32) {
		img_reset();
		note_pad = bits == 64 ? 8 : 4;
		off = note_put(0x200, "Linux", 6, 0x101, "6.1", 4);	/* desc at +24, next +32 */
		off = entry_note(off, 2 * MiB + 0x30, 4);
		note_pad = 4;
		ph[0].filesz = sh[0].size = off - 0x200;
		note_align = 8;
		elf_build(bits, ph, 2, NULL, 0, 0);
		put8(0x1fff, 0);
		plan_ok(16 * MiB);
		assert_int_equal(plan.entry, 2 * MiB + 0x30);
		if (bits == 64) {
			/* The same bytes read with 4-byte padding: lost. */
			note_align = 4;
			elf_build(bits, ph, 2, NULL, 0, 0);
			plan_refused(16 * MiB, NO_NOTE);
			note_align = 16;
			elf_build(bits, ph, 2, NULL, 0, 0);
			plan_ok(16 * MiB);
		}
		/* A section's sh_addralign says the same. */
		note_align = 8;
		elf_build(bits, ph + 1, 1, sh, 1, 0x2000);
		plan_ok(16 * MiB);
		assert_true(plan.note_in_section);
		if (bits == 64) {
			note_align = 4;
			elf_build(bits, ph + 1, 1, sh, 1, 0x2000);
			plan_refused(16 * MiB, NO_NOTE);
		}
		note_align = 4;
	}
}

static void test_note_sections(void **state)
{
	struct ph ph[1] = { { PT_LOAD_, 0x1000, 2 * MiB, 0x1000, 0x1000 } };
	struct ph ph_note[2] = { ph[0], { PT_NOTE_, 0x200, 0, 0x18, 0 } };
	struct sh sh[2] = {
		{ SHT_PROGBITS_, 0x1000, 0x1000 },
		{ SHT_NOTE_, 0x300, 0x18 },
	};

	(void)state;
	for (int bits = 32; bits <= 64; bits += 32) {
		/* No PT_NOTE at all: the SHT_NOTE section holds the note. */
		img_reset();
		entry_note(0x300, 2 * MiB + 0x40, 8);
		elf_build(bits, ph, 1, sh, 2, 0x2000);
		plan_ok(16 * MiB);
		assert_int_equal(plan.entry, 2 * MiB + 0x40);
		assert_true(plan.note_in_section);
		assert_true(has_note());
		corpus_write(bits == 64 ? "section64" : "section32");

		/* A PT_NOTE without the entry note: the sections are read. */
		note_put(0x200, "Xen", 4, 6, "linux", 6);
		ph_note[1].filesz = 0x18;
		elf_build(bits, ph_note, 2, sh, 2, 0x2000);
		plan_ok(16 * MiB);
		assert_int_equal(plan.entry, 2 * MiB + 0x40);
		assert_true(plan.note_in_section);

		/* A PT_NOTE with it: the sections are not read. */
		entry_note(0x200, 2 * MiB + 0x80, 4);
		ph_note[1].filesz = 0x14;
		elf_build(bits, ph_note, 2, sh, 2, 0x2000);
		plan_ok(16 * MiB);
		assert_int_equal(plan.entry, 2 * MiB + 0x80);
		assert_false(plan.note_in_section);

		/* Section 0 (SHN_UNDEF) is never read, even as a SHT_NOTE. */
		img_reset();
		entry_note(0x300, 2 * MiB + 0x40, 8);
		elf_build(bits, ph, 1, sh, 1, 0x2000);
		put32(0x2000 + 4, SHT_NOTE_);
		if (bits == 64) {
			put64(0x2000 + 0x18, 0x300);
			put64(0x2000 + 0x20, 0x18);
		} else {
			put32(0x2000 + 0x10, 0x300);
			put32(0x2000 + 0x14, 0x18);
		}
		plan_refused(16 * MiB, NO_NOTE);

		/* A section table that is not in the file, or has small entries. */
		img_reset();
		entry_note(0x300, 2 * MiB + 0x40, 8);
		elf_build(bits, ph, 1, sh, 2, 0x2000);
		img_len -= 1;
		plan_refused(16 * MiB, NO_NOTE);
		img_len += 1;
		plan_ok(16 * MiB);
		put16(bits == 64 ? 0x3a : 0x2e, bits == 64 ? 63 : 39);	/* e_shentsize */
		plan_refused(16 * MiB, NO_NOTE);
		put16(bits == 64 ? 0x3a : 0x2e, bits == 64 ? 64 : 40);
		/* A section past the end of the file is skipped. */
		if (bits == 64)
			put64(0x2000 + 2 * 64 + 0x20, 0x10000);
		else
			put32(0x2000 + 2 * 40 + 0x14, 0x10000);
		plan_refused(16 * MiB, NO_NOTE);
	}
}


static void test_note_bounds(void **state)
{
	struct ph ph[2] = {
		{ PT_NOTE_, 0x200, 0, 0, 0 },
		{ PT_LOAD_, 0x100, 2 * MiB, 0x100, 0x1000 },
	};
	size_t off;

	(void)state;
	/* The segment cut anywhere inside the note: not found. */
	img_reset();
	off = entry_note(0x200, 2 * MiB + 0x10, 8);
	for (uint64_t cut = 0; cut < off - 0x200; cut++) {
		ph[0].filesz = cut;
		elf_build(64, ph, 2, NULL, 0, 0);
		plan_refused(16 * MiB, NO_NOTE);
	}
	ph[0].filesz = off - 0x200;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_ok(16 * MiB);
	assert_int_equal(plan.entry, 2 * MiB + 0x10);
	/* The last note of a segment needs no padding after its descriptor. */
	put32(0x204, 6);
	ph[0].filesz = 12 + 4 + 6;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_refused(16 * MiB,
		     "PVH: the XEN_ELFNOTE_PHYS32_ENTRY note's descriptor is not 4 or 8 bytes");
	put32(0x204, 8);
	/* A PT_NOTE not inside the file is skipped, not refused. */
	ph[0].filesz = 0x10000;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_refused(16 * MiB, NO_NOTE);
	ph[0] = (struct ph){ PT_NOTE_, UINT64_MAX - 3, 0, 8, 0 };
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_refused(16 * MiB, NO_NOTE);
	/* A name or descriptor size past the segment ends the walk. */
	ph[0] = (struct ph){ PT_NOTE_, 0x200, 0, 0x18, 0 };
	note_put(0x200, "Xen", 4, 6, "linux", 6);
	put32(0x200, 0xfffffffd);	/* namesz: padding it must not wrap */
	entry_note(0x218, 2 * MiB + 0x10, 8);
	ph[0].filesz = 0x30;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_refused(16 * MiB, NO_NOTE);
	put32(0x200, 4);
	put32(0x204, 0xffffffff);	/* descsz */
	plan_refused(16 * MiB, NO_NOTE);
	put32(0x204, 6);
	plan_ok(16 * MiB);
}

/* PVH_MAX_NOTES bounds the notes looked at in the whole file, over every
 * PT_NOTE segment. */
static void test_note_count(void **state)
{
	struct ph ph[4] = {
		{ PT_LOAD_, 0x100, 2 * MiB, 0x100, 0x1000 },
		{ PT_NOTE_, 0x200, 0, 0, 0 },
		{ PT_NOTE_, 0x200, 0, 0, 0 },
		{ PT_NOTE_, 0x200, 0, 0, 0 },
	};
	size_t off;

	(void)state;
	img_reset();
	/* 4095 empty notes (12 bytes each), then the entry note. */
	off = 0x200;
	for (unsigned i = 0; i < PVH_MAX_NOTES - 1; i++)
		off = note_put(off, NULL, 0, 0, NULL, 0);
	put32(0x1fe0, 0);
	off = entry_note(off, 2 * MiB + 0x10, 8);
	ph[1].filesz = off - 0x200;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_ok(16 * MiB);
	/* One more empty note before it: past the bound. */
	memmove(img + 0x200 + 12, img + 0x200, off - 0x200);
	memset(img + 0x200, 0, 12);
	img_len += 12;
	ph[1].filesz += 12;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_refused(16 * MiB, NO_NOTE);
	assert_false(has_note());
	/* The count runs over segments: 2000 empty notes, then the note. */
	img_reset();
	off = 0x200;
	for (unsigned i = 0; i < 2000; i++)
		off = note_put(off, NULL, 0, 0, NULL, 0);
	ph[1].filesz = ph[2].filesz = off - 0x200;
	off = entry_note(off, 2 * MiB + 0x10, 8);
	ph[3].filesz = off - 0x200;
	ph[2].type = PT_STACK_;
	elf_build(64, ph, 4, NULL, 0, 0);
	plan_ok(16 * MiB);		/* 2000 + 2001 notes */
	ph[2].type = PT_NOTE_;
	elf_build(64, ph, 4, NULL, 0, 0);
	plan_refused(16 * MiB, NO_NOTE);	/* 2000 + 2000 + 96 */
}

/* ---- pvh_plan: the segments and the entry ---- */

#define PH64(i, f) (64 + (i) * 56 + (f))	/* gABI: Elf64_Phdr i, field offset f */
#define P_OFFSET 0x08
#define P_PADDR  0x18
#define P_FILESZ 0x20
#define P_MEMSZ  0x28

static void test_plan_segments(void **state)
{
	(void)state;
	kernel(64, 8);
	put64(PH64(0, P_MEMSZ), 0x1fff);
	plan_refused(64 * MiB, "PVH: a PT_LOAD segment's p_filesz is larger than its p_memsz");

	kernel(64, 8);
	put64(PH64(1, P_FILESZ), 0x1001);
	plan_refused(64 * MiB, "PVH: a PT_LOAD segment's file bytes run past the end of the file");
	put64(PH64(1, P_FILESZ), 0x1000);
	put64(PH64(1, P_OFFSET), UINT64_MAX - 0x800);
	plan_refused(64 * MiB, "PVH: a PT_LOAD segment's file bytes run past the end of the file");

	kernel(64, 8);
	plan_refused(16 * MiB, "PVH: a PT_LOAD segment lies outside the VM's RAM");
	plan_refused(0, "PVH: a PT_LOAD segment lies outside the VM's RAM");
	put64(PH64(1, P_PADDR), UINT64_MAX - 0x100);
	plan_refused(UINT64_MAX, "PVH: a PT_LOAD segment lies outside the VM's RAM");

	/* The low MiB is the VM builder's. */
	kernel(64, 8);
	put64(PH64(0, P_PADDR), 0x80000);
	plan_refused(64 * MiB, "PVH: a PT_LOAD segment lies below 1 MiB (the VM builder's low area)");
	put64(PH64(0, P_PADDR), 1 * MiB - 1);
	plan_refused(64 * MiB, "PVH: a PT_LOAD segment lies below 1 MiB (the VM builder's low area)");
	put64(PH64(0, P_PADDR), 1 * MiB);
	put32(notes_at, 1 * MiB);
	plan_ok(64 * MiB);
	assert_int_equal(plan.entry, 1 * MiB);
	expect_seg(0, 0x1000, 0x2000, 1 * MiB, 0x3000);

	/* Nothing ends above 4 GiB. */
	kernel(64, 8);
	put64(PH64(1, P_PADDR), 4 * GiB - 0x8000);
	plan_refused(8 * GiB,
		     "PVH: a PT_LOAD segment ends above 4 GiB (the kernel starts with paging off)");
	put64(PH64(1, P_PADDR), 4 * GiB - 0x10000);
	plan_ok(8 * GiB);
	assert_int_equal(plan.image_end, 4 * GiB);

	/* Overlap; touching is fine. */
	kernel(64, 8);
	put64(PH64(1, P_PADDR), 16 * MiB + 0x2fff);
	plan_refused(64 * MiB, "PVH: PT_LOAD segments overlap in guest memory");
	put64(PH64(1, P_PADDR), 15 * MiB);
	put64(PH64(1, P_MEMSZ), 1 * MiB + 1);
	plan_refused(64 * MiB, "PVH: PT_LOAD segments overlap in guest memory");
	put64(PH64(1, P_PADDR), 16 * MiB + 0x3000);
	put64(PH64(1, P_MEMSZ), 0x1000);
	plan_ok(64 * MiB);
	assert_int_equal(plan.image_end, 16 * MiB + 0x4000);

	/* A PT_LOAD of p_memsz 0 is skipped wherever it points. */
	kernel(64, 8);
	put32(PH64(3, 0), PT_LOAD_);
	put64(PH64(3, P_OFFSET), UINT64_MAX);
	plan_ok(64 * MiB);
	assert_int_equal(plan.nr_segments, 2);
	/* ...but not one with p_filesz > 0. */
	put64(PH64(3, P_FILESZ), 1);
	plan_refused(64 * MiB, "PVH: a PT_LOAD segment's p_filesz is larger than its p_memsz");
}

static void test_plan_segment_count(void **state)
{
	struct ph ph[18];

	(void)state;
	img_reset();
	ph[0] = (struct ph){ PT_NOTE_, 0x600, 0, 0, 0 };
	ph[0].filesz = entry_note(0x600, 2 * MiB, 8) - 0x600;
	for (unsigned i = 1; i < 18; i++)
		ph[i] = (struct ph){ PT_LOAD_, 0x1000 + (i - 1) * 0x100, 2 * MiB + (i - 1) * MiB,
				     0x100, 0x1000 };
	elf_build(64, ph, 17, NULL, 0, 0);
	put8(0x1000 + 17 * 0x100 - 1, 0xc3);
	plan_ok(64 * MiB);
	assert_int_equal(plan.nr_segments, 16);
	assert_int_equal(plan.image_end, 17 * MiB + 0x1000);
	elf_build(64, ph, 18, NULL, 0, 0);
	plan_refused(64 * MiB, "PVH: more than 16 PT_LOAD segments");
	/* No PT_LOAD at all, or only empty ones. */
	elf_build(64, ph, 1, NULL, 0, 0);
	plan_refused(64 * MiB, "PVH: the ELF file has no PT_LOAD segment to load");
	ph[1].filesz = ph[1].memsz = 0;
	elf_build(64, ph, 2, NULL, 0, 0);
	plan_refused(64 * MiB, "PVH: the ELF file has no PT_LOAD segment to load");
}

static void test_plan_entry(void **state)
{
	(void)state;
	kernel(64, 8);
	/* The file bytes of either segment, not its zero-filled rest. */
	put32(notes_at, 16 * MiB);
	plan_ok(64 * MiB);
	put32(notes_at, 16 * MiB + 0x1fff);
	plan_ok(64 * MiB);
	put32(notes_at, 16 * MiB + 0x4000);
	plan_ok(64 * MiB);
	assert_int_equal(plan.entry, 16 * MiB + 0x4000);
	put32(notes_at, 16 * MiB + 0x2000);
	plan_refused(64 * MiB, ENTRY_OUT);
	put32(notes_at, 16 * MiB + 0x3000);
	plan_refused(64 * MiB, ENTRY_OUT);
	put32(notes_at, 16 * MiB + 0x5000);
	plan_refused(64 * MiB, ENTRY_OUT);
	put32(notes_at, 16 * MiB - 1);
	plan_refused(64 * MiB, ENTRY_OUT);
	put32(notes_at, 0);
	plan_refused(64 * MiB, ENTRY_OUT);
	/* The note is looked for before the segments are checked. */
	put32(notes_at - 16 + 8, 17);
	put64(PH64(0, P_PADDR), 0);
	plan_refused(64 * MiB, NO_NOTE);
}

/* ---- pvh_plan: the ELF header ---- */

static void test_plan_elf_refusals(void **state)
{
	struct pvh_plan p;
	const char *err = NULL;

	(void)state;
	kernel(64, 8);
	put8(0, 0x7e);
	plan_refused(64 * MiB, "PVH: not an ELF file (PVH boots an ELF kernel such as vmlinux)");
	assert_false(has_note());
	assert_int_equal(pvh_plan(NULL, 4096, 64 * MiB, &p, &err), -1);
	assert_string_equal(err, "PVH: not an ELF file (PVH boots an ELF kernel such as vmlinux)");
	assert_int_equal(pvh_plan(NULL, 0, 64 * MiB, &p, NULL), -1);	/* err may be NULL */
	assert_false(pvh_has_entry_note(NULL, 4096));

	kernel(32, 4);
	img_len = 51;
	plan_refused(64 * MiB, "PVH: the file is too short for its ELF header");
	kernel(64, 8);
	img_len = 63;
	plan_refused(64 * MiB, "PVH: the file is too short for its ELF header");

	kernel(64, 8);
	put8(5, 2);
	plan_refused(64 * MiB, "PVH: the ELF file is not little-endian (EI_DATA)");
	kernel(64, 8);
	put8(6, 0);
	plan_refused(64 * MiB, "PVH: the ELF version is not 1 (EI_VERSION)");
	kernel(64, 8);
	put8(4, 3);
	plan_refused(64 * MiB, "PVH: the ELF class is neither 32-bit nor 64-bit (EI_CLASS)");
	kernel(32, 4);
	put16(0x12, 62);
	plan_refused(64 * MiB, "PVH: the ELF32 file is not for i386 (e_machine)");
	kernel(64, 8);
	put16(0x12, 3);
	plan_refused(64 * MiB, "PVH: the ELF64 file is not for x86-64 (e_machine)");
	kernel(64, 8);
	put16(0x10, 1);		/* ET_REL */
	plan_refused(64 * MiB, "PVH: the ELF file is not an executable (e_type)");
	put16(0x10, 3);		/* ET_DYN */
	plan_ok(64 * MiB);
	kernel(64, 8);
	put16(0x36, 55);
	plan_refused(64 * MiB, "PVH: the ELF e_phentsize is smaller than a program header");
	kernel(32, 4);
	put16(0x2a, 31);
	plan_refused(64 * MiB, "PVH: the ELF e_phentsize is smaller than a program header");
	kernel(64, 8);
	put16(0x38, 0);
	plan_refused(64 * MiB, "PVH: the ELF file has no program headers");
	kernel(64, 8);
	put64(0x20, UINT64_MAX - 8);
	plan_refused(64 * MiB, "PVH: the ELF program headers run past the end of the file");
	kernel(64, 8);
	put16(0x38, 0x4000 / 56);
	plan_refused(64 * MiB, "PVH: the ELF program headers run past the end of the file");
}

/* Every cut of a good file is refused, without reading past it. */
static void test_plan_truncated(void **state)
{
	size_t full;
	const char *err;

	(void)state;
	for (int bits = 32; bits <= 64; bits += 32) {
		kernel(bits, bits / 8);
		full = img_len;
		for (img_len = 0; img_len < full; img_len += 1 + img_len / 64) {
			assert_int_equal(plan_run(64 * MiB, &err), -1);
			assert_memory_equal(err, "PVH: ", 5);
		}
		img_len = full;
		plan_ok(64 * MiB);
	}
}

/* ---- pvh_initrd_gpa ---- */

static void test_initrd(void **state)
{
	(void)state;
	kernel(64, 8);
	plan_ok(256 * MiB);		/* image_end 16 MiB + 0x14000 */
	assert_int_equal(pvh_initrd_gpa(&plan, 0x1234, 256 * MiB), 256 * MiB - 0x2000);
	assert_int_equal(pvh_initrd_gpa(&plan, 0x1000, 256 * MiB), 256 * MiB - 0x1000);
	assert_int_equal(pvh_initrd_gpa(&plan, 0x1000, 200 * MiB + 0x800), 200 * MiB - 0x1000);
	/* Exactly the room above the image. */
	assert_int_equal(pvh_initrd_gpa(&plan, 256 * MiB - KERNEL_END, 256 * MiB), KERNEL_END);
	assert_int_equal(pvh_initrd_gpa(&plan, 256 * MiB - KERNEL_END + 1, 256 * MiB), 0);
	assert_int_equal(pvh_initrd_gpa(&plan, 0, 256 * MiB), 0);
	assert_int_equal(pvh_initrd_gpa(&plan, UINT64_MAX, 256 * MiB), 0);
	assert_int_equal(pvh_initrd_gpa(&plan, 0x1000, KERNEL_END - 1), 0);
	/* Below 4 GiB on a big guest. */
	plan_ok(8 * GiB);
	assert_int_equal(pvh_initrd_gpa(&plan, 0x1000, 8 * GiB), 4 * GiB - 0x1000);
	assert_int_equal(pvh_initrd_gpa(&plan, 0x1001, 8 * GiB), 4 * GiB - 0x2000);
}

/* ---- pvh_build_start_info ---- */

static uint8_t si[8192];
static uint32_t si_gpa;

static size_t build(size_t cap, uint64_t gpa, const struct pvh_boot *b, const char **err)
{
	assert_true(cap <= sizeof(si));
	memset(si, 0xcc, sizeof(si));
	si_gpa = 0xdeadbeef;
	*err = NULL;
	return pvh_build_start_info(si, cap, gpa, b, &si_gpa, err);
}

static size_t build_ok(size_t cap, uint64_t gpa, const struct pvh_boot *b)
{
	const char *err;
	size_t used = build(cap, gpa, b, &err);

	if (!used)
		fail_msg("refused: %s", err);
	assert_true(used <= cap);
	assert_int_equal(si_gpa, gpa);
	for (size_t i = used; i < sizeof(si); i++)
		if (si[i] != 0xcc)
			fail_msg("byte %zu past the %zu used was written", i, used);
	return used;
}

static void build_refused(size_t cap, uint64_t gpa, const struct pvh_boot *b, const char *want)
{
	const char *err;

	assert_int_equal(build(cap, gpa, b, &err), 0);
	assert_non_null(err);
	assert_string_equal(err, want);
	assert_int_equal(si_gpa, 0xdeadbeef);
	for (size_t i = 0; i < sizeof(si); i++)
		if (si[i] != 0xcc)
			fail_msg("byte %zu written by a refused build", i);
}

static uint32_t sget32(size_t off) { uint32_t v; memcpy(&v, si + off, 4); return v; }
static uint64_t sget64(size_t off) { uint64_t v; memcpy(&v, si + off, 8); return v; }

/* start_info.h's diagram: the memory map entry i, { addr, size, type,
 * reserved } in 24 bytes, at memmap_paddr (offset 40). */
static void map_expect(uint64_t gpa, unsigned i, uint64_t addr, uint64_t size, uint32_t type)
{
	size_t off = sget64(40) - gpa + 24 * (size_t)i;

	assert_true(i < sget32(48));
	assert_int_equal(sget64(off), addr);
	assert_int_equal(sget64(off + 8), size);
	assert_int_equal(sget32(off + 16), type);
	assert_int_equal(sget32(off + 20), 0);
}

static void test_start_info_fields(void **state)
{
	static const char cmdline[] = "console=ttyS0 root=/dev/vda";
	const struct guest_mem_range r[] = {
		{ 0xfec00000, 0x1000, 2 },		/* past RAM: as is */
		{ 256 * MiB - 64 * KiB, 64 * KiB, 3 },	/* ACPI tables at the top of RAM */
	};
	struct pvh_boot b = {
		.guest_mem = 256 * MiB, .cmdline = cmdline,
		.initrd_gpa = 200 * MiB, .initrd_size = 0x123456, .rsdp_gpa = 0xe0000,
		.extra_reserved = r, .nr_extra_reserved = 2,
	};
	const uint64_t gpa = 0x10000;
	size_t used;

	(void)state;
	used = build_ok(sizeof(si), gpa, &b);
	assert_int_equal(used, 56 + 32 + 5 * 24 + sizeof(cmdline));
	assert_int_equal(sget32(0), 0x336ec578);	/* magic */
	assert_int_equal(sget32(4), 1);			/* version */
	assert_int_equal(sget32(8), 0);			/* flags */
	assert_int_equal(sget32(12), 1);		/* nr_modules */
	assert_int_equal(sget64(16), gpa + 56);		/* modlist_paddr */
	assert_int_equal(sget64(24), gpa + 56 + 32 + 5 * 24);	/* cmdline_paddr */
	assert_int_equal(sget64(32), 0xe0000);		/* rsdp_paddr */
	assert_int_equal(sget64(40), gpa + 56 + 32);	/* memmap_paddr */
	assert_int_equal(sget32(48), 5);		/* memmap_entries */
	assert_int_equal(sget32(52), 0);		/* reserved */
	/* The module: paddr, size, cmdline_paddr, reserved. */
	assert_int_equal(sget64(56), 200 * MiB);
	assert_int_equal(sget64(64), 0x123456);
	assert_int_equal(sget64(72), 0);
	assert_int_equal(sget64(80), 0);
	map_expect(gpa, 0, 0, 640 * KiB, 1);
	map_expect(gpa, 1, 640 * KiB, 384 * KiB, 2);
	map_expect(gpa, 2, 1 * MiB, 255 * MiB - 64 * KiB, 1);
	map_expect(gpa, 3, 256 * MiB - 64 * KiB, 64 * KiB, 3);
	map_expect(gpa, 4, 0xfec00000, 0x1000, 2);
	assert_string_equal((const char *)si + (sget64(24) - gpa), cmdline);
	/* Exactly enough room; everything ends below 4 GiB. */
	assert_int_equal(build_ok(used, gpa, &b), used);
	b.guest_mem = 8 * GiB;		/* RAM now around both extra ranges: 7 entries */
	b.initrd_gpa = 2 * GiB;
	used = build_ok(sizeof(si), gpa, &b);
	assert_int_equal(sget32(48), 7);
	assert_int_equal(build_ok(used, (4 * GiB - used) & ~7ull, &b), used);
	assert_int_equal(si_gpa, (4 * GiB - used) & ~7ull);
}

static void test_start_info_minimal(void **state)
{
	struct pvh_boot b = { .guest_mem = 64 * MiB };
	size_t used;

	(void)state;
	/* No module, no command line, no RSDP: their addresses are 0. */
	used = build_ok(sizeof(si), 0x7000, &b);
	assert_int_equal(used, 56 + 3 * 24);
	assert_int_equal(sget32(12), 0);
	assert_int_equal(sget64(16), 0);
	assert_int_equal(sget64(24), 0);
	assert_int_equal(sget64(32), 0);
	assert_int_equal(sget64(40), 0x7000 + 56);
	assert_int_equal(sget32(48), 3);
	map_expect(0x7000, 0, 0, 640 * KiB, 1);
	map_expect(0x7000, 1, 640 * KiB, 384 * KiB, 2);
	map_expect(0x7000, 2, 1 * MiB, 63 * MiB, 1);
	/* An empty command line is one NUL. */
	b.cmdline = "";
	used = build_ok(sizeof(si), 0x7000, &b);
	assert_int_equal(used, 56 + 3 * 24 + 1);
	assert_int_equal(sget64(24), 0x7000 + 56 + 72);
	assert_int_equal(si[56 + 72], 0);
	/* A guest of exactly 1 MiB: no high RAM. */
	b.guest_mem = 1 * MiB;
	build_ok(sizeof(si), 0x7000, &b);
	assert_int_equal(sget32(48), 2);
	/* At GPA 0: the start info's own address may be 0. */
	build_ok(sizeof(si), 0, &b);
	assert_int_equal(sget64(40), 56);
}

/* The same map as the zero page's e820 table (tests/unit/test_bzimage.c,
 * test_e820_split), and the bound on extra ranges. */
static void test_start_info_memmap(void **state)
{
	const struct guest_mem_range r[] = {
		{ 0xfec00000, 0x1000, 2 },
		{ 128 * MiB - 128 * KiB, 64 * KiB, 3 },
		{ 0x10000, 0x1000, 2 },
		{ 256 * MiB - 4 * KiB, 4 * KiB, 4 },
	};
	struct guest_mem_range many[62];
	struct pvh_boot b = { .guest_mem = 256 * MiB, .extra_reserved = r, .nr_extra_reserved = 4 };

	(void)state;
	build_ok(sizeof(si), 0x20000, &b);
	assert_int_equal(sget32(48), 9);
	map_expect(0x20000, 0, 0, 0x10000, 1);
	map_expect(0x20000, 1, 0x10000, 0x1000, 2);
	map_expect(0x20000, 2, 0x11000, 640 * KiB - 0x11000, 1);
	map_expect(0x20000, 3, 640 * KiB, 384 * KiB, 2);
	map_expect(0x20000, 4, 1 * MiB, 127 * MiB - 128 * KiB, 1);
	map_expect(0x20000, 5, 128 * MiB - 128 * KiB, 64 * KiB, 3);
	map_expect(0x20000, 6, 128 * MiB - 64 * KiB, 128 * MiB + 64 * KiB - 4 * KiB, 1);
	map_expect(0x20000, 7, 256 * MiB - 4 * KiB, 4 * KiB, 4);
	map_expect(0x20000, 8, 0xfec00000, 0x1000, 2);

	/* 61 pages in high RAM, each splitting it: 3 + 2 * 61 entries. */
	for (unsigned i = 0; i < 62; i++)
		many[i] = (struct guest_mem_range){ 200 * MiB - i * 2 * MiB, 4096, 2 };
	b.extra_reserved = many;
	b.nr_extra_reserved = 61;
	build_ok(sizeof(si), 0x20000, &b);
	assert_int_equal(sget32(48), 125);
	for (unsigned i = 1; i < 125; i++) {
		size_t off = 56 + 24 * (size_t)i;

		assert_true(sget64(off - 24) + sget64(off - 16) <= sget64(off));
	}
	b.nr_extra_reserved = 62;
	build_refused(sizeof(si), 0x20000, &b,
		      "PVH: more than 61 extra reserved ranges for the memory map");
}

static void test_start_info_refusals(void **state)
{
	struct guest_mem_range r[2] = { { 8 * MiB, 2 * MiB, 2 }, { 9 * MiB, 2 * MiB, 3 } };
	struct pvh_boot b = { .guest_mem = 256 * MiB, .cmdline = "quiet" };
	const char *err = NULL;
	uint32_t gpa;
	size_t used;

	(void)state;
	build_refused(sizeof(si), 0x10004, &b, "PVH: the start info's GPA is not 8-byte aligned");
	assert_int_equal(pvh_build_start_info(NULL, 4096, 0x10000, &b, &gpa, &err), 0);
	assert_string_equal(err, "PVH: buffer, boot information or start_info_gpa is NULL");
	assert_int_equal(pvh_build_start_info(si, 4096, 0x10000, NULL, &gpa, NULL), 0);
	assert_int_equal(pvh_build_start_info(si, 4096, 0x10000, &b, NULL, NULL), 0);

	/* The extra ranges. */
	b.extra_reserved = r;
	b.nr_extra_reserved = 2;
	build_refused(sizeof(si), 0x10000, &b, "PVH: extra reserved ranges overlap");
	r[1].base = 10 * MiB;		/* touching is fine */
	build_ok(sizeof(si), 0x10000, &b);
	r[1].len = 0;
	build_refused(sizeof(si), 0x10000, &b, "PVH: an extra reserved range is empty or wraps");
	r[1] = (struct guest_mem_range){ UINT64_MAX - 10, 12, 2 };
	build_refused(sizeof(si), 0x10000, &b, "PVH: an extra reserved range is empty or wraps");
	r[1] = (struct guest_mem_range){ 20 * MiB, 4096, 1 };
	build_refused(sizeof(si), 0x10000, &b, "PVH: an extra reserved range has type 0 or RAM");
	r[1].type = 0;
	build_refused(sizeof(si), 0x10000, &b, "PVH: an extra reserved range has type 0 or RAM");
	b.extra_reserved = NULL;
	build_refused(sizeof(si), 0x10000, &b, "PVH: extra_reserved is NULL");
	b.nr_extra_reserved = 0;
	build_ok(sizeof(si), 0x10000, &b);

	/* RAM. */
	b.guest_mem = 1 * MiB - 4096;
	build_refused(sizeof(si), 0x10000, &b, "PVH: guest RAM is smaller than 1 MiB");
	b.guest_mem = 256 * MiB;

	/* The initrd. */
	b.initrd_size = 4096;
	build_refused(sizeof(si), 0x10000, &b,
		      "PVH: the initrd is at GPA 0 (which reads as no module)");
	b.initrd_gpa = 256 * MiB - 4096;
	build_ok(sizeof(si), 0x10000, &b);
	b.initrd_gpa = 256 * MiB - 4095;
	build_refused(sizeof(si), 0x10000, &b,
		      "PVH: the initrd lies outside the VM's RAM below 4 GiB");
	b.guest_mem = 8 * GiB;
	b.initrd_gpa = 4 * GiB - 4096;
	build_ok(sizeof(si), 0x10000, &b);
	b.initrd_gpa = 4 * GiB - 4095;
	build_refused(sizeof(si), 0x10000, &b,
		      "PVH: the initrd lies outside the VM's RAM below 4 GiB");
	b.initrd_gpa = 0x10000 - 4096;	/* just below the start info */
	used = build_ok(sizeof(si), 0x10000, &b);
	b.initrd_size = 4097;
	build_refused(sizeof(si), 0x10000, &b, "PVH: the initrd overlaps the start info");
	b.initrd_gpa = 0x10000 + used - 1;
	b.initrd_size = 1;
	build_refused(sizeof(si), 0x10000, &b, "PVH: the initrd overlaps the start info");
	b.initrd_gpa = 0x10000 + used;
	build_ok(sizeof(si), 0x10000, &b);
	b.initrd_size = 0;
	b.guest_mem = 256 * MiB;

	/* The buffer: the header, the map, the command line's NUL. */
	used = build_ok(sizeof(si), 0x10000, &b);
	build_refused(used - 1, 0x10000, &b, "PVH: the start info does not fit in its buffer");
	build_refused(55, 0x10000, &b, "PVH: the start info does not fit in its buffer");
	build_refused(0, 0x10000, &b, "PVH: the start info does not fit in its buffer");
	b.cmdline = NULL;
	used = build_ok(sizeof(si), 0x10000, &b);
	build_refused(used - 1, 0x10000, &b, "PVH: the start info does not fit in its buffer");
	b.cmdline = "quiet";

	/* The area: in RAM below 4 GiB, out of the 640K-1M hole. */
	b.cmdline = "quiet!!";		/* 56 + 72 + 8 bytes: a multiple of 8 */
	used = build_ok(sizeof(si), 0x10000, &b);
	assert_int_equal(used, 136);
	build_refused(sizeof(si), 256 * MiB - used + 8, &b,
		      "PVH: the start info lies outside the VM's RAM below 4 GiB");
	build_ok(sizeof(si), 256 * MiB - used, &b);
	b.guest_mem = 8 * GiB;
	build_refused(sizeof(si), 4 * GiB - 8, &b,
		      "PVH: the start info lies outside the VM's RAM below 4 GiB");
	build_refused(sizeof(si), 5 * GiB, &b,
		      "PVH: the start info lies outside the VM's RAM below 4 GiB");
	b.guest_mem = 256 * MiB;
	build_refused(sizeof(si), 640 * KiB - 8, &b,
		      "PVH: the start info lies in the reserved 640K-1M hole");
	build_refused(sizeof(si), 1 * MiB - 8, &b,
		      "PVH: the start info lies in the reserved 640K-1M hole");
	build_ok(sizeof(si), 1 * MiB, &b);
	build_ok(sizeof(si), 640 * KiB - used, &b);
	build_refused(sizeof(si), 640 * KiB - used + 8, &b,
		      "PVH: the start info lies in the reserved 640K-1M hole");
}

/* ---- a real kernel, when VMLINUX names one ---- */

/* The entry note found the plain way: the first "Xen" note of type 18 in
 * the file, by its bytes. */
static bool scan_entry_note(const uint8_t *buf, size_t n, uint32_t *entry)
{
	for (size_t i = 0; i + 24 <= n; i += 4) {
		uint32_t namesz, descsz, type;

		memcpy(&namesz, buf + i, 4);
		memcpy(&descsz, buf + i + 4, 4);
		memcpy(&type, buf + i + 8, 4);
		if (namesz == 4 && (descsz == 4 || descsz == 8) && type == 18 &&
		    !memcmp(buf + i + 12, "Xen", 4)) {
			memcpy(entry, buf + i + 16, 4);
			return true;
		}
	}
	return false;
}

static void test_vmlinux(void **state)
{
	const char *path = getenv("VMLINUX");
	struct pvh_boot b = { .guest_mem = 1 * GiB, .cmdline = "console=ttyS0" };
	bool in_seg = false;
	uint32_t want;
	uint8_t *buf;
	FILE *f;
	long n;

	(void)state;
	if (!path || !*path) {
		skip();
		return;
	}
	f = fopen(path, "rb");
	if (!f)
		fail_msg("VMLINUX=%s: cannot open it", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	{
		const char *err = NULL;

		if (pvh_plan(buf, (size_t)n, 1 * GiB, &plan, &err))
			fail_msg("%s: %s", path, err);
	}
	assert_true(pvh_has_entry_note(buf, (size_t)n));
	assert_true(scan_entry_note(buf, (size_t)n, &want));
	assert_int_equal(plan.entry, want);
	for (unsigned i = 0; i < plan.nr_segments; i++) {
		const struct load_segment *s = &plan.seg[i];

		assert_true(s->gpa >= 1 * MiB && s->gpa + s->mem_size <= plan.image_end);
		assert_true(s->file_off + s->file_size <= (uint64_t)n);
		if (plan.entry >= s->gpa && plan.entry - s->gpa < s->file_size)
			in_seg = true;
	}
	assert_true(in_seg);
	assert_true(plan.image_end <= 1 * GiB);
	b.initrd_size = 16 * MiB;
	b.initrd_gpa = pvh_initrd_gpa(&plan, b.initrd_size, 1 * GiB);
	assert_true(b.initrd_gpa >= plan.image_end);
	build_ok(sizeof(si), 0x10000, &b);
	assert_int_equal(sget32(0), 0x336ec578);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_elf64),
		cmocka_unit_test(test_plan_elf32),
		cmocka_unit_test(test_note_forms),
		cmocka_unit_test(test_note_first_wins),
		cmocka_unit_test(test_note_padding),
		cmocka_unit_test(test_note_sections),
		cmocka_unit_test(test_note_bounds),
		cmocka_unit_test(test_note_count),
		cmocka_unit_test(test_plan_segments),
		cmocka_unit_test(test_plan_segment_count),
		cmocka_unit_test(test_plan_entry),
		cmocka_unit_test(test_plan_elf_refusals),
		cmocka_unit_test(test_plan_truncated),
		cmocka_unit_test(test_initrd),
		cmocka_unit_test(test_start_info_fields),
		cmocka_unit_test(test_start_info_minimal),
		cmocka_unit_test(test_start_info_memmap),
		cmocka_unit_test(test_start_info_refusals),
		cmocka_unit_test(test_vmlinux),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
