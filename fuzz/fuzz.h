/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the libFuzzer harnesses (make fuzz): an exact-size copy. */
#ifndef KTSTR_FUZZ_H
#define KTSTR_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input in a buffer of exactly @n bytes (no NUL after it), so ASan
 * catches any read past the end, as of guest data.
 */
static inline char *fuzz_copy(const uint8_t *d, size_t n)
{
	char *p = malloc(n ? n : 1);

	if (n)
		memcpy(p, d, n);
	return p;
}

/* The same, NUL-terminated, for parsers of C strings (user input). */
static inline char *fuzz_str(const uint8_t *d, size_t n)
{
	char *p = malloc(n + 1);

	memcpy(p, d, n);
	p[n] = '\0';
	return p;
}

#ifndef __aligned
#define __aligned(x) __attribute__((__aligned__(x)))
#endif

/* A finding: abort() makes libFuzzer save the input. */
#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
