/* SPDX-License-Identifier: BSD-2-Clause */
/* A VM's declaration: the command line of its GRUB module2 line, one VM (or
 * one extra module for a VM) per line. Pure: host-tested and fuzzed. The
 * syntax and every error message are documented in docs/vms.md. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "svm/vmcb_init.h"	/* enum vm_mode */

#define VM_NAME_MAX     15			/* characters of vm= and for= */
#define VM_CMDLINE_MAX  255			/* characters of cmdline= */
#define VM_MAX_CPUS     256			/* cpus= numbers; MAX_CPUS in kernel/cpu.h */
#define VM_MEM_DEFAULT  (16ull << 20)
#define VM_MEM_MIN      (1ull << 20)
#define VM_MEM_MAX      (64ull << 30)
#define VM_MEM_ALIGN    0x1000ull		/* mem= is whole 4 KiB pages */
#define VMOPTS_ERR_MAX  512			/* a good size for vmopts_parse's err */

enum vm_kind {
	VM_KIND_AUTO,	/* bzImage ("HdrS"), else Multiboot2, else Multiboot1, else a
			 * PVH ELF note, else error */
	VM_KIND_MB1,	/* Multiboot 0.6.96 */
	VM_KIND_MB2,	/* Multiboot2 2.0 */
	VM_KIND_FLAT,	/* raw bytes at load=, started at entry= in mode= */
	VM_KIND_LINUX,	/* Linux x86 boot protocol 2.12+, 64-bit entry (kernel/vm/bzimage.h) */
	VM_KIND_PVH,	/* an ELF with XEN_ELFNOTE_PHYS32_ENTRY (kernel/vm/pvh.h) */
};


/* What a guest's triple fault does to its VM (on_crash=). */
enum vm_on_crash {
	VM_ON_CRASH_STOP,	/* stop it with the report (default) */
	VM_ON_CRASH_RESET,	/* report, then restart it from its image */
};

struct vm_opts {
	bool is_extra_module;		/* a for= line: a module for another VM */
	char name[VM_NAME_MAX + 1];	/* vm=; "" on a for= line */
	char for_vm[VM_NAME_MAX + 1];	/* for=; "" on a vm= line */
	uint64_t mem;			/* mem=, bytes; default VM_MEM_DEFAULT */
	unsigned nr_cpus;		/* bits set in cpus; 0 = one vCPU on any free core */
	uint64_t cpus[VM_MAX_CPUS / 64];	/* cpus=: bit n = one vCPU pinned to core n */
	enum vm_kind kind;		/* kind=, default auto */
	enum vm_mode mode;		/* kind=flat: mode=, default real; else prot32 */
	uint64_t load;			/* kind=flat: load= (required) */
	uint64_t entry;			/* kind=flat: entry=, default load */
	char cmdline[VM_CMDLINE_MAX + 1];	/* cmdline=, the guest's (or module's) own */
	enum vm_on_crash on_crash;	/* on_crash=, default stop */
	bool strict;			/* strict=on: unassigned MMIO stops the VM */
};

/* Parses one module2 command line into o (always fully written: defaults,
 * then the options). Returns the number of problems found, 0 when the line
 * is good. Each problem names the key and the value; they are joined with
 * "; " into err (NUL-terminated, truncated to errlen; err may be NULL). A
 * nonzero return means: do not start this VM. Uniqueness of vm= names and
 * whether a for= target exists are for the caller, who sees every line. */
int vmopts_parse(const char *line, struct vm_opts *o, char *err, size_t errlen);

/* The option value that selects k or m ("mb2", "prot32", ...). */
const char *vm_kind_name(enum vm_kind k);
const char *vm_mode_name(enum vm_mode m);

static inline bool vm_opts_has_cpu(const struct vm_opts *o, unsigned cpu)
{
	return cpu < VM_MAX_CPUS && (o->cpus[cpu / 64] >> (cpu % 64)) & 1;
}
