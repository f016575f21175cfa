/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI PM1 registers and PM timer for the guest. See vpmtimer.h for the
 * contract and the choices. The timer is a pure function of the host TSC,
 * so a VM paused for minutes sees the time it missed, in one step. */
#include <stdbool.h>
#include "drivers/virt/vpmtimer.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

#define TMR_TOGGLE_SHIFT 23	/* TMR_STS follows the timer's most significant bit */
#define EVT_LEN 4		/* PM1_EVT_LEN: PM1_STS and PM1_EN */
#define CNT_LEN 2		/* PM1_CNT_LEN */

/* (e % hz) * VPM_TMR_HZ below must fit in 64 bits for the largest hz. */
_Static_assert(VPM_MAX_KHZ * 1000 <= UINT64_MAX / VPM_TMR_HZ, "timer muldiv overflows");

/* Timer ticks since base_tsc: elapsed * VPM_TMR_HZ / TSC Hz, floored, modulo
 * 2^64 (the vlapic's muldiv split, without 128-bit division). Exact: the
 * remainder's product fits (assert above), and wrapping the quotient's
 * product modulo 2^64 keeps every bit the 24-bit count and TMR_STS's
 * period index use. */
static uint64_t pm_ticks(const struct vpm *pm, uint64_t now)
{
	uint64_t hz = pm->tsc_khz * 1000;
	uint64_t e = now > pm->base_tsc ? now - pm->base_tsc : 0;	/* never backwards */

	return (e / hz) * VPM_TMR_HZ + (e % hz) * VPM_TMR_HZ / hz;
}

/* TMR_STS as of now: the count's bit 23 toggled since the last fold. */
static bool tmr_toggled(const struct vpm *pm, uint64_t now)
{
	return pm_ticks(pm, now) >> TMR_TOGGLE_SHIFT != pm->tmr_epoch;
}

/* Under pm->lock, before status is read or cleared: any toggle since the
 * last fold becomes TMR_STS, and the next one counts from here. */
static void tmr_fold(struct vpm *pm, uint64_t now)
{
	uint64_t epoch = pm_ticks(pm, now) >> TMR_TOGGLE_SHIFT;

	if (epoch != pm->tmr_epoch) {
		pm->sts |= PM1_STS_TMR;
		pm->tmr_epoch = epoch;
	}
}

static void reset_locked(struct vpm *pm, uint64_t now)
{
	pm->base_tsc = now;
	pm->tmr_epoch = 0;	/* the count is 0 at now */
	pm->sts = pm->en = 0;
	pm->cnt = PM1_CNT_SCI_EN;	/* 4.8.2.5: ACPI-only platforms */
}

void vpm_init(struct vpm *pm, uint64_t tsc_khz, uint64_t now)
{
	memset(pm, 0, sizeof(*pm));
	pm->tsc_khz = tsc_khz == 0 ? 1000000 : MIN(tsc_khz, VPM_MAX_KHZ);
	reset_locked(pm, now);	/* nobody else sees pm yet */
}

void vpm_reset(struct vpm *pm, uint64_t now)
{
	spin_lock(&pm->lock);
	reset_locked(pm, now);
	spin_unlock(&pm->lock);
}

int vpm_attach(struct vpm *pm, struct bus *bus, char *err, size_t errlen)
{
	const struct bus_range r = {
		.space = BUS_PIO, .base = VPM_BASE, .len = VPM_LEN, .name = "acpi-pm",
		.access = vpm_access, .dev = pm,
	};

	return bus_register(bus, &r, err, errlen);
}

/* PM1a_EVT_BLK as one little-endian dword: PM1_STS, then PM1_EN. off is
 * 0-3, the access naturally aligned. */
static void evt_access(struct vpm *pm, unsigned off, struct bus_req *r)
{
	unsigned shift = off * 8;
	uint32_t mask = (uint32_t)bus_size_mask(r->size) << shift;
	uint32_t v = (uint32_t)(r->val << shift) & mask;

	tmr_fold(pm, r->now);
	if (!r->write) {
		r->val = ((uint32_t)pm->en << 16 | pm->sts) >> shift;
		return;
	}
	pm->sts &= (uint16_t)~(v & PM1_STS_MASK);	/* write 1 to clear */
	pm->en = (uint16_t)((pm->en & ~(mask >> 16)) | ((v >> 16) & PM1_EN_MASK));
}

/* PM1a_CNT_BLK: off is 0 or 1, the access naturally aligned. */
static enum bus_status cnt_access(struct vpm *pm, unsigned off, struct bus_req *r)
{
	unsigned shift = off * 8;
	uint32_t mask = (uint32_t)bus_size_mask(r->size) << shift;
	uint32_t v = (uint32_t)(r->val << shift) & mask;
	unsigned type;

	if (!r->write) {
		r->val = pm->cnt >> shift;
		return BUS_OK;
	}
	/* Write-only bits (GBL_RLS, SLP_EN) and reserved bits are not kept;
	 * SCI_EN stays 1. */
	pm->cnt = (uint16_t)((((pm->cnt & ~mask) | v) & PM1_CNT_STORED) | PM1_CNT_SCI_EN);
	if (!(v & PM1_CNT_SLP_EN))
		return BUS_OK;
	pm->sleeps++;
	type = (pm->cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;
	r->stop_code = -1;
	fmt_snprintf(r->why, sizeof(r->why), "powered off by the guest (sleep type %u)", type);
	return BUS_STOP;
}

enum bus_status vpm_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vpm *pm = dev;
	unsigned size = r->size, off = (unsigned)offset;
	enum bus_status st = BUS_OK;

	if (offset >= VPM_LEN || (size != 1 && size != 2 && size != 4) || size > VPM_LEN - off)
		return BUS_UNASSIGNED;
	if (off < PM_TMR && off % size)
		return BUS_UNASSIGNED;	/* the PM1 blocks: naturally aligned only */
	if (off >= PM1_CNT + CNT_LEN && off < PM_TMR)
		return BUS_UNASSIGNED;	/* 0x606-0x607: nothing */
	if (off >= PM1_CNT && off < PM_TMR && off + size > PM1_CNT + CNT_LEN)
		return BUS_UNASSIGNED;	/* a dword at PM1_CNT reaches the hole */

	spin_lock(&pm->lock);
	if (off < EVT_LEN)
		evt_access(pm, off, r);
	else if (off < PM_TMR)
		st = cnt_access(pm, off - PM1_CNT, r);
	else if (!r->write)	/* PM_TMR is read-only: writes do nothing */
		r->val = (pm_ticks(pm, r->now) & PM_TMR_MASK) >> ((off - PM_TMR) * 8);
	spin_unlock(&pm->lock);
	return st;
}

uint32_t vpm_timer(struct vpm *pm, uint64_t now)
{
	uint32_t t;

	spin_lock(&pm->lock);
	t = (uint32_t)(pm_ticks(pm, now) & PM_TMR_MASK);
	spin_unlock(&pm->lock);
	return t;
}

void vpm_view(struct vpm *pm, uint64_t now, struct vpm_view *out)
{
	spin_lock(&pm->lock);
	out->sts = (uint16_t)(pm->sts | (tmr_toggled(pm, now) ? PM1_STS_TMR : 0));
	out->en = pm->en;
	out->cnt = pm->cnt;
	out->timer = (uint32_t)(pm_ticks(pm, now) & PM_TMR_MASK);
	spin_unlock(&pm->lock);
}
