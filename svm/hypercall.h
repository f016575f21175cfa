/* SPDX-License-Identifier: BSD-2-Clause */
/* VMMCALL: the hypercalls of docs/hypercalls.md. */
#pragma once

struct vcpu;

/* RAX = function, arguments in RBX, RCX, RDX; result in RAX. */
void hypercall_handle(struct vcpu *v);
