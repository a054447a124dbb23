/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by scenario.c (running steps) and collect.c (metrics). */
#ifndef KTSTR_SCENARIOS_SCENARIO_INT_H
#define KTSTR_SCENARIOS_SCENARIO_INT_H

#include "scenarios/scenario.h"

struct run_group {
	const struct cgroup_def *def;
	char path[SCN_STR_LEN + 32];
	char cpus[METRICS_CPUS_LEN];	/* current cpuset.cpus, "" = all */
	int nr_spawned;			/* next worker index */
};

struct run_worker {
	struct worker *w;
	int home, cur;			/* group spawned in, group now in */
	int idx;			/* index within home */
	bool aux;			/* stimulus generator: not measured */
	bool killed;
	uint64_t start_ns;		/* released by worker_go() */
	uint64_t end_ns;		/* killed by OP_KILL, or 0 */
	uint64_t iso_since;		/* its expected cpuset holds from */
	char expect[METRICS_CPUS_LEN];	/* "" = no isolation check */
	int64_t mig0;			/* nr_migrations at start, -1 unknown */
};

struct step_run {
	struct ktstr_ctx *ctx;
	const struct step *step;
	int index;
	char prefix[SCN_STR_LEN];	/* "step N: " or "NAME: " */
	struct run_group groups[SCN_MAX_GROUPS];
	int nr_groups;
	struct run_worker *rw;
	int nr, cap;
	uint64_t start_ns, end_ns;
	uint64_t steal0;
	uint64_t *steal0_cpu;		/* [nr_cpus] */
	uint32_t nr_cpus;
	struct scenario_result *res;
};

/* Reads nr_migrations of @pid from /proc/<pid>/sched; -1 if unknown. */
int64_t collect_migrations(pid_t pid);
/* Steal ticks now, total and per CPU (@percpu[nr_cpus], may be NULL). */
uint64_t collect_steal(uint64_t *percpu, uint32_t nr_cpus);
/* Adds @a's failures to @res and frees them. */
void result_add(struct scenario_result *res, struct assert_result *a);
/* Stops the workers, computes, checks and reports the step's metrics. */
int collect_step(struct step_run *run);

#endif
