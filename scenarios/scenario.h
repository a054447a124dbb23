/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenarios: a test is a list of steps. Each step
 *  - sets up cgroups under CGROUP_BASE, each with workers of one work type,
 *    an optional cpuset and cpu.weight;
 *  - starts the workers and holds for a fraction of the test's duration, a
 *    fixed time, or until a predicate holds, applying its ops (move
 *    workers, change a cpuset or weight, spawn/kill workers, start/stop the
 *    scheduler, call a function) at their offsets into the hold;
 *  - stops the workers, computes their metrics over the hold, checks them
 *    against the test's thresholds, writes ktstr_diag() lines, and tears
 *    everything down (workers killed, cgroups removed).
 *
 *	struct scenario s;
 *	struct scenario_result res;
 *
 *	scn_init(&s);
 *	scn_steady(&s, ctx, WORK_SPIN);
 *	if (scenario_run(ctx, &s, &res))
 *		...
 *	return scenario_verdict(ctx, &res);
 */
#ifndef KTSTR_SCENARIOS_SCENARIO_H
#define KTSTR_SCENARIOS_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/test.h"
#include "scenarios/assert.h"
#include "scenarios/sysfs.h"
#include "scenarios/workers.h"

#define SCN_MAX_GROUPS 32	/* cgroups per step */
#define SCN_DEFAULT_DURATION_MS 2000

struct cgroup_def {
	const char *name;	/* directory under CGROUP_BASE */
	int workers;
	enum work_type type;
	struct work_params params;
	const char *cpus;	/* cpuset.cpus; NULL: all CPUs */
	/* The set the isolation check holds workers to; NULL: cpus. */
	const char *expect_cpus;
	uint32_t weight;	/* cpu.weight; 0: the kernel's default */
};

enum step_op_kind {
	OP_MOVE,		/* count workers of cgroup into to */
	OP_SET_CPUS,		/* cgroup's cpuset.cpus = cpus */
	OP_SET_WEIGHT,		/* cgroup's cpu.weight = weight */
	OP_SPAWN,		/* count more workers into cgroup */
	OP_KILL,		/* count of cgroup's workers, newest first */
	OP_SCHED_START,		/* the test's scheduler, if not running */
	OP_SCHED_STOP,		/* it, if running (scenario_sched_ops) */
	OP_CALL,		/* fn(): a failed assertion if non-zero */
};

struct step_run;

struct step_op {
	enum step_op_kind kind;
	uint32_t at_ms;		/* offset into the hold */
	const char *cgroup;
	const char *to;		/* OP_MOVE */
	int count;		/* 0: all (OP_SPAWN: the group's workers) */
	/* OP_SET_CPUS: the new set; OP_MOVE: expect this set, not to's */
	const char *cpus;
	uint32_t weight;
	/*
	 * OP_CALL: a check or an action of the test's own; 0, or non-zero
	 * with the reason in @msg (one line): a failed assertion.
	 */
	int (*fn)(struct ktstr_ctx *ctx, const struct step_run *run, void *arg,
		  struct buf *msg);
	void *arg;
};

enum hold_kind {
	HOLD_FRAC,		/* frac of the test's duration_ms */
	HOLD_MS,		/* ms */
	HOLD_UNTIL,		/* until(run, arg), at most ms (0: duration) */
};

struct hold {
	enum hold_kind kind;
	double frac;
	uint32_t ms;
	bool (*until)(const struct step_run *run, void *arg);
	void *arg;
};

#define HOLD_FULL ((struct hold){ .kind = HOLD_FRAC, .frac = 1.0 })

struct step {
	const char *name;	/* NULL: "step N" */
	const struct cgroup_def *setup;
	int nr_setup;
	const struct step_op *ops;
	int nr_ops;
	struct hold hold;
};

struct scenario_result {
	int error;		/* -errno: the scenario could not run */
	int nr_failed;		/* failed assertions */
	struct buf msg;		/* NUL-terminated reasons, "; "-joined */
	uint64_t total_iters;
	uint64_t worst_gap_ns;
	uint64_t worst_p99_ns;
	double worst_spread;
	uint64_t steal_ticks;
	bool sched_failed;	/* the scheduler died: later steps not run */
	/* Every worker of every step that ran, for the test's own checks. */
	struct worker_metrics *workers;
	int nr_workers;
};

/*
 * Runs @steps[0..n); fills @res (to be freed with scenario_result_free).
 * Returns 0 when every step ran (assertions may still have failed), or
 * -errno with the reason in res->msg.
 */
int execute_steps(struct ktstr_ctx *ctx, const struct step *steps, int n,
		  struct scenario_result *res);
/* KTSTR_PASS, or ktstr_fail() with the result's message. */
int scenario_verdict(struct ktstr_ctx *ctx, struct scenario_result *res);
void scenario_result_free(struct scenario_result *res);

/* For HOLD_UNTIL predicates: fewest iterations of a measured worker. */
uint64_t step_run_min_iters(const struct step_run *run);
/* HOLD_UNTIL predicate: every worker did *(uint64_t *)arg iterations. */
bool hold_until_iters(const struct step_run *run, void *arg);
/*
 * For OP_CALL and predicates: the step's workers are 0..nr-1; the pid of
 * worker @i and its "cgroup/index" name in @name (may be NULL), or 0 for a
 * stimulus generator or a killed worker.
 */
int step_run_nr_workers(const struct step_run *run);
pid_t step_run_worker(const struct step_run *run, int i, char *name,
		      size_t len);

/*
 * The scheduler hook, filled in by the sched_ext side (sched/scx_ktstr.c,
 * installed by PID 1 before the test body). The scheduler is the test's
 * .scheduler; PID 1 normally runs it around the whole body already.
 *  start:	0 when it started it, 1 when one was running (a no-op), or
 *		-errno with one line in @msg; -EINVAL for a test without one;
 *  stop:	0 when it stopped it or none was running, or -errno with
 *		@msg (it had exited by itself: the SCHED_EXIT line);
 *  check:	0 while it runs or none was started; non-zero with @msg
 *		(the SCHED_EXIT line) once it exited.
 * execute_steps() starts it before the first step if it is not running,
 * and stops after the last step only one it started that way; so under
 * PID 1 the scheduler outlives the scenario and the test can still read
 * its statistics. OP_SCHED_STOP and OP_SCHED_START toggle it in between.
 * check() runs during every hold: non-zero ends the step, fails the test
 * with @msg and skips the remaining steps.
 */
struct scenario_sched_ops {
	int (*start)(struct ktstr_ctx *ctx, struct buf *msg);
	int (*stop)(struct ktstr_ctx *ctx, struct buf *msg);
	int (*check)(struct ktstr_ctx *ctx, struct buf *msg);
	/* Non-zero once it left, before check() waits for the disable. */
	int (*left)(void);
};
void scenario_set_sched_ops(const struct scenario_sched_ops *ops);

/* -- Building scenarios (scenarios/canned.c) -- */

#define SCN_MAX_STEPS 8
#define SCN_MAX_DEFS 64
#define SCN_MAX_OPS 32
#define SCN_MAX_STRS 96
#define SCN_STR_LEN 128

/*
 * Storage for the steps of one scenario. Builders never return NULL: past
 * a limit they return a scratch object and set err, which scenario_run()
 * reports.
 */
struct scenario {
	struct step steps[SCN_MAX_STEPS];
	struct cgroup_def defs[SCN_MAX_DEFS];
	struct step_op ops[SCN_MAX_OPS];
	char strs[SCN_MAX_STRS][SCN_STR_LEN];
	int nr_steps, nr_defs, nr_ops, nr_strs;
	int err;
};

void scn_init(struct scenario *s);
/* A new step; groups and ops added next belong to it. */
struct step *scn_step(struct scenario *s, const char *name, struct hold hold);
struct cgroup_def *scn_group(struct scenario *s, const char *name,
			     int workers, enum work_type type);
struct step_op *scn_op(struct scenario *s, enum step_op_kind kind,
		       const char *cgroup, uint32_t at_ms);
/* A string kept in @s. */
const char *scn_str(struct scenario *s, const char *fmt, ...) __printf(2, 3);
const char *scn_cpus(struct scenario *s, const struct cpuset *set);
int scenario_run(struct ktstr_ctx *ctx, struct scenario *s,
		 struct scenario_result *res);
/*
 * scenario_run(), a diagnostic line summing it up (iterations, worst gap,
 * p99 wake latency, spread, steal), then scenario_verdict(); @res is the
 * caller's to check further and free.
 */
int scenario_run_verdict(struct ktstr_ctx *ctx, struct scenario *s,
			 struct scenario_result *res);

/* CPUs of the declared topology. */
uint32_t topo_nr_cpus(const struct ktstr_ctx *ctx);
void topo_cpus_all(const struct topology *t, struct cpuset *set);
void topo_cpus_llc(const struct topology *t, uint32_t llc, struct cpuset *set);
void topo_cpus_node(const struct topology *t, uint32_t node,
		    struct cpuset *set);
/* The same as cpulist strings kept in @s ("" if the set is empty). */
const char *scn_llc_cpus(struct scenario *s, const struct ktstr_ctx *ctx,
			 uint32_t llc);
const char *scn_node_cpus(struct scenario *s, const struct ktstr_ctx *ctx,
			  uint32_t node);

/*
 * Canned scenarios, one step each (0 or -errno):
 *  steady:		one worker of @type per CPU, one cgroup;
 *  oversubscribed:	@factor spinners per CPU;
 *  cpuset_isolation:	two cgroups on disjoint halves (by LLC if >1 LLC);
 *  cgroup_weights:	two cgroups of spinners, weights @lo and @hi, on the
 *			same CPUs, twice as many workers as CPUs;
 *  llc_placement:	a cgroup of cache thrashers per LLC, on its CPUs;
 *  numa_spread:	a cgroup of spinners per node, on its CPUs.
 */
int scn_steady(struct scenario *s, const struct ktstr_ctx *ctx,
	       enum work_type type);
int scn_oversubscribed(struct scenario *s, const struct ktstr_ctx *ctx,
		       int factor);
int scn_cpuset_isolation(struct scenario *s, const struct ktstr_ctx *ctx);
int scn_cgroup_weights(struct scenario *s, const struct ktstr_ctx *ctx,
		       uint32_t lo, uint32_t hi);
int scn_llc_placement(struct scenario *s, const struct ktstr_ctx *ctx);
int scn_numa_spread(struct scenario *s, const struct ktstr_ctx *ctx);

#endif
