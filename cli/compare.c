// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr stats compare BASE CAND`: per test and metric, the candidate's
 * samples against the base's. A change is "regressed" only when Welch's
 * t-test finds it significant (two-sided p < 0.05) and it is beyond the
 * metric's threshold in its bad direction.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/compare.h"
#include "cli/results.h"
#include "util/json.h"

/* Continued fraction of I_x(a, b) (modified Lentz). */
static double betacf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, del, aa;
	int m;

	d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
	h = d;
	for (m = 1; m <= 300; m++) {
		aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
		c = 1 + aa / c;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
		c = 1 + aa / c;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

double betainc(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		 b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double t_pvalue(double t, double df)
{
	if (isinf(t))
		return 0;
	return betainc(df / 2, 0.5, df / (df + t * t));
}

static void mean_var(const double *v, int n, double *mean, double *var)
{
	double s = 0, ss = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	*mean = s / n;
	for (i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*var = n > 1 ? ss / (n - 1) : 0;
}

double welch_p(const double *a, int na, const double *b, int nb)
{
	double ma, va, mb, vb, sa, sb, t, df;

	mean_var(a, na, &ma, &va);
	mean_var(b, nb, &mb, &vb);
	sa = va / na;
	sb = vb / nb;
	/* No spread on either side: any difference is certain. */
	if (sa + sb == 0)
		return ma == mb ? 1 : 0;
	t = (ma - mb) / sqrt(sa + sb);
	df = (sa + sb) * (sa + sb) /
	     (sa * sa / (na - 1) + sb * sb / (nb - 1));
	return t_pvalue(t, df);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(const double *v, int n)
{
	double *s = xmalloc(n * sizeof(*s)), m;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

const char *cmp_verdict_name(enum cmp_verdict v)
{
	static const char * const names[] = {
		[CMP_FEW] = "not enough samples", [CMP_INFO] = "info",
		[CMP_SAME] = "no change", [CMP_IMPROVED] = "improved",
		[CMP_REGRESSED] = "regressed",
	};

	return names[v];
}

void compare_samples(const double *base, int nb, const double *cand, int nc,
		     enum cmp_dir dir, double threshold, struct cmp_result *r)
{
	double m, v;
	bool worse;

	memset(r, 0, sizeof(*r));
	r->p = 1;
	if (nb)
		r->base_med = median(base, nb);
	if (nc)
		r->cand_med = median(cand, nc);
	if (nb) {
		mean_var(base, nb, &m, &v);
		r->base_sd = sqrt(v);
	}
	if (nc) {
		mean_var(cand, nc, &m, &v);
		r->cand_sd = sqrt(v);
	}
	if (r->base_med)
		r->change = (r->cand_med - r->base_med) / fabs(r->base_med) * 100;
	else
		r->change = r->cand_med ? (r->cand_med > 0 ? 100 : -100) : 0;
	if (nb < 2 || nc < 2) {
		r->verdict = CMP_FEW;
		return;
	}
	r->p = welch_p(base, nb, cand, nc);
	if (dir == DIR_NONE) {
		r->verdict = CMP_INFO;
		return;
	}
	if (r->p >= COMPARE_ALPHA || fabs(r->change) <= threshold) {
		r->verdict = CMP_SAME;
		return;
	}
	worse = dir == DIR_LOWER ? r->change > 0 : r->change < 0;
	r->verdict = worse ? CMP_REGRESSED : CMP_IMPROVED;
}

/* Declared directions; a metric none matches is reported, not judged. */
static const struct {
	const char *pattern;
	enum cmp_dir dir;
} defaults[] = {
	{ "wall_s", DIR_LOWER }, { "setup_ms", DIR_LOWER },
	{ "pid1_ms", DIR_LOWER }, { "cpu_before_run_ms", DIR_LOWER },
	{ "vmm_rss", DIR_LOWER },
	{ "*/max_gap_ms", DIR_LOWER }, { "*/wake_latency_ns.*", DIR_LOWER },
	{ "*/migrations", DIR_LOWER }, { "*/cpu_moves", DIR_LOWER },
	{ "*/wait_ms", DIR_LOWER }, { "*/worst_spread", DIR_LOWER },
	{ "*/steal_ticks", DIR_LOWER }, { "*/samples_outside", DIR_LOWER },
	{ "*/iters", DIR_HIGHER }, { "*/rate", DIR_HIGHER },
	{ "*/run_ms", DIR_HIGHER },
};

static enum cmp_dir parse_dir(const char *s)
{
	if (!strcmp(s, "lower"))
		return DIR_LOWER;
	if (!strcmp(s, "higher"))
		return DIR_HIGHER;
	return DIR_NONE;
}

static const char *dir_name(enum cmp_dir d)
{
	return d == DIR_LOWER ? "lower" : d == DIR_HIGHER ? "higher" : "none";
}

int policy_parse(struct policy *p, const char *text, char *err, size_t errlen)
{
	const char *line = text;
	int no = 0;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char *l = xasprintf("%.*s", (int)(nl ? nl - line : (long)strlen(line)),
				    line);
		char pat[256], dir[16], extra[2];
		double th;
		int n;

		no++;
		line = nl ? nl + 1 : NULL;
		l[strcspn(l, "#")] = '\0';
		n = sscanf(l, "%255s %lf %15s %1s", pat, &th, dir, extra);
		free(l);
		if (n <= 0)
			continue;
		if (n < 2 || n > 3 || th < 0 || isnan(th) ||
		    (n == 3 && strcmp(dir, "lower") && strcmp(dir, "higher") &&
		     strcmp(dir, "none"))) {
			snprintf(err, errlen,
				 "line %d: want 'METRIC THRESHOLD_PCT [lower|higher|none]'",
				 no);
			return -1;
		}
		p->rules = xrealloc(p->rules, (p->nr + 1) * sizeof(*p->rules));
		p->rules[p->nr++] = (struct policy_rule){
			xstrdup(pat), th, n == 3 ? parse_dir(dir) : DIR_NONE,
			n == 3,
		};
	}
	return 0;
}

void policy_free(struct policy *p)
{
	int i;

	for (i = 0; i < p->nr; i++)
		free(p->rules[i].pattern);
	free(p->rules);
	p->rules = NULL;
	p->nr = 0;
}

/* fnmatch() on the whole metric, or on the part after "STEP/". */
static bool metric_match(const char *pattern, const char *metric)
{
	const char *field = strchr(metric, '/');

	return !fnmatch(pattern, metric, 0) ||
	       (field && !fnmatch(pattern, field + 1, 0));
}

void policy_lookup(const struct policy *p, const char *metric,
		   enum cmp_dir *dir, double *threshold)
{
	size_t i;
	int j;

	*dir = DIR_NONE;
	*threshold = p && p->threshold >= 0 ? p->threshold : COMPARE_THRESHOLD;
	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!fnmatch(defaults[i].pattern, metric, 0)) {
			*dir = defaults[i].dir;
			break;
		}
	/* The last matching line wins. */
	for (j = 0; p && j < p->nr; j++) {
		if (!metric_match(p->rules[j].pattern, metric))
			continue;
		*threshold = p->rules[j].threshold;
		if (p->rules[j].has_dir)
			*dir = p->rules[j].dir;
	}
}

/* ---- reading result files ---- */

/* Per-worker fields and how one step's workers add up. */
static const struct {
	const char *field;
	bool max;			/* else the sum */
} worker_fields[] = {
	{ "iters", false }, { "rate", false }, { "run_ms", false },
	{ "wait_ms", false }, { "migrations", false }, { "cpu_moves", false },
	{ "samples_outside", false }, { "max_gap_ms", true },
	{ "wake_latency_ns.p50", true }, { "wake_latency_ns.p99", true },
	{ "wake_latency_ns.max", true },
};

static const char * const top_metrics[] = {
	"wall_s", "setup_ms", "pid1_ms", "cpu_before_run_ms", "vmm_rss",
};

struct file_value {
	char *metric;
	double v;
	bool max;
};

struct file_scan {
	char *name, *verdict;
	long schema;
	char **steps;			/* metrics[i].step */
	int nr_steps;
	struct file_value *vals;
	int nr;
};

/* A string token without its quotes (metric and test names are plain). */
static char *tok_string(const char *tok, size_t len)
{
	if (len < 2 || tok[0] != '"')
		return NULL;
	return xasprintf("%.*s", (int)len - 2, tok + 1);
}

static void scan_put(struct file_scan *fs, const char *metric, double v,
		     bool max)
{
	int i;

	for (i = 0; i < fs->nr; i++) {
		struct file_value *fv = &fs->vals[i];

		if (strcmp(fv->metric, metric))
			continue;
		fv->v = max ? fmax(fv->v, v) : fv->v + v;
		return;
	}
	fs->vals = xrealloc(fs->vals, (fs->nr + 1) * sizeof(*fs->vals));
	fs->vals[fs->nr++] = (struct file_value){ xstrdup(metric), v, max };
}

static const char *step_name(struct file_scan *fs, int i)
{
	if (i >= fs->nr_steps) {
		fs->steps = xrealloc(fs->steps, (i + 1) * sizeof(*fs->steps));
		while (fs->nr_steps <= i)
			fs->steps[fs->nr_steps++] = NULL;
	}
	if (!fs->steps[i])
		fs->steps[i] = xasprintf("step%d", i);
	return fs->steps[i];
}

static void scan_cb(void *ctx, const char *path, const char *tok, size_t len)
{
	struct file_scan *fs = ctx;
	char *end, *metric;
	const char *rest;
	double v;
	size_t i;
	int step, w, n = 0;

	if (!strcmp(path, "schema")) {
		fs->schema = strtol(tok, &end, 10);
		if (end != tok + len)
			fs->schema = -1;
		return;
	}
	if (!strcmp(path, "name") || !strcmp(path, "verdict")) {
		char **s = path[0] == 'n' ? &fs->name : &fs->verdict;

		free(*s);
		*s = tok_string(tok, len);
		return;
	}
	if (sscanf(path, "metrics.%d.step%n", &step, &n) == 1 && !path[n]) {
		step_name(fs, step);
		free(fs->steps[step]);
		fs->steps[step] = tok_string(tok, len);
		for (end = fs->steps[step]; end && *end; end++)
			if (*end == '/')
				*end = '_';
		return;
	}
	v = strtod(tok, &end);
	if (end != tok + len || tok[0] == '"')
		return;			/* not a number */
	for (i = 0; i < ARRAY_SIZE(top_metrics); i++)
		if (!strcmp(path, top_metrics[i]))
			scan_put(fs, path, v, false);
	if (sscanf(path, "metrics.%d.%n", &step, &n) != 1 || step < 0 ||
	    step > 1000)
		return;
	rest = path + n;
	if (!strcmp(rest, "worst_spread") || !strcmp(rest, "steal_ticks")) {
		metric = xasprintf("%s/%s", step_name(fs, step), rest);
		scan_put(fs, metric, v, false);
		free(metric);
		return;
	}
	n = 0;
	if (sscanf(rest, "workers.%d.%n", &w, &n) != 1 || !n)
		return;
	for (i = 0; i < ARRAY_SIZE(worker_fields); i++) {
		if (strcmp(rest + n, worker_fields[i].field))
			continue;
		metric = xasprintf("%s/%s", step_name(fs, step), rest + n);
		scan_put(fs, metric, v, worker_fields[i].max);
		free(metric);
	}
}

static void scan_free(struct file_scan *fs)
{
	int i;

	for (i = 0; i < fs->nr_steps; i++)
		free(fs->steps[i]);
	for (i = 0; i < fs->nr; i++)
		free(fs->vals[i].metric);
	free(fs->steps);
	free(fs->vals);
	free(fs->name);
	free(fs->verdict);
}

static struct series *series_find(struct result_set *rs, const char *test,
				  const char *metric)
{
	int i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->s[i].test, test) &&
		    !strcmp(rs->s[i].metric, metric))
			return &rs->s[i];
	return NULL;
}

static struct series *series_get(struct result_set *rs, const char *test,
				 const char *metric)
{
	struct series *s = series_find(rs, test, metric);

	if (s)
		return s;
	rs->s = xrealloc(rs->s, (rs->nr + 1) * sizeof(*rs->s));
	rs->s[rs->nr] = (struct series){ xstrdup(test), xstrdup(metric) };
	return &rs->s[rs->nr++];
}

int result_set_add(struct result_set *rs, const char *name, const char *text,
		   size_t len, char *err, size_t errlen)
{
	struct file_scan fs = { .schema = -1 };
	int i, r = -1;

	if (!json_walk(text, len, scan_cb, &fs)) {
		snprintf(err, errlen, "%s: not valid JSON (truncated?)", name);
		goto out;
	}
	if (fs.schema < 1 || !fs.name || !fs.verdict) {
		snprintf(err, errlen, "%s: not a ktstr result file (no schema, name or verdict)",
			 name);
		goto out;
	}
	if (fs.schema != RESULTS_SCHEMA ||
	    (rs->files && rs->schema != fs.schema)) {
		snprintf(err, errlen, "%s: schema %ld, expected %d", name,
			 fs.schema, rs->files ? rs->schema : RESULTS_SCHEMA);
		goto out;
	}
	rs->schema = fs.schema;
	rs->files++;
	r = 0;
	/* A run that did not pass has no comparable numbers. */
	if (strcmp(fs.verdict, "PASS")) {
		rs->skipped++;
		goto out;
	}
	for (i = 0; i < fs.nr; i++) {
		struct series *s = series_get(rs, fs.name, fs.vals[i].metric);

		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		s->v[s->n++] = fs.vals[i].v;
	}
out:
	scan_free(&fs);
	return r;
}

static bool is_result_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && !strcmp(n + len - 5, ".json") &&
	       !strstr(n, ".tmp.");
}

int result_set_load(struct result_set *rs, const char *dir, char *err,
		    size_t errlen)
{
	struct dirent **ents;
	int n, i, r = 0;

	memset(rs, 0, sizeof(*rs));
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, ents[i]->d_name);
		struct buf b = {};

		if (!r && is_result_name(ents[i]->d_name)) {
			r = read_file(p, &b);
			if (r)
				snprintf(err, errlen, "%s: %s", p, strerror(-r));
			else
				r = result_set_add(rs, p, (char *)b.data, b.len,
						   err, errlen);
		}
		buf_free(&b);
		free(p);
		free(ents[i]);
	}
	free(ents);
	if (!r && !rs->files) {
		snprintf(err, errlen, "%s: no result files (*.json from 'ktstr run --results')",
			 dir);
		r = -1;
	}
	return r ? -1 : 0;
}

void result_set_free(struct result_set *rs)
{
	int i;

	for (i = 0; i < rs->nr; i++) {
		free(rs->s[i].test);
		free(rs->s[i].metric);
		free(rs->s[i].v);
	}
	free(rs->s);
	memset(rs, 0, sizeof(*rs));
}

/* ---- the command ---- */

const char compare_help[] =
	"usage: ktstr stats compare BASE CAND [--threshold PCT] [--policy FILE] [--json]\n"
	"  compares two directories of 'ktstr run --results' files per test and metric;\n"
	"  exit 1 when a metric regressed (Welch's t-test p < 0.05 and beyond its threshold\n"
	"  in its bad direction) or on bad input, else 0\n"
	"  --threshold PCT   threshold of every metric (default 10)\n"
	"  --policy FILE     lines 'METRIC THRESHOLD_PCT [lower|higher|none]' (METRIC a glob;\n"
	"                    the last matching line wins, over --threshold)\n"
	"  --json            the comparison as JSON on stdout\n";

static void put_json_num(struct buf *b, double v)
{
	if (isfinite(v))
		buf_printf(b, "%.6g", v);
	else
		buf_printf(b, "null");
}

int cmd_stats_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 'T' },
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	struct policy pol = { .threshold = -1 };
	struct result_set base, cand;
	struct buf out = {}, ptext = {};
	bool json = false;
	char err[512], *end;
	int c, i, regressed = 0, nout = 0, matched = 0, unmatched;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(compare_help, stdout);
		return 0;
	}
	while ((c = getopt_long(argc, argv, "T:p:j", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			pol.threshold = strtod(optarg, &end);
			if (*end || end == optarg || pol.threshold < 0 ||
			    !isfinite(pol.threshold))
				die("stats compare: --threshold '%s': not a percentage",
				    optarg);
			break;
		case 'p':
			c = read_file(optarg, &ptext);
			if (c)
				die("stats compare: --policy %s: %s", optarg,
				    strerror(-c));
			buf_putc(&ptext, 0);
			if (policy_parse(&pol, (char *)ptext.data, err,
					 sizeof(err)))
				die("stats compare: --policy %s: %s", optarg, err);
			break;
		case 'j':
			json = true;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2)
		die("stats compare: want two result directories, BASE and CAND");
	if (result_set_load(&base, argv[optind], err, sizeof(err)))
		die("stats compare: %s", err);
	if (result_set_load(&cand, argv[optind + 1], err, sizeof(err)))
		die("stats compare: %s", err);
	if (base.schema != cand.schema)
		die("stats compare: schema %d in %s, %d in %s", base.schema,
		    argv[optind], cand.schema, argv[optind + 1]);
	if (json) {
		buf_printf(&out, "{\"schema\": %d, \"base\": ", RESULTS_SCHEMA);
		json_put_string(&out, argv[optind]);
		buf_printf(&out, ", \"cand\": ");
		json_put_string(&out, argv[optind + 1]);
		buf_printf(&out, ", \"base_not_passed\": %d, \"cand_not_passed\": %d, \"results\": [",
			   base.skipped, cand.skipped);
	} else {
		printf("%-24s %-28s %12s %12s %9s %9s %8s %7s  %s\n", "test",
		       "metric", "base", "cand", "base_sd", "cand_sd",
		       "change", "p", "verdict");
	}
	for (i = 0; i < base.nr; i++) {
		struct series *b = &base.s[i];
		struct series *s = series_find(&cand, b->test, b->metric);
		struct cmp_result r;
		enum cmp_dir dir;
		double th;

		if (!s)
			continue;
		matched++;
		policy_lookup(&pol, b->metric, &dir, &th);
		compare_samples(b->v, b->n, s->v, s->n, dir, th, &r);
		regressed += r.verdict == CMP_REGRESSED;
		if (json) {
			buf_printf(&out, "%s{\"test\": ", nout++ ? ", " : "");
			json_put_string(&out, b->test);
			buf_printf(&out, ", \"metric\": ");
			json_put_string(&out, b->metric);
			buf_printf(&out, ", \"direction\": \"%s\", \"threshold_pct\": %g, \"base_n\": %d, \"cand_n\": %d, \"base_median\": ",
				   dir_name(dir), th, b->n, s->n);
			put_json_num(&out, r.base_med);
			buf_printf(&out, ", \"cand_median\": ");
			put_json_num(&out, r.cand_med);
			buf_printf(&out, ", \"base_sd\": ");
			put_json_num(&out, r.base_sd);
			buf_printf(&out, ", \"cand_sd\": ");
			put_json_num(&out, r.cand_sd);
			buf_printf(&out, ", \"change_pct\": ");
			put_json_num(&out, r.change);
			buf_printf(&out, ", \"p\": ");
			put_json_num(&out, r.p);
			buf_printf(&out, ", \"verdict\": \"%s\"}",
				   cmp_verdict_name(r.verdict));
		} else {
			printf("%-24s %-28s %12.6g %12.6g %9.3g %9.3g %+7.1f%% %7.3g  %s%s\n",
			       b->test, b->metric, r.base_med, r.cand_med,
			       r.base_sd, r.cand_sd, r.change, r.p,
			       r.verdict == CMP_REGRESSED ? "** " :
			       r.verdict == CMP_IMPROVED ? "++ " : "",
			       cmp_verdict_name(r.verdict));
		}
	}
	/* A test or metric on one side only is said, never judged. */
	unmatched = base.nr + cand.nr - 2 * matched;
	if (json) {
		buf_printf(&out, "], \"one_side_only\": %d, \"regressed\": %d}\n",
			   unmatched, regressed);
		fwrite(out.data, 1, out.len, stdout);
	} else {
		if (base.skipped || cand.skipped)
			printf("# runs that did not pass, left out: %d in base, %d in cand\n",
			       base.skipped, cand.skipped);
		if (unmatched)
			printf("# test/metric pairs in one directory only, not compared: %d\n",
			       unmatched);
		printf("# %d regressed\n", regressed);
	}
	buf_free(&out);
	buf_free(&ptext);
	policy_free(&pol);
	result_set_free(&base);
	result_set_free(&cand);
	return regressed ? 1 : 0;
}
