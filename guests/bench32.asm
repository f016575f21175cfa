; Benchmark guest: N exits of each kind, back to back, then exit. The
; hypervisor's per-exit-code cycle counts (printed when the VM stops) are the
; figures; under QEMU -icount shift=0 a TSC cycle is one instruction.
org 0x100000
%include "guests/lib32.inc"

N equ 1000

main:
	mov edi, N
.cpuid:
	xor eax, eax
	cpuid
	dec edi
	jnz .cpuid

	mov edi, N
.vmmcall:
	xor eax, eax                    ; function 0: unknown, returns ~0
	vmmcall
	dec edi
	jnz .vmmcall

	mov edi, N
.io:
	mov dx, 0x80
	out dx, al
	dec edi
	jnz .io

	mov edi, N
.rdmsr:
	mov ecx, 0x277                  ; PAT
	rdmsr
	dec edi
	jnz .rdmsr
	ret
