/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel/lib/outring.c: writes that never block, drops counted, lines read
 * one at a time, and the replay of the newest bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lib/outring.h"

static struct outring r;
static char replayed[2 * OUTRING_SIZE];
static size_t replayed_len;

static int setup(void **state)
{
	(void)state;
	memset(&r, 0, sizeof(r));
	replayed_len = 0;
	return 0;
}

static void collect(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	memcpy(replayed + replayed_len, s, n);
	replayed_len += n;
}

static void test_lines_in_order(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(outring_write(&r, "one\ntwo\nthr", 11), 11);
	assert_int_equal(outring_pending(&r), 11);
	assert_int_equal(outring_read_line(&r, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "one\n", 4);
	assert_int_equal(outring_read_line(&r, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "two\n", 4);
	/* An unfinished line comes out as far as it goes... */
	assert_int_equal(outring_read_line(&r, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "thr", 3);
	assert_int_equal(outring_read_line(&r, buf, sizeof(buf)), 0);
	/* ... and max bounds a read. */
	outring_write(&r, "abcdef\n", 7);
	assert_int_equal(outring_read_line(&r, buf, 2), 2);
	assert_memory_equal(buf, "ab", 2);
	assert_int_equal(outring_pending(&r), 5);
}

static void test_full_ring_drops_and_counts(void **state)
{
	static char big[OUTRING_SIZE + 100];
	char buf[OUTRING_SIZE];

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(outring_write(&r, big, sizeof(big)), OUTRING_SIZE);
	assert_int_equal(r.dropped, 100);
	assert_int_equal(outring_write(&r, "y", 1), 0);	/* never waits for the reader */
	assert_int_equal(r.dropped, 101);
	/* The reader makes room; the old bytes were kept, the new ones dropped. */
	assert_int_equal(outring_read_line(&r, buf, 10), 10);
	assert_int_equal(outring_write(&r, "0123456789AB", 12), 10);
	assert_int_equal(r.dropped, 103);
	assert_int_equal(outring_pending(&r), OUTRING_SIZE);
}

static void test_wrap_around(void **state)
{
	char buf[64];

	(void)state;
	for (int i = 0; i < 3 * OUTRING_SIZE / 8; i++) {
		char line[8];

		memcpy(line, "line:N\n", 7);
		line[5] = (char)('a' + i % 26);
		assert_int_equal(outring_write(&r, line, 7), 7);
		assert_int_equal(outring_read_line(&r, buf, sizeof(buf)), 7);
		assert_memory_equal(buf, line, 7);
	}
	assert_int_equal(r.dropped, 0);
}

static void test_replay_keeps_the_newest_bytes(void **state)
{
	char buf[OUTRING_SIZE];

	(void)state;
	outring_write(&r, "hello\n", 6);
	assert_int_equal(outring_replay(&r, collect, NULL), 6);
	assert_memory_equal(replayed, "hello\n", 6);
	/* Drained bytes are replayed too, until writers reuse their place. */
	outring_read_line(&r, buf, sizeof(buf));
	for (int i = 0; i < OUTRING_SIZE; i++) {
		char c = (char)('A' + i % 26);

		outring_write(&r, &c, 1);
		outring_read_line(&r, buf, sizeof(buf));
	}
	replayed_len = 0;
	assert_int_equal(outring_replay(&r, collect, NULL), OUTRING_SIZE);
	assert_int_equal(replayed_len, OUTRING_SIZE);
	assert_int_equal(replayed[0], 'A');	/* "hello\n" fell out: the oldest is the loop's first */
	assert_int_equal(replayed[OUTRING_SIZE - 1], 'A' + (OUTRING_SIZE - 1) % 26);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lines_in_order, setup),
		cmocka_unit_test_setup(test_full_ring_drops_and_counts, setup),
		cmocka_unit_test_setup(test_wrap_around, setup),
		cmocka_unit_test_setup(test_replay_keeps_the_newest_bytes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
