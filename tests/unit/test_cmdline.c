/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of kernel/lib/cmdline.c and kernel/options.c: tokenizer, number parsing and every boot
 * option (docs/boot-options.md), with the warning texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/cmdline.h"
#include "kernel/options.h"

/* Renders the tokens of line as "[key]" (bare) or "[key=value]". */
static const char *tokens(const char *line)
{
	static char out[1024];
	struct cmdline_token t;
	const char *pos = line;
	size_t n = 0;

	out[0] = '\0';
	while (cmdline_next(&pos, &t)) {
		if (t.val)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "[%.*s=%.*s]",
					      (int)t.key_len, t.key, (int)t.val_len, t.val);
		else
			n += (size_t)snprintf(out + n, sizeof(out) - n, "[%.*s]",
					      (int)t.key_len, t.key);
		assert_true(n < sizeof(out));
	}
	assert_int_equal(*pos, '\0');
	assert_false(cmdline_next(&pos, &t));	/* stays at the end */
	return out;
}

static void test_tokens(void **state)
{
	(void)state;
	assert_string_equal(tokens(""), "");
	assert_string_equal(tokens("  \t \n "), "");
	assert_string_equal(tokens("a"), "[a]");
	assert_string_equal(tokens("a b=c"), "[a][b=c]");
	assert_string_equal(tokens("   a    b=c   "), "[a][b=c]");
	assert_string_equal(tokens("a\tb=c\t\td=e"), "[a][b=c][d=e]");
	assert_string_equal(tokens("a\r\nb=c\n"), "[a][b=c]");
	assert_string_equal(tokens("k="), "[k=]");
	assert_string_equal(tokens("k= x"), "[k=][x]");
	assert_string_equal(tokens("=v"), "[=v]");
	assert_string_equal(tokens("="), "[=]");
	assert_string_equal(tokens("k=a=b"), "[k=a=b]");
	assert_string_equal(tokens("k=\"a b\tc\" z"), "[k=a b\tc][z]");
	assert_string_equal(tokens("k=\"\""), "[k=]");
	assert_string_equal(tokens("k=\"unterminated value"), "[k=unterminated value]");
	assert_string_equal(tokens("k=\""), "[k=]");
	/* Only a quote right after '=' opens a quoted value. */
	assert_string_equal(tokens("k=\"a\"b"), "[k=a][b]");
	assert_string_equal(tokens("k=a\"b c\""), "[k=a\"b][c\"]");
	assert_string_equal(tokens("\"k\"=v"), "[\"k\"=v]");
	assert_string_equal(tokens("/boot/svmvisor.elf loglevel=debug"),
			    "[/boot/svmvisor.elf][loglevel=debug]");
}

static void test_token_fields(void **state)
{
	const char *line = "bare k= q=\"\" =v";
	const char *pos = line;
	struct cmdline_token t;

	(void)state;
	assert_true(cmdline_next(&pos, &t));
	assert_ptr_equal(t.key, line);
	assert_int_equal(t.key_len, 4);
	assert_null(t.val);
	assert_int_equal(t.val_len, 0);

	assert_true(cmdline_next(&pos, &t));	/* k= : empty, not NULL */
	assert_int_equal(t.key_len, 1);
	assert_non_null(t.val);
	assert_int_equal(t.val_len, 0);

	assert_true(cmdline_next(&pos, &t));	/* q="" */
	assert_int_equal(t.key_len, 1);
	assert_non_null(t.val);
	assert_ptr_equal(t.val, line + 11);
	assert_int_equal(t.val_len, 0);

	assert_true(cmdline_next(&pos, &t));	/* =v */
	assert_int_equal(t.key_len, 0);
	assert_int_equal(t.val_len, 1);
	assert_int_equal(t.val[0], 'v');
	assert_false(cmdline_next(&pos, &t));
}

struct u64_case {
	const char *s;
	bool suffix;
	bool ok;
	uint64_t v;
};

static void test_parse_u64(void **state)
{
	static const struct u64_case cases[] = {
		{ "0", false, true, 0 },
		{ "7", false, true, 7 },
		{ "010", false, true, 10 },	/* decimal, not octal */
		{ "115200", false, true, 115200 },
		{ "0x0", false, true, 0 },
		{ "0x3f8", false, true, 0x3f8 },
		{ "0X3F8", false, true, 0x3f8 },
		{ "0xDeadBeef", false, true, 0xdeadbeef },
		{ "18446744073709551615", false, true, UINT64_MAX },
		{ "18446744073709551616", false, false, 0 },
		{ "99999999999999999999", false, false, 0 },
		{ "0xffffffffffffffff", false, true, UINT64_MAX },
		{ "0x0000000000000000ffffffffffffffff", false, true, UINT64_MAX },
		{ "0x10000000000000000", false, false, 0 },
		{ "", false, false, 0 },
		{ "", true, false, 0 },
		{ "0x", false, false, 0 },
		{ "0x", true, false, 0 },
		{ "x10", false, false, 0 },
		{ "12z", false, false, 0 },
		{ "12z", true, false, 0 },
		{ "-1", false, false, 0 },
		{ "+1", false, false, 0 },
		{ " 1", false, false, 0 },
		{ "1 ", false, false, 0 },
		{ "ff", false, false, 0 },
		{ "0xfg", false, false, 0 },
		{ "0x0x1", false, false, 0 },
		{ "16E", true, false, 0 },	/* no exa suffix */
		{ "1T", true, false, 0 },
		{ "4K", false, false, 0 },	/* suffix not allowed */
		{ "4K", true, true, 4096 },
		{ "4k", true, true, 4096 },
		{ "2M", true, true, 2ull << 20 },
		{ "2m", true, true, 2ull << 20 },
		{ "3G", true, true, 3ull << 30 },
		{ "3g", true, true, 3ull << 30 },
		{ "0K", true, true, 0 },
		{ "0x10K", true, true, 16 << 10 },
		{ "K", true, false, 0 },
		{ "0xK", true, false, 0 },
		{ "4KK", true, false, 0 },
		{ "4KB", true, false, 0 },
		{ "17179869183G", true, true, 17179869183ull << 30 },
		{ "17179869184G", true, false, 0 },	/* 2^34 G = 2^64 */
		{ "18014398509481983K", true, true, 18014398509481983ull << 10 },
		{ "18014398509481984K", true, false, 0 },
		{ "0xffffffffffffffffK", true, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct u64_case *c = &cases[i];
		uint64_t v = 0x5a5a5a5a;
		bool ok = cmdline_parse_u64(c->s, strlen(c->s), c->suffix, &v);

		if (ok != c->ok || (ok && v != c->v) || (!ok && v != 0x5a5a5a5a))
			fail_msg("\"%s\" suffix=%d: got ok=%d v=%llu", c->s, c->suffix,
				 ok, (unsigned long long)v);
	}
}

static void test_parse_u64_span(void **state)
{
	uint64_t v = 0;

	(void)state;
	/* Only len bytes are read: the span need not be NUL-terminated. */
	assert_true(cmdline_parse_u64("123456", 3, false, &v));
	assert_int_equal(v, 123);
	assert_true(cmdline_parse_u64("4Kjunk", 2, true, &v));
	assert_int_equal(v, 4096);
	assert_false(cmdline_parse_u64("123", 0, false, &v));
	assert_false(cmdline_parse_u64(NULL, 0, false, &v));
}

#define MAX_WARN 64

struct warnings {
	int n;
	char msg[MAX_WARN][200];
};

static void collect(const char *msg, void *ctx)
{
	struct warnings *w = ctx;
	size_t len = strlen(msg);

	assert_true(len < 160);
	if (w->n < MAX_WARN)
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static struct warnings warns;

static int parse(struct hv_options *o, const char *line)
{
	int n;

	memset(&warns, 0, sizeof(warns));
	hv_options_default(o);
	n = hv_options_parse(o, line, collect, &warns);
	assert_int_equal(n, warns.n);
	return n;
}

static void assert_default(const struct hv_options *o)
{
	assert_int_equal(o->loglevel, LOG_INFO);
	assert_int_equal(o->serial_port, 0x3f8);
	assert_int_equal(o->baud, 115200);
	assert_false(o->debugcon);
	assert_false(o->testexit);
	assert_int_equal(o->crash, CRASH_NONE);
	assert_int_equal(o->crash_cpu, 0);
	assert_int_equal(o->timebase, TIMEBASE_AUTO);
	assert_false(o->monitor_dedicated);
	assert_false(o->smt_shared);
	assert_int_equal(o->failalloc, 0);
}

static void test_defaults(void **state)
{
	struct hv_options o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	hv_options_default(&o);
	assert_default(&o);
	assert_int_equal(parse(&o, ""), 0);
	assert_default(&o);
	assert_int_equal(parse(&o, "   "), 0);
	assert_default(&o);
	assert_int_equal(hv_options_parse(&o, NULL, collect, &warns), 0);
	assert_default(&o);
}

static void test_loglevel(void **state)
{
	static const struct { const char *line; enum log_level want; } good[] = {
		{ "loglevel=error", LOG_ERROR }, { "loglevel=warn", LOG_WARN },
		{ "loglevel=info", LOG_INFO }, { "loglevel=debug", LOG_DEBUG },
		{ "loglevel=0", LOG_ERROR }, { "loglevel=1", LOG_WARN },
		{ "loglevel=2", LOG_INFO }, { "loglevel=3", LOG_DEBUG },
		{ "loglevel=\"debug\"", LOG_DEBUG }, { "loglevel=0x3", LOG_DEBUG },
	};
	static const char *const bad[] = {
		"loglevel=4", "loglevel=DEBUG", "loglevel=", "loglevel=debugx",
		"loglevel=-1", "loglevel=1K", "loglevel=deb",
	};
	struct hv_options o;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse(&o, good[i].line), 0);
		assert_int_equal(o.loglevel, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&o, bad[i]), 1);
		assert_default(&o);
	}
	parse(&o, "loglevel=x");
	assert_string_equal(warns.msg[0],
			    "bad value \"x\" for loglevel= (want error|warn|info|debug|0-3)");
	parse(&o, "loglevel=");
	assert_string_equal(warns.msg[0],
			    "bad value \"\" for loglevel= (want error|warn|info|debug|0-3)");
	parse(&o, "loglevel");
	assert_string_equal(warns.msg[0],
			    "missing value for loglevel= (want error|warn|info|debug|0-3)");
	assert_default(&o);
}

static void test_serial(void **state)
{
	static const struct { const char *line; uint16_t want; } good[] = {
		{ "serial=com1", 0x3f8 }, { "serial=com2", 0x2f8 },
		{ "serial=com3", 0x3e8 }, { "serial=com4", 0x2e8 },
		{ "serial=off", 0 }, { "serial=0x2f8", 0x2f8 },
		{ "serial=1016", 0x3f8 }, { "serial=1", 1 },
		{ "serial=0xffff", 0xffff }, { "serial=65535", 0xffff },
	};
	static const char *const bad[] = {
		"serial=com5", "serial=com0", "serial=COM1", "serial=0",
		"serial=0x0", "serial=0x10000", "serial=65536", "serial=",
		"serial=1K", "serial=on", "serial=-1", "serial=0x",
		"serial=18446744073709551617",
	};
	struct hv_options o;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse(&o, good[i].line), 0);
		assert_int_equal(o.serial_port, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&o, bad[i]), 1);
		assert_default(&o);
	}
	parse(&o, "serial=com5");
	assert_string_equal(warns.msg[0], "bad value \"com5\" for serial= "
			    "(want com1|com2|com3|com4|off|port 1-0xffff)");
}

static void test_baud(void **state)
{
	static const uint32_t good[] = {
		115200, 57600, 38400, 19200, 9600, 4800, 2400, 1200, 600, 300,
		150, 75, 50, 1, 2, 3, 25, 14400, 28800,
	};
	static const char *const bad[] = {
		"baud=0", "baud=115201", "baud=230400", "baud=7", "baud=100000",
		"baud=", "baud=fast", "baud=9600x", "baud=1K", "baud=-9600",
		"baud=18446744073709551616",
	};
	struct hv_options o;
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "baud=%u", good[i]);
		assert_int_equal(parse(&o, line), 0);
		assert_int_equal(o.baud, good[i]);
	}
	assert_int_equal(parse(&o, "baud=0x2580"), 0);
	assert_int_equal(o.baud, 9600);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&o, bad[i]), 1);
		assert_default(&o);
	}
	parse(&o, "baud=7");
	assert_string_equal(warns.msg[0],
			    "bad value \"7\" for baud= (want a divisor of 115200)");
}

static void test_bools(void **state)
{
	static const char *const on[] = { "on", "1", "yes", "\"on\"" };
	static const char *const off[] = { "off", "0", "no" };
	static const char *const bad[] = { "", "ON", "true", "2", "y", "onn", "of" };
	struct hv_options o;
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		snprintf(line, sizeof(line), "debugcon=%s", on[i]);
		assert_int_equal(parse(&o, line), 0);
		assert_true(o.debugcon);
		assert_false(o.testexit);
		snprintf(line, sizeof(line), "testexit=%s", on[i]);
		assert_int_equal(parse(&o, line), 0);
		assert_true(o.testexit);
		assert_false(o.debugcon);
	}
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		snprintf(line, sizeof(line), "debugcon=on testexit=on debugcon=%s testexit=%s",
			 off[i], off[i]);
		assert_int_equal(parse(&o, line), 0);
		assert_false(o.debugcon);
		assert_false(o.testexit);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "debugcon=%s testexit=%s", bad[i], bad[i]);
		assert_int_equal(parse(&o, line), 2);
		assert_default(&o);
	}
	parse(&o, "testexit=maybe debugcon");
	assert_string_equal(warns.msg[0], "bad value \"maybe\" for testexit= (want on|off)");
	assert_string_equal(warns.msg[1], "missing value for debugcon= (want on|off)");
}

static void test_crash(void **state)
{
	static const struct { const char *v; enum crash_kind want; } good[] = {
		{ "de", CRASH_DE }, { "bp", CRASH_BP }, { "ud", CRASH_UD },
		{ "gp", CRASH_GP }, { "pf", CRASH_PF },
		{ "pf-write", CRASH_PF_WRITE_TEXT }, { "pf-exec", CRASH_PF_EXEC_DATA },
		{ "nmi", CRASH_NMI }, { "df", CRASH_DF }, { "none", CRASH_NONE },
	};
	static const char *const bad[] = {
		"", "DE", "pf-", "pf-read", "d", "dee", "1", "nmi ", "crash",
	};
	struct hv_options o;
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "crash=%s", good[i].v);
		assert_int_equal(parse(&o, line), 0);
		assert_int_equal(o.crash, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "crash=\"%s\"", bad[i]);
		assert_int_equal(parse(&o, line), 1);
		assert_default(&o);
	}
	parse(&o, "crash=pf-read");
	assert_string_equal(warns.msg[0], "bad value \"pf-read\" for crash= "
			    "(want de|bp|ud|gp|pf|pf-write|pf-exec|nmi|df|none)");
	/* A later crash=none undoes an earlier one. */
	assert_int_equal(parse(&o, "crash=df crash=none"), 0);
	assert_int_equal(o.crash, CRASH_NONE);
}

static void test_crash_cpu(void **state)
{
	static const char *const bad[] = { "", "-1", "x", "65536", "1K", "0x", "99999999999999999999" };
	struct hv_options o;
	char line[64];

	(void)state;
	assert_int_equal(parse(&o, "crashcpu=3"), 0);
	assert_int_equal(o.crash_cpu, 3);
	assert_int_equal(parse(&o, "crashcpu=0xffff"), 0);
	assert_int_equal(o.crash_cpu, 0xffff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "crashcpu=\"%s\"", bad[i]);
		assert_int_equal(parse(&o, line), 1);
		assert_default(&o);
	}
	parse(&o, "crashcpu=65536");
	assert_string_equal(warns.msg[0], "bad value \"65536\" for crashcpu= (want a CPU number 0-65535)");
}

static void test_failalloc(void **state)
{
	static const char *const bad[] = { "", "-1", "x", "4294967296", "0x", "1 2" };
	struct hv_options o;
	char line[64];

	(void)state;
	assert_int_equal(parse(&o, "failalloc=7"), 0);
	assert_int_equal(o.failalloc, 7);
	assert_int_equal(parse(&o, "failalloc=0xffffffff"), 0);
	assert_int_equal(o.failalloc, 0xffffffffu);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "failalloc=\"%s\"", bad[i]);
		assert_int_equal(parse(&o, line), 1);
		assert_default(&o);
	}
	parse(&o, "failalloc=x");
	assert_string_equal(warns.msg[0], "bad value \"x\" for failalloc= (want a count 0-4294967295)");
}

static void test_timebase(void **state)
{
	static const struct { const char *v; enum timebase want; } good[] = {
		{ "auto", TIMEBASE_AUTO }, { "pit", TIMEBASE_PIT },
		{ "pmtimer", TIMEBASE_PMTIMER }, { "hpet", TIMEBASE_HPET },
	};
	struct hv_options o;
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "timebase=%s", good[i].v);
		assert_int_equal(parse(&o, line), 0);
		assert_int_equal(o.timebase, good[i].want);
	}
	assert_int_equal(parse(&o, "timebase=tsc"), 1);
	assert_default(&o);
	assert_string_equal(warns.msg[0], "bad value \"tsc\" for timebase= (want auto|pit|pmtimer|hpet)");
}

static void test_monitor(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(parse(&o, "monitor=dedicated"), 0);
	assert_true(o.monitor_dedicated);
	assert_int_equal(parse(&o, "monitor=dedicated monitor=shared"), 0);
	assert_false(o.monitor_dedicated);
	assert_int_equal(parse(&o, "monitor=own"), 1);
	assert_default(&o);
	assert_string_equal(warns.msg[0], "bad value \"own\" for monitor= (want shared|dedicated)");
}

static void test_smt(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(parse(&o, "smt=shared"), 0);
	assert_true(o.smt_shared);
	assert_int_equal(parse(&o, "smt=shared smt=isolate"), 0);
	assert_false(o.smt_shared);
	assert_int_equal(parse(&o, "smt=yes"), 1);
	assert_default(&o);
	assert_string_equal(warns.msg[0], "bad value \"yes\" for smt= (want isolate|shared)");
}

static void test_unknown_and_empty(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(parse(&o, "foo"), 1);
	assert_string_equal(warns.msg[0], "unknown option \"foo\"");
	assert_int_equal(parse(&o, "foo=bar Loglevel=debug 9x=1 -v --help"), 5);
	assert_string_equal(warns.msg[0], "unknown option \"foo\"");
	assert_string_equal(warns.msg[1], "unknown option \"Loglevel\"");
	assert_string_equal(warns.msg[2], "unknown option \"9x\"");
	assert_string_equal(warns.msg[3], "unknown option \"-v\"");
	assert_string_equal(warns.msg[4], "unknown option \"--help\"");
	assert_default(&o);
	assert_int_equal(parse(&o, "=debug =\"\" ="), 3);
	assert_string_equal(warns.msg[0], "empty option name in \"=debug\"");
	assert_string_equal(warns.msg[1], "empty option name in \"=\"");
	assert_string_equal(warns.msg[2], "empty option name in \"=\"");
	assert_default(&o);
	/* Prefixes and extensions of real names are unknown too. */
	assert_int_equal(parse(&o, "log=1 loglevelx=1 seria=com1 bau=9600"), 4);
	assert_string_equal(warns.msg[1], "unknown option \"loglevelx\"");
	/* A NULL callback still counts. */
	hv_options_default(&o);
	assert_int_equal(hv_options_parse(&o, "a b loglevel=debug c=", NULL, NULL), 3);
	assert_int_equal(o.loglevel, LOG_DEBUG);
}

static void test_everything(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(parse(&o, "loglevel=debug serial=com2 baud=9600 debugcon=on "
			       "testexit=yes crash=pf-exec"), 0);
	assert_int_equal(o.loglevel, LOG_DEBUG);
	assert_int_equal(o.serial_port, 0x2f8);
	assert_int_equal(o.baud, 9600);
	assert_true(o.debugcon);
	assert_true(o.testexit);
	assert_int_equal(o.crash, CRASH_PF_EXEC_DATA);
}

static void test_repeat_and_mixed(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(parse(&o, "loglevel=error loglevel=debug"), 0);
	assert_int_equal(o.loglevel, LOG_DEBUG);
	/* A bad repeat keeps the value set before it. */
	assert_int_equal(parse(&o, "serial=com3 serial=nope baud=300 baud=301"), 2);
	assert_int_equal(o.serial_port, 0x3e8);
	assert_int_equal(o.baud, 300);
	/* Good options around bad ones still apply. */
	assert_int_equal(parse(&o, "bogus loglevel=warn =x\tdebugcon=on baud"), 3);
	assert_int_equal(o.loglevel, LOG_WARN);
	assert_true(o.debugcon);
	assert_string_equal(warns.msg[0], "unknown option \"bogus\"");
	assert_string_equal(warns.msg[1], "empty option name in \"=x\"");
	assert_string_equal(warns.msg[2], "missing value for baud= (want a divisor of 115200)");
}

static void test_kernel_path(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(parse(&o, "/boot/svmvisor.elf loglevel=debug serial=com1"), 0);
	assert_int_equal(o.loglevel, LOG_DEBUG);
	assert_int_equal(parse(&o, "  /boot/svmvisor.elf"), 0);
	assert_default(&o);
	/* Only the first token, and only a bare one. */
	assert_int_equal(parse(&o, "loglevel=debug /boot/svmvisor.elf"), 1);
	assert_string_equal(warns.msg[0], "unknown option \"/boot/svmvisor.elf\"");
	assert_int_equal(parse(&o, "/a /b"), 1);
	assert_string_equal(warns.msg[0], "unknown option \"/b\"");
	assert_int_equal(parse(&o, "/boot/x=1"), 1);
	assert_string_equal(warns.msg[0], "unknown option \"/boot/x\"");
	assert_int_equal(parse(&o, "boot/svmvisor.elf"), 1);
}

static void test_long_spans(void **state)
{
	static char line[600];
	struct hv_options o;

	(void)state;
	/* A 500-character key and value are cut to 32 characters and "...". */
	memset(line, 'k', 500);
	line[500] = '\0';
	assert_int_equal(parse(&o, line), 1);
	assert_string_equal(warns.msg[0],
			    "unknown option \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...\"");
	strcpy(line, "crash=");
	memset(line + 6, 'v', 500);
	line[506] = '\0';
	assert_int_equal(parse(&o, line), 1);
	assert_string_equal(warns.msg[0],
			    "bad value \"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...\" for crash= "
			    "(want de|bp|ud|gp|pf|pf-write|pf-exec|nmi|df|none)");
	/* Exactly 32 characters: no ellipsis. */
	line[6 + 32] = '\0';
	parse(&o, line);
	assert_string_equal(warns.msg[0],
			    "bad value \"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\" for crash= "
			    "(want de|bp|ud|gp|pf|pf-write|pf-exec|nmi|df|none)");
	memset(line, 0, sizeof(line));
	line[0] = '=';
	memset(line + 1, 'e', 100);
	parse(&o, line);
	assert_string_equal(warns.msg[0],
			    "empty option name in \"=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee...\"");
	assert_default(&o);
}

/* 4 KiB of junk: random printable and control bytes, quotes and '='. */
static void test_junk(void **state)
{
	static const char alphabet[] = "ab=\" \t/\x01\x7f\xff" "0xKkGgloglevelserialcom1";
	static char line[4097];
	struct hv_options o;
	int n;

	(void)state;
	srand(12345);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(line) - 1; i++) {
			if (round % 2)
				line[i] = (char)(1 + rand() % 255);
			else
				line[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		}
		line[sizeof(line) - 1] = '\0';
		hv_options_default(&o);
		memset(&warns, 0, sizeof(warns));
		n = hv_options_parse(&o, line, collect, &warns);
		assert_int_equal(n, warns.n);
		assert_true(n > 0);
		assert_true(o.loglevel <= LOG_DEBUG);
		assert_true(o.crash <= CRASH_DF);
	}
	memset(line, '"', sizeof(line) - 1);
	assert_int_equal(parse(&o, line), 1);
	memset(line, '=', sizeof(line) - 1);
	assert_int_equal(parse(&o, line), 1);
	memset(line, ' ', sizeof(line) - 1);
	assert_int_equal(parse(&o, line), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_token_fields),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_u64_span),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_loglevel),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_baud),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_crash_cpu),
		cmocka_unit_test(test_failalloc),
		cmocka_unit_test(test_timebase),
		cmocka_unit_test(test_monitor),
		cmocka_unit_test(test_smt),
		cmocka_unit_test(test_unknown_and_empty),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_repeat_and_mixed),
		cmocka_unit_test(test_kernel_path),
		cmocka_unit_test(test_long_spans),
		cmocka_unit_test(test_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
