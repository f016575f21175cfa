/* SPDX-License-Identifier: BSD-2-Clause */
/* SVM detection, per-core enable and the feature report. AMD APM Vol.2
 * chapter 15. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define MSR_VM_CR       0xc0010114u	/* APM Vol.2 15.30.1 */
#define MSR_VM_HSAVE_PA 0xc0010117u	/* APM Vol.2 15.30.4 */
#define VM_CR_LOCK      (1ull << 3)
#define VM_CR_SVMDIS    (1ull << 4)

/* CPUID 0x8000000A EDX, APM Vol.3 E.4.10 */
#define SVM_FEAT_NPT            (1u << 0)
#define SVM_FEAT_LBRV           (1u << 1)
#define SVM_FEAT_SVML           (1u << 2)
#define SVM_FEAT_NRIPS          (1u << 3)
#define SVM_FEAT_TSC_RATE       (1u << 4)
#define SVM_FEAT_VMCB_CLEAN     (1u << 5)
#define SVM_FEAT_FLUSH_BY_ASID  (1u << 6)
#define SVM_FEAT_DECODE_ASSISTS (1u << 7)
#define SVM_FEAT_PAUSE_FILTER   (1u << 10)
#define SVM_FEAT_PAUSE_THRESHOLD (1u << 12)
#define SVM_FEAT_AVIC           (1u << 13)
#define SVM_FEAT_VMSAVE_VIRT    (1u << 15)
#define SVM_FEAT_VGIF           (1u << 16)

/* What CPUID 0x8000000A says, read once on the boot CPU. */
struct svm_caps {
	bool present;		/* CPUID 0x80000001 ECX.SVM */
	uint32_t revision;	/* EAX[7:0] */
	uint32_t nr_asids;	/* EBX */
	uint32_t features;	/* EDX */
};

extern struct svm_caps svm_caps;
/* The host has XSAVE (CR4.OSXSAVE is set on every core with SVM), IBPB. */
extern bool svm_host_xsave, svm_host_ibpb;

/* Reads CPUID on the boot CPU. */
void svm_detect(void);

/* Turns SVM on for the calling CPU: VM_CR check, EFER.SVME, a host-save
 * page. Returns NULL on success, else why this core cannot run guests. */
const char *svm_enable_cpu(uint64_t *hsave_pa, uint64_t *host_vmcb_pa);

/* VMSAVE of the calling CPU's FS, GS, TR, LDTR, STAR..., SYSENTER state into
 * the page at vmcb_pa (svm/vmrun.asm). */
void svm_vmsave(uint64_t vmcb_pa);

struct cpu;
struct asid_core;

/* The smp cpu_up hook: SVM on for the calling CPU c (svm_enable_cpu) and
 * its guest ASIDs; sets c->svm_on, hsave_pa and host_vmcb_pa, or says why
 * the core is out of service for guests. */
void svm_cpu_up(struct cpu *c);

/* The guest ASIDs of CPU cpu_id (its own core only). */
struct asid_core *svm_core_asid(uint32_t cpu_id);

/* One line per feature, present or not, and what svmvisor does, through
 * line (the boot log, or the console's features command). */
void svm_report(void (*line)(const char *text, void *ctx), void *ctx);
