; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: the bytes of a local APIC read change between the CPU's execution and the hypervisor's fetch: the code page's PTE is switched to another frame without INVLPG, so the CPU runs MOV EAX, [0xFEE00030] from its stale TLB entry while the page tables hold, at the same address, MOV EAX, EBX (no memory access), MOV [0x3F0030], EAX (a RAM write at the faulting page offset) or MOV [0x3F0040], EAX (a RAM write elsewhere); 40 trials of each
; class: emul
; guest: every trial ends as one of the two instructions would have ended it, as the CPU may use the old or the new translation: EAX = the version register with RAM untouched, or the other instruction's effect (EAX = EBX; the dword at 0x3F0030 or 0x3F0040 = EAX); never #UD, never neither, never a write anywhere else
; hypervisor: the VM is not stopped; no RAM outside the guest's own is touched (the emulator writes only through the guest's page tables)
; others: the witness beats on, its RAM intact
;
; Two vCPUs of this VM (one executing the access, one rewriting its bytes)
; are not possible here: the suite gives the case's VM line `cpus=1`, a key
; may appear once per line and a core may carry one vCPU. One vCPU makes the
; same mismatch with the TLB instead: after a PTE changes, the processor
; may go on using the old translation until INVLPG or a CR3 load (APM
; Vol.2 5.5.3, "TLB Management"), so it can execute the old frame's
; instruction while a walk of the page tables finds the new frame's. On
; hardware with decode assists the hypervisor gets the executed bytes from
; the VMCB and cannot see the difference. QEMU 7.2 and Bochs have no decode
; assists; svm/mmio.c then fetches the bytes through the guest's page
; tables (the new frame) and executes an instruction the CPU did not run.
;
; Layout: 32-bit paging, 4 KiB pages identity-mapping 0-4 MiB; code page
; 0x300000 maps frame 0x300000 (the APIC read) or, in a trial, frame
; 0x301000, 0x302000 or 0x303000; each frame holds its instruction at
; offset 0x100, 6 bytes, then RET. A trial: PTE -> 0x300000, INVLPG, one
; call (runs and refills the TLB), PTE -> the other frame (no INVLPG),
; the call that is judged. Each world switch under QEMU and Bochs loads CR3
; and so empties the guest's TLB; the RET after the first call's exit
; refills it, and nothing exits between the PTE write and the judged call
; unless a host interrupt lands there, which only makes the CPU run the new
; instruction.
%include "guests/hostile/hostile.inc"

PD       equ 0x200000
PT_LOW   equ 0x201000
PT_APIC  equ 0x202000
P_RW     equ 0x003
CODE     equ 0x300000                   ; the code page's linear address
ENTRY    equ CODE + 0x100
PTE      equ PT_LOW + (CODE >> 12) * 4
TARGET   equ 0x3f0000                   ; the RAM the writes aim at
VER      equ LAPIC + 0x030
TRIALS   equ 40
EAX_IN   equ 0x13572468
EBX_IN   equ 0x2468ace0

main:
	mov eax, [VER]
	mov [version], eax
	call build_tables
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax

	mov ebx, 0x301000               ; MOV EAX, EBX
	mov dword [want_at], 0
	mov esi, msg_reg
	call variant
	mov ebx, 0x302000               ; MOV [0x3f0030], EAX
	mov dword [want_at], TARGET + 0x30
	mov esi, msg_same_off
	call variant
	mov ebx, 0x303000               ; MOV [0x3f0040], EAX
	mov dword [want_at], TARGET + 0x40
	mov esi, msg_other_off
	call variant

	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	ret

; EBX = the other frame, [want_at] = the dword its instruction writes (0:
; it writes EAX = EBX into EAX), ESI = the variant's name. TRIALS trials,
; counted as the old instruction's outcome, the new one's, or neither.
variant:
	push esi
	mov dword [n_old], 0
	mov dword [n_new], 0
	mov dword [n_neither], 0
	mov dword [n_ud], 0
	mov edi, TRIALS
.trial:
	push edi
	mov edi, TARGET                 ; the target page: zeros
	mov ecx, 1024
	xor eax, eax
	cld
	rep stosd
	mov dword [PTE], CODE | P_RW
	invlpg [ENTRY]
	TRY call ENTRY                  ; the APIC read, and the TLB refilled
	mov eax, ebx
	or eax, P_RW
	mov [PTE], eax                  ; no INVLPG
	mov eax, EAX_IN
	push ebx
	mov ebx, EBX_IN
	TRY call ENTRY
	pop ebx
	mov [eax_out], eax
	call judge
	pop edi
	dec edi
	jnz .trial
	mov dword [PTE], CODE | P_RW
	invlpg [ENTRY]
	pop esi
	call puts                       ; the counts, then the verdict
	mov esi, msg_counts_old
	call puts
	mov eax, [n_old]
	call put_dec
	mov esi, msg_counts_new
	call puts
	mov eax, [n_new]
	call put_dec
	mov esi, msg_counts_neither
	call puts
	mov eax, [n_neither]
	call put_dec
	mov esi, msg_counts_ud
	call puts
	mov eax, [n_ud]
	call put_dec
	mov esi, msg_close
	call puts
	mov eax, [n_neither]
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp eax, 0
	mov esi, msg_verdict
	jmp report_got

; One trial's outcome: [fault_vector], [eax_out], the target page.
judge:
	cmp dword [fault_vector], 6
	jne .no_ud
	inc dword [n_ud]
.no_ud:
	cmp dword [fault_vector], -1
	jne .neither
	mov ecx, [want_at]              ; the writes the new instruction may make
	mov esi, TARGET
.scan:
	cmp esi, ecx
	je .next
	cmp dword [esi], 0
	jne .neither                    ; a write nobody made
.next:
	add esi, 4
	cmp esi, TARGET + 4096
	jb .scan
	mov eax, [eax_out]
	cmp eax, [version]              ; the old one: EAX = version, no write
	jne .new
	test ecx, ecx
	jz .old
	cmp dword [ecx], 0
	jne .neither
.old:
	inc dword [n_old]
	ret
.new:
	test ecx, ecx
	jnz .new_write
	cmp eax, EBX_IN                 ; MOV EAX, EBX
	jne .neither
	inc dword [n_new]
	ret
.new_write:
	cmp eax, EAX_IN                 ; MOV [x], EAX: EAX kept, x = EAX
	jne .neither
	cmp dword [ecx], EAX_IN
	jne .neither
	inc dword [n_new]
	ret
.neither:
	inc dword [n_neither]
	ret

build_tables:
	mov edi, PD
	mov ecx, 3 * 1024
	xor eax, eax
	cld
	rep stosd
	mov dword [PD], PT_LOW | P_RW
	mov dword [PD + (LAPIC >> 22) * 4], PT_APIC | P_RW
	mov dword [PT_APIC + ((LAPIC >> 12) & 0x3ff) * 4], LAPIC | P_RW
	mov edi, PT_LOW
	mov eax, P_RW
.ident:
	stosd
	add eax, 0x1000
	cmp edi, PT_LOW + 4096
	jb .ident
	mov esi, insn_old               ; the four frames' instructions
	mov edi, 0x300100
	call .put
	mov esi, insn_reg
	mov edi, 0x301100
	call .put
	mov esi, insn_same_off
	mov edi, 0x302100
	call .put
	mov esi, insn_other_off
	mov edi, 0x303100
.put:
	mov ecx, 7
	rep movsb
	ret

insn_old:       db 0x8b, 0x05           ; MOV EAX, [0xfee00030]; RET
	dd VER
	ret
insn_reg:       db 0x89, 0xd8           ; MOV EAX, EBX; 4 NOPs; RET
	db 0x90, 0x90, 0x90, 0x90
	ret
insn_same_off:  db 0x89, 0x05           ; MOV [0x3f0030], EAX; RET
	dd TARGET + 0x30
	ret
insn_other_off: db 0x89, 0x05           ; MOV [0x3f0040], EAX; RET
	dd TARGET + 0x40
	ret

version:   dd 0
want_at:   dd 0
eax_out:   dd 0
n_old:     dd 0
n_new:     dd 0
n_neither: dd 0
n_ud:      dd 0
msg_reg:            db "new bytes MOV EAX, EBX", 0
msg_same_off:       db "new bytes MOV [0x3f0030], EAX", 0
msg_other_off:      db "new bytes MOV [0x3f0040], EAX", 0
msg_counts_old:     db ": old instruction's outcome ", 0
msg_counts_new:     db ", new one's ", 0
msg_counts_neither: db ", neither ", 0
msg_counts_ud:      db " (#UD ", 0
msg_close:          db ")", 13, 10, 0
msg_verdict:        db "every trial ends as the old or the new instruction would (got: 0x0_<neither>)", 0
