/* SPDX-License-Identifier: BSD-2-Clause */
/* The hypervisor log and the console's output. Every line carries a
 * timestamp (seconds.microseconds since the TSC was calibrated), the CPU
 * number and a level letter.
 *
 * Writers never wait: log_write appends the line to its CPU's own record
 * ring (a CPU is the only writer of its ring, so there is no lock to break)
 * and returns. One CPU, the console's (the boot CPU), drains every ring in
 * the order the lines were written (a global sequence number) together with
 * the output rings of the VMs (log_source: each VM's COM1), a fair share of
 * lines per source, into a 16 KiB history (the console's `log`) and out of
 * the serial port without ever waiting for it (the transmit FIFO takes what
 * it can; the rest goes next time). Until the console takes over
 * (log_go_async), the boot CPU drains at once after each of its lines. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/outring.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

#define LOG_RING_SIZE 16384	/* the history the console's log command shows */
#define LOG_SOURCE_LINE 128	/* a source's longest line; longer ones are split */

/* An output ring shown on the console line by line, each line prefixed
 * with "[name] " (a VM's COM1). The ring's owner writes it; the drainer
 * reads it. Control characters are shown as '.'. */
struct log_source {
	struct outring *ring;
	const char *name;
	char line[LOG_SOURCE_LINE];	/* the drainer's partial line */
	uint32_t len;
	uint64_t partial_last;		/* time_us() when its partial line last grew */
	uint64_t lost_told;		/* ring->dropped already reported */
};

void log_write(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

/* A line that must appear after everything src's ring holds now (and after
 * its partial line): "vm x: stopped" after the VM's last output. */
void log_write_after(struct log_source *src, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A line the console's user asked for (a step's report): an info line
 * written at every loglevel. */
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void log_set_level(enum log_level lvl);

/* Starts the console sinks (serial port, 0 = none; debug port 0xe9) and
 * writes out the history gathered so far. */
void log_start_console(uint16_t serial_port, bool debugcon);

/* Adds a source to the console's drain (at most 32; false when full). */
bool log_attach(struct log_source *src, struct outring *ring, const char *name);

/* From now on only log_drain (the console's turn) writes to the serial
 * port: log_write never drains, whichever CPU calls it. */
void log_go_async(void);

/* The console's turn: moves pending lines to the history and pushes what the
 * UART's FIFO takes. Call on the console's CPU only. */
void log_drain(void);

/* Everything pending, waiting for the UART as long as it takes: before the
 * run ends, and on fatal paths. On another CPU it waits (at most a second)
 * until the console's CPU has drained this CPU's lines. */
void log_flush(void);

/* Console output (the monitor's): waits for the line the drain has in
 * flight, then writes s in full; never in the middle of a log line. */
void log_console_write(const char *s, size_t n);

/* The serial console's hook: called before (false) and after (true) each
 * drained line goes to the serial port, so the console can lift its prompt
 * and input line out of the way and put them back. */
void log_set_prompt_hook(void (*hook)(bool after));

/* Copies the newest bytes of the history (at most size - 1) into buf. */
size_t log_ring_read(char *buf, size_t size);

/* For fatal paths of the calling CPU (it will never return to what it
 * interrupted): a log_write of its own that the fault cut short no longer
 * holds its ring. */
void log_reclaim_this_cpu(void);
