/* SPDX-License-Identifier: BSD-2-Clause */
/* The console's argument parser and bar charts. Pure: host-tested and
 * fuzzed; the monitor (kernel/console/monitor.c) checks a command's words against
 * the args string of its table entry, which doubles as the usage text.
 *
 * A spec such as "<vm> <gva> [len]" lists the arguments: <x> required,
 * [x] optional. The name decides the kind:
 *   vcpu n len addr gva gpa   a number: decimal or 0x hex, optional K/M/G
 *   vm cmd                    a word: any token
 *   anything else             a keyword: only that exact word ([reset])
 * Words are matched left to right. An optional number takes the next word
 * only if it parses, an optional keyword only if it is the keyword, an
 * optional word always: "<vm> [vcpu] [reset]" reads "demo reset" as vm and
 * reset, "demo 1" as vm and vcpu. A required argument must match. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/console/mon_line.h"

struct mon_args {
	int count;		/* arguments in the spec */
	struct {
		const char *name;	/* into the spec, not NUL-terminated */
		size_t name_len;
		const char *word;	/* the word as typed, NULL when absent */
		uint64_t num;		/* its value, for a number */
		bool present;
	} a[MON_ARGS_MAX];
};

/* argv[0] is the command's name, argv[1..argc) its words. Returns 0, or -1
 * with err saying what was wrong, quoting the word (at most 24 chars):
 *   x: missing <gva>; usage: x <vm> <gva> [len]
 *   x: <gva> "12x" is not a number
 *   x: <gva> "0x10000000000000000" is too large
 *   exits: unexpected "foo"; usage: exits <vm> [vcpu] [reset]
 * A word left over after an optional number passed over it gets the number's
 * message when it starts like one (digit, '-' or '+'): "log 12x" says
 * "[n] "12x" is not a number", not "unexpected". A required keyword that
 * does not match: 'set: expected "on", got "off"; usage: ...'. A malformed
 * spec (or argc < 1) is the caller's bug: -1 and "x: bad spec ...". err is
 * always NUL-terminated ("" on success) when errlen > 0; out is complete
 * only on success. */
int mon_args_parse(const char *spec, int argc, char **argv, struct mon_args *out,
		   char *err, size_t errlen);

/* Lookups by argument name; an absent or unknown name gives false / NULL. */
bool mon_args_has(const struct mon_args *a, const char *name);
bool mon_args_num(const struct mon_args *a, const char *name, uint64_t *out);
const char *mon_args_word(const struct mon_args *a, const char *name);

/* A bar of '#' for value out of max, rounded down: width characters only
 * for max or more (and for any value when max is 0), at least one for any
 * nonzero value, none for zero. Writes at most cap - 1 characters and a NUL (nothing when cap is 0);
 * returns the characters written. */
size_t mon_bar(char *buf, size_t cap, uint64_t value, uint64_t max, unsigned width);
