; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: LOCK on local APIC registers: LOCK MOV (store and load), LOCK CMP and LOCK ADD to a register, then the lockable read-modify-writes LOCK ADD, OR, AND, SUB, INC, BTS and XCHG (with and without LOCK) on the TPR at 0xFEE00080
; class: emul
; guest: #UD for LOCK MOV to the TPR and from the version register, LOCK CMP on the TPR and LOCK ADD with a register destination, none of them touching the TPR or the destination register; each read-modify-write completes with the value and the flags the CPU gives (ADD 0x10 + 0x20 = 0x30, OR 0x40 = 0x70, AND 0xf0 = 0x70, SUB 0x70 = 0 with ZF, INC = 1, BTS bit 5 = 0x21 with CF clear then set, XCHG swaps both ways)
; hypervisor: on hardware and Bochs nothing for the #UD forms: the CPU refuses LOCK at decode, before any access, so there is no nested page fault; QEMU 7.2's TCG makes the access first for LOCK MOV and LOCK ADD reg, [mem], and svmvisor's emulator refuses them (EMU_UNSUPPORTED) before touching the device and gives the #UD itself, logging "MMIO access at GPA 0xfee000.0 by an unemulated instruction ... #UD"; the read-modify-writes are emulated by svm/emulate.c, which accepts LOCK on them (one read and one write of the register)
; others: the witness beats on, its RAM intact
;
; Real hardware (APM Vol.3 1.2.5, "Lock Prefix"): LOCK is allowed only on
; the memory forms of ADD, ADC, AND, BTC, BTR, BTS, CMPXCHG, CMPXCHG8B/16B,
; DEC, INC, NEG, NOT, OR, SBB, SUB, XADD, XCHG, XOR; with any other
; instruction, or with a register destination, it raises #UD. XCHG with
; memory is locked whether or not it has the prefix. The TPR (bits 7:0
; writable, 31:8 reserved, read as 0) is a plain read-write register for
; such a read-modify-write: the CPU reads it, computes and writes it back.
;
; QEMU 7.2 (TCG) does not check LOCK on MOV (C7, 8B) or on ADD with a
; register destination before it makes the access (it does for CMP), so
; under QEMU those reach svmvisor as nested page faults; the guest still gets
; #UD with nothing written, as on hardware. Not tested here: LOCK XADD and
; LOCK CMPXCHG, which hardware completes on device memory but svm/emulate.c
; does not execute (docs/cpu.md lists the forms it does): the guest gets #UD.
%include "guests/hostile/hostile.inc"

TPR equ LAPIC + 0x080
VER equ LAPIC + 0x030
SENTINEL equ 0x5a5a5a5a

main:
	mov dword [TPR], 0x10

	; --- LOCK on what may not have it: #UD, no access ---
	TRY call lock_mov_store
	call tpr_still_0x10
	mov esi, msg_mov_store
	call report_got
	mov ebx, SENTINEL
	TRY call lock_mov_load
	mov [got_lo], ebx
	cmp dword [fault_vector], 6
	jne .load
	cmp ebx, SENTINEL
.load:
	mov esi, msg_mov_load
	call report_got
	TRY call lock_cmp
	call tpr_still_0x10
	mov esi, msg_cmp
	call report_got
	mov ebx, 0x10
	TRY call lock_add_reg
	mov [got_lo], ebx
	cmp dword [fault_vector], 6
	jne .reg
	cmp ebx, 0x10
.reg:
	mov esi, msg_add_reg
	call report_got

	; --- the read-modify-writes ---
	TRY lock add dword [TPR], 0x20
	mov ecx, 0x30
	mov esi, msg_add
	call check_tpr
	TRY lock or dword [TPR], 0x40
	mov ecx, 0x70
	mov esi, msg_or
	call check_tpr
	TRY lock and dword [TPR], 0xf0
	mov ecx, 0x70
	mov esi, msg_and
	call check_tpr
	TRY lock sub dword [TPR], 0x70
	pushfd
	mov ecx, 0
	mov esi, msg_sub
	call check_tpr
	popfd
	mov esi, msg_sub_zf
	call report_zf                  ; ZF from the SUB
	TRY lock inc dword [TPR]
	mov ecx, 1
	mov esi, msg_inc
	call check_tpr
	mov dword [TPR], 0x01
	TRY lock bts dword [TPR], 5
	setc bl
	mov ecx, 0x21
	mov esi, msg_bts
	call check_tpr
	cmp bl, 0
	mov esi, msg_bts_cf0
	call report_zf
	TRY lock bts dword [TPR], 5
	setc bl
	mov ecx, 0x21
	mov esi, msg_bts2
	call check_tpr
	cmp bl, 1
	mov esi, msg_bts_cf1
	call report_zf
	mov eax, 0x50
	TRY lock xchg [TPR], eax
	mov [old], eax
	mov ecx, 0x50
	mov esi, msg_xchg_tpr
	call check_tpr
	mov ecx, 0x21
	mov esi, msg_xchg_reg
	call check_old
	mov eax, 0x60
	TRY xchg eax, [TPR]             ; implicitly locked
	mov [old], eax
	mov ecx, 0x60
	mov esi, msg_xchg2_tpr
	call check_tpr
	mov ecx, 0x50
	mov esi, msg_xchg2_reg
	call check_old
	mov dword [TPR], 0
	ret

; ZF: #UD, and the TPR still reads 0x10 (shown after a FAIL).
tpr_still_0x10:
	mov eax, [TPR]
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp dword [fault_vector], 6
	jne .done
	cmp eax, 0x10
.done:
	ret

; ECX = the TPR expected, ESI = the case: no fault and the TPR reads ECX.
check_tpr:
	mov eax, [TPR]
	mov [got_lo], eax
	mov [got_hi], ecx
	cmp dword [fault_vector], -1
	jne .done
	cmp eax, ecx
.done:
	jmp report_got

; ECX = the old TPR EAX must have got from the XCHG.
check_old:
	mov eax, [old]
	mov [got_lo], eax
	mov [got_hi], ecx
	cmp eax, ecx
	jmp report_got

old: dd 0

lock_mov_store:                         ; LOCK MOV dword [TPR], 0x99
	db 0xf0, 0xc7, 0x05
	dd TPR, 0x99
	ret
lock_mov_load:                          ; LOCK MOV EBX, [version]
	db 0xf0, 0x8b, 0x1d
	dd VER
	ret
lock_cmp:                               ; LOCK CMP dword [TPR], 0x10
	db 0xf0, 0x83, 0x3d
	dd TPR
	db 0x10
	ret
lock_add_reg:                           ; LOCK ADD EBX, [TPR]: register destination
	db 0xf0, 0x03, 0x1d
	dd TPR
	ret

msg_mov_store: db "LOCK MOV [TPR], imm32: #UD, the TPR unchanged (got: 0x0_<TPR>)", 0
msg_mov_load:  db "LOCK MOV EBX, [0xfee00030]: #UD, EBX unchanged", 0
msg_cmp:       db "LOCK CMP [TPR], imm8: #UD, the TPR unchanged", 0
msg_add_reg:   db "LOCK ADD EBX, [TPR] (register destination): #UD, EBX unchanged", 0
msg_add:       db "LOCK ADD [TPR], 0x20: 0x10 -> 0x30 (got: 0x<expected>_<TPR>)", 0
msg_or:        db "LOCK OR [TPR], 0x40: 0x70", 0
msg_and:       db "LOCK AND [TPR], 0xf0: 0x70", 0
msg_sub:       db "LOCK SUB [TPR], 0x70: 0", 0
msg_sub_zf:    db "LOCK SUB [TPR], 0x70 sets ZF", 0
msg_inc:       db "LOCK INC [TPR]: 1", 0
msg_bts:       db "LOCK BTS [TPR], 5 on 0x01: 0x21", 0
msg_bts_cf0:   db "LOCK BTS [TPR], 5 on 0x01: CF clear (the old bit)", 0
msg_bts2:      db "LOCK BTS [TPR], 5 again: still 0x21", 0
msg_bts_cf1:   db "LOCK BTS [TPR], 5 again: CF set", 0
msg_xchg_tpr:  db "LOCK XCHG [TPR], EAX=0x50: the TPR becomes 0x50", 0
msg_xchg_reg:  db "LOCK XCHG [TPR], EAX: EAX gets the old 0x21", 0
msg_xchg2_tpr: db "XCHG EAX=0x60, [TPR] (no prefix, locked anyway): the TPR becomes 0x60", 0
msg_xchg2_reg: db "XCHG EAX, [TPR]: EAX gets the old 0x50", 0
