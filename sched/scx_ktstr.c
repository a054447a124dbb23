// SPDX-License-Identifier: GPL-2.0
/* sched_ext around a ktstr test body; see scx_ktstr.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/channel.h"
#include "harness/topology.h"
#include "scenarios/scenario.h"
#include "sched/scx_ktstr.h"

static struct scx_sched *cur;
static struct scx_exit last_exit;
static bool have_exit, exit_reported;

struct scx_sched *scx_test_sched(void)
{
	return cur;
}

void scx_test_send_exit(struct ktstr_ctx *ctx)
{
	char line[SCX_REASON_LEN + SCX_MSG_LEN + 64];

	if (!have_exit)
		return;
	scx_exit_format(&last_exit, line, sizeof(line));
	ktstr_send(ctx, TLV_SCHED_EXIT, line, strlen(line));
}

int scx_test_begin(struct ktstr_ctx *ctx)
{
	static uint32_t cpu_llc[KTSTR_SCX_MAX_CPUS];
	const char *name = ctx->test->scheduler;
	struct scx_opts o = { .cpu_llc = cpu_llc };
	struct topo_cpu c;
	char err[1024];
	uint64_t t0 = now_ns();
	uint32_t cpu;

	if (!name || cur)
		return KTSTR_PASS;
	/* The LLCs the test declared, which the VMM gave the guest. */
	o.nr_cpus = MIN(topology_nr_cpus(&ctx->topo), KTSTR_SCX_MAX_CPUS);
	for (cpu = 0; cpu < o.nr_cpus; cpu++) {
		topology_cpu(&ctx->topo, cpu, &c);
		cpu_llc[cpu] = c.llc;
	}
	if (scx_start(name, &o, &cur, err, sizeof(err)))
		return ktstr_fail(ctx, "sched_ext: %s", err);
	ktstr_diag(ctx, "sched_ext: %s enabled as %s (pid %d) in %llu ms", name,
		   scx_ops_name(cur), (int)scx_pid(cur),
		   (unsigned long long)(now_ns() - t0) / 1000000);
	return KTSTR_PASS;
}

/* Fails @ctx with the SCHED_EXIT @e, once. */
static int report_exit(struct ktstr_ctx *ctx, const struct scx_exit *e)
{
	char line[1400];

	last_exit = *e;
	have_exit = true;
	scx_exit_format(e, line, sizeof(line));
	if (!exit_reported) {
		ktstr_diag(ctx, "%s (from %s)", line, e->source ? : "?");
		if (ctx->msg.len && strncmp((char *)ctx->msg.data, "SCHED_EXIT", 10))
			ktstr_diag(ctx, "test body: %.*s", (int)ctx->msg.len,
				   (char *)ctx->msg.data);
	}
	exit_reported = true;
	/* A scenario's "<step>: scheduler: SCHED_EXIT ..." says more: keep it. */
	if (memmem(ctx->msg.data, ctx->msg.len, line, strlen(line)))
		return KTSTR_FAIL;
	return ktstr_fail(ctx, "%s", line);
}

int scx_test_check(struct ktstr_ctx *ctx)
{
	struct scx_exit e;
	int r;

	if (!cur)
		return KTSTR_PASS;
	r = scx_poll(cur, &e);
	if (r < 0)
		return ktstr_fail(ctx, "sched_ext: cannot read %s: %s", SCX_SYSFS,
				  strerror(-r));
	return r ? report_exit(ctx, &e) : KTSTR_PASS;
}

int scx_test_left(void)
{
	return cur && scx_left(cur) == 1;
}

int scx_test_end(struct ktstr_ctx *ctx, int verdict)
{
	struct ktstr_sched_stats st;
	struct scx_exit e;
	int r;

	if (!cur)
		return verdict;
	if (!scx_stats(cur, &st))
		ktstr_diag(ctx, "sched_ext: %s enqueued %llu dispatched %llu local %llu",
			   scx_ops_name(cur), (unsigned long long)st.enqueued,
			   (unsigned long long)st.dispatched,
			   (unsigned long long)st.local);
	r = scx_stop(cur, &e);
	cur = NULL;
	if (r == 1)
		return report_exit(ctx, &e);
	if (r < 0)
		return ktstr_fail(ctx, "sched_ext: %s", e.reason);
	if (e.kind)
		ktstr_diag(ctx, "sched_ext: %s stopped: %s (%s)", e.ops,
			   scx_exit_kind_name(e.kind), e.reason);
	return verdict;
}

int scx_test_check_llc(struct ktstr_ctx *ctx)
{
	uint32_t llcs = ctx->topo.llcs, i;
	struct ktstr_sched_stats st;

	if (!cur || scx_stats(cur, &st))
		return ktstr_fail(ctx, "no statistics from %s",
				  cur ? scx_ops_name(cur) : "a stopped scheduler");
	if (st.nr_llcs != llcs)
		return ktstr_fail(ctx, "scheduler has %llu LLC queues, topology %u LLCs",
				  (unsigned long long)st.nr_llcs, llcs);
	for (i = 0; i < llcs && i < KTSTR_SCX_MAX_LLCS; i++) {
		ktstr_diag(ctx, "llc %u: queued %llu, own %llu, stolen %llu", i,
			   (unsigned long long)st.llc_enq[i],
			   (unsigned long long)st.llc_own[i],
			   (unsigned long long)st.llc_steal[i]);
		if (!st.llc_enq[i] || !st.llc_own[i])
			return ktstr_fail(ctx, "llc %u: queued %llu, taken by own CPUs %llu",
					  i, (unsigned long long)st.llc_enq[i],
					  (unsigned long long)st.llc_own[i]);
	}
	return KTSTR_PASS;
}

/* ctx->msg, the reason scx_test_*() gave, into the engine's @msg. */
static void take_msg(struct ktstr_ctx *ctx, struct buf *msg)
{
	buf_put(msg, ctx->msg.data, ctx->msg.len);
}

static int scn_start(struct ktstr_ctx *ctx, struct buf *msg)
{
	if (!ctx->test->scheduler) {
		buf_printf(msg, "the test declares no scheduler");
		return -EINVAL;
	}
	if (cur)
		return 1;
	if (scx_test_begin(ctx) != KTSTR_PASS) {
		take_msg(ctx, msg);
		return -EIO;
	}
	return 0;
}

static int scn_stop(struct ktstr_ctx *ctx, struct buf *msg)
{
	if (scx_test_end(ctx, KTSTR_PASS) != KTSTR_PASS) {
		take_msg(ctx, msg);
		return -EIO;
	}
	return 0;
}

static int scn_check(struct ktstr_ctx *ctx, struct buf *msg)
{
	if (scx_test_check(ctx) == KTSTR_PASS)
		return 0;
	take_msg(ctx, msg);
	return 1;
}

static const struct scenario_sched_ops scn_ops = {
	.start = scn_start,
	.stop = scn_stop,
	.check = scn_check,
	.left = scx_test_left,
};

void scx_test_scenario_hook(void)
{
	scenario_set_sched_ops(&scn_ops);
}
