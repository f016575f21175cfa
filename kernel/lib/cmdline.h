/* SPDX-License-Identifier: BSD-2-Clause */
/* The command-line tokenizer shared by the hypervisor's options
 * (kernel/options.c), the VM lines (kernel/vm/vmopts.c) and the console's
 * arguments: space-separated key=value words, strict numbers. Pure:
 * host-tested and fuzzed. The syntax is in docs/boot-options.md. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One key=value (or a bare key) from a command line. Spans point into the
 * input; they are not NUL-terminated. A value may be "double quoted" to hold
 * spaces; the quotes are not part of the span. */
struct cmdline_token {
	const char *key;
	size_t key_len;
	const char *val;	/* NULL for a bare key */
	size_t val_len;
};

/* Returns false at the end of the line. *pos starts at the line's start and
 * advances. An unterminated quote ends the value at the end of the line. */
bool cmdline_next(const char **pos, struct cmdline_token *tok);

/* Strict number parsing: decimal, or hex with 0x; an optional K/M/G suffix
 * (binary multiples) when allow_suffix. Returns false on junk, an empty
 * string or overflow. */
bool cmdline_parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out);

/* Is the span exactly the NUL-terminated word? */
bool cmdline_span_eq(const char *s, size_t len, const char *word);

/* The index of the span in names[0..nr), or -1. Names may be NULL (holes). */
int cmdline_match(const char *s, size_t len, const char *const *names, size_t nr);
