; SPDX-License-Identifier: BSD-2-Clause
; Guest that reads its COM1 by polling (LSR.DR, RBR), collects a line and
; answers "got: <line>"; the line "quit" ends it with result 0.
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg_ready
	call puts
.line:
	mov edi, buf
.char:
	mov dx, COM1 + 5
.poll:
	in al, dx
	test al, 1                      ; data ready
	jz .poll
	mov dx, COM1
	in al, dx
	cmp al, 13
	je .done
	cmp al, 10
	je .done
	cmp edi, buf_end - 1
	jae .char                       ; full: drop the rest of the line
	stosb
	jmp .char
.done:
	cmp edi, buf
	je .line                        ; empty line (the LF of a CR LF)
	mov byte [edi], 0
	mov esi, msg_got
	call puts
	mov esi, buf
	call puts
	mov esi, msg_nl
	call puts
	cmp dword [buf], 'quit'
	jne .line
	ret

msg_ready: db "echo32: type a line", 13, 10, 0
msg_got:   db "got: ", 0
buf:       times 80 db 0
buf_end:
