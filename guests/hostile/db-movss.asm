; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: debug exceptions around the MOV SS / POP SS shadow: a data breakpoint on MOV SS's operand or POP SS's slot, INT3 right after MOV SS (with and without one), a code breakpoint on the shadowed instruction
; class: db
; guest: each #DB arrives once: for a data breakpoint hit by MOV SS or POP SS, after the next instruction, with DR6.B0; INT3 after MOV SS gives one #BP with EIP after INT3 and at most one #DB; a code breakpoint on the shadowed instruction gives at most one #DB and the code goes on
; hypervisor: nothing but the #DB exits (#DB is always intercepted): each is reflected once, with the DR6 the CPU left in the VMCB
; others: the witness beats on, its RAM intact
; only: bochs
;
; MOV SS and POP SS hold debug exceptions (and interrupts) back until the
; next instruction has completed (APM Vol.2 8.7 / Vol.3 MOV, POP; SDM
; Vol.3 6.8.3), so that the stack switch "MOV SS; MOV ESP" cannot be cut
; in two. A data breakpoint that MOV SS's own read matches is therefore
; reported after the following instruction: one #DB, EIP past that
; instruction, DR6.B0. If that instruction is INT3 (or INT n), hardware
; delivers the #BP first and the held #DB before the #BP handler's first
; instruction (CVE-2018-8897); a code breakpoint on the shadowed
; instruction "may not be triggered" (SDM Vol.3 17.3.1.1).
;
; The emulators differ from hardware here, and svmvisor cannot change
; where a #DB exit happens or what DR6 the CPU saved:
; - QEMU 7.2 (TCG) cannot run the case: it does not hold a data-
;   breakpoint #DB across the shadow (MOV SS, [watched]; NOP gives the #DB
;   right after MOV SS), and a POP SS hit is not raised at all until much
;   later, at an unrelated instruction (the IN of the next COM1 write,
;   after DR7 was cleared), with B0 set. It also raises the code
;   breakpoint on the shadowed instruction (a fault before it), and with
;   MOV SS; INT3 the #DB came before the INT3 or not at all, from run to
;   run. Its watchpoint also stays "hit": a handler that touches the
;   watched operand's page gets endless #DBs. Hence only: bochs.
; - Bochs 2.7 leaves the VMCB's DR6 as it was at VMRUN after a #DB exit,
;   so a guest under svmvisor never sees B0 or BS there (svm/step.c): the
;   DR6 checks are skipped when a plain data breakpoint, the control,
;   shows no B0. It drops the held #DB when INT3 follows MOV SS (its
;   interrupt() discards pending debug traps), and does not raise the
;   code breakpoint on the shadowed instruction.
; The watched operands sit on a page of their own and the handler
; disarms DR7 first, so that no #DB can follow another.
; What neither emulator can show (the #DB at the #BP handler's entry) is
; said in a SKIP line.
%include "guests/hostile/hostile.inc"

DR7_OFF  equ 0x400
DR7_RW2  equ 0x00070000 | 0x100 | 0x400 | 1 ; L0, LE, RW0 = 11 (read/write), LEN0 = 01 (2 bytes)
DR7_RW4  equ 0x000f0000 | 0x100 | 0x400 | 1 ; L0, LE, RW0 = 11, LEN0 = 11 (4 bytes)
DR7_EXEC equ 0x100 | 0x400 | 1              ; L0, LE, RW0 = 00 (execute), LEN0 = 00
B0       equ 1
LOGN     equ 8

%macro ARM 2                            ; DR0 = %1, DR7 = %2
	mov eax, %1
	mov dr0, eax
	mov eax, %2
	mov dr7, eax
%endmacro

main:
	mov eax, db_handler
	mov [idt + 1 * 8], ax
	shr eax, 16
	mov [idt + 1 * 8 + 6], ax
	mov eax, bp_handler
	mov [idt + 3 * 8], ax
	shr eax, 16
	mov [idt + 3 * 8 + 6], ax
	mov [saved_esp], esp

	; ---- 0: control, a plain read hits the data breakpoint
	call log_reset
	ARM watch_sel, DR7_RW2
	mov ax, [watch_sel]
c_after:
	nop
	call disarm
	mov dword [want_eip], c_after
	mov esi, msg_c
	call check_one_db
	mov al, [seen_b0]
	mov [dr6_ok], al                ; does this CPU report DR6 at all?
	mov esi, msg_c_dr6
	call check_dr6

	; ---- a: MOV SS, [mem] with the data breakpoint on mem, then NOP
	call log_reset
	ARM watch_sel, DR7_RW2
	mov ss, [watch_sel]
a_next:
	nop                             ; the shadowed instruction
a_after:
	nop
	call disarm
	mov esi, msg_a
	call check_shadow_db
	mov esi, msg_a_dr6
	call check_dr6

	; ---- b: POP SS from a watched slot; the shadowed MOV ESP moves away
	call log_reset
	mov esp, watch_slot + 4
	push dword 0x10                 ; the slot
	ARM watch_slot, DR7_RW4
	pop ss
b_next:
	mov esp, [saved_esp]            ; the classic pair; the frame goes elsewhere
b_after:
	nop
	call disarm
	mov dword [a_next_eip], b_next
	mov dword [a_after_eip], b_after
	mov esi, msg_b
	call check_shadow_db_at
	mov esi, msg_b_dr6
	call check_dr6

	; ---- c: INT3 right after MOV SS, no breakpoint
	call log_reset
	mov ss, [watch_sel]
	int3
c3_after:
	nop
	mov dword [want_eip], c3_after
	mov esi, msg_c3
	call check_one_bp
	cmp dword [n_db], 0
	mov esi, msg_c3_nodb
	call report_zf

	; ---- d: INT3 right after MOV SS that hit the data breakpoint
	call log_reset
	ARM watch_sel, DR7_RW2
	mov ss, [watch_sel]
	int3
d_after:
	nop
	call disarm
	mov dword [want_eip], d_after
	mov esi, msg_d
	call check_one_bp
	cmp dword [n_db], 1
	setbe al
	cmp al, 1
	mov esi, msg_d_db
	call report_zf
	mov esi, msg_d_skip
	mov edi, why_d
	call report_skip

	; ---- e: a code breakpoint on the shadowed instruction
	call log_reset
	ARM e_next, DR7_EXEC
	mov ss, [watch_sel]
e_next:
	nop
	nop
	call disarm
	call log_print
	cmp dword [n_db], 1
	setbe al
	cmp al, 1
	mov esi, msg_e
	call report_zf
	cmp dword [n_db], 0
	je .e_none
	mov eax, [log_eip]              ; a fault: before the instruction
	cmp eax, e_next
	mov esi, msg_e_at
	call report_zf
.e_none:
	ret

disarm:
	push eax
	mov eax, DR7_OFF
	mov dr7, eax
	pop eax
	ret

; #DB: disarm DR7 first (QEMU; and no second hit), log EIP and DR6,
; clear DR6. RF set in the frame, for a code breakpoint's fault.
db_handler:
	push eax
	mov eax, DR7_OFF
	mov dr7, eax
	push ebx
	mov ebx, [n_log]
	cmp ebx, LOGN
	jae .full
	mov byte [log_vec + ebx], 1
	mov eax, [esp + 8]              ; EIP
	mov [log_eip + ebx * 4], eax
	mov eax, dr6
	mov [log_dr6 + ebx * 4], eax
	inc dword [n_log]
.full:
	inc dword [n_db]
	xor eax, eax
	mov dr6, eax
	or dword [esp + 16], 0x10000    ; RF
	pop ebx
	pop eax
	iretd

bp_handler:
	push eax
	push ebx
	mov ebx, [n_log]
	cmp ebx, LOGN
	jae .full
	mov byte [log_vec + ebx], 3
	mov eax, [esp + 8]
	mov [log_eip + ebx * 4], eax
	mov dword [log_dr6 + ebx * 4], 0
	inc dword [n_log]
.full:
	inc dword [n_bp]
	pop ebx
	pop eax
	iretd

log_reset:
	mov dword [n_log], 0
	mov dword [n_db], 0
	mov dword [n_bp], 0
	mov byte [seen_b0], 0
	ret

; PASS line ESI when exactly one #DB (no #BP) came, at [want_eip].
; Sets [seen_b0] from its DR6.
check_one_db:
	push esi
	call log_print
	pop esi
	cmp dword [n_db], 1
	jne .no
	cmp dword [n_bp], 0
	jne .no
	mov eax, [log_dr6]
	test eax, B0
	setnz [seen_b0]
	mov eax, [log_eip]
	cmp eax, [want_eip]
	jmp report_zf
.no:
	or eax, 1
	jmp report_zf

; As check_one_db for a #DB held across the shadow: [a_next_eip] is the
; shadowed instruction, [a_after_eip] the one after it (section a's
; labels unless set); the #DB must come after the latter.
check_shadow_db:
	mov dword [a_next_eip], a_next
	mov dword [a_after_eip], a_after
check_shadow_db_at:
	mov eax, [a_after_eip]
	mov [want_eip], eax
	jmp check_one_db

; PASS line ESI when exactly one #BP came, at [want_eip].
check_one_bp:
	push esi
	call log_print
	pop esi
	cmp dword [n_bp], 1
	jne .no
	xor ebx, ebx
.find:
	cmp byte [log_vec + ebx], 3
	je .got
	inc ebx
	cmp ebx, [n_log]
	jb .find
.no:
	or eax, 1
	jmp report_zf
.got:
	mov eax, [log_eip + ebx * 4]
	cmp eax, [want_eip]
	jmp report_zf

; PASS line ESI when the last #DB's DR6 had B0, or SKIP where the CPU
; reports no DR6 (the control's #DB showed none).
check_dr6:
	cmp byte [dr6_ok], 0
	je .skip
	cmp byte [seen_b0], 1
	jmp report_zf
.skip:
	mov edi, why_dr6
	jmp report_skip

log_print:
	pushad
	mov esi, msg_log
	call puts
	xor ebx, ebx
.l:
	cmp ebx, [n_log]
	jae .d
	mov esi, msg_db
	cmp byte [log_vec + ebx], 1
	je .v
	mov esi, msg_bp
.v:
	call puts
	mov eax, [log_eip + ebx * 4]
	call puthex32
	cmp byte [log_vec + ebx], 1
	jne .n
	mov esi, msg_dr6
	call puts
	mov eax, [log_dr6 + ebx * 4]
	call puthex32
.n:
	inc ebx
	jmp .l
.d:
	mov esi, msg_nl
	call puts
	popad
	ret

saved_esp:   dd 0
want_eip:    dd 0
a_next_eip:  dd 0
a_after_eip: dd 0
n_log:       dd 0
n_db:        dd 0
n_bp:        dd 0
seen_b0:     db 0
dr6_ok:      db 0
log_vec:     times LOGN db 0
align 4
log_eip:     times LOGN dd 0
log_dr6:     times LOGN dd 0

msg_log:    db "  events:", 0
msg_db:     db " #DB EIP ", 0
msg_bp:     db " #BP EIP ", 0
msg_dr6:    db " DR6 ", 0
msg_c:      db "control: a plain read of the watched word: one #DB after it", 0
msg_c_dr6:  db "control: its DR6 has B0", 0
msg_a:      db "MOV SS, [watched]; NOP: one #DB, after the NOP", 0
msg_a_dr6:  db "MOV SS, [watched]: DR6 has B0", 0
msg_b:      db "POP SS from a watched slot; MOV ESP: one #DB, after the MOV ESP", 0
msg_b_dr6:  db "POP SS: DR6 has B0", 0
msg_c3:     db "MOV SS; INT3: one #BP, EIP after the INT3", 0
msg_c3_nodb: db "MOV SS; INT3 without a breakpoint: no #DB", 0
msg_d:      db "MOV SS, [watched]; INT3: one #BP, EIP after the INT3", 0
msg_d_db:   db "MOV SS, [watched]; INT3: at most one #DB", 0
msg_d_skip: db "MOV SS, [watched]; INT3: #DB at the #BP handler's entry", 0
msg_e:      db "code breakpoint after MOV SS: at most one #DB, the code goes on", 0
msg_e_at:   db "code breakpoint after MOV SS: the #DB it gave is a fault at that instruction", 0
why_dr6:    db "no DR6 from this CPU's #DB exit (Bochs 2.7)", 0
why_d:      db "hardware does (CVE-2018-8897); QEMU: before INT3, Bochs: dropped", 0

align 4096                              ; the watched words, on a page of their own
watch_sel:  dw 0x10
	times 14 db 0
watch_slot: dd 0
align 4096
