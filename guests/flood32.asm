; SPDX-License-Identifier: BSD-2-Clause
; A guest that floods its COM1: LINES lines of about 60 bytes, as fast as
; it can ("flood 00042 ====...", a 5-digit counter from 0), then
; "flood done" and the debug exit with 0. The virtual UART's transmitter is
; always empty, so the lines go out without polling LSR: one OUT (one exit)
; per byte. For the console's per-VM output rings (tests/integration/test_flood.py).
org 0x100000
%include "guests/lib32.inc"

LINES equ 10000

main:
	xor edi, edi                    ; line number
.line:
	mov eax, edi                    ; its 5 digits into the line, last first
	mov ebx, line_digits + 4
	mov ecx, 5
.digit:
	xor edx, edx
	div dword [ten]
	add dl, '0'
	mov [ebx], dl
	dec ebx
	loop .digit
	mov esi, line
	mov dx, COM1
.byte:
	lodsb
	test al, al
	jz .sent
	out dx, al
	jmp .byte
.sent:
	inc edi
	cmp edi, LINES
	jb .line
	mov esi, msg_done
	call puts
	ret                             ; to finish: EBP (failures) is still 0

ten:      dd 10
line:     db "flood "
line_digits:
          db "00000 "
          times 44 db '='
          db 13, 10, 0
msg_done: db "flood done", 13, 10, 0
