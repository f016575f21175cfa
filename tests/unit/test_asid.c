/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for svm/asid.c.
 *
 * Besides direct cases, a simulator runs vCPUs on cores with a model TLB:
 * per core and ASID, who filled the entries and which version of that
 * vCPU's translations they hold. A VMRUN applies the returned TLB_CONTROL
 * to the model, then the vCPU must find no entry under its ASID but its own
 * current ones. Translations go stale two ways: an NPT change (version bump
 * plus asid_request_flush) and the guest changing its own page tables while
 * running, which it invalidates on the current core only (INVLPG, MOV CR3
 * flush just the current ASID there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "svm/asid.h"

#define QEMU_ASIDS  16
#define BOCHS_ASIDS 32768

/* ---- direct cases ---- */

static void test_init(void **state)
{
	struct asid_core c;

	(void)state;
	assert_int_equal(asid_core_init(&c, QEMU_ASIDS, false), 15);
	assert_int_equal(c.max_asid, 15);
	assert_int_equal(asid_core_init(&c, BOCHS_ASIDS, true), 32767);
	assert_true(c.flush_by_asid);
	assert_int_equal(asid_core_init(&c, 2, false), 1);
	assert_int_equal(asid_core_init(&c, 1, false), 0);	/* only the host's */
	assert_int_equal(asid_core_init(&c, 0, false), 0);
	assert_int_equal(asid_core_init(&c, UINT32_MAX, false), UINT32_MAX - 1);
	assert_true(c.generation >= 1);
}

static void test_first_vmrun_flushes_all(void **state)
{
	struct asid_core c;
	struct asid_vcpu a = { 0 }, b = { 0 };

	(void)state;
	asid_core_init(&c, QEMU_ASIDS, true);
	assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_FLUSH_ALL);
	assert_int_equal(a.asid, 1);
	assert_int_equal(asid_prepare(&c, 0, &b), TLB_CONTROL_NOTHING);	/* fresh: no flush */
	assert_int_equal(b.asid, 2);
	assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_NOTHING);
	assert_int_equal(a.asid, 1);
}

static void test_steady_state(void **state)
{
	struct asid_core c;
	struct asid_vcpu v = { 0 };

	(void)state;
	asid_core_init(&c, QEMU_ASIDS, false);
	asid_prepare(&c, 3, &v);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(asid_prepare(&c, 3, &v), TLB_CONTROL_NOTHING);
		assert_int_equal(v.asid, 1);
		assert_int_equal(v.core, 3);
	}
}

static void test_rollover(void **state)
{
	struct asid_core c;
	struct asid_vcpu v[16];
	uint64_t gen;

	(void)state;
	memset(v, 0, sizeof(v));
	asid_core_init(&c, QEMU_ASIDS, true);
	assert_int_equal(asid_prepare(&c, 0, &v[0]), TLB_CONTROL_FLUSH_ALL);
	gen = c.generation;
	for (int i = 1; i < 15; i++) {
		assert_int_equal(asid_prepare(&c, 0, &v[i]), TLB_CONTROL_NOTHING);
		assert_int_equal(v[i].asid, i + 1);
	}
	/* The sixteenth vCPU: no ASID left, new generation. */
	assert_int_equal(asid_prepare(&c, 0, &v[15]), TLB_CONTROL_FLUSH_ALL);
	assert_int_equal(v[15].asid, 1);
	assert_int_equal(c.generation, gen + 1);
	/* Everyone else is stale now and gets a fresh ASID, no flush. */
	assert_int_equal(asid_prepare(&c, 0, &v[0]), TLB_CONTROL_NOTHING);
	assert_int_equal(v[0].asid, 2);
	assert_int_equal(asid_prepare(&c, 0, &v[15]), TLB_CONTROL_NOTHING);
	assert_int_equal(v[15].asid, 1);
}

static void test_migration(void **state)
{
	struct asid_core c0, c1;
	struct asid_vcpu v = { 0 }, w = { 0 };

	(void)state;
	asid_core_init(&c0, QEMU_ASIDS, true);
	asid_core_init(&c1, QEMU_ASIDS, true);
	assert_int_equal(asid_prepare(&c0, 0, &v), TLB_CONTROL_FLUSH_ALL);
	assert_int_equal(v.asid, 1);
	assert_int_equal(asid_prepare(&c1, 1, &w), TLB_CONTROL_FLUSH_ALL);
	assert_int_equal(asid_prepare(&c1, 1, &v), TLB_CONTROL_NOTHING);	/* v moves to core 1 */
	assert_int_equal(v.asid, 2);
	assert_int_equal(v.core, 1);
	/* Back on core 0, same generation there: its old ASID 1 is not reused. */
	assert_int_equal(asid_prepare(&c0, 0, &v), TLB_CONTROL_NOTHING);
	assert_int_equal(v.asid, 2);
	assert_int_equal(v.core, 0);
	assert_int_equal(c0.next, 3);
	/* A pending flush is satisfied by the move itself. */
	asid_request_flush(&v);
	assert_int_equal(asid_prepare(&c1, 1, &v), TLB_CONTROL_NOTHING);
	assert_false(v.flush_pending);
	assert_int_equal(v.asid, 3);
}

static void test_flush_request_by_asid(void **state)
{
	struct asid_core c;
	struct asid_vcpu v = { 0 };

	(void)state;
	asid_core_init(&c, QEMU_ASIDS, true);
	asid_prepare(&c, 0, &v);
	asid_request_flush(&v);
	assert_int_equal(asid_prepare(&c, 0, &v), TLB_CONTROL_FLUSH_ASID);
	assert_int_equal(v.asid, 1);	/* kept */
	assert_false(v.flush_pending);
	assert_int_equal(asid_prepare(&c, 0, &v), TLB_CONTROL_NOTHING);	/* once */
	for (int i = 0; i < 100; i++) {	/* never consumes ASIDs */
		asid_request_flush(&v);
		assert_int_equal(asid_prepare(&c, 0, &v), TLB_CONTROL_FLUSH_ASID);
	}
	assert_int_equal(c.next, 2);
}

static void test_flush_request_without_flush_by_asid(void **state)
{
	struct asid_core c;
	struct asid_vcpu v = { 0 };
	int full = 0;

	(void)state;
	asid_core_init(&c, QEMU_ASIDS, false);
	assert_int_equal(asid_prepare(&c, 0, &v), TLB_CONTROL_FLUSH_ALL);
	asid_request_flush(&v);
	assert_int_equal(asid_prepare(&c, 0, &v), TLB_CONTROL_NOTHING);	/* fresh ASID instead */
	assert_int_equal(v.asid, 2);
	assert_false(v.flush_pending);
	assert_int_equal(asid_prepare(&c, 0, &v), TLB_CONTROL_NOTHING);
	assert_int_equal(v.asid, 2);
	/* 150 more requests: a full flush only every 15. */
	for (int i = 0; i < 150; i++) {
		uint8_t ctl;

		asid_request_flush(&v);
		ctl = asid_prepare(&c, 0, &v);
		assert_true(ctl == TLB_CONTROL_NOTHING || ctl == TLB_CONTROL_FLUSH_ALL);
		assert_int_equal(ctl == TLB_CONTROL_FLUSH_ALL, v.asid == 1);
		full += ctl == TLB_CONTROL_FLUSH_ALL;
	}
	assert_int_equal(full, 10);
}

static void test_no_guest_asid(void **state)
{
	struct asid_core c;
	struct asid_vcpu v = { .asid = 7 };

	(void)state;
	for (uint32_t nr = 0; nr <= 1; nr++) {
		assert_int_equal(asid_core_init(&c, nr, true), 0);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(asid_prepare(&c, 0, &v), ASID_NO_GUEST);
			assert_int_equal(v.asid, 0);
		}
		asid_request_flush(&v);
		assert_int_equal(asid_prepare(&c, 0, &v), ASID_NO_GUEST);
	}
}

/* nr_asids 2: a single guest ASID. Every switch of vCPU is a full flush. */
static void test_one_guest_asid(void **state)
{
	struct asid_core c;
	struct asid_vcpu a = { 0 }, b = { 0 };

	(void)state;
	for (int fba = 0; fba <= 1; fba++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		assert_int_equal(asid_core_init(&c, 2, fba), 1);
		assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_FLUSH_ALL);
		assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_NOTHING);
		for (int i = 0; i < 10; i++) {
			assert_int_equal(asid_prepare(&c, 0, &b), TLB_CONTROL_FLUSH_ALL);
			assert_int_equal(b.asid, 1);
			assert_int_equal(asid_prepare(&c, 0, &b), TLB_CONTROL_NOTHING);
			assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_FLUSH_ALL);
			assert_int_equal(a.asid, 1);
		}
		asid_request_flush(&a);
		assert_int_equal(asid_prepare(&c, 0, &a), fba ? TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL);
		assert_int_equal(a.asid, 1);
	}
}

static void test_core_flush_all(void **state)
{
	struct asid_core c;
	struct asid_vcpu a = { 0 }, b = { 0 };

	(void)state;
	asid_core_init(&c, QEMU_ASIDS, true);
	asid_prepare(&c, 0, &a);
	asid_prepare(&c, 0, &b);
	asid_core_flush_all(&c);	/* say a VMRUN failed its checks */
	assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_FLUSH_ALL);	/* even a live one */
	assert_int_equal(a.asid, 1);
	assert_int_equal(asid_prepare(&c, 0, &b), TLB_CONTROL_NOTHING);
	assert_int_equal(b.asid, 2);
	assert_int_equal(asid_prepare(&c, 0, &a), TLB_CONTROL_NOTHING);
}

/* ---- simulator ---- */

#define NCORES 4
#define NVCPUS 10
#define MAX_ASIDS BOCHS_ASIDS

struct tlb_tag {
	int owner;		/* vCPU index, -1: no entries */
	uint64_t version;	/* of the owner's translations */
};

struct sim {
	struct asid_core core[NCORES];
	struct asid_vcpu v[NVCPUS];
	uint64_t version[NVCPUS];	/* current translations of each vCPU */
	struct tlb_tag tlb[NCORES][MAX_ASIDS];
	uint64_t owner_gen[NCORES][MAX_ASIDS];	/* generation the ASID was handed out in */
	int owner[NCORES][MAX_ASIDS];		/* to whom */
	uint64_t flushed_gen[NCORES];		/* generation whose full flush was done */
	uint64_t gens_seen[NCORES];		/* generations started (full flushes) */
	uint64_t runs, full, by_asid;
};

static struct sim sim;

static void sim_init(uint32_t nr_asids, bool fba)
{
	memset(&sim, 0, sizeof(sim));
	for (int c = 0; c < NCORES; c++) {
		asid_core_init(&sim.core[c], nr_asids, fba);
		for (uint32_t a = 0; a < MAX_ASIDS; a++) {
			/* Whatever earlier software left: a foreign owner. */
			sim.tlb[c][a] = (struct tlb_tag){ NVCPUS + 1, 0 };
			sim.owner[c][a] = -1;
		}
	}
}

static void sim_vmrun(int c, int i)
{
	struct asid_core *core = &sim.core[c];
	struct asid_vcpu *v = &sim.v[i];
	uint32_t prev_asid = v->asid;
	bool was_live = v->core == c && v->generation == core->generation && v->asid;
	bool pending = v->flush_pending;
	uint8_t ctl = asid_prepare(core, c, v);
	uint32_t a = v->asid;

	sim.runs++;
	assert_true(a >= 1 && a <= core->max_asid);	/* never the host's, never too big */
	assert_false(v->flush_pending);
	assert_int_equal(v->core, c);
	assert_int_equal(v->generation, core->generation);
	switch (ctl) {
	case TLB_CONTROL_FLUSH_ALL:
		/* Exactly one full flush per generation, at its first VMRUN. */
		assert_true(core->generation != sim.flushed_gen[c]);
		sim.flushed_gen[c] = core->generation;
		sim.gens_seen[c]++;
		for (uint32_t k = 0; k <= core->max_asid; k++)
			sim.tlb[c][k].owner = -1;
		sim.full++;
		break;
	case TLB_CONTROL_FLUSH_ASID:
		assert_true(core->flush_by_asid);
		assert_true(pending && was_live);	/* only for a request */
		sim.tlb[c][a].owner = -1;
		sim.by_asid++;
		break;
	case TLB_CONTROL_NOTHING:
		break;
	default:
		fail_msg("TLB_CONTROL %u", ctl);
	}
	assert_int_equal(sim.flushed_gen[c], core->generation);
	/* Minimal: a live vCPU without a request keeps its ASID, no flush. */
	if (was_live && !pending) {
		assert_int_equal(ctl, TLB_CONTROL_NOTHING);
		assert_int_equal(a, prev_asid);
	}
	/* No two vCPUs with one ASID in one generation on a core. */
	if (sim.owner_gen[c][a] == core->generation && sim.owner[c][a] >= 0)
		assert_int_equal(sim.owner[c][a], i);
	sim.owner_gen[c][a] = core->generation;
	sim.owner[c][a] = i;
	/* The point of it all: no stale or foreign entry is visible. */
	if (sim.tlb[c][a].owner >= 0) {
		assert_int_equal(sim.tlb[c][a].owner, i);
		assert_int_equal(sim.tlb[c][a].version, sim.version[i]);
	}
	/* The guest runs and fills the TLB. */
	sim.tlb[c][a] = (struct tlb_tag){ i, sim.version[i] };
}

/* The guest rewrites its page tables and invalidates: on this core only. */
static void sim_guest_invalidate(int c, int i)
{
	sim.version[i]++;
	sim.tlb[c][sim.v[i].asid] = (struct tlb_tag){ i, sim.version[i] };
}

/* The hypervisor changes i's NPT. */
static void sim_npt_change(int i)
{
	sim.version[i]++;
	asid_request_flush(&sim.v[i]);
}

static void sim_random(uint32_t nr_asids, bool fba, int steps, unsigned seed)
{
	int where[NVCPUS];

	srandom(seed);
	sim_init(nr_asids, fba);
	for (int i = 0; i < NVCPUS; i++)
		where[i] = i % NCORES;
	for (int s = 0; s < steps; s++) {
		int i = (int)(random() % NVCPUS), r = (int)(random() % 100);

		if (r < 5)
			where[i] = (int)(random() % NCORES);	/* migrate */
		else if (r < 12)
			sim_npt_change(i);
		sim_vmrun(where[i], i);
		if (r >= 90)
			sim_guest_invalidate(where[i], i);
	}
}

static void test_sim_qemu(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 20; seed++) {
		sim_random(QEMU_ASIDS, false, 2000, seed);
		assert_true(sim.full > 4 * NCORES);	/* rollover happens, constantly */
		assert_int_equal(sim.by_asid, 0);
		for (int c = 0; c < NCORES; c++)
			assert_int_equal(sim.gens_seen[c] + 1, sim.core[c].generation);
	}
}

static void test_sim_qemu_flush_by_asid(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 20; seed++) {
		sim_random(QEMU_ASIDS, true, 2000, seed);
		assert_true(sim.by_asid > 0);
	}
}

static void test_sim_bochs(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 5; seed++) {
		sim_random(BOCHS_ASIDS, true, 5000, seed);
		assert_int_equal(sim.full, NCORES);	/* only the first VMRUN on each core */
		sim_random(BOCHS_ASIDS, false, 5000, seed);
	}
}

static void test_sim_tiny(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 10; seed++) {
		sim_random(2, seed & 1, 1000, seed);	/* one guest ASID */
		sim_random(3, seed & 1, 1000, seed);
	}
}

/* Several vCPUs round-robin on one core with 16 ASIDs: a full flush at
 * every 15th fresh ASID, never in between. */
static void test_sim_round_robin(void **state)
{
	(void)state;
	for (int nv = 1; nv <= NVCPUS; nv++) {
		sim_init(QEMU_ASIDS, false);
		for (int round = 0; round < 300; round++)
			for (int i = 0; i < nv; i++)
				sim_vmrun(0, i);
		/* No requests and no moves: each vCPU got one ASID; the first run flushed. */
		assert_int_equal(sim.full, 1);
		assert_int_equal(sim.runs, 300 * nv);
		sim_npt_change(0);
		sim_vmrun(0, 0);
		assert_int_equal(sim.v[0].asid, nv + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_first_vmrun_flushes_all),
		cmocka_unit_test(test_steady_state),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_migration),
		cmocka_unit_test(test_flush_request_by_asid),
		cmocka_unit_test(test_flush_request_without_flush_by_asid),
		cmocka_unit_test(test_no_guest_asid),
		cmocka_unit_test(test_one_guest_asid),
		cmocka_unit_test(test_core_flush_all),
		cmocka_unit_test(test_sim_qemu),
		cmocka_unit_test(test_sim_qemu_flush_by_asid),
		cmocka_unit_test(test_sim_bochs),
		cmocka_unit_test(test_sim_tiny),
		cmocka_unit_test(test_sim_round_robin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
