/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the instruction length decoder (svm/decode.c).
 *
 * Most cases are rows of a table: the bytes and the expected length in each
 * of the four modes (real, 16-bit protected, 32-bit protected, 64-bit). The
 * lengths were checked against objdump (binutils 2.40, -m i8086 / i386 /
 * i386:x86-64, whose default is AMD64 behaviour) by a throw-away script:
 * 1536 of the 1551 (row, mode) lengths agree, and the 15 others are in rows
 * marked "not objdump": an ignored REX (objdump prints it on its own), 14
 * prefixes before an opcode (objdump stops at 14), SALC, and AMD's UD0
 * without ModRM. Rows it
 * decodes but the CPU rejects (MOV TR, VIA PadLock, 66/F2/F3/F0/REX before
 * VEX) are invalid here.
 *
 * Every row is decoded from an exact-size heap copy (ASan catches a read
 * past avail), and for every length: each shorter prefix of the bytes must
 * be DECODE_TRUNCATED, the exact bytes must decode the same, and the byte
 * counts in struct insn must add up to the length.
 *
 * Setting DECODE_CORPUS_DIR writes each row's bytes there as fuzzer seeds:
 *   DECODE_CORPUS_DIR=tests/fuzz/corpus/decode ./build/test_decode */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "svm/decode.h"

#define X (-1)		/* DECODE_INVALID */
#define T (-2)		/* DECODE_TRUNCATED with every byte of the row */

struct len_case {
	const char *name;
	int8_t len[4];		/* indexed by enum cpu_mode: a length, X or T */
	uint8_t n;
	uint8_t b[INSN_MAX_LEN + 2];
};

/* L: a length per mode (real, prot16, prot32, long64). A: the same in all. */
#define L(name_, r16, p16, p32, l64, ...) \
	{ name_, { r16, p16, p32, l64 }, sizeof((const uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }
#define A(name_, len_, ...) L(name_, len_, len_, len_, len_, __VA_ARGS__)
/* S: 16-bit modes, then 32- and 64-bit. */
#define S(name_, l16, l32, ...) L(name_, l16, l16, l32, l32, __VA_ARGS__)

static const char *const mode_name[] = { "real16", "prot16", "prot32", "long64" };

/* ---- helpers ---- */

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, b, n);
	return p;
}

/* Decodes n bytes from an exact-size heap copy. */
static enum decode_status decode(const uint8_t *b, size_t n, enum cpu_mode mode, struct insn *in)
{
	uint8_t *p = dup_bytes(b, n);
	enum decode_status st = insn_decode(p, n, mode, in);

	free(p);
	return st;
}

static void corpus_write(const uint8_t *b, size_t n)
{
	static unsigned seq;
	const char *dir = getenv("DECODE_CORPUS_DIR");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/row%04u", dir, seq++);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void check_sums(const struct insn *in)
{
	assert_int_equal(in->len, in->prefixes + in->vex_len + in->opcode_bytes + in->has_modrm +
				  in->has_sib + in->disp_bytes + in->imm_bytes);
	assert_in_range(in->len, 1, INSN_MAX_LEN);
}

static void check_same(const struct insn *a, const struct insn *b)
{
	assert_int_equal(a->len, b->len);
	assert_int_equal(a->prefixes, b->prefixes);
	assert_int_equal(a->rex, b->rex);
	assert_int_equal(a->opcode_bytes, b->opcode_bytes);
	assert_memory_equal(a->opcode, b->opcode, sizeof(a->opcode));
	assert_int_equal(a->modrm, b->modrm);
	assert_int_equal(a->sib, b->sib);
	assert_int_equal(a->disp, b->disp);
	assert_int_equal(a->imm, b->imm);
}

static void check_row(const struct len_case *c)
{
	corpus_write(c->b, c->n);
	for (int mode = MODE_REAL16; mode <= MODE_LONG64; mode++) {
		struct insn in, again;
		enum decode_status st = decode(c->b, c->n, mode, &in);
		int want = c->len[mode];
		int got = st == DECODE_OK ? in.len : st == DECODE_TRUNCATED ? T : X;

		if (got != want)
			fail_msg("%s in %s: got %d, want %d (%d = invalid, %d = truncated)",
				 c->name, mode_name[mode], got, want, X, T);
		if (st != DECODE_OK)
			continue;
		assert_true(want <= c->n);
		check_sums(&in);
		for (size_t k = 0; k < in.len; k++)
			if (decode(c->b, k, mode, &again) != DECODE_TRUNCATED)
				fail_msg("%s in %s: %zu of %d bytes not truncated",
					 c->name, mode_name[mode], k, want);
		assert_int_equal(decode(c->b, in.len, mode, &again), DECODE_OK);
		check_same(&in, &again);
	}
}

static void check_table(const struct len_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(&t[i]);
}

#define CHECK_TABLE(t) check_table(t, sizeof(t) / sizeof((t)[0]))

/* ---- what the exit handlers decode ---- */

static void test_loads_descriptor(void **state)
{
	static const struct { const char *b; unsigned n; enum cpu_mode mode; bool loads; } t[] = {
		{ "\x8e\xd8", 2, MODE_PROT32, true },		/* mov ds, eax */
		{ "\x8e\x18", 2, MODE_PROT32, true },		/* mov ds, [eax] */
		{ "\x1f", 1, MODE_PROT32, true },		/* pop ds */
		{ "\x0f\xa9", 2, MODE_LONG64, true },		/* pop gs */
		{ "\xc5\x06", 2, MODE_PROT32, true },		/* lds eax, [esi] */
		{ "\xc5\xf8\x77", 3, MODE_LONG64, false },	/* vzeroupper (VEX, not LDS) */
		{ "\x0f\xb2\x06", 3, MODE_LONG64, true },	/* lss eax, [rsi] */
		{ "\xea\x00\x00\x10\x00\x08\x00", 7, MODE_PROT32, true },	/* jmp far */
		{ "\xff\x2e", 2, MODE_PROT32, true },		/* jmp far [esi] */
		{ "\xff\x1e", 2, MODE_LONG64, true },		/* call far [rsi] */
		{ "\xff\x26", 2, MODE_PROT32, false },	/* jmp near [esi] */
		{ "\xcb", 1, MODE_PROT32, true },		/* retf */
		{ "\x48\xcf", 2, MODE_LONG64, true },		/* iretq */
		{ "\xcd\x30", 2, MODE_PROT32, true },		/* int 0x30 */
		{ "\xcc", 1, MODE_PROT32, true },		/* int3 */
		{ "\x0f\x00\xd8", 3, MODE_PROT32, true },	/* ltr ax */
		{ "\x0f\x00\xd0", 3, MODE_PROT32, true },	/* lldt ax */
		{ "\x0f\x00\xc0", 3, MODE_PROT32, false },	/* sldt eax */
		{ "\x0f\x03\xc0", 3, MODE_PROT32, true },	/* lsl eax, eax */
		{ "\x0f\x01\x10", 3, MODE_PROT32, false },	/* lgdt [eax]: the base is its operand */
		{ "\x8b\x00", 2, MODE_PROT32, false },	/* mov eax, [eax] */
		{ "\xa5", 1, MODE_PROT32, false },		/* movsd */
	};
	struct insn in;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(decode((const uint8_t *)t[i].b, t[i].n, t[i].mode, &in), DECODE_OK);
		if (insn_loads_descriptor(&in) != t[i].loads)
			fail_msg("row %zu: insn_loads_descriptor gave %d", i, !t[i].loads);
	}
}

static void test_hypervisor_insns(void **state)
{
	static const struct len_case t[] = {
		A("cpuid",            2, 0x0f, 0xa2),
		A("rdmsr",            2, 0x0f, 0x32),
		A("wrmsr",            2, 0x0f, 0x30),
		A("rdtsc",            2, 0x0f, 0x31),
		A("rdtscp",           3, 0x0f, 0x01, 0xf9),
		A("rdpmc",            2, 0x0f, 0x33),
		A("hlt",              1, 0xf4),
		A("pause",            2, 0xf3, 0x90),
		A("nop",              1, 0x90),
		A("vmrun",            3, 0x0f, 0x01, 0xd8),
		A("vmmcall",          3, 0x0f, 0x01, 0xd9),
		A("vmload",           3, 0x0f, 0x01, 0xda),
		A("vmsave",           3, 0x0f, 0x01, 0xdb),
		A("stgi",             3, 0x0f, 0x01, 0xdc),
		A("clgi",             3, 0x0f, 0x01, 0xdd),
		A("skinit",           3, 0x0f, 0x01, 0xde),
		A("invlpga",          3, 0x0f, 0x01, 0xdf),
		A("addr vmrun",       4, 0x67, 0x0f, 0x01, 0xd8),
		A("vmcall (Intel)",   3, 0x0f, 0x01, 0xc1),
		A("xgetbv",           3, 0x0f, 0x01, 0xd0),
		A("xsetbv",           3, 0x0f, 0x01, 0xd1),
		A("monitor",          3, 0x0f, 0x01, 0xc8),
		A("mwait",            3, 0x0f, 0x01, 0xc9),
		A("monitorx",         3, 0x0f, 0x01, 0xfa),
		A("mwaitx",           3, 0x0f, 0x01, 0xfb),
		A("clzero",           3, 0x0f, 0x01, 0xfc),
		L("swapgs",           3, 3, 3, 3, 0x0f, 0x01, 0xf8),
		A("invd",             2, 0x0f, 0x08),
		A("wbinvd",           2, 0x0f, 0x09),
		A("int3",             1, 0xcc),
		A("int 0x80",         2, 0xcd, 0x80),
		A("int1",             1, 0xf1),
		L("into",             1, 1, 1, X, 0xce),
		A("iret",             1, 0xcf),
		L("iretq",            1, 1, 1, 2, 0x48, 0xcf),
		A("ud2",              2, 0x0f, 0x0b),
		A("ud1",              3, 0x0f, 0xb9, 0xc0),
		A("syscall",          2, 0x0f, 0x05),
		A("sysret",           2, 0x0f, 0x07),
		A("sysenter",         2, 0x0f, 0x34),
		A("sysexit",          2, 0x0f, 0x35),
		A("clts",             2, 0x0f, 0x06),
		A("lmsw ax",          3, 0x0f, 0x01, 0xf0),
		A("smsw ax",          3, 0x0f, 0x01, 0xe0),
		A("ltr ax",           3, 0x0f, 0x00, 0xd8),
		A("invlpg [bx+si]/[eax]", 3, 0x0f, 0x01, 0x38),
		S("lgdt [di]/[disp32]", 3, 7, 0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00),
		A("rdrand eax",       3, 0x0f, 0xc7, 0xf0),
		A("lfence",           3, 0x0f, 0xae, 0xe8),
		A("mfence",           3, 0x0f, 0xae, 0xf0),
		A("clflush [bx+si]/[eax]", 3, 0x0f, 0xae, 0x38),
		A("endbr64",          4, 0xf3, 0x0f, 0x1e, 0xfa),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* MOV to and from CR/DR ignore ModRM.mod: never a displacement or SIB. */
static void test_mov_cr_dr(void **state)
{
	static const struct len_case t[] = {
		A("mov eax, cr0",        3, 0x0f, 0x20, 0xc0),
		A("mov cr3, eax",        3, 0x0f, 0x22, 0xd8),
		A("mov cr4, eax mod=00", 3, 0x0f, 0x22, 0x20, 0xff, 0xff),
		A("mov eax, cr0 rm=101", 3, 0x0f, 0x20, 0x05, 0xff, 0xff, 0xff, 0xff),
		A("mov eax, cr0 rm=100", 3, 0x0f, 0x20, 0x04, 0x25, 0xff, 0xff, 0xff, 0xff),
		A("mov cr0, eax mod=01", 3, 0x0f, 0x22, 0x40, 0xff),
		A("mov cr0, eax mod=10", 3, 0x0f, 0x22, 0x80, 0xff, 0xff, 0xff, 0xff),
		A("mov eax, dr7",        3, 0x0f, 0x21, 0xf8),
		A("mov dr7, eax",        3, 0x0f, 0x23, 0xf8),
		A("mov dr0, eax mod=00", 3, 0x0f, 0x23, 0x00),
		L("mov rax, cr8 (REX.R)", 1, 1, 1, 4, 0x44, 0x0f, 0x20, 0xc0),
		A("lock mov eax, cr0 = cr8 (AMD)", 4, 0xf0, 0x0f, 0x20, 0xc0),
		L("mov r8, cr3 (REX.B)", 1, 1, 1, 4, 0x41, 0x0f, 0x20, 0xd8),
		A("66 mov eax, cr0",     4, 0x66, 0x0f, 0x20, 0xc0),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_port_io(void **state)
{
	static const struct len_case t[] = {
		A("in al, 0x60",        2, 0xe4, 0x60),
		A("in eax, 0x71",       2, 0xe5, 0x71),
		A("in ax, 0x71",        3, 0x66, 0xe5, 0x71),
		A("out 0x80, al",       2, 0xe6, 0x80),
		A("out 0x80, eax",      2, 0xe7, 0x80),
		A("out 0x80, ax",       3, 0x66, 0xe7, 0x80),
		A("in al, dx",          1, 0xec),
		A("in eax, dx",         1, 0xed),
		A("in ax, dx",          2, 0x66, 0xed),
		A("out dx, al",         1, 0xee),
		A("out dx, eax",        1, 0xef),
		A("out dx, ax",         2, 0x66, 0xef),
		A("insb",               1, 0x6c),
		A("insd",               1, 0x6d),
		A("outsb",              1, 0x6e),
		A("outsd",              1, 0x6f),
		A("rep insb",           2, 0xf3, 0x6c),
		A("rep insw",           3, 0xf3, 0x66, 0x6d),
		A("rep outsw",          3, 0x66, 0xf3, 0x6f),
		A("rep outsb addr",     3, 0xf3, 0x67, 0x6e),
		A("rep outsb es:",      3, 0xf3, 0x26, 0x6e),
		A("rep outsb fs: addr", 4, 0x64, 0x67, 0xf3, 0x6e),
		A("repne insb",         2, 0xf2, 0x6c),
		L("rep insd REX.W",     2, 2, 2, 3, 0xf3, 0x48, 0x6d),
		L("rep outsb REX",      2, 2, 2, 3, 0xf3, 0x41, 0x6e),
		L("in eax, dx REX.W",   1, 1, 1, 2, 0x48, 0xed),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* MOV and the string and read-modify-write forms that can reach MMIO. */
static void test_mmio_access(void **state)
{
	static const struct len_case t[] = {
		A("mov [bx]/[edi], eax",         2, 0x89, 0x07),
		A("mov al, [bx]/[edi]",          2, 0x8a, 0x07),
		A("mov [bx]/[edi], al",          2, 0x88, 0x07),
		S("mov [di]/[disp32], eax",      2, 6, 0x89, 0x05, 0x00, 0x00, 0xe0, 0xfe),
		S("mov eax, [bp+d16]/[esi+d32]", 4, 6, 0x8b, 0x86, 0x00, 0x03, 0xe0, 0xfe),
		S("mov eax, [si]/[disp32] SIB",  2, 7, 0x8b, 0x04, 0x25, 0x00, 0x00, 0xc0, 0xfe),
		L("mov [disp32], rax SIB",       1, 1, 1, 8, 0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0xc0, 0xfe),
		L("mov rax, [rip+d32]",          1, 1, 1, 7, 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
		L("mov r8d, [r13+d8]",           1, 1, 1, 4, 0x45, 0x8b, 0x45, 0x08),
		A("mov byte [bx]/[edi], 1",      3, 0xc6, 0x07, 0x01),
		S("mov dword [bx]/[edi], imm",   4, 6, 0xc7, 0x07, 0x01, 0x00, 0x00, 0x00),
		S("mov word [bx]/[edi], imm16",  7, 5, 0x66, 0xc7, 0x07, 0x01, 0x00, 0x00, 0x00),
		L("mov qword [rdi], imm32",      1, 1, 1, 7, 0x48, 0xc7, 0x07, 0x01, 0x00, 0x00, 0x00),
		S("mov dword [bx+si+d16]/[eax+d32], imm", 6, 10,
		  0xc7, 0x80, 0x00, 0x03, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
		S("mov dword [di]/[rip+d32], imm32", 4, 10,
		  0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
		L("mov eax, moffs (8 in 64-bit)", 3, 3, 5, T, 0xa1, 0x00, 0x00, 0xe0, 0xfe),
		L("mov rax, moffs64",            3, 3, 5, 9, 0xa1, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
		L("mov al, moffs",               3, 3, 5, 9, 0xa0, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
		L("mov moffs, al",               3, 3, 5, 9, 0xa2, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
		L("mov moffs, eax",              3, 3, 5, 9, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
		L("addr mov eax, moffs",         6, 6, 4, 6, 0x67, 0xa1, 0x00, 0x00, 0xe0, 0xfe),
		L("addr mov moffs, al",          6, 6, 4, 6, 0x67, 0xa2, 0x00, 0x00, 0xe0, 0xfe),
		L("data mov moffs, ax",          4, 4, 6, 10, 0x66, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
		L("REX.W mov rax, moffs64",      1, 1, 1, 10, 0x48, 0xa1, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
		A("movsb",                       1, 0xa4),
		A("movsd",                       1, 0xa5),
		A("rep movsd",                   2, 0xf3, 0xa5),
		L("rep movsq",                   2, 2, 2, 3, 0xf3, 0x48, 0xa5),
		A("rep stosb",                   2, 0xf3, 0xaa),
		A("stosd",                       1, 0xab),
		A("lodsb",                       1, 0xac),
		A("lodsd",                       1, 0xad),
		A("repe cmpsb",                  2, 0xf3, 0xa6),
		A("repne scasb",                 2, 0xf2, 0xae),
		A("movzx eax, byte [bx+si]",     3, 0x0f, 0xb6, 0x00),
		A("movzx eax, word",             3, 0x0f, 0xb7, 0x00),
		A("movsx eax, byte",             3, 0x0f, 0xbe, 0x00),
		A("xchg [bx]/[edi], eax",        2, 0x87, 0x07),
		A("lock xadd",                   4, 0xf0, 0x0f, 0xc1, 0x07),
		A("lock cmpxchg",                4, 0xf0, 0x0f, 0xb1, 0x07),
		S("or dword [di]/[d32], imm",    4, 10, 0x81, 0x0d, 0x00, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00),
		A("and byte [bx], imm8",         3, 0x80, 0x27, 0x01),
		A("test byte [bx], imm8",        3, 0xf6, 0x07, 0x01),
		A("movnti [edi], eax",           3, 0x0f, 0xc3, 0x07),
		A("movd [edi], xmm0",            4, 0x66, 0x0f, 0x7e, 0x07),
		A("movq [edi], xmm0",            4, 0x66, 0x0f, 0xd6, 0x07),
		A("movq xmm0, [edi]",            4, 0xf3, 0x0f, 0x7e, 0x07),
		A("movdqu [edi], xmm0",          4, 0xf3, 0x0f, 0x7f, 0x07),
		A("vmovdqu ymm0, [edi]",         4, 0xc5, 0xfe, 0x6f, 0x07),
		A("movdiri [edi], eax",          4, 0x0f, 0x38, 0xf9, 0x07),
		A("movdir64b",                   5, 0x66, 0x0f, 0x38, 0xf8, 0x07),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* ---- prefixes, REX and the 15-byte limit ---- */

#define P4  0x2e, 0x2e, 0x2e, 0x2e
#define P12 P4, P4, P4

static void test_prefixes(void **state)
{
	static const struct len_case t[] = {
		A("all six segments",      8, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x8b, 0x00),
		A("lock rep data addr",    5, 0xf0, 0xf3, 0x66, 0x67, 0xa5),
		A("rep repne",             3, 0xf3, 0xf2, 0xa4),
		A("data data data nop",    4, 0x66, 0x66, 0x66, 0x90),
		S("data addr add, iz",     7, 5, 0x66, 0x67, 0x05, 0x34, 0x12, 0x78, 0x56),
		A("lock add [bx+si], al",  3, 0xf0, 0x00, 0x07),
		A("cs: jz hint",           3, 0x2e, 0x74, 0x00),
		S("ds: call rel",          4, 6, 0x3e, 0xe8, 0x00, 0x00, 0x00, 0x00),
		S("fs: mov eax, [d32]",    3, 8, 0x64, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00),
		S("gs: 66 mov [bx]/[edi], imm", 8, 6, 0x65, 0x66, 0xc7, 0x07, 0x34, 0x12, 0x78, 0x56),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_rex(void **state)
{
	static const struct len_case t[] = {
		L("mov rax, imm64",           1, 1, 1, 10, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
		L("mov r11, imm64",           1, 1, 1, 10, 0x49, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8),
		L("mov r8d, imm32",           1, 1, 1, 6, 0x41, 0xb8, 1, 2, 3, 4),
		L("66 then REX.W: imm64",     2, 2, 2, 11, 0x66, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
		/* not objdump, these four: it prints an ignored REX on its own */
		L("REX.W then 66: ignored",   1, 1, 1, 5, 0x48, 0x66, 0xb8, 0x34, 0x12, 0, 0, 0, 0, 0, 0),
		L("REX then REX.W: W counts", 1, 1, 1, 11, 0x40, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
		L("REX.W then REX: W lost",   1, 1, 1, 7, 0x48, 0x40, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
		L("REX.W then rep: ignored",  1, 1, 1, 3, 0x48, 0xf3, 0xa5),
		L("add rax, imm32",           1, 1, 1, 6, 0x48, 0x05, 1, 2, 3, 4),
		L("popcnt rax, rax",          2, 2, 2, 5, 0xf3, 0x48, 0x0f, 0xb8, 0xc0),
		L("REX before 0F",            1, 1, 1, 3, 0x48, 0x0f, 0xa2),
		L("call r8",                  1, 1, 1, 3, 0x41, 0xff, 0xd0),
		L("movsxd rax, ecx",          1, 1, 1, 3, 0x48, 0x63, 0xc1),
		A("arpl / movsxd",            2, 0x63, 0xc1),
		L("lea rax, [rip+d32]",       1, 1, 1, 7, 0x48, 0x8d, 0x05, 0, 0, 0, 0),
		L("REX alone",                1, 1, 1, T, 0x4f),
		L("REX only",                 1, 1, 1, T, 0x40, 0x41, 0x42),
		L("inc eax / REX",            1, 1, 1, T, 0x40),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_length_limit(void **state)
{
	static const struct len_case t[] = {
		/* not objdump: it prints the 14 prefixes on a line of their own */
		A("14 prefixes + nop",              15, P12, 0x66, 0x67, 0x90),
		A("15 prefixes + nop",              X, P12, 0x66, 0x67, 0xf3, 0x90),
		A("16 prefixes",                    X, P12, P4),
		A("14 prefixes, need 15th",         T, P12, 0x2e, 0x2e),
		A("13 prefixes + add al, ib",       15, P12, 0x2e, 0x04, 0x01),
		A("14 prefixes + add al, ib",       X, P12, 0x2e, 0x2e, 0x04, 0x01),
		S("12 prefixes + add, iz",          15, X, P12, 0x05, 0x34, 0x12, 0x78, 0x56),
		/* the limit wins over missing bytes: 13 + 1 + 2 or 4 > 15 */
		A("13 prefixes + add, iz, short",   X, P12, 0x2e, 0x05),
		L("5 prefixes + mov rax, imm64",    6, 6, 6, 15, P4, 0x2e, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
		L("6 prefixes + mov rax, imm64",    7, 7, 7, X, P4, 0x2e, 0x2e, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
		L("4 prefixes + test [rsp+d32], imm32", 10, 10, 15, 15,
		  P4, 0xf7, 0x84, 0x24, 0, 0, 0, 0, 1, 2, 3, 4, 5),
		L("5 prefixes + test [rsp+d32], imm32", 11, 11, X, X,
		  P4, 0x2e, 0xf7, 0x84, 0x24, 0, 0, 0, 0, 1, 2, 3, 4, 5),
		A("9 prefixes + vbroadcastss",      14, P4, P4, 0x2e, 0xc4, 0xe2, 0x79, 0x18, 0x07),
		S("10 prefixes + vpalignr",         X, X, P4, P4, 0x2e, 0x2e, 0xc4, 0xe3, 0x71, 0x0f, 0xc2, 0x08),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* ---- ModRM, SIB and displacement ---- */

static void test_modrm16(void **state)
{
	static const struct len_case t[] = {
		S("mov ax, [d16] / [esi]",      4, 2, 0x8b, 0x06, 0x34, 0x12),
		S("mov bx, [d16] / [esi]",      4, 2, 0x8b, 0x1e, 0x34, 0x12),
		A("mov ax, [bp+d8]",            3, 0x8b, 0x46, 0x08),
		S("mov ax, [bp+d16] / +d32",    4, 6, 0x8b, 0x86, 0x34, 0x12, 0x00, 0x00),
		A("mov ax, [bx+si]",            2, 0x8b, 0x00),
		A("mov ax, [bx]",               2, 0x8b, 0x07),
		A("mov ax, [bx-2]",             3, 0x8b, 0x47, 0xfe),
		A("mov ax, cx",                 2, 0x8b, 0xc1),
		S("[si] / SIB",                 2, 3, 0x8b, 0x04, 0x24),
		S("[di] / [d32]",               2, 6, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
		L("addr: [d16] / [esi]",        3, 3, 5, 3, 0x67, 0x8b, 0x06, 0x34, 0x12),
		L("addr: SIB / [si]",           4, 4, 3, 4, 0x67, 0x8b, 0x04, 0x24),
		L("addr: [d32] / [di]",         7, 7, 3, 7, 0x67, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00),
		A("mov word [d16], imm16 / [esi], imm32", 6, 0xc7, 0x06, 0x34, 0x12, 0x78, 0x56),
		S("data mov [d16], imm32",      9, 5, 0x66, 0xc7, 0x06, 0x34, 0x12, 0x78, 0x56, 0x00, 0x00),
		S("test byte [d16], ib",        5, 3, 0xf6, 0x06, 0x34, 0x12, 0x01),
		L("les [d16] / [esi]",          4, 4, 2, X, 0xc4, 0x26, 0x00, 0x00),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_modrm32(void **state)
{
	static const struct len_case t[] = {
		S("SIB no base: [d32]",          2, 7, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
		S("SIB [esp+d8]",                3, 4, 0x8b, 0x44, 0x24, 0x08),
		S("SIB [esp+d32]",               4, 7, 0x8b, 0x84, 0x24, 0x00, 0x10, 0x00, 0x00),
		S("SIB [eax*4+d32]",             2, 7, 0x8b, 0x04, 0x85, 0x00, 0x10, 0x00, 0x00),
		S("SIB [ebx*8+d32]",             2, 7, 0x8b, 0x14, 0xdd, 0x00, 0x10, 0x00, 0x00),
		S("SIB base=101 mod=01: +d8",    3, 4, 0x8b, 0x44, 0x25, 0x08),
		S("SIB base=101 mod=10: +d32",   4, 7, 0x8b, 0x84, 0x25, 0x00, 0x10, 0x00, 0x00),
		A("[ebp+0]",                     3, 0x8b, 0x45, 0x00),
		S("[esp]",                       2, 3, 0x8b, 0x0c, 0x24),
		S("[d32] / [rip+d32]",           2, 6, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00),
		L("REX.B: [rip+d32] still",      1, 1, 1, 7, 0x41, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00),
		L("REX.B: SIB no base still",    1, 1, 1, 8, 0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
		L("[r13+0]",                     1, 1, 1, 4, 0x41, 0x8b, 0x45, 0x00),
		L("[r12] needs SIB",             1, 1, 1, 4, 0x41, 0x8b, 0x04, 0x24),
		L("addr: [eip+d32]",             7, 7, 3, 7, 0x67, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* ---- immediates ---- */

static void test_immediates(void **state)
{
	static const struct len_case t[] = {
		A("add al, ib",               2, 0x04, 0x01),
		S("add eax, iz",              3, 5, 0x05, 0x34, 0x12, 0x78, 0x56),
		S("data add eax, iz",         6, 4, 0x66, 0x05, 0x34, 0x12, 0x78, 0x56),
		S("push iz",                  3, 5, 0x68, 0x34, 0x12, 0x78, 0x56),
		S("data push iz",             6, 4, 0x66, 0x68, 0x34, 0x12, 0x78, 0x56),
		A("push ib",                  2, 0x6a, 0x01),
		S("imul r, rm, iz",           4, 6, 0x69, 0xc0, 0x34, 0x12, 0x78, 0x56),
		A("imul r, rm, ib",           3, 0x6b, 0xc0, 0x01),
		A("grp1 ib",                  3, 0x80, 0xc0, 0x01),
		S("grp1 iz",                  4, 6, 0x81, 0xc0, 0x34, 0x12, 0x78, 0x56),
		A("grp1 sign-extended ib",    3, 0x83, 0xc0, 0x01),
		L("grp1 82 alias",            3, 3, 3, X, 0x82, 0xc0, 0x01),
		A("mov al, ib",               2, 0xb0, 0x01),
		S("mov eax, iv",              3, 5, 0xb8, 0x34, 0x12, 0x78, 0x56),
		S("data mov eax, iv",         6, 4, 0x66, 0xb8, 0x34, 0x12, 0x78, 0x56),
		A("shl eax, ib",              3, 0xc1, 0xe0, 0x04),
		A("shl al, ib",               3, 0xc0, 0xe0, 0x04),
		A("ret iw",                   3, 0xc2, 0x08, 0x00),
		A("data ret iw",              4, 0x66, 0xc2, 0x08, 0x00),
		A("retf iw",                  3, 0xca, 0x08, 0x00),
		A("ret",                      1, 0xc3),
		A("retf",                     1, 0xcb),
		A("enter iw, ib",             4, 0xc8, 0x10, 0x00, 0x01),
		A("data enter iw, ib",        5, 0x66, 0xc8, 0x10, 0x00, 0x01),
		A("test al, ib",              2, 0xa8, 0x01),
		S("test eax, iz",             3, 5, 0xa9, 0x34, 0x12, 0x78, 0x56),
		A("test al, ib (F6 /0)",      3, 0xf6, 0xc0, 0x01),
		A("test al, ib (F6 /1)",      3, 0xf6, 0xc8, 0x01),
		A("not al (F6 /2)",           2, 0xf6, 0xd0),
		A("neg al (F6 /3)",           2, 0xf6, 0xd8),
		A("mul al (F6 /4)",           2, 0xf6, 0xe0),
		A("idiv al (F6 /7)",          2, 0xf6, 0xf8),
		S("test eax, iz (F7 /0)",     4, 6, 0xf7, 0xc0, 0x34, 0x12, 0x78, 0x56),
		S("test eax, iz (F7 /1)",     4, 6, 0xf7, 0xc8, 0x34, 0x12, 0x78, 0x56),
		A("not eax (F7 /2)",          2, 0xf7, 0xd0),
		A("imul eax (F7 /5)",         2, 0xf7, 0xe8),
		A("div eax (F7 /6)",          2, 0xf7, 0xf0),
		S("data test ax, iz",         7, 5, 0x66, 0xf7, 0xc0, 0x34, 0x12, 0x78, 0x56),
		L("test rax, imm32",          1, 1, 1, 7, 0x48, 0xf7, 0xc0, 0x34, 0x12, 0x78, 0x56),
		S("test [di]/[d32], iz",      4, 10, 0xf7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
		S("test [di+d8]/[ebp+d8], iz", 5, 7, 0xf7, 0x45, 0x08, 0x78, 0x56, 0x34, 0x12),
		S("test byte [di]/[d32], ib", 3, 7, 0xf6, 0x05, 0x00, 0x10, 0x00, 0x00, 0x01),
		A("xabort ib",                3, 0xc6, 0xf8, 0x01),
		S("xbegin rel",               4, 6, 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),
		A("bt eax, ib",               4, 0x0f, 0xba, 0xe0, 0x05),
		A("shld ib",                  4, 0x0f, 0xa4, 0xc0, 0x04),
		A("shrd ib",                  4, 0x0f, 0xac, 0xc0, 0x04),
		A("shld cl",                  3, 0x0f, 0xa5, 0xc0),
		A("cmpps ib",                 4, 0x0f, 0xc2, 0xc1, 0x00),
		A("pinsrw ib",                4, 0x0f, 0xc4, 0xc1, 0x00),
		A("pextrw ib",                4, 0x0f, 0xc5, 0xc1, 0x00),
		A("shufps ib",                4, 0x0f, 0xc6, 0xc1, 0x00),
		A("pshufw ib",                4, 0x0f, 0x70, 0xc1, 0x1b),
		A("psrlw mm, ib",             4, 0x0f, 0x71, 0xd0, 0x04),
		A("psrld mm, ib",             4, 0x0f, 0x72, 0xd0, 0x04),
		A("psrlq xmm, ib",            5, 0x66, 0x0f, 0x73, 0xd0, 0x04),
		A("3DNow! pfadd",             4, 0x0f, 0x0f, 0xc1, 0x9e),
		S("3DNow! pfadd [di]/[d32]",  4, 8, 0x0f, 0x0f, 0x05, 0x9e, 0x10, 0x00, 0x00, 0x9e),
		A("SSE4a extrq ib, ib",       6, 0x66, 0x0f, 0x78, 0xc0, 0x01, 0x02),
		A("SSE4a insertq ib, ib",     6, 0xf2, 0x0f, 0x78, 0xc1, 0x01, 0x02),
		A("SSE4a insertq (F2 over 66)", 7, 0x66, 0xf2, 0x0f, 0x78, 0xc1, 0x01, 0x02),
		A("SSE4a extrq xmm",          4, 0x66, 0x0f, 0x79, 0xc1),
		A("SSE4a insertq xmm",        4, 0xf2, 0x0f, 0x79, 0xc1),
		A("vmread (no imm)",          3, 0x0f, 0x78, 0xc0),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_branches(void **state)
{
	static const struct len_case t[] = {
		A("jmp rel8",               2, 0xeb, 0x00),
		A("jo rel8",                2, 0x70, 0x00),
		A("jcxz rel8",              2, 0xe3, 0x00),
		A("addr jcxz rel8",         3, 0x67, 0xe3, 0x00),
		A("loop rel8",              2, 0xe2, 0x00),
		S("call rel",               3, 5, 0xe8, 0x00, 0x00, 0x00, 0x00),
		S("jmp rel",                3, 5, 0xe9, 0x00, 0x00, 0x00, 0x00),
		/* AMD: 66 makes near branches rel16 in 64-bit mode too */
		S("data call rel",          6, 4, 0x66, 0xe8, 0x00, 0x00, 0x00, 0x00),
		S("data jmp rel",           6, 4, 0x66, 0xe9, 0x00, 0x00, 0x00, 0x00),
		S("jz rel",                 4, 6, 0x0f, 0x84, 0x00, 0x00, 0x00, 0x00),
		S("data jz rel",            7, 5, 0x66, 0x0f, 0x84, 0x00, 0x00, 0x00, 0x00),
		L("REX.W call rel32",       1, 1, 1, 6, 0x48, 0xe8, 0x00, 0x00, 0x00, 0x00),
		L("jmp far ptr16:16/32",    5, 5, 7, X, 0xea, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00),
		L("data jmp far",           8, 8, 6, X, 0x66, 0xea, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00),
		L("call far ptr16:16/32",   5, 5, 7, X, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00),
		S("call [di]/[rip+d32]",    2, 6, 0xff, 0x15, 0x00, 0x10, 0x00, 0x00),
		A("jmp eax",                2, 0xff, 0xe0),
		S("jmp far [di]/[d32]",     2, 6, 0xff, 0x2d, 0x00, 0x10, 0x00, 0x00),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* ---- invalid and undefined opcodes ---- */

static void test_invalid_in_64(void **state)
{
	static const struct len_case t[] = {
		L("push es",      1, 1, 1, X, 0x06),
		L("pop es",       1, 1, 1, X, 0x07),
		L("push cs",      1, 1, 1, X, 0x0e),
		L("push ss",      1, 1, 1, X, 0x16),
		L("pop ss",       1, 1, 1, X, 0x17),
		L("push ds",      1, 1, 1, X, 0x1e),
		L("pop ds",       1, 1, 1, X, 0x1f),
		L("daa",          1, 1, 1, X, 0x27),
		L("das",          1, 1, 1, X, 0x2f),
		L("aaa",          1, 1, 1, X, 0x37),
		L("aas",          1, 1, 1, X, 0x3f),
		L("pusha",        1, 1, 1, X, 0x60),
		L("popa",         1, 1, 1, X, 0x61),
		L("bound / EVEX map 7", 2, 2, 2, X, 0x62, 0x07, 0x00, 0x00, 0x00, 0x00),
		L("les / VEX map 7",    2, 2, 2, X, 0xc4, 0x07, 0x00, 0x00, 0x00),
		L("into",         1, 1, 1, X, 0xce),
		L("aam",          2, 2, 2, X, 0xd4, 0x0a),
		L("aad",          2, 2, 2, X, 0xd5, 0x0a),
		/* not objdump: SALC is undocumented, but every CPU runs it */
		L("salc",         1, 1, 1, X, 0xd6),
		L("REX.W into",   1, 1, 1, X, 0x48, 0xce),
		L("prefixed aam", 3, 3, 3, X, 0x2e, 0xd4, 0x0a),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_undefined(void **state)
{
	static const struct len_case t[] = {
		A("0F 04",   X, 0x0f, 0x04),
		A("0F 0A",   X, 0x0f, 0x0a),
		A("0F 0C",   X, 0x0f, 0x0c),
		/* not objdump: MOV to/from TR (386 only) */
		A("0F 24",   X, 0x0f, 0x24, 0xc0),
		A("0F 26",   X, 0x0f, 0x26, 0xc0),
		A("0F 36",   X, 0x0f, 0x36),
		A("0F 39",   X, 0x0f, 0x39),
		A("0F 3B",   X, 0x0f, 0x3b),
		A("0F 3F",   X, 0x0f, 0x3f),
		A("0F 7A",   X, 0x0f, 0x7a, 0xc0),
		A("0F 7B",   X, 0x0f, 0x7b, 0xc0),
		/* not objdump: VIA PadLock */
		A("0F A6",   X, 0x0f, 0xa6, 0xc0),
		A("0F A7",   X, 0x0f, 0xa7, 0xc0),
		/* not objdump: AMD's UD0 has no ModRM */
		A("ud0",     2, 0x0f, 0xff, 0xc0),
		A("VEX map 7",        X, 0xc4, 0xe7, 0x78, 0x00, 0xc0),
		A("EVEX map 4",       X, 0x62, 0xf4, 0x7c, 0x08, 0x00, 0xc0),
		A("XOP map 0B",       X, 0x8f, 0xeb, 0x78, 0x00, 0xc0),
		/* not objdump: 66, F2, F3, F0 and REX before VEX/EVEX/XOP are #UD */
		A("data VEX",         X, 0x66, 0xc5, 0xf8, 0x77),
		A("rep VEX",          X, 0xf3, 0xc5, 0xf8, 0x77),
		A("repne VEX3",       X, 0xf2, 0xc4, 0xe2, 0x79, 0x18, 0x07),
		A("lock VEX",         X, 0xf0, 0xc5, 0xf8, 0x77),
		L("REX VEX",          1, 1, 1, X, 0x48, 0xc5, 0xf8, 0x77),
		A("data EVEX",        X, 0x66, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07),
		A("data XOP",         X, 0x66, 0x8f, 0xe9, 0x78, 0x80, 0xc1),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* ---- the other maps ---- */

static void test_two_byte_map(void **state)
{
	static const struct len_case t[] = {
		S("nop dword [eax+eax+d8]",  4, 5, 0x0f, 0x1f, 0x44, 0x00, 0x00),
		S("nop word [eax+eax+d32]",  6, 9, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
		A("prefetchw",          3, 0x0f, 0x0d, 0x08),
		A("prefetchnta",        3, 0x0f, 0x18, 0x00),
		A("femms",              2, 0x0f, 0x0e),
		A("emms",               2, 0x0f, 0x77),
		A("bswap eax",          2, 0x0f, 0xc8),
		L("bswap rax",          1, 1, 1, 3, 0x48, 0x0f, 0xc8),
		A("push fs",            2, 0x0f, 0xa0),
		A("pop gs",             2, 0x0f, 0xa9),
		A("rsm",                2, 0x0f, 0xaa),
		A("getsec",             2, 0x0f, 0x37),
		A("seto al",            3, 0x0f, 0x90, 0xc0),
		A("cmovo",              3, 0x0f, 0x40, 0xc1),
		A("sldt [bx+si]",       3, 0x0f, 0x00, 0x00),
		A("lar",                3, 0x0f, 0x02, 0xc0),
		A("lsl",                3, 0x0f, 0x03, 0xc0),
		A("fxsave [bx+si]",     3, 0x0f, 0xae, 0x00),
		A("xsave [bx+si]",      3, 0x0f, 0xae, 0x20),
		L("xsave64",            1, 1, 1, 4, 0x48, 0x0f, 0xae, 0x20),
		A("cmpxchg8b",          3, 0x0f, 0xc7, 0x08),
		A("movups",             3, 0x0f, 0x10, 0xc1),
		A("movsd",              4, 0xf2, 0x0f, 0x10, 0xc1),
		A("movdqa",             4, 0x66, 0x0f, 0x6f, 0xc1),
		A("movntps",            3, 0x0f, 0x2b, 0x00),
		A("cvtpi2ps",           3, 0x0f, 0x2a, 0xc1),
		A("movmskps",           3, 0x0f, 0x50, 0xc1),
		A("pmovmskb",           3, 0x0f, 0xd7, 0xc1),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_three_byte_maps(void **state)
{
	static const struct len_case t[] = {
		A("pshufb mm",          4, 0x0f, 0x38, 0x00, 0xc1),
		A("pshufb xmm",         5, 0x66, 0x0f, 0x38, 0x00, 0xc1),
		A("movbe",              4, 0x0f, 0x38, 0xf0, 0x07),
		A("crc32",              5, 0xf2, 0x0f, 0x38, 0xf1, 0xc1),
		A("aesenc",             5, 0x66, 0x0f, 0x38, 0xdc, 0xc1),
		S("pmaddubsw [d16]/[esi]", 6, 4, 0x0f, 0x38, 0x04, 0x06, 0x34, 0x12),
		A("palignr mm",         5, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
		A("palignr xmm",        6, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
		A("pcmpistri",          6, 0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x00),
		A("pclmulqdq",          6, 0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x00),
		S("roundss [di]/[d32]", 6, 10, 0x66, 0x0f, 0x3a, 0x0a, 0x05, 0x00, 0x10, 0x00, 0x00, 0x04),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_vex(void **state)
{
	static const struct len_case t[] = {
		A("vzeroupper",                3, 0xc5, 0xf8, 0x77),
		A("vzeroall",                  3, 0xc5, 0xfc, 0x77),
		A("vmovdqa xmm0, [bx]/[edi]",  4, 0xc5, 0xf9, 0x6f, 0x07),
		S("vmovdqa ymm0, [di]/[d32]",  4, 8, 0xc5, 0xfd, 0x6f, 0x05, 0x00, 0x10, 0x00, 0x00),
		A("vmovups [bx+si]",           4, 0xc5, 0xf8, 0x10, 0x00),
		A("vpshufd ib",                5, 0xc5, 0xf9, 0x70, 0xc1, 0x1b),
		A("vshufpd ib",                5, 0xc5, 0xf9, 0xc6, 0xc1, 0x01),
		A("vpextrw ib",                5, 0xc5, 0xf9, 0xc5, 0xc1, 0x01),
		A("vpsrlq ib",                 5, 0xc5, 0xf1, 0x73, 0xd0, 0x04),
		A("vbroadcastss (0F38)",       5, 0xc4, 0xe2, 0x79, 0x18, 0x07),
		A("vpalignr (0F3A)",           6, 0xc4, 0xe3, 0x71, 0x0f, 0xc2, 0x08),
		A("vmovq rax, xmm0 (VEX.W)",   5, 0xc4, 0xe1, 0xf9, 0x7e, 0xc0),
		A("andn (BMI1)",               5, 0xc4, 0xe2, 0x78, 0xf2, 0xc1),
		A("rorx (BMI2)",               6, 0xc4, 0xe3, 0x7b, 0xf0, 0xc1, 0x05),
		L("vmovups [si]/[r12]",        5, 5, 6, 6, 0xc4, 0xc1, 0x78, 0x10, 0x04, 0x24),
		A("cs: vzeroupper",            4, 0x2e, 0xc5, 0xf8, 0x77),
		A("addr vbroadcastss",         6, 0x67, 0xc4, 0xe2, 0x79, 0x18, 0x07),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_evex(void **state)
{
	static const struct len_case t[] = {
		A("vmovups zmm0, [bx]/[edi]",  6, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07),
		A("vmovups zmm0, [..+d8*N]",   7, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x47, 0x01),
		S("vmovups zmm0, [di]/[d32]",  6, 10, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x05, 0x00, 0x10, 0x00, 0x00),
		A("vpshufd zmm ib (0F)",       7, 0x62, 0xf1, 0x7d, 0x48, 0x70, 0xc1, 0x1b),
		A("vbroadcastss zmm (0F38)",   6, 0x62, 0xf2, 0x7d, 0x48, 0x18, 0x07),
		A("vpalignr zmm (0F3A)",       7, 0x62, 0xf3, 0x75, 0x48, 0x0f, 0xc2, 0x08),
		A("vaddph (map 5)",            6, 0x62, 0xf5, 0x7c, 0x48, 0x58, 0xc1),
		A("vfmadd132ph (map 6)",       6, 0x62, 0xf6, 0x7d, 0x48, 0x98, 0xc1),
		/* outside 64-bit mode mod!=11 after 62 is BOUND */
		L("bound [bx+di+d8] / EVEX",   3, 3, 3, 6, 0x62, 0x71, 0x7c, 0x48, 0x10, 0x07),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_xop(void **state)
{
	static const struct len_case t[] = {
		A("vprotb ib (map 8)",      6, 0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x05),
		A("vfrczps (map 9)",        5, 0x8f, 0xe9, 0x78, 0x80, 0xc1),
		A("blcfill (map 9)",        5, 0x8f, 0xe9, 0x78, 0x01, 0xc8),
		A("bextr id (map 0A)",      9, 0x8f, 0xea, 0x78, 0x10, 0xc0, 0x78, 0x56, 0x34, 0x12),
		A("pop eax",                2, 0x8f, 0xc0),
		A("pop [bx]/[edi]",         2, 0x8f, 0x07),
		S("pop [d16]/[esi]",        4, 2, 0x8f, 0x06, 0x34, 0x12),
		S("pop [di]/[rip+d32]",     2, 6, 0x8f, 0x05, 0x00, 0x10, 0x00, 0x00),
	};

	(void)state;
	CHECK_TABLE(t);
}

static void test_x87(void **state)
{
	static const struct len_case t[] = {
		A("fwait",                1, 0x9b),
		A("fld st0",              2, 0xd9, 0xc0),
		A("fld1",                 2, 0xd9, 0xe8),
		A("fnstsw ax",            2, 0xdf, 0xe0),
		A("fninit",               2, 0xdb, 0xe3),
		S("fld qword [d16]/[esi]", 4, 2, 0xdd, 0x06, 0x34, 0x12),
		S("fld dword [di]/[d32]", 2, 6, 0xd9, 0x05, 0x00, 0x10, 0x00, 0x00),
		S("fadd [si+8]/[esp+8]",  3, 4, 0xd8, 0x44, 0x24, 0x08),
	};

	(void)state;
	CHECK_TABLE(t);
}

/* ---- decoded fields ---- */

static struct insn ok(enum cpu_mode mode, const uint8_t *b, size_t n)
{
	struct insn in;

	assert_int_equal(decode(b, n, mode, &in), DECODE_OK);
	check_sums(&in);
	return in;
}

#define OK(mode, ...) ok(mode, (const uint8_t[]){ __VA_ARGS__ }, \
			 sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_fields_prefixes(void **state)
{
	struct insn in;

	(void)state;
	in = OK(MODE_PROT32, 0xf0, 0xf3, 0x66, 0x67, 0x2e, 0xa5);
	assert_int_equal(in.len, 6);
	assert_int_equal(in.prefixes, 5);
	assert_true(in.lock && in.opsize && in.addrsize);
	assert_int_equal(in.rep, 0xf3);
	assert_int_equal(in.seg_override, 0x2e);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.addr_size, 2);
	assert_int_equal(in.opcode[0], 0xa5);

	in = OK(MODE_LONG64, 0x66, 0x67, 0xa5);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.addr_size, 4);
	in = OK(MODE_LONG64, 0xa5);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.addr_size, 8);
	in = OK(MODE_REAL16, 0x66, 0x67, 0xa5);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.addr_size, 4);
	in = OK(MODE_PROT16, 0xa5);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.addr_size, 2);

	/* the last of a group wins */
	in = OK(MODE_PROT32, 0xf2, 0xf3, 0xa6);
	assert_int_equal(in.rep, 0xf3);
	in = OK(MODE_PROT32, 0xf3, 0xf2, 0xa6);
	assert_int_equal(in.rep, 0xf2);
	in = OK(MODE_PROT32, 0x26, 0x64, 0x8b, 0x00);
	assert_int_equal(in.seg_override, 0x64);
	in = OK(MODE_PROT32, 0x90);
	assert_int_equal(in.seg_override, 0);
	assert_int_equal(in.rep, 0);
	assert_false(in.lock || in.opsize || in.addrsize);
}

static void test_fields_rex(void **state)
{
	struct insn in;

	(void)state;
	in = OK(MODE_LONG64, 0x66, 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
	assert_int_equal(in.rex, 0x48);
	assert_true(in.rex_w);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(in.prefixes, 2);
	assert_int_equal(in.imm_bytes, 8);
	assert_int_equal(in.imm, 0x1122334455667788ull);

	in = OK(MODE_LONG64, 0x48, 0x66, 0xb8, 0x34, 0x12);
	assert_int_equal(in.rex, 0);
	assert_false(in.rex_w);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.prefixes, 2);
	assert_int_equal(in.imm, 0x1234);

	in = OK(MODE_LONG64, 0x4c, 0x8b, 0x04, 0x24);
	assert_int_equal(in.rex, 0x4c);
	assert_int_equal(in.rex & REX_R, REX_R);
	assert_true(in.has_modrm && in.has_sib);
	assert_int_equal(in.modrm, 0x04);
	assert_int_equal(in.sib, 0x24);

	/* outside 64-bit mode 40-4F are INC/DEC */
	in = OK(MODE_PROT32, 0x48, 0xb8, 1, 2, 3, 4);
	assert_int_equal(in.len, 1);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.opcode[0], 0x48);
}

static void test_fields_modrm(void **state)
{
	struct insn in;

	(void)state;
	in = OK(MODE_PROT32, 0x8b, 0x44, 0x24, 0xf8);
	assert_true(in.has_sib);
	assert_int_equal(in.disp_bytes, 1);
	assert_int_equal(in.disp, (uint64_t)-8);

	in = OK(MODE_REAL16, 0x8b, 0x86, 0x00, 0x80);
	assert_false(in.has_sib);
	assert_int_equal(in.disp_bytes, 2);
	assert_int_equal(in.disp, (uint64_t)-0x8000);

	in = OK(MODE_LONG64, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp_bytes, 4);
	assert_int_equal(in.disp, 0x12345678);

	in = OK(MODE_LONG64, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x80);
	assert_int_equal(in.disp, 0xffffffff80000000ull);

	in = OK(MODE_PROT32, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12);
	assert_false(in.rip_relative);
	assert_int_equal(in.disp, 0x12345678);

	/* SIB with no base in 64-bit mode is absolute, not RIP-relative */
	in = OK(MODE_LONG64, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00);
	assert_false(in.rip_relative);
	assert_int_equal(in.disp, 0x1000);

	/* MOV CR: mod=00 rm=101 is still a register, no displacement */
	in = OK(MODE_PROT32, 0x0f, 0x20, 0x05);
	assert_true(in.has_modrm);
	assert_int_equal(in.modrm, 0x05);
	assert_int_equal(in.disp_bytes, 0);
	assert_false(in.has_sib);
	in = OK(MODE_LONG64, 0x0f, 0x22, 0x05);
	assert_false(in.rip_relative);
	assert_int_equal(in.len, 3);
}

static void test_fields_immediates(void **state)
{
	struct insn in;

	(void)state;
	in = OK(MODE_PROT32, 0xe5, 0x71);
	assert_int_equal(in.imm_bytes, 1);
	assert_int_equal(in.imm, 0x71);
	assert_int_equal(in.op_size, 4);
	in = OK(MODE_PROT32, 0x66, 0xe7, 0x80);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.imm, 0x80);
	in = OK(MODE_PROT32, 0xec);
	assert_int_equal(in.imm_bytes, 0);

	in = OK(MODE_PROT32, 0xc8, 0x10, 0x00, 0x01);
	assert_int_equal(in.imm_bytes, 3);
	assert_int_equal(in.imm, 0x010010);

	in = OK(MODE_PROT32, 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00);
	assert_int_equal(in.imm_bytes, 6);
	assert_int_equal(in.imm, 0x000812345678ull);
	in = OK(MODE_REAL16, 0xea, 0x34, 0x12, 0x00, 0xf0);
	assert_int_equal(in.imm_bytes, 4);
	assert_int_equal(in.imm, 0xf0001234);

	in = OK(MODE_PROT32, 0x66, 0x0f, 0x78, 0xc0, 0x01, 0x02);
	assert_int_equal(in.imm_bytes, 2);
	assert_int_equal(in.imm, 0x0201);

	in = OK(MODE_PROT32, 0xf7, 0xc0, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(in.imm, 0x12345678);
	in = OK(MODE_PROT32, 0xf7, 0xd0);
	assert_int_equal(in.imm_bytes, 0);

	in = OK(MODE_LONG64, 0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp, 0x1000);
	assert_int_equal(in.imm, 0x12345678);
}

static void test_fields_moffs(void **state)
{
	struct insn in;

	(void)state;
	in = OK(MODE_LONG64, 0xa1, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x80);
	assert_int_equal(in.disp_bytes, 8);
	assert_int_equal(in.disp, 0x80000000fee00000ull);
	assert_int_equal(in.imm_bytes, 0);
	assert_false(in.has_modrm);

	/* zero-extended: an absolute offset, not a displacement */
	in = OK(MODE_LONG64, 0x67, 0xa3, 0x00, 0x00, 0x00, 0x80);
	assert_int_equal(in.disp_bytes, 4);
	assert_int_equal(in.disp, 0x80000000ull);

	in = OK(MODE_REAL16, 0xa0, 0x00, 0x80);
	assert_int_equal(in.disp_bytes, 2);
	assert_int_equal(in.disp, 0x8000);
}

static void test_fields_maps(void **state)
{
	struct insn in;

	(void)state;
	in = OK(MODE_PROT32, 0x0f, 0xa2);
	assert_int_equal(in.map, INSN_MAP_0F);
	assert_int_equal(in.opcode_bytes, 2);
	assert_memory_equal(in.opcode, ((const uint8_t[]){ 0x0f, 0xa2, 0 }), 3);
	assert_false(in.has_modrm);

	in = OK(MODE_PROT32, 0x0f, 0x01, 0xd9);
	assert_int_equal(in.modrm, 0xd9);

	in = OK(MODE_PROT32, 0x66, 0x0f, 0x38, 0x00, 0xc1);
	assert_int_equal(in.map, INSN_MAP_0F38);
	assert_int_equal(in.opcode_bytes, 3);
	assert_memory_equal(in.opcode, ((const uint8_t[]){ 0x0f, 0x38, 0x00 }), 3);

	in = OK(MODE_PROT32, 0x0f, 0x3a, 0x0f, 0xc1, 0x08);
	assert_int_equal(in.map, INSN_MAP_0F3A);
	assert_int_equal(in.imm, 0x08);

	in = OK(MODE_LONG64, 0xc5, 0xf8, 0x77);
	assert_int_equal(in.vex_len, 2);
	assert_memory_equal(in.vex, ((const uint8_t[]){ 0xc5, 0xf8 }), 2);
	assert_int_equal(in.map, INSN_MAP_0F);
	assert_int_equal(in.opcode_bytes, 1);
	assert_int_equal(in.opcode[0], 0x77);
	assert_false(in.has_modrm);

	in = OK(MODE_PROT32, 0xc4, 0xe3, 0x71, 0x0f, 0xc2, 0x08);
	assert_int_equal(in.vex_len, 3);
	assert_int_equal(in.map, INSN_MAP_0F3A);
	assert_int_equal(in.opcode[0], 0x0f);
	assert_int_equal(in.imm, 0x08);

	in = OK(MODE_LONG64, 0x62, 0xf5, 0x7c, 0x48, 0x58, 0xc1);
	assert_int_equal(in.vex_len, 4);
	assert_int_equal(in.map, INSN_MAP_EVEX5);

	in = OK(MODE_PROT32, 0x8f, 0xea, 0x78, 0x10, 0xc0, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(in.vex_len, 3);
	assert_int_equal(in.map, INSN_MAP_XOPA);
	assert_int_equal(in.imm, 0x12345678);

	in = OK(MODE_PROT32, 0xc4, 0x26, 0x00, 0x00);	/* LES, not VEX */
	assert_int_equal(in.vex_len, 0);
	assert_int_equal(in.map, INSN_MAP_1BYTE);
	assert_int_equal(in.len, 2);
}

/* ---- every opcode of every map ---- */

/* Nothing truncates with 15 bytes in hand; every OK decode adds up and
 * truncates on every shorter prefix. */
static void check_sweep(const uint8_t *head, size_t nhead, uint8_t fill)
{
	uint8_t b[INSN_MAX_LEN];

	memset(b, fill, sizeof(b));
	memcpy(b, head, nhead);
	for (int mode = MODE_REAL16; mode <= MODE_LONG64; mode++) {
		struct insn in, again;
		enum decode_status st = decode(b, sizeof(b), mode, &in);

		assert_int_not_equal(st, DECODE_TRUNCATED);
		if (st != DECODE_OK)
			continue;
		check_sums(&in);
		for (size_t k = 0; k < in.len; k++)
			assert_int_equal(decode(b, k, mode, &again), DECODE_TRUNCATED);
		assert_int_equal(decode(b, in.len, mode, &again), DECODE_OK);
		check_same(&in, &again);
	}
}

static void test_sweep_all_maps(void **state)
{
	static const uint8_t fills[] = { 0x00, 0x05, 0x25, 0x44, 0xc0, 0xff };

	(void)state;
	for (size_t f = 0; f < sizeof(fills); f++)
		for (unsigned op = 0; op < 256; op++) {
			const uint8_t h1[] = { (uint8_t)op };
			const uint8_t h2[] = { 0x0f, (uint8_t)op };
			const uint8_t h38[] = { 0x0f, 0x38, (uint8_t)op };
			const uint8_t h3a[] = { 0x0f, 0x3a, (uint8_t)op };
			const uint8_t hvex[] = { 0xc4, 0xe2, 0x79, (uint8_t)op };
			const uint8_t hevex[] = { 0x62, 0xf1, 0x7c, 0x48, (uint8_t)op };

			check_sweep(h1, sizeof(h1), fills[f]);
			check_sweep(h2, sizeof(h2), fills[f]);
			check_sweep(h38, sizeof(h38), fills[f]);
			check_sweep(h3a, sizeof(h3a), fills[f]);
			check_sweep(hvex, sizeof(hvex), fills[f]);
			check_sweep(hevex, sizeof(hevex), fills[f]);
		}
}

static void test_empty_input(void **state)
{
	struct insn in;

	(void)state;
	for (int mode = MODE_REAL16; mode <= MODE_LONG64; mode++)
		assert_int_equal(insn_decode(NULL, 0, mode, &in), DECODE_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hypervisor_insns),
		cmocka_unit_test(test_mov_cr_dr),
		cmocka_unit_test(test_port_io),
		cmocka_unit_test(test_mmio_access),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_rex),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_modrm16),
		cmocka_unit_test(test_modrm32),
		cmocka_unit_test(test_immediates),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_invalid_in_64),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_two_byte_map),
		cmocka_unit_test(test_three_byte_maps),
		cmocka_unit_test(test_vex),
		cmocka_unit_test(test_evex),
		cmocka_unit_test(test_xop),
		cmocka_unit_test(test_x87),
		cmocka_unit_test(test_fields_prefixes),
		cmocka_unit_test(test_fields_rex),
		cmocka_unit_test(test_fields_modrm),
		cmocka_unit_test(test_fields_immediates),
		cmocka_unit_test(test_fields_moffs),
		cmocka_unit_test(test_fields_maps),
		cmocka_unit_test(test_sweep_all_maps),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_loads_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
