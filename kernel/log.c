/* Log formatting, ring buffer and console sinks. */
#include "kernel/log.h"
#include "drivers/tsc.h"
#include "drivers/uart.h"
#include "kernel/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/lib/spinlock.h"

#define DEBUGCON_PORT 0xe9	/* QEMU -debugcon and Bochs port_e9_hack */
#define LINE_MAX 256
#define LOCK_SPIN_LIMIT 50000000

static struct spinlock log_lock;
static enum log_level max_level = LOG_INFO;
static uint16_t serial;
static bool debugcon;
static bool console_on;
static void (*prompt_hook)(bool after);

static char ring[LOG_RING_SIZE];
static uint64_t ring_head;	/* bytes ever written; ring[ring_head % size] is next */

static const char level_letter[] = { 'E', 'W', 'I', 'D' };

static void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (serial) {
			if (s[i] == '\n')
				uart_putc(serial, '\r');
			uart_putc(serial, s[i]);
		}
		if (debugcon)
			outb(DEBUGCON_PORT, (uint8_t)s[i]);
	}
}

static void ring_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[ring_head++ % LOG_RING_SIZE] = s[i];
}

static void lock(void)
{
	for (long i = 0; i < LOCK_SPIN_LIMIT; i++)
		if (spin_trylock(&log_lock))
			return;
	/* The holder is stuck (it faulted while logging): carry on without it. */
}

void log_force_unlock(void)
{
	spin_unlock(&log_lock);
}

void log_write(enum log_level lvl, const char *fmt, ...)
{
	char line[LINE_MAX];
	uint64_t us = time_us();
	va_list ap;
	int n, m;

	if (lvl > max_level)
		return;
	n = fmt_snprintf(line, sizeof(line), "[%5lu.%06lu] cpu%u %c: ",
			 (unsigned long)(us / 1000000), (unsigned long)(us % 1000000),
			 cpu_id(), level_letter[lvl]);
	va_start(ap, fmt);
	m = fmt_vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m > (int)sizeof(line) - n - 2)	/* truncated: keep the newline */
		m = (int)sizeof(line) - n - 2;
	n += m;
	line[n++] = '\n';

	lock();
	ring_write(line, n);
	if (console_on) {
		if (prompt_hook)
			prompt_hook(false);
		console_write(line, n);
		if (prompt_hook)
			prompt_hook(true);
	}
	spin_unlock(&log_lock);
}

void log_console_locked(void (*write)(const char *s, size_t n), const char *s, size_t n)
{
	lock();
	write(s, n);
	spin_unlock(&log_lock);
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
	uint64_t start;

	lock();
	serial = serial_port;
	debugcon = use_debugcon;
	console_on = true;
	start = ring_head > LOG_RING_SIZE ? ring_head - LOG_RING_SIZE : 0;
	for (uint64_t i = start; i < ring_head; i++)
		console_write(&ring[i % LOG_RING_SIZE], 1);
	spin_unlock(&log_lock);
}

size_t log_ring_read(char *buf, size_t size)
{
	uint64_t n, start;

	if (!size)
		return 0;
	lock();
	n = MIN(ring_head, MIN((uint64_t)LOG_RING_SIZE, (uint64_t)size - 1));
	start = ring_head - n;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = ring[(start + i) % LOG_RING_SIZE];
	buf[n] = 0;
	spin_unlock(&log_lock);
	return n;
}
