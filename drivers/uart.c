/* SPDX-License-Identifier: BSD-2-Clause */
/* 16550 UART driver: probe, program, polled transmit and receive. */
#include "drivers/uart.h"
#include "kernel/x86.h"

/* Registers, offsets from the base port (PC16550D, table 2). */
#define UART_RBR 0	/* receive buffer (read, DLAB=0) */
#define UART_THR 0	/* transmit holding (write, DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1	/* interrupt enable (DLAB=0) */
#define UART_DLM 1	/* divisor latch high (DLAB=1) */
#define UART_FCR 2	/* FIFO control (write) */
#define UART_LCR 3	/* line control */
#define UART_MCR 4	/* modem control */
#define UART_LSR 5	/* line status */
#define UART_SCR 7	/* scratch */

#define LCR_8N1  0x03
#define LCR_DLAB 0x80
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT2 0x08	/* gates the IRQ line on PCs */
#define MCR_LOOP 0x10
#define LSR_DR   0x01	/* data ready */
#define LSR_THRE 0x20	/* transmit holding register empty */
#define FCR_ENABLE_CLEAR 0x07	/* FIFOs on, both cleared */

#define UART_CLOCK 115200	/* divisor 1 */
#define UART_FIFO_SIZE 16	/* PC16550D: transmit FIFO depth */
#define TX_SPIN_LIMIT 100000	/* a wedged UART must not hang the log */

bool uart_init(uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(UART_CLOCK / baud);
	bool ok;

	/* Scratch register: an absent port reads back 0xff. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_SCR, 0xa5);
	if (inb(port + UART_SCR) != 0xa5)
		return false;

	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE_CLEAR);

	/* Loopback: a byte sent must come back. */
	outb(port + UART_MCR, MCR_LOOP | MCR_RTS | MCR_DTR);
	outb(port + UART_THR, 0xae);
	for (int i = 0; i < TX_SPIN_LIMIT && !(inb(port + UART_LSR) & LSR_DR); i++)
		cpu_relax();
	ok = (inb(port + UART_LSR) & LSR_DR) && inb(port + UART_RBR) == 0xae;

	outb(port + UART_MCR, MCR_OUT2 | MCR_RTS | MCR_DTR);
	return ok;
}

void uart_putc(uint16_t port, char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT && !(inb(port + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(port + UART_THR, (uint8_t)c);
}

size_t uart_write_some(uint16_t port, const char *s, size_t n)
{
	size_t i;

	/* With the FIFO on, THRE means the whole 16-byte FIFO is empty. */
	if (!(inb(port + UART_LSR) & LSR_THRE))
		return 0;
	for (i = 0; i < n && i < UART_FIFO_SIZE; i++)
		outb(port + UART_THR, (uint8_t)s[i]);
	return i;
}

int uart_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}
