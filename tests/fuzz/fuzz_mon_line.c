/* Any byte stream into the line editor, every finished line into the
 * splitter: the buffer stays in bounds and NUL-terminated, and the echo,
 * played on a small terminal, always shows exactly the line with the
 * cursor where the editor has it; so does a redraw on a cleared line.
 * A finished line has left both: the cursor is on a fresh line. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/mon_line.h"

/* One line of a VT100: printable characters, '\b', '\r', '\n'. */
struct term {
	char cell[2 * MON_LINE_MAX];
	size_t col;
	size_t used;		/* columns ever written since the line began */
};

static void echo(const char *s, size_t n, void *ctx)
{
	struct term *t = ctx;

	assert(s && n > 0 && n <= MON_LINE_MAX);	/* a recalled line comes in one piece */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\b') {
			t->col -= t->col > 0;
		} else if (c == '\r') {
			t->col = 0;
		} else if (c == '\n') {
			memset(t, 0, sizeof(*t));
		} else {
			assert(c >= 0x20 && c < 0x7f && t->col < sizeof(t->cell));
			t->cell[t->col++] = c;
			if (t->col > t->used)
				t->used = t->col;
		}
	}
}

static void check_screen(const struct mon_line *l, const struct term *t)
{
	assert(l->cur <= l->len && l->len <= MON_LINE_MAX);
	if (l->done) {
		assert(t->used == 0 && t->col == 0);
		return;
	}
	assert(t->col == l->cur && t->used >= l->len);
	assert(!memcmp(t->cell, l->buf, l->len));
	for (size_t i = l->len; i < t->used; i++)
		assert(t->cell[i] == ' ');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mon_line l;
	struct term screen = { .col = 0 }, redrawn;
	char *argv[MON_ARGS_MAX];

	mon_line_reset(&l);
	for (size_t i = 0; i < size; i++) {
		if (mon_line_feed(&l, data[i], echo, &screen)) {
			int argc;

			assert(strlen(l.buf) == l.len);
			argc = mon_split(l.buf, argv, MON_ARGS_MAX);
			assert(argc >= -1 && argc <= MON_ARGS_MAX);
			for (int a = 0; a < argc; a++)
				assert(argv[a][0] && argv[a] >= l.buf && argv[a] < l.buf + MON_LINE_MAX);
		}
		check_screen(&l, &screen);
		memset(&redrawn, 0, sizeof(redrawn));
		mon_line_redraw(&l, echo, &redrawn);
		check_screen(&l, &redrawn);
	}
	return 0;
}
