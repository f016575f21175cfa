; SPDX-License-Identifier: BSD-2-Clause
; Multiboot2 ELF guest: checks EAX and the tags of its boot information
; (command line, loader name, module, memory map), as GRUB would give them.
MB2_MAGIC equ 0xe85250d6

section .text
	jmp _start                      ; the header must sit in the first 32 KiB
align 8
mb2_header:
	dd MB2_MAGIC, 0, mb2_header_end - mb2_header
	dd -(MB2_MAGIC + (mb2_header_end - mb2_header))
	dw 0, 0                         ; end tag
	dd 8
mb2_header_end:

%include "guests/lib32.inc"

; Finds tag type EAX in the information at [boot_ebx]; EDX = the tag or 0.
find_tag:
	mov edx, [boot_ebx]
	add edx, 8
.next:
	cmp dword [edx], 0
	je .none
	cmp [edx], eax
	je .found
	mov ecx, [edx + 4]
	add ecx, 7
	and ecx, ~7
	add edx, ecx
	jmp .next
.none:
	xor edx, edx
.found:
	ret

; ZF set when the string at ESI equals the NUL-terminated one at EDI.
streq:
	mov al, [esi]
	cmp al, [edi]
	jne .done
	inc esi
	inc edi
	test al, al
	jnz streq
.done:
	ret

main:
	cmp dword [boot_eax], 0x36d76289
	mov esi, case_magic
	call report_zf

	mov eax, 1                      ; command line
	call find_tag
	test edx, edx
	jz .c1
	lea esi, [edx + 8]
	mov edi, want_cmdline
	call streq
.c1:
	mov esi, case_cmdline
	call report_zf

	mov eax, 2                      ; boot loader name
	call find_tag
	test edx, edx
	jz .c2
	lea esi, [edx + 8]
	mov edi, want_loader
	call streq
.c2:
	mov esi, case_loader
	call report_zf

	mov eax, 3                      ; module with its string and bytes
	call find_tag
	test edx, edx
	jz .c3
	lea esi, [edx + 16]
	mov edi, want_mod
	push edx
	call streq
	pop edx
	jne .c3
	mov esi, [edx + 8]
	cmp dword [esi], 'MODU'
.c3:
	mov esi, case_module
	call report_zf

	mov eax, 6                      ; memory map
	call find_tag
	test edx, edx
	setz al
	test al, al
	mov esi, case_mmap
	call report_zf
	ret

section .data
want_cmdline: db "root=/dev/null quiet", 0
want_loader:  db "svmvisor", 0
want_mod:     db "initrd-like", 0
case_magic:   db "mb2: EAX is 0x36D76289", 0
case_cmdline: db "mb2: command line tag", 0
case_loader:  db "mb2: boot loader name svmvisor", 0
case_module:  db "mb2: module tag with its string and bytes", 0
case_mmap:    db "mb2: memory map tag", 0
