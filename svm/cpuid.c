/* SPDX-License-Identifier: BSD-2-Clause */
/* The CPU a guest sees through CPUID: a plausible AMD processor whose every
 * advertised feature the hypervisor supports, and nothing else.
 *
 * cpuid_build() reads the host's CPUID through a callback and writes one
 * table per vCPU; cpuid_lookup() (svm/cpuid.h) answers CPUID exits from it.
 * The policy is the masks below, one line per kept bit, each with its
 * reason when the reason is not "an instruction the CPU runs in the guest
 * on its own". A bit not listed is hidden, so a host bit defined after
 * this file was written never reaches a guest. docs/cpu.md is the same
 * policy leaf by leaf, with the reasons for what is hidden.
 *
 * Sources: AMD64 APM Vol.3 Appendix E (CPUID, "Fn8000_0001_ECX" = leaf
 * 0x80000001, ECX), Intel SDM Vol.2A CPUID (Table 3-8) for leaves AMD
 * leaves reserved (leaf 0xB) and for the XSAVE layout (SDM Vol.1 13.4). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/lib/x86_arch.h"
#include "svm/cpuid.h"

/* ---- the policy: host bits a guest keeps, when the host has them ---- */

/* Fn0000_0001_ECX. Hidden: MONITOR (MONITOR/MWAIT are intercepted as #UD),
 * VMX, SMX, EST, TM2, PDCM, DCA, DTES64, DS-CPL, CNXT-ID, SDBG, xTPR
 * (Intel facilities behind MSRs we do not give). x2APIC and TSC-deadline
 * follow the virtual LAPIC (the config), OSXSAVE follows the guest's CR4 at
 * lookup, HYPERVISOR is always set. */
static const uint32_t keep_1_ecx =
	CPUID_1_ECX_SSE3 |
	CPUID_1_ECX_PCLMULQDQ |
	CPUID_1_ECX_SSSE3 |
	CPUID_1_ECX_FMA |		/* needs XCR0.YMM (ymm_1_ecx) */
	CPUID_1_ECX_CX16 |
	CPUID_1_ECX_PCID |		/* CR4.PCIDE is guest state; the guest's ASID keeps its TLB apart */
	CPUID_1_ECX_SSE41 |
	CPUID_1_ECX_SSE42 |
	CPUID_1_ECX_MOVBE |
	CPUID_1_ECX_POPCNT |
	CPUID_1_ECX_AES |
	CPUID_1_ECX_XSAVE |		/* with leaf 0xD and an XSETBV that checks cpuid_xcr0_allowed() */
	CPUID_1_ECX_AVX |		/* needs XCR0.YMM */
	CPUID_1_ECX_F16C |		/* needs XCR0.YMM */
	CPUID_1_ECX_RDRAND |
	0;

/* Fn0000_0001_EDX. MCE and MCA only with cpuid_config.mca (mca_1_edx),
 * HTT set by us when the VM has more than one vCPU. Hidden: PSN, DS, ACPI,
 * SS, TM, IA64, PBE. */
static const uint32_t keep_1_edx =
	CPUID_1_EDX_FPU |
	CPUID_1_EDX_VME |		/* CR4.VME is guest state: the CPU runs virtual-8086 extensions itself */
	CPUID_1_EDX_DE |
	CPUID_1_EDX_PSE |
	CPUID_1_EDX_TSC |
	CPUID_1_EDX_MSR |		/* RDMSR/WRMSR exist; which MSRs is svm/msr.c's policy */
	CPUID_1_EDX_PAE |
	CPUID_1_EDX_CX8 |
	CPUID_1_EDX_APIC |		/* the VM's local APIC (drivers/virt/vlapic.c) */
	CPUID_1_EDX_SEP |
	CPUID_1_EDX_MTRR |		/* the MTRR MSRs are svm/msr.c's */
	CPUID_1_EDX_PGE |
	CPUID_1_EDX_CMOV |
	CPUID_1_EDX_PAT |		/* guest PAT: VMCB g_pat under NPT */
	CPUID_1_EDX_PSE36 |
	CPUID_1_EDX_CLFSH |
	CPUID_1_EDX_MMX |
	CPUID_1_EDX_FXSR |
	CPUID_1_EDX_SSE |
	CPUID_1_EDX_SSE2 |
	0;
static const uint32_t mca_1_edx = CPUID_1_EDX_MCE | CPUID_1_EDX_MCA;

/* Fn0000_0007_EBX, subleaf 0. Hidden: TSC_ADJUST (no IA32_TSC_ADJUST MSR),
 * SGX, HLE and RTM (TSX), PQM and PQE (RDT MSRs), MPX (its XCR0 states are
 * never offered), Intel PT. */
static const uint32_t keep_7_ebx =
	CPUID_7_EBX_FSGSBASE |
	CPUID_7_EBX_BMI1 |
	CPUID_7_EBX_AVX2 |		/* needs XCR0.YMM */
	CPUID_7_EBX_FDP_EXCPTN_ONLY |	/* how the x87 unit behaves, in the guest too */
	CPUID_7_EBX_SMEP |
	CPUID_7_EBX_BMI2 |
	CPUID_7_EBX_ERMS |
	CPUID_7_EBX_INVPCID |		/* not intercepted: acts on the guest's ASID */
	CPUID_7_EBX_ZERO_FCS_FDS |	/* as FDP_EXCPTN_ONLY */
	CPUID_7_EBX_AVX512F |		/* AVX-512: needs the XCR0 trio (avx512_7_ebx) */
	CPUID_7_EBX_AVX512DQ |
	CPUID_7_EBX_RDSEED |
	CPUID_7_EBX_ADX |
	CPUID_7_EBX_SMAP |
	CPUID_7_EBX_AVX512IFMA |
	CPUID_7_EBX_CLFLUSHOPT |
	CPUID_7_EBX_CLWB |
	CPUID_7_EBX_AVX512PF |
	CPUID_7_EBX_AVX512ER |
	CPUID_7_EBX_AVX512CD |
	CPUID_7_EBX_SHA |
	CPUID_7_EBX_AVX512BW |
	CPUID_7_EBX_AVX512VL |
	0;

/* Fn0000_0007_ECX, subleaf 0. Hidden: PKU and OSPKE (no PKRU switching),
 * WAITPKG, CET_SS (CET state is supervisor XSAVE state, never offered),
 * TME, LA57 (4-level guest paging only; 0x80000008 says 48 bits), Key
 * Locker, bus-lock detection, ENQCMD, SGX_LC, PKS. */
static const uint32_t keep_7_ecx =
	CPUID_7_ECX_PREFETCHWT1 |
	CPUID_7_ECX_AVX512VBMI |
	CPUID_7_ECX_UMIP |		/* CR4.UMIP is guest state */
	CPUID_7_ECX_AVX512VBMI2 |
	CPUID_7_ECX_GFNI |
	CPUID_7_ECX_VAES |		/* needs XCR0.YMM */
	CPUID_7_ECX_VPCLMULQDQ |	/* needs XCR0.YMM */
	CPUID_7_ECX_AVX512VNNI |
	CPUID_7_ECX_AVX512BITALG |
	CPUID_7_ECX_AVX512VPOPCNTDQ |
	CPUID_7_ECX_RDPID |		/* reads TSC_AUX, which the hypervisor switches */
	CPUID_7_ECX_CLDEMOTE |
	CPUID_7_ECX_MOVDIRI |
	CPUID_7_ECX_MOVDIR64B |
	0;

/* Fn0000_0007_EDX, subleaf 0. Hidden: UINTR, SRBDS_CTRL, the TSX controls,
 * HYBRID, PCONFIG, ARCH_LBR, CET_IBT, AMX (its XCR0 states are never
 * offered) and every speculation control (IBRS/IBPB, STIBP, L1D_FLUSH,
 * ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD): the hypervisor hides
 * SPEC_CTRL and PRED_CMD from guests. */
static const uint32_t keep_7_edx =
	CPUID_7_EDX_AVX512_4VNNIW |
	CPUID_7_EDX_AVX512_4FMAPS |
	CPUID_7_EDX_FSRM |
	CPUID_7_EDX_AVX512_VP2INTERSECT |
	CPUID_7_EDX_MD_CLEAR |		/* VERW's behaviour, a fact and not a control */
	CPUID_7_EDX_SERIALIZE |
	CPUID_7_EDX_AVX512_FP16 |
	0;

/* Fn0000_0007_EAX, subleaf 1. Hidden: everything else (LASS, FRED, LKGS,
 * WRMSRNS, HRESET, LAM, AMX-FP16, ...): new system state we do not model. */
static const uint32_t keep_7_1_eax =
	CPUID_7_1_EAX_AVX_VNNI |	/* needs XCR0.YMM */
	CPUID_7_1_EAX_AVX512_BF16 |	/* needs the AVX-512 trio */
	CPUID_7_1_EAX_FZRM |
	CPUID_7_1_EAX_FSRS |
	CPUID_7_1_EAX_FSRC |
	0;

/* Fn0000_000D_EAX, subleaf 1. Hidden: XSAVES (no IA32_XSS, no supervisor
 * states) and XFD. */
static const uint32_t keep_d_1_eax =
	CPUID_D_1_EAX_XSAVEOPT |
	CPUID_D_1_EAX_XSAVEC |
	CPUID_D_1_EAX_XGETBV1 |
	0;

/* Fn8000_0001_ECX. CmpLegacy is ours (set with HTT when the VM has more
 * than one vCPU: leaf 1 EBX[23:16] counts cores). Hidden: SVM (no nested
 * virtualization), ExtApicSpace, OSVW, IBS, SKINIT, WDT, LWP, TCE (EFER
 * bit the EFER policy refuses), NodeId, TOPOEXT (docs/cpu.md: leaves
 * 0x8000001D/1E stay zero), the PerfCtrExt* counters, DataBreakpointExt,
 * PerfTsc, MONITORX, AddrMaskExt. */
static const uint32_t keep_80000001_ecx =
	CPUID_80000001_ECX_LAHF_LM |
	CPUID_80000001_ECX_ALTMOVCR8 |	/* LOCK MOV CR0 reaches the guest's CR8 (V_TPR) */
	CPUID_80000001_ECX_ABM |
	CPUID_80000001_ECX_SSE4A |
	CPUID_80000001_ECX_MISALIGNSSE |
	CPUID_80000001_ECX_3DNOWPREFETCH |
	CPUID_80000001_ECX_XOP |	/* needs XCR0.YMM */
	CPUID_80000001_ECX_FMA4 |	/* needs XCR0.YMM */
	CPUID_80000001_ECX_TBM |
	0;

/* Fn8000_0001_EDX: leaf 1's bits as there (MCE, MCA in mca_1_edx), plus
 * the AMD ones. Hidden: FFXSR (svm/exits.c's EFER policy accepts only
 * SCE, LME, LMA, NXE; offer it when EFER.FFXSR gets through). */
static const uint32_t keep_80000001_edx =
	CPUID_1_EDX_FPU |
	CPUID_1_EDX_VME |
	CPUID_1_EDX_DE |
	CPUID_1_EDX_PSE |
	CPUID_1_EDX_TSC |
	CPUID_1_EDX_MSR |
	CPUID_1_EDX_PAE |
	CPUID_1_EDX_CX8 |
	CPUID_1_EDX_APIC |
	CPUID_80000001_EDX_SYSCALL |	/* EFER.SCE, which the EFER policy accepts */
	CPUID_1_EDX_MTRR |
	CPUID_1_EDX_PGE |
	CPUID_1_EDX_CMOV |
	CPUID_1_EDX_PAT |
	CPUID_1_EDX_PSE36 |
	CPUID_80000001_EDX_NX |		/* EFER.NXE, accepted */
	CPUID_80000001_EDX_MMXEXT |
	CPUID_1_EDX_MMX |
	CPUID_1_EDX_FXSR |
	CPUID_80000001_EDX_PG1G |	/* 1 GiB guest pages: the NPT walk does not care */
	CPUID_80000001_EDX_RDTSCP |	/* the hypervisor switches TSC_AUX */
	CPUID_80000001_EDX_LM |		/* EFER.LME/LMA, accepted */
	CPUID_80000001_EDX_3DNOWEXT |
	CPUID_80000001_EDX_3DNOW |
	0;

/* Fn8000_0007_EDX: only the invariant TSC, always (docs/cpu.md): the
 * guest's TSC is the host's plus one offset for the whole VM, and svmvisor
 * itself needs a constant-rate TSC (its timers and tsc_khz come from one
 * calibration). Every AMD CPU with nested paging (family 10h on) has an
 * invariant TSC; QEMU TCG's runs at a constant rate too but its CPUID does
 * not say so. Hidden: the power-management and boost bits (CPB, EffFreqRO,
 * ...), which lead to MSRs. */
static const uint32_t guest_80000007_edx = CPUID_80000007_EDX_INVTSC;

/* Fn8000_0008_EBX. Hidden: IRPERF, INVLPGB, RDPRU, MBE, MCOMMIT,
 * INT_WBINVD, PPIN, CPPC, IBPB_RET and every speculation control (IBPB,
 * IBRS, STIBP and their *_ALWAYS_ON/PREFERRED/SAME_MODE, SSBD, VIRT_SSBD,
 * PSFD). The "not affected" bits stay: facts about the core, they spare a
 * guest mitigations that would need the controls we hide. */
static const uint32_t keep_80000008_ebx =
	CPUID_80000008_EBX_CLZERO |
	CPUID_80000008_EBX_XSAVEERPTR |	/* how FXSAVE/XSAVE behave */
	CPUID_80000008_EBX_WBNOINVD |	/* intercepted as a no-op, like WBINVD */
	CPUID_80000008_EBX_NO_EFER_LMSLE |	/* says LMSLE is absent: true here too */
	CPUID_80000008_EBX_SSB_NO |
	CPUID_80000008_EBX_BTC_NO |
	0;

/* Fn8000_0021_EAX: facts about the core. Hidden: UpperAddressIgnore and
 * AutomaticIBRS (EFER bits), the prefetch-control and CPUID-faulting MSRs
 * and the speculation bits. */
static const uint32_t keep_80000021_eax =
	CPUID_80000021_EAX_NO_NESTED_DATA_BP |
	CPUID_80000021_EAX_LFENCE_SERIALIZING |	/* spares Linux a DE_CFG MSR write */
	CPUID_80000021_EAX_NULL_SEL_CLR_BASE |
	CPUID_80000021_EAX_NO_SMM_CTL |
	CPUID_80000021_EAX_FSRS |
	CPUID_80000021_EAX_FSRC |
	0;

/* Features that use a state component: hidden when its XCR0 bits are not
 * offered (APM Vol.1 11.5.2; an AVX instruction is #UD without XCR0.YMM). */
static const uint32_t ymm_1_ecx = CPUID_1_ECX_FMA | CPUID_1_ECX_AVX | CPUID_1_ECX_F16C;
static const uint32_t ymm_7_ebx = CPUID_7_EBX_AVX2;
static const uint32_t ymm_7_ecx = CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ;
static const uint32_t ymm_7_1_eax = CPUID_7_1_EAX_AVX_VNNI;
static const uint32_t ymm_80000001_ecx = CPUID_80000001_ECX_XOP | CPUID_80000001_ECX_FMA4;
static const uint32_t avx512_7_ebx = CPUID_7_EBX_AVX512F | CPUID_7_EBX_AVX512DQ |
	CPUID_7_EBX_AVX512IFMA | CPUID_7_EBX_AVX512PF | CPUID_7_EBX_AVX512ER |
	CPUID_7_EBX_AVX512CD | CPUID_7_EBX_AVX512BW | CPUID_7_EBX_AVX512VL;
static const uint32_t avx512_7_ecx = CPUID_7_ECX_AVX512VBMI | CPUID_7_ECX_AVX512VBMI2 |
	CPUID_7_ECX_AVX512VNNI | CPUID_7_ECX_AVX512BITALG | CPUID_7_ECX_AVX512VPOPCNTDQ;
static const uint32_t avx512_7_edx = CPUID_7_EDX_AVX512_4VNNIW | CPUID_7_EDX_AVX512_4FMAPS |
	CPUID_7_EDX_AVX512_VP2INTERSECT | CPUID_7_EDX_AVX512_FP16;
static const uint32_t avx512_7_1_eax = CPUID_7_1_EAX_AVX512_BF16;

#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

/* The optional XSAVE components a guest may get, in cpuid_xsave_index()
 * bit order. MPX (3, 4), PKRU (9), the supervisor states (CET 11/12, ...)
 * and AMX (17, 18) are never offered. */
static const uint8_t xsave_optional[4] = { 2, 5, 6, 7 };

#define XSAVE_LEGACY_SIZE 576u		/* legacy region + XSAVE header, SDM Vol.1 13.4 */
#define XSAVE_MAX_SIZE    0x10000u	/* a host claiming more is broken */
#define GUEST_ADDR_BITS   48u		/* 4-level NPT (mm/npt.h NPT_GPA_BITS), no LA57 */

/* The highest leaves the table answers. */
#define BASIC_LAST (CPUID_BASIC_N - 1u)
#define EXT_LAST   (CPUID_EXT_BASE + CPUID_EXT_N - 1u)
#define HV_LAST    (CPUID_HV_BASE + CPUID_HV_N - 1u)
#define HV_TIMING  0x40000010u	/* VMware's "generic" timing leaf */
_Static_assert(HV_LAST == HV_TIMING, "the hypervisor range ends at the timing leaf");
#define KVM_FEATURES (CPUID_KVM_BASE + 1)	/* KVM_CPUID_FEATURES; the signature leaf's EAX */
_Static_assert(KVM_FEATURES == CPUID_KVM_BASE + CPUID_KVM_N - 1, "the KVM range ends at its features leaf");

/* "svmvisor    " as CPUID returns it in EBX, ECX, EDX */
#define SIG_EBX 0x766d7673u	/* "svmv" */
#define SIG_ECX 0x726f7369u	/* "isor" */
#define SIG_EDX 0x20202020u	/* "    " */

/* ---- building a table ---- */

struct host {
	cpuid_host_fn fn;
	void *ctx;
	uint32_t basic_max, ext_max;	/* the host's leaf 0 and 0x80000000 EAX */
};

/* The host's (leaf, sub), or zeros above its maximum: an Intel host
 * repeats its highest basic leaf there, an AMD one answers zeros. */
static struct cpuid_regs4 host_get(const struct host *h, uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs4 r = { 0, 0, 0, 0 };

	if (leaf >= CPUID_EXT_BASE ? leaf <= h->ext_max : leaf <= h->basic_max)
		h->fn(h->ctx, leaf, sub, &r);
	return r;
}

static int fail(char *err, size_t errlen, const char *why)
{
	size_t i = 0;

	if (err && errlen) {
		for (; why[i] && i + 1 < errlen; i++)
			err[i] = why[i];
		err[i] = '\0';
	}
	return -1;
}

/* Bits an APIC ID needs to number n processors: 0 for 1, 1 for 2, 2 for
 * 3-4, 3 for 5-8. */
static uint32_t count_order(uint32_t n)
{
	uint32_t b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/* A component the host describes sanely (SDM Vol.1 13.4: a user state at a
 * fixed offset beyond the legacy region and the header). */
static bool xsave_component_ok(struct cpuid_regs4 r)
{
	return r.eax != 0 && r.ebx >= XSAVE_LEGACY_SIZE &&
	       (uint64_t)r.ebx + r.eax <= XSAVE_MAX_SIZE && !(r.ecx & CPUID_D_N_ECX_XSS);
}

/* Leaf 0xD and the XSAVE sizes: fills t->leafd, t->xsave_size and returns
 * the XCR0 bits a guest may set (0: no XSAVE for the guest). */
static uint64_t build_xsave(struct cpuid_table *t, const struct host *h, bool host_xsave)
{
	struct cpuid_regs4 d0, d1, comp[CPUID_D_N] = { { 0, 0, 0, 0 } };
	uint64_t host_xcr0, ok = 0, allowed = XCR0_X87 | XCR0_SSE;

	if (!host_xsave)	/* a leaf 0xD above the host's maximum reads as zeros */
		return 0;
	d0 = host_get(h, 0xd, 0);
	d1 = host_get(h, 0xd, 1);
	host_xcr0 = d0.eax | (uint64_t)d0.edx << 32;
	if ((host_xcr0 & allowed) != allowed)
		return 0;
	for (uint32_t i = 0; i < ARRAY_SIZE(xsave_optional); i++) {
		uint32_t c = xsave_optional[i];

		if (!(host_xcr0 & (1ull << c)))
			continue;
		comp[c] = host_get(h, 0xd, c);
		if (xsave_component_ok(comp[c]))
			ok |= 1ull << c;
	}
	if (ok & XCR0_YMM) {
		allowed |= XCR0_YMM;
		if ((ok & XCR0_AVX512) == XCR0_AVX512)
			allowed |= XCR0_AVX512;
	}

	for (uint32_t m = 0; m < ARRAY_SIZE(t->xsave_size); m++) {
		uint32_t size = XSAVE_LEGACY_SIZE;

		for (uint32_t i = 0; i < ARRAY_SIZE(xsave_optional); i++) {
			uint32_t c = xsave_optional[i];

			if ((m & (1u << i)) && (allowed & (1ull << c)))
				size = MAX(size, comp[c].ebx + comp[c].eax);
		}
		t->xsave_size[m] = size;
	}
	/* Sub 0: the components and the size for all of them (EBX is made at
	 * lookup from the guest's XCR0). Sub 1: the XSAVE variants. Subs 2+:
	 * size, offset and alignment of each offered component. */
	t->leafd[0] = (struct cpuid_regs4){ (uint32_t)allowed, 0,
					    t->xsave_size[cpuid_xsave_index(allowed)],
					    (uint32_t)(allowed >> 32) };
	t->leafd[1] = (struct cpuid_regs4){ d1.eax & keep_d_1_eax, 0, 0, 0 };
	for (uint32_t c = 2; c < CPUID_D_N; c++)
		if (allowed & (1ull << c))
			t->leafd[c] = (struct cpuid_regs4){ comp[c].eax, comp[c].ebx,
							    comp[c].ecx & CPUID_D_N_ECX_ALIGN64, 0 };
	return allowed;
}

int cpuid_build(struct cpuid_table *t, const struct cpuid_config *c, cpuid_host_fn host, void *ctx,
		char *err, size_t errlen)
{
	struct host h = { host, ctx, 0, 0 };
	struct cpuid_regs4 r0, r1, r7, r7s1, e0, e1, e8;
	uint32_t n, apic, bits;
	uint32_t ecx_hidden = 0, ecx_7_hidden = 0, ebx_7_hidden = 0, edx_7_hidden = 0, eax_71_hidden = 0;
	uint64_t allowed;

	if (!t)
		return fail(err, errlen, "no table");
	memset(t, 0, sizeof(*t));
	if (!c || !host)
		return fail(err, errlen, "no config or no host CPUID");
	n = c->nr_vcpus;
	apic = c->vcpu;
	if (n < 1 || n > CPUID_MAX_VCPUS)
		return fail(err, errlen, "nr_vcpus is not in 1..8");
	if (apic >= n)
		return fail(err, errlen, "vcpu is not below nr_vcpus");

	r0 = host_get(&h, 0, 0);
	h.basic_max = r0.eax;
	if (h.basic_max < 1)
		return fail(err, errlen, "the host's CPUID has no leaf 1");
	h.ext_max = CPUID_EXT_BASE;
	e0 = host_get(&h, CPUID_EXT_BASE, 0);
	h.ext_max = e0.eax;
	if (h.ext_max < 0x80000008u)
		return fail(err, errlen, "the host's CPUID has no leaf 0x80000008");
	r1 = host_get(&h, 1, 0);
	r7 = host_get(&h, 7, 0);
	r7s1 = r7.eax >= 1 ? host_get(&h, 7, 1) : (struct cpuid_regs4){ 0, 0, 0, 0 };
	e1 = host_get(&h, 0x80000001u, 0);
	e8 = host_get(&h, 0x80000008u, 0);
	bits = count_order(n);

	/* XSAVE and what hangs on its state components. */
	allowed = build_xsave(t, &h, r1.ecx & CPUID_1_ECX_XSAVE);
	t->xcr0_allowed = allowed;
	if (!allowed)
		ecx_hidden |= CPUID_1_ECX_XSAVE;
	if (!(allowed & XCR0_YMM)) {
		ecx_hidden |= ymm_1_ecx;
		ebx_7_hidden |= ymm_7_ebx;
		ecx_7_hidden |= ymm_7_ecx;
		eax_71_hidden |= ymm_7_1_eax;
	}
	if ((allowed & XCR0_AVX512) != XCR0_AVX512) {
		ebx_7_hidden |= avx512_7_ebx;
		ecx_7_hidden |= avx512_7_ecx;
		edx_7_hidden |= avx512_7_edx;
		eax_71_hidden |= avx512_7_1_eax;
	}

	/* Basic leaves. 0x2-0x5 (Intel cache descriptors, MONITOR/MWAIT) and
	 * 0x8-0xA, 0xC stay zero. */
	t->basic_last = MIN(h.basic_max, BASIC_LAST);
	t->basic[0] = (struct cpuid_regs4){ t->basic_last, r0.ebx, r0.ecx, r0.edx };
	t->basic[1] = (struct cpuid_regs4){
		r1.eax,
		apic << 24 | n << 16 | (r1.ebx & 0xff00),	/* APIC ID, logical processors, CLFLUSH size */
		(r1.ecx & keep_1_ecx & ~ecx_hidden) | CPUID_1_ECX_HYPERVISOR |
			(c->x2apic ? CPUID_1_ECX_X2APIC : 0) |
			(c->tsc_deadline ? CPUID_1_ECX_TSC_DEADLINE : 0),
		(r1.edx & (keep_1_edx | (c->mca ? mca_1_edx : 0))) | (n > 1 ? CPUID_1_EDX_HTT : 0),
	};
	t->basic[6] = (struct cpuid_regs4){ CPUID_6_EAX_ARAT, 0, 0, 0 };	/* the virtual LAPIC timer never stops */
	/* Leaf 7 EAX: the highest subleaf, capped at what the table holds. */
	t->leaf7[0] = (struct cpuid_regs4){ MIN(r7.eax, CPUID_7_N - 1u),
					    r7.ebx & keep_7_ebx & ~ebx_7_hidden,
					    r7.ecx & keep_7_ecx & ~ecx_7_hidden,
					    r7.edx & keep_7_edx & ~edx_7_hidden };
	t->leaf7[1] = (struct cpuid_regs4){ r7s1.eax & keep_7_1_eax & ~eax_71_hidden, 0, 0, 0 };
	/* Leaf 0xB (SDM Vol.2A, CPUID 0BH): one thread per core, n cores;
	 * EDX is the x2APIC ID in every subleaf. */
	t->apic_id = apic;
	t->leafb[0] = (struct cpuid_regs4){ 0, 1, 0 | 1u << 8, apic };		/* level 0: SMT */
	t->leafb[1] = (struct cpuid_regs4){ bits, n, 1 | 2u << 8, apic };	/* level 1: core */

	/* Extended leaves, APM Vol.3 E.4. 0x8000000A (SVM), 0x8000001B-1F
	 * (IBS, LWP, cache and core topology, SEV) and 0x80000020 stay zero. */
	t->ext_span = MIN(h.ext_max, EXT_LAST) - CPUID_EXT_BASE;
	t->ext[0x00] = (struct cpuid_regs4){ CPUID_EXT_BASE + t->ext_span, e0.ebx, e0.ecx, e0.edx };
	t->ext[0x01] = (struct cpuid_regs4){
		e1.eax, e1.ebx,
		(e1.ecx & keep_80000001_ecx & ~(allowed & XCR0_YMM ? 0 : ymm_80000001_ecx)) |
			(n > 1 ? CPUID_80000001_ECX_CMP_LEGACY : 0),
		e1.edx & (keep_80000001_edx | (c->mca ? mca_1_edx : 0)),
	};
	for (uint32_t l = 0x80000002u; l <= 0x80000006u; l++)	/* brand string, caches, TLBs */
		t->ext[l - CPUID_EXT_BASE] = host_get(&h, l, 0);
	t->ext[0x07] = (struct cpuid_regs4){ 0, 0, 0,
					     guest_80000007_edx };
	t->ext[0x08] = (struct cpuid_regs4){
		MIN(e8.eax & 0xff, GUEST_ADDR_BITS) | MIN((e8.eax >> 8) & 0xff, GUEST_ADDR_BITS) << 8,
		e8.ebx & keep_80000008_ebx,
		(n - 1) | bits << 12,	/* NC, ApicIdSize */
		0,
	};
	t->ext[0x19] = host_get(&h, 0x80000019u, 0);	/* 1 GiB-page TLBs */
	t->ext[0x1a] = host_get(&h, 0x8000001au, 0);	/* performance hints (FP256, MOVU) */
	t->ext[0x21] = (struct cpuid_regs4){ host_get(&h, 0x80000021u, 0).eax & keep_80000021_eax,
					     0, 0, 0 };

	/* Hypervisor leaves. The timing leaf only with a known TSC rate:
	 * FreeBSD trusts 0x40000010 EAX whenever the maximum reaches it. */
	t->hv_span = c->tsc_khz ? HV_TIMING - CPUID_HV_BASE : 0;
	t->hv[0] = (struct cpuid_regs4){ CPUID_HV_BASE + t->hv_span, SIG_EBX, SIG_ECX, SIG_EDX };
	if (c->tsc_khz)
		t->hv[HV_TIMING - CPUID_HV_BASE] = (struct cpuid_regs4){ c->tsc_khz, c->lapic_khz, 0, 0 };

	/* KVM's leaves one base up, also only with a known TSC rate: they
	 * promise kvmclock (MSR_KVM_SYSTEM_TIME_NEW, svm/msr.c), whose scale is
	 * that rate. Linux finds them by scanning every 0x100 from 0x40000000
	 * for the signature, whatever 0x40000000 EAX says. Features: kvmclock
	 * and its stable bit, nothing else; no hints. */
	if (c->tsc_khz) {
		t->kvm_n = CPUID_KVM_N;
		t->kvm_khz = c->tsc_khz;
		t->kvm[0] = (struct cpuid_regs4){ KVM_FEATURES, KVM_SIG_EBX, KVM_SIG_ECX, KVM_SIG_EDX };
		t->kvm[KVM_FEATURES - CPUID_KVM_BASE] = (struct cpuid_regs4){
			1u << KVM_FEATURE_CLOCKSOURCE2 | 1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, 0, 0, 0 };
	}
	return 0;
}

uint64_t cpuid_xcr0_allowed(const struct cpuid_table *t)
{
	return t->xcr0_allowed;
}

uint64_t cpuid_cr4_allowed(const struct cpuid_table *t)
{
	static const struct { uint8_t reg; uint32_t cpuid; uint64_t cr4; } need[] = {
		{ 0, CPUID_1_EDX_VME, CR4_VME | CR4_PVI },
		{ 0, CPUID_1_EDX_TSC, CR4_TSD },
		{ 0, CPUID_1_EDX_DE, CR4_DE },
		{ 0, CPUID_1_EDX_PSE, CR4_PSE },
		{ 0, CPUID_1_EDX_PAE, CR4_PAE },
		{ 0, CPUID_1_EDX_MCE, CR4_MCE },
		{ 0, CPUID_1_EDX_PGE, CR4_PGE },
		{ 0, CPUID_1_EDX_FXSR, CR4_OSFXSR },
		{ 0, CPUID_1_EDX_SSE, CR4_OSXMMEXCPT },
		{ 1, CPUID_1_ECX_PCID, CR4_PCIDE },
		{ 1, CPUID_1_ECX_XSAVE, CR4_OSXSAVE },
		{ 2, CPUID_7_EBX_FSGSBASE, CR4_FSGSBASE },
		{ 2, CPUID_7_EBX_SMEP, CR4_SMEP },
		{ 2, CPUID_7_EBX_SMAP, CR4_SMAP },
		{ 3, CPUID_7_ECX_UMIP, CR4_UMIP },
		{ 3, CPUID_7_ECX_PKU, CR4_PKE },
		{ 3, CPUID_7_ECX_LA57, CR4_LA57 },
		{ 3, CPUID_7_ECX_CET_SS, CR4_CET },
	};
	const uint32_t regs[4] = { t->basic[1].edx, t->basic[1].ecx, t->leaf7[0].ebx, t->leaf7[0].ecx };
	uint64_t allowed = CR4_PCE;	/* RDPMC is #GP anyway: no counters */

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (regs[need[i].reg] & need[i].cpuid)
			allowed |= need[i].cr4;
	return allowed;
}

bool xcr0_valid(uint64_t xcr0, uint64_t allowed)
{
	const uint64_t sse_ymm = XCR0_SSE | XCR0_YMM;

	if ((xcr0 & ~allowed) || !(xcr0 & XCR0_X87))
		return false;
	if ((xcr0 & XCR0_YMM) && !(xcr0 & XCR0_SSE))
		return false;
	if ((xcr0 & XCR0_AVX512) &&
	    ((xcr0 & XCR0_AVX512) != XCR0_AVX512 || (xcr0 & sse_ymm) != sse_ymm))
		return false;
	return true;
}

void cpuid_lookup_special(const struct cpuid_table *t, uint32_t leaf, uint32_t sub, uint64_t cr4,
			  uint64_t xcr0, struct cpuid_regs4 *out)
{
	static const struct cpuid_regs4 zero;

	switch (leaf) {
	case 0x1:
		*out = t->basic[1];
		/* OSXSAVE mirrors CR4.OSXSAVE, and only where XSAVE is offered. */
		if ((cr4 & CR4_OSXSAVE) && t->xcr0_allowed)
			out->ecx |= CPUID_1_ECX_OSXSAVE;
		return;
	case 0x7:
		*out = sub < CPUID_7_N ? t->leaf7[sub] : zero;
		return;
	case 0xb:
		/* Levels above the core: type 0 (invalid), ECX[7:0] echoes the
		 * level, EDX still the x2APIC ID (SDM Vol.2A, CPUID 0BH). */
		if (sub < CPUID_B_N)
			*out = t->leafb[sub];
		else
			*out = (struct cpuid_regs4){ 0, 0, sub & 0xff, t->apic_id };
		return;
	case 0xd:
		if (sub >= CPUID_D_N) {
			*out = zero;
			return;
		}
		*out = t->leafd[sub];
		/* Sub 0 EBX: the area XSAVE writes for the XCR0 in force
		 * (xsave_size[] ignores components that are not offered). */
		if (sub == 0)
			out->ebx = t->xsave_size[cpuid_xsave_index(xcr0)];
		return;
	}
	*out = zero;
}
