; SPDX-License-Identifier: BSD-2-Clause
; Guest that halts with interrupts disabled and waits for an NMI (the
; console's `nmi <vm>`): an NMI must end HLT even with IF clear and arrive
; through the IDT as vector 2 (kind=flat load=0x100000 mode=prot32 mem=16M
; cpus=1). Today's svmvisor stops a VM that halts with IF clear
; (guests/hlt32.asm); with the virtual local APIC the vCPU sleeps instead,
; and `vcpus <vm>` shows it halted until the NMI comes.
; Build for bare QEMU with -DBARE (guests/bare.inc); there the monitor's
; `nmi` command sends the NMI.
org 0x100000
%include "guests/bare.inc"
%include "guests/lib32.inc"

main:
%ifdef BARE
	mov al, 0xff                    ; mask both 8259s
	out 0x21, al
	out 0xa1, al
%endif
	EXPECT_FAULT 2, .nmi            ; the NMI resumes at .nmi
	mov esi, msg_wait
	call puts
	cli
	hlt
	mov esi, msg_woke               ; HLT ended without the NMI
	call puts
	inc ebp
	ret
.nmi:
	cmp dword [fault_vector], 2
	mov esi, case_nmi
	call report_zf
	ret

msg_wait: db "hltnmi: waiting", 13, 10, 0
msg_woke: db "FAIL hltnmi: HLT with IF clear ended without an NMI", 13, 10, 0
case_nmi: db "hltnmi: NMI woke HLT with IF clear", 0
