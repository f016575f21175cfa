/* From module2 lines to running VMs. Each line is parsed (kernel/vmopts.c),
 * its image placed in the VM's RAM, a core picked for each vCPU, and that
 * core's idle loop told to run it (an IPI wakes it). */
#include "kernel/vms.h"
#include "drivers/lapic.h"
#include "kernel/cpu.h"
#include "kernel/lib.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/vmopts.h"
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

/* The core for a vCPU: the one cpus= names, else the first free AP with SVM
 * (the boot CPU serves the console). */
static int pick_core(const struct vm_opts *o, unsigned nth)
{
	unsigned seen = 0;

	for (uint32_t id = 0; id < smp_cpu_count(); id++) {
		const struct cpu *c = smp_cpu(id);

		if (o->nr_cpus ? !vm_opts_has_cpu(o, id) : (id == 0 || core_taken[id]))
			continue;
		if (o->nr_cpus && seen++ != nth)
			continue;
		if (!c->svm_on || c->dead || core_taken[id])
			return -1;
		return (int)id;
	}
	return -1;
}

static const char *load_image(struct vm *vm, const struct vm_opts *o, const struct boot_module *m,
			      enum vcpu_mode *mode, uint64_t *rip)
{
	uint64_t len = m->end - m->start;
	void *dst;

	if (o->kind != VM_KIND_FLAT)
		return "only kind=flat images can be loaded so far";
	dst = vm_gpa_ptr(vm, o->load, len);
	if (!dst)
		return "the image does not fit in the VM's RAM at load=";
	if (o->entry >= vm->mem)
		return "entry= is outside the VM's RAM";
	if (o->mode == VM_MODE_LONG)
		return "mode=long is not supported for flat images yet";
	if (o->mode == VM_MODE_REAL && o->entry > 0xffff)
		return "mode=real needs entry= below 64 KiB";
	memcpy(dst, (const void *)m->start, len);
	*mode = o->mode == VM_MODE_REAL ? VCPU_MODE_REAL : VCPU_MODE_PROT32;
	*rip = o->entry;
	return NULL;
}

static void create(const struct boot_module *m)
{
	static struct vm_opts o;
	char err[VMOPTS_ERR_MAX];
	const char *why;
	enum vcpu_mode mode;
	uint64_t rip;
	unsigned nr_vcpus;
	struct vm *vm;

	if (vmopts_parse(m->cmdline, &o, err, sizeof(err))) {
		log_error("vm: module \"%.60s\": %s: not started", m->cmdline, err);
		return;
	}
	if (o.is_extra_module)
		return;	/* handed to its VM by the loader */
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
	nr_vcpus = o.nr_cpus ? o.nr_cpus : 1;
	if (nr_vcpus > 1) {
		vm_stop(vm, NULL, -1, "more than one vCPU per VM is not supported yet");
		return;
	}
	why = vm_setup_memory(vm);
	if (!why)
		why = load_image(vm, &o, m, &mode, &rip);
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
		vcpu_init(v, mode, rip);
	}
	vm->nr_vcpus = nr_vcpus;
	log_info("vm %s: %lu MiB RAM at host %#lx, %s image of %lu bytes, entry %#lx (%s), vcpu0 on cpu%u",
		 vm->name, vm->mem >> 20, vm->ram_hpa, vm_kind_name(o.kind), m->end - m->start, rip,
		 vm_mode_name(o.mode), vm->vcpu[0].core);
	vm->state = VM_RUNNING;
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct cpu *c = smp_cpu(vm->vcpu[i].core);

		vm->vcpu[i].assigned = true;
		c->vcpu = &vm->vcpu[i];
		lapic_send_ipi(c->apic_id, VEC_IPI_KICK);
	}
}

void vms_start(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->nr_modules; i++)
		create(&bi->modules[i]);
}

unsigned vms_wait_all(void)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < nr_vms; i++) {
		struct vm *vm = vms[i];

		while (vm->state != VM_STOPPED)
			cpu_relax();
		for (unsigned j = 0; j < vm->nr_vcpus; j++)	/* its exit report is out */
			while (vm->vcpu[j].assigned && !vm->vcpu[j].exited)
				cpu_relax();
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
