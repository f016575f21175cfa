/* SPDX-License-Identifier: BSD-2-Clause */
/* ASID and TLB flush policy (APM Vol.2 15.16). TLB_CONTROL values:
 * 0 nothing, 1 flush the entire TLB (all ASIDs, the host's too), 3 flush
 * this guest's entries (needs flush-by-ASID, CPUID 0x8000000A EDX bit 6),
 * 7 flush this guest's non-global entries (never used here).
 *
 * Before each VMRUN of vCPU v on core c, asid_prepare does:
 *
 *   v has a live  flush    flush-   ASIDs left  action                   TLB_CONTROL
 *   ASID on c     pending  by-ASID  on c
 *   ------------  -------  -------  ----------  -----------------------  -----------
 *   yes           no       -        -           keep the ASID            0
 *   yes           yes      yes      -           keep the ASID            3
 *   yes           yes      no       yes         fresh ASID (a)           0
 *   yes           yes      no       no          new generation, ASID 1   1
 *   no (b)        -        -        yes         fresh ASID               0
 *   no (b)        -        -        no          new generation, ASID 1   1
 *   c has no guest ASID (max_asid 0)            v->asid = 0              ASID_NO_GUEST
 *
 * "Live" means v->core is c and v->generation is c's current generation.
 * Every row but the last leaves flush_pending clear.
 *
 * Why a fresh ASID needs no flush: a generation starts with a TLB_CONTROL 1
 * at its first VMRUN, and nothing else runs on the core in between (the
 * asid_prepare contract). From then on, entries tagged k appear only while a
 * guest runs with ASID k, and within a generation ASIDs are handed out in
 * increasing order, each once. So an ASID not handed out yet in this
 * generation has no entries on this core. The same argument makes the
 * rollover flush exactly one per generation. The first VMRUN on a core
 * also flushes everything: asid_core_init leaves the core exhausted.
 *
 * (a) Without flush-by-ASID a flush request takes a fresh ASID rather than
 * TLB_CONTROL 1 (as Linux KVM does): the old ASID's entries stay in the TLB
 * but no one can reach them until the generation ends. This costs one of
 * the max_asid ASIDs, and a full flush (which also drops the host's and
 * every other guest's entries) only when they run out, instead of on every
 * request. With flush-by-ASID, 3 keeps the ASID and drops just v's entries.
 * A pending request is satisfied by any fresh ASID, whatever the reason.
 *
 * (b) No live ASID: v never ran; or it ran here in an earlier generation
 * (its old ASID may now belong to someone else); or it last ran on another
 * core. A vCPU arriving from another core always gets a fresh ASID: entries
 * left here under an ASID it held before it left are stale, because the
 * guest's own invalidations (INVLPG, MOV CR3) while it was away flushed
 * only the other core's TLB. */
#include <stdbool.h>
#include <stdint.h>
#include "svm/asid.h"

uint32_t asid_core_init(struct asid_core *c, uint32_t nr_asids, bool flush_by_asid)
{
	c->max_asid = nr_asids ? nr_asids - 1 : 0;	/* ASID 0 is the host */
	c->flush_by_asid = flush_by_asid;
	c->generation = 0;
	asid_core_flush_all(c);
	return c->max_asid;
}

void asid_core_flush_all(struct asid_core *c)
{
	c->generation++;	/* every vCPU's ASID on this core is stale */
	c->next = c->max_asid + 1;	/* exhausted: the next prepare starts a generation */
}

uint8_t asid_prepare(struct asid_core *c, int core_id, struct asid_vcpu *v)
{
	bool live = v->core == core_id && v->generation == c->generation && v->asid != 0;
	uint8_t ctl = TLB_CONTROL_NOTHING;

	if (c->max_asid == 0) {
		v->asid = 0;	/* VMRUN would fail its consistency checks anyway */
		return ASID_NO_GUEST;
	}
	if (live && !v->flush_pending)
		return TLB_CONTROL_NOTHING;
	if (live && c->flush_by_asid) {
		v->flush_pending = false;
		return TLB_CONTROL_FLUSH_ASID;
	}
	if (c->next > c->max_asid) {
		c->generation++;
		c->next = 1;
		ctl = TLB_CONTROL_FLUSH_ALL;
	}
	v->asid = c->next++;
	v->generation = c->generation;
	v->core = core_id;
	v->flush_pending = false;
	return ctl;
}

void asid_request_flush(struct asid_vcpu *v)
{
	v->flush_pending = true;
}
