; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: a 32-bit TSS whose ESP0 points into the local APIC page (0xFEE00400), then into an unassigned hole (0xD0001000), and INT 0x30 from ring 3 through a DPL-3 interrupt gate: the CPU pushes the ring-0 frame into device space
; class: tables
; guest: the VM ends at the first INT 0x30 (hardware would enter the handler in ring 0 with ESP = ESP0 - 20, the frame's writes dropped by the device)
; hypervisor: the frame's first push is a nested page fault during the delivery of INT 0x30 (EXITINTINFO holds it); svm/mmio.c stops the VM as crashed: "delivering software interrupt 48 touched GPA 0xfee003fc outside RAM: an IDT, GDT, TSS or stack in device space is not emulated" (never a loop, never a #UD in its place)
; stop: delivering (software interrupt 48|external interrupt 0) touched GPA 0xfee003fc outside RAM: an IDT, GDT, TSS or stack
; others: the witness beats on, its RAM intact
;
; A ring 3 -> ring 0 interrupt loads SS0:ESP0 from the TSS and pushes the
; old SS, ESP, EFLAGS, CS and EIP there (APM Vol.2 8.7.3, 12.2.5): five
; dwords at ESP0 - 20 .. ESP0 - 1. In the local APIC page at 0xFEE00400
; that is offsets 0x3EC-0x3FF: the unused tail of the divide-configuration
; slot (0x3E0) and the reserved slot at 0x3F0, so real hardware drops the
; writes and nothing else changes; in unassigned space the writes go
; nowhere (a master abort). The handler is entered all the same: its
; first instruction sees ESP = ESP0 - 20. It touches nothing there (an
; IRET would pop what the device returns, not the frame) and switches to
; a stack in RAM.
;
; In svmvisor each push is a nested page fault in the middle of the
; event delivery, with RIP at the INT instruction and EXITINTINFO the
; software interrupt. Emulating "the instruction at RIP" is wrong there:
; the access is the CPU's own (a #UD in its place used to loop: its own
; delivery pushed to the same ESP0). svmvisor does not emulate event
; delivery, as KVM does not (KVM_INTERNAL_ERROR_DELIVERY_EV): the VM ends
; with the reason, once. (Bochs 2.7 reports the INT 0x30 in EXITINTINFO
; as 0x80000000, an external interrupt with vector 0; QEMU as 0x80000430.)
; The rest of the case (the hole) runs only on a
; hypervisor that completes the delivery.
%include "guests/hostile/hostile.inc"

VEC      equ 0x30
ESP0_APIC equ LAPIC + 0x400
ESP0_HOLE equ 0xd0001000

main:
	; an IDT of the case's own: lib32's 32 gates, and gate 0x30 (DPL 3)
	mov esi, idt
	mov edi, idt_case
	mov ecx, 32 * 8 / 4
	rep movsd
	mov eax, h30
	mov [idt_case + VEC * 8], ax
	mov word [idt_case + VEC * 8 + 2], 0x08
	mov word [idt_case + VEC * 8 + 4], 0xee00   ; present, DPL 3, 32-bit interrupt gate
	shr eax, 16
	mov [idt_case + VEC * 8 + 6], ax
	lidt [idt_case_ptr]

	mov eax, ESP0_APIC
	mov esi, msg_apic
	call one
	mov eax, ESP0_HOLE
	mov esi, msg_hole
	call one
	lidt [idt_ptr]
	ret

; Ring 3 does INT 0x30 with ESP0 = EAX; ESI names the case.
one:
	mov [esp0_now], eax
	mov [case_name], esi
	mov dword [h_count], 0
	mov dword [h_esp], 0
	mov [back_esp], esp
	call enter_user_esp0            ; returns through h30 -> .back
	; (not here)
one_back:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov esp, [back_esp]
	mov esi, [case_name]
	call puts
	mov esi, msg_count
	call puts
	mov eax, [h_count]
	call put_dec
	mov esi, msg_esp
	call puts
	mov eax, [h_esp]
	call puthex32
	mov esi, msg_nl
	call puts
	cmp dword [h_count], 1
	mov esi, msg_ran
	call report_zf
	mov eax, [esp0_now]
	sub eax, 20
	cmp [h_esp], eax
	mov esi, msg_frame
	jmp report_zf

; As lib32's enter_user, with ESP0 = [esp0_now]; ring 3 runs user_int.
enter_user_esp0:
	mov eax, tss
	mov word [gdt_tss], 103
	mov [gdt_tss + 2], ax
	shr eax, 16
	mov [gdt_tss + 4], al
	mov byte [gdt_tss + 5], 0x89    ; available 32-bit TSS (LTR marks it busy)
	mov [gdt_tss + 7], ah
	mov eax, [esp0_now]
	mov [tss + 4], eax              ; ESP0
	mov dword [tss + 8], 0x10       ; SS0
	mov ax, 0x28
	ltr ax
	push 0x23                       ; SS
	push user_stack_top             ; ESP
	pushfd                          ; EFLAGS (IF clear)
	push 0x1b                       ; CS
	push user_int                   ; EIP
	mov dx, 0x23
	mov ds, dx
	mov es, dx
	iretd

user_int:
	int VEC
	ud2                             ; never: the handler does not return here

; INT 0x30's handler, entered in ring 0 with ESP in device space: note
; ESP, leave at once for RAM.
h30:
	mov [h_esp], esp                ; DS = 0x23: flat, usable at CPL 0
	mov esp, [back_esp]
	inc dword [h_count]
	jmp one_back

idt_case_ptr:
	dw 64 * 8 - 1
	dd idt_case
esp0_now:  dd 0
case_name: dd 0
back_esp:  dd 0
h_count:   dd 0
h_esp:     dd 0
msg_apic:  db "ESP0 in the local APIC page (0xFEE00400)", 0
msg_hole:  db "ESP0 in an unassigned hole (0xD0001000)", 0
msg_count: db ": handler runs ", 0
msg_esp:   db ", its ESP 0x", 0
msg_ran:   db "INT 0x30 from ring 3 with ESP0 in device space: the handler ran once", 0
msg_frame: db "the handler's ESP is ESP0 - 20 (the 5-dword frame went to device space)", 0
align 8
idt_case:  times 64 * 8 db 0
