/* SPDX-License-Identifier: BSD-2-Clause */
/* Console arguments against a spec, and bar charts. Pure: built into the
 * kernel, the host unit test and a fuzzer. Every loop is bounded by the NUL
 * of the spec or a word, or by argc. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/console/mon_cmd.h"
#include "kernel/lib/cmdline.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

enum arg_kind { ARG_KEYWORD, ARG_NUM, ARG_WORD };

/* How a word fits an argument. */
enum fit { FIT_OK, FIT_NAN, FIT_BIG, FIT_NOT_KEYWORD };

static enum arg_kind kind_of(const char *name, size_t len)
{
	static const char *const nums[] = { "vcpu", "n", "len", "addr", "gva", "gpa" };
	static const char *const words[] = { "vm", "cmd" };

	if (cmdline_match(name, len, nums, ARRAY_SIZE(nums)) >= 0)
		return ARG_NUM;
	if (cmdline_match(name, len, words, ARRAY_SIZE(words)) >= 0)
		return ARG_WORD;
	return ARG_KEYWORD;
}

/* The name sits right after its bracket in the spec: '<' marks it required. */
static bool is_required(const char *name)
{
	return name[-1] == '<';
}

static int find(const struct mon_args *a, const char *name, size_t len)
{
	for (int i = 0; i < a->count; i++)
		if (a->a[i].name_len == len && !memcmp(a->a[i].name, name, len))
			return i;
	return -1;
}

static bool is_name_char(char c)
{
	return c && c != ' ' && c != '<' && c != '>' && c != '[' && c != ']';
}

/* Fills the names of out from spec: "<a> [b]", single spaces or more
 * between arguments, no duplicates, at most MON_ARGS_MAX. */
static bool read_spec(const char *spec, struct mon_args *out)
{
	const char *p = spec;

	for (;;) {
		const char *name;
		char close;

		while (*p == ' ')
			p++;
		if (!*p)
			return true;
		close = *p == '<' ? '>' : *p == '[' ? ']' : 0;
		if (!close || out->count == MON_ARGS_MAX)
			return false;
		name = ++p;
		while (is_name_char(*p))
			p++;
		if (*p != close || p == name || find(out, name, (size_t)(p - name)) >= 0)
			return false;
		out->a[out->count].name = name;
		out->a[out->count++].name_len = (size_t)(p - name);
		if (*++p && *p != ' ')
			return false;
	}
}

static bool is_digit(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return true;
	c |= 0x20;	/* lower case */
	return base == 16 && c >= 'a' && c <= 'f';
}

/* cmdline_parse_u64 refuses junk and overflow alike. A word with the shape
 * of a number (what it accepts, less the range check) only overflowed. */
static bool number_shaped(const char *s, size_t len)
{
	unsigned base = 10;

	if (len && ((s[len - 1] | 0x20) == 'k' || (s[len - 1] | 0x20) == 'm' ||
		    (s[len - 1] | 0x20) == 'g'))
		len--;
	if (len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i], base))
			return false;
	return true;
}

static enum fit fit(const char *name, size_t name_len, const char *word, uint64_t *num)
{
	size_t len = strlen(word);

	switch (kind_of(name, name_len)) {
	case ARG_NUM:
		if (cmdline_parse_u64(word, len, true, num))
			return FIT_OK;
		return number_shaped(word, len) ? FIT_BIG : FIT_NAN;
	case ARG_KEYWORD:
		return cmdline_span_eq(name, name_len, word) ? FIT_OK : FIT_NOT_KEYWORD;
	default:
		return FIT_OK;
	}
}

/* Writes "cmd: <message>[; usage: cmd spec]" to err; returns -1. */
static int fail(char *err, size_t errlen, const char *cmd, const char *spec,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *cmd, const char *spec,
		const char *fmt, ...)
{
	va_list ap;
	size_t n;
	int r;

	if (!err || !errlen)
		return -1;
	r = fmt_snprintf(err, errlen, "%s: ", cmd);
	n = MIN((size_t)(r < 0 ? 0 : r), errlen - 1);
	va_start(ap, fmt);
	r = fmt_vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	n = MIN(n + (size_t)(r < 0 ? 0 : r), errlen - 1);
	if (spec)
		fmt_snprintf(err + n, errlen - n, "; usage: %s%s%s", cmd, *spec ? " " : "", spec);
	return -1;
}

/* The error for word against argument i, which it did not fit. */
static int misfit(const struct mon_args *a, int i, enum fit why, const char *cmd,
		  const char *spec, const char *word, char *err, size_t errlen)
{
	const char *name = a->a[i].name;
	int len = (int)a->a[i].name_len;

	if (why == FIT_NOT_KEYWORD)
		return fail(err, errlen, cmd, spec, "expected \"%.*s\", got \"%.24s\"",
			    len, name, word);
	/* The argument as the spec shows it, brackets included. */
	return fail(err, errlen, cmd, NULL, "%.*s \"%.24s\" is %s", len + 2, name - 1, word,
		    why == FIT_BIG ? "too large" : "not a number");
}

/* Did the user mean a number? Then the optional number that passed over it
 * explains a leftover word better than "unexpected". */
static bool meant_number(const char *word)
{
	return (word[0] >= '0' && word[0] <= '9') || word[0] == '-' || word[0] == '+';
}

int mon_args_parse(const char *spec, int argc, char **argv, struct mon_args *out,
		   char *err, size_t errlen)
{
	const char *cmd = argc > 0 && argv && argv[0] ? argv[0] : "?";
	int next = 1;		/* argv index of the next word */
	int skipped = -1;	/* the first optional number that passed over argv[next] */

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = 0;
	if (!spec || !read_spec(spec, out) || argc < 1 || !argv)
		return fail(err, errlen, cmd, NULL, "bad spec \"%.32s\"", spec ? spec : "(null)");
	for (int i = 0; i < out->count; i++) {
		enum fit why;

		if (next >= argc) {
			if (is_required(out->a[i].name))
				return fail(err, errlen, cmd, spec, "missing <%.*s>",
					    (int)out->a[i].name_len, out->a[i].name);
			continue;
		}
		why = fit(out->a[i].name, out->a[i].name_len, argv[next], &out->a[i].num);
		if (why == FIT_OK) {
			out->a[i].word = argv[next++];
			out->a[i].present = true;
			skipped = -1;
		} else if (is_required(out->a[i].name)) {
			return misfit(out, i, why, cmd, spec, argv[next], err, errlen);
		} else if (skipped < 0 && why != FIT_NOT_KEYWORD) {
			skipped = i;
		}
	}
	if (next >= argc)
		return 0;
	if (skipped >= 0 && meant_number(argv[next])) {
		uint64_t unused;
		const char *name = out->a[skipped].name;

		return misfit(out, skipped, fit(name, out->a[skipped].name_len, argv[next], &unused),
			      cmd, spec, argv[next], err, errlen);
	}
	return fail(err, errlen, cmd, spec, "unexpected \"%.24s\"", argv[next]);
}

static int lookup(const struct mon_args *a, const char *name)
{
	for (int i = 0; i < a->count; i++)
		if (a->a[i].present && cmdline_span_eq(a->a[i].name, a->a[i].name_len, name))
			return i;
	return -1;
}

bool mon_args_has(const struct mon_args *a, const char *name)
{
	return lookup(a, name) >= 0;
}

bool mon_args_num(const struct mon_args *a, const char *name, uint64_t *out)
{
	int i = lookup(a, name);

	if (i < 0 || kind_of(a->a[i].name, a->a[i].name_len) != ARG_NUM)
		return false;
	*out = a->a[i].num;
	return true;
}

const char *mon_args_word(const struct mon_args *a, const char *name)
{
	int i = lookup(a, name);

	return i < 0 ? NULL : a->a[i].word;
}

size_t mon_bar(char *buf, size_t cap, uint64_t value, uint64_t max, unsigned width)
{
	uint64_t n;

	if (!cap)
		return 0;
	if (!value || !width) {
		n = 0;
	} else if (value >= max) {
		n = width;
	} else {
		/* value * width / max, both halved until the product fits in 64
		 * bits. value stays >= 1 (the bound is >= 2^32) and max > 0;
		 * the error is below one part in 2^32 of the bar, but halving
		 * may make them equal: only value >= max fills the bar. */
		while (value > UINT64_MAX / width) {
			value >>= 1;
			max >>= 1;
		}
		n = MAX(MIN(value * width / max, width - 1), 1);
	}
	n = MIN(n, cap - 1);
	memset(buf, '#', (size_t)n);
	buf[n] = 0;
	return (size_t)n;
}
