/* The serial console: a prompt, a line editor (kernel/mon_line.c) and a
 * table of commands. For now it inspects the host: version, SVM features,
 * cores, memory, the log ring; and it can reboot the machine. It polls the
 * UART (the boot CPU has nothing else to do yet). */
#include "kernel/monitor.h"
#include "drivers/uart.h"
#include "drivers/tsc.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/lib.h"
#include "kernel/log.h"
#include "kernel/mon_line.h"
#include "kernel/smp.h"
#include "kernel/vms.h"
#include "svm/gwalk.h"
#include "svm/vm.h"
#include "kernel/x86.h"
#include "mm/memory.h"
#include "svm/svm.h"

#define PROMPT "svmvisor> "
#define FOCUS_KEY 0x1d	/* Ctrl-]: not Ctrl-A, which QEMU's terminal uses */

struct command {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(int argc, char **argv);
};

static uint16_t port;
/* Exits per second of each core's vCPU, sampled once a second. */
static uint64_t rate_t0, rate_last[MAX_CPUS], rate[MAX_CPUS];
static const struct vcpu *rate_vcpu[MAX_CPUS];
static const struct command commands[];

/* To the UART as it is; the caller holds the log lock (the prompt hook). */
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
	log_console_locked(out_raw, s, n);
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

static void cmd_help(int argc, char **argv)
{
	for (const struct command *c = commands; c->name; c++)
		if (argc < 2 || !strcmp(argv[1], c->name))
			print("  %-9s %-15s %s\n", c->name, c->args, c->help);
	for (const struct command *c = commands; argc >= 2; c++) {
		if (!c->name) {
			print("help: no command \"%.16s\"\n", argv[1]);
			break;
		}
		if (!strcmp(argv[1], c->name))
			break;
	}
}

static void cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("svmvisor %s\n", SVMVISOR_VERSION);
}

static void cmd_features(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	svm_report();	/* to the log, which is on this console */
}

static void cmd_cpus(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("  cpu  apic  state    svm  vcpu             exits/s  host-save page\n");
	for (uint32_t i = 0; i < smp_cpu_count(); i++) {
		const struct cpu *c = smp_cpu(i);
		const struct vcpu *v = c->vcpu;
		const char *st = c->dead ? "dead" : !c->online ? "offline" : !v ? "idle" :
				 v->paused ? "paused" : v->halted ? "halted" : "guest";
		char who[32] = "-";

		if (v)
			fmt_snprintf(who, sizeof(who), "%s/vcpu%u", v->vm->name, v->index);
		print("  %3u  %4u  %-7s  %-3s  %-15s  %7lu  %#lx%s\n", c->id, c->apic_id, st,
		      c->svm_on ? "on" : "off", who, v ? rate[i] : 0, c->hsave_pa,
		      c->housekeeping ? "  (console)" : "");
	}
}

static void cmd_mem(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("  free: %lu frames (%lu MiB)\n", memory_free_frames(), memory_free_frames() >> 8);
}

static void cmd_log(int argc, char **argv)
{
	static char ring[LOG_RING_SIZE];
	uint64_t lines = 20;
	size_t n = log_ring_read(ring, sizeof(ring)), start = n;

	if (argc > 1 && (!cmdline_parse_u64(argv[1], strlen(argv[1]), false, &lines) || !lines)) {
		print("log: bad line count \"%s\"\n", argv[1]);
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

static const char *const state_names[] = {
	[VM_CREATED] = "created", [VM_RUNNING] = "running", [VM_STOPPED] = "stopped",
};

static void cmd_vms(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!vms_count()) {
		print("  no VMs\n");
		return;
	}
	print("  %-15s %-8s %5s %4s %10s  %s\n", "name", "state", "MiB", "cpu", "exits", "result");
	for (unsigned i = 0; i < vms_count(); i++) {
		const struct vm *vm = vms_get(i);
		const struct vcpu *v = &vm->vcpu[0];
		bool paused = vm->state == VM_RUNNING && v->paused;

		print("  %-15s %-8s %5lu %4d %10lu  ", vm->name,
		      paused ? "paused" : v->halted ? "halted" : state_names[vm->state], vm->mem >> 20,
		      v->assigned ? (int)v->core : -1, v->exits);
		if (vm->state == VM_STOPPED)
			print("%d: %s\n", vm->result, vm->reason);
		else
			print("-\n");
	}
}

/* The VM named by argv[1], or NULL after saying why. */
static struct vm *vm_arg(int argc, char **argv)
{
	struct vm *vm;

	if (argc < 2) {
		print("%s: which VM? (see vms)\n", argv[0]);
		return NULL;
	}
	vm = vms_find(argv[1]);
	if (!vm)
		print("%s: no VM named \"%.16s\"\n", argv[0], argv[1]);
	return vm;
}

static void report(const char *cmd, const struct vm *vm, const char *err, const char *done)
{
	if (err)
		print("%s %s: %s\n", cmd, vm->name, err);
	else
		print("%s %s\n", done, vm->name);
}

static void cmd_pause(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);

	if (vm)
		report("pause", vm, vms_pause(vm), "paused");
}

static void cmd_resume(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);

	if (vm)
		report("resume", vm, vms_resume(vm), "resumed");
}

static void cmd_kill(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);

	if (vm)
		report("kill", vm, vms_kill(vm), "killed");
}

static void seg_line(const char *name, const struct vmcb_seg *s)
{
	print("  %-4s sel %04x base %016lx limit %08x attr %04x\n", name, s->selector, s->base,
	      s->limit, s->attrib);
}

/* Registers of vcpu0, read while it is out of guest mode: paused for the
 * read if it was running, resumed after. */
static void cmd_regs(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);
	const struct vcpu *v;
	const struct vmcb_save *s;
	bool paused_here = false;

	if (!vm)
		return;
	v = &vm->vcpu[0];
	if (!v->vmcb) {
		print("regs: %s has no vCPU state\n", vm->name);
		return;
	}
	if (vm->state == VM_RUNNING && !v->paused) {
		const char *err = vms_pause(vm);

		if (err) {
			print("regs %s: %s\n", vm->name, err);
			return;
		}
		paused_here = true;
	}
	s = &v->vmcb->save;
	print("  %s vcpu0 (%s)\n", vm->name, vm->state == VM_STOPPED ? "stopped" : "paused");
	print("  RIP %016lx RFLAGS %016lx CPL %u\n", s->rip, s->rflags, s->cpl);
	print("  RAX %016lx RBX %016lx RCX %016lx\n", s->rax, v->regs.rbx, v->regs.rcx);
	print("  RDX %016lx RSI %016lx RDI %016lx\n", v->regs.rdx, v->regs.rsi, v->regs.rdi);
	print("  RBP %016lx RSP %016lx R8  %016lx\n", v->regs.rbp, s->rsp, v->regs.r8);
	print("  R9  %016lx R10 %016lx R11 %016lx\n", v->regs.r9, v->regs.r10, v->regs.r11);
	print("  R12 %016lx R13 %016lx R14 %016lx\n", v->regs.r12, v->regs.r13, v->regs.r14);
	print("  R15 %016lx\n", v->regs.r15);
	print("  CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n", s->cr0, s->cr2, s->cr3, s->cr4);
	print("  EFER %016lx (guest view %016lx)\n", s->efer, s->efer & ~(uint64_t)EFER_SVME);
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
	print("  interrupt shadow %lu, EVENTINJ %#lx, EXITINTINFO %#lx\n",
	      v->vmcb->control.interrupt_shadow & 1, v->vmcb->control.eventinj,
	      v->vmcb->control.exitintinfo);
	if (paused_here)
		vms_resume(vm);
}

static void cmd_vcpus(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);

	if (!vm)
		return;
	print("  %-5s %4s %-8s %10s %6s %18s\n", "vcpu", "cpu", "state", "exits", "asid", "rip");
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpu[i];
		const char *st = vm->state == VM_STOPPED ? "stopped" : v->paused ? "paused" :
				 v->halted ? "halted" : "running";

		print("  %-5u %4u %-8s %10lu %6u %#18lx\n", i, v->core, st, v->exits, v->asid.asid,
		      v->vmcb->save.rip);
	}
}

/* The VMCB of vcpu0 decoded by name; taken while it is out of guest mode. */
static void cmd_vmcb(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);
	const struct vmcb_control *c;
	const struct vmcb_save *s;
	bool paused_here = false;

	if (!vm || !vm->vcpu[0].vmcb)
		return;
	if (vm->state == VM_RUNNING && !vm->vcpu[0].paused) {
		const char *err = vms_pause(vm);

		if (err) {
			print("vmcb %s: %s\n", vm->name, err);
			return;
		}
		paused_here = true;
	}
	c = &vm->vcpu[0].vmcb->control;
	s = &vm->vcpu[0].vmcb->save;
	print("  control area at %#lx\n", (uint64_t)vm->vcpu[0].vmcb);
	print("    intercept CR read %04x write %04x, DR read %04x write %04x\n",
	      c->intercept_cr_read, c->intercept_cr_write, c->intercept_dr_read, c->intercept_dr_write);
	print("    intercept exceptions %08x, misc %08x %08x %08x\n", c->intercept_exceptions,
	      c->intercept_misc1, c->intercept_misc2, c->intercept_misc3);
	print("    IOPM %#lx MSRPM %#lx TSC offset %#lx\n", c->iopm_base_pa, c->msrpm_base_pa,
	      c->tsc_offset);
	print("    ASID %u TLB_CONTROL %u V_INTR %#lx interrupt shadow %#lx clean %#x\n",
	      c->guest_asid, c->tlb_control, c->v_intr, c->interrupt_shadow, c->vmcb_clean);
	print("    NP_ENABLE %#lx N_CR3 %#lx\n", c->np_enable, c->n_cr3);
	print("    EXITCODE %#lx EXITINFO1 %#lx EXITINFO2 %#lx EXITINTINFO %#lx\n", c->exitcode,
	      c->exitinfo1, c->exitinfo2, c->exitintinfo);
	print("    EVENTINJ %#lx NRIP %#lx\n", c->eventinj, c->nrip);
	print("  save area\n");
	print("    CPL %u EFER %#lx CR0 %#lx CR3 %#lx CR4 %#lx\n", s->cpl, s->efer, s->cr0, s->cr3, s->cr4);
	print("    RIP %#lx RSP %#lx RAX %#lx RFLAGS %#lx\n", s->rip, s->rsp, s->rax, s->rflags);
	print("    DR6 %#lx DR7 %#lx CR2 %#lx G_PAT %#lx\n", s->dr6, s->dr7, s->cr2, s->g_pat);
	print("    STAR %#lx LSTAR %#lx SFMASK %#lx KernelGSbase %#lx\n", s->star, s->lstar,
	      s->sfmask, s->kernel_gs_base);
	seg_line("CS", &s->cs);
	seg_line("SS", &s->ss);
	seg_line("TR", &s->tr);
	if (paused_here)
		vms_resume(vm);
}

static bool read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_gpa_ptr(ctx, gpa, len);

	if (p)
		memcpy(buf, p, len);
	return p != NULL;
}

static struct gwalk_regs guest_paging(const struct vm *vm)
{
	const struct vmcb_save *s = &vm->vcpu[0].vmcb->save;

	return (struct gwalk_regs){ s->cr0, s->cr3, s->cr4, s->efer, 0 };
}

/* Parses argv[i] as an address or length; says why not. */
static bool num_arg(int argc, char **argv, int i, uint64_t *out)
{
	if (i >= argc)
		return false;
	if (!cmdline_parse_u64(argv[i], strlen(argv[i]), true, out)) {
		print("%s: bad number \"%.24s\"\n", argv[0], argv[i]);
		return false;
	}
	return true;
}

/* x <vm> <addr> [len]: guest memory by virtual address (through the guest's
 * page tables as vcpu0 has them); x/p: by guest-physical address. */
static void cmd_x(int argc, char **argv)
{
	bool phys = !strcmp(argv[0], "x/p");
	struct vm *vm = vm_arg(argc, argv);
	struct gwalk_regs r;
	uint64_t addr, len = 64;

	if (!vm || !vm->vcpu[0].vmcb)
		return;
	if (!num_arg(argc, argv, 2, &addr)) {
		if (argc < 3)
			print("%s: usage: %s <vm> <address> [length]\n", argv[0], argv[0]);
		return;
	}
	if (argc > 3 && !num_arg(argc, argv, 3, &len))
		return;
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
static void cmd_xlate(int argc, char **argv)
{
	static const char *const level_names[] = { "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };
	struct vm *vm = vm_arg(argc, argv);
	struct gwalk_result w;
	struct gwalk_regs r;
	struct npt_walk nw;
	uint64_t gva;

	if (!vm || !vm->vcpu[0].vmcb || !num_arg(argc, argv, 2, &gva)) {
		if (vm && argc < 3)
			print("xlate: usage: xlate <vm> <guest virtual address>\n");
		return;
	}
	r = guest_paging(vm);
	gwalk(&r, gva, read_gpa, vm, &w);
	if (!w.levels)
		print("  guest paging off: GVA %#lx = GPA %#lx\n", gva, w.gpa);
	for (int l = w.levels; l >= 1 && l >= (w.fault_level ? w.fault_level : 1); l--) {
		uint64_t e = w.entries[l - 1];

		print("  guest %-5s at GPA %#010lx = %016lx  %s%s%s%s%s\n", level_names[l - 1],
		      w.entry_gpa[l - 1], e, e & 1 ? "P" : "-", e & 2 ? "W" : "-", e & 4 ? "U" : "-",
		      e & (1ull << 7) && l > 1 ? " large" : "", e >> 63 ? " NX" : "");
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

static void cmd_exits(int argc, char **argv)
{
	struct vm *vm;
	const struct vcpu *v;

	if (argc == 3 && !strcmp(argv[2], "reset")) {
		vm = vm_arg(argc, argv);
		if (vm) {
			vcpu_reset_stats(&vm->vcpu[0]);
			print("exits %s: counters reset\n", vm->name);
		}
		return;
	}
	vm = vm_arg(argc, argv);
	if (!vm)
		return;
	v = &vm->vcpu[0];
	print("  %s vcpu0: %lu exits, %lu nested page faults\n", vm->name, v->exits, v->npf_exits);
	print("  %-6s %10s %10s %10s %10s\n", "code", "count", "min", "avg", "max");
	for (unsigned i = 0; i < NR_EXIT_STATS; i++)
		if (v->exit_count[i])
			print("  %#06x %10lu %10lu %10lu %10lu\n", i, v->exit_count[i], v->exit_min[i],
			      v->exit_cycles[i] / v->exit_count[i], v->exit_max[i]);
}

static void trace_line(const char *line, void *ctx)
{
	(void)ctx;
	print("  %s\n", line);
}

static void cmd_trace(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);
	uint64_t n = 16;

	if (!vm)
		return;
	if (argc > 2 && (!cmdline_parse_u64(argv[2], strlen(argv[2]), false, &n) || !n)) {
		print("trace: bad count \"%.20s\"\n", argv[2]);
		return;
	}
	vcpu_trace_print(&vm->vcpu[0], (unsigned)MIN(n, (uint64_t)TRACE_LEN), trace_line, NULL);
}

/* npt <vm>: the nested mappings, by range and page size. */
static void cmd_npt(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);
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

/* nmi <vm>: an NMI for the guest's vcpu0, injected at its next entry. */
static void cmd_nmi(int argc, char **argv)
{
	struct vm *vm = vm_arg(argc, argv);

	if (vm)
		report("nmi", vm, vms_nmi(vm), "NMI sent to");
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
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
	{ "cpus", "", "every core: APIC ID, state, SVM, host-save page", cmd_cpus },
	{ "mem", "", "free host memory", cmd_mem },
	{ "log", "[n]", "the last n lines of the log (default 20)", cmd_log },
	{ "vms", "", "every VM: state, memory, core, exits, result", cmd_vms },
	{ "vcpus", "<vm>", "the VM's vCPUs: core, state, exits, ASID, RIP", cmd_vcpus },
	{ "vmcb", "<vm>", "vcpu0's VMCB, control and save areas, decoded", cmd_vmcb },
	{ "regs", "<vm>", "registers of the VM's vCPU (paused briefly)", cmd_regs },
	{ "x", "<vm> <gva> [n]", "guest memory by virtual address (hex and ASCII)", cmd_x },
	{ "x/p", "<vm> <gpa> [n]", "guest memory by guest-physical address", cmd_x },
	{ "xlate", "<vm> <gva>", "guest page walk, then nested walk, to the host address", cmd_xlate },
	{ "exits", "<vm> [reset]", "exit counts and cycles per exit code; reset zeroes them", cmd_exits },
	{ "npt", "<vm>", "the nested mappings by range and page size", cmd_npt },
	{ "nmi", "<vm>", "inject an NMI into the VM's vcpu0", cmd_nmi },
	{ "trace", "<vm> [n]", "the flight recorder: the last n exits (max 32)", cmd_trace },
	{ "pause", "<vm>", "stop running the VM's vCPUs", cmd_pause },
	{ "resume", "<vm>", "run a paused VM again", cmd_resume },
	{ "kill", "<vm>", "stop the VM for good", cmd_kill },
	{ "reboot", "", "reset the machine", cmd_reboot },
	{ 0 },
};

static void run_line(struct mon_line *l)
{
	char *argv[MON_ARGS_MAX];
	int argc;

	if (l->overflow) {
		print("error: line longer than %u characters, ignored\n", MON_LINE_MAX);
		return;
	}
	argc = mon_split(l->buf, argv, MON_ARGS_MAX);
	if (argc < 0) {
		print("error: more than %u words\n", MON_ARGS_MAX);
		return;
	}
	if (argc == 0)
		return;
	for (const struct command *c = commands; c->name; c++) {
		if (!strcmp(argv[0], c->name)) {
			c->run(argc, argv);
			return;
		}
	}
	print("error: unknown command \"%.32s\"; try help\n", argv[0]);
}

/* The next running VM after focus (-1: the console), or -1 past the last. */
static int next_focus(int focus)
{
	for (unsigned i = (unsigned)(focus + 1); i < vms_count(); i++)
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
	static int focus = -1;	/* index of the VM whose COM1 gets our input */
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
				print("\n[input to vm %s; Ctrl-] for the next]\n", vms_get(focus)->name);
			else
				print("\n[input to the console]\n" PROMPT);
			continue;
		}
		if (focus >= 0) {
			if (!vm_console_input(vms_get(focus), (uint8_t)c))
				print("\n[vm %s is not reading its COM1: byte dropped]\n", vms_get(focus)->name);
			continue;
		}
		if (mon_line_feed(&line, (unsigned char)c, echo, NULL)) {
			at_prompt = false;	/* command output is not a log line */
			run_line(&line);
			print(PROMPT);
			at_prompt = true;
		}
	}
}
