/* SPDX-License-Identifier: BSD-2-Clause */
/* Two cascaded 8259As and the ELCR: the ICW state machine, the priority
 * resolver with rotation and special mask mode, EOIs, poll, INTA and the
 * INT output. See vpic.h for the contract and the choices. Every public
 * entry point takes p->lock and ends with update(), so the master's IRR
 * bit 2 (the slave's request) and p->out are always current. */
#include "drivers/virt/vpic.h"
#include "kernel/lib/lib.h"

#define CASCADE_BIT (1u << VPIC_CASCADE_IRQ)

static const uint8_t elcr_mask[2] = { VPIC_ELCR_MASK_MASTER, VPIC_ELCR_MASK_SLAVE };

/* Inputs in level mode: all with ICW1 LTIM, else those the ELCR selects. */
static uint8_t level_mask(const struct vpic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* 8259A "Fully Nested Mode" and "Automatic Rotation": priority runs from
 * lowest + 1 (highest) round to lowest. The IR level at rank r: */
static unsigned rank_level(const struct vpic_chip *c, unsigned r)
{
	return (c->lowest + 1 + r) & 7;
}

/* The rank (0 = highest priority) of the first level set in mask, 8 if
 * none. */
static unsigned rank(const struct vpic_chip *c, uint8_t mask)
{
	for (unsigned r = 0; r < 8; r++)
		if (mask & (1u << rank_level(c, r)))
			return r;
	return 8;
}

/* The priority resolver: the level an acknowledge would take now, or -1.
 * A request must be unmasked and of higher priority than every level in
 * service, except that special mask mode lets nothing in service block
 * (vpic.h) and the master in SFNM does not count IR2 (8259A "Special Fully
 * Nested Mode": the slave may nest higher-priority requests). */
static int chip_pending(const struct vpic_chip *c, bool master)
{
	uint8_t busy = c->special_mask ? 0 : c->isr;
	unsigned r = rank(c, c->irr & (uint8_t)~c->imr);

	if (master && c->sfnm)
		busy &= (uint8_t)~CASCADE_BIT;
	if (r == 8 || r >= rank(c, busy))
		return -1;
	return (int)rank_level(c, r);
}

/* IRR of level-sensitive inputs is their level. The master's IR2 is the
 * slave's request, which update() tracks. */
static void sync_levels(struct vpic_chip *c, bool master)
{
	uint8_t m = level_mask(c) & (uint8_t)(master ? ~CASCADE_BIT : 0xff);

	c->irr = (uint8_t)((c->irr & ~m) | (c->lines & m));
}

/* After every state change, under the lock. The cascade as KVM models it:
 * a slave request sets the master's IRR bit 2 (latched in edge mode, so a
 * request that vanishes before INTA ends as spurious IRQ 15); with LTIM
 * the bit follows the request. Then the master's INT output. */
static void update(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0];
	bool out;

	if (chip_pending(&p->chip[1], false) >= 0)
		m->irr |= CASCADE_BIT;
	else if (m->ltim)
		m->irr &= (uint8_t)~CASCADE_BIT;
	out = chip_pending(m, true) >= 0;
	if (out == p->out)
		return;
	__atomic_store_n(&p->out, out, __ATOMIC_RELAXED);
	if (p->output)
		p->output(p->ctx, out);
}

/* An acknowledge (INTA or poll) of level irq: IRR bit cleared (set again
 * at once for a level input still high), ISR bit set unless AEOI, which
 * instead does its non-specific EOI, rotating if asked (8259A "Automatic
 * End of Interrupt", "Automatic Rotation"). */
static void chip_ack(struct vpic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	c->irr &= (uint8_t)~bit;
	c->irr |= c->lines & bit & level_mask(c);
	if (!c->aeoi)
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)irq;
}

/* Non-specific EOI: the highest-priority level in service; in special
 * mask mode masked ones are skipped (8259A "Special Mask Mode"). */
static void chip_eoi(struct vpic_chip *c, bool rotate)
{
	uint8_t cand = c->special_mask ? c->isr & (uint8_t)~c->imr : c->isr;
	unsigned r = rank(c, cand);
	unsigned irq;

	if (r == 8)
		return;
	irq = rank_level(c, r);
	c->isr &= (uint8_t)~(1u << irq);
	if (rotate)
		c->lowest = (uint8_t)irq;
}

/* Everything but the input levels, as at power-on (vpic.h). */
static void chip_power_on(struct vpic_chip *c)
{
	uint8_t lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->lines = lines;
	c->imr = 0xff;
	c->lowest = 7;
	c->icw_next = VPIC_ICW_DONE;
}

/* 8259A "Initialization Command Words", ICW1 a-f, plus ISR (vpic.h). */
static void write_icw1(struct vpic_chip *c, uint8_t v, bool master)
{
	c->ic4 = v & PIC_ICW1_IC4;
	c->sngl = v & PIC_ICW1_SNGL;
	c->ltim = v & PIC_ICW1_LTIM;
	c->irr = 0;		/* edge sense reset; level inputs re-derived below */
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->aeoi = c->sfnm = c->rotate_aeoi = false;	/* ICW4 functions 0 unless ICW4 says */
	c->icw4 = 0;
	c->initialized = false;
	c->icw_next = VPIC_ICW2;
	sync_levels(c, master);
}

static void write_ocw2(struct vpic_chip *c, uint8_t v)
{
	unsigned level = PIC_OCW2_LEVEL(v);

	switch (PIC_OCW2_CMD(v)) {
	case PIC_OCW2_ROT_AEOI_CLEAR:
		c->rotate_aeoi = false;
		break;
	case PIC_OCW2_EOI:
		chip_eoi(c, false);
		break;
	case PIC_OCW2_SEOI:
		c->isr &= (uint8_t)~(1u << level);
		break;
	case PIC_OCW2_ROT_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case PIC_OCW2_ROT_EOI:
		chip_eoi(c, true);
		break;
	case PIC_OCW2_SET_PRIO:
		c->lowest = (uint8_t)level;
		break;
	case PIC_OCW2_ROT_SEOI:
		c->isr &= (uint8_t)~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	default:	/* PIC_OCW2_NOP */
		break;
	}
}

static void write_ocw3(struct vpic_chip *c, uint8_t v)
{
	if (v & PIC_OCW3_P)
		c->poll = true;
	if (v & PIC_OCW3_RR)
		c->read_isr = v & PIC_OCW3_RIS;
	if (v & PIC_OCW3_ESMM)
		c->special_mask = v & PIC_OCW3_SMM;
}

static void write_command(struct vpic_chip *c, uint8_t v, bool master)
{
	if (v & PIC_ICW1_INIT)
		write_icw1(c, v, master);
	else if ((v & PIC_OCW_SEL_MASK) == PIC_OCW3_SEL)
		write_ocw3(c, v);
	else if ((v & PIC_OCW_SEL_MASK) == PIC_OCW2_SEL)
		write_ocw2(c, v);
}

/* ICW2, ICW3, ICW4 in turn after ICW1 (8259A "Initialization Command
 * Words" flow chart), then OCW1. */
static void write_data(struct vpic_chip *c, uint8_t v)
{
	switch (c->icw_next) {
	case VPIC_ICW2:
		c->vector_base = v & PIC_ICW2_BASE;
		c->icw_next = !c->sngl ? VPIC_ICW3 : c->ic4 ? VPIC_ICW4 : VPIC_ICW_DONE;
		break;
	case VPIC_ICW3:
		c->icw3 = v;
		c->icw_next = c->ic4 ? VPIC_ICW4 : VPIC_ICW_DONE;
		break;
	case VPIC_ICW4:
		c->icw4 = v;
		c->aeoi = v & PIC_ICW4_AEOI;
		c->sfnm = v & PIC_ICW4_SFNM;
		c->icw_next = VPIC_ICW_DONE;
		break;
	default:
		c->imr = v;	/* OCW1 */
		return;
	}
	if (c->icw_next == VPIC_ICW_DONE)
		c->initialized = true;
}

/* 8259A "Poll Command": the read is the acknowledge. */
static uint8_t poll_read(struct vpic_chip *c, bool master)
{
	int irq = chip_pending(c, master);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, (unsigned)irq);
	return (uint8_t)(PIC_POLL_INT | irq);
}

static uint8_t read_port(struct vpic_chip *c, unsigned port, bool master)
{
	if (c->poll)	/* any RD pulse (vpic.h) */
		return poll_read(c, master);
	if (port == 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static enum bus_status pic_access(struct vpic *p, unsigned i, uint64_t offset,
				  struct bus_req *r)
{
	struct vpic_chip *c = &p->chip[i];
	uint8_t v = (uint8_t)r->val;

	if (r->size != 1 || offset >= VPIC_PORTS)
		return BUS_UNASSIGNED;
	spin_lock(&p->lock);
	if (!r->write)
		r->val = read_port(c, (unsigned)offset, i == 0);
	else if (offset == 0)
		write_command(c, v, i == 0);
	else
		write_data(c, v);
	update(p);
	spin_unlock(&p->lock);
	return BUS_OK;
}

enum bus_status vpic_master_access(void *dev, uint64_t offset, struct bus_req *r)
{
	return pic_access(dev, 0, offset, r);
}

enum bus_status vpic_slave_access(void *dev, uint64_t offset, struct bus_req *r)
{
	return pic_access(dev, 1, offset, r);
}

enum bus_status vpic_elcr_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vpic *p = dev;
	struct vpic_chip *c;

	if (r->size != 1 || offset >= VPIC_PORTS)
		return BUS_UNASSIGNED;
	c = &p->chip[offset];
	spin_lock(&p->lock);
	if (r->write) {
		c->elcr = (uint8_t)r->val & elcr_mask[offset];
		sync_levels(c, offset == 0);
		update(p);
	} else {
		r->val = c->elcr;
	}
	spin_unlock(&p->lock);
	return BUS_OK;
}

static void reset_locked(struct vpic *p)
{
	chip_power_on(&p->chip[0]);
	chip_power_on(&p->chip[1]);
	update(p);
}

void vpic_init(struct vpic *p, void (*output)(void *ctx, bool level), void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->output = output;
	p->ctx = ctx;
	reset_locked(p);	/* nobody else sees p yet; out stays low: no call */
}

void vpic_reset(struct vpic *p)
{
	spin_lock(&p->lock);
	reset_locked(p);
	spin_unlock(&p->lock);
}

int vpic_attach(struct vpic *p, struct bus *bus, char *err, size_t errlen)
{
	const struct bus_range r[] = {
		{ BUS_PIO, VPIC_MASTER_BASE, VPIC_PORTS, "pic1", vpic_master_access, p },
		{ BUS_PIO, VPIC_SLAVE_BASE, VPIC_PORTS, "pic2", vpic_slave_access, p },
		{ BUS_PIO, VPIC_ELCR_BASE, VPIC_PORTS, "elcr", vpic_elcr_access, p },
	};

	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		if (bus_register(bus, &r[i], err, errlen))
			return -1;
	return 0;
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	struct vpic_chip *c;
	uint8_t bit;

	if (irq >= VPIC_IRQS || irq == VPIC_CASCADE_IRQ)
		return;
	c = &p->chip[irq / 8];
	bit = (uint8_t)(1u << (irq % 8));
	spin_lock(&p->lock);
	if (level && !(c->lines & bit))
		c->irr |= bit;	/* a rising edge; level inputs are re-derived next */
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
	sync_levels(c, irq < 8);
	update(p);
	spin_unlock(&p->lock);
}

/* The slave's half of an INTA the master gave to IR2. */
static uint8_t slave_intack(struct vpic *p)
{
	struct vpic_chip *s = &p->chip[1];
	int irq = chip_pending(s, false);

	if (irq < 0) {
		p->spurious++;	/* the master's ISR bit 2 stays set (vpic.h) */
		return s->vector_base | 7;
	}
	chip_ack(s, (unsigned)irq);
	p->counts[8 + irq]++;
	return (uint8_t)(s->vector_base | irq);
}

uint8_t vpic_intack(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0];
	uint8_t vector;
	int irq;

	spin_lock(&p->lock);
	irq = chip_pending(m, true);
	if (irq < 0) {
		p->spurious++;
		vector = m->vector_base | 7;
	} else {
		chip_ack(m, (unsigned)irq);
		if (irq == VPIC_CASCADE_IRQ) {
			vector = slave_intack(p);
		} else {
			p->counts[irq]++;
			vector = (uint8_t)(m->vector_base | irq);
		}
	}
	update(p);
	spin_unlock(&p->lock);
	return vector;
}

bool vpic_output(const struct vpic *p)
{
	return __atomic_load_n(&p->out, __ATOMIC_RELAXED);
}

void vpic_view(struct vpic *p, struct vpic_view *out)
{
	memset(out, 0, sizeof(*out));
	spin_lock(&p->lock);
	for (unsigned i = 0; i < 2; i++) {
		const struct vpic_chip *c = &p->chip[i];

		out->chip[i].irr = c->irr;
		out->chip[i].isr = c->isr;
		out->chip[i].imr = c->imr;
		out->chip[i].elcr = c->elcr;
		out->chip[i].vector_base = c->vector_base;
		out->chip[i].lowest = c->lowest;
		out->chip[i].lines = c->lines;
		out->chip[i].icw3 = c->icw3;
		out->chip[i].icw4 = c->icw4;
		out->chip[i].initialized = c->initialized;
		out->chip[i].aeoi = c->aeoi;
		out->chip[i].rotate_aeoi = c->rotate_aeoi;
		out->chip[i].special_mask = c->special_mask;
		out->chip[i].sfnm = c->sfnm;
		out->chip[i].poll = c->poll;
		out->chip[i].read_isr = c->read_isr;
		out->chip[i].level_mode = c->ltim;
		out->chip[i].sngl = c->sngl;
	}
	out->out = p->out;
	memcpy(out->counts, p->counts, sizeof(out->counts));
	out->spurious = p->spurious;
	spin_unlock(&p->lock);
}
