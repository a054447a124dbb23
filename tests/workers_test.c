// SPDX-License-Identifier: GPL-2.0
/*
 * scenarios/workers.c on the host, no cgroups: each work type runs for
 * ~200 ms and must advance its counter, keep its timestamps monotonic and
 * CPU samples valid, and the waking types must record wake latencies.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scenarios/workers.h"
#include "util/util.h"

#define RUN_MS 200
#define MAXW 8

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Spawns, runs for RUN_MS and freezes @n workers of @type into @w. */
static int run_workers(enum work_type type, struct work_params *p, int n,
		       struct worker **w)
{
	int i, total = workers_count(type, n), r;

	r = workers_spawn(type, p, n, NULL, w);
	if (r)
		return r;
	for (i = 0; i < total; i++)
		worker_go(w[i]);
	sleep_ms(RUN_MS);
	for (i = 0; i < total; i++)
		if (worker_stop(w[i]))
			return -EIO;
	return total;
}

static void kill_all(struct worker **w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		worker_kill(w[i]);
}

/* Progress, monotonic timestamps inside the run, valid CPUs. */
static void check_progress(struct __test_metadata *_metadata,
			   const struct worker *w, uint64_t end)
{
	const struct worker_shared *sh = w->sh;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	uint64_t i, n = MIN(sh->cpus.nr, (uint64_t)CPU_LOG_LEN), prev = 0;
	/* The ring's oldest sample: it wraps (the affinity churner does). */
	uint64_t first = sh->cpus.nr > CPU_LOG_LEN ? sh->cpus.nr % CPU_LOG_LEN : 0;

	EXPECT_GT(sh->iters, 0) TH_LOG("%s made no progress", work_type_name(w->type));
	EXPECT_GE(sh->gaps.last_ns, sh->go_ns);
	EXPECT_LE(sh->gaps.last_ns, end);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		const struct cpu_sample *c = &sh->cpus.s[(first + i) % CPU_LOG_LEN];

		EXPECT_GE(c->ns, prev);
		EXPECT_GE(c->ns, sh->go_ns);
		EXPECT_LE(c->ns, end);
		EXPECT_LT(c->cpu, (uint32_t)cpus);
		prev = c->ns;
	}
	/*
	 * The worst gap is within the run: from go to the stop, which is
	 * RUN_MS plus however long the stop took (over 30 ms under ASan on
	 * 2 loaded cores, where a spinner can also wait 200 ms for a CPU).
	 */
	ASSERT_LE(sh->go_ns, end);
	EXPECT_LE(gap_log_max(&sh->gaps, sh->go_ns, end, NULL), end - sh->go_ns)
		TH_LOG("run of %llu ns", (unsigned long long)(end - sh->go_ns));
}

static void run_and_check(struct __test_metadata *_metadata,
			  enum work_type type, struct work_params *p, int n)
{
	struct worker *w[MAXW];
	int i, total = run_workers(type, p, n, w);
	uint64_t end = now_ns();

	ASSERT_GT(total, 0) TH_LOG("%s: %s", work_type_name(type), strerror(-total));
	for (i = 0; i < total; i++)
		check_progress(_metadata, w[i], end);
	kill_all(w, total);
}

TEST(spin_counters_advance)
{
	struct work_params p = {};

	run_and_check(_metadata, WORK_SPIN, &p, 2);
}

TEST(yield_bursty_cache_fork)
{
	struct work_params p = { .cache_bytes = 1 << 20, .period_us = 2000,
				 .burst_us = 1000 };

	run_and_check(_metadata, WORK_YIELD, &p, 1);
	run_and_check(_metadata, WORK_BURSTY, &p, 1);
	run_and_check(_metadata, WORK_CACHE, &p, 1);
	run_and_check(_metadata, WORK_FORK, &p, 1);
}

TEST(mixed_cacheyield_pagefault_affinity_policy_nice)
{
	struct work_params p = { .cache_bytes = 1 << 20 };
	enum work_type t[] = { WORK_MIXED, WORK_CACHE_YIELD, WORK_PAGEFAULT,
			       WORK_AFFINITY, WORK_POLICY, WORK_NICE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		run_and_check(_metadata, t[i], &p, 2);
}

/* The affinity churner visits more than one CPU when it may. */
TEST(affinity_moves)
{
	struct work_params p = {};
	struct worker *w[MAXW];
	uint64_t i, n;
	int first;
	bool moved = false;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU: nowhere to move");
	ASSERT_EQ(1, run_workers(WORK_AFFINITY, &p, 1, w));
	n = MIN(w[0]->sh->cpus.nr, (uint64_t)CPU_LOG_LEN);
	ASSERT_GT(n, 0);
	first = w[0]->sh->cpus.s[0].cpu;
	for (i = 1; i < n; i++)
		moved |= (int)w[0]->sh->cpus.s[i].cpu != first;
	EXPECT_TRUE(moved) TH_LOG("%llu samples, all on CPU %d",
				  (unsigned long long)n, first);
	kill_all(w, 1);
}

TEST(contend_all_on_one_mutex)
{
	struct work_params p = {};
	struct worker *w[MAXW];
	int i, n = run_workers(WORK_CONTEND, &p, 3, w);

	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		check_progress(_metadata, w[i], now_ns());
		EXPECT_EQ(w[0]->sh, w[i]->chan);
	}
	kill_all(w, n);
}

/* Waking types: a latency per wake-up, each plausible. */
static void check_latency(struct __test_metadata *_metadata,
			  const struct worker *w)
{
	struct lat_stats st;

	ASSERT_EQ(0, lat_log_stats(&w->sh->lat, 0, &st));
	EXPECT_GT(st.n, 0) TH_LOG("%s recorded no wake latency", work_type_name(w->type));
	EXPECT_GT(st.p50, 0);
	EXPECT_GE(st.p99, st.p50);
	EXPECT_GE(st.max, st.p99);
	EXPECT_LT(st.p50, (uint64_t)RUN_MS * 1000000ULL);
}

TEST(pingpong_latency)
{
	struct work_params p = {};
	struct worker *w[MAXW];
	uint64_t end;
	int i, n = run_workers(WORK_PINGPONG, &p, 4, w);

	end = now_ns();
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++) {
		check_progress(_metadata, w[i], end);
		check_latency(_metadata, w[i]);
	}
	/* Partners alternate: their counts differ by at most one. */
	EXPECT_LE(w[0]->sh->iters - w[1]->sh->iters + 1, 2);
	kill_all(w, n);
}

TEST(pipe_pairs_latency)
{
	struct work_params p = {};
	struct worker *w[MAXW];
	uint64_t end;
	int i, n = run_workers(WORK_PIPE, &p, 2, w);

	end = now_ns();
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		check_progress(_metadata, w[i], end);
		check_latency(_metadata, w[i]);
		/* The engine kept no pipe end. */
		EXPECT_EQ(-1, w[i]->rfd);
	}
	EXPECT_LE(w[0]->sh->iters - w[1]->sh->iters + 1, 2);
	kill_all(w, n);
}

TEST(fanout_one_broadcast_wakes_all)
{
	struct work_params p = { .period_us = 2000 };
	struct worker *w[MAXW];
	int i, n = run_workers(WORK_FANOUT, &p, 3, w);

	ASSERT_EQ(4, n);
	ASSERT_TRUE(w[3]->stimulus);
	for (i = 0; i < 3; i++) {
		check_progress(_metadata, w[i], now_ns());
		check_latency(_metadata, w[i]);
		EXPECT_EQ(w[3]->sh, w[i]->chan);
		EXPECT_LE(w[i]->sh->iters, w[3]->sh->iters + 1);
	}
	kill_all(w, n);
}

TEST(sleep_period_and_timer_latency)
{
	struct work_params p = { .period_us = 5000 };
	struct worker *w[MAXW];
	int n = run_workers(WORK_SLEEP, &p, 1, w);
	uint64_t end = now_ns();

	ASSERT_EQ(1, n);
	check_progress(_metadata, w[0], end);
	check_latency(_metadata, w[0]);
	/* One wake-up per 5 ms of the run (200 ms, longer if loaded), never more. */
	EXPECT_LE(w[0]->sh->iters, (end - w[0]->sh->go_ns) / 5000000ULL + 2);
	EXPECT_GE(w[0]->sh->iters, 5);
	kill_all(w, n);
}

TEST(stimulus_wakes_wakees)
{
	struct work_params p = { .period_us = 2000 };
	struct worker *w[MAXW];
	int i, n = run_workers(WORK_WAKEE, &p, 3, w);

	ASSERT_EQ(4, n);
	ASSERT_TRUE(w[3]->stimulus);
	for (i = 0; i < 3; i++) {
		check_progress(_metadata, w[i], now_ns());
		check_latency(_metadata, w[i]);
		/* Woken at most once per stimulus tick (plus the one in flight). */
		EXPECT_LE(w[i]->sh->iters, w[3]->sh->iters + 1);
	}
	kill_all(w, n);
}

TEST(lock_pair)
{
	struct work_params p = {};
	struct worker *w[MAXW];
	int n = run_workers(WORK_LOCK, &p, 2, w);

	ASSERT_EQ(2, n);
	check_progress(_metadata, w[0], now_ns());
	check_progress(_metadata, w[1], now_ns());
	kill_all(w, n);
}

TEST(stopped_worker_makes_no_progress)
{
	struct work_params p = {};
	struct worker *w[1];
	uint64_t before;

	ASSERT_EQ(1, run_workers(WORK_SPIN, &p, 1, w));
	before = worker_iters(w[0]);
	sleep_ms(50);
	EXPECT_EQ(before, worker_iters(w[0]));
	ASSERT_EQ(0, worker_cont(w[0]));
	sleep_ms(50);
	EXPECT_GT(worker_iters(w[0]), before);
	kill_all(w, 1);
}

TEST(spawn_errors)
{
	struct work_params p = {};
	struct worker *w[MAXW];

	EXPECT_EQ(-EINVAL, workers_spawn(WORK_PINGPONG, &p, 3, NULL, w));
	EXPECT_EQ(-EINVAL, workers_spawn(WORK_SPIN, &p, 0, NULL, w));
	/* A cgroup that does not exist: the child reports it, none is left. */
	EXPECT_EQ(-ENOENT, workers_spawn(WORK_SPIN, &p, 2,
					 "/nonexistent/ktstr-cgroup", w));
	EXPECT_EQ(NULL, w[0]);
	EXPECT_EQ(-ECHILD, waitpid(-1, NULL, WNOHANG) < 0 ? -errno : 0);
}

TEST(type_names)
{
	enum work_type t;
	int i;

	for (i = 0; i < NR_WORK_TYPES; i++) {
		ASSERT_EQ(0, work_type_parse(work_type_name(i), &t));
		EXPECT_EQ(i, t);
	}
	EXPECT_EQ(-EINVAL, work_type_parse("nope", &t));
	EXPECT_TRUE(work_type_paired(WORK_PINGPONG));
	EXPECT_TRUE(work_type_paired(WORK_PIPE));
	EXPECT_EQ(4, workers_count(WORK_FANOUT, 3));
	EXPECT_FALSE(work_type_paired(WORK_SPIN));
	EXPECT_EQ(4, workers_count(WORK_WAKEE, 3));
}

TEST_HARNESS_MAIN
