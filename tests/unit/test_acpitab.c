/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the guest's ACPI tables (kernel/vm/acpitab.c), with the
 * DSDT compiled from kernel/vm/dsdt.asl (build/gen/dsdt_aml.c).
 *
 * The tables are built into an exact-size heap block (ASan catches any
 * write past cap; the bytes past the result must stay untouched), copied
 * into an image of the BIOS area 0xE0000-0xFFFFF, found there by the
 * 16-byte RSDP scan of ACPI 6.5, 5.2.5.1, and read back at the spec's
 * offsets (5.2.5.3 RSDP, 5.2.6 header, 5.2.7/5.2.8 RSDT/XSDT, 5.2.9 FADT,
 * 5.2.10 FACS, 5.2.12 MADT), never through the module's structs.
 *
 * Then every table goes through ACPICA's iasl, the reference
 * implementation: disassembled (iasl -d, no warning or error allowed; the
 * fields compared as iasl 20200925 prints them) and compiled back from
 * that disassembly, which must give the same bytes. iasl recomputes the
 * checksum and writes its own creator ID and revision, so those header
 * bytes are left out of the comparison. iasl cannot disassemble a bare
 * RSDP (its input check wants a table header), so the RSDP's fields are
 * written as a data table source and compiled: iasl computes both
 * checksums, and all 36 bytes must match. A missing iasl fails the tests:
 * the build needs it anyway to compile the DSDT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel/vm/acpitab.h"

#define BIOS_LO  0xe0000u	/* 5.2.5.1: the RSDP scan's range */
#define BIOS_HI  0x100000u
#define BASE     0xe0000u	/* where the VM builder puts the block */
#define CAP      0x10000u
#define VM_VCPUS 8		/* VM_MAX_VCPUS in svm/vm.h today */
#define FILL     0xa5

/* ---- the block and the guest's view of the BIOS area ---- */

static uint8_t bios[BIOS_HI - BIOS_LO];
static uint64_t blk_gpa;
static size_t blk_len;

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Builds into an exact-size heap block of cap bytes filled with FILL and
 * checks the bytes past the result were not touched. */
static size_t build_at(uint8_t *out, unsigned nr, const uint8_t *dsdt, size_t dsdt_len,
		       uint64_t gpa, size_t cap, uint64_t *rsdp, const char **err)
{
	struct acpitab_vm vm = { .nr_cpus = nr, .dsdt = dsdt, .dsdt_len = dsdt_len };
	uint8_t *buf = malloc(cap ? cap : 1);
	size_t n;

	assert_non_null(buf);
	memset(buf, FILL, cap);
	*err = NULL;
	*rsdp = 0;
	n = acpitab_build(buf, cap, gpa, &vm, rsdp, err);
	assert_true(n <= cap);
	for (size_t i = n; i < cap && n; i++)
		assert_int_equal(buf[i], FILL);
	if (out)
		memcpy(out, buf, n);
	free(buf);
	return n;
}

/* Builds the tables for nr vCPUs at gpa and puts them in bios[]. */
static size_t build(unsigned nr, uint64_t gpa, size_t cap)
{
	uint64_t rsdp;
	const char *err;
	size_t n;

	assert_true(gpa >= BIOS_LO && cap <= BIOS_HI - gpa);
	memset(bios, 0, sizeof(bios));
	n = build_at(bios + (gpa - BIOS_LO), nr, acpi_dsdt_aml, acpi_dsdt_aml_len, gpa, cap,
		     &rsdp, &err);
	if (!n)
		fail_msg("refused: %s", err);
	assert_int_equal(rsdp, gpa);
	blk_gpa = gpa;
	blk_len = n;
	return n;
}

/* len bytes at gpa, which must lie inside the block. */
static const uint8_t *gp(uint64_t gpa, uint64_t len)
{
	if (gpa < blk_gpa || gpa - blk_gpa > blk_len || len > blk_len - (gpa - blk_gpa))
		fail_msg("0x%" PRIx64 "+%" PRIu64 " is outside the block", gpa, len);
	return bios + (gpa - BIOS_LO);
}

static uint8_t g8(uint64_t gpa) { return *gp(gpa, 1); }
static uint16_t g16(uint64_t gpa) { uint16_t v; memcpy(&v, gp(gpa, 2), 2); return v; }
static uint32_t g32(uint64_t gpa) { uint32_t v; memcpy(&v, gp(gpa, 4), 4); return v; }
static uint64_t g64(uint64_t gpa) { uint64_t v; memcpy(&v, gp(gpa, 8), 8); return v; }

/* ---- reading the tables as an OS does ---- */

struct tables {
	uint64_t rsdp, xsdt, rsdt, fadt, facs, madt, dsdt;
	uint32_t xsdt_len, rsdt_len, fadt_len, madt_len, dsdt_len;
};

/* 5.2.5.1: "RSD PTR " on a 16-byte boundary with a valid checksum. */
static uint64_t rsdp_scan(void)
{
	for (uint64_t a = BIOS_LO; a + 20 <= BIOS_HI; a += 16) {
		const uint8_t *p = bios + (a - BIOS_LO);

		if (!memcmp(p, "RSD PTR ", 8) && !sum(p, 20))
			return a;
	}
	fail_msg("no RSDP in 0xE0000-0xFFFFF");
	return 0;
}

/* 5.2.6: the header of a table we built; returns its length. */
static uint32_t header_check(uint64_t gpa, const char *sig, uint8_t revision)
{
	uint32_t len = g32(gpa + 4);

	assert_memory_equal(gp(gpa, 4), sig, 4);
	assert_true(len >= 36);
	assert_int_equal(sum(gp(gpa, len), len), 0);
	assert_int_equal(g8(gpa + 8), revision);
	assert_memory_equal(gp(gpa + 10, 6), "SVMVSR", 6);
	assert_memory_equal(gp(gpa + 16, 8), "SVMVISOR", 8);
	assert_int_equal(g32(gpa + 24), 1);
	assert_memory_equal(gp(gpa + 28, 4), "SVMV", 4);
	assert_int_equal(g32(gpa + 32), 1);
	return len;
}

static void walk(struct tables *t)
{
	t->rsdp = rsdp_scan();
	assert_int_equal(t->rsdp, blk_gpa);
	assert_int_equal(g8(t->rsdp + 15), 2);			/* Revision */
	assert_int_equal(g32(t->rsdp + 20), 36);		/* Length */
	assert_int_equal(sum(gp(t->rsdp, 36), 36), 0);		/* Extended Checksum */
	assert_memory_equal(gp(t->rsdp + 9, 6), "SVMVSR", 6);
	assert_int_equal(g8(t->rsdp + 33) | g8(t->rsdp + 34) | g8(t->rsdp + 35), 0);

	t->xsdt = g64(t->rsdp + 24);
	t->rsdt = g32(t->rsdp + 16);
	t->xsdt_len = header_check(t->xsdt, "XSDT", 1);
	t->rsdt_len = header_check(t->rsdt, "RSDT", 1);
	assert_int_equal(t->xsdt_len, 36 + 2 * 8);
	assert_int_equal(t->rsdt_len, 36 + 2 * 4);
	t->fadt = t->madt = 0;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t a = g64(t->xsdt + 36 + 8 * i);

		assert_int_equal(g32(t->rsdt + 36 + 4 * i), a);
		if (!memcmp(gp(a, 4), "FACP", 4) && !t->fadt)
			t->fadt = a;
		else if (!memcmp(gp(a, 4), "APIC", 4) && !t->madt)
			t->madt = a;
		else
			fail_msg("XSDT entry %u: unexpected or repeated table", i);
	}
	t->fadt_len = header_check(t->fadt, "FACP", 6);
	t->madt_len = header_check(t->madt, "APIC", 5);
	assert_int_equal(t->fadt_len, 276);

	t->facs = g32(t->fadt + 36);			/* FIRMWARE_CTRL */
	assert_int_equal(g64(t->fadt + 132), 0);	/* X_FIRMWARE_CTRL: must be 0 then */
	t->dsdt = g32(t->fadt + 40);
	assert_int_equal(g64(t->fadt + 140), t->dsdt);	/* X_DSDT */

	/* 5.2.10: the FACS, 64 bytes on a 64-byte boundary. */
	assert_memory_equal(gp(t->facs, 4), "FACS", 4);
	assert_int_equal(g32(t->facs + 4), 64);
	assert_int_equal(t->facs % 64, 0);
	assert_int_equal(g8(t->facs + 32), 2);		/* Version */
	for (unsigned i = 8; i < 64; i++)
		if (i != 32)
			assert_int_equal(g8(t->facs + i), 0);

	/* The DSDT: iasl's bytes, untouched. */
	t->dsdt_len = g32(t->dsdt + 4);
	assert_memory_equal(gp(t->dsdt, 4), "DSDT", 4);
	assert_int_equal(t->dsdt_len, acpi_dsdt_aml_len);
	assert_memory_equal(gp(t->dsdt, t->dsdt_len), acpi_dsdt_aml, acpi_dsdt_aml_len);
	assert_int_equal(sum(gp(t->dsdt, t->dsdt_len), t->dsdt_len), 0);
}

/* Every table inside the block, none overlapping another, at 16-byte
 * boundaries (64 for the FACS). */
static void layout_check(const struct tables *t)
{
	const struct { uint64_t at, len, align; } r[] = {
		{ t->rsdp, 36, 16 }, { t->xsdt, t->xsdt_len, 16 }, { t->rsdt, t->rsdt_len, 16 },
		{ t->fadt, t->fadt_len, 16 }, { t->facs, 64, 64 }, { t->madt, t->madt_len, 16 },
		{ t->dsdt, t->dsdt_len, 16 },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		gp(r[i].at, r[i].len);
		assert_int_equal(r[i].at % r[i].align, 0);
		for (size_t j = 0; j < i; j++)
			assert_true(r[i].at + r[i].len <= r[j].at || r[j].at + r[j].len <= r[i].at);
	}
}

/* 5.2.3.2: a Generic Address Structure in system I/O space. */
static void gas_check(uint64_t gpa, uint8_t bits, uint8_t access, uint64_t port)
{
	assert_int_equal(g8(gpa), 1);
	assert_int_equal(g8(gpa + 1), bits);
	assert_int_equal(g8(gpa + 2), 0);
	assert_int_equal(g8(gpa + 3), access);
	assert_int_equal(g64(gpa + 4), port);
}

static void gas_zero(uint64_t gpa)
{
	for (unsigned i = 0; i < 12; i++)
		assert_int_equal(g8(gpa + i), 0);
}

/* 5.2.9: the FADT's fields at their offsets. */
static void fadt_check(uint64_t f)
{
	assert_int_equal(g8(f + 44), 0);		/* reserved (INT_MODEL) */
	assert_int_equal(g16(f + 46), 9);		/* SCI_INT */
	assert_int_equal(g32(f + 48), 0);		/* SMI_CMD */
	assert_int_equal(g8(f + 52), 0);		/* ACPI_ENABLE */
	assert_int_equal(g8(f + 53), 0);		/* ACPI_DISABLE */
	assert_int_equal(g32(f + 56), 0x600);		/* PM1a_EVT_BLK */
	assert_int_equal(g32(f + 60), 0);		/* PM1b_EVT_BLK */
	assert_int_equal(g32(f + 64), 0x604);		/* PM1a_CNT_BLK */
	assert_int_equal(g32(f + 68), 0);		/* PM1b_CNT_BLK */
	assert_int_equal(g32(f + 72), 0);		/* PM2_CNT_BLK */
	assert_int_equal(g32(f + 76), 0x608);		/* PM_TMR_BLK */
	assert_int_equal(g32(f + 80), 0);		/* GPE0_BLK */
	assert_int_equal(g32(f + 84), 0);		/* GPE1_BLK */
	assert_int_equal(g8(f + 88), 4);		/* PM1_EVT_LEN */
	assert_int_equal(g8(f + 89), 2);		/* PM1_CNT_LEN */
	assert_int_equal(g8(f + 90), 0);		/* PM2_CNT_LEN */
	assert_int_equal(g8(f + 91), 4);		/* PM_TMR_LEN */
	assert_int_equal(g8(f + 92), 0);		/* GPE0_BLK_LEN */
	assert_true(g16(f + 96) > 100);			/* P_LVL2_LAT: no C2 */
	assert_true(g16(f + 98) > 1000);		/* P_LVL3_LAT: no C3 */
	assert_int_equal(g8(f + 108), 0x32);		/* CENTURY */
	assert_int_equal(g16(f + 109), 0x0005);		/* IAPC_BOOT_ARCH: LEGACY, VGA_NOT_PRESENT */
	/* Flags: WBINVD, PROC_C1, PWR_BUTTON, SLP_BUTTON, RESET_REG_SUP;
	 * not TMR_VAL_EXT (bit 8), not HW_REDUCED_ACPI (bit 20). */
	assert_int_equal(g32(f + 112), 0x00000435);
	gas_check(f + 116, 8, 1, 0xcf9);		/* RESET_REG */
	assert_int_equal(g8(f + 128), 0x06);		/* RESET_VALUE */
	assert_int_equal(g16(f + 129), 0);		/* ARM_BOOT_ARCH */
	assert_int_equal(g8(f + 131), 3);		/* FADT Minor Version */
	gas_check(f + 148, 32, 2, 0x600);		/* X_PM1a_EVT_BLK */
	gas_zero(f + 160);				/* X_PM1b_EVT_BLK */
	gas_check(f + 172, 16, 2, 0x604);		/* X_PM1a_CNT_BLK */
	gas_zero(f + 184);				/* X_PM1b_CNT_BLK */
	gas_zero(f + 196);				/* X_PM2_CNT_BLK */
	gas_check(f + 208, 32, 3, 0x608);		/* X_PM_TMR_BLK */
	gas_zero(f + 220);				/* X_GPE0_BLK */
	gas_zero(f + 232);				/* X_GPE1_BLK */
	gas_zero(f + 244);				/* SLEEP_CONTROL_REG */
	gas_zero(f + 256);				/* SLEEP_STATUS_REG */
	assert_memory_equal(gp(f + 268, 8), "SVMVISOR", 8);	/* Hypervisor Vendor Identity */
}

/* 5.2.12: every entry's type and length, one enabled local APIC per vCPU
 * with ID and UID = index, the I/O APIC, the two overrides, LINT1 NMI. */
static void madt_check(uint64_t m, uint32_t len, unsigned nr)
{
	unsigned cpus = 0, ioapics = 0, isos = 0, nmis = 0;
	uint64_t a = m + 44;

	assert_int_equal(g32(m + 36), 0xfee00000);	/* Local Interrupt Controller Address */
	assert_int_equal(g32(m + 40), 1);		/* PCAT_COMPAT */
	assert_int_equal(len, 44 + 8 * nr + 12 + 2 * 10 + 6);
	while (a < m + len) {
		uint8_t type = g8(a), elen;

		assert_true(m + len - a >= 2);
		elen = g8(a + 1);
		assert_true(elen >= 2 && elen <= m + len - a);
		switch (type) {
		case 0:					/* 5.2.12.2 */
			assert_int_equal(elen, 8);
			assert_int_equal(ioapics + isos + nmis, 0);	/* processors first */
			assert_int_equal(g8(a + 2), cpus);		/* UID */
			assert_int_equal(g8(a + 3), cpus);		/* APIC ID */
			assert_int_equal(g32(a + 4), 1);		/* enabled */
			cpus++;
			break;
		case 1:					/* 5.2.12.3 */
			assert_int_equal(elen, 12);
			assert_int_equal(g8(a + 2), 8);
			assert_int_equal(g8(a + 3), 0);
			assert_int_equal(g32(a + 4), 0xfec00000);
			assert_int_equal(g32(a + 8), 0);
			ioapics++;
			break;
		case 2:					/* 5.2.12.5 */
			assert_int_equal(elen, 10);
			assert_int_equal(g8(a + 2), 0);			/* ISA */
			if (isos == 0) {
				assert_int_equal(g8(a + 3), 0);		/* PIT IRQ 0 */
				assert_int_equal(g32(a + 4), 2);	/* -> GSI 2 */
				assert_int_equal(g16(a + 8), 0);	/* conforming */
			} else {
				assert_int_equal(g8(a + 3), 9);		/* SCI */
				assert_int_equal(g32(a + 4), 9);
				assert_int_equal(g16(a + 8), 0x000d);	/* high, level */
			}
			isos++;
			break;
		case 4:					/* 5.2.12.7 */
			assert_int_equal(elen, 6);
			assert_int_equal(g8(a + 2), 0xff);		/* all processors */
			assert_int_equal(g16(a + 3), 0);
			assert_int_equal(g8(a + 5), 1);			/* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("MADT entry type %u at +%" PRIu64, type, a - m);
		}
		a += elen;
	}
	assert_int_equal(a, m + len);
	assert_int_equal(cpus, nr);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 2);
	assert_int_equal(nmis, 1);
}

/* ---- iasl ---- */

static char tmpdir[64];

/* Runs cmd (stdout and stderr together); returns its output (malloc'd)
 * and exit status. */
static char *run(const char *cmd, int *status)
{
	char full[1024], *out = NULL;
	size_t len = 0, cap = 0, n;
	FILE *p;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	assert_non_null(p);
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		n = fread(out + len, 1, cap - len - 1, p);
		len += n;
	} while (n);
	out[len] = 0;
	*status = pclose(p);
	return out;
}

static void iasl_required(void)
{
	int st;
	char *out = run("iasl -v", &st);

	if (st || !strstr(out, "ASL+ Optimizing Compiler"))
		fail_msg("iasl not found or not working (Debian package acpica-tools): the build "
			 "needs it for kernel/vm/dsdt.asl and this test for every table; "
			 "`iasl -v` said: %s", out);
	free(out);
}

static void path(char *p, size_t n, const char *name, const char *ext)
{
	snprintf(p, n, "%s/%s.%s", tmpdir, name, ext);
}

static void write_file(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	uint8_t *data;
	long n;

	if (!f)
		fail_msg("iasl wrote no %s", p);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Each test's files go to a fresh directory, removed even when it fails. */
static int tmpdir_make(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_acpitab.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmpdir_remove(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char p[512];

	(void)state;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* Compiling is clean only with this line in iasl's output. */
#define IASL_CLEAN "0 Errors, 0 Warnings"

/* Writes the table at gpa to name.dat, disassembles it and returns the
 * .dsl text; iasl must say nothing about warnings, errors or checksums. */
static char *disassemble(const char *name, uint64_t gpa, uint32_t len)
{
	char dat[128], dsl[128], pfx[128], cmd[512];
	char *out, *text;
	size_t n;
	int st;

	path(dat, sizeof(dat), name, "dat");
	path(dsl, sizeof(dsl), name, "dsl");
	snprintf(pfx, sizeof(pfx), "%s/%s", tmpdir, name);
	write_file(dat, gp(gpa, len), len);
	snprintf(cmd, sizeof(cmd), "iasl -d -p %s %s", pfx, dat);
	out = run(cmd, &st);
	if (st || strstr(out, "Warning") || strstr(out, "Error") || strstr(out, "Incorrect") ||
	    strstr(out, "Invalid"))
		fail_msg("iasl -d %s (status %d):\n%s", name, st, out);
	free(out);
	text = (char *)read_file(dsl, &n);
	if (strstr(text, "Incorrect") || strstr(text, "Invalid") || strstr(text, "****"))
		fail_msg("iasl -d %s complained in %s:\n%s", name, dsl, text);
	return text;
}

/* Compiles src (a data table source) and returns the binary. */
static uint8_t *compile(const char *name, const char *src, size_t *len)
{
	char in[128], aml[128], pfx[128], cmd[512];
	char *out;
	int st;

	path(in, sizeof(in), name, "asl");
	path(aml, sizeof(aml), name, "aml");
	snprintf(pfx, sizeof(pfx), "%s/%s", tmpdir, name);
	write_file(in, src, strlen(src));
	snprintf(cmd, sizeof(cmd), "iasl -vs -p %s %s", pfx, in);
	out = run(cmd, &st);
	if (st || !strstr(out, IASL_CLEAN))
		fail_msg("iasl %s (status %d):\n%s", in, st, out);
	free(out);
	return read_file(aml, len);
}

/* iasl's disassembly of a data table, compiled back, gives our bytes but
 * for the checksum and the creator ID and revision, which the data table
 * compiler writes itself (so: the layout iasl decoded is ours). */
static void round_trip(const char *name, const char *dsl, uint64_t gpa, uint32_t len,
		       bool header)
{
	char rt[64];
	size_t n;
	uint8_t *bin;

	snprintf(rt, sizeof(rt), "rt_%s", name);
	bin = compile(rt, dsl, &n);
	assert_int_equal(n, len);
	for (uint32_t i = 0; i < len; i++) {
		if (header && (i == 9 || (i >= 28 && i < 36)))
			continue;
		if (bin[i] != g8(gpa + i))
			fail_msg("%s: byte %u is 0x%02x, iasl compiled 0x%02x from its disassembly",
				 name, i, g8(gpa + i), bin[i]);
	}
	if (header)
		assert_int_equal(sum(bin, n), 0);
	free(bin);
}

/* The "Label : Value" lines of a .dsl: [offsets] then the label, or only
 * the label (decoded flag bits). */
struct field {
	char label[64];
	char value[96];
};

struct dsl {
	struct field *f;
	size_t n;
};

static void trim_copy(char *dst, size_t cap, const char *b, const char *e)
{
	while (b < e && *b == ' ')
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\r'))
		e--;
	snprintf(dst, cap, "%.*s", (int)(e - b), b);
}

static void dsl_parse(const char *text, struct dsl *d)
{
	const char *line = text;

	d->f = NULL;
	d->n = 0;
	while (*line) {
		const char *end = strchr(line, '\n'), *sep, *lab = line;

		if (!end)
			end = line + strlen(line);
		sep = strstr(line, " : ");
		if (sep && sep < end) {
			if (*lab == '[') {
				const char *rb = memchr(lab, ']', (size_t)(sep - lab));

				lab = rb ? rb + 1 : lab;
			}
			d->f = realloc(d->f, (d->n + 1) * sizeof(*d->f));
			assert_non_null(d->f);
			trim_copy(d->f[d->n].label, sizeof(d->f[0].label), lab, sep);
			trim_copy(d->f[d->n].value, sizeof(d->f[0].value), sep + 3, end);
			d->n++;
		}
		line = *end ? end + 1 : end;
	}
}

/* The value of the nth (from 0) line labelled label. */
static const char *dsl_get(const struct dsl *d, const char *label, unsigned nth)
{
	unsigned seen = 0;

	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].label, label) && seen++ == nth)
			return d->f[i].value;
	fail_msg("iasl printed no line #%u \"%s\"", nth, label);
	return NULL;
}

static void expect(const struct dsl *d, const char *label, unsigned nth, const char *want)
{
	const char *v = dsl_get(d, label, nth);

	if (strcmp(v, want))
		fail_msg("iasl: \"%s\" #%u is \"%s\", want \"%s\"", label, nth, v, want);
}

static size_t count(const struct dsl *d, const char *label)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += !strcmp(d->f[i].label, label);
	return n;
}

/* The value of the first line labelled label after the nth line labelled
 * anchor (for the fields of a Generic Address Structure). */
static void expect_after(const struct dsl *d, const char *anchor, unsigned nth,
			 const char *label, const char *want)
{
	size_t i = 0;

	for (; i < d->n; i++)
		if (!strcmp(d->f[i].label, anchor) && !nth--)
			break;
	assert_true(i < d->n);
	for (i++; i < d->n; i++) {
		if (!strcmp(d->f[i].label, label)) {
			if (strcmp(d->f[i].value, want))
				fail_msg("iasl: \"%s\" of \"%s\" is \"%s\", want \"%s\"", label,
					 anchor, d->f[i].value, want);
			return;
		}
	}
	fail_msg("iasl printed no \"%s\" after \"%s\"", label, anchor);
}

static const char *hex(char *b, size_t n, const char *fmt, uint64_t v)
{
	snprintf(b, n, fmt, v);
	return b;
}

static void iasl_fadt(const struct tables *t)
{
	char *text = disassemble("facp", t->fadt, t->fadt_len);
	struct dsl d;
	char b[32];

	dsl_parse(text, &d);
	expect(&d, "Signature", 0, "\"FACP\"    [Fixed ACPI Description Table (FADT)]");
	expect(&d, "Table Length", 0, "00000114");
	expect(&d, "Revision", 0, "06");
	expect(&d, "FADT Minor Revision", 0, "03");
	expect(&d, "Oem ID", 0, "\"SVMVSR\"");
	expect(&d, "Oem Table ID", 0, "\"SVMVISOR\"");
	expect(&d, "FACS Address", 0, hex(b, sizeof(b), "%08" PRIX64, t->facs));
	expect(&d, "FACS Address", 1, "0000000000000000");
	expect(&d, "DSDT Address", 0, hex(b, sizeof(b), "%08" PRIX64, t->dsdt));
	expect(&d, "DSDT Address", 1, hex(b, sizeof(b), "%016" PRIX64, t->dsdt));
	expect(&d, "SCI Interrupt", 0, "0009");
	expect(&d, "SMI Command Port", 0, "00000000");
	expect(&d, "ACPI Enable Value", 0, "00");
	expect(&d, "PM1A Event Block Address", 0, "00000600");
	expect(&d, "PM1A Control Block Address", 0, "00000604");
	expect(&d, "PM Timer Block Address", 0, "00000608");
	expect(&d, "GPE0 Block Address", 0, "00000000");
	expect(&d, "PM1 Event Block Length", 0, "04");
	expect(&d, "PM1 Control Block Length", 0, "02");
	expect(&d, "PM Timer Block Length", 0, "04");
	expect(&d, "C2 Latency", 0, "0065");
	expect(&d, "C3 Latency", 0, "03E9");
	expect(&d, "RTC Century Index", 0, "32");
	expect(&d, "Boot Flags (decoded below)", 0, "0005");
	expect(&d, "Legacy Devices Supported (V2)", 0, "1");
	expect(&d, "8042 Present on ports 60/64 (V2)", 0, "0");
	expect(&d, "VGA Not Present (V4)", 0, "1");
	expect(&d, "CMOS RTC Not Present (V5)", 0, "0");
	expect(&d, "Flags (decoded below)", 0, "00000435");
	expect(&d, "WBINVD instruction is operational (V1)", 0, "1");
	expect(&d, "All CPUs support C1 (V1)", 0, "1");
	expect(&d, "Control Method Power Button (V1)", 0, "1");
	expect(&d, "Control Method Sleep Button (V1)", 0, "1");
	expect(&d, "32-bit PM Timer (V1)", 0, "0");
	expect(&d, "Reset Register Supported (V2)", 0, "1");
	expect(&d, "Hardware Reduced (V5)", 0, "0");
	expect(&d, "Reset Register", 0, "[Generic Address Structure]");
	expect_after(&d, "Reset Register", 0, "Space ID", "01 [SystemIO]");
	expect_after(&d, "Reset Register", 0, "Bit Width", "08");
	expect_after(&d, "Reset Register", 0, "Encoded Access Width", "01 [Byte Access:8]");
	expect_after(&d, "Reset Register", 0, "Address", "0000000000000CF9");
	expect(&d, "Value to cause reset", 0, "06");
	expect_after(&d, "PM1A Event Block", 0, "Space ID", "01 [SystemIO]");
	expect_after(&d, "PM1A Event Block", 0, "Bit Width", "20");
	expect_after(&d, "PM1A Event Block", 0, "Encoded Access Width", "02 [Word Access:16]");
	expect_after(&d, "PM1A Event Block", 0, "Address", "0000000000000600");
	expect_after(&d, "PM1A Control Block", 0, "Bit Width", "10");
	expect_after(&d, "PM1A Control Block", 0, "Encoded Access Width", "02 [Word Access:16]");
	expect_after(&d, "PM1A Control Block", 0, "Address", "0000000000000604");
	expect_after(&d, "PM Timer Block", 0, "Space ID", "01 [SystemIO]");
	expect_after(&d, "PM Timer Block", 0, "Bit Width", "20");
	expect_after(&d, "PM Timer Block", 0, "Encoded Access Width", "03 [DWord Access:32]");
	expect_after(&d, "PM Timer Block", 0, "Address", "0000000000000608");
	expect_after(&d, "GPE0 Block", 0, "Address", "0000000000000000");
	round_trip("facp", text, t->fadt, t->fadt_len, true);
	free(d.f);
	free(text);
}

static void iasl_madt(const struct tables *t, unsigned nr)
{
	char *text = disassemble("apic", t->madt, t->madt_len);
	struct dsl d;
	char b[16];

	dsl_parse(text, &d);
	expect(&d, "Signature", 0, "\"APIC\"    [Multiple APIC Description Table (MADT)]");
	expect(&d, "Revision", 0, "05");
	expect(&d, "Local Apic Address", 0, "FEE00000");
	expect(&d, "PC-AT Compatibility", 0, "1");
	assert_int_equal(count(&d, "Subtable Type"), nr + 4);
	assert_int_equal(count(&d, "Local Apic ID"), nr);
	assert_int_equal(count(&d, "Processor ID"), nr + 1);	/* and the NMI entry's */
	for (unsigned i = 0; i < nr; i++) {
		expect(&d, "Subtable Type", i, "00 [Processor Local APIC]");
		expect(&d, "Length", i, "08");
		expect(&d, "Processor ID", i, hex(b, sizeof(b), "%02" PRIX64, i));
		expect(&d, "Local Apic ID", i, hex(b, sizeof(b), "%02" PRIX64, i));
		expect(&d, "Processor Enabled", i, "1");
	}
	expect(&d, "Subtable Type", nr, "01 [I/O APIC]");
	expect(&d, "I/O Apic ID", 0, "08");
	expect(&d, "Address", 0, "FEC00000");
	expect(&d, "Interrupt", 0, "00000000");
	expect(&d, "Subtable Type", nr + 1, "02 [Interrupt Source Override]");
	expect(&d, "Source", 0, "00");
	expect(&d, "Interrupt", 1, "00000002");
	expect(&d, "Polarity", 0, "0");
	expect(&d, "Trigger Mode", 0, "0");
	expect(&d, "Subtable Type", nr + 2, "02 [Interrupt Source Override]");
	expect(&d, "Source", 1, "09");
	expect(&d, "Interrupt", 2, "00000009");
	expect(&d, "Polarity", 1, "1");
	expect(&d, "Trigger Mode", 1, "3");
	expect(&d, "Subtable Type", nr + 3, "04 [Local APIC NMI]");
	expect(&d, "Processor ID", nr, "FF");
	expect(&d, "Polarity", 2, "0");
	expect(&d, "Trigger Mode", 2, "0");
	expect(&d, "Interrupt Input LINT", 0, "01");
	round_trip("apic", text, t->madt, t->madt_len, true);
	free(d.f);
	free(text);
}

static void iasl_roots(const struct tables *t)
{
	char *x = disassemble("xsdt", t->xsdt, t->xsdt_len);
	char *r = disassemble("rsdt", t->rsdt, t->rsdt_len);
	struct dsl dx, dr;
	char b[32];

	dsl_parse(x, &dx);
	dsl_parse(r, &dr);
	expect(&dx, "ACPI Table Address   0", 0, hex(b, sizeof(b), "%016" PRIX64, t->fadt));
	expect(&dx, "ACPI Table Address   1", 0, hex(b, sizeof(b), "%016" PRIX64, t->madt));
	expect(&dr, "ACPI Table Address   0", 0, hex(b, sizeof(b), "%08" PRIX64, t->fadt));
	expect(&dr, "ACPI Table Address   1", 0, hex(b, sizeof(b), "%08" PRIX64, t->madt));
	round_trip("xsdt", x, t->xsdt, t->xsdt_len, true);
	round_trip("rsdt", r, t->rsdt, t->rsdt_len, true);
	free(dx.f);
	free(dr.f);
	free(x);
	free(r);
}

static void iasl_facs(const struct tables *t)
{
	char *text = disassemble("facs", t->facs, 64);
	struct dsl d;

	dsl_parse(text, &d);
	expect(&d, "Signature", 0, "\"FACS\"");
	expect(&d, "Length", 0, "00000040");
	expect(&d, "Version", 0, "02");
	expect(&d, "Global Lock", 0, "00000000");
	round_trip("facs", text, t->facs, 64, false);
	free(d.f);
	free(text);
}

static void iasl_dsdt(const struct tables *t)
{
	static const char *const want[] = {
		"Device (COM1)", "EisaId (\"PNP0501\")", "Name (_UID, One)", "Return (0x0F)",
		"0x03F8,", "{4}",
		"EisaId (\"PNP0B00\")", "0x0070,", "{8}",
		"EisaId (\"PNP0100\")", "0x0040,", "{0}",
		"EisaId (\"PNP0000\")", "0x0020,", "0x00A0,", "{2}",
		"Name (_S5, Package (0x04)",
	};
	char *text = disassemble("dsdt", t->dsdt, t->dsdt_len);

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("iasl's DSDT disassembly has no \"%s\":\n%s", want[i], text);
	free(text);
}

/* 5.2.5.3: iasl compiles the RSDP from its fields and computes both
 * checksums; the result must be our 36 bytes. */
static void iasl_rsdp(const struct tables *t)
{
	char src[1024];
	uint8_t *bin;
	size_t n;

	snprintf(src, sizeof(src),
		 "[0008] Signature : \"RSD PTR \"\n"
		 "[0001] Checksum : 00\n"
		 "[0006] Oem ID : \"%.6s\"\n"
		 "[0001] Revision : %02X\n"
		 "[0004] RSDT Address : %08X\n"
		 "[0004] Length : %08X\n"
		 "[0008] XSDT Address : %016" PRIX64 "\n"
		 "[0001] Extended Checksum : 00\n"
		 "[0003] Reserved : 000000\n",
		 (const char *)gp(t->rsdp + 9, 6), g8(t->rsdp + 15), g32(t->rsdp + 16),
		 g32(t->rsdp + 20), g64(t->rsdp + 24));
	bin = compile("rsdp", src, &n);
	assert_int_equal(n, 36);
	assert_memory_equal(bin, gp(t->rsdp, 36), 36);
	free(bin);
}

/* Everything about the tables for nr vCPUs at gpa. */
static void check_all(unsigned nr, uint64_t gpa)
{
	struct tables t;

	iasl_required();
	build(nr, gpa, CAP);
	walk(&t);
	layout_check(&t);
	fadt_check(t.fadt);
	madt_check(t.madt, t.madt_len, nr);
	iasl_rsdp(&t);
	iasl_roots(&t);
	iasl_fadt(&t);
	iasl_facs(&t);
	iasl_madt(&t, nr);
	iasl_dsdt(&t);
}

/* ---- tests ---- */

static void test_iasl_present(void **state)
{
	(void)state;
	iasl_required();
}

static void test_one_cpu(void **state)
{
	(void)state;
	check_all(1, BASE);
}

static void test_two_cpus(void **state)
{
	(void)state;
	check_all(2, BASE);
}

static void test_vm_max_cpus(void **state)
{
	(void)state;
	check_all(VM_VCPUS, BASE);
}

static void test_max_cpus(void **state)
{
	(void)state;
	check_all(ACPITAB_MAX_CPUS, BASE);
}

/* Elsewhere in the BIOS area, at 16-byte boundaries that are not 64-byte
 * ones: the FACS still lands on a 64-byte boundary. */
static void test_placement(void **state)
{
	static const uint64_t at[] = { 0xe0010, 0xe0030, 0xf0000, 0xfe000 };
	struct tables t;

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		build(3, at[i], BIOS_HI - at[i]);
		walk(&t);
		layout_check(&t);
		fadt_check(t.fadt);
		madt_check(t.madt, t.madt_len, 3);
	}
}

/* The same input gives the same bytes; cap = the size used is enough,
 * one byte less is not. rsdp_gpa and err may be NULL. */
static void test_exact_cap(void **state)
{
	static uint8_t a[CAP], b[CAP];
	struct acpitab_vm vm = { 4, acpi_dsdt_aml, acpi_dsdt_aml_len };
	uint64_t rsdp;
	const char *err;
	size_t n, m;

	(void)state;
	n = build_at(a, 4, acpi_dsdt_aml, acpi_dsdt_aml_len, BASE, CAP, &rsdp, &err);
	assert_true(n > 0);
	m = build_at(b, 4, acpi_dsdt_aml, acpi_dsdt_aml_len, BASE, n, &rsdp, &err);
	assert_int_equal(m, n);
	assert_memory_equal(a, b, n);
	assert_int_equal(build_at(NULL, 4, acpi_dsdt_aml, acpi_dsdt_aml_len, BASE, n - 1,
				  &rsdp, &err), 0);
	assert_string_equal(err, "ACPI tables: the block is too small for the tables");
	assert_int_equal(build_at(NULL, 4, acpi_dsdt_aml, acpi_dsdt_aml_len, BASE, 0,
				  &rsdp, &err), 0);
	assert_int_equal(acpitab_build(b, sizeof(b), BASE, &vm, NULL, NULL), n);
	assert_memory_equal(a, b, n);
}

static void refused(unsigned nr, const uint8_t *dsdt, size_t dsdt_len, uint64_t gpa,
		    size_t cap, const char *want)
{
	uint64_t rsdp;
	const char *err;

	assert_int_equal(build_at(NULL, nr, dsdt, dsdt_len, gpa, cap, &rsdp, &err), 0);
	assert_non_null(err);
	assert_string_equal(err, want);
	assert_int_equal(rsdp, 0);
}

static void test_refusals(void **state)
{
	size_t len = acpi_dsdt_aml_len;
	uint8_t *bad = malloc(len);
	uint8_t buf[64];
	struct acpitab_vm vm = { 1, acpi_dsdt_aml, acpi_dsdt_aml_len };
	const char *err = NULL;

	(void)state;
	assert_non_null(bad);
	refused(0, acpi_dsdt_aml, len, BASE, CAP, "ACPI tables: the vCPU count is 0 or above 255");
	refused(ACPITAB_MAX_CPUS + 1, acpi_dsdt_aml, len, BASE, CAP,
		"ACPI tables: the vCPU count is 0 or above 255");
	refused(1, acpi_dsdt_aml, len, BASE + 8, CAP,
		"ACPI tables: the block's guest address is not 16-byte aligned");
	refused(1, acpi_dsdt_aml, len, 1ull << 32, CAP, "ACPI tables: the block is above 4 GiB");
	refused(1, acpi_dsdt_aml, len, (1ull << 32) - 0x200, CAP,
		"ACPI tables: the block crosses 4 GiB");
	refused(1, NULL, len, BASE, CAP,
		"ACPI tables: the DSDT is missing or shorter than a table header");
	refused(1, acpi_dsdt_aml, 35, BASE, CAP,
		"ACPI tables: the DSDT is missing or shorter than a table header");
	memcpy(bad, acpi_dsdt_aml, len);
	memcpy(bad, "SSDT", 4);
	refused(1, bad, len, BASE, CAP, "ACPI tables: the DSDT's signature is not \"DSDT\"");
	refused(1, acpi_dsdt_aml, len - 1, BASE, CAP,
		"ACPI tables: the DSDT's Length field is not its size");
	memcpy(bad, acpi_dsdt_aml, len);
	bad[len - 1] ^= 1;
	refused(1, bad, len, BASE, CAP, "ACPI tables: the DSDT's checksum is wrong");
	assert_int_equal(acpitab_build(NULL, CAP, BASE, &vm, NULL, &err), 0);
	assert_string_equal(err, "ACPI tables: buffer or VM description is NULL");
	err = NULL;
	assert_int_equal(acpitab_build(buf, sizeof(buf), BASE, NULL, NULL, &err), 0);
	assert_string_equal(err, "ACPI tables: buffer or VM description is NULL");
	free(bad);
}

/* The DSDT as iasl compiled it: the build's -we kept warnings out. */
static void test_dsdt_blob(void **state)
{
	uint32_t len;

	(void)state;
	assert_true(acpi_dsdt_aml_len >= 36);
	assert_memory_equal(acpi_dsdt_aml, "DSDT", 4);
	memcpy(&len, acpi_dsdt_aml + 4, 4);
	assert_int_equal(len, acpi_dsdt_aml_len);
	assert_int_equal(acpi_dsdt_aml[8], 2);			/* 64-bit integers */
	assert_memory_equal(acpi_dsdt_aml + 10, "SVMVSR", 6);
	assert_memory_equal(acpi_dsdt_aml + 16, "SVMVISOR", 8);
	assert_int_equal(sum(acpi_dsdt_aml, acpi_dsdt_aml_len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iasl_present),
		cmocka_unit_test(test_dsdt_blob),
		cmocka_unit_test_setup_teardown(test_one_cpu, tmpdir_make, tmpdir_remove),
		cmocka_unit_test_setup_teardown(test_two_cpus, tmpdir_make, tmpdir_remove),
		cmocka_unit_test_setup_teardown(test_vm_max_cpus, tmpdir_make, tmpdir_remove),
		cmocka_unit_test_setup_teardown(test_max_cpus, tmpdir_make, tmpdir_remove),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_exact_cap),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
