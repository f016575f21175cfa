/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's ACPI fixed hardware: the PM1a event block (PM1_STS, PM1_EN),
 * the PM1a control block (PM1_CNT) and the power management timer, at the
 * ports QEMU's PC machines use (PM base 0x600), per the ACPI Specification
 * 6.0, 4.8.3.1 "PM1 Event Grouping" (Table 4-16 status bits, Table 4-17
 * enable bits), 4.8.3.2 "PM1 Control Grouping" (Table 4-18) and 4.8.3.3
 * "Power Management Timer (PM_TMR)" (Table 4-19); ACPI 6.4 renumbered them
 * 4.8.4.x. Pure: the timer is computed from the host TSC passed in `now`
 * (nothing ticks), a sleep request comes back as BUS_STOP.
 *
 * Choices where the specification leaves room, or where we deviate:
 * - No SCI is raised: TMR_EN and the other enables are stored and read
 *   back, but no interrupt line is driven. The SCI's line, the GPE block and
 *   the events that would need them belong to the firmware tables work.
 * - SCI_EN always reads 1, whatever is written: 4.8.2.5 "Platforms that
 *   only support ACPI always return a 1 for the SCI_EN bit". The FADT has
 *   no SMI_CMD port, so there is no legacy (SMI) mode to switch from.
 * - GBL_RLS and SLP_EN are write-only and read 0 (Table 4-18). GBL_RLS
 *   does nothing: there is no firmware (SMI handler) to tell.
 * - Any write with SLP_EN set powers the VM off, whatever SLP_TYPx holds:
 *   no sleeping state is emulated, so the DSDT should offer \_S5 only. The
 *   write answers BUS_STOP, stop_code -1, why "powered off by the guest
 *   (sleep type N)"; SLP_TYPx keeps the written value; `sleeps` counts it.
 * - Status bits other than TMR_STS are never set: no bus master activity
 *   worth reporting, no buttons, no RTC alarm wiring, no wake. They are
 *   write-1-to-clear like TMR_STS. PCIEXP_WAKE_STS/DIS (bit 14) are not
 *   implemented (no PCI Express) and read 0, like the reserved bits.
 * - TMR_STS is computed lazily: it is set when the counter's bit 23 has
 *   toggled since the last time status was looked at or cleared (the
 *   period index, timer ticks >> 23, changed), so missed toggles collapse into
 *   one set bit, as they do on hardware between two reads.
 * - The timer is 24 bits (the FADT's TMR_VAL_EXT clear): bits 31:24 read
 *   0. It starts at 0 at vpm_init and vpm_reset (Table 4-19 leaves the
 *   start value undefined). Count = elapsed TSC * 3579545 / TSC Hz, floored,
 *   exact for any elapsed time.
 * - Widths (4.8.3: "any width up to its register width, byte granular"):
 *   PM1_STS, PM1_EN and PM1_CNT take naturally aligned byte and word
 *   accesses; a dword at 0x600 reads or writes PM1_STS (bits 15:0) and
 *   PM1_EN (bits 31:16) at once, as the FADT's PM1_EVT_LEN of 4 allows.
 *   PM_TMR answers every 1, 2 or 4 byte read inside 0x608-0x60b, aligned or
 *   not, with the bytes it covers; writes there are ignored (BUS_OK).
 *   Everything else in 0x600-0x60b, 0x606-0x607 included, answers
 *   BUS_UNASSIGNED. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/spinlock.h"

#define VPM_BASE   0x600
#define VPM_LEN    12		/* 0x600-0x60b */
#define VPM_TMR_HZ 3579545u	/* Table 4-19: 3.579545 MHz */
#define VPM_MAX_KHZ (1ull << 32)	/* tsc_khz clamp: keeps the timer's muldiv in 64 bits */

/* Register offsets from VPM_BASE (the FADT's PM1a_EVT_BLK = base,
 * PM1a_CNT_BLK = base + 4, PM_TMR_BLK = base + 8) */
#define PM1_STS 0x0	/* 2 bytes, PM1a_EVT_BLK + 0 */
#define PM1_EN  0x2	/* 2 bytes, PM1a_EVT_BLK + PM1_EVT_LEN / 2 */
#define PM1_CNT 0x4	/* 2 bytes */
#define PM_TMR  0x8	/* 4 bytes, read-only */

/* PM1_STS, Table 4-16; write 1 to clear */
#define PM1_STS_TMR    (1u << 0)	/* timer carry: PM_TMR bit 23 toggled */
#define PM1_STS_BM     (1u << 4)	/* bus master activity */
#define PM1_STS_GBL    (1u << 5)	/* firmware released the global lock */
#define PM1_STS_PWRBTN (1u << 8)	/* power button pressed */
#define PM1_STS_SLPBTN (1u << 9)	/* sleep button pressed */
#define PM1_STS_RTC    (1u << 10)	/* RTC alarm */
#define PM1_STS_WAK    (1u << 15)	/* woken from a sleeping state */
#define PM1_STS_MASK   0x8731u

/* PM1_EN, Table 4-17 */
#define PM1_EN_TMR    (1u << 0)
#define PM1_EN_GBL    (1u << 5)
#define PM1_EN_PWRBTN (1u << 8)
#define PM1_EN_SLPBTN (1u << 9)
#define PM1_EN_RTC    (1u << 10)
#define PM1_EN_MASK   0x0721u

/* PM1_CNT, Table 4-18 */
#define PM1_CNT_SCI_EN    (1u << 0)	/* SCI, not SMI: reads 1 here */
#define PM1_CNT_BM_RLD    (1u << 1)	/* bus master request leaves C3 */
#define PM1_CNT_GBL_RLS   (1u << 2)	/* write-only: global lock released */
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP   (7u << PM1_CNT_SLP_TYP_SHIFT)	/* bits 12:10 */
#define PM1_CNT_SLP_EN    (1u << 13)	/* write-only: enter SLP_TYP's state */
#define PM1_CNT_STORED    (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)	/* kept as written */

#define PM_TMR_MASK 0xffffffu	/* Table 4-19: TMR_VAL, bits 23:0 */

struct vpm {
	struct spinlock lock;	/* several vCPUs and the console core */
	uint64_t tsc_khz;	/* 1..VPM_MAX_KHZ */
	uint64_t base_tsc;	/* `now` at which the timer read 0 */
	uint64_t tmr_epoch;	/* (timer ticks >> 23) when TMR_STS was last folded */
	uint16_t sts, en, cnt;	/* sts: TMR_STS as of the last fold; cnt: SCI_EN set */
	uint32_t sleeps;	/* SLP_EN writes, ever (kept by vpm_reset) */
};

/* Power-on state at host TSC `now`; tsc_khz 0 means 1 GHz, larger than
 * VPM_MAX_KHZ is clamped. SCI_EN is set: the machine is always in ACPI
 * mode. Does not register ports: vpm_attach does. */
void vpm_init(struct vpm *pm, uint64_t tsc_khz, uint64_t now);

/* Back to the power-on registers; the timer restarts from 0 at now. */
void vpm_reset(struct vpm *pm, uint64_t now);

/* Registers VPM_BASE..VPM_BASE + VPM_LEN - 1 as "acpi-pm"; bus_register's
 * answer. */
int vpm_attach(struct vpm *pm, struct bus *bus, char *err, size_t errlen);

/* bus_access_fn (dev = the struct vpm); the time is r->now. BUS_OK,
 * BUS_UNASSIGNED for the widths and holes above, or BUS_STOP for SLP_EN. */
enum bus_status vpm_access(void *dev, uint64_t offset, struct bus_req *r);

/* The 24-bit count at now. */
uint32_t vpm_timer(struct vpm *pm, uint64_t now);

/* A snapshot for the console; sts includes a TMR_STS due at now. Changes
 * nothing. */
struct vpm_view {
	uint16_t sts, en, cnt;
	uint32_t timer;
};
void vpm_view(struct vpm *pm, uint64_t now, struct vpm_view *out);
