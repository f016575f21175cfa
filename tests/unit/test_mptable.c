/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the MP table generator (kernel/vm/mptable.c). The tables
 * are read back at the offsets of the MP Specification 1.4's Tables 4-1 ..
 * 4-12, never through the module's structs. The floating pointer is found
 * the way Linux finds it (arch/x86/kernel/mpparse.c smp_scan_config: every
 * 16 bytes, "_MP_", length 1, a 16-byte checksum, revision 1 or 4), and
 * linux_read_mpc() below mirrors the checks of smp_check_mpc() and
 * smp_read_mpc(), a little stricter (an unknown entry type or an entry
 * running past the table is a refusal, not a stop). Builds go into heap
 * buffers, some of exactly the table's size, so ASan catches a write past
 * the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vm/mptable.h"

#define BUF_GPA 0xf0000u		/* where the integrator puts it */
#define CAP 4096
#define FILL 0xcc

static const uint32_t SIG = 0x00a20f12;	/* a family 19h CPUID 1 EAX */
static const uint32_t FEAT = 0x178bfbff;	/* a CPUID 1 EDX */

static uint8_t get8(const uint8_t *p, size_t off) { return p[off]; }
static uint16_t get16(const uint8_t *p, size_t off) { uint16_t v; memcpy(&v, p + off, 2); return v; }
static uint32_t get32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static uint8_t *filled(size_t n)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	memset(p, FILL, n);
	return p;
}

static size_t build(uint8_t *buf, size_t cap, uint64_t gpa, unsigned n)
{
	struct mptable_vm vm = { .nr_cpus = n, .cpu_signature = SIG, .cpu_features = FEAT };

	return mptable_build(buf, cap, gpa, &vm);
}

/* ---- what Linux does ---- */

/* smp_scan_config(): the offset of the floating pointer in mem[0..len), or -1. */
static long linux_scan(const uint8_t *mem, size_t len)
{
	for (size_t off = 0; off + 16 <= len; off += 16) {
		const uint8_t *mpf = mem + off;

		if (memcmp(mpf, "_MP_", 4) == 0 && get8(mpf, 8) == 1 && sum8(mpf, 16) == 0 &&
		    (get8(mpf, 9) == 1 || get8(mpf, 9) == 4))
			return (long)off;
	}
	return -1;
}

/* smp_check_mpc() and smp_read_mpc() on the table at mpc (avail bytes
 * readable): the number of enabled processors, or 0 when Linux would
 * reject the table ("BIOS bug, MP table errors detected!"). */
static unsigned linux_read_mpc(const uint8_t *mpc, size_t avail)
{
	unsigned procs = 0;
	size_t count = 44, length;

	if (avail < 44 || memcmp(mpc, "PCMP", 4) != 0)
		return 0;
	length = get16(mpc, 4);
	if (length < 44 || length > avail || sum8(mpc, length) != 0)
		return 0;
	if (get8(mpc, 6) != 1 && get8(mpc, 6) != 4)
		return 0;
	if (get32(mpc, 36) == 0)
		return 0;
	while (count < length) {
		size_t size;

		switch (get8(mpc, count)) {
		case 0:		/* MP_PROCESSOR: struct mpc_cpu */
			size = 20;
			if (count + size <= length && (get8(mpc, count + 3) & 1))
				procs++;
			break;
		case 1:		/* MP_BUS */
		case 2:		/* MP_IOAPIC */
		case 3:		/* MP_INTSRC */
		case 4:		/* MP_LINTSRC */
			size = 8;
			break;
		default:
			return 0;
		}
		if (size > length - count)
			return 0;
		count += size;
	}
	return procs;
}

/* ---- the table, field by field ---- */

/* Offsets in the buffer of each entry type's entries, in table order. */
struct walk {
	size_t at[5][64];
	unsigned n[5];
	unsigned total;
};

static void walk_entries(const uint8_t *mpc, size_t length, struct walk *w)
{
	static const size_t size[5] = { 20, 8, 8, 8, 8 };	/* Table 4-3 */
	size_t off = 44;
	uint8_t last = 0;

	memset(w, 0, sizeof(*w));
	while (off < length) {
		uint8_t type = get8(mpc, off);

		assert_true(type <= 4);
		assert_true(type >= last);	/* 4.3: sorted by entry type */
		assert_true(size[type] <= length - off);
		assert_true(w->n[type] < 64);
		w->at[type][w->n[type]++] = off;
		w->total++;
		last = type;
		off += size[type];
	}
	assert_int_equal(off, length);
}

static void check_processors(const uint8_t *mpc, const struct walk *w, unsigned n)
{
	assert_int_equal(w->n[0], n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = mpc + w->at[0][i];
		static const uint8_t zero[8];

		assert_int_equal(get8(e, 1), i);			/* LOCAL APIC ID */
		assert_int_equal(get8(e, 2), 0x14);			/* LOCAL APIC VERSION # */
		assert_int_equal(get8(e, 3), i == 0 ? 0x3 : 0x1);	/* EN, BP only on 0 */
		assert_int_equal(get32(e, 4), SIG);
		assert_int_equal(get32(e, 8), FEAT);
		assert_memory_equal(e + 12, zero, 8);
	}
}

static void check_bus_ioapic(const uint8_t *mpc, const struct walk *w)
{
	const uint8_t *bus = mpc + w->at[1][0], *io = mpc + w->at[2][0];

	assert_int_equal(w->n[1], 1);
	assert_int_equal(get8(bus, 1), 0);
	assert_memory_equal(bus + 2, "ISA   ", 6);
	assert_int_equal(w->n[2], 1);
	assert_int_equal(get8(io, 1), 8);			/* I/O APIC ID */
	assert_int_equal(get8(io, 2), 0x20);			/* I/O APIC VERSION # */
	assert_int_equal(get8(io, 3), 0x1);			/* EN */
	assert_int_equal(get32(io, 4), 0xfec00000);
}

/* Table 4-10: every ISA IRQ but 2 on one INT entry, IRQ 0 to pin 2, the
 * others to their own pin; no ExtINT (the 8259s reach LINT0). */
static void check_io_ints(const uint8_t *mpc, const struct walk *w)
{
	int pin_of[16], extint_pin = -1, extint_irq = -1;
	bool pin_used[24] = { false };

	for (unsigned i = 0; i < 16; i++)
		pin_of[i] = -1;
	assert_int_equal(w->n[3], 15);
	for (unsigned i = 0; i < w->n[3]; i++) {
		const uint8_t *e = mpc + w->at[3][i];
		uint8_t irq = get8(e, 5), pin = get8(e, 7);

		assert_int_equal(get16(e, 2), 0);		/* conforming PO, EL */
		assert_int_equal(get8(e, 4), 0);		/* the ISA bus */
		assert_int_equal(get8(e, 6), 8);		/* the IOAPIC */
		assert_true(irq < 16);
		assert_true(pin < 24);
		assert_false(pin_used[pin]);
		pin_used[pin] = true;
		if (get8(e, 1) == 3) {				/* ExtINT */
			assert_int_equal(extint_pin, -1);
			extint_irq = irq;
			extint_pin = pin;
			continue;
		}
		assert_int_equal(get8(e, 1), 0);		/* INT */
		assert_int_equal(pin_of[irq], -1);
		pin_of[irq] = pin;
	}
	assert_int_equal(extint_irq, -1);
	assert_int_equal(extint_pin, -1);
	assert_int_equal(pin_of[0], 2);
	assert_int_equal(pin_of[2], -1);
	assert_int_equal(pin_of[1], 1);
	for (int irq = 3; irq < 16; irq++)
		assert_int_equal(pin_of[irq], irq);
}

/* Table 4-12: ExtINT on LINT0 and NMI on LINT1 of every local APIC. */
static void check_local_ints(const uint8_t *mpc, const struct walk *w)
{
	assert_int_equal(w->n[4], 2);
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *e = mpc + w->at[4][i];

		assert_int_equal(get8(e, 1), i == 0 ? 3 : 1);	/* ExtINT, NMI */
		assert_int_equal(get16(e, 2), 0);
		assert_int_equal(get8(e, 4), 0);
		assert_int_equal(get8(e, 5), 0);
		assert_int_equal(get8(e, 6), 0xff);		/* all local APICs */
		assert_int_equal(get8(e, 7), i);		/* LINTIN# */
	}
}

static void check_table(unsigned n)
{
	uint8_t *buf = filled(CAP);
	size_t used = build(buf, CAP, BUF_GPA, n), length;
	const uint8_t *mpf, *mpc;
	struct walk w;
	long off;

	assert_int_equal(used, 16 + 44 + 20 * n + 8 + 8 + 15 * 8 + 2 * 8);
	assert_int_equal(used, MPTABLE_SIZE(n));
	for (size_t i = used; i < CAP; i++)
		assert_int_equal(buf[i], FILL);

	/* Table 4-1, found as Linux finds it. */
	off = linux_scan(buf, CAP);
	assert_int_equal(off, 0);
	mpf = buf + off;
	assert_int_equal(get8(mpf, 9), 4);			/* SPEC_REV 1.4 */
	assert_int_equal(get8(mpf, 11), 0);			/* a table is present */
	assert_int_equal(get8(mpf, 12), 0);			/* no IMCR */
	assert_int_equal(get8(mpf, 13) | get8(mpf, 14) | get8(mpf, 15), 0);
	assert_int_equal(get32(mpf, 4), BUF_GPA + 16);
	assert_true(get32(mpf, 4) >= BUF_GPA && get32(mpf, 4) - BUF_GPA + 44 <= used);

	/* Table 4-2. */
	mpc = buf + (get32(mpf, 4) - BUF_GPA);
	length = get16(mpc, 4);
	assert_memory_equal(mpc, "PCMP", 4);
	assert_int_equal(length, used - 16);
	assert_int_equal(get8(mpc, 6), 4);
	assert_int_equal(sum8(mpc, length), 0);
	assert_memory_equal(mpc + 8, "SVMVISOR", 8);
	assert_memory_equal(mpc + 16, "SVMVISOR VM ", 12);
	assert_int_equal(get32(mpc, 28), 0);			/* no OEM table */
	assert_int_equal(get16(mpc, 32), 0);
	assert_int_equal(get32(mpc, 36), 0xfee00000);
	assert_int_equal(get16(mpc, 40), 0);			/* no extended table */
	assert_int_equal(get8(mpc, 42), 0);
	assert_int_equal(get8(mpc, 43), 0);

	walk_entries(mpc, length, &w);
	assert_int_equal(get16(mpc, 34), w.total);
	assert_int_equal(w.total, MPTABLE_ENTRIES(n));
	check_processors(mpc, &w, n);
	check_bus_ioapic(mpc, &w);
	check_io_ints(mpc, &w);
	check_local_ints(mpc, &w);

	assert_int_equal(linux_read_mpc(mpc, CAP - (size_t)(mpc - buf)), n);
	free(buf);
}

static void test_one_cpu(void **state)
{
	(void)state;
	check_table(1);
}

static void test_two_cpus(void **state)
{
	(void)state;
	check_table(2);
}

static void test_max_cpus(void **state)
{
	(void)state;
	check_table(MPTABLE_MAX_CPUS);
	check_table(8);
}

/* An exact-size buffer is enough (ASan sees any byte past it); one byte
 * less is refused without a write. */
static void test_exact_cap(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= MPTABLE_MAX_CPUS; n++) {
		size_t size = MPTABLE_SIZE(n);
		uint8_t *buf = filled(size);

		assert_int_equal(build(buf, size - 1, BUF_GPA, n), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(buf[i], FILL);
		assert_int_equal(build(buf, size, BUF_GPA, n), size);
		assert_int_equal(linux_scan(buf, size), 0);
		assert_int_equal(linux_read_mpc(buf + 16, size - 16), n);
		free(buf);
	}
}

/* The floating pointer's address decides physptr; the lowest and highest
 * GPAs allowed (the table may end above 1 MiB: 4.1 only places the
 * floating pointer). */
static void test_gpa(void **state)
{
	uint8_t *buf = filled(CAP);

	(void)state;
	assert_int_equal(build(buf, CAP, 0, 2), MPTABLE_SIZE(2));
	assert_int_equal(get32(buf, 4), 16);
	assert_int_equal(build(buf, CAP, 0x9fc00, 2), MPTABLE_SIZE(2));
	assert_int_equal(get32(buf, 4), 0x9fc10);
	assert_int_equal(build(buf, CAP, 0xffff0, 2), MPTABLE_SIZE(2));
	assert_int_equal(get32(buf, 4), 0x100000);
	assert_int_equal(sum8(buf, 16), 0);
	free(buf);
}

static void test_refusals(void **state)
{
	struct mptable_vm vm = { .nr_cpus = 1, .cpu_signature = SIG, .cpu_features = FEAT };
	uint8_t *buf = filled(CAP);

	(void)state;
	assert_int_equal(build(buf, CAP, BUF_GPA, 0), 0);
	assert_int_equal(build(buf, CAP, BUF_GPA, MPTABLE_MAX_CPUS + 1), 0);
	assert_int_equal(build(buf, CAP, BUF_GPA, ~0u), 0);
	assert_int_equal(build(buf, 0, BUF_GPA, 1), 0);
	assert_int_equal(build(buf, 16, BUF_GPA, 1), 0);
	assert_int_equal(build(buf, MPTABLE_SIZE(1) - 1, BUF_GPA, 1), 0);
	assert_int_equal(build(buf, CAP, BUF_GPA + 8, 1), 0);	/* not 16-aligned */
	assert_int_equal(build(buf, CAP, BUF_GPA + 1, 1), 0);
	assert_int_equal(build(buf, CAP, 0x100000, 1), 0);	/* 1 MiB */
	assert_int_equal(build(buf, CAP, 0x100010, 1), 0);
	assert_int_equal(build(buf, CAP, 1ull << 32, 1), 0);
	assert_int_equal(build(buf, CAP, ~0ull & ~15ull, 1), 0);
	assert_int_equal(mptable_build(NULL, CAP, BUF_GPA, &vm), 0);
	assert_int_equal(mptable_build(buf, CAP, BUF_GPA, NULL), 0);
	for (size_t i = 0; i < CAP; i++)
		assert_int_equal(buf[i], FILL);
	free(buf);
}

/* The Linux mirror has teeth: each check it makes turns a broken copy down. */
static void test_linux_mirror_rejects(void **state)
{
	uint8_t *buf = filled(CAP), *mpc = buf + 16;
	size_t used = build(buf, CAP, BUF_GPA, 2), length = used - 16;
	uint8_t *copy = malloc(CAP);

	(void)state;
	assert_non_null(copy);
	assert_int_equal(linux_read_mpc(mpc, length), 2);
	assert_int_equal(linux_read_mpc(mpc, length - 1), 0);	/* length past the bytes */

	memcpy(copy, buf, CAP);
	copy[16 + 50] ^= 1;					/* checksum */
	assert_int_equal(linux_read_mpc(copy + 16, length), 0);

	memcpy(copy, buf, CAP);
	copy[16 + 6] = 2;					/* spec rev 2, checksum fixed */
	copy[16 + 7] = 0;
	copy[16 + 7] = (uint8_t)-sum8(copy + 16, length);
	assert_int_equal(linux_read_mpc(copy + 16, length), 0);

	memcpy(copy, buf, CAP);
	memset(copy + 16 + 36, 0, 4);				/* no local APIC address */
	copy[16 + 7] = 0;
	copy[16 + 7] = (uint8_t)-sum8(copy + 16, length);
	assert_int_equal(linux_read_mpc(copy + 16, length), 0);

	memcpy(copy, buf, CAP);
	copy[16 + 44 + 2 * 20] = 5;				/* the bus: a reserved type */
	copy[16 + 7] = 0;
	copy[16 + 7] = (uint8_t)-sum8(copy + 16, length);
	assert_int_equal(linux_read_mpc(copy + 16, length), 0);

	memcpy(copy, buf, CAP);
	memcpy(copy + 16, "PCMQ", 4);
	assert_int_equal(linux_read_mpc(copy + 16, length), 0);

	memcpy(copy, buf, CAP);
	copy[10] ^= 1;						/* the floating pointer's checksum */
	assert_int_equal(linux_scan(copy, CAP), -1);
	free(copy);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_two_cpus),
		cmocka_unit_test(test_max_cpus),
		cmocka_unit_test(test_exact_cap),
		cmocka_unit_test(test_gpa),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_linux_mirror_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
