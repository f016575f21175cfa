/* panic(), register dumps and the end of a run. */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/log.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4	/* -device isa-debug-exit,iobase=0xf4 */
#define BOCHS_SHUTDOWN_PORT  0x8900	/* write "Shutdown" byte by byte */

static bool testexit;

void power_set_testexit(bool on)
{
	testexit = on;
}

void power_stop(int code)
{
	if (testexit) {
		static const char bochs[] = "Shutdown";

		outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
		for (const char *p = bochs; *p; p++)
			outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	}
	cpu_halt_forever();
}

void dump_registers(const struct trap_frame *f)
{
	log_error("  RIP=%016lx CS=%04lx RFLAGS=%016lx", f->rip, f->cs, f->rflags);
	log_error("  RSP=%016lx SS=%04lx ERR=%016lx", f->rsp, f->ss, f->error);
	log_error("  RAX=%016lx RBX=%016lx RCX=%016lx", f->rax, f->rbx, f->rcx);
	log_error("  RDX=%016lx RSI=%016lx RDI=%016lx", f->rdx, f->rsi, f->rdi);
	log_error("  RBP=%016lx R8 =%016lx R9 =%016lx", f->rbp, f->r8, f->r9);
	log_error("  R10=%016lx R11=%016lx R12=%016lx", f->r10, f->r11, f->r12);
	log_error("  R13=%016lx R14=%016lx R15=%016lx", f->r13, f->r14, f->r15);
	log_error("  CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx",
		  read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

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
