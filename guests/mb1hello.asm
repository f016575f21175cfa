; SPDX-License-Identifier: BSD-2-Clause
; Multiboot (0.6.96) ELF guest: started as GRUB and QEMU -kernel start such
; kernels. Checks the boot protocol: EAX magic, the information structure's
; flags, memory, command line, modules and memory map.
MB1_MAGIC equ 0x1badb002
MB1_FLAGS equ 1 << 0 | 1 << 1          ; page-aligned modules, memory info

section .text
	jmp _start                      ; the header must sit in the first 8 KiB
align 4
	dd MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

%include "guests/lib32.inc"

main:
	mov ebx, [boot_ebx]
	mov [info], ebx
	cmp dword [boot_eax], 0x2badb002
	mov esi, case_magic
	call report_zf

	mov ebx, [info]
	test dword [ebx], 1 << 0        ; mem_lower/mem_upper
	setz al
	test al, al
	jnz .mem_bad
	cmp dword [ebx + 4], 640        ; mem_lower KiB
.mem_bad:
	mov esi, case_mem
	call report_zf

	mov ebx, [info]                 ; command line
	test dword [ebx], 1 << 2
	jz .no_cmdline
	mov esi, [ebx + 16]
	mov edi, want_cmdline
	mov ecx, want_cmdline_len
	repe cmpsb
.no_cmdline:
	mov esi, case_cmdline
	call report_zf

	mov ebx, [info]                 ; one module, page-aligned, with its string
	cmp dword [ebx + 20], 1
	jne .mods
	mov edx, [ebx + 24]
	test dword [edx], 0xfff
	jnz .mods
	mov esi, [edx + 8]
	mov edi, want_mod
	mov ecx, want_mod_len
	repe cmpsb
	jne .mods
	mov esi, [edx]                  ; its first bytes
	cmp dword [esi], 'MODU'
.mods:
	mov esi, case_module
	call report_zf

	mov ebx, [info]                 ; a memory map is there
	test dword [ebx], 1 << 6
	setz al
	test al, al
	mov esi, case_mmap
	call report_zf
	ret

section .data
info:     dd 0
want_cmdline: db "console=ttyS0 answer=42", 0
want_cmdline_len equ $ - want_cmdline
want_mod: db "initrd-like", 0
want_mod_len equ $ - want_mod
case_magic:   db "mb1: EAX is 0x2BADB002", 0
case_mem:     db "mb1: mem_lower is 640 KiB", 0
case_cmdline: db "mb1: command line", 0
case_module:  db "mb1: module, page-aligned, with its string and bytes", 0
case_mmap:    db "mb1: memory map present", 0
