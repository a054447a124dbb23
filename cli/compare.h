/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ktstr stats compare BASE CAND`: two directories of result files
 * (cli/results.h), compared per test and metric with Welch's t-test.
 */
#ifndef KTSTR_CLI_COMPARE_H
#define KTSTR_CLI_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#define COMPARE_ALPHA		0.05	/* two-sided significance level */
#define COMPARE_THRESHOLD	10.0	/* default threshold, percent */

enum cmp_dir { DIR_NONE, DIR_LOWER, DIR_HIGHER };	/* better when */

enum cmp_verdict {
	CMP_FEW,		/* fewer than 2 samples on a side */
	CMP_INFO,		/* no direction: reported, not judged */
	CMP_SAME,		/* not significant, or within the threshold */
	CMP_IMPROVED,
	CMP_REGRESSED,
};

/* The regularized incomplete beta function I_x(a, b), 0 <= x <= 1. */
double betainc(double a, double b, double x);
/* Two-sided p-value of Student's t with @df degrees of freedom. */
double t_pvalue(double t, double df);
/* Welch's two-sided p-value of samples @a and @b (2 or more each). */
double welch_p(const double *a, int na, const double *b, int nb);
double median(const double *v, int n);

struct policy_rule {
	char *pattern;			/* fnmatch() on the metric */
	double threshold;		/* percent */
	enum cmp_dir dir;
	bool has_dir;			/* else the default direction stays */
};

struct policy {
	struct policy_rule *rules;
	int nr;
	double threshold;		/* --threshold, or < 0 */
};

/* Parses a policy file's text; 0, or -1 with @err naming the line. */
int policy_parse(struct policy *p, const char *text, char *err,
		 size_t errlen);
void policy_free(struct policy *p);
/* The direction and threshold of @metric under @p and the defaults. */
void policy_lookup(const struct policy *p, const char *metric,
		   enum cmp_dir *dir, double *threshold);

struct cmp_result {
	enum cmp_verdict verdict;
	double base_med, cand_med, base_sd, cand_sd, change, p;
};

/* Judges @cand against @base for a metric with @dir and @threshold. */
void compare_samples(const double *base, int nb, const double *cand, int nc,
		     enum cmp_dir dir, double threshold, struct cmp_result *r);
const char *cmp_verdict_name(enum cmp_verdict v);

/* A directory of result files: every sample of every test and metric. */
struct series {
	char *test, *metric;
	double *v;
	int n;
};

struct result_set {
	struct series *s;
	int nr, files, schema;
	int skipped;			/* files of runs that did not pass */
};

/* Loads @dir; 0, or -1 with a one-line @err naming the file. */
int result_set_load(struct result_set *rs, const char *dir, char *err,
		    size_t errlen);
/* Adds one result file's text (@name for errors); 0 or -1. */
int result_set_add(struct result_set *rs, const char *name, const char *text,
		   size_t len, char *err, size_t errlen);
void result_set_free(struct result_set *rs);

extern const char compare_help[];
int cmd_stats_compare(int argc, char **argv);

#endif
