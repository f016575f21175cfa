/* SPDX-License-Identifier: BSD-2-Clause */
/* One LAPIC timer per core, two users (kernel/timer.h). */
#include "kernel/timer.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/x86.h"

void timer_cpu_init(struct cpu *c)
{
	c->tick_period = 0;
	c->next_tick = c->guest_deadline = c->timer_armed = TIMER_NONE;
}

/* Arms the hardware for the earlier event, unless it already is. */
static void rearm(struct cpu *c)
{
	uint64_t next = MIN(c->next_tick, c->guest_deadline);

	if (next == c->timer_armed)
		return;
	c->timer_armed = next;
	if (next == TIMER_NONE)
		lapic_timer_stop();
	else
		lapic_timer_at(next);
}

void timer_tick_every(uint32_t us)
{
	struct cpu *c = this_cpu();

	c->tick_period = MAX(tsc_khz() * us / 1000, 1ull);
	c->next_tick = rdtsc() + c->tick_period;
	rearm(c);
}

void timer_guest_deadline(uint64_t tsc)
{
	struct cpu *c = this_cpu();

	c->guest_deadline = tsc;
	rearm(c);
}

bool timer_interrupt(struct cpu *c)
{
	uint64_t now = rdtsc();
	bool tick = false;

	if (c->tick_period && now >= c->next_tick) {
		/* Ticks missed while interrupts were off are one tick. */
		c->next_tick += c->tick_period;
		if (c->next_tick <= now)
			c->next_tick = now + c->tick_period;
		tick = true;
	}
	if (c->guest_deadline <= now)
		c->guest_deadline = TIMER_NONE;	/* its vCPU looks at its timer before it enters again */
	c->timer_armed = TIMER_NONE;	/* it fired: whatever comes next must be armed */
	rearm(c);
	return tick;
}
