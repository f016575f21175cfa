/* A virtual machine: its memory behind nested page tables, its I/O and MSR
 * permission maps, its vCPUs and its fate. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/lib/spinlock.h"
#include "kernel/vm/vmopts.h"
#include "mm/npt.h"
#include "svm/vcpu.h"

#define VM_MAX_VCPUS 8
#define VM_OUT_RING  4096

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPED };

struct vm {
	char name[VM_NAME_MAX + 1];
	uint64_t mem;		/* guest RAM: GPA [0, mem) */
	uint64_t ram_hpa;	/* host physical base of that RAM (one aligned run) */
	struct npt npt;		/* guest physical -> host physical */
	uint64_t ncr3;		/* its root, for every vCPU's VMCB */
	uint64_t iopm_pa;	/* 12 KiB, all ones: every port intercepted */
	uint64_t msrpm_pa;	/* 8 KiB, all ones: every MSR intercepted */
	volatile enum vm_state state;
	int result;		/* code written to the debug-exit port, -1 if none */
	bool faulted;		/* stopped by a guest fault: the flight recorder is printed */
	char reason[160];	/* why it stopped */
	uint32_t nr_vcpus;
	struct vcpu vcpu[VM_MAX_VCPUS];
	/* COM1 input typed at the console while this VM has focus: a ring
	 * written by the console's core, read by the vCPU's. */
	uint8_t rx[64];
	volatile uint32_t rx_head, rx_tail;
	char con[128];		/* COM1 output not yet printed (one line) */
	uint32_t con_len;
	struct spinlock con_lock;	/* COM1 state: vCPUs of one VM share it */
	/* Everything the guest wrote to COM1, for the console's replay
	 * (console <vm>): a ring of the last VM_OUT_RING bytes. */
	char out_ring[VM_OUT_RING];
	uint64_t out_head;	/* bytes ever written */
	uint32_t module;	/* its module2 line, for reset */
	uint32_t resets;	/* times restarted from the console */
};

/* Stops the VM for good with a reason (printed with its name); its vCPUs
 * leave their run loops at their next exit. */
void vm_stop(struct vm *vm, struct vcpu *v, int result, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Forces v out of guest mode (an IPI to its core): it looks at its
 * requests and at the VM's state. */
void vm_kick(struct vcpu *v);

/* Allocates guest RAM (zeroed), the I/O and MSR maps and the NPT for
 * vm->mem bytes. NULL on success, else why not. */
const char *vm_setup_memory(struct vm *vm);

/* Queues a byte for the VM's COM1 receiver; false when its ring is full. */
bool vm_console_input(struct vm *vm, uint8_t c);

/* Guest-physical to host pointer for len bytes of guest RAM, or NULL. */
void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
