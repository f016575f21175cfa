; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: INS/OUTS in 64-bit mode: REP INSB with RCX 2^64-1 into a not-present 2 MiB page, 32-bit address size (0x67) with garbage in the upper halves of RCX/RDI/RSI (counts 4 and 0), OUTSB from a non-canonical RSI, DF=1 REP INSD, REP INSB across the end of RAM into the hole, and OUTSB through FS (FS_BASE) and under 0x67
; class: strio
; guest: REP INSB (RCX 2^64-1, RDI 0x5ffff0) stores 16 bytes, then #PF at the INSB with CR2 0x600000, error code 2, RCX 2^64-17, RDI 0x600000; a32 REP INSB with RCX 0xdeadbeef00000004, RDI 0xffffffff00500000 stores 4 bytes at 0x500000 and leaves RCX 0, RDI 0x500004 (32-bit results zero-extended); with RCX 0xffffffff00000000 (ECX 0) nothing is stored and RCX, RDI keep their upper halves; OUTSB with RSI 0x800000000000: #GP(0) at the OUTSB, RSI and RCX unchanged; DF=1 REP INSD (RCX 4, RDI 0x510010) stores 4 dwords downwards, RDI 0x510000; REP INSB (RCX 8) at 0xfffffc: 4 bytes stored below 16 MiB, 4 dropped in the hole, no fault; REP FS OUTSB at RSI 0x40 sends the byte at FS_BASE + 0x40; a32 OUTSB with RSI 0xffffffff00000040 sends the byte at 0x40 and leaves RSI 0x41
; hypervisor: nothing: svm/strio_exec.c applies the 64-bit rules (no segment limits, FS/GS bases only, the canonical check, 64-bit counts) and the 32-bit address size's
; others: the witness beats on, its RAM intact, and the console answers
;
; Real hardware (APM Vol.3 "INS", "OUTS", "REP"; Vol.1 3.1.2.3): in 64-bit
; mode the address size is 64 bits (RCX/RSI/RDI) or, with 0x67, 32 (ECX/
; ESI/EDI, whose updates zero bits 63:32 like any 32-bit register write;
; a count of 0 writes nothing). Segments have no limits there, and only FS
; and GS add a base; an address that is not canonical raises #GP(0) (#SS
; through SS). A fault on an element leaves the earlier ones done. The
; case enters long mode itself (4-level paging, 2 MiB pages over 0-18 MiB
; but for 6-8 MiB, which is not present; 16-18 MiB is past RAM: the hole),
; runs the checks there with its own 64-bit IDT for #GP and #PF, and goes
; back to 32-bit protected mode to report them.
;
; Bochs 2.7 quirk: its VMRUN reads CR2 from the VMCB but never loads it,
; so a #PF the hypervisor injects would find the guest's previous CR2;
; svmvisor also loads the core's CR2 before that VMRUN (svm/inject.h
; inject_page_fault). The case writes a marker to CR2 first, so a CR2 left
; stale is a FAIL on either emulator.
%include "guests/hostile/hostile.inc"

SCRATCH   equ 0x3ff                     ; COM1's scratch register
NOBODY    equ 0x2f8
PML4      equ 0x200000
PDPT      equ 0x201000
PDIR      equ 0x202000
SEL_CODE64 equ 0x30
FS_AREA   equ 0x180000
EFER      equ 0xc0000080
FS_BASE   equ 0xc0000100
CR2_MARK  equ 0xc2c2c000                ; the guest's own CR2 before the #PF

main:
	call build_tables
	lgdt [case_gdt_ptr]
	mov eax, 13
	mov ecx, gp64
	call set_gate64
	mov eax, 14
	mov ecx, pf64
	call set_gate64
	mov byte [FS_AREA + 0x40], 0xa5
	mov byte [0x40], 0x5a
	mov edi, 0x500000
	mov ecx, 0x20000 / 4
	xor eax, eax
	rep stosd
	mov dword [0x5fffe8], 0
	mov dword [0x5fffec], 0
	mov dword [0xfffffc], 0

	mov eax, cr4
	or eax, 0x20                    ; PAE
	mov cr4, eax
	mov eax, PML4
	mov cr3, eax
	mov ecx, EFER
	rdmsr
	or eax, 0x100                   ; LME
	wrmsr
	mov eax, cr0
	or eax, 0x80000000              ; PG: long mode
	mov cr0, eax
	jmp SEL_CODE64:long_main

back32:                                 ; compatibility mode, CS 0x08
	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	mov ecx, EFER
	rdmsr
	and eax, ~0x100
	wrmsr
	mov eax, cr4
	and eax, ~0x20
	mov cr4, eax
	lidt [idt_ptr]

	xor ebx, ebx                    ; the checks the 64-bit part recorded
.report:
	cmp ebx, [nchk]
	jae .done
	mov esi, ebx
	shl esi, 4
	mov eax, [checks + esi]         ; got
	mov edx, [checks + esi + 4]
	mov [got_lo], eax
	mov [got_hi], edx
	mov ecx, [checks + esi + 8]     ; wanted
	mov edi, [checks + esi + 12]
	cmp eax, ecx
	jne .one
	cmp edx, edi
.one:
	mov esi, [msgs + ebx * 4]
.got:
	call report_got
.next:
	inc ebx
	jmp .report
.done:
	cmp ebx, NCHECKS
	mov esi, msg_all
	call report_zf
	ret

build_tables:
	mov edi, PML4
	mov ecx, 3 * 0x1000 / 4
	xor eax, eax
	rep stosd
	mov dword [PML4], PDPT | 3
	mov dword [PDPT], PDIR | 3
	xor ecx, ecx
.pde:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                    ; present, writable, 2 MiB
	mov [PDIR + ecx * 8], eax
	inc ecx
	cmp ecx, 9
	jb .pde
	mov dword [PDIR + 3 * 8], 0     ; 6-8 MiB: not present
	ret

set_gate64:                             ; EAX = vector, ECX = handler
	shl eax, 4
	mov [idt64 + eax], cx
	mov word [idt64 + eax + 2], SEL_CODE64
	mov word [idt64 + eax + 4], 0x8e00
	shr ecx, 16
	mov [idt64 + eax + 6], cx
	mov dword [idt64 + eax + 8], 0
	mov dword [idt64 + eax + 12], 0
	ret

bits 64

; One value (a register or memory) against what it must be.
%macro CHK 2
	mov rax, %1
	mov rdx, %2
	call record
%endmacro

; The instruction(s) under the 64-bit #GP/#PF gates.
%macro TRY64 1+
	mov qword [f_vec], -1
	mov qword [f_err], -1
	mov qword [f_cr2], -1
	mov qword [f_rip], -1
	mov qword [insn_at], %%insn
	mov qword [resume], %%after
	mov [saved_rsp], rsp
%%insn:
	%1
%%after:
%endmacro

long_main:
	lidt [idt64_ptr]
	mov dx, SCRATCH
	mov al, 0x42
	out dx, al

	; 1. REP INSB, RCX 2^64-1, into the not-present page at 6 MiB
	mov eax, CR2_MARK
	mov cr2, rax
	mov rdi, 0x5ffff0
	mov rcx, -1
	TRY64 rep insb
	mov rbx, rcx
	CHK [f_vec], 14
	CHK [f_cr2], 0x600000
	mov rax, [f_err]
	and rax, 0xf
	CHK rax, 2
	mov rax, [f_rip]
	CHK rax, [insn_at]
	CHK rbx, -17
	CHK rdi, 0x600000
	CHK [0x5ffff0], [qword_42]
	CHK [0x5ffff8], [qword_42]
	CHK [0x5fffe8], 0

	; 2. a32 REP INSB: ECX and EDI, results zero-extended
	mov rcx, 0xdeadbeef00000004
	mov rdi, 0xffffffff00500000
	mov dx, SCRATCH
	TRY64 a32 rep insb
	mov rbx, rcx
	CHK [f_vec], -1
	CHK rbx, 0
	CHK rdi, 0x500004
	CHK [0x500000], 0x42424242

	; 3. a32 REP INSB with ECX 0: nothing at all
	mov rcx, 0xffffffff00000000
	mov rdi, 0xffffffff00500100
	mov dx, SCRATCH
	TRY64 a32 rep insb
	mov rbx, rcx
	CHK [f_vec], -1
	CHK rbx, 0xffffffff00000000
	CHK rdi, 0xffffffff00500100
	CHK [0x500100], 0

	; 4. OUTSB from a non-canonical RSI
	mov rsi, 0x800000000000
	mov rcx, 1
	mov dx, 0x80
	TRY64 rep outsb
	mov rbx, rcx
	CHK [f_vec], 13
	CHK [f_err], 0
	mov rax, [f_rip]
	CHK rax, [insn_at]
	CHK rsi, 0x800000000000
	CHK rbx, 1

	; 5. DF=1 REP INSD from nobody
	mov rdi, 0x510010
	mov rcx, 4
	mov dx, NOBODY
	std
	TRY64 rep insd
	cld
	mov rbx, rcx
	CHK [f_vec], -1
	CHK rbx, 0
	CHK rdi, 0x510000
	CHK [0x510004], -1
	CHK [0x51000c], -1
	mov eax, [0x510000]
	CHK rax, 0
	CHK [0x510014], 0

	; 6. REP INSB across the end of RAM into the hole
	mov rdi, 0xfffffc
	mov rcx, 8
	mov dx, SCRATCH
	TRY64 rep insb
	mov rbx, rcx
	CHK [f_vec], -1
	CHK rbx, 0
	CHK rdi, 0x1000004
	mov eax, [0xfffffc]
	CHK rax, 0x42424242

	; 7. REP FS OUTSB: FS_BASE counts in 64-bit mode
	mov ecx, FS_BASE
	mov eax, FS_AREA
	xor edx, edx
	wrmsr
	mov rsi, 0x40
	mov rcx, 1
	mov dx, SCRATCH
	TRY64 rep fs outsb
	CHK [f_vec], -1
	CHK rsi, 0x41
	xor eax, eax
	mov dx, SCRATCH
	in al, dx
	CHK rax, 0xa5

	; 8. a32 OUTSB: ESI only, RSI zero-extended after
	mov rsi, 0xffffffff00000040
	mov dx, SCRATCH
	TRY64 a32 outsb
	CHK [f_vec], -1
	CHK rsi, 0x41
	xor eax, eax
	mov dx, SCRATCH
	in al, dx
	CHK rax, 0x5a

	mov ecx, FS_BASE
	xor eax, eax
	xor edx, edx
	wrmsr
	push qword 0x08                 ; back to 32-bit code (compatibility mode)
	push qword back32
	o64 retf

; Stores RAX (got) and RDX (wanted) as the next check.
record:
	push rbx
	mov rbx, [nchk]
	shl rbx, 4
	mov [checks + rbx], rax
	mov [checks + rbx + 8], rdx
	inc qword [nchk]
	pop rbx
	ret

gp64:
	pop qword [f_err]
	mov rax, [rsp]
	mov [f_rip], rax
	mov qword [f_vec], 13
	jmp fault64
pf64:
	pop qword [f_err]
	mov rax, [rsp]
	mov [f_rip], rax
	mov rax, cr2
	mov [f_cr2], rax
	mov qword [f_vec], 14
fault64:
	mov rsp, [saved_rsp]
	jmp [resume]

bits 32

NCHECKS equ 39

align 8
case_gdt:                               ; lib32.inc's descriptors, then 64-bit code
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00cffb000000ffff           ; 0x18
	dq 0x00cff3000000ffff           ; 0x20
	dq 0                            ; 0x28
	dq 0x00af9b000000ffff           ; 0x30: 64-bit code
case_gdt_ptr:
	dw $ - case_gdt - 1
	dd case_gdt
idt64_ptr:
	dw 32 * 16 - 1
	dd idt64, 0

align 8
qword_42:  dq 0x4242424242424242
f_vec:     dq 0
f_err:     dq 0
f_cr2:     dq 0
f_rip:     dq 0
insn_at:   dq 0
resume:    dq 0
saved_rsp: dq 0
nchk:      dq 0
checks:    times NCHECKS * 2 dq 0
align 16
idt64:     times 32 * 16 db 0

msgs:
	dd m1a, m1b, m1c, m1d, m1e, m1f, m1g, m1h, m1i
	dd m2a, m2b, m2c, m2d
	dd m3a, m3b, m3c, m3d
	dd m4a, m4b, m4c, m4d, m4e
	dd m5a, m5b, m5c, m5d, m5e, m5f, m5g
	dd m6a, m6b, m6c, m6d
	dd m7a, m7b, m7c
	dd m8a, m8b, m8c
	times NCHECKS - ($ - msgs) / 4 dd m_none
m1a: db "64-bit REP INSB, RCX 2^64-1, RDI 0x5ffff0: #PF", 0
m1b: db "  CR2 0x600000 (the not-present 2 MiB page)", 0
m1c: db "  error code 2 (not present, write)", 0
m1d: db "  at the INSB", 0
m1e: db "  RCX 2^64-17 (16 iterations done)", 0
m1f: db "  RDI 0x600000", 0
m1g: db "  bytes 0x5ffff0-7 stored", 0
m1h: db "  bytes 0x5ffff8-f stored", 0
m1i: db "  nothing stored below 0x5ffff0", 0
m2a: db "a32 REP INSB, RCX 0xdeadbeef00000004, RDI 0xffffffff00500000: no fault", 0
m2b: db "  RCX 0 (ECX counted, bits 63:32 zeroed)", 0
m2c: db "  RDI 0x500004 (EDI moved, bits 63:32 zeroed)", 0
m2d: db "  4 bytes stored at 0x500000", 0
m3a: db "a32 REP INSB, RCX 0xffffffff00000000 (ECX 0): no fault", 0
m3b: db "  RCX unchanged", 0
m3c: db "  RDI unchanged", 0
m3d: db "  nothing stored", 0
m4a: db "REP OUTSB from RSI 0x800000000000 (not canonical): #GP", 0
m4b: db "  error code 0", 0
m4c: db "  at the OUTSB", 0
m4d: db "  RSI unchanged", 0
m4e: db "  RCX unchanged", 0
m5a: db "DF=1 REP INSD, RCX 4, RDI 0x510010: no fault", 0
m5b: db "  RCX 0", 0
m5c: db "  RDI 0x510000", 0
m5d: db "  0x510004-b all ones", 0
m5e: db "  0x51000c-13 all ones", 0
m5f: db "  0x510000-3 untouched", 0
m5g: db "  0x510014-1b untouched", 0
m6a: db "REP INSB, RCX 8, RDI 0xfffffc, across the end of RAM: no fault", 0
m6b: db "  RCX 0", 0
m6c: db "  RDI 0x1000004", 0
m6d: db "  the 4 bytes below 16 MiB stored", 0
m7a: db "REP FS OUTSB, FS_BASE 0x180000, RSI 0x40: no fault", 0
m7b: db "  RSI 0x41", 0
m7c: db "  the port got the byte at FS_BASE + 0x40 (0xa5)", 0
m8a: db "a32 OUTSB, RSI 0xffffffff00000040: no fault", 0
m8b: db "  RSI 0x41 (ESI moved, bits 63:32 zeroed)", 0
m8c: db "  the port got the byte at 0x40 (0x5a)", 0
m_none: db "a check without a message", 0
msg_all: db "every 64-bit check recorded (the 64-bit part ran to its end)", 0
