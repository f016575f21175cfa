; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: local APIC accesses by instructions padded with prefixes to 15 bytes (the longest allowed), 16 and 17 bytes
; class: emul
; guest: the 15-byte forms complete (MOV EAX from the version register at 0xFEE00030 by 8B /r and by A1 moffs reads what the plain instruction reads; MOV to the TPR at 0xFEE00080 by C7 /0 takes its value); each 16- and 17-byte form raises #GP(0) at its first byte, with no access: EAX keeps its old value, the TPR keeps its old value
; hypervisor: nothing: the CPU refuses an instruction longer than 15 bytes before any memory access, so there is no nested page fault; the 15-byte forms are emulated like the short ones (svm/decode.c accepts 15 bytes, INSN_MAX_LEN)
; others: the witness beats on, its RAM intact
;
; Real hardware (APM Vol.3 1.1, Intel SDM Vol.2 2.3.11): an instruction may
; be at most 15 bytes long, prefixes included; a longer one raises #GP(0)
; before it does anything, whatever its prefixes. The padding is segment
; overrides (DS, ES, SS: all flat here), which the CPU accepts in any number
; within the limit; the last one names the segment.
%include "guests/hostile/hostile.inc"

A_VER equ 0x030
A_TPR equ 0x080
SENTINEL equ 0x5a5a5a5a

; A load of the version register into EAX, N bytes long: MOV r32, r/m32
; (8B 05 disp32: 6 bytes) after N - 6 segment-override prefixes.
%macro LOAD_VER 1
	times (%1 - 6) / 3 db 0x3e, 0x26, 0x36
	times (%1 - 6) % 3 db 0x3e
	db 0x8b, 0x05
	dd LAPIC + A_VER
%endmacro
; The same by MOV EAX, moffs32 (A1 moffs32: 5 bytes).
%macro LOAD_VER_MOFFS 1
	times (%1 - 5) db 0x3e
	db 0xa1
	dd LAPIC + A_VER
%endmacro
; MOV dword [TPR], imm32 (C7 05 disp32 imm32: 10 bytes), N bytes long.
%macro STORE_TPR 2
	times (%1 - 10) db 0x36
	db 0xc7, 0x05
	dd LAPIC + A_TPR
	dd %2
%endmacro

; One access of N bytes under TRY, its first byte at a known label.
%macro LONG 2-3
	mov dword [fault_vector], -1
	mov dword [fault_resume], %%after
	mov [fault_esp], esp
	mov dword [gp_rip], -1
	mov dword [gp_err], -1
	mov dword [insn_at], %%insn
	mov eax, SENTINEL
%%insn:
%if %0 == 3
	%1 %2, %3
%else
	%1 %2
%endif
%%after:
	times -((%%after - %%insn) != %2) db 0 ; assembles only when it is %2 bytes
	cmp dword [fault_vector], 13
	jne %%keep
	mov eax, [gp_eax]               ; EAX as the #GP found it
%%keep:
	mov [got_lo], eax
%endmacro

main:
	mov eax, 13                     ; #GP through our gate: its error code and RIP
	mov ecx, on_gp
	call set_gate
	mov eax, [LAPIC + A_VER]
	mov [version], eax
	mov dword [LAPIC + A_TPR], 0

	LONG LOAD_VER, 6
	call check_read
	mov esi, msg_ver6
	call report_read
	LONG LOAD_VER, 15
	call check_read
	mov esi, msg_ver15
	call report_read
	LONG LOAD_VER_MOFFS, 15
	call check_read
	mov esi, msg_moffs15
	call report_read
	LONG LOAD_VER, 16
	call check_gp
	mov esi, msg_ver16
	call report_gp
	LONG LOAD_VER, 17
	call check_gp
	mov esi, msg_ver17
	call report_gp
	LONG LOAD_VER_MOFFS, 16
	call check_gp
	mov esi, msg_moffs16
	call report_gp

	LONG STORE_TPR, 15, 0x20
	mov eax, [LAPIC + A_TPR]
	mov [got_lo], eax
	cmp dword [fault_vector], -1
	jne .tpr15
	cmp eax, 0x20
.tpr15:
	mov esi, msg_tpr15
	call report_got
	LONG STORE_TPR, 16, 0x30
	call check_gp
	jne .tpr16
	mov eax, [LAPIC + A_TPR]
	mov [got_lo], eax
	cmp eax, 0x20
.tpr16:
	mov esi, msg_tpr16
	call report_got
	LONG STORE_TPR, 17, 0x40
	call check_gp
	jne .tpr17
	mov eax, [LAPIC + A_TPR]
	mov [got_lo], eax
	cmp eax, 0x20
.tpr17:
	mov esi, msg_tpr17
	call report_got
	mov dword [LAPIC + A_TPR], 0
	ret

; ZF: no fault, and EAX ([got_lo]) is the version read the plain way.
check_read:
	mov eax, [version]
	mov [got_hi], eax
	cmp dword [fault_vector], -1
	jne .done
	mov eax, [got_lo]
	cmp eax, [version]
.done:
	ret

; ZF: #GP with error code 0 at the instruction's first byte, EAX untouched.
check_gp:
	mov eax, [gp_err]
	mov [got_hi], eax
	cmp dword [fault_vector], 13
	jne .done
	cmp dword [gp_err], 0
	jne .done
	mov eax, [gp_rip]
	cmp eax, [insn_at]
	jne .done
	cmp dword [got_lo], SENTINEL
.done:
	ret

report_read:
report_gp:
	jmp report_got

on_gp:
	pop dword [gp_err]
	mov [gp_eax], eax
	push eax
	mov eax, [esp + 4]
	mov [gp_rip], eax
	pop eax
	mov eax, 13
	jmp fault_common

set_gate:                               ; EAX = vector, ECX = handler
	mov [idt + eax * 8], cx
	shr ecx, 16
	mov [idt + eax * 8 + 6], cx
	ret

version: dd 0
gp_err:  dd 0
gp_rip:  dd 0
gp_eax:  dd 0
insn_at: dd 0
msg_ver6:    db "MOV EAX, [0xfee00030] (6 bytes) reads the version register", 0
msg_ver15:   db "the same padded to 15 bytes (9 segment prefixes) reads the same version", 0
msg_moffs15: db "MOV EAX, moffs (A1) padded to 15 bytes reads the same version", 0
msg_ver16:   db "the same padded to 16 bytes: #GP(0) at its first byte, EAX unchanged", 0
msg_ver17:   db "the same padded to 17 bytes: #GP(0) at its first byte, EAX unchanged", 0
msg_moffs16: db "MOV EAX, moffs (A1) padded to 16 bytes: #GP(0), EAX unchanged", 0
msg_tpr15:   db "MOV [TPR], 0x20 padded to 15 bytes writes the TPR", 0
msg_tpr16:   db "MOV [TPR], 0x30 padded to 16 bytes: #GP(0), the TPR still 0x20", 0
msg_tpr17:   db "MOV [TPR], 0x40 padded to 17 bytes: #GP(0), the TPR still 0x20", 0
