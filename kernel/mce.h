/* SPDX-License-Identifier: BSD-2-Clause */
/* Machine checks in the host's hands (AMD APM Vol.2 9.3: MCG_CAP,
 * MCG_STATUS and the MCi_STATUS/ADDR/MISC banks). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Logs every bank holding an error (and clears it), after a #MC in the host
 * or a guest's #MC exit. summary gets one line for a report. Returns true
 * when this core may go on (MCG_STATUS.RIPV set and no bank says processor
 * context corrupt), false when it must stop. Without machine-check
 * architecture (CPUID 1 EDX.MCA) there is nothing to read: true. */
bool mce_report(char *summary, size_t n);
