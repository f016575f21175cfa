/* SPDX-License-Identifier: BSD-2-Clause */
/* The few string routines the kernel needs; gcc may also emit calls to the
 * mem* functions for struct copies. Kernel only: host builds use libc. */
#include <stdint.h>
#include "kernel/lib/lib.h"

/* REP MOVSB/STOSB: fast on every AMD64 CPU with ERMS, and few instructions
 * under emulation (Bochs counts instructions as time). */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	if (!(((uintptr_t)dst | n) & 7)) {	/* whole quadwords: 8x fewer iterations */
		uint64_t q = 0x0101010101010101ull * (uint8_t)c;

		n /= 8;
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(q) : "memory");
	} else {
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}
