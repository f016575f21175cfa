/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for svm/msr.c.
 *
 * Input: a setup byte (bit 0: RDTSCP, bit 1: x2APIC, bits 2-3: MAXPHYADDR
 * 36/40/48/52, bits 4-7: RAM size from a list, vCPUs 1 + bit 4), a kvmclock
 * byte (bits 0-2: the TSC kHz CPUID's KVM leaves announce, from a list whose
 * first entry 0 means "not offered"), then 16-byte ops until the input ends
 * (at most 256):
 *   { sel, flags, cr, vcpu, msr[4], value[8] }
 * sel < 72 picks an MSR from a list of interesting ones (every row's edges
 * and neighbours), else msr is the raw number. flags bit 0: write; bits 1-3
 * shape the value so valid ones are common (PAT/MTRR types, canonical
 * addresses, the APIC base); cr bit 0: CR0.PG, bit 1: CR4.LA57 before the
 * access (as the guest's MOV CR would: the CPU keeps LMA = PG && LME);
 * vcpu picks one of two vCPUs (each its own VMCB and state).
 *
 * After each access: the VMCB's EFER keeps SVME and G_PAT stays valid; a
 * #GP changed nothing in the VMCB, the vCPU's state or the value; EFER.LME
 * never changed under CR0.PG; a write that succeeded reads back as the
 * model says; first-seen is reported once per MSR number, and the #GP table
 * counts every #GP; the kvmclock MSRs #GP without the KVM leaves, and
 * MSR_KVMCLOCK / MSR_WALLCLOCK come exactly when a write asks for guest
 * memory to be written. Separately, every op's value is run through
 * efer_write_ok, pat_valid and msrpm_set and compared with straightforward
 * reference versions, and its bytes through the kvmclock arithmetic
 * (scale against exact 128-bit results and Linux's inverse, the guest's
 * reading against kvmclock_ns, the wall clock's sum, the version protocol). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/msr.h"
#include "kernel/lib/x86_arch.h"
#include "tests/common/check.h"

#define MAX_OPS 256
#define OP_SIZE 16
#define HOST_TSC_START 0x123456789ull

static const uint32_t interesting[72] = {
	0x10, 0x1b, 0x48, 0x49, 0x8b, 0xfe, 0x174, 0x175,
	0x176, 0x179, 0x17a, 0x17b, 0x200, 0x201, 0x206, 0x20f,
	0x210, 0x250, 0x258, 0x259, 0x268, 0x26f, 0x270, 0x277,
	0x2ff, 0x400, 0x47f, 0x800, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083,
	0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0000104, 0xc0010000, 0xc0010003,
	0xc0010004, 0xc0010007, 0xc0010008, 0xc0010010, 0xc0010015, 0xc001001a, 0xc001001d, 0xc001001f,
	0xc0010114, 0xc0010117, 0xc0010140, 0xc0010141, 0xc0011029, 0xc0011020, 0x3a, 0x6e0,
	0x0, 0xffffffff, 0x1fff, 0x2000, 0xc0001fff, 0xc0002000, 0xc0011fff, 0xc0012000,
	0x4b564d00, 0x4b564d01, 0x4b564d00, 0x4b564d01, 0x4b564cff, 0x4b564d02, 0xc0010055, 0xc0010054,
};

static const uint32_t kvm_khzs[8] = { 0, 100000, 1000000, 2690000, 3500000, 5000000, 1, 0xffffffffu };

static const uint64_t mems[16] = {
	1ull << 20, 16ull << 20, 64ull << 20, (12ull << 20) + 4096,
	0xdfffe000ull, 0xe0000000ull, 0xe0001000ull, 4ull << 30,
	(4ull << 30) + 4096, 5ull << 30, 64ull << 30, 128ull << 20,
	(1ull << 30) + (3ull << 12), 3ull << 30, 0xf0000000ull, (8ull << 30) - 4096,
};

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* ---- reference versions of the pure rules ---- */

static bool ref_pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t b = (uint8_t)(pat >> (8 * i));

		if (b != 0 && b != 1 && b != 4 && b != 5 && b != 6 && b != 7)
			return false;
	}
	return true;
}

static bool ref_efer_write_ok(uint64_t old, uint64_t new, uint64_t cr0)
{
	for (int b = 0; b < 64; b++) {
		bool set = new >> b & 1;

		if (set && b != 0 && b != 8 && b != 10 && b != 11)	/* SCE LME LMA NXE */
			return false;
	}
	if ((cr0 >> 31 & 1) && (old >> 8 & 1) != (new >> 8 & 1))
		return false;
	return true;
}

static bool ref_canonical(uint64_t a, unsigned bits)
{
	uint64_t top = a >> (bits - 1);	/* bits 63:bits-1: all zeroes or all ones */

	return top == 0 || top == (~0ull >> (bits - 1));
}

/* KVM's arithmetic (svm_msrpm_offset): 32-bit words of 16 MSRs each. */
static void ref_msrpm_check(uint32_t msr, uint64_t v)
{
	static uint8_t pm[MSRPM_SIZE], want[MSRPM_SIZE];
	bool r = v & 1, w = v >> 1 & 1, in;
	uint32_t word = 0;

	memset(pm, 0xa5, sizeof(pm));
	memcpy(want, pm, sizeof(pm));
	in = true;
	if (msr <= 0x1fff)
		word = msr / 16;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		word = 0x200 + (msr - 0xc0000000u) / 16;
	else if (msr >= 0xc0010000u && msr <= 0xc0011fffu)
		word = 0x400 + (msr - 0xc0010000u) / 16;
	else
		in = false;
	CHECK(msrpm_set(pm, msr, r, w) == in);
	if (in) {
		uint32_t x, bit = 2 * (msr % 16);

		memcpy(&x, want + 4 * word, 4);	/* little-endian host */
		x = (x & ~(3u << bit)) | (uint32_t)r << bit | (uint32_t)w << (bit + 1);
		memcpy(want + 4 * word, &x, 4);
	}
	CHECK(memcmp(pm, want, sizeof(pm)) == 0);
}

/* ---- the model of what a successful write reads back as ---- */

static bool readback(uint32_t msr, uint64_t written, uint64_t old_read, uint64_t *want)
{
	switch (msr) {
	case MSR_PAT:
	case MSR_TSC:
	case MSR_TSC_AUX:
	case MSR_MTRR_DEF_TYPE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SFMASK:
	case MSR_SYSENTER_CS:
	case MSR_KVM_SYSTEM_TIME_NEW:
	case MSR_KVM_WALL_CLOCK_NEW:
		*want = written;
		return true;
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		*want = (uint32_t)written;
		return true;
	case MSR_EFER:
		*want = (written & (EFER_SCE | EFER_LME | EFER_NXE)) | (old_read & EFER_LMA);
		return true;
	case MSR_APIC_BASE:
		*want = (written & ~APIC_BASE_BSP) | (old_read & APIC_BASE_BSP);
		return true;
	case MSR_HWCR:
		*want = HWCR_TSC_FREQ_SEL | (written & (HWCR_MCSTATUS_WREN | HWCR_CPB_DIS));
		return true;
	}
	if ((msr >= MSR_MTRR_VAR_BASE && msr <= MSR_MTRR_VAR_LAST) || msr == MSR_MTRR_FIX_64K ||
	    msr == MSR_MTRR_FIX_16K_80 || msr == MSR_MTRR_FIX_16K_A0 ||
	    (msr >= MSR_MTRR_FIX_4K && msr <= MSR_MTRR_FIX_4K_LAST)) {
		*want = written;
		return true;
	}
	/* read-only values: the write is dropped */
	if (msr_info(msr)) {
		*want = old_read;
		return true;
	}
	return false;
}

/* ---- kvmclock arithmetic ---- */

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void kvmclock_check(uint32_t khz, uint64_t a, uint64_t b)
{
	struct pvclock_scale sc = pvclock_scale_for_khz(khz);
	unsigned __int128 exact = (unsigned __int128)1000000 << 32;
	uint64_t back, d, h1, h2, off = a ^ b;
	struct pvclock_vcpu_time_info ti;
	struct pvclock_wall_clock wc;
	uint8_t buf[40];
	uint32_t ver = (uint32_t)b, got;

	if (!khz) {
		CHECK(sc.mul == 0 && sc.shift == 0);
		return;
	}
	/* mul is the exact floor of ns per tick * 2^(32 - shift), top bit set */
	CHECK(sc.mul >= 0x80000000u);
	CHECK(sc.shift >= -12 && sc.shift <= 20);
	exact = sc.shift < 0 ? exact << -sc.shift : exact >> sc.shift;
	CHECK(exact / khz == sc.mul);
	/* Linux's pvclock_tsc_khz() gives the rate back, to 1 ppm */
	back = (1000000ull << 32) / sc.mul;
	back = sc.shift < 0 ? back << -sc.shift : back >> sc.shift;
	CHECK(absdiff(back, khz) <= khz / 1000000 + 1);
	CHECK(sc.shift < 0 || back == khz);	/* up to 2 GHz: exact */
	/* ns of a delta, floored, to 1 ppm and 1 ns */
	d = a >> (sc.shift > 0 ? sc.shift + 1 : 1);
	{
		uint64_t ns = pvclock_scale_delta(d, sc);
		uint64_t want = (uint64_t)((unsigned __int128)d * 1000000 / khz);

		CHECK(ns <= want && want - ns <= want / 1000000 + 1);
	}
	/* a vCPU's structure read later gives kvmclock_ns then, to 2 ns, for
	 * any TSC offset (times kept where the formula cannot overflow) */
	h1 = a >> 12 >> (sc.shift > 0 ? sc.shift : 0);
	h2 = h1 + (b >> 24 >> (sc.shift > 0 ? sc.shift : 0));
	kvmclock_time_info(&ti, khz, h1, off);
	CHECK(ti.version == 0 && ti.pad0 == 0 && ti.flags == PVCLOCK_TSC_STABLE_BIT);
	CHECK(ti.tsc_timestamp == h1 + off && ti.system_time == kvmclock_ns(khz, h1));
	CHECK(absdiff(ti.system_time + pvclock_scale_delta(h2 + off - ti.tsc_timestamp, sc),
		      kvmclock_ns(khz, h2)) <= 2);
	/* the wall clock plus kvmclock is the time again */
	kvmclock_wall_clock(&wc, a, b);
	if (a < b)
		CHECK(wc.sec == 0 && wc.nsec == 0);
	else if ((a - b) / 1000000000u <= UINT32_MAX)
		CHECK((uint64_t)wc.sec * 1000000000u + wc.nsec + b == a && wc.nsec < 1000000000u);
	/* the version protocol: even, never the one there before (a reader's),
	 * one past the odd value written first */
	memcpy(buf + (a & 7), &ver, 4);
	pvclock_publish_time(buf + (a & 7), &ti);
	memcpy(&got, buf + (a & 7), 4);
	CHECK(!(got & 1) && got != ver && got == ((ver + 1) | 1) + 1);
	CHECK(!memcmp(buf + (a & 7) + 4, (uint8_t *)&ti + 4, sizeof(ti) - 4));
}

/* ---- the run ---- */

static struct msr_vm vm;
static struct msr_vcpu cpu[2];
static struct vmcb vmcb[2];

static uint64_t shape(uint64_t v, uint8_t flags, uint32_t msr)
{
	switch (flags >> 1 & 7) {
	case 1:
		return v & 0x0707070707070707ull;	/* mostly valid types */
	case 2:
		return v & 0xfff;
	case 3:		/* canonical (48-bit) */
		return (uint64_t)((int64_t)(v << 16) >> 16);
	case 4:
		return APIC_BASE_ADDR | (v & (APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP));
	case 5:		/* an MTRR range: address bits and a type */
		return (v & 0x0000fffffffff000ull) | (v & 0x800) | (msr & 1 ? 0 : (v >> 60) % 7);
	case 6:
		return v & 0xffffffffull;
	default:
		return v;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned pbits[4] = { 36, 40, 48, 52 };
	static uint32_t first_seen[MAX_OPS];
	static struct vmcb v0;
	unsigned nr_first = 0;
	uint64_t host_tsc = HOST_TSC_START, gps = 0;
	struct msr_clock clk;
	uint8_t setup;

	if (size < 2)
		return 0;
	setup = data[0];
	clk.kvm_khz = kvm_khzs[data[1] & 7];
	data += 2, size -= 2;
	msr_vm_init(&vm, mems[setup >> 4], 1 + (setup >> 4 & 1), pbits[setup >> 2 & 3], setup & 1);
	vm.x2apic = setup & 2;
	for (unsigned i = 0; i < 2; i++) {
		msr_vcpu_init(&cpu[i], &vm, i);
		memset(&vmcb[i], 0, sizeof(vmcb[i]));
		vmcb[i].save.efer = EFER_SVME;
		vmcb[i].save.cr0 = CR0_PE | CR0_ET;
		vmcb[i].save.g_pat = PAT_RESET;
	}

	for (unsigned op = 0; op < MAX_OPS && size >= OP_SIZE; op++, data += OP_SIZE,
	     size -= OP_SIZE) {
		uint8_t sel = data[0], flags = data[1], cr = data[2];
		unsigned who = data[3] & 1;
		uint32_t raw;
		uint64_t raw_val = get64(data + 8), val, arg;
		struct msr_vcpu *s = &cpu[who], s0;
		struct vmcb *v = &vmcb[who];
		bool write = flags & 1, aux = false, gp;
		enum msr_result r;
		uint32_t msr;

		memcpy(&raw, data + 4, 4);
		msr = sel < sizeof(interesting) / sizeof(interesting[0]) ? interesting[sel] : raw;
		val = shape(raw_val, flags, msr);
		kvmclock_check(raw, raw_val, get64(data) ^ raw_val);

		/* the pure rules against their references */
		CHECK(pat_valid(raw_val) == ref_pat_valid(raw_val));
		CHECK(pat_valid(val) == ref_pat_valid(val));
		CHECK(efer_write_ok(raw, val, raw_val) == ref_efer_write_ok(raw, val, raw_val));
		CHECK(efer_write_ok(v->save.efer, val, v->save.cr0) ==
		      ref_efer_write_ok(v->save.efer, val, v->save.cr0));
		ref_msrpm_check(raw, raw_val);

		/* the guest's MOV CR0/CR4: the CPU keeps LMA = PG && LME */
		v->save.cr0 = (v->save.cr0 & ~CR0_PG) | (cr & 1 ? CR0_PG : 0);
		v->save.cr4 = cr & 2 ? CR4_LA57 : 0;
		v->save.efer &= ~EFER_LMA;
		if ((v->save.cr0 & CR0_PG) && (v->save.efer & EFER_LME))
			v->save.efer |= EFER_LMA;

		s0 = *s;
		v0 = *v;
		arg = val;
		host_tsc += raw_val >> 48;	/* time moves on */
		clk.host_tsc = host_tsc;
		r = msr_access(&vm, s, v, msr, write, &arg, &clk, &aux);
		gp = msr_result_gp(r);

		CHECK(v->save.efer & EFER_SVME);
		CHECK(pat_valid(v->save.g_pat));
		if ((v->save.cr0 & CR0_PG))
			CHECK(!((v->save.efer ^ v0.save.efer) & EFER_LME));
		CHECK(r != MSR_RECHECK || (write && msr == MSR_EFER));
		CHECK(!aux || (write && msr == MSR_TSC_AUX && !gp));
		/* kvmclock: only with the KVM leaves; guest memory to write exactly
		 * when a write turns it on (or moves the TSC under it) */
		if (msr == MSR_KVM_SYSTEM_TIME_NEW || msr == MSR_KVM_WALL_CLOCK_NEW)
			CHECK(gp == !clk.kvm_khz);
		if (!gp && write && clk.kvm_khz && ((msr == MSR_KVM_SYSTEM_TIME_NEW) ||
						    (msr == MSR_TSC && (s->kvm_system_time & 1))))
			CHECK(r == ((s->kvm_system_time & 1) ? MSR_KVMCLOCK : MSR_OK));
		CHECK(r != MSR_KVMCLOCK || (write && clk.kvm_khz && (s->kvm_system_time & 1) &&
					    (msr == MSR_KVM_SYSTEM_TIME_NEW || msr == MSR_TSC)));
		CHECK(r != MSR_WALLCLOCK || (write && msr == MSR_KVM_WALL_CLOCK_NEW && val));
		CHECK(s->kvm_system_time == (msr == MSR_KVM_SYSTEM_TIME_NEW && write && !gp ?
					     val : s0.kvm_system_time));
		if (gp) {
			CHECK(memcmp(&s0, s, sizeof(s0)) == 0);
			CHECK(memcmp(&v0, v, sizeof(v0)) == 0);
			CHECK(arg == val);
			gps++;
			if (r == MSR_GP_FIRST) {
				for (unsigned i = 0; i < nr_first; i++)
					CHECK(first_seen[i] != msr);
				first_seen[nr_first++] = msr;
			} else if (vm.unknown.used < MSR_UNKNOWN_SLOTS) {
				bool seen = false;

				for (unsigned i = 0; i < nr_first; i++)
					seen |= first_seen[i] == msr;
				CHECK(seen);
			}
			continue;
		}
		CHECK(msr_info(msr) != NULL);	/* unknown MSRs always #GP */
		if (!write) {
			CHECK(memcmp(&s0, s, sizeof(s0)) == 0);	/* reads change nothing */
			CHECK(memcmp(&v0, v, sizeof(v0)) == 0);
			if (msr == MSR_EFER)
				CHECK(arg == efer_guest_view(efer_full(s, v->save.efer)));	/* LME parked while PG = 0 */
			continue;
		}
		if (msr == MSR_EFER)
			CHECK(!((v->save.efer ^ v0.save.efer) & EFER_LMA));	/* LMA is the CPU's */
		if (msr == MSR_FS_BASE || msr == MSR_GS_BASE || msr == MSR_KERNEL_GS_BASE ||
		    msr == MSR_LSTAR || msr == MSR_CSTAR)
			CHECK(ref_canonical(val, v->save.cr4 & CR4_LA57 ? 57 : 48));
		{
			/* the write reads back as the model says */
			uint64_t old_read = 0, now = 0, want;
			struct msr_vcpu sx = *s;
			static struct vmcb vx;

			vx = *v;
			if (msr == MSR_EFER)
				old_read = efer_guest_view(v0.save.efer);
			else if (msr == MSR_APIC_BASE)
				old_read = s0.apic_base;
			else {	/* the value before the write: read it on a copy */
				static struct vmcb vc;
				struct msr_vcpu sc = s0;

				vc = v0;
				CHECK(!msr_result_gp(msr_access(&vm, &sc, &vc, msr, false, &old_read,
								&clk, NULL)));
			}
			CHECK(msr_access(&vm, s, v, msr, false, &now, &clk, NULL) == MSR_OK);
			CHECK(memcmp(&sx, s, sizeof(sx)) == 0);
			CHECK(memcmp(&vx, v, sizeof(vx)) == 0);
			if (readback(msr, val, old_read, &want))
				CHECK(now == want);
		}
	}

	/* every #GP is in the table, or in overflow */
	{
		struct msr_unknown_entry e;
		uint64_t cursor = 0, total = 0;
		unsigned n = 0;

		while (msr_unknown_next(&vm.unknown, &cursor, &e)) {
			total += e.reads + e.writes;
			n++;
		}
		CHECK(n == nr_first && n == vm.unknown.used);
		CHECK(total + msr_unknown_overflow(&vm.unknown) == gps);
	}
	return 0;
}
