; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: what ring 3 may not do under svmvisor (kind=flat
; load=0x100000 mode=prot32). One PASS/FAIL line per case, the failure
; count as the result; after a FAIL the next line says what was seen:
;   "  got 0xHHHHHHHH_LLLLLLLL, vector 0xVVVVVVVV" (vector ffffffff: no fault)
;
; - VMMCALL at CPL 3 is #UD and does nothing: a console write from ring 3
;   (its text, RING3_LEAK, must never reach the console: the test checks)
;   and an exit hypercall from ring 3 (RAX = 2, RBX = 0x55: the VM must not
;   end with result 85); from ring 0 the console write still returns 0.
; - POPF with NT set, then IRET, both at CPL 3: the CPU attempts a task
;   return to the TSS in the current TSS's link field (a real, busy 32-bit
;   TSS, so the attempt gets as far as the task-switch intercept on every
;   CPU); the hypervisor does not emulate task switches and gives the
;   guest's kernel a #GP, with TR and both TSS descriptors untouched.
;   QEMU's TCG never intercepts task switches (/work/shared/EMULATORS.md)
;   and performs the switch itself: when the linked task starts running
;   and the brand string says QEMU, both task-switch cases are a SKIP.
; Ring 3 runs through lib32's enter_user (TSS with SS0:ESP0, code 0x1b,
; data 0x23); an exception there comes back to ring 0 through the IDT.
org 0x100000
bits 32
%define VCPU_HELPERS
%include "guests/lib32.inc"

main:
	mov esi, msg_hello
	call puts
	call read_brand

	mov esi, case_ring0_write
	call ring0_write

	; ring 3: console write
	mov dword [user_ran], 0
	mov dword [user_returned], 0
	EXPECT_FAULT 6, .after_write
	mov eax, user_write
	xor ecx, ecx
	jmp enter_user
.after_write:
	call kernel_segments
	mov esi, case_ring3_write
	call check_user_ud

	call nt_iret
	mov esi, case_ring0_after_nt
	call ring0_write

	; ring 3: exit (last: if it goes through, the VM ends here)
	mov dword [user_ran], 0
	mov dword [user_returned], 0
	EXPECT_FAULT 6, .after_exit
	mov eax, user_exit
	xor ecx, ecx
	jmp enter_user
.after_exit:
	call kernel_segments
	mov esi, case_ring3_exit
	call check_user_ud

	mov esi, case_ring0_again
	call ring0_write
	ret

; ESI = case: HC_CONSOLE_WRITE from ring 0 returns 0.
ring0_write:
	push esi
	mov eax, 1
	mov ebx, ring0_text
	mov ecx, ring0_text_len
	TRY vmmcall
	mov [got_lo], eax
	mov dword [got_hi], 0
	pop esi
	cmp dword [fault_vector], -1
	jne .report
	test eax, eax
.report:
	jmp report_got

; ESI = case: the user code ran, its VMMCALL raised #UD (so nothing after
; it in ring 3 ran). got = user_ran : user_returned.
check_user_ud:
	mov eax, [user_ran]
	mov [got_hi], eax
	mov eax, [user_returned]
	mov [got_lo], eax
	cmp dword [fault_vector], 6
	jne .report
	cmp dword [user_ran], 1
	jne .report
	cmp dword [user_returned], 0
.report:
	jmp report_got

kernel_segments:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	ret

; --- CPL 3 code (DS = ES = 0x23: flat, DPL 3) ---------------------------------
user_write:
	mov dword [user_ran], 1
	mov eax, 1                      ; HC_CONSOLE_WRITE
	mov ebx, leak_text
	mov ecx, leak_text_len
	vmmcall
	mov dword [user_returned], 1    ; VMMCALL returned: it was no #UD
	hlt                             ; #GP at CPL 3: back to ring 0
user_exit:
	mov dword [user_ran], 1
	mov eax, 2                      ; exit with result 0x55
	mov ebx, 0x55
	vmmcall
	mov dword [user_returned], 1
	hlt

; --- POPF(NT) + IRET at CPL 3 ------------------------------------------------
TSS1_SEL equ 0x28
TSS2_SEL equ 0x30

nt_iret:
	lgdt [gdt2_ptr]                 ; lib32's GDT and a second TSS
	jmp 0x08:.cs
.cs:
	call kernel_segments
	mov ax, 0x10
	mov ss, ax

	mov edi, gdt2 + TSS1_SEL        ; the kernel's TSS: available, then TR
	mov eax, tss
	mov bl, 0x89
	call tss_descriptor
	mov edi, gdt2 + TSS2_SEL        ; the linked task's: busy, as a
	mov eax, tss2                   ; nesting task would have left it
	mov bl, 0x8b
	call tss_descriptor
	mov dword [tss], TSS2_SEL       ; link field
	mov dword [tss + 4], stack_top - 256
	mov dword [tss + 8], 0x10
	mov ax, TSS1_SEL
	ltr ax

	mov dword [tss2 + 0x20], nt_switched    ; EIP
	mov dword [tss2 + 0x24], 2              ; EFLAGS
	mov dword [tss2 + 0x38], stack2_top     ; ESP
	mov dword [tss2 + 0x4c], 0x08           ; CS
	mov eax, 0x10
	mov [tss2 + 0x48], eax                  ; ES
	mov [tss2 + 0x50], eax                  ; SS
	mov [tss2 + 0x54], eax                  ; DS
	mov [tss2 + 0x58], eax                  ; FS
	mov [tss2 + 0x5c], eax                  ; GS
	mov eax, cr3
	mov [tss2 + 0x1c], eax
	mov dword [tss2 + 0x64], 104 << 16      ; no I/O bitmap

	mov dword [nt_lost], 0
	mov dword [switched], 0
	EXPECT_FAULT 13, .after
	push 0x23                       ; SS
	push user_stack_top             ; ESP
	push 2                          ; EFLAGS
	push 0x1b                       ; CS
	push user_nt                    ; EIP
	mov ax, 0x23
	mov ds, ax
	mov es, ax
	iretd

.after:
	call kernel_segments
	str ax
	movzx eax, ax
	mov [tr_after], eax
	mov al, [gdt2 + TSS1_SEL + 5]
	mov [tss1_type], al
	mov al, [gdt2 + TSS2_SEL + 5]
	mov [tss2_type], al
	lgdt [gdt_ptr]                  ; back to lib32's GDT
	jmp 0x08:.cs2
.cs2:
	call kernel_segments
	mov ax, 0x10
	mov ss, ax
	mov dword [tss], 0

	cmp dword [switched], 1
	jne .checked
	mov edi, why_switched           ; the CPU switched tasks by itself
	cmp dword [brand_qemu], 1
	jne .failed
	mov esi, case_nt_gp
	call report_skip
	mov esi, case_nt_clean
	call report_skip
	ret
.failed:
	mov esi, msg_switched
	call puts
	or eax, 1                       ; ZF clear: both fail
	mov esi, case_nt_gp
	call report_got
	or eax, 1
	mov esi, case_nt_clean
	call report_got
	ret

.checked:
	mov eax, [nt_lost]              ; got: nt_lost (1: a plain IRET ran)
	mov [got_hi], eax
	mov dword [got_lo], 0
	cmp dword [fault_vector], 13
	jne .gp
	cmp dword [nt_lost], 0
.gp:
	mov esi, case_nt_gp
	call report_got

	mov eax, [tr_after]             ; got: TR : the two descriptor types
	mov [got_hi], eax
	movzx eax, byte [tss1_type]
	shl eax, 8
	mov al, [tss2_type]
	mov [got_lo], eax
	cmp dword [tr_after], TSS1_SEL
	jne .clean
	cmp byte [tss1_type], 0x8b      ; still busy: still the current task
	jne .clean
	cmp byte [tss2_type], 0x8b
.clean:
	mov esi, case_nt_clean
	call report_got
	ret

; EDI = descriptor, EAX = base, BL = access byte: a 104-byte 32-bit TSS.
tss_descriptor:
	mov word [edi], 103
	mov [edi + 2], ax
	shr eax, 16
	mov [edi + 4], al
	mov [edi + 5], bl
	mov byte [edi + 6], 0
	mov [edi + 7], ah
	ret

user_nt:                                ; CPL 3
	pushfd
	or dword [esp], 1 << 14         ; NT
	popfd
	push 0x23                       ; a frame for a plain IRET, should
	push user_stack_top - 64        ; NT have been lost: to user_no_nt
	push 2
	push 0x1b
	push user_no_nt
	iretd
user_no_nt:                             ; CPL 3
	mov dword [nt_lost], 1
	ud2

nt_switched:                            ; CPL 0, on TSS2: the CPU switched
	mov ax, 0x10
	mov ds, ax
	mov dword [switched], 1
	mov esp, [fault_esp]
	jmp nt_iret.after

align 8
gdt2:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00cffb000000ffff           ; 0x18: user code (DPL 3)
	dq 0x00cff3000000ffff           ; 0x20: user data (DPL 3)
	dq 0                            ; 0x28: TSS1 (lib32's tss)
	dq 0                            ; 0x30: TSS2, the linked task
gdt2_ptr:
	dw $ - gdt2 - 1
	dd gdt2

user_ran:      dd 0
user_returned: dd 0
nt_lost:       dd 0
switched:      dd 0
tr_after:      dd 0
tss1_type:     db 0
tss2_type:     db 0

msg_hello:    db "ring3_32: ring 3 against the virtual CPU", 13, 10, 0
msg_switched: db "ring3_32: the CPU switched to the linked task itself", 13, 10, 0
why_switched: db "QEMU TCG switched tasks itself, no intercept", 0
ring0_text:   db "ring3_32: console write from ring 0", 10
ring0_text_len equ $ - ring0_text
leak_text:    db "RING3_LEAK: a console write from ring 3 got through", 10
leak_text_len equ $ - leak_text

case_ring0_write:    db "vmmcall: console write from ring 0 returns 0", 0
case_ring3_write:    db "vmmcall: console write from ring 3 raises #UD", 0
case_ring3_exit:     db "vmmcall: exit from ring 3 raises #UD, the VM goes on", 0
case_ring0_again:    db "vmmcall: console write from ring 0 still returns 0 after ring 3 tries", 0
case_nt_gp:          db "task switch: POPF(NT) + IRET in ring 3 raises #GP in the kernel", 0
case_nt_clean:       db "task switch: refused, TR and both TSS descriptors unchanged", 0
case_ring0_after_nt: db "vmmcall: console write from ring 0 returns 0 after the task switch attempt", 0

align 16
tss2:   times 104 db 0
stack2: times 1024 db 0
stack2_top:
