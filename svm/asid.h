/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-core ASID allocation with generations, and the TLB_CONTROL each VMRUN
 * needs (APM Vol.2 15.16). Pure: no hardware access, host-tested.
 *
 * TLB entries are tagged with an ASID; the host is ASID 0. Each physical
 * core hands out ASIDs 1..max_asid in order. When they run out, the core
 * starts a new generation: every ASID handed out before is stale on that
 * core, and the first VMRUN of the new generation flushes the whole TLB.
 * The full policy is the truth table in svm/asid.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "svm/vmcb.h"

/* asid_prepare's answer when the core has no guest ASID at all (CPUID
 * reported fewer than 2 ASIDs): do not VMRUN. Not a TLB_CONTROL encoding. */
#define ASID_NO_GUEST 0xffu

/* One per physical core, used only by that core. */
struct asid_core {
	uint32_t max_asid;	/* highest guest ASID: CPUID 0x8000000A EBX - 1 */
	uint32_t next;		/* next ASID to hand out; > max_asid: exhausted */
	uint64_t generation;	/* current generation, >= 1 */
	bool flush_by_asid;	/* CPUID 0x8000000A EDX bit 6: TLB_CONTROL 3 allowed */
};

/* One per vCPU. A zeroed struct is a vCPU that never ran (generation 0 is
 * never current on any core). */
struct asid_vcpu {
	uint32_t asid;		/* for VMCB guest_asid; 0 until asid_prepare gave one */
	uint64_t generation;	/* core generation asid belongs to */
	int core;		/* core asid belongs to */
	bool flush_pending;	/* its TLB entries are stale everywhere */
};

/* nr_asids is CPUID 0x8000000A EBX (ASID 0 included: QEMU 16, Bochs 32768).
 * Returns the number of guest ASIDs (max_asid); 0 means this core cannot
 * run guests and asid_prepare will always answer ASID_NO_GUEST. The first
 * VMRUN on the core flushes the whole TLB (what earlier software left). */
uint32_t asid_core_init(struct asid_core *c, uint32_t nr_asids, bool flush_by_asid);

/* Called on core core_id (its own c) before each VMRUN of v; no other VMRUN
 * may happen on the core between this call and v's. Sets v->asid (copy it
 * into the VMCB guest_asid) and returns the VMCB TLB_CONTROL value:
 * TLB_CONTROL_NOTHING, TLB_CONTROL_FLUSH_ALL or TLB_CONTROL_FLUSH_ASID, or
 * ASID_NO_GUEST. */
uint8_t asid_prepare(struct asid_core *c, int core_id, struct asid_vcpu *v);

/* v's cached translations are stale (its NPT changed, or a guest action
 * the hardware does not flush by itself): flushed at its next VMRUN, on
 * whatever core. Call it on the core that runs v: another core posts the
 * request in the vCPU's mailbox and sends an IPI to force an exit. */
void asid_request_flush(struct asid_vcpu *v);

/* Makes the next asid_prepare on this core start a new generation, so that
 * VMRUN flushes the whole TLB. For when a VMRUN that carried a flush may
 * not have happened (VMEXIT_INVALID from the consistency checks). */
void asid_core_flush_all(struct asid_core *c);
