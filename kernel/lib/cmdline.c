/* SPDX-License-Identifier: BSD-2-Clause */
/* The command-line tokenizer: key=value words, numbers with K/M/G. Pure: built into the
 * kernel, the host unit test and a fuzzer. Every loop is bounded by the
 * NUL of the line or by an explicit length. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/cmdline.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"


/* Newlines count too: a line read from a file may still carry one. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Syntax: key, key=value or key="value with spaces". Only a quote right
 * after '=' opens a quoted value; the token ends at the closing quote, so
 * k="a"b yields k=a and then a bare key b. */
bool cmdline_next(const char **pos, struct cmdline_token *tok)
{
	const char *p = *pos;

	while (is_space(*p))
		p++;
	if (*p == '\0') {
		*pos = p;
		return false;
	}
	tok->key = p;
	while (*p != '\0' && *p != '=' && !is_space(*p))
		p++;
	tok->key_len = (size_t)(p - tok->key);
	tok->val = NULL;
	tok->val_len = 0;
	if (*p == '=') {
		p++;
		if (*p == '"') {
			tok->val = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			tok->val_len = (size_t)(p - tok->val);
			if (*p == '"')
				p++;
		} else {
			tok->val = p;
			while (*p != '\0' && !is_space(*p))
				p++;
			tok->val_len = (size_t)(p - tok->val);
		}
	}
	*pos = p;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* *out is written only on success. */
bool cmdline_parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;

	if (!s)
		return false;
	if (allow_suffix && len > 0) {
		switch (s[len - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		}
		if (shift)
			len--;
	}
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);

		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* True if the span s[0..n) is exactly the NUL-terminated word. */
bool cmdline_span_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (word[i] == '\0' || word[i] != s[i])
			return false;
	return word[i] == '\0';
}

int cmdline_match(const char *s, size_t len, const char *const *names, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (names[i] && cmdline_span_eq(s, len, names[i]))
			return (int)i;
	return -1;
}
