; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: INS/OUTS against segment checks in 32-bit protected mode: a null ES, a null ES named by an override on OUTS, ES past its limit (byte, word and REP), a read-only ES, an expand-down ES with DF=1, and OUTS through an SS override past SS's limit
; class: strio
; guest: REP INSB with ES null: #GP(0) at the instruction, nothing stored, ECX and EDI unchanged; REP ES OUTSB with ES null: #GP(0), the port not written; REP INSB with ES limit 0xfff from EDI 0xffc, ECX 8: 4 bytes stored, then #GP(0) with ECX 4 and EDI 0x1000 (the iterations done stay done), the byte past the limit untouched; INSW at EDI 0xfff (its second byte past the limit): #GP(0), nothing stored; INSB with a read-only ES: #GP(0), nothing stored; DF=1 REP INSB into an expand-down ES (limit 0xfff) from EDI 0x1001, ECX 4: bytes at 0x1001 and 0x1000 stored, then #GP(0) at offset 0xfff with ECX 2, EDI 0xfff; REP SS OUTSB past SS's limit: #SS(0), the port not written
; hypervisor: nothing: svm/strio.c makes the segment checks the CPU makes after the IOIO intercept, and the guest takes #GP(0) or #SS(0)
; others: the witness beats on, its RAM intact, and the console answers
;
; Real hardware (APM Vol.3 "INS", "OUTS"; APM Vol.2 15.9: an instruction
; intercept is checked before the exceptions of its memory accesses):
; INS stores at ES:[E]DI, ES fixed; a null ES, a read-only ES, or an
; element any byte of which lies outside ES's limit raises #GP(0) (for
; expand-down: offsets at or below the limit). OUTS loads through DS or its
; override: the same checks, a read; through SS a limit violation is #SS(0).
; With REP the elements before the faulting one are done: rCX and rDI show
; how far it got, and RIP stays at the instruction.
%include "guests/hostile/hostile.inc"

SCRATCH  equ 0x3ff                      ; COM1's scratch register
AREA     equ 0x180000                   ; ES base of the small segments
SEL_SMALL equ 0x30                      ; data, base AREA, limit 0xfff
SEL_RO    equ 0x38                      ; read-only data, flat
SEL_DOWN  equ 0x40                      ; expand-down data, base AREA, limit 0xfff, B=1
SEL_SS2M  equ 0x48                      ; data, base 0, limit 2 MiB - 1

; An instruction under our #GP/#SS gates: the vector, error code and EIP.
%macro STR_TRY 1+
	mov dword [fault_vector], -1
	mov dword [fault_resume], %%after
	mov [fault_esp], esp
	mov dword [f_eip], -1
	mov dword [f_err], -1
	mov dword [insn_at], %%insn
%%insn:
	%1
%%after:
	mov [r_ecx], ecx
	mov [r_edi], edi
	mov [r_esi], esi
	mov ax, 0x10
	mov es, ax
	mov ss, ax
%endmacro

main:
	lgdt [case_gdt_ptr]
	mov eax, 13
	mov ecx, on_gp
	call set_gate
	mov eax, 12
	mov ecx, on_ss
	call set_gate
	mov al, 0x5c
	mov dx, SCRATCH
	out dx, al
	call clear_area

	; 1. REP INSB with a null ES
	xor eax, eax
	mov es, ax
	mov edi, AREA
	mov ecx, 4
	mov dx, SCRATCH
	STR_TRY rep insb
	mov eax, 13
	mov ebx, 4
	mov edx, AREA
	mov esi, msg_null_es
	call check_fault
	cmp dword [AREA], 0
	mov esi, msg_null_es_data
	call report_zf

	; 2. REP ES OUTSB with a null ES
	mov al, 0x5c
	mov dx, SCRATCH
	out dx, al
	mov byte [AREA], 0x99
	xor eax, eax
	mov es, ax
	mov esi, AREA
	mov ecx, 1
	mov edi, 0
	mov dx, SCRATCH
	STR_TRY rep es outsb
	mov eax, 13
	mov ebx, 1
	mov edx, 0
	mov esi, msg_null_es_outs
	call check_fault
	mov dx, SCRATCH
	in al, dx
	cmp al, 0x5c
	mov esi, msg_null_es_outs_port
	call report_zf
	call clear_area

	; 3. REP INSB running into ES's limit
	mov ax, SEL_SMALL
	mov es, ax
	mov edi, 0xffc
	mov ecx, 8
	mov dx, SCRATCH
	STR_TRY rep insb
	mov eax, 13
	mov ebx, 4
	mov edx, 0x1000
	mov esi, msg_limit_rep
	call check_fault
	cmp dword [AREA + 0xffc], 0x5c5c5c5c
	jne .lim
	cmp byte [AREA + 0x1000], 0
.lim:
	mov esi, msg_limit_rep_data
	call report_zf

	; 4. INSW whose second byte is past the limit
	mov ax, SEL_SMALL
	mov es, ax
	mov edi, 0xfff
	mov ecx, 0x77
	mov dx, SCRATCH
	mov byte [AREA + 0xfff], 0
	STR_TRY insw
	mov eax, 13
	mov ebx, 0x77
	mov edx, 0xfff
	mov esi, msg_limit_word
	call check_fault
	cmp byte [AREA + 0xfff], 0
	mov esi, msg_limit_word_data
	call report_zf
	call clear_area

	; 5. INSB with a read-only ES
	mov ax, SEL_RO
	mov es, ax
	mov edi, AREA
	mov ecx, 0x77
	mov dx, SCRATCH
	STR_TRY insb
	mov eax, 13
	mov ebx, 0x77
	mov edx, AREA
	mov esi, msg_ro
	call check_fault
	cmp dword [AREA], 0
	mov esi, msg_ro_data
	call report_zf

	; 6. DF=1 REP INSB down through an expand-down ES's limit
	mov ax, SEL_DOWN
	mov es, ax
	mov edi, 0x1001
	mov ecx, 4
	mov dx, SCRATCH
	std
	STR_TRY rep insb
	cld
	mov eax, 13
	mov ebx, 2
	mov edx, 0xfff
	mov esi, msg_down
	call check_fault
	cmp word [AREA + 0x1000], 0x5c5c
	jne .down
	cmp byte [AREA + 0xfff], 0
.down:
	mov esi, msg_down_data
	call report_zf

	; 7. REP SS OUTSB past SS's limit
	mov al, 0x5c
	mov dx, SCRATCH
	out dx, al
	mov ax, SEL_SS2M
	mov ss, ax
	mov esi, 0x200000
	mov ecx, 1
	mov edi, 0
	mov dx, SCRATCH
	STR_TRY rep ss outsb
	mov eax, 12
	mov ebx, 1
	mov edx, 0
	mov esi, msg_ss
	call check_fault
	mov dx, SCRATCH
	in al, dx
	cmp al, 0x5c
	mov esi, msg_ss_port
	call report_zf
	ret

clear_area:
	push edi
	push ecx
	mov edi, AREA
	mov ecx, 0x2000 / 4
	xor eax, eax
	rep stosd
	pop ecx
	pop edi
	ret

; ESI = case; EAX = vector, EBX = ECX, EDX = EDI (INS) wanted; the fault
; must come with error code 0 at the instruction's first byte. (For OUTS
; EDX is checked against ESI instead when EDI was set to 0.)
check_fault:
	mov [got_hi], eax
	mov ecx, [fault_vector]
	mov [got_lo], ecx
	cmp ecx, eax
	jne .done
	mov dword [got_hi], 0
	mov ecx, [f_err]
	mov [got_lo], ecx
	test ecx, ecx
	jne .done
	mov ecx, [insn_at]
	mov [got_hi], ecx
	mov ecx, [f_eip]
	mov [got_lo], ecx
	cmp ecx, [insn_at]
	jne .done
	mov [got_hi], ebx
	mov ecx, [r_ecx]
	mov [got_lo], ecx
	cmp ecx, ebx
	jne .done
	mov [got_hi], edx
	mov ecx, [r_edi]
	mov [got_lo], ecx
	cmp ecx, edx
.done:
	jmp report_got

on_gp:
	pop dword [ss:f_err]
	push eax
	mov eax, [ss:esp + 4]
	mov [ss:f_eip], eax
	pop eax
	mov eax, 13
	jmp fault_common

on_ss:
	pop dword [ss:f_err]
	push eax
	mov eax, [ss:esp + 4]
	mov [ss:f_eip], eax
	pop eax
	mov eax, 12
	jmp fault_common

set_gate:                               ; EAX = vector, ECX = handler
	mov [idt + eax * 8], cx
	shr ecx, 16
	mov [idt + eax * 8 + 6], cx
	ret

align 8
case_gdt:                               ; lib32.inc's descriptors, then the case's
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00cffb000000ffff           ; 0x18
	dq 0x00cff3000000ffff           ; 0x20
	dq 0                            ; 0x28
	dw 0x0fff, AREA & 0xffff        ; 0x30: data RW, limit 0xfff (bytes)
	db (AREA >> 16) & 0xff, 0x93, 0x40, AREA >> 24
	dq 0x00cf91000000ffff           ; 0x38: data read-only, flat
	dw 0x0fff, AREA & 0xffff        ; 0x40: data RW expand-down, limit 0xfff, B=1
	db (AREA >> 16) & 0xff, 0x97, 0x40, AREA >> 24
	dw 0x01ff, 0                    ; 0x48: data RW, limit 0x1ff pages (2 MiB - 1)
	db 0, 0x93, 0xc0, 0
case_gdt_ptr:
	dw $ - case_gdt - 1
	dd case_gdt

r_ecx:   dd 0
r_esi:   dd 0
r_edi:   dd 0
f_err:   dd 0
f_eip:   dd 0
insn_at: dd 0
msg_null_es:        db "REP INSB, ES null, ECX 4: #GP(0) at the INSB, ECX 4, EDI unchanged", 0
msg_null_es_data:   db "  nothing stored", 0
msg_null_es_outs:   db "REP ES OUTSB, ES null: #GP(0) at the OUTSB, ECX 1", 0
msg_null_es_outs_port: db "  the port not written (the scratch register keeps 0x5c)", 0
msg_limit_rep:      db "REP INSB, ES limit 0xfff, EDI 0xffc, ECX 8: #GP(0) with ECX 4, EDI 0x1000", 0
msg_limit_rep_data: db "  the 4 bytes up to the limit stored, the one past it not", 0
msg_limit_word:     db "INSW at EDI 0xfff, ES limit 0xfff: #GP(0), ECX and EDI unchanged", 0
msg_limit_word_data: db "  nothing stored (not even the byte inside the limit)", 0
msg_ro:             db "INSB with a read-only ES: #GP(0), EDI unchanged", 0
msg_ro_data:        db "  nothing stored", 0
msg_down:           db "DF=1 REP INSB, expand-down ES limit 0xfff, EDI 0x1001, ECX 4: #GP(0) with ECX 2, EDI 0xfff", 0
msg_down_data:      db "  bytes at 0x1001 and 0x1000 stored, 0xfff not", 0
msg_ss:             db "REP SS OUTSB, ESI 0x200000 past SS's limit: #SS(0) at the OUTSB, ECX 1", 0
msg_ss_port:        db "  the port not written (the scratch register keeps 0x5c)", 0
