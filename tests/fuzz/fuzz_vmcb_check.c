/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for svm/vmcb_check.c (on VMCBs from svm/vmcb_init.c).
 *
 * Input: a 64-byte header, then mutations until the input ends (at most 64):
 *   header: { mode, phys_bits, flags, asid[2], gdt_limit[2], cs[2], ds[2],
 *             pad, iopm[8], msrpm[8], ncr3[8], rip[8], rax[8], cr3[4],
 *             gdt_base[4] }
 *     mode % 3 is the start mode; flags bit 0 keeps the refs' raw 64-bit
 *     values (else they are page-aligned and below 2^40).
 *   mutation: { kind, a, b, n, bytes... } (n % 16 + 1 bytes follow)
 *     kind % 4: 0 write the bytes at VMCB offset (a | b << 8) % 4096;
 *     1 write them over named field a (a checked one, or a neighbour);
 *     2 fill the whole save area with the bytes, repeated; 3 flip bit b % 8
 *     of byte (a | n << 8) % 4096 (no bytes follow).
 *
 * Invariants:
 * - before any mutation, vmcb_check_owned(vmcb, refs) is NULL, and
 *   vmcb_check with a nonzero ASID is NULL exactly when the IOPM and MSRPM
 *   fit below 2^phys_bits (phys_bits < 64), else names the map that does
 *   not (MSRPM first, as the manual's order has it);
 * - after every mutation both checks answer NULL or a non-empty string
 *   (NUL-terminated within 256 bytes), give the same answer twice, read
 *   nothing outside the exactly sized VMCB (ASan) and write nothing;
 * - as long as only the save area changed, vmcb_check_owned stays NULL
 *   (it judges the control area alone). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/vmcb_check.h"
#include "svm/vmcb_init.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR_LEN 64
#define MAX_OPS 64
#define SAVE_OFF offsetof(struct vmcb, save)

#define CTL(f) { offsetof(struct vmcb, control.f), sizeof(((struct vmcb *)0)->control.f) }
#define SAVE(f) { offsetof(struct vmcb, save.f), sizeof(((struct vmcb *)0)->save.f) }

static const struct field {
	size_t off, len;
} fields[] = {
	CTL(intercept_cr_read), CTL(intercept_exceptions), CTL(intercept_misc1),
	CTL(intercept_misc2), CTL(intercept_misc3), CTL(iopm_base_pa), CTL(msrpm_base_pa),
	CTL(guest_asid), CTL(tlb_control), CTL(v_intr), CTL(np_enable), CTL(eventinj),
	CTL(n_cr3), CTL(vmcb_clean),
	SAVE(cs.attrib), SAVE(cs.selector), SAVE(efer), SAVE(cr4), SAVE(cr3), SAVE(cr0),
	SAVE(dr7), SAVE(dr6), SAVE(rflags), SAVE(rip), SAVE(cpl), SAVE(g_pat),
};
#define NR_FIELDS (sizeof(fields) / sizeof(fields[0]))

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool fits(uint64_t pa, uint64_t len, unsigned phys_bits)
{
	uint64_t limit = 1ull << phys_bits;	/* phys_bits < 64 */

	return pa < limit && len <= limit - pa;
}

/* A check's answer: NULL or a short non-empty string. */
static void check_answer(const char *s)
{
	if (s)
		CHECK(s[0] && memchr(s, 0, 256));
}

static bool same_answer(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Both checks, twice each; the VMCB must come out unchanged. */
static void check_all(const struct vmcb *v, struct vmcb *copy, unsigned phys_bits,
		      const struct vmcb_refs *refs, bool save_only)
{
	const char *a, *b, *oa, *ob;

	memcpy(copy, v, sizeof(*v));
	a = vmcb_check(v, phys_bits);
	oa = vmcb_check_owned(v, refs);
	b = vmcb_check(v, phys_bits);
	ob = vmcb_check_owned(v, refs);
	CHECK(!memcmp(copy, v, sizeof(*v)));
	check_answer(a);
	check_answer(oa);
	CHECK(same_answer(a, b));
	CHECK(same_answer(oa, ob));
	if (save_only)
		CHECK(oa == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcpu_start start;
	struct vmcb_refs refs;
	struct vmcb *v, *copy;
	unsigned phys_bits;
	bool save_only = true;
	const char *s;

	if (size < HDR_LEN)
		return 0;
	memset(&start, 0, sizeof(start));
	start.mode = (enum vm_mode)(data[0] % 3);
	phys_bits = data[1];
	start.gdt_limit = (uint16_t)le(data + 5, 2);
	start.cs = (uint16_t)le(data + 7, 2);
	start.ds = (uint16_t)le(data + 9, 2);
	refs.iopm_pa = le(data + 12, 8);
	refs.msrpm_pa = le(data + 20, 8);
	refs.ncr3 = le(data + 28, 8);
	start.rip = le(data + 36, 8);
	start.rax = le(data + 44, 8);
	start.cr3 = le(data + 52, 4);
	start.gdt_base = le(data + 56, 4);
	if (!(data[2] & 1)) {
		refs.iopm_pa &= 0xfffffff000ull;
		refs.msrpm_pa &= 0xfffffff000ull;
		refs.ncr3 &= 0xfffffff000ull;
	}

	/* Exactly one page each: ASan sees any access past the VMCB. */
	v = aligned_alloc(4096, sizeof(*v));
	copy = aligned_alloc(4096, sizeof(*copy));
	CHECK(v && copy);
	memset(v, 0x5a, sizeof(*v));	/* vmcb_init must set every byte */
	vmcb_init(v, &start, &refs);
	memcpy(copy, v, sizeof(*v));
	memset(v, 0xa5, sizeof(*v));
	vmcb_init(v, &start, &refs);
	CHECK(!memcmp(copy, v, sizeof(*v)));

	/* Fresh from vmcb_init: the VM's own refs, every required intercept. */
	CHECK(vmcb_check_owned(v, &refs) == NULL);
	v->control.guest_asid = (uint32_t)le(data + 3, 2) | 1;	/* asid_prepare's job */
	s = vmcb_check(v, phys_bits);
	if (phys_bits < 64) {
		if (!fits(refs.msrpm_pa, 8192, phys_bits))
			CHECK(s && strstr(s, "MSRPM"));
		else if (!fits(refs.iopm_pa, 12288, phys_bits))
			CHECK(s && strstr(s, "IOPM"));
		else
			CHECK(s == NULL);
	}
	check_all(v, copy, phys_bits, &refs, true);

	data += HDR_LEN;
	size -= HDR_LEN;
	for (int nr = 0; nr < MAX_OPS && size >= 4; nr++) {
		uint8_t kind = data[0] % 4, a = data[1], b = data[2], n = data[3];
		size_t len = kind == 3 ? 0 : (size_t)(n % 16 + 1), off;
		uint8_t *p = (uint8_t *)v;

		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		switch (kind) {
		case 0:
			off = (a | (size_t)b << 8) % sizeof(*v);
			if (len > sizeof(*v) - off)
				len = sizeof(*v) - off;
			memcpy(p + off, data, len);
			save_only &= off >= SAVE_OFF;
			break;
		case 1: {
			const struct field *f = &fields[a % NR_FIELDS];

			/* b picks an offset within the field; the write may run on
			 * into the next field */
			off = f->off + b % f->len;
			if (len > sizeof(*v) - off)
				len = sizeof(*v) - off;
			memcpy(p + off, data, len);
			save_only &= off >= SAVE_OFF;
			break;
		}
		case 2:
			if (len)
				for (off = SAVE_OFF; off < sizeof(*v); off++)
					p[off] = data[(off - SAVE_OFF) % len];
			break;
		case 3:
			off = (a | (size_t)n << 8) % sizeof(*v);
			p[off] ^= (uint8_t)(1u << (b % 8));
			save_only &= off >= SAVE_OFF;
			break;
		}
		data += len;
		size -= len;
		check_all(v, copy, phys_bits, &refs, save_only);
	}
	free(v);
	free(copy);
	return 0;
}
