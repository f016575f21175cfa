; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest with three vCPUs (kind=flat load=0x100000 mode=prot32,
; cpus= three cores): vcpu0 starts vcpu1 with HC_VCPU_START; then vcpu0
; and vcpu1 line up on a shared counter and both start vcpu2 at the same
; moment. Exactly one of them must get RAX = 0, the other ~0, and vcpu2
; must run once (it increments a counter once). A vCPU starts only once,
; so there is one race per boot.
; Also the per-vCPU view: CPUID leaf 1 EBX[31:24] = the vCPU's index
; (0, 1, 2), EBX[23:16] = 3 vCPUs, EDX.HTT set; APIC_BASE is 0xFEE00900
; (BSP) on vcpu0 and 0xFEE00800 (no BSP bit) on vcpu1.
; Only vcpu0 prints. vcpu1 has an IDT of its own (ap_idt: every vector
; to ap_fault, which notes the fault and goes on); vcpu2 only runs CPUID
; and a locked increment. After a FAIL the next line says what was seen:
;   "  got 0xHHHHHHHH_LLLLLLLL, vector 0xVVVVVVVV"
org 0x100000
bits 32
%define VCPU_HELPERS
%include "guests/lib32.inc"

HC_VCPU_START equ 3
WAIT_LIMIT    equ 100000000             ; `pause` rounds before giving up
SETTLE        equ 20000000              ; loop rounds a second start would show in

main:
	mov esi, msg_hello
	call puts
	mov dword [fault_vector], -1

	mov ecx, 0                      ; ap_idt: 32 interrupt gates to ap_fault
.gate:
	mov eax, ap_fault
	mov [ap_idt + ecx * 8], ax
	mov word [ap_idt + ecx * 8 + 2], 0x08
	mov word [ap_idt + ecx * 8 + 4], 0x8e00
	shr eax, 16
	mov [ap_idt + ecx * 8 + 6], ax
	inc ecx
	cmp ecx, 32
	jb .gate

	mov eax, 1                      ; vcpu0's own view
	cpuid
	mov [got_lo], ebx
	mov [got_hi], edx
	mov [v0_l1_ebx], ebx
	mov [v0_l1_edx], edx
	shr ebx, 24
	cmp ebx, 0
	mov esi, case_v0_index
	call report_got
	movzx eax, byte [v0_l1_ebx + 2]
	cmp eax, 3
	mov esi, case_v0_count
	call report_got
	bt dword [v0_l1_edx], 28
	setnc al
	test al, al
	mov esi, case_htt
	call report_got

	mov ecx, 0x1b                   ; APIC_BASE on the BSP
	call msr_read
	cmp dword [fault_vector], -1
	jne .apic0
	cmp eax, 0xfee00900
	jne .apic0
	test edx, edx
.apic0:
	mov esi, case_v0_apic
	call report_got

	mov eax, HC_VCPU_START          ; vcpu1
	mov ebx, 1
	mov ecx, ap1_entry
	mov edx, ap1_stack_top
	vmmcall
	mov [got_lo], eax
	mov dword [got_hi], 0
	mov dword [fault_vector], -1
	test eax, eax
	mov esi, case_v1_started
	call report_got

	mov ecx, WAIT_LIMIT             ; vcpu1's records
.wait_v1:
	cmp dword [ap1_ready], 1
	je .v1_up
	pause
	dec ecx
	jnz .wait_v1
.v1_up:
	mov eax, [ap1_l1_ebx]
	mov [got_lo], eax
	mov eax, [ap1_ready]
	mov [got_hi], eax
	cmp dword [ap1_ready], 1
	jne .v1_index
	cmp byte [ap1_l1_ebx + 3], 1
.v1_index:
	mov esi, case_v1_index
	call report_got
	cmp dword [ap1_ready], 1
	jne .v1_count
	cmp byte [ap1_l1_ebx + 2], 3
.v1_count:
	mov esi, case_v1_count
	call report_got
	mov eax, [ap1_apic_lo]
	mov [got_lo], eax
	mov eax, [ap1_apic_hi]
	mov [got_hi], eax
	cmp dword [ap1_faulted], 0      ; vector 0xff: vcpu1's RDMSR faulted
	je .v1_no_fault
	mov dword [fault_vector], 0xff
.v1_no_fault:
	cmp dword [ap1_ready], 1
	jne .v1_apic
	cmp dword [ap1_faulted], 0
	jne .v1_apic
	cmp dword [ap1_apic_lo], 0xfee00800
	jne .v1_apic
	cmp dword [ap1_apic_hi], 0
.v1_apic:
	mov esi, case_v1_apic
	call report_got
	mov dword [fault_vector], -1

	; the race: both vCPUs at the line, then both start vcpu2
	lock inc dword [arrived]
	mov ecx, WAIT_LIMIT
.line_up:
	cmp dword [arrived], 2
	jae .go
	pause
	dec ecx
	jnz .line_up
.go:
	mov eax, HC_VCPU_START
	mov ebx, 2
	mov ecx, ap2_entry
	mov edx, ap2_stack_top
	vmmcall
	mov [res0], eax

	mov ecx, WAIT_LIMIT             ; vcpu1's answer and vcpu2's first run
.wait_done:
	cmp dword [ap1_done], 1
	jne .waiting
	cmp dword [v2_runs], 0
	jne .settle
.waiting:
	pause
	dec ecx
	jnz .wait_done
.settle:
	mov ecx, SETTLE                 ; time for a second start to show
.spin:
	dec ecx
	jnz .spin

	mov esi, msg_results            ; who won, for the log
	call puts
	mov eax, [res0]
	call puthex32
	mov esi, msg_results_v1
	call puts
	mov eax, [res1]
	call puthex32
	mov esi, msg_nl
	call puts

	mov eax, [res0]
	mov [got_lo], eax
	mov eax, [res1]
	mov [got_hi], eax
	cmp dword [ap1_done], 1
	jne .one
	mov eax, [res0]
	mov edx, [res1]
	cmp eax, 0
	jne .v1_won
	cmp edx, 0xffffffff
	jmp .one
.v1_won:
	cmp eax, 0xffffffff
	jne .one
	cmp edx, 0
.one:
	mov esi, case_one_winner
	call report_got

	mov eax, [v2_runs]
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp eax, 1
	mov esi, case_v2_once
	call report_got

	mov eax, [v2_ebx]
	mov [got_lo], eax
	cmp dword [v2_runs], 0
	je .v2_reg
	cmp eax, 2
.v2_reg:
	mov esi, case_v2_ebx
	call report_got

	mov eax, [v2_l1_ebx]
	mov [got_lo], eax
	cmp dword [v2_runs], 0
	je .v2_index
	shr eax, 24
	cmp eax, 2
.v2_index:
	mov esi, case_v2_index
	call report_got
	ret

; --- vcpu1: EAX = its stack top, EBX = its index ------------------------------
ap1_entry:
	mov esp, eax
	mov [ap1_ebx], ebx
	lgdt [gdt_ptr]
	jmp 0x08:.cs
.cs:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	lidt [ap_idt_ptr]
	mov eax, 1
	cpuid
	mov [ap1_l1_ebx], ebx
	mov dword [ap_resume], .apic_done
	mov ecx, 0x1b
	rdmsr
	mov [ap1_apic_lo], eax
	mov [ap1_apic_hi], edx
.apic_done:
	mov dword [ap1_ready], 1

	lock inc dword [arrived]        ; the race
.line_up:
	cmp dword [arrived], 2
	jae .go
	pause
	jmp .line_up
.go:
	mov eax, HC_VCPU_START
	mov ebx, 2
	mov ecx, ap2_entry
	mov edx, ap2_stack_top
	vmmcall
	mov [res1], eax
	mov dword [ap1_done], 1
.idle:
	pause
	jmp .idle

ap_fault:                               ; vcpu1's every exception
	mov dword [ap1_faulted], 1
	mov esp, ap1_stack_top
	jmp [ap_resume]

; --- vcpu2: runs once ----------------------------------------------------------
ap2_entry:
	mov esp, eax
	mov [v2_ebx], ebx
	mov eax, 1
	cpuid
	mov [v2_l1_ebx], ebx
	lock inc dword [v2_runs]
.idle:
	pause
	jmp .idle

msg_hello:      db "race32: three vCPUs, two start the third at once", 13, 10, 0
msg_results:    db "race32: vcpu2 start: vcpu0 got 0x", 0
msg_results_v1: db ", vcpu1 got 0x", 0

case_v0_index:   db "cpuid: vcpu0 leaf 1 EBX[31:24] is 0", 0
case_v0_count:   db "cpuid: leaf 1 EBX[23:16] is the VM's vCPU count 3", 0
case_htt:        db "cpuid: leaf 1 EDX HTT (28) set with three vCPUs", 0
case_v0_apic:    db "msr: APIC_BASE on vcpu0 is 0xFEE00900 (enabled, BSP)", 0
case_v1_started: db "race: vcpu1 started", 0
case_v1_index:   db "cpuid: vcpu1 leaf 1 EBX[31:24] is 1", 0
case_v1_count:   db "cpuid: vcpu1 leaf 1 EBX[23:16] is 3", 0
case_v1_apic:    db "msr: APIC_BASE on vcpu1 is 0xFEE00800 (enabled, not BSP)", 0
case_one_winner: db "race: of two simultaneous starts of vcpu2 exactly one got 0, the other ~0", 0
case_v2_once:    db "race: vcpu2 ran exactly once", 0
case_v2_ebx:     db "race: vcpu2 runs with its index 2 in EBX", 0
case_v2_index:   db "cpuid: vcpu2 leaf 1 EBX[31:24] is 2", 0

ap_idt_ptr:
	dw 32 * 8 - 1
	dd ap_idt
ap_resume: dd ap1_entry.apic_done
res0:      dd 0x12345678
res1:      dd 0x12345678
v0_l1_ebx: dd 0
v0_l1_edx: dd 0

align 64                                ; shared dwords, a cache line each
arrived:     dd 0
align 64
ap1_ready:   dd 0
align 64
ap1_done:    dd 0
align 64
v2_runs:     dd 0
align 64
ap1_ebx:     dd -1
ap1_l1_ebx:  dd 0
ap1_apic_lo: dd 0
ap1_apic_hi: dd 0
ap1_faulted: dd 0
v2_ebx:      dd -1
v2_l1_ebx:   dd 0
align 8
ap_idt: times 32 * 8 db 0
align 16
ap1_stack: times 4096 db 0
ap1_stack_top:
ap2_stack: times 4096 db 0
ap2_stack_top:
