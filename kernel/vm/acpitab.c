/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's ACPI tables (kernel/vm/acpitab.h). Pure: built into the
 * kernel and the host unit test.
 *
 * Every structure is filled in a local variable and copied into the block
 * with memcpy (the host view of guest memory may sit at any alignment).
 * Offsets are planned first, each checked against cap by subtraction, so
 * nothing is written unless the whole block fits; the checksums go in
 * last, once a table's bytes are final. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/vm/acpitab.h"

#define GiB4 (1ull << 32)
#define STR_(x) #x
#define STR(x) STR_(x)

/* The guest's PC; the values come from the headers named. */
#define LAPIC_BASE      0xfee00000u	/* xAPIC, drivers/virt/vlapic.h */
#define IOAPIC_ID       8
#define IOAPIC_BASE     0xfec00000u	/* VIOAPIC_BASE, drivers/virt/vioapic.h */
#define IOAPIC_GSI_BASE 0
#define PM_BASE         0x600		/* VPM_BASE, drivers/virt/vpmtimer.h */
#define PM1_EVT_LEN     4		/* PM1_STS + PM1_EN */
#define PM1_CNT_LEN     2
#define PM_TMR_LEN      4
#define PM1A_EVT_BLK    (PM_BASE + 0x0)
#define PM1A_CNT_BLK    (PM_BASE + 0x4)
#define PM_TMR_BLK      (PM_BASE + 0x8)
#define SCI_IRQ         9
#define RESET_PORT      0xcf9		/* PCI_RST_CNT, drivers/virt/vsysctl.h */
#define RESET_VALUE     0x06		/* SYS_RST | RST_CPU: RST_CPU 0 -> 1 resets */
#define RTC_CENTURY     0x32		/* CMOS index of the century, drivers/virt/vrtc.h */

#define OEM_ID          "SVMVSR"
#define OEM_TABLE_ID    "SVMVISOR"
#define OEM_REVISION    1
#define CREATOR_ID      "SVMV"
#define CREATOR_REVISION 1
#define HYPERVISOR_ID   "SVMVISOR"	/* FADT Hypervisor Vendor Identity */

/* ACPI 6.5, 5.2.5.3: Root System Description Pointer (revision 2). */
struct acpi_rsdp {
	char signature[8];	/* 0x00: "RSD PTR " */
	uint8_t checksum;	/* 0x08: bytes 0x00-0x13 sum to 0 */
	char oem_id[6];		/* 0x09 */
	uint8_t revision;	/* 0x0f: 2 (ACPI 2.0+) */
	uint32_t rsdt_addr;	/* 0x10 */
	uint32_t length;	/* 0x14: 36 */
	uint64_t xsdt_addr;	/* 0x18 */
	uint8_t ext_checksum;	/* 0x20: all 36 bytes sum to 0 */
	uint8_t reserved_0x21[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5, 5.2.5.3: RSDP Structure");
_Static_assert(offsetof(struct acpi_rsdp, checksum) == 8, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, revision) == 15, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_addr) == 16, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_addr) == 24, "ACPI 6.5, 5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, ext_checksum) == 32, "ACPI 6.5, 5.2.5.3");
#define RSDP_V1_LEN 20	/* the ACPI 1.0 part the first checksum covers */

/* ACPI 6.5, 5.2.6: System Description Table Header. */
struct acpi_header {
	char signature[4];	/* 0x00 */
	uint32_t length;	/* 0x04: whole table */
	uint8_t revision;	/* 0x08 */
	uint8_t checksum;	/* 0x09: all length bytes sum to 0 */
	char oem_id[6];		/* 0x0a */
	char oem_table_id[8];	/* 0x10 */
	uint32_t oem_revision;	/* 0x18 */
	char creator_id[4];	/* 0x1c */
	uint32_t creator_revision;	/* 0x20 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI 6.5, 5.2.6: DESCRIPTION_HEADER Fields");
_Static_assert(offsetof(struct acpi_header, length) == 4, "ACPI 6.5, 5.2.6");
_Static_assert(offsetof(struct acpi_header, checksum) == 9, "ACPI 6.5, 5.2.6");
_Static_assert(offsetof(struct acpi_header, oem_table_id) == 16, "ACPI 6.5, 5.2.6");
_Static_assert(offsetof(struct acpi_header, creator_id) == 28, "ACPI 6.5, 5.2.6");
/* RSDT (5.2.7) and XSDT (5.2.8): the header, then 4- or 8-byte addresses. */

/* ACPI 6.5, 5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;	/* 0x00: GAS_SYSTEM_IO */
	uint8_t bit_width;	/* 0x01 */
	uint8_t bit_offset;	/* 0x02 */
	uint8_t access_size;	/* 0x03: GAS_ACCESS_* */
	uint64_t address;	/* 0x04 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 6.5, 5.2.3.2: Generic Address Structure");
_Static_assert(offsetof(struct acpi_gas, access_size) == 3, "ACPI 6.5, 5.2.3.2");
_Static_assert(offsetof(struct acpi_gas, address) == 4, "ACPI 6.5, 5.2.3.2");
#define GAS_SYSTEM_IO    1
#define GAS_ACCESS_BYTE  1
#define GAS_ACCESS_WORD  2
#define GAS_ACCESS_DWORD 3

/* ACPI 6.5, 5.2.9: FADT ("FACP"), revision 6, 276 bytes; every field. */
struct acpi_fadt {
	struct acpi_header hdr;		/* 0x00 */
	uint32_t firmware_ctrl;		/* 0x24: FACS */
	uint32_t dsdt;			/* 0x28 */
	uint8_t reserved_0x2c;		/* ACPI 1.0 INT_MODEL */
	uint8_t preferred_pm_profile;	/* 0x2d */
	uint16_t sci_int;		/* 0x2e */
	uint32_t smi_cmd;		/* 0x30 */
	uint8_t acpi_enable;		/* 0x34 */
	uint8_t acpi_disable;		/* 0x35 */
	uint8_t s4bios_req;		/* 0x36 */
	uint8_t pstate_cnt;		/* 0x37 */
	uint32_t pm1a_evt_blk;		/* 0x38 */
	uint32_t pm1b_evt_blk;		/* 0x3c */
	uint32_t pm1a_cnt_blk;		/* 0x40 */
	uint32_t pm1b_cnt_blk;		/* 0x44 */
	uint32_t pm2_cnt_blk;		/* 0x48 */
	uint32_t pm_tmr_blk;		/* 0x4c */
	uint32_t gpe0_blk;		/* 0x50 */
	uint32_t gpe1_blk;		/* 0x54 */
	uint8_t pm1_evt_len;		/* 0x58 */
	uint8_t pm1_cnt_len;		/* 0x59 */
	uint8_t pm2_cnt_len;		/* 0x5a */
	uint8_t pm_tmr_len;		/* 0x5b */
	uint8_t gpe0_blk_len;		/* 0x5c */
	uint8_t gpe1_blk_len;		/* 0x5d */
	uint8_t gpe1_base;		/* 0x5e */
	uint8_t cst_cnt;		/* 0x5f */
	uint16_t p_lvl2_lat;		/* 0x60: > 100: no C2 */
	uint16_t p_lvl3_lat;		/* 0x62: > 1000: no C3 */
	uint16_t flush_size;		/* 0x64 */
	uint16_t flush_stride;		/* 0x66 */
	uint8_t duty_offset;		/* 0x68 */
	uint8_t duty_width;		/* 0x69 */
	uint8_t day_alrm;		/* 0x6a */
	uint8_t mon_alrm;		/* 0x6b */
	uint8_t century;		/* 0x6c: CMOS index */
	uint16_t iapc_boot_arch;	/* 0x6d: FADT_BOOT_* */
	uint8_t reserved_0x6f;
	uint32_t flags;			/* 0x70: FADT_F_* */
	struct acpi_gas reset_reg;	/* 0x74 */
	uint8_t reset_value;		/* 0x80 */
	uint16_t arm_boot_arch;		/* 0x81 */
	uint8_t minor_version;		/* 0x83 */
	uint64_t x_firmware_ctrl;	/* 0x84 */
	uint64_t x_dsdt;		/* 0x8c */
	struct acpi_gas x_pm1a_evt_blk;	/* 0x94 */
	struct acpi_gas x_pm1b_evt_blk;	/* 0xa0 */
	struct acpi_gas x_pm1a_cnt_blk;	/* 0xac */
	struct acpi_gas x_pm1b_cnt_blk;	/* 0xb8 */
	struct acpi_gas x_pm2_cnt_blk;	/* 0xc4 */
	struct acpi_gas x_pm_tmr_blk;	/* 0xd0 */
	struct acpi_gas x_gpe0_blk;	/* 0xdc */
	struct acpi_gas x_gpe1_blk;	/* 0xe8 */
	struct acpi_gas sleep_control_reg;	/* 0xf4 */
	struct acpi_gas sleep_status_reg;	/* 0x100 */
	char hypervisor_id[8];		/* 0x10c */
} __attribute__((packed));
#define FADT_AT(f, off) _Static_assert(offsetof(struct acpi_fadt, f) == (off), \
				       "ACPI 6.5, 5.2.9: FADT Format, " #f)
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 6.5, 5.2.9: FADT Format, 276 bytes");
FADT_AT(firmware_ctrl, 36);
FADT_AT(dsdt, 40);
FADT_AT(preferred_pm_profile, 45);
FADT_AT(sci_int, 46);
FADT_AT(smi_cmd, 48);
FADT_AT(acpi_enable, 52);
FADT_AT(pm1a_evt_blk, 56);
FADT_AT(pm1a_cnt_blk, 64);
FADT_AT(pm_tmr_blk, 76);
FADT_AT(gpe0_blk, 80);
FADT_AT(pm1_evt_len, 88);
FADT_AT(pm1_cnt_len, 89);
FADT_AT(pm_tmr_len, 91);
FADT_AT(p_lvl2_lat, 96);
FADT_AT(p_lvl3_lat, 98);
FADT_AT(century, 108);
FADT_AT(iapc_boot_arch, 109);
FADT_AT(flags, 112);
FADT_AT(reset_reg, 116);
FADT_AT(reset_value, 128);
FADT_AT(arm_boot_arch, 129);
FADT_AT(minor_version, 131);
FADT_AT(x_firmware_ctrl, 132);
FADT_AT(x_dsdt, 140);
FADT_AT(x_pm1a_evt_blk, 148);
FADT_AT(x_pm1a_cnt_blk, 172);
FADT_AT(x_pm_tmr_blk, 208);
FADT_AT(sleep_control_reg, 244);
FADT_AT(sleep_status_reg, 256);
FADT_AT(hypervisor_id, 268);
#undef FADT_AT
#define FADT_REVISION 6
#define FADT_MINOR    3		/* ACPI 6.3 */

/* ACPI 6.5, 5.2.9, "Fixed ACPI Description Table Fixed Feature Flags". */
#define FADT_F_WBINVD        (1u << 0)	/* WBINVD flushes all caches */
#define FADT_F_PROC_C1       (1u << 2)	/* C1 (HLT) on every processor */
#define FADT_F_PWR_BUTTON    (1u << 4)	/* power button: control method, or none */
#define FADT_F_SLP_BUTTON    (1u << 5)	/* sleep button: control method, or none */
#define FADT_F_TMR_VAL_EXT   (1u << 8)	/* 32-bit PM timer (clear: 24-bit) */
#define FADT_F_RESET_REG_SUP (1u << 10)	/* RESET_REG is valid */
#define FADT_F_HW_REDUCED    (1u << 20)
#define FADT_FLAGS (FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON | \
		    FADT_F_RESET_REG_SUP)

/* ACPI 6.5, 5.2.9.3: IA-PC Boot Architecture Flags. */
#define FADT_BOOT_LEGACY_DEVICES  (1u << 0)	/* ISA devices the OS cannot enumerate */
#define FADT_BOOT_8042            (1u << 1)	/* an 8042 keyboard controller */
#define FADT_BOOT_VGA_NOT_PRESENT (1u << 2)
#define FADT_BOOT_ARCH (FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_VGA_NOT_PRESENT)

#define FADT_NO_C2 101		/* P_LVL2_LAT > 100 */
#define FADT_NO_C3 1001		/* P_LVL3_LAT > 1000 */

/* ACPI 6.5, 5.2.10: Firmware ACPI Control Structure; no header, no checksum. */
struct acpi_facs {
	char signature[4];		/* 0x00: "FACS" */
	uint32_t length;		/* 0x04: 64 */
	uint32_t hardware_signature;	/* 0x08 */
	uint32_t firmware_waking_vector;	/* 0x0c */
	uint32_t global_lock;		/* 0x10 */
	uint32_t flags;			/* 0x14: no S4BIOS, no 64-bit wake */
	uint64_t x_firmware_waking_vector;	/* 0x18 */
	uint8_t version;		/* 0x20: 2 */
	uint8_t reserved_0x21[3];
	uint32_t ospm_flags;		/* 0x24 */
	uint8_t reserved_0x28[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI 6.5, 5.2.10: FACS, 64 bytes");
_Static_assert(offsetof(struct acpi_facs, global_lock) == 16, "ACPI 6.5, 5.2.10");
_Static_assert(offsetof(struct acpi_facs, x_firmware_waking_vector) == 24, "ACPI 6.5, 5.2.10");
_Static_assert(offsetof(struct acpi_facs, version) == 32, "ACPI 6.5, 5.2.10");
_Static_assert(offsetof(struct acpi_facs, ospm_flags) == 36, "ACPI 6.5, 5.2.10");
#define FACS_VERSION 2
#define FACS_ALIGN   64		/* 5.2.10: "on a 64-byte boundary" */

/* ACPI 6.5, 5.2.12: MADT ("APIC"); interrupt controller structures follow. */
struct acpi_madt {
	struct acpi_header hdr;	/* 0x00 */
	uint32_t lapic_addr;	/* 0x24: Local Interrupt Controller Address */
	uint32_t flags;		/* 0x28: MADT_PCAT_COMPAT */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 6.5, 5.2.12: MADT Format");
_Static_assert(offsetof(struct acpi_madt, lapic_addr) == 36, "ACPI 6.5, 5.2.12");
_Static_assert(offsetof(struct acpi_madt, flags) == 40, "ACPI 6.5, 5.2.12");
#define MADT_REVISION    5	/* ACPI 6.3 */
#define MADT_PCAT_COMPAT (1u << 0)	/* dual 8259s: "Multiple APIC Flags" */

/* 5.2.12, "Interrupt Controller Structure Types". */
#define MADT_LAPIC     0
#define MADT_IOAPIC    1
#define MADT_ISO       2
#define MADT_LAPIC_NMI 4

/* ACPI 6.5, 5.2.12.2: Processor Local APIC Structure. */
struct acpi_madt_lapic {
	uint8_t type;		/* 0x00: MADT_LAPIC */
	uint8_t length;		/* 0x01: 8 */
	uint8_t uid;		/* 0x02: ACPI Processor UID */
	uint8_t apic_id;	/* 0x03 */
	uint32_t flags;		/* 0x04: LAPIC_ENABLED */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 6.5, 5.2.12.2");
_Static_assert(offsetof(struct acpi_madt_lapic, apic_id) == 3, "ACPI 6.5, 5.2.12.2");
_Static_assert(offsetof(struct acpi_madt_lapic, flags) == 4, "ACPI 6.5, 5.2.12.2");
#define LAPIC_ENABLED (1u << 0)	/* "Local APIC Flags" */

/* ACPI 6.5, 5.2.12.3: I/O APIC Structure. */
struct acpi_madt_ioapic {
	uint8_t type;		/* 0x00: MADT_IOAPIC */
	uint8_t length;		/* 0x01: 12 */
	uint8_t id;		/* 0x02 */
	uint8_t reserved_0x03;
	uint32_t addr;		/* 0x04 */
	uint32_t gsi_base;	/* 0x08 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 6.5, 5.2.12.3");
_Static_assert(offsetof(struct acpi_madt_ioapic, addr) == 4, "ACPI 6.5, 5.2.12.3");
_Static_assert(offsetof(struct acpi_madt_ioapic, gsi_base) == 8, "ACPI 6.5, 5.2.12.3");

/* ACPI 6.5, 5.2.12.5: Interrupt Source Override Structure. */
struct acpi_madt_iso {
	uint8_t type;		/* 0x00: MADT_ISO */
	uint8_t length;		/* 0x01: 10 */
	uint8_t bus;		/* 0x02: 0, ISA */
	uint8_t source;		/* 0x03: ISA IRQ */
	uint32_t gsi;		/* 0x04 */
	uint16_t flags;		/* 0x08: MPS_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI 6.5, 5.2.12.5");
_Static_assert(offsetof(struct acpi_madt_iso, gsi) == 4, "ACPI 6.5, 5.2.12.5");
_Static_assert(offsetof(struct acpi_madt_iso, flags) == 8, "ACPI 6.5, 5.2.12.5");

/* 5.2.12.5, "MPS INTI Flags". */
#define MPS_CONFORMING  0x0	/* polarity and trigger as the bus says */
#define MPS_ACTIVE_HIGH 0x1
#define MPS_LEVEL       0xc

/* ACPI 6.5, 5.2.12.7: Local APIC NMI Structure. */
struct acpi_madt_lapic_nmi {
	uint8_t type;		/* 0x00: MADT_LAPIC_NMI */
	uint8_t length;		/* 0x01: 6 */
	uint8_t uid;		/* 0x02: 0xff: all processors */
	uint16_t flags;		/* 0x03: MPS_* */
	uint8_t lint;		/* 0x05: 0 or 1 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "ACPI 6.5, 5.2.12.7");
_Static_assert(offsetof(struct acpi_madt_lapic_nmi, flags) == 3, "ACPI 6.5, 5.2.12.7");
_Static_assert(offsetof(struct acpi_madt_lapic_nmi, lint) == 5, "ACPI 6.5, 5.2.12.7");
#define UID_ALL 0xff

#define XSDT_ENTRIES 2		/* FADT, MADT: the FADT points at the DSDT and FACS */
#define MADT_FIXED_LEN (sizeof(struct acpi_madt) + sizeof(struct acpi_madt_ioapic) + \
			2 * sizeof(struct acpi_madt_iso) + sizeof(struct acpi_madt_lapic_nmi))

/* Where each table goes, as offsets in the block. */
struct layout {
	size_t rsdp, facs, xsdt, rsdt, fadt, madt, dsdt, end;
	size_t xsdt_len, rsdt_len, madt_len;
};

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void set_checksum(uint8_t *table, size_t len, size_t at)
{
	table[at] = 0;
	table[at] = (uint8_t)-sum(table, len);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static struct acpi_header header(const char sig[4], size_t len, uint8_t revision)
{
	struct acpi_header h = {
		.length = (uint32_t)len, .revision = revision,
		.oem_revision = OEM_REVISION, .creator_revision = CREATOR_REVISION,
	};

	memcpy(h.signature, sig, 4);
	memcpy(h.oem_id, OEM_ID, 6);
	memcpy(h.oem_table_id, OEM_TABLE_ID, 8);
	memcpy(h.creator_id, CREATOR_ID, 4);
	return h;
}

static struct acpi_gas gas_io(uint32_t port, unsigned bytes, uint8_t access)
{
	return (struct acpi_gas){ .space_id = GAS_SYSTEM_IO, .bit_width = (uint8_t)(bytes * 8),
				  .access_size = access, .address = port };
}

/* The block being planned: off bytes taken so far, of cap. */
struct cursor {
	size_t off, cap;
	uint64_t gpa;		/* of offset 0 */
	bool bad;		/* something did not fit: nothing more is taken */
};

/* Takes len bytes at the next offset whose GPA is a multiple of align and
 * returns that offset. */
static size_t take(struct cursor *c, size_t len, size_t align)
{
	size_t pad = (size_t)((align - (c->gpa + c->off) % align) % align);
	size_t at = c->off + pad;

	if (c->bad || pad > c->cap - c->off || len > c->cap - at) {
		c->bad = true;
		return 0;
	}
	c->off = at + len;
	return at;
}

/* Offsets of every table; false when the block does not fit in cap. */
static bool plan(struct layout *l, uint64_t gpa, size_t cap, unsigned nr_cpus, size_t dsdt_len)
{
	struct cursor c = { .cap = cap, .gpa = gpa };

	l->xsdt_len = sizeof(struct acpi_header) + XSDT_ENTRIES * 8;
	l->rsdt_len = sizeof(struct acpi_header) + XSDT_ENTRIES * 4;
	l->madt_len = MADT_FIXED_LEN + nr_cpus * sizeof(struct acpi_madt_lapic);
	l->rsdp = take(&c, sizeof(struct acpi_rsdp), ACPITAB_ALIGN);
	l->facs = take(&c, sizeof(struct acpi_facs), FACS_ALIGN);
	l->xsdt = take(&c, l->xsdt_len, ACPITAB_ALIGN);
	l->rsdt = take(&c, l->rsdt_len, ACPITAB_ALIGN);
	l->fadt = take(&c, sizeof(struct acpi_fadt), ACPITAB_ALIGN);
	l->madt = take(&c, l->madt_len, ACPITAB_ALIGN);
	l->dsdt = take(&c, dsdt_len, ACPITAB_ALIGN);
	l->end = c.off;
	return !c.bad;
}

static void build_rsdp(uint8_t *buf, const struct layout *l, uint64_t gpa)
{
	struct acpi_rsdp r = {
		.revision = 2, .rsdt_addr = (uint32_t)(gpa + l->rsdt),
		.length = sizeof(r), .xsdt_addr = gpa + l->xsdt,
	};

	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, OEM_ID, 6);
	memcpy(buf + l->rsdp, &r, sizeof(r));
	set_checksum(buf + l->rsdp, RSDP_V1_LEN, offsetof(struct acpi_rsdp, checksum));
	set_checksum(buf + l->rsdp, sizeof(r), offsetof(struct acpi_rsdp, ext_checksum));
}

static void build_facs(uint8_t *buf, const struct layout *l)
{
	struct acpi_facs f = { .length = sizeof(f), .version = FACS_VERSION };

	memcpy(f.signature, "FACS", 4);
	memcpy(buf + l->facs, &f, sizeof(f));
}

/* The XSDT and the RSDT list the same tables. */
static void build_roots(uint8_t *buf, const struct layout *l, uint64_t gpa)
{
	const size_t tables[XSDT_ENTRIES] = { l->fadt, l->madt };
	struct acpi_header x = header("XSDT", l->xsdt_len, 1);
	struct acpi_header r = header("RSDT", l->rsdt_len, 1);

	memcpy(buf + l->xsdt, &x, sizeof(x));
	memcpy(buf + l->rsdt, &r, sizeof(r));
	for (size_t i = 0; i < XSDT_ENTRIES; i++) {
		put64(buf + l->xsdt + sizeof(x) + i * 8, gpa + tables[i]);
		put32(buf + l->rsdt + sizeof(r) + i * 4, (uint32_t)(gpa + tables[i]));
	}
	set_checksum(buf + l->xsdt, l->xsdt_len, offsetof(struct acpi_header, checksum));
	set_checksum(buf + l->rsdt, l->rsdt_len, offsetof(struct acpi_header, checksum));
}

static void build_fadt(uint8_t *buf, const struct layout *l, uint64_t gpa)
{
	struct acpi_fadt f = {
		.hdr = header("FACP", sizeof(f), FADT_REVISION),
		.firmware_ctrl = (uint32_t)(gpa + l->facs),
		.dsdt = (uint32_t)(gpa + l->dsdt),
		.sci_int = SCI_IRQ,
		.pm1a_evt_blk = PM1A_EVT_BLK,
		.pm1a_cnt_blk = PM1A_CNT_BLK,
		.pm_tmr_blk = PM_TMR_BLK,
		.pm1_evt_len = PM1_EVT_LEN,
		.pm1_cnt_len = PM1_CNT_LEN,
		.pm_tmr_len = PM_TMR_LEN,
		.p_lvl2_lat = FADT_NO_C2,
		.p_lvl3_lat = FADT_NO_C3,
		.century = RTC_CENTURY,
		.iapc_boot_arch = FADT_BOOT_ARCH,
		.flags = FADT_FLAGS,
		.reset_reg = gas_io(RESET_PORT, 1, GAS_ACCESS_BYTE),
		.reset_value = RESET_VALUE,
		.minor_version = FADT_MINOR,
		.x_dsdt = gpa + l->dsdt,
		.x_pm1a_evt_blk = gas_io(PM1A_EVT_BLK, PM1_EVT_LEN, GAS_ACCESS_WORD),
		.x_pm1a_cnt_blk = gas_io(PM1A_CNT_BLK, PM1_CNT_LEN, GAS_ACCESS_WORD),
		.x_pm_tmr_blk = gas_io(PM_TMR_BLK, PM_TMR_LEN, GAS_ACCESS_DWORD),
	};

	memcpy(f.hypervisor_id, HYPERVISOR_ID, 8);
	memcpy(buf + l->fadt, &f, sizeof(f));
	set_checksum(buf + l->fadt, sizeof(f), offsetof(struct acpi_header, checksum));
}

/* The processors first, in vCPU order (5.2.12.1: the boot processor
 * first), then the I/O APIC, the overrides and the NMI line. */
static void build_madt(uint8_t *buf, const struct layout *l, unsigned nr_cpus)
{
	struct acpi_madt m = {
		.hdr = header("APIC", l->madt_len, MADT_REVISION),
		.lapic_addr = LAPIC_BASE, .flags = MADT_PCAT_COMPAT,
	};
	struct acpi_madt_ioapic io = {
		.type = MADT_IOAPIC, .length = sizeof(io), .id = IOAPIC_ID,
		.addr = IOAPIC_BASE, .gsi_base = IOAPIC_GSI_BASE,
	};
	struct acpi_madt_iso iso[2] = {
		/* I/O APIC pin 0 carries the 8259s' output (ExtINT), so the
		 * PIT's IRQ 0 is wired to pin 2, as on PC chipsets. */
		{ .type = MADT_ISO, .length = sizeof(iso[0]), .bus = 0, .source = 0,
		  .gsi = 2, .flags = MPS_CONFORMING },
		/* The SCI: level, active high (as QEMU). */
		{ .type = MADT_ISO, .length = sizeof(iso[0]), .bus = 0, .source = SCI_IRQ,
		  .gsi = SCI_IRQ, .flags = MPS_ACTIVE_HIGH | MPS_LEVEL },
	};
	struct acpi_madt_lapic_nmi nmi = {
		.type = MADT_LAPIC_NMI, .length = sizeof(nmi), .uid = UID_ALL,
		.flags = MPS_CONFORMING, .lint = 1,
	};
	uint8_t *p = buf + l->madt;

	memcpy(p, &m, sizeof(m));
	p += sizeof(m);
	for (unsigned i = 0; i < nr_cpus; i++) {
		struct acpi_madt_lapic c = {
			.type = MADT_LAPIC, .length = sizeof(c), .uid = (uint8_t)i,
			.apic_id = (uint8_t)i, .flags = LAPIC_ENABLED,
		};

		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	memcpy(p, iso, sizeof(iso));
	p += sizeof(iso);
	memcpy(p, &nmi, sizeof(nmi));
	set_checksum(buf + l->madt, l->madt_len, offsetof(struct acpi_header, checksum));
}

static const char *check_dsdt(const struct acpitab_vm *vm)
{
	uint32_t len;

	if (!vm->dsdt || vm->dsdt_len < sizeof(struct acpi_header))
		return "ACPI tables: the DSDT is missing or shorter than a table header";
	if (memcmp(vm->dsdt, "DSDT", 4))
		return "ACPI tables: the DSDT's signature is not \"DSDT\"";
	memcpy(&len, vm->dsdt + offsetof(struct acpi_header, length), 4);
	if (len != vm->dsdt_len)
		return "ACPI tables: the DSDT's Length field is not its size";
	if (sum(vm->dsdt, vm->dsdt_len))
		return "ACPI tables: the DSDT's checksum is wrong";
	return NULL;
}

static const char *check(const uint8_t *buf, uint64_t gpa, const struct acpitab_vm *vm)
{
	if (!buf || !vm)
		return "ACPI tables: buffer or VM description is NULL";
	if (vm->nr_cpus < 1 || vm->nr_cpus > ACPITAB_MAX_CPUS)
		return "ACPI tables: the vCPU count is 0 or above " STR(ACPITAB_MAX_CPUS);
	if (gpa % ACPITAB_ALIGN)
		return "ACPI tables: the block's guest address is not 16-byte aligned";
	if (gpa >= GiB4)
		return "ACPI tables: the block is above 4 GiB";
	return check_dsdt(vm);
}

size_t acpitab_build(uint8_t *buf, size_t cap, uint64_t buf_gpa, const struct acpitab_vm *vm,
		     uint64_t *rsdp_gpa, const char **err)
{
	struct layout l;
	const char *what = check(buf, buf_gpa, vm);

	if (!what && !plan(&l, buf_gpa, cap, vm->nr_cpus, vm->dsdt_len))
		what = "ACPI tables: the block is too small for the tables";
	/* gpa < 4 GiB, so the sum cannot wrap. */
	if (!what && l.end > GiB4 - buf_gpa)
		what = "ACPI tables: the block crosses 4 GiB";
	if (what) {
		if (err)
			*err = what;
		return 0;
	}
	memset(buf, 0, l.end);
	build_facs(buf, &l);
	build_fadt(buf, &l, buf_gpa);
	build_madt(buf, &l, vm->nr_cpus);
	memcpy(buf + l.dsdt, vm->dsdt, vm->dsdt_len);
	build_roots(buf, &l, buf_gpa);
	build_rsdp(buf, &l, buf_gpa);
	if (rsdp_gpa)
		*rsdp_gpa = buf_gpa + l.rsdp;
	return l.end;
}
