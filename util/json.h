/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON (RFC 8259) validator for text from the guest, which is
 * untrusted: only a value it accepts is copied verbatim into the host's
 * JSON results.
 */
#ifndef KTSTR_UTIL_JSON_H
#define KTSTR_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH	32	/* nested objects and arrays */

/*
 * True if @s[0..len) is exactly one JSON value, with optional whitespace
 * around it: no NUL, no trailing bytes, nesting at most JSON_MAX_DEPTH,
 * strings of valid escapes and no raw control bytes.
 */
bool json_valid(const char *s, size_t len);

#endif
