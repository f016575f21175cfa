/* SPDX-License-Identifier: BSD-2-Clause */
/* TSC calibration against the 8254 PIT (channel 2, gated through port 0x61,
 * the speaker kept off), as PC firmware and Linux do. */
#include "drivers/tsc.h"
#include "kernel/x86.h"

#define PIT_HZ        1193182u
#define PIT_CH2       0x42
#define PIT_CMD       0x43
#define PORT_B        0x61	/* bit 0: ch2 gate, bit 1: speaker, bit 5: ch2 out */
#define CALIBRATE_MS  10
#define SPIN_LIMIT    (1ull << 32)	/* TSC cycles: a dead PIT must not hang us */

#define PMTIMER_HZ    3579545u
#define HPET_CAP      0x000	/* bits 63:32: period in femtoseconds */
#define HPET_CONFIG   0x010	/* bit 0: ENABLE_CNF */
#define HPET_COUNTER  0x0f0
#define FS_PER_MS     1000000000000ull

static uint64_t khz;
static uint64_t tsc_base;
static const char *reference = "nothing";

static bool calibrated(uint64_t cycles, const char *what)
{
	if (cycles / CALIBRATE_MS == 0)
		return false;
	if (!khz)
		tsc_base = rdtsc();
	khz = cycles / CALIBRATE_MS;
	reference = what;
	return true;
}

bool tsc_calibrate(void)
{
	uint16_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t t0, t1;

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);	/* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	do
		t1 = rdtsc();
	while (!(inb(PORT_B) & 0x20) && t1 - t0 < SPIN_LIMIT);
	if (t1 - t0 >= SPIN_LIMIT)
		return false;
	return calibrated(t1 - t0, "PIT");
}

/* ACPI 6.5, 4.8.3.3: a free-running 24- or 32-bit counter at 3.579545 MHz. */
bool tsc_calibrate_pmtimer(uint16_t port, bool bits32)
{
	uint32_t mask = bits32 ? 0xffffffffu : 0xffffffu;
	uint32_t want = PMTIMER_HZ / (1000 / CALIBRATE_MS), start, now;
	uint64_t t0, t1;

	start = inl(port) & mask;
	t0 = rdtsc();
	do {
		now = inl(port) & mask;
		t1 = rdtsc();
	} while (((now - start) & mask) < want && t1 - t0 < SPIN_LIMIT);
	if (t1 - t0 >= SPIN_LIMIT)
		return false;
	return calibrated(t1 - t0, "ACPI PM timer");
}

/* IA-PC HPET 1.0a, 2.3: the main counter ticks every CAP[63:32] fs. */
bool tsc_calibrate_hpet(uint64_t base)
{
	volatile uint64_t *hpet = (volatile uint64_t *)base;
	uint64_t period_fs = hpet[HPET_CAP / 8] >> 32;
	uint64_t want, start, t0, t1;

	if (!period_fs || period_fs > 100000000ull)	/* spec: at most 100 ns */
		return false;
	hpet[HPET_CONFIG / 8] |= 1;
	want = CALIBRATE_MS * FS_PER_MS / period_fs;
	start = hpet[HPET_COUNTER / 8];
	t0 = rdtsc();
	do
		t1 = rdtsc();
	while (hpet[HPET_COUNTER / 8] - start < want && t1 - t0 < SPIN_LIMIT);
	if (t1 - t0 >= SPIN_LIMIT)
		return false;
	return calibrated(t1 - t0, "HPET");
}

const char *tsc_reference(void)
{
	return reference;
}

uint64_t tsc_khz(void)
{
	return khz;
}

uint64_t time_us(void)
{
	uint64_t cycles = rdtsc() - tsc_base;

	if (!khz)
		return 0;
	return cycles / khz * 1000 + cycles % khz * 1000 / khz;	/* no overflow */
}

void delay_us(uint64_t us)
{
	uint64_t start = rdtsc();
	uint64_t cycles = khz ? us * khz / 1000 : us * 4000;	/* guess 4 GHz: too long, never too short */

	while (rdtsc() - start < cycles)
		cpu_relax();
}
