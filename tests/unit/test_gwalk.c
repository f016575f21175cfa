/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the guest page walk (svm/gwalk.c). Guest page tables are
 * built in a fake 1 MiB guest-physical memory; the read callback checks
 * that every read is one naturally aligned entry of the mode's size, can be
 * made to fail at one address, and counts reads. Pages the walk lands on
 * need not exist: only the tables are read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "svm/gwalk.h"

#define MEM_SIZE 0x100000u
#define P   PTE_P
#define W   PTE_W
#define U   PTE_U
#define PS  PTE_PS
#define NX  PTE_NX
#define PWU (P | W | U)
#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

static uint8_t mem[MEM_SIZE];
static uint8_t snapshot[MEM_SIZE];
static size_t entry_len;	/* what every read must ask for */
static uint64_t fail_gpa;	/* a read here fails */
static unsigned nr_reads;

static bool fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	assert_ptr_equal(ctx, mem);
	assert_int_equal(len, entry_len);
	assert_int_equal(gpa % len, 0);
	nr_reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa || gpa == fail_gpa)
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	fail_gpa = ~0ull;
	nr_reads = 0;
	entry_len = 8;
	return 0;
}

static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, mem + gpa, 8); return v; }

static struct gwalk_result walk(const struct gwalk_regs *r, uint64_t linear)
{
	struct gwalk_result res;

	nr_reads = 0;
	memcpy(snapshot, mem, sizeof(mem));
	gwalk(r, linear, fake_read, mem, &res);
	/* the walk only reads: no Accessed or Dirty bit appears */
	assert_memory_equal(snapshot, mem, sizeof(mem));
	assert_true(res.present == (res.status == GWALK_OK));
	if (res.status == GWALK_OK)
		assert_int_equal(res.fault_level, 0);
	return res;
}

static void expect_fault(const struct gwalk_result *res, enum gwalk_status st, int level)
{
	assert_int_equal(res->status, st);
	assert_int_equal(res->fault_level, level);
	assert_false(res->present);
}

/* ---- paging off ---- */

static void test_paging_off(void **state)
{
	const struct gwalk_regs r = { .cr0 = CR0_PE, .cr4 = CR4_PAE };
	struct gwalk_result res;

	(void)state;
	res = walk(&r, 0x12345678);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x12345678);
	assert_int_equal(res.levels, 0);
	assert_int_equal(res.page_size, 4 * GiB);
	assert_true(res.writable && res.user && !res.nx);
	assert_int_equal(nr_reads, 0);

	/* outside long mode linear addresses are 32 bits */
	res = walk(&r, 0x100001000ull);
	assert_int_equal(res.gpa, 0x1000);
}

/* ---- 32-bit paging ---- */

#define PD32 0x1000u
#define PT32 0x2000u

/* linear 0x00403123: PD index 1, PT index 3, offset 0x123 */
static const struct gwalk_regs regs32 = { .cr0 = CR0_PE | CR0_PG, .cr3 = PD32 | 0x18 };

static void build32(uint32_t pde_flags, uint32_t pte_flags)
{
	put32(PD32 + 1 * 4, PT32 | pde_flags);
	put32(PT32 + 3 * 4, 0x00abc000 | pte_flags);
}

static void test_32bit_4k(void **state)
{
	struct gwalk_result res;

	(void)state;
	entry_len = 4;
	build32(PWU, PWU);
	res = walk(&regs32, 0x00403123);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x00abc123);
	assert_int_equal(res.levels, 2);
	assert_int_equal(res.page_size, 4 * KiB);
	assert_int_equal(res.entries[1], PT32 | PWU);
	assert_int_equal(res.entries[0], 0x00abc000 | PWU);
	assert_int_equal(res.entry_gpa[1], PD32 + 4);
	assert_int_equal(res.entry_gpa[0], PT32 + 12);
	assert_true(res.writable && res.user && !res.nx);
	assert_int_equal(nr_reads, 2);

	/* the upper half of a 64-bit linear address is dropped */
	res = walk(&regs32, 0xffffffff00403123ull);
	assert_int_equal(res.gpa, 0x00abc123);
}

static void test_32bit_rights(void **state)
{
	struct gwalk_result res;

	(void)state;
	entry_len = 4;
	build32(P | U, PWU);
	res = walk(&regs32, 0x00403123);
	assert_false(res.writable);
	assert_true(res.user);

	build32(PWU, P | W);
	res = walk(&regs32, 0x00403123);
	assert_true(res.writable);
	assert_false(res.user);
}

static void test_32bit_not_present(void **state)
{
	struct gwalk_result res;

	(void)state;
	entry_len = 4;
	build32(W | U, PWU);
	res = walk(&regs32, 0x00403123);
	expect_fault(&res, GWALK_NOT_PRESENT, 2);
	assert_int_equal(res.entries[1], PT32 | W | U);
	assert_int_equal(nr_reads, 1);

	build32(PWU, W | U);
	res = walk(&regs32, 0x00403123);
	expect_fault(&res, GWALK_NOT_PRESENT, 1);
	assert_int_equal(res.entry_gpa[0], PT32 + 12);
}

static void test_32bit_4m(void **state)
{
	struct gwalk_regs r = regs32;
	struct gwalk_result res;

	(void)state;
	entry_len = 4;
	r.cr4 = CR4_PSE;
	put32(PD32 + 3 * 4, 0x01000000 | PS | PWU);
	res = walk(&r, 0x00c12345);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x01012345);
	assert_int_equal(res.page_size, 4 * MiB);
	assert_int_equal(res.entries[0], 0);
	assert_int_equal(nr_reads, 1);

	/* PSE-36: PDE bits 20:13 are address bits 39:32 */
	put32(PD32 + 3 * 4, 0x00400000 | 0x5u << 13 | PS | P);
	res = walk(&r, 0x00c12345);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x500412345ull);
	assert_false(res.writable || res.user);

	put32(PD32 + 3 * 4, 0x00400000 | 0x15u << 13 | PS | P);
	res = walk(&r, 0x00c12345);
	assert_int_equal(res.gpa, 0x1500412345ull);
	r.maxphyaddr = 36;	/* address bit 36 now reserved */
	res = walk(&r, 0x00c12345);
	expect_fault(&res, GWALK_RESERVED_BIT, 2);
	r.maxphyaddr = 40;
	res = walk(&r, 0x00c12345);
	assert_int_equal(res.status, GWALK_OK);

	/* PDE bit 21 is reserved in a 4 MiB entry */
	put32(PD32 + 3 * 4, 0x00400000 | 1u << 21 | PS | P);
	res = walk(&r, 0x00c12345);
	expect_fault(&res, GWALK_RESERVED_BIT, 2);
}

static void test_32bit_ps_without_pse(void **state)
{
	struct gwalk_result res;

	(void)state;
	entry_len = 4;
	/* CR4.PSE=0: PS is ignored and the PDE points to a page table */
	put32(PD32 + 1 * 4, PT32 | PS | PWU);
	put32(PT32 + 3 * 4, 0x00abc000 | PWU);
	res = walk(&regs32, 0x00403123);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x00abc123);
	assert_int_equal(res.page_size, 4 * KiB);
}

/* ---- PAE ---- */

#define PDPT_PAE 0x1020u	/* 32-byte aligned, not page aligned */
#define PD_PAE   0x3000u
#define PT_PAE   0x4000u

/* linear 0xc0201abc: PDPT index 3, PD index 1, PT index 1, offset 0xabc */
static const struct gwalk_regs regs_pae = {
	.cr0 = CR0_PE | CR0_PG, .cr3 = PDPT_PAE | 0x8, .cr4 = CR4_PAE,
};

static void build_pae(uint64_t pdpte_flags, uint64_t pde_flags, uint64_t pte_flags)
{
	put64(PDPT_PAE + 3 * 8, PD_PAE | pdpte_flags);
	put64(PD_PAE + 1 * 8, PT_PAE | pde_flags);
	put64(PT_PAE + 1 * 8, 0x123456000ull | pte_flags);
}

static void test_pae_4k(void **state)
{
	struct gwalk_result res;

	(void)state;
	build_pae(P, PWU, PWU);
	res = walk(&regs_pae, 0xc0201abc);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x123456abcull);
	assert_int_equal(res.levels, 3);
	assert_int_equal(res.page_size, 4 * KiB);
	assert_int_equal(res.entry_gpa[2], PDPT_PAE + 24);
	assert_int_equal(res.entry_gpa[1], PD_PAE + 8);
	assert_int_equal(res.entry_gpa[0], PT_PAE + 8);
	assert_int_equal(res.entries[2], PD_PAE | P);
	/* the PDPTE has no R/W or U/S: it does not restrict */
	assert_true(res.writable && res.user && !res.nx);
	assert_int_equal(nr_reads, 3);
}

static void test_pae_2m(void **state)
{
	struct gwalk_result res;

	(void)state;
	put64(PDPT_PAE + 3 * 8, PD_PAE | P);
	put64(PD_PAE + 1 * 8, 0x2fe00000ull | PS | P | W);
	res = walk(&regs_pae, 0xc0201abc);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x2fe01abcull);
	assert_int_equal(res.page_size, 2 * MiB);
	assert_false(res.user);
	assert_int_equal(nr_reads, 2);

	/* bits 20:13 of a 2 MiB PDE are reserved */
	put64(PD_PAE + 1 * 8, 0x2fe00000ull | 1u << 13 | PS | P);
	res = walk(&regs_pae, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 2);
}

static void test_pae_not_present(void **state)
{
	struct gwalk_result res;

	(void)state;
	build_pae(0, PWU, PWU);
	res = walk(&regs_pae, 0xc0201abc);
	expect_fault(&res, GWALK_NOT_PRESENT, 3);
	build_pae(P, W, PWU);
	res = walk(&regs_pae, 0xc0201abc);
	expect_fault(&res, GWALK_NOT_PRESENT, 2);
	build_pae(P, PWU, 0);
	res = walk(&regs_pae, 0xc0201abc);
	expect_fault(&res, GWALK_NOT_PRESENT, 1);
}

static void test_pae_reserved(void **state)
{
	struct gwalk_regs r = regs_pae;
	struct gwalk_result res;

	(void)state;
	build_pae(P | W, PWU, PWU);		/* PDPTE bit 1 */
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 3);
	build_pae(P | PS, PWU, PWU);		/* PDPTE bit 7 */
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 3);
	build_pae(P | (1ull << 5), PWU, PWU);	/* PDPTE A: QEMU sets it, let through */
	res = walk(&r, 0xc0201abc);
	assert_int_equal(res.status, GWALK_OK);
	r.efer = EFER_NXE;
	build_pae(P | NX, PWU, PWU);		/* PDPTE NX, even with NXE */
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 3);
	r.efer = 0;
	build_pae(P, PWU, PWU | NX);		/* NX without NXE */
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 1);
	build_pae(P, PWU, PWU | 1ull << 52);	/* bits 62:52 */
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 1);
	build_pae(P, PWU | 1ull << 62, PWU);
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 2);
	build_pae(P, PWU, PWU);
	r.maxphyaddr = 32;			/* the page at 0x123456000 is out of reach */
	res = walk(&r, 0xc0201abc);
	expect_fault(&res, GWALK_RESERVED_BIT, 1);
	r.maxphyaddr = 36;
	res = walk(&r, 0xc0201abc);
	assert_int_equal(res.status, GWALK_OK);
}

static void test_pae_nx(void **state)
{
	struct gwalk_regs r = regs_pae;
	struct gwalk_result res;

	(void)state;
	r.efer = EFER_NXE;
	build_pae(P, PWU, PWU);
	res = walk(&r, 0xc0201abc);
	assert_int_equal(res.status, GWALK_OK);
	assert_false(res.nx);
	build_pae(P, PWU, PWU | NX);
	res = walk(&r, 0xc0201abc);
	assert_true(res.nx);
	assert_int_equal(res.gpa, 0x123456abcull);
	build_pae(P, PWU | NX, PWU);
	res = walk(&r, 0xc0201abc);
	assert_true(res.nx);
}

/* ---- long mode, 4 and 5 levels ---- */

#define PML5 0x5000u
#define PML4 0x1000u
#define PDPT 0x2000u
#define PD   0x3000u
#define PT   0x4000u

#define LINEAR4 ((0xffull << 39) | (1ull << 30) | (2ull << 21) | (3ull << 12) | 0xabc)
#define LEAF    0xabcdef000ull

static const struct gwalk_regs regs64 = {
	.cr0 = CR0_PE | CR0_PG, .cr3 = PML4 | 0x18, .cr4 = CR4_PAE,
	.efer = EFER_LMA | EFER_NXE,
};

static void build64(uint64_t f4, uint64_t f3, uint64_t f2, uint64_t f1)
{
	put64(PML4 + 0xff * 8, PDPT | f4);
	put64(PDPT + 1 * 8, PD | f3);
	put64(PD + 2 * 8, PT | f2);
	put64(PT + 3 * 8, LEAF | f1);
}

static void test_long4_4k(void **state)
{
	struct gwalk_result res;

	(void)state;
	build64(PWU, PWU, PWU, PWU);
	res = walk(&regs64, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, LEAF | 0xabc);
	assert_int_equal(res.levels, 4);
	assert_int_equal(res.page_size, 4 * KiB);
	assert_int_equal(res.entry_gpa[3], PML4 + 0xff * 8);
	assert_int_equal(res.entry_gpa[2], PDPT + 8);
	assert_int_equal(res.entry_gpa[1], PD + 16);
	assert_int_equal(res.entry_gpa[0], PT + 24);
	assert_int_equal(res.entries[3], PDPT | PWU);
	assert_int_equal(res.entries[0], LEAF | PWU);
	assert_int_equal(res.entries[4], 0);
	assert_true(res.writable && res.user && !res.nx);
	assert_int_equal(nr_reads, 4);
}

static void test_long4_large_pages(void **state)
{
	struct gwalk_result res;

	(void)state;
	build64(PWU, PWU, PWU, PWU);
	put64(PD + 2 * 8, 0x7fe00000ull | PS | PWU);
	res = walk(&regs64, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0x7fe00000ull | (3ull << 12) | 0xabc);
	assert_int_equal(res.page_size, 2 * MiB);
	assert_int_equal(res.entries[0], 0);
	assert_int_equal(nr_reads, 3);
	/* bit 12 of a large-page entry is PAT, not an address bit */
	put64(PD + 2 * 8, 0x7fe00000ull | 1u << 12 | PS | PWU);
	res = walk(&regs64, LINEAR4);
	assert_int_equal(res.gpa, 0x7fe00000ull | (3ull << 12) | 0xabc);

	put64(PDPT + 1 * 8, 0x40000000ull * 7 | 1u << 12 | PS | PWU);
	res = walk(&regs64, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 7 * GiB + (2ull << 21) + (3ull << 12) + 0xabc);
	assert_int_equal(res.page_size, 1 * GiB);
	assert_int_equal(nr_reads, 2);
}

static void test_long4_not_present(void **state)
{
	static const uint64_t at[5] = { 0, PT + 24, PD + 16, PDPT + 8, PML4 + 0xff * 8 };

	(void)state;
	for (int level = 4; level >= 1; level--) {
		struct gwalk_result res;

		build64(PWU, PWU, PWU, PWU);
		put64(at[level], get64(at[level]) & ~P);
		res = walk(&regs64, LINEAR4);
		expect_fault(&res, GWALK_NOT_PRESENT, level);
		assert_int_equal(nr_reads, 5 - level);
		assert_int_equal(res.entry_gpa[level - 1], at[level]);
		if (level > 1)
			assert_int_equal(res.entries[level - 2], 0);
	}
}

static void test_long4_read_failed(void **state)
{
	struct gwalk_regs r = regs64;
	struct gwalk_result res;

	(void)state;
	build64(PWU, PWU, PWU, PWU);
	fail_gpa = PT + 24;
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_READ_FAILED, 1);
	fail_gpa = ~0ull;

	put64(PML4 + 0xff * 8, 0x7ffff000ull | PWU);	/* PDPT outside guest memory */
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_READ_FAILED, 3);
	assert_int_equal(res.entry_gpa[2], 0x7ffff008ull);

	r.cr3 = 0x40000000;
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_READ_FAILED, 4);
}

static void test_long4_rights_nx(void **state)
{
	struct gwalk_regs r = regs64;
	struct gwalk_result res;

	(void)state;
	build64(PWU | NX, PWU, PWU, PWU);
	res = walk(&r, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_true(res.nx);
	build64(PWU, P | U, PWU, PWU);
	res = walk(&r, LINEAR4);
	assert_false(res.writable);
	assert_true(res.user);
	build64(PWU, PWU, P | W, PWU);
	res = walk(&r, LINEAR4);
	assert_true(res.writable);
	assert_false(res.user);

	r.efer = EFER_LMA;			/* NX without NXE is reserved */
	build64(PWU, PWU, PWU | NX, PWU);
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_RESERVED_BIT, 2);
	build64(PWU, PWU, PWU, PWU);
	res = walk(&r, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_false(res.nx);
}

static void test_long4_reserved(void **state)
{
	struct gwalk_regs r = regs64;
	struct gwalk_result res;

	(void)state;
	build64(PWU | PS, PWU, PWU, PWU);		/* PS in a PML4E */
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_RESERVED_BIT, 4);

	build64(PWU, PWU, PWU, PWU);
	put64(PDPT + 8, 0x40000000ull | 1u << 13 | PS | PWU);	/* 1 GiB, bit 13 */
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_RESERVED_BIT, 3);
	put64(PDPT + 8, 0x40000000ull | 1u << 29 | PS | PWU);
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_RESERVED_BIT, 3);

	build64(PWU, PWU, PWU, PWU);
	put64(PD + 16, 0x200000ull | 1u << 20 | PS | PWU);	/* 2 MiB, bit 20 */
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_RESERVED_BIT, 2);

	/* 62:52 are available to software in long mode, not reserved */
	build64(PWU | 0x7ffull << 52, PWU, PWU, PWU | 1ull << 62);
	res = walk(&r, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, LEAF | 0xabc);

	/* address bits at and above MAXPHYADDR */
	build64(PWU, PWU, PWU, PWU | 1ull << 45);
	r.maxphyaddr = 40;
	res = walk(&r, LINEAR4);
	expect_fault(&res, GWALK_RESERVED_BIT, 1);
	r.maxphyaddr = 48;
	res = walk(&r, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 1ull << 45 | LEAF | 0xabc);
	r.maxphyaddr = 0;				/* 52 */
	res = walk(&r, LINEAR4);
	assert_int_equal(res.status, GWALK_OK);
}

static void test_long4_canonical(void **state)
{
	struct gwalk_result res;

	(void)state;
	build64(PWU, PWU, PWU, PWU);
	res = walk(&regs64, 0x0000800000000000ull);
	expect_fault(&res, GWALK_NON_CANONICAL, 0);
	assert_int_equal(nr_reads, 0);
	res = walk(&regs64, 0xfff0000000000000ull);
	expect_fault(&res, GWALK_NON_CANONICAL, 0);

	/* the upper half: PML4 index 0x100 */
	put64(PML4 + 0x100 * 8, PDPT | PWU);
	res = walk(&regs64, 0xffff800000000000ull | (1ull << 30) | (2ull << 21) | (3ull << 12) | 0xabc);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, LEAF | 0xabc);
	assert_int_equal(res.entry_gpa[3], PML4 + 0x100 * 8);
}

#define LINEAR5 (0xfff0000000000000ull | (0xffull << 39) | (1ull << 30) | (2ull << 21) | \
		 (3ull << 12) | 0x123)

static void test_long5(void **state)
{
	struct gwalk_regs r = regs64;
	struct gwalk_result res;

	(void)state;
	r.cr3 = PML5;
	r.cr4 |= CR4_LA57;
	build64(PWU, PWU, PWU, PWU);
	put64(PML5 + 0x1f0 * 8, PML4 | PWU);		/* bits 56:48 of LINEAR5 */
	res = walk(&r, LINEAR5);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.levels, 5);
	assert_int_equal(res.gpa, LEAF | 0x123);
	assert_int_equal(res.entry_gpa[4], PML5 + 0x1f0 * 8);
	assert_int_equal(res.entries[4], PML4 | PWU);
	assert_int_equal(nr_reads, 5);

	/* canonical at 57 bits only */
	r.cr4 &= ~CR4_LA57;
	res = walk(&r, LINEAR5);
	expect_fault(&res, GWALK_NON_CANONICAL, 0);
	r.cr4 |= CR4_LA57;
	res = walk(&r, 0x0100000000000000ull);
	expect_fault(&res, GWALK_NON_CANONICAL, 0);

	/* a 48-bit non-canonical address is fine with 5 levels */
	put64(PML5 + 0, PML4 | PWU);
	put64(PML4 + 0x100 * 8, PDPT | PWU);
	res = walk(&r, 0x0000800000000000ull | (1ull << 30) | (2ull << 21) | (3ull << 12));
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, LEAF);

	/* 1 GiB page under a PML5E; PS in a PML5E is reserved */
	put64(PDPT + 1 * 8, 0xc0000000ull | PS | PWU);
	res = walk(&r, LINEAR5);
	assert_int_equal(res.status, GWALK_OK);
	assert_int_equal(res.gpa, 0xc0000000ull + (2ull << 21) + (3ull << 12) + 0x123);
	assert_int_equal(res.page_size, 1 * GiB);
	put64(PML5 + 0x1f0 * 8, PML4 | PWU | PS);
	res = walk(&r, LINEAR5);
	expect_fault(&res, GWALK_RESERVED_BIT, 5);

	/* not present at the top */
	put64(PML5 + 0x1f0 * 8, 0);
	res = walk(&r, LINEAR5);
	expect_fault(&res, GWALK_NOT_PRESENT, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_paging_off),
		T(test_32bit_4k),
		T(test_32bit_rights),
		T(test_32bit_not_present),
		T(test_32bit_4m),
		T(test_32bit_ps_without_pse),
		T(test_pae_4k),
		T(test_pae_2m),
		T(test_pae_not_present),
		T(test_pae_reserved),
		T(test_pae_nx),
		T(test_long4_4k),
		T(test_long4_large_pages),
		T(test_long4_not_present),
		T(test_long4_read_failed),
		T(test_long4_rights_nx),
		T(test_long4_reserved),
		T(test_long4_canonical),
		T(test_long5),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
