; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: svmvisor's virtual CPU model seen from inside (kind=flat
; load=0x100000 mode=prot32, ONE vCPU): the CPUID leaves it defines,
; XSETBV/XGETBV and CPUID's OSXSAVE bit, and the instructions it completes
; or refuses (WBINVD, WBNOINVD, INVD as no-ops; RDPMC #GP; RDPRU and
; MONITOR #UD). One PASS/FAIL line per case, the failure count as the
; result. After a FAIL the next line says what was seen:
;   "  got 0xHHHHHHHH_LLLLLLLL, vector 0xVVVVVVVV" (vector ffffffff: no fault)
; Cases that depend on the CPU model print "SKIP <case>: <why>" instead:
;   - XSETBV/XGETBV and the OSXSAVE cases need CPUID.1:ECX.XSAVE;
;   - the AVX cases need bit 2 in CPUID 0xD.0 EAX;
;   - QEMU's TCG never intercepts XSETBV (/work/shared/EMULATORS.md): where
;     the brand string says QEMU and an XSETBV that must fault was taken
;     by the CPU itself, the case is a SKIP (not a PASS); likewise when
;     leaf 0xD.0 EBX did not follow an XCR0 the hypervisor never saw.
org 0x100000
bits 32
%define VCPU_HELPERS
%include "guests/lib32.inc"

CR4_OSXSAVE equ 1 << 18

; EXPECT_VEC v, case: PASS when the last TRY ended with vector v
%macro EXPECT_VEC 2
	mov dword [got_lo], 0
	mov dword [got_hi], 0
	cmp dword [fault_vector], %1
	mov esi, %2
	call report_got
%endmacro

main:
	mov esi, msg_hello
	call puts
	call read_brand
	mov esi, msg_brand
	call puts
	mov esi, brand_str
	call puts
	mov esi, msg_nl
	call puts

	call cpuid_cases
	call xsave_cases
	call insn_cases
	ret

; --- CPUID ---------------------------------------------------------------------
; got = EDX:EAX of the case's CPUID, or the register in question in got_lo.
cpuid_cases:
	xor eax, eax
	cpuid
	mov [max_basic], eax
	mov eax, 1
	xor ecx, ecx
	cpuid
	mov [l1_ebx], ebx
	mov [l1_ecx], ecx
	mov [l1_edx], edx
	mov [got_lo], ecx
	mov dword [got_hi], 0
	mov dword [fault_vector], -1

	bt dword [l1_ecx], 31
	call zf_from_cf_set
	mov esi, case_hv
	call report_got
	test dword [l1_ecx], 1 << 5
	mov esi, case_vmx
	call report_got
	test dword [l1_ecx], 1 << 3
	mov esi, case_monitor
	call report_got

	mov eax, [l1_ebx]
	mov [got_lo], eax
	shr eax, 24
	cmp eax, 0
	mov esi, case_index
	call report_got
	mov eax, [l1_ebx]
	shr eax, 16
	cmp al, 1
	mov esi, case_count
	call report_got

	mov eax, [l1_edx]
	mov [got_lo], eax
	test eax, 1 << 28
	mov esi, case_htt
	call report_got

	mov eax, cr4                    ; CR4.OSXSAVE is clear at the start
	and eax, ~CR4_OSXSAVE
	mov cr4, eax
	mov eax, [l1_ecx]
	mov [got_lo], eax
	test eax, 1 << 27
	mov esi, case_osxsave_clear
	call report_got

	mov eax, 0x80000001
	cpuid
	mov [got_lo], ecx
	test ecx, 1 << 2
	mov esi, case_svm
	call report_got

	mov eax, 0x8000000a
	cpuid
	mov [got_lo], eax
	mov [got_hi], ebx
	or eax, ebx
	or eax, ecx
	or eax, edx
	mov esi, case_svm_leaf
	call report_got

	mov eax, 0x40000000
	cpuid
	mov [got_lo], eax
	mov [got_hi], ebx
	cmp eax, 0x40000010
	jne .sig
	cmp ebx, 'svmv'
	jne .sig
	cmp ecx, 'isor'
	jne .sig
	cmp edx, '    '
.sig:
	mov esi, case_hv_leaf
	call report_got

	mov eax, 0x40000010
	cpuid
	mov [got_lo], eax
	mov [got_hi], ebx
	cmp eax, 0
	setz al                         ; ZF: EAX non-zero
	test al, al
	mov esi, case_tsc_khz
	call report_got

	mov eax, [max_basic]            ; above the highest basic leaf: zeros
	inc eax
	xor ecx, ecx
	cpuid
	mov [got_lo], eax
	mov [got_hi], ebx
	or eax, ebx
	or eax, ecx
	or eax, edx
	mov esi, case_above_max
	call report_got

	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000008
	jae .leaf88
	mov esi, case_rdpru_bit
	mov edi, why_no_88
	call report_skip
	ret
.leaf88:
	mov eax, 0x80000008
	cpuid
	mov [got_lo], ebx
	mov dword [got_hi], 0
	test ebx, 1 << 4
	mov esi, case_rdpru_bit
	call report_got
	ret

; ZF = CF (bt found the bit set)
zf_from_cf_set:
	setnc al
	test al, al
	ret

; --- XSETBV / XGETBV -------------------------------------------------------
xsave_cases:
	test dword [l1_ecx], 1 << 26
	jnz .have
	mov edi, why_no_xsave
	mov esi, xsave_case_list
.skip_all:
	push esi
	mov esi, [esi]
	call report_skip
	pop esi
	add esi, 4
	cmp dword [esi], 0
	jne .skip_all
	ret
.have:
	mov eax, 1                      ; OSXSAVE clear: XSETBV is #UD
	xor ecx, ecx
	call xset
	EXPECT_VEC 6, case_xsetbv_ud

	mov eax, cr4                    ; CR4.OSXSAVE on: CPUID shows it
	or eax, CR4_OSXSAVE
	TRY mov cr4, eax
	mov eax, 1
	cpuid
	mov [got_lo], ecx
	mov dword [got_hi], 0
	cmp dword [fault_vector], -1
	jne .osx_on
	bt ecx, 27
	call zf_from_cf_set
.osx_on:
	mov esi, case_osxsave_set
	call report_got

	call xget                       ; XCR0 = 1 at the start
	cmp dword [fault_vector], -1
	jne .xcr0_1
	cmp eax, 1
	jne .xcr0_1
	test edx, edx
.xcr0_1:
	mov esi, case_xcr0_start
	call report_got

	mov eax, 3                      ; x87 | SSE
	call xset_rb
	mov esi, case_xcr0_3
	call report_got

	mov eax, 0xd                    ; what XCR0 may hold, the size at 3
	xor ecx, ecx
	cpuid
	mov [xcr0_ok], eax
	mov [size_3], ebx

	test dword [xcr0_ok], 1 << 2
	jnz .avx
	mov edi, why_no_avx
	mov esi, case_xcr0_7
	call report_skip
	mov esi, case_size_grows
	call report_skip
	mov esi, case_size_paging
	call report_skip
	jmp .gp_cases
.avx:
	mov eax, 7                      ; x87 | SSE | AVX
	call xset_rb
	mov esi, case_xcr0_7
	call report_got
	mov eax, 0xd
	xor ecx, ecx
	cpuid
	mov [size_7], ebx
	mov [got_lo], ebx
	mov eax, [size_3]
	mov [got_hi], eax
	mov dword [fault_vector], -1
	cmp ebx, eax                    ; the size follows the live XCR0, even on
	ja .grew                        ; QEMU, which runs XSETBV without an exit
	test esp, esp                   ; ZF clear
	jmp .grown
.grew:
	cmp eax, eax                    ; ZF set
.grown:
	mov esi, case_size_grows
	call report_got

	; The same with paging on. Without NRIP save (QEMU) the hypervisor
	; completes a CPUID that exits with paging on in its slow path, after
	; it has put its own XCR0 back: the size must still be XCR0 = 7's.
	call paging_on
	mov eax, 0xd
	xor ecx, ecx
	cpuid
	call paging_off
	mov [got_lo], ebx
	mov eax, [size_7]
	mov [got_hi], eax
	cmp ebx, eax
	mov esi, case_size_paging
	call report_got
.back_to_3:
	mov eax, 3
	xor ecx, ecx
	call xset

.gp_cases:
	mov eax, 0                      ; no x87
	xor ecx, ecx
	mov esi, case_xcr0_0
	call xset_gp
	mov eax, 5                      ; AVX without SSE
	xor ecx, ecx
	mov esi, case_xcr0_5
	call xset_gp
	mov eax, 3 | 1 << 9             ; PKRU
	xor ecx, ecx
	mov esi, case_xcr0_pkru
	call xset_gp
	mov eax, 3                      ; XCR1 does not exist here
	mov ecx, 1
	mov esi, case_xcr_1
	call xset_gp

	mov ecx, 2                      ; the lowest bit CPUID 0xD.0 EAX lacks
.absent:
	bt dword [xcr0_ok], ecx
	jnc .found
	inc ecx
	cmp ecx, 32
	jb .absent
	mov esi, case_xcr0_absent
	mov edi, why_all_bits
	call report_skip
	jmp .off
.found:
	mov eax, 1
	shl eax, cl
	or eax, 3
	xor ecx, ecx
	mov esi, case_xcr0_absent
	call xset_gp

.off:
	mov eax, cr4                    ; CR4.OSXSAVE off: CPUID drops it
	and eax, ~CR4_OSXSAVE
	TRY mov cr4, eax
	mov eax, 1
	cpuid
	mov [got_lo], ecx
	mov dword [got_hi], 0
	cmp dword [fault_vector], -1
	jne .osx_off
	test ecx, 1 << 27
.osx_off:
	mov esi, case_osxsave_off
	call report_got
	ret

; EAX = value, ECX = register: XSETBV (EDX = 0) under TRY.
xset:
	xor edx, edx
	TRY xsetbv
	ret

; XGETBV(0) under TRY: EDX:EAX and got = XCR0.
xget:
	xor ecx, ecx
	xor eax, eax
	xor edx, edx
	TRY xgetbv
	mov [got_lo], eax
	mov [got_hi], edx
	ret

; EAX = value: XSETBV(0), XGETBV; ZF when neither faulted and it reads back.
xset_rb:
	mov [want], eax
	xor ecx, ecx
	call xset
	mov ebx, [fault_vector]
	call xget
	cmp ebx, -1
	je .read
	mov [fault_vector], ebx         ; ZF clear
	ret
.read:
	cmp dword [fault_vector], -1
	jne .ret
	cmp eax, [want]
	jne .ret
	test edx, edx
.ret:
	ret

; EAX = value, ECX = register, ESI = case. XCR0 is 3 before: the XSETBV
; must raise #GP and leave XCR0 at 3. Reports the case (or the SKIP for
; QEMU's TCG, which runs XSETBV itself) and puts XCR0 back to 3.
xset_gp:
	push esi
	call xset
	mov ebx, [fault_vector]
	call xget
	mov [fault_vector], ebx
	pop esi
	cmp ebx, -1
	jne .faulted
	cmp dword [brand_qemu], 1
	jne .failed
	mov edi, why_qemu_xsetbv
	call report_skip
	mov eax, 3
	xor ecx, ecx
	call xset
	ret
.failed:
	or ebx, ebx                     ; ZF clear (ebx = -1)
	jmp .report
.faulted:
	cmp ebx, 13
	jne .report
	cmp dword [got_lo], 3
	jne .report
	cmp dword [got_hi], 0
.report:
	call report_got
	mov eax, 3
	xor ecx, ecx
	call xset
	ret

; --- instructions ------------------------------------------------------------
; RUN1000 bytes, seed, case: a pattern in memory, 1000 runs of the
; instruction, no fault and the pattern intact. got = iterations left :
; offset of the first changed byte (ffffffff: none).
%macro RUN1000 3
	mov ebx, %2
	call fill
	EXPECT_FAULT -1, %%after
	mov ecx, 1000
%%loop:
	db %1
	dec ecx
	jnz %%loop
%%after:
	mov [got_hi], ecx
	mov ebx, %2
	call verify
	mov esi, %3
	call report_got
%endmacro

insn_cases:
	RUN1000 {0x0f, 0x09}, 0x5a5a0001, case_wbinvd
	RUN1000 {0xf3, 0x0f, 0x09}, 0x5a5a0002, case_wbnoinvd
	RUN1000 {0x0f, 0x08}, 0x5a5a0003, case_invd

	xor ecx, ecx
	TRY db 0x0f, 0x33               ; RDPMC
	EXPECT_VEC 13, case_rdpmc
	xor ecx, ecx
	TRY db 0x0f, 0x01, 0xfd         ; RDPRU
	EXPECT_VEC 6, case_rdpru
	mov eax, buf                    ; MONITOR
	xor ecx, ecx
	xor edx, edx
	TRY db 0x0f, 0x01, 0xc8
	EXPECT_VEC 6, case_monitor_ud
	ret

; EBX = seed: fill buf with a sequence from it.
fill:
	mov edi, buf
	mov ecx, BUF_SIZE / 4
	mov eax, ebx
.next:
	mov [edi], eax
	add eax, 0x9e3779b9
	add edi, 4
	dec ecx
	jnz .next
	ret

; EBX = seed: ZF when buf still holds fill's sequence and no fault came;
; got_lo = the offset of the first changed dword, or ffffffff.
verify:
	mov edi, buf
	mov ecx, BUF_SIZE / 4
	mov eax, ebx
.next:
	cmp [edi], eax
	jne .changed
	add eax, 0x9e3779b9
	add edi, 4
	dec ecx
	jnz .next
	mov dword [got_lo], -1
	cmp dword [fault_vector], -1
	ret
.changed:
	sub edi, buf
	mov [got_lo], edi
	or edi, 1                       ; ZF clear
	ret

max_basic: dd 0
l1_ebx:    dd 0
l1_ecx:    dd 0
l1_edx:    dd 0
xcr0_ok:   dd 0
size_3:    dd 0
size_7:    dd 0
want:      dd 0

; Paging on and off: 4 MiB pages (CR4.PSE) identity-mapping the first
; 16 MiB, all the VM's RAM.
paging_on:
	push eax
	mov eax, cr4
	or eax, 1 << 4                  ; PSE
	mov cr4, eax
	mov eax, page_dir
	mov cr3, eax
	mov eax, cr0
	or eax, 1 << 31                 ; PG
	mov cr0, eax
	pop eax
	ret

paging_off:
	push eax
	mov eax, cr0
	and eax, ~(1 << 31)
	mov cr0, eax
	mov eax, cr4
	and eax, ~(1 << 4)
	mov cr4, eax
	pop eax
	ret

align 4096
page_dir:
	dd 0x00000083, 0x00400083, 0x00800083, 0x00c00083	; present, writable, 4 MiB
	times 1020 dd 0

xsave_case_list:
	dd case_xsetbv_ud, case_osxsave_set, case_xcr0_start, case_xcr0_3, case_xcr0_7
	dd case_size_grows, case_size_paging, case_xcr0_0, case_xcr0_5, case_xcr0_pkru, case_xcr_1
	dd case_xcr0_absent, case_osxsave_off, 0

msg_hello: db "cpumodel32: the virtual CPU model", 13, 10, 0
msg_brand: db "cpumodel32: brand ", 0

case_hv:            db "cpuid: leaf 1 ECX hypervisor bit (31) set", 0
case_vmx:           db "cpuid: leaf 1 ECX VMX (5) clear", 0
case_monitor:       db "cpuid: leaf 1 ECX MONITOR (3) clear", 0
case_index:         db "cpuid: leaf 1 EBX[31:24] is vcpu0's index 0", 0
case_count:         db "cpuid: leaf 1 EBX[23:16] is the VM's vCPU count 1", 0
case_htt:           db "cpuid: leaf 1 EDX HTT (28) clear with one vCPU", 0
case_osxsave_clear: db "cpuid: leaf 1 ECX OSXSAVE (27) clear while CR4.OSXSAVE is clear", 0
case_svm:           db "cpuid: 0x80000001 ECX SVM (2) clear", 0
case_svm_leaf:      db "cpuid: 0x8000000A all zero", 0
case_hv_leaf:       db "cpuid: 0x40000000 EAX 0x40000010 and signature svmvisor", 0
case_tsc_khz:       db "cpuid: 0x40000010 EAX (TSC kHz) non-zero", 0
case_above_max:     db "cpuid: basic leaf above leaf 0 EAX returns zeros", 0
case_rdpru_bit:     db "cpuid: 0x80000008 EBX RDPRU (4) clear", 0
why_no_88:          db "no leaf 0x80000008", 0

case_xsetbv_ud:   db "xsetbv: #UD while CR4.OSXSAVE is clear", 0
case_osxsave_set: db "cpuid: leaf 1 ECX OSXSAVE (27) set with CR4.OSXSAVE", 0
case_xcr0_start:  db "xgetbv: XCR0 is 1 at the start", 0
case_xcr0_3:      db "xsetbv: XCR0 = 3 (x87, SSE) reads back", 0
case_xcr0_7:      db "xsetbv: XCR0 = 7 (x87, SSE, AVX) reads back", 0
case_size_grows:  db "cpuid: leaf 0xD.0 EBX grows from XCR0 = 3 to 7", 0
case_size_paging: db "cpuid: leaf 0xD.0 EBX at XCR0 = 7 the same with paging on", 0
case_xcr0_0:      db "xsetbv: XCR0 = 0 raises #GP, XCR0 kept", 0
case_xcr0_5:      db "xsetbv: XCR0 = 5 (AVX without SSE) raises #GP, XCR0 kept", 0
case_xcr0_pkru:   db "xsetbv: XCR0 bit 9 (PKRU) raises #GP, XCR0 kept", 0
case_xcr_1:       db "xsetbv: ECX = 1 raises #GP, XCR0 kept", 0
case_xcr0_absent: db "xsetbv: XCR0 bit absent from CPUID 0xD.0 EAX raises #GP, XCR0 kept", 0
case_osxsave_off: db "cpuid: leaf 1 ECX OSXSAVE (27) clear again after CR4.OSXSAVE is cleared", 0
why_no_xsave:     db "no XSAVE in CPUID leaf 1 ECX", 0
why_no_avx:       db "no AVX state (bit 2) in CPUID 0xD.0 EAX", 0
why_all_bits:     db "CPUID 0xD.0 EAX offers every bit 2-31", 0
why_qemu_xsetbv:  db "QEMU TCG ran XSETBV itself, no intercept", 0

case_wbinvd:     db "insn: WBINVD x1000 completes, memory intact", 0
case_wbnoinvd:   db "insn: WBNOINVD x1000 completes, memory intact", 0
case_invd:       db "insn: INVD x1000 completes, memory intact", 0
case_rdpmc:      db "insn: RDPMC raises #GP", 0
case_rdpru:      db "insn: RDPRU raises #UD", 0
case_monitor_ud: db "insn: MONITOR raises #UD", 0

BUF_SIZE equ 4096
align 64
buf: times BUF_SIZE db 0
