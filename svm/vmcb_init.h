/* SPDX-License-Identifier: BSD-2-Clause */
/* The initial VMCB of a vCPU: default-deny intercepts, the permission maps
 * and nested paging root, and the register state of a guest about to run
 * its first instruction in the mode it asked for. Pure: no instruction, no
 * print; host-tested against vmcb_check (svm/vmcb_check.h). */
#pragma once
#include <stdint.h>
#include "kernel/lib/x86_arch.h"
#include "svm/vmcb.h"

/* The CPU mode a guest's first instruction runs in. */
enum vm_mode {
	VM_MODE_REAL,	/* 16-bit real mode */
	VM_MODE_PROT32,	/* 32-bit protected mode, paging off (every Multiboot guest) */
	VM_MODE_LONG,	/* 64-bit mode */
};

/* How a vCPU starts: its mode, RIP, and the registers a boot protocol sets
 * (Multiboot: VM_MODE_PROT32, EAX the magic, EBX the boot information;
 * Linux: VM_MODE_LONG, RSI the zero page; PVH: VM_MODE_PROT32, EBX the
 * start info).
 * VM_MODE_LONG also needs the identity map and GDT the loader built
 * (kernel/vm/loader.h): cr3, gdt_base, gdt_limit and the cs and ds
 * selectors in that GDT; the other modes ignore them. */
struct vcpu_start {
	enum vm_mode mode;
	uint64_t rip, rax, rbx, rsi;
	uint64_t cr3, gdt_base;		/* VM_MODE_LONG */
	uint16_t gdt_limit, cs, ds;	/* VM_MODE_LONG */
};

/* The intercepts every guest VMCB carries, all the time (vmcb_init sets
 * them, vmcb_check_owned refuses a VMCB without them):
 * - every port and MSR through the permission maps (default deny);
 * - the SVM instructions (VMRUN must be intercepted, APM Vol.2 15.5.1;
 *   the others would reach host state): #UD for the guest;
 * - #DB and #AC always (CVE-2015-5307, CVE-2015-8104: a guest could wedge
 *   the core in an endless exception delivery), #DF because Bochs never
 *   delivers SHUTDOWN, #MC so the host sees machine checks;
 * - INTR, NMI, SMI, INIT: physical events belong to the host;
 * - CPUID, MSRs, XSETBV: the guest's view of the CPU (docs/cpu.md);
 * - CR4 writes, and CR0 writes that change more than TS and MP: checked
 *   against the rules (svm/crx.h) so an emulator that accepts what
 *   hardware refuses cannot turn a guest's #GP into a failed VMRUN;
 * - INVD and WBINVD/WBNOINVD (no-ops: one guest must not flush or drop the
 *   host's caches), RDPMC (#GP: no PMU), RDPRU (#UD: hidden), MONITOR and
 *   MWAIT (#UD), HLT, task switches, SHUTDOWN. */
#define VMCB_REQUIRED_EXCEPTIONS (1u << EXC_DB | 1u << EXC_AC | 1u << EXC_DF | 1u << EXC_MC)
#define VMCB_REQUIRED_MISC1 (INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT | \
			     INTERCEPT_CR0_SEL_WRITE | INTERCEPT_RDPMC | INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT | \
			     INTERCEPT_INVLPGA | INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | \
			     INTERCEPT_TASK_SWITCH | INTERCEPT_SHUTDOWN)
#define VMCB_REQUIRED_CR_WRITE (1u << 4)	/* CR4 */
#define VMCB_REQUIRED_MISC2 (INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | \
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT | \
			     INTERCEPT_WBINVD | INTERCEPT_MONITOR | INTERCEPT_MWAIT | \
			     INTERCEPT_XSETBV | INTERCEPT_RDPRU)

/* Host physical addresses the VMCB points at, shared by a VM's vCPUs. */
struct vmcb_refs {
	uint64_t iopm_pa;	/* I/O permission map, 12 KiB */
	uint64_t msrpm_pa;	/* MSR permission map, 8 KiB */
	uint64_t ncr3;		/* nested page table root */
};

/* Zeroes *vmcb and fills in the intercepts (default deny), IOPM, MSRPM,
 * nested paging, V_INTR_MASKING, clean bits 0, and start's mode, RIP and
 * RAX. guest_asid stays 0 and tlb_control NOTHING: the run loop sets both
 * before each VMRUN (svm/asid.c). RBX has no VMCB field: the caller puts
 * start->rbx in the vCPU's register block (struct guest_regs). */
void vmcb_init(struct vmcb *vmcb, const struct vcpu_start *start,
	       const struct vmcb_refs *refs);
