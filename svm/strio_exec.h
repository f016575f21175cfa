/* SPDX-License-Identifier: BSD-2-Clause */
/* INS and OUTS for the IOIO exit: svm/strio.h's rules applied to the
 * vCPU, its memory (guest RAM, device pages through svm/mmio.c, holes)
 * and the IOIO exit's own port path. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* One element's port access by the path a plain IN/OUT takes (the VM's
 * bus, the debug-exit and console ports included), with what the device
 * asks for (a stop, a reset) already requested. */
typedef void (*strio_port_fn)(struct vcpu *v, uint16_t port, unsigned size, bool write,
			      uint64_t *val);

/* The IOIO exit of a string instruction (EXITINFO1.STR): one bounded batch
 * of elements, then RIP past the instruction if it is done, else left on
 * it with rCX/rSI/rDI updated; or the #GP, #SS or #PF the guest takes. */
void strio_exit(struct vcpu *v, strio_port_fn port);
