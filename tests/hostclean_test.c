// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr locks` and `ktstr cleanup`: fake leftovers of a dead PID and of
 * a live one in a temporary cgroup root, cache and lock directory; only
 * the dead PID's go. A lock held by a child process is listed with its
 * PID and command.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/hostclean.h"
#include "tests/dead_pid.h"
#include "tests/dir_files.h"
#include "tests/lock_holder.h"
#include "util/json.h"
#include "vmm/perf.h"

#include "kselftest_harness.h"

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

FIXTURE(leftovers) {
	char root[64];
	char *cg, *cache, *initramfs, *locks;
	pid_t dead, live;
	char dead_cg[64], live_cg[64];
};

FIXTURE_SETUP(leftovers)
{
	char name[64];

	snprintf(self->root, sizeof(self->root), "/tmp/ktstr-cleanXXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	self->cg = xasprintf("%s/cg/user.slice/run", self->root);
	self->cache = xasprintf("%s/cache", self->root);
	self->initramfs = xasprintf("%s/initramfs", self->cache);
	self->locks = xasprintf("%s/locks", self->root);
	ASSERT_EQ(0, mkdir_p(self->cg, 0755));
	ASSERT_EQ(0, mkdir_p(self->initramfs, 0755));
	ASSERT_EQ(0, mkdir_p(self->locks, 0755));
	self->dead = dead_pid();
	self->live = getpid();
	snprintf(self->dead_cg, sizeof(self->dead_cg), "%s/ktstr-%d-vcpus",
		 self->cg, self->dead);
	snprintf(self->live_cg, sizeof(self->live_cg), "%s/ktstr-%d-vcpus",
		 self->cg, self->live);
	ASSERT_EQ(0, mkdir(self->dead_cg, 0755));
	ASSERT_EQ(0, mkdir(self->live_cg, 0755));
	/* Not ours: a look-alike name stays whatever its number. */
	snprintf(name, sizeof(name), "%s/ktstr-%d-other", self->cg, self->dead);
	ASSERT_EQ(0, mkdir(name, 0755));

	snprintf(name, sizeof(name), "test-list.tmp.%d", self->dead);
	put_in(self->cache, name, "x");
	snprintf(name, sizeof(name), "abc.cpio.gz.tmp.%d", self->dead);
	put_in(self->initramfs, name, "x");
	snprintf(name, sizeof(name), "def.cpio.gz.tmp.%d", self->live);
	put_in(self->initramfs, name, "x");
	snprintf(name, sizeof(name), "emu-heartbeat.%d.1", self->dead);
	put_in(self->cache, name, "1");
	snprintf(name, sizeof(name), "emu-heartbeat.%d.1", self->live);
	put_in(self->cache, name, "1");
	put_in(self->cache, "plain.cpio.gz", "x");

	/* llc-0: free, holder dead; llc-2: free, holder alive (left). */
	snprintf(name, sizeof(name), "%d\n", self->dead);
	put_in(self->locks, "llc-0.lock", name);
	snprintf(name, sizeof(name), "%d\n", self->live);
	put_in(self->locks, "llc-2.lock", name);
}

FIXTURE_TEARDOWN(leftovers)
{
	char *cmd = xasprintf("rm -rf '%s'", self->root);

	if (system(cmd))
		TH_LOG("cannot remove %s", self->root);
	free(cmd);
	free(self->cg);
	free(self->cache);
	free(self->initramfs);
	free(self->locks);
}

/* A cleanup of the fixture's cgroup root, cache and lock directory. */
#define run(self, dry, out, len)					\
	cleanup_into((struct cleanup_roots){				\
		.cgroup_root = (self)->root, .cache_dir = (self)->cache,	\
		.lock_dir = (self)->locks, .dry_run = (dry) }, out, len)

static int cleanup_into(struct cleanup_roots r, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");
	int n = cleanup_run(&r, f);

	fclose(f);
	return n;
}

TEST_F(leftovers, only_the_dead_pids_go)
{
	pid_t h = lock_holder(self->locks, 1);
	char out[4096], name[64];

	ASSERT_GT(h, 0);
	/* Dry run: five named, nothing removed. */
	EXPECT_EQ(5, run(self, true, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "would remove cgroup")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, self->dead_cg));
	EXPECT_EQ(0, access(self->dead_cg, F_OK));
	EXPECT_TRUE(there(self->locks, "llc-0.lock"));

	EXPECT_EQ(5, run(self, false, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "removed lock file")) TH_LOG("%s", out);
	EXPECT_NE(0, access(self->dead_cg, F_OK));
	EXPECT_EQ(0, access(self->live_cg, F_OK));
	snprintf(name, sizeof(name), "ktstr-%d-other", self->dead);
	EXPECT_TRUE(there(self->cg, name));
	snprintf(name, sizeof(name), "test-list.tmp.%d", self->dead);
	EXPECT_FALSE(there(self->cache, name));
	snprintf(name, sizeof(name), "abc.cpio.gz.tmp.%d", self->dead);
	EXPECT_FALSE(there(self->initramfs, name));
	snprintf(name, sizeof(name), "def.cpio.gz.tmp.%d", self->live);
	EXPECT_TRUE(there(self->initramfs, name));
	snprintf(name, sizeof(name), "emu-heartbeat.%d.1", self->dead);
	EXPECT_FALSE(there(self->cache, name));
	snprintf(name, sizeof(name), "emu-heartbeat.%d.1", self->live);
	EXPECT_TRUE(there(self->cache, name));
	EXPECT_TRUE(there(self->cache, "plain.cpio.gz"));
	EXPECT_FALSE(there(self->locks, "llc-0.lock"));
	EXPECT_TRUE(there(self->locks, "llc-1.lock"));	/* held */
	EXPECT_TRUE(there(self->locks, "llc-2.lock"));	/* live PID */

	/* Nothing left to do; the holder's lock goes once it is dead. */
	EXPECT_EQ(0, run(self, false, out, sizeof(out))) TH_LOG("%s", out);
	reap(h);
	EXPECT_EQ(1, run(self, false, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_FALSE(there(self->locks, "llc-1.lock"));
}

/* A run that opened a lock file cleanup then unlinked takes a new one. */
TEST_F(leftovers, lock_after_cleanup_is_real)
{
	struct perf_locks a = {}, b = {};
	char out[4096];

	EXPECT_EQ(5, run(self, false, out, sizeof(out)));
	ASSERT_EQ(0, perf_locks_init(&a, self->locks));
	ASSERT_EQ(0, perf_locks_init(&b, self->locks));
	EXPECT_EQ(0, perf_lock_llc(&a, 0));
	EXPECT_TRUE(there(self->locks, "llc-0.lock"));
	EXPECT_EQ(-EBUSY, perf_lock_llc(&b, 0));
	perf_locks_release(&a);
	perf_locks_release(&b);
}

TEST_F(leftovers, locks_lists_the_holder)
{
	pid_t h = lock_holder(self->locks, 3);
	struct held_lock *v = NULL;
	struct buf b = {};
	int n;

	ASSERT_GT(h, 0);
	n = locks_held(self->locks, &v);
	ASSERT_EQ(1, n);
	EXPECT_EQ(3, v[0].llc);
	EXPECT_EQ(h, v[0].pid);
	EXPECT_NE(NULL, strstr(v[0].command, "hostclean_test"))
		TH_LOG("%s", v[0].command);
	EXPECT_NE(NULL, strstr(v[0].path, "llc-3.lock"));
	locks_format(&b, self->locks, v, n, true);
	EXPECT_TRUE(json_valid((char *)b.data, b.len))
		TH_LOG("%.*s", (int)b.len, (char *)b.data);
	buf_putc(&b, 0);
	EXPECT_NE(NULL, strstr((char *)b.data, "\"llc\":3"));
	buf_free(&b);
	locks_format(&b, self->locks, v, n, false);
	buf_putc(&b, 0);
	EXPECT_EQ(0, strncmp((char *)b.data, "LLC", 3));
	buf_free(&b);
	free(v);
	reap(h);
	/* Free lock files (llc-0, llc-2, llc-3) are not listed. */
	EXPECT_EQ(0, locks_held(self->locks, &v));
	free(v);
}

/* The binary: KTSTR_LOCK_DIR, --json parses, the child's PID is in it. */
TEST_F(leftovers, ktstr_locks_json)
{
	char exe[PATH_MAX], *cmd, out[8192], want[32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t h = lock_holder(self->locks, 5);
	size_t len;
	FILE *p;

	ASSERT_GT(h, 0);
	ASSERT_GT(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	*strrchr(exe, '/') = '\0';
	cmd = xasprintf("KTSTR_LOCK_DIR='%s' '%s/ktstr' locks --json",
			self->locks, exe);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = '\0';
	EXPECT_EQ(0, pclose(p));
	EXPECT_TRUE(json_valid(out, len)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\"pid\":%d", h);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	reap(h);
	free(cmd);
}

TEST_HARNESS_MAIN
