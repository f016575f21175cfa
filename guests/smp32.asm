; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest with two vCPUs (kind=flat load=0x100000 mode=prot32,
; cpus= two cores): HC_VCPU_START (VMMCALL EAX=3, EBX = vCPU index, ECX =
; entry GPA, EDX = value for the new vCPU's EAX) starts vcpu1 at ap_entry;
; starting it twice, or starting an unknown vCPU, is refused with ~0; vcpu1
; comes up with its index in EBX; and locked increments from both vCPUs on
; one dword add up. Only vcpu0 prints (COM1 lines from two vCPUs would
; interleave); it ends through `finish` as usual and the hypervisor then
; stops the whole VM, vcpu1 included.
org 0x100000
%include "guests/lib32.inc"

HC_VCPU_START equ 3
INCREMENTS    equ 100000            ; per vCPU
WAIT_LIMIT    equ 100000000         ; `pause` iterations before giving up

main:
	mov esi, msg_hello
	call puts

	mov eax, HC_VCPU_START
	mov ebx, 1
	mov ecx, ap_entry
	mov edx, ap_stack_top           ; becomes vcpu1's EAX, then its ESP
	vmmcall
	test eax, eax
	mov esi, case_started
	call report_zf

	mov eax, HC_VCPU_START          ; vcpu1 runs already
	mov ebx, 1
	mov ecx, ap_entry
	mov edx, ap_stack_top
	vmmcall
	cmp eax, 0xffffffff
	mov esi, case_twice
	call report_zf

	mov eax, HC_VCPU_START          ; no vcpu7 in this VM
	mov ebx, 7
	mov ecx, ap_entry
	mov edx, ap_stack_top
	vmmcall
	cmp eax, 0xffffffff
	mov esi, case_unknown
	call report_zf

	mov ecx, WAIT_LIMIT             ; wait, bounded, for vcpu1's first store
.wait_up:
	cmp dword [ap_index], -1
	jne .up
	pause
	dec ecx
	jnz .wait_up
.up:
	cmp dword [ap_index], 1         ; still -1 when vcpu1 never ran
	mov esi, case_index
	call report_zf

	mov ecx, INCREMENTS             ; vcpu1 is incrementing meanwhile
.inc:
	lock inc dword [counter]
	dec ecx
	jnz .inc
	cmp dword [ap_index], -1        ; vcpu1 never ran: no second wait
	je .done
	mov ecx, WAIT_LIMIT
.wait_done:
	cmp dword [ap_done], 1
	je .done
	pause
	dec ecx
	jnz .wait_done
.done:
	cmp dword [counter], 2 * INCREMENTS
	mov esi, case_locked
	call report_zf
	ret

; vcpu1: EAX = its stack top (the EDX of HC_VCPU_START), EBX = its index;
; flat segments, paging and interrupts off, no IDT of its own. It must not
; print, fault or HLT (HLT with IF=0 would stop the VM).
ap_entry:
	mov esp, eax
	mov [ap_index], ebx
	mov ecx, INCREMENTS
.inc:
	lock inc dword [counter]
	dec ecx
	jnz .inc
	mov dword [ap_done], 1
.spin:
	pause
	jmp .spin

msg_hello:    db "smp32: starting vcpu1", 13, 10, 0
case_started: db "smp: vcpu1 started", 0
case_twice:   db "smp: vcpu1 cannot be started twice", 0
case_unknown: db "smp: unknown vcpu refused", 0
case_index:   db "smp: vcpu1 runs with its index in EBX", 0
case_locked:  db "smp: locked increments from both vCPUs", 0

align 64                                ; the shared dwords, a cache line each
counter:  dd 0
align 64
ap_index: dd -1                         ; vcpu1's EBX once it runs
align 64
ap_done:  dd 0
align 16
ap_stack: times 4096 db 0
ap_stack_top:
