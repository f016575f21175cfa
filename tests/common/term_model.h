/* SPDX-License-Identifier: BSD-2-Clause */
/* One line of a VT100, enough to replay the line editor's echo: printable
 * characters, '\b', '\r', '\n'. Shared by the line editor's unit test and
 * its fuzzer; the includer defines TERM_ASSERT(cond) (cmocka's assert_true
 * or assert). */
#pragma once
#include <stddef.h>
#include <string.h>
#include "kernel/console/mon_line.h"

struct term {
	char cell[2 * MON_LINE_MAX];
	size_t col;
	size_t used;		/* columns ever written since the line began */
};

static inline void term_clear(struct term *t)
{
	memset(t, 0, sizeof(*t));
}

static inline void term_put(struct term *t, char c)
{
	if (c == '\b') {
		t->col -= t->col > 0;
	} else if (c == '\r') {
		t->col = 0;
	} else if (c == '\n') {
		term_clear(t);	/* the next line starts empty */
	} else {
		TERM_ASSERT(c >= 0x20 && c < 0x7f && t->col < sizeof(t->cell));
		t->cell[t->col++] = c;
		if (t->col > t->used)
			t->used = t->col;
	}
}

/* The screen shows buf[0..len) then blanks, the cursor at cur; after a
 * finished line, a fresh empty line. */
static inline void term_check(const struct term *t, const struct mon_line *l)
{
	TERM_ASSERT(l->cur <= l->len && l->len <= MON_LINE_MAX);
	if (l->done) {
		TERM_ASSERT(t->used == 0 && t->col == 0);
		return;
	}
	TERM_ASSERT(t->col == l->cur && t->used >= l->len);
	TERM_ASSERT(!memcmp(t->cell, l->buf, l->len));
	for (size_t i = l->len; i < t->used; i++)
		TERM_ASSERT(t->cell[i] == ' ');
}
