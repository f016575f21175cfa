/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical frame allocator. Pure: no hardware access, host-tested.
 *
 * Free memory is the union of the boot memory map's available ranges minus
 * the union of everything else in it (reserved wins over available when they
 * overlap) and minus the caller's reserved ranges, trimmed inward to whole
 * 4 KiB frames. Each remaining contiguous range is a zone with a bitmap
 * (1 bit per frame, set = used). The bitmaps live in memory the allocator
 * takes from an end of a zone where they break no whole 1 GiB-aligned
 * block. Small allocations, too, keep out of whole free 2 MiB and 1 GiB
 * blocks while they can: those back large NPT pages (mm/ramplace.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/bootinfo.h"

#define FRAME_SIZE      4096ull
#define FRAME_SHIFT     12
#define FRAME_MAX_ZONES 128	/* contiguous free ranges kept; the rest is left unused and counted */
#define FRAME_NONE      0ull	/* frame 0 is never free: the low 1 MiB is always reserved */
#define FRAME_MAX_RESERVED 128	/* caller's reserved ranges frame_init accepts */
#define FRAME_LARGE_2M  (2ull << 20)	/* the large page sizes whose blocks are spared */
#define FRAME_LARGE_1G  (1ull << 30)

struct frame_range {
	uint64_t base, end;	/* [base, end) */
};

struct frame_zone {
	uint64_t base, end;	/* frame-aligned [base, end) */
	uint64_t *bitmap;	/* (end - base) / 4 KiB bits, set = used */
	uint64_t free;		/* free frames in this zone */
};

struct frame_alloc {
	uint32_t nr_zones;
	struct frame_zone zone[FRAME_MAX_ZONES];
	uint64_t total;		/* frames managed (free + used), bitmap pages excluded */
	uint64_t dropped_bytes;	/* available memory not managed: zone overflow, partial frames */
	uint32_t bad_entries;	/* map entries ignored (zero length, wrapping) */
	uint64_t meta_base, meta_bytes;	/* where the bitmaps live */
	uint64_t fail_countdown;	/* frame_fail_nth: allocations until the failing one; 0 off */
	/* frame_init's sort space: map entries, reserved ranges and the low 1 MiB
	 * (kept here, not on the 16 KiB kernel stack). */
	struct frame_range scratch[BOOT_MAX_MMAP + FRAME_MAX_RESERVED + 1];
};

enum frame_status {
	FRAME_OK = 0,
	FRAME_ERR_NO_MEMORY,	/* no free memory at all, or no room for the bitmaps */
	FRAME_ERR_INVALID,	/* bad argument: unaligned, zero, not a power of two */
	FRAME_ERR_NOT_OWNED,	/* address outside every zone */
	FRAME_ERR_DOUBLE_FREE,	/* frame already free */
};

/* Translates a physical address of the bitmap area into a pointer the caller
 * can write. The hypervisor is identity-mapped; tests hand out host memory. */
typedef void *(*frame_phys_to_ptr)(uint64_t phys, uint64_t bytes, void *ctx);

/* Builds the zones from the memory map and the reserved ranges, places the
 * bitmaps (their frames are carved out of the zones, so not managed), and
 * marks every frame free. FRAME_ERR_INVALID when nr_map > BOOT_MAX_MMAP,
 * nr_reserved > FRAME_MAX_RESERVED or a reserved range ends before it starts. */
enum frame_status frame_init(struct frame_alloc *fa,
			     const struct boot_mem_range *map, size_t nr_map,
			     const struct frame_range *reserved, size_t nr_reserved,
			     frame_phys_to_ptr to_ptr, void *ctx);

/* One 4 KiB frame, or FRAME_NONE. */
uint64_t frame_alloc(struct frame_alloc *fa);

/* nr contiguous frames whose base is aligned to align bytes (a power of two,
 * at least 4 KiB: 2 MiB and 1 GiB runs back large NPT pages), or FRAME_NONE.
 * The lowest place that breaks no whole free 2 MiB block, else no whole
 * free 1 GiB block, else the lowest place at all (only blocks larger than
 * the run and its alignment are spared). */
uint64_t frame_alloc_run(struct frame_alloc *fa, uint64_t nr, uint64_t align);

/* The longest free run at an align-aligned address whose length is a
 * multiple of align and at most max_nr frames (a non-zero multiple of
 * align / 4 KiB), taken: *base and *nr (frames), FRAME_NONE and 0 when no
 * run of align bytes is free. With avoid (a power of two above align, or
 * 0 for none), a run touches no whole free avoid-aligned block of avoid
 * bytes. The lowest of equally long runs. FRAME_ERR_INVALID for bad
 * arguments; FRAME_ERR_NO_MEMORY only for the failure frame_fail_nth
 * injected (a call with valid arguments is one allocation). */
enum frame_status frame_alloc_largest(struct frame_alloc *fa, uint64_t max_nr, uint64_t align,
				      uint64_t avoid, uint64_t *base, uint64_t *nr);

enum frame_status frame_free(struct frame_alloc *fa, uint64_t phys);
enum frame_status frame_free_run(struct frame_alloc *fa, uint64_t phys, uint64_t nr);

/* Fault injection (the boot option failalloc=): the n-th allocation from
 * now (a call of frame_alloc, or of frame_alloc_run or frame_alloc_largest
 * with valid arguments)
 * returns FRAME_NONE, as if memory had run out, once; the ones after it are
 * served again. n = 0 disarms. */
void frame_fail_nth(struct frame_alloc *fa, uint64_t n);

/* Is this frame managed and currently in use? */
bool frame_is_used(const struct frame_alloc *fa, uint64_t phys);

uint64_t frame_free_count(const struct frame_alloc *fa);	/* frames */
uint64_t frame_total_count(const struct frame_alloc *fa);	/* frames */
/* Whole free aligned blocks of bytes (a power of two), each inside one
 * zone: how many large pages of that size free memory could still back. */
uint64_t frame_free_blocks(const struct frame_alloc *fa, uint64_t bytes);
const char *frame_strerror(enum frame_status s);
