// SPDX-License-Identifier: GPL-2.0
/*
 * "perf" category: budget-mode overcommit shows as guest steal time, the
 * budget cpuset is applied and removed, performance mode either isolates
 * the guest or skips visibly, and per-vCPU host telemetry is reported.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "harness/test.h"
#include "scenarios/sysfs.h"
#include "vmm/hosttune.h"

#ifdef __aarch64__
#define IS_ENABLED_AARCH64	1
#else
#define IS_ENABLED_AARCH64	0
#endif

#define KVM_CPUID_FEATURES_LEAF	0x40000001
#define KVM_FEATURE_STEAL_TIME_BIT	5
#define KVM_HINTS_REALTIME_BIT	0

/*
 * Steal (USER_HZ ticks) of the aggregate "cpu" line of /proc/stat: user
 * nice system idle iowait irq softirq STEAL ..., the 8th value.
 */
static int read_steal(uint64_t *steal)
{
	unsigned long long v[8];
	FILE *f = fopen("/proc/stat", "r");
	int n = 0;

	if (!f)
		return -errno;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -EINVAL;
	*steal = v[7];
	return 0;
}

/* KVM's features (EAX) and hints (EDX) leaf; false off x86 or non-KVM. */
static bool kvm_leaf(uint32_t *features, uint32_t *hints)
{
#if defined(__x86_64__)
	uint32_t a, b, c, d;

	__cpuid(0x40000000, a, b, c, d);
	if (b != 0x4b4d564b || a < KVM_CPUID_FEATURES_LEAF)	/* "KVMK" */
		return false;
	__cpuid(KVM_CPUID_FEATURES_LEAF, a, b, c, d);
	*features = a;
	*hints = d;
	return true;
#else
	return false;
#endif
}

/* Keeps every vCPU busy for @ms: one pinned spinner per CPU. */
static int spin_all(struct ktstr_ctx *ctx, uint32_t ms)
{
	uint32_t n = topology_nr_cpus(&ctx->topo), i;
	pid_t pids[TOPO_MAX_CPUS];
	int st, bad = 0;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return ktstr_fail(ctx, "fork: %s", strerror(errno));
		if (!pids[i]) {
			cpu_set_t set;
			uint64_t end = now_ns() + ms * 1000000ULL;

			CPU_ZERO(&set);
			CPU_SET(i, &set);
			sched_setaffinity(0, sizeof(set), &set);
			while (now_ns() < end)
				;
			_exit(0);
		}
	}
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st))
			bad++;
	return bad ? ktstr_fail(ctx, "%d spinner(s) did not exit cleanly", bad)
		   : KTSTR_PASS;
}

/* Host side: what the VMM observed of the run (vmm/hosttune.h). */
static bool has_note(const struct ktstr_run *run, const char *what)
{
	const struct buf *n = &run->tune->notes;

	return n->len && memmem(n->data, n->len, what, strlen(what));
}

static int check_budget(const struct ktstr_run *run, char *msg, size_t len)
{
	if (!run->tune->budget_mode) {
		snprintf(msg, len, "budget mode was not used");
		return KTSTR_FAIL;
	}
	if (!has_note(run, "confined to CPUs")) {
		snprintf(msg, len, "vCPU threads were not checked against the budget");
		return KTSTR_FAIL;
	}
	if (has_note(run, "in cpuset") && !has_note(run, "removed")) {
		snprintf(msg, len, "the budget cpuset was not removed");
		return KTSTR_FAIL;
	}
	return KTSTR_PASS;
}

static int check_telemetry(const struct ktstr_run *run, char *msg,
			   size_t len)
{
	const struct tune_outcome *o = run->tune;
	int i;

	if (o->nr_vcpus != 2) {
		snprintf(msg, len, "telemetry for %d vCPUs, expected 2", o->nr_vcpus);
		return KTSTR_FAIL;
	}
	for (i = 0; i < o->nr_vcpus; i++) {
		const struct vcpu_telemetry *t = &o->vcpus[i];

		if (!t->busy_ns || !t->kvm_stats || !t->exits) {
			snprintf(msg, len, "vCPU %d telemetry: busy %llu ns, exits %llu, KVM stats %s",
				 i, (unsigned long long)t->busy_ns,
				 (unsigned long long)t->exits,
				 t->kvm_stats ? "read" : "unavailable");
			return KTSTR_FAIL;
		}
	}
	return KTSTR_PASS;
}

/*
 * x86 disables PAUSE (and HLT) exits in performance mode; arm64 has no
 * exit to disable (WFI/WFE trapping is KVM's policy), and says so.
 */
static int check_perf_mode(const struct ktstr_run *run, char *msg,
			   size_t len)
{
	const struct tune_outcome *o = run->tune;
	const char *note = IS_ENABLED_AARCH64 ? "no exits to disable" :
						"exits disabled: PAUSE";
	const char *d = (const char *)o->perf_diffs.data;
	int i;

	if (!o->performance_mode || !has_note(run, note)) {
		snprintf(msg, len, "performance mode ran without its exit suppression");
		return KTSTR_FAIL;
	}
	if (!o->perf_checked) {
		snprintf(msg, len, "performance mode was never checked against its plan (the VM stopped before every vCPU thread was placed)");
		return KTSTR_FAIL;
	}
	if (o->perf_diffs.len) {
		snprintf(msg, len, "performance mode differs from its plan: %.*s",
			 (int)strcspn(d, "\n"), d);
		return KTSTR_FAIL;
	}
	/* Hugepages the runner reserved for the test must have been used. */
	if (getenv("KTSTR_PERF_WANT_HUGEPAGES") &&
	    !has_note(run, "on 2 MiB hugepages,")) {
		snprintf(msg, len, "guest RAM not on 2 MiB hugepages though KTSTR_PERF_WANT_HUGEPAGES is set");
		return KTSTR_FAIL;
	}
	/*
	 * HLT exits off (unless the host refused, said in the notes): an
	 * idling guest never makes KVM count one.
	 */
	for (i = 0; !o->halt_observable && i < o->nr_vcpus; i++) {
		const struct vcpu_telemetry *t = &o->vcpus[i];

		if (t->kvm_stats && t->halt_exits) {
			snprintf(msg, len, "vCPU %d: %llu HLT exits with HLT exits disabled",
				 i, (unsigned long long)t->halt_exits);
			return KTSTR_FAIL;
		}
		if (!t->kvm_stats) {
			snprintf(msg, len, "vCPU %d: no KVM stats to check HLT exits against",
				 i);
			return KTSTR_FAIL;
		}
	}
	return KTSTR_PASS;
}

static int perf_steal_time(struct ktstr_ctx *ctx)
{
	uint32_t total = topology_nr_cpus(&ctx->topo), feat, hints;
	uint64_t before, after;
	char lacks[64];
	int r;

	if (total != 8)
		return ktstr_fail(ctx, "test assumes 8 vCPUs (2 x 4 x 1); got %u",
				  total);
	if (guest_cmdline_value(NO_STEAL_CMDLINE, lacks, sizeof(lacks)))
		return ktstr_skip(ctx, "host KVM lacks %s: the guest has no steal clock",
				  lacks);
	if (kvm_leaf(&feat, &hints))
		ktstr_diag(ctx, "KVM_FEATURE_STEAL_TIME %s",
			   feat & (1U << KVM_FEATURE_STEAL_TIME_BIT) ?
			   "offered" : "NOT offered");
	if (read_steal(&before))
		return ktstr_fail(ctx, "/proc/stat has no aggregate steal field");
	/* 8 spinners, one per vCPU, held for the whole duration. */
	r = spin_all(ctx, ctx->test->duration_ms);
	if (r != KTSTR_PASS)
		return r;
	if (read_steal(&after))
		return ktstr_fail(ctx, "/proc/stat has no aggregate steal field");
	ktstr_diag(ctx, "guest steal %llu -> %llu ticks",
		   (unsigned long long)before, (unsigned long long)after);
	if (after <= before)
		return ktstr_fail(ctx,
			"expected guest steal to accrue under 4x cpu_budget overcommit (8 vCPUs masked to 2 host CPUs) but it did not advance: before=%llu after=%llu ticks. Possible causes: (1) the cpu_budget mask is not limiting the vCPU threads to the budget's host CPUs; (2) guest steal-time accounting (CONFIG_PARAVIRT_TIME_ACCOUNTING, a required ktstr guest config) is unavailable; (3) on aarch64, the host did not wire KVM PV stolen-time (KVM_ARM_VCPU_PVTIME_IPA), or the host kernel lacks CONFIG_SCHED_INFO, so steal cannot advance",
			(unsigned long long)before, (unsigned long long)after);
	return KTSTR_PASS;
}
KTSTR_TEST(perf_steal_time, .category = "perf",
	   .description = "cpu_budget overcommit (8 vCPUs on 2 host CPUs) shows as guest steal time",
	   .topology = "1n2l4c1t", .no_perf_mode = true, .cpu_budget = 2,
	   .duration_ms = 5000, .timeout_ms = 300000,
	   .host_check = check_budget);

static int perf_budget_cpuset(struct ktstr_ctx *ctx)
{
	return spin_all(ctx, 1000);
}
KTSTR_TEST(perf_budget_cpuset, .category = "perf",
	   .description = "cpu_budget = 1: the vCPU threads run in a host cpuset of 1 CPU, removed after the run",
	   .topology = "1n1l2c1t", .no_perf_mode = true, .cpu_budget = 1,
	   .duration_ms = 1000, .timeout_ms = 120000,
	   .host_check = check_budget);

static int perf_telemetry(struct ktstr_ctx *ctx)
{
	return spin_all(ctx, 1500);
}
KTSTR_TEST(perf_telemetry, .category = "perf",
	   .description = "per-vCPU host telemetry (busy, steal, halted, exits) is reported and non-zero for a busy guest",
	   .topology = "1n1l2c1t", .duration_ms = 1500, .timeout_ms = 120000,
	   .host_check = check_telemetry);

/*
 * The PMUv3 an arm64 VMM gives its vCPUs (KVM_ARM_VCPU_PMU_V3, the
 * arm,armv8-pmuv3 node on PPI 23) counts the guest's cycles. The device
 * tree has no pmu node when the host KVM lacks KVM_CAP_ARM_PMU_V3.
 */
#define DT_PMU "/sys/firmware/devicetree/base/pmu"

static int perf_pmu_cycles(struct ktstr_ctx *ctx)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE, .size = sizeof(a),
		.config = PERF_COUNT_HW_CPU_CYCLES, .disabled = 1,
	};
	uint64_t count = 0, end;
	int fd;

	if (!IS_ENABLED_AARCH64)
		return ktstr_skip(ctx, "nothing to check off arm64: the PMUv3 device-tree node is the aarch64 VMM's");
	if (access(DT_PMU, F_OK))
		return ktstr_skip(ctx, "no %s: the host KVM lacks KVM_CAP_ARM_PMU_V3",
				  DT_PMU);
	fd = syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return ktstr_fail(ctx, "perf_event_open(PERF_COUNT_HW_CPU_CYCLES) with %s present: %s (armv8_pmuv3 not bound to it?)",
				  DT_PMU, strerror(errno));
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	end = now_ns() + 200 * 1000000ULL;
	while (now_ns() < end)
		;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		count = 0;
	close(fd);
	ktstr_diag(ctx, "PMUv3 cycles in 200 ms of spinning: %llu",
		   (unsigned long long)count);
	if (!count)
		return ktstr_fail(ctx, "the PMUv3 cycle counter did not advance in 200 ms of spinning");
	return KTSTR_PASS;
}
KTSTR_TEST(perf_pmu_cycles, .category = "perf",
	   .description = "arm64: the vCPUs' PMUv3 (device-tree pmu node, PPI 23) counts guest cycles",
	   .topology = "1n1l1c1t", .timeout_ms = 60000);

/* The host said performance mode was forced off for this run. */
static bool perf_forced_off(void)
{
	return guest_cmdline_value(PERF_OFF_CMDLINE, NULL, 0);
}

static int perf_mode_isolated(struct ktstr_ctx *ctx)
{
	uint32_t feat, hints;

	if (perf_forced_off())
		return ktstr_skip(ctx, "performance mode forced off (--no-perf-mode / KTSTR_NO_PERF_MODE=1): nothing to check");
	if (IS_ENABLED_AARCH64) {
		ktstr_diag(ctx, "arm64 has no KVM_HINTS_REALTIME: the host checks the isolation");
		return spin_all(ctx, 500);
	}
	if (!kvm_leaf(&feat, &hints))
		return ktstr_fail(ctx, "no KVM CPUID leaves in the guest");
	if (!(hints & (1U << KVM_HINTS_REALTIME_BIT)))
		return ktstr_fail(ctx, "KVM_HINTS_REALTIME not set in CPUID 0x40000001 EDX (%#x)",
				  hints);
	return spin_all(ctx, 500);
}
KTSTR_TEST(perf_mode_isolated, .category = "perf",
	   .description = "performance mode: pinned, RT, exits off, KVM_HINTS_REALTIME; skips as PerfModeUnavailable where the host can't",
	   .topology = "1n1l2c1t", .performance_mode = true,
	   .duration_ms = 500, .timeout_ms = 120000,
	   .host_check = check_perf_mode);

/*
 * KTSTR_NO_SKIP_MODE=1 proven in the suite: where performance mode is
 * refused (the emulated KVM host, a host too small, --cpu-cap) the
 * refusal must come back as a FAIL naming PerfModeUnavailable, without a
 * boot. Where the host honours performance mode there is nothing to
 * prove: the guest checks the realtime hint, the host makes it a SKIP.
 */
static int perf_mode_no_skip(struct ktstr_ctx *ctx)
{
	uint32_t feat, hints;

	if (!kvm_leaf(&feat, &hints) ||
	    !(hints & (1U << KVM_HINTS_REALTIME_BIT)))
		return ktstr_skip(ctx, "booted without performance mode (no KVM_HINTS_REALTIME)");
	return KTSTR_PASS;
}
KTSTR_TEST(perf_mode_no_skip, .category = "perf",
	   .description = "no-skip mode: a performance mode refusal FAILs naming PerfModeUnavailable instead of skipping",
	   .topology = "1n1l1c1t", .performance_mode = true,
	   .no_skip_mode = true, .expect = KTSTR_EXPECT_FAIL,
	   .expect_msg = "PerfModeUnavailable", .timeout_ms = 60000,
	   .host_check = check_perf_mode);
