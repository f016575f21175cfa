; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: the legacy PC devices of a VM as one vCPU sees them
; (kind=flat load=0x100000 mode=prot32 mem=16M cpus=1): the 8259A pair and
; the local APIC's LINT0 as ExtINT, the 8254 PIT (counter 0 on IRQ0,
; counter 2 with port 0x61), the CMOS RTC (time, UIP, periodic IRQ8), the
; I/O APIC (version, entries, edge and level pins, physical and logical
; destinations, remote IRR and EOI), COM1's receive interrupt, the ACPI PM
; timer, PCI configuration mechanism #1 with no devices and port 0x80. One
; "PASS/FAIL/SKIP pc: <case>" line per case, the failure count as the
; result (debug exit); a FAIL is followed by "  got 0xHI_LO, vector 0xV".
;
; Plain lines, for the integration test:
;   "pc: rtc YYYY-MM-DD HH:MM:SS"  the RTC's date and time (UTC under
;                                  svmvisor), compared with the host clock
;   "pc: type a key"               then up to 20 s (TSC) for a byte on COM1;
;   "pc: got key 0xNN"             the byte the interrupt handler read
;   "pc: IOAPIC version 0x...", "pc: PIT calibration: TSC ... kHz",
;   "pc: ACPI PM base 0x..."       facts, not checked by anybody
;
; SKIP instead of PASS/FAIL, only for the four rate checks (the PIT IRQ0
; rate, the PIT counter 2 calibration against CPUID, the RTC periodic rate,
; the PM timer rate):
;   - when CPUID 0x40000010 gives no TSC kHz (EAX; that is, outside
;     svmvisor, unless built with BARE_TSC_KHZ, below);
;   - when the host disturbed every try: interrupt counts over 3 windows of
;     100 ms, each with an interval between two interrupts longer than 1.5
;     periods or a jump of over a period in the TSC, and with the median
;     interval right or the intervals ragged (a steady wrong median is a
;     FAIL: a timer at a wrong rate is judged, not skipped); PIT
;     calibrations whose start and end brackets (TSC around the port
;     accesses) were all wider than 0.5% of the 10 ms; PM timer reads all
;     bracketed wider than 125 us in 3 windows.
; Every wait is bounded by the TSC (an assumed 3 GHz when its rate is not
; known), so a missing interrupt is a FAIL.
;
; The I/O APIC cases run with both 8259s masked (IMR 0xFF) so that no IRQ
; also arrives through ExtINT. Interrupt handlers EOI the local APIC
; (irq_common in apic.inc); the PIC's vector 0x20 also EOIs the 8259.
;
; Bare QEMU (the reference; -machine q35 or pc, both have the ACPI PM block
; at 0x600 with SeaBIOS; with BARE the guest reads the PM base from the
; ICH9 LPC or PIIX4 PM function's PCI configuration anyway):
;   nasm -f bin -DBARE -o pc32-bare.bin guests/pc32.asm
;   (sleep 8; printf x; sleep 60) | qemu-system-x86_64 -machine q35 -accel tcg \
;       -cpu max -smp 1 -m 64M -serial stdio -display none \
;       -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel pc32-bare.bin
; (the printf types the key for the COM1 case; QEMU's exit status is
; failures * 2 + 1). To run the rate checks there too, give the host's TSC
; rate: -DBARE_TSC_KHZ=<kHz> (QEMU's TCG reads the host TSC; its PIT, RTC
; and PM timer run on the host clock).
org 0x100000
%define VCPU_HELPERS
%define PC_HELPERS
%include "guests/bare.inc"
%include "guests/lib32.inc"
%include "guests/apic.inc"

V_PIC      equ 0x20                     ; ICW2 master: IRQ0 = 0x20
V_PIN2     equ 0x42                     ; PIT through I/O APIC pin 2
V_COM1     equ 0x44                     ; COM1 through pin 4
V_RTC      equ 0x48                     ; RTC through pin 8

PIT_RELOAD_1KHZ equ 1193                ; 1193182 / 1193 = 1000.15 Hz
CAL_LATCH  equ 11932                    ; 10 ms of 1193182 Hz, as Linux
CAL_PIT_HZ equ 1193182
RTC_A_1024 equ 0x26                     ; divider 010, RS 6: 1024 Hz
RTC_A_2    equ 0x2f                     ; RS 15: 2 Hz (500 ms)
RTC_PIE    equ 0x40
KEY_WAIT_MS equ 20000
RTE_PIN    equ 23                       ; the entry the round trip uses
CAL_TRIES  equ 5

%define NO_TSC "no TSC kHz in CPUID 0x40000010"
%define DISTURBED "the host held the vCPU up in every try"
%define HELD_UP "ticks late or missed in 3 windows (the host held the vCPU or the timer up)"
%define CASE_PIT_RATE "pc: PIT IRQ0 rate 1000 Hz (+-5%) over 100 ms of TSC"
%define CASE_CAL "pc: PIT counter 2 calibration (10 ms) gives the CPUID 0x40000010 TSC kHz (+-1%)"
%define CASE_RTC_RATE "pc: RTC periodic interrupt rate 1024 Hz (+-10%) over 100 ms of TSC"
%define CASE_PM_RATE "pc: ACPI PM timer rate 3.579545 MHz (+-1%) over 50 ms of TSC"

%macro TSC_KNOWN 0                      ; ZF clear when the TSC rate is known
	cmp dword [tsc_khz], 0
%endmacro

%macro PASS_IF 1                        ; ZF set when condition code %1 holds
	set%-1 al
	test al, al
%endmacro

; The boot processor's local APIC as firmware leaves it (MP Specification
; 1.4, virtual wire mode): software-enabled, LINT0 unmasked ExtINT, LINT1
; unmasked NMI; values read at entry.
virtual_wire_case:
	mov eax, [vw_lint0]
	and eax, LVT_MASKED | 0x700
	cmp eax, 0x700
	jne .done
	mov eax, [vw_lint1]
	and eax, LVT_MASKED | 0x700
	cmp eax, 0x400
	jne .done
	mov eax, [vw_svr]
	and eax, 0x100
	cmp eax, 0x100
.done:
	GOT [vw_lint0]
	REPORT "pc: vcpu0's local APIC starts in virtual wire mode (SVR enabled, LINT0 ExtINT, LINT1 NMI)"
	ret

main:
	call apic_guest_init
	mov eax, [APIC + APIC_LVT_LINT0] ; as the machine left them, before
	mov [vw_lint0], eax             ; apic_setup masks LINT0
	mov eax, [APIC + 0x360]         ; LVT LINT1
	mov [vw_lint1], eax
	mov eax, [APIC + APIC_SVR]
	mov [vw_svr], eax
%ifdef BARE_TSC_KHZ
	mov dword [tsc_khz], BARE_TSC_KHZ
	mov dword [tsc_per_ms], BARE_TSC_KHZ
%endif
	call apic_setup
	call pm_find
	mov esi, msg_hello
	call puts
	cmp dword [on_svmvisor], 0
	je .bare
	SAY "pc32: under svmvisor"
	jmp .go
.bare:
	SAY "pc32: not under svmvisor"
.go:
	call virtual_wire_case
	call pic_cases
	call pit_cases
	call pit2_cases
	call rtc_cases
	call uip_case
	call ioapic_cases
	call pin2_case
	call rtc_irq_cases
	call level_cases
	call uart_case
	call pm_cases
	call pci_cases
	cli
	ret

; --- small helpers ------------------------------------------------------------
; ZF set when |EAX - ECX| * 100 <= ECX * EDX (EAX within EDX percent of ECX).
within_pct:
	pushad
	mov ebx, edx
	sub eax, ecx
	jns .abs
	neg eax
.abs:
	mov esi, 100                    ; 64-bit products: no overflow
	mul esi
	mov esi, eax
	mov edi, edx                    ; EDI:ESI = the difference * 100
	mov eax, ecx
	mul ebx                         ; EDX:EAX = ECX * percent
	cmp edi, edx
	ja .no
	jb .yes
	cmp esi, eax
	ja .no
.yes:
	xor eax, eax
	popad
	ret
.no:
	or eax, 1
	popad
	ret

; ESI = a counter, EAX = ms of TSC: EAX = how much it grew meanwhile.
count_over:
	push ebx
	mov ebx, [esi]
	call wait_ms
	mov eax, [esi]
	sub eax, ebx
	pop ebx
	ret

; ESI = an interrupt counter, EDI = its vector, EAX = ms of TSC, [rc_period]
; = the period expected (TSC ticks): EAX = how much the counter grew
; meanwhile with interrupts on (off again at the end). Also [rw_n] = the
; intervals between two arrivals seen (the first RW_MAX kept in rw_iv),
; [rw_long] = those longer than 1.5 periods (a tick missed: the host held
; the vCPU, or the timer behind the device, up), [rw_gap] = the longest
; time between two looks at the TSC (held up near the window's ends shows
; only there).
RW_MAX equ 256
rate_window:
	pushad
	mov ebx, [esi]
	mov [rw_start], ebx
	mov [rw_seen], ebx
	call set_deadline
	xor eax, eax
	mov [rw_n], eax
	mov [rw_long], eax
	mov [rw_gap], eax
	mov [rw_have], eax
	mov eax, [rc_period]
	mov ecx, eax
	shr ecx, 1
	add eax, ecx
	mov [rw_limit], eax
	rdtsc
	mov ebp, eax                    ; the last look (low half)
	sti
.spin:
	pause
	rdtsc
	mov ecx, eax
	sub ecx, ebp
	mov ebp, eax
	cmp ecx, [rw_gap]
	jbe .short
	mov [rw_gap], ecx
.short:
	cli                             ; the count and its TSC together
	mov ecx, [esi]
	mov ebx, [irq_tsc + edi * 8]
	sti
	mov edx, ecx
	sub edx, [rw_seen]
	jz .more
	mov [rw_seen], ecx
	cmp dword [rw_have], 0
	je .first
	cmp edx, 1
	je .one
	add [rw_n], edx                 ; several at once: no interval to time
	jmp .first
.one:
	mov edx, ebx
	sub edx, [rw_prev]
	mov ecx, [rw_n]
	inc dword [rw_n]
	cmp ecx, RW_MAX
	jae .kept
	mov [rw_iv + ecx * 4], edx
.kept:
	cmp edx, [rw_limit]
	jbe .first
	inc dword [rw_long]
.first:
	mov [rw_prev], ebx
	mov dword [rw_have], 1
.more:
	rdtsc
	sub eax, [deadline]
	sbb edx, [deadline + 4]
	js .spin
	cli
	mov eax, [esi]
	sub eax, [rw_start]
	mov [esp + 28], eax             ; EAX after POPAD
	popad
	ret

; EAX = the median of the intervals rate_window kept (0: none); [rw_q1],
; [rw_q3] = the first and third quartiles.
rw_median:
	pushad
	mov ecx, [rw_n]
	cmp ecx, RW_MAX
	jbe .n
	mov ecx, RW_MAX
.n:
	xor eax, eax
	test ecx, ecx
	jz .done
	mov esi, 1                      ; insertion sort, ascending
.outer:
	cmp esi, ecx
	jae .sorted
	mov eax, [rw_iv + esi * 4]
	mov edi, esi
.inner:
	test edi, edi
	jz .place
	mov edx, [rw_iv + edi * 4 - 4]
	cmp edx, eax
	jbe .place
	mov [rw_iv + edi * 4], edx
	dec edi
	jmp .inner
.place:
	mov [rw_iv + edi * 4], eax
	inc esi
	jmp .outer
.sorted:
	mov edx, ecx
	shr edx, 2
	mov eax, [rw_iv + edx * 4]
	mov [rw_q1], eax
	lea edx, [ecx * 3]
	shr edx, 2
	mov eax, [rw_iv + edx * 4]
	mov [rw_q3], eax
	shr ecx, 1
	mov eax, [rw_iv + ecx * 4]
.done:
	mov [esp + 28], eax
	popad
	ret

; ESI = an interrupt counter, EDI = its vector, EAX = ms, EBX = the rate
; (Hz), ECX = the count expected in those ms, EDX = percent. Up to 3
; windows. One in which the TSC jumped by over a period between two polls
; (the host did not run the vCPU: a loaded TCG host) is never judged: the
; next window. One with no interval longer than 1.5 periods is judged by
; its count. One with longer intervals by the median of its intervals:
; within EDX percent (the timer is right, the host delayed some ticks), or
; off but ragged (the quartiles more than 10% of the median apart: the
; host's doing), the next window; off and steady (a timer at a wrong
; rate), a FAIL. With fewer than two intervals the count judges. AL = 0
; within, 1 not, 2 the 3 windows were disturbed. GOT: the count (low), the
; median interval in TSC ticks (high).
rate_check:
	push ebx
	push ecx
	push edx
	mov [rc_ms], eax
	mov [rc_expected], ecx
	mov [rc_pct], edx
	mov eax, [tsc_per_ms]           ; the period: TSC ticks per second / Hz
	mov ecx, 1000
	mul ecx
	div ebx
	mov [rc_period], eax
	mov ebx, 3
.try:
	mov eax, [rc_ms]
	call rate_window
	mov [got_lo], eax
	call rw_median
	mov [got_hi], eax
%ifdef DEBUG_RATE
	pushad
	mov eax, [got_lo]
	call puthex32
	mov eax, [rw_n]
	call puthex32
	mov eax, [rw_long]
	call puthex32
	mov eax, [rw_q1]
	call puthex32
	mov eax, [got_hi]
	call puthex32
	mov eax, [rw_q3]
	call puthex32
	mov esi, msg_nl
	call puts
	popad
%endif
	mov ecx, [rc_period]            ; the TSC jumped by over a period between
	cmp [rw_gap], ecx               ; two polls: the host did not run the
	ja .next                        ; vCPU (a loaded TCG host): another window
	cmp dword [rw_long], 0
	je .judge                       ; undisturbed
	cmp dword [rw_n], 2             ; late ticks while the vCPU ran
	jb .judge
.median:
	mov ecx, [rc_period]
	mov edx, [rc_pct]
	call within_pct
	jz .next                        ; the median is right: try again
	mov ecx, [rw_q3]                ; wrong: steady (quartiles within 10%
	sub ecx, [rw_q1]                ; of the median) is a timer at a wrong
	imul ecx, ecx, 10               ; rate; ragged is the host's doing
	cmp ecx, eax
	jbe .fail
.next:
	dec ebx
	jnz .try
	mov al, 2
	jmp .done
.fail:
	mov al, 1
	jmp .done
.judge:
	mov eax, [got_lo]
	mov ecx, [rc_expected]
	mov edx, [rc_pct]
	call within_pct
	setnz al
.done:
	pop edx
	pop ecx
	pop ebx
	ret

; Wait with interrupts enabled for EAX ms (in-flight interrupts land), then
; disable them again.
drain_ms:
	sti
	call wait_ms
	cli
	ret

; EAX = ms: [deadline] = now + EAX ms of TSC.
set_deadline:
	pushad
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	add eax, esi
	adc edx, edi
	mov [deadline], eax
	mov [deadline + 4], edx
	popad
	ret

; CF set while [deadline] lies ahead.
before_deadline:
	push eax
	push edx
	rdtsc
	sub eax, [deadline]
	sbb edx, [deadline + 4]
	pop edx
	pop eax
	ret

; AL -> two hex digits at [EDI], EDI += 2.
hex2:
	push eax
	push ebx
	movzx ebx, al
	shr ebx, 4
	mov bl, [hexdigits + ebx]
	mov [edi], bl
	movzx ebx, al
	and ebx, 15
	mov bl, [hexdigits + ebx]
	mov [edi + 1], bl
	add edi, 2
	pop ebx
	pop eax
	ret

; EAX = the local APIC's physical destination (ID << 24).
own_dest:
	mov eax, [cpuid_apic_id]
	shl eax, 24
	ret

hook_pic_eoi:                           ; 8259 IRQ0 (master): non-specific EOI
	mov al, 0x20
	out 0x20, al
	ret

pic_init:                               ; as Linux: ICW1-ICW4, then all masked
	mov al, 0x11                    ; ICW1: edge, cascade, ICW4 follows
	out 0x20, al
	out 0xa0, al
	mov al, V_PIC                   ; ICW2: vector bases
	out 0x21, al
	mov al, V_PIC + 8
	out 0xa1, al
	mov al, 4                       ; ICW3: slave on IRQ2 / slave ID 2
	out 0x21, al
	mov al, 2
	out 0xa1, al
	mov al, 1                       ; ICW4: 8086 mode, normal EOI
	out 0x21, al
	out 0xa1, al
	ret

pic_mask_all:
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	ret

; Counter 0: mode 2 at 1000 Hz / mode 0 with a long count (one edge after
; 55 ms, then none: a stopped timer as far as interrupts go).
pit0_1khz:
	mov al, 0x34                    ; counter 0, lobyte/hibyte, mode 2, binary
	out 0x43, al
	mov al, PIT_RELOAD_1KHZ & 0xff
	out 0x40, al
	mov al, PIT_RELOAD_1KHZ >> 8
	out 0x40, al
	ret

pit0_stop:
	mov al, 0x30                    ; counter 0, lobyte/hibyte, mode 0
	out 0x43, al
	mov al, 0xff
	out 0x40, al
	out 0x40, al
	ret

; --- 1. the 8259A pair ----------------------------------------------------------
pic_cases:
	cli
	call pic_init
	mov al, 0xa5
	out 0x21, al
	mov al, 0x5a
	out 0xa1, al
	in al, 0xa1
	mov ah, al
	in al, 0x21
	movzx eax, ax
	GOT eax
	cmp eax, 0x5aa5
	REPORT "pc: PIC IMR reads back (master 0xA5, slave 0x5A) after ICW1-ICW4 (0x11, 0x20/0x28, 4/2, 1)"
	call pic_mask_all

	mov al, 0x0b                    ; OCW3: read ISR
	out 0x20, al
	out 0xa0, al
	in al, 0xa0
	mov ah, al
	in al, 0x20
	movzx eax, ax
	GOT eax
	test eax, eax
	REPORT "pc: PIC ISR reads 0 through OCW3 (0x0B) with nothing in service"

	; a PIT mode 0 count of 100 (84 us): OUT0 rises at the terminal count;
	; IRQ0 is masked, so the request waits in IRR
	mov al, 0x30
	out 0x43, al
	mov al, 100
	out 0x40, al
	xor al, al
	out 0x40, al
	mov eax, 5
	call wait_ms
	mov al, 0x0a                    ; OCW3: read IRR
	out 0x20, al
	in al, 0x20
	movzx eax, al
	GOT eax
	test al, 1
	PASS_IF nz
	REPORT "pc: PIC IRR bit 0 (OCW3 0x0A) set by a PIT terminal count with IRQ0 masked"
	ret

; --- 2, 3. PIT counter 0 through the PIC and LINT0 ExtINT ------------------------
pit_cases:
	cli
	mov dword [irq_hook + V_PIC * 4], hook_pic_eoi
	mov dword [APIC + APIC_LVT_LINT0], LVT_EXTINT
	call pit0_1khz
	mov al, 0xfe                    ; IRQ0 only
	out 0x21, al
	mov esi, irq_count + V_PIC * 4
	mov eax, [esi]
	add eax, 5
	mov ecx, 1000
	sti
	call wait_ge
	GOT [irq_count + V_PIC * 4]
	REPORT "pc: PIT IRQ0 at 1000 Hz (mode 2) arrives through the PIC and LINT0 ExtINT (vector 0x20)"

	mov al, 0xff                    ; IRQ0 masked in the IMR
	out 0x21, al
	mov eax, 2                      ; one in flight may still land
	call wait_ms
	mov esi, irq_count + V_PIC * 4
	mov eax, 20
	call count_over
	GOT eax
	test eax, eax
	REPORT "pc: IRQ0 masked in the IMR: no interrupt within 20 ms"

	mov esi, irq_count + V_PIC * 4
	mov eax, [esi]
	add eax, 3
	push eax
	mov al, 0xfe
	out 0x21, al
	pop eax
	mov ecx, 500
	call wait_ge
	GOT [irq_count + V_PIC * 4]
	REPORT "pc: IRQ0 unmasked again: interrupts resume"

	TSC_KNOWN
	jz .rate_skip
	mov esi, irq_count + V_PIC * 4
	mov edi, V_PIC
	mov eax, 100
	mov ebx, 1000
	mov ecx, 100                    ; 1000 Hz * 100 ms
	mov edx, 5
	call rate_check
	cmp al, 2
	je .rate_disturbed
	test al, al
	REPORT CASE_PIT_RATE
	jmp .rate_done
.rate_disturbed:
	SKIPCASE CASE_PIT_RATE, HELD_UP
	jmp .rate_done
.rate_skip:
	SKIPCASE CASE_PIT_RATE, NO_TSC
.rate_done:
	cli
	call pic_mask_all
	call pit0_stop
	mov eax, 2
	call drain_ms
	ret

; --- 4. PIT counter 2 and port 0x61 ------------------------------------------
gate2_on:                               ; gate 2 on, speaker off (as Linux)
	in al, 0x61
	and al, ~0x02
	or al, 0x01
	out 0x61, al
	ret

latch2:                                 ; EAX = counter 2's latched count
	mov al, 0x80                    ; counter latch command, counter 2
	out 0x43, al
	in al, 0x42
	mov ah, al
	in al, 0x42
	xchg al, ah
	movzx eax, ax
	ret

pit2_cases:
	cli
	call gate2_on
	mov al, 0xb0                    ; counter 2, lobyte/hibyte, mode 0, binary
	out 0x43, al
	mov al, 0xff
	out 0x42, al
	out 0x42, al
	mov eax, 1
	call wait_ms
	call latch2
	mov ebx, eax
	mov eax, 1
	call wait_ms
	call latch2
	mov ecx, eax
	mov eax, 1
	call wait_ms
	call latch2
	mov edx, eax
	mov [got_hi], ebx
	mov eax, ecx
	shl eax, 16
	or eax, edx
	mov [got_lo], eax
	cmp ebx, 0xffff                 ; counted since the load
	jae .dec_bad
	cmp ecx, ebx
	jae .dec_bad
	cmp edx, ecx
	jae .dec_bad
	xor eax, eax
	jmp .dec
.dec_bad:
	or eax, 1
.dec:
	REPORT "pc: PIT counter 2 latch command (0x80) reads decreasing counts 1 ms apart"

	; Linux's calibration: mode 0 with 11932 (10 ms), poll OUT2 in port
	; 0x61 bit 5, each try bounded by 50 ms. Each try brackets the start
	; (the TSC around the count's second byte) and the rise (the TSC before
	; the last poll that read low, after the one that read high); the try
	; with the narrowest brackets counts, from their midpoints.
	mov dword [cal_unc], 0xffffffff
	mov dword [cal_low_first], 1
	mov dword [cal_rose], 1
	mov ebx, CAL_TRIES
.cal:
	call cal_once
	dec ebx
	jnz .cal
	mov eax, [cal_delta]
	GOT eax
	mov eax, [cal_unc]
	mov [got_hi], eax
	mov eax, [cal_low_first]
	and eax, [cal_rose]
	cmp eax, 1
	REPORT "pc: PIT counter 2 OUT (port 0x61 bit 5) low after the mode 0 load, high within 50 ms"
	in al, 0x61                     ; gate 2 off
	and al, ~0x03
	out 0x61, al

	cmp dword [cal_rose], 0
	je .no_khz
	mov eax, [cal_delta]            ; kHz = ticks * 1193182 / (11932 * 1000)
	mov ecx, CAL_PIT_HZ
	mul ecx
	mov ecx, CAL_LATCH * 1000
	cmp edx, ecx
	jae .no_khz
	div ecx
	mov [cal_khz], eax
	mov esi, msg_cal
	call puts
	call putdec
	mov esi, msg_khz
	call puts
.no_khz:
	TSC_KNOWN
	jz .cal_skip
	cmp dword [cal_rose], 0
	je .cal_report                  ; ZF clear: a FAIL
	mov eax, [cal_unc]              ; brackets wider than 0.5% of the time:
	mov ecx, 200                    ; the host held the vCPU up in every try
	mul ecx
	jc .cal_disturbed
	cmp eax, [cal_delta]
	ja .cal_disturbed
	mov eax, [cal_khz]
	GOT eax
	mov ecx, [tsc_khz]
	mov [got_hi], ecx
	mov edx, 1
	call within_pct
.cal_report:
	REPORT CASE_CAL
	ret
.cal_disturbed:
	SKIPCASE CASE_CAL, DISTURBED
	ret
.cal_skip:
	SKIPCASE CASE_CAL, NO_TSC
	ret

cal_once:
	pushad
	call gate2_on
	mov al, 0xb0                    ; counter 2, lobyte/hibyte, mode 0, binary
	out 0x43, al
	mov al, CAL_LATCH & 0xff
	out 0x42, al
	rdtsc
	mov esi, eax                    ; before the start
	mov al, CAL_LATCH >> 8
	out 0x42, al                    ; counting starts
	rdtsc
	mov edi, eax                    ; after the start
	mov ebp, eax                    ; before the last poll that read low
	in al, 0x61
	test al, 0x20
	jz .low
	mov dword [cal_low_first], 0
.low:
	mov eax, 50
	call set_deadline
.poll:
	rdtsc
	mov ebx, eax
	in al, 0x61
	test al, 0x20
	jnz .high
	mov ebp, ebx
	call before_deadline
	jc .poll
	mov dword [cal_rose], 0
	popad
	ret
.high:
	rdtsc                           ; rise in [EBP, EAX], start in [ESI, EDI]
	sub eax, esi                    ; the longest it can have taken
	sub ebp, edi                    ; the shortest
	mov ecx, eax
	sub ecx, ebp                    ; the uncertainty
	cmp ecx, [cal_unc]
	jae .done
	mov [cal_unc], ecx
	add eax, ebp
	rcr eax, 1                      ; the midpoint (a carry out of the sum kept)
	mov [cal_delta], eax
.done:
	popad
	ret

; --- 5, 6. the RTC: time and date, UIP -------------------------------------------
; Waits (bounded: 20 ms) until register A's UIP is clear.
uip_wait_clear:
	push eax
	mov eax, 20
	call set_deadline
.poll:
	mov al, 0x0a
	call cmos_read
	test al, 0x80
	jz .done
	call before_deadline
	jc .poll
.done:
	pop eax
	ret

; rtc_now[0..6] = seconds, minutes, hours, day, month, year, century as
; read after UIP cleared; twice until two reads agree (at most 4 tries).
rtc_time:
	pushad
	mov ebx, 4
.again:
	call uip_wait_clear
	mov edi, rtc_now
	call .read
	call uip_wait_clear
	mov edi, rtc_again
	call .read
	mov eax, [rtc_now]
	cmp eax, [rtc_again]
	jne .differ
	mov eax, [rtc_now + 4]
	cmp eax, [rtc_again + 4]
	je .done
.differ:
	dec ebx
	jnz .again
.done:
	popad
	ret
.read:
	mov esi, rtc_regs
	mov ecx, 7
.reg:
	lodsb
	call cmos_read
	stosb
	dec ecx
	jnz .reg
	ret

; AL = a BCD byte, BL/BH = its binary minimum/maximum: AL = its value;
; [rtc_bad] set when it is no BCD or out of range.
bcd_value:
	push ecx
	mov cl, al
	and cl, 0x0f
	cmp cl, 9
	ja .bad
	mov ch, al
	shr ch, 4
	cmp ch, 9
	ja .bad
	mov al, ch
	mov ch, 10
	mul ch
	add al, cl
	cmp al, bl
	jb .bad
	cmp al, bh
	ja .bad
	pop ecx
	ret
.bad:
	mov dword [rtc_bad], 1
	pop ecx
	ret

rtc_cases:
	cli
	call rtc_time
	mov edi, rtc_line + 8           ; "pc: rtc CCYY-MM-DD HH:MM:SS"
	mov al, [rtc_now + 6]
	call hex2
	mov al, [rtc_now + 5]
	call hex2
	inc edi
	mov al, [rtc_now + 4]
	call hex2
	inc edi
	mov al, [rtc_now + 3]
	call hex2
	inc edi
	mov al, [rtc_now + 2]
	call hex2
	inc edi
	mov al, [rtc_now + 1]
	call hex2
	inc edi
	mov al, [rtc_now]
	call hex2
	mov esi, rtc_line
	call puts

	mov dword [rtc_bad], 0
	mov al, 0x0b                    ; register B: BCD (DM 0), 24-hour
	call cmos_read
	mov [rtc_b], al
	and al, 0x06
	cmp al, 0x02
	je .b_ok
	mov dword [rtc_bad], 1
.b_ok:
	mov al, [rtc_now]
	mov bx, 59 << 8
	call bcd_value
	mov al, [rtc_now + 1]
	call bcd_value
	mov al, [rtc_now + 2]
	mov bx, 23 << 8
	call bcd_value
	mov al, [rtc_now + 3]
	mov bx, (31 << 8) | 1
	call bcd_value
	mov al, [rtc_now + 4]
	mov bx, (12 << 8) | 1
	call bcd_value
	mov al, [rtc_now + 5]
	mov bx, 99 << 8
	call bcd_value
	movzx ecx, al
	mov al, [rtc_now + 6]
	mov bx, (99 << 8) | 19
	call bcd_value
	movzx eax, al
	imul eax, eax, 100
	add eax, ecx
	cmp eax, 2024
	jae .year_ok
	mov dword [rtc_bad], 1
.year_ok:
	mov eax, [rtc_now + 3]          ; day month year century
	mov [got_hi], eax
	movzx eax, byte [rtc_b]
	shl eax, 24
	mov al, [rtc_now + 2]
	shl eax, 8
	mov al, [rtc_now + 1]
	shl eax, 8
	mov al, [rtc_now]
	mov [got_lo], eax
	cmp dword [rtc_bad], 0
	REPORT "pc: RTC time and date are valid BCD in 24-hour mode (register B 0x02), year >= 2024"
	ret

; Within 1.1 s of polling register A (2 s while the TSC rate is a guess),
; UIP reads 1 at least once; when it has cleared again, the seconds differ
; from those read before it. UIP lasts 244 us: a try in which UIP never
; showed but two polls were more than 200 us apart (the host held the vCPU
; up) is repeated, up to 3 tries. GOT: the seconds before/after (low), the
; longest time between two polls in TSC ticks (high; 0 when UIP was seen).
uip_case:
	cli
	mov esi, 3
.try:
	call uip_wait_clear
	mov al, 0
	call cmos_read
	mov bl, al                      ; the seconds before
	mov bh, al
	mov eax, 2000
	TSC_KNOWN
	jz .bound
	mov eax, 1100
.bound:
	call set_deadline
	xor ecx, ecx                    ; the longest gap between two polls
	rdtsc
	mov edi, eax
	mov al, 0x0a                    ; the index once, then reads only
	out CMOS_INDEX, al
.poll:
	in al, CMOS_DATA
	test al, 0x80
	jnz .seen
	rdtsc
	mov edx, eax
	sub edx, edi
	mov edi, eax
	cmp edx, ecx
	jbe .short
	mov ecx, edx
.short:
	call before_deadline
	jc .poll
	mov eax, [tsc_per_ms]           ; 200 us
	xor edx, edx
	push ecx
	mov ecx, 5
	div ecx
	pop ecx
	cmp ecx, eax
	jbe .verdict                    ; polled densely throughout: a FAIL
	dec esi
	jnz .try
	jmp .verdict
.seen:
	xor ecx, ecx
	call uip_wait_clear
	mov al, 0
	call cmos_read
	mov bh, al                      ; the seconds after
	cmp bl, bh
	jne .verdict                    ; ECX = 0: a PASS
	or ecx, 0xffffffff              ; the seconds did not change
.verdict:
	movzx eax, bx
	mov [got_lo], eax
	mov [got_hi], ecx
	test ecx, ecx
	REPORT "pc: RTC UIP (register A bit 7) set within 1.1 s of polling; the seconds changed once it cleared"
	ret

; --- 7. the I/O APIC's registers -------------------------------------------------
ioapic_cases:
	cli
	call pic_mask_all               ; for every I/O APIC case
	mov ecx, IOAPIC_VER
	call ioapic_read
	mov [ioapic_version], eax
	mov esi, msg_iover
	call puts
	call puthex32
	mov esi, msg_nl
	call puts
	mov eax, [ioapic_version]
	GOT eax
	cmp dword [on_svmvisor], 0
	je .bare
	cmp eax, 0x00170020
	jmp .ver
.bare:
	and eax, 0x00ff0000
	cmp eax, 0x00170000
.ver:
	REPORT "pc: IOAPIC version register: max redirection entry 23 (0x00170020 under svmvisor)"

	xor ebx, ebx                    ; entries with the mask bit clear
	xor edx, edx
.pin:
	lea ecx, [IOAPIC_RTE + edx * 2]
	call ioapic_read
	test eax, RTE_MASKED
	jnz .masked
	bts ebx, edx
.masked:
	inc edx
	cmp edx, 24
	jb .pin
	GOT ebx
	test ebx, ebx
	REPORT "pc: IOAPIC all 24 redirection entries masked at start"

	mov ecx, RTE_PIN
	mov eax, RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW | RTE_LOGICAL | 0x5a
	mov edx, 0x5a000000
	call ioapic_rte
	mov ecx, IOAPIC_RTE + RTE_PIN * 2 + 1
	call ioapic_read
	mov [got_hi], eax
	mov ebx, eax
	dec ecx
	call ioapic_read
	mov [got_lo], eax
	cmp ebx, 0x5a000000
	jne .rte
	cmp eax, RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW | RTE_LOGICAL | 0x5a
.rte:
	REPORT "pc: IOAPIC redirection entry 23 round-trips (0x5A000000_0001A85A)"
	mov ecx, RTE_PIN
	mov eax, RTE_MASKED
	xor edx, edx
	call ioapic_rte
	ret

; --- PIT counter 0 through I/O APIC pin 2 (ISA IRQ0's pin) -----------------------
pin2_case:
	cli
	call own_dest
	mov edx, eax
	mov eax, V_PIN2                 ; fixed, physical, edge, active high
	mov ecx, 2
	call ioapic_rte
	call pit0_1khz
	mov esi, irq_count + V_PIN2 * 4
	mov eax, [esi]
	add eax, 3
	mov ecx, 500
	sti
	call wait_ge
	GOT [irq_count + V_PIN2 * 4]
	REPORT "pc: PIT IRQ0 arrives on IOAPIC pin 2 (edge, physical destination, vector 0x42)"
	cli
	mov ecx, 2
	mov eax, RTE_MASKED
	xor edx, edx
	call ioapic_rte
	call pit0_stop
	mov eax, 2
	call drain_ms
	ret

; --- 8, 9. the RTC's periodic interrupt through pin 8, edge ------------------
; AL = register A: the periodic rate; clears C, then sets PIE.
rtc_periodic_on:
	pushad
	mov ah, al
	mov al, 0x0a
	call cmos_write
	mov al, 0x0c
	call cmos_read
	mov al, 0x0b
	call cmos_read
	or al, RTC_PIE
	mov ah, al
	mov al, 0x0b
	call cmos_write
	popad
	ret

; PIE off, C read (IRQ8 low), pin 8 masked; then 5 ms with interrupts on
; for one in flight.
rtc_periodic_off:
	pushad
	cli
	mov al, 0x0b
	call cmos_read
	and al, ~RTC_PIE
	mov ah, al
	mov al, 0x0b
	call cmos_write
	mov al, 0x0c
	call cmos_read
	mov eax, 5
	call drain_ms
	mov ecx, 8
	mov eax, RTE_MASKED
	xor edx, edx
	call ioapic_rte
	popad
	ret

hook_rtc:                               ; read C: IRQ8 goes low
	mov al, 0x0c
	jmp cmos_read

; EDX:EAX = pin 8's entry: the RTC at 1024 Hz through it; ZF set when three
; interrupts arrived within 500 ms.
rtc_three:
	push esi
	push ecx
	mov ecx, 8
	call ioapic_rte
	mov al, RTC_A_1024
	call rtc_periodic_on
	mov esi, irq_count + V_RTC * 4
	mov eax, [esi]
	add eax, 3
	mov ecx, 500
	sti
	call wait_ge
	pop ecx
	pop esi
	ret

rtc_irq_cases:
	cli
	mov dword [irq_hook + V_RTC * 4], hook_rtc
	call own_dest
	mov edx, eax
	mov eax, V_RTC                  ; fixed, physical, edge, active high
	call rtc_three
	GOT [irq_count + V_RTC * 4]
	REPORT "pc: RTC periodic interrupt arrives through IOAPIC pin 8 (edge, physical destination, vector 0x48)"
	TSC_KNOWN
	jz .rate_skip
	mov esi, irq_count + V_RTC * 4
	mov edi, V_RTC
	mov eax, 100
	mov ebx, 1024
	mov ecx, 102                    ; 1024 Hz * 100 ms
	mov edx, 10
	call rate_check
	cmp al, 2
	je .rate_disturbed
	test al, al
	REPORT CASE_RTC_RATE
	jmp .rate_done
.rate_disturbed:
	SKIPCASE CASE_RTC_RATE, HELD_UP
	jmp .rate_done
.rate_skip:
	SKIPCASE CASE_RTC_RATE, NO_TSC
.rate_done:
	call rtc_periodic_off

	; logical flat: DFR flat, LDR bit 0 (logical ID 0x01)
	mov dword [APIC + APIC_DFR], 0xffffffff
	mov dword [APIC + APIC_LDR], 1 << 24
	mov edx, 0x01 << 24
	mov eax, V_RTC | RTE_LOGICAL
	call rtc_three
	GOT [irq_count + V_RTC * 4]
	REPORT "pc: RTC periodic interrupt arrives through IOAPIC pin 8 (logical flat destination 0x01)"
	call rtc_periodic_off
	mov edx, 0x02 << 24             ; a logical destination nobody has
	mov eax, V_RTC | RTE_LOGICAL
	mov ecx, 8
	call ioapic_rte
	mov al, RTC_A_1024
	call rtc_periodic_on
	mov esi, irq_count + V_RTC * 4
	sti
	mov eax, 50
	call count_over
	GOT eax
	test eax, eax
	REPORT "pc: IOAPIC pin 8 with logical destination 0x02 (not this CPU) delivers nothing in 50 ms"
	call rtc_periodic_off
	call apic_setup                 ; DFR flat, LDR back to 1 << (24 + ID)
	ret

; --- 10. level-triggered pin 8 -----------------------------------------------
; First invocation: the entry (remote IRR) and the TSC, C not read, so the
; EOI finds IRQ8 still high; then: the TSC (second), C read.
hook_level:
	inc dword [lvl_calls]
	rdtsc
	cmp dword [lvl_calls], 1
	jne .later
	mov [lvl_t1], eax
	mov [lvl_t1 + 4], edx
	mov ecx, IOAPIC_RTE + 8 * 2
	call ioapic_read
	mov [lvl_rte], eax
	ret
.later:
	cmp dword [lvl_calls], 2
	jne .read
	mov [lvl_t2], eax
	mov [lvl_t2 + 4], edx
.read:
	mov al, 0x0c
	jmp cmos_read

level_cases:
	cli
	mov dword [lvl_calls], 0
	mov dword [irq_hook + V_RTC * 4], hook_level
	call own_dest
	mov edx, eax
	mov eax, V_RTC | RTE_LEVEL      ; fixed, physical, level, active high
	mov ecx, 8
	call ioapic_rte
	mov al, RTC_A_2                 ; 500 ms apart: a second one at once is the EOI's
	call rtc_periodic_on
	mov esi, lvl_calls
	mov eax, 2
	mov ecx, 1500
	sti
	call wait_ge
	cli
	mov eax, [lvl_rte]
	GOT eax
	test eax, RTE_REMOTE_IRR
	PASS_IF nz
	REPORT "pc: level pin 8: remote IRR (entry bit 14) set in the handler before the EOI"

	mov eax, [lvl_t2]               ; the second invocation, 100 ms at most
	mov edx, [lvl_t2 + 4]           ; after the first
	sub eax, [lvl_t1]
	sbb edx, [lvl_t1 + 4]
	mov [got_lo], eax
	mov [got_hi], edx
	cmp dword [lvl_calls], 2
	jb .again_bad
	test edx, edx
	jnz .again_bad
	mov ecx, eax
	mov eax, 100
	mul dword [tsc_per_ms]
	test edx, edx
	jnz .again_ok
	cmp ecx, eax
	jae .again_bad
.again_ok:
	xor eax, eax
	jmp .again
.again_bad:
	or eax, 1
.again:
	REPORT "pc: level pin 8: EOI with IRQ8 still high delivers the vector again at once (< 100 ms, the period is 500 ms)"

	mov ah, RTC_A_1024              ; 1024 Hz: each handler reads C
	mov al, 0x0a
	call cmos_write
	mov eax, 5
	call drain_ms
	sti
	mov esi, irq_count + V_RTC * 4
	mov eax, 100
	call count_over
	cli
	GOT eax
	mov ecx, 102 * 11 / 10 + 3      ; the periodic count + 10% + 3
	TSC_KNOWN
	jnz .bound
	mov ecx, 3 * 102 + 3            ; the window is a guess: 3 times that
.bound:
	cmp eax, 10
	jb .storm_bad
	cmp eax, ecx
	ja .storm_bad
	xor eax, eax
	jmp .storm
.storm_bad:
	or eax, 1
.storm:
	REPORT "pc: level pin 8 at 1024 Hz: no interrupt storm once C is read (100 ms count bounded)"

	call rtc_periodic_off           ; masks pin 8 after the last one
	mov ecx, IOAPIC_RTE + 8 * 2
	call ioapic_read
	GOT eax
	test eax, RTE_REMOTE_IRR
	REPORT "pc: level pin 8: remote IRR clear after the last EOI"
	mov dword [irq_hook + V_RTC * 4], 0
	ret

; --- 11. COM1's receive interrupt through pin 4 --------------------------------
hook_uart:                              ; IIR, then every byte waiting
	mov dx, COM1 + 2
	in al, dx
	mov ecx, 16
.byte:
	mov dx, COM1 + 5
	in al, dx
	test al, 1
	jz .done
	mov dx, COM1
	in al, dx
	cmp dword [key_got], 0
	jne .next
	movzx eax, al
	mov [key], eax
	mov dword [key_got], 1
.next:
	dec ecx
	jnz .byte
.done:
	ret

uart_case:
	cli
	mov ecx, 64                     ; nothing old waiting
.drain:
	mov dx, COM1 + 5
	in al, dx
	test al, 1
	jz .drained
	mov dx, COM1
	in al, dx
	dec ecx
	jnz .drain
.drained:
	mov dx, COM1 + 3                ; DLAB off
	in al, dx
	and al, 0x7f
	out dx, al
	mov dword [key_got], 0
	mov dword [irq_hook + V_COM1 * 4], hook_uart
	call own_dest
	mov edx, eax
	mov eax, V_COM1                 ; fixed, physical, edge, active high
	mov ecx, 4
	call ioapic_rte
	mov dx, COM1 + 1                ; IER: received data available
	mov al, 0x01
	out dx, al
	mov dx, COM1 + 4                ; MCR: DTR, RTS, OUT2
	mov al, 0x0b
	out dx, al
	SAY "pc: type a key"
	mov esi, irq_count + V_COM1 * 4
	mov eax, [esi]
	inc eax
	mov ecx, KEY_WAIT_MS
	sti
	call wait_ge
	cli
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 4
	mov al, 0x03
	out dx, al
	mov ecx, 4
	mov eax, RTE_MASKED
	xor edx, edx
	call ioapic_rte
	cmp dword [key_got], 0
	je .verdict
	mov eax, [key]
	mov edi, key_line + 14
	call hex2
	mov esi, key_line
	call puts
.verdict:
	mov eax, [key_got]
	shl eax, 8
	or eax, [key]
	GOT eax
	mov eax, [irq_count + V_COM1 * 4]
	mov [got_hi], eax
	cmp dword [key_got], 1
	REPORT "pc: COM1 received-data interrupt through IOAPIC pin 4 (edge, vector 0x44) reads the typed key"
	mov dword [irq_hook + V_COM1 * 4], 0
	ret

; --- 12. the ACPI PM timer -----------------------------------------------------------
; EAX = the PM timer, [smp_t] = the TSC in the middle of the read, from the
; best bracketed (RDTSC, IN, RDTSC) of 8; [pm_or] collects the values.
pm_sample:
	pushad
	mov dword [smp_best], 0xffffffff
	mov edx, [pm_base]
	add edx, PM_TMR
	mov ebx, 8
.try:
	push edx
	rdtsc
	mov esi, eax
	mov edi, edx
	pop edx
	in eax, dx
	or [pm_or], eax
	mov ecx, eax
	push edx
	rdtsc
	sub eax, esi
	cmp eax, [smp_best]
	jae .next
	mov [smp_best], eax
	mov [smp_c], ecx
	shr eax, 1
	add eax, esi
	adc edi, 0
	mov [smp_t], eax
	mov [smp_t + 4], edi
.next:
	pop edx
	dec ebx
	jnz .try
	popad
	mov eax, [smp_c]
	ret

; One window: PM timer samples 50 ms of TSC apart: [pm_c0], [pm_c1],
; [pm_t0], [pm_t1], [pm_ticks] (mod 2^24), [pm_wide] = the wider bracket.
pm_window:
	pushad
	call pm_sample
	mov [pm_c0], eax
	mov eax, [smp_t]
	mov edx, [smp_t + 4]
	mov [pm_t0], eax
	mov [pm_t0 + 4], edx
	mov ebx, [smp_best]
	mov eax, 50
	call wait_ms
	call pm_sample
	mov [pm_c1], eax
	mov eax, [smp_t]
	mov edx, [smp_t + 4]
	mov [pm_t1], eax
	mov [pm_t1 + 4], edx
	cmp ebx, [smp_best]
	jae .wide
	mov ebx, [smp_best]
.wide:
	mov [pm_wide], ebx
	mov eax, [pm_c1]
	sub eax, [pm_c0]
	and eax, 0xffffff
	mov [pm_ticks], eax
	popad
	ret

pm_cases:
	cli
	mov esi, msg_pmbase
	call puts
	mov eax, [pm_base]
	call puthex32
	mov esi, msg_nl
	call puts
	mov dword [pm_or], 0
	call pm_window
	GOT [pm_or]
	test dword [pm_or], 0xff000000
	REPORT "pc: ACPI PM timer (port 0x608) is 24 bits wide (bits 31:24 read 0)"
	mov eax, [pm_ticks]
	GOT eax
	cmp eax, 1000
	PASS_IF a
	REPORT "pc: ACPI PM timer advances over 50 ms"

	TSC_KNOWN
	jz .rate_skip
	mov ebx, 3                      ; up to 3 windows with both reads
.try:                                   ; bracketed within 0.25% (125 us)
	mov eax, [tsc_per_ms]
	shr eax, 3
	cmp [pm_wide], eax
	jbe .rate_check
	dec ebx
	jz .rate_disturbed
	call pm_window
	jmp .try
.rate_check:
	mov eax, [pm_t1]                ; expected = TSC ticks * 3579545 / TSC Hz
	mov edx, [pm_t1 + 4]
	sub eax, [pm_t0]
	sbb edx, [pm_t0 + 4]
	test edx, edx
	jnz .rate_bad
	mov ecx, 3579545
	mul ecx
	cmp edx, [tsc_khz]
	jae .rate_bad
	div dword [tsc_khz]             ; ticks * 1000
	xor edx, edx
	mov ecx, 1000
	div ecx
	mov ecx, eax
	mov eax, [pm_ticks]
	GOT eax
	mov [got_hi], ecx
	mov edx, 1
	call within_pct
	jmp .rate
.rate_bad:
	GOT [pm_ticks]
	or eax, 1
.rate:
	REPORT CASE_PM_RATE
	ret
.rate_disturbed:
	SKIPCASE CASE_PM_RATE, "the host held the vCPU up during a PM timer read in 3 windows"
	ret
.rate_skip:
	SKIPCASE CASE_PM_RATE, NO_TSC
	ret

; --- 13. PCI configuration mechanism #1, port 0x80 --------------------------------
pci_cases:
	mov dx, 0xcf8
	mov eax, 0x80000000
	out dx, eax
	in eax, dx
	GOT eax
	cmp eax, 0x80000000
	REPORT "pc: PCI CONFIG_ADDRESS (0xCF8) reads back 0x80000000"
	mov eax, 0x80000000 | (31 << 11) | (7 << 8)
	call pci_read
	GOT eax
	cmp eax, 0xffffffff
	REPORT "pc: PCI config read of bus 0 device 31 function 7 (0xCFC) returns all ones"
	mov dx, 0xcf8
	xor eax, eax
	out dx, eax
	mov al, 0x55
	out 0x80, al
	xor eax, eax
	GOT eax
	REPORT "pc: port 0x80 write accepted"
	ret

msg_hello:  db "pc32: legacy PC devices self-test", 13, 10, 0
msg_iover:  db "pc: IOAPIC version 0x", 0
msg_cal:    db "pc: PIT calibration: TSC ", 0
msg_khz:    db " kHz", 13, 10, 0
msg_pmbase: db "pc: ACPI PM base 0x", 0
rtc_line:   db "pc: rtc 0000-00-00 00:00:00", 13, 10, 0
key_line:   db "pc: got key 0x00", 13, 10, 0
rtc_regs:   db 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32
align 4
deadline:       dq 0
rtc_now:        times 8 db 0
rtc_again:      times 8 db 0
rtc_b:          dd 0
rtc_bad:        dd 0
cal_delta:      dd 0
cal_unc:        dd 0
cal_khz:        dd 0
cal_low_first:  dd 0
cal_rose:       dd 0
ioapic_version: dd 0
lvl_calls:      dd 0
lvl_rte:        dd 0
lvl_t1:         dq 0
lvl_t2:         dq 0
key:            dd 0
key_got:        dd 0
pm_or:          dd 0
pm_c0:          dd 0
pm_c1:          dd 0
pm_ticks:       dd 0
pm_t0:          dq 0
pm_t1:          dq 0
pm_wide:        dd 0
rw_start:       dd 0
rw_seen:        dd 0
rw_n:           dd 0
rw_long:        dd 0
rw_gap:         dd 0
vw_lint0:       dd 0
vw_lint1:       dd 0
vw_svr:         dd 0
rw_have:        dd 0
rw_prev:        dd 0
rw_limit:       dd 0
rc_ms:          dd 0
rc_expected:    dd 0
rc_pct:         dd 0
rc_period:      dd 0
rw_q1:          dd 0
rw_q3:          dd 0
rw_iv:          times RW_MAX dd 0
smp_best:       dd 0
smp_c:          dd 0
smp_t:          dq 0
