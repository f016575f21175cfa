; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest that enters long mode itself: starts in 32-bit protected
; mode (flat binary at 1 MiB), builds identity page tables for 1 GiB with
; 2 MiB pages, sets CR4.PAE, EFER.LME (an intercepted WRMSR), CR0.PG, and
; checks CPUID, MSRs and port I/O from 64-bit code, where the hypervisor
; must walk 4-level guest page tables to find instruction lengths.
org 0x100000
%include "guests/lib32.inc"

bits 32
main:
	mov esi, msg_hello
	call puts
	; PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB, P|W|PS
	mov dword [pml4], pdpt + 3
	mov dword [pdpt], pd + 3
	xor ecx, ecx
.fill:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83
	mov [pd + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jb .fill
	mov eax, pml4
	mov cr3, eax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov ecx, 0xc0000080
	rdmsr
	or eax, 1 << 8                  ; LME
	wrmsr
	mov eax, cr0
	or eax, 1 << 31                 ; PG: long mode becomes active
	mov cr0, eax
	lgdt [gdt64_ptr]
	jmp 0x08:long_mode

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, stack_top

	mov ecx, 0xc0000080             ; EFER.LMA as the guest sees it
	rdmsr
	test eax, 1 << 10
	setz al
	test al, al
	mov rsi, case_lma
	call report64

	mov eax, 0x40000000             ; CPUID with a REX prefix: decoded length
	db 0x48, 0x0f, 0xa2
	mov edi, 'svmv'
	cmp ebx, edi
	mov rsi, case_cpuid
	call report64

	mov dx, 0x2f0
	in al, dx
	cmp al, 0xff
	mov rsi, case_io
	call report64

	mov eax, ebp
	mov dx, DEBUG_EXIT
	out dx, al
	cli
	hlt

; 64-bit PASS/FAIL line; ZF set: PASS; RSI = case name (below 4 GiB)
report64:
	jz .pass
	inc ebp
	push rsi
	mov rsi, msg_fail
	jmp .print
.pass:
	push rsi
	mov rsi, msg_pass
.print:
	call puts64
	pop rsi
	call puts64
	mov rsi, msg_nl
	; fall through
%include "guests/puts64.inc"

align 8
gdt64:
	dq 0
	dq 0x00af9b000000ffff           ; 0x08: 64-bit code
	dq 0x00cf93000000ffff           ; 0x10: data
gdt64_ptr:
	dw $ - gdt64 - 1
	dd gdt64

msg_hello: db "long64: entering long mode", 13, 10, 0
case_lma:  db "long mode: EFER.LMA set", 0
case_cpuid: db "long mode: REX-prefixed CPUID", 0
case_io:   db "long mode: unassigned port reads all ones", 0

align 4096
pml4: times 4096 db 0
pdpt: times 4096 db 0
pd:   times 4096 db 0
