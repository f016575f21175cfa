; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: WRMSR of non-canonical values (bit 63 alone, 0x7fff...f000, bit 56 alone: non-canonical at 48 and 57 bits) to FS_BASE, GS_BASE, KERNEL_GS_BASE, LSTAR and CSTAR and of 64-bit values to SYSENTER_ESP/EIP, from 32-bit protected mode and from 64-bit mode, each followed by CPUID and OUT exits; 64-bit MOV FS/GS loads of 32-bit bases; FS/GS-relative local APIC reads whose base + offset wraps past 2^64
; class: vmcb
; guest: every non-canonical WRMSR raises #GP(0) and leaves the MSR as it was (QEMU takes them: noted, and what its VMLOAD makes of them after the exits too); SYSENTER_ESP/EIP take any value and the low half reads back (the high half kept, or Bochs's #GP for a non-canonical one: noted); every MSR reads the same after 20 exits; MOV FS/GS in 64-bit mode give a zero-extended 32-bit base and leave KERNEL_GS_BASE alone, SWAPGS swaps; an FS or GS read whose base + offset wraps to the APIC page returns the version register, one that ends non-canonical raises #GP(0)
; hypervisor: nothing: the MSRs are VMLOAD/VMSAVE state the CPU checks itself; no VMEXIT_INVALID with whatever value the CPU kept; the MMIO emulation adds a 64-bit FS/GS base modulo 2^64 as the CPU does
; others: the witness beats on, its RAM intact
;
; Real AMD hardware: FS_BASE, GS_BASE, KERNEL_GS_BASE, LSTAR and CSTAR
; hold canonical addresses only; WRMSR of another value raises #GP(0) in
; any mode (APM Vol.2 4.5.3 and 6.1.1; Vol.3 WRMSR). The values used are
; non-canonical both at 48 bits and at 57 bits, so the outcome does not
; depend on whether the CPU has 5-level paging (such a CPU checks 57 bits
; even with CR4.LA57 clear). SYSENTER_ESP and SYSENTER_EIP are 32-bit
; registers on AMD (SYSENTER does not exist in long mode, APM Vol.2
; 6.1.2): WRMSR takes any value and drops the upper half, which reads
; back as 0 (Linux KVM, __kvm_set_msr: "not on AMD (which ignores the top
; 32-bits ...)"). In 64-bit mode, MOV FS/GS loads the descriptor's 32-bit
; base zero-extended (APM Vol.2 4.8.2), so no descriptor can give a
; non-canonical base; the base + offset sum wraps modulo 2^64 and must be
; canonical at the end, else #GP(0) with no memory access.
;
; svmvisor passes these MSRs through (docs/cpu.md "MSRs"): the CPU judges
; every WRMSR and VMLOAD/VMSAVE carry whatever it kept. The case checks
; that the VM survives exits with each value and that the MMIO emulator
; (svm/emulate.c emu_linear) forms FS/GS linear addresses as the CPU does.
;
; QEMU 7.2 (TCG) takes non-canonical values in these MSRs without #GP and
; keeps all 64 bits of SYSENTER_ESP/EIP; Bochs 2.7 (Intel's rule) #GPs a
; non-canonical SYSENTER value and keeps a canonical one whole. svmvisor
; cannot see those WRMSRs, so each such difference is a note line, not a
; failure; a value a CPU took is then kept live across the exits (and,
; for a non-canonical FS_BASE QEMU took, used for an APIC read that wraps)
; to show no VMRUN fails on it. QEMU's VMLOAD/VMSAVE then sign-extend
; FS_BASE, GS_BASE and KERNEL_GS_BASE at its virtual-address width (57
; bits with -cpu max): 0x0100000000000000 comes back 0xff00000000000000
; after the exits (noted; hardware never holds such a value). LGDT/LIDT with a non-canonical base are
; left to pending/cs-long-and-d (QEMU accepts them).
%include "guests/hostile/hostile.inc"
%include "guests/hostile/long64.inc"

CR0_PG    equ 0x80000000
CR4_PAE   equ 0x20
EFER      equ 0xc0000080
EFER_LME  equ 0x100
MSR_SE_ESP equ 0x175
MSR_SE_EIP equ 0x176
MSR_LSTAR equ 0xc0000082
MSR_CSTAR equ 0xc0000083
MSR_FS    equ 0xc0000100
MSR_GS    equ 0xc0000101
MSR_KGS   equ 0xc0000102
SEL_C32   equ 0x08
SEL_D     equ 0x10
SEL_C64   equ 0x18
SEL_B2M   equ 0x20                      ; data, base 0x00200000
SEL_BTOP  equ 0x28                      ; data, base 0xfffff000
EXITS     equ 10                        ; CPUID + OUT pairs after each write
APIC_VER  equ 0x00050014

; The entries: MSR, value (lo, hi), kind (0: must #GP, 1: SYSENTER), name,
; then the results: for protected mode and for 64-bit mode each the
; vector, the value read at once and the value read after the exits.
E_MSR   equ 0
E_LO    equ 4
E_HI    equ 8
E_KIND  equ 12
E_NAME  equ 16
E_RES   equ 20                          ; 2 x (vec, got lo, got hi, after lo, after hi)
R_VEC   equ 0
R_GLO   equ 4
R_GHI   equ 8
R_ALO   equ 12
R_AHI   equ 16
R_SIZE  equ 20
E_SIZE  equ E_RES + 2 * R_SIZE
KNOWN_LO equ 0x00001000                 ; what each MSR holds before the write
KNOWN_HI equ 0x00007fff                 ; (SYSENTER: KNOWN_LO alone)

%macro ENTRY 5
	dd %1, %2, %3, %4, %5
	times 2 * R_SIZE db 0
%endmacro

main:
	call read_brand
	; ---- protected mode: the whole table with lib32's TRY
	mov ebx, entries
.pm:
	cmp dword [ebx + E_MSR], 0
	je .pm_done
	call known_pm
	mov ecx, [ebx + E_MSR]
	mov eax, [ebx + E_LO]
	mov edx, [ebx + E_HI]
	call msr_write
	mov eax, [fault_vector]
	mov [ebx + E_RES + R_VEC], eax
	mov ecx, [ebx + E_MSR]
	call msr_read
	mov [ebx + E_RES + R_GLO], eax
	mov [ebx + E_RES + R_GHI], edx
	call exits32
	mov ecx, [ebx + E_MSR]
	call msr_read
	mov [ebx + E_RES + R_ALO], eax
	mov [ebx + E_RES + R_AHI], edx
	call known_pm
	add ebx, E_SIZE
	jmp .pm
.pm_done:
	mov dword [mode_off], E_RES
	mov dword [mode_name], msg_pm
	call report_table

	; ---- long mode: 0-4 MiB identity-mapped, and the local APIC's 2 MiB
	mov dword [pml4], pdpt4 + 3
	mov dword [pdpt4], pd4 + 3
	mov dword [pdpt4 + 3 * 8], pd4hi + 3
	mov dword [pd4], 0x000083
	mov dword [pd4 + 8], 0x200083
	mov dword [pd4hi + 0x1f7 * 8], 0xfee00000 | 0x93 ; PCD
	IDT64_GATES
	ENTER_LONG64

; The value each MSR holds before a write: canonical, with a high half
; (SYSENTER: a 32-bit value, which every CPU keeps whole).
known_pm:
	mov ecx, [ebx + E_MSR]
	mov eax, KNOWN_LO
	xor edx, edx
	cmp dword [ebx + E_KIND], 0
	jne .w
	mov edx, KNOWN_HI
.w:
	jmp msr_write

exits32:
	push ebx
	mov esi, EXITS
.l:
	xor eax, eax
	cpuid
	out 0x80, al
	dec esi
	jnz .l
	pop ebx
	ret

bits 64
%macro ARM64 1
	mov qword [abs fault64_vec], -1
	lea r11, [rel %1]               ; (RAX, RCX, RDX are the operands)
	mov [abs fault64_resume], r11
	mov [abs fault64_rsp], rsp
%endmacro
%macro TRY64 1+
	ARM64 %%done
	%1
%%done:
%endmacro

long64:
	lidt [abs idt64_ptr]
	mov eax, cs
	mov [abs cs_seen], eax

	; ---- the table again, from 64-bit mode
	mov r13d, entries               ; (CPUID clobbers RBX)
.lm:
	cmp dword [r13 + E_MSR], 0
	je .lm_done
	call known64
	mov ecx, [r13 + E_MSR]
	mov eax, [r13 + E_LO]
	mov edx, [r13 + E_HI]
	TRY64 wrmsr
	mov eax, [abs fault64_vec]
	mov [r13 + E_RES + R_SIZE + R_VEC], eax
	call rdmsr64
	mov [r13 + E_RES + R_SIZE + R_GLO], eax
	mov [r13 + E_RES + R_SIZE + R_GHI], edx
	; a non-canonical FS_BASE the CPU took: an APIC read that wraps to it
	cmp dword [r13 + E_MSR], MSR_FS
	jne .exits
	cmp dword [r13 + E_RES + R_SIZE + R_VEC], -1
	jne .exits
	cmp dword [r13 + E_LO], 0
	jne .exits
	mov eax, [r13 + E_HI]
	shl rax, 32
	neg rax                         ; base + rsi = 2^64 + 0xfee00030
	mov esi, 0xfee00030
	add rsi, rax
	TRY64 mov eax, [fs:rsi]
	mov [abs taken_fs_ver], eax
	mov eax, [abs fault64_vec]
	mov [abs taken_fs_vec], eax
	mov dword [abs taken_fs_done], 1
.exits:
	mov r12d, EXITS
.ex:
	xor eax, eax
	cpuid
	out 0x80, al
	dec r12d
	jnz .ex
	mov ecx, [r13 + E_MSR]
	call rdmsr64
	mov [r13 + E_RES + R_SIZE + R_ALO], eax
	mov [r13 + E_RES + R_SIZE + R_AHI], edx
	call known64
	add r13d, E_SIZE
	jmp .lm
.lm_done:

	; ---- MOV FS/GS in 64-bit mode: 32-bit bases, zero-extended
	mov ecx, MSR_FS
	mov eax, 0x12345000
	mov edx, 0xffff8000
	wrmsr
	mov ecx, MSR_GS
	wrmsr
	mov ecx, MSR_KGS
	mov eax, 0x00abc000
	mov edx, 0xffff8001
	wrmsr
	mov ax, SEL_B2M
	mov fs, ax
	mov ax, SEL_BTOP
	mov gs, ax
	mov ecx, MSR_FS
	call rdmsr64
	mov [abs d_fs_lo], eax
	mov [abs d_fs_hi], edx
	mov ecx, MSR_GS
	call rdmsr64
	mov [abs d_gs_lo], eax
	mov [abs d_gs_hi], edx
	mov ecx, MSR_KGS
	call rdmsr64
	mov [abs d_kgs_lo], eax
	mov [abs d_kgs_hi], edx
	mov dword [abs fs_probe], 0x600df00d
	mov eax, [fs:fs_probe - 0x200000] ; FS base 0x200000: reads fs_probe
	mov [abs d_fs_read], eax
	swapgs
	mov ecx, MSR_GS
	call rdmsr64
	mov [abs s_gs_lo], eax
	mov [abs s_gs_hi], edx
	mov ecx, MSR_KGS
	call rdmsr64
	mov [abs s_kgs_lo], eax
	mov [abs s_kgs_hi], edx
	swapgs

	; ---- FS/GS-relative APIC reads: the sum wraps past 2^64
	mov ecx, MSR_FS
	xor eax, eax
	mov edx, 0xffff8000             ; 0xffff800000000000
	wrmsr
	mov rsi, 0x00008000fee00030     ; + 2^47 + 0xfee00030 = 2^64 + 0xfee00030
	TRY64 mov eax, [fs:rsi]
	mov [abs w_fs_ver], eax
	mov eax, [abs fault64_vec]
	mov [abs w_fs_vec], eax
	mov ecx, MSR_GS
	mov eax, 0xfee00000
	mov edx, 0xffffffff             ; 0xfffffffffee00000 (canonical)
	wrmsr
	mov rsi, 0x0000000100000030     ; sum 2^64 + 0xfee00030
	TRY64 mov eax, [gs:rsi]
	mov [abs w_gs_ver], eax
	mov eax, [abs fault64_vec]
	mov [abs w_gs_vec], eax
	; base + offset non-canonical: #GP(0) before any access
	mov ecx, MSR_FS
	mov eax, 0xffff0000
	mov edx, 0x00007fff             ; 0x00007fffffff0000
	wrmsr
	mov esi, 0x00010030             ; sum 0x0000800000000030
	TRY64 mov eax, [fs:rsi]
	mov eax, [abs fault64_vec]
	mov [abs n_fs_vec], eax
	mov ecx, MSR_GS
	xor eax, eax
	mov edx, 0xffff8000             ; 0xffff800000000000
	wrmsr
	mov rsi, -0x10                  ; sum 0xffff7ffffffffff0
	TRY64 mov eax, [gs:rsi]
	mov eax, [abs fault64_vec]
	mov [abs n_gs_vec], eax
	xor eax, eax
	xor edx, edx
	mov ecx, MSR_FS
	wrmsr
	mov ecx, MSR_GS
	wrmsr
	mov ecx, MSR_KGS
	wrmsr

	mov ax, SEL_D
	mov fs, ax
	mov gs, ax
	jmp far dword [abs fp_c32]      ; to compatibility mode: report there

known64:
	mov ecx, [r13 + E_MSR]
	mov eax, KNOWN_LO
	xor edx, edx
	cmp dword [r13 + E_KIND], 0
	jne .w
	mov edx, KNOWN_HI
.w:
	TRY64 wrmsr
	ret

rdmsr64:                                ; ECX = MSR: EDX:EAX, 0 after a fault
	xor eax, eax
	xor edx, edx
	TRY64 rdmsr
	cmp qword [abs fault64_vec], -1
	je .ok
	xor eax, eax
	xor edx, edx
.ok:
	ret

	VEC64_STUBS

compat32:                               ; CS = SEL_C32 in long mode
	mov esp, [esp32]
	cmp dword [cs_seen], SEL_C64
	mov esi, msg_long
	call report_zf
	mov dword [mode_off], E_RES + R_SIZE
	mov dword [mode_name], msg_lm
	call report_table
	call report_desc
	lgdt [gdt_before]               ; lib32's GDT (same code/data selectors)
	ret                             ; to finish, in compatibility mode

; One line per entry for the mode at [mode_off] (the results' offset).
report_table:
	mov ebx, entries
.next:
	cmp dword [ebx + E_MSR], 0
	je .done
	mov edi, ebx
	add edi, [mode_off]
	cmp dword [ebx + E_KIND], 0
	jne .sysenter
	; must #GP and keep the known value
	cmp dword [edi + R_VEC], 13
	jne .gp_taken
	cmp dword [edi + R_GLO], KNOWN_LO
	jne .gp_bad
	cmp dword [edi + R_GHI], KNOWN_HI
	jne .gp_bad
	mov esi, msg_gp
	call line_pass
	jmp .after
.gp_taken:
	cmp dword [edi + R_VEC], -1
	jne .gp_bad
	cmp dword [brand_qemu], 0
	je .gp_bad
	mov eax, [ebx + E_LO]           ; QEMU took it: it reads back as written
	cmp [edi + R_GLO], eax
	jne .gp_bad
	mov eax, [ebx + E_HI]
	cmp [edi + R_GHI], eax
	jne .gp_bad
	mov esi, msg_gp_note
	call line_note
	mov eax, [edi + R_ALO]          ; what the emulator made of it
	cmp eax, [edi + R_GLO]
	jne .taken_changed
	mov eax, [edi + R_AHI]
	cmp eax, [edi + R_GHI]
	je .after
.taken_changed:
	mov esi, msg_taken_chg
	call line_note
	mov dword [det_prefix], msg_det_note
	call report_detail
	mov dword [det_prefix], msg_det
	jmp .n
.gp_bad:
	mov esi, msg_gp
	call line_fail
	call report_detail
	jmp .after
.sysenter:
	; no #GP, the low half kept; the high half 0 (AMD), else a note
	cmp dword [edi + R_VEC], -1
	jne .se_fault
	mov eax, [ebx + E_LO]
	cmp [edi + R_GLO], eax
	jne .se_bad
	cmp dword [edi + R_GHI], 0
	je .se_ok
	mov eax, [ebx + E_HI]           ; kept whole: QEMU and Bochs do
	cmp [edi + R_GHI], eax
	jne .se_bad
	mov esi, msg_se_whole
	call line_note
.se_ok:
	mov esi, msg_se
	call line_pass
	jmp .after
.se_fault:
	cmp dword [edi + R_VEC], 13     ; Bochs: #GP for a non-canonical one
	jne .se_bad
	cmp dword [edi + R_GLO], KNOWN_LO
	jne .se_bad
	cmp dword [edi + R_GHI], 0
	jne .se_bad
	mov esi, msg_se_gp
	call line_note
	jmp .after
.se_bad:
	mov esi, msg_se
	call line_fail
	call report_detail
.after:
	mov eax, [edi + R_ALO]          ; the same after the exits
	cmp eax, [edi + R_GLO]
	jne .after_bad
	mov eax, [edi + R_AHI]
	cmp eax, [edi + R_GHI]
	jne .after_bad
	mov esi, msg_after
	call line_pass
	jmp .n
.after_bad:
	mov esi, msg_after
	call line_fail
	call report_detail
.n:
	add ebx, E_SIZE
	jmp .next
.done:
	ret

; "<PASS |FAIL |note: ><mode>: WRMSR <name> 0x<hi>_<lo>: <ESI>", and
; after a FAIL the values read ([edi]: vector, at once, after the exits).
line_pass:
	push esi
	mov esi, msg_pass
	jmp line_common
line_note:
	push esi
	mov esi, msg_note
	jmp line_common
line_fail:
	inc ebp
	push esi
	mov esi, msg_fail
line_common:
	call puts
	mov esi, [mode_name]
	call puts
	mov esi, [ebx + E_NAME]
	call puts
	mov esi, msg_0x
	call puts
	mov eax, [ebx + E_HI]
	call puthex32
	mov esi, msg_us
	call puts
	mov eax, [ebx + E_LO]
	call puthex32
	mov esi, msg_colon
	call puts
	pop esi
	call puts
	mov esi, msg_nl
	jmp puts

; The detail line under a FAIL: the entry's results at EDI.
report_detail:
	pushad
	mov esi, [det_prefix]
	call puts
	mov eax, [edi + R_VEC]
	call puthex32
	mov esi, msg_det2
	call puts
	mov eax, [edi + R_GHI]
	call puthex32
	mov esi, msg_us
	call puts
	mov eax, [edi + R_GLO]
	call puthex32
	mov esi, msg_det3
	call puts
	mov eax, [edi + R_AHI]
	call puthex32
	mov esi, msg_us
	call puts
	mov eax, [edi + R_ALO]
	call puthex32
	mov esi, msg_nl
	call puts
	popad
	ret

; CHECK64 lo, hi, want_lo, want_hi, case: PASS line when [hi]:[lo] is
; the wanted value, with a got line after a FAIL.
%macro CHECK64 5
	mov eax, [%1]
	mov [got_lo], eax
	mov eax, [%2]
	mov [got_hi], eax
	mov dword [fault_vector], -1
	cmp dword [got_lo], %3
	jne %%cmp
	cmp dword [got_hi], %4
%%cmp:
	mov esi, %5
	call report_got
%endmacro
%macro CHECKVAL 4                       ; value, vector, want value, case
	mov eax, [%1]
	mov [got_lo], eax
	mov dword [got_hi], 0
	mov eax, [%2]
	mov [fault_vector], eax
	cmp eax, -1
	jne %%cmp
	cmp dword [got_lo], %3
%%cmp:
	mov esi, %4
	call report_got
%endmacro
%macro CHECKGP 2                        ; vector, case
	mov eax, [%1]
	mov [fault_vector], eax
	mov dword [got_lo], 0
	mov dword [got_hi], 0
	cmp eax, 13
	mov esi, %2
	call report_got
%endmacro

report_desc:
	CHECK64 d_fs_lo, d_fs_hi, 0x00200000, 0, msg_d_fs
	CHECK64 d_gs_lo, d_gs_hi, 0xfffff000, 0, msg_d_gs
	CHECK64 d_kgs_lo, d_kgs_hi, 0x00abc000, 0xffff8001, msg_d_kgs
	mov eax, [d_fs_read]
	mov [got_lo], eax
	mov dword [got_hi], 0
	mov dword [fault_vector], -1
	cmp eax, 0x600df00d
	mov esi, msg_d_read
	call report_got
	CHECK64 s_gs_lo, s_gs_hi, 0x00abc000, 0xffff8001, msg_s_gs
	CHECK64 s_kgs_lo, s_kgs_hi, 0xfffff000, 0, msg_s_kgs
	CHECKVAL w_fs_ver, w_fs_vec, APIC_VER, msg_w_fs
	CHECKVAL w_gs_ver, w_gs_vec, APIC_VER, msg_w_gs
	CHECKGP n_fs_vec, msg_n_fs
	CHECKGP n_gs_vec, msg_n_gs
	cmp dword [taken_fs_done], 0
	je .none
	CHECKVAL taken_fs_ver, taken_fs_vec, APIC_VER, msg_taken
.none:
	ret

align 8
gdt_case:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00af9b000000ffff           ; 0x18: 64-bit code
	dq 0x00cf93200000ffff           ; 0x20: data, base 0x00200000
	dq 0xffcf93fff000ffff           ; 0x28: data, base 0xfffff000
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
mode_off:   dd 0
mode_name:  dd 0
det_prefix: dd msg_det
gdt_before: times 10 db 0
align 4
d_fs_lo:  dd 0
d_fs_hi:  dd 0
d_gs_lo:  dd 0
d_gs_hi:  dd 0
d_kgs_lo: dd 0
d_kgs_hi: dd 0
d_fs_read: dd 0
s_gs_lo:  dd 0
s_gs_hi:  dd 0
s_kgs_lo: dd 0
s_kgs_hi: dd 0
w_fs_ver: dd 0
w_fs_vec: dd 0
w_gs_ver: dd 0
w_gs_vec: dd 0
n_fs_vec: dd 0
n_gs_vec: dd 0
taken_fs_ver:  dd 0
taken_fs_vec:  dd 0
taken_fs_done: dd 0
fs_probe: dd 0

align 4
entries:
%macro FIVE 3                           ; value lo, hi (non-canonical)
	ENTRY MSR_FS, %1, %2, 0, n_fs
	ENTRY MSR_GS, %1, %2, 0, n_gs
	ENTRY MSR_KGS, %1, %2, 0, n_kgs
	ENTRY MSR_LSTAR, %1, %2, 0, n_lstar
	ENTRY MSR_CSTAR, %1, %2, 0, n_cstar
%endmacro
	FIVE 0x00000000, 0x80000000, 0
	FIVE 0xfffff000, 0x7fffffff, 0
	FIVE 0x00000000, 0x01000000, 0
	ENTRY MSR_SE_ESP, 0x12345678, 0x80000000, 1, n_se_esp
	ENTRY MSR_SE_EIP, 0x9abcdef0, 0x01000000, 1, n_se_eip
	ENTRY MSR_SE_ESP, 0xfffff000, 0xffff8000, 1, n_se_esp
	ENTRY MSR_SE_EIP, 0x00c0ffee, 0x00007fff, 1, n_se_eip
	dd 0

n_fs:     db "FS_BASE", 0
n_gs:     db "GS_BASE", 0
n_kgs:    db "KERNEL_GS_BASE", 0
n_lstar:  db "LSTAR", 0
n_cstar:  db "CSTAR", 0
n_se_esp: db "SYSENTER_ESP", 0
n_se_eip: db "SYSENTER_EIP", 0
msg_pm:   db "protected mode: WRMSR ", 0
msg_lm:   db "64-bit mode: WRMSR ", 0
msg_note: db "note: ", 0
msg_0x:   db " 0x", 0
msg_us:   db "_", 0
msg_colon: db ": ", 0
msg_det:  db "  got vector 0x", 0
msg_det_note: db "  note: vector 0x", 0
msg_det2: db ", read 0x", 0
msg_det3: db ", after the exits 0x", 0
msg_gp:       db "#GP(0), the MSR kept its value", 0
msg_gp_note:  db "taken by this CPU (QEMU does not check; hardware raises #GP(0))", 0
msg_se:       db "taken, the low half reads back", 0
msg_se_whole: db "the high half kept too (the emulator; AMD drops it)", 0
msg_se_gp:    db "#GP (Bochs, Intel's rule; AMD takes it and drops the high half)", 0
msg_taken_chg: db "it reads otherwise after the exits (QEMU sign-extends bases at VMLOAD)", 0
msg_after:    db "reads the same after 10 CPUID and 10 OUT exits", 0
msg_long:     db "long mode: running in the 64-bit code segment", 0
msg_d_fs:     db "64-bit mode: MOV FS of a descriptor with base 0x00200000: FS_BASE 0x00000000_00200000", 0
msg_d_gs:     db "64-bit mode: MOV GS of a descriptor with base 0xfffff000: GS_BASE 0x00000000_fffff000 (zero-extended)", 0
msg_d_kgs:    db "64-bit mode: KERNEL_GS_BASE untouched by MOV GS", 0
msg_d_read:   db "64-bit mode: FS:[x] uses the loaded base", 0
msg_s_gs:     db "SWAPGS: GS_BASE is the old KERNEL_GS_BASE", 0
msg_s_kgs:    db "SWAPGS: KERNEL_GS_BASE is the old GS_BASE", 0
msg_w_fs:     db "FS base 0xffff8000_00000000 + 0x00008000_fee00030 wraps to the APIC version register", 0
msg_w_gs:     db "GS base 0xffffffff_fee00000 + 0x1_00000030 wraps to the APIC version register", 0
msg_n_fs:     db "FS base 0x00007fff_ffff0000 + 0x10030 (non-canonical sum): #GP(0), no access", 0
msg_n_gs:     db "GS base 0xffff8000_00000000 - 0x10 (non-canonical sum): #GP(0), no access", 0
msg_taken:    db "the non-canonical FS_BASE this CPU took, + an offset that wraps to the APIC: the version register", 0

align 4096
pml4:  times 4096 db 0
pdpt4: times 4096 db 0
pd4:   times 4096 db 0
pd4hi: times 4096 db 0
idt64: times 32 * 16 db 0
