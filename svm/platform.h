/* SPDX-License-Identifier: BSD-2-Clause */
/* The VM's PC platform put to work: the device models of drivers/virt/
 * (I/O APIC, 8259A pair, 8254 PIT, CMOS RTC, ACPI PM block, system control
 * ports) wired together as on a PC. ISA lines from the bus go to both
 * interrupt controllers (IRQ0 to I/O APIC pin 2, the rest to the pin of the
 * same number); the I/O APIC's messages go to the vLAPICs; the PICs' output
 * is the boot vCPU's LINT0; a level-triggered EOI goes back to the I/O APIC.
 * The PIT's and the RTC's timers are kept by the boot vCPU: its run loop
 * fires them when due and arms its core's timer for them while it sleeps.
 * docs/devices.md describes the machine for guests. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "svm/vm.h"


/* The platform's wall clock at boot, for the RTCs (Unix seconds; the
 * host's CMOS clock, read once). */
void platform_set_wall_clock(int64_t unix_time, uint64_t tsc);

/* The wall clock (UTC) in ns since 1970 at host TSC tsc: the time set
 * above (to the second, the CMOS clock's resolution) plus the TSC ticks
 * since it was read. For kvmclock's wall clock (svm/exits.c). */
uint64_t platform_wall_clock_ns(uint64_t tsc);

/* Builds the devices on the VM's bus (after bus_init and the VM's RAM
 * size are known). Returns 0, or -1 with a sentence in err. */
int platform_init(struct vm *vm, char *err, size_t errlen);

/* A VM reset: every device back to its reset state (the RTC's time and
 * CMOS RAM survive, as battery-backed ones do). */
void platform_reset(struct vm *vm);

/* The device on ISA line `line` ("pit", "com1", "rtc"), or NULL. */
const char *platform_line_name(unsigned line);

/* The bus's interrupt-line hook (ctx = the vm). */
void platform_irq(void *ctx, unsigned line, bool level);

/* The boot vCPU before an entry (before apic_update): fire the device
 * timers that are due and follow the PICs' output on LINT0. svm/apic.c
 * arms the core's timer for vm->dev_deadline, takes the PIC's vector for
 * an ExtINT (vpic_intack) and sends EOIs to the I/O APIC (vioapic_eoi). */
void platform_update(struct vcpu *v);

/* Is there anything for platform_update? Two loads on every entry of the
 * boot vCPU: a device timer armed, or the PICs' output not yet on LINT0. */
static inline bool platform_pending(const struct vcpu *v)
{
	const struct vm *vm = v->vm;

	return __atomic_load_n(&vm->dev_deadline, __ATOMIC_RELAXED) != UINT64_MAX ||
	       __atomic_load_n(&vm->pic_int, __ATOMIC_RELAXED) != v->lapic.lint_in[0];
}
