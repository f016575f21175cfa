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
#define MSR_VM_CR            0xc0010114u
#define MSR_VM_HSAVE_PA      0xc0010117u
#define MSR_OSVW_ID_LENGTH   0xc0010140u
#define MSR_OSVW_STATUS      0xc0010141u
#define MSR_DE_CFG           0xc0011029u

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
};

/* Fills *vm (its unknown-MSR table empty). */
void msr_vm_init(struct msr_vm *vm, uint64_t mem, uint32_t nr_vcpus, unsigned phys_bits,
		 bool rdtscp);

/* The state vCPU vcpu_index starts with: APIC enabled at 0xFEE00000 (BSP
 * on vCPU 0), TSC_AUX 0, MTRRs as firmware leaves them (enabled, default
 * write-back, no ranges), HWCR.TscFreqSel. */
void msr_vcpu_init(struct msr_vcpu *s, const struct msr_vm *vm, uint32_t vcpu_index);

/* The guest's RDMSR (write false) or WRMSR (write true) of msr: *val is the
 * value written, or receives the value read.
 * vmcb: its VMCB: EFER, G_PAT, TSC_OFFSET and the VMLOAD/VMSAVE MSRs
 * (FS/GS/KernelGS base, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_*) live
 * there, so call it after VMSAVE (the slow path), never from
 * vcpu_fast_exit. TSC reads return host_tsc + TSC_OFFSET; writes set
 * TSC_OFFSET = value - host_tsc.
 * On MSR_GP and MSR_GP_FIRST nothing in *s, *vmcb or *val changed; the
 * access is counted in vm->unknown. *tsc_aux_changed (may be NULL) is set
 * true when the guest wrote TSC_AUX (the caller loads s->tsc_aux into the
 * real MSR), else left alone. */
enum msr_result msr_access(struct msr_vm *vm, struct msr_vcpu *s, struct vmcb *vmcb, uint32_t msr,
			   bool write, uint64_t *val, uint64_t host_tsc, bool *tsc_aux_changed);

/* EFER, APM Vol.2 3.1.7. The guest may set SCE, LME and NXE; LMA is
 * read-only (the value written for it is ignored: it follows CR0.PG and
 * LME); SVME is the hypervisor's (hidden from the guest, always set in the
 * VMCB); LMSLE, FFXSR, TCE and higher bits are not offered.
 * Would the guest's WRMSR of new_efer, over old (the VMCB's or the guest's
 * view: only LME is compared), with CR0 cr0, succeed? #GP if it sets a bit
 * outside SCE/LME/LMA/NXE or changes LME while CR0.PG = 1. */
bool efer_write_ok(uint64_t old_efer, uint64_t new_efer, uint64_t cr0);
/* The EFER the guest reads: the VMCB's without SVME. */
uint64_t efer_guest_view(uint64_t vmcb_efer);
/* The VMCB's EFER after an accepted write: the written SCE/LME/NXE, SVME
 * set, LMA kept from old_vmcb_efer (LME cannot change while paging is on,
 * so the old LMA is still CR0.PG && LME). */
uint64_t efer_from_guest(uint64_t old_vmcb_efer, uint64_t written);

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
