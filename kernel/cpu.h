/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU data: descriptor tables, IST stacks, identity. Reached through
 * GS base (struct cpu starts with a pointer to itself). Guest GS is only ever
 * live inside VMRUN, never while host code runs. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/x86.h"

struct vcpu;

#define MAX_CPUS       256
#define IST_STACK_SIZE 8192

/* IST slots, Intel SDM / APM Vol.2 4.6.4: 1-based indices into the TSS. */
#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3

/* Selectors in every CPU's GDT. */
#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_TSS    0x18

/* 64-bit TSS, APM Vol.2 12.2.5 figure 12-8. */
struct tss64 {
	uint32_t reserved_0x00;
	uint64_t rsp[3];	/* 0x04 */
	uint64_t reserved_0x1c;
	uint64_t ist[7];	/* 0x24: IST1..IST7; IST n is ist[n - 1] */
	uint64_t reserved_0x5c;
	uint16_t reserved_0x64;
	uint16_t iopb;		/* 0x66 */
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 0x68, "APM Vol.2 12.2.5: TSS is 104 bytes");
_Static_assert(__builtin_offsetof(struct tss64, ist) == 0x24, "APM Vol.2 12.2.5: IST1 at 0x24");
_Static_assert(__builtin_offsetof(struct tss64, iopb) == 0x66, "APM Vol.2 12.2.5: I/O map base");

struct cpu {
	struct cpu *self;	/* must stay first: this_cpu() reads %gs:0 */
	uint32_t id;		/* dense index, 0 = boot CPU */
	uint32_t apic_id;
	uint32_t core_id;	/* physical core: SMT siblings share it (APIC ID >> SMT bits) */
	uint32_t boot;		/* AP_SENT .. AP_ONLINE or AP_ABANDONED (kernel/smp.c) */
	volatile bool online;	/* set by the CPU itself once initialised */
	volatile bool dead;	/* halted by an exception in the hypervisor */
	bool svm_on;		/* EFER.SVME set, host-save page programmed */
	uint64_t hsave_pa;	/* VM_HSAVE_PA */
	uint64_t host_vmcb_pa;	/* host FS/GS/TR/... kept by VMSAVE around VMRUN */
	struct vcpu *volatile vcpu;	/* assigned vCPU: the idle loop runs it */
	volatile uint64_t timer_ticks;	/* LAPIC timer interrupts taken */
	/* The core's one LAPIC timer, shared (kernel/timer.c): the console's
	 * periodic tick and the deadline of the vCPU that runs here, all in
	 * host TSC cycles; UINT64_MAX is "none". */
	uint64_t tick_period, next_tick, guest_deadline, timer_armed;
	const void *last_vm;	/* the VM whose vCPU ran here last (svm/vcpu.c: IBPB on a change) */
	volatile uint32_t nmi_kicks;	/* NMIs sent to force a VM exit (svm/vmctl.c vm_kick) */
	/* The console's work (kernel/main.c), on the core that owns the serial
	 * console: called from the idle loop and, through VCPU_REQ_CONSOLE
	 * set by the timer tick, from the run loop of a vCPU on this core. */
	void (*housekeeping)(void);
	uint64_t gdt[5];	/* null, code64, data, TSS (two slots) */
	struct tss64 tss;
	uint8_t ist_stack[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

/* Loads this CPU's GDT, TSS and GS base (the shared IDT: idt_load). */
void cpu_init(struct cpu *c, uint32_t id);

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Safe before cpu_init() too: GS base is 0 then and reads as CPU 0. */
uint32_t cpu_id(void);

extern struct cpu boot_cpu;
