/* SPDX-License-Identifier: BSD-2-Clause */
/* 8259A PIC: firmware leaves IRQ0-7 on vectors 8-15, which are exceptions in
 * long mode. Reprogram both chips (ICW1-4, 8259A data sheet) to vectors
 * 0x30-0x3f and mask every line; the hypervisor uses the LAPIC only. */
#include "drivers/pic.h"
#include "kernel/x86.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086      0x01

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);	/* ICW2: vector base */
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 1 << 2);		/* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);			/* ICW3: cascade identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);			/* OCW1: mask all */
	outb(PIC2_DATA, 0xff);
}
