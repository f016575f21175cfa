/* SPDX-License-Identifier: BSD-2-Clause */
/* Time arithmetic for the device models: a * b / c, floored or rounded up,
 * and a + b, all saturating at UINT64_MAX (which the models also use for
 * "never"). No 128-bit division: the freestanding build has no helper for
 * it, so a is split into a multiple of c and a remainder. Callers keep
 * b * c below 2^64, so that the remainder's product r * b (r < c) fits. */
#pragma once
#include <stdint.h>

static inline uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = a / c, r = a % c, hi, lo;

	if (q && b > UINT64_MAX / q)
		return UINT64_MAX;
	hi = q * b;
	lo = r * b / c;
	return hi > UINT64_MAX - lo ? UINT64_MAX : hi + lo;
}

static inline uint64_t muldiv64_up(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = a / c, r = a % c, hi, lo;

	if (q && b > UINT64_MAX / q)
		return UINT64_MAX;
	hi = q * b;
	lo = (r * b + c - 1) / c;
	return hi > UINT64_MAX - lo ? UINT64_MAX : hi + lo;
}

static inline uint64_t add_sat64(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
