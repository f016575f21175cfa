; SPDX-License-Identifier: BSD-2-Clause
; Interrupt and exception entry stubs. Each stub makes the stack uniform
; (a zero error code where the CPU pushes none, then the vector) and jumps
; to isr_common, which saves the GPRs as struct trap_frame (kernel/trap.h)
; and calls trap_entry(frame). A return from trap_entry resumes the
; interrupted code.

bits 64
section .text

extern trap_entry

; Vectors whose exceptions push an error code: APM Vol.2 8.2, table 8-1.
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro STUB 1
isr_%1:
%if HAS_ERROR(%1)
	push qword %1
%else
	push qword 0
	push qword %1
%endif
	jmp isr_common
%endmacro

%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

; In: the stack holds [vector, error, CPU frame]. Clobbers nothing it does
; not restore. The stack is 16-aligned at the call: the CPU aligns before
; pushing 5 words, plus 2 words here and 15 GPRs is 22 words.
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call trap_entry
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16
	iretq

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep
