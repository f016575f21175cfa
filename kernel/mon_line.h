/* The serial console's line editor and word splitter. Pure: host-tested
 * and fuzzed; the monitor (kernel/monitor.c) feeds it one byte at a time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define MON_LINE_MAX 128	/* bytes in a line, without the NUL */
#define MON_ARGS_MAX 8
#define MON_HISTORY  16	/* lines kept for the up and down arrows */

/* Receives the bytes to echo back to the terminal. */
typedef void (*mon_echo_fn)(const char *s, size_t n, void *ctx);

struct mon_line {
	char buf[MON_LINE_MAX + 1];
	size_t len;
	bool overflow;		/* bytes were dropped: the line is reported, not run */
	bool after_cr;		/* swallow the LF of a CR LF pair */
	int esc;		/* inside an escape sequence: bytes seen */
	bool done;		/* buf holds a finished line; the next byte starts anew */
	char hist[MON_HISTORY][MON_LINE_MAX + 1];	/* ring of entered lines */
	unsigned hist_count;	/* lines ever entered (non-empty ones) */
	unsigned hist_back;	/* 0: editing a new line; n: showing the nth newest */
};

void mon_line_reset(struct mon_line *l);

/* Feeds one received byte. Printable ASCII is added and echoed; backspace and
 * DEL erase one character, Ctrl-U the line, Ctrl-W a word; CR or LF ends it.
 * The up and down arrows (ESC [ A, ESC [ B) walk the history of entered
 * lines. Other escape sequences (ESC [ ... final byte) and control bytes,
 * NUL and bytes >= 0x80 are ignored. Returns true when a line is complete: it is then
 * in l->buf (NUL-terminated) until the next call. */
bool mon_line_feed(struct mon_line *l, unsigned char c, mon_echo_fn echo, void *ctx);

/* Splits line in place at spaces and tabs. Returns the number of words, or
 * -1 when there are more than max. */
int mon_split(char *line, char **argv, int max);
