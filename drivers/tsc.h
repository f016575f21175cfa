/* Time base: the TSC, calibrated against the PIT. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Measures the TSC rate over 10 ms of PIT channel 2. Returns false (and
 * timestamps stay 0) when the PIT does not count. */
bool tsc_calibrate(void);
uint64_t tsc_khz(void);
/* Microseconds since tsc_calibrate(), or 0 before it. */
uint64_t time_us(void);
void delay_us(uint64_t us);
