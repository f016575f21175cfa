/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU bring-up and life: finding the CPUs (ACPI MADT), starting the
 * APs (INIT-SIPI-SIPI through boot/trampoline.asm), and each core's idle
 * loop, which runs the vCPU it is given through the guest hooks. */
#pragma once
#include <stdint.h>
#include "boot/bootinfo.h"
#include "kernel/options.h"

struct cpu;
struct vcpu;

/* Copies the AP trampoline below 1 MiB; must run while the boot page tables
 * (writable everywhere) are live. Also keeps the BIOS data area, which the
 * final page tables do not map (page 0). */
void smp_early_init(const struct boot_info *bi);

/* Parses ACPI, starts every AP (each runs the cpu_up hook) and reports. */
void smp_init(const struct boot_info *bi, const struct hv_options *o);

/* The CPUs brought up, by dense index (0 = boot CPU). */
uint32_t smp_cpu_count(void);
struct cpu *smp_cpu(uint32_t id);
uint32_t smp_cpus_online(void);
uint32_t smp_cpus_svm(void);

/* What a core does with the vCPU it is given (cpu->vcpu), installed by
 * kernel/main.c from svm/, so this base layer knows no vCPU's insides. */
struct smp_guest_hooks {
	/* On each CPU as it comes up, before it reports online: turn on what
	 * runs guests there and set cpu->svm_on if that worked. */
	void (*cpu_up)(struct cpu *c);
	/* Runs v until its VM stops, then sets cpu->vcpu = NULL. */
	void (*run)(struct vcpu *v);
	/* The console's tick on a core whose vCPU is in guest mode: ask the
	 * vCPU for the console's turn between two exits. */
	void (*console_due)(struct vcpu *v);
};

void smp_set_guest_hooks(const struct smp_guest_hooks *h);

/* A core's life once set up: run the vCPU it is given, else sleep until an
 * interrupt; the console's core also does its housekeeping each time round.
 * STI's one-instruction shadow covers HLT, so a kick after the check still
 * wakes it. Never returns. */
__attribute__((noreturn)) void smp_idle(void);
