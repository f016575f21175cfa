/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of kernel/vm/vmopts.c: every module2 option good and bad, GRUB's
 * quoting, duplicates, limits and the error texts (docs/vms.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vm/vmopts.h"

static struct vm_opts o;
static char err[VMOPTS_ERR_MAX];

/* Parses line; returns the number of problems, err holds the text. */
static int parse(const char *line)
{
	memset(&o, 0xa5, sizeof(o));	/* every field must be written */
	memset(err, 'x', sizeof(err));
	return vmopts_parse(line, &o, err, sizeof(err));
}

/* line must fail with exactly one problem whose text is want. */
static void bad(const char *line, const char *want)
{
	int n = parse(line);

	if (n != 1 || strcmp(err, want) != 0)
		fail_msg("\"%s\": %d problems: \"%s\", want \"%s\"", line, n, err, want);
}

static void good(const char *line)
{
	int n = parse(line);

	if (n != 0)
		fail_msg("\"%s\": %d problems: \"%s\"", line, n, err);
	assert_string_equal(err, "");
}

static unsigned popcount(const uint64_t *set)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VM_MAX_CPUS; i++)
		n += (set[i / 64] >> (i % 64)) & 1;
	return n;
}

static void test_defaults(void **state)
{
	(void)state;
	good("vm=selftest");
	assert_false(o.is_extra_module);
	assert_string_equal(o.name, "selftest");
	assert_string_equal(o.for_vm, "");
	assert_int_equal(o.mem, 16ull << 20);
	assert_int_equal(o.nr_cpus, 0);
	assert_int_equal(popcount(o.cpus), 0);
	assert_int_equal(o.kind, VM_KIND_AUTO);
	assert_int_equal(o.mode, VM_MODE_PROT32);
	assert_int_equal(o.load, 0);
	assert_int_equal(o.entry, 0);
	assert_string_equal(o.cmdline, "");

	good("  \t vm=a \r\n");
	assert_string_equal(o.name, "a");
}

static void test_design_example(void **state)
{
	(void)state;
	good("vm=selftest mem=16M cpus=1");
	assert_string_equal(o.name, "selftest");
	assert_int_equal(o.mem, 16ull << 20);
	assert_int_equal(o.nr_cpus, 1);
	assert_true(vm_opts_has_cpu(&o, 1));
	assert_false(vm_opts_has_cpu(&o, 0));
	assert_false(vm_opts_has_cpu(&o, 256));
}

static void test_path_first_word(void **state)
{
	(void)state;
	good("/guests/selftest.elf vm=a");
	assert_string_equal(o.name, "a");
	good("(hd0,msdos1)/guests/x.elf vm=b mem=2M");
	assert_string_equal(o.name, "b");
	/* Only as the first word, and only a path. */
	bad("vm=a /guests/x.elf", "unknown option \"/guests/x.elf\"");
	bad("guest.elf vm=a", "unknown option \"guest.elf\"");
	bad("/x=1 vm=a", "unknown option \"/x\"");
}

static void test_names(void **state)
{
	static const char *const ok[] = {
		"a", "Z", "0", "_", "-", "linux-2_6", "ABCDEFGHIJKLMNO",
	};
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "vm=%s", ok[i]);
		good(line);
		assert_string_equal(o.name, ok[i]);
	}
	bad("vm=", "bad value \"\" for vm= (want a name of 1-15 letters, digits, _ or -)");
	bad("vm=ABCDEFGHIJKLMNOP",
	    "bad value \"ABCDEFGHIJKLMNOP\" for vm= (want a name of 1-15 letters, digits, _ or -)");
	bad("vm=a.b", "bad value \"a.b\" for vm= (want a name of 1-15 letters, digits, _ or -)");
	bad("vm=\"a b\"", "bad value \"a b\" for vm= (want a name of 1-15 letters, digits, _ or -)");
	bad("vm=a/b", "bad value \"a/b\" for vm= (want a name of 1-15 letters, digits, _ or -)");
	bad("vm=\xc3\xa9", "bad value \"\xc3\xa9\" for vm= (want a name of 1-15 letters, digits, _ or -)");
	bad("vm", "missing value for vm= (want a name of 1-15 letters, digits, _ or -)");
}

static void test_mem(void **state)
{
	static const struct { const char *v; uint64_t mem; } ok[] = {
		{ "1M", 1ull << 20 }, { "1m", 1ull << 20 }, { "1024K", 1ull << 20 },
		{ "64G", 64ull << 30 }, { "64g", 64ull << 30 }, { "16M", 16ull << 20 },
		{ "0x100000", 0x100000 }, { "1048576", 1048576 }, { "1028K", 1028ull << 10 },
		{ "3G", 3ull << 30 }, { "0x1000000000", 64ull << 30 },
	};
	static const char *const no[] = {
		"", "0", "1023K", "1020K", "4K", "64G1", "65G", "0x1000001000", "1025K",
		"1048577", "abc", "-1M", "16MB", "16 M", "1.5M", "0x", "M", "18446744073709551615",
		"99999999999999999999",
	};
	char line[96], want[192];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "vm=a mem=%s", ok[i].v);
		good(line);
		assert_int_equal(o.mem, ok[i].mem);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(line, sizeof(line), "vm=a mem=\"%s\"", no[i]);
		snprintf(want, sizeof(want),
			 "bad value \"%s\" for mem= (want a size 1M-64G in whole 4K pages, e.g. 64M)", no[i]);
		bad(line, want);
	}
}

static void test_cpus(void **state)
{
	static const char *const no[] = {
		"", ",", "1,", ",1", "1,,2", "3-2", "256", "1-256", "1,1", "1-3,2", "2,1-3",
		"a", "1-", "-1", "0x1", "1 2", "1-2-3", "0001", "+1", "1;2", "--",
	};
	char line[64], want[160];

	(void)state;
	good("vm=a cpus=1");
	assert_int_equal(o.nr_cpus, 1);
	assert_true(vm_opts_has_cpu(&o, 1));

	good("vm=a cpus=1,2");
	assert_int_equal(o.nr_cpus, 2);
	assert_true(vm_opts_has_cpu(&o, 1) && vm_opts_has_cpu(&o, 2));

	good("vm=a cpus=2-3");
	assert_int_equal(o.nr_cpus, 2);
	assert_true(vm_opts_has_cpu(&o, 2) && vm_opts_has_cpu(&o, 3));
	assert_false(vm_opts_has_cpu(&o, 1) || vm_opts_has_cpu(&o, 4));

	good("vm=a cpus=0,2-4,63-64,255");
	assert_int_equal(o.nr_cpus, 7);
	assert_int_equal(popcount(o.cpus), 7);
	for (unsigned c = 0; c < VM_MAX_CPUS; c++)
		assert_int_equal(vm_opts_has_cpu(&o, c),
				 c == 0 || (c >= 2 && c <= 4) || c == 63 || c == 64 || c == 255);

	good("vm=a cpus=0-255");
	assert_int_equal(o.nr_cpus, 256);
	assert_int_equal(popcount(o.cpus), 256);

	good("vm=a cpus=7-7");
	assert_int_equal(o.nr_cpus, 1);
	assert_true(vm_opts_has_cpu(&o, 7));

	good("vm=a cpus=010");	/* three digits: decimal, not octal */
	assert_true(vm_opts_has_cpu(&o, 10));

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(line, sizeof(line), "vm=a cpus=\"%s\"", no[i]);
		snprintf(want, sizeof(want), "bad value \"%s\" for cpus= "
			 "(want core numbers 0-255 as N, N-M, N,M,..., each once)", no[i]);
		bad(line, want);
	}
}

static void test_kind(void **state)
{
	static const struct { const char *v; enum vm_kind k; } ok[] = {
		{ "auto", VM_KIND_AUTO }, { "mb1", VM_KIND_MB1 }, { "mb2", VM_KIND_MB2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "vm=a kind=%s", ok[i].v);
		good(line);
		assert_int_equal(o.kind, ok[i].k);
		assert_int_equal(o.mode, VM_MODE_PROT32);
		assert_string_equal(vm_kind_name(ok[i].k), ok[i].v);
	}
	good("vm=a kind=flat load=0x7c00");
	assert_int_equal(o.kind, VM_KIND_FLAT);
	assert_string_equal(vm_kind_name(VM_KIND_FLAT), "flat");
	assert_string_equal(vm_kind_name((enum vm_kind)7), "?");
	bad("vm=a kind=MB1", "bad value \"MB1\" for kind= (want mb1|mb2|linux|pvh|flat|auto)");
	bad("vm=a kind=elf", "bad value \"elf\" for kind= (want mb1|mb2|linux|pvh|flat|auto)");
	bad("vm=a kind=", "bad value \"\" for kind= (want mb1|mb2|linux|pvh|flat|auto)");
	bad("vm=a kind=mb", "bad value \"mb\" for kind= (want mb1|mb2|linux|pvh|flat|auto)");
	bad("vm=a kind=mb22", "bad value \"mb22\" for kind= (want mb1|mb2|linux|pvh|flat|auto)");
}

static void test_flat(void **state)
{
	(void)state;
	/* Boot-sector style: real mode, entry defaults to load. */
	good("vm=boot kind=flat load=0x7c00");
	assert_int_equal(o.mode, VM_MODE_REAL);
	assert_int_equal(o.load, 0x7c00);
	assert_int_equal(o.entry, 0x7c00);

	good("vm=a kind=flat load=0x1000 entry=0x1234 mode=real");
	assert_int_equal(o.entry, 0x1234);
	good("vm=a kind=flat load=0 entry=0xfffff");
	good("vm=a kind=flat mode=prot32 load=1M entry=0x100010");
	assert_int_equal(o.mode, VM_MODE_PROT32);
	assert_int_equal(o.load, 0x100000);
	good("vm=a kind=flat mode=long load=2M mem=8G entry=0x1ffffffff");
	assert_int_equal(o.mode, VM_MODE_LONG);
	assert_int_equal(o.entry, 0x1ffffffffull);
	good("vm=a kind=flat mode=prot32 mem=8G load=0xfffff000");
	assert_string_equal(vm_mode_name(VM_MODE_LONG), "long");
	assert_string_equal(vm_mode_name(VM_MODE_REAL), "real");
	assert_string_equal(vm_mode_name(VM_MODE_PROT32), "prot32");
	assert_string_equal(vm_mode_name((enum vm_mode)3), "?");

	bad("vm=a kind=flat", "kind=flat needs load=ADDR");
	bad("vm=a kind=flat entry=0x7c00", "kind=flat needs load=ADDR");
	bad("vm=a kind=flat load=0x100000", "load=0x100000 is out of reach of mode=real (below 0x100000)");
	bad("vm=a kind=flat load=0x7c00 entry=0x100000",
	    "entry=0x100000 is out of reach of mode=real (below 0x100000)");
	bad("vm=a kind=flat mode=prot32 mem=8G load=4G",
	    "load=0x100000000 is out of reach of mode=prot32 (below 0x100000000)");
	bad("vm=a kind=flat mode=long load=16M", "load=0x1000000 is not below mem= (0x1000000)");
	bad("vm=a kind=flat mode=long mem=2M load=1M entry=2M",
	    "entry=0x200000 is not below mem= (0x200000)");
	bad("vm=a kind=flat load=x", "bad value \"x\" for load= (want an address below 64G)");
	bad("vm=a kind=flat load=64G", "bad value \"64G\" for load= (want an address below 64G)");
	bad("vm=a kind=flat load=0 entry=", "bad value \"\" for entry= (want an address below 64G)");
	bad("vm=a kind=flat load=0 mode=protected",
	    "bad value \"protected\" for mode= (want real|prot32|long)");
	/* One bad value, one message: no follow-up complaints. */
	bad("vm=a kind=falt load=0x7c00", "bad value \"falt\" for kind= (want mb1|mb2|linux|pvh|flat|auto)");
	bad("vm=a kind=flat load=0x7c00 mem=1",
	    "bad value \"1\" for mem= (want a size 1M-64G in whole 4K pages, e.g. 64M)");
	bad("vm=a kind=flat load=0x7c00 mode=x", "bad value \"x\" for mode= (want real|prot32|long)");
	bad("vm=a kind=flat load=x entry=0x7c00", "bad value \"x\" for load= (want an address below 64G)");
	bad("vm=a kind=flat load=0x7c00 entry=0x7c00 entry=x", "entry= given twice");
	bad("vm=a kind=flat load=0 cmdline=x",
	    "cmdline= needs a Multiboot, Linux or PVH guest (kind=flat gets no boot information)");

	/* Flat-only keys on a Multiboot VM. */
	bad("vm=a mode=real", "mode= needs kind=flat (other guests start as their boot protocol says)");
	bad("vm=a kind=mb1 load=1M", "load= needs kind=flat (other images say where they load)");
	bad("vm=a kind=mb2 entry=1M", "entry= needs kind=flat (other images name their entry)");
	assert_int_equal(parse("vm=a load=1M entry=1M mode=long"), 3);
	assert_string_equal(err, "mode= needs kind=flat (other guests start as their boot protocol says); "
			    "load= needs kind=flat (other images say where they load); "
			    "entry= needs kind=flat (other images name their entry)");
}

static void test_cmdline_quoting(void **state)
{
	(void)state;
	/* As written by hand: the quote right after '='. */
	good("vm=a cmdline=\"console=ttyS0 debug\" mem=32M");
	assert_string_equal(o.cmdline, "console=ttyS0 debug");
	assert_int_equal(o.mem, 32ull << 20);

	/* As GRUB writes a word that holds a space: quotes around the word. */
	good("/g.elf vm=a \"cmdline=console=ttyS0 debug\" mem=32M");
	assert_string_equal(o.cmdline, "console=ttyS0 debug");

	/* GRUB before 2.12 also escapes \ ' and " inside. */
	good("vm=a \"cmdline=root=/dev/sda x=\\\"a b\\\" it\\'s c:\\\\d\"");
	assert_string_equal(o.cmdline, "root=/dev/sda x=\"a b\" it's c:\\d");

	/* Other backslashes stay. */
	good("vm=a cmdline=a\\nb\\");
	assert_string_equal(o.cmdline, "a\\nb\\");

	/* Quotes anywhere open and close a quoted run. */
	good("vm=a cmdline=a\" \"b\"\"c");
	assert_string_equal(o.cmdline, "a bc");
	good("v\"m=\"a");
	assert_string_equal(o.name, "a");
	good("vm=a cmdline=\"\"");
	assert_string_equal(o.cmdline, "");
	good("vm=a cmdline=");
	assert_string_equal(o.cmdline, "");
	good("vm=a cmdline=x=y=z");
	assert_string_equal(o.cmdline, "x=y=z");

	/* An unterminated quote runs to the end of the line. */
	good("vm=a cmdline=\"quiet mem=1M");
	assert_string_equal(o.cmdline, "quiet mem=1M");
	assert_int_equal(o.mem, 16ull << 20);

	/* Tabs and newlines inside quotes are kept. */
	good("vm=a cmdline=\"a\tb\nc\"");
	assert_string_equal(o.cmdline, "a\tb\nc");

	/* Empty words ("") are skipped. */
	good("\"\" vm=a \"\"");
}

/* Module command lines exactly as GRUB 2.06 (Debian 12) handed them over
 * for these grub.cfg lines, read back from a boot under QEMU:
 *   module2 /guests/x.bin for=a cmdline="console=ttyS0 debug"
 *   module2 /guests/x.bin for=a 'cmdline="a b"'
 *   module2 /guests/x.bin for=a 'cmdline=x="y z" q\w'
 *   module2 /guests/x.bin for=a cmdline=plain
 *   module2 /guests/x.bin for=a "cmdline=it's"  */
static void test_grub_2_06(void **state)
{
	static const struct { const char *line, *cmdline; } cases[] = {
		{ "for=a \"cmdline=console=ttyS0 debug\"", "console=ttyS0 debug" },
		{ "for=a \"cmdline=\\\"a b\\\"\"", "\"a b\"" },
		{ "for=a \"cmdline=x=\\\"y z\\\" q\\\\w\"", "x=\"y z\" q\\w" },
		{ "for=a cmdline=plain", "plain" },
		{ "for=a cmdline=it\\'s", "it's" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		good(cases[i].line);
		assert_true(o.is_extra_module);
		assert_string_equal(o.for_vm, "a");
		assert_string_equal(o.cmdline, cases[i].cmdline);
	}
	/* The line of iso/grub.cfg. */
	good("vm=selftest kind=flat load=0x100000 mode=prot32 mem=16M");
	assert_int_equal(o.kind, VM_KIND_FLAT);
	assert_int_equal(o.mode, VM_MODE_PROT32);
	assert_int_equal(o.load, 0x100000);
	assert_int_equal(o.entry, 0x100000);
}

static void test_cmdline_limits(void **state)
{
	static char line[1200], v[600];

	(void)state;
	memset(v, 'c', 255);
	v[255] = '\0';
	snprintf(line, sizeof(line), "vm=a cmdline=\"%s\"", v);
	good(line);
	assert_int_equal(strlen(o.cmdline), 255);
	assert_string_equal(o.cmdline, v);

	for (size_t n = 256; n < sizeof(v); n += 37) {
		memset(v, 'c', n);
		v[n] = '\0';
		snprintf(line, sizeof(line), "vm=a cmdline=\"%s\" mem=2M", v);
		bad(line, "value for cmdline= longer than 255 characters");
		assert_int_equal(o.mem, 2ull << 20);	/* the next word is still read */
	}
	/* Escapes count once. */
	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < 255; i++)
		memcpy(v + 2 * i, "\\\"", 2);
	snprintf(line, sizeof(line), "vm=a \"cmdline=%s\"", v);
	good(line);
	assert_int_equal(strlen(o.cmdline), 255);
	assert_int_equal(o.cmdline[0], '"');

	/* Long values of other keys are reported, quoted with an ellipsis. */
	memset(v, 'n', 300);
	v[300] = '\0';
	snprintf(line, sizeof(line), "vm=%s", v);
	bad(line, "value for vm= longer than 255 characters");
	memset(v, 'n', 40);
	v[40] = '\0';
	snprintf(line, sizeof(line), "vm=%s", v);
	bad(line, "bad value \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\" for vm= "
		  "(want a name of 1-15 letters, digits, _ or -)");
}

static void test_extra_module(void **state)
{
	(void)state;
	good("/guests/initrd.img for=linux");
	assert_true(o.is_extra_module);
	assert_string_equal(o.for_vm, "linux");
	assert_string_equal(o.name, "");
	assert_string_equal(o.cmdline, "");

	good("for=linux \"cmdline=initrd root=/dev/ram0\"");
	assert_true(o.is_extra_module);
	assert_string_equal(o.cmdline, "initrd root=/dev/ram0");

	bad("for=linux mem=1M", "mem= does not apply to a for= module line");
	bad("for=linux kind=flat", "kind= does not apply to a for= module line");
	assert_int_equal(parse("for=x cpus=1 load=0 entry=0 mode=real"), 4);
	assert_string_equal(err, "cpus= does not apply to a for= module line; "
			    "mode= does not apply to a for= module line; "
			    "load= does not apply to a for= module line; "
			    "entry= does not apply to a for= module line");
	bad("vm=a for=b", "vm= and for= on one line (a line is a VM or a module for one)");
	bad("for=b vm=a", "vm= and for= on one line (a line is a VM or a module for one)");
	bad("for=a.b", "bad value \"a.b\" for for= (want a VM name of 1-15 letters, digits, _ or -)");
	bad("for=", "bad value \"\" for for= (want a VM name of 1-15 letters, digits, _ or -)");
	assert_false(o.is_extra_module == false && o.for_vm[0] != '\0');
}

static void test_missing_vm(void **state)
{
	(void)state;
	bad("", "missing vm=NAME (or for=NAME for a module of another VM)");
	bad("   ", "missing vm=NAME (or for=NAME for a module of another VM)");
	bad("/guests/x.elf", "missing vm=NAME (or for=NAME for a module of another VM)");
	bad("mem=32M cpus=1", "missing vm=NAME (or for=NAME for a module of another VM)");
	assert_int_equal(o.mem, 32ull << 20);

	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(vmopts_parse(NULL, &o, err, sizeof(err)), 1);
	assert_string_equal(err, "missing vm=NAME (or for=NAME for a module of another VM)");
	assert_int_equal(o.mem, 16ull << 20);
}

static void test_unknown_and_empty(void **state)
{
	(void)state;
	bad("vm=a foo=1", "unknown option \"foo\"");
	bad("vm=a name=b", "unknown option \"name\"");
	bad("vm=a VM=b", "unknown option \"VM\"");
	bad("vm=a -v", "unknown option \"-v\"");
	bad("vm=a module=initrd", "unknown option \"module\"");
	bad("vm=a =x", "empty option name in \"=x\"");
	bad("vm=a =", "empty option name in \"=\"");
	bad("vm=a mem", "missing value for mem= (want a size 1M-64G in whole 4K pages, e.g. 64M)");
	bad("vm=a cmdline", "missing value for cmdline= (want up to 255 characters)");
	bad("vm=a abcdefghijklmnopqrstuvwxyzABCDEFGHIJ=1",
	    "unknown option \"abcdefghijklmnopqrstuvwxyzABCDEF...\"");
}

static void test_duplicates(void **state)
{
	(void)state;
	bad("vm=a vm=b", "vm= given twice");
	assert_string_equal(o.name, "a");	/* the first stays */
	bad("vm=a mem=1M mem=2M", "mem= given twice");
	assert_int_equal(o.mem, 1ull << 20);
	bad("vm=a cpus=1 cpus=2", "cpus= given twice");
	bad("vm=a kind=mb1 kind=mb1", "kind= given twice");
	bad("vm=a cmdline=x cmdline=y", "cmdline= given twice");
	bad("for=a for=a", "for= given twice");
	/* A bad first value still counts as given. */
	assert_int_equal(parse("vm=a mem=x mem=2M"), 2);
	assert_string_equal(err, "bad value \"x\" for mem= (want a size 1M-64G in whole 4K pages, e.g. 64M); "
			    "mem= given twice");
}

static void test_collected(void **state)
{
	char small[24];
	int n;

	(void)state;
	n = parse("foo vm=a.b mem=0 cpus=x");
	assert_int_equal(n, 4);	/* vm= was given, so no "missing vm=" */
	assert_string_equal(err,
		"unknown option \"foo\"; "
		"bad value \"a.b\" for vm= (want a name of 1-15 letters, digits, _ or -); "
		"bad value \"0\" for mem= (want a size 1M-64G in whole 4K pages, e.g. 64M); "
		"bad value \"x\" for cpus= (want core numbers 0-255 as N, N-M, N,M,..., each once)");
	assert_int_equal(parse("mem=0 kind=flat"), 2);
	assert_string_equal(err,
		"bad value \"0\" for mem= (want a size 1M-64G in whole 4K pages, e.g. 64M); "
		"missing vm=NAME (or for=NAME for a module of another VM)");

	/* Truncated to the buffer, always terminated. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(vmopts_parse("foo vm=a bar", &o, small, sizeof(small)), 2);
	assert_string_equal(small, "unknown option \"foo\"; u");
	memset(small, 'x', sizeof(small));
	assert_int_equal(vmopts_parse("foo", &o, small, 1), 2);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'x');
	assert_int_equal(vmopts_parse("foo", &o, small, 0), 2);
	assert_int_equal(small[0], '\0');
	assert_int_equal(vmopts_parse("foo", &o, NULL, 100), 2);
	assert_int_equal(vmopts_parse("vm=a", &o, NULL, 0), 0);
}

static void test_everything(void **state)
{
	(void)state;
	good("/boot/guests/linux.elf vm=linux-1 mem=0x40000000 cpus=2-3,5 kind=mb2 "
	     "\"cmdline=console=ttyS0 earlyprintk=serial\"");
	assert_string_equal(o.name, "linux-1");
	assert_int_equal(o.mem, 1ull << 30);
	assert_int_equal(o.nr_cpus, 3);
	assert_true(vm_opts_has_cpu(&o, 2) && vm_opts_has_cpu(&o, 3) && vm_opts_has_cpu(&o, 5));
	assert_int_equal(o.kind, VM_KIND_MB2);
	assert_int_equal(o.mode, VM_MODE_PROT32);
	assert_string_equal(o.cmdline, "console=ttyS0 earlyprintk=serial");
	assert_false(o.is_extra_module);
}

/* Random lines: no crash, counts agree with the text, results in range. */
static void test_junk(void **state)
{
	static const char alphabet[] = "vm=for=mem=cpus=kind=flat mode=real load=entry=cmdline=\"\\'"
				       " \t,-0123456789xKMG/(";
	static char line[2049];

	(void)state;
	srand(4242);
	for (int round = 0; round < 400; round++) {
		size_t len = (size_t)(rand() % (int)(sizeof(line) - 1));
		int n;

		for (size_t i = 0; i < len; i++)
			line[i] = round % 3 ? alphabet[rand() % (int)(sizeof(alphabet) - 1)]
					    : (char)(1 + rand() % 255);
		line[len] = '\0';
		n = parse(line);
		assert_true(n >= 0);
		assert_true(strlen(err) < sizeof(err));
		assert_int_equal(n == 0, err[0] == '\0');
		if (n == 0) {
			assert_true(o.mem >= VM_MEM_MIN && o.mem <= VM_MEM_MAX && o.mem % 4096 == 0);
			assert_int_equal(o.nr_cpus, popcount(o.cpus));
			assert_true(strlen(o.cmdline) <= VM_CMDLINE_MAX);
			assert_true(o.is_extra_module ? o.for_vm[0] && !o.name[0]
						      : o.name[0] && !o.for_vm[0]);
		}
	}
}

static void test_on_crash(void **state)
{
	(void)state;
	good("vm=a");
	assert_int_equal(o.on_crash, VM_ON_CRASH_STOP);
	good("vm=a on_crash=reset");
	assert_int_equal(o.on_crash, VM_ON_CRASH_RESET);
	good("vm=a on_crash=stop");
	assert_int_equal(o.on_crash, VM_ON_CRASH_STOP);
	bad("vm=a on_crash=reboot", "bad value \"reboot\" for on_crash= (want stop|reset)");
	bad("for=linux on_crash=reset", "on_crash= does not apply to a for= module line");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_crash),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_path_first_word),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_cmdline_quoting),
		cmocka_unit_test(test_grub_2_06),
		cmocka_unit_test(test_cmdline_limits),
		cmocka_unit_test(test_extra_module),
		cmocka_unit_test(test_missing_vm),
		cmocka_unit_test(test_unknown_and_empty),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_collected),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
