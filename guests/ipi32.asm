; SPDX-License-Identifier: BSD-2-Clause
; Self-test guest with four vCPUs (kind=flat load=0x100000 mode=prot32,
; cpus= four cores, mem >= 4M): the BSP starts the three APs the way an OS
; does on hardware (INIT, then STARTUP twice, to each by physical APIC ID
; 1, 2, 3, the MP specification's delays measured with the TSC), through a
; real-mode trampoline it writes at 0x8000 (STARTUP vector 0x08: CS 0x0800,
; IP 0). The trampoline loads its own GDT (o32 a32 LGDT, a 32-bit base) and
; jumps to 32-bit protected mode; each AP takes a stack (a locked counter
; picks its slot), loads the BSP's IDT, enables its APIC (DFR flat, LDR
; 1 << (24 + ID)), reports in, and then waits with STI; HLT for work: a
; list of APIC register writes the BSP posts in ap_cmd[ID] and kicks with
; an IPI (an AP thus sends IPIs or changes its LDR/DFR on request).
;
; Checks: the three APs came up, each once; a later STARTUP to running APs
; is ignored; fixed IPIs BSP -> each AP, AP -> BSP, AP -> AP; an NMI IPI;
; the all-excluding-self and all-including-self shorthands; logical flat
; and logical cluster destinations; lowest priority (exactly one of the set
; gets it); a self-IPI on an AP. Only the BSP prints; interrupt handlers
; count per APIC ID and vector (irq_count, nmi_count in apic.inc). Every
; wait is bounded by the TSC; the result is the failure count.
; Build for bare QEMU (-smp 4) with -DBARE (guests/bare.inc).
org 0x100000
%define VCPU_HELPERS
%include "guests/bare.inc"
%include "guests/lib32.inc"
%include "guests/apic.inc"

AP_STACKS   equ 0x200000                ; AP_SLOTS stacks of AP_STACK bytes
AP_SLOTS    equ 8
AP_STACK    equ 0x4000
NR_APS      equ 3

V_KICK      equ 0x4f                    ; "look at ap_cmd"
V_FIXED     equ 0x50
V_TOBSP     equ 0x51
V_AP2AP     equ 0x52
V_OTHERS    equ 0x53
V_ALL       equ 0x54
V_FLAT      equ 0x55
V_LOWPRI    equ 0x56
V_CLUSTER   equ 0x57
V_CLUSTER2  equ 0x58
V_APSELF    equ 0x59

main:
	call apic_guest_init
	call apic_setup
	mov esi, msg_hello
	call puts

	mov esi, tramp_start            ; the trampoline below 1 MiB
	mov edi, TRAMP
	mov ecx, tramp_end - tramp_start
	cld
	rep movsb

	mov ebx, 1                      ; INIT, STARTUP, STARTUP to APIC IDs 1-3
.start_ap:
	mov edx, ebx
	shl edx, 24
	mov eax, ICR_INIT | ICR_LEVEL_ASSERT
	call send_ipi
	mov eax, 10
	call wait_ms
	mov eax, ICR_STARTUP | (TRAMP >> 12)
	call send_ipi
	mov eax, 1
	call wait_ms
	mov eax, ICR_STARTUP | (TRAMP >> 12)
	call send_ipi
	mov eax, 1
	call wait_ms
	inc ebx
	cmp ebx, NR_APS
	jbe .start_ap

	mov esi, ap_count
	mov eax, NR_APS
	mov ecx, 2000
	call wait_ge
	mov eax, 20                     ; late extra starts would show now
	call wait_ms
	GOT [ap_count]
	cmp dword [ap_count], NR_APS
	REPORT "ipi: INIT-SIPI-SIPI started all 3 APs"
	mov eax, [ap_started + 4]
	shl eax, 8
	or eax, [ap_started + 8]
	shl eax, 8
	or eax, [ap_started + 12]
	shl eax, 8
	or eax, [ap_started]
	GOT eax
	cmp eax, 0x01010100             ; IDs 1, 2, 3 once; ID 0 (the BSP) never
	REPORT "ipi: APs with APIC IDs 1, 2, 3 came up once each"

	mov edx, 0                      ; a STARTUP to running APs: ignored
	mov eax, ICR_OTHERS | ICR_STARTUP | (TRAMP >> 12)
	call send_ipi
	mov eax, 50
	call wait_ms
	GOT [ap_count]
	cmp dword [ap_count], NR_APS
	REPORT "ipi: a STARTUP to running APs is ignored"
	cmp dword [ap_count], 0
	je .no_aps

	sti
	mov ebx, 1                      ; fixed IPIs, BSP -> each AP
.fixed:
	mov edx, ebx
	shl edx, 24
	mov eax, V_FIXED
	call send_ipi
	inc ebx
	cmp ebx, NR_APS
	jbe .fixed
	mov eax, V_FIXED
	mov edx, 0x01010100
	call expect_counts
	REPORT "ipi: fixed IPI from the BSP reaches each AP by physical ID, once"

	mov ebx, 1
	mov esi, cmd_to_bsp
	call run_on
	mov eax, V_TOBSP
	mov edx, 0x00000001
	call expect_counts
	REPORT "ipi: fixed IPI from AP 1 reaches the BSP"

	mov ebx, 2
	mov esi, cmd_to_ap3
	call run_on
	mov eax, V_AP2AP
	mov edx, 0x01000000
	call expect_counts
	REPORT "ipi: fixed IPI from AP 2 reaches AP 3"

	mov edx, 2 << 24                ; NMI to AP 2
	mov eax, ICR_NMI
	call send_ipi
	mov esi, nmi_count + 2 * 4
	mov eax, 1
	mov ecx, 1000
	call wait_ge
	mov eax, 10
	call wait_ms
	mov eax, [nmi_count + 3 * 4]
	shl eax, 8
	or eax, [nmi_count + 2 * 4]
	shl eax, 8
	or eax, [nmi_count + 1 * 4]
	shl eax, 8
	or eax, [nmi_count]
	GOT eax
	cmp eax, 0x00010000
	REPORT "ipi: NMI IPI reaches AP 2's NMI handler, only it"

	xor edx, edx
	mov eax, ICR_OTHERS | V_OTHERS
	call send_ipi
	mov eax, V_OTHERS
	mov edx, 0x01010100
	call expect_counts
	REPORT "ipi: all-excluding-self reaches each AP once, not the BSP"

	xor edx, edx
	mov eax, ICR_ALL | V_ALL
	call send_ipi
	mov eax, V_ALL
	mov edx, 0x01010101
	call expect_counts
	REPORT "ipi: all-including-self reaches every CPU once"

	mov edx, 0x06 << 24             ; logical flat: LDR bits of APs 1 and 2
	mov eax, ICR_LOGICAL | V_FLAT
	call send_ipi
	mov eax, V_FLAT
	mov edx, 0x00010100
	call expect_counts
	REPORT "ipi: logical flat destination 0x06 reaches APs 1 and 2"

	mov edx, 0x0e << 24             ; lowest priority among APs 1-3
	mov eax, ICR_LOGICAL | ICR_LOWPRI | V_LOWPRI
	call send_ipi
	mov eax, V_LOWPRI
	call wait_sum1
	mov eax, V_LOWPRI
	call packed_counts
	GOT eax
	cmp eax, 0x00000100
	je .one
	cmp eax, 0x00010000
	je .one
	cmp eax, 0x01000000
.one:
	REPORT "ipi: lowest priority to APs 1-3 reaches exactly one of them"

	; logical cluster: BSP cluster 0 bit 0, APs 1 and 2 cluster 1 bits 0
	; and 1, AP 3 cluster 2 bit 0
	mov dword [APIC + APIC_DFR], 0x0fffffff
	mov dword [APIC + APIC_LDR], 0x01000000
	mov ebx, 1
	mov esi, cmd_cluster_ap1
	call run_on
	mov ebx, 2
	mov esi, cmd_cluster_ap2
	call run_on
	mov ebx, 3
	mov esi, cmd_cluster_ap3
	call run_on
	mov edx, 0x13 << 24
	mov eax, ICR_LOGICAL | V_CLUSTER
	call send_ipi
	mov eax, V_CLUSTER
	mov edx, 0x00010100
	call expect_counts
	REPORT "ipi: logical cluster 1 mask 0x3 reaches APs 1 and 2"
	mov edx, 0x21 << 24
	mov eax, ICR_LOGICAL | V_CLUSTER2
	call send_ipi
	mov eax, V_CLUSTER2
	mov edx, 0x01000000
	call expect_counts
	REPORT "ipi: logical cluster 2 mask 0x1 reaches AP 3"

	mov ebx, 3
	mov esi, cmd_self
	call run_on
	mov eax, V_APSELF
	mov edx, 0x01000000
	call expect_counts
	REPORT "ipi: self-IPI on AP 3"
	cli
	ret
.no_aps:
	SAY "ipi32: no AP came up; the IPI cases are not run"
	inc ebp
	ret

; EBX = APIC ID, ESI = a list of (register offset, value) pairs ending
; with offset 0: the AP writes them, then counts ap_done. Waits (bounded)
; for that; ZF set when it happened.
run_on:
	pushad
	mov eax, [ap_done + ebx * 4]
	inc eax
	push eax
	mov [ap_cmd + ebx * 4], esi
	mov edx, ebx
	shl edx, 24
	mov eax, V_KICK
	call send_ipi
	pop eax
	lea esi, [ap_done + ebx * 4]
	mov ecx, 1000
	call wait_ge
	popad
	ret

; EAX = vector: the counts of APIC IDs 0-3 as bytes (ID 0 lowest).
packed_counts:
	push ecx
	push edx
	mov ecx, eax
	mov eax, [irq_count + (3 * 256) * 4 + ecx * 4]
	shl eax, 8
	or eax, [irq_count + (2 * 256) * 4 + ecx * 4]
	shl eax, 8
	or eax, [irq_count + (1 * 256) * 4 + ecx * 4]
	shl eax, 8
	or eax, [irq_count + ecx * 4]
	pop edx
	pop ecx
	ret

; EAX = vector: waits (bounded, 1 s) until any CPU counted it, then 10 ms more.
wait_sum1:
	pushad
	mov ebx, eax
	mov eax, 1000
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	add esi, eax
	adc edi, edx
.poll:
	mov eax, ebx
	call packed_counts
	test eax, eax
	jnz .got
	pause
	rdtsc
	sub eax, esi
	sbb edx, edi
	js .poll
.got:
	mov eax, 10
	call wait_ms
	popad
	ret

; EAX = vector, EDX = the expected counts as packed_counts gives them: waits
; (bounded) until they are reached, 10 ms more for extra ones, then ZF set
; when the counts are exactly those (GOT: the counts seen, IDs 0-3 low,
; 4-7 high).
expect_counts:
	pushad
	mov ebx, eax
	mov ebp, edx
	mov eax, 1000
	mul dword [tsc_per_ms]
	mov esi, eax
	mov edi, edx
	rdtsc
	add esi, eax
	adc edi, edx
.poll:
	mov eax, ebx
	call packed_counts
	cmp eax, ebp
	je .settle
	pause
	rdtsc
	sub eax, esi
	sbb edx, edi
	js .poll
.settle:
	mov eax, 10
	call wait_ms
	mov eax, ebx
	call packed_counts
	mov [got_lo], eax
	mov ecx, ebx                    ; GOT high: IDs 4-7 (a wrong APIC ID read)
	mov edx, [irq_count + (7 * 256) * 4 + ecx * 4]
	shl edx, 8
	or edx, [irq_count + (6 * 256) * 4 + ecx * 4]
	shl edx, 8
	or edx, [irq_count + (5 * 256) * 4 + ecx * 4]
	shl edx, 8
	or edx, [irq_count + (4 * 256) * 4 + ecx * 4]
	mov [got_hi], edx
	cmp eax, ebp
	popad
	ret

; --- the APs ----------------------------------------------------------------
AP_TRAMPOLINE                           ; guests/apic.inc: real mode to ap_pm32

ap_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov eax, 1
	lock xadd [ap_slot], eax        ; EAX = this AP's slot
	cmp eax, AP_SLOTS
	jae .park
	inc eax
	imul eax, eax, AP_STACK
	lea esp, [AP_STACKS + eax]
	lgdt [gdt_ptr]                  ; lib32's GDT: the same selectors
	jmp 0x08:.reload
.reload:
	call idt256_load
	call apic_setup
	call cur_apic_id
	mov ebx, eax
	lock inc dword [ap_started + ebx * 4]
	lock inc dword [ap_count]
.loop:
	cli
	cmp dword [ap_cmd + ebx * 4], 0
	jne .run
	sti                             ; STI; HLT: no wake-up lost in between
	hlt
	jmp .loop
.run:
	mov esi, [ap_cmd + ebx * 4]
.pair:
	mov eax, [esi]
	test eax, eax
	jz .end
	mov edx, [esi + 4]
	mov [APIC + eax], edx
	add esi, 8
	cmp eax, APIC_ICR_LO
	jne .pair
	mov ecx, 1000000
.busy:
	test dword [APIC + APIC_ICR_LO], ICR_BUSY
	jz .pair
	pause
	dec ecx
	jnz .busy
	jmp .pair
.end:
	mov dword [ap_cmd + ebx * 4], 0
	lock inc dword [ap_done + ebx * 4]
	jmp .loop
.park:
	cli
	hlt
	jmp .park

; Work for the APs: (APIC register, value) pairs, 0-terminated.
cmd_to_bsp:      dd APIC_ICR_HI, 0 << 24, APIC_ICR_LO, V_TOBSP, 0
cmd_to_ap3:      dd APIC_ICR_HI, 3 << 24, APIC_ICR_LO, V_AP2AP, 0
cmd_self:        dd APIC_ICR_HI, 0, APIC_ICR_LO, ICR_SELF | V_APSELF, 0
cmd_cluster_ap1: dd APIC_DFR, 0x0fffffff, APIC_LDR, 0x11000000, 0
cmd_cluster_ap2: dd APIC_DFR, 0x0fffffff, APIC_LDR, 0x12000000, 0
cmd_cluster_ap3: dd APIC_DFR, 0x0fffffff, APIC_LDR, 0x21000000, 0

msg_hello: db "ipi32: starting APs 1-3 with INIT-SIPI-SIPI", 13, 10, 0
align 64
ap_count:   dd 0
ap_slot:    dd 0
align 64
ap_started: times MAX_IDS dd 0
ap_cmd:     times MAX_IDS dd 0
ap_done:    times MAX_IDS dd 0
