// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler stats, scx_stats style, end to end: the built-in scheduler's
 * stats socket in the guest, the guest relay on virtio-console port 2 and
 * the host's sampler (vmm/stats_relay.h). Without a scheduler the relay
 * must still answer, with an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/stats_proto.h"
#include "harness/test.h"
#include "sched/scx_ktstr.h"
#include "vmm/stats_relay.h"

#define STATS_TEST_TOPO		"1n1l2c1t"
#define STATS_INTERVAL_MS	250

static void nap_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Asks the local stats socket as any scx_stats client would. */
static int query_dispatched(struct ktstr_ctx *ctx, long long *dispatched)
{
	struct buf resp = {};
	char err[256], ops[128];
	long long eno;
	int r = stats_sock_query(STATS_SOCK_DFL, STATS_REQ_DFL, &resp,
				 STATS_TIMEOUT_MS, err, sizeof(err));

	if (r)
		return ktstr_fail(ctx, "stats socket: %s", err);
	if (stats_json_int((char *)resp.data, "errno", &eno) || eno ||
	    stats_json_str((char *)resp.data, "args.resp.ops", ops, sizeof(ops)) ||
	    stats_json_int((char *)resp.data, "args.resp.dispatched", dispatched))
		r = ktstr_fail(ctx, "stats socket: unexpected response %.300s",
			       (char *)resp.data);
	else if (strcmp(ops, scx_ops_name(scx_test_sched())))
		r = ktstr_fail(ctx, "stats socket answers for '%s', scheduler is '%s'",
			       ops, scx_ops_name(scx_test_sched()));
	buf_free(&resp);
	return r;
}

static int stats_builtin(struct ktstr_ctx *ctx)
{
	uint32_t nr = topology_nr_cpus(&ctx->topo), i, elapsed;
	long long first = -1, last = -1, d;
	pid_t pids[8];
	int v = KTSTR_PASS;

	if (!scx_test_sched())
		return ktstr_fail(ctx, "no scheduler running");
	for (i = 0; i < nr && i < ARRAY_SIZE(pids); i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			for (;;)
				;
	}
	for (elapsed = 0; v == KTSTR_PASS && elapsed < ctx->test->duration_ms;
	     elapsed += 500) {
		nap_ms(500);
		v = query_dispatched(ctx, &d);
		if (v == KTSTR_PASS && d < last)
			v = ktstr_fail(ctx, "dispatched went back from %lld to %lld",
				       last, d);
		if (first < 0)
			first = d;
		last = d;
	}
	while (i--) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	if (v == KTSTR_PASS && last <= first)
		v = ktstr_fail(ctx, "dispatched did not grow over %u ms: %lld",
			       ctx->test->duration_ms, last);
	ktstr_diag(ctx, "guest stats socket: dispatched %lld -> %lld", first, last);
	return v;
}

/* The samples the host took: " <ms> <response line>" each. */
static int check_samples(const struct stats_relay_outcome *st, bool want_ok,
			 char *msg, size_t len)
{
	const char *p = (const char *)st->samples.data;
	const char *end = p + st->samples.len;
	long long last = -1, ok = 0, eno, d;
	char text[256];

	if (!st->answers) {
		snprintf(msg, len, "host stats sampler: %u queries, no answer from the guest relay",
			 st->queries);
		return KTSTR_FAIL;
	}
	while (p && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *json = memchr(p, ' ', (nl ? nl : end) - p);
		char line[4096];

		snprintf(line, sizeof(line), "%.*s", (int)((nl ? nl : end) - (json ? json : p)),
			 json ? json + 1 : p);
		p = nl ? nl + 1 : NULL;
		if (stats_json_int(line, "errno", &eno)) {
			snprintf(msg, len, "host stats sampler: not a stats response: %.200s", line);
			return KTSTR_FAIL;
		}
		if (!want_ok) {
			if (!eno || stats_json_str(line, "args.resp", text, sizeof(text)) ||
			    !strstr(text, "ktstr relay")) {
				snprintf(msg, len, "without a scheduler the relay answered %.200s",
					 line);
				return KTSTR_FAIL;
			}
			ok++;
			continue;
		}
		/* Before and after the scheduler ran: the relay's errors. */
		if (eno)
			continue;
		if (stats_json_int(line, "args.resp.dispatched", &d) ||
		    stats_json_str(line, "args.resp.ops", text, sizeof(text)) ||
		    strcmp(text, "ktstr_fifo")) {
			snprintf(msg, len, "host stats sampler: unexpected response %.200s",
				 line);
			return KTSTR_FAIL;
		}
		if (d < last) {
			snprintf(msg, len, "host stats sampler: dispatched went back from %lld to %lld",
				 last, d);
			return KTSTR_FAIL;
		}
		last = d;
		ok++;
	}
	if (!ok || (want_ok && last <= 0)) {
		snprintf(msg, len, "host stats sampler: %u answers, %lld usable, last dispatched %lld",
			 st->answers, ok, last);
		return KTSTR_FAIL;
	}
	return KTSTR_PASS;
}

static int stats_ok(const struct ktstr_run *run, char *msg, size_t len)
{
	return check_samples(run->stats, true, msg, len);
}

KTSTR_TEST(stats_builtin, .category = "sched", .topology = STATS_TEST_TOPO,
	   .scheduler = "fifo", .duration_ms = 4000,
	   .stats_interval_ms = STATS_INTERVAL_MS, .host_check = stats_ok,
	   .description = "scx_stats: the built-in scheduler's stats socket answers in the guest and, through the port 2 relay, on the host");

static int stats_no_scheduler(struct ktstr_ctx *ctx)
{
	if (!access(STATS_SOCK_DFL, F_OK))
		return ktstr_fail(ctx, "%s exists without a scheduler", STATS_SOCK_DFL);
	nap_ms(ctx->test->duration_ms);
	return KTSTR_PASS;
}

static int stats_error(const struct ktstr_run *run, char *msg, size_t len)
{
	return check_samples(run->stats, false, msg, len);
}

KTSTR_TEST(stats_no_scheduler, .category = "sched", .topology = "1n1l1c1t",
	   .duration_ms = 2000, .stats_interval_ms = STATS_INTERVAL_MS,
	   .host_check = stats_error,
	   .description = "scx_stats relay without a scheduler: the host gets an error response, not silence");
