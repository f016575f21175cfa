/* SPDX-License-Identifier: BSD-2-Clause */
/* Civil calendar arithmetic; see date.h. Days are counted from 1970-01-01
 * with eras of 400 years (146097 days), which makes the Gregorian rules
 * exact without tables. */
#include "kernel/lib/date.h"

#define SECS_PER_DAY 86400
#define DAYS_PER_ERA 146097	/* 400 Gregorian years */
#define EPOCH_SHIFT  719468	/* days from 0000-03-01 to 1970-01-01 */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned date_days_in_month(int64_t year, unsigned month)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && leap(year));
}

/* Floor division for a positive divisor (C rounds toward zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b < 0) ? q - 1 : q;
}

/* Days since 1970-01-01 of y-m-d (m 1-12, d 1-31). The year starts in
 * March so February's leap day is the last day of a year. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;					/* 0-399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* 0-365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;		/* 0-146096 */
	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

static void civil_from_days(int64_t z, struct date *out)
{
	int64_t era, doe, yoe, doy, mp;

	z += EPOCH_SHIFT;
	era = floor_div(z, DAYS_PER_ERA);
	doe = z - era * DAYS_PER_ERA;					/* 0-146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;	/* 0-399 */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);			/* 0-365 */
	mp = (5 * doy + 2) / 153;					/* 0-11, from March */
	out->day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	out->month = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
	out->year = yoe + era * 400 + (out->month <= 2);
}

int64_t date_to_unix(const struct date *d)
{
	return days_from_civil(d->year, d->month, d->day) * SECS_PER_DAY +
	       d->hour * 3600 + d->min * 60 + d->sec;
}

void date_from_unix(int64_t t, struct date *d)
{
	int64_t days = t / SECS_PER_DAY, s = t % SECS_PER_DAY;

	if (s < 0) {	/* floor, without days * 86400 overflowing near INT64_MIN */
		s += SECS_PER_DAY;
		days--;
	}
	civil_from_days(days, d);
	d->hour = (uint8_t)(s / 3600);
	d->min = (uint8_t)(s / 60 % 60);
	d->sec = (uint8_t)(s % 60);
	/* 1970-01-01 was a Thursday (5) */
	d->wday = (uint8_t)((days - floor_div(days, 7) * 7 + 4) % 7 + 1);
}

bool date_valid(const struct date *d)
{
	return d->year >= -DATE_YEAR_LIMIT && d->year <= DATE_YEAR_LIMIT &&
	       d->day >= 1 && d->day <= date_days_in_month(d->year, d->month) &&
	       d->hour < 24 && d->min < 60 && d->sec < 60;
}
