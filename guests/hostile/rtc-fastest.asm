; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: the RTC's periodic interrupt at its fastest rates, register A divider 010b with rate select 1, 2 and 3, PIE set, IRQ8 through I/O APIC pin 8 (edge, fixed) to a handler that reads register C, counts and EOIs, 50 ms of IF=1 each
; class: irq
; guest: each rate interrupts (> 0) and never faster than the MC146818A's table gives for the 32.768 kHz time base (RS 1: 256 Hz, RS 2: 128 Hz, RS 3: 8192 Hz, svmvisor's ceiling; 10% margin); with PIE clear again none; the case ends normally
; hypervisor: nothing: the periodic rate follows the table and is clamped to 8192 Hz (VRTC_MAX_HZ, drivers/virt/vrtc.c period_ticks), and IRQ8 stays high until register C is read, so a guest cannot raise it faster than it reads C
; others: the witness beats on, its RAM intact and its APIC idle
;
; Real hardware (MC146818A data sheet, "Periodic Interrupt Rate and
; Square-Wave Output Frequency", 32.768 kHz column): RS 0001 and 0010 are
; 3.90625 ms and 7.8125 ms (256 and 128 Hz, not 32768 and 16384 Hz as on
; the MHz time bases), RS 0011 is 122.070 us (8192 Hz), the fastest a PC's
; RTC runs. PF and IRQF stay set, and IRQ8 high, until register C is read.
; The limit for each window comes from its measured TSC length (CPUID
; 0x40000010 EAX, kHz): periods of the table rate, plus 10%, plus 4. Once
; the window's TSC end has passed the handler clears PIE itself, so the
; window ends even if the interrupts left the interrupted code no time.
; The 8259s stay masked (IRQ8 comes through the I/O APIC only).
%include "guests/hostile/hostile.inc"
%define PC_HELPERS
%include "guests/apic.inc"

V_RTC     equ 0x48
WINDOW_MS equ 50
RTC_PIE   equ 0x40

main:
	call apic_guest_init
	mov eax, rtc_isr
	mov ecx, V_RTC
	call idt256_build.gate
	call apic_setup
	mov al, 0xff                    ; both 8259s masked
	out 0x21, al
	out 0xa1, al
	mov esi, msg_hello
	call puts
	cmp dword [tsc_khz], 0
	jne .rate_known
	mov esi, msg_norate
	call puts
	inc ebp
	ret
.rate_known:
	call pie_off
	mov eax, [cpuid_apic_id]        ; pin 8: fixed, physical, edge, active high
	shl eax, 24
	mov edx, eax
	mov eax, V_RTC
	mov ecx, 8
	call ioapic_rte

	xor edi, edi
.rate:
	call one
	inc edi
	cmp edi, 3
	jb .rate

	; PIE clear: no interrupt in 20 ms, whatever register A says
	mov ebx, [ticks]
	sti
	mov eax, 20
	call wait_ms
	cli
	mov eax, [ticks]
	sub eax, ebx
	GOT eax
	test eax, eax
	mov esi, case_off
	call report_got

	mov ecx, 8
	mov eax, RTE_MASKED
	xor edx, edx
	call ioapic_rte
	mov ax, 0x26 << 8 | 0x0a        ; register A back to 1024 Hz (the PC default)
	call cmos_write
	ret

; EDI = 0, 1, 2: rate select 1, 2, 3 for WINDOW_MS.
one:
	pushad
	movzx eax, word [hz + edi * 2]
	mov [rate], eax
	lea eax, [edi + 1]
	mov [rs], eax
	or eax, 0x20                    ; divider 010: 32.768 kHz, running
	mov ah, al
	mov al, 0x0a
	call cmos_write
	mov al, 0x0c                    ; C read: PF from before cleared
	call cmos_read

	mov eax, WINDOW_MS
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	mov ebx, [ticks]
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	add eax, esi
	adc edx, edi
	mov [t_end], eax
	mov [t_end + 4], edx
	call pie_on
	sti
.wait:
	pause
	rdtsc
	sub eax, [t_end]
	sbb edx, [t_end + 4]
	js .wait
	cli
	call pie_off
	mov eax, 2                      ; one already raised may still land
	sti
	call wait_ms
	cli
	mov ecx, [ticks]
	sub ecx, ebx
	mov [count], ecx
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov [elapsed], eax
	mov [elapsed + 4], edx
	mov eax, [tsc_khz]              ; TSC ticks per period: kHz * 1000 / rate
	mov ecx, 1000
	mul ecx
	div dword [rate]
	mov ecx, eax
	mov eax, [elapsed]
	mov edx, [elapsed + 4]
	div ecx                         ; periods in the window
	mov [periods], eax
	mov ecx, eax
	xor edx, edx
	mov ebx, 10
	div ebx
	lea eax, [ecx + eax + 4]        ; periods + 10% + 4
	mov [limit], eax

	mov esi, msg_rs                 ; "rate select N (H Hz): C interrupts in P periods"
	call puts
	mov eax, [rs]
	call put_dec
	mov esi, msg_open
	call puts
	mov eax, [rate]
	call put_dec
	mov esi, msg_hz
	call puts
	mov eax, [count]
	call put_dec
	mov esi, msg_in
	call puts
	mov eax, [periods]
	call put_dec
	mov esi, msg_periods
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
	mov esi, case_rate
	call report_got
	popad
	ret

pie_on:                                 ; register B |= PIE
	push eax
	mov al, 0x0b
	call cmos_read
	or al, RTC_PIE
	mov ah, al
	mov al, 0x0b
	call cmos_write
	pop eax
	ret

pie_off:                                ; register B &= ~PIE, then C read
	push eax
	mov al, 0x0b
	call cmos_read
	and al, ~RTC_PIE
	mov ah, al
	mov al, 0x0b
	call cmos_write
	mov al, 0x0c
	call cmos_read
	pop eax
	ret

; Pin 8's vector: counts, reads C (IRQ8 low), clears PIE once the TSC is
; past [t_end], EOIs the local APIC.
rtc_isr:
	push eax
	push edx
	inc dword [ticks]
	mov al, 0x0c
	call cmos_read
	rdtsc
	sub eax, [t_end]
	sbb edx, [t_end + 4]
	js .eoi
	call pie_off
.eoi:
	mov dword [APIC + APIC_EOI], 0
	pop edx
	pop eax
	iretd

align 4
hz:      dw 256, 128, 8192              ; RS 1, 2, 3 on the 32.768 kHz time base
rate:    dd 0
rs:      dd 0
ticks:   dd 0
count:   dd 0
periods: dd 0
limit:   dd 0
t0:      dq 0
t_end:   dq 0x7fffffffffffffff
elapsed: dq 0

msg_hello:   db "rtc-fastest: RTC periodic interrupt at rate select 1, 2, 3", 13, 10, 0
msg_norate:  db "FAIL no TSC kHz in CPUID 0x40000010: no time base", 13, 10, 0
msg_rs:      db "rate select ", 0
msg_open:    db " (", 0
msg_hz:      db " Hz): ", 0
msg_in:      db " interrupts in ", 0
msg_periods: db " periods", 13, 10, 0
case_rate:   db "periodic interrupt arrives, never faster than the table rate (+10%)", 0
case_off:    db "PIE clear: no RTC interrupt in 20 ms", 0
