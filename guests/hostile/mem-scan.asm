; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: read guest-physical space above RAM page by page with paging off, looking for anything that is not all ones or the two devices
; class: mem
; guest: every read above RAM (16 MiB) returns 0xffffffff (nobody decodes it: a PCI master abort), except the local APIC page (version register 0x00050014) and the I/O APIC page (version register 0x00170020); in particular no read ever returns RAM of the witness or of the hypervisor
; hypervisor: "vm hostile: read of 4 bytes at unassigned GPA ...: all ones (reported once)" for the first 64 pages, nothing else; one nested page fault per page read
; others: the witness beats on, its RAM intact
;
; Real AMD hardware: with nested paging, a guest-physical address outside
; the VM's nested page tables faults to the hypervisor, which emulates the
; access (docs/cpu.md "Device memory"): reads of space nobody decodes
; return all ones. The witness's pattern (address XOR a seed) is never all
; ones across two pages, so all ones everywhere also shows that none of its
; RAM, nor the hypervisor's, is visible.
;
; Coverage: every 4 KiB page from 16 MiB up to 1 GiB (258048 reads), then
; one read per 2 MiB up to 4 GiB (1534 reads), and every page of
; [0xfec00000, 0xfee01000) around the two devices (511 reads). Each read
; is an exit (a nested page fault and the emulation of the MOV): 4600 to
; 11000 a second under QEMU's TCG, depending on the host's load (the dense
; part took 22-56 s there), about 1400 a second of TSC under Bochs. The
; whole 4 GiB (1044480 pages) would take 1.5-4 minutes on QEMU and over 12
; on Bochs, past the deadlines (QEMU 90 s, Bochs 240 s, boot included):
; hence the sparse part above 1 GiB. The dense part also stops after 45 s
; of TSC (a loaded host, or Bochs, whose run took 134-172 s without that
; limit; with it, [16 MiB, 0x10050000) page by page) and reads the rest
; below 1 GiB one page per 64 KiB; the case prints where it stopped and
; the time of each part.
%include "guests/hostile/hostile.inc"

RAM_END      equ 0x1000000
DENSE_END    equ 0x40000000
SPARSE_STEP  equ 0x200000
DEV_START    equ 0xfec00000
DEV_END      equ 0xfee01000
BUDGET_MS    equ 45000

main:
	mov eax, 0x40000010             ; TSC kHz, for the timings printed
	cpuid
	test eax, eax
	jnz .khz
	mov eax, 1000000
.khz:
	mov [khz], eax

	mov eax, [khz]                  ; the dense part's budget: 45 s of TSC
	mov ecx, BUDGET_MS
	mul ecx
	mov ebx, eax
	mov ecx, edx
	rdtsc
	add eax, ebx
	adc edx, ecx
	mov [budget], eax
	mov [budget + 4], edx
	mov byte [use_budget], 1
	mov esi, name_dense
	mov edi, RAM_END
	mov ebx, 0x1000
	mov ecx, DENSE_END
	call sweep
	mov byte [use_budget], 0
	cmp edi, DENSE_END
	je .dense_done
	mov [dense_stop], edi           ; out of time: the rest of [.., 1 GiB) by 64 KiB
	mov esi, msg_budget
	call puts
	mov eax, edi
	call puthex32
	mov esi, msg_nl
	call puts
	mov esi, name_mid
	mov ebx, 0x10000
	mov ecx, DENSE_END
	call sweep
.dense_done:
	mov esi, name_sparse
	mov edi, DENSE_END
	mov ebx, SPARSE_STEP
	xor ecx, ecx                    ; up to 4 GiB (wraps to 0)
	call sweep
	mov esi, name_dev
	mov edi, DEV_START
	mov ebx, 0x1000
	mov ecx, DEV_END
	call sweep
	mov eax, [bad]
	test eax, eax
	mov esi, msg_ones
	call report_zf

	; the devices answer as devices
	mov eax, [LAPIC + 0x30]
	mov [got_lo], eax
	mov dword [got_hi], 0
	cmp eax, 0x00050014
	mov esi, msg_lapic
	call report_got
	mov dword [IOAPIC], 1           ; IOREGSEL: version
	mov eax, [IOAPIC + 0x10]
	mov [got_lo], eax
	cmp eax, 0x00170020
	mov esi, msg_ioapic
	call report_got
	ret

; Reads the dword at each page edi, edi + ebx, ... below ecx (0: 4 GiB),
; skipping the two device pages; counts and prints what is not all ones.
; esi = the sweep's name, printed with its read count and time.
sweep:
	push esi
	mov [sweep_end], ecx
	mov dword [reads], 0
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
.next:
	cmp edi, LAPIC
	je .skip
	cmp edi, IOAPIC
	je .skip
	mov eax, [edi]
	inc dword [reads]
	cmp eax, 0xffffffff
	je .skip
	call found
.skip:
	add edi, ebx
	jc .done                        ; wrapped past 4 GiB
	cmp edi, [sweep_end]
	je .done
	cmp byte [use_budget], 0
	je .next
	test edi, 0xffff                ; the TSC every 64 KiB
	jnz .next
	push edx
	rdtsc
	cmp edx, [budget + 4]
	jne .cmp
	cmp eax, [budget]
.cmp:
	pop edx
	jb .next
.done:
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov ecx, [khz]                  ; ms = ticks / kHz
	cmp edx, ecx
	jae .long
	div ecx
	jmp .print
.long:
	mov eax, -1
.print:
	mov [ms], eax
	pop esi
	call puts
	mov eax, [reads]
	call put_dec
	mov esi, msg_reads
	call puts
	mov eax, [ms]
	call put_dec
	mov esi, msg_ms
	jmp puts

; a value that is not all ones at edi: a line for the first 16
found:
	inc dword [bad]
	cmp dword [bad], 16
	ja .quiet
	push eax
	mov esi, msg_found
	call puts
	mov eax, edi
	call puthex32
	mov esi, msg_colon
	call puts
	pop eax
	call puthex32
	mov esi, msg_nl
	call puts
.quiet:
	ret

khz:       dd 0
sweep_end: dd 0
reads:     dd 0
bad:       dd 0
ms:        dd 0
t0:        dq 0
budget:    dq 0
dense_stop: dd 0
use_budget: db 0

name_dense:  db "every page from 16 MiB on: ", 0
name_mid:    db "one page per 64 KiB up to 1 GiB: ", 0
msg_budget:  db "45 s of TSC spent: every page below 0x", 0
name_sparse: db "one page per 2 MiB [1 GiB, 4 GiB): ", 0
name_dev:    db "every page [0xfec00000, 0xfee01000) but the two devices: ", 0
msg_reads:   db " reads in ", 0
msg_ms:      db " ms", 13, 10, 0
msg_found:   db "  not all ones at 0x", 0
msg_colon:   db ": 0x", 0
msg_ones:    db "every read outside RAM and the devices returned 0xffffffff", 0
msg_lapic:   db "the local APIC page answers: version register 0x00050014", 0
msg_ioapic:  db "the I/O APIC page answers: version register 0x00170020", 0
