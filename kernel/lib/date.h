/* SPDX-License-Identifier: BSD-2-Clause */
/* Civil dates in UTC on the proleptic Gregorian calendar (ISO 8601 year
 * numbering: year 0 is 1 BC), to and from Unix seconds. No leap seconds:
 * every day has 86400 seconds, as in POSIX time. Pure; the day-number
 * arithmetic is Howard Hinnant's days_from_civil / civil_from_days
 * ("chrono-Compatible Low-Level Date Algorithms"), exact for every year. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* date_valid accepts years within +-DATE_YEAR_LIMIT: their seconds fit an
 * int64_t with room to spare (10^11 years are about 3.2e18 s). */
#define DATE_YEAR_LIMIT 100000000000ll

struct date {
	int64_t year;
	uint8_t month;	/* 1-12 */
	uint8_t day;	/* 1-31 */
	uint8_t hour, min, sec;
	uint8_t wday;	/* 1 = Sunday .. 7 = Saturday, as the MC146818A counts */
};

/* Seconds since 1970-01-01 00:00:00 UTC. d->wday is ignored. Defined for
 * dates date_valid accepts (other fields are not range-checked). */
int64_t date_to_unix(const struct date *d);

/* The date and weekday of t; every int64_t t is accepted. */
void date_from_unix(int64_t t, struct date *d);

/* Month 1-12, day within the month (February 29 in leap years only: every
 * fourth year except centuries not divisible by 400), hour 0-23, minute and
 * second 0-59 (no leap second), year within DATE_YEAR_LIMIT. The weekday
 * is not checked: a clock's weekday counter is independent of its date. */
bool date_valid(const struct date *d);

/* Days in month (1-12) of year; 0 for a month out of range. */
unsigned date_days_in_month(int64_t year, unsigned month);
