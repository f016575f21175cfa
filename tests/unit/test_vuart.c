/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vuart.c, through the bus as a guest sees it:
 * every register, DLAB, the FIFO and its trigger levels, the character
 * timeout, loopback, overrun, the interrupt priorities, input beyond the
 * FIFO, the IRQ line, wide accesses and reset; and a replay of what
 * Linux's 8250 driver does (autoconfig with the 16550A checks and the FIFO
 * sizing, serial8250_do_startup's THRE tests, set_termios, the interrupt
 * handler with its rx and tx loops). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vuart.h"

#define COM1 VUART_COM1_BASE

static struct bus bus;
static struct vuart u;
static uint8_t sent[1024];
static int nsent;
static int irq_calls, irq_edges;
static bool irq_level;
static char err[128];

static void tx(void *ctx, uint8_t c)
{
	assert_ptr_equal(ctx, &u);
	assert_true(nsent < (int)sizeof(sent));
	sent[nsent++] = c;
}

static void irq_hook(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	assert_int_equal(line, VUART_COM1_IRQ);
	assert_true(level != irq_level);	/* the bus reports changes only */
	irq_level = level;
	irq_calls++;
	irq_edges += level;
}

static int setup(void **state)
{
	const struct bus_hooks h = { .irq = irq_hook };

	(void)state;
	nsent = irq_calls = irq_edges = 0;
	irq_level = false;
	bus_init(&bus, &h);
	vuart_init(&u, &bus, VUART_COM1_IRQ, tx, &u);
	assert_int_equal(vuart_attach(&u, &bus, COM1, err, sizeof(err)), 0);
	return 0;
}

static uint8_t in(unsigned reg)
{
	struct bus_req r = { .addr = COM1 + reg, .size = 1, .val = 0x5a5a };

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	assert_true(r.val <= 0xff);
	return (uint8_t)r.val;
}

static void out(unsigned reg, uint8_t v)
{
	struct bus_req r = { .addr = COM1 + reg, .size = 1, .write = true, .val = v };

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
}

/* ---- registers ---- */

static void test_power_on(void **state)
{
	(void)state;
	assert_int_equal(in(UART_IER), 0);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(in(UART_LCR), 0);
	assert_int_equal(in(UART_MCR), 0);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(in(UART_SCR), 0);
	assert_int_equal(in(UART_RBR), 0);	/* nothing received */
	assert_int_equal(irq_calls, 0);
	assert_string_equal(bus.range[0].name, "com1");
}

static void test_scratch_lcr_mcr(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v += 17) {
		out(UART_SCR, (uint8_t)v);
		assert_int_equal(in(UART_SCR), v);
	}
	out(UART_LCR, 0x7f);	/* every bit but DLAB */
	assert_int_equal(in(UART_LCR), 0x7f);
	out(UART_MCR, 0xff);	/* bits 7:5 do not exist */
	assert_int_equal(in(UART_MCR), 0x1f);
	out(UART_MCR, 0x0b);
	assert_int_equal(in(UART_MCR), 0x0b);
	out(UART_LSR, 0);	/* read-only in practice: ignored */
	out(UART_MSR, 0);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_MSR) & 0xf0, 0xb0);
}

static void test_ier(void **state)
{
	(void)state;
	/* The 8250 autoconfig IER test: 0 reads 0, 0x0f reads 0x0f. */
	out(UART_IER, 0);
	assert_int_equal(in(UART_IER), 0);
	out(UART_IER, 0x0f);
	assert_int_equal(in(UART_IER), 0x0f);
	out(UART_IER, 0xf5);
	assert_int_equal(in(UART_IER), 0x05);
}

static void test_dlab(void **state)
{
	(void)state;
	out(UART_IER, UART_IER_ERBFI);
	out(UART_LCR, UART_LCR_DLAB | 0x03);
	assert_int_equal(in(UART_DLL), 12);	/* 9600 baud at power-on */
	assert_int_equal(in(UART_DLM), 0);
	out(UART_DLL, 0x01);	/* 115200 */
	out(UART_DLM, 0x80);
	assert_int_equal(in(UART_DLL), 0x01);
	assert_int_equal(in(UART_DLM), 0x80);
	assert_int_equal(nsent, 0);	/* DLL write is not a THR write */
	assert_int_equal(in(UART_LCR), 0x83);
	out(UART_SCR, 0x33);	/* the other registers stay where they are */
	assert_int_equal(in(UART_SCR), 0x33);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	out(UART_LCR, 0x03);
	assert_int_equal(in(UART_IER), UART_IER_ERBFI);	/* untouched by DLM */
	vuart_rx_push(&u, 'x');
	assert_int_equal(in(UART_RBR), 'x');
	out(UART_LCR, 0x83);	/* the latch survives */
	assert_int_equal(in(UART_DLL), 0x01);
	assert_int_equal(in(UART_DLM), 0x80);
}

static void test_tx(void **state)
{
	(void)state;
	for (const char *s = "hello\r\n"; *s; s++) {
		assert_int_equal(in(UART_LSR) & UART_LSR_THRE, UART_LSR_THRE);
		out(UART_THR, (uint8_t)*s);
	}
	assert_int_equal(nsent, 7);
	assert_memory_equal(sent, "hello\r\n", 7);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_RBR), 0);	/* not looped back */
}

static void test_fifo(void **state)
{
	(void)state;
	out(UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	vuart_rx_push(&u, 'a');
	vuart_rx_push(&u, 'b');
	out(UART_FCR, UART_FCR_ENABLE | 0xc0);	/* trigger level only: data stays */
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	vuart_rx_push(&u, 'c');
	out(UART_FCR, 0);	/* FIFOs off: emptied */
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	vuart_rx_push(&u, 'd');
	out(UART_FCR, UART_FCR_CLEAR_RX);	/* ignored without FCR0 */
	assert_int_equal(in(UART_RBR), 'd');
	/* Linux's TI16750 check: IIR bit 5 stays 0 */
	out(UART_FCR, UART_FCR_ENABLE | 0x20);
	assert_int_equal(in(UART_IIR), 0xc1);
}

/* FCR bit 1 empties what the receiver holds; typed input still waiting
 * in the ring is on the wire, not in the chip, and arrives after it. */
static void test_fifo_clear_keeps_ring(void **state)
{
	(void)state;
	out(UART_FCR, UART_FCR_ENABLE);
	for (int i = 0; i < VUART_FIFO + 3; i++)
		assert_true(vuart_rx_push(&u, (uint8_t)i));
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	for (int i = VUART_FIFO; i < VUART_FIFO + 3; i++)
		assert_int_equal(in(UART_RBR), i);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

/* PC16550D: "the first transmitter interrupt after changing FCR0 will be
 * immediate, if it is enabled"; rewriting FCR0 unchanged does not. */
static void test_fcr_thre(void **state)
{
	(void)state;
	out(UART_IER, UART_IER_ETBEI);
	assert_int_equal(in(UART_IIR), UART_IIR_THRE);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	out(UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_THRE);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);
	out(UART_FCR, 0);
	assert_int_equal(in(UART_IIR), UART_IIR_THRE);
}

/* ---- receive ---- */

static void test_rx(void **state)
{
	(void)state;
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	assert_true(vuart_rx_push(&u, 'h'));
	assert_true(vuart_rx_push(&u, 'i'));	/* waits behind the 1-byte RBR */
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 'h');
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 'i');
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(in(UART_RBR), 0);

	/* FIFOs off: the RBR and the ring hold VUART_RX_RING + 1 */
	for (int i = 0; i <= VUART_RX_RING; i++)
		assert_true(vuart_rx_push(&u, (uint8_t)i));
	assert_false(vuart_rx_push(&u, 0xee));	/* full */
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, 0);	/* refused, not lost */
	assert_int_equal(in(UART_RBR), 0);
	assert_true(vuart_rx_push(&u, 0xee));
	for (int i = 1; i <= VUART_RX_RING; i++)
		assert_int_equal(in(UART_RBR), i);
	assert_int_equal(in(UART_RBR), 0xee);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(nsent, 0);
}

/* Typed input longer than the FIFO waits in the ring and arrives in order,
 * without OE, however the reads and pushes interleave. */
static void test_rx_beyond_fifo(void **state)
{
	const int total = VUART_FIFO + VUART_RX_RING;
	int pushed = 0, got = 0;

	(void)state;
	out(UART_FCR, UART_FCR_ENABLE | 0x80);	/* trigger 8, as Linux */
	while (pushed < total)
		assert_true(vuart_rx_push(&u, (uint8_t)pushed++));
	assert_false(vuart_rx_push(&u, 0xee));	/* FIFO and ring full */
	assert_int_equal(u.fifo_len, VUART_FIFO);
	for (int round = 0; got < 3 * total; round++) {
		for (int i = 0; i < round % 7 + 1 && got < pushed; i++)
			assert_int_equal(in(UART_RBR), (uint8_t)got++);
		while (pushed < 3 * total && vuart_rx_push(&u, (uint8_t)pushed))
			pushed++;
		assert_int_equal(in(UART_LSR) & (UART_LSR_OE | UART_LSR_DR),
				 got < pushed ? UART_LSR_DR : 0);
	}
	assert_int_equal(in(UART_RBR), 0);
}

/* ---- loopback ---- */

static void test_loopback(void **state)
{
	(void)state;
	/* Linux autoconfig: MCR = LOOP | OUT2 | RTS, then MSR & 0xf0 == 0x90 */
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(in(UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	assert_int_equal(in(UART_MSR) & 0xf0, UART_MSR_DSR | UART_MSR_RI);
	out(UART_MCR, UART_MCR_LOOP | 0x0f);
	assert_int_equal(in(UART_MSR) & 0xf0, 0xf0);

	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_THR, 0x55);
	out(UART_THR, 0xaa);
	assert_int_equal(nsent, 0);	/* nothing leaves */
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 0x55);
	assert_int_equal(in(UART_RBR), 0xaa);
	assert_false(vuart_rx_push(&u, 'x'));	/* serial input disconnected */
	assert_int_equal(in(UART_RBR), 0);

	out(UART_MCR, 0);	/* back to normal */
	out(UART_THR, 'z');
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0], 'z');
	assert_int_equal(in(UART_MSR) & 0xf0, 0xb0);
	assert_true(vuart_rx_push(&u, 'x'));
	assert_int_equal(in(UART_RBR), 'x');

	/* typed input that was waiting stays in the ring during loopback
	 * (only the looped byte is received) and arrives after it */
	for (int i = 0; i < VUART_FIFO + 2; i++)
		assert_true(vuart_rx_push(&u, (uint8_t)('a' + i)));
	out(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(in(UART_RBR), 'a');
	out(UART_THR, '!');	/* the FIFO has room for exactly this one */
	for (int i = 1; i < VUART_FIFO; i++)
		assert_int_equal(in(UART_RBR), 'a' + i);
	assert_int_equal(in(UART_RBR), '!');
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);	/* no OE */
	out(UART_MCR, 0);
	assert_int_equal(in(UART_RBR), 'a' + VUART_FIFO);
	assert_int_equal(in(UART_RBR), 'a' + VUART_FIFO + 1);
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(nsent, 1);
}

/* PC16550D LSR bit 1: in FIFO mode the byte that finds the FIFO full is
 * lost; in 16450 mode it overwrites the unread RBR. OE is reported once,
 * by the next LSR read, which also ends the RLS interrupt. */
static void test_overrun(void **state)
{
	(void)state;
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_FCR, UART_FCR_ENABLE);
	for (int i = 0; i <= VUART_FIFO; i++)
		out(UART_THR, (uint8_t)i);
	out(UART_IER, UART_IER_ELSI | UART_IER_ERBFI);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_RLS);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, 0);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);
	for (int i = 0; i < VUART_FIFO; i++)	/* the 17th is gone */
		assert_int_equal(in(UART_RBR), i);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);

	out(UART_FCR, 0);	/* 16450 mode: the newest byte wins */
	out(UART_THR, 1);
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, 0);
	out(UART_THR, 2);
	out(UART_THR, 3);
	assert_int_equal(in(UART_IIR), UART_IIR_RLS);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
	assert_int_equal(in(UART_RBR), 3);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(nsent, 0);
}

static void test_msr_deltas(void **state)
{
	(void)state;
	assert_int_equal(in(UART_MSR), 0xb0);	/* no change yet */
	out(UART_MCR, UART_MCR_LOOP);	/* DCD, DSR, CTS drop; RI was off */
	assert_int_equal(in(UART_MSR), UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	assert_int_equal(in(UART_MSR), 0);	/* reading clears the deltas */
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);	/* RI rises: no TERI */
	assert_int_equal(in(UART_MSR), UART_MSR_RI);
	out(UART_MCR, UART_MCR_LOOP);	/* RI falls: TERI */
	assert_int_equal(in(UART_MSR), UART_MSR_TERI);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);	/* no change, deltas stay */
	assert_int_equal(in(UART_MSR), UART_MSR_CTS | UART_MSR_DCTS);
}

/* ---- interrupts ---- */

static void test_iir_priority(void **state)
{
	(void)state;
	/* All four sources at once, from loopback: entering it changes the
	 * modem inputs, 17 bytes fill the FIFO and overrun it, and THR was
	 * written. */
	out(UART_FCR, UART_FCR_ENABLE | 0x80);	/* trigger 8 */
	out(UART_MCR, UART_MCR_LOOP);
	for (int i = 0; i <= VUART_FIFO; i++)
		out(UART_THR, (uint8_t)i);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);	/* none enabled */
	out(UART_IER, 0x0f);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_RLS);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_RLS);	/* until LSR is read */
	in(UART_LSR);
	for (int i = 0; i < VUART_FIFO - 7; i++) {	/* 16 .. 8 bytes: at the trigger */
		assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_RDA);
		in(UART_RBR);
	}
	for (int i = 0; i < 7; i++) {	/* 7 .. 1 bytes: below it */
		assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_TIMEOUT);
		in(UART_RBR);
	}
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_THRE);	/* this read acknowledges it */
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_MSI);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_MSI);	/* until MSR is read */
	in(UART_MSR);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);

	/* disabled sources do not show, and stay pending */
	out(UART_THR, 7);	/* loops back */
	out(UART_IER, UART_IER_ETBEI);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_THRE);
	out(UART_IER, UART_IER_ERBFI);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_TIMEOUT);
	in(UART_RBR);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);

	/* 16450 mode: one byte is "data available", never a timeout */
	out(UART_FCR, 0);
	out(UART_THR, 8);
	assert_int_equal(in(UART_IIR), UART_IIR_RDA);
	in(UART_RBR);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
}

/* FCR bits 7:6 = 1, 4, 8, 14 bytes: below the level the FIFO reports the
 * character timeout, from it up data available; each read re-evaluates. */
static void test_trigger_levels(void **state)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };

	(void)state;
	out(UART_IER, UART_IER_ERBFI);
	out(UART_MCR, UART_MCR_OUT2);
	for (unsigned t = 0; t < 4; t++) {
		out(UART_FCR, (uint8_t)(UART_FCR_ENABLE | UART_FCR_CLEAR_RX | t << 6));
		assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);
		assert_false(irq_level);
		for (int n = 1; n <= VUART_FIFO; n++) {
			assert_true(vuart_rx_push(&u, (uint8_t)n));
			assert_int_equal(in(UART_IIR),
					 0xc0 | (n >= level[t] ? UART_IIR_RDA : UART_IIR_TIMEOUT));
			assert_true(irq_level);
		}
		for (int n = VUART_FIFO; n > 0; n--) {
			assert_int_equal(in(UART_IIR),
					 0xc0 | (n >= level[t] ? UART_IIR_RDA : UART_IIR_TIMEOUT));
			assert_int_equal(in(UART_RBR), VUART_FIFO - n + 1);
		}
		assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);
		assert_false(irq_level);
	}
	/* the trigger bits need FCR0 (PC16550D FCR): ignored without it */
	out(UART_FCR, UART_FCR_ENABLE | 0x80);
	out(UART_FCR, 0xc0);
	out(UART_FCR, UART_FCR_ENABLE);	/* FIFO back on: level 1 */
	vuart_rx_push(&u, 'a');
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_RDA);
	out(UART_FCR, UART_FCR_ENABLE | 0x80);	/* no FCR0 change: data stays */
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_TIMEOUT);
	assert_int_equal(in(UART_RBR), 'a');
}

/* One typed key with Linux's trigger of 8 interrupts at once through the
 * timeout, and reading it ends the interrupt. */
static void test_timeout_one_key(void **state)
{
	(void)state;
	out(UART_FCR, UART_FCR_ENABLE | 0x80);
	out(UART_IER, UART_IER_ELSI | UART_IER_ERBFI);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
	assert_false(irq_level);
	assert_true(vuart_rx_push(&u, 'k'));
	assert_true(irq_level);
	assert_int_equal(irq_edges, 1);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_TIMEOUT);
	assert_true(irq_level);	/* reading IIR does not end it */
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 'k');
	assert_false(irq_level);
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);
	/* the next key, another edge */
	assert_true(vuart_rx_push(&u, 'l'));
	assert_int_equal(irq_edges, 2);
	assert_int_equal(in(UART_RBR), 'l');
	assert_false(irq_level);
}

static void test_thre_linux(void **state)
{
	uint8_t iir1, iir;

	(void)state;
	/* serial8250_do_startup's UART_BUG_THRE test */
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_IER, UART_IER_ETBEI);
	iir1 = in(UART_IIR);
	out(UART_IER, 0);
	out(UART_IER, UART_IER_ETBEI);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	assert_int_equal(iir1, UART_IIR_FIFO | UART_IIR_THRE);
	assert_int_equal(iir, UART_IIR_FIFO | UART_IIR_THRE);

	/* ETBEI 0 -> 1 raises it each time, 1 -> 1 does not */
	out(UART_IER, UART_IER_ETBEI);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_THRE);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	out(UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	/* a THR write empties at once: THRE again */
	out(UART_THR, 'a');
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_THRE);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	/* a read of IIR reporting something else does not acknowledge THRE */
	out(UART_THR, 'b');
	vuart_rx_push(&u, 'x');
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);
	in(UART_RBR);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_THRE);
	assert_int_equal(nsent, 2);
}

static void test_irq_line(void **state)
{
	(void)state;
	out(UART_IER, UART_IER_ERBFI);
	vuart_rx_push(&u, 'a');
	assert_int_equal(irq_calls, 0);	/* OUT2 off: the line stays low */
	assert_false(irq_level);
	out(UART_MCR, UART_MCR_OUT2);
	assert_true(irq_level);
	assert_int_equal(bus.irq_levels, 1u << VUART_COM1_IRQ);
	in(UART_RBR);
	assert_false(irq_level);
	vuart_rx_push(&u, 'b');	/* from the console core */
	assert_true(irq_level);
	out(UART_IER, 0);
	assert_false(irq_level);
	out(UART_IER, UART_IER_ERBFI);
	assert_true(irq_level);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);	/* loopback: output pins inactive */
	assert_false(irq_level);
	out(UART_MCR, UART_MCR_OUT2);
	assert_true(irq_level);
	in(UART_RBR);
	assert_false(irq_level);
	assert_int_equal(irq_calls, 8);

	/* THRE: raised by enabling ETBEI, dropped by the IIR read */
	out(UART_IER, UART_IER_ETBEI);
	assert_true(irq_level);
	in(UART_IIR);
	assert_false(irq_level);
	out(UART_THR, 'x');
	assert_true(irq_level);
	out(UART_MCR, 0);
	assert_false(irq_level);
	assert_int_equal(irq_calls, 12);
	assert_int_equal(bus.irq_levels, 0);
}

/* ---- Linux's 8250 driver, replayed ----
 *
 * drivers/tty/serial/8250/8250_port.c as a sequence of port accesses:
 * autoconfig() with autoconfig_16550a() and size_fifo(),
 * serial8250_do_startup() with its UART_BUG_THRE and UART_BUG_TXEN tests,
 * serial8250_do_set_termios(), and the interrupt path (serial8250_interrupt
 * looping over serial8250_handle_irq with serial8250_rx_chars and
 * serial8250_tx_chars) behind an edge-triggered ISA line, as the 8259 and
 * the I/O APIC's ISA pins see IRQ 4. Register names as in the driver. */

#define LX_IER_RDI   0x01
#define LX_IER_THRI  0x02
#define LX_IER_RLSI  0x04
#define LX_IER_MSI   0x08
#define LX_IER_UUE   0x40
#define LX_LCR_CONF_MODE_A 0x80	/* DLAB */
#define LX_LCR_CONF_MODE_B 0xbf
#define LX_LCR_WLEN8 0x03
#define LX_EFR       2	/* under LCR 0xbf on chips that have one */
#define LX_FCR7_64BYTE 0x20
#define LX_FCR_16550A (UART_FCR_ENABLE | 0x80)	/* uart_config[PORT_16550A].fcr */

struct lx_port {
	uint8_t ier;		/* up->ier, the driver's shadow */
	bool bug_thre, bug_txen;
	const char *xmit;	/* the tty's circular buffer, as a string */
	size_t xmit_len, xmit_tail;
	uint8_t rx[512];
	size_t nrx;
	int handled, spurious;	/* interrupts with and without work */
};

static struct lx_port lx;

static void lx_dl_write(unsigned quot)
{
	out(UART_DLL, (uint8_t)quot);
	out(UART_DLM, (uint8_t)(quot >> 8));
}

static unsigned lx_dl_read(void)
{
	return in(UART_DLL) | in(UART_DLM) << 8;
}

static void lx_clear_fifos(void)
{
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	out(UART_FCR, 0);
}

/* size_fifo(): bytes that fit in the receiver in loopback */
static int lx_size_fifo(void)
{
	uint8_t old_lcr, old_fcr, old_mcr;
	unsigned old_dl;
	int count;

	old_lcr = in(UART_LCR);
	out(UART_LCR, 0);
	old_fcr = in(UART_FCR);	/* really IIR */
	old_mcr = in(UART_MCR);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_LCR, LX_LCR_CONF_MODE_A);
	old_dl = lx_dl_read();
	lx_dl_write(1);
	out(UART_LCR, 0x03);
	for (count = 0; count < 256; count++)
		out(UART_THR, (uint8_t)count);
	for (count = 0; (in(UART_LSR) & UART_LSR_DR) && count < 256; count++)
		assert_int_equal(in(UART_RBR), count);	/* and in order */
	out(UART_FCR, old_fcr);
	out(UART_MCR, old_mcr);
	out(UART_LCR, LX_LCR_CONF_MODE_A);
	lx_dl_write(old_dl);
	out(UART_LCR, old_lcr);
	return count;
}

/* autoconfig_16550a(): the chips with an IIR of 11xxxxxx told apart */
static const char *lx_autoconfig_16550a(void)
{
	uint8_t status1, status2, iersave;

	out(UART_LCR, LX_LCR_CONF_MODE_A);
	if (in(LX_EFR) == 0)
		return "ST16650V1 or Motorola";	/* then more checks */
	out(UART_LCR, LX_LCR_CONF_MODE_B);
	if (in(LX_EFR) == 0)
		return "EFRv2";
	/* National SuperIO: bank 2's EXCR1 follows MCR.LOOP */
	out(UART_LCR, 0);
	status1 = in(UART_MCR);
	out(UART_LCR, 0xe0);
	status2 = in(0x02);
	if (!((status2 ^ status1) & UART_MCR_LOOP)) {
		out(UART_LCR, 0);
		out(UART_MCR, status1 ^ UART_MCR_LOOP);
		out(UART_LCR, 0xe0);
		status2 = in(0x02);
		out(UART_LCR, 0);
		out(UART_MCR, status1);
		if ((status2 ^ status1) & UART_MCR_LOOP)
			return "NS16550A";
	}
	/* TI16750: IIR bit 5 with the 64-byte FIFO bit */
	out(UART_LCR, 0);
	out(UART_FCR, UART_FCR_ENABLE | LX_FCR7_64BYTE);
	status1 = in(UART_IIR) >> 5;
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_LCR, LX_LCR_CONF_MODE_A);
	out(UART_FCR, UART_FCR_ENABLE | LX_FCR7_64BYTE);
	status2 = in(UART_IIR) >> 5;
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_LCR, 0);
	if (status1 == 6 && status2 == 7)
		return "16750";
	/* XScale: IER bit 6 sticks */
	iersave = in(UART_IER);
	out(UART_IER, iersave & ~LX_IER_UUE);
	if (!(in(UART_IER) & LX_IER_UUE)) {
		out(UART_IER, iersave | LX_IER_UUE);
		if (in(UART_IER) & LX_IER_UUE)
			return "XScale";
	}
	out(UART_IER, iersave);
	if (lx_size_fifo() == 64)
		return "U6_16550A";
	return "16550A";
}

/* autoconfig(): UPF_SKIP_TEST is set for the legacy COM ports, but a
 * 16550A passes the loopback test anyway, so it runs here. */
static const char *lx_autoconfig(void)
{
	uint8_t scratch, scratch2, scratch3, status1, save_mcr, save_lcr;
	const char *type;

	scratch = in(UART_IER);
	out(UART_IER, 0);
	scratch2 = in(UART_IER) & 0x0f;
	out(UART_IER, 0x0f);
	scratch3 = in(UART_IER) & 0x0f;
	out(UART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return "IER test failed";
	save_mcr = in(UART_MCR);
	save_lcr = in(UART_LCR);
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	status1 = in(UART_MSR) & 0xf0;
	out(UART_MCR, save_mcr);
	if (status1 != 0x90)
		return "LOOP test failed";
	out(UART_LCR, LX_LCR_CONF_MODE_B);
	out(LX_EFR, 0);
	out(UART_LCR, 0);
	out(UART_FCR, UART_FCR_ENABLE);
	switch (in(UART_IIR) >> 6) {
	case 0:	type = "8250 or 16450"; break;
	case 1:	type = "unknown"; break;
	case 2:	type = "16550"; break;
	default: type = lx_autoconfig_16550a(); break;
	}
	out(UART_LCR, save_lcr);
	out(UART_MCR, save_mcr);	/* "Reset the UART" */
	lx_clear_fifos();
	in(UART_RBR);
	out(UART_IER, 0);
	return type;
}

/* serial8250_do_startup() for a port with an IRQ; then uart_startup
 * raises DTR and RTS. */
static void lx_startup(void)
{
	uint8_t iir1, iir, lsr;

	lx_clear_fifos();
	in(UART_LSR);
	in(UART_RBR);
	in(UART_IIR);
	in(UART_MSR);
	assert_int_not_equal(in(UART_LSR), 0xff);	/* "LSR safety check" */

	/* UART_BUG_THRE: does THRE re-assert after IER is toggled? */
	while (!(in(UART_LSR) & UART_LSR_THRE))
		;
	out(UART_IER, LX_IER_THRI);
	iir1 = in(UART_IIR);
	out(UART_IER, 0);
	out(UART_IER, LX_IER_THRI);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	lx.bug_thre = !(iir1 & UART_IIR_NONE) && (iir & UART_IIR_NONE);

	out(UART_LCR, LX_LCR_WLEN8);
	out(UART_MCR, UART_MCR_OUT2);	/* "Most PC uarts need OUT2 raised" */

	/* UART_BUG_TXEN: does enabling THRI interrupt at once? */
	out(UART_IER, LX_IER_THRI);
	lsr = in(UART_LSR);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	lx.bug_txen = (lsr & UART_LSR_TEMT) && (iir & UART_IIR_NONE);

	in(UART_LSR);
	in(UART_RBR);
	in(UART_IIR);
	in(UART_MSR);
	lx.ier = LX_IER_RLSI | LX_IER_RDI;	/* written by set_termios */
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
}

/* serial8250_do_set_termios() for 115200 8N1 without CLOCAL (so MSI on) */
static void lx_set_termios(void)
{
	lx.ier |= LX_IER_MSI;
	out(UART_IER, lx.ier);
	out(UART_LCR, LX_LCR_WLEN8 | UART_LCR_DLAB);
	lx_dl_write(1);
	out(UART_LCR, LX_LCR_WLEN8);
	out(UART_FCR, UART_FCR_ENABLE);	/* "emulated UARTs need two steps" */
	out(UART_FCR, LX_FCR_16550A);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
}

static void lx_stop_tx(void)
{
	if (lx.ier & LX_IER_THRI) {
		lx.ier &= ~LX_IER_THRI;
		out(UART_IER, lx.ier);
	}
}

/* serial8250_tx_chars(): up to tx_loadsz (16) bytes per interrupt */
static void lx_tx_chars(void)
{
	if (lx.xmit_tail == lx.xmit_len) {
		lx_stop_tx();
		return;
	}
	for (int count = VUART_FIFO; count > 0 && lx.xmit_tail < lx.xmit_len; count--)
		out(UART_THR, (uint8_t)lx.xmit[lx.xmit_tail++]);
	if (lx.xmit_tail == lx.xmit_len)
		lx_stop_tx();
}

/* serial8250_handle_irq(): false when IIR says nothing is pending */
static bool lx_handle_irq(void)
{
	uint8_t iir = in(UART_IIR), lsr;
	int max_count = 256;

	if (iir & UART_IIR_NONE)
		return false;
	lsr = in(UART_LSR);
	if (lsr & UART_LSR_DR) {	/* serial8250_rx_chars() */
		do {
			assert_true(lx.nrx < sizeof(lx.rx));
			lx.rx[lx.nrx++] = in(UART_RBR);
			if (--max_count == 0)
				break;
			lsr = in(UART_LSR);
		} while (lsr & UART_LSR_DR);
	}
	in(UART_MSR);	/* serial8250_modem_status() */
	if ((lsr & UART_LSR_THRE) && (lx.ier & LX_IER_THRI))
		lx_tx_chars();
	return true;
}

static int lx_edges_taken;

/* The CPU side, after any access: a rising edge on the line latches the
 * interrupt (the 8259's IRR, an edge-triggered I/O APIC pin); taking it
 * consumes the latch and runs serial8250_interrupt(), which loops until a
 * pass finds nothing. Edges during the handler latch it again. */
static void lx_sync(void)
{
	for (int taken = 0; irq_edges != lx_edges_taken; taken++) {
		bool any = false;

		assert_true(taken < 1000);
		lx_edges_taken = irq_edges;
		for (int pass = 0; lx_handle_irq(); pass++) {
			assert_true(pass < 512);	/* PASS_LIMIT */
			any = true;
		}
		if (any)
			lx.handled++;
		else
			lx.spurious++;
	}
	/* the line must be low now, or the next event makes no edge */
	assert_false(irq_level);
}

/* uart_write() then serial8250_start_tx() */
static void lx_write(const char *s)
{
	lx.xmit = s;
	lx.xmit_len = strlen(s);
	lx.xmit_tail = 0;
	if (!(lx.ier & LX_IER_THRI)) {
		lx.ier |= LX_IER_THRI;
		out(UART_IER, lx.ier);
	}
	lx_sync();
}

/* serial8250_console_write(): polled, with the IER saved and restored */
static void lx_console_write(const char *s)
{
	uint8_t ier = in(UART_IER);

	out(UART_IER, 0);
	for (; *s; s++) {
		while (!(in(UART_LSR) & UART_LSR_THRE))
			;
		out(UART_THR, (uint8_t)*s);
	}
	while ((in(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT)) !=
	       (UART_LSR_THRE | UART_LSR_TEMT))
		;
	out(UART_IER, ier);
}

static void test_linux_8250(void **state)
{
	static char big[300];
	char typed[100];

	(void)state;
	memset(&lx, 0, sizeof(lx));
	lx_edges_taken = 0;

	/* the probe finds a plain 16550A with a 16-byte FIFO */
	assert_string_equal(lx_autoconfig(), "16550A");
	out(UART_LCR, 0);
	assert_int_equal(lx_size_fifo(), VUART_FIFO);
	assert_int_equal(nsent, 0);	/* the probe's loopback bytes stayed inside */

	lx_startup();
	assert_false(lx.bug_thre);
	assert_false(lx.bug_txen);
	lx_set_termios();
	assert_int_equal(in(UART_IIR), 0xc0 | UART_IIR_NONE);
	lx_sync();	/* whatever the setup raised has been serviced */
	assert_int_equal(in(UART_IER), LX_IER_RLSI | LX_IER_RDI | LX_IER_MSI);
	assert_int_equal(in(UART_MCR), UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
	assert_int_equal(in(UART_LCR), LX_LCR_WLEN8);
	nsent = 0;
	lx.handled = lx.spurious = 0;

	/* one typed key: the timeout interrupt delivers it */
	assert_true(vuart_rx_push(&u, 'k'));
	lx_sync();
	assert_int_equal(lx.nrx, 1);
	assert_int_equal(lx.rx[0], 'k');
	assert_int_equal(lx.handled, 1);

	/* typed input larger than the FIFO: one interrupt, all of it, in order */
	for (int i = 0; i < (int)sizeof(typed); i++) {
		typed[i] = (char)(' ' + i % 90);
		if (!vuart_rx_push(&u, (uint8_t)typed[i])) {
			lx_sync();	/* the ring was full: the guest drains it */
			assert_true(vuart_rx_push(&u, (uint8_t)typed[i]));
		}
	}
	lx_sync();
	assert_int_equal(lx.nrx, 1 + sizeof(typed));
	assert_memory_equal(lx.rx + 1, typed, sizeof(typed));

	/* output: start_tx's ETBEI 0 -> 1 interrupts, and each batch of 16
	 * THR writes re-asserts THRE, so it never stalls */
	lx_write("login: ");
	assert_int_equal(nsent, 7);
	assert_memory_equal(sent, "login: ", 7);
	assert_int_equal(lx.ier & LX_IER_THRI, 0);	/* stopped when empty */
	nsent = 0;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) / 2] = '\n';
	lx.xmit = big;
	lx.xmit_len = sizeof(big) - 1;
	lx.xmit_tail = 0;
	lx.ier |= LX_IER_THRI;	/* start_tx, and a printk before the interrupt */
	out(UART_IER, lx.ier);
	lx_console_write("[log]");	/* IER 0 and back: THRE again */
	lx_sync();
	assert_int_equal(lx.xmit_tail, lx.xmit_len);
	assert_int_equal(nsent, 5 + sizeof(big) - 1);
	assert_memory_equal(sent, "[log]", 5);
	assert_memory_equal(sent + 5, big, sizeof(big) - 1);
	assert_int_equal(lx.ier & LX_IER_THRI, 0);
	/* at most one interrupt per event finds nothing left to do (an edge
	 * latched while the handler already looped over its cause) */
	assert_true(lx.spurious <= lx.handled);
	assert_false(irq_level);
}

/* ---- access widths, attach, reset ---- */

static void test_wide(void **state)
{
	struct bus_req r = { .addr = COM1, .size = 2 };

	(void)state;
	vuart_rx_push(&u, 'a');
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_int_equal(r.val, 0xffff);
	r = (struct bus_req){ .addr = COM1 + 4, .size = 4 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	assert_int_equal(r.val, 0xffffffff);
	r = (struct bus_req){ .addr = COM1, .size = 2, .write = true, .val = 0x4141 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);
	r = (struct bus_req){ .addr = COM1 + 7, .size = 2, .write = true, .val = 0x4141 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_UNASSIGNED);	/* straddles */
	assert_int_equal(nsent, 0);
	assert_int_equal(in(UART_RBR), 'a');	/* the wide read popped nothing */
	assert_int_equal(in(UART_SCR), 0);
	assert_int_equal(bus.unassigned, 4);
	r = (struct bus_req){ .size = 2 };	/* directly too */
	assert_int_equal(vuart_access(&u, 0, &r), BUS_UNASSIGNED);
}

static void test_attach(void **state)
{
	struct vuart u2;
	struct bus_req r = { .addr = 0x2f8, .size = 1, .write = true, .val = 'q' };

	(void)state;
	vuart_init(&u2, NULL, 3, NULL, NULL);	/* no line, no output: fine */
	assert_int_equal(vuart_attach(&u2, &bus, 0x3fc, err, sizeof(err)), -1);
	assert_string_equal(err, "vuart: ports 0x3fc-0x403 overlap com1 at 0x3f8-0x3ff");
	assert_int_equal(vuart_attach(&u2, &bus, 0x2f8, err, sizeof(err)), 0);
	assert_string_equal(bus.range[0].name, "com2");
	assert_int_equal(vuart_attach(&u2, &bus, 0xfffc, err, sizeof(err)), -1);

	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	assert_int_equal(nsent, 0);	/* u2's output goes nowhere, not to u's tx */
	r = (struct bus_req){ .addr = 0x2f8 + UART_IER, .size = 1, .write = true, .val = 2 };
	assert_int_equal(bus_access(&bus, BUS_PIO, &r), BUS_OK);
	assert_int_equal(irq_calls, 0);
}

static void test_reset(void **state)
{
	(void)state;
	out(UART_LCR, 0x83);
	out(UART_DLL, 1);
	out(UART_LCR, 0x03);
	out(UART_IER, 0x0f);
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_SCR, 0x77);
	out(UART_MCR, UART_MCR_OUT2);
	vuart_rx_push(&u, 'a');
	assert_true(irq_level);
	vuart_reset(&u);
	assert_false(irq_level);
	assert_int_equal(bus.irq_levels, 0);
	assert_int_equal(in(UART_IER), 0);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(in(UART_LCR), 0);
	assert_int_equal(in(UART_MCR), 0);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_MSR), 0xb0);
	assert_int_equal(in(UART_SCR), 0);
	out(UART_LCR, 0x80);
	assert_int_equal(in(UART_DLL), 12);
	out(UART_LCR, 0);
	/* THRE is not pending after reset: only a THR write or ETBEI 0->1 */
	out(UART_IER, UART_IER_ERBFI);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	/* input works again */
	assert_true(vuart_rx_push(&u, 'b'));
	assert_int_equal(in(UART_RBR), 'b');
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_on),
		T(test_scratch_lcr_mcr),
		T(test_ier),
		T(test_dlab),
		T(test_tx),
		T(test_fifo),
		T(test_fifo_clear_keeps_ring),
		T(test_fcr_thre),
		T(test_rx),
		T(test_rx_beyond_fifo),
		T(test_loopback),
		T(test_overrun),
		T(test_msr_deltas),
		T(test_iir_priority),
		T(test_trigger_levels),
		T(test_timeout_one_key),
		T(test_thre_linux),
		T(test_irq_line),
		T(test_linux_8250),
		T(test_wide),
		T(test_attach),
		T(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
