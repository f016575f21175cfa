; SPDX-License-Identifier: BSD-2-Clause
; The world switch: one VMRUN and the state around it.
;
; void svm_world_switch(struct vcpu *v, uint64_t guest_vmcb_pa,
;                       uint64_t host_vmcb_pa)
;   v              rdi: the vCPU; its first member is struct guest_regs, the
;                       guest GPRs but RAX and RSP (those live in the VMCB)
;   guest_vmcb_pa  rsi: the guest's VMCB (physical == virtual here)
;   host_vmcb_pa   rdx: this CPU's host VMCB, filled by VMSAVE once at start
; Clobbers: the caller-saved registers; callee-saved ones are kept.
; State: called with IF = 0, returns with IF = 0 (interrupts that arrived
; are pending). GIF is cleared around the switch (CLGI ... STGI), so an NMI, SMI or
; INTR arriving while guest FS/GS/TR/LDTR/STAR/SYSENTER state is loaded
; (between VMLOAD and the host VMLOAD) waits until the host's is back
; (DESIGN: guest VMLOAD state is never live when the host can take an NMI).
;
; After each #VMEXIT, still with GIF = 0 and the guest's VMLOAD state in
; the CPU, vcpu_fast_exit(v) (svm/vcpu.c) records the exit and handles the
; few that need nothing of the host's state (CPUID); when it returns true
; the guest is entered again at once, without VMSAVE/VMLOAD. Anything else
; returns to the C run loop through the full switch below.

bits 64
section .text

; struct guest_regs offsets (svm/vcpu.h asserts them)
GR_RBX equ 0x00
GR_RCX equ 0x08
GR_RDX equ 0x10
GR_RSI equ 0x18
GR_RDI equ 0x20
GR_RBP equ 0x28
GR_R8  equ 0x30
GR_R9  equ 0x38
GR_R10 equ 0x40
GR_R11 equ 0x48
GR_R12 equ 0x50
GR_R13 equ 0x58
GR_R14 equ 0x60
GR_R15 equ 0x68

extern vcpu_fast_exit

; Speculation hygiene after every #VMEXIT, before any C code
; (docs/ARCHITECTURE.md, "Speculative execution"):
; - no register keeps a guest value the host might speculate on: every GPR
;   the guest loaded is zeroed once it is saved (RAX holds the vCPU, RSP is
;   the host's since VMRUN);
; - the return stack buffer is overwritten with 32 harmless entries, so no
;   RET in the host can be steered by return addresses the guest planted
;   (the guest's calls and returns share the RSB with the host's). Each CALL
;   pushes the address of a speculation trap that is never run
;   architecturally; the stack pointer is put back at the end.
%macro CLEAR_GUEST_GPRS 0
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	xor edi, edi
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
%endmacro

RSB_ENTRIES equ 32                      ; the deepest RSB of AMD's cores so far

%macro RSB_ENTRY 0
	call %%next
%%trap:
	int3                            ; speculation trap: never reached
	lfence
	jmp %%trap
%%next:
%endmacro

%macro FILL_RSB 0
%rep RSB_ENTRIES
	RSB_ENTRY
%endrep
	add rsp, RSB_ENTRIES * 8
%endmacro

global svm_world_switch
svm_world_switch:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	push rdx                        ; [rsp + 16]: host VMCB
	push rsi                        ; [rsp + 8]: guest VMCB
	push rdi                        ; [rsp]: the vCPU, whose regs come first

	clgi
	sti                             ; host IF = 1 at VMRUN: with V_INTR_MASKING a
	                                ; physical interrupt then exits the guest
	                                ; (INTR intercept); GIF = 0 holds it here
	mov rax, rsi
	vmload                      ; guest FS, GS, TR, LDTR, STAR..., SYSENTER
.enter:
	mov rdi, [rsp]
	mov rax, [rsp + 8]
	mov rbx, [rdi + GR_RBX]
	mov rcx, [rdi + GR_RCX]
	mov rdx, [rdi + GR_RDX]
	mov rsi, [rdi + GR_RSI]
	mov rbp, [rdi + GR_RBP]
	mov r8,  [rdi + GR_R8]
	mov r9,  [rdi + GR_R9]
	mov r10, [rdi + GR_R10]
	mov r11, [rdi + GR_R11]
	mov r12, [rdi + GR_R12]
	mov r13, [rdi + GR_R13]
	mov r14, [rdi + GR_R14]
	mov r15, [rdi + GR_R15]
	mov rdi, [rdi + GR_RDI]
	vmrun                       ; RAX = guest VMCB; back here on #VMEXIT
	mov rax, [rsp]                  ; the host's RAX is free: the vCPU
	mov [rax + GR_RBX], rbx
	mov [rax + GR_RCX], rcx
	mov [rax + GR_RDX], rdx
	mov [rax + GR_RSI], rsi
	mov [rax + GR_RDI], rdi
	mov [rax + GR_RBP], rbp
	mov [rax + GR_R8],  r8
	mov [rax + GR_R9],  r9
	mov [rax + GR_R10], r10
	mov [rax + GR_R11], r11
	mov [rax + GR_R12], r12
	mov [rax + GR_R13], r13
	mov [rax + GR_R14], r14
	mov [rax + GR_R15], r15
	CLEAR_GUEST_GPRS
	FILL_RSB
	mov rdi, rax
	call vcpu_fast_exit             ; rdi = v; GIF = 0, guest FS/GS still loaded
	test al, al
	jnz .enter
	mov rax, [rsp + 8]
	vmsave                      ; the guest's FS, GS, TR... into its VMCB
	mov rax, [rsp + 16]
	vmload                      ; the host's FS, GS (per-CPU pointer), TR...
	cli                             ; the run loop takes the interrupt later
	stgi
	add rsp, 24
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; void svm_vmsave(uint64_t vmcb_pa): VMSAVE the calling CPU's hidden state.
global svm_vmsave
svm_vmsave:
	mov rax, rdi
	vmsave
	ret
