/* SPDX-License-Identifier: BSD-2-Clause */
/* The VM builder: from module2 lines to running VMs. Each line is parsed
 * (kernel/vm/vmopts.c); the VM gets its RAM behind nested page tables, its
 * permission maps, its devices on its bus and its console ring; its image
 * is placed as kernel/vm/loader.c plans it; a core is picked for each
 * vCPU, and that core's idle loop is told to run it (an IPI wakes it).
 * Reset rebuilds the same VM in place. */
#include "kernel/vm/vms.h"
#include "drivers/cmos.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "drivers/virt/debugexit.h"
#include "kernel/cpu.h"
#include "kernel/lib/date.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "kernel/vm/acpitab.h"
#include "kernel/vm/bzimage.h"
#include "kernel/vm/loader.h"
#include "kernel/vm/mptable.h"
#include "kernel/vm/pvh.h"
#include "kernel/vm/vmopts.h"
#include "kernel/x86.h"
#include "mm/memory.h"
#include "svm/gmem.h"
#include "svm/apic.h"
#include "svm/platform.h"
#include "svm/vm.h"
#include "svm/vmctl.h"

_Static_assert(VM_NAME_MAX < VM_NAME_LEN, "svm/vm.h: a VM's name fits");
_Static_assert(VM_MAX_VCPUS <= ACPITAB_MAX_CPUS && VM_MAX_VCPUS <= MPTABLE_MAX_CPUS,
	       "the firmware tables describe every vCPU");

#define IOPM_PAGES  3	/* APM Vol.2 15.10.1: 12 KiB, one bit per port */
#define MSRPM_PAGES 2	/* APM Vol.2 15.11: 8 KiB */
#define COM1_PORT   0x3f8
#define COM1_IRQ    4
#define DEBUG_EXIT_PORT 0xf4	/* QEMU isa-debug-exit: the value is the VM's result */

#define MAX_VMS 32

static struct vm *vms[MAX_VMS];
static unsigned nr_vms;
static const struct vm *core_owner[MAX_CPUS];	/* the VM each core runs a vCPU of */

static struct vm *vm_new(const char *name)
{
	uint64_t pages = (sizeof(struct vm) + FRAME_SIZE - 1) / FRAME_SIZE;
	struct vm *vm = (struct vm *)memory_alloc_zeroed_run(pages, FRAME_SIZE);

	if (!vm)
		return NULL;
	memcpy(vm->name, name, sizeof(vm->name) - 1);
	vm->result = -1;
	vm->state = VM_CREATED;
	return vm;
}

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

static bool cpu_has_pg1g(void)
{
	return cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PG1G;
}

/* Guest RAM (zeroed, on host runs chosen for the largest NPT pages:
 * mm/ramplace.h), the deny-all I/O and MSR maps, and the nested page
 * tables. NULL on success, else why not. */
static const char *setup_memory(struct vm *vm)
{
	static const struct npt_mem mem = { npt_alloc, npt_free, npt_ptr, NULL };
	bool pg1g = cpu_has_pg1g();

	if (!memory_place_ram(vm->mem, pg1g, &vm->ram))
		return "not enough free host memory for its RAM";
	vm->iopm_pa = alloc_all_ones(IOPM_PAGES);
	vm->msrpm_pa = alloc_all_ones(MSRPM_PAGES);
	if (!vm->iopm_pa || !vm->msrpm_pa)
		return "no memory for its I/O and MSR permission maps";
	if (npt_init(&vm->npt, &mem, pg1g) != NPT_OK)
		return "no memory for its nested page tables";
	for (uint32_t i = 0; i < vm->ram.nr; i++) {
		const struct ram_extent *e = &vm->ram.ext[i];

		if (npt_map(&vm->npt, e->gpa, e->hpa, e->len, NPT_W | NPT_X) != NPT_OK) {
			npt_destroy(&vm->npt);
			return "no memory for its nested page tables";
		}
	}
	vm->ncr3 = vm->npt.root;
	return NULL;
}

/* How the VM's RAM is mapped, for its creation line: "2 x 1G", or
 * "12 x 2M, 512 x 4K; memory fragmented" when free memory did not allow
 * the best mix, "...; the CPU has no 1G pages" when the CPU kept it. */
static const char *ram_mapping(const struct vm *vm, char *buf, unsigned len)
{
	uint64_t got[RAM_PG_SIZES] = { 0 }, best[RAM_PG_SIZES] = { 0 };
	bool pg1g = cpu_has_pg1g();
	size_t n;

	ram_pages(&vm->ram, pg1g, got);
	ram_ideal_pages(vm->mem, pg1g, best);
	ram_pages_str(got, buf, len);
	n = strlen(buf);
	if (got[RAM_PG_1G] != best[RAM_PG_1G] || got[RAM_PG_2M] != best[RAM_PG_2M])
		fmt_snprintf(buf + n, len - n, "; memory fragmented");
	else if (!pg1g && vm->mem >= (1ull << 30))
		fmt_snprintf(buf + n, len - n, "; the CPU has no 1G pages");
	return buf;
}

/* The in-place builders (firmware tables, boot information, zero page,
 * long-mode tables) write through one pointer: into guest RAM when the
 * range lies in one host run, else into this buffer, which build_done
 * copies in. VMs are built and reset one at a time (boot, the console's
 * core). */
static uint8_t bounce[512 << 10] __attribute__((aligned(4096)));

static void *build_at(struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *p = vm_gpa_ptr(vm, gpa, len);

	if (p || len > sizeof(bounce) || !vm_gpa_copy(vm, gpa, bounce, len, false))
		return p;
	return bounce;
}

static void build_done(struct vm *vm, const void *p, uint64_t gpa, uint64_t len)
{
	if (p == bounce)
		vm_gpa_copy(vm, gpa, bounce, len, true);
}

/* An access nobody answers: logged once per port (the bus decides when). */
static void unassigned(void *ctx, enum bus_space sp, uint64_t addr, unsigned size, bool write,
		       bool last)
{
	const struct vm *vm = ctx;

	log_info("vm %s: %s of %u byte%s at unassigned %s %#lx: %s (reported once%s)", vm->name,
		 write ? "write" : "read", size, size > 1 ? "s" : "", sp == BUS_PIO ? "port" : "GPA",
		 addr, write ? "dropped" : "all ones",
		 last ? "; further unassigned pages are counted, not reported" : "");
}

static void host_cpuid(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs4 *out)
{
	struct cpuid_regs r = cpuid(leaf, sub);

	(void)ctx;
	*out = (struct cpuid_regs4){ r.eax, r.ebx, r.ecx, r.edx };
}

/* Each vCPU's CPUID (docs/cpu.md): the host's, filtered, with its own APIC
 * ID. NULL on success, else why not. */
static const char *setup_cpuid(struct vm *vm, unsigned nr_vcpus, char *err, size_t errlen)
{
	for (unsigned i = 0; i < nr_vcpus; i++) {
		const struct cpuid_config c = { .nr_vcpus = nr_vcpus, .vcpu = i,
						 .tsc_khz = (uint32_t)tsc_khz(),
						 .lapic_khz = VLAPIC_BUS_KHZ,
						 .x2apic = true, .tsc_deadline = true };

		if (cpuid_build(&vm->vcpu[i].cpuid, &c, host_cpuid, NULL, err, errlen))
			return err;
	}
	return NULL;
}

static void com1_tx(void *ctx, uint8_t c)
{
	struct vm *vm = ctx;

	outring_write(&vm->con, &c, 1);
}

/* The guest's platform on its bus: COM1, the debug-exit port and the rest
 * of a PC (svm/platform.c); the console drains COM1's ring. NULL on
 * success, else why not. */
static const char *setup_devices(struct vm *vm, char *err, size_t errlen)
{
	bus_init(&vm->bus, &(struct bus_hooks){ .unassigned = unassigned, .irq = platform_irq,
						.ctx = vm });
	vuart_init(&vm->uart, &vm->bus, COM1_IRQ, com1_tx, vm);
	if (vuart_attach(&vm->uart, &vm->bus, COM1_PORT, err, errlen) ||
	    debugexit_attach(&vm->bus, DEBUG_EXIT_PORT, err, errlen) ||
	    platform_init(vm, err, errlen))
		return err;
	if (!log_attach(&vm->con_src, &vm->con, vm->name))
		return "no room on the console for its output";
	return NULL;
}

static const struct boot_info *boot;	/* kept for reset */
static bool cpu0_reserved;	/* monitor=dedicated: the console keeps the boot CPU */
static bool smt_shared;		/* smt=shared: two VMs may share a physical core */

/* A core whose SMT sibling runs another VM: the siblings share branch
 * predictors, caches and execution units, so one VM could observe the
 * other's speculation. The sibling's index, or -1 if none (or smt=shared). */
static int sibling_of_other_vm(uint32_t cpu, const struct vm *vm)
{
	for (uint32_t id = 0; id < smp_cpu_count() && !smt_shared; id++)
		if (id != cpu && smp_cpu(id)->core_id == smp_cpu(cpu)->core_id && core_owner[id] &&
		    core_owner[id] != vm)
			return (int)id;
	return -1;
}

/* The core for a vCPU of vm: the one cpus= names, else the first free AP
 * with SVM whose SMT sibling runs no other VM, else the boot CPU, which
 * then shares its time with the console (unless monitor=dedicated keeps it
 * for the console). -1 with why set: none. */
static int pick_core(const struct vm_opts *o, unsigned nth, const struct vm *vm, char *why,
		     size_t n)
{
	unsigned seen = 0;

	fmt_snprintf(why, n, "no free core with SVM for vcpu%u", nth);
	if (!o->nr_cpus) {
		for (uint32_t id = 1; id <= smp_cpu_count(); id++) {
			uint32_t cpu = id % smp_cpu_count();	/* the APs, then cpu0 */
			const struct cpu *c = smp_cpu(cpu);

			if (c->svm_on && !c->dead && !core_owner[cpu] && !(cpu == 0 && cpu0_reserved) &&
			    sibling_of_other_vm(cpu, vm) < 0)
				return (int)cpu;
		}
		return -1;
	}
	for (uint32_t id = 0; id < smp_cpu_count(); id++) {
		const struct cpu *c = smp_cpu(id);
		int sib;

		if (!vm_opts_has_cpu(o, id) || (id == 0 && cpu0_reserved))
			continue;
		if (o->nr_cpus && seen++ != nth)
			continue;
		if (!c->svm_on || c->dead || core_owner[id])
			return -1;
		sib = sibling_of_other_vm(id, vm);
		if (sib >= 0) {
			fmt_snprintf(why, n, "cpu%u is an SMT sibling of cpu%d, which runs vm %s "
				     "(the boot option smt=shared allows that)", id, sib,
				     core_owner[sib]->name);
			return -1;
		}
		return (int)id;
	}
	return -1;
}

#define BOOT_INFO_GPA 0x10000ull	/* Multiboot information: 64 KiB .. 128 KiB */
#define BOOT_INFO_MAX 0x10000ull
#define LINUX_ZERO_PAGE_GPA BOOT_INFO_GPA	/* struct boot_params */
#define LINUX_CMDLINE_GPA 0x20000ull	/* 128 KiB, as QEMU */
#define MAX_EXTRA_MODULES 16

static struct vm_opts opts[BOOT_MAX_MODULES];

/* Copies the extra modules for= this VM after its image (page-aligned) and
 * describes them for the boot information. Returns how many, or -1. */
static int place_modules(struct vm *vm, const struct boot_info *bi, uint64_t at,
			 struct guest_module *mods)
{
	int n = 0;

	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];
		uint64_t len = m->end - m->start;

		if (!opts[i].is_extra_module || strcmp(opts[i].for_vm, vm->name))
			continue;
		at = ALIGN_UP(at, FRAME_SIZE);
		if (n == MAX_EXTRA_MODULES || !vm_gpa_copy(vm, at, (void *)m->start, len, true))
			return -1;
		mods[n++] = (struct guest_module){ at, at + len, opts[i].cmdline };
		at += len;
	}
	return n;
}

/* The firmware tables every VM gets in its low memory (docs/linux.md,
 * "Firmware tables"): ACPI at 0xE0000 and the MP table at 0xF0000, both in
 * the reserved [640K, 1M) of its memory map, where the BIOS-area scans of
 * any kernel find them. A VM smaller than 1 MiB gets none. Returns the
 * RSDP's GPA, or 0. */
#define ACPI_TABLES_GPA 0xe0000ull
#define ACPI_TABLES_MAX 0x10000ull
#define MP_TABLE_GPA    0xf0000ull
#define MP_TABLE_MAX    0x1000ull
static uint64_t firmware_tables(struct vm *vm, unsigned nr_vcpus)
{
	const struct cpuid_regs4 *leaf1 = &vm->vcpu[0].cpuid.basic[1];	/* without OSXSAVE */
	const struct mptable_vm mp = { .nr_cpus = nr_vcpus, .cpu_signature = leaf1->eax,
				       .cpu_features = leaf1->edx };
	uint8_t *low = build_at(vm, ACPI_TABLES_GPA, GUEST_HIGH_BASE - ACPI_TABLES_GPA);
	const struct acpitab_vm acpi = { nr_vcpus, acpi_dsdt_aml, acpi_dsdt_aml_len };
	uint64_t rsdp = 0;
	const char *why = NULL;

	if (!low)
		return 0;
	if (!mptable_build(low + (MP_TABLE_GPA - ACPI_TABLES_GPA), MP_TABLE_MAX, MP_TABLE_GPA, &mp))
		log_warn("vm %s: no MP table (%u vCPUs)", vm->name, nr_vcpus);
	if (!acpitab_build(low, ACPI_TABLES_MAX, ACPI_TABLES_GPA, &acpi, &rsdp, &why))
		log_warn("vm %s: no ACPI tables: %s", vm->name, why ? why : "?");
	build_done(vm, low, ACPI_TABLES_GPA, GUEST_HIGH_BASE - ACPI_TABLES_GPA);
	return rsdp;
}

/* The long-mode start area at the top of RAM (kernel/vm/loader.h): the
 * identity map and GDT a mode=long flat guest or a Linux kernel starts on. */
static const char *start_long(struct vm *vm, struct vcpu_start *start, struct guest_mem_range *area)
{
	uint64_t size = loader_long_area_size(vm->mem), at = vm->mem - size;
	struct long_start ls;
	void *p = build_at(vm, at, size);

	if (!loader_build_long_start(p, size, at, vm->mem, &ls))
		return "no room for the long-mode page tables at the top of its RAM";
	build_done(vm, p, at, size);
	start->mode = VM_MODE_LONG;
	start->cr3 = ls.cr3;
	start->gdt_base = ls.gdt_base;
	start->gdt_limit = ls.gdt_limit;
	start->cs = ls.cs;
	start->ds = ls.ds;
	*area = (struct guest_mem_range){ at, size, GUEST_MEM_RESERVED };
	return NULL;
}

/* The for= modules of a VM: how many, and the first. */
static unsigned vm_modules(const struct vm *vm, const struct boot_info *bi,
			   const struct boot_module **first)
{
	unsigned n = 0;

	*first = NULL;
	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		if (!opts[i].is_extra_module || strcmp(opts[i].for_vm, vm->name))
			continue;
		if (!n++)
			*first = &bi->modules[i];
	}
	return n;
}

/* The VM's initrd: its one for= module (NULL: none). */
static const char *vm_initrd(const struct vm *vm, const struct boot_info *bi,
			     const struct boot_module **rd)
{
	if (vm_modules(vm, bi, rd) > 1)
		return "a Linux or PVH guest takes one for= module (its initrd)";
	if (*rd && (*rd)->end == (*rd)->start)
		*rd = NULL;
	return NULL;
}

/* Copies the initrd rd to gpa (0: it did not fit). */
static const char *place_initrd(struct vm *vm, const struct boot_module *rd, uint64_t gpa)
{
	uint64_t len = rd->end - rd->start;

	if (!gpa || !vm_gpa_copy(vm, gpa, (void *)rd->start, len, true))
		return "its initrd (the for= module) does not fit in its RAM";
	return NULL;
}

/* Linux x86 boot protocol, 64-bit entry (kernel/vm/bzimage.h, docs/linux.md):
 * the protected-mode kernel at its load address, the initrd as high as it
 * may go, the command line at 128 KiB, the zero page at 64 KiB, and the
 * vCPU in long mode on the identity map at the top of RAM, RSI = zero page. */
static const char *load_linux(struct vm *vm, const struct vm_opts *o, const struct boot_info *bi,
			      const uint8_t *img, size_t len, uint64_t rsdp, struct vcpu_start *start)
{
	struct guest_mem_range top;
	struct bz_plan bp;
	struct bz_boot b = { .guest_mem = vm->mem, .cmdline_gpa = LINUX_CMDLINE_GPA,
			     .rsdp_gpa = rsdp, .extra_reserved = &top, .nr_extra_reserved = 1 };
	const struct boot_module *rd;
	const char *err;
	void *zp;
	size_t n;

	if (bz_plan(img, len, vm->mem, &bp, &err))
		return err;
	if ((err = start_long(vm, start, &top)))
		return err;
	if (bp.load_gpa + bp.init_size > top.base)
		return "bzImage: init_size does not fit below the page tables at the top of its RAM";
	if ((err = vm_initrd(vm, bi, &rd)))
		return err;
	if (rd) {
		b.initrd_size = rd->end - rd->start;
		b.initrd_gpa = bz_initrd_gpa(&bp, b.initrd_size, top.base);
		if ((err = place_initrd(vm, rd, b.initrd_gpa)))
			return err;
	}
	n = strlen(o->cmdline);
	if (n > bp.cmdline_size)
		return "bzImage: the command line is longer than the kernel's cmdline_size";
	if (!vm_gpa_copy(vm, LINUX_CMDLINE_GPA, (void *)o->cmdline, n + 1, true) ||
	    !vm_gpa_copy(vm, bp.load_gpa, (void *)(img + bp.kernel_off), bp.kernel_size, true))
		return "bzImage: the kernel or its command line lies outside the VM's RAM";
	zp = build_at(vm, LINUX_ZERO_PAGE_GPA, BZ_ZERO_PAGE_SIZE);
	if (bz_build_zero_page(zp, img, len, &bp, &b, &err))
		return err;
	build_done(vm, zp, LINUX_ZERO_PAGE_GPA, BZ_ZERO_PAGE_SIZE);
	start->rip = bp.entry64;
	start->rsi = LINUX_ZERO_PAGE_GPA;
	return NULL;
}

/* Copies an image's planned segments into the VM's RAM (the rest of each
 * stays zero: bss). With boot_info, none may overlap the boot information
 * at 64-128 KiB. */
static const char *copy_segments(struct vm *vm, const uint8_t *img, const struct load_segment *seg,
				 unsigned n, bool boot_info)
{
	for (unsigned i = 0; i < n; i++) {
		if (seg[i].gpa > vm->ram.size || seg[i].mem_size > vm->ram.size - seg[i].gpa)
			return "a segment lies outside the VM's RAM";
		if (boot_info && seg[i].gpa < BOOT_INFO_GPA + BOOT_INFO_MAX &&
		    seg[i].gpa + seg[i].mem_size > BOOT_INFO_GPA)
			return "a segment overlaps the boot information at 64-128 KiB";
		if (!vm_gpa_copy(vm, seg[i].gpa, (void *)(img + seg[i].file_off), seg[i].file_size,
				 true))
			return "a segment lies outside the VM's RAM";
	}
	return NULL;
}

/* PVH (kernel/vm/pvh.h, docs/linux.md): the ELF's segments where their
 * program headers say, the initrd as high as it fits below 4 GiB, the
 * hvm_start_info (with the memory map and command line) at 64 KiB, and
 * the vCPU in 32-bit protected mode at the note's entry, EBX = start info. */
static const char *load_pvh(struct vm *vm, const struct vm_opts *o, const struct boot_info *bi,
			    const uint8_t *img, size_t len, uint64_t rsdp, struct vcpu_start *start)
{
	static struct pvh_plan pp;
	struct pvh_boot b = { .guest_mem = vm->mem, .rsdp_gpa = rsdp, .cmdline = o->cmdline };
	const struct boot_module *rd;
	const char *err;
	uint32_t info;
	void *si;

	if (pvh_plan(img, len, vm->mem, &pp, &err))
		return err;
	if ((err = copy_segments(vm, img, pp.seg, pp.nr_segments, false)))
		return err;
	if ((err = vm_initrd(vm, bi, &rd)))
		return err;
	if (rd) {
		b.initrd_size = rd->end - rd->start;
		b.initrd_gpa = pvh_initrd_gpa(&pp, b.initrd_size, vm->mem);
		if ((err = place_initrd(vm, rd, b.initrd_gpa)))
			return err;
	}
	si = build_at(vm, BOOT_INFO_GPA, BOOT_INFO_MAX);
	if (!pvh_build_start_info(si, BOOT_INFO_MAX, BOOT_INFO_GPA, &b, &info, &err))
		return err;
	build_done(vm, si, BOOT_INFO_GPA, BOOT_INFO_MAX);
	start->mode = VM_MODE_PROT32;
	start->rip = pp.entry;
	start->rbx = info;
	return NULL;
}

/* Places the image as its boot protocol says: a bzImage through
 * load_linux, a PVH ELF through load_pvh, else as the loader plans it
 * (Multiboot guests also get their extra modules and boot information, as
 * QEMU -kernel and GRUB give them). Every VM first gets the firmware
 * tables (ACPI, MP) in its low memory; a flat image may overwrite them. */
static const char *load_image(struct vm *vm, const struct vm_opts *o, const struct boot_info *bi,
			      const struct boot_module *m, unsigned nr_vcpus,
			      struct vcpu_start *start)
{
	static struct load_plan plan;
	struct guest_module mods[MAX_EXTRA_MODULES];
	const uint8_t *img = (const uint8_t *)m->start;
	size_t len = m->end - m->start;
	const char *err = NULL;
	uint32_t info = 0;
	uint64_t rsdp;
	size_t used;
	int nr_mods;
	void *mbi;

	*start = (struct vcpu_start){ 0 };
	rsdp = firmware_tables(vm, nr_vcpus);
	if (o->kind == VM_KIND_LINUX || (o->kind == VM_KIND_AUTO && bz_is_bzimage(img, len)))
		return load_linux(vm, o, bi, img, len, rsdp, start);
	if (o->kind == VM_KIND_PVH)
		return load_pvh(vm, o, bi, img, len, rsdp, start);
	if (loader_plan(img, len, o, &plan, &err)) {
		if (o->kind == VM_KIND_AUTO && pvh_has_entry_note(img, len))
			return load_pvh(vm, o, bi, img, len, rsdp, start);
		return err;
	}
	if (plan.mode == VM_MODE_REAL && plan.entry > 0xffff)
		return "mode=real needs entry= below 64 KiB (the vCPU starts with CS = 0)";
	if ((err = copy_segments(vm, img, plan.seg, plan.nr_segments, plan.kind != VM_KIND_FLAT)))
		return err;
	start->mode = plan.mode;
	if (plan.mode == VM_MODE_LONG) {	/* identity map and GDT at the top of RAM */
		struct guest_mem_range area;

		if ((err = start_long(vm, start, &area)))
			return err;
	}
	start->rip = plan.entry;
	start->rax = plan.boot_eax;
	nr_mods = place_modules(vm, bi, plan.image_end, mods);
	if (nr_mods < 0)
		return "its for= modules do not fit in its RAM (or more than 16)";
	if (plan.kind == VM_KIND_FLAT)
		return nr_mods ? "for= modules need a Multiboot guest" : NULL;
	mbi = build_at(vm, BOOT_INFO_GPA, BOOT_INFO_MAX);
	used = (plan.kind == VM_KIND_MB1 ? mb1_build_info : mb2_build_info)(
		mbi, BOOT_INFO_MAX, BOOT_INFO_GPA, vm->mem, o->cmdline, mods, (unsigned)nr_mods, &info);
	if (!used)
		return "its Multiboot information does not fit (RAM too small?)";
	build_done(vm, mbi, BOOT_INFO_GPA, BOOT_INFO_MAX);
	start->rbx = info;
	return NULL;
}

/* A VM that cannot start gives back what it took: its RAM, permission
 * maps, nested page tables, VMCBs and cores. Its record (struct vm) stays,
 * so the console can say why it never started. */
static void release(struct vm *vm)
{
	uint64_t before = memory_free_frames();

	for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
		if (vm->vcpu[i].vmcb)
			memory_free_run((uint64_t)vm->vcpu[i].vmcb, 1);
		vm->vcpu[i].vmcb = NULL;
	}
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (core_owner[i] == vm)
			core_owner[i] = NULL;
	npt_destroy(&vm->npt);
	if (vm->iopm_pa)
		memory_free_run(vm->iopm_pa, IOPM_PAGES);
	if (vm->msrpm_pa)
		memory_free_run(vm->msrpm_pa, MSRPM_PAGES);
	memory_release_ram(&vm->ram);	/* empty: no guest-physical address is RAM any more */
	vm->iopm_pa = vm->msrpm_pa = vm->ncr3 = 0;
	vm->mem = 0;
	if (memory_free_frames() > before)
		log_info("vm %s: the %lu frames it took are free again", vm->name,
			 memory_free_frames() - before);
}

/* Stops a VM that could not be built (why), and releases what it took. */
static void not_started(struct vm *vm, const char *why)
{
	vm_stop(vm, NULL, -1, "%s", why);
	release(vm);
}

static void create(const struct boot_info *bi, uint32_t index)
{
	const struct boot_module *m = &bi->modules[index];
	const struct vm_opts o = opts[index];
	struct vcpu_start start;
	const char *why;
	char err[160], mapping[96], more[32];
	unsigned nr_vcpus;
	struct vm *vm;

	for (unsigned i = 0; i < nr_vms; i++) {
		if (!strcmp(vms[i]->name, o.name)) {
			log_error("vm %s: a second VM with this name: not started", o.name);
			return;
		}
	}
	if (nr_vms == MAX_VMS) {
		log_error("vm %s: no room for another VM (at most %u): not started", o.name, MAX_VMS);
		return;
	}
	if (!(vm = vm_new(o.name))) {
		log_error("vm %s: not enough free host memory for its state: not started", o.name);
		return;
	}
	vms[nr_vms++] = vm;
	vm->mem = o.mem;
	vm->module = index;
	vm->reset_on_crash = o.on_crash == VM_ON_CRASH_RESET;
	vm->strict = o.strict;
	nr_vcpus = o.nr_cpus ? o.nr_cpus : 1;
	if (nr_vcpus > VM_MAX_VCPUS) {
		vm_stop(vm, NULL, -1, "cpus= names %u cores; a VM has at most %u vCPUs", nr_vcpus,
			VM_MAX_VCPUS);
		return;
	}
	why = setup_devices(vm, err, sizeof(err));
	if (!why)
		why = setup_memory(vm);
	if (!why)
		why = setup_cpuid(vm, nr_vcpus, err, sizeof(err));
	if (!why) {	/* its MSRs: the policy's, and the pass-through ones open */
		msr_vm_init(&vm->msr, vm->mem, nr_vcpus, cpuid(0x80000008, 0).eax & 0xff,
			    cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_RDTSCP);
		msrpm_pass_through((uint8_t *)vm->msrpm_pa);
	}
	if (!why)
		why = load_image(vm, &o, bi, m, nr_vcpus, &start);
	if (why) {
		not_started(vm, why);
		return;
	}
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		int core = pick_core(&o, i, vm, err, sizeof(err));

		if (core < 0) {
			not_started(vm, err);
			return;
		}
		core_owner[core] = vm;
		v->vm = vm;
		v->index = i;
		v->core = (uint32_t)core;
		v->cpu = smp_cpu((uint32_t)core);
		v->vmcb = (struct vmcb *)memory_alloc_zeroed_frame();
		if (!v->vmcb) {
			not_started(vm, "not enough free host memory for a VMCB");
			return;
		}
		apic_vcpu_init(v);
		vcpu_reset(v, &start);
	}
	vm->nr_vcpus = nr_vcpus;
	fmt_snprintf(more, sizeof(more), " and %u more extent%s", vm->ram.nr - 1,
		     vm->ram.nr > 2 ? "s" : "");
	log_info("vm %s: %lu MiB RAM (%s) at host %#lx%s, %lu-byte image, entry %#lx (%s), "
		 "vcpu0 on cpu%u",
		 vm->name, vm->mem >> 20, ram_mapping(vm, mapping, sizeof(mapping)), vm->ram.ext[0].hpa,
		 vm->ram.nr > 1 ? more : "", m->end - m->start, start.rip,
		 start.mode == VM_MODE_REAL ? "real mode" : start.mode == VM_MODE_LONG ?
		 "64-bit long mode" : "32-bit protected mode", vm->vcpu[0].core);
	vm->state = VM_RUNNING;
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct cpu *c = smp_cpu(vm->vcpu[i].core);

		vm->vcpu[i].assigned = true;
		c->vcpu = &vm->vcpu[i];
		lapic_send_ipi(c->apic_id, VEC_IPI_KICK);
	}
}

/* The guests' RTCs start from the host's CMOS clock (UTC), read once. */
static void read_wall_clock(void)
{
	int64_t t = cmos_read_unix_time();
	struct date d;

	platform_set_wall_clock(t, rdtsc());
	if (t < 0) {
		log_info("host clock: unreadable (CMOS RTC); guests' clocks start at 2000-01-01");
		return;
	}
	date_from_unix(t, &d);
	log_info("host clock: %04ld-%02u-%02u %02u:%02u:%02u UTC (CMOS RTC)", (long)d.year, d.month,
		 d.day, d.hour, d.min, d.sec);
}

void vms_start(const struct boot_info *bi, bool reserve_cpu0, bool smt_share)
{
	bool bad[BOOT_MAX_MODULES] = { false };

	cpu0_reserved = reserve_cpu0;
	smt_shared = smt_share;
	boot = bi;
	read_wall_clock();

	/* Every line first: extra modules (for=) may come before their VM. */
	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		char err[VMOPTS_ERR_MAX];

		if (vmopts_parse(bi->modules[i].cmdline, &opts[i], err, sizeof(err))) {
			log_error("vm: module %u \"%.60s\": %s: not started", i, bi->modules[i].cmdline, err);
			bad[i] = true;
		}
	}
	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		if (bad[i])
			continue;
		if (opts[i].is_extra_module) {
			bool found = false;

			for (uint32_t j = 0; j < bi->nr_modules; j++)
				found |= !bad[j] && !opts[j].is_extra_module &&
					 !strcmp(opts[j].name, opts[i].for_vm);
			if (!found)
				log_error("vm: module %u is for=%s, but there is no such VM", i, opts[i].for_vm);
			continue;
		}
		create(bi, i);
	}
}

bool vms_all_done(void)
{
	for (unsigned i = 0; i < nr_vms; i++) {
		const struct vm *vm = vms[i];

		if (vm->state != VM_STOPPED || vm->reset_pending)
			return false;
		for (unsigned j = 0; j < vm->nr_vcpus; j++)	/* its exit report is out */
			if (vm->vcpu[j].assigned && !vm->vcpu[j].exited)
				return false;
	}
	return true;
}

unsigned vms_report_results(void)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < nr_vms; i++) {
		const struct vm *vm = vms[i];

		if (vm->result != 0)
			failed++;
		log_info("vm %s: result %d (%s)", vm->name, vm->result, vm->reason);
	}
	return failed;
}

unsigned vms_count(void)
{
	return nr_vms;
}

struct vm *vms_get(unsigned i)
{
	return i < nr_vms ? vms[i] : NULL;
}

struct vm *vms_find(const char *name)
{
	for (unsigned i = 0; i < nr_vms; i++)
		if (!strcmp(vms[i]->name, name))
			return vms[i];
	return NULL;
}

/* Back to the state the boot left it in: every vCPU out of guest mode (or
 * gone), RAM zeroed, the image and boot information placed anew, vcpu0 at
 * the entry point and the others waiting, the exit counters zeroed; then
 * running again on the same cores. */
/* A VM stopped for a reset (vm_request_reset) whose vCPUs have all left
 * their run loops (or are on this core, out of guest mode). */
static bool reset_ready(const struct vm *vm)
{
	if (!vm->reset_pending || vm->state != VM_STOPPED)
		return false;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].assigned && !vm->vcpu[i].exited && !vmctl_is_local(&vm->vcpu[i]))
			return false;
	return true;
}

void vms_service(void)
{
	for (unsigned i = 0; i < nr_vms; i++) {
		struct vm *vm = vms[i];
		const char *why;
		char cause[sizeof(vm->reason) + 8];

		if (!reset_ready(vm))
			continue;
		fmt_snprintf(cause, sizeof(cause), "(%s)", vm->reason);
		why = vms_reset(vm, cause);
		vm->reset_pending = false;
		if (why)
			vm_stop(vm, NULL, -1, "its reset failed: %s", why);
	}
}

const char *vms_reset(struct vm *vm, const char *cause)
{
	const struct vm_opts *o = &opts[vm->module];
	struct vcpu_start start;
	const char *why;

	if (vm->state == VM_CREATED || !vm->nr_vcpus)
		return "it never started (see its boot message)";
	if (vm->state == VM_RUNNING && (why = vmctl_pause(vm)))
		return why;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)	/* a stopped VM: run loops left */
		while (vm->state == VM_STOPPED && vm->vcpu[i].assigned && !vm->vcpu[i].exited &&
		       !vmctl_is_local(&vm->vcpu[i]))
			cpu_relax();
	ram_fill(&vm->ram, 0, 0, vm->mem);
	why = load_image(vm, o, boot, &boot->modules[vm->module], vm->nr_vcpus, &start);
	if (why)
		return why;	/* cannot happen: the same image loaded at boot */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		apic_vcpu_init(&vm->vcpu[i]);
		vcpu_reset(&vm->vcpu[i], &start);
	}
	vuart_reset(&vm->uart);
	platform_reset(vm);
	vm->resets++;
	log_info("vm %s: reset %s (RAM zeroed, image reloaded, entry %#lx)", vm->name, cause,
		 start.rip);
	vm->faulted = false;
	vm->result = -1;
	vm->reason[0] = 0;
	if (vm->state == VM_STOPPED) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = &vm->vcpu[i];

			v->request &= VCPU_REQ_NEW_RUN;	/* what vcpu_reset asked for stays */
			v->paused = false;
			v->exited = false;
			smp_cpu(v->core)->vcpu = v;
		}
		vm->state = VM_RUNNING;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vm_kick(&vm->vcpu[i]);
		return NULL;
	}
	return vmctl_resume(vm);
}

