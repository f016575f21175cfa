/* SPDX-License-Identifier: BSD-2-Clause */
/* The host's own CMOS real-time clock (an MC146818A or its chipset
 * successor at ports 0x70/0x71), read once at boot for the wall time the
 * guests' virtual RTCs start from. Not pure: port I/O. */
#pragma once
#include <stdint.h>

/* Waits while UIP is set (at most about a second of polling), reads the
 * time and date registers and the century byte (0x32), and re-reads until
 * two reads agree; decodes BCD or binary and 12/24 hour per register B.
 * The RTC is assumed to keep UTC. A century byte that is not 19-99 (absent
 * on some boards) is replaced by the PC window: years 70-99 are 19xx,
 * 00-69 20xx. Returns Unix seconds, or -1 when UIP never clears, two
 * reads never agree, or the values are no valid date. Boot CPU only,
 * before anything else uses ports 0x70/0x71; leaves NMIs enabled (index
 * bit 7 clear). */
int64_t cmos_read_unix_time(void);
