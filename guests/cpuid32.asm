; A 32-bit protected-mode self-test guest, loaded as a flat binary at 1 MiB
; and entered with flat 4 GiB segments, paging off. It checks the CPUID view
; the hypervisor gives it and reports one PASS/FAIL line per case on COM1,
; then ends through the debug-exit port with the number of failures.

bits 32
org 0x100000

COM1      equ 0x3f8
DEBUG_EXIT equ 0xf4

start:
	mov esp, stack_top
	xor ebp, ebp                    ; failures

	mov esi, msg_hello
	call puts

	; CPUID 0x80000001 ECX bit 2 (SVM) must be hidden.
	mov eax, 0x80000001
	cpuid
	test ecx, 1 << 2
	mov esi, case_svm_hidden
	call report_zf

	; CPUID 1 ECX bit 31: a hypervisor is present.
	mov eax, 1
	cpuid
	bt ecx, 31
	setnc al
	test al, al                     ; ZF=1 when the bit is set
	mov esi, case_hv_bit
	call report_zf

	; CPUID 0x40000000: the svmvisor signature.
	mov eax, 0x40000000
	cpuid
	cmp ebx, 'svmv'
	jne .sig_done
	cmp ecx, 'isor'
.sig_done:
	mov esi, case_signature
	call report_zf

	; Unassigned ports read all ones.
	mov dx, 0x2f0
	in al, dx
	cmp al, 0xff
	mov esi, case_unassigned
	call report_zf

	mov eax, ebp
	mov dx, DEBUG_EXIT
	out dx, al
	hlt                             ; not reached: the VM has stopped

; Prints "PASS name" if ZF is set, else "FAIL name" and counts it. ESI = name.
report_zf:
	jz .pass
	inc ebp
	push esi
	mov esi, msg_fail
	call puts
	pop esi
	jmp .name
.pass:
	push esi
	mov esi, msg_pass
	call puts
	pop esi
.name:
	call puts
	mov esi, msg_nl
	jmp puts

; Polled 16550 output of the NUL-terminated string at ESI.
puts:
	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp puts
.done:
	ret

msg_hello:       db "cpuid32: protected mode guest up", 13, 10, 0
msg_pass:        db "PASS ", 0
msg_fail:        db "FAIL ", 0
msg_nl:          db 13, 10, 0
case_svm_hidden: db "cpuid: SVM hidden", 0
case_hv_bit:     db "cpuid: hypervisor bit set", 0
case_signature:  db "cpuid: 0x40000000 signature svmvisor", 0
case_unassigned: db "io: unassigned port reads all ones", 0

align 16
stack: times 1024 db 0
stack_top:
