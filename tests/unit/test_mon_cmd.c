/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of kernel/console/mon_cmd.c: console arguments against specs, with the
 * error texts, and the bar charts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/console/mon_cmd.h"

static char line[MON_LINE_MAX + 1];
static char err[160];
static struct mon_args args;

/* Splits a copy of text into words and parses them against spec. Returns
 * the arguments found as "name=word" (numbers as their value in hex, bare
 * keywords as their name), or "error" with the message left in err. */
static const char *parse(const char *spec, const char *text)
{
	static char out[256];
	char *argv[MON_ARGS_MAX];
	size_t n = 0;
	int argc;

	snprintf(line, sizeof(line), "%s", text);
	argc = mon_split(line, argv, MON_ARGS_MAX);
	assert_true(argc >= 1);
	memset(err, 'X', sizeof(err));
	if (mon_args_parse(spec, argc, argv, &args, err, sizeof(err)) < 0) {
		assert_true(strlen(err) > 0);
		return "error";
	}
	assert_string_equal(err, "");
	out[0] = 0;
	for (int i = 0; i < args.count; i++) {
		const char *name = args.a[i].name;
		int len = (int)args.a[i].name_len;
		char key[16];
		uint64_t num;

		if (!args.a[i].present)
			continue;
		snprintf(key, sizeof(key), "%.*s", len, name);
		assert_true(mon_args_has(&args, key));
		assert_ptr_equal(mon_args_word(&args, key), args.a[i].word);
		if (mon_args_num(&args, key, &num))
			n += (size_t)snprintf(out + n, sizeof(out) - n, " %s=0x%llx", key,
					      (unsigned long long)num);
		else if (!strcmp(key, args.a[i].word))
			n += (size_t)snprintf(out + n, sizeof(out) - n, " %s", key);
		else
			n += (size_t)snprintf(out + n, sizeof(out) - n, " %s=%s", key, args.a[i].word);
		assert_true(n < sizeof(out));
	}
	return n ? out + 1 : out;
}

static void test_required_and_optional(void **state)
{
	(void)state;
	assert_string_equal(parse("", "version"), "");
	assert_string_equal(parse("<vm>", "vcpus demo"), "vm=demo");
	assert_string_equal(parse("<vm> <gva> [len]", "x demo 0x1000"), "vm=demo gva=0x1000");
	assert_string_equal(parse("<vm> <gva> [len]", "x demo 0x1000 16"),
			    "vm=demo gva=0x1000 len=0x10");
	assert_string_equal(parse("[cmd]", "help"), "");
	assert_string_equal(parse("[cmd]", "help x/p"), "cmd=x/p");
	/* A word takes anything, numbers too. */
	assert_string_equal(parse("<vm> [n]", "trace 7 3"), "vm=7 n=0x3");
	assert_false(mon_args_has(&args, "vcpu"));	/* not in the spec */
	assert_null(mon_args_word(&args, "vcpu"));
	assert_null(mon_args_word(&args, "v"));		/* a prefix is not the name */
	assert_false(mon_args_num(&args, "vm", &(uint64_t){ 0 }));	/* a word */
	/* Absent optionals: not present, no word, no number. */
	assert_string_equal(parse("<vm> [n]", "trace demo"), "vm=demo");
	assert_false(mon_args_has(&args, "n"));
	assert_null(mon_args_word(&args, "n"));
	assert_false(mon_args_num(&args, "n", &(uint64_t){ 0 }));
	assert_int_equal(args.count, 2);
}

/* Optional arguments are taken by type, left to right. */
static void test_greedy_by_type(void **state)
{
	const char *spec = "<vm> [vcpu] [reset]";

	(void)state;
	assert_string_equal(parse(spec, "exits demo"), "vm=demo");
	assert_string_equal(parse(spec, "exits demo reset"), "vm=demo reset");
	assert_false(mon_args_has(&args, "vcpu"));
	assert_true(mon_args_has(&args, "reset"));
	assert_string_equal(parse(spec, "exits demo 1 reset"), "vm=demo vcpu=0x1 reset");
	assert_string_equal(parse(spec, "exits demo 1"), "vm=demo vcpu=0x1");
	assert_false(mon_args_has(&args, "reset"));
	assert_string_equal(parse(spec, "exits demo reset 1"), "error");
	assert_string_equal(err, "exits: unexpected \"1\"; usage: exits <vm> [vcpu] [reset]");
	assert_string_equal(parse(spec, "exits demo RESET"), "error");	/* exact keyword */
	assert_string_equal(err, "exits: unexpected \"RESET\"; usage: exits <vm> [vcpu] [reset]");
	assert_string_equal(parse("<vm> [vcpu] [n]", "trace demo 1 2"), "vm=demo vcpu=0x1 n=0x2");
	assert_string_equal(parse("<vm> [vcpu] [n]", "trace demo 5"), "vm=demo vcpu=0x5");
	/* An optional word takes anything, so the one after it stays empty. */
	assert_string_equal(parse("[cmd] [n]", "help 5"), "cmd=5");
	/* A required keyword. */
	assert_string_equal(parse("<vm> <on>", "set demo on"), "vm=demo on");
	assert_string_equal(parse("<vm> <on>", "set demo off"), "error");
	assert_string_equal(err, "set: expected \"on\", got \"off\"; usage: set <vm> <on>");
}

static void test_numbers(void **state)
{
	const char *spec = "<vm> <gva>";

	(void)state;
	assert_string_equal(parse(spec, "x d 0"), "vm=d gva=0x0");
	assert_string_equal(parse(spec, "x d 4096"), "vm=d gva=0x1000");
	assert_string_equal(parse(spec, "x d 0xfffff000"), "vm=d gva=0xfffff000");
	assert_string_equal(parse(spec, "x d 0XaBc"), "vm=d gva=0xabc");
	assert_string_equal(parse(spec, "x d 4K"), "vm=d gva=0x1000");
	assert_string_equal(parse(spec, "x d 2m"), "vm=d gva=0x200000");
	assert_string_equal(parse(spec, "x d 0x10G"), "vm=d gva=0x400000000");
	assert_string_equal(parse(spec, "x d 18446744073709551615"), "vm=d gva=0xffffffffffffffff");
	assert_string_equal(parse(spec, "x d 0xffffffffffffffff"), "vm=d gva=0xffffffffffffffff");
	assert_string_equal(parse(spec, "x d 17179869183G"), "vm=d gva=0xffffffffc0000000");

	assert_string_equal(parse(spec, "x d 18446744073709551616"), "error");
	assert_string_equal(err, "x: <gva> \"18446744073709551616\" is too large");
	assert_string_equal(parse(spec, "x d 0x10000000000000000"), "error");
	assert_string_equal(err, "x: <gva> \"0x10000000000000000\" is too large");
	assert_string_equal(parse(spec, "x d 17179869184G"), "error");	/* 2^64 */
	assert_string_equal(err, "x: <gva> \"17179869184G\" is too large");
	assert_string_equal(parse(spec, "x d 0x1_0000_0000_0000_0000"), "error");
	assert_string_equal(err, "x: <gva> \"0x1_0000_0000_0000_0000\" is not a number");
	assert_string_equal(parse(spec, "x d 12x"), "error");
	assert_string_equal(err, "x: <gva> \"12x\" is not a number");
	assert_string_equal(parse(spec, "x d 0x"), "error");
	assert_string_equal(err, "x: <gva> \"0x\" is not a number");
	assert_string_equal(parse(spec, "x d -1"), "error");
	assert_string_equal(err, "x: <gva> \"-1\" is not a number");
	assert_string_equal(parse(spec, "x d K"), "error");
	assert_string_equal(err, "x: <gva> \"K\" is not a number");
	assert_string_equal(parse(spec, "x d 0xg"), "error");
	assert_string_equal(err, "x: <gva> \"0xg\" is not a number");
	assert_string_equal(parse(spec, "x d 12KK"), "error");
	assert_string_equal(err, "x: <gva> \"12KK\" is not a number");
	/* A long word is quoted in part. */
	assert_string_equal(parse(spec, "x d 123456789012345678901234567890"), "error");
	assert_string_equal(err, "x: <gva> \"123456789012345678901234\" is too large");
}

/* A leftover word that starts like a number gets the message of the optional
 * number that passed over it; other leftovers are unexpected. */
static void test_optional_number_errors(void **state)
{
	(void)state;
	assert_string_equal(parse("[n]", "log 12x"), "error");
	assert_string_equal(err, "log: [n] \"12x\" is not a number");
	assert_string_equal(parse("[n]", "log -1"), "error");
	assert_string_equal(err, "log: [n] \"-1\" is not a number");
	assert_string_equal(parse("[n]", "log 99999999999999999999"), "error");
	assert_string_equal(err, "log: [n] \"99999999999999999999\" is too large");
	assert_string_equal(parse("[n]", "log ten"), "error");
	assert_string_equal(err, "log: unexpected \"ten\"; usage: log [n]");
	assert_string_equal(parse("<vm> [vcpu] [reset]", "exits demo 0x1ffffffffffffffff reset"),
			    "error");
	assert_string_equal(err, "exits: [vcpu] \"0x1ffffffffffffffff\" is too large");
	assert_string_equal(parse("<vm> <gva> [len]", "x demo 0x1000 1O"), "error");
	assert_string_equal(err, "x: [len] \"1O\" is not a number");
	/* After a number that fits, the next leftover is just unexpected. */
	assert_string_equal(parse("<vm> [vcpu] [n]", "trace demo 1 2 3"), "error");
	assert_string_equal(err, "trace: unexpected \"3\"; usage: trace <vm> [vcpu] [n]");
}

static void test_missing_and_unexpected(void **state)
{
	(void)state;
	assert_string_equal(parse("<vm> <gva> [len]", "x"), "error");
	assert_string_equal(err, "x: missing <vm>; usage: x <vm> <gva> [len]");
	assert_string_equal(parse("<vm> <gva> [len]", "x demo"), "error");
	assert_string_equal(err, "x: missing <gva>; usage: x <vm> <gva> [len]");
	assert_string_equal(parse("", "version now"), "error");
	assert_string_equal(err, "version: unexpected \"now\"; usage: version");
	assert_string_equal(parse("<vm>", "kill a b"), "error");
	assert_string_equal(err, "kill: unexpected \"b\"; usage: kill <vm>");
	assert_string_equal(parse("[cmd]", "help a abcdefghijklmnopqrstuvwxyz0123456789"), "error");
	assert_string_equal(err, "help: unexpected \"abcdefghijklmnopqrstuvwx\"; usage: help [cmd]");
}

static void test_bad_spec(void **state)
{
	static const char *const bad[] = {
		"<vm", "vm", "<vm]", "[vm>", "<>", "[]", "<vm><gva>", "<v m>", "<<vm>>",
		"<vm> <vm>", "<vm> [vm]", "<a> <b> <c> <d> <e> <f> <g> <h> <i>", "<vm> x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_string_equal(parse(bad[i], "cmd a b"), "error");
		assert_memory_equal(err, "cmd: bad spec \"", 15);
	}
	assert_string_equal(err, "cmd: bad spec \"<vm> x\"");
	/* Eight arguments are fine; extra spaces too. */
	assert_string_equal(parse(" [a]  [b] [c] [d] [e] [f] [g] [h] ", "cmd e"), "e");
	assert_int_equal(args.count, MON_ARGS_MAX);
	/* No spec, no words at all. */
	assert_int_equal(mon_args_parse(NULL, 1, (char *[]){ "cmd" }, &args, err, sizeof(err)), -1);
	assert_string_equal(err, "cmd: bad spec \"(null)\"");
	assert_int_equal(mon_args_parse("", 0, NULL, &args, err, sizeof(err)), -1);
	assert_string_equal(err, "?: bad spec \"\"");
}

static void test_small_err_buffer(void **state)
{
	char *argv[] = { "x", "demo" };
	char small[12];

	(void)state;
	memset(small, 'X', sizeof(small));
	assert_int_equal(mon_args_parse("<vm> <gva>", 2, argv, &args, small, sizeof(small)), -1);
	assert_string_equal(small, "x: missing ");
	assert_int_equal(mon_args_parse("<vm> <gva>", 2, argv, &args, small, 1), -1);
	assert_string_equal(small, "");
	assert_int_equal(mon_args_parse("<vm> <gva>", 2, argv, &args, NULL, 0), -1);
	assert_int_equal(mon_args_parse("<vm>", 2, argv, &args, NULL, 0), 0);
}

static const char *bar(uint64_t value, uint64_t max, unsigned width)
{
	static char buf[64];
	size_t n;

	memset(buf, 'X', sizeof(buf));
	n = mon_bar(buf, sizeof(buf), value, max, width);
	assert_int_equal(n, strlen(buf));
	return buf;
}

static void test_bar(void **state)
{
	char small[4] = "---";	/* overwritten by the bar */

	(void)state;
	assert_string_equal(bar(0, 100, 10), "");
	assert_string_equal(bar(0, 0, 10), "");
	assert_string_equal(bar(50, 100, 10), "#####");
	assert_string_equal(bar(59, 100, 10), "#####");	/* rounds down */
	assert_string_equal(bar(100, 100, 10), "##########");
	assert_string_equal(bar(1000, 100, 10), "##########");	/* clamped */
	assert_string_equal(bar(5, 0, 10), "##########");
	assert_string_equal(bar(1, 1000, 10), "#");	/* nonzero shows */
	assert_string_equal(bar(1, UINT64_MAX, 40), "#");
	assert_string_equal(bar(UINT64_MAX, UINT64_MAX, 40), "########################################");
	assert_string_equal(bar(UINT64_MAX - 1, UINT64_MAX, 4), "###");
	assert_string_equal(bar(1ull << 62, 1ull << 63, 40), "####################");
	assert_string_equal(bar(UINT64_MAX / 4, UINT64_MAX, 8), "#");
	assert_string_equal(bar(3, 4, 40), "##############################");
	/* The widest bars stop at the buffer: 63 characters. */
	assert_int_equal(strlen(bar(1, 2, UINT32_MAX)), 63);
	assert_int_equal(strlen(bar(UINT64_MAX - 1, UINT64_MAX, UINT32_MAX)), 63);
	assert_int_equal(strlen(bar(1, UINT64_MAX, UINT32_MAX)), 1);
	assert_string_equal(bar(5, 10, 0), "");
	assert_string_equal(bar(UINT64_MAX, 1, 0), "");
	/* The buffer bounds the bar: cap - 1 characters and the NUL. */
	assert_int_equal(mon_bar(small, sizeof(small), 10, 10, 10), 3);
	assert_string_equal(small, "###");
	assert_int_equal(mon_bar(small, 1, 10, 10, 10), 0);
	assert_string_equal(small, "");
	small[0] = 'X';
	assert_int_equal(mon_bar(small, 0, 10, 10, 10), 0);
	assert_int_equal(small[0], 'X');
	assert_int_equal(mon_bar(small, sizeof(small), 0, 10, 10), 0);
	assert_string_equal(small, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_and_optional),
		cmocka_unit_test(test_greedy_by_type),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_optional_number_errors),
		cmocka_unit_test(test_missing_and_unexpected),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_bar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
