/* SPDX-License-Identifier: BSD-2-Clause */
/* Host stand-in for kernel/x86.h, for tests/fuzz/fuzz_exits.c: first on
 * the include path (-Itests/fuzz/host), it takes the real header's types
 * and constants (#include_next) with its privileged wrappers renamed out
 * of the way, and routes the names the hypervisor calls to the harness's
 * simulated CPU (tests/fuzz/exits_host.c): a TSC the harness advances,
 * MSR and XCR0 writes recorded, port I/O and control-register access a
 * failure (no exit path may touch them). */
#pragma once

#define cpuid            x86_real_cpuid
#define rdmsr            x86_real_rdmsr
#define wrmsr            x86_real_wrmsr
#define rdtsc            x86_real_rdtsc
#define outb             x86_real_outb
#define inb              x86_real_inb
#define inl              x86_real_inl
#define read_cr0         x86_real_read_cr0
#define write_cr0        x86_real_write_cr0
#define read_cr2         x86_real_read_cr2
#define write_cr2        x86_real_write_cr2
#define read_cr3         x86_real_read_cr3
#define write_cr3        x86_real_write_cr3
#define read_cr4         x86_real_read_cr4
#define write_cr4        x86_real_write_cr4
#define xsetbv           x86_real_xsetbv
#define xgetbv           x86_real_xgetbv
#define read_rflags      x86_real_read_rflags
#define cpu_relax        x86_real_cpu_relax
#define irq_disable      x86_real_irq_disable
#define irq_enable       x86_real_irq_enable
#define cpu_halt_forever x86_real_cpu_halt_forever
#include_next "kernel/x86.h"
#undef cpuid
#undef rdmsr
#undef wrmsr
#undef rdtsc
#undef outb
#undef inb
#undef inl
#undef read_cr0
#undef write_cr0
#undef read_cr2
#undef write_cr2
#undef read_cr3
#undef write_cr3
#undef read_cr4
#undef write_cr4
#undef xsetbv
#undef xgetbv
#undef read_rflags
#undef cpu_relax
#undef irq_disable
#undef irq_enable
#undef cpu_halt_forever

#include "tests/fuzz/exits_host.h"

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs4 r;

	host_cpuid_synth(NULL, leaf, subleaf, &r);
	return (struct cpuid_regs){ r.eax, r.ebx, r.ecx, r.edx };
}

static inline uint64_t rdmsr(uint32_t msr) { return host_rdmsr(msr); }
static inline void wrmsr(uint32_t msr, uint64_t v) { host_wrmsr(msr, v); }
static inline uint64_t rdtsc(void) { return host_rdtsc(); }
static inline void outb(uint16_t port, uint8_t v) { (void)v; host_forbidden("outb", port); }
static inline uint8_t inb(uint16_t port) { host_forbidden("inb", port); return 0xff; }
static inline uint32_t inl(uint16_t port) { host_forbidden("inl", port); return ~0u; }

#define DEFINE_CR(n)                                                                  \
	static inline uint64_t read_cr##n(void) { host_forbidden("read_cr" #n, 0); return 0; } \
	static inline void write_cr##n(uint64_t v) { host_forbidden("write_cr" #n, v); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void xsetbv(uint32_t xcr, uint64_t v) { host_xsetbv(xcr, v); }
static inline uint64_t xgetbv(uint32_t xcr) { return host_xgetbv(xcr); }
static inline uint64_t read_rflags(void) { return 0x2; }
static inline void cpu_relax(void) { }
static inline void irq_disable(void) { }
static inline void irq_enable(void) { }
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	host_forbidden("cpu_halt_forever", 0);
	__builtin_trap();
}
