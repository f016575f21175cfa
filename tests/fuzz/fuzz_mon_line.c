/* Any byte stream into the line editor, every finished line into the
 * splitter: the buffer stays in bounds and NUL-terminated, echo stays sane. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/mon_line.h"

static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	assert(s && n > 0 && n <= MON_LINE_MAX);	/* a recalled line comes in one piece */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mon_line l;
	char *argv[MON_ARGS_MAX];

	mon_line_reset(&l);
	for (size_t i = 0; i < size; i++) {
		assert(l.len <= MON_LINE_MAX);
		if (mon_line_feed(&l, data[i], echo, NULL)) {
			int argc;

			assert(strlen(l.buf) == l.len);
			argc = mon_split(l.buf, argv, MON_ARGS_MAX);
			assert(argc >= -1 && argc <= MON_ARGS_MAX);
			for (int a = 0; a < argc; a++)
				assert(argv[a][0] && argv[a] >= l.buf && argv[a] < l.buf + MON_LINE_MAX);
		}
	}
	return 0;
}
