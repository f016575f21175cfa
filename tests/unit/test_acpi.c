/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the ACPI table parser (drivers/acpi.c). Fake physical memory
 * is a 1 MiB image of phys [0, 1 MiB); a builder lays out the RSDP and the
 * tables from 0xE0000 on with correct checksums, as SeaBIOS would. Every read
 * the parser makes gets its own heap copy of exactly the bytes it asked for,
 * so ASan catches any read past a length the parser checked.
 *
 * Setting ACPI_CORPUS_DIR writes valid layouts there as fuzzer seeds (the
 * image from 0xE0000, where tests/fuzz/fuzz_acpi.c places its input):
 *   ACPI_CORPUS_DIR=tests/fuzz/corpus/acpi ./build/test_acpi */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/acpi.h"

#define MEM_SIZE   0x100000u	/* the fake image: phys [0, 1 MiB) */
#define TABLES     0xe0000u	/* where the builder starts; the corpus slice too */
#define UNMAPPED   0x7fff0000u	/* outside the image */
#define MAX_READS  64
#define MAX(a, b)  ((a) > (b) ? (a) : (b))

/* ---- fake physical memory ---- */

static uint8_t mem[MEM_SIZE];
static void *reads[MAX_READS];
static int nr_reads;
static int ctx_token;		/* acpi_* must hand our ctx back unchanged */

static const void *fake_read(uint64_t phys, uint64_t len, void *ctx)
{
	void *copy;

	assert_ptr_equal(ctx, &ctx_token);
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	assert_true(len > 0);
	assert_true(nr_reads < MAX_READS);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, mem + phys, len);
	reads[nr_reads++] = copy;
	return copy;
}

static void free_reads(void)
{
	while (nr_reads)
		free(reads[--nr_reads]);
}

/* ---- builder ---- */

static uint32_t cursor;		/* next free byte of the image */
static uint32_t open_table;	/* table_begin() offset */

static uint8_t sum(uint32_t phys, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s += mem[phys + i];
	return s;
}

static void put(const void *p, uint32_t n)
{
	assert_true(n <= MEM_SIZE - cursor);
	memcpy(mem + cursor, p, n);
	cursor += n;
}

static void put8(uint8_t v) { put(&v, 1); }
static void put16(uint16_t v) { put(&v, 2); }
static void put32(uint32_t v) { put(&v, 4); }
static void put64(uint64_t v) { put(&v, 8); }
static void set8(uint32_t phys, uint8_t v) { mem[phys] = v; }
static void set32(uint32_t phys, uint32_t v) { memcpy(mem + phys, &v, 4); }
static uint32_t get32(uint32_t phys) { uint32_t v; memcpy(&v, mem + phys, 4); return v; }

static void align16(void)
{
	cursor = (cursor + 15) & ~15u;
}

/* ACPI 6.5, 5.2.6 header; length and checksum filled by table_end(). */
static uint32_t table_begin(const char *sig, uint8_t revision)
{
	align16();
	open_table = cursor;
	put(sig, 4);
	put32(0);
	put8(revision);
	put8(0);
	put("BOCHS ", 6);
	put("BXPC    ", 8);
	put32(1);
	put("BXPC", 4);
	put32(1);
	return open_table;
}

/* Recomputes the checksum after a test has tampered with a table. */
static void fix_checksum(uint32_t table)
{
	set8(table + 9, 0);
	set8(table + 9, (uint8_t)-sum(table, get32(table + 4)));
}

static uint32_t table_end(void)
{
	set32(open_table + 4, cursor - open_table);
	fix_checksum(open_table);
	return open_table;
}

/* Recomputes both RSDP checksums after a test has tampered with it. */
static void rsdp_fix(uint32_t phys)
{
	set8(phys + 8, 0);
	set8(phys + 8, (uint8_t)-sum(phys, 20));
	if (mem[phys + 15] >= 2) {
		set8(phys + 32, 0);
		set8(phys + 32, (uint8_t)-sum(phys, 36));
	}
}

/* ACPI 6.5, 5.2.5.3. Revision 0: the 20-byte ACPI 1.0 structure. */
static uint32_t rsdp_at(uint32_t phys, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	uint32_t save = cursor;

	cursor = phys;
	put("RSD PTR ", 8);
	put8(0);
	put("BOCHS ", 6);
	put8(revision);
	put32(rsdt);
	if (revision >= 2) {
		put32(36);
		put64(xsdt);
		put32(0);	/* extended checksum, reserved */
	}
	rsdp_fix(phys);
	cursor = MAX(save, cursor);
	return phys;
}

static uint32_t root_table(bool xsdt, const uint64_t *entries, int n)
{
	uint32_t t = table_begin(xsdt ? "XSDT" : "RSDT", 1);

	for (int i = 0; i < n; i++) {
		if (xsdt)
			put64(entries[i]);
		else
			put32((uint32_t)entries[i]);
	}
	table_end();
	return t;
}

static uint32_t madt_begin(uint8_t revision, uint32_t lapic_addr, uint32_t flags)
{
	uint32_t t = table_begin("APIC", revision);

	put32(lapic_addr);
	put32(flags);
	return t;
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	put8(0), put8(8), put8(uid), put8(id), put32(flags);
}

static void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	put8(9), put8(16), put16(0), put32(id), put32(flags), put32(uid);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	put8(1), put8(12), put8(id), put8(0), put32(addr), put32(gsi_base);
}

static void madt_iso(uint8_t source, uint32_t gsi, uint16_t flags)
{
	put8(2), put8(10), put8(0), put8(source), put32(gsi), put16(flags);
}

static void madt_lapic_nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
	put8(4), put8(6), put8(uid), put16(flags), put8(lint);
}

static void madt_x2apic_nmi(uint16_t flags, uint32_t uid, uint8_t lint)
{
	put8(0xa), put8(12), put16(flags), put32(uid), put8(lint), put8(0), put16(0);
}

static void madt_lapic_override(uint64_t addr)
{
	put8(5), put8(12), put16(0), put64(addr);
}

/* FADT of len bytes (116: ACPI 1.0; 244: QEMU q35; 276: ACPI 6.5). */
static uint32_t fadt(uint32_t len, uint16_t sci, uint32_t pm_tmr, uint8_t x_space,
		     uint64_t x_pm_tmr, uint32_t flags)
{
	uint32_t t = table_begin("FACP", len >= 244 ? 3 : 1);

	cursor = t + len;
	assert_true(cursor <= MEM_SIZE);
	memcpy(mem + t + 46, &sci, 2);
	set32(t + 76, pm_tmr);
	set8(t + 91, 4);			/* PM_TMR_LEN */
	set32(t + 112, flags);
	if (len >= 129) {
		set8(t + 116, ACPI_GAS_IO);	/* RESET_REG: 0xcf9, as on PIIX/ICH9 */
		set8(t + 117, 8);
		set32(t + 120, 0xcf9);
		set8(t + 128, 0x0f);
	}
	if (len >= 220) {
		set8(t + 208, x_space);
		set8(t + 209, 32);
		set8(t + 211, 3);
		memcpy(mem + t + 212, &x_pm_tmr, 8);
	}
	return table_end();
}

static uint32_t hpet(uint32_t block_id, uint8_t space, uint64_t addr)
{
	table_begin("HPET", 1);
	put32(block_id);
	put8(space), put8(0), put8(0), put8(0), put64(addr);
	put8(0);
	put16(0x80);
	put8(0);
	return table_end();
}

/* QEMU 7.2 -machine q35 -smp 4: flags of its FADT. */
#define QEMU_FADT_FLAGS 0x84a5u	/* WBINVD, C1, SLP_BUTTON, RTC_S4, RESET_REG_SUP, platform clock */

static uint32_t qemu_madt(int cpus)
{
	madt_begin(1, 0xfee00000, ACPI_MADT_PCAT_COMPAT);
	for (int i = 0; i < cpus; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, 1);
	madt_ioapic(0, 0xfec00000, 0);
	madt_iso(0, 2, 0);
	madt_iso(5, 5, 0xd);
	madt_iso(9, 9, 0xd);
	madt_iso(10, 10, 0xd);
	madt_iso(11, 11, 0xd);
	madt_lapic_nmi(0xff, 0, 1);
	return table_end();
}

/* RSDP at TABLES, then FADT, MADT, HPET and the XSDT. Returns the XSDT. */
static uint32_t build_q35(void)
{
	uint64_t e[3];

	cursor = TABLES + 48;
	e[0] = fadt(244, 9, 0x608, ACPI_GAS_IO, 0x608, QEMU_FADT_FLAGS);
	e[1] = qemu_madt(4);
	e[2] = hpet(0x8086a201, ACPI_GAS_MEMORY, 0xfed00000);
	root_table(true, e, 3);
	rsdp_at(TABLES, 2, 0, open_table);
	return open_table;
}

/* An XSDT -> MADT layout around the MADT the caller has just ended. */
static uint32_t wrap_madt(uint32_t madt)
{
	uint64_t e = madt;

	root_table(true, &e, 1);
	rsdp_at(TABLES, 2, 0, open_table);
	return open_table;
}

/* ---- running the parser ---- */

static struct acpi_info info;
static struct acpi_error err;

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	cursor = TABLES + 48;	/* room for the RSDP at TABLES */
	memset(&info, 0xa5, sizeof(info));	/* the parser must clear it */
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free_reads();
	return 0;
}

static int parse(void)
{
	int rc;

	free_reads();
	memset(&err, 0, sizeof(err));
	rc = acpi_parse(TABLES, fake_read, &ctx_token, &info, &err);
	assert_true(info.nr_cpus <= ACPI_MAX_CPUS);
	assert_true(info.nr_warnings <= ACPI_MAX_WARNINGS);
	return rc;
}

static uint64_t find(void)
{
	free_reads();
	return acpi_find_rsdp(fake_read, &ctx_token);
}

static void corpus_write(const char *name)
{
	const char *dir = getenv("ACPI_CORPUS_DIR");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(mem + TABLES, 1, cursor - TABLES, f), cursor - TABLES);
	fclose(f);
}

static bool has_warning(const char *what)
{
	for (uint32_t i = 0; i < info.nr_warnings; i++)
		if (strcmp(info.warnings[i], what) == 0)
			return true;
	return false;
}

static void expect_warning(const char *what)
{
	if (!has_warning(what)) {
		for (uint32_t i = 0; i < info.nr_warnings; i++)
			print_error("warning: %s\n", info.warnings[i]);
		fail_msg("missing warning \"%s\"", what);
	}
}

static void expect_ok(void)
{
	if (parse() != 0)
		fail_msg("acpi_parse: %s at %#llx", err.what, (unsigned long long)err.phys);
	assert_null(err.what);
}

static void expect_error(const char *what, uint64_t phys)
{
	assert_int_not_equal(parse(), 0);
	assert_non_null(err.what);
	assert_string_equal(err.what, what);
	assert_int_equal(err.phys, phys);
}

/* ---- valid layouts ---- */

static void test_qemu_q35(void **state)
{
	(void)state;
	build_q35();
	corpus_write("qemu_q35");
	expect_ok();
	assert_int_equal(info.nr_warnings, 0);
	assert_int_equal(info.rsdp_revision, 2);
	assert_int_equal(info.rsdp_phys, TABLES);
	assert_true(info.used_xsdt);
	assert_string_equal(info.oem_id, "BOCHS ");

	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_int_equal(info.madt_flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(info.nr_cpus, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].uid, i);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].online_capable);
		assert_false(info.cpus[i].x2apic_entry);
	}
	assert_int_equal(info.cpus_over_limit, 0);
	assert_int_equal(info.duplicate_apic_ids, 0);

	assert_int_equal(info.nr_ioapics, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.nr_isos, 5);
	assert_int_equal(info.isos[0].source, 0);
	assert_int_equal(info.isos[0].gsi, 2);
	assert_int_equal(info.isos[0].flags, 0);
	assert_int_equal(info.isos[4].source, 11);
	assert_int_equal(info.isos[4].flags & ACPI_MPS_POLARITY_MASK, 1);
	assert_int_equal(info.isos[4].flags & ACPI_MPS_TRIGGER_MASK, 0xc);
	assert_int_equal(info.nr_nmis, 1);
	assert_true(info.nmis[0].all);
	assert_false(info.nmis[0].x2apic_entry);
	assert_int_equal(info.nmis[0].lint, 1);

	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.pm_timer_32bit);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.fadt_flags, QEMU_FADT_FLAGS);
	assert_true(info.has_reset_reg);
	assert_int_equal(info.reset_space, ACPI_GAS_IO);
	assert_int_equal(info.reset_addr, 0xcf9);
	assert_int_equal(info.reset_value, 0x0f);

	assert_true(info.has_hpet);
	assert_int_equal(info.hpet_addr, 0xfed00000);
	assert_int_equal(info.hpet_block_id, 0x8086a201);
	assert_int_equal(info.hpet_timers, 3);
}

/* Bochs 2.7 BIOS style: ACPI 1.0 RSDP and RSDT, a 116-byte FADT, no HPET. */
static void test_bochs_rsdt_only(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(2);
	e[1] = fadt(116, 9, 0xb008, 0, 0, (1u << 8) | (1u << 10));
	root_table(false, e, 2);
	rsdp_at(TABLES, 0, open_table, 0);
	corpus_write("bochs_rsdt");
	expect_ok();
	assert_int_equal(info.nr_warnings, 0);
	assert_int_equal(info.rsdp_revision, 0);
	assert_false(info.used_xsdt);
	assert_int_equal(info.nr_cpus, 2);
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0xb008);
	assert_true(info.pm_timer_32bit);
	assert_false(info.has_reset_reg);	/* RESET_REG_SUP, but the FADT ends before it */
	assert_false(info.has_hpet);
	assert_int_equal(info.hpet_timers, 0);
}

/* Revision 2 with XsdtAddress 0: the RSDT is used. */
static void test_rsdp_v2_without_xsdt(void **state)
{
	uint64_t e;

	(void)state;
	e = qemu_madt(1);
	root_table(false, &e, 1);
	rsdp_at(TABLES, 2, open_table, 0);
	expect_ok();
	assert_false(info.used_xsdt);
	assert_int_equal(info.rsdp_revision, 2);
	assert_int_equal(info.nr_cpus, 1);
	assert_false(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0);
}

static void test_x2apic_ids(void **state)
{
	(void)state;
	madt_begin(3, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	madt_x2apic(256, 1, 1);
	madt_x2apic(300, 1, 2);
	madt_x2apic(0xfffe, 1, 0x10000);
	madt_x2apic_nmi(0x5, 0xffffffff, 1);
	madt_x2apic_nmi(0, 2, 0);
	wrap_madt(table_end());
	corpus_write("x2apic");
	expect_ok();
	assert_int_equal(info.nr_warnings, 0);
	assert_int_equal(info.nr_cpus, 4);
	assert_false(info.cpus[0].x2apic_entry);
	assert_int_equal(info.cpus[1].apic_id, 256);
	assert_true(info.cpus[1].x2apic_entry);
	assert_int_equal(info.cpus[2].apic_id, 300);
	assert_int_equal(info.cpus[3].apic_id, 0xfffe);
	assert_int_equal(info.cpus[3].uid, 0x10000);
	assert_int_equal(info.nr_nmis, 2);
	assert_true(info.nmis[0].all && info.nmis[0].x2apic_entry);
	assert_int_equal(info.nmis[0].flags, 5);
	assert_false(info.nmis[1].all);
	assert_int_equal(info.nmis[1].uid, 2);
	assert_int_equal(info.nmis[1].lint, 0);
}

static void test_lapic_address_override(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	madt_lapic_override(0x1fee00000ull);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.lapic_addr, 0x1fee00000ull);
}

/* Online Capable means something from MADT revision 5 (ACPI 6.3) on. */
static void test_online_capable(void **state)
{
	uint32_t madt;

	(void)state;
	madt = madt_begin(5, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 2);		/* hot-pluggable */
	madt_lapic(2, 2, 0);		/* neither: skipped */
	madt_x2apic(3, 2, 3);
	madt_x2apic(4, 3, 4);		/* both: enabled wins, flag kept */
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 4);
	assert_true(info.cpus[0].enabled);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 3);
	assert_false(info.cpus[2].enabled);
	assert_true(info.cpus[3].enabled && info.cpus[3].online_capable);

	set8(madt + 8, 4);		/* before ACPI 6.3 bit 1 is reserved */
	fix_checksum(madt);
	expect_ok();
	assert_int_equal(info.nr_cpus, 2);
	assert_int_equal(info.cpus[1].apic_id, 4);
	assert_false(info.cpus[1].online_capable);
}

static void test_fadt_x_pm_tmr_wins(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(1);
	e[1] = fadt(276, 9, 0x808, ACPI_GAS_IO, 0x608, 0);
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.has_reset_reg);	/* no RESET_REG_SUP */
}

/* X_PM_TMR_BLK in memory space: we have only port I/O for it. */
static void test_fadt_x_pm_tmr_not_io(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(1);
	e[1] = fadt(244, 9, 0x608, ACPI_GAS_MEMORY, 0xfed80000, 0);
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.pm_timer_port, 0x608);
	expect_warning("FADT: X_PM_TMR_BLK not in system I/O space, PM_TMR_BLK used");
}

static void test_fadt_no_pm_timer(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(1);
	e[1] = fadt(244, 9, 0, ACPI_GAS_IO, 0, 1u << 8);	/* HW-reduced style */
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0);
	assert_false(info.pm_timer_32bit);
}

/* Tables we do not use are not checked: a bad SSDT is no warning. */
static void test_unused_tables_not_read(void **state)
{
	uint64_t e[3];

	(void)state;
	e[0] = table_begin("SSDT", 1);
	put32(0x12345678);
	table_end();
	set8((uint32_t)e[0] + 9, 0x55);
	e[1] = table_begin("MCFG", 1);
	set32((uint32_t)e[1] + 4, 0xffffffff);
	cursor += 16;
	e[2] = qemu_madt(2);
	root_table(true, e, 3);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.nr_warnings, 0);
	assert_int_equal(info.nr_cpus, 2);
}

/* The last 16-byte slot of the EBDA's first KiB; it wins over the BIOS area. */
static void test_find_rsdp_ebda(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	memset(mem + TABLES, 0, 36);		/* move the RSDP into the EBDA */
	mem[0x40e] = 0xc0, mem[0x40f] = 0x9f;	/* segment 0x9fc0 */
	rsdp_at(0x9fc00 + 0x3f0, 2, 0, xsdt);
	rsdp_at(0xf0000, 0, 0x1234, 0);
	assert_int_equal(find(), 0x9fff0);
	free_reads();
	assert_int_equal(acpi_parse(0x9fff0, fake_read, &ctx_token, &info, &err), 0);
	assert_int_equal(info.nr_cpus, 4);
	/* Past the first KiB of the EBDA: not looked at. */
	memset(mem + 0x9fff0, 0, 36);
	rsdp_at(0x9fc00 + 0x400, 2, 0, xsdt);
	assert_int_equal(find(), 0xf0000);
}

static void test_find_rsdp_bios_area(void **state)
{
	(void)state;
	rsdp_at(0xf5a40, 0, 0x7ffe1000, 0);
	assert_int_equal(find(), 0xf5a40);
	memset(mem + 0xf5a40, 0, 20);
	rsdp_at(0xfffd0, 2, 0, 0x7ffe1000);
	assert_int_equal(find(), 0xfffd0);
	/* The last slot: 20 bytes run past 1 MiB, out of this image. */
	memset(mem + 0xfffd0, 0, 36);
	memcpy(mem + 0xffff0, "RSD PTR ", 8);
	assert_int_equal(find(), 0);
}

static void test_find_rsdp_skips_bad(void **state)
{
	(void)state;
	mem[0x40e] = 0xc0, mem[0x40f] = 0x9f;
	rsdp_at(0x9fc00, 0, 0x1000, 0);
	mem[0x9fc00 + 8] ^= 1;				/* bad checksum */
	rsdp_at(0xe0000, 2, 0, 0x7ffe1000);
	mem[0xe0000 + 32] ^= 1;				/* bad extended checksum */
	rsdp_at(0xe0041, 0, 0x1000, 0);			/* not on a 16-byte boundary */
	rsdp_at(0xe0080, 2, 0, 0x7ffe1000);
	set32(0xe0080 + 20, 20);			/* Length < 36 */
	rsdp_fix(0xe0080);
	rsdp_at(0xe1230, 2, 0, 0x7ffe1000);
	assert_int_equal(find(), 0xe1230);
	mem[0xe1230] = 'r';
	assert_int_equal(find(), 0);
}

static void test_find_rsdp_none(void **state)
{
	(void)state;
	assert_int_equal(find(), 0);
	mem[0x40e] = 0xff, mem[0x40f] = 0xff;		/* EBDA past the image */
	assert_int_equal(find(), 0);
}

/* A good MADT after a bad one is used; a second good one is ignored. */
static void test_madt_bad_then_good_then_duplicate(void **state)
{
	uint64_t e[3];

	(void)state;
	e[0] = qemu_madt(1);
	mem[e[0] + 40] ^= 0xff;
	e[1] = qemu_madt(3);
	e[2] = qemu_madt(4);
	root_table(true, e, 3);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.nr_cpus, 3);
	expect_warning("MADT: bad checksum");
	expect_warning("MADT: duplicate ignored");
	assert_int_equal(info.nr_warnings, 2);
}

static void test_hpet_not_memory(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(1);
	e[1] = hpet(0x8086a201, ACPI_GAS_IO, 0xfed00000);
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_false(info.has_hpet);
	expect_warning("HPET: base address not in system memory");
}

/* ---- malformed firmware ---- */

static void test_err_rsdp_checksum(void **state)
{
	(void)state;
	build_q35();
	mem[TABLES + 8]++;
	expect_error("RSDP: bad checksum", TABLES);
}

static void test_err_rsdp_ext_checksum(void **state)
{
	(void)state;
	build_q35();
	mem[TABLES + 33] = 1;		/* Reserved: outside the first 20 bytes */
	expect_error("RSDP: bad extended checksum", TABLES);
}

static void test_err_rsdp_signature(void **state)
{
	(void)state;
	build_q35();
	mem[TABLES + 7] = '_';
	expect_error("RSDP: bad signature", TABLES);
}

static void test_err_rsdp_length(void **state)
{
	(void)state;
	build_q35();
	set32(TABLES + 20, 20);
	rsdp_fix(TABLES);
	expect_error("RSDP: Length < 36 or > 4 KiB", TABLES);
	set32(TABLES + 20, 0xffffffff);
	rsdp_fix(TABLES);
	expect_error("RSDP: Length < 36 or > 4 KiB", TABLES);
	/* Longer is fine: the extended checksum then covers all 40 bytes. */
	set32(TABLES + 20, 40);
	mem[TABLES + 37] = 0x5a;
	mem[TABLES + 32] = 0;
	mem[TABLES + 32] = (uint8_t)-sum(TABLES, 40);
	expect_ok();
}

static void test_err_rsdp_unreadable(void **state)
{
	(void)state;
	assert_int_not_equal(acpi_parse(UNMAPPED, fake_read, &ctx_token, &info, &err), 0);
	assert_string_equal(err.what, "RSDP: unreadable");
	assert_int_equal(err.phys, UNMAPPED);
	/* A v1 RSDP ending exactly at the image end is readable. */
	rsdp_at(MEM_SIZE - 20, 0, UNMAPPED, 0);
	assert_int_not_equal(acpi_parse(MEM_SIZE - 20, fake_read, &ctx_token, &info, &err), 0);
	assert_string_equal(err.what, "RSDT: unreadable");
	free_reads();
}

static void test_err_xsdt_checksum(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	mem[xsdt + 36] ^= 1;
	expect_error("XSDT: bad checksum", xsdt);
}

static void test_err_xsdt_short(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	set32(xsdt + 4, 35);
	fix_checksum(xsdt);
	expect_error("XSDT: Length out of range", xsdt);
	set32(xsdt + 4, 0);
	expect_error("XSDT: Length out of range", xsdt);
}

static void test_err_xsdt_huge(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	set32(xsdt + 4, 0xffffffff);
	expect_error("XSDT: Length out of range", xsdt);
	/* Within the 1 MiB cap but past the image: unreadable. */
	set32(xsdt + 4, 0x100000);
	expect_error("XSDT: unreadable", xsdt);
}

static void test_err_xsdt_signature(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	memcpy(mem + xsdt, "RSDT", 4);
	fix_checksum(xsdt);
	expect_error("XSDT: bad signature", xsdt);
}

static void test_err_xsdt_unreadable(void **state)
{
	(void)state;
	build_q35();
	rsdp_at(TABLES, 2, 0, UNMAPPED);
	expect_error("XSDT: unreadable", UNMAPPED);
	rsdp_at(TABLES, 2, 0, 0xfffffffffffffff0ull);	/* header would wrap */
	expect_error("XSDT: unreadable", 0xfffffffffffffff0ull);
}

static void test_err_rsdt_checksum(void **state)
{
	uint64_t e;

	(void)state;
	e = qemu_madt(1);
	root_table(false, &e, 1);
	rsdp_at(TABLES, 0, open_table, 0);
	mem[open_table + 36] ^= 1;
	expect_error("RSDT: bad checksum", open_table);
}

/* Unreadable, null and wrapping entries are skipped; the MADT still counts. */
static void test_err_entry_unreadable(void **state)
{
	uint64_t e[4];

	(void)state;
	e[0] = UNMAPPED;
	e[1] = 0;
	e[2] = 0xffffffffffffffe0ull;
	e[3] = qemu_madt(2);
	root_table(true, e, 4);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.nr_cpus, 2);
	expect_warning("XSDT: entry null or unreadable");
	assert_int_equal(info.nr_warnings, 1);	/* each distinct warning once */
}

/* The MADT header fits in the image, the rest does not. */
static void test_err_madt_past_image(void **state)
{
	uint32_t madt = MEM_SIZE - 48, xsdt;

	(void)state;
	xsdt = wrap_madt(madt);
	cursor = madt;
	madt_begin(1, 0xfee00000, 0);
	table_end();
	set32(madt + 4, 0x1000);
	expect_error("no MADT", xsdt);
	expect_warning("MADT: unreadable");
}

static void test_err_madt_checksum(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	mem[get32(xsdt + 44) + 50] ^= 0x10;	/* the MADT is entry 1 */
	expect_error("no MADT", xsdt);
	expect_warning("MADT: bad checksum");
	assert_true(info.has_fadt && info.has_hpet);	/* the rest is still filled in */
}

static void test_err_madt_short(void **state)
{
	uint32_t madt;

	(void)state;
	madt = madt_begin(1, 0xfee00000, 0);
	table_end();
	set32(madt + 4, 40);
	fix_checksum(madt);
	wrap_madt(madt);
	expect_error("no MADT", open_table);
	expect_warning("MADT: Length out of range");
}

static void test_err_madt_huge(void **state)
{
	uint32_t madt;

	(void)state;
	madt = madt_begin(1, 0xfee00000, 0);
	table_end();
	set32(madt + 4, 0x100001);
	wrap_madt(madt);
	expect_error("no MADT", open_table);
	expect_warning("MADT: Length out of range");
}

static void test_err_no_madt(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = fadt(244, 9, 0x608, ACPI_GAS_IO, 0x608, 0);
	e[1] = hpet(0x8086a201, ACPI_GAS_MEMORY, 0xfed00000);
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_error("no MADT", open_table);
	assert_int_equal(info.nr_warnings, 0);
}

static void test_err_empty_xsdt(void **state)
{
	(void)state;
	root_table(true, NULL, 0);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_error("no MADT", open_table);
}

/* A zero length must end the walk, not spin on the same entry. */
static void test_err_madt_entry_len0(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	put8(0), put8(0);
	madt_lapic(1, 1, 1);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 1);
	expect_warning("MADT: entry Length < 2, walk ended");
}

static void test_err_madt_entry_len1(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	put8(0), put8(1);
	madt_lapic(1, 1, 1);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 0);
	expect_warning("MADT: entry Length < 2, walk ended");
}

static void test_err_madt_entry_past_end(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	put8(9), put8(16), put32(7);	/* x2APIC entry cut after 6 of 16 bytes */
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 1);
	expect_warning("MADT: entry past the end, walk ended");
}

/* One byte left over: not even an entry header. */
static void test_err_madt_trailing_byte(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	put8(0);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 1);
	expect_warning("MADT: entry past the end, walk ended");
}

/* Shorter than its type: skipped, and the walk goes on. */
static void test_err_madt_entry_short_for_type(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	put8(0), put8(6), put8(0), put8(0), put16(1);	/* Local APIC of 6 */
	put8(9), put8(12), put16(0), put32(5), put32(1);	/* x2APIC of 12 */
	put8(1), put8(8), put8(0), put8(0), put32(0xfec00000);
	put8(2), put8(8), put8(0), put8(0), put32(2);
	put8(4), put8(5), put8(0xff), put16(0);
	put8(5), put8(10), put16(0), put32(0), put16(0);
	put8(0xa), put8(8), put16(0), put32(0xffffffff);
	put8(3), put8(4), put16(0);
	put8(0x7f), put8(2);				/* unknown type: fine */
	madt_lapic(1, 1, 1);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 1);
	assert_int_equal(info.nr_ioapics + info.nr_isos + info.nr_nmis, 0);
	assert_int_equal(info.lapic_addr, 0xfee00000);
	expect_warning("MADT: Local APIC entry shorter than 8");
	expect_warning("MADT: Local x2APIC entry shorter than 16");
	expect_warning("MADT: Local APIC Address Override shorter than 12");
	assert_int_equal(info.nr_warnings, 8);
}

/* Longer than its type: allowed (later revisions append fields). */
static void test_madt_entry_longer_than_type(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	put8(0), put8(10), put8(7), put8(3), put32(1), put16(0xffff);
	madt_lapic(1, 1, 1);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 2);
	assert_int_equal(info.cpus[0].apic_id, 3);
	assert_int_equal(info.cpus[0].uid, 7);
}

static void test_err_duplicate_apic_ids(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_lapic(2, 1, 1);
	madt_lapic(3, 0xff, 0);		/* disabled placeholder: not a duplicate */
	madt_lapic(4, 0, 0);		/* disabled: not counted */
	madt_x2apic(1, 1, 5);		/* same ID as an 8-bit entry */
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 2);
	assert_int_equal(info.cpus[1].uid, 1);
	assert_int_equal(info.duplicate_apic_ids, 2);
	expect_warning("MADT: duplicate APIC ID ignored");
}

static void test_err_broadcast_apic_id(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0xff, 1);
	madt_x2apic(0xffffffff, 1, 1);
	madt_lapic(2, 2, 1);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 1);
	expect_warning("MADT: processor with broadcast APIC ID ignored");
}

static void test_zero_cpus(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 1);
	madt_ioapic(0, 0xfec00000, 0);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, 0);
	assert_int_equal(info.nr_ioapics, 1);
}

static void test_300_cpus(void **state)
{
	(void)state;
	madt_begin(3, 0xfee00000, 0);
	for (uint32_t i = 0; i < 300; i++)
		madt_x2apic(i, 1, i);
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_cpus, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus_over_limit, 44);
	assert_int_equal(info.cpus[255].apic_id, 255);
	expect_warning("MADT: more than 256 processors");
}

static void test_err_too_many_ioapics_isos_nmis(void **state)
{
	(void)state;
	madt_begin(1, 0xfee00000, 0);
	madt_lapic(0, 0, 1);
	for (uint32_t i = 0; i < 20; i++)
		madt_ioapic((uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	for (uint32_t i = 0; i < 40; i++) {
		madt_iso((uint8_t)i, i, 0);
		madt_lapic_nmi((uint8_t)i, 0, 1);
	}
	wrap_madt(table_end());
	expect_ok();
	assert_int_equal(info.nr_ioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[15].gsi_base, 15 * 24);
	assert_int_equal(info.nr_isos, ACPI_MAX_ISOS);
	assert_int_equal(info.nr_nmis, ACPI_MAX_NMIS);
	expect_warning("MADT: more than 16 I/O APICs");
	expect_warning("MADT: more than 32 Interrupt Source Overrides");
	expect_warning("MADT: more than 32 NMI entries");
}

static void test_err_xsdt_partial_entry(void **state)
{
	uint32_t xsdt;

	(void)state;
	xsdt = build_q35();
	set32(xsdt + 4, 36 + 3 * 8 - 3);	/* the HPET entry loses its top bytes */
	fix_checksum(xsdt);
	expect_ok();
	expect_warning("XSDT: partial entry at the end ignored");
	assert_int_equal(info.nr_cpus, 4);
	assert_false(info.has_hpet);
}

static void test_err_rsdt_partial_entry(void **state)
{
	uint64_t e;

	(void)state;
	e = qemu_madt(1);
	root_table(false, &e, 1);
	put16(0);
	table_end();
	rsdp_at(TABLES, 0, open_table, 0);
	expect_ok();
	expect_warning("RSDT: partial entry at the end ignored");
}

static void test_err_fadt_short(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(1);
	e[1] = fadt(115, 9, 0x608, 0, 0, 0);
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_false(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0);
	expect_warning("FADT: Length out of range");
}

static void test_err_pm_timer_port_too_big(void **state)
{
	uint64_t e[2];

	(void)state;
	e[0] = qemu_madt(1);
	e[1] = fadt(244, 9, 0x608, ACPI_GAS_IO, 0x10000, 1u << 8);
	root_table(true, e, 2);
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.pm_timer_port, 0);
	assert_false(info.pm_timer_32bit);
	expect_warning("FADT: PM timer port above 0xFFFF ignored");
}

/* More distinct problems than slots: the first 16 kept, the rest counted. */
static void test_err_warnings_overflow(void **state)
{
	uint64_t e[4];

	(void)state;
	madt_begin(1, 0xfee00000, 0);
	for (uint32_t type = 0; type <= 0xa; type++)
		put8((uint8_t)type), put8(2);		/* 8 entries short for their type */
	for (uint32_t i = 0; i < 33; i++) {
		madt_ioapic((uint8_t)i, 0xfec00000, 0);
		madt_iso((uint8_t)i, i, 0);
		madt_lapic_nmi(0xff, 0, 1);
	}
	madt_lapic(0, 0, 1);
	madt_lapic(1, 0, 1);
	madt_lapic(2, 0, 1);			/* the same warning again: kept once */
	madt_lapic(3, 0xff, 1);
	put8(0), put8(0);
	e[1] = table_end();
	e[0] = UNMAPPED;
	e[2] = hpet(0x8086a201, ACPI_GAS_IO, 0xfed00000);
	e[3] = fadt(244, 9, 0x10000, ACPI_GAS_MEMORY, 0xfed80000, 0);
	root_table(true, e, 4);
	put8(0);
	table_end();
	rsdp_at(TABLES, 2, 0, open_table);
	expect_ok();
	assert_int_equal(info.nr_warnings, ACPI_MAX_WARNINGS);
	assert_int_equal(info.warnings_dropped, 3);
	assert_string_equal(info.warnings[0], "XSDT: partial entry at the end ignored");
	assert_string_equal(info.warnings[1], "XSDT: entry null or unreadable");
	assert_string_equal(info.warnings[15], "MADT: entry Length < 2, walk ended");
	assert_int_equal(info.duplicate_apic_ids, 2);
	assert_false(info.has_hpet);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_qemu_q35),
		T(test_bochs_rsdt_only),
		T(test_rsdp_v2_without_xsdt),
		T(test_x2apic_ids),
		T(test_lapic_address_override),
		T(test_online_capable),
		T(test_fadt_x_pm_tmr_wins),
		T(test_fadt_x_pm_tmr_not_io),
		T(test_fadt_no_pm_timer),
		T(test_unused_tables_not_read),
		T(test_find_rsdp_ebda),
		T(test_find_rsdp_bios_area),
		T(test_find_rsdp_skips_bad),
		T(test_find_rsdp_none),
		T(test_madt_bad_then_good_then_duplicate),
		T(test_hpet_not_memory),
		T(test_madt_entry_longer_than_type),
		T(test_zero_cpus),
		T(test_300_cpus),
		T(test_err_rsdp_checksum),
		T(test_err_rsdp_ext_checksum),
		T(test_err_rsdp_signature),
		T(test_err_rsdp_length),
		T(test_err_rsdp_unreadable),
		T(test_err_xsdt_checksum),
		T(test_err_xsdt_short),
		T(test_err_xsdt_huge),
		T(test_err_xsdt_signature),
		T(test_err_xsdt_unreadable),
		T(test_err_rsdt_checksum),
		T(test_err_entry_unreadable),
		T(test_err_madt_past_image),
		T(test_err_madt_checksum),
		T(test_err_madt_short),
		T(test_err_madt_huge),
		T(test_err_no_madt),
		T(test_err_empty_xsdt),
		T(test_err_madt_entry_len0),
		T(test_err_madt_entry_len1),
		T(test_err_madt_entry_past_end),
		T(test_err_madt_trailing_byte),
		T(test_err_madt_entry_short_for_type),
		T(test_err_duplicate_apic_ids),
		T(test_err_broadcast_apic_id),
		T(test_err_too_many_ioapics_isos_nmis),
		T(test_err_xsdt_partial_entry),
		T(test_err_rsdt_partial_entry),
		T(test_err_fadt_short),
		T(test_err_pm_timer_port_too_big),
		T(test_err_warnings_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
