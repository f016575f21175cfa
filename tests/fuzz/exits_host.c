/* SPDX-License-Identifier: BSD-2-Clause */
/* Host replacements for what svm/ and drivers/virt/ call in the
 * bare-metal kernel, for tests/fuzz/fuzz_exits.c (exits_host.h). Each
 * keeps the contract of the function it replaces (kernel/log.h,
 * kernel/timer.h, drivers/lapic.h, drivers/tsc.h, kernel/mce.h,
 * kernel/panic.h, svm/svm.h) on a simulated machine: no hardware, no
 * waiting. Linked into the harness beside the real sources. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/exits_host.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/log.h"
#include "kernel/mce.h"
#include "kernel/panic.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "svm/svm.h"

struct host_state host;
static struct cpu core_storage[HOST_CORES];
struct cpu *host_cores[HOST_CORES];

/* svm/svm.c's globals: what CPUID 0x8000000A said (the harness sets the
 * features per input). */
struct svm_caps svm_caps;
bool svm_host_xsave, svm_host_ibpb;

void host_reset(bool xsave)
{
	bool verbose = host.verbose;

	memset(&host, 0, sizeof(host));
	host.verbose = verbose || getenv("FUZZ_EXITS_VERBOSE");
	host.tsc = 0x10000000ull;
	host.xcr0 = XCR0_X87;
	host.xsave = xsave;
	for (unsigned i = 0; i < HOST_CORES; i++) {
		struct cpu *c = &core_storage[i];

		/* Only the fields the exit path reads: identity and the timer. */
		c->self = c;
		c->id = i + 1;	/* cpu0 is the console's */
		c->apic_id = 2 * (i + 1);
		c->core_id = i + 1;
		c->online = c->svm_on = true;
		c->vcpu = NULL;
		c->nmi_kicks = 0;
		c->tick_period = 0;
		c->next_tick = c->guest_deadline = c->timer_armed = TIMER_NONE;
		c->last_vm = NULL;
		c->housekeeping = NULL;
		host_cores[i] = c;
	}
}

void host_advance(uint64_t cycles)
{
	host.tsc += cycles;
}

struct cpu *host_this_cpu(void)
{
	return host_cores[host.current];
}

uint64_t host_rdtsc(void)
{
	return host.tsc++;
}

uint64_t host_rdmsr(uint32_t msr)
{
	fprintf(stderr, "fuzz_exits: the exit path read host MSR %#x\n", msr);
	abort();
}

void host_wrmsr(uint32_t msr, uint64_t v)
{
	/* svm/exits.c loads the guest's TSC_AUX into the core: the only MSR
	 * write an exit may make. */
	if (msr != MSR_TSC_AUX) {
		fprintf(stderr, "fuzz_exits: the exit path wrote host MSR %#x = %#lx\n", msr,
			(unsigned long)v);
		abort();
	}
	if (v >> 32) {
		fprintf(stderr, "fuzz_exits: TSC_AUX %#lx has reserved bits set (#GP on hardware)\n",
			(unsigned long)v);
		abort();
	}
	host.tsc_aux = v;
}

void host_xsetbv(uint32_t xcr, uint64_t v)
{
	if (xcr != 0 || !host.xsave || !(v & XCR0_X87)) {
		fprintf(stderr, "fuzz_exits: XSETBV %u, %#lx would #GP on the host\n", xcr,
			(unsigned long)v);
		abort();
	}
	host.xcr0 = v;
}

uint64_t host_xgetbv(uint32_t xcr)
{
	if (xcr != 0 || !host.xsave) {
		fprintf(stderr, "fuzz_exits: XGETBV %u on a host without XSAVE\n", xcr);
		abort();
	}
	return host.xcr0;
}

void host_forbidden(const char *what, uint64_t arg)
{
	fprintf(stderr, "fuzz_exits: the exit path executed %s (%#lx)\n", what, (unsigned long)arg);
	abort();
}

void host_cpuid_synth(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs4 *out)
{
	(void)ctx;
	*out = (struct cpuid_regs4){ 0, 0, 0, 0 };
	switch (leaf) {
	case 0:
		*out = (struct cpuid_regs4){ 0x10, 0x68747541, 0x444d4163, 0x69746e65 };	/* AuthenticAMD */
		break;
	case 1:	/* family 0x19; FPU TSC MSR PAE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2 HTT */
		out->eax = 0x00a20f12;
		out->ebx = 0x00020800;
		out->ecx = 0x7ef8320b;	/* SSE3 ... x2APIC XSAVE OSXSAVE AVX */
		if (!host.xsave)
			out->ecx &= ~((1u << 26) | (1u << 27) | (1u << 28));	/* XSAVE OSXSAVE AVX */
		out->edx = 0x178bfbff;
		break;
	case 7:
		if (sub == 0)
			*out = (struct cpuid_regs4){ 1, 0x219c97a9, 0x0040068c, 0x10 };
		break;
	case 0xd:
		if (!host.xsave)
			break;
		if (sub == 0)
			*out = (struct cpuid_regs4){ 0x7, 0x340, 0x340, 0 };
		else if (sub == 1)
			*out = (struct cpuid_regs4){ 0xf, 0x340, 0, 0 };
		else if (sub == 2)
			*out = (struct cpuid_regs4){ 0x100, 0x240, 0, 0 };
		break;
	case 0x80000000:
		*out = (struct cpuid_regs4){ 0x80000021, 0x68747541, 0x444d4163, 0x69746e65 };
		break;
	case 0x80000001:	/* LM NX RDTSCP Page1GB SVM LAHF */
		*out = (struct cpuid_regs4){ 0x00a20f12, 0, 0x75c237ff, 0x2fd3fbff };
		break;
	case 0x80000008:
		*out = (struct cpuid_regs4){ 0x3030 | HOST_PHYS_BITS, 0x111ef657, 0x4007, 0 };
		break;
	case 0x8000000a:
		*out = (struct cpuid_regs4){ 1, 0x8000, 0, 0x1dfbbff };
		break;
	default:
		break;
	}
}

/* ---- drivers/tsc.h ---- */

uint64_t tsc_khz(void)
{
	return HOST_TSC_KHZ;
}

uint64_t time_us(void)
{
	return host.tsc / (HOST_TSC_KHZ / 1000);
}

/* ---- drivers/lapic.h: the kicks (their targets must be cores that exist) ---- */

static void check_apic_id(const char *what, uint32_t apic_id)
{
	for (unsigned i = 0; i < HOST_CORES; i++)
		if (host_cores[i]->apic_id == apic_id)
			return;
	fprintf(stderr, "fuzz_exits: %s to APIC ID %u, which no core has\n", what, apic_id);
	abort();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	check_apic_id("IPI", apic_id);
	if (vector != VEC_IPI_KICK) {
		fprintf(stderr, "fuzz_exits: IPI with vector %#x from the exit path\n", vector);
		abort();
	}
	host.ipis++;
}

void lapic_send_nmi(uint32_t apic_id)
{
	check_apic_id("NMI", apic_id);
	host.nmis++;
}

/* ---- kernel/timer.h ---- */

void timer_guest_deadline(uint64_t tsc)
{
	this_cpu()->guest_deadline = tsc;
}

/* ---- kernel/mce.h: no bank holds an error (the core may go on) ---- */

bool mce_report(char *summary, size_t n)
{
	fmt_snprintf(summary, n, "no machine-check bank holds an error");
	return true;
}

/* ---- kernel/panic.h: the hypervisor would end the run: a finding ---- */

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fuzz_exits: panic at %s:%d: %s\n", file, line, buf);
	abort();
}

/* ---- kernel/log.h: every line formatted with the kernel's own fmt ---- */

static void log_line(const char *fmt, va_list ap)
{
	char buf[512];

	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	host.logs++;
	if (host.verbose)
		fprintf(stderr, "log: %s\n", buf);
}

void log_write(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	(void)lvl;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void log_write_after(struct log_source *src, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	(void)src;
	(void)lvl;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}
