// SPDX-License-Identifier: GPL-2.0
/*
 * The host monitor (vmm/monitor.h) reads the guest kernel's run queues
 * from the host. A healthy run is sampled on every CPU with no stall and
 * the guest's spinners in nr_running and as the current task; a hung
 * guest's TIMEOUT names the function each vCPU is in. Without a vmlinux
 * beside the kernel the monitor is off and these SKIP.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/test.h"
#include "vmm/monitor.h"

/* Without a vmlinux beside the kernel there is nothing to check. */
static int monitor_off(const struct monitor_outcome *m, char *msg, size_t len)
{
	snprintf(msg, len, "monitor off: %s", m->off_reason);
	return KTSTR_SKIP;
}

/* Two spinners per CPU, pinned: nr_running >= 2 on each while they run. */
#define SPIN_PER_CPU	2
#define SPIN_COMM	"ktstr-spin"

static int monitor_healthy(struct ktstr_ctx *ctx)
{
	uint32_t n = topology_nr_cpus(&ctx->topo), i;
	pid_t pids[TOPO_MAX_CPUS * SPIN_PER_CPU];
	int st, bad = 0;

	for (i = 0; i < n * SPIN_PER_CPU; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return ktstr_fail(ctx, "fork: %s", strerror(errno));
		if (!pids[i]) {
			uint64_t end = now_ns() + ctx->test->duration_ms * 1000000ULL;
			cpu_set_t set;

			prctl(PR_SET_NAME, SPIN_COMM);
			CPU_ZERO(&set);
			CPU_SET(i % n, &set);
			sched_setaffinity(0, sizeof(set), &set);
			while (now_ns() < end)
				;
			_exit(0);
		}
	}
	for (i = 0; i < n * SPIN_PER_CPU; i++)
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st))
			bad++;
	ktstr_diag(ctx, "%u spinners (%s), %d per CPU, for %u ms", n * SPIN_PER_CPU,
		   SPIN_COMM, SPIN_PER_CPU, ctx->test->duration_ms);
	return bad ? ktstr_fail(ctx, "%d spinner(s) did not exit cleanly", bad)
		   : KTSTR_PASS;
}

/*
 * Every CPU sampled, its rq clock advancing, at least SPIN_PER_CPU
 * runnable and a spinner current in one sample; no stall.
 */
static int check_healthy(const struct ktstr_run *run, char *msg, size_t len)
{
	const struct monitor_outcome *m = run->monitor;
	uint32_t s;
	int c;

	if (!m->enabled)
		return monitor_off(m, msg, len);
	if (m->failed) {
		snprintf(msg, len, "monitor: %s", m->fail);
		return KTSTR_FAIL;
	}
	if (m->nr_cpus != 2 || m->nr_samples < 10) {
		snprintf(msg, len, "monitor: %u samples of %d CPUs, expected >= 10 of 2",
			 m->nr_samples, m->nr_cpus);
		return KTSTR_FAIL;
	}
	for (c = 0; c < m->nr_cpus; c++) {
		uint64_t lo = UINT64_MAX, hi = 0;
		uint32_t max_nr = 0;
		bool spin = false;

		for (s = 0; s < m->nr_samples; s++) {
			const struct monitor_cpu *x = &m->cpus[s * m->nr_cpus + c];

			if (!x->ok)
				continue;
			lo = MIN(lo, x->clock);
			hi = MAX(hi, x->clock);
			max_nr = MAX(max_nr, x->nr_running);
			spin |= !strcmp(x->comm, SPIN_COMM);
		}
		if (hi <= lo || max_nr < SPIN_PER_CPU || !spin) {
			snprintf(msg, len, "monitor: CPU %d: rq clock %llu..%llu, max nr_running %u (want >= %d), %s current",
				 c, (unsigned long long)(lo == UINT64_MAX ? 0 : lo),
				 (unsigned long long)hi, max_nr, SPIN_PER_CPU,
				 spin ? "a spinner" : "never a spinner");
			return KTSTR_FAIL;
		}
	}
	return KTSTR_PASS;
}
KTSTR_TEST(monitor_healthy, .category = "sched",
	   .description = "the host monitor samples both CPUs of a busy EEVDF guest: clocks advance, spinners seen, no stall",
	   .topology = "1n1l2c1t", .duration_ms = 3000, .timeout_ms = 120000,
	   .host_check = check_healthy);

static int monitor_hang(struct ktstr_ctx *ctx)
{
	for (;;)
		pause();
	return KTSTR_PASS;
}

/* Every vCPU's PC named as a kernel function, its current task read. */
static int check_hang(const struct ktstr_run *run, char *msg, size_t len)
{
	const struct monitor_outcome *m = run->monitor;
	int i;

	if (!m->enabled)
		return monitor_off(m, msg, len);
	if (m->nr_pcs != 2) {
		snprintf(msg, len, "monitor: %d vCPU PCs at the timeout, expected 2",
			 m->nr_pcs);
		return KTSTR_FAIL;
	}
	for (i = 0; i < m->nr_pcs; i++) {
		const struct monitor_pc *p = &m->pcs[i];

		if (!strstr(p->sym, "+0x") || !p->task) {
			snprintf(msg, len, "monitor: vCPU %d at %s (%s)", i, p->sym,
				 p->task ? p->comm : "no current task");
			return KTSTR_FAIL;
		}
	}
	return KTSTR_PASS;
}
/* Long enough for the guest to boot in an emulated KVM host (~15 s). */
KTSTR_TEST(monitor_hang, .category = "boot",
	   .description = "a hung guest's TIMEOUT names the kernel function and current task of each vCPU",
	   .topology = "1n1l2c1t", .timeout_ms = 30000,
	   .expect = KTSTR_EXPECT_TIMEOUT, .host_check = check_hang);

static int monitor_scx_stall(struct ktstr_ctx *ctx)
{
	return monitor_hang(ctx);
}

/*
 * not_stuck caught CPU 1, the CPU the "stall" scheduler stops (CPU 0 may
 * follow, spinning on CPU 1's rq lock).
 */
static int check_scx_stall(const struct ktstr_run *run, char *msg, size_t len)
{
	const struct monitor_outcome *m = run->monitor;

	if (!m->enabled)
		return monitor_off(m, msg, len);
	if (!(m->stuck_cpus & 2)) {
		snprintf(msg, len, "monitor: expected not_stuck on CPU 1, got: %s",
			 m->failed ? m->fail : "no stall");
		return KTSTR_FAIL;
	}
	return KTSTR_PASS;
}
/*
 * The built-in "stall" scheduler spins in ops.dispatch on CPU 1 with its
 * rq locked and interrupts off: the guest hangs (TIMEOUT), the monitor
 * names CPU 1 within monitor_stall_ms of its vCPU's run time, well inside
 * the 30 s the sched_ext watchdog would take.
 */
KTSTR_TEST(monitor_scx_stall, .category = "sched",
	   .description = "a sched_ext scheduler that stops CPU 1 in ops.dispatch: the host monitor names CPU 1 as stuck",
	   .topology = "1n1l2c1t", .scheduler = "stall", .timeout_ms = 60000,
	   .expect = KTSTR_EXPECT_TIMEOUT, .host_check = check_scx_stall);
