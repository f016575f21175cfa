/* SPDX-License-Identifier: BSD-2-Clause */
/* A 16550A for the guest, byte-register accurate where drivers look: the
 * Linux 8250 probe (scratch, IER, loopback MSR, FIFO bits of IIR, the
 * FIFO size in loopback), its THRE tests and interrupt handler, and polled
 * boot consoles. No baud timing: the header says what replaces it. */
#include "drivers/virt/vuart.h"
#include "kernel/lib/lib.h"

/* Not in LOOP mode the modem inputs look like a terminal that is present
 * and ready: DCD, DSR and CTS on (what QEMU reports too), so flow-control
 * aware drivers transmit. */
#define MSR_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

#define DIVISOR_RESET 12	/* not defined by the data sheet; 9600 baud, as QEMU */

/* PC16550D FCR bits 7:6: the receiver FIFO interrupt trigger level. */
static const uint8_t trigger_bytes[4] = { 1, 4, 8, 14 };

static unsigned rx_count(const struct vuart *u)
{
	return u->rx_head - u->rx_tail;
}

static void rx_put(struct vuart *u, uint8_t c)
{
	u->rx[u->rx_head++ % VUART_RX_RING] = c;
}

/* What the receiver holds: the FIFO in FIFO mode, else the RBR alone. */
static unsigned fifo_room(const struct vuart *u)
{
	return u->fifo_on ? VUART_FIFO : 1;
}

/* A character out of the receiver shift register. PC16550D LSR bit 1:
 * in FIFO mode a character that finds the FIFO full is lost; in 16450
 * mode it overwrites the unread RBR. Either way OE is set. */
static void fifo_put(struct vuart *u, uint8_t c)
{
	if (u->fifo_len == fifo_room(u)) {
		u->lsr_err |= UART_LSR_OE;
		if (u->fifo_on)
			return;
		u->fifo_len = 0;
	}
	u->fifo[(u->fifo_first + u->fifo_len++) % VUART_FIFO] = c;
}

/* A read of RBR; 0 when nothing was received. */
static uint8_t fifo_take(struct vuart *u)
{
	uint8_t c;

	if (!u->fifo_len)
		return 0;
	c = u->fifo[u->fifo_first];
	u->fifo_first = (u->fifo_first + 1) % VUART_FIFO;
	u->fifo_len--;
	return c;
}

/* MSR bits 7:4. PC16550D, MCR bit 4: in loopback DTR->DSR, RTS->CTS,
 * OUT1->RI, OUT2->DCD, and the real inputs are disconnected. */
static uint8_t msr_inputs(const struct vuart *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return MSR_IDLE;
	return (m & UART_MCR_DTR ? UART_MSR_DSR : 0) | (m & UART_MCR_RTS ? UART_MSR_CTS : 0) |
	       (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

/* MSR bits 3:0 for an input change old -> new: any edge of CTS, DSR and
 * DCD, only the trailing (on -> off) edge of RI. */
static uint8_t msr_deltas(uint8_t old, uint8_t cur)
{
	uint8_t x = old ^ cur;

	return (x & UART_MSR_CTS ? UART_MSR_DCTS : 0) | (x & UART_MSR_DSR ? UART_MSR_DDSR : 0) |
	       (old & ~cur & UART_MSR_RI ? UART_MSR_TERI : 0) |
	       (x & UART_MSR_DCD ? UART_MSR_DDCD : 0);
}

/* The highest-priority enabled pending interrupt, PC16550D Table IV. In
 * FIFO mode the receiver's priority-2 source is "data available" from the
 * trigger level up and the character timeout below it (the header says
 * why the timeout needs no clock); in 16450 mode a full RBR is enough. */
static uint8_t iir_source(const struct vuart *u)
{
	if ((u->ier & UART_IER_ELSI) && u->lsr_err)
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->fifo_len)
		return !u->fifo_on || u->fifo_len >= u->trigger ? UART_IIR_RDA : UART_IIR_TIMEOUT;
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_EDSSI) && u->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NONE;
}

/* Under u->lock, after every state change. Typed input moves into the
 * receiver as room appears (not in loopback: SIN is disconnected), so it
 * never overruns. Then the line: on PCs the INTR pin reaches the
 * interrupt controllers only while the OUT2 pin is active; in loopback
 * the data sheet forces the output pins inactive, so the line is low then
 * too. */
static void update_locked(struct vuart *u)
{
	bool level;

	while (!(u->mcr & UART_MCR_LOOP) && rx_count(u) && u->fifo_len < fifo_room(u))
		fifo_put(u, u->rx[u->rx_tail++ % VUART_RX_RING]);
	level = iir_source(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) &&
		!(u->mcr & UART_MCR_LOOP);
	if (u->bus)
		bus_irq_set(u->bus, u->irq, level);
}

static void reset_locked(struct vuart *u)
{
	/* PC16550D Table VIII (reset): everything 0 but IIR bit 0 and LSR
	 * THRE/TEMT, which are computed; FIFOs off and empty. */
	u->ier = u->lcr = u->mcr = u->scr = 0;
	u->lsr_err = u->msr_delta = 0;
	u->dll = DIVISOR_RESET;
	u->dlm = 0;
	u->fifo_on = false;
	u->trigger = trigger_bytes[0];
	u->thre_pending = false;
	u->fifo_len = 0;
	u->rx_tail = u->rx_head;
	update_locked(u);
}

void vuart_init(struct vuart *u, struct bus *bus, unsigned irq_line,
		void (*tx)(void *ctx, uint8_t c), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->bus = bus;
	u->irq = irq_line;
	u->tx = tx;
	u->ctx = ctx;
	reset_locked(u);	/* nobody else sees u yet */
}

void vuart_reset(struct vuart *u)
{
	spin_lock(&u->lock);
	reset_locked(u);
	spin_unlock(&u->lock);
}

int vuart_attach(struct vuart *u, struct bus *bus, uint16_t base, char *err, size_t errlen)
{
	static const struct { uint16_t base; const char *name; } std[] = {
		{ 0x3f8, "com1" }, { 0x2f8, "com2" }, { 0x3e8, "com3" }, { 0x2e8, "com4" },
	};
	struct bus_range r = {
		.space = BUS_PIO, .base = base, .len = VUART_PORTS, .name = "vuart",
		.access = vuart_access, .dev = u,
	};

	for (size_t i = 0; i < ARRAY_SIZE(std); i++)
		if (std[i].base == base)
			r.name = std[i].name;
	return bus_register(bus, &r, err, errlen);
}

static uint8_t read_locked(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			return u->dll;
		return fifo_take(u);	/* update_locked refills it */
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = iir_source(u);
		if (v == UART_IIR_THRE)	/* Table IV: reading IIR resets it */
			u->thre_pending = false;
		return v | (u->fifo_on ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err | (u->fifo_len ? UART_LSR_DR : 0);
		u->lsr_err = 0;	/* Table IV: reading LSR resets RLS */
		return v;
	case UART_MSR:
		v = msr_inputs(u) | u->msr_delta;
		u->msr_delta = 0;
		return v;
	default:
		return u->scr;
	}
}

/* Returns true when v must go to tx once the lock is dropped. */
static bool write_locked(struct vuart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	bool en = v & UART_FCR_ENABLE;
	uint8_t old;

	switch (reg) {
	case UART_THR:
		if (dlab) {
			u->dll = v;
			return false;
		}
		/* The byte leaves at once, so THR is empty again: Table IV
		 * sets the THRE interrupt (writing THR only resets it). In
		 * loopback it goes to the receiver instead of out. */
		u->thre_pending = true;
		if (!(u->mcr & UART_MCR_LOOP))
			return true;
		fifo_put(u, v);
		return false;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
			return false;
		}
		/* Enabling ETBEI with THR empty raises THRE at once (the
		 * 8250 driver's UART_BUG_THRE test expects it). */
		if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
			u->thre_pending = true;
		u->ier = v & 0x0f;	/* bits 7:4 read 0 */
		return false;
	case UART_FCR:
		/* PC16550D FCR: the other bits act only with bit 0 set;
		 * changing bit 0 empties both FIFOs, and the first transmitter
		 * interrupt after it is immediate. Bit 1 empties the receiver
		 * FIFO (input still in the ring arrives after it); the transmit
		 * FIFO (bit 2) is always empty; bit 3 only changes the
		 * RXRDY/TXRDY pins. */
		if (en != u->fifo_on) {
			u->fifo_len = 0;
			u->thre_pending = true;
		} else if (en && (v & UART_FCR_CLEAR_RX)) {
			u->fifo_len = 0;
		}
		if (en)
			u->trigger = trigger_bytes[(v & UART_FCR_TRIGGER) >> 6];
		u->fifo_on = en;
		return false;
	case UART_LCR:
		u->lcr = v;
		return false;
	case UART_MCR:
		old = msr_inputs(u);
		u->mcr = v & UART_MCR_MASK;
		u->msr_delta |= msr_deltas(old, msr_inputs(u));
		return false;
	case UART_SCR:
		u->scr = v;
		return false;
	default:
		return false;	/* LSR, MSR: factory test only, ignored as QEMU does */
	}
}

enum bus_status vuart_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vuart *u = dev;
	uint8_t c = (uint8_t)r->val;
	bool send = false;

	if (r->size != 1 || offset >= VUART_PORTS)
		return BUS_UNASSIGNED;
	spin_lock(&u->lock);
	if (r->write)
		send = write_locked(u, (unsigned)offset, c);
	else
		r->val = read_locked(u, (unsigned)offset);
	update_locked(u);
	spin_unlock(&u->lock);
	/* Outside the lock: tx may take the console's lock. Bytes of one
	 * vCPU stay in order; two vCPUs writing at once interleave anyway. */
	if (send && u->tx)
		u->tx(u->ctx, c);
	return BUS_OK;
}

bool vuart_rx_push(struct vuart *u, uint8_t byte)
{
	bool ok;

	spin_lock(&u->lock);
	ok = !(u->mcr & UART_MCR_LOOP) && rx_count(u) < VUART_RX_RING;
	if (ok) {
		rx_put(u, byte);
		update_locked(u);
	}
	spin_unlock(&u->lock);
	return ok;
}
