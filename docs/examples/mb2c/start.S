/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot2 header and 32-bit entry of the C example guest (GNU as,
 * assembled by gcc -m32). The loader finds the header in the file's first
 * 32 KiB; linker.ld puts it first. */
	.set MB2_MAGIC, 0xe85250d6
	.set MB2_ARCH, 0			/* i386: 32-bit protected mode */
	.set MB2_LENGTH, mb2_header_end - mb2_header

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH
	.long MB2_LENGTH
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH + MB2_LENGTH)	/* checksum */
	.word 0, 0				/* end tag: type 0, flags 0 */
	.long 8					/* and its size */
mb2_header_end:

	.text
	.globl _start
_start:
	/* 32-bit protected mode, paging and interrupts off, flat segments;
	 * EAX = 0x36d76289, EBX = the boot information. No stack yet. */
	mov $stack_top, %esp
	push %ebx
	push %eax
	call guest_main
1:	hlt				/* interrupts are off: the VM stops */
	jmp 1b

	.bss
	.balign 16
	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
