/* SPDX-License-Identifier: BSD-2-Clause */
/* The VMCB, after AMD64 APM Vol.2 Appendix B (Table B-1 control area,
 * Table B-2 state save area). Packed fixed-width fields, offsets in comments,
 * gaps named reserved_0xNN after the offset where they start. The offset of
 * every field and every reserved gap is asserted, as are the sizes of the
 * segment, the two areas and the whole page, as Linux does for its VMCB
 * (arch/x86/include/asm/svm.h): a mistyped width anywhere moves everything
 * after it, and the asserts say where. Offsets here, save area included,
 * count from the start of the VMCB (the save area begins at 0x400). */
#pragma once
#include <stdint.h>

/* Field f of the control (save) area starts at VMCB offset off. */
#define VMCB_CONTROL_OFFSET(f, off) \
	_Static_assert(__builtin_offsetof(struct vmcb_control, f) == (off), \
		       "APM Vol.2 Table B-1: " #f " at " #off)
#define VMCB_SAVE_OFFSET(f, off) \
	_Static_assert(0x400 + __builtin_offsetof(struct vmcb_save, f) == (off), \
		       "APM Vol.2 Table B-2: " #f " at " #off)

/* Intercept word 3 (offset 0x0c), APM Vol.2 B-1 */
#define INTERCEPT_INTR        (1u << 0)
#define INTERCEPT_NMI         (1u << 1)
#define INTERCEPT_SMI         (1u << 2)
#define INTERCEPT_INIT        (1u << 3)
#define INTERCEPT_VINTR       (1u << 4)
#define INTERCEPT_CR0_SEL_WRITE (1u << 5)	/* CR0 writes that change more than TS and MP */
#define INTERCEPT_RDTSC       (1u << 14)
#define INTERCEPT_RDPMC       (1u << 15)
#define INTERCEPT_CPUID       (1u << 18)
#define INTERCEPT_IRET        (1u << 20)
#define INTERCEPT_INVD        (1u << 22)
#define INTERCEPT_PAUSE       (1u << 23)
#define INTERCEPT_HLT         (1u << 24)
#define INTERCEPT_INVLPGA     (1u << 26)
#define INTERCEPT_IOIO_PROT   (1u << 27)
#define INTERCEPT_MSR_PROT    (1u << 28)
#define INTERCEPT_TASK_SWITCH (1u << 29)
#define INTERCEPT_SHUTDOWN    (1u << 31)
/* Intercept word 4 (offset 0x10) */
#define INTERCEPT_VMRUN       (1u << 0)
#define INTERCEPT_VMMCALL     (1u << 1)
#define INTERCEPT_VMLOAD      (1u << 2)
#define INTERCEPT_VMSAVE      (1u << 3)
#define INTERCEPT_STGI        (1u << 4)
#define INTERCEPT_CLGI        (1u << 5)
#define INTERCEPT_SKINIT      (1u << 6)
#define INTERCEPT_RDTSCP      (1u << 7)
#define INTERCEPT_WBINVD      (1u << 9)
#define INTERCEPT_MONITOR     (1u << 10)
#define INTERCEPT_MWAIT       (1u << 11)
#define INTERCEPT_XSETBV      (1u << 13)
#define INTERCEPT_RDPRU       (1u << 14)

/* TLB_CONTROL (offset 0x5c), APM Vol.2 15.16.2 */
#define TLB_CONTROL_NOTHING     0
#define TLB_CONTROL_FLUSH_ALL   1
#define TLB_CONTROL_FLUSH_ASID  3

/* V_INTR (offset 0x60), APM Vol.2 15.21.1 and Table B-1 */
#define V_TPR_MASK         0xfull	/* bits 3:0: the guest's CR8 */
#define V_IRQ              (1ull << 8)	/* a virtual interrupt is pending */
#define V_INTR_PRIO_SHIFT  16	/* bits 19:16: its priority */
#define V_IGN_TPR          (1ull << 20)	/* deliver it whatever V_TPR says */
#define V_INTR_MASKING     (1ull << 24)
#define V_INTR_VECTOR_SHIFT 32	/* bits 39:32: its vector */

/* INTERRUPT_SHADOW (offset 0x68), APM Vol.2 15.21.5 */
#define INTR_SHADOW        (1ull << 0)	/* the guest is in an STI or MOV SS shadow */

/* NP_ENABLE (offset 0x90) */
#define NP_ENABLE (1ull << 0)

/* EVENTINJ and EXITINTINFO, APM Vol.2 15.20 */
#define EVENT_VECTOR_MASK 0xffull
#define EVENT_TYPE_INTR   (0ull << 8)
#define EVENT_TYPE_NMI    (2ull << 8)
#define EVENT_TYPE_EXCEPT (3ull << 8)
#define EVENT_TYPE_SOFT   (4ull << 8)
#define EVENT_TYPE_MASK   (7ull << 8)
#define EVENT_EV          (1ull << 11)	/* error code valid */
#define EVENT_VALID       (1ull << 31)

/* Exit codes, APM Vol.2 Appendix C */
#define VMEXIT_CR0_WRITE   0x10	/* VMEXIT_CR0_WRITE + n: a write to CRn */
#define VMEXIT_CR4_WRITE   0x14
#define VMEXIT_EXCP_BASE   0x40
#define VMEXIT_INTR        0x60
#define VMEXIT_NMI         0x61
#define VMEXIT_SMI         0x62
#define VMEXIT_INIT        0x63
#define VMEXIT_VINTR       0x64
#define VMEXIT_CR0_SEL_WRITE 0x65
#define VMEXIT_RDTSC       0x6e
#define VMEXIT_RDPMC       0x6f
#define VMEXIT_CPUID       0x72
#define VMEXIT_IRET        0x74
#define VMEXIT_INVD        0x76
#define VMEXIT_PAUSE       0x77
#define VMEXIT_HLT         0x78
#define VMEXIT_INVLPGA     0x7a
#define VMEXIT_IOIO        0x7b
#define VMEXIT_MSR         0x7c
#define VMEXIT_TASK_SWITCH 0x7d
#define VMEXIT_SHUTDOWN    0x7f
#define VMEXIT_VMRUN       0x80
#define VMEXIT_VMMCALL     0x81
#define VMEXIT_VMLOAD      0x82
#define VMEXIT_VMSAVE      0x83
#define VMEXIT_STGI        0x84
#define VMEXIT_CLGI        0x85
#define VMEXIT_SKINIT      0x86
#define VMEXIT_RDTSCP      0x87
#define VMEXIT_WBINVD      0x89
#define VMEXIT_MONITOR     0x8a
#define VMEXIT_MWAIT       0x8b
#define VMEXIT_XSETBV      0x8d
#define VMEXIT_RDPRU       0x8e
#define VMEXIT_NPF         0x400
#define VMEXIT_INVALID     0xffffffffu	/* compare the low 32 bits: QEMU writes 0x00000000ffffffff */

/* NPF EXITINFO1, APM Vol.2 15.25.6: the #PF error code bits, and which
 * access of the walk faulted. EXITINFO2 is the guest-physical address. */
#define NPF_INFO1_P     (1ull << 0)	/* the page was present (a protection fault) */
#define NPF_INFO1_W     (1ull << 1)	/* a write */
#define NPF_INFO1_U     (1ull << 2)	/* a user access (every nested walk is one) */
#define NPF_INFO1_RSV   (1ull << 3)	/* a reserved bit was set */
#define NPF_INFO1_ID    (1ull << 4)	/* an instruction fetch */
#define NPF_INFO1_FINAL (1ull << 32)	/* at the final guest-physical address */
#define NPF_INFO1_WALK  (1ull << 33)	/* at a guest page-table access */

/* CR access EXITINFO1 with decode assists, APM Vol.2 15.33.1: bit 63 set
 * for MOV CRn (not LMSW or CLTS), bits 3:0 its general register. */
#define CR_INFO1_MOV    (1ull << 63)
#define CR_INFO1_GPR    0xfull

/* IOIO EXITINFO1, APM Vol.2 15.10.2 */
#define IOIO_IN   (1u << 0)
#define IOIO_STR  (1u << 2)
#define IOIO_REP  (1u << 3)
#define IOIO_SZ8  (1u << 4)
#define IOIO_SZ16 (1u << 5)
#define IOIO_SZ32 (1u << 6)
#define IOIO_A16  (1u << 7)	/* address size of INS/OUTS */
#define IOIO_A32  (1u << 8)
#define IOIO_A64  (1u << 9)
#define IOIO_SEG(info) ((unsigned)((info) >> 10) & 7)	/* OUTS's segment, ES=0 .. GS=5:
							 * valid with decode assists only */
#define IOIO_PORT(info) ((uint16_t)((info) >> 16))

/* VMCB clean bits (offset 0xc0), APM Vol.2 15.15.3: a set bit tells the CPU
 * its cached copy of that group is still good. */
#define VMCB_CLEAN_INTERCEPTS (1u << 0)	/* intercept vectors, TSC offset, pause filter */
#define VMCB_CLEAN_IOPM       (1u << 1)	/* IOPM_BASE, MSRPM_BASE */
#define VMCB_CLEAN_ASID       (1u << 2)
#define VMCB_CLEAN_TPR        (1u << 3)	/* V_TPR, V_IRQ, V_INTR_* */
#define VMCB_CLEAN_NP         (1u << 4)	/* NP_ENABLE, N_CR3, G_PAT */
#define VMCB_CLEAN_CRX        (1u << 5)	/* CR0, CR3, CR4, EFER */
#define VMCB_CLEAN_DRX        (1u << 6)	/* DR6, DR7 */
#define VMCB_CLEAN_DT         (1u << 7)	/* GDTR, IDTR */
#define VMCB_CLEAN_SEG        (1u << 8)	/* CS, DS, SS, ES, CPL */
#define VMCB_CLEAN_CR2        (1u << 9)
#define VMCB_CLEAN_LBR        (1u << 10)
#define VMCB_CLEAN_AVIC       (1u << 11)
#define VMCB_CLEAN_ALL        0xfffu

struct vmcb_seg {
	uint16_t selector;	/* 0x0 */
	uint16_t attrib;	/* 0x2: descriptor bits 47:40 and 55:52, packed */
	uint32_t limit;		/* 0x4 */
	uint64_t base;		/* 0x8 */
} __attribute__((packed));
_Static_assert(__builtin_offsetof(struct vmcb_seg, selector) == 0x0, "APM Vol.2 Table B-2: selector");
_Static_assert(__builtin_offsetof(struct vmcb_seg, attrib) == 0x2, "APM Vol.2 Table B-2: attrib");
_Static_assert(__builtin_offsetof(struct vmcb_seg, limit) == 0x4, "APM Vol.2 Table B-2: limit");
_Static_assert(__builtin_offsetof(struct vmcb_seg, base) == 0x8, "APM Vol.2 Table B-2: base");
_Static_assert(sizeof(struct vmcb_seg) == 16, "APM Vol.2 Table B-2: a segment is 16 bytes");

struct vmcb_control {
	uint16_t intercept_cr_read;	/* 0x000 */
	uint16_t intercept_cr_write;	/* 0x002 */
	uint16_t intercept_dr_read;	/* 0x004 */
	uint16_t intercept_dr_write;	/* 0x006 */
	uint32_t intercept_exceptions;	/* 0x008 */
	uint32_t intercept_misc1;	/* 0x00c */
	uint32_t intercept_misc2;	/* 0x010 */
	uint32_t intercept_misc3;	/* 0x014 */
	uint8_t reserved_0x018[0x03c - 0x018];
	uint16_t pause_filter_threshold;	/* 0x03c */
	uint16_t pause_filter_count;	/* 0x03e */
	uint64_t iopm_base_pa;		/* 0x040 */
	uint64_t msrpm_base_pa;		/* 0x048 */
	uint64_t tsc_offset;		/* 0x050 */
	uint32_t guest_asid;		/* 0x058 */
	uint8_t tlb_control;		/* 0x05c */
	uint8_t reserved_0x05d[3];
	uint64_t v_intr;		/* 0x060 */
	uint64_t interrupt_shadow;	/* 0x068 */
	uint64_t exitcode;		/* 0x070 */
	uint64_t exitinfo1;		/* 0x078 */
	uint64_t exitinfo2;		/* 0x080 */
	uint64_t exitintinfo;		/* 0x088 */
	uint64_t np_enable;		/* 0x090 */
	uint64_t avic_apic_bar;		/* 0x098 */
	uint64_t ghcb_pa;		/* 0x0a0 */
	uint64_t eventinj;		/* 0x0a8 */
	uint64_t n_cr3;			/* 0x0b0 */
	uint64_t lbr_virt_enable;	/* 0x0b8 */
	uint32_t vmcb_clean;		/* 0x0c0 */
	uint32_t reserved_0x0c4;
	uint64_t nrip;			/* 0x0c8 */
	uint8_t insn_len;		/* 0x0d0 */
	uint8_t insn_bytes[15];		/* 0x0d1 */
	uint8_t reserved_0x0e0[0x400 - 0x0e0];
} __attribute__((packed));
_Static_assert(sizeof(struct vmcb_control) == 0x400, "APM Vol.2 Table B-1: control area 0x000-0x3ff");
VMCB_CONTROL_OFFSET(intercept_cr_read, 0x000);
VMCB_CONTROL_OFFSET(intercept_cr_write, 0x002);
VMCB_CONTROL_OFFSET(intercept_dr_read, 0x004);
VMCB_CONTROL_OFFSET(intercept_dr_write, 0x006);
VMCB_CONTROL_OFFSET(intercept_exceptions, 0x008);
VMCB_CONTROL_OFFSET(intercept_misc1, 0x00c);
VMCB_CONTROL_OFFSET(intercept_misc2, 0x010);
VMCB_CONTROL_OFFSET(intercept_misc3, 0x014);
VMCB_CONTROL_OFFSET(reserved_0x018, 0x018);
VMCB_CONTROL_OFFSET(pause_filter_threshold, 0x03c);
VMCB_CONTROL_OFFSET(pause_filter_count, 0x03e);
VMCB_CONTROL_OFFSET(iopm_base_pa, 0x040);
VMCB_CONTROL_OFFSET(msrpm_base_pa, 0x048);
VMCB_CONTROL_OFFSET(tsc_offset, 0x050);
VMCB_CONTROL_OFFSET(guest_asid, 0x058);
VMCB_CONTROL_OFFSET(tlb_control, 0x05c);
VMCB_CONTROL_OFFSET(reserved_0x05d, 0x05d);
VMCB_CONTROL_OFFSET(v_intr, 0x060);
VMCB_CONTROL_OFFSET(interrupt_shadow, 0x068);
VMCB_CONTROL_OFFSET(exitcode, 0x070);
VMCB_CONTROL_OFFSET(exitinfo1, 0x078);
VMCB_CONTROL_OFFSET(exitinfo2, 0x080);
VMCB_CONTROL_OFFSET(exitintinfo, 0x088);
VMCB_CONTROL_OFFSET(np_enable, 0x090);
VMCB_CONTROL_OFFSET(avic_apic_bar, 0x098);
VMCB_CONTROL_OFFSET(ghcb_pa, 0x0a0);
VMCB_CONTROL_OFFSET(eventinj, 0x0a8);
VMCB_CONTROL_OFFSET(n_cr3, 0x0b0);
VMCB_CONTROL_OFFSET(lbr_virt_enable, 0x0b8);
VMCB_CONTROL_OFFSET(vmcb_clean, 0x0c0);
VMCB_CONTROL_OFFSET(reserved_0x0c4, 0x0c4);
VMCB_CONTROL_OFFSET(nrip, 0x0c8);
VMCB_CONTROL_OFFSET(insn_len, 0x0d0);
VMCB_CONTROL_OFFSET(insn_bytes, 0x0d1);
VMCB_CONTROL_OFFSET(reserved_0x0e0, 0x0e0);

struct vmcb_save {
	struct vmcb_seg es;		/* 0x400 */
	struct vmcb_seg cs;		/* 0x410 */
	struct vmcb_seg ss;		/* 0x420 */
	struct vmcb_seg ds;		/* 0x430 */
	struct vmcb_seg fs;		/* 0x440 */
	struct vmcb_seg gs;		/* 0x450 */
	struct vmcb_seg gdtr;		/* 0x460 */
	struct vmcb_seg ldtr;		/* 0x470 */
	struct vmcb_seg idtr;		/* 0x480 */
	struct vmcb_seg tr;		/* 0x490 */
	uint8_t reserved_0x4a0[0x4cb - 0x4a0];
	uint8_t cpl;			/* 0x4cb */
	uint32_t reserved_0x4cc;
	uint64_t efer;			/* 0x4d0 */
	uint8_t reserved_0x4d8[0x548 - 0x4d8];
	uint64_t cr4;			/* 0x548 */
	uint64_t cr3;			/* 0x550 */
	uint64_t cr0;			/* 0x558 */
	uint64_t dr7;			/* 0x560 */
	uint64_t dr6;			/* 0x568 */
	uint64_t rflags;		/* 0x570 */
	uint64_t rip;			/* 0x578 */
	uint8_t reserved_0x580[0x5d8 - 0x580];
	uint64_t rsp;			/* 0x5d8 */
	uint8_t reserved_0x5e0[0x5f8 - 0x5e0];
	uint64_t rax;			/* 0x5f8 */
	uint64_t star;			/* 0x600 */
	uint64_t lstar;			/* 0x608 */
	uint64_t cstar;			/* 0x610 */
	uint64_t sfmask;		/* 0x618 */
	uint64_t kernel_gs_base;	/* 0x620 */
	uint64_t sysenter_cs;		/* 0x628 */
	uint64_t sysenter_esp;		/* 0x630 */
	uint64_t sysenter_eip;		/* 0x638 */
	uint64_t cr2;			/* 0x640 */
	uint8_t reserved_0x648[0x668 - 0x648];
	uint64_t g_pat;			/* 0x668 */
	uint64_t dbgctl;		/* 0x670 */
	uint64_t br_from;		/* 0x678 */
	uint64_t br_to;			/* 0x680 */
	uint64_t last_excp_from;	/* 0x688 */
	uint64_t last_excp_to;		/* 0x690 */
	uint8_t reserved_0x698[0x1000 - 0x698];	/* to the end of the page */
} __attribute__((packed));
_Static_assert(sizeof(struct vmcb_save) == 0xc00, "APM Vol.2 Table B-2: save area 0x400-0xfff");
VMCB_SAVE_OFFSET(es, 0x400);
VMCB_SAVE_OFFSET(cs, 0x410);
VMCB_SAVE_OFFSET(ss, 0x420);
VMCB_SAVE_OFFSET(ds, 0x430);
VMCB_SAVE_OFFSET(fs, 0x440);
VMCB_SAVE_OFFSET(gs, 0x450);
VMCB_SAVE_OFFSET(gdtr, 0x460);
VMCB_SAVE_OFFSET(ldtr, 0x470);
VMCB_SAVE_OFFSET(idtr, 0x480);
VMCB_SAVE_OFFSET(tr, 0x490);
VMCB_SAVE_OFFSET(reserved_0x4a0, 0x4a0);
VMCB_SAVE_OFFSET(cpl, 0x4cb);
VMCB_SAVE_OFFSET(reserved_0x4cc, 0x4cc);
VMCB_SAVE_OFFSET(efer, 0x4d0);
VMCB_SAVE_OFFSET(reserved_0x4d8, 0x4d8);
VMCB_SAVE_OFFSET(cr4, 0x548);
VMCB_SAVE_OFFSET(cr3, 0x550);
VMCB_SAVE_OFFSET(cr0, 0x558);
VMCB_SAVE_OFFSET(dr7, 0x560);
VMCB_SAVE_OFFSET(dr6, 0x568);
VMCB_SAVE_OFFSET(rflags, 0x570);
VMCB_SAVE_OFFSET(rip, 0x578);
VMCB_SAVE_OFFSET(reserved_0x580, 0x580);
VMCB_SAVE_OFFSET(rsp, 0x5d8);
VMCB_SAVE_OFFSET(reserved_0x5e0, 0x5e0);
VMCB_SAVE_OFFSET(rax, 0x5f8);
VMCB_SAVE_OFFSET(star, 0x600);
VMCB_SAVE_OFFSET(lstar, 0x608);
VMCB_SAVE_OFFSET(cstar, 0x610);
VMCB_SAVE_OFFSET(sfmask, 0x618);
VMCB_SAVE_OFFSET(kernel_gs_base, 0x620);
VMCB_SAVE_OFFSET(sysenter_cs, 0x628);
VMCB_SAVE_OFFSET(sysenter_esp, 0x630);
VMCB_SAVE_OFFSET(sysenter_eip, 0x638);
VMCB_SAVE_OFFSET(cr2, 0x640);
VMCB_SAVE_OFFSET(reserved_0x648, 0x648);
VMCB_SAVE_OFFSET(g_pat, 0x668);
VMCB_SAVE_OFFSET(dbgctl, 0x670);
VMCB_SAVE_OFFSET(br_from, 0x678);
VMCB_SAVE_OFFSET(br_to, 0x680);
VMCB_SAVE_OFFSET(last_excp_from, 0x688);
VMCB_SAVE_OFFSET(last_excp_to, 0x690);
VMCB_SAVE_OFFSET(reserved_0x698, 0x698);

struct vmcb {
	struct vmcb_control control;	/* 0x000 */
	struct vmcb_save save;		/* 0x400 */
} __attribute__((packed, aligned(4096)));
_Static_assert(__builtin_offsetof(struct vmcb, control) == 0x000, "APM Vol.2 Table B-1: control");
_Static_assert(__builtin_offsetof(struct vmcb, save) == 0x400, "APM Vol.2 Table B-2: save area");
_Static_assert(sizeof(struct vmcb) == 4096, "APM Vol.2 Appendix B: the VMCB is one 4 KiB page");

/* Setters for cached fields the hypervisor changes after the first VMRUN:
 * each clears its clean bit, so a stale cached copy is never used (Xen's
 * rule). Fields the CPU never caches (RIP, RSP, RAX, RFLAGS, EVENTINJ,
 * TLB_CONTROL) are written directly. */
static inline void vmcb_set_efer(struct vmcb *v, uint64_t efer)
{
	v->save.efer = efer;
	v->control.vmcb_clean &= ~VMCB_CLEAN_CRX;
}

static inline void vmcb_set_pat(struct vmcb *v, uint64_t pat)
{
	v->save.g_pat = pat;
	v->control.vmcb_clean &= ~VMCB_CLEAN_NP;
}

static inline void vmcb_set_tsc_offset(struct vmcb *v, uint64_t offset)
{
	v->control.tsc_offset = offset;
	v->control.vmcb_clean &= ~VMCB_CLEAN_INTERCEPTS;	/* APM Vol.2 15.15.3: cached with them */
}

static inline void vmcb_set_intercept_misc1(struct vmcb *v, uint32_t bits)
{
	if (v->control.intercept_misc1 != bits) {
		v->control.intercept_misc1 = bits;
		v->control.vmcb_clean &= ~VMCB_CLEAN_INTERCEPTS;
	}
}

static inline void vmcb_set_v_intr(struct vmcb *v, uint64_t v_intr)
{
	if (v->control.v_intr != v_intr) {
		v->control.v_intr = v_intr;
		v->control.vmcb_clean &= ~VMCB_CLEAN_TPR;
	}
}

static inline void vmcb_set_dr6(struct vmcb *v, uint64_t dr6)
{
	v->save.dr6 = dr6;
	v->control.vmcb_clean &= ~VMCB_CLEAN_DRX;
}

static inline void vmcb_set_asid(struct vmcb *v, uint32_t asid)
{
	if (v->control.guest_asid != asid) {
		v->control.guest_asid = asid;
		v->control.vmcb_clean &= ~VMCB_CLEAN_ASID;
	}
}
