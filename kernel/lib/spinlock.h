/* SPDX-License-Identifier: BSD-2-Clause */
/* Ticketless test-and-set spinlock, from compiler builtins only, so device
 * models and other pure code can use it and host tests build it. Enough for
 * the short, rarely contended locks here (allocator, a device's registers). */
#pragma once
#include <stdbool.h>

struct spinlock {
	volatile int locked;
};

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();	/* PAUSE: pure, so host tests build it too */
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
