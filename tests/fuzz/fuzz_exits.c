/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the whole exit path (issue 14): the hypervisor's
 * real exit handlers (svm/exits.c exit_dispatch, and through it svm/mmio.c,
 * emulate.c, decode.c, gwalk.c, gmem.c, msr.c, cpuid.c, apic.c, intr.c,
 * platform.c, hypercall.c, step.c, vmctl.c, asid.c, vmcb_check.c and the
 * device models of drivers/virt/) driven on the host, on one VM built as
 * kernel/vm/vms.c builds it. What the bare-metal kernel provides (the TSC,
 * this_cpu, MSRs, IPIs, the core's timer, the log) is simulated by
 * tests/fuzz/exits_host.c; kernel/x86.h and kernel/cpu.h are shadowed by
 * host versions under tests/fuzz/host/ (first on the include path).
 *
 * The VM: 1 or 2 vCPUs, 2 or 4 MiB of guest RAM in host buffers of
 * exactly that size (ASan catches any access past them): the 4 MiB VM's
 * in two host runs of 2 MiB, as mm/ramplace.h may place RAM, so an access
 * that crosses runs through one pointer hits a redzone; nested page
 * tables from mm/npt.c mapping them at GPA 0, deny-all IOPM and MSRPM with the
 * pass-through MSRs opened (msrpm_pass_through), COM1 and the debug-exit
 * port on the bus and the PC platform of svm/platform.c, each vCPU's
 * CPUID from a fixed AMD host, its local APIC (apic_vcpu_init) and its
 * VMCB (vcpu_reset); vcpu1 waits for INIT/SIPI or HC_VCPU_START. The
 * guest's RAM holds identity page tables for every paging mode (PML4 at
 * 0x1000, 32-bit PSE directory at 0x5000, PAE PDPT at 0x6000), mapping
 * RAM and 0xC0000000-0xFFFFFFFF (the I/O APIC and local APIC pages).
 *
 * Input: a 16-byte header, then 64-byte records until the input ends (at
 * most MAX_RECORDS). Header:
 *   [0] bit 0: two vCPUs; 1: NRIP save; 2: decode assists; 3: host XSAVE;
 *       4: strict=on; 5: on_crash=reset; 6: VMCB clean bits; 7: 4 MiB RAM
 *   [1] vcpu0's start mode: 0 real, 1 prot32 (Multiboot), 2 long
 *   [2..15] unused (room for later)
 * Record (tests/fuzz/mkseeds_exits.py writes them):
 *   [0]  kind (K_* below, modulo K_COUNT)
 *   [1]  bit 0: vCPU; bits 1-3: mode the guest switched to (0 keep, 1 real,
 *        2 prot16, 3 prot32, 4 prot32 + PSE paging, 5 PAE, 6 long 64-bit,
 *        7 compatibility); bits 4-5: CPL; bit 6: CR4.OSXSAVE; bit 7: the
 *        instruction bytes at RIP are the record's, not the exit's own
 *   [2]  bit 0: RFLAGS.IF; 1: RFLAGS.TF; 2: interrupt shadow; 3: a CR8
 *        write (V_TPR = [3] & 15); 4: the console's NMI request; 5: the
 *        console's step request; 6: a prefix (2E) before the exit's own
 *        instruction; 7: RIP from [40..43] (else kept)
 *   [3]  bits 0-3: V_TPR; bits 4-7: EXITINTINFO (< 10: none, else an
 *        event being delivered: interrupt, NMI, exception, soft INT, #PF)
 *   [4]  sel: which port, MSR, GPA region, exception, SVM instruction
 *   [5]  sub: I/O size and direction, NPF error bits, MSR write; for
 *        INS/OUTS also bit 5: RFLAGS.DF, 6: a 67 prefix, 7: an FS/GS
 *        override (OUTS), and aux is rSI and rDI (sel < the port table);
 *        [7] bit 7: EXITINFO1 without the address size (as QEMU 7.2)
 *   [6]  bytes of [48..63] planted at RIP (0-16) for K_NPF and bit 7
 *   [7]  time: the host TSC advances 2^(t % 36) cycles before the exit
 *   [8]  RAX  [16] RCX  [24] RDX  [32] RBX (little-endian u64 each)
 *   [40] RIP (u32)  [44] aux (u32: a raw port, GPA, exit code)
 *   [48] 16 instruction bytes
 *
 * Before each exit the run loop's entry sequence runs on the record's
 * vCPU as svm/vcpu.c vcpu_run does it (platform_update, apic_update, the
 * console's requests, HLT and wait-for-SIPI, apic_before_entry,
 * asid_prepare, vmcb_check when asked to recheck); a vCPU that sleeps
 * takes no exit. After the guest "ran", the exit is written into the VMCB
 * as the CPU would (a record whose exit the intercepts do not allow, a
 * guest store or plain time ends in the host's own interrupt, an INTR
 * exit) and the run loop's exit sequence runs (apic_after_exit, the clean bits,
 * EXITINTINFO re-delivered, exit_dispatch, step_check). Each time a vCPU
 * is about to enter, the harness checks:
 *   - the VMCB passes vmcb_check and vmcb_check_owned (the run loop checks
 *     only when a handler says so: a handler that changes checked state
 *     without v->recheck is caught here);
 *   - EVENTINJ is well formed: a defined type, an exception vector other
 *     than 2 and below 32, NMI with vector 2, EV only on exceptions that
 *     push an error code and only in protected mode, no reserved bits;
 *     an interrupt the APIC plan injected only with RFLAGS.IF set and
 *     no interrupt shadow; an injected NMI leaves NMIs masked;
 *   - V_IRQ only with the VINTR intercept, masked NMIs with the IRET
 *     intercept (unless the IRET is being stepped), V_TPR = the APIC's TPR;
 *   - with clean bits on, every VMCB group the exit path changed has its
 *     clean bit cleared (a stale cached copy would run the guest);
 *   - the core's timer is armed for the vCPU's next deadline (its APIC
 *     timer, and for vcpu0 also the PIT's and RTC's), so a sleeping vCPU
 *     wakes;
 *   - the guest's XCR0 is one the host accepts;
 * and after every record: the VM is running or stopped with a reason; the
 * console ring is consistent; nothing the host shim forbids happened
 * (host MSR access other than TSC_AUX, port I/O, CR access, IPIs to
 * unknown cores, a panic); ASan and UBSan watch every access, guest RAM
 * included. The sequence ends when the VM stops. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/exits_host.h"
#include "drivers/virt/debugexit.h"
#include "kernel/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/x86_arch.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "mm/npt.h"
#include "svm/apic.h"
#include "svm/asid.h"
#include "svm/exits.h"
#include "svm/gmem.h"
#include "svm/platform.h"
#include "svm/step.h"
#include "svm/svm.h"
#include "svm/vm.h"
#include "svm/vmcb_check.h"
#include "svm/vmctl.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define HEADER_LEN 16
#define RECORD_LEN 64
#define MAX_RECORDS 256
#define COM1_PORT 0x3f8	/* kernel/vm/vms.c */
#define COM1_IRQ  4
#define DEBUG_EXIT_PORT 0xf4
#define IOPM_SIZE  12288
#define MSRPM_SIZE 8192
#define NR_ASIDS 16	/* small: generations roll over within one input */

/* Guest page tables the harness plants in RAM (identity maps). */
#define PT_PML4   0x1000
#define PT_PDPT   0x2000
#define PT_PD_LOW 0x3000
#define PT_PD_HI  0x4000
#define PT_PD32   0x5000
#define PT_PAE    0x6000

enum {
	K_IOIO, K_IOIO2, K_MSR, K_MSR2, K_CPUID, K_NPF, K_NPF2, K_VMMCALL, K_HLT, K_INTR,
	K_NMI, K_VINTR, K_IRET, K_SMI, K_INIT, K_EXCP, K_SHUTDOWN, K_INVALID, K_WBINVD,
	K_RDPMC, K_XSETBV, K_TASK_SWITCH, K_INVD, K_SVM_INSN, K_RAW, K_STORE, K_TIME,
	K_X2APIC, K_KVMCLOCK, K_MMIO_MOV, K_OUTS, K_CR, K_COUNT = 32
};

static const uint16_t ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0x3f8, 0x3f9, 0x3fa,
	0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, DEBUG_EXIT_PORT, 0x80, 0x92, 0xcf8, 0xcfc, 0xcf9,
	0x4d0, 0x4d1, 0x600, 0x604, 0x608, 0x64, 0x60, 0x2f8, 0xe9,
};

static const uint32_t msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xfe, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x200, 0x201,
	0x2ff, 0x277, 0x6e0, 0x800, 0x802, 0x803, 0x808, 0x80a, 0x80b, 0x80d, 0x80f, 0x828, 0x830,
	0x832, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83e, 0x83f, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0010000,
	0xc0010015, 0xc0010114, 0xc0010117, 0xc0010140, 0xc0011029, 0x4b564d00, 0x4b564d01,
	0x11, 0x12, 0x4b564d02, 0x4b564d03, 0x4b564d04, 0xc0000104, 0x8ff, 0x7ff, 0x900,
};

static const uint32_t svm_insns[] = {
	VMEXIT_VMRUN, VMEXIT_VMLOAD, VMEXIT_VMSAVE, VMEXIT_STGI, VMEXIT_CLGI, VMEXIT_SKINIT,
	VMEXIT_INVLPGA, VMEXIT_MONITOR, VMEXIT_MWAIT, VMEXIT_RDPRU,
};

/* What the fuzzer's VM lives in: allocated once, reset per input. */
static struct vm *vm;
static uint8_t *ram_2m, *ram_4m, *ram_4m_hi;	/* exactly the guest's RAM: redzones at both ends */
static struct guest_ram layout_2m, layout_4m;
static struct npt npt_2m, npt_4m;
static uint8_t *iopm, *msrpm;
static struct vmcb *vmcbs[HOST_CORES];
static struct asid_core core_asid[HOST_CORES];

/* Per vCPU: what the harness knows between its exit and its next entry. */
static struct shadow {
	bool entered;		/* it ran at least once (vcpu_run's t_exit) */
	bool have_snap;		/* snap holds the VMCB after its last exit */
	struct vmcb snap;
	uint64_t after_dispatch;	/* EVENTINJ as the exit path left it */
	uint64_t redelivered;	/* the EXITINTINFO re-delivery of its last exit */
} sh[HOST_CORES];

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* ---- the VM, as kernel/vm/vms.c builds it ---- */

static uint64_t npt_alloc(void *ctx)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)aligned_alloc(4096, 4096);
}

static void npt_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	free((void *)(uintptr_t)phys);
}

static void *npt_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void build_npt(struct npt *n, const struct guest_ram *r)
{
	static const struct npt_mem m = { npt_alloc, npt_free, npt_ptr, NULL };

	CHECK(npt_init(n, &m, true) == NPT_OK);
	for (uint32_t i = 0; i < r->nr; i++)
		CHECK(npt_map(n, r->ext[i].gpa, r->ext[i].hpa, r->ext[i].len, NPT_W | NPT_X) == NPT_OK);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vm = aligned_alloc(4096, (sizeof(*vm) + 4095) & ~4095ul);
	ram_2m = aligned_alloc(4096, 2u << 20);	/* NPT leaves need page-aligned HPAs */
	ram_4m = aligned_alloc(4096, 2u << 20);
	ram_4m_hi = aligned_alloc(4096, 2u << 20);
	iopm = malloc(IOPM_SIZE);
	msrpm = malloc(MSRPM_SIZE);
	CHECK(vm && ram_2m && ram_4m && ram_4m_hi && iopm && msrpm);
	layout_2m = (struct guest_ram){ .size = 2u << 20, .nr = 1 };
	layout_2m.ext[0] = (struct ram_extent){ 0, (uint64_t)(uintptr_t)ram_2m, 2u << 20 };
	layout_4m = (struct guest_ram){ .size = 4u << 20, .nr = 2 };
	layout_4m.ext[0] = (struct ram_extent){ 0, (uint64_t)(uintptr_t)ram_4m, 2u << 20 };
	layout_4m.ext[1] = (struct ram_extent){ 2u << 20, (uint64_t)(uintptr_t)ram_4m_hi, 2u << 20 };
	/* The nested page tables map RAM wherever the host put it; the
	 * handlers never walk them (NPF arrives with the GPA), but N_CR3 is
	 * the VM's own, as vmcb_check_owned requires. */
	build_npt(&npt_2m, &layout_2m);
	build_npt(&npt_4m, &layout_4m);
	for (unsigned i = 0; i < HOST_CORES; i++) {
		vmcbs[i] = aligned_alloc(4096, sizeof(struct vmcb));
		CHECK(vmcbs[i]);
	}
	return 0;
}

static void com1_tx(void *ctx, uint8_t c)
{
	struct vm *m = ctx;

	outring_write(&m->con, &c, 1);
}

static void unassigned(void *ctx, enum bus_space sp, uint64_t addr, unsigned size, bool write,
		       bool last)
{
	(void)ctx;
	(void)sp;
	(void)addr;
	(void)write;
	(void)last;
	CHECK(size <= 8);
}

static void put_pte64(uint8_t *ram, uint64_t at, uint64_t e)
{
	memcpy(ram + at, &e, 8);
}

static void put_pte32(uint8_t *ram, uint64_t at, uint32_t e)
{
	memcpy(ram + at, &e, 4);
}

/* Identity maps for every paging mode, where a loader puts its own. */
static void guest_page_tables(uint8_t *ram, uint64_t mem)
{
	put_pte64(ram, PT_PML4, PT_PDPT | 7);
	put_pte64(ram, PT_PDPT, PT_PD_LOW | 7);
	put_pte64(ram, PT_PDPT + 3 * 8, PT_PD_HI | 7);
	for (uint64_t i = 0; i < mem >> 21; i++)
		put_pte64(ram, PT_PD_LOW + 8 * i, i << 21 | 0x87);
	for (uint64_t i = 0; i < 512; i++)
		put_pte64(ram, PT_PD_HI + 8 * i, (3ull << 30) + (i << 21) | 0x87);
	for (uint32_t i = 0; i < (uint32_t)(mem >> 22); i++)
		put_pte32(ram, PT_PD32 + 4 * i, i << 22 | 0x87);
	for (uint32_t i = 0x300; i < 0x400; i++)	/* 0xC0000000.. */
		put_pte32(ram, PT_PD32 + 4 * i, i << 22 | 0x87);
	put_pte64(ram, PT_PAE, PT_PD_LOW | 1);
	put_pte64(ram, PT_PAE + 3 * 8, PT_PD_HI | 1);
}

static void build_vm(const uint8_t *hdr)
{
	bool two = hdr[0] & 1, big = hdr[0] & 0x80;
	unsigned nr = two ? 2 : 1;
	uint8_t *ram = big ? ram_4m : ram_2m;
	char err[160];
	struct vcpu_start start = { .mode = VM_MODE_PROT32, .rip = 0x10000, .rax = 0x2badb002,
				    .rbx = 0x9000 };

	host_reset(hdr[0] & 8);
	svm_caps = (struct svm_caps){ .present = true, .revision = 1, .nr_asids = NR_ASIDS,
				      .features = SVM_FEAT_NPT | SVM_FEAT_FLUSH_BY_ASID |
						  (hdr[0] & 2 ? SVM_FEAT_NRIPS : 0) |
						  (hdr[0] & 4 ? SVM_FEAT_DECODE_ASSISTS : 0) |
						  (hdr[0] & 0x40 ? SVM_FEAT_VMCB_CLEAN : 0) };
	svm_host_xsave = hdr[0] & 8;
	svm_host_ibpb = true;
	platform_set_wall_clock(1700000000, host.tsc);

	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, "fuzz", 5);
	vm->result = -1;
	vm->state = VM_CREATED;
	vm->mem = big ? 4u << 20 : 2u << 20;
	vm->strict = hdr[0] & 0x10;
	vm->reset_on_crash = hdr[0] & 0x20;
	vm->ram = big ? layout_4m : layout_2m;
	CHECK(ram_fill(&vm->ram, 0, 0, vm->mem));
	vm->npt = big ? npt_4m : npt_2m;
	vm->ncr3 = vm->npt.root;
	memset(iopm, 0xff, IOPM_SIZE);
	memset(msrpm, 0xff, MSRPM_SIZE);
	vm->iopm_pa = (uint64_t)(uintptr_t)iopm;
	vm->msrpm_pa = (uint64_t)(uintptr_t)msrpm;

	/* setup_devices */
	bus_init(&vm->bus, &(struct bus_hooks){ .unassigned = unassigned, .irq = platform_irq,
						.ctx = vm });
	vuart_init(&vm->uart, &vm->bus, COM1_IRQ, com1_tx, vm);
	CHECK(!vuart_attach(&vm->uart, &vm->bus, COM1_PORT, err, sizeof(err)));
	CHECK(!debugexit_attach(&vm->bus, DEBUG_EXIT_PORT, err, sizeof(err)));
	CHECK(!platform_init(vm, err, sizeof(err)));
	/* setup_cpuid */
	for (unsigned i = 0; i < nr; i++) {
		const struct cpuid_config c = { .nr_vcpus = nr, .vcpu = i, .tsc_khz = HOST_TSC_KHZ,
						.lapic_khz = VLAPIC_BUS_KHZ, .x2apic = true,
						.tsc_deadline = true };

		CHECK(!cpuid_build(&vm->vcpu[i].cpuid, &c, host_cpuid_synth, NULL, err, sizeof(err)));
	}
	msr_vm_init(&vm->msr, vm->mem, nr, HOST_PHYS_BITS, true);
	msrpm_pass_through(msrpm);
	guest_page_tables(ram, vm->mem);

	if (hdr[1] % 3 == 0)
		start = (struct vcpu_start){ .mode = VM_MODE_REAL, .rip = 0x7c00 };
	else if (hdr[1] % 3 == 2)
		start = (struct vcpu_start){ .mode = VM_MODE_LONG, .rip = 0x100000, .rsi = 0x9000,
					     .cr3 = PT_PML4, .gdt_base = 0x8000, .gdt_limit = 0x2f,
					     .cs = 0x10, .ds = 0x18 };
	for (unsigned i = 0; i < HOST_CORES; i++) {
		asid_core_init(&core_asid[i], NR_ASIDS, true);
		memset(&sh[i], 0, sizeof(sh[i]));
	}
	for (unsigned i = 0; i < nr; i++) {
		struct vcpu *v = &vm->vcpu[i];

		v->vm = vm;
		v->index = i;
		v->core = host_cores[i]->id;
		v->cpu = host_cores[i];
		v->vmcb = vmcbs[i];
		apic_vcpu_init(v);
		vcpu_reset(v, &start);
		v->request &= ~VCPU_REQ_NEW_RUN;	/* its barrier: nothing to model */
	}
	vm->nr_vcpus = nr;
	vm->state = VM_RUNNING;
	for (unsigned i = 0; i < nr; i++) {
		vm->vcpu[i].assigned = true;
		host_cores[i]->vcpu = &vm->vcpu[i];
	}
}

/* ---- the run loop's entry sequence (svm/vcpu.c vcpu_run) ---- */

/* requests_and_hlt without sleeping: -1 the vCPU does not enter now
 * (it sleeps: HLT, wait-for-SIPI; or it leaves the run loop), 1 look
 * again, 0 enter. */
static int requests(struct vcpu *v)
{
	if (v->request & VCPU_REQ_KILL) {
		vm_stop(v->vm, v, -1, "killed from the console");
		return -1;
	}
	if (v->waiting) {
		if (v->index == 0)
			timer_guest_deadline(__atomic_load_n(&v->vm->dev_deadline, __ATOMIC_ACQUIRE));
		return -1;
	}
	if (v->request & VCPU_REQ_STEP) {
		if (!v->stepping)
			step_arm(v);
		v->halted = false;
		return 0;
	}
	if (v->request & VCPU_REQ_NMI) {
		__atomic_and_fetch(&v->request, ~VCPU_REQ_NMI, __ATOMIC_SEQ_CST);
		apic_console_nmi(v);
		return 1;
	}
	if (v->halted) {
		if (apic_wakes(v)) {
			v->halted = false;
			return 0;
		}
		apic_arm_timer(v);
		return -1;
	}
	return 0;
}

static uint64_t expected_deadline(const struct vcpu *v)
{
	uint64_t d = vlapic_timer_deadline(&v->lapic);

	d = d == UINT64_MAX ? TIMER_NONE : d - v->vmcb->control.tsc_offset;
	if (v->index == 0 && v->vm->dev_deadline < d)
		d = v->vm->dev_deadline;
	return d;
}

static void check_event(const struct vcpu *v, uint64_t e)
{
	uint64_t type = e & EVENT_TYPE_MASK;
	unsigned vector = e & EVENT_VECTOR_MASK;

	if (!(e & EVENT_VALID))
		return;
	CHECK(type == EVENT_TYPE_INTR || type == EVENT_TYPE_NMI || type == EVENT_TYPE_EXCEPT ||
	      type == EVENT_TYPE_SOFT);
	CHECK(!(e & 0x7ffff000ull));	/* reserved bits 30:12 */
	if (type == EVENT_TYPE_NMI)
		CHECK(vector == 2);
	if (type == EVENT_TYPE_EXCEPT)
		CHECK(vector < 32 && vector != 2);
	if (e & EVENT_EV) {
		CHECK(type == EVENT_TYPE_EXCEPT && exc_has_error_code(vector));
		/* Real mode exceptions push no error code (an EV there makes
		 * the CPU push one the guest's handler does not expect). */
		CHECK(v->vmcb->save.cr0 & CR0_PE);
	}
}

/* The state a vCPU enters with. */
static void check_entry(struct vcpu *v)
{
	struct shadow *s = &sh[v->index];
	const struct vmcb *vmcb = v->vmcb;
	const struct vmcb_control *c = &vmcb->control;
	const char *rule = vmcb_check(vmcb, HOST_PHYS_BITS);

	if (!rule)
		rule = vmcb_check_owned(vmcb, &(struct vmcb_refs){ vm->iopm_pa, vm->msrpm_pa, vm->ncr3 });
	if (rule) {
		fprintf(stderr, "fuzz_exits: vcpu%u enters with a VMCB that breaks: %s\n", v->index, rule);
		abort();
	}
	CHECK(!v->halted && !v->waiting);
	check_event(v, c->eventinj);
	if (s->have_snap && c->eventinj != s->after_dispatch && (c->eventinj & EVENT_VALID)) {
		/* The APIC plan (svm/apic.c inject) queued it. */
		if ((c->eventinj & EVENT_TYPE_MASK) == EVENT_TYPE_INTR)
			CHECK((vmcb->save.rflags & RFLAGS_IF) && !(c->interrupt_shadow & INTR_SHADOW));
		if ((c->eventinj & EVENT_TYPE_MASK) == EVENT_TYPE_NMI)
			CHECK(v->nmi_masked);
	}
	if (c->v_intr & V_IRQ)
		CHECK(c->intercept_misc1 & INTERCEPT_VINTR);
	if (v->nmi_masked && !v->nmi_iret_step)
		CHECK(c->intercept_misc1 & INTERCEPT_IRET);
	CHECK((c->v_intr & V_TPR_MASK) == (uint64_t)(vlapic_tpr(&v->lapic) >> 4));
	CHECK(v->cpu->guest_deadline == expected_deadline(v));
	CHECK(v->xcr0 & XCR0_X87);
	CHECK(!(v->xcr0 & ~cpuid_xcr0_allowed(&v->cpuid)) || v->xcr0 == XCR0_X87);
	/* Clean bits: a group the exit path changed must be reloaded. */
	if (s->have_snap && c->vmcb_clean) {
		const struct vmcb *o = &s->snap;
		const struct vmcb_save *a = &o->save, *b = &vmcb->save;
		uint32_t clean = c->vmcb_clean;

#define GROUP(bit, changed)							\
	do {									\
		if ((clean & (bit)) && (changed)) {				\
			fprintf(stderr, "fuzz_exits: vcpu%u: %s changed with its clean bit set\n", \
				v->index, #bit);				\
			abort();						\
		}								\
	} while (0)
		GROUP(VMCB_CLEAN_INTERCEPTS,
		      memcmp(&o->control, c, 0x18) || o->control.tsc_offset != c->tsc_offset ||
		      o->control.pause_filter_count != c->pause_filter_count ||
		      o->control.pause_filter_threshold != c->pause_filter_threshold);
		GROUP(VMCB_CLEAN_IOPM, o->control.iopm_base_pa != c->iopm_base_pa ||
				       o->control.msrpm_base_pa != c->msrpm_base_pa);
		GROUP(VMCB_CLEAN_ASID, o->control.guest_asid != c->guest_asid);
		GROUP(VMCB_CLEAN_TPR, o->control.v_intr != c->v_intr);
		GROUP(VMCB_CLEAN_NP, o->control.np_enable != c->np_enable ||
				     o->control.n_cr3 != c->n_cr3 || a->g_pat != b->g_pat);
		GROUP(VMCB_CLEAN_CRX, a->cr0 != b->cr0 || a->cr3 != b->cr3 || a->cr4 != b->cr4 ||
				      a->efer != b->efer);
		GROUP(VMCB_CLEAN_DRX, a->dr6 != b->dr6 || a->dr7 != b->dr7);
		GROUP(VMCB_CLEAN_DT, memcmp(&a->gdtr, &b->gdtr, 16) || memcmp(&a->idtr, &b->idtr, 16));
		GROUP(VMCB_CLEAN_SEG, memcmp(&a->es, &b->es, 16) || memcmp(&a->cs, &b->cs, 16) ||
				      memcmp(&a->ss, &b->ss, 16) || memcmp(&a->ds, &b->ds, 16) ||
				      a->cpl != b->cpl);
		GROUP(VMCB_CLEAN_CR2, a->cr2 != b->cr2);
		GROUP(VMCB_CLEAN_LBR, a->dbgctl != b->dbgctl);
#undef GROUP
	}
}

/* Would v enter now? Runs the entry sequence; true: it runs (checked). */
static bool enter(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;

	host.current = v->index;
	for (unsigned tries = 0; tries < 8; tries++) {
		uint8_t tlb;

		if (vm->state != VM_RUNNING)
			return false;
		v->where = VCPU_KICKABLE;
		if (v->index == 0 && platform_pending(v))
			platform_update(v);
		apic_update(v);
		if (v->request || v->halted || v->waiting) {
			int next = requests(v);

			if (next < 0)
				return false;
			if (next > 0)
				continue;
		}
		apic_before_entry(v);
		tlb = asid_prepare(&core_asid[v->index], (int)v->cpu->id, &v->asid);
		if (tlb == ASID_NO_GUEST) {
			vm_stop(vm, v, -1, "cpu%u has no guest ASID", v->cpu->id);
			return false;
		}
		vmcb_set_asid(v->vmcb, v->asid.asid);
		c->tlb_control = tlb;
		if (!sh[v->index].entered || v->recheck) {
			const char *rule = vmcb_check(v->vmcb, HOST_PHYS_BITS);

			v->recheck = false;
			if (!rule)
				rule = vmcb_check_owned(v->vmcb, &(struct vmcb_refs){
					vm->iopm_pa, vm->msrpm_pa, vm->ncr3 });
			if (rule) {
				vm_stop(vm, v, -1, "the VMCB breaks a VMRUN consistency rule: %s", rule);
				return false;
			}
		}
		check_entry(v);
		if (v->xcr0 != XCR0_X87)
			xsetbv(0, v->xcr0);	/* the host shim refuses what the core would #GP */
		sh[v->index].entered = true;
		return true;
	}
	return false;	/* requests kept it busy: it enters on a later record */
}

/* ---- the guest ran: its state at the exit, as the CPU writes it ---- */

static void set_mode(struct vcpu *v, unsigned mode, bool osxsave)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint64_t efer = s->efer & ~(EFER_LME | EFER_LMA);
	uint16_t code = ATTR_CODE32, data = ATTR_DATA32;

	switch (mode) {
	case 1:	/* real */
		s->cr0 = CR0_ET;
		s->cr4 = 0;
		code = ATTR_CODE16;
		data = ATTR_DATA16;
		break;
	case 2:	/* 16-bit protected */
		s->cr0 = CR0_PE | CR0_ET;
		s->cr4 = 0;
		code = ATTR_CODE16;
		data = ATTR_DATA16;
		break;
	case 3:
		s->cr0 = CR0_PE | CR0_ET;
		s->cr4 = 0;
		break;
	case 4:
		s->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
		s->cr4 = CR4_PSE;
		s->cr3 = PT_PD32;
		break;
	case 5:
		s->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
		s->cr4 = CR4_PAE;
		s->cr3 = PT_PAE;
		break;
	default:	/* 6: 64-bit, 7: compatibility */
		s->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
		s->cr4 = CR4_PAE;
		s->cr3 = PT_PML4;
		efer |= EFER_LME | EFER_LMA;
		if (mode == 6)
			code = ATTR_CODE64;
		break;
	}
	if (osxsave && svm_host_xsave)
		s->cr4 |= CR4_OSXSAVE | CR4_OSFXSR;
	s->efer = efer;
	s->cs.attrib = code;
	s->cs.base = 0;
	s->cs.limit = mode == 1 || mode == 2 ? 0xffff : 0xffffffff;
	s->ds.attrib = s->es.attrib = s->ss.attrib = data;
	s->ds.base = s->es.base = s->ss.base = 0;
}

/* The MSRPM's verdict (APM Vol.2 15.11): does this access exit? */
static bool msr_intercepted(uint32_t msr, bool write)
{
	static const struct { uint32_t first, byte; } blocks[] = {
		{ 0, 0 }, { 0xc0000000u, 0x800 }, { 0xc0010000u, 0x1000 },
	};

	for (unsigned i = 0; i < 3; i++) {
		uint32_t n = msr - blocks[i].first;

		if (msr >= blocks[i].first && n < 0x2000)
			return msrpm[blocks[i].byte + n / 4] >> (2 * (n % 4) + write) & 1;
	}
	return true;
}

/* Plants bytes at the guest's CS:RIP (identity-mapped in every mode). */
static unsigned plant(struct vcpu *v, const uint8_t *bytes, unsigned n)
{
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t lin = (s->cs.base + s->rip) & 0xffffffff;

	if (lin >= vm->mem)
		return 0;
	n = (unsigned)MIN((uint64_t)n, vm->mem - lin);
	CHECK(ram_copy(&vm->ram, lin, (void *)bytes, n, true));
	return n;
}

static uint64_t exitintinfo(const struct vcpu *v, const uint8_t *r)
{
	unsigned sel = r[3] >> 4;
	bool pe = v->vmcb->save.cr0 & CR0_PE;
	unsigned vec = r[44] & 31;

	switch (sel) {
	case 10:
		return (get64(r + 8) & 0xff) | 0x20 | EVENT_TYPE_INTR | EVENT_VALID;
	case 11:
		return 2 | EVENT_TYPE_NMI | EVENT_VALID;
	case 12:
		if (vec == 2)
			vec = 13;
		return vec | EVENT_TYPE_EXCEPT | EVENT_VALID |
		       (pe && exc_has_error_code(vec) ? EVENT_EV | (uint64_t)(r[45]) << 32 : 0);
	case 13:
		return (r[45] | EVENT_TYPE_SOFT | EVENT_VALID);
	case 14:
		return EXC_PF | EVENT_TYPE_EXCEPT | EVENT_VALID | (pe ? EVENT_EV | 2ull << 32 : 0);
	case 15:
		return EXC_DF | EVENT_TYPE_EXCEPT | EVENT_VALID | (pe ? EVENT_EV : 0);
	default:
		return 0;
	}
}

/* One record: the guest runs on the record's vCPU until its exit, which
 * the run loop then handles. */
static void run_record(const uint8_t *r)
{
	struct vcpu *v = &vm->vcpu[(r[1] & 1) % vm->nr_vcpus];
	struct vmcb *vmcb = v->vmcb;
	struct vmcb_control *c = &vmcb->control;
	struct vmcb_save *s = &vmcb->save;
	unsigned kind = r[0] % K_COUNT, sel = r[4], sub = r[5], mode = r[1] >> 1 & 7;
	uint32_t aux = get32(r + 44), code;
	uint64_t info1 = 0, info2 = 0, gpa;
	uint8_t insn[32];
	unsigned len = 0, n;
	bool hyp_tf = v->stepping || v->nmi_iret_step;

	host_advance(1ull << (r[7] % 36));
	if (r[2] & 0x10)
		v->request |= VCPU_REQ_NMI;
	if (r[2] & 0x20)
		v->request |= VCPU_REQ_STEP;
	if (!enter(v))
		return;

	/* The guest runs: the event queued is delivered; its own state. */
	c->eventinj = 0;
	if (mode)
		set_mode(v, mode, r[1] & 0x40);
	s->cpl = s->cr0 & CR0_PE ? r[1] >> 4 & 3 : 0;
	s->rflags = RFLAGS_FIXED | (r[2] & 1 ? RFLAGS_IF : 0) |
		    (hyp_tf ? s->rflags & RFLAGS_TF : r[2] & 2 ? RFLAGS_TF : 0);
	c->interrupt_shadow = r[2] & 4 ? INTR_SHADOW : 0;
	if (r[2] & 8)
		c->v_intr = (c->v_intr & ~V_TPR_MASK) | (r[3] & 0xf);
	s->rax = get64(r + 8);
	v->regs.rcx = get64(r + 16);
	v->regs.rdx = get64(r + 24);
	v->regs.rbx = get64(r + 32);
	if (r[2] & 0x80)
		s->rip = get32(r + 40) & (s->cr0 & CR0_PE ? 0xffffffffu : 0xffffu);
	if (!(s->cr0 & CR0_PE))
		s->rip &= 0xffff;

	if (r[2] & 0x40)
		insn[len++] = 0x2e;	/* a CS prefix: the quick skip must not match */
	switch (kind) {
	case K_IOIO:
	case K_IOIO2:
	case K_OUTS: {
		unsigned size = 1u << (sub & 3) > 4 ? 4 : 1u << (sub & 3);
		bool in = sub & 4, str = kind == K_OUTS || (sub & 8), rep = sub & 0x10;
		uint16_t port = sel < ARRAY_SIZE(ports) ? ports[sel] : (uint16_t)aux;
		unsigned asize = (s->efer & EFER_LMA) && (s->cs.attrib & SEG_L) ? 8 :
				 s->cs.attrib & SEG_DB ? 4 : 2, seg = 3;	/* DS */

		code = VMEXIT_IOIO;
		if (str) {	/* INS/OUTS: rSI/rDI, DF, 67 and a segment override from the record */
			bool long64 = (s->efer & EFER_LMA) && (s->cs.attrib & SEG_L);
			unsigned def = long64 ? 8 : s->cs.attrib & SEG_DB ? 4 : 2;

			asize = sub & 0x40 ? (def == 4 ? 2 : 4) : def;
			if (sel < ARRAY_SIZE(ports))
				v->regs.rsi = v->regs.rdi = aux;
			if (sub & 0x20)
				s->rflags |= RFLAGS_DF;
			if (sub & 0x40)
				insn[len++] = 0x67;
			if ((sub & 0x80) && !in) {
				seg = 4 + (sub & 1);	/* FS or GS */
				insn[len++] = (uint8_t)(0x60 + seg);
			}
		}
		if (size == 2 && !(s->cs.attrib & SEG_DB))
			;	/* 16-bit default: no prefix */
		else if (size == 2 || (size == 4 && !(s->cs.attrib & SEG_DB) && !(s->cs.attrib & SEG_L)))
			insn[len++] = 0x66;
		if (rep)
			insn[len++] = 0xf3;
		if (str)
			insn[len++] = (in ? 0x6c : 0x6e) | (size > 1);
		else
			insn[len++] = (in ? 0xec : 0xee) | (size > 1);
		info1 = (uint64_t)port << 16 | (in ? IOIO_IN : 0) | (str ? IOIO_STR : 0) |
			(rep ? IOIO_REP : 0) |
			(size == 4 ? IOIO_SZ32 : size == 2 ? IOIO_SZ16 : IOIO_SZ8) |
			(str && (r[7] & 0x80) ? 0 : (uint64_t)(asize == 8 ? 4 : asize == 4 ? 2 : 1) << 7) |
			((svm_caps.features & SVM_FEAT_DECODE_ASSISTS) && str && !in ? (uint64_t)seg << 10 : 0);
		break;
	}
	case K_MSR:
	case K_MSR2:
	case K_X2APIC:
	case K_KVMCLOCK: {
		uint32_t msr = kind == K_X2APIC ? 0x800 + sel % 0x40 :
			       kind == K_KVMCLOCK ? (sel & 1 ? 0x4b564d00 : 0x11) + sel % 5 :
			       sel < ARRAY_SIZE(msrs) ? msrs[sel] : (uint32_t)v->regs.rcx;
		bool write = sub & 1;

		v->regs.rcx = (v->regs.rcx & ~0xffffffffull) | msr;
		if (kind == K_KVMCLOCK && write)	/* an address in RAM, enabled */
			s->rax = (aux % vm->mem) | (sub & 2 ? 1 : 0);
		if (!msr_intercepted(msr, write))
			goto no_exit;	/* the guest's access went straight to the MSR */
		code = VMEXIT_MSR;
		info1 = write;
		insn[len++] = 0x0f;
		insn[len++] = write ? 0x30 : 0x32;
		break;
	}
	case K_CPUID:
		code = VMEXIT_CPUID;
		insn[len++] = 0x0f;
		insn[len++] = 0xa2;
		break;
	case K_NPF:
	case K_NPF2:
	case K_MMIO_MOV:
		switch (sel % 8) {
		case 0:
		case 1:
			gpa = VLAPIC_BASE + (aux & 0xffc);
			break;
		case 2:
			gpa = 0xfec00000 + (aux & 0x1c);
			break;
		case 3:
			gpa = 0xfed00000 + (aux & 0xfff);	/* no HPET: unassigned */
			break;
		case 4:
			gpa = aux % vm->mem;	/* inside RAM: never an NPF on hardware */
			break;
		case 5:
			gpa = vm->mem + (aux & 0xffff);
			break;
		default:
			gpa = aux;
			break;
		}
		code = VMEXIT_NPF;
		info1 = (sub & 0x1f) | NPF_INFO1_U | (sub & 0x20 ? NPF_INFO1_WALK : NPF_INFO1_FINAL);
		info2 = gpa;
		if (kind == K_MMIO_MOV) {	/* MOV [rBX], eAX or the reverse, in any mode */
			info1 = NPF_INFO1_U | NPF_INFO1_FINAL | (sub & 1 ? NPF_INFO1_W : 0);
			v->regs.rbx = gpa;
			s->ds.base = 0;
			len = 0;
			if (!(s->cs.attrib & (SEG_DB | SEG_L)))
				insn[len++] = 0x67;	/* 32-bit address in 16-bit code */
			if (!(s->cs.attrib & (SEG_DB | SEG_L)) && !(sub & 2))
				insn[len++] = 0x66;
			insn[len++] = sub & 2 ? (sub & 1 ? 0x88 : 0x8a) : (sub & 1 ? 0x89 : 0x8b);
			insn[len++] = 0x03;
		} else {
			len = MIN(r[6], 16u);
			memcpy(insn, r + 48, len);
		}
		break;
	case K_VMMCALL:
		code = VMEXIT_VMMCALL;
		if (!(sub & 0x80))
			s->rax = sub & 3;	/* a defined function, mostly */
		if ((sub & 3) == 1)
			v->regs.rcx &= 0x1fff;
		insn[len++] = 0x0f;
		insn[len++] = 0x01;
		insn[len++] = 0xd9;
		break;
	case K_HLT:
		code = VMEXIT_HLT;
		insn[len++] = 0xf4;
		break;
	case K_INTR:
		code = VMEXIT_INTR;
		break;
	case K_NMI:
		code = VMEXIT_NMI;
		break;
	case K_VINTR:
		if (!(c->intercept_misc1 & INTERCEPT_VINTR) || !(c->v_intr & V_IRQ))
			goto no_exit;
		code = VMEXIT_VINTR;
		break;
	case K_IRET:
		if (!(c->intercept_misc1 & INTERCEPT_IRET))
			goto no_exit;
		code = VMEXIT_IRET;
		insn[len++] = 0xcf;
		break;
	case K_SMI:
		code = VMEXIT_SMI;
		break;
	case K_INIT:
		code = VMEXIT_INIT;
		break;
	case K_EXCP: {
		static const unsigned vectors[] = { EXC_DB, EXC_AC, EXC_DF, EXC_MC };
		unsigned vec = sel < 0xf0 ? vectors[sel % 4] : sel & 31;

		if (!(c->intercept_exceptions & 1u << vec))
			goto no_exit;
		code = VMEXIT_EXCP_BASE + vec;
		if (vec == EXC_DB)	/* DR6 as the CPU leaves it: single step or a breakpoint */
			s->dr6 = DR6_RESET | (sub & 1 ? DR6_BS : 0) | (sub >> 1 & DR6_BMASK);
		break;
	}
	case K_SHUTDOWN:
		code = VMEXIT_SHUTDOWN;
		break;
	case K_INVALID:
		code = VMEXIT_INVALID;
		break;
	case K_WBINVD:
		code = VMEXIT_WBINVD;
		if (sub & 1)
			insn[len++] = 0xf3;	/* WBNOINVD */
		insn[len++] = 0x0f;
		insn[len++] = 0x09;
		break;
	case K_RDPMC:
		code = VMEXIT_RDPMC;
		insn[len++] = 0x0f;
		insn[len++] = 0x33;
		break;
	case K_XSETBV:
		code = VMEXIT_XSETBV;
		insn[len++] = 0x0f;
		insn[len++] = 0x01;
		insn[len++] = 0xd1;
		break;
	case K_CR: {	/* MOV CR0/CR4 from RAX..RBX, LMSW (register or [EAX]), CLTS */
		unsigned gpr = sub & 3, n = sel & 1 ? 4 : 0;

		insn[len++] = 0x0f;
		switch (sel % 4) {
		case 0:
		case 1:
			code = n ? VMEXIT_CR4_WRITE : sub & 4 ? VMEXIT_CR0_WRITE : VMEXIT_CR0_SEL_WRITE;
			insn[len++] = 0x22;
			insn[len++] = (uint8_t)(0xc0 | n << 3 | gpr);
			if (svm_caps.features & SVM_FEAT_DECODE_ASSISTS)
				info1 = CR_INFO1_MOV | gpr;
			break;
		case 2:
			code = VMEXIT_CR0_SEL_WRITE;
			insn[len++] = 0x01;
			insn[len++] = (uint8_t)(sub & 8 ? 0x30 : 0xf0 | gpr);
			break;
		default:
			code = VMEXIT_CR0_WRITE;
			insn[len++] = 0x06;
			break;
		}
		break;
	}
	case K_TASK_SWITCH:
		code = VMEXIT_TASK_SWITCH;
		info1 = aux & 0xffff;
		info2 = (uint64_t)(sub & 0x1d) << 36;
		break;
	case K_INVD:
		code = VMEXIT_INVD;
		insn[len++] = 0x0f;
		insn[len++] = 0x08;
		break;
	case K_SVM_INSN:
		code = svm_insns[sel % ARRAY_SIZE(svm_insns)];
		insn[len++] = 0x0f;
		insn[len++] = 0x01;
		insn[len++] = 0xd8 + (sel & 7);
		break;
	case K_RAW:
		code = aux;
		break;
	case K_STORE:
		CHECK(ram_copy(&vm->ram, aux % (vm->mem - 16), (void *)(r + 48), 16, true));
		goto no_exit;
	default:	/* K_TIME and the unused kinds: time passes */
	no_exit:	/* the guest runs on until the host's own interrupt takes the core */
		code = VMEXIT_INTR;
		info1 = info2 = 0;
		len = 0;
		break;
	}
	if ((r[1] & 0x80) && code != VMEXIT_INTR) {	/* the guest's own bytes (a prefix, garbage) */
		len = MIN(r[6], 16u);
		memcpy(insn, r + 48, len);
	}
	n = plant(v, insn, len);

	/* The exit, as the CPU writes it. */
	c->exitcode = code;
	if (code == VMEXIT_INVALID && (sub & 1))
		c->exitcode = ~0ull;	/* the APM's -1 (QEMU writes 0x00000000ffffffff) */
	c->exitinfo1 = info1;
	c->exitinfo2 = code == VMEXIT_IOIO ? s->rip + len : info2;
	c->exitintinfo = exitintinfo(v, r);
	c->nrip = (svm_caps.features & SVM_FEAT_NRIPS) ? s->rip + len : 0;
	c->insn_len = 0;
	if (code == VMEXIT_NPF && (svm_caps.features & SVM_FEAT_DECODE_ASSISTS)) {
		c->insn_len = (uint8_t)MIN(n, 15u);
		memcpy(c->insn_bytes, insn, c->insn_len);
	}
	v->exits++;
	if (host.verbose)
		fprintf(stderr, "exit: vcpu%u code %#lx info1 %#lx info2 %#lx intinfo %#lx rip %#lx mode %u\n",
			v->index, (unsigned long)c->exitcode, (unsigned long)info1,
			(unsigned long)c->exitinfo2, (unsigned long)c->exitintinfo, (unsigned long)s->rip,
			(unsigned)gmem_cpu_mode(s));

	/* svm/vcpu.c after svm_world_switch. */
	v->where = VCPU_OUTSIDE;
	apic_after_exit(v);
	c->vmcb_clean = v->clean_mask;
	sh[v->index].snap = *vmcb;
	sh[v->index].have_snap = true;
	if ((uint32_t)c->exitcode == VMEXIT_INVALID)
		asid_core_flush_all(&core_asid[v->index]);
	c->eventinj = c->exitintinfo & EVENT_VALID ? c->exitintinfo : 0;
	sh[v->index].redelivered = c->eventinj;
	exit_dispatch(v);
	if (v->stepping)
		step_check(v, (uint32_t)c->exitcode);
	sh[v->index].after_dispatch = c->eventinj;
}

static void check_vm(void)
{
	CHECK(vm->state == VM_RUNNING || vm->state == VM_STOPPED);
	if (vm->state == VM_STOPPED)
		CHECK(vm->reason[0] != 0);
	CHECK(vm->con.head - vm->con.tail <= OUTRING_SIZE);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpu[i];

		CHECK(v->vm == vm && v->vmcb == vmcbs[i]);
		CHECK(v->xcr0 & XCR0_X87);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_LEN)
		return 0;
	build_vm(data);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpu[i].clean_mask = svm_caps.features & SVM_FEAT_VMCB_CLEAN ? VMCB_CLEAN_ALL : 0;
	data += HEADER_LEN;
	size -= HEADER_LEN;
	for (unsigned n = 0; size >= RECORD_LEN && n < MAX_RECORDS; n++) {
		run_record(data);
		check_vm();
		data += RECORD_LEN;
		size -= RECORD_LEN;
		if (vm->state != VM_RUNNING)
			break;
	}
	/* Each vCPU once more to the point of entry: the state the last
	 * exit left must be enterable too. */
	for (unsigned i = 0; i < vm->nr_vcpus && vm->state == VM_RUNNING; i++)
		enter(&vm->vcpu[i]);
	check_vm();
	return 0;
}
