/* SPDX-License-Identifier: BSD-2-Clause */
/* Hypercalls (docs/hypercalls.md): console output, exit with a result, and
 * starting a waiting vCPU of the same VM. */
#include "svm/hypercall.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "svm/gmem.h"
#include "svm/inject.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

#define HC_CONSOLE_WRITE 1	/* RBX = GPA, RCX = length (<= 4096) */
#define HC_EXIT          2	/* RBX = result code */
#define HC_VCPU_START    3	/* RBX = vCPU index, RCX = entry GPA, RDX = its EAX */
#define HC_ERR_INVALID   (~0ull)
#define HC_CONSOLE_MAX   4096

/* Starts a waiting vCPU of vm in 32-bit protected mode at entry, as a flat
 * guest's vcpu0 starts, with EAX = eax and EBX = its index. False if index
 * names no vCPU waiting to be started. */
static bool start_vcpu(struct vm *vm, uint64_t index, uint64_t entry, uint64_t eax)
{
	struct vcpu *t;
	struct vcpu_start st = { .mode = VM_MODE_PROT32, .rip = entry & 0xffffffff,
				 .rax = eax & 0xffffffff, .rbx = index };

	bool unclaimed = false;

	if (index == 0 || index >= vm->nr_vcpus)
		return false;
	t = &vm->vcpu[index];
	/* Exactly one caller may start it: two vCPUs racing for the same
	 * index must not both write a VMCB its core may already be running. */
	if (!__atomic_load_n(&t->waiting, __ATOMIC_ACQUIRE) ||
	    !__atomic_compare_exchange_n(&t->start_claimed, &unclaimed, true, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false;
	vcpu_init(t, &st);	/* it sleeps in its run loop until waiting clears */
	t->halted = false;
	__atomic_store_n(&t->waiting, false, __ATOMIC_RELEASE);
	vm_kick(t);
	log_info("vm %s: vcpu%u started at %#lx", vm->name, t->index, st.rip);
	return true;
}

void hypercall_handle(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint64_t fn = s->rax;

	if (s->cpl != 0) {	/* only the guest's kernel may call: #UD as if there were no VMMCALL */
		inject_exception(v, EXC_UD);
		return;
	}
	gmem_skip(v, "\x0f\x01\xd9");
	switch (fn) {
	case HC_CONSOLE_WRITE: {
		/* Page by page: guest RAM may lie in several host runs (a page
		 * never spans two); every page is checked before any is written. */
		uint64_t gpa = v->regs.rbx, len = v->regs.rcx;

		if (!vm_gpa_ptr(v->vm, gpa, 0))
			len = HC_CONSOLE_MAX + 1;	/* not even its start is RAM */
		for (uint64_t off = 0, n; off < len && len <= HC_CONSOLE_MAX; off += n) {
			n = MIN(len - off, 4096 - ((gpa + off) & 4095));
			if (!vm_gpa_ptr(v->vm, gpa + off, n))
				len = HC_CONSOLE_MAX + 1;
		}
		if (len > HC_CONSOLE_MAX) {
			s->rax = HC_ERR_INVALID;
			return;
		}
		for (uint64_t off = 0, n; off < len; off += n) {	/* the same ring as COM1 */
			n = MIN(len - off, 4096 - ((gpa + off) & 4095));
			outring_write(&v->vm->con, vm_gpa_ptr(v->vm, gpa + off, n), n);
		}
		s->rax = 0;
		return;
	}
	case HC_EXIT:
		vm_stop(v->vm, v, (int)(v->regs.rbx & 0xff), "exit hypercall with code %lu", v->regs.rbx & 0xff);
		return;
	case HC_VCPU_START:
		s->rax = start_vcpu(v->vm, v->regs.rbx, v->regs.rcx, v->regs.rdx) ? 0 : HC_ERR_INVALID;
		return;
	default:
		s->rax = HC_ERR_INVALID;
	}
}
