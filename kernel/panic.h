/* Fatal paths: panic() for impossible states, and the end of a run. */
#pragma once
#include <stdbool.h>
#include "kernel/trap.h"

/* Exit codes reported through testexit=: QEMU's isa-debug-exit turns v into
 * process status (v << 1) | 1. */
#define EXIT_OK    0	/* hypervisor finished its work: QEMU status 1 */
#define EXIT_PANIC 1	/* panic or fatal exception: QEMU status 3 */
#define EXIT_VM_FAILED 2	/* a VM did not end with result 0: QEMU status 5 */

__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Prints the frame's registers and the control registers, one log line each. */
void dump_registers(const struct trap_frame *f);

/* With testexit=on, ends QEMU (port 0xf4) or Bochs (port 0x8900) with code;
 * otherwise (or if neither answers) halts this CPU. */
void power_set_testexit(bool on);
__attribute__((noreturn)) void power_stop(int code);
