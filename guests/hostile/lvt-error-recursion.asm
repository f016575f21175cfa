; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: the error LVT unmasked with the illegal vector 3, then errors that raise it: a fixed IPI with vector 3 (to nobody, and self), 1000 of them in a row, a write to a reserved APIC register (0x040), a one-shot timer with vector 5; so the error interrupt is itself an illegal-vector error
; class: irq
; guest: each attempt leaves ESR with its own bit (send illegal 0x20, illegal register 0x80, receive illegal 0x40 for the timer) plus receive illegal (0x40) for the error interrupt's vector, the next ESR read 0 (no error keeps coming), nothing delivered in 20 ms of IF=1; with the error LVT masked the same IPI sets send illegal alone; then the case ends normally
; hypervisor: nothing: an error with an error vector below 16 logs receive illegal once and raises nothing (drivers/virt/vlapic.c error()), so it cannot recurse
; others: the witness beats on, its RAM intact and its APIC idle
;
; Real hardware (Intel SDM Vol.3 10.5.3, AMD APM Vol.2 16.4.8): the error
; interrupt is a local interrupt; with a vector 0-15 it is not delivered
; and sets "receive illegal vector", which does not raise it again (a
; bit already set in the ESR), so the APIC settles at once. The ESR is read
; the SDM way: a write loads the errors since the previous write, then the
; read returns them; a second write and read then finds nothing new.
; Only the bits an attempt provokes are required; the self IPI's ESR may
; carry more (some parts also log receive illegal for the copy to self).
; APIC register 0x040 is reserved on both vendors (AMD APM Vol.2 Table
; 16-2); AMD logs "illegal register address" (ESR bit 7) for it.
%include "guests/hostile/hostile.inc"
%include "guests/apic.inc"

ESR_SEND       equ 0x20
ESR_RECV       equ 0x40
ESR_REG        equ 0x80
WINDOW_MS      equ 20
NOBODY         equ 0x0f                 ; a physical APIC ID nobody has (1 vCPU)
ERR_VECTOR     equ 3
RESERVED_REG   equ 0x040

; %1 = ESR bits required, %2 = case: the ESR holds %1, then 0; nothing
; arrives in the window.
%macro SETTLED 2
	mov eax, %1
	mov esi, %%name
	call settled
	jmp %%over
%%name: db %2, 0
%%over:
%endmacro

main:
	call apic_guest_init
	call low_gates
	call apic_setup
	mov al, 0xff                    ; both 8259s masked
	out 0x21, al
	out 0xa1, al
	mov esi, msg_hello
	call puts

	; the contrast: error LVT masked (vector 3 in it)
	mov dword [APIC + APIC_LVT_ERR], LVT_MASKED | ERR_VECTOR
	call esr_clear
	call ipi_nobody
	call esr_read
	mov ecx, eax
	and ecx, ESR_SEND | ESR_RECV
	cmp ecx, ESR_SEND
	GOT eax
	REPORT "error LVT masked: an IPI with vector 3 sets ESR send illegal, not receive illegal"

	mov dword [APIC + APIC_LVT_ERR], ERR_VECTOR
	mov eax, [APIC + APIC_LVT_ERR]
	and eax, 0x100ff
	cmp eax, ERR_VECTOR
	GOT eax
	REPORT "error LVT unmasked with vector 3 reads back"

	call esr_clear
	call ipi_nobody
	SETTLED ESR_SEND | ESR_RECV, "error LVT vector 3, IPI vector 3 to nobody: ESR send and receive illegal, then 0, nothing delivered"

	call esr_clear
	mov eax, ICR_SELF | ERR_VECTOR
	xor edx, edx
	call send_ipi
	SETTLED ESR_SEND | ESR_RECV, "error LVT vector 3, self IPI vector 3: ESR send and receive illegal, then 0, nothing delivered"

	call esr_clear
	mov dword [APIC + APIC_ICR_HI], NOBODY << 24
	mov ecx, 1000
.many:
	mov eax, ecx
	and eax, 15
	mov [APIC + APIC_ICR_LO], eax   ; vectors 0-15 to [ICR_HI] = nobody
	loop .many
	SETTLED ESR_SEND | ESR_RECV, "error LVT vector 3, 1000 illegal IPIs: ESR send and receive illegal, then 0, nothing delivered"

	call esr_clear
	mov dword [APIC + RESERVED_REG], 0x12345678
	SETTLED ESR_REG | ESR_RECV, "error LVT vector 3, write to reserved register 0x040: ESR 0x80 and 0x40, then 0, nothing delivered"

	call esr_clear
	mov dword [APIC + APIC_TDCR], 0xb
	mov dword [APIC + APIC_LVT_TMR], 5      ; one-shot, vector 5
	mov dword [APIC + APIC_TMICT], 100
	mov eax, 2
	call wait_ms
	SETTLED ESR_RECV, "error LVT vector 3, one-shot timer with vector 5: ESR receive illegal, then 0, nothing delivered"
	mov dword [APIC + APIC_TMICT], 0
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | 0x20

	mov dword [APIC + APIC_LVT_ERR], LVT_MASKED | 0xfe
	call esr_clear
	call esr_read
	test eax, eax
	GOT eax
	REPORT "error LVT masked again: the ESR stays 0"
	ret

ipi_nobody:                             ; fixed IPI, vector 3, to APIC ID 0x0f
	mov edx, NOBODY << 24
	mov eax, ERR_VECTOR
	jmp send_ipi

; EAX = ESR bits required, ESI = case.
settled:
	push esi
	mov ebx, eax
	call esr_read
	mov [esr1], eax
	and eax, ebx
	cmp eax, ebx
	jne .bad
	mov eax, WINDOW_MS
	call window
	call esr_read                   ; what came after the first read
	mov [esr2], eax
	test eax, eax
	jnz .bad
	call arrived
	mov [seen], eax
	test eax, eax
.bad:
	pushfd
	mov eax, [esr1]
	mov [got_hi], eax
	mov eax, [esr2]
	shl eax, 16
	or eax, [seen]                  ; what arrived (a vector count or IRR/ISR bits)
	mov [got_lo], eax
	popfd
	pop esi
	jmp report_got

%include "guests/hostile/irq.inc"
align 4
esr1:      dd 0
esr2:      dd 0
seen:      dd 0
low_count: times 16 dd 0

msg_hello: db "lvt-error-recursion: the error LVT with an illegal vector", 13, 10, 0
