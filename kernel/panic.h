/* SPDX-License-Identifier: BSD-2-Clause */
/* panic(): an impossible state in the hypervisor ends the run. */
#pragma once

__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
