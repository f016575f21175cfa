/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for kernel/lib/fmt.c. The input is decoded, never used as a
 * format: each step builds literal text plus one conversion from a safe
 * alphabet, with arguments of exactly the type the conversion reads (so %s
 * always gets a string), and compares fmt_vsnprintf with the host's
 * vsnprintf: bytes (with a sentinel tail) and return value, for a buffer
 * size the input also picks. %p is compared with "0x%016lx" rendered as a
 * string, since glibc prints it differently on purpose. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "kernel/lib/fmt.h"

#define BUF 512
#define SENTINEL 0x5a
#define MAX_STEPS 16
#define MAX_PAD 64	/* widths and precisions stay far below FMT_MAX_PAD */

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t next_byte(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint64_t next_u64(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | next_byte(in);
	return v;
}

static size_t out_size;	/* buffer size for this input */

static void fail(const char *fmt, int wn, const char *want, int gn, const char *got)
{
	int shown = out_size < BUF ? (int)out_size : BUF;	/* the written part */

	fprintf(stderr, "format \"%s\" size %zu: libc %d \"%.*s\", fmt %d \"%.*s\"\n",
		fmt, out_size, wn, shown, want, gn, shown, got);
	abort();
}

/* Both engines, same arguments. */
static void both(const char *fmt, ...)
{
	static char want[BUF + 1], got[BUF + 1];
	va_list ap, a1, a2;
	int wn, gn;

	va_start(ap, fmt);
	va_copy(a1, ap);
	va_copy(a2, ap);
	memset(want, SENTINEL, BUF);
	memset(got, SENTINEL, BUF);
	want[BUF] = got[BUF] = '\0';
	wn = vsnprintf(out_size ? want : NULL, out_size, fmt, a1);
	gn = fmt_vsnprintf(out_size ? got : NULL, out_size, fmt, a2);
	va_end(a1);
	va_end(a2);
	va_end(ap);
	if (wn != gn || memcmp(want, got, BUF) != 0)
		fail(fmt, wn, want, gn, got);
}

/* %p: ours against a host "%s" of the pointer as 0x + 16 digits. */
static void both_ptr(const char *fmt, const char *host_fmt, int nstar, int w, void *p)
{
	static char want[BUF + 1], got[BUF + 1];
	char str[32];
	int wn, gn;

	snprintf(str, sizeof(str), "0x%016llx", (unsigned long long)(uintptr_t)p);
	memset(want, SENTINEL, BUF);
	memset(got, SENTINEL, BUF);
	want[BUF] = got[BUF] = '\0';
	if (nstar) {
		wn = snprintf(out_size ? want : NULL, out_size, host_fmt, w, str);
		gn = fmt_snprintf(out_size ? got : NULL, out_size, fmt, w, p);
	} else {
		wn = snprintf(out_size ? want : NULL, out_size, host_fmt, str);
		gn = fmt_snprintf(out_size ? got : NULL, out_size, fmt, p);
	}
	if (wn != gn || memcmp(want, got, BUF) != 0)
		fail(fmt, wn, want, gn, got);
}

/* One call with 0, 1 or 2 leading '*' ints, then the value. */
#define CALL(...)							\
	do {								\
		if (nstar == 0)						\
			both(fmt, __VA_ARGS__);				\
		else if (nstar == 1)					\
			both(fmt, star[0], __VA_ARGS__);		\
		else							\
			both(fmt, star[0], star[1], __VA_ARGS__);	\
	} while (0)

static const char *const strings[] = {
	"", "a", "hello", "(null)", "with spaces and\ttabs", "0123456789abcdef0123456789", NULL,
};
static const char literal[] = "ab -|:\n0x";
static const char flag_chars[] = "-0+ #";
static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
static const char convs[] = "diuxXocsp%";

static int star_value(struct input *in)
{
	return (int)(next_byte(in) % (2 * MAX_PAD + 1)) - MAX_PAD;
}

static void one_step(struct input *in)
{
	char fmt[64], host_fmt[64];
	size_t n = 0, hn = 0;
	int star[2], nstar = 0, w_star = 0;
	uint8_t b = next_byte(in), flags = next_byte(in);
	uint8_t wb = next_byte(in), pb = next_byte(in), lb = next_byte(in);
	char conv = convs[next_byte(in) % (sizeof(convs) - 1)];
	const char *len = lengths[lb % 8];
	bool sgn = conv == 'd' || conv == 'i';
	uint64_t v;

	for (int i = 0; i < (b & 3); i++)
		fmt[n++] = literal[next_byte(in) % (sizeof(literal) - 1)];
	memcpy(host_fmt, fmt, n);
	hn = n;
	fmt[n++] = '%';
	host_fmt[hn++] = '%';
	if (conv == '%') {	/* flags on %% are covered by the unit test */
		fmt[n++] = '%';
		fmt[n] = '\0';
		both(fmt, 0);
		return;
	}
	for (int i = 0; i < 5; i++)
		if (flags & (1u << i))
			fmt[n++] = flag_chars[i];
	if (flags & 1)
		host_fmt[hn++] = '-';
	switch (wb & 3) {
	case 1:
		n += (size_t)snprintf(fmt + n, 8, "%d", (wb >> 2) % (MAX_PAD + 1));
		hn += (size_t)snprintf(host_fmt + hn, 8, "%d", (wb >> 2) % (MAX_PAD + 1));
		break;
	case 2:
		fmt[n++] = '*';
		host_fmt[hn++] = '*';
		star[nstar++] = star_value(in);
		w_star = star[0];
		break;
	}
	switch (pb & 3) {
	case 1:
		fmt[n++] = '.';
		break;
	case 2:
		n += (size_t)snprintf(fmt + n, 8, ".%d", (pb >> 2) % (MAX_PAD + 1));
		break;
	case 3:
		n += (size_t)snprintf(fmt + n, 8, ".*");
		star[nstar++] = star_value(in);
		break;
	}
	if (conv != 'c' && conv != 's' && conv != 'p') {
		n += (size_t)snprintf(fmt + n, 8, "%s", len);
		lb = lb % 8;
	} else {
		lb = 0;
	}
	fmt[n++] = conv;
	fmt[n] = '\0';
	host_fmt[hn++] = 's';
	host_fmt[hn] = '\0';

	v = next_u64(in);
	switch (conv) {
	case 'c':
		CALL((int)(v & 0xff));
		return;
	case 's':
		CALL(strings[v % (sizeof(strings) / sizeof(strings[0]))]);
		return;
	case 'p':
		/* A '*' precision on %p would be an extra int: drop the case. */
		if ((pb & 3) == 3)
			return;
		both_ptr(fmt, host_fmt, nstar, w_star, (void *)(uintptr_t)v);
		return;
	}
	switch (lb) {
	case 0: case 1: case 2:	/* hh, h, none read an int */
		if (sgn)
			CALL((int)v);
		else
			CALL((unsigned int)v);
		break;
	case 3:
		if (sgn)
			CALL((long)v);
		else
			CALL((unsigned long)v);
		break;
	case 4:
		if (sgn)
			CALL((long long)v);
		else
			CALL((unsigned long long)v);
		break;
	case 5:
		if (sgn)
			CALL((ssize_t)v);
		else
			CALL((size_t)v);
		break;
	case 6:
		CALL((ptrdiff_t)v);
		break;
	default:
		if (sgn)
			CALL((intmax_t)v);
		else
			CALL((uintmax_t)v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t sz = next_byte(&in);

	/* Mostly roomy, sometimes truncating, sometimes 0 (NULL buffer). */
	out_size = sz < 128 ? BUF : sz < 160 ? 0 : (size_t)(sz - 160);
	for (int i = 0; i < MAX_STEPS && in.left > 0; i++)
		one_step(&in);
	return 0;
}
