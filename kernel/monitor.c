/* The serial console: a prompt, a line editor (kernel/mon_line.c) and a
 * table of commands. For now it inspects the host: version, SVM features,
 * cores, memory, the log ring; and it can reboot the machine. It polls the
 * UART (the boot CPU has nothing else to do yet). */
#include "kernel/monitor.h"
#include "drivers/uart.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/lib.h"
#include "kernel/log.h"
#include "kernel/mon_line.h"
#include "kernel/smp.h"
#include "kernel/x86.h"
#include "mm/memory.h"
#include "svm/svm.h"

#define PROMPT "svmvisor> "

struct command {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(int argc, char **argv);
};

static uint16_t port;
static const struct command commands[];

static void out(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	out(s, n);
}

static void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(buf, MIN((size_t)n, sizeof(buf) - 1));
}

static void cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (const struct command *c = commands; c->name; c++)
		print("  %-10s %-8s %s\n", c->name, c->args, c->help);
}

static void cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("svmvisor %s\n", SVMVISOR_VERSION);
}

static void cmd_features(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	svm_report();	/* to the log, which is on this console */
}

static void cmd_cpus(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("  cpu  apic  state    svm  host-save page\n");
	for (uint32_t i = 0; i < smp_cpu_count(); i++) {
		const struct cpu *c = smp_cpu(i);

		print("  %3u  %4u  %-7s  %-3s  %#lx\n", c->id, c->apic_id,
		      c->dead ? "dead" : c->online ? "idle" : "offline", c->svm_on ? "on" : "off",
		      c->hsave_pa);
	}
}

static void cmd_mem(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("  free: %lu frames (%lu MiB)\n", memory_free_frames(), memory_free_frames() >> 8);
}

static void cmd_log(int argc, char **argv)
{
	static char ring[LOG_RING_SIZE];
	uint64_t lines = 20;
	size_t n = log_ring_read(ring, sizeof(ring)), start = n;

	if (argc > 1 && (!cmdline_parse_u64(argv[1], strlen(argv[1]), false, &lines) || !lines)) {
		print("log: bad line count \"%s\"\n", argv[1]);
		return;
	}
	/* Back up to the start of the last `lines` lines. */
	while (start > 0 && lines) {
		start--;
		if (start > 0 && ring[start - 1] == '\n')
			lines--;
	}
	out(ring + start, n - start);
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print("rebooting\n");
	outb(0xcf9, 0x02);	/* PCI reset control: system reset request ... */
	outb(0xcf9, 0x06);	/* ... then the hard reset */
	outb(0x64, 0xfe);	/* 8042 pulse of the reset line, for older chipsets */
	print("reboot: the machine did not reset\n");
}

static const struct command commands[] = {
	{ "help", "", "this list", cmd_help },
	{ "version", "", "hypervisor version", cmd_version },
	{ "features", "", "SVM features and how they are used", cmd_features },
	{ "cpus", "", "every core: APIC ID, state, SVM, host-save page", cmd_cpus },
	{ "mem", "", "free host memory", cmd_mem },
	{ "log", "[n]", "the last n lines of the log (default 20)", cmd_log },
	{ "reboot", "", "reset the machine", cmd_reboot },
	{ 0 },
};

static void run_line(struct mon_line *l)
{
	char *argv[MON_ARGS_MAX];
	int argc;

	if (l->overflow) {
		print("error: line longer than %u characters, ignored\n", MON_LINE_MAX);
		return;
	}
	argc = mon_split(l->buf, argv, MON_ARGS_MAX);
	if (argc < 0) {
		print("error: more than %u words\n", MON_ARGS_MAX);
		return;
	}
	if (argc == 0)
		return;
	for (const struct command *c = commands; c->name; c++) {
		if (!strcmp(argv[0], c->name)) {
			c->run(argc, argv);
			return;
		}
	}
	print("error: unknown command \"%.32s\"; try help\n", argv[0]);
}

void monitor_run(uint16_t uart)
{
	struct mon_line line;

	port = uart;
	mon_line_reset(&line);
	print("\nsvmvisor console: type help for the commands\n" PROMPT);
	for (;;) {
		int c = uart_getc(port);

		if (c < 0) {
			cpu_relax();
			continue;
		}
		if (mon_line_feed(&line, (unsigned char)c, echo, NULL)) {
			run_line(&line);
			print(PROMPT);
		}
	}
}
