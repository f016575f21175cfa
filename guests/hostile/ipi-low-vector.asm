; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: fixed IPIs with each vector 0-15 through the xAPIC ICR: the self shorthand, physical destination = own APIC ID, all-including-self, all-excluding-self, logical broadcast 0xFF, and physical destination each APIC ID 0x00-0xFF
; class: irq
; guest: every ICR write sets ESR "send illegal vector" (bit 5); nothing reaches this vCPU (no gate 0-15 taken and no vector counted in 20 ms of IF=1 after each group, IRR and ISR empty)
; hypervisor: nothing: the sender's local APIC refuses the message (drivers/virt/vlapic.c send_ipi) before any routing
; others: the witness beats on, its RAM intact and its APIC idle (no IPI crosses VMs)
;
; Real hardware (Intel SDM Vol.3 10.5.3, AMD APM Vol.2 16.4.8): a fixed
; IPI with a vector 0-15 sets "send illegal vector" in the sender's ESR
; and is not delivered anywhere. The ESR is read the SDM way (a write loads
; the errors since the previous write, the read returns them) after each
; ICR write. Whether the sender also logs "receive illegal vector" for a
; copy addressed to itself is not asked (it is not the same on every
; part). The error LVT stays masked, so no error interrupt either.
%include "guests/hostile/hostile.inc"
%include "guests/apic.inc"

ESR_SEND       equ 0x20
ESR_RECV       equ 0x40
WINDOW_MS      equ 20

%macro GROUP 2                          ; ICR low bits (vector added), case
	mov dword [icr_bits], %1
	mov esi, %%name
	call group
	jmp %%over
%%name: db %2, 0
%%over:
%endmacro

main:
	call apic_guest_init
	call low_gates
	call pic_mask_all
	call apic_setup                 ; error LVT masked, LINT0 masked
	mov esi, msg_hello
	call puts
	call esr_clear

	mov dword [icr_dest], 0
	GROUP ICR_SELF, "self shorthand, vectors 0-15: ESR send illegal each time, nothing delivered"
	mov eax, [cpuid_apic_id]
	shl eax, 24
	mov [icr_dest], eax
	GROUP 0, "physical destination = own APIC ID, vectors 0-15: ESR send illegal each time, nothing delivered"
	mov dword [icr_dest], 0
	GROUP ICR_ALL, "all-including-self shorthand, vectors 0-15: ESR send illegal each time, nothing delivered"
	GROUP ICR_OTHERS, "all-excluding-self shorthand, vectors 0-15: ESR send illegal each time, nothing delivered"
	mov dword [icr_dest], 0xff << 24
	GROUP ICR_LOGICAL, "logical destination 0xFF (everyone), vectors 0-15: ESR send illegal each time, nothing delivered"

	; physical destinations 0x00-0xFF (0xFF: broadcast), vectors 0-15 each
	xor edi, edi
.dest:
	mov eax, edi
	shl eax, 24
	mov [icr_dest], eax
	mov dword [icr_bits], 0
	call sends
	inc edi
	cmp edi, 256
	jb .dest
	mov eax, WINDOW_MS
	call window
	call arrived
	jz .quiet
	inc dword [bad]
	mov [bad_esr], eax
.quiet:
	mov esi, case_every
	call verdict
	ret

; ESI = case: vectors 0-15 with [icr_bits] to [icr_dest], then the window.
group:
	push esi
	call sends
	mov eax, WINDOW_MS
	call window
	call arrived
	jz .quiet
	inc dword [bad]
	mov [bad_esr], eax
.quiet:
	pop esi
	jmp verdict

; Vectors 0-15, fixed, edge, with [icr_bits] to [icr_dest]; after each the
; ESR must have "send illegal vector".
sends:
	xor ebx, ebx
.vec:
	mov eax, [icr_dest]
	mov [APIC + APIC_ICR_HI], eax
	mov eax, [icr_bits]
	or eax, ebx
	mov [APIC + APIC_ICR_LO], eax
	call esr_read
	test eax, ESR_SEND
	jnz .ok
	inc dword [bad]
	mov ecx, [icr_dest]
	shr ecx, 16
	or ecx, ebx
	mov [bad_vec], ecx              ; destination << 8 | vector
	mov [bad_esr], eax
.ok:
	inc ebx
	cmp ebx, 16
	jb .vec
	ret

pic_mask_all:
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	ret

; ESI = case: PASS when [bad] is 0; a FAIL shows "got 0x<ESR or what
; arrived>_<misses << 16 | destination << 8 | vector>" (the last miss).
; Clears them for the next group.
verdict:
	cmp dword [bad], 0
	push esi
	pushfd
	mov eax, [bad]
	shl eax, 16
	or eax, [bad_vec]
	GOT eax
	mov eax, [bad_esr]
	mov [got_hi], eax
	popfd
	pop esi
	call report_got
	mov dword [bad], 0
	mov dword [bad_vec], 0
	mov dword [bad_esr], 0
	ret

%include "guests/hostile/irq.inc"
align 4
icr_dest:  dd 0
icr_bits:  dd 0
bad:       dd 0
bad_vec:   dd 0
bad_esr:   dd 0
low_count: times 16 dd 0

msg_hello:  db "ipi-low-vector: fixed IPIs with vectors 0-15", 13, 10, 0
case_every: db "physical destinations 0x00-0xFF, vectors 0-15 each: ESR send illegal each time, nothing delivered", 0
