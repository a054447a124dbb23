/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched_ext in the guest: start a scheduler, see it enabled, notice when it
 * exits or is kicked out (SCHED_EXIT), stop it.
 *
 * A scheduler is named by the test's .scheduler: "fifo", "llc", "fail" or
 * "stall" (BPF schedulers built into ktstr, loaded through libbpf
 * skeletons in a child process), or an absolute path (an external
 * scheduler binary, e.g. /scheduler packed into the initramfs, run as a
 * child process).
 *
 *	struct scx_sched *s;
 *	struct scx_exit e;
 *
 *	if (scx_start("llc", &opts, &s, err, sizeof(err)))
 *		...;
 *	... run the load, scx_poll(s, &e) == 1 means it exited ...
 *	if (scx_stop(s, &e) == 1)
 *		... SCHED_EXIT e.kind / e.msg ...
 */
#ifndef KTSTR_SCHED_SCX_H
#define KTSTR_SCHED_SCX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/test.h"
#include "sched/ktstr_sched.h"

#define SCX_SYSFS		"/sys/kernel/sched_ext"
#define SCX_NAME_LEN		128	/* sched_ext_ops.name */
#define SCX_REASON_LEN		128	/* user_exit_info.reason */
#define SCX_MSG_LEN		1024	/* user_exit_info.msg */
#define SCX_FAIL_AFTER_DFL	20	/* "fail": dispatches before the error */

struct scx_sched;

/* Why a scheduler left: the kernel's scx_exit_info as far as we know it. */
struct scx_exit {
	int kind;			/* KTSTR_SCX_EXIT_*, 0: unknown */
	int64_t exit_code;
	char ops[SCX_NAME_LEN];
	char reason[SCX_REASON_LEN];
	char msg[SCX_MSG_LEN];
	const char *source;		/* "uei", "kmsg", "process" or "sysfs" */
};

struct scx_opts {
	/* LLC of each CPU, for "llc"; NULL: from sysfs cacheinfo. */
	const uint32_t *cpu_llc;
	uint32_t nr_cpus;
	uint64_t fail_after;		/* "fail"; 0: SCX_FAIL_AFTER_DFL */
	uint32_t timeout_ms;		/* until "enabled"; 0: 60000 */
	const char *sysfs;		/* NULL: SCX_SYSFS */
};

/*
 * Starts @name and waits until the sched_ext state is "enabled" with its ops
 * name (a built-in's, or any for an external binary). 0, or -errno with one
 * line in @err naming the scheduler and what went wrong.
 */
int scx_start(const char *name, const struct scx_opts *o,
	      struct scx_sched **out, char *err, size_t errlen);
/*
 * 1: @s has left "enabled" (at once, without waiting for the disable to
 * finish), 0: still enabled; -errno.
 */
int scx_left(struct scx_sched *s);
/* 0: still enabled; 1: it exited, @e says how; -errno. */
int scx_poll(struct scx_sched *s, struct scx_exit *e);
/*
 * Stops @s and frees it. Returns 1 when it had exited by itself before
 * (@e filled: a SCHED_EXIT), 0 when it was running until stopped, -errno
 * when it would not go away (@e names why).
 */
int scx_stop(struct scx_sched *s, struct scx_exit *e);
/* The ops name it runs under ("" before it was enabled). */
const char *scx_ops_name(const struct scx_sched *s);
pid_t scx_pid(const struct scx_sched *s);
/* Counters of a built-in (a copy at most ~20 ms old); -ENOTSUP else. */
int scx_stats(const struct scx_sched *s, struct ktstr_sched_stats *st);

/* Checks a .scheduler value; -EINVAL with one line in @err. */
int scx_name_check(const char *name, char *err, size_t errlen);

/* "SCX_EXIT_ERROR_BPF" for 1025; "SCX_EXIT_UNKNOWN" for others. */
const char *scx_exit_kind_name(int kind);
/* The kind the kernel's reason text ("scx_bpf_error") stands for, or 0. */
int scx_exit_kind_from_reason(const char *reason);
/* "SCHED_EXIT <ops>: <KIND> (<reason>): <msg>" */
void scx_exit_format(const struct scx_exit *e, char *out, size_t len);
/*
 * One kernel log record (raw /dev/kmsg "pri,seq,ts,-;text" or plain text):
 * sched_ext's "disabled (reason)" and "<ops>: <msg>" lines fill @e (only
 * for @ops, if not empty or NULL). Returns 1 if the record was used.
 */
int scx_kmsg_parse(const char *rec, const char *ops, struct scx_exit *e);

/*
 * @dir/state and @dir/root/ops (@dir NULL: SCX_SYSFS), newline stripped;
 * @ops is "" when there is no root scheduler. 0 or -errno.
 */
int scx_sysfs_read(const char *dir, char *state, size_t slen, char *ops,
		   size_t olen);

/* The first line of @path, without its newline; 0 or -errno. */
int scx_read_line(const char *path, char *out, size_t len);
/* Parses "0-3,8,10-11" into @mask (@nr bits); -EINVAL on garbage/range. */
int scx_cpulist_parse(const char *s, uint8_t *mask, uint32_t nr);
/*
 * LLC of each of @nr_cpus CPUs from @root/devices/system/cpu/cpuN/cache
 * (@root NULL: "/sys"): the highest cache level, numbered in order of first
 * appearance. CPUs without cacheinfo share LLC 0. Returns the LLC count.
 */
int scx_llc_map_sysfs(const char *root, uint32_t *cpu_llc, uint32_t nr_cpus);
/* From /proc/<pid>/sched text: 1 if "ext.enabled" is 1, 0 if 0, -ENOENT. */
int scx_parse_ext_enabled(const char *sched_text);
/* Same for a live task. */
int scx_task_on_scx(pid_t pid);

#endif
