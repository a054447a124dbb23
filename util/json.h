/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON (RFC 8259): the one string writer every JSON producer uses, and a
 * strict validator for text from the guest, which is untrusted: only a
 * value it accepts is copied verbatim into the host's JSON results.
 */
#ifndef KTSTR_UTIL_JSON_H
#define KTSTR_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

#define JSON_MAX_DEPTH	32	/* nested objects and arrays */

/*
 * True if @s[0..len) is exactly one JSON value, with optional whitespace
 * around it: no NUL, no trailing bytes, nesting at most JSON_MAX_DEPTH,
 * strings of valid escapes, well-formed UTF-8 (no overlong forms, no
 * surrogates) and no raw control bytes; a \u escaped high surrogate only
 * with a low one after it, a low one never alone.
 */
bool json_valid(const char *s, size_t len);

/*
 * Calls @cb for each scalar (string, number, true, false, null) of the
 * JSON text @s[0..len), in order, with its path ("a.b.0.c": object keys as
 * written, array indices) and its raw token (quotes included for a
 * string); false, without any call, if json_valid() is false.
 */
typedef void (*json_walk_fn)(void *ctx, const char *path, const char *tok,
			     size_t len);
bool json_walk(const char *s, size_t len, json_walk_fn cb, void *ctx);

/*
 * @s as a JSON string, quotes included: '"' and '\\' escaped, control
 * bytes as \n, \t, \r, \b, \f or \u00XX; bytes that are not well-formed
 * UTF-8 as \ufffd; everything else (DEL, UTF-8) as is.
 * json_put_stringn() stops after @n bytes or at a NUL.
 */
void json_put_string(struct buf *b, const char *s);
void json_put_stringn(struct buf *b, const char *s, size_t n);

#endif
