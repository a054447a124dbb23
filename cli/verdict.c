// SPDX-License-Identifier: GPL-2.0
/* Panic detection and the host's verdict of one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/verdict.h"
#include "vmm/hosttune.h"

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
	if (o->cap_error) {
		snprintf(msg, msglen, "%s", o->cap_error);
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

enum ktstr_verdict verdict_expect(const struct ktstr_test *t,
				  enum ktstr_verdict v, char *msg, size_t msglen)
{
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

enum ktstr_verdict evaluate_run(const struct ktstr_test *t,
				const struct run_outcome *o,
				struct guest_result *r, char *msg,
				size_t msglen)
{
	return verdict_expect(t, raw_verdict(o, r, msg, msglen), msg, msglen);
}

enum ktstr_verdict perf_refusal_verdict(const struct ktstr_test *t,
					enum perf_status st, const char *err,
					char *msg, size_t len)
{
	const char *why = perf_no_skip_mode() ? "KTSTR_NO_SKIP_MODE=1" :
			  t->no_skip_mode ? "the test's no_skip_mode" : NULL;

	if (!why) {
		snprintf(msg, len, "%s", err);
		return KTSTR_SKIP;
	}
	/* Only busy now: this host can honour performance mode. */
	if (!perf_no_skip_mode() && st == PERF_CONTENTION) {
		snprintf(msg, len, "%s: the host can honour performance mode, nothing to prove",
			 err);
		return KTSTR_SKIP;
	}
	snprintf(msg, len, "%s (%s makes it a failure)", err, why);
	return verdict_expect(t, KTSTR_FAIL, msg, len);
}

enum ktstr_verdict perf_no_skip_booted(const struct ktstr_test *t,
				       const struct ktstr_run *run,
				       const struct run_outcome *ro, char *msg,
				       size_t len)
{
	struct guest_result gr;
	enum ktstr_verdict v;

	/* The run on its own merits: the expectation was for a refusal. */
	v = raw_verdict(ro, &gr, msg, len);
	result_free(&gr);
	if (!run->tune->performance_mode) {
		if (v != KTSTR_PASS && v != KTSTR_SKIP)
			return v;
		snprintf(msg, len, "performance mode forced off (--no-perf-mode / KTSTR_NO_PERF_MODE=1): no refusal, nothing to prove");
		return KTSTR_SKIP;
	}
	if (v == KTSTR_SKIP) {
		snprintf(msg, len, "performance mode ran, but the guest saw no KVM_HINTS_REALTIME");
		return KTSTR_FAIL;
	}
	if (v != KTSTR_PASS)
		return v;
	if (t->host_check && t->host_check(run, msg, len) != KTSTR_PASS)
		return KTSTR_FAIL;
	snprintf(msg, len, "host can honour performance mode; nothing to prove");
	return KTSTR_SKIP;
}
