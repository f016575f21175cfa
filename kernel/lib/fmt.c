/* SPDX-License-Identifier: BSD-2-Clause */
/* printf engine: one left-to-right pass over the format, one character at a
 * time into a sink. Pure: the same file is built into the kernel, the host
 * unit test (compared with glibc's snprintf) and a fuzzer.
 *
 * Where we differ from glibc, on purpose:
 * - %p prints "0x" and 16 hex digits (NULL too: no "(nil)"); only width and
 *   '-' apply to it.
 * - An unknown conversion (or %n) is printed literally, from the '%' through
 *   the offending character, and formatting goes on; a format that ends
 *   inside a conversion prints what is there. glibc drops or rewrites parts.
 * - Width and integer precision are capped at FMT_MAX_PAD, so one bad
 *   argument to "%*d" cannot stall the CPU writing two billion spaces.
 * - A total over INT_MAX returns -1 (as glibc does, without errno). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

#define FMT_MAX_PAD 4096	/* bound on width and integer precision */
#define FMT_INT_MAX 0x7fffffff

#define F_LEFT	(1u << 0)	/* '-': pad on the right */
#define F_ZERO	(1u << 1)	/* '0': pad integers with zeros */
#define F_PLUS	(1u << 2)	/* '+': sign on non-negative signed values */
#define F_SPACE	(1u << 3)	/* ' ': space on non-negative signed values */
#define F_ALT	(1u << 4)	/* '#': 0x on hex, leading 0 on octal */

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct fmt_spec {
	unsigned flags;
	int width;		/* 0..FMT_MAX_PAD */
	int prec;		/* -1: none given */
	enum fmt_len len;
	char conv;
};

struct fmt_out {
	fmt_sink sink;
	void *ctx;
	size_t n;		/* characters produced so far */
};

static void out_char(struct fmt_out *o, char c)
{
	o->sink(c, o->ctx);
	o->n++;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

static void out_span(struct fmt_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses digits at *p, saturating at FMT_INT_MAX (no overflow, no UB). */
static int parse_num(const char **p)
{
	int v = 0;

	for (; is_digit(**p); (*p)++) {
		int d = **p - '0';

		v = v > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : v * 10 + d;
	}
	return v;
}

static uint64_t fetch_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

static int64_t fetch_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z:  return (int64_t)va_arg(*ap, size_t);	/* ssize_t */
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	default:     return va_arg(*ap, int);
	}
}

/* Layout, as C99 7.19.6.1 and glibc have it:
 *   [spaces] [sign or 0x] [zeros] digits [spaces if '-']
 * A precision disables the '0' flag; precision 0 of value 0 prints no
 * digits, except that "%#o" always shows a leading 0. */
static void put_int(struct fmt_out *o, const struct fmt_spec *sp,
		    uint64_t mag, bool neg)
{
	const char *set = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = sp->conv == 'o' ? 8 : (sp->conv == 'x' || sp->conv == 'X') ? 16 : 10;
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';
	int prec = sp->prec > FMT_MAX_PAD ? FMT_MAX_PAD : sp->prec;
	char digits[24];	/* 22 octal digits hold 2^64 - 1; reversed */
	char prefix[2];
	int nd = 0, np = 0, zeros, pad;

	if (!(mag == 0 && prec == 0)) {
		uint64_t v = mag;

		do {
			digits[nd++] = set[v % base];
			v /= base;
		} while (v);
	}
	zeros = prec > nd ? prec - nd : 0;
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0 &&
	    (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;

	if (is_signed && neg)
		prefix[np++] = '-';
	else if (is_signed && (sp->flags & F_PLUS))
		prefix[np++] = '+';
	else if (is_signed && (sp->flags & F_SPACE))
		prefix[np++] = ' ';
	else if ((sp->flags & F_ALT) && base == 16 && mag != 0) {
		prefix[np++] = '0';
		prefix[np++] = sp->conv;
	}

	pad = sp->width - (np + zeros + nd);
	if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_span(o, prefix, np);
	out_repeat(o, '0', zeros);
	while (nd > 0)
		out_char(o, digits[--nd]);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* A string or character, padded with spaces ('0' does not apply). */
static void put_padded(struct fmt_out *o, const struct fmt_spec *sp,
		       const char *s, size_t n)
{
	int pad = (size_t)sp->width > n ? sp->width - (int)n : 0;

	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_span(o, s, n);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

static void put_str(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	size_t max = sp->prec < 0 ? SIZE_MAX : (size_t)sp->prec;
	size_t n = 0;

	/* glibc: "(null)" only when the precision leaves room for all of it. */
	if (!s)
		s = max >= 6 ? "(null)" : "";
	while (n < max && s[n])
		n++;
	put_padded(o, sp, s, n);
}

static void put_ptr(struct fmt_out *o, const struct fmt_spec *sp, uintptr_t v)
{
	char s[18];

	s[0] = '0';
	s[1] = 'x';
	for (int i = 17; i >= 2; i--, v >>= 4)
		s[i] = "0123456789abcdef"[v & 0xf];
	put_padded(o, sp, s, sizeof(s));
}

/* Parses the conversion after a '%' at *p into sp, consuming '*'
 * arguments. Leaves *p after the conversion character; returns false if
 * the format ended first (then *p is at the NUL). */
static bool parse_spec(const char **p, struct fmt_spec *sp, va_list *ap)
{
	const char *f = *p;

	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	sp->len = LEN_NONE;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= F_LEFT;
		else if (*f == '0')
			sp->flags |= F_ZERO;
		else if (*f == '+')
			sp->flags |= F_PLUS;
		else if (*f == ' ')
			sp->flags |= F_SPACE;
		else if (*f == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		if (w < 0) {	/* C99 7.19.6.1p5: a '-' flag and a width */
			sp->flags |= F_LEFT;
			w = w < -FMT_INT_MAX ? FMT_INT_MAX : -w;
		}
		sp->width = w;
	} else {
		sp->width = parse_num(&f);
	}
	if (sp->width > FMT_MAX_PAD)
		sp->width = FMT_MAX_PAD;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int pr = va_arg(*ap, int);

			f++;
			sp->prec = pr < 0 ? -1 : pr;	/* negative: as if omitted */
		} else {
			sp->prec = parse_num(&f);
		}
	}
	if (f[0] == 'h' && f[1] == 'h')
		sp->len = LEN_HH, f += 2;
	else if (f[0] == 'l' && f[1] == 'l')
		sp->len = LEN_LL, f += 2;
	else if (*f == 'h')
		sp->len = LEN_H, f++;
	else if (*f == 'l')
		sp->len = LEN_L, f++;
	else if (*f == 'z')
		sp->len = LEN_Z, f++;
	else if (*f == 't')
		sp->len = LEN_T, f++;
	else if (*f == 'j')
		sp->len = LEN_J, f++;
	sp->conv = *f;
	*p = f;
	if (*f == '\0')
		return false;
	*p = f + 1;
	return true;
}

int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { .sink = sink, .ctx = ctx, .n = 0 };
	struct fmt_spec sp;
	va_list args;
	const char *f = fmt;

	va_copy(args, ap);
	while (*f) {
		const char *start = f;
		int64_t sv;

		if (*f != '%') {
			out_char(&o, *f++);
			continue;
		}
		f++;
		if (!parse_spec(&f, &sp, &args)) {
			out_span(&o, start, (size_t)(f - start));
			break;
		}
		switch (sp.conv) {
		case 'd':
		case 'i':
			sv = fetch_signed(&args, sp.len);
			put_int(&o, &sp, sv < 0 ? 0 - (uint64_t)sv : (uint64_t)sv, sv < 0);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			put_int(&o, &sp, fetch_unsigned(&args, sp.len), false);
			break;
		case 'c': {
			char c = (char)va_arg(args, int);

			put_padded(&o, &sp, &c, 1);
			break;
		}
		case 's':
			put_str(&o, &sp, va_arg(args, const char *));
			break;
		case 'p':
			put_ptr(&o, &sp, (uintptr_t)va_arg(args, void *));
			break;
		case '%':	/* glibc ignores flags and width here */
			out_char(&o, '%');
			break;
		default:
			out_span(&o, start, (size_t)(f - start));
			break;
		}
	}
	va_end(args);
	return o.n > FMT_INT_MAX ? -1 : (int)o.n;
}

struct fmt_buf {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_sink(char c, void *ctx)
{
	struct fmt_buf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { .buf = buf, .size = size, .pos = 0 };
	int n = fmt_vformat(buf_sink, &b, fmt, ap);

	if (size > 0)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
