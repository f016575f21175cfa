; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: the CPUID view, MSR emulation, port I/O and hypercalls,
; and that every SVM instruction is #UD in a guest.
org 0x100000
%include "guests/lib32.inc"

main:
	mov esi, msg_hello
	call puts

	mov eax, 0x80000001             ; SVM must be hidden
	cpuid
	test ecx, 1 << 2
	mov esi, case_svm_hidden
	call report_zf

	mov eax, 1                      ; hypervisor-present bit
	cpuid
	bt ecx, 31
	setnc al
	test al, al
	mov esi, case_hv_bit
	call report_zf

	mov eax, 0x40000000             ; the svmvisor signature
	cpuid
	cmp ebx, 'svmv'
	jne .sig
	cmp ecx, 'isor'
.sig:
	mov esi, case_signature
	call report_zf

	; CPUID behind a prefix: without NRIP save the hypervisor must decode
	; the length (3), or RIP lands on A2 (MOV moffs8, AL) and eats the MOV.
	xor edi, edi
	mov eax, 0x40000000
	db 0x3e, 0x0f, 0xa2             ; DS: CPUID
	mov edi, 1
	cmp edi, 1
	mov esi, case_prefixed
	call report_zf

	mov dx, 0x2f0                   ; unassigned ports read all ones
	in al, dx
	cmp al, 0xff
	mov esi, case_unassigned
	call report_zf

	mov ecx, 0xc0000080             ; EFER reads without SVME
	rdmsr
	test eax, 1 << 12
	mov esi, case_efer
	call report_zf

	EXPECT_FAULT 13, .after_gp      ; an unknown MSR is #GP
	mov ecx, 0xc0011234
	rdmsr
.after_gp:
	cmp dword [fault_vector], 13
	mov esi, case_msr_gp
	call report_zf

	mov eax, 1                      ; console-write hypercall
	mov ebx, hc_text
	mov ecx, hc_text_len
	vmmcall
	test eax, eax
	mov esi, case_hypercall
	call report_zf

	EXPECT_FAULT 1, .after_db       ; single-step #DB, intercepted and reflected
	pushfd
	or dword [esp], 1 << 8          ; TF
	popfd
	nop
	nop
.after_db:
	cmp dword [fault_vector], 1
	mov esi, case_db
	call report_zf

	; #AC: CR0.AM, EFLAGS.AC and a misaligned load at CPL 3; intercepted
	; (CVE-2015-8104) and reflected, back to ring 0 through the TSS.
	mov eax, cr0
	or eax, 1 << 18                 ; AM
	mov cr0, eax
	EXPECT_FAULT 17, .after_ac
	mov eax, .user_ac
	mov ecx, 1 << 18                ; AC
	jmp enter_user
.user_ac:
	mov eax, [misaligned + 1]
	ud2                             ; no #AC: come back through #UD instead
.after_ac:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	cmp dword [fault_vector], 6     ; QEMU's TCG never checks alignment
	jne .ac_checked
	mov esi, msg_ac_skip
	call puts
	jmp .ac_done
.ac_checked:
	cmp dword [fault_vector], 17
	mov esi, case_ac
	call report_zf
.ac_done:

%macro EXPECT_UD 2
	EXPECT_FAULT 6, %%after
	mov eax, 0x200000               ; page-aligned: no #GP before the intercept
	db %1
%%after:
	cmp dword [fault_vector], 6
	mov esi, %2
	call report_zf
%endmacro
	EXPECT_UD {0x0f, 0x01, 0xd8}, case_vmrun
	EXPECT_UD {0x0f, 0x01, 0xda}, case_vmload
	EXPECT_UD {0x0f, 0x01, 0xdb}, case_vmsave
	EXPECT_UD {0x0f, 0x01, 0xdc}, case_stgi
	EXPECT_UD {0x0f, 0x01, 0xdd}, case_clgi
	EXPECT_UD {0x0f, 0x01, 0xde}, case_skinit
	EXPECT_UD {0x0f, 0x01, 0xdf}, case_invlpga
	ret

msg_hello:       db "cpuid32: protected mode guest up", 13, 10, 0
case_svm_hidden: db "cpuid: SVM hidden", 0
case_hv_bit:     db "cpuid: hypervisor bit set", 0
case_signature:  db "cpuid: 0x40000000 signature svmvisor", 0
case_prefixed:   db "cpuid: prefixed CPUID skipped by its real length", 0
case_unassigned: db "io: unassigned port reads all ones", 0
case_efer:       db "msr: EFER.SVME hidden", 0
case_msr_gp:     db "msr: unknown MSR raises #GP", 0
case_hypercall:  db "vmmcall: console write", 0
case_db:         db "exceptions: #DB reflected to the guest", 0
case_ac:         db "exceptions: #AC reflected to the guest", 0
msg_ac_skip:     db "SKIP exceptions: #AC: this CPU raised none for a misaligned load at CPL 3", 13, 10, 0
misaligned:      dd 0, 0
case_vmrun:      db "svm: VMRUN is #UD", 0
case_vmload:     db "svm: VMLOAD is #UD", 0
case_vmsave:     db "svm: VMSAVE is #UD", 0
case_stgi:       db "svm: STGI is #UD", 0
case_clgi:       db "svm: CLGI is #UD", 0
case_skinit:     db "svm: SKINIT is #UD", 0
case_invlpga:    db "svm: INVLPGA is #UD", 0
hc_text:         db "hello through the console hypercall", 10
hc_text_len      equ $ - hc_text
