/* SPDX-License-Identifier: BSD-2-Clause */
/* x86-64 architectural constants: control-register, EFER, RFLAGS and debug
 * bits, MSR numbers, exception vectors, segment attributes and page-table
 * bits. Pure: no instruction here (kernel/x86.h has the wrappers), so
 * svm/, kernel/, the console, pure modules and host tests share one list.
 * AMD64 APM Vol.2 (sections cited per group) and Vol.3 Appendix E. */
#pragma once
#include <stdint.h>

/* CR0, APM Vol.2 3.1.1 */
#define CR0_PE (1ull << 0)	/* protected mode */
#define CR0_MP (1ull << 1)	/* monitor coprocessor */
#define CR0_EM (1ull << 2)	/* x87 emulation */
#define CR0_TS (1ull << 3)	/* task switched */
#define CR0_ET (1ull << 4)	/* extension type: reads as 1 on every AMD64 CPU */
#define CR0_NE (1ull << 5)	/* native x87 errors */
#define CR0_WP (1ull << 16)	/* supervisor writes honour R/W */
#define CR0_AM (1ull << 18)	/* alignment mask */
#define CR0_NW (1ull << 29)	/* not write-through */
#define CR0_CD (1ull << 30)	/* cache disable */
#define CR0_PG (1ull << 31)	/* paging */

/* CR4, APM Vol.2 3.1.3 */
#define CR4_VME        (1ull << 0)	/* virtual-8086 mode extensions */
#define CR4_PVI        (1ull << 1)	/* protected-mode virtual interrupts */
#define CR4_TSD        (1ull << 2)	/* RDTSC at CPL 0 only */
#define CR4_DE         (1ull << 3)	/* debugging extensions */
#define CR4_PSE        (1ull << 4)	/* 4 MiB pages in 32-bit paging */
#define CR4_PAE        (1ull << 5)
#define CR4_MCE        (1ull << 6)
#define CR4_PGE        (1ull << 7)
#define CR4_PCE        (1ull << 8)	/* RDPMC at any CPL */
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_LA57       (1ull << 12)	/* 5-level paging */
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_PCIDE      (1ull << 17)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)
#define CR4_PKE        (1ull << 22)
#define CR4_CET        (1ull << 23)

/* EFER (MSR C000_0080h), APM Vol.2 3.1.7 */
#define EFER_SCE   (1ull << 0)	/* SYSCALL/SYSRET */
#define EFER_LME   (1ull << 8)	/* long mode enable */
#define EFER_LMA   (1ull << 10)	/* long mode active */
#define EFER_NXE   (1ull << 11)	/* no-execute pages */
#define EFER_SVME  (1ull << 12)	/* SVM enable */
#define EFER_LMSLE (1ull << 13)
#define EFER_FFXSR (1ull << 14)
#define EFER_TCE   (1ull << 15)

/* RFLAGS, APM Vol.2 3.1.6 */
#define RFLAGS_FIXED (1ull << 1)	/* reserved, always 1 */
#define RFLAGS_TF    (1ull << 8)	/* trap (single-step) */
#define RFLAGS_IF    (1ull << 9)	/* interrupts */
#define RFLAGS_DF    (1ull << 10)	/* direction */
#define RFLAGS_NT    (1ull << 14)	/* nested task */
#define RFLAGS_VM    (1ull << 17)	/* virtual-8086 mode */
#define RFLAGS_AC    (1ull << 18)	/* alignment check; SMAP override at CPL < 3 */

/* #PF error code, APM Vol.2 8.4.2 */
#define PF_ERR_P    (1u << 0)	/* a protection violation (else not present) */
#define PF_ERR_W    (1u << 1)	/* a write */
#define PF_ERR_U    (1u << 2)	/* at CPL 3 */
#define PF_ERR_RSV  (1u << 3)	/* a reserved bit was set */

/* Debug registers, APM Vol.2 13.1.1 */
#define DR6_BMASK   0xfull		/* B0-B3: breakpoint conditions met */
#define DR6_BS      (1ull << 14)	/* single-step trap */
#define DR6_RESET   0xffff0ff0ull	/* value at reset: reserved bits as ones */
#define DR7_RESET   0x400ull		/* value at reset: bit 10 reads as one */

/* MSRs, APM Vol.2 Appendix A */
#define MSR_TSC            0x00000010u
#define MSR_APIC_BASE      0x0000001bu
#define MSR_PAT            0x00000277u
#define MSR_EFER           0xc0000080u
#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_CSTAR          0xc0000083u
#define MSR_SFMASK         0xc0000084u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX        0xc0000103u

#define PRED_CMD_IBPB      (1ull << 0)	/* MSR_PRED_CMD (svm/msr.h): a prediction barrier */

/* XCR0, APM Vol.2 11.5.2 */
#define XCR0_X87 (1ull << 0)	/* always set */
#define XCR0_SSE (1ull << 1)
#define XCR0_YMM (1ull << 2)	/* AVX: needs SSE */
#define XCR0_OPMASK (1ull << 5)	/* AVX-512: the three together, with YMM */
#define XCR0_ZMM_HI256 (1ull << 6)
#define XCR0_HI16_ZMM (1ull << 7)
#define XCR0_PKRU (1ull << 9)

/* PAT at reset, APM Vol.2 7.8.2: WB, WT, UC-, UC in each half. */
#define PAT_RESET 0x0007040600070406ull

/* Exception vectors, APM Vol.2 8.2 */
#define EXC_DE 0	/* divide error */
#define EXC_DB 1	/* debug */
#define EXC_NMI 2
#define EXC_BP 3	/* breakpoint */
#define EXC_OF 4
#define EXC_BR 5
#define EXC_UD 6	/* invalid opcode */
#define EXC_NM 7
#define EXC_DF 8	/* double fault */
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13	/* general protection */
#define EXC_PF 14	/* page fault */
#define EXC_MF 16
#define EXC_AC 17	/* alignment check */
#define EXC_MC 18	/* machine check */
#define EXC_XF 19
#define EXC_VE 20
#define EXC_CP 21
#define NR_EXCEPTIONS 32

/* Does the exception push an error code? APM Vol.2 8.2 (#DF, #TS, #NP, #SS,
 * #GP, #PF, #AC; #CP too). */
static inline int exc_has_error_code(unsigned vector)
{
	return vector == EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector == EXC_AC ||
	       vector == EXC_CP;
}

/* The mnemonic of an exception vector ("#GP"), or NULL for a reserved one;
 * kernel/lib/x86_arch.c. */
const char *exc_name(unsigned vector);
/* Its description ("general protection"), or "reserved". */
const char *exc_description(unsigned vector);

/* Segment attributes as the VMCB packs them, APM Vol.2 Appendix B (B-2):
 * descriptor bits 47:40 in attrib 7:0, bits 55:52 in attrib 11:8. */
#define SEG_TYPE_ACCESSED (1u << 0)
#define SEG_S    (1u << 4)	/* code or data (not system) */
#define SEG_DPL(n) ((unsigned)(n) << 5)
#define SEG_P    (1u << 7)	/* present */
#define SEG_AVL  (1u << 8)
#define SEG_L    (1u << 9)	/* 64-bit code */
#define SEG_DB   (1u << 10)	/* default size 32 bits (D/B) */
#define SEG_G    (1u << 11)	/* 4 KiB granularity */
#define SEG_TYPE_CODE_RX  0xbu	/* code, execute/read, accessed */
#define SEG_TYPE_DATA_RW  0x3u	/* data, read/write, accessed */
#define SEG_TYPE_LDT      0x2u
#define SEG_TYPE_TSS_BUSY 0xbu	/* busy 32/64-bit TSS */
#define ATTR_CODE64 (SEG_G | SEG_L | SEG_P | SEG_S | SEG_TYPE_CODE_RX)		/* 0x0a9b */
#define ATTR_CODE32 (SEG_G | SEG_DB | SEG_P | SEG_S | SEG_TYPE_CODE_RX)	/* 0x0c9b */
#define ATTR_DATA32 (SEG_G | SEG_DB | SEG_P | SEG_S | SEG_TYPE_DATA_RW)	/* 0x0c93 */
#define ATTR_CODE16 (SEG_P | SEG_S | SEG_TYPE_CODE_RX)				/* 0x009b */
#define ATTR_DATA16 (SEG_P | SEG_S | SEG_TYPE_DATA_RW)				/* 0x0093 */
#define ATTR_LDT    (SEG_P | SEG_TYPE_LDT)					/* 0x0082 */
#define ATTR_TSS    (SEG_P | SEG_TYPE_TSS_BUSY)					/* 0x008b */
_Static_assert(ATTR_CODE64 == 0x0a9b && ATTR_CODE32 == 0x0c9b && ATTR_DATA32 == 0x0c93,
	       "APM Vol.2 B-2: packed segment attributes");

/* Page-table entries (legacy, PAE and long mode), APM Vol.2 5.4 */
#define PTE_P    (1ull << 0)	/* present */
#define PTE_W    (1ull << 1)	/* writable */
#define PTE_U    (1ull << 2)	/* user */
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)	/* accessed */
#define PTE_D    (1ull << 6)	/* dirty */
#define PTE_PS   (1ull << 7)	/* large page in a PDE or PDPTE */
#define PTE_G    (1ull << 8)	/* global */
#define PTE_NX   (1ull << 63)	/* no execute, with EFER.NXE */
#define PTE_ADDR 0x000ffffffffff000ull	/* bits 51:12: next table or 4 KiB page */

/* CPUID bits, APM Vol.3 Appendix E */
#define CPUID_1_ECX_VMX          (1u << 5)
#define CPUID_1_ECX_XSAVE        (1u << 26)
#define CPUID_80000008_EBX_IBPB  (1u << 12)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)
#define CPUID_80000001_ECX_SVM   (1u << 2)
#define CPUID_80000001_EDX_NX    (1u << 20)
#define CPUID_80000001_EDX_PG1G  (1u << 26)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)
#define CPUID_80000001_EDX_LM    (1u << 29)
