/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-worker scheduling metrics. A worker records three logs in memory it
 * shares with the scenario engine (scenarios/workers.h):
 *
 *  - gap_log: the gaps between consecutive iterations while the worker was
 *    runnable (time spent blocked on purpose is not a gap);
 *  - cpu_log: timestamped sched_getcpu() samples (isolation, migrations,
 *    which LLC the worker ran on);
 *  - lat_log: wake latencies in ns (wake-up to running again).
 *
 * Everything here is a pure computation over those logs or over /proc text,
 * so it is unit-tested on the host with synthetic samples. The logs are
 * written by the worker only and read by the engine after it has stopped
 * the worker, so they need no locking.
 */
#ifndef KTSTR_SCENARIOS_METRICS_H
#define KTSTR_SCENARIOS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenarios/sysfs.h"

#define GAP_LOG_LEN 128
#define GAP_LOG_MIN_NS 1000000ULL	/* shorter gaps are not logged */
#define CPU_LOG_LEN 2048
#define CPU_SAMPLE_NS 1000000ULL	/* one sample per ms, plus each move */
#define LAT_LOG_LEN 4096

struct gap_ev {
	uint64_t start_ns, end_ns;
};

struct gap_log {
	uint64_t last_ns;	/* last iteration, or last wake-up */
	uint64_t min_ns;	/* log gaps at least this long */
	struct gap_ev max;	/* longest gap ever: survives ring wrap */
	uint32_t nr;		/* gaps logged; ring slot is nr % GAP_LOG_LEN */
	struct gap_ev ev[GAP_LOG_LEN];
};

struct cpu_sample {
	uint64_t ns;
	uint32_t cpu;
};

struct cpu_log {
	uint64_t nr;		/* samples taken; ring slot is nr % CPU_LOG_LEN */
	uint64_t moves;		/* CPU changes seen */
	uint64_t last_ns;
	int32_t last_cpu;	/* -1 before the first sample */
	struct cpu_sample s[CPU_LOG_LEN];
};

struct lat_log {
	uint64_t nr;		/* ring slot is nr % LAT_LOG_LEN */
	uint64_t v[LAT_LOG_LEN];
};

struct lat_stats {
	uint64_t n, p50, p99, max;
};

void gap_log_init(struct gap_log *g, uint64_t now, uint64_t min_ns);
/* One iteration at @now: the time since the last one is a gap. */
void gap_log_tick(struct gap_log *g, uint64_t now);
/* Runnable again at @now after blocking on purpose: not a gap. */
void gap_log_resume(struct gap_log *g, uint64_t now);
/*
 * Longest gap overlapping [@win_start, @win_end], clipped to it, counting
 * the gap still open at @win_end; *@at (may be NULL) gets its end.
 */
uint64_t gap_log_max(const struct gap_log *g, uint64_t win_start,
		     uint64_t win_end, uint64_t *at);

void cpu_log_init(struct cpu_log *l);
/* Samples @cpu at @now if it moved or @period_ns passed since the last. */
void cpu_log_sample(struct cpu_log *l, uint64_t now, int cpu,
		    uint64_t period_ns);
/*
 * Samples in [@since, @until] on a CPU outside @allowed; the first such
 * sample goes to *@first (may be NULL).
 */
uint64_t cpu_log_outside(const struct cpu_log *l, const struct cpuset *allowed,
			 uint64_t since, uint64_t until,
			 struct cpu_sample *first);
/* The CPU most samples in [@since, @until] saw, or -1 if none. */
int cpu_log_dominant(const struct cpu_log *l, uint64_t since, uint64_t until);

void lat_log_add(struct lat_log *l, uint64_t ns);
/* Samples [@from, l->nr) still in the ring; 0 if there are none. */
int lat_log_stats(const struct lat_log *l, uint64_t from, struct lat_stats *st);

/* Nearest-rank percentile of @n ascending values; 0 if @n is 0. */
uint64_t metrics_percentile(const uint64_t *sorted, size_t n, unsigned int pct);
/*
 * max/min of @work[0..n): 1.0 for n < 2 or all zero, INFINITY if only the
 * minimum is 0. *@imax / *@imin (may be NULL) get their indexes.
 */
double metrics_spread(const uint64_t *work, size_t n, size_t *imax,
		      size_t *imin);
/* True if @g had no progress for @window_ns within the window. */
bool metrics_starved(const struct gap_log *g, uint64_t win_start,
		     uint64_t win_end, uint64_t window_ns, uint64_t *gap);

/*
 * /proc/stat: steal ticks (8th value after the label) of the "cpu" line in
 * *@total and of each "cpuN" line in @percpu[N] for N < @max.
 */
int metrics_parse_steal(const char *stat, uint64_t *total, uint64_t *percpu,
			size_t max);
/* /proc/<pid>/sched: the "se.nr_migrations" value. */
int metrics_parse_migrations(const char *sched, uint64_t *n);
/* /proc/<pid>/schedstat: "run_ns wait_ns timeslices". */
int metrics_parse_schedstat(const char *text, uint64_t *run_ns,
			    uint64_t *wait_ns, uint64_t *slices);

#endif
