/* The guest's port I/O platform: which virtual device answers which port. */
#pragma once
#include <stdint.h>

struct vm;
struct vcpu;

#define VIO_DEBUG_EXIT 0xf4	/* QEMU isa-debug-exit compatible: the value is the VM's result */
#define VIO_COM1       0x3f8

/* IN of size bytes (1, 2, 4) from port; unassigned ports read all ones. */
uint32_t vio_in(struct vm *vm, uint16_t port, unsigned size);
/* OUT; writes to unassigned ports are ignored. */
void vio_out(struct vm *vm, struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
