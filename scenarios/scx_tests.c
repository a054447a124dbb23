// SPDX-License-Identifier: GPL-2.0
/*
 * "sched" category, sched_ext: a steady CPU-bound load (two spinning
 * processes per CPU) under EEVDF, under the built-in global FIFO, under
 * the LLC-aware scheduler and under an external scheduler binary (the
 * kernel's scx_simple as /scheduler), and the deliberately failing
 * scheduler whose SCHED_EXIT must be caught.
 *
 * The checks are about function, not performance, so they hold in the
 * emulated host too: every worker made progress, while the load ran the
 * scheduler was "enabled" under its ops name and every worker was on
 * sched_ext (/proc/<pid>/sched ext.enabled), and the scheduler's own
 * counters show it queued the work (for llc: on every LLC, and each LLC's
 * CPUs took from their own queue).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/test.h"
#include "sched/scx_ktstr.h"

/*
 * Two LLCs of one CPU each: enough for the LLC scheduler to have a queue
 * per LLC and for stealing, and light enough for the emulated host.
 */
#define SCX_TOPO	"1n2l2c1t"
/*
 * Boot included: the emulated host boots this guest in 10-25 s and enables
 * or tears down a scheduler in up to 6 s, more when the machine is busy.
 */
#define SCX_TIMEOUT_MS	180000
#define MAX_WORKERS	64
#define CACHELINE_U64	8	/* one counter per 64-byte line */

/*
 * The workers spin until the parent sets the stop word, so each runs for
 * the whole hold counted from the last fork (forking is slow when the
 * parent queues behind spinners under a FIFO scheduler).
 */
struct spin_load {
	int nr;
	pid_t pid[MAX_WORKERS];
	uint64_t *count;		/* [i * CACHELINE_U64], MAP_SHARED */
	uint64_t *stop;			/* the line after the counters */
};

static void __noreturn spin(uint64_t *count, const uint64_t *stop)
{
	uint64_t n = 0;

	/* Never outlive the body, however it ends. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		if (!(++n & 1023)) {
			__atomic_store_n(count, n, __ATOMIC_RELAXED);
			if (__atomic_load_n(stop, __ATOMIC_RELAXED))
				_exit(0);
		}
	}
}

static int spin_start(struct spin_load *l, int nr)
{
	memset(l, 0, sizeof(*l));
	l->count = mmap(NULL, (MAX_WORKERS + 1) * CACHELINE_U64 * sizeof(uint64_t),
			PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (l->count == MAP_FAILED)
		return -errno;
	l->stop = &l->count[MAX_WORKERS * CACHELINE_U64];
	for (l->nr = 0; l->nr < MIN(nr, MAX_WORKERS); l->nr++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0)
			spin(&l->count[l->nr * CACHELINE_U64], l->stop);
		l->pid[l->nr] = pid;
	}
	return 0;
}

/* Stops and reaps the workers (SIGKILL if @kill_them); 0 if all exited 0. */
static int spin_reap(struct spin_load *l, bool kill_them)
{
	int i, status, bad = 0;

	if (l->stop)
		__atomic_store_n(l->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < l->nr; i++) {
		if (kill_them)
			kill(l->pid[i], SIGKILL);
		if (waitpid(l->pid[i], &status, 0) != l->pid[i] ||
		    (!kill_them && (!WIFEXITED(status) || WEXITSTATUS(status))))
			bad++;
	}
	l->nr = 0;
	return bad ? -ECHILD : 0;
}

/*
 * scx_test_check() with the load running: once the scheduler has left
 * "enabled", the workers are killed first. The kernel's disable needs CPU
 * time (an RCU grace period, every task switched back), and 2 spinners per
 * vCPU in a loaded emulated host kept a 4-vCPU guest "disabling" for the
 * whole settle time.
 */
static int check_sched(struct ktstr_ctx *ctx, struct spin_load *l)
{
	if (scx_test_left())
		spin_reap(l, true);
	return scx_test_check(ctx);
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Mid-load: the scheduler is the one declared, and runs every worker. */
static int check_running(struct ktstr_ctx *ctx, struct spin_load *l)
{
	const char *sched = ctx->test->scheduler;
	char state[32], ops[SCX_NAME_LEN];
	int i, v, on;

	if (sched) {
		v = check_sched(ctx, l);
		if (v != KTSTR_PASS)
			return v;
		if (scx_sysfs_read(NULL, state, sizeof(state), ops, sizeof(ops)) ||
		    strcmp(state, "enabled") ||
		    strcmp(ops, scx_ops_name(scx_test_sched())))
			return ktstr_fail(ctx, "sched_ext state '%s' ops '%s', want enabled %s",
					  state, ops, scx_ops_name(scx_test_sched()));
	}
	for (i = 0; i < l->nr; i++) {
		on = scx_task_on_scx(l->pid[i]);
		if (on != (sched != NULL))
			return ktstr_fail(ctx, "worker %d (pid %d): ext.enabled %d under %s",
					  i, l->pid[i], on, sched ? : "EEVDF");
	}
	return KTSTR_PASS;
}

static int check_progress(struct ktstr_ctx *ctx, const struct spin_load *l)
{
	uint64_t min = UINT64_MAX, max = 0, c;
	int i;

	for (i = 0; i < l->nr; i++) {
		c = __atomic_load_n(&l->count[i * CACHELINE_U64], __ATOMIC_RELAXED);
		if (!c)
			return ktstr_fail(ctx, "worker %d (pid %d) made no progress",
					  i, l->pid[i]);
		min = MIN(min, c);
		max = MAX(max, c);
	}
	ktstr_diag(ctx, "%d workers, iterations min %llu max %llu", l->nr,
		   (unsigned long long)min, (unsigned long long)max);
	return KTSTR_PASS;
}

static int steady_load(struct ktstr_ctx *ctx)
{
	uint32_t ms = ctx->test->duration_ms;
	struct ktstr_sched_stats st;
	struct spin_load l;
	int r, v = scx_test_begin(ctx);

	if (v != KTSTR_PASS)
		return scx_test_end(ctx, v);
	r = spin_start(&l, 2 * topology_nr_cpus(&ctx->topo));
	if (r) {
		spin_reap(&l, true);
		return scx_test_end(ctx, ktstr_fail(ctx, "workers: %s", strerror(-r)));
	}
	sleep_ms(ms / 2);
	v = check_running(ctx, &l);
	if (v == KTSTR_PASS)
		sleep_ms(ms - ms / 2);
	if (spin_reap(&l, v != KTSTR_PASS) && v == KTSTR_PASS)
		v = ktstr_fail(ctx, "a worker did not exit cleanly");
	if (v == KTSTR_PASS)
		v = scx_test_check(ctx);
	if (v == KTSTR_PASS)
		v = check_progress(ctx, &l);
	/* An external one (ktstr run --scheduler) keeps no ktstr stats. */
	r = scx_test_sched() ? scx_stats(scx_test_sched(), &st) : -ENOTSUP;
	if (v == KTSTR_PASS && r != -ENOTSUP && (r || !st.dispatched))
		v = ktstr_fail(ctx, "%s dispatched no task",
			       scx_ops_name(scx_test_sched()));
	if (v == KTSTR_PASS && ctx->test->scheduler &&
	    !strcmp(ctx->test->scheduler, "llc"))
		v = scx_test_check_llc(ctx);
	munmap(l.count, (MAX_WORKERS + 1) * CACHELINE_U64 * sizeof(uint64_t));
	return scx_test_end(ctx, v);
}

static int scx_steady_eevdf(struct ktstr_ctx *ctx)
{
	return steady_load(ctx);
}
KTSTR_TEST(scx_steady_eevdf, .category = "sched", .topology = SCX_TOPO,
	   .timeout_ms = SCX_TIMEOUT_MS,
	   .duration_ms = 1000,
	   .description = "control: spinning load, no sched_ext, workers not on ext");

static int scx_steady_fifo(struct ktstr_ctx *ctx)
{
	return steady_load(ctx);
}
KTSTR_TEST(scx_steady_fifo, .category = "sched", .topology = SCX_TOPO,
	   .timeout_ms = SCX_TIMEOUT_MS,
	   .scheduler = "fifo", .duration_ms = 1500,
	   .description = "spinning load under the built-in global FIFO sched_ext scheduler");

static int scx_steady_llc(struct ktstr_ctx *ctx)
{
	return steady_load(ctx);
}
KTSTR_TEST(scx_steady_llc, .category = "sched", .topology = SCX_TOPO,
	   .timeout_ms = SCX_TIMEOUT_MS,
	   .scheduler = "llc", .duration_ms = 1500,
	   .description = "spinning load under the LLC-aware scheduler: every LLC queues and serves its own");

static int scx_exit_caught(struct ktstr_ctx *ctx)
{
	return steady_load(ctx);
}
KTSTR_TEST(scx_exit_caught, .category = "sched", .topology = SCX_TOPO,
	   .timeout_ms = SCX_TIMEOUT_MS,
	   .scheduler = "fail", .duration_ms = 1500,
	   .description = "a scheduler calling scx_bpf_error() is reported as SCHED_EXIT",
	   .expect = KTSTR_EXPECT_FAIL,
	   .expect_msg = "SCHED_EXIT ktstr_fail: SCX_EXIT_ERROR_BPF (scx_bpf_error): ktstr_fail: deliberate scx_bpf_error after 20 dispatches");

/*
 * An external scheduler binary: tools/sched_ext's scx_simple, built from
 * KDIR by the Makefile, which passes its absolute host path. The test
 * declares that path; the host packs the file as /scheduler (and SKIPs the
 * test, naming the path, when it is missing) and PID 1 runs /scheduler as a
 * child process until sched_ext is enabled, before the body.
 */
#ifndef KTSTR_SCX_SIMPLE
#error "KTSTR_SCX_SIMPLE (the scx_simple binary's path) comes from the Makefile"
#endif
#define SCX_SIMPLE_OPS	"simple"	/* scx_simple's sched_ext_ops.name */

/* After the stop: no scheduler, its process gone, every worker off ext. */
static int check_unloaded(struct ktstr_ctx *ctx, const struct spin_load *l,
			  pid_t sched_pid)
{
	char state[32], ops[SCX_NAME_LEN];
	int i, on;

	if (scx_sysfs_read(NULL, state, sizeof(state), ops, sizeof(ops)) ||
	    strcmp(state, "disabled") || ops[0])
		return ktstr_fail(ctx, "after stopping /scheduler: sched_ext state '%s' ops '%s'",
				  state, ops);
	if (!kill(sched_pid, 0) || errno != ESRCH)
		return ktstr_fail(ctx, "scheduler process %d still there after the stop",
				  (int)sched_pid);
	for (i = 0; i < l->nr; i++) {
		on = scx_task_on_scx(l->pid[i]);
		if (on)
			return ktstr_fail(ctx, "worker %d (pid %d): ext.enabled %d after /scheduler stopped",
					  i, l->pid[i], on);
	}
	ktstr_diag(ctx, "stopped: sched_ext %s, %d running workers off sched_ext",
		   state, l->nr);
	return KTSTR_PASS;
}

/* PID 1 started /scheduler: that is scx_simple, enabled under its name. */
static int check_external(struct ktstr_ctx *ctx, const struct scx_sched *s)
{
	char link[64], exe[PATH_MAX];
	ssize_t n;

	if (!s)
		return ktstr_fail(ctx, "no scheduler running for %s",
				  ctx->test->scheduler ? : "(none)");
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)scx_pid(s));
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (strcmp(exe, GUEST_SCHEDULER))
		return ktstr_fail(ctx, "scheduler process %d runs '%s', not /scheduler",
				  (int)scx_pid(s), exe);
	if (strcmp(scx_ops_name(s), SCX_SIMPLE_OPS))
		return ktstr_fail(ctx, "/scheduler enabled sched_ext as '%s', scx_simple is '%s'",
				  scx_ops_name(s), SCX_SIMPLE_OPS);
	ktstr_diag(ctx, "/scheduler (pid %d, %s) enabled sched_ext as %s",
		   (int)scx_pid(s), KTSTR_SCX_SIMPLE, scx_ops_name(s));
	return KTSTR_PASS;
}

/*
 * Under /scheduler, every spinner is on sched_ext; stopped under that load
 * (scx_test_end: SIGTERM, scx_simple detaches), sched_ext is disabled and
 * the same spinners, still running, are back on EEVDF; all made progress.
 */
static int scx_ext_simple(struct ktstr_ctx *ctx)
{
	uint32_t ms = ctx->test->duration_ms;
	struct scx_sched *s = scx_test_sched();
	struct spin_load l;
	pid_t sched_pid;
	int r, v = check_external(ctx, s);

	if (v != KTSTR_PASS)
		return v;
	sched_pid = scx_pid(s);
	r = spin_start(&l, 2 * topology_nr_cpus(&ctx->topo));
	if (r) {
		spin_reap(&l, true);
		return ktstr_fail(ctx, "workers: %s", strerror(-r));
	}
	sleep_ms(ms / 2);
	v = check_running(ctx, &l);
	if (v == KTSTR_PASS) {
		ktstr_diag(ctx, "%d workers on sched_ext under %s", l.nr,
			   scx_ops_name(s));
		sleep_ms(ms - ms / 2);
		v = check_sched(ctx, &l);
	}
	v = scx_test_end(ctx, v);
	if (v == KTSTR_PASS)
		v = check_unloaded(ctx, &l, sched_pid);
	if (spin_reap(&l, v != KTSTR_PASS) && v == KTSTR_PASS)
		v = ktstr_fail(ctx, "a worker did not exit cleanly");
	if (v == KTSTR_PASS)
		v = check_progress(ctx, &l);
	munmap(l.count, (MAX_WORKERS + 1) * CACHELINE_U64 * sizeof(uint64_t));
	return v;
}
KTSTR_TEST(scx_ext_simple, .category = "sched", .topology = SCX_TOPO,
	   .scheduler = KTSTR_SCX_SIMPLE, .duration_ms = 1500,
	   .timeout_ms = 120000,
	   .description = "external scheduler binary (the kernel's scx_simple) as /scheduler: its tasks run on sched_ext, stopping it unloads it");
