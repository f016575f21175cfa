/* Finding the CPUs (ACPI MADT), starting the APs (INIT-SIPI-SIPI through
 * boot/trampoline.asm) and turning SVM on everywhere. */
#pragma once
#include <stdint.h>
#include "boot/bootinfo.h"
#include "kernel/options.h"

/* Copies the AP trampoline below 1 MiB; must run while the boot page tables
 * (writable everywhere) are live. Also keeps the BIOS data area, which the
 * final page tables do not map (page 0). */
void smp_early_init(const struct boot_info *bi);

/* Parses ACPI, starts every AP, enables SVM on every core and reports. */
void smp_init(const struct boot_info *bi, const struct hv_options *o);

/* The CPUs brought up, by dense index (0 = boot CPU). */
uint32_t smp_cpu_count(void);
struct cpu *smp_cpu(uint32_t id);
uint32_t smp_cpus_online(void);
uint32_t smp_cpus_svm(void);

/* A core's life once set up: run the vCPU it is given, else sleep until an
 * interrupt; the console's core also does its housekeeping each time round.
 * STI's one-instruction shadow covers HLT, so a kick after the check still
 * wakes it. Never returns. */
__attribute__((noreturn)) void smp_idle(void);
