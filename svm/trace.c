/* SPDX-License-Identifier: BSD-2-Clause */
/* Exit statistics and the flight recorder, shown: svm/trace.h. */
#include "svm/trace.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "svm/vm.h"

void vcpu_trace_print(const struct vcpu *v, unsigned n,
		      void (*out)(const char *line, void *ctx), void *ctx)
{
	char line[160];
	/* The vCPU may be running: the last n exits as of now, copied first
	 * (printing is slow; a storming vCPU refills the recorder meanwhile),
	 * without the rows it overwrote during the copy. */
	struct exit_record copy[TRACE_LEN];
	uint64_t end = __atomic_load_n(&v->exits, __ATOMIC_ACQUIRE), first, now;

	n = (unsigned)MIN((uint64_t)MIN(n, TRACE_LEN), end);
	first = end - n;
	for (uint64_t i = first; i < end; i++)
		copy[i % TRACE_LEN] = v->trace[i % TRACE_LEN];
	now = __atomic_load_n(&v->exits, __ATOMIC_ACQUIRE);
	if (now - first >= TRACE_LEN)	/* slot of exit i rewritten once exits reaches i + TRACE_LEN */
		first = MIN(end, now - TRACE_LEN + 1);
	fmt_snprintf(line, sizeof(line), "%-6s %16s %6s %16s %16s %16s %10s", "#", "tsc", "exit",
		     "exitinfo1", "exitinfo2", "rip", "intinfo");
	out(line, ctx);
	for (uint64_t i = first; i < end; i++) {
		const struct exit_record *r = &copy[i % TRACE_LEN];

		fmt_snprintf(line, sizeof(line), "%-6lu %16lx %#6lx %16lx %16lx %16lx %#10lx", i,
			     r->tsc, r->code, r->info1, r->info2, r->rip, r->intinfo);
		out(line, ctx);
	}
}

static void trace_to_log(const char *line, void *ctx)
{
	const struct vcpu *v = ctx;

	log_info("vm %s: vcpu%u: trace %s", v->vm->name, v->index, line);
}

void vcpu_trace_log(const struct vcpu *v, unsigned n)
{
	vcpu_trace_print(v, n, trace_to_log, (void *)v);
}

void vcpu_report_exits(const struct vcpu *v)
{
	log_info("vm %s: vcpu%u: %lu exits (%lu NPF)", v->vm->name, v->index, v->exits, v->npf_exits);
	for (unsigned i = 0; i < NR_EXIT_STATS; i++)
		if (v->exit_count[i])
			log_info("vm %s: vcpu%u:   exit %#05x x %-6lu cycles min %lu avg %lu max %lu",
				 v->vm->name, v->index, i, v->exit_count[i], v->exit_min[i],
				 v->exit_cycles[i] / v->exit_count[i], v->exit_max[i]);
}
