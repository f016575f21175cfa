/* SPDX-License-Identifier: BSD-2-Clause */
/* The PC's system control ports, as one device over four port ranges:
 * - 0xcf8-0xcff "pci": PCI configuration mechanism #1 (PCI Local Bus
 *   Specification 3.0, 3.2.2.3.2 "Software Generation of Configuration
 *   Transactions") with no devices behind it, and the Reset Control
 *   Register at 0xcf9 (Intel ICH10 datasheet, 13.7.5 RST_CNT; PIIX4's RC
 *   register is its subset, bits 2:1).
 * - 0x92 "port92": System Control Port A (IBM PS/2; Intel ICH's PORT92):
 *   bit 0 fast reset, bit 1 A20 gate.
 * - 0x64 "kbc": the 8042 keyboard controller's status/command port only,
 *   for its CPU reset command. 0x60 (data) stays unassigned: no keyboard.
 * - 0x80 "post": the POST code port, kept for the console.
 * Pure: resets come back as BUS_RESET with a why; nothing is printed.
 *
 * Choices where the datasheets leave room, or where we deviate:
 * - CONFIG_ADDRESS keeps bit 31 (enable) and bits 23:2 (bus, device,
 *   function, register); bits 30:24 and 1:0 read 0 (3.2.2.3.2). Only dword
 *   accesses at 0xcf8 reach it; byte and word accesses at 0xcf8, 0xcfa and
 *   0xcfb are plain I/O with nobody there: BUS_UNASSIGNED.
 * - CONFIG_DATA (0xcfc-0xcff, any 1/2/4-byte access inside): with the
 *   enable bit set, every function is absent: reads all ones (a master
 *   abort), writes dropped, BUS_OK since the host bridge claims the cycle.
 *   With it clear: BUS_UNASSIGNED.
 * - 0xcf9 (byte accesses only): a write with RST_CPU set resets the VM
 *   (BUS_RESET, "reset through port 0xcf9"), whatever SYS_RST and
 *   FULL_RST say: soft, hard and full resets are all one VM reset. RST_CPU
 *   always reads 0, as it does once the reset it triggers is done: every
 *   write with it set is the 0 to 1 transition RST_CNT asks for (Linux's
 *   reboot=pci writes 0x02 then 0x06; others 0x06 or 0x0e). SYS_RST and
 *   FULL_RST are stored and read back; bits 7:4 and 0 read 0.
 * - 0x92: a write with bit 0 set resets the VM (BUS_RESET, "reset through
 *   port 0x92"). Bit 0 then reads 0, for the same reason as RST_CPU (the
 *   reset clears it), so the next such write resets again even if the VM
 *   builder never calls vsysctl_reset. Bits 7:1 are stored and read back
 *   (bit 3, the password lock latch, included). A20 is always enabled in
 *   the VM: bit 1 is only remembered, addresses never wrap at 1 MiB.
 * - 0x64 (byte accesses only): reads 0x00 (output and input buffers
 *   empty: nothing to read, ready for commands). The pulse commands
 *   0xf0-0xff pulse the output port lines whose bit in the command is 0;
 *   line 0 is the CPU reset, so 0xfe, and any of them with bit 0 clear,
 *   reset the VM (BUS_RESET, "reset through port 0x64 (keyboard
 *   controller)"), as on the 8042 and in QEMU. Every other command is
 *   ignored.
 * - 0x80: byte writes are accepted and kept in post (posts counts them);
 *   reads return the last value written (0 before any), as Intel chipsets
 *   that shadow port 80h do. QEMU reads 0xff instead; nothing relies on it.
 * - vsysctl_reset clears CONFIG_ADDRESS, RST_CNT and port 0x92, as a
 *   platform reset does; post and posts survive it, like the digits on a
 *   POST card, so the console can still show the last code.
 * - vsysctl_attach registers the ranges in the order above; when one
 *   fails the earlier ones stay registered (the bus cannot remove a range:
 *   the VM is not built then anyway). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "drivers/virt/bus.h"
#include "kernel/lib/spinlock.h"

#define VSYSCTL_PCI_BASE  0xcf8
#define VSYSCTL_PCI_PORTS 8	/* 0xcf8-0xcff */
#define VSYSCTL_PORT92    0x92
#define VSYSCTL_KBC_PORT  0x64
#define VSYSCTL_POST_PORT 0x80

/* Offsets in the "pci" range */
#define PCI_CONFIG_ADDRESS 0x0	/* 0xcf8, dword only */
#define PCI_RST_CNT        0x1	/* 0xcf9, byte only */
#define PCI_CONFIG_DATA    0x4	/* 0xcfc-0xcff */

/* CONFIG_ADDRESS, PCI 3.0 3.2.2.3.2 Figure 3-2 */
#define PCI_CFG_ENABLE   (1u << 31)	/* translate CONFIG_DATA accesses */
#define PCI_CFG_BUS      (0xffu << 16)	/* bits 23:16 */
#define PCI_CFG_DEVICE   (0x1fu << 11)	/* bits 15:11 */
#define PCI_CFG_FUNCTION (0x7u << 8)	/* bits 10:8 */
#define PCI_CFG_REGISTER (0x3fu << 2)	/* bits 7:2, dword index */
#define PCI_CFG_MASK     0x80fffffcu	/* kept; bits 30:24 and 1:0 read 0 */

/* RST_CNT at 0xcf9, ICH10 13.7.5 */
#define RST_CNT_SYS_RST  (1u << 1)	/* hard (1) or soft (0) reset */
#define RST_CNT_RST_CPU  (1u << 2)	/* 0 -> 1 starts the reset */
#define RST_CNT_FULL_RST (1u << 3)	/* power cycle as well */
#define RST_CNT_STORED   (RST_CNT_SYS_RST | RST_CNT_FULL_RST)

/* System Control Port A at 0x92 */
#define PORT92_FAST_RESET (1u << 0)	/* 0 -> 1 pulses the CPU reset */
#define PORT92_A20        (1u << 1)	/* A20 gate: remembered only */
#define PORT92_LOCK       (1u << 3)	/* password lock latch */

/* 8042 at 0x64 */
#define KBC_STATUS_IDLE   0x00	/* OBF, IBF clear */
#define KBC_CMD_PULSE     0xf0	/* 0xf0-0xff: pulse the output lines whose bit (3:0) is 0 */
#define KBC_CMD_RESET     0xfe	/* pulse line 0 only: CPU reset */
#define KBC_OUT_RESET     (1u << 0)	/* output port line 0: CPU reset */

struct vsysctl {
	struct spinlock lock;	/* several vCPUs and the console core */
	uint32_t pci_addr;	/* CONFIG_ADDRESS, PCI_CFG_MASK bits only */
	uint8_t rcr;		/* 0xcf9: RST_CNT_STORED bits only */
	uint8_t port92;		/* bit 0 always clear */
	uint8_t post;		/* last port 0x80 value */
	uint32_t posts;		/* port 0x80 writes, ever */
};

/* Power-on state: everything 0, no POST code yet. Does not register
 * ports: vsysctl_attach does. */
void vsysctl_init(struct vsysctl *s);

/* Platform reset: pci_addr, rcr and port92 back to 0; post and posts
 * kept. */
void vsysctl_reset(struct vsysctl *s);

/* Registers "pci" 0xcf8-0xcff, "port92" 0x92, "kbc" 0x64 and "post" 0x80;
 * 0 or the first failing bus_register's -1 (err says which). */
int vsysctl_attach(struct vsysctl *s, struct bus *bus, char *err, size_t errlen);

/* A snapshot for the console. */
struct vsysctl_view {
	uint32_t pci_addr;
	uint8_t rcr, port92, post;
	uint32_t posts;
};
void vsysctl_view(struct vsysctl *s, struct vsysctl_view *out);
