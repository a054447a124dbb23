// SPDX-License-Identifier: GPL-2.0
/* Budget mode: CPU choice, cpuset or affinity fallback, halt polling. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm/budget.h"
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

TEST_HARNESS_MAIN
