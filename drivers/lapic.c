/* SPDX-License-Identifier: BSD-2-Clause */
/* Local APIC driver. Register offsets are the xAPIC MMIO offsets; in x2APIC
 * mode register r is MSR 0x800 + r / 16 (APM Vol.2 16.11). */
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/lib/lib.h"
#include "kernel/x86.h"

#define APIC_BASE_EXTD  (1ull << 10)	/* x2APIC mode */
#define APIC_BASE_EN    (1ull << 11)
#define APIC_BASE_ADDR  0x000ffffffffff000ull

#define LAPIC_ID     0x020
#define LAPIC_EOI    0x0b0
#define LAPIC_SVR    0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0

#define SVR_ENABLE      (1u << 8)
#define ICR_FIXED       (0u << 8)
#define ICR_NMI         (4u << 8)
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define ICR_BUSY        (1u << 12)	/* xAPIC delivery status */
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL       (1u << 15)
#define LVT_MASKED      (1u << 16)
#define TIMER_DIV_16    0x3
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)	/* SDM Vol.3 10.5.4.1 */
#define MSR_TSC_DEADLINE 0x6e0

static bool x2apic;
static volatile uint32_t *mmio;	/* xAPIC registers, identity-mapped */
static uint32_t ticks_per_ms;
static bool tsc_deadline;	/* CPUID.1:ECX[24]: the timer can fire at a TSC value */

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(0x800 + reg / 16);
	return mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + reg / 16, v);
	else
		mmio[reg / 4] = v;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2apic = cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC;
	tsc_deadline = cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE;
	base |= APIC_BASE_EN;
	if (x2apic)
		base |= APIC_BASE_EXTD;
	wrmsr(MSR_APIC_BASE, base);
	mmio = (volatile uint32_t *)(base & APIC_BASE_ADDR);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

bool lapic_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void send_icr(uint32_t apic_id, uint32_t lo)
{
	if (x2apic) {
		wrmsr(0x800 + LAPIC_ICR_LO / 16, (uint64_t)apic_id << 32 | lo);
		return;
	}
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	send_icr(apic_id, ICR_NMI | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

void lapic_send_startup(uint32_t apic_id, uint32_t trampoline_phys)
{
	send_icr(apic_id, ICR_STARTUP | ICR_ASSERT | (trampoline_phys >> 12));
}

uint32_t lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	delay_us(10000);
	ticks_per_ms = (0xffffffff - lapic_read(LAPIC_TIMER_CUR)) / 10;
	lapic_write(LAPIC_TIMER_INIT, 0);
	return ticks_per_ms;
}

/* Intel SDM / APM Vol.2 16.4.1: LVT timer mode bit 17 = periodic. */
void lapic_timer_periodic(uint32_t us)
{
	uint64_t ticks = (uint64_t)ticks_per_ms * us / 1000;

	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER | 1u << 17);
	lapic_write(LAPIC_TIMER_INIT, ticks ? (uint32_t)MIN(ticks, 0xffffffffull) : 1);
}

void lapic_timer_oneshot(uint32_t us)
{
	uint64_t ticks = (uint64_t)ticks_per_ms * us / 1000;

	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);	/* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INIT, ticks ? (uint32_t)MIN(ticks, 0xffffffffull) : 1);
}

/* One interrupt at TSC value tsc: TSC-deadline mode when the CPU has it
 * (no conversion, no drift), else a one-shot count from the calibrated
 * rate. A deadline already past fires at once. */
void lapic_timer_at(uint64_t tsc)
{
	uint64_t now, ticks;

	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER | LVT_TIMER_TSC_DEADLINE);
		wrmsr(MSR_TSC_DEADLINE, tsc ? tsc : 1);
		return;
	}
	now = rdtsc();
	ticks = 1;
	if (tsc > now && tsc_khz())
		ticks = MIN(tsc - now, 1ull << 40) * ticks_per_ms / tsc_khz() + 1;	/* no overflow */
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);	/* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)MIN(ticks, 0xffffffffull));
}

void lapic_timer_stop(void)
{
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

bool lapic_has_tsc_deadline(void)
{
	return tsc_deadline;
}
