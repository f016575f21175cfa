/* SPDX-License-Identifier: BSD-2-Clause */
/* CPUID as the guest sees it: a table built once per vCPU from the host's
 * CPUID and the VM's shape (svm/cpuid.c holds the policy, docs/cpu.md
 * explains it leaf by leaf), and an inline lookup for the exit fast path.
 *
 * Pure: the host's values come in through a callback, so the same code
 * runs in the hypervisor, in tests/unit/test_cpuid.c and in
 * tests/fuzz/fuzz_cpuid.c. Bit names follow AMD64 APM Vol.3 Appendix E
 * ("CPUID Fn0000_0001_ECX" is leaf 1, register ECX); bits AMD leaves
 * reserved cite the Intel SDM Vol.2A CPUID tables (Table 3-8). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/x86_arch.h"

/* Fn0000_0001_ECX (x86_arch.h has VMX, XSAVE and HYPERVISOR) */
#define CPUID_1_ECX_SSE3        (1u << 0)
#define CPUID_1_ECX_PCLMULQDQ   (1u << 1)
#define CPUID_1_ECX_DTES64      (1u << 2)	/* Intel: 64-bit DS area */
#define CPUID_1_ECX_MONITOR     (1u << 3)
#define CPUID_1_ECX_DS_CPL      (1u << 4)	/* Intel */
#define CPUID_1_ECX_SMX         (1u << 6)	/* Intel: GETSEC */
#define CPUID_1_ECX_EST         (1u << 7)	/* Intel: SpeedStep MSRs */
#define CPUID_1_ECX_TM2         (1u << 8)	/* Intel */
#define CPUID_1_ECX_SSSE3       (1u << 9)
#define CPUID_1_ECX_CNXT_ID     (1u << 10)	/* Intel */
#define CPUID_1_ECX_SDBG        (1u << 11)	/* Intel: debug-interface MSR */
#define CPUID_1_ECX_FMA         (1u << 12)
#define CPUID_1_ECX_CX16        (1u << 13)	/* CMPXCHG16B */
#define CPUID_1_ECX_XTPR        (1u << 14)	/* Intel */
#define CPUID_1_ECX_PDCM        (1u << 15)	/* Intel: perf capabilities MSR */
#define CPUID_1_ECX_PCID        (1u << 17)
#define CPUID_1_ECX_DCA         (1u << 18)	/* Intel */
#define CPUID_1_ECX_SSE41       (1u << 19)
#define CPUID_1_ECX_SSE42       (1u << 20)
#define CPUID_1_ECX_X2APIC      (1u << 21)
#define CPUID_1_ECX_MOVBE       (1u << 22)
#define CPUID_1_ECX_POPCNT      (1u << 23)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)	/* Intel, and the LAPIC we give */
#define CPUID_1_ECX_AES         (1u << 25)
#define CPUID_1_ECX_OSXSAVE     (1u << 27)	/* mirrors CR4.OSXSAVE */
#define CPUID_1_ECX_AVX         (1u << 28)
#define CPUID_1_ECX_F16C        (1u << 29)
#define CPUID_1_ECX_RDRAND      (1u << 30)

/* Fn0000_0001_EDX */
#define CPUID_1_EDX_FPU    (1u << 0)
#define CPUID_1_EDX_VME    (1u << 1)
#define CPUID_1_EDX_DE     (1u << 2)
#define CPUID_1_EDX_PSE    (1u << 3)
#define CPUID_1_EDX_TSC    (1u << 4)
#define CPUID_1_EDX_MSR    (1u << 5)
#define CPUID_1_EDX_PAE    (1u << 6)
#define CPUID_1_EDX_MCE    (1u << 7)
#define CPUID_1_EDX_CX8    (1u << 8)
#define CPUID_1_EDX_APIC   (1u << 9)
#define CPUID_1_EDX_SEP    (1u << 11)	/* SYSENTER/SYSEXIT */
#define CPUID_1_EDX_MTRR   (1u << 12)
#define CPUID_1_EDX_PGE    (1u << 13)
#define CPUID_1_EDX_MCA    (1u << 14)
#define CPUID_1_EDX_CMOV   (1u << 15)
#define CPUID_1_EDX_PAT    (1u << 16)
#define CPUID_1_EDX_PSE36  (1u << 17)
#define CPUID_1_EDX_PSN    (1u << 18)	/* Intel: serial number */
#define CPUID_1_EDX_CLFSH  (1u << 19)
#define CPUID_1_EDX_DS     (1u << 21)	/* Intel: debug store */
#define CPUID_1_EDX_ACPI   (1u << 22)	/* Intel: thermal MSRs */
#define CPUID_1_EDX_MMX    (1u << 23)
#define CPUID_1_EDX_FXSR   (1u << 24)
#define CPUID_1_EDX_SSE    (1u << 25)
#define CPUID_1_EDX_SSE2   (1u << 26)
#define CPUID_1_EDX_SS     (1u << 27)	/* Intel: self-snoop */
#define CPUID_1_EDX_HTT    (1u << 28)	/* EBX[23:16] is valid */
#define CPUID_1_EDX_TM     (1u << 29)	/* Intel */
#define CPUID_1_EDX_IA64   (1u << 30)
#define CPUID_1_EDX_PBE    (1u << 31)	/* Intel */

/* Fn0000_0006_EAX */
#define CPUID_6_EAX_ARAT   (1u << 2)	/* APIC timer runs in every C-state */

/* Fn0000_0007_EBX, subleaf 0 */
#define CPUID_7_EBX_FSGSBASE     (1u << 0)
#define CPUID_7_EBX_TSC_ADJUST   (1u << 1)	/* IA32_TSC_ADJUST MSR */
#define CPUID_7_EBX_SGX          (1u << 2)
#define CPUID_7_EBX_BMI1         (1u << 3)
#define CPUID_7_EBX_HLE          (1u << 4)	/* TSX */
#define CPUID_7_EBX_AVX2         (1u << 5)
#define CPUID_7_EBX_FDP_EXCPTN_ONLY (1u << 6)	/* x87 FDP updated on exceptions only */
#define CPUID_7_EBX_SMEP         (1u << 7)
#define CPUID_7_EBX_BMI2         (1u << 8)
#define CPUID_7_EBX_ERMS         (1u << 9)	/* enhanced REP MOVSB/STOSB */
#define CPUID_7_EBX_INVPCID      (1u << 10)
#define CPUID_7_EBX_RTM          (1u << 11)	/* TSX */
#define CPUID_7_EBX_PQM          (1u << 12)	/* RDT monitoring (AMD PQM) */
#define CPUID_7_EBX_ZERO_FCS_FDS (1u << 13)	/* x87 CS/DS deprecated (stored as 0) */
#define CPUID_7_EBX_MPX          (1u << 14)
#define CPUID_7_EBX_PQE          (1u << 15)	/* RDT allocation (AMD PQE) */
#define CPUID_7_EBX_AVX512F      (1u << 16)
#define CPUID_7_EBX_AVX512DQ     (1u << 17)
#define CPUID_7_EBX_RDSEED       (1u << 18)
#define CPUID_7_EBX_ADX          (1u << 19)
#define CPUID_7_EBX_SMAP         (1u << 20)
#define CPUID_7_EBX_AVX512IFMA   (1u << 21)
#define CPUID_7_EBX_CLFLUSHOPT   (1u << 23)
#define CPUID_7_EBX_CLWB         (1u << 24)
#define CPUID_7_EBX_INTEL_PT     (1u << 25)
#define CPUID_7_EBX_AVX512PF     (1u << 26)
#define CPUID_7_EBX_AVX512ER     (1u << 27)
#define CPUID_7_EBX_AVX512CD     (1u << 28)
#define CPUID_7_EBX_SHA          (1u << 29)
#define CPUID_7_EBX_AVX512BW     (1u << 30)
#define CPUID_7_EBX_AVX512VL     (1u << 31)

/* Fn0000_0007_ECX, subleaf 0 */
#define CPUID_7_ECX_PREFETCHWT1  (1u << 0)
#define CPUID_7_ECX_AVX512VBMI   (1u << 1)
#define CPUID_7_ECX_UMIP         (1u << 2)
#define CPUID_7_ECX_PKU          (1u << 3)
#define CPUID_7_ECX_OSPKE        (1u << 4)
#define CPUID_7_ECX_WAITPKG      (1u << 5)
#define CPUID_7_ECX_AVX512VBMI2  (1u << 6)
#define CPUID_7_ECX_CET_SS       (1u << 7)
#define CPUID_7_ECX_GFNI         (1u << 8)
#define CPUID_7_ECX_VAES         (1u << 9)
#define CPUID_7_ECX_VPCLMULQDQ   (1u << 10)
#define CPUID_7_ECX_AVX512VNNI   (1u << 11)
#define CPUID_7_ECX_AVX512BITALG (1u << 12)
#define CPUID_7_ECX_TME          (1u << 13)
#define CPUID_7_ECX_AVX512VPOPCNTDQ (1u << 14)
#define CPUID_7_ECX_LA57         (1u << 16)
#define CPUID_7_ECX_RDPID        (1u << 22)
#define CPUID_7_ECX_KL           (1u << 23)	/* Key Locker */
#define CPUID_7_ECX_BUS_LOCK_DETECT (1u << 24)
#define CPUID_7_ECX_CLDEMOTE     (1u << 25)
#define CPUID_7_ECX_MOVDIRI      (1u << 27)
#define CPUID_7_ECX_MOVDIR64B    (1u << 28)
#define CPUID_7_ECX_ENQCMD       (1u << 29)
#define CPUID_7_ECX_SGX_LC       (1u << 30)
#define CPUID_7_ECX_PKS          (1u << 31)

/* Fn0000_0007_EDX, subleaf 0 */
#define CPUID_7_EDX_AVX512_4VNNIW (1u << 2)
#define CPUID_7_EDX_AVX512_4FMAPS (1u << 3)
#define CPUID_7_EDX_FSRM         (1u << 4)	/* fast short REP MOVSB */
#define CPUID_7_EDX_UINTR        (1u << 5)
#define CPUID_7_EDX_AVX512_VP2INTERSECT (1u << 8)
#define CPUID_7_EDX_SRBDS_CTRL   (1u << 9)
#define CPUID_7_EDX_MD_CLEAR     (1u << 10)	/* VERW clears CPU buffers */
#define CPUID_7_EDX_RTM_ALWAYS_ABORT (1u << 11)
#define CPUID_7_EDX_TSX_FORCE_ABORT (1u << 13)
#define CPUID_7_EDX_SERIALIZE    (1u << 14)
#define CPUID_7_EDX_HYBRID       (1u << 15)
#define CPUID_7_EDX_TSXLDTRK     (1u << 16)
#define CPUID_7_EDX_PCONFIG      (1u << 18)
#define CPUID_7_EDX_ARCH_LBR     (1u << 19)
#define CPUID_7_EDX_CET_IBT      (1u << 20)
#define CPUID_7_EDX_AMX_BF16     (1u << 22)
#define CPUID_7_EDX_AVX512_FP16  (1u << 23)
#define CPUID_7_EDX_AMX_TILE     (1u << 24)
#define CPUID_7_EDX_AMX_INT8     (1u << 25)
#define CPUID_7_EDX_IBRS_IBPB    (1u << 26)	/* SPEC_CTRL.IBRS and PRED_CMD */
#define CPUID_7_EDX_STIBP        (1u << 27)
#define CPUID_7_EDX_L1D_FLUSH    (1u << 28)
#define CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)
#define CPUID_7_EDX_CORE_CAPABILITIES (1u << 30)
#define CPUID_7_EDX_SSBD         (1u << 31)

/* Fn0000_0007_EAX, subleaf 1 */
#define CPUID_7_1_EAX_AVX_VNNI   (1u << 4)
#define CPUID_7_1_EAX_AVX512_BF16 (1u << 5)
#define CPUID_7_1_EAX_FZRM       (1u << 10)	/* fast zero-length REP MOVSB */
#define CPUID_7_1_EAX_FSRS       (1u << 11)	/* fast short REP STOSB */
#define CPUID_7_1_EAX_FSRC       (1u << 12)	/* fast short REP CMPSB/SCASB */

/* Fn0000_000D_EAX, subleaf 1 */
#define CPUID_D_1_EAX_XSAVEOPT   (1u << 0)
#define CPUID_D_1_EAX_XSAVEC     (1u << 1)
#define CPUID_D_1_EAX_XGETBV1    (1u << 2)	/* XGETBV with ECX = 1 */
#define CPUID_D_1_EAX_XSAVES     (1u << 3)	/* and IA32_XSS */
/* Fn0000_000D_ECX, subleaves 2 and up */
#define CPUID_D_N_ECX_XSS        (1u << 0)	/* a supervisor (IA32_XSS) component */
#define CPUID_D_N_ECX_ALIGN64    (1u << 1)	/* 64-byte aligned when compacted */

/* Fn8000_0001_ECX (x86_arch.h has SVM) */
#define CPUID_80000001_ECX_LAHF_LM      (1u << 0)
#define CPUID_80000001_ECX_CMP_LEGACY   (1u << 1)	/* HTT counts cores, not threads */
#define CPUID_80000001_ECX_EXTAPIC      (1u << 3)	/* extended APIC register space */
#define CPUID_80000001_ECX_ALTMOVCR8    (1u << 4)	/* LOCK MOV CR0 is MOV CR8 */
#define CPUID_80000001_ECX_ABM          (1u << 5)	/* LZCNT */
#define CPUID_80000001_ECX_SSE4A        (1u << 6)
#define CPUID_80000001_ECX_MISALIGNSSE  (1u << 7)
#define CPUID_80000001_ECX_3DNOWPREFETCH (1u << 8)
#define CPUID_80000001_ECX_OSVW         (1u << 9)	/* OS-visible workaround MSRs */
#define CPUID_80000001_ECX_IBS          (1u << 10)
#define CPUID_80000001_ECX_XOP          (1u << 11)
#define CPUID_80000001_ECX_SKINIT       (1u << 12)
#define CPUID_80000001_ECX_WDT          (1u << 13)
#define CPUID_80000001_ECX_LWP          (1u << 15)
#define CPUID_80000001_ECX_FMA4         (1u << 16)
#define CPUID_80000001_ECX_TCE          (1u << 17)	/* EFER.TCE */
#define CPUID_80000001_ECX_NODEID       (1u << 19)	/* NodeId MSR */
#define CPUID_80000001_ECX_TBM          (1u << 21)
#define CPUID_80000001_ECX_TOPOEXT      (1u << 22)	/* leaves 8000_001D/1E */
#define CPUID_80000001_ECX_PERFCTR_CORE (1u << 23)
#define CPUID_80000001_ECX_PERFCTR_NB   (1u << 24)
#define CPUID_80000001_ECX_DBX          (1u << 26)	/* data breakpoint extension */
#define CPUID_80000001_ECX_PERFTSC      (1u << 27)
#define CPUID_80000001_ECX_PERFCTR_LLC  (1u << 28)
#define CPUID_80000001_ECX_MONITORX     (1u << 29)
#define CPUID_80000001_ECX_ADDRMASKEXT  (1u << 30)

/* Fn8000_0001_EDX (x86_arch.h has NX, PG1G and LM); bits 0-9, 12-17,
 * 23 and 24 repeat leaf 1 EDX. */
#define CPUID_80000001_EDX_SYSCALL  (1u << 11)
#define CPUID_80000001_EDX_MMXEXT   (1u << 22)
#define CPUID_80000001_EDX_FFXSR    (1u << 25)	/* EFER.FFXSR */
#define CPUID_80000001_EDX_RDTSCP   (1u << 27)
#define CPUID_80000001_EDX_3DNOWEXT (1u << 30)
#define CPUID_80000001_EDX_3DNOW    (1u << 31)

/* Fn8000_0007_EDX */
#define CPUID_80000007_EDX_INVTSC   (1u << 8)	/* TSC rate is invariant */

/* Fn8000_0008_EBX (x86_arch.h has IBPB) */
#define CPUID_80000008_EBX_CLZERO        (1u << 0)
#define CPUID_80000008_EBX_IRPERF        (1u << 1)	/* instructions-retired MSR */
#define CPUID_80000008_EBX_XSAVEERPTR    (1u << 2)	/* FXSAVE/XSAVE always save FP error pointers */
#define CPUID_80000008_EBX_INVLPGB       (1u << 3)
#define CPUID_80000008_EBX_RDPRU         (1u << 4)
#define CPUID_80000008_EBX_MBE           (1u << 6)	/* memory bandwidth enforcement */
#define CPUID_80000008_EBX_MCOMMIT       (1u << 8)
#define CPUID_80000008_EBX_WBNOINVD      (1u << 9)
#define CPUID_80000008_EBX_INT_WBINVD    (1u << 13)
#define CPUID_80000008_EBX_IBRS          (1u << 14)
#define CPUID_80000008_EBX_STIBP         (1u << 15)
#define CPUID_80000008_EBX_IBRS_ALWAYS_ON  (1u << 16)
#define CPUID_80000008_EBX_STIBP_ALWAYS_ON (1u << 17)
#define CPUID_80000008_EBX_IBRS_PREFERRED  (1u << 18)
#define CPUID_80000008_EBX_IBRS_SAME_MODE  (1u << 19)
#define CPUID_80000008_EBX_NO_EFER_LMSLE (1u << 20)	/* EFER.LMSLE is not supported */
#define CPUID_80000008_EBX_INVLPGB_NESTED (1u << 21)
#define CPUID_80000008_EBX_PPIN          (1u << 23)
#define CPUID_80000008_EBX_SSBD          (1u << 24)
#define CPUID_80000008_EBX_VIRT_SSBD     (1u << 25)
#define CPUID_80000008_EBX_SSB_NO        (1u << 26)	/* not affected by store bypass */
#define CPUID_80000008_EBX_CPPC          (1u << 27)
#define CPUID_80000008_EBX_PSFD          (1u << 28)
#define CPUID_80000008_EBX_BTC_NO        (1u << 29)	/* not affected by branch type confusion */
#define CPUID_80000008_EBX_IBPB_RET      (1u << 30)

/* Fn8000_0021_EAX */
#define CPUID_80000021_EAX_NO_NESTED_DATA_BP (1u << 0)
#define CPUID_80000021_EAX_LFENCE_SERIALIZING (1u << 2)	/* LFENCE always dispatch-serializing */
#define CPUID_80000021_EAX_NULL_SEL_CLR_BASE (1u << 6)
#define CPUID_80000021_EAX_UPPER_ADDR_IGNORE (1u << 7)	/* EFER.UAIE */
#define CPUID_80000021_EAX_AUTO_IBRS     (1u << 8)	/* EFER.AIBRSE */
#define CPUID_80000021_EAX_NO_SMM_CTL    (1u << 9)	/* no SMM_CTL MSR */
#define CPUID_80000021_EAX_FSRS          (1u << 10)
#define CPUID_80000021_EAX_FSRC          (1u << 11)

/* The leaves the table holds (each range starts at its leaf 0). A leaf
 * above its range's maximum reads as zeros, as on an AMD CPU. */
#define CPUID_BASIC_N  0x0e	/* 0 .. 0xD: XSAVE is the last we model */
#define CPUID_HV_BASE  0x40000000u
#define CPUID_HV_N     0x11	/* 0x40000000 .. 0x40000010 */
#define CPUID_KVM_BASE 0x40000100u	/* KVM's leaves, one base up (hypervisor_cpuid_base() scans) */
#define CPUID_KVM_N    2	/* 0x40000100 signature, 0x40000101 features */
#define CPUID_EXT_BASE 0x80000000u
#define CPUID_EXT_N    0x22	/* 0x80000000 .. 0x80000021 */
#define CPUID_7_N      2	/* leaf 7 subleaves 0 and 1 */
#define CPUID_B_N      2	/* leaf 0xB: SMT and core levels; higher ones are made at lookup */
#define CPUID_D_N      8	/* leaf 0xD subleaves 0 .. 7 (x87 .. Hi16_ZMM) */

/* Basic leaves the fast path leaves to cpuid_lookup_special(): OSXSAVE
 * (1), subleaves (7, 0xB, 0xD) and the XSAVE size (0xD). */
#define CPUID_SPECIAL_LEAVES ((1u << 0x1) | (1u << 0x7) | (1u << 0xb) | (1u << 0xd))
_Static_assert(CPUID_BASIC_N <= 32, "CPUID_SPECIAL_LEAVES is a 32-bit mask over the basic leaves");

/* KVM's paravirtual interface as Linux finds it (Linux
 * arch/x86/include/uapi/asm/kvm_para.h, Documentation/virt/kvm/x86/cpuid.rst):
 * the signature leaf's EBX, ECX, EDX spell "KVMKVMKVM\0\0\0"; the features
 * leaf's EAX has one bit per KVM_FEATURE_*, EDX the hints. Only kvmclock is
 * offered (docs/cpu.md "KVM leaves"). */
#define KVM_FEATURE_CLOCKSOURCE2           3	/* MSRs 0x4b564d00/01 (svm/msr.h) */
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT 24	/* PVCLOCK_TSC_STABLE_BIT may be trusted */
#define KVM_SIG_EBX 0x4b4d564bu	/* "KVMK" */
#define KVM_SIG_ECX 0x564b4d56u	/* "VMKV" */
#define KVM_SIG_EDX 0x0000004du	/* "M\0\0\0" */

struct cpuid_regs4 {
	uint32_t eax, ebx, ecx, edx;
};

/* The host's CPUID for (leaf, sub); it fills every register of out. */
typedef void (*cpuid_host_fn)(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs4 *out);

struct cpuid_config {
	uint32_t nr_vcpus;	/* the VM's vCPUs, 1..8; vCPU i has APIC ID i */
	uint32_t vcpu;		/* which vCPU this table is for (its APIC ID) */
	uint32_t tsc_khz;	/* host TSC rate (0: unknown; no timing leaf, no kvmclock) */
	uint32_t lapic_khz;	/* LAPIC timer input rate the guest will see (0: unknown) */
	bool x2apic;		/* the local APIC offers x2APIC */
	bool tsc_deadline;	/* ... and TSC-deadline */
	bool mca;		/* machine-check architecture offered */
};
#define CPUID_MAX_VCPUS 8	/* svm/vm.h VM_MAX_VCPUS */

/* One per vCPU, built once at VM creation; no pointers, so it can be
 * copied or placed in any memory. cpuid_build() caps basic_last and the
 * spans so that every index the lookup computes stays inside its array. */
struct cpuid_table {
	uint32_t basic_last;	/* leaf 0 EAX: highest basic leaf, < CPUID_BASIC_N */
	uint32_t hv_span;	/* 0x40000000 EAX - 0x40000000, < CPUID_HV_N */
	uint32_t ext_span;	/* 0x80000000 EAX - 0x80000000, < CPUID_EXT_N */
	uint32_t kvm_n;		/* KVM leaves answered from kvm[]: 0 or CPUID_KVM_N */
	uint32_t kvm_khz;	/* the TSC rate kvmclock announces; 0 when kvm_n is 0 */
	uint32_t apic_id;	/* leaf 0xB subleaves >= CPUID_B_N carry it in EDX */
	uint64_t xcr0_allowed;	/* cpuid_xcr0_allowed() */
	struct cpuid_regs4 basic[CPUID_BASIC_N];	/* [1] without OSXSAVE; [7], [0xB], [0xD] unused */
	struct cpuid_regs4 hv[CPUID_HV_N];
	struct cpuid_regs4 kvm[CPUID_KVM_N];
	struct cpuid_regs4 ext[CPUID_EXT_N];
	struct cpuid_regs4 leaf7[CPUID_7_N];
	struct cpuid_regs4 leafb[CPUID_B_N];
	struct cpuid_regs4 leafd[CPUID_D_N];
	/* XSAVE area size (standard format) for each subset of the optional
	 * components 2, 5, 6, 7 (index: cpuid_xsave_index()); x87 and SSE
	 * are always part of it. */
	uint32_t xsave_size[16];
};

/* 0, or -1 with a reason in err (e.g. the host lacks a leaf we need). */
int cpuid_build(struct cpuid_table *t, const struct cpuid_config *c, cpuid_host_fn host, void *ctx,
		char *err, size_t errlen);

/* The XCR0 bits a guest may set with XSETBV: x87, SSE, AVX and, when the
 * host has all three, the AVX-512 trio; never PKRU, supervisor-state bits
 * or bits the host lacks. 0 when XSAVE is not offered (XSETBV is #UD). */
uint64_t cpuid_xcr0_allowed(const struct cpuid_table *t);

/* The CR4 bits a guest may set: those of the features its CPUID offers
 * (VME/PVI, TSD, DE, PSE, PAE, MCE, PGE, OSFXSR, OSXMMEXCPT, PCIDE,
 * OSXSAVE, FSGSBASE, SMEP, SMAP, UMIP, PKE, LA57, CET) and PCE; every other
 * bit is a #GP (svm/crx.c). */
uint64_t cpuid_cr4_allowed(const struct cpuid_table *t);

/* May a guest's XSETBV write this XCR0? Only bits in allowed (from
 * cpuid_xcr0_allowed()), x87 always, YMM only with SSE, the AVX-512 trio
 * whole and only with SSE and YMM (APM Vol.3 XSETBV, SDM Vol.1 13.3);
 * false means #GP. */
bool xcr0_valid(uint64_t xcr0, uint64_t allowed);

/* The TSC kHz the vCPU's kvmclock runs at when its CPUID offers KVM's
 * leaves (KVM_FEATURE_CLOCKSOURCE2), else 0: svm/msr.c's kvmclock MSRs
 * exist exactly when this is not 0. */
static inline uint32_t cpuid_kvmclock_khz(const struct cpuid_table *t)
{
	return t->kvm_n ? t->kvm_khz : 0;
}

/* The slow part of cpuid_lookup(): the leaves in CPUID_SPECIAL_LEAVES. */
void cpuid_lookup_special(const struct cpuid_table *t, uint32_t leaf, uint32_t sub, uint64_t cr4,
			  uint64_t xcr0, struct cpuid_regs4 *out);

/* Bits 2, 5, 6, 7 of an XCR0 value as a 4-bit index into xsave_size[]. */
static inline uint32_t cpuid_xsave_index(uint64_t xcr0)
{
	return (uint32_t)(((xcr0 >> 2) & 1) | ((xcr0 >> 4) & 0xe));
}

/* The guest's view of (leaf, sub). cr4 and xcr0 are the guest's current
 * CR4 and XCR0; only leaves 1 (OSXSAVE) and 0xD (its EBX) read them. A
 * plain leaf is at most four range compares and one 16-byte copy: the
 * ranges are unsigned differences, so a leaf below a range's base wraps
 * above its span. */
static inline void cpuid_lookup(const struct cpuid_table *t, uint32_t leaf, uint32_t sub,
				uint64_t cr4, uint64_t xcr0, struct cpuid_regs4 *out)
{
	const struct cpuid_regs4 *e;

	if (leaf <= t->basic_last) {
		if ((CPUID_SPECIAL_LEAVES >> leaf) & 1) {
			cpuid_lookup_special(t, leaf, sub, cr4, xcr0, out);
			return;
		}
		e = &t->basic[leaf];
	} else if (leaf - CPUID_EXT_BASE <= t->ext_span) {
		e = &t->ext[leaf - CPUID_EXT_BASE];
	} else if (leaf - CPUID_HV_BASE <= t->hv_span) {
		e = &t->hv[leaf - CPUID_HV_BASE];
	} else if (leaf - CPUID_KVM_BASE < t->kvm_n) {
		e = &t->kvm[leaf - CPUID_KVM_BASE];
	} else {
		*out = (struct cpuid_regs4){ 0, 0, 0, 0 };
		return;
	}
	*out = *e;
}
