/* SPDX-License-Identifier: BSD-2-Clause */
/* The end of a run: with testexit=on the emulator is told to quit with a
 * status; otherwise this CPU halts. */
#include "kernel/power.h"
#include "kernel/log.h"
#include "kernel/x86.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4	/* -device isa-debug-exit,iobase=0xf4 */
#define BOCHS_SHUTDOWN_PORT  0x8900	/* write "Shutdown" byte by byte */

static bool testexit;

void power_set_testexit(bool on)
{
	testexit = on;
}

void power_stop(int code)
{
	log_flush();	/* every line out first (from an AP: the console's CPU drains it) */
	if (testexit) {
		static const char bochs[] = "Shutdown";

		outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
		for (const char *p = bochs; *p; p++)
			outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	}
	cpu_halt_forever();
}
