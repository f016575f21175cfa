/* From module2 lines to running VMs. Each line is parsed (kernel/vmopts.c),
 * its image placed in the VM's RAM, a core picked for each vCPU, and that
 * core's idle loop told to run it (an IPI wakes it). */
#include "kernel/vm/vms.h"
#include "drivers/lapic.h"
#include "kernel/cpu.h"
#include "drivers/tsc.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/vm/loader.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/vm/vmopts.h"
#include "mm/memory.h"
#include "svm/vm.h"

#define MAX_VMS 32

static struct vm *vms[MAX_VMS];
static unsigned nr_vms;
static bool core_taken[MAX_CPUS];

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

static const struct boot_info *boot;	/* kept for reset */
static bool cpu0_reserved;	/* monitor=dedicated: the console keeps the boot CPU */

/* The core for a vCPU: the one cpus= names, else the first free AP with SVM,
 * else the boot CPU, which then shares its time with the console (unless
 * monitor=dedicated keeps it for the console). -1: none. */
static int pick_core(const struct vm_opts *o, unsigned nth)
{
	unsigned seen = 0;

	if (!o->nr_cpus) {
		for (uint32_t id = 1; id <= smp_cpu_count(); id++) {
			uint32_t cpu = id % smp_cpu_count();	/* the APs, then cpu0 */
			const struct cpu *c = smp_cpu(cpu);

			if (c->svm_on && !c->dead && !core_taken[cpu] && !(cpu == 0 && cpu0_reserved))
				return (int)cpu;
		}
		return -1;
	}
	for (uint32_t id = 0; id < smp_cpu_count(); id++) {
		const struct cpu *c = smp_cpu(id);

		if (!vm_opts_has_cpu(o, id) || (id == 0 && cpu0_reserved))
			continue;
		if (o->nr_cpus && seen++ != nth)
			continue;
		if (!c->svm_on || c->dead || core_taken[id])
			return -1;
		return (int)id;
	}
	return -1;
}

#define BOOT_INFO_GPA 0x10000ull	/* Multiboot information: 64 KiB .. 128 KiB */
#define BOOT_INFO_MAX 0x10000ull
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
		void *dst;

		if (!opts[i].is_extra_module || strcmp(opts[i].for_vm, vm->name))
			continue;
		at = ALIGN_UP(at, FRAME_SIZE);
		dst = vm_gpa_ptr(vm, at, len);
		if (n == MAX_EXTRA_MODULES || !dst)
			return -1;
		memcpy(dst, (const void *)m->start, len);
		mods[n++] = (struct guest_module){ at, at + len, opts[i].cmdline };
		at += len;
	}
	return n;
}

/* Places the image as the loader plans it and, for Multiboot guests, the
 * extra modules and the boot information, as QEMU -kernel and GRUB do. */
static const char *load_image(struct vm *vm, const struct vm_opts *o, const struct boot_info *bi,
			      const struct boot_module *m, struct vcpu_start *start)
{
	static struct load_plan plan;
	struct guest_module mods[MAX_EXTRA_MODULES];
	const uint8_t *img = (const uint8_t *)m->start;
	const char *err = NULL;
	uint32_t info = 0;
	size_t used;
	int nr_mods;

	if (loader_plan(img, m->end - m->start, o, &plan, &err))
		return err;
	if (plan.mode == VM_MODE_REAL && plan.entry > 0xffff)
		return "mode=real needs entry= below 64 KiB (the vCPU starts with CS = 0)";
	for (unsigned i = 0; i < plan.nr_segments; i++) {
		const struct load_segment *sg = &plan.seg[i];
		uint8_t *dst = vm_gpa_ptr(vm, sg->gpa, sg->mem_size);

		if (!dst)
			return "a segment lies outside the VM's RAM";
		if (plan.kind != VM_KIND_FLAT && sg->gpa < BOOT_INFO_GPA + BOOT_INFO_MAX &&
		    sg->gpa + sg->mem_size > BOOT_INFO_GPA)
			return "a segment overlaps the boot information at 64-128 KiB";
		memcpy(dst, img + sg->file_off, sg->file_size);	/* the rest stays zero: bss */
	}
	*start = (struct vcpu_start){ .rip = plan.entry, .rax = plan.boot_eax };
	start->mode = plan.mode == VM_MODE_REAL ? VCPU_MODE_REAL :
		      plan.mode == VM_MODE_LONG ? VCPU_MODE_LONG : VCPU_MODE_PROT32;
	if (plan.mode == VM_MODE_LONG) {	/* identity map and GDT at the top of RAM */
		uint64_t size = loader_long_area_size(vm->mem), at = vm->mem - size;
		struct long_start ls;

		if (!loader_build_long_start(vm_gpa_ptr(vm, at, size), size, at, vm->mem, &ls))
			return "mode=long: no room for the long-mode page tables";
		start->cr3 = ls.cr3;
		start->gdt_base = ls.gdt_base;
		start->gdt_limit = ls.gdt_limit;
		start->cs = ls.cs;
		start->ds = ls.ds;
	}
	nr_mods = place_modules(vm, bi, plan.image_end, mods);
	if (nr_mods < 0)
		return "its for= modules do not fit in its RAM (or more than 16)";
	if (plan.kind == VM_KIND_FLAT)
		return nr_mods ? "for= modules need a Multiboot guest" : NULL;
	used = (plan.kind == VM_KIND_MB1 ? mb1_build_info : mb2_build_info)(
		vm_gpa_ptr(vm, BOOT_INFO_GPA, BOOT_INFO_MAX), BOOT_INFO_MAX, BOOT_INFO_GPA, vm->mem,
		o->cmdline, mods, (unsigned)nr_mods, &info);
	if (!used)
		return "its Multiboot information does not fit (RAM too small?)";
	start->rbx = info;
	return NULL;
}

static void create(const struct boot_info *bi, uint32_t index)
{
	const struct boot_module *m = &bi->modules[index];
	const struct vm_opts o = opts[index];
	struct vcpu_start start;
	const char *why;
	unsigned nr_vcpus;
	struct vm *vm;

	for (unsigned i = 0; i < nr_vms; i++) {
		if (!strcmp(vms[i]->name, o.name)) {
			log_error("vm %s: a second VM with this name: not started", o.name);
			return;
		}
	}
	if (nr_vms == MAX_VMS || !(vm = vm_new(o.name))) {
		log_error("vm %s: no room for another VM: not started", o.name);
		return;
	}
	vms[nr_vms++] = vm;
	vm->mem = o.mem;
	vm->module = index;
	nr_vcpus = o.nr_cpus ? o.nr_cpus : 1;
	if (nr_vcpus > VM_MAX_VCPUS) {
		vm_stop(vm, NULL, -1, "cpus= names %u cores; a VM has at most %u vCPUs", nr_vcpus,
			VM_MAX_VCPUS);
		return;
	}
	why = vm_setup_memory(vm);
	if (!why)
		why = load_image(vm, &o, bi, m, &start);
	if (why) {
		vm_stop(vm, NULL, -1, "%s", why);
		return;
	}
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		int core = pick_core(&o, i);

		if (core < 0) {
			vm_stop(vm, NULL, -1, "no free core with SVM for vcpu%u", i);
			return;
		}
		core_taken[core] = true;
		v->vm = vm;
		v->index = i;
		v->core = (uint32_t)core;
		v->vmcb = (struct vmcb *)memory_alloc_zeroed_frame();
		if (!v->vmcb) {
			vm_stop(vm, NULL, -1, "no memory for a VMCB");
			return;
		}
		vcpu_init(v, &start);
		v->waiting = v->halted = i > 0;	/* vcpu1..: until HC_VCPU_START */
	}
	vm->nr_vcpus = nr_vcpus;
	log_info("vm %s: %lu MiB RAM at host %#lx, %lu-byte image, entry %#lx (%s), vcpu0 on cpu%u",
		 vm->name, vm->mem >> 20, vm->ram_hpa, m->end - m->start, start.rip,
		 start.mode == VCPU_MODE_REAL ? "real mode" : start.mode == VCPU_MODE_LONG ?
		 "64-bit long mode" : "32-bit protected mode", vm->vcpu[0].core);
	vm->state = VM_RUNNING;
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct cpu *c = smp_cpu(vm->vcpu[i].core);

		vm->vcpu[i].assigned = true;
		c->vcpu = &vm->vcpu[i];
		lapic_send_ipi(c->apic_id, VEC_IPI_KICK);
	}
}

void vms_start(const struct boot_info *bi, bool reserve_cpu0)
{
	bool bad[BOOT_MAX_MODULES] = { false };

	cpu0_reserved = reserve_cpu0;
	boot = bi;

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

		if (vm->state != VM_STOPPED)
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

#define REQUEST_TIMEOUT_US 200000

/* A vCPU on the core this console runs on is out of guest mode right now
 * (the console runs between its exits): its run loop acts on a request once
 * the console returns, and its state is consistent meanwhile. */
static bool local(const struct vcpu *v)
{
	return v->core == this_cpu()->id;
}

/* Sets or clears req on every running vCPU, kicks them, and waits until
 * done(v) holds for each (not for a local one: it cannot answer before the
 * console returns; a pause is acknowledged for it here). */
static const char *request(struct vm *vm, uint32_t req, bool set, bool (*done)(struct vcpu *))
{
	static char why[80];

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		if (set)
			__atomic_or_fetch(&v->request, req, __ATOMIC_SEQ_CST);
		else
			__atomic_and_fetch(&v->request, ~req, __ATOMIC_SEQ_CST);
		if (local(v) && req == VCPU_REQ_PAUSE)
			v->paused = set;
		else if (v->assigned && !v->exited && !local(v))
			vm_kick(v);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		uint64_t t0 = time_us();

		while (v->assigned && !v->exited && !local(v) && !done(v)) {
			if (time_us() - t0 > REQUEST_TIMEOUT_US) {
				fmt_snprintf(why, sizeof(why), "timed out: vcpu%u on cpu%u did not answer",
					     i, v->core);
				return why;
			}
			cpu_relax();
		}
	}
	return NULL;
}

static bool is_paused(struct vcpu *v)
{
	return v->paused || v->waiting;	/* a vCPU not started yet is out of guest mode */
}

static bool is_running(struct vcpu *v)
{
	return !v->paused;
}

static bool is_gone(struct vcpu *v)
{
	return v->exited;
}

const char *vms_pause(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return "not running";
	return request(vm, VCPU_REQ_PAUSE, true, is_paused);
}

const char *vms_resume(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return "not running";
	return request(vm, VCPU_REQ_PAUSE, false, is_running);
}

static bool nmi_taken(struct vcpu *v)
{
	return !(v->request & VCPU_REQ_NMI);
}

const char *vms_nmi(struct vm *vm, struct vcpu *v)
{
	uint64_t t0;

	if (vm->state != VM_RUNNING)
		return "not running";
	if (v->paused)
		return "paused: resume it first";
	if (v->waiting)
		return "that vCPU has not been started (HC_VCPU_START)";
	__atomic_or_fetch(&v->request, VCPU_REQ_NMI, __ATOMIC_SEQ_CST);
	if (local(v))
		return NULL;	/* injected when the console returns */
	vm_kick(v);
	for (t0 = time_us(); !nmi_taken(v) && vm->state == VM_RUNNING; cpu_relax())
		if (time_us() - t0 > REQUEST_TIMEOUT_US)
			return "timed out: the vCPU did not take the request";
	return NULL;
}

const char *vms_step(struct vm *vm, struct vcpu *v)
{
	uint32_t before = v->steps;
	uint64_t t0;
	const char *err;

	if (vm->state != VM_RUNNING)
		return "not running";
	if (v->waiting)
		return "that vCPU has not been started (HC_VCPU_START)";
	if (!v->paused && (err = vms_pause(vm)))
		return err;
	__atomic_or_fetch(&v->request, VCPU_REQ_STEP, __ATOMIC_SEQ_CST);
	if (local(v))
		return NULL;	/* its run loop steps once the console returns */
	vm_kick(v);
	for (t0 = time_us(); v->steps == before && vm->state == VM_RUNNING; cpu_relax())
		if (time_us() - t0 > REQUEST_TIMEOUT_US)
			return "timed out: the step did not finish";
	return NULL;
}

/* Back to the state the boot left it in: every vCPU out of guest mode (or
 * gone), RAM zeroed, the image and boot information placed anew, vcpu0 at
 * the entry point and the others waiting, the exit counters zeroed; then
 * running again on the same cores. */
const char *vms_reset(struct vm *vm)
{
	const struct vm_opts *o = &opts[vm->module];
	struct vcpu_start start;
	const char *why;

	if (vm->state == VM_CREATED || !vm->nr_vcpus)
		return "it never started (see its boot message)";
	if (vm->state == VM_RUNNING && (why = vms_pause(vm)))
		return why;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)	/* a stopped VM: run loops left */
		while (vm->state == VM_STOPPED && vm->vcpu[i].assigned && !vm->vcpu[i].exited &&
		       !local(&vm->vcpu[i]))
			cpu_relax();
	memset((void *)vm->ram_hpa, 0, vm->mem);
	why = load_image(vm, o, boot, &boot->modules[vm->module], &start);
	if (why)
		return why;	/* cannot happen: the same image loaded at boot */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		vcpu_init(v, &start);
		v->waiting = v->halted = i > 0;
		__atomic_and_fetch(&v->request, ~(VCPU_REQ_STEP | VCPU_REQ_NMI), __ATOMIC_SEQ_CST);
		v->exits = 0;
		memset(v->trace, 0, sizeof(v->trace));
		asid_request_flush(&v->asid);	/* old translations of the old contents */
	}
	vm->resets++;
	log_info("vm %s: reset from the console (RAM zeroed, image reloaded, entry %#lx)", vm->name,
		 start.rip);
	vm->faulted = false;
	vm->result = -1;
	vm->reason[0] = 0;
	if (vm->state == VM_STOPPED) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = &vm->vcpu[i];

			v->request = 0;
			v->paused = false;
			v->exited = false;
			smp_cpu(v->core)->vcpu = v;
		}
		vm->state = VM_RUNNING;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vm_kick(&vm->vcpu[i]);
		return NULL;
	}
	return vms_resume(vm);
}

const char *vms_kill(struct vm *vm)
{
	if (vm->state == VM_STOPPED)
		return "already stopped";
	if (!vm->vcpu[0].assigned) {
		vm_stop(vm, NULL, -1, "killed from the console");
		return NULL;
	}
	return request(vm, VCPU_REQ_KILL, true, is_gone);
}
