/* SPDX-License-Identifier: BSD-2-Clause */
/* Line editor and word splitter of the serial console. Every echo goes
 * through a small terminal (printable characters, '\b', '\r', '\n'), and
 * after every byte the screen must show exactly the line and the terminal's
 * cursor stand at the editor's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/console/mon_line.h"
#define TERM_ASSERT(cond) assert_true(cond)
#include "tests/common/term_model.h"

static char echoed[4096];
static size_t echoed_len;

static struct term term;

static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	assert_true(n > 0);
	assert_true(echoed_len + n < sizeof(echoed));
	memcpy(echoed + echoed_len, s, n);
	echoed_len += n;
	echoed[echoed_len] = 0;
	for (size_t i = 0; i < n; i++)
		term_put(&term, s[i]);
}

/* Feeds bytes; returns how many lines completed, the last one in l->buf. */
static int feed(struct mon_line *l, const char *s, size_t n)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++) {
		lines += mon_line_feed(l, (unsigned char)s[i], echo, NULL);
		term_check(&term, l);
	}
	return lines;
}
#define FEED(l, lit) feed(l, lit, sizeof(lit) - 1)

static void clear_echoed(void)
{
	echoed_len = 0;
	echoed[0] = 0;
}

static int setup(void **state)
{
	(void)state;
	clear_echoed();
	term_clear(&term);
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
	clear_echoed();
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
	/* Arrow keys with no history, a cursor report with parameters, F1
	 * (ESC O P, three bytes), a two-byte escape. */
	assert_int_equal(FEED(&l, "ve\x1b[A\x1b[B\x1b[12;40Rr\x1bOPs\x1b" "cion\r"), 1);
	assert_string_equal(l.buf, "version");
	/* Modified keys (Ctrl-Right, Ctrl-Delete), Insert, F5, a number too
	 * big, an empty one, an intermediate byte; a sequence too long to track
	 * is abandoned after 16 bytes, and its final '~' typed. */
	assert_int_equal(FEED(&l, "ab\x1b[1;5C\x1b[D\x1b[3;5~\x1b[2~\x1b[15~\x1b[1000003~"
			      "\x1b[00000000000000003~x\x1b[~\x1b[3 ~\r"), 1);
	assert_string_equal(l.buf, "a~xb");
	/* ESC [ 03 ~ is Delete; ESC O takes one more byte, even an ESC. */
	assert_int_equal(FEED(&l, "ab\x1b[D\x1b[03~\x1bOs\x1bO\x1b\r"), 1);
	assert_string_equal(l.buf, "a");
}

#define LEFT  "\x1b[D"
#define RIGHT "\x1b[C"
#define HOME  "\x1b[H"
#define END   "\x1b[F"
#define DELETE "\x1b[3~"
#define UP    "\x1b[A"
#define DOWN  "\x1b[B"

static void test_cursor_keys(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	FEED(&l, "abc");
	clear_echoed();
	FEED(&l, LEFT LEFT);
	assert_int_equal(l.cur, 1);
	assert_string_equal(echoed, "\b\b");
	clear_echoed();
	FEED(&l, RIGHT);		/* moving right rewrites what is there */
	assert_int_equal(l.cur, 2);
	assert_string_equal(echoed, "b");
	clear_echoed();
	FEED(&l, RIGHT RIGHT RIGHT);	/* stops at the end */
	assert_int_equal(l.cur, 3);
	assert_string_equal(echoed, "c");
	clear_echoed();
	FEED(&l, HOME LEFT);		/* stops at the start */
	assert_int_equal(l.cur, 0);
	assert_string_equal(echoed, "\b\b\b");
	clear_echoed();
	FEED(&l, END);
	assert_int_equal(l.cur, 3);
	assert_string_equal(echoed, "abc");
	/* Every spelling of Home and End, and Ctrl-B, Ctrl-F, Ctrl-E. */
	FEED(&l, "\x1b[1~");
	assert_int_equal(l.cur, 0);
	FEED(&l, "\x1b[4~");
	assert_int_equal(l.cur, 3);
	FEED(&l, "\x1bOH");
	assert_int_equal(l.cur, 0);
	FEED(&l, "\x1bOF");
	assert_int_equal(l.cur, 3);
	FEED(&l, "\x02\x02");
	assert_int_equal(l.cur, 1);
	FEED(&l, "\x06");
	assert_int_equal(l.cur, 2);
	FEED(&l, "\x05");
	assert_int_equal(l.cur, 3);
	FEED(&l, "\x1bOD\x1bOD\x1bOC");	/* application-mode arrows */
	assert_int_equal(l.cur, 2);
	FEED(&l, "\x01");			/* Ctrl-A is QEMU's, not Home */
	assert_int_equal(l.cur, 2);
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "abc");
	assert_int_equal(l.cur, 2);		/* the cursor stays where Enter was... */
	FEED(&l, "x");
	assert_int_equal(l.cur, 1);		/* ... until the next line starts */
}

static void test_insert_and_delete_mid_line(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	FEED(&l, "helo" LEFT);
	clear_echoed();
	FEED(&l, "l");			/* the rest moves right, the cursor comes back */
	assert_string_equal(echoed, "lo\b");
	assert_int_equal(l.cur, 4);
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "hello");

	FEED(&l, "abcd" HOME);
	clear_echoed();
	FEED(&l, DELETE);		/* the rest moves left, a blank covers its end */
	assert_string_equal(echoed, "bcd \b\b\b\b");
	assert_int_equal(l.cur, 0);
	clear_echoed();
	FEED(&l, END DELETE);		/* nothing under the cursor */
	assert_string_equal(echoed, "bcd");
	FEED(&l, LEFT LEFT);
	clear_echoed();
	FEED(&l, "\x7f");		/* backspace: the one before the cursor */
	assert_string_equal(echoed, "\bcd \b\b\b");
	assert_int_equal(l.cur, 0);
	FEED(&l, "\b");			/* nothing before the cursor */
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "cd");
}

static void test_ctrl_u_and_ctrl_w_mid_line(void **state)
{
	struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	/* Ctrl-U: from the start to the cursor. */
	FEED(&l, "log 10" LEFT LEFT);
	clear_echoed();
	FEED(&l, "\x15");
	assert_string_equal(echoed, "\b\b\b\b10    \b\b\b\b\b\b");
	assert_int_equal(l.cur, 0);
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "10");
	/* Ctrl-W: the spaces and the word before the cursor. */
	FEED(&l, "one two  three" LEFT LEFT LEFT LEFT LEFT "\x17");
	assert_int_equal(l.cur, 4);
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "one three");
	FEED(&l, "one two" LEFT LEFT "\x17");	/* a word cut in the middle */
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "one wo");
	FEED(&l, "abc" HOME "\x17\x15");	/* nothing before the cursor */
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "abc");
}

static void test_overflow_mid_line(void **state)
{
	struct mon_line l;
	char big[MON_LINE_MAX];

	(void)state;
	mon_line_reset(&l);
	memset(big, 'a', sizeof(big));
	feed(&l, big, sizeof(big));
	FEED(&l, HOME "x" RIGHT DELETE "y");	/* x is dropped; after Delete y fits */
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_true(l.overflow);
	assert_int_equal(l.len, MON_LINE_MAX);
	assert_memory_equal(l.buf, "ay", 2);
}

static void test_history_cursor(void **state)
{
	static struct mon_line l;

	(void)state;
	mon_line_reset(&l);
	FEED(&l, "help\rcpus x\r");
	FEED(&l, "abcdefgh" HOME RIGHT);
	clear_echoed();
	FEED(&l, UP);		/* from the start, a shorter line: blanks after it */
	assert_string_equal(echoed, "\bcpus x  \b\b");
	assert_int_equal(l.cur, 6);
	FEED(&l, LEFT LEFT "\x17" UP);	/* edit a recalled line, then leave it */
	assert_int_equal(l.cur, 4);
	assert_int_equal(l.len, 4);
	FEED(&l, DOWN HOME "<" DOWN);	/* back to the edited one, then empty */
	assert_int_equal(l.len, 0);
	assert_int_equal(l.cur, 0);
	FEED(&l, UP UP LEFT "-");
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "hel-p");
}

/* Edits, and where they leave the line and the cursor. */
static void test_scripts(void **state)
{
	static const struct {
		const char *in;
		const char *line;
		size_t cur;
	} scripts[] = {
		{ "", "", 0 },
		{ LEFT RIGHT HOME END DELETE "\x7f\x17\x15", "", 0 },
		{ "abc" LEFT LEFT "X", "aXbc", 2 },
		{ "abc" HOME "X", "Xabc", 1 },
		{ "abc" HOME DELETE DELETE DELETE DELETE, "", 0 },
		{ "abc" LEFT "\x7f\x7f\x7f", "c", 0 },
		{ "abc" HOME RIGHT "\x15", "bc", 0 },
		{ "x 1 2" LEFT LEFT "\x17", "x  2", 2 },
		{ "a  b" LEFT "\x17", "b", 0 },
		{ "ab" "\x1b[1~" "\x1b[4~" "\x1b[1~" "c", "cab", 1 },
		{ "hello world" "\x02\x02\x02\x02\x02" "\x15" "\x05" "!", "world!", 6 },
		{ "abc" HOME "\x06\x06" " " "\x05" "d", "ab cd", 5 },
		{ "tab\there", "tabhere", 7 },
		{ "abc" LEFT "\x1b[3;2~" "\x1b[2~" "d", "abdc", 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		struct mon_line l;

		term_clear(&term);
		mon_line_reset(&l);
		assert_int_equal(feed(&l, scripts[i].in, strlen(scripts[i].in)), 0);
		assert_int_equal(l.len, strlen(scripts[i].line));
		assert_memory_equal(l.buf, scripts[i].line, l.len);
		assert_int_equal(l.cur, scripts[i].cur);
	}
}

/* Reference editor: the same keys on a plain array, cursor and all. */
struct model {
	char s[MON_LINE_MAX];
	size_t len, cur;
};

static void model_cut(struct model *m, size_t from, size_t n)
{
	memmove(m->s + from, m->s + from + n, m->len - from - n);
	m->len -= n;
	m->cur = from;
}

/* Applies key k (an index in keys[] below) to m; false for history keys. */
static bool model_key(struct model *m, int k, char c)
{
	size_t n = 0;

	switch (k) {
	case 0:
		if (m->len < MON_LINE_MAX) {
			memmove(m->s + m->cur + 1, m->s + m->cur, m->len - m->cur);
			m->s[m->cur++] = c;
			m->len++;
		}
		break;
	case 1: case 2:
		if (m->cur)
			model_cut(m, m->cur - 1, 1);
		break;
	case 3:
		if (m->cur < m->len)
			model_cut(m, m->cur, 1);
		break;
	case 4: case 5:
		m->cur -= m->cur > 0;
		break;
	case 6: case 7:
		m->cur += m->cur < m->len;
		break;
	case 8: case 9: case 10:
		m->cur = 0;
		break;
	case 11: case 12: case 13: case 14:
		m->cur = m->len;
		break;
	case 15:
		model_cut(m, 0, m->cur);
		break;
	case 16:
		while (n < m->cur && m->s[m->cur - 1 - n] == ' ')
			n++;
		while (n < m->cur && m->s[m->cur - 1 - n] != ' ')
			n++;
		model_cut(m, m->cur - n, n);
		break;
	default:
		return false;
	}
	return true;
}

/* Random keys against the reference editor; the screen is checked by feed. */
static void test_random_edits(void **state)
{
	static const char *const keys[] = {
		"", "\x7f", "\b", DELETE, LEFT, "\x02", RIGHT, "\x06",
		HOME, "\x1b[1~", "\x1bOH", END, "\x1b[4~", "\x1bOF", "\x05",
		"\x15", "\x17", UP, DOWN, "\r",
	};
	static struct mon_line l;
	struct model m = { .len = 0 };
	uint32_t rng = 12345;

	(void)state;
	mon_line_reset(&l);
	term_clear(&term);
	for (int step = 0; step < 200000; step++) {
		unsigned back = l.done ? 0 : l.hist_back;	/* a new line starts at 0 */
		int k;
		char c;

		rng = rng * 1103515245 + 12345;
		k = (int)((rng >> 16) % 40);
		k = k >= 20 ? 0 : k;		/* half the keys type a character */
		c = (char)(" ab"[(rng >> 8) % 3]);
		if (k == 0) {
			assert_int_equal(feed(&l, &c, 1), 0);
		} else if (k == 19) {
			clear_echoed();
			assert_int_equal(feed(&l, keys[k], 1), 1);
			assert_int_equal(l.len, m.len);
			assert_memory_equal(l.buf, m.s, m.len);
			m.len = m.cur = 0;
			continue;
		} else {
			clear_echoed();
			assert_int_equal(feed(&l, keys[k], strlen(keys[k])), 0);
		}
		if (!model_key(&m, k, c) && l.hist_back != back) {
			/* Up or Down moved: a recalled line, the cursor at its end. */
			memcpy(m.s, l.buf, l.len);
			m.len = m.cur = l.len;
		}
		assert_int_equal(l.len, m.len);
		assert_int_equal(l.cur, m.cur);
		assert_memory_equal(l.buf, m.s, m.len);
	}
	assert_true(l.hist_count > 100);
}

/* The monitor clears the line for a log message, prints the prompt again,
 * then redraws: the screen matches as if nothing had happened. */
static void test_redraw(void **state)
{
	static const char *const inputs[] = { "", "abc", "abc" LEFT, "abc" HOME, "a b c" LEFT LEFT };
	struct mon_line l;

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		mon_line_reset(&l);
		term_clear(&term);
		feed(&l, inputs[i], strlen(inputs[i]));
		term_clear(&term);
		clear_echoed();
		mon_line_redraw(&l, echo, NULL);
		term_check(&term, &l);
		FEED(&l, "x" LEFT DELETE);	/* editing goes on from there */
	}
	clear_echoed();
	mon_line_redraw(&l, echo, NULL);
	assert_string_equal(echoed, "a b c\b\b");
	/* A finished line is gone from the screen: nothing to redraw. */
	FEED(&l, "\r");
	clear_echoed();
	mon_line_redraw(&l, echo, NULL);
	assert_string_equal(echoed, "");
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
	/* A line too long, then emptied (Ctrl-U, Ctrl-W) or replaced from the
	 * history (Up): what is typed next is a line of its own. */
	for (unsigned k = 0; k < 3; k++) {
		static const char *const erase[] = { "\x15", "\x17\x17", "\x1b[A" };

		assert_int_equal(feed(&l, big, sizeof(big)), 0);
		assert_true(l.overflow);
		assert_int_equal(feed(&l, erase[k], strlen(erase[k])), 0);
		assert_false(l.overflow);
		if (k == 2)
			assert_int_equal(FEED(&l, "\x15"), 0);
		assert_int_equal(FEED(&l, "version\r"), 1);
		assert_false(l.overflow);
		assert_string_equal(l.buf, "version");
	}
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
	clear_echoed();
	assert_int_equal(FEED(&l, "x\x1b[A"), 0);		/* up: the newest replaces "x" */
	assert_string_equal(echoed, "x\bcpus");
	assert_int_equal(l.cur, 4);
	assert_int_equal(FEED(&l, "\x1b[A\x1b[A\x1b[A"), 0);	/* stops at the oldest */
	assert_int_equal(FEED(&l, "\r"), 1);
	assert_string_equal(l.buf, "help");
	assert_int_equal(FEED(&l, "\x1b[A\x1b[A\x1b[B\r"), 1);	/* up, up, down */
	assert_string_equal(l.buf, "help");
	assert_int_equal(FEED(&l, "\x1b[A\x1b[B\r"), 1);	/* down past the newest: empty */
	assert_string_equal(l.buf, "");
	/* Arrows with parameters (ESC [ 1 ; 5 A) are ignored. */
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
		cmocka_unit_test_setup(test_cursor_keys, setup),
		cmocka_unit_test_setup(test_insert_and_delete_mid_line, setup),
		cmocka_unit_test_setup(test_ctrl_u_and_ctrl_w_mid_line, setup),
		cmocka_unit_test_setup(test_overflow_mid_line, setup),
		cmocka_unit_test_setup(test_history_cursor, setup),
		cmocka_unit_test_setup(test_scripts, setup),
		cmocka_unit_test_setup(test_random_edits, setup),
		cmocka_unit_test_setup(test_redraw, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
