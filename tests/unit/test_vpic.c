/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vpic.c, through the bus as a guest sees it:
 * the Linux init sequence, masking, edge and level (ELCR, LTIM) requests,
 * INTA vectors, EOIs, priority and rotation, AEOI, the cascade, poll,
 * status reads, special mask mode, spurious IRQ 7/15, SFNM, the output
 * callback and reset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vpic.h"

#define MAX_CALLS 64

struct rec {
	int n;
	bool level[MAX_CALLS];
};

static void rec_output(void *ctx, bool level)
{
	struct rec *r = ctx;

	assert_true(r->n < MAX_CALLS);
	r->level[r->n++] = level;
}

static struct bus bus;	/* ~80 KiB: off the stack */
static struct vpic pic;
static struct rec rec;
static char err[128];

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	bus_init(&bus, NULL);
	vpic_init(&pic, rec_output, &rec);
	assert_int_equal(vpic_attach(&pic, &bus, err, sizeof(err)), 0);
	return 0;
}

static void out8(uint16_t port, uint8_t v)
{
	struct bus_req r = { .addr = port, .size = 1, .write = true, .val = v };

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
}

static uint8_t in8(uint16_t port)
{
	struct bus_req r = { .addr = port, .size = 1 };

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	return (uint8_t)r.val;
}

/* Linux's init_8259A: ICW1 0x11, ICW2 0x20/0x28, ICW3 4/2, ICW4 icw4. */
static void linux_init(uint8_t icw4)
{
	out8(0x21, 0xff);
	out8(0xa1, 0xff);
	out8(0x20, 0x11);
	out8(0x21, 0x20);
	out8(0x21, 0x04);
	out8(0x21, icw4);
	out8(0xa0, 0x11);
	out8(0xa1, 0x28);
	out8(0xa1, 0x02);
	out8(0xa1, icw4);
	out8(0x21, 0x00);	/* unmask all */
	out8(0xa1, 0x00);
}

static struct vpic_view view(void)
{
	struct vpic_view v;

	vpic_view(&pic, &v);
	return v;
}

static void pulse(unsigned irq)
{
	vpic_set_irq(&pic, irq, true);
	vpic_set_irq(&pic, irq, false);
}

static uint8_t read_irr(uint16_t cmd)
{
	out8(cmd, 0x0a);
	return in8(cmd);
}

static uint8_t read_isr(uint16_t cmd)
{
	out8(cmd, 0x0b);
	return in8(cmd);
}

/* ---- init and registers ---- */

static void test_power_on(void **state)
{
	struct vpic_view v = view();

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_false(v.chip[i].initialized);
		assert_int_equal(v.chip[i].imr, 0xff);
		assert_int_equal(v.chip[i].irr, 0);
		assert_int_equal(v.chip[i].isr, 0);
		assert_int_equal(v.chip[i].elcr, 0);
		assert_int_equal(v.chip[i].lowest, 7);
	}
	assert_false(v.out);
	assert_false(vpic_output(&pic));
	assert_int_equal(rec.n, 0);
	/* masked at power-on: a request does not reach the CPU */
	vpic_set_irq(&pic, 1, true);
	assert_false(vpic_output(&pic));
	assert_int_equal(view().chip[0].irr, 0x02);
	assert_int_equal(in8(0x21), 0xff);
	assert_int_equal(in8(0x20), 0x02);	/* IRR */
}

static void test_init_linux(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	v = view();
	assert_true(v.chip[0].initialized);
	assert_true(v.chip[1].initialized);
	assert_int_equal(v.chip[0].vector_base, 0x20);
	assert_int_equal(v.chip[1].vector_base, 0x28);
	assert_int_equal(v.chip[0].icw3, 0x04);
	assert_int_equal(v.chip[1].icw3, 0x02);
	assert_int_equal(v.chip[0].icw4, 0x01);
	assert_false(v.chip[0].aeoi);
	assert_false(v.chip[0].level_mode);
	assert_int_equal(v.chip[0].imr, 0);
	assert_int_equal(v.chip[1].imr, 0);
	/* after the sequence the data port is OCW1 again */
	out8(0x21, 0xb8);
	assert_int_equal(in8(0x21), 0xb8);
	assert_int_equal(view().chip[0].vector_base, 0x20);
	/* ICW2's low 3 bits are not part of the base */
	out8(0x20, 0x11);
	out8(0x21, 0x47);
	out8(0x21, 0x04);
	assert_false(view().chip[0].initialized);	/* ICW4 still expected */
	out8(0x21, 0x01);
	assert_true(view().chip[0].initialized);
	assert_int_equal(view().chip[0].vector_base, 0x40);
}

static void test_init_short_sequences(void **state)
{
	(void)state;
	/* SNGL, no IC4: ICW2 only, then OCW1 */
	out8(0x20, 0x12);
	out8(0x21, 0x30);
	assert_true(view().chip[0].initialized);
	out8(0x21, 0xfe);
	assert_int_equal(in8(0x21), 0xfe);
	assert_int_equal(view().chip[0].vector_base, 0x30);
	assert_true(view().chip[0].sngl);
	/* no SNGL, no IC4: ICW2, ICW3, done */
	out8(0x20, 0x10);
	out8(0x21, 0x50);
	out8(0x21, 0x04);
	assert_true(view().chip[0].initialized);
	out8(0x21, 0x5a);
	assert_int_equal(in8(0x21), 0x5a);
	assert_int_equal(view().chip[0].icw3, 0x04);
	assert_int_equal(view().chip[0].icw4, 0);
	/* SNGL and IC4: ICW2 then ICW4 (AEOI) */
	out8(0x20, 0x13);
	out8(0x21, 0x60);
	out8(0x21, 0x03);
	assert_true(view().chip[0].aeoi);
	assert_int_equal(view().chip[0].icw3, 0x04);	/* untouched */
}

static void test_icw1_resets(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	out8(0x4d0, 0x08);	/* IRQ 3 level */
	vpic_set_irq(&pic, 3, true);
	vpic_set_irq(&pic, 4, true);	/* edge */
	assert_int_equal(vpic_intack(&pic), 0x23);
	out8(0x21, 0x80);
	out8(0x20, 0x6b);	/* special mask on, read ISR */
	out8(0x20, 0xc4);	/* set priority: 4 lowest */
	out8(0x20, 0x80);	/* rotate in AEOI */
	out8(0x20, 0x0c);	/* poll pending */
	out8(0x20, 0x11);
	v = view();
	assert_int_equal(v.chip[0].imr, 0);
	assert_int_equal(v.chip[0].isr, 0);
	assert_int_equal(v.chip[0].irr, 0x08);	/* edge latch reset; level input still high */
	assert_false(v.chip[0].special_mask);
	assert_false(v.chip[0].read_isr);
	assert_false(v.chip[0].poll);
	assert_false(v.chip[0].rotate_aeoi);
	assert_int_equal(v.chip[0].lowest, 7);
	assert_false(v.chip[0].initialized);
	out8(0x21, 0x20);
	out8(0x21, 0x04);
	out8(0x21, 0x01);
	/* the edge sense was reset: IRQ 4, high all along, needs a new edge */
	vpic_set_irq(&pic, 3, false);
	assert_int_equal(view().chip[0].irr, 0);
	vpic_set_irq(&pic, 4, true);	/* still high: no edge */
	assert_int_equal(view().chip[0].irr, 0);
	vpic_set_irq(&pic, 4, false);
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(view().chip[0].irr, 0x10);
}

static void test_ocw_during_init(void **state)
{
	(void)state;
	/* an OCW3 between ICW1 and ICW2 acts and does not eat ICW2 */
	out8(0x20, 0x11);
	out8(0x20, 0x0b);
	out8(0x21, 0x20);
	out8(0x21, 0x04);
	out8(0x21, 0x01);
	assert_true(view().chip[0].read_isr);
	assert_int_equal(view().chip[0].vector_base, 0x20);
	assert_true(view().chip[0].initialized);
}

/* ---- masking and edge requests ---- */

static void test_masking(void **state)
{
	(void)state;
	linux_init(0x01);
	out8(0x21, 0x02);	/* mask IRQ 1 */
	pulse(1);
	assert_int_equal(view().chip[0].irr, 0x02);	/* latched, but masked */
	assert_false(vpic_output(&pic));
	assert_int_equal(rec.n, 0);
	out8(0x21, 0x00);
	assert_true(vpic_output(&pic));
	out8(0x21, 0x02);
	assert_false(vpic_output(&pic));
	out8(0x21, 0x00);
	assert_int_equal(vpic_intack(&pic), 0x21);
	out8(0x20, 0x20);
	/* masking the cascade masks the whole slave */
	out8(0x21, 0x04);
	pulse(12);
	assert_false(vpic_output(&pic));
	out8(0x21, 0x00);
	assert_true(vpic_output(&pic));
}

static void test_edge_inta(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	vpic_set_irq(&pic, 1, true);
	assert_true(vpic_output(&pic));
	vpic_set_irq(&pic, 1, false);	/* dropped before INTA: IRR stays (KVM) */
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x21);
	v = view();
	assert_int_equal(v.chip[0].irr, 0);
	assert_int_equal(v.chip[0].isr, 0x02);
	assert_int_equal(v.counts[1], 1);
	assert_false(v.out);
	out8(0x20, 0x20);
	/* a line held high gives one request, not one per call */
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(vpic_intack(&pic), 0x25);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(view().chip[0].irr, 0);
	vpic_set_irq(&pic, 5, false);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(view().chip[0].irr, 0x20);
}

static void test_set_irq_ignored(void **state)
{
	(void)state;
	linux_init(0x01);
	vpic_set_irq(&pic, 2, true);	/* the cascade pin is not an ISA line */
	vpic_set_irq(&pic, 16, true);
	vpic_set_irq(&pic, ~0u, true);
	assert_int_equal(view().chip[0].irr, 0);
	assert_int_equal(view().chip[1].irr, 0);
	assert_false(vpic_output(&pic));
}

/* ---- EOI, priority, rotation ---- */

static void test_eoi(void **state)
{
	(void)state;
	linux_init(0x01);
	pulse(3);
	assert_int_equal(vpic_intack(&pic), 0x23);
	pulse(1);	/* higher priority: nests */
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x21);
	assert_int_equal(view().chip[0].isr, 0x0a);
	pulse(5);	/* lower: waits */
	assert_false(vpic_output(&pic));
	out8(0x20, 0x20);	/* non-specific EOI: the highest in service, 1 */
	assert_int_equal(view().chip[0].isr, 0x08);
	assert_false(vpic_output(&pic));	/* 3 still blocks 5 */
	out8(0x20, 0x63);	/* specific EOI 3 */
	assert_int_equal(view().chip[0].isr, 0);
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x25);
	out8(0x20, 0x65);	/* specific EOI for the right level only */
	assert_int_equal(view().chip[0].isr, 0);
	out8(0x20, 0x20);	/* EOI with nothing in service: nothing */
	out8(0x20, 0x40);	/* OCW2 no-op */
	assert_int_equal(view().chip[0].isr, 0);
	assert_int_equal(view().chip[0].lowest, 7);
}

static void test_priority_fixed(void **state)
{
	(void)state;
	linux_init(0x01);
	pulse(7);
	pulse(4);
	pulse(0);
	pulse(6);
	assert_int_equal(vpic_intack(&pic), 0x20);
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x24);
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x26);
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x27);
	out8(0x20, 0x20);
	assert_int_equal(view().counts[7], 1);
	assert_int_equal(view().spurious, 0);
	/* same level in service blocks itself */
	pulse(4);
	assert_int_equal(vpic_intack(&pic), 0x24);
	pulse(4);
	assert_false(vpic_output(&pic));
	out8(0x20, 0x20);
	assert_true(vpic_output(&pic));
}

static void test_rotation(void **state)
{
	(void)state;
	linux_init(0x01);
	/* rotate on non-specific EOI: the serviced level becomes lowest */
	pulse(1);
	assert_int_equal(vpic_intack(&pic), 0x21);
	out8(0x20, 0xa0);
	assert_int_equal(view().chip[0].lowest, 1);
	pulse(0);
	pulse(2 + 1);	/* IRQ 3 */
	assert_int_equal(vpic_intack(&pic), 0x23);	/* order now 2,3,...,7,0,1 */
	out8(0x20, 0xa0);
	assert_int_equal(view().chip[0].lowest, 3);
	assert_int_equal(vpic_intack(&pic), 0x20);
	out8(0x20, 0x20);
	/* set priority: 5 lowest, so 6 is highest */
	out8(0x20, 0xc5);
	assert_int_equal(view().chip[0].lowest, 5);
	pulse(5);
	pulse(6);
	pulse(0);
	assert_int_equal(vpic_intack(&pic), 0x26);
	/* in service 6 is the highest level: it blocks all */
	assert_false(vpic_output(&pic));
	/* rotate on specific EOI 6: clears it and makes it lowest (7 highest) */
	out8(0x20, 0xe6);
	assert_int_equal(view().chip[0].isr, 0);
	assert_int_equal(view().chip[0].lowest, 6);
	assert_int_equal(vpic_intack(&pic), 0x20);	/* 0 ranks above 5 now */
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x25);
	out8(0x20, 0x20);
	/* a non-specific EOI follows the rotated order: 1 highest */
	out8(0x20, 0xc0);	/* 0 lowest */
	pulse(7);
	assert_int_equal(vpic_intack(&pic), 0x27);
	out8(0x20, 0xc7);	/* 7 lowest: now 0 outranks 7 */
	pulse(0);
	assert_int_equal(vpic_intack(&pic), 0x20);
	out8(0x20, 0x20);	/* clears 0 (highest in service), not 7 */
	assert_int_equal(view().chip[0].isr, 0x80);
}

static void test_aeoi(void **state)
{
	(void)state;
	linux_init(0x03);	/* 8086, AEOI */
	assert_true(view().chip[0].aeoi);
	pulse(3);
	assert_int_equal(vpic_intack(&pic), 0x23);
	assert_int_equal(view().chip[0].isr, 0);
	pulse(5);	/* nothing in service: no blocking */
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x25);
	assert_int_equal(view().chip[0].lowest, 7);	/* no rotation yet */
	/* rotate in AEOI: each serviced level becomes lowest */
	out8(0x20, 0x80);
	assert_true(view().chip[0].rotate_aeoi);
	pulse(2 + 2);	/* IRQ 4 */
	assert_int_equal(vpic_intack(&pic), 0x24);
	assert_int_equal(view().chip[0].lowest, 4);
	pulse(3);
	pulse(6);
	assert_int_equal(vpic_intack(&pic), 0x26);	/* 5,6,7,0,... before 3 */
	assert_int_equal(view().chip[0].lowest, 6);
	out8(0x20, 0x00);	/* rotate in AEOI clear */
	assert_false(view().chip[0].rotate_aeoi);
	assert_int_equal(vpic_intack(&pic), 0x23);
	assert_int_equal(view().chip[0].lowest, 6);
	/* the slave got ICW4 3 too */
	pulse(9);
	assert_int_equal(vpic_intack(&pic), 0x29);
	assert_int_equal(view().chip[0].isr, 0);
	assert_int_equal(view().chip[1].isr, 0);
}

/* ---- cascade ---- */

static void test_cascade(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	vpic_set_irq(&pic, 10, true);
	v = view();
	assert_int_equal(v.chip[1].irr, 0x04);
	assert_int_equal(v.chip[0].irr, 0x04);	/* the slave's INT on IR2 */
	assert_true(v.out);
	assert_int_equal(vpic_intack(&pic), 0x2a);
	v = view();
	assert_int_equal(v.chip[0].isr, 0x04);
	assert_int_equal(v.chip[1].isr, 0x04);
	assert_int_equal(v.chip[1].irr, 0);
	assert_int_equal(v.chip[0].irr, 0);
	assert_int_equal(v.counts[10], 1);
	assert_int_equal(v.counts[2], 0);
	/* master IRQ 1 outranks IR2 in service, IRQ 3 does not */
	pulse(3);
	assert_false(vpic_output(&pic));
	pulse(1);
	assert_int_equal(vpic_intack(&pic), 0x21);
	out8(0x20, 0x20);
	/* slave IRQ 8 outranks 10 in the slave, but master IR2 is in service */
	pulse(8);
	assert_int_equal(view().chip[0].irr, 0x0c);
	assert_false(vpic_output(&pic));
	/* EOI to the slave, then to the master: 8 goes next (before 3) */
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	assert_int_equal(view().chip[0].isr, 0);
	assert_int_equal(view().chip[1].isr, 0);
	assert_int_equal(vpic_intack(&pic), 0x28);
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x23);
	out8(0x20, 0x20);
	assert_false(vpic_output(&pic));
	/* IRQ 15 */
	pulse(15);
	assert_int_equal(vpic_intack(&pic), 0x2f);
	assert_int_equal(view().counts[15], 1);
	assert_int_equal(view().spurious, 0);
	assert_int_equal(view().chip[1].isr, 0x80);
}

static void test_sfnm(void **state)
{
	(void)state;
	linux_init(0x11);	/* 8086, SFNM */
	assert_true(view().chip[0].sfnm);
	pulse(12);
	assert_int_equal(vpic_intack(&pic), 0x2c);
	/* a higher slave request gets through IR2 in service */
	pulse(9);
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x29);
	assert_int_equal(view().chip[1].isr, 0x12);
	/* a lower one does not: the slave itself blocks it */
	pulse(14);
	assert_false(vpic_output(&pic));
	/* without SFNM the same nesting is refused */
	linux_init(0x01);
	pulse(12);
	assert_int_equal(vpic_intack(&pic), 0x2c);
	pulse(9);
	assert_false(vpic_output(&pic));
}

/* ---- poll and status reads ---- */

static void test_poll(void **state)
{
	(void)state;
	linux_init(0x01);
	out8(0x21, 0xff);	/* polling guests mask everything */
	out8(0x20, 0x0c);	/* OCW3 poll */
	assert_int_equal(in8(0x20), 0x00);	/* nothing pending (masked counts as none) */
	out8(0x21, 0x00);
	vpic_set_irq(&pic, 6, true);
	pulse(4);
	out8(0x20, 0x0c);
	assert_int_equal(in8(0x20), 0x84);
	assert_int_equal(view().chip[0].isr, 0x10);	/* acknowledged like INTA */
	assert_int_equal(view().chip[0].irr, 0x40);
	assert_int_equal(view().counts[4], 0);	/* INTA cycles only */
	assert_int_equal(in8(0x20), 0x40);	/* poll is one-shot: IRR again */
	out8(0x20, 0x20);
	out8(0x20, 0x0c);
	assert_int_equal(in8(0x21), 0x86);	/* the next RD pulse, either port */
	assert_int_equal(in8(0x21), 0x00);	/* IMR again */
	out8(0x20, 0x20);
	/* poll takes precedence over a read register command in the same OCW3 */
	pulse(5);
	out8(0x20, 0x0f);
	assert_int_equal(in8(0x20), 0x85);
	assert_int_equal(in8(0x20), 0x20);	/* ISR selected */
	out8(0x20, 0x20);
	/* polling the master for a slave request returns 2, slave untouched */
	pulse(11);
	out8(0x20, 0x0c);
	assert_int_equal(in8(0x20), 0x82);
	assert_int_equal(view().chip[1].isr, 0);
	out8(0xa0, 0x0c);
	assert_int_equal(in8(0xa0), 0x83);
	assert_int_equal(view().chip[1].isr, 0x08);
}

static void test_read_irr_isr(void **state)
{
	(void)state;
	linux_init(0x01);
	pulse(3);
	pulse(5);
	pulse(13);
	assert_int_equal(read_irr(0x20), 0x2c);
	assert_int_equal(read_irr(0xa0), 0x20);
	assert_int_equal(read_isr(0x20), 0);
	assert_int_equal(vpic_intack(&pic), 0x2d);	/* IR2 outranks 3 and 5 */
	assert_int_equal(in8(0x20), 0x04);	/* ISR stays selected */
	assert_int_equal(in8(0xa0), 0x00);	/* the slave's selection is its own: IRR */
	assert_int_equal(read_isr(0xa0), 0x20);
	assert_int_equal(read_irr(0x20), 0x28);
	assert_int_equal(in8(0x20), 0x28);
	out8(0x20, 0x09);	/* RR clear: selection unchanged */
	assert_int_equal(in8(0x20), 0x28);
	assert_int_equal(in8(0x21), 0x00);	/* data port: IMR */
	out8(0xa1, 0x5a);
	assert_int_equal(in8(0xa1), 0x5a);
}

static void test_special_mask(void **state)
{
	(void)state;
	linux_init(0x01);
	pulse(3);
	assert_int_equal(vpic_intack(&pic), 0x23);
	pulse(5);
	assert_false(vpic_output(&pic));	/* 3 in service blocks 5 */
	/* the handler masks its own level and enters special mask mode */
	out8(0x21, 0x08);
	out8(0x20, 0x68);
	assert_true(view().chip[0].special_mask);
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x25);
	assert_int_equal(view().chip[0].isr, 0x28);
	/* a non-specific EOI skips the masked level 3 and clears 5 */
	out8(0x20, 0x20);
	assert_int_equal(view().chip[0].isr, 0x08);
	/* still masked: an IRQ 3 request does not come through */
	pulse(3);
	assert_false(vpic_output(&pic));
	/* ESMM without SMM leaves it; ESMM=0 changes nothing */
	out8(0x20, 0x28);
	assert_true(view().chip[0].special_mask);
	out8(0x20, 0x48);	/* reset special mask */
	assert_false(view().chip[0].special_mask);
	out8(0x21, 0x00);
	pulse(6);
	assert_false(vpic_output(&pic));	/* 3 in service blocks 3 and 6 again */
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x23);
}

/* ---- spurious ---- */

static void test_spurious_master(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	pulse(1);
	assert_int_equal(vpic_intack(&pic), 0x21);
	/* a request that vanishes (masked) before the INTA */
	pulse(0);
	assert_true(vpic_output(&pic));
	out8(0x21, 0x01);
	assert_int_equal(vpic_intack(&pic), 0x27);
	v = view();
	assert_int_equal(v.spurious, 1);
	assert_int_equal(v.counts[7], 0);
	assert_int_equal(v.chip[0].isr, 0x02);	/* unchanged */
	assert_int_equal(v.chip[0].irr, 0x01);
	/* with nothing at all */
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x27);
	assert_int_equal(view().spurious, 2);
	assert_int_equal(view().chip[0].isr, 0);
}

static void test_spurious_slave(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	pulse(10);
	assert_true(vpic_output(&pic));
	out8(0xa1, 0x04);	/* masked in the slave; master IR2 stays latched */
	assert_int_equal(view().chip[0].irr, 0x04);
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x2f);
	v = view();
	assert_int_equal(v.spurious, 1);
	assert_int_equal(v.counts[15], 0);
	assert_int_equal(v.chip[1].isr, 0);
	assert_int_equal(v.chip[1].irr, 0x04);
	assert_int_equal(v.chip[0].isr, 0x04);	/* the master took IR2: Linux EOIs it */
	assert_false(v.out);
	out8(0x20, 0x20);
	assert_int_equal(view().chip[0].isr, 0);
	/* with LTIM on the master, IR2 follows the slave: no stale request */
	out8(0x20, 0x19);
	out8(0x21, 0x20);
	out8(0x21, 0x04);
	out8(0x21, 0x01);
	out8(0xa1, 0x00);
	assert_int_equal(view().chip[0].irr, 0x04);
	out8(0xa1, 0x04);
	assert_int_equal(view().chip[0].irr, 0);
	assert_false(vpic_output(&pic));
}

/* ---- level mode ---- */

static void test_level_elcr(void **state)
{
	(void)state;
	linux_init(0x01);
	out8(0x4d1, 0x02);	/* IRQ 9 level (ACPI SCI) */
	assert_int_equal(in8(0x4d1), 0x02);
	vpic_set_irq(&pic, 9, true);
	assert_int_equal(view().chip[1].irr, 0x02);
	vpic_set_irq(&pic, 9, false);	/* IRR follows the level */
	assert_int_equal(view().chip[1].irr, 0);
	/* the master's IR2 is edge-triggered and latched the slave's INT: the
	 * INTA finds nothing in the slave, spurious IRQ 15 (vpic.h) */
	assert_true(vpic_output(&pic));
	assert_int_equal(vpic_intack(&pic), 0x2f);
	out8(0x20, 0x20);
	assert_false(vpic_output(&pic));
	vpic_set_irq(&pic, 9, true);
	assert_int_equal(vpic_intack(&pic), 0x29);
	assert_int_equal(view().chip[1].irr, 0x02);	/* still high: still requested */
	assert_int_equal(view().chip[1].isr, 0x02);
	assert_false(vpic_output(&pic));	/* but in service */
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	assert_true(vpic_output(&pic));	/* the device did not lower it: again */
	assert_int_equal(vpic_intack(&pic), 0x29);
	vpic_set_irq(&pic, 9, false);	/* the handler quiets the device */
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	assert_false(vpic_output(&pic));
	assert_int_equal(view().counts[9], 2);
	/* switching a high line to level mode requests at once */
	vpic_set_irq(&pic, 11, true);
	assert_int_equal(vpic_intack(&pic), 0x2b);
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	assert_false(vpic_output(&pic));
	out8(0x4d1, 0x0a);
	assert_true(vpic_output(&pic));
	/* and back to edge: the request stays latched */
	out8(0x4d1, 0x02);
	vpic_set_irq(&pic, 11, false);
	assert_int_equal(view().chip[1].irr, 0x08);
}

static void test_level_ltim(void **state)
{
	(void)state;
	out8(0x20, 0x19);	/* LTIM */
	out8(0x21, 0x20);
	out8(0x21, 0x04);
	out8(0x21, 0x01);
	out8(0x21, 0x00);
	assert_true(view().chip[0].level_mode);
	vpic_set_irq(&pic, 1, true);
	assert_true(vpic_output(&pic));
	vpic_set_irq(&pic, 1, false);
	assert_false(vpic_output(&pic));	/* level: gone with the line */
	assert_int_equal(view().chip[0].irr, 0);
	vpic_set_irq(&pic, 1, true);
	assert_int_equal(vpic_intack(&pic), 0x21);
	assert_int_equal(view().chip[0].irr, 0x02);
	out8(0x20, 0x20);
	assert_int_equal(vpic_intack(&pic), 0x21);
	/* IRQ 0 has no ELCR bit, but LTIM applies to it too */
	vpic_set_irq(&pic, 0, true);
	vpic_set_irq(&pic, 0, false);
	assert_int_equal(view().chip[0].irr & 1, 0);
	assert_int_equal(view().chip[0].elcr, 0);
}

static void test_elcr_reserved(void **state)
{
	(void)state;
	out8(0x4d0, 0xff);
	out8(0x4d1, 0xff);
	assert_int_equal(in8(0x4d0), 0xf8);
	assert_int_equal(in8(0x4d1), 0xde);
	assert_int_equal(view().chip[0].elcr, 0xf8);
	assert_int_equal(view().chip[1].elcr, 0xde);
	out8(0x4d0, 0x07);
	assert_int_equal(in8(0x4d0), 0);
	/* IRQ 0 stays edge whatever was written */
	linux_init(0x01);
	out8(0x4d0, 0xff);
	vpic_set_irq(&pic, 0, true);
	vpic_set_irq(&pic, 0, false);
	assert_int_equal(vpic_intack(&pic), 0x20);
}

/* ---- the bus side ---- */

static void test_wide_access(void **state)
{
	struct bus_req r = { .addr = 0x20, .size = 2 };

	(void)state;
	linux_init(0x01);
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_int_equal(r.val, 0xffff);
	r = (struct bus_req){ .addr = 0x4d0, .size = 2, .write = true, .val = 0xffff };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_int_equal(in8(0x4d0), 0);
	r = (struct bus_req){ .addr = 0xa0, .size = 4, .write = true, .val = 0x11 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_true(view().chip[1].initialized);
	r = (struct bus_req){ .addr = 0x22, .size = 1 };	/* not ours */
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	/* a second vpic on the same bus is refused, by name */
	assert_int_equal(vpic_attach(&pic, &bus, err, sizeof(err)), -1);
	assert_string_equal(err, "pic1: ports 0x20-0x21 overlap pic1 at 0x20-0x21");
	assert_int_equal(bus.nr_ranges, 3);
}

/* ---- output and reset ---- */

static void test_output_callback(void **state)
{
	(void)state;
	linux_init(0x01);
	assert_int_equal(rec.n, 0);
	vpic_set_irq(&pic, 3, true);
	assert_int_equal(rec.n, 1);
	assert_true(rec.level[0]);
	vpic_set_irq(&pic, 4, true);	/* already high: no call */
	pulse(10);
	read_irr(0x20);
	assert_int_equal(rec.n, 1);
	assert_int_equal(vpic_intack(&pic), 0x2a);	/* IR2 first */
	assert_int_equal(rec.n, 2);	/* 3 and 4 wait behind IR2 in service */
	assert_false(rec.level[1]);
	out8(0x21, 0xff);	/* masking while low: no call */
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	assert_int_equal(rec.n, 2);
	out8(0x21, 0x00);	/* 3 and 4 pending again */
	assert_int_equal(rec.n, 3);
	assert_true(rec.level[2]);
	out8(0x21, 0x18);
	assert_int_equal(rec.n, 4);
	assert_false(rec.level[3]);
	out8(0x21, 0x10);	/* 3 alone */
	assert_int_equal(rec.n, 5);
	assert_int_equal(vpic_intack(&pic), 0x23);
	assert_int_equal(rec.n, 6);
	assert_false(rec.level[5]);
	for (int i = 0; i < rec.n; i++)
		assert_true(i == 0 || rec.level[i] != rec.level[i - 1]);
	/* a NULL callback is allowed */
	vpic_init(&pic, NULL, NULL);
	linux_init(0x01);
	pulse(1);
	assert_true(vpic_output(&pic));
	assert_int_equal(rec.n, 6);
}

static void test_reset(void **state)
{
	struct vpic_view v;

	(void)state;
	linux_init(0x01);
	out8(0x4d1, 0x02);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(vpic_intack(&pic), 0x25);
	vpic_set_irq(&pic, 9, true);
	assert_true(vpic_output(&pic));	/* 9, via IR2 above 5 */
	assert_int_equal(rec.n, 3);
	vpic_reset(&pic);
	assert_int_equal(rec.n, 4);
	assert_false(rec.level[3]);
	v = view();
	for (int i = 0; i < 2; i++) {
		assert_false(v.chip[i].initialized);
		assert_int_equal(v.chip[i].imr, 0xff);
		assert_int_equal(v.chip[i].isr, 0);
		assert_int_equal(v.chip[i].irr, 0);
		assert_int_equal(v.chip[i].elcr, 0);
		assert_int_equal(v.chip[i].vector_base, 0);
		assert_int_equal(v.chip[i].lowest, 7);
	}
	assert_int_equal(v.chip[1].lines, 0x02);	/* input levels kept */
	assert_int_equal(v.chip[0].lines, 0x20);
	assert_int_equal(v.counts[5], 1);
	assert_false(v.out);
	/* a line kept high needs a new edge after reset */
	linux_init(0x01);
	assert_false(vpic_output(&pic));
	vpic_set_irq(&pic, 5, false);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(vpic_intack(&pic), 0x25);
	/* reset with nothing to drop: no call */
	rec.n = 0;
	vpic_reset(&pic);
	assert_int_equal(rec.n, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_on),
		T(test_init_linux),
		T(test_init_short_sequences),
		T(test_icw1_resets),
		T(test_ocw_during_init),
		T(test_masking),
		T(test_edge_inta),
		T(test_set_irq_ignored),
		T(test_eoi),
		T(test_priority_fixed),
		T(test_rotation),
		T(test_aeoi),
		T(test_cascade),
		T(test_sfnm),
		T(test_poll),
		T(test_read_irr_isr),
		T(test_special_mask),
		T(test_spurious_master),
		T(test_spurious_slave),
		T(test_level_elcr),
		T(test_level_ltim),
		T(test_elcr_reserved),
		T(test_wide_access),
		T(test_output_callback),
		T(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
