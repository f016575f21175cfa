; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: MOV CR4 with each reserved bit (12-15, 24-31) set, one at a time
; class: vmcb
; guest: #GP(0) for every write; CR4 unchanged after each
; hypervisor: nothing: the CPU refuses the write before any exit
; others: the witness beats on, its RAM intact
%include "guests/hostile/hostile.inc"

main:
	mov ebx, 0xff00f000             ; the reserved bits of CR4 in 32-bit mode
.bit:
	bsf ecx, ebx
	jz .done
	btr ebx, ecx
	mov eax, cr4
	mov [before], eax
	bts eax, ecx
	TRY mov cr4, eax
	mov eax, cr4
	cmp eax, [before]
	jne .changed
	CHECK_VECTOR 13, msg_case
	jmp .bit
.changed:
	inc ebp
	mov esi, msg_changed
	call puts
	jmp .bit
.done:
	ret

before:      dd 0
msg_case:    db "MOV CR4 with a reserved bit raises #GP", 0
msg_changed: db "FAIL CR4 took a reserved bit", 13, 10, 0
