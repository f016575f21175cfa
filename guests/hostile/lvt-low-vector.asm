; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: each xAPIC LVT (timer, LINT0, LINT1, error) unmasked with fixed delivery and each vector 0-15, then fired where the VM can fire it: the timer one-shot with an initial count of 100, LINT0 by the 8259's INT (a PIT edge, IRQ0 unmasked in the IMR; edge and level trigger), the error LVT by a fixed IPI with an illegal vector
; class: irq
; guest: every firing sets ESR "receive illegal vector" (bit 6; the error LVT's firing after a send-illegal IPI: bits 5 and 6) and nothing is delivered: no exception or interrupt taken in 16 ms of IF=1 per vector, IRR and ISR empty; LINT1 (no line wired to it) delivers nothing either and keeps each vector as written
; hypervisor: nothing: the vCPU's local APIC logs the error (drivers/virt/vlapic.c local_fixed, error) and never puts a vector below 16 in IRR
; others: the witness beats on, its RAM intact and its APIC idle
;
; Real hardware (Intel SDM Vol.3 10.5.3, AMD APM Vol.2 16.4.8): a local
; interrupt (an LVT entry or a self IPI) with a vector 0-15 is not
; delivered; the local APIC sets "receive illegal vector" in the ESR; a
; fixed IPI with such a vector sets "send illegal vector" and is not sent.
; The ESR is read the SDM way: a write loads the errors found since the
; previous write, then the read returns them. This case only asks for the
; bits it provokes to be set; other hardware may add bits (some Intel parts
; log an illegal vector already when the LVT is written), so none is
; required to be clear. IDT gates 0-15 count and end the IF=1 window
; early; gates 32-255 count per vector (guests/apic.inc irq_common).
%include "guests/hostile/hostile.inc"
%define PC_HELPERS
%include "guests/apic.inc"

APIC_LVT_LINT1 equ 0x360
ESR_SEND       equ 0x20
ESR_RECV       equ 0x40
LVT_LEVEL      equ 1 << 15
WINDOW_MS      equ 16                   ; IF=1 after each firing
NOBODY         equ 0x0f                 ; a physical APIC ID nobody has (1 vCPU)

%macro PASS_IF 1                        ; ZF set when condition code %1 holds
	set%-1 al
	test al, al
%endmacro


main:
	call apic_guest_init
	call low_gates
	call pic_init
	call apic_setup                 ; LINT0 masked, error LVT masked
	mov esi, msg_hello
	call puts
	call timer_part
	call lint0_part
	call lint1_part
	call error_part
	call teardown
	ret

; --- the timer: one-shot, 100 counts at divide by 1 ------------------------------
timer_part:
	mov dword [APIC + APIC_TDCR], 0xb
	xor ebx, ebx
.vec:
	mov [APIC + APIC_LVT_TMR], ebx          ; one-shot, fixed, unmasked
	call esr_clear
	mov dword [APIC + APIC_TMICT], 100
	mov eax, WINDOW_MS
	call window
	mov eax, ESR_RECV
	call judge
	mov dword [APIC + APIC_TMICT], 0
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | 0x20
	inc ebx
	cmp ebx, 16
	jb .vec
	mov esi, case_timer
	call verdict
	ret

; --- LINT0: the master 8259's INT ---------------------------------------------
; A PIT terminal count latches IRQ0 in the PIC's IRR (IRQ0 masked); then
; for each vector: LINT0 programmed while the IMR masks IRQ0 (INT low),
; then IRQ0 unmasked: INT rises, an edge on LINT0. Nobody acknowledges the
; PIC (LINT0 is not ExtINT), so IRR keeps the request for the next vector.
lint0_part:
	call pic_mask_all
	mov al, 0x30                    ; counter 0, lobyte/hibyte, mode 0
	out 0x43, al
	mov al, 100                     ; 84 us
	out 0x40, al
	xor al, al
	out 0x40, al
	mov eax, 5
	call wait_ms
	mov al, 0x0a                    ; OCW3: read IRR
	out 0x20, al
	in al, 0x20
	test al, 1
	PASS_IF nz
	movzx eax, al
	GOT eax
	REPORT "lint0: a PIT terminal count waits in the 8259's IRR (IRQ0 masked)"

	mov dword [trig], 0
	mov esi, case_lint0e
	call lint0_run
	mov dword [trig], LVT_LEVEL
	mov esi, case_lint0l
	call lint0_run
	ret

lint0_run:                              ; ESI = case, [trig] = trigger bit
	push esi
	xor ebx, ebx
.vec:
	call pic_mask_all               ; INT low
	mov eax, ebx
	or eax, [trig]
	mov [APIC + APIC_LVT_LINT0], eax
	call esr_clear
	mov al, 0xfe                    ; IRQ0 unmasked: INT high
	out 0x21, al
	mov eax, WINDOW_MS
	call window
	mov eax, ESR_RECV
	call judge
	inc ebx
	cmp ebx, 16
	jb .vec
	call pic_mask_all
	mov dword [APIC + APIC_LVT_LINT0], LVT_MASKED
	pop esi
	jmp verdict

; --- LINT1: nothing drives it in this VM ---------------------------------------
lint1_part:
	xor ebx, ebx
.vec:
	mov [APIC + APIC_LVT_LINT1], ebx
	mov eax, [APIC + APIC_LVT_LINT1]
	and eax, 0x1ffff & ~(1 << 12)  ; vector, mode, polarity, trigger, mask
	cmp eax, ebx
	je .kept
	inc dword [bad]
	mov [bad_vec], ebx
	mov [bad_esr], eax
.kept:
	mov eax, 2
	call window
	call arrived
	jz .none
	inc dword [bad]
	mov [bad_vec], ebx
	mov [bad_esr], eax
.none:
	inc ebx
	cmp ebx, 16
	jb .vec
	mov dword [APIC + APIC_LVT_LINT1], LVT_MASKED
	mov esi, case_lint1
	jmp verdict

; --- the error LVT: fired by a fixed IPI with vector 3 to nobody -----------------
error_part:
	xor ebx, ebx
.vec:
	mov [APIC + APIC_LVT_ERR], ebx
	call esr_clear
	mov edx, NOBODY << 24
	mov eax, 3                      ; fixed, physical, edge
	call send_ipi
	mov eax, WINDOW_MS
	call window
	mov eax, ESR_SEND | ESR_RECV
	call judge
	inc ebx
	cmp ebx, 16
	jb .vec
	mov dword [APIC + APIC_LVT_ERR], LVT_MASKED | 0xfe
	mov esi, case_error
	jmp verdict

teardown:
	cli
	call pic_mask_all
	call pit0_stop
	mov dword [APIC + APIC_LVT_LINT0], LVT_MASKED
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | 0x20
	mov dword [APIC + APIC_TMICT], 0
	ret

; --- helpers --------------------------------------------------------------------
; EBX = the vector tried, EAX = the ESR bits the firing must have set: a
; miss (bits absent, or anything delivered) is counted in [bad], the last
; one's vector and ESR kept for the verdict line.
judge:
	push eax
	call esr_read
	mov ecx, eax
	pop eax
	mov edx, ecx
	and edx, eax
	cmp edx, eax
	jne .bad
	call arrived
	jnz .bad
	ret
.bad:
	inc dword [bad]
	mov [bad_vec], ebx
	mov [bad_esr], ecx
	ret

; ESI = case: PASS when [bad] is 0; a FAIL shows the count, the last bad
; vector and its ESR. Clears them for the next part.
verdict:
	cmp dword [bad], 0
	push esi
	pushfd
	mov eax, [bad]
	shl eax, 8
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
pic_init:                               ; ICW1-ICW4 (IRQ0 = 0x20), all masked
	mov al, 0x11
	out 0x20, al
	out 0xa0, al
	mov al, 0x20
	out 0x21, al
	mov al, 0x28
	out 0xa1, al
	mov al, 4
	out 0x21, al
	mov al, 2
	out 0xa1, al
	mov al, 1
	out 0x21, al
	out 0xa1, al
pic_mask_all:
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	ret

pit0_stop:                              ; mode 0, longest count
	mov al, 0x30
	out 0x43, al
	mov al, 0xff
	out 0x40, al
	out 0x40, al
	ret

align 4
trig:      dd 0
bad:       dd 0
bad_vec:   dd 0
bad_esr:   dd 0
low_count: times 16 dd 0

msg_hello:   db "lvt-low-vector: LVT entries with vectors 0-15", 13, 10, 0
case_timer:  db "timer one-shot with vectors 0-15: ESR receive illegal, nothing delivered", 0
case_lint0e: db "LINT0 fixed edge with vectors 0-15: ESR receive illegal, nothing delivered", 0
case_lint0l: db "LINT0 fixed level with vectors 0-15: ESR receive illegal, nothing delivered", 0
case_lint1:  db "LINT1 with vectors 0-15: kept as written, nothing delivered", 0
case_error:  db "error LVT with vectors 0-15 after an illegal IPI: ESR send and receive illegal, nothing delivered", 0
