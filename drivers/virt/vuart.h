/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's 16550A UART (COM1 by default): registers, FIFOs, interrupt
 * logic and loopback per the National PC16550D data sheet (June 1995;
 * register summary in Table II, interrupt control in Table IV, reset in
 * Table VIII, and the register and "FIFO Interrupt Mode Operation"
 * sections), complete enough for Linux's 8250 driver with interrupts.
 * Pure: output goes to a callback, input arrives through vuart_rx_push,
 * the interrupt line through bus_irq_set. Byte accesses only: see
 * vuart_access.
 *
 * Where the chip has a clock and the model has none:
 * - Transmit is instant: a THR write goes to tx at once, so LSR.THRE and
 *   TEMT always read 1 and the THRE interrupt is pending again right
 *   after every THR write (Table IV: writing THR resets it, THR empty
 *   sets it). It is also raised by ETBEI going 0 -> 1 and by a change of
 *   FCR bit 0, and reset by a read of IIR that reports it.
 * - Receive: typed input waits in a ring of VUART_RX_RING bytes, the far
 *   end of the wire, and moves into the receiver whenever it has room: the
 *   VUART_FIFO-byte FIFO with FCR bit 0 set, the 1-byte RBR without. The
 *   wire has perfect flow control, so typed input never overruns:
 *   vuart_rx_push refuses a byte (and says so) only when the ring is full,
 *   and in loopback, which disconnects the serial input; bytes already in
 *   the ring wait for loopback to end. LSR.OE is thus set only in loopback,
 *   by a transmitted byte that finds the receiver full: with FIFOs it is
 *   lost, without it overwrites the unread RBR (LSR bit 1).
 * - Character timeout (IIR 0x0C): the chip raises it when the FIFO holds
 *   data below the trigger level and 4 character times pass with neither
 *   input nor a read. Input here arrives all at once, so the model raises
 *   it as soon as the FIFO holds 1 to trigger-1 bytes (with ERBFI set), as
 *   QEMU's timer effectively does for typed input; reading RBR until the
 *   FIFO is empty clears it, as does input reaching the trigger level
 *   (IIR then reports 0x04). Linux sets the trigger to 8 bytes: without
 *   the timeout a single typed key would never interrupt. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/spinlock.h"

#define VUART_COM1_BASE 0x3f8
#define VUART_COM1_IRQ  4
#define VUART_PORTS     8
#define VUART_RX_RING   64	/* typed input waiting for the receiver; a power of 2 */
#define VUART_FIFO      16	/* receiver FIFO depth of a 16550A */

/* Register offsets, PC16550D Table II */
#define UART_RBR 0	/* receive buffer (read, DLAB=0) */
#define UART_THR 0	/* transmit holding (write, DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1	/* interrupt enable (DLAB=0) */
#define UART_DLM 1	/* divisor latch high (DLAB=1) */
#define UART_IIR 2	/* interrupt identification (read) */
#define UART_FCR 2	/* FIFO control (write) */
#define UART_LCR 3	/* line control */
#define UART_MCR 4	/* modem control */
#define UART_LSR 5	/* line status */
#define UART_MSR 6	/* modem status */
#define UART_SCR 7	/* scratch */

#define UART_IER_ERBFI 0x01	/* received data available */
#define UART_IER_ETBEI 0x02	/* transmitter holding register empty */
#define UART_IER_ELSI  0x04	/* receiver line status */
#define UART_IER_EDSSI 0x08	/* modem status */

#define UART_IIR_NONE  0x01	/* bit 0 = 1: no interrupt pending */
#define UART_IIR_MSI   0x00	/* modem status, priority 4 */
#define UART_IIR_THRE  0x02	/* THR empty, priority 3 */
#define UART_IIR_RDA   0x04	/* received data available, priority 2 */
#define UART_IIR_RLS   0x06	/* receiver line status, priority 1 (highest) */
#define UART_IIR_TIMEOUT 0x0c	/* character timeout, priority 2 (FIFO mode only) */
#define UART_IIR_FIFO  0xc0	/* bits 7:6 = 11: FIFOs enabled */

#define UART_FCR_ENABLE   0x01	/* FIFOs on */
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER  0xc0	/* receiver trigger level: 1, 4, 8 or 14 bytes */

#define UART_LCR_DLAB 0x80	/* divisor latch access */

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08	/* gates the IRQ line on PCs */
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f	/* bits 7:5 read 0 */

/* LSR: no parity, framing or break conditions on this wire, so bits 2-4
 * (PE, FE, BI) and bit 7 (an error in the FIFO) always read 0. */
#define UART_LSR_DR   0x01	/* data ready */
#define UART_LSR_OE   0x02	/* overrun: a byte was lost */
#define UART_LSR_THRE 0x20	/* THR empty */
#define UART_LSR_TEMT 0x40	/* transmitter empty */

#define UART_MSR_DCTS 0x01	/* delta CTS */
#define UART_MSR_DDSR 0x02	/* delta DSR */
#define UART_MSR_TERI 0x04	/* RI went from on to off */
#define UART_MSR_DDCD 0x08	/* delta DCD */
#define UART_MSR_CTS  0x10
#define UART_MSR_DSR  0x20
#define UART_MSR_RI   0x40
#define UART_MSR_DCD  0x80

struct vuart {
	struct spinlock lock;	/* several vCPUs and the console core */
	struct bus *bus;	/* for the interrupt line; NULL: none */
	unsigned irq;
	void (*tx)(void *ctx, uint8_t c);
	void *ctx;

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t lsr_err;	/* LSR error bits (OE) until LSR is read */
	uint8_t msr_delta;	/* MSR bits 3:0 until MSR is read */
	bool fifo_on;		/* FCR bit 0 */
	uint8_t trigger;	/* receiver trigger level in bytes (FCR bits 7:6) */
	bool thre_pending;	/* THRE interrupt not yet acknowledged */
	/* The receiver: the FIFO, or with FIFOs off the RBR alone (one slot
	 * used). Under lock. */
	uint8_t fifo[VUART_FIFO];
	uint8_t fifo_first, fifo_len;
	/* Typed input not yet received; free-running indices, under lock. */
	uint8_t rx[VUART_RX_RING];
	uint32_t rx_head, rx_tail;
};

/* Power-on state (vuart_reset). tx receives every transmitted byte (NULL:
 * discard); bus and irq_line give the interrupt line (bus NULL: none).
 * Does not register ports: vuart_attach does. */
void vuart_init(struct vuart *u, struct bus *bus, unsigned irq_line,
		void (*tx)(void *ctx, uint8_t c), void *ctx);

/* Registers the 8 ports at base on bus, named "com1".."com4" for the
 * standard bases, else "vuart". Returns bus_register's answer. */
int vuart_attach(struct vuart *u, struct bus *bus, uint16_t base, char *err, size_t errlen);

/* bus_access_fn for the vuart (dev = the struct vuart). Accesses wider than
 * a byte answer BUS_UNASSIGNED, so the bus makes reads all ones and drops
 * writes (the 16550 has 8-bit registers; ISA would split a wider access,
 * which no driver relies on). */
enum bus_status vuart_access(void *dev, uint64_t offset, struct bus_req *r);

/* Typed input, from any CPU (the console core). False, byte not taken,
 * when the ring is full (VUART_RX_RING bytes waiting behind a full
 * receiver) or the UART is in loopback (the data sheet disconnects the
 * serial input then). May raise the interrupt line. */
bool vuart_rx_push(struct vuart *u, uint8_t byte);

/* Back to the power-on register values, input dropped, line lowered. */
void vuart_reset(struct vuart *u);
