/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux bzImage planning and zero page (kernel/vm/bzimage.h). Pure: built
 * into the kernel, the host unit test and a fuzzer.
 *
 * Every header field is untrusted. The header is copied out with memcpy
 * (the image may sit at any alignment) only after len is known to hold it;
 * sizes and addresses are compared by subtraction (x > end - base), never
 * by addition, so no sum can wrap. The e820 loop is bounded by
 * nr_extra_reserved and BZ_E820_MAX. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/vm/bzimage.h"

#define GiB4     (1ull << 32)
#define PAGE_4K  4096ull
#define BZ_HDR_MIN_END (BZ_HDR_AT(handover_offset) + 4)	/* 0x268: the end of a 2.12 header */

/* The message for a protocol older than 2.12, by minor version (the
 * "HdrS" header exists since 2.00). */
#define OLD(m) "bzImage: boot protocol 2." #m " is older than 2.12 (no 64-bit entry)"
static const char *const old_protocol[12] = {
	OLD(00), OLD(01), OLD(02), OLD(03), OLD(04), OLD(05),
	OLD(06), OLD(07), OLD(08), OLD(09), OLD(10), OLD(11),
};
#undef OLD

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Reads the setup header; the caller has checked len. */
static void read_header(const uint8_t *img, struct bz_setup_header *h)
{
	memcpy(h, img + BZ_SETUP_HEADER_OFF, sizeof(*h));
}

static const char *check_header(const uint8_t *img, size_t len, struct bz_setup_header *h)
{
	if (!img || len < BZ_SETUP_HEADER_OFF + sizeof(*h))
		return "bzImage: file too short for the setup header (0x26c bytes)";
	read_header(img, h);
	if (h->header != BZ_HDRS_MAGIC)
		return "bzImage: no \"HdrS\" magic at 0x202 (not a Linux bzImage)";
	if (h->version < BZ_MIN_PROTOCOL) {
		if (h->version >> 8 == 2 && (h->version & 0xff) < ARRAY_SIZE(old_protocol))
			return old_protocol[h->version & 0xff];
		return "bzImage: boot protocol is older than 2.12 (no 64-bit entry)";
	}
	/* "64-bit BOOT PROTOCOL": the header ends at 0x202 + the jump's
	 * displacement; a 2.12 header reaches at least past handover_offset. */
	if (0x202u + img[0x201] < BZ_HDR_MIN_END)
		return "bzImage: the header's length (byte 0x201) is too short for protocol 2.12";
	if (!(h->xloadflags & BZ_XLF_KERNEL_64))
		return "bzImage: xloadflags lacks XLF_KERNEL_64 (no 64-bit entry)";
	if (!(h->loadflags & BZ_LF_LOADED_HIGH))
		return "bzImage: loadflags lacks LOADED_HIGH (a zImage, loaded at 0x10000)";
	if (!is_pow2(h->kernel_alignment))
		return "bzImage: kernel_alignment is not a power of two";
	return NULL;
}

/* boot.rst "DETAILS OF HEADER FIELDS", init_size: the runtime start is
 * pref_address for a non-relocatable kernel, else the load address
 * (raised to pref_address) aligned up to kernel_alignment. */
static const char *plan_load(const struct bz_setup_header *h, uint64_t guest_mem,
			     struct bz_plan *p)
{
	uint64_t align = h->kernel_alignment, base = h->pref_address;

	if (!h->relocatable_kernel) {
		if (base < GUEST_HIGH_BASE)
			return "bzImage: pref_address is below 1 MiB (non-relocatable kernel)";
		if (base & (align - 1))
			return "bzImage: pref_address is not a multiple of kernel_alignment "
			       "(non-relocatable kernel)";
	} else {
		base = MAX(base, GUEST_HIGH_BASE);
		if (base > guest_mem)
			return "bzImage: pref_address is past the end of guest RAM";
		/* base <= guest_mem; align is at most 2^31, so rounding up wraps
		 * only for a guest_mem within 2 GiB of 2^64, caught here. */
		if (base > UINT64_MAX - (align - 1))
			return "bzImage: pref_address is past the end of guest RAM";
		base = ALIGN_UP(base, align);
	}
	if (base > guest_mem)
		return "bzImage: pref_address is past the end of guest RAM";
	p->load_gpa = base;
	p->init_size = MAX((uint64_t)h->init_size, p->kernel_size);
	if (p->init_size > guest_mem - base)
		return "bzImage: init_size bytes from the load address do not fit in guest RAM";
	p->entry64 = base + BZ_ENTRY64_OFF;
	return NULL;
}

static const char *plan(const uint8_t *img, size_t len, uint64_t guest_mem, struct bz_plan *p)
{
	struct bz_setup_header h;
	const char *what = check_header(img, len, &h);
	uint64_t sects, initrd_max;

	if (what)
		return what;
	p->version = h.version;
	sects = h.setup_sects ? h.setup_sects : BZ_DEFAULT_SETUP_SECTS;
	p->setup_size = (sects + 1) * BZ_SECTOR_SIZE;
	if (p->setup_size >= len)
		return "bzImage: setup_sects puts the kernel at or past the end of the file";
	p->kernel_off = p->setup_size;
	p->kernel_size = len - p->setup_size;
	what = plan_load(&h, guest_mem, p);
	if (what)
		return what;
	/* As QEMU: Linux takes initrds below 4 GiB whatever initrd_addr_max
	 * says once it can be loaded above 4 GiB at all. */
	initrd_max = h.initrd_addr_max;
	if (h.xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G)
		initrd_max = MAX(initrd_max, GiB4 - 1);
	/* guest_mem > load_gpa >= 1 MiB here. */
	p->initrd_max = MIN(initrd_max, guest_mem - 1);
	p->cmdline_size = h.cmdline_size;	/* 2.06+: always present from 2.12 */
	return NULL;
}

bool bz_is_bzimage(const uint8_t *img, size_t len)
{
	uint32_t magic;

	if (!img || len < BZ_HDR_AT(header) + sizeof(magic))
		return false;
	memcpy(&magic, img + BZ_HDR_AT(header), sizeof(magic));
	return magic == BZ_HDRS_MAGIC;
}

int bz_plan(const uint8_t *img, size_t len, uint64_t guest_mem, struct bz_plan *p,
	    const char **err)
{
	memset(p, 0, sizeof(*p));
	return loader_verdict(plan(img, len, guest_mem, p), err);
}

uint64_t bz_initrd_gpa(const struct bz_plan *p, uint64_t size, uint64_t below)
{
	uint64_t floor = p->load_gpa + p->init_size, top, gpa;

	/* top is the exclusive end; initrd_max is the last byte allowed. */
	top = below > p->initrd_max ? p->initrd_max + 1 : below;
	if (!size || size > top)
		return 0;
	gpa = ALIGN_DOWN(top - size, PAGE_4K);
	if (gpa < floor)
		return 0;
	return gpa;
}

/* ---- the zero page ---- */

static void put8(uint8_t *zp, size_t off, uint8_t v) { zp[off] = v; }
static void put32(uint8_t *zp, size_t off, uint32_t v) { memcpy(zp + off, &v, 4); }
static void put64(uint8_t *zp, size_t off, uint64_t v) { memcpy(zp + off, &v, 8); }

/* The e820 table: loader_memmap_next()'s ranges (the map PVH guests get
 * too), after the checks in the order this module has always made them. */
static const char *const memmap_faults[MEMMAP_FAULTS] = {
	[MEMMAP_NULL] = "bzImage: extra_reserved is NULL",
	[MEMMAP_EMPTY] = "bzImage: an extra reserved range is empty or wraps",
	[MEMMAP_TYPE] = "bzImage: an extra reserved range has type 0 or RAM",
	[MEMMAP_OVERLAP] = "bzImage: extra reserved ranges overlap",
};

static const char *build_e820(uint8_t *zp, const struct bz_boot *b)
{
	struct guest_mem_range r;
	enum memmap_fault fault;
	uint64_t at = 0;
	unsigned n = 0;

	if (b->nr_extra_reserved && !b->extra_reserved)
		return memmap_faults[MEMMAP_NULL];
	/* Each range adds at most two entries to the three of the base map. */
	if (b->nr_extra_reserved > (BZ_E820_MAX - 3) / 2)
		return "bzImage: too many extra reserved ranges for the e820 table";
	fault = loader_memmap_check(b->extra_reserved, b->nr_extra_reserved);
	if (fault != MEMMAP_OK)
		return memmap_faults[fault];
	while (loader_memmap_next(b->guest_mem, b->extra_reserved, b->nr_extra_reserved, &at, &r)) {
		struct bz_e820_entry e = { r.base, r.len, r.type };

		if (n == BZ_E820_MAX)
			return "bzImage: too many e820 entries";
		memcpy(zp + BZ_ZP_E820_TABLE + n++ * sizeof(e), &e, sizeof(e));
	}
	put8(zp, BZ_ZP_E820_ENTRIES, (uint8_t)n);
	return NULL;
}

/* gpa..gpa+size inside RAM, and below 4 GiB unless the kernel takes more. */
static bool in_ram(const struct bz_boot *b, uint64_t gpa, uint64_t size, bool above_4g)
{
	if (gpa > b->guest_mem || size > b->guest_mem - gpa)
		return false;
	return above_4g || (gpa <= GiB4 && size <= GiB4 - gpa);
}

static const char *check_boot(const struct bz_setup_header *h, const struct bz_plan *p,
			      const struct bz_boot *b)
{
	bool above_4g = h->xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G;
	uint64_t kend = p->load_gpa + p->init_size;

	if (p->load_gpa > b->guest_mem || p->init_size > b->guest_mem - p->load_gpa)
		return "bzImage: the kernel's init_size area is outside guest RAM";
	if (b->cmdline_gpa && !in_ram(b, b->cmdline_gpa, 1, above_4g))
		return "bzImage: the command line is outside guest RAM (or above 4 GiB)";
	if (!b->initrd_size)
		return NULL;
	if (!in_ram(b, b->initrd_gpa, b->initrd_size, above_4g))
		return "bzImage: the initrd is outside guest RAM (or above 4 GiB)";
	if (b->initrd_gpa + b->initrd_size - 1 > p->initrd_max)
		return "bzImage: the initrd ends above initrd_addr_max";
	if (b->initrd_gpa < kend && p->load_gpa < b->initrd_gpa + b->initrd_size)
		return "bzImage: the initrd overlaps the kernel's init_size area";
	return NULL;
}

/* boot.rst "64-bit BOOT PROTOCOL": the header is copied, then the fields a
 * loader writes ("DETAILS OF HEADER FIELDS", "write" entries). */
static void fill_header(uint8_t *zp, const uint8_t *img, size_t len,
			const struct bz_setup_header *h, const struct bz_plan *p,
			const struct bz_boot *b)
{
	size_t end = MIN((size_t)0x202 + img[0x201], (size_t)BZ_ZP_HDR_SPACE_END);

	end = MIN(end, len);
	memcpy(zp + BZ_ZP_HDR, img + BZ_ZP_HDR, end - BZ_ZP_HDR);
	put8(zp, BZ_HDR_AT(type_of_loader), BZ_LOADER_UNDEFINED);
	put8(zp, BZ_HDR_AT(loadflags), h->loadflags & (uint8_t)~BZ_LF_CAN_USE_HEAP);
	put32(zp, BZ_HDR_AT(code32_start), p->load_gpa < GiB4 ? (uint32_t)p->load_gpa : 0);
	put32(zp, BZ_HDR_AT(cmd_line_ptr), (uint32_t)b->cmdline_gpa);
	put32(zp, BZ_ZP_EXT_CMD_LINE_PTR, (uint32_t)(b->cmdline_gpa >> 32));
	/* Written even without an initrd: the file's copy may hold anything. */
	put32(zp, BZ_HDR_AT(ramdisk_image), b->initrd_size ? (uint32_t)b->initrd_gpa : 0);
	put32(zp, BZ_ZP_EXT_RAMDISK_IMAGE, b->initrd_size ? (uint32_t)(b->initrd_gpa >> 32) : 0);
	put32(zp, BZ_HDR_AT(ramdisk_size), (uint32_t)b->initrd_size);
	put32(zp, BZ_ZP_EXT_RAMDISK_SIZE, (uint32_t)(b->initrd_size >> 32));
	put64(zp, BZ_HDR_AT(setup_data), 0);
	put64(zp, BZ_ZP_ACPI_RSDP_ADDR, b->rsdp_gpa);
}

int bz_build_zero_page(uint8_t *zp, const uint8_t *img, size_t len, const struct bz_plan *p,
		       const struct bz_boot *b, const char **err)
{
	struct bz_setup_header h;
	const char *what = NULL;

	if (!zp || !p || !b)
		what = "bzImage: zero page, plan or boot information is NULL";
	else
		memset(zp, 0, BZ_ZERO_PAGE_SIZE);
	if (!what)
		what = check_header(img, len, &h);
	if (!what)
		what = check_boot(&h, p, b);
	if (!what)
		what = build_e820(zp, b);
	if (loader_verdict(what, err))
		return -1;
	fill_header(zp, img, len, &h, p, b);
	return 0;
}
