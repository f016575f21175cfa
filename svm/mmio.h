/* SPDX-License-Identifier: BSD-2-Clause */
/* Nested page faults outside guest RAM: device memory (the local APIC page,
 * the bus's MMIO ranges) and unassigned space, completed by emulating the
 * instruction (svm/emulate.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* The NPF exit handler. */
void mmio_npf(struct vcpu *v);

/* One access of size bytes (1, 2, 4 or 8, inside one page) at a
 * guest-physical address outside RAM, the way an emulated instruction's
 * access goes: this vCPU's xAPIC page, else the VM's bus (unassigned space
 * reads as all ones, drops writes). A device's stop or reset is requested.
 * False when strict=on meets unassigned space: the VM is stopped. For
 * string I/O (svm/strio_exec.c). */
bool mmio_device_access(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);
