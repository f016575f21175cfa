/* SPDX-License-Identifier: BSD-2-Clause */
/* The hypervisor's own command line (docs/boot-options.md): every key=value
 * the multiboot2 line may carry, parsed into struct hv_options with the
 * tokenizer of kernel/lib/cmdline.c. Pure: built into the kernel, the host
 * unit test and a fuzzer. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/options.h"
#include "kernel/lib/cmdline.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"

#define WARN_MSG_MAX	160	/* one warning line */
#define WARN_SPAN_MAX	32	/* longest key or value quoted in a warning */

static bool set_loglevel(struct hv_options *o, const char *v, size_t n)
{
	static const char *const names[] = {
		[LOG_ERROR] = "error", [LOG_WARN] = "warn",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	int i = cmdline_match(v, n, names, ARRAY_SIZE(names));
	uint64_t num;

	if (i >= 0) {
		o->loglevel = (enum log_level)i;
		return true;
	}
	if (cmdline_parse_u64(v, n, false, &num) && num <= LOG_DEBUG) {
		o->loglevel = (enum log_level)num;
		return true;
	}
	return false;
}

static bool set_serial(struct hv_options *o, const char *v, size_t n)
{
	static const struct { const char *name; uint16_t port; } ports[] = {
		{ "com1", 0x3f8 }, { "com2", 0x2f8 },
		{ "com3", 0x3e8 }, { "com4", 0x2e8 },
		{ "off", 0 },
	};
	uint64_t num;

	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		if (cmdline_span_eq(v, n, ports[i].name)) {
			o->serial_port = ports[i].port;
			return true;
		}
	}
	if (cmdline_parse_u64(v, n, false, &num) && num >= 1 && num <= 0xffff) {
		o->serial_port = (uint16_t)num;
		return true;
	}
	return false;
}

/* The 16550 divisor is 115200 / baud, so only exact divisors work. */
static bool set_baud(struct hv_options *o, const char *v, size_t n)
{
	uint64_t num;

	if (!cmdline_parse_u64(v, n, false, &num) || num == 0 ||
	    num > 115200 || 115200 % num != 0)
		return false;
	o->baud = (uint32_t)num;
	return true;
}

static bool parse_bool(const char *v, size_t n, bool *out)
{
	if (cmdline_span_eq(v, n, "on") || cmdline_span_eq(v, n, "1") || cmdline_span_eq(v, n, "yes")) {
		*out = true;
		return true;
	}
	if (cmdline_span_eq(v, n, "off") || cmdline_span_eq(v, n, "0") || cmdline_span_eq(v, n, "no")) {
		*out = false;
		return true;
	}
	return false;
}

static bool set_debugcon(struct hv_options *o, const char *v, size_t n)
{
	return parse_bool(v, n, &o->debugcon);
}

static bool set_testexit(struct hv_options *o, const char *v, size_t n)
{
	return parse_bool(v, n, &o->testexit);
}

static const char *const crash_names[] = {
	[CRASH_NONE] = "none", [CRASH_DE] = "de", [CRASH_BP] = "bp",
	[CRASH_UD] = "ud", [CRASH_GP] = "gp", [CRASH_PF] = "pf",
	[CRASH_PF_WRITE_TEXT] = "pf-write",
	[CRASH_PF_EXEC_DATA] = "pf-exec",
	[CRASH_NMI] = "nmi", [CRASH_DF] = "df",
};

const char *crash_kind_name(enum crash_kind k)
{
	return (unsigned)k < ARRAY_SIZE(crash_names) ? crash_names[k] : "?";
}

static bool set_crash(struct hv_options *o, const char *v, size_t n)
{
	int i = cmdline_match(v, n, crash_names, ARRAY_SIZE(crash_names));

	if (i >= 0)
		o->crash = (enum crash_kind)i;
	return i >= 0;
}

static bool set_crash_cpu(struct hv_options *o, const char *v, size_t n)
{
	uint64_t num;

	if (!cmdline_parse_u64(v, n, false, &num) || num > 0xffff)
		return false;
	o->crash_cpu = (uint32_t)num;
	return true;
}

static bool set_timebase(struct hv_options *o, const char *v, size_t n)
{
	static const char *const names[] = {
		[TIMEBASE_AUTO] = "auto", [TIMEBASE_PIT] = "pit",
		[TIMEBASE_PMTIMER] = "pmtimer", [TIMEBASE_HPET] = "hpet",
	};

	int i = cmdline_match(v, n, names, ARRAY_SIZE(names));

	if (i >= 0)
		o->timebase = (enum timebase)i;
	return i >= 0;
}

/* A two-way choice: *out = the value named second (`if_second`). */
static bool set_pair(const char *v, size_t n, const char *first, const char *if_second, bool *out)
{
	const char *const names[] = { first, if_second };
	int i = cmdline_match(v, n, names, ARRAY_SIZE(names));

	if (i >= 0)
		*out = i == 1;
	return i >= 0;
}

static bool set_monitor(struct hv_options *o, const char *v, size_t n)
{
	return set_pair(v, n, "shared", "dedicated", &o->monitor_dedicated);
}

static bool set_smt(struct hv_options *o, const char *v, size_t n)
{
	return set_pair(v, n, "isolate", "shared", &o->smt_shared);
}

static bool set_failalloc(struct hv_options *o, const char *v, size_t n)
{
	uint64_t num;

	if (!cmdline_parse_u64(v, n, false, &num) || num > 0xffffffffu)
		return false;
	o->failalloc = (uint32_t)num;
	return true;
}

struct hv_option {
	const char *name;
	const char *want;	/* accepted values, quoted in warnings */
	bool (*set)(struct hv_options *o, const char *v, size_t n);
};

static const struct hv_option hv_option_table[] = {
	{ "loglevel", "error|warn|info|debug|0-3", set_loglevel },
	{ "serial", "com1|com2|com3|com4|off|port 1-0xffff", set_serial },
	{ "baud", "a divisor of 115200", set_baud },
	{ "debugcon", "on|off", set_debugcon },
	{ "testexit", "on|off", set_testexit },
	{ "crashcpu", "a CPU number 0-65535", set_crash_cpu },
	{ "timebase", "auto|pit|pmtimer|hpet", set_timebase },
	{ "monitor", "shared|dedicated", set_monitor },
	{ "smt", "isolate|shared", set_smt },
	{ "crash", "de|bp|ud|gp|pf|pf-write|pf-exec|nmi|df|none", set_crash },
	{ "failalloc", "a count 0-4294967295", set_failalloc },
};

void hv_options_default(struct hv_options *o)
{
	o->loglevel = LOG_INFO;
	o->serial_port = 0x3f8;
	o->baud = 115200;
	o->debugcon = false;
	o->testexit = false;
	o->crash = CRASH_NONE;
	o->crash_cpu = 0;
	o->timebase = TIMEBASE_AUTO;
	o->monitor_dedicated = false;
	o->smt_shared = false;
	o->failalloc = 0;
}

/* Length and ellipsis for quoting a user span of n bytes in a warning. */
static int quote_len(size_t n)
{
	return n > WARN_SPAN_MAX ? WARN_SPAN_MAX : (int)n;
}

static const char *quote_more(size_t n)
{
	return n > WARN_SPAN_MAX ? "..." : "";
}

static const struct hv_option *hv_option_find(const char *key, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(hv_option_table); i++)
		if (cmdline_span_eq(key, n, hv_option_table[i].name))
			return &hv_option_table[i];
	return NULL;
}

int hv_options_parse(struct hv_options *o, const char *line,
		     cmdline_warn_fn warn, void *ctx)
{
	struct cmdline_token t;
	const char *pos = line;
	bool first = true;
	int warnings = 0;

	if (!line)
		return 0;
	while (cmdline_next(&pos, &t)) {
		const struct hv_option *opt;
		char msg[WARN_MSG_MAX];

		/* GRUB passes the kernel path as the first word. */
		if (first && !t.val && t.key[0] == '/') {
			first = false;
			continue;
		}
		first = false;
		opt = hv_option_find(t.key, t.key_len);
		if (t.key_len == 0) {
			fmt_snprintf(msg, sizeof(msg), "empty option name in \"=%.*s%s\"",
				     quote_len(t.val_len), t.val, quote_more(t.val_len));
		} else if (!opt) {
			fmt_snprintf(msg, sizeof(msg), "unknown option \"%.*s%s\"",
				     quote_len(t.key_len), t.key, quote_more(t.key_len));
		} else if (!t.val) {
			fmt_snprintf(msg, sizeof(msg), "missing value for %s= (want %s)",
				     opt->name, opt->want);
		} else if (!opt->set(o, t.val, t.val_len)) {
			fmt_snprintf(msg, sizeof(msg), "bad value \"%.*s%s\" for %s= (want %s)",
				     quote_len(t.val_len), t.val, quote_more(t.val_len),
				     opt->name, opt->want);
		} else {
			continue;
		}
		warnings++;
		if (warn)
			warn(msg, ctx);
	}
	return warnings;
}
