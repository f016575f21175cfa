/* SPDX-License-Identifier: BSD-2-Clause */
/* String port I/O arithmetic (svm/strio.h). */
#include "svm/strio.h"
#include "kernel/lib/x86_arch.h"
#include "svm/vmcb.h"

#define PAGE_SIZE_4K 4096ull
#define PAGE_OFF(x) ((x) & (PAGE_SIZE_4K - 1))

/* Descriptor type bits in attrib[3:0] (APM Vol.2 4.7.2, 4.7.3). */
#define TYPE_CODE  (1u << 3)
#define TYPE_W_R   (1u << 1)	/* data: writable; code: readable */
#define TYPE_ED_C  (1u << 2)	/* data: expand-down; code: conforming */

bool strio_decode(uint64_t info1, struct strio_op *op)
{
	unsigned sz = info1 & (IOIO_SZ8 | IOIO_SZ16 | IOIO_SZ32);
	unsigned as = info1 & (IOIO_A16 | IOIO_A32 | IOIO_A64);

	op->in = info1 & IOIO_IN;
	op->rep = info1 & IOIO_REP;
	op->port = IOIO_PORT(info1);
	op->size = sz == IOIO_SZ8 ? 1 : sz == IOIO_SZ16 ? 2 : sz == IOIO_SZ32 ? 4 : 0;
	op->asize = as == IOIO_A16 ? 2 : as == IOIO_A32 ? 4 : as == IOIO_A64 ? 8 : 0;
	return op->size && (op->asize || !as);
}

enum strio_seg strio_seg_prefix(uint8_t prefix)
{
	switch (prefix) {
	case 0x26: return STRIO_ES;
	case 0x2e: return STRIO_CS;
	case 0x36: return STRIO_SS;
	case 0x64: return STRIO_FS;
	case 0x65: return STRIO_GS;
	default: return STRIO_DS;
	}
}

uint64_t strio_amask(unsigned asize)
{
	return asize >= 8 ? ~0ull : (1ull << (8 * asize)) - 1;
}

/* Bits 63:n-1 all equal (APM Vol.2 5.3.1), n = 57 with LA57, else 48. */
static bool canonical(uint64_t a, bool la57)
{
	unsigned shift = la57 ? 64 - 57 : 64 - 48;

	return (uint64_t)((int64_t)(a << shift) >> shift) == a;
}

enum strio_fault strio_linear(enum strio_mode mode, enum strio_seg which,
			      const struct strio_segment *seg, uint64_t offset, unsigned size,
			      bool write, bool la57, uint64_t *linear)
{
	enum strio_fault bad = which == STRIO_SS ? STRIO_FAULT_SS : STRIO_FAULT_GP;
	uint64_t last = offset + size - 1;	/* no wrap: offset is at most 2^32-1 here */
	unsigned type = seg->attrib & 0xf;

	if (mode == STRIO_LONG64) {
		/* APM Vol.2 4.12.2: only FS and GS have a base; no limit. */
		uint64_t base = which == STRIO_FS || which == STRIO_GS ? seg->base : 0;

		*linear = base + offset;
		return canonical(*linear, la57) && canonical(*linear + size - 1, la57) ? STRIO_FAULT_NONE : bad;
	}
	if (mode == STRIO_PROT) {
		/* A null selector loads an unusable segment (P clear). */
		if (!(seg->attrib & SEG_P) || !(seg->attrib & SEG_S))
			return bad;
		if (write && (type & TYPE_CODE || !(type & TYPE_W_R)))
			return bad;	/* code, or read-only data */
		if (!write && type & TYPE_CODE && !(type & TYPE_W_R))
			return bad;	/* execute-only code */
	}
	/* Limits hold in real mode too (the cached limit: "unreal" mode). */
	if (!(type & TYPE_CODE) && type & TYPE_ED_C && seg->attrib & SEG_S) {
		uint64_t upper = seg->attrib & SEG_DB ? 0xffffffffull : 0xffffull;

		if (offset <= seg->limit || last > upper)
			return bad;
	} else if (last > seg->limit) {
		return bad;
	}
	*linear = (seg->base + offset) & 0xffffffffull;
	return STRIO_FAULT_NONE;
}

uint64_t strio_count(const struct strio_op *op, const struct strio_regs *r)
{
	return op->rep ? r->rcx & strio_amask(op->asize) : 1;
}

uint64_t strio_offset(const struct strio_op *op, const struct strio_regs *r)
{
	return (op->in ? r->rdi : r->rsi) & strio_amask(op->asize);
}

uint64_t strio_batch(const struct strio_op *op, uint64_t count, uint64_t offset, uint64_t linear,
		     bool df, unsigned max)
{
	uint64_t amask = strio_amask(op->asize), page_room, wrap_room, n;
	unsigned in_page = (unsigned)PAGE_OFF(linear);

	if (!count)
		return 0;
	if (in_page + op->size > PAGE_SIZE_4K || offset + op->size - 1 > amask)
		return 1;	/* the element itself crosses a page or wraps */
	if (df) {
		page_room = in_page / op->size + 1;
		wrap_room = offset / op->size + 1;
	} else {
		page_room = (PAGE_SIZE_4K - in_page) / op->size;
		wrap_room = amask == ~0ull ? ~0ull : (amask - offset + 1) / op->size;
	}
	n = count < max ? count : max;
	n = n < page_room ? n : page_room;
	n = n < wrap_room ? n : wrap_room;
	return n ? n : 1;
}

/* A register written at the address size: 16 bits keep 63:16, 32 bits
 * zero 63:32 (APM Vol.1 3.1.2.3), 64 bits replace it. */
static uint64_t reg_write(uint64_t old, uint64_t val, unsigned asize)
{
	if (asize == 2)
		return (old & ~0xffffull) | (val & 0xffff);
	return val & strio_amask(asize);
}

void strio_advance(const struct strio_op *op, struct strio_regs *r, uint64_t n)
{
	uint64_t delta = n * op->size;
	uint64_t *reg = op->in ? &r->rdi : &r->rsi;

	if (!n)
		return;
	*reg = reg_write(*reg, r->df ? *reg - delta : *reg + delta, op->asize);
	if (op->rep)
		r->rcx = reg_write(r->rcx, r->rcx - n, op->asize);
}

bool strio_page_ok(const struct gwalk_result *w, bool write, const struct strio_paging *p,
		   uint32_t *error)
{
	bool user = p->cpl == 3;
	uint32_t e = (write ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0);

	if (w->status == GWALK_RESERVED_BIT) {
		*error = e | PF_ERR_P | PF_ERR_RSV;
		return false;
	}
	if (w->status != GWALK_OK) {
		*error = e;	/* not present (or its entry unreadable) */
		return false;
	}
	if (!(p->cr0 & CR0_PG))
		return true;
	if ((user && !w->user) ||
	    (write && !w->writable && (user || p->cr0 & CR0_WP)) ||
	    (!user && w->user && p->cr4 & CR4_SMAP && !(p->rflags & RFLAGS_AC))) {
		*error = e | PF_ERR_P;
		return false;
	}
	return true;
}
