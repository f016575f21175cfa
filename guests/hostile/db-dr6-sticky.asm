; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: DR6 as the guest's debugger sees it: sticky B0/B1/BS across #DBs the handler does not clear, its reset value, and the single-step trap over instructions the hypervisor completes itself (CPUID, OUT, RDMSR, an emulated MMIO read)
; class: db
; guest: two data breakpoints that hit one after the other leave B0 and B1 both set, a single step adds BS to them (on QEMU, which clears B0-B3 at each #DB as Intel may, those two are SKIP lines), DR6 = 0 reads 0xFFFF0FF0; TF over CPUID, OUT 0x80, RDMSR 0x1B and a read of the local APIC gives exactly one #DB, right after that instruction, with BS
; hypervisor: nothing: the #DB exits are reflected, and an instruction it completes under TF ends with the #DB trap the CPU would have raised
; others: the witness beats on, its RAM intact
; only: qemu
;
; DR6 (APM Vol.2 13.1.1.3): the CPU sets B0-B3, BD, BS and BT when their
; condition occurs and never clears them; software clears them. Bits
; 31:16 and 11:4 read as ones, bit 12 as zero: DR6 = 0 reads 0xFFFF0FF0
; (on AMD, bit 16 is one of them; Intel's RTM bit 16 would read 1 too
; outside a transaction).
;
; The single-step trap follows the TF an instruction starts with (APM
; Vol.2 13.1.4). An instruction that exits to the hypervisor has not run;
; when the hypervisor completes it (skips CPUID or RDMSR after answering,
; does the OUT, emulates the MMIO read) the CPU raises nothing, so the
; hypervisor must queue the #DB with DR6.BS itself, as KVM does
; (kvm_skip_emulated_instruction). Without it the trap is lost and the
; next one comes one instruction late: a debugger steps over two.
;
; QEMU 7.2 (TCG) clears B0-B3 whenever it raises a #DB
; (target/i386/tcg/sysemu/bpt_helper.c check_hw_breakpoints: dr6 =
; dr[6] & ~0xf), as the Intel SDM allows ("certain debug exceptions may
; clear bits 0-3"): the second breakpoint leaves B1 alone and the single
; step BS alone. svmvisor does not touch DR6 on the way (the #DB is
; reflected with the VMCB's DR6), so the sticky checks are SKIP lines on
; QEMU (brand "QEMU") and PASS/FAIL elsewhere.
;
; Why QEMU only: Bochs 2.7 leaves the VMCB's DR6 as it was at VMRUN after
; a #DB exit, so the checks of the single step and of TF over NOP (DR6.BS
; of a #DB the CPU raised and svmvisor reflects) cannot pass there; the
; checks of TF over the exiting instructions do. Bochs also keeps the
; guest's pending single-step trap across the #VMEXIT of an intercepted
; instruction and raises it in the host, in the world switch while GS is
; still the guest's; that once killed the whole machine, and the host's
; trap_entry (kernel/trap.c) now drops a single-step trap in the host
; before any per-CPU read. Real hardware intercepts the instruction before
; it runs, with no trap pending.
%include "guests/hostile/hostile.inc"

TF       equ 0x100
DR6_BS   equ 0x4000
DR6_B01  equ 3
DR7_OFF  equ 0x400
; L0, L1, LE; RW0 = RW1 = 01 (write), LEN0 = LEN1 = 11 (4 bytes)
DR7_W01  equ 0x00dd0000 | 0x100 | 0x400 | 5
LOGN     equ 8

; Run %2 with TF set when it starts (POPF sets TF: the trap follows the
; next instruction); one #DB must come right after it, with BS. %1: name.
%macro STEP 2+
	call log_reset
	mov byte [clear_mode], 1
	pushfd
	or dword [esp], TF
	popfd
	%2
%%after:
	nop
	nop
	mov dword [want_eip], %%after
	mov esi, %1
	call check_step
%endmacro

main:
	call read_brand
	mov eax, db_handler
	mov [idt + 8], ax
	shr eax, 16
	mov [idt + 8 + 6], ax

	; ---- DR6 = 0 reads back with its fixed ones
	xor eax, eax
	mov dr6, eax
	mov eax, dr6
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp eax, 0xffff0ff0
	mov esi, msg_reset
	call report_got

	; ---- two data breakpoints, DR6 not cleared in between
	call log_reset
	mov byte [clear_mode], 0        ; the handler leaves DR6 alone
	mov eax, word_a
	mov dr0, eax
	mov eax, word_b
	mov dr1, eax
	mov eax, DR7_W01
	mov dr7, eax
	mov dword [word_a], 1           ; B0
	nop
	mov dword [word_b], 2           ; B1
	nop
	mov eax, DR7_OFF
	mov dr7, eax
	call log_print
	cmp dword [n_db], 2
	mov esi, msg_two
	call report_zf
	mov eax, dr6
	mov esi, msg_sticky
	mov ebx, DR6_B01
	call check_sticky

	; ---- a single step on top: BS joins B0 and B1
	call log_reset
	pushfd
	or dword [esp], TF
	popfd
	nop                             ; the trap follows this
	nop
	call log_print
	mov eax, dr6
	push eax
	mov [got_lo], eax
	test eax, DR6_BS
	setnz al
	cmp al, 1
	mov esi, msg_bs
	call report_got
	pop eax
	mov esi, msg_bs_keep
	mov ebx, DR6_B01 | DR6_BS
	call check_sticky
	xor eax, eax
	mov dr6, eax
	mov eax, dr6
	mov [got_lo], eax
	cmp eax, 0xffff0ff0
	mov esi, msg_clear
	call report_got

	; ---- single steps over instructions that exit
	STEP msg_s_nop, nop
	xor eax, eax
	STEP msg_s_cpuid, cpuid
	mov al, 0
	STEP msg_s_out, out 0x80, al
	mov ecx, 0x1b
	STEP msg_s_rdmsr, rdmsr
	STEP msg_s_mmio, mov eax, [LAPIC + 0x30]
	xor eax, eax
	mov dr6, eax
	ret

; #DB: log EIP and DR6; in clear_mode, clear DR6 and TF in the frame.
db_handler:
	push eax
	push ebx
	mov ebx, [n_db]
	cmp ebx, LOGN
	jae .full
	mov eax, [esp + 8]
	mov [log_eip + ebx * 4], eax
	mov eax, dr6
	mov [log_dr6 + ebx * 4], eax
.full:
	inc dword [n_db]
	cmp byte [clear_mode], 0
	je .out
	xor eax, eax
	mov dr6, eax
.out:
	and dword [esp + 16], ~TF       ; one trap per step
	pop ebx
	pop eax
	iretd

log_reset:
	mov dword [n_db], 0
	ret

; PASS line ESI when DR6 (EAX) has all the bits of EBX. QEMU clears B0-B3
; at every #DB it raises (as Intel may): a SKIP line there.
check_sticky:
	mov [got_lo], eax
	mov dword [got_hi], 0
	and eax, ebx
	cmp eax, ebx
	je report_got
	cmp dword [brand_qemu], 0
	je report_got
	mov edi, why_qemu
	jmp report_skip

; PASS line ESI: one #DB, at [want_eip], with BS.
check_step:
	push esi
	call log_print
	pop esi
	mov eax, [log_eip]
	mov [got_lo], eax
	mov eax, [log_dr6]
	mov [got_hi], eax               ; "got <DR6>_<EIP>"
	cmp dword [n_db], 1
	jne .no
	mov eax, [log_eip]
	cmp eax, [want_eip]
	jne .no
	test dword [log_dr6], DR6_BS
	jz .no
	xor eax, eax
	jmp report_got
.no:
	or eax, 1
	jmp report_got

log_print:
	pushad
	mov esi, msg_log
	call puts
	xor ebx, ebx
.l:
	cmp ebx, [n_db]
	jae .d
	cmp ebx, LOGN
	jae .d
	mov esi, msg_eip
	call puts
	mov eax, [log_eip + ebx * 4]
	call puthex32
	mov esi, msg_dr6
	call puts
	mov eax, [log_dr6 + ebx * 4]
	call puthex32
	inc ebx
	jmp .l
.d:
	mov esi, msg_nl
	call puts
	popad
	ret

n_db:       dd 0
want_eip:   dd 0
clear_mode: db 0
align 4
log_eip:    times LOGN dd 0
log_dr6:    times LOGN dd 0
msg_log:    db "  #DB:", 0
msg_eip:    db " EIP ", 0
msg_dr6:    db " DR6 ", 0
msg_reset:  db "DR6 = 0 reads 0xFFFF0FF0", 0
msg_two:    db "two data breakpoints: two #DBs", 0
msg_sticky: db "DR6 keeps B0 and B1 when the handler does not clear it", 0
msg_bs:     db "a single step sets BS", 0
msg_bs_keep: db "B0 and B1 stay set beside BS", 0
why_qemu:   db "QEMU 7.2 clears B0-B3 at every #DB it raises", 0
msg_clear:  db "DR6 = 0 clears them: 0xFFFF0FF0", 0
msg_s_nop:  db "TF over NOP: one #DB after it, BS", 0
msg_s_cpuid: db "TF over CPUID (exits): one #DB after it, BS", 0
msg_s_out:  db "TF over OUT 0x80 (exits): one #DB after it, BS", 0
msg_s_rdmsr: db "TF over RDMSR 0x1B (exits): one #DB after it, BS", 0
msg_s_mmio: db "TF over a local APIC read (emulated): one #DB after it, BS", 0

align 4096                              ; the watched words, on a page of their own
word_a: dd 0
	times 60 db 0
word_b: dd 0
align 4096
