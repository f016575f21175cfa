; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: REP string instructions with DF=1 and large counts (0x10000) across device/RAM boundaries: REP STOSD from the local APIC page down into unassigned space (with the APIC timer interrupting it), REP MOVSD from unassigned space above RAM down into RAM, REP MOVSD into unassigned space down into RAM, REP MOVSD from the local APIC page down into unassigned space, and REP MOVSD/STOSD/LODSD with ECX = 0 on local APIC registers
; class: emul
; guest: every instruction completes with ECX = 0, ESI and EDI 4 * count below where they started (DF=1), DF still set, EAX kept; device reads give what plain MOVs of the same addresses give (unassigned: all ones), writes to unassigned space are dropped, RAM gets exactly the dwords it should; a timer interrupt taken in the middle of a REP changes nothing of its outcome; with ECX = 0 nothing is read or written and ESI, EDI, ECX, EAX and the TPR keep their values
; hypervisor: nothing: svm/emulate.c runs a REP at most 256 iterations per exit (EMU_REP_CHUNK) and resumes it, so the core is never held long; the first write to each unassigned page is logged once ("write of 4 bytes at unassigned GPA ...")
; others: the witness beats on and the console answers while the REPs run
;
; Real hardware: with DF=1 each iteration of MOVS/STOS/LODS moves ESI and
; EDI down by the operand size; a REP prefix repeats it ECX times, each
; iteration a separate access that goes wherever its address decodes (RAM,
; a device, or nothing: a master abort reads all ones and drops writes). A
; REP string instruction is interruptible between iterations: the interrupt
; is taken with ECX, ESI, EDI as far as it got and EIP at the instruction,
; which continues after the IRET. With ECX = 0 it does nothing at all.
; RAM is 16 MiB: 0x1000000 is the first address above it, unassigned.
;
; The LAPIC page is written only at offsets 0x10-0x00 (no registers there:
; the writes are dropped); the I/O APIC is left alone (IOREGSEL/IOWIN writes
; would change its registers). The timer interrupt (vector 0x30, periodic,
; 5 ms) is on only during the first REP; how many ticks land inside it
; depends on the emulator's speed and is printed, not checked. (With 1 ms,
; Bochs's 4 MHz TSC gives 4,000 ticks a period, about what one tick's
; injection, EOI exit and host interrupt cost there: the REP then never
; got its turn. That is the guest starving itself, noted in
; docs/security.md; the witness was unaffected.)
%include "guests/hostile/hostile.inc"

TPR       equ LAPIC + 0x080
EOI       equ LAPIC + 0x0b0
SVR       equ LAPIC + 0x0f0
LVT_TMR   equ LAPIC + 0x320
TMICT     equ LAPIC + 0x380
TDCR      equ LAPIC + 0x3e0
RAM_TOP   equ 0x1000000
COUNT     equ 0x10000
TICK_VEC  equ 0x30
SRC_AREA  equ 0x800000                  ; RAM the copies use, far from the image
FILL      equ 0xcccccccc
SENTINEL  equ 0x5a5a5a5a

; After a REP: the registers it leaves, and DF, saved; then CLD (puts
; needs DF clear).
%macro SAVE 0
	pushfd
	mov [r_ecx], ecx
	mov [r_esi], esi
	mov [r_edi], edi
	mov [r_eax], eax
	pop dword [r_flags]
	cld
%endmacro

main:
	mov al, 0xff                    ; the PICs masked: only our timer
	out 0x21, al
	out 0xa1, al
	call build_idt
	mov eax, 0x40000010
	cpuid
	test ebx, ebx
	jnz .khz
	mov ebx, 100000                 ; assume 100 MHz
.khz:
	mov [apic_khz], ebx
	mov dword [SVR], 0x1ff
	mov dword [TPR], 0
	mov eax, [LAPIC + 0x20]         ; ID and version, to compare afterwards
	mov [apic_id], eax
	mov eax, [LAPIC + 0x30]
	mov [apic_ver], eax

	; --- 1. REP STOSD from LAPIC + 0x10 down into unassigned space, with
	;        the timer ticking ---
	mov dword [TDCR], 0xb           ; divide by 1
	mov dword [LVT_TMR], (1 << 17) | TICK_VEC
	mov eax, [apic_khz]
	imul eax, eax, 5
	mov [TMICT], eax                ; 5 ms
	mov dword [ticks], 0
	mov ecx, COUNT
	mov edi, LAPIC + 0x10
	mov esi, SENTINEL
	mov eax, 0
	std
	sti
	rep stosd
	cli
	SAVE
	mov dword [TMICT], 0
	mov dword [LVT_TMR], 0x10000 | TICK_VEC
	mov esi, msg_ticks
	call puts
	mov eax, [ticks]
	call put_dec
	mov esi, msg_nl
	call puts
	mov eax, SENTINEL
	mov ebx, LAPIC + 0x10 - COUNT * 4
	xor edx, edx
	mov esi, msg_stos
	call check_regs
	mov eax, [LAPIC + 0x20]
	cmp eax, [apic_id]
	jne .apic
	mov eax, [LAPIC + 0x30]
	cmp eax, [apic_ver]
.apic:
	mov esi, msg_apic_ok
	call report_zf

	; --- 2. REP MOVSD from 16 dwords above RAM down into RAM ---
	call fill_areas
	mov ecx, COUNT
	mov esi, RAM_TOP + 0x3c
	mov edi, SRC_AREA + 0x3c
	mov eax, SENTINEL
	std
	rep movsd
	SAVE
	mov eax, RAM_TOP + 0x3c - COUNT * 4
	mov ebx, SRC_AREA + 0x3c - COUNT * 4
	mov edx, SENTINEL
	mov esi, msg_movs_in
	call check_regs_esi
	mov edi, SRC_AREA + 0x3c        ; the destination, from the top down
	mov ecx, 16
.ones:
	cmp dword [edi], 0xffffffff
	jne .bad2
	sub edi, 4
	loop .ones
	mov esi, RAM_TOP - 4            ; then RAM's own dwords
	mov ecx, COUNT - 16
.copied:
	mov eax, esi
	xor eax, 0xa5a5a5a5
	cmp [edi], eax
	jne .bad2
	sub edi, 4
	sub esi, 4
	loop .copied
	cmp dword [edi], FILL           ; and not one below
.bad2:
	mov [got_lo], edi
	mov dword [got_hi], 0
	mov esi, msg_movs_in_data
	call report_got

	; --- 3. REP MOVSD from RAM to 16 dwords above RAM, down into RAM ---
	call fill_areas
	mov ecx, COUNT
	mov esi, SRC_AREA + 0x3c
	mov edi, RAM_TOP + 0x3c
	mov eax, SENTINEL
	std
	rep movsd
	SAVE
	mov eax, SRC_AREA + 0x3c - COUNT * 4
	mov ebx, RAM_TOP + 0x3c - COUNT * 4
	mov edx, SENTINEL
	mov esi, msg_movs_out
	call check_regs_esi
	mov esi, SRC_AREA + 0x3c - 16 * 4 ; the source dwords that reached RAM
	mov edi, RAM_TOP - 4
	mov ecx, COUNT - 16
.copied3:
	mov eax, [esi]
	cmp [edi], eax
	jne .bad3
	sub edi, 4
	sub esi, 4
	loop .copied3
	mov eax, edi
	xor eax, 0xa5a5a5a5
	cmp [edi], eax                  ; and not one below
.bad3:
	mov [got_lo], edi
	mov dword [got_hi], 0
	mov esi, msg_movs_out_data
	call report_got

	; --- 4. REP MOVSD from LAPIC + 0x30 down into unassigned space ---
	mov esi, LAPIC + 0x30           ; what plain MOVs read there
	mov edi, expected + 15 * 4
	mov ecx, 16
.plain:
	mov eax, [esi]
	mov [edi], eax
	sub esi, 4
	sub edi, 4
	loop .plain
	mov edi, got_area
	mov ecx, 16
	mov eax, FILL
	cld
	rep stosd
	mov ecx, 16
	mov esi, LAPIC + 0x30
	mov edi, got_area + 15 * 4
	mov eax, SENTINEL
	std
	rep movsd
	SAVE
	mov eax, LAPIC + 0x30 - 16 * 4
	mov ebx, got_area - 4
	mov edx, SENTINEL
	mov esi, msg_movs_apic
	call check_regs_esi
	mov esi, expected
	mov edi, got_area
	mov ecx, 16
	repe cmpsd
	mov eax, [esi - 4]
	mov [got_lo], eax
	mov eax, [edi - 4]
	mov [got_hi], eax
	mov esi, msg_movs_apic_data
	call report_got

	; --- 5. ECX = 0: nothing happens ---
	mov dword [TPR], 0x20
	xor ecx, ecx
	mov esi, LAPIC + 0x30
	mov edi, TPR
	mov eax, SENTINEL
	std
	rep movsd
	SAVE
	mov eax, LAPIC + 0x30
	mov ebx, TPR
	mov edx, SENTINEL
	mov esi, msg_zero_movs
	call check_zero
	xor ecx, ecx
	mov esi, SENTINEL
	mov edi, TPR
	mov eax, 0x70
	std
	rep stosd
	SAVE
	mov eax, SENTINEL
	mov ebx, TPR
	mov edx, 0x70
	mov esi, msg_zero_stos
	call check_zero
	xor ecx, ecx
	mov esi, LAPIC + 0x30
	mov edi, SENTINEL
	mov eax, SENTINEL
	std
	rep lodsd
	SAVE
	mov eax, LAPIC + 0x30
	mov ebx, SENTINEL
	mov edx, SENTINEL
	mov esi, msg_zero_lods
	call check_zero
	mov dword [TPR], 0
	ret

; ESI = case; EBX = EDI wanted, EDX = EAX wanted, EAX = ESI wanted
; (check_regs: ESI kept as EAX); ECX must be 0 and DF set.
check_regs:
check_regs_esi:
	mov [got_hi], ebx
	mov ecx, [r_edi]
	mov [got_lo], ecx
	cmp ecx, ebx
	jne .done
	mov [got_hi], eax
	mov ecx, [r_esi]
	mov [got_lo], ecx
	cmp ecx, eax
	jne .done
	mov [got_hi], edx
	mov ecx, [r_eax]
	mov [got_lo], ecx
	cmp ecx, edx
	jne .done
	mov dword [got_hi], 0
	mov ecx, [r_ecx]
	mov [got_lo], ecx
	test ecx, ecx
	jne .done
	mov ecx, [r_flags]
	mov [got_lo], ecx
	mov dword [got_hi], 0x400
	test ecx, 0x400
	jz .flag
	cmp eax, eax
	jmp .done
.flag:
	or ecx, 1                       ; ZF clear
.done:
	jmp report_got

; The TPR still 0x20 (case ESI), then check_regs for the registers.
check_zero:
	pushad
	mov eax, [TPR]
	mov [got_lo], eax
	mov dword [got_hi], 0x20
	cmp eax, 0x20
	call report_got
	popad
	mov esi, msg_none
	jmp check_regs

; RAM_TOP - 0x40000 .. RAM_TOP: each dword its address XOR 0xa5a5a5a5;
; SRC_AREA - 0x40000 .. SRC_AREA + 0x40: FILL, save the top 16 dwords of
; the source copies' area, which hold their own pattern.
fill_areas:
	mov edi, RAM_TOP - COUNT * 4 - 0x1000
.pat:
	mov eax, edi
	xor eax, 0xa5a5a5a5
	mov [edi], eax
	add edi, 4
	cmp edi, RAM_TOP
	jb .pat
	mov edi, SRC_AREA - COUNT * 4 - 0x1000
	mov ecx, (COUNT * 4 + 0x1040) / 4
	mov eax, FILL
	cld
	rep stosd
	mov edi, SRC_AREA - COUNT * 4 + 0x40 ; test 3's source: a pattern of its own
.src:
	mov eax, edi
	rol eax, 7
	mov [edi], eax
	add edi, 4
	cmp edi, SRC_AREA + 0x40
	jb .src
	ret

; lib32's 32 gates, then TICK_VEC counts ticks (EOI), the rest EOI only.
build_idt:
	xor ecx, ecx
.copy:
	mov eax, [idt + ecx * 8]
	mov [idt256 + ecx * 8], eax
	mov eax, [idt + ecx * 8 + 4]
	mov [idt256 + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 32
	jb .copy
.rest:
	mov eax, on_other
	cmp ecx, TICK_VEC
	jne .gate
	mov eax, on_tick
.gate:
	mov [idt256 + ecx * 8], ax
	mov word [idt256 + ecx * 8 + 2], 0x08
	mov word [idt256 + ecx * 8 + 4], 0x8e00
	shr eax, 16
	mov [idt256 + ecx * 8 + 6], ax
	inc ecx
	cmp ecx, 256
	jb .rest
	lidt [idt256_ptr]
	ret

on_tick:
	inc dword [ticks]
on_other:
	mov dword [EOI], 0
	iretd

align 4
apic_khz: dd 0
apic_id:  dd 0
apic_ver: dd 0
ticks:    dd 0
r_ecx:    dd 0
r_esi:    dd 0
r_edi:    dd 0
r_eax:    dd 0
r_flags:  dd 0
expected: times 16 dd 0
got_area: times 16 dd 0
idt256_ptr:
	dw 256 * 8 - 1
	dd idt256
msg_ticks:          db "timer ticks during the REP STOSD: ", 0
msg_stos:           db "REP STOSD, DF=1, 0x10000 from LAPIC+0x10 into unassigned space: ECX 0, EDI 0xfedc0010, DF kept (got: 0x<want>_<got>)", 0
msg_apic_ok:        db "the local APIC's ID and version read as before", 0
msg_movs_in:        db "REP MOVSD, DF=1, 0x10000 from 0x100003c (above RAM) into RAM: ECX 0, ESI 0xfc003c, EDI 0x7c003c", 0
msg_movs_in_data:   db "  16 dwords of all ones, then RAM's dwords, nothing below (got: 0x0_<first wrong address>)", 0
msg_movs_out:       db "REP MOVSD, DF=1, 0x10000 from RAM to 0x100003c (above RAM) into RAM: ECX 0, ESI 0x7c003c, EDI 0xfc003c", 0
msg_movs_out_data:  db "  the 16 dwords above RAM dropped, the rest in RAM, nothing below", 0
msg_movs_apic:      db "REP MOVSD, DF=1, 16 from LAPIC+0x30 down into unassigned space: ECX 0, ESI 0xfedffff0", 0
msg_movs_apic_data: db "  each dword what a plain MOV reads there (got: 0x<got>_<want>)", 0
msg_zero_movs:      db "REP MOVSD with ECX 0 (LAPIC version -> TPR): the TPR kept", 0
msg_zero_stos:      db "REP STOSD with ECX 0 to the TPR: the TPR kept", 0
msg_zero_lods:      db "REP LODSD with ECX 0 from the LAPIC version register: the TPR kept", 0
msg_none:           db "  ECX, ESI, EDI, EAX and DF kept", 0
align 8
idt256: times 256 * 8 db 0
