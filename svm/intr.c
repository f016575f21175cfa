/* SPDX-License-Identifier: BSD-2-Clause */
/* The injection decision (svm/intr.h). */
#include "svm/intr.h"

struct intr_plan intr_plan(const struct intr_in *in)
{
	struct intr_plan p = { .inject = INTR_NOTHING };
	bool slot_free = !in->event_queued;	/* EVENTINJ takes one event */

	if (in->nmi_pending) {
		if (in->nmi_masked)
			p.nmi_window = true;
		else if (!slot_free || in->shadow)
			p.exit_soon = true;
		else {
			p.inject = INTR_NMI;
			slot_free = false;
		}
	}
	if (in->irq >= 16) {	/* vectors 0-15 are never delivered (the vLAPIC refuses them) */
		if (slot_free && in->if_set && !in->shadow) {
			p.inject = INTR_IRQ;
			p.vector = (uint8_t)in->irq;
		} else {
			p.irq_window = true;
		}
	}
	return p;
}
