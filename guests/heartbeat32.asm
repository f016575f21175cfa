; SPDX-License-Identifier: BSD-2-Clause
; A guest that prints "beat N" (N from 0, decimal) BEATS times, busy-waiting
; TICKS TSC ticks between beats (RDTSC is not intercepted), then
; "heartbeat done" and the debug exit with 0. On QEMU TCG the guest's TSC
; runs at the host's rate (2.6 GHz here): a beat every ~50 ms, ~20 s in all,
; as long as the flood beside it. It never stops early: only the beat count
; ends it. The steady signal next to a flooding VM in
; tests/integration/test_flood.py.
org 0x100000
%define VCPU_HELPERS
%include "guests/lib32.inc"

BEATS equ 400
TICKS equ 120000000

main:
	xor edi, edi                    ; beat number
.beat:
	mov esi, msg_beat
	call puts
	mov eax, edi
	call put_dec
	mov esi, msg_nl
	call puts
	inc edi
	cmp edi, BEATS
	jae .done
	rdtsc                           ; the wait starts: EBX:ECX = TSC
	mov ecx, eax
	mov ebx, edx
.wait:
	rdtsc
	sub eax, ecx                    ; EDX:EAX = ticks since the start
	sbb edx, ebx
	jnz .beat                       ; 2^32 ticks or more (or the TSC went back)
	cmp eax, TICKS
	jb .wait
	jmp .beat
.done:
	mov esi, msg_done
	call puts
	ret                             ; to finish: EBP (failures) is still 0

msg_beat: db "beat ", 0
msg_done: db "heartbeat done", 13, 10, 0
