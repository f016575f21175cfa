/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU descriptor tables: GDT with a 64-bit TSS whose IST stacks take
 * NMI, #DF and #MC on known-good stacks. */
#include <stdbool.h>
#include "kernel/cpu.h"

struct cpu boot_cpu;
static bool percpu_ready;

/* GDT descriptors, APM Vol.2 4.8: long-mode code (L=1, D=0), flat data,
 * accessed bits preset so the CPU never writes the table. */
#define GDT_CODE64 0x00af9b000000ffffull
#define GDT_DATA   0x00cf93000000ffffull
#define TSS_TYPE_AVAILABLE 0x9ull	/* APM Vol.2 4.8.3 table 4-6 */

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct desc_ptr) == 10, "APM Vol.2 4.6.2: 10-byte pseudo-descriptor");

static void tss_descriptor(uint64_t *slot, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	/* APM Vol.2 4.8.3 figure 4-22: a 16-byte system descriptor. */
	slot[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | TSS_TYPE_AVAILABLE << 40 |
		  1ull << 47 /* P */ | ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	slot[1] = base >> 32;
}

void cpu_init(struct cpu *c, uint32_t id)
{
	struct desc_ptr gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };

	c->self = c;
	c->id = id;
	c->gdt[0] = 0;
	c->gdt[SEL_CODE64 / 8] = GDT_CODE64;
	c->gdt[SEL_DATA / 8] = GDT_DATA;
	tss_descriptor(&c->gdt[SEL_TSS / 8], &c->tss);
	for (int i = 0; i < 3; i++)
		c->tss.ist[IST_NMI - 1 + i] = (uint64_t)&c->ist_stack[i][IST_STACK_SIZE];
	c->tss.iopb = sizeof(c->tss);	/* no I/O bitmap */

	__asm__ volatile("lgdt %0" ::"m"(gdtr));
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %[ds], %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 :
			 : [cs] "i"(SEL_CODE64), [ds] "i"(SEL_DATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	if (id == 0)
		percpu_ready = true;
}

uint32_t cpu_id(void)
{
	return percpu_ready ? this_cpu()->id : 0;
}
