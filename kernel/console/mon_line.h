/* SPDX-License-Identifier: BSD-2-Clause */
/* The serial console's line editor and word splitter. Pure: host-tested
 * and fuzzed; the monitor (kernel/console/monitor.c) feeds it one byte at a time. */
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
	size_t cur;		/* cursor: where typing goes, 0..len; the terminal's column */
	bool overflow;		/* bytes were dropped: the line is reported, not run */
	bool after_cr;		/* swallow the LF of a CR LF pair */
	bool done;		/* buf holds a finished line; the next byte starts anew */
	unsigned char esc;	/* escape sequence state, 0 when outside one */
	unsigned char esc_len;	/* bytes after ESC [ so far */
	unsigned short esc_param;	/* its number (ESC [ 3 ~), saturated */
	bool esc_odd;		/* more than one number, or bytes other than digits */
	char hist[MON_HISTORY][MON_LINE_MAX + 1];	/* ring of entered lines */
	unsigned hist_count;	/* lines ever entered (non-empty ones) */
	unsigned hist_back;	/* 0: editing a new line; n: showing the nth newest */
};

void mon_line_reset(struct mon_line *l);

/* Feeds one received byte. The echo, printable characters, ' ' and '\b'
 * only, keeps the terminal's line and cursor equal to buf[0..len) and cur,
 * after the prompt, as long as both fit the terminal's width ('\b' does not
 * go back over a wrap).
 *   printable ASCII        inserted at the cursor
 *   backspace, DEL         erase before the cursor; Delete (ESC [ 3 ~) under it
 *   Ctrl-U, Ctrl-W         erase from the start, or the word, to the cursor
 *   Left, Right, Ctrl-B/F  move one character (ESC [ D, ESC [ C)
 *   Home                   ESC [ H, ESC [ 1 ~, ESC O H (not Ctrl-A: QEMU's)
 *   End, Ctrl-E            ESC [ F, ESC [ 4 ~, ESC O F
 *   Up, Down               walk the history of entered lines (ESC [ A, B)
 *   CR or LF               end the line
 * The arrows also come as ESC O x (three bytes). Other escape sequences
 * (ESC [ parameters final byte, ESC O x, ESC x) and control bytes, NUL and
 * bytes >= 0x80 are ignored. Returns true when a line is complete: it is
 * then in l->buf (NUL-terminated) until the next call. */
bool mon_line_feed(struct mon_line *l, unsigned char c, mon_echo_fn echo, void *ctx);

/* Echoes the line being edited and puts the terminal's cursor at cur, after
 * the caller printed the prompt again. A finished line (done) is not on the
 * screen any more: nothing is echoed. */
void mon_line_redraw(const struct mon_line *l, mon_echo_fn echo, void *ctx);

/* Splits line in place at spaces and tabs. Returns the number of words, or
 * -1 when there are more than max. */
int mon_split(char *line, char **argv, int max);
