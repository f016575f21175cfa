; SPDX-License-Identifier: BSD-2-Clause
; A guest that sits in one string instruction for as long as it is let:
; REP OUTSB to the POST port (0x80) with ECX 0xffffffff from ESI 0, through
; its RAM, then the guest-physical hole past it (all ones), wrapping at
; 4 GiB, 2^32-1 elements that the hypervisor runs in bounded batches
; (docs/cpu.md, "String I/O"). test_hostile_console.py watches ECX fall
; while RIP stays, the console answer, and `kill` end it.
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg
	call puts
	mov dx, 0x80
again:
	xor esi, esi
	mov ecx, 0xffffffff
	rep outsb
	jmp again

msg: db "strio32: in REP OUTSB", 13, 10, 0
