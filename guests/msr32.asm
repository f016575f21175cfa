; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: the MSRs of svmvisor's virtual CPU (RDMSR/WRMSR as the
; guest sees them), one PASS/FAIL line per case, the failure count as the
; result (kind=flat load=0x100000 mode=prot32).
;
; Two VMs of this image run at once to check that the pass-through MSRs
; are kept per VM. Flat guests get no command line, so the image has two
; entry points and the VM line picks one:
;   VM A: load=0x100000                 mem=16M  (entry 0x100000)
;   VM B: load=0x100000 entry=0x100010  mem=32M
; Each writes its own values (table passthrough, columns A and B) into
; FS_BASE, GS_BASE, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK and
; SYSENTER_CS/ESP/EIP, checks they read back, makes 20000 exits (10000 x
; CPUID + OUT to port 0x80), and checks every value is still its own; the
; other VM is doing the same with other values meanwhile. VM B also
; expects TOP_MEM = 32 MiB. A single VM (A) may run alone.
;
; After a FAIL the next line says what was seen:
;   "  got 0xHHHHHHHH_LLLLLLLL, vector 0xVVVVVVVV" (vector ffffffff: no fault)
; Cases that depend on the CPU model print "SKIP <case>: <why>" instead:
; EFER.NXE and EFER.SCE (CPUID 0x80000001 EDX NX, SYSCALL), the TSC_AUX
; cases (with RDTSCP one group runs, without it the other), and EFER.LME
; with CR4.PAE clear where the brand string says QEMU (see efer_late_cases).
org 0x100000
bits 32
%define VCPU_HELPERS

entry_a:                                ; 0x100000: VM A
	mov dword [vm_b], 0
	jmp _start
	times 0x10 - ($ - $$) db 0xcc
entry_b:                                ; 0x100010: VM B
	mov dword [vm_b], 1
	jmp _start
	times 0x20 - ($ - $$) db 0xcc

%include "guests/lib32.inc"

EXIT_LOOPS equ 10000                    ; x 2 exits (CPUID, OUT)

main:
	mov esi, msg_hello_a
	cmp dword [vm_b], 0
	je .hello
	mov esi, msg_hello_b
.hello:
	call puts
	call read_brand

	mov eax, 0x80000001             ; features the cases depend on
	cpuid
	mov [ext1_edx], edx
	mov eax, 0x80000000
	cpuid
	mov dword [phys_bits], 36
	cmp eax, 0x80000008
	jb .no_88
	mov eax, 0x80000008
	cpuid
	movzx eax, al
	mov [phys_bits], eax
.no_88:

	call passthrough
	call efer_cases
	call pat_cases
	call tsc_cases
	call tsc_aux_cases
	call apic_base_cases
	call mtrr_cases
	call amd_cases
	call gp_cases
	call efer_late_cases            ; last: LME, LMA, LME without PAE
	ret

; --- pass-through MSRs, kept per VM --------------------------------------
passthrough:
	mov edi, passthrough_table      ; write each, read it back
.write:
	mov ecx, [edi]
	mov esi, [vm_b]
	mov eax, [edi + 4 + esi * 8]
	mov edx, [edi + 8 + esi * 8]
	call wr_rb
	mov esi, [edi + 20]
	call report_got
	add edi, PT_SIZE
	cmp edi, passthrough_end
	jb .write

	mov ecx, EXIT_LOOPS             ; 20000 exits
.exits:
	push ecx
	mov eax, 0x40000000
	cpuid
	out 0x80, al
	pop ecx
	dec ecx
	jnz .exits

	mov edi, passthrough_table      ; still this VM's own values?
.check:
	mov ecx, [edi]
	call msr_read
	mov esi, [vm_b]
	cmp dword [fault_vector], -1
	jne .report
	cmp eax, [edi + 4 + esi * 8]
	jne .report
	cmp edx, [edi + 8 + esi * 8]
.report:
	mov esi, [edi + 24]
	call report_got
	add edi, PT_SIZE
	cmp edi, passthrough_end
	jb .check
	ret

; --- EFER --------------------------------------------------------------------
MSR_EFER equ 0xc0000080
efer_cases:
	mov ecx, MSR_EFER
	call msr_read
	mov [efer0], eax
	mov [efer0 + 4], edx
	test eax, 1 << 12
	mov esi, case_efer_svme
	call report_got

	mov ecx, MSR_EFER               ; reserved bit 1
	mov eax, [efer0]
	or eax, 1 << 1
	mov edx, [efer0 + 4]
	call wr_gp_keep
	mov esi, case_efer_bit1
	call report_got

	mov ecx, MSR_EFER               ; SVME
	mov eax, [efer0]
	or eax, 1 << 12
	mov edx, [efer0 + 4]
	call wr_gp_keep
	mov esi, case_efer_svme_gp
	call report_got

	mov esi, case_efer_nxe          ; NXE, where CPUID offers NX
	test dword [ext1_edx], 1 << 20
	jnz .nxe
	mov edi, why_no_nx
	call report_skip
	jmp .sce
.nxe:
	mov ecx, MSR_EFER
	mov eax, [efer0]
	or eax, 1 << 11
	mov edx, [efer0 + 4]
	call wr_rb
	mov esi, case_efer_nxe
	call report_got
.sce:
	mov esi, case_efer_sce          ; SCE, where CPUID offers SYSCALL
	test dword [ext1_edx], 1 << 11
	jnz .sce_on
	mov edi, why_no_syscall
	call report_skip
	jmp .restore
.sce_on:
	mov ecx, MSR_EFER
	mov eax, [efer0]
	or eax, 1 << 0
	mov edx, [efer0 + 4]
	call wr_rb
	mov esi, case_efer_sce
	call report_got
.restore:
	mov ecx, MSR_EFER
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	call msr_write
	ret

; LME with paging off reads back (and changes nothing until paging comes
; on); LMA written as 1 is ignored while paging is off. A hypervisor that
; got either wrong could leave the guest running by long mode's rules, so
; these come last. Both run with CR4.PAE set, as a kernel has it when it
; sets LME: QEMU 7.2's TCG restores the host's CR0 on #VMEXIT while the
; guest's EFER and CR4 are still loaded, and with the guest's LME set and
; PAE clear it skips the write, leaving the host without paging (the
; cpu_x86_update_cr0 call in do_vmexit). The last case, LME with PAE
; clear, is therefore a SKIP where the brand string says QEMU.
CR4_PAE equ 1 << 5
efer_late_cases:
	mov eax, cr4
	mov [cr4_0], eax
	or eax, CR4_PAE
	mov cr4, eax

	mov ecx, MSR_EFER               ; LME with paging off
	mov eax, [efer0]
	or eax, 1 << 8
	mov edx, [efer0 + 4]
	call wr_rb
	mov esi, case_efer_lme
	call report_got
	mov ecx, MSR_EFER
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	call msr_write

	mov ecx, MSR_EFER               ; LMA written as 1: ignored
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	mov [want_lo], eax
	mov [want_hi], edx
	or eax, 1 << 10
	call wr_rd_want
	mov esi, case_efer_lma
	call report_got
	mov ecx, MSR_EFER
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	call msr_write

	mov eax, [cr4_0]                ; LME with paging and PAE off
	mov cr4, eax
	cmp dword [brand_qemu], 1
	jne .lme_no_pae
	mov esi, case_efer_lme_nopae
	mov edi, why_qemu_lme
	call report_skip
	ret
.lme_no_pae:
	mov ecx, MSR_EFER
	mov eax, [efer0]
	or eax, 1 << 8
	mov edx, [efer0 + 4]
	call wr_rb
	mov esi, case_efer_lme_nopae
	call report_got
	mov ecx, MSR_EFER
	mov eax, [efer0]
	mov edx, [efer0 + 4]
	call msr_write
	ret

; --- PAT -----------------------------------------------------------------------
MSR_PAT equ 0x277
pat_cases:
	mov ecx, MSR_PAT
	call msr_read
	cmp dword [fault_vector], -1
	jne .reset
	cmp eax, 0x00070406
	jne .reset
	cmp edx, 0x00070406
.reset:
	mov esi, case_pat_reset
	call report_got

	mov ecx, MSR_PAT
	mov eax, 0x00070406
	xor edx, edx
	call wr_rb
	mov esi, case_pat_valid
	call report_got

	mov ecx, MSR_PAT                ; type 2 in byte 0
	mov eax, 0x00070402
	xor edx, edx
	call wr_gp_keep
	mov esi, case_pat_2
	call report_got

	mov ecx, MSR_PAT                ; type 3 in byte 4
	mov eax, 0x00070406
	mov edx, 0x00000003
	call wr_gp_keep
	mov esi, case_pat_3
	call report_got

	mov ecx, MSR_PAT                ; type 8 in byte 7
	mov eax, 0x00070406
	mov edx, 0x08000000
	call wr_gp_keep
	mov esi, case_pat_8
	call report_got

	mov ecx, MSR_PAT                ; back to the reset value
	mov eax, 0x00070406
	mov edx, 0x00070406
	call msr_write
	ret

; --- TSC -----------------------------------------------------------------------
tsc_cases:
	mov ecx, 0x10                   ; TSC = 2^32, then RDTSC
	mov edx, 1
	xor eax, eax
	call msr_write
	rdtsc
	mov [got_lo], eax
	mov [got_hi], edx
	cmp dword [fault_vector], -1
	jne .near
	cmp edx, 1                      ; in [2^32, 2^33)
.near:
	mov esi, case_tsc_write
	call report_got

	rdtsc                           ; still counting, across an exit too
	mov [t1], eax
	mov [t1 + 4], edx
	mov ecx, 10000
.spin:
	dec ecx
	jnz .spin
	mov eax, 0x40000000
	cpuid
	rdtsc
	mov [got_lo], eax
	mov [got_hi], edx
	mov dword [fault_vector], -1
	sub eax, [t1]
	sbb edx, [t1 + 4]               ; t2 - t1: positive and non-zero
	js .counted
	or eax, edx
	jz .stopped
	xor eax, eax                    ; ZF: counting
	jmp .counted
.stopped:
	or eax, 1                       ; ZF clear
.counted:
	mov esi, case_tsc_counts
	call report_got
	ret

; --- TSC_AUX -------------------------------------------------------------------
MSR_TSC_AUX equ 0xc0000103
tsc_aux_cases:
	test dword [ext1_edx], 1 << 27
	jz .without

	mov ecx, MSR_TSC_AUX
	mov eax, 0x5a
	xor edx, edx
	call wr_rb
	mov esi, case_aux_rb
	call report_got

	mov ecx, 0x12345                ; RDTSCP must overwrite it
	TRY rdtscp
	mov [got_lo], ecx
	mov dword [got_hi], 0
	cmp dword [fault_vector], -1
	jne .rdtscp
	cmp ecx, 0x5a
.rdtscp:
	mov esi, case_aux_rdtscp
	call report_got

	mov ecx, MSR_TSC_AUX
	mov eax, 0x5a
	mov edx, 1
	call wr_gp_keep
	mov esi, case_aux_high
	call report_got

	mov edi, why_rdtscp
	mov esi, case_aux_rd_gp
	call report_skip
	mov esi, case_aux_wr_gp
	call report_skip
	mov esi, case_aux_ud
	call report_skip
	ret

.without:
	mov ecx, MSR_TSC_AUX
	call rd_gp
	mov esi, case_aux_rd_gp
	call report_got
	mov ecx, MSR_TSC_AUX
	mov eax, 0x5a
	xor edx, edx
	call wr_gp
	mov esi, case_aux_wr_gp
	call report_got
	TRY rdtscp
	CHECK_VECTOR 6, case_aux_ud

	mov edi, why_no_rdtscp
	mov esi, case_aux_rb
	call report_skip
	mov esi, case_aux_rdtscp
	call report_skip
	mov esi, case_aux_high
	call report_skip
	ret

; --- APIC_BASE -----------------------------------------------------------------
MSR_APIC_BASE equ 0x1b
apic_base_cases:
	mov ecx, MSR_APIC_BASE
	call msr_read
	cmp dword [fault_vector], -1
	jne .base
	cmp eax, 0xfee00900
	jne .base
	test edx, edx
.base:
	mov esi, case_apic_base
	call report_got

	mov ecx, MSR_APIC_BASE          ; another base address
	mov eax, 0xfed00900
	xor edx, edx
	call wr_gp_keep
	mov esi, case_apic_move
	call report_got

	mov ecx, MSR_APIC_BASE          ; enable bit off, on
	mov eax, 0xfee00100
	xor edx, edx
	call wr_rb
	mov esi, case_apic_off
	call report_got
	mov ecx, MSR_APIC_BASE
	mov eax, 0xfee00900
	xor edx, edx
	call wr_rb
	mov esi, case_apic_on
	call report_got
	ret

; --- MTRRs ---------------------------------------------------------------------
mtrr_cases:
	mov ecx, 0xfe                   ; MTRRcap
	call msr_read
	mov ebx, [fault_vector]
	cmp ebx, -1
	jne .cap
	test eax, 0xff                  ; VCNT >= 1
	jz .cap_bad
	test eax, 1 << 8                ; FIX
	jz .cap_bad
	cmp eax, eax
	jmp .cap
.cap_bad:
	or ebx, ebx                     ; ZF clear (ebx = -1)
.cap:
	mov esi, case_mtrrcap
	call report_got

	mov ecx, 0xfe                   ; read-only: even its own value is #GP
	call msr_read
	call wr_gp_keep
	mov esi, case_mtrrcap_wr
	call report_got

	mov ecx, 0x2ff                  ; MTRRdefType: E, FE, WB
	mov eax, 0xc06
	xor edx, edx
	call wr_rb
	mov esi, case_deftype
	call report_got

	mov ecx, 0x2ff                  ; reserved type 2
	mov eax, 0xc02
	xor edx, edx
	call wr_gp_keep
	mov esi, case_deftype_2
	call report_got

	mov ecx, 0x200                  ; PhysBase0: 1 MiB, WB
	mov eax, 0x00100006
	xor edx, edx
	call wr_rb
	mov esi, case_physbase
	call report_got

	mov ecx, [phys_bits]            ; PhysMask0: 1 MiB, valid, within MAXPHYADDR
	xor edx, edx
	sub ecx, 32
	jbe .mask
	mov edx, 1
	shl edx, cl
	dec edx
.mask:
	mov ecx, 0x201
	mov eax, 0xfff00800
	call wr_rb
	mov esi, case_physmask
	call report_got
	ret

; --- AMD model MSRs ------------------------------------------------------------
amd_cases:
	mov ecx, 0xc0010015             ; HWCR.TscFreqSel
	call msr_read
	cmp dword [fault_vector], -1
	jne .hwcr
	bt eax, 24
	setnc al                        ; ZF from "bit set"
	test al, al
.hwcr:
	mov esi, case_hwcr
	call report_got

	mov ecx, 0xc001001a             ; TOP_MEM = the VM's RAM
	call msr_read
	cmp dword [fault_vector], -1
	jne .top
	mov esi, [vm_b]
	cmp eax, [expected_mem + esi * 4]
	jne .top
	test edx, edx
.top:
	mov esi, case_top_mem
	call report_got

	mov ecx, 0x8b                   ; PATCH_LEVEL
	call read_zero
	mov esi, case_patch
	call report_got

	mov ecx, 0xc0011029             ; DE_CFG bit 1
	call msr_read
	cmp dword [fault_vector], -1
	jne .de
	bt eax, 1
	setnc al
	test al, al
.de:
	mov esi, case_de_cfg
	call report_got

	mov ecx, 0xc0010004             ; PERF_CTR0
	call read_zero
	mov esi, case_perf_rd
	call report_got
	mov ecx, 0xc0010004
	mov eax, 0x1234
	xor edx, edx
	mov [got_lo], eax
	mov [got_hi], edx
	call msr_write
	cmp dword [fault_vector], -1
	mov esi, case_perf_wr
	call report_got

	mov ecx, 0xc0010140             ; OSVW_ID_LENGTH
	call read_zero
	mov esi, case_osvw
	call report_got
	ret

; --- MSRs the virtual CPU does not have: #GP, the VM goes on ----------------
gp_cases:
	mov ecx, 0x179
	call rd_gp
	mov esi, case_gp_mcg_cap
	call report_got
	mov ecx, 0x401
	call rd_gp
	mov esi, case_gp_mc0
	call report_got
	mov ecx, 0x48
	call rd_gp
	mov esi, case_gp_spec_rd
	call report_got
	mov ecx, 0x48
	xor eax, eax
	xor edx, edx
	call wr_gp
	mov esi, case_gp_spec_wr
	call report_got
	mov ecx, 0x49
	mov eax, 1                      ; IBPB
	xor edx, edx
	call wr_gp
	mov esi, case_gp_pred
	call report_got
	mov ecx, 0xc0011234
	call rd_gp
	mov esi, case_gp_unk1_rd
	call report_got
	mov ecx, 0xc0011234
	xor eax, eax
	xor edx, edx
	call wr_gp
	mov esi, case_gp_unk1_wr
	call report_got
	mov ecx, 0x12345678
	call rd_gp
	mov esi, case_gp_unk2_rd
	call report_got
	mov ecx, 0x12345678
	xor eax, eax
	xor edx, edx
	call wr_gp
	mov esi, case_gp_unk2_wr
	call report_got
	ret

; --- helpers (ECX = MSR throughout; each leaves ZF = the case passed and
; [got_hi]:[got_lo], [fault_vector] for report_got) --------------------------

; WRMSR EDX:EAX, then RDMSR: ZF when neither faulted and it reads back.
wr_rb:
	mov [want_lo], eax
	mov [want_hi], edx
; WRMSR EDX:EAX, then RDMSR: ZF when neither faulted and it reads [want].
wr_rd_want:
	call msr_write
	mov ebx, [fault_vector]
	call msr_read
	cmp ebx, -1
	je .read
	mov [fault_vector], ebx         ; show the write's fault (ZF is clear)
	ret
.read:
	cmp dword [fault_vector], -1
	jne .ret
	cmp eax, [want_lo]
	jne .ret
	cmp edx, [want_hi]
.ret:
	ret

; WRMSR EDX:EAX: ZF when it raised #GP and the MSR still reads as before.
wr_gp_keep:
	push eax
	push edx
	call msr_read
	mov [old_lo], eax
	mov [old_hi], edx
	mov ebx, [fault_vector]         ; the first read must work
	pop edx
	pop eax
	call msr_write
	push dword [fault_vector]
	call msr_read
	pop eax
	mov [fault_vector], eax         ; show the write's vector
	cmp ebx, -1
	jne .ret
	cmp eax, 13
	jne .ret
	mov eax, [got_lo]
	cmp eax, [old_lo]
	jne .ret
	mov eax, [got_hi]
	cmp eax, [old_hi]
.ret:
	ret

; RDMSR: ZF when it raised #GP.
rd_gp:
	call msr_read
	cmp dword [fault_vector], 13
	ret

; WRMSR EDX:EAX: ZF when it raised #GP.
wr_gp:
	mov [got_lo], eax
	mov [got_hi], edx
	call msr_write
	cmp dword [fault_vector], 13
	ret

; RDMSR: ZF when it reads 0 without a fault.
read_zero:
	call msr_read
	cmp dword [fault_vector], -1
	jne .ret
	or eax, edx
.ret:
	ret

; --- data ----------------------------------------------------------------------
vm_b:      dd 0                         ; 0: VM A, 1: VM B (by entry point)
expected_mem: dd 16 << 20, 32 << 20
ext1_edx:  dd 0
phys_bits: dd 36
efer0:     dd 0, 0
cr4_0:     dd 0
t1:        dd 0, 0
want_lo:   dd 0
want_hi:   dd 0
old_lo:    dd 0
old_hi:    dd 0

; MSR, VM A's value (lo, hi), VM B's value (lo, hi), the two cases. The
; addresses are canonical; SFMASK, SYSENTER_CS/ESP/EIP keep to the bits
; every AMD CPU stores.
PT_SIZE equ 28
%macro PT 6
	dd %1, %2, %3, %4, %5, %%rb, %%kept
	[section .rodata_pt]
%%rb:   db "msr: ", %6, " reads back", 0
%%kept: db "msr: ", %6, " kept across 20000 exits", 0
	__SECT__
%endmacro
passthrough_table:
	PT 0xc0000100, 0x00f50000, 0x00007f11, 0x00f50000, 0x00007f22, "FS_BASE"
	PT 0xc0000101, 0x00650000, 0xffff8811, 0x00650000, 0xffff8822, "GS_BASE"
	PT 0xc0000102, 0x006b0000, 0xffff9911, 0x006b0000, 0xffff9922, "KERNEL_GS_BASE"
	PT 0xc0000081, 0xa1a1a1a1, 0x001b0008, 0xb2b2b2b2, 0x002b0018, "STAR"
	PT 0xc0000082, 0x11111000, 0xffffa111, 0x22222000, 0xffffa222, "LSTAR"
	PT 0xc0000083, 0xc1c1c000, 0x00001111, 0xc2c2c000, 0x00002222, "CSTAR"
	PT 0xc0000084, 0x00047711, 0x00000000, 0x00047722, 0x00000000, "SFMASK"
	PT 0x174,      0x00001108, 0x00000000, 0x00002208, 0x00000000, "SYSENTER_CS"
	PT 0x175,      0x00011110, 0x00000000, 0x00022220, 0x00000000, "SYSENTER_ESP"
	PT 0x176,      0x0011eee0, 0x00000000, 0x0022eee0, 0x00000000, "SYSENTER_EIP"
passthrough_end:

msg_hello_a: db "msr32: VM A (entry 0x100000, expects mem=16M)", 13, 10, 0
msg_hello_b: db "msr32: VM B (entry 0x100010, expects mem=32M)", 13, 10, 0

case_efer_svme:    db "msr: EFER reads without SVME", 0
case_efer_bit1:    db "msr: EFER reserved bit 1 write raises #GP, EFER kept", 0
case_efer_svme_gp: db "msr: EFER.SVME write raises #GP, EFER kept", 0
case_efer_lme:     db "msr: EFER.LME with paging off (CR4.PAE on) reads back", 0
case_efer_lma:     db "msr: EFER.LMA written as 1 is ignored with paging off", 0
case_efer_lme_nopae: db "msr: EFER.LME with paging and CR4.PAE off reads back", 0
why_qemu_lme:      db "QEMU TCG's #VMEXIT then leaves the host without paging", 0
case_efer_nxe:     db "msr: EFER.NXE reads back", 0
case_efer_sce:     db "msr: EFER.SCE reads back", 0
why_no_nx:         db "no NX in CPUID 0x80000001 EDX", 0
why_no_syscall:    db "no SYSCALL in CPUID 0x80000001 EDX", 0

case_pat_reset: db "msr: PAT reset value 0x0007040600070406", 0
case_pat_valid: db "msr: PAT 0x0000000000070406 reads back", 0
case_pat_2:     db "msr: PAT type 2 raises #GP, PAT kept", 0
case_pat_3:     db "msr: PAT type 3 raises #GP, PAT kept", 0
case_pat_8:     db "msr: PAT type 8 raises #GP, PAT kept", 0

case_tsc_write:  db "msr: TSC write 0x100000000, RDTSC in [2^32, 2^33)", 0
case_tsc_counts: db "msr: TSC keeps counting", 0

case_aux_rb:     db "msr: TSC_AUX 0x5a reads back", 0
case_aux_rdtscp: db "msr: TSC_AUX 0x5a, RDTSCP returns it in ECX", 0
case_aux_high:   db "msr: TSC_AUX write with bits 63:32 raises #GP, TSC_AUX kept", 0
case_aux_rd_gp:  db "msr: TSC_AUX read raises #GP without RDTSCP", 0
case_aux_wr_gp:  db "msr: TSC_AUX write raises #GP without RDTSCP", 0
case_aux_ud:     db "msr: RDTSCP raises #UD without RDTSCP", 0
why_rdtscp:      db "CPUID 0x80000001 EDX offers RDTSCP", 0
why_no_rdtscp:   db "no RDTSCP in CPUID 0x80000001 EDX", 0

case_apic_base: db "msr: APIC_BASE on vcpu0 is 0xFEE00900 (enabled, BSP)", 0
case_apic_move: db "msr: APIC_BASE with another base raises #GP, APIC_BASE kept", 0
case_apic_off:  db "msr: APIC_BASE enable bit cleared reads back", 0
case_apic_on:   db "msr: APIC_BASE enable bit set again reads back", 0

case_mtrrcap:    db "msr: MTRRcap VCNT >= 1 and FIX set", 0
case_mtrrcap_wr: db "msr: MTRRcap write raises #GP, MTRRcap kept", 0
case_deftype:    db "msr: MTRRdefType 0xC06 reads back", 0
case_deftype_2:  db "msr: MTRRdefType type 2 raises #GP, MTRRdefType kept", 0
case_physbase:   db "msr: MTRR PhysBase0 reads back", 0
case_physmask:   db "msr: MTRR PhysMask0 reads back", 0

case_hwcr:    db "msr: HWCR.TscFreqSel (bit 24) set", 0
case_top_mem: db "msr: TOP_MEM is the VM's RAM size", 0
case_patch:   db "msr: PATCH_LEVEL reads 0", 0
case_de_cfg:  db "msr: DE_CFG bit 1 set", 0
case_perf_rd: db "msr: PERF_CTR0 reads 0", 0
case_perf_wr: db "msr: PERF_CTR0 write accepted", 0
case_osvw:    db "msr: OSVW_ID_LENGTH reads 0", 0

case_gp_mcg_cap: db "msr: MCG_CAP read raises #GP", 0
case_gp_mc0:     db "msr: MC0_STATUS read raises #GP", 0
case_gp_spec_rd: db "msr: SPEC_CTRL read raises #GP", 0
case_gp_spec_wr: db "msr: SPEC_CTRL write raises #GP", 0
case_gp_pred:    db "msr: PRED_CMD write raises #GP", 0
case_gp_unk1_rd: db "msr: unknown MSR 0xC0011234 read raises #GP", 0
case_gp_unk1_wr: db "msr: unknown MSR 0xC0011234 write raises #GP", 0
case_gp_unk2_rd: db "msr: unknown MSR 0x12345678 read raises #GP", 0
case_gp_unk2_wr: db "msr: unknown MSR 0x12345678 write raises #GP", 0
