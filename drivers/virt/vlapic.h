/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's local APIC, one per vCPU: the xAPIC page, the x2APIC MSRs,
 * IPIs, the local vector table and the APIC timer, per Intel SDM Vol.3
 * ch.10 ("Advanced Programmable Interrupt Controller") and AMD APM Vol.2
 * ch.16 ("Advanced Programmable Interrupt Controller"). Pure: no printing,
 * no allocation, no hardware. The caller decodes the page and the MSRs,
 * routes the IPIs an access asks for (struct vlapic_out), injects what
 * vlapic_pending_irq offers and programs a host timer for
 * vlapic_timer_deadline.
 *
 * Concurrency. A vlapic belongs to its vCPU's core: every function runs
 * there except vlapic_accept, vlapic_deliver, vlapic_match_dest,
 * vlapic_route, vlapic_ppr_for_lowest and vlapic_view, which may run on
 * any core. The remote writers touch only irr, tmr, pending, sipi_vector,
 * esr_remote and counts, always with __atomic builtins; the remote readers read only
 * the fields marked "published" (also __atomic: the owner stores them
 * with __atomic_store_n). vlapic_view reads the rest without ordering: a
 * console snapshot may be torn, never unsafe.
 *
 * Choices where the manuals leave room (each also at its code):
 * - Narrow or unaligned MMIO reads return the bytes they cover, each
 *   16-byte register slot being the register in bytes 0-3 and zeros in
 *   bytes 4-15 (as KVM; the SDM only says to use aligned 32-bit accesses).
 *   Writes that are not aligned 32-bit accesses are dropped and counted in
 *   bad_accesses. An access to an unimplemented slot sets ESR bit 7
 *   "illegal register address" (APM 16.4.8) and reads as 0.
 * - Fixed and lowest-priority IPIs with a vector below 16 set ESR "send
 *   illegal vector" on the sender and are not sent. Any interrupt with a
 *   vector below 16 reaching a vlapic sets "receive illegal vector" there;
 *   from a remote sender that error waits in esr_remote and is folded in
 *   (with the error LVT interrupt) on the owner's next vlapic_mmio,
 *   vlapic_rdmsr/wrmsr, vlapic_take_pending, vlapic_timer_expire,
 *   vlapic_lint or vlapic_set_base (vlapic_accept returns true so the
 *   target gets kicked); vlapic_ack_irq never folds, so the CPU takes
 *   exactly the vector it was offered.
 * - ICR shorthand "self" (fixed mode only, SDM Table 10-3; other modes
 *   with it are dropped) and the x2APIC SELF IPI are delivered by the
 *   sender's vlapic itself and still reported in vlapic_out; vlapic_route
 *   answers 0 for them so nobody delivers them twice. SMI and the
 *   reserved modes 3 and 7 are not sent. Every message sent has assert_
 *   set: the one de-assert (INIT, level trigger, level 0) is dropped.
 * - Lowest priority: among the matching, software-enabled APICs the one
 *   with the lowest PPR; ties go to the lowest index (deterministic, no
 *   state to share between cores; the SDM leaves the tie-break to the
 *   chipset). Focus checking (SVR bit 9) is stored, not applied.
 * - A software-disabled APIC (SVR bit 8 clear) drops fixed and
 *   lowest-priority interrupts but still takes NMI, INIT, SIPI and ExtINT
 *   (SDM 10.4.7.2); what already sat in IRR stays deliverable, so
 *   vlapic_pending_irq still offers it ("held and require handling by the
 *   CPU"). A hardware-disabled APIC (APIC_BASE.EN clear) takes nothing,
 *   offers nothing, and its LINT0/LINT1 act as the CPU's INTR and NMI pins
 *   (SDM 10.4.3).
 * - INIT is remote, so it only sets VLAPIC_PEND_INIT; vlapic_take_pending
 *   applies the INIT reset (SDM 10.4.7.3) when it hands that flag to the
 *   owner. The caller then puts the vCPU into wait-for-SIPI (svmvisor does
 *   that for the BSP too: no firmware sits at the reset vector) and re-reads
 *   vlapic_timer_deadline.
 * - Timer: the bus clock is VLAPIC_BUS_KHZ; time comes in as guest TSC.
 *   The next expiry is kept as a TSC deadline, and the current count is
 *   derived from the time left, rounded up (it reads 0 only once the
 *   deadline is reached). A divide change while counting keeps the current
 *   count and counts the rest at the new rate. Periodic mode never fires
 *   more than once per vlapic_timer_expire: missed periods collapse into
 *   one interrupt and the next deadline is the next period boundary after
 *   `now`. A period shorter than VLAPIC_MIN_PERIOD_NS is stretched to it so
 *   a guest cannot flood its core with exits; the current count then
 *   rests at the initial count until the counting part of the stretched
 *   period begins. Masked timers keep counting (and expiring), as
 *   hardware. `fired` counts expiries, masked ones included.
 * - LVT timer mode 3 (reserved) is #GP in x2APIC mode; in xAPIC mode it
 *   is stored and leaves the timer inert: no expiry, current count 0,
 *   initial-count writes stored but not started.
 * - LINT0/LINT1 levels are the pin's electrical level; the LVT polarity
 *   bit (13) says which is asserted. LINT1 is always edge-sensitive (SDM
 *   10.5.1). ExtINT is level-sensitive: VLAPIC_PEND_EXTINT is set on every
 *   vlapic_lint call that finds LINT0 asserted and unmasked in ExtINT mode
 *   and cleared when it drops; after taking the flag and the PIC's vector
 *   the caller calls vlapic_lint again if the PIC's output is still high.
 * - APIC_BASE EN 1->0 clears everything but the ID (and the base),
 *   including IRR/ISR/TMR and VLAPIC_PEND_EXTINT; NMI, INIT and SIPI
 *   already taken by the processor stay pending.
 * - Reserved-bit checks in x2APIC mode (SDM 10.12.1.3) treat read-only
 *   status bits (delivery status 12, remote IRR 14) as writable-and-
 *   ignored, so a read-modify-write never faults; ICR bit 12 likewise (as
 *   KVM). In xAPIC mode reserved bits are silently dropped.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLAPIC_BASE      0xfee00000ull
#define VLAPIC_BUS_KHZ   100000u		/* the APIC timer's input clock: 100 MHz */
#define VLAPIC_MIN_PERIOD_NS 10000u		/* shortest periodic timer period: 10 us */
#define MSR_X2APIC_FIRST 0x800u
#define MSR_X2APIC_END   0x900u		/* exclusive */
#define MSR_TSC_DEADLINE 0x6e0u

/* IA32_APIC_BASE (MSR 0x1B), SDM 10.4.4 / APM 16.3.1 */
#define VLAPIC_BASE_BSP  (1ull << 8)	/* bootstrap processor (read-only) */
#define VLAPIC_BASE_EXTD (1ull << 10)	/* x2APIC mode */
#define VLAPIC_BASE_EN   (1ull << 11)	/* APIC global enable */
#define VLAPIC_BASE_ADDR_MASK 0x000ffffffffff000ull

/* Register offsets in the xAPIC page (SDM Table 10-1); x2APIC MSR =
 * 0x800 + offset / 16 (SDM Table 10-6). */
#define APIC_ID      0x020
#define APIC_VER     0x030
#define APIC_TPR     0x080
#define APIC_APR     0x090	/* xAPIC only */
#define APIC_PPR     0x0a0
#define APIC_EOI     0x0b0
#define APIC_RRD     0x0c0	/* xAPIC only */
#define APIC_LDR     0x0d0
#define APIC_DFR     0x0e0	/* xAPIC only */
#define APIC_SVR     0x0f0
#define APIC_ISR     0x100	/* 8 registers, 32 vectors each */
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_LVT_CMCI 0x2f0	/* Intel only: not present here */
#define APIC_ICR     0x300
#define APIC_ICR2    0x310	/* xAPIC only; x2APIC: ICR bits 63:32 */
#define APIC_LVT_TIMER   0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF    0x340
#define APIC_LVT_LINT0   0x350
#define APIC_LVT_LINT1   0x360
#define APIC_LVT_ERROR   0x370
#define APIC_TMICT   0x380	/* timer initial count */
#define APIC_TMCCT   0x390	/* timer current count */
#define APIC_TDCR    0x3e0	/* timer divide configuration */
#define APIC_SELF_IPI 0x3f0	/* x2APIC only (MSR 0x83F) */

#define VLAPIC_MAXLVT   5	/* timer, thermal, perf, LINT0, LINT1, error */
#define VLAPIC_VERSION  (0x14u | (VLAPIC_MAXLVT << 16))	/* no directed EOI (bit 24) */

#define APIC_SVR_ENABLE  (1u << 8)	/* APIC software enable */
#define APIC_SVR_FOCUS   (1u << 9)	/* focus processor checking (stored, ignored) */

#define APIC_DFR_FLAT    0xffffffffu
#define APIC_DFR_CLUSTER 0x0fffffffu

/* ESR bits, SDM 10.5.3 / APM 16.4.8 */
#define APIC_ESR_SEND_ILLEGAL 0x20	/* send illegal vector */
#define APIC_ESR_RECV_ILLEGAL 0x40	/* receive illegal vector */
#define APIC_ESR_ILLEGAL_REG  0x80	/* illegal register address */

/* ICR low / LVT fields, SDM Figures 10-8 and 10-12 */
#define APIC_VECTOR_MASK  0xffu
#define APIC_DM_SHIFT     8		/* delivery mode, bits 10:8 */
#define APIC_DEST_LOGICAL (1u << 11)
#define APIC_DELIV_STATUS (1u << 12)	/* always reads idle here */
#define APIC_POLARITY_LOW (1u << 13)	/* LINT: active low */
#define APIC_LEVEL_ASSERT (1u << 14)	/* ICR: level assert; LINT: remote IRR */
#define APIC_REMOTE_IRR   (1u << 14)
#define APIC_TRIGGER_LEVEL (1u << 15)
#define APIC_LVT_MASKED   (1u << 16)
#define APIC_SH_SHIFT     18		/* ICR destination shorthand, bits 19:18 */
#define APIC_TIMER_MODE_SHIFT 17	/* LVT timer mode, bits 18:17 */

enum vlapic_timer_mode { VLAPIC_TIMER_ONESHOT, VLAPIC_TIMER_PERIODIC, VLAPIC_TIMER_TSC_DEADLINE,
			 VLAPIC_TIMER_RESERVED };

enum vlapic_lvt { VLAPIC_LVT_TIMER, VLAPIC_LVT_THERMAL, VLAPIC_LVT_PERF, VLAPIC_LVT_LINT0,
		  VLAPIC_LVT_LINT1, VLAPIC_LVT_ERROR, VLAPIC_NR_LVT };

enum vlapic_status { VLAPIC_OK, VLAPIC_GP, VLAPIC_UNDECODED };

/* pending flags (atomic) */
#define VLAPIC_PEND_NMI    (1u << 0)
#define VLAPIC_PEND_INIT   (1u << 1)
#define VLAPIC_PEND_SIPI   (1u << 2)
#define VLAPIC_PEND_EXTINT (1u << 3)	/* ask the PIC for a vector (INTA cycle) */
#define VLAPIC_PEND_ALL    0xfu

enum vlapic_dm { VLAPIC_DM_FIXED = 0, VLAPIC_DM_LOWEST = 1, VLAPIC_DM_SMI = 2, VLAPIC_DM_NMI = 4,
		 VLAPIC_DM_INIT = 5, VLAPIC_DM_STARTUP = 6, VLAPIC_DM_EXTINT = 7 };
enum vlapic_shorthand { VLAPIC_SH_NONE, VLAPIC_SH_SELF, VLAPIC_SH_ALL, VLAPIC_SH_OTHERS };

/* An interrupt message between APICs (from an ICR write; later the IOAPIC
 * builds these too). dest is read in the target's mode: 8 bits against an
 * xAPIC (0xFF physical broadcast), 32 against an x2APIC (0xFFFFFFFF
 * broadcast, physical or logical); 0xFFFFFFFF is broadcast to an xAPIC
 * too. A device sending to x2APIC targets widens its 0xFF broadcast. */
struct vlapic_msg {
	uint32_t dest;		/* physical APIC ID or logical destination (x2APIC: 32 bits) */
	uint8_t vector;
	uint8_t mode;		/* enum vlapic_dm */
	uint8_t shorthand;	/* enum vlapic_shorthand */
	bool logical;
	bool level;		/* trigger mode level */
	bool assert_;		/* level asserted (INIT de-assert has it clear) */
};

/* What an access asks the caller to do beyond the access. vlapic_mmio and
 * vlapic_wrmsr fill all of it (out may be NULL). */
struct vlapic_out {
	bool send;		/* route msg (an ICR write, shorthand included) */
	struct vlapic_msg msg;
	int eoi_vector;		/* -1, or a level-triggered vector just EOI'd (broadcast) */
	bool timer_changed;	/* the timer's deadline may have moved: reprogram the host timer */
};

/* Embedded in struct vcpu; zero-initialised, then vlapic_init. */
struct vlapic {
	/* published: the owner writes with __atomic_store_n, anyone reads */
	uint64_t base;		/* IA32_APIC_BASE */
	uint32_t id;		/* APIC ID (xAPIC: 8 bits, register bits 31:24) */
	uint32_t ldr;		/* register value (x2APIC: derived from id) */
	uint32_t dfr;
	uint32_t svr;
	uint32_t ppr;		/* kept current for lowest-priority routing */

	/* remote-written, atomic */
	uint32_t irr[8], tmr[8];
	uint32_t irr_any;	/* 0: IRR is empty (a hint kept by set_irr and irr_scan) */
	uint32_t pending;	/* VLAPIC_PEND_* only: 0 means nothing to take */
	uint8_t sipi_vector;	/* the last STARTUP's vector */
	uint32_t esr_remote;	/* errors found by remote senders, not folded yet */
	uint32_t counts[256];	/* interrupts accepted per vector */

	/* owner only */
	uint32_t init_id;	/* initial APIC ID: the x2APIC ID */
	bool bsp, tsc_deadline_ok;
	uint64_t tsc_khz;
	uint32_t tpr;
	uint32_t isr[8];
	uint32_t esr;		/* what ESR reads */
	uint32_t esr_pend;	/* errors since the last ESR write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[VLAPIC_NR_LVT];
	bool lint_in[2];	/* LINT0/LINT1 electrical level */
	uint32_t timer_init, timer_div;	/* TMICT, TDCR */
	uint64_t deadline;	/* guest TSC of the next expiry; UINT64_MAX: none */
	uint64_t period;	/* periodic: TSC ticks per period (stretched) */
	uint64_t tsc_deadline;	/* IA32_TSC_DEADLINE as it reads (armed value or 0) */
	uint64_t fired;		/* timer expiries */
	uint64_t bad_accesses;	/* dropped MMIO writes (not aligned 32-bit) */
};

/* Power-on reset state, APIC_BASE = 0xFEE00000 | EN (| BSP). tsc_khz is
 * the guest TSC rate (0 is taken as VLAPIC_BUS_KHZ); tsc_deadline offers
 * LVT timer mode 2 and MSR_TSC_DEADLINE. */
void vlapic_init(struct vlapic *l, uint32_t apic_id, bool bsp, uint64_t tsc_khz, bool tsc_deadline);
/* Applies an APIC_BASE value svm/msr.c already validated (the BSP bit is
 * the vlapic's own). EN 1->0: reset but ID; xAPIC->x2APIC: x2APIC ID =
 * initial APIC ID, LDR derived, the rest kept (SDM 10.12.5.1). The caller
 * re-reads vlapic_timer_deadline afterwards. */
void vlapic_set_base(struct vlapic *l, uint64_t apic_base);
uint64_t vlapic_base(const struct vlapic *l);
bool vlapic_x2apic(const struct vlapic *l);
bool vlapic_hw_enabled(const struct vlapic *l);
bool vlapic_sw_enabled(const struct vlapic *l);

/* An access to the xAPIC page: offset within the page 0..0xfff; size 1,
 * 2, 4 or 8. VLAPIC_UNDECODED while the APIC is disabled or in x2APIC
 * mode (the caller treats the page as an empty bus). now is the guest TSC. */
enum vlapic_status vlapic_mmio(struct vlapic *l, uint64_t offset, unsigned size, bool write,
			       uint64_t *val, uint64_t now, struct vlapic_out *out);
/* MSRs 0x800-0x8FF (x2APIC mode only) and MSR_TSC_DEADLINE (when offered). */
enum vlapic_status vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t *val, uint64_t now);
enum vlapic_status vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
				struct vlapic_out *out);

/* An EOI (x2APIC MSR 0x80B with 0) for the hypervisor's fast path: done
 * and true when it asks nothing of the caller (nothing in service, or an
 * edge-triggered vector); false, with nothing done, for a level-triggered
 * one. The caller has checked x2APIC mode and the value. */
bool vlapic_eoi_edge(struct vlapic *l);

/* Delivery (remote-safe). Returns true if something became pending that
 * should wake/kick the target (an IRR bit newly set, a pending flag, or a
 * receive error for the owner to fold in). mode is enum vlapic_dm;
 * lowest priority is accepted as fixed; SMI is ignored. */
bool vlapic_accept(struct vlapic *l, unsigned mode, uint8_t vector, bool level);
/* Shorthand + physical/logical, as seen by target l when src_id sent it
 * (shorthand self/others compare src_id with l's ID). */
bool vlapic_match_dest(const struct vlapic *l, const struct vlapic_msg *m, uint32_t src_id);
/* The priority lowest-priority arbitration compares: the PPR. */
uint8_t vlapic_ppr_for_lowest(const struct vlapic *l);
/* Routing: given all APICs of the VM (n <= 32, NULL entries skipped), the
 * sender's index (or -1 for a device), returns the bitmask of indices that
 * must receive msg. Hardware-disabled APICs never match. Shorthands go by
 * index; SH_SELF answers 0 (the sender's vlapic already delivered it); a
 * device's SH_SELF reaches nobody and SH_OTHERS everybody. Lowest priority:
 * exactly one of the matching software-enabled ones, the lowest PPR, ties
 * to the lowest index; 0 if none. */
uint32_t vlapic_route(struct vlapic *const *all, unsigned n, int src, const struct vlapic_msg *m);
/* Deliver to one target: fixed/lowest -> IRR (+TMR if level; illegal
 * vector -> ESR receive-illegal), NMI, INIT (only if assert_), STARTUP
 * (vector), ExtINT -> pending flags. */
bool vlapic_deliver(struct vlapic *l, const struct vlapic_msg *m);

/* Injection interface (owner). */
/* Highest IRR vector whose class is above PPR[7:4], or -1 (also while
 * hardware-disabled). Software disable does not hide what IRR holds. */
int vlapic_pending_irq(const struct vlapic *l);
/* The CPU takes vector: IRR -> ISR, PPR update. No-op unless vector is in
 * IRR (and >= 16). */
void vlapic_ack_irq(struct vlapic *l, uint8_t vector);
/* Atomically clears and returns the flags in mask (VLAPIC_PEND_*). When it
 * returns VLAPIC_PEND_INIT the INIT reset has been applied. */
uint32_t vlapic_take_pending(struct vlapic *l, uint32_t mask);
/* The vector of the last STARTUP accepted (valid after VLAPIC_PEND_SIPI). */
uint8_t vlapic_sipi_vector(const struct vlapic *l);
/* CR8 writes (V_TPR sync): the caller passes TPR = cr8 << 4. */
void vlapic_set_tpr(struct vlapic *l, uint8_t tpr);
uint8_t vlapic_tpr(const struct vlapic *l);
/* Pin 0 or 1 is now at electrical level `level`; see the header comment. */
void vlapic_lint(struct vlapic *l, unsigned pin, bool level);

/* Timer (owner). */
/* Guest TSC of the next expiry, or UINT64_MAX if none. */
uint64_t vlapic_timer_deadline(const struct vlapic *l);
/* If the deadline has passed: fire (IRR unless masked) and re-arm
 * (periodic: the next boundary after now) or disarm; true if it fired.
 * Afterwards the deadline is > now or UINT64_MAX. */
bool vlapic_timer_expire(struct vlapic *l, uint64_t now);

/* For the console's `lapic` command: a decoded snapshot (read-only, any core). */
struct vlapic_view {
	uint32_t id, version, tpr, ppr, ldr, dfr, svr, esr, icr_lo, icr_hi;
	uint32_t lvt[6];	/* timer, thermal, perf, lint0, lint1, error */
	uint32_t timer_init, timer_div;
	uint32_t irr[8], isr[8], tmr[8];
	uint64_t timer_deadline;
	uint32_t timer_current;
	uint8_t timer_mode;
	bool x2apic, enabled, sw_enabled;
	uint64_t fired;
};
void vlapic_view(const struct vlapic *l, uint64_t now, struct vlapic_view *out);
