/* SPDX-License-Identifier: BSD-2-Clause */
/* QEMU isa-debug-exit compatible port. QEMU exits with (v << 1) | 1 so that
 * a guest can never fake a clean exit; our VMs have a result of their own,
 * so the code is v & 0xff, as the VM's result. */
#include "drivers/virt/debugexit.h"
#include "kernel/lib/fmt.h"

enum bus_status debugexit_access(void *dev, uint64_t offset, struct bus_req *r)
{
	(void)dev;
	if (offset != 0)
		return BUS_UNASSIGNED;
	if (!r->write) {
		r->val = ~0ull;	/* the bus keeps size bytes */
		return BUS_OK;
	}
	r->stop_code = (int)(r->val & 0xff);
	fmt_snprintf(r->why, sizeof(r->why), "debug exit with code %d", r->stop_code);
	return BUS_STOP;
}

int debugexit_attach(struct bus *bus, uint16_t port, char *err, size_t errlen)
{
	const struct bus_range r = {
		.space = BUS_PIO, .base = port, .len = DEBUGEXIT_PORTS, .name = "debugexit",
		.access = debugexit_access,
	};

	return bus_register(bus, &r, err, errlen);
}
