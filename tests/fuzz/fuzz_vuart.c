/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for drivers/virt/vuart.c: COM1 on a bus, driven by
 * port accesses and typed input, checked against a model written from
 * vuart.h (plain arrays shifted by hand, not the device's rings).
 *
 * Input: 2-byte ops until the input ends (at most 2048): { k, v }.
 *   k bits 7:6 = 3: vuart_rx_push(v);
 *   k bits 7:6 = 2 with k bit 5: vuart_reset; else as below;
 *   otherwise a byte access at COM1 + (k & 7), a write of v when k bit 3
 *   is set, else a read. Writes of FCR, MCR and IER are the interesting
 *   ones, so k bit 4 turns register 0/1/5/6/7 writes into FCR writes.
 *
 * Invariants, after every op: every read equals the model (so IIR reports
 * exactly the highest-priority enabled source, typed input comes out in
 * order with nothing lost or duplicated, OE appears only in loopback);
 * vuart_rx_push answers as the model; tx gets exactly the THR writes made
 * outside loopback, in order; the IRQ line, as the bus hook reports it,
 * equals "an enabled source pending, OUT2 set, not in loopback"; IIR bits
 * 7:6 follow FCR0 and the timeout (0x0C) appears only with FIFOs on. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vuart.h"
#include "tests/common/check.h"

#define MAX_OPS 2048
#define COM1    VUART_COM1_BASE

static struct bus bus;
static struct vuart u;
static bool line;	/* IRQ 4 as the hook reported it */
static int ntx;
static uint8_t last_tx;

static struct {
	uint8_t ier, lcr, mcr, scr, dll, dlm, oe, delta;
	bool fifo_on, thre;
	unsigned trigger;
	uint8_t recv[VUART_FIFO];	/* what the chip holds, oldest first */
	unsigned nrecv;
	uint8_t wire[VUART_RX_RING];	/* typed input not yet received */
	unsigned nwire;
} m;

static void on_irq(void *ctx, unsigned l, bool level)
{
	(void)ctx;
	CHECK(l == VUART_COM1_IRQ && level != line);
	line = level;
}

static void on_tx(void *ctx, uint8_t c)
{
	CHECK(ctx == &u);
	last_tx = c;
	ntx++;
}

static bool loop(void)
{
	return m.mcr & UART_MCR_LOOP;
}

static unsigned cap(void)
{
	return m.fifo_on ? VUART_FIFO : 1;
}

static uint8_t modem_in(void)
{
	if (!loop())
		return 0xb0;
	return (m.mcr & 1 ? 0x20 : 0) | (m.mcr & 2 ? 0x10 : 0) | (m.mcr & 4 ? 0x40 : 0) |
	       (m.mcr & 8 ? 0x80 : 0);
}

static void receive(uint8_t c)
{
	if (m.nrecv == cap()) {
		m.oe = UART_LSR_OE;
		if (m.fifo_on)
			return;
		m.nrecv = 0;
	}
	m.recv[m.nrecv++] = c;
}

static void settle(void)
{
	while (!loop() && m.nwire && m.nrecv < cap()) {
		receive(m.wire[0]);
		memmove(m.wire, m.wire + 1, --m.nwire);
	}
}

static uint8_t source(void)
{
	if ((m.ier & 4) && m.oe)
		return UART_IIR_RLS;
	if ((m.ier & 1) && m.nrecv && (!m.fifo_on || m.nrecv >= m.trigger))
		return UART_IIR_RDA;
	if ((m.ier & 1) && m.nrecv)
		return UART_IIR_TIMEOUT;
	if ((m.ier & 2) && m.thre)
		return UART_IIR_THRE;
	if ((m.ier & 8) && (m.delta & 0x0f))
		return UART_IIR_MSI;
	return UART_IIR_NONE;
}

static void model_reset(void)
{
	memset(&m, 0, sizeof(m));
	m.dll = 12;
	m.trigger = 1;
}

static uint8_t model_read(unsigned reg)
{
	bool dlab = m.lcr & 0x80;
	uint8_t v;

	switch (reg) {
	case 0:
		if (dlab)
			return m.dll;
		if (!m.nrecv)
			return 0;
		v = m.recv[0];
		memmove(m.recv, m.recv + 1, --m.nrecv);
		return v;
	case 1:
		return dlab ? m.dlm : m.ier;
	case 2:
		v = source();
		if (v == UART_IIR_THRE)
			m.thre = false;
		return v | (m.fifo_on ? 0xc0 : 0);
	case 3:
		return m.lcr;
	case 4:
		return m.mcr;
	case 5:
		v = 0x60 | m.oe | (m.nrecv ? 1 : 0);
		m.oe = 0;
		return v;
	case 6:
		v = modem_in() | m.delta;
		m.delta = 0;
		return v;
	default:
		return m.scr;
	}
}

/* True when v goes out through tx. */
static bool model_write(unsigned reg, uint8_t v)
{
	static const unsigned levels[4] = { 1, 4, 8, 14 };
	bool dlab = m.lcr & 0x80;
	uint8_t old, cur;

	switch (reg) {
	case 0:
		if (dlab) {
			m.dll = v;
			return false;
		}
		m.thre = true;
		if (loop())
			receive(v);
		return !loop();
	case 1:
		if (dlab) {
			m.dlm = v;
		} else {
			if ((v & 2) && !(m.ier & 2))
				m.thre = true;
			m.ier = v & 0x0f;
		}
		return false;
	case 2:
		if ((v & 1) != m.fifo_on) {
			m.nrecv = 0;
			m.thre = true;
		} else if ((v & 3) == 3) {
			m.nrecv = 0;
		}
		if (v & 1)
			m.trigger = levels[v >> 6];
		m.fifo_on = v & 1;
		return false;
	case 3:
		m.lcr = v;
		return false;
	case 4:
		old = modem_in();
		m.mcr = v & 0x1f;
		cur = modem_in();
		m.delta |= ((old ^ cur) & 0xb0) >> 4 | (old & ~cur & 0x40) >> 4;
		return false;
	case 7:
		m.scr = v;
		return false;
	default:
		return false;
	}
}

static void do_op(uint8_t k, uint8_t v)
{
	struct bus_req r = { .addr = COM1 + (k & 7), .size = 1, .write = k & 8, .val = v };
	unsigned reg = k & 7;
	int before = ntx;
	bool send = false, ok;

	if ((k >> 6) == 3) {
		ok = !loop() && m.nwire < VUART_RX_RING;
		if (ok)
			m.wire[m.nwire++] = v;
		CHECK(vuart_rx_push(&u, v) == ok);
		settle();
		return;
	}
	if ((k >> 6) == 2 && (k & 0x20)) {
		vuart_reset(&u);
		model_reset();
		return;
	}
	if (r.write && (k & 0x10) && reg != 3 && reg != 4) {
		reg = 2;	/* FCR */
		r.addr = COM1 + 2;
	}
	CHECK(bus_access(&bus, BUS_PIO, &r) == BUS_OK);
	if (r.write) {
		send = model_write(reg, v);
	} else {
		uint8_t want = model_read(reg);

		CHECK(r.val == want);
		if (reg == 2)
			CHECK((r.val & 0x0f) != UART_IIR_TIMEOUT || (r.val & 0xc0) == 0xc0);
	}
	settle();
	CHECK(ntx == before + send);
	CHECK(!send || last_tx == v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bus_hooks h = { .irq = on_irq };

	line = false;
	ntx = 0;
	bus_init(&bus, &h);
	vuart_init(&u, &bus, VUART_COM1_IRQ, on_tx, &u);
	CHECK(vuart_attach(&u, &bus, COM1, NULL, 0) == 0);
	model_reset();

	for (int i = 0; i < MAX_OPS && size >= 2; i++, data += 2, size -= 2) {
		do_op(data[0], data[1]);
		CHECK(line == (source() != UART_IIR_NONE && (m.mcr & UART_MCR_OUT2) && !loop()));
		CHECK(line == !!(bus.irq_levels & (1u << VUART_COM1_IRQ)));
	}
	vuart_reset(&u);
	CHECK(!line && bus.irq_levels == 0);
	return 0;
}
