// SPDX-License-Identifier: GPL-2.0
/*
 * COM2 as the host reads it: the result block and KTSTR_EXIT line
 * (harness/result.c) and panic detection (cli/verdict.c). The first byte
 * splits the input into COM1 and COM2.
 */
#include "cli/verdict.h"
#include "fuzz/fuzz.h"
#include "harness/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_result r;
	char *com1, *com2, panic[1536];
	size_t n1;

	if (!size)
		return 0;
	n1 = (size - 1) * data[0] / 256;
	com1 = fuzz_copy(data + 1, n1);
	com2 = fuzz_copy(data + 1 + n1, size - 1 - n1);

	result_parse(com2, size - 1 - n1, &r);
	FUZZ_CHECK(r.exit_code >= -1 && r.exit_code <= 255);
	FUZZ_CHECK(!r.complete || r.verdict == KTSTR_PASS ||
		   r.verdict == KTSTR_FAIL || r.verdict == KTSTR_SKIP);
	FUZZ_CHECK(memchr(r.msg, '\0', sizeof(r.msg)));
	result_free(&r);
	if (find_panic(com1, n1, com2, size - 1 - n1, panic, sizeof(panic)))
		FUZZ_CHECK(memchr(panic, '\0', sizeof(panic)));
	free(com1);
	free(com2);
	return 0;
}
