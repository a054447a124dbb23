/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's verdict of one run: the guest's result block
 * (harness/result.h), panics in the consoles, how the VM stopped, and what
 * the test expected.
 */
#ifndef KTSTR_CLI_VERDICT_H
#define KTSTR_CLI_VERDICT_H

#include <stddef.h>

#include "harness/result.h"
#include "harness/test.h"
#include "vmm/perf.h"
#include "vmm/vm.h"

/*
 * Finds a kernel panic, oops or BUG in the kernel log, or a "PANIC:" line
 * from the guest side, and copies it (with a few following lines) into
 * @out. Returns true when one was found.
 */
bool find_panic(const char *com1, size_t len1, const char *com2, size_t len2,
		char *out, size_t outlen);

struct run_outcome {
	enum vm_exit_kind exit_kind;
	const char *exit_msg;
	const char *com1, *com2;
	size_t com1_len, com2_len;
	/* The result block from the data channel, or NULL: COM2's is used. */
	const char *result_text;
	size_t result_len;
	/* Extra failure from another channel (corrupt TLV frames...), or NULL. */
	const char *channel_error;
	/*
	 * Guest output over a channel's cap (vmm_cap_errors()), or NULL: a
	 * FAIL even when the result came through, since output was lost.
	 */
	const char *cap_error;
};

/*
 * The verdict of one test run against what the test expects; @msg gets
 * the reason shown to the user.
 */
enum ktstr_verdict evaluate_run(const struct ktstr_test *t,
				const struct run_outcome *o,
				struct guest_result *r, char *msg,
				size_t msglen);

/*
 * What @t expects (t->expect, t->expect_msg) against the verdict @v it got,
 * whose reason is in @msg: the final verdict, @msg rewritten to say why
 * ("failed as expected: ...", "expected TIMEOUT, got FAIL: ...").
 */
enum ktstr_verdict verdict_expect(const struct ktstr_test *t,
				  enum ktstr_verdict v, char *msg,
				  size_t msglen);

/*
 * Performance mode refused before boot (@st, @err "PerfModeUnavailable:
 * ..."): SKIP with @err, or, in no-skip mode (KTSTR_NO_SKIP_MODE=1 or
 * t->no_skip_mode), FAIL, judged against t->expect and t->expect_msg like
 * a guest's failure. @msg gets the reason.
 */
enum ktstr_verdict perf_refusal_verdict(const struct ktstr_test *t,
					enum perf_status st, const char *err,
					char *msg, size_t len);

/*
 * A t->no_skip_mode test that booted: performance mode was honoured (or
 * forced off), so there is no refusal to prove. SKIP when the run itself
 * was sound (the guest's own verdict, without t's expectation, then
 * t->host_check); any failure of the run stands.
 */
enum ktstr_verdict perf_no_skip_booted(const struct ktstr_test *t,
				       const struct ktstr_run *run,
				       const struct run_outcome *ro, char *msg,
				       size_t len);

#endif
