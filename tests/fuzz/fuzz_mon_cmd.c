/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for kernel/console/mon_cmd.c. The first 21 bytes draw a bar
 * (value, max, width, buffer size); the rest is a console line, split into
 * words and parsed against the monitor's kinds of spec. Whatever the words,
 * the arguments found point at them in order, and an error is a terminated
 * message that fits its buffer. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/cmdline.h"
#include "kernel/console/mon_cmd.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define BAR_HEADER 21

static const char *const specs[] = {
	"", "[cmd]", "[n]", "<vm>", "<vm> [n]", "<vm> <gva> [len]", "<vm> <gpa> [len]",
	"<vm> [vcpu] [n]", "<vm> [vcpu] [reset]", "<vm> <addr> <on> [off]",
	"[a] [b] [c] [d] [e] [f] [g] [h]",
};

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void check_bar(const uint8_t *p)
{
	char buf[257];
	uint64_t value = get64(p), max = get64(p + 8);
	unsigned width;
	size_t cap = p[20], n;

	memcpy(&width, p + 16, sizeof(width));
	memset(buf, 'X', sizeof(buf));
	n = mon_bar(buf, cap, value, max, width);
	CHECK(buf[cap] == 'X');
	if (!cap) {
		CHECK(n == 0 && buf[0] == 'X');
		return;
	}
	CHECK(n <= width && n < cap && strlen(buf) == n);
	CHECK(strspn(buf, "#") == n);
	if (cap > 1)
		CHECK((n == 0) == (value == 0 || width == 0));
	if (value >= max && value)
		CHECK(n == (width < cap - 1 ? width : cap - 1));
	else if (n == width && n)
		CHECK(n == cap - 1 || width == 1);	/* full only at max */
}

static void check_parse(const char *spec, int argc, char **argv, const char *line,
			size_t errlen)
{
	char err[256];
	struct mon_args a;
	int rc, w = 1;

	memset(err, 'X', sizeof(err));
	rc = mon_args_parse(spec, argc, argv, &a, err, errlen);
	CHECK(rc == 0 || rc == -1);
	CHECK(err[errlen] == 'X' && strnlen(err, errlen) < errlen);
	if (rc < 0) {
		/* The message names the command, as much as fits. */
		size_t n = strlen(argv[0]);

		CHECK(errlen < 3 || err[0]);
		CHECK(errlen < n + 3 || (!strncmp(err, argv[0], n) && err[n] == ':'));
		return;
	}
	CHECK(err[0] == 0);
	CHECK(a.count >= 0 && a.count <= MON_ARGS_MAX);
	for (int i = 0; i < a.count; i++) {
		char name[32];
		uint64_t num;

		if (!a.a[i].present) {
			CHECK(!a.a[i].word);
			continue;
		}
		/* Each present argument is the next word, inside the line. */
		CHECK(w < argc && a.a[i].word == argv[w++]);
		CHECK(a.a[i].word >= line && a.a[i].word < line + MON_LINE_MAX);
		CHECK(a.a[i].name_len < sizeof(name));
		snprintf(name, sizeof(name), "%.*s", (int)a.a[i].name_len, a.a[i].name);
		CHECK(mon_args_has(&a, name) && mon_args_word(&a, name) == a.a[i].word);
		if (mon_args_num(&a, name, &num)) {
			uint64_t again;

			CHECK(cmdline_parse_u64(a.a[i].word, strlen(a.a[i].word), true, &again));
			CHECK(again == num);
		}
	}
	CHECK(w == argc);	/* every word was used */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[MON_LINE_MAX + 1], *argv[MON_ARGS_MAX];
	size_t errlen = 160;
	int argc;

	if (size >= BAR_HEADER) {
		check_bar(data);
		errlen = 1 + data[20] % 200;	/* any buffer, the smallest too */
		data += BAR_HEADER;
		size -= BAR_HEADER;
	}
	size = strnlen((const char *)data, size < MON_LINE_MAX ? size : MON_LINE_MAX);
	memcpy(line, data, size);
	line[size] = 0;
	argc = mon_split(line, argv, MON_ARGS_MAX);
	if (argc < 1)
		return 0;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		check_parse(specs[i], argc, argv, line, errlen);
		check_parse(specs[i], argc, argv, line, 160);
	}
	return 0;
}
