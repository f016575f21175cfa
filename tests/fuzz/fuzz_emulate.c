/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the MMIO instruction emulator (svm/emulate.c). Each
 * input is used twice:
 *
 * 1. Differential: the input drives the unit test's generator (form,
 *    prefixes, ModRM/SIB, registers, immediates: tests/unit/test_emulate.c,
 *    included below) and the instruction runs on the host CPU and through
 *    emulate_insn(); registers, RFLAGS (undefined flags masked) and the
 *    buffer must agree.
 *
 * 2. Raw: input[1..] are instruction bytes (an exact-size heap copy, so ASan
 *    catches a read past avail), input[0] picks the mode, and the emulator
 *    runs them against a fake 8 KiB memory at linear 0 whose callbacks check
 *    every access (size 1/2/4/8, inside the memory or refused). Invariants:
 *      - BAD_BYTES exactly when insn_decode() fails;
 *      - DONE or FAULT only for a form the emulator claims (an independent
 *        list below), LOCK only on the read-modify-write ones;
 *      - UNSUPPORTED and BAD_BYTES touch nothing: no access, no register;
 *      - DONE moves RIP past the instruction (a REP chunk leaves it), FAULT
 *        leaves it, and outside REP string instructions FAULT leaves every
 *        register and RFLAGS as they were;
 *      - one read and one write at most, and one register changed at most,
 *        outside the string instructions; those change only rAX, rCX, rSI,
 *        rDI; only the arithmetic flags ever change;
 *      - outside 64-bit mode no linear address reaches 4 GiB.
 *
 *   ./build/fuzz/fuzz_emulate -max_total_time=30 */
#define EMU_DIFF_ONLY
#include "tests/unit/test_emulate.c"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- 1. differential ---- */

static void fuzz_differential(const uint8_t *data, size_t size)
{
	static char why[8192];
	struct rnd r = { .p = data, .n = size };
	struct tcase c;

	forms_init();
	if (!diff_init(false))
		abort();
	if (!case_gen(&r, &c, false))
		return;
	if (!diff_case(&c, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
}

/* ---- 2. raw bytes ---- */

#define FAKE_SIZE 8192

struct fake_mem {
	uint8_t mem[FAKE_SIZE];
	bool m64;
	unsigned reads, writes;
};

static bool fake_ok(struct fake_mem *m, uint64_t linear, unsigned size)
{
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	CHECK(m->m64 || linear <= 0xffffffffull);
	return linear < FAKE_SIZE && size <= FAKE_SIZE - linear;
}

static bool fake_rd(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	struct fake_mem *m = ctx;

	m->reads++;
	if (!fake_ok(m, linear, size))
		return false;
	*val = 0;
	memcpy(val, m->mem + linear, size);
	if (size < 8)
		*val |= ~0ull << (8 * size);	/* junk above size: must be ignored */
	return true;
}

static bool fake_wr(void *ctx, uint64_t linear, unsigned size, uint64_t val)
{
	struct fake_mem *m = ctx;

	m->writes++;
	CHECK(size == 8 || val >> (8 * size) == 0);
	if (!fake_ok(m, linear, size))
		return false;
	memcpy(m->mem + linear, &val, size);
	return true;
}

static const struct emu_ops fake_mem_ops = { .read = fake_rd, .write = fake_wr };

/* The forms emulate_insn() may execute, written from the opcode maps apart
 * from svm/emulate.c: 0 no, 1 yes, 2 yes and LOCK allowed. */
static int claimed(const struct insn *in, enum cpu_mode mode)
{
	unsigned op = in->opcode[in->opcode_bytes - 1], reg = (in->modrm >> 3) & 7;
	bool mem = in->has_modrm && in->modrm >> 6 != 3;

	if (in->vex_len)
		return 0;
	if (in->map == INSN_MAP_1BYTE) {
		if ((op >= 0xa0 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf))
			return 1;
		if (!mem)
			return 0;
		if (op < 0x40 && (op & 7) <= 3)
			return (op & 2) || op >> 3 == 7 ? 1 : 2;
		if (op == 0x63)
			return mode == MODE_LONG64;
		if (op >= 0x80 && op <= 0x83)
			return reg == 7 ? 1 : 2;
		if (op == 0x84 || op == 0x85 || (op >= 0x88 && op <= 0x8b))
			return 1;
		if (op == 0x86 || op == 0x87)
			return 2;
		if (op == 0xc6 || op == 0xc7)
			return reg == 0;
		if (op == 0xf6 || op == 0xf7)
			return reg <= 1 ? 1 : reg <= 3 ? 2 : 0;
		if (op == 0xfe || op == 0xff)
			return reg <= 1 ? 2 : 0;
		return 0;
	}
	if (in->map != INSN_MAP_0F || !mem)
		return 0;
	switch (op) {
	case 0xa3: case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		return 1;
	case 0xab: case 0xb3: case 0xbb:
		return 2;
	case 0xba:
		return reg == 4 ? 1 : reg > 4 ? 2 : 0;
	default:
		return 0;
	}
}

static void fuzz_raw(const uint8_t *data, size_t size)
{
	static struct fake_mem m;
	enum cpu_mode mode;
	struct emu_cpu cpu, before;
	enum decode_status dst;
	enum emu_status st;
	struct insn in;
	uint8_t *bytes;
	size_t n;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned changed = 0;
	bool string;
	int cl;

	if (size < 1)
		return;
	mode = (enum cpu_mode)(data[0] & 3);
	n = size - 1;
	bytes = malloc(n ? n : 1);
	if (!bytes)
		abort();
	memcpy(bytes, data + 1, n);
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;

	/* registers mostly inside the fake memory, now and then anywhere */
	memset(&cpu, 0, sizeof(cpu));
	cpu.mode = mode;
	for (unsigned i = 0; i < 16; i++) {
		h = h * 6364136223846793005ull + 1442695040888963407ull;
		cpu.gpr[i] = data[0] & 0x80 ? h : (h >> 20) % (FAKE_SIZE + 64);
		if (i == 1 && !(data[0] & 0x40))
			cpu.gpr[i] &= 0x3ff;	/* rCX: a REP count that ends */
	}
	for (unsigned s = 0; s < EMU_NSEG; s++)
		cpu.seg_base[s] = data[0] & 0x20 ? (h >> (s * 8)) & 0xfff : 0;
	cpu.rip = h & (data[0] & 0x10 ? ~0ull : 0xfff0);
	if (mode != MODE_LONG64)
		cpu.rip &= mode == MODE_PROT32 ? 0xffffffffull : 0xffffull;
	cpu.rflags = 0x2 | (h & (ARITH | DF_FLAG));
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < FAKE_SIZE; i++)
		m.mem[i] = (uint8_t)(i * 13 + (h >> 7));
	m.m64 = mode == MODE_LONG64;
	before = cpu;

	st = emulate_insn(&cpu, bytes, n, &fake_mem_ops, &m);
	dst = insn_decode(bytes, n, mode, &in);
	free(bytes);

	CHECK(st == EMU_DONE || st == EMU_UNSUPPORTED || st == EMU_BAD_BYTES || st == EMU_FAULT);
	CHECK((st == EMU_BAD_BYTES) == (dst != DECODE_OK));
	if (st == EMU_BAD_BYTES || st == EMU_UNSUPPORTED) {
		CHECK(m.reads == 0 && m.writes == 0);
		CHECK(memcmp(&cpu, &before, sizeof(cpu)) == 0);
		return;
	}
	cl = claimed(&in, mode);
	CHECK(cl > 0);
	CHECK(!in.lock || cl == 2);
	string = in.map == INSN_MAP_1BYTE && in.opcode[0] >= 0xa4 && in.opcode[0] <= 0xaf;
	for (unsigned i = 0; i < 16; i++)
		if (cpu.gpr[i] != before.gpr[i]) {
			changed++;
			CHECK(!string || i == 0 || i == 1 || i == 6 || i == 7);
		}
	CHECK((cpu.rflags & ~ARITH) == (before.rflags & ~ARITH));
	CHECK(cpu.mode == before.mode);
	CHECK(memcmp(cpu.seg_base, before.seg_base, sizeof(cpu.seg_base)) == 0);
	if (!string) {
		CHECK(m.reads <= 1 && m.writes <= 1);
		CHECK(changed <= 1);
	} else {
		CHECK(m.reads + m.writes <= 2 * EMU_REP_CHUNK);
	}
	if (st == EMU_FAULT) {
		CHECK(cpu.rip == before.rip);
		if (!string)
			CHECK(memcmp(&cpu, &before, sizeof(cpu)) == 0);
		return;
	}
	{
		uint64_t next = before.rip + in.len;

		if (mode != MODE_LONG64)
			next &= mode == MODE_PROT32 ? 0xffffffffull : 0xffffull;
		CHECK(cpu.rip == next || (string && in.rep && cpu.rip == before.rip));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_raw(data, size);
	fuzz_differential(data, size);
	return 0;
}
