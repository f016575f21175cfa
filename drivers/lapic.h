/* SPDX-License-Identifier: BSD-2-Clause */
/* Local APIC in xAPIC (MMIO) or x2APIC (MSR) mode: x2APIC whenever the CPU
 * has it, so APIC IDs above 255 work. AMD APM Vol.2 chapter 16. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define VEC_LAPIC_TIMER 0x20
#define VEC_IPI_KICK    0x21	/* forces a VM exit; the handler only EOIs */
#define VEC_SPURIOUS    0xff

/* Enables this CPU's LAPIC (x2APIC mode if available). */
void lapic_init(void);
bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* Fixed IPI with vector to apic_id; INIT and STARTUP for AP start-up. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint32_t trampoline_phys);
void lapic_send_nmi(uint32_t apic_id);

/* LAPIC timer: ticks per millisecond (divide by 16), measured against the
 * TSC; then a one-shot interrupt on VEC_LAPIC_TIMER after us microseconds. */
uint32_t lapic_timer_calibrate(void);
void lapic_timer_oneshot(uint32_t us);
/* One timer interrupt at TSC value tsc (TSC-deadline mode when the CPU
 * has it); lapic_timer_stop cancels it. Both replace any other timer mode. */
void lapic_timer_at(uint64_t tsc);
void lapic_timer_stop(void);
bool lapic_has_tsc_deadline(void);
/* A timer interrupt every us microseconds until lapic_timer_oneshot/calibrate. */
void lapic_timer_periodic(uint32_t us);
