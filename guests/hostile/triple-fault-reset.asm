; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: fill all RAM outside the image with a secret, triple-fault under on_crash=reset, and look for the secret after the restart
; class: mem
; vm: on_crash=reset
; guest: first boot (CMOS byte 0x40 not 0xa5): fills [0, 0xe0000) and [image end, 16 MiB) with the secret 0x5ec2e75e, writes it into DR0-DR3, sets CMOS 0x40 = 0xa5, loads an empty IDT and runs INT3 (#GP, #DF, shutdown). Second boot (CMOS 0x40 = 0xa5): the image's own data is as built, DR0-DR3 read 0, and every dword of [0, 0xe0000) and [image end, 16 MiB) reads 0; [0xe0000, 1 MiB) holds only the firmware tables the loader puts back
; hypervisor: "vm hostile: resetting: <the crash>; on_crash=reset", the flight recorder, then "vm hostile: reset (...) (RAM zeroed, image reloaded, entry 0x100000)"; the second boot ends through the debug exit
; others: the witness beats on through the crash and the reset, its RAM intact
; report: ^vm hostile: reset \((triple fault \(shutdown\)|double fault in the guest \(a triple fault follows\)); on_crash=reset\) \(RAM zeroed, image reloaded, entry 0x100000\)
;
; Real AMD hardware has no such reset: this is svmvisor's on_crash=reset
; (docs/vms.md), which must restart the VM from its image with zeroed RAM
; (svm/vmctl.c vm_crashed, kernel/vm/vms.c vms_reset), keeping only the
; CMOS RAM bytes 0x0e-0x7f as a PC keeps them across a reset
; (drivers/virt/vrtc.c, docs/devices.md). The crash is a triple fault on
; QEMU; on Bochs, which never delivers SHUTDOWN, svmvisor takes the double
; fault before it as the crash (docs/cpu.md), so the report names either.
; The loader writes the ACPI tables and the MP table at [0xe0000, 1 MiB)
; again on every start: that range is neither filled nor checked.
%include "guests/hostile/hostile.inc"

SECRET      equ 0x5ec2e75e
MARK_INDEX  equ 0x40
MARK_CRASH  equ 0xa5                ; the first boot filled RAM and crashes
MARK_SEEN   equ 0x5a                ; the second boot started
LOW_END     equ 0xe0000             ; the firmware tables start here
RAM_END     equ 0x1000000

main:
	mov al, MARK_INDEX
	call cmos_read
	cmp al, MARK_CRASH
	je second_boot
	cmp al, MARK_SEEN
	je third_boot

; --- first boot
	cmp dword [touched], 0          ; as built: 0
	mov esi, msg_first
	call report_zf
	mov dword [touched], 1          ; the second boot must see 0 again
	mov edi, 0
	mov ecx, LOW_END / 4
	mov eax, SECRET
	cld
	rep stosd
	mov edi, image_end
	mov ecx, RAM_END
	sub ecx, image_end
	shr ecx, 2
	rep stosd
	mov edi, 0                      ; read a little back: the fill happened
	cmp dword [edi], SECRET
	jne .unfilled
	cmp dword [RAM_END - 4], SECRET
.unfilled:
	mov esi, msg_filled
	call report_zf
	mov eax, SECRET                 ; breakpoint addresses (DR7 leaves them
	mov dr0, eax                    ; disabled): the restart must clear them
	mov dr1, eax
	mov dr2, eax
	mov dr3, eax
	mov al, MARK_INDEX
	mov ah, MARK_CRASH
	call cmos_write
	mov esi, msg_crash
	call puts
	lidt [empty_idt]
	int3                            ; #GP, #DF, shutdown
	mov esi, msg_survived
	call puts
	inc ebp
	ret

; --- second boot
second_boot:
	mov al, MARK_INDEX
	mov ah, MARK_SEEN
	call cmos_write
	mov esi, msg_second
	call puts
	cmp dword [touched], 0
	mov esi, msg_image
	call report_zf
	xor eax, eax
	mov edi, 0
	mov ecx, LOW_END / 4
	call scan
	mov esi, msg_low
	call report_zf
	mov edi, image_end
	mov ecx, RAM_END
	sub ecx, image_end
	shr ecx, 2
	call scan
	mov esi, msg_high
	call report_zf
	mov eax, dr0                    ; DR0-DR3 are 0 after a reset
	mov ebx, dr1
	or eax, ebx
	mov ebx, dr2
	or eax, ebx
	mov ebx, dr3
	or eax, ebx
	mov esi, msg_dr
	call report_zf
	mov al, MARK_INDEX
	xor ah, ah
	call cmos_write
	ret

; --- a third boot: the second one crashed too
third_boot:
	mov al, MARK_INDEX
	xor ah, ah
	call cmos_write
	mov esi, msg_third
	call puts
	inc ebp
	ret

; ecx dwords at edi must all be 0: ZF set if so; else a detail line with
; the first address and value
scan:
	xor eax, eax
	cld
	repe scasd
	je .clean
	sub edi, 4
	push dword [edi]
	push edi
	mov esi, msg_found
	call puts
	pop eax
	call puthex32
	mov esi, msg_colon
	call puts
	pop eax
	call puthex32
	mov esi, msg_nl
	call puts
	or eax, 1                       ; ZF clear (eax may be 0: force it)
	cmp eax, 0
	ret
.clean:
	xor eax, eax                    ; ZF set
	ret

; CMOS RAM byte al -> al
cmos_read:
	out 0x70, al
	in al, 0x71
	ret

; CMOS RAM byte al = ah
cmos_write:
	out 0x70, al
	mov al, ah
	out 0x71, al
	ret

empty_idt:
	dw 0
	dd 0
touched: dd 0

msg_first:    db "first boot: the image's data is as built", 0
msg_filled:   db "first boot: [0, 0xe0000) and [image end, 16 MiB) hold the secret", 0
msg_crash:    db "first boot: empty IDT and INT3: a triple fault, on_crash=reset", 13, 10, 0
msg_survived: db "FAIL INT3 with an empty IDT returned", 13, 10, 0
msg_second:   db "second boot (CMOS 0x40 kept 0xa5)", 13, 10, 0
msg_image:    db "second boot: the image's data is as built again (image reloaded)", 0
msg_low:      db "second boot: [0, 0xe0000) reads all zeros", 0
msg_high:     db "second boot: [image end, 16 MiB) reads all zeros", 0
msg_dr:       db "second boot: DR0-DR3 read 0 (the first boot's breakpoint addresses are gone)", 0
msg_third:    db "FAIL a third boot: the second one crashed", 13, 10, 0
msg_found:    db "  non-zero at 0x", 0
msg_colon:    db ": 0x", 0

align 16
image_end:
