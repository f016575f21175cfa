/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vioapic.c: one IOAPIC on an MMIO bus,
 * driven by a sequence of operations; every message it sends is checked
 * against the entry of the pin that sent it.
 *
 * Input: byte 0 is the IOAPIC ID given to vioapic_init; then 6-byte ops
 * until the input ends (at most 1024): { k, a, v0..v3 }, v = v0..v3 little
 * endian. k % 8 is the operation:
 *   0 MMIO write, 1 MMIO read: offset REGSEL, WIN, EOI or (k & 0x20) any
 *     offset a * 16 + v0 in the page; size 4, or (k & 0x40) 1/2/4/8 by a.
 *   2 a register write through the window: REGSEL = a (k & 0x10: an entry
 *     dword, 0x10 + a % 48), WIN = v.
 *   3 vioapic_set_irq(a % 26, v0 & 1): pins 24 and 25 do not exist.
 *   4 an EOI: vector v0, or (k & 0x10) pin a % 24's vector; through the
 *     EOI register (k & 0x20) or vioapic_eoi.
 *   5 vioapic_reset.
 *   6 vioapic_describe(v and a spread over 64 bits, a % 72 bytes).
 *   7 a whole entry for pin a % 24 with a chosen vector, mode, trigger,
 *     polarity and mask (k & 0x10: masked), to reach level states often.
 *
 * Checked on every message (send runs with the lock held, so the counts
 * show which pin sent it: exactly one count moved, by one): the mode is
 * not SMI or reserved (2, 3, 6); vector, mode, destination mode and
 * destination (physical 0xFF widened to 0xFFFFFFFF) are the pin's entry's;
 * shorthand none, assert_ set; a pin sends at most once per op; a level
 * message comes from a level pin (fixed/lowest) that now has remote IRR
 * set, whose remote IRR was clear when the op began or the op was an EOI
 * of its vector; an edge message comes only from vioapic_set_irq of that
 * pin as it became asserted, unmasked.
 * Checked after every op: counts moved exactly as messages were seen;
 * for each pin, reserved bits 55:17 and delivery status read 0, an edge
 * entry has remote IRR clear, a level pin that is asserted and unmasked
 * has remote IRR set (no lost interrupt), remote IRR newly set on a level
 * pin means it sent; an edge pin's assertion by set_irq while unmasked
 * sent; REGSEL <= 0xff; the ID only has bits 27:24; level only has pins
 * 0-23. Window reads: ID/arbitration within bits 27:24, the version
 * constant, entries with reserved and delivery-status bits 0, anything
 * else 0. Undecoded accesses read 0 and change nothing. The view agrees
 * with the device; describe() stays inside its buffer and terminates it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vioapic.h"
#include "tests/common/check.h"

#define MAX_OPS 1024
#define OP_SIZE 6
#define RTE_HI_RESERVED 0x00ffffffu	/* bits 55:32 in the high dword */

static struct bus bus;
static struct vioapic io;

/* the op in progress, for the send callback */
static struct {
	int irq_pin;		/* set_irq: the pin, else -1 */
	bool irq_was;		/* set_irq: asserted before */
	int eoi_vector;		/* EOI: the vector, else -1 */
	uint64_t rte0[VIOAPIC_PINS];	/* entries when the op began */
	uint32_t sent[VIOAPIC_PINS];	/* messages per pin in this op */
} cur;
static uint32_t seen[VIOAPIC_PINS];	/* counts as attributed to messages */

static bool level_pin(uint64_t rte)
{
	unsigned m = (unsigned)((rte & IOAPIC_RTE_DM) >> IOAPIC_RTE_DM_SHIFT);

	return (rte & IOAPIC_RTE_LEVEL) && (m == VLAPIC_DM_FIXED || m == VLAPIC_DM_LOWEST);
}

static bool asserted(unsigned pin)
{
	return !!(io.level & (1u << pin)) != !!(io.rte[pin] & IOAPIC_RTE_POLARITY_LOW);
}

static void send(void *ctx, const struct vlapic_msg *m)
{
	uint64_t rte;
	uint32_t want_dest;
	int pin = -1;

	CHECK(ctx == &io);
	CHECK(io.lock.locked);
	for (unsigned i = 0; i < VIOAPIC_PINS; i++) {
		if (io.counts[i] == seen[i])
			continue;
		CHECK(pin < 0 && io.counts[i] == seen[i] + 1);
		pin = (int)i;
	}
	CHECK(pin >= 0);
	seen[pin]++;
	CHECK(++cur.sent[pin] == 1);
	rte = io.rte[pin];

	CHECK(m->mode != VLAPIC_DM_SMI && m->mode != 3 && m->mode != VLAPIC_DM_STARTUP);
	CHECK(m->mode == ((rte & IOAPIC_RTE_DM) >> IOAPIC_RTE_DM_SHIFT));
	CHECK(m->vector == (rte & IOAPIC_RTE_VECTOR));
	CHECK(m->logical == !!(rte & IOAPIC_RTE_LOGICAL));
	want_dest = (uint32_t)(rte >> IOAPIC_RTE_DEST_SHIFT);
	if (!m->logical && want_dest == 0xff)
		want_dest = 0xffffffffu;
	CHECK(m->dest == want_dest);
	CHECK(m->shorthand == VLAPIC_SH_NONE && m->assert_);
	CHECK(!(rte & IOAPIC_RTE_MASKED) && asserted((unsigned)pin));
	if (m->level) {
		CHECK(level_pin(rte) && (rte & IOAPIC_RTE_REMOTE_IRR));
		CHECK(!(cur.rte0[pin] & IOAPIC_RTE_REMOTE_IRR) || cur.eoi_vector == m->vector);
	} else {
		CHECK(!level_pin(rte));
		CHECK(cur.irq_pin == pin && !cur.irq_was);
	}
}

static void check_state(void)
{
	struct vioapic_view v;
	uint32_t want_asserted = 0;

	CHECK(io.regsel <= 0xff);
	CHECK((io.id & ~IOAPIC_ID_MASK) == 0);
	CHECK((io.level >> VIOAPIC_PINS) == 0);
	for (unsigned i = 0; i < VIOAPIC_PINS; i++) {
		uint64_t rte = io.rte[i];

		CHECK(io.counts[i] == seen[i]);
		CHECK((rte & (IOAPIC_RTE_RESERVED | IOAPIC_RTE_DELIVS)) == 0);
		CHECK((rte & IOAPIC_RTE_LEVEL) || !(rte & IOAPIC_RTE_REMOTE_IRR));
		if (level_pin(rte) && asserted(i) && !(rte & IOAPIC_RTE_MASKED))
			CHECK(rte & IOAPIC_RTE_REMOTE_IRR);
		if (level_pin(rte) && (rte & IOAPIC_RTE_REMOTE_IRR) &&
		    !(cur.rte0[i] & IOAPIC_RTE_REMOTE_IRR))
			CHECK(cur.sent[i] == 1);
		if (asserted(i))
			want_asserted |= 1u << i;
	}
	if (cur.irq_pin >= 0) {
		unsigned p = (unsigned)cur.irq_pin;
		uint64_t rte = io.rte[p];
		unsigned m = (unsigned)((rte & IOAPIC_RTE_DM) >> IOAPIC_RTE_DM_SHIFT);
		bool sendable = m != VLAPIC_DM_SMI && m != 3 && m != VLAPIC_DM_STARTUP;

		if (!level_pin(rte) && sendable && !cur.irq_was && asserted(p) &&
		    !(rte & IOAPIC_RTE_MASKED))
			CHECK(cur.sent[p] == 1);
	}
	vioapic_view(&io, &v);
	CHECK(v.id == io.id >> IOAPIC_ID_SHIFT && v.version == IOAPIC_VER_VALUE);
	CHECK(v.level == io.level && v.asserted == want_asserted);
	CHECK(memcmp(v.rte, io.rte, sizeof(v.rte)) == 0);
	CHECK(memcmp(v.counts, io.counts, sizeof(v.counts)) == 0);
}

static uint64_t mmio(uint64_t off, unsigned size, bool write, uint64_t val)
{
	struct bus_req r = { .addr = VIOAPIC_BASE + off, .size = size, .write = write,
			     .val = val };

	CHECK(bus_access(&bus, BUS_MMIO, &r) == BUS_OK);
	return r.val;
}

static void check_win_read(unsigned idx, uint32_t val)
{
	if (idx == IOAPIC_REG_ID || idx == IOAPIC_REG_ARB)
		CHECK(val == io.id);
	else if (idx == IOAPIC_REG_VER)
		CHECK(val == IOAPIC_VER_VALUE);
	else if (idx < IOAPIC_REG_RTE || idx >= IOAPIC_REG_RTE + 2 * VIOAPIC_PINS)
		CHECK(val == 0);
	else if (idx & 1)
		CHECK((val & RTE_HI_RESERVED) == 0);
	else
		CHECK((val & (uint32_t)(IOAPIC_RTE_RESERVED | IOAPIC_RTE_DELIVS)) == 0);
}

static void op_mmio(const uint8_t *op, uint32_t v, bool write)
{
	static const uint64_t regs[4] = { IOAPIC_REGSEL, IOAPIC_WIN, IOAPIC_EOI, IOAPIC_WIN };
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned size = op[0] & 0x40 ? sizes[op[1] & 3] : 4;
	uint64_t off = op[0] & 0x20 ? ((uint64_t)op[1] << 4 | op[2]) & 0xfff
				    : regs[(op[0] >> 3) & 3];
	uint64_t val = op[0] & 0x80 ? ~0ull : v;
	bool decoded, eoi_reg;
	struct vioapic snap;

	if (off > VIOAPIC_SIZE - size)
		off = VIOAPIC_SIZE - size;
	decoded = size == 4 && (off == IOAPIC_REGSEL || off == IOAPIC_WIN || off == IOAPIC_EOI);
	eoi_reg = decoded && write && off == IOAPIC_EOI;
	if (eoi_reg)
		cur.eoi_vector = (uint8_t)val;
	memcpy(&snap, &io, sizeof(snap));
	val = mmio(off, size, write, val);
	if (!decoded) {
		CHECK(write || val == 0);
		CHECK(memcmp(&snap, &io, sizeof(snap)) == 0);
		return;
	}
	if (write)
		return;
	CHECK(val <= 0xffffffffu);
	if (off == IOAPIC_REGSEL)
		CHECK(val == io.regsel);
	else if (off == IOAPIC_EOI)
		CHECK(val == 0);
	else
		check_win_read(io.regsel, (uint32_t)val);
}

static void op_window(const uint8_t *op, uint32_t v)
{
	unsigned idx = op[0] & 0x10 ? IOAPIC_REG_RTE + op[1] % (2 * VIOAPIC_PINS) : op[1];
	uint64_t old = idx >= IOAPIC_REG_RTE && idx < IOAPIC_REG_RTE + 2 * VIOAPIC_PINS
			       ? io.rte[(idx - IOAPIC_REG_RTE) / 2] : 0;

	mmio(IOAPIC_REGSEL, 4, true, idx);
	CHECK(io.regsel == idx);
	mmio(IOAPIC_WIN, 4, true, v);
	check_win_read(idx, (uint32_t)mmio(IOAPIC_WIN, 4, false, 0));
	if (idx >= IOAPIC_REG_RTE && idx < IOAPIC_REG_RTE + 2 * VIOAPIC_PINS) {
		uint64_t rte = io.rte[(idx - IOAPIC_REG_RTE) / 2];
		uint64_t w = IOAPIC_RTE_WRITABLE & (idx & 1 ? ~0ull << 32 : 0xffffffffull);
		uint64_t val = idx & 1 ? (uint64_t)v << 32 : v;

		/* the written bits stick; the other half is untouched */
		CHECK((rte & w) == (val & w));
		CHECK((rte & IOAPIC_RTE_WRITABLE & ~w) == (old & IOAPIC_RTE_WRITABLE & ~w));
	}
}

static void op_entry(const uint8_t *op, uint32_t v)
{
	static const unsigned modes[8] = { 0, 0, 0, 1, 1, 4, 7, 2 };
	unsigned pin = op[1] % VIOAPIC_PINS;
	uint64_t rte = (v & 0xff) | (uint64_t)modes[(v >> 8) & 7] << IOAPIC_RTE_DM_SHIFT |
		       ((v >> 11) & 1 ? IOAPIC_RTE_LOGICAL : 0) |
		       ((v >> 13) & 1 ? IOAPIC_RTE_POLARITY_LOW : 0) |
		       ((v >> 15) & 1 ? IOAPIC_RTE_LEVEL : 0) |
		       (op[0] & 0x10 ? IOAPIC_RTE_MASKED : 0) |
		       (uint64_t)(v >> 24) << IOAPIC_RTE_DEST_SHIFT;

	if (op[0] & 0x20)
		rte = (rte & ~IOAPIC_RTE_VECTOR) | 0x20 | (v & 3);	/* few vectors: shared */
	mmio(IOAPIC_REGSEL, 4, true, IOAPIC_REG_RTE + 2 * pin + 1);
	mmio(IOAPIC_WIN, 4, true, rte >> 32);
	mmio(IOAPIC_REGSEL, 4, true, IOAPIC_REG_RTE + 2 * pin);
	mmio(IOAPIC_WIN, 4, true, (uint32_t)rte);
	CHECK((io.rte[pin] & ~IOAPIC_RTE_REMOTE_IRR) == rte);
}

static void op_describe(const uint8_t *op, uint32_t v)
{
	char buf[80];
	uint64_t rte = (uint64_t)v << 32 | (uint64_t)op[1] << 24 | (v ^ 0x5a5a5a);
	size_t n = op[1] % 72;

	memset(buf, 0x7f, sizeof(buf));
	vioapic_describe(rte, buf, n);
	for (size_t i = n; i < sizeof(buf); i++)
		CHECK(buf[i] == 0x7f);
	if (n)
		CHECK(strnlen(buf, n) < n);
}

static void do_op(const uint8_t *op)
{
	uint32_t v = (uint32_t)op[2] | (uint32_t)op[3] << 8 | (uint32_t)op[4] << 16 |
		     (uint32_t)op[5] << 24;
	unsigned pin;
	uint8_t vec;

	switch (op[0] % 8) {
	case 0:
	case 1:
		op_mmio(op, v, op[0] % 8 == 0);
		break;
	case 2:
		op_window(op, v);
		break;
	case 3:
		pin = op[1] % (VIOAPIC_PINS + 2);
		if (pin < VIOAPIC_PINS) {
			cur.irq_pin = (int)pin;
			cur.irq_was = asserted(pin);
		}
		vioapic_set_irq(&io, pin, op[2] & 1);
		if (pin < VIOAPIC_PINS)
			CHECK(!!(io.level & (1u << pin)) == (op[2] & 1));
		break;
	case 4:
		vec = op[0] & 0x10 ? (uint8_t)io.rte[op[1] % VIOAPIC_PINS] : op[2];
		cur.eoi_vector = vec;
		if (op[0] & 0x20)
			mmio(IOAPIC_EOI, 4, true, (uint32_t)vec | (v & 0xffffff00u));
		else
			vioapic_eoi(&io, vec);
		for (unsigned i = 0; i < VIOAPIC_PINS; i++) {	/* cleared, or sent again */
			uint64_t was = cur.rte0[i], now = io.rte[i];

			if ((now & IOAPIC_RTE_VECTOR) == vec && (was & IOAPIC_RTE_REMOTE_IRR) &&
			    (now & IOAPIC_RTE_REMOTE_IRR))
				CHECK(cur.sent[i] == 1);
		}
		break;
	case 5:
		vioapic_reset(&io);
		for (unsigned i = 0; i < VIOAPIC_PINS; i++)
			CHECK(io.rte[i] == IOAPIC_RTE_MASKED);
		CHECK(io.regsel == 0 && io.id == io.init_id);
		break;
	case 6:
		op_describe(op, v);
		break;
	default:
		op_entry(op, v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bus_init(&bus, NULL);
	memset(&io, 0xa5, sizeof(io));	/* init must not rely on zeroes */
	vioapic_init(&io, data[0], send, &io);
	CHECK(vioapic_attach(&io, &bus, NULL, 0) == 0);
	CHECK(io.id == ((uint32_t)(data[0] & 0xf) << IOAPIC_ID_SHIFT));
	memset(seen, 0, sizeof(seen));
	cur.irq_pin = -1;
	memcpy(cur.rte0, io.rte, sizeof(cur.rte0));
	check_state();
	data++;
	size--;
	for (int k = 0; k < MAX_OPS && size >= OP_SIZE; k++, data += OP_SIZE, size -= OP_SIZE) {
		cur.irq_pin = -1;
		cur.eoi_vector = -1;
		memcpy(cur.rte0, io.rte, sizeof(cur.rte0));
		memset(cur.sent, 0, sizeof(cur.sent));
		do_op(data);
		check_state();
	}
	return 0;
}
