/* SPDX-License-Identifier: BSD-2-Clause */
/* Nested page faults outside guest RAM: device memory (the local APIC page,
 * the bus's MMIO ranges) and unassigned space, completed by emulating the
 * instruction (svm/emulate.c). */
#pragma once

struct vcpu;

/* The NPF exit handler. */
void mmio_npf(struct vcpu *v);
