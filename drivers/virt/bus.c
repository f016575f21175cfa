/* SPDX-License-Identifier: BSD-2-Clause */
/* The per-VM device bus: registration, dispatch, the unassigned policy and
 * interrupt line levels. See bus.h for the contract. */
#include <stdarg.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

static bool size_ok(enum bus_space sp, unsigned size)
{
	return size == 1 || size == 2 || size == 4 || (size == 8 && sp == BUS_MMIO);
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void bus_init(struct bus *b, const struct bus_hooks *h)
{
	memset(b, 0, sizeof(*b));
	if (h)
		b->hooks = *h;
}

int bus_register(struct bus *b, const struct bus_range *r, char *err, size_t errlen)
{
	const char *what = r->space == BUS_PIO ? "ports" : "MMIO";
	uint64_t last = r->base + (r->len - 1);	/* inclusive: len may reach 2^64 - base */
	unsigned i;

	if (!r->access)
		return fail(err, errlen, "%s: no access function", r->name);
	if (r->len == 0)
		return fail(err, errlen, "%s: empty range at 0x%llx", r->name,
			    (unsigned long long)r->base);
	if (last < r->base)
		return fail(err, errlen, "%s: %s 0x%llx+0x%llx wrap around", r->name, what,
			    (unsigned long long)r->base, (unsigned long long)r->len);
	if (r->space == BUS_PIO && last >= BUS_PIO_PORTS)
		return fail(err, errlen, "%s: ports 0x%llx-0x%llx beyond 0xffff", r->name,
			    (unsigned long long)r->base, (unsigned long long)last);
	for (i = 0; i < b->nr_ranges; i++) {
		const struct bus_range *o = &b->range[i];
		uint64_t olast = o->base + (o->len - 1);

		if (o->space == r->space && r->base <= olast && o->base <= last)
			return fail(err, errlen, "%s: %s 0x%llx-0x%llx overlap %s at 0x%llx-0x%llx",
				    r->name, what, (unsigned long long)r->base,
				    (unsigned long long)last, o->name,
				    (unsigned long long)o->base, (unsigned long long)olast);
	}
	if (b->nr_ranges == BUS_MAX_RANGES)
		return fail(err, errlen, "%s: bus full (%d ranges)", r->name, BUS_MAX_RANGES);

	/* Keep the array sorted by (space, base) so bus_find can stop early. */
	for (i = b->nr_ranges; i > 0; i--) {
		const struct bus_range *o = &b->range[i - 1];

		if (o->space < r->space || (o->space == r->space && o->base < r->base))
			break;
		b->range[i] = *o;
	}
	b->range[i] = *r;
	memset(b->accesses, 0, sizeof(b->accesses));	/* build time: nothing counted yet */
	b->nr_ranges++;
	memset(b->pio_map, 0, sizeof(b->pio_map));	/* indexes moved: map anew */
	for (i = 0; i < b->nr_ranges; i++)
		if (b->range[i].space == BUS_PIO)
			memset(b->pio_map + b->range[i].base, (int)(i + 1), b->range[i].len);
	return 0;
}

/* The range holding all of [addr, addr + size) at a size the space allows,
 * or NULL. Ports through the map; MMIO by a linear scan (a VM has a
 * handful of ranges). This runs on every I/O exit. */
static struct bus_range *bus_find(struct bus *b, enum bus_space sp, uint64_t addr, unsigned size)
{
	struct bus_range *d = NULL;

	if (sp == BUS_PIO) {
		unsigned i = addr < BUS_PIO_PORTS ? b->pio_map[addr] : 0;

		if (!i)
			return NULL;
		d = &b->range[i - 1];
	} else {
		for (unsigned i = 0; i < b->nr_ranges; i++) {
			struct bus_range *c = &b->range[i];

			if (c->space != BUS_MMIO || addr < c->base)
				continue;
			if (addr - c->base < c->len) {
				d = c;
				break;
			}
		}
		if (!d)
			return NULL;
	}
	if (!size_ok(sp, size) || size > d->len - (addr - d->base))
		return NULL;	/* a width the space lacks, or straddling the range's end */
	return d;
}

/* True the first time addr's port or page is seen; *last as in bus_hooks.
 * Lock-free, so two vCPUs racing on the same port or page report it once:
 * MMIO slots fill in order and are claimed by compare-and-swap. */
static bool bus_first_unassigned(struct bus *b, enum bus_space sp, uint64_t addr, bool *last)
{
	uint64_t page = (addr >> 12) + 1;	/* never 0: 0 marks a free slot */

	*last = false;
	if (sp == BUS_PIO) {
		uint64_t bit = 1ull << (addr & 63), *word = &b->pio_logged[(addr & 0xffff) / 64];
		uint8_t *map = &b->pio_map[addr & 0xffff];

		if (__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit)
			return false;
		if (!*map)	/* nobody at all there: bus_access answers it inline from now on */
			__atomic_store_n(map, BUS_PIO_QUIET, __ATOMIC_RELAXED);
		return true;
	}
	for (unsigned i = 0; i < BUS_MMIO_LOG_PAGES; i++) {
		uint64_t cur = __atomic_load_n(&b->mmio_logged[i], __ATOMIC_RELAXED);

		if (cur == 0 && __atomic_compare_exchange_n(&b->mmio_logged[i], &cur, page, false,
							    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
		if (cur == page)	/* also when another vCPU just won the slot */
			return false;
	}
	*last = !__atomic_exchange_n(&b->mmio_log_full, true, __ATOMIC_RELAXED);
	return *last;
}

static void bus_unassigned(struct bus *b, enum bus_space sp, struct bus_req *r)
{
	bool last;

	r->val = r->write ? r->val & bus_size_mask(r->size) : bus_size_mask(r->size);
	__atomic_fetch_add(&b->unassigned, 1, __ATOMIC_RELAXED);
	if (bus_first_unassigned(b, sp, r->addr, &last) && b->hooks.unassigned)
		b->hooks.unassigned(b->hooks.ctx, sp, r->addr, r->size, r->write, last);
}

enum bus_status bus_access_slow(struct bus *b, enum bus_space sp, struct bus_req *r)
{
	struct bus_range *d = bus_find(b, sp, r->addr, r->size);

	if (d) {
		uint64_t mask = bus_size_mask(r->size);
		enum bus_status st;

		r->val = r->write ? r->val & mask : 0;
		st = d->access(d->dev, r->addr - d->base, r);
		if (st != BUS_UNASSIGNED) {
			__atomic_fetch_add(&b->accesses[d - b->range], 1, __ATOMIC_RELAXED);
			if (!r->write)
				r->val &= mask;
			return st;
		}
	}
	bus_unassigned(b, sp, r);
	return BUS_UNASSIGNED;
}

bool bus_mmio_assigned(const struct bus *b, uint64_t addr, unsigned size)
{
	return bus_find((struct bus *)b, BUS_MMIO, addr, size) != NULL;	/* only looks */
}

void bus_irq_set(struct bus *b, unsigned line, bool level)
{
	uint32_t bit, old;

	if (line >= BUS_IRQ_LINES)
		return;
	bit = 1u << line;
	if (level)
		old = __atomic_fetch_or(&b->irq_levels, bit, __ATOMIC_RELAXED);
	else
		old = __atomic_fetch_and(&b->irq_levels, ~bit, __ATOMIC_RELAXED);
	if (!!(old & bit) == level)
		return;
	if (level)
		__atomic_fetch_add(&b->irq_raised[line], 1, __ATOMIC_RELAXED);
	if (b->hooks.irq)
		b->hooks.irq(b->hooks.ctx, line, level);
}
