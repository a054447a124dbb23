// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input from the user: each a one-line error naming the bad value and
 * a non-zero exit, before any VM starts and before any TAP plan. Runs the
 * ktstr binary beside tests/ (no KVM needed), and the number parsers.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

#include "kselftest_harness.h"

#define NO_NS_EXIT 99

struct result {
	int status;		/* exit status, or 128 + signal */
	char out[8192], err[8192];
};

static void slurp(int fd, char *dst, size_t len)
{
	ssize_t n = pread(fd, dst, len - 1, 0);

	dst[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Runs ../ktstr (from this test's directory) with @args. */
static void run_ktstr(struct result *r, bool no_dev_kvm, const char *const *args)
{
	char exe[PATH_MAX], *argv[16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int out = memfd_create("out", 0), err = memfd_create("err", 0), st, i;
	pid_t pid;

	exe[n > 0 ? n : 0] = '\0';
	*strrchr(exe, '/') = '\0';
	*strrchr(exe, '/') = '\0';
	strcat(exe, "/ktstr");
	argv[0] = exe;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	pid = fork();
	if (!pid) {
		dup2(out, 1);
		dup2(err, 2);
		/* An empty /dev in a mount namespace of our own: no /dev/kvm. */
		if (no_dev_kvm &&
		    ((geteuid() && unshare(CLONE_NEWUSER)) || unshare(CLONE_NEWNS) ||
		     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		     mount("none", "/dev", "tmpfs", 0, NULL)))
			_exit(NO_NS_EXIT);
		execv(exe, argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One line on stderr holding @want, nothing on stdout, exit non-zero. */
#define EXPECT_ONE_LINE(r, want)					\
	do {								\
		EXPECT_NE(0, (r)->status);				\
		EXPECT_NE(127, (r)->status);				\
		EXPECT_EQ(1, lines((r)->err)) TH_LOG("%s", (r)->err);	\
		EXPECT_NE(NULL, strstr((r)->err, want))			\
			TH_LOG("'%s' not in: %s", want, (r)->err);	\
		EXPECT_STREQ("", (r)->out);				\
	} while (0)

struct bad_case {
	const char *args[8];
	const char *want;	/* in the error line */
};

static const struct bad_case bad_cases[] = {
	/* 2^44 MiB: used to overflow into "memory 0 over 1 nodes". */
	{ { "shell", "--mem", "17592186044416", "--", "true" },
	  "--mem '17592186044416': not a size in MiB from 1 to 1048576" },
	{ { "shell", "--mem", "18446744073709551615", "--", "true" },
	  "--mem '18446744073709551615'" },
	{ { "shell", "--mem", "99999999999999999999999", "--", "true" },
	  "--mem '99999999999999999999999'" },
	{ { "shell", "--mem", "0", "--", "true" }, "--mem '0'" },
	{ { "shell", "--mem", "-1", "--", "true" }, "--mem '-1'" },
	{ { "shell", "--mem", " 64", "--", "true" }, "--mem ' 64'" },
	{ { "shell", "--timeout", "18446744073709551615", "--", "true" },
	  "--timeout '18446744073709551615': not a number of seconds from 0 to 2592000" },
	{ { "shell", "--timeout", "5s", "--", "true" }, "--timeout '5s'" },
	{ { "shell", "--topo", "garbage", "--", "true" }, "topology 'garbage'" },
	{ { "topo", "99999999999999999999n" },
	  "numa_nodes=99999999999999999999 exceeds 255" },
	{ { "topo", "4294967297c" }, "cores_per_llc=4294967297 exceeds 255" },
	/* Was one "not ok" per test, each after its setup. */
	{ { "run", "--topo", "garbage" },
	  "run: --topo 'garbage': topology \"garbage\": expected a number at \"garbage\"" },
	{ { "run", "--topo", "2n99999999999999999999l" },
	  "llcs=99999999999999999999 exceeds 255" },
	{ { "run", "--cpu-cap", "18446744073709551617" }, "18446744073709551617" },
	{ { "stats", "--timeout", "18446744073709551616", "--sock", "/x" },
	  "--timeout '18446744073709551616'" },
	{ { "locks", "extra" }, "locks: unexpected argument 'extra'" },
	{ { "locks", "--bogus" }, "unrecognized option '--bogus'" },
	{ { "cleanup", "--dry-run", "x" }, "cleanup: unexpected argument 'x'" },
	{ { "cleanup", "--force" }, "unrecognized option '--force'" },
};

TEST(bad_values_one_line_each)
{
	struct result *r = malloc(sizeof(*r));
	size_t i;

	ASSERT_NE(NULL, r);
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		run_ktstr(r, false, bad_cases[i].args);
		TH_LOG("ktstr %s %s %s: exit %d: %s", bad_cases[i].args[0],
		       bad_cases[i].args[1], bad_cases[i].args[2] ? : "",
		       r->status, r->err);
		EXPECT_ONE_LINE(r, bad_cases[i].want);
	}
	free(r);
}

/* Without /dev/kvm: one line, and no TAP plan left unmet. */
TEST(no_dev_kvm_before_the_plan)
{
	static const char *const run[] = { "run", "-t", "boot_smp_online", NULL };
	static const char *const shell[] = { "shell", "--", "true", NULL };
	struct result *r = malloc(sizeof(*r));

	ASSERT_NE(NULL, r);
	run_ktstr(r, true, run);
	if (r->status == NO_NS_EXIT) {
		free(r);
		SKIP(return, "no user/mount namespace to hide /dev/kvm in");
	}
	EXPECT_ONE_LINE(r, "run: open /dev/kvm: No such file or directory");
	EXPECT_EQ(NULL, strstr(r->out, "1.."));
	run_ktstr(r, true, shell);
	EXPECT_ONE_LINE(r, "shell: open /dev/kvm: No such file or directory");
	free(r);
}

TEST(parse_u64_bounds)
{
	uint64_t v = 42;

	EXPECT_EQ(0, parse_u64("0", 0, 10, &v));
	EXPECT_EQ(0U, v);
	EXPECT_EQ(0, parse_u64("18446744073709551615", 0, UINT64_MAX, &v));
	EXPECT_EQ(UINT64_MAX, v);
	EXPECT_EQ(-ERANGE, parse_u64("18446744073709551616", 0, UINT64_MAX, &v));
	EXPECT_EQ(-ERANGE, parse_u64("99999999999999999999999", 0, UINT64_MAX, &v));
	EXPECT_EQ(-ERANGE, parse_u64("11", 0, 10, &v));
	EXPECT_EQ(-ERANGE, parse_u64("0", 1, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64("", 0, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64(NULL, 0, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64("-1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64("+1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64(" 1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64("0x1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, parse_u64("1k", 0, 10, &v));
	EXPECT_EQ(UINT64_MAX, v);	/* untouched on error */
}

TEST(parse_size_overflow)
{
	uint64_t v;

	EXPECT_EQ(0, parse_size("2G", &v));
	EXPECT_EQ(2 * SZ_1G, v);
	EXPECT_EQ(-EINVAL, parse_size("17179869184G", &v));	/* 2^34 G */
	EXPECT_EQ(-EINVAL, parse_size("18446744073709551616", &v));
	EXPECT_EQ(0, parse_size("17179869183G", &v));
}

TEST_HARNESS_MAIN
