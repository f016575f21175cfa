/* SPDX-License-Identifier: BSD-2-Clause */
/* One window of TSC calibration (drivers/tsc.c): a reference clock counted
 * `ticks` while the TSC went from somewhere in [a, b] to somewhere in
 * [c, d]. Pure, for the unit test (tests/unit/test_tsc.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct tsc_sample {
	uint64_t cycles;	/* TSC cycles between the middles of the brackets */
	uint64_t slack;		/* the two brackets' widths together */
	uint64_t ticks;		/* of the reference clock; 0: it did not count */
};

/* A window is good when its TSC ends are known to 1/1000 of its length:
 * 0.1%, about 10 us of a 10 ms window. */
#define TSC_SAMPLE_SLACK_DIV 1000

static inline struct tsc_sample tsc_sample_make(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
						uint64_t ticks)
{
	uint64_t start = a + (b - a) / 2, end = c + (d - c) / 2;

	if (b < a || c < b || d < c || !ticks)
		return (struct tsc_sample){ 0 };
	return (struct tsc_sample){ end - start, (b - a) + (d - c), ticks };
}

static inline bool tsc_sample_good(const struct tsc_sample *s)
{
	return s->ticks && s->slack <= s->cycles / TSC_SAMPLE_SLACK_DIV;
}

/* The TSC rate in kHz, given the reference clock's rate in Hz; 0 when the
 * window measured nothing. */
static inline uint64_t tsc_sample_khz(const struct tsc_sample *s, uint64_t ref_hz)
{
	if (!s->ticks || !s->cycles)
		return 0;
	/* In two parts, no 128-bit division (the hypervisor has no libgcc);
	 * each part is floored, so the result is within 2 kHz. */
	return s->cycles / s->ticks * ref_hz / 1000 + s->cycles % s->ticks * ref_hz / s->ticks / 1000;
}
