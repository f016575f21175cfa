; SPDX-License-Identifier: BSD-2-Clause
; Guest that halts with interrupts disabled: nothing can ever wake it, so
; the hypervisor must stop the VM (and free its core) instead of waiting.
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg
	call puts
	cli
	hlt
	mov esi, msg_alive
	call puts
	inc ebp
	ret

msg:       db "hlt32: halting with interrupts disabled", 13, 10, 0
msg_alive: db "FAIL woke up from HLT", 13, 10, 0
