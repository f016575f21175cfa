; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: in 64-bit mode, far JMP, far RET and IRETQ to a code segment with both L and D set (the state VMRUN refuses), and LGDT/LIDT with a non-canonical base
; class: vmcb
; guest: each load of the L+D code segment is refused with #GP(its selector) and the guest stays in 64-bit mode; LGDT and LIDT with a non-canonical base give #GP(0) and leave GDTR and IDTR as they were (on QEMU, which takes all five: the L+D segment runs, exits and returns; the rest are SKIP lines); the case reports and ends from compatibility mode
; hypervisor: never a VMEXIT_INVALID ("EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all set" is never the guest's state at a VMRUN): where the CPU let the guest load such a CS (QEMU), D is cleared before VMRUN and "CS 0x20 has L and D both set in long mode" logged once
; others: the witness beats on, its RAM intact
;
; A code-segment descriptor with L = 1 and D = 1 is reserved in long mode
; (APM Vol.2 4.8.1: "if L = 1, D must be 0"; SDM Vol.3 5.2.1: "the CS.L
; = 1 and CS.D = 1 bit combination is reserved ... and a #GP fault will
; be generated on an attempt to use a code segment with these bits set in
; IA-32e mode"; SDM Vol.2 JMP/RET/IRET list it among the #GP(selector)
; conditions). VMRUN itself refuses a guest state with EFER.LME, CR0.PG,
; CR4.PAE, CS.L and CS.D all set (APM Vol.2 15.5.1), so a CPU that let a
; guest load such a CS would let it make its hypervisor's next VMRUN fail.
; LGDT and LIDT in 64-bit mode take a 64-bit base, which must be
; canonical (#GP(0) otherwise, APM Vol.3 LGDT/LIDT).
;
; The case enters long mode as a kernel would (CR4.PAE, CR3 -> 4-level
; tables identity-mapping 4 MiB, EFER.LME, CR0.PG, far JMP to a 64-bit
; CS), with a 64-bit IDT of its own, and records what happens; it prints
; from compatibility mode (a 32-bit code segment in long mode: lib32's
; output and debug exit work there unchanged), where it also ends. Had the
; CPU taken the L+D segment, the code there does an OUT (an exit, so the
; next VMRUN carries that CS) and jumps back to the 64-bit CS.
;
; QEMU 7.2 (TCG) takes the L+D segment (no #GP), and its next VMRUN would
; fail the consistency check. svmvisor clears D in the VMCB before VMRUN
; (svm/vcpu.c cs_long_and_d: the guest runs that CS as 64-bit code
; either way) and logs it once. On QEMU (brand "QEMU") the three #GP
; checks are SKIP lines and the case checks instead that the L+D segment
; ran, made its exit (OUT) and came back to the 64-bit segment. QEMU also
; takes LGDT and LIDT with a non-canonical base in 64-bit mode, with no
; exit that svmvisor could refuse it at, and its next far JMP through that
; GDT ends in a triple fault: on QEMU those two are SKIP lines and are not
; run. Bochs refuses all five with #GP, as hardware does.
;
; The far JMPs use the m16:32 form (no REX.W), which AMD and Intel read
; alike: with REX.W, Bochs (model ryzen) reads m16:64 as Intel does,
; QEMU m16:32 as AMD does.
%include "guests/hostile/hostile.inc"
%include "guests/hostile/long64.inc"

CR0_PG   equ 0x80000000
CR4_PAE  equ 0x20
EFER     equ 0xc0000080
EFER_LME equ 0x100
SEL_C32  equ 0x08                       ; the case's GDT
SEL_D    equ 0x10
SEL_C64  equ 0x18
SEL_LD   equ 0x20                       ; L = 1 and D = 1
NONCANON equ 0x00008000                 ; high dword: base 0x0000800000000000

main:
	call read_brand
	; 4-level tables: 0-4 MiB identity-mapped with 2 MiB pages
	mov dword [pml4], pdpt4 + 3
	mov dword [pdpt4], pd4 + 3
	mov dword [pd4], 0x000083
	mov dword [pd4 + 8], 0x200083
	; the 64-bit IDT: 32 gates to vec64_N, selector SEL_C64
	IDT64_GATES

	ENTER_LONG64

bits 64
; ARM64 label: a fault from here on resumes at label, with this RSP
%macro ARM64 1
	mov qword [abs fault64_vec], -1
	mov qword [abs fault64_err], -1
	lea rax, [rel %1]
	mov [abs fault64_resume], rax
	mov [abs fault64_rsp], rsp
%endmacro
; TRY64 insn: run insn with the 64-bit IDT armed
%macro TRY64 1+
	ARM64 %%done
	%1
%%done:
%endmacro

long64:
	lidt [abs idt64_ptr]
	mov rax, cs
	mov [abs cs_seen], eax

	; 1. far JMP to the L+D segment (m16:32)
	TRY64 jmp far dword [abs fp_jmp]
	mov rax, [abs fault64_vec]
	mov [abs r_jmp_vec], eax
	mov rax, [abs fault64_err]
	mov [abs r_jmp_err], eax

	; 2. far RET (REX.W: 64-bit offset, then the selector) to it
	ARM64 .ret_done
	push qword SEL_LD
	lea rax, [rel target_ld]
	push rax
	o64 retf
.ret_done:
	mov rax, [abs fault64_vec]
	mov [abs r_ret_vec], eax
	mov rax, [abs fault64_err]
	mov [abs r_ret_err], eax

	; 3. IRETQ to it (SS:RSP, RFLAGS, CS:RIP)
	ARM64 .iret_done
	mov rax, rsp
	push qword SEL_D
	push rax
	pushfq
	push qword SEL_LD
	lea rax, [rel target_ld]
	push rax
	iretq
.iret_done:
	mov rax, [abs fault64_vec]
	mov [abs r_iret_vec], eax
	mov rax, [abs fault64_err]
	mov [abs r_iret_err], eax
	mov rax, cs
	mov [abs cs_after], eax

	; 4. LGDT and LIDT with a non-canonical base (not on QEMU: see above)
	cmp dword [abs brand_qemu], 0
	jne .no_desc
	sgdt [abs gdt_seen1]
	TRY64 lgdt [abs bad_desc_ptr]
	mov rax, [abs fault64_vec]
	mov [abs r_lgdt_vec], eax
	sgdt [abs gdt_seen2]
	sidt [abs idt_seen1]
	TRY64 lidt [abs bad_desc_ptr]
	mov rax, [abs fault64_vec]
	mov [abs r_lidt_vec], eax
	sidt [abs idt_seen2]
.no_desc:

	; back to 32-bit protected mode: compatibility mode, paging off
	jmp far dword [abs fp_c32]

; Where the L+D segment leads, if a CPU takes it: the encodings below
; mean the same in 64-bit and 32-bit code. OUT exits, so the next VMRUN
; sees the state; then back to the 64-bit segment.
target_ld:
	mov dword [abs landed], 1
	out 0x80, al
	jmp far dword [abs fp_back]
after_ld:
	mov rsp, [abs fault64_rsp]
	jmp [abs fault64_resume]

; #n in 64-bit mode: record the vector (and error code), resume.
	VEC64_STUBS

compat32:                               ; CS = SEL_C32: compatibility mode, 32-bit code
	mov esp, [esp32]
	call report                     ; lib32's output needs no IDT
	lgdt [gdt_before]               ; lib32's GDT back (same selectors for
	ret                             ; code and data); finish runs from here

report:
	cmp dword [cs_seen], SEL_C64
	mov esi, msg_long
	call report_zf
	cmp dword [brand_qemu], 0
	jne report_qemu
	mov eax, [r_jmp_err]
	mov ebx, [r_jmp_vec]
	mov esi, msg_jmp
	call report_gp_sel
	mov eax, [r_ret_err]
	mov ebx, [r_ret_vec]
	mov esi, msg_ret
	call report_gp_sel
	mov eax, [r_iret_err]
	mov ebx, [r_iret_vec]
	mov esi, msg_iret
	call report_gp_sel
	cmp dword [landed], 0
	mov esi, msg_landed
	call report_zf
	cmp dword [cs_after], SEL_C64
	mov esi, msg_cs_after
	call report_zf
	cmp dword [r_lgdt_vec], 13
	mov esi, msg_lgdt
	call report_zf
	mov esi, gdt_seen1
	mov edi, gdt_seen2
	mov ecx, 10
	repe cmpsb
	mov esi, msg_lgdt_same
	call report_zf
	cmp dword [r_lidt_vec], 13
	mov esi, msg_lidt
	call report_zf
	mov esi, idt_seen1
	mov edi, idt_seen2
	mov ecx, 10
	repe cmpsb
	mov esi, msg_lidt_same
	jmp report_zf

; QEMU took the L+D segment: it ran, exited (OUT) and came back.
report_qemu:
	mov edi, why_qemu_ld
	mov esi, msg_jmp
	call report_skip
	mov esi, msg_ret
	call report_skip
	mov esi, msg_iret
	call report_skip
	cmp dword [landed], 1
	jne .cmp
	cmp dword [cs_after], SEL_C64
.cmp:
	mov esi, msg_qemu_ld
	call report_zf
	mov edi, why_qemu_desc
	mov esi, msg_lgdt
	call report_skip
	mov esi, msg_lidt
	jmp report_skip

; PASS line ESI when the vector EBX is 13 and the error code EAX the L+D
; selector; a detail line after a FAIL.
report_gp_sel:
	mov [got_lo], eax
	mov [got_hi], ebx
	cmp ebx, 13
	jne .cmp
	cmp eax, SEL_LD
.cmp:
	push ebx
	mov ebx, ebp
	call report_zf
	cmp ebx, ebp
	pop ebx
	je .done
	pushad
	mov esi, msg_detail
	call puts
	mov eax, [got_hi]
	call puthex32
	mov esi, msg_detail2
	call puts
	mov eax, [got_lo]
	call puthex32
	mov esi, msg_nl
	call puts
	popad
.done:
	ret

align 8
gdt_case:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00af9b000000ffff           ; 0x18: 64-bit code (L = 1, D = 0)
	dq 0x00ef9b000000ffff           ; 0x20: L = 1 and D = 1
gdt_case_ptr:
	dw $ - gdt_case - 1
	dd gdt_case
align 8
idt64_ptr:
	dw 32 * 16 - 1
	dq idt64
bad_desc_ptr:                           ; limit, then a non-canonical base
	dw 0xff
	dd 0
	dd NONCANON
fp_jmp:  dd target_ld
	dw SEL_LD
fp_back: dd after_ld
	dw SEL_C64
fp_c32:  dd compat32
	dw SEL_C32
align 8
fault64_vec:    dq -1
fault64_err:    dq -1
fault64_resume: dq 0
fault64_rsp:    dq 0
esp32:      dd 0
cs_seen:    dd 0
cs_after:   dd 0
landed:     dd 0
r_jmp_vec:  dd 0
r_jmp_err:  dd 0
r_ret_vec:  dd 0
r_ret_err:  dd 0
r_iret_vec: dd 0
r_iret_err: dd 0
r_lgdt_vec: dd 0
r_lidt_vec: dd 0
gdt_before: times 10 db 0
gdt_seen1:  times 10 db 0
gdt_seen2:  times 10 db 0
idt_seen1:  times 10 db 0
idt_seen2:  times 10 db 0

msg_long:     db "long mode: running in the 64-bit code segment", 0
msg_jmp:      db "far JMP to an L+D code segment: #GP(its selector)", 0
msg_ret:      db "far RET (REX.W) to an L+D code segment: #GP(its selector)", 0
msg_iret:     db "IRETQ to an L+D code segment: #GP(its selector)", 0
msg_landed:   db "no instruction ran in the L+D code segment", 0
msg_cs_after: db "CS is still the 64-bit code segment", 0
msg_lgdt:     db "LGDT with a non-canonical base in 64-bit mode: #GP(0)", 0
msg_lgdt_same: db "GDTR unchanged by it", 0
msg_lidt:     db "LIDT with a non-canonical base in 64-bit mode: #GP(0)", 0
msg_qemu_ld:  db "the L+D segment QEMU loaded ran, exited (OUT) and came back: no failed VMRUN", 0
why_qemu_ld:  db "QEMU 7.2 loads it (hardware: #GP)", 0
why_qemu_desc: db "QEMU 7.2 takes it, with no exit; not run", 0
msg_lidt_same: db "IDTR unchanged by it", 0
msg_detail:   db "  got vector 0x", 0
msg_detail2:  db ", error code 0x", 0

align 4096
pml4:  times 4096 db 0
pdpt4: times 4096 db 0
pd4:   times 4096 db 0
idt64: times 32 * 16 db 0
