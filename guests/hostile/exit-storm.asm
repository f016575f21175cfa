; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: seven exit storms of ~2 s of TSC each: CPUID, OUT 0x80, IN from an unassigned port, LAPIC version MMIO reads, PAUSE, WBINVD, and HLT with IF=0 woken over and over by a timer's NMI
; class: storm
; guest: every loop makes progress (its iteration count is printed); CPUID leaf 0 answers the same vendor every time, IN from the unassigned port 0x7e reads 0xff, the LAPIC version register reads 0x00050014, and every HLT with IF=0 ends with exactly one NMI (PIT counter 0 one-shot -> I/O APIC pin 2 in NMI delivery mode)
; hypervisor: nothing but the one-time report of the unassigned port; each exit is handled and the vCPU stays schedulable
; others: the witness beats on through every storm (about 140 beats), its RAM intact
;
; Real AMD hardware: CPUID, IN/OUT, WBINVD and HLT exit (svmvisor
; intercepts them), an access to the xAPIC page is a nested page fault the
; hypervisor emulates, PAUSE runs in the guest (no PAUSE intercept). An NMI
; ends a HLT executed with IF=0 (docs/cpu.md "HLT"); an interrupt does not.
;
; The local APIC timer cannot make that NMI: its LVT has no delivery-mode
; field (SDM Vol.3 Figure 10-8; the timer always sends a fixed interrupt,
; and svmvisor's vlapic drops writes to bits 10:8 there), and a fixed
; interrupt leaves a HLT with IF=0 asleep. So the timer is PIT counter 0
; in mode 0 (one shot, 1 ms), whose IRQ0 reaches the I/O APIC's pin 2,
; programmed to deliver an NMI to vCPU 0. The NMI handler returns past the
; HLT with IRET (NMIs stay blocked until an IRET), also when the NMI came
; just before the HLT ran.
;
; Each loop runs until a TSC deadline (2 s at CPUID 0x40000010's TSC
; rate), not a fixed count, so the case takes about 15 s of guest time on
; QEMU and on Bochs (whose TSC runs with its instructions).
%include "guests/hostile/hostile.inc"

UNASSIGNED equ 0x7e
STORM_MS   equ 2000
PIT_1MS    equ 1193

; STORM name, body: run body until the deadline, count in ebx, then print
%macro STORM 2
	call deadline_start
	xor ebx, ebx
%%loop:
	%2
	inc ebx
	call deadline_passed
	jb %%loop
	mov esi, %1
	call print_count
%endmacro

main:
	mov eax, 0x40000010             ; TSC kHz
	cpuid
	test eax, eax
	jnz .khz
	mov eax, 1000000                ; no timing leaf: assume 1 GHz
.khz:
	mov ecx, STORM_MS
	mul ecx
	mov [ticks], eax
	mov [ticks + 4], edx
	xor eax, eax
	cpuid
	mov [vendor], ebx
	mov [vendor + 4], edx
	mov [vendor + 8], ecx

	STORM name_cpuid, call body_cpuid
	mov esi, msg_cpuid_same
	cmp dword [bad], 0
	call report_progress

	STORM name_out, call body_out
	mov esi, msg_out
	cmp dword [bad], 0
	call report_progress

	STORM name_in, call body_in
	mov esi, msg_in
	cmp dword [bad], 0
	call report_progress

	STORM name_mmio, call body_mmio
	mov esi, msg_mmio
	cmp dword [bad], 0
	call report_progress

	STORM name_pause, pause
	mov esi, msg_pause
	cmp dword [bad], 0
	call report_progress

	STORM name_wbinvd, wbinvd
	mov esi, msg_wbinvd
	cmp dword [bad], 0
	call report_progress

	call nmi_setup
	STORM name_hlt, call body_hlt
	call nmi_teardown
	mov eax, [nmis]
	call put_dec
	mov esi, msg_nmis
	call puts
	mov eax, [nmis]
	cmp eax, ebx                    ; one NMI per HLT
	mov esi, msg_hlt
	call report_progress
	ret

body_cpuid:
	push ebx
	xor eax, eax
	cpuid
	cmp ebx, [vendor]
	jne .bad
	cmp edx, [vendor + 4]
	jne .bad
	cmp ecx, [vendor + 8]
	je .ok
.bad:
	inc dword [bad]
.ok:
	pop ebx
	ret

body_out:
	mov al, bl
	out 0x80, al
	ret

body_in:
	in al, UNASSIGNED
	cmp al, 0xff
	je .ok
	inc dword [bad]
.ok:
	ret

body_mmio:
	mov eax, [LAPIC + 0x30]
	cmp eax, 0x00050014
	je .ok
	inc dword [bad]
.ok:
	ret

; One HLT with IF=0: arm PIT counter 0 for 1 ms (mode 0: OUT rises at the
; terminal count), halt; the NMI handler resumes at .woken.
body_hlt:
	cli
	mov al, 0x30                    ; counter 0, lobyte/hibyte, mode 0
	out 0x43, al
	mov al, PIT_1MS & 0xff
	out 0x40, al
	mov al, PIT_1MS >> 8
	out 0x40, al
	hlt
nmi_resume:
	ret

nmi_handler:
	mov dword [esp], nmi_resume     ; past the HLT, wherever the NMI came
	inc dword [nmis]
	iretd

; IDT vector 2 -> nmi_handler; both PICs masked; I/O APIC pin 2 (IRQ0):
; NMI, edge, active high, physical destination APIC ID 0
nmi_setup:
	mov eax, nmi_handler
	mov [idt + 2 * 8], ax
	shr eax, 16
	mov [idt + 2 * 8 + 6], ax
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	mov dword [IOAPIC], 0x15        ; RTE 2, high: destination 0
	mov dword [IOAPIC + 0x10], 0
	mov dword [IOAPIC], 0x14        ; RTE 2, low: NMI, unmasked
	mov dword [IOAPIC + 0x10], 0x400
	ret

nmi_teardown:
	mov dword [IOAPIC], 0x14
	mov dword [IOAPIC + 0x10], 0x10000
	ret

; deadline = TSC + ticks
deadline_start:
	mov dword [bad], 0
	rdtsc
	add eax, [ticks]
	adc edx, [ticks + 4]
	mov [deadline], eax
	mov [deadline + 4], edx
	ret

; CF set (jb) while the TSC is below the deadline; keeps ebx
deadline_passed:
	push eax
	push edx
	rdtsc
	cmp edx, [deadline + 4]
	jne .done
	cmp eax, [deadline]
.done:
	pop edx
	pop eax
	ret

; "<name>: <ebx> iterations"
print_count:
	call puts
	mov eax, ebx
	call put_dec
	mov esi, msg_iters
	jmp puts

; ZF from the caller's check, ebx = iterations: PASS when the check held
; and the loop ran at least once
report_progress:
	jnz .report                     ; the check failed
	cmp ebx, 0
	jne .pass
	cmp ebx, 1                      ; no iteration: ZF clear
	jmp .report
.pass:
	cmp eax, eax                    ; ZF set
.report:
	jmp report_zf

ticks:    dq 0
deadline: dq 0
vendor:   times 3 dd 0
bad:      dd 0
nmis:     dd 0

name_cpuid:  db "CPUID loop: ", 0
name_out:    db "OUT 0x80 loop: ", 0
name_in:     db "IN from unassigned port 0x7e loop: ", 0
name_mmio:   db "LAPIC version register MMIO read loop: ", 0
name_pause:  db "PAUSE loop: ", 0
name_wbinvd: db "WBINVD loop: ", 0
name_hlt:    db "HLT with IF=0, woken by the PIT's NMI, loop: ", 0
msg_iters:   db " iterations", 13, 10, 0
msg_nmis:    db " NMIs taken in the HLT loop", 13, 10, 0
msg_cpuid_same: db "the CPUID loop made progress, every answer the same vendor", 0
msg_out:     db "the OUT 0x80 loop made progress", 0
msg_in:      db "the IN loop made progress, every read 0xff", 0
msg_mmio:    db "the LAPIC MMIO loop made progress, every read 0x00050014", 0
msg_pause:   db "the PAUSE loop made progress", 0
msg_wbinvd:  db "the WBINVD loop made progress", 0
msg_hlt:     db "the HLT loop made progress, each HLT ended by one NMI", 0
