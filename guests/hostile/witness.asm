; SPDX-License-Identifier: BSD-2-Clause
; The witness beside every hostile case (tests/integration/test_hostile.py):
; it fills 0x180000-0x300000 with a pattern of its own (each dword its
; address XOR a seed from the TSC), then forever: verifies every dword,
; checks that its local APIC has nothing in IRR or ISR (nobody else's
; interrupt reached it) and prints "beat N ok" about every 100 ms of its
; TSC time (CPUID 0x40000010 EAX: the TSC in kHz). The first wrong dword
; prints "CORRUPT at <addr>: <value>", a stray interrupt "STRAY irr/isr
; <reg> <value>", and the witness stops through the debug exit with 1.
org 0x100000
%define VCPU_HELPERS
%include "guests/lib32.inc"

FILL_START equ 0x180000
FILL_END   equ 0x300000
LAPIC      equ 0xfee00000

main:
	rdtsc
	or eax, 1
	mov [seed], eax
	mov edi, FILL_START
.fill:
	mov eax, edi
	xor eax, [seed]
	mov [edi], eax
	add edi, 4
	cmp edi, FILL_END
	jb .fill
	mov eax, 0x40000010             ; ticks per beat: TSC kHz * 100
	cpuid
	test eax, eax
	jnz .khz
	mov eax, 1000000                ; no timing leaf: assume 1 GHz
.khz:
	mov ecx, 100
	mul ecx
	mov [ticks], eax
	xor ebx, ebx                    ; beat number
.beat:
	mov edi, FILL_START
	mov edx, [seed]
.check:
	mov eax, edi
	xor eax, edx
	cmp [edi], eax
	jne corrupt
	add edi, 4
	cmp edi, FILL_END
	jb .check
	mov esi, LAPIC + 0x100          ; ISR 0-7, then TMR, then IRR 0-7
	mov ecx, 8
.isr:
	mov eax, [esi]
	test eax, eax
	jnz stray
	add esi, 0x10
	loop .isr
	mov esi, LAPIC + 0x200
	mov ecx, 8
.irr:
	mov eax, [esi]
	test eax, eax
	jnz stray
	add esi, 0x10
	loop .irr
	mov esi, msg_beat
	call puts
	mov eax, ebx
	call put_dec
	mov esi, msg_ok
	call puts
	inc ebx
	rdtsc
	mov ecx, eax
.wait:
	pause
	rdtsc
	sub eax, ecx
	cmp eax, [ticks]
	jb .wait
	jmp .beat

corrupt:
	push dword [edi]
	push edi
	mov esi, msg_corrupt
	call puts
	pop eax
	call puthex32
	mov esi, msg_colon
	call puts
	pop eax
	call puthex32
	jmp fail

stray:
	push eax
	mov esi, msg_stray
	call puts
	pop eax
	call puthex32
fail:
	mov esi, msg_nl
	call puts
	inc ebp
	ret                             ; to finish with 1

seed:        dd 0
ticks:       dd 0
msg_beat:    db "beat ", 0
msg_ok:      db " ok", 13, 10, 0
msg_corrupt: db "CORRUPT at 0x", 0
msg_colon:   db ": 0x", 0
msg_stray:   db "STRAY interrupt in the witness's APIC: 0x", 0
