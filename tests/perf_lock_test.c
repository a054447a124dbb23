// SPDX-License-Identifier: GPL-2.0
/* Per-LLC locks of performance mode, between two real processes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tests/lock_holder.h"
#include "vmm/perf.h"

static bool claim(int llc, void *opaque)
{
	return !perf_lock_llc(opaque, llc);
}

FIXTURE(locks) {
	char dir[64];
	struct perf_locks l;
};

FIXTURE_SETUP(locks)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/ktstr-lockXXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	memset(&self->l, 0, sizeof(self->l));
	ASSERT_EQ(0, perf_locks_init(&self->l, self->dir));
}

FIXTURE_TEARDOWN(locks)
{
	char *cmd = xasprintf("rm -rf '%s'", self->dir);

	perf_locks_release(&self->l);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
	free(cmd);
}

TEST_F(locks, held_by_another_process)
{
	pid_t pid = lock_holder(self->dir, 3);
	int st;

	ASSERT_GT(pid, 0);
	EXPECT_EQ(-EBUSY, perf_lock_llc(&self->l, 3));
	EXPECT_EQ(0, perf_lock_llc(&self->l, 2));
	/* Taking it again in the same run is a no-op. */
	EXPECT_EQ(0, perf_lock_llc(&self->l, 2));
	/* The holder is killed: flock dies with it, no stale lock. */
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, perf_lock_llc(&self->l, 3));
}

TEST_F(locks, released_for_the_next_run)
{
	struct perf_locks other = {};

	ASSERT_EQ(0, perf_lock_llc(&self->l, 0));
	ASSERT_EQ(0, perf_locks_init(&other, self->dir));
	/* A second open file description conflicts, even in one process. */
	EXPECT_EQ(-EBUSY, perf_lock_llc(&other, 0));
	perf_locks_release(&self->l);
	EXPECT_EQ(0, perf_lock_llc(&other, 0));
	perf_locks_release(&other);
	ASSERT_EQ(0, perf_locks_init(&self->l, self->dir));
}

/* Two concurrent runs never share an LLC: the plan names the busy one. */
TEST_F(locks, plan_reports_busy_llc)
{
	struct host_info h = { .nr_cpus = 8, .nr_llcs = 2, .nr_nodes = 1 };
	struct host_cpu cpus[8];
	struct topology t;
	struct perf_plan p;
	char reason[128], err[128];
	pid_t pid;
	int i, st;

	for (i = 0; i < 8; i++)
		cpus[i] = (struct host_cpu){ .cpu = i, .core = i, .llc = i / 4 };
	h.cpus = cpus;
	ASSERT_EQ(0, topology_parse("1n2l3c1t", 256ULL << 20, &t, err, sizeof(err)));
	pid = lock_holder(self->dir, 1);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(PERF_CONTENTION, perf_plan_build(&h, &t, claim, &self->l, &p,
						   reason, sizeof(reason)));
	EXPECT_EQ(0, strncmp(reason, "LLC 1 busy", 10)) TH_LOG("%s", reason);
	perf_locks_release(&self->l);
	ASSERT_EQ(0, perf_locks_init(&self->l, self->dir));
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(PERF_OK, perf_plan_build(&h, &t, claim, &self->l, &p, reason,
					   sizeof(reason)));
}

TEST(lock_dir_override)
{
	char *d;

	setenv("KTSTR_LOCK_DIR", "/tmp/ktstr-locks-test", 1);
	d = perf_lock_dir();
	EXPECT_STREQ("/tmp/ktstr-locks-test", d);
	free(d);
	unsetenv("KTSTR_LOCK_DIR");
	d = perf_lock_dir();
	EXPECT_NE(NULL, d);
	EXPECT_NE(NULL, strstr(d, "ktstr"));
	free(d);
}

TEST_HARNESS_MAIN
