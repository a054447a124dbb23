// SPDX-License-Identifier: GPL-2.0
/* The COM2 result block: written by the guest, parsed by the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/result.h"

static void put_field(struct buf *out, const char *key, const char *val)
{
	const char *p;

	buf_printf(out, "%s=", key);
	/* One line per field: newlines inside a message become " | ". */
	for (p = val; *p; p++) {
		if (*p == '\n')
			buf_printf(out, "%s", p[1] ? " | " : "");
		else if (*p != '\r')
			buf_putc(out, *p);
	}
	buf_putc(out, '\n');
}

void result_format(struct buf *out, enum ktstr_verdict v, const char *msg,
		   const char *diag)
{
	const char *line = diag, *nl;

	buf_printf(out, "\n%s\n", RESULT_START);
	put_field(out, "verdict", ktstr_verdict_name(v));
	put_field(out, "msg", msg ? msg : "");
	while (line && *line) {
		char one[2048];
		size_t n;

		nl = strchr(line, '\n');
		n = nl ? (size_t)(nl - line) : strlen(line);
		snprintf(one, sizeof(one), "%.*s", (int)MIN(n, sizeof(one) - 1), line);
		put_field(out, "diag", one);
		line = nl ? nl + 1 : NULL;
	}
	buf_printf(out, "%s\n%s%d\n", RESULT_END, RESULT_EXIT,
		   v == KTSTR_PASS ? 0 : v == KTSTR_SKIP ? 4 : 1);
}

/* Finds the last occurrence of @needle in [s, s+len). */
static const char *memrmem(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;
	const char *p;

	if (len < n)
		return NULL;
	/* Counting down from the end, never forming a pointer before @s. */
	for (i = len - n + 1; i-- > 0;) {
		p = s + i;
		if (!memcmp(p, needle, n))
			return p;
	}
	return NULL;
}

static bool parse_verdict(const char *v, enum ktstr_verdict *out)
{
	if (!strcmp(v, "PASS"))
		*out = KTSTR_PASS;
	else if (!strcmp(v, "FAIL"))
		*out = KTSTR_FAIL;
	else if (!strcmp(v, "SKIP"))
		*out = KTSTR_SKIP;
	else
		return false;
	return true;
}

/*
 * The last "KTSTR_EXIT=N" line: N in 0..255, else -1. COM2 is not
 * NUL-terminated (the guest may end on the digits), so the digits are read
 * within [com2, com2 + len) by hand rather than with strtol().
 */
static void parse_exit(const char *com2, size_t len, struct guest_result *r)
{
	const char *p = memrmem(com2, len, RESULT_EXIT), *end = com2 + len;
	const char *digits;
	int v = 0;

	r->exit_code = -1;
	if (!p || (p != com2 && p[-1] != '\n'))
		return;
	p += strlen(RESULT_EXIT);
	for (digits = p; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 255)
			return;
	}
	if (p != digits && (p == end || *p == '\n' || *p == '\r'))
		r->exit_code = v;
}

static void parse_line(struct guest_result *r, const char *line, bool *seen)
{
	if (!strncmp(line, "verdict=", 8)) {
		if (parse_verdict(line + 8, &r->verdict))
			*seen = true;
		else
			snprintf(r->parse_error, sizeof(r->parse_error),
				 "bad verdict '%.64s'", line + 8);
	} else if (!strncmp(line, "msg=", 4)) {
		snprintf(r->msg, sizeof(r->msg), "%s", line + 4);
	} else if (!strncmp(line, "diag=", 5)) {
		buf_printf(&r->diag, "%s\n", line + 5);
	} else if (*line) {
		snprintf(r->parse_error, sizeof(r->parse_error),
			 "unexpected line '%.64s'", line);
	}
}

void result_parse(const char *com2, size_t len, struct guest_result *r)
{
	const char *start, *end, *p;
	bool seen = false;

	memset(r, 0, sizeof(*r));
	r->verdict = KTSTR_FAIL;
	parse_exit(com2, len, r);
	start = memrmem(com2, len, RESULT_START);
	if (!start) {
		snprintf(r->parse_error, sizeof(r->parse_error),
			 "no %s on COM2", RESULT_START);
		return;
	}
	p = start + strlen(RESULT_START);
	end = memrmem(p, len - (p - com2), RESULT_END);
	if (!end) {
		snprintf(r->parse_error, sizeof(r->parse_error),
			 "result block not terminated by %s", RESULT_END);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = (nl ? nl : end) - p;
		char line[2048];

		while (n && (p[n - 1] == '\r'))
			n--;
		if (memchr(p, '\0', n)) {
			snprintf(r->parse_error, sizeof(r->parse_error),
				 "NUL byte inside the result block");
		} else {
			snprintf(line, sizeof(line), "%.*s",
				 (int)MIN(n, sizeof(line) - 1), p);
			parse_line(r, line, &seen);
		}
		p = nl ? nl + 1 : end;
	}
	if (!seen && !r->parse_error[0])
		snprintf(r->parse_error, sizeof(r->parse_error),
			 "result block without a verdict");
	r->complete = seen && !r->parse_error[0];
}

void result_free(struct guest_result *r)
{
	buf_free(&r->diag);
}
