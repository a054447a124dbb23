/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-test result files (`ktstr run --results DIR`): one JSON object per
 * test run, with the identity of the run, read back by `ktstr stats
 * compare`. The layout is described in README ("Patch validation").
 */
#ifndef KTSTR_CLI_RESULTS_H
#define KTSTR_CLI_RESULTS_H

#include "util/util.h"

#define RESULTS_SCHEMA	1

/* `git describe` of the ktstr build, or "unknown". */
const char *ktstr_version(void);

/*
 * The run-wide identity as JSON members (no braces): ktstr version, guest
 * kernel path, version and config hash where found next to @kernel, host
 * CPU model and count, emulated host or not, UTC date.
 */
void results_identity(struct buf *b, const char *kernel);

/*
 * Writes {"schema": 1, <@identity>, <@body>} to
 * @dir/@test.json (@repeat 0) or @dir/@test.@repeat.json, through a temp
 * file and rename(); 0 or -errno. The text is checked with json_valid().
 */
int results_write(const char *dir, const char *test, int repeat,
		  const struct buf *identity, const struct buf *body);

#endif
