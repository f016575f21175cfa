; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: from the VM's only vCPU, fixed (vector 0x40), NMI, INIT and STARTUP (vector 0x10) IPIs to every physical APIC ID 0-255, to every logical destination bit in flat and in cluster mode, and with each shorthand
; class: ipi
; guest: only its own vCPU is ever reached: 6 fixed IPIs (physical ID 0 and broadcast 0xFF, flat bit 0 = its LDR, cluster 1 bit 0 = its LDR, the self and all-including-self shorthands) and 5 NMIs (the same less the self shorthand, whose NMI is an invalid combination and may or may not arrive), no other vector, no fault; the vCPU keeps running (no INIT or STARTUP ever reaches it)
; hypervisor: nothing: vlapic_route only looks at the sending VM's vCPUs
; others: the witness beats on with nothing in its IRR or ISR, its RAM intact
;
; Real hardware: an IPI goes to the local APICs its destination names and to
; nobody else; the hostile VM has one vCPU (APIC ID 0), so the only local
; APIC any of these can reach is its own. Physical 0xFF is the xAPIC
; broadcast. In flat logical mode a bit of the destination matches the
; APICs whose LDR has it (this one: LDR 0x01); in cluster mode the high
; nibble names the cluster and the low one the members (this one: LDR 0x11,
; cluster 1 member bit 0). Cluster 15 is not sent: whether it is a
; broadcast to all clusters depends on the implementation (the SDM describes
; it only for the P6 APIC bus).
;
; Not sent, so that the case cannot hang: INIT and STARTUP with the self and
; all-including-self shorthands and to destinations that name this vCPU
; (physical 0 and 0xFF, flat bit 0, cluster 0x11). svmvisor has no firmware:
; an INIT that reaches any vCPU, the BSP included, puts it into
; wait-for-SIPI (docs/cpu.md "INIT and STARTUP"), and nothing else in this
; VM could send the STARTUP. INIT and STARTUP with all-excluding-self are
; sent (they name nobody here). Should a STARTUP ever start this vCPU, the
; real-mode stub at 0x10000 ends the case through the debug exit with 0xee.
; The fixed and NMI sends wait (bounded) for each delivery they expect, so
; that two fixed IPIs never fold into one IRR bit; the totals are checked
; per sweep after a 5 ms settle.
%include "guests/hostile/hostile.inc"

A_ID      equ 0x020
A_EOI     equ 0x0b0
A_LDR     equ 0x0d0
A_DFR     equ 0x0e0
A_SVR     equ 0x0f0
A_TPR     equ 0x080
A_ESR     equ 0x280
A_ICR_LO  equ 0x300
A_ICR_HI  equ 0x310
A_LVT_TMR equ 0x320
A_LINT0   equ 0x350
A_LINT1   equ 0x360
A_LVT_ERR equ 0x370

VEC       equ 0x40                      ; the fixed IPIs' vector
SIPI_VEC  equ 0x10                      ; STARTUP: real mode at 0x1000:0000
T_FIXED   equ VEC
T_NMI     equ 4 << 8
T_INIT    equ (5 << 8) | (1 << 14)      ; level assert
T_STARTUP equ (6 << 8) | (1 << 14) | SIPI_VEC
LOGICAL   equ 1 << 11
SH_SELF   equ 1 << 18
SH_ALL    equ 2 << 18
SH_OTHERS equ 3 << 18
MY_FLAT   equ 0x01                      ; this vCPU's LDR in flat mode
MY_CLUSTER equ 0x11                     ; and in cluster mode

main:
	mov al, 0xff                    ; no PIC interrupt may count as an IPI
	out 0x21, al
	out 0xa1, al
	call build_idt
	mov esi, sipi_stub              ; the catch for a STARTUP that lands here
	mov edi, SIPI_VEC << 12
	mov ecx, sipi_stub_end - sipi_stub
	cld
	rep movsb
	mov eax, 0x40000010             ; TSC kHz, for the bounded waits
	cpuid
	test eax, eax
	jnz .khz
	mov eax, 3000000
.khz:
	mov [tsc_per_ms], eax
	mov dword [LAPIC + A_SVR], 0x1ff
	mov dword [LAPIC + A_TPR], 0
	mov dword [LAPIC + A_LVT_TMR], 0x10000
	mov dword [LAPIC + A_LINT0], 0x10000
	mov dword [LAPIC + A_LINT1], 0x10000
	mov dword [LAPIC + A_LVT_ERR], 0x10000 | 0xfe
	mov eax, [LAPIC + A_ID]
	shr eax, 24
	mov [my_id], eax
	cmp eax, 0
	mov esi, msg_id
	call report_zf
	sti

	; --- physical destinations 0-255 ---
	call sweep_begin
	mov ebx, T_FIXED
	call phys_sweep
	mov ebx, T_NMI
	call phys_sweep
	mov ebx, T_INIT
	call phys_sweep
	mov ebx, T_STARTUP
	call phys_sweep
	mov esi, msg_phys
	call sweep_end

	; --- logical, flat model: each of the 8 bits ---
	mov dword [LAPIC + A_DFR], 0xffffffff
	mov dword [LAPIC + A_LDR], MY_FLAT << 24
	call sweep_begin
	mov ebx, T_FIXED
	call flat_sweep
	mov ebx, T_NMI
	call flat_sweep
	mov ebx, T_INIT
	call flat_sweep
	mov ebx, T_STARTUP
	call flat_sweep
	mov esi, msg_flat
	call sweep_end

	; --- logical, cluster model: clusters 0-14, member bits 0-3 ---
	mov dword [LAPIC + A_DFR], 0x0fffffff
	mov dword [LAPIC + A_LDR], MY_CLUSTER << 24
	call sweep_begin
	mov ebx, T_FIXED
	call cluster_sweep
	mov ebx, T_NMI
	call cluster_sweep
	mov ebx, T_INIT
	call cluster_sweep
	mov ebx, T_STARTUP
	call cluster_sweep
	mov esi, msg_cluster
	call sweep_end

	; --- shorthands ---
	mov dword [LAPIC + A_DFR], 0xffffffff
	mov dword [LAPIC + A_LDR], 0
	call sweep_begin
	mov eax, SH_SELF | T_FIXED      ; self: fixed only is a valid combination
	mov ecx, 1
	call send_fixed
	mov eax, [nmi_count]            ; self + NMI: invalid (SDM Table 10-3);
	mov [nmi_before], eax           ; 0 or 1 NMIs, not counted
	mov eax, SH_SELF | T_NMI
	xor edx, edx
	call send
	mov eax, 5
	call wait_ms
	mov eax, [nmi_count]
	sub eax, [nmi_before]
	cmp eax, 1
	mov esi, msg_selfnmi
	call report_below_or_eq
	mov eax, [nmi_before]           ; forget it
	mov [nmi_count], eax
	mov eax, SH_ALL | T_FIXED
	mov ecx, 1
	call send_fixed
	mov eax, SH_ALL | T_NMI
	mov ecx, 1
	call send_nmi
	mov eax, SH_OTHERS | T_FIXED
	xor ecx, ecx
	call send_fixed
	mov eax, SH_OTHERS | T_NMI
	xor ecx, ecx
	call send_nmi
	mov eax, SH_OTHERS | T_INIT
	xor edx, edx
	call send
	mov eax, SH_OTHERS | T_STARTUP
	xor edx, edx
	call send
	mov esi, msg_short
	call sweep_end

	mov eax, [total_fixed]
	cmp eax, 6
	mov esi, msg_total_fixed
	call report_count
	mov eax, [total_nmi]
	cmp eax, 5
	mov esi, msg_total_nmi
	call report_count
	mov eax, [stray_count]
	cmp eax, 0
	mov esi, msg_stray
	call report_count
	mov eax, [LAPIC + 0x200 + (VEC / 32) * 0x10] ; nothing left pending
	test eax, 1 << (VEC % 32)
	mov esi, msg_irr
	call report_zf
	cli
	ret

; EBX = ICR low (type): every physical destination 0-255.
phys_sweep:
	xor edi, edi
.next:
	mov edx, edi
	shl edx, 24
	xor ecx, ecx                    ; expected deliveries to this vCPU
	cmp edi, [my_id]
	je .self
	cmp edi, 0xff
	jne .send
.self:
	inc ecx
	call init_or_startup            ; ZF: skip it
	jz .skip
.send:
	mov eax, ebx
	call send_typed
.skip:
	inc edi
	cmp edi, 256
	jb .next
	ret

; EBX = ICR low: flat logical destinations 1 << 0 .. 1 << 7.
flat_sweep:
	xor edi, edi
.next:
	mov edx, 1
	mov ecx, edi
	shl edx, cl
	xor ecx, ecx
	test edx, MY_FLAT
	jz .send
	inc ecx
	call init_or_startup
	jz .skip
.send:
	shl edx, 24
	mov eax, ebx
	or eax, LOGICAL
	call send_typed
.skip:
	inc edi
	cmp edi, 8
	jb .next
	ret

; EBX = ICR low: cluster logical destinations, clusters 0-14, bits 0-3.
cluster_sweep:
	xor edi, edi                    ; cluster << 2 | bit
.next:
	mov ecx, edi
	and ecx, 3
	mov edx, 1
	shl edx, cl
	mov eax, edi
	shr eax, 2
	shl eax, 4
	or edx, eax                     ; the destination byte
	xor ecx, ecx
	cmp edx, MY_CLUSTER
	jne .send
	inc ecx
	call init_or_startup
	jz .skip
.send:
	shl edx, 24
	mov eax, ebx
	or eax, LOGICAL
	call send_typed
.skip:
	inc edi
	cmp edi, 15 * 4
	jb .next
	ret

; ZF set when EBX is INIT or STARTUP (a send that must not name this vCPU).
init_or_startup:
	cmp ebx, T_INIT
	je .yes
	cmp ebx, T_STARTUP
.yes:
	ret

; EAX = ICR low, EDX = ICR high, ECX = deliveries expected here (0 or 1).
send_typed:
	test eax, 7 << 8
	jz send_fixed
	push eax
	and eax, 7 << 8
	cmp eax, T_NMI
	pop eax
	je send_nmi
	jmp send

; Send, then wait (at most 100 ms) for the ECX deliveries expected.
send_fixed:
	add [want_fixed], ecx
	call send
	jecxz .done
	pushad
	mov esi, fixed_count
	mov eax, [want_fixed]
	call wait_ge
	popad
.done:
	ret
send_nmi:
	add [want_nmi], ecx
	call send
	jecxz .done
	pushad
	mov esi, nmi_count
	mov eax, [want_nmi]
	call wait_ge
	popad
.done:
	ret

; ESI = a counter, EAX = a value: waits up to 100 ms until [ESI] >= EAX.
wait_ge:
	pushad
	mov ebx, eax
	rdtsc
	mov edi, eax
.poll:
	cmp [esi], ebx
	jae .done
	pause
	rdtsc
	sub eax, edi
	mov edx, [tsc_per_ms]
	imul edx, edx, 100
	cmp eax, edx
	jb .poll
.done:
	popad
	ret

; EAX = ICR low, EDX = ICR high: one IPI; the delivery status is polled
; (bounded) as a driver does.
send:
	push ecx
	mov [LAPIC + A_ICR_HI], edx
	mov [LAPIC + A_ICR_LO], eax
	mov ecx, 100000
.busy:
	test dword [LAPIC + A_ICR_LO], 1 << 12
	jz .idle
	pause
	dec ecx
	jnz .busy
.idle:
	pop ecx
	inc dword [sends]
	ret

sweep_begin:
	mov dword [want_fixed], 0
	mov dword [want_nmi], 0
	mov dword [fixed_count], 0
	mov dword [nmi_count], 0
	ret

; ESI = the sweep's name: after a 5 ms settle, the deliveries counted must
; be those expected.
sweep_end:
	push esi
	mov eax, 5
	call wait_ms
	pop esi
	mov eax, [fixed_count]
	add [total_fixed], eax
	mov eax, [nmi_count]
	add [total_nmi], eax
	mov eax, [fixed_count]
	mov ecx, [want_fixed]
	mov [got_lo], eax
	mov [got_hi], ecx
	cmp eax, ecx
	jne .bad
	mov eax, [nmi_count]
	mov ecx, [want_nmi]
	mov [got_lo], eax
	mov [got_hi], ecx
	cmp eax, ecx
.bad:
	call report_got                 ; got: 0x<expected>_<counted>
	ret

; ZF from the caller's CMP; EAX = the count shown after a FAIL.
report_count:
	mov [got_lo], eax
	mov dword [got_hi], 0
	jmp report_got

; PASS when EAX <= 1 (unsigned): the CMP EAX, 1 before.
report_below_or_eq:
	mov [got_lo], eax
	mov dword [got_hi], 0
	jbe .ok
	or eax, 1                       ; ZF clear
	jmp report_got
.ok:
	cmp eax, eax
	jmp report_got

wait_ms:                                ; EAX = ms of TSC time
	pushad
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	add esi, eax
	adc edi, edx
.spin:
	pause
	rdtsc
	sub eax, esi
	sbb edx, edi
	js .spin
	popad
	ret

; 256 gates: lib32's 0-31, vector 2 counts NMIs, VEC counts the fixed IPIs,
; every other vector is a stray.
build_idt:
	xor ecx, ecx
.copy:
	mov eax, [idt + ecx * 8]
	mov [idt256 + ecx * 8], eax
	mov eax, [idt + ecx * 8 + 4]
	mov [idt256 + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 32
	jb .copy
.rest:
	mov eax, on_stray
	cmp ecx, VEC
	jne .gate
	mov eax, on_fixed
.gate:
	call set_gate
	inc ecx
	cmp ecx, 256
	jb .rest
	mov ecx, 2
	mov eax, on_nmi
	call set_gate
	lidt [idt256_ptr]
	ret
set_gate:                               ; ECX = vector, EAX = handler
	mov [idt256 + ecx * 8], ax
	mov word [idt256 + ecx * 8 + 2], 0x08
	mov word [idt256 + ecx * 8 + 4], 0x8e00
	shr eax, 16
	mov [idt256 + ecx * 8 + 6], ax
	ret

on_nmi:
	inc dword [nmi_count]
	iretd
on_fixed:
	inc dword [fixed_count]
	mov dword [LAPIC + A_EOI], 0
	iretd
on_stray:
	inc dword [stray_count]
	mov dword [LAPIC + A_EOI], 0
	iretd

bits 16
sipi_stub:                              ; a STARTUP reached this vCPU
	mov al, 0xee
	out DEBUG_EXIT, al
	cli
	hlt
sipi_stub_end:
bits 32

align 4
my_id:       dd 0
tsc_per_ms:  dd 3000000
sends:       dd 0
want_fixed:  dd 0
want_nmi:    dd 0
fixed_count: dd 0
nmi_count:   dd 0
nmi_before:  dd 0
stray_count: dd 0
total_fixed: dd 0
total_nmi:   dd 0
idt256_ptr:
	dw 256 * 8 - 1
	dd idt256
msg_id:          db "this vCPU's APIC ID is 0", 0
msg_phys:        db "physical IDs 0-255: fixed and NMI reach this vCPU only at ID 0 and 0xFF; INIT, STARTUP reach nothing", 0
msg_flat:        db "flat logical bits 0-7: fixed and NMI reach this vCPU only at its bit 0; INIT, STARTUP reach nothing", 0
msg_cluster:     db "cluster logical 0x01-0xe8: fixed and NMI reach this vCPU only at 0x11; INIT, STARTUP reach nothing", 0
msg_short:       db "shorthands: self and all-including reach this vCPU once each (fixed; NMI all-including), all-excluding nobody", 0
msg_selfnmi:     db "NMI with the self shorthand (invalid): at most one NMI", 0
msg_total_fixed: db "6 fixed IPIs reached this vCPU in all", 0
msg_total_nmi:   db "5 NMIs reached this vCPU in all (self-shorthand NMI aside)", 0
msg_stray:       db "no other vector arrived", 0
msg_irr:         db "nothing left in IRR", 0
align 8
idt256: times 256 * 8 db 0
