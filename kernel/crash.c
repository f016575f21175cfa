/* SPDX-License-Identifier: BSD-2-Clause */
/* crash=: raise an exception on purpose, to prove the exception path and the
 * page protections end in a register dump. Each case is the smallest code
 * that makes the CPU itself raise the fault. */
#include "kernel/crash.h"
#include "kernel/log.h"

static uint8_t data_ret[16] = { 0xc3 };	/* a RET in non-executable .data */

void crash_now(enum crash_kind k)
{
	log_info("crash=: raising %s on purpose", crash_kind_name(k));
	switch (k) {
	case CRASH_NONE:
		return;
	case CRASH_DE:
		__asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "rax", "rcx", "rdx");
		break;
	case CRASH_BP:
		__asm__ volatile("int3");
		break;
	case CRASH_UD:
		__asm__ volatile("ud2");
		break;
	case CRASH_GP:	/* non-canonical address, APM Vol.2 5.3.1 */
		__asm__ volatile("movabs $0x8000000000000000, %%rax; mov (%%rax), %%rax" ::: "rax");
		break;
	case CRASH_PF:	/* page 0 is never mapped */
		__asm__ volatile("mov 0x10, %%rax" ::: "rax");
		break;
	case CRASH_PF_WRITE_TEXT:
		__asm__ volatile("movb $0x90, (%0)" ::"r"(crash_now) : "memory");
		break;
	case CRASH_PF_EXEC_DATA:
		((void (*)(void))(uintptr_t)data_ret)();
		break;
	case CRASH_NMI:	/* the handler reports and returns: not a fault */
		__asm__ volatile("int $2");
		log_info("crash=nmi: the NMI handler returned; carrying on");
		return;
	case CRASH_DF:	/* #PF while pushing the #PF frame onto page 0 */
		__asm__ volatile("mov $0x1000, %%rsp; push %%rax" ::: "memory");
		break;
	}
	log_error("crash=%s: the CPU did not fault", crash_kind_name(k));
}
