; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: the local APIC timer periodic with initial count 1 under every divide configuration (1, 2, 4, ..., 128), IF=1 and a handler that counts and EOIs, 20 ms of TSC each; then initial count 0 for 20 ms
; class: irq
; guest: with count 1 timer interrupts arrive (> 0) but no faster than one per 10 us of TSC (svmvisor's documented floor, docs/cpu.md; 10% margin); after initial count 0 (and 1 ms for one already pending) none at all; the case ends normally
; hypervisor: nothing: a periodic period shorter than 10 us is stretched to 10 us (VLAPIC_MIN_PERIOD_NS, drivers/virt/vlapic.c timer_period) and missed periods collapse into one interrupt, so the storm costs its core at most 100k interrupt exits a second
; others: the witness beats on at its pace, its RAM intact and its APIC idle
;
; Real hardware (Intel SDM Vol.3 10.5.4, AMD APM Vol.2 16.4.1): count 1
; at divide 1 is a period of one bus clock (10 ns at 100 MHz), far below
; what a CPU can take, so the timer keeps its vector pending in IRR and
; the CPU takes an interrupt as soon as each handler's EOI and IRET allow:
; a flood paced by the handler alone (millions a second). svmvisor differs
; on purpose: the virtual timer's period has a floor of 10 us, which is
; what this case checks (a rate check, not a hardware equivalence).
; On hardware the flood leaves the interrupted code no progress at all
; (the next interrupt is taken right after each IRET), and under an
; emulator, where one exit can take longer than 10 us of TSC, svmvisor's
; floor does not leave any either; so the handler itself ends the window:
; it counts, stops the timer (initial count 0) once the window's TSC end
; has passed, and EOIs. Writing 0 to the initial count stops the timer on
; both. The TSC rate is CPUID 0x40000010 EAX (kHz); the limit is computed
; from each window's measured TSC length: slots of 10 us, plus 10%, plus 4.
%include "guests/hostile/hostile.inc"
%include "guests/apic.inc"

V_TIMER   equ 0x40
WINDOW_MS equ 20

main:
	call apic_guest_init
	mov eax, timer_isr
	mov ecx, V_TIMER
	call idt256_build.gate
	call apic_setup
	mov al, 0xff                    ; both 8259s masked
	out 0x21, al
	out 0xa1, al
	mov esi, msg_hello
	call puts
	cmp dword [tsc_khz], 0
	jne .rate_known
	mov esi, msg_norate             ; the limit below would be a guess
	call puts
	inc ebp
	ret
.rate_known:
	mov eax, [tsc_khz]
	xor edx, edx
	mov ecx, 100
	div ecx
	mov [tsc_10us], eax             ; TSC ticks per 10 us

	xor edi, edi
.divide:
	movzx eax, byte [tdcr_values + edi]
	mov [tdcr], eax
	movzx eax, byte [tdcr_shift + edi]
	mov [shift], eax
	call storm
	call stopped
	inc edi
	cmp edi, 8
	jb .divide

	cli
	mov dword [APIC + APIC_TMICT], 0
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_TIMER
	mov eax, 2
	call drain
	ret

; Periodic, count 1, divide [tdcr]: the count over WINDOW_MS of IF=1.
storm:
	pushad
	cli
	mov dword [APIC + APIC_LVT_TMR], LVT_PERIODIC | V_TIMER
	mov eax, [tdcr]
	mov [APIC + APIC_TDCR], eax
	mov ebx, [ticks]
	mov eax, WINDOW_MS
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	add eax, esi
	adc edx, edi
	mov [t_end], eax
	mov [t_end + 4], edx
	mov dword [APIC + APIC_TMICT], 1
	sti
.wait:
	pause
	rdtsc
	sub eax, [t_end]
	sbb edx, [t_end + 4]
	js .wait
	cli
	mov dword [APIC + APIC_TMICT], 0
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov ecx, [ticks]
	sub ecx, ebx
	mov [count], ecx
	div dword [tsc_10us]            ; 10 us slots in the window
	mov [slots], eax
	mov ecx, eax
	xor edx, edx
	mov ebx, 10
	div ebx
	lea eax, [ecx + eax + 4]        ; slots + 10% + 4
	mov [limit], eax

	mov esi, msg_div                ; "divide 2^N: C interrupts in S slots of 10 us"
	call puts
	mov eax, 1
	mov ecx, [shift]
	shl eax, cl
	call put_dec
	mov esi, msg_count
	call puts
	mov eax, [count]
	call put_dec
	mov esi, msg_in
	call puts
	mov eax, [slots]
	call put_dec
	mov esi, msg_slots
	call puts

	mov eax, [count]
	GOT eax
	mov eax, [limit]
	mov [got_hi], eax
	mov eax, [count]
	test eax, eax
	jz .bad
	cmp eax, [limit]
	ja .bad
	xor eax, eax                    ; ZF set
.bad:
	mov esi, case_storm
	call report_got
	popad
	ret

; Initial count 0: the timer stops. 1 ms for one already accepted, then
; none in WINDOW_MS.
stopped:
	cli
	mov dword [APIC + APIC_TMICT], 0
	mov eax, 1
	call drain
	mov dword [t_end], 0            ; the handler need not stop anything
	mov dword [t_end + 4], 0x7fffffff
	mov ebx, [ticks]
	sti
	mov eax, WINDOW_MS
	call wait_ms
	cli
	mov eax, [ticks]
	sub eax, ebx
	GOT eax
	mov ecx, [APIC + APIC_TMCCT]
	mov [got_hi], ecx
	or eax, ecx                     ; and the current count reads 0
	mov esi, case_stop
	jmp report_got

; The timer's gate: counts, stops the timer once the TSC is past [t_end],
; EOIs.
timer_isr:
	push eax
	push edx
	inc dword [ticks]
	rdtsc
	sub eax, [t_end]
	sbb edx, [t_end + 4]
	js .eoi
	mov dword [APIC + APIC_TMICT], 0
.eoi:
	mov dword [APIC + APIC_EOI], 0
	pop edx
	pop eax
	iretd

drain:                                  ; EAX = ms with IF=1
	sti
	call wait_ms
	cli
	ret

align 4
tsc_10us: dd 0
tdcr:     dd 0
shift:    dd 0
count:    dd 0
slots:    dd 0
limit:    dd 0
ticks:    dd 0
t0:       dq 0
t_end:    dq 0
; TDCR bits 3,1:0 for divide by 1, 2, 4, ..., 128 (SDM Figure 10-10)
tdcr_values: db 0xb, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa
tdcr_shift:  db 0, 1, 2, 3, 4, 5, 6, 7

msg_hello:  db "apic-timer-storm: periodic timer, initial count 1, every divide", 13, 10, 0
msg_norate: db "FAIL no TSC kHz in CPUID 0x40000010: no time base", 13, 10, 0
msg_div:    db "divide by ", 0
msg_count:  db ": ", 0
msg_in:     db " interrupts in ", 0
msg_slots:  db " slots of 10 us", 13, 10, 0
case_storm: db "periodic count 1: interrupts arrive, at most one per 10 us (+10%)", 0
case_stop:  db "initial count 0: the timer stops, no interrupt in 20 ms, current count 0", 0
