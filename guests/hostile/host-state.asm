; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: unusual values in the state VMLOAD/VMSAVE and VMRUN switch (bases, SYSCALL/SYSENTER MSRs, PAT, DR0-3/DR7, XCR0, CR2, an LDT, a second TSS), then a million exits (100,000 on Bochs, whose exits are slow) during which the console may send NMIs; and non-canonical bases through WRMSR
; class: host
; guest: every value reads back as written before and after the exits (CPUID, OUT 0x80, RDMSR of MTRRcap), and the NMIs sent are counted by its own handler; a selector from the LDT still reaches its descriptor and a ring-3 fault still switches to the second TSS's ESP0; WRMSR of a non-canonical FS_BASE, GS_BASE, KERNEL_GS_BASE, LSTAR or CSTAR raises #GP and leaves the MSR as it was
; hypervisor: nothing: the guest's copies are live only between its VMLOAD and VMSAVE, the host's never leak into it, and no VMRUN fails
; others: the witness beats on, its RAM intact
;
; Real AMD hardware: the base MSRs, LSTAR and CSTAR take canonical
; addresses only (#GP otherwise, APM Vol.2 4.5.3, 6.1.1); STAR, SFMASK
; and SYSENTER_CS/ESP/EIP take any 32-bit value here; PAT takes any
; combination of valid types (0, 1, 4, 5, 6, 7); XSETBV takes x87|SSE
; (with AVX when CPUID offers it) with CR4.OSXSAVE. svmvisor passes the
; ten VMLOAD/VMSAVE MSRs through (docs/cpu.md "MSRs"), so the CPU itself
; judges those WRMSRs, and intercepts PAT (G_PAT), XSETBV and MTRRcap.
;
; QEMU 7.2 takes a non-canonical value in these pass-through MSRs without
; #GP (its WRMSR does not check), which svmvisor cannot see; under QEMU
; (CPUID brand "QEMU") the case says so in a note line instead of failing,
; keeps the value live across 1000 exits (no VMRUN may fail on it: VMLOAD
; and VMRUN do not check it) and restores it.
%include "guests/hostile/hostile.inc"

MSR_MTRRCAP   equ 0xfe
MSR_PAT       equ 0x277
CR4_OSXSAVE   equ 1 << 18
LOOPS         equ 33334             ; three exits each: 100002 (Bochs)
LOOPS_QEMU    equ 333334            ; 1000002 on QEMU, whose exits are fast
TSS2          equ 0x200003          ; the second TSS: odd base, long limit
TSS2_LIMIT    equ 0x2067            ; 0x68 bytes and an I/O bitmap
TSS2_STACK    equ 0x204000          ; its ESP0
SEL_TSS1      equ 0x28
SEL_TSS2      equ 0x30
SEL_LDT       equ 0x38
SEL_LDT_DATA  equ 0x04              ; LDT entry 0, TI=1, RPL 0

; CHECK_EQ value, expected, case: a PASS/FAIL line, with got = value
%macro CHECK_EQ 3
	mov eax, %1
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp eax, %2
	mov esi, %3
	call report_got
%endmacro

main:
	call read_brand
	call tables_setup
	mov eax, on_nmi                 ; NMIs (the console's `nmi`) are counted
	mov [idt + 2 * 8], ax
	shr eax, 16
	mov [idt + 2 * 8 + 6], ax

	; the MSRs: write, then check at once
	mov ebx, msrs
.write:
	mov ecx, [ebx]
	test ecx, ecx
	jz .written
	mov eax, [ebx + 4]
	mov edx, [ebx + 8]
	call msr_write
	cmp dword [fault_vector], -1
	je .wrote
	inc ebp
	mov esi, msg_wrfail
	call puts
	mov esi, [ebx + 12]
	call puts
	mov esi, msg_nl
	call puts
.wrote:
	add ebx, 16
	jmp .write
.written:
	mov esi, msg_now
	call check_msrs

	; the debug registers (breakpoints at addresses nothing touches), CR2
	mov eax, 0x3ff00000
	mov dr0, eax
	mov eax, 0x7ff00010
	mov dr1, eax
	mov eax, 0xbff00020
	mov dr2, eax
	mov eax, 0xeff00030
	mov dr3, eax
	mov eax, 0xf0f002aa             ; G0-G3, GE; code/data breakpoints
	mov dr7, eax
	mov eax, 0xcafef00d
	mov cr2, eax

	; XCR0: x87|SSE, and AVX when CPUID 0xD offers it
	mov eax, 1
	cpuid
	bt ecx, 26
	jnc .no_xsave
	mov eax, 0xd
	xor ecx, ecx
	cpuid
	mov ebx, 3
	test eax, 4
	jz .xcr0
	or ebx, 4
.xcr0:
	mov [want_xcr0], ebx
	mov eax, cr4
	or eax, CR4_OSXSAVE
	mov cr4, eax
	mov eax, ebx
	xor edx, edx
	xor ecx, ecx
	TRY xsetbv
	CHECK_VECTOR -1, msg_xsetbv
	mov byte [have_xsave], 1
	jmp .xsave_done
.no_xsave:
	mov esi, msg_xcr0_case
	mov edi, msg_no_xsave
	call report_skip
.xsave_done:

	; the exits
	xor edi, edi                    ; wrong MTRRcap reads
	mov esi, LOOPS                  ; (CPUID writes EAX-EDX)
	cmp dword [brand_qemu], 0
	je .loop
	mov esi, LOOPS_QEMU
.loop:
	xor eax, eax
	cpuid
	mov eax, esi
	out 0x80, al
	mov ecx, MSR_MTRRCAP
	rdmsr
	cmp eax, 0x508
	je .cap_ok
	inc edi
.cap_ok:
	dec esi
	jnz .loop
	test edi, edi
	mov esi, msg_cap
	call report_zf
	mov esi, msg_nmis
	call puts
	mov eax, [nmis]
	call put_dec
	mov esi, msg_nl
	call puts

	; everything still as written
	mov esi, msg_after
	call check_msrs
	mov eax, dr0
	CHECK_EQ eax, 0x3ff00000, msg_dr0
	mov eax, dr1
	CHECK_EQ eax, 0x7ff00010, msg_dr1
	mov eax, dr2
	CHECK_EQ eax, 0xbff00020, msg_dr2
	mov eax, dr3
	CHECK_EQ eax, 0xeff00030, msg_dr3
	mov eax, dr7
	CHECK_EQ eax, 0xf0f006aa, msg_dr7
	mov eax, cr2
	CHECK_EQ eax, 0xcafef00d, msg_cr2
	cmp byte [have_xsave], 0
	je .no_xgetbv
	xor ecx, ecx
	xgetbv
	CHECK_EQ eax, [want_xcr0], msg_xcr0
.no_xgetbv:
	xor eax, eax
	str ax
	CHECK_EQ eax, SEL_TSS2, msg_str
	xor eax, eax
	sldt ax
	CHECK_EQ eax, SEL_LDT, msg_sldt
	mov ax, SEL_LDT_DATA            ; the LDT's hidden base and limit
	mov es, ax
	mov eax, [es:ldt_probe]
	mov dx, 0x10
	mov es, dx
	CHECK_EQ eax, 0x1d7c0ffe, msg_ldt
	call ring3_trip                 ; TR's hidden base: ESP0 from the second TSS
	xor eax, eax
	mov dr7, eax

	; non-canonical values
	mov ebx, noncanon
.nc:
	mov ecx, [ebx]
	test ecx, ecx
	jz .nc_done
	call try_noncanonical
	add ebx, 16
	jmp .nc
.nc_done:
	ret

; The NMI gate: count and return (the gate is an interrupt gate, so no
; NMI nests; IRET ends the NMI's blocking).
on_nmi:
	inc dword [nmis]
	iret

nmis: dd 0

; esi = "now" or "after the exits": RDMSR of every MSR in msrs, a PASS/FAIL
; line each
check_msrs:
	mov [when], esi
	mov ebx, msrs
.next:
	mov ecx, [ebx]
	test ecx, ecx
	jz .done
	call msr_read
	mov eax, [got_lo]
	cmp eax, [ebx + 4]
	jne .report
	mov eax, [got_hi]
	cmp eax, [ebx + 8]
.report:
	pushf
	mov esi, [ebx + 12]
	mov edi, [when]
	call build_case
	popf
	mov esi, case_buf
	call report_got
	add ebx, 16
	jmp .next
.done:
	ret

; case_buf = the string at esi, then the one at edi
build_case:
	push eax
	mov eax, case_buf
.a:
	mov dl, [esi]
	mov [eax], dl
	inc esi
	inc eax
	test dl, dl
	jnz .a
	dec eax
.b:
	mov dl, [edi]
	mov [eax], dl
	inc edi
	inc eax
	test dl, dl
	jnz .b
	pop eax
	ret

; [ebx] = MSR, [ebx + 4] / [ebx + 8] = the non-canonical value, [ebx + 12]
; = its name. The MSR holds a known canonical value first; the write must
; #GP and leave it; under QEMU a write taken is a note, kept across 1000
; exits, then undone.
try_noncanonical:
	mov ecx, [ebx]
	mov eax, 0x00001000
	mov edx, 0x00007fff             ; 0x00007fff00001000: canonical
	call msr_write
	mov ecx, [ebx]
	mov eax, [ebx + 4]
	mov edx, [ebx + 8]
	call msr_write
	mov eax, [fault_vector]
	mov [nc_vector], eax
	mov ecx, [ebx]
	call msr_read
	cmp dword [nc_vector], 13
	je .faulted
	cmp dword [brand_qemu], 0
	je .fail
	; QEMU took it: a note, exits with it live, then back to canonical
	mov esi, msg_nc_note
	call puts
	mov esi, [ebx + 12]
	call puts
	mov esi, msg_nc_note2
	call puts
	mov eax, [got_hi]
	call puthex32
	mov esi, msg_got_sep
	call puts
	mov eax, [got_lo]
	call puthex32
	mov esi, msg_nl
	call puts
	mov ecx, 1000
.live:
	mov al, cl
	out 0x80, al                    ; through the full switch: VMSAVE, VMLOAD
	loop .live
	mov ecx, [ebx]
	call msr_read
	mov esi, msg_nc_after
	call puts
	mov eax, [got_hi]
	call puthex32
	mov esi, msg_got_sep
	call puts
	mov eax, [got_lo]
	call puthex32
	mov esi, msg_nl
	call puts
	xor eax, eax                    ; ZF: it got here
	mov esi, msg_nc_live
	call report_zf
	mov ecx, [ebx]
	xor eax, eax
	xor edx, edx
	call msr_write
	ret
.faulted:
	mov eax, [got_lo]
	cmp eax, 0x00001000
	jne .report
	mov eax, [got_hi]
	cmp eax, 0x00007fff
.report:
	pushf
	mov esi, msg_nc_case
	mov edi, [ebx + 12]
	call build_case
	popf
	mov eax, [nc_vector]
	mov [fault_vector], eax
	mov esi, case_buf
	jmp report_got
.fail:
	mov eax, [nc_vector]
	mov [fault_vector], eax
	mov esi, msg_nc_case
	mov edi, [ebx + 12]
	call build_case
	or eax, 1                       ; ZF clear
	mov esi, case_buf
	jmp report_got

; Ring 3 and back: int3 at CPL 3 through a DPL-0 gate is a #GP taken on
; the stack TSS2.ESP0 names, which holds the frame afterwards.
ring3_trip:
	mov dword [TSS2_STACK - 4], 0
	mov dword [TSS2_STACK - 16], 0
	EXPECT_FAULT 13, .back
	mov ax, 0x23
	mov ds, ax
	mov es, ax
	push dword 0x23                 ; SS
	push dword user_stack_top       ; ESP
	pushfd
	push dword 0x1b                 ; CS
	push dword .user                ; EIP
	iretd
.user:
	int3
	jmp .user
.back:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	CHECK_VECTOR 13, msg_ring3
	mov eax, [TSS2_STACK - 4]
	CHECK_EQ eax, 0x23, msg_esp0_ss
	mov eax, [TSS2_STACK - 16]
	CHECK_EQ eax, 0x1b, msg_esp0_cs
	ret

; My GDT: the lib's selectors 0x08-0x20, a TSS at 0x28, the second TSS
; (odd base, an I/O bitmap's worth of limit) at 0x30, a one-entry LDT at
; 0x38. Loads LDTR and TR (first TSS1, then TSS2).
tables_setup:
	mov edi, TSS2
	mov ecx, TSS2_LIMIT + 1
	xor al, al
	rep stosb
	mov dword [TSS2 + 4], TSS2_STACK ; ESP0
	mov dword [TSS2 + 8], 0x10       ; SS0
	mov word [TSS2 + 0x66], 0x68     ; I/O bitmap right after the TSS
	mov dword [tss1 + 4], stack_top
	mov dword [tss1 + 8], 0x10
	mov eax, tss1
	mov ecx, 0x67
	mov edi, gdt_h + SEL_TSS1
	mov dl, 0x89
	call descriptor
	mov eax, TSS2
	mov ecx, TSS2_LIMIT
	mov edi, gdt_h + SEL_TSS2
	mov dl, 0x89
	call descriptor
	mov eax, ldt
	mov ecx, 7
	mov edi, gdt_h + SEL_LDT
	mov dl, 0x82
	call descriptor
	lgdt [gdt_h_ptr]
	jmp 0x08:.cs
.cs:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ax, SEL_LDT
	lldt ax
	mov ax, SEL_TSS1
	ltr ax
	mov ax, SEL_TSS2
	ltr ax
	ret

; a system descriptor at edi: base eax, limit ecx (byte granular), type dl
descriptor:
	mov [edi], cx
	mov [edi + 2], ax
	shr eax, 16
	mov [edi + 4], al
	mov [edi + 5], dl
	shr ecx, 16
	and cl, 0x0f
	mov [edi + 6], cl
	mov [edi + 7], ah
	ret

%macro MSR 4
	dd %1, (%2) & 0xffffffff, (%2) >> 32, %3
%endmacro

msrs:
	MSR 0xc0000100, 0x00007ffffffff000, msg_fsbase, 0
	MSR 0xc0000101, 0xffff800000001234, msg_gsbase, 0
	MSR 0xc0000102, 0x0000123456789abc, msg_kgsbase, 0
	MSR 0xc0000081, 0x0023001bdeadbeef, msg_star, 0
	MSR 0xc0000082, 0xffffffff81234567, msg_lstar, 0
	MSR 0xc0000083, 0x00007fff00001000, msg_cstar, 0
	MSR 0xc0000084, 0x0000000000047700, msg_sfmask, 0
	MSR 0x174, 0x000000000000beef, msg_se_cs, 0
	MSR 0x175, 0x0000000089abcdef, msg_se_esp, 0
	MSR 0x176, 0x0000000013579bdf, msg_se_eip, 0
	MSR MSR_PAT, 0x0105040607000106, msg_pat, 0
	dd 0
noncanon:
	MSR 0xc0000100, 0x0000800000000000, msg_fsbase, 0
	MSR 0xc0000101, 0xfff0000000000000, msg_gsbase, 0
	MSR 0xc0000102, 0x8000000000000000, msg_kgsbase, 0
	MSR 0xc0000082, 0x0000800000000000, msg_lstar, 0
	MSR 0xc0000083, 0x7fffffffffffffff, msg_cstar, 0
	dd 0

align 8
gdt_h:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00cffb000000ffff           ; 0x18: user code (DPL 3)
	dq 0x00cff3000000ffff           ; 0x20: user data (DPL 3)
	dq 0                            ; 0x28: TSS 1
	dq 0                            ; 0x30: TSS 2
	dq 0                            ; 0x38: LDT
gdt_h_ptr:
	dw $ - gdt_h - 1
	dd gdt_h
ldt:
	dq 0x00cf93000000ffff           ; entry 0: flat data
ldt_probe:   dd 0x1d7c0ffe
tss1:        times 104 db 0
want_xcr0:   dd 0
have_xsave:  db 0
when:        dd 0
nc_vector:   dd 0
case_buf:    times 160 db 0

msg_fsbase:   db "FS_BASE", 0
msg_gsbase:   db "GS_BASE", 0
msg_kgsbase:  db "KERNEL_GS_BASE", 0
msg_star:     db "STAR", 0
msg_lstar:    db "LSTAR", 0
msg_cstar:    db "CSTAR", 0
msg_sfmask:   db "SFMASK", 0
msg_se_cs:    db "SYSENTER_CS", 0
msg_se_esp:   db "SYSENTER_ESP", 0
msg_se_eip:   db "SYSENTER_EIP", 0
msg_pat:      db "PAT", 0
msg_now:      db " reads back as written", 0
msg_after:    db " as written after the exits", 0
msg_wrfail:   db "FAIL WRMSR raised an exception: ", 0
msg_xsetbv:   db "XSETBV x87|SSE(|AVX) with CR4.OSXSAVE is accepted", 0
msg_xcr0_case: db "XCR0", 0
msg_no_xsave: db "CPUID offers no XSAVE", 0
msg_cap:      db "every RDMSR MTRRcap in the loop read 0x508", 0
msg_nmis:     db "NMIs taken during the case: ", 0
msg_dr0:      db "DR0 as written after the exits", 0
msg_dr1:      db "DR1 as written after the exits", 0
msg_dr2:      db "DR2 as written after the exits", 0
msg_dr3:      db "DR3 as written after the exits", 0
msg_dr7:      db "DR7 as written after the exits", 0
msg_cr2:      db "CR2 as written after the exits", 0
msg_xcr0:     db "XCR0 (XGETBV) as written after the exits", 0
msg_str:      db "STR reads the second TSS after the exits", 0
msg_sldt:     db "SLDT reads the LDT after the exits", 0
msg_ldt:      db "a selector from the LDT reaches its descriptor after the exits", 0
msg_ring3:    db "INT3 at CPL 3 through a DPL-0 gate raises #GP", 0
msg_esp0_ss:  db "the #GP frame went to the second TSS's ESP0 (SS 0x23 there)", 0
msg_esp0_cs:  db "the #GP frame went to the second TSS's ESP0 (CS 0x1b there)", 0
msg_nc_case:  db "WRMSR of a non-canonical value raises #GP and keeps the MSR: ", 0
msg_nc_note:  db "note: QEMU took a non-canonical ", 0
msg_nc_note2: db " without #GP (hardware raises #GP): 0x", 0
msg_nc_after: db "note: after 1000 OUT exits with it live it reads 0x", 0
msg_nc_live:  db "the VM runs on after 1000 exits with a non-canonical value live (no VMRUN failed)", 0
