/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's I/O APIC: 24 interrupt pins turned into interrupt messages
 * for the local APICs, per the Intel "82093AA I/O Advanced Programmable
 * Interrupt Controller (IOAPIC)" datasheet (3.1: IOREGSEL and IOWIN; 3.2:
 * the indirect registers, 3.2.4: the redirection table), with the EOI
 * register of the ICH-family IOxAPIC, version 0x20 (ICH2/ICH4 datasheets
 * 9.5.5 "EOIR - EOI Register"; the ICH9 datasheet's APIC chapter has the
 * same register), as QEMU and KVM expose it. Pure: messages go to the
 * caller's send callback as struct vlapic_msg; vlapic_route does the
 * routing (physical/logical matching, lowest priority), not the IOAPIC.
 *
 * Concurrency: every public function takes io->lock; send is called with
 * it held and must not call back into the vioapic.
 *
 * Choices where the datasheets leave room, or where this model deviates:
 * - Only aligned 32-bit accesses to REGSEL (0x00), WIN (0x10) and EOI
 *   (0x40) are decoded. Narrower, wider or unaligned accesses and other
 *   offsets read 0 and drop writes, answering BUS_OK: the hardware does
 *   not decode them (ICH: "accesses must be done a DWord at a time", no
 *   recovery from anything else) and Linux never makes them. EOI is
 *   write-only and reads 0.
 * - REGSEL keeps bits 7:0 of a write; bits 31:8 read 0. Indexes with no
 *   register (0x03-0x0f, 0x40-0xff) read 0 and ignore writes (as QEMU).
 * - The ID is 4 bits (register bits 27:24, 82093AA 3.2.1); the id given
 *   to vioapic_init is truncated to them, and vioapic_reset restores it.
 *   The arbitration ID (3.2.3) reads the ID bits: there is no APIC serial
 *   bus arbitration to model. The version register is read-only 0x00170020.
 * - Redirection entries: bits 55:17 are reserved and read 0 (no ICH
 *   extended destination ID in 55:48). Delivery status (12) always reads 0:
 *   a message is delivered within the call that raises it, so nothing is
 *   ever "send pending". Remote IRR (14) is set only by a level-triggered
 *   fixed/lowest-priority message and cleared by a matching EOI (register
 *   or broadcast) or by writing the low dword with the edge trigger mode
 *   (as KVM); guest writes never set or clear either bit otherwise.
 * - "Asserted" = electrical level XOR polarity-low. Edge pins: only a
 *   level change from vioapic_set_irq is an edge; an edge while masked is
 *   lost (nothing latches it), and an entry write (unmasking, flipping the
 *   polarity) never sends for an edge pin.
 * - Level pins (trigger level, fixed or lowest priority): after any change
 *   (set_irq, entry write, EOI) an asserted, unmasked pin with remote IRR
 *   clear sends with level=true and sets remote IRR. This covers unmasking
 *   and also a write that turns an asserted pin into a level pin. No
 *   storm: the pin sends again only after an EOI. Deassertion sends
 *   nothing (there is no deassert message).
 * - Level-triggered NMI, INIT and ExtINT are handled like edge ones: sent
 *   once per assertion with level=false, remote IRR untouched. SMI (2) and
 *   the reserved modes 3 and 6 are never sent (no SMM in guests) and not
 *   counted.
 * - A physical destination 0xFF is widened to 0xFFFFFFFF so x2APIC
 *   targets see a broadcast too; logical destinations stay 8 bits.
 * - Fixed/lowest vectors below 16 are sent anyway: the receiving vLAPIC
 *   flags "receive illegal vector" itself (SDM 10.5.3).
 * - vioapic_reset keeps pin levels (they belong to the devices) and the
 *   per-pin message counts (statistics, like the bus's irq_raised).
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "drivers/virt/vlapic.h"
#include "kernel/lib/spinlock.h"

#define VIOAPIC_BASE    0xfec00000ull
#define VIOAPIC_SIZE    0x1000	/* one page registered on the MMIO bus */
#define VIOAPIC_PINS    24
#define VIOAPIC_VERSION 0x20	/* has the EOI register at +0x40 */

/* Memory-mapped registers, 82093AA 3.1 and ICH 9.5.5 */
#define IOAPIC_REGSEL 0x00	/* index of the register IOWIN shows, bits 7:0 */
#define IOAPIC_WIN    0x10	/* the selected register */
#define IOAPIC_EOI    0x40	/* write: vector (bits 7:0) whose remote IRR to clear */

/* Indirect registers (REGSEL values), 82093AA 3.2 */
#define IOAPIC_REG_ID  0x00	/* 3.2.1 */
#define IOAPIC_REG_VER 0x01	/* 3.2.2 */
#define IOAPIC_REG_ARB 0x02	/* 3.2.3 */
#define IOAPIC_REG_RTE 0x10	/* 3.2.4: entry n low dword at 0x10 + 2n, high at 0x11 + 2n */

#define IOAPIC_ID_SHIFT   24
#define IOAPIC_ID_MASK    0x0f000000u	/* ID bits 27:24 */
#define IOAPIC_VER_MRE_SHIFT 16		/* maximum redirection entry, bits 23:16 */
#define IOAPIC_VER_VALUE  ((uint32_t)(VIOAPIC_PINS - 1) << IOAPIC_VER_MRE_SHIFT | VIOAPIC_VERSION)

/* Redirection entry bits, 82093AA 3.2.4 */
#define IOAPIC_RTE_VECTOR     0xffull		/* 7:0 */
#define IOAPIC_RTE_DM_SHIFT   8
#define IOAPIC_RTE_DM         (7ull << 8)	/* 10:8 delivery mode, enum vlapic_dm */
#define IOAPIC_RTE_LOGICAL    (1ull << 11)	/* destination mode */
#define IOAPIC_RTE_DELIVS     (1ull << 12)	/* delivery status (read-only) */
#define IOAPIC_RTE_POLARITY_LOW (1ull << 13)	/* 1 = active low */
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)	/* read-only */
#define IOAPIC_RTE_LEVEL      (1ull << 15)	/* trigger mode: 1 = level */
#define IOAPIC_RTE_MASKED     (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
#define IOAPIC_RTE_DEST       (0xffull << 56)	/* 63:56 */
#define IOAPIC_RTE_RESERVED   0x00fffffffffe0000ull	/* 55:17 */
#define IOAPIC_RTE_RO         (IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)
#define IOAPIC_RTE_WRITABLE   (~(IOAPIC_RTE_RESERVED | IOAPIC_RTE_RO))
#define IOAPIC_RTE_RESET      IOAPIC_RTE_MASKED	/* "xxx1 xxxx xxxx xxxxh": masked */

struct vioapic {
	struct spinlock lock;
	uint32_t id;		/* IOAPIC ID register (bits 27:24 significant) */
	uint32_t regsel;	/* bits 7:0 */
	uint64_t rte[VIOAPIC_PINS];
	uint32_t level;		/* electrical level of each pin (bit n) */
	uint32_t counts[VIOAPIC_PINS];	/* messages sent per pin */
	void (*send)(void *ctx, const struct vlapic_msg *m);
	void *ctx;
	uint32_t init_id;	/* ID register value vioapic_reset restores */
};

/* Power-on: ID id (bits 3:0), every entry masked (0x10000), levels low.
 * send (non-NULL) is called, with the lock held, for each interrupt
 * message the IOAPIC raises; it must not call back into the vioapic. */
void vioapic_init(struct vioapic *io, uint8_t id,
		  void (*send)(void *ctx, const struct vlapic_msg *m), void *ctx);

/* Back to power-on register values (ID kept as given at init); pin
 * levels and counts kept (they belong to the devices / the console). */
void vioapic_reset(struct vioapic *io);

/* bus_access_fn: dev = the vioapic, offset within the page. Aligned
 * 32-bit accesses to REGSEL, WIN and EOI (write: the vector, as an EOI
 * broadcast would). Anything else reads 0 / drops writes, BUS_OK. */
enum bus_status vioapic_access(void *dev, uint64_t offset, struct bus_req *r);

/* Registers [VIOAPIC_BASE, +VIOAPIC_SIZE) as "ioapic" on the MMIO bus.
 * Returns bus_register's answer. */
int vioapic_attach(struct vioapic *io, struct bus *bus, char *err, size_t errlen);

/* A device line: pin's electrical level. Pins >= VIOAPIC_PINS ignored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);

/* A local APIC EOI'd a level-triggered vector (broadcast EOI, or a write
 * to the EOI register): every entry with this vector and remote IRR set
 * gets remote IRR cleared, and sends again if still asserted and unmasked. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

/* Console snapshot (any core, takes the lock). id is the 4-bit ID (not
 * shifted), version the version register; asserted = level XOR polarity. */
struct vioapic_view {
	uint32_t id, version;
	uint64_t rte[VIOAPIC_PINS];
	uint32_t level, asserted;
	uint32_t counts[VIOAPIC_PINS];
};
void vioapic_view(struct vioapic *io, struct vioapic_view *out);

/* One redirection entry as a line of text, for the console, e.g.
 * "vec 0x30 fixed phys dest 0x01 edge high masked" (then " rirr" when
 * remote IRR is set). Pure; writes at most n bytes including the NUL. */
void vioapic_describe(uint64_t rte, char *buf, size_t n);
