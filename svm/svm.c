/* SPDX-License-Identifier: BSD-2-Clause */
/* SVM bring-up: the checks of APM Vol.2 15.4 ("Enabling SVM"), then EFER.SVME
 * and VM_HSAVE_PA with a page of our own on each core, and that core's guest
 * ASIDs; the feature report. */
#include "svm/svm.h"
#include "kernel/lib/fmt.h"
#include "kernel/cpu.h"
#include "svm/asid.h"
#include "kernel/log.h"
#include "kernel/x86.h"
#include "mm/frame.h"
#include "mm/memory.h"

struct svm_caps svm_caps;
bool svm_host_xsave, svm_host_ibpb;

void svm_detect(void)
{
	struct svm_caps *c = &svm_caps;

	svm_host_xsave = cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE;
	svm_host_ibpb = cpuid(0x80000000, 0).eax >= 0x80000008 &&
			(cpuid(0x80000008, 0).ebx & CPUID_80000008_EBX_IBPB);

	if (cpuid(0x80000000, 0).eax < 0x8000000a)
		return;
	c->present = cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM;
	if (c->present) {
		struct cpuid_regs r = cpuid(0x8000000a, 0);

		c->revision = r.eax & 0xff;
		c->nr_asids = r.ebx;
		c->features = r.edx;
	}
}

const char *svm_enable_cpu(uint64_t *hsave_pa, uint64_t *host_vmcb_pa)
{
	uint64_t page, host;

	if (!(cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM))
		return "no SVM (CPUID 0x80000001 ECX bit 2 clear)";
	/* APM Vol.2 15.30.1: with SVMDIS set EFER.SVME cannot be set; with LOCK
	 * too only the firmware can change it. */
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return rdmsr(MSR_VM_CR) & VM_CR_LOCK ?
			       "SVM disabled by firmware (VM_CR.SVMDIS, locked): enable SVM in the firmware setup" :
			       "SVM disabled (VM_CR.SVMDIS)";
	if (!(cpuid(0x8000000a, 0).edx & SVM_FEAT_NPT))
		return "no nested paging (CPUID 0x8000000A EDX bit 0): svmvisor requires NPT";
	page = memory_alloc_zeroed_frame();
	host = memory_alloc_zeroed_frame();
	if (!page || !host)
		return "no memory for the host-save page";
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	/* APM Vol.2 15.30.4: VM_HSAVE_PA must be set before the first VMRUN; the
	 * CPU keeps host state there (QEMU and hardware do; Bochs ignores it). */
	wrmsr(MSR_VM_HSAVE_PA, page);
	*hsave_pa = page;
	*host_vmcb_pa = host;	/* VMSAVE/VMLOAD of host hidden state around VMRUN */
	return NULL;
}

struct feature {
	uint32_t bit;
	const char *name;
	const char *if_present;
	const char *if_absent;
};

static const struct feature features[] = {
	{ SVM_FEAT_NPT, "nested paging", "used for all guest memory", "required: no guests" },
	{ SVM_FEAT_NRIPS, "NRIP save", "next RIP from the VMCB", "instruction length decoded from guest memory" },
	{ SVM_FEAT_DECODE_ASSISTS, "decode assists", "used for MOV CR/DR, INVLPG, INTn", "instructions fetched and decoded" },
	{ SVM_FEAT_FLUSH_BY_ASID, "flush-by-ASID", "TLB_CONTROL flushes one ASID", "full TLB flush on ASID reuse" },
	{ SVM_FEAT_VMCB_CLEAN, "VMCB clean bits", "unchanged VMCB areas marked clean", "clean bits always 0" },
	{ SVM_FEAT_VGIF, "VGIF", "guest GIF virtualized", "STGI/CLGI intercepted" },
	{ SVM_FEAT_PAUSE_FILTER, "pause filter", "PAUSE loops exit after a count", "PAUSE not intercepted" },
	{ SVM_FEAT_PAUSE_THRESHOLD, "pause filter threshold", "count resets after quiet periods", "plain count only" },
	{ SVM_FEAT_LBRV, "LBR virtualization", "guest LBRs in the VMCB", "guest LBR MSRs read as 0" },
	{ SVM_FEAT_AVIC, "AVIC", "available for virtual APICs", "APIC emulated on exits" },
	{ SVM_FEAT_TSC_RATE, "TSC ratio", "guest TSC rate adjustable", "guest TSC runs at host rate" },
};

void svm_report(void (*line)(const char *text, void *ctx), void *ctx)
{
	const struct svm_caps *c = &svm_caps;
	char buf[160];

	if (!c->present) {
		line("svm: not advertised by this CPU (CPUID 0x80000001 ECX bit 2)", ctx);
		return;
	}
	fmt_snprintf(buf, sizeof(buf), "svm: revision %u, %u ASIDs, CPUID 0x8000000A EDX %#x",
		     c->revision, c->nr_asids, c->features);
	line(buf, ctx);
	for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];
		bool on = c->features & f->bit;

		fmt_snprintf(buf, sizeof(buf), "svm:   %-22s %-3s %s", f->name, on ? "yes" : "no",
			     on ? f->if_present : f->if_absent);
		line(buf, ctx);
	}
}

/* Each core's guest ASIDs (svm/asid.c), by CPU index. */
static struct asid_core core_asid[MAX_CPUS];

void svm_cpu_up(struct cpu *c)
{
	uint64_t hsave = 0, host_vmcb = 0;
	const char *why = svm_enable_cpu(&hsave, &host_vmcb);

	if (why) {
		log_warn("cpu%u: out of service for guests: %s", c->id, why);
		return;
	}
	if (!asid_core_init(&core_asid[c->id % MAX_CPUS], svm_caps.nr_asids, svm_caps.features & SVM_FEAT_FLUSH_BY_ASID)) {
		log_warn("cpu%u: out of service for guests: no guest ASIDs (CPUID 0x8000000A EBX = %u)",
			 c->id, svm_caps.nr_asids);
		return;
	}
	/* XSETBV needs CR4.OSXSAVE in the host too: the guest's XCR0 is
	 * loaded around VMRUN and the host's (x87 only) put back after. The
	 * host itself never uses x87, SSE or AVX (-mgeneral-regs-only), so
	 * that state stays the guest's on its core. */
	if (svm_host_xsave)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	c->hsave_pa = hsave;
	c->host_vmcb_pa = host_vmcb;
	c->svm_on = true;
}

struct asid_core *svm_core_asid(uint32_t cpu_id)
{
	return &core_asid[cpu_id % MAX_CPUS];
}
