; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: in 64-bit mode at CPL 0: MOV SS, DS and ES with the null selector and IRETQ with a null SS, each followed by CPUID and OUT exits; LTR and LLDT of 16-byte system descriptors whose base is non-canonical (bit 63 alone, bit 56 alone) or whose upper type field is not 0, and of valid ones (one LDT base high and canonical)
; class: tables
; guest: the null loads and IRETQ with SS = 0 are taken, the stack and memory work, SS/DS/ES read 0 after 20 exits; every LTR and LLDT of a bad descriptor raises #GP(its selector) and leaves TR and LDTR as they were (QEMU takes a non-canonical base: noted); the valid ones load, and STR/SLDT read them after 20 exits
; hypervisor: nothing: no exit is needed, and no VMRUN fails with a null SS at CPL 0 in 64-bit mode or with a high LDTR/TR base
; others: the witness beats on, its RAM intact
;
; Real AMD hardware: in 64-bit mode, MOV SS may load a null selector at
; CPL 0-2 (with RPL = CPL) and IRETQ may return to 64-bit code at CPL < 3
; with a null SS (APM Vol.2 4.5.1 "Null selectors in 64-bit mode", Vol.3
; MOV, IRET); the null DS, ES and SS are never used for addressing there.
; LTR and LLDT in 64-bit mode read a 16-byte descriptor: a base (63:0)
; that is not canonical, or a non-zero type in the upper 8 bytes, is
; #GP(selector) and nothing is loaded (APM Vol.3 LTR, LLDT; Vol.2 4.8.3).
; The bases used are non-canonical at 48 and 57 bits alike. A null SS at
; CPL 0 is state VMRUN must accept: its consistency checks concern
; CS.L/CS.D, EFER, CR0, CR3, CR4, DR6/DR7 and the event injection (APM
; Vol.2 15.5.1), and svmvisor's own vmcb_check follows them.
;
; QEMU 7.2 (TCG) loads LDTR and TR from a descriptor with a non-canonical
; base without #GP, and LDTR also from one whose upper type is not 0;
; svmvisor does not see LTR or LLDT. Where the CPU brand says QEMU, a
; taken load is a note line and is kept live across 20 exits (no VMRUN
; may fail on it), then replaced. (A non-canonical KERNEL_GS_BASE for
; SWAPGS cannot be had on hardware: WRMSR refuses it, see
; msr-noncanonical.)
%include "guests/hostile/hostile.inc"
%include "guests/hostile/long64.inc"

CR0_PG    equ 0x80000000
CR4_PAE   equ 0x20
EFER      equ 0xc0000080
EFER_LME  equ 0x100
SEL_C32   equ 0x08
SEL_D     equ 0x10
SEL_C64   equ 0x18
SEL_TSS_A equ 0x20                      ; valid 64-bit TSS (loaded first)
SEL_TSS_N1 equ 0x30                     ; base bit 63
SEL_TSS_N2 equ 0x40                     ; base bit 56
SEL_TSS_T equ 0x50                      ; upper type field 0x0d
SEL_TSS_B equ 0x60                      ; valid 64-bit TSS (the control)
SEL_LDT_N1 equ 0x70                     ; base bit 63
SEL_LDT_N2 equ 0x80                     ; base bit 56
SEL_LDT_T equ 0x90                      ; upper type field 0x0d
SEL_LDT_H equ 0xa0                      ; base 0xffff800000001000 (canonical)
EXITS     equ 10

main:
	call read_brand
	mov dword [pml4], pdpt4 + 3
	mov dword [pdpt4], pd4 + 3
	mov dword [pd4], 0x000083
	mov dword [pd4 + 8], 0x200083
	IDT64_GATES
	; the two valid TSS descriptors point at real TSSs
	mov eax, tss_a
	mov ebx, gdt_case + SEL_TSS_A
	call set_base
	mov eax, tss_b
	mov ebx, gdt_case + SEL_TSS_B
	call set_base
	ENTER_LONG64

set_base:                               ; EAX = base 31:0 into the descriptor at EBX
	mov [ebx + 2], ax
	shr eax, 16
	mov [ebx + 4], al
	mov [ebx + 7], ah
	ret

bits 64
%macro ARM64 1
	mov qword [abs fault64_vec], -1
	mov qword [abs fault64_err], -1
	lea r11, [rel %1]
	mov [abs fault64_resume], r11
	mov [abs fault64_rsp], rsp
%endmacro
%macro TRY64 1+
	ARM64 %%done
	%1
%%done:
%endmacro
; RESULT slot: the vector and error code of the last TRY64 into slot
%macro RESULT 1
	mov eax, [abs fault64_vec]
	mov [abs %1], eax
	mov eax, [abs fault64_err]
	mov [abs %1 + 4], eax
%endmacro

exits64:
	push rbx
	mov r12d, EXITS
.l:
	xor eax, eax
	cpuid
	out 0x80, al
	dec r12d
	jnz .l
	pop rbx
	ret

long64:
	lidt [abs idt64_ptr]
	mov eax, cs
	mov [abs cs_seen], eax

	; ---- null SS, DS, ES at CPL 0
	xor eax, eax
	TRY64 mov ss, ax
	RESULT r_ss
	xor eax, eax
	TRY64 mov ds, ax
	RESULT r_ds
	xor eax, eax
	TRY64 mov es, ax
	RESULT r_es
	push qword 0x5a5a1234           ; the stack and memory still work
	pop rax
	mov [abs null_pop], eax
	mov eax, [abs probe]            ; DS-relative, DS null
	mov [abs null_read], eax
	call exits64
	mov eax, ss
	mov [abs null_ss_after], eax
	mov eax, ds
	mov [abs null_ds_after], eax
	mov eax, es
	mov [abs null_es_after], eax
	; IRETQ to CPL 0 with SS = 0 in the frame
	mov ax, SEL_D
	mov ss, ax
	ARM64 .iret_done
	mov rax, rsp
	push qword 0                    ; SS
	push rax                        ; RSP
	pushfq
	push qword SEL_C64
	lea rax, [rel .iret_done]
	push rax
	iretq
.iret_done:
	RESULT r_iret
	mov eax, ss
	mov [abs iret_ss], eax
	call exits64
	mov eax, ss
	mov [abs iret_ss_after], eax
	mov ax, SEL_D
	mov ss, ax
	mov ds, ax
	mov es, ax

	; ---- LTR: a valid TSS first, then the bad ones
	mov ax, SEL_TSS_A
	TRY64 ltr ax
	RESULT r_ltr_a
	%macro BAD_LTR 2                ; selector, result slot
	mov ax, %1
	TRY64 ltr ax
	RESULT %2
	str eax
	mov [abs %2 + 8], eax           ; TR after it
	cmp dword [abs %2], -1
	jne %%kept
	call exits64                    ; taken (QEMU): keep it live
	str eax
	mov [abs %2 + 12], eax
%%kept:
	%endmacro
	BAD_LTR SEL_TSS_N1, r_ltr_n1
	BAD_LTR SEL_TSS_N2, r_ltr_n2
	BAD_LTR SEL_TSS_T, r_ltr_t
	mov ax, SEL_TSS_B               ; the control: a second valid TSS
	TRY64 ltr ax
	RESULT r_ltr_b
	str eax
	mov [abs ltr_b_tr], eax

	; ---- LLDT
	%macro BAD_LLDT 2
	mov ax, %1
	TRY64 lldt ax
	RESULT %2
	sldt eax
	mov [abs %2 + 8], eax
	cmp dword [abs %2], -1
	jne %%kept
	call exits64
	sldt eax
	mov [abs %2 + 12], eax
	xor eax, eax
	lldt ax
%%kept:
	%endmacro
	BAD_LLDT SEL_LDT_N1, r_lldt_n1
	BAD_LLDT SEL_LDT_N2, r_lldt_n2
	BAD_LLDT SEL_LDT_T, r_lldt_t
	mov ax, SEL_LDT_H               ; the control: a high canonical base
	TRY64 lldt ax
	RESULT r_lldt_h
	call exits64
	sldt eax
	mov [abs lldt_h_after], eax
	xor eax, eax
	lldt ax

	jmp far dword [abs fp_c32]

	VEC64_STUBS

; OK_NOFAULT slot, case: PASS when the TRY ended without a fault
%macro OK_NOFAULT 2
	mov eax, [%1]
	mov [fault_vector], eax
	mov dword [got_hi], 0
	mov dword [got_lo], 0
	cmp eax, -1
	mov esi, %2
	call report_got
%endmacro
; IS value, want, case
%macro IS 3
	mov eax, [%1]
	mov [got_lo], eax
	mov dword [got_hi], 0
	mov dword [fault_vector], -1
	cmp eax, %2
	mov esi, %3
	call report_got
%endmacro

compat32:
	mov esp, [esp32]
	cmp dword [cs_seen], SEL_C64
	mov esi, msg_long
	call report_zf
	OK_NOFAULT r_ss, msg_ss
	OK_NOFAULT r_ds, msg_ds
	OK_NOFAULT r_es, msg_es
	IS null_pop, 0x5a5a1234, msg_pop
	IS null_read, 0x600df00d, msg_read
	IS null_ss_after, 0, msg_ss_after
	IS null_ds_after, 0, msg_ds_after
	IS null_es_after, 0, msg_es_after
	OK_NOFAULT r_iret, msg_iret
	IS iret_ss, 0, msg_iret_ss
	IS iret_ss_after, 0, msg_iret_after
	OK_NOFAULT r_ltr_a, msg_ltr_a
	mov ebx, r_ltr_n1
	mov esi, msg_ltr_n1
	mov edi, SEL_TSS_N1
	mov edx, SEL_TSS_A
	call report_bad
	mov ebx, r_ltr_n2
	mov esi, msg_ltr_n2
	mov edi, SEL_TSS_N2
	call report_bad_next
	mov ebx, r_ltr_t
	mov esi, msg_ltr_t
	mov edi, SEL_TSS_T
	call report_bad_next
	OK_NOFAULT r_ltr_b, msg_ltr_b
	IS ltr_b_tr, SEL_TSS_B, msg_ltr_b_tr
	mov ebx, r_lldt_n1
	mov esi, msg_lldt_n1
	mov edi, SEL_LDT_N1
	xor edx, edx
	call report_bad
	mov ebx, r_lldt_n2
	mov esi, msg_lldt_n2
	mov edi, SEL_LDT_N2
	xor edx, edx
	call report_bad
	mov ebx, r_lldt_t
	mov esi, msg_lldt_t
	mov edi, SEL_LDT_T
	xor edx, edx
	call report_bad
	OK_NOFAULT r_lldt_h, msg_lldt_h
	IS lldt_h_after, SEL_LDT_H, msg_lldt_h_after
	lgdt [gdt_before]
	ret

; The result at EBX (vector, error, register after, register after the
; exits) of a bad load of selector EDI, case ESI: #GP(EDI) and the
; register still EDX. report_bad_next: EDX as left by the last call.
report_bad:
	mov [keep_sel], edx
report_bad_next:
	mov eax, [ebx]
	mov [fault_vector], eax
	mov eax, [ebx + 8]
	mov [got_lo], eax
	mov eax, [ebx + 4]
	mov [got_hi], eax               ; "got <error>_<register>"
	cmp dword [ebx], -1
	jne .check
	cmp dword [brand_qemu], 0
	je .check
	mov eax, [ebx + 8]              ; QEMU took it: a note; it is now the one kept
	mov [keep_sel], eax
	push esi
	mov esi, msg_note
	call puts
	pop esi
	call puts
	mov esi, msg_taken
	call puts
	mov eax, [ebx + 12]
	call puthex32
	mov esi, msg_nl
	jmp puts
.check:
	cmp dword [ebx], 13
	jne .cmp
	cmp [ebx + 4], edi
	jne .cmp
	mov eax, [keep_sel]
	cmp [ebx + 8], eax
.cmp:
	jmp report_got

align 8
gdt_case:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00af9b000000ffff           ; 0x18: 64-bit code
	dq 0x0000890000000067, 0        ; 0x20: TSS A (base filled in)
	dq 0x0000890000000067, 0x80000000 ; 0x30: base 0x80000000_00000000
	dq 0x0000890000000067, 0x01000000 ; 0x40: base 0x01000000_00000000
	dq 0x0000890000000067, 0x00000d0000000000 ; 0x50: upper type 0x0d
	dq 0x0000890000000067, 0        ; 0x60: TSS B (base filled in)
	dq 0x0000820000000fff, 0x80000000 ; 0x70: LDT, base bit 63
	dq 0x0000820000000fff, 0x01000000 ; 0x80: LDT, base bit 56
	dq 0x0000820000000fff, 0x00000d0000000000 ; 0x90: LDT, upper type 0x0d
	dq 0x0000820010000fff, 0xffff8000 ; 0xa0: LDT, base 0xffff8000_00001000
gdt_case_ptr:
	dw $ - gdt_case - 1
	dd gdt_case
align 8
idt64_ptr:
	dw 32 * 16 - 1
	dq idt64
fp_c32: dd compat32
	dw SEL_C32
align 8
fault64_vec:    dq -1
fault64_err:    dq -1
fault64_resume: dq 0
fault64_rsp:    dq 0
esp32:      dd 0
cs_seen:    dd 0
keep_sel:   dd 0
probe:      dd 0x600df00d
null_pop:   dd 0
null_read:  dd 0
null_ss_after: dd 0
null_ds_after: dd 0
null_es_after: dd 0
iret_ss:    dd 0
iret_ss_after: dd 0
ltr_b_tr:   dd 0
lldt_h_after: dd 0
r_ss:       dd 0, 0
r_ds:       dd 0, 0
r_es:       dd 0, 0
r_iret:     dd 0, 0
r_ltr_a:    dd 0, 0
r_ltr_b:    dd 0, 0
r_lldt_h:   dd 0, 0
r_ltr_n1:   dd 0, 0, 0, 0
r_ltr_n2:   dd 0, 0, 0, 0
r_ltr_t:    dd 0, 0, 0, 0
r_lldt_n1:  dd 0, 0, 0, 0
r_lldt_n2:  dd 0, 0, 0, 0
r_lldt_t:   dd 0, 0, 0, 0
gdt_before: times 10 db 0

msg_long:   db "long mode: running in the 64-bit code segment", 0
msg_ss:     db "MOV SS, 0 at CPL 0 in 64-bit mode: no fault", 0
msg_ds:     db "MOV DS, 0: no fault", 0
msg_es:     db "MOV ES, 0: no fault", 0
msg_pop:    db "with SS null, PUSH and POP work", 0
msg_read:   db "with DS null, a DS-relative read works", 0
msg_ss_after: db "SS still reads 0 after 10 CPUID and 10 OUT exits", 0
msg_ds_after: db "DS still reads 0 after them", 0
msg_es_after: db "ES still reads 0 after them", 0
msg_iret:   db "IRETQ to CPL 0 with SS = 0 in the frame: no fault", 0
msg_iret_ss: db "IRETQ: SS is 0", 0
msg_iret_after: db "SS still 0 after 20 exits", 0
msg_ltr_a:  db "LTR of a valid 64-bit TSS: loaded", 0
msg_ltr_n1: db "LTR, TSS base 0x80000000_00000000: #GP(selector), TR kept", 0
msg_ltr_n2: db "LTR, TSS base 0x01000000_00000000: #GP(selector), TR kept", 0
msg_ltr_t:  db "LTR, upper type field 0x0d: #GP(selector), TR kept", 0
msg_ltr_b:  db "LTR of a second valid TSS: loaded", 0
msg_ltr_b_tr: db "STR reads it", 0
msg_lldt_n1: db "LLDT, LDT base 0x80000000_00000000: #GP(selector), LDTR kept", 0
msg_lldt_n2: db "LLDT, LDT base 0x01000000_00000000: #GP(selector), LDTR kept", 0
msg_lldt_t: db "LLDT, upper type field 0x0d: #GP(selector), LDTR kept", 0
msg_lldt_h: db "LLDT, LDT base 0xffff8000_00001000 (canonical): loaded", 0
msg_lldt_h_after: db "SLDT reads it after 20 exits", 0
msg_note:   db "note: ", 0
msg_taken:  db ": taken (QEMU does not check); after 20 exits: 0x", 0

align 16
tss_a: times 0x68 db 0
align 16
tss_b: times 0x68 db 0

align 4096
pml4:  times 4096 db 0
pdpt4: times 4096 db 0
pd4:   times 4096 db 0
idt64: times 32 * 16 db 0
