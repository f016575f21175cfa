/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's MSRs: which pass through, which are emulated and how, and
 * which raise #GP (docs/cpu.md "MSRs" has the table and the reasons).
 * Pure: no instruction, no print. svm/exits.c reads the real TSC, calls
 * msr_access and applies the outcome (inject #GP, re-run vmcb_check, load
 * TSC_AUX); host-tested by tests/unit/test_msr.c and tests/fuzz/fuzz_msr.c.
 * AMD64 APM Vol.2 Appendix A lists the MSRs; the AMD family 17h/19h PPRs
 * (Processor Programming Reference) the model-specific ones. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/lib/spinlock.h"
#include "svm/vmcb.h"

/* MSR numbers beyond kernel/lib/x86_arch.h's, APM Vol.2 Appendix A and
 * the family 17h PPR (Core::X86::Msr::*) */
#define MSR_SPEC_CTRL        0x00000048u
#define MSR_PRED_CMD         0x00000049u
#define MSR_PATCH_LEVEL      0x0000008bu
#define MSR_MTRR_CAP         0x000000feu
#define MSR_SYSENTER_CS      0x00000174u
#define MSR_SYSENTER_ESP     0x00000175u
#define MSR_SYSENTER_EIP     0x00000176u
#define MSR_MCG_CAP          0x00000179u
#define MSR_MCG_STATUS       0x0000017au
#define MSR_MCG_CTL          0x0000017bu
#define MSR_MTRR_VAR_BASE    0x00000200u	/* PhysBase n at 0x200 + 2n, PhysMask n at 0x201 + 2n */
#define MSR_MTRR_VAR_LAST    0x0000020fu
#define MSR_MTRR_FIX_64K     0x00000250u	/* 0x00000-0x7FFFF, 64 KiB per byte */
#define MSR_MTRR_FIX_16K_80  0x00000258u	/* 0x80000-0x9FFFF, 16 KiB per byte */
#define MSR_MTRR_FIX_16K_A0  0x00000259u	/* 0xA0000-0xBFFFF */
#define MSR_MTRR_FIX_4K      0x00000268u	/* 0x268-0x26F: 0xC0000-0xFFFFF, 4 KiB per byte */
#define MSR_MTRR_FIX_4K_LAST 0x0000026fu
#define MSR_MTRR_DEF_TYPE    0x000002ffu
#define MSR_MC_BANKS         0x00000400u	/* MCi_CTL/STATUS/ADDR/MISC, 4 per bank */
#define MSR_MC_BANKS_LAST    0x0000047fu
#define MSR_X2APIC           0x00000800u	/* the x2APIC registers, 0x800-0x8FF */
#define MSR_X2APIC_LAST      0x000008ffu
#define MSR_PERF_CTL0        0xc0010000u	/* PERF_CTL0-3 at C001_0000-3 */
#define MSR_PERF_CTR0        0xc0010004u	/* PERF_CTR0-3 at C001_0004-7 */
#define MSR_SYSCFG           0xc0010010u
#define MSR_HWCR             0xc0010015u
#define MSR_TOP_MEM          0xc001001au
#define MSR_TOM2             0xc001001du
#define MSR_NB_CFG           0xc001001fu
#define MSR_K8_INT_PENDING_MSG 0xc0010055u	/* K8/family 10h: interrupt pending, C1E (Linux's name) */
#define MSR_VM_CR            0xc0010114u
#define MSR_VM_HSAVE_PA      0xc0010117u
#define MSR_OSVW_ID_LENGTH   0xc0010140u
#define MSR_OSVW_STATUS      0xc0010141u
#define MSR_DE_CFG           0xc0011029u

/* KVM's kvmclock MSRs (Linux Documentation/virt/kvm/x86/msr.rst,
 * arch/x86/include/uapi/asm/kvm_para.h), offered with CPUID's KVM leaves
 * (svm/cpuid.h KVM_FEATURE_CLOCKSOURCE2) and #GP without them. */
#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00u	/* write: a GPA for struct pvclock_wall_clock */
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u	/* the vCPU's struct pvclock_vcpu_time_info */
#define KVM_SYSTEM_TIME_ENABLE  1ull		/* bit 0; bits 63:1 are the GPA */

/* pvclock, Linux arch/x86/include/uapi/asm/pvclock-abi.h (packed there;
 * every field is naturally aligned, so the plain layout is the same). The
 * guest reads, retrying while version is odd or has changed:
 *   ns = system_time + scale(tsc - tsc_timestamp), with
 *   scale(d) = ((tsc_shift >= 0 ? d << tsc_shift : d >> -tsc_shift)
 *               * tsc_to_system_mul) >> 32 */
struct pvclock_vcpu_time_info {
	uint32_t version;		/* 0x00: odd while the host writes */
	uint32_t pad0;			/* 0x04 */
	uint64_t tsc_timestamp;		/* 0x08: the guest's TSC at system_time */
	uint64_t system_time;		/* 0x10: kvmclock ns at tsc_timestamp */
	uint32_t tsc_to_system_mul;	/* 0x18: ns per tick as a 0.32 fraction, before the shift */
	int8_t tsc_shift;		/* 0x1c */
	uint8_t flags;			/* 0x1d: PVCLOCK_* */
	uint8_t pad[2];			/* 0x1e */
};
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock-abi.h: 32 bytes");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_timestamp) == 0x08, "pvclock-abi.h");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, system_time) == 0x10, "pvclock-abi.h");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul) == 0x18, "pvclock-abi.h");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_shift) == 0x1c, "pvclock-abi.h");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, flags) == 0x1d, "pvclock-abi.h");
#define PVCLOCK_TSC_STABLE_BIT (1u << 0)	/* every vCPU's reading agrees: no cross-CPU fix-up */

/* The wall-clock time (UTC) at kvmclock time 0; the guest adds its
 * kvmclock to it. pvclock-abi.h; 12 bytes. */
struct pvclock_wall_clock {
	uint32_t version;	/* 0x00 */
	uint32_t sec;		/* 0x04 */
	uint32_t nsec;		/* 0x08 */
};
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "pvclock-abi.h: 12 bytes");
_Static_assert(__builtin_offsetof(struct pvclock_wall_clock, nsec) == 0x08, "pvclock-abi.h");

/* APIC_BASE (0x1B), APM Vol.2 16.3 */
#define APIC_BASE_BSP      (1ull << 8)	/* this is the bootstrap processor; read-only */
#define APIC_BASE_EXTD     (1ull << 10)	/* x2APIC mode */
#define APIC_BASE_EN       (1ull << 11)	/* APIC enabled */
#define APIC_BASE_ADDR     0xfee00000ull	/* the only base offered: no relocation */

/* Memory types in MTRRs and PAT entries, APM Vol.2 7.7 and 7.8 */
#define MTYPE_UC  0
#define MTYPE_WC  1
#define MTYPE_WT  4
#define MTYPE_WP  5
#define MTYPE_WB  6
#define MTYPE_UCM 7	/* UC-: PAT only */

/* MTRRcap, MTRRdefType and variable ranges, APM Vol.2 7.7 */
#define MTRR_CAP_VCNT      8		/* variable ranges */
#define MTRR_CAP_FIX       (1ull << 8)	/* fixed ranges */
#define MTRR_CAP_WC        (1ull << 10)	/* write-combining type */
#define MTRR_DEF_TYPE_MASK 0xffull
#define MTRR_DEF_FE        (1ull << 10)	/* fixed ranges enabled */
#define MTRR_DEF_E         (1ull << 11)	/* MTRRs enabled */
#define MTRR_PHYS_TYPE_MASK 0xffull	/* PhysBase 7:0 */
#define MTRR_PHYS_MASK_V   (1ull << 11)	/* PhysMask: range valid */
#define MTRR_NR_FIXED      11		/* 0x250, 0x258, 0x259, 0x268-0x26F */

/* HWCR (C001_0015), family 17h PPR Core::X86::Msr::HWCR */
#define HWCR_TLB_CACHE_DIS (1ull << 3)	/* K7/K8 era; ignored */
#define HWCR_FFDIS         (1ull << 6)	/* TLB flush filter disable (K8 erratum 63/122): ignored */
#define HWCR_IGNNE_EM      (1ull << 8)	/* IGNNE emulation: ignored */
#define HWCR_MCSTATUS_WREN (1ull << 18)	/* MCi_STATUS writable (mce-inject) */
#define HWCR_TSC_FREQ_SEL  (1ull << 24)	/* TSC counts at the P0 frequency; read-only 1 */
#define HWCR_CPB_DIS       (1ull << 25)	/* core performance boost disable */

/* SYSCFG (C001_0010), family 17h PPR Core::X86::Msr::SYS_CFG */
#define SYSCFG_MTRR_FIX_DRAM_EN     (1ull << 18)
#define SYSCFG_MTRR_FIX_DRAM_MOD_EN (1ull << 19)
#define SYSCFG_MTRR_VAR_DRAM_EN     (1ull << 20)	/* TOP_MEM and variable MTRRs decode DRAM */
#define SYSCFG_MTRR_TOM2_EN         (1ull << 21)	/* TOM2 decodes DRAM above 4 GiB */
#define SYSCFG_TOM2_FORCE_WB        (1ull << 22)	/* [4 GiB, TOM2) is write-back */
#define SYSCFG_MEM_ENCRYPT_EN       (1ull << 23)	/* SME; SNP, VMPL and up above it */

/* DE_CFG (C001_1029): LFENCE is dispatch-serializing (Linux sets it) */
#define DE_CFG_LFENCE_SERIALIZE (1ull << 1)

/* The guest's view of the memory map, for TOP_MEM and TOM2: RAM at
 * [0, min(mem, MSR_MMIO_HOLE)) and, when mem > 4 GiB, at [4 GiB, mem);
 * [MSR_MMIO_HOLE, 4 GiB) is device space (IOAPIC, local APIC, PCI). Both
 * registers count in 8 MiB units (bits 47:23). */
#define MSR_MMIO_HOLE     0xe0000000ull
#define MSR_TOM_GRANULE   (8ull << 20)

enum msr_result {
	MSR_OK,
	MSR_GP,		/* inject #GP; nothing changed */
	MSR_GP_FIRST,	/* MSR_GP, and the first #GP on this MSR number in the VM: log it */
	MSR_RECHECK,	/* OK, and a field VMRUN checks changed (EFER): re-run vmcb_check */
	MSR_KVMCLOCK,	/* OK, and publish this vCPU's kvmclock: kvmclock_time_info() at
			   msr_kvmclock_gpa() through pvclock_publish_time() */
	MSR_WALLCLOCK,	/* OK, and write the wall clock: kvmclock_wall_clock() at the GPA
			   written (*val) through pvclock_publish_wall() */
};

static inline bool msr_result_gp(enum msr_result r)
{
	return r == MSR_GP || r == MSR_GP_FIRST;
}

/* Every #GP'd RDMSR/WRMSR of a VM, by MSR number: a fixed open-addressed
 * table (linear probing). Numbers seen after it fills are counted in
 * overflow only. Shared by the VM's vCPUs: lock held for each update. */
#define MSR_UNKNOWN_SLOTS 64
struct msr_unknown_entry {
	uint32_t msr;
	bool used;
	uint64_t reads, writes;
	uint64_t last_written;	/* meaningful when writes > 0 */
};

struct msr_unknown {
	struct spinlock lock;
	uint32_t used;		/* slots in use */
	uint64_t overflow;	/* #GP'd accesses not recorded: the table was full */
	struct msr_unknown_entry slot[MSR_UNKNOWN_SLOTS];
};

/* Per VM, fixed when it is built, shared by its vCPUs. */
struct msr_vm {
	uint64_t mem;		/* guest RAM bytes: TOP_MEM / TOM2 follow it */
	uint32_t nr_vcpus;
	uint8_t phys_bits;	/* the guest's MAXPHYADDR (CPUID 8000_0008 EAX[7:0]):
				   MTRR address bits above it are reserved; outside
				   32..52 counts as 52 */
	bool rdtscp;		/* RDTSCP/TSC_AUX offered (host has RDTSCP) */
	bool x2apic;		/* APIC_BASE.EXTD may be set */
	uint64_t kvm_wall_clock;	/* MSR_KVM_WALL_CLOCK_NEW as last written by any vCPU
					   (atomic): what it reads back, as in KVM */
	struct msr_unknown unknown;
};

/* Per vCPU emulated state (the rest lives in the VMCB). */
struct msr_vcpu {
	uint64_t apic_base;	/* APIC_BASE_ADDR | EN, | BSP on vCPU 0 */
	uint64_t tsc_aux;	/* the guest's TSC_AUX; the real MSR is the caller's */
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[MTRR_NR_FIXED];	/* 0x250, 0x258, 0x259, 0x268-0x26F in order */
	uint64_t mtrr_var[2 * MTRR_CAP_VCNT];	/* PhysBase0, PhysMask0, ... PhysMask7 */
	uint64_t hwcr;		/* TscFreqSel | the McStatusWrEn and CpbDis written */
	uint64_t kvm_system_time;	/* MSR_KVM_SYSTEM_TIME_NEW as written: GPA | enable */
	uint64_t efer_parked;	/* EFER.LME the guest set while CR0.PG = 0 (efer_place) */
};

/* What msr_access needs besides the vCPU: the time of the access, and the
 * kvmclock the vCPU's CPUID promises. */
struct msr_clock {
	uint64_t host_tsc;	/* the host's TSC at the exit */
	uint32_t kvm_khz;	/* cpuid_kvmclock_khz() of the vCPU's CPUID table (svm/cpuid.h):
				   the TSC rate kvmclock announces; 0 when the KVM leaves are
				   not offered, and the kvmclock MSRs #GP */
};

/* Fills *vm (its unknown-MSR table empty). */
void msr_vm_init(struct msr_vm *vm, uint64_t mem, uint32_t nr_vcpus, unsigned phys_bits,
		 bool rdtscp);

/* The state vCPU vcpu_index starts with: APIC enabled at 0xFEE00000 (BSP
 * on vCPU 0), TSC_AUX 0, MTRRs as firmware leaves them (enabled, default
 * write-back, no ranges), HWCR.TscFreqSel, kvmclock off. */
void msr_vcpu_init(struct msr_vcpu *s, const struct msr_vm *vm, uint32_t vcpu_index);

/* The guest's RDMSR (write false) or WRMSR (write true) of msr: *val is the
 * value written, or receives the value read.
 * vmcb: its VMCB: EFER, G_PAT, TSC_OFFSET and the VMLOAD/VMSAVE MSRs
 * (FS/GS/KernelGS base, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_*) live
 * there, so call it after VMSAVE (the slow path), never from
 * vcpu_fast_exit. TSC reads return clk->host_tsc + TSC_OFFSET; writes set
 * TSC_OFFSET = value - clk->host_tsc.
 * On MSR_GP and MSR_GP_FIRST nothing in *s, *vmcb or *val changed; the
 * access is counted in vm->unknown. *tsc_aux_changed (may be NULL) is set
 * true when the guest wrote TSC_AUX (the caller loads s->tsc_aux into the
 * real MSR), else left alone. MSR_KVMCLOCK and MSR_WALLCLOCK ask the
 * caller to write guest memory (enum msr_result); a GPA outside the
 * guest's RAM is the caller's to ignore (nothing written, as in KVM). */
enum msr_result msr_access(struct msr_vm *vm, struct msr_vcpu *s, struct vmcb *vmcb, uint32_t msr,
			   bool write, uint64_t *val, const struct msr_clock *clk,
			   bool *tsc_aux_changed);

/* ---- kvmclock (docs/cpu.md "kvmclock") ----
 * kvmclock time is the host's TSC in nanoseconds, one linear function for
 * every vCPU of every VM: while a vCPU's TSC_OFFSET is 0 (every vCPU starts
 * so, and Linux never writes its TSC on AMD) it is the guest's TSC in
 * nanoseconds. Pure arithmetic; the caller supplies the host's time. */

/* ns = scale(ticks), as the guest computes it (struct pvclock_vcpu_time_info). */
struct pvclock_scale {
	uint32_t mul;	/* 2^31 <= mul < 2^32 for every khz >= 1 */
	int8_t shift;	/* -12 .. 20 for khz in 1 .. 2^32 - 1; -2 .. 4 for 100 MHz .. 5 GHz */
};
/* The scale for a TSC of khz kHz (0: {0, 0}): mul is floor(ns per tick *
 * 2^(32 - shift)) with shift chosen so that mul has its top bit set, the
 * normalisation of KVM's kvm_get_time_scale(). */
struct pvclock_scale pvclock_scale_for_khz(uint32_t khz);
/* scale(delta), the guest's formula. delta << shift must fit in 64 bits,
 * as in the guest: any delta below 2^63 from 1 GHz up (shift <= 1), 2^60
 * ticks (365 years) at 100 MHz. */
uint64_t pvclock_scale_delta(uint64_t delta, struct pvclock_scale sc);
/* kvmclock time in ns at host TSC host_tsc. */
uint64_t kvmclock_ns(uint32_t khz, uint64_t host_tsc);
/* What a vCPU whose TSC is host + tsc_offset is told at host_tsc: its TSC
 * then, kvmclock_ns() then, the scale for khz, PVCLOCK_TSC_STABLE_BIT
 * (every vCPU of a VM has the same offset). version 0: the publisher sets it. */
void kvmclock_time_info(struct pvclock_vcpu_time_info *ti, uint32_t khz, uint64_t host_tsc,
			uint64_t tsc_offset);
/* The wall clock at kvmclock time 0: unix_ns (UTC now) - kvmclock_ns (now),
 * floored at 0; sec wraps in 2106, as KVM's does. version 0. */
void kvmclock_wall_clock(struct pvclock_wall_clock *wc, uint64_t unix_ns, uint64_t kvmclock_now);
/* The GPA MSR_KVM_SYSTEM_TIME_NEW names (bit 0 cleared). */
static inline uint64_t msr_kvmclock_gpa(const struct msr_vcpu *s)
{
	return s->kvm_system_time & ~KVM_SYSTEM_TIME_ENABLE;
}
/* Store *ti / *wc into the guest's copy at dst (a host pointer into guest
 * RAM, any alignment) so that a reader on another vCPU never takes a torn
 * copy: version made odd and newer than the one there, a barrier, the
 * rest, a barrier, version + 1 (even). KVM's kvm_setup_guest_pvclock() and
 * kvm_write_wall_clock() follow the same protocol. */
void pvclock_publish_time(void *dst, const struct pvclock_vcpu_time_info *ti);
void pvclock_publish_wall(void *dst, const struct pvclock_wall_clock *wc);

/* EFER, APM Vol.2 3.1.7. The guest may set SCE, LME and NXE; LMA is
 * read-only (the value written for it is ignored: it follows CR0.PG and
 * LME); SVME is the hypervisor's (hidden from the guest, always set in the
 * VMCB); LMSLE, FFXSR, TCE and higher bits are not offered.
 * Would the guest's WRMSR of new_efer, over old (the VMCB's or the guest's
 * view: only LME is compared), with CR0 cr0, succeed? #GP if it sets a bit
 * outside SCE/LME/LMA/NXE or changes LME while CR0.PG = 1. */
bool efer_write_ok(uint64_t old_efer, uint64_t new_efer, uint64_t cr0);
/* The EFER the guest reads: the full one (efer_full) without SVME. */
uint64_t efer_guest_view(uint64_t efer);
/* The VMCB's EFER after an accepted write: the written SCE/LME/NXE, SVME
 * set, LMA kept from old_vmcb_efer (LME cannot change while paging is on,
 * so the old LMA is still CR0.PG && LME). */
uint64_t efer_from_guest(uint64_t old_vmcb_efer, uint64_t written);
/* While the guest's paging is off, its EFER.LME is kept out of the VMCB
 * (parked in the vCPU): LME does nothing until CR0.PG is set, and QEMU 7.2's
 * #VMEXIT, finding a long-mode EFER without CR4.PAE, leaves the host
 * running with paging off (guests/hostile/efer-lme-pg.asm). Every CR0.PG
 * change exits (svm/crx.h), so the parked bit moves into the VMCB there.
 * efer_full: the guest's EFER with SVME (VMCB | parked); efer_place: puts
 * full into the VMCB and the parked bit as CR0.PG requires. */
uint64_t efer_full(const struct msr_vcpu *s, uint64_t vmcb_efer);
void efer_place(struct msr_vcpu *s, struct vmcb *vmcb, uint64_t full);

/* PAT, APM Vol.2 7.8: every byte is 0 (UC), 1 (WC), 4 (WT), 5 (WP),
 * 6 (WB) or 7 (UC-); 2, 3 and 8-255 are reserved (#GP). */
bool pat_valid(uint64_t pat);

/* A valid MTRR memory type (APM Vol.2 7.7): 0, 1, 4, 5 or 6. */
bool mtrr_type_valid(uint64_t type);

/* The MSR permission map, APM Vol.2 15.11: 8 KiB, 2 bits per MSR (the
 * lower intercepts RDMSR, the upper WRMSR) in three 2 KiB blocks:
 * 0000_0000-0000_1FFF at byte 0x000, C000_0000-C000_1FFF at 0x800,
 * C001_0000-C001_1FFF at 0x1000 (0x1800-0x1FFF reserved). Any other MSR
 * always exits. Sets msr's two bits; false if msr is outside the map. */
#define MSRPM_SIZE 8192
bool msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept_read, bool intercept_write);
/* Clears both bits of every pass-through MSR in msr_table (the ones VMLOAD
 * and VMSAVE switch); leaves every other bit as it is (all ones: default
 * deny). */
void msrpm_pass_through(uint8_t *msrpm);

/* The policy, one row per MSR or run of MSRs [msr, last], sorted, for
 * msr_access, the console and docs/cpu.md. read/write say what the guest
 * gets, why says why. */
struct msr_ctx;
struct msr_info {
	uint32_t msr, last;
	const char *name;
	const char *read, *write, *why;
	bool pass_through;	/* msrpm_pass_through clears its intercepts */
	enum msr_result (*access)(struct msr_ctx *c);	/* msr_access's handler */
};
extern const struct msr_info msr_table[];
extern const unsigned msr_table_len;
/* The row covering msr, or NULL: msr is unknown (#GP, counted). */
const struct msr_info *msr_info(uint32_t msr);

/* The console's `msrs <vm>`: the #GP'd MSRs in ascending order. Start with
 * *cursor = 0; each call copies the next entry (taken under the lock) into
 * *out and returns true, false after the last. msr_info(out->msr) names
 * the known ones. */
bool msr_unknown_next(struct msr_unknown *u, uint64_t *cursor, struct msr_unknown_entry *out);
/* #GP'd accesses not recorded because the table was full. */
uint64_t msr_unknown_overflow(struct msr_unknown *u);
