/* SPDX-License-Identifier: BSD-2-Clause */
/* Line editing for the serial console: a small state machine over bytes.
 * The screen is updated with printable characters, ' ' and '\b' only: a
 * VT100 and every terminal since move left on '\b' and right by writing, so
 * moving right rewrites the character under the cursor, and an edit in the
 * middle rewrites the rest of the line and comes back with '\b's. */
#include "kernel/console/mon_line.h"
#include "kernel/lib/lib.h"

#define CTRL(c) ((c) & 0x1f)
#define ESC 0x1b
#define DEL 0x7f

enum { ESC_START = 1, ESC_CSI, ESC_SS3 };	/* l->esc */
#define ESC_MAX 16	/* bytes after ESC [ before a sequence is abandoned */

/* What escape sequences and control bytes mean, once decoded. */
enum key { KEY_NONE, KEY_UP, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_END, KEY_DELETE };

void mon_line_reset(struct mon_line *l)
{
	memset(l, 0, sizeof(*l));
}

/* c, n times, in pieces: echo functions get short strings. */
static void repeat(char c, size_t n, mon_echo_fn echo, void *ctx)
{
	char run[16];

	memset(run, c, sizeof(run));
	for (size_t k; n; n -= k) {
		k = MIN(n, sizeof(run));
		echo(run, k, ctx);
	}
}

static void move_left(struct mon_line *l, size_t pos, mon_echo_fn echo, void *ctx)
{
	repeat('\b', l->cur - pos, echo, ctx);
	l->cur = pos;
}

/* The terminal moves right only by writing: the characters it passes. */
static void move_right(struct mon_line *l, size_t pos, mon_echo_fn echo, void *ctx)
{
	if (pos > l->cur)
		echo(l->buf + l->cur, pos - l->cur, ctx);
	l->cur = pos;
}

static void move_to(struct mon_line *l, size_t pos, mon_echo_fn echo, void *ctx)
{
	if (pos < l->cur)
		move_left(l, pos, echo, ctx);
	else
		move_right(l, pos, echo, ctx);
}

/* Blanks n columns from the cursor on; the cursor stays. */
static void blank(size_t n, mon_echo_fn echo, void *ctx)
{
	repeat(' ', n, echo, ctx);
	repeat('\b', n, echo, ctx);
}

static void insert(struct mon_line *l, char c, mon_echo_fn echo, void *ctx)
{
	size_t at = l->cur;

	if (l->len == MON_LINE_MAX) {
		l->overflow = true;
		return;
	}
	memmove(l->buf + at + 1, l->buf + at, l->len - at);
	l->buf[at] = c;
	l->len++;
	move_right(l, l->len, echo, ctx);	/* c and the rest of the line */
	move_left(l, at + 1, echo, ctx);
}

/* Removes buf[from..from + n): the rest of the line is written over it,
 * blanks over its old end; the cursor ends at from. */
static void cut(struct mon_line *l, size_t from, size_t n, mon_echo_fn echo, void *ctx)
{
	if (!n)
		return;
	move_to(l, from, echo, ctx);
	memmove(l->buf + from, l->buf + from + n, l->len - from - n);
	l->len -= n;
	if (!l->len)
		l->overflow = false;	/* nothing is left of the line that was too long */
	move_right(l, l->len, echo, ctx);
	blank(n, echo, ctx);
	move_left(l, from, echo, ctx);
}

/* Ctrl-W: the spaces before the cursor, then the word before them. */
static void cut_word(struct mon_line *l, mon_echo_fn echo, void *ctx)
{
	size_t n = 0;

	while (n < l->cur && l->buf[l->cur - 1 - n] == ' ')
		n++;
	while (n < l->cur && l->buf[l->cur - 1 - n] != ' ')
		n++;
	cut(l, l->cur - n, n, echo, ctx);
}

/* Replaces the line with history entry back (0: empty line), the cursor at
 * its end. */
static void recall(struct mon_line *l, unsigned back, mon_echo_fn echo, void *ctx)
{
	const char *h = back ? l->hist[(l->hist_count - back) % MON_HISTORY] : "";
	size_t old = l->len;

	move_left(l, 0, echo, ctx);
	l->len = strnlen(h, MON_LINE_MAX);
	l->overflow = false;	/* a new line replaces the one that was too long */
	memcpy(l->buf, h, l->len);
	move_right(l, l->len, echo, ctx);
	if (old > l->len)
		blank(old - l->len, echo, ctx);
	l->hist_back = back;
}

static void key(struct mon_line *l, enum key k, mon_echo_fn echo, void *ctx)
{
	unsigned kept = MIN(l->hist_count, MON_HISTORY);

	switch (k) {
	case KEY_UP:
		if (l->hist_back < kept)
			recall(l, l->hist_back + 1, echo, ctx);
		break;
	case KEY_DOWN:
		if (l->hist_back > 0)
			recall(l, l->hist_back - 1, echo, ctx);
		break;
	case KEY_LEFT:
		if (l->cur > 0)
			move_left(l, l->cur - 1, echo, ctx);
		break;
	case KEY_RIGHT:
		if (l->cur < l->len)
			move_right(l, l->cur + 1, echo, ctx);
		break;
	case KEY_HOME:
		move_left(l, 0, echo, ctx);
		break;
	case KEY_END:
		move_right(l, l->len, echo, ctx);
		break;
	case KEY_DELETE:
		if (l->cur < l->len)
			cut(l, l->cur, 1, echo, ctx);
		break;
	case KEY_NONE:
		break;
	}
}

/* ESC [ x and ESC O x: xterm's cursor keys, in normal and application mode. */
static enum key letter_key(unsigned char c)
{
	switch (c) {
	case 'A': return KEY_UP;
	case 'B': return KEY_DOWN;
	case 'C': return KEY_RIGHT;
	case 'D': return KEY_LEFT;
	case 'H': return KEY_HOME;
	case 'F': return KEY_END;
	}
	return KEY_NONE;
}

/* ESC [ n ~: the VT220 editing keys. Modifiers (ESC [ 3 ; 5 ~) are not ours. */
static enum key csi_key(const struct mon_line *l, unsigned char final)
{
	if (l->esc_len == 0)
		return letter_key(final);
	if (final != '~' || l->esc_odd)
		return KEY_NONE;
	switch (l->esc_param) {
	case 1: return KEY_HOME;
	case 3: return KEY_DELETE;
	case 4: return KEY_END;
	}
	return KEY_NONE;
}

/* One byte of an escape sequence. ECMA-48: ESC [, parameter and
 * intermediate bytes, a final byte 0x40-0x7e; ESC O x (SS3) is three bytes,
 * any other ESC x two. */
static void escape(struct mon_line *l, unsigned char c, mon_echo_fn echo, void *ctx)
{
	if (l->esc == ESC_START) {
		l->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : 0;
		l->esc_len = 0;
		l->esc_param = 0;
		l->esc_odd = false;
	} else if (l->esc == ESC_SS3) {
		l->esc = 0;
		key(l, letter_key(c), echo, ctx);
	} else if (c >= 0x40 && c <= 0x7e) {
		l->esc = 0;
		key(l, csi_key(l, c), echo, ctx);
	} else if (++l->esc_len > ESC_MAX) {
		l->esc = 0;
	} else if (c >= '0' && c <= '9') {
		l->esc_param = (unsigned short)MIN(l->esc_param * 10 + (c - '0'), 1000);
	} else {
		l->esc_odd = true;
	}
}

static void remember(struct mon_line *l)
{
	if (!l->len || l->overflow)
		return;
	memcpy(l->hist[l->hist_count % MON_HISTORY], l->buf, l->len + 1);
	l->hist_count++;
}

bool mon_line_feed(struct mon_line *l, unsigned char c, mon_echo_fn echo, void *ctx)
{
	bool lf_after_cr = l->after_cr && c == '\n';

	if (l->done) {
		l->len = 0;
		l->cur = 0;
		l->overflow = false;
		l->done = false;
		l->hist_back = 0;
	}
	l->after_cr = c == '\r';
	if (l->esc) {
		escape(l, c, echo, ctx);
		return false;
	}
	if (lf_after_cr)
		return false;
	switch (c) {
	case '\r':
	case '\n':
		echo("\r\n", 2, ctx);
		l->buf[l->len] = 0;
		l->done = true;
		remember(l);
		return true;
	case '\b':
	case DEL:
		if (l->cur > 0)
			cut(l, l->cur - 1, 1, echo, ctx);
		break;
	case CTRL('U'):
		cut(l, 0, l->cur, echo, ctx);
		break;
	case CTRL('W'):
		cut_word(l, echo, ctx);
		break;
	case CTRL('B'):
		key(l, KEY_LEFT, echo, ctx);
		break;
	case CTRL('F'):
		key(l, KEY_RIGHT, echo, ctx);
		break;
	case CTRL('E'):
		key(l, KEY_END, echo, ctx);
		break;
	case ESC:
		l->esc = ESC_START;
		break;
	default:
		if (c >= 0x20 && c < DEL)
			insert(l, (char)c, echo, ctx);
	}
	return false;
}

void mon_line_redraw(const struct mon_line *l, mon_echo_fn echo, void *ctx)
{
	if (l->done)
		return;
	if (l->len)
		echo(l->buf, l->len, ctx);
	repeat('\b', l->len - l->cur, echo, ctx);
}

int mon_split(char *line, char **argv, int max)
{
	int argc = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}
