/* SPDX-License-Identifier: BSD-2-Clause */
/* The VM's PC platform (svm/platform.h). */
#include "svm/platform.h"
#include "drivers/tsc.h"
#include "kernel/lib/muldiv.h"
#include "kernel/x86.h"
#include "svm/apic.h"
#include "svm/vm.h"

#define PIT_IRQ   0	/* ISA IRQ0, I/O APIC pin 2 (the usual interrupt source override) */
#define RTC_IRQ   8
#define IOAPIC_ID VM_MAX_VCPUS	/* apart from every vCPU's APIC ID */
#define WALL_CLOCK_FALLBACK 946684800	/* 2000-01-01 00:00:00 UTC: the host's clock was unreadable */

static int64_t wall_unix = WALL_CLOCK_FALLBACK;
static uint64_t wall_tsc;

void platform_set_wall_clock(int64_t unix_time, uint64_t tsc)
{
	wall_unix = unix_time >= 0 ? unix_time : WALL_CLOCK_FALLBACK;
	wall_tsc = tsc;
}

uint64_t platform_wall_clock_ns(uint64_t tsc)
{
	uint64_t khz = tsc_khz();

	return (uint64_t)wall_unix * 1000000000u +
	       (khz && tsc > wall_tsc ? muldiv64(tsc - wall_tsc, 1000000, khz) : 0);
}

static int64_t wall_now(uint64_t now)
{
	uint64_t hz = tsc_khz() * 1000;

	return wall_unix + (int64_t)(hz && now > wall_tsc ? (now - wall_tsc) / hz : 0);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t next_event(struct vm *vm)
{
	return min_u64(vpit_deadline(&vm->pit), vrtc_deadline(&vm->rtc));
}

/* The PIT's or the RTC's next event may have moved: the boot vCPU keeps
 * their time, so it must hear of an earlier one if it sleeps. Another
 * core may store a deadline between this one's look at the devices and
 * its store: looking again after the store settles it (whoever changed a
 * device stores after the change). */
static void timers_changed(struct vm *vm)
{
	for (unsigned tries = 0; tries < 8; tries++) {
		uint64_t dl = next_event(vm);
		uint64_t old = __atomic_exchange_n(&vm->dev_deadline, dl, __ATOMIC_SEQ_CST);

		if (dl < old && vm->nr_vcpus)
			apic_kick(&vm->vcpu[0]);
		if (next_event(vm) == dl)
			return;
	}
}

/* The timed devices' ports go through these, so that a guest programming
 * a counter on any vCPU moves the deadline the boot vCPU sleeps until. */
static enum bus_status pit_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vm *vm = dev;
	enum bus_status st = vpit_access(&vm->pit, offset, r);

	timers_changed(vm);
	return st;
}

static enum bus_status port61_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vm *vm = dev;
	enum bus_status st = vpit_port61_access(&vm->pit, offset, r);

	timers_changed(vm);
	return st;
}

static enum bus_status rtc_access(void *dev, uint64_t offset, struct bus_req *r)
{
	struct vm *vm = dev;
	enum bus_status st = vrtc_access(&vm->rtc, offset, r);

	timers_changed(vm);
	return st;
}

static void ioapic_send(void *ctx, const struct vlapic_msg *m)
{
	apic_send(ctx, -1, m);
}

/* The master PIC's INT pin is the boot vCPU's LINT0, which only that vCPU
 * may change (platform_update): note the level and wake it. */
static void pic_output(void *ctx, bool level)
{
	struct vm *vm = ctx;

	__atomic_store_n(&vm->pic_int, level, __ATOMIC_SEQ_CST);
	if (vm->nr_vcpus)
		apic_kick(&vm->vcpu[0]);
}

const char *platform_line_name(unsigned line)
{
	static const char *const names[BUS_IRQ_LINES] = {
		[PIT_IRQ] = "pit", [VUART_COM1_IRQ] = "com1", [RTC_IRQ] = "rtc",
	};

	return line < BUS_IRQ_LINES ? names[line] : NULL;
}

void platform_irq(void *ctx, unsigned line, bool level)
{
	struct vm *vm = ctx;

	if (line < 16)
		vpic_set_irq(&vm->pic, line, level);
	if (line != 2)	/* IRQ2 is the PICs' cascade; pin 2 is IRQ0's */
		vioapic_set_irq(&vm->ioapic, line == PIT_IRQ ? 2 : line, level);
}

int platform_init(struct vm *vm, char *err, size_t errlen)
{
	uint64_t now = rdtsc(), khz = tsc_khz();
	uint64_t low = vm->mem < (1ull << 32) ? vm->mem : 1ull << 32;
	const struct vrtc_mem mem = { .below_4g = low, .above_4g = vm->mem - low };
	const struct bus_range timed[] = {
		{ BUS_PIO, VPIT_PORT, 4, "pit", pit_access, vm },
		{ BUS_PIO, VPIT_PORT61, 1, "port61", port61_access, vm },
		{ BUS_PIO, VRTC_PORT, 2, "rtc", rtc_access, vm },
	};

	vm->dev_deadline = UINT64_MAX;
	vioapic_init(&vm->ioapic, IOAPIC_ID, ioapic_send, vm);
	vpic_init(&vm->pic, pic_output, vm);
	vpit_init(&vm->pit, &vm->bus, PIT_IRQ, khz, now);
	vrtc_init(&vm->rtc, &vm->bus, RTC_IRQ, khz, now, wall_now(now), &mem);
	vpm_init(&vm->pm, khz, now);
	vsysctl_init(&vm->sysctl);
	for (unsigned i = 0; i < sizeof(timed) / sizeof(timed[0]); i++)
		if (bus_register(&vm->bus, &timed[i], err, errlen))
			return -1;
	if (vioapic_attach(&vm->ioapic, &vm->bus, err, errlen) ||
	    vpic_attach(&vm->pic, &vm->bus, err, errlen) ||
	    vpm_attach(&vm->pm, &vm->bus, err, errlen) ||
	    vsysctl_attach(&vm->sysctl, &vm->bus, err, errlen))
		return -1;
	timers_changed(vm);
	return 0;
}

void platform_reset(struct vm *vm)
{
	uint64_t now = rdtsc();

	vioapic_reset(&vm->ioapic);
	vpic_reset(&vm->pic);
	vpit_reset(&vm->pit, now);
	vrtc_reset(&vm->rtc, now);
	vpm_reset(&vm->pm, now);
	vsysctl_reset(&vm->sysctl);
	timers_changed(vm);
}

void platform_update(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool pic = __atomic_load_n(&vm->pic_int, __ATOMIC_ACQUIRE);
	uint64_t dl = __atomic_load_n(&vm->dev_deadline, __ATOMIC_ACQUIRE);

	if (__builtin_expect(dl != UINT64_MAX, 0) && dl <= rdtsc()) {
		uint64_t now = rdtsc();

		vpit_advance(&vm->pit, now);
		vrtc_advance(&vm->rtc, now);
		timers_changed(vm);
		pic = __atomic_load_n(&vm->pic_int, __ATOMIC_ACQUIRE);
	}
	if (__builtin_expect(pic != v->lapic.lint_in[0], 0))
		vlapic_lint(&v->lapic, 0, pic);
}
