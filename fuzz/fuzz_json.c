// SPDX-License-Identifier: GPL-2.0
/*
 * util/json.c: the validator on guest text, and the string writer, whose
 * output for any bytes must be valid JSON.
 */
#include "fuzz/fuzz.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	struct buf b = {};

	json_valid(s, size);
	json_put_stringn(&b, s, size);
	FUZZ_CHECK(json_valid((char *)b.data, b.len));
	buf_free(&b);
	free(s);
	return 0;
}
