/* SPDX-License-Identifier: BSD-2-Clause */
/* The IDT, interrupt handlers and the common trap handler. An exception in
 * the hypervisor is fatal to the CPU that takes it: a full register dump,
 * then that CPU halts (the boot CPU ends the run). NMIs that kick vCPUs are
 * counted and swallowed; other NMIs are reported and survived. */
#include "kernel/trap.h"
#include "drivers/lapic.h"
#include "drivers/pic.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/mce.h"
#include "kernel/power.h"

/* 64-bit interrupt gate, APM Vol.2 4.8.4 figure 4-24. */
struct idt_gate {
	uint16_t offset_lo;	/* 0x00 */
	uint16_t selector;	/* 0x02 */
	uint8_t ist;		/* 0x04: bits 2:0 */
	uint8_t type_attr;	/* 0x05: P, DPL, type */
	uint16_t offset_mid;	/* 0x06 */
	uint32_t offset_hi;	/* 0x08 */
	uint32_t reserved_0x0c;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "APM Vol.2 4.8.4: 16-byte gates");

#define GATE_INTERRUPT 0x8e	/* P=1, DPL=0, 64-bit interrupt gate: IF cleared on entry */

#define VEC_DB  1
#define VEC_NMI 2
#define VEC_DF  8
#define VEC_PF  14
#define VEC_MC  18

extern const uint64_t isr_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler irq_handlers[256];
static uint32_t cpus_failed;


void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = isr_table[v];
		struct idt_gate *g = &idt[v];

		g->offset_lo = a & 0xffff;
		g->selector = SEL_CODE64;
		g->ist = v == VEC_NMI ? IST_NMI : v == VEC_DF ? IST_DF : v == VEC_MC ? IST_MC : 0;
		g->type_attr = GATE_INTERRUPT;
		g->offset_mid = (a >> 16) & 0xffff;
		g->offset_hi = a >> 32;
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void irq_set_handler(unsigned vector, irq_handler h)
{
	irq_handlers[vector & 0xff] = h;
}

uint32_t trap_cpus_failed(void)
{
	return __atomic_load_n(&cpus_failed, __ATOMIC_SEQ_CST);
}

static void interrupt(struct trap_frame *f)
{
	if (irq_handlers[f->vector]) {
		irq_handlers[f->vector](f);
		return;
	}
	/* 8259 spurious IRQ7/15 (the PICs are masked) and the LAPIC's spurious
	 * vector take no EOI. */
	if (f->vector == VEC_SPURIOUS || (f->vector >= PIC_VECTOR_BASE && f->vector < PIC_VECTOR_BASE + 16))
		return;
	log_warn("unexpected interrupt on vector %#lx", f->vector);
	lapic_eoi();
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

void trap_entry(struct trap_frame *f)
{
	static volatile int depth[MAX_CPUS];
	uint32_t cpu;

	/* A single-step trap in the host is never the host's (it sets no TF).
	 * Bochs 2.7 raises a guest's pending one after the #VMEXIT of an
	 * intercepted instruction, inside the world switch, while GS is still
	 * the guest's (guests/hostile/db-dr6-sticky.asm): drop it before any
	 * per-CPU read. Hardware intercepts the instruction before it runs. */
	if (f->vector == VEC_DB && (read_dr6() & DR6_BS)) {
		write_dr6(DR6_RESET);
		f->rflags &= ~RFLAGS_TF;
		return;
	}
	cpu = cpu_id();

	if (f->vector >= 32) {
		interrupt(f);
		return;
	}

	/* An NMI that kicked a vCPU out of guest mode (svm/vmctl.c vm_kick): its
	 * work was the exit; it needs nothing else. */
	if (f->vector == VEC_NMI && this_cpu()->nmi_kicks) {
		__atomic_sub_fetch(&this_cpu()->nmi_kicks, 1, __ATOMIC_SEQ_CST);
		return;
	}
	/* A fault while reporting a fault: stop quietly rather than recurse. */
	if (++depth[cpu % MAX_CPUS] > 1)
		cpu_halt_forever();
	/* Any other NMI is a hardware event (a watchdog, a parity error, a
	 * front-panel button), maybe one that arrived while a guest ran (an
	 * NMI exit). Report it and carry on. */
	if (f->vector == VEC_NMI) {
		log_warn("NMI on cpu%u from an unknown source; registers follow, carrying on", cpu);
		dump_registers(f);
		depth[cpu % MAX_CPUS]--;
		return;
	}
	log_reclaim_this_cpu();	/* what this fault interrupted never resumes */
	if (f->vector == VEC_MC) {
		char what[96];

		mce_report(what, sizeof(what));	/* the banks, then the dump: this CPU stops */
	}

	log_error("EXCEPTION %s%s%s (vector %lu) on cpu%u, error code %#lx",
		  exc_name(f->vector) ? exc_name(f->vector) : "", exc_name(f->vector) ? " " : "",
		  exc_description(f->vector), f->vector, cpu, f->error);
	if (f->vector == VEC_PF)
		log_error("  page fault at %#lx: %s, %s, %s mode%s", read_cr2(),
			  f->error & 1 ? "protection violation" : "page not present",
			  f->error & 2 ? "write" : "read", f->error & 4 ? "user" : "supervisor",
			  f->error & 16 ? ", instruction fetch" : "");
	dump_registers(f);
	log_error("cpu%u halted", cpu);
	/* The boot CPU ends the run; an AP just leaves service. */
	if (cpu == 0)
		power_stop(EXIT_PANIC);
	this_cpu()->dead = true;
	__atomic_add_fetch(&cpus_failed, 1, __ATOMIC_SEQ_CST);
	cpu_halt_forever();
}
