/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest RAM placement: which host runs back a VM's RAM so that its nested
 * page tables (mm/npt.h) use the largest pages. Pure: host-tested.
 *
 * A VM's RAM is guest-physical [0, size), a short table of extents, each
 * gpa [gpa, gpa + len) on host [hpa, hpa + len), in gpa order without gaps.
 * npt_map of an extent uses a 1 GiB page where gpa and hpa are both 1 GiB
 * aligned, a 2 MiB page where both are 2 MiB aligned, else 4 KiB pages; so
 * a page of a size needs the extent's gpa and hpa to agree modulo it.
 *
 * ram_place takes the runs from the frame allocator (mm/frame.h) in three
 * steps, each on the longest free runs first (fewest extents):
 *  1. 1 GiB-aligned runs of whole GiB for every whole GiB of the VM (when
 *     the CPU has 1 GiB pages);
 *  2. 2 MiB-aligned runs of whole 2 MiB for the rest, first where they
 *     break no whole free 1 GiB block (one a later VM's 1 GiB page needs);
 *  3. 4 KiB runs for what is left (the tail below 2 MiB, or everything
 *     when memory is fragmented), first where they break no whole free
 *     2 MiB block, then no whole free 1 GiB block.
 * The gpa cursor only moves by whole GiB in step 1 and by whole 2 MiB in
 * step 2, so every run agrees with its gpa modulo its own alignment. When
 * the extents run out, the rest must come as one run; else the placement
 * fails and gives back what it took. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "mm/frame.h"

#define RAM_MAX_EXTENTS 32

struct ram_extent {
	uint64_t gpa, hpa, len;	/* bytes, 4 KiB multiples */
};

/* Pages of each size that npt_map uses for a layout (index: RAM_PG_*). */
enum { RAM_PG_4K, RAM_PG_2M, RAM_PG_1G, RAM_PG_SIZES };

struct guest_ram {
	uint64_t size;		/* bytes: the sum of the extents */
	uint32_t nr;		/* extents in use */
	struct ram_extent ext[RAM_MAX_EXTENTS];
};

/* Places size bytes (a non-zero multiple of 4 KiB) of guest RAM from fa;
 * pg1g: the CPU has 1 GiB nested pages. FRAME_OK with r filled, else
 * nothing is taken (r empty): FRAME_ERR_INVALID for a bad size,
 * FRAME_ERR_NO_MEMORY when free memory (or RAM_MAX_EXTENTS runs of it)
 * cannot hold it, or frame_fail_nth injected a failure on the way. */
enum frame_status ram_place(struct frame_alloc *fa, uint64_t size, bool pg1g, struct guest_ram *r);

/* Gives every extent back to fa; r is left empty. Not FRAME_OK: an
 * extent fa did not hand out (a bug in the caller). */
enum frame_status ram_release(struct frame_alloc *fa, struct guest_ram *r);

/* The pages npt_map uses for one extent, or for the whole layout, added
 * to pages[RAM_PG_SIZES]. */
void ram_extent_pages(uint64_t gpa, uint64_t hpa, uint64_t len, bool pg1g,
		      uint64_t pages[RAM_PG_SIZES]);
void ram_pages(const struct guest_ram *r, bool pg1g, uint64_t pages[RAM_PG_SIZES]);
/* The best mix any placement of size bytes could give (all of it on
 * aligned runs). */
void ram_ideal_pages(uint64_t size, bool pg1g, uint64_t pages[RAM_PG_SIZES]);

/* "2 x 1G, 3 x 2M, 256 x 4K" (sizes without pages left out) into buf;
 * returns buf. */
char *ram_pages_str(const uint64_t pages[RAM_PG_SIZES], char *buf, unsigned len);

/* The host address of guest-physical [gpa, gpa + len) when it lies in one
 * extent (len 0: gpa's extent), else 0 (frame 0 is never guest RAM). */
static inline uint64_t ram_hpa(const struct guest_ram *r, uint64_t gpa, uint64_t len)
{
	for (uint32_t i = 0; i < r->nr; i++) {
		const struct ram_extent *e = &r->ext[i];

		if (gpa - e->gpa < e->len)	/* wraps when gpa < e->gpa */
			return len <= e->len - (gpa - e->gpa) ? e->hpa + (gpa - e->gpa) : 0;
	}
	return 0;
}

/* Copies len bytes between buf and guest-physical gpa (to_guest: into the
 * guest), across extents; host addresses are pointers (identity-mapped in
 * the hypervisor). False, copying nothing, unless all of it is guest RAM. */
bool ram_copy(const struct guest_ram *r, uint64_t gpa, void *buf, uint64_t len, bool to_guest);

/* Sets len bytes of guest RAM at gpa to c, across extents (false: not all RAM). */
bool ram_fill(const struct guest_ram *r, uint64_t gpa, int c, uint64_t len);
