; SPDX-License-Identifier: BSD-2-Clause
; Hostile guest: an exception with an empty IDT, i.e. a triple fault. The VM
; must be stopped (SHUTDOWN on QEMU, #DF intercept on Bochs); others carry on.
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg
	call puts
	lidt [null_idt]
	int3
	mov esi, msg_alive
	call puts
	inc ebp
	ret

null_idt:  dw 0
	   dd 0
msg:       db "triple32: faulting with an empty IDT", 13, 10, 0
msg_alive: db "FAIL still running after the triple fault", 13, 10, 0
