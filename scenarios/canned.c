// SPDX-License-Identifier: GPL-2.0
/*
 * Building scenarios: step/group/op storage, cpusets of the declared
 * topology, and the canned scenarios tests share (see scenario.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/scenario.h"

/* Where builders write once a limit is hit: never read back. */
static struct step scratch_step;
static struct cgroup_def scratch_def;
static struct step_op scratch_op;

void scn_init(struct scenario *s)
{
	memset(s, 0, sizeof(*s));
}

struct step *scn_step(struct scenario *s, const char *name, struct hold hold)
{
	struct step *st;

	if (s->nr_steps >= SCN_MAX_STEPS) {
		s->err = -ENOSPC;
		return &scratch_step;
	}
	st = &s->steps[s->nr_steps++];
	st->name = name;
	st->hold = hold;
	st->setup = &s->defs[s->nr_defs];
	st->ops = &s->ops[s->nr_ops];
	return st;
}

/* The step groups and ops go to; the first call makes one. */
static struct step *cur_step(struct scenario *s)
{
	if (!s->nr_steps)
		return scn_step(s, NULL, HOLD_FULL);
	return &s->steps[s->nr_steps - 1];
}

struct cgroup_def *scn_group(struct scenario *s, const char *name,
			     int workers, enum work_type type)
{
	struct step *st = cur_step(s);
	struct cgroup_def *d;

	if (s->err || s->nr_defs >= SCN_MAX_DEFS) {
		s->err = s->err ? : -ENOSPC;
		return &scratch_def;
	}
	d = &s->defs[s->nr_defs++];
	d->name = name;
	d->workers = workers;
	d->type = type;
	st->nr_setup++;
	return d;
}

struct step_op *scn_op(struct scenario *s, enum step_op_kind kind,
		       const char *cgroup, uint32_t at_ms)
{
	struct step *st = cur_step(s);
	struct step_op *op;

	if (s->err || s->nr_ops >= SCN_MAX_OPS) {
		s->err = s->err ? : -ENOSPC;
		return &scratch_op;
	}
	op = &s->ops[s->nr_ops++];
	op->kind = kind;
	op->cgroup = cgroup;
	op->at_ms = at_ms;
	st->nr_ops++;
	return op;
}

static char *new_str(struct scenario *s)
{
	if (s->nr_strs >= SCN_MAX_STRS) {
		s->err = s->err ? : -ENOSPC;
		return NULL;
	}
	return s->strs[s->nr_strs++];
}

const char *scn_str(struct scenario *s, const char *fmt, ...)
{
	char *p = new_str(s);
	va_list ap;

	if (!p)
		return "";
	va_start(ap, fmt);
	if (vsnprintf(p, SCN_STR_LEN, fmt, ap) >= SCN_STR_LEN)
		s->err = s->err ? : -ENAMETOOLONG;
	va_end(ap);
	return p;
}

const char *scn_cpus(struct scenario *s, const struct cpuset *set)
{
	char *p = new_str(s);

	if (!p)
		return "";
	if (cpuset_format(set, p, SCN_STR_LEN)) {
		s->err = s->err ? : -ENAMETOOLONG;
		p[0] = '\0';
	}
	return p;
}

int scenario_run(struct ktstr_ctx *ctx, struct scenario *s,
		 struct scenario_result *res)
{
	if (s->err) {
		memset(res, 0, sizeof(*res));
		res->error = s->err;
		buf_printf(&res->msg, "scenario too large for struct scenario: %s",
			   strerror(-s->err));
		buf_putc(&res->msg, 0);
		return s->err;
	}
	return execute_steps(ctx, s->steps, s->nr_steps, res);
}

uint32_t topo_nr_cpus(const struct ktstr_ctx *ctx)
{
	return MIN(topology_nr_cpus(&ctx->topo), (uint32_t)CPUSET_MAX);
}

/* CPUs whose @field (node or llc) is @want. */
static void cpus_where(const struct topology *t, bool node, uint32_t want,
		       struct cpuset *set)
{
	uint32_t c, n = MIN(topology_nr_cpus(t), (uint32_t)CPUSET_MAX);
	struct topo_cpu tc;

	cpuset_zero(set);
	for (c = 0; c < n; c++) {
		topology_cpu(t, c, &tc);
		if ((node ? tc.node : tc.llc) == want)
			cpuset_set(set, c);
	}
}

void topo_cpus_all(const struct topology *t, struct cpuset *set)
{
	uint32_t c, n = MIN(topology_nr_cpus(t), (uint32_t)CPUSET_MAX);

	cpuset_zero(set);
	for (c = 0; c < n; c++)
		cpuset_set(set, c);
}

void topo_cpus_llc(const struct topology *t, uint32_t llc, struct cpuset *set)
{
	cpus_where(t, false, llc, set);
}

void topo_cpus_node(const struct topology *t, uint32_t node,
		    struct cpuset *set)
{
	cpus_where(t, true, node, set);
}

const char *scn_llc_cpus(struct scenario *s, const struct ktstr_ctx *ctx,
			 uint32_t llc)
{
	struct cpuset set;

	topo_cpus_llc(&ctx->topo, llc, &set);
	return scn_cpus(s, &set);
}

const char *scn_node_cpus(struct scenario *s, const struct ktstr_ctx *ctx,
			  uint32_t node)
{
	struct cpuset set;

	topo_cpus_node(&ctx->topo, node, &set);
	return scn_cpus(s, &set);
}

int scn_steady(struct scenario *s, const struct ktstr_ctx *ctx,
	       enum work_type type)
{
	int n = topo_nr_cpus(ctx);

	scn_step(s, "steady", HOLD_FULL);
	scn_group(s, "load", work_type_paired(type) ? n + n % 2 : n, type);
	return s->err;
}

int scn_oversubscribed(struct scenario *s, const struct ktstr_ctx *ctx,
		       int factor)
{
	scn_step(s, "oversubscribed", HOLD_FULL);
	scn_group(s, "load", topo_nr_cpus(ctx) * MAX(factor, 1), WORK_SPIN);
	return s->err;
}

/* Two disjoint halves: by LLC when there are several, else by CPU. */
static void split_cpus(const struct ktstr_ctx *ctx, struct cpuset *a,
		       struct cpuset *b)
{
	uint32_t c, n = topo_nr_cpus(ctx), llcs = ctx->topo.llcs;
	struct topo_cpu tc;

	cpuset_zero(a);
	cpuset_zero(b);
	for (c = 0; c < n; c++) {
		topology_cpu(&ctx->topo, c, &tc);
		if (llcs > 1 ? tc.llc < llcs / 2 : c < n / 2)
			cpuset_set(a, c);
		else
			cpuset_set(b, c);
	}
}

int scn_cpuset_isolation(struct scenario *s, const struct ktstr_ctx *ctx)
{
	struct cpuset a, b;
	struct cgroup_def *d;

	if (topo_nr_cpus(ctx) < 2)
		return -EINVAL;
	split_cpus(ctx, &a, &b);
	scn_step(s, "cpuset_isolation", HOLD_FULL);
	d = scn_group(s, "left", cpuset_count(&a), WORK_SPIN);
	d->cpus = scn_cpus(s, &a);
	d = scn_group(s, "right", cpuset_count(&b), WORK_SPIN);
	d->cpus = scn_cpus(s, &b);
	return s->err;
}

int scn_cgroup_weights(struct scenario *s, const struct ktstr_ctx *ctx,
		       uint32_t lo, uint32_t hi)
{
	int n = topo_nr_cpus(ctx);

	scn_step(s, "cgroup_weights", HOLD_FULL);
	scn_group(s, "light", n, WORK_SPIN)->weight = lo;
	scn_group(s, "heavy", n, WORK_SPIN)->weight = hi;
	return s->err;
}

int scn_llc_placement(struct scenario *s, const struct ktstr_ctx *ctx)
{
	uint32_t l;

	scn_step(s, "llc_placement", HOLD_FULL);
	for (l = 0; l < ctx->topo.llcs; l++) {
		struct cpuset set;
		struct cgroup_def *d;

		topo_cpus_llc(&ctx->topo, l, &set);
		d = scn_group(s, scn_str(s, "llc%u", l), cpuset_count(&set),
			      WORK_CACHE);
		d->cpus = scn_cpus(s, &set);
	}
	return s->err;
}

int scn_numa_spread(struct scenario *s, const struct ktstr_ctx *ctx)
{
	uint32_t node;

	scn_step(s, "numa_spread", HOLD_FULL);
	for (node = 0; node < ctx->topo.numa_nodes; node++) {
		struct cpuset set;
		struct cgroup_def *d;

		topo_cpus_node(&ctx->topo, node, &set);
		if (!cpuset_count(&set))
			continue;	/* a memory-only node */
		d = scn_group(s, scn_str(s, "node%u", node), cpuset_count(&set),
			      WORK_SPIN);
		d->cpus = scn_cpus(s, &set);
	}
	return s->err;
}
