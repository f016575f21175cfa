/* SPDX-License-Identifier: BSD-2-Clause */
/* TSC calibration against the 8254 PIT (channel 2, gated through port 0x61,
 * the speaker kept off), as PC firmware and Linux do. */
#include "drivers/tsc.h"
#include "drivers/tsc_sample.h"
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

/* Every reference clock here counts in real time, and so does the TSC; but
 * the code between a read of one and a read of the other can be held up
 * (an emulator's thread descheduled for milliseconds, an SMI on hardware),
 * and a single 10 ms window then measures a fraction of the TSC's rate
 * (QEMU under load gave 3.7 MHz for 2.7 GHz). So each end of a window is
 * bracketed by two TSC reads, and a window is kept only when both brackets
 * together are narrow (drivers/tsc_sample.h); else it is measured again. */
#define TRIES 16

static bool settle(struct tsc_sample (*measure)(const void *), const void *ctx, const char *what,
		   uint64_t ref_hz)
{
	struct tsc_sample best = { 0 };

	for (int i = 0; i < TRIES; i++) {
		struct tsc_sample t = measure(ctx);

		if (!t.ticks)
			return false;	/* the clock does not count */
		if (!best.ticks || t.slack * best.cycles < best.slack * t.cycles)
			best = t;
		if (tsc_sample_good(&t))
			break;
	}
	if (!tsc_sample_khz(&best, ref_hz))
		return false;
	if (!khz)
		tsc_base = rdtsc();
	khz = tsc_sample_khz(&best, ref_hz);
	reference = what;
	return true;
}

/* Channel 2 in mode 0 counts `latch` ticks from the write of its high
 * byte, then raises its output (port 0x61 bit 5). */
static struct tsc_sample pit_window(const void *ctx)
{
	uint16_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t a, b, after, last;

	(void)ctx;
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);	/* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	a = rdtsc();
	outb(PIT_CH2, latch >> 8);
	b = last = rdtsc();
	for (;;) {
		bool out;

		out = inb(PORT_B) & 0x20;
		after = rdtsc();
		if (out)
			break;
		if (after - a >= SPIN_LIMIT)
			return (struct tsc_sample){ 0 };
		last = after;
	}
	return tsc_sample_make(a, b, last, after, latch);
}

bool tsc_calibrate(void)
{
	return settle(pit_window, 0, "PIT", PIT_HZ);
}

/* ACPI 6.5, 4.8.3.3: a free-running 24- or 32-bit counter at 3.579545 MHz. */
struct pm_ctx {
	uint16_t port;
	uint32_t mask;
};

static struct tsc_sample pm_window(const void *ctx)
{
	const struct pm_ctx *pm = ctx;
	uint32_t want = PMTIMER_HZ / (1000 / CALIBRATE_MS), start, now;
	uint64_t a, b, c, d;

	a = rdtsc();
	start = inl(pm->port) & pm->mask;
	b = rdtsc();
	do {
		c = rdtsc();
		now = inl(pm->port) & pm->mask;
		d = rdtsc();
	} while (((now - start) & pm->mask) < want && d - a < SPIN_LIMIT);
	if (d - a >= SPIN_LIMIT)
		return (struct tsc_sample){ 0 };
	return tsc_sample_make(a, b, c, d, (now - start) & pm->mask);
}

bool tsc_calibrate_pmtimer(uint16_t port, bool bits32)
{
	struct pm_ctx pm = { port, bits32 ? 0xffffffffu : 0xffffffu };

	return settle(pm_window, &pm, "ACPI PM timer", PMTIMER_HZ);
}

/* IA-PC HPET 1.0a, 2.3: the main counter ticks every CAP[63:32] fs. */
static struct tsc_sample hpet_window(const void *ctx)
{
	volatile uint64_t *hpet = (volatile uint64_t *)ctx;
	uint64_t want = CALIBRATE_MS * FS_PER_MS / (hpet[HPET_CAP / 8] >> 32);
	uint64_t a, b, c, d, start, now;

	a = rdtsc();
	start = hpet[HPET_COUNTER / 8];
	b = rdtsc();
	do {
		c = rdtsc();
		now = hpet[HPET_COUNTER / 8];
		d = rdtsc();
	} while (now - start < want && d - a < SPIN_LIMIT);
	if (d - a >= SPIN_LIMIT)
		return (struct tsc_sample){ 0 };
	return tsc_sample_make(a, b, c, d, now - start);
}

bool tsc_calibrate_hpet(uint64_t base)
{
	volatile uint64_t *hpet = (volatile uint64_t *)base;
	uint64_t period_fs = hpet[HPET_CAP / 8] >> 32;

	if (!period_fs || period_fs > 100000000ull)	/* spec: at most 100 ns */
		return false;
	hpet[HPET_CONFIG / 8] |= 1;
	return settle(hpet_window, (const void *)base, "HPET", FS_PER_MS * 1000 / period_fs);
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
