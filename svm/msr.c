/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's MSRs (svm/msr.h): msr_table is the whole policy, one row per
 * MSR or run of MSRs, each with its handler; msr_access finds the row and
 * runs it. A handler checks everything before it changes anything, so a
 * #GP leaves the vCPU as it was. Every #GP is counted per MSR number in the
 * VM's msr_unknown table.
 *
 * Sources: AMD64 APM Vol.2 (Appendix A lists the MSRs; sections per row),
 * the family 17h PPR (Core::X86::Msr::*) for the model-specific ones, and
 * what Linux's arch/x86 reads and writes on AMD (cited per row). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "svm/msr.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/x86_arch.h"

struct msr_ctx {
	struct msr_vm *vm;
	struct msr_vcpu *s;
	struct vmcb *vmcb;
	uint32_t msr;
	bool write;
	uint64_t val;		/* in: the value written; out: the value read */
	uint64_t host_tsc;
	uint32_t kvm_khz;	/* struct msr_clock */
	bool tsc_aux_changed;
};

/* ---- pure rules ---- */

#define EFER_GUEST (EFER_SCE | EFER_LME | EFER_NXE)	/* what the guest may set */

bool efer_write_ok(uint64_t old_efer, uint64_t new_efer, uint64_t cr0)
{
	if (new_efer & ~(EFER_GUEST | EFER_LMA))
		return false;
	/* APM Vol.2 3.1.7: changing LME while paging is on is a #GP. */
	if ((cr0 & CR0_PG) && ((old_efer ^ new_efer) & EFER_LME))
		return false;
	return true;
}

uint64_t efer_guest_view(uint64_t efer)
{
	return efer & ~EFER_SVME;
}

uint64_t efer_from_guest(uint64_t old_vmcb_efer, uint64_t written)
{
	return (written & EFER_GUEST) | (old_vmcb_efer & EFER_LMA) | EFER_SVME;
}

uint64_t efer_full(const struct msr_vcpu *s, uint64_t vmcb_efer)
{
	return vmcb_efer | s->efer_parked;
}

void efer_place(struct msr_vcpu *s, struct vmcb *vmcb, uint64_t full)
{
	s->efer_parked = vmcb->save.cr0 & CR0_PG ? 0 : full & EFER_LME;
	vmcb_set_efer(vmcb, full & ~s->efer_parked);
}

/* Bit t set: memory type t is valid. */
#define MTRR_TYPES_VALID 0x73u	/* UC, WC, WT, WP, WB */
#define PAT_TYPES_VALID  0xf3u	/* the same and UC- */

bool mtrr_type_valid(uint64_t type)
{
	return type < 8 && (MTRR_TYPES_VALID >> type & 1);
}

bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = pat >> (8 * i) & 0xff;

		if (t >= 8 || !(PAT_TYPES_VALID >> t & 1))
			return false;
	}
	return true;
}

/* Every byte of a fixed-range MTRR a valid type: the AMD RdMem/WrMem bits
 * (4:3) are reserved while SYSCFG.MtrrFixDramModEn is 0, as here. */
static bool mtrr_fixed_valid(uint64_t v)
{
	for (int i = 0; i < 8; i++)
		if (!mtrr_type_valid(v >> (8 * i) & 0xff))
			return false;
	return true;
}

static unsigned guest_phys_bits(const struct msr_vm *vm)
{
	return vm->phys_bits >= 32 && vm->phys_bits <= 52 ? vm->phys_bits : 52;
}

/* A canonical address: bits 63:n-1 all equal, n = 57 with CR4.LA57, else
 * 48. (A CPU with 5-level paging accepts 57-bit ones even while CR4.LA57
 * is clear; this is stricter there.) */
static bool canonical(uint64_t addr, uint64_t cr4)
{
	unsigned shift = 64 - ((cr4 & CR4_LA57) ? 57 : 48);

	return (uint64_t)((int64_t)(addr << shift) >> shift) == addr;
}

/* ---- kvmclock arithmetic ---- */

#define NS_PER_MS 1000000u

/* ns per tick = NS_PER_MS / khz. Find shift and mul = floor(ns per tick *
 * 2^(32 - shift)) in [2^31, 2^32): with n = NS_PER_MS and d = khz, each
 * scaled by a power of two until d/2 <= n < d, mul = floor(n * 2^32 / d),
 * done in two 16-bit steps of long division so that nothing needs 128
 * bits (n < d < 2^34). */
struct pvclock_scale pvclock_scale_for_khz(uint32_t khz)
{
	uint64_t n = NS_PER_MS, d = khz, q, r;
	int shift = 0;

	if (!khz)
		return (struct pvclock_scale){ 0, 0 };
	while (n >= d) {	/* slower than 1 GHz: ticks are long, shift them up */
		d <<= 1;
		shift++;
	}
	while (2 * n < d) {	/* fast: shift the ticks down */
		n <<= 1;
		shift--;
	}
	q = (n << 16) / d;
	r = (n << 16) % d;
	return (struct pvclock_scale){ (uint32_t)(q << 16 | (r << 16) / d), (int8_t)shift };
}

/* delta * mul >> 32 from two 32x32 products: (hi * 2^32 + lo) * mul >> 32
 * = hi * mul + (lo * mul >> 32), and neither term nor the sum overflows. */
uint64_t pvclock_scale_delta(uint64_t delta, struct pvclock_scale sc)
{
	if (sc.shift < 0)
		delta >>= -sc.shift;
	else
		delta <<= sc.shift;
	return (delta >> 32) * sc.mul + ((delta & 0xffffffffu) * sc.mul >> 32);
}

uint64_t kvmclock_ns(uint32_t khz, uint64_t host_tsc)
{
	return pvclock_scale_delta(host_tsc, pvclock_scale_for_khz(khz));
}

/* The guest then reads system_time + scale(guest TSC - tsc_timestamp) =
 * scale(h) + scale(later h - h), kvmclock_ns() of the later host TSC to
 * within 2 ns (two floors), on every vCPU whatever its offset. */
void kvmclock_time_info(struct pvclock_vcpu_time_info *ti, uint32_t khz, uint64_t host_tsc,
			uint64_t tsc_offset)
{
	struct pvclock_scale sc = pvclock_scale_for_khz(khz);

	memset(ti, 0, sizeof(*ti));
	ti->tsc_timestamp = host_tsc + tsc_offset;
	ti->system_time = pvclock_scale_delta(host_tsc, sc);
	ti->tsc_to_system_mul = sc.mul;
	ti->tsc_shift = sc.shift;
	ti->flags = PVCLOCK_TSC_STABLE_BIT;
}

void kvmclock_wall_clock(struct pvclock_wall_clock *wc, uint64_t unix_ns, uint64_t kvmclock_now)
{
	uint64_t at0 = unix_ns > kvmclock_now ? unix_ns - kvmclock_now : 0;

	wc->version = 0;
	wc->sec = (uint32_t)(at0 / 1000000000u);
	wc->nsec = (uint32_t)(at0 % 1000000000u);
}

/* x86 keeps stores in program order (APM Vol.2 7.2), so a compiler barrier
 * is the whole of Linux's smp_wmb() here. */
#define store_barrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* Stores body[4..len) with the version protocol; dst's first 4 bytes are
 * the version. memcpy: a guest may name an unaligned address. */
static void publish(uint8_t *dst, const void *body, size_t len)
{
	uint32_t version;

	memcpy(&version, dst, 4);
	version = (version + 1) | 1;	/* odd, and not the one a reader holds */
	memcpy(dst, &version, 4);
	store_barrier();
	memcpy(dst + 4, (const uint8_t *)body + 4, len - 4);
	store_barrier();
	version++;
	memcpy(dst, &version, 4);
}

void pvclock_publish_time(void *dst, const struct pvclock_vcpu_time_info *ti)
{
	publish(dst, ti, sizeof(*ti));
}

void pvclock_publish_wall(void *dst, const struct pvclock_wall_clock *wc)
{
	publish(dst, wc, sizeof(*wc));
}

/* ---- the permission map, APM Vol.2 15.11 ---- */

static const struct {
	uint32_t first;		/* the block's first MSR; 0x2000 MSRs each */
	uint32_t byte;		/* where its 2 KiB of bits start */
} msrpm_blocks[] = {
	{ 0x00000000u, 0x0000 },
	{ 0xc0000000u, 0x0800 },
	{ 0xc0010000u, 0x1000 },
};

bool msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept_read, bool intercept_write)
{
	for (size_t i = 0; i < ARRAY_SIZE(msrpm_blocks); i++) {
		uint32_t n = msr - msrpm_blocks[i].first;
		uint8_t *b, bits;
		unsigned shift;

		if (msr < msrpm_blocks[i].first || n >= 0x2000)
			continue;
		b = &msrpm[msrpm_blocks[i].byte + n / 4];
		shift = 2 * (n % 4);
		bits = (uint8_t)(intercept_read | intercept_write << 1);
		*b = (uint8_t)((*b & ~(3u << shift)) | (unsigned)bits << shift);
		return true;
	}
	return false;
}

void msrpm_pass_through(uint8_t *msrpm)
{
	for (unsigned i = 0; i < msr_table_len; i++)
		if (msr_table[i].pass_through)
			for (uint64_t m = msr_table[i].msr; m <= msr_table[i].last; m++)
				msrpm_set(msrpm, (uint32_t)m, false, false);
}

/* ---- handlers: check, then change ---- */

static enum msr_result msr_gp(struct msr_ctx *c)
{
	(void)c;
	return MSR_GP;
}

/* Reads 0, writes accepted and dropped. */
static enum msr_result msr_zero(struct msr_ctx *c)
{
	if (!c->write)
		c->val = 0;
	return MSR_OK;
}

/* Reads a constant, writes accepted and dropped. */
static enum msr_result msr_const(struct msr_ctx *c, uint64_t v)
{
	if (!c->write)
		c->val = v;
	return MSR_OK;
}

/* MSR_KVMCLOCK when the vCPU's kvmclock is on: its structure must be
 * (re)written. */
static enum msr_result kvmclock_due(const struct msr_ctx *c)
{
	return c->kvm_khz && (c->s->kvm_system_time & KVM_SYSTEM_TIME_ENABLE) ? MSR_KVMCLOCK : MSR_OK;
}

/* A write moves this vCPU's TSC: its kvmclock structure is written again
 * (tsc_timestamp follows the new offset), so kvmclock time goes on without
 * a jump. */
static enum msr_result msr_tsc(struct msr_ctx *c)
{
	struct vmcb_control *ctl = &c->vmcb->control;

	if (!c->write) {
		c->val = c->host_tsc + ctl->tsc_offset;
		return MSR_OK;
	}
	vmcb_set_tsc_offset(c->vmcb, c->val - c->host_tsc);
	return kvmclock_due(c);
}

/* MSR_KVM_SYSTEM_TIME_NEW (KVM msr.rst): per vCPU, any value accepted and
 * read back as written, as KVM does. Bit 0 set: the structure is written
 * at once at the GPA, and again only when this vCPU's TSC is written (the
 * scale never changes, every vCPU shares the TSC, so it stays true; KVM
 * rewrites it on its own clock updates, for which there is no need here).
 * Bit 0 clear: nothing is written any more. */
static enum msr_result msr_kvm_system_time(struct msr_ctx *c)
{
	if (!c->kvm_khz)
		return MSR_GP;
	if (!c->write) {
		c->val = c->s->kvm_system_time;
		return MSR_OK;
	}
	c->s->kvm_system_time = c->val;
	return kvmclock_due(c);
}

/* MSR_KVM_WALL_CLOCK_NEW: a write asks for struct pvclock_wall_clock at
 * that GPA, now; one value per VM, read back as last written by any vCPU
 * (KVM's kvm->arch.wall_clock). GPA 0 writes nothing (KVM likewise). */
static enum msr_result msr_kvm_wall_clock(struct msr_ctx *c)
{
	if (!c->kvm_khz)
		return MSR_GP;
	if (!c->write) {
		c->val = __atomic_load_n(&c->vm->kvm_wall_clock, __ATOMIC_RELAXED);
		return MSR_OK;
	}
	__atomic_store_n(&c->vm->kvm_wall_clock, c->val, __ATOMIC_RELAXED);
	return c->val ? MSR_WALLCLOCK : MSR_OK;
}

/* APIC_BASE, APM Vol.2 16.3; the x2APIC transitions as KVM's
 * kvm_set_apic_base allows them (disabled -> x2APIC and x2APIC -> xAPIC
 * are #GP, as is EXTD without EN). */
static enum msr_result msr_apic_base(struct msr_ctx *c)
{
	uint64_t old = c->s->apic_base, v = c->val & ~APIC_BASE_BSP;

	if (!c->write) {
		c->val = old;
		return MSR_OK;
	}
	if ((v & ~(APIC_BASE_EN | APIC_BASE_EXTD)) != APIC_BASE_ADDR)
		return MSR_GP;	/* relocation, or a reserved bit */
	if (v & APIC_BASE_EXTD) {
		if (!c->vm->x2apic || !(v & APIC_BASE_EN) || !(old & APIC_BASE_EN))
			return MSR_GP;
	} else if ((old & APIC_BASE_EXTD) && (v & APIC_BASE_EN)) {
		return MSR_GP;
	}
	c->s->apic_base = v | (old & APIC_BASE_BSP);
	return MSR_OK;
}

static enum msr_result msr_mtrr_cap(struct msr_ctx *c)
{
	if (c->write)
		return MSR_GP;
	c->val = MTRR_CAP_VCNT | MTRR_CAP_FIX | MTRR_CAP_WC;
	return MSR_OK;
}

/* APM Vol.2 7.7: PhysBase = type 7:0, 11:8 reserved, address bits
 * 51:12 up to MAXPHYADDR; PhysMask = 10:0 reserved, V, mask bits. */
static enum msr_result msr_mtrr_var(struct msr_ctx *c)
{
	unsigned i = c->msr - MSR_MTRR_VAR_BASE;
	uint64_t addr = ((1ull << guest_phys_bits(c->vm)) - 1) & ~0xfffull;
	uint64_t ok = i % 2 ? addr | MTRR_PHYS_MASK_V : addr | MTRR_PHYS_TYPE_MASK;

	if (!c->write) {
		c->val = c->s->mtrr_var[i];
		return MSR_OK;
	}
	if ((c->val & ~ok) || (i % 2 == 0 && !mtrr_type_valid(c->val & MTRR_PHYS_TYPE_MASK)))
		return MSR_GP;
	c->s->mtrr_var[i] = c->val;
	return MSR_OK;
}

static enum msr_result msr_mtrr_fixed(struct msr_ctx *c)
{
	unsigned i = c->msr == MSR_MTRR_FIX_64K ? 0 :
		     c->msr == MSR_MTRR_FIX_16K_80 ? 1 :
		     c->msr == MSR_MTRR_FIX_16K_A0 ? 2 : 3 + (c->msr - MSR_MTRR_FIX_4K);

	if (!c->write) {
		c->val = c->s->mtrr_fixed[i];
		return MSR_OK;
	}
	if (!mtrr_fixed_valid(c->val))
		return MSR_GP;
	c->s->mtrr_fixed[i] = c->val;
	return MSR_OK;
}

static enum msr_result msr_mtrr_def_type(struct msr_ctx *c)
{
	if (!c->write) {
		c->val = c->s->mtrr_def_type;
		return MSR_OK;
	}
	if ((c->val & ~(MTRR_DEF_TYPE_MASK | MTRR_DEF_FE | MTRR_DEF_E)) ||
	    !mtrr_type_valid(c->val & MTRR_DEF_TYPE_MASK))
		return MSR_GP;
	c->s->mtrr_def_type = c->val;
	return MSR_OK;
}

static enum msr_result msr_pat(struct msr_ctx *c)
{
	if (!c->write) {
		c->val = c->vmcb->save.g_pat;
		return MSR_OK;
	}
	if (!pat_valid(c->val))
		return MSR_GP;
	vmcb_set_pat(c->vmcb, c->val);
	return MSR_OK;
}

static enum msr_result msr_efer(struct msr_ctx *c)
{
	uint64_t old = efer_full(c->s, c->vmcb->save.efer);

	if (!c->write) {
		c->val = efer_guest_view(old);
		return MSR_OK;
	}
	if (!efer_write_ok(old, c->val, c->vmcb->save.cr0))
		return MSR_GP;
	efer_place(c->s, c->vmcb, efer_from_guest(old, c->val));
	return MSR_RECHECK;
}

/* The MSRs VMLOAD/VMSAVE switch (APM Vol.3 VMLOAD), kept in the save area.
 * They pass through; this is the same behaviour for an intercepted access.
 * Base MSRs, LSTAR and CSTAR take canonical addresses only (#GP otherwise,
 * as KVM's __kvm_set_msr checks them); SYSENTER_ESP/EIP hold 32 bits on
 * AMD (the upper half of a write is dropped, as KVM's svm_set_msr does). */
static enum msr_result msr_vmload(struct msr_ctx *c)
{
	struct vmcb_save *sv = &c->vmcb->save;
	uint64_t v = c->val;

	if (!c->write) {
		switch (c->msr) {
		case MSR_FS_BASE:        v = sv->fs.base; break;
		case MSR_GS_BASE:        v = sv->gs.base; break;
		case MSR_KERNEL_GS_BASE: v = sv->kernel_gs_base; break;
		case MSR_STAR:           v = sv->star; break;
		case MSR_LSTAR:          v = sv->lstar; break;
		case MSR_CSTAR:          v = sv->cstar; break;
		case MSR_SFMASK:         v = sv->sfmask; break;
		case MSR_SYSENTER_CS:    v = sv->sysenter_cs; break;
		case MSR_SYSENTER_ESP:   v = sv->sysenter_esp; break;
		case MSR_SYSENTER_EIP:   v = sv->sysenter_eip; break;
		default:                 return MSR_GP;
		}
		c->val = v;
		return MSR_OK;
	}
	switch (c->msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (!canonical(v, sv->cr4))
			return MSR_GP;
		break;
	}
	switch (c->msr) {
	case MSR_FS_BASE:        sv->fs.base = v; break;
	case MSR_GS_BASE:        sv->gs.base = v; break;
	case MSR_KERNEL_GS_BASE: sv->kernel_gs_base = v; break;
	case MSR_STAR:           sv->star = v; break;
	case MSR_LSTAR:          sv->lstar = v; break;
	case MSR_CSTAR:          sv->cstar = v; break;
	case MSR_SFMASK:         sv->sfmask = v; break;
	case MSR_SYSENTER_CS:    sv->sysenter_cs = v; break;
	case MSR_SYSENTER_ESP:   sv->sysenter_esp = (uint32_t)v; break;
	case MSR_SYSENTER_EIP:   sv->sysenter_eip = (uint32_t)v; break;
	default:                 return MSR_GP;
	}
	return MSR_OK;
}

/* APM Vol.3 RDTSCP: TSC_AUX bits 63:32 are reserved. */
static enum msr_result msr_tsc_aux(struct msr_ctx *c)
{
	if (!c->vm->rdtscp)
		return MSR_GP;
	if (!c->write) {
		c->val = c->s->tsc_aux;
		return MSR_OK;
	}
	if (c->val >> 32)
		return MSR_GP;
	c->s->tsc_aux = c->val;
	c->tsc_aux_changed = true;
	return MSR_OK;
}

static enum msr_result msr_de_cfg(struct msr_ctx *c)
{
	return msr_const(c, DE_CFG_LFENCE_SERIALIZE);
}

static uint64_t top_mem(const struct msr_vm *vm)
{
	return MIN(ALIGN_UP(vm->mem, MSR_TOM_GRANULE), MSR_MMIO_HOLE);
}

static uint64_t tom2(const struct msr_vm *vm)
{
	return vm->mem > (4ull << 30) ? ALIGN_UP(vm->mem, MSR_TOM_GRANULE) : 0;
}

static enum msr_result msr_top_mem(struct msr_ctx *c)
{
	return msr_const(c, top_mem(c->vm));
}

static enum msr_result msr_tom2(struct msr_ctx *c)
{
	return msr_const(c, tom2(c->vm));
}

/* Bits 22:0 (cache-coherence tuning and the MTRR/DRAM decode bits) are
 * written and dropped: RAM stays write-back whatever they say. 23 and up
 * (SME, SEV-SNP, VMPL, reserved) are #GP: no memory encryption offered. */
#define SYSCFG_WRITABLE (SYSCFG_MEM_ENCRYPT_EN - 1)

static enum msr_result msr_syscfg(struct msr_ctx *c)
{
	uint64_t v = SYSCFG_MTRR_VAR_DRAM_EN;

	if (c->write)
		return c->val & ~SYSCFG_WRITABLE ? MSR_GP : MSR_OK;
	if (tom2(c->vm))
		v |= SYSCFG_MTRR_TOM2_EN | SYSCFG_TOM2_FORCE_WB;
	c->val = v;
	return MSR_OK;
}

/* Dropped: old errata bits some kernels set (KVM drops the same three).
 * Kept: McStatusWrEn and CpbDis, so they read back. TscFreqSel is
 * read-only 1. Anything else (SmmLock, IRPerfEn, CpuidUserDis, ...) is #GP:
 * offering to turn on what is not there would be a lie. */
#define HWCR_DROPPED (HWCR_TLB_CACHE_DIS | HWCR_FFDIS | HWCR_IGNNE_EM | HWCR_TSC_FREQ_SEL)
#define HWCR_KEPT    (HWCR_MCSTATUS_WREN | HWCR_CPB_DIS)

static enum msr_result msr_hwcr(struct msr_ctx *c)
{
	if (!c->write) {
		c->val = c->s->hwcr;
		return MSR_OK;
	}
	if (c->val & ~(HWCR_DROPPED | HWCR_KEPT))
		return MSR_GP;
	c->s->hwcr = HWCR_TSC_FREQ_SEL | (c->val & HWCR_KEPT);
	return MSR_OK;
}

/* ---- the policy ---- */

#define GP "#GP"
#define PASS(n, nm, why) \
	{ n, n, nm, "the guest's (VMCB)", "the guest's (VMCB)", why, true, msr_vmload }
#define VMLOAD_WHY "VMLOAD/VMSAVE switch it on every world switch (APM Vol.3 VMLOAD): passed through"

const struct msr_info msr_table[] = {
	{ MSR_TSC, MSR_TSC, "TSC", "host TSC + TSC_OFFSET",
	  "sets TSC_OFFSET = value - host TSC; rewrites the vCPU's kvmclock if on",
	  "VMCB TSC_OFFSET (APM Vol.2 B-1): the guest's RDTSC adds it too, so both agree; every vCPU "
	  "of a VM starts at offset 0", false, msr_tsc },
	{ MSR_APIC_BASE, MSR_APIC_BASE, "APIC_BASE", "0xFEE00000 + EN (+ BSP on vCPU 0)",
	  "EN may change; EXTD only with x2APIC; relocation or reserved bits #GP; BSP ignored",
	  "APM Vol.2 16.3: one fixed xAPIC page; the vCPU's local APIC (drivers/virt/vlapic.c) "
	  "follows the mode", false, msr_apic_base },
	{ MSR_SPEC_CTRL, MSR_SPEC_CTRL, "SPEC_CTRL", GP, GP,
	  "the speculation-control CPUID bits are hidden", false, msr_gp },
	{ MSR_PRED_CMD, MSR_PRED_CMD, "PRED_CMD", GP, GP,
	  "the speculation-control CPUID bits are hidden", false, msr_gp },
	{ MSR_PATCH_LEVEL, MSR_PATCH_LEVEL, "PATCH_LEVEL", "0", "ignored",
	  "microcode revision: none claimed; Linux reads it on AMD", false, msr_zero },
	{ MSR_MTRR_CAP, MSR_MTRR_CAP, "MTRRcap", "VCNT 8, FIX, WC (0x508)", GP,
	  "APM Vol.2 7.7: read-only", false, msr_mtrr_cap },
	PASS(MSR_SYSENTER_CS, "SYSENTER_CS", VMLOAD_WHY),
	PASS(MSR_SYSENTER_ESP, "SYSENTER_ESP", VMLOAD_WHY "; 32 bits on AMD"),
	PASS(MSR_SYSENTER_EIP, "SYSENTER_EIP", VMLOAD_WHY "; 32 bits on AMD"),
	{ MSR_MCG_CAP, MSR_MCG_CTL, "MCG_CAP/STATUS/CTL", GP, GP,
	  "machine-check architecture is not offered (CPUID 1 EDX MCE/MCA clear)", false, msr_gp },
	{ MSR_MTRR_VAR_BASE, MSR_MTRR_VAR_LAST, "MTRRphysBase/Mask0-7", "the value stored",
	  "stored; invalid type or reserved bit (above MAXPHYADDR) #GP",
	  "APM Vol.2 7.7; the guest's RAM stays write-back whatever it writes (nested "
	  "paging ignores guest MTRRs)", false, msr_mtrr_var },
	{ MSR_MTRR_FIX_64K, MSR_MTRR_FIX_64K, "MTRRfix64K_00000", "the value stored",
	  "stored; each byte a valid type else #GP", "APM Vol.2 7.7; RAM stays write-back",
	  false, msr_mtrr_fixed },
	{ MSR_MTRR_FIX_16K_80, MSR_MTRR_FIX_16K_A0, "MTRRfix16K_80000/A0000", "the value stored",
	  "stored; each byte a valid type else #GP", "APM Vol.2 7.7; RAM stays write-back",
	  false, msr_mtrr_fixed },
	{ MSR_MTRR_FIX_4K, MSR_MTRR_FIX_4K_LAST, "MTRRfix4K_C0000-F8000", "the value stored",
	  "stored; each byte a valid type else #GP", "APM Vol.2 7.7; RAM stays write-back",
	  false, msr_mtrr_fixed },
	{ MSR_PAT, MSR_PAT, "PAT", "G_PAT", "G_PAT if every byte is a valid type, else #GP",
	  "APM Vol.2 7.8; with nested paging the CPU uses the VMCB's G_PAT for the guest (15.25)",
	  false, msr_pat },
	{ MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, "MTRRdefType", "the value stored",
	  "stored; invalid type or reserved bit #GP", "APM Vol.2 7.7; RAM stays write-back",
	  false, msr_mtrr_def_type },
	{ MSR_MC_BANKS, MSR_MC_BANKS_LAST, "MCi_CTL/STATUS/ADDR/MISC", GP, GP,
	  "machine-check architecture is not offered (CPUID 1 EDX MCE/MCA clear)", false, msr_gp },
	{ 0x6e0, 0x6e0, "TSC_DEADLINE", "the armed deadline, 0 once fired",
	  "arms the APIC timer in TSC-deadline mode (0 disarms)",
	  "SDM Vol.3 10.5.4.1; handed to the local APIC before this table", false, msr_gp },
	{ MSR_X2APIC, MSR_X2APIC_LAST, "x2APIC registers", "the local APIC's register",
	  "the local APIC's register", "x2APIC mode only, else #GP; svm/exits.c hands them to the "
	  "vCPU's local APIC (drivers/virt/vlapic.c) before this table", false, msr_gp },
	{ MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_WALL_CLOCK_NEW, "KVM_WALL_CLOCK_NEW",
	  "the GPA last written (any vCPU); #GP without CPUID's KVM leaves",
	  "writes struct pvclock_wall_clock (UTC at kvmclock 0) at the GPA, if in RAM; 0: nothing",
	  "KVM msr.rst; Linux's kvmclock reads the time of day here at boot", false,
	  msr_kvm_wall_clock },
	{ MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_SYSTEM_TIME_NEW, "KVM_SYSTEM_TIME_NEW",
	  "the value written; #GP without CPUID's KVM leaves",
	  "stored; bit 0 set: writes the vCPU's struct pvclock_vcpu_time_info at the GPA, if in RAM",
	  "KVM msr.rst: kvmclock, where Linux learns the TSC rate without calibrating", false,
	  msr_kvm_system_time },
	{ MSR_EFER, MSR_EFER, "EFER", "the VMCB's EFER and the LME parked while paging is off, without SVME",
	  "SCE, LME, NXE; LMA ignored; LME change while CR0.PG, SVME or other bits #GP",
	  "APM Vol.2 3.1.7; VMRUN needs SVME set (15.5.1), so the guest never sees it; the "
	  "caller re-runs vmcb_check", false, msr_efer },
	PASS(MSR_STAR, "STAR", VMLOAD_WHY),
	PASS(MSR_LSTAR, "LSTAR", VMLOAD_WHY "; canonical"),
	PASS(MSR_CSTAR, "CSTAR", VMLOAD_WHY "; canonical"),
	PASS(MSR_SFMASK, "SFMASK", VMLOAD_WHY),
	PASS(MSR_FS_BASE, "FS_BASE", VMLOAD_WHY "; canonical"),
	PASS(MSR_GS_BASE, "GS_BASE", VMLOAD_WHY "; canonical"),
	PASS(MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", VMLOAD_WHY "; canonical"),
	{ MSR_TSC_AUX, MSR_TSC_AUX, "TSC_AUX", "the value stored (#GP without RDTSCP)",
	  "stored, bits 63:32 #GP; the caller loads the real MSR (#GP without RDTSCP)",
	  "APM Vol.3 RDTSCP; neither VMRUN nor VMLOAD switches it", false, msr_tsc_aux },
	{ MSR_PERF_CTL0, MSR_PERF_CTL0 + 3, "PERF_CTL0-3", "0", "ignored",
	  "no PMU offered; Linux's probe then finds the counters broken and uses software events",
	  false, msr_zero },
	{ MSR_PERF_CTR0, MSR_PERF_CTR0 + 3, "PERF_CTR0-3", "0", "ignored",
	  "no PMU offered", false, msr_zero },
	{ MSR_SYSCFG, MSR_SYSCFG, "SYSCFG", "MtrrVarDramEn (+ MtrrTom2En, Tom2ForceMemTypeWB "
	  "when TOM2 is set)", "bits 22:0 ignored; 63:23 (SME, SEV-SNP) #GP",
	  "PPR 17h SYS_CFG: no MtrrFixDram bits, no memory encryption; Linux reads Tom2En",
	  false, msr_syscfg },
	{ MSR_HWCR, MSR_HWCR, "HWCR", "TscFreqSel, and McStatusWrEn, CpbDis as written",
	  "bits 3, 6, 8, 24 ignored; 18, 25 kept; others #GP",
	  "PPR 17h HWCR: Linux warns if TscFreqSel is clear (amd.c); KVM takes 3, 6, 8, 18, 24 alike",
	  false, msr_hwcr },
	{ MSR_TOP_MEM, MSR_TOP_MEM, "TOP_MEM", "min(mem rounded up to 8 MiB, 0xE0000000)", "ignored",
	  "PPR 17h TOP_MEM: DRAM below 4 GiB ends there; device space above", false, msr_top_mem },
	{ MSR_TOM2, MSR_TOM2, "TOM2", "mem rounded up to 8 MiB if above 4 GiB, else 0", "ignored",
	  "PPR 17h TOM2: DRAM [4 GiB, TOM2)", false, msr_tom2 },
	{ MSR_NB_CFG, MSR_NB_CFG, "NB_CFG", "0", "ignored",
	  "no northbridge: EnableCf8ExtCfg (bit 46) clear", false, msr_zero },
	{ MSR_K8_INT_PENDING_MSG, MSR_K8_INT_PENDING_MSG, "INT_PENDING_MSG", "0", "ignored",
	  "K8/10h: C1E and SMI-on-CMP-halt (bits 27, 28) off; Linux reads it unchecked on family "
	  "0Fh/10h (erratum 400), as QEMU's default CPU reports", false, msr_zero },
	{ MSR_VM_CR, MSR_VM_CR, "VM_CR", GP, GP, "SVM is not offered (CPUID hides it)", false,
	  msr_gp },
	{ MSR_VM_HSAVE_PA, MSR_VM_HSAVE_PA, "VM_HSAVE_PA", GP, GP,
	  "SVM is not offered (CPUID hides it)", false, msr_gp },
	{ MSR_OSVW_ID_LENGTH, MSR_OSVW_ID_LENGTH, "OSVW_ID_LENGTH", "0", "ignored",
	  "no OS-visible errata workarounds claimed", false, msr_zero },
	{ MSR_OSVW_STATUS, MSR_OSVW_STATUS, "OSVW_STATUS", "0", "ignored",
	  "no OS-visible errata workarounds claimed", false, msr_zero },
	{ MSR_DE_CFG, MSR_DE_CFG, "DE_CFG", "LFENCE serializing (bit 1)", "ignored",
	  "Linux sets bit 1 for a serializing LFENCE (Spectre v1); true only if the host's "
	  "DE_CFG[1] is set", false,
	  msr_de_cfg },
};
const unsigned msr_table_len = ARRAY_SIZE(msr_table);

/* The rows of the MSRs looked up lately, direct-mapped by the low byte of
 * the number: the guest's hot MSRs then skip the search. An entry is the
 * MSR number << 8 | row, stored and loaded as one word, so vCPUs filling it
 * at once never see a number with another MSR's row. */
static uint64_t lookup_cache[256];

_Static_assert(sizeof(msr_table) / sizeof(msr_table[0]) < 256, "msr_table rows fit the cache's byte");

const struct msr_info *msr_info(uint32_t msr)
{
	uint64_t *slot = &lookup_cache[msr & 0xff];
	uint64_t hit = __atomic_load_n(slot, __ATOMIC_RELAXED);
	unsigned lo = 0, hi = msr_table_len;

	if (hit >> 8 == msr && hit)
		return &msr_table[hit & 0xff];

	while (lo < hi) {	/* rows are sorted and disjoint */
		unsigned mid = lo + (hi - lo) / 2;

		if (msr < msr_table[mid].msr)
			hi = mid;
		else if (msr > msr_table[mid].last)
			lo = mid + 1;
		else {
			__atomic_store_n(slot, (uint64_t)msr << 8 | mid, __ATOMIC_RELAXED);
			return &msr_table[mid];
		}
	}
	return NULL;
}

/* ---- the #GP table ---- */

_Static_assert((MSR_UNKNOWN_SLOTS & (MSR_UNKNOWN_SLOTS - 1)) == 0, "a power of two");

static unsigned unknown_hash(uint32_t msr)
{
	return (unsigned)((msr * 0x9e3779b1u) >> 16) % MSR_UNKNOWN_SLOTS;	/* Fibonacci hashing */
}

static enum msr_result unknown_record(struct msr_unknown *u, uint32_t msr, bool write,
				      uint64_t val)
{
	enum msr_result r = MSR_GP;
	struct msr_unknown_entry *e = NULL;
	unsigned h = unknown_hash(msr);

	spin_lock(&u->lock);
	for (unsigned n = 0; n < MSR_UNKNOWN_SLOTS; n++) {
		struct msr_unknown_entry *x = &u->slot[(h + n) % MSR_UNKNOWN_SLOTS];

		if (!x->used) {
			x->used = true;
			x->msr = msr;
			u->used++;
			e = x;
			r = MSR_GP_FIRST;
			break;
		}
		if (x->msr == msr) {
			e = x;
			break;
		}
	}
	if (!e) {
		u->overflow++;
	} else if (write) {
		e->writes++;
		e->last_written = val;
	} else {
		e->reads++;
	}
	spin_unlock(&u->lock);
	return r;
}

bool msr_unknown_next(struct msr_unknown *u, uint64_t *cursor, struct msr_unknown_entry *out)
{
	const struct msr_unknown_entry *best = NULL;

	spin_lock(&u->lock);
	for (unsigned i = 0; i < MSR_UNKNOWN_SLOTS; i++) {
		const struct msr_unknown_entry *x = &u->slot[i];

		if (x->used && x->msr >= *cursor && (!best || x->msr < best->msr))
			best = x;
	}
	if (best) {
		*out = *best;
		*cursor = (uint64_t)best->msr + 1;
	}
	spin_unlock(&u->lock);
	return best != NULL;
}

uint64_t msr_unknown_overflow(struct msr_unknown *u)
{
	uint64_t n;

	spin_lock(&u->lock);
	n = u->overflow;
	spin_unlock(&u->lock);
	return n;
}

/* ---- state and the entry point ---- */

void msr_vm_init(struct msr_vm *vm, uint64_t mem, uint32_t nr_vcpus, unsigned phys_bits,
		 bool rdtscp)
{
	memset(vm, 0, sizeof(*vm));
	vm->mem = mem;
	vm->nr_vcpus = nr_vcpus;
	vm->phys_bits = phys_bits <= 255 ? (uint8_t)phys_bits : 0;	/* 0: counts as 52 */
	vm->rdtscp = rdtscp;
	vm->x2apic = true;	/* drivers/virt/vlapic.c has both modes */
}

void msr_vcpu_init(struct msr_vcpu *s, const struct msr_vm *vm, uint32_t vcpu_index)
{
	(void)vm;
	memset(s, 0, sizeof(*s));
	s->apic_base = APIC_BASE_ADDR | APIC_BASE_EN | (vcpu_index == 0 ? APIC_BASE_BSP : 0);
	/* As firmware leaves them: on, default write-back, no ranges (svmvisor
	 * is the firmware of a Multiboot guest). The reset value 0 would make
	 * all memory UC by the guest's reckoning, and older Linux turns PAT off
	 * when it finds MTRRs disabled. */
	s->mtrr_def_type = MTRR_DEF_E | MTYPE_WB;
	s->hwcr = HWCR_TSC_FREQ_SEL;
}

enum msr_result msr_access(struct msr_vm *vm, struct msr_vcpu *s, struct vmcb *vmcb, uint32_t msr,
			   bool write, uint64_t *val, const struct msr_clock *clk,
			   bool *tsc_aux_changed)
{
	const struct msr_info *i = msr_info(msr);
	struct msr_ctx c = {
		.vm = vm, .s = s, .vmcb = vmcb, .msr = msr, .write = write, .val = *val,
		.host_tsc = clk->host_tsc, .kvm_khz = clk->kvm_khz,
	};
	enum msr_result r = i ? i->access(&c) : MSR_GP;

	if (r == MSR_GP)
		return unknown_record(&vm->unknown, msr, write, *val);
	if (!write)
		*val = c.val;
	if (c.tsc_aux_changed && tsc_aux_changed)
		*tsc_aux_changed = true;
	return r;
}
