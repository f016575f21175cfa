/* SPDX-License-Identifier: BSD-2-Clause */
/* The per-VM device bus: which virtual device answers which I/O port or
 * guest-physical MMIO address, the one policy for accesses nobody answers,
 * and the VM's interrupt line levels. Pure: no printing, no allocation, no
 * hardware; the VM builder registers devices and the exit handlers call
 * bus_access. Device models (drivers/virt/vuart.c, debugexit.c) plug in
 * through bus_access_fn. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_PIO_QUIET      0xff	/* pio_map: an unassigned port already reported */
#define BUS_MAX_RANGES     32	/* registered ranges, both spaces together */
#define BUS_PIO_PORTS      0x10000	/* x86 port space: 0..0xffff */
#define BUS_MMIO_LOG_PAGES 64	/* distinct unassigned MMIO pages reported */
#define BUS_IRQ_LINES      32	/* lines bus_irq_set tracks; higher ones ignored */

enum bus_space { BUS_PIO, BUS_MMIO };

/* The outcome of one access. */
enum bus_status {
	BUS_OK,		/* done; for reads, val holds the result */
	BUS_UNASSIGNED,	/* nobody there: the bus already applied the policy below */
	BUS_STOP,	/* stop the VM: stop_code is its result, why says why */
	BUS_RESET,	/* reset the VM */
};

/* One access. addr is the port or guest-physical address; size is 1, 2, 4
 * or (MMIO only) 8. val goes in for writes and comes out for reads; the bus
 * masks both to size bytes, so devices need not. */
struct bus_req {
	uint64_t addr;
	unsigned size;
	bool write;
	uint64_t val;
	uint64_t now;	/* the caller's clock (host TSC) for devices that keep time */
	int stop_code;	/* BUS_STOP: the VM's result */
	char why[80];	/* BUS_STOP: a sentence, "debug exit with code 3" */
};

/* A device's handler; offset = addr - the range's base, and the whole
 * access lies inside the range. A device may answer BUS_UNASSIGNED for an
 * access it does not decode (a width or a register it lacks): the bus then
 * treats it exactly like an access to an empty address. */
typedef enum bus_status (*bus_access_fn)(void *dev, uint64_t offset, struct bus_req *r);

struct bus_range {
	enum bus_space space;
	uint64_t base, len;
	const char *name;	/* for messages; must outlive the bus (a literal) */
	bus_access_fn access;
	void *dev;
};

/* Both hooks may be NULL; ctx is passed back to them. */
struct bus_hooks {
	/* An unassigned access, reported the first time per port and per MMIO
	 * page. last is true on the report after which no new MMIO page will
	 * be reported (the table of BUS_MMIO_LOG_PAGES pages is full); the
	 * total keeps counting in bus->unassigned. Called from any vCPU. */
	void (*unassigned)(void *ctx, enum bus_space sp, uint64_t addr, unsigned size,
			   bool write, bool last);
	/* A line changed level. Devices call bus_irq_set under their own
	 * lock, so the hook must not call back into the device. */
	void (*irq)(void *ctx, unsigned line, bool level);
	void *ctx;
};

/* Embedded in struct vm (zeroed, whole pages): no pointers to memory the
 * bus owns. Ranges are sorted by (space, base) and never overlap. */
struct bus {
	struct bus_range range[BUS_MAX_RANGES];
	unsigned nr_ranges;
	struct bus_hooks hooks;
	uint64_t unassigned;	/* unassigned accesses so far, both spaces */
	uint64_t accesses[BUS_MAX_RANGES];	/* answered by range[i] (the console's devices) */
	uint64_t pio_logged[BUS_PIO_PORTS / 64];	/* bit per port: reported */
	/* Port -> its range's index + 1; 0: no device, not reported yet;
	 * BUS_PIO_QUIET: no device, reported. Rebuilt by bus_register: a port
	 * exit finds its device, or that nobody is there, with one load. */
	uint8_t pio_map[BUS_PIO_PORTS];
	uint64_t mmio_logged[BUS_MMIO_LOG_PAGES];	/* page number + 1; 0 = free slot */
	bool mmio_log_full;	/* the "last" report went out */
	uint32_t irq_levels;	/* bit n: line n is high */
	uint32_t irq_raised[BUS_IRQ_LINES];	/* rising edges per line (the console's irqs) */
};

/* Empties b and sets its hooks (h may be NULL: no hooks). */
void bus_init(struct bus *b, const struct bus_hooks *h);

/* Adds r (copied). Returns 0, or -1 with a sentence in err for: no access
 * function, len 0, a range that wraps past 2^64 or ports past 0xffff, an
 * overlap with a registered range of the same space (naming both), or a
 * full bus. Build time only: not safe against concurrent bus_access. */
int bus_register(struct bus *b, const struct bus_range *r, char *err, size_t errlen);

/* Dispatches r to the device whose range holds all of [addr, addr + size).
 * Anything else (no device, an access straddling a range's edge, a size
 * other than 1/2/4 for PIO or 1/2/4/8 for MMIO, a device answering
 * BUS_UNASSIGNED) gets the unassigned policy: reads return all ones of the
 * size (a floating ISA bus, and what PCI root complexes answer for master
 * aborts), writes are dropped, bus->unassigned counts it, and the
 * unassigned hook hears of it once per port (PIO addresses above 0xffff are
 * reported as addr & 0xffff) or once per 4 KiB MMIO page. Several vCPUs
 * may call it at once. */
enum bus_status bus_access_slow(struct bus *b, enum bus_space sp, struct bus_req *r);

/* All ones of an access of size bytes. */
static inline uint64_t bus_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Inline for the common case of a port exit to a port nobody decodes that
 * was reported before (a guest polling an absent device): the policy above,
 * without a call. */
static inline enum bus_status bus_access(struct bus *b, enum bus_space sp, struct bus_req *r)
{
	if (sp == BUS_PIO && r->addr < BUS_PIO_PORTS && b->pio_map[r->addr] == BUS_PIO_QUIET) {
		__atomic_fetch_add(&b->unassigned, 1, __ATOMIC_RELAXED);
		r->val = r->write ? r->val & bus_size_mask(r->size) : bus_size_mask(r->size);
		return BUS_UNASSIGNED;
	}
	return bus_access_slow(b, sp, r);
}

/* Does a device's MMIO range hold all of [addr, addr + size)? */
bool bus_mmio_assigned(const struct bus *b, uint64_t addr, unsigned size);

/* Sets interrupt line `line` to level and calls the irq hook only when the
 * level changed; counts rising edges in irq_raised. Lines >= BUS_IRQ_LINES
 * are ignored. A device pulses an edge-triggered line by raising and
 * lowering it. */
void bus_irq_set(struct bus *b, unsigned line, bool level);
