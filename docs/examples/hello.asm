; SPDX-License-Identifier: BSD-2-Clause
; A minimal flat guest, started in 32-bit protected mode at 1 MiB.
bits 32
org 0x100000

start:	mov esi, msg
.next:	lodsb                   ; AL = the next byte of msg
	test al, al
	jz .done
	mov ah, al
	mov dx, 0x3f8 + 5       ; COM1 line status register
.wait:	in al, dx
	test al, 0x20           ; bit 5: ready for a byte (always, here)
	jz .wait
	mov al, ah
	mov dx, 0x3f8           ; COM1 transmit register
	out dx, al
	jmp .next
.done:	mov al, 0
	out 0xf4, al            ; debug exit: the VM stops with result 0
	hlt                     ; not reached

msg:	db "hello from my guest", 13, 10, 0
