/* SPDX-License-Identifier: BSD-2-Clause */
/* Intel MultiProcessor Specification 1.4 tables for guests booted without
 * ACPI (acpi=off, or kernels built without it). Pure: host-tested like
 * kernel/vm/bzimage.c. mptable_build() writes the MP floating pointer
 * structure and, right after it, the MP configuration table describing the
 * guest's PC: the vCPUs' local APICs, one ISA bus, the IOAPIC and how the
 * ISA IRQs and the local APICs' LINT pins are wired.
 *
 * References (MultiProcessor Specification, version 1.4, May 1997):
 * - 4.1, Table 4-1: the floating pointer structure, and where an OS looks
 *   for it (the first KiB of the EBDA, the last KiB of base memory, or the
 *   BIOS ROM at 0xF0000-0xFFFFF, on 16-byte boundaries).
 * - 4.2, Table 4-2: the configuration table header.
 * - 4.3, Table 4-3: the entry types and lengths; the entries follow the
 *   header sorted by entry type, ascending.
 * - Tables 4-4 (processor), 4-7/4-8 (bus, bus type strings), 4-9 (I/O
 *   APIC), 4-10/4-11 (I/O interrupt assignment, interrupt types), 4-12
 *   (local interrupt assignment).
 * - 3.6.2 (interrupt modes): virtual wire mode, no IMCR, so feature byte 2
 *   bit 7 (IMCRP) is 0.
 * - Linux arch/x86/kernel/mpparse.c (smp_scan_config, smp_check_mpc,
 *   smp_read_mpc) for what a reader checks.
 *
 * The machine (as svm/platform.c and the device models build it):
 * - vCPU i has local APIC ID i and version 0x14; vCPU 0 is the BSP; all
 *   are enabled. The CPU signature and feature flags are the guest's CPUID
 *   leaf 1 EAX and EDX as the caller passes them, written whole: Table 4-4
 *   gives the signature only stepping/model/family (bits 11:0), but family
 *   0Fh and later CPUs need the extended fields to be told apart, and no
 *   reader we know interprets the field (Linux only prints it).
 * - One ISA bus, ID 0, "ISA   " (Table 4-8: blank-padded).
 * - One IOAPIC: ID 8 (svm/platform.c's IOAPIC_ID, apart from every APIC ID
 *   while VM_MAX_VCPUS is 8), version 0x20, enabled, at 0xFEC00000, 24
 *   pins. With more than 8 vCPUs the ID would equal a local APIC ID, which
 *   4.3.1 forbids in principle; it only matters on a serial APIC bus
 *   (82489DX, P6), and Linux renumbers IOAPICs only for Intel CPUs with
 *   pre-xAPIC local APICs (version < 0x14).
 * - I/O interrupts, all with flags 0 (polarity and trigger conform to the
 *   ISA bus: active high, edge): INT from ISA IRQ 0 to pin 2 (the PIT, as
 *   PCs whose ACPI tables carry the IRQ0 -> GSI 2 override), and ISA IRQ 1,
 *   3..15 to the pin of the same number. IRQ 2 (the cascade) has no entry.
 *   No ExtINT entry: the 8259s' INTR output is wired to the local APICs'
 *   LINT0 (below), not to IOAPIC pin 0, whose entry starts masked; Linux
 *   compares such an entry with the pin's programming and warns.
 * - Local interrupts, to every local APIC (ID 0xFF): ExtINT on LINT0, NMI
 *   on LINT1 (virtual wire mode, as vcpu0's local APIC starts).
 * - OEM ID "SVMVISOR", product ID "SVMVISOR VM ", spec revision 4, no OEM
 *   table, no extended table.
 *
 * Layout in the buffer: the floating pointer (16 bytes) at offset 0, then
 * the configuration table at offset 16 (its GPA is buf_gpa + 16: the
 * floating pointer's PHYSICAL ADDRESS POINTER). The caller puts the buffer
 * where the guest scans (the integrator uses 0xF0000, inside the BIOS ROM
 * area Linux's smp_scan_config searches) and keeps the bytes out of the
 * guest's usable RAM (e820 reserved). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define MPTABLE_MAX_CPUS     32
#define MPTABLE_LAPIC_BASE   0xfee00000u
#define MPTABLE_LAPIC_VERSION 0x14	/* an integrated (xAPIC) local APIC */
#define MPTABLE_ISA_BUS_ID   0
#define MPTABLE_IOAPIC_ID    8
#define MPTABLE_IOAPIC_VERSION 0x20
#define MPTABLE_IOAPIC_BASE  0xfec00000u
#define MPTABLE_IOAPIC_PINS  24
#define MPTABLE_PIT_PIN      2		/* ISA IRQ 0's INT entry */
#define MPTABLE_GPA_LIMIT    0x100000u	/* 4.1: every search area is below 1 MiB */
#define MPTABLE_OEM_ID       "SVMVISOR"
#define MPTABLE_PRODUCT_ID   "SVMVISOR VM "

/* 4.1, Table 4-1: MP floating pointer structure */
#define MP_FPS_SIGNATURE   "_MP_"
#define MP_SPEC_REV_1_4    4		/* SPEC_REV: 1 is 1.1, 4 is 1.4 */
#define MP_FPS_IMCRP       (1u << 7)	/* feature byte 2: IMCR present (PIC mode) */

struct mp_fps {
	char signature[4];		/* 0x00: "_MP_" */
	uint32_t physptr;		/* 0x04: the configuration table's address */
	uint8_t length;			/* 0x08: in 16-byte paragraphs: 1 */
	uint8_t spec_rev;		/* 0x09 */
	uint8_t checksum;		/* 0x0a: the 16 bytes sum to 0 */
	uint8_t feature1;		/* 0x0b: 0: a configuration table is present */
	uint8_t feature2;		/* 0x0c: MP_FPS_IMCRP */
	uint8_t feature3_5[3];		/* 0x0d: reserved, 0 */
} __attribute__((packed));

_Static_assert(sizeof(struct mp_fps) == 16, "MP 1.4 Table 4-1: 16 bytes");
_Static_assert(__builtin_offsetof(struct mp_fps, physptr) == 4, "Table 4-1: PHYSICAL ADDRESS POINTER");
_Static_assert(__builtin_offsetof(struct mp_fps, length) == 8, "Table 4-1: LENGTH");
_Static_assert(__builtin_offsetof(struct mp_fps, spec_rev) == 9, "Table 4-1: SPEC_REV");
_Static_assert(__builtin_offsetof(struct mp_fps, checksum) == 10, "Table 4-1: CHECKSUM");
_Static_assert(__builtin_offsetof(struct mp_fps, feature1) == 11, "Table 4-1: MP FEATURE INFORMATION BYTE 1");
_Static_assert(__builtin_offsetof(struct mp_fps, feature2) == 12, "Table 4-1: MP FEATURE INFORMATION BYTE 2");

/* 4.2, Table 4-2: MP configuration table header */
#define MP_CONFIG_SIGNATURE "PCMP"

struct mp_config_header {
	char signature[4];		/* 0x00: "PCMP" */
	uint16_t length;		/* 0x04: base table, header included */
	uint8_t spec_rev;		/* 0x06 */
	uint8_t checksum;		/* 0x07: the base table sums to 0 */
	char oem_id[8];			/* 0x08: blank-padded, no NUL */
	char product_id[12];		/* 0x10: blank-padded, no NUL */
	uint32_t oem_table;		/* 0x1c: 0: none */
	uint16_t oem_table_size;	/* 0x20 */
	uint16_t entry_count;		/* 0x22 */
	uint32_t lapic_addr;		/* 0x24 */
	uint16_t ext_length;		/* 0x28: 0: no extended entries */
	uint8_t ext_checksum;		/* 0x2a */
	uint8_t reserved_0x2b;
} __attribute__((packed));

_Static_assert(sizeof(struct mp_config_header) == 44, "MP 1.4 Table 4-2: 44 bytes");
_Static_assert(__builtin_offsetof(struct mp_config_header, length) == 4, "Table 4-2: BASE TABLE LENGTH");
_Static_assert(__builtin_offsetof(struct mp_config_header, spec_rev) == 6, "Table 4-2: SPEC_REV");
_Static_assert(__builtin_offsetof(struct mp_config_header, checksum) == 7, "Table 4-2: CHECKSUM");
_Static_assert(__builtin_offsetof(struct mp_config_header, oem_id) == 8, "Table 4-2: OEM ID");
_Static_assert(__builtin_offsetof(struct mp_config_header, product_id) == 16, "Table 4-2: PRODUCT ID");
_Static_assert(__builtin_offsetof(struct mp_config_header, oem_table) == 28, "Table 4-2: OEM TABLE POINTER");
_Static_assert(__builtin_offsetof(struct mp_config_header, oem_table_size) == 32, "Table 4-2: OEM TABLE SIZE");
_Static_assert(__builtin_offsetof(struct mp_config_header, entry_count) == 34, "Table 4-2: ENTRY COUNT");
_Static_assert(__builtin_offsetof(struct mp_config_header, lapic_addr) == 36, "Table 4-2: ADDRESS OF LOCAL APIC");
_Static_assert(__builtin_offsetof(struct mp_config_header, ext_length) == 40, "Table 4-2: EXTENDED TABLE LENGTH");
_Static_assert(__builtin_offsetof(struct mp_config_header, ext_checksum) == 42, "Table 4-2: EXTENDED TABLE CHECKSUM");

/* 4.3, Table 4-3: entry types (the first byte of each entry) */
#define MP_ENTRY_PROCESSOR 0		/* 20 bytes */
#define MP_ENTRY_BUS       1		/* 8 bytes */
#define MP_ENTRY_IOAPIC    2		/* 8 bytes */
#define MP_ENTRY_IO_INT    3		/* 8 bytes */
#define MP_ENTRY_LOCAL_INT 4		/* 8 bytes */

/* 4.3.1, Table 4-4: processor entry */
#define MP_CPU_EN (1u << 0)		/* usable */
#define MP_CPU_BP (1u << 1)		/* the bootstrap processor */

struct mp_processor {
	uint8_t type;			/* 0x00: MP_ENTRY_PROCESSOR */
	uint8_t lapic_id;		/* 0x01 */
	uint8_t lapic_version;		/* 0x02 */
	uint8_t cpu_flags;		/* 0x03: MP_CPU_* */
	uint32_t cpu_signature;		/* 0x04: CPUID 1 EAX (Table 4-5) */
	uint32_t feature_flags;		/* 0x08: CPUID 1 EDX (Table 4-6) */
	uint8_t reserved_0x0c[8];
} __attribute__((packed));

_Static_assert(sizeof(struct mp_processor) == 20, "MP 1.4 Tables 4-3/4-4: 20 bytes");
_Static_assert(__builtin_offsetof(struct mp_processor, lapic_id) == 1, "Table 4-4: LOCAL APIC ID");
_Static_assert(__builtin_offsetof(struct mp_processor, lapic_version) == 2, "Table 4-4: LOCAL APIC VERSION #");
_Static_assert(__builtin_offsetof(struct mp_processor, cpu_flags) == 3, "Table 4-4: CPU FLAGS");
_Static_assert(__builtin_offsetof(struct mp_processor, cpu_signature) == 4, "Table 4-4: CPU SIGNATURE");
_Static_assert(__builtin_offsetof(struct mp_processor, feature_flags) == 8, "Table 4-4: FEATURE FLAGS");

/* 4.3.2, Table 4-7: bus entry; Table 4-8: bus type strings */
#define MP_BUS_ISA "ISA   "

struct mp_bus {
	uint8_t type;			/* 0x00: MP_ENTRY_BUS */
	uint8_t bus_id;			/* 0x01 */
	char bus_type[6];		/* 0x02: blank-padded, no NUL */
} __attribute__((packed));

_Static_assert(sizeof(struct mp_bus) == 8, "MP 1.4 Tables 4-3/4-7: 8 bytes");
_Static_assert(__builtin_offsetof(struct mp_bus, bus_id) == 1, "Table 4-7: BUS ID");
_Static_assert(__builtin_offsetof(struct mp_bus, bus_type) == 2, "Table 4-7: BUS TYPE STRING");

/* 4.3.3, Table 4-9: I/O APIC entry */
#define MP_IOAPIC_EN (1u << 0)		/* usable */

struct mp_ioapic {
	uint8_t type;			/* 0x00: MP_ENTRY_IOAPIC */
	uint8_t ioapic_id;		/* 0x01 */
	uint8_t ioapic_version;		/* 0x02 */
	uint8_t flags;			/* 0x03: MP_IOAPIC_EN */
	uint32_t addr;			/* 0x04 */
} __attribute__((packed));

_Static_assert(sizeof(struct mp_ioapic) == 8, "MP 1.4 Tables 4-3/4-9: 8 bytes");
_Static_assert(__builtin_offsetof(struct mp_ioapic, ioapic_id) == 1, "Table 4-9: I/O APIC ID");
_Static_assert(__builtin_offsetof(struct mp_ioapic, ioapic_version) == 2, "Table 4-9: I/O APIC VERSION #");
_Static_assert(__builtin_offsetof(struct mp_ioapic, flags) == 3, "Table 4-9: I/O APIC FLAGS");
_Static_assert(__builtin_offsetof(struct mp_ioapic, addr) == 4, "Table 4-9: I/O APIC ADDRESS");

/* 4.3.4, Table 4-10 (I/O interrupt assignment) and 4.3.5, Table 4-12 (local
 * interrupt assignment): one layout. The destination is an I/O APIC ID and
 * INTIN pin, or a local APIC ID (0xFF: all) and LINTIN pin (0 or 1). */
#define MP_INT_INT    0			/* Table 4-11: vectored, from the APIC */
#define MP_INT_NMI    1
#define MP_INT_SMI    2
#define MP_INT_EXTINT 3			/* vectored, from the 8259 */
#define MP_INT_FLAGS_CONFORMS 0		/* PO (bits 1:0) and EL (bits 3:2): as the bus */
#define MP_ALL_LAPICS 0xff		/* Table 4-12: DESTINATION LOCAL APIC ID */

struct mp_int {
	uint8_t type;			/* 0x00: MP_ENTRY_IO_INT or MP_ENTRY_LOCAL_INT */
	uint8_t int_type;		/* 0x01: MP_INT_* */
	uint16_t flags;			/* 0x02: PO, EL */
	uint8_t src_bus_id;		/* 0x04 */
	uint8_t src_bus_irq;		/* 0x05 */
	uint8_t dst_apic_id;		/* 0x06 */
	uint8_t dst_pin;		/* 0x07: INTIN# or LINTIN# */
} __attribute__((packed));

_Static_assert(sizeof(struct mp_int) == 8, "MP 1.4 Tables 4-3/4-10/4-12: 8 bytes");
_Static_assert(__builtin_offsetof(struct mp_int, int_type) == 1, "Tables 4-10/4-12: INTERRUPT TYPE");
_Static_assert(__builtin_offsetof(struct mp_int, flags) == 2, "Tables 4-10/4-12: PO, EL");
_Static_assert(__builtin_offsetof(struct mp_int, src_bus_id) == 4, "Tables 4-10/4-12: SOURCE BUS ID");
_Static_assert(__builtin_offsetof(struct mp_int, src_bus_irq) == 5, "Tables 4-10/4-12: SOURCE BUS IRQ");
_Static_assert(__builtin_offsetof(struct mp_int, dst_apic_id) == 6, "Tables 4-10/4-12: DESTINATION APIC ID");
_Static_assert(__builtin_offsetof(struct mp_int, dst_pin) == 7, "Tables 4-10/4-12: DESTINATION INTIN#/LINTIN#");

/* The entries after the processors: the bus, the IOAPIC, 15 I/O interrupts
 * (INT for IRQ 0, 1, 3..15) and 2 local interrupts. */
#define MPTABLE_NR_IO_INTS    15
#define MPTABLE_NR_LOCAL_INTS 2
#define MPTABLE_ENTRIES(n) ((n) + 2 + MPTABLE_NR_IO_INTS + MPTABLE_NR_LOCAL_INTS)
/* The configuration table's BASE TABLE LENGTH, and the bytes mptable_build uses. */
#define MPTABLE_CONFIG_SIZE(n) (sizeof(struct mp_config_header) + \
	(size_t)(n) * sizeof(struct mp_processor) + sizeof(struct mp_bus) + \
	sizeof(struct mp_ioapic) + \
	(MPTABLE_NR_IO_INTS + MPTABLE_NR_LOCAL_INTS) * sizeof(struct mp_int))
#define MPTABLE_SIZE(n) (sizeof(struct mp_fps) + MPTABLE_CONFIG_SIZE(n))
_Static_assert(MPTABLE_SIZE(MPTABLE_MAX_CPUS) == 852, "16 + 44 + 32 * 20 + 8 + 8 + 17 * 8");

struct mptable_vm {
	unsigned nr_cpus;		/* 1..MPTABLE_MAX_CPUS; APIC IDs 0..nr_cpus-1 */
	uint32_t cpu_signature;		/* the guest's CPUID 1 EAX */
	uint32_t cpu_features;		/* the guest's CPUID 1 EDX */
};

/* Writes the floating pointer at buf (the host view of guest RAM at buf_gpa,
 * 16-aligned, below 1 MiB) and the configuration table after it: exactly
 * MPTABLE_SIZE(vm->nr_cpus) bytes; the rest of buf is not touched. Returns
 * the bytes used, or 0 (buf left untouched) when buf or vm is NULL, nr_cpus
 * is 0 or above MPTABLE_MAX_CPUS, buf_gpa is not 16-aligned or not below
 * 1 MiB, or cap is smaller than MPTABLE_SIZE(nr_cpus). */
size_t mptable_build(uint8_t *buf, size_t cap, uint64_t buf_gpa, const struct mptable_vm *vm);
