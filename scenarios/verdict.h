/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The COM2 result protocol and the host's verdict.
 *
 * The guest writes, on COM2 (after any output of the test body):
 *	===KTSTR_TEST_RESULT_START===
 *	verdict=PASS|FAIL|SKIP
 *	msg=<one line>
 *	diag=<one line>			(any number)
 *	===KTSTR_TEST_RESULT_END===
 *	KTSTR_EXIT=<n>			(fallback when the block is lost)
 * and "PANIC: <what>" followed by a backtrace if the guest side crashes.
 */
#ifndef KTSTR_SCENARIOS_VERDICT_H
#define KTSTR_SCENARIOS_VERDICT_H

#include <stddef.h>

#include "scenarios/test.h"
#include "vmm/vm.h"

#define RESULT_START "===KTSTR_TEST_RESULT_START==="
#define RESULT_END "===KTSTR_TEST_RESULT_END==="
#define RESULT_EXIT "KTSTR_EXIT="

struct guest_result {
	bool complete;			/* a well-formed block was found */
	enum ktstr_verdict verdict;
	char msg[2048];
	struct buf diag;		/* diag lines, '\n'-separated */
	int exit_code;			/* KTSTR_EXIT=, -1 when absent */
	char parse_error[256];
};

/* Guest side: appends the block and the KTSTR_EXIT line to @out. */
void result_format(struct buf *out, enum ktstr_verdict v, const char *msg,
		   const char *diag);
/* Host side: parses COM2 output; never trusts it. */
void result_parse(const char *com2, size_t len, struct guest_result *r);
void result_free(struct guest_result *r);

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
};

/*
 * The verdict of one test run against what the test expects; @msg gets
 * the reason shown to the user.
 */
enum ktstr_verdict evaluate_run(const struct ktstr_test *t,
				const struct run_outcome *o,
				struct guest_result *r, char *msg,
				size_t msglen);

#endif
