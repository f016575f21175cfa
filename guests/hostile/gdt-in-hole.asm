; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: LGDT with its base in an unassigned hole (0xD0000000), then MOV DS with selector 0x10: the CPU reads the descriptor from device space
; class: tables
; guest: LGDT and SGDT give the hole's base back; at MOV DS the VM ends (hardware would load the descriptor the hole reads as: all ones, a present, readable, conforming code segment, DPL 3, base 0xFFFFFFFF, 4 GiB)
; hypervisor: the descriptor read is a nested page fault the instruction's operands do not explain; svm/mmio.c stops the VM as crashed, naming the RIP, the GPA and "a descriptor table ... in device space is not emulated" (never a loop, never a #UD in its place)
; stop: the instruction at RIP 0x[0-9a-f]+ touched GPA 0xd0000010 outside RAM beyond its operands: a descriptor table
; others: the witness beats on, its RAM intact
;
; svmvisor does not emulate the CPU's own accesses to device space (a
; descriptor load, event delivery), as KVM does not (it ends such a VM with
; an internal error); the VM ends with the reason instead. What follows is
; what hardware does, and what the rest of the case checks where it runs.
;
; Unassigned guest-physical space reads as all ones (docs/cpu.md: like a
; PCI master abort). The descriptor 0xFFFFFFFF_FFFFFFFF has S = 1, type
; 0xF (code, conforming, readable, accessed), DPL 3, P = 1, G = 1, base
; 0xFFFFFFFF and limit 0xFFFFF: loading it into DS is legal at CPL 0
; (APM Vol.3 MOV: a readable code segment may be loaded into a data
; segment register; a conforming one skips the privilege check), and the
; accessed bit is already set, so the CPU writes nothing back. No fault:
; while GDTR points into the hole any exception would fault again as the
; CPU reads the handler's CS descriptor there (#GP, #DF, a triple fault),
; so the case takes none until the real GDT is back. Interrupts are off
; throughout.
;
; What the access must not become: the nested page fault is on MOV DS,
; which the MMIO emulator does not execute; a #UD in its place would be
; delivered through the hole's CS descriptor and fault again, with the
; guest never running another instruction ("the case never ended").
%include "guests/hostile/hostile.inc"

HOLE equ 0xd0000000
MARK equ 0x200                          ; a dword of low RAM the case owns

main:
	; 1. LGDT does not read the table: SGDT returns what was loaded.
	lgdt [hole_gdt]
	sgdt [es:seen]                  ; ES: flat data, whatever DS holds (CS is not writable)
	lgdt [cs:gdt_ptr]
	mov eax, [seen + 2]
	cmp eax, HOLE
	mov esi, msg_sgdt
	call report_zf

	; 2. MOV DS with a selector whose descriptor is in the hole.
	mov dword [es:MARK], 0x5a17c0de
	mov esi, msg_go
	call puts
	lgdt [hole_gdt]
	mov ax, 0x10
	mov ds, ax                      ; reads 0xD0000010..17: all ones
	mov ebx, [ds:MARK + 1]          ; base 0xFFFFFFFF: linear MARK
	lgdt [cs:gdt_ptr]
	mov ax, 0x10
	mov ds, ax                      ; the flat data segment again
	cmp ebx, 0x5a17c0de
	mov esi, msg_ds
	call report_zf
	mov eax, [MARK]                 ; and DS is flat again
	cmp eax, 0x5a17c0de
	mov esi, msg_flat
	jmp report_zf

hole_gdt: dw 0xff
	dd HOLE
seen:     dw 0
	dd 0
msg_sgdt: db "LGDT into a hole: SGDT gives its base back", 0
msg_go:   db "LGDT into a hole, then MOV DS, 0x10", 13, 10, 0
msg_ds:   db "MOV DS loads the hole's all-ones descriptor (base 0xFFFFFFFF)", 0
msg_flat: db "the real GDT and a flat DS are back", 0
