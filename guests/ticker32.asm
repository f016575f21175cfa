; SPDX-License-Identifier: BSD-2-Clause
; A guest that prints "tick N" every few million loop iterations, forever:
; background output for the console's prompt tests.
org 0x100000
%include "guests/lib32.inc"

main:
	xor edi, edi
.again:
	mov ecx, 1 << 22
.spin:
	dec ecx
	jnz .spin
	inc edi
	mov esi, msg_tick
	call puts
	mov eax, edi
	add al, '0'
	and al, 0x7f
	mov [digit], al
	mov esi, digit
	call puts
	mov esi, msg_nl
	call puts
	jmp .again

msg_tick: db "tick ", 0
digit:    db 0, 0
