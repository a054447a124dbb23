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

static bool string(struct json_in *in)
{
	int i;

	if (!eat(in, '"'))
		return false;
	while (in->p < in->end) {
		unsigned char c = *in->p++;

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
			for (i = 0; i < 4; i++)
				if (in->p >= in->end || !is_hex(*in->p++))
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

static bool value(struct json_in *in, int depth)
{
	char close;

	skip_ws(in);
	if (in->p >= in->end)
		return false;
	switch (*in->p) {
	case '"':
		return string(in);
	case 't':
		return word(in, "true");
	case 'f':
		return word(in, "false");
	case 'n':
		return word(in, "null");
	case '{':
	case '[':
		break;
	default:
		return number(in);
	}
	if (depth >= JSON_MAX_DEPTH)
		return false;
	close = *in->p++ == '{' ? '}' : ']';
	skip_ws(in);
	if (eat(in, close))
		return true;
	do {
		if (close == '}') {
			skip_ws(in);
			if (!string(in))
				return false;
			skip_ws(in);
			if (!eat(in, ':'))
				return false;
		}
		if (!value(in, depth + 1))
			return false;
		skip_ws(in);
	} while (eat(in, ','));
	return eat(in, close);
}

bool json_valid(const char *s, size_t len)
{
	struct json_in in = { s, s + len };

	if (!s || !value(&in, 0))
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

		if (c == '"' || c == '\\')
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
