/* SPDX-License-Identifier: BSD-2-Clause */
/* Machine memory: the frame allocator over all free RAM, behind a lock so
 * every CPU can use it, and the host page tables. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "boot/bootinfo.h"
#include "mm/frame.h"
#include "mm/paging.h"
#include "mm/ramplace.h"

/* Builds the allocator from the boot memory map and switches to the final
 * host page tables. Panics when there is no usable memory. */
void memory_init(const struct boot_info *bi);

/* A zeroed 4 KiB frame, or 0. */
uint64_t memory_alloc_zeroed_frame(void);
/* nr zeroed frames aligned to align bytes, or 0. */
uint64_t memory_alloc_zeroed_run(uint64_t nr, uint64_t align);

/* Guest RAM of size bytes on the largest pages (mm/ramplace.h), zeroed;
 * pg1g: the CPU has 1 GiB nested pages. False (nothing taken) when free
 * memory cannot hold it. */
bool memory_place_ram(uint64_t size, bool pg1g, struct guest_ram *r);
/* Gives guest RAM back; r is left empty. A bad extent is a bug and panics. */
void memory_release_ram(struct guest_ram *r);

/* Returns nr frames at pa; a bad free is a bug and panics. */
void memory_free_run(uint64_t pa, uint64_t nr);

uint64_t memory_free_frames(void);
/* Whole free aligned blocks of bytes (frame_free_blocks). */
uint64_t memory_free_blocks(uint64_t bytes);

/* The boot option failalloc=N: the N-th frame allocation from now fails,
 * once (frame_fail_nth). */
void memory_fail_nth(uint64_t n);
