/* SPDX-License-Identifier: BSD-2-Clause */
/* The output ring: see kernel/lib/outring.h. Head and tail only grow; the
 * ring index is the count modulo OUTRING_SIZE. */
#include "kernel/lib/outring.h"
#include "kernel/lib/lib.h"

_Static_assert((OUTRING_SIZE & (OUTRING_SIZE - 1)) == 0, "OUTRING_SIZE: a power of two");

size_t outring_write(struct outring *r, const void *p, size_t n)
{
	const char *src = p;
	uint64_t head, room;
	size_t fit;

	spin_lock(&r->lock);
	head = r->head;
	room = OUTRING_SIZE - (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE));
	fit = (size_t)MIN((uint64_t)n, room);
	for (size_t i = 0; i < fit; i++)
		r->buf[(head + i) % OUTRING_SIZE] = src[i];
	if (fit < n)
		__atomic_add_fetch(&r->dropped, n - fit, __ATOMIC_RELAXED);
	__atomic_store_n(&r->head, head + fit, __ATOMIC_RELEASE);
	spin_unlock(&r->lock);
	return fit;
}

size_t outring_read_line(struct outring *r, char *dst, size_t max)
{
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), tail = r->tail;
	size_t n = 0;

	while (tail + n < head && n < max) {
		char c = r->buf[(tail + n) % OUTRING_SIZE];

		dst[n++] = c;
		if (c == '\n')
			break;
	}
	__atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
	return n;
}

uint64_t outring_pending(const struct outring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

uint64_t outring_replay(const struct outring *r, void (*out)(const char *s, size_t n, void *ctx),
			void *ctx)
{
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t n = MIN(head, (uint64_t)OUTRING_SIZE);

	for (uint64_t i = head - n; i < head;) {
		uint64_t run = MIN(head - i, OUTRING_SIZE - i % OUTRING_SIZE);

		out(r->buf + i % OUTRING_SIZE, run, ctx);
		i += run;
	}
	return n;
}
