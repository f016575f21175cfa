/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vioapic.c, through the MMIO bus as a guest
 * sees it: the ID, version and arbitration registers, REGSEL, redirection
 * entries and their read-only and reserved bits, edge and level pins,
 * polarity, remote IRR and EOI (broadcast and the EOI register), message
 * fields (destination, broadcast widening, delivery modes), accesses the
 * IOAPIC does not decode, reset, the console view and describe(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vioapic.h"

#define MAX_MSGS 64

static struct bus bus;
static struct vioapic io;
static struct vlapic_msg msgs[MAX_MSGS];
static int nmsgs;
static char err[128];

static void send(void *ctx, const struct vlapic_msg *m)
{
	assert_ptr_equal(ctx, &io);
	assert_true(io.lock.locked);	/* called with the lock held */
	assert_true(nmsgs < MAX_MSGS);
	msgs[nmsgs++] = *m;
}

static int setup(void **state)
{
	(void)state;
	nmsgs = 0;
	memset(msgs, 0, sizeof(msgs));
	bus_init(&bus, NULL);
	vioapic_init(&io, 5, send, &io);
	assert_int_equal(vioapic_attach(&io, &bus, err, sizeof(err)), 0);
	return 0;
}

static uint64_t mmio(uint64_t off, unsigned size, bool write, uint64_t val)
{
	struct bus_req r = { .addr = VIOAPIC_BASE + off, .size = size, .write = write,
			     .val = val };

	assert_int_equal(bus_access(&bus, BUS_MMIO, &r), BUS_OK);
	return r.val;
}

static uint32_t rd(unsigned idx)
{
	mmio(IOAPIC_REGSEL, 4, true, idx);
	return (uint32_t)mmio(IOAPIC_WIN, 4, false, 0xdeadbeef);
}

static void wr(unsigned idx, uint32_t v)
{
	mmio(IOAPIC_REGSEL, 4, true, idx);
	mmio(IOAPIC_WIN, 4, true, v);
}

static uint64_t rte_rd(unsigned pin)
{
	uint32_t lo = rd(IOAPIC_REG_RTE + 2 * pin);

	return (uint64_t)rd(IOAPIC_REG_RTE + 2 * pin + 1) << 32 | lo;
}

/* As Linux does: high dword first, then low. */
static void rte_wr(unsigned pin, uint64_t v)
{
	wr(IOAPIC_REG_RTE + 2 * pin + 1, (uint32_t)(v >> 32));
	wr(IOAPIC_REG_RTE + 2 * pin, (uint32_t)v);
}

static uint64_t dest(uint8_t d)
{
	return (uint64_t)d << IOAPIC_RTE_DEST_SHIFT;
}

static uint64_t dm(unsigned mode)
{
	return (uint64_t)mode << IOAPIC_RTE_DM_SHIFT;
}

#define LEVEL IOAPIC_RTE_LEVEL
#define LOW   IOAPIC_RTE_POLARITY_LOW
#define RIRR  IOAPIC_RTE_REMOTE_IRR

/* ---- registers ---- */

static void test_id_version(void **state)
{
	(void)state;
	assert_int_equal(rd(IOAPIC_REG_ID), 0x05000000);
	assert_int_equal(rd(IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(rd(IOAPIC_REG_ARB), 0x05000000);
	wr(IOAPIC_REG_ID, 0xffffffff);	/* only bits 27:24 stick */
	assert_int_equal(rd(IOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(rd(IOAPIC_REG_ARB), 0x0f000000);
	wr(IOAPIC_REG_ID, 0x02000000);
	assert_int_equal(rd(IOAPIC_REG_ID), 0x02000000);
	wr(IOAPIC_REG_VER, 0);		/* read-only */
	wr(IOAPIC_REG_ARB, 0);
	assert_int_equal(rd(IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(rd(IOAPIC_REG_ARB), 0x02000000);
	/* indexes without a register: read 0, writes change nothing */
	for (unsigned idx = 0x03; idx <= 0xff; idx++) {
		if (idx >= IOAPIC_REG_RTE && idx < IOAPIC_REG_RTE + 2 * VIOAPIC_PINS)
			continue;
		wr(idx, 0xffffffff);
		assert_int_equal(rd(idx), 0);
	}
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(rte_rd(pin), IOAPIC_RTE_MASKED);
	assert_int_equal(rd(IOAPIC_REG_ID), 0x02000000);
}

static void test_init_id_truncated(void **state)
{
	(void)state;
	vioapic_init(&io, 0x1a, send, &io);
	assert_int_equal(rd(IOAPIC_REG_ID), 0x0a000000);
}

static void test_regsel(void **state)
{
	(void)state;
	assert_int_equal(mmio(IOAPIC_REGSEL, 4, false, 0), 0);
	mmio(IOAPIC_REGSEL, 4, true, 0x12345678);
	assert_int_equal(mmio(IOAPIC_REGSEL, 4, false, 0), 0x78);
	/* 0x78: nothing there, and the window must not reach past the table */
	assert_int_equal(mmio(IOAPIC_WIN, 4, false, 0), 0);
	mmio(IOAPIC_REGSEL, 4, true, 0x111);	/* index 0x11: entry 0 high */
	assert_int_equal(mmio(IOAPIC_REGSEL, 4, false, 0), 0x11);
	mmio(IOAPIC_WIN, 4, true, 0xab000000);
	assert_int_equal(rte_rd(0), dest(0xab) | IOAPIC_RTE_MASKED);
}

static void test_rte_round_trip(void **state)
{
	(void)state;
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		rte_wr(pin, dest((uint8_t)(pin + 1)) | IOAPIC_RTE_MASKED | (0x20 + pin));
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(rte_rd(pin), dest((uint8_t)(pin + 1)) | IOAPIC_RTE_MASKED |
					      (0x20 + pin));
	/* all ones: reserved 55:17 and read-only 12/14 read 0 (pin low, so
	 * the masked level entry does not send either) */
	wr(IOAPIC_REG_RTE + 2 * 3, 0xffffffff);
	wr(IOAPIC_REG_RTE + 2 * 3 + 1, 0xffffffff);
	assert_int_equal(rte_rd(3), 0xff0000000001afffull);
	assert_int_equal(nmsgs, 0);
	/* remote IRR set by the model survives a write that clears bit 14 */
	rte_wr(3, LEVEL | 0x40);
	vioapic_set_irq(&io, 3, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(rte_rd(3), LEVEL | RIRR | 0x40);
	wr(IOAPIC_REG_RTE + 2 * 3, (uint32_t)(LEVEL | 0x41));
	assert_int_equal(rte_rd(3), LEVEL | RIRR | 0x41);
	vioapic_eoi(&io, 0x41);
	assert_int_equal(nmsgs, 2);	/* the EOI found it still asserted */
	vioapic_set_irq(&io, 3, false);
	vioapic_eoi(&io, 0x41);
	assert_int_equal(rte_rd(3), LEVEL | 0x41);
	/* writing bits 14 and 12 sets neither */
	wr(IOAPIC_REG_RTE + 2 * 3, (uint32_t)(LEVEL | RIRR | IOAPIC_RTE_DELIVS | 0x41));
	assert_int_equal(rte_rd(3), LEVEL | 0x41);
}

/* ---- edge pins ---- */

static void test_edge(void **state)
{
	(void)state;
	rte_wr(4, dest(1) | 0x30);
	assert_int_equal(nmsgs, 0);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x30);
	assert_int_equal(msgs[0].dest, 1);
	assert_int_equal(msgs[0].mode, VLAPIC_DM_FIXED);
	assert_int_equal(msgs[0].shorthand, VLAPIC_SH_NONE);
	assert_false(msgs[0].logical);
	assert_false(msgs[0].level);
	assert_true(msgs[0].assert_);
	vioapic_set_irq(&io, 4, true);	/* no change: no edge */
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 4, false);	/* falling edge */
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(rte_rd(4) & (RIRR | IOAPIC_RTE_DELIVS), 0);
	/* edges while masked are lost, and unmasking does not replay them */
	vioapic_set_irq(&io, 4, false);
	rte_wr(4, dest(1) | IOAPIC_RTE_MASKED | 0x30);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 2);
	rte_wr(4, dest(1) | 0x30);
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 4, false);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 3);
	assert_int_equal(io.counts[4], 3);
	/* other pins untouched; pins past the table ignored */
	vioapic_set_irq(&io, VIOAPIC_PINS, true);
	vioapic_set_irq(&io, ~0u, true);
	assert_int_equal(nmsgs, 3);
	assert_int_equal(io.level, 1u << 4);
}

static void test_polarity_low(void **state)
{
	struct vioapic_view v;

	(void)state;
	/* an active-low pin idles high */
	rte_wr(7, dest(2) | LOW | 0x31);
	vioapic_view(&io, &v);
	assert_int_equal(v.asserted, 1u << 7);	/* the line is low: asserted */
	assert_int_equal(nmsgs, 0);		/* an entry write is no edge */
	vioapic_set_irq(&io, 7, true);		/* deassert */
	assert_int_equal(nmsgs, 0);
	vioapic_set_irq(&io, 7, false);		/* falling line = asserting edge */
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x31);
	/* level, active low */
	rte_wr(8, dest(2) | LOW | LEVEL | 0x32);	/* line low: asserted now */
	assert_int_equal(nmsgs, 2);
	assert_true(msgs[1].level);
	vioapic_set_irq(&io, 8, true);
	vioapic_eoi(&io, 0x32);
	assert_int_equal(nmsgs, 2);		/* deasserted at the EOI */
	vioapic_set_irq(&io, 8, false);
	assert_int_equal(nmsgs, 3);
}

/* ---- level pins ---- */

static void test_level(void **state)
{
	(void)state;
	rte_wr(9, dest(1) | LEVEL | 0x40);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nmsgs, 1);
	assert_true(msgs[0].level);
	assert_true(msgs[0].assert_);
	assert_int_equal(msgs[0].vector, 0x40);
	assert_true(rte_rd(9) & RIRR);
	/* no storm: nothing until an EOI */
	vioapic_set_irq(&io, 9, false);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nmsgs, 1);
	vioapic_eoi(&io, 0x41);		/* another vector */
	assert_int_equal(nmsgs, 1);
	assert_true(rte_rd(9) & RIRR);
	vioapic_eoi(&io, 0x40);		/* still asserted: sends again */
	assert_int_equal(nmsgs, 2);
	assert_true(msgs[1].level);
	assert_true(rte_rd(9) & RIRR);
	vioapic_set_irq(&io, 9, false);	/* deasserted: no message */
	assert_int_equal(nmsgs, 2);
	vioapic_eoi(&io, 0x40);
	assert_int_equal(nmsgs, 2);
	assert_false(rte_rd(9) & RIRR);
	vioapic_eoi(&io, 0x40);		/* a second EOI: nothing to clear */
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nmsgs, 3);
	assert_int_equal(io.counts[9], 3);
}

static void test_level_unmask(void **state)
{
	(void)state;
	rte_wr(10, dest(1) | LEVEL | IOAPIC_RTE_MASKED | 0x50);
	vioapic_set_irq(&io, 10, true);
	assert_int_equal(nmsgs, 0);
	assert_false(rte_rd(10) & RIRR);
	wr(IOAPIC_REG_RTE + 2 * 10, (uint32_t)(LEVEL | 0x50));	/* unmask */
	assert_int_equal(nmsgs, 1);
	assert_true(rte_rd(10) & RIRR);
	/* mask, EOI, unmask: the EOI clears remote IRR but a masked pin waits */
	wr(IOAPIC_REG_RTE + 2 * 10, (uint32_t)(LEVEL | IOAPIC_RTE_MASKED | 0x50));
	vioapic_eoi(&io, 0x50);
	assert_int_equal(nmsgs, 1);
	assert_false(rte_rd(10) & RIRR);
	wr(IOAPIC_REG_RTE + 2 * 10, (uint32_t)(LEVEL | 0x50));
	assert_int_equal(nmsgs, 2);
	/* an asserted edge pin made level-triggered sends too */
	rte_wr(11, dest(1) | 0x51);
	vioapic_set_irq(&io, 11, true);
	assert_int_equal(nmsgs, 3);
	assert_false(msgs[2].level);
	rte_wr(11, dest(1) | LEVEL | 0x51);
	assert_int_equal(nmsgs, 4);
	assert_true(msgs[3].level);
}

static void test_edge_write_clears_rirr(void **state)
{
	(void)state;
	rte_wr(12, dest(1) | LEVEL | 0x60);
	vioapic_set_irq(&io, 12, true);
	assert_true(rte_rd(12) & RIRR);
	/* the high dword leaves remote IRR alone */
	wr(IOAPIC_REG_RTE + 2 * 12 + 1, 0x02000000);
	assert_true(rte_rd(12) & RIRR);
	wr(IOAPIC_REG_RTE + 2 * 12, 0x60);	/* edge */
	assert_int_equal(rte_rd(12), dest(2) | 0x60);
	assert_int_equal(nmsgs, 1);
}

static void test_eoi_shared_vector(void **state)
{
	(void)state;
	rte_wr(16, dest(1) | LEVEL | 0x70);
	rte_wr(17, dest(1) | LEVEL | 0x70);
	vioapic_set_irq(&io, 16, true);
	vioapic_set_irq(&io, 17, true);
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 16, false);
	vioapic_eoi(&io, 0x70);		/* both cleared; 17 still asserted */
	assert_false(rte_rd(16) & RIRR);
	assert_true(rte_rd(17) & RIRR);
	assert_int_equal(nmsgs, 3);
	assert_int_equal(io.counts[16], 1);
	assert_int_equal(io.counts[17], 2);
}

static void test_eoi_register(void **state)
{
	(void)state;
	rte_wr(5, dest(1) | LEVEL | 0x45);
	vioapic_set_irq(&io, 5, true);
	assert_int_equal(nmsgs, 1);
	mmio(IOAPIC_EOI, 4, true, 0x46);
	assert_int_equal(nmsgs, 1);
	mmio(IOAPIC_EOI, 4, true, 0xffffff45);	/* bits 31:8 ignored */
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 5, false);
	mmio(IOAPIC_EOI, 4, true, 0x45);
	assert_false(rte_rd(5) & RIRR);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(mmio(IOAPIC_EOI, 4, false, 0), 0);	/* write-only */
	/* the EOI register does not disturb REGSEL */
	mmio(IOAPIC_REGSEL, 4, true, 0x10);
	mmio(IOAPIC_EOI, 4, true, 0x10);
	assert_int_equal(mmio(IOAPIC_REGSEL, 4, false, 0), 0x10);
}

static void test_level_other_modes(void **state)
{
	(void)state;
	/* level-triggered NMI: once per assertion, no remote IRR */
	rte_wr(2, dest(1) | LEVEL | dm(VLAPIC_DM_NMI));
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].mode, VLAPIC_DM_NMI);
	assert_false(msgs[0].level);
	assert_false(rte_rd(2) & RIRR);
	vioapic_set_irq(&io, 2, true);
	vioapic_eoi(&io, 0);
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nmsgs, 2);
}

/* ---- message fields ---- */

static void test_destinations(void **state)
{
	static const struct { uint8_t d; bool logical; uint32_t want; } c[] = {
		{ 0x03, false, 0x03 },
		{ 0xfe, false, 0xfe },
		{ 0xff, false, 0xffffffff },	/* physical broadcast, widened */
		{ 0x0f, true, 0x0f },
		{ 0xff, true, 0xff },		/* logical: all 8 bits as they are */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		nmsgs = 0;
		rte_wr(1, dest(c[i].d) | (c[i].logical ? IOAPIC_RTE_LOGICAL : 0) | 0x80);
		vioapic_set_irq(&io, 1, true);
		vioapic_set_irq(&io, 1, false);
		assert_int_equal(nmsgs, 1);
		assert_int_equal(msgs[0].dest, c[i].want);
		assert_int_equal(msgs[0].logical, c[i].logical);
	}
}

static void test_delivery_modes(void **state)
{
	static const bool sent[8] = { true, true, false, false, true, true, false, true };

	(void)state;
	for (unsigned mode = 0; mode < 8; mode++) {
		nmsgs = 0;
		memset(io.counts, 0, sizeof(io.counts));
		rte_wr(6, dest(1) | dm(mode) | 0x90);
		vioapic_set_irq(&io, 6, true);
		vioapic_set_irq(&io, 6, false);
		assert_int_equal(nmsgs, sent[mode]);
		assert_int_equal(io.counts[6], sent[mode]);
		if (sent[mode]) {
			assert_int_equal(msgs[0].mode, mode);
			assert_int_equal(msgs[0].vector, 0x90);
		}
	}
	/* level SMI and level reserved modes: never sent, no remote IRR */
	nmsgs = 0;
	rte_wr(6, dest(1) | LEVEL | dm(VLAPIC_DM_SMI));
	vioapic_set_irq(&io, 6, true);
	rte_wr(6, dest(1) | LEVEL | dm(3));
	assert_int_equal(nmsgs, 0);
	assert_false(rte_rd(6) & RIRR);
	/* illegal vectors are the vLAPIC's business: sent anyway */
	vioapic_set_irq(&io, 6, false);
	rte_wr(6, dest(1) | 0x05);
	vioapic_set_irq(&io, 6, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x05);
}

/* ---- accesses, reset, view, describe ---- */

static void test_bad_accesses(void **state)
{
	static const struct { uint64_t off; unsigned size; } c[] = {
		{ 0x00, 1 }, { 0x00, 2 }, { 0x00, 8 }, { 0x01, 1 }, { 0x02, 2 }, { 0x01, 4 },
		{ 0x10, 1 }, { 0x10, 2 }, { 0x10, 8 }, { 0x12, 2 }, { 0x14, 4 }, { 0x0c, 8 },
		{ 0x40, 1 }, { 0x40, 8 }, { 0x41, 4 }, { 0x20, 4 }, { 0x30, 4 }, { 0xffc, 4 },
		{ 0xff8, 8 }, { 0xfff, 1 },
	};

	(void)state;
	rte_wr(0, dest(1) | LEVEL | 0x45);
	vioapic_set_irq(&io, 0, true);
	assert_int_equal(nmsgs, 1);
	mmio(IOAPIC_REGSEL, 4, true, IOAPIC_REG_RTE);
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(mmio(c[i].off, c[i].size, false, 0x5a5a), 0);
		mmio(c[i].off, c[i].size, true, 0x45);	/* regsel, entry and EOI unchanged */
		mmio(c[i].off, c[i].size, true, ~0ull);
	}
	assert_int_equal(mmio(IOAPIC_REGSEL, 4, false, 0), IOAPIC_REG_RTE);
	assert_int_equal(rte_rd(0), dest(1) | LEVEL | RIRR | 0x45);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(bus.unassigned, 0);	/* answered, not unassigned */
}

static void test_reset(void **state)
{
	struct vioapic_view v;

	(void)state;
	wr(IOAPIC_REG_ID, 0x0c000000);
	rte_wr(3, dest(1) | LEVEL | 0x33);
	rte_wr(4, dest(1) | 0x34);
	vioapic_set_irq(&io, 3, true);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 2);
	mmio(IOAPIC_REGSEL, 4, true, 0x17);
	vioapic_reset(&io);
	assert_int_equal(mmio(IOAPIC_REGSEL, 4, false, 0), 0);
	assert_int_equal(rd(IOAPIC_REG_ID), 0x05000000);	/* the ID given at init */
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(rte_rd(pin), IOAPIC_RTE_MASKED);
	vioapic_view(&io, &v);
	assert_int_equal(v.level, (1u << 3) | (1u << 4));	/* lines kept */
	assert_int_equal(v.counts[3], 1);
	assert_int_equal(v.counts[4], 1);
	assert_int_equal(nmsgs, 2);
	/* the asserted level pin sends again once unmasked */
	rte_wr(3, dest(1) | LEVEL | 0x33);
	assert_int_equal(nmsgs, 3);
}

static void test_view(void **state)
{
	struct vioapic_view v;

	(void)state;
	rte_wr(1, dest(3) | LEVEL | LOW | 0x21);	/* low line: asserted, sends */
	rte_wr(2, dest(3) | 0x22);
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 20, true);
	vioapic_view(&io, &v);
	assert_int_equal(v.id, 5);
	assert_int_equal(v.version, 0x00170020);
	assert_int_equal(v.level, (1u << 2) | (1u << 20));
	assert_int_equal(v.asserted, (1u << 1) | (1u << 2) | (1u << 20));
	assert_int_equal(v.rte[1], dest(3) | LEVEL | LOW | RIRR | 0x21);
	assert_int_equal(v.rte[20], IOAPIC_RTE_MASKED);
	assert_int_equal(v.counts[1], 1);
	assert_int_equal(v.counts[2], 1);
	assert_int_equal(v.counts[20], 0);
}

static void test_describe(void **state)
{
	char buf[96];

	(void)state;
	vioapic_describe(dest(1) | IOAPIC_RTE_MASKED | 0x30, buf, sizeof(buf));
	assert_string_equal(buf, "vec 0x30 fixed phys dest 0x01 edge high masked");
	vioapic_describe(dest(0xff) | IOAPIC_RTE_LOGICAL | dm(VLAPIC_DM_LOWEST) | LEVEL | LOW |
			 RIRR | 0xef, buf, sizeof(buf));
	assert_string_equal(buf, "vec 0xef lowest logical dest 0xff level low rirr");
	vioapic_describe(dm(VLAPIC_DM_EXTINT), buf, sizeof(buf));
	assert_string_equal(buf, "vec 0x00 extint phys dest 0x00 edge high");
	vioapic_describe(dm(VLAPIC_DM_NMI), buf, sizeof(buf));
	assert_string_equal(buf, "vec 0x00 nmi phys dest 0x00 edge high");
	vioapic_describe(dm(6) | IOAPIC_RTE_MASKED, buf, sizeof(buf));
	assert_string_equal(buf, "vec 0x00 res6 phys dest 0x00 edge high masked");
	memset(buf, 'x', sizeof(buf));
	vioapic_describe(IOAPIC_RTE_MASKED, buf, 8);	/* truncated, NUL included */
	assert_string_equal(buf, "vec 0x0");
	assert_int_equal(buf[8], 'x');
	vioapic_describe(IOAPIC_RTE_MASKED, buf, 0);	/* nothing written */
	assert_int_equal(buf[0], 'v');
}

static void test_attach_twice(void **state)
{
	struct vioapic other;

	(void)state;
	vioapic_init(&other, 1, send, &other);
	assert_int_equal(vioapic_attach(&other, &bus, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ioapic"));
	assert_true(bus_mmio_assigned(&bus, VIOAPIC_BASE, 4));
	assert_true(bus_mmio_assigned(&bus, VIOAPIC_BASE + VIOAPIC_SIZE - 4, 4));
	assert_false(bus_mmio_assigned(&bus, VIOAPIC_BASE + VIOAPIC_SIZE, 4));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_id_version),
		T(test_init_id_truncated),
		T(test_regsel),
		T(test_rte_round_trip),
		T(test_edge),
		T(test_polarity_low),
		T(test_level),
		T(test_level_unmask),
		T(test_edge_write_clears_rirr),
		T(test_eoi_shared_vector),
		T(test_eoi_register),
		T(test_level_other_modes),
		T(test_destinations),
		T(test_delivery_modes),
		T(test_bad_accesses),
		T(test_reset),
		T(test_view),
		T(test_describe),
		T(test_attach_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
