; SPDX-License-Identifier: BSD-2-Clause
; Multiboot2 header and 32-bit entry: check we were booted by a Multiboot2
; loader on a CPU with long mode, build early identity page tables for the
; first 4 GiB, switch to long mode and call kmain(magic, mbi).
; The C side (mm/paging.c) replaces these page tables once memory is known.

bits 32

MB2_MAGIC       equ 0xe85250d6          ; Multiboot2 3.1.2
MB2_ARCH_I386   equ 0
MB2_LOADER_MAGIC equ 0x36d76289         ; EAX at entry, Multiboot2 3.2

COM1            equ 0x3f8
BOOT_STACK_SIZE equ 16384

%include "boot/x86.inc"

PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7

extern kmain, __bss_start, __bss_end

section .multiboot2 align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; Information request (3.1.4), optional so any loader still boots us:
	; the parser reports what is missing.
	align 8
.info_req:
	dw 1, 1
	dd .info_req_end - .info_req
	dd 1, 2, 3, 4, 6, 14, 15, 12, 17
.info_req_end:
	; Page-align modules (3.1.10): guests are loaded from them.
	align 8
	dw 6, 0
	dd 8
	; End tag.
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

section .text.boot
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov esi, eax                    ; keep magic and info pointer
	mov edi, ebx

	cmp esi, MB2_LOADER_MAGIC
	jne .no_multiboot2

	; CPUID present? (EFLAGS.ID can be toggled)
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .no_long_mode

	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29               ; LM
	jz .no_long_mode

	; Zero .bss: page tables and stacks live there (GRUB zeroes it too, but
	; nothing in the Multiboot2 spec promises it).
	mov ebp, edi                    ; not on the stack: it lives in .bss
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov edi, ebp

	; PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, each PD entry a 2 MiB page:
	; identity map of 0..4 GiB, enough for the image, the boot information
	; and the modules, which Multiboot2 places below 4 GiB.
	mov eax, boot_pdpt
	or eax, PTE_P | PTE_W
	mov [boot_pml4], eax
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P | PTE_W
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                     ; high half of (ecx << 21)
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)     ; some firmware (Bochs' BIOS) leaves caches off
	or eax, CR0_PG | CR0_PE | CR0_WP
	mov cr0, eax

	lgdt [boot_gdt.ptr]
	jmp 0x08:long_entry

.no_multiboot2:
	mov esi, msg_no_mb2
	jmp early_fail
.no_long_mode:
	mov esi, msg_no_lm
	jmp early_fail

; Print the NUL-terminated string at ESI on COM1 and halt for good.
; Polls are bounded: a missing UART reads 0xff and never blocks us.
early_fail:
	mov dx, COM1 + 1
	xor al, al
	out dx, al                      ; no interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al                      ; DLAB
	mov dx, COM1
	mov al, 1
	out dx, al                      ; divisor 1: 115200
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al                      ; 8N1
.next:
	lodsb
	test al, al
	jz .halt
	mov bl, al
	mov ecx, 100000
.wait:
	mov dx, COM1 + 5
	in al, dx
	test al, 0x20
	jnz .send
	loop .wait
.send:
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .next
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	mov eax, esi                    ; kmain(magic = esi, mbi = edi)
	mov esi, edi
	mov edi, eax
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
msg_no_mb2: db "svmvisor: fatal: not booted by a Multiboot2 loader (bad magic in EAX)", 13, 10, 0
msg_no_lm:  db "svmvisor: fatal: this CPU has no long mode (x86-64); svmvisor needs an AMD64 CPU with SVM", 13, 10, 0

align 8
boot_gdt:
	dq 0
	dq 0x00af9b000000ffff            ; 0x08: 64-bit code (accessed preset)
	dq 0x00cf93000000ffff            ; 0x10: data (accessed preset)
.ptr:
	dw $ - boot_gdt - 1
	dd boot_gdt

section .bss
align 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd:   resb 4 * 4096
global boot_stack_top
boot_stack: resb BOOT_STACK_SIZE
boot_stack_top:
