/* SPDX-License-Identifier: BSD-2-Clause */
/* Time base: the TSC, calibrated against the PIT. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Measure the TSC rate over 10 ms of a reference clock: PIT channel 2, the
 * ACPI PM timer (3.579545 MHz, 24 or 32 bits) or the HPET main counter. Each
 * returns false, leaving the previous calibration, when its clock does not
 * count. Timestamps are 0 until one succeeds. */
bool tsc_calibrate(void);
bool tsc_calibrate_pmtimer(uint16_t port, bool bits32);
bool tsc_calibrate_hpet(uint64_t base);
/* "PIT", "ACPI PM timer", "HPET", or "nothing" before calibration. */
const char *tsc_reference(void);
uint64_t tsc_khz(void);
/* Microseconds since tsc_calibrate(), or 0 before it. */
uint64_t time_us(void);
void delay_us(uint64_t us);
