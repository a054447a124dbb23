// SPDX-License-Identifier: GPL-2.0
/* Scheduling metrics over worker logs and /proc text (see metrics.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/metrics.h"
#include "util/util.h"

void gap_log_init(struct gap_log *g, uint64_t now, uint64_t min_ns)
{
	memset(g, 0, sizeof(*g));
	g->last_ns = now;
	g->min_ns = min_ns;
}

void gap_log_tick(struct gap_log *g, uint64_t now)
{
	uint64_t gap = now > g->last_ns ? now - g->last_ns : 0;

	if (gap > g->max.end_ns - g->max.start_ns) {
		g->max.start_ns = g->last_ns;
		g->max.end_ns = now;
	}
	if (gap >= g->min_ns) {
		struct gap_ev *e = &g->ev[g->nr % GAP_LOG_LEN];

		e->start_ns = g->last_ns;
		e->end_ns = now;
		g->nr++;
	}
	g->last_ns = now;
}

void gap_log_resume(struct gap_log *g, uint64_t now)
{
	if (now > g->last_ns)
		g->last_ns = now;
}

/* Length of [s, e] inside [ws, we]. */
static uint64_t clip(uint64_t s, uint64_t e, uint64_t ws, uint64_t we)
{
	s = MAX(s, ws);
	e = MIN(e, we);
	return e > s ? e - s : 0;
}

uint64_t gap_log_max(const struct gap_log *g, uint64_t win_start,
		     uint64_t win_end, uint64_t *at)
{
	uint32_t i, n = MIN(g->nr, GAP_LOG_LEN);
	uint64_t best, best_at, len;

	/* The open gap: nothing since the last iteration. */
	best = clip(g->last_ns, win_end, win_start, win_end);
	best_at = win_end;
	len = clip(g->max.start_ns, g->max.end_ns, win_start, win_end);
	if (len > best) {
		best = len;
		best_at = MIN(g->max.end_ns, win_end);
	}
	for (i = 0; i < n; i++) {
		len = clip(g->ev[i].start_ns, g->ev[i].end_ns, win_start, win_end);
		if (len > best) {
			best = len;
			best_at = MIN(g->ev[i].end_ns, win_end);
		}
	}
	if (at)
		*at = best_at;
	return best;
}

void cpu_log_init(struct cpu_log *l)
{
	memset(l, 0, sizeof(*l));
	l->last_cpu = -1;
}

void cpu_log_sample(struct cpu_log *l, uint64_t now, int cpu,
		    uint64_t period_ns)
{
	struct cpu_sample *s;

	if (cpu < 0)
		return;
	if (cpu == l->last_cpu && now - l->last_ns < period_ns)
		return;
	if (l->last_cpu >= 0 && cpu != l->last_cpu)
		l->moves++;
	s = &l->s[l->nr % CPU_LOG_LEN];
	s->ns = now;
	s->cpu = cpu;
	l->nr++;
	l->last_ns = now;
	l->last_cpu = cpu;
}

uint64_t cpu_log_outside(const struct cpu_log *l, const struct cpuset *allowed,
			 uint64_t since, uint64_t until,
			 struct cpu_sample *first)
{
	uint64_t i, n = MIN(l->nr, CPU_LOG_LEN), bad = 0;
	uint64_t first_ns = UINT64_MAX;

	for (i = 0; i < n; i++) {
		const struct cpu_sample *s = &l->s[i];

		if (s->ns < since || s->ns > until ||
		    (s->cpu < CPUSET_MAX && cpuset_test(allowed, s->cpu)))
			continue;
		bad++;
		if (s->ns < first_ns) {
			first_ns = s->ns;
			if (first)
				*first = *s;
		}
	}
	return bad;
}

int cpu_log_dominant(const struct cpu_log *l, uint64_t since, uint64_t until)
{
	uint32_t count[CPUSET_MAX] = {};
	uint64_t i, n = MIN(l->nr, CPU_LOG_LEN);
	int best = -1;

	for (i = 0; i < n; i++) {
		const struct cpu_sample *s = &l->s[i];

		if (s->ns < since || s->ns > until || s->cpu >= CPUSET_MAX)
			continue;
		count[s->cpu]++;
		if (best < 0 || count[s->cpu] > count[best])
			best = s->cpu;
	}
	return best;
}

void lat_log_add(struct lat_log *l, uint64_t ns)
{
	l->v[l->nr % LAT_LOG_LEN] = ns;
	l->nr++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int lat_log_stats(const struct lat_log *l, uint64_t from, struct lat_stats *st)
{
	uint64_t v[LAT_LOG_LEN], i, n = 0;

	memset(st, 0, sizeof(*st));
	/* Only what is still in the ring: the last LAT_LOG_LEN samples. */
	if (l->nr > LAT_LOG_LEN && from < l->nr - LAT_LOG_LEN)
		from = l->nr - LAT_LOG_LEN;
	for (i = from; i < l->nr; i++)
		v[n++] = l->v[i % LAT_LOG_LEN];
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	st->n = n;
	st->p50 = metrics_percentile(v, n, 50);
	st->p99 = metrics_percentile(v, n, 99);
	st->max = v[n - 1];
	return 0;
}

uint64_t metrics_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t rank;

	if (!n)
		return 0;
	if (pct > 100)
		pct = 100;
	/* Nearest rank: the smallest value with pct% of samples at or below. */
	rank = ((size_t)pct * n + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

double metrics_spread(const uint64_t *work, size_t n, size_t *imax,
		      size_t *imin)
{
	size_t i, hi = 0, lo = 0;

	for (i = 1; i < n; i++) {
		if (work[i] > work[hi])
			hi = i;
		if (work[i] < work[lo])
			lo = i;
	}
	if (imax)
		*imax = hi;
	if (imin)
		*imin = lo;
	if (n < 2 || !work[hi])
		return 1.0;
	if (!work[lo])
		return INFINITY;
	return (double)work[hi] / (double)work[lo];
}

bool metrics_starved(const struct gap_log *g, uint64_t win_start,
		     uint64_t win_end, uint64_t window_ns, uint64_t *gap)
{
	uint64_t len = gap_log_max(g, win_start, win_end, NULL);

	if (gap)
		*gap = len;
	return window_ns && len >= window_ns;
}

/* Parses whitespace then an unsigned decimal; advances *@s. */
static int next_u64(const char **s, uint64_t *v)
{
	char *end;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(*s, &end, 10);
	if (errno)
		return -EINVAL;
	*s = end;
	return 0;
}

/* "cpu" or "cpuN" line: the 8th value is steal. */
static int steal_of_line(const char *p, uint64_t *steal)
{
	uint64_t v = 0;
	int i;

	while (*p && *p != ' ')
		p++;
	for (i = 0; i < 8; i++)
		if (next_u64(&p, &v))
			return -EINVAL;
	*steal = v;
	return 0;
}

int metrics_parse_steal(const char *stat, uint64_t *total, uint64_t *percpu,
			size_t max)
{
	const char *line = stat;
	bool found = false;

	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		uint64_t steal, cpu;
		const char *p = line + 3;

		if (strncmp(line, "cpu", 3))
			continue;
		if (steal_of_line(line, &steal))
			return -EINVAL;
		if (*p == ' ') {
			*total = steal;
			found = true;
		} else if (!next_u64(&p, &cpu) && cpu < max) {
			percpu[cpu] = steal;
		}
	}
	return found ? 0 : -ENOENT;
}

int metrics_parse_migrations(const char *sched, uint64_t *n)
{
	static const char key[] = "se.nr_migrations";
	const char *p = sched;

	while ((p = strstr(p, key))) {
		const char *q = p + strlen(key);

		if ((p == sched || p[-1] == '\n') && (*q == ' ' || *q == '\t')) {
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != ':')
				return -EINVAL;
			q++;
			return next_u64(&q, n);
		}
		p = q;
	}
	return -ENOENT;
}

int metrics_parse_schedstat(const char *text, uint64_t *run_ns,
			    uint64_t *wait_ns, uint64_t *slices)
{
	const char *p = text;

	if (next_u64(&p, run_ns) || next_u64(&p, wait_ns) ||
	    next_u64(&p, slices))
		return -EINVAL;
	return 0;
}
