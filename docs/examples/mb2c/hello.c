/* SPDX-License-Identifier: BSD-2-Clause */
/* A freestanding Multiboot2 guest in C: a line on COM1, then the VM ends
 * through the debug-exit port. */
#include <stdint.h>

#define COM1        0x3f8
#define DEBUG_EXIT  0xf4
#define MB2_BOOTED  0x36d76289	/* EAX from a Multiboot2 loader */

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static void puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & 0x20))	/* LSR bit 5: ready for a byte */
			;
		outb(COM1, (uint8_t)*s);
	}
}

void guest_main(uint32_t magic, uint32_t boot_info);

void guest_main(uint32_t magic, uint32_t boot_info)
{
	(void)boot_info;	/* Multiboot2 tags: command line, memory map, modules */
	puts("hello from my Multiboot2 guest\r\n");
	outb(DEBUG_EXIT, magic == MB2_BOOTED ? 0 : 1);
}
