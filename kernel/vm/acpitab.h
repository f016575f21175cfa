/* SPDX-License-Identifier: BSD-2-Clause */
/* The ACPI tables each guest VM gets: RSDP, XSDT, RSDT, FADT, FACS, MADT
 * and a copy of the DSDT, built in one block of guest memory. Pure:
 * host-tested (tests/unit/test_acpitab.c, which also disassembles every
 * table with iasl). The DSDT is ASL, kernel/vm/dsdt.asl, compiled by iasl
 * at build time; its bytes are a parameter here.
 *
 * References: ACPI Specification 6.5, chapter 5.2: 5.2.3.2 Generic Address
 * Structure, 5.2.5.3 RSDP, 5.2.6 System Description Table Header, 5.2.7
 * RSDT, 5.2.8 XSDT, 5.2.9 FADT (its field table, "Fixed ACPI Description
 * Table Fixed Feature Flags", 5.2.9.3 "IA-PC Boot Architecture Flags"),
 * 5.2.10 FACS, 5.2.12 MADT (5.2.12.2 Processor Local APIC, 5.2.12.3 I/O
 * APIC, 5.2.12.5 Interrupt Source Override with its MPS INTI flags,
 * 5.2.12.7 Local APIC NMI). QEMU's hw/i386/acpi-build.c for the choices
 * marked "as QEMU". The section numbers are those of ACPI 6.0 to 6.5;
 * table numbers changed between editions, so the table titles are given.
 *
 * The guest's PC (what the tables describe):
 * - vCPUs 0..nr_cpus-1, local APIC ID = ACPI Processor UID = vCPU index
 *   (what the vLAPIC and CPUID report), xAPIC at 0xFEE00000.
 * - I/O APIC ID 8 at 0xFEC00000 (drivers/virt/vioapic.h), 24 pins, GSI
 *   base 0; two 8259s (MADT PCAT_COMPAT); ISA IRQ 0 (PIT) overridden to
 *   GSI 2, conforming; the SCI, IRQ 9, overridden to GSI 9, level, active
 *   high (as QEMU); LINT1 of every processor is NMI.
 * - The ACPI fixed hardware of drivers/virt/vpmtimer.h: PM1a_EVT_BLK
 *   0x600 (4 bytes), PM1a_CNT_BLK 0x604 (2), PM_TMR_BLK 0x608 (4, 24-bit
 *   timer); no PM1b, PM2 or GPE blocks. SCI_EN always reads 1, so there
 *   is no SMI_CMD port: SMI_CMD, ACPI_ENABLE and ACPI_DISABLE are 0
 *   (vpmtimer.h cites ACPI 6.0, 4.8.2.5, "Platforms that only support
 *   ACPI"). SCI_INT is 9 though no SCI is ever raised. Reset: I/O port
 *   0xcf9, value 6 (drivers/virt/vsysctl.h).
 * - Legacy devices (COM1, CMOS RTC with the century at index 0x32, PIT,
 *   PICs) in the DSDT; no 8042, no VGA, no PCI, no HPET.
 *
 * Choices where the specification leaves room, or where this deviates:
 * - Not hardware-reduced: the guest has the PM timer, PM1 blocks and the
 *   legacy devices, so the FADT is the classic PC one and a FACS is
 *   required (5.2.10: optional only with HW_REDUCED_ACPI).
 * - Revisions: RSDP 2, XSDT and RSDT 1, FADT 6.3 (revision 6, minor 3,
 *   276 bytes), MADT 5, FACS version 2: the ACPI 6.3 level, the newest
 *   the build's iasl (20200925) knows; none of the fields used changed in
 *   6.4 or 6.5.
 * - An RSDT is built besides the XSDT (RsdtAddress is not 0): every table
 *   lies below 4 GiB, so it costs 44 bytes and serves ACPI 1.0-style
 *   readers (small test kernels, boot loaders) that only follow
 *   RsdtAddress; ACPI 2.0+ readers take the XSDT (5.2.5.3).
 * - The FACS address is in FIRMWARE_CTRL only; X_FIRMWARE_CTRL is 0.
 *   5.2.9 says FIRMWARE_CTRL "must be zero" when X_FIRMWARE_CTRL is not,
 *   so one of the two must stay 0, and only the 32-bit field is read by
 *   every reader (as QEMU). The DSDT is in both DSDT and X_DSDT (allowed:
 *   X_DSDT makes OSPM ignore DSDT), and each PM block in both its 32-bit
 *   and its X_ (GAS, system I/O) field, with bit widths 8 * the *_LEN
 *   fields and access sizes word, word and dword, as the device model
 *   takes them.
 * - FADT flags: WBINVD, PROC_C1, PWR_BUTTON and SLP_BUTTON (no fixed
 *   buttons), RESET_REG_SUP. TMR_VAL_EXT clear (24-bit timer). FIX_RTC
 *   clear: RTC_STS/RTC_EN exist in PM1 (stored, though the model never
 *   sets RTC_STS: there is no wake to report). P_LVL2_LAT 101 and
 *   P_LVL3_LAT 1001: no C2, no C3. IAPC_BOOT_ARCH: LEGACY_DEVICES and
 *   VGA_NOT_PRESENT; the 8042 bit clear, so Linux skips its i8042 probe.
 *   Preferred_PM_Profile 0 (unspecified). Hypervisor Vendor Identity
 *   "SVMVISOR".
 * - Layout in the block, RSDP first (so *rsdp_gpa = buf_gpa): RSDP, FACS
 *   (at the next 64-byte boundary), XSDT, RSDT, FADT, MADT, DSDT, each
 *   at a 16-byte boundary; padding is zero. The caller puts the block at
 *   a 16-byte boundary in 0xE0000-0xFFFFF so the BIOS-area scan (5.2.5.1)
 *   finds the RSDP, and reports it reserved in the memory map (5.2.10:
 *   the FACS must not be AddressRangeMemory).
 * - The DSDT is copied as given and not patched: it must be a whole
 *   table, signature "DSDT", Length == dsdt_len, bytes summing to 0
 *   (iasl checksums it). Anything else is refused.
 * - Header fields: OEMID "SVMVSR", OEM Table ID "SVMVISOR" (the XSDT's
 *   must match the FADT's, 5.2.8), OEM Revision 1, Creator ID "SVMV",
 *   Creator Revision 1.
 * - Errors are constant strings (no formatting in a pure module). */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* xAPIC IDs 0..254 (0xFF is the broadcast ID) and UIDs 0..254 (0xFF means
 * "all processors" in a Local APIC NMI structure, 5.2.12.7). The VM
 * builder's limit, VM_MAX_VCPUS in svm/vm.h, must not exceed it. */
#define ACPITAB_MAX_CPUS 255

#define ACPITAB_ALIGN    16	/* buf_gpa: the RSDP's paragraph (5.2.5.1) */

struct acpitab_vm {
	unsigned nr_cpus;		/* 1..ACPITAB_MAX_CPUS */
	const uint8_t *dsdt;		/* the compiled AML: a whole table, header included */
	size_t dsdt_len;
};

/* Builds RSDP, XSDT, RSDT, FADT, FACS, MADT and a copy of the DSDT into buf,
 * the host view of guest memory at buf_gpa (ACPITAB_ALIGN-aligned; the
 * whole block below 4 GiB), at most cap bytes; the bytes used are zeroed
 * first, those past them are not touched. Returns the bytes used, with
 * *rsdp_gpa = the RSDP's GPA (buf_gpa: the RSDP comes first), or 0 with
 * *err a sentence ("ACPI tables: ...") when an argument is bad or cap is
 * too small (buf is then unspecified). rsdp_gpa and err may be NULL. */
size_t acpitab_build(uint8_t *buf, size_t cap, uint64_t buf_gpa, const struct acpitab_vm *vm,
		     uint64_t *rsdp_gpa, const char **err);

/* The DSDT compiled from kernel/vm/dsdt.asl: defined by the generated
 * build/gen/dsdt_aml.c, not by acpitab.c. */
extern const unsigned char acpi_dsdt_aml[];
extern const unsigned acpi_dsdt_aml_len;
