/* SPDX-License-Identifier: BSD-2-Clause */
/* The boot CPU's path from the 32-bit entry (boot/entry.asm) to a running
 * hypervisor: descriptor tables, boot information, log, memory, cores, the
 * guest hooks (the one place that ties the base layer to svm/), VMs, and
 * the console's housekeeping turns. */
#include "boot/bootinfo.h"
#include "boot/mb2.h"
#include "drivers/lapic.h"
#include "drivers/pic.h"
#include "drivers/tsc.h"
#include "drivers/uart.h"
#include "kernel/options.h"
#include "kernel/cpu.h"
#include "kernel/timer.h"
#include "kernel/crash.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "kernel/console/monitor.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "kernel/vm/vms.h"
#include "svm/svm.h"
#include "svm/vcpu.h"
#include "kernel/x86.h"
#include "mm/memory.h"

#ifndef SVMVISOR_VERSION
#define SVMVISOR_VERSION "unknown"
#endif


static struct boot_info boot_info;
static struct hv_options options;

#define CONSOLE_TICK_US 1000	/* the 16550's 16-byte FIFO fills in 1.4 ms at 115200 baud */
#define CONSOLE_BURST_US 20000	/* keep polling this long after a byte: a paste */

/* The boot CPU's own work between guest exits and in its idle loop: the
 * serial console, and with testexit=on the end of the run. While input
 * flows (typing, a paste) it keeps polling; the idle loop also lingers a
 * little after the last byte, since the next one is likely close. */
static void housekeeping(void)
{
	uint64_t last = time_us();

	while (options.serial_port) {
		log_drain();
		if (monitor_poll())
			last = time_us();
		else if (this_cpu()->vcpu || time_us() - last > CONSOLE_BURST_US)
			break;
		cpu_relax();
	}
	log_drain();
	vms_service();
	if (options.testexit && vms_all_done()) {
		unsigned failed = vms_report_results();

		log_flush();	/* every VM's last words and the results */
		power_stop(trap_cpus_failed() ? EXIT_PANIC : failed ? EXIT_VM_FAILED : EXIT_OK);
	}
}

void kmain(uint32_t magic, uint32_t mbi);

static void log_line(const char *text, void *ctx)
{
	(void)ctx;
	log_info("%s", text);
}

static void warn_option(const char *msg, void *ctx)
{
	(void)ctx;
	log_warn("command line: %s", msg);
}

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_AVAILABLE: return "available";
	case BOOT_MEM_RESERVED: return "reserved";
	case BOOT_MEM_ACPI: return "ACPI reclaimable";
	case BOOT_MEM_NVS: return "ACPI NVS";
	case BOOT_MEM_BAD: return "bad";
	default: return "unknown";
	}
}

static void cpu_banner(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	struct cpuid_regs f = cpuid(1, 0);
	uint32_t ext_max = cpuid(0x80000000, 0).eax;
	char vendor[13], brand[49] = "";
	unsigned family = (f.eax >> 8) & 0xf, model = (f.eax >> 4) & 0xf;
	bool svm = false;

	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = 0;
	/* APM Vol.3 E.3.2: the extended fields count when family is 0xf. */
	if (family == 0xf) {
		family += (f.eax >> 20) & 0xff;
		model |= ((f.eax >> 16) & 0xf) << 4;
	}
	if (ext_max >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i, 0);

			memcpy(brand + 16 * i, &b, 16);
		}
		brand[48] = 0;
	}
	if (ext_max >= 0x80000001)
		svm = cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM;
	log_info("cpu: %s family %#x model %#x stepping %u \"%s\"", vendor, family, model,
		 f.eax & 0xf, brand);
	log_info("cpu: SVM %s", svm ? "advertised (CPUID 0x80000001 ECX bit 2)" : "NOT advertised: no guests can run");
}

static void memory_banner(const struct boot_info *bi)
{
	uint64_t avail = 0;

	log_info("memory map: %u entries%s", bi->nr_mmap, bi->mmap_truncated ? " (truncated)" : "");
	for (uint32_t i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mem_range *m = &bi->mmap[i];

		log_info("  [0x%016lx-0x%016lx] %-16s %lu KiB", m->base, m->base + m->len - 1,
			 mem_type_name(m->type), m->len >> 10);
		if (m->type == BOOT_MEM_AVAILABLE)
			avail += m->len;
	}
	log_info("memory: %lu MiB available in the map", avail >> 20);
}

static void module_banner(const struct boot_info *bi)
{
	log_info("modules: %u%s", bi->nr_modules, bi->modules_truncated ? " (truncated)" : "");
	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];

		log_info("  module %u: [%#lx-%#lx) %lu bytes, command line \"%s\"", i, m->start,
			 m->end, m->end - m->start, m->cmdline);
	}
}

void kmain(uint32_t magic, uint32_t mbi)
{
	struct mb2_error err = { 0 };
	uint16_t port;
	int bad;

	(void)magic;	/* checked in boot/entry.asm */
	idt_init();
	cpu_init(&boot_cpu, 0);
	timer_cpu_init(&boot_cpu);
	idt_load();

	hv_options_default(&options);
	/* The boot code maps the first 4 GiB: that is all we can vouch for. */
	bad = mb2_parse((const void *)(uintptr_t)mbi, (4ull << 30) - mbi, &boot_info, &err);
	if (!bad)
		hv_options_parse(&options, boot_info.cmdline, warn_option, NULL);
	log_set_level(options.loglevel);
	power_set_testexit(options.testexit);
	port = options.serial_port;
	if (port && !uart_init(port, options.baud))
		options.serial_port = 0;	/* no UART there: keep running without it */
	log_start_console(options.serial_port, options.debugcon);
	if (port && !options.serial_port)
		log_warn("serial: no UART at %#x; the log goes to the ring buffer%s", port,
			 options.debugcon ? " and port 0xe9" : " only");
	if (options.timebase <= TIMEBASE_PIT && !tsc_calibrate())
		log_warn("tsc: the PIT did not count; trying ACPI timers later");

	log_info("svmvisor %s, a type-1 hypervisor for AMD SVM", SVMVISOR_VERSION);
	if (bad)
		panic("Multiboot2 boot information at %#x is invalid: %s (at offset %#x)", mbi,
		      err.what, err.offset);
	log_info("boot loader: %s", boot_info.loader);
	log_info("command line: \"%s\"", boot_info.cmdline);
	cpu_banner();
	memory_banner(&boot_info);
	module_banner(&boot_info);
	if (boot_info.rsdp_tag)
		log_info("acpi: RSDP from Multiboot2 tag %u (%s)", boot_info.rsdp_tag,
			 boot_info.rsdp_tag == 15 ? "ACPI 2.0+" : "ACPI 1.0");
	if (boot_info.efi_system_table)
		log_info("efi: %u-bit system table at %#lx, memory map %u bytes", boot_info.efi_bits,
			 boot_info.efi_system_table, boot_info.efi_mmap_size);
	smp_early_init(&boot_info);
	memory_init(&boot_info);
	pic_disable();
	svm_detect();
	svm_report(log_line, NULL);
	smp_set_guest_hooks(&(struct smp_guest_hooks){ svm_cpu_up, vcpu_run_on_this_cpu,
						       vcpu_console_due });
	smp_init(&boot_info, &options);
	if (!smp_cpus_svm())
		log_error("svm: no core can run guests; the serial console stays up for diagnostics");

	if (options.crash != CRASH_NONE && options.crash_cpu == 0)
		crash_now(options.crash);

	if (options.failalloc) {
		log_warn("memory: the VM builder's allocation number %u will fail (failalloc=%u)",
			 options.failalloc, options.failalloc);
		memory_fail_nth(options.failalloc);
	}
	vms_start(&boot_info, options.monitor_dedicated, options.smt_shared);
	memory_fail_nth(0);
	log_info("boot complete: %u VMs", vms_count());
	/* The boot CPU now serves the console and, unless monitor=dedicated,
	 * runs a vCPU too: its timer forces the exits that give the console
	 * its turn every millisecond (kernel/smp.c timer_tick). */
	if (options.serial_port)
		monitor_init(options.serial_port);
	log_go_async();	/* from now on the console's turns drain the log */
	this_cpu()->housekeeping = housekeeping;
	timer_tick_every(CONSOLE_TICK_US);
	smp_idle();
}
