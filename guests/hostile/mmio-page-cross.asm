; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: with 32-bit paging on, local APIC accesses whose instruction bytes or data straddle a page boundary: into a not-present page, into a page mapped to another frame, into a page mapped to device space
; class: emul
; guest: a MOV EAX, [0xFEE00030] whose last 4 bytes lie in a not-present page: #PF at the instruction (CR2 = that page, error code 0, EAX untouched); the same instruction ending on the last byte of a page reads the version, then the next fetch faults (CR2 = EIP = the next page); the same split over a page whose frame is not the next one reads the version, not the bytes of the next frame; MOVSD from the version register to a dword straddling into a not-present page: #PF (CR2 = that page, error 2: write), ESI, EDI and the RAM unchanged; MOVSD from such a dword to the TPR: #PF (CR2 = that page, error 0), the TPR unchanged; a dword straddling from RAM into a page mapped to unassigned device space is read (RAM bytes, then all ones) and written (RAM bytes change) without a fault
; hypervisor: no stop of the VM: the instruction fetches and the faulting halves are the CPU's own #PF; svm/mmio.c fetches the bytes of a split instruction page by page through the guest's tables (no decode assists under QEMU) and reports a split data access into a not-present page as the guest's #PF
; others: the witness beats on, its RAM intact
;
; The page tables (built here, at 0x200000): 4 KiB pages identity-mapping
; 0-4 MiB, with holes and remappings at 0x300000-0x305fff (below), and the
; local APIC page 0xFEE00000 mapped to itself.
;   0x300000 -> 0x300000    0x301000  not present
;   0x302000 -> 0x302000    0x303000 -> 0x306000 (frame 0x303000 holds a decoy)
;   0x304000 -> 0x304000    0x305000 -> 0xC0000000 (unassigned device space)
;   0x307000 -> 0x307000    0x308000  not present
;
; Real hardware: an instruction is fetched before it runs: if any of its
; bytes lies in a not-present page, the fetch raises #PF with CR2 the first
; byte that could not be fetched (the page's base) and the saved EIP at the
; instruction's first byte, and nothing of it happens. With 32-bit paging
; (no PAE, no NX) the error code's I/D bit (4) is undefined (APM Vol.2 8.4.2:
; defined only with EFER.NXE and CR4.PAE); the case ignores it. A data
; access split over two pages is checked on both before it is made: a
; not-present second page raises #PF with CR2 its base and nothing is
; written. A split access that is all mapped completes, whatever sits
; behind each half: unassigned device space reads as all ones (master
; abort) and drops writes. Each string instruction here runs once (no REP).
%include "guests/hostile/hostile.inc"

PD       equ 0x200000
PT_LOW   equ 0x201000                   ; 0-4 MiB
PT_APIC  equ 0x202000                   ; 0xFEC00000-0xFEFFFFFF
P_RW     equ 0x003                      ; present, writable (supervisor)
VER      equ LAPIC + 0x030
TPR      equ LAPIC + 0x080
SENTINEL equ 0x5a5a5a5a

%macro SET_PTE 2                        ; linear page, entry
	mov dword [PT_LOW + ((%1) >> 12) * 4], %2
%endmacro

main:
	mov eax, 14                     ; #PF through our gate: its error code, CR2, EIP
	mov ecx, on_pf
	call set_gate
	mov eax, [VER]                  ; what a plain read gives
	mov [version], eax
	mov dword [TPR], 0x10
	call build_tables
	call place_code
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax

	; 1. the instruction's last 4 bytes in the not-present page
	mov eax, SENTINEL
	mov dword [want_cr2], 0x308000
	mov dword [want_err], 0
	mov dword [want_eip], 0x308000 - 2
	TRY call 0x308000 - 2
	call pf_as_wanted
	jne .t1
	mov eax, [pf_eax]               ; EAX when the #PF came
	mov [got_lo], eax
	cmp eax, SENTINEL
.t1:
	mov esi, msg_fetch
	call report_got

	; 2. the instruction ends on the page's last byte: it runs, then the
	;    fetch of the next one faults
	mov eax, SENTINEL
	mov dword [want_cr2], 0x301000
	mov dword [want_eip], 0x301000
	TRY call 0x301000 - 6
	call pf_as_wanted
	jne .t2
	mov eax, [pf_eax]
	mov [got_lo], eax
	cmp eax, [version]
.t2:
	mov esi, msg_ends
	call report_got

	; 3. split over 0x302fff/0x303000, whose frame is 0x306000
	mov eax, SENTINEL
	TRY call 0x303000 - 2
	mov [got_lo], eax
	mov eax, [version]
	mov [got_hi], eax
	cmp dword [fault_vector], -1
	jne .t3
	mov eax, [got_lo]
	cmp eax, [version]
.t3:
	mov esi, msg_remap
	call report_got

	; 4. MOVSD from the version register into a dword split over the hole
	cld
	mov dword [0x301000 - 4], 0x11111111
	mov esi, VER
	mov edi, 0x301000 - 2
	mov dword [want_cr2], 0x301000
	mov dword [want_err], 2
	mov dword [want_eip], movs_to_hole
	TRY call movs_to_hole
	call pf_as_wanted
	jne .t4
	mov [got_lo], esi
	cmp esi, VER
	jne .t4
	mov [got_lo], edi
	cmp edi, 0x301000 - 2
	jne .t4
	mov eax, [0x301000 - 4]
	mov [got_lo], eax
	cmp eax, 0x11111111
.t4:
	mov esi, msg_movs_out
	call report_got

	; 5. MOVSD from a dword split over the hole to the TPR
	mov esi, 0x301000 - 2
	mov edi, TPR
	mov dword [want_err], 0
	mov dword [want_eip], movs_to_hole
	TRY call movs_to_hole
	call pf_as_wanted
	jne .t5
	mov eax, [TPR]
	mov [got_lo], eax
	cmp eax, 0x10
.t5:
	mov esi, msg_movs_in
	call report_got

	; 6. a dword split from RAM into unassigned device space: read, write
	mov dword [0x305000 - 4], 0x44332211
	mov eax, SENTINEL
	TRY mov eax, [0x305000 - 2]
	mov [got_lo], eax
	mov dword [got_hi], 0xffff4433
	call fault_detail
	jne .t6
	cmp eax, 0xffff4433
.t6:
	mov esi, msg_split_read
	call report_got
	TRY mov dword [0x305000 - 2], 0xddccbbaa
	mov eax, [0x305000 - 4]
	mov [got_lo], eax
	mov dword [got_hi], 0xbbaa2211
	call fault_detail
	jne .t7
	cmp eax, 0xbbaa2211
.t7:
	mov esi, msg_split_write
	call report_got

	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	mov dword [TPR], 0
	ret

; ZF: no fault; after a #PF, got: 0x<CR2>_<error code>.
fault_detail:
	cmp dword [fault_vector], -1
	je .done
	push eax
	mov eax, [pf_cr2]
	mov [got_hi], eax
	mov eax, [pf_err]
	mov [got_lo], eax
	pop eax
	cmp dword [fault_vector], -1
.done:
	ret

movs_to_hole:
	movsd
	ret

; ZF: #PF with [want_cr2], [want_err] (bit 4 aside) and the saved EIP
; [want_eip]; got: 0x<CR2>_<error code> (EIP: see the next line).
pf_as_wanted:
	push eax
	mov eax, [pf_cr2]
	mov [got_hi], eax
	mov eax, [pf_err]
	mov [got_lo], eax
	cmp dword [fault_vector], 14
	jne .done
	mov eax, [pf_cr2]
	cmp eax, [want_cr2]
	jne .done
	mov eax, [pf_err]
	and eax, ~0x10
	cmp eax, [want_err]
	jne .done
	mov eax, [pf_eip]
	mov [got_lo], eax
	cmp eax, [want_eip]
.done:
	pop eax
	ret

build_tables:
	mov edi, PD                     ; PD, PT_LOW, PT_APIC: zeros
	mov ecx, 3 * 1024
	xor eax, eax
	cld
	rep stosd
	mov dword [PD], PT_LOW | P_RW
	mov dword [PD + (LAPIC >> 22) * 4], PT_APIC | P_RW
	mov dword [PT_APIC + ((LAPIC >> 12) & 0x3ff) * 4], LAPIC | P_RW
	mov edi, PT_LOW
	mov eax, P_RW
.ident:
	stosd
	add eax, 0x1000
	cmp edi, PT_LOW + 4096
	jb .ident
	SET_PTE 0x301000, 0
	SET_PTE 0x308000, 0
	SET_PTE 0x303000, 0x306000 | P_RW
	SET_PTE 0x305000, 0xc0000000 | P_RW
	ret

; With paging still off: the code the tests call, in physical frames.
place_code:
	mov esi, code_version           ; test 1: 2 bytes before the hole
	mov edi, 0x308000 - 2
	mov ecx, code_version_len
	rep movsb
	mov esi, code_version           ; test 2: ends at the hole
	mov edi, 0x301000 - 6
	mov ecx, 6
	rep movsb
	mov esi, code_version           ; test 3: 2 bytes in 0x302000 ...
	mov edi, 0x303000 - 2
	mov ecx, 2
	rep movsb
	mov esi, code_version + 2       ; ... the rest in frame 0x306000
	mov edi, 0x306000
	mov ecx, code_version_len - 2
	rep movsb
	mov esi, code_decoy             ; frame 0x303000: the bytes a fetch that
	mov edi, 0x303000               ; ignored the mapping would find
	mov ecx, code_version_len - 2
	rep movsb
	ret

code_version:                           ; MOV EAX, [0xFEE00030]; RET
	db 0x8b, 0x05
	dd VER
	ret
code_version_len equ $ - code_version
code_decoy:                             ; [0xFEE00080] (the TPR) instead
	db 0x80, 0x00, 0xe0, 0xfe
	ret

on_pf:
	pop dword [pf_err]
	push eax
	mov eax, cr2
	mov [pf_cr2], eax
	mov eax, [esp + 4]
	mov [pf_eip], eax
	pop eax
	mov [pf_eax], eax
	mov eax, 14
	jmp fault_common

set_gate:                               ; EAX = vector, ECX = handler
	mov [idt + eax * 8], cx
	shr ecx, 16
	mov [idt + eax * 8 + 6], cx
	ret

version:  dd 0
pf_err:   dd 0
pf_cr2:   dd 0
pf_eip:   dd 0
pf_eax:   dd 0
want_cr2: dd 0
want_err: dd 0
want_eip: dd 0
msg_fetch:       db "MOV EAX, [0xfee00030] with 4 of its 6 bytes in a not-present page: #PF at it, CR2 0x308000, error 0, EAX kept", 0
msg_ends:        db "the same ending on a page's last byte: reads the version, then #PF on the next fetch (CR2 = EIP = 0x301000)", 0
msg_remap:       db "the same split over a page mapped to another frame reads the version (got: 0x<version>_<EAX>)", 0
msg_movs_out:    db "MOVSD version -> dword into a not-present page: #PF, CR2 0x301000, error 2; ESI, EDI, RAM kept", 0
msg_movs_in:     db "MOVSD dword into a not-present page -> TPR: #PF, CR2 0x301000, error 0; the TPR kept", 0
msg_split_read:  db "MOV EAX from a dword split from RAM into unassigned space: 0xffff4433, no fault (got: 0x<want>_<EAX>, or 0x<CR2>_<error>)", 0
msg_split_write: db "MOV to a dword split from RAM into unassigned space: its RAM half written, no fault", 0

