; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: WRMSR EFER with reserved bits, LME toggled under paging, paging on for long mode without PAE, and a real trip into compatibility mode and out
; class: vmcb
; guest: #GP(0) and EFER unchanged for EFER bits 1, 7, 9, 12 (SVME), 16, 32 and 63; setting LME under 32-bit or legacy PAE paging raises #GP; LME is accepted with paging off, and MOV CR0.PG=1 with LME=1 and CR4.PAE=0 then raises #GP with CR0 and EFER unchanged; with PAE tables (first 4 MiB identity-mapped by 2 MiB pages) the same write enters compatibility mode and RDMSR EFER shows LMA=1; there, clearing LME or CR4.PAE raises #GP, rewriting EFER as read is accepted, and turning paging off is accepted and clears LMA
; hypervisor: nothing: svm/msr.c refuses the EFER writes and svm/crx.c the CR0/CR4 writes with #GP, as the CPU does (APM Vol.2 3.1.7, 14.6, 14.7); LME set with paging off is parked outside the VMCB until CR0.PG is set; no VMRUN fails and the host keeps its paging
; others: the witness beats on, its RAM intact
;
; Real AMD hardware: EFER's reserved bits (7:1, 9, 63:16) are must-be-zero
; (#GP); SVME (bit 12) is reserved too on a CPU whose CPUID offers no SVM,
; as the guest's does not. Changing LME while CR0.PG=1 is #GP. LME=1 with
; paging and PAE off is a legal state (LME does nothing until PG is set).
; Turning paging on with LME=1 needs CR4.PAE (#GP otherwise) and activates
; long mode (LMA=1); from a code segment with L=0 the CPU is then in
; compatibility mode, where exceptions go through a 64-bit IDT (the case
; installs one whose handlers run in a 64-bit code segment and IRETQ back
; to the 32-bit code). Paging may be turned off again from compatibility
; mode, which clears LMA.
;
; What the emulators do (found with this case), and how svmvisor hides it:
; - QEMU 7.2: an exit while the guest has EFER.LME=1 with CR4.PAE=0 and
;   CR0.PG=0 would resume the *host* with paging off: its #VMEXIT loads the
;   host's CR0 while EFER and CR4 are still the guest's, and
;   cpu_x86_update_cr0() returns early when CR4.PAE is clear. So svmvisor
;   keeps the guest's LME out of the VMCB while its CR0.PG is 0 (parked in
;   the vCPU, shown by RDMSR; every PG change exits and moves it back).
; - QEMU 7.2 sets the Accessed bit (bit 5) in legacy PAE PDPTEs: svm/gwalk.c
;   lets it through.
; - Bochs: its MOV CR0 clears EFER.LMA before it checks the selective CR0
;   intercept, and gives no decode information (EXITINFO1 0) for that exit;
;   so turning paging off in compatibility mode exits with CR0.PG=1,
;   EFER.LME=1 and LMA=0. svmvisor restores LMA (it is LME with paging on)
;   before it fetches the instruction through the long-mode tables.
; The order: reserved bits, LME under 32-bit paging, LME without PAE (the
; line "next: EFER.LME=1 with CR4.PAE=0 ..." marks where QEMU went wrong),
; the trip into compatibility mode and out (where Bochs looped), LME under
; legacy PAE paging.
%include "guests/hostile/hostile.inc"

MSR_EFER equ 0xc0000080
EFER_LME equ 1 << 8
EFER_LMA equ 1 << 10
CR0_PG   equ 1 << 31
CR4_PAE  equ 1 << 5
CR4_PSE  equ 1 << 4

SEL_CODE64 equ 0x18

main:
	call tables_setup
	mov ecx, MSR_EFER
	rdmsr
	mov [efer0], eax
	mov [efer0 + 4], edx
	mov eax, cr0
	mov [cr0_start], eax

	; reserved bits, one at a time
	mov ebx, reserved_bits
.bit:
	mov ecx, [ebx]
	cmp ecx, -1
	je .bits_done
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	cmp ecx, 32
	jae .high
	bts eax, ecx
	jmp .write
.high:
	sub ecx, 32
	bts edx, ecx
.write:
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, 13
	call check_efer
	mov esi, [ebx + 4]
	call report_got
	add ebx, 8
	jmp .bit
.bits_done:

	; 32-bit paging (one 4 MiB page), then try to set LME
	mov eax, cr4
	and eax, ~CR4_PAE
	or eax, CR4_PSE
	mov cr4, eax
	mov eax, pd32
	mov cr3, eax
	mov eax, [cr0_start]
	or eax, CR0_PG
	mov cr0, eax
	jmp .paged32
.paged32:
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, 13
	call check_efer
	mov esi, msg_set_lme32
	call report_got
	mov eax, [cr0_start]
	mov cr0, eax
	mov eax, cr4
	and eax, ~CR4_PSE
	mov cr4, eax

	; LME without PAE, paging off: accepted (QEMU 7.2 goes wrong at the
	; next exit in this state: see the header)
	mov esi, msg_next
	call puts
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, -1
	call check_efer
	mov esi, msg_lme_nopae
	call report_got

	; paging on for long mode without CR4.PAE
	mov eax, pml4
	mov cr3, eax
	mov eax, [cr0_start]
	or eax, CR0_PG
	TRY mov cr0, eax
	mov eax, cr0
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp dword [fault_vector], 13
	jne .nopae_cr0
	cmp eax, [cr0_start]
.nopae_cr0:
	mov esi, msg_nopae
	call report_got
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, 13
	call check_efer
	mov esi, msg_nopae_efer
	call report_got

	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, -1
	call check_efer
	mov esi, msg_lme_off2
	call report_got

	; long mode for real: PAE on, then LME (accepted with paging off,
	; LMA stays clear), then the 64-bit IDT and paging on
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, -1
	call check_efer
	mov esi, msg_lme
	call report_got
	mov eax, pml4
	mov cr3, eax
	lgdt [gdt64_ptr]
	jmp 0x08:.gdt_loaded
.gdt_loaded:
	lidt [idt64_ptr]
	mov eax, [cr0_start]
	or eax, CR0_PG
	mov cr0, eax
	jmp .compat                     ; now in compatibility mode
.compat:
	mov ecx, MSR_EFER
	rdmsr
	mov [long_efer], eax
	mov [long_efer + 4], edx
	mov [got_lo], eax
	mov [got_hi], edx
	mov dword [fault_vector], -1
	mov ebx, [efer0]
	or ebx, EFER_LME | EFER_LMA
	cmp eax, ebx
	jne .lma_report
	cmp edx, [efer0 + 4]
.lma_report:
	mov esi, msg_lma
	call report_got

	; clearing LME in long mode
	mov eax, [long_efer]
	and eax, ~EFER_LME
	mov edx, [long_efer + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [long_efer]
	mov edx, [long_efer + 4]
	mov ecx, 13
	call check_efer
	mov esi, msg_clear_lme
	call report_got

	; writing back what was read (LME and LMA set): accepted
	mov eax, [long_efer]
	mov edx, [long_efer + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [long_efer]
	mov edx, [long_efer + 4]
	mov ecx, -1
	call check_efer
	mov esi, msg_rewrite
	call report_got

	; clearing CR4.PAE in long mode
	mov eax, cr4
	mov [cr4_long], eax
	and eax, ~CR4_PAE
	TRY mov cr4, eax
	mov eax, cr4
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp dword [fault_vector], 13
	jne .pae_report
	cmp eax, [cr4_long]
.pae_report:
	mov esi, msg_clear_pae
	call report_got

	; paging off from compatibility mode: allowed, LMA goes
	mov eax, [cr0_start]
	mov cr0, eax
	lidt [idt_ptr]
	lgdt [gdt_ptr]
	jmp 0x08:.legacy
.legacy:
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, -1
	mov dword [fault_vector], -1
	call check_efer
	mov esi, msg_pg_off
	call report_got

	; LME off with paging off: accepted
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, -1
	call check_efer
	mov esi, msg_lme_off
	call report_got

	; legacy PAE paging (LME=0), then try to set LME
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, pdpt_legacy
	mov cr3, eax
	mov eax, [cr0_start]
	or eax, CR0_PG
	mov cr0, eax
	jmp .paged_pae
.paged_pae:
	mov eax, [efer0]
	or eax, EFER_LME
	mov edx, [efer0 + 4]
	mov ecx, MSR_EFER
	TRY wrmsr
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, 13
	call check_efer
	mov esi, msg_set_lme
	call report_got

	mov eax, [cr0_start]
	mov cr0, eax
	mov eax, cr4
	and eax, ~CR4_PAE
	mov cr4, eax
	xor eax, eax
	mov cr3, eax
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov ecx, -1
	mov dword [fault_vector], -1
	call check_efer
	mov esi, msg_end
	call report_got
	ret

; ecx = the vector the last TRY must have ended with, edx:eax = the EFER
; RDMSR must return: ZF set when both are so; got_hi:got_lo = EFER, for
; report_got.
check_efer:
	push eax
	push edx
	push ecx
	mov ecx, MSR_EFER
	rdmsr
	mov [got_lo], eax
	mov [got_hi], edx
	pop ecx
	pop edx
	pop eax
	cmp [fault_vector], ecx
	jne .done
	cmp [got_lo], eax
	jne .done
	cmp [got_hi], edx
.done:
	ret

; The 4-level tables (PML4 -> PDPT -> PD, two 2 MiB pages: 0-4 MiB), the
; legacy PAE PDPT (its entries have only P: R/W and U/S are reserved
; there) and the 64-bit IDT (gates to 64-bit stubs in SEL_CODE64).
tables_setup:
	mov dword [pml4], pdpt + 3
	mov dword [pdpt], pd + 3
	mov dword [pdpt_legacy], pd + 1
	mov dword [pd], 0x83
	mov dword [pd + 8], 0x200083
	mov dword [pd32], 0x83          ; 32-bit paging: one 4 MiB page
	xor ecx, ecx
.gate:
	mov eax, [stub64_table + ecx * 4]
	mov edi, ecx
	shl edi, 4
	mov [idt64 + edi], ax
	mov word [idt64 + edi + 2], SEL_CODE64
	mov word [idt64 + edi + 4], 0x8e00
	shr eax, 16
	mov [idt64 + edi + 6], ax
	mov dword [idt64 + edi + 8], 0
	mov dword [idt64 + edi + 12], 0
	inc ecx
	cmp ecx, 32
	jb .gate
	ret

; 64-bit exception stubs: record the vector, then IRETQ to [fault_resume]
; in the 32-bit code segment with [fault_esp], as the 32-bit stubs do.
bits 64
%assign v 0
%rep 32
stub64_ %+ v:
	mov dword [fault_vector], v
	jmp stub64_resume
%assign v v + 1
%endrep
stub64_resume:
	mov eax, [fault_esp]
	push 0x10                       ; SS
	push rax                        ; RSP
	push 2                          ; RFLAGS
	push 0x08                       ; CS: the 32-bit code segment
	mov eax, [fault_resume]
	push rax                        ; RIP
	iretq
bits 32

stub64_table:
%assign v 0
%rep 32
	dd stub64_ %+ v
%assign v v + 1
%endrep

align 8
gdt64:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00af9b000000ffff           ; 0x18: 64-bit code
gdt64_ptr:
	dw $ - gdt64 - 1
	dd gdt64
idt64_ptr:
	dw 32 * 16 - 1
	dd idt64

reserved_bits:
	dd 1, msg_bit1
	dd 7, msg_bit7
	dd 9, msg_bit9
	dd 12, msg_bit12
	dd 16, msg_bit16
	dd 32, msg_bit32
	dd 63, msg_bit63
	dd -1
efer0:       dq 0
long_efer:   dq 0
cr0_start:   dd 0
cr4_long:    dd 0

msg_bit1:      db "WRMSR EFER with reserved bit 1 raises #GP, EFER unchanged", 0
msg_bit7:      db "WRMSR EFER with reserved bit 7 raises #GP, EFER unchanged", 0
msg_bit9:      db "WRMSR EFER with reserved bit 9 raises #GP, EFER unchanged", 0
msg_bit12:     db "WRMSR EFER with bit 12 (SVME, SVM not offered) raises #GP, EFER unchanged", 0
msg_bit16:     db "WRMSR EFER with reserved bit 16 raises #GP, EFER unchanged", 0
msg_bit32:     db "WRMSR EFER with reserved bit 32 raises #GP, EFER unchanged", 0
msg_bit63:     db "WRMSR EFER with reserved bit 63 raises #GP, EFER unchanged", 0
msg_lme:       db "WRMSR EFER.LME with CR4.PAE=1 and paging off is accepted, LMA clear", 0
msg_lme_nopae: db "WRMSR EFER.LME with CR4.PAE=0 and paging off is accepted, LMA clear", 0
msg_next:      db "next: EFER.LME=1 with CR4.PAE=0 and paging off", 13, 10, 0
msg_nopae:     db "MOV CR0.PG=1 with LME=1 and CR4.PAE=0 raises #GP, CR0 unchanged", 0
msg_nopae_efer: db "after the refused MOV CR0.PG=1, EFER is as it was (LME set, LMA clear)", 0
msg_lma:       db "paging on with LME and PAE from a 32-bit segment: compatibility mode, EFER.LMA=1", 0
msg_clear_lme: db "WRMSR EFER clearing LME in long mode raises #GP, EFER unchanged", 0
msg_rewrite:   db "WRMSR EFER with the value read (LME|LMA) in long mode is accepted", 0
msg_clear_pae: db "MOV CR4 clearing PAE in long mode raises #GP, CR4 unchanged", 0
msg_pg_off:    db "paging off from compatibility mode is accepted and clears LMA", 0
msg_lme_off:   db "WRMSR EFER clearing LME with paging off is accepted", 0
msg_set_lme:   db "WRMSR EFER setting LME under legacy PAE paging raises #GP, EFER unchanged", 0
msg_set_lme32: db "WRMSR EFER setting LME under 32-bit paging raises #GP, EFER unchanged", 0
msg_lme_off2:  db "WRMSR EFER clearing LME again is accepted", 0
msg_end:       db "paging and PAE off: EFER as at the start", 0

align 4096
pml4:        times 4096 db 0
pdpt:        times 4096 db 0
pd:          times 4096 db 0
pdpt_legacy: times 4096 db 0
pd32:        times 4096 db 0
idt64:       times 32 * 16 db 0
