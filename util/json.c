// SPDX-License-Identifier: GPL-2.0
/* The JSON string writer and strict validation; see json.h. */
#include <stdint.h>
#include <string.h>

#include "util/json.h"

struct json_in {
	const char *p, *end;
};

static void skip_ws(struct json_in *in)
{
	while (in->p < in->end && strchr(" \t\r\n", *in->p) && *in->p)
		in->p++;
}

static bool eat(struct json_in *in, char c)
{
	if (in->p < in->end && *in->p == c) {
		in->p++;
		return true;
	}
	return false;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/*
 * The length of the well-formed UTF-8 sequence at @p (at most @n bytes):
 * no overlong forms, no surrogates, nothing past U+10FFFF; 0 if bad.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* \uXXXX at @p (4 hex digits), or -1. */
static long hex4(struct json_in *in)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = in->p < in->end ? *in->p++ : 0;

		if (!is_hex(c))
			return -1;
		v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/*
 * A string of valid UTF-8 and escapes: a \u escape of a high surrogate
 * must be followed by one of a low surrogate, and a low one never stands
 * alone (Python's json.load and others refuse them).
 */
static bool string(struct json_in *in)
{
	long u;

	if (!eat(in, '"'))
		return false;
	while (in->p < in->end) {
		unsigned char c = *in->p;
		size_t n;

		if (c >= 0x80) {
			n = utf8_len((const unsigned char *)in->p,
				     in->end - in->p);
			if (!n)
				return false;
			in->p += n;
			continue;
		}
		in->p++;
		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		if (in->p >= in->end)
			return false;
		c = *in->p++;
		if (c == 'u') {
			u = hex4(in);
			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;
			if (u < 0xd800 || u > 0xdbff)
				continue;
			if (!eat(in, '\\') || !eat(in, 'u'))
				return false;
			u = hex4(in);
			if (u < 0xdc00 || u > 0xdfff)
				return false;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
	return false;
}

static bool digits(struct json_in *in)
{
	const char *start = in->p;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number(struct json_in *in)
{
	eat(in, '-');
	if (eat(in, '0')) {
		if (in->p < in->end && *in->p >= '0' && *in->p <= '9')
			return false;
	} else if (!digits(in)) {
		return false;
	}
	if (eat(in, '.') && !digits(in))
		return false;
	if (eat(in, 'e') || eat(in, 'E')) {
		if (!eat(in, '+'))
			eat(in, '-');
		if (!digits(in))
			return false;
	}
	return true;
}

static bool word(struct json_in *in, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, w, n))
		return false;
	in->p += n;
	return true;
}

/* json_walk()'s callback and the path to the value being read. */
struct json_walker {
	json_walk_fn cb;
	void *ctx;
	struct buf path;
};

static bool scalar(struct json_in *in)
{
	switch (*in->p) {
	case '"':
		return string(in);
	case 't':
		return word(in, "true");
	case 'f':
		return word(in, "false");
	case 'n':
		return word(in, "null");
	default:
		return number(in);
	}
}

/* One value; with @w, each scalar also goes to its callback. */
static bool value(struct json_in *in, int depth, struct json_walker *w)
{
	size_t keep = w ? w->path.len : 0, i = 0;
	const char *start;
	char close;

	skip_ws(in);
	if (in->p >= in->end)
		return false;
	if (*in->p != '{' && *in->p != '[') {
		start = in->p;
		if (!scalar(in))
			return false;
		if (w) {
			buf_putc(&w->path, 0);
			w->cb(w->ctx, (char *)w->path.data, start, in->p - start);
			w->path.len = keep;
		}
		return true;
	}
	if (depth >= JSON_MAX_DEPTH)
		return false;
	close = *in->p++ == '{' ? '}' : ']';
	skip_ws(in);
	if (eat(in, close))
		return true;
	do {
		if (w && keep)
			buf_putc(&w->path, '.');
		if (close == '}') {
			skip_ws(in);
			start = in->p;
			if (!string(in))
				return false;
			if (w)
				buf_put(&w->path, start + 1, in->p - start - 2);
			skip_ws(in);
			if (!eat(in, ':'))
				return false;
		} else if (w) {
			buf_printf(&w->path, "%zu", i++);
		}
		if (!value(in, depth + 1, w))
			return false;
		if (w)
			w->path.len = keep;
		skip_ws(in);
	} while (eat(in, ','));
	return eat(in, close);
}

bool json_walk(const char *s, size_t len, json_walk_fn cb, void *ctx)
{
	struct json_in in = { s, s + len };
	struct json_walker w = { cb, ctx };

	/* Validated first: no callback for a value that turns out bad. */
	if (!json_valid(s, len))
		return false;
	value(&in, 0, &w);
	buf_free(&w.path);
	return true;
}

bool json_valid(const char *s, size_t len)
{
	struct json_in in = { s, s + len };

	if (!s || !value(&in, 0, NULL))
		return false;
	skip_ws(&in);
	return in.p == in.end;
}

void json_put_stringn(struct buf *b, const char *s, size_t n)
{
	static const char esc[] = {
		['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',
		['\r'] = 'r',
	};
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];
		size_t len;

		if (c >= 0x80) {
			/* Bytes that are not UTF-8 become U+FFFD. */
			len = utf8_len((const unsigned char *)s + i,
				       strnlen(s + i, MIN(n - i, 4)));
			if (len) {
				buf_put(b, s + i, len);
				i += len - 1;
			} else {
				buf_printf(b, "\\ufffd");
			}
		} else if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < sizeof(esc) && esc[c])
			buf_printf(b, "\\%c", esc[c]);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, c);
	}
	buf_putc(b, '"');
}

void json_put_string(struct buf *b, const char *s)
{
	json_put_stringn(b, s, SIZE_MAX);
}
