/* The VMs declared on the GRUB command lines: created at boot, each vCPU
 * pinned to a core of its own, watched until they stop. */
#pragma once
#include <stdbool.h>
#include "boot/bootinfo.h"

struct vm;
struct vcpu;

/* Creates every VM from the module2 lines and starts their vCPUs. A bad
 * line or image stops that VM with a message; the others boot. */
void vms_start(const struct boot_info *bi, bool reserve_cpu0);

/* Has every VM stopped and every vCPU left its run loop (exit report out)? */
bool vms_all_done(void);

/* Logs each VM's result; returns how many did not end with result 0. */
unsigned vms_report_results(void);
unsigned vms_count(void);
struct vm *vms_get(unsigned i);
struct vm *vms_find(const char *name);

/* Console control of a VM: each posts a request to every vCPU, kicks their
 * cores and waits (bounded) for the acknowledgement. They return NULL or
 * what went wrong ("timed out: vcpu0 on cpu2 did not answer"). */
const char *vms_pause(struct vm *vm);
const char *vms_resume(struct vm *vm);
const char *vms_kill(struct vm *vm);
const char *vms_nmi(struct vm *vm, struct vcpu *v);

/* One guest instruction on v (the VM is paused first if it runs; it stays
 * paused). The vCPU logs the step's RIPs when it is done. */
const char *vms_step(struct vm *vm, struct vcpu *v);

/* Restarts the VM from its image with zeroed RAM, running or stopped. */
const char *vms_reset(struct vm *vm);
