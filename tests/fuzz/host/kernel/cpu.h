/* SPDX-License-Identifier: BSD-2-Clause */
/* Host stand-in for kernel/cpu.h, for tests/fuzz/fuzz_exits.c: the real
 * struct cpu (#include_next), with this_cpu() (a %gs load in the
 * hypervisor) answered by the harness: the simulated core whose vCPU is
 * handling the current exit (tests/fuzz/exits_host.c). */
#pragma once

#define this_cpu x86_real_this_cpu
#include_next "kernel/cpu.h"
#undef this_cpu

struct cpu *host_this_cpu(void);

static inline struct cpu *this_cpu(void)
{
	return host_this_cpu();
}
