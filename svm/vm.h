/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual machine and its virtual CPUs, as types: the VM's memory behind
 * nested page tables, its I/O and MSR permission maps, its device bus and
 * devices, its console output, its fate; each vCPU's VMCB, registers,
 * mailbox and exit statistics. Only svm/ touches a VMCB. Built by
 * kernel/vm/; run by svm/vcpu.c; controlled through svm/vmctl.h. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "drivers/virt/vioapic.h"
#include "drivers/virt/vlapic.h"
#include "drivers/virt/vpic.h"
#include "drivers/virt/vpit.h"
#include "drivers/virt/vpmtimer.h"
#include "drivers/virt/vrtc.h"
#include "drivers/virt/vsysctl.h"
#include "drivers/virt/vuart.h"
#include "kernel/lib/outring.h"
#include "kernel/log.h"
#include "mm/npt.h"
#include "mm/ramplace.h"
#include "svm/cpuid.h"
#include "svm/msr.h"
#include "svm/asid.h"
#include "svm/vmcb.h"
#include "svm/vmcb_init.h"

struct cpu;


/* Guest GPRs the VMCB does not hold (RAX and RSP live in the save area).
 * Layout shared with svm/vmrun.asm. */
struct guest_regs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
/* Every offset svm/vmrun.asm names (GR_*). */
#define GUEST_REG(r, off) \
	_Static_assert(__builtin_offsetof(struct guest_regs, r) == (off), "svm/vmrun.asm GR_" #r)
GUEST_REG(rbx, 0x00);
GUEST_REG(rcx, 0x08);
GUEST_REG(rdx, 0x10);
GUEST_REG(rsi, 0x18);
GUEST_REG(rdi, 0x20);
GUEST_REG(rbp, 0x28);
GUEST_REG(r8, 0x30);
GUEST_REG(r9, 0x38);
GUEST_REG(r10, 0x40);
GUEST_REG(r11, 0x48);
GUEST_REG(r12, 0x50);
GUEST_REG(r13, 0x58);
GUEST_REG(r14, 0x60);
GUEST_REG(r15, 0x68);
#undef GUEST_REG
_Static_assert(sizeof(struct guest_regs) == 0x70, "svm/vmrun.asm: 14 GPRs");

#define NR_EXIT_STATS 0x100	/* exit codes counted individually; NPF and INVALID apart */
#define TRACE_LEN     32	/* exits kept by the flight recorder */

/* One exit, as the flight recorder keeps it. */
struct exit_record {
	uint64_t tsc, code, info1, info2, rip, intinfo;
};

struct vcpu {
	struct guest_regs regs;	/* first: svm/vmrun.asm takes the vCPU as its regs */
	struct vm *vm;
	uint32_t index;		/* within the VM */
	uint32_t core;		/* physical CPU it is pinned to */
	struct cpu *cpu;	/* that CPU (kicks go to its APIC) */
	struct vmcb *vmcb;	/* identity-mapped: pointer == physical address */
	struct asid_vcpu asid;	/* ASID and TLB flush state (svm/asid.c) */
	/* Requests from other cores (the console): set the bit, then kick the
	 * vCPU's core with an IPI; the run loop acts on them between exits. */
	volatile uint32_t request;
	volatile bool paused;	/* the run loop acknowledges REQ_PAUSE here */
	bool halted;		/* executed HLT: sleeps until an interrupt it can take */
	volatile bool waiting;	/* waits for a STARTUP IPI (or HC_VCPU_START): vcpu1.. at
				 * first, any vCPU after an INIT */
	bool recheck;		/* a handler changed state VMRUN checks: vmcb_check first */
	volatile bool assigned;	/* handed to its core's idle loop */
	volatile bool exited;	/* its core has left the run loop and reported */
	volatile bool start_claimed;	/* HC_VCPU_START has taken it (exactly one caller wins) */
	bool init_reported;	/* a physical INIT was logged for it */
	uint64_t xcr0;		/* the guest's XCR0, live only while it runs */
	uint64_t dr03[4];	/* the guest's DR0-DR3 while it is off its core (svm/vcpu.c) */
	bool dr03_load;		/* load dr03 into the core before the next VMRUN */
	bool cr2_load;		/* load the VMCB's CR2 into the core before the next VMRUN (svm/inject.h) */
	/* Interrupts (svm/apic.c): its local APIC, where it is for senders
	 * deciding whether to kick it, and the NMI state VMCBs do not hold. */
	struct vlapic lapic;
	volatile uint8_t where;	/* VCPU_OUTSIDE or VCPU_KICKABLE */
	bool nmi_pending;	/* an NMI to inject (IPI, LINT, console) */
	bool nmi_masked;	/* one was injected; its handler's IRET has not run */
	bool nmi_iret_step;	/* single-stepping that IRET (TF is ours for it) */
	bool nmi_iret_guest_tf;	/* the guest's own TF at that IRET */
	uint32_t irq_injected[256];	/* interrupts injected, per vector */
	uint8_t irq_sources[256];	/* IRQ_SRC_* seen per vector */
	uint32_t nmis_injected;

	struct msr_vcpu msr;	/* its emulated MSRs (svm/msr.c) */
	struct cpuid_table cpuid;	/* its CPUID, built with the VM (svm/cpuid.c) */
	/* Single-step for the console (VCPU_REQ_STEP): the trap flag is ours
	 * for one instruction; svm/vcpu.c step_arm/step_finish. */
	bool stepping;
	bool step_guest_tf;	/* the guest's own RFLAGS.TF */
	uint8_t step_kind;	/* STEP_PLAIN, STEP_PUSHF, STEP_POPF */
	uint8_t step_push;	/* PUSHF: bytes pushed */
	uint64_t step_rip;	/* RIP before the step */
	volatile uint32_t steps;	/* steps completed: the console waits for a change */
	uint32_t clean_mask;	/* VMCB_CLEAN_ALL with the clean-bits feature, else 0 */
	uint64_t t_exit;	/* TSC at the last #VMEXIT (vcpu_fast_exit) */
	uint64_t exits;
	uint64_t exit_count[NR_EXIT_STATS];
	/* TSC cycles in the hypervisor per exit, from the world switch's
	 * return to the next call (the switch's own fixed path is not in it). */
	uint64_t exit_cycles[NR_EXIT_STATS], exit_min[NR_EXIT_STATS], exit_max[NR_EXIT_STATS];
	uint64_t npf_exits;
	/* The last nested page fault retried because the bytes at RIP were
	 * not the instruction that faulted (svm/mmio.c): the same fault again
	 * right after is emulated as it stands. */
	uint64_t mmio_retry_rip, mmio_retry_gpa;
	struct exit_record trace[TRACE_LEN];	/* ring: the last TRACE_LEN exits */
};

_Static_assert(__builtin_offsetof(struct vcpu, regs) == 0, "svm/vmrun.asm: v is its regs");

#define VCPU_REQ_PAUSE (1u << 0)	/* stay out of guest mode until cleared */
#define VCPU_REQ_KILL  (1u << 1)	/* stop the VM */
#define VCPU_REQ_NMI   (1u << 2)	/* inject an NMI at the next entry */
#define VCPU_REQ_CONSOLE (1u << 3)	/* its core's housekeeping is due (timer tick) */
#define VCPU_REQ_STEP  (1u << 4)	/* run one guest instruction, then pause again */
#define VCPU_REQ_NEW_RUN (1u << 5)	/* reset: the core's state for a new run (IBPB, TSC_AUX) */

/* vcpu.where: may a sender skip the kick? OUTSIDE: the vCPU is handling an
 * exit and looks at its interrupts before it enters again. KICKABLE: from
 * the moment it starts deciding what to inject until the next exit,
 * including while it sleeps (HLT, wait-for-SIPI). */
#define VCPU_OUTSIDE  0
#define VCPU_KICKABLE 1

/* vcpu.irq_sources bits: where a vector's interrupts came from. */
#define IRQ_SRC_TIMER 0x01	/* its APIC timer */
#define IRQ_SRC_IPI   0x02	/* another vCPU */
#define IRQ_SRC_SELF  0x04	/* a self-IPI */
#define IRQ_SRC_LINT  0x08	/* LINT0/LINT1 */
#define IRQ_SRC_DEV   0x10	/* a device line (IOAPIC, PIC) */

#define VM_MAX_VCPUS 8
#define VM_NAME_LEN  16		/* with the NUL; kernel/vm/vmopts.h VM_NAME_MAX fits */

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPED };

struct vm {
	char name[VM_NAME_LEN];
	uint64_t mem;		/* guest RAM: GPA [0, mem) */
	struct guest_ram ram;	/* its host runs (mm/ramplace.h): reach it through svm/gmem.h */
	struct npt npt;		/* guest physical -> host physical */
	uint64_t ncr3;		/* its root, for every vCPU's VMCB */
	uint64_t iopm_pa;	/* 12 KiB, all ones: every port intercepted */
	uint64_t msrpm_pa;	/* 8 KiB, all ones: every MSR intercepted */
	volatile enum vm_state state;
	int result;		/* code written to the debug-exit port, -1 if none */
	bool faulted;		/* stopped by a guest fault: the flight recorder is printed */
	bool reset_on_crash;	/* on_crash=reset */
	bool strict;		/* strict=on: unassigned MMIO stops the VM */
	uint32_t ud_reports;	/* emulation failures logged (rate limit) */
	bool cs_ld_reported;	/* svm/vcpu.c cs_long_and_d logged once */
	volatile bool reset_pending;	/* stopped to be reset by the console's core */
	char reason[160];	/* why it stopped */
	uint32_t nr_vcpus;
	struct vcpu vcpu[VM_MAX_VCPUS];
	struct msr_vm msr;	/* its MSR view and the #GP'd MSRs it tried (svm/msr.c) */
	struct bus bus;		/* its ports (and, later, device memory) */
	struct vuart uart;	/* COM1 */
	/* The rest of the PC (svm/platform.c, docs/devices.md). */
	struct vioapic ioapic;
	struct vpic pic;	/* the 8259A pair; its output is vcpu0's LINT0 */
	struct vpit pit;
	struct vrtc rtc;
	struct vpm pm;		/* ACPI PM block: PM1a event/control, PM timer */
	struct vsysctl sysctl;	/* reset ports, PCI configuration, port 0x80 */
	volatile bool pic_int;	/* the PICs' INT output, for vcpu0 to follow on LINT0 */
	uint64_t dev_deadline;	/* host TSC of the PIT's or RTC's next event (atomic) */
	/* Everything the guest writes to COM1 (and HC_CONSOLE_WRITE): drained
	 * to the serial console by its core, replayed by `console <vm>`. */
	struct outring con;
	struct log_source con_src;
	uint32_t module;	/* its module2 line, for reset */
	uint32_t resets;	/* times restarted from the console */
};
