/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's memory: one frame allocator for all free RAM, shared by all
 * CPUs under a lock, and the host page tables built over it. */
#include "mm/memory.h"
#include "kernel/layout.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/lib/spinlock.h"
#include "kernel/x86.h"

extern char __image_start[], __image_end[];

static struct frame_alloc frames;
static struct spinlock frames_lock;
static struct paging_stats paging;

static void *phys_to_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	(void)bytes;
	(void)ctx;
	return (void *)phys;	/* identity-mapped */
}

void memory_init(const struct boot_info *bi)
{
	struct frame_range reserved[3 + BOOT_MAX_MODULES];
	size_t n = 0;
	uint64_t top = 4ull << 30;
	unsigned phys_bits = 36;
	enum frame_status st;

	reserved[n++] = (struct frame_range){ 0, LOW_MEMORY_END };	/* and the AP trampoline */
	reserved[n++] = (struct frame_range){ (uint64_t)__image_start, (uint64_t)__image_end };
	reserved[n++] = (struct frame_range){ bi->mbi_start, bi->mbi_end };
	for (uint32_t i = 0; i < bi->nr_modules; i++)
		reserved[n++] = (struct frame_range){ bi->modules[i].start, bi->modules[i].end };

	st = frame_init(&frames, bi->mmap, bi->nr_mmap, reserved, n, phys_to_ptr, NULL);
	if (st != FRAME_OK)
		panic("frame allocator: %s", frame_strerror(st));
	if (frames.bad_entries)
		log_warn("memory map: %u entries ignored (zero length or wrapping)", frames.bad_entries);
	if (frames.dropped_bytes)
		log_debug("memory map: %lu KiB of available memory left unused", frames.dropped_bytes >> 10);

	/* Identity-map the low 4 GiB (RAM and the chipset's MMIO: LAPIC, IOAPIC,
	 * HPET) and all RAM above, within the physical address width. Reserved
	 * ranges above 4 GiB (64-bit BARs, the HyperTransport hole) stay out. */
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		phys_bits = cpuid(0x80000008, 0).eax & 0xff;
	for (uint32_t i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mem_range *m = &bi->mmap[i];
		uint64_t end = m->base + m->len;
		bool ram = m->type == BOOT_MEM_AVAILABLE || m->type == BOOT_MEM_ACPI ||
			   m->type == BOOT_MEM_NVS;

		if (ram && end > m->base && end > top)
			top = end;
	}
	if (phys_bits < 64 && top > (1ull << phys_bits))
		top = 1ull << phys_bits;
	top = ALIGN_UP(top, 1ull << 30);
	paging_init(&frames, top, &paging);
	log_info("paging: identity map to %#lx: %lu x 1G, %lu x 2M, %lu x 4K pages, %lu tables, NX %s",
		 paging.top, paging.pages_1g, paging.pages_2m, paging.pages_4k, paging.tables,
		 paging.nx ? "on" : "off (CPU lacks it)");
	log_info("memory: %lu MiB managed, %lu MiB free, %lu KiB used by the hypervisor",
		 frame_total_count(&frames) >> 8, frame_free_count(&frames) >> 8,
		 (frame_total_count(&frames) - frame_free_count(&frames)) * 4 +
			 frames.meta_bytes / 1024 + ((uint64_t)__image_end - (uint64_t)__image_start) / 1024);
}

uint64_t memory_alloc_zeroed_run(uint64_t nr, uint64_t align)
{
	uint64_t pa;

	spin_lock(&frames_lock);
	pa = frame_alloc_run(&frames, nr, align);
	spin_unlock(&frames_lock);
	if (pa != FRAME_NONE)
		memset((void *)pa, 0, nr * FRAME_SIZE);
	return pa;
}

uint64_t memory_alloc_zeroed_frame(void)
{
	return memory_alloc_zeroed_run(1, FRAME_SIZE);
}

bool memory_place_ram(uint64_t size, bool pg1g, struct guest_ram *r)
{
	enum frame_status st;

	spin_lock(&frames_lock);
	st = ram_place(&frames, size, pg1g, r);
	spin_unlock(&frames_lock);
	if (st != FRAME_OK)
		return false;
	for (uint32_t i = 0; i < r->nr; i++)
		memset((void *)r->ext[i].hpa, 0, r->ext[i].len);
	return true;
}

void memory_release_ram(struct guest_ram *r)
{
	enum frame_status st;

	spin_lock(&frames_lock);
	st = ram_release(&frames, r);
	spin_unlock(&frames_lock);
	if (st != FRAME_OK)
		panic("freeing guest RAM: %s", frame_strerror(st));
}

void memory_free_run(uint64_t pa, uint64_t nr)
{
	enum frame_status st;

	spin_lock(&frames_lock);
	st = frame_free_run(&frames, pa, nr);
	spin_unlock(&frames_lock);
	if (st != FRAME_OK)
		panic("freeing %lu frames at %#lx: %s", nr, pa, frame_strerror(st));
}

uint64_t memory_free_frames(void)
{
	return frame_free_count(&frames);
}

uint64_t memory_free_blocks(uint64_t bytes)
{
	uint64_t n;

	spin_lock(&frames_lock);
	n = frame_free_blocks(&frames, bytes);
	spin_unlock(&frames_lock);
	return n;
}

void memory_fail_nth(uint64_t n)
{
	spin_lock(&frames_lock);
	frame_fail_nth(&frames, n);
	spin_unlock(&frames_lock);
}
