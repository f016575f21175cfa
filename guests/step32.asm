; SPDX-License-Identifier: BSD-2-Clause
; Guest for the console's `step` command (single-stepping with the trap
; flag). It prints "step32: ready", sets known registers and runs the loop
; at step_loop forever; the test pauses it and steps through the loop one
; instruction at a time, checking RIP against this fixed layout.
;
; Fixed addresses (image loaded at 0x100000, entry = image start):
;   offset  address   len  bytes              instruction
;   0x200   0x100200   1   90                 step_loop: nop
;   0x201   0x100201   1   42                 inc edx            ; progress
;   0x202   0x100202   1   9c                 pushfd             ; TF must not show
;   0x203   0x100203   1   59                 pop ecx            ; ECX = pushed flags
;   0x204   0x100204   6   89 0d 00 04 10 00  mov [last_flags], ecx
;   0x20a   0x10020a   1   9c                 pushfd
;   0x20b   0x10020b   1   9d                 popfd              ; pops TF clear
;   0x20c   0x10020c   2   8c d7              mov edi, ss
;   0x20e   0x10020e   2   8e d7              mov ss, edi        ; interrupt shadow:
;   0x210   0x100210   1   90                 nop                ; this one is in it
;   0x211   0x100211   2   eb ed              jmp short step_loop
;   (0x213: end of the loop; int3 padding up to 0x400)
;   0x400   0x100400   4   dword              last_flags (0xffffffff until the
;                                             loop first stores; bit 8 = TF)
; MOV SS uses the 2-byte 32-bit forms on EDI (`mov ax, ss` would be 66 8c d0,
; 3 bytes, and would change AX): EDI already holds SS, so it never changes.
; Architecturally no single-step trap is taken after MOV SS, so a step from
; 0x10020e runs the nop too and stops at 0x100211.
;
; Registers in the loop: EAX 0x5a5a5a5a, EBX 0x11112222, ECX the flags the
; last pushfd at +0x202 pushed, EDX counts passes (starts at 0), ESI = ESP =
; the address of a stack pattern (dwords 0xcafef00d, 0x0badc0de), EDI = SS
; (0x10), EBP 0. The loop's pushes and pops balance, so ESP stays put.
; The loop runs with IF=1: no interrupt ever reaches the guest (the
; hypervisor injects none; physical ones exit to the host), but Bochs 2.7
; holds physical interrupts while the guest's IF is 0 even under
; V_INTR_MASKING, and the console's kick IPIs must get through there too.
; Nothing here is intercepted (no CPUID, I/O or MSR access inside the loop).
org 0x100000
bits 32

	jmp _start                      ; lib32.inc goes after the fixed addresses

main:
	mov esi, msg_ready
	call puts
	push 0x0badc0de                 ; the stack pattern, at ESI
	push 0xcafef00d
	mov esi, esp
	mov eax, 0x5a5a5a5a
	mov ebx, 0x11112222
	xor ecx, ecx
	xor edx, edx
	mov edi, ss
	sti                             ; see above: for the kicks on Bochs
	jmp step_loop

	times 0x200 - ($ - $$) db 0xcc  ; int3: a stray jump here fails loudly
step_loop:                              ; 0x100200
	nop
	inc edx
	pushfd
	pop ecx
	mov [last_flags], ecx
	pushfd
	popfd
	mov edi, ss
	mov ss, edi
	nop                             ; in MOV SS's interrupt shadow
	jmp short step_loop
step_loop_end:                          ; 0x100213
	; layout guards: a negative TIMES count stops the build
	times (step_loop_end - step_loop) - 0x13 db 0
	times 0x13 - (step_loop_end - step_loop) db 0

	times 0x400 - ($ - $$) db 0xcc
last_flags: dd 0xffffffff               ; 0x100400

msg_ready: db "step32: ready", 13, 10, 0

%include "guests/lib32.inc"
