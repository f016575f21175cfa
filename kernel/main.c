/* The boot CPU's path from the 32-bit entry (boot/entry.asm) to a running
 * hypervisor: descriptor tables, boot information, console, memory. */
#include "boot/bootinfo.h"
#include "boot/mb2.h"
#include "drivers/tsc.h"
#include "drivers/uart.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/crash.h"
#include "kernel/lib.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "mm/frame.h"
#include "mm/paging.h"

#ifndef SVMVISOR_VERSION
#define SVMVISOR_VERSION "unknown"
#endif

#define LOW_MEMORY_END 0x100000ull	/* real-mode memory, BIOS data, option ROMs */

extern char __image_start[], __image_end[];

static struct boot_info boot_info;
static struct hv_options options;
static struct frame_alloc frames;
static struct paging_stats paging;

void kmain(uint32_t magic, uint32_t mbi);

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

static void *phys_to_ptr(uint64_t phys, uint64_t bytes, void *ctx)
{
	(void)bytes;
	(void)ctx;
	return (void *)phys;	/* identity-mapped */
}

static void memory_init(const struct boot_info *bi)
{
	struct frame_range reserved[3 + BOOT_MAX_MODULES];
	size_t n = 0;
	uint64_t top = 4ull << 30;
	unsigned phys_bits = 36;
	enum frame_status st;

	reserved[n++] = (struct frame_range){ 0, LOW_MEMORY_END };
	reserved[n++] = (struct frame_range){ (uint64_t)__image_start, (uint64_t)__image_end };
	reserved[n++] = (struct frame_range){ bi->mbi_start, bi->mbi_end };
	for (uint32_t i = 0; i < bi->nr_modules; i++)
		reserved[n++] = (struct frame_range){ bi->modules[i].start, bi->modules[i].end };

	st = frame_init(&frames, bi->mmap, bi->nr_mmap, reserved, n, phys_to_ptr, NULL);
	if (st != FRAME_OK)
		panic("frame allocator: %s", frame_strerror(st));
	if (frames.bad_entries)
		log_warn("memory map: %u entries ignored (zero length or wrapping)", frames.bad_entries);
	if (frames.dropped_bytes)
		log_debug("memory map: %lu KiB of available memory left unused", frames.dropped_bytes >> 10);

	/* Identity-map the low 4 GiB (RAM and the chipset's MMIO: LAPIC, IOAPIC,
	 * HPET) and all RAM above, within the physical address width. Reserved
	 * ranges above 4 GiB (64-bit BARs, the HyperTransport hole) stay out. */
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		phys_bits = cpuid(0x80000008, 0).eax & 0xff;
	for (uint32_t i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mem_range *m = &bi->mmap[i];
		uint64_t end = m->base + m->len;
		bool ram = m->type == BOOT_MEM_AVAILABLE || m->type == BOOT_MEM_ACPI ||
			   m->type == BOOT_MEM_NVS;

		if (ram && end > m->base && end > top)
			top = end;
	}
	if (phys_bits < 64 && top > (1ull << phys_bits))
		top = 1ull << phys_bits;
	top = ALIGN_UP(top, 1ull << 30);
	paging_init(&frames, top, &paging);
	log_info("paging: identity map to %#lx: %lu x 1G, %lu x 2M, %lu x 4K pages, %lu tables, NX %s",
		 paging.top, paging.pages_1g, paging.pages_2m, paging.pages_4k, paging.tables,
		 paging.nx ? "on" : "off (CPU lacks it)");
	log_info("memory: %lu MiB managed, %lu MiB free, %lu KiB used by the hypervisor",
		 frame_total_count(&frames) >> 8, frame_free_count(&frames) >> 8,
		 (frame_total_count(&frames) - frame_free_count(&frames)) * 4 +
			 frames.meta_bytes / 1024 + ((uint64_t)__image_end - (uint64_t)__image_start) / 1024);
}

void kmain(uint32_t magic, uint32_t mbi)
{
	struct mb2_error err = { 0 };
	uint16_t port;
	int bad;

	(void)magic;	/* checked in boot/entry.asm */
	idt_init();
	cpu_init(&boot_cpu, 0);

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
	if (tsc_calibrate())
		log_info("tsc: %lu kHz (calibrated against the PIT)", tsc_khz());
	else
		log_warn("tsc: the PIT did not count; timestamps stay at 0");

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
	memory_init(&boot_info);

	if (options.crash != CRASH_NONE)
		crash_now(options.crash);

	log_info("boot complete: no guests to run yet");
	power_stop(EXIT_OK);
}
