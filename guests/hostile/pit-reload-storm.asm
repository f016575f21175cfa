; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: PIT counter 0 in each mode 0-5 (binary) with reload 1 (20 ms of IF=1) and reload 0 (65536, 60 ms), IRQ0 through the 8259 pair and LINT0 ExtINT to a handler that counts and EOIs the PIC
; class: irq
; guest: IRQ0 never more often than once per 100 us (svmvisor's documented floor, docs/devices.md; 10% margin); the periodic modes 2 and 3 interrupt (> 0); the one-shot modes 0, 1, 4 and 5 at most twice; the case ends normally
; hypervisor: nothing: counter 0's pulses are held at least 100 us apart (VPIT_MIN_PERIOD_NS, drivers/virt/vpit.c irq_deliver) and the edges between collapse into one, so the guest cannot flood its core; mode 2/3 count 1 runs as count 2
; others: the witness beats on, its RAM intact and its APIC idle
;
; Real hardware (Intel 8254 data sheet; the PC ties counter 0's gate
; high): mode 2 or 3 with count 1 (illegal; counts 2 and up give up to
; 596 kHz) pulses OUT0 faster than any CPU takes interrupts, so the 8259
; keeps IRQ0 requested and the CPU takes it as fast as each handler's EOI
; and IRET allow; count 0 (65536) is 18.2 Hz. Modes 0 and 4 give one edge
; per count written, modes 1 and 5 wait for a gate trigger that never
; comes; a control word that takes OUT0 from low to high is one more edge
; on hardware (svmvisor sends none: vpit.h), hence "at most twice". The
; rate check is svmvisor's documented floor, not a hardware equivalence:
; the limit is computed from each window's measured TSC length (CPUID
; 0x40000010 EAX, kHz): slots of 100 us, plus 10%, plus 4. Before each
; window the PIT is stopped (mode 0, count 0xFFFF) and IRQ0 drained for
; 1 ms, so no earlier request is counted. Once the window's TSC end has
; passed, the handler masks IRQ0 and stops counter 0 (a control word with
; no count), so the window ends even if the flood left the interrupted code
; no time. Masking alone is not enough under Bochs: it runs 4 M instructions
; per emulated second, so one exit outlasts the 100 us floor, the PIT's
; next deadline is always due at VMRUN, and a vCPU that gets no interrupt
; injected then executes no instruction between the exits (seen: RIP frozen
; on the wait loop's PAUSE, INTR exits only, IMR 0xFF).
%include "guests/hostile/hostile.inc"
%include "guests/apic.inc"

V_PIC     equ 0x20                      ; ICW2 master: IRQ0 = 0x20

%macro PASS_IF 1                        ; ZF set when condition code %1 holds
	set%-1 al
	test al, al
%endmacro


main:
	call apic_guest_init
	mov eax, pit_isr
	mov ecx, V_PIC
	call idt256_build.gate
	call apic_setup                 ; LINT0 masked meanwhile
	call pic_init                   ; IRQ0 = 0x20, all masked
	call pit0_stop
	mov dword [APIC + APIC_LVT_LINT0], LVT_EXTINT
	mov esi, msg_hello
	call puts
	cmp dword [tsc_khz], 0
	jne .rate_known
	mov esi, msg_norate
	call puts
	inc ebp
	ret
.rate_known:
	mov eax, [tsc_khz]
	xor edx, edx
	mov ecx, 10
	div ecx
	mov [tsc_100us], eax

	xor edi, edi                    ; mode
.mode:
	mov dword [reload], 1
	mov dword [window_ms], 20
	call one
	mov dword [reload], 0
	mov dword [window_ms], 60
	call one
	inc edi
	cmp edi, 6
	jb .mode

	cli
	call pic_mask_all
	call pit0_stop
	mov dword [APIC + APIC_LVT_LINT0], LVT_MASKED
	ret

; EDI = mode, [reload], [window_ms]: one window, its line and its checks.
one:
	pushad
	mov [mode], edi
	cli
	call pit0_stop
	mov al, 0xfe                    ; IRQ0 only
	out 0x21, al
	mov dword [t_end], 0xffffffff   ; the handler masks nothing while draining
	mov dword [t_end + 4], 0x7fffffff
	sti
	mov eax, 1
	call wait_ms
	cli

	mov eax, [window_ms]
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	mov ebx, [ticks]
	mov eax, [mode]
	shl eax, 1
	or al, 0x30                     ; counter 0, lobyte/hibyte, mode, binary
	out 0x43, al
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	add eax, esi
	adc edx, edi
	mov [t_end], eax
	mov [t_end + 4], edx
	mov eax, [reload]
	out 0x40, al
	mov al, ah
	out 0x40, al
	sti
.wait:
	pause
	rdtsc
	sub eax, [t_end]
	sbb edx, [t_end + 4]
	js .wait
	cli
	call pic_mask_all
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov ecx, [ticks]
	sub ecx, ebx
	mov [count], ecx
	div dword [tsc_100us]           ; 100 us slots in the window
	mov [slots], eax
	mov ecx, eax
	xor edx, edx
	mov ebx, 10
	div ebx
	lea eax, [ecx + eax + 4]        ; slots + 10% + 4
	mov [limit], eax

	mov esi, msg_mode               ; "mode M reload R: C IRQ0 in S slots of 100 us"
	call puts
	mov eax, [mode]
	call put_dec
	mov esi, msg_reload
	call puts
	mov eax, [reload]
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
	cmp eax, [limit]
	PASS_IF be
	mov esi, case_floor
	call report_got

	mov eax, [mode]
	cmp eax, 2
	je .periodic
	cmp eax, 3
	je .periodic
	cmp dword [count], 2
	PASS_IF be
	mov esi, case_oneshot
	call report_got
	popad
	ret
.periodic:
	; Arrival is checked with reload 1 only: reload 0 is a 55 ms period in
	; a 60 ms window, so whether its IRQ0 lands inside depends on the phase
	; and, on a loaded host, on when the vCPU ran (CI saw none once).
	cmp dword [reload], 1
	jne .done
	cmp dword [count], 0
	PASS_IF a
	mov esi, case_periodic
	call report_got
.done:
	popad
	ret

; IRQ0 (the PIC's vector 0x20 through LINT0 ExtINT): counts; once the TSC
; is past [t_end] masks IRQ0 and stops counter 0; non-specific EOI to the
; master 8259.
pit_isr:
	push eax
	push edx
	inc dword [ticks]
	rdtsc
	sub eax, [t_end]
	sbb edx, [t_end + 4]
	js .eoi
	mov al, 0xff                    ; IRQ0 masked
	out 0x21, al
	mov al, 0x30                    ; and counter 0 stopped: a control word
	out 0x43, al                    ; without a count (no edge, no deadline)
.eoi:
	mov al, 0x20
	out 0x20, al
	pop edx
	pop eax
	iretd

pic_init:                               ; ICW1-ICW4 (IRQ0 = 0x20), all masked
	mov al, 0x11
	out 0x20, al
	out 0xa0, al
	mov al, V_PIC
	out 0x21, al
	mov al, V_PIC + 8
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

pit0_stop:                              ; mode 0, count 0xFFFF: OUT0 low for 55 ms
	mov al, 0x30
	out 0x43, al
	mov al, 0xff
	out 0x40, al
	out 0x40, al
	ret

align 4
tsc_100us: dd 0
mode:      dd 0
reload:    dd 0
window_ms: dd 0
ticks:     dd 0
count:     dd 0
slots:     dd 0
limit:     dd 0
t0:        dq 0
t_end:     dq 0

msg_hello:     db "pit-reload-storm: PIT counter 0, modes 0-5, reload 1 and 0", 13, 10, 0
msg_norate:    db "FAIL no TSC kHz in CPUID 0x40000010: no time base", 13, 10, 0
msg_mode:      db "mode ", 0
msg_reload:    db " reload ", 0
msg_count:     db ": ", 0
msg_in:        db " IRQ0 in ", 0
msg_slots:     db " slots of 100 us", 13, 10, 0
case_floor:    db "IRQ0 at most once per 100 us (+10%)", 0
case_periodic: db "periodic mode: IRQ0 arrives", 0
case_oneshot:  db "one-shot mode: IRQ0 at most twice", 0
