/* The initial VMCB of a vCPU: default-deny intercepts, the permission maps
 * and nested paging root, and the register state of a guest about to run
 * its first instruction in the mode it asked for. Pure: no instruction, no
 * print; host-tested against vmcb_check (svm/vmcb_check.h). */
#pragma once
#include <stdint.h>
#include "svm/vmcb.h"

/* The CPU mode a guest's first instruction runs in. */
enum vm_mode {
	VM_MODE_REAL,	/* 16-bit real mode */
	VM_MODE_PROT32,	/* 32-bit protected mode, paging off (every Multiboot guest) */
	VM_MODE_LONG,	/* 64-bit mode */
};

/* How a vCPU starts: its mode, RIP, and the registers a boot protocol sets
 * (Multiboot: VM_MODE_PROT32, EAX the magic, EBX the boot information).
 * VM_MODE_LONG also needs the identity map and GDT the loader built
 * (kernel/vm/loader.h): cr3, gdt_base, gdt_limit and the cs and ds
 * selectors in that GDT; the other modes ignore them. */
struct vcpu_start {
	enum vm_mode mode;
	uint64_t rip, rax, rbx;
	uint64_t cr3, gdt_base;		/* VM_MODE_LONG */
	uint16_t gdt_limit, cs, ds;	/* VM_MODE_LONG */
};

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
