; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: the local APIC in xAPIC mode (MMIO at 0xFEE00000) as one
; vCPU sees it (kind=flat load=0x100000 mode=prot32 mem=16M cpus=1). One
; "PASS/FAIL/SKIP apic: <case>" line per case, the failure count as the
; result; a FAIL is followed by "  got 0xHI_LO, vector 0xV" (what was read).
;
; Registers (ID, version, TPR, PPR, SVR, ESR), the timer (one-shot,
; periodic, TSC-deadline, divide configuration, current count, masked LVT),
; TPR holding off an interrupt, nested interrupts and EOI order, self-IPIs,
; HLT woken by the timer, the x2APIC MSRs faulting in xAPIC mode, each
; instruction form svmvisor's MMIO emulation completes on the APIC page,
; and unassigned guest-physical space reading all ones.
;
; SKIP instead of PASS/FAIL:
;   - the periodic rate check unless CPUID 0x40000010 gives the TSC and
;     APIC timer rates under svmvisor (EAX TSC kHz, EBX APIC timer kHz,
;     non-zero), or when the host held the vCPU up for half a period in
;     each of three windows (TCG on a loaded host);
;   - ESR illegal vector and #GP for MSR 0x802 outside svmvisor when the
;     model lacks them (QEMU and Bochs do not check IPI vectors; QEMU TCG
;     reads unknown MSRs as 0);
;   - TSC-deadline cases without CPUID.1:ECX[24];
;   - unassigned MMIO outside svmvisor (bare QEMU reads 0 there);
;   - reads narrower than 32 bits outside svmvisor when they read 0
;     (QEMU's APIC model answers 0 to them; svmvisor emulates them).
; Every wait is bounded by the TSC, so a missing interrupt is a FAIL. Only
; the last case (HLT with IF set, woken by the timer) can hang when the
; interrupt never comes.
; Build for bare QEMU with -DBARE (guests/bare.inc).
org 0x100000
%define VCPU_HELPERS
%include "guests/bare.inc"
%include "guests/lib32.inc"
%include "guests/apic.inc"

ONESHOT_COUNT equ 1000000               ; 10 ms at svmvisor's 100 MHz (1 ms on QEMU)
PERIOD_COUNT  equ 2000000               ; 20 ms at 100 MHz
PERIOD_WINDOW equ 300                   ; ms of TSC the periodic interrupts are counted over
DIV_WINDOW    equ 20                    ; ms per divide setting

V_ONESHOT equ 0x40
V_TSCDL   equ 0x41
V_HLT     equ 0x42
V_PERIOD  equ 0x43
V_TPR     equ 0x45
V_MASKED  equ 0x46
V_LOW     equ 0x60
V_HIGH    equ 0x90
V_LATE    equ 0x55
V_SELF    equ 0x70
V_SELFID  equ 0x71

%define CASE_X2MSR "apic: x2APIC MSR 0x802 in xAPIC mode raises #GP"
%define CASE_RATE "apic: periodic timer rate within 20% of the programmed one"
%define CASE_ESR "apic: self-IPI with vector 3 sets ESR send illegal vector (0x20)"

main:
	call apic_guest_init
	mov esi, msg_hello
	call puts
	cmp dword [on_svmvisor], 0
	je .bare
	SAY "apic32: under svmvisor"
	jmp .go
.bare:
	SAY "apic32: not under svmvisor (svmvisor-only checks SKIP)"
.go:
	call base_cases
	call timer_cases
	call tscdl_cases
	call priority_cases
	call ipi_cases
	call x2msr_case
	call emul_cases
	call unassigned_cases
	call hlt_case
	cli
	ret

; --- APIC_BASE, SVR, ID, version, TPR, PPR ------------------------------------
base_cases:
	mov ecx, MSR_APIC_BASE
	call msr_read
	and eax, 0xfffff900
	cmp eax, 0xfee00900
	REPORT "apic: APIC_BASE is 0xFEE00000, enabled, BSP"

	call apic_setup
	mov eax, [APIC + APIC_SVR]
	GOT eax
	and eax, 0x1ff
	cmp eax, 0x1ff
	REPORT "apic: SVR software enable and spurious vector 0xFF read back"

	mov eax, [APIC + APIC_ID]
	GOT eax
	shr eax, 24
	cmp eax, [cpuid_apic_id]
	REPORT "apic: ID register bits 31:24 match CPUID.1:EBX[31:24]"

	mov eax, [APIC + APIC_VER]
	mov [version], eax
	GOT eax
	mov edx, eax
	and edx, 0xf0
	cmp edx, 0x10                   ; an integrated APIC: 0x1X
	jne .ver
	shr eax, 16
	and eax, 0xff
	cmp eax, 4
	setb al
	cmp al, 0
.ver:
	REPORT "apic: version 0x1X with at least 5 LVT entries"

	mov dword [APIC + APIC_TPR], 0x20
	mov eax, [APIC + APIC_TPR]
	GOT eax
	and eax, 0xff
	cmp eax, 0x20
	REPORT "apic: TPR 0x20 reads back"
	mov eax, [APIC + APIC_PPR]
	GOT eax
	cmp eax, 0x20
	REPORT "apic: PPR follows TPR with nothing in service"
	mov dword [APIC + APIC_TPR], 0
	mov eax, [APIC + APIC_PPR]
	GOT eax
	test eax, eax
	REPORT "apic: PPR 0 with TPR 0"
	ret

; --- the timer ----------------------------------------------------------------
timer_cases:
	; one-shot
	mov dword [APIC + APIC_TDCR], 0xb               ; divide by 1
	mov dword [APIC + APIC_LVT_TMR], V_ONESHOT
	sti
	mov dword [APIC + APIC_TMICT], ONESHOT_COUNT
	mov esi, irq_count + V_ONESHOT * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_ONESHOT * 4]
	REPORT "apic: one-shot timer interrupt arrives"
	mov eax, 50
	call wait_ms
	GOT [irq_count + V_ONESHOT * 4]
	cmp dword [irq_count + V_ONESHOT * 4], 1
	REPORT "apic: one-shot timer fires once, then no more"
	mov eax, [APIC + APIC_TMCCT]
	GOT eax
	test eax, eax
	REPORT "apic: current count 0 after the one-shot expired"

	; current count decreasing, divide configuration (masked LVT: no interrupts)
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_MASKED
	mov dword [APIC + APIC_TMICT], 0xffffffff
	mov ebx, [APIC + APIC_TMCCT]
	mov eax, 1
	call wait_ms
	mov eax, [APIC + APIC_TMCCT]
	GOT eax
	cmp eax, ebx
	jae .cur_bad
	cmp ebx, 0xffffffff
	jbe .cur_ok
.cur_bad:
	or eax, 1                       ; ZF clear
	jmp .cur
.cur_ok:
	xor eax, eax
.cur:
	REPORT "apic: current count decreases from the initial count"

	; divide by 1 against divide by 16: counts per TSC tick of each, from
	; the best-bracketed reads (a host that holds the vCPU up between the
	; RDTSC and the read cannot skew them); GOT: the ratio x 100
	fninit
	mov eax, 0xb
	call div_rate                   ; ST0 = counts per tick, divide by 1
	mov eax, 0x3
	call div_rate                   ; ST0 = divide by 16, ST1 = divide by 1
	fdivp st1, st0                  ; ST0 = the ratio
	mov dword [APIC + APIC_TMICT], 0
	mov dword [APIC + APIC_TDCR], 0xb
	fld st0
	fmul dword [f100]
	fistp dword [got_lo]
	mov dword [got_hi], 0
	fld dword [f12_8]
	fcomip st0, st1
	ja .div_bad                     ; 12.8 > ratio (NaN: not taken)
	fld dword [f19_2]
	fcomip st0, st1
	jb .div_bad                     ; 19.2 < ratio (or NaN)
	fstp st0
	xor eax, eax
	jmp .div
.div_bad:
	fstp st0
	or eax, 1
.div:
	REPORT "apic: divide by 1 counts 16 times as fast as divide by 16 (+-20%)"

	; masked LVT: the count runs out, no interrupt
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_MASKED
	mov dword [APIC + APIC_TMICT], ONESHOT_COUNT
	mov ecx, 2000
.masked_run:
	cmp dword [APIC + APIC_TMCCT], 0
	je .masked_out
	mov eax, 1
	call wait_ms
	dec ecx
	jnz .masked_run
.masked_out:
	mov eax, 20
	call wait_ms
	GOT [irq_count + V_MASKED * 4]
	cmp dword [irq_count + V_MASKED * 4], 0
	REPORT "apic: masked LVT timer raises no interrupt"

	; periodic: three interrupts (within 2 s: a loaded host may hold the
	; vCPU up), then the rate over undisturbed windows
	mov ebx, [irq_count + V_PERIOD * 4]
	mov dword [APIC + APIC_LVT_TMR], LVT_PERIODIC | V_PERIOD
	sti
	mov dword [APIC + APIC_TMICT], PERIOD_COUNT
	lea eax, [ebx + 3]
	mov esi, irq_count + V_PERIOD * 4
	mov ecx, 2000
	call wait_ge
	mov dword [APIC + APIC_TMICT], 0                ; stops the timer
	mov eax, [irq_count + V_PERIOD * 4]
	sub eax, ebx
	GOT eax
	cmp eax, 3
	setb al
	cmp al, 0
	REPORT "apic: periodic timer fires repeatedly"
	mov eax, 10
	call wait_ms
	call period_window
	cmp dword [rates_known], 0
	je .rate_skip
	mov eax, PERIOD_COUNT           ; half a period in TSC ticks
	xor edx, edx
	div dword [apic_khz]            ; ms per period
	mul dword [tsc_per_ms]
	shr eax, 1
	test edx, edx
	jz .half
	mov eax, 0xffffffff
.half:
	mov [period_half], eax
	mov ebx, 3                      ; up to 3 windows the host did not disturb
.rate_try:
	mov eax, [period_gap]
	cmp eax, [period_half]
	jbe .rate_check
	dec ebx
	jz .rate_disturbed
	call period_window
	jmp .rate_try
.rate_check:
	mov eax, PERIOD_WINDOW          ; expected = window ms * APIC kHz / count
	mul dword [apic_khz]
	mov ecx, PERIOD_COUNT
	div ecx
	mov ecx, eax
	mov [got_hi], ecx
	mov eax, [period_seen]
	mov [got_lo], eax
	call within_20pct
	REPORT CASE_RATE
	jmp .rate_done
.rate_disturbed:
	SKIPCASE CASE_RATE, "the host held the vCPU up for half a period or more in 3 windows"
	jmp .rate_done
.rate_skip:
	SKIPCASE CASE_RATE, "no APIC timer rate in CPUID 0x40000010"
.rate_done:
	mov eax, 10                     ; one in flight may still land
	call wait_ms
	mov ebx, [irq_count + V_PERIOD * 4]
	mov eax, 100
	call wait_ms
	mov eax, [irq_count + V_PERIOD * 4]
	GOT eax
	cmp eax, ebx
	REPORT "apic: periodic timer stops when the initial count is set to 0"
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_MASKED
	cli
	ret

; EAX = divide configuration: ST0 = the timer's counts per TSC tick, from
; two count_samples DIV_WINDOW ms apart (the timer runs from 0xFFFFFFFF).
div_rate:
	mov [APIC + APIC_TDCR], eax
	mov dword [APIC + APIC_TMICT], 0xffffffff
	call count_sample
	mov [smp_c0], eax
	mov eax, [smp_t]
	mov [smp_t0], eax
	mov eax, [smp_t + 4]
	mov [smp_t0 + 4], eax
	mov eax, DIV_WINDOW
	call wait_ms
	call count_sample
	mov ecx, [smp_c0]
	sub ecx, eax
	mov [smp_dc], ecx
	mov eax, [smp_t]
	mov edx, [smp_t + 4]
	sub eax, [smp_t0]
	sbb edx, [smp_t0 + 4]
	mov [smp_dt], eax
	mov [smp_dt + 4], edx
	fild dword [smp_dc]
	fild qword [smp_dt]
	fdivp st1, st0
	ret

; EAX = the current count, [smp_t] = the TSC in the middle of the read,
; from the best bracketed (RDTSC, read, RDTSC) of 16.
count_sample:
	pushad
	mov dword [smp_best], 0xffffffff
	mov ecx, 16
.try:
	rdtsc
	mov esi, eax
	mov edi, edx
	mov ebx, [APIC + APIC_TMCCT]
	rdtsc
	sub eax, esi
	cmp eax, [smp_best]
	jae .next
	mov [smp_best], eax
	mov [smp_c], ebx
	shr eax, 1
	add eax, esi
	adc edi, 0
	mov [smp_t], eax
	mov [smp_t + 4], edi
.next:
	dec ecx
	jnz .try
	popad
	mov eax, [smp_c]
	ret

; One PERIOD_WINDOW of the periodic timer: [period_seen] = its interrupts,
; [period_gap] = the longest time (TSC) between two looks at the TSC, as a
; host holding the vCPU up shows.
period_window:
	pushad
	mov ebx, [irq_count + V_PERIOD * 4]
	mov dword [APIC + APIC_LVT_TMR], LVT_PERIODIC | V_PERIOD
	sti
	mov dword [APIC + APIC_TMICT], PERIOD_COUNT
	mov eax, PERIOD_WINDOW
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	add esi, eax
	adc edi, edx
	mov ebp, eax                    ; the last look (low half)
	xor ecx, ecx                    ; the longest gap
.spin:
	pause
	rdtsc
	push eax
	sub eax, ebp
	cmp eax, ecx
	jbe .short
	mov ecx, eax
.short:
	pop eax
	mov ebp, eax
	sub eax, esi
	sbb edx, edi
	js .spin
	mov eax, [irq_count + V_PERIOD * 4]
	sub eax, ebx
	mov [period_seen], eax
	mov [period_gap], ecx
	mov dword [APIC + APIC_TMICT], 0                ; stops the timer
	mov eax, 10                     ; one in flight may still land
	call wait_ms
	popad
	ret

; --- TSC-deadline -------------------------------------------------------------
tscdl_cases:
	test dword [cpuid1_ecx], 1 << 24
	jnz .have
	SKIPCASE "apic: TSC-deadline interrupt arrives", "no TSC-deadline in CPUID.1:ECX[24]"
	SKIPCASE "apic: TSC-deadline interrupt not before the deadline", "no TSC-deadline in CPUID.1:ECX[24]"
	SKIPCASE "apic: TSC-deadline fires once", "no TSC-deadline in CPUID.1:ECX[24]"
	SKIPCASE "apic: TSC-deadline MSR 0x6E0 reads 0 after it fired", "no TSC-deadline in CPUID.1:ECX[24]"
	ret
.have:
	mov dword [APIC + APIC_LVT_TMR], LVT_TSCDL | V_TSCDL
	sti
	mov eax, 5                      ; deadline: now + 5 ms
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	add eax, esi
	adc edx, edi
	mov [deadline], eax
	mov [deadline + 4], edx
	mov ecx, MSR_TSC_DEADLINE
	call msr_write
	mov esi, irq_count + V_TSCDL * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_TSCDL * 4]
	REPORT "apic: TSC-deadline interrupt arrives"
	mov eax, [irq_tsc + V_TSCDL * 8]
	mov edx, [irq_tsc + V_TSCDL * 8 + 4]
	mov [got_lo], eax
	mov [got_hi], edx
	cmp dword [irq_count + V_TSCDL * 4], 0
	je .early                       ; none: a FAIL here too
	sub eax, [deadline]
	sbb edx, [deadline + 4]
	js .early
	xor eax, eax
	jmp .when
.early:
	or eax, 1
.when:
	REPORT "apic: TSC-deadline interrupt not before the deadline"
	mov eax, 20
	call wait_ms
	GOT [irq_count + V_TSCDL * 4]
	cmp dword [irq_count + V_TSCDL * 4], 1
	REPORT "apic: TSC-deadline fires once"
	mov ecx, MSR_TSC_DEADLINE
	call msr_read
	or eax, edx
	REPORT "apic: TSC-deadline MSR 0x6E0 reads 0 after it fired"
	cli
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_MASKED
	ret

; --- TPR, ESR, nested interrupts and EOI --------------------------------------
priority_cases:
	sti
	mov dword [APIC + APIC_TPR], 0x50               ; class 5 blocks 0x45
	mov eax, V_TPR
	call self_ipi
	mov eax, 20
	call wait_ms
	GOT [irq_count + V_TPR * 4]
	cmp dword [irq_count + V_TPR * 4], 0
	REPORT "apic: TPR 0x50 holds off vector 0x45"
	mov eax, [APIC + APIC_IRR + 0x20]               ; vectors 0x40-0x5f
	GOT eax
	test eax, 1 << (V_TPR - 0x40)
	setz al
	test al, al
	REPORT "apic: the held vector is pending in IRR"
	mov dword [APIC + APIC_TPR], 0
	mov esi, irq_count + V_TPR * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_TPR * 4]
	REPORT "apic: the held vector is delivered when TPR drops to 0"
	cli

	; ESR: write, then read; a self-IPI with an illegal vector (3)
	mov dword [APIC + APIC_ESR], 0
	mov eax, [APIC + APIC_ESR]
	GOT eax
	test eax, eax
	REPORT "apic: ESR reads 0 after a write"
	mov eax, 3
	call self_ipi
	mov dword [APIC + APIC_ESR], 0
	mov eax, [APIC + APIC_ESR]
	GOT eax
	test eax, 0x20
	jnz .esr_pass
	cmp dword [on_svmvisor], 0
	jne .esr_fail
	SKIPCASE CASE_ESR, "this APIC model does not check IPI vectors (QEMU, Bochs)"
	jmp .esr_done
.esr_pass:
	xor eax, eax
.esr_fail:
	REPORT CASE_ESR
.esr_done:
	; QEMU's model takes vector 3 into IRR (hardware and svmvisor refuse
	; it) and would deliver it through gate 3 once IF is set: drain it
	; through irq_common here
	test dword [APIC + APIC_IRR], 1 << 3
	jz .no_drain
	mov eax, drain3
	mov [idt256 + 3 * 8], ax
	shr eax, 16
	mov [idt256 + 3 * 8 + 6], ax
	sti
	mov eax, 5
	call wait_ms
	cli
	mov eax, [idt + 3 * 8]          ; lib32's gate back
	mov [idt256 + 3 * 8], eax
	mov eax, [idt + 3 * 8 + 4]
	mov [idt256 + 3 * 8 + 4], eax
.no_drain:
	mov dword [APIC + APIC_ESR], 0
	mov dword [APIC + APIC_ESR], 0
	mov eax, [APIC + APIC_ESR]
	GOT eax
	test eax, eax
	REPORT "apic: ESR cleared by the next write"

	; nested: V_LOW's hook enables interrupts and raises V_HIGH, whose hook
	; raises V_LATE (a lower class than both, held until both EOIs)
	mov dword [irq_hook + V_LOW * 4], hook_low
	mov dword [irq_hook + V_HIGH * 4], hook_high
	sti
	mov eax, V_LOW
	call self_ipi
	mov esi, irq_count + V_LATE * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	cli
	mov dword [irq_hook + V_LOW * 4], 0
	mov dword [irq_hook + V_HIGH * 4], 0
	GOT [nest_high_in_low]
	cmp dword [nest_high_in_low], 1
	REPORT "apic: a higher vector preempts a lower one in service"
	GOT [nest_isr_both]
	cmp dword [nest_isr_both], 0x00010001           ; 0x60 (ISR 3 bit 0), 0x90 (ISR 4 bit 16)
	REPORT "apic: ISR holds both nested vectors"
	GOT [nest_ppr_high]
	mov eax, [nest_ppr_high]
	and eax, 0xf0
	cmp eax, 0x90
	REPORT "apic: PPR is the class of the highest vector in service"
	GOT [nest_isr_after]
	cmp dword [nest_isr_after], 0x00000001          ; 0x60 still in, 0x90 out
	REPORT "apic: EOI ends the highest vector in service first"
	GOT [nest_late_early]
	cmp dword [nest_late_early], 0
	REPORT "apic: a lower vector waits until both EOIs"
	GOT [irq_count + V_LATE * 4]
	cmp dword [irq_count + V_LATE * 4], 1
	REPORT "apic: the lower vector arrives after the EOIs"
	mov eax, [APIC + APIC_ISR + 0x30]
	or eax, [APIC + APIC_ISR + 0x40]
	or eax, [APIC + APIC_ISR + 0x20]
	GOT eax
	test eax, eax
	REPORT "apic: ISR empty at the end"
	ret

drain3:
	push dword 3
	jmp irq_common

hook_low:                               ; in V_LOW, IF clear
	sti
	mov eax, V_HIGH
	call self_ipi
	mov esi, irq_count + V_HIGH * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	mov eax, [irq_count + V_HIGH * 4]
	mov [nest_high_in_low], eax
	cli
	mov eax, [APIC + APIC_ISR + 0x30]
	and eax, 1
	mov edx, [APIC + APIC_ISR + 0x40]
	and edx, 1 << 16
	or eax, edx
	mov [nest_isr_after], eax
	mov eax, [irq_count + V_LATE * 4]
	mov [nest_late_early], eax
	ret

hook_high:                              ; in V_HIGH (nested in V_LOW), IF clear
	mov eax, [APIC + APIC_ISR + 0x30]
	and eax, 1
	mov edx, [APIC + APIC_ISR + 0x40]
	and edx, 1 << 16
	or eax, edx
	mov [nest_isr_both], eax
	mov eax, [APIC + APIC_PPR]
	mov [nest_ppr_high], eax
	mov eax, V_LATE
	call self_ipi
	ret

; --- self-IPIs ------------------------------------------------------------------
ipi_cases:
	sti
	mov eax, V_SELF
	call self_ipi
	mov esi, irq_count + V_SELF * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_SELF * 4]
	REPORT "apic: self-IPI through the ICR self shorthand"
	mov edx, [cpuid_apic_id]
	shl edx, 24
	mov eax, V_SELFID               ; fixed, physical, no shorthand
	call send_ipi
	mov esi, irq_count + V_SELFID * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_SELFID * 4]
	REPORT "apic: self-IPI to its own physical APIC ID"
	mov eax, 10
	call wait_ms
	mov eax, [irq_count + V_SELF * 4]
	add eax, [irq_count + V_SELFID * 4]
	GOT eax
	cmp eax, 2
	REPORT "apic: each self-IPI arrives once"
	mov eax, [APIC + APIC_ICR_LO]
	GOT eax
	test eax, ICR_BUSY
	REPORT "apic: ICR delivery status idle after the IPIs"
	cli
	ret

x2msr_case:
	mov ecx, 0x802
	call msr_read
	cmp dword [fault_vector], 13
	je .pass
	cmp dword [on_svmvisor], 0
	jne .fail
	cmp dword [fault_vector], -1
	jne .fail
	SKIPCASE CASE_X2MSR, "no fault: this CPU model reads unknown MSRs as 0 (QEMU TCG, Bochs with ignore_bad_msrs)"
	ret
.pass:
	xor eax, eax
.fail:
	REPORT CASE_X2MSR
	ret

; --- instruction forms the MMIO emulation must complete ------------------------
; (TPR is the read-write register; version the read-only one; the LVT timer
; with initial count 0 the one whose mask bit is toggled)
%macro TPR_IS 1                         ; ZF: TPR == %1
	mov eax, [APIC + APIC_TPR]
	GOT eax
	cmp eax, %1
%endmacro

%macro NARROW 3                         ; value register, expected, case
	GOT %1
	cmp %1, %2
	je %%pass
	cmp dword [on_svmvisor], 0
	jne %%fail
	test %1, %1
	jnz %%fail
	SKIPCASE %3, "reads narrower than 32 bits give 0 on this APIC model"
	jmp %%done
%%pass:
	xor eax, eax
%%fail:
	REPORT %3
%%done:
%endmacro

emul_cases:
	cld
	mov ebx, APIC
	mov eax, [ebx + APIC_VER]                       ; 8B 43 30
	GOT eax
	cmp eax, [version]
	REPORT "apic: emul MOV r32, [reg+disp8] (8B)"
	mov ecx, APIC_VER
	mov eax, [ebx + ecx]                            ; 8B 04 0B
	GOT eax
	cmp eax, [version]
	REPORT "apic: emul MOV r32, [base+index] (8B, SIB)"
	xor eax, eax
	db 0xa1                                         ; MOV EAX, [moffs32]
	dd APIC + APIC_VER
	GOT eax
	cmp eax, [version]
	REPORT "apic: emul MOV EAX, [moffs32] (A1)"
	mov ecx, [version]
	and ecx, 0xff
	movzx eax, byte [APIC + APIC_VER]               ; 0F B6
	NARROW eax, ecx, "apic: emul MOVZX r32, byte [mem] (0F B6) of the version"
	mov ecx, [version]
	and ecx, 0xffff
	xor eax, eax
	mov ax, [APIC + APIC_VER]                       ; 66 8B
	NARROW eax, ecx, "apic: emul MOV r16, [mem] (66 8B) of the version"

	mov dword [APIC + APIC_TPR], 0x30               ; C7 05
	TPR_IS 0x30
	REPORT "apic: emul MOV [mem], imm32 (C7) to TPR"
	mov ecx, 0xf0
	mov [ebx + APIC_TPR], ecx                       ; 89 4B 80
	TPR_IS 0xf0
	REPORT "apic: emul MOV [mem], r32 (89) to TPR"
	movsx eax, byte [APIC + APIC_TPR]               ; 0F BE
	NARROW eax, 0xfffffff0, "apic: emul MOVSX r32, byte [mem] (0F BE) of TPR 0xF0"
	mov eax, 0x50
	db 0xa3                                         ; MOV [moffs32], EAX
	dd APIC + APIC_TPR
	TPR_IS 0x50
	REPORT "apic: emul MOV [moffs32], EAX (A3) to TPR"

	mov ecx, 0x30
	xor [ebx + APIC_TPR], ecx                       ; 31 4B 80
	TPR_IS 0x60
	REPORT "apic: emul XOR [mem], r32 (31) on TPR"
	mov eax, 5
	add eax, [APIC + APIC_TPR]                      ; 03 05
	GOT eax
	cmp eax, 0x65
	REPORT "apic: emul ADD r32, [mem] (03) from TPR"
	mov ecx, 0x10
	add [ebx + APIC_TPR], ecx                       ; 01 4B 80
	TPR_IS 0x70
	REPORT "apic: emul ADD [mem], r32 (01) on TPR"
	sub dword [APIC + APIC_TPR], 0x10               ; 83 /5 ib
	TPR_IS 0x60
	REPORT "apic: emul SUB [mem], imm8 (83 /5) on TPR"
	test dword [APIC + APIC_TPR], 0x40              ; F7 /0
	setnz dl
	test dword [APIC + APIC_TPR], 0x80
	setz dh
	GOT edx
	cmp dx, 0x0101
	REPORT "apic: emul TEST [mem], imm32 (F7 /0) on TPR"
	mov ecx, 0x20
	test [ebx + APIC_TPR], ecx                      ; 85 4B 80
	setnz dl
	GOT edx
	cmp dl, 1
	REPORT "apic: emul TEST [mem], r32 (85) on TPR"
	cmp dword [APIC + APIC_TPR], 0x60               ; 83 /7 ib
	REPORT "apic: emul CMP [mem], imm8 (83 /7) on TPR"
	mov eax, 0x5f
	cmp eax, [ebx + APIC_TPR]                       ; 3B 43 80: 0x5f < 0x60
	setb dl
	GOT edx
	cmp dl, 1
	REPORT "apic: emul CMP r32, [mem] (3B) on TPR"
	mov eax, 0x20
	xchg [APIC + APIC_TPR], eax                     ; 87 05
	GOT eax
	cmp eax, 0x60
	jne .xchg
	TPR_IS 0x20
.xchg:
	REPORT "apic: emul XCHG [mem], r32 (87) with TPR"

	; the LVT timer (initial count 0: no timer runs) for AND/OR and BTx
	mov dword [APIC + APIC_TMICT], 0
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_MASKED
	and dword [APIC + APIC_LVT_TMR], ~LVT_MASKED    ; 81 /4 id
	mov eax, [APIC + APIC_LVT_TMR]
	GOT eax
	cmp eax, V_MASKED
	REPORT "apic: emul AND [mem], imm32 (81 /4) on the LVT timer"
	or dword [APIC + APIC_LVT_TMR], LVT_MASKED      ; 81 /1 id
	mov eax, [APIC + APIC_LVT_TMR]
	GOT eax
	cmp eax, LVT_MASKED | V_MASKED
	REPORT "apic: emul OR [mem], imm32 (81 /1) on the LVT timer"
	mov eax, [version]
	bt eax, 4
	setc cl
	bt dword [APIC + APIC_VER], 4                   ; 0F BA /4 ib
	setc dl
	GOT edx
	cmp dl, cl
	REPORT "apic: emul BT [mem], imm8 (0F BA /4) on the version"
	btr dword [APIC + APIC_LVT_TMR], 16             ; 0F BA /6: was set
	setc dl
	mov eax, [APIC + APIC_LVT_TMR]
	GOT eax
	cmp dl, 1
	jne .btr
	cmp eax, V_MASKED
.btr:
	REPORT "apic: emul BTR [mem], imm8 (0F BA /6) on the LVT timer"
	bts dword [APIC + APIC_LVT_TMR], 16             ; 0F BA /5: was clear
	setc dl
	mov eax, [APIC + APIC_LVT_TMR]
	GOT eax
	cmp dl, 0
	jne .bts
	cmp eax, LVT_MASKED | V_MASKED
.bts:
	REPORT "apic: emul BTS [mem], imm8 (0F BA /5) on the LVT timer"
	btc dword [APIC + APIC_LVT_TMR], 16             ; 0F BA /7: was set
	setc dl
	mov eax, [APIC + APIC_LVT_TMR]
	GOT eax
	cmp dl, 1
	jne .btc
	cmp eax, V_MASKED
.btc:
	REPORT "apic: emul BTC [mem], imm8 (0F BA /7) on the LVT timer"
	mov ecx, 16
	bts [APIC + APIC_LVT_TMR], ecx                  ; 0F AB: register bit offset
	setc dl
	mov eax, [APIC + APIC_LVT_TMR]
	GOT eax
	cmp dl, 0
	jne .btsr
	cmp eax, LVT_MASKED | V_MASKED
.btsr:
	REPORT "apic: emul BTS [mem], r32 (0F AB) on the LVT timer"

	; string instructions
	mov edi, APIC + APIC_TPR
	mov eax, 0x30
	mov ecx, 1
	rep stosd
	mov [got_hi], edi
	cmp ecx, 0
	jne .stos
	cmp edi, APIC + APIC_TPR + 4
	jne .stos
	TPR_IS 0x30
.stos:
	REPORT "apic: emul REP STOSD x1 to TPR"
	mov esi, APIC + APIC_VER
	mov edi, movs_buf
	mov ecx, 1
	rep movsd
	mov eax, [movs_buf]
	GOT eax
	cmp ecx, 0
	jne .movs
	cmp esi, APIC + APIC_VER + 4
	jne .movs
	cmp edi, movs_buf + 4
	jne .movs
	cmp eax, [version]
.movs:
	REPORT "apic: emul REP MOVSD x1 from the version register to RAM"
	mov dword [movs_buf], 0x40
	mov esi, movs_buf
	mov edi, APIC + APIC_TPR
	movsd
	TPR_IS 0x40
	REPORT "apic: emul MOVSD from RAM to TPR"
	mov esi, APIC + APIC_VER
	xor eax, eax
	lodsd
	GOT eax
	cmp esi, APIC + APIC_VER + 4
	jne .lods
	cmp eax, [version]
.lods:
	REPORT "apic: emul LODSD from the version register"
	mov dword [APIC + APIC_TPR], 0
	mov dword [APIC + APIC_LVT_TMR], LVT_MASKED | V_MASKED
	ret

; --- unassigned guest-physical space ----------------------------------------
unassigned_cases:
	cmp dword [on_svmvisor], 0
	jne .run
	SKIPCASE "apic: unassigned MMIO 0xFEB00000 reads all ones", "not under svmvisor"
	SKIPCASE "apic: unassigned 0xC0000000 (above RAM) reads all ones, writes ignored", "not under svmvisor"
	ret
.run:
	mov eax, [0xfeb00000]
	GOT eax
	cmp eax, 0xffffffff
	REPORT "apic: unassigned MMIO 0xFEB00000 reads all ones"
	mov dword [0xc0000000], 0x12345678
	mov eax, [0xc0000000]
	GOT eax
	cmp eax, 0xffffffff
	REPORT "apic: unassigned 0xC0000000 (above RAM) reads all ones, writes ignored"
	ret

; --- HLT with IF set, woken by the timer (last: a hypervisor that never
; delivers the interrupt leaves the vCPU halted). A FAIL line shows the
; count at the wake-up (low) and 100 ms later with IF set (high). ----------
hlt_case:
	SAY "apic32: HLT until the timer interrupt"
	mov dword [APIC + APIC_TDCR], 0xb
	mov dword [APIC + APIC_LVT_TMR], V_HLT
	mov dword [APIC + APIC_TMICT], ONESHOT_COUNT
	sti
	hlt
	cli
	mov ebx, [irq_count + V_HLT * 4]
	sti                             ; for the FAIL line: did it come later?
	mov esi, irq_count + V_HLT * 4
	mov eax, 1
	mov ecx, 100
	call wait_ge
	cli
	mov eax, [irq_count + V_HLT * 4]
	mov [got_hi], eax               ; GOT: count after 100 ms more, at the wake-up
	mov [got_lo], ebx
	cmp ebx, 1
	REPORT "apic: HLT with IF set woken by the timer interrupt"
	ret

msg_hello: db "apic32: local APIC (xAPIC) self-test", 13, 10, 0
align 4
version:          dd 0
period_seen:      dd 0
deadline:         dq 0
nest_high_in_low: dd 0
nest_isr_both:    dd 0
nest_ppr_high:    dd 0
nest_isr_after:   dd 0
nest_late_early:  dd 0
movs_buf:         dd 0, 0
period_gap:       dd 0
period_half:      dd 0
smp_best:         dd 0
smp_c:            dd 0
smp_c0:           dd 0
smp_dc:           dd 0
smp_t:            dq 0
smp_t0:           dq 0
smp_dt:           dq 0
f100:             dd 100.0
f12_8:            dd 12.8
f19_2:            dd 19.2
