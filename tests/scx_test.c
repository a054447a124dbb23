// SPDX-License-Identifier: GPL-2.0
/*
 * The sched_ext manager without a sched_ext kernel: exit kinds and the
 * kernel's exit lines, sysfs parsing (cacheinfo, /proc/<pid>/sched), and
 * the process side of scx_start()/scx_poll()/scx_stop() against a fake
 * /sys/kernel/sched_ext driven by external "scheduler" scripts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sched/scx.h"
#include "util/util.h"

TEST(exit_kinds)
{
	ASSERT_STREQ("SCX_EXIT_ERROR_BPF", scx_exit_kind_name(1025));
	ASSERT_STREQ("SCX_EXIT_UNREG", scx_exit_kind_name(64));
	ASSERT_STREQ("SCX_EXIT_ERROR_STALL", scx_exit_kind_name(1026));
	ASSERT_STREQ("SCX_EXIT_UNKNOWN", scx_exit_kind_name(7));
	ASSERT_EQ(KTSTR_SCX_EXIT_ERROR_BPF, scx_exit_kind_from_reason("scx_bpf_error"));
	ASSERT_EQ(KTSTR_SCX_EXIT_ERROR_STALL,
		  scx_exit_kind_from_reason("runnable task stall"));
	ASSERT_EQ(KTSTR_SCX_EXIT_UNREG,
		  scx_exit_kind_from_reason("unregistered from user space"));
	ASSERT_EQ(0, scx_exit_kind_from_reason("something else"));
	ASSERT_EQ(0, scx_exit_kind_from_reason(""));
}

TEST(exit_format)
{
	struct scx_exit e = { .kind = KTSTR_SCX_EXIT_ERROR_BPF };
	char line[512];

	snprintf(e.ops, sizeof(e.ops), "ktstr_fail");
	snprintf(e.reason, sizeof(e.reason), "scx_bpf_error");
	snprintf(e.msg, sizeof(e.msg), "boom 3");
	scx_exit_format(&e, line, sizeof(line));
	ASSERT_STREQ("SCHED_EXIT ktstr_fail: SCX_EXIT_ERROR_BPF (scx_bpf_error): boom 3",
		     line);
	e.msg[0] = '\0';
	scx_exit_format(&e, line, sizeof(line));
	ASSERT_STREQ("SCHED_EXIT ktstr_fail: SCX_EXIT_ERROR_BPF (scx_bpf_error)", line);
	/* Truncation keeps it a C string. */
	scx_exit_format(&e, line, 12);
	ASSERT_STREQ("SCHED_EXIT ", line);
}

TEST(kmsg_exit_lines)
{
	struct scx_exit e = {};

	/* Not ours, and not an exit line. */
	ASSERT_EQ(0, scx_kmsg_parse("6,1,2,-;usb 1-1: new device", NULL, &e));
	ASSERT_EQ(0, scx_kmsg_parse("6,9,10,-;sched_ext: BPF scheduler \"x\" enabled",
				    NULL, &e));
	ASSERT_EQ(0, scx_kmsg_parse("3,10,11,-;sched_ext: BPF scheduler \"other\" disabled (scx_bpf_error)",
				    "mine", &e));
	ASSERT_EQ(0, e.kind);
	/* The two lines the kernel prints for an error exit, raw kmsg. */
	ASSERT_EQ(1, scx_kmsg_parse("3,11,12,-;sched_ext: BPF scheduler \"mine\" disabled (scx_bpf_error)\n",
				    "mine", &e));
	ASSERT_STREQ("mine", e.ops);
	ASSERT_STREQ("scx_bpf_error", e.reason);
	ASSERT_EQ(KTSTR_SCX_EXIT_ERROR_BPF, e.kind);
	ASSERT_EQ(1, scx_kmsg_parse("3,12,13,-;sched_ext: mine: dispatched 5: bad (x)\n",
				    "mine", &e));
	ASSERT_STREQ("dispatched 5: bad (x)", e.msg);
	/* Plain text works too, and any ops name when none is given. */
	memset(&e, 0, sizeof(e));
	ASSERT_EQ(1, scx_kmsg_parse("sched_ext: BPF scheduler \"simple\" disabled (runnable task stall)",
				    "", &e));
	ASSERT_EQ(KTSTR_SCX_EXIT_ERROR_STALL, e.kind);
	ASSERT_STREQ("simple", e.ops);
	/* A message line for another ops name is not taken. */
	ASSERT_EQ(0, scx_kmsg_parse("sched_ext: simplex: no", "", &e));
	ASSERT_EQ(0, scx_kmsg_parse("sched_ext: simple", "", &e));
	/* Truncated: no closing part of the disabled line. */
	memset(&e, 0, sizeof(e));
	ASSERT_EQ(0, scx_kmsg_parse("sched_ext: BPF scheduler \"abc", NULL, &e));
}

TEST(names)
{
	char err[256];

	ASSERT_STREQ("ktstr_fifo", scx_builtin_ops("fifo"));
	ASSERT_STREQ("ktstr_llc", scx_builtin_ops("llc"));
	ASSERT_STREQ("ktstr_fail", scx_builtin_ops("fail"));
	ASSERT_STREQ("ktstr_stall", scx_builtin_ops("stall"));
	ASSERT_EQ(NULL, scx_builtin_ops("eevdf"));
	ASSERT_EQ(NULL, scx_builtin_ops(NULL));
	ASSERT_EQ(0, scx_name_check("llc", err, sizeof(err)));
	ASSERT_EQ(0, scx_name_check("/scheduler", err, sizeof(err)));
	ASSERT_EQ(-EINVAL, scx_name_check("scx_simple", err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "'scx_simple'"));
}

TEST(cpulist)
{
	uint8_t m[2];

	ASSERT_EQ(0, scx_cpulist_parse("0-3,8,10-11\n", m, 16));
	ASSERT_EQ(0x0f, m[0]);
	ASSERT_EQ(0x0d, m[1]);
	ASSERT_EQ(0, scx_cpulist_parse("", m, 16));
	ASSERT_EQ(0, m[0] | m[1]);
	ASSERT_EQ(-EINVAL, scx_cpulist_parse("3-1", m, 16));
	ASSERT_EQ(-EINVAL, scx_cpulist_parse("0-16", m, 16));
	ASSERT_EQ(-EINVAL, scx_cpulist_parse("1,x", m, 16));
	ASSERT_EQ(-EINVAL, scx_cpulist_parse("1-", m, 16));
}

TEST(ext_enabled)
{
	const char *on = "kworker (12, #threads: 1)\n---------\n"
			 "se.exec_start                                :          1.0\n"
			 "ext.enabled                                  :                    1\n";
	const char *off = "ext.enabled                                  :                    0\n";

	ASSERT_EQ(1, scx_parse_ext_enabled(on));
	ASSERT_EQ(0, scx_parse_ext_enabled(off));
	ASSERT_EQ(-ENOENT, scx_parse_ext_enabled("se.ext.enabledx : 1\n"));
	ASSERT_EQ(-ENOENT, scx_parse_ext_enabled(""));
	/* This kernel may lack sched_ext; the file must still be read. */
	ASSERT_NE(-EINVAL, scx_task_on_scx(getpid()));
}

/* A scratch dir, removed by the fixture. */
FIXTURE(fake_sysfs) {
	char dir[64];
};

FIXTURE_SETUP(fake_sysfs)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/scx_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(fake_sysfs)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[256], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir_p(path, 0755);
	*slash = '/';
	if (write_file_atomic(path, text, strlen(text)))
		abort();
}

/*
 * An empty sysfs file (as a state file is, between the truncate and the
 * write of "echo disabled > state") reads as "": an empty buffer, NULL
 * data, that memcpy() must never see (UBSan, make SAN=1).
 */
TEST_F(fake_sysfs, empty_line)
{
	char path[128], out[16] = "x";

	put(self->dir, "state", "");
	snprintf(path, sizeof(path), "%s/state", self->dir);
	ASSERT_EQ(0, scx_read_line(path, out, sizeof(out)));
	ASSERT_STREQ("", out);
}

TEST_F(fake_sysfs, llc_map)
{
	uint32_t map[6];
	int cpu;

	/* cpus 0,1 share L3 "0-1"; 2,3 "2-3"; 4 has only L2; 5 nothing */
	for (cpu = 0; cpu < 4; cpu++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index0/level", cpu);
		put(self->dir, rel, "1\n");
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index0/shared_cpu_list", cpu);
		put(self->dir, rel, cpu < 2 ? "0\n" : "2\n");
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index3/level", cpu);
		put(self->dir, rel, "3\n");
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index3/shared_cpu_list", cpu);
		put(self->dir, rel, cpu < 2 ? "0-1\n" : "2-3\n");
	}
	put(self->dir, "devices/system/cpu/cpu4/cache/index2/level", "2\n");
	put(self->dir, "devices/system/cpu/cpu4/cache/index2/shared_cpu_list", "4\n");
	ASSERT_EQ(3, scx_llc_map_sysfs(self->dir, map, 6));
	ASSERT_EQ(0, map[0]);
	ASSERT_EQ(0, map[1]);
	ASSERT_EQ(1, map[2]);
	ASSERT_EQ(1, map[3]);
	ASSERT_EQ(2, map[4]);
	ASSERT_EQ(0, map[5]);
	/* No cacheinfo at all: one LLC. */
	ASSERT_EQ(1, scx_llc_map_sysfs("/nonexistent", map, 2));
	ASSERT_EQ(0, map[1]);
}

TEST_F(fake_sysfs, sysfs_read)
{
	char state[32], ops[64];

	ASSERT_EQ(-ENOENT, scx_sysfs_read(self->dir, state, sizeof(state), ops,
					  sizeof(ops)));
	put(self->dir, "state", "disabled\n");
	ASSERT_EQ(0, scx_sysfs_read(self->dir, state, sizeof(state), ops, sizeof(ops)));
	ASSERT_STREQ("disabled", state);
	ASSERT_STREQ("", ops);
	put(self->dir, "state", "enabled\n");
	put(self->dir, "root/ops", "ktstr_llc\n");
	ASSERT_EQ(0, scx_sysfs_read(self->dir, state, sizeof(state), ops, sizeof(ops)));
	ASSERT_STREQ("enabled", state);
	ASSERT_STREQ("ktstr_llc", ops);
}

/*
 * An external scheduler as a shell script that plays the kernel's part on
 * the fake sysfs: @body runs after "cd DIR".
 */
static void script(const char *dir, const char *body, char *path, size_t len)
{
	char text[1024];

	snprintf(path, len, "%s/sched.sh", dir);
	snprintf(text, sizeof(text), "#!/bin/sh\ncd %s || exit 9\n%s\n", dir, body);
	put(dir, "sched.sh", text);
	if (chmod(path, 0755))
		abort();
}

TEST_F(fake_sysfs, external_runs_and_stops)
{
	struct scx_opts o = { .sysfs = self->dir, .timeout_ms = 5000 };
	char path[128], err[256], state[32], ops[64];
	struct scx_sched *s = NULL;
	struct scx_exit e;

	put(self->dir, "state", "disabled\n");
	script(self->dir,
	       "trap 'echo disabled > state; rm -rf root; exit 0' TERM\n"
	       "mkdir -p root; echo ext_sched > root/ops; echo enabled > state\n"
	       "while :; do sleep 1 & wait; done", path, sizeof(path));
	ASSERT_EQ(0, scx_start(path, &o, &s, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_STREQ("ext_sched", scx_ops_name(s));
	ASSERT_GT(scx_pid(s), 0);
	ASSERT_EQ(0, scx_poll(s, &e));
	ASSERT_EQ(-ENOTSUP, scx_stats(s, &(struct ktstr_sched_stats){}));
	ASSERT_EQ(0, scx_stop(s, &e));
	ASSERT_EQ(0, scx_sysfs_read(self->dir, state, sizeof(state), ops, sizeof(ops)));
	ASSERT_STREQ("disabled", state);
}

TEST_F(fake_sysfs, external_exits_by_itself)
{
	struct scx_opts o = { .sysfs = self->dir, .timeout_ms = 5000 };
	struct scx_sched *s = NULL;
	char path[128], err[256];
	struct scx_exit e;
	int i, r = 0;

	put(self->dir, "state", "disabled\n");
	script(self->dir,
	       "mkdir -p root; echo ext_sched > root/ops; echo enabled > state\n"
	       "sleep 0.3; echo disabled > state; exit 3", path, sizeof(path));
	ASSERT_EQ(0, scx_start(path, &o, &s, err, sizeof(err))) TH_LOG("%s", err);
	for (i = 0; i < 500 && !(r = scx_poll(s, &e)); i++)
		usleep(10000);
	ASSERT_EQ(1, r);
	ASSERT_STREQ("ext_sched", e.ops);
	ASSERT_STREQ("process", e.source);
	ASSERT_STREQ("exited with status 3", e.reason);
	/* The exit sticks: stop reports it as a SCHED_EXIT. */
	ASSERT_EQ(1, scx_stop(s, &e));
	ASSERT_STREQ("exited with status 3", e.reason);
}

TEST_F(fake_sysfs, external_start_failures)
{
	struct scx_opts o = { .sysfs = self->dir, .timeout_ms = 300 };
	struct scx_sched *s = NULL;
	char path[128], err[256];

	/* No sched_ext in the kernel. */
	ASSERT_EQ(-ENOENT, scx_start("fifo", &o, &s, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "CONFIG_SCHED_CLASS_EXT")) TH_LOG("%s", err);
	put(self->dir, "state", "disabled\n");
	ASSERT_EQ(-EINVAL, scx_start("nope", &o, &s, err, sizeof(err)));
	ASSERT_EQ(-ENOENT, scx_start("/nonexistent/sched", &o, &s, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "/nonexistent/sched")) TH_LOG("%s", err);
	/* Dies before sched_ext is enabled. */
	script(self->dir, "exit 4", path, sizeof(path));
	ASSERT_EQ(-ECHILD, scx_start(path, &o, &s, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "exited with status 4")) TH_LOG("%s", err);
	/* Never gets there: timeout, and the process is killed. */
	script(self->dir, "exec sleep 30", path, sizeof(path));
	ASSERT_EQ(-ETIMEDOUT, scx_start(path, &o, &s, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "state 'disabled'")) TH_LOG("%s", err);
	/* Another scheduler is already loaded. */
	put(self->dir, "state", "enabled\n");
	ASSERT_EQ(-EBUSY, scx_start(path, &o, &s, err, sizeof(err)));
	ASSERT_EQ(NULL, s);
}

TEST_HARNESS_MAIN
