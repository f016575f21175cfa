; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest in real mode: loaded flat at 0x7c00 and entered with
; CS = DS = 0, CR0.PE = 0 (mode=real entry=0x7c00). Checks port I/O and CPUID
; from 16-bit code and ends through the debug-exit port.
bits 16
org 0x7c00

COM1       equ 0x3f8
DEBUG_EXIT equ 0xf4

start:
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7c00
	xor bp, bp                      ; failures
	mov si, msg_hello
	call puts

	mov eax, 0x40000000             ; 32-bit registers work in real mode
	cpuid
	cmp ebx, 'svmv'
	mov si, case_cpuid
	call report

	mov dx, 0x2f0
	in al, dx
	cmp al, 0xff
	mov si, case_io
	call report

	mov ax, bp
	mov dx, DEBUG_EXIT
	out dx, al
	cli
	hlt

report:                                 ; ZF set: PASS; SI = case name
	jz .pass
	inc bp
	push si
	mov si, msg_fail
	jmp .print
.pass:
	push si
	mov si, msg_pass
.print:
	call puts
	pop si
	call puts
	mov si, msg_nl
	; fall through
puts:
	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp puts
.done:
	ret

msg_hello:  db "real16: real-mode guest up", 13, 10, 0
msg_pass:   db "PASS ", 0
msg_fail:   db "FAIL ", 0
msg_nl:     db 13, 10, 0
case_cpuid: db "real mode: CPUID signature", 0
case_io:    db "real mode: unassigned port reads all ones", 0
