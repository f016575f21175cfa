/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's CMOS real-time clock: a Motorola MC146818A (datasheet
 * "MC146818A Real-Time Clock plus RAM": sections "Address Map", "Time,
 * Calendar and Alarm Locations", "Update Cycle", "Interrupts", "Registers"
 * A-D, "RESET"; tables cited by title) behind the PC's index/data ports
 * 0x70/0x71, with 128 bytes of CMOS RAM laid out as the IBM PC AT
 * Technical Reference ("CMOS RAM Address Map") and QEMU's pc_cmos_init
 * fill it. Pure: no printing, no allocation, no hardware. The caller
 * passes a monotonic host TSC count (`now`, and bus_req.now), programs a
 * host timer for vrtc_deadline and calls vrtc_advance when it passes; IRQ8
 * is a level on the bus (bus_irq_set), high while Register C's IRQF is set.
 *
 * Time is a base pair (Unix seconds at a TSC count that starts a second):
 * registers 0-9 and the century byte are computed from it when read, so a
 * running clock costs nothing. Flags are computed lazily over the time
 * since the last access (every entry point first brings them up to `now`,
 * before anything it changes takes effect); only enabled interrupts get a
 * deadline. Missed events collapse into one flag each.
 *
 * Choices where the datasheet leaves room or where the model deviates
 * (each also at its code):
 * - Divider (A bits 6:4): 010 (32.768 kHz) runs the clock; so do 000 and
 *   001 (4.194304 and 1.048576 MHz time bases), as if the crystal matched,
 *   as QEMU. The periodic rate follows the time base's column of the
 *   "Periodic Interrupt Rate and Square-Wave Output Frequency" table: RS=1
 *   and 2 are 256 and 128 Hz on 32.768 kHz but 32768 and 16384 Hz on the
 *   MHz bases, which VRTC_MAX_HZ clamps to 8192 Hz. 11x (divider reset)
 *   and the test modes 011/10x hold the time (no updates, no periodic
 *   flag); returning to a running value makes the first update come 500
 *   ms later (the datasheet says so for 11x; the model does it for every
 *   held value) and periodic boundaries fall every period from there on.
 * - The update is instantaneous at the second boundary: UIP reads 1 in the
 *   last 244 us (8 ticks of 32.768 kHz) before it, never while SET or
 *   while the divider holds; UF and AF are set at the boundary itself
 *   (the chip sets them at the end of its ~2 ms update cycle). Periodic
 *   boundaries are phase-locked to the second boundaries (one divider
 *   chain), so a period ends at every update.
 * - SET: updates stop and the registers become plain bytes: at SET's
 *   rising edge they receive the current time (in the format B had before
 *   the write), the guest may write anything, and clearing SET loads them
 *   (read in the new B's format) as the new time, keeping the divider's
 *   phase. If they do not form a valid date (BCD digits, ranges, days of
 *   the month, century 0-99), the write is ignored: the clock keeps the
 *   time it would have had without SET (it counted on underneath).
 *   Writing B with SET also clears UIE (datasheet, UIE: "the SET bit
 *   going high clears UIE"; done on every write with SET set, as QEMU).
 * - A time register (0, 2, 4, 6-9, 0x32) written while SET is clear sets
 *   the time at once (the chip's registers are its counters): the current
 *   registers with that byte replaced are loaded as above, and ignored
 *   if invalid. Alarm bytes (1, 3, 5) are stored as written.
 * - The weekday (register 6) counts with the date: writing it keeps an
 *   offset from the computed weekday; a value outside 1-7 is ignored (the
 *   weekday then follows the date again).
 * - Changing DM or 24/12 in B converts the time registers at once (the
 *   model keeps the time, not the bytes; the datasheet asks software to
 *   rewrite them after a change anyway, as QEMU). Alarm bytes are not
 *   converted: they match when they equal the time register bytes, a
 *   don't-care byte (0xC0-0xFF, bits 7:6 = 11) matching anything.
 * - Century (0x32) is BCD or binary per DM like the time registers
 *   (QEMU). Years run 0000-9999 (century 0-99); the display wraps past
 *   9999. The wall time given at init is clamped to that range.
 * - DSE is stored, not applied. SQWE is stored; there is no SQW pin.
 * - Port 0x70 is write-only on PCs: reads return 0xFF (QEMU does too).
 *   Bit 7 (NMI disable) is accepted and ignored; the index is bits 6:0.
 *   Both ports take byte accesses only; wider ones answer BUS_UNASSIGNED.
 * - Register C reads 0 in bits 3:0 and clears on read; D reads 0x80 (VRT:
 *   battery good); writes to C and D are ignored. Enabling an interrupt
 *   whose flag is already set raises IRQ8 at once (IRQF is the OR of the
 *   enabled flags). Reset (vrtc_reset) does what the RESET pin does: A,
 *   SET, DM, 24/12, DSE, the time and the RAM stay.
 * - CMOS RAM at init: 0x0F shutdown status 0, 0x10 floppy 0, 0x12 disk 0,
 *   0x14 equipment 0x02 (math coprocessor; no floppy, no PS/2 mouse: no
 *   8042 model; display bits 00 = EGA/VGA), 0x15/0x16 base memory 640 KB,
 *   0x17/0x18 and 0x30/0x31 KB above 1 MiB (max 0xFFFF), 0x34/0x35 64 KiB
 *   units above 16 MiB below 4 GiB (max 0xFFFF), 0x5B-0x5D 64 KiB units
 *   above 4 GiB (24 bits, max 0xFFFFFF; QEMU's bytes), and the AT checksum
 *   of 0x10-0x2D at 0x2E (high) / 0x2F (low). Every other byte is 0; all
 *   of 0x0E-0x7F are writable and kept across vrtc_reset.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/date.h"
#include "kernel/lib/spinlock.h"

#define VRTC_PORT   0x70	/* 0x70 index, 0x71 data */
#define VRTC_PORTS  2
#define VRTC_IRQ    8
#define VRTC_MAX_HZ 8192u	/* periodic interrupts at most 8192 per second (RS = 3);
				 * faster rates are clamped */
#define VRTC_RAM    128

/* MC146818A "Address Map": time, alarm and control registers */
#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06	/* 1 = Sunday */
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09	/* 0-99 */
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d

/* Register A, datasheet "Register A ($0A)" */
#define RTC_A_UIP        0x80	/* update in progress (read-only) */
#define RTC_A_DV_MASK    0x70	/* DV2-DV0, "Divider Configurations" */
#define RTC_A_DV_4MHZ    0x00
#define RTC_A_DV_1MHZ    0x10
#define RTC_A_DV_32KHZ   0x20	/* the PC's crystal */
#define RTC_A_DV_RESET   0x60	/* 11x: divider chain held in reset */
#define RTC_A_RS_MASK    0x0f	/* RS3-RS0: periodic rate */

/* Register B, datasheet "Register B ($0B)" */
#define RTC_B_SET  0x80	/* stop updates; the guest sets the time */
#define RTC_B_PIE  0x40	/* periodic interrupt enable */
#define RTC_B_AIE  0x20	/* alarm interrupt enable */
#define RTC_B_UIE  0x10	/* update-ended interrupt enable */
#define RTC_B_SQWE 0x08	/* square-wave enable (no pin here) */
#define RTC_B_DM   0x04	/* data mode: 1 binary, 0 BCD */
#define RTC_B_24H  0x02	/* 1: 24-hour, 0: 12-hour with PM in bit 7 of the hour */
#define RTC_B_DSE  0x01	/* daylight saving enable (stored, not applied) */

/* Register C, datasheet "Register C ($0C)"; read-only, cleared by reading */
#define RTC_C_IRQF 0x80	/* = PF & PIE | AF & AIE | UF & UIE */
#define RTC_C_PF   0x40	/* periodic boundary passed */
#define RTC_C_AF   0x20	/* the time matched the alarm */
#define RTC_C_UF   0x10	/* an update ended */

#define RTC_D_VRT  0x80	/* Register D: valid RAM and time (battery good) */

#define RTC_HOUR_PM        0x80	/* hour bytes, 12-hour mode */
#define RTC_ALARM_DONTCARE 0xc0	/* alarm byte bits 7:6 = 11: matches any value */

/* PC CMOS RAM bytes (IBM PC AT Technical Reference; QEMU hw/i386/pc.c) */
#define CMOS_SHUTDOWN     0x0f	/* shutdown status: why the CPU was reset */
#define CMOS_FLOPPY       0x10	/* drive types, 0: none */
#define CMOS_DISK         0x12	/* fixed disk types, 0: none */
#define CMOS_EQUIPMENT    0x14
#define CMOS_EQUIP_FPU    0x02	/* math coprocessor present */
#define CMOS_BASE_MEM     0x15	/* 0x15 low, 0x16 high: KB below 1 MiB */
#define CMOS_EXT_MEM      0x17	/* 0x17/0x18: KB above 1 MiB */
#define CMOS_CHECKSUM     0x2e	/* 0x2e high, 0x2f low: sum of 0x10-0x2d */
#define CMOS_EXT_MEM_POST 0x30	/* 0x30/0x31: KB above 1 MiB found by POST */
#define CMOS_CENTURY      0x32	/* BCD or binary per DM */
#define CMOS_MEM_16M      0x34	/* 0x34/0x35: 64 KiB units above 16 MiB, below 4 GiB */
#define CMOS_MEM_4G       0x5b	/* 0x5b-0x5d: 64 KiB units above 4 GiB */

/* Guest RAM sizes in bytes: below 4 GiB (from address 0) and above it. */
struct vrtc_mem {
	uint64_t below_4g, above_4g;
};

struct vrtc {
	struct spinlock lock;	/* vCPUs' port accesses, the timer's vrtc_advance */
	struct bus *bus;	/* for IRQ8; NULL: no line */
	unsigned irq;
	uint64_t tsc_khz;	/* clamped to 1..2^32 */
	uint64_t tsc_hz;	/* tsc_khz * 1000: TSC ticks per RTC second */
	uint8_t index;		/* port 0x70 bits 6:0 */
	/* The chip's address space: 0x00-0x09 hold the time bytes only while
	 * SET (else they are computed) and the alarm bytes; A, B and C's flag
	 * bits (never IRQF) at 0x0a-0x0c; 0x0e-0x7f CMOS RAM. */
	uint8_t ram[VRTC_RAM];
	int64_t sec_base;	/* the clock's Unix seconds at sec_tsc */
	uint64_t sec_tsc;	/* TSC of an update (mod 2^64; never after `last`) */
	int64_t held;		/* the time while the divider holds */
	uint8_t wday_adj;	/* 0-6 days the weekday register runs ahead */
	uint64_t last;		/* flags are up to date until this TSC */
	uint64_t deadline;	/* vrtc_deadline; written under lock */
	bool irq_high;		/* IRQ8's level */
	uint64_t irqs;		/* IRQ8 rising edges */
};

/* Power-on state at TSC `now`: the clock reads unix_time (UTC, clamped to
 * years 0000-9999) and its next update is 1 s later; A = 0x26 (32.768
 * kHz, 1024 Hz), B = 0x02 (24-hour, BCD), C = 0, index 0, CMOS RAM as
 * listed above from mem (NULL: no memory above 640 KB). tsc_khz 0 means 1
 * GHz. IRQ8 (line irq on bus; bus NULL: none) is lowered. Does not
 * register the ports: vrtc_attach does. */
void vrtc_init(struct vrtc *r, struct bus *bus, unsigned irq, uint64_t tsc_khz, uint64_t now,
	       int64_t unix_time, const struct vrtc_mem *mem);

/* A VM reset: what the MC146818A's RESET pin does ("RESET"): PIE, AIE,
 * UIE and SQWE cleared, C cleared, IRQ8 lowered. The time keeps running
 * and CMOS RAM is kept (battery-backed: firmware reads 0x0F across reset). */
void vrtc_reset(struct vrtc *r, uint64_t now);

/* Registers ports 0x70-0x71 on bus as "rtc". Returns bus_register's answer. */
int vrtc_attach(struct vrtc *r, struct bus *bus, char *err, size_t errlen);

/* bus_access_fn for the RTC (dev = the struct vrtc); r->now is the time.
 * Bytes only: wider accesses answer BUS_UNASSIGNED. */
enum bus_status vrtc_access(void *dev, uint64_t offset, struct bus_req *r);

/* TSC of the next event that raises IRQ8 (an enabled periodic, alarm or
 * update-ended interrupt whose flag is not already set), UINT64_MAX none.
 * Changes with every vrtc_access, vrtc_advance and vrtc_reset: re-read it
 * after each. Lock-free. */
uint64_t vrtc_deadline(const struct vrtc *r);

/* Sets the flags that came due by now, raises IRQ8 (a level, until C is
 * read) if IRQF, and re-arms: at most one flag of each kind per call, so
 * a late call collapses the missed events. */
void vrtc_advance(struct vrtc *r, uint64_t now);

/* A snapshot for the console; changes nothing. */
struct vrtc_view {
	struct date now;	/* what the registers show (wday as register 6); while SET
				 * the written bytes if they form a valid date, else the
				 * time the clock resumes with */
	uint8_t a, b, c, d;	/* as a guest read would return them (c not cleared) */
	unsigned periodic_hz;	/* PF's rate: 0 without RS or while the divider holds */
	uint64_t irqs;
	bool irq_high;
};
void vrtc_view(struct vrtc *r, uint64_t now, struct vrtc_view *out);
