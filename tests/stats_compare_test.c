// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr stats compare`: the statistics on known samples, the policy file,
 * result files written by `ktstr run --results` read back, and the
 * one-line errors on bad input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "cli/compare.h"
#include "cli/results.h"
#include "util/json.h"
#include "kselftest_harness.h"

/*
 * Reference p-values from mpmath (30 digits), independent of this code:
 * betainc(df/2, 1/2, 0, df/(df+t^2), regularized=True), and Welch's t and
 * df computed from the samples in exact arithmetic.
 */
TEST(t_pvalue_reference)
{
	static const struct { double t, df, p; } ref[] = {
		{ 2.228138852, 10, 0.05 },	/* t table: 97.5% of t(10) */
		{ 12.706204736, 1, 0.05 },	/* 97.5% of t(1) */
		{ 2.0, 10, 0.0733880347707404 },
		{ 0.5, 3, 0.651447964848151 },
		{ 5.0, 50, 7.43321224723257e-06 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ref); i++) {
		double p = t_pvalue(ref[i].t, ref[i].df);

		EXPECT_LT(fabs(p - ref[i].p), 1e-9 + ref[i].p * 1e-7)
			TH_LOG("t %g df %g: p %.15g, want %.15g", ref[i].t,
			       ref[i].df, p, ref[i].p);
		/* The sign of t does not matter to a two-sided test. */
		EXPECT_LT(fabs(t_pvalue(-ref[i].t, ref[i].df) - p), 1e-15);
	}
	EXPECT_EQ(1, t_pvalue(0, 7));
	EXPECT_EQ(0, betainc(2, 3, 0));
	EXPECT_EQ(1, betainc(2, 3, 1));
	/* I_x(1, 1) = x; I_x(a, b) = 1 - I_(1-x)(b, a). */
	EXPECT_LT(fabs(betainc(1, 1, 0.3) - 0.3), 1e-12);
	EXPECT_LT(fabs(betainc(2.5, 0.5, 0.7) + betainc(0.5, 2.5, 0.3) - 1),
		  1e-12);
}

TEST(welch_reference)
{
	static const double a1[] = { 1, 2, 3, 4, 5 }, b1[] = { 2, 4, 6, 8, 10 };
	static const double a2[] = { 10.1, 9.8, 10.3, 10.0, 9.9, 10.2 };
	static const double b2[] = { 11.0, 11.4, 10.9, 11.2, 11.1, 11.3 };
	static const double a3[] = { 20.1, 19.7, 20.4 };
	static const double b3[] = { 20.0, 20.3, 19.9, 20.2 };

	/* t -1.8974, df 5.8824 */
	EXPECT_LT(fabs(welch_p(a1, 5, b1, 5) - 0.107531194930627), 1e-10);
	/* t -10.184, df 10 */
	EXPECT_LT(fabs(welch_p(a2, 6, b2, 6) - 1.34456136701408e-06), 1e-13);
	/* t -0.1499, df 2.8159 */
	EXPECT_LT(fabs(welch_p(a3, 3, b3, 4) - 0.890925052966801), 1e-10);
	EXPECT_LT(fabs(welch_p(b3, 4, a3, 3) - 0.890925052966801), 1e-10);
}

TEST(median_even_odd)
{
	static const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };

	EXPECT_EQ(3, median(odd, 3));
	EXPECT_EQ(2.5, median(even, 4));
}

/* Latency 100 ms +- 2 against 120 ms +- 2: a 20% regression. */
static const double lat_base[] = { 99, 101, 100, 98, 102, 100 };
static const double lat_worse[] = { 119, 121, 120, 118, 122, 120 };

TEST(known_difference_found)
{
	struct cmp_result r;

	compare_samples(lat_base, 6, lat_worse, 6, DIR_LOWER, 10, &r);
	EXPECT_EQ(CMP_REGRESSED, r.verdict);
	EXPECT_LT(r.p, 0.001);
	EXPECT_LT(fabs(r.change - 20), 1e-9);
	EXPECT_EQ(100, r.base_med);
	EXPECT_EQ(120, r.cand_med);
	/* The same change in a rate is an improvement. */
	compare_samples(lat_base, 6, lat_worse, 6, DIR_HIGHER, 10, &r);
	EXPECT_EQ(CMP_IMPROVED, r.verdict);
	/* Significant but within a 25% threshold: no change. */
	compare_samples(lat_base, 6, lat_worse, 6, DIR_LOWER, 25, &r);
	EXPECT_EQ(CMP_SAME, r.verdict);
	/* No direction: reported, never judged. */
	compare_samples(lat_base, 6, lat_worse, 6, DIR_NONE, 10, &r);
	EXPECT_EQ(CMP_INFO, r.verdict);
}

TEST(identical_not_flagged)
{
	static const double a[] = { 100, 140, 60, 120, 80 };
	static const double b[] = { 80, 120, 60, 140, 100 };
	struct cmp_result r;

	compare_samples(lat_base, 6, lat_base, 6, DIR_LOWER, 10, &r);
	EXPECT_EQ(CMP_SAME, r.verdict);
	EXPECT_EQ(1, r.p);
	/* Same values in another order; and a noisy 30% shift, not significant. */
	compare_samples(a, 5, b, 5, DIR_LOWER, 10, &r);
	EXPECT_EQ(CMP_SAME, r.verdict);
	{
		static const double c[] = { 130, 182, 78, 156, 104 };
		static const double d[] = { 100, 10, 200, 90, 110 };

		compare_samples(d, 5, c, 5, DIR_LOWER, 10, &r);
		EXPECT_GT(r.p, 0.05);
		EXPECT_EQ(CMP_SAME, r.verdict);
	}
}

TEST(too_few_samples)
{
	static const double one[] = { 100 }, big[] = { 1000 };
	struct cmp_result r;

	compare_samples(one, 1, big, 1, DIR_LOWER, 10, &r);
	EXPECT_EQ(CMP_FEW, r.verdict);
	EXPECT_STREQ("not enough samples", cmp_verdict_name(r.verdict));
	compare_samples(lat_base, 6, big, 1, DIR_LOWER, 10, &r);
	EXPECT_EQ(CMP_FEW, r.verdict);
	compare_samples(one, 1, lat_worse, 6, DIR_LOWER, 10, &r);
	EXPECT_EQ(CMP_FEW, r.verdict);
	/* Constant samples on both sides: the difference is certain. */
	{
		static const double x[] = { 5, 5 }, y[] = { 6, 6 };

		compare_samples(x, 2, y, 2, DIR_LOWER, 10, &r);
		EXPECT_EQ(0, r.p);
		EXPECT_EQ(CMP_REGRESSED, r.verdict);
	}
}

TEST(policy_file)
{
	struct policy p = { .threshold = -1 };
	enum cmp_dir dir;
	double th;
	char err[128];
	static const struct {
		const char *metric;
		enum cmp_dir dir;
		double th;
	} want[] = {
		{ "steady/rate", DIR_HIGHER, 2.5 },	/* the last match */
		{ "other/rate", DIR_HIGHER, 5 },	/* FIELD alone */
		{ "s/max_gap_ms", DIR_HIGHER, 20 },
		{ "wall_s", DIR_NONE, 50 },
		{ "s/wake_latency_ns.p99", DIR_LOWER, COMPARE_THRESHOLD },
	};
	unsigned int i;

	ASSERT_EQ(0, policy_parse(&p,
		"# comment\n\nrate 5\n*/max_gap_ms 20 higher  # odd, but allowed\n"
		"steady/rate 2.5\nwall_s 50 none\n", err, sizeof(err)));
	ASSERT_EQ(4, p.nr);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		policy_lookup(&p, want[i].metric, &dir, &th);
		EXPECT_EQ(want[i].dir, dir) TH_LOG("%s", want[i].metric);
		EXPECT_EQ(want[i].th, th) TH_LOG("%s", want[i].metric);
	}
	p.threshold = 3;	/* --threshold: where no line matches */
	policy_lookup(&p, "s/iters", &dir, &th);
	EXPECT_EQ(DIR_HIGHER, dir);
	EXPECT_EQ(3, th);
	policy_lookup(&p, "unknown_metric", &dir, &th);
	EXPECT_EQ(DIR_NONE, dir);
	policy_free(&p);

	EXPECT_EQ(-1, policy_parse(&p, "rate\n", err, sizeof(err)));
	EXPECT_STREQ("line 1: want 'METRIC THRESHOLD_PCT [lower|higher|none]'",
		     err);
	policy_free(&p);
	EXPECT_EQ(-1, policy_parse(&p, "a 1\nrate 5 sideways\n", err,
				   sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "line 2:"));
	policy_free(&p);
	EXPECT_EQ(-1, policy_parse(&p, "rate -5\n", err, sizeof(err)));
	policy_free(&p);
	EXPECT_EQ(-1, policy_parse(&p, "rate 5 lower extra\n", err,
				   sizeof(err)));
	policy_free(&p);
}

#define BODY \
	"\"name\": \"steady\", \"category\": \"sched\", \"verdict\": \"PASS\", " \
	"\"wall_s\": 2.5, \"message\": \"\", \"metrics\": [{\"step\":\"spin\"," \
	"\"index\":0,\"worst_spread\":1.5,\"workers\":[{\"iters\":10,\"rate\":5," \
	"\"max_gap_ms\":3,\"wake_latency_ns\":{\"n\":2,\"p50\":7,\"p99\":9,\"max\":9}}," \
	"{\"iters\":30,\"rate\":7,\"max_gap_ms\":4,\"wake_latency_ns\":{\"n\":1," \
	"\"p50\":8,\"p99\":8,\"max\":8}}]}], \"repeat\": 1"

static double series_value(const struct result_set *rs, const char *metric)
{
	int i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->s[i].metric, metric))
			return rs->s[i].n == 1 ? rs->s[i].v[0] : -1;
	return -2;
}

TEST(result_file_round_trip)
{
	char dir[] = "/tmp/ktstr-compare-XXXXXX", err[512];
	struct buf ident = {}, body = {}, text = {};
	struct result_set rs;
	char *path;

	ASSERT_NE(NULL, mkdtemp(dir));
	results_identity(&ident, "/nonexistent/bzImage");
	buf_printf(&body, BODY);
	ASSERT_EQ(0, results_write(dir, "steady", 1, &ident, &body));
	path = xasprintf("%s/steady.1.json", dir);
	ASSERT_EQ(0, read_file(path, &text));
	EXPECT_TRUE(json_valid((char *)text.data, text.len));
	buf_putc(&text, 0);
	EXPECT_EQ(0, strncmp((char *)text.data, "{\"schema\": 1, ", 14));
	EXPECT_NE(NULL, strstr((char *)text.data, "\"kernel_config_hash\": null"));
	EXPECT_NE(NULL, strstr((char *)text.data, "\"ktstr_version\": \""));

	ASSERT_EQ(0, result_set_load(&rs, dir, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(1, rs.files);
	EXPECT_EQ(RESULTS_SCHEMA, rs.schema);
	EXPECT_EQ(2.5, series_value(&rs, "wall_s"));
	EXPECT_EQ(40, series_value(&rs, "spin/iters"));	/* summed */
	EXPECT_EQ(12, series_value(&rs, "spin/rate"));
	EXPECT_EQ(4, series_value(&rs, "spin/max_gap_ms"));	/* the worst */
	EXPECT_EQ(9, series_value(&rs, "spin/wake_latency_ns.p99"));
	EXPECT_EQ(1.5, series_value(&rs, "spin/worst_spread"));
	EXPECT_EQ(-2, series_value(&rs, "spin/wake_latency_ns.n"));
	result_set_free(&rs);

	/* A body that is not valid JSON is refused. */
	buf_free(&body);
	buf_printf(&body, "\"name\": ");
	EXPECT_EQ(-EINVAL, results_write(dir, "bad", 0, &ident, &body));

	unlink(path);
	rmdir(dir);
	free(path);
	buf_free(&ident);
	buf_free(&body);
	buf_free(&text);
}

TEST(bad_input)
{
	char dir[] = "/tmp/ktstr-compare-XXXXXX", err[512];
	struct result_set rs = {};
	const char *good = "{\"schema\": 1, \"name\": \"t\", \"verdict\": \"PASS\", \"wall_s\": 1}";
	const char *v2 = "{\"schema\": 2, \"name\": \"t\", \"verdict\": \"PASS\"}";
	char *p;
	FILE *f;

	EXPECT_EQ(-1, result_set_load(&rs, "/nonexistent/dir", err, sizeof(err)));
	EXPECT_STREQ("/nonexistent/dir: No such file or directory", err);

	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_EQ(-1, result_set_load(&rs, dir, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, ": no result files"));
	EXPECT_EQ(NULL, strchr(err, '\n'));

	/* Truncated: a one-line error naming the file. */
	p = xasprintf("%s/t.json", dir);
	f = fopen(p, "w");
	ASSERT_NE(NULL, f);
	fwrite(good, 1, strlen(good) - 5, f);
	fclose(f);
	EXPECT_EQ(-1, result_set_load(&rs, dir, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/t.json: not valid JSON (truncated?)"))
		TH_LOG("%s", err);
	result_set_free(&rs);
	unlink(p);
	free(p);

	memset(&rs, 0, sizeof(rs));
	EXPECT_EQ(0, result_set_add(&rs, "a.json", good, strlen(good), err,
				    sizeof(err)));
	EXPECT_EQ(-1, result_set_add(&rs, "b.json", v2, strlen(v2), err,
				     sizeof(err)));
	EXPECT_STREQ("b.json: schema 2, expected 1", err);
	EXPECT_EQ(-1, result_set_add(&rs, "c.json", "[1]", 3, err, sizeof(err)));
	EXPECT_STREQ("c.json: not a ktstr result file (no schema, name or verdict)",
		     err);
	result_set_free(&rs);
	rmdir(dir);
}

TEST(failed_runs_left_out)
{
	const char *fail = "{\"schema\": 1, \"name\": \"t\", \"verdict\": \"FAIL\", \"wall_s\": 1}";
	struct result_set rs = {};
	char err[128];

	EXPECT_EQ(0, result_set_add(&rs, "f.json", fail, strlen(fail), err,
				    sizeof(err)));
	EXPECT_EQ(1, rs.skipped);
	EXPECT_EQ(0, rs.nr);
	result_set_free(&rs);
}

TEST_HARNESS_MAIN
