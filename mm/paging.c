/* SPDX-License-Identifier: BSD-2-Clause */
/* Host page tables: an identity map of all memory.
 *
 * A 4-level walk, APM Vol.2 5.3.3, virtual address bits:
 *   47..39 PML4 index | 38..30 PDPT index | 29..21 PD index | 20..12 PT index | 11..0 offset
 * A PDPT entry with PS maps 1 GiB, a PD entry with PS maps 2 MiB.
 *
 * Layout (linker.ld gives the image boundaries):
 *   [0, 4K)                     absent: NULL dereferences fault
 *   [4K, image)                 RW, NX, but for the AP trampoline page: R, X
 *   [image, __text_end)         R, X   (hypervisor text)
 *   [__text_end, __rodata_end)  R, NX
 *   [__rodata_end, image end)   RW, NX (data, bss, boot stacks)
 *   [image end, top)            RW, NX (all other RAM and MMIO)
 * Caching comes from the firmware's MTRRs (MMIO ranges are UC there). */
#include "mm/paging.h"
#include "kernel/layout.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/x86.h"

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

static struct frame_alloc *alloc;
static struct paging_stats *stats;
static uint64_t *pml4;
static bool have_1g;
static uint64_t nx;

static uint64_t *table_new(void)
{
	uint64_t pa = frame_alloc(alloc);

	/* Still on the boot page tables, which map only the first 4 GiB. */
	if (pa == FRAME_NONE || pa >= (4ull << 30))
		panic("no memory below 4 GiB for host page tables");
	memset((void *)pa, 0, FRAME_SIZE);
	stats->tables++;
	return (uint64_t *)pa;
}

/* Maps one page of 1 << shift bytes (shift 12, 21 or 30) at identity address a. */
static void map_page(uint64_t a, unsigned shift, uint64_t flags)
{
	uint64_t *t = pml4;

	for (unsigned level = 39; level > shift; level -= 9) {
		uint64_t *e = &t[(a >> level) & 511];

		if (!(*e & PTE_P))
			*e = (uint64_t)table_new() | PTE_P | PTE_W;	/* leaves decide access */
		t = (uint64_t *)(*e & PTE_ADDR);
	}
	t[(a >> shift) & 511] = a | flags | (shift > 12 ? PTE_PS : 0);
}

/* Maps [start, end) with the largest pages that alignment allows. */
static void map_range(uint64_t start, uint64_t end, uint64_t flags)
{
	while (start < end) {
		unsigned shift = 12;

		if (have_1g && !(start & ((1ull << 30) - 1)) && end - start >= (1ull << 30))
			shift = 30;
		else if (!(start & ((1ull << 21) - 1)) && end - start >= (1ull << 21))
			shift = 21;
		map_page(start, shift, flags);
		if (shift == 30)
			stats->pages_1g++;
		else if (shift == 21)
			stats->pages_2m++;
		else
			stats->pages_4k++;
		start += 1ull << shift;
	}
}

void paging_init(struct frame_alloc *fa, uint64_t top, struct paging_stats *st)
{
	uint32_t ext = cpuid(0x80000001, 0).edx;
	uint64_t image = (uint64_t)__image_start, text_end = (uint64_t)__text_end;
	uint64_t rodata_end = (uint64_t)__rodata_end, image_end = (uint64_t)__image_end;

	alloc = fa;
	stats = st;
	memset(st, 0, sizeof(*st));
	have_1g = ext & CPUID_80000001_EDX_PG1G;
	if (ext & CPUID_80000001_EDX_NX) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		nx = PTE_NX;
		st->nx = true;
	}
	st->top = top;
	pml4 = table_new();

	map_range(FRAME_SIZE, TRAMPOLINE_PHYS, PTE_P | PTE_W | nx);
	map_range(TRAMPOLINE_PHYS, TRAMPOLINE_PHYS + FRAME_SIZE, PTE_P);
	map_range(TRAMPOLINE_PHYS + FRAME_SIZE, image, PTE_P | PTE_W | nx);
	map_range(image, text_end, PTE_P);
	map_range(text_end, rodata_end, PTE_P | nx);
	map_range(rodata_end, image_end, PTE_P | PTE_W | nx);
	map_range(image_end, top, PTE_P | PTE_W | nx);
	write_cr3((uint64_t)pml4);
}
