/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vpic.c: the 8259A pair and the ELCR
 * driven by port accesses, line changes, INTA cycles and resets, checked
 * against a reference priority resolver written here from the data sheet.
 *
 * Input: 3-byte ops until the input ends (at most 1024): { k, a, v }.
 * k % 9 is the operation:
 *   0 port write, 1 port read: port a % 8 of { 0x20, 0x21, 0xa0, 0xa1,
 *     0x4d0, 0x4d1, 0x22, 0x4d2 } (the last two nobody's), size
 *     { 1, 1, 2, 4 }[(a >> 3) & 3], value v, through bus_access;
 *   2 vpic_set_irq(a % 20, v & 1) (lines 16-19 and 2 are ignored);
 *   3 vpic_intack;
 *   4 vpic_reset when a < 16, else nothing;
 *   5 a whole ICW sequence on chip a & 1: ICW1 0x10 | (v & 0x0b), ICW2 a,
 *     ICW3 v, ICW4 (a ^ v) & 0x1f, each written only when the sequence
 *     asks for it, then OCW1 = v & a;
 *   6 an OCW2 (v & 0xe7) on chip a & 1;
 *   7 an OCW3 ((v & 0x67) | 0x08) on chip a & 1;
 *   8 an ELCR or IMR write (a & 2 picks) on chip a & 1.
 *
 * After every op (view through vpic_view): ELCR reserved bits are 0;
 * lowest < 8 and the vector base has bits 2:0 clear; level-sensitive IRR
 * bits equal the line levels; the master's IRR bit 2 is set whenever the
 * slave has a deliverable request (and equals it under LTIM); the output,
 * vpic_output and the callback's last level all equal the reference "the
 * master has a deliverable request", and the callback only reports
 * changes. No ISR bit appears except through an acknowledge: an INTA sets
 * at most the bit the reference resolver picked in each chip (none with
 * AEOI, whose rotation makes that level lowest), and returns exactly the
 * reference vector (base | level, or base | 7 when nothing was pending,
 * counted in spurious); a poll read returns the reference poll byte; every
 * INTA is counted once in counts[] or spurious. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vpic.h"
#include "tests/common/check.h"

#define MAX_OPS 1024
#define OP_SIZE 3

static struct bus bus;
static struct vpic pic;
static bool cb_level;	/* the callback's last report */
static uint64_t intacks;

static const uint16_t ports[8] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22, 0x4d2 };
static const unsigned sizes[4] = { 1, 1, 2, 4 };

static void on_output(void *ctx, bool level)
{
	(void)ctx;
	CHECK(level != cb_level);	/* changes only */
	cb_level = level;
}

/* ---- the reference resolver, from the view ---- */

/* m rotated so that bit 0 is the highest-priority level (lowest + 1). */
static unsigned by_priority(uint8_t m, unsigned lowest)
{
	unsigned sh = (lowest + 1) & 7;

	return ((m >> sh) | (m << (8 - sh))) & 0xff;
}

static int ref_pending(const struct vpic_view *v, int i)
{
	unsigned lowest = v->chip[i].lowest;
	uint8_t busy = v->chip[i].special_mask ? 0 : v->chip[i].isr;
	unsigned req = by_priority(v->chip[i].irr & ~v->chip[i].imr, lowest), b;

	if (i == 0 && v->chip[0].sfnm)
		busy &= ~(1u << VPIC_CASCADE_IRQ);
	b = by_priority(busy, lowest);
	if (!req || (b && __builtin_ctz(b) <= __builtin_ctz(req)))
		return -1;
	return (int)((__builtin_ctz(req) + lowest + 1) & 7);
}

/* ---- invariants ---- */

static void check_state(const struct vpic_view *v)
{
	int slave = ref_pending(v, 1);

	CHECK((v->chip[0].elcr & ~VPIC_ELCR_MASK_MASTER) == 0);
	CHECK((v->chip[1].elcr & ~VPIC_ELCR_MASK_SLAVE) == 0);
	for (int i = 0; i < 2; i++) {
		uint8_t lm = v->chip[i].level_mode ? 0xff : v->chip[i].elcr;

		if (i == 0)
			lm &= ~(1u << VPIC_CASCADE_IRQ);
		CHECK(v->chip[i].lowest < 8);
		CHECK((v->chip[i].vector_base & 7) == 0);
		CHECK((v->chip[i].irr & lm) == (v->chip[i].lines & lm));
	}
	CHECK(!(v->chip[0].lines & (1u << VPIC_CASCADE_IRQ)));
	if (slave >= 0)
		CHECK(v->chip[0].irr & (1u << VPIC_CASCADE_IRQ));
	if (v->chip[0].level_mode)
		CHECK(!!(v->chip[0].irr & (1u << VPIC_CASCADE_IRQ)) == (slave >= 0));
	CHECK(v->out == (ref_pending(v, 0) >= 0));
	CHECK(vpic_output(&pic) == v->out);
	CHECK(cb_level == v->out);
}

static uint64_t total_counts(const struct vpic_view *v)
{
	uint64_t n = v->spurious;

	for (int i = 0; i < VPIC_IRQS; i++)
		n += v->counts[i];
	return n;
}

/* The ISR bit an acknowledge of level irq on chip i sets (none with
 * AEOI). It may already be set: SFNM lets IR2 nest in itself, and special
 * mask mode lets any level in service be taken again. */
static uint8_t acked_bit(const struct vpic_view *b, int i, int irq)
{
	return b->chip[i].aeoi ? 0 : (uint8_t)(1u << irq);
}

static void check_ack_isr(const struct vpic_view *b, const struct vpic_view *a, int i, int irq)
{
	uint8_t bit = irq < 0 ? 0 : acked_bit(b, i, irq);

	CHECK(a->chip[i].isr == (b->chip[i].isr | bit));
	if (irq >= 0 && b->chip[i].aeoi && b->chip[i].rotate_aeoi)
		CHECK(a->chip[i].lowest == irq);
}

static void check_intack(const struct vpic_view *b, const struct vpic_view *a, uint8_t vec)
{
	int m = ref_pending(b, 0), s = m == VPIC_CASCADE_IRQ ? ref_pending(b, 1) : -1;

	check_ack_isr(b, a, 0, m);
	check_ack_isr(b, a, 1, s);	/* untouched unless the master took IR2 */
	if (m < 0) {
		CHECK(vec == (b->chip[0].vector_base | 7));
		CHECK(a->spurious == b->spurious + 1);
	} else if (m != VPIC_CASCADE_IRQ) {
		CHECK(vec == (b->chip[0].vector_base | m));
		CHECK(a->counts[m] == b->counts[m] + 1);
	} else if (s < 0) {
		CHECK(vec == (b->chip[1].vector_base | 7));
		CHECK(a->spurious == b->spurious + 1);
	} else {
		CHECK(vec == (b->chip[1].vector_base | s));
		CHECK(a->counts[8 + s] == b->counts[8 + s] + 1);
	}
}

/* ---- operations ---- */

static uint64_t port_io(uint16_t port, unsigned size, bool write, uint8_t val)
{
	struct bus_req r = { .addr = port, .size = size, .write = write, .val = val };

	bus_access(&bus, BUS_PIO, &r);
	CHECK(r.val <= bus_size_mask(size));
	return r.val;
}

static void pic_write(int chip, unsigned port, uint8_t val)
{
	struct bus_req r = { .size = 1, .write = true, .val = val };
	enum bus_status st = chip ? vpic_slave_access(&pic, port, &r)
				  : vpic_master_access(&pic, port, &r);

	CHECK(st == BUS_OK);
}

static void icw_sequence(int chip, uint8_t a, uint8_t v)
{
	uint8_t icw1 = 0x10 | (v & 0x0b);

	pic_write(chip, 0, icw1);
	pic_write(chip, 1, a);
	if (!(icw1 & PIC_ICW1_SNGL))
		pic_write(chip, 1, v);
	if (icw1 & PIC_ICW1_IC4)
		pic_write(chip, 1, (a ^ v) & 0x1f);
	pic_write(chip, 1, v & a);
}

/* A read of port (size 1 reached the device): the expected answer. */
static void check_read(const struct vpic_view *b, const struct vpic_view *a, unsigned pi,
		       unsigned size, uint64_t got)
{
	int i = pi >= 4 ? (int)pi - 4 : (int)pi / 2, irq;

	if (size != 1 || pi >= 6) {
		CHECK(got == bus_size_mask(size));
		return;
	}
	if (pi >= 4) {
		CHECK(got == b->chip[i].elcr);
		return;
	}
	if (b->chip[i].poll) {
		irq = ref_pending(b, i);
		CHECK(got == (irq < 0 ? 0u : (unsigned)(PIC_POLL_INT | irq)));
		check_ack_isr(b, a, i, irq);
		CHECK(!a->chip[i].poll);
		return;
	}
	if (pi & 1)
		CHECK(got == b->chip[i].imr);
	else
		CHECK(got == (b->chip[i].read_isr ? b->chip[i].isr : b->chip[i].irr));
}

static void do_op(const uint8_t *d)
{
	struct vpic_view b, a;
	uint8_t k = d[0] % 9, x = d[1], v = d[2];
	unsigned pi = x % 8, size = sizes[(x >> 3) & 3];
	int acked = -1;	/* which chips may gain ISR bits: 0, 1, 2 = both */
	uint64_t got = 0;
	uint8_t vec = 0;

	vpic_view(&pic, &b);
	switch (k) {
	case 0:
		port_io(ports[pi], size, true, v);
		break;
	case 1:
		got = port_io(ports[pi], size, false, 0);
		if (size == 1 && pi < 4 && b.chip[pi / 2].poll)
			acked = (int)(pi / 2);
		break;
	case 2:
		vpic_set_irq(&pic, x % 20, v & 1);
		break;
	case 3:
		vec = vpic_intack(&pic);
		intacks++;
		acked = 2;
		break;
	case 4:
		if (x < 16)
			vpic_reset(&pic);
		break;
	case 5:
		icw_sequence(x & 1, x, v);
		break;
	case 6:
		pic_write(x & 1, 0, v & 0xe7);
		break;
	case 7:
		pic_write(x & 1, 0, (v & 0x67) | PIC_OCW3_SEL);
		break;
	default:
		if (x & 2) {
			struct bus_req r = { .size = 1, .write = true, .val = v };

			CHECK(vpic_elcr_access(&pic, x & 1, &r) == BUS_OK);
		} else {
			pic_write(x & 1, 1, v);
		}
		break;
	}
	vpic_view(&pic, &a);
	check_state(&a);
	CHECK(total_counts(&a) == intacks);
	if (k == 3)
		check_intack(&b, &a, vec);
	else if (k == 1)
		check_read(&b, &a, pi, size, got);
	for (int i = 0; i < 2; i++)	/* no acknowledge: no new ISR bits */
		if (acked != i && acked != 2)
			CHECK((a.chip[i].isr & ~b.chip[i].isr) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	bus_init(&bus, NULL);
	memset(&pic, 0xa5, sizeof(pic));	/* init must not rely on zeroes */
	cb_level = false;
	intacks = 0;
	vpic_init(&pic, on_output, NULL);
	CHECK(vpic_attach(&pic, &bus, err, sizeof(err)) == 0);
	for (int n = 0; n < MAX_OPS && size >= OP_SIZE; n++, data += OP_SIZE, size -= OP_SIZE)
		do_op(data);
	return 0;
}
