/* VM life cycle: guest RAM (one aligned run of frames, zeroed, owned by
 * this VM only) behind nested page tables, deny-all I/O and MSR maps, and
 * the stop path that reports why. */
#include <stdarg.h>
#include "svm/vm.h"
#include "drivers/lapic.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/x86.h"
#include "mm/memory.h"
#include "mm/npt.h"

#define IOPM_PAGES  3	/* APM Vol.2 15.10.1: 12 KiB, one bit per port */
#define MSRPM_PAGES 2	/* APM Vol.2 15.11: 8 KiB */

static uint64_t npt_alloc(void *ctx)
{
	(void)ctx;
	return memory_alloc_zeroed_frame();	/* npt zeroes it too; cheap next to a VMRUN */
}

static void npt_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	memory_free_run(phys, 1);
}

static void *npt_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)phys;
}

static uint64_t alloc_all_ones(unsigned pages)
{
	uint64_t pa = memory_alloc_zeroed_run(pages, FRAME_SIZE);

	if (pa)
		memset((void *)pa, 0xff, pages * FRAME_SIZE);
	return pa;
}

/* An NMI, not an interrupt: with the NMI intercept it exits the guest
 * whatever the guest's own state, and Bochs 2.7 holds physical interrupts
 * while the guest's IF is clear even under V_INTR_MASKING. The count tells
 * the host's NMI handler the NMI was ours. The fixed IPI after it is for a
 * core about to HLT with IF clear: an NMI there would come and go before
 * the HLT, the interrupt stays pending until STI;HLT and ends it. */
void vm_kick(struct vcpu *v)
{
	struct cpu *c = smp_cpu(v->core);

	__atomic_add_fetch(&c->nmi_kicks, 1, __ATOMIC_SEQ_CST);
	lapic_send_nmi(c->apic_id);
	lapic_send_ipi(c->apic_id, VEC_IPI_KICK);
}

const char *vm_setup_memory(struct vm *vm)
{
	static const struct npt_mem mem = { npt_alloc, npt_free, npt_ptr, NULL };
	uint64_t frames = vm->mem / FRAME_SIZE;
	uint64_t align = vm->mem >= (1ull << 30) ? (1ull << 30) : (2ull << 20);
	bool pg1g = cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PG1G;

	/* The largest alignment that fits, so NPT can use large pages. */
	vm->ram_hpa = memory_alloc_zeroed_run(frames, align);
	if (!vm->ram_hpa && align > FRAME_SIZE)
		vm->ram_hpa = memory_alloc_zeroed_run(frames, FRAME_SIZE);
	if (!vm->ram_hpa)
		return "not enough free host memory for its RAM";
	vm->iopm_pa = alloc_all_ones(IOPM_PAGES);
	vm->msrpm_pa = alloc_all_ones(MSRPM_PAGES);
	if (!vm->iopm_pa || !vm->msrpm_pa)
		return "no memory for its I/O and MSR permission maps";
	if (npt_init(&vm->npt, &mem, pg1g) != NPT_OK ||
	    npt_map(&vm->npt, 0, vm->ram_hpa, vm->mem, NPT_W | NPT_X) != NPT_OK) {
		npt_destroy(&vm->npt);
		return "no memory for its nested page tables";
	}
	vm->ncr3 = vm->npt.root;
	return NULL;
}

bool vm_console_input(struct vm *vm, uint8_t c)
{
	uint32_t head = vm->rx_head;

	if (head - vm->rx_tail == sizeof(vm->rx))
		return false;
	vm->rx[head % sizeof(vm->rx)] = c;
	__atomic_store_n(&vm->rx_head, head + 1, __ATOMIC_RELEASE);
	return true;
}

void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->mem || len > vm->mem - gpa)
		return NULL;
	return (void *)(vm->ram_hpa + gpa);
}

void vm_stop(struct vm *vm, struct vcpu *v, int result, const char *fmt, ...)
{
	va_list ap;

	enum vm_state running = VM_RUNNING;

	/* One stop wins: another vCPU may be stopping the VM right now. */
	if (!__atomic_compare_exchange_n(&vm->state, &running, VM_STOPPED, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (vm->state != VM_CREATED)
			return;
		vm->state = VM_STOPPED;	/* never ran: the builder stops it */
	}
	va_start(ap, fmt);
	fmt_vsnprintf(vm->reason, sizeof(vm->reason), fmt, ap);
	va_end(ap);
	vm->result = result;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)	/* the others leave guest mode too */
		if (&vm->vcpu[i] != v && vm->vcpu[i].assigned && !vm->vcpu[i].exited)
			vm_kick(&vm->vcpu[i]);
	if (v)
		log_info("vm %s: stopped: %s (vcpu%u on cpu%u, exit %#lx, RIP %#lx)", vm->name,
			 vm->reason, v->index, v->core, v->vmcb->control.exitcode,
			 v->vmcb->save.rip);
	else
		log_info("vm %s: stopped: %s", vm->name, vm->reason);
}
