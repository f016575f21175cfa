; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: legacy PAE paging with a PDPT entry that has reserved bits set (2:1, 8:5, MAXPHYADDR and up, 63), loaded by MOV CR3 with paging on and by turning paging on
; class: vmcb
; guest: MOV CR3 and the MOV CR0 that turns paging on take the table without a fault (AMD loads no PDPTEs into registers); the first access through the bad entry gets #PF with error code P|RSV (0x9) and CR2 the address; a good entry reads as usual
; hypervisor: nothing: no VMEXIT_INVALID, no stop (the CR0 write exits and is checked by svm/crx.c, which knows nothing of PDPTEs, as AMD's MOV CR0 does not)
; others: the witness beats on, its RAM intact
; only: bochs
;
; Intel loads the four PDPTEs into registers on MOV CR3 (and when CR0 or
; CR4 turns PAE paging on) and gives #GP there for a reserved bit (SDM
; Vol.3 4.4.1). AMD does not: in legacy PAE mode the PDPE is read as part
; of each table walk, and a reserved bit set in it is a page fault with
; RSV = 1 when a translation uses it (APM Vol.2 5.3, PDPE formats, and
; 8.4.2 "Page-Fault Error Code"). The PDPE's reserved bits in legacy PAE
; mode: 2:1, 8:5 and 63:MAXPHYADDR (MAXPHYADDR from CPUID 0x80000008).
;
; The first 4 MiB are identity-mapped through PDPTE 0 (two 2 MiB pages);
; PDPTE 1 maps 1 GiB (0x40000000) onto the same 4 MiB, and is the one
; made bad, so the code itself never walks through it. Paging is on with
; CR4.PAE, EFER.LME clear: legacy PAE.
;
; Why Bochs only: QEMU 7.2 (TCG, nested paging) never faults on a
; reserved PDPTE bit (a read through PDPTE 1 with any of the bits above
; set just works), and it sets bit 5 (the "accessed" bit of other levels,
; reserved here) in the PDPTEs it walks: PDPTE 0 reads 0x...21 after the
; first access. svmvisor's own walk of the guest's tables (svm/gwalk.c)
; then rightly finds a reserved bit in PDPTE 0, so every exit that needs
; the instruction's bytes fails: the MOV CR0 that turns paging off again
; exits forever (handle_cr_write drops the exit without progress when it
; cannot fetch the instruction: no report, the vCPU spins on
; CR0_SEL_WRITE exits), and a CPUID stops the VM ("cannot decode the
; instruction at RIP"). Real AMD hardware neither sets nor ignores those
; bits.
%include "guests/hostile/hostile.inc"

CR0_PG   equ 0x80000000
CR4_PAE  equ 0x20
FAR_LIN      equ 0x40000000                 ; linear address under PDPTE 1
PTE_P    equ 1
PTE_RW   equ 2
PDE_PS   equ 0x80
ERR_P_RSV equ 0x9

main:
	mov eax, pf_handler             ; #PF: keep the error code and CR2
	mov [idt + 14 * 8], ax
	shr eax, 16
	mov [idt + 14 * 8 + 6], ax

	; tables: PD0 maps 0-4 MiB, PD1 the same for PDPTE 1
	mov dword [pd0], 0x000000 | PDE_PS | PTE_RW | PTE_P
	mov dword [pd0 + 8], 0x200000 | PDE_PS | PTE_RW | PTE_P
	mov dword [pd1], 0x000000 | PDE_PS | PTE_RW | PTE_P
	mov dword [pd1 + 8], 0x200000 | PDE_PS | PTE_RW | PTE_P
	mov dword [pdpt], pd0 + PTE_P
	call pdpte1_good

	mov eax, 0x80000008             ; MAXPHYADDR, the first reserved address bit
	cpuid
	and eax, 0xff
	mov [maxphy], eax

	; ---- paging on with good tables
	mov eax, pdpt
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	mov dword [0x1000], 0x600dda7a  ; low RAM the case owns
	TRY mov eax, [FAR_LIN + 0x1000]
	cmp eax, 0x600dda7a
	jne .ctl_bad
	CHECK_VECTOR -1, msg_ctl
	jmp .bits
.ctl_bad:
	inc ebp
	mov esi, msg_ctl_bad
	call puts

	; ---- each reserved bit, loaded by MOV CR3 with paging on
.bits:
	mov ebx, bit_list
.bit:
	mov ecx, [ebx]
	cmp ecx, -1
	je .pg
	cmp ecx, -2
	jne .have
	mov ecx, [maxphy]
.have:
	mov [cur_bit], ecx
	call pdpte1_bad                 ; sets bit ECX in PDPTE 1
	mov eax, pdpt
	TRY mov cr3, eax                ; AMD: no fault here
	mov esi, msg_cr3
	call report_bit_vector_none
	call far_read
	mov esi, msg_use
	call report_bit_pf
	call pdpte1_good
	mov eax, pdpt
	mov cr3, eax
	add ebx, 4
	jmp .bit

	; ---- the bad entry in place when paging is turned on
.pg:
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
	mov ecx, 5
	mov [cur_bit], ecx
	call pdpte1_bad
	mov eax, pdpt
	mov cr3, eax
	mov eax, cr0
	or eax, CR0_PG
	TRY mov cr0, eax                ; AMD: no fault (Intel: #GP)
	mov esi, msg_pg
	call report_bit_vector_none
	mov eax, cr0
	test eax, CR0_PG
	jz .no_pg
	call far_read
	mov esi, msg_pg_use
	call report_bit_pf
	mov eax, cr0                    ; paging off again, good tables
	and eax, ~CR0_PG
	mov cr0, eax
.no_pg:
	call pdpte1_good
	mov eax, cr4
	and eax, ~CR4_PAE
	mov cr4, eax
	ret

; PDPTE 1 = PD1, present, and nothing else / with bit ECX set.
pdpte1_good:
	mov dword [pdpt + 8], pd1 + PTE_P
	mov dword [pdpt + 12], 0
	ret
pdpte1_bad:
	call pdpte1_good
	cmp ecx, 32
	jae .hi
	bts dword [pdpt + 8], ecx
	ret
.hi:
	sub ecx, 32
	bts dword [pdpt + 12], ecx
	add ecx, 32
	ret

; A read through PDPTE 1, under TRY; [pf_err] and [pf_cr2] after a #PF.
far_read:
	mov dword [pf_err], -1
	mov dword [pf_cr2], 0
	TRY mov eax, [FAR_LIN + 0x1000]
	ret

; "PASS/FAIL <ESI> <bit>": no fault.
report_bit_vector_none:
	cmp dword [fault_vector], -1
	jmp report_bit

; "PASS/FAIL <ESI> <bit>": #PF, error code P|RSV, CR2 the address.
report_bit_pf:
	mov eax, [pf_err]
	mov [got_lo], eax
	mov eax, [pf_cr2]
	mov [got_hi], eax
	cmp dword [fault_vector], 14
	jne report_bit
	cmp dword [pf_err], ERR_P_RSV
	jne report_bit
	cmp dword [pf_cr2], FAR_LIN + 0x1000
report_bit:
	pushfd
	mov edi, ebp
	push esi
	mov esi, msg_bitno
	call puts
	mov eax, [cur_bit]
	call put_dec
	mov esi, msg_colon
	call puts
	pop esi
	popfd
	call report_zf
	cmp edi, ebp
	je .done
	mov esi, msg_pfgot
	call puts
	mov eax, [got_lo]
	call puthex32
	mov esi, msg_cr2
	call puts
	mov eax, [got_hi]
	call puthex32
	mov esi, msg_vec
	call puts
	mov eax, [fault_vector]
	call puthex32
	mov esi, msg_nl
	call puts
.done:
	ret

pf_handler:
	pop dword [pf_err]
	push eax
	mov eax, cr2
	mov [pf_cr2], eax
	pop eax
	mov eax, 14
	jmp fault_common

; reserved PDPE bits in legacy PAE mode; -2: MAXPHYADDR; -1: the end
bit_list: dd 1, 2, 5, 6, 7, 8, -2, 52, 62, 63, -1
maxphy:   dd 0
cur_bit:  dd 0
pf_err:   dd 0
pf_cr2:   dd 0
msg_ctl:     db "PAE paging on: a read through a good PDPTE 1 works", 0
msg_ctl_bad: db "FAIL a read through a good PDPTE 1 did not read the mapped page", 13, 10, 0
msg_bitno:   db "PDPTE bit ", 0
msg_colon:   db ": ", 0
msg_cr3:     db "MOV CR3 takes the table (no fault)", 0
msg_use:     db "a read through it: #PF, error 0x9 (P|RSV), CR2 the address", 0
msg_pg:      db "MOV CR0 that turns PAE paging on takes the table (no fault)", 0
msg_pg_use:  db "after paging went on, a read through it: #PF P|RSV", 0
msg_pfgot:     db "  got error 0x", 0
msg_cr2:     db ", CR2 0x", 0
msg_vec:     db ", vector 0x", 0

align 4096
pd0:  times 4096 db 0
pd1:  times 4096 db 0
pdpt: times 32 db 0                     ; 32-byte aligned (page-aligned here)
