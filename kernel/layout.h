/* SPDX-License-Identifier: BSD-2-Clause */
/* The physical memory layout the hypervisor assumes, in one place. The
 * image itself: linker.ld (0x200000, below 16 MiB). */
#pragma once

#define LOW_MEMORY_END  0x100000ull	/* real-mode memory, BIOS data, option ROMs: never allocated */
#define TRAMPOLINE_PHYS 0x8000ull	/* AP start-up code (boot/trampoline.asm), inside the low 1 MiB */
#define BOOT_MAP_END    (4ull << 30)	/* boot/entry.asm identity-maps this much */
