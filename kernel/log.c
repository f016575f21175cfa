/* SPDX-License-Identifier: BSD-2-Clause */
/* The log: per-CPU record rings, the drain that merges them with the VMs'
 * output rings, the history, and a serial transmitter that never waits.
 * Design and guarantees: kernel/log.h. */
#include <stdarg.h>
#include "kernel/log.h"
#include "drivers/tsc.h"
#include "drivers/uart.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/x86.h"

#define DEBUGCON_PORT  0xe9	/* QEMU -debugcon and Bochs port_e9_hack */
#define LINE_MAX       256
#define CPU_RING_SIZE  4096	/* a register dump and then some; a power of two */
#define MAX_SOURCES    32
#define LOG_TURN       4	/* log lines in a row while sources wait */
#define SOURCE_TURN    2	/* lines of one source before the next one's turn */
#define DRAIN_LINES    64	/* lines staged per log_drain at most */
#define PARTIAL_US     1000000	/* a source's unfinished line, quiet this long, is shown */
#define FLUSH_WAIT_US  1000000	/* an AP's log_flush waits this long for the drain */

_Static_assert((CPU_RING_SIZE & (CPU_RING_SIZE - 1)) == 0, "CPU_RING_SIZE: a power of two");

/* One CPU's lines on their way to the drain: records of a header and the
 * text. Written only by that CPU (busy guards against an NMI on the same
 * CPU, whose line is dropped), read only by the drain. */
struct rec {
	uint64_t seq;			/* global order of writing */
	struct log_source *after;	/* not before this source's ring reaches after_pos */
	uint64_t after_pos;
	uint16_t len;
};

struct cpu_log {
	uint64_t head, tail;	/* bytes ever written / drained */
	int busy;
	uint64_t lost, lost_told;	/* lines dropped: ring full, or written from an NMI inside log_write */
	char buf[CPU_RING_SIZE];
};

static struct cpu_log cpu_logs[MAX_CPUS];
static uint32_t cpus_logging = 1;	/* highest CPU index that logged, plus one */
static uint64_t next_seq;
static enum log_level max_level = LOG_INFO;
static const char level_letter[] = { 'E', 'W', 'I', 'D' };

/* The drain's state: the console's CPU only. */
static struct log_source *sources[MAX_SOURCES];
static unsigned nr_sources;
static bool async, draining;
static unsigned turn, turn_used;	/* 0: the CPU logs; 1..: sources[turn - 1] */
static char stage[LINE_MAX + LOG_SOURCE_LINE];	/* the line in flight to the UART */
static size_t stage_len, stage_off;

static uint16_t serial;
static bool debugcon, console_on;
static void (*prompt_hook)(bool after);

static char history[LOG_RING_SIZE];
static uint64_t history_head;	/* bytes ever written */

static void copy_in(struct cpu_log *c, uint64_t at, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		c->buf[(at + i) % CPU_RING_SIZE] = ((const char *)p)[i];
}

static void copy_out(const struct cpu_log *c, uint64_t at, void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((char *)p)[i] = c->buf[(at + i) % CPU_RING_SIZE];
}

static void drain_now_if_boot(void)
{
	if (!async && cpu_id() == 0)
		log_flush();
}

static void vlog(struct log_source *after, enum log_level lvl, bool always, const char *fmt,
		 va_list ap)
{
	char line[LINE_MAX];
	uint64_t us = time_us();
	uint32_t id = cpu_id() % MAX_CPUS;
	struct cpu_log *c = &cpu_logs[id];
	struct rec r = { 0 };
	int n, m;

	if (lvl > max_level && !always)
		return;
	/* Formatting first, outside the ring: a bad argument faults here,
	 * and the fault's own report finds the ring free. */
	n = fmt_snprintf(line, sizeof(line), "[%5lu.%06lu] cpu%u %c: ",
			 (unsigned long)(us / 1000000), (unsigned long)(us % 1000000), id,
			 level_letter[lvl]);
	m = fmt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	r.len = (uint16_t)MIN(n + m, (int)sizeof(line) - 1);
	r.after = after;
	if (after)
		r.after_pos = __atomic_load_n(&after->ring->head, __ATOMIC_ACQUIRE);

	if (__atomic_exchange_n(&c->busy, 1, __ATOMIC_ACQUIRE)) {
		c->lost++;	/* an NMI inside this CPU's own log_write */
		return;
	}
	if (CPU_RING_SIZE - (c->head - __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE)) <
	    sizeof(r) + r.len) {
		c->lost++;
	} else {
		r.seq = __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
		copy_in(c, c->head, &r, sizeof(r));
		copy_in(c, c->head + sizeof(r), line, r.len);
		__atomic_store_n(&c->head, c->head + sizeof(r) + r.len, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&c->busy, 0, __ATOMIC_RELEASE);
	for (uint32_t seen = cpus_logging; seen <= id;)	/* the drain's scan covers us */
		__atomic_compare_exchange_n(&cpus_logging, &seen, id + 1, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	drain_now_if_boot();
}

void log_write(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, lvl, false, fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, LOG_INFO, true, fmt, ap);
	va_end(ap);
}

void log_write_after(struct log_source *src, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(src && src->ring ? src : NULL, lvl, false, fmt, ap);
	va_end(ap);
}

void log_reclaim_this_cpu(void)
{
	__atomic_store_n(&cpu_logs[cpu_id() % MAX_CPUS].busy, 0, __ATOMIC_RELEASE);
	if (cpu_id() == 0) {
		draining = false;	/* the drain this fault cut short never resumes */
		stage_len = stage_off = 0;
	}
}

/* --- the drain: the console's CPU only ------------------------------------ */

static void history_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		history[history_head++ % LOG_RING_SIZE] = s[i];
}

static void serial_write_all(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(serial, '\r');
		uart_putc(serial, s[i]);
	}
}

/* Pushes the staged line into the UART; with wait, until it is all out.
 * True when nothing is left in flight. */
static bool pump(bool wait)
{
	while (stage_off < stage_len) {
		size_t n = 0;

		if (wait) {
			uart_putc(serial, stage[stage_off]);	/* bounded: a wedged UART gives up */
			n = 1;
		} else if (!(n = uart_write_some(serial, stage + stage_off, stage_len - stage_off))) {
			return false;
		}
		stage_off += n;
	}
	if (stage_len && prompt_hook)
		prompt_hook(true);
	stage_len = stage_off = 0;
	return true;
}

/* Puts one line (prefix and text, no newline) in flight: history, debugcon
 * and the staging buffer the pump empties into the UART. */
static void stage_line(const char *prefix, size_t plen, const char *text, size_t n)
{
	history_write(prefix, plen);
	history_write(text, n);
	history_write("\n", 1);
	if (debugcon) {
		for (size_t i = 0; i < plen; i++)
			outb(DEBUGCON_PORT, (uint8_t)prefix[i]);
		for (size_t i = 0; i < n; i++)
			outb(DEBUGCON_PORT, (uint8_t)text[i]);
		outb(DEBUGCON_PORT, '\n');
	}
	if (!console_on || !serial)
		return;
	if (prompt_hook)
		prompt_hook(false);
	memcpy(stage, prefix, plen);
	memcpy(stage + plen, text, n);
	stage_len = plen + n;
	stage[stage_len++] = '\r';
	stage[stage_len++] = '\n';
	stage_off = 0;
}

/* A source's line, control characters shown as '.' (a guest cannot send
 * escape sequences to our terminal). */
static void stage_source(struct log_source *s)
{
	char prefix[40];
	int plen = fmt_snprintf(prefix, sizeof(prefix), "[%s] ", s->name);

	for (uint32_t i = 0; i < s->len; i++)
		if ((unsigned char)s->line[i] < 0x20 || (unsigned char)s->line[i] >= 0x7f)
			s->line[i] = '.';
	stage_line(prefix, (size_t)MIN(plen, (int)sizeof(prefix) - 1), s->line, s->len);
	s->len = 0;
}

/* The next line of source s, if one is complete (or waited long enough). */
static bool source_next(struct log_source *s)
{
	uint64_t dropped = __atomic_load_n(&s->ring->dropped, __ATOMIC_RELAXED);

	if (dropped != s->lost_told) {
		char msg[80];
		int n = fmt_snprintf(msg, sizeof(msg), "... %lu bytes of output lost (ring full)",
				     dropped - s->lost_told);
		char prefix[40];
		int plen = fmt_snprintf(prefix, sizeof(prefix), "[%s] ", s->name);

		s->lost_told = dropped;
		stage_line(prefix, (size_t)MIN(plen, (int)sizeof(prefix) - 1), msg,
			   (size_t)MIN(n, (int)sizeof(msg) - 1));
		return true;
	}
	for (;;) {
		size_t got = outring_read_line(s->ring, s->line + s->len, sizeof(s->line) - s->len);
		uint64_t now;

		if (got) {
			s->partial_last = time_us();
			s->len += (uint32_t)got;
			if (s->line[s->len - 1] == '\n') {
				s->len--;
				if (s->len && s->line[s->len - 1] == '\r')
					s->len--;
				stage_source(s);
				return true;
			}
			if (s->len == sizeof(s->line)) {
				stage_source(s);	/* a long line: split */
				return true;
			}
			continue;
		}
		now = time_us();
		if (s->len && now - s->partial_last > PARTIAL_US) {
			stage_source(s);	/* a prompt, or the last words of a stopped VM */
			return true;
		}
		return false;
	}
}

static bool attached(const struct log_source *s)
{
	for (unsigned i = 0; i < nr_sources; i++)
		if (sources[i] == s)
			return true;
	return false;
}

/* The oldest record whose source dependency holds, staged; false if none. */
static bool record_next(void)
{
	struct cpu_log *best = NULL;
	struct rec best_rec = { 0 };
	char text[LINE_MAX];

	for (uint32_t i = 0; i < __atomic_load_n(&cpus_logging, __ATOMIC_RELAXED); i++) {
		struct cpu_log *c = &cpu_logs[i];
		struct rec r;

		if (c->lost != c->lost_told) {
			uint64_t n = c->lost - c->lost_told;
			int len = fmt_snprintf(text, sizeof(text), "cpu%u: %lu log lines lost", i, n);

			c->lost_told += n;
			stage_line("", 0, text, (size_t)MIN(len, (int)sizeof(text) - 1));
			return true;
		}
		if (__atomic_load_n(&c->head, __ATOMIC_ACQUIRE) == c->tail)
			continue;
		copy_out(c, c->tail, &r, sizeof(r));
		if (best && r.seq > best_rec.seq)
			continue;
		if (r.after && attached(r.after) &&
		    __atomic_load_n(&r.after->ring->tail, __ATOMIC_ACQUIRE) < r.after_pos) {
			source_next(r.after);	/* the source's older lines first */
			if (stage_len)
				return true;
			continue;
		}
		best = c;
		best_rec = r;
	}
	if (!best)
		return false;
	if (best_rec.after && best_rec.after->len && attached(best_rec.after)) {
		stage_source(best_rec.after);	/* its partial line belongs before */
		return true;
	}
	copy_out(best, best->tail + sizeof(best_rec), text, best_rec.len);
	__atomic_store_n(&best->tail, best->tail + sizeof(best_rec) + best_rec.len, __ATOMIC_RELEASE);
	stage_line("", 0, text, best_rec.len);
	return true;
}

/* The next line by turns: the CPUs' log lines (up to LOG_TURN), then each
 * source (up to SOURCE_TURN), round and round, so that one VM printing
 * without pause delays another's lines by a few lines at most. */
static bool stage_next(void)
{
	for (unsigned tries = 0; tries <= nr_sources + 1; tries++) {
		unsigned quota = turn ? SOURCE_TURN : LOG_TURN;

		if (turn_used < quota && (turn ? source_next(sources[turn - 1]) : record_next())) {
			turn_used++;
			return true;
		}
		turn = (turn + 1) % (nr_sources + 1);
		turn_used = 0;
	}
	return false;
}

void log_drain(void)
{
	if (draining)
		return;
	draining = true;
	for (unsigned n = 0; n < DRAIN_LINES; n++)
		if (!(serial && console_on ? pump(false) : true) || !stage_next())
			break;
	if (serial && console_on)
		pump(false);
	draining = false;
}

void log_flush(void)
{
	if (cpu_id() != 0) {	/* the console's CPU drains ours: wait for it, bounded */
		const struct cpu_log *c = &cpu_logs[cpu_id() % MAX_CPUS];

		for (uint64_t t0 = time_us(); time_us() - t0 < FLUSH_WAIT_US;)
			if (__atomic_load_n(&c->tail, __ATOMIC_ACQUIRE) == c->head)
				break;
		return;
	}
	if (draining)
		return;
	draining = true;
	do {
		if (serial && console_on)
			pump(true);
		stage_len = stage_off = 0;
	} while (stage_next());
	draining = false;
}

void log_console_write(const char *s, size_t n)
{
	if (!console_on || !serial)
		return;
	if (!draining) {
		draining = true;	/* the line in flight first, all of it */
		pump(true);
		draining = false;
	}
	serial_write_all(s, n);
}

bool log_attach(struct log_source *src, struct outring *ring, const char *name)
{
	if (nr_sources == MAX_SOURCES)
		return false;
	src->ring = ring;
	src->name = name;
	src->len = 0;
	src->lost_told = __atomic_load_n(&ring->dropped, __ATOMIC_RELAXED);
	__atomic_store_n(&sources[nr_sources], src, __ATOMIC_RELEASE);
	__atomic_store_n(&nr_sources, nr_sources + 1, __ATOMIC_RELEASE);
	return true;
}

void log_go_async(void)
{
	log_flush();
	async = true;
}

void log_set_prompt_hook(void (*hook)(bool after))
{
	prompt_hook = hook;
}

void log_set_level(enum log_level lvl)
{
	max_level = lvl;
}

void log_start_console(uint16_t serial_port, bool use_debugcon)
{
	uint64_t start = history_head > LOG_RING_SIZE ? history_head - LOG_RING_SIZE : 0;

	serial = serial_port;
	debugcon = use_debugcon;
	for (uint64_t i = start; i < history_head; i++) {	/* what came before */
		char c = history[i % LOG_RING_SIZE];

		if (serial)
			serial_write_all(&c, 1);
		if (debugcon)
			outb(DEBUGCON_PORT, (uint8_t)c);
	}
	console_on = true;
}

size_t log_ring_read(char *buf, size_t size)
{
	uint64_t n, start;

	if (!size)
		return 0;
	n = MIN(history_head, MIN((uint64_t)LOG_RING_SIZE, (uint64_t)size - 1));
	start = history_head - n;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = history[(start + i) % LOG_RING_SIZE];
	buf[n] = 0;
	return n;
}
