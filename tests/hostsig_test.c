// SPDX-License-Identifier: GPL-2.0
/*
 * Host signals at the command level (util/hostsig.h): the first is
 * recorded, the second exits at once with 128 + the signal and removes the
 * temp files; die() removes them too; `run` reports the tests it did not
 * start, exits 130 and renames a whole, valid --json into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/run.h"
#include "util/hostsig.h"
#include "util/json.h"
#include "util/util.h"

#include "kselftest_harness.h"

static int child_status(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *make_tmp(void)
{
	char *path = xasprintf("/tmp/ktstr-hostsig-%d-XXXXXX", getpid());
	int fd = mkstemp(path);

	if (fd >= 0)
		close(fd);
	return path;
}

TEST(first_signal_recorded)
{
	pid_t pid = fork();

	if (!pid) {
		hostsig_install();
		if (hostsig_pending())
			_exit(2);
		raise(SIGINT);
		_exit(hostsig_pending() == SIGINT ? 0 : 3);
	}
	EXPECT_EQ(0, child_status(pid));
}

TEST(second_signal_exits_at_once)
{
	char *tmp = make_tmp(), *kept = make_tmp();
	pid_t pid = fork();

	if (!pid) {
		hostsig_install();
		hostsig_add_tmp(tmp);
		hostsig_drop_tmp(hostsig_add_tmp(kept));
		raise(SIGTERM);
		raise(SIGINT);
		_exit(0);	/* not reached */
	}
	EXPECT_EQ(130, child_status(pid));
	EXPECT_NE(0, access(tmp, F_OK));
	EXPECT_EQ(0, access(kept, F_OK));
	unlink(kept);
	free(tmp);
	free(kept);
}

TEST(die_removes_tmp)
{
	char *tmp = make_tmp();
	pid_t pid = fork();

	if (!pid) {
		hostsig_install();
		hostsig_add_tmp(tmp);
		die("on purpose");
	}
	EXPECT_EQ(1, child_status(pid));
	EXPECT_NE(0, access(tmp, F_OK));
	free(tmp);
}

/*
 * `run` after a SIGINT: no initramfs, no VM; each selected test (the
 * channel_* ones) is one "# SKIP not run" line, the plan is met, exit 130, and the JSON is
 * complete, valid and renamed (no PATH.tmp.PID left).
 */
TEST(run_interrupted_reports_the_rest)
{
	char dir[] = "/tmp/ktstr-hostsig-XXXXXX", buf[65536];
	const char *patterns[] = { "channel_*" };
	struct run_options o = {
		.kernel = "/nonexistent/bzImage", .patterns = patterns,
		.nr_patterns = 1,
	};
	char *json, *tmp, line[64];
	struct ktstr_test *t;
	struct buf jb = {};
	int out = memfd_create("out", 0), code, nr = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_NE(NULL, mkdtemp(dir));
	json = xasprintf("%s/run.json", dir);
	o.json_path = json;
	pid = fork();
	if (!pid) {
		dup2(out, 1);
		setenv("KTSTR_CACHE", dir, 1);
		hostsig_install();
		raise(SIGINT);
		code = run_tests(&o);
		fflush(stdout);
		_exit(code);
	}
	code = child_status(pid);
	n = pread(out, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	EXPECT_EQ(130, code);
	for (t = ktstr_tests(); t; t = t->next)
		nr += test_selected(t, &o);
	ASSERT_GE(nr, 3);
	snprintf(line, sizeof(line), "1..%d\n", nr);
	EXPECT_NE(NULL, strstr(buf, line));
	EXPECT_NE(NULL, strstr(buf, "ok 1 channel_all_types # SKIP not run: interrupted by SIGINT"));
	snprintf(line, sizeof(line), "ok %d channel_", nr);
	EXPECT_NE(NULL, strstr(buf, line));
	snprintf(line, sizeof(line), "ok %d ", nr + 1);
	EXPECT_EQ(NULL, strstr(buf, line));
	ASSERT_EQ(0, read_file(json, &jb));
	EXPECT_TRUE(json_valid((char *)jb.data, jb.len));
	EXPECT_NE(NULL, memmem(jb.data, jb.len, "\"interrupted\": \"SIGINT\"", 23));
	tmp = xasprintf("%s.tmp.%d", json, pid);
	EXPECT_NE(0, access(tmp, F_OK));
	unlink(json);
	rmdir(dir);
	buf_free(&jb);
	free(tmp);
	free(json);
	close(out);
}

TEST_HARNESS_MAIN
