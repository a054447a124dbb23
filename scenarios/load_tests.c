// SPDX-License-Identifier: GPL-2.0
/*
 * "sched" category, the canned load shapes under EEVDF, each with the
 * generic checks (gap, rate, spread within each cgroup, starvation,
 * isolation) and one of its own:
 *  - oversubscribed: three spinners per CPU wait about twice as long as
 *    they run (schedstat), and all of them progress;
 *  - cgroup weights: cpu.weight 400 against 100 on the same CPUs gets the
 *    heavy cgroup about 4x the work of the light one;
 *  - LLC placement: cache thrashers held to each LLC run there (the LLC
 *    each one ran on most is its cgroup's);
 *  - NUMA spread: spinners held to each node run on that node's CPUs and
 *    the nodes progress alike.
 * The ratio bounds are half of the ideal (wait/run >= 1 where 2 is ideal,
 * weights >= 2 where 4 is): the guest's own scheduler divides the guest's
 * CPU time, so the emulated host's steal does not skew them much, while a
 * scheduler ignoring weights (1) or not oversubscribing (0) still fails.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios/loose_thresholds.h"
#include "scenarios/sysfs.h"
#include "scenarios/scenario.h"

/* Sum of @m's run_ns, wait_ns and rate over the workers named "@group/". */
struct group_sum {
	int n;
	uint64_t run_ns, wait_ns;
	double rate;
};

static struct group_sum group_sum(const struct scenario_result *res,
				  const char *group)
{
	struct group_sum g = { 0 };
	size_t len = strlen(group);
	int i;

	for (i = 0; i < res->nr_workers; i++) {
		const struct worker_metrics *m = &res->workers[i];

		if (strncmp(m->name, group, len) || m->name[len] != '/' ||
		    !m->measured)
			continue;
		g.n++;
		g.run_ns += m->run_ns;
		g.wait_ns += m->wait_ns;
		g.rate += m->rate;
	}
	return g;
}

#define OVERSUB_FACTOR 3

static int sched_oversubscribed(struct ktstr_ctx *ctx)
{
	struct scenario_result res;
	struct scenario s;
	struct group_sum g;
	double ratio;
	int v;

	scn_init(&s);
	scn_oversubscribed(&s, ctx, OVERSUB_FACTOR);
	v = scenario_run_verdict(ctx, &s, &res);
	g = group_sum(&res, "load");
	ratio = g.run_ns ? (double)g.wait_ns / g.run_ns : 0;
	ktstr_diag(ctx, "%d spinners on %u CPUs: run %llu ms, wait %llu ms, wait/run %.2f (ideal %d)",
		   g.n, topo_nr_cpus(ctx),
		   (unsigned long long)(g.run_ns / 1000000),
		   (unsigned long long)(g.wait_ns / 1000000), ratio,
		   OVERSUB_FACTOR - 1);
	if (v == KTSTR_PASS && g.n != (int)topo_nr_cpus(ctx) * OVERSUB_FACTOR)
		v = ktstr_fail(ctx, "%d spinners measured, want %u", g.n,
			       topo_nr_cpus(ctx) * OVERSUB_FACTOR);
	else if (v == KTSTR_PASS && ratio < (OVERSUB_FACTOR - 1) / 2.0)
		v = ktstr_fail(ctx, "%dx oversubscribed spinners waited %.2fx as long as they ran, want >= %.1f",
			       OVERSUB_FACTOR, ratio,
			       (OVERSUB_FACTOR - 1) / 2.0);
	scenario_result_free(&res);
	return v;
}
KTSTR_TEST(sched_oversubscribed, .category = "sched", .topology = "1n1l2c1t",
	   .description = "3 spinners per CPU: all progress, none starves, and they wait about twice as long as they run",
	   .duration_ms = 2000, LOOSE_THRESHOLDS);

#define WEIGHT_LO 100
#define WEIGHT_HI 400

static int sched_cgroup_weights(struct ktstr_ctx *ctx)
{
	struct scenario_result res;
	struct group_sum lo, hi;
	struct scenario s;
	double ratio;
	int v;

	scn_init(&s);
	scn_cgroup_weights(&s, ctx, WEIGHT_LO, WEIGHT_HI);
	v = scenario_run_verdict(ctx, &s, &res);
	lo = group_sum(&res, "light");
	hi = group_sum(&res, "heavy");
	ratio = lo.rate > 0 ? hi.rate / lo.rate : 0;
	ktstr_diag(ctx, "heavy (weight %d) %.0f iters/s, light (weight %d) %.0f iters/s: %.2fx (ideal %d)",
		   WEIGHT_HI, hi.rate, WEIGHT_LO, lo.rate, ratio,
		   WEIGHT_HI / WEIGHT_LO);
	if (v == KTSTR_PASS && ratio < WEIGHT_HI / WEIGHT_LO / 2.0)
		v = ktstr_fail(ctx, "cgroup heavy (cpu.weight %d) did %.2fx the work of light (%d), want >= %.1f",
			       WEIGHT_HI, ratio, WEIGHT_LO,
			       WEIGHT_HI / WEIGHT_LO / 2.0);
	scenario_result_free(&res);
	return v;
}
KTSTR_TEST(sched_cgroup_weights, .category = "sched", .topology = "1n1l2c1t",
	   .description = "cpu.weight 400 against 100 on the same CPUs: the heavy cgroup does about 4x the work",
	   .duration_ms = 2000, LOOSE_THRESHOLDS);

/* The node of LLC @llc of @t (every CPU of an LLC is on one node). */
static int llc_node(const struct topology *t, int llc)
{
	uint32_t c, n = t->llcs * t->cores_per_llc * t->threads_per_core;
	struct topo_cpu tc;

	for (c = 0; c < n; c++) {
		topology_cpu(t, c, &tc);
		if ((int)tc.llc == llc)
			return tc.node;
	}
	return -1;
}

/*
 * Each worker's dominant LLC against its cgroup's: "llc<L>/" or, with
 * @by_node, the node of "node<N>/".
 */
static int check_home(struct ktstr_ctx *ctx, const struct scenario_result *res,
		      bool by_node)
{
	const char *prefix = by_node ? "node" : "llc";
	int i, home, got;

	for (i = 0; i < res->nr_workers; i++) {
		const struct worker_metrics *m = &res->workers[i];

		if (strncmp(m->name, prefix, strlen(prefix)) ||
		    sscanf(m->name + strlen(prefix), "%d/", &home) != 1)
			return ktstr_fail(ctx, "unexpected worker %s", m->name);
		got = by_node ? llc_node(&ctx->topo, m->llc) : m->llc;
		if (got != home)
			return ktstr_fail(ctx, "%s ran mostly on %s %d (LLC %d), want %s %d",
					  m->name, prefix, got, m->llc, prefix,
					  home);
	}
	return res->nr_workers ? KTSTR_PASS :
	       ktstr_fail(ctx, "no worker measured");
}

static int sched_llc_placement(struct ktstr_ctx *ctx)
{
	struct scenario_result res;
	struct scenario s;
	int v;

	scn_init(&s);
	scn_llc_placement(&s, ctx);
	v = scenario_run_verdict(ctx, &s, &res);
	if (v == KTSTR_PASS)
		v = check_home(ctx, &res, false);
	scenario_result_free(&res);
	return v;
}
/* A buffer the size of the L3 per worker (16 MiB here, more on big hosts). */
KTSTR_TEST(sched_llc_placement, .category = "sched", .topology = "1n2l2c1t",
	   .description = "cache thrashers held to each LLC (buffers the LLC's size) run there and progress",
	   .duration_ms = 2000, .memory_mb = 1024, LOOSE_THRESHOLDS);

static int sched_numa_spread(struct ktstr_ctx *ctx)
{
	struct scenario_result res;
	struct group_sum g[2];
	struct scenario s;
	double ratio = 0;
	int v;

	scn_init(&s);
	scn_numa_spread(&s, ctx);
	v = scenario_run_verdict(ctx, &s, &res);
	g[0] = group_sum(&res, "node0");
	g[1] = group_sum(&res, "node1");
	if (g[0].rate > 0 && g[1].rate > 0)
		ratio = MAX(g[0].rate, g[1].rate) / MIN(g[0].rate, g[1].rate);
	ktstr_diag(ctx, "node0 %.0f iters/s, node1 %.0f iters/s: spread %.2f",
		   g[0].rate, g[1].rate, ratio);
	if (v == KTSTR_PASS)
		v = check_home(ctx, &res, true);
	/* Both nodes progressed; alike unless timing means nothing here. */
	if (v == KTSTR_PASS &&
	    (!ratio || (ratio > ctx->test->thr.max_spread &&
			!guest_on_emulated_host())))
		v = ktstr_fail(ctx, "node spread %.2f (node0 %.0f, node1 %.0f iters/s), want <= %.1f",
			       ratio, g[0].rate, g[1].rate,
			       ctx->test->thr.max_spread);
	scenario_result_free(&res);
	return v;
}
KTSTR_TEST(sched_numa_spread, .category = "sched", .topology = "2n2l2c1t",
	   .description = "spinners held to each of 2 nodes run on that node's CPUs, and the nodes progress alike",
	   .duration_ms = 2000, LOOSE_THRESHOLDS);
