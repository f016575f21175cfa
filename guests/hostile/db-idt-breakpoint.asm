; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: data breakpoints (DR0, RW = 11, 4 bytes) on what #DB delivery itself touches: its frame's EFLAGS slot, the TSS's ESP0, then the #DB gate in the IDT (CVE-2015-8104)
; class: db
; guest: A and B: each hit during a delivery raises one more #DB before the handler's first instruction (a frame whose EIP is the handler), the handler disarms DR7 after 8 and the guest goes on; C: the #DB gate breakpoint re-raises #DB after every delivery, the frames run down the stack over the IDT until the gates are garbage: #GP, #DF, a triple fault
; hypervisor: every #DB exits (always intercepted) and is reflected; at the end the VM stops as crashed: "double fault in the guest (a triple fault follows)"
; others: the witness beats on, its RAM intact; cpu1 takes interrupts and console requests between the #DB exits
; stop: (double fault|triple fault)
; only: bochs
;
; XSA-156 (CVE-2015-8104): a breakpoint on a structure #DB delivery uses
; raises another #DB when the delivery completes, before the handler's
; first instruction; without the #DB intercept a core can spin there
; forever without taking interrupts. svmvisor intercepts #DB, so each
; round trip is an exit that takes the core's interrupts and the
; console's requests, and re-injects the #DB.
;
; A: ring 0, TF on; DR0 on the dword the trap's delivery writes EFLAGS
;    to. The hit is raised after the delivery; its own frame lands 12
;    bytes lower, so it does not hit again: the handler runs twice per
;    stepped instruction (first with the nested frame, EIP = the handler).
; B: ring 3, TF on; DR0 on TSS.ESP0, which the CPU reads for every
;    ring 3 -> ring 0 delivery. Same: one nested #DB (at CPL 0, no TSS
;    read) per stepped user instruction. A #UD (UD2) ends ring 3.
; C: DR0 on the #DB gate, then INT1. Every #DB delivery reads the gate,
;    so every delivery is followed by another and no handler instruction
;    ever runs. Paging is off, so the frames go down 12 bytes a time; the
;    case puts an IDT of its own just below that stack, so after about 30
;    rounds the frames (EIP, CS 8, EFLAGS: a gate's selector becomes 0x10
;    or 0, never a code segment) overwrite the #DB gate: #GP, whose gate
;    is garbage too, #DF, the same, a triple fault (XSA-156: "32-bit
;    guests ... sooner or later encounter another fault due to the stack
;    pointer decreasing"). That is how real hardware ends it too.
;
; DR6 is not checked: under svmvisor on Bochs 2.7 the guest's DR6 keeps
; the value it had at VMRUN after a #DB exit (svm/step.c says so), so the
; handler's frames are the evidence. QEMU 7.2 (TCG) cannot run this case:
; a data breakpoint that matches an access of the CPU's own event
; delivery (the frame push of INT3 or of a #DB, under nested SVM) aborts
; the whole emulator ("qemu_mutex_lock_iothread_impl: assertion failed:
; (!qemu_mutex_iothread_locked())"), taking every guest and the
; hypervisor with it.
%include "guests/hostile/hostile.inc"

TF      equ 0x100
NHITS   equ 8                           ; #DBs before the handler disarms DR0
DR7_ARM equ 0x000f0000 | 0x100 | 0x400 | 1 ; L0, LE, RW0 = 11 (read/write), LEN0 = 11 (4 bytes)
DR7_OFF equ 0x400
LOGN    equ 24                          ; frame EIPs kept

main:
	mov eax, db_handler             ; the #DB gate -> db_handler
	mov [idt + 8], ax
	shr eax, 16
	mov [idt + 8 + 6], ax

	; ---- A: ring 0, TF, DR0 on the EFLAGS slot of the trap's frame
	mov esi, msg_a
	call puts
	call log_reset
	mov [saved_esp], esp
	mov eax, dbstack_top - 4        ; where the trap's delivery puts EFLAGS
	mov dr0, eax
	mov eax, DR7_ARM
	mov dr7, eax
	mov esp, dbstack_top + 4
	pushfd                          ; dbstack_top .. +3: not the slot
	or dword [esp], TF
	popfd                           ; ESP = dbstack_top + 4, TF on
	lea esp, [esp - 4]              ; ESP = dbstack_top; the first trap follows this
.a_spin:
	cmp dword [db_count], NHITS
	jb .a_spin                      ; each instruction traps while TF is set
	mov esp, [saved_esp]
	call log_print
	call check_hits
	mov esi, msg_a_end
	call report_zf
	call check_nested
	mov esi, msg_a_nest
	call report_zf

	; ---- B: ring 3, TF, DR0 on TSS.ESP0
	mov esi, msg_b
	call puts
	call log_reset
	EXPECT_FAULT 6, .b_back
	mov eax, user_b
	call enter_user_armed
.b_back:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov eax, DR7_OFF
	mov dr7, eax
	CHECK_VECTOR 6, msg_b_ud
	call log_print
	call check_hits
	mov esi, msg_b_end
	call report_zf
	call check_nested
	mov esi, msg_b_nest
	call report_zf
	call check_user
	mov esi, msg_b_user
	call report_zf

	; ---- C: DR0 on the #DB gate itself, then INT1
	mov esi, msg_c
	call puts
	mov esi, idt                    ; an IDT of the case's own, below its stack
	mov edi, c_idt
	mov ecx, 32 * 8 / 4
	rep movsd
	lidt [c_idt_ptr]
	mov esp, c_stack_top
	mov eax, c_idt + 8              ; the #DB gate's low dword
	mov dr0, eax
	mov eax, DR7_ARM
	mov dr7, eax
	int1                            ; never returns on hardware
	mov eax, DR7_OFF
	mov dr7, eax
	lidt [idt_ptr]
	mov esp, [saved_esp]
	inc ebp
	mov esi, msg_c_back
	jmp puts

; Runs the user code at EAX in ring 3 with TF set (as lib32's
; enter_user), arming DR0 on TSS.ESP0 after the TSS is written.
enter_user_armed:
	push eax
	mov eax, tss
	mov word [gdt_tss], 103
	mov [gdt_tss + 2], ax
	shr eax, 16
	mov [gdt_tss + 4], al
	mov byte [gdt_tss + 5], 0x89
	mov [gdt_tss + 7], ah
	mov dword [tss + 4], stack_top - 256 ; ESP0
	mov dword [tss + 8], 0x10       ; SS0
	mov ax, 0x28
	ltr ax
	mov eax, tss + 4
	mov dr0, eax
	mov eax, DR7_ARM
	mov dr7, eax
	pop eax
	push 0x23                       ; SS
	push user_stack_top             ; ESP
	pushfd
	or dword [esp], TF              ; EFLAGS
	push 0x1b                       ; CS
	push eax                        ; EIP
	mov dx, 0x23
	mov ds, dx
	mov es, dx
	iretd

; Ring 3: every instruction traps while TF is on; the handler clears TF
; in the frame after NHITS, and UD2 takes the CPU back to ring 0.
user_b:
	cmp dword [db_count], NHITS
	jb user_b
	ud2

; #DB: log the frame's EIP, clear DR6; from the NHITS-th on, disarm DR7
; and clear TF in the frame returned to.
db_handler:
	push eax
	push ebx
	mov ebx, [db_count]
	cmp ebx, LOGN
	jae .nolog
	mov eax, [esp + 8]              ; EIP
	mov [log_eip + ebx * 4], eax
	mov eax, [esp + 12]             ; CS
	mov [log_cs + ebx * 4], eax
.nolog:
	xor eax, eax
	mov dr6, eax
	inc dword [db_count]
	cmp dword [db_count], NHITS
	jb .out
	mov eax, DR7_OFF
	mov dr7, eax
	and dword [esp + 16], ~TF       ; EFLAGS of the frame
.out:
	pop ebx
	pop eax
	iretd

log_reset:
	mov dword [db_count], 0
	ret

; ZF: the handler ran at least NHITS times.
check_hits:
	cmp dword [db_count], NHITS
	setae al
	cmp al, 1
	ret

; ZF: some #DB came before the handler's first instruction (frame EIP =
; db_handler): the hit during the delivery raised it.
check_nested:
	xor ebx, ebx
.l:
	cmp ebx, LOGN
	jae .no
	cmp ebx, [db_count]
	jae .no
	cmp dword [log_eip + ebx * 4], db_handler
	je .yes
	inc ebx
	jmp .l
.yes:
	xor eax, eax                    ; ZF
	ret
.no:
	or eax, 1                       ; NZ
	ret

; ZF: some frame came from ring 3 (CS 0x1B) at user_b.
check_user:
	xor ebx, ebx
.l:
	cmp ebx, LOGN
	jae .no
	cmp ebx, [db_count]
	jae .no
	cmp dword [log_cs + ebx * 4], 0x1b
	jne .next
	mov eax, [log_eip + ebx * 4]
	sub eax, user_b
	cmp eax, 16
	jb .yes
.next:
	inc ebx
	jmp .l
.yes:
	xor eax, eax
	ret
.no:
	or eax, 1
	ret

log_print:
	pushad
	mov esi, msg_count
	call puts
	mov eax, [db_count]
	call put_dec
	mov esi, msg_frames
	call puts
	xor ebx, ebx
.l:
	cmp ebx, [db_count]
	jae .d
	cmp ebx, LOGN
	jae .d
	mov esi, msg_sp
	test ebx, 3
	jnz .same
	mov esi, msg_nlsp
.same:
	call puts
	mov eax, [log_cs + ebx * 4]
	and eax, 0xffff
	call puthex32
	mov esi, msg_colon
	call puts
	mov eax, [log_eip + ebx * 4]
	call puthex32
	inc ebx
	jmp .l
.d:
	mov esi, msg_nl
	call puts
	popad
	ret

saved_esp:  dd 0
db_count:   dd 0
c_idt_ptr:  dw 32 * 8 - 1
	dd c_idt
msg_a:      db "A: ring 0, TF, DR0 (RW, 4 bytes) on the EFLAGS slot of the #DB frame", 13, 10, 0
msg_a_end:  db "A: the handler disarmed DR7 after 8 #DBs and stepping ended", 0
msg_a_nest: db "A: the frame push raised a #DB before the handler's first instruction", 0
msg_b:      db "B: ring 3, TF, DR0 (RW, 4 bytes) on TSS.ESP0", 13, 10, 0
msg_b_ud:   db "B: UD2 brought ring 3 back to ring 0", 0
msg_b_end:  db "B: the handler disarmed DR7 after 8 #DBs and stepping ended", 0
msg_b_nest: db "B: the ESP0 read raised a #DB before the handler's first instruction", 0
msg_b_user: db "B: #DBs came from the stepped ring-3 code", 0
msg_c:      db "C: DR0 (RW, 4 bytes) on the #DB gate, then INT1: endless #DB until the frames wreck the IDT; the VM must crash", 13, 10, 0
msg_c_back: db "FAIL C: INT1 returned with a breakpoint on the #DB gate", 13, 10, 0
msg_count:  db "  #DB count ", 0
msg_frames: db ", frames (CS:EIP)", 0
msg_sp:     db " ", 0
msg_nlsp:   db 13, 10, "   ", 0
msg_colon:  db ":", 0
align 4
log_eip:    times LOGN dd 0
log_cs:     times LOGN dd 0
align 16
dbstack:    times 1024 db 0
dbstack_top:
	times 64 db 0
align 16
c_idt:      times 32 * 8 db 0           ; C's IDT, right below its stack
c_stack:    times 128 db 0
c_stack_top:
	times 64 db 0
