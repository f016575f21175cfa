/* SPDX-License-Identifier: BSD-2-Clause */
/* Any byte stream into the line editor, every finished line into the
 * splitter: the buffer stays in bounds and NUL-terminated, and the echo,
 * played on a small terminal, always shows exactly the line with the
 * cursor where the editor has it; so does a redraw on a cleared line.
 * A finished line has left both: the cursor is on a fresh line. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/console/mon_line.h"
#define TERM_ASSERT(cond) assert(cond)
#include "tests/common/term_model.h"

static void echo(const char *s, size_t n, void *ctx)
{
	assert(s && n > 0 && n <= MON_LINE_MAX);	/* a recalled line comes in one piece */
	for (size_t i = 0; i < n; i++)
		term_put(ctx, s[i]);
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
		term_check(&screen, &l);
		memset(&redrawn, 0, sizeof(redrawn));
		mon_line_redraw(&l, echo, &redrawn);
		term_check(&redrawn, &l);
	}
	return 0;
}
