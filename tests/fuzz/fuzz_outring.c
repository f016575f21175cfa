/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for kernel/lib/outring.c: random sequences of writes
 * (of random lengths) and line reads, checked against a plain model of the
 * bytes written, dropped and drained. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "kernel/lib/outring.h"
#include "tests/common/check.h"

static struct outring r;
static char model[1 << 20];	/* every byte stored, in order */
static uint64_t stored, drained, dropped;

static void check_replay(const char *s, size_t n, void *ctx)
{
	uint64_t *at = ctx;

	CHECK(*at + n <= stored);
	CHECK(!memcmp(s, model + *at, n));
	*at += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&r, 0, sizeof(r));
	stored = drained = dropped = 0;
	for (size_t i = 0; i + 2 <= size;) {
		uint8_t op = data[i++], len = data[i++];

		if (op & 1) {	/* write len bytes (from the input, '\n' sprinkled by op) */
			char buf[256 * 32];
			size_t n = len * (op & 2 ? 32u : 1u);	/* sometimes more than fits */
			size_t fit;

			for (size_t k = 0; k < n; k++)
				buf[k] = i + k < size ? (char)data[i + k] : (k % 7 == 0 ? '\n' : 'x');
			fit = outring_write(&r, buf, n);
			CHECK(fit <= n);
			CHECK(stored - drained + fit <= OUTRING_SIZE);
			CHECK(fit == n || stored - drained + fit == OUTRING_SIZE);	/* drops only when full */
			if (stored + fit > sizeof(model))
				return 0;
			memcpy(model + stored, buf, fit);
			stored += fit;
			dropped += n - fit;
		} else {	/* read a line of at most len bytes */
			char out[256];
			size_t got = outring_read_line(&r, out, len);

			CHECK(got <= len && got <= stored - drained);
			CHECK(!memcmp(out, model + drained, got));
			CHECK(!memchr(out, '\n', got ? got - 1 : 0));	/* stops after the first newline */
			drained += got;
		}
		CHECK(r.dropped == dropped);
		CHECK(outring_pending(&r) == stored - drained);
	}
	{
		uint64_t at = stored > OUTRING_SIZE ? stored - OUTRING_SIZE : 0;
		uint64_t n = outring_replay(&r, check_replay, &at);

		CHECK(at == stored && n == (stored < OUTRING_SIZE ? stored : OUTRING_SIZE));
	}
	return 0;
}
