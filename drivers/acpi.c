/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI static table parser, ACPI 6.5 chapter 5.2.
 *
 * RSDP -> RSDT or XSDT -> MADT ("APIC"), FADT ("FACP"), HPET. Every table is
 * read in two steps: its 36-byte header, then, once the Length is checked
 * against a cap, the whole table, whose checksum must be 0. Parsers get that
 * checked length and never read the Length field again. The MADT walk is one
 * bounded loop: each entry's length is checked against what is left of the
 * table before it is read. Lengths are compared by subtraction, so no sum can
 * wrap. A bad root table is an error; a bad table or entry below it is a
 * warning and is skipped. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/acpi.h"
#include "kernel/lib/lib.h"

#define ACPI_MAX_TABLE_LEN (1u << 20)	/* our cap: real MADTs are a few KiB */
#define ACPI_MAX_RSDP_LEN  4096u	/* our cap for the RSDP's Length */
#define ACPI_EBDA_PTR      0x40e	/* BIOS data area: EBDA segment, 5.2.5.1 */
#define ACPI_EBDA_SCAN     1024
#define ACPI_BIOS_START    0xe0000
#define ACPI_BIOS_LEN      0x20000

/* ACPI 6.5, 5.2.5.3: Root System Description Pointer. */
struct acpi_rsdp {
	char signature[8];	/* 0x00: "RSD PTR " */
	uint8_t checksum;	/* 0x08: bytes 0x00-0x13 sum to 0 */
	char oem_id[6];		/* 0x09 */
	uint8_t revision;	/* 0x0f: 0 for ACPI 1.0, 2 since */
	uint32_t rsdt_addr;	/* 0x10 */
	uint32_t length;	/* 0x14: revision >= 2 only, from here on */
	uint64_t xsdt_addr;	/* 0x18 */
	uint8_t ext_checksum;	/* 0x20: length bytes sum to 0 */
	uint8_t reserved[3];	/* 0x21 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_addr) == 24, "ACPI 6.5, 5.2.5.3");
#define ACPI_RSDP_V1_LEN 20	/* ACPI 1.0 structure: up to RsdtAddress */

/* ACPI 6.5, 5.2.6: System Description Table Header. */
struct acpi_header {
	char signature[4];	/* 0x00 */
	uint32_t length;	/* 0x04: whole table, header included */
	uint8_t revision;	/* 0x08 */
	uint8_t checksum;	/* 0x09: all length bytes sum to 0 */
	char oem_id[6];		/* 0x0a */
	char oem_table_id[8];	/* 0x10 */
	uint32_t oem_revision;	/* 0x18 */
	uint32_t creator_id;	/* 0x1c */
	uint32_t creator_revision;	/* 0x20 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI 6.5, 5.2.6");
/* RSDT (5.2.7) and XSDT (5.2.8): the header, then 4- or 8-byte addresses. */

/* ACPI 6.5, 5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;	/* 0x00: ACPI_GAS_* */
	uint8_t bit_width;	/* 0x01 */
	uint8_t bit_offset;	/* 0x02 */
	uint8_t access_size;	/* 0x03 */
	uint64_t address;	/* 0x04 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 6.5, 5.2.3.2");

/* ACPI 6.5, 5.2.12: MADT; interrupt controller structures follow at 0x2c. */
struct acpi_madt {
	struct acpi_header hdr;	/* 0x00: "APIC" */
	uint32_t lapic_addr;	/* 0x24 */
	uint32_t flags;		/* 0x28: ACPI_MADT_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 6.5, 5.2.12");

struct acpi_madt_entry {
	uint8_t type;		/* 0x00: ACPI_MADT_* below */
	uint8_t length;		/* 0x01: whole entry */
} __attribute__((packed));

#define ACPI_MADT_LAPIC          0x0
#define ACPI_MADT_IOAPIC         0x1
#define ACPI_MADT_ISO            0x2
#define ACPI_MADT_NMI_SOURCE     0x3
#define ACPI_MADT_LAPIC_NMI      0x4
#define ACPI_MADT_LAPIC_OVERRIDE 0x5
#define ACPI_MADT_X2APIC         0x9
#define ACPI_MADT_X2APIC_NMI     0xa

/* Local APIC Flags, 5.2.12.2 (Table 5.47); also in x2APIC entries. */
#define ACPI_LAPIC_ENABLED        (1u << 0)
#define ACPI_LAPIC_ONLINE_CAPABLE (1u << 1)	/* defined from MADT revision 5 */

/* ACPI 6.5, 5.2.12.2: Processor Local APIC. */
struct acpi_madt_lapic {
	struct acpi_madt_entry e;	/* 0x00: length 8 */
	uint8_t uid;		/* 0x02: ACPI Processor UID */
	uint8_t apic_id;	/* 0x03 */
	uint32_t flags;		/* 0x04: ACPI_LAPIC_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 6.5, 5.2.12.2");

/* ACPI 6.5, 5.2.12.3: I/O APIC. */
struct acpi_madt_ioapic {
	struct acpi_madt_entry e;	/* 0x00: length 12 */
	uint8_t id;		/* 0x02 */
	uint8_t reserved;	/* 0x03 */
	uint32_t addr;		/* 0x04 */
	uint32_t gsi_base;	/* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 6.5, 5.2.12.3");

/* ACPI 6.5, 5.2.12.5: Interrupt Source Override. */
struct acpi_madt_iso {
	struct acpi_madt_entry e;	/* 0x00: length 10 */
	uint8_t bus;		/* 0x02 */
	uint8_t source;		/* 0x03 */
	uint32_t gsi;		/* 0x04 */
	uint16_t flags;		/* 0x08: MPS INTI */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI 6.5, 5.2.12.5");

/* ACPI 6.5, 5.2.12.7: Local APIC NMI. */
struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry e;	/* 0x00: length 6 */
	uint8_t uid;		/* 0x02: 0xff = all processors */
	uint16_t flags;		/* 0x03: MPS INTI */
	uint8_t lint;		/* 0x05 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "ACPI 6.5, 5.2.12.7");

/* ACPI 6.5, 5.2.12.8: Local APIC Address Override. */
struct acpi_madt_lapic_override {
	struct acpi_madt_entry e;	/* 0x00: length 12 */
	uint16_t reserved;	/* 0x02 */
	uint64_t addr;		/* 0x04 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "ACPI 6.5, 5.2.12.8");

/* ACPI 6.5, 5.2.12.12: Processor Local x2APIC. */
struct acpi_madt_x2apic {
	struct acpi_madt_entry e;	/* 0x00: length 16 */
	uint16_t reserved;	/* 0x02 */
	uint32_t apic_id;	/* 0x04 */
	uint32_t flags;		/* 0x08: ACPI_LAPIC_* */
	uint32_t uid;		/* 0x0c */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "ACPI 6.5, 5.2.12.12");

/* ACPI 6.5, 5.2.12.13: Local x2APIC NMI. */
struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry e;	/* 0x00: length 12 */
	uint16_t flags;		/* 0x02: MPS INTI */
	uint32_t uid;		/* 0x04: 0xffffffff = all processors */
	uint8_t lint;		/* 0x08 */
	uint8_t reserved[3];	/* 0x09 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "ACPI 6.5, 5.2.12.13");

/* Smallest length of each entry type we read, and the warning when shorter.
 * NMI Source (5.2.12.6, 8 bytes) is checked though not used. */
static const struct {
	uint8_t min;
	const char *what;
} acpi_madt_sizes[] = {
	[ACPI_MADT_LAPIC]          = { 8, "MADT: Local APIC entry shorter than 8" },
	[ACPI_MADT_IOAPIC]         = { 12, "MADT: I/O APIC entry shorter than 12" },
	[ACPI_MADT_ISO]            = { 10, "MADT: Interrupt Source Override shorter than 10" },
	[ACPI_MADT_NMI_SOURCE]     = { 8, "MADT: NMI Source entry shorter than 8" },
	[ACPI_MADT_LAPIC_NMI]      = { 6, "MADT: Local APIC NMI entry shorter than 6" },
	[ACPI_MADT_LAPIC_OVERRIDE] = { 12, "MADT: Local APIC Address Override shorter than 12" },
	[ACPI_MADT_X2APIC]         = { 16, "MADT: Local x2APIC entry shorter than 16" },
	[ACPI_MADT_X2APIC_NMI]     = { 12, "MADT: Local x2APIC NMI entry shorter than 12" },
};

/* ACPI 6.5, 5.2.9: FADT ("FACP"). Only the fields we read are named; an
 * ACPI 1.0 FADT ends at reset_reg. */
struct acpi_fadt {
	struct acpi_header hdr;		/* 0x00 */
	uint8_t reserved_0x24[10];	/* 0x24: FIRMWARE_CTRL .. Preferred_PM_Profile */
	uint16_t sci_int;		/* 0x2e */
	uint8_t reserved_0x30[28];	/* 0x30: SMI_CMD .. PM2_CNT_BLK */
	uint32_t pm_tmr_blk;		/* 0x4c: I/O port */
	uint8_t reserved_0x50[32];	/* 0x50: GPE0_BLK .. IAPC_BOOT_ARCH, reserved */
	uint32_t flags;			/* 0x70: ACPI_FADT_* */
	struct acpi_gas reset_reg;	/* 0x74 */
	uint8_t reset_value;		/* 0x80 */
	uint8_t reserved_0x81[79];	/* 0x81: ARM_BOOT_ARCH .. X_PM2_CNT_BLK */
	struct acpi_gas x_pm_tmr_blk;	/* 0xd0 */
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "ACPI 6.5, 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "ACPI 6.5, 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "ACPI 6.5, 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "ACPI 6.5, 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "ACPI 6.5, 5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "ACPI 6.5, 5.2.9");
_Static_assert(sizeof(struct acpi_fadt) == 220, "ACPI 6.5, 5.2.9");
#define ACPI_FADT_V1_LEN    offsetof(struct acpi_fadt, reset_reg)
#define ACPI_FADT_RESET_LEN (offsetof(struct acpi_fadt, reset_value) + 1)

/* FADT Flags, 5.2.9 (Table 5.10). */
#define ACPI_FADT_TMR_VAL_EXT   (1u << 8)	/* PM timer counts 32 bits, not 24 */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)

/* IA-PC HPET 1.0a, 3.2.4: HPET description table. */
struct acpi_hpet {
	struct acpi_header hdr;	/* 0x00: "HPET" */
	uint32_t block_id;	/* 0x24: Event Timer Block ID */
	struct acpi_gas base;	/* 0x28: address at 0x2c */
	uint8_t number;		/* 0x34: HPET sequence number */
	uint16_t min_tick;	/* 0x35 */
	uint8_t page_prot;	/* 0x37 */
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_hpet, base.address) == 44, "IA-PC HPET 1.0a, 3.2.4");
_Static_assert(sizeof(struct acpi_hpet) == 56, "IA-PC HPET 1.0a, 3.2.4");

struct acpi_walk {
	acpi_read_fn read;
	void *ctx;
	struct acpi_info *out;
	uint8_t madt_revision;
	uint32_t seen;		/* bit i: acpi_tables[i] parsed */
};

/* What we look for among the RSDT/XSDT entries, and how each can fail. */
struct acpi_table_type {
	char sig[4];
	uint32_t min_len;
	void (*parse)(struct acpi_walk *w, const uint8_t *t, uint32_t len);
	const char *unreadable, *bad_sig, *bad_len, *bad_sum, *duplicate;
};

#define ACPI_TABLE(sig, name, min, fn) { sig, min, fn, name ": unreadable", \
	name ": bad signature", name ": Length out of range", name ": bad checksum", \
	name ": duplicate ignored" }

static void acpi_warn(struct acpi_info *out, const char *what)
{
	for (uint32_t i = 0; i < out->nr_warnings; i++)
		if (out->warnings[i] == what)
			return;
	if (out->nr_warnings == ACPI_MAX_WARNINGS)
		out->warnings_dropped++;
	else
		out->warnings[out->nr_warnings++] = what;
}

static int acpi_fail(struct acpi_error *err, const char *what, uint64_t phys)
{
	if (err) {
		err->what = what;
		err->phys = phys;
	}
	return -1;
}

static uint8_t acpi_sum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

/* A range that wraps past 2^64 is nothing firmware can mean. */
static const void *acpi_read(const struct acpi_walk *w, uint64_t phys, uint64_t len)
{
	return len > UINT64_MAX - phys ? NULL : w->read(phys, len, w->ctx);
}

/* Checks the RSDP at phys; returns what is wrong, or NULL and the RSDP. */
static const char *acpi_check_rsdp(const struct acpi_walk *w, uint64_t phys,
				   const struct acpi_rsdp **rsdp)
{
	const struct acpi_rsdp *r = acpi_read(w, phys, ACPI_RSDP_V1_LEN);
	uint32_t len;

	if (!r)
		return "RSDP: unreadable";
	if (memcmp(r->signature, "RSD PTR ", 8) != 0)
		return "RSDP: bad signature";
	if (acpi_sum(r, ACPI_RSDP_V1_LEN) != 0)
		return "RSDP: bad checksum";
	if (r->revision >= 2) {
		r = acpi_read(w, phys, sizeof(*r));
		if (!r)
			return "RSDP: unreadable";
		len = r->length;
		if (len < sizeof(*r) || len > ACPI_MAX_RSDP_LEN)
			return "RSDP: Length < 36 or > 4 KiB";
		r = acpi_read(w, phys, len);
		if (!r)
			return "RSDP: unreadable";
		if (acpi_sum(r, len) != 0)
			return "RSDP: bad extended checksum";
	}
	*rsdp = r;
	return NULL;
}

/* Reads the table at phys whole and checks it; returns what is wrong, or
 * NULL and the table and its length. */
static const char *acpi_load(const struct acpi_walk *w, uint64_t phys,
			     const struct acpi_table_type *type, const uint8_t **table,
			     uint32_t *len)
{
	const struct acpi_header *h = acpi_read(w, phys, sizeof(*h));

	if (!h)
		return type->unreadable;
	if (memcmp(h->signature, type->sig, 4) != 0)
		return type->bad_sig;
	*len = h->length;
	if (*len < type->min_len || *len > ACPI_MAX_TABLE_LEN)
		return type->bad_len;
	*table = acpi_read(w, phys, *len);
	if (!*table)
		return type->unreadable;
	if (acpi_sum(*table, *len) != 0)
		return type->bad_sum;
	return NULL;
}

/* ACPI 6.5, 5.2.12.2: disabled and not online capable means never usable. */
static void acpi_add_cpu(struct acpi_walk *w, uint32_t apic_id, uint32_t uid, uint32_t flags,
			 bool x2apic)
{
	struct acpi_info *out = w->out;
	bool enabled = flags & ACPI_LAPIC_ENABLED;
	bool online = w->madt_revision >= 5 && (flags & ACPI_LAPIC_ONLINE_CAPABLE);

	if (!enabled && !online)
		return;
	if (apic_id == (x2apic ? 0xffffffffu : 0xffu)) {
		acpi_warn(out, "MADT: processor with broadcast APIC ID ignored");
		return;
	}
	for (uint32_t i = 0; i < out->nr_cpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			out->duplicate_apic_ids++;
			acpi_warn(out, "MADT: duplicate APIC ID ignored");
			return;
		}
	}
	if (out->nr_cpus == ACPI_MAX_CPUS) {
		out->cpus_over_limit++;
		acpi_warn(out, "MADT: more than 256 processors");
		return;
	}
	out->cpus[out->nr_cpus++] = (struct acpi_cpu){
		.apic_id = apic_id, .uid = uid, .x2apic_entry = x2apic,
		.enabled = enabled, .online_capable = online,
	};
}

static void acpi_add_nmi(struct acpi_info *out, bool all, bool x2apic, uint32_t uid,
			 uint8_t lint, uint16_t flags)
{
	if (out->nr_nmis == ACPI_MAX_NMIS) {
		acpi_warn(out, "MADT: more than 32 NMI entries");
		return;
	}
	out->nmis[out->nr_nmis++] = (struct acpi_nmi){
		.all = all, .x2apic_entry = x2apic, .uid = uid, .lint = lint, .flags = flags,
	};
}

/* One entry whose length the caller checked against the table and its type. */
static void acpi_parse_madt_entry(struct acpi_walk *w, const uint8_t *p)
{
	struct acpi_info *out = w->out;

	switch (((const struct acpi_madt_entry *)p)->type) {
	case ACPI_MADT_LAPIC: {
		const struct acpi_madt_lapic *e = (const void *)p;

		acpi_add_cpu(w, e->apic_id, e->uid, e->flags, false);
		break;
	}
	case ACPI_MADT_X2APIC: {
		const struct acpi_madt_x2apic *e = (const void *)p;

		acpi_add_cpu(w, e->apic_id, e->uid, e->flags, true);
		break;
	}
	case ACPI_MADT_IOAPIC: {
		const struct acpi_madt_ioapic *e = (const void *)p;

		if (out->nr_ioapics == ACPI_MAX_IOAPICS) {
			acpi_warn(out, "MADT: more than 16 I/O APICs");
			break;
		}
		out->ioapics[out->nr_ioapics++] = (struct acpi_ioapic){
			.id = e->id, .addr = e->addr, .gsi_base = e->gsi_base,
		};
		break;
	}
	case ACPI_MADT_ISO: {
		const struct acpi_madt_iso *e = (const void *)p;

		if (out->nr_isos == ACPI_MAX_ISOS) {
			acpi_warn(out, "MADT: more than 32 Interrupt Source Overrides");
			break;
		}
		out->isos[out->nr_isos++] = (struct acpi_iso){
			.bus = e->bus, .source = e->source, .gsi = e->gsi, .flags = e->flags,
		};
		break;
	}
	case ACPI_MADT_LAPIC_NMI: {
		const struct acpi_madt_lapic_nmi *e = (const void *)p;

		acpi_add_nmi(out, e->uid == 0xff, false, e->uid, e->lint, e->flags);
		break;
	}
	case ACPI_MADT_X2APIC_NMI: {
		const struct acpi_madt_x2apic_nmi *e = (const void *)p;

		acpi_add_nmi(out, e->uid == 0xffffffffu, true, e->uid, e->lint, e->flags);
		break;
	}
	case ACPI_MADT_LAPIC_OVERRIDE:
		out->lapic_addr = ((const struct acpi_madt_lapic_override *)p)->addr;
		break;
	default:
		break;	/* NMI Source, GIC, RINTC...: not ours */
	}
}

static void acpi_parse_madt(struct acpi_walk *w, const uint8_t *t, uint32_t len)
{
	const struct acpi_madt *madt = (const void *)t;
	uint32_t off;

	w->madt_revision = madt->hdr.revision;
	w->out->lapic_addr = madt->lapic_addr;
	w->out->madt_flags = madt->flags;
	/* off < len on entry to each pass and grows by at least 2, so the
	 * loop ends within len / 2 passes. */
	for (off = sizeof(*madt); off < len; ) {
		const struct acpi_madt_entry *e = (const void *)(t + off);

		if (len - off < sizeof(*e) || e->length > len - off) {
			acpi_warn(w->out, "MADT: entry past the end, walk ended");
			return;
		}
		if (e->length < sizeof(*e)) {
			acpi_warn(w->out, "MADT: entry Length < 2, walk ended");
			return;
		}
		if (e->type < ARRAY_SIZE(acpi_madt_sizes) && acpi_madt_sizes[e->type].what &&
		    e->length < acpi_madt_sizes[e->type].min)
			acpi_warn(w->out, acpi_madt_sizes[e->type].what);
		else
			acpi_parse_madt_entry(w, t + off);
		off += e->length;
	}
}

/* ACPI 6.5, 5.2.9: a nonzero X_PM_TMR_BLK supersedes PM_TMR_BLK. */
static void acpi_parse_fadt(struct acpi_walk *w, const uint8_t *t, uint32_t len)
{
	const struct acpi_fadt *f = (const void *)t;
	struct acpi_info *out = w->out;
	uint64_t port = f->pm_tmr_blk;

	out->has_fadt = true;
	out->sci_irq = f->sci_int;
	out->fadt_flags = f->flags;
	if (len >= sizeof(*f) && f->x_pm_tmr_blk.address) {
		if (f->x_pm_tmr_blk.space_id == ACPI_GAS_IO)
			port = f->x_pm_tmr_blk.address;
		else
			acpi_warn(out, "FADT: X_PM_TMR_BLK not in system I/O space, PM_TMR_BLK used");
	}
	if (port > 0xffff) {
		acpi_warn(out, "FADT: PM timer port above 0xFFFF ignored");
		port = 0;
	}
	out->pm_timer_port = (uint16_t)port;
	out->pm_timer_32bit = port && (f->flags & ACPI_FADT_TMR_VAL_EXT);
	if (len >= ACPI_FADT_RESET_LEN && (f->flags & ACPI_FADT_RESET_REG_SUP)) {
		out->has_reset_reg = true;
		out->reset_space = f->reset_reg.space_id;
		out->reset_addr = f->reset_reg.address;
		out->reset_value = f->reset_value;
	}
}

static void acpi_parse_hpet(struct acpi_walk *w, const uint8_t *t, uint32_t len)
{
	const struct acpi_hpet *h = (const void *)t;
	struct acpi_info *out = w->out;

	(void)len;
	if (h->base.space_id != ACPI_GAS_MEMORY || h->base.address == 0) {
		acpi_warn(out, "HPET: base address not in system memory");
		return;
	}
	out->has_hpet = true;
	out->hpet_addr = h->base.address;
	out->hpet_block_id = h->block_id;
	out->hpet_timers = (uint8_t)(((h->block_id >> 8) & 0x1f) + 1);
}

static const struct acpi_table_type acpi_tables[] = {
	ACPI_TABLE("APIC", "MADT", sizeof(struct acpi_madt), acpi_parse_madt),
	ACPI_TABLE("FACP", "FADT", ACPI_FADT_V1_LEN, acpi_parse_fadt),
	ACPI_TABLE("HPET", "HPET", sizeof(struct acpi_hpet), acpi_parse_hpet),
};
#define ACPI_SEEN_MADT (1u << 0)	/* acpi_tables[0] */

static const struct acpi_table_type acpi_rsdt = ACPI_TABLE("RSDT", "RSDT", 36, NULL);
static const struct acpi_table_type acpi_xsdt = ACPI_TABLE("XSDT", "XSDT", 36, NULL);

/* One RSDT/XSDT entry: tables we do not use are not read past the header. */
static void acpi_parse_entry(struct acpi_walk *w, uint64_t phys)
{
	const struct acpi_header *h = phys ? acpi_read(w, phys, sizeof(*h)) : NULL;
	const uint8_t *t;
	const char *what;
	uint32_t len;

	if (!h) {
		acpi_warn(w->out, w->out->used_xsdt ? "XSDT: entry null or unreadable" :
						      "RSDT: entry null or unreadable");
		return;
	}
	for (uint32_t i = 0; i < ARRAY_SIZE(acpi_tables); i++) {
		const struct acpi_table_type *type = &acpi_tables[i];

		if (memcmp(h->signature, type->sig, 4) != 0)
			continue;
		if (w->seen & (1u << i)) {
			acpi_warn(w->out, type->duplicate);
			return;
		}
		what = acpi_load(w, phys, type, &t, &len);
		if (what) {
			acpi_warn(w->out, what);
			return;
		}
		w->seen |= 1u << i;
		type->parse(w, t, len);
		return;
	}
}

int acpi_parse(uint64_t rsdp_phys, acpi_read_fn read, void *ctx, struct acpi_info *out,
	       struct acpi_error *err)
{
	struct acpi_walk w = { .read = read, .ctx = ctx, .out = out };
	const struct acpi_rsdp *rsdp = NULL;
	const uint8_t *root;
	const char *what;
	uint64_t root_phys;
	uint32_t len, off, size;

	memset(out, 0, sizeof(*out));
	out->rsdp_phys = rsdp_phys;
	what = acpi_check_rsdp(&w, rsdp_phys, &rsdp);
	if (what)
		return acpi_fail(err, what, rsdp_phys);
	out->rsdp_revision = rsdp->revision;
	memcpy(out->oem_id, rsdp->oem_id, sizeof(rsdp->oem_id));
	/* ACPI 6.5, 5.2.5.3: the XSDT, if there is one, supersedes the RSDT. */
	out->used_xsdt = rsdp->revision >= 2 && rsdp->xsdt_addr != 0;
	root_phys = out->used_xsdt ? rsdp->xsdt_addr : rsdp->rsdt_addr;
	size = out->used_xsdt ? 8 : 4;
	what = acpi_load(&w, root_phys, out->used_xsdt ? &acpi_xsdt : &acpi_rsdt, &root, &len);
	if (what)
		return acpi_fail(err, what, root_phys);
	if ((len - sizeof(struct acpi_header)) % size)
		acpi_warn(out, out->used_xsdt ? "XSDT: partial entry at the end ignored" :
						"RSDT: partial entry at the end ignored");
	for (off = sizeof(struct acpi_header); len - off >= size; off += size) {
		uint64_t phys = 0;

		memcpy(&phys, root + off, size);	/* little endian, unaligned */
		acpi_parse_entry(&w, phys);
	}
	if (!(w.seen & ACPI_SEEN_MADT))
		return acpi_fail(err, "no MADT", root_phys);
	return 0;
}

/* The first valid RSDP on a 16-byte boundary in [start, start + len). */
static uint64_t acpi_scan_rsdp(const struct acpi_walk *w, uint64_t start, uint32_t len)
{
	const uint8_t *p = acpi_read(w, start, len);
	const struct acpi_rsdp *rsdp;

	if (!p)
		return 0;
	for (uint32_t off = 0; len - off >= 16; off += 16)
		if (memcmp(p + off, "RSD PTR ", 8) == 0 && !acpi_check_rsdp(w, start + off, &rsdp))
			return start + off;
	return 0;
}

uint64_t acpi_find_rsdp(acpi_read_fn read, void *ctx)
{
	struct acpi_walk w = { .read = read, .ctx = ctx };
	const void *bda = acpi_read(&w, ACPI_EBDA_PTR, 2);
	uint16_t seg = 0;
	uint64_t found = 0;

	if (bda)
		memcpy(&seg, bda, 2);
	if (seg)
		found = acpi_scan_rsdp(&w, (uint64_t)seg << 4, ACPI_EBDA_SCAN);
	return found ? found : acpi_scan_rsdp(&w, ACPI_BIOS_START, ACPI_BIOS_LEN);
}
