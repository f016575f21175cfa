/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of kernel/lib/fmt.c: every supported conversion is compared with the
 * host libc's vsnprintf (glibc), on the full output, the return value and
 * truncated buffers. %p and unknown conversions, where we differ from glibc
 * on purpose, are checked against fixed strings. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

#include "kernel/lib/fmt.h"

#define OUT_MAX 16384
#define SENTINEL 0x5a

static unsigned long checks;

/* Formats with libc and with fmt_vsnprintf into buffers of several sizes
 * (full, exact, one short, tiny, zero) and requires identical bytes,
 * including the untouched tail, and identical return values. */
static void check_va(const char *file, int line, int nsizes,
		     const char *fmt, va_list ap)
{
	static char want[OUT_MAX], got[OUT_MAX];
	size_t sizes[] = { OUT_MAX, 0, 1, 2, 0, 0, 0 };
	va_list a1, a2;
	int wn, gn;

	va_copy(a1, ap);
	wn = vsnprintf(NULL, 0, fmt, a1);
	va_end(a1);
	if (wn < 0 || wn + 64 > OUT_MAX)
		fail_msg("%s:%d: format \"%s\": libc returned %d", file, line, fmt, wn);
	va_copy(a1, ap);
	va_copy(a2, ap);
	memset(want, SENTINEL, (size_t)wn + 64);
	memset(got, SENTINEL, (size_t)wn + 64);
	wn = vsnprintf(want, OUT_MAX, fmt, a1);
	gn = fmt_vsnprintf(got, OUT_MAX, fmt, a2);
	va_end(a1);
	va_end(a2);
	checks++;
	if (wn != gn || memcmp(want, got, (size_t)wn + 64) != 0)
		fail_msg("%s:%d: format \"%s\": libc %d \"%.200s\", fmt %d \"%.200s\"",
			 file, line, fmt, wn, want, gn, got);
	sizes[4] = (size_t)wn;
	sizes[5] = (size_t)wn + 1;
	sizes[6] = wn > 0 ? (size_t)wn / 2 : 3;
	for (int i = 1; i < nsizes && i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		va_copy(a1, ap);
		va_copy(a2, ap);
		memset(want, SENTINEL, 64 + sizes[i]);
		memset(got, SENTINEL, 64 + sizes[i]);
		wn = vsnprintf(want, sizes[i], fmt, a1);
		gn = fmt_vsnprintf(got, sizes[i], fmt, a2);
		va_end(a1);
		va_end(a2);
		if (wn != gn || memcmp(want, got, 64 + sizes[i]) != 0)
			fail_msg("%s:%d: format \"%s\" size %zu: libc %d, fmt %d",
				 file, line, fmt, sizes[i], wn, gn);
	}
}

/* Type-checked by the compiler: use for well-formed formats. */
static void __attribute__((format(printf, 3, 4)))
check_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(file, line, 7, fmt, ap);
	va_end(ap);
}

/* Unchecked: flag combinations the standard leaves undefined but glibc
 * defines (e.g. '0' with %s, '#' with %d), and generated formats. */
static void check_raw_at(const char *file, int line, int nsizes, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(file, line, nsizes, fmt, ap);
	va_end(ap);
}

#define CHECK(...) check_at(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK_RAW(...) check_raw_at(__FILE__, __LINE__, 7, __VA_ARGS__)
#define CHECK_GEN(...) check_raw_at(__FILE__, __LINE__, 3, __VA_ARGS__)

/* Our output for the cases where libc differs on purpose. */
static void expect_at(const char *file, int line, const char *want, const char *fmt, ...)
{
	char got[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	if (n != (int)strlen(want) || strcmp(got, want) != 0)
		fail_msg("%s:%d: format \"%s\": want \"%s\", got %d \"%s\"",
			 file, line, fmt, want, n, got);
}

#define EXPECT(want, ...) expect_at(__FILE__, __LINE__, want, __VA_ARGS__)

static void test_plain_text(void **state)
{
	(void)state;
	CHECK("%s", "");
	CHECK("hello, world");
	CHECK("100%% sure %%%%");
	CHECK("tab\there\nnewline");
	CHECK("%d%d%d", 1, 2, 3);
	CHECK("%s=%d (%x) [%c]", "key", 42, 42, '*');
}

static void test_signed(void **state)
{
	(void)state;
	CHECK("%d %i", 0, 0);
	CHECK("%d %i", 1, -1);
	CHECK("%d %d", INT_MAX, INT_MIN);
	CHECK("%+d %+d %+d", 0, 5, -5);
	CHECK("% d % d % d", 0, 5, -5);
	CHECK_RAW("%+ d % +d", 7, 7);
	CHECK_RAW("%5d|%-5d|%05d|%-05d", -42, -42, -42, -42);
	CHECK("%.0d|%.0d|%5.0d|%-5.0d|%+.0d|% .0d", 0, 1, 0, 0, 0, 0);
	CHECK_RAW("%.3d|%.3d|%08.3d|%-8.3d|%+.3d", 7, -7, -7, 7, 7);
	CHECK("%.10d|%.10d", INT_MIN, INT_MAX);
	CHECK("%025d|%-25d|%+025d", INT_MIN, INT_MIN, INT_MAX);
	CHECK("%1d|%2d|%11d|%12d", INT_MIN, INT_MIN, INT_MIN, INT_MIN);
	CHECK("%d", 1000000);
	CHECK_RAW("%0d|%00005d|%-0-5d|", 3, 3, 3);
	CHECK_RAW("%#d|%#5i|%#.0d", 10, 10, 0);
}

static void test_unsigned(void **state)
{
	(void)state;
	CHECK("%u %u %u", 0u, 1u, UINT_MAX);
	CHECK("%x %X %o", 0u, 0u, 0u);
	CHECK("%x %X %o", UINT_MAX, UINT_MAX, UINT_MAX);
	CHECK("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 8u);
	CHECK("%#x %#X %#o", 0u, 0u, 0u);
	CHECK("%#x %#X %#o", 1u, 255u, 8u);
	CHECK("%#.0x|%#.0o|%#.0X|%.0x|%.0o|%.0u", 0u, 0u, 0u, 0u, 0u, 0u);
	CHECK("%#.3o|%#.3o|%#.3o|%#.1o|%#.2o", 0u, 8u, 0777u, 8u, 8u);
	CHECK("%#5o|%#-5o|%#05o|%#5.0o", 0u, 8u, 8u, 0u);
	CHECK_RAW("%#08x|%#-8x|%#8.4x|%#08.4X|%08.4x", 0x41u, 0x41u, 0x41u, 0x41u, 0x41u);
	CHECK("%#010x|%#010x", 0u, 1u);
	CHECK("%#x|%#X", UINT_MAX, UINT_MAX);
	CHECK_RAW("%+u|% u|%+x|% X|%+o|% o", 5u, 5u, 5u, 5u, 5u, 5u);
	CHECK_RAW("%+#x|% #o", 5u, 5u);
}

static void test_lengths(void **state)
{
	(void)state;
	/* hh and h: the int argument is converted to char/short first. */
	CHECK_RAW("%hhd %hhd %hhd %hhd", 0, 127, -128, -1);
	CHECK_RAW("%hhd %hhd %hhu %hhx %hho", 200, -200, 300, 0x1ff, 0777);
	CHECK_RAW("%hhd %hhu %hhx %hhX %hho", INT_MIN, INT_MAX, -1, -1, -1);
	CHECK_RAW("%hd %hd %hd %hu %hx", 32767, -32768, 40000, 70000, -1);
	CHECK_RAW("%hd %hu %hx %hX %ho", INT_MIN, INT_MAX, INT_MAX, INT_MIN, -1);
	CHECK("%ld %ld %lu %lx %lX %lo", LONG_MIN, LONG_MAX, ULONG_MAX, ULONG_MAX,
	      0xabcdefUL, ULONG_MAX);
	CHECK("%lld %lld %llu %llx %llX %llo", LLONG_MIN, LLONG_MAX, ULLONG_MAX,
	      ULLONG_MAX, 0x123456789abcdefULL, ULLONG_MAX);
	CHECK("%zd %zd %zu %zx %zo", (ssize_t)-1, (ssize_t)SSIZE_MAX, SIZE_MAX,
	      SIZE_MAX, SIZE_MAX);
	CHECK("%td %td %tx", PTRDIFF_MIN, PTRDIFF_MAX, (ptrdiff_t)-1);
	CHECK("%jd %jd %ju %jx %jo", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX,
	      UINTMAX_MAX);
	CHECK("%+lld|% lld|%30lld|%-30lld|%030lld", LLONG_MIN, LLONG_MAX, LLONG_MIN,
	      LLONG_MIN, LLONG_MIN);
	CHECK("%.25lld|%#.25llo|%#30llx|%#030llx", LLONG_MIN, ULLONG_MAX, ULLONG_MAX,
	      ULLONG_MAX);
	CHECK("%#llo|%#lo|%#jo", ULLONG_MAX, 1UL, (uintmax_t)0);
	/* Arguments after a 64-bit one must still line up. */
	CHECK("%d %lld %d %s %hhd %jd %c", 1, LLONG_MIN, 2, "x", (signed char)3, INTMAX_MAX, 'z');
}

static void test_chars_strings(void **state)
{
	(void)state;
	CHECK("%c%c%c", 'a', 'b', 'c');
	CHECK_RAW("[%5c][%-5c][%1c][%0c]", 'x', 'x', 'x', 'x');
	CHECK("[%c]", 255);
	CHECK("[%c]", 0x141);	/* converted to unsigned char */
	CHECK("[%s][%10s][%-10s][%.2s][%10.2s][%-10.2s]", "abc", "abc", "abc",
	      "abc", "abc", "abc");
	CHECK("[%.0s][%.10s][%2s][%.*s]", "abc", "abc", "abcdef", 3, "abcdef");
	CHECK("[%s][%5s][%.0s]", "", "", "");
	CHECK_RAW("[%08s][%-08s][%08c][%.3c][%+s][% s][%#s][%+c]", "ab", "cd", 'x',
		  'y', "s", "s", "s", 'c');
	/* NULL: glibc prints "(null)" only when the precision fits it all. */
	for (int p = -1; p <= 8; p++) {
		CHECK_RAW("[%.*s]", p, (const char *)NULL);
		CHECK_RAW("[%8.*s]", p, (const char *)NULL);
		CHECK_RAW("[%-8.*s]", p, (const char *)NULL);
	}
	CHECK_RAW("[%s][%10s][%-10s]", (const char *)NULL, (const char *)NULL,
		  (const char *)NULL);

	/* A NUL from %c is output and counted. */
	char buf[8];
	memset(buf, 'q', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_memory_equal(buf, "a\0b\0", 4);
}

static void test_star(void **state)
{
	(void)state;
	CHECK("[%*d][%-*d][%*d]", 5, 1, 5, 2, -5, 3);
	CHECK("[%*s][%*s][%-*s]", -6, "ab", 6, "ab", -6, "ab");
	CHECK("[%.*d][%.*d][%.*d][%.*d]", -1, 0, -3, 7, 0, 0, 3, 7);
	CHECK_RAW("[%*.*d][%*.*d][%0*.*d][%0*d][%0*d]", -8, 3, 7, 8, -3, 7, 8, 3, -7,
		  8, -7, -8, -7);
	CHECK("[%.*s][%.*s][%*.*s]", -1, "abc", 1, "abc", -7, -2, "abc");
	CHECK("[%*c][%*c]", 3, 'a', -3, 'b');
	CHECK("[%#*x][%#-*o]", 10, 0x1fu, 10, 8u);
	for (int w = -12; w <= 12; w += 3)
		for (int p = -3; p <= 10; p++)
			CHECK("[%*.*d][%*.*x][%*.*s]", w, p, -123, w, p, 0xabcu, w, p,
			      "string");
}

static void test_percent(void **state)
{
	(void)state;
	CHECK("%%");
	CHECK("a%%b%%");
	/* glibc prints the same, but ASan's printf interceptor warns. */
	EXPECT("[%][%][%][%]", "[%5%][%-5%][%05%][%#%]");
}

static void test_pointer(void **state)
{
	(void)state;
	EXPECT("0x0000000000000000", "%p", (void *)NULL);
	EXPECT("0x0000000000001234", "%p", (void *)0x1234);
	EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	EXPECT("0xffff800000200000", "%p", (void *)0xffff800000200000ULL);
	EXPECT("[  0x00000000deadbeef]", "[%20p]", (void *)0xdeadbeef);
	EXPECT("[0x00000000deadbeef  ]", "[%-20p]", (void *)0xdeadbeef);
	EXPECT("[0x00000000deadbeef  ]", "[%*p]", -20, (void *)0xdeadbeef);
	EXPECT("[0x0000000000000001]", "[%5p]", (void *)1);
	/* Flags other than '-' and the precision do not apply to %p. */
	EXPECT("[0x0000000000000001]", "[%+#0 .3p]", (void *)1);
	EXPECT("a 0x0000000000000010 7", "a %p %d", (void *)16, 7);
}

/* Unknown conversions are printed as written, and formatting goes on. */
static void test_unknown(void **state)
{
	(void)state;
	EXPECT("%y", "%y");
	EXPECT("a%yb", "a%yb");
	EXPECT("%5y|%-y|%ly|%hhy|%.3y", "%5y|%-y|%ly|%hhy|%.3y");
	EXPECT("%n7", "%n%d", 7);
	EXPECT("%*y 9", "%*y %d", 5, 9);	/* the '*' argument was consumed */
	EXPECT("%Ld", "%Ld", 7);		/* L is not a length we know */
	EXPECT("%", "%");
	EXPECT("abc%", "abc%");
	EXPECT("x%-5", "x%-5");
	EXPECT("x%ll", "x%ll");
	EXPECT("x%.", "x%.");
	EXPECT("%'d 7", "%'d %d", 7);
}

static void test_truncation(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "hello %d", 12345), 11);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 0, "hello"), 5);
	assert_int_equal(buf[0], 'z');
	assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'z');
	assert_int_equal(fmt_snprintf(buf, 5, "hello"), 5);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'z');
	assert_int_equal(fmt_snprintf(buf, 6, "hello"), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", ""), 0);
	assert_string_equal(buf, "");
	assert_int_equal(fmt_snprintf(buf, 4, "%08x", 0xabcu), 8);
	assert_string_equal(buf, "000");
	assert_int_equal(fmt_snprintf(buf, 4, "%-8d|", -1), 9);
	assert_string_equal(buf, "-1 ");
}

struct counter {
	size_t n;
	char last;
};

static void count_sink(char c, void *ctx)
{
	struct counter *k = ctx;

	k->n++;
	k->last = c;
}

static int vformat_count(struct counter *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(count_sink, k, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vformat_sink(void **state)
{
	struct counter k = { 0, 0 };

	(void)state;
	assert_int_equal(vformat_count(&k, "%s-%d%c", "abc", -12, '!'), 8);
	assert_int_equal(k.n, 8);
	assert_int_equal(k.last, '!');
	k.n = 0;
	assert_int_equal(vformat_count(&k, ""), 0);
	assert_int_equal(k.n, 0);
}

/* fmt_snprintf without the format attribute, for formats gcc rejects. */
static int raw_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Width and integer precision stop at 4096 (FMT_MAX_PAD in fmt.c). */
static void test_pad_cap(void **state)
{
	static char buf[OUT_MAX];

	(void)state;
	CHECK("%4096d|%.4096d|%-4096s|", 1, 2, "x");
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%5000d", 1), 4096);
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%.5000d", 1), 4096);
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%*d", INT_MAX, 1), 4096);
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%*d|", INT_MIN, 1), 4097);
	assert_int_equal(buf[0], '1');
	assert_int_equal(buf[4095], ' ');
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%99999999999999999999d", 1), 4096);
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%.*d", INT_MAX, 1), 4096);
	/* The string precision is not capped: it only limits reading. */
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%.99999999999s", "abc"), 3);
	assert_int_equal(raw_snprintf(buf, sizeof(buf), "%.*s", INT_MAX, "abc"), 3);
}

/* flags x widths x precisions x conversions x lengths x values, every
 * combination compared with libc. */
static const char *const gen_flags[] = {
	"", "-", "0", "+", " ", "#", "-0", "+ ", "#0", "-#", "+0", " 0", "-+",
	"#+", "# 0", "-+ #0", "0-", " +",
};
static const char *const gen_widths[] = { "", "0", "1", "2", "7", "21", "25" };
static const char *const gen_precs[] = { "", ".", ".0", ".1", ".2", ".7", ".21", ".25" };
static const char gen_convs[] = "diuxXo";
static const char *const gen_lens[] = { "hh", "h", "", "l", "ll", "z", "t", "j" };
static const int64_t gen_values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 127, -128, 128, 255, 256, 32767, -32768, 65535,
	0x7fffffff, -0x7fffffffLL - 1, 0xffffffffLL, 0x100000000LL, 1234567890123LL,
	INT64_MAX, INT64_MIN, INT64_MIN + 1, -1234567,
};

static void check_gen(const char *fmt, int len, char conv, int64_t v)
{
	bool sgn = conv == 'd' || conv == 'i';

	switch (len) {
	case 0: case 1: case 2:	/* hh, h, none: promoted to int */
		if (sgn)
			CHECK_GEN(fmt, (int)v);
		else
			CHECK_GEN(fmt, (unsigned int)v);
		break;
	case 3:
		if (sgn)
			CHECK_GEN(fmt, (long)v);
		else
			CHECK_GEN(fmt, (unsigned long)v);
		break;
	case 4:
		if (sgn)
			CHECK_GEN(fmt, (long long)v);
		else
			CHECK_GEN(fmt, (unsigned long long)v);
		break;
	case 5:
		if (sgn)
			CHECK_GEN(fmt, (ssize_t)v);
		else
			CHECK_GEN(fmt, (size_t)v);
		break;
	case 6:
		CHECK_GEN(fmt, (ptrdiff_t)v);
		break;
	default:
		if (sgn)
			CHECK_GEN(fmt, (intmax_t)v);
		else
			CHECK_GEN(fmt, (uintmax_t)v);
		break;
	}
}

static void test_generated_ints(void **state)
{
	char fmt[64];

	(void)state;
	for (size_t f = 0; f < sizeof(gen_flags) / sizeof(gen_flags[0]); f++)
	for (size_t w = 0; w < sizeof(gen_widths) / sizeof(gen_widths[0]); w++)
	for (size_t p = 0; p < sizeof(gen_precs) / sizeof(gen_precs[0]); p++)
	for (size_t c = 0; c < sizeof(gen_convs) - 1; c++)
	for (size_t l = 0; l < sizeof(gen_lens) / sizeof(gen_lens[0]); l++) {
		snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", gen_flags[f],
			 gen_widths[w], gen_precs[p], gen_lens[l], gen_convs[c]);
		for (size_t v = 0; v < sizeof(gen_values) / sizeof(gen_values[0]); v++)
			check_gen(fmt, (int)l, gen_convs[c], gen_values[v]);
	}
}

static void test_generated_strings(void **state)
{
	static const char *const strs[] = {
		"", "a", "hello", "(null", "a string longer than twenty-five", NULL,
	};
	char fmt[64];

	(void)state;
	for (size_t f = 0; f < sizeof(gen_flags) / sizeof(gen_flags[0]); f++)
	for (size_t w = 0; w < sizeof(gen_widths) / sizeof(gen_widths[0]); w++)
	for (size_t p = 0; p < sizeof(gen_precs) / sizeof(gen_precs[0]); p++) {
		snprintf(fmt, sizeof(fmt), "<%%%s%s%ss>", gen_flags[f], gen_widths[w],
			 gen_precs[p]);
		for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
			CHECK_GEN(fmt, strs[s]);
		snprintf(fmt, sizeof(fmt), "<%%%s%s%sc>", gen_flags[f], gen_widths[w],
			 gen_precs[p]);
		CHECK_GEN(fmt, 'Q');
		CHECK_GEN(fmt, ' ');
	}
}

static int report_count(void **state)
{
	(void)state;
	printf("[ INFO     ] %lu formats compared with libc\n", checks);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_chars_strings),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_vformat_sink),
		cmocka_unit_test(test_pad_cap),
		cmocka_unit_test(test_generated_ints),
		cmocka_unit_test(test_generated_strings),
	};

	return cmocka_run_group_tests(tests, NULL, report_count);
}
