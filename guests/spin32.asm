; SPDX-License-Identifier: BSD-2-Clause
; A guest that says hello, sets known register values and spins forever:
; the console's pause/regs/resume/kill tests look at it.
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg
	call puts
	mov eax, 0x5a5a5a5a
	mov ebx, 0x11112222
	mov ecx, 0x33334444
spin:
	inc edx                         ; proof it runs between two looks
	jmp spin

msg: db "spin32: spinning", 13, 10, 0
