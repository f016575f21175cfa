/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for kernel/lib/cmdline.c and kernel/options.c: any bytes as a command line (a
 * NUL-terminated copy), the tokenizer's invariants, the option parser's
 * results and warnings, and cmdline_parse_u64 on the raw bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/cmdline.h"
#include "kernel/options.h"
#include "tests/common/check.h"


static void warn_cb(const char *msg, void *ctx)
{
	int *count = ctx;

	/* The message lives in a 160-byte buffer: NUL-terminated, short. */
	CHECK(strnlen(msg, 160) < 160);
	CHECK(msg[0] != '\0');
	(*count)++;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void check_tokens(const char *line, size_t len)
{
	const char *pos = line;
	struct cmdline_token t;

	while (cmdline_next(&pos, &t)) {
		const char *prev = t.key;

		CHECK(t.key >= line && t.key + t.key_len <= line + len);
		CHECK(t.key_len > 0 || t.val);	/* a token is never empty */
		for (size_t i = 0; i < t.key_len; i++)
			CHECK(t.key[i] != '=' && !is_sep(t.key[i]) && t.key[i] != '\0');
		if (t.val) {
			CHECK(t.val >= t.key + t.key_len);
			CHECK(t.val + t.val_len <= line + len);
			CHECK(memchr(t.val, '\0', t.val_len) == NULL);
		} else {
			CHECK(t.val_len == 0);
		}
		CHECK(pos > prev && pos <= line + len);
	}
	CHECK(pos == line + len || *pos == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct hv_options o;
	uint64_t a = 0, b = 0;
	bool ok_plain, ok_suffix;
	int warns = 0, n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	check_tokens(line, strlen(line));

	hv_options_default(&o);
	n = hv_options_parse(&o, line, warn_cb, &warns);
	CHECK(n == warns && n >= 0);
	CHECK(o.loglevel <= LOG_DEBUG);
	CHECK(o.crash <= CRASH_DF);
	CHECK(o.baud > 0 && o.baud <= 115200 && 115200 % o.baud == 0);
	hv_options_default(&o);
	CHECK(hv_options_parse(&o, line, NULL, NULL) == n);
	free(line);

	/* Raw bytes, not NUL-terminated: only size bytes may be read. */
	ok_plain = cmdline_parse_u64((const char *)data, size, false, &a);
	ok_suffix = cmdline_parse_u64((const char *)data, size, true, &b);
	if (ok_plain)	/* ends in a digit, so the suffix rule changes nothing */
		CHECK(ok_suffix && a == b);
	if (ok_suffix && !ok_plain) {
		char last = (char)data[size - 1];
		unsigned shift = (last | 0x20) == 'k' ? 10 : (last | 0x20) == 'm' ? 20 : 30;

		CHECK(cmdline_parse_u64((const char *)data, size - 1, false, &a));
		CHECK(a << shift == b && (b >> shift) == a);
	}
	return 0;
}
