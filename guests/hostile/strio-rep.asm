; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: REP INSB/OUTSB/INSW/OUTSD/INSD on ports 0x2f8 (nothing there), 0x80 (POST code) and COM1's scratch register 0x3ff, with counts 16 and 0, 32- and 16-bit address sizes (0x67), DF both ways, without REP, OUTS through an FS override, and the end through REP OUTSB to the debug-exit port with ECX 2^32-1
; class: strio
; guest: REP OUTSB to port 0x80 with ECX 16 ends with ECX 0 and ESI 16 further; REP INSB from port 0x2f8 (nothing answers) stores 16 bytes of 0xff and moves EDI the same way; with 0x67 only CX, DI and SI count and move (ECX 0xabcd0008 leaves 0xabcd0000, the upper halves of EDI and ESI kept); with ECX = 0, or CX = 0 under 0x67 (ECX 0x10000), nothing is read or written and no register changes; with DF=1 REP INSD stores downwards (EDI 16 lower, the dword below the buffer untouched) and REP OUTSB to the scratch register leaves the first byte of the source in it; INSB and OUTSB without REP move one element and leave ECX alone; FS: OUTSB reads FS:[ESI] (FS based elsewhere), not DS:[ESI]; REP OUTSB of the failure count to port 0xf4 with ECX 0xffffffff ends the VM at its first element
; hypervisor: svm/strio_exec.c emulates each string instruction (page-bounded batches, the port path of IN/OUT); the debug-exit port stops the VM in the middle of the last one: `debug exit with code 0`
; others: the witness beats on, its RAM intact, and the console answers
;
; Real hardware: INS reads the port and stores at ES:[E]DI, OUTS loads
; DS:[E]SI (or the override's segment) and writes the port; with REP,
; [E]CX times, [E]DI/[E]SI moving by the operand size (DF=0: up, DF=1:
; down). The address size (0x67 in 32-bit code: 16 bits) chooses CX/DI/SI
; or ECX/EDI/ESI; the upper halves are then neither used nor changed. A
; count of 0 does nothing at all. Under svmvisor every port is intercepted;
; QEMU 7.2 (TCG) and Bochs take the IOIO intercept even with a count of 0,
; and svmvisor completes it with nothing done.
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
	rep outsb
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

	; 6. DF=1: REP INSD stores downwards from buf + 12
	mov edi, guard
	mov ecx, 40 / 4
	mov eax, 0x44444444
	rep stosd
	mov edi, buf + 12
	mov ecx, 4
	mov esi, SENTINEL
	mov dx, NOBODY
	std
	rep insd
	cld
	SAVE
	mov eax, 0
	mov ebx, buf - 4
	mov edx, SENTINEL
	mov esi, msg_insd_down
	call check_regs
	mov edi, buf
	mov ecx, 4
	mov eax, 0xffffffff
	repe scasd
	jne .down
	cmp dword [guard], 0x44444444   ; the dword below buf
	jne .down
	cmp dword [buf + 16], 0x44444444
.down:
	mov esi, msg_insd_down_data
	call report_zf

	; 7. DF=1: REP OUTSB to the scratch register, 4 bytes from src + 3 down
	mov al, 0
	mov dx, SCRATCH
	out dx, al
	mov esi, src + 3
	mov ecx, 4
	mov edi, SENTINEL
	std
	rep outsb
	cld
	SAVE
	mov eax, 0
	mov ebx, SENTINEL
	mov edx, src - 1
	mov esi, msg_outsb_down
	call check_regs
	mov dx, SCRATCH
	in al, dx
	movzx eax, al
	mov [got_lo], eax
	mov dword [got_hi], 0x11
	cmp al, 0x11                    ; src[0], written last
	mov esi, msg_outsb_down_data
	call report_got

	; 8. no REP: one element, ECX untouched
	mov al, 0x77
	mov dx, SCRATCH
	out dx, al
	mov dword [buf], 0
	mov edi, buf
	mov ecx, 0x1234
	mov esi, SENTINEL
	insb
	SAVE
	mov eax, 0x1234
	mov ebx, buf + 1
	mov edx, SENTINEL
	mov esi, msg_insb_one
	call check_regs
	cmp dword [buf], 0x77
	mov esi, msg_insb_one_data
	call report_zf
	mov esi, src + 2
	mov ecx, 0x1234
	mov edi, SENTINEL
	mov dx, SCRATCH
	outsb
	SAVE
	mov eax, 0x1234
	mov ebx, SENTINEL
	mov edx, src + 3
	mov esi, msg_outsb_one
	call check_regs
	mov dx, SCRATCH
	in al, dx
	cmp al, 0x33
	mov esi, msg_outsb_one_data
	call report_zf

	; 9. OUTSB with an FS override: FS's base is fs_area, DS's 0
	mov byte [fs_area + fs_off], 0xa5
	mov byte [fs_off], 0x5a
	lgdt [case_gdt_ptr]
	mov ax, SEL_FS
	mov fs, ax
	mov dx, SCRATCH
	mov al, 0
	out dx, al
	mov esi, fs_off
	mov ecx, 1
	rep fs outsb
	mov ax, 0x10
	mov fs, ax
	mov dx, SCRATCH
	in al, dx
	movzx eax, al
	mov [got_lo], eax
	mov dword [got_hi], 0xa5
	cmp eax, 0xa5
	mov esi, msg_fs
	call report_got

	; 10. the end: REP OUTSB of the failure count to the debug-exit port,
	; ECX 2^32-1: the VM stops at the first element, with that code
	mov [exit_code], ebp
	mov esi, msg_exit
	call puts
	mov esi, exit_code
	mov ecx, 0xffffffff
	mov dx, DEBUG_EXIT
	rep outsb
	mov esi, msg_exit_late
	call puts
	inc ebp
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

SCRATCH equ 0x3ff                      ; COM1's scratch register: reads what was written
SEL_FS  equ 0x30

align 8
case_gdt:                               ; lib32.inc's descriptors, and FS's
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00cffb000000ffff           ; 0x18
	dq 0x00cff3000000ffff           ; 0x20
	dq 0                            ; 0x28
	dw 0xffff, fs_area & 0xffff     ; 0x30: data, base fs_area, limit 64 KiB
	db (fs_area >> 16) & 0xff, 0x93, 0x00, fs_area >> 24
case_gdt_ptr:
	dw $ - case_gdt - 1
	dd case_gdt

exit_code: times 4 dd 0
r_ecx: dd 0
r_esi: dd 0
r_edi: dd 0
src:   db 0x11, 0x22, 0x33, 0x44
guard: dd 0
buf:   times 32 db 0
       times 4 db 0
fs_off equ 0x40
fs_area equ 0x180000                    ; FS:0x40 = 0x180040 holds 0xa5; DS:0x40 does not

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
msg_insd_down:   db "DF=1 REP INSD from port 0x2f8, ECX 4, EDI buf + 12: ECX 0, EDI buf - 4", 0
msg_insd_down_data: db "  4 dwords of 0xffffffff at buf..buf + 15, the dwords around untouched", 0
msg_outsb_down:  db "DF=1 REP OUTSB to port 0x3ff, ECX 4, ESI src + 3: ECX 0, ESI src - 1", 0
msg_outsb_down_data: db "  the scratch register holds src[0] (0x11), written last", 0
msg_insb_one:    db "INSB (no REP) from port 0x3ff: EDI + 1, ECX 0x1234 kept", 0
msg_insb_one_data: db "  the byte stored is the scratch register's 0x77, one byte only", 0
msg_outsb_one:   db "OUTSB (no REP) to port 0x3ff from src + 2: ESI + 1, ECX 0x1234 kept", 0
msg_outsb_one_data: db "  the scratch register holds src[2] (0x33)", 0
msg_exit:        db "the end: REP OUTSB of the failure count to the debug-exit port, ECX 0xffffffff", 13, 10, 0
msg_exit_late:   db "FAIL the VM ran on after REP OUTSB to the debug-exit port", 13, 10, 0
msg_fs:          db "REP FS OUTSB, ECX 1, ESI 0x40: the byte at FS base + 0x40 (0xa5) reaches the port", 0
