; SPDX-License-Identifier: BSD-2-Clause
; Interrupt benchmark guest (kind=flat load=0x100000 mode=prot32 mem=16M),
; the companion of bench32 for `make bench` (tests/bench/run.py,
; docs/PERFORMANCE.md "Interrupts"). Prints "bench <name> <16 hex digits>"
; lines of TSC ticks (the VMCB's TSC offset is 0; where a tick is one
; instruction, QEMU -icount shift=0 and Bochs sync=none, they count
; instructions, hypervisor and VMRUN included).
;
; With one vCPU (CPUID.1:EBX[23:16] = 1):
;   xapic_eoi   N EOI writes to the xAPIC page (MOV [0xFEE000B0], EAX: a
;               nested page fault completed by instruction emulation), in a
;               four-instruction loop: ticks / N - 3 is the round trip
;   x2apic_eoi  the same after APIC_BASE |= EXTD: WRMSR 0x80B, EAX = EDX = 0
;   tscdl       ROUNDS times: TSC-deadline (MSR 0x6E0) armed at RDTSC +
;               DELAY, then a spin with IF set; the handler's first
;               instruction is RDTSC. The total of (handler TSC - deadline)
;   hlt_wake    the same with STI; HLT in place of the spin
;
; With two vCPUs: vcpu1 is started with INIT, STARTUP, STARTUP (x2APIC ICR,
; a real-mode trampoline at 0x8000 as in ipi32), switches to x2APIC and
; then only waits for interrupts, so its exit counts are the IPIs' alone:
; spinning with IF set (PAUSE; JMP) when [cfg_mode] is 0, in STI; HLT when
; it is 1. vcpu0 sends [cfg_rounds] fixed IPIs (x2APIC ICR, WRMSR 0x830,
; physical destination APIC ID 1), one at a time, GAP ticks apart: RDTSC,
; two XCHGs, WRMSR; then it waits until the receiver's handler (RDTSC
; first, then EOI, then the count) has counted it.
;   ipi / ipi_halted   the total of (receiver TSC - sender TSC)
; tests/bench/run.py sets cfg_mode and cfg_rounds in the image it boots
; (they follow the marker "benchapic-cfg:"); with cfg_rounds 0 the same
; guest gives the set-up's exits, which run.py subtracts.
;
; The handlers clobber EAX, ECX, EDX: the loops they interrupt keep nothing
; in registers.
org 0x100000
%define VCPU_HELPERS
%include "guests/lib32.inc"
%include "guests/apic.inc"

N           equ 1000                    ; iterations of the EOI loops
ROUNDS      equ 100                     ; timer and IPI rounds
DELAY       equ 10000                   ; deadline: RDTSC + DELAY ticks
GAP         equ 20000                   ; ticks between two IPIs
V_TIMER     equ 0x40
V_IPI       equ 0x50
AP_STACK_TOP equ 0x210000
APIC_BASE_EXTD equ 1 << 10
MSR_X2_EOI  equ 0x80b
MSR_X2_SVR  equ 0x80f
MSR_X2_ICR  equ 0x830
MSR_X2_LVT_TMR equ 0x832

main:
	call apic_guest_init
	mov ecx, V_TIMER
	mov eax, timer_handler
	call idt256_build.gate
	mov ecx, V_IPI
	mov eax, ipi_handler
	call idt256_build.gate
	mov eax, 1
	cpuid
	shr ebx, 16
	and ebx, 0xff
	cmp ebx, 2
	jae ipi_bench

; --- one vCPU -----------------------------------------------------------------
	call apic_setup                 ; xAPIC: SVR enabled, TPR 0
	mov esi, msg_xapic
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	mov edi, N
.xapic:
	xor eax, eax
	mov [APIC + APIC_EOI], eax
	dec edi
	jnz .xapic
	rdtsc
	call print_delta

	test dword [cpuid1_ecx], 1 << 21
	jnz .x2
	mov esi, msg_no_x2
	jmp puts
.x2:
	call x2apic_on
	mov esi, msg_x2apic
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	xor eax, eax
	xor edx, edx
	mov edi, N
.x2eoi:
	mov ecx, MSR_X2_EOI
	wrmsr
	dec edi
	jnz .x2eoi
	rdtsc
	call print_delta

	test dword [cpuid1_ecx], 1 << 24
	jnz .tscdl
	mov esi, msg_no_tscdl
	jmp puts
.tscdl:
	mov ecx, MSR_X2_LVT_TMR
	mov eax, LVT_TSCDL | V_TIMER
	xor edx, edx
	wrmsr
	mov esi, msg_tscdl
	xor ebx, ebx                    ; spin
	call timer_rounds
	mov esi, msg_hlt
	mov ebx, 1                      ; STI; HLT
	call timer_rounds
	mov ecx, MSR_X2_LVT_TMR
	mov eax, LVT_MASKED | V_TIMER
	xor edx, edx
	wrmsr
	ret

; ROUNDS deadlines; EBX = 0: spin, 1: HLT. Prints the total lateness as
; "bench <name at ESI>".
timer_rounds:
	mov dword [acc], 0
	mov dword [acc + 4], 0
	mov dword [left], ROUNDS
.round:
	mov dword [fired], 0
	rdtsc
	add eax, DELAY
	adc edx, 0
	mov [deadline], eax
	mov [deadline + 4], edx
	mov ecx, MSR_TSC_DEADLINE
	wrmsr
	test ebx, ebx
	jnz .hlt
	sti
.spin:
	cmp dword [fired], 0
	je .spin
	cli
	jmp .got
.hlt:
	sti
	hlt
	cli
	cmp dword [fired], 0
	je .hlt                         ; woken by something else: again
.got:
	mov eax, [h_tsc]
	mov edx, [h_tsc + 4]
	sub eax, [deadline]
	sbb edx, [deadline + 4]
	add [acc], eax
	adc [acc + 4], edx
	dec dword [left]
	jnz .round
	mov eax, [acc]
	mov edx, [acc + 4]
	jmp print_ticks

timer_handler:
	rdtsc
	mov [h_tsc], eax
	mov [h_tsc + 4], edx
	mov dword [fired], 1
	mov ecx, MSR_X2_EOI
	xor eax, eax
	xor edx, edx
	wrmsr
	iretd

; APIC_BASE |= EXTD, SVR enabled through its MSR; apic.inc's helpers then
; use the MSRs too.
x2apic_on:
	mov ecx, MSR_APIC_BASE
	rdmsr
	or eax, APIC_BASE_EXTD
	wrmsr
	mov ecx, MSR_X2_SVR
	mov eax, 0x100 | SPURIOUS
	xor edx, edx
	wrmsr
	mov dword [x2mode], 1
	ret

; --- two vCPUs: IPIs ------------------------------------------------------------
ipi_bench:
	test dword [cpuid1_ecx], 1 << 21
	jnz .x2
	mov esi, msg_no_x2
	jmp puts
.x2:
	call x2apic_on
	mov esi, tramp_start
	mov edi, TRAMP
	mov ecx, tramp_end - tramp_start
	cld
	rep movsb
	mov ecx, MSR_X2_ICR
	mov edx, 1                      ; x2APIC: the destination in EDX
	mov eax, ICR_INIT | ICR_LEVEL_ASSERT
	wrmsr
	mov eax, 10
	call wait_ms
	mov ecx, MSR_X2_ICR
	mov edx, 1
	mov eax, ICR_STARTUP | (TRAMP >> 12)
	wrmsr
	mov eax, 1
	call wait_ms
	mov ecx, MSR_X2_ICR
	mov edx, 1
	mov eax, ICR_STARTUP | (TRAMP >> 12)
	wrmsr
	mov esi, ap_ready
	mov eax, 1
	mov ecx, 2000
	call wait_ge
	jz .up
	mov esi, msg_no_ap
	call puts
	inc ebp
	ret
.up:
	mov eax, 10                     ; vcpu1 settles in its loop
	call wait_ms
	mov dword [acc], 0
	mov dword [acc + 4], 0
	mov eax, [cfg_rounds]
	mov [left], eax
.round:
	cmp dword [left], 0
	je .done
	rdtsc                           ; GAP ticks since the last one
	add eax, GAP
	adc edx, 0
	mov [until], eax
	mov [until + 4], edx
.gap:
	pause
	rdtsc
	sub eax, [until]
	sbb edx, [until + 4]
	js .gap
	mov edi, [rx_count]
	mov ecx, MSR_X2_ICR
	mov ebx, V_IPI                  ; fixed, physical
	mov esi, 1                      ; to APIC ID 1
	rdtsc
	xchg eax, ebx                   ; EBX:ESI = the TSC, EDX:EAX = the ICR
	xchg edx, esi
	wrmsr
	mov ecx, 100000000              ; bounded: a lost IPI ends the run
.wait:
	pause
	cmp [rx_count], edi
	jne .got
	dec ecx
	jnz .wait
	mov esi, msg_lost
	call puts
	inc ebp
	ret
.got:
	mov eax, [rx_tsc]
	mov edx, [rx_tsc + 4]
	sub eax, ebx
	sbb edx, esi
	add [acc], eax
	adc [acc + 4], edx
	dec dword [left]
	jmp .round
.done:
	mov esi, msg_ipi
	cmp dword [cfg_mode], 0
	je .print
	mov esi, msg_ipi_hlt
.print:
	mov eax, [acc]
	mov edx, [acc + 4]
	jmp print_ticks

; vcpu1's handler for V_IPI.
ipi_handler:
	rdtsc
	mov [rx_tsc], eax
	mov [rx_tsc + 4], edx
	mov ecx, MSR_X2_EOI
	xor eax, eax
	xor edx, edx
	wrmsr
	lock inc dword [rx_count]
	iretd

; --- vcpu1 --------------------------------------------------------------------
AP_TRAMPOLINE                           ; guests/apic.inc: real mode to ap_pm32

ap_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, AP_STACK_TOP
	lgdt [gdt_ptr]
	jmp 0x08:.reload
.reload:
	call idt256_load
	mov ecx, MSR_APIC_BASE
	rdmsr
	or eax, APIC_BASE_EXTD
	wrmsr
	mov ecx, MSR_X2_SVR
	mov eax, 0x100 | SPURIOUS
	xor edx, edx
	wrmsr
	lock inc dword [ap_ready]
	sti
	cmp dword [cfg_mode], 0
	jne .halt
.spin:
	pause
	jmp .spin
.halt:
	hlt
	jmp .halt

; --- output -------------------------------------------------------------------
; EDX:EAX = the TSC now: prints it minus [t0] as "bench <name at ESI>".
print_delta:
	sub eax, [t0]
	sbb edx, [t0 + 4]
; "bench <name at ESI><EDX:EAX as 16 hex digits>" and a new line.
print_ticks:
	push esi
	mov esi, msg_bench
	call puts
	pop esi
	call puts
	xchg eax, edx
	call puthex32
	xchg eax, edx
	call puthex32
	mov esi, msg_nl
	jmp puts

msg_bench:    db "bench ", 0
msg_xapic:    db "xapic_eoi ", 0
msg_x2apic:   db "x2apic_eoi ", 0
msg_tscdl:    db "tscdl ", 0
msg_hlt:      db "hlt_wake ", 0
msg_ipi:      db "ipi ", 0
msg_ipi_hlt:  db "ipi_halted ", 0
msg_no_x2:    db "benchapic: no x2APIC (CPUID.1:ECX[21]), the rest is not run", 13, 10, 0
msg_no_tscdl: db "benchapic: no TSC-deadline (CPUID.1:ECX[24]), the timer rows are not run", 13, 10, 0
msg_no_ap:    db "benchapic: vcpu1 did not start", 13, 10, 0
msg_lost:     db "benchapic: an IPI was not handled", 13, 10, 0

align 4
cfg_marker:   db "benchapic-cfg:"       ; tests/bench/run.py patches what follows
cfg_mode:     dd 0                      ; IPI receiver: 0 spins, 1 halts
cfg_rounds:   dd ROUNDS                 ; IPIs sent
align 8
t0:           dq 0
acc:          dq 0
deadline:     dq 0
until:        dq 0
h_tsc:        dq 0
left:         dd 0
fired:        dd 0
align 64
rx_tsc:       dq 0
rx_count:     dd 0
align 64
ap_ready:     dd 0
