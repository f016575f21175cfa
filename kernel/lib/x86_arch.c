/* SPDX-License-Identifier: BSD-2-Clause */
/* Names of the exception vectors, APM Vol.2 8.2 table 8-1. Pure. */
#include <stddef.h>
#include "kernel/lib/x86_arch.h"

static const struct {
	const char *name, *what;
} exceptions[NR_EXCEPTIONS] = {
	[EXC_DE] = { "#DE", "divide error" },	[EXC_DB] = { "#DB", "debug" },
	[EXC_NMI] = { "NMI", "non-maskable interrupt" }, [EXC_BP] = { "#BP", "breakpoint" },
	[EXC_OF] = { "#OF", "overflow" },	[EXC_BR] = { "#BR", "bound range" },
	[EXC_UD] = { "#UD", "invalid opcode" }, [EXC_NM] = { "#NM", "device not available" },
	[EXC_DF] = { "#DF", "double fault" },	[EXC_TS] = { "#TS", "invalid TSS" },
	[EXC_NP] = { "#NP", "segment not present" }, [EXC_SS] = { "#SS", "stack fault" },
	[EXC_GP] = { "#GP", "general protection" }, [EXC_PF] = { "#PF", "page fault" },
	[EXC_MF] = { "#MF", "x87 floating point" }, [EXC_AC] = { "#AC", "alignment check" },
	[EXC_MC] = { "#MC", "machine check" },	[EXC_XF] = { "#XF", "SIMD floating point" },
	[EXC_VE] = { "#VE", "virtualization" }, [EXC_CP] = { "#CP", "control protection" },
	[9] = { NULL, "coprocessor segment overrun" }, [28] = { "#HV", "hypervisor injection" },
	[29] = { "#VC", "VMM communication" },	[30] = { "#SX", "security" },
};

const char *exc_name(unsigned vector)
{
	return vector < NR_EXCEPTIONS ? exceptions[vector].name : NULL;
}

const char *exc_description(unsigned vector)
{
	return vector < NR_EXCEPTIONS && exceptions[vector].what ? exceptions[vector].what :
								  "reserved";
}
