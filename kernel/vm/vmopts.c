/* SPDX-License-Identifier: BSD-2-Clause */
/* VM declarations on GRUB module2 lines (docs/vms.md). Pure: built into the
 * kernel, the host unit test and a fuzzer. Every loop is bounded by the NUL
 * of the line or by a buffer size.
 *
 * Words are not split with cmdline_next(): GRUB rebuilds a module's command
 * line from its argv (grub-core/lib/cmdline.c) and wraps a whole word that
 * holds a space in double quotes ("cmdline=a b"); 2.06 (Debian 12) also
 * puts a backslash before every \ ' and " (seen under QEMU; the strings are
 * in tests/unit/test_vmopts.c). So here, as in a shell, a double quote
 * anywhere in a word opens or closes a quoted run and is dropped, and
 * \\ \" \' stand for the character. cmdline="a b", "cmdline=a b" and
 * cmdline=a" "b all give the value `a b`. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/lib/cmdline.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/lib.h"
#include "kernel/vm/vmopts.h"

#define VMOPTS_WORD_MAX	272	/* one decoded word: "cmdline=" + 255 + slack */
#define VMOPTS_MSG_MAX	160	/* one problem */
#define VMOPTS_SPAN_MAX	32	/* longest key or value quoted in a message */
#define REAL_MODE_LIMIT	0x100000ull	/* what real mode can start in: 1 MiB */
#define PROT32_LIMIT	0x100000000ull	/* what 32-bit mode can start in: 4 GiB */

_Static_assert(VMOPTS_WORD_MAX > sizeof("cmdline=") + VM_CMDLINE_MAX,
	       "a full cmdline= word fits the word buffer");

/* One word, decoded: quotes dropped, escapes undone. len counts every
 * character of the word; only the first VMOPTS_WORD_MAX - 1 are kept. */
struct vmopts_word {
	char buf[VMOPTS_WORD_MAX];
	size_t len;
};

/* The problems found so far, joined into the caller's buffer. */
struct vmopts_errs {
	char *buf;
	size_t cap, len;
	int n;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns false at the end of the line; *pos advances past the word. An
 * unterminated quote runs to the end of the line. */
static bool vmopts_next(const char **pos, struct vmopts_word *w)
{
	const char *p = *pos;
	bool quoted = false;

	while (is_space(*p))
		p++;
	if (*p == '\0') {
		*pos = p;
		return false;
	}
	w->len = 0;
	while (*p != '\0' && (quoted || !is_space(*p))) {
		char c = *p++;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '\\' && (*p == '\\' || *p == '"' || *p == '\''))
			c = *p++;
		if (w->len < sizeof(w->buf) - 1)
			w->buf[w->len] = c;
		w->len++;
	}
	w->buf[MIN(w->len, sizeof(w->buf) - 1)] = '\0';
	*pos = p;
	return true;
}

/* Appends what fits of s; the buffer always stays terminated. */
static void vmopts_append(struct vmopts_errs *e, const char *s)
{
	size_t n = MIN(strlen(s), e->cap - 1 - e->len);

	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

/* Counts one problem and adds it to the text: a prefix of the full text
 * when the buffer is short. */
static void vmopts_err(struct vmopts_errs *e, const char *msg)
{
	e->n++;
	if (!e->buf || e->cap == 0)
		return;
	if (e->n > 1)
		vmopts_append(e, "; ");
	vmopts_append(e, msg);
}

/* Length and ellipsis for quoting a user span of n bytes in a message. */
static int quote_len(size_t n)
{
	return n > VMOPTS_SPAN_MAX ? VMOPTS_SPAN_MAX : (int)n;
}

static const char *quote_more(size_t n)
{
	return n > VMOPTS_SPAN_MAX ? "..." : "";
}

/* True if the span s[0..n) is exactly the NUL-terminated word. */

/* Index of the first '=' in s[0..n), or n. */
static size_t span_find_eq(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != '=')
		i++;
	return i;
}

/* [A-Za-z0-9_-]{1,15} */
static bool set_name_into(char *dst, const char *v, size_t n)
{
	if (n == 0 || n > VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}

static bool set_vm(struct vm_opts *o, const char *v, size_t n)
{
	return set_name_into(o->name, v, n);
}

static bool set_for(struct vm_opts *o, const char *v, size_t n)
{
	return set_name_into(o->for_vm, v, n);
}

static bool set_mem(struct vm_opts *o, const char *v, size_t n)
{
	uint64_t mem;

	if (!cmdline_parse_u64(v, n, true, &mem) || mem < VM_MEM_MIN ||
	    mem > VM_MEM_MAX || mem % VM_MEM_ALIGN)
		return false;
	o->mem = mem;
	return true;
}

/* One number of a cpus= list: decimal only, below VM_MAX_CPUS. */
static bool parse_cpu(const char *s, size_t n, unsigned *cpu)
{
	uint64_t v;

	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (!cmdline_parse_u64(s, n, false, &v) || v >= VM_MAX_CPUS)
		return false;
	*cpu = (unsigned)v;
	return true;
}

/* "1", "1,3", "2-5", "0,2-3": each core at most once. */
static bool set_cpus(struct vm_opts *o, const char *v, size_t n)
{
	uint64_t set[VM_MAX_CPUS / 64] = { 0 };
	unsigned count = 0;
	size_t i = 0;

	while (i <= n) {
		size_t start = i, dash = n;
		unsigned lo, hi;

		while (i < n && v[i] != ',') {
			if (v[i] == '-' && dash == n)
				dash = i;
			i++;
		}
		/* v[start..i) is one item; i is at ',' or at the end. */
		if (dash == n) {
			if (!parse_cpu(v + start, i - start, &lo))
				return false;
			hi = lo;
		} else if (!parse_cpu(v + start, dash - start, &lo) ||
			   !parse_cpu(v + dash + 1, i - dash - 1, &hi) || hi < lo) {
			return false;
		}
		for (unsigned c = lo; c <= hi; c++) {
			if ((set[c / 64] >> (c % 64)) & 1)
				return false;
			set[c / 64] |= 1ull << (c % 64);
			count++;
		}
		i++;	/* past the ',' (or past the end: the loop stops) */
	}
	memcpy(o->cpus, set, sizeof(set));
	o->nr_cpus = count;
	return true;
}

static const char *const kind_names[] = {
	[VM_KIND_AUTO] = "auto", [VM_KIND_MB1] = "mb1",
	[VM_KIND_MB2] = "mb2", [VM_KIND_FLAT] = "flat",
	[VM_KIND_LINUX] = "linux", [VM_KIND_PVH] = "pvh",
};

static const char *const mode_names[] = {
	[VM_MODE_REAL] = "real", [VM_MODE_PROT32] = "prot32", [VM_MODE_LONG] = "long",
};

const char *vm_kind_name(enum vm_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

const char *vm_mode_name(enum vm_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

static bool set_kind(struct vm_opts *o, const char *v, size_t n)
{
	int i = cmdline_match(v, n, kind_names, ARRAY_SIZE(kind_names));

	if (i >= 0)
		o->kind = (enum vm_kind)i;
	return i >= 0;
}

static bool set_mode(struct vm_opts *o, const char *v, size_t n)
{
	int i = cmdline_match(v, n, mode_names, ARRAY_SIZE(mode_names));

	if (i >= 0)
		o->mode = (enum vm_mode)i;
	return i >= 0;
}

/* An address inside the largest guest; K/M/G allowed (load=1M). */
static bool parse_gpa(const char *v, size_t n, uint64_t *out)
{
	uint64_t gpa;

	if (!cmdline_parse_u64(v, n, true, &gpa) || gpa >= VM_MEM_MAX)
		return false;
	*out = gpa;
	return true;
}

static bool set_load(struct vm_opts *o, const char *v, size_t n)
{
	return parse_gpa(v, n, &o->load);
}

static bool set_entry(struct vm_opts *o, const char *v, size_t n)
{
	return parse_gpa(v, n, &o->entry);
}

static const char *const crash_names[] = { [VM_ON_CRASH_STOP] = "stop", [VM_ON_CRASH_RESET] = "reset" };

static bool set_on_crash(struct vm_opts *o, const char *v, size_t n)
{
	int i = cmdline_match(v, n, crash_names, ARRAY_SIZE(crash_names));

	if (i >= 0)
		o->on_crash = (enum vm_on_crash)i;
	return i >= 0;
}

static const char *const onoff_names[] = { "off", "on" };

static bool set_strict(struct vm_opts *o, const char *v, size_t n)
{
	int i = cmdline_match(v, n, onoff_names, ARRAY_SIZE(onoff_names));

	if (i >= 0)
		o->strict = i == 1;
	return i >= 0;
}

/* The caller has checked n <= VM_CMDLINE_MAX. */
static bool set_cmdline(struct vm_opts *o, const char *v, size_t n)
{
	memcpy(o->cmdline, v, n);
	o->cmdline[n] = '\0';
	return true;
}

enum vm_key_bit {
	KEY_VM = 1u << 0, KEY_FOR = 1u << 1, KEY_MEM = 1u << 2,
	KEY_CPUS = 1u << 3, KEY_KIND = 1u << 4, KEY_MODE = 1u << 5,
	KEY_LOAD = 1u << 6, KEY_ENTRY = 1u << 7, KEY_CMDLINE = 1u << 8, KEY_ON_CRASH = 1u << 9,
	KEY_STRICT = 1u << 10,
};

struct vm_key {
	const char *name;
	unsigned bit;
	const char *want;	/* accepted values, quoted in messages */
	bool (*set)(struct vm_opts *o, const char *v, size_t n);
};

static const struct vm_key vm_key_table[] = {
	{ "vm", KEY_VM, "a name of 1-15 letters, digits, _ or -", set_vm },
	{ "for", KEY_FOR, "a VM name of 1-15 letters, digits, _ or -", set_for },
	{ "mem", KEY_MEM, "a size 1M-64G in whole 4K pages, e.g. 64M", set_mem },
	{ "cpus", KEY_CPUS, "core numbers 0-255 as N, N-M, N,M,..., each once", set_cpus },
	{ "kind", KEY_KIND, "mb1|mb2|linux|pvh|flat|auto", set_kind },
	{ "mode", KEY_MODE, "real|prot32|long", set_mode },
	{ "load", KEY_LOAD, "an address below 64G", set_load },
	{ "entry", KEY_ENTRY, "an address below 64G", set_entry },
	{ "cmdline", KEY_CMDLINE, "up to 255 characters", set_cmdline },
	{ "on_crash", KEY_ON_CRASH, "stop|reset", set_on_crash },
	{ "strict", KEY_STRICT, "on|off", set_strict },
};

static const struct vm_key *vm_key_find(const char *key, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_key_table); i++)
		if (cmdline_span_eq(key, n, vm_key_table[i].name))
			return &vm_key_table[i];
	return NULL;
}

static void vm_opts_default(struct vm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mem = VM_MEM_DEFAULT;
	o->kind = VM_KIND_AUTO;
	o->mode = VM_MODE_PROT32;
}

/* One word: a problem message in msg, or "" when the option was taken.
 * Adds the key to *seen, and to *bad when its value was refused. */
static void vmopts_word(struct vm_opts *o, const struct vmopts_word *w,
			unsigned *seen, unsigned *bad, char *msg, size_t msglen)
{
	size_t kept = MIN(w->len, sizeof(w->buf) - 1);
	size_t at = span_find_eq(w->buf, kept);
	bool eq = at < kept;
	size_t klen = eq ? at : w->len;
	const char *v = eq ? w->buf + at + 1 : NULL;
	size_t vlen = eq ? w->len - klen - 1 : 0;
	const struct vm_key *k = vm_key_find(w->buf, eq ? klen : kept);

	msg[0] = '\0';
	if (eq && klen == 0)
		fmt_snprintf(msg, msglen, "empty option name in \"=%.*s%s\"",
			     quote_len(vlen), v, quote_more(vlen));
	else if (!k)
		fmt_snprintf(msg, msglen, "unknown option \"%.*s%s\"",
			     quote_len(klen), w->buf, quote_more(klen));
	else if (!eq)
		fmt_snprintf(msg, msglen, "missing value for %s= (want %s)", k->name, k->want);
	else if (*seen & k->bit)
		fmt_snprintf(msg, msglen, "%s= given twice", k->name);
	else if (vlen > VM_CMDLINE_MAX)
		fmt_snprintf(msg, msglen, "value for %s= longer than %d characters",
			     k->name, VM_CMDLINE_MAX);
	else if (!k->set(o, v, vlen))
		fmt_snprintf(msg, msglen, "bad value \"%.*s%s\" for %s= (want %s)",
			     quote_len(vlen), v, quote_more(vlen), k->name, k->want);
	if (k && msg[0] && !(*seen & k->bit))
		*bad |= k->bit;
	if (k)
		*seen |= k->bit;
}

/* Checks between options, once every word is read. A check that needs a
 * refused value is skipped, so one bad value yields one message. */
static void vmopts_check(struct vm_opts *o, unsigned seen, unsigned bad,
			 struct vmopts_errs *e)
{
	static const struct { unsigned bit; const char *msg; } flat_only[] = {
		{ KEY_MODE, "mode= needs kind=flat (other guests start as their boot protocol says)" },
		{ KEY_LOAD, "load= needs kind=flat (other images say where they load)" },
		{ KEY_ENTRY, "entry= needs kind=flat (other images name their entry)" },
	};
	char msg[VMOPTS_MSG_MAX];
	uint64_t limit;

	if ((seen & KEY_VM) && (seen & KEY_FOR)) {
		vmopts_err(e, "vm= and for= on one line (a line is a VM or a module for one)");
		return;
	}
	if (!(seen & (KEY_VM | KEY_FOR))) {
		vmopts_err(e, "missing vm=NAME (or for=NAME for a module of another VM)");
		return;
	}
	o->is_extra_module = seen & KEY_FOR;
	if (o->is_extra_module) {
		for (size_t i = 0; i < ARRAY_SIZE(vm_key_table); i++) {
			const struct vm_key *k = &vm_key_table[i];

			if ((seen & k->bit) && !(k->bit & (KEY_FOR | KEY_CMDLINE))) {
				fmt_snprintf(msg, sizeof(msg),
					     "%s= does not apply to a for= module line", k->name);
				vmopts_err(e, msg);
			}
		}
		return;
	}
	if (bad & KEY_KIND)
		return;
	if (o->kind != VM_KIND_FLAT) {
		for (size_t i = 0; i < ARRAY_SIZE(flat_only); i++)
			if (seen & flat_only[i].bit)
				vmopts_err(e, flat_only[i].msg);
		return;
	}

	/* kind=flat */
	if (!(seen & KEY_MODE))
		o->mode = VM_MODE_REAL;
	if (!(seen & KEY_LOAD)) {
		vmopts_err(e, "kind=flat needs load=ADDR");
		return;
	}
	if (!(seen & KEY_ENTRY))
		o->entry = o->load;
	if (seen & KEY_CMDLINE)
		vmopts_err(e, "cmdline= needs a Multiboot, Linux or PVH guest (kind=flat gets no boot information)");
	if (bad & (KEY_MEM | KEY_MODE | KEY_LOAD | KEY_ENTRY))
		return;
	limit = o->mode == VM_MODE_REAL ? REAL_MODE_LIMIT :
		o->mode == VM_MODE_PROT32 ? PROT32_LIMIT : VM_MEM_MAX;
	if (o->load >= o->mem || o->entry >= o->mem) {
		fmt_snprintf(msg, sizeof(msg), "%s=0x%llx is not below mem= (0x%llx)",
			     o->load >= o->mem ? "load" : "entry",
			     (unsigned long long)(o->load >= o->mem ? o->load : o->entry),
			     (unsigned long long)o->mem);
		vmopts_err(e, msg);
	} else if (o->load >= limit || o->entry >= limit) {
		fmt_snprintf(msg, sizeof(msg), "%s=0x%llx is out of reach of mode=%s (below 0x%llx)",
			     o->load >= limit ? "load" : "entry",
			     (unsigned long long)(o->load >= limit ? o->load : o->entry),
			     vm_mode_name(o->mode), (unsigned long long)limit);
		vmopts_err(e, msg);
	}
}

int vmopts_parse(const char *line, struct vm_opts *o, char *err, size_t errlen)
{
	struct vmopts_errs e = { .buf = err, .cap = errlen };
	struct vmopts_word w;
	const char *pos = line ? line : "";
	unsigned seen = 0, bad = 0;
	bool first = true;

	vm_opts_default(o);
	if (err && errlen)
		err[0] = '\0';
	while (vmopts_next(&pos, &w)) {
		size_t kept = MIN(w.len, sizeof(w.buf) - 1);
		char msg[VMOPTS_MSG_MAX];

		if (w.len == 0)		/* "": GRUB never writes one; nothing to take */
			continue;
		/* Some GRUB versions pass the module's path as the first word. */
		if (first && (w.buf[0] == '/' || w.buf[0] == '(') &&
		    span_find_eq(w.buf, kept) == kept) {
			first = false;
			continue;
		}
		first = false;
		vmopts_word(o, &w, &seen, &bad, msg, sizeof(msg));
		if (msg[0])
			vmopts_err(&e, msg);
	}
	vmopts_check(o, seen, bad, &e);
	return e.n;
}
