/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for kernel/vm/vmopts.c: any bytes as a module2 command
 * line (a NUL-terminated copy). A line that parses must describe a VM the
 * rest of the hypervisor can trust; a line that does not must say why, in a
 * terminated message that fits the buffer, whatever the buffer's size. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/vm/vmopts.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool name_ok(const char *s)
{
	size_t n = strnlen(s, VM_NAME_MAX + 1);

	if (n == 0 || n > VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static void check_good(const struct vm_opts *o)
{
	unsigned n = 0;

	CHECK(strnlen(o->cmdline, sizeof(o->cmdline)) <= VM_CMDLINE_MAX);
	if (o->is_extra_module) {
		CHECK(name_ok(o->for_vm) && o->name[0] == '\0');
		return;
	}
	CHECK(name_ok(o->name) && o->for_vm[0] == '\0');
	CHECK(o->mem >= VM_MEM_MIN && o->mem <= VM_MEM_MAX && o->mem % VM_MEM_ALIGN == 0);
	for (unsigned c = 0; c < VM_MAX_CPUS; c++)
		n += vm_opts_has_cpu(o, c);
	CHECK(n == o->nr_cpus);
	CHECK(o->kind <= VM_KIND_FLAT && o->mode <= VM_MODE_LONG);
	if (o->kind == VM_KIND_FLAT) {
		CHECK(o->load < o->mem && o->entry < o->mem);
		CHECK(o->cmdline[0] == '\0');
		if (o->mode == VM_MODE_REAL)
			CHECK(o->load < 0x100000 && o->entry < 0x100000);
		if (o->mode == VM_MODE_PROT32)
			CHECK(o->load < 0x100000000ull && o->entry < 0x100000000ull);
	} else {
		CHECK(o->mode == VM_MODE_PROT32 && o->load == 0 && o->entry == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 0, 1, 2, 7, 40, VMOPTS_ERR_MAX };
	static char err[VMOPTS_ERR_MAX + 8];
	static struct vm_opts o, o2;
	char *line = malloc(size + 1);
	int n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	n = vmopts_parse(line, &o, err, VMOPTS_ERR_MAX);
	CHECK(n >= 0);
	CHECK(strnlen(err, VMOPTS_ERR_MAX) < VMOPTS_ERR_MAX);
	CHECK((n == 0) == (err[0] == '\0'));
	if (n == 0)
		check_good(&o);

	/* The same answer for every buffer size, and never a byte past it. */
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char full[VMOPTS_ERR_MAX];

		memcpy(full, err, sizeof(full));
		memset(err, 0x7f, sizeof(err));
		CHECK(vmopts_parse(line, &o2, err, caps[i]) == n);
		CHECK(memcmp(&o, &o2, sizeof(o)) == 0);
		for (size_t j = caps[i]; j < sizeof(err); j++)
			CHECK(err[j] == 0x7f);
		if (caps[i]) {
			CHECK(strnlen(err, caps[i]) < caps[i]);
			CHECK(strncmp(err, full, strlen(err)) == 0);
		}
		memcpy(err, full, sizeof(full));
	}
	CHECK(vmopts_parse(line, &o2, NULL, 0) == n);
	free(line);
	return 0;
}
