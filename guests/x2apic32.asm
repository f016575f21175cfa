; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest: the local APIC in x2APIC mode (kind=flat load=0x100000
; mode=prot32 mem=16M cpus=1). With CPUID.1:ECX[21] it switches APIC_BASE
; from xAPIC to x2APIC (EN | EXTD, base 0xFEE00000 kept) and checks the
; MSR interface 0x800-0x8FF: ID, version, LDR derived from the ID, SVR,
; TPR/PPR, EOI (#GP for a non-zero value), #GP for writes to read-only and
; for registers x2APIC does not have, the SELF IPI MSR, the ICR as one
; 64-bit MSR, the timer through its MSRs; then the MMIO page no longer
; decodes (all ones under svmvisor), and leaving x2APIC: straight to xAPIC
; is #GP, through disabled it works. Without x2APIC every case SKIPs.
; One "PASS/FAIL/SKIP x2apic: <case>" line per case; the failure count is
; the result. Build for bare QEMU with -DBARE (guests/bare.inc).
org 0x100000
%define VCPU_HELPERS
%include "guests/bare.inc"
%include "guests/lib32.inc"
%include "guests/apic.inc"

ONESHOT_COUNT equ 1000000               ; 10 ms at 100 MHz
APIC_BASE_EN   equ 1 << 11
APIC_BASE_EXTD equ 1 << 10
V_SELFMSR     equ 0x60
V_ICR         equ 0x61
V_TIMER       equ 0x62

%define C_MODE    "x2apic: APIC_BASE EN|EXTD set, base 0xFEE00000 kept"
%define C_ID      "x2apic: ID MSR 0x802 is the initial APIC ID"
%define C_VER     "x2apic: version MSR 0x803 matches the xAPIC version"
%define C_LDR     "x2apic: LDR MSR 0x80D derived from the ID"
%define C_SVR     "x2apic: SVR MSR 0x80F keeps the software enable"
%define C_TPR     "x2apic: TPR MSR 0x808 reads back, PPR MSR 0x80A follows"
%define C_EOI1    "x2apic: EOI MSR 0x80B with a non-zero value raises #GP"
%define C_EOI0    "x2apic: EOI MSR 0x80B with 0 accepted"
%define C_ROVER   "x2apic: writing read-only version MSR 0x803 raises #GP"
%define C_ROID    "x2apic: writing read-only ID MSR 0x802 raises #GP"
%define C_R831    "x2apic: reserved MSR 0x831 (no ICR high) raises #GP"
%define C_DFR     "x2apic: DFR MSR 0x80E (none in x2APIC) raises #GP"
%define C_RSELF   "x2apic: reading write-only SELF IPI MSR 0x83F raises #GP"
%define C_SELF    "x2apic: SELF IPI MSR 0x83F delivers the vector"
%define C_ICR     "x2apic: ICR MSR 0x830 fixed IPI to its own ID delivers"
%define C_TIMER   "x2apic: one-shot timer through MSRs 0x832/0x83E/0x838 fires once"
%define C_CUR     "x2apic: current count MSR 0x839 runs down to 0"
%define C_MMIO    "x2apic: the xAPIC MMIO page no longer decodes (reads all ones)"
%define C_BACK    "x2apic: x2APIC -> xAPIC directly raises #GP, mode kept"
%define C_OFF     "x2apic: x2APIC -> disabled accepted"
%define C_EXTD    "x2apic: EXTD without EN (invalid) raises #GP, xAPIC kept"
%define C_XAPIC   "x2apic: disabled -> xAPIC accepted, MMIO decodes again"
%define NO_X2     "no x2APIC in CPUID.1:ECX[21]"

%macro MSR_FAULTS 3                     ; read (0) or write (1), MSR, case
	mov ecx, %2
%if %1
	xor eax, eax
	xor edx, edx
	call msr_write
%else
	call msr_read
%endif
	cmp dword [fault_vector], 13
	REPORT %3
%endmacro

main:
	call apic_guest_init
	mov esi, msg_hello
	call puts
	test dword [cpuid1_ecx], 1 << 21
	jnz .have
	SKIPCASE C_MODE, NO_X2
	SKIPCASE C_ID, NO_X2
	SKIPCASE C_VER, NO_X2
	SKIPCASE C_LDR, NO_X2
	SKIPCASE C_SVR, NO_X2
	SKIPCASE C_TPR, NO_X2
	SKIPCASE C_EOI1, NO_X2
	SKIPCASE C_EOI0, NO_X2
	SKIPCASE C_ROVER, NO_X2
	SKIPCASE C_ROID, NO_X2
	SKIPCASE C_R831, NO_X2
	SKIPCASE C_DFR, NO_X2
	SKIPCASE C_RSELF, NO_X2
	SKIPCASE C_SELF, NO_X2
	SKIPCASE C_ICR, NO_X2
	SKIPCASE C_TIMER, NO_X2
	SKIPCASE C_CUR, NO_X2
	SKIPCASE C_MMIO, NO_X2
	SKIPCASE C_BACK, NO_X2
	SKIPCASE C_OFF, NO_X2
	SKIPCASE C_XAPIC, NO_X2
	SKIPCASE C_EXTD, NO_X2
	ret
.have:
	call apic_setup                 ; xAPIC: SVR on, LVTs masked
	mov eax, [APIC + APIC_VER]
	mov [xver], eax

	mov ecx, MSR_APIC_BASE
	call msr_read
	mov [base_lo], eax
	mov [base_hi], edx
	or eax, APIC_BASE_EN | APIC_BASE_EXTD
	call msr_write
	mov ecx, MSR_APIC_BASE
	call msr_read
	mov ebx, eax
	and ebx, 0xfffff000 | APIC_BASE_EN | APIC_BASE_EXTD
	cmp ebx, 0xfee00000 | APIC_BASE_EN | APIC_BASE_EXTD
	REPORT C_MODE
	mov dword [x2mode], 1           ; EOIs and IDs through MSRs from now on

	mov ecx, 0x802
	call msr_read
	mov [x2id], eax
	cmp eax, [cpuid_apic_id]
	REPORT C_ID
	mov ecx, 0x803
	call msr_read
	and eax, 0xff00ff
	mov ebx, [xver]
	and ebx, 0xff00ff
	cmp eax, ebx
	REPORT C_VER
	mov ecx, [x2id]                 ; cluster ID << 16 | 1 << (ID & 15)
	and ecx, 15
	mov ebx, 1
	shl ebx, cl
	mov eax, [x2id]
	shr eax, 4
	shl eax, 16
	or ebx, eax
	mov ecx, 0x80d
	call msr_read
	cmp eax, ebx
	REPORT C_LDR
	mov ecx, 0x80f
	call msr_read
	and eax, 0x1ff
	cmp eax, 0x100 | SPURIOUS
	REPORT C_SVR

	mov ecx, 0x808
	mov eax, 0x30
	xor edx, edx
	call msr_write
	mov ecx, 0x808
	call msr_read
	cmp eax, 0x30
	jne .tpr
	mov ecx, 0x80a
	call msr_read
	cmp eax, 0x30
.tpr:
	REPORT C_TPR
	mov ecx, 0x808
	xor eax, eax
	xor edx, edx
	call msr_write

	mov ecx, 0x80b
	mov eax, 1
	xor edx, edx
	call msr_write
	cmp dword [fault_vector], 13
	REPORT C_EOI1
	mov ecx, 0x80b
	xor eax, eax
	xor edx, edx
	call msr_write
	cmp dword [fault_vector], -1
	REPORT C_EOI0
	MSR_FAULTS 1, 0x803, C_ROVER
	MSR_FAULTS 1, 0x802, C_ROID
	MSR_FAULTS 0, 0x831, C_R831
	MSR_FAULTS 0, 0x80e, C_DFR
	MSR_FAULTS 0, 0x83f, C_RSELF

	sti
	mov ecx, 0x83f
	mov eax, V_SELFMSR
	xor edx, edx
	call msr_write
	mov esi, irq_count + V_SELFMSR * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_SELFMSR * 4]
	REPORT C_SELF

	mov ecx, 0x830                  ; EDX = destination (own ID), EAX = fixed V_ICR
	mov eax, V_ICR
	mov edx, [x2id]
	call msr_write
	mov esi, irq_count + V_ICR * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	GOT [irq_count + V_ICR * 4]
	REPORT C_ICR

	xor edx, edx
	mov ecx, 0x83e                  ; divide by 1
	mov eax, 0xb
	call msr_write
	mov ecx, 0x832                  ; LVT timer: one-shot, V_TIMER
	mov eax, V_TIMER
	call msr_write
	mov ecx, 0x838
	mov eax, ONESHOT_COUNT
	call msr_write
	mov ecx, 0x839
	call msr_read
	mov [cur_first], eax
	mov esi, irq_count + V_TIMER * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	mov eax, 50
	call wait_ms
	GOT [irq_count + V_TIMER * 4]
	cmp dword [irq_count + V_TIMER * 4], 1
	REPORT C_TIMER
	mov ecx, 0x839
	call msr_read
	mov ebx, [cur_first]
	mov [got_hi], ebx
	test eax, eax
	jnz .cur
	test ebx, ebx                   ; running (non-zero) right after the start
	jz .cur_bad
	cmp ebx, ONESHOT_COUNT
	ja .cur_bad
	xor eax, eax
	jmp .cur
.cur_bad:
	or eax, 1
.cur:
	REPORT C_CUR
	cli

	cmp dword [on_svmvisor], 0
	jne .mmio
	SKIPCASE C_MMIO, "not under svmvisor"
	jmp .mmio_done
.mmio:
	mov eax, [APIC + APIC_VER]
	GOT eax
	cmp eax, 0xffffffff
	REPORT C_MMIO
.mmio_done:

	mov ecx, MSR_APIC_BASE          ; EN without EXTD: #GP
	mov eax, [base_lo]
	and eax, ~APIC_BASE_EXTD
	or eax, APIC_BASE_EN
	mov edx, [base_hi]
	call msr_write
	mov ebx, [fault_vector]
	mov ecx, MSR_APIC_BASE
	call msr_read
	cmp ebx, 13
	jne .back
	and eax, APIC_BASE_EN | APIC_BASE_EXTD
	cmp eax, APIC_BASE_EN | APIC_BASE_EXTD
.back:
	REPORT C_BACK

	mov ecx, MSR_APIC_BASE          ; disabled
	mov eax, [base_lo]
	and eax, ~(APIC_BASE_EN | APIC_BASE_EXTD)
	mov edx, [base_hi]
	call msr_write
	mov dword [x2mode], 0
	mov ebx, [fault_vector]
	mov ecx, MSR_APIC_BASE
	call msr_read
	cmp ebx, -1
	jne .off
	test eax, APIC_BASE_EN | APIC_BASE_EXTD
.off:
	REPORT C_OFF

	mov ecx, MSR_APIC_BASE          ; xAPIC again
	mov eax, [base_lo]
	and eax, ~APIC_BASE_EXTD
	or eax, APIC_BASE_EN
	mov edx, [base_hi]
	call msr_write
	mov ebx, [fault_vector]
	mov ecx, MSR_APIC_BASE
	call msr_read
	mov [got_hi], eax               ; GOT: APIC_BASE, the version read
	and eax, APIC_BASE_EN | APIC_BASE_EXTD
	cmp eax, APIC_BASE_EN
	jne .xapic
	mov eax, [APIC + APIC_VER]
	mov [got_lo], eax
	cmp ebx, -1
	jne .xapic
	cmp eax, [xver]
.xapic:
	REPORT C_XAPIC

	mov ecx, MSR_APIC_BASE          ; from xAPIC to EXTD alone (invalid): #GP, xAPIC kept
	mov eax, [base_lo]
	and eax, ~APIC_BASE_EN
	or eax, APIC_BASE_EXTD
	mov edx, [base_hi]
	call msr_write
	mov ebx, [fault_vector]
	mov ecx, MSR_APIC_BASE
	call msr_read                   ; GOT: APIC_BASE after the attempt
	cmp ebx, 13
	jne .extd
	and eax, APIC_BASE_EN | APIC_BASE_EXTD
	cmp eax, APIC_BASE_EN
.extd:
	REPORT C_EXTD

	ret

msg_hello: db "x2apic32: local APIC x2APIC mode self-test", 13, 10, 0
align 4
xver:      dd 0
x2id:      dd 0
base_lo:   dd 0
base_hi:   dd 0
cur_first: dd 0
