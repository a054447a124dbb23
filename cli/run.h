/* SPDX-License-Identifier: GPL-2.0 */
/* Host side of a test run: one VM per test, verdicts as TAP. */
#ifndef KTSTR_CLI_RUN_H
#define KTSTR_CLI_RUN_H

#include <stdbool.h>

#include "harness/test.h"

struct run_options {
	const char *kernel;
	const char *topology;		/* overrides each test's */
	const char **patterns;		/* NAME or glob; none: all */
	int nr_patterns;
	const char *category;		/* space-separated list, or NULL */
	const char *json_path;		/* per-run JSON result file, or NULL */
	const char *results_dir;	/* one JSON file per test run, or NULL */
	int repeat;			/* runs of each test, 0 or 1: once */
	const char *append;		/* extra guest kernel arguments */
	const char *scheduler;		/* external scheduler for every test */
	const char *stats_sock;		/* host socket of the stats relay */
	uint32_t cpu_cap;		/* --cpu-cap / KTSTR_CPU_CAP, 0: none */
	uint32_t monitor_interval_ms;	/* overrides each test's, 0: not */
	bool verbose;			/* stream the guest console */
};

/* Default kernel: $KTSTR_KERNEL, the kernel tree's bzImage, the cache. */
const char *kernel_default(void);
/* The test's watchdog: its .timeout_ms or the default. */
uint32_t test_timeout_ms(const struct ktstr_test *t);
bool test_selected(const struct ktstr_test *t, const struct run_options *o);
/* Runs the selected tests; returns the kselftest exit code. */
int run_tests(const struct run_options *o);

#endif
