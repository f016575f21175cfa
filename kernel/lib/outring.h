/* SPDX-License-Identifier: BSD-2-Clause */
/* A byte ring for output that must never wait: writers (serialized by the
 * ring's own lock) append, one reader drains. When the undrained bytes fill
 * the ring, what does not fit is dropped and counted; the writer never
 * blocks on the reader. The last OUTRING_SIZE bytes written stay readable
 * (outring_replay), drained or not, since a writer only overwrites bytes
 * the reader has already taken. Pure: host-tested. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/spinlock.h"

#define OUTRING_SIZE 4096	/* a power of two */

struct outring {
	struct spinlock lock;	/* the writers' */
	uint64_t head;		/* bytes ever stored; published with release */
	uint64_t tail;		/* bytes ever drained (the reader's) */
	uint64_t dropped;	/* bytes that did not fit */
	char buf[OUTRING_SIZE];
};

/* Appends what fits of p[0..n) and drops the rest; returns the bytes stored. */
size_t outring_write(struct outring *r, const void *p, size_t n);

/* The reader: takes bytes up to and including the first newline, at most
 * max; returns how many (0: nothing waits). */
size_t outring_read_line(struct outring *r, char *dst, size_t max);

/* Bytes stored and not yet drained. */
uint64_t outring_pending(const struct outring *r);

/* The newest min(written, OUTRING_SIZE) bytes, oldest first, through out in
 * runs that do not wrap; returns how many. Safe beside writers: a byte a
 * writer overwrites meanwhile may show its new value. */
uint64_t outring_replay(const struct outring *r, void (*out)(const char *s, size_t n, void *ctx),
			void *ctx);
