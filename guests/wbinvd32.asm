; SPDX-License-Identifier: BSD-2-Clause
; A guest that flushes caches without pause: WBINVD and WBNOINVD, 100000
; of each, then the debug exit with 0. Run beside memspeed32: the
; hypervisor must complete them as no-ops, so the neighbour's memory speed
; does not notice (tests/integration/test_platform.py).
org 0x100000
%include "guests/lib32.inc"

ROUNDS equ 100000

main:
	mov esi, msg_start
	call puts
	mov ecx, ROUNDS
.loop:
	wbinvd
	db 0xf3, 0x0f, 0x09             ; WBNOINVD
	dec ecx
	jnz .loop
	mov esi, msg_done
	call puts
	ret

msg_start: db "wbinvd32: flushing", 13, 10, 0
msg_done:  db "wbinvd32: done", 13, 10, 0

