/* SPDX-License-Identifier: BSD-2-Clause */
/* crash= debug option: raise a chosen exception on purpose. */
#pragma once

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

void crash_now(enum crash_kind k);
