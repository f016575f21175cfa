/* SPDX-License-Identifier: BSD-2-Clause */
/* CHECK for the fuzz harnesses: an invariant that must hold, or the run
 * aborts with the file, line and condition (libFuzzer keeps the input). */
#pragma once
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)								\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: invariant: %s\n", __FILE__, __LINE__, #cond); \
			abort();						\
		}								\
	} while (0)
