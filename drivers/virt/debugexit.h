/* SPDX-License-Identifier: BSD-2-Clause */
/* A QEMU isa-debug-exit compatible port: a guest write ends the VM with the
 * written value as its result, so test guests can report pass or fail.
 * Pure and stateless. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"

#define DEBUGEXIT_PORT  0xf4	/* as QEMU's -device isa-debug-exit,iobase=0xf4 */
#define DEBUGEXIT_PORTS 4	/* ports registered: see debugexit_access */

/* bus_access_fn (dev unused, may be NULL). The exit port is base + 0 only;
 * the range is 4 ports wide, as QEMU's iosize=0x04, so that 2- and 4-byte
 * writes there fall inside it. A write of v at offset 0 answers BUS_STOP
 * with stop_code v & 0xff and why "debug exit with code N"; a read there
 * is BUS_OK with all ones; offsets 1-3 answer BUS_UNASSIGNED. */
enum bus_status debugexit_access(void *dev, uint64_t offset, struct bus_req *r);

/* Registers ports port..port+3 as "debugexit"; bus_register's answer. */
int debugexit_attach(struct bus *bus, uint16_t port, char *err, size_t errlen);
