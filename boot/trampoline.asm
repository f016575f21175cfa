; SPDX-License-Identifier: BSD-2-Clause
; AP start-up trampoline. smp.c copies [trampoline_start, trampoline_end) to
; TRAMPOLINE_PHYS (kernel/layout.h) below 1 MiB; a STARTUP IPI starts an AP
; there in real mode at CS:IP = (TRAMPOLINE_PHYS >> 4):0. It goes straight to
; long mode on the hypervisor's own page tables and calls ap_entry(cpu) on
; the stack smp.c prepared. The copied page is mapped read-only and
; executable; the per-AP inputs are kernel variables (ap_boot_*), written by
; the boot CPU before each STARTUP and read here by absolute address.

TRAMPOLINE_PHYS equ 0x8000              ; kernel/layout.h
%define T(x) ((x) - trampoline_start + TRAMPOLINE_PHYS)

%include "boot/x86.inc"

extern ap_boot_cr3, ap_boot_efer, ap_boot_stack, ap_boot_cpu, ap_entry

section .rodata
align 16
global trampoline_start, trampoline_end

bits 16
trampoline_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [T(tr_gdt.ptr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword 0x08:T(tr_protected)

bits 32
tr_protected:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [ap_boot_cr3]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [ap_boot_efer]          ; LME, and NXE when the BSP uses it
	wrmsr
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp 0x18:T(tr_long)

bits 64
tr_long:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [ap_boot_stack]
	mov rdi, [ap_boot_cpu]
	xor ebp, ebp
	mov rax, ap_entry
	call rax                        ; does not return
.hang:
	cli
	hlt
	jmp .hang

align 8
tr_gdt:
	dq 0
	dq 0x00cf9b000000ffff            ; 0x08: 32-bit code
	dq 0x00cf93000000ffff            ; 0x10: data
	dq 0x00af9b000000ffff            ; 0x18: 64-bit code
.ptr:
	dw $ - tr_gdt - 1
	dd T(tr_gdt)
trampoline_end:
