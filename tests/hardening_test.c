// SPDX-License-Identifier: GPL-2.0
/*
 * Temp and cache files: written afresh, never through a planted symlink;
 * those of killed runs pruned; no shared /tmp cache when HOME is unset.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#include "kselftest_harness.h"
#include "tests/dead_pid.h"
#include "tests/dir_files.h"

/* Last written @secs ago. */
static void age(const char *dir, const char *name, time_t secs)
{
	struct timespec ts[2] = { { time(NULL) - secs, 0 },
				  { time(NULL) - secs, 0 } };
	char *p = xasprintf("%s/%s", dir, name);

	utimensat(AT_FDCWD, p, ts, 0);
	free(p);
}

static void unlink_in(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);

	unlink(p);
	free(p);
}

TEST(atomic_write_ignores_planted_symlink)
{
	char dir[] = "/tmp/ktstr-hard-XXXXXX";
	char *victim, *path, *tmp;
	struct buf b = {};

	ASSERT_NE(NULL, mkdtemp(dir));
	victim = xasprintf("%s/victim", dir);
	path = xasprintf("%s/file", dir);
	tmp = xasprintf("%s.tmp.%d", path, getpid());
	ASSERT_EQ(0, write_file_atomic(victim, "safe", 4));
	ASSERT_EQ(0, symlink(victim, tmp));
	EXPECT_EQ(0, write_file_atomic(path, "data", 4));
	ASSERT_EQ(0, read_file(victim, &b));
	EXPECT_EQ(4U, b.len);
	EXPECT_EQ(0, memcmp(b.data, "safe", 4));
	buf_free(&b);
	ASSERT_EQ(0, read_file(path, &b));
	EXPECT_EQ(0, memcmp(b.data, "data", 4));
	buf_free(&b);
	EXPECT_NE(0, access(tmp, F_OK));
	unlink(victim);
	unlink(path);
	rmdir(dir);
	free(victim);
	free(path);
	free(tmp);
}

TEST(stale_tmp_pruned)
{
	char dir[] = "/tmp/ktstr-hard-XXXXXX", *dead, *mine, *fresh;

	ASSERT_NE(NULL, mkdtemp(dir));
	dead = xasprintf("a.cpio.gz.tmp.%d", dead_pid());
	mine = xasprintf("b.cpio.gz.tmp.%d", getpid());
	/* Written just now: maybe by a PID of another namespace. */
	fresh = xasprintf("g.cpio.gz.tmp.%d", dead_pid());
	put_in(dir, dead, "");
	age(dir, dead, 120);
	put_in(dir, mine, "");
	put_in(dir, fresh, "");
	put_in(dir, "c.tmp.1", "");		/* PID 1 lives */
	put_in(dir, "d.tmp.x", "");
	put_in(dir, "e.tmp.", "");
	put_in(dir, "f.cpio.gz", "");
	EXPECT_EQ(1, prune_stale_tmp(dir));
	EXPECT_FALSE(there(dir, dead));
	EXPECT_TRUE(there(dir, mine));
	EXPECT_TRUE(there(dir, fresh));
	EXPECT_TRUE(there(dir, "c.tmp.1"));
	EXPECT_TRUE(there(dir, "d.tmp.x"));
	EXPECT_TRUE(there(dir, "e.tmp."));
	EXPECT_TRUE(there(dir, "f.cpio.gz"));
	EXPECT_EQ(0, prune_stale_tmp(dir));
	EXPECT_EQ(0, prune_stale_tmp("/nonexistent"));
	unlink_in(dir, mine);
	unlink_in(dir, fresh);
	unlink_in(dir, "c.tmp.1");
	unlink_in(dir, "d.tmp.x");
	unlink_in(dir, "e.tmp.");
	unlink_in(dir, "f.cpio.gz");
	EXPECT_EQ(0, rmdir(dir));
	free(dead);
	free(mine);
	free(fresh);
}

/* Only PATH's own temp files of dead runs: a killed run's --json. */
TEST(stale_tmp_of_path_pruned)
{
	char dir[] = "/tmp/ktstr-hard-XXXXXX", *dead, *other, *path;

	ASSERT_NE(NULL, mkdtemp(dir));
	path = xasprintf("%s/out.json", dir);
	dead = xasprintf("out.json.tmp.%d", dead_pid());
	other = xasprintf("x.out.json.tmp.%d", dead_pid());
	put_in(dir, dead, "");
	put_in(dir, other, "");
	put_in(dir, "out.json.tmp.1", "");	/* PID 1 lives */
	EXPECT_EQ(1, prune_stale_tmp_of(path));
	EXPECT_FALSE(there(dir, dead));
	EXPECT_TRUE(there(dir, other));
	EXPECT_TRUE(there(dir, "out.json.tmp.1"));
	EXPECT_EQ(0, prune_stale_tmp_of(path));
	unlink_in(dir, other);
	unlink_in(dir, "out.json.tmp.1");
	EXPECT_EQ(0, rmdir(dir));
	free(dead);
	free(other);
	free(path);
}

/* HOME unset: the user's home from passwd, never /tmp/.cache/ktstr. */
TEST(cache_without_home)
{
	int fds[2], status = 0;
	char got[4096] = "", *home;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	if (!pid) {
		const char *d;

		unsetenv("KTSTR_CACHE");
		unsetenv("XDG_CACHE_HOME");
		unsetenv("HOME");
		d = ktstr_cache_dir();
		_exit(write(fds[1], d, strlen(d)) > 0 ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	waitpid(pid, &status, 0);
	home = passwd_home(getuid());
	if (!home) {
		/* No passwd entry either (a minimal userland): an error, no /tmp. */
		EXPECT_EQ(0, n);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
		return;
	}
	ASSERT_GT(n, 0);
	{
		char *want = xasprintf("%s/.cache/ktstr", home);

		EXPECT_STREQ(want, got);
		free(want);
		free(home);
	}
	EXPECT_STRNE("/tmp/.cache/ktstr", got);
}

TEST_HARNESS_MAIN
