/* SPDX-License-Identifier: BSD-2-Clause */
/* The end of a run (testexit=on: the emulator quits with a status). */
#pragma once
#include <stdbool.h>

/* Exit codes reported through testexit=: QEMU's isa-debug-exit turns v into
 * process status (v << 1) | 1. */
#define EXIT_OK    0	/* hypervisor finished its work: QEMU status 1 */
#define EXIT_PANIC 1	/* panic or fatal exception: QEMU status 3 */
#define EXIT_VM_FAILED 2	/* a VM did not end with result 0: QEMU status 5 */

/* With testexit=on, ends QEMU (port 0xf4) or Bochs (port 0x8900) with code;
 * otherwise (or if neither answers) halts this CPU. */
void power_set_testexit(bool on);
__attribute__((noreturn)) void power_stop(int code);
