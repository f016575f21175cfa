/* SPDX-License-Identifier: BSD-2-Clause */
/* Which VMRUN consistency check a VMCB breaks: the rules of APM Vol.2
 * 15.5.1 "Canonicalization and Consistency Checks", so a VMEXIT_INVALID can
 * name its cause. Pure: host-tested. */
#pragma once
#include <stdint.h>
#include "svm/vmcb.h"
#include "svm/vmcb_init.h"

/* The first rule the VMCB breaks, or NULL if none of the checked ones.
 * phys_bits is CPUID 0x80000008 EAX[7:0] (the IOPM/MSRPM bases must lie
 * below it). */
const char *vmcb_check(const struct vmcb *vmcb, unsigned phys_bits);

/* What only the hypervisor may set: the VMCB must point at the VM's own
 * nested page tables and permission maps (refs) with nested paging on,
 * and carry every intercept of vmcb_init.h's VMCB_REQUIRED_*. The first
 * violation, or NULL. */
const char *vmcb_check_owned(const struct vmcb *vmcb, const struct vmcb_refs *refs);
