/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for mm/ramplace.c: random memory maps and VM sizes.
 *
 * Input: u8 flags (bit 0: 1 GiB pages), u8 nr_map (mod 17), nr_map x
 * { u16 base, u16 len, u8 type, u16 ragged } with base and len in 2 MiB
 * units within 8 GiB and a ragged 4 KiB edge, then 5-byte ops { op,
 * u32 arg } until the input ends (at most 64):
 *   place a VM of arg (scaled to 1 MiB..3 GiB, 4 KiB multiples),
 *   release a held VM, take or give back small runs (fragmenting).
 * After every placement the invariants of tests/common/ramplace_check.h
 * hold (tiling, no overlap with anything held, exact size taken, as many
 * 1 GiB and 2 MiB pages as the free blocks allowed); the page mix equals
 * a page-by-page replay of npt_map's greedy choice; a failed placement
 * takes nothing; at the end, releasing everything restores every frame. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/frame.h"
#include "mm/ramplace.h"
#include "tests/common/check.h"
#include "tests/common/ramplace_check.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MAX_VMS 6
#define MAX_SMALL 64

static struct frame_alloc fa;
static void *meta;
static struct guest_ram vm[MAX_VMS];
static unsigned nr_vms;
static uint64_t small[MAX_SMALL][2];
static unsigned nr_small;

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->left ? *in->p : 0) << (8 * i);
		if (in->left) {
			in->p++;
			in->left--;
		}
	}
	return v;
}

static void *host_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	(void)phys, (void)ctx;
	meta = malloc(bytes);
	return meta;
}

/* npt_map's choice replayed one page at a time (when not too many). */
static void replay(const struct guest_ram *r, bool pg1g, const uint64_t pages[RAM_PG_SIZES])
{
	uint64_t p[RAM_PG_SIZES] = { 0 }, steps = 0;

	for (uint32_t i = 0; i < r->nr; i++) {
		const struct ram_extent *e = &r->ext[i];

		for (uint64_t a = e->gpa; a < e->gpa + e->len; steps++) {
			uint64_t h = e->hpa + (a - e->gpa), left = e->gpa + e->len - a;

			if (steps > 200000)
				return;	/* too long to replay: the unit test maps such with npt_map */
			if (pg1g && !((a | h) & (GiB - 1)) && left >= GiB)
				p[RAM_PG_1G]++, a += GiB;
			else if (!((a | h) & (2 * MiB - 1)) && left >= 2 * MiB)
				p[RAM_PG_2M]++, a += 2 * MiB;
			else
				p[RAM_PG_4K]++, a += 4096;
		}
	}
	CHECK(!memcmp(p, pages, sizeof(p)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct boot_mem_range map[16];
	bool pg1g;
	unsigned nr_map, ops = 0;
	uint64_t free0;

	pg1g = take(&in, 1) & 1;
	nr_map = (unsigned)(take(&in, 1) % 17);
	for (unsigned i = 0; i < nr_map && i < 16; i++) {
		uint64_t base = take(&in, 2) % 4096 * 2 * MiB, len = (take(&in, 2) % 2048 + 1) * 2 * MiB;
		uint8_t type = (uint8_t)take(&in, 1);
		uint64_t ragged = take(&in, 2) % 512 * 4096;

		map[i] = (struct boot_mem_range){ base + ragged, len - ragged,
						  type % 4 ? BOOT_MEM_AVAILABLE : BOOT_MEM_RESERVED };
	}
	nr_map = nr_map < 16 ? nr_map : 16;
	meta = NULL;
	if (frame_init(&fa, map, nr_map, NULL, 0, host_ptr, NULL) != FRAME_OK) {
		free(meta);
		return 0;
	}
	free0 = frame_free_count(&fa);
	nr_vms = nr_small = 0;
	while (in.left && ops++ < 64) {
		uint8_t op = (uint8_t)take(&in, 1);
		uint64_t arg = take(&in, 4);

		switch (op % 4) {
		case 0:
		case 1: {	/* place a VM */
			uint64_t sz = (arg % (3 * GiB / 4096) + 256) * 4096, pages[RAM_PG_SIZES];
			struct rc_before b = rc_snapshot(&fa);
			enum frame_status st;

			if (nr_vms == MAX_VMS)
				break;
			if (op & 0x80)
				frame_fail_nth(&fa, op >> 4 & 7);
			st = ram_place(&fa, sz, pg1g, &vm[nr_vms]);
			frame_fail_nth(&fa, 0);
			if (st != FRAME_OK) {
				CHECK(st == FRAME_ERR_NO_MEMORY && vm[nr_vms].nr == 0);
				CHECK(frame_free_count(&fa) == b.free);	/* took nothing */
				break;
			}
			rc_check(&fa, &vm[nr_vms], sz, pg1g, &b, vm, nr_vms, pages);
			replay(&vm[nr_vms], pg1g, pages);
			nr_vms++;
			break;
		}
		case 2:	/* release one */
			if (nr_vms) {
				unsigned k = (unsigned)(arg % nr_vms);

				CHECK(ram_release(&fa, &vm[k]) == FRAME_OK);
				vm[k] = vm[--nr_vms];
			}
			break;
		case 3:	/* small runs: the hypervisor's own allocations, or give one back */
			if (arg & 1 && nr_small) {
				unsigned k = (unsigned)(arg >> 1) % nr_small;

				CHECK(frame_free_run(&fa, small[k][0], small[k][1]) == FRAME_OK);
				small[k][0] = small[--nr_small][0];
				small[k][1] = small[nr_small][1];
			} else if (nr_small < MAX_SMALL) {
				uint64_t nr = (arg >> 1) % 600 + 1, pa = frame_alloc_run(&fa, nr, 4096);

				if (pa != FRAME_NONE)
					small[nr_small][0] = pa, small[nr_small++][1] = nr;
			}
			break;
		}
	}
	while (nr_vms)
		CHECK(ram_release(&fa, &vm[--nr_vms]) == FRAME_OK);
	while (nr_small) {
		nr_small--;
		CHECK(frame_free_run(&fa, small[nr_small][0], small[nr_small][1]) == FRAME_OK);
	}
	CHECK(frame_free_count(&fa) == free0);	/* nothing leaked */
	free(meta);
	return 0;
}
