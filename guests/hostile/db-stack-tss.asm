; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: 64-bit data breakpoints (LEN 8, write or read/write, several at once) on what #DB and #BP delivery touch: the frame's RIP slot on the #DB handler's stack, TSS.RSP0 on ring 3 -> 0 deliveries, TSS.IST2 and the IST2 frame of #BP, and the 16-byte #DB gate itself with the stack running down into an unmapped page
; class: db
; guest: A: one nested #DB before the handler's first instruction, then the one for the watched read; B: from ring 3 the RSP0 read raises a nested #DB at CPL 0 for the read's #DB and again for UD2's #UD, UD2 brings the guest back; C: every INT3 (5) gives exactly one #DB, before the #BP handler's first instruction, for both breakpoints together, then the #BP; DR6 B0-B3 as hardware sets them (Bochs gives no DR6: SKIP); D: #DB after #DB on the gate, the frames run down into the unmapped page: #PF, #DF
; hypervisor: every #DB exits (always intercepted) and is reflected; at the end the VM stops as crashed: "double fault in the guest (a triple fault follows)"
; others: the witness beats on, its RAM intact; cpu1 takes interrupts and console requests between the #DB exits
; stop: double fault in the guest
; only: bochs
;
; The 64-bit counterpart of db-idt-breakpoint (32-bit: the frame's EFLAGS
; slot, TSS.ESP0, the #DB gate), adding what long mode has: 8-byte
; breakpoints, the 64-bit TSS's RSP0 and IST slots, a frame pushed on an
; IST stack, 16-byte gates, and two breakpoints hit in one delivery.
; AMD hardware (APM Vol.2 13.1.1.5 and 13.3.1): a data breakpoint matches
; any access to its linear range, the implicit ones of event delivery
; (stack pushes, TSS and IDT reads) included; the #DB is a trap raised when
; the delivery completes, before the handler's first instruction, with the
; DR6 bit of every breakpoint that matched (B0-B3 are sticky, software
; clears them). So:
; A: CPL 0, no IST; DR0 (write, 8 bytes) on the RIP slot of the frame a
;    #DB pushes, DR1 (read/write, 4 bytes) on a word the code reads. The
;    read's #DB writes the slot: a nested #DB, whose frame is 48 bytes
;    lower (no hit). The handler runs twice: first with the nested frame
;    (RIP = the handler, DR6 B0 and the B1 not yet cleared), then for
;    the read.
; B: ring 3 reads the DR1 word; DR0 (read/write, 8 bytes) on TSS.RSP0
;    (the TSS is placed so that RSP0 is 8-aligned). The #DB delivery from
;    ring 3 reads RSP0: a nested #DB at CPL 0 (no TSS read). UD2's #UD
;    delivery reads RSP0 too: one more #DB before the #UD handler.
; C: #BP's gate takes IST2; DR0 (read/write, 8 bytes) on TSS.IST2, DR2
;    (write, 8 bytes) on the RIP slot of the #BP frame at the IST2 stack's
;    top. Each INT3 delivery reads IST2 and writes the slot: one #DB with
;    B0 and B2, before the #BP handler's first instruction; its frame goes
;    below the #BP frame (the #DB gate has no IST, CPL 0), no hit.
; D: DR0 (read/write, 8 bytes) on the #DB gate, then INT1. Each #DB
;    delivery reads the gate, so each is followed by another and no
;    handler instruction runs (CVE-2015-8104). Without IST the frames go
;    down 48 bytes a time; the stack starts 256 bytes above a page the
;    case leaves unmapped, so after a few rounds a push faults: #PF,
;    whose push faults too: #DF. (With IST on the #DB gate the frames
;    would not move and hardware would loop for ever; svmvisor's #DB
;    intercept keeps the core serving its interrupts and the console,
;    and `kill` ends such a VM. An automated case needs an end, hence no
;    IST here.) svmvisor stops the VM at the guest's #DF (docs/cpu.md).
;
; Why Bochs only: QEMU 7.2 (TCG) aborts the whole emulator when a data
; breakpoint matches an access of its own event delivery under nested SVM
; (see db-idt-breakpoint). Bochs 2.7 leaves the VMCB's DR6 as it was at
; VMRUN after a #DB exit, so a control (one plain read, one #DB) decides:
; where it shows no B1, the DR6 checks are SKIP lines.
%include "guests/hostile/hostile.inc"
%include "guests/hostile/long64.inc"

CR0_PG    equ 0x80000000
CR4_PAE   equ 0x20
EFER      equ 0xc0000080
EFER_LME  equ 0x100
SEL_C32   equ 0x08
SEL_D     equ 0x10
SEL_C64   equ 0x18
SEL_UD    equ 0x20 | 3
SEL_UC    equ 0x28 | 3
SEL_TSS   equ 0x30
DR7_OFF   equ 0x400
DR7_CTL   equ 0x00f00000 | 0x504        ; DR1: read/write, 4 bytes
DR7_A     equ 0x00f90000 | 0x505        ; DR0: write, 8 bytes; DR1 as above
DR7_B     equ 0x00fb0000 | 0x505        ; DR0: read/write, 8 bytes; DR1
DR7_C     equ 0x090b0000 | 0x511        ; DR0: read/write, 8; DR2: write, 8
DR7_D     equ 0x000b0000 | 0x501        ; DR0: read/write, 8 bytes
B0        equ 1
B1        equ 2
B2        equ 4
LOGN      equ 8
MAXDB     equ 16                        ; the handler disarms DR7 after this many
ROUNDS_C  equ 5
D_STACK   equ 0x600100                  ; 256 bytes above the unmapped 0x400000-0x5fffff

; a part's log: count (dq), then LOGN x (RIP, CS, DR6)
L_N       equ 0
L_ENT     equ 8
L_SIZE    equ L_ENT + LOGN * 24

main:
	; 4-level tables: 0-4 MiB and 6-8 MiB, user-accessible; 4-6 MiB unmapped
	mov dword [pml4], pdpt4 + 7
	mov dword [pdpt4], pd4 + 7
	mov dword [pd4], 0x000087
	mov dword [pd4 + 8], 0x200087
	mov dword [pd4 + 24], 0x600083
	; the 64-bit IDT
	IDT64_GATES
	mov eax, db_handler
	mov [idt64 + 16], ax
	shr eax, 16
	mov [idt64 + 16 + 6], ax
	mov eax, bp_handler
	mov [idt64 + 48], ax
	shr eax, 16
	mov [idt64 + 48 + 6], ax
	mov byte [idt64 + 48 + 4], 2    ; IST2
	; the TSS: RSP0, IST2, no I/O bitmap
	mov dword [tss64 + 4], k0stack_top
	mov dword [tss64 + 0x2c], ist2_top
	mov word [tss64 + 0x66], 0x68
	mov eax, tss64
	mov [gdt_tss64 + 2], ax
	shr eax, 16
	mov [gdt_tss64 + 4], al
	mov [gdt_tss64 + 7], ah
	; long mode
	ENTER_LONG64

bits 64
%macro ARM64 1
	mov qword [abs fault64_vec], -1
	lea r11, [rel %1]
	mov [abs fault64_resume], r11
	mov [abs fault64_rsp], rsp
%endmacro
%macro DRS 2                            ; DR%1 = %2
	mov rax, %2
	mov dr%1, rax
%endmacro
%macro SAVE_LOG 1                       ; the log so far -> %1, then reset
	mov esi, db_log
	mov edi, %1
	mov ecx, L_SIZE
	rep movsb
	mov qword [abs db_log + L_N], 0
%endmacro

long64:
	lidt [abs idt64_ptr]
	mov ax, SEL_TSS
	ltr ax
	xor eax, eax
	mov dr6, rax

	; ---- control: a plain read of the DR1 word
	DRS 1, var_a
	DRS 7, DR7_CTL
	mov eax, [abs var_a]
ctl_after:
	nop
	DRS 7, DR7_OFF
	SAVE_LOG log_ctl

	; ---- A: DR0 on the RIP slot of the read's #DB frame
	mov [abs saved_rsp], rsp
	DRS 0, astack_top - 40
	DRS 1, var_a
	DRS 7, DR7_A
	mov rsp, astack_top             ; 16-aligned: the frame is top-40 .. top-1
	mov eax, [abs var_a]
a_after:
	nop
	mov rsp, [abs saved_rsp]
	DRS 7, DR7_OFF
	SAVE_LOG log_a

	; ---- B: ring 3 reads the DR1 word; DR0 on TSS.RSP0
	DRS 0, tss64 + 4
	DRS 1, var_a
	DRS 7, DR7_B
	ARM64 b_back
	push SEL_UD
	push ustack_top
	pushfq
	push SEL_UC
	lea rax, [rel user_b]
	push rax
	iretq
user_b:
	mov eax, [abs var_a]
b_after:
	nop
	ud2
b_back:
	mov ax, SEL_D                   ; the #UD came in with SS = 0
	mov ss, ax
	DRS 7, DR7_OFF
	mov eax, [abs fault64_vec]
	mov [abs b_vec], eax
	SAVE_LOG log_b

	; ---- C: INT3 through IST2, DR0 on TSS.IST2, DR2 on the frame's RIP slot
	DRS 0, tss64 + 0x2c
	DRS 2, ist2_top - 40
	DRS 7, DR7_C
	mov r12d, ROUNDS_C
.c_round:
	int3
	dec r12d
	jnz .c_round
	DRS 7, DR7_OFF
	SAVE_LOG log_c

	mov ax, SEL_D                   ; IRETQ to ring 3 nulled DS and ES
	mov ds, ax
	mov es, ax
	jmp far dword [abs fp_c32]      ; report from compatibility mode

; ---- D: DR0 on the #DB gate, then INT1 on a stack over an unmapped page
part_d:
	mov esp, D_STACK
	DRS 0, idt64 + 16
	DRS 7, DR7_D
	int1                            ; on hardware: never returns
	DRS 7, DR7_OFF
	jmp far dword [abs fp_d_back]

; #DB: log RIP, CS and DR6 of the frame, clear DR6; disarm after MAXDB.
db_handler:
	push rax
	push rbx
	mov rbx, [abs db_log + L_N]
	cmp rbx, LOGN
	jae .full
	imul rbx, rbx, 24
	mov rax, [rsp + 16]             ; RIP
	mov [db_log + L_ENT + rbx], rax
	mov rax, [rsp + 24]             ; CS
	mov [db_log + L_ENT + 8 + rbx], rax
	mov rax, dr6
	mov [db_log + L_ENT + 16 + rbx], rax
.full:
	xor eax, eax
	mov dr6, rax
	inc qword [abs db_log + L_N]
	inc dword [abs db_total]
	cmp dword [abs db_total], MAXDB
	jb .out
	mov eax, DR7_OFF
	mov dr7, rax
.out:
	pop rbx
	pop rax
	iretq

bp_handler:
	inc dword [abs n_bp]
	iretq

fault64_common:                         ; [rsp] = vector, then the CPU's frame
	pop rax
	mov [abs fault64_vec], rax
	mov rsp, [abs fault64_rsp]
	jmp [abs fault64_resume]
fault64_common_err:
	pop rax
	mov [abs fault64_vec], rax
	pop rax
	mov rsp, [abs fault64_rsp]
	jmp [abs fault64_resume]

%assign v 0
%rep 32
vec64_ %+ v:
	push qword v
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21
	jmp fault64_common_err
%else
	jmp fault64_common
%endif
%assign v v + 1
%endrep

bits 32
vec64_table:
%assign v 0
%rep 32
	dd vec64_ %+ v
%assign v v + 1
%endrep

compat32:
	mov esp, [esp32]
	call report
	jmp SEL_C64:part_d              ; D ends the case (a #DF)

d_back:                                 ; compatibility mode, if INT1 returned
	mov esp, [esp32]
	inc ebp
	mov esi, msg_d_back
	call puts
	lgdt [gdt_before]
	ret

report:
	; control: one #DB after the read; does this CPU report DR6?
	mov esi, log_ctl
	call print_log
	cmp dword [log_ctl + L_N], 1
	jne .c_no
	cmp dword [log_ctl + L_ENT], ctl_after
.c_no:
	mov esi, msg_ctl
	call report_zf
	mov eax, [log_ctl + L_ENT + 16]
	test eax, B1
	setnz [dr6_ok]

	; A
	mov esi, log_a
	call print_log
	cmp dword [log_a + L_N], 2
	mov esi, msg_a_n
	call report_zf
	cmp dword [log_a + L_ENT], db_handler
	mov esi, msg_a_nest
	call report_zf
	cmp dword [log_a + L_ENT + 24], a_after
	mov esi, msg_a_read
	call report_zf
	mov eax, [log_a + L_ENT + 16]
	mov ebx, B0
	mov esi, msg_a_dr6
	call check_dr6

	; B
	mov esi, log_b
	call print_log
	cmp dword [b_vec], 6
	mov esi, msg_b_ud
	call report_zf
	cmp dword [log_b + L_N], 3
	mov esi, msg_b_n
	call report_zf
	cmp dword [log_b + L_ENT], db_handler        ; the read's delivery
	jne .b1
	cmp dword [log_b + L_ENT + 8], SEL_C64
	jne .b1
	cmp dword [log_b + L_ENT + 24], b_after      ; then the read's #DB
	jne .b1
	cmp dword [log_b + L_ENT + 32], SEL_UC
.b1:
	mov esi, msg_b_read
	call report_zf
	cmp dword [log_b + L_ENT + 48], vec64_6     ; the #UD's delivery
	jne .b2
	cmp dword [log_b + L_ENT + 56], SEL_C64
.b2:
	mov esi, msg_b_ud_nest
	call report_zf
	mov eax, [log_b + L_ENT + 16]
	mov ebx, B0
	mov esi, msg_b_dr6
	call check_dr6

	; C
	mov esi, log_c
	call print_log
	cmp dword [n_bp], ROUNDS_C
	mov esi, msg_c_bp
	call report_zf
	cmp dword [log_c + L_N], ROUNDS_C
	mov esi, msg_c_n
	call report_zf
	xor ebx, ebx
	xor ecx, ecx
.c_each:
	cmp dword [log_c + L_ENT + ebx], bp_handler
	jne .c_bad
	add ebx, 24
	inc ecx
	cmp ecx, ROUNDS_C
	jb .c_each
.c_bad:
	cmp ecx, ROUNDS_C
	mov esi, msg_c_at
	call report_zf
	mov eax, [log_c + L_ENT + 16]
	mov ebx, B0 | B2
	mov esi, msg_c_dr6
	call check_dr6
	mov esi, msg_d
	jmp puts

; PASS line ESI when DR6 (EAX) has the bits EBX; SKIP where the control
; showed no DR6 (Bochs).
check_dr6:
	cmp byte [dr6_ok], 0
	je .skip
	and eax, ebx
	cmp eax, ebx
	jmp report_zf
.skip:
	mov edi, why_dr6
	jmp report_skip

; "  #DB n: RIP/CS/DR6 ..." for the log at ESI
print_log:
	pushad
	mov ebx, esi
	mov esi, msg_log
	call puts
	mov eax, [ebx + L_N]
	call put_dec
	mov ecx, [ebx + L_N]
	cmp ecx, LOGN
	jbe .n
	mov ecx, LOGN
.n:
	lea edi, [ebx + L_ENT]
.l:
	test ecx, ecx
	jz .d
	mov esi, msg_sp
	call puts
	mov eax, [edi + 8]
	call puthex32
	mov esi, msg_colon
	call puts
	mov eax, [edi]
	call puthex32
	mov esi, msg_slash
	call puts
	mov eax, [edi + 16]
	call puthex32
	add edi, 24
	dec ecx
	jmp .l
.d:
	mov esi, msg_nl
	call puts
	popad
	ret

align 8
gdt_case:
	dq 0
	dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
	dq 0x00cf93000000ffff           ; 0x10: flat data
	dq 0x00af9b000000ffff           ; 0x18: 64-bit code
	dq 0x00cff3000000ffff           ; 0x20: user data
	dq 0x00affb000000ffff           ; 0x28: user 64-bit code
gdt_tss64:
	dq 0x0000890000000067           ; 0x30: 64-bit TSS, limit 0x67 (base filled in)
	dq 0
gdt_case_ptr:
	dw $ - gdt_case - 1
	dd gdt_case
align 8
idt64_ptr:
	dw 32 * 16 - 1
	dq idt64
fp_c32:    dd compat32
	dw SEL_C32
fp_d_back: dd d_back
	dw SEL_C32
align 8
fault64_vec:    dq -1
fault64_resume: dq 0
fault64_rsp:    dq 0
saved_rsp:      dq 0
esp32:      dd 0
b_vec:      dd 0
n_bp:       dd 0
db_total:   dd 0
dr6_ok:     db 0
gdt_before: times 10 db 0

msg_log:    db "  #DBs: ", 0
msg_sp:     db " ", 0
msg_colon:  db ":", 0
msg_slash:  db "/", 0
msg_ctl:    db "control: a read of the DR1 word gives one #DB after it", 0
msg_a_n:    db "A: DR0 (write, 8 bytes) on the #DB frame's RIP slot: two #DBs", 0
msg_a_nest: db "A: the first before the handler's first instruction (the frame push hit)", 0
msg_a_read: db "A: then the read's own #DB", 0
msg_a_dr6:  db "A: the nested #DB's DR6 has B0", 0
msg_b_ud:   db "B: UD2 in ring 3 brought the guest back with #UD", 0
msg_b_n:    db "B: DR0 (read/write, 8 bytes) on TSS.RSP0: three #DBs", 0
msg_b_read: db "B: the ring-3 read's #DB delivery read RSP0: a nested #DB at CPL 0, then the read's (CS 0x2b)", 0
msg_b_ud_nest: db "B: the #UD delivery read RSP0: a #DB before the #UD handler", 0
msg_b_dr6:  db "B: the nested #DB's DR6 has B0", 0
msg_c_bp:   db "C: five INT3 through IST2 each reached the #BP handler", 0
msg_c_n:    db "C: DR0 on TSS.IST2 and DR2 on the IST2 frame's RIP slot: one #DB per INT3", 0
msg_c_at:   db "C: each before the #BP handler's first instruction", 0
msg_c_dr6:  db "C: its DR6 has B0 and B2 (both hits of one delivery)", 0
msg_d:      db "D: DR0 (read/write, 8 bytes) on the #DB gate, then INT1: #DB after #DB down to the unmapped page, #PF, #DF; the VM must crash", 13, 10, 0
msg_d_back: db "FAIL D: INT1 returned with a breakpoint on the #DB gate", 13, 10, 0
why_dr6:    db "no DR6 from this CPU's #DB exit (Bochs 2.7)", 0

align 8
var_a:    dd 0x1234
	times 60 db 0
align 8
db_log:   times L_SIZE db 0
log_ctl:  times L_SIZE db 0
log_a:    times L_SIZE db 0
log_b:    times L_SIZE db 0
log_c:    times L_SIZE db 0
align 8
	times 4 db 0
tss64:    times 0x68 db 0               ; base = 4 mod 8: RSP0 and IST2 are 8-aligned
align 16
astack:   times 512 db 0
astack_top:
	times 64 db 0
align 16
k0stack:  times 1024 db 0
k0stack_top:
align 16
ist2:     times 1024 db 0
ist2_top:
	times 64 db 0
align 16
ustack: times 512 db 0
ustack_top:

align 4096
pml4:  times 4096 db 0
pdpt4: times 4096 db 0
pd4:   times 4096 db 0
idt64: times 32 * 16 db 0
