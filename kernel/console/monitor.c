/* SPDX-License-Identifier: BSD-2-Clause */
/* The serial console (docs/monitor.md): a prompt, a line editor
 * (kernel/console/mon_line.c), an argument parser (mon_cmd.c) and a table
 * of commands that inspect and control the host and every VM. It runs on
 * the boot CPU between two exits of that core's vCPU or in its idle loop,
 * polls the UART, and hands typed input to a VM's COM1 on Ctrl-]. */
#include "kernel/console/monitor.h"
#include "drivers/tsc.h"
#include "drivers/uart.h"
#include "kernel/console/mon_cmd.h"
#include "kernel/console/mon_line.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/smp.h"
#include "kernel/vm/vms.h"
#include "kernel/x86.h"
#include "mm/memory.h"
#include "svm/gmem.h"
#include "svm/gwalk.h"
#include "svm/svm.h"
#include "svm/apic.h"
#include "svm/platform.h"
#include "svm/vm.h"
#include "svm/trace.h"
#include "svm/vmctl.h"

#define PROMPT "svmvisor> "
#define FOCUS_KEY 0x1d	/* Ctrl-]: not Ctrl-A, which QEMU's terminal uses */

/* One console command. args is its argument spec for kernel/console/mon_cmd.c,
 * which also serves as the usage text. */
struct command {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(const char *cmd, const struct mon_args *a);
};

static uint16_t port;
static int focus = -1;	/* index of the VM whose COM1 gets the keyboard; -1: the console */
/* Exits per second of each core's vCPU, sampled once a second. */
static uint64_t rate_t0, rate_last[MAX_CPUS], rate[MAX_CPUS];
static const struct vcpu *rate_vcpu[MAX_CPUS];
static const struct command commands[];

/* To the UART as it is: the prompt hook, between two drained lines. */
static void out_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

static void out(const char *s, size_t n)
{
	log_console_write(s, n);
}

static void echo_raw(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	out_raw(s, n);
}

static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	out(s, n);
}

static void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(buf, MIN((size_t)n, sizeof(buf) - 1));
}

static void print_line(const char *text, void *ctx)
{
	(void)ctx;
	print("%s\n", text);
}

#define UNUSED_ARGS (void)cmd, (void)a

static void cmd_help(const char *cmd, const struct mon_args *a)
{
	const char *which = mon_args_word(a, "cmd");
	bool found = false;

	(void)cmd;
	for (const struct command *c = commands; c->name; c++) {
		if (which && strcmp(which, c->name))
			continue;
		print("  %-8s %-22s %s\n", c->name, c->args, c->help);
		found = true;
	}
	if (!found)
		print("help: no command \"%.16s\"\n", which);
	if (!which)
		print("  Keys: Ctrl-] gives the next running VM's COM1 the keyboard (after the last,\n"
		      "  back here); Up/Down history; Left/Right/Home/End, Backspace, Delete,\n"
		      "  Ctrl-U, Ctrl-W edit the line. Numbers: decimal or 0x hex, K/M/G suffixes.\n");
}

static void cmd_version(const char *cmd, const struct mon_args *a)
{
	UNUSED_ARGS;
	print("svmvisor %s\n", SVMVISOR_VERSION);
}

static void cmd_features(const char *cmd, const struct mon_args *a)
{
	UNUSED_ARGS;
	svm_report(print_line, NULL);	/* console output: shown at every loglevel */
}

static void cmd_cpus(const char *cmd, const struct mon_args *a)
{
	UNUSED_ARGS;
	print("  cpu  apic  state      svm  vcpu             exits/s  host-save page\n");
	for (uint32_t i = 0; i < smp_cpu_count(); i++) {
		const struct cpu *c = smp_cpu(i);
		const struct vcpu *v = c->vcpu;
		const char *st = c->dead ? "dead" : !c->online ? "offline" : !v ? "idle" :
				 v->paused ? "paused" : v->waiting ? "wait-sipi" :
				 v->halted ? "halted" : "guest";
		char who[32] = "-";

		if (v)
			fmt_snprintf(who, sizeof(who), "%s/vcpu%u", v->vm->name, v->index);
		print("  %3u  %4u  %-9s  %-3s  %-15s  %7lu  %#lx%s\n", c->id, c->apic_id, st,
		      c->svm_on ? "on" : "off", who, v ? rate[i] : 0, c->hsave_pa,
		      c->housekeeping ? "  (console)" : "");
	}
}

static void cmd_mem(const char *cmd, const struct mon_args *a)
{
	UNUSED_ARGS;
	print("  host: %lu free frames (%lu MiB); whole free blocks %lu x 1G, %lu x 2M\n",
	      memory_free_frames(), memory_free_frames() >> 8, memory_free_blocks(1ull << 30),
	      memory_free_blocks(2ull << 20));
	for (unsigned i = 0; i < vms_count(); i++) {
		const struct vm *vm = vms_get(i);

		print("  vm %-15s RAM %6lu MiB in %u extent%s; NPT %lu tables, pages %lu x 1G %lu x 2M "
		      "%lu x 4K\n", vm->name, vm->mem >> 20, vm->ram.nr, vm->ram.nr == 1 ? "" : "s",
		      vm->npt.tables, vm->npt.pages_1g, vm->npt.pages_2m, vm->npt.pages_4k);
		for (uint32_t j = 0; j < vm->ram.nr; j++) {
			const struct ram_extent *e = &vm->ram.ext[j];

			bool kib = e->len & ((1ull << 20) - 1);

			print("    GPA 0x%010lx-0x%010lx -> HPA 0x%010lx  %lu %s\n", e->gpa,
			      e->gpa + e->len - 1, e->hpa, kib ? e->len >> 10 : e->len >> 20,
			      kib ? "KiB" : "MiB");
		}
	}
}

static void cmd_log(const char *cmd, const struct mon_args *a)
{
	static char ring[LOG_RING_SIZE];
	uint64_t lines = 20;
	size_t n = log_ring_read(ring, sizeof(ring)), start = n;

	mon_args_num(a, "n", &lines);
	if (!lines) {
		print("%s: the count must be at least 1\n", cmd);
		return;
	}
	/* Back up to the start of the last `lines` lines. */
	while (start > 0 && lines) {
		start--;
		if (start > 0 && ring[start - 1] == '\n')
			lines--;
	}
	out(ring + start, n - start);
}

static const char *vcpu_state(const struct vm *vm, const struct vcpu *v)
{
	return vm->state == VM_STOPPED ? "stopped" : vm->state != VM_RUNNING ? "created" :
	       v->paused ? "paused" : v->waiting ? "wait-sipi" : v->halted ? "halted" : "running";
}

static void cmd_vms(const char *cmd, const struct mon_args *a)
{
	UNUSED_ARGS;
	if (!vms_count()) {
		print("  no VMs\n");
		return;
	}
	print("  %-15s %-9s %5s %5s %4s %10s %8s  %s\n", "name", "state", "MiB", "vcpus", "cpu",
	      "exits", "dropped", "result");
	for (unsigned i = 0; i < vms_count(); i++) {
		const struct vm *vm = vms_get(i);
		const struct vcpu *v = &vm->vcpu[0];
		uint64_t exits = 0;

		for (unsigned j = 0; j < vm->nr_vcpus; j++)
			exits += vm->vcpu[j].exits;
		print("  %-15s %-9s %5lu %5u %4d %10lu %8lu  ", vm->name, vcpu_state(vm, v),
		      vm->mem >> 20, vm->nr_vcpus, vm->nr_vcpus ? (int)v->core : -1, exits,
		      vm->con.dropped);
		if (vm->state == VM_STOPPED)
			print("%d: %s\n", vm->result, vm->reason);
		else
			print("-\n");
	}
}

/* The VM the command names, or NULL after saying why. */
static struct vm *vm_of(const char *cmd, const struct mon_args *a)
{
	const char *name = mon_args_word(a, "vm");
	struct vm *vm = vms_find(name);

	if (!vm)
		print("%s: no VM named \"%.16s\" (see vms)\n", cmd, name);
	else if (!vm->nr_vcpus)
		print("%s: %s never started: %s\n", cmd, vm->name, vm->reason);
	return vm && vm->nr_vcpus ? vm : NULL;
}

/* The vCPU the command names ([vcpu], default 0), or NULL after saying why. */
static struct vcpu *vcpu_of(const char *cmd, struct vm *vm, const struct mon_args *a)
{
	uint64_t i = 0;

	mon_args_num(a, "vcpu", &i);
	if (i >= vm->nr_vcpus) {
		print("%s: %s has no vcpu%lu (it has vcpu0-vcpu%u)\n", cmd, vm->name, i, vm->nr_vcpus - 1);
		return NULL;
	}
	return &vm->vcpu[i];
}

static void report(const char *cmd, const struct vm *vm, const char *err, const char *done)
{
	if (err)
		print("%s %s: %s\n", cmd, vm->name, err);
	else
		print("%s %s\n", done, vm->name);
}

static const char *reset_from_console(struct vm *vm)
{
	return vms_reset(vm, "from the console");
}

/* pause, resume, kill, reset <vm>: one request to the whole VM. */
static void cmd_vm_op(const char *cmd, const struct mon_args *a)
{
	static const struct {
		const char *cmd, *done;
		const char *(*op)(struct vm *vm);
	} ops[] = {
		{ "pause", "paused", vmctl_pause }, { "resume", "resumed", vmctl_resume },
		{ "kill", "killed", vmctl_kill }, { "reset", "reset", reset_from_console },
	};
	struct vm *vm = vm_of(cmd, a);

	for (size_t i = 0; vm && i < ARRAY_SIZE(ops); i++)
		if (!strcmp(cmd, ops[i].cmd))
			report(cmd, vm, ops[i].op(vm), ops[i].done);
}

static void cmd_step(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vcpu *v = vm ? vcpu_of(cmd, vm, a) : NULL;
	const char *err;

	if (!v)
		return;
	err = vmctl_step(vm, v);
	if (err)
		print("step %s: %s\n", vm->name, err);	/* else the vCPU logs the step */
}

static void cmd_nmi(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vcpu *v = vm ? vcpu_of(cmd, vm, a) : NULL;

	if (v)
		report(cmd, vm, vmctl_nmi(vm, v), "NMI sent to");
}

/* Runs show(v) while the VM is out of guest mode: paused for it if it was
 * running (and resumed after), as it is if paused or stopped. */
static void while_paused(const char *cmd, struct vm *vm, struct vcpu *v,
			 void (*show)(struct vm *, struct vcpu *))
{
	bool paused_here = false;

	if (vm->state == VM_RUNNING && !v->paused) {
		const char *err = vmctl_pause(vm);

		if (err) {
			print("%s %s: %s\n", cmd, vm->name, err);
			return;
		}
		paused_here = true;
	}
	show(vm, v);
	if (paused_here)
		vmctl_resume(vm);
}

static void seg_line(const char *name, const struct vmcb_seg *s)
{
	print("  %-4s sel %04x base %016lx limit %08x attr %04x\n", name, s->selector, s->base,
	      s->limit, s->attrib);
}

static void show_regs(struct vm *vm, struct vcpu *v)
{
	const struct vmcb_save *s = &v->vmcb->save;
	const struct vmcb_control *c = &v->vmcb->control;

	print("  %s vcpu%u (%s)\n", vm->name, v->index, vm->state == VM_STOPPED ? "stopped" :
	      v->waiting ? "waiting for a STARTUP IPI" : "paused");
	print("  RIP %016lx RFLAGS %016lx CPL %u\n", s->rip, s->rflags, s->cpl);
	print("  RAX %016lx RBX %016lx RCX %016lx\n", s->rax, v->regs.rbx, v->regs.rcx);
	print("  RDX %016lx RSI %016lx RDI %016lx\n", v->regs.rdx, v->regs.rsi, v->regs.rdi);
	print("  RBP %016lx RSP %016lx R8  %016lx\n", v->regs.rbp, s->rsp, v->regs.r8);
	print("  R9  %016lx R10 %016lx R11 %016lx\n", v->regs.r9, v->regs.r10, v->regs.r11);
	print("  R12 %016lx R13 %016lx R14 %016lx\n", v->regs.r12, v->regs.r13, v->regs.r14);
	print("  R15 %016lx\n", v->regs.r15);
	print("  CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n", s->cr0, s->cr2, s->cr3, s->cr4);
	print("  CR8 (V_TPR) %lx  EFER %016lx (guest view %016lx)\n", c->v_intr & 0xf, s->efer,
	      efer_guest_view(efer_full(&v->msr, s->efer)));
	seg_line("CS", &s->cs);
	seg_line("SS", &s->ss);
	seg_line("DS", &s->ds);
	seg_line("ES", &s->es);
	seg_line("FS", &s->fs);
	seg_line("GS", &s->gs);
	seg_line("TR", &s->tr);
	seg_line("LDTR", &s->ldtr);
	print("  GDTR base %016lx limit %04x  IDTR base %016lx limit %04x\n", s->gdtr.base,
	      s->gdtr.limit, s->idtr.base, s->idtr.limit);
	print("  interrupt shadow %lu, pending: EVENTINJ %#lx, EXITINTINFO %#lx\n",
	      c->interrupt_shadow & 1, c->eventinj, c->exitintinfo);
}

static void cmd_regs(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vcpu *v = vm ? vcpu_of(cmd, vm, a) : NULL;

	if (v)
		while_paused(cmd, vm, v, show_regs);
}

/* The vectors whose bit is set in a 256-bit APIC register, as a list. */
static void vector_list(const char *name, const uint32_t bits[8])
{
	unsigned n = 0;

	print("  %-4s", name);
	for (unsigned vec = 0; vec < 256; vec++)
		if (bits[vec / 32] & 1u << (vec % 32))
			print("%s%#x", n++ ? " " : " ", vec);
	print("%s\n", n ? "" : " -");
}

static const char *const lvt_names[6] = { "timer", "thermal", "perf", "LINT0", "LINT1", "error" };
static const char *const dm_names[8] = { "fixed", "lowest", "SMI", "?3", "NMI", "INIT", "?6", "ExtINT" };
static const char *const timer_modes[4] = { "one-shot", "periodic", "TSC-deadline", "reserved" };

static void show_lapic(struct vm *vm, struct vcpu *v)
{
	struct vlapic_view l;

	vlapic_view(&v->lapic, apic_now(v), &l);
	print("  %s vcpu%u local APIC: %s, %s mode, ID %#x, version %#x\n", vm->name, v->index,
	      !l.enabled ? "disabled (APIC_BASE.EN clear)" : l.sw_enabled ? "enabled" :
	      "software-disabled (SVR)", l.x2apic ? "x2APIC" : "xAPIC", l.id, l.version);
	print("  TPR 0x%02x PPR 0x%02x SVR %#x (spurious vector 0x%02x) ESR %#x\n", l.tpr, l.ppr, l.svr,
	      l.svr & 0xff, l.esr);
	print("  LDR 0x%08x DFR 0x%08x (%s) ICR 0x%08x:%08x\n", l.ldr, l.dfr,
	      l.x2apic ? "x2APIC cluster" : (l.dfr >> 28) == 0xf ? "flat" : "cluster", l.icr_hi,
	      l.icr_lo);
	vector_list("IRR", l.irr);
	vector_list("ISR", l.isr);
	vector_list("TMR", l.tmr);
	for (unsigned i = 0; i < 6; i++)
		print("  LVT %-7s 0x%08x vector 0x%02x %s%s%s\n", lvt_names[i], l.lvt[i], l.lvt[i] & 0xff,
		      i == 0 ? timer_modes[l.timer_mode & 3] : dm_names[l.lvt[i] >> 8 & 7],
		      l.lvt[i] & (1u << 16) ? ", masked" : "",
		      l.lvt[i] & (1u << 15) && i != 0 ? ", level" : "");
	print("  timer: initial %#x, current %#x, divide config %#x, fired %lu, ", l.timer_init,
	      l.timer_current, l.timer_div, l.fired);
	if (l.timer_deadline == UINT64_MAX)
		print("not armed\n");
	else
		print("next deadline at guest TSC %#lx (in %ld us)\n", l.timer_deadline,
		      tsc_khz() ? (long)((int64_t)(l.timer_deadline - apic_now(v)) * 1000 /
				       (int64_t)tsc_khz()) : -1L);
	print("  NMI: %s%s, %u injected\n", v->nmi_pending ? "pending" : "none pending",
	      v->nmi_masked ? ", blocked until the handler's IRET" : "", v->nmis_injected);
}

static void cmd_lapic(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vcpu *v = vm ? vcpu_of(cmd, vm, a) : NULL;

	if (v)
		while_paused(cmd, vm, v, show_lapic);
}

/* devices <vm>: the VM's bus, one line per device range with the accesses
 * it answered, then the accesses nobody answered. */
static void cmd_devices(const char *cmd, const struct mon_args *a)
{
	const struct vm *vm = vm_of(cmd, a);

	if (!vm)
		return;
	print("  %-5s %-23s %-10s %12s\n", "space", "range", "device", "accesses");
	for (unsigned i = 0; i < vm->bus.nr_ranges; i++) {
		const struct bus_range *r = &vm->bus.range[i];
		char range[24];

		fmt_snprintf(range, sizeof(range), "%#lx-%#lx", r->base, r->base + r->len - 1);
		print("  %-5s %-23s %-10s %12lu\n", r->space == BUS_PIO ? "port" : "mmio", range,
		      r->name, __atomic_load_n(&vm->bus.accesses[i], __ATOMIC_RELAXED));
	}
	print("  unassigned (no device answered): %lu\n",
	      __atomic_load_n(&vm->bus.unassigned, __ATOMIC_RELAXED));
}

/* irqs <vm>: interrupts injected per vector and vCPU, and where they came from. */
static void cmd_irqs(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	unsigned rows = 0;

	if (!vm)
		return;
	print("  %-6s", "vector");
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		print(" %9s%u", "vcpu", i);
	print("  sources\n");
	for (unsigned vec = 0; vec < 256; vec++) {
		uint8_t src = 0;
		bool any = false;

		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			any |= vm->vcpu[i].irq_injected[vec] != 0;
			src |= vm->vcpu[i].irq_sources[vec];
		}
		if (!any && !src)
			continue;
		print("  %#-6x", vec);
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			print(" %10u", vm->vcpu[i].irq_injected[vec]);
		print("  %s%s%s%s%s\n", src & IRQ_SRC_TIMER ? "timer " : "", src & IRQ_SRC_IPI ? "IPI " : "",
		      src & IRQ_SRC_SELF ? "self-IPI " : "", src & IRQ_SRC_LINT ? "LINT " : "",
		      src & IRQ_SRC_DEV ? "device " : "");
		rows++;
	}
	print("  %-6s", "NMI");
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		print(" %10u", vm->vcpu[i].nmis_injected);
	print("\n");
	if (!rows)
		print("  (no interrupts injected into %s yet)\n", vm->name);
	print("  device lines (rising edges):");
	for (unsigned line = 0, n = 0; line < BUS_IRQ_LINES; line++)
		if (platform_line_name(line) || vm->bus.irq_raised[line])
			print("%s IRQ%u %s %u", n++ ? "," : "", line,
			      platform_line_name(line) ? platform_line_name(line) : "?",
			      vm->bus.irq_raised[line]);
	print("\n");
}

/* ioapic <vm>: the redirection table decoded, with each pin's level. */
static void cmd_ioapic(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vioapic_view io;
	char text[96];

	if (!vm)
		return;
	vioapic_view(&vm->ioapic, &io);
	print("  %s I/O APIC at %#llx: ID %u, version %#x, %u pins\n", vm->name, VIOAPIC_BASE,
	      io.id, io.version, VIOAPIC_PINS);
	print("  %-3s %-5s %-18s %-44s %s\n", "pin", "line", "entry", "decoded", "sent");
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		vioapic_describe(io.rte[pin], text, sizeof(text));
		print("  %3u %-5s 0x%016lx %-44s %u\n", pin, io.level & 1u << pin ? "high" : "low",
		      io.rte[pin], text, io.counts[pin]);
	}
}

/* pic <vm>: both 8259As at a glance. */
static void cmd_pic(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vpic_view p;
	unsigned n = 0;

	if (!vm)
		return;
	vpic_view(&vm->pic, &p);
	for (unsigned i = 0; i < 2; i++)
		print("  %-6s %s vectors 0x%02x-0x%02x IMR 0x%02x IRR 0x%02x ISR 0x%02x ELCR 0x%02x%s%s\n",
		      i ? "slave" : "master", p.chip[i].initialized ? "initialized," : "not initialized,",
		      p.chip[i].vector_base, p.chip[i].vector_base + 7, p.chip[i].imr, p.chip[i].irr,
		      p.chip[i].isr, p.chip[i].elcr, p.chip[i].aeoi ? ", auto-EOI" : "",
		      p.chip[i].special_mask ? ", special mask" : "");
	print("  output (vcpu0 LINT0): %s; acknowledged per IRQ:", p.out ? "high" : "low");
	for (unsigned irq = 0; irq < 16; irq++)
		if (p.counts[irq])
			print(" %u:%u", irq, p.counts[irq]), n++;
	print("%s; spurious %u\n", n ? "" : " none", p.spurious);
}

/* pit <vm>: the three counters and port 0x61. */
static void cmd_pit(const char *cmd, const struct mon_args *a)
{
	static const char *const access[4] = { "latch", "lobyte", "hibyte", "lobyte/hibyte" };
	struct vm *vm = vm_of(cmd, a);
	struct vpit_view p;

	if (!vm)
		return;
	vpit_view(&vm->pit, rdtsc(), &p);
	for (unsigned i = 0; i < 3; i++)
		print("  counter %u: mode %u, %s, %s, reload %u, count %u, out %s, gate %s%s\n", i,
		      p.ch[i].mode, access[p.ch[i].access & 3], p.ch[i].bcd ? "BCD" : "binary",
		      p.ch[i].reload, p.ch[i].count, p.ch[i].out ? "high" : "low",
		      p.ch[i].gate ? "high" : "low", p.ch[i].counting ? "" : ", not counting");
	print("  port 0x61: 0x%02x; IRQ0 pulses %lu", p.port61, p.irqs);
	if (p.period_ns)
		print(", every %lu us", p.period_ns / 1000);
	print("\n");
}

/* rtc <vm>: the guest's clock and registers A-D. */
static void cmd_rtc(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vrtc_view r;

	if (!vm)
		return;
	vrtc_view(&vm->rtc, rdtsc(), &r);
	print("  %s RTC: %04ld-%02u-%02u %02u:%02u:%02u, A 0x%02x B 0x%02x C 0x%02x D 0x%02x, %s, %s\n",
	      vm->name, (long)r.now.year, r.now.month, r.now.day, r.now.hour, r.now.min, r.now.sec,
	      r.a, r.b, r.c, r.d, r.b & 0x04 ? "binary" : "BCD", r.b & 0x02 ? "24-hour" : "12-hour");
	print("  periodic %u Hz%s, IRQ8 %s, raised %lu times\n", r.periodic_hz,
	      r.b & 0x40 ? " (interrupt enabled)" : "", r.irq_high ? "high" : "low", r.irqs);
}

static void cmd_vcpus(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);

	if (!vm)
		return;
	print("  %-5s %4s %-9s %10s %6s %18s\n", "vcpu", "cpu", "state", "exits", "asid", "rip");
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpu[i];

		print("  %-5u %4u %-9s %10lu %6u %#18lx\n", i, v->core, vcpu_state(vm, v), v->exits,
		      v->asid.asid, v->vmcb->save.rip);
	}
}

static const char *exit_name(unsigned code)
{
	static const char *const names[NR_EXIT_STATS] = {
		[VMEXIT_CR0_WRITE] = "CR0_WRITE", [VMEXIT_CR4_WRITE] = "CR4_WRITE",
		[VMEXIT_CR0_SEL_WRITE] = "CR0_SEL_WRITE",
		[VMEXIT_EXCP_BASE + 1] = "#DB", [VMEXIT_EXCP_BASE + 8] = "#DF",
		[VMEXIT_EXCP_BASE + 17] = "#AC", [VMEXIT_EXCP_BASE + 18] = "#MC",
		[VMEXIT_INTR] = "INTR", [VMEXIT_NMI] = "NMI", [VMEXIT_SMI] = "SMI",
		[VMEXIT_INIT] = "INIT", [VMEXIT_VINTR] = "VINTR", [VMEXIT_IRET] = "IRET",
		[VMEXIT_CPUID] = "CPUID", [VMEXIT_INVD] = "INVD",
		[VMEXIT_HLT] = "HLT", [VMEXIT_INVLPGA] = "INVLPGA", [VMEXIT_IOIO] = "IOIO",
		[VMEXIT_MSR] = "MSR", [VMEXIT_TASK_SWITCH] = "TASK_SWITCH",
		[VMEXIT_SHUTDOWN] = "SHUTDOWN", [VMEXIT_VMRUN] = "VMRUN", [VMEXIT_VMMCALL] = "VMMCALL",
		[VMEXIT_VMLOAD] = "VMLOAD", [VMEXIT_VMSAVE] = "VMSAVE", [VMEXIT_STGI] = "STGI",
		[VMEXIT_CLGI] = "CLGI", [VMEXIT_SKINIT] = "SKINIT", [VMEXIT_RDTSCP] = "RDTSCP",
		[VMEXIT_MONITOR] = "MONITOR", [VMEXIT_MWAIT] = "MWAIT", [VMEXIT_XSETBV] = "XSETBV",
		[VMEXIT_WBINVD] = "WBINVD", [VMEXIT_RDPMC] = "RDPMC", [VMEXIT_RDPRU] = "RDPRU",
	};

	if (code == VMEXIT_NPF)
		return "NPF";
	if (code == VMEXIT_INVALID)
		return "INVALID";
	return code < NR_EXIT_STATS && names[code] ? names[code] : "";
}

/* Names of the set bits (names NULL: exception vectors), after label,
 * wrapped at about 90 columns. */
static void bit_names(const char *label, uint32_t bits, const char *const names[32])
{
	char line[100];
	int n = fmt_snprintf(line, sizeof(line), "      %-11s", label);

	for (unsigned i = 0; i < 32; i++) {
		char name[8];
		const char *nm = names ? names[i] : exc_name(i);

		if (!(bits >> i & 1))
			continue;
		if (!nm) {
			fmt_snprintf(name, sizeof(name), "bit%u", i);
			nm = name;
		}
		if (n + 1 + (int)strlen(nm) > 90) {
			print("%s\n", line);
			n = fmt_snprintf(line, sizeof(line), "      %-11s", "");
		}
		n += fmt_snprintf(line + n, sizeof(line) - (size_t)n, " %s", nm);
	}
	print("%s\n", line);
}

/* APM Vol.2 Appendix B, Table B-1: intercept vectors 3 and 4 (offsets 0x0c
 * and 0x10) and the exception vector (offset 0x08). */
static const char *const misc1_names[32] = {
	"INTR", "NMI", "SMI", "INIT", "VINTR", "CR0_SEL", "IDTR_R", "GDTR_R", "LDTR_R", "TR_R",
	"IDTR_W", "GDTR_W", "LDTR_W", "TR_W", "RDTSC", "RDPMC", "PUSHF", "POPF", "CPUID", "RSM",
	"IRET", "INTn", "INVD", "PAUSE", "HLT", "INVLPG", "INVLPGA", "IOIO", "MSR", "TASK_SW",
	"FERR_FRZ", "SHUTDOWN",
};
static const char *const misc2_names[32] = {
	"VMRUN", "VMMCALL", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "RDTSCP", "ICEBP",
	"WBINVD", "MONITOR", "MWAIT", "MWAIT_C", "XSETBV", "RDPRU", "EFER_W",
};

/* EVENTINJ and EXITINTINFO, APM Vol.2 15.20: valid, vector, type, error code. */
static void event_line(const char *name, uint64_t e)
{
	static const char *const types[8] = { "INTR", "?1", "NMI", "exception", "INTn", "?5", "?6", "?7" };

	if (!(e & EVENT_VALID)) {
		print("    %-11s %#lx (none)\n", name, e);
		return;
	}
	print("    %-11s %#lx: vector %lu, %s%s", name, e, e & 0xff, types[(e >> 8) & 7],
	      e & EVENT_EV ? ", error code " : "\n");
	if (e & EVENT_EV)
		print("%#lx\n", e >> 32);
}

static void show_vmcb(struct vm *vm, struct vcpu *v)
{
	const struct vmcb_control *c = &v->vmcb->control;
	const struct vmcb_save *s = &v->vmcb->save;

	print("  %s vcpu%u: control area at %#lx\n", vm->name, v->index, (uint64_t)v->vmcb);
	print("    intercept CR read %04x write %04x, DR read %04x write %04x\n",
	      c->intercept_cr_read, c->intercept_cr_write, c->intercept_dr_read, c->intercept_dr_write);
	print("    intercept exceptions %08x, misc %08x %08x %08x\n", c->intercept_exceptions,
	      c->intercept_misc1, c->intercept_misc2, c->intercept_misc3);
	bit_names("exceptions:", c->intercept_exceptions, NULL);
	bit_names("misc:", c->intercept_misc1, misc1_names);
	bit_names("misc2:", c->intercept_misc2, misc2_names);
	print("    IOPM %#lx MSRPM %#lx TSC offset %#lx\n", c->iopm_base_pa, c->msrpm_base_pa,
	      c->tsc_offset);
	print("    ASID %u TLB_CONTROL %u V_INTR %#lx interrupt shadow %#lx clean %#x\n",
	      c->guest_asid, c->tlb_control, c->v_intr, c->interrupt_shadow, c->vmcb_clean);
	print("    NP_ENABLE %#lx N_CR3 %#lx\n", c->np_enable, c->n_cr3);
	print("    EXITCODE %#lx (%s) EXITINFO1 %#lx EXITINFO2 %#lx NRIP %#lx\n", c->exitcode,
	      exit_name((unsigned)c->exitcode), c->exitinfo1, c->exitinfo2, c->nrip);
	event_line("EXITINTINFO", c->exitintinfo);
	event_line("EVENTINJ", c->eventinj);
	print("  save area\n");
	print("    CPL %u EFER %#lx CR0 %#lx CR3 %#lx CR4 %#lx\n", s->cpl, s->efer, s->cr0, s->cr3, s->cr4);
	print("    RIP %#lx RSP %#lx RAX %#lx RFLAGS %#lx\n", s->rip, s->rsp, s->rax, s->rflags);
	print("    DR6 %#lx DR7 %#lx CR2 %#lx G_PAT %#lx\n", s->dr6, s->dr7, s->cr2, s->g_pat);
	print("    STAR %#lx LSTAR %#lx SFMASK %#lx KernelGSbase %#lx\n", s->star, s->lstar,
	      s->sfmask, s->kernel_gs_base);
	seg_line("CS", &s->cs);
	seg_line("SS", &s->ss);
	seg_line("TR", &s->tr);
}

static void cmd_vmcb(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vcpu *v = vm ? vcpu_of(cmd, vm, a) : NULL;

	if (v)
		while_paused(cmd, vm, v, show_vmcb);
}

static bool read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return vm_gpa_copy(ctx, gpa, buf, len, false);
}

static struct gwalk_regs guest_paging(const struct vm *vm)
{
	const struct vmcb_save *s = &vm->vcpu[0].vmcb->save;

	return (struct gwalk_regs){ s->cr0, s->cr3, s->cr4, s->efer, 0 };
}

/* x <vm> <gva> [len]: guest memory by virtual address (through the guest's
 * page tables as vcpu0 has them); x/p: by guest-physical address. */
static void cmd_x(const char *cmd, const struct mon_args *a)
{
	bool phys = !strcmp(cmd, "x/p");
	struct vm *vm = vm_of(cmd, a);
	struct gwalk_regs r;
	uint64_t addr = 0, len = 64;

	if (!vm)
		return;
	mon_args_num(a, phys ? "gpa" : "gva", &addr);
	mon_args_num(a, "len", &len);
	len = MIN(len, 4096);
	r = guest_paging(vm);
	for (uint64_t off = 0; off < len; off += 16) {
		uint8_t b[16];
		char ascii[17];
		unsigned n = (unsigned)MIN(16, len - off);
		uint64_t gpa = addr + off;

		if (!phys) {
			struct gwalk_result w;

			gwalk(&r, addr + off, read_gpa, vm, &w);
			if (w.status != GWALK_OK) {
				print("  %016lx: not mapped in the guest (walk stopped at level %d)\n",
				      addr + off, w.fault_level);
				return;
			}
			gpa = w.gpa;
		}
		if (!read_gpa(vm, gpa, b, n)) {
			print("  %016lx: outside the VM's %lu MiB of RAM\n", addr + off, vm->mem >> 20);
			return;
		}
		print("  %016lx:", addr + off);
		for (unsigned i = 0; i < 16; i++) {
			if (i < n)
				print(" %02x", b[i]);
			else
				print("   ");
			ascii[i] = i < n && b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : i < n ? '.' : 0;
		}
		ascii[16] = 0;
		print("  %s\n", ascii);
	}
}

/* xlate <vm> <gva>: the guest walk level by level, then the nested walk. */
static void cmd_xlate(const char *cmd, const struct mon_args *a)
{
	static const char *const level_names[] = { "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };
	struct vm *vm = vm_of(cmd, a);
	struct gwalk_result w;
	struct gwalk_regs r;
	struct npt_walk nw;
	uint64_t gva = 0;

	if (!vm)
		return;
	mon_args_num(a, "gva", &gva);
	r = guest_paging(vm);
	gwalk(&r, gva, read_gpa, vm, &w);
	if (!w.levels)
		print("  guest paging off: GVA %#lx = GPA %#lx\n", gva, w.gpa);
	/* Down to the leaf: the level that failed, or the one that mapped the
	 * page (1 for 4 KiB, 2 for 2 MiB, 3 for 1 GiB). */
	int last = w.status != GWALK_OK ? w.fault_level : w.page_size >= (1ull << 30) ? 3 :
		   w.page_size >= (2ull << 20) ? 2 : 1;

	for (int l = w.levels; l >= 1 && l >= last; l--) {
		uint64_t e = w.entries[l - 1];

		print("  guest %-5s at GPA 0x%08lx = %016lx  %s%s%s%s%s\n", level_names[l - 1],
		      w.entry_gpa[l - 1], e, e & PTE_P ? "P" : "-", e & PTE_W ? "W" : "-",
		      e & PTE_U ? "U" : "-", e & PTE_PS && l > 1 ? " large" : "",
		      e & PTE_NX ? " NX" : "");
	}
	if (w.status != GWALK_OK) {
		print("  guest walk stopped at level %d: %s\n", w.fault_level,
		      w.status == GWALK_NOT_PRESENT ? "not present" :
		      w.status == GWALK_RESERVED_BIT ? "reserved bit set" :
		      w.status == GWALK_NON_CANONICAL ? "non-canonical address" : "unreadable table");
		return;
	}
	print("  GPA %#lx (page %lu KiB%s%s)\n", w.gpa, w.page_size >> 10,
	      w.writable ? ", writable" : "", w.nx ? ", no-execute" : "");
	if (!npt_translate(&vm->npt, w.gpa, &nw)) {
		print("  nested: GPA %#lx not mapped (outside the VM's RAM)\n", w.gpa);
		return;
	}
	for (int l = 0; l < nw.levels; l++)
		print("  nested %-5s = %016lx\n", level_names[3 - l], nw.entry[l]);
	print("  host physical %#lx (page %lu KiB%s%s)\n", nw.hpa, nw.page_size >> 10,
	      nw.flags & NPT_W ? ", writable" : "", nw.flags & NPT_X ? ", executable" : "");
}

/* exits <vm> [vcpu] [reset]: counts and cycles per exit code, with bars. */
static void cmd_exits(const char *cmd, const struct mon_args *a)
{
	struct vm *vm;
	struct vcpu *v;
	uint64_t most = 0;

	/* exits reset (no VM named "reset"): every vCPU of every VM. */
	if (!strcmp(mon_args_word(a, "vm"), "reset") && !vms_find("reset") &&
	    !mon_args_has(a, "vcpu") && !mon_args_has(a, "reset")) {
		for (unsigned i = 0; i < vms_count(); i++)
			for (unsigned j = 0; j < vms_get(i)->nr_vcpus; j++)
				vcpu_reset_stats(&vms_get(i)->vcpu[j]);
		print("exits: counters of every vCPU reset\n");
		return;
	}
	vm = vm_of(cmd, a);
	v = vm ? vcpu_of(cmd, vm, a) : NULL;
	if (!v)
		return;
	if (mon_args_has(a, "reset")) {
		vcpu_reset_stats(v);
		print("exits %s: vcpu%u counters reset\n", vm->name, v->index);
		return;
	}
	for (unsigned i = 0; i < NR_EXIT_STATS; i++)
		most = MAX(most, v->exit_count[i]);
	print("  %s vcpu%u: %lu exits since it started; since the last reset:\n", vm->name,
	      v->index, v->exits);
	print("  %-6s %-8s %10s %10s %10s %10s\n", "code", "name", "count", "min", "avg", "max");
	for (unsigned i = 0; i < NR_EXIT_STATS; i++) {
		char bar[32];

		if (!v->exit_count[i])
			continue;
		mon_bar(bar, sizeof(bar), v->exit_count[i], most, 24);
		print("  %#06x %-8s %10lu %10lu %10lu %10lu %s\n", i, exit_name(i), v->exit_count[i],
		      v->exit_min[i] == ~0ull ? 0 : v->exit_min[i],
		      v->exit_cycles[i] / v->exit_count[i], v->exit_max[i], bar);
	}
	if (v->npf_exits)	/* outside the table (code 0x400): MMIO emulations, or the one that stopped it */
		print("  %#06x %-8s %10lu\n", VMEXIT_NPF, "NPF", v->npf_exits);
}

static void trace_line(const char *line, void *ctx)
{
	(void)ctx;
	print("  %s\n", line);
}

static void cmd_trace(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct vcpu *v = vm ? vcpu_of(cmd, vm, a) : NULL;
	uint64_t n = 16;

	if (!v)
		return;
	mon_args_num(a, "n", &n);
	if (!n) {
		print("%s: the count must be at least 1\n", cmd);
		return;
	}
	vcpu_trace_print(v, (unsigned)MIN(n, (uint64_t)TRACE_LEN), trace_line, NULL);
}

/* npt <vm>: the nested mappings, by range and page size. */
static void cmd_npt(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	uint64_t gpa = 0;

	if (!vm || !vm->npt.root)
		return;
	print("  root (N_CR3) %#lx, %lu tables; pages: %lu x 1G, %lu x 2M, %lu x 4K\n",
	      vm->npt.root, vm->npt.tables, vm->npt.pages_1g, vm->npt.pages_2m, vm->npt.pages_4k);
	/* Walk the guest-physical space in mapped runs of one page size. */
	while (gpa < vm->mem) {
		struct npt_walk w;
		uint64_t start = gpa, hpa, size;

		if (!npt_translate(&vm->npt, gpa, &w)) {
			gpa += 4096;
			continue;
		}
		hpa = w.hpa;
		size = w.page_size;
		do
			gpa += size;
		while (gpa < vm->mem && npt_translate(&vm->npt, gpa, &w) && w.page_size == size &&
		       w.hpa == hpa + (gpa - start));
		print("  GPA 0x%010lx-0x%010lx -> HPA 0x%010lx  %4lu x %s%s%s\n", start, gpa - 1, hpa,
		      (gpa - start) / size, size == (1ull << 30) ? "1G" : size == (2ull << 20) ? "2M" : "4K",
		      w.flags & NPT_W ? " W" : "", w.flags & NPT_X ? " X" : "");
	}
}

static void out_ctx(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	out(s, n);
}

/* console <vm>: the VM's COM1 output kept in its ring, oldest first. */
static void cmd_console(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	uint64_t head, n;

	if (!vm)
		return;
	head = __atomic_load_n(&vm->con.head, __ATOMIC_ACQUIRE);
	print("--- %s COM1: the last %lu of %lu bytes ---\n", vm->name,
	      MIN(head, (uint64_t)OUTRING_SIZE), head);
	n = outring_replay(&vm->con, out_ctx, NULL);
	if (n && vm->con.buf[(head - 1) % OUTRING_SIZE] != '\n')
		print("\n");
	print("--- end of %s COM1 ---\n", vm->name);
}

/* msrs <vm>: the MSRs the guest tried and got #GP for (svm/msr.c). */
static void cmd_msrs(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);
	struct msr_unknown_entry e;
	uint64_t cursor = 0, overflow;
	unsigned n = 0;

	if (!vm)
		return;
	print("  %-10s %-20s %10s %10s  %s\n", "msr", "name", "reads", "writes", "last written");
	while (msr_unknown_next(&vm->msr.unknown, &cursor, &e)) {
		const struct msr_info *i = msr_info(e.msr);

		print("  %#-10x %-20s %10lu %10lu  ", e.msr, i ? i->name : "-", e.reads, e.writes);
		if (e.writes)
			print("%#lx\n", e.last_written);
		else
			print("-\n");
		n++;
	}
	overflow = msr_unknown_overflow(&vm->msr.unknown);
	if (!n)
		print("  (none: every MSR %s used was one it may use)\n", vm->name);
	if (overflow)
		print("  and %lu accesses to further MSRs (the table holds %u)\n", overflow,
		      MSR_UNKNOWN_SLOTS);
}

static void focus_banner(void);

/* focus <vm>: the VM's COM1 gets the keyboard until Ctrl-] (which then
 * moves on to the next running VM, and back to the console after the last). */
static void cmd_focus(const char *cmd, const struct mon_args *a)
{
	struct vm *vm = vm_of(cmd, a);

	if (!vm)
		return;
	if (vm->state != VM_RUNNING) {
		print("focus: %s is not running\n", vm->name);
		return;
	}
	for (unsigned i = 0; i < vms_count(); i++)
		if (vms_get(i) == vm)
			focus = (int)i;
	focus_banner();
}

static void cmd_reboot(const char *cmd, const struct mon_args *a)
{
	UNUSED_ARGS;
	print("rebooting\n");
	outb(0xcf9, 0x02);	/* PCI reset control: system reset request ... */
	outb(0xcf9, 0x06);	/* ... then the hard reset */
	outb(0x64, 0xfe);	/* 8042 pulse of the reset line, for older chipsets */
	print("reboot: the machine did not reset\n");
}

static const struct command commands[] = {
	{ "help", "[cmd]", "this list, or one command", cmd_help },
	{ "version", "", "hypervisor version", cmd_version },
	{ "features", "", "SVM features and how they are used", cmd_features },
	{ "cpus", "", "every core: APIC ID, state, vCPU, exits per second", cmd_cpus },
	{ "mem", "", "host memory: free frames, each VM's RAM and NPT pages", cmd_mem },
	{ "log", "[n]", "the last n lines of the log (default 20)", cmd_log },
	{ "vms", "", "every VM: state, memory, vCPUs, exits, result", cmd_vms },
	{ "vcpus", "<vm>", "the VM's vCPUs: core, state, exits, ASID, RIP", cmd_vcpus },
	{ "regs", "<vm> [vcpu]", "registers, segments, interrupt shadow, pending events", cmd_regs },
	{ "lapic", "<vm> [vcpu]", "the vCPU's local APIC decoded: IRR/ISR/TMR, LVTs, timer", cmd_lapic },
	{ "irqs", "<vm>", "interrupts injected per vector and vCPU, sources, device lines", cmd_irqs },
	{ "devices", "<vm>", "the VM's devices: port and MMIO ranges, accesses each", cmd_devices },
	{ "ioapic", "<vm>", "the I/O APIC's redirection table decoded, pin levels", cmd_ioapic },
	{ "pic", "<vm>", "the 8259A pair: vectors, IMR/IRR/ISR/ELCR, output", cmd_pic },
	{ "pit", "<vm>", "the 8254 PIT's counters and port 0x61", cmd_pit },
	{ "rtc", "<vm>", "the guest's CMOS clock and registers A-D", cmd_rtc },
	{ "vmcb", "<vm> [vcpu]", "the VMCB, control and save areas, decoded", cmd_vmcb },
	{ "exits", "<vm> [vcpu] [reset]", "exits per reason: count, cycles, bar; reset zeroes", cmd_exits },
	{ "trace", "<vm> [vcpu] [n]", "flight recorder: the last n exits (max 32)", cmd_trace },
	{ "x", "<vm> <gva> [len]", "guest memory by virtual address (hex and ASCII)", cmd_x },
	{ "x/p", "<vm> <gpa> [len]", "guest memory by guest-physical address", cmd_x },
	{ "xlate", "<vm> <gva>", "guest page walk, then nested walk, to the host address", cmd_xlate },
	{ "npt", "<vm>", "the nested mappings by range and page size", cmd_npt },
	{ "console", "<vm>", "replay the VM's COM1 output (the last 4 KiB)", cmd_console },
	{ "msrs", "<vm>", "MSRs the VM got #GP for: reads, writes, last value", cmd_msrs },
	{ "focus", "<vm>", "give the VM's COM1 the keyboard (Ctrl-] moves on)", cmd_focus },
	{ "pause", "<vm>", "stop running the VM's vCPUs", cmd_vm_op },
	{ "resume", "<vm>", "run a paused VM again", cmd_vm_op },
	{ "step", "<vm> [vcpu]", "one guest instruction (trap flag); pauses first", cmd_step },
	{ "nmi", "<vm> [vcpu]", "inject an NMI into a vCPU", cmd_nmi },
	{ "reset", "<vm>", "restart the VM from its image with zeroed RAM", cmd_vm_op },
	{ "kill", "<vm>", "stop the VM for good", cmd_vm_op },
	{ "reboot", "", "reset the machine", cmd_reboot },
	{ 0 },
};

static void run_line(struct mon_line *l)
{
	char *argv[MON_ARGS_MAX + 1];
	struct mon_args args;
	char err[160];
	int argc;

	if (l->overflow) {
		print("error: line longer than %u characters, ignored\n", MON_LINE_MAX);
		return;
	}
	argc = mon_split(l->buf, argv, MON_ARGS_MAX + 1);
	if (argc < 0) {
		print("error: more than %u words\n", MON_ARGS_MAX + 1);
		return;
	}
	if (argc == 0)
		return;
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(argv[0], c->name))
			continue;
		if (mon_args_parse(c->args, argc, argv, &args, err, sizeof(err)))
			print("%s\n", err);
		else
			c->run(c->name, &args);
		return;
	}
	print("error: unknown command \"%.32s\"; try help\n", argv[0]);
}

static void focus_banner(void)
{
	print("\n[input to vm %s; Ctrl-] for the next]\n", vms_get(focus)->name);
}

/* The next running VM after the one at index from (-1: the console), or -1
 * past the last. */
static int next_focus(int from)
{
	for (unsigned i = (unsigned)(from + 1); i < vms_count(); i++)
		if (vms_get(i)->state == VM_RUNNING)
			return (int)i;
	return -1;
}

static struct mon_line line;
static volatile bool at_prompt;	/* the prompt and line are on the screen */

/* Log lines from any CPU: erase the prompt line first (CR, ESC [K), redraw
 * it after, so guest and log output never garble what is being typed. */
static void prompt_hook(bool after)
{
	if (!at_prompt)
		return;
	if (!after) {
		out_raw("\r\033[K", 4);
		return;
	}
	out_raw(PROMPT, sizeof(PROMPT) - 1);
	mon_line_redraw(&line, echo_raw, NULL);	/* nothing for a finished line */
}

void monitor_init(uint16_t uart)
{
	port = uart;
	mon_line_reset(&line);
	print("\nsvmvisor console: type help for the commands; Ctrl-] gives a VM's COM1 "
	      "the keyboard, again for the next, back here after the last\n" PROMPT);
	at_prompt = true;
	log_set_prompt_hook(prompt_hook);
}

static void sample_rates(void)
{
	uint64_t now = time_us();

	if (now - rate_t0 < 1000000)
		return;
	for (uint32_t i = 0; i < smp_cpu_count() && i < MAX_CPUS; i++) {
		const struct vcpu *v = smp_cpu(i)->vcpu;
		uint64_t exits = v ? v->exits : 0;

		rate[i] = v && v == rate_vcpu[i] ? (exits - rate_last[i]) * 1000000 / (now - rate_t0) : 0;
		rate_vcpu[i] = v;
		rate_last[i] = exits;
	}
	rate_t0 = now;
}

bool monitor_poll(void)
{
	bool got = false;

	sample_rates();
	for (;; got = true) {
		int c = uart_getc(port);

		if (c < 0)
			return got;
		if (c == FOCUS_KEY) {
			focus = next_focus(focus);
			at_prompt = focus < 0;
			if (focus >= 0)
				focus_banner();
			else
				print("\n[input to the console]\n" PROMPT);
			continue;
		}
		if (focus >= 0) {
			if (!vuart_rx_push(&vms_get(focus)->uart, (uint8_t)c))
				print("\n[vm %s is not reading its COM1: byte dropped]\n", vms_get(focus)->name);
			continue;
		}
		if (mon_line_feed(&line, (unsigned char)c, echo, NULL)) {
			at_prompt = false;	/* command output is not a log line */
			run_line(&line);
			if (focus < 0) {	/* focus <vm> gave the keyboard away */
				print(PROMPT);
				at_prompt = true;
			}
		}
	}
}
