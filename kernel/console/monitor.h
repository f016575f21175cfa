/* SPDX-License-Identifier: BSD-2-Clause */
/* The serial console monitor: runs on the boot CPU once the boot is done,
 * in turns with the vCPU that core may run (kernel/main.c housekeeping). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Prints the banner and the first prompt; port is the console's UART. */
void monitor_init(uint16_t port);

/* Takes every byte the UART has (line editing, commands, input for the
 * focused VM) and updates the per-core exit rates once a second; true if
 * any byte came. Called
 * about every millisecond on the console's core, never in guest mode. */
bool monitor_poll(void);
