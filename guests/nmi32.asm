; SPDX-License-Identifier: BSD-2-Clause
; Guest that waits for an NMI from the console (`nmi <vm>`): the NMI must
; arrive through its IDT as vector 2, then it ends with result 0.
org 0x100000
%include "guests/lib32.inc"

main:
	EXPECT_FAULT 2, .got
	mov esi, msg_wait
	call puts
.wait:
	pause
	jmp .wait
.got:
	cmp dword [fault_vector], 2
	mov esi, case_nmi
	call report_zf
	ret

msg_wait: db "nmi32: waiting for an NMI", 13, 10, 0
case_nmi: db "nmi: delivered through the IDT as vector 2", 0
