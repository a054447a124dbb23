// SPDX-License-Identifier: GPL-2.0
/* Running scenario steps: setup, hold with ops, teardown (see scenario.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenarios/cgroup.h"
#include "scenarios/scenario_int.h"

#define HOLD_POLL_NS 10000000ULL	/* ops, predicates, scheduler checks */

static const struct scenario_sched_ops *sched_ops;

/* Records why the scenario could not run; returns @err. */
static int __printf(3, 4) run_error(struct step_run *run, int err,
				    const char *fmt, ...)
{
	struct scenario_result *res = run->res;
	va_list ap;

	if (!res->error) {
		res->error = err;
		res->msg.len = 0;
		buf_printf(&res->msg, "%s", run->prefix);
		va_start(ap, fmt);
		buf_vprintf(&res->msg, fmt, ap);
		va_end(ap);
		buf_putc(&res->msg, 0);
	}
	return err;
}

static struct run_group *find_group(struct step_run *run, const char *name)
{
	int i;

	for (i = 0; name && i < run->nr_groups; i++)
		if (!strcmp(run->groups[i].def->name, name))
			return &run->groups[i];
	return NULL;
}

/* The set isolation holds @g's workers to, "" for none. */
static const char *group_expect(const struct run_group *g)
{
	return g->def->expect_cpus ? : g->cpus;
}

static int spawn_into(struct step_run *run, struct run_group *g, int count)
{
	const struct cgroup_def *d = g->def;
	int i, total = workers_count(d->type, count), r;
	struct worker *w[total];
	uint64_t now;

	r = workers_spawn(d->type, &d->params, count, g->path, w);
	if (r)
		return run_error(run, r, "cgroup %s: spawning %d %s workers: %s",
				 d->name, count, work_type_name(d->type),
				 strerror(-r));
	if (run->nr + total > run->cap) {
		run->cap = MAX(run->cap * 2, run->nr + total + 16);
		run->rw = xrealloc(run->rw, run->cap * sizeof(*run->rw));
	}
	now = now_ns();
	for (i = 0; i < total; i++) {
		struct run_worker *rw = &run->rw[run->nr++];

		memset(rw, 0, sizeof(*rw));
		rw->w = w[i];
		rw->home = rw->cur = g - run->groups;
		rw->aux = w[i]->stimulus;
		rw->idx = rw->aux ? -1 : g->nr_spawned++;
		rw->iso_since = now;
		snprintf(rw->expect, sizeof(rw->expect), "%s", group_expect(g));
	}
	return 0;
}

/* Releases workers [from, run->nr); their windows start now. */
static void go_from(struct step_run *run, int from)
{
	int i;

	for (i = from; i < run->nr; i++) {
		struct run_worker *rw = &run->rw[i];

		rw->mig0 = collect_migrations(rw->w->pid);
		worker_go(rw->w);
		rw->start_ns = rw->w->sh->go_ns;
		rw->iso_since = MAX(rw->iso_since, rw->start_ns);
	}
}

static bool valid_name(const char *n)
{
	return n && *n && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..") &&
	       strlen(n) < SCN_STR_LEN;
}

static int setup_group(struct step_run *run, const struct cgroup_def *d)
{
	struct run_group *g = &run->groups[run->nr_groups];
	struct cpuset set;
	int r;

	if (!valid_name(d->name) || find_group(run, d->name))
		return run_error(run, -EINVAL, "bad or duplicate cgroup name '%s'",
				 d->name ? : "(null)");
	if ((d->cpus && cpuset_parse(d->cpus, &set)) ||
	    (d->expect_cpus && cpuset_parse(d->expect_cpus, &set)))
		return run_error(run, -EINVAL, "cgroup %s: bad cpulist '%s'",
				 d->name, d->cpus ? : d->expect_cpus);
	g->def = d;
	snprintf(g->path, sizeof(g->path), "%s/%s", CGROUP_BASE, d->name);
	snprintf(g->cpus, sizeof(g->cpus), "%s", d->cpus ? : "");
	run->nr_groups++;
	r = cgroup_create(g->path);
	if (r)
		return run_error(run, r, "mkdir %s: %s", g->path, strerror(-r));
	r = d->cpus ? cgroup_set_cpus(g->path, d->cpus) : 0;
	if (r)
		return run_error(run, r, "cgroup %s: cpuset.cpus '%s': %s",
				 d->name, d->cpus, strerror(-r));
	r = d->weight ? cgroup_set_weight(g->path, d->weight) : 0;
	if (r)
		return run_error(run, r, "cgroup %s: cpu.weight %u: %s",
				 d->name, d->weight, strerror(-r));
	return d->workers > 0 ? spawn_into(run, g, d->workers) : 0;
}

static int step_setup(struct step_run *run)
{
	const struct step *st = run->step;
	int i, r;

	if (st->nr_setup > SCN_MAX_GROUPS)
		return run_error(run, -E2BIG, "%d cgroups, at most %d",
				 st->nr_setup, SCN_MAX_GROUPS);
	for (i = 0; i < st->nr_setup; i++) {
		r = setup_group(run, &st->setup[i]);
		if (r)
			return r;
	}
	return 0;
}

static int op_move(struct step_run *run, const struct step_op *op,
		   struct run_group *from)
{
	struct run_group *to = find_group(run, op->to);
	int i, moved = 0, r;

	if (!to)
		return run_error(run, -EINVAL, "move: no cgroup '%s'",
				 op->to ? : "(null)");
	for (i = 0; i < run->nr && (!op->count || moved < op->count); i++) {
		struct run_worker *rw = &run->rw[i];

		if (rw->aux || rw->killed || rw->cur != from - run->groups)
			continue;
		r = cgroup_attach(to->path, rw->w->pid);
		if (r)
			return run_error(run, r, "move pid %d to %s: %s",
					 rw->w->pid, to->def->name, strerror(-r));
		rw->cur = to - run->groups;
		rw->iso_since = now_ns();
		snprintf(rw->expect, sizeof(rw->expect), "%s",
			 op->cpus ? : group_expect(to));
		moved++;
	}
	return 0;
}

static int op_set_cpus(struct step_run *run, const struct step_op *op,
		       struct run_group *g)
{
	uint64_t now;
	int i, r = cgroup_set_cpus(g->path, op->cpus ? : "");

	if (r)
		return run_error(run, r, "cgroup %s: cpuset.cpus '%s': %s",
				 g->def->name, op->cpus ? : "", strerror(-r));
	snprintf(g->cpus, sizeof(g->cpus), "%s", op->cpus ? : "");
	now = now_ns();
	for (i = 0; i < run->nr; i++) {
		struct run_worker *rw = &run->rw[i];

		if (rw->aux || rw->cur != g - run->groups)
			continue;
		rw->iso_since = now;
		snprintf(rw->expect, sizeof(rw->expect), "%s", group_expect(g));
	}
	return 0;
}

/* Kills @count (0: all) of @g's workers, newest first, pairs whole. */
static int op_kill(struct step_run *run, const struct step_op *op,
		   struct run_group *g)
{
	int i, n = 0, count = op->count;

	if (count && work_type_paired(g->def->type))
		count += count % 2;
	for (i = run->nr - 1; i >= 0 && (!count || n < count); i--) {
		struct run_worker *rw = &run->rw[i];

		if (rw->aux || rw->killed || rw->home != g - run->groups)
			continue;
		worker_end(rw->w);
		rw->killed = true;
		rw->end_ns = now_ns();
		n++;
	}
	return 0;
}

void scenario_set_sched_ops(const struct scenario_sched_ops *ops)
{
	sched_ops = ops;
}

/* 0, 1 (start: one was running already), or -errno with the reason. */
static int op_sched(struct step_run *run, bool start)
{
	const char *name = run->ctx->test->scheduler;
	struct buf msg = {};
	int r;

	if (!sched_ops)
		return run_error(run, -ENOTSUP, "no scheduler support to %s %s",
				 start ? "start" : "stop", name ? : "EEVDF");
	r = start ? sched_ops->start(run->ctx, &msg) :
		    sched_ops->stop(run->ctx, &msg);
	if (r < 0) {
		buf_putc(&msg, 0);
		run_error(run, r, "%s scheduler %s: %s",
			  start ? "starting" : "stopping", name ? : "(none)",
			  msg.len > 1 ? (char *)msg.data : strerror(-r));
	}
	buf_free(&msg);
	return r;
}

/* OP_CALL: a failure is an assertion, the hold goes on. */
static void op_call(struct step_run *run, const struct step_op *op)
{
	struct assert_result a = {};
	struct buf msg = {};

	if (!op->fn(run->ctx, run, op->arg, &msg))
		return;
	buf_putc(&msg, 0);
	assert_fail(&a, "%sat %u ms: %s", run->prefix, op->at_ms,
		    msg.len > 1 ? (char *)msg.data : "check failed");
	result_add(run->res, &a);
	buf_free(&msg);
}

static int apply_op(struct step_run *run, const struct step_op *op)
{
	struct run_group *g = find_group(run, op->cgroup);
	int r, from = run->nr;

	if (!g && op->kind != OP_SCHED_START && op->kind != OP_SCHED_STOP &&
	    op->kind != OP_CALL)
		return run_error(run, -EINVAL, "op %d: no cgroup '%s'",
				 op->kind, op->cgroup ? : "(null)");
	switch (op->kind) {
	case OP_MOVE:
		return op_move(run, op, g);
	case OP_SET_CPUS:
		return op_set_cpus(run, op, g);
	case OP_SET_WEIGHT:
		r = cgroup_set_weight(g->path, op->weight);
		return r ? run_error(run, r, "cgroup %s: cpu.weight %u: %s",
				     g->def->name, op->weight, strerror(-r)) : 0;
	case OP_SPAWN:
		r = spawn_into(run, g, op->count ? : g->def->workers);
		if (!r)
			go_from(run, from);
		return r;
	case OP_KILL:
		return op_kill(run, op, g);
	case OP_SCHED_START:
	case OP_SCHED_STOP:
		r = op_sched(run, op->kind == OP_SCHED_START);
		return r < 0 ? r : 0;
	case OP_CALL:
		op_call(run, op);
		return 0;
	}
	return run_error(run, -EINVAL, "unknown op %d", op->kind);
}

static uint64_t hold_ns(const struct step_run *run)
{
	const struct hold *h = &run->step->hold;
	uint32_t dur = run->ctx->test->duration_ms ? : SCN_DEFAULT_DURATION_MS;

	switch (h->kind) {
	case HOLD_FRAC:
		return (uint64_t)(h->frac * dur * 1e6);
	case HOLD_MS:
		return h->ms * 1000000ULL;
	case HOLD_UNTIL:
		return (h->ms ? : dur) * 1000000ULL;
	}
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	nanosleep(&ts, NULL);
}

/* A scheduler that died ends the step and fails it. */
/*
 * Ends every running worker: a scheduler that left "enabled" is disabled
 * by the kernel, which needs the CPU time the workers would take.
 */
static void end_workers(struct step_run *run)
{
	int i;

	for (i = 0; i < run->nr; i++) {
		struct run_worker *rw = &run->rw[i];

		if (rw->aux || rw->killed)
			continue;
		worker_end(rw->w);
		rw->killed = true;
		rw->end_ns = now_ns();
	}
}

static bool sched_failed(struct step_run *run)
{
	struct assert_result a = {};
	struct buf msg = {};

	if (!sched_ops || !sched_ops->check)
		return false;
	if (sched_ops->left && sched_ops->left())
		end_workers(run);
	if (!sched_ops->check(run->ctx, &msg))
		return false;
	buf_putc(&msg, 0);
	assert_fail(&a, "%sscheduler: %s", run->prefix, (char *)msg.data);
	result_add(run->res, &a);
	buf_free(&msg);
	run->res->sched_failed = true;
	return true;
}

static int hold(struct step_run *run)
{
	const struct step *st = run->step;
	uint64_t len = hold_ns(run), el;
	int i = 0, r;

	for (;;) {
		el = now_ns() - run->start_ns;
		while (i < st->nr_ops && st->ops[i].at_ms * 1000000ULL <= el) {
			r = apply_op(run, &st->ops[i++]);
			if (r)
				return r;
		}
		if (el >= len || sched_failed(run))
			break;
		if (st->hold.kind == HOLD_UNTIL && st->hold.until &&
		    st->hold.until(run, st->hold.arg))
			break;
		sleep_ns(MIN(HOLD_POLL_NS, len - el));
	}
	run->end_ns = now_ns();
	return 0;
}

/* Ops must fall inside a timed hold, in time order. */
static int check_ops(struct step_run *run)
{
	const struct step *st = run->step;
	uint64_t len = hold_ns(run);
	int i;

	for (i = 0; i < st->nr_ops; i++) {
		if (st->ops[i].kind == OP_CALL && !st->ops[i].fn)
			return run_error(run, -EINVAL, "op %d: OP_CALL without fn", i);
		if (i && st->ops[i].at_ms < st->ops[i - 1].at_ms)
			return run_error(run, -EINVAL, "op %d at %u ms comes before op %d",
					 i, st->ops[i].at_ms, i - 1);
		if (st->hold.kind != HOLD_UNTIL &&
		    st->ops[i].at_ms * 1000000ULL >= len)
			return run_error(run, -EINVAL, "op %d at %u ms is past the %llu ms hold",
					 i, st->ops[i].at_ms,
					 (unsigned long long)(len / 1000000));
	}
	return 0;
}

static void step_teardown(struct step_run *run)
{
	int i;

	for (i = 0; i < run->nr; i++)
		worker_kill(run->rw[i].w);
	/* Orphans (fork churn children) come back to us as subreaper. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (i = run->nr_groups - 1; i >= 0; i--) {
		int r = cgroup_destroy(run->groups[i].path);

		if (r)
			run_error(run, r, "cleanup of %s: %s",
				  run->groups[i].path, strerror(-r));
	}
	free(run->rw);
	free(run->steal0_cpu);
}

static int run_step(struct ktstr_ctx *ctx, const struct step *st, int index,
		    struct scenario_result *res)
{
	struct step_run run = {
		.ctx = ctx, .step = st, .index = index, .res = res,
		.nr_cpus = topo_nr_cpus(ctx),
	};
	int r;

	if (st->name)
		snprintf(run.prefix, sizeof(run.prefix), "%s: ", st->name);
	else
		snprintf(run.prefix, sizeof(run.prefix), "step %d: ", index);
	run.steal0_cpu = xzalloc(run.nr_cpus * sizeof(uint64_t));
	r = check_ops(&run) ? : step_setup(&run);
	if (!r) {
		run.steal0 = collect_steal(run.steal0_cpu, run.nr_cpus);
		run.start_ns = now_ns();
		go_from(&run, 0);
		r = hold(&run);
	}
	if (!r)
		r = collect_step(&run);
	step_teardown(&run);
	return r ? : res->error;
}

int execute_steps(struct ktstr_ctx *ctx, const struct step *steps, int n,
		  struct scenario_result *res)
{
	const char *sched = ctx->test->scheduler;
	struct step_run top = { .ctx = ctx, .res = res };
	bool owned = false;
	int i, r;

	memset(res, 0, sizeof(*res));
	res->worst_spread = 1.0;
	/* Grandchildren a worker leaves behind are reaped by us, not init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = cgroup_setup_base();
	if (r)
		return run_error(&top, r, "cgroup setup under %s: %s",
				 CGROUP_BASE, strerror(-r));
	/* Normally PID 1 runs it already: then it stays PID 1's to stop. */
	if (sched) {
		r = op_sched(&top, true);
		if (r < 0)
			return r;
		owned = !r;
		r = 0;
	}
	for (i = 0; i < n && !r && !res->sched_failed; i++)
		r = run_step(ctx, &steps[i], i, res);
	if (owned) {
		int s = op_sched(&top, false);

		r = r ? : s;
	}
	return r;
}

int scenario_verdict(struct ktstr_ctx *ctx, struct scenario_result *res)
{
	if (res->error || res->nr_failed)
		return ktstr_fail(ctx, "%s", res->msg.len ? (char *)res->msg.data
					 : "scenario failed");
	return KTSTR_PASS;
}

int scenario_run_verdict(struct ktstr_ctx *ctx, struct scenario *s,
			 struct scenario_result *res)
{
	scenario_run(ctx, s, res);
	ktstr_diag(ctx, "total %llu iterations, worst gap %.1f ms, worst p99 %llu ns, worst spread %.2f, steal %llu ticks",
		   (unsigned long long)res->total_iters, res->worst_gap_ns / 1e6,
		   (unsigned long long)res->worst_p99_ns, res->worst_spread,
		   (unsigned long long)res->steal_ticks);
	return scenario_verdict(ctx, res);
}

void scenario_result_free(struct scenario_result *res)
{
	buf_free(&res->msg);
	free(res->workers);
	res->workers = NULL;
	res->nr_workers = 0;
}

uint64_t step_run_min_iters(const struct step_run *run)
{
	uint64_t min = UINT64_MAX;
	int i;

	for (i = 0; i < run->nr; i++)
		if (!run->rw[i].aux && !run->rw[i].killed)
			min = MIN(min, worker_iters(run->rw[i].w));
	return min == UINT64_MAX ? 0 : min;
}

bool hold_until_iters(const struct step_run *run, void *arg)
{
	return step_run_min_iters(run) >= *(const uint64_t *)arg;
}

int step_run_nr_workers(const struct step_run *run)
{
	return run->nr;
}

pid_t step_run_worker(const struct step_run *run, int i, char *name,
		      size_t len)
{
	const struct run_worker *rw;

	if (i < 0 || i >= run->nr)
		return 0;
	rw = &run->rw[i];
	if (rw->aux || rw->killed)
		return 0;
	if (name && len)
		snprintf(name, len, "%s/%d", run->groups[rw->home].def->name,
			 rw->idx);
	return rw->w->pid;
}
