/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the MMIO instruction emulator (svm/emulate.c).
 *
 * The main proof is differential: a generator writes random encodings of
 * every supported form in 64-bit mode (random prefixes among those the form
 * takes, random ModRM/SIB/displacement aimed into a test buffer, random
 * immediates, register contents and flags, DF both ways for the string
 * instructions with a small rCX), runs each on the host CPU and through
 * emulate_insn(), and compares the 16 GPRs, RFLAGS (undefined flags masked)
 * and the buffer byte for byte.
 *
 * The host run: a stub page (RWX, below 2 GiB so that RIP-relative and
 * 32-bit addresses reach the buffer beside it) holds a prologue that loads
 * RFLAGS and 15 GPRs from a struct, the instruction, and an epilogue that
 * stores them back. RSP is never an address base nor a destination: the
 * prologue records the RSP the instruction sees, and the emulator gets that
 * value. FS has glibc's TLS base; GS gets a base below the buffer
 * (arch_prctl), so both overrides are seen adding a base; the emulator gets
 * random ES/CS/SS/DS bases that 64-bit mode must ignore. LOCK on a form
 * that does not take it must be SIGILL on the host and EMU_UNSUPPORTED.
 *
 * The host is whatever CPU runs the tests (Intel or AMD): flags the manuals
 * leave undefined are masked per form (see svm/emulate.c for the values the
 * emulator gives them). 16- and 32-bit modes cannot run natively here and
 * have hand-written cases.
 *
 *   ./build/unit/test_emulate                   fixed seed
 *   EMU_SEED=123 EMU_ITERS=1000000 ./build/unit/test_emulate
 *
 * tests/fuzz/fuzz_emulate.c includes this file with EMU_DIFF_ONLY defined
 * to reuse the generator and the host runner with fuzzer bytes as the
 * random source. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "svm/decode.h"
#include "svm/emulate.h"

/* ==== the differential engine (shared with the fuzzer) ==== */

#define DF_FLAG (1ull << 10)
#define ARITH EMU_RFLAGS_ARITH

/* The register file the stub loads and stores: offsets are in the asm. */
struct regs {
	uint64_t gpr[16];	/* 0..120 */
	uint64_t rflags;	/* 128 */
};
_Static_assert(offsetof(struct regs, rflags) == 128, "stub offsets");

/* Prologue (RDI = struct regs *): callee-saved registers and the struct
 * pointer on the stack, the RSP the instruction will see into gpr[4], then
 * RFLAGS and every GPR but RSP, RDI last. Epilogue: RFLAGS and RAX first
 * (they are the only things the stores below would disturb), the rest
 * through RAX = the struct, CLD (the ABI wants DF clear), return. Copied
 * around the instruction at run time: no RIP-relative references. */
__asm__(".pushsection .text\n"
	".intel_syntax noprefix\n"
	".globl emu_test_pro, emu_test_pro_end, emu_test_epi, emu_test_epi_end\n"
	"emu_test_pro:\n"
	"	push rbx\n push rbp\n push r12\n push r13\n push r14\n push r15\n"
	"	push rdi\n"
	"	mov [rdi + 32], rsp\n"
	"	push qword ptr [rdi + 128]\n"
	"	popfq\n"
	"	mov rax, [rdi + 0]\n mov rcx, [rdi + 8]\n mov rdx, [rdi + 16]\n"
	"	mov rbx, [rdi + 24]\n mov rbp, [rdi + 40]\n mov rsi, [rdi + 48]\n"
	"	mov r8, [rdi + 64]\n mov r9, [rdi + 72]\n mov r10, [rdi + 80]\n"
	"	mov r11, [rdi + 88]\n mov r12, [rdi + 96]\n mov r13, [rdi + 104]\n"
	"	mov r14, [rdi + 112]\n mov r15, [rdi + 120]\n"
	"	mov rdi, [rdi + 56]\n"
	"emu_test_pro_end:\n"
	"emu_test_epi:\n"
	"	pushfq\n"
	"	push rax\n"
	"	mov rax, [rsp + 16]\n"
	"	mov [rax + 8], rcx\n mov [rax + 16], rdx\n mov [rax + 24], rbx\n"
	"	mov [rax + 40], rbp\n mov [rax + 48], rsi\n mov [rax + 56], rdi\n"
	"	mov [rax + 64], r8\n mov [rax + 72], r9\n mov [rax + 80], r10\n"
	"	mov [rax + 88], r11\n mov [rax + 96], r12\n mov [rax + 104], r13\n"
	"	mov [rax + 112], r14\n mov [rax + 120], r15\n"
	"	pop qword ptr [rax + 0]\n"
	"	pop qword ptr [rax + 128]\n"
	"	cld\n"
	"	add rsp, 8\n"
	"	pop r15\n pop r14\n pop r13\n pop r12\n pop rbp\n pop rbx\n"
	"	ret\n"
	"emu_test_epi_end:\n"
	".att_syntax prefix\n"
	".popsection\n");
extern const uint8_t emu_test_pro[], emu_test_pro_end[], emu_test_epi[], emu_test_epi_end[];

#define DATA_SIZE (32 * 1024)
#define TARGET_LO (12 * 1024)	/* operands land in [TARGET_LO, TARGET_HI) */
#define TARGET_HI (20 * 1024)

static uint8_t *g_stub;		/* page: prologue, instruction, epilogue */
static uint8_t *g_insn;		/* where the instruction goes */
static uint8_t *g_data;		/* DATA_SIZE bytes right after the stub page */
static uint64_t g_fs_base, g_gs_base;
static sigjmp_buf g_jmp;
static volatile sig_atomic_t g_in_stub;

static void on_signal(int sig)
{
	if (g_in_stub)
		siglongjmp(g_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Maps the stub page and the buffer below 2 GiB, sets the GS base. */
static bool diff_init(bool catch_signals)
{
	uint8_t *p;

	if (g_stub)
		return true;
	p = mmap(NULL, 4096 + DATA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p == MAP_FAILED)
		return false;
	g_stub = p;
	g_data = p + 4096;
	memcpy(g_stub, emu_test_pro, (size_t)(emu_test_pro_end - emu_test_pro));
	g_insn = g_stub + (emu_test_pro_end - emu_test_pro);
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &g_fs_base) != 0)
		return false;
	/* a base below the buffer, so that GS with 32-bit addresses reaches it */
	g_gs_base = ((uintptr_t)g_data / 2) & ~0xfffull;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, g_gs_base) != 0)
		return false;
	if (catch_signals) {
		struct sigaction sa = { .sa_handler = on_signal };

		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGILL, &sa, NULL);
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
	}
	return true;
}

/* Runs the instruction on the host: 0, or the signal it raised. */
static int native_run(const uint8_t *insn, unsigned len, struct regs *r)
{
	int sig;

	memcpy(g_insn, insn, len);
	memcpy(g_insn + len, emu_test_epi, (size_t)(emu_test_epi_end - emu_test_epi));
	__builtin___clear_cache((char *)g_stub, (char *)g_stub + 4096);
	sig = sigsetjmp(g_jmp, 1);
	if (sig)
		return sig;
	g_in_stub = 1;
	((void (*)(struct regs *))(uintptr_t)g_stub)(r);
	g_in_stub = 0;
	return 0;
}

/* ---- random source: a seeded PRNG, or the fuzzer's bytes ---- */

struct rnd {
	uint64_t s;		/* xorshift64* state, when p is NULL */
	const uint8_t *p;	/* fuzzer bytes, then zeros */
	size_t n;
};

static uint64_t rnd_u64(struct rnd *r)
{
	uint64_t v = 0;

	if (r->p) {
		for (unsigned i = 0; i < 8 && r->n; i++, r->n--)
			v |= (uint64_t)*r->p++ << (8 * i);
		return v;
	}
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* One byte's worth for small choices (the fuzzer spends one byte on each). */
static unsigned rnd_below(struct rnd *r, unsigned n)
{
	uint64_t v;

	if (r->p) {
		v = r->n ? *r->p : 0;
		if (r->n) {
			r->p++;
			r->n--;
		}
		if (n > 256)
			v = v << 8 | (rnd_u64(r) & 0xff);
		return (unsigned)(v % n);
	}
	return (unsigned)(rnd_u64(r) % n);
}

static bool rnd_chance(struct rnd *r, unsigned one_in)
{
	return rnd_below(r, one_in) == 0;
}

/* Values that reach the flag edges: 0, all ones, the sign bits, around them. */
static uint64_t rnd_value(struct rnd *r)
{
	static const uint64_t edge[] = {
		0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x0f, 0x10,
	};

	switch (rnd_below(r, 4)) {
	case 0:
		return edge[rnd_below(r, 16)] + (uint64_t)rnd_below(r, 3) - 1;
	case 1:
		return rnd_below(r, 256);
	default:
		return rnd_u64(r);
	}
}

/* ---- forms ---- */

enum { K_MODRM, K_MOFFS, K_STRING };

struct form {
	char name[16];
	uint8_t kind;
	uint8_t op[2];		/* op[0] == 0x0f: two-byte opcode */
	int8_t digit;		/* ModRM.reg fixed (/digit), or -1: a register */
	uint8_t imm;		/* 0, 1 (ib), 4 (iz) */
	bool rbyte;		/* ModRM.reg is a byte register */
	bool lock;		/* LOCK allowed */
	bool writes_reg;	/* ModRM.reg is written */
	bool bt_reg;		/* ModRM.reg is a bit offset */
	uint64_t undef;		/* flags left undefined */
};

static struct form g_forms[160];
static unsigned g_nforms;

static void form_add(const char *name, uint8_t kind, uint8_t op0, uint8_t op1, int digit,
		     unsigned imm, bool rbyte, bool lock, bool writes_reg, uint64_t undef)
{
	struct form *f = &g_forms[g_nforms++];

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->kind = kind;
	f->op[0] = op0;
	f->op[1] = op1;
	f->digit = (int8_t)digit;
	f->imm = (uint8_t)imm;
	f->rbyte = rbyte;
	f->lock = lock;
	f->writes_reg = writes_reg;
	f->undef = undef;
}

static void forms_init(void)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	const uint64_t logic_undef = EMU_RFLAGS_AF;
	const uint64_t bt_undef = EMU_RFLAGS_OF | EMU_RFLAGS_SF | EMU_RFLAGS_AF | EMU_RFLAGS_PF;
	char n[16];

	if (g_nforms)
		return;
	for (unsigned op = 0; op < 8; op++) {
		uint64_t u = op == 1 || op == 4 || op == 6 ? logic_undef : 0;

		for (unsigned d = 0; d < 4; d++) {
			snprintf(n, sizeof(n), "%s %02x", alu[op], op * 8 + d);
			form_add(n, K_MODRM, (uint8_t)(op * 8 + d), 0, -1, 0, !(d & 1),
				 !(d & 2) && op != 7, (d & 2) && op != 7, u);
		}
		for (unsigned g = 0; g < 3; g++) {
			static const uint8_t g1[3] = { 0x80, 0x81, 0x83 };

			snprintf(n, sizeof(n), "%s %02x", alu[op], g1[g]);
			form_add(n, K_MODRM, g1[g], 0, (int)op, g == 1 ? 4 : 1, false, op != 7, false, u);
		}
	}
	form_add("test 84", K_MODRM, 0x84, 0, -1, 0, true, false, false, logic_undef);
	form_add("test 85", K_MODRM, 0x85, 0, -1, 0, false, false, false, logic_undef);
	form_add("xchg 86", K_MODRM, 0x86, 0, -1, 0, true, true, true, 0);
	form_add("xchg 87", K_MODRM, 0x87, 0, -1, 0, false, true, true, 0);
	form_add("mov 88", K_MODRM, 0x88, 0, -1, 0, true, false, false, 0);
	form_add("mov 89", K_MODRM, 0x89, 0, -1, 0, false, false, false, 0);
	form_add("mov 8a", K_MODRM, 0x8a, 0, -1, 0, true, false, true, 0);
	form_add("mov 8b", K_MODRM, 0x8b, 0, -1, 0, false, false, true, 0);
	form_add("mov c6", K_MODRM, 0xc6, 0, 0, 1, false, false, false, 0);
	form_add("mov c7", K_MODRM, 0xc7, 0, 0, 4, false, false, false, 0);
	form_add("movsxd 63", K_MODRM, 0x63, 0, -1, 0, false, false, true, 0);
	for (unsigned w = 0; w < 2; w++) {
		uint8_t o = (uint8_t)(0xf6 + w);

		snprintf(n, sizeof(n), "test %02x/0", o);
		form_add(n, K_MODRM, o, 0, 0, w ? 4 : 1, false, false, false, logic_undef);
		snprintf(n, sizeof(n), "test %02x/1", o);
		form_add(n, K_MODRM, o, 0, 1, w ? 4 : 1, false, false, false, logic_undef);
		snprintf(n, sizeof(n), "not %02x", o);
		form_add(n, K_MODRM, o, 0, 2, 0, false, true, false, 0);
		snprintf(n, sizeof(n), "neg %02x", o);
		form_add(n, K_MODRM, o, 0, 3, 0, false, true, false, 0);
		snprintf(n, sizeof(n), "inc %02x", 0xfe + w);
		form_add(n, K_MODRM, (uint8_t)(0xfe + w), 0, 0, 0, false, true, false, 0);
		snprintf(n, sizeof(n), "dec %02x", 0xfe + w);
		form_add(n, K_MODRM, (uint8_t)(0xfe + w), 0, 1, 0, false, true, false, 0);
	}
	form_add("bt 0f a3", K_MODRM, 0x0f, 0xa3, -1, 0, false, false, false, bt_undef);
	form_add("bts 0f ab", K_MODRM, 0x0f, 0xab, -1, 0, false, true, false, bt_undef);
	form_add("btr 0f b3", K_MODRM, 0x0f, 0xb3, -1, 0, false, true, false, bt_undef);
	form_add("btc 0f bb", K_MODRM, 0x0f, 0xbb, -1, 0, false, true, false, bt_undef);
	for (unsigned i = 0; i < 4; i++)
		g_forms[g_nforms - 1 - i].bt_reg = true;
	for (unsigned d = 4; d < 8; d++) {
		snprintf(n, sizeof(n), "bt 0f ba/%u", d);
		form_add(n, K_MODRM, 0x0f, 0xba, (int)d, 1, false, d != 4, false, bt_undef);
	}
	form_add("movzx 0f b6", K_MODRM, 0x0f, 0xb6, -1, 0, false, false, true, 0);
	form_add("movzx 0f b7", K_MODRM, 0x0f, 0xb7, -1, 0, false, false, true, 0);
	form_add("movsx 0f be", K_MODRM, 0x0f, 0xbe, -1, 0, false, false, true, 0);
	form_add("movsx 0f bf", K_MODRM, 0x0f, 0xbf, -1, 0, false, false, true, 0);
	for (unsigned o = 0xa0; o <= 0xa3; o++) {
		snprintf(n, sizeof(n), "mov %02x", o);
		form_add(n, K_MOFFS, (uint8_t)o, 0, -1, 0, false, false, false, 0);
	}
	for (unsigned o = 0xa4; o <= 0xaf; o++) {
		static const char *const s[6] = { "movs", "cmps", "", "stos", "lods", "scas" };

		if (o == 0xa8 || o == 0xa9)
			continue;
		snprintf(n, sizeof(n), "%s %02x", s[(o - 0xa4) / 2], o);
		form_add(n, K_STRING, (uint8_t)o, 0, -1, 0, false, false, false, 0);
	}
}

/* ---- one generated case ---- */

struct tcase {
	const struct form *f;
	uint8_t b[32];		/* room to build; more than 15 is drawn again */
	unsigned len;
	struct regs in;
	uint64_t seg_base[EMU_NSEG];
	bool expect_ud;		/* LOCK where the CPU raises #UD */
	uint8_t fill;		/* data pattern: 0 random, else memset with it */
};

static const uint8_t seg_prefix[EMU_NSEG] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* The 15 registers an address may use: never RSP. */
static unsigned rnd_gpr_not_sp(struct rnd *r)
{
	unsigned g = rnd_below(r, 15);

	return g >= 4 ? g + 1 : g;
}

/* Builds a random instance of a random form aimed at g_data. allow_ud adds
 * LOCK to forms that refuse it now and then. false if the draw was unusable
 * (the caller draws again). */
static bool case_gen(struct rnd *r, struct tcase *c, bool allow_ud)
{
	const struct form *f = &g_forms[rnd_below(r, g_nforms)];
	uint8_t legacy[8], rex = 0;
	unsigned nlegacy = 0, pos = 0, seg = EMU_NSEG, opsize, asize;
	bool o66 = rnd_chance(r, 4), a67 = rnd_chance(r, 4), lock = false;
	uint64_t base_val = 0, amask, seg_off = 0;
	int base = -1, index = -1, disp_at = -1, disp_len = 0;
	unsigned reg = 0, mod = 0, rm = 0, scale = 0;
	uint64_t disp = 0, want_ea, target;

	memset(c, 0, sizeof(*c));
	c->f = f;
	if (rnd_chance(r, 2))
		rex = (uint8_t)(0x40 | rnd_below(r, 16));
	if (rnd_chance(r, 3))
		seg = rnd_below(r, EMU_NSEG);
	if (seg == EMU_FS && a67)
		seg = EMU_GS;	/* glibc's FS base is far above any 32-bit offset */
	if (f->lock)
		lock = rnd_chance(r, 3);
	else if (allow_ud && rnd_chance(r, 40))
		lock = c->expect_ud = true;
	if (o66)
		legacy[nlegacy++] = 0x66;
	if (a67)
		legacy[nlegacy++] = 0x67;
	if (seg != EMU_NSEG)
		legacy[nlegacy++] = seg_prefix[seg];
	if (lock)
		legacy[nlegacy++] = 0xf0;
	if (f->kind == K_STRING ? rnd_chance(r, 2) : rnd_chance(r, 12))
		legacy[nlegacy++] = rnd_chance(r, 2) ? 0xf3 : 0xf2;
	for (unsigned i = nlegacy; i > 1; i--) {
		unsigned j = rnd_below(r, i);
		uint8_t t = legacy[i - 1];

		legacy[i - 1] = legacy[j];
		legacy[j] = t;
	}
	/* now and then a REX the CPU ignores: not right before the opcode */
	if (nlegacy && rnd_chance(r, 16))
		c->b[pos++] = (uint8_t)(0x40 | rnd_below(r, 16));
	memcpy(c->b + pos, legacy, nlegacy);
	pos += nlegacy;
	if (rex)
		c->b[pos++] = rex;
	c->b[pos++] = f->op[0];
	if (f->op[0] == 0x0f)
		c->b[pos++] = f->op[1];
	opsize = rex & 8 ? 8 : o66 ? 2 : 4;
	asize = a67 ? 4 : 8;
	amask = asize == 8 ? ~0ull : 0xffffffffull;

	for (unsigned i = 0; i < 16; i++)
		c->in.gpr[i] = rnd_value(r);
	c->in.rflags = 0x202 | (rnd_u64(r) & (ARITH | DF_FLAG));
	for (unsigned s = 0; s < EMU_NSEG; s++)
		c->seg_base[s] = rnd_u64(r);	/* 64-bit mode ignores these four */
	c->seg_base[EMU_FS] = g_fs_base;
	c->seg_base[EMU_GS] = g_gs_base;
	if (seg == EMU_FS || seg == EMU_GS)
		seg_off = c->seg_base[seg];
	c->fill = rnd_chance(r, 3) ? (uint8_t)rnd_below(r, 256) | 1 : 0;
	target = (uintptr_t)g_data + TARGET_LO + rnd_below(r, TARGET_HI - TARGET_LO - 8);
	want_ea = (target - seg_off) & amask;

	if (f->kind == K_STRING) {
		unsigned n = rnd_chance(r, 16) ? rnd_below(r, 600) : rnd_below(r, 9);
		uint64_t junk = a67 ? rnd_u64(r) << 32 : 0;	/* ignored upper halves */

		c->in.gpr[1] = n | junk;
		c->in.gpr[6] = want_ea | (a67 ? rnd_u64(r) << 32 : 0);
		c->in.gpr[7] = (((uintptr_t)g_data + TARGET_LO + rnd_below(r, TARGET_HI - TARGET_LO - 8)) & amask) |
			       (a67 ? rnd_u64(r) << 32 : 0);
		if (c->fill && rnd_chance(r, 2))
			c->in.gpr[0] = c->fill * 0x0101010101010101ull;
		c->len = pos;
		return true;
	}
	if (f->kind == K_MOFFS) {
		for (unsigned i = 0; i < asize; i++)
			c->b[pos++] = (uint8_t)(want_ea >> (8 * i));
		c->len = pos;
		return c->len <= INSN_MAX_LEN;
	}

	/* ModRM.reg: the /digit, or a register the rules allow */
	if (f->digit >= 0) {
		reg = (unsigned)f->digit | (rex & 4 ? 8 : 0);
	} else {
		reg = ((rex & 4) ? 8 : 0) | rnd_below(r, 8);
		/* writing RSP (not AH: byte register 4 without REX) would lose the stack */
		if ((f->writes_reg || f->bt_reg) && reg == 4 && !(f->rbyte && !rex))
			return false;
	}

	/* the address form */
	mod = rnd_below(r, 3);
	switch (rnd_below(r, 8)) {
	case 0:		/* RIP-relative */
		mod = 0;
		rm = 5;
		disp_len = 4;
		break;
	case 1:
	case 2:
	case 3:		/* base register, no SIB */
		base = (int)rnd_gpr_not_sp(r);
		if ((base & 7) == 4)
			return false;	/* that needs a SIB */
		if ((base & 7) == 5 && mod == 0)
			mod = 1;
		rm = base & 7;
		disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		break;
	default:	/* SIB */
		rm = 4;
		if (rnd_chance(r, 5)) {
			mod = 0;	/* no base: disp32 */
			disp_len = 4;
		} else {
			base = (int)rnd_gpr_not_sp(r);
			if ((base & 7) == 5 && mod == 0)
				mod = 1;
			disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		}
		if (!rnd_chance(r, 4))
			index = (int)rnd_gpr_not_sp(r);
		if (index == base && base >= 0)
			index = -1;
		scale = rnd_below(r, 4);
		break;
	}
	/* REX.B/X must match what was drawn: rebuild the REX byte */
	if (base >= 0 || index >= 0 || rex) {
		uint8_t need = (uint8_t)((base >= 8 ? 1 : 0) | (index >= 8 ? 2 : 0));

		if (need && !rex)
			return false;	/* keep the prefix layout as drawn */
		if (rex) {
			rex = (uint8_t)((rex & ~3) | need);
			c->b[pos - (f->op[0] == 0x0f ? 3 : 2)] = rex;
		}
	}
	/* the bit-offset register must be none of the address registers */
	if (f->bt_reg && ((int)reg == base || (int)reg == index))
		return false;
	c->b[pos++] = (uint8_t)(mod << 6 | (reg & 7) << 3 | rm);
	if (rm == 4)
		c->b[pos++] = (uint8_t)(scale << 6 | (index >= 0 ? index & 7 : 4) << 3 |
					(base >= 0 ? base & 7 : 5));
	if (disp_len == 1)
		disp = (uint64_t)(int64_t)(int8_t)rnd_below(r, 256);
	else if (disp_len == 4 && base >= 0)
		disp = (uint64_t)(int64_t)(int32_t)(rnd_below(r, 8192) - 4096);
	disp_at = (int)pos;
	pos += (unsigned)disp_len;
	if (f->imm == 1) {
		c->b[pos++] = (uint8_t)rnd_value(r);
	} else if (f->imm == 4) {
		uint64_t v = rnd_value(r);

		for (unsigned i = 0; i < (opsize == 2 ? 2u : 4u); i++)
			c->b[pos++] = (uint8_t)(v >> (8 * i));
	}
	c->len = pos;
	if (c->len > INSN_MAX_LEN)
		return false;

	/* registers and displacement that put the operand at target */
	if (index >= 0) {
		c->in.gpr[index] = (uint64_t)(int64_t)(int)(rnd_below(r, 512) - 256);
		if (a67)
			c->in.gpr[index] |= rnd_u64(r) << 32;
	}
	if (rm == 5 && mod == 0) {	/* RIP-relative */
		disp = (want_ea - ((uintptr_t)g_insn + c->len)) & amask;
		if (asize == 8 && (int64_t)disp != (int32_t)disp)
			return false;	/* FS: too far from RIP */
	} else if (base < 0) {		/* disp32 (+ index): sign-extended in 64-bit */
		uint64_t ix = index >= 0 ? c->in.gpr[index] << scale : 0;

		disp = (want_ea - ix) & amask;
		if (asize == 8 && (int64_t)disp != (int32_t)disp)
			return false;
	} else {
		uint64_t ix = index >= 0 ? c->in.gpr[index] << scale : 0;

		base_val = want_ea - ix - disp;
		if (a67)
			base_val = (base_val & 0xffffffffull) | rnd_u64(r) << 32;
		c->in.gpr[base] = base_val;
	}
	for (int i = 0; i < disp_len; i++)
		c->b[disp_at + i] = (uint8_t)(disp >> (8 * i));

	/* a bit offset that stays within 512 bytes of the operand */
	if (f->bt_reg) {
		int64_t off = (int64_t)rnd_below(r, 8192) - 4096;
		uint64_t m = opsize == 8 ? ~0ull : (1ull << (8 * opsize)) - 1;

		c->in.gpr[reg] = ((uint64_t)off & m) | (rnd_u64(r) & ~m);
	}
	return true;
}

/* ---- the emulator side ---- */

struct diff_mem {
	bool stray;		/* an access outside the buffer */
	uint64_t stray_at;
	unsigned reads, writes;
};

static bool in_data(uint64_t linear, unsigned size)
{
	uint64_t lo = (uintptr_t)g_data;

	return linear >= lo && linear + size <= lo + DATA_SIZE && linear + size > linear;
}

static bool diff_read(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	struct diff_mem *m = ctx;

	m->reads++;
	if ((size != 1 && size != 2 && size != 4 && size != 8) || !in_data(linear, size)) {
		m->stray = true;
		m->stray_at = linear;
		return false;
	}
	*val = 0;
	memcpy(val, (void *)(uintptr_t)linear, size);
	return true;
}

static bool diff_write(void *ctx, uint64_t linear, unsigned size, uint64_t val)
{
	struct diff_mem *m = ctx;

	m->writes++;
	if ((size != 1 && size != 2 && size != 4 && size != 8) || !in_data(linear, size)) {
		m->stray = true;
		m->stray_at = linear;
		return false;
	}
	memcpy((void *)(uintptr_t)linear, &val, size);
	return true;
}

static const struct emu_ops diff_ops = { .read = diff_read, .write = diff_write };

static const char *const gpr_name[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static int appendf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int appendf(char *buf, size_t n, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;
	int k;

	if (l >= n)
		return 0;
	va_start(ap, fmt);
	k = vsnprintf(buf + l, n - l, fmt, ap);
	va_end(ap);
	return k;
}

static void case_describe(const struct tcase *c, char *why, size_t n)
{
	appendf(why, n, " [%s:", c->f->name);
	for (unsigned i = 0; i < c->len; i++)
		appendf(why, n, " %02x", c->b[i]);
	appendf(why, n, "]\n  in: rflags %#" PRIx64, c->in.rflags);
	for (unsigned i = 0; i < 16; i++)
		appendf(why, n, "%s%s %#" PRIx64, i % 4 ? "  " : "\n  ", gpr_name[i], c->in.gpr[i]);
}

/* Runs c natively and through the emulator from the same state; false with
 * the difference in why. */
/* Is the host an Intel CPU? (CPUID vendor "GenuineIntel") */
static bool host_zeroes_idle_string_regs(void)
{
	static int intel = -1;

	if (intel < 0) {
		unsigned a, b, c, d;

		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
		intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;
	}
	return intel;
}

static bool diff_case(const struct tcase *c, char *why, size_t n)
{
	static uint8_t before[DATA_SIZE], native_data[DATA_SIZE];
	struct regs nat = c->in;
	struct emu_cpu cpu = { .mode = MODE_LONG64 };
	struct diff_mem mem = { 0 };
	enum emu_status st = EMU_DONE;
	uint64_t mask = ~c->f->undef;
	uint8_t bytes[INSN_MAX_LEN + 4];
	unsigned calls = 0, avail;
	int sig;
	struct insn in;

	why[0] = 0;
	if (insn_decode(c->b, c->len, MODE_LONG64, &in) != DECODE_OK || in.len != c->len) {
		appendf(why, n, "generator: the bytes do not decode to %u bytes", c->len);
		case_describe(c, why, n);
		return false;
	}
	if (c->fill)
		memset(g_data, c->fill, DATA_SIZE);
	else
		for (unsigned i = 0; i < DATA_SIZE; i += 8) {
			uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ull ^ c->in.gpr[0] ^ c->in.rflags;

			memcpy(g_data + i, &v, 8);
		}
	if (c->fill && c->in.gpr[2] & 1)	/* one odd byte for REPE/REPNE to stop at */
		g_data[TARGET_LO + (c->in.gpr[2] >> 8) % (TARGET_HI - TARGET_LO)] ^= 0x5a;
	memcpy(before, g_data, DATA_SIZE);

	sig = native_run(c->b, c->len, &nat);
	memcpy(native_data, g_data, DATA_SIZE);
	memcpy(g_data, before, DATA_SIZE);

	memcpy(cpu.gpr, c->in.gpr, sizeof(cpu.gpr));
	cpu.gpr[4] = nat.gpr[4];	/* the RSP the instruction saw */
	cpu.rflags = c->in.rflags;
	cpu.rip = (uintptr_t)g_insn;
	memcpy(cpu.seg_base, c->seg_base, sizeof(cpu.seg_base));
	/* sometimes bytes past the instruction: the decoder must stop at len */
	memset(bytes, 0x90, sizeof(bytes));
	memcpy(bytes, c->b, c->len);
	avail = c->len + (c->in.gpr[3] & 1 ? 4 : 0);
	if (avail > INSN_MAX_LEN + 4)
		avail = INSN_MAX_LEN + 4;
	do {
		st = emulate_insn(&cpu, bytes, avail, &diff_ops, &mem);
		calls++;
	} while (st == EMU_DONE && cpu.rip == (uintptr_t)g_insn && calls < 100);

	if (c->expect_ud) {
		if (sig != SIGILL)
			appendf(why, n, "LOCK: the host did not raise #UD (signal %d)", sig);
		else if (st != EMU_UNSUPPORTED)
			appendf(why, n, "LOCK: the host raised #UD, the emulator returned %d", st);
		if (why[0])
			case_describe(c, why, n);
		return !why[0];
	}
	if (sig) {
		appendf(why, n, "the host raised signal %d (generator bug)", sig);
		case_describe(c, why, n);
		return false;
	}
	if (mem.stray)
		appendf(why, n, "emulator accessed %#" PRIx64 " outside the buffer\n", mem.stray_at);
	if (st != EMU_DONE)
		appendf(why, n, "emulator returned %d\n", st);
	if (cpu.rip != (uintptr_t)g_insn + c->len)
		appendf(why, n, "rip %#" PRIx64 ", want %#" PRIx64 " (%u calls)\n", cpu.rip,
			(uint64_t)(uintptr_t)g_insn + c->len, calls);
	if (host_zeroes_idle_string_regs() && in.rep && in.addr_size == 4 &&
	    (in.opcode[0] & 0xf0) == 0xa0 && in.opcode[0] >= 0xa4 && (in.opcode[0] & 0xfe) != 0xa8) {
		/* An Intel host zeroes the upper halves of a REP string
		 * instruction's address-size registers with a 32-bit address
		 * size even when ECX is 0 (svm/emulate.c follows AMD) */
		unsigned kind = in.opcode[0] & 0xfe;

		cpu.gpr[1] &= 0xffffffff;
		if (kind == 0xa4)
			cpu.gpr[6] &= 0xffffffff;
		if (kind == 0xa4 || kind == 0xaa)
			cpu.gpr[7] &= 0xffffffff;
	}
	for (unsigned i = 0; i < 16; i++)
		if (cpu.gpr[i] != nat.gpr[i])
			appendf(why, n, "%s: emulator %#" PRIx64 ", host %#" PRIx64 "\n", gpr_name[i],
				cpu.gpr[i], nat.gpr[i]);
	if ((cpu.rflags & mask) != (nat.rflags & mask))
		appendf(why, n, "rflags: emulator %#" PRIx64 ", host %#" PRIx64 " (compared %#" PRIx64 ")\n",
			cpu.rflags, nat.rflags, mask);
	for (unsigned i = 0; memcmp(g_data, native_data, DATA_SIZE) && i < DATA_SIZE; i++)
		if (g_data[i] != native_data[i]) {
			appendf(why, n, "data+%#x: emulator %02x, host %02x (was %02x)\n", i, g_data[i],
				native_data[i], before[i]);
			break;
		}
	if (why[0])
		case_describe(c, why, n);
	return !why[0];
}

#ifndef EMU_DIFF_ONLY
/* ==== cmocka tests ==== */

#include <cmocka.h>

/* ---- a fake memory for the hand-written cases ---- */

#define LOG_MAX 64

struct access {
	char rw;
	uint64_t linear;
	unsigned size;
	uint64_t val;
};

struct fake {
	uint64_t base;		/* linear address of mem[0] */
	uint8_t mem[0x20000];
	int fail_after;		/* accesses that succeed before one fails; -1 never */
	unsigned n;
	struct access log[LOG_MAX];
};

static struct fake g_fake;

static bool fake_access(struct fake *f, char rw, uint64_t linear, unsigned size, uint64_t *val)
{
	if (f->n < LOG_MAX)
		f->log[f->n] = (struct access){ rw, linear, size, rw == 'w' ? *val : 0 };
	f->n++;
	if (f->fail_after >= 0 && f->fail_after-- == 0)
		return false;
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(linear >= f->base && linear - f->base + size <= sizeof(f->mem));
	if (rw == 'r') {
		*val = 0;
		memcpy(val, f->mem + (linear - f->base), size);
		if (f->n <= LOG_MAX)
			f->log[f->n - 1].val = *val;
	} else {
		memcpy(f->mem + (linear - f->base), val, size);
	}
	return true;
}

static bool fake_read(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	return fake_access(ctx, 'r', linear, size, val);
}

static bool fake_write(void *ctx, uint64_t linear, unsigned size, uint64_t val)
{
	return fake_access(ctx, 'w', linear, size, &val);
}

static const struct emu_ops fake_ops = { .read = fake_read, .write = fake_write };

static void fake_reset(uint64_t base)
{
	memset(&g_fake, 0, sizeof(g_fake));
	g_fake.base = base;
	g_fake.fail_after = -1;
	for (unsigned i = 0; i < sizeof(g_fake.mem); i++)
		g_fake.mem[i] = (uint8_t)(i * 7 + 3);
}

static uint64_t fake_get(uint64_t linear, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, g_fake.mem + (linear - g_fake.base), size);
	return v;
}

static void fake_put(uint64_t linear, unsigned size, uint64_t v)
{
	memcpy(g_fake.mem + (linear - g_fake.base), &v, size);
}

static void expect_access(unsigned i, char rw, uint64_t linear, unsigned size)
{
	assert_true(i < g_fake.n);
	if (g_fake.log[i].rw != rw || g_fake.log[i].linear != linear || g_fake.log[i].size != size)
		fail_msg("access %u: %c %#" PRIx64 " size %u, want %c %#" PRIx64 " size %u", i,
			 g_fake.log[i].rw, g_fake.log[i].linear, g_fake.log[i].size, rw, linear, size);
}

#define EMU(cpu, ...) \
	emulate_insn((cpu), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), \
		     &fake_ops, &g_fake)

static struct emu_cpu cpu_in(enum cpu_mode mode)
{
	struct emu_cpu c = { .mode = mode, .rflags = 0x2, .rip = 0x1000 };

	for (unsigned i = 0; i < 16; i++)
		c.gpr[i] = 0x1111111111111111ull * (i + 1);
	return c;
}

/* ---- 16-bit addressing ---- */

static void test_real_mode_modrm16(void **state)
{
	struct emu_cpu c = cpu_in(MODE_REAL16);

	(void)state;
	fake_reset(0x10000);
	c.seg_base[EMU_DS] = 0x12340;
	c.seg_base[EMU_SS] = 0x20000;
	c.seg_base[EMU_ES] = 0x15000;
	c.gpr[3] = 0xaaaa0010;		/* BX: only the low 16 bits count */
	c.gpr[6] = 0xbbbbfff8;		/* SI */
	c.gpr[0] = 0x1234abcd;
	/* mov [bx+si+0x10], ax: 0x10 + 0xfff8 + 0x10 wraps to 0x0018 */
	assert_int_equal(EMU(&c, 0x89, 0x40, 0x10), EMU_DONE);
	expect_access(0, 'w', 0x12340 + 0x18, 2);
	assert_int_equal(fake_get(0x12340 + 0x18, 2), 0xabcd);
	assert_int_equal(c.rip, 0x1003);

	/* [bp+di] defaults to SS; ES override wins */
	c.gpr[5] = 0x100;
	c.gpr[7] = 0x20;
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x8b, 0x0b), EMU_DONE);	/* mov cx, [bp+di] */
	expect_access(0, 'r', 0x20000 + 0x120, 2);
	assert_int_equal(c.gpr[1], (0x2222222222222222ull & ~0xffffull) | fake_get(0x20120, 2));
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x26, 0x8b, 0x0b), EMU_DONE);
	expect_access(0, 'r', 0x15000 + 0x120, 2);

	/* mod=00 rm=110: disp16 alone, DS (not SS) */
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0xc6, 0x06, 0x34, 0x12, 0x99), EMU_DONE);
	expect_access(0, 'w', 0x12340 + 0x1234, 1);
	assert_int_equal(fake_get(0x13574, 1), 0x99);
	/* [bp+0] with mod=01 is SS-based */
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x80, 0x46, 0xfe, 0x01), EMU_DONE);	/* add byte [bp-2], 1 */
	expect_access(0, 'r', 0x20000 + 0xfe, 1);
	expect_access(1, 'w', 0x20000 + 0xfe, 1);
	/* [si], [di], [bx] and [bx+di+disp16] */
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x88, 0x24), EMU_DONE);	/* mov [si], ah */
	expect_access(0, 'w', 0x12340 + 0xfff8, 1);
	assert_int_equal(fake_get(0x12340 + 0xfff8, 1), 0xab);
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x89, 0x81, 0x00, 0x10), EMU_DONE);	/* mov [bx+di+0x1000], ax */
	expect_access(0, 'w', 0x12340 + 0x1030, 2);
}

static void test_addr_size_overrides(void **state)
{
	struct emu_cpu c = cpu_in(MODE_REAL16);

	(void)state;
	/* 67 in 16-bit code: 32-bit addressing, [eax+ecx*4+0x10] */
	fake_reset(0x10000);
	c.seg_base[EMU_DS] = 0x10000;
	c.gpr[0] = 0xffff0000ull << 32 | 0x100;
	c.gpr[1] = 0x8;
	c.gpr[2] = 0x55;
	assert_int_equal(EMU(&c, 0x67, 0x88, 0x54, 0x88, 0x10), EMU_DONE);	/* mov [eax+ecx*4+0x10], dl */
	expect_access(0, 'w', 0x10000 + 0x100 + 0x20 + 0x10, 1);
	assert_int_equal(c.rip, 0x1005);

	/* 67 in 32-bit code: 16-bit addressing wraps at 64 KiB */
	c = cpu_in(MODE_PROT32);
	fake_reset(0x10000);
	c.seg_base[EMU_DS] = 0x10000;
	c.gpr[3] = 0xffff;
	c.gpr[6] = 0x0002;
	c.gpr[0] = 0xdeadbeef;
	assert_int_equal(EMU(&c, 0x67, 0x89, 0x00), EMU_DONE);	/* mov [bx+si], eax */
	expect_access(0, 'w', 0x10001, 4);
	assert_int_equal(fake_get(0x10001, 4), 0xdeadbeef);
	/* 66 in 32-bit code: 16-bit operand */
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x66, 0x67, 0x89, 0x00), EMU_DONE);
	expect_access(0, 'w', 0x10001, 2);

	/* 32-bit code: SIB, disp32 alone, EBP base defaults to SS */
	c = cpu_in(MODE_PROT32);
	fake_reset(0x10000);
	c.seg_base[EMU_SS] = 0x4000;
	c.gpr[5] = 0xc000;
	assert_int_equal(EMU(&c, 0x8b, 0x45, 0x10), EMU_DONE);	/* mov eax, [ebp+0x10] */
	expect_access(0, 'r', 0x10010, 4);
	assert_int_equal(c.gpr[0], fake_get(0x10010, 4));	/* zero-extended */
	fake_reset(0x10000);
	assert_int_equal(EMU(&c, 0x8b, 0x05, 0x00, 0x00, 0x01, 0x00), EMU_DONE);	/* [0x10000] */
	expect_access(0, 'r', 0x10000, 4);
	fake_reset(0x10000);
	c.gpr[4] = 0xc100;
	assert_int_equal(EMU(&c, 0xff, 0x04, 0x24), EMU_DONE);	/* inc dword [esp] */
	expect_access(0, 'r', 0x10100, 4);
	fake_reset(0x10000);
	c.gpr[6] = 0x10100;
	/* [esi+ebp*1] with mod=00 base=esi: DS; base=ebp mod=01: SS */
	c.gpr[5] = 0x0;
	assert_int_equal(EMU(&c, 0xff, 0x04, 0x2e), EMU_DONE);	/* inc dword [esi+ebp] */
	expect_access(0, 'r', 0x10100, 4);
}

static void test_segments_and_wrap(void **state)
{
	struct emu_cpu c = cpu_in(MODE_PROT32);
	static const uint8_t pfx[EMU_NSEG] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

	(void)state;
	/* outside 64-bit mode every override adds its base */
	for (unsigned s = 0; s < EMU_NSEG; s++) {
		c = cpu_in(MODE_PROT32);
		for (unsigned k = 0; k < EMU_NSEG; k++)
			c.seg_base[k] = 0x1000 * (k + 1);
		c.seg_base[s] = 0x10000 + 0x100 * s;
		c.gpr[3] = 0x10;
		fake_reset(0x0);
		assert_int_equal(EMU(&c, pfx[s], 0x8a, 0x03), EMU_DONE);	/* mov al, seg:[ebx] */
		expect_access(0, 'r', 0x10010 + 0x100 * s, 1);
	}
	/* the linear address wraps at 4 GiB */
	c = cpu_in(MODE_PROT32);
	c.seg_base[EMU_DS] = 0xfffff000;
	c.gpr[3] = 0x2000;
	fake_reset(0x0);
	assert_int_equal(EMU(&c, 0x8a, 0x03), EMU_DONE);
	expect_access(0, 'r', 0x1000, 1);
	/* EIP wraps at 4 GiB, IP at 64 KiB */
	c.rip = 0xfffffffe;
	assert_int_equal(EMU(&c, 0x8a, 0x43, 0x00), EMU_DONE);
	assert_int_equal(c.rip, 0x1);
	c.mode = MODE_PROT16;
	c.seg_base[EMU_DS] = 0;
	c.rip = 0xffff;
	c.gpr[7] = 0;
	assert_int_equal(EMU(&c, 0x8a, 0x05), EMU_DONE);	/* mov al, [di] */
	assert_int_equal(c.rip, 0x1);

	/* 64-bit mode: ES CS SS DS bases ignored, FS GS added */
	c = cpu_in(MODE_LONG64);
	for (unsigned k = 0; k < EMU_NSEG; k++)
		c.seg_base[k] = 0x1000 * (k + 1);
	c.gpr[3] = 0x10;
	for (unsigned s = 0; s < EMU_NSEG; s++) {
		fake_reset(0x0);
		assert_int_equal(EMU(&c, pfx[s], 0x8a, 0x03), EMU_DONE);
		expect_access(0, 'r', s >= EMU_FS ? c.seg_base[s] + 0x10 : 0x10, 1);
	}
	/* 67 in 64-bit mode: the effective address (not the FS base) wraps */
	fake_reset(0x0);
	c.seg_base[EMU_FS] = 0x1000;
	c.gpr[3] = 0x12345678ffffffffull;
	assert_int_equal(EMU(&c, 0x64, 0x67, 0x8a, 0x43, 0x11), EMU_DONE);
	expect_access(0, 'r', 0x1000 + 0x10, 1);
	/* RIP-relative, and with 67 truncated to 32 bits */
	fake_reset(0x0);
	c.rip = 0x1000;
	assert_int_equal(EMU(&c, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), EMU_DONE);
	expect_access(0, 'r', 0x1106, 4);
	fake_reset(0x0);
	c.rip = 0xfffffff0;
	assert_int_equal(EMU(&c, 0x67, 0x8b, 0x05, 0x20, 0x00, 0x00, 0x00), EMU_DONE);
	expect_access(0, 'r', (0xfffffff0ull + 7 + 0x20) & 0xffffffff, 4);
	assert_int_equal(c.rip, 0xfffffff7);
}

static void test_moffs(void **state)
{
	struct emu_cpu c = cpu_in(MODE_REAL16);

	(void)state;
	fake_reset(0x0);
	c.seg_base[EMU_DS] = 0x1000;
	c.seg_base[EMU_ES] = 0x8000;
	assert_int_equal(EMU(&c, 0xa1, 0x34, 0x12), EMU_DONE);	/* mov ax, [0x1234] */
	expect_access(0, 'r', 0x2234, 2);
	assert_int_equal(c.gpr[0], (0x1111111111111111ull & ~0xffffull) | fake_get(0x2234, 2));
	assert_int_equal(c.rip, 0x1003);
	fake_reset(0x0);
	assert_int_equal(EMU(&c, 0x26, 0x67, 0x66, 0xa3, 0x10, 0x00, 0x01, 0x00), EMU_DONE);
	expect_access(0, 'w', 0x8000 + 0x10010, 4);	/* mov es:[0x10010], eax */
	assert_int_equal(fake_get(0x18010, 4), (uint32_t)c.gpr[0]);

	c = cpu_in(MODE_LONG64);
	fake_reset(0x0);
	assert_int_equal(EMU(&c, 0xa2, 0x10, 0x20, 0, 0, 0, 0, 0, 0), EMU_DONE);	/* moffs64 */
	expect_access(0, 'w', 0x2010, 1);
	assert_int_equal(c.rip, 0x1009);
	fake_reset(0x0);
	assert_int_equal(EMU(&c, 0x67, 0xa0, 0x10, 0x20, 0, 0), EMU_DONE);	/* moffs32 */
	expect_access(0, 'r', 0x2010, 1);
	assert_int_equal(c.rip, 0x1009 + 6);
	fake_reset(0x0);
	c.gpr[0] = 0;
	assert_int_equal(EMU(&c, 0x48, 0xa1, 0x10, 0x20, 0, 0, 0, 0, 0, 0), EMU_DONE);
	expect_access(0, 'r', 0x2010, 8);
	assert_int_equal(c.gpr[0], fake_get(0x2010, 8));
}

/* ---- registers ---- */

static void test_register_widths(void **state)
{
	struct emu_cpu c = cpu_in(MODE_LONG64);

	(void)state;
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	fake_put(0x100, 8, 0x88776655443322aaull);
	/* mov ah, [rbx] (no REX), mov spl, [rbx] (REX 40) */
	assert_int_equal(EMU(&c, 0x8a, 0x23), EMU_DONE);
	assert_int_equal(c.gpr[0], 0x111111111111aa11ull);
	assert_int_equal(EMU(&c, 0x40, 0x8a, 0x23), EMU_DONE);
	assert_int_equal(c.gpr[4], 0x55555555555555aaull);
	/* a REX not right before the opcode is ignored: AH again; 66 is
	 * ignored by a byte opcode */
	c = cpu_in(MODE_LONG64);
	c.gpr[3] = 0x100;
	assert_int_equal(EMU(&c, 0x40, 0x66, 0x8a, 0x23), EMU_DONE);
	assert_int_equal(c.gpr[0], 0x111111111111aa11ull);
	assert_int_equal(c.gpr[4], 0x5555555555555555ull);
	/* 16-bit writes keep, 32-bit writes zero-extend, 64-bit replace */
	assert_int_equal(EMU(&c, 0x66, 0x8b, 0x0b), EMU_DONE);
	assert_int_equal(c.gpr[1], 0x22222222222222aaull);
	assert_int_equal(EMU(&c, 0x8b, 0x0b), EMU_DONE);
	assert_int_equal(c.gpr[1], 0x443322aa);
	assert_int_equal(EMU(&c, 0x4c, 0x8b, 0x3b), EMU_DONE);	/* mov r15, [rbx] */
	assert_int_equal(c.gpr[15], 0x88776655443322aaull);
	/* MOVSXD, MOVZX, MOVSX */
	fake_put(0x100, 4, 0x80000001);
	assert_int_equal(EMU(&c, 0x48, 0x63, 0x03), EMU_DONE);
	assert_int_equal(c.gpr[0], 0xffffffff80000001ull);
	assert_int_equal(EMU(&c, 0x63, 0x03), EMU_DONE);	/* no REX.W: a 32-bit move */
	assert_int_equal(c.gpr[0], 0x80000001ull);
	assert_int_equal(EMU(&c, 0x48, 0x0f, 0xbe, 0x03), EMU_DONE);
	assert_int_equal(c.gpr[0], 1);
	fake_put(0x100, 2, 0x8001);
	assert_int_equal(EMU(&c, 0x0f, 0xbf, 0x03), EMU_DONE);
	assert_int_equal(c.gpr[0], 0xffff8001);
	assert_int_equal(EMU(&c, 0x0f, 0xb7, 0x03), EMU_DONE);
	assert_int_equal(c.gpr[0], 0x8001);
	/* 32-bit protected mode: 63 is ARPL, not emulated */
	c.mode = MODE_PROT32;
	assert_int_equal(EMU(&c, 0x63, 0x03), EMU_UNSUPPORTED);
}

/* ---- flags ---- */

static void test_flags(void **state)
{
	struct emu_cpu c = cpu_in(MODE_PROT16);
	const uint64_t CF = EMU_RFLAGS_CF, PF = EMU_RFLAGS_PF, AF = EMU_RFLAGS_AF;
	const uint64_t ZF = EMU_RFLAGS_ZF, SF = EMU_RFLAGS_SF, OF = EMU_RFLAGS_OF;

	(void)state;
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	/* add byte [bx], 1 on 0x7f: 0x80, OF SF AF */
	fake_put(0x100, 1, 0x7f);
	assert_int_equal(EMU(&c, 0x80, 0x07, 0x01), EMU_DONE);
	assert_int_equal(fake_get(0x100, 1), 0x80);
	assert_int_equal(c.rflags & EMU_RFLAGS_ARITH, OF | SF | AF);
	/* sub word [bx], 1 on 0: 0xffff, CF SF AF PF */
	fake_put(0x100, 2, 0);
	assert_int_equal(EMU(&c, 0x83, 0x2f, 0x01), EMU_DONE);
	assert_int_equal(fake_get(0x100, 2), 0xffff);
	assert_int_equal(c.rflags & EMU_RFLAGS_ARITH, CF | SF | AF | PF);
	/* adc with CF in: 0xffff + 0 + 1 = 0, CF ZF AF PF */
	c.rflags |= CF;
	c.gpr[0] = 0;
	assert_int_equal(EMU(&c, 0x11, 0x07), EMU_DONE);	/* adc [bx], ax */
	assert_int_equal(fake_get(0x100, 2), 0);
	assert_int_equal(c.rflags & EMU_RFLAGS_ARITH, CF | ZF | AF | PF);
	/* inc keeps CF; dec of 0x8000 sets OF */
	fake_put(0x100, 2, 0x8000);
	assert_int_equal(EMU(&c, 0xff, 0x0f), EMU_DONE);
	assert_int_equal(c.rflags & EMU_RFLAGS_ARITH, CF | OF | AF | PF);
	/* neg of 0: CF clear; not: flags unchanged */
	fake_put(0x100, 2, 0);
	assert_int_equal(EMU(&c, 0xf7, 0x1f), EMU_DONE);
	assert_int_equal(c.rflags & EMU_RFLAGS_ARITH, ZF | PF);
	assert_int_equal(EMU(&c, 0xf7, 0x17), EMU_DONE);
	assert_int_equal(fake_get(0x100, 2), 0xffff);
	assert_int_equal(c.rflags & EMU_RFLAGS_ARITH, ZF | PF);
	/* cmp and test write nothing */
	fake_reset(0x0);
	assert_int_equal(EMU(&c, 0x3b, 0x07), EMU_DONE);
	assert_int_equal(EMU(&c, 0xf6, 0x07, 0x80), EMU_DONE);
	assert_int_equal(EMU(&c, 0x84, 0x07), EMU_DONE);
	assert_int_equal(g_fake.n, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(g_fake.log[i].rw, 'r');
}

/* ---- BT ---- */

static void test_bt(void **state)
{
	struct emu_cpu c = cpu_in(MODE_PROT16);

	(void)state;
	/* bt [bx], ax with ax = -1: the word before, bit 15 */
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	c.gpr[0] = 0xffff;
	fake_put(0xfe, 2, 0x8000);
	c.rflags = 0x2 | EMU_RFLAGS_ZF | EMU_RFLAGS_SF;
	assert_int_equal(EMU(&c, 0x0f, 0xa3, 0x07), EMU_DONE);
	expect_access(0, 'r', 0xfe, 2);
	assert_int_equal(c.rflags, 0x2 | EMU_RFLAGS_ZF | EMU_RFLAGS_SF | EMU_RFLAGS_CF);
	/* 32-bit: bts [ebx], eax with eax = 100: dword at +12, bit 4 */
	c = cpu_in(MODE_PROT32);
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	c.gpr[0] = 100;
	fake_put(0x10c, 4, 0);
	assert_int_equal(EMU(&c, 0x0f, 0xab, 0x03), EMU_DONE);
	expect_access(0, 'r', 0x10c, 4);
	expect_access(1, 'w', 0x10c, 4);
	assert_int_equal(fake_get(0x10c, 4), 0x10);
	assert_int_equal(c.rflags & EMU_RFLAGS_CF, 0);
	/* the 16-bit address wraps: [bx] = 0 with offset -16: 0xfffe */
	c = cpu_in(MODE_PROT16);
	c.seg_base[EMU_DS] = 0x10000;
	fake_reset(0x10000);
	c.gpr[3] = 0;
	c.gpr[0] = 0xfff0;
	assert_int_equal(EMU(&c, 0x0f, 0xb3, 0x07), EMU_DONE);	/* btr [bx], ax */
	expect_access(0, 'r', 0x1fffe, 2);
	/* imm8 is taken mod the operand size and never moves the operand */
	c = cpu_in(MODE_LONG64);
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	fake_put(0x100, 8, 0);
	assert_int_equal(EMU(&c, 0x48, 0x0f, 0xba, 0x3b, 0x7f), EMU_DONE);	/* btc qword [rbx], 127 */
	expect_access(0, 'r', 0x100, 8);
	assert_int_equal(fake_get(0x100, 8), 1ull << 63);
	/* 64-bit register offset, hugely negative */
	fake_reset(0x0);
	c.gpr[3] = 0x1000;
	c.gpr[1] = (uint64_t)-64 * 8;	/* 64 qwords back */
	assert_int_equal(EMU(&c, 0x48, 0x0f, 0xa3, 0x0b), EMU_DONE);
	expect_access(0, 'r', 0x1000 - 64, 8);
	/* /0-/3 and LOCK BT are #UD */
	assert_int_equal(EMU(&c, 0x0f, 0xba, 0x1b, 0x01), EMU_UNSUPPORTED);	/* /3 */
	assert_int_equal(EMU(&c, 0xf0, 0x0f, 0xa3, 0x0b), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0x0f, 0xab, 0x0b), EMU_DONE);
}

/* ---- strings ---- */

static void test_strings16(void **state)
{
	struct emu_cpu c = cpu_in(MODE_REAL16);

	(void)state;
	/* rep movsw, SI wrapping at 64 KiB; the upper halves of ECX/ESI/EDI stay */
	fake_reset(0x0);
	c.seg_base[EMU_DS] = 0x10000;
	c.seg_base[EMU_ES] = 0x0;
	c.gpr[1] = 0xabcd0003;
	c.gpr[6] = 0x1234fffe;
	c.gpr[7] = 0x56780100;
	assert_int_equal(EMU(&c, 0xf3, 0xa5), EMU_DONE);
	expect_access(0, 'r', 0x1fffe, 2);
	expect_access(1, 'w', 0x100, 2);
	expect_access(2, 'r', 0x10000, 2);
	expect_access(3, 'w', 0x102, 2);
	expect_access(4, 'r', 0x10002, 2);
	assert_int_equal(g_fake.n, 6);
	assert_int_equal(c.gpr[1], 0xabcd0000);
	assert_int_equal(c.gpr[6], 0x12340004);
	assert_int_equal(c.gpr[7], 0x56780106);
	assert_int_equal(c.rip, 0x1002);
	/* the source takes an override, the destination stays ES */
	fake_reset(0x0);
	c.seg_base[EMU_FS] = 0x8000;
	c.gpr[6] = 0x10;
	c.gpr[7] = 0x20;
	assert_int_equal(EMU(&c, 0x64, 0xa4), EMU_DONE);
	expect_access(0, 'r', 0x8010, 1);
	expect_access(1, 'w', 0x20, 1);
	/* DF: stosb counts down */
	fake_reset(0x0);
	c.rflags |= DF_FLAG;
	c.gpr[1] = 2;
	c.gpr[7] = 0x0001;
	assert_int_equal(EMU(&c, 0xf3, 0xaa), EMU_DONE);
	expect_access(0, 'w', 0x1, 1);
	expect_access(1, 'w', 0x0, 1);
	assert_int_equal(c.gpr[7] & 0xffff, 0xffff);
	/* rep with CX = 0: nothing, RIP advances */
	fake_reset(0x0);
	c.gpr[1] = 0xffff0000;
	c.rip = 0x2000;
	assert_int_equal(EMU(&c, 0xf3, 0xaa), EMU_DONE);
	assert_int_equal(g_fake.n, 0);
	assert_int_equal(c.rip, 0x2002);
	/* 67: ECX/ESI count in 16-bit code */
	c = cpu_in(MODE_REAL16);
	fake_reset(0x0);
	c.gpr[1] = 0x10001;
	c.gpr[6] = 0x100;
	assert_int_equal(EMU(&c, 0x67, 0xf3, 0xac), EMU_DONE);	/* rep lodsb, one chunk */
	assert_int_equal(c.rip, 0x1000);
	assert_int_equal(c.gpr[1], 0x10001 - EMU_REP_CHUNK);
	assert_int_equal(c.gpr[6], 0x100 + EMU_REP_CHUNK);
}

static void test_rep_chunks_and_faults(void **state)
{
	struct emu_cpu c = cpu_in(MODE_LONG64);
	unsigned calls = 0;
	enum emu_status st;

	(void)state;
	/* rep stosq of 1000: ceil(1000 / EMU_REP_CHUNK) calls, RIP moves on the last */
	fake_reset(0x0);
	c.gpr[1] = 1000;
	c.gpr[7] = 0x100;
	c.gpr[0] = 0x0123456789abcdefull;
	do {
		st = EMU(&c, 0xf3, 0x48, 0xab);
		assert_int_equal(st, EMU_DONE);
		calls++;
	} while (c.rip == 0x1000);
	assert_int_equal(calls, (1000 + EMU_REP_CHUNK - 1) / EMU_REP_CHUNK);
	assert_int_equal(c.rip, 0x1003);
	assert_int_equal(c.gpr[1], 0);
	assert_int_equal(c.gpr[7], 0x100 + 8000);
	assert_int_equal(fake_get(0x100 + 999 * 8, 8), 0x0123456789abcdefull);

	/* a fault in the middle of rep movsb keeps the iterations done */
	c = cpu_in(MODE_LONG64);
	fake_reset(0x0);
	c.gpr[1] = 10;
	c.gpr[6] = 0x100;
	c.gpr[7] = 0x200;
	g_fake.fail_after = 7;	/* 3 iterations (r, w) and the 4th read pass, its write fails */
	assert_int_equal(EMU(&c, 0xf3, 0xa4), EMU_FAULT);
	assert_int_equal(c.gpr[1], 7);
	assert_int_equal(c.gpr[6], 0x103);
	assert_int_equal(c.gpr[7], 0x203);
	assert_int_equal(c.rip, 0x1000);

	/* a failing write leaves registers, flags and RIP as they were */
	c = cpu_in(MODE_LONG64);
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	g_fake.fail_after = 1;
	assert_int_equal(EMU(&c, 0x87, 0x03), EMU_FAULT);	/* xchg [rbx], eax */
	assert_int_equal(c.gpr[0], 0x1111111111111111ull);
	assert_int_equal(c.rip, 0x1000);
	fake_reset(0x0);
	g_fake.fail_after = 1;
	c.rflags = 0x2;
	assert_int_equal(EMU(&c, 0x80, 0x2b, 0x01), EMU_FAULT);	/* sub byte [rbx], 1 */
	assert_int_equal(c.rflags, 0x2);
	fake_reset(0x0);
	g_fake.fail_after = 0;
	assert_int_equal(EMU(&c, 0x8b, 0x03), EMU_FAULT);
	assert_int_equal(c.gpr[0], 0x1111111111111111ull);

	/* repe cmpsb stops at the first difference, RIP moves on */
	c = cpu_in(MODE_LONG64);
	fake_reset(0x0);
	memset(g_fake.mem + 0x100, 'a', 16);
	memset(g_fake.mem + 0x200, 'a', 16);
	g_fake.mem[0x205] = 'b';
	c.gpr[1] = 16;
	c.gpr[6] = 0x100;
	c.gpr[7] = 0x200;
	assert_int_equal(EMU(&c, 0xf3, 0xa6), EMU_DONE);
	assert_int_equal(c.gpr[1], 10);
	assert_int_equal(c.gpr[6], 0x106);
	assert_int_equal(c.rip, 0x1002);
	assert_int_equal(c.rflags & EMU_RFLAGS_ZF, 0);
	/* repne scasb stops at the match */
	c.gpr[0] = 'b';
	c.gpr[1] = 16;
	c.gpr[7] = 0x200;
	c.rip = 0x1000;
	assert_int_equal(EMU(&c, 0xf2, 0xae), EMU_DONE);
	assert_int_equal(c.gpr[7], 0x206);
	assert_int_equal(c.gpr[1], 10);
	assert_true(c.rflags & EMU_RFLAGS_ZF);
}

/* ---- what is refused ---- */

static void test_refused(void **state)
{
	struct emu_cpu c = cpu_in(MODE_LONG64);

	(void)state;
	fake_reset(0x0);
	c.gpr[3] = 0x100;
	/* register operands: no memory access to emulate */
	assert_int_equal(EMU(&c, 0x89, 0xd8), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0x01, 0xc0), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0x0f, 0xb6, 0xc0), EMU_UNSUPPORTED);
	/* other instructions */
	assert_int_equal(EMU(&c, 0x90), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf7, 0x23), EMU_UNSUPPORTED);	/* mul dword [rbx] */
	assert_int_equal(EMU(&c, 0xff, 0x13), EMU_UNSUPPORTED);	/* call [rbx] */
	assert_int_equal(EMU(&c, 0xc7, 0x0b, 0, 0, 0, 0), EMU_UNSUPPORTED);	/* c7 /1 */
	assert_int_equal(EMU(&c, 0x0f, 0x10, 0x03), EMU_UNSUPPORTED);	/* movups */
	assert_int_equal(EMU(&c, 0xc5, 0xf8, 0x10, 0x03), EMU_UNSUPPORTED);	/* vmovups */
	assert_int_equal(EMU(&c, 0x0f, 0x38, 0xf0, 0x03), EMU_UNSUPPORTED);	/* movbe */
	assert_int_equal(EMU(&c, 0xa8, 0x01), EMU_UNSUPPORTED);	/* test al, 1 */
	assert_int_equal(EMU(&c, 0x6c), EMU_UNSUPPORTED);	/* insb */
	/* LOCK where the CPU raises #UD */
	assert_int_equal(EMU(&c, 0xf0, 0x89, 0x03), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0x8b, 0x03), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0x39, 0x03), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0x03, 0x03), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0x85, 0x03), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0xa4), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0), EMU_UNSUPPORTED);
	assert_int_equal(EMU(&c, 0xf0, 0x83, 0x3b, 0x01), EMU_UNSUPPORTED);	/* lock cmp */
	assert_int_equal(g_fake.n, 0);
	assert_int_equal(c.rip, 0x1000);
	/* and accepted on read-modify-write */
	assert_int_equal(EMU(&c, 0xf0, 0x01, 0x03), EMU_DONE);
	assert_int_equal(EMU(&c, 0xf0, 0x86, 0x03), EMU_DONE);
	assert_int_equal(EMU(&c, 0xf0, 0xf7, 0x1b), EMU_DONE);
	assert_int_equal(EMU(&c, 0xf0, 0xfe, 0x03), EMU_DONE);
	/* bytes that do not decode */
	assert_int_equal(EMU(&c, 0x89), EMU_BAD_BYTES);
	assert_int_equal(EMU(&c, 0x89, 0x83, 0x00), EMU_BAD_BYTES);
	assert_int_equal(EMU(&c, 0x0f, 0x04), EMU_BAD_BYTES);
	assert_int_equal(emulate_insn(&c, NULL, 0, &fake_ops, &g_fake), EMU_BAD_BYTES);
	/* 82: an alias of 80 outside 64-bit mode, invalid in it */
	assert_int_equal(EMU(&c, 0x82, 0x03, 0x01), EMU_BAD_BYTES);
	c.mode = MODE_PROT32;
	assert_int_equal(EMU(&c, 0x82, 0x03, 0x01), EMU_DONE);
}

/* ---- the differential run ---- */

static void test_differential(void **state)
{
	const char *env_seed = getenv("EMU_SEED"), *env_iters = getenv("EMU_ITERS");
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : 0x5eed0fe3117a7e5ull;
	unsigned iters = env_iters ? (unsigned)strtoul(env_iters, NULL, 0) : 200000;
	unsigned done = 0, ud = 0, drawn = 0;
	static char why[8192];

	(void)state;
	forms_init();
	if (!diff_init(true))
		skip();
	for (unsigned i = 0; done < iters; i++) {
		struct rnd r = { .s = seed ^ (0x9e3779b97f4a7c15ull * (i + 1)) };
		struct tcase c;

		rnd_u64(&r);
		drawn++;
		if (!case_gen(&r, &c, true))
			continue;
		if (!diff_case(&c, why, sizeof(why)))
			fail_msg("seed %#" PRIx64 " case %u: %s", seed, i, why);
		done++;
		ud += c.expect_ud;
	}
	print_message("differential: %u cases (%u LOCK #UD), %u forms, %u draws, seed %#" PRIx64 "\n",
		      done, ud, g_nforms, drawn, seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_mode_modrm16),
		cmocka_unit_test(test_addr_size_overrides),
		cmocka_unit_test(test_segments_and_wrap),
		cmocka_unit_test(test_moffs),
		cmocka_unit_test(test_register_widths),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_bt),
		cmocka_unit_test(test_strings16),
		cmocka_unit_test(test_rep_chunks_and_faults),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif /* EMU_DIFF_ONLY */
