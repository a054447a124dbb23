// SPDX-License-Identifier: GPL-2.0
/* COM2 result blocks, panic detection and the host's verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/verdict.h"

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
	size_t n = strlen(needle);
	const char *p;

	if (len < n)
		return NULL;
	for (p = s + len - n; p >= s; p--)
		if (!memcmp(p, needle, n))
			return p;
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

static void parse_exit(const char *com2, size_t len, struct guest_result *r)
{
	const char *p = memrmem(com2, len, RESULT_EXIT);
	char *end;
	long v;

	r->exit_code = -1;
	if (!p || (p != com2 && p[-1] != '\n'))
		return;
	p += strlen(RESULT_EXIT);
	v = strtol(p, &end, 10);
	if (end != p && (end == com2 + len || *end == '\n' || *end == '\r') &&
	    v >= 0 && v < 256)
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

static const char *const panic_markers[] = {
	"Kernel panic - not syncing",
	"Oops:",
	"BUG:",
	"general protection fault",
	"PANIC:",
};

/* Copies the line holding @p and up to 6 more into @out. */
static void copy_context(const char *buf, size_t len, const char *p,
			 char *out, size_t outlen)
{
	const char *s = p, *e = p;
	int lines = 0;
	size_t n, o = 0;

	while (s > buf && s[-1] != '\n')
		s--;
	while (e < buf + len && lines < 7) {
		if (*e++ == '\n')
			lines++;
	}
	n = e - s;
	for (size_t i = 0; i < n && o + 1 < outlen; i++)
		if (s[i] != '\r' && s[i] != '\0')
			out[o++] = s[i];
	while (o && out[o - 1] == '\n')
		o--;
	out[o] = '\0';
}

static const char *find_marker(const char *buf, size_t len)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(panic_markers); i++) {
		const char *p = memmem(buf, len, panic_markers[i],
				       strlen(panic_markers[i]));

		if (p && (!best || p < best))
			best = p;
	}
	return best;
}

bool find_panic(const char *com1, size_t len1, const char *com2, size_t len2,
		char *out, size_t outlen)
{
	const char *p;

	p = com2 ? memmem(com2, len2, "PANIC:", 6) : NULL;
	if (p && (p == com2 || p[-1] == '\n')) {
		copy_context(com2, len2, p, out, outlen);
		return true;
	}
	p = com1 ? find_marker(com1, len1) : NULL;
	if (p) {
		copy_context(com1, len1, p, out, outlen);
		return true;
	}
	return false;
}

/* The guest's own verdict, before comparing with what the test expects. */
static enum ktstr_verdict raw_verdict(const struct run_outcome *o,
				      struct guest_result *r, char *msg,
				      size_t msglen)
{
	char panic[1536];

	if (o->result_text)
		result_parse(o->result_text, o->result_len, r);
	else
		result_parse(o->com2, o->com2_len, r);
	if (find_panic(o->com1, o->com1_len, o->com2, o->com2_len, panic,
		       sizeof(panic))) {
		snprintf(msg, msglen, "guest panic: %s", panic);
		return KTSTR_FAIL;
	}
	if (o->exit_kind == VM_EXIT_TIMEOUT) {
		snprintf(msg, msglen, "%s", o->exit_msg);
		return KTSTR_TIMEOUT;
	}
	if (o->exit_kind == VM_EXIT_ERROR || o->exit_kind == VM_EXIT_SIGNAL) {
		snprintf(msg, msglen, "VM stopped: %s", o->exit_msg);
		return KTSTR_FAIL;
	}
	if (!r->complete) {
		snprintf(msg, msglen, "no result: %s%s", r->parse_error,
			 r->exit_code > 0 ? " (guest KTSTR_EXIT non-zero)" : "");
		return KTSTR_FAIL;
	}
	if (o->channel_error) {
		snprintf(msg, msglen, "%s", o->channel_error);
		return KTSTR_FAIL;
	}
	if (r->verdict == KTSTR_PASS && r->exit_code != 0) {
		snprintf(msg, msglen, "guest said PASS but KTSTR_EXIT=%d",
			 r->exit_code);
		return KTSTR_FAIL;
	}
	snprintf(msg, msglen, "%s", r->msg);
	return r->verdict;
}

enum ktstr_verdict evaluate_run(const struct ktstr_test *t,
				const struct run_outcome *o,
				struct guest_result *r, char *msg,
				size_t msglen)
{
	enum ktstr_verdict v = raw_verdict(o, r, msg, msglen);
	const char *want = t->expect_msg;
	char got[1536];

	switch (t->expect) {
	case KTSTR_EXPECT_PASS:
		return v;
	case KTSTR_EXPECT_XFAIL:
		return v == KTSTR_PASS ? KTSTR_XPASS :
		       v == KTSTR_FAIL ? KTSTR_XFAIL : v;
	case KTSTR_EXPECT_TIMEOUT:
	case KTSTR_EXPECT_FAIL:
		break;
	}
	snprintf(got, sizeof(got), "%s", msg);
	if ((t->expect == KTSTR_EXPECT_TIMEOUT) != (v == KTSTR_TIMEOUT) ||
	    (t->expect == KTSTR_EXPECT_FAIL && v != KTSTR_FAIL)) {
		snprintf(msg, msglen, "expected %s, got %s: %s",
			 t->expect == KTSTR_EXPECT_TIMEOUT ? "TIMEOUT" : "FAIL",
			 ktstr_verdict_name(v), got);
		return KTSTR_FAIL;
	}
	if (want && !strstr(got, want)) {
		snprintf(msg, msglen, "expected a failure containing '%s', got: %s",
			 want, got);
		return KTSTR_FAIL;
	}
	snprintf(msg, msglen, "failed as expected: %s", got);
	return KTSTR_PASS;
}
