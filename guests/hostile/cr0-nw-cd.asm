; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: MOV CR0 with NW set and CD clear, CD/NW on and off, PG without PE, and LMSW that tries to clear PE
; class: vmcb
; guest: #GP(0) for NW=1 with CD=0 (also when clearing CD with NW still set) and for PG=1 with PE=0, CR0 unchanged after each; CD=1 NW=0 and CD=1 NW=1 are accepted and read back, then CD=0 NW=0 restored; LMSW (with EM, so that it exits, and without) never clears PE
; hypervisor: nothing: the selective CR0 intercept takes each write that changes more than TS/MP and svm/crx.c refuses NW without CD and PG without PE with #GP, as the CPU does (APM Vol.3 "MOV CRn", "LMSW")
; others: the witness beats on, its RAM intact
;
; Real AMD hardware: MOV CR0 raises #GP(0) when NW is set with CD clear or
; PG is set with PE clear, and leaves CR0 as it was; CD=1 with NW either
; way is accepted (AMD ignores NW for caching, but the bit reads back).
; LMSW loads PE, MP, EM and TS from its operand but can only set PE, never
; clear it. QEMU's TCG takes NW without CD, which would make the next VMRUN
; fail ("CR0.CD is zero and CR0.NW is set"); svmvisor intercepts the write
; before QEMU looks at it, so both emulators see the hardware answer.
%include "guests/hostile/hostile.inc"

CR0_PE equ 1 << 0
CR0_MP equ 1 << 1
CR0_EM equ 1 << 2
CR0_TS equ 1 << 3
CR0_NW equ 1 << 29
CR0_CD equ 1 << 30
CR0_PG equ 1 << 31

; CHECK vector, expected CR0, case: [fault_vector] must be the vector and
; CR0 must read as the expected value.
%macro CHECK 3
	mov eax, %1
	mov edx, %2
	mov esi, %3
	call check_cr0
%endmacro

main:
	mov eax, cr0
	mov [start], eax
	mov esi, msg_pe
	test eax, CR0_PE
	setz al                         ; ZF set when PE is set
	test al, al
	call report_zf

	; NW without CD
	mov eax, [start]
	and eax, ~CR0_CD
	or eax, CR0_NW
	TRY mov cr0, eax
	CHECK 13, [start], msg_nw

	; CD alone
	mov eax, [start]
	or eax, CR0_CD
	mov [want], eax
	TRY mov cr0, eax
	CHECK -1, [want], msg_cd

	; CD and NW
	mov eax, [start]
	or eax, CR0_CD | CR0_NW
	mov [want], eax
	TRY mov cr0, eax
	CHECK -1, [want], msg_cdnw

	; clearing CD while NW stays set
	mov eax, [start]
	or eax, CR0_NW
	TRY mov cr0, eax
	CHECK 13, [want], msg_nw2

	; back to CD=0 NW=0
	mov eax, [start]
	TRY mov cr0, eax
	CHECK -1, [start], msg_restore

	; PG without PE
	mov eax, [start]
	and eax, ~CR0_PE
	or eax, CR0_PG
	TRY mov cr0, eax
	CHECK 13, [start], msg_pg

	; LMSW 0: only TS/MP/EM could change (no exit when just TS/MP do)
	mov eax, [start]
	and eax, ~(CR0_MP | CR0_EM | CR0_TS)
	mov [want], eax
	xor eax, eax
	TRY lmsw ax
	CHECK -1, [want], msg_lmsw0

	; LMSW with EM set and PE clear: EM changes, so the write exits
	mov eax, [start]
	and eax, ~(CR0_MP | CR0_TS)
	or eax, CR0_EM
	mov [want], eax
	mov eax, CR0_EM
	TRY lmsw ax
	CHECK -1, [want], msg_lmsw_em

	; LMSW from memory, all clear: EM changes back, PE stays
	mov eax, [start]
	and eax, ~(CR0_MP | CR0_EM | CR0_TS)
	mov [want], eax
	mov word [lmsw_src], 0
	TRY lmsw [lmsw_src]
	CHECK -1, [want], msg_lmsw_mem

	; put CR0 back as it was at the start
	mov eax, [start]
	TRY mov cr0, eax
	CHECK -1, [start], msg_final
	ret

; eax = expected vector, edx = expected CR0, esi = case
check_cr0:
	push eax
	mov eax, cr0
	mov [got_lo], eax
	mov dword [got_hi], 0
	pop eax
	cmp [fault_vector], eax
	jne .report
	cmp [got_lo], edx
.report:
	jmp report_got

start:    dd 0
want:     dd 0
lmsw_src: dw 0

msg_pe:       db "the guest starts in protected mode (CR0.PE set)", 0
msg_nw:       db "MOV CR0 with NW=1 CD=0 raises #GP, CR0 unchanged", 0
msg_cd:       db "MOV CR0 with CD=1 NW=0 is accepted and reads back", 0
msg_cdnw:     db "MOV CR0 with CD=1 NW=1 is accepted and reads back", 0
msg_nw2:      db "MOV CR0 clearing CD with NW still set raises #GP, CR0 unchanged", 0
msg_restore:  db "MOV CR0 with CD=0 NW=0 restores caching", 0
msg_pg:       db "MOV CR0 with PG=1 PE=0 raises #GP, CR0 unchanged", 0
msg_lmsw0:    db "LMSW 0 clears MP/EM/TS but not PE", 0
msg_lmsw_em:  db "LMSW with EM=1 PE=0 (an exit) sets EM and keeps PE", 0
msg_lmsw_mem: db "LMSW [mem] with 0 (an exit) clears EM and keeps PE", 0
msg_final:    db "CR0 back to its starting value", 0
