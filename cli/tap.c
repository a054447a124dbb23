// SPDX-License-Identifier: GPL-2.0
/* kselftest TAP 13: version, plan, ok/not ok lines, directives, totals. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tap.h"

void tap_header(struct tap *t, FILE *out, int plan)
{
	memset(t, 0, sizeof(*t));
	t->out = out;
	fprintf(out, "TAP version 13\n1..%d\n", plan);
	fflush(out);
}

/*
 * @len bytes of @s with control bytes (the guest's \r, ANSI escapes) as
 * \xNN: they would rewrite the user's terminal or a TAP line.
 */
static void put_clean(FILE *out, const char *s, int len)
{
	int i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

/* Every line of @text prefixed "# ", so TAP parsers keep it as a comment. */
static void print_commented(FILE *out, const char *text)
{
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		fputs("# ", out);
		put_clean(out, p, nl ? nl - p : (long)strlen(p));
		fputc('\n', out);
		p = nl ? nl + 1 : NULL;
	}
}

/* "ok 3 name # SKIP reason\n": the reason's first line, cleaned. */
static void directive(FILE *out, const char *ok, int n, const char *name,
		      const char *what, const char *m, int ml)
{
	fprintf(out, "%s %d %s # %s ", ok, n, name, what);
	put_clean(out, m, ml);
	fputc('\n', out);
}

/* The first line of @msg, for a directive's reason. */
static int first_line_len(const char *msg)
{
	const char *nl = msg ? strchr(msg, '\n') : NULL;

	return msg ? (int)(nl ? nl - msg : (long)strlen(msg)) : 0;
}

void tap_result(struct tap *t, const char *name, enum ktstr_verdict v,
		const char *msg, const char *diag)
{
	int n = ++t->n, ml = first_line_len(msg);
	const char *m = msg ? msg : "";

	if (diag)
		print_commented(t->out, diag);
	switch (v) {
	case KTSTR_PASS:
		t->pass++;
		if (msg && *msg)
			print_commented(t->out, msg);
		fprintf(t->out, "ok %d %s\n", n, name);
		break;
	case KTSTR_SKIP:
		t->skip++;
		directive(t->out, "ok", n, name, "SKIP", m, ml);
		break;
	case KTSTR_XFAIL:
		t->xfail++;
		directive(t->out, "ok", n, name, "XFAIL", m, ml);
		break;
	case KTSTR_TIMEOUT:
		t->fail++;
		print_commented(t->out, m);
		fprintf(t->out, "not ok %d %s # TIMEOUT\n", n, name);
		break;
	case KTSTR_XPASS:
		t->xpass++;
		directive(t->out, "not ok", n, name, "XPASS", m, ml);
		break;
	case KTSTR_ERROR:
		t->error++;
		print_commented(t->out, m);
		fprintf(t->out, "not ok %d %s # error\n", n, name);
		break;
	case KTSTR_FAIL:
	default:
		t->fail++;
		print_commented(t->out, m);
		fprintf(t->out, "not ok %d %s\n", n, name);
		break;
	}
	fflush(t->out);
}

void tap_diag(struct tap *t, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	print_commented(t->out, line);
	free(line);
	fflush(t->out);
}

int tap_finish(struct tap *t)
{
	fprintf(t->out, "# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d\n",
		t->pass, t->fail, t->xfail, t->xpass, t->skip, t->error);
	fflush(t->out);
	if (t->fail || t->xpass || t->error)
		return KSFT_FAIL;
	if (t->skip && !t->pass && !t->xfail)
		return KSFT_SKIP;
	return KSFT_PASS;
}
