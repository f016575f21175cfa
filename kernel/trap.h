/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupts and exceptions: the IDT and the register frame the stubs in
 * kernel/isr.asm build. */
#pragma once
#include <stdint.h>

/* Pushed by isr_common in kernel/isr.asm, lowest address first: the GPRs in
 * reverse push order, then the stub's vector and error code, then the CPU's
 * interrupt frame (APM Vol.2 8.9.3). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "must match isr_common in kernel/isr.asm");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8, "isr.asm pops vector+error past 15 GPRs");

typedef void (*irq_handler)(struct trap_frame *f);

void idt_init(void);
/* Runs h for interrupts on vector (>= 32); h sends the EOI. */
void irq_set_handler(unsigned vector, irq_handler h);
/* CPUs that died of an exception in the hypervisor. */
uint32_t trap_cpus_failed(void);
void idt_load(void);
void trap_entry(struct trap_frame *f);

/* Prints the frame's registers and the control registers, one log line each. */
void dump_registers(const struct trap_frame *f);

