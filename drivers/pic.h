/* SPDX-License-Identifier: BSD-2-Clause */
/* The legacy 8259 PIC pair: moved off the exception vectors and masked. */
#pragma once

#define PIC_VECTOR_BASE 0x30	/* IRQ0-15 -> 0x30-0x3f: spurious IRQ7/15 land there */

void pic_disable(void);
