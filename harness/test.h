/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declaring a ktstr test. Each test is one KTSTR_TEST() in a scenarios/
 * file: a constructor registers it, so the same binary lists and runs it on
 * the host (one VM per test) and runs its body as PID 1 inside the VM.
 *
 *	static int steady(struct ktstr_ctx *ctx)
 *	{
 *		if (something_wrong)
 *			return ktstr_fail(ctx, "worker %d: gap %u ms", i, gap);
 *		return KTSTR_PASS;
 *	}
 *	KTSTR_TEST(steady, .category = "sched", .topology = "1n2l4c2t",
 *		   .duration_ms = 5000);
 */
#ifndef KTSTR_HARNESS_TEST_H
#define KTSTR_HARNESS_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/topology.h"
#include "util/util.h"

enum ktstr_verdict {
	KTSTR_PASS,
	KTSTR_FAIL,
	KTSTR_SKIP,
	KTSTR_TIMEOUT,
	KTSTR_XFAIL,		/* failed as the test declared it would */
	KTSTR_XPASS,		/* passed, but was declared to fail */
	KTSTR_ERROR,		/* the VMM itself could not run it */
};

/* What the host expects of the guest's verdict. */
enum ktstr_expect {
	KTSTR_EXPECT_PASS,
	KTSTR_EXPECT_FAIL,	/* expect_err: must FAIL with expect_msg */
	KTSTR_EXPECT_TIMEOUT,	/* must be stopped by the watchdog */
	KTSTR_EXPECT_XFAIL,	/* known failure: FAIL is XFAIL, PASS is XPASS */
};

/*
 * What scenario assertions allow (scenarios/assert.h); 0 is unchecked.
 * Starvation (no progress for starve_ms, or for the whole step if 0) and
 * cpuset isolation are always checked.
 */
struct ktstr_thresholds {
	uint32_t max_gap_ms;
	uint64_t min_iteration_rate;
	uint64_t max_p99_wake_latency_ns;
	double max_spread;
	uint32_t starve_ms;
};

struct ktstr_ctx;
struct channel_log;
struct stats_relay_outcome;
struct tune_outcome;
struct monitor_outcome;

/*
 * What the host saw of one run, given to a test's host_check: the data
 * channel's frames (harness/channel.h), the scheduler stats samples
 * (vmm/stats_relay.h), the host tuning outcome (vmm/hosttune.h) and what
 * the host monitor read of the guest's run queues (vmm/monitor.h).
 */
struct ktstr_run {
	const struct channel_log *log;
	const struct stats_relay_outcome *stats;
	const struct tune_outcome *tune;
	const struct monitor_outcome *monitor;	/* vmm/monitor.h */
};

/*
 * On the guest kernel command line of a performance-mode test run with
 * performance mode forced off (--no-perf-mode, KTSTR_NO_PERF_MODE=1).
 */
#define PERF_OFF_CMDLINE "ktstr.perf_mode=off"

/*
 * On the guest kernel command line when the host cannot give the guest a
 * steal clock; the value names what the host KVM lacks
 * ("ktstr.no_steal=KVM_ARM_VCPU_PVTIME_IPA"). Steal tests SKIP with it.
 */
#define NO_STEAL_CMDLINE "ktstr.no_steal="

/*
 * On the guest kernel command line when its host is an emulated KVM host
 * (QEMU TCG, KTSTR_EMULATED_HOST=1): guest timing says nothing there, so
 * the timing thresholds (max_gap_ms, wake latency p99) are measured and
 * reported, not checked.
 */
#define EMULATED_CMDLINE "ktstr.emulated_host=1"

/* Where the host packs an external scheduler binary in the initramfs. */
#define GUEST_SCHEDULER "/scheduler"

struct ktstr_test {
	const char *name;
	const char *category;		/* boot, topo, sched, perf */
	const char *description;
	const char *topology;		/* "1n1l1c1t" if NULL */
	/*
	 * Refines the parsed topology (per-node memory, memory-only nodes,
	 * HMAT, distances); runs on the host and in the guest alike.
	 */
	void (*topology_fn)(struct topology *t);
	uint32_t memory_mb;		/* 256 if 0 */
	const char *scheduler;		/* NULL: EEVDF */
	uint32_t duration_ms;
	uint32_t timeout_ms;		/* watchdog; 60000 if 0 */
	bool performance_mode, no_perf_mode;
	/*
	 * A performance mode refusal FAILs, as under KTSTR_NO_SKIP_MODE=1
	 * (then checked against expect/expect_msg); a run that booted
	 * had no refusal to prove and SKIPs (cli/verdict.h).
	 */
	bool no_skip_mode;
	uint32_t cpu_budget;
	struct ktstr_thresholds thr;
	enum ktstr_expect expect;
	const char *expect_msg;		/* substring of the failure */
	const char *cmdline;		/* extra guest kernel arguments */
	bool no_virtio;			/* no virtio-console: COM2 only */
	int (*run)(struct ktstr_ctx *ctx);	/* guest body */
	/*
	 * Scheduler stats: the host queries the guest's scheduler (through
	 * the relay on virtio-console port 2, vmm/stats_relay.h) every
	 * stats_interval_ms; the samples reach host_check.
	 */
	uint32_t stats_interval_ms;
	/*
	 * The host monitor (vmm/monitor.h), on whenever the kernel has a
	 * vmlinux beside it: its period (0: 100 ms), the not_stuck limit (an
	 * rq clock stopped that long while its vCPU ran and the CPU had work;
	 * 0: 2000 ms), and optional limits on the run-queue imbalance
	 * (max/min nr_running, sustained) and a local DSQ's depth (0: none).
	 */
	uint32_t monitor_interval_ms, monitor_stall_ms;
	uint32_t monitor_max_imbalance, monitor_max_dsq_depth;
	/*
	 * Host side, after a run the guest passed (a no_skip_mode run that
	 * booted: passed on its own merits; an expected TIMEOUT that came):
	 * judges what the host saw of it; returns KTSTR_PASS, or KTSTR_FAIL
	 * with @msg set.
	 */
	int (*host_check)(const struct ktstr_run *run, char *msg, size_t len);
	struct ktstr_test *next;
};

/* Given to the guest body. */
struct ktstr_ctx {
	const struct ktstr_test *test;
	struct topology topo;		/* what the host declared to the VM */
	struct buf msg;			/* failure message */
	struct buf diag;		/* diagnostics, one per line */
	int result_fd;			/* COM2 */
	int data_fd;			/* virtio data port (TLV), or -1 */
};

void ktstr_test_register(struct ktstr_test *t);
struct ktstr_test *ktstr_tests(void);
struct ktstr_test *ktstr_test_find(const char *name);
int ktstr_nr_tests(void);

/* Records a failure message; returns KTSTR_FAIL for `return ktstr_fail()`. */
int ktstr_fail(struct ktstr_ctx *ctx, const char *fmt, ...) __printf(2, 3);
int ktstr_skip(struct ktstr_ctx *ctx, const char *fmt, ...) __printf(2, 3);
void ktstr_diag(struct ktstr_ctx *ctx, const char *fmt, ...) __printf(2, 3);

const char *ktstr_verdict_name(enum ktstr_verdict v);

/*
 * The built-in schedulers a .scheduler may name ("fifo", "llc", "fail",
 * "stall"; sched/ loads them in the guest): the ops name each registers
 * with sched_ext ("ktstr_fifo"), or NULL for any other name.
 */
const char *scx_builtin_ops(const char *name);

/*
 * The topology a run of @t declares: @spec (NULL: the test's own), its
 * memory, then the test's topology_fn. Same result on host and guest.
 */
int ktstr_test_topology(const struct ktstr_test *t, const char *spec,
			struct topology *topo, char *err, size_t errlen);

#define KTSTR_TEST(_name, ...)						\
	static int _name(struct ktstr_ctx *ctx);			\
	static struct ktstr_test __ktstr_test_##_name = {		\
		.name = #_name, .run = _name, __VA_ARGS__		\
	};								\
	static void __attribute__((constructor))			\
	__ktstr_register_##_name(void)					\
	{								\
		ktstr_test_register(&__ktstr_test_##_name);		\
	}

#endif
