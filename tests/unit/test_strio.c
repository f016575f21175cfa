/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for string port I/O arithmetic (svm/strio.c): EXITINFO1,
 * counts and address sizes, DF, batches that stop at a page or a wrap,
 * segment checks in every mode, and the #PF verdict of a page walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "kernel/lib/x86_arch.h"
#include "svm/strio.h"
#include "svm/vmcb.h"

#define PORT(p) ((uint64_t)(p) << 16)

static struct strio_op op_of(uint64_t info)
{
	struct strio_op op;

	assert_true(strio_decode(info, &op));
	return op;
}

static void test_decode(void **state)
{
	struct strio_op op;

	(void)state;
	op = op_of(IOIO_STR | IOIO_REP | IOIO_IN | IOIO_SZ16 | IOIO_A32 | PORT(0x1f0));
	assert_true(op.in && op.rep);
	assert_int_equal(op.size, 2);
	assert_int_equal(op.asize, 4);
	assert_int_equal(op.port, 0x1f0);
	op = op_of(IOIO_STR | IOIO_SZ32 | IOIO_A64 | PORT(0x80));
	assert_false(op.in || op.rep);
	assert_int_equal(op.size, 4);
	assert_int_equal(op.asize, 8);
	op = op_of(IOIO_STR | IOIO_SZ8 | IOIO_A16);
	assert_int_equal(op.size, 1);
	assert_int_equal(op.asize, 2);
	/* No size, two sizes, no address size: not what a CPU writes. */
	assert_false(strio_decode(IOIO_STR | IOIO_A32, &op));
	assert_false(strio_decode(IOIO_STR | IOIO_SZ8 | IOIO_SZ16 | IOIO_A32, &op));
	assert_true(strio_decode(IOIO_STR | IOIO_SZ8, &op));	/* QEMU: no address size */
	assert_int_equal(op.asize, 0);
	assert_false(strio_decode(IOIO_STR | IOIO_SZ8 | IOIO_A16 | IOIO_A32, &op));
	assert_false(strio_decode(IOIO_STR | IOIO_SZ8 | IOIO_A16 | IOIO_A64, &op));
}

static void test_seg_prefix(void **state)
{
	(void)state;
	assert_int_equal(strio_seg_prefix(0), STRIO_DS);
	assert_int_equal(strio_seg_prefix(0x26), STRIO_ES);
	assert_int_equal(strio_seg_prefix(0x2e), STRIO_CS);
	assert_int_equal(strio_seg_prefix(0x36), STRIO_SS);
	assert_int_equal(strio_seg_prefix(0x3e), STRIO_DS);
	assert_int_equal(strio_seg_prefix(0x64), STRIO_FS);
	assert_int_equal(strio_seg_prefix(0x65), STRIO_GS);
	assert_int_equal(IOIO_SEG(5ull << 10 | IOIO_STR), STRIO_GS);
}

/* Counts and offsets in each address size: only the size's bits. */
static void test_count_offset(void **state)
{
	struct strio_regs r = { 0xabcd00010008ull, 0x1111222233334444ull, 0x5555666677778888ull, false };
	struct strio_op in16 = op_of(IOIO_STR | IOIO_REP | IOIO_IN | IOIO_SZ8 | IOIO_A16);
	struct strio_op out32 = op_of(IOIO_STR | IOIO_REP | IOIO_SZ8 | IOIO_A32);
	struct strio_op out64 = op_of(IOIO_STR | IOIO_REP | IOIO_SZ8 | IOIO_A64);
	struct strio_op once = op_of(IOIO_STR | IOIO_SZ8 | IOIO_A64);

	(void)state;
	assert_int_equal(strio_count(&in16, &r), 8);
	assert_int_equal(strio_count(&out32, &r), 0x10008);
	assert_int_equal(strio_count(&out64, &r), 0xabcd00010008ull);
	assert_int_equal(strio_count(&once, &r), 1);	/* no REP: rCX is not looked at */
	assert_int_equal(strio_offset(&in16, &r), 0x8888);
	assert_int_equal(strio_offset(&out32, &r), 0x33334444);
	assert_int_equal(strio_offset(&out64, &r), 0x1111222233334444ull);
	r.rcx = 0x10000;	/* CX = 0 under a16 */
	assert_int_equal(strio_count(&in16, &r), 0);
	r.rcx = 0xffffffff00000000ull;	/* ECX = 0 under a32 */
	assert_int_equal(strio_count(&out32, &r), 0);
	assert_int_equal(strio_amask(2), 0xffff);
	assert_int_equal(strio_amask(4), 0xffffffffull);
	assert_int_equal(strio_amask(8), ~0ull);
}

/* Register updates: a16 keeps 63:16, a32 zero-extends, a64 all; DF. */
static void test_advance(void **state)
{
	struct strio_op insw16 = op_of(IOIO_STR | IOIO_REP | IOIO_IN | IOIO_SZ16 | IOIO_A16);
	struct strio_op outsd32 = op_of(IOIO_STR | IOIO_REP | IOIO_SZ32 | IOIO_A32);
	struct strio_op outsb64 = op_of(IOIO_STR | IOIO_REP | IOIO_SZ8 | IOIO_A64);
	struct strio_op insb = op_of(IOIO_STR | IOIO_IN | IOIO_SZ8 | IOIO_A32);
	struct strio_regs r;

	(void)state;
	r = (struct strio_regs){ 0xabcd0008, 0x5678, 0x12340000fffcull, false };
	strio_advance(&insw16, &r, 3);
	assert_int_equal(r.rcx, 0xabcd0005);
	assert_int_equal(r.rdi, 0x123400000002ull);	/* DI wrapped at 64 KiB, bits 63:16 kept */
	assert_int_equal(r.rsi, 0x5678);
	r = (struct strio_regs){ 0xabcd0000, 0, 0x12340001ull, true };
	strio_advance(&insw16, &r, 1);	/* CX 0 -> 0xffff (the caller stops at 0; the math wraps) */
	assert_int_equal(r.rcx, 0xabcdffff);
	assert_int_equal(r.rdi, 0x1234ffffull);
	r = (struct strio_regs){ 0xffffffff00000004ull, 0xdeadbeef00001000ull, 7, false };
	strio_advance(&outsd32, &r, 4);
	assert_int_equal(r.rcx, 0);		/* 32-bit write: 63:32 zeroed */
	assert_int_equal(r.rsi, 0x1010);
	assert_int_equal(r.rdi, 7);
	r = (struct strio_regs){ 3, 0x8, 0, true };
	strio_advance(&outsd32, &r, 3);	/* DF: down, through 0 */
	assert_int_equal(r.rsi, 0xfffffffcull);
	assert_int_equal(r.rcx, 0);
	r = (struct strio_regs){ ~0ull, 0x7ffffffffff0ull, 0, false };
	strio_advance(&outsb64, &r, 16);
	assert_int_equal(r.rcx, ~0ull - 16);
	assert_int_equal(r.rsi, 0x800000000000ull);
	r = (struct strio_regs){ 0x55, 0, 0x100, true };
	strio_advance(&insb, &r, 1);	/* no REP: rCX untouched */
	assert_int_equal(r.rcx, 0x55);
	assert_int_equal(r.rdi, 0xff);
	strio_advance(&insb, &r, 0);
	assert_int_equal(r.rdi, 0xff);
}

/* Batches: bounded by the count, STRIO_BATCH_MAX, the linear page and the
 * address-size wrap; one for an element crossing a page; zero for none. */
static void test_batch(void **state)
{
	struct strio_op b32 = op_of(IOIO_STR | IOIO_REP | IOIO_IN | IOIO_SZ8 | IOIO_A32);
	struct strio_op w16 = op_of(IOIO_STR | IOIO_REP | IOIO_IN | IOIO_SZ16 | IOIO_A16);
	struct strio_op d64 = op_of(IOIO_STR | IOIO_REP | IOIO_SZ32 | IOIO_A64);
	struct strio_op d32 = op_of(IOIO_STR | IOIO_REP | IOIO_SZ32 | IOIO_A32);

	(void)state;
	assert_int_equal(strio_batch(&b32, 0, 0x1000, 0x1000, false, STRIO_BATCH_MAX), 0);
	assert_int_equal(strio_batch(&b32, 16, 0x1000, 0x1000, false, STRIO_BATCH_MAX), 16);
	/* 2^32-1 elements: one page's worth, then the cap. */
	assert_int_equal(strio_batch(&b32, 0xffffffffull, 0x1800, 0x1800, false, STRIO_BATCH_MAX),
			 STRIO_BATCH_MAX);
	assert_int_equal(strio_batch(&b32, 0xffffffffull, 0x1c00, 0x1c00, false, STRIO_BATCH_MAX),
			 0x400);
	assert_int_equal(strio_batch(&b32, 0xffffffffull, 0x1c00, 0x1c00, false, 4096), 0x400);
	assert_int_equal(strio_batch(&d64, ~0ull, 0, 0x7000, false, 4096), 1024);
	/* DF: down to the start of the page. */
	assert_int_equal(strio_batch(&b32, 0xffffffffull, 0x1010, 0x1010, true, 4096), 0x11);
	assert_int_equal(strio_batch(&d64, 100, 0x2ffc, 0x2ffc, true, 4096), 100);
	assert_int_equal(strio_batch(&d64, 5000, 0x2ffc, 0x2ffc, true, 4096), 1024);
	/* An element crossing a page: alone (its two pages are walked). */
	assert_int_equal(strio_batch(&d32, 8, 0xffe, 0xffe, false, 4096), 1);
	assert_int_equal(strio_batch(&d32, 8, 0x1ffd, 0x1ffd, true, 4096), 1);
	/* Elements up to the page's end, not into the next one. */
	assert_int_equal(strio_batch(&d32, 8, 0xff8, 0xff8, false, 4096), 2);
	assert_int_equal(strio_batch(&d32, 8, 0x1002, 0x1002, true, 4096), 1);
	/* The linear page is what counts (base + offset, not offset). */
	assert_int_equal(strio_batch(&w16, 100, 0x10, 0x12ff0, false, 4096), 8);
	/* a16: DI wraps at 64 KiB before the linear page ends. */
	assert_int_equal(strio_batch(&w16, 100, 0xfff8, 0x20ff8 - 0x800, false, 4096), 4);
	assert_int_equal(strio_batch(&w16, 100, 0x4, 0x7004, true, 4096), 3);
	/* A word at DI = 0xffff crosses the wrap itself. */
	assert_int_equal(strio_batch(&w16, 100, 0xffff, 0x7ff0, false, 4096), 1);
	/* The linear address wraps at 4 GiB outside 64-bit mode: a page end. */
	assert_int_equal(strio_batch(&b32, 100, 0xfffffff0ull, 0xfffffff0ull, false, 4096), 16);
}

static const struct strio_segment flat32 = { ATTR_DATA32, 0xffffffffu, 0 };

static void test_linear_real(void **state)
{
	const struct strio_segment rm = { ATTR_DATA16, 0xffff, 0x12340 };
	const struct strio_segment unreal = { ATTR_DATA16, 0xffffffffu, 0 };
	const struct strio_segment attr0 = { 0, 0xffff, 0x1000 };	/* real mode ignores the type */
	uint64_t lin = 0;

	(void)state;
	assert_int_equal(strio_linear(STRIO_REAL, STRIO_ES, &rm, 0xfffe, 2, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x2233e);
	assert_int_equal(strio_linear(STRIO_REAL, STRIO_ES, &rm, 0xffff, 2, true, false, &lin),
			 STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_REAL, STRIO_SS, &rm, 0xffff, 2, false, false, &lin),
			 STRIO_FAULT_SS);
	assert_int_equal(strio_linear(STRIO_REAL, STRIO_DS, &unreal, 0x100000, 4, false, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x100000);
	assert_int_equal(strio_linear(STRIO_REAL, STRIO_ES, &attr0, 0x10, 1, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x1010);
}

static void test_linear_prot(void **state)
{
	const struct strio_segment null = { 0, 0, 0 };
	const struct strio_segment small = { ATTR_DATA32 & ~SEG_G, 0xfff, 0x100000 };
	const struct strio_segment ro = { (ATTR_DATA32 & ~0xf) | 0x1, 0xffffffffu, 0 };
	const struct strio_segment code_x = { (ATTR_CODE32 & ~0xf) | 0x9, 0xffffffffu, 0 };
	const struct strio_segment code_r = { ATTR_CODE32, 0xffffffffu, 0 };
	const struct strio_segment down32 = { (ATTR_DATA32 & ~0xf) | 0x7, 0xfff, 0 };
	const struct strio_segment down16 = { (ATTR_DATA16 & ~0xf) | 0x7, 0xfff, 0x10000 };
	const struct strio_segment wrap = { ATTR_DATA32, 0xffffffffu, 0xfffff000u };
	const struct strio_segment system = { ATTR_LDT, 0xffffffffu, 0 };
	uint64_t lin = 0;

	(void)state;
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &flat32, 0xfffffffcull, 4, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0xfffffffcull);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &flat32, 0xfffffffdull, 4, true, false, &lin),
			 STRIO_FAULT_GP);
	/* A null ES (or DS): #GP(0), even at offset 0. */
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &null, 0, 1, true, false, &lin), STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_DS, &null, 0, 1, false, false, &lin), STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_SS, &null, 0, 1, false, false, &lin), STRIO_FAULT_SS);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &system, 0, 1, true, false, &lin), STRIO_FAULT_GP);
	/* Limit, byte-granular: the last byte counts. */
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &small, 0xffe, 2, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x100ffe);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &small, 0xfff, 2, true, false, &lin),
			 STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &small, 0x1000, 1, true, false, &lin),
			 STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_SS, &small, 0x1000, 1, false, false, &lin),
			 STRIO_FAULT_SS);
	/* Types: INS needs writable data; OUTS readable data or code. */
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &ro, 0, 1, true, false, &lin), STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_DS, &ro, 0, 1, false, false, &lin), STRIO_FAULT_NONE);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &code_r, 0, 1, true, false, &lin), STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_CS, &code_r, 0, 1, false, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_CS, &code_x, 0, 1, false, false, &lin),
			 STRIO_FAULT_GP);
	/* Expand-down: valid offsets are above the limit, to 4 GiB or 64 KiB. */
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &down32, 0xfff, 1, true, false, &lin),
			 STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &down32, 0x1000, 4, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &down32, 0xfffffffcull, 4, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &down16, 0xfffe, 2, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x1fffe);
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &down16, 0xffff, 2, true, false, &lin),
			 STRIO_FAULT_GP);
	/* base + offset wraps at 4 GiB. */
	assert_int_equal(strio_linear(STRIO_PROT, STRIO_ES, &wrap, 0x2000, 1, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x1000);
}

static void test_linear_long(void **state)
{
	const struct strio_segment based = { 0, 0, 0x7fff00000000ull };	/* attributes ignored */
	uint64_t lin = 0;

	(void)state;
	/* ES and DS bases do not count; FS and GS do; no limit, no type. */
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_ES, &based, 0x1234, 4, true, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x1234);
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_GS, &based, 0x1234, 4, false, false, &lin),
			 STRIO_FAULT_NONE);
	assert_int_equal(lin, 0x7fff00001234ull);
	/* Canonical: #GP, #SS through SS; the last byte too. */
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_ES, &flat32, 0x800000000000ull, 1, true, false,
				      &lin), STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_SS, &flat32, 0x800000000000ull, 1, false, false,
				      &lin), STRIO_FAULT_SS);
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_ES, &flat32, 0x7ffffffffffeull, 4, true, false,
				      &lin), STRIO_FAULT_GP);
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_ES, &flat32, 0xffff800000000000ull, 4, true,
				      false, &lin), STRIO_FAULT_NONE);
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_ES, &flat32, 0x800000000000ull, 1, true, true,
				      &lin), STRIO_FAULT_NONE);	/* LA57: canonical */
	assert_int_equal(strio_linear(STRIO_LONG64, STRIO_ES, &flat32, 0x0100000000000000ull, 1, true,
				      true, &lin), STRIO_FAULT_GP);
}

static struct gwalk_result walk(enum gwalk_status st, bool w, bool u)
{
	return (struct gwalk_result){ .status = st, .present = st == GWALK_OK, .writable = w,
				      .user = u, .gpa = 0x5000 };
}

static void test_page_ok(void **state)
{
	const struct strio_paging k = { CR0_PG | CR0_PE | CR0_WP, 0, 0, 0 };
	const struct strio_paging k_nowp = { CR0_PG | CR0_PE, 0, 0, 0 };
	const struct strio_paging u = { CR0_PG | CR0_PE | CR0_WP, 0, 0, 3 };
	const struct strio_paging smap = { CR0_PG | CR0_PE, CR4_SMAP, 0, 0 };
	const struct strio_paging smap_ac = { CR0_PG | CR0_PE, CR4_SMAP, RFLAGS_AC, 0 };
	const struct strio_paging off = { CR0_PE, 0, 0, 0 };
	struct gwalk_result w;
	uint32_t e = 0xdead;

	(void)state;
	w = walk(GWALK_OK, true, true);
	assert_true(strio_page_ok(&w, true, &u, &e));
	w = walk(GWALK_NOT_PRESENT, false, false);
	assert_false(strio_page_ok(&w, true, &k, &e));
	assert_int_equal(e, PF_ERR_W);
	assert_false(strio_page_ok(&w, false, &u, &e));
	assert_int_equal(e, PF_ERR_U);
	w = walk(GWALK_READ_FAILED, false, false);
	assert_false(strio_page_ok(&w, false, &k, &e));
	assert_int_equal(e, 0);
	w = walk(GWALK_RESERVED_BIT, false, false);
	assert_false(strio_page_ok(&w, false, &k, &e));
	assert_int_equal(e, PF_ERR_P | PF_ERR_RSV);
	/* Read-only page: a write faults with WP or at CPL 3. */
	w = walk(GWALK_OK, false, true);
	assert_false(strio_page_ok(&w, true, &k, &e));
	assert_int_equal(e, PF_ERR_P | PF_ERR_W);
	assert_true(strio_page_ok(&w, true, &k_nowp, &e));
	assert_false(strio_page_ok(&w, true, &u, &e));
	assert_int_equal(e, PF_ERR_P | PF_ERR_W | PF_ERR_U);
	assert_true(strio_page_ok(&w, false, &u, &e));
	/* Supervisor page at CPL 3. */
	w = walk(GWALK_OK, true, false);
	assert_false(strio_page_ok(&w, false, &u, &e));
	assert_int_equal(e, PF_ERR_P | PF_ERR_U);
	/* SMAP: a user page at CPL 0 without AC. */
	w = walk(GWALK_OK, true, true);
	assert_false(strio_page_ok(&w, false, &smap, &e));
	assert_int_equal(e, PF_ERR_P);
	assert_true(strio_page_ok(&w, false, &smap_ac, &e));
	/* Paging off: the caller's identity "walk" always passes. */
	w = walk(GWALK_OK, false, false);
	assert_true(strio_page_ok(&w, true, &off, &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_seg_prefix),
		cmocka_unit_test(test_count_offset),
		cmocka_unit_test(test_advance),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_linear_real),
		cmocka_unit_test(test_linear_prot),
		cmocka_unit_test(test_linear_long),
		cmocka_unit_test(test_page_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
