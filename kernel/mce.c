/* SPDX-License-Identifier: BSD-2-Clause */
/* Machine-check banks: read, logged, cleared (kernel/mce.h). */
#include "kernel/mce.h"
#include "kernel/lib/fmt.h"
#include "kernel/log.h"
#include "kernel/x86.h"

#define MSR_MCG_CAP    0x179u
#define MSR_MCG_STATUS 0x17au
#define MSR_MC_STATUS(i) (0x401u + 4 * (i))	/* APM Vol.2 9.3.2: CTL, STATUS, ADDR, MISC */
#define MSR_MC_ADDR(i)   (0x402u + 4 * (i))
#define MCG_CAP_COUNT  0xffull		/* banks */
#define MCG_STATUS_RIPV (1ull << 0)	/* the interrupted RIP may be resumed */
#define MCG_STATUS_MCIP (1ull << 2)	/* a machine check is in progress */
#define MC_STATUS_VAL  (1ull << 63)	/* the bank holds an error */
#define MC_STATUS_UC   (1ull << 61)	/* uncorrected */
#define MC_STATUS_ADDRV (1ull << 58)	/* MCi_ADDR is valid */
#define MC_STATUS_PCC  (1ull << 57)	/* processor context corrupt */
#define CPUID_1_EDX_MCA (1u << 14)

bool mce_report(char *summary, size_t n)
{
	uint64_t cap, status;
	unsigned banks, found = 0;
	bool pcc = false;

	fmt_snprintf(summary, n, "no bank holds an error");
	if (!(cpuid(1, 0).edx & CPUID_1_EDX_MCA))
		return true;
	cap = rdmsr(MSR_MCG_CAP);
	status = rdmsr(MSR_MCG_STATUS);
	banks = (unsigned)(cap & MCG_CAP_COUNT);
	for (unsigned i = 0; i < banks && i < 32; i++) {
		uint64_t st = rdmsr(MSR_MC_STATUS(i));
		uint64_t addr = st & MC_STATUS_ADDRV ? rdmsr(MSR_MC_ADDR(i)) : 0;

		if (!(st & MC_STATUS_VAL))
			continue;
		log_error("mce: bank %u status %#lx%s%s address %#lx", i, st,
			  st & MC_STATUS_UC ? " uncorrected" : " corrected",
			  st & MC_STATUS_PCC ? " context corrupt" : "", addr);
		if (!found++)
			fmt_snprintf(summary, n, "bank %u status %#lx%s", i, st,
				     st & MC_STATUS_UC ? " (uncorrected)" : " (corrected)");
		pcc |= st & MC_STATUS_PCC;
		wrmsr(MSR_MC_STATUS(i), 0);
	}
	log_error("mce: MCG_STATUS %#lx, %u bank%s with errors", status, found, found == 1 ? "" : "s");
	wrmsr(MSR_MCG_STATUS, status & ~MCG_STATUS_MCIP);
	return (status & MCG_STATUS_RIPV) && !pcc;
}
