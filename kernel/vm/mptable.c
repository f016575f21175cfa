/* SPDX-License-Identifier: BSD-2-Clause */
/* MP Specification 1.4 tables for guests (kernel/vm/mptable.h). Pure: built
 * into the kernel and the host unit test.
 *
 * Every argument is checked before the first byte is written, so a refusal
 * leaves buf as it was. Entries are built as structs and copied with memcpy
 * (buf may sit at any host alignment); the checksums are taken over the
 * bytes as written. */
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/lib.h"
#include "kernel/vm/mptable.h"

_Static_assert(sizeof(MPTABLE_OEM_ID) - 1 == 8, "Table 4-2: OEM ID is 8 bytes");
_Static_assert(sizeof(MPTABLE_PRODUCT_ID) - 1 == 12, "Table 4-2: PRODUCT ID is 12 bytes");
_Static_assert(sizeof(MP_BUS_ISA) - 1 == 6, "Table 4-8: bus type strings are 6 bytes");
_Static_assert(MPTABLE_MAX_CPUS <= MP_ALL_LAPICS, "APIC IDs 0..n-1 stay below the broadcast 0xFF");
_Static_assert(MPTABLE_CONFIG_SIZE(MPTABLE_MAX_CPUS) <= UINT16_MAX, "Table 4-2: BASE TABLE LENGTH is 16 bits");
_Static_assert(MPTABLE_PIT_PIN < MPTABLE_IOAPIC_PINS && 15 < MPTABLE_IOAPIC_PINS,
	       "every ISA IRQ has an IOAPIC pin");

/* The value for a checksum byte, now 0, that makes p[0..n) sum to 0
 * (mod 256): Tables 4-1 and 4-2, CHECKSUM. */
static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return (uint8_t)-sum;
}

/* Appends entries to the configuration table, counting them. */
struct cursor {
	uint8_t *at;			/* next free byte */
	uint16_t count;
};

static void put(struct cursor *c, const void *entry, size_t size)
{
	memcpy(c->at, entry, size);
	c->at += size;
	c->count++;
}

static void put_int(struct cursor *c, uint8_t type, uint8_t int_type, uint8_t irq,
		    uint8_t dst_id, uint8_t pin)
{
	struct mp_int e = {
		.type = type,
		.int_type = int_type,
		.flags = MP_INT_FLAGS_CONFORMS,
		.src_bus_id = MPTABLE_ISA_BUS_ID,
		.src_bus_irq = irq,
		.dst_apic_id = dst_id,
		.dst_pin = pin,
	};

	put(c, &e, sizeof(e));
}

/* The entries, in Table 4-3's type order (4.3). */
static void put_entries(struct cursor *c, const struct mptable_vm *vm)
{
	struct mp_bus bus = { .type = MP_ENTRY_BUS, .bus_id = MPTABLE_ISA_BUS_ID };
	struct mp_ioapic io = {
		.type = MP_ENTRY_IOAPIC,
		.ioapic_id = MPTABLE_IOAPIC_ID,
		.ioapic_version = MPTABLE_IOAPIC_VERSION,
		.flags = MP_IOAPIC_EN,
		.addr = MPTABLE_IOAPIC_BASE,
	};

	for (unsigned i = 0; i < vm->nr_cpus; i++) {
		struct mp_processor p = {
			.type = MP_ENTRY_PROCESSOR,
			.lapic_id = (uint8_t)i,
			.lapic_version = MPTABLE_LAPIC_VERSION,
			.cpu_flags = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0),
			.cpu_signature = vm->cpu_signature,
			.feature_flags = vm->cpu_features,
		};

		put(c, &p, sizeof(p));
	}
	memcpy(bus.bus_type, MP_BUS_ISA, sizeof(bus.bus_type));
	put(c, &bus, sizeof(bus));
	put(c, &io, sizeof(io));
	/* The PIT on pin 2 (as the ACPI IRQ0 -> GSI 2 override says on PCs);
	 * IRQ 2 is the cascade and reaches no pin. The 8259s' INTR reaches the
	 * local APICs' LINT0 (below), not an IOAPIC pin: Linux checks an
	 * IOAPIC ExtINT entry against the pin's programming and warns ("ExtINT
	 * not setup in hardware but reported by MP table"). */
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		put_int(c, MP_ENTRY_IO_INT, MP_INT_INT, irq, MPTABLE_IOAPIC_ID,
			irq == 0 ? MPTABLE_PIT_PIN : irq);
	}
	/* Virtual wire mode on every local APIC: the 8259s on LINT0, NMI on
	 * LINT1. The source bus and IRQ are not meaningful here (0, as Linux's
	 * default configurations write them). */
	put_int(c, MP_ENTRY_LOCAL_INT, MP_INT_EXTINT, 0, MP_ALL_LAPICS, 0);
	put_int(c, MP_ENTRY_LOCAL_INT, MP_INT_NMI, 0, MP_ALL_LAPICS, 1);
}

size_t mptable_build(uint8_t *buf, size_t cap, uint64_t buf_gpa, const struct mptable_vm *vm)
{
	struct mp_fps fps = {
		.length = 1,
		.spec_rev = MP_SPEC_REV_1_4,
		.feature1 = 0,			/* a configuration table follows */
		.feature2 = 0,			/* no IMCR: virtual wire mode */
	};
	struct mp_config_header h = {
		.spec_rev = MP_SPEC_REV_1_4,
		.lapic_addr = MPTABLE_LAPIC_BASE,
	};
	struct cursor c;
	uint8_t *config;
	size_t config_size, size;

	if (!buf || !vm || vm->nr_cpus == 0 || vm->nr_cpus > MPTABLE_MAX_CPUS)
		return 0;
	if (buf_gpa % 16 || buf_gpa >= MPTABLE_GPA_LIMIT)
		return 0;
	config_size = MPTABLE_CONFIG_SIZE(vm->nr_cpus);
	size = MPTABLE_SIZE(vm->nr_cpus);
	if (cap < size)
		return 0;

	config = buf + sizeof(fps);
	c = (struct cursor){ config + sizeof(h), 0 };
	put_entries(&c, vm);
	h.entry_count = c.count;
	memcpy(h.signature, MP_CONFIG_SIGNATURE, sizeof(h.signature));
	h.length = (uint16_t)config_size;
	memcpy(h.oem_id, MPTABLE_OEM_ID, sizeof(h.oem_id));
	memcpy(h.product_id, MPTABLE_PRODUCT_ID, sizeof(h.product_id));
	memcpy(config, &h, sizeof(h));
	config[__builtin_offsetof(struct mp_config_header, checksum)] = checksum(config, config_size);

	/* buf_gpa < 1 MiB, so the configuration table's GPA fits in 32 bits. */
	memcpy(fps.signature, MP_FPS_SIGNATURE, sizeof(fps.signature));
	fps.physptr = (uint32_t)(buf_gpa + sizeof(fps));
	fps.checksum = checksum((const uint8_t *)&fps, sizeof(fps));
	memcpy(buf, &fps, sizeof(fps));
	return size;
}
