// SPDX-License-Identifier: GPL-2.0
/*
 * Budget mode: CPU choice, cpuset or affinity fallback, halt polling, and
 * the CPU cap (--cpu-cap / KTSTR_CPU_CAP).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tests/dead_pid.h"
#include "vmm/budget.h"
#include "vmm/hosttune.h"
#include "vmm/vm.h"

struct vcpu_thread {
	struct budget *b;
	int r;
	cpu_set_t after;
};

/* What a vCPU thread does at start, on a thread of its own. */
static void *fake_vcpu(void *arg)
{
	struct vcpu_thread *vt = arg;
	struct vcpu v = { .id = 0, .tid = gettid() };

	vt->r = budget_vcpu_thread(vt->b, &v);
	sched_getaffinity(0, sizeof(vt->after), &vt->after);
	return NULL;
}

static void run_vcpu(struct budget *b, struct vcpu_thread *vt)
{
	pthread_t th;

	vt->b = b;
	pthread_create(&th, NULL, fake_vcpu, vt);
	pthread_join(th, NULL);
}

static bool notes_have(const struct budget *b, const char *s)
{
	return b->notes.len && memmem(b->notes.data, b->notes.len, s, strlen(s));
}

TEST(halt_poll)
{
	EXPECT_EQ(200000, budget_halt_poll_ns(2, 2));
	EXPECT_EQ(200000, budget_halt_poll_ns(1, 8));
	EXPECT_EQ(0, budget_halt_poll_ns(8, 2));
}

/* The harness forks each test: changing our affinity stays here. */
TEST(capped_to_usable_cpus)
{
	struct vcpu_thread vt;
	struct budget b;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, budget_setup(&b, 2, "/nonexistent-cgroup"));
	EXPECT_EQ(1, b.nr_cpus);
	EXPECT_STREQ("0", b.cpus);
	EXPECT_TRUE(notes_have(&b, "cpu_budget 2 capped to the 1 usable"));
	EXPECT_TRUE(notes_have(&b, "sched_setaffinity"));
	run_vcpu(&b, &vt);
	EXPECT_EQ(0, vt.r);
	EXPECT_EQ(1, b.verified);
	EXPECT_EQ(0, budget_teardown(&b));
	budget_free(&b);
}

/*
 * A "cgroup2 mount" that is a plain directory offering cpuset: the cpuset
 * cannot be set up (no cgroup.type to write), nothing is left behind and
 * the affinity fallback enforces the budget.
 */
TEST(fallback_leaves_nothing)
{
	char dir[] = "/tmp/ktstr-cgXXXXXX", *path;
	struct vcpu_thread vt;
	struct budget b;
	int fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	path = xasprintf("%s/cgroup.controllers", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(13, write(fd, "cpu cpuset io", 13));
	close(fd);
	ASSERT_EQ(0, budget_setup(&b, 1, dir));
	EXPECT_EQ(NULL, b.cg_dir);
	EXPECT_TRUE(notes_have(&b, "sched_setaffinity"));
	free(path);
	path = xasprintf("%s/ktstr-%d-vcpus", dir, getpid());
	EXPECT_NE(0, access(path, F_OK));
	free(path);
	run_vcpu(&b, &vt);
	EXPECT_EQ(0, vt.r);
	EXPECT_TRUE(CPU_EQUAL(&vt.after, &b.set));
	EXPECT_EQ(1, CPU_COUNT(&vt.after));
	EXPECT_EQ(1, b.verified);
	EXPECT_EQ(0, b.failed);
	budget_free(&b);
	path = xasprintf("%s/cgroup.controllers", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

/* The real thing, where the host's cgroup2 offers a cpuset to us. */
TEST(real_cgroup_cpuset)
{
	struct vcpu_thread vt;
	struct budget b;
	char *dir;

	ASSERT_EQ(0, budget_setup(&b, 1, NULL));
	if (!b.cg_dir) {
		budget_free(&b);
		SKIP(return, "no writable cgroup2 cpuset here");
	}
	dir = xstrdup(b.cg_dir);
	EXPECT_EQ(0, access(dir, F_OK));
	run_vcpu(&b, &vt);
	EXPECT_EQ(0, vt.r);
	EXPECT_EQ(1, b.verified);
	EXPECT_EQ(0, budget_teardown(&b));
	EXPECT_NE(0, access(dir, F_OK));
	EXPECT_TRUE(notes_have(&b, "removed"));
	free(dir);
	budget_free(&b);
}

/* Our cgroup2 path ("" at the root), as budget_setup() finds it. */
static char *own_cg_path(void)
{
	struct buf b = {};
	char *p, *res = NULL;

	if (read_file("/proc/self/cgroup", &b))
		return NULL;
	buf_putc(&b, 0);
	p = strstr((char *)b.data, "0::");
	if (p) {
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		res = xstrdup(strcmp(p, "/") ? p : "");
	}
	buf_free(&b);
	return res;
}

/*
 * A run killed with SIGKILL (or a second ^C) leaves its ktstr-PID-vcpus:
 * the next run removes those of dead PIDs, and only those.
 */
TEST(stale_cpusets_swept)
{
	char dir[] = "/tmp/ktstr-cgXXXXXX", *own = own_cg_path(), *parent;
	char *dead, *live, *other, *path;
	struct budget b;
	int fd;

	ASSERT_NE(NULL, own);
	ASSERT_NE(NULL, mkdtemp(dir));
	parent = xasprintf("%s%s", dir, own);
	ASSERT_EQ(0, mkdir_p(parent, 0755));
	path = xasprintf("%s/cgroup.controllers", parent);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(13, write(fd, "cpu cpuset io", 13));
	close(fd);
	dead = xasprintf("%s/ktstr-%d-vcpus", parent, dead_pid());
	live = xasprintf("%s/ktstr-1-vcpus", parent);
	other = xasprintf("%s/ktstr-%d-vcpus-x", parent, dead_pid());
	ASSERT_EQ(0, mkdir(dead, 0755));
	ASSERT_EQ(0, mkdir(live, 0755));
	ASSERT_EQ(0, mkdir(other, 0755));
	ASSERT_EQ(0, budget_setup(&b, 1, dir));
	EXPECT_NE(0, access(dead, F_OK));
	EXPECT_EQ(0, access(live, F_OK));
	EXPECT_EQ(0, access(other, F_OK));
	EXPECT_TRUE(notes_have(&b, "left by a run that died"));
	budget_free(&b);
	rmdir(live);
	rmdir(other);
	unlink(path);
	if (*own)
		rmdir(parent);
	rmdir(dir);
	free(dead);
	free(live);
	free(other);
	free(path);
	free(parent);
	free(own);
}

/*
 * die() with a vCPU thread still in the cpuset: the exit handler moves it
 * out and removes the cgroup (the real thing, where there is one).
 */
TEST(die_removes_cpuset)
{
	int pfd[2], st;
	char dir[512] = "";
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	if (!pid) {
		struct vcpu_thread vt;
		struct budget b;

		close(pfd[0]);
		budget_setup(&b, 1, NULL);
		if (!b.cg_dir)
			_exit(4);
		vt.b = &b;
		if (write(pfd[1], b.cg_dir, strlen(b.cg_dir)) < 0)
			_exit(2);
		close(pfd[1]);
		run_vcpu(&b, &vt);
		die("on purpose, with %s still there", b.cg_dir);
	}
	close(pfd[1]);
	n = read(pfd[0], dir, sizeof(dir) - 1);
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
		SKIP(return, "no writable cgroup2 cpuset here");
	ASSERT_GT(n, 0);
	EXPECT_EQ(1, WEXITSTATUS(st));
	EXPECT_NE(0, access(dir, F_OK)) TH_LOG("%s left behind", dir);
}

/* --cpu-cap / KTSTR_CPU_CAP values: whole numbers from 1 to usable. */
TEST(cap_parse)
{
	static const char *const bad[] = {
		"", "abc", "1x", "-1", "+1", " 1", "1 ", "0x2", "1.5",
	};
	uint32_t cap = 77;
	char err[256];
	size_t i;

	EXPECT_EQ(0, budget_parse_cap("1", 4, &cap, err, sizeof(err)));
	EXPECT_EQ(1, cap);
	EXPECT_EQ(0, budget_parse_cap("4", 4, &cap, err, sizeof(err)));
	EXPECT_EQ(4, cap);
	EXPECT_EQ(0, budget_parse_cap("007", 8, &cap, err, sizeof(err)));
	EXPECT_EQ(7, cap);
	cap = 77;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, budget_parse_cap(bad[i], 4, &cap, err,
						    sizeof(err)));
		EXPECT_NE(NULL, strstr(err, "not a whole number"));
	}
	EXPECT_EQ(-EINVAL, budget_parse_cap("0", 4, &cap, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "at least 1"));
	EXPECT_EQ(-EINVAL, budget_parse_cap("5", 4, &cap, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "more than the 4 host CPU(s)"));
	/* Far past 32 bits: still "more than", never wrapped into range. */
	EXPECT_EQ(-EINVAL, budget_parse_cap("4294967297", 4, &cap, err,
					    sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "more than"));
	EXPECT_EQ(-EINVAL, budget_parse_cap("99999999999999999999999", 4, &cap,
					    err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "more than"));
	EXPECT_EQ(77, cap);
}

/* min(cpu_budget or all usable CPUs, cap); 0 only when neither is set. */
TEST(cap_effective)
{
	EXPECT_EQ(0, budget_effective(0, 0, 8));
	EXPECT_EQ(3, budget_effective(3, 0, 8));
	EXPECT_EQ(2, budget_effective(0, 2, 8));
	EXPECT_EQ(8, budget_effective(0, 8, 8));
	EXPECT_EQ(1, budget_effective(4, 1, 8));
	EXPECT_EQ(2, budget_effective(2, 6, 8));
	EXPECT_EQ(5, budget_effective(5, 5, 8));
	/* More than usable is pick_cpus()' to cap, with its note. */
	EXPECT_EQ(12, budget_effective(12, 0, 8));
	EXPECT_EQ(1, budget_effective(0, 1, 0));
}

/* Halt polling follows the effective budget, not the test's. */
TEST(cap_halt_poll)
{
	/* 2 vCPUs, cpu_budget 2, capped to 1: overcommitted, no polling. */
	EXPECT_EQ(0, budget_halt_poll_ns(2, budget_effective(2, 1, 8)));
	EXPECT_EQ(200000, budget_halt_poll_ns(2, budget_effective(2, 0, 8)));
	EXPECT_EQ(200000, budget_halt_poll_ns(2, budget_effective(0, 2, 8)));
	EXPECT_EQ(0, budget_halt_poll_ns(3, budget_effective(0, 2, 8)));
}

static bool tune_notes_have(const struct tune_outcome *o, const char *s)
{
	return o->notes.len && memmem(o->notes.data, o->notes.len, s, strlen(s));
}

/*
 * tune_prepare() with a cap: budget mode even without a cpu_budget, the
 * cap in the notes and the JSON, the cpuset (or affinity) of cap CPUs.
 */
TEST(cap_turns_on_budget_mode)
{
	struct tune_outcome o;
	struct host_tune h;
	struct topology t;
	struct buf json = {};
	char err[256];

	ASSERT_EQ(0, topology_parse("1n1l2c1t", 256ULL << 20, &t, err,
				    sizeof(err)));
	ASSERT_EQ(0, tune_prepare(&h, false, 0, 1, &t, &o));
	EXPECT_TRUE(o.budget_mode);
	EXPECT_FALSE(o.performance_mode);
	EXPECT_EQ(1, o.cpu_budget);
	EXPECT_EQ(1, o.cpu_cap);
	EXPECT_EQ(1, h.bud.nr_cpus);
	EXPECT_EQ(1, CPU_COUNT(&h.bud.set));
	EXPECT_TRUE(tune_notes_have(&o, "budget: 1 host CPU(s) for the vCPUs = min(all "));
	EXPECT_TRUE(tune_notes_have(&o, "--cpu-cap 1)"));
	EXPECT_EQ(0, budget_halt_poll_ns(2, h.bud.nr_cpus));
	tune_format_json(&o, &json);
	buf_putc(&json, 0);
	EXPECT_NE(NULL, strstr((char *)json.data, "\"budget_mode\": true"));
	EXPECT_NE(NULL, strstr((char *)json.data, "\"cpu_budget\": 1,"));
	EXPECT_NE(NULL, strstr((char *)json.data, "\"cpu_cap\": 1,"));
	buf_free(&json);
	tune_release(&h, &o);
	tune_outcome_free(&o);

	/* Without a cap: the test's cpu_budget, or no budget mode at all. */
	ASSERT_EQ(0, tune_prepare(&h, false, 1, 0, &t, &o));
	EXPECT_TRUE(o.budget_mode);
	EXPECT_EQ(1, o.cpu_budget);
	EXPECT_EQ(0, o.cpu_cap);
	EXPECT_TRUE(tune_notes_have(&o, "budget: 1 host CPU(s) for the vCPUs (cpu_budget 1)\n"));
	tune_format_json(&o, &json);
	buf_putc(&json, 0);
	EXPECT_NE(NULL, strstr((char *)json.data, "\"cpu_cap\": null"));
	buf_free(&json);
	tune_release(&h, &o);
	tune_outcome_free(&o);

	ASSERT_EQ(0, tune_prepare(&h, false, 0, 0, &t, &o));
	EXPECT_FALSE(o.budget_mode);
	tune_format_json(&o, &json);
	buf_putc(&json, 0);
	EXPECT_NE(NULL, strstr((char *)json.data, "\"cpu_budget\": null"));
	buf_free(&json);
	tune_release(&h, &o);
	tune_outcome_free(&o);
}

/* The test's cpu_budget below the cap stays; above it, the cap wins. */
TEST(cap_against_cpu_budget)
{
	struct tune_outcome o;
	struct host_tune h;
	struct topology t;
	char err[256];

	if (budget_usable_cpus() < 2)
		SKIP(return, "needs 2 usable host CPUs");
	ASSERT_EQ(0, topology_parse("1n1l2c1t", 256ULL << 20, &t, err,
				    sizeof(err)));
	ASSERT_EQ(0, tune_prepare(&h, false, 2, 1, &t, &o));
	EXPECT_EQ(1, o.cpu_budget);
	EXPECT_EQ(1, CPU_COUNT(&h.bud.set));
	EXPECT_TRUE(tune_notes_have(&o, "= min(cpu_budget 2, --cpu-cap 1)"));
	tune_release(&h, &o);
	tune_outcome_free(&o);
	ASSERT_EQ(0, tune_prepare(&h, false, 1, 2, &t, &o));
	EXPECT_EQ(1, o.cpu_budget);
	EXPECT_EQ(200000, budget_halt_poll_ns(1, h.bud.nr_cpus));
	EXPECT_TRUE(tune_notes_have(&o, "= min(cpu_budget 1, --cpu-cap 2)"));
	tune_release(&h, &o);
	tune_outcome_free(&o);
}

TEST_HARNESS_MAIN
