/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the ACPI table parser (drivers/acpi.c). The input is
 * physical memory from 0xE0000 (up to 128 KiB) in an otherwise zero 1 MiB
 * image; the RSDP is the one acpi_find_rsdp() finds there, else the input's
 * first bytes. Every read gets its own heap copy of exactly the bytes asked
 * for, so ASan catches any read past a checked length. Seeds:
 * tests/fuzz/corpus/acpi (written by tests/unit/test_acpi.c).
 *
 *   ./build/fuzz_acpi -max_total_time=20 tests/fuzz/corpus/acpi */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/acpi.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define MEM_SIZE  0x100000u
#define BASE      0xe0000u	/* the BIOS area acpi_find_rsdp() scans */

static uint8_t mem[MEM_SIZE];
static void **reads;		/* one per entry of a 1 MiB RSDT: grown on demand */
static size_t nr_reads, max_reads;

static const void *fake_read(uint64_t phys, uint64_t len, void *ctx)
{
	void *copy;

	CHECK(ctx == mem);
	CHECK(len > 0);
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	if (nr_reads == max_reads) {
		max_reads = max_reads ? 2 * max_reads : 64;
		reads = realloc(reads, max_reads * sizeof(*reads));
		if (!reads)
			abort();
	}
	copy = malloc(len);
	if (!copy)
		abort();
	memcpy(copy, mem + phys, len);
	reads[nr_reads++] = copy;
	return copy;
}

static void free_reads(void)
{
	while (nr_reads)
		free(reads[--nr_reads]);
}

/* Holds after a failure too: the parser fills out as it goes. */
static void check_info(const struct acpi_info *info)
{
	CHECK(info->nr_cpus <= ACPI_MAX_CPUS);
	CHECK(info->cpus_over_limit == 0 || info->nr_cpus == ACPI_MAX_CPUS);
	CHECK(info->nr_ioapics <= ACPI_MAX_IOAPICS);
	CHECK(info->nr_isos <= ACPI_MAX_ISOS);
	CHECK(info->nr_nmis <= ACPI_MAX_NMIS);
	CHECK(info->nr_warnings <= ACPI_MAX_WARNINGS);
	CHECK(info->warnings_dropped == 0 || info->nr_warnings == ACPI_MAX_WARNINGS);
	CHECK(info->oem_id[6] == '\0');
	CHECK(!info->used_xsdt || info->rsdp_revision >= 2);
	CHECK(!info->pm_timer_32bit || info->pm_timer_port != 0);
	CHECK(!info->has_hpet || (info->hpet_addr != 0 && info->hpet_timers >= 1 &&
				  info->hpet_timers <= 32));
	for (uint32_t i = 0; i < info->nr_warnings; i++) {
		CHECK(info->warnings[i] != NULL && info->warnings[i][0] != '\0');
		for (uint32_t j = 0; j < i; j++)
			CHECK(info->warnings[i] != info->warnings[j]);
	}
	for (uint32_t i = 0; i < info->nr_cpus; i++) {
		const struct acpi_cpu *c = &info->cpus[i];

		CHECK(c->enabled || c->online_capable);
		CHECK(c->apic_id != (c->x2apic_entry ? 0xffffffffu : 0xffu));
		CHECK(c->x2apic_entry || c->apic_id < 0xff);
		for (uint32_t j = 0; j < i; j++)
			CHECK(info->cpus[j].apic_id != c->apic_id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;
	struct acpi_error err = { 0 };
	size_t n = size < MEM_SIZE - BASE ? size : MEM_SIZE - BASE;
	uint64_t rsdp;

	memcpy(mem + BASE, data, n);
	rsdp = acpi_find_rsdp(fake_read, mem);
	CHECK(rsdp == 0 || (rsdp % 16 == 0 && rsdp >= BASE && rsdp < BASE + n));
	free_reads();
	if (acpi_parse(rsdp ? rsdp : BASE, fake_read, mem, &info, &err) == 0) {
		CHECK(err.what == NULL);
		CHECK(rsdp != 0);	/* a valid RSDP is one the scan finds */
	} else {
		CHECK(err.what != NULL);
	}
	check_info(&info);
	free_reads();
	memset(mem + BASE, 0, n);
	return 0;
}
