/* SPDX-License-Identifier: BSD-2-Clause */
/* Bringing up every core. Each CPU found in the MADT gets a struct cpu with
 * its own GDT, TSS and IST stacks, a kernel stack, and is started with
 * INIT-SIPI-SIPI (APM Vol.2 16.5 / Intel SDM 8.4.4.1 delays). The APs are
 * started one at a time: the trampoline's inputs (ap_boot_*) are shared.
 * What runs guests is svm/'s, reached only through the guest hooks. */
#include "kernel/smp.h"
#include "drivers/acpi.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "kernel/cpu.h"
#include "kernel/timer.h"
#include "kernel/crash.h"
#include "kernel/layout.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "mm/memory.h"

#define AP_STACK_SIZE   (16 * 1024)
#define AP_START_US     2000000	/* an AP not in C by then is left out */
#define AP_ONLINE_US    5000000	/* then its own set-up (timer check included) */

/* An AP's way through start_ap and ap_entry. Each side moves it on with a
 * compare-and-swap, so an AP that comes late (an emulator's thread that
 * was not scheduled, a slow core) either finds itself abandoned and parks
 * for good, or the boot CPU finds it on time: never both, and it never
 * runs as a CPU the boot left out. */
enum {
	AP_SENT,	/* INIT-SIPI-SIPI sent */
	AP_IN_C,	/* ap_entry reached: the trampoline's inputs are consumed */
	AP_ONLINE,	/* set up; in cpu_table */
	AP_ABANDONED,	/* too late: it parks (cli; hlt) if it ever gets there */
};
#define BIOS_PAGE0_KEEP 0x500	/* IVT and BIOS data area (EBDA pointer at 0x40e) */

/* Read by boot/trampoline.asm. */
uint32_t ap_boot_cr3, ap_boot_efer;
uint64_t ap_boot_stack, ap_boot_cpu;
void ap_entry(struct cpu *c);

extern const char trampoline_start[], trampoline_end[];

static struct acpi_info acpi;
static struct smp_guest_hooks guest;
static uint8_t bios_page0[BIOS_PAGE0_KEEP];
static bool trampoline_ok;
static const struct hv_options *opts;
static volatile uint32_t nr_online = 1;
static struct cpu *cpu_table[MAX_CPUS] = { &boot_cpu };
static uint32_t nr_cpus = 1;

static bool range_is_ram(const struct boot_info *bi, uint64_t base, uint64_t end)
{
	for (uint32_t i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mem_range *m = &bi->mmap[i];

		if (m->type == BOOT_MEM_AVAILABLE && m->base <= base && end - m->base <= m->len)
			return true;
	}
	return false;
}

void smp_early_init(const struct boot_info *bi)
{
	memcpy(bios_page0, (const void *)0, sizeof(bios_page0));
	trampoline_ok = range_is_ram(bi, TRAMPOLINE_PHYS, TRAMPOLINE_PHYS + FRAME_SIZE);
	if (trampoline_ok)
		memcpy((void *)TRAMPOLINE_PHYS, trampoline_start, trampoline_end - trampoline_start);
}

/* ACPI reads: the identity map, plus our copy of the BIOS data area. */
static const void *acpi_read(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys + len < phys)
		return NULL;
	if (phys + len <= sizeof(bios_page0))
		return bios_page0 + phys;
	if (phys < FRAME_SIZE || phys + len > BOOT_MAP_END)
		return NULL;
	return (const void *)phys;
}

/* On the console's core the periodic tick makes its housekeeping due: at
 * once in the idle loop (the tick ends its HLT), through a request when a
 * vCPU runs there (the tick forced the VM exit). */
static void timer_tick(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	struct vcpu *v = c->vcpu;

	(void)f;
	c->timer_ticks++;
	if (timer_interrupt(c) && c->housekeeping && v && guest.console_due)
		guest.console_due(v);
	lapic_eoi();
}

/* Proves this CPU's LAPIC timer, interrupt path and EOI: one 1 ms one-shot
 * must arrive within 100 ms. */
static bool timer_check(struct cpu *c)
{
	uint64_t t0 = time_us();

	lapic_timer_oneshot(1000);
	while (!c->timer_ticks && time_us() - t0 < 100000)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	return c->timer_ticks;
}

static void cpu_online(struct cpu *c)
{
	bool timer = timer_check(c);

	if (c->svm_on)
		log_info("cpu%u: online, APIC ID %u, timer %s, SVM on, host-save page at %#lx", c->id,
			 c->apic_id, timer ? "ok" : "SILENT", c->hsave_pa);
	else
		log_info("cpu%u: online, APIC ID %u, timer %s, SVM off", c->id, c->apic_id,
			 timer ? "ok" : "SILENT");
}

static void kick(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();	/* only wakes the core (or forces a VM exit) */
}

void smp_idle(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		struct vcpu *v = c->vcpu;

		if (c->housekeeping)
			c->housekeeping();

		if (v && guest.run) {
			guest.run(v);	/* until its VM stops; it hands the core back */
			continue;
		}
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

/* Moves c->boot from `from` to `to` unless the other side got there first. */
static bool ap_step(struct cpu *c, uint32_t from, uint32_t to)
{
	return __atomic_compare_exchange_n(&c->boot, &from, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static __attribute__((noreturn)) void ap_park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void ap_entry(struct cpu *c)
{
	if (!ap_step(c, AP_SENT, AP_IN_C))
		ap_park();	/* left out already: touch nothing */
	cpu_init(c, c->id);
	timer_cpu_init(c);
	idt_load();
	lapic_init();
	if (guest.cpu_up)
		guest.cpu_up(c);
	cpu_online(c);
	if (!ap_step(c, AP_IN_C, AP_ONLINE))
		ap_park();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&nr_online, 1, __ATOMIC_SEQ_CST);
	if (opts->crash != CRASH_NONE && opts->crash_cpu == c->id)
		crash_now(opts->crash);
	smp_idle();
}

static uint32_t ap_state(const struct cpu *c)
{
	return __atomic_load_n(&c->boot, __ATOMIC_ACQUIRE);
}

/* NULL once the AP is online, else why it was left out. */
static const char *start_ap(struct cpu *c)
{
	uint64_t stack = memory_alloc_zeroed_run(AP_STACK_SIZE / FRAME_SIZE, FRAME_SIZE);
	uint64_t t0;

	if (!stack)
		return "got no stack";
	ap_boot_stack = stack + AP_STACK_SIZE;
	ap_boot_cpu = (uint64_t)c;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	c->boot = AP_SENT;
	lapic_send_init(c->apic_id);
	delay_us(10000);
	for (int sipi = 0; sipi < 2 && ap_state(c) == AP_SENT; sipi++) {
		lapic_send_startup(c->apic_id, TRAMPOLINE_PHYS);
		for (t0 = time_us(); time_us() - t0 < (sipi ? AP_START_US : 200) && ap_state(c) == AP_SENT;)
			cpu_relax();
	}
	if (ap_step(c, AP_SENT, AP_ABANDONED)) {
		/* Back to wait-for-SIPI, should it be in the trampoline: the
		 * next AP's inputs are not for it. */
		lapic_send_init(c->apic_id);
		delay_us(10000);
		return "did not answer INIT-SIPI-SIPI";
	}
	for (t0 = time_us(); time_us() - t0 < AP_ONLINE_US && ap_state(c) != AP_ONLINE && !c->dead;)
		cpu_relax();
	if (!ap_step(c, AP_IN_C, AP_ABANDONED))
		return NULL;	/* online */
	return c->dead ? "stopped on an exception while it set up" : "did not finish its set-up in time";
}

static void acpi_report(void)
{
	log_info("acpi: %s %s, OEM \"%s\", %u CPUs, %u I/O APICs, LAPIC at %#lx%s",
		 acpi.used_xsdt ? "XSDT" : "RSDT", acpi.rsdp_revision >= 2 ? "(ACPI 2.0+)" : "(ACPI 1.0)",
		 acpi.oem_id, acpi.nr_cpus, acpi.nr_ioapics, acpi.lapic_addr,
		 acpi.madt_flags & ACPI_MADT_PCAT_COMPAT ? ", 8259 PICs present" : "");
	if (acpi.pm_timer_port)
		log_info("acpi: PM timer at port %#x (%u-bit)", acpi.pm_timer_port,
			 acpi.pm_timer_32bit ? 32 : 24);
	if (acpi.has_hpet)
		log_info("acpi: HPET at %#lx, %u timers", acpi.hpet_addr, acpi.hpet_timers);
	for (uint32_t i = 0; i < acpi.nr_warnings; i++)
		log_warn("acpi: %s", acpi.warnings[i]);
	if (acpi.cpus_over_limit)
		log_warn("acpi: %u more CPUs than this build supports (%u): left out",
			 acpi.cpus_over_limit, ACPI_MAX_CPUS);
}

/* The TSC rate against the clock timebase= asks for; in auto mode the PIT
 * (already done) else the HPET else the PM timer. */
static void timebase_init(enum timebase tb, bool have_acpi)
{
	bool hpet = have_acpi && acpi.has_hpet, pm = have_acpi && acpi.pm_timer_port;
	bool ok = tsc_khz();

	if (tb == TIMEBASE_HPET || (tb == TIMEBASE_AUTO && !ok && hpet))
		ok = hpet ? tsc_calibrate_hpet(acpi.hpet_addr) : false;
	if (tb == TIMEBASE_PMTIMER || (tb == TIMEBASE_AUTO && !ok && pm))
		ok = pm ? tsc_calibrate_pmtimer(acpi.pm_timer_port, acpi.pm_timer_32bit) : false;
	if (ok && tsc_khz())
		log_info("tsc: %lu kHz (calibrated against the %s)", tsc_khz(), tsc_reference());
	else
		log_warn("tsc: no reference clock counted%s; delays assume 4 GHz, timestamps stay 0",
			 tb == TIMEBASE_HPET && !hpet ? " (no HPET)" : tb == TIMEBASE_PMTIMER && !pm ? " (no PM timer)" : "");
}

static bool acpi_init(const struct boot_info *bi)
{
	struct acpi_error err = { 0 };
	uint64_t rsdp = (uint64_t)bi->rsdp;

	if (!rsdp) {
		rsdp = acpi_find_rsdp(acpi_read, NULL);
		if (rsdp)
			log_info("acpi: RSDP found by scanning the BIOS areas at %#lx", rsdp);
	}
	if (!rsdp) {
		log_warn("acpi: no RSDP: running on the boot CPU only");
		return false;
	}
	if (acpi_parse(rsdp, acpi_read, NULL, &acpi, &err)) {
		log_warn("acpi: %s (at %#lx): running on the boot CPU only", err.what, err.phys);
		return false;
	}
	acpi_report();
	return true;
}

/* How many low APIC ID bits number the SMT threads of a core: CPUID
 * 0x8000001E EBX[15:8] = threads per core - 1 (APM Vol.3 E.4.24) when
 * TOPOEXT (0x80000001 ECX bit 22) says the leaf is there; else the SMT
 * level of leaf 0xB (EAX[4:0], the shift to the core level) when the CPU
 * has it (QEMU's CPU models without TOPOEXT do); else none. */
static unsigned smt_bits(void)
{
	unsigned threads = 1, bits = 0;

	if (cpuid(0x80000000, 0).eax >= 0x8000001e && (cpuid(0x80000001, 0).ecx & (1u << 22))) {
		threads = ((cpuid(0x8000001e, 0).ebx >> 8) & 0xff) + 1;
	} else if (cpuid(0, 0).eax >= 0xb) {
		struct cpuid_regs smt = cpuid(0xb, 0);

		if (((smt.ecx >> 8) & 0xff) == 1)	/* level type 1: SMT */
			return smt.eax & 0x1f;
	}
	while ((1u << bits) < threads)
		bits++;
	return bits;
}

void smp_init(const struct boot_info *bi, const struct hv_options *o)
{
	struct cpu *bsp = this_cpu();
	uint32_t next_id = 1, found = 1;
	bool have_acpi;

	opts = o;
	have_acpi = acpi_init(bi);
	timebase_init(o->timebase, have_acpi);
	lapic_init();
	unsigned smt = smt_bits();

	bsp->apic_id = lapic_id();
	bsp->core_id = bsp->apic_id >> smt;
	bsp->online = true;
	irq_set_handler(VEC_LAPIC_TIMER, timer_tick);
	irq_set_handler(VEC_IPI_KICK, kick);
	log_info("lapic: %s mode, boot CPU APIC ID %u, timer %u ticks/ms%s", lapic_x2apic() ? "x2APIC" : "xAPIC",
		 bsp->apic_id, lapic_timer_calibrate(),
		 lapic_has_tsc_deadline() ? ", TSC-deadline mode" : "");
	if (guest.cpu_up)
		guest.cpu_up(bsp);
	cpu_online(bsp);

	if (have_acpi && !trampoline_ok)
		log_warn("smp: %#llx is not free RAM: no AP trampoline, boot CPU only", TRAMPOLINE_PHYS);
	else if (have_acpi) {
		ap_boot_cr3 = (uint32_t)read_cr3();
		ap_boot_efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
		for (uint32_t i = 0; i < acpi.nr_cpus; i++) {
			const struct acpi_cpu *a = &acpi.cpus[i];
			uint64_t pages = (sizeof(struct cpu) + FRAME_SIZE - 1) / FRAME_SIZE;
			struct cpu *c;
			const char *why;

			if (a->apic_id == bsp->apic_id || !a->enabled)
				continue;
			found++;
			if (next_id >= MAX_CPUS || (!lapic_x2apic() && a->apic_id > 254)) {
				log_warn("smp: APIC ID %u left out (%s)", a->apic_id,
					 next_id >= MAX_CPUS ? "more CPUs than this build supports" :
							       "needs x2APIC");
				continue;
			}
			c = (struct cpu *)memory_alloc_zeroed_run(pages, FRAME_SIZE);
			if (!c) {
				log_warn("smp: no memory for CPU with APIC ID %u", a->apic_id);
				continue;
			}
			c->id = next_id;
			c->apic_id = a->apic_id;
			c->core_id = a->apic_id >> smt;
			if (!(why = start_ap(c)))
				cpu_table[nr_cpus++] = c, next_id++;
			else
				log_warn("smp: CPU with APIC ID %u %s: left out", a->apic_id, why);
		}
	}
	log_info("smp: %u of %u CPUs online, %u with SVM", nr_online, found, smp_cpus_svm());
	if (o->crash != CRASH_NONE && o->crash_cpu != 0) {
		/* Let that AP's report out before the boot goes on (bounded). */
		struct cpu *c = smp_cpu(o->crash_cpu);
		uint64_t t0 = time_us();

		while (c && !c->dead && time_us() - t0 < AP_ONLINE_US)
			cpu_relax();
	}
}

void smp_set_guest_hooks(const struct smp_guest_hooks *h)
{
	guest = *h;
}

uint32_t smp_cpu_count(void)
{
	return nr_cpus;
}

struct cpu *smp_cpu(uint32_t id)
{
	return id < nr_cpus ? cpu_table[id] : NULL;
}

uint32_t smp_cpus_online(void)
{
	return nr_online;
}

uint32_t smp_cpus_svm(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nr_cpus; i++)
		n += cpu_table[i]->svm_on;
	return n;
}
