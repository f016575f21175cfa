/* SPDX-License-Identifier: BSD-2-Clause */
/* The bare-metal kernel as tests/fuzz/fuzz_exits.c simulates it on the
 * host (tests/fuzz/exits_host.c): a TSC the harness advances, the cores
 * the vCPUs run on (this_cpu), recorded MSR writes, IPIs and NMIs, timer
 * deadlines, and the log as formatted text. The shadows of kernel/x86.h
 * and kernel/cpu.h under tests/fuzz/host/ call into these. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "svm/cpuid.h"

struct cpu;

#define HOST_CORES 2		/* one core per vCPU (a VM has at most 2 here) */
#define HOST_TSC_KHZ 2000000u	/* 2 GHz */
#define HOST_PHYS_BITS 48

/* The simulated machine, reset by host_reset before each input. */
struct host_state {
	uint64_t tsc;		/* what rdtsc answers next (it counts 1 per read) */
	uint64_t xcr0;		/* the core's XCR0 (x87 outside guest mode) */
	uint64_t tsc_aux;	/* the last WRMSR of TSC_AUX */
	uint32_t current;	/* the core handling the current exit: this_cpu() */
	uint64_t ipis, nmis;	/* lapic_send_ipi / lapic_send_nmi calls */
	uint64_t logs;		/* lines through the log functions */
	bool xsave;		/* the host has XSAVE (svm_host_xsave) */
	bool verbose;		/* FUZZ_EXITS_VERBOSE=1: print the log lines */
};
extern struct host_state host;
extern struct cpu *host_cores[HOST_CORES];

void host_reset(bool xsave);
void host_advance(uint64_t cycles);

uint64_t host_rdtsc(void);
uint64_t host_rdmsr(uint32_t msr);
void host_wrmsr(uint32_t msr, uint64_t v);
void host_xsetbv(uint32_t xcr, uint64_t v);
uint64_t host_xgetbv(uint32_t xcr);
/* An instruction no exit path may execute (port I/O, CR access): abort. */
void host_forbidden(const char *what, uint64_t arg);

/* A fixed AMD host: family 0x19, XSAVE/AVX when xsave, SVM, x2APIC, 48
 * physical address bits. The shape cpuid_build and cpuid() read. */
void host_cpuid_synth(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs4 *out);
