/* SPDX-License-Identifier: BSD-2-Clause */
/* A core's LAPIC timer, shared by what needs it on that core: the console's
 * periodic tick (on the console's core) and the next timer deadline of the
 * vCPU running there (its virtual APIC timer or TSC deadline). The timer is
 * always armed for the earlier of the two, in one-shot or TSC-deadline
 * mode, so a sleeping vCPU costs no interrupts before its deadline. Every
 * function acts on the calling core, with interrupts disabled. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct cpu;

#define TIMER_NONE UINT64_MAX

/* Starts this core's periodic tick: every us microseconds, timer_interrupt
 * answers true. */
void timer_tick_every(uint32_t us);

/* An interrupt at host TSC value tsc (TIMER_NONE: none) for the vCPU on
 * this core. Reprograms the hardware only if the earliest event moved. */
void timer_guest_deadline(uint64_t tsc);

/* The LAPIC timer interrupt on c: re-arms for the next event; true when
 * the periodic tick is due (the console's turn). */
bool timer_interrupt(struct cpu *c);

/* c's timer state for a new core: nothing armed. */
void timer_cpu_init(struct cpu *c);
