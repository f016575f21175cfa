/* SPDX-License-Identifier: BSD-2-Clause */
/* panic(): an impossible state, reported with the registers, ends the run. */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/log.h"
#include "kernel/power.h"
#include "kernel/trap.h"
#include "kernel/x86.h"

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[160];
	struct trap_frame f = { 0 };
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	__asm__ volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(f.rsp), "=r"(f.rbp));
	f.rip = (uint64_t)__builtin_return_address(0);
	f.rflags = read_rflags();
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(f.cs), "=r"(f.ss));

	log_error("PANIC on cpu%u at %s:%d: %s", cpu_id(), file, line, msg);
	dump_registers(&f);
	log_error("cpu%u halted", cpu_id());
	power_stop(EXIT_PANIC);
}
