; SPDX-License-Identifier: BSD-2-Clause
; Benchmark guest: N exits of each kind, back to back, then exit. Each loop
; is timed from inside with RDTSC (the VMCB's TSC offset is 0) and printed
; as "bench <kind> <TSC ticks for N iterations>" in hex; the hypervisor's
; own per-exit-code cycle counts are printed when the VM stops. Where a TSC
; tick is one instruction (QEMU -icount shift=0, Bochs sync=none) the first
; is the whole round trip, hypervisor and VMRUN included; tests/bench/run.py
; turns both into tables.
org 0x100000
%include "guests/lib32.inc"

N equ 1000

; TIMED kind, body: runs body (four guest instructions with the loop) N
; times between two RDTSC and prints the ticks.
%macro TIMED 1-*
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	mov edi, N
%%loop:
	%rep %0 - 1
	%rotate 1
	%1
	%endrep
	dec edi
	jnz %%loop
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	%rotate 1
	mov esi, %1
	call print_ticks
%endmacro

main:
	TIMED msg_cpuid, {xor eax, eax}, {cpuid}
	TIMED msg_vmmcall, {xor eax, eax}, {vmmcall}    ; function 0: unknown, returns ~0
	TIMED msg_io, {mov dx, 0x80}, {out dx, al}
	TIMED msg_rdmsr, {mov ecx, 0x277}, {rdmsr}      ; PAT
	ret

; "bench <name at ESI> <EDX:EAX in hex>" and a new line.
print_ticks:
	push eax
	push edx
	push esi
	mov esi, msg_bench
	call puts
	pop esi
	call puts
	pop eax
	call print_hex32
	pop eax
	call print_hex32
	mov esi, msg_nl
	jmp puts

; Eight hex digits of EAX.
print_hex32:
	mov ecx, 8
	mov edi, hex_buf
.digit:
	rol eax, 4
	mov edx, eax
	and edx, 15
	mov dl, [hex_digits + edx]
	mov [edi], dl
	inc edi
	loop .digit
	mov esi, hex_buf
	jmp puts

t0:          dq 0
hex_digits:  db "0123456789abcdef"
hex_buf:     times 9 db 0
msg_bench:   db "bench ", 0
msg_cpuid:   db "cpuid ", 0
msg_vmmcall: db "vmmcall ", 0
msg_io:      db "ioio ", 0
msg_rdmsr:   db "rdmsr ", 0
