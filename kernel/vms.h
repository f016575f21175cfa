/* The VMs declared on the GRUB command lines: created at boot, each vCPU
 * pinned to a core of its own, watched until they stop. */
#pragma once
#include "boot/bootinfo.h"

/* Creates every VM from the module2 lines and starts their vCPUs. A bad
 * line or image stops that VM with a message; the others boot. */
void vms_start(const struct boot_info *bi);

/* Waits until every VM has stopped; returns how many did not end with
 * result 0. */
unsigned vms_wait_all(void);
unsigned vms_count(void);
