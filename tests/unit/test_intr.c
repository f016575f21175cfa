/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for svm/intr.c, the injection decision: the cases the rules
 * name one by one, then every combination of the inputs against the rules
 * stated as invariants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "svm/intr.h"

static struct intr_plan plan(bool queued, bool ifl, bool shadow, bool nmi, bool masked, int irq)
{
	struct intr_in in = { queued, ifl, shadow, nmi, masked, irq };

	return intr_plan(&in);
}

static void test_nothing_pending(void **state)
{
	struct intr_plan p = plan(false, true, false, false, false, -1);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_false(p.irq_window || p.nmi_window || p.exit_soon);
}

static void test_irq_with_if_is_injected(void **state)
{
	struct intr_plan p = plan(false, true, false, false, false, 0x30);

	(void)state;
	assert_int_equal(p.inject, INTR_IRQ);
	assert_int_equal(p.vector, 0x30);
	assert_false(p.irq_window);
}

static void test_irq_without_if_opens_a_window(void **state)
{
	struct intr_plan p = plan(false, false, false, false, false, 0x30);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.irq_window);
}

static void test_irq_in_shadow_waits(void **state)
{
	struct intr_plan p = plan(false, true, true, false, false, 0x30);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.irq_window);
}

static void test_irq_behind_queued_event_waits(void **state)
{
	struct intr_plan p = plan(true, true, false, false, false, 0x30);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.irq_window);
}

static void test_nmi_beats_irq(void **state)
{
	struct intr_plan p = plan(false, true, false, true, false, 0x30);

	(void)state;
	assert_int_equal(p.inject, INTR_NMI);
	assert_true(p.irq_window);	/* the interrupt comes after the NMI's delivery */
}

static void test_nmi_ignores_if(void **state)
{
	struct intr_plan p = plan(false, false, false, true, false, -1);

	(void)state;
	assert_int_equal(p.inject, INTR_NMI);
}

static void test_nmi_masked_waits_for_iret(void **state)
{
	struct intr_plan p = plan(false, true, false, true, true, -1);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.nmi_window);
	assert_false(p.exit_soon);
}

static void test_nmi_masked_lets_irq_through(void **state)
{
	struct intr_plan p = plan(false, true, false, true, true, 0x40);

	(void)state;
	assert_int_equal(p.inject, INTR_IRQ);
	assert_true(p.nmi_window);
}

static void test_nmi_behind_event_exits_soon(void **state)
{
	struct intr_plan p = plan(true, true, false, true, false, -1);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.exit_soon);
}

static void test_nmi_in_shadow_exits_soon(void **state)
{
	struct intr_plan p = plan(false, true, true, true, false, -1);

	(void)state;
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.exit_soon);
}

static void test_low_vectors_never_injected(void **state)
{
	(void)state;
	for (int v = 0; v < 16; v++) {
		struct intr_plan p = plan(false, true, false, false, false, v);

		assert_int_equal(p.inject, INTR_NOTHING);
		assert_false(p.irq_window);
	}
}

/* Every combination: at most one event, and only when its rules allow;
 * whatever is pending and not injected has a way back (a window or an
 * early exit), so nothing pending is ever forgotten. */
/* An ExtINT is an interrupt like any other for the plan: injected with IF
 * set (its vector is the PIC's, filled in by the caller), a window without. */
static void test_extint_like_an_irq(void **state)
{
	struct intr_plan p = plan(false, true, false, false, false, INTR_EXTINT);

	(void)state;
	assert_int_equal(p.inject, INTR_IRQ);
	assert_false(p.irq_window);
	p = plan(false, false, false, false, false, INTR_EXTINT);
	assert_int_equal(p.inject, INTR_NOTHING);
	assert_true(p.irq_window);
	p = plan(false, true, false, true, false, INTR_EXTINT);	/* the NMI first */
	assert_int_equal(p.inject, INTR_NMI);
	assert_true(p.irq_window);
}

static void test_all_combinations(void **state)
{
	static const int irqs[] = { -1, 0, 15, 16, 0x20, 0xff };

	(void)state;
	for (unsigned bits = 0; bits < 32; bits++)
		for (unsigned i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
			bool queued = bits & 1, ifl = bits & 2, shadow = bits & 4, nmi = bits & 8,
			     masked = bits & 16;
			int irq = irqs[i];
			struct intr_plan p = plan(queued, ifl, shadow, nmi, masked, irq);

			if (queued)
				assert_int_equal(p.inject, INTR_NOTHING);
			if (p.inject == INTR_NMI)
				assert_true(nmi && !masked && !shadow);
			if (p.inject == INTR_IRQ) {
				assert_true(ifl && !shadow && irq >= 16);
				assert_int_equal(p.vector, irq);
				assert_false(nmi && !masked);	/* the NMI would have gone first */
			}
			if (nmi && p.inject != INTR_NMI)
				assert_true(p.nmi_window || p.exit_soon);
			if (irq >= 16 && p.inject != INTR_IRQ)
				assert_true(p.irq_window);
			if (irq < 16)
				assert_false(p.irq_window);
			if (!nmi)
				assert_false(p.nmi_window || p.exit_soon);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_pending),
		cmocka_unit_test(test_irq_with_if_is_injected),
		cmocka_unit_test(test_irq_without_if_opens_a_window),
		cmocka_unit_test(test_irq_in_shadow_waits),
		cmocka_unit_test(test_irq_behind_queued_event_waits),
		cmocka_unit_test(test_nmi_beats_irq),
		cmocka_unit_test(test_nmi_ignores_if),
		cmocka_unit_test(test_nmi_masked_waits_for_iret),
		cmocka_unit_test(test_nmi_masked_lets_irq_through),
		cmocka_unit_test(test_nmi_behind_event_exits_soon),
		cmocka_unit_test(test_nmi_in_shadow_exits_soon),
		cmocka_unit_test(test_low_vectors_never_injected),
		cmocka_unit_test(test_extint_like_an_irq),
		cmocka_unit_test(test_all_combinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
