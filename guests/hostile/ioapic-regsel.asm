; SPDX-License-Identifier: BSD-2-Clause
; HOSTILE: the I/O APIC abused: IOREGSEL set to each index 0x00-0xFF with IOWIN read and written (each register's own value back, 0xFFFFFFFF where no register is), IOWIN read and written as bytes, words and dwords at each offset 0x10-0x13, every other offset 0x00-0x43 and each 16-byte slot up to 0xFF0 read and written, the EOI register written with each vector, then all 24 entries given vectors 0-15 (fixed, edge, this vCPU) and pins 2 (PIT) and 8 (RTC) asserted
; class: irq
; guest: after all that the ID register is unchanged, the version reads 0x00170020 (82093AA-style version 0x20, 24 entries), the arbitration register has only bits 27:24, IOREGSEL and every register read back, and the entries keep the vectors 0-15 written; the messages with vectors 0-15 set ESR "receive illegal vector" and nothing is delivered (no gate 0-15 taken, no vector counted, IRR and ISR empty); a legal entry (vector 0x42 on pin 2) then still delivers
; hypervisor: nothing: only aligned dword accesses to IOREGSEL, IOWIN and EOI decode (drivers/virt/vioapic.c vioapic_access), indexes with no register read 0 and drop writes, and the receiving local APIC refuses vectors below 16 (vlapic_accept)
; others: the witness beats on, its RAM intact and its APIC idle
;
; Real hardware (Intel 82093AA data sheet 3.0-3.2; ICH datasheets, I/O
; APIC): IOREGSEL (+0x00) bits 7:0 select the register IOWIN (+0x10)
; shows; both are accessed as dwords only ("accesses must be done a DWord
; at a time"), so what narrower or unaligned accesses do is not defined;
; this case's writes of that kind carry each register's own bytes (and
; 0xFF bytes where IOREGSEL selects 0xFF, which has no register), so a
; part that decoded them byte by byte would end with the same registers.
; ID (0x00) has bits 27:24, version (0x01) is read-only 0x00170020 for an
; ICH-style I/O APIC with the EOI register (version 0x20) and 24 entries,
; arbitration (0x02) is read-only with bits 27:24; indexes 0x03-0x0F and
; 0x40-0xFF select no register. Entry vectors are read/write (valid range
; 0x10-0xFE); a fixed message with a vector 0-15 is refused by the local
; APIC that receives it, which sets "receive illegal vector" in its ESR
; (Intel SDM Vol.3 10.5.3, AMD APM Vol.2 16.4.8). The 8259s stay masked.
%include "guests/hostile/hostile.inc"
%define PC_HELPERS
%include "guests/apic.inc"

ESR_RECV  equ 0x40
V_LEGAL   equ 0x42
PINS      equ 24
FILLER    equ 0xff                      ; IOREGSEL with no register; the bytes written elsewhere

%macro PASS_IF 1                        ; ZF set when condition code %1 holds
	set%-1 al
	test al, al
%endmacro

main:
	call apic_guest_init
	call low_gates
	call apic_setup
	mov al, 0xff                    ; both 8259s masked
	out 0x21, al
	out 0xa1, al
	mov esi, msg_hello
	call puts
	call snapshot                   ; snap[] = registers 0x00-0x3F
	mov eax, [snap]
	mov [id0], eax

	call sweep
	call compare
	GOT eax
	mov eax, [regsel_bad]
	mov [got_hi], eax
	or eax, [got_lo]
	REPORT "IOREGSEL 0x00-0xFF: reads back; each register written back and 0xFFFFFFFF to empty indexes: registers unchanged"

	call narrow
	call compare
	GOT eax
	mov ecx, [diff]
	mov [got_hi], ecx
	test eax, eax
	REPORT "IOWIN as bytes, words and unaligned dwords at 0x10-0x13: every register unchanged"

	call offsets
	call compare
	GOT eax
	mov ecx, [diff]
	mov [got_hi], ecx
	test eax, eax
	REPORT "other offsets 0x00-0x43 and slots to 0xFF0, EOI with every vector: every register unchanged"

	call low_vectors

	mov ecx, IOAPIC_VER
	call ioapic_read
	GOT eax
	cmp eax, 0x00170020
	REPORT "version register reads 0x00170020 after the abuse"
	xor ecx, ecx
	call ioapic_read
	GOT eax
	cmp eax, [id0]
	REPORT "ID register unchanged after the abuse"
	mov ecx, 2
	call ioapic_read
	GOT eax
	test eax, ~0x0f000000
	REPORT "arbitration register: only bits 27:24 after the abuse"
	mov dword [IOAPIC + IOAPIC_REGSEL], 0x5a
	mov eax, [IOAPIC + IOAPIC_REGSEL]
	GOT eax
	and eax, 0xff
	cmp eax, 0x5a
	REPORT "IOREGSEL still reads back what was written"

	call legal_case
	ret

; snap[i] = register i, 0x00-0x3F (dword accesses only).
snapshot:
	pushad
	xor ecx, ecx
.r:
	call ioapic_read
	mov [snap + ecx * 4], eax
	inc ecx
	cmp ecx, 0x40
	jb .r
	popad
	ret

; EAX = the number of registers 0x00-0x02, 0x10-0x3F that differ from
; snap[], ZF set when none; [diff] = the last index that did.
compare:
	push ecx
	push edx
	xor edx, edx
	xor ecx, ecx
.r:
	cmp ecx, 3
	jne .real
	mov ecx, 0x10
.real:
	call ioapic_read
	cmp eax, [snap + ecx * 4]
	je .same
	inc edx
	mov [diff], ecx
.same:
	inc ecx
	cmp ecx, 0x40
	jb .r
	mov eax, edx
	test eax, eax
	pop edx
	pop ecx
	ret

; ZF set when index ECX has a register (0x00-0x02, 0x10-0x3F).
real_index:
	cmp ecx, 3
	jb .yes
	cmp ecx, 0x10
	jb .no
	cmp ecx, 0x40
	jb .yes
.no:
	or ecx, ecx                     ; ECX >= 3: not zero, ZF clear
	ret
.yes:
	cmp ecx, ecx
	ret

; --- IOREGSEL 0x00-0xFF ----------------------------------------------------------
sweep:
	pushad
	xor ecx, ecx
.idx:
	mov [IOAPIC + IOAPIC_REGSEL], ecx
	mov eax, [IOAPIC + IOAPIC_REGSEL]
	and eax, 0xff
	cmp eax, ecx
	je .sel_ok
	inc dword [regsel_bad]
.sel_ok:
	mov eax, [IOAPIC + IOAPIC_WIN]
	call real_index
	je .back
	mov eax, 0xffffffff
.back:
	mov [IOAPIC + IOAPIC_WIN], eax
	inc ecx
	cmp ecx, 0x100
	jb .idx
	popad
	ret

; --- IOWIN narrower and unaligned ---------------------------------------------------
; For each register: byte reads at 0x10-0x13, word reads at 0x10-0x13,
; dword reads at 0x11-0x13; then the same writes, each carrying the
; register's own bytes at the addresses it covers (0 beyond 0x13).
narrow:
	pushad
	xor ecx, ecx
.reg:
	call real_index
	jne .next
	mov [IOAPIC + IOAPIC_REGSEL], ecx
	mov edx, [IOAPIC + IOAPIC_WIN]          ; the value
	xor ebx, ebx
.rd:
	mov al, [IOAPIC + IOAPIC_WIN + ebx]
	mov ax, [IOAPIC + IOAPIC_WIN + ebx]
	test ebx, ebx
	jz .rd_next
	mov eax, [IOAPIC + IOAPIC_WIN + ebx]
.rd_next:
	inc ebx
	cmp ebx, 4
	jb .rd
	xor ebx, ebx
.wr:
	push ecx
	lea ecx, [ebx * 8]
	mov eax, edx
	shr eax, cl                     ; the bytes from offset 0x10 + EBX on
	pop ecx
	mov [IOAPIC + IOAPIC_WIN + ebx], al
	mov [IOAPIC + IOAPIC_WIN + ebx], ax
	test ebx, ebx
	jz .wr_next
	mov [IOAPIC + IOAPIC_WIN + ebx], eax
.wr_next:
	inc ebx
	cmp ebx, 4
	jb .wr
.next:
	inc ecx
	cmp ecx, 0x40
	jb .reg
	popad
	ret

; --- every other offset -------------------------------------------------------------
; IOREGSEL = 0xFF (no register) first: every byte written is 0xFF, so
; whatever an access reaches, it selects or writes nothing that exists.
offsets:
	pushad
	mov dword [IOAPIC + IOAPIC_REGSEL], FILLER
	xor ebx, ebx
.off:
	cmp ebx, IOAPIC_WIN
	jb .go
	cmp ebx, IOAPIC_WIN + 4
	jb .skip                        ; IOWIN: done above
.go:
	mov al, [IOAPIC + ebx]
	mov byte [IOAPIC + ebx], FILLER
	mov ax, [IOAPIC + ebx]
	mov word [IOAPIC + ebx], 0xffff
	test ebx, 3
	jnz .dword                      ; unaligned dword
	cmp ebx, IOAPIC_REGSEL
	je .skip                        ; the decoded dwords: not here
	cmp ebx, IOAPIC_EOIR
	je .skip
.dword:
	mov eax, [IOAPIC + ebx]
	mov dword [IOAPIC + ebx], 0xffffffff
.skip:
	inc ebx
	cmp ebx, IOAPIC_EOIR + 4
	jb .off

	mov ebx, 0x50                   ; one dword per 16-byte slot above
.slot:
	mov eax, [IOAPIC + ebx]
	mov dword [IOAPIC + ebx], 0xffffffff
	add ebx, 0x10
	cmp ebx, 0x1000
	jb .slot

	xor eax, eax                    ; EOI with every vector (no level entry waits)
.eoi:
	mov [IOAPIC + IOAPIC_EOIR], eax
	inc eax
	cmp eax, 0x100
	jb .eoi
	popad
	ret

; --- entries with vectors 0-15 ------------------------------------------------------
low_vectors:
	pushad
	mov edx, [cpuid_apic_id]
	shl edx, 24
	xor ecx, ecx
.pin:
	mov eax, ecx
	and eax, 15                     ; fixed, physical, edge, active high, unmasked
	call ioapic_rte
	push ecx
	lea ecx, [IOAPIC_RTE + ecx * 2]
	call ioapic_read
	pop ecx
	and eax, 0x1afff                ; all but delivery status and remote IRR
	mov ebx, ecx
	and ebx, 15
	cmp eax, ebx
	je .kept
	inc dword [rte_bad]
	mov [rte_last], ecx
.kept:
	inc ecx
	cmp ecx, PINS
	jb .pin
	cmp dword [rte_bad], 0
	GOT [rte_bad]
	mov eax, [rte_last]
	mov [got_hi], eax
	REPORT "entries 0-23 keep vectors 0-15 (fixed, edge, physical, unmasked) as written"

	call esr_clear
	call pit0_1khz                  ; pin 2
	mov al, 0x0a                    ; RTC at 1024 Hz (pin 8)
	mov ah, 0x26
	call cmos_write
	mov al, 0x0c
	call cmos_read
	call pie_on
	mov ecx, 20                     ; 20 ms of IF=1, register C read each ms
.ms:
	mov eax, 1
	call window
	mov al, 0x0c
	call cmos_read
	loop .ms
	call pit0_stop
	call pie_off
	mov eax, 2
	call window
	call mask_all
	call esr_read
	mov ebx, eax
	call arrived
	mov [got_lo], eax
	mov [got_hi], ebx
	jnz .bad
	test ebx, ESR_RECV
	jz .bad
	xor eax, eax
.bad:
	mov esi, case_low
	call report_got
	popad
	ret

; --- afterwards a legal entry still delivers ----------------------------------------
; Its own gate: counts, stops the PIT at the third (under Bochs an MMIO
; exit, the EOI, outlasts the PIT's 1 ms period, so the interrupts would
; leave the waiting code no time), EOIs.
legal_case:
	pushad
	mov eax, legal_isr
	mov ecx, V_LEGAL
	call idt256_build.gate
	mov edx, [cpuid_apic_id]
	shl edx, 24
	mov eax, V_LEGAL
	mov ecx, 2
	call ioapic_rte
	call pit0_1khz
	mov esi, legal_count
	mov eax, 3
	mov ecx, 500
	sti
	call wait_ge
	cli
	pushfd
	call pit0_stop
	call mask_all
	mov eax, 2
	call window
	popfd
	GOT [legal_count]
	REPORT "then pin 2 with vector 0x42 delivers the PIT's IRQ0 (3 within 500 ms)"
	popad
	ret

legal_isr:
	push eax
	inc dword [legal_count]
	cmp dword [legal_count], 3
	jb .eoi
	mov al, 0x30                    ; counter 0 stopped (control word, no count)
	out 0x43, al
.eoi:
	mov dword [APIC + APIC_EOI], 0
	pop eax
	iretd

mask_all:                               ; every entry masked, vector 0x20
	pushad
	xor ecx, ecx
.pin:
	mov eax, RTE_MASKED | 0x20
	xor edx, edx
	call ioapic_rte
	inc ecx
	cmp ecx, PINS
	jb .pin
	popad
	ret

pit0_1khz:                              ; counter 0, mode 2, 1193 (1 kHz)
	mov al, 0x34
	out 0x43, al
	mov al, 1193 & 0xff
	out 0x40, al
	mov al, 1193 >> 8
	out 0x40, al
	ret

pit0_stop:                              ; mode 0, count 0xFFFF
	mov al, 0x30
	out 0x43, al
	mov al, 0xff
	out 0x40, al
	out 0x40, al
	ret

pie_on:
	push eax
	mov al, 0x0b
	call cmos_read
	or al, 0x40
	mov ah, al
	mov al, 0x0b
	call cmos_write
	pop eax
	ret

pie_off:                                ; PIE clear, then C read (IRQ8 low)
	push eax
	mov al, 0x0b
	call cmos_read
	and al, ~0x40
	mov ah, al
	mov al, 0x0b
	call cmos_write
	mov al, 0x0c
	call cmos_read
	pop eax
	ret

%include "guests/hostile/irq.inc"
align 4
id0:        dd 0
diff:       dd 0
regsel_bad: dd 0
rte_bad:    dd 0
rte_last:   dd 0
legal_count: dd 0
snap:       times 0x40 dd 0
low_count:  times 16 dd 0

msg_hello: db "ioapic-regsel: IOREGSEL, IOWIN and the I/O APIC page abused", 13, 10, 0
case_low:  db "vectors 0-15 on pins 2 and 8: ESR receive illegal, nothing delivered", 0
