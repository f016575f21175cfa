; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: resetting and powering off the VM the ways a PC offers
; (one vCPU). A Multiboot (v1) image in the a.out-kludge form (flags bit
; 16: the whole file at 0x100000, entry at _start), always, since only
; Multiboot guests get a command line:
;   module2 /guests/reset32.bin vm=reset kind=mb1 mem=16M cpus=1 cmdline=cf9
; The command line (Multiboot information flags bit 2, cmdline at +16)
; picks the method: the first word that is "cf9", "92", "64" or "off" (or
; ends in "=cf9" and so on; a loader that puts the image's path first, as
; GRUB and QEMU do, is fine).
;
; CMOS byte 0x7E carries a marker (0xA5) across the reset (CMOS RAM is
; battery-backed: a reset keeps it; QEMU's CMOS and SeaBIOS leave 0x60-0x7F
; alone):
;   - marker found (the second run): clear it, print
;     "reset32: back after reset", result 0 (debug exit)
;   - otherwise, for cf9/92/64: write the marker, print
;     "reset32: resetting through <method>" and reset:
;       cf9  out 0xCF9, 0x06 (reset control: RST_CPU | SYS_RST)
;       92   read port 0x92, set bit 0 (fast reset), write it (written with
;            bit 0 clear first should it read 1: the reset is its 0 -> 1)
;       64   out 0x64, 0xFE (keyboard controller: pulse the reset line),
;            after (bounded) waiting for its input buffer to empty
;     then spin with interrupts off; 2 s later (TSC):
;     "FAIL reset32: no reset", marker cleared, result 1
;   - off: print "reset32: powering off" and write SLP_EN | SLP_TYP 5
;     (0x3400) to PM1a control, port 0x604 (word); 1 s later (TSC):
;     "FAIL reset32: still running", result 1. No marker for this one.
;   - no method on the command line: "FAIL reset32: no method (cf9, 92,
;     64 or off) on the command line", result 1.
; Also printed: "reset32: command line <text>" (or "reset32: no command
; line") first.
;
; Bare QEMU (SeaBIOS loads the -kernel image again after the reset, so the
; second run finds the marker; -machine q35 or pc both work):
;   nasm -f bin -DBARE -o reset32-bare.bin guests/reset32.asm
;   qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 -m 64M \
;       -serial stdio -display none -device isa-debug-exit,iobase=0xf4,iosize=4 \
;       -kernel reset32-bare.bin -append cf9        (or 92, 64, off)
; With BARE the power-off writes SLP_TYP 0 (0x2000: QEMU's _S5 is sleep
; type 0 on q35 and pc) to the PM1a control register of the ACPI PM block
; the ICH9 LPC / PIIX4 PM function's PMBASE names (0x600 with SeaBIOS);
; QEMU then exits with status 0. The Makefile's build (no BARE) is the same
; image with SLP_TYP 5 at port 0x604, as svmvisor takes it.
org 0x100000
RESET_MB1_MAGIC equ 0x1badb002
RESET_MB1_FLAGS equ 1 << 16             ; the address fields below are valid
mb1_header:
	dd RESET_MB1_MAGIC, RESET_MB1_FLAGS, -(RESET_MB1_MAGIC + RESET_MB1_FLAGS)
	dd mb1_header                   ; header_addr
	dd $$                           ; load_addr: the file's first byte
	dd 0                            ; load_end_addr: the whole file
	dd 0                            ; bss_end_addr: no BSS
	dd _start                       ; entry_addr

%define VCPU_HELPERS
%define PC_HELPERS
%include "guests/lib32.inc"
%include "guests/apic.inc"

MARK_BYTE equ 0x7e                      ; CMOS RAM byte for the marker
MARK      equ 0xa5
MB1_BOOT_MAGIC equ 0x2badb002

SLP_EN    equ 1 << 13
%ifdef BARE
SLP_OFF   equ SLP_EN | (0 << 10)        ; QEMU's _S5: sleep type 0
%else
SLP_OFF   equ SLP_EN | (5 << 10)        ; svmvisor: sleep type 5 (0x3400)
%endif

M_CF9 equ 1
M_92  equ 2
M_64  equ 3
M_OFF equ 4

main:
	call apic_guest_init            ; the TSC rate for the waits
	call pm_find
	call show_cmdline

	mov al, MARK_BYTE
	call cmos_read
	cmp al, MARK
	jne .first
	mov al, MARK_BYTE
	xor ah, ah
	call cmos_write
	SAY "reset32: back after reset"
	ret

.first:
	call find_method
	cmp eax, M_OFF
	je power_off
	test eax, eax
	jnz .reset
	SAY "FAIL reset32: no method (cf9, 92, 64 or off) on the command line"
	inc ebp
	ret
.reset:
	mov ebx, eax
	mov al, MARK_BYTE
	mov ah, MARK
	call cmos_write
	mov esi, msg_resetting
	call puts
	mov esi, [method_names + ebx * 4]
	call puts
	mov esi, msg_nl
	call puts
	cli
	call [method_resets + ebx * 4]
	mov eax, 2000                   ; a reset ends this at once
	call wait_ms
	mov al, MARK_BYTE
	xor ah, ah
	call cmos_write
	SAY "FAIL reset32: no reset"
	inc ebp
	ret

reset_cf9:
	mov dx, 0xcf9
	mov al, 0x06                    ; SYS_RST | RST_CPU
	out dx, al
	ret

reset_92:
	in al, 0x92
	test al, 1
	jz .set
	and al, ~1                      ; the reset is bit 0 going 0 -> 1
	out 0x92, al
.set:
	or al, 1
	out 0x92, al
	ret

reset_64:
	mov ecx, 100000                 ; input buffer empty (status bit 1)
.ibf:
	in al, 0x64
	test al, 2
	jz .write
	dec ecx
	jnz .ibf
.write:
	mov al, 0xfe                    ; pulse output port bit 0: CPU reset
	out 0x64, al
	ret

power_off:
	SAY "reset32: powering off"
	cli
	mov edx, [pm_base]
	add edx, PM1_CNT
	mov ax, SLP_OFF
	out dx, ax
	mov eax, 1000
	call wait_ms
	SAY "FAIL reset32: still running"
	inc ebp
	ret

; "reset32: command line <text>", or "reset32: no command line".
show_cmdline:
	call cmdline_ptr
	test esi, esi
	jz .none
	push esi
	mov esi, msg_cmdline
	call puts
	pop esi
	call puts
	mov esi, msg_nl
	jmp puts
.none:
	SAY "reset32: no command line"
	ret

; ESI = the Multiboot command line, 0 when there is none.
cmdline_ptr:
	xor esi, esi
	cmp dword [boot_eax], MB1_BOOT_MAGIC
	jne .done
	mov eax, [boot_ebx]
	test dword [eax], 1 << 2
	jz .done
	mov esi, [eax + 16]
.done:
	ret

; EAX = the method (M_*) of the first word of the command line that is a
; method's name or ends in '=' and one; 0 when none is.
find_method:
	pushad
	xor ebx, ebx                    ; the answer
	call cmdline_ptr
	test esi, esi
	jz .done
.word:
	mov al, [esi]
	test al, al
	jz .done
	cmp al, ' '
	je .blank
	cmp al, 9
	jne .start
.blank:
	inc esi
	jmp .word
.start:
	mov edi, esi                    ; the name starts here or after an '='
.scan:
	mov al, [esi]
	test al, al
	jz .end
	cmp al, ' '
	je .end
	cmp al, 9
	je .end
	inc esi
	cmp al, '='
	jne .scan
	mov edi, esi
	jmp .scan
.end:                                   ; the name is [EDI, ESI)
	mov ecx, esi
	sub ecx, edi
	mov edx, 1
.method:
	mov ebp, [method_names + edx * 4]
	push ecx
	push edi
	push esi
	mov esi, ebp
.cmp:
	test ecx, ecx
	jz .tail
	mov al, [esi]
	cmp al, [edi]
	jne .differ
	inc esi
	inc edi
	dec ecx
	jmp .cmp
.tail:
	cmp byte [esi], 0               ; the whole name
.differ:
	pop esi
	pop edi
	pop ecx
	je .found
	inc edx
	cmp edx, M_OFF
	jbe .method
	jmp .word
.found:
	mov ebx, edx
.done:
	mov [esp + 28], ebx             ; EAX after POPAD
	popad
	ret

msg_cmdline:   db "reset32: command line ", 0
msg_resetting: db "reset32: resetting through ", 0
name_cf9:      db "cf9", 0
name_92:       db "92", 0
name_64:       db "64", 0
name_off:      db "off", 0
align 4
method_names:  dd 0, name_cf9, name_92, name_64, name_off
method_resets: dd 0, reset_cf9, reset_92, reset_64
