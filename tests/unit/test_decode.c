/* Host tests for the instruction length decoder (svm/decode.c).
 *
 * Most cases are rows of a table: the bytes and the expected length in each
 * of the four modes (real, 16-bit protected, 32-bit protected, 64-bit). The
 * lengths where objdump (binutils 2.40, -m i8086 / i386 / i386:x86-64)
 * decodes the bytes were checked against it; the rows it does not decode as
 * the CPU does are marked "not objdump" with the reason (ignored REX placed
 * before a legacy prefix, AMD UD0, #UD prefix+VEX combinations, MOV TR).
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
		L("mov dword [rip+d32], imm32",  6, 6, 10, 10,
		  0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
		S("mov eax, moffs",              3, 5, 0xa1, 0x00, 0x00, 0xe0, 0xfe),
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

