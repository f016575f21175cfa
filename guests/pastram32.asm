; SPDX-License-Identifier: BSD-2-Clause
; Hostile guest: reads past the end of its RAM. Run with strict=on, the VM
; must be stopped with a report naming the address; other VMs carry on.
; (Without strict=on the read returns all ones, as on a real bus: apic32.)
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg
	call puts
	mov eax, [0x7ff00000]           ; far beyond any mem= the tests give it
	mov esi, msg_alive
	call puts
	inc ebp
	ret

msg:       db "pastram32: reading past the end of RAM", 13, 10, 0
msg_alive: db "FAIL still running after the bad access", 13, 10, 0
