/* The hypervisor log: every line carries a timestamp (seconds.microseconds
 * since the TSC was calibrated), the CPU number and a level letter. Lines go
 * to a ring buffer always and to the serial and debugcon sinks once enabled. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

#define LOG_RING_SIZE 16384

void log_write(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

void log_set_level(enum log_level lvl);

/* Starts the console sinks (serial port, 0 = none; debug port 0xe9) and
 * writes out what the ring has gathered so far. */
void log_start_console(uint16_t serial_port, bool debugcon);

/* The serial console's hook: called with the log lock held before (false)
 * and after (true) each line goes to the serial port, so the console can
 * lift its prompt and input line out of the way and put them back. */
void log_set_prompt_hook(void (*hook)(bool after));

/* Runs write(s, n) under the log's lock, so that console output (the
 * monitor's) and log lines from other CPUs never mix within a line. */
void log_console_locked(void (*write)(const char *s, size_t n), const char *s, size_t n);

/* Copies the newest bytes of the ring (at most size - 1) into buf. */
size_t log_ring_read(char *buf, size_t size);

/* For fatal paths: stop waiting for the log lock after a bounded spin, so a
 * CPU that died holding it cannot silence the others. */
void log_force_unlock(void);
