/* SPDX-License-Identifier: GPL-2.0 */
/* kselftest TAP 13 output and totals. */
#ifndef KTSTR_CLI_TAP_H
#define KTSTR_CLI_TAP_H

#include <stdio.h>

#include "harness/test.h"

struct tap {
	FILE *out;
	int n;
	int pass, fail, xfail, xpass, skip, error;
};

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

void tap_header(struct tap *t, FILE *out, int plan);
/* One result line; @msg (may be NULL) and @diag lines become "# " lines. */
void tap_result(struct tap *t, const char *name, enum ktstr_verdict v,
		const char *msg, const char *diag);
void tap_diag(struct tap *t, const char *fmt, ...) __printf(2, 3);
/* Prints "# Totals: ..." and returns the kselftest exit code. */
int tap_finish(struct tap *t);

#endif
