/* SPDX-License-Identifier: BSD-2-Clause */
/* The VM builder: the VMs declared on the GRUB command lines, created at
 * boot (each vCPU pinned to a core of its own), listed for the console,
 * reset in place, watched until they stop. Running VMs are controlled
 * through svm/vmctl.h. */
#pragma once
#include <stdbool.h>
#include "boot/bootinfo.h"

struct vm;
struct vcpu;

/* Creates every VM from the module2 lines and starts their vCPUs. A bad
 * line or image stops that VM with a message; the others boot. */
void vms_start(const struct boot_info *bi, bool reserve_cpu0, bool smt_shared);

/* Has every VM stopped and every vCPU left its run loop (exit report out)? */
bool vms_all_done(void);

/* Logs each VM's result; returns how many did not end with result 0. */
unsigned vms_report_results(void);
unsigned vms_count(void);
struct vm *vms_get(unsigned i);
struct vm *vms_find(const char *name);

/* Restarts the VM from its image with zeroed RAM, running or stopped: every
 * vCPU paused or gone, RAM zeroed, image and boot information placed anew,
 * vCPUs and devices back to power-on; then running on the same cores.
 * cause completes the log line "vm x: reset <cause>". */
const char *vms_reset(struct vm *vm, const char *cause);

/* The console core's turn for the VMs: restarts those stopped for a reset
 * (a guest's reset request, on_crash=reset) once their vCPUs are out. */
void vms_service(void);
