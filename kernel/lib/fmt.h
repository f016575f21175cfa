/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style formatting. Pure: host-tested against libc.
 *
 * Supported: %d %i %u %x %X %o %c %s %p %% ; flags '-' '0' '+' ' ' '#';
 * width and precision (both also as '*'); length modifiers hh h l ll z t j.
 * %s of NULL prints "(null)". %p prints 0x followed by 16 hex digits. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

/* Called once per output character. */
typedef void (*fmt_sink)(char c, void *ctx);

/* Returns the number of characters produced. */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* Like vsnprintf: writes at most size bytes including the NUL (when
 * size > 0) and returns the length the full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
