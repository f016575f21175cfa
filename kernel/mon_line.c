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

bool mon_line_feed(struct mon_line *l, unsigned char c, mon_echo_fn echo, void *ctx)
{
	bool lf_after_cr = l->after_cr && c == '\n';

	if (l->done) {
		l->len = 0;
		l->overflow = false;
		l->done = false;
	}
	l->after_cr = c == '\r';
	if (l->esc) {
		/* ECMA-48: ESC [ parameters... final byte 0x40-0x7e; ESC X is two bytes. */
		if ((l->esc == 1 && c != '[') || (l->esc > 1 && c >= 0x40 && c <= 0x7e) || l->esc > 16)
			l->esc = 0;
		else
			l->esc++;
		return false;
	}
	if (lf_after_cr)
		return false;
	if (c == '\r' || c == '\n') {
		echo("\r\n", 2, ctx);
		l->buf[l->len] = 0;
		l->done = true;
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
