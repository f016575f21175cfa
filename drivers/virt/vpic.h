/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's legacy interrupt controllers: two Intel 8259A PICs cascaded
 * as on every PC (master at ports 0x20-0x21, slave at 0xa0-0xa1 on the
 * master's IR2) and the edge/level control registers ELCR1/ELCR2 at
 * 0x4d0-0x4d1. Follows the Intel "8259A Programmable Interrupt Controller"
 * data sheet (order 231468): "Initialization Command Words" (ICW1-4),
 * "Operation Command Words" (OCW1-3), "Fully Nested Mode", "Automatic
 * Rotation", "Specific Rotation", "Special Mask Mode", "Poll Command",
 * "Reading the 8259A Status", "Edge and Level Triggered Modes", "Special
 * Fully Nested Mode", "Cascade Mode"; the ELCR follows the Intel PIIX4
 * data sheet (order 290562, ISA-compatible registers: "ELCR1/ELCR2 -
 * Edge/Level Control Registers") and the ICH data sheets (8259 interrupt
 * controller registers, "ELCR1/ELCR2"). Pure: no printing, no
 * allocation, no hardware. The master's INT output goes to the boot vCPU's
 * LINT0 through the output callback; the CPU's INTA cycle is vpic_intack.
 *
 * Choices where the data sheets leave room, or where this model deviates
 * (each also at its code):
 * - Power-on: the data sheet leaves the 8259A undefined until ICW1. Here
 *   both chips start uninitialized with IMR = 0xff (nothing reaches the
 *   CPU before the guest programs them; there is no firmware to do it),
 *   vector base 0, IR7 lowest priority, IRR and ISR clear, ELCR 0 (the
 *   PIIX4 reset value). vpic_reset returns there, keeping input levels.
 * - ICW1 clears IMR and the edge-latched IRR bits (the "edge sense
 *   circuit is reset": a line already high must go low and high again),
 *   cancels a pending poll and rotate-in-AEOI, makes IR7 lowest, clears
 *   special mask mode, AEOI and SFNM and selects IRR for status reads, as
 *   the data sheet lists. It also clears ISR (the data sheet is silent;
 *   QEMU does the same) so a re-initialized chip never stays blocked.
 *   Level-sensitive IRR bits are re-derived from the live input levels.
 * - The wiring is fixed as on a PC: the slave always cascades into the
 *   master's IR2, whatever ICW3 and SNGL say (both stored only); ICW4's
 *   uPM, BUF and M/S bits are stored only (8086 mode assumed). ISA line 2
 *   does not exist on a PC (the cascade takes its pin), so vpic_set_irq
 *   ignores it.
 * - Edge mode (as KVM's i8259.c, not the data sheet's "request must stay
 *   high until the first INTA"): a rising edge sets the IRR bit and it
 *   stays set until acknowledged, even if the line drops first. Level
 *   mode (ICW1 LTIM, or the line's ELCR bit): the IRR bit is the line's
 *   level at all times; an acknowledge clears it and it is set again at
 *   once if the line is still high (KVM's "we don't clear a level
 *   sensitive interrupt here" gives the same result).
 * - Cascade (as KVM): the master's IR2 bit in IRR is set whenever the
 *   slave has a deliverable request; in edge mode it stays set after that
 *   request vanishes (masked, or its level line dropped), and the INTA
 *   that then finds nothing in the slave returns the slave's IR7 vector
 *   (spurious IRQ 15) with the slave's ISR unchanged but the master's ISR
 *   bit 2 set, as real hardware does and as Linux's spurious-IRQ-15
 *   handling expects (it EOIs the master). With LTIM on the master, IR2
 *   follows the slave's request exactly.
 * - Special mask mode (OCW3 ESMM/SMM): in-service levels block nothing;
 *   only IMR masks. A non-specific EOI then ignores ISR bits whose IMR bit
 *   is set (data sheet, "Special Mask Mode"). QEMU instead lets unmasked
 *   in-service levels keep blocking; the data sheet's "enables interrupts
 *   from all other levels ... that are not masked" reads as here.
 * - SFNM (ICW4 bit 4) is implemented on the master as the data sheet
 *   describes: an IR2 in service does not block further (higher-priority)
 *   requests from the slave. On the slave it is stored only.
 * - Poll (OCW3 P): the data sheet treats "the next RD pulse" as the
 *   acknowledge, so a read of either port of that chip returns the poll
 *   byte (0x80 | level, or 0 when nothing is pending) and acknowledges
 *   like an INTA (ISR set unless AEOI, with AEOI rotation). A master poll
 *   that finds IR2 does not touch the slave; software polls it next.
 *   Polled interrupts are not counted in counts[] (INTA cycles only).
 * - An OCW2 or OCW3 in the middle of the ICW sequence acts at once (KVM
 *   and QEMU); only data-port writes advance the sequence, and only ICW1
 *   restarts it.
 * - The ELCR bits of IRQ 0, 1, 2, 8 and 13 are reserved 0 (PIIX4): writes
 *   are masked with 0xf8 / 0xde. Changing ELCR or LTIM re-derives the
 *   IRR bits of level-sensitive lines at once.
 * - Byte accesses only: a 16- or 32-bit access answers BUS_UNASSIGNED
 *   (reads all ones, writes dropped), as vuart does. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/spinlock.h"

#define VPIC_MASTER_BASE 0x20	/* command (A0 = 0) and data (A0 = 1) ports */
#define VPIC_SLAVE_BASE  0xa0
#define VPIC_ELCR_BASE   0x4d0	/* ELCR1 (IRQ 0-7), ELCR2 (IRQ 8-15) */
#define VPIC_PORTS       2
#define VPIC_IRQS        16
#define VPIC_CASCADE_IRQ 2	/* the master input the slave's INT drives */

/* PIIX4 ELCR1/ELCR2: bits for IRQ 0, 1, 2 (ELCR1) and 8, 13 (ELCR2) are reserved 0. */
#define VPIC_ELCR_MASK_MASTER 0xf8
#define VPIC_ELCR_MASK_SLAVE  0xde

/* ICW1, written to the command port with bit 4 set (8259A "Initialization Command Words"). */
#define PIC_ICW1_IC4  0x01	/* ICW4 follows */
#define PIC_ICW1_SNGL 0x02	/* single chip: no ICW3 */
#define PIC_ICW1_ADI  0x04	/* call address interval: MCS-80/85 only, ignored */
#define PIC_ICW1_LTIM 0x08	/* level-triggered inputs */
#define PIC_ICW1_INIT 0x10	/* marks ICW1 */

/* ICW2: the vector base, bits 7:3 in 8086 mode (A10-A8 ignored). */
#define PIC_ICW2_BASE 0xf8

/* ICW4 (8259A "Initialization Command Words"). */
#define PIC_ICW4_UPM  0x01	/* 8086/8088 mode */
#define PIC_ICW4_AEOI 0x02	/* automatic end of interrupt */
#define PIC_ICW4_MS   0x04	/* buffered mode master/slave: stored */
#define PIC_ICW4_BUF  0x08	/* buffered mode: stored */
#define PIC_ICW4_SFNM 0x10	/* special fully nested mode */

/* OCW2: bits 4:3 = 00; R, SL, EOI in bits 7:5, level in 2:0 (8259A
 * "Operation Command Words"). */
#define PIC_OCW_SEL_MASK   0x18
#define PIC_OCW2_SEL       0x00
#define PIC_OCW3_SEL       0x08
#define PIC_OCW2_CMD(v)    (((v) >> 5) & 7)
#define PIC_OCW2_LEVEL(v)  ((v) & 7)
#define PIC_OCW2_ROT_AEOI_CLEAR 0	/* 000 */
#define PIC_OCW2_EOI            1	/* 001 non-specific EOI */
#define PIC_OCW2_NOP            2	/* 010 */
#define PIC_OCW2_SEOI           3	/* 011 specific EOI */
#define PIC_OCW2_ROT_AEOI_SET   4	/* 100 */
#define PIC_OCW2_ROT_EOI        5	/* 101 rotate on non-specific EOI */
#define PIC_OCW2_SET_PRIO       6	/* 110 set priority: level becomes lowest */
#define PIC_OCW2_ROT_SEOI       7	/* 111 rotate on specific EOI */

/* OCW3: bits 4:3 = 01 (8259A "Operation Command Words"). */
#define PIC_OCW3_RIS  0x01	/* with RR: 1 read ISR, 0 read IRR */
#define PIC_OCW3_RR   0x02	/* read register command */
#define PIC_OCW3_P    0x04	/* poll command */
#define PIC_OCW3_SMM  0x20	/* with ESMM: 1 set, 0 reset special mask */
#define PIC_OCW3_ESMM 0x40	/* enable special mask mode change */

#define PIC_POLL_INT  0x80	/* poll byte: I, an interrupt was pending */

/* Where the ICW sequence stands: the next data-port write is ... */
enum vpic_icw {
	VPIC_ICW_DONE,	/* OCW1 (IMR) */
	VPIC_ICW2,
	VPIC_ICW3,
	VPIC_ICW4,
};

struct vpic_chip {
	uint8_t irr, isr, imr;
	uint8_t elcr;		/* ELCR1/2; reserved bits kept 0 */
	uint8_t lines;		/* each IR input's electrical level, for edge detection */
	uint8_t vector_base;	/* ICW2 & 0xf8 */
	uint8_t lowest;		/* the lowest-priority level (rotation); 7 after ICW1 */
	uint8_t icw3, icw4;	/* stored as written */
	uint8_t icw_next;	/* enum vpic_icw */
	bool initialized;	/* an ICW sequence has completed */
	bool ic4, sngl, ltim;	/* from ICW1 */
	bool aeoi, sfnm;	/* from ICW4 */
	bool rotate_aeoi;	/* OCW2 rotate in AEOI mode */
	bool special_mask;	/* OCW3 special mask mode */
	bool poll;		/* OCW3 poll: the next read is the poll byte */
	bool read_isr;		/* OCW3 RR/RIS: command-port reads return ISR */
};

struct vpic {
	struct spinlock lock;	/* vCPUs' port accesses and device models' lines */
	struct vpic_chip chip[2];	/* 0 master, 1 slave */
	bool out;			/* the master's INT output */
	uint32_t counts[VPIC_IRQS];	/* interrupts acknowledged (INTA) per IRQ */
	uint32_t spurious;		/* INTAs that found nothing (IRQ 7/15 vector) */
	void (*output)(void *ctx, bool level);
	void *ctx;
};

/* Power-on state; output (may be NULL) is called with the lock held
 * whenever the INT output changes level; it must not call back into the
 * vpic. Does not register ports: vpic_attach does. */
void vpic_init(struct vpic *p, void (*output)(void *ctx, bool level), void *ctx);

/* Back to the power-on register state; input levels kept (a line held
 * high needs a new rising edge); output recomputed (callback if it
 * changes). Counters kept. */
void vpic_reset(struct vpic *p);

/* Registers ports 0x20-0x21 "pic1", 0xa0-0xa1 "pic2" and 0x4d0-0x4d1
 * "elcr". Returns 0, or the first failing bus_register's -1 (ranges
 * registered before it stay: build time, the VM is not started then). */
int vpic_attach(struct vpic *p, struct bus *bus, char *err, size_t errlen);

/* bus_access_fn for the ranges above, dev = the struct vpic, offset 0 or 1.
 * Byte accesses only; wider ones answer BUS_UNASSIGNED. */
enum bus_status vpic_master_access(void *dev, uint64_t offset, struct bus_req *r);
enum bus_status vpic_slave_access(void *dev, uint64_t offset, struct bus_req *r);
enum bus_status vpic_elcr_access(void *dev, uint64_t offset, struct bus_req *r);

/* ISA line irq (0-15) is at electrical level `level` (lines are active
 * high). Line 2 (the cascade) and irq >= 16 are ignored. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);

/* The CPU's interrupt acknowledge (INTA) cycle: returns the vector and
 * updates IRR/ISR (AEOI, rotate), cascading through the slave. With
 * nothing pending, the master's IR7 vector (the slave's IR7 vector when
 * the master's IR2 was taken but the slave had nothing), ISR of the chip
 * that had nothing unchanged, spurious counted. Output recomputed. */
uint8_t vpic_intack(struct vpic *p);

/* The INT output now (a lock-free hint). */
bool vpic_output(const struct vpic *p);

struct vpic_view {
	struct {
		uint8_t irr, isr, imr, elcr, vector_base;
		uint8_t lowest;	/* lowest-priority level */
		uint8_t lines;	/* input levels */
		uint8_t icw3, icw4;
		bool initialized, aeoi, rotate_aeoi, special_mask, sfnm, poll, read_isr;
		bool level_mode;	/* ICW1 LTIM */
		bool sngl;
	} chip[2];
	bool out;
	uint32_t counts[VPIC_IRQS], spurious;
};

/* A consistent snapshot, taken under the lock. */
void vpic_view(struct vpic *p, struct vpic_view *out);
