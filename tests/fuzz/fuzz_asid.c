/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for svm/asid.c.
 *
 * Input: { nr_cores, nr_vcpus }, one byte per core (nr_asids = b % 64 + 1,
 * bit 7 flush-by-ASID), then one byte per op until the input ends (at most
 * 256): bits 1:0 kind (0, 1 asid_prepare, 2 asid_request_flush, 3
 * asid_core_flush_all), bits 4:2 the vCPU, bits 7:5 the core (both taken
 * modulo their counts). Up to 4 cores and 8 vCPUs.
 *
 * A model follows the cores: per core the ASIDs handed out since the last
 * TLB_CONTROL 1 and whether the next VMRUN must flush everything; per vCPU
 * the flush request and the core it is live on; and a model TLB: per core
 * and ASID, which vCPU filled it and with which version of its
 * translations (a version changes at asid_request_flush and when the vCPU
 * moves to another core, where the guest's own INVLPGs do not reach).
 *
 * Invariants at every asid_prepare:
 * - the answer is ASID_NO_GUEST (and v->asid 0) exactly when the core has
 *   no guest ASID; otherwise TLB_CONTROL_NOTHING, FLUSH_ALL or FLUSH_ASID,
 *   FLUSH_ASID only with flush-by-ASID, and 1 <= v->asid <= max_asid;
 * - the first VMRUN on a core and the first after asid_core_flush_all
 *   flush everything; FLUSH_ALL only then or when the core's ASIDs ran out;
 * - a requested flush gives FLUSH_ASID, FLUSH_ALL or an ASID not handed
 *   out since the core's last full flush, and clears v->flush_pending;
 * - a vCPU live on the core with no request keeps its ASID, TLB_CONTROL 0;
 * - after the TLB_CONTROL is applied, the model TLB holds nothing under
 *   v's ASID but v's own current translations;
 * - two vCPUs current on one core in its current generation never share
 *   an ASID. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "svm/asid.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CORES 4
#define MAX_VCPUS 8
#define MAX_ASID  64	/* nr_asids <= 64: ASIDs 1..63 */
#define MAX_OPS   256

struct tlb_entry {
	int owner;		/* vCPU + 1, 0: nothing tagged with this ASID */
	uint64_t version;
};

static struct asid_core core[MAX_CORES];
static struct asid_vcpu vcpu[MAX_VCPUS];

/* the model */
static struct tlb_entry tlb[MAX_CORES][MAX_ASID];
static bool used[MAX_CORES][MAX_ASID];	/* handed out since the last FLUSH_ALL */
static unsigned nr_used[MAX_CORES];
static bool must_flush_all[MAX_CORES];
static bool pending[MAX_VCPUS];
static int live_core[MAX_VCPUS];	/* -1: not live anywhere */
static int last_core[MAX_VCPUS];	/* -1: never ran */
static uint32_t last_asid[MAX_VCPUS];
static uint64_t version[MAX_VCPUS];

static void drop_live(int c)
{
	for (int i = 0; i < MAX_VCPUS; i++)
		if (live_core[i] == c)
			live_core[i] = -1;
}

static void do_prepare(int c, int i, int nr_vcpus)
{
	struct asid_core *k = &core[c];
	struct asid_vcpu *v = &vcpu[i];
	bool was_live = live_core[i] == c, was_pending = pending[i];
	uint8_t ctl = asid_prepare(k, c, v);
	uint32_t a = v->asid;
	struct tlb_entry *e;

	if (k->max_asid == 0) {
		CHECK(ctl == ASID_NO_GUEST && a == 0);
		live_core[i] = -1;	/* asid 0: live nowhere; the vCPU does not run */
		return;
	}
	CHECK(ctl == TLB_CONTROL_NOTHING || ctl == TLB_CONTROL_FLUSH_ALL ||
	      ctl == TLB_CONTROL_FLUSH_ASID);
	CHECK(ctl != TLB_CONTROL_FLUSH_ASID || k->flush_by_asid);
	CHECK(a >= 1 && a <= k->max_asid);
	CHECK(!v->flush_pending);
	if (must_flush_all[c])
		CHECK(ctl == TLB_CONTROL_FLUSH_ALL);
	if (ctl == TLB_CONTROL_FLUSH_ALL)
		CHECK(must_flush_all[c] || nr_used[c] == k->max_asid);
	if (was_pending)
		CHECK(ctl == TLB_CONTROL_FLUSH_ASID || ctl == TLB_CONTROL_FLUSH_ALL || !used[c][a]);
	if (was_live && !was_pending && !must_flush_all[c])
		CHECK(ctl == TLB_CONTROL_NOTHING && a == last_asid[i]);

	/* The guest may have changed its tables while on another core and
	 * invalidated them there only: what this core holds for it is stale. */
	if (last_core[i] >= 0 && last_core[i] != c)
		version[i]++;

	/* Apply the TLB_CONTROL to the model TLB. */
	if (ctl == TLB_CONTROL_FLUSH_ALL) {
		memset(tlb[c], 0, sizeof(tlb[c]));
		memset(used[c], 0, sizeof(used[c]));
		nr_used[c] = 0;
		must_flush_all[c] = false;
		drop_live(c);
	} else if (ctl == TLB_CONTROL_FLUSH_ASID) {
		tlb[c][a].owner = 0;
	}
	e = &tlb[c][a];
	CHECK(e->owner == 0 || (e->owner == i + 1 && e->version == version[i]));
	e->owner = i + 1;
	e->version = version[i];
	if (!used[c][a]) {
		used[c][a] = true;
		nr_used[c]++;
	}
	pending[i] = false;
	live_core[i] = c;
	last_core[i] = c;
	last_asid[i] = a;

	/* No two current vCPUs of this core's generation share an ASID. */
	for (int j = 0; j < nr_vcpus; j++)
		for (int l = j + 1; l < nr_vcpus; l++) {
			const struct asid_vcpu *x = &vcpu[j], *y = &vcpu[l];

			if (x->asid && y->asid && x->core == c && y->core == c &&
			    x->generation == k->generation && y->generation == k->generation)
				CHECK(x->asid != y->asid);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int nr_cores, nr_vcpus;

	if (size < 2)
		return 0;
	nr_cores = data[0] % MAX_CORES + 1;
	nr_vcpus = data[1] % MAX_VCPUS + 1;
	if (size < 2 + (size_t)nr_cores)
		return 0;
	memset(tlb, 0, sizeof(tlb));
	memset(used, 0, sizeof(used));
	memset(nr_used, 0, sizeof(nr_used));
	memset(vcpu, 0, sizeof(vcpu));
	memset(pending, 0, sizeof(pending));
	memset(version, 0, sizeof(version));
	memset(last_asid, 0, sizeof(last_asid));
	for (int i = 0; i < MAX_VCPUS; i++)
		live_core[i] = last_core[i] = -1;
	for (int c = 0; c < nr_cores; c++) {
		uint8_t b = data[2 + c];
		uint32_t nr = b % 64 + 1;

		CHECK(asid_core_init(&core[c], nr, b & 0x80) == nr - 1);
		CHECK(core[c].generation >= 1);
		must_flush_all[c] = true;	/* whatever earlier software left */
	}
	data += 2 + nr_cores;
	size -= 2 + (size_t)nr_cores;

	for (size_t n = 0; n < size && n < MAX_OPS; n++) {
		uint8_t op = data[n];
		int i = (op >> 2 & 7) % nr_vcpus, c = (op >> 5) % nr_cores;

		switch (op & 3) {
		case 0:
		case 1:
			do_prepare(c, i, nr_vcpus);
			break;
		case 2:	/* its NPT changed: every cached translation is stale */
			asid_request_flush(&vcpu[i]);
			pending[i] = true;
			version[i]++;
			break;
		case 3:	/* a VMRUN that carried a flush may not have happened */
			asid_core_flush_all(&core[c]);
			must_flush_all[c] = true;
			drop_live(c);
			break;
		}
	}
	return 0;
}
