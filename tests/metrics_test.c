// SPDX-License-Identifier: GPL-2.0
/*
 * scenarios/metrics.c and scenarios/assert.c on synthetic samples: gaps
 * and their windows, percentiles, spread, starvation, isolation
 * violations, /proc parsers, and the FAIL messages assertions produce.
 */
#include <math.h>
#include <string.h>

#include "kselftest_harness.h"
#include "scenarios/assert.h"
#include "scenarios/metrics.h"

#define MS 1000000ULL

static struct gap_log g;
static struct cpu_log cl;
static struct lat_log ll;

/* Iterations every ms over [0, 100) ms, then a 50 ms gap, then to 200. */
static void gap_series(void)
{
	uint64_t t;

	gap_log_init(&g, 0, GAP_LOG_MIN_NS);
	for (t = 1; t < 100; t++)
		gap_log_tick(&g, t * MS);
	for (t = 149; t <= 200; t++)
		gap_log_tick(&g, t * MS);
}

TEST(gap_max_and_where)
{
	uint64_t at;

	gap_series();
	EXPECT_EQ(50 * MS, gap_log_max(&g, 0, 200 * MS, &at));
	EXPECT_EQ(149 * MS, at);
	/* 1 ms ticks are at the logging threshold; the 50 ms gap is logged. */
	EXPECT_EQ(99 + 1 + 51, g.nr);
	EXPECT_EQ(99 * MS, g.max.start_ns);
}

TEST(gap_window_clips)
{
	uint64_t at;

	gap_series();
	/* Only 20 ms of the gap fall in [120, 200]. */
	EXPECT_EQ(29 * MS, gap_log_max(&g, 120 * MS, 200 * MS, &at));
	/* A window after the gap sees only 1 ms steps. */
	EXPECT_EQ(1 * MS, gap_log_max(&g, 150 * MS, 200 * MS, NULL));
	/* The gap still open at the window end counts. */
	EXPECT_EQ(100 * MS, gap_log_max(&g, 150 * MS, 300 * MS, &at));
	EXPECT_EQ(300 * MS, at);
}

TEST(gap_resume_is_not_a_gap)
{
	gap_log_init(&g, 0, GAP_LOG_MIN_NS);
	gap_log_tick(&g, 1 * MS);
	gap_log_resume(&g, 500 * MS);	/* slept on purpose */
	gap_log_tick(&g, 503 * MS);
	EXPECT_EQ(3 * MS, gap_log_max(&g, 0, 503 * MS, NULL));
	/* Time going backwards (another CPU's clock) is no gap. */
	gap_log_tick(&g, 502 * MS);
	EXPECT_EQ(3 * MS, gap_log_max(&g, 0, 503 * MS, NULL));
}

TEST(gap_max_survives_ring_wrap)
{
	uint64_t t = 0;
	int i;

	gap_log_init(&g, 0, GAP_LOG_MIN_NS);
	t += 80 * MS;
	gap_log_tick(&g, t);
	for (i = 0; i < GAP_LOG_LEN * 3; i++) {
		t += 2 * MS;
		gap_log_tick(&g, t);
	}
	EXPECT_EQ(80 * MS, gap_log_max(&g, 0, t, NULL));
	EXPECT_EQ(2 * MS, gap_log_max(&g, 100 * MS, t, NULL));
}

TEST(starvation)
{
	uint64_t gap;

	gap_series();
	EXPECT_TRUE(metrics_starved(&g, 0, 200 * MS, 40 * MS, &gap));
	EXPECT_EQ(50 * MS, gap);
	EXPECT_FALSE(metrics_starved(&g, 0, 200 * MS, 60 * MS, NULL));
	EXPECT_FALSE(metrics_starved(&g, 0, 200 * MS, 0, NULL));
	/* Never ran after go at 0: the whole window is one gap. */
	gap_log_init(&g, 0, GAP_LOG_MIN_NS);
	EXPECT_TRUE(metrics_starved(&g, 0, 1000 * MS, 1000 * MS, &gap));
	EXPECT_EQ(1000 * MS, gap);
}

TEST(percentiles)
{
	uint64_t v[100];
	int i;

	for (i = 0; i < 100; i++)
		v[i] = i + 1;
	EXPECT_EQ(50, metrics_percentile(v, 100, 50));
	EXPECT_EQ(99, metrics_percentile(v, 100, 99));
	EXPECT_EQ(100, metrics_percentile(v, 100, 100));
	EXPECT_EQ(1, metrics_percentile(v, 100, 0));
	EXPECT_EQ(7, metrics_percentile((uint64_t[]){ 7 }, 1, 99));
	EXPECT_EQ(0, metrics_percentile(v, 0, 50));
	/* 10 values: p99 is the largest, p50 the 5th. */
	EXPECT_EQ(10, metrics_percentile(v, 10, 99));
	EXPECT_EQ(5, metrics_percentile(v, 10, 50));
}

TEST(latency_stats_from_ring)
{
	struct lat_stats st;
	uint64_t i;

	memset(&ll, 0, sizeof(ll));
	ASSERT_EQ(0, lat_log_stats(&ll, 0, &st));
	EXPECT_EQ(0, st.n);
	/* Unsorted input, one outlier. */
	for (i = 0; i < 99; i++)
		lat_log_add(&ll, 1000 + (i * 37) % 99);
	lat_log_add(&ll, 1000000);
	ASSERT_EQ(0, lat_log_stats(&ll, 0, &st));
	EXPECT_EQ(100, st.n);
	EXPECT_EQ(1049, st.p50);
	EXPECT_EQ(1098, st.p99);
	EXPECT_EQ(1000000, st.max);
	/* Only samples from index 99 on. */
	ASSERT_EQ(0, lat_log_stats(&ll, 99, &st));
	EXPECT_EQ(1, st.n);
	EXPECT_EQ(1000000, st.p50);
	/* Wrapped: the oldest samples are gone, the count is the ring. */
	for (i = 0; i < LAT_LOG_LEN; i++)
		lat_log_add(&ll, 5);
	ASSERT_EQ(0, lat_log_stats(&ll, 0, &st));
	EXPECT_EQ(LAT_LOG_LEN, st.n);
	EXPECT_EQ(5, st.max);
}

TEST(spread)
{
	size_t hi, lo;

	EXPECT_EQ(4.0, metrics_spread((uint64_t[]){ 100, 200, 50 }, 3, &hi, &lo));
	EXPECT_EQ(1, hi);
	EXPECT_EQ(2, lo);
	EXPECT_TRUE(isinf(metrics_spread((uint64_t[]){ 10, 0 }, 2, NULL, &lo)));
	EXPECT_EQ(1, lo);
	EXPECT_EQ(1.0, metrics_spread((uint64_t[]){ 0, 0 }, 2, NULL, NULL));
	EXPECT_EQ(1.0, metrics_spread((uint64_t[]){ 42 }, 1, NULL, NULL));
	EXPECT_EQ(1.0, metrics_spread(NULL, 0, NULL, NULL));
}

TEST(cpu_samples_and_isolation)
{
	struct cpu_sample first;
	struct cpuset allowed;

	cpu_log_init(&cl);
	cpu_log_sample(&cl, 1 * MS, 0, MS);
	cpu_log_sample(&cl, 1 * MS + 10, 0, MS);	/* too soon: dropped */
	cpu_log_sample(&cl, 2 * MS, 1, MS);
	cpu_log_sample(&cl, 3 * MS, 5, MS);
	cpu_log_sample(&cl, 3 * MS + 10, 2, MS);	/* moved: kept */
	cpu_log_sample(&cl, 4 * MS, 1, MS);
	cpu_log_sample(&cl, 5 * MS, -1, MS);		/* sched_getcpu failed */
	EXPECT_EQ(5, cl.nr);
	EXPECT_EQ(4, cl.moves);

	cpuset_zero(&allowed);
	cpuset_set(&allowed, 0);
	cpuset_set(&allowed, 1);
	EXPECT_EQ(2, cpu_log_outside(&cl, &allowed, 0, 10 * MS, &first));
	EXPECT_EQ(5, first.cpu);
	EXPECT_EQ(3 * MS, first.ns);
	/* Before the cpuset changed at 3.5 ms: not held against it. */
	EXPECT_EQ(0, cpu_log_outside(&cl, &allowed, 3 * MS + 500000, 10 * MS,
				     NULL));
	EXPECT_EQ(1, cpu_log_dominant(&cl, 0, 10 * MS));
	EXPECT_EQ(-1, cpu_log_dominant(&cl, 6 * MS, 10 * MS));
}

TEST(cpu_samples_wrap)
{
	struct cpuset allowed;
	uint64_t i;

	cpu_log_init(&cl);
	cpuset_zero(&allowed);
	cpuset_set(&allowed, 3);
	cpu_log_sample(&cl, 1, 9, MS);	/* overwritten below */
	for (i = 1; i <= CPU_LOG_LEN; i++)
		cpu_log_sample(&cl, i * MS, 3, MS);
	EXPECT_EQ(CPU_LOG_LEN + 1, cl.nr);
	EXPECT_EQ(0, cpu_log_outside(&cl, &allowed, 0, UINT64_MAX, NULL));
}

static const char proc_stat[] =
	"cpu  100 0 50 1000 2 0 3 17 0 0\n"
	"cpu0 50 0 25 500 1 0 1 9 0 0\n"
	"cpu1 50 0 25 500 1 0 2 8 0 0\n"
	"intr 12345 0 0\n"
	"ctxt 999\n";

TEST(parse_steal)
{
	uint64_t total = 0, per[4] = {};

	ASSERT_EQ(0, metrics_parse_steal(proc_stat, &total, per, 4));
	EXPECT_EQ(17, total);
	EXPECT_EQ(9, per[0]);
	EXPECT_EQ(8, per[1]);
	EXPECT_EQ(0, per[2]);
	/* Fewer slots than CPUs: the rest is ignored, not overrun. */
	per[0] = 0;
	ASSERT_EQ(0, metrics_parse_steal(proc_stat, &total, per, 1));
	EXPECT_EQ(9, per[0]);
	EXPECT_EQ(-ENOENT, metrics_parse_steal("intr 1\n", &total, per, 4));
	EXPECT_EQ(-EINVAL, metrics_parse_steal("cpu  1 2 3\n", &total, per, 4));
}

TEST(parse_migrations_and_schedstat)
{
	static const char sched[] =
		"spin (57, #threads: 1)\n"
		"-------------------------------------------------------------------\n"
		"se.exec_start                                :          1234.5\n"
		"se.nr_migrations                             :                   42\n"
		"nr_switches                                  :                  100\n";
	uint64_t n, run, wait, slices;

	ASSERT_EQ(0, metrics_parse_migrations(sched, &n));
	EXPECT_EQ(42, n);
	EXPECT_EQ(-ENOENT, metrics_parse_migrations("nr_switches : 3\n", &n));
	EXPECT_EQ(-EINVAL, metrics_parse_migrations("se.nr_migrations  x\n", &n));
	ASSERT_EQ(0, metrics_parse_schedstat("1000 200 7\n", &run, &wait, &slices));
	EXPECT_EQ(1000, run);
	EXPECT_EQ(200, wait);
	EXPECT_EQ(7, slices);
	EXPECT_EQ(-EINVAL, metrics_parse_schedstat("1000\n", &run, &wait, &slices));
}

static struct worker_metrics wm(const char *name, int group, double rate,
				uint64_t gap_ms)
{
	struct worker_metrics m = {
		.pid = 100 + group, .group = group, .measured = true,
		.rate = rate, .iters = rate * 2, .window_ns = 2000 * MS,
		.max_gap_ns = gap_ms * MS, .max_gap_at_ns = 700 * MS,
		.llc = -1, .migrations = -1,
	};

	snprintf(m.name, sizeof(m.name), "%s", name);
	return m;
}

TEST(assertions_name_worker_value_bound)
{
	struct ktstr_thresholds thr = {
		.max_gap_ms = 100, .min_iteration_rate = 50,
		.max_p99_wake_latency_ns = 500000, .max_spread = 2.0,
	};
	static const char *const groups[] = { "load", "other" };
	struct worker_metrics m[4];
	struct assert_result r = {};
	const char *msg;

	m[0] = wm("load/0", 0, 1000, 10);
	m[1] = wm("load/1", 0, 300, 250);	/* spread 3.33, gap 250 ms */
	m[2] = wm("other/0", 1, 20, 1);		/* rate 20 < 50 */
	m[2].lat = (struct lat_stats){ .n = 10, .p50 = 1000, .p99 = 900000 };
	m[3] = wm("other/1", 1, 25, 1);
	m[3].measured = false;			/* killed: not checked */
	m[3].rate = 0;
	assert_workers(&thr, m, 4, groups, 2, "step 0: ", &r);
	ASSERT_EQ(4, r.nr);
	msg = (const char *)r.msg.data;
	EXPECT_NE(NULL, strstr(msg, "step 0: load/1: max gap 250.0 ms > max_gap_ms 100 (pid 100, at +700 ms)"))
		TH_LOG("%s", msg);
	EXPECT_NE(NULL, strstr(msg, "other/0: 20.0 iterations/s < min_iteration_rate 50 (pid 101)"));
	EXPECT_NE(NULL, strstr(msg, "other/0: wake latency p99 900000 ns > max_p99_wake_latency_ns 500000 (pid 101)"));
	EXPECT_NE(NULL, strstr(msg, "cgroup load: spread 3.33 (load/0 1000.0/s, load/1 300.0/s) > max_spread 2.00"));
	EXPECT_EQ(NULL, strstr(msg, "other/1"));
	buf_free(&r.msg);
}

TEST(assertions_starvation_and_isolation)
{
	struct ktstr_thresholds thr = { .max_gap_ms = 100 };
	static const char *const groups[] = { "hog", "low" };
	struct worker_metrics m[2];
	struct assert_result r = {};
	const char *msg;

	m[0] = wm("hog/0", 0, 1000, 5);
	m[0].has_expect = true;
	snprintf(m[0].expect_cpus, sizeof(m[0].expect_cpus), "0-1");
	m[0].outside = 3;
	m[0].start_ns = 1000 * MS;
	m[0].first_outside = (struct cpu_sample){ .ns = 1250 * MS, .cpu = 3 };
	m[1] = wm("low/0", 1, 0, 2000);		/* no progress at all */
	assert_workers(&thr, m, 2, groups, 2, "", &r);
	ASSERT_EQ(2, r.nr);
	msg = (const char *)r.msg.data;
	EXPECT_NE(NULL, strstr(msg, "hog/0 left its cpuset 0-1: ran on CPU 3 (pid 100, 3 samples, first at +250 ms)"))
		TH_LOG("%s", msg);
	/* Starved: reported once, not again as a gap. */
	EXPECT_NE(NULL, strstr(msg, "low/0 starved: no progress in the whole 2000 ms step (pid 101)"));
	EXPECT_EQ(NULL, strstr(msg, "max gap 2000"));
	buf_free(&r.msg);
	r = (struct assert_result){};

	/* With starve_ms, a 600 ms hole is starvation too. */
	thr.starve_ms = 500;
	m[1] = wm("low/0", 1, 10, 600);
	m[0].outside = 0;
	assert_workers(&thr, m, 2, groups, 2, "", &r);
	ASSERT_EQ(1, r.nr);
	EXPECT_STREQ("low/0 starved: no progress for 600 ms > starve_ms 500 (pid 101)",
		     (const char *)r.msg.data);
	buf_free(&r.msg);
}

TEST_HARNESS_MAIN
