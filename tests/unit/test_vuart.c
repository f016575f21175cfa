/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vuart.c, through the bus as a guest sees it:
 * every register, DLAB, loopback, the interrupt priorities and the THRE
 * sequences Linux's 8250 driver runs (autoconfig and the UART_BUG_THRE
 * test in serial8250_do_startup), input, the IRQ line, wide accesses and
 * reset. */
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
static uint8_t sent[256];
static int nsent;
static int irq_calls;
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
}

static int setup(void **state)
{
	const struct bus_hooks h = { .irq = irq_hook };

	(void)state;
	nsent = irq_calls = 0;
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

/* ---- receive ---- */

static void test_rx(void **state)
{
	(void)state;
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	assert_true(vuart_rx_push(&u, 'h'));
	assert_true(vuart_rx_push(&u, 'i'));
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 'h');
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 'i');
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(in(UART_RBR), 0);

	for (int i = 0; i < VUART_RX_RING; i++)
		assert_true(vuart_rx_push(&u, (uint8_t)i));
	assert_false(vuart_rx_push(&u, 0xee));	/* full */
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, 0);	/* refused, not lost */
	assert_int_equal(in(UART_RBR), 0);
	assert_true(vuart_rx_push(&u, 0xee));
	for (int i = 1; i < VUART_RX_RING; i++)
		assert_int_equal(in(UART_RBR), i);
	assert_int_equal(in(UART_RBR), 0xee);
	assert_int_equal(in(UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(nsent, 0);
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

	out(UART_THR, 0x55);
	out(UART_THR, 0xaa);
	assert_int_equal(nsent, 0);	/* nothing leaves */
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(in(UART_RBR), 0x55);
	assert_int_equal(in(UART_RBR), 0xaa);
	assert_false(vuart_rx_push(&u, 'x'));	/* serial input disconnected */
	assert_int_equal(in(UART_RBR), 0);

	/* overrun: the 65th byte is lost and says so, once */
	for (int i = 0; i <= VUART_RX_RING; i++)
		out(UART_THR, (uint8_t)i);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, 0);
	for (int i = 0; i < VUART_RX_RING; i++)
		assert_int_equal(in(UART_RBR), i);

	out(UART_MCR, 0);	/* back to normal */
	out(UART_THR, 'z');
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0], 'z');
	assert_int_equal(in(UART_MSR) & 0xf0, 0xb0);
	assert_true(vuart_rx_push(&u, 'x'));
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
	 * modem inputs, 65 bytes fill the receiver and overrun it, and THR
	 * was written. */
	out(UART_MCR, UART_MCR_LOOP);
	for (int i = 0; i <= VUART_RX_RING; i++)
		out(UART_THR, (uint8_t)i);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);	/* none enabled */
	out(UART_IER, 0x0f);
	assert_int_equal(in(UART_IIR), UART_IIR_RLS);
	assert_int_equal(in(UART_IIR), UART_IIR_RLS);	/* until LSR is read */
	in(UART_LSR);
	assert_int_equal(in(UART_IIR), UART_IIR_RDA);
	for (int i = 0; i < VUART_RX_RING - 1; i++)
		in(UART_RBR);
	assert_int_equal(in(UART_IIR), UART_IIR_RDA);	/* until the last byte */
	in(UART_RBR);
	assert_int_equal(in(UART_IIR), UART_IIR_THRE);	/* this read acknowledges it */
	assert_int_equal(in(UART_IIR), UART_IIR_MSI);
	assert_int_equal(in(UART_IIR), UART_IIR_MSI);	/* until MSR is read */
	in(UART_MSR);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);

	/* disabled sources do not show, and stay pending */
	out(UART_THR, 7);	/* loops back */
	out(UART_IER, UART_IER_ETBEI);
	assert_int_equal(in(UART_IIR), UART_IIR_THRE);
	out(UART_IER, UART_IER_ERBFI);
	assert_int_equal(in(UART_IIR), UART_IIR_RDA);
	in(UART_RBR);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
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
		T(test_rx),
		T(test_loopback),
		T(test_msr_deltas),
		T(test_iir_priority),
		T(test_thre_linux),
		T(test_irq_line),
		T(test_wide),
		T(test_attach),
		T(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
