/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for svm/cpuid.c.
 *
 * Input: 16 bytes of setup, then 8-byte lookups until the input ends (at
 * most 64):
 *   setup: { nr, vcpu, flags, basic_max, ext_max, tsc[3], lapic[3], seed[5] }
 *     nr % 8 + 1 vCPUs, vcpu % nr; flags bit 0 x2apic, 1 tsc_deadline,
 *     2 mca, 3 a host whose registers are all ones, 4 zeros, 5 a sane XSAVE
 *     layout (leaf 0xD subleaves 2+ from a real layout), 6 the host's leaf 0
 *     and 0x80000000 maxima taken raw from the seed, not from the bytes.
 *   lookup: { leaf class, leaf byte, sub[2], cr4 byte, xcr0[3] }
 *     (the XCR0 also goes through xcr0_valid(), as XSETBV would)
 * Other host registers are a hash of (seed, leaf, sub), so the host answers
 * the same question the same way.
 *
 * Invariants, for every build (vcpu 0 and the chosen one) and lookup: the
 * hypervisor bit is set, SVM, VMX and MONITOR are never set, leaf 1
 * EBX[31:24] is the vCPU, x2APIC and TSC-deadline only as configured,
 * OSXSAVE only with CR4.OSXSAVE, leaf 0xD sub 0 offers exactly
 * cpuid_xcr0_allowed(), which is within the host's bits and x87|SSE|YMM|
 * the AVX-512 trio, never PKRU; leaf 0xB EDX is the APIC ID; every leaf
 * above its range's maximum reads as zeros, but KVM's two (0x40000100/1,
 * exactly as Linux expects them, and only with a TSC rate); tables for two
 * vCPUs differ only in the APIC ID; ASan checks every access. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/cpuid.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SETUP_LEN 16
#define OP_LEN 8
#define MAX_OPS 64

struct fuzz_host {
	uint64_t seed;
	uint8_t flags;
	uint32_t basic_max, ext_max;
	uint64_t host_xcr0;	/* what the host's leaf 0xD sub 0 said */
};

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A real layout (Zen 4) for the components a guest may get. */
static const struct cpuid_regs4 sane_xsave[8] = {
	[2] = { 0x100, 0x240, 0, 0 }, [5] = { 0x40, 0x340, 0, 0 },
	[6] = { 0x200, 0x380, 0, 0 }, [7] = { 0x400, 0x580, 2, 0 },
};

static void fuzz_cpuid(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs4 *out)
{
	struct fuzz_host *h = ctx;
	uint64_t a = mix(h->seed ^ (uint64_t)leaf << 32 ^ sub);
	uint64_t b = mix(a);

	*out = (struct cpuid_regs4){ (uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b, (uint32_t)(b >> 32) };
	if (h->flags & 0x08)
		*out = (struct cpuid_regs4){ ~0u, ~0u, ~0u, ~0u };
	if (h->flags & 0x10)
		*out = (struct cpuid_regs4){ 0, 0, 0, 0 };
	if ((h->flags & 0x20) && leaf == 0xd && sub >= 2 && sub < 8)
		*out = sane_xsave[sub];
	if (!(h->flags & 0x40)) {
		if (leaf == 0)
			out->eax = h->basic_max;
		if (leaf == 0x80000000)
			out->eax = h->ext_max;
	}
	if (leaf == 0xd && sub == 0)
		h->host_xcr0 = out->eax | (uint64_t)out->edx << 32;
}

static struct cpuid_regs4 look(const struct cpuid_table *t, uint32_t leaf, uint32_t sub, uint64_t cr4,
			       uint64_t xcr0)
{
	struct cpuid_regs4 r;

	memset(&r, 0xa5, sizeof(r));
	cpuid_lookup(t, leaf, sub, cr4, xcr0, &r);
	return r;
}

static bool is_zero(struct cpuid_regs4 r)
{
	return !r.eax && !r.ebx && !r.ecx && !r.edx;
}

/* Invariants of one lookup on a table built from c. */
static void check_lookup(const struct cpuid_table *t, const struct cpuid_config *c, uint64_t host_xcr0,
			 uint32_t leaf, uint32_t sub, uint64_t cr4, uint64_t xcr0)
{
	struct cpuid_regs4 r = look(t, leaf, sub, cr4, xcr0);
	uint32_t basic_max = look(t, 0, 0, 0, 1).eax;
	uint32_t ext_max = look(t, 0x80000000, 0, 0, 1).eax;
	uint32_t hv_max = look(t, 0x40000000, 0, 0, 1).eax;
	uint64_t allowed = cpuid_xcr0_allowed(t);

	CHECK(basic_max >= 1 && basic_max < CPUID_BASIC_N);
	CHECK(ext_max >= 0x80000008 && ext_max < CPUID_EXT_BASE + CPUID_EXT_N);
	CHECK(hv_max == 0x40000000 || hv_max == 0x40000010);
	CHECK((hv_max == 0x40000010) == (c->tsc_khz != 0));

	CHECK(cpuid_kvmclock_khz(t) == c->tsc_khz);
	if (leaf < CPUID_HV_BASE ? leaf > basic_max :
	    leaf < CPUID_EXT_BASE ? leaf > hv_max && !(c->tsc_khz && leaf - CPUID_KVM_BASE < 2) :
	    leaf > ext_max)
		CHECK(is_zero(r));

	switch (leaf) {
	case 1:
		CHECK(r.ecx & CPUID_1_ECX_HYPERVISOR);
		CHECK(!(r.ecx & (CPUID_1_ECX_VMX | CPUID_1_ECX_MONITOR | CPUID_1_ECX_SMX)));
		CHECK(r.ebx >> 24 == c->vcpu);
		CHECK((r.ebx >> 16 & 0xff) == c->nr_vcpus);
		CHECK(!!(r.ecx & CPUID_1_ECX_X2APIC) == c->x2apic);
		CHECK(!!(r.ecx & CPUID_1_ECX_TSC_DEADLINE) == c->tsc_deadline);
		CHECK(!!(r.ecx & CPUID_1_ECX_OSXSAVE) == (allowed && (cr4 & CR4_OSXSAVE)));
		CHECK(!!(r.ecx & CPUID_1_ECX_XSAVE) == !!allowed);
		CHECK(!!(r.edx & CPUID_1_EDX_HTT) == (c->nr_vcpus > 1));
		if (!c->mca)
			CHECK(!(r.edx & (CPUID_1_EDX_MCE | CPUID_1_EDX_MCA)));
		if (!(allowed & XCR0_YMM))
			CHECK(!(r.ecx & (CPUID_1_ECX_AVX | CPUID_1_ECX_FMA | CPUID_1_ECX_F16C)));
		break;
	case 7:
		if (sub == 0) {
			CHECK(r.eax <= 1);
			CHECK(!(r.ecx & (CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE | CPUID_7_ECX_LA57)));
			CHECK(!(r.edx & 0xfc000000u));	/* speculation controls */
			CHECK(!(r.ebx & (CPUID_7_EBX_HLE | CPUID_7_EBX_RTM | CPUID_7_EBX_TSC_ADJUST)));
			if ((allowed & 0xe0) != 0xe0)
				CHECK(!(r.ebx & CPUID_7_EBX_AVX512F));
		} else if (sub > 1) {
			CHECK(is_zero(r));
		}
		break;
	case 0xb:
		if (leaf <= basic_max)
			CHECK(r.edx == c->vcpu);
		break;
	case 0xd:
		if (leaf > basic_max)
			break;
		if (sub == 0) {
			uint64_t offered = r.eax | (uint64_t)r.edx << 32;

			CHECK(offered == allowed);
			CHECK(r.ebx <= r.ecx);
			if (allowed)
				CHECK(r.ebx >= 576);
		} else if (sub == 1) {
			CHECK(!(r.eax & CPUID_D_1_EAX_XSAVES) && !r.ebx && !r.ecx && !r.edx);
		} else if (sub >= 8 || !(allowed & (1ull << sub))) {
			CHECK(is_zero(r));
		} else {
			CHECK(!(r.ecx & CPUID_D_N_ECX_XSS) && (uint64_t)r.ebx + r.eax <= look(t, 0xd, 0, 0, 1).ecx);
		}
		break;
	case 0x80000001:
		CHECK(!(r.ecx & (CPUID_80000001_ECX_SVM | CPUID_80000001_ECX_TOPOEXT | CPUID_80000001_ECX_MONITORX)));
		CHECK(!!(r.ecx & CPUID_80000001_ECX_CMP_LEGACY) == (c->nr_vcpus > 1));
		break;
	case 0x80000008:
		CHECK((r.eax & 0xff) <= 48 && (r.eax >> 8 & 0xff) <= 48 && !(r.eax >> 16));
		CHECK((r.ecx & 0xff) == c->nr_vcpus - 1 && !r.edx);
		CHECK(!(r.ebx & (CPUID_80000008_EBX_IBPB | CPUID_80000008_EBX_IBRS | CPUID_80000008_EBX_STIBP |
				 CPUID_80000008_EBX_SSBD | CPUID_80000008_EBX_VIRT_SSBD | CPUID_80000008_EBX_RDPRU)));
		break;
	case 0x8000000a:
	case 0x8000001e:
	case 0x8000001f:
		CHECK(is_zero(r));
		break;
	case 0x40000000:
		CHECK(r.ebx == 0x766d7673 && r.ecx == 0x726f7369 && r.edx == 0x20202020);
		break;
	case 0x40000100:	/* KVM's signature, "KVMKVMKVM\0\0\0", with a known TSC rate only */
		CHECK(c->tsc_khz ? r.eax == 0x40000101 && !memcmp(&r.ebx, "KVMKVMKVM\0\0\0", 12) :
				   is_zero(r));
		break;
	case 0x40000101:	/* kvmclock and its stable bit, nothing else */
		CHECK(c->tsc_khz ? r.eax == (1u << 3 | 1u << 24) && !r.ebx && !r.ecx && !r.edx :
				   is_zero(r));
		break;
	}

	/* The XCR0 a guest may set, and what XSETBV accepts. */
	CHECK(!allowed || xcr0_valid(allowed, allowed));
	if (xcr0_valid(xcr0, allowed)) {
		struct cpuid_regs4 d = look(t, 0xd, 0, 0, xcr0);

		CHECK(!(xcr0 & ~allowed) && (xcr0 & 1));
		CHECK(d.ebx >= 576 && d.ebx <= d.ecx);
	}
	CHECK(!(allowed & ~host_xcr0));
	CHECK(!(allowed & ~0xe7ull));
	CHECK(!allowed || (allowed & 3) == 3);
	CHECK(!(allowed & 0xe0) || ((allowed & 0xe0) == 0xe0 && (allowed & XCR0_YMM)));
}

/* Leaves every lookup batch visits, whatever the input. */
static const uint32_t fixed_leaves[] = {
	0, 1, 2, 4, 5, 6, 7, 0xb, 0xd, 0xe, 0x40000000, 0x40000001, 0x40000010, 0x40000011,
	0x400000ff, 0x40000100, 0x40000101, 0x40000102, 0x40000200,
	0x80000000, 0x80000001, 0x80000007, 0x80000008, 0x8000000a, 0x8000001e, 0x8000001f,
	0x80000021, 0x80000022,
};

static uint32_t pick_leaf(uint8_t cls, uint8_t lo, uint32_t sub)
{
	switch (cls % 6) {
	case 0: return lo % 0x20;
	case 1: return CPUID_HV_BASE + (lo & 0x80 ? 0x100 : 0) + lo % 0x20;	/* ours, KVM's */
	case 2: return CPUID_EXT_BASE + lo % 0x30;
	case 3: return (uint32_t)lo << 24 | sub;	/* anywhere */
	case 4: return 0xd;
	default: return cls & 0x80 ? 0xb : 7;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_host h = { 0 };
	struct cpuid_config c = { 0 };
	struct cpuid_table *t, *t0;
	char err[64];
	int rc;

	if (size < SETUP_LEN)
		return 0;
	c.nr_vcpus = data[0] % 8 + 1;
	c.vcpu = data[1] % c.nr_vcpus;
	c.x2apic = data[2] & 1;
	c.tsc_deadline = data[2] & 2;
	c.mca = data[2] & 4;
	c.tsc_khz = data[5] | data[6] << 8 | (uint32_t)data[7] << 16;
	c.lapic_khz = data[8] | data[9] << 8 | (uint32_t)data[10] << 16;
	h.flags = data[2];
	h.basic_max = data[3] % 0x20;
	h.ext_max = CPUID_EXT_BASE + data[4] % 0x30;
	for (int i = 0; i < 5; i++)
		h.seed = h.seed << 8 | data[11 + i];

	/* Exactly sized heap tables: ASan flags any access past them. */
	t = malloc(sizeof(*t));
	t0 = malloc(sizeof(*t0));
	CHECK(t && t0);
	memset(t, 0x5a, sizeof(*t));
	memset(err, 0x5a, sizeof(err));
	rc = cpuid_build(t, &c, fuzz_cpuid, &h, err, sizeof(err));
	if (rc != 0) {
		CHECK(rc == -1 && memchr(err, 0, sizeof(err)) && err[0]);
		CHECK(h.basic_max < 1 || h.ext_max < 0x80000008 || (h.flags & 0x40));
		goto out;
	}
	/* The same table for vCPU 0, from the same host. */
	{
		struct cpuid_config c0 = c;

		c0.vcpu = 0;
		CHECK(cpuid_build(t0, &c0, fuzz_cpuid, &h, err, sizeof(err)) == 0);
	}

	for (size_t i = 0; i < sizeof(fixed_leaves) / sizeof(fixed_leaves[0]); i++)
		for (uint32_t sub = 0; sub < 3; sub++) {
			uint64_t cr4 = sub & 1 ? CR4_OSXSAVE : 0;
			struct cpuid_regs4 a, b;

			check_lookup(t, &c, h.host_xcr0, fixed_leaves[i], sub, cr4, 7);
			/* vCPUs differ in the APIC ID only. */
			a = look(t0, fixed_leaves[i], sub, cr4, 7);
			b = look(t, fixed_leaves[i], sub, cr4, 7);
			if (fixed_leaves[i] == 1) {
				CHECK(a.ebx >> 24 == 0);
				a.ebx = (a.ebx & 0xffffff) | c.vcpu << 24;
			}
			if (fixed_leaves[i] == 0xb && a.edx == 0)
				a.edx = b.edx;
			CHECK(!memcmp(&a, &b, sizeof(a)));
		}

	for (size_t off = SETUP_LEN, n = 0; off + OP_LEN <= size && n < MAX_OPS; off += OP_LEN, n++) {
		const uint8_t *op = data + off;
		uint32_t sub = op[2] | (uint32_t)op[3] << 8;
		uint32_t leaf = pick_leaf(op[0], op[1], sub);
		uint64_t cr4 = (uint64_t)op[4] << 14;	/* byte bit 4 is CR4.OSXSAVE (18) */
		uint64_t xcr0 = op[5] | (uint64_t)op[6] << 8 | (uint64_t)op[7] << 56;

		if (op[0] & 0x40)
			sub = op[3] & 0x0f;	/* small subleaves more often */
		check_lookup(t, &c, h.host_xcr0, leaf, sub, cr4, xcr0);
	}
out:
	free(t);
	free(t0);
	return 0;
}
