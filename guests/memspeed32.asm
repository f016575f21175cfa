; SPDX-License-Identifier: BSD-2-Clause
; A guest that times its own memory: ROUNDS copies of 1 MiB (REP MOVSD)
; measured with RDTSC (not intercepted), and prints the fastest and the
; slowest copy in TSC ticks, then the debug exit with 0. Beside wbinvd32 on
; real hardware, the two stay close when the hypervisor keeps WBINVD from
; the caches; the emulators model no caches, so there it only shows that
; the guests ran side by side (tests/integration/test_platform.py).
org 0x100000
%define VCPU_HELPERS
%include "guests/lib32.inc"

ROUNDS equ 64
SIZE   equ 1 << 20

main:
	mov dword [fastest], -1
	mov dword [slowest], 0
	mov ebx, ROUNDS
.round:
	rdtsc
	mov [t0], eax
	mov esi, 0x400000               ; 4 MiB -> 6 MiB, inside the VM's 16 MiB
	mov edi, 0x600000
	mov ecx, SIZE / 4
	cld
	rep movsd
	rdtsc
	sub eax, [t0]
	cmp eax, [fastest]
	jae .not_fastest
	mov [fastest], eax
.not_fastest:
	cmp eax, [slowest]
	jbe .not_slowest
	mov [slowest], eax
.not_slowest:
	dec ebx
	jnz .round
	mov esi, msg_fast
	call puts
	mov eax, [fastest]
	call puthex32
	mov esi, msg_slow
	call puts
	mov eax, [slowest]
	call puthex32
	mov esi, msg_nl
	call puts
	ret

t0:      dd 0
fastest: dd 0
slowest: dd 0
msg_fast:   db "memspeed: fastest copy 0x", 0
msg_slow:   db ", slowest 0x", 0

