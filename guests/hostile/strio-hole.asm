; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: REP INS/OUTS running off the end of RAM into the guest-physical hole, INSD into and OUTSD from the local APIC page, and, with 32-bit paging, REP INSB with ECX 2^32-1 into a not-present page, OUTSD straddling into it, INSB into a read-only page (CR0.WP), and REP INSB across a page mapped to the hole
; class: strio
; guest: paging off: REP INSB from COM1's scratch register (0x42) at EDI 0xfffff8, ECX 16: the 8 bytes below 16 MiB stored, the 8 past it dropped, ECX 0 and EDI 0x1000008, and the hole still reads as all ones; REP OUTSB of 8 bytes from 0xfffffc: the last 4 come from the hole, the scratch register ends 0xff; REP INSD from PCI CONFIG_ADDRESS (0xf0) to the TPR at 0xFEE00080 sets the TPR to 0xf0; OUTSD from the version register at 0xFEE00030 to CONFIG_ADDRESS leaves there the version (as CONFIG_ADDRESS keeps it); paging on: REP INSB with ECX 0xffffffff at 0x300ff0 stores 16 bytes, then #PF at the INSB with CR2 0x301000 and error code 2 (not present, write), ECX 0xffffffef, EDI 0x301000; OUTSD to PCI CONFIG_ADDRESS at ESI 0x300ffe (its upper half in the not-present page): #PF, CR2 0x301000, error 0, ESI unchanged, CONFIG_ADDRESS not written; INSB into the read-only page 0x302000: #PF, CR2 0x302000, error 3, nothing stored; REP INSB of 8 bytes at 0x304ffc whose next page maps the hole: no fault, 4 bytes stored, ECX 0, EDI 0x305004, the hole page reads as all ones
; hypervisor: nothing: svm/strio_exec.c walks the guest's tables once per batch, queues the guest's #PF with CR2 and error code, sends the hole's bytes to the bus (unassigned: all ones, writes dropped; the first such access is logged once) and the local APIC page's to the vCPU's xAPIC (mmio_device_access, as svm/mmio.c does)
; others: the witness beats on, its RAM intact, and the console answers
;
; Real hardware: past RAM, guest-physical space that nothing claims reads
; as all ones and drops writes (a master abort); a string instruction
; crossing into it goes on without a fault. A page fault on an element of
; REP INS/OUTS is taken with the iterations before it done (rCX, rDI, rSI
; show how far it got) and RIP at the instruction; CR2 holds the first
; byte that could not be accessed; the error code says not present (P=0)
; or protection (P=1), and W for INS's store. An element straddling two
; pages is checked on both before either byte is touched. The hypervisor
; bounds its work per exit: a count of 2^32-1 runs in batches of at most
; a page, each a new exit, until the fault.
;
; Bochs 2.7 quirk: its VMRUN reads CR2 from the VMCB but never loads it,
; so a #PF the hypervisor injects would find the guest's previous CR2;
; svmvisor also loads the core's CR2 before that VMRUN (svm/inject.h
; inject_page_fault). The case writes a marker to CR2 before each access,
; so a CR2 left stale is a FAIL on either emulator.
%include "guests/hostile/hostile.inc"

SCRATCH  equ 0x3ff                      ; COM1's scratch register
PCI_ADDR equ 0xcf8                      ; PCI CONFIG_ADDRESS: reads back a dword written
RAM_END  equ 0x1000000                  ; mem=16M
PD       equ 0x200000
PT       equ 0x201000                   ; 0-4 MiB in 4 KiB pages
P_OK     equ 0x300000                   ; present, writable
P_NONE   equ 0x301000                   ; not present
P_RO     equ 0x302000                   ; present, read-only
P_RAM    equ 0x304000                   ; present, writable
P_HOLE   equ 0x305000                   ; mapped to RAM_END (the hole)
CR2_MARK equ 0xc2c2c000                 ; the guest's own CR2 before each case

; An instruction under our #PF gate: vector, error code, CR2 and EIP.
%macro PF_TRY 1+
	mov eax, CR2_MARK
	mov cr2, eax
	mov dword [fault_vector], -1
	mov dword [fault_resume], %%after
	mov [fault_esp], esp
	mov dword [f_eip], -1
	mov dword [f_err], -1
	mov dword [f_cr2], -1
	mov dword [insn_at], %%insn
%%insn:
	%1
%%after:
	mov [r_ecx], ecx
	mov [r_edi], edi
	mov [r_esi], esi
%endmacro

main:
	mov eax, 14
	mov ecx, on_pf
	call set_gate
	mov al, 0x42
	mov dx, SCRATCH
	out dx, al

	; 1. paging off: REP INSB across the end of RAM
	mov dword [RAM_END - 8], 0
	mov dword [RAM_END - 4], 0
	mov edi, RAM_END - 8
	mov ecx, 16
	mov dx, SCRATCH
	PF_TRY rep insb
	mov eax, -1
	mov ebx, 0
	mov edx, RAM_END + 8
	mov esi, msg_end
	call check_run
	cmp dword [RAM_END - 8], 0x42424242
	jne .end
	cmp dword [RAM_END - 4], 0x42424242
	jne .end
	cmp dword [RAM_END], 0xffffffff
.end:
	mov esi, msg_end_data
	call report_zf

	; 2. REP OUTSB from the end of RAM into the hole
	mov esi, RAM_END - 4
	mov ecx, 8
	mov dx, SCRATCH
	PF_TRY rep outsb
	mov eax, -1
	mov ebx, 0
	mov edx, [r_edi]                ; not looked at
	mov esi, msg_outs_end
	call check_run
	mov eax, [r_esi]
	mov [got_lo], eax
	mov dword [got_hi], RAM_END + 4
	cmp eax, RAM_END + 4
	jne .outs
	mov dx, SCRATCH
	in al, dx
	movzx eax, al
	mov [got_lo], eax
	mov dword [got_hi], 0xff
	cmp eax, 0xff
.outs:
	mov esi, msg_outs_end_data
	call report_got

	; 3. the local APIC page: REP INSD from CONFIG_ADDRESS into the TPR
	mov eax, 0xf0
	mov dx, PCI_ADDR
	out dx, eax
	mov dword [LAPIC + 0x80], 0
	mov edi, LAPIC + 0x80
	mov ecx, 1
	PF_TRY rep insd
	mov eax, -1
	mov ebx, 0
	mov edx, LAPIC + 0x84
	mov esi, msg_apic_ins
	call check_run
	mov eax, [LAPIC + 0x80]
	mov [got_lo], eax
	mov dword [got_hi], 0xf0
	cmp eax, 0xf0
	mov esi, msg_apic_ins_data
	call report_got
	mov dword [LAPIC + 0x80], 0

	; 4. OUTSD from the version register to CONFIG_ADDRESS
	mov esi, LAPIC + 0x30
	mov ecx, 0x77
	mov dx, PCI_ADDR
	PF_TRY outsd
	mov eax, [LAPIC + 0x30]
	and eax, 0x80fffffc             ; what CONFIG_ADDRESS keeps
	mov [got_hi], eax
	mov dx, PCI_ADDR
	in eax, dx
	mov [got_lo], eax
	cmp eax, [got_hi]
	jne .ver
	cmp dword [r_esi], LAPIC + 0x34
.ver:
	mov esi, msg_apic_outs
	call report_got

	; paging on: 4 KiB pages over 0-4 MiB, with the holes above
	call build_tables
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80010000              ; PG, WP
	mov cr0, eax
	mov al, 0x42
	mov dx, SCRATCH
	out dx, al

	; 5. REP INSB, ECX 2^32-1, into a not-present page
	mov edi, P_OK
	mov ecx, 0x1000 / 4
	xor eax, eax
	rep stosd
	mov edi, P_OK + 0xff0
	mov ecx, 0xffffffff
	mov dx, SCRATCH
	PF_TRY rep insb
	mov eax, 14
	mov ebx, 0xffffffef
	mov edx, P_NONE
	mov esi, msg_pf_rep
	call check_run
	mov eax, P_NONE
	mov ebx, 2
	mov esi, msg_pf_rep_code
	call check_pf
	mov edi, P_OK + 0xff0
	mov ecx, 4
	mov eax, 0x42424242
	repe scasd
	jne .rep
	cmp dword [P_OK + 0xfec], 0
.rep:
	mov esi, msg_pf_rep_data
	call report_zf

	; 6. OUTSD to PCI CONFIG_ADDRESS straddling into the not-present page
	xor eax, eax
	mov dx, PCI_ADDR
	out dx, eax
	mov esi, P_OK + 0xffe
	mov ecx, 0x77
	PF_TRY outsd
	mov eax, P_NONE
	mov ebx, 0
	mov esi, msg_pf_outs
	call check_pf
	mov eax, [r_esi]
	mov [got_lo], eax
	mov dword [got_hi], P_OK + 0xffe
	cmp eax, P_OK + 0xffe
	jne .outsd
	mov dx, PCI_ADDR
	in eax, dx
	mov [got_lo], eax
	mov dword [got_hi], 0
	test eax, eax
.outsd:
	mov esi, msg_pf_outs_regs
	call report_got

	; 7. INSB into a read-only page with CR0.WP
	mov edi, P_RO
	mov ecx, 0x77
	mov dx, SCRATCH
	PF_TRY rep insb
	mov eax, 14
	mov ebx, 0x77
	mov edx, P_RO
	mov esi, msg_pf_ro
	call check_run
	mov eax, P_RO
	mov ebx, 3
	mov esi, msg_pf_ro_code
	call check_pf
	cmp dword [P_RO], 0
	mov esi, msg_pf_ro_data
	call report_zf

	; 8. REP INSB across a page mapped to the hole
	mov dword [P_RAM + 0xffc], 0
	mov edi, P_RAM + 0xffc
	mov ecx, 8
	mov dx, SCRATCH
	PF_TRY rep insb
	mov eax, -1
	mov ebx, 0
	mov edx, P_HOLE + 4
	mov esi, msg_hole_page
	call check_run
	cmp dword [P_RAM + 0xffc], 0x42424242
	jne .hole
	cmp dword [P_HOLE], 0xffffffff
.hole:
	mov esi, msg_hole_page_data
	call report_zf

	mov eax, cr0
	and eax, ~0x80010000
	mov cr0, eax
	ret

build_tables:
	mov edi, PD
	mov ecx, 1024
	xor eax, eax
	rep stosd
	mov dword [PD], PT | 3
	mov edi, PT
	mov eax, 3
	mov ecx, 1024
.pte:
	stosd
	add eax, 0x1000
	loop .pte
	mov dword [PT + (P_NONE >> 12) * 4], 0
	mov dword [PT + (P_RO >> 12) * 4], P_RO | 1
	mov dword [PT + (P_HOLE >> 12) * 4], RAM_END | 3
	ret

; ESI = case; EAX = vector (-1: none), EBX = ECX, EDX = EDI wanted; a
; fault must be at the instruction's first byte.
check_run:
	mov [got_hi], eax
	mov ecx, [fault_vector]
	mov [got_lo], ecx
	cmp ecx, eax
	jne .done
	cmp eax, -1
	je .regs
	mov ecx, [insn_at]
	mov [got_hi], ecx
	mov ecx, [f_eip]
	mov [got_lo], ecx
	cmp ecx, [insn_at]
	jne .done
.regs:
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

; ESI = case; #PF with error code EBX (bits 3:0) and CR2 = EAX (not the
; guest's own earlier CR2_MARK: see the header).
check_pf:
	mov dword [got_hi], 14
	mov ecx, [fault_vector]
	mov [got_lo], ecx
	cmp ecx, 14
	jne .report
	mov [got_hi], ebx
	mov ecx, [f_err]
	and ecx, 0xf
	mov [got_lo], ecx
	cmp ecx, ebx
	jne .report
	mov [got_hi], eax
	mov ecx, [f_cr2]
	mov [got_lo], ecx
	cmp ecx, eax
.report:
	jmp report_got

on_pf:
	pop dword [f_err]
	push eax
	mov eax, [esp + 4]
	mov [f_eip], eax
	mov eax, cr2
	mov [f_cr2], eax
	pop eax
	mov eax, 14
	jmp fault_common

set_gate:                               ; EAX = vector, ECX = handler
	mov [idt + eax * 8], cx
	shr ecx, 16
	mov [idt + eax * 8 + 6], cx
	ret

r_ecx:   dd 0
r_esi:   dd 0
r_edi:   dd 0
f_err:   dd 0
f_eip:   dd 0
f_cr2:   dd 0
insn_at: dd 0
msg_end:           db "paging off: REP INSB at 0xfffff8, ECX 16, across the end of RAM: no fault, ECX 0, EDI 0x1000008", 0
msg_end_data:      db "  8 bytes of 0x42 below 16 MiB, the hole still all ones", 0
msg_outs_end:      db "REP OUTSB from 0xfffffc, ECX 8, into the hole: no fault, ECX 0", 0
msg_outs_end_data: db "  ESI 0x1000004, the last byte written (from the hole) 0xff", 0
msg_pf_rep:        db "paging on: REP INSB, ECX 0xffffffff, EDI 0x300ff0: #PF at the INSB, ECX 0xffffffef, EDI 0x301000", 0
msg_pf_rep_code:   db "  error code 2 (not present, write), CR2 0x301000", 0
msg_pf_rep_data:   db "  the 16 bytes before the page stored, nothing below them", 0
msg_pf_outs:       db "OUTSD to port 0xcf8 at ESI 0x300ffe, half in the not-present page: #PF, error 0, CR2 0x301000", 0
msg_pf_outs_regs:  db "  ESI unchanged, the port not written (CONFIG_ADDRESS still 0)", 0
msg_pf_ro:         db "REP INSB into read-only 0x302000 (CR0.WP): #PF at the INSB, ECX and EDI unchanged", 0
msg_pf_ro_code:    db "  error code 3 (protection, write), CR2 0x302000", 0
msg_pf_ro_data:    db "  nothing stored", 0
msg_apic_ins:      db "REP INSD, ECX 1, from port 0xcf8 (0xf0) to the local APIC's TPR: no fault, ECX 0, EDI 0xfee00084", 0
msg_apic_ins_data: db "  the TPR reads 0xf0", 0
msg_apic_outs:     db "OUTSD from the local APIC's version register to port 0xcf8: CONFIG_ADDRESS holds the version, ESI + 4", 0
msg_hole_page:     db "REP INSB, ECX 8, at 0x304ffc with 0x305000 mapped to the hole: no fault, ECX 0, EDI 0x305004", 0
msg_hole_page_data: db "  4 bytes stored in RAM, the hole page reads all ones", 0
