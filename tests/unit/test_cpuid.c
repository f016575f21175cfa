/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for svm/cpuid.c: the CPU a guest sees.
 *
 * Two fake hosts feed cpuid_build():
 *  - zen4: a plausible AMD Zen 4 desktop part (family 19h model 61h, a
 *    Ryzen 9 7950X). The values are NOT captured from a machine (this build
 *    host is an Intel VM); they are written from the APM's field layouts
 *    and the published Zen 4 feature set, so the table is a plausible
 *    input, not a reference.
 *  - ones: every register of every leaf all ones, except the XSAVE
 *    component layout (leaf 0xD subleaves 2+), taken from zen4 so the
 *    components are valid. Through it, a kept bit reads as 1 and a hidden
 *    bit as 0, so each policy mask is checked exactly.
 * The expected masks are written here as bit numbers from the APM and the
 * SDM, independently of the names in svm/cpuid.h, so a wrong name or a
 * dropped policy line both fail a test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "svm/cpuid.h"

#define B(n) (1u << (n))
#define ANY_SUB 0xffffffffu

struct regs_at {
	uint32_t leaf, sub;	/* sub ANY_SUB: every subleaf */
	struct cpuid_regs4 r;
};

/* ---- the Zen 4 host ---- */

static const char zen4_brand[48] = "AMD Ryzen 9 7950X 16-Core Processor";	/* NUL-padded */

static const struct regs_at zen4[] = {
	{ 0x0, ANY_SUB, { 0x00000010, 0x68747541, 0x444d4163, 0x69746e65 } },	/* max 0x10, "AuthenticAMD" */
	{ 0x1, ANY_SUB, { 0x00a60f12, 0x0a200800, 0x7ef8320b, 0x178bfbff } },	/* APIC ID 10, 32 threads, CLFLUSH 64 */
	{ 0x5, ANY_SUB, { 0x00000040, 0x00000040, 0x00000003, 0x00000011 } },
	{ 0x6, ANY_SUB, { 0x00000004, 0x00000000, 0x00000001, 0x00000000 } },
	{ 0x7, 0, { 0x00000001, 0xf1bf97a9, 0x00415fde, 0x00000010 } },	/* AVX-512, PKU, OSPKE, LA57, FSRM */
	{ 0x7, 1, { 0x00000020, 0x00000000, 0x00000000, 0x00000000 } },	/* AVX512_BF16 */
	{ 0xb, 0, { 0x00000001, 0x00000002, 0x00000100, 0x0000000a } },
	{ 0xb, 1, { 0x00000007, 0x00000020, 0x00000201, 0x0000000a } },
	{ 0xd, 0, { 0x000002e7, 0x00000988, 0x00000988, 0x00000000 } },	/* x87 SSE YMM opmask ZMM_Hi256 Hi16_ZMM PKRU */
	{ 0xd, 1, { 0x0000000f, 0x00000348, 0x00001800, 0x00000000 } },	/* XSAVEOPT XSAVEC XGETBV1 XSAVES; XSS CET_U/S */
	{ 0xd, 2, { 0x00000100, 0x00000240, 0x00000000, 0x00000000 } },	/* YMM: 256 bytes at 576 */
	{ 0xd, 5, { 0x00000040, 0x00000340, 0x00000000, 0x00000000 } },	/* opmask: 64 at 832 */
	{ 0xd, 6, { 0x00000200, 0x00000380, 0x00000000, 0x00000000 } },	/* ZMM_Hi256: 512 at 896 */
	{ 0xd, 7, { 0x00000400, 0x00000580, 0x00000000, 0x00000000 } },	/* Hi16_ZMM: 1024 at 1408 */
	{ 0xd, 9, { 0x00000008, 0x00000980, 0x00000000, 0x00000000 } },	/* PKRU: 8 at 2432 */
	{ 0xd, 11, { 0x00000010, 0x00000000, 0x00000001, 0x00000000 } },	/* CET_U (supervisor) */
	{ 0xd, 12, { 0x00000018, 0x00000000, 0x00000001, 0x00000000 } },	/* CET_S (supervisor) */
	{ 0xf, 0, { 0x00000000, 0x000000ff, 0x00000000, 0x00000002 } },	/* RDT monitoring */
	{ 0x10, 0, { 0x00000000, 0x00000002, 0x00000000, 0x00000000 } },	/* RDT allocation */
	{ 0x80000000, ANY_SUB, { 0x80000028, 0x68747541, 0x444d4163, 0x69746e65 } },
	{ 0x80000001, ANY_SUB, { 0x00a60f12, 0x40000000, 0x75c237ff, 0x2fd3fbff } },
	{ 0x80000005, ANY_SUB, { 0xff48ff40, 0xff48ff40, 0x20080140, 0x20080140 } },
	{ 0x80000006, ANY_SUB, { 0x5c002200, 0x6c004200, 0x04006140, 0x00009140 } },
	{ 0x80000007, ANY_SUB, { 0x00000000, 0x0000001b, 0x00000000, 0x00006799 } },
	{ 0x80000008, ANY_SUB, { 0x00003930, 0x79bff21f, 0x0000701f, 0x00010007 } },	/* 48 phys, 57 virt */
	{ 0x8000000a, ANY_SUB, { 0x00000001, 0x00008000, 0x00000000, 0x1ebfbcff } },
	{ 0x80000019, ANY_SUB, { 0xf040f040, 0xf0400000, 0x00000000, 0x00000000 } },
	{ 0x8000001a, ANY_SUB, { 0x00000006, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x8000001b, ANY_SUB, { 0x000003ff, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x8000001d, 0, { 0x00004121, 0x01c0003f, 0x0000003f, 0x00000000 } },
	{ 0x8000001e, ANY_SUB, { 0x0000000a, 0x00000105, 0x00000000, 0x00000000 } },
	{ 0x8000001f, ANY_SUB, { 0x0001780f, 0x00000173, 0x000001fd, 0x00000001 } },
	{ 0x80000020, ANY_SUB, { 0x00000000, 0x0000000e, 0x00000000, 0x00000000 } },
	{ 0x80000021, ANY_SUB, { 0x00062fcd, 0x0000015c, 0x00000000, 0x00000000 } },
};

static struct cpuid_regs4 zen4_get(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs4 r = { 0, 0, 0, 0 };

	if (leaf >= 0x80000002 && leaf <= 0x80000004) {
		memcpy(&r, zen4_brand + (leaf - 0x80000002) * 16, 16);
		return r;
	}
	for (size_t i = 0; i < sizeof(zen4) / sizeof(zen4[0]); i++)
		if (zen4[i].leaf == leaf && (zen4[i].sub == ANY_SUB || zen4[i].sub == sub))
			return zen4[i].r;
	return r;
}

/* ---- a fake host: zen4 or ones, with per-test overrides ---- */

struct fake_host {
	bool ones;
	int nr_over;
	struct regs_at over[8];
	uint32_t basic_max, ext_max;	/* what leaf 0 / 0x80000000 say, to catch reads beyond */
	int beyond;			/* calls above those maxima */
};

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs4 *out)
{
	struct fake_host *f = ctx;

	for (int i = 0; i < f->nr_over; i++)
		if (f->over[i].leaf == leaf && (f->over[i].sub == ANY_SUB || f->over[i].sub == sub)) {
			*out = f->over[i].r;
			goto done;
		}
	if (f->ones && !(leaf == 0xd && sub >= 2))
		*out = (struct cpuid_regs4){ ~0u, ~0u, ~0u, ~0u };
	else
		*out = zen4_get(leaf, sub);
done:
	if (leaf == 0)
		f->basic_max = out->eax;
	else if (leaf == 0x80000000)
		f->ext_max = out->eax;
	else if (leaf < 0x80000000 ? leaf > f->basic_max : leaf > f->ext_max)
		f->beyond++;
}

static void override(struct fake_host *f, uint32_t leaf, uint32_t sub, struct cpuid_regs4 r)
{
	assert_true(f->nr_over < 8);
	f->over[f->nr_over++] = (struct regs_at){ leaf, sub, r };
}

static struct cpuid_config cfg(uint32_t nr, uint32_t vcpu)
{
	return (struct cpuid_config){ .nr_vcpus = nr, .vcpu = vcpu };
}

static struct cpuid_table tab;

static void build(struct fake_host *f, struct cpuid_config c)
{
	char err[80] = "";

	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, f, err, sizeof(err)), 0);
	assert_int_equal(f->beyond, 0);	/* never asked the host past its maxima */
}

static void build_zen4(uint32_t nr, uint32_t vcpu)
{
	struct fake_host f = { 0 };

	build(&f, cfg(nr, vcpu));
}

static void build_ones(struct cpuid_config c)
{
	struct fake_host f = { .ones = true };

	build(&f, c);
}

static struct cpuid_regs4 look(uint32_t leaf, uint32_t sub, uint64_t cr4, uint64_t xcr0)
{
	struct cpuid_regs4 r = { 0xdead, 0xdead, 0xdead, 0xdead };

	cpuid_lookup(&tab, leaf, sub, cr4, xcr0, &r);
	return r;
}

static struct cpuid_regs4 lk(uint32_t leaf, uint32_t sub)
{
	return look(leaf, sub, 0, 1);
}

#define assert_regs(r, a, b, c, d)			\
	do {						\
		struct cpuid_regs4 r_ = (r);		\
		assert_int_equal(r_.eax, (a));		\
		assert_int_equal(r_.ebx, (b));		\
		assert_int_equal(r_.ecx, (c));		\
		assert_int_equal(r_.edx, (d));		\
	} while (0)
#define assert_zero(r) assert_regs(r, 0, 0, 0, 0)

/* ---- the expected policy, as bit numbers ---- */

/* Leaf 1 ECX: SSE3 0, PCLMULQDQ 1, SSSE3 9, FMA 12, CX16 13, PCID 17,
 * SSE4.1 19, SSE4.2 20, MOVBE 22, POPCNT 23, AES 25, XSAVE 26, AVX 28,
 * F16C 29, RDRAND 30. */
#define KEEP_1_ECX (B(0) | B(1) | B(9) | B(12) | B(13) | B(17) | B(19) | B(20) | B(22) | B(23) | \
		    B(25) | B(26) | B(28) | B(29) | B(30))
#define HV_BIT B(31)
/* Leaf 1 EDX: FPU 0, VME 1, DE 2, PSE 3, TSC 4, MSR 5, PAE 6, CX8 8, APIC 9,
 * SEP 11, MTRR 12, PGE 13, CMOV 15, PAT 16, PSE36 17, CLFSH 19, MMX 23,
 * FXSR 24, SSE 25, SSE2 26; MCE 7 and MCA 14 with mca; HTT 28. */
#define KEEP_1_EDX (B(0) | B(1) | B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(9) | B(11) | B(12) | \
		    B(13) | B(15) | B(16) | B(17) | B(19) | B(23) | B(24) | B(25) | B(26))
#define MCA_BITS (B(7) | B(14))
#define HTT B(28)
/* Leaf 7.0 EBX: FSGSBASE 0, BMI1 3, AVX2 5, FDP_EXCPTN_ONLY 6, SMEP 7,
 * BMI2 8, ERMS 9, INVPCID 10, ZERO_FCS_FDS 13, AVX512F 16, AVX512DQ 17,
 * RDSEED 18, ADX 19, SMAP 20, AVX512IFMA 21, CLFLUSHOPT 23, CLWB 24,
 * AVX512PF 26, AVX512ER 27, AVX512CD 28, SHA 29, AVX512BW 30, AVX512VL 31. */
#define KEEP_7_EBX (B(0) | B(3) | B(5) | B(6) | B(7) | B(8) | B(9) | B(10) | B(13) | B(16) | B(17) | \
		    B(18) | B(19) | B(20) | B(21) | B(23) | B(24) | B(26) | B(27) | B(28) | B(29) | \
		    B(30) | B(31))
/* Leaf 7.0 ECX: PREFETCHWT1 0, AVX512VBMI 1, UMIP 2, AVX512VBMI2 6, GFNI 8,
 * VAES 9, VPCLMULQDQ 10, AVX512VNNI 11, AVX512BITALG 12, VPOPCNTDQ 14,
 * RDPID 22, CLDEMOTE 25, MOVDIRI 27, MOVDIR64B 28. */
#define KEEP_7_ECX (B(0) | B(1) | B(2) | B(6) | B(8) | B(9) | B(10) | B(11) | B(12) | B(14) | \
		    B(22) | B(25) | B(27) | B(28))
/* Leaf 7.0 EDX: AVX512_4VNNIW 2, AVX512_4FMAPS 3, FSRM 4, VP2INTERSECT 8,
 * MD_CLEAR 10, SERIALIZE 14, AVX512_FP16 23. */
#define KEEP_7_EDX (B(2) | B(3) | B(4) | B(8) | B(10) | B(14) | B(23))
/* Leaf 7.1 EAX: AVX_VNNI 4, AVX512_BF16 5, FZRM 10, FSRS 11, FSRC 12. */
#define KEEP_71_EAX (B(4) | B(5) | B(10) | B(11) | B(12))
/* Leaf 0x80000001 ECX: LahfSahf 0, AltMovCr8 4, ABM 5, SSE4A 6,
 * MisAlignSse 7, 3DNowPrefetch 8, XOP 11, FMA4 16, TBM 21; CmpLegacy 1. */
#define KEEP_E1_ECX (B(0) | B(4) | B(5) | B(6) | B(7) | B(8) | B(11) | B(16) | B(21))
#define CMP_LEGACY B(1)
/* Leaf 0x80000001 EDX: 0-6, 8, 9 as leaf 1, SYSCALL 11, 12, 13, 15-17 as
 * leaf 1, NX 20, MmxExt 22, MMX 23, FXSR 24, Page1GB 26, RDTSCP 27, LM 29,
 * 3DNowExt 30, 3DNow 31; MCE 7, MCA 14 with mca. */
#define KEEP_E1_EDX (B(0) | B(1) | B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(9) | B(11) | B(12) | \
		     B(13) | B(15) | B(16) | B(17) | B(20) | B(22) | B(23) | B(24) | B(26) | B(27) | \
		     B(29) | B(30) | B(31))
/* Leaf 0x80000008 EBX: CLZERO 0, XSAVEERPTR 2, WBNOINVD 9, no-LMSLE 20,
 * SSB_NO 26, BTC_NO 29. */
#define KEEP_E8_EBX (B(0) | B(2) | B(9) | B(20) | B(26) | B(29))
/* Leaf 0x80000021 EAX: NoNestedDataBp 0, LFenceAlwaysSerializing 2,
 * NullSelectClearsBase 6, NoSmmCtlMSR 9, FSRS 10, FSRC 11. */
#define KEEP_E21_EAX (B(0) | B(2) | B(6) | B(9) | B(10) | B(11))

#define CR4_OSXSAVE_BIT (1ull << 18)

/* ---- building ---- */

static void test_build_errors(void **state)
{
	struct fake_host f = { 0 };
	struct cpuid_config c;
	char err[64];

	(void)state;
	c = cfg(0, 0);
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	c = cfg(9, 0);
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, sizeof(err)), -1);
	c = cfg(4, 4);
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vcpu"));
	c = cfg(8, 7);
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, sizeof(err)), 0);
	assert_int_equal(cpuid_build(&tab, &c, NULL, &f, err, sizeof(err)), -1);
	assert_int_equal(cpuid_build(&tab, NULL, fake_cpuid, &f, err, sizeof(err)), -1);

	/* The host lacks a leaf we need. */
	override(&f, 0, ANY_SUB, (struct cpuid_regs4){ 0, 0x68747541, 0x444d4163, 0x69746e65 });
	c = cfg(1, 0);
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "leaf 1"));
	f = (struct fake_host){ 0 };
	override(&f, 0x80000000, ANY_SUB, (struct cpuid_regs4){ 0x80000007, 0, 0, 0 });
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0x80000008"));

	/* A short buffer gets a terminated prefix; none at all is fine. */
	c = cfg(0, 0);
	memset(err, 'x', sizeof(err));
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, err, 4), -1);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(err[4], 'x');
	assert_int_equal(cpuid_build(&tab, &c, fake_cpuid, &f, NULL, 0), -1);
	/* A failed build leaves an all-zero table: every leaf reads zeros. */
	assert_zero(lk(0, 0));
	assert_zero(lk(1, 0));
	assert_zero(lk(0x80000000, 0));
	assert_zero(lk(0x40000000, 0));
	assert_zero(lk(0x40000100, 0));
	assert_int_equal(cpuid_kvmclock_khz(&tab), 0);
}

/* ---- maxima, vendor, ranges ---- */

static void test_vendor_and_max_leaves(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	build_zen4(1, 0);
	/* Capped at what the table holds: 0xD of the host's 0x10, 0x80000021 of 0x80000028. */
	assert_regs(lk(0, 0), 0xd, 0x68747541, 0x444d4163, 0x69746e65);
	assert_regs(lk(0x80000000, 0), 0x80000021, 0x68747541, 0x444d4163, 0x69746e65);

	/* Below the cap the host's maximum stands, and leaves past it are zero. */
	override(&f, 0, ANY_SUB, (struct cpuid_regs4){ 7, 0x68747541, 0x444d4163, 0x69746e65 });
	override(&f, 0x80000000, ANY_SUB, (struct cpuid_regs4){ 0x80000008, 1, 2, 3 });
	build(&f, cfg(2, 1));
	assert_regs(lk(0, 0), 7, 0x68747541, 0x444d4163, 0x69746e65);
	assert_regs(lk(0x80000000, 0), 0x80000008, 1, 2, 3);
	assert_int_not_equal(lk(7, 0).ebx, 0);
	assert_zero(lk(0xb, 0));	/* leaf 0xB is above this maximum */
	assert_zero(lk(0xb, 1));
	assert_zero(lk(0xd, 0));
	assert_zero(look(0xd, 0, CR4_OSXSAVE_BIT, 7));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0);	/* no leaf 0xD on the host: no XSAVE */
	assert_int_equal(lk(1, 0).ecx & B(26), 0);
	assert_int_not_equal(lk(0x80000008, 0).ecx, 0);
	assert_zero(lk(0x80000019, 0));
	assert_zero(lk(0x80000021, 0));
}

static void test_above_max_is_zero(void **state)
{
	static const uint32_t leaves[] = {
		0xe, 0xf, 0x10, 0x14, 0x1f, 0x20, 0x3fffffff, 0x40000011, 0x400000ff, 0x40000102,
		0x400001ff, 0x40000200, 0x40000201, 0x4000ff00, 0x40010000, 0x4fffffff, 0x7fffffff,
		0x80000022, 0x80000028, 0x800000ff, 0x8fffffff, 0xc0000000, 0xc0000001, 0xffffffff,
	};

	(void)state;
	build_ones((struct cpuid_config){ .nr_vcpus = 2, .vcpu = 1, .tsc_khz = 3000000 });
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		assert_zero(look(leaves[i], 0, ~0ull, ~0ull));
		assert_zero(look(leaves[i], 7, 0, 1));
	}
}

static void test_unmodelled_leaves_are_zero(void **state)
{
	/* Inside the ranges but not ours to give: Intel cache leaves 2-4,
	 * MONITOR 5, 8-0xA, 0xC; SVM, IBS, LWP, cache/core topology, SEV, PQOS. */
	static const uint32_t leaves[] = {
		2, 3, 4, 5, 8, 9, 0xa, 0xc, 0x80000009, 0x8000000a, 0x8000000b, 0x80000010,
		0x80000018, 0x8000001b, 0x8000001c, 0x8000001d, 0x8000001e, 0x8000001f, 0x80000020,
	};

	(void)state;
	build_ones(cfg(4, 2));
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		for (uint32_t sub = 0; sub < 4; sub++)
			assert_zero(look(leaves[i], sub, ~0ull, ~0ull));
}

/* ---- leaf 1 ---- */

static void test_leaf1_ecx_policy(void **state)
{
	struct fake_host f = { .ones = true };

	(void)state;
	build_ones(cfg(1, 0));
	assert_int_equal(lk(1, 0).ecx, KEEP_1_ECX | HV_BIT);
	assert_int_equal(look(1, 0, CR4_OSXSAVE_BIT, 1).ecx, KEEP_1_ECX | HV_BIT | B(27));

	/* Nothing from the host but XSAVE's leaf: the hypervisor bit alone. */
	override(&f, 1, ANY_SUB, (struct cpuid_regs4){ 0, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(look(1, 0, ~0ull, ~0ull).ecx, HV_BIT);

	/* Zen 4: MONITOR (3) and the host's x2APIC (21) go; OSXSAVE (27) is not the host's. */
	build_zen4(1, 0);
	assert_int_equal(lk(1, 0).ecx, (0x7ef8320bu & ~(B(3) | B(21) | B(27))) | HV_BIT);
	assert_int_equal(lk(1, 0).eax, 0x00a60f12);	/* the host's signature */
}

static void test_leaf1_edx_policy(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	build_ones(cfg(1, 0));
	assert_int_equal(lk(1, 0).edx, KEEP_1_EDX);
	build_ones(cfg(2, 0));
	assert_int_equal(lk(1, 0).edx, KEEP_1_EDX | HTT);
	build_ones((struct cpuid_config){ .nr_vcpus = 1, .mca = true });
	assert_int_equal(lk(1, 0).edx, KEEP_1_EDX | MCA_BITS);

	/* HTT is ours: set for a multi-vCPU VM whatever the host says. */
	override(&f, 1, ANY_SUB, (struct cpuid_regs4){ 0x00a60f12, 0x0a200800, 0x7ef8320b, 0 });
	build(&f, cfg(3, 0));
	assert_int_equal(lk(1, 0).edx, HTT);
	/* mca offers what the host has, no more. */
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .mca = true });
	assert_int_equal(lk(1, 0).edx, 0);
	build_zen4(1, 0);
	assert_int_equal(lk(1, 0).edx, 0x178bfbffu & ~(MCA_BITS | HTT));
}

static void test_leaf1_ebx_apic_ids(void **state)
{
	(void)state;
	/* vCPU 0 and vCPU 3 of a 4-vCPU VM: APIC ID, 4 processors, CLFLUSH 8 x 8 bytes. */
	build_zen4(4, 0);
	assert_int_equal(lk(1, 0).ebx, 0x00040800);
	build_zen4(4, 3);
	assert_int_equal(lk(1, 0).ebx, 0x03040800);
	assert_int_equal(look(1, 5, ~0ull, ~0ull).ebx, 0x03040800);	/* no subleaves */
	build_zen4(8, 7);
	assert_int_equal(lk(1, 0).ebx, 0x07080800);
	build_zen4(1, 0);
	assert_int_equal(lk(1, 0).ebx, 0x00010800);
}

static void test_htt_and_cmp_legacy(void **state)
{
	(void)state;
	build_zen4(1, 0);
	assert_int_equal(lk(1, 0).edx & HTT, 0);
	assert_int_equal(lk(0x80000001, 0).ecx & CMP_LEGACY, 0);
	assert_int_equal(lk(0x80000008, 0).ecx, 0);	/* NC 0, ApicIdSize 0 (legacy: NC+1 = 1) */
	build_zen4(2, 1);
	assert_int_equal(lk(1, 0).edx & HTT, HTT);
	assert_int_equal(lk(0x80000001, 0).ecx & CMP_LEGACY, CMP_LEGACY);
	assert_int_equal(lk(0x80000008, 0).ecx, 1 | 1 << 12);
	build_zen4(3, 0);
	assert_int_equal(lk(0x80000008, 0).ecx, 2 | 2 << 12);
	build_zen4(4, 3);
	assert_int_equal(lk(0x80000008, 0).ecx, 3 | 2 << 12);
	build_zen4(5, 0);
	assert_int_equal(lk(0x80000008, 0).ecx, 4 | 3 << 12);
	build_zen4(8, 0);
	assert_int_equal(lk(0x80000008, 0).ecx, 7 | 3 << 12);
}

static void test_lapic_features_follow_config(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	/* Zen 4 has x2APIC and no TSC-deadline: neither matters. */
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .x2apic = true, .tsc_deadline = true });
	assert_int_equal(lk(1, 0).ecx & (B(21) | B(24)), B(21) | B(24));
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .x2apic = true });
	assert_int_equal(lk(1, 0).ecx & (B(21) | B(24)), B(21));
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .tsc_deadline = true });
	assert_int_equal(lk(1, 0).ecx & (B(21) | B(24)), B(24));
	build_ones(cfg(1, 0));
	assert_int_equal(lk(1, 0).ecx & (B(21) | B(24)), 0);
}

static void test_osxsave_follows_cr4(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	build_zen4(2, 0);
	assert_int_equal(look(1, 0, 0, 7).ecx & B(27), 0);
	assert_int_equal(look(1, 0, CR4_OSXSAVE_BIT, 7).ecx & B(27), B(27));
	assert_int_equal(look(1, 0, ~CR4_OSXSAVE_BIT, 7).ecx & B(27), 0);
	assert_int_equal(look(1, 0, CR4_OSXSAVE_BIT, 0).ecx & B(27), B(27));	/* CR4, not XCR0 */
	/* The rest of leaf 1 does not move with CR4. */
	assert_int_equal(look(1, 0, CR4_OSXSAVE_BIT, 7).ecx & ~B(27), look(1, 0, 0, 7).ecx);
	assert_int_equal(look(1, 0, CR4_OSXSAVE_BIT, 7).ebx, look(1, 0, 0, 7).ebx);

	/* A host without XSAVE: no XSAVE and never OSXSAVE. */
	override(&f, 1, ANY_SUB, (struct cpuid_regs4){ 0x00a60f12, 0x0a200800, 0x7ef8320bu & ~B(26), 0x178bfbff });
	build(&f, cfg(1, 0));
	assert_int_equal(look(1, 0, CR4_OSXSAVE_BIT, 7).ecx & (B(26) | B(27)), 0);
}

/* ---- leaves 6, 7, 0xB ---- */

static void test_leaf6_arat_only(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	build_ones(cfg(1, 0));
	assert_regs(lk(6, 0), B(2), 0, 0, 0);
	override(&f, 6, ANY_SUB, (struct cpuid_regs4){ 0, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_regs(lk(6, 0), B(2), 0, 0, 0);	/* the virtual LAPIC timer never stops */
}

static void test_leaf7_policy(void **state)
{
	(void)state;
	build_ones(cfg(1, 0));
	assert_regs(lk(7, 0), 1, KEEP_7_EBX, KEEP_7_ECX, KEEP_7_EDX);
	assert_regs(lk(7, 1), KEEP_71_EAX, 0, 0, 0);
	assert_zero(lk(7, 2));
	assert_zero(lk(7, 0x80000000));
	assert_zero(lk(7, 0xffffffff));

	/* Zen 4: PKU, OSPKE (ECX 3, 4), LA57 (16), CET_SS (7) and the RDT
	 * (PQM 12, PQE 15) go; AVX-512 and the rest stay. */
	build_zen4(1, 0);
	assert_regs(lk(7, 0), 1, 0xf1bf97a9u & ~(B(12) | B(15)),
		    0x00415fdeu & ~(B(3) | B(4) | B(7) | B(16)), 0x10);
	assert_regs(lk(7, 1), B(5), 0, 0, 0);
}

static void test_leaf7_subleaf_max(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	/* A host with only subleaf 0: sub 1 is zero whatever the host would say there. */
	override(&f, 7, 0, (struct cpuid_regs4){ 0, ~0u, ~0u, ~0u });
	override(&f, 7, 1, (struct cpuid_regs4){ ~0u, ~0u, ~0u, ~0u });
	build(&f, cfg(1, 0));
	assert_int_equal(lk(7, 0).eax, 0);
	assert_zero(lk(7, 1));
	/* A host with many subleaves: we hold two. */
	f = (struct fake_host){ 0 };
	override(&f, 7, 0, (struct cpuid_regs4){ 2, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(lk(7, 0).eax, 1);
}

static void test_speculation_controls_hidden(void **state)
{
	(void)state;
	build_ones(cfg(2, 0));
	/* Leaf 7 EDX 26-31: IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAP, CORE_CAP, SSBD. */
	assert_int_equal(lk(7, 0).edx & 0xfc000000u, 0);
	/* 0x80000008 EBX: IBPB 12, IBRS 14, STIBP 15, 16-19, SSBD 24, VIRT_SSBD 25, PSFD 28, IBPB_RET 30. */
	assert_int_equal(lk(0x80000008, 0).ebx & (B(12) | B(14) | B(15) | B(16) | B(17) | B(18) | B(19) |
						  B(24) | B(25) | B(28) | B(30)), 0);
	/* 0x80000021 EAX: AutomaticIBRS 8. */
	assert_int_equal(lk(0x80000021, 0).eax & B(8), 0);
}

static void test_leafb_topology(void **state)
{
	(void)state;
	build_zen4(4, 3);
	assert_regs(lk(0xb, 0), 0, 1, 0x100, 3);	/* SMT level: 1 thread */
	assert_regs(lk(0xb, 1), 2, 4, 0x201, 3);	/* core level: 2 bits for 4 cores */
	assert_regs(lk(0xb, 2), 0, 0, 2, 3);
	assert_regs(lk(0xb, 5), 0, 0, 5, 3);
	assert_regs(lk(0xb, 0x100), 0, 0, 0, 3);
	assert_regs(lk(0xb, 0x1ff), 0, 0, 0xff, 3);
	assert_regs(lk(0xb, 0xffffffff), 0, 0, 0xff, 3);
	build_zen4(4, 0);
	assert_regs(lk(0xb, 0), 0, 1, 0x100, 0);
	assert_regs(lk(0xb, 1), 2, 4, 0x201, 0);
	assert_regs(lk(0xb, 3), 0, 0, 3, 0);
	build_zen4(1, 0);
	assert_regs(lk(0xb, 1), 0, 1, 0x201, 0);
	build_zen4(8, 6);
	assert_regs(lk(0xb, 1), 3, 8, 0x201, 6);
	build_zen4(5, 4);
	assert_regs(lk(0xb, 1), 3, 5, 0x201, 4);
}

/* ---- XSAVE ---- */

static void test_leafd_zen4(void **state)
{
	(void)state;
	build_zen4(1, 0);
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0xe7);	/* x87 SSE YMM opmask ZMM_Hi256 Hi16_ZMM */
	/* Sub 0: EBX follows the guest's XCR0; ECX is the size for all offered. */
	assert_regs(look(0xd, 0, 0, 0x1), 0xe7, 576, 0x980, 0);
	assert_regs(look(0xd, 0, 0, 0x3), 0xe7, 576, 0x980, 0);
	assert_regs(look(0xd, 0, 0, 0x7), 0xe7, 832, 0x980, 0);
	assert_regs(look(0xd, 0, 0, 0x27), 0xe7, 896, 0x980, 0);	/* opmask ends at 896 */
	assert_regs(look(0xd, 0, 0, 0x67), 0xe7, 1408, 0x980, 0);
	assert_regs(look(0xd, 0, 0, 0xe7), 0xe7, 0x980, 0x980, 0);
	assert_regs(look(0xd, 0, 0, 0x2e7), 0xe7, 0x980, 0x980, 0);	/* PKRU is not ours to count */
	assert_regs(look(0xd, 0, 0, 0x87), 0xe7, 0x980, 0x980, 0);	/* Hi16_ZMM is the last */
	assert_regs(look(0xd, 0, 0, ~0ull), 0xe7, 0x980, 0x980, 0);
	/* CR4 does not move leaf 0xD. */
	assert_regs(look(0xd, 0, CR4_OSXSAVE_BIT, 0x7), 0xe7, 832, 0x980, 0);
	/* Sub 1: XSAVEOPT, XSAVEC, XGETBV1; not XSAVES, no IA32_XSS. */
	assert_regs(lk(0xd, 1), 0x7, 0, 0, 0);
	/* Subs 2+: the offered components as the host lays them out. */
	assert_regs(lk(0xd, 2), 256, 576, 0, 0);
	assert_zero(lk(0xd, 3));	/* MPX */
	assert_zero(lk(0xd, 4));
	assert_regs(lk(0xd, 5), 64, 832, 0, 0);
	assert_regs(lk(0xd, 6), 512, 896, 0, 0);
	assert_regs(lk(0xd, 7), 1024, 1408, 0, 0);
	assert_zero(lk(0xd, 8));
	assert_zero(lk(0xd, 9));	/* PKRU */
	assert_zero(lk(0xd, 11));	/* CET (supervisor) */
	assert_zero(lk(0xd, 12));
	assert_zero(lk(0xd, 62));
	assert_zero(lk(0xd, 0xffffffff));
}

static void test_leafd_ones_host(void **state)
{
	(void)state;
	/* A host claiming every XCR0 bit and every XSAVE variant. */
	build_ones(cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0xe7);
	assert_regs(look(0xd, 0, 0, 0x7), 0xe7, 832, 0x980, 0);
	assert_regs(lk(0xd, 1), 0x7, 0, 0, 0);
	/* Component ECX: the alignment bit only (the zen4 layout has none). */
	assert_int_equal(lk(0xd, 2).ecx, 0);
}

static void test_leafd_alignment_bit(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	override(&f, 0xd, 5, (struct cpuid_regs4){ 64, 832, ~0u & ~1u, ~0u });
	build(&f, cfg(1, 0));
	assert_regs(lk(0xd, 5), 64, 832, 2, 0);
}

static void test_avx_needs_its_state(void **state)
{
	struct fake_host f = { .ones = true };
	struct cpuid_regs4 r;

	(void)state;
	/* No YMM state: AVX and everything on it go, with AVX-512. */
	override(&f, 0xd, 0, (struct cpuid_regs4){ 0x3, ~0u, ~0u, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0x3);
	assert_regs(look(0xd, 0, 0, ~0ull), 0x3, 576, 576, 0);
	assert_zero(lk(0xd, 2));
	assert_int_equal(lk(1, 0).ecx, (KEEP_1_ECX & ~(B(12) | B(28) | B(29))) | HV_BIT);	/* FMA AVX F16C */
	r = lk(7, 0);
	assert_int_equal(r.ebx, KEEP_7_EBX & ~(B(5) | B(16) | B(17) | B(21) | B(26) | B(27) | B(28) | B(30) | B(31)));
	assert_int_equal(r.ecx, KEEP_7_ECX & ~(B(9) | B(10) | B(1) | B(6) | B(11) | B(12) | B(14)));
	assert_int_equal(r.edx, KEEP_7_EDX & ~(B(2) | B(3) | B(8) | B(23)));
	assert_int_equal(lk(7, 1).eax, KEEP_71_EAX & ~(B(4) | B(5)));
	assert_int_equal(lk(0x80000001, 0).ecx, KEEP_E1_ECX & ~(B(11) | B(16)));	/* XOP FMA4 */

	/* YMM, but no ZMM_Hi256: AVX stays, AVX-512 goes. */
	f = (struct fake_host){ .ones = true };
	override(&f, 0xd, 0, (struct cpuid_regs4){ 0xa7, ~0u, ~0u, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0x7);
	assert_regs(look(0xd, 0, 0, ~0ull), 0x7, 832, 832, 0);
	assert_zero(lk(0xd, 5));	/* the host has it, the guest does not get it */
	assert_zero(lk(0xd, 7));
	assert_int_equal(lk(1, 0).ecx, KEEP_1_ECX | HV_BIT);
	r = lk(7, 0);
	assert_int_equal(r.ebx, KEEP_7_EBX & ~(B(16) | B(17) | B(21) | B(26) | B(27) | B(28) | B(30) | B(31)));
	assert_int_equal(r.ecx, KEEP_7_ECX & ~(B(1) | B(6) | B(11) | B(12) | B(14)));
	assert_int_equal(r.edx, KEEP_7_EDX & ~(B(2) | B(3) | B(8) | B(23)));
	assert_int_equal(lk(7, 1).eax, KEEP_71_EAX & ~B(5));
	assert_int_equal(lk(0x80000001, 0).ecx, KEEP_E1_ECX);

	/* A YMM component the host describes badly (size 0) is not offered. */
	f = (struct fake_host){ 0 };
	override(&f, 0xd, 2, (struct cpuid_regs4){ 0, 576, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0x3);
	assert_int_equal(lk(1, 0).ecx & B(28), 0);
	/* ... nor one inside the legacy area, nor a supervisor one. */
	f = (struct fake_host){ 0 };
	override(&f, 0xd, 2, (struct cpuid_regs4){ 256, 512, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0x3);
	f = (struct fake_host){ 0 };
	override(&f, 0xd, 6, (struct cpuid_regs4){ 512, 896, 1, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0x7);
	f = (struct fake_host){ 0 };
	override(&f, 0xd, 7, (struct cpuid_regs4){ 0xfffffff0, 0x580, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0x7);
}

static void test_xsave_needs_host_xsave(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	/* The host's XSAVE bit off: nothing of XSAVE, even with a leaf 0xD. */
	override(&f, 1, ANY_SUB, (struct cpuid_regs4){ 0x00a60f12, 0x0a200800, 0x7ef8320bu & ~B(26), 0x178bfbff });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0);
	for (uint32_t sub = 0; sub < 16; sub++)
		assert_zero(look(0xd, sub, CR4_OSXSAVE_BIT, 7));
	assert_int_equal(lk(1, 0).ecx & (B(26) | B(28) | B(12) | B(29)), 0);
	assert_int_equal(lk(7, 0).ebx & (B(5) | B(16)), 0);

	/* A leaf 0xD without x87 and SSE is nonsense: no XSAVE either. */
	f = (struct fake_host){ 0 };
	override(&f, 0xd, 0, (struct cpuid_regs4){ 0x2e5, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(cpuid_xcr0_allowed(&tab), 0);
	assert_int_equal(lk(1, 0).ecx & B(26), 0);
}

static void test_xcr0_allowed_never_more_than_host(void **state)
{
	static const uint32_t host_bits[] = { 0x3, 0x7, 0x27, 0x67, 0xe7, 0x207, 0x2e7, 0x60007, 0xffffffff };

	(void)state;
	for (size_t i = 0; i < sizeof(host_bits) / sizeof(host_bits[0]); i++) {
		struct fake_host f = { 0 };
		uint64_t a;

		override(&f, 0xd, 0, (struct cpuid_regs4){ host_bits[i], 0, 0, 0xffffffff });
		build(&f, cfg(1, 0));
		a = cpuid_xcr0_allowed(&tab);
		assert_int_equal(a & ~(uint64_t)host_bits[i], 0);	/* host bits only (EDX's too) */
		assert_int_equal(a & (1ull << 9), 0);			/* never PKRU */
		assert_int_equal(a & ~0xe7ull, 0);			/* never MPX, AMX, supervisor */
		/* The trio comes whole or not at all. */
		assert_true((a & 0xe0) == 0 || (a & 0xe0) == 0xe0);
		assert_int_equal(lk(0xd, 0).eax | (uint64_t)lk(0xd, 0).edx << 32, a);
	}
}

static void test_xcr0_valid(void **state)
{
	static const struct {
		uint64_t xcr0;
		bool ok;
	} cases[] = {
		{ 0x1, true },		/* x87 alone */
		{ 0x3, true },
		{ 0x7, true },
		{ 0xe7, true },		/* x87 SSE YMM + the AVX-512 trio */
		{ 0x0, false },		/* x87 must be set */
		{ 0x2, false },
		{ 0x6, false },
		{ 0x5, false },		/* YMM without SSE */
		{ 0x27, false },	/* part of the trio */
		{ 0x67, false },
		{ 0xa7, false },
		{ 0xc7, false },
		{ 0xe1, false },	/* the trio without SSE and YMM */
		{ 0xe3, false },	/* ... without YMM */
		{ 0xe5, false },	/* ... without SSE */
		{ 0x207, false },	/* PKRU: not offered */
		{ 0x1f, false },	/* MPX: not offered */
		{ 0x60007, false },	/* AMX: not offered */
		{ 1ull << 62 | 7, false },	/* LWP: not offered */
		{ 1ull << 63 | 7, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(xcr0_valid(cases[i].xcr0, 0xe7), cases[i].ok);
	/* Bits the VM was not offered are refused even when well-formed. */
	assert_false(xcr0_valid(0x7, 0x3));
	assert_false(xcr0_valid(0xe7, 0x7));
	assert_true(xcr0_valid(0x3, 0x3));
	assert_false(xcr0_valid(0x1, 0));	/* no XSAVE at all */
	/* What cpuid_build() offers is always a valid XCR0 itself. */
	build_zen4(1, 0);
	assert_true(xcr0_valid(cpuid_xcr0_allowed(&tab), cpuid_xcr0_allowed(&tab)));
}

/* ---- extended leaves ---- */

static void test_ext1_policy(void **state)
{
	(void)state;
	build_ones(cfg(1, 0));
	assert_int_equal(lk(0x80000001, 0).ecx, KEEP_E1_ECX);
	assert_int_equal(lk(0x80000001, 0).edx, KEEP_E1_EDX);
	build_ones(cfg(2, 0));
	assert_int_equal(lk(0x80000001, 0).ecx, KEEP_E1_ECX | CMP_LEGACY);
	build_ones((struct cpuid_config){ .nr_vcpus = 1, .mca = true });
	assert_int_equal(lk(0x80000001, 0).edx, KEEP_E1_EDX | MCA_BITS);

	/* Zen 4: SVM (2), ExtApicSpace (3), OSVW (9), IBS (10), SKINIT (12),
	 * WDT (13), TCE (17), TOPOEXT (22), PerfCtrExt (23, 24, 28), DBX (26),
	 * MONITORX (29), AddrMaskExt (30) go; FFXSR (EDX 25) and MCE/MCA too. */
	build_zen4(1, 0);
	assert_regs(lk(0x80000001, 0), 0x00a60f12, 0x40000000, B(0) | B(4) | B(5) | B(6) | B(7) | B(8),
		    0x2fd3fbffu & ~(B(25) | MCA_BITS));
	assert_int_equal(lk(0x80000001, 0).ecx & (B(2) | B(22)), 0);
}

static void test_ext_host_passthrough(void **state)
{
	(void)state;
	build_zen4(2, 0);
	for (uint32_t l = 0x80000002; l <= 0x80000004; l++) {
		struct cpuid_regs4 r = lk(l, 0);

		assert_memory_equal(&r, zen4_brand + (l - 0x80000002) * 16, 16);
	}
	assert_regs(lk(0x80000005, 0), 0xff48ff40, 0xff48ff40, 0x20080140, 0x20080140);
	assert_regs(lk(0x80000006, 0), 0x5c002200, 0x6c004200, 0x04006140, 0x00009140);
	assert_regs(lk(0x80000019, 0), 0xf040f040, 0xf0400000, 0, 0);
	assert_regs(lk(0x8000001a, 0), 0x6, 0, 0, 0);
}

static void test_ext7_invariant_tsc_only(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	build_ones(cfg(1, 0));
	assert_regs(lk(0x80000007, 0), 0, 0, 0, B(8));
	build_zen4(1, 0);
	assert_regs(lk(0x80000007, 0), 0, 0, 0, B(8));
	/* A host that does not say so (QEMU TCG): the guest is still told. */
	override(&f, 0x80000007, ANY_SUB, (struct cpuid_regs4){ 0, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_regs(lk(0x80000007, 0), 0, 0, 0, B(8));
}

static void test_ext8_sizes_and_features(void **state)
{
	struct fake_host f = { 0 };

	(void)state;
	build_ones(cfg(1, 0));
	assert_regs(lk(0x80000008, 0), 0x3030, KEEP_E8_EBX, 0, 0);	/* no guest-phys field, no RDPRU/INVLPGB */
	/* Zen 4: 48 physical bits; virtual 57 (LA57) shown as 48. */
	build_zen4(1, 0);
	assert_regs(lk(0x80000008, 0), 0x3030, B(0) | B(2) | B(9) | B(20) | B(29), 0, 0);
	/* A host with fewer bits keeps its own; with more, 4-level NPT caps them. */
	override(&f, 0x80000008, ANY_SUB, (struct cpuid_regs4){ 0x00302b28, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(lk(0x80000008, 0).eax, 0x2b28);
	f = (struct fake_host){ 0 };
	override(&f, 0x80000008, ANY_SUB, (struct cpuid_regs4){ 0x00343034, 0, 0, 0 });
	build(&f, cfg(1, 0));
	assert_int_equal(lk(0x80000008, 0).eax, 0x3030);
}

static void test_ext21_policy(void **state)
{
	(void)state;
	build_ones(cfg(1, 0));
	assert_regs(lk(0x80000021, 0), KEEP_E21_EAX, 0, 0, 0);
	build_zen4(1, 0);
	assert_regs(lk(0x80000021, 0), B(0) | B(2) | B(6) | B(9) | B(10) | B(11), 0, 0, 0);
}

/* ---- hypervisor leaves ---- */

static void test_hypervisor_leaves(void **state)
{
	struct fake_host f = { 0 };
	struct cpuid_regs4 r;

	(void)state;
	build(&f, (struct cpuid_config){ .nr_vcpus = 2, .vcpu = 1, .tsc_khz = 2900015, .lapic_khz = 1000000 });
	r = lk(0x40000000, 0);
	assert_regs(r, 0x40000010, 0x766d7673, 0x726f7369, 0x20202020);
	assert_memory_equal(&r.ebx, "svmvisor    ", 12);
	for (uint32_t l = 0x40000001; l < 0x40000010; l++)
		assert_zero(lk(l, 0));
	assert_regs(lk(0x40000010, 0), 2900015, 1000000, 0, 0);
	assert_regs(lk(0x40000010, 3), 2900015, 1000000, 0, 0);
	assert_zero(lk(0x40000011, 0));

	/* TSC rate known, LAPIC rate not: EBX 0 (FreeBSD then calibrates the LAPIC). */
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .tsc_khz = 2000000 });
	assert_regs(lk(0x40000010, 0), 2000000, 0, 0, 0);

	/* TSC rate unknown: no timing leaf at all (FreeBSD would take EAX = 0). */
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .lapic_khz = 1000000 });
	assert_regs(lk(0x40000000, 0), 0x40000000, 0x766d7673, 0x726f7369, 0x20202020);
	assert_zero(lk(0x40000001, 0));
	assert_zero(lk(0x40000010, 0));
}

/* Linux's hypervisor_cpuid_base() (arch/x86/include/asm/processor.h):
 * the first base from 0x40000000 up, in steps of 0x100 below 0x40010000,
 * whose EBX, ECX, EDX spell sig; leaves 0: whatever its EAX. */
static uint32_t linux_cpuid_base(const char sig[12])
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs4 r = lk(base, 0);

		if (!memcmp(sig, &r.ebx, 12))
			return base;
	}
	return 0;
}

static void test_kvm_leaves(void **state)
{
	struct fake_host f = { 0 };
	struct cpuid_regs4 r;

	(void)state;
	build(&f, (struct cpuid_config){ .nr_vcpus = 2, .vcpu = 1, .tsc_khz = 2690000,
					 .lapic_khz = 100000 });
	/* KVM_CPUID_SIGNATURE: EAX = KVM_CPUID_FEATURES, the highest KVM leaf */
	r = lk(0x40000100, 0);
	assert_regs(r, 0x40000101, 0x4b4d564b, 0x564b4d56, 0x0000004d);
	assert_memory_equal(&r.ebx, "KVMKVMKVM\0\0\0", 12);
	/* KVM_CPUID_FEATURES: CLOCKSOURCE2 (3) and CLOCKSOURCE_STABLE_BIT (24)
	 * only; EDX (hints) 0; any subleaf */
	assert_regs(lk(0x40000101, 0), B(3) | B(24), 0, 0, 0);
	assert_regs(lk(0x40000101, 9), B(3) | B(24), 0, 0, 0);
	assert_regs(lk(0x40000100, 0xffffffff), 0x40000101, 0x4b4d564b, 0x564b4d56, 0x0000004d);
	/* nothing past them, nor in the next range */
	assert_zero(lk(0x40000102, 0));
	assert_zero(lk(0x400001ff, 0));
	assert_zero(lk(0x40000200, 0));
	assert_zero(lk(0x400000ff, 0));
	/* svmvisor's own leaves unchanged: the maximum stays the timing leaf */
	assert_regs(lk(0x40000000, 0), 0x40000010, 0x766d7673, 0x726f7369, 0x20202020);
	assert_regs(lk(0x40000010, 0), 2690000, 100000, 0, 0);
	assert_int_equal(cpuid_kvmclock_khz(&tab), 2690000);
	/* Linux finds KVM one base up, and svmvisor's signature at the first */
	assert_int_equal(linux_cpuid_base("KVMKVMKVM\0\0\0"), 0x40000100);
	assert_int_equal(linux_cpuid_base("svmvisor    "), 0x40000000);
	assert_int_equal(linux_cpuid_base("Microsoft Hv"), 0);

	/* every vCPU alike */
	build(&f, (struct cpuid_config){ .nr_vcpus = 2, .vcpu = 0, .tsc_khz = 2690000 });
	assert_regs(lk(0x40000101, 0), B(3) | B(24), 0, 0, 0);
	assert_int_equal(cpuid_kvmclock_khz(&tab), 2690000);

	/* TSC rate unknown: no KVM leaves (no kvmclock without a rate) */
	build(&f, (struct cpuid_config){ .nr_vcpus = 1, .lapic_khz = 100000 });
	assert_zero(lk(0x40000100, 0));
	assert_zero(lk(0x40000101, 0));
	assert_zero(lk(0x40000102, 0));
	assert_int_equal(cpuid_kvmclock_khz(&tab), 0);
	assert_int_equal(linux_cpuid_base("KVMKVMKVM\0\0\0"), 0);
	assert_int_equal(linux_cpuid_base("svmvisor    "), 0x40000000);

	/* the ones host changes nothing here: the leaves are ours alone */
	build_ones((struct cpuid_config){ .nr_vcpus = 1, .tsc_khz = 1 });
	assert_regs(lk(0x40000100, 0), 0x40000101, 0x4b4d564b, 0x564b4d56, 0x0000004d);
	assert_regs(lk(0x40000101, 0), B(3) | B(24), 0, 0, 0);
	assert_int_equal(cpuid_kvmclock_khz(&tab), 1);
}

/* ---- the same table for every vCPU but the APIC ID ---- */

static void test_vcpus_differ_only_in_apic_id(void **state)
{
	static const uint32_t leaves[] = {
		0, 1, 6, 7, 0xb, 0xd, 0x40000000, 0x40000010, 0x40000100, 0x40000101, 0x80000000,
		0x80000001, 0x80000002, 0x80000007, 0x80000008, 0x80000021,
	};
	struct cpuid_table t0;

	(void)state;
	build_zen4(4, 0);
	t0 = tab;
	build_zen4(4, 3);
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		for (uint32_t sub = 0; sub < 3; sub++) {
			struct cpuid_regs4 a, b;

			cpuid_lookup(&t0, leaves[i], sub, CR4_OSXSAVE_BIT, 7, &a);
			cpuid_lookup(&tab, leaves[i], sub, CR4_OSXSAVE_BIT, 7, &b);
			if (leaves[i] == 1) {
				assert_int_equal(a.ebx >> 24, 0);
				assert_int_equal(b.ebx >> 24, 3);
				a.ebx &= 0xffffff;
				b.ebx &= 0xffffff;
			}
			if (leaves[i] == 0xb) {
				assert_int_equal(a.edx, 0);
				assert_int_equal(b.edx, 3);
				a.edx = b.edx;
			}
			assert_memory_equal(&a, &b, sizeof(a));
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_kvm_leaves),
		cmocka_unit_test(test_vendor_and_max_leaves),
		cmocka_unit_test(test_above_max_is_zero),
		cmocka_unit_test(test_unmodelled_leaves_are_zero),
		cmocka_unit_test(test_leaf1_ecx_policy),
		cmocka_unit_test(test_leaf1_edx_policy),
		cmocka_unit_test(test_leaf1_ebx_apic_ids),
		cmocka_unit_test(test_htt_and_cmp_legacy),
		cmocka_unit_test(test_lapic_features_follow_config),
		cmocka_unit_test(test_osxsave_follows_cr4),
		cmocka_unit_test(test_leaf6_arat_only),
		cmocka_unit_test(test_leaf7_policy),
		cmocka_unit_test(test_leaf7_subleaf_max),
		cmocka_unit_test(test_speculation_controls_hidden),
		cmocka_unit_test(test_leafb_topology),
		cmocka_unit_test(test_leafd_zen4),
		cmocka_unit_test(test_leafd_ones_host),
		cmocka_unit_test(test_leafd_alignment_bit),
		cmocka_unit_test(test_avx_needs_its_state),
		cmocka_unit_test(test_xsave_needs_host_xsave),
		cmocka_unit_test(test_xcr0_allowed_never_more_than_host),
		cmocka_unit_test(test_xcr0_valid),
		cmocka_unit_test(test_ext1_policy),
		cmocka_unit_test(test_ext_host_passthrough),
		cmocka_unit_test(test_ext7_invariant_tsc_only),
		cmocka_unit_test(test_ext8_sizes_and_features),
		cmocka_unit_test(test_ext21_policy),
		cmocka_unit_test(test_hypervisor_leaves),
		cmocka_unit_test(test_vcpus_differ_only_in_apic_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
