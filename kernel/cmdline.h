/* Hypervisor command line: space-separated key=value options. Pure:
 * host-tested and fuzzed. The syntax is documented in docs/boot-options.md. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One key=value (or a bare key) from a command line. Spans point into the
 * input; they are not NUL-terminated. A value may be "double quoted" to hold
 * spaces; the quotes are not part of the span. */
struct cmdline_token {
	const char *key;
	size_t key_len;
	const char *val;	/* NULL for a bare key */
	size_t val_len;
};

/* Returns false at the end of the line. *pos starts at the line's start and
 * advances. An unterminated quote ends the value at the end of the line. */
bool cmdline_next(const char **pos, struct cmdline_token *tok);

/* Strict number parsing: decimal, or hex with 0x; an optional K/M/G suffix
 * (binary multiples) when allow_suffix. Returns false on junk, an empty
 * string or overflow. */
bool cmdline_parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out);

/* Is the span exactly the NUL-terminated word? */
bool cmdline_span_eq(const char *s, size_t len, const char *word);

/* The index of the span in names[0..nr), or -1. Names may be NULL (holes). */
int cmdline_match(const char *s, size_t len, const char *const *names, size_t nr);

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Exceptions the crash= debug option can raise on purpose. */
enum crash_kind {
	CRASH_NONE,
	CRASH_DE,	/* divide by zero */
	CRASH_BP,	/* int3 */
	CRASH_UD,	/* ud2 */
	CRASH_GP,	/* non-canonical access */
	CRASH_PF,	/* read of page 0 */
	CRASH_PF_WRITE_TEXT,	/* write to read-only hypervisor text */
	CRASH_PF_EXEC_DATA,	/* jump into non-executable data */
	CRASH_NMI,	/* int $2 (runs the NMI handler on its IST stack) */
	CRASH_DF,	/* #PF with an unusable stack: a real double fault */
};

/* The crash= value that selects k ("ud", "pf-write", ...). */
const char *crash_kind_name(enum crash_kind k);

/* Reference clock for the TSC calibration. */
enum timebase { TIMEBASE_AUTO, TIMEBASE_PIT, TIMEBASE_PMTIMER, TIMEBASE_HPET };

struct hv_options {
	enum log_level loglevel;	/* loglevel=error|warn|info|debug|0..3, default info */
	uint16_t serial_port;		/* serial=com1..com4|0xNNNN|off, default com1 (0x3f8); 0 = off */
	uint32_t baud;			/* baud=N, default 115200; must divide 115200 evenly */
	bool debugcon;			/* debugcon=on|off, default off: mirror the log to port 0xe9 */
	bool testexit;			/* testexit=on|off, default off: end QEMU/Bochs when done */
	enum crash_kind crash;		/* crash=de|bp|ud|gp|pf|pf-write|pf-exec|nmi|df|none */
	enum timebase timebase;		/* timebase=auto|pit|pmtimer|hpet, default auto */
	uint32_t crash_cpu;		/* crashcpu=N, default 0: which CPU raises crash= */
	bool monitor_dedicated;		/* monitor=shared|dedicated, default shared: may the
					 * console's core (the boot CPU) run guests too? */
};

/* Called for each problem: the option is ignored and its default stays.
 * msg names the key and what was wrong with it. */
typedef void (*cmdline_warn_fn)(const char *msg, void *ctx);

void hv_options_default(struct hv_options *o);

/* Parses every option of line into o; returns the number of warnings. */
int hv_options_parse(struct hv_options *o, const char *line,
		     cmdline_warn_fn warn, void *ctx);
