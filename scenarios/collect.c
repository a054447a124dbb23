// SPDX-License-Identifier: GPL-2.0
/*
 * The end of a step's hold: freeze the workers, turn their records and
 * /proc into struct worker_metrics, check them, and report them: TAP
 * diagnostics, and a PAYLOAD_METRICS frame (one JSON object per step) that
 * the host puts into the run's JSON result.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/channel.h"
#include "scenarios/scenario_int.h"
#include "scenarios/sysfs.h"
#include "util/json.h"

#define NS_PER_MS 1000000.0

/* Reads /proc text into a NUL-terminated buffer. */
/*
 * The test's thresholds; in an emulated KVM host without its timing ones
 * (max_gap_ms, wake latency p99, and max_spread: equal workers' rates
 * follow the CPU time the emulated host gives their vCPUs, a loaded one
 * gave one a 38th of its equal's): measured and reported, not checked.
 */
static const struct ktstr_thresholds *step_thresholds(struct step_run *run)
{
	static struct ktstr_thresholds thr;
	static bool said;

	if (!guest_on_emulated_host())
		return &run->ctx->test->thr;
	thr = run->ctx->test->thr;
	if (!said && (thr.max_gap_ms || thr.max_p99_wake_latency_ns ||
		      thr.max_spread))
		ktstr_diag(run->ctx, "emulated KVM host: timing thresholds off (max_gap_ms %u, wake latency p99 %llu ns, max_spread %.2f measured, not checked)",
			   thr.max_gap_ms,
			   (unsigned long long)thr.max_p99_wake_latency_ns,
			   thr.max_spread);
	said = true;
	thr.max_gap_ms = 0;
	thr.max_p99_wake_latency_ns = 0;
	thr.max_spread = 0;
	return &thr;
}

static int read_proc(const char *path, struct buf *b)
{
	int r = read_file(path, b);

	if (!r)
		buf_putc(b, 0);
	return r;
}

int64_t collect_migrations(pid_t pid)
{
	char path[64];
	struct buf b = {};
	uint64_t n;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/sched", (int)pid);
	r = read_proc(path, &b) ? : metrics_parse_migrations((char *)b.data, &n);
	buf_free(&b);
	return r ? -1 : (int64_t)n;
}

uint64_t collect_steal(uint64_t *percpu, uint32_t nr_cpus)
{
	struct buf b = {};
	uint64_t total = 0;

	if (!read_proc("/proc/stat", &b))
		metrics_parse_steal((char *)b.data, &total, percpu,
				    percpu ? nr_cpus : 0);
	buf_free(&b);
	return total;
}

static void read_schedstat(pid_t pid, struct worker_metrics *m)
{
	char path[64];
	struct buf b = {};
	uint64_t slices;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if (read_proc(path, &b) ||
	    metrics_parse_schedstat((char *)b.data, &m->run_ns, &m->wait_ns,
				    &slices))
		m->run_ns = m->wait_ns = 0;
	buf_free(&b);
}

void result_add(struct scenario_result *res, struct assert_result *a)
{
	if (!a->nr)
		return;
	if (res->msg.len) {
		res->msg.len--;			/* the NUL */
		buf_put(&res->msg, "; ", 2);
	}
	buf_put(&res->msg, a->msg.data, a->msg.len);
	res->nr_failed += a->nr;
	buf_free(&a->msg);
	a->nr = 0;
}

/* Samples outside the worker's expected cpuset since it last changed. */
static void isolation(const struct run_worker *rw, uint64_t end,
		      struct worker_metrics *m)
{
	struct cpuset set;

	if (!rw->expect[0] || cpuset_parse(rw->expect, &set))
		return;
	m->has_expect = true;
	snprintf(m->expect_cpus, sizeof(m->expect_cpus), "%s", rw->expect);
	/*
	 * No grace period: a sample is stamped before sched_getcpu(), and a
	 * cpuset write returns only once the task is on an allowed CPU.
	 */
	m->outside = cpu_log_outside(&rw->w->sh->cpus, &set, rw->iso_since,
				     end, &m->first_outside);
}

static void worker_metrics(const struct step_run *run,
			   const struct run_worker *rw, struct worker_metrics *m)
{
	const struct worker_shared *sh = rw->w->sh;
	uint64_t start = rw->start_ns, end = rw->end_ns ? : run->end_ns, at;
	int cpu;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s/%d",
		 run->groups[rw->home].def->name, rw->idx);
	m->pid = rw->w->pid;
	m->type = rw->w->type;
	m->group = rw->home;
	m->measured = !rw->killed && end > start;
	m->start_ns = start;
	m->window_ns = end > start ? end - start : 0;
	m->iters = sh->iters;
	m->rate = m->window_ns ? m->iters * 1e9 / m->window_ns : 0;
	m->max_gap_ns = gap_log_max(&sh->gaps, start, end, &at);
	m->max_gap_at_ns = at - start;
	lat_log_stats(&sh->lat, 0, &m->lat);
	cpu = cpu_log_dominant(&sh->cpus, start, end);
	m->llc = -1;
	if (cpu >= 0 && (uint32_t)cpu < run->nr_cpus) {
		struct topo_cpu c;

		topology_cpu(&run->ctx->topo, cpu, &c);
		m->llc = c.llc;
	}
	isolation(rw, end, m);
	m->moves = sh->cpus.moves;
	m->migrations = -1;
	if (!rw->w->dead && rw->mig0 >= 0) {
		int64_t mig = collect_migrations(m->pid);

		m->migrations = mig >= 0 ? mig - rw->mig0 : -1;
	}
	if (!rw->w->dead)
		read_schedstat(m->pid, m);
}

static void diag_worker(struct step_run *run, const struct worker_metrics *m)
{
	char lat[160] = "", iso[160] = "";

	if (m->lat.n)
		snprintf(lat, sizeof(lat),
			 ", wake latency n %llu p50 %llu p99 %llu max %llu ns",
			 (unsigned long long)m->lat.n,
			 (unsigned long long)m->lat.p50,
			 (unsigned long long)m->lat.p99,
			 (unsigned long long)m->lat.max);
	if (m->has_expect)
		snprintf(iso, sizeof(iso), ", %llu samples outside %s",
			 (unsigned long long)m->outside, m->expect_cpus);
	ktstr_diag(run->ctx, "%s%s pid %d %s%s: %llu iters %.1f/s, max gap %.2f ms at +%.0f ms, llc %d, %llu cpu moves, %lld migrations, run %.0f ms, wait %.0f ms%s%s",
		   run->prefix, m->name, m->pid, work_type_name(m->type),
		   m->measured ? "" : " (killed)",
		   (unsigned long long)m->iters, m->rate,
		   m->max_gap_ns / NS_PER_MS, m->max_gap_at_ns / NS_PER_MS,
		   m->llc, (unsigned long long)m->moves,
		   (long long)m->migrations, m->run_ns / NS_PER_MS,
		   m->wait_ns / NS_PER_MS, lat, iso);
}

/* Spread within each group, and per LLC within it. */
static double diag_groups(struct step_run *run, const struct worker_metrics *m,
			  int n)
{
	uint32_t llcs = run->ctx->topo.llcs;
	double worst = 1.0;
	int g;

	for (g = 0; g < run->nr_groups; g++) {
		double s = assert_group_spread(m, n, g, -1, NULL, NULL);
		struct buf line = {};
		uint32_t l;

		worst = MAX(worst, s);
		buf_printf(&line, "%scgroup %s: spread %.2f", run->prefix,
			   run->groups[g].def->name, s);
		for (l = 0; llcs > 1 && l < llcs; l++) {
			int hi;
			double ls = assert_group_spread(m, n, g, l, &hi, NULL);

			if (hi >= 0)
				buf_printf(&line, ", llc%u %.2f", l, ls);
		}
		buf_putc(&line, 0);
		ktstr_diag(run->ctx, "%s", (char *)line.data);
		buf_free(&line);
	}
	return worst;
}

static uint64_t diag_steal(struct step_run *run)
{
	uint64_t *now = xzalloc(run->nr_cpus * sizeof(uint64_t));
	uint64_t total = collect_steal(now, run->nr_cpus) - run->steal0;
	struct buf line = {};
	uint32_t c;

	buf_printf(&line, "%ssteal %llu ticks", run->prefix,
		   (unsigned long long)total);
	for (c = 0; c < run->nr_cpus; c++)
		if (now[c] > run->steal0_cpu[c])
			buf_printf(&line, ", cpu%u %llu", c,
				   (unsigned long long)(now[c] - run->steal0_cpu[c]));
	buf_putc(&line, 0);
	ktstr_diag(run->ctx, "%s", (char *)line.data);
	buf_free(&line);
	free(now);
	return total;
}

static void aggregate(struct scenario_result *res,
		      const struct worker_metrics *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!m[i].measured)
			continue;
		res->total_iters += m[i].iters;
		res->worst_gap_ns = MAX(res->worst_gap_ns, m[i].max_gap_ns);
		res->worst_p99_ns = MAX(res->worst_p99_ns, m[i].lat.p99);
	}
}

static void keep(struct scenario_result *res, const struct worker_metrics *m,
		 int n)
{
	res->workers = xrealloc(res->workers,
				(res->nr_workers + n) * sizeof(*m) ? : 1);
	memcpy(res->workers + res->nr_workers, m, n * sizeof(*m));
	res->nr_workers += n;
}

/* JSON has no NaN or infinity (a spread over a worker that never ran). */
static double json_finite(double v)
{
	return isfinite(v) ? v : -1;
}

static void json_worker(struct buf *b, const struct worker_metrics *m)
{
	buf_printf(b, "{\"name\":");
	json_put_string(b, m->name);
	buf_printf(b, ",\"pid\":%d,\"type\":\"%s\",\"measured\":%s,\"iters\":%llu,\"rate\":%.1f,\"window_ms\":%.1f,\"max_gap_ms\":%.3f,\"max_gap_at_ms\":%.1f,\"llc\":%d,\"cpu_moves\":%llu,\"migrations\":%lld,\"run_ms\":%.1f,\"wait_ms\":%.1f",
		   (int)m->pid, work_type_name(m->type),
		   m->measured ? "true" : "false",
		   (unsigned long long)m->iters, json_finite(m->rate),
		   m->window_ns / NS_PER_MS, m->max_gap_ns / NS_PER_MS,
		   m->max_gap_at_ns / NS_PER_MS, m->llc,
		   (unsigned long long)m->moves, (long long)m->migrations,
		   m->run_ns / NS_PER_MS, m->wait_ns / NS_PER_MS);
	if (m->lat.n)
		buf_printf(b, ",\"wake_latency_ns\":{\"n\":%llu,\"p50\":%llu,\"p99\":%llu,\"max\":%llu}",
			   (unsigned long long)m->lat.n,
			   (unsigned long long)m->lat.p50,
			   (unsigned long long)m->lat.p99,
			   (unsigned long long)m->lat.max);
	if (m->has_expect) {
		buf_printf(b, ",\"cpuset\":");
		json_put_string(b, m->expect_cpus);
		buf_printf(b, ",\"samples_outside\":%llu",
			   (unsigned long long)m->outside);
	}
	buf_putc(b, '}');
}

/* The step as one JSON object on the data channel. */
static void send_step(struct step_run *run, const struct worker_metrics *m,
		      int n, double spread, uint64_t steal,
		      const struct assert_result *a)
{
	struct buf b = {};
	int i;

	buf_printf(&b, "{\"step\":");
	if (run->step->name)
		json_put_string(&b, run->step->name);
	else
		buf_printf(&b, "\"step %d\"", run->index);
	buf_printf(&b, ",\"index\":%d,\"worst_spread\":%.3f,\"steal_ticks\":%llu,\"failed_assertions\":%d,\"failures\":",
		   run->index, json_finite(spread), (unsigned long long)steal, a->nr);
	json_put_string(&b, a->nr && a->msg.len ? (char *)a->msg.data : "");
	buf_printf(&b, ",\"workers\":[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		json_worker(&b, &m[i]);
	}
	buf_printf(&b, "]}");
	if (b.len > TLV_MAX_PAYLOAD)
		ktstr_diag(run->ctx, "%smetrics: %zu bytes of JSON, more than a frame holds: not sent",
			   run->prefix, b.len);
	else
		channel_send(run->ctx->data_fd, TLV_PAYLOAD_METRICS, b.data,
			     b.len);
	buf_free(&b);
}

int collect_step(struct step_run *run)
{
	struct worker_metrics *m = xzalloc(MAX(run->nr, 1) * sizeof(*m));
	const char *names[SCN_MAX_GROUPS];
	struct assert_result a = {};
	int i, n = 0, r;
	uint64_t steal;
	double spread;

	/* Frozen workers cannot change their records while we read them. */
	for (i = 0; i < run->nr; i++) {
		r = worker_stop(run->rw[i].w);
		if (r)
			pr_warn("stopping worker pid %d: %s", run->rw[i].w->pid,
				strerror(-r));
	}
	for (i = 0; i < run->nr; i++) {
		if (run->rw[i].aux)
			continue;
		worker_metrics(run, &run->rw[i], &m[n]);
		diag_worker(run, &m[n++]);
	}
	for (i = 0; i < run->nr_groups; i++)
		names[i] = run->groups[i].def->name;
	spread = diag_groups(run, m, n);
	run->res->worst_spread = MAX(run->res->worst_spread, spread);
	steal = diag_steal(run);
	run->res->steal_ticks += steal;
	aggregate(run->res, m, n);
	assert_workers(step_thresholds(run), m, n, names, run->nr_groups,
		       run->prefix, &a);
	send_step(run, m, n, spread, steal, &a);
	result_add(run->res, &a);
	keep(run->res, m, n);
	free(m);
	return 0;
}
