// SPDX-License-Identifier: GPL-2.0
/* Scenario assertions against struct ktstr_thresholds (see assert.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/assert.h"

#define NS_PER_MS 1000000.0

void assert_fail(struct assert_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->msg.len) {
		r->msg.len--;			/* drop the NUL */
		buf_put(&r->msg, "; ", 2);
	}
	va_start(ap, fmt);
	buf_vprintf(&r->msg, fmt, ap);
	va_end(ap);
	buf_putc(&r->msg, 0);
	r->nr++;
}

/* True if it was starved; then its gap and rate are not reported again. */
static bool check_starved(const struct ktstr_thresholds *thr,
			  const struct worker_metrics *w, const char *prefix,
			  struct assert_result *r)
{
	uint64_t window = thr->starve_ms ? thr->starve_ms * 1000000ULL
					 : w->window_ns;

	if (!window || w->max_gap_ns < window)
		return false;
	if (thr->starve_ms)
		assert_fail(r, "%s%s starved: no progress for %.0f ms > starve_ms %u (pid %d)",
			    prefix, w->name, w->max_gap_ns / NS_PER_MS,
			    thr->starve_ms, w->pid);
	else
		assert_fail(r, "%s%s starved: no progress in the whole %.0f ms step (pid %d)",
			    prefix, w->name, w->window_ns / NS_PER_MS, w->pid);
	return true;
}

static void check_worker(const struct ktstr_thresholds *thr,
			 const struct worker_metrics *w, const char *prefix,
			 struct assert_result *r)
{
	if (w->outside)
		assert_fail(r, "%s%s left its cpuset %s: ran on CPU %u (pid %d, %llu samples, first at +%.0f ms)",
			    prefix, w->name, w->expect_cpus,
			    w->first_outside.cpu, w->pid,
			    (unsigned long long)w->outside,
			    (w->first_outside.ns - w->start_ns) / NS_PER_MS);
	if (check_starved(thr, w, prefix, r))
		return;
	if (thr->max_gap_ms && w->max_gap_ns > thr->max_gap_ms * 1000000ULL)
		assert_fail(r, "%s%s: max gap %.1f ms > max_gap_ms %u (pid %d, at +%.0f ms)",
			    prefix, w->name, w->max_gap_ns / NS_PER_MS,
			    thr->max_gap_ms, w->pid, w->max_gap_at_ns / NS_PER_MS);
	if (thr->min_iteration_rate && w->rate < thr->min_iteration_rate)
		assert_fail(r, "%s%s: %.1f iterations/s < min_iteration_rate %llu (pid %d)",
			    prefix, w->name, w->rate,
			    (unsigned long long)thr->min_iteration_rate, w->pid);
	if (thr->max_p99_wake_latency_ns && w->lat.n &&
	    w->lat.p99 > thr->max_p99_wake_latency_ns)
		assert_fail(r, "%s%s: wake latency p99 %llu ns > max_p99_wake_latency_ns %llu (pid %d)",
			    prefix, w->name, (unsigned long long)w->lat.p99,
			    (unsigned long long)thr->max_p99_wake_latency_ns,
			    w->pid);
}

double assert_group_spread(const struct worker_metrics *m, int n, int g,
			   int llc, int *imax, int *imin)
{
	uint64_t rate[n ? n : 1];
	int idx[n ? n : 1], i, k = 0;
	size_t hi = 0, lo = 0;
	double s;

	for (i = 0; i < n; i++) {
		/* A lock holder and its waiter do different work. */
		if (!m[i].measured || m[i].group != g || m[i].type == WORK_LOCK ||
		    (llc >= 0 && m[i].llc != llc))
			continue;
		/* Rates, not counts: workers spawned later ran for less. */
		rate[k] = (uint64_t)(m[i].rate * 1000.0);
		idx[k++] = i;
	}
	s = metrics_spread(rate, k, &hi, &lo);
	if (imax)
		*imax = k ? idx[hi] : -1;
	if (imin)
		*imin = k ? idx[lo] : -1;
	return s;
}

static void check_spread(const struct ktstr_thresholds *thr,
			 const struct worker_metrics *m, int n, int g,
			 const char *group, const char *prefix,
			 struct assert_result *r)
{
	int hi, lo;
	double s = assert_group_spread(m, n, g, -1, &hi, &lo);

	if (!thr->max_spread || hi < 0 || s <= thr->max_spread)
		return;
	assert_fail(r, "%scgroup %s: spread %.2f (%s %.1f/s, %s %.1f/s) > max_spread %.2f",
		    prefix, group, s, m[hi].name, m[hi].rate, m[lo].name,
		    m[lo].rate, thr->max_spread);
}

void assert_workers(const struct ktstr_thresholds *thr,
		    const struct worker_metrics *m, int n,
		    const char *const *groups, int nr_groups,
		    const char *prefix, struct assert_result *r)
{
	int i;

	for (i = 0; i < n; i++)
		if (m[i].measured)
			check_worker(thr, &m[i], prefix, r);
	for (i = 0; i < nr_groups; i++)
		check_spread(thr, m, n, i, groups[i], prefix, r);
}
