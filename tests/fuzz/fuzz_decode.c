/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the instruction length decoder (svm/decode.c). The
 * input is instruction bytes, decoded in every mode from an exact-size heap
 * copy, so ASan catches a read past avail. Invariants:
 *   - TRUNCATED only when fewer than 15 bytes were given;
 *   - OK: 1 <= len <= 15, len <= avail, and the byte counts add up to len;
 *   - OK: the first len bytes alone decode the same, and every shorter
 *     prefix of them is TRUNCATED.
 * Seeds: DECODE_CORPUS_DIR=dir ./build/test_decode writes the unit-test rows.
 *
 *   ./build/fuzz_decode -max_total_time=20 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svm/decode.h"
#include "tests/common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static enum decode_status decode_copy(const uint8_t *data, size_t n, enum cpu_mode mode,
				      struct insn *in)
{
	uint8_t *p = malloc(n ? n : 1);
	enum decode_status st;

	if (!p)
		abort();
	memcpy(p, data, n);
	st = insn_decode(p, n, mode, in);
	free(p);
	CHECK(st == DECODE_OK || st == DECODE_TRUNCATED || st == DECODE_INVALID);
	return st;
}

static void check_mode(const uint8_t *data, size_t size, enum cpu_mode mode)
{
	struct insn in, again;
	enum decode_status st = decode_copy(data, size, mode, &in);

	if (st == DECODE_TRUNCATED)
		CHECK(size < INSN_MAX_LEN);
	if (st != DECODE_OK)
		return;
	CHECK(in.len >= 1 && in.len <= INSN_MAX_LEN && in.len <= size);
	CHECK(in.len == in.prefixes + in.vex_len + in.opcode_bytes + in.has_modrm +
			in.has_sib + in.disp_bytes + in.imm_bytes);
	CHECK(in.opcode_bytes >= 1 && in.opcode_bytes <= 3);
	CHECK(in.disp_bytes <= 8 && in.imm_bytes <= 8);
	CHECK(in.op_size == 2 || in.op_size == 4 || in.op_size == 8);
	CHECK(in.addr_size == 2 || in.addr_size == 4 || in.addr_size == 8);
	CHECK(mode == MODE_LONG64 || (in.rex == 0 && in.op_size != 8 && in.addr_size != 8));
	CHECK(!in.rip_relative || mode == MODE_LONG64);

	CHECK(decode_copy(data, in.len, mode, &again) == DECODE_OK);
	CHECK(again.len == in.len && again.prefixes == in.prefixes && again.rex == in.rex &&
	      again.map == in.map && again.opcode_bytes == in.opcode_bytes &&
	      memcmp(again.opcode, in.opcode, sizeof(in.opcode)) == 0 &&
	      again.modrm == in.modrm && again.sib == in.sib &&
	      again.disp == in.disp && again.imm == in.imm);
	for (size_t k = 0; k < in.len; k++)
		CHECK(decode_copy(data, k, mode, &again) == DECODE_TRUNCATED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int mode = MODE_REAL16; mode <= MODE_LONG64; mode++)
		check_mode(data, size, (enum cpu_mode)mode);
	return 0;
}
