/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI static tables: the CPUs, I/O APICs, interrupt overrides and NMI lines
 * from the MADT, the PM timer and reset register from the FADT, the HPET base
 * from the HPET table. ACPI 6.5, chapter 5.2. Pure: firmware memory is reached
 * only through the caller's read function; nothing is printed, nothing
 * panics. Host-tested and fuzzed. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_CPUS     256
#define ACPI_MAX_IOAPICS  16
#define ACPI_MAX_ISOS     32
#define ACPI_MAX_NMIS     32
#define ACPI_MAX_WARNINGS 16

/* MADT Flags, ACPI 6.5, 5.2.12 (Table 5.40). */
#define ACPI_MADT_PCAT_COMPAT (1u << 0)	/* dual 8259s present: mask them */

/* MPS INTI flags of overrides and NMI entries, ACPI 6.5, 5.2.12.5 (Table 5.50). */
#define ACPI_MPS_POLARITY_MASK 0x3u	/* 0 bus default, 1 active high, 3 active low */
#define ACPI_MPS_TRIGGER_MASK  0xcu	/* 0 bus default, 4 edge, 0xc level */

/* Generic Address Structure address spaces, ACPI 6.5, 5.2.3.2. */
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1

/* Returns a pointer to len readable bytes at physical address phys, or NULL
 * when they are not all readable. Every pointer returned must stay valid
 * until acpi_parse() or acpi_find_rsdp() returns. The hypervisor serves its
 * identity map; tests serve a fake memory image. */
typedef const void *(*acpi_read_fn)(uint64_t phys, uint64_t len, void *ctx);

/* One usable processor: enabled, or (MADT revision >= 5) online capable. */
struct acpi_cpu {
	uint32_t apic_id;	/* x2APIC ID, or the 8-bit local APIC ID */
	uint32_t uid;		/* ACPI Processor UID, matches NMI entries */
	bool x2apic_entry;	/* from a type 9 entry */
	bool enabled;		/* running now; else only online capable */
	bool online_capable;
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;		/* physical MMIO base */
	uint32_t gsi_base;	/* first global system interrupt it serves */
};

/* An ISA IRQ that is not identity-mapped or not edge/high (e.g. IRQ0 -> GSI 2). */
struct acpi_iso {
	uint8_t bus;		/* 0: ISA */
	uint8_t source;		/* bus-relative IRQ */
	uint32_t gsi;
	uint16_t flags;		/* ACPI_MPS_* */
};

/* Which LINT pin of which processors is wired to NMI. */
struct acpi_nmi {
	bool all;		/* every processor; uid is then meaningless */
	bool x2apic_entry;	/* from a type 0xA entry (32-bit uid) */
	uint32_t uid;		/* ACPI Processor UID */
	uint8_t lint;		/* 0 or 1 */
	uint16_t flags;		/* ACPI_MPS_* */
};

struct acpi_info {
	uint8_t rsdp_revision;		/* 0: ACPI 1.0; 2: ACPI 2.0 and later */
	uint64_t rsdp_phys;
	bool used_xsdt;			/* else the RSDT */
	char oem_id[7];			/* from the RSDP, NUL-terminated */

	uint64_t lapic_addr;		/* MADT field, or its type 5 override */
	uint32_t madt_flags;		/* ACPI_MADT_* */
	uint32_t nr_cpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];	/* in MADT order; the BSP is usually first */
	uint32_t cpus_over_limit;	/* usable processors not kept */
	uint32_t duplicate_apic_ids;	/* usable entries dropped: APIC ID seen before */
	uint32_t nr_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	uint32_t nr_isos;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	uint32_t nr_nmis;
	struct acpi_nmi nmis[ACPI_MAX_NMIS];

	bool has_fadt;
	uint16_t pm_timer_port;		/* 0: no PM timer */
	bool pm_timer_32bit;		/* FADT TMR_VAL_EXT: else the counter is 24 bits */
	uint16_t sci_irq;		/* FADT SCI_INT */
	uint32_t fadt_flags;		/* FADT Flags, 5.2.9 Table 5.10 */
	bool has_reset_reg;		/* FADT RESET_REG_SUP and a long enough FADT */
	uint8_t reset_space;		/* ACPI_GAS_* (or 2: PCI configuration) */
	uint64_t reset_addr;
	uint8_t reset_value;

	bool has_hpet;			/* HPET table with a memory-space base */
	uint64_t hpet_addr;
	uint32_t hpet_block_id;		/* Event Timer Block ID, as firmware wrote it */
	/* Bits 12:8 of the block ID plus one: firmware copies the capability
	 * register's NUM_TIM_CAP, the number of the last comparator (IA-PC HPET
	 * 1.0a, 2.3.4): QEMU's 0x8086a201 means 3 timers. */
	uint8_t hpet_timers;

	/* Non-fatal problems: constant strings naming the table and field,
	 * each distinct one once. warnings_dropped counts those not kept. */
	uint32_t nr_warnings;
	const char *warnings[ACPI_MAX_WARNINGS];
	uint32_t warnings_dropped;
};

/* Why acpi_parse() failed, and the physical address of the structure at
 * fault (for "no MADT": the RSDT or XSDT). */
struct acpi_error {
	const char *what;
	uint64_t phys;
};

/* Parses the tables the RSDP at rsdp_phys points to into out. Returns 0, or
 * nonzero with err set when the RSDP, RSDT or XSDT is bad or there is no
 * valid MADT: the caller then runs on the boot CPU alone. A bad table among
 * the entries is skipped with a warning. Zero CPUs is a success. */
int acpi_parse(uint64_t rsdp_phys, acpi_read_fn read, void *ctx, struct acpi_info *out,
	       struct acpi_error *err);

/* Finds the RSDP by ACPI 6.5, 5.2.5.1: on a 16-byte boundary in the first
 * KiB of the EBDA (segment at 0x40E), then in 0xE0000-0xFFFFF, the first with
 * a valid signature and checksum (and extended checksum for revision >= 2).
 * Returns its physical address, or 0 if there is none. */
uint64_t acpi_find_rsdp(acpi_read_fn read, void *ctx);
