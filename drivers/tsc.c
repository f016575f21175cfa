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

static uint64_t khz;
static uint64_t tsc_base;

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
	if (t1 - t0 >= SPIN_LIMIT || t1 == t0)
		return false;
	khz = (t1 - t0) / CALIBRATE_MS;
	tsc_base = t0;
	return khz != 0;
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
