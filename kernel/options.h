/* SPDX-License-Identifier: BSD-2-Clause */
/* The hypervisor's command line options (docs/boot-options.md), parsed by
 * kernel/options.c. Pure: host-tested and fuzzed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/crash.h"
#include "kernel/log.h"

/* Reference clock for the TSC calibration. */
enum timebase { TIMEBASE_AUTO, TIMEBASE_PIT, TIMEBASE_PMTIMER, TIMEBASE_HPET };

struct hv_options {
	enum log_level loglevel;	/* loglevel=error|warn|info|debug|0..3, default info */
	uint16_t serial_port;		/* serial=com1..com4|0xNNNN|off, default com1 (0x3f8); 0 = off */
	uint32_t baud;			/* baud=N, default 115200; must divide 115200 evenly */
	bool debugcon;			/* debugcon=on|off, default off: mirror the log to port 0xe9 */
	bool testexit;			/* testexit=on|off, default off: end QEMU/Bochs when done */
	enum crash_kind crash;		/* crash=de|bp|ud|gp|pf|pf-write|pf-exec|nmi|df|none */
	enum timebase timebase;		/* timebase=auto|pit|pmtimer|hpet, default auto */
	uint32_t crash_cpu;		/* crashcpu=N, default 0: which CPU raises crash= */
	bool smt_shared;		/* smt=isolate|shared, default isolate: may two VMs run on
					 * the SMT siblings of one physical core? */
	bool monitor_dedicated;		/* monitor=shared|dedicated, default shared: may the
					 * console's core (the boot CPU) run guests too? */
	uint32_t failalloc;		/* failalloc=N, default 0 (off): the N-th frame
					 * allocation of the VM builder fails, for tests */
};

/* Called for each problem: the option is ignored and its default stays.
 * msg names the key and what was wrong with it. */
typedef void (*cmdline_warn_fn)(const char *msg, void *ctx);

void hv_options_default(struct hv_options *o);

/* Parses every option of line into o; returns the number of warnings. */
int hv_options_parse(struct hv_options *o, const char *line,
		     cmdline_warn_fn warn, void *ctx);
