; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest started directly in 64-bit mode: a flat binary loaded at
; 1 MiB with `kind=flat mode=long load=0x100000 mem=16M`. It checks the start
; state docs/vms.md promises (long mode active, paging on the hypervisor's
; identity map at the top of RAM, its GDT selectors) and reports through
; COM1 one PASS/FAIL line per case, then leaves through the debug-exit port
; with the failure count, as the lib32.inc guests do. lib32.inc is 32-bit
; code, so this guest brings its own 64-bit printing.
org 0x100000
bits 64

COM1       equ 0x3f8
DEBUG_EXIT equ 0xf4
MEM        equ 16 << 20                 ; the VM's mem=
AREA_SIZE  equ 0x4000                   ; loader_long_area_size(16M): PML4, PDPT, GDT, 1 PD
AREA       equ MEM - AREA_SIZE          ; the long-mode start area

_start:
	mov rsp, stack_top              ; entered with RSP = 0
	xor ebp, ebp                    ; failure count
	mov esi, msg_hello
	call puts64

	; 64-bit mode: 0x40 is a REX prefix (EAX stays 0), in 32-bit code
	; it would be INC EAX; a REX.W shift keeps the high half; EFER.LMA.
	xor eax, eax
	db 0x40
	nop
	mov ebx, eax
	mov rax, 0x123456789abcdef0
	shr rax, 32
	cmp eax, 0x12345678
	setne al
	or bl, al
	mov ecx, 0xc0000080             ; EFER as the guest sees it: LME, LMA, no SVME
	rdmsr
	and eax, (1 << 8) | (1 << 10) | (1 << 12)
	cmp eax, (1 << 8) | (1 << 10)
	setne al
	or al, bl
	mov esi, case_mode
	call report_al

	mov rax, cr0                    ; PE, WP, PG
	and eax, (1 << 0) | (1 << 16) | (1 << 31)
	cmp eax, (1 << 0) | (1 << 16) | (1 << 31)
	setne bl
	mov rax, cr4                    ; PAE
	test eax, 1 << 5
	setz al
	or al, bl
	mov esi, case_paging
	call report_al

	mov rax, cr3
	cmp rax, AREA
	setne al
	mov esi, case_cr3
	call report_al

	; The PDE for 15 MiB (PD 0 at area + 0x3000, entry 7), read through
	; the identity map: 14 MiB, present, writable, 2 MiB page (the CPU
	; may have set accessed and dirty by now). Then a pattern written
	; near 15 MiB and right below the area reads back.
	mov rdi, AREA + 0x3000 + 7 * 8
	mov rax, [rdi]
	and al, ~0x60                   ; A, D
	mov rdx, (7 << 21) | 0x83
	cmp rax, rdx
	setne bl
	mov rdx, 0x5a5aa5a5f00dcafe
	mov rdi, (15 << 20) + 0x1238
	mov [rdi], rdx
	mov rax, [rdi]
	cmp rax, rdx
	setne al
	or bl, al
	mov rdi, AREA - 8
	not rdx
	mov [rdi], rdx
	mov rax, [rdi]
	cmp rax, rdx
	setne al
	or al, bl
	mov esi, case_map
	call report_al

	; CS 0x08 with L set and D clear (LAR reads the descriptor in the
	; area's GDT), DS ES SS FS GS 0x10, GDTR -> the area's GDT, and DS
	; and SS reload from it.
	xor ebx, ebx
	mov ax, cs
	cmp ax, 0x08
	setne bl
	movzx ecx, ax
	lar eax, cx
	and eax, (1 << 21) | (1 << 22) | (1 << 15)      ; L, D, P
	cmp eax, (1 << 21) | (1 << 15)
	setne al
	or bl, al
%macro DATA_SEL 1
	mov ax, %1
	cmp ax, 0x10
	setne al
	or bl, al
%endmacro
	DATA_SEL ds
	DATA_SEL es
	DATA_SEL ss
	DATA_SEL fs
	DATA_SEL gs
	sgdt [gdtr_seen]
	cmp word [gdtr_seen], 23
	setne al
	or bl, al
	mov rax, AREA + 0x2000
	cmp [gdtr_seen + 2], rax
	setne al
	or bl, al
	mov ax, 0x10
	mov ds, ax
	mov ss, ax
	mov al, bl
	mov esi, case_gdt
	call report_al

	mov eax, 0x40000000
	cpuid
	cmp ebx, 'svmv'
	setne al
	mov esi, case_cpuid
	call report_al

	mov eax, ebp
	out DEBUG_EXIT, al
	cli
	hlt

; One PASS/FAIL line for the case named at RSI: PASS when AL is 0.
report_al:
	push rsi
	mov esi, msg_pass
	test al, al
	jz .print
	inc ebp
	mov esi, msg_fail
.print:
	call puts64
	pop rsi
	call puts64
	mov esi, msg_nl
	; fall through

%include "guests/puts64.inc"

msg_hello:   db "flat64: started at its entry", 13, 10, 0
case_mode:   db "flat64: started in 64-bit mode", 0
case_paging: db "flat64: CR0.PG and CR4.PAE set", 0
case_cr3:    db "flat64: CR3 at the start area", 0
case_map:    db "flat64: identity map covers RAM", 0
case_gdt:    db "flat64: GDT selectors", 0
case_cpuid:  db "flat64: CPUID hypervisor leaf", 0
msg_pass:    db "PASS ", 0
msg_fail:    db "FAIL ", 0
msg_nl:      db 13, 10, 0

align 16
gdtr_seen: times 16 db 0
stack: times 4096 db 0
stack_top:
