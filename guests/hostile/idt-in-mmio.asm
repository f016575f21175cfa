; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: LIDT with the IDT's base in the local APIC page (0xFEE00000), then INT3: the CPU reads the gate from device space during event delivery
; class: tables
; guest: no handler ever runs: the gate reads as the APIC page holds it (a reserved slot, 0: not a valid gate), so INT3 gives #GP, whose gate is 0 too, then #DF, whose gate is 0 too: a triple fault
; hypervisor: the VM stops as crashed ("double fault in the guest (a triple fault follows)", or "triple fault (shutdown)"), or with a reason that names the event delivery through device space
; others: the witness beats on, its RAM intact; cpu1 stays free to kill and reuse
; stop: (double fault|triple fault|.*(event delivery|IDT|descriptor table))
;
; The gate read is a nested page fault during event delivery: EXITINFO2
; is the gate's GPA, EXITINTINFO the event (here vector 3), RIP the INT3.
; Real hardware reads the gate from the device: the local APIC's reserved
; slot 0x10-0x1F reads 0 (svmvisor's local APIC says so: an
; unimplemented slot reads 0), a gate of type 0 is invalid, so #GP(0x1A)
; (APM Vol.2 8.4.7, Vol.3 INT); #GP's gate at 0xFEE00068 (reserved: 0)
; gives #DF, and #DF's at 0xFEE00040 (reserved: 0) a shutdown. The same
; holds with the IDT in an unassigned hole (0xD0000000) or past the end
; of RAM (0x2000000 here): those gates read all ones, a present 32-bit trap
; gate with selector 0xFFFF beyond the GDT's limit, #GP(0xFFFC) and then,
; gate by gate, #DF and the shutdown. Set IDT_BASE (nasm -DIDT_BASE=...)
; to try them; the case itself uses the APIC page, as every placement ends
; the VM.
;
; The VM must end: a vCPU that loops forever through nested page faults
; (emulating the instruction at RIP, which is not the access that
; faulted, and injecting #UD, whose gate faults again) never stops, and
; this case then fails with "the case never ended".
%include "guests/hostile/hostile.inc"

%ifndef IDT_BASE
%define IDT_BASE LAPIC
%endif

main:
	mov esi, msg_go
	call puts
	lidt [mmio_idt]
	int3
	lidt [idt_ptr]                  ; never here on hardware
	inc ebp
	mov esi, msg_back
	call puts
	ret

mmio_idt: dw 32 * 8 - 1
	dd IDT_BASE
msg_go:   db "LIDT into device space, then INT3: the VM must stop", 13, 10, 0
msg_back: db "FAIL INT3 came back from an IDT in device space", 13, 10, 0
