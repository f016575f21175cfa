/* Line editing for the serial console: a small state machine over bytes. */
#include "kernel/mon_line.h"
#include "kernel/lib.h"

#define CTRL(c) ((c) & 0x1f)
#define ESC 0x1b
#define DEL 0x7f

void mon_line_reset(struct mon_line *l)
{
	memset(l, 0, sizeof(*l));
}

static void erase(struct mon_line *l, size_t n, mon_echo_fn echo, void *ctx)
{
	for (; n && l->len; n--) {
		l->len--;
		echo("\b \b", 3, ctx);
	}
}

/* Replaces what is on the screen with history entry back (0: empty line). */
static void recall(struct mon_line *l, unsigned back, mon_echo_fn echo, void *ctx)
{
	const char *h = back ? l->hist[(l->hist_count - back) % MON_HISTORY] : "";

	erase(l, l->len, echo, ctx);
	l->len = strnlen(h, MON_LINE_MAX);
	memcpy(l->buf, h, l->len);
	if (l->len)
		echo(l->buf, l->len, ctx);
	l->hist_back = back;
}

static void arrow(struct mon_line *l, unsigned char c, mon_echo_fn echo, void *ctx)
{
	unsigned kept = l->hist_count < MON_HISTORY ? l->hist_count : MON_HISTORY;

	if (c == 'A' && l->hist_back < kept)
		recall(l, l->hist_back + 1, echo, ctx);
	else if (c == 'B' && l->hist_back > 0)
		recall(l, l->hist_back - 1, echo, ctx);
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
		l->overflow = false;
		l->done = false;
		l->hist_back = 0;
	}
	l->after_cr = c == '\r';
	if (l->esc) {
		/* ECMA-48: ESC [ parameters... final byte 0x40-0x7e; ESC X is two bytes. */
		if (l->esc > 1 && c >= 0x40 && c <= 0x7e) {
			if (l->esc == 2)	/* ESC [ A / ESC [ B, no parameters */
				arrow(l, c, echo, ctx);
			l->esc = 0;
		} else if ((l->esc == 1 && c != '[') || l->esc > 16) {
			l->esc = 0;
		} else {
			l->esc++;
		}
		return false;
	}
	if (lf_after_cr)
		return false;
	if (c == '\r' || c == '\n') {
		echo("\r\n", 2, ctx);
		l->buf[l->len] = 0;
		l->done = true;
		remember(l);
		return true;
	}
	if (c == '\b' || c == DEL) {
		erase(l, 1, echo, ctx);
	} else if (c == CTRL('U')) {
		erase(l, l->len, echo, ctx);
	} else if (c == CTRL('W')) {
		size_t n = 0;

		while (n < l->len && l->buf[l->len - 1 - n] == ' ')
			n++;
		while (n < l->len && l->buf[l->len - 1 - n] != ' ')
			n++;
		erase(l, n, echo, ctx);
	} else if (c == ESC) {
		l->esc = 1;
	} else if (c >= 0x20 && c < DEL) {
		if (l->len < MON_LINE_MAX) {
			l->buf[l->len++] = (char)c;
			echo((const char *)&c, 1, ctx);
		} else {
			l->overflow = true;
		}
	}
	return false;
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
