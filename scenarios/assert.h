/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions: a step's per-worker metrics checked against the test's
 * struct ktstr_thresholds. Each failure is one clause naming the worker,
 * the value and the bound; clauses are joined with "; ". A zero threshold
 * is not checked; starvation and isolation are always checked.
 */
#ifndef KTSTR_SCENARIOS_ASSERT_H
#define KTSTR_SCENARIOS_ASSERT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/test.h"
#include "scenarios/metrics.h"
#include "scenarios/workers.h"
#include "util/util.h"

#define METRICS_NAME_LEN 48
#define METRICS_CPUS_LEN 96

struct worker_metrics {
	char name[METRICS_NAME_LEN];	/* "cgroup/index" */
	pid_t pid;
	enum work_type type;
	int group;		/* the cgroup it was spawned in: equal workers */
	int llc;		/* the LLC it ran on most, -1 if unknown */
	bool measured;		/* false: killed during the step */
	uint64_t start_ns;	/* window: from its go to the end of the hold */
	uint64_t window_ns;
	uint64_t iters;
	double rate;		/* iterations per second */
	uint64_t max_gap_ns, max_gap_at_ns;	/* at: from start_ns */
	struct lat_stats lat;
	bool has_expect;	/* isolation: the cpuset it must stay in */
	char expect_cpus[METRICS_CPUS_LEN];
	uint64_t outside;	/* samples outside it */
	struct cpu_sample first_outside;
	uint64_t moves;		/* CPU changes in its samples */
	int64_t migrations;	/* /proc/<pid>/sched delta, -1 if unknown */
	uint64_t run_ns, wait_ns;	/* /proc/<pid>/schedstat */
};

struct assert_result {
	int nr;			/* failed assertions */
	struct buf msg;		/* NUL-terminated when nr > 0 */
};

void assert_fail(struct assert_result *r, const char *fmt, ...) __printf(2, 3);
/*
 * Checks @m[0..n) against @thr; @groups[g] names group g. Clauses start
 * with @prefix (e.g. "step 0: ").
 */
void assert_workers(const struct ktstr_thresholds *thr,
		    const struct worker_metrics *m, int n,
		    const char *const *groups, int nr_groups,
		    const char *prefix, struct assert_result *r);
/*
 * Spread of the rates of group @g's measured workers, only those whose
 * dominant LLC is @llc if @llc >= 0 (1.0 if < 2; lock pairs are not equal
 * workers and are left out).
 */
double assert_group_spread(const struct worker_metrics *m, int n, int g,
			   int llc, int *imax, int *imin);

#endif
