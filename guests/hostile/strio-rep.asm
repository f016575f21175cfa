; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: REP INSB/OUTSB/INSW/OUTSD on ports 0x2f8 (nothing there) and 0x80 (POST code), with a non-zero count and with ECX = 0, with 32- and 16-bit address sizes (0x67)
; class: strio
; guest: today the VM is stopped at its first string instruction, REP OUTSB to port 0x80 with ECX = 16; the code after it holds what hardware does, for when string I/O is emulated: that one ends with ECX 0 and ESI 16 further; REP INSB from port 0x2f8 (nothing answers there) stores 16 bytes of 0xff and moves EDI the same way; with 0x67 only CX, DI and SI count and move (ECX 0xabcd0008 leaves 0xabcd0000, the upper halves of EDI and ESI kept); with ECX = 0, or CX = 0 under 0x67 (ECX 0x10000), nothing is read or written and no register changes
; hypervisor: stops the VM: "string I/O (INS/OUTS) on port 0x80 is not emulated" (svm/exits.c handle_ioio), before any iteration
; others: the witness beats on, its RAM intact, and the console answers
; stop: string I/O \(INS/OUTS\) on port 0x.. is not emulated
;
; Real hardware: INS reads the port and stores at ES:[E]DI, OUTS loads
; DS:[E]SI and writes the port; with REP, [E]CX times, [E]DI/[E]SI moving
; by the operand size (DF=0: up). The address size (0x67 in 32-bit code:
; 16 bits) chooses CX/DI/SI or ECX/EDI/ESI; the upper halves are then
; neither used nor changed. A count of 0 does nothing at all.
;
; Under svmvisor every port is intercepted, and handle_ioio stops a VM that
; does string I/O: no INS/OUTS is emulated. With ECX = 0, QEMU 7.2 (TCG)
; and Bochs both still take the IOIO intercept (EXITINFO1 with STR and REP)
; before they look at the count: a REP INSB on port 0x80 with ECX = 0 stops
; the VM with the same reason. So the case's first string instruction has a
; non-zero count, which every CPU must intercept.
%include "guests/hostile/hostile.inc"

NOBODY   equ 0x2f8                      ; COM2: not in the VM (reads all ones)
POST     equ 0x80                       ; writes accepted silently
LOW_BUF  equ 0x7000                     ; below 64 KiB, for 16-bit addresses
SENTINEL equ 0x5a5a5a5a

%macro SAVE 0
	mov [r_ecx], ecx
	mov [r_esi], esi
	mov [r_edi], edi
%endmacro

main:
	cld
	mov esi, msg_go
	call puts
	mov edi, buf
	mov ecx, 32
	mov al, 0x11
	rep stosb

	; 1. REP OUTSB to the POST port, 16 bytes
	mov ecx, 16
	mov esi, buf
	mov edi, SENTINEL
	mov dx, POST
	rep outsb                       ; svmvisor stops the VM here
	SAVE
	mov eax, 0
	mov ebx, SENTINEL
	mov edx, buf + 16
	mov esi, msg_outsb
	call check_regs

	; 2. REP INSB, 32-bit addresses, 16 bytes from nobody
	mov edi, buf
	mov ecx, 32
	mov al, 0x11
	rep stosb
	mov ecx, 16
	mov edi, buf
	mov esi, SENTINEL
	mov dx, NOBODY
	rep insb
	SAVE
	mov eax, 0
	mov ebx, buf + 16
	mov edx, SENTINEL
	mov esi, msg_insb
	call check_regs
	mov edi, buf
	mov ecx, 16
	mov al, 0xff
	repe scasb
	jne .insb
	cmp byte [buf + 16], 0x11
.insb:
	mov esi, msg_insb_data
	call report_zf

	; 3. a16 REP INSW: CX and DI only
	mov edi, LOW_BUF
	mov ecx, 16
	mov eax, 0x22222222
	rep stosd
	mov ecx, 0xabcd0008
	mov edi, 0x12340000 | LOW_BUF
	mov esi, SENTINEL
	mov dx, NOBODY
	a16 rep insw
	SAVE
	mov eax, 0xabcd0000
	mov ebx, 0x12340000 | (LOW_BUF + 16)
	mov edx, SENTINEL
	mov esi, msg_insw16
	call check_regs
	mov edi, LOW_BUF
	mov ecx, 4
	mov eax, 0xffffffff
	repe scasd
	jne .insw
	cmp dword [LOW_BUF + 16], 0x22222222
.insw:
	mov esi, msg_insw16_data
	call report_zf

	; 4. a16 REP OUTSD: CX and SI only
	mov ecx, 0xabcd0004
	mov esi, 0x56780000 | LOW_BUF
	mov edi, SENTINEL
	mov dx, POST
	a16 rep outsd
	SAVE
	mov eax, 0xabcd0000
	mov ebx, SENTINEL
	mov edx, 0x56780000 | (LOW_BUF + 16)
	mov esi, msg_outsd16
	call check_regs

	; 5. counts of 0: nothing moves
	mov edi, buf
	mov ecx, 32
	mov al, 0x33
	rep stosb
	mov edi, LOW_BUF
	mov ecx, 16
	mov al, 0x22
	rep stosb
	xor ecx, ecx
	mov edi, buf
	mov esi, SENTINEL
	mov dx, NOBODY
	rep insb
	SAVE
	mov eax, 0
	mov ebx, buf
	mov edx, SENTINEL
	mov esi, msg_zero_insb
	call check_regs
	xor ecx, ecx
	mov esi, buf
	mov edi, SENTINEL
	mov dx, POST
	rep outsd
	SAVE
	mov eax, 0
	mov ebx, SENTINEL
	mov edx, buf
	mov esi, msg_zero_outsd
	call check_regs
	mov ecx, 0x10000                ; CX = 0 under 0x67
	mov edi, LOW_BUF
	mov esi, SENTINEL
	mov dx, NOBODY
	a16 rep insb
	SAVE
	mov eax, 0x10000
	mov ebx, LOW_BUF
	mov edx, SENTINEL
	mov esi, msg_zero_a16
	call check_regs
	cmp byte [buf], 0x33
	jne .zero
	cmp byte [LOW_BUF], 0x22
.zero:
	mov esi, msg_zero_data
	call report_zf
	ret

; ESI = case; EAX = ECX wanted, EBX = EDI wanted, EDX = ESI wanted.
check_regs:
	mov [got_hi], eax
	mov ecx, [r_ecx]
	mov [got_lo], ecx
	cmp ecx, eax
	jne .done
	mov [got_hi], ebx
	mov ecx, [r_edi]
	mov [got_lo], ecx
	cmp ecx, ebx
	jne .done
	mov [got_hi], edx
	mov ecx, [r_esi]
	mov [got_lo], ecx
	cmp ecx, edx
.done:
	jmp report_got

r_ecx: dd 0
r_esi: dd 0
r_edi: dd 0
buf:   times 32 db 0
msg_go:          db "REP OUTSB to port 0x80, ECX 16: string I/O", 13, 10, 0
msg_insb:        db "REP INSB from port 0x2f8, ECX 16: ECX 0, EDI 16 further", 0
msg_insb_data:   db "  16 bytes of 0xff stored, not one more", 0
msg_outsb:       db "REP OUTSB to port 0x80, ECX 16: ECX 0, ESI 16 further (got: 0x<want>_<got>)", 0
msg_insw16:      db "a16 REP INSW, ECX 0xabcd0008, EDI 0x12347000: ECX 0xabcd0000, EDI 0x12347010", 0
msg_insw16_data: db "  8 words of 0xffff at ES:DI = 0x7000, not one more", 0
msg_outsd16:     db "a16 REP OUTSD, ECX 0xabcd0004, ESI 0x56787000: ECX 0xabcd0000, ESI 0x56787010", 0
msg_zero_insb:   db "REP INSB with ECX 0: ECX, EDI, ESI unchanged", 0
msg_zero_outsd:  db "REP OUTSD with ECX 0: ECX, EDI, ESI unchanged", 0
msg_zero_a16:    db "a16 REP INSB with ECX 0x10000 (CX 0): ECX, EDI, ESI unchanged", 0
msg_zero_data:   db "  nothing stored by the counts of 0", 0
