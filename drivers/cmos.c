/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading the host's RTC, as the MC146818A datasheet's "Update Cycle"
 * section advises: once UIP reads 0, no update starts for at least 244 us,
 * time enough to read the ten bytes; reading twice until the copies agree
 * also covers an SMI or a slow bus stretching the read past that window.
 * No timer is needed (this runs before the TSC is calibrated): the waits
 * are bounded by iteration counts. */
#include <stdbool.h>
#include "drivers/cmos.h"
#include "kernel/lib/date.h"
#include "kernel/lib/lib.h"
#include "kernel/x86.h"

#define CMOS_INDEX   0x70	/* bit 7: NMI disable on PCs */
#define CMOS_DATA    0x71
#define REG_SECONDS  0x00	/* MC146818A "Address Map" */
#define REG_MINUTES  0x02
#define REG_HOURS    0x04
#define REG_DAY      0x07
#define REG_MONTH    0x08
#define REG_YEAR     0x09
#define REG_A        0x0a
#define REG_B        0x0b
#define REG_CENTURY  0x32	/* IBM PC AT CMOS map */
#define A_UIP        0x80	/* update in progress */
#define B_DM         0x04	/* 1: binary, 0: BCD */
#define B_24H        0x02	/* 0: 12-hour, PM in bit 7 of the hour */
#define HOUR_PM      0x80

/* An inb from the LPC bus takes about a microsecond (more under a
 * hypervisor), so this is about a second; UIP stays set for 2.2 ms. */
#define UIP_POLLS    1000000u
#define READ_TRIES   8u

struct cmos_raw {
	uint8_t sec, min, hour, day, month, year, century, b;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);	/* bit 7 clear: NMIs enabled, the firmware's setting */
	return inb(CMOS_DATA);
}

static bool uip_wait(void)
{
	outb(CMOS_INDEX, REG_A);
	for (unsigned i = 0; i < UIP_POLLS; i++)
		if (!(inb(CMOS_DATA) & A_UIP))
			return true;
	return false;
}

static void cmos_read_raw(struct cmos_raw *t)
{
	t->sec = cmos_read(REG_SECONDS);
	t->min = cmos_read(REG_MINUTES);
	t->hour = cmos_read(REG_HOURS);
	t->day = cmos_read(REG_DAY);
	t->month = cmos_read(REG_MONTH);
	t->year = cmos_read(REG_YEAR);
	t->century = cmos_read(REG_CENTURY);
	t->b = cmos_read(REG_B);
}

/* -1 for a byte that is no BCD number */
static int decode(uint8_t b, uint8_t x)
{
	if (b & B_DM)
		return x;
	if ((x >> 4) > 9 || (x & 0xf) > 9)
		return -1;
	return (x >> 4) * 10 + (x & 0xf);
}

/* 0-23, or -1 */
static int decode_hour(uint8_t b, uint8_t x)
{
	int v;

	if (b & B_24H) {
		v = decode(b, x);
		return v <= 23 ? v : -1;
	}
	v = decode(b, x & ~HOUR_PM);
	if (v < 1 || v > 12)
		return -1;
	return v % 12 + (x & HOUR_PM ? 12 : 0);	/* 12 AM is 0, 12 PM is 12 */
}

static int64_t cmos_decode(const struct cmos_raw *t)
{
	int sec = decode(t->b, t->sec), min = decode(t->b, t->min);
	int hour = decode_hour(t->b, t->hour), day = decode(t->b, t->day);
	int month = decode(t->b, t->month), year = decode(t->b, t->year);
	int century = decode(t->b, t->century);
	struct date d;

	if (sec < 0 || min < 0 || hour < 0 || day < 0 || month < 0 || year < 0 || year > 99 ||
	    sec > 59 || min > 59 || day > 31 || month > 12)
		return -1;
	if (century < 19 || century > 99)
		century = year < 70 ? 20 : 19;
	d = (struct date){ .year = century * 100 + year, .month = (uint8_t)month,
			   .day = (uint8_t)day, .hour = (uint8_t)hour, .min = (uint8_t)min,
			   .sec = (uint8_t)sec };
	return date_valid(&d) ? date_to_unix(&d) : -1;
}

int64_t cmos_read_unix_time(void)
{
	struct cmos_raw prev, cur;

	for (unsigned i = 0; i < READ_TRIES; i++) {
		if (!uip_wait())
			return -1;
		cmos_read_raw(&cur);
		if (i && !memcmp(&prev, &cur, sizeof(cur)))
			return cmos_decode(&cur);
		prev = cur;
	}
	return -1;
}
