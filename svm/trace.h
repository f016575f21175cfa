/* SPDX-License-Identifier: BSD-2-Clause */
/* What a vCPU's exits were: the per-exit counters and the flight
 * recorder, as log lines or lines for the console. */
#pragma once

struct vcpu;

/* One line per exit code seen, for reports. */
void vcpu_report_exits(const struct vcpu *v);

/* Prints the newest n exits of the flight recorder through out, oldest first. */
void vcpu_trace_print(const struct vcpu *v, unsigned n,
		      void (*out)(const char *line, void *ctx), void *ctx);

/* The newest n exits as log lines of v ("vm x: vcpu0: trace ..."). */
void vcpu_trace_log(const struct vcpu *v, unsigned n);
