/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's 8254 programmable interval timer (ports 0x40-0x43) and the
 * PC's system control port B (0x61), per the Intel 8254 data sheet (order
 * 231164): control word (Figure 7), counter latch, read-back and status
 * (Read Operations), the six modes (Mode Definitions), the gate (Figure 21,
 * Gate Pin Operations Summary), count limits (Figure 22) and BCD. Pure: no
 * printing, no allocation, no hardware. Everything follows from time: a
 * counter's value and OUT at `now` come from the TSC at which it started
 * counting, its initial count and its mode, with TSC ticks turned into
 * VPIT_HZ clocks by a floor muldiv; nothing runs per tick. Counter 0's OUT
 * drives IRQ0 (a pulse per rising edge the caller lets vpit_advance
 * deliver at vpit_deadline); counter 1 counts with nothing wired; counter
 * 2's gate is port 0x61 bit 0 and its OUT reads as port 0x61 bit 5.
 *
 * Choices where the data sheet leaves room or where the model deviates:
 * - CLK phase. The 8254 loads a count on the first CLK after the write (or
 *   trigger) and only then counts; the model puts that CLK at the write
 *   itself. So a read right after writing N gives N, and mode 0's OUT rises
 *   exactly N clocks after the write (the data sheet: after N + 1 CLK
 *   pulses, i.e. between N and N + 1 clocks depending on the CLK phase).
 *   A gate edge likewise acts at once, not at the next CLK.
 * - Count limits (Figure 22): 0 is 65536 (binary) or 10000 (BCD). Modes 2
 *   and 3 with count 1 (illegal, minimum 2) run as count 2. BCD digits
 *   above 9 in a written count are taken as 9.
 * - Mode 3 odd counts follow the mode text: N - 1 is loaded and counted
 *   down by two; OUT is high for (N + 1) / 2 clocks (the count reads 0 in
 *   the last of them) and low for (N - 1) / 2.
 * - Modes 4 and 5 strobe once per count written or trigger; the counter
 *   wraps on after TC (as in modes 0 and 1) without strobing again.
 * - Counters 0 and 1 have their gate tied high, so in modes 1 and 5 they
 *   never see a trigger: OUT stays high, the count stays what the
 *   counting element held, and null count stays set.
 * - A new count in mode 2 or 3 while counting loads at the end of the
 *   current period (mode 2) or half-cycle (mode 3; after a high half the
 *   new count starts in its low half). Gate low drops that plan; the gate's
 *   rising edge loads the newest count anyway (trigger, Figure 21).
 * - Mode 0: the first byte of a two-byte count stops counting and sets OUT
 *   low (Mode 0 text); in the other modes it changes nothing.
 * - A control word stops the counting element, which keeps its value for
 *   reads until a count is written, and drops latched count and status
 *   (the data sheet keeps a latch "until read or reprogrammed") and both
 *   byte flip-flops. Mode 6 and 7 (X10, X11) are modes 2 and 3; the
 *   status byte shows the bits as written.
 * - Power-on: counters unprogrammed (control bits 0, OUT low, null count,
 *   counting element 0): data-port writes are ignored, reads give 0, a
 *   count latch is ignored; a status latch works (0x40). Port 0x61 is 0, so
 *   counter 2's gate is low.
 * - A latched count is read LSB first (two-byte format), with its own byte
 *   order; the unlatched read flip-flop is separate from it and from the
 *   write flip-flop (interleaving reads and writes is allowed).
 * - Reading port 0x43 gives 0xff: the 8254 does not drive the bus for it
 *   (3-state in the Read/Write Operations Summary).
 * - IRQ0 is pulsed for OUT0's rising edges that come from counting (TC,
 *   reload, end of strobe). OUT0 set high by a control word is no pulse
 *   (on hardware it is an edge; a stray IRQ0 at each reprogramming helps
 *   no guest, and QEMU sends none either).
 * - Pulses are at least VPIT_MIN_PERIOD_NS apart: an edge closer than that
 *   to the previous pulse is held back until then (not lost), edges in
 *   between collapse into it. Reads, latches, status and OUT0 keep the
 *   programmed rate exactly (calibration loops depend on it).
 * - Port 0x61 (system control port B): bits 3:0 read back as written,
 *   bit 1 (speaker data) is stored only, bits 2 and 3 (SERR/IOCHK check
 *   disables) likewise; bit 4 toggles every 15.085 us of time since the
 *   last reset; bits 6, 7 (SERR/IOCHK status) read 0.
 * - vpit_reset keeps irqs and the pulse spacing (host-side state).
 *
 * Concurrency: every entry point but vpit_deadline takes the lock;
 * vpit_deadline reads next_irq atomically. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/spinlock.h"

#define VPIT_HZ          1193182u	/* the PC's PIT input clock (14.31818 MHz / 12) */
#define VPIT_PORT        0x40	/* 0x40-0x43 */
#define VPIT_PORTS       4
#define VPIT_PORT61      0x61
#define VPIT_IRQ         0	/* ISA IRQ0: counter 0's OUT */
#define VPIT_MIN_PERIOD_NS 100000u	/* counter 0 interrupts at most every 100 us (10 kHz) */
#define VPIT_TSC_KHZ_MAX (1ull << 32)	/* tsc_khz is clamped to it: muldivs cannot overflow */
#define VPIT_REFRESH_NS  15085u	/* port 0x61 bit 4 toggles at this interval (15.085 us) */

/* Port offsets from VPIT_PORT (Read/Write Operations Summary: A1, A0) */
#define PIT_COUNTER0 0
#define PIT_COUNTER1 1
#define PIT_COUNTER2 2
#define PIT_CONTROL  3	/* control word register: write only */

/* Control word, Figure 7 */
#define PIT_CW_SC_SHIFT   6	/* bits 7:6 select counter ... */
#define PIT_CW_SC_READBACK 3	/* ... or 11: read-back command */
#define PIT_CW_RW_SHIFT   4	/* bits 5:4 read/write format */
#define PIT_RW_LATCH      0	/* 00: counter latch command */
#define PIT_RW_LSB        1	/* least significant byte only */
#define PIT_RW_MSB        2	/* most significant byte only */
#define PIT_RW_WORD       3	/* LSB first, then MSB */
#define PIT_CW_MODE_SHIFT 1	/* bits 3:1 mode */
#define PIT_CW_BCD        0x01	/* BCD counter (4 decades) */

/* Modes, Mode Definitions */
#define PIT_MODE_TC        0	/* interrupt on terminal count */
#define PIT_MODE_ONESHOT   1	/* hardware retriggerable one-shot */
#define PIT_MODE_RATE      2	/* rate generator */
#define PIT_MODE_SQUARE    3	/* square wave */
#define PIT_MODE_SW_STROBE 4	/* software triggered strobe */
#define PIT_MODE_HW_STROBE 5	/* hardware triggered (retriggerable) strobe */

/* Read-back command, Read Operations (bits 7:6 = 11, bit 0 reserved 0) */
#define PIT_RB_NO_COUNT  0x20	/* bit 5 clear: latch the count */
#define PIT_RB_NO_STATUS 0x10	/* bit 4 clear: latch the status */
#define PIT_RB_CNT(n)    (2u << (n))	/* bits 3:1: counters 2, 1, 0 */

/* Status byte, Read Operations (status format) */
#define PIT_ST_OUT   0x80	/* OUT pin level */
#define PIT_ST_NULL  0x40	/* null count: the last count written is not in the CE yet */
#define PIT_ST_CW    0x3f	/* bits 5:0 of the last control word */

/* Port 0x61, system control port B ("NMI status and control") */
#define PORT61_GATE2     0x01	/* timer 2 gate (R/W) */
#define PORT61_SPEAKER   0x02	/* speaker data enable (R/W) */
#define PORT61_SERR_DIS  0x04	/* parity/SERR check disable (R/W) */
#define PORT61_IOCHK_DIS 0x08	/* IOCHK check disable (R/W) */
#define PORT61_RW        0x0f	/* the bits that read back as written */
#define PORT61_REFRESH   0x10	/* refresh cycle toggle (R/O) */
#define PORT61_OUT2      0x20	/* timer 2 output (R/O) */

/* One counter. The counting element (CE) is a "run": once loaded it
 * counts from n at clock 0; its clock count at `now` is base plus the
 * clocks since t0 while running (base alone while stopped). */
struct vpit_channel {
	uint8_t ctrl;		/* control word bits 5:0 as written (status format) */
	uint8_t mode;		/* 0-5 */
	bool gate;		/* GATE input level */
	uint16_t cr;		/* count register: the last count written (raw) */
	uint8_t cr_lsb;		/* first byte of a two-byte count */
	bool write_msb;		/* the next data write is the MSB */
	bool read_msb;		/* the next unlatched read is the MSB */
	bool armed;		/* a count was written since the control word */
	bool null_count;	/* status bit 6 */
	bool status_latched;
	uint8_t status;
	uint8_t latch_left;	/* latched count bytes still to read: 0-2 */
	uint16_t latch;		/* the latched count (register format) */

	bool loaded;		/* the CE holds a run: count and OUT follow time */
	bool running;		/* the run is counting (not stopped by the gate) */
	bool switch_low;	/* mode 3: the planned load starts a low half */
	uint16_t hold;		/* what the CE reads while !loaded (register format) */
	uint32_t n;		/* the run's initial count, 1-65536 */
	uint64_t t0;		/* TSC at which the current counting stretch began */
	uint64_t base;		/* run clocks at t0 (modulo 2^64) */
	uint64_t switch_e;	/* modes 2, 3: run clock at which cr loads; UINT64_MAX none */
};

struct vpit {
	struct spinlock lock;
	struct bus *bus;	/* for IRQ0; NULL: not wired */
	unsigned irq;
	uint64_t tsc_khz;	/* TSC ticks per ms, 1 .. VPIT_TSC_KHZ_MAX */
	struct vpit_channel ch[3];
	uint8_t port61;		/* the R/W bits of port 0x61 */
	uint64_t next_irq;	/* TSC of counter 0's next interrupt, UINT64_MAX none */
	uint64_t irqs;		/* IRQ0 pulses delivered */
	uint64_t irq_edge;	/* TSC of OUT0's next rising edge, or of one held back (<= now) */
	uint64_t irq_floor;	/* no pulse before this TSC: the last one + VPIT_MIN_PERIOD_NS */
	uint64_t min_tsc;	/* VPIT_MIN_PERIOD_NS in TSC ticks */
	uint64_t epoch;		/* TSC of the last reset: the refresh toggle's phase */
};

/* Power-on: counters unprogrammed (no output edges, counting not started),
 * port 0x61 0. tsc_khz is the TSC rate (0: 1000000; clamped to
 * VPIT_TSC_KHZ_MAX); bus and irq give IRQ0 (bus NULL: none). Does not
 * register ports: vpit_attach does. */
void vpit_init(struct vpit *p, struct bus *bus, unsigned irq, uint64_t tsc_khz, uint64_t now);

/* Back to the power-on state (irqs and the pulse spacing stay). */
void vpit_reset(struct vpit *p, uint64_t now);

/* Registers ports 0x40-0x43 as "pit" (vpit_access) and 0x61 as "port61"
 * (vpit_port61_access). Returns bus_register's answer; when the second
 * fails the first stays registered (the VM is not built then anyway). */
int vpit_attach(struct vpit *p, struct bus *bus, char *err, size_t errlen);

/* bus_access_fn for 0x40-0x43 and for 0x61 (dev = the struct vpit). Byte
 * accesses only; wider ones answer BUS_UNASSIGNED. Time is r->now. Both
 * also deliver an IRQ0 pulse that is due (as vpit_advance). */
enum bus_status vpit_access(void *dev, uint64_t offset, struct bus_req *r);
enum bus_status vpit_port61_access(void *dev, uint64_t offset, struct bus_req *r);

/* TSC at which vpit_advance must run next to deliver counter 0's next
 * IRQ0 edge (UINT64_MAX: none pending). Lock-free. */
uint64_t vpit_deadline(const struct vpit *p);

/* Delivers at most ONE IRQ0 pulse if the deadline passed (missed periods
 * collapse into one), then re-arms: the next deadline is the next rising
 * edge after now (periodic modes 2, 3), or none (mode 0/1/4/5 one-shots
 * after their edge); never sooner than VPIT_MIN_PERIOD_NS after the
 * deadline just delivered. Afterwards vpit_deadline is > now or none. */
void vpit_advance(struct vpit *p, uint64_t now);

/* A snapshot for the console and tests. reload: the count written, as a
 * number (0 taken as 65536 / 10000; 0 here: none written since the
 * control word); count: what an unlatched read gives now (BCD-coded in
 * BCD mode); counting: a run is loaded and not stopped by the gate.
 * port61: what a read of 0x61 gives now. period_ns: counter 0's interrupt
 * period in modes 2, 3 (OUT0's period, stretched to a multiple of it of at
 * least VPIT_MIN_PERIOD_NS), 0 otherwise. */
struct vpit_view {
	struct {
		uint8_t mode, access, bcd;
		uint32_t reload;
		uint32_t count;
		bool out, gate, counting;
	} ch[3];
	uint8_t port61;
	uint64_t irqs;
	uint64_t period_ns;	/* counter 0, 0 if not periodic */
};
void vpit_view(struct vpit *p, uint64_t now, struct vpit_view *out);
