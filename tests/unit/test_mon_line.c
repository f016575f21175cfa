/* Line editor and word splitter of the serial console. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/mon_line.h"

static char echoed[4096];
static size_t echoed_len;

static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	assert_true(echoed_len + n < sizeof(echoed));
	memcpy(echoed + echoed_len, s, n);
	echoed_len += n;
	echoed[echoed_len] = 0;
}

/* Feeds bytes; returns how many lines completed, the last one in l->buf. */
static int feed(struct mon_line *l, const char *s, size_t n)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += mon_line_feed(l, (unsigned char)s[i], echo, NULL);
	return lines;
}
#define FEED(l, lit) feed(l, lit, sizeof(lit) - 1)

static int setup(void **state)
{
	(void)state;
	echoed_len = 0;
	echoed[0] = 0;
	return 0;
}

static void test_plain_line(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	assert_int_equal(FEED(&l, "help"), 0);
	assert_string_equal(echoed, "help");
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "help");
	assert_false(l.overflow);
	assert_string_equal(echoed, "help\r\n");
}

static void test_crlf_is_one_line(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	assert_int_equal(FEED(&l, "a\r\nb\n\n"), 3);	/* a, b, then an empty line */
	assert_string_equal(l.buf, "");
	assert_int_equal(FEED(&l, "x\r\r"), 2);
	assert_string_equal(l.buf, "");
}

static void test_backspace_and_del(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	assert_int_equal(FEED(&l, "cpuzz\b\x7fs\r"), 1);
	assert_string_equal(l.buf, "cpus");
	assert_string_equal(echoed, "cpuzz\b \b\b \bs\r\n");
	/* Erasing an empty line echoes nothing. */
	echoed_len = 0;
	echoed[0] = 0;
	assert_int_equal(FEED(&l, "\b\b\x7f\r"), 1);
	assert_string_equal(l.buf, "");
	assert_string_equal(echoed, "\r\n");
}

static void test_ctrl_u_and_ctrl_w(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	assert_int_equal(FEED(&l, "log 10\x15mem\r"), 1);
	assert_string_equal(l.buf, "mem");
	assert_int_equal(FEED(&l, "log 10  \x17" "5\r"), 1);
	assert_string_equal(l.buf, "log 5");
	assert_int_equal(FEED(&l, "one\x17\x17two\r"), 1);
	assert_string_equal(l.buf, "two");
}

static void test_escape_sequences_ignored(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	/* Arrow keys, a cursor report with parameters, a two-byte escape. */
	assert_int_equal(FEED(&l, "ve\x1b[A\x1b[B\x1b[12;40Rr\x1bOs\x1b" "cion\r"), 1);
	assert_string_equal(l.buf, "version");
}

static void test_binary_bytes_ignored(void **state)
{
	static const char junk[] = { 'm', 0, (char)0xff, 'e', 1, (char)0x80, 'm', '\r' };
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	assert_int_equal(feed(&l, junk, sizeof(junk)), 1);
	assert_string_equal(l.buf, "mem");
}

static void test_overflow(void **state)
{
	struct mon_line l;
	char big[MON_LINE_MAX + 50];

	(void)state;
	mon_line_reset(&l);
	memset(big, 'a', sizeof(big));
	assert_int_equal(feed(&l, big, sizeof(big)), 0);
	assert_int_equal(l.len, MON_LINE_MAX);
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_true(l.overflow);
	assert_int_equal(strlen(l.buf), MON_LINE_MAX);
	/* The next line starts clean. */
	assert_int_equal(FEED(&l, "cpus\r"), 1);
	assert_false(l.overflow);
	assert_string_equal(l.buf, "cpus");
}

static void test_split(void **state)
{
	char line[] = "  log\t 10   extra ";
	char many[] = "1 2 3 4 5 6 7 8 9";
	char empty[] = " \t ";
	char *argv[MON_ARGS_MAX];

	(void)state;
	assert_int_equal(mon_split(line, argv, MON_ARGS_MAX), 3);
	assert_string_equal(argv[0], "log");
	assert_string_equal(argv[1], "10");
	assert_string_equal(argv[2], "extra");
	assert_int_equal(mon_split(many, argv, MON_ARGS_MAX), -1);
	assert_int_equal(mon_split(empty, argv, MON_ARGS_MAX), 0);
}

static void test_history(void **state)
{
	static struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	assert_int_equal(FEED(&l, "help\rcpus\r\r"), 3);	/* the empty line is not kept */
	assert_int_equal(l.hist_count, 2);
	echoed_len = 0;
	assert_int_equal(FEED(&l, "x\x1b[A"), 0);		/* up: the newest replaces "x" */
	assert_string_equal(echoed, "x\b \bcpus");
	assert_int_equal(FEED(&l, "\x1b[A\x1b[A\x1b[A"), 0);	/* stops at the oldest */
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "help");
	assert_int_equal(FEED(&l, "\x1b[A\x1b[A\x1b[B\r"), 1);	/* up, up, down */
	assert_string_equal(l.buf, "help");
	assert_int_equal(FEED(&l, "\x1b[A\x1b[B\r"), 1);	/* down past the newest: empty */
	assert_string_equal(l.buf, "");
	/* Arrows with parameters (ESC [ 1 ; 5 A) and other keys are ignored. */
	assert_int_equal(FEED(&l, "ab\x1b[1;5A\x1b[C\r"), 1);
	assert_string_equal(l.buf, "ab");
}

static void test_history_wraps(void **state)
{
	static struct mon_line l;
	char line[16];

	(void)state;
	mon_line_reset(&l);
	for (int i = 0; i < MON_HISTORY + 5; i++) {
		snprintf(line, sizeof(line), "c%d\r", i);
		assert_int_equal(feed(&l, line, strlen(line)), 1);
	}
	for (int i = 0; i < MON_HISTORY + 3; i++)
		FEED(&l, "\x1b[A");
	assert_int_equal(FEED(&l, "\r"), 1);
	snprintf(line, sizeof(line), "c%d", 5);	/* the oldest kept */
	assert_string_equal(l.buf, line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_line, setup),
		cmocka_unit_test_setup(test_crlf_is_one_line, setup),
		cmocka_unit_test_setup(test_backspace_and_del, setup),
		cmocka_unit_test_setup(test_ctrl_u_and_ctrl_w, setup),
		cmocka_unit_test_setup(test_escape_sequences_ignored, setup),
		cmocka_unit_test_setup(test_binary_bytes_ignored, setup),
		cmocka_unit_test_setup(test_overflow, setup),
		cmocka_unit_test_setup(test_split, setup),
		cmocka_unit_test_setup(test_history, setup),
		cmocka_unit_test_setup(test_history_wraps, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
