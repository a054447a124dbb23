/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The COM2 result protocol, between PID 1 and the host.
 *
 * The guest writes, on COM2 (after any output of the test body):
 *	===KTSTR_TEST_RESULT_START===
 *	verdict=PASS|FAIL|SKIP
 *	msg=<one line>
 *	diag=<one line>			(any number)
 *	===KTSTR_TEST_RESULT_END===
 *	KTSTR_EXIT=<n>			(fallback when the block is lost)
 * and "PANIC: <what>" followed by a backtrace if the guest side crashes.
 * The same block also travels as a TLV_TEST_RESULT frame (harness/channel.h).
 */
#ifndef KTSTR_HARNESS_RESULT_H
#define KTSTR_HARNESS_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/test.h"

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

#endif
