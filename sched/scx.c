// SPDX-License-Identifier: GPL-2.0
/*
 * The sched_ext manager: runs a scheduler in a child process (a built-in
 * through scx_loader.c, or an external binary), waits until the kernel has
 * enabled it, watches it, stops it.
 *
 * A process rather than a thread: the struct_ops link lives in the child's
 * fds, so however the child ends (stopped, crashed, or killed along with
 * the test body through PR_SET_PDEATHSIG) the kernel unloads the scheduler.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sched/scx.h"
#include "sched/scx_loader.h"
#include "util/util.h"

/*
 * Loading and enabling waits for RCU grace periods and switches every
 * task: 16 vCPUs sharing one emulated CPU took 18 s for "llc".
 */
#define START_TIMEOUT_MS	60000
/*
 * Bounds, not waits: both loops end as soon as sched_ext is disabled. A
 * 4-vCPU guest in a loaded emulated host has stayed "disabling" for over
 * 3 s (every vCPU mostly stolen), so they leave it 20 s.
 */
#define EXIT_SETTLE_MS		20000	/* "disabling" -> "disabled", UEI */
#define STOP_TIMEOUT_MS		20000
#define POLL_MS			10

struct scx_sched {
	char name[PATH_MAX];
	char want_ops[SCX_NAME_LEN];	/* "": an external one, any name */
	char ops[SCX_NAME_LEN];		/* what root/ops said once enabled */
	char sysfs[256];
	pid_t pid;
	int status;
	bool reaped;
	int kmsg_fd;
	struct scx_shared *sh;		/* built-ins only */
	bool exited;
	struct scx_exit exit;
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int scx_name_check(const char *name, char *err, size_t errlen)
{
	if (name && (scx_builtin_ops(name) || name[0] == '/'))
		return 0;
	snprintf(err, errlen,
		 "unknown scheduler '%s': fifo, llc, fail or an absolute path",
		 name ? name : "(null)");
	return -EINVAL;
}

/* True once the child is gone (reaped here). */
static bool child_gone(struct scx_sched *s)
{
	if (!s->reaped && waitpid(s->pid, &s->status, WNOHANG) == s->pid)
		s->reaped = true;
	return s->reaped;
}

static void status_text(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
}

/* Children die with the test body, so a crash never leaves a scheduler. */
static void child_setup(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
}

static void __noreturn run_loader(struct scx_shared *sh, pid_t parent)
{
	sigset_t stop;

	child_setup(parent);
	/* The loader waits for them with sigtimedwait(). */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	_exit(scx_loader_run(sh) ? 1 : 0);
}

/* Its output goes to the kernel console, not into the result channel. */
static void __noreturn run_external(const char *path, pid_t parent)
{
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY);

	child_setup(parent);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execv(path, (char *const []){ (char *)path, NULL });
	fprintf(stderr, "ktstr: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

static int fill_llc_map(struct scx_shared *sh, const struct scx_opts *o,
			char *err, size_t errlen)
{
	uint32_t cpu, n;

	if (!o->cpu_llc) {
		long conf = sysconf(_SC_NPROCESSORS_CONF);

		n = conf > 0 ? MIN((uint32_t)conf, KTSTR_SCX_MAX_CPUS) : 1;
		sh->nr_llcs = scx_llc_map_sysfs(NULL, sh->cpu_llc, n);
		return 0;
	}
	n = MIN(o->nr_cpus, KTSTR_SCX_MAX_CPUS);
	sh->nr_llcs = 1;
	for (cpu = 0; cpu < n; cpu++) {
		if (o->cpu_llc[cpu] >= KTSTR_SCX_MAX_LLCS) {
			snprintf(err, errlen, "cpu %u: LLC %u, at most %d LLCs",
				 cpu, o->cpu_llc[cpu], KTSTR_SCX_MAX_LLCS);
			return -EINVAL;
		}
		sh->cpu_llc[cpu] = o->cpu_llc[cpu];
		sh->nr_llcs = MAX(sh->nr_llcs, o->cpu_llc[cpu] + 1);
	}
	return 0;
}

static int shared_setup(struct scx_sched *s, const struct scx_opts *o,
			char *err, size_t errlen)
{
	struct scx_shared *sh;
	char path[300], seq[32];

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	s->sh = sh;
	snprintf(sh->name, sizeof(sh->name), "%.15s", s->name);
	sh->fail_after = o->fail_after ? o->fail_after : SCX_FAIL_AFTER_DFL;
	snprintf(path, sizeof(path), "%s/hotplug_seq", s->sysfs);
	if (!scx_read_line(path, seq, sizeof(seq)))
		sh->hotplug_seq = strtoull(seq, NULL, 10);
	return fill_llc_map(sh, o, err, errlen);
}

/* One line of the loader's error text: newlines folded. */
static void loader_error(const struct scx_sched *s, char *err, size_t errlen)
{
	char *p;

	snprintf(err, errlen, "scheduler %s: %s", s->name,
		 s->sh->err[0] ? s->sh->err : "loader failed");
	for (p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static int wait_enabled(struct scx_sched *s, uint32_t timeout_ms, char *err,
			size_t errlen)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ULL;
	char state[32], ops[SCX_NAME_LEN], how[64];

	for (;;) {
		scx_sysfs_read(s->sysfs, state, sizeof(state), ops, sizeof(ops));
		if (!strcmp(state, "enabled") && ops[0] &&
		    (!s->want_ops[0] || !strcmp(ops, s->want_ops))) {
			snprintf(s->ops, sizeof(s->ops), "%s", ops);
			return 0;
		}
		if (s->sh && scx_shared_get(&s->sh->exited) &&
		    scx_shared_get(&s->sh->phase) != SCX_PHASE_FAILED) {
			/* Enabled and out again between two looks: scx_poll()'s. */
			snprintf(s->ops, sizeof(s->ops), "%s", s->want_ops);
			return 0;
		}
		if (s->sh && scx_shared_get(&s->sh->phase) == SCX_PHASE_FAILED) {
			loader_error(s, err, errlen);
			return -EINVAL;
		}
		if (child_gone(s)) {
			status_text(s->status, how, sizeof(how));
			if (s->sh && s->sh->err[0])
				loader_error(s, err, errlen);
			else
				snprintf(err, errlen,
					 "scheduler %s %s before sched_ext was enabled",
					 s->name, how);
			return -ECHILD;
		}
		if (now_ns() > deadline) {
			snprintf(err, errlen,
				 "scheduler %s: sched_ext state '%s', ops '%s' after %u ms",
				 s->name, state, ops, timeout_ms);
			return -ETIMEDOUT;
		}
		sleep_ms(POLL_MS);
	}
}

static void kill_child(struct scx_sched *s)
{
	uint64_t deadline = now_ns() + STOP_TIMEOUT_MS * 1000000ULL;

	if (child_gone(s))
		return;
	kill(s->pid, SIGTERM);
	while (!child_gone(s) && now_ns() < deadline)
		sleep_ms(POLL_MS);
	if (!s->reaped) {
		kill(s->pid, SIGKILL);
		if (waitpid(s->pid, &s->status, 0) == s->pid)
			s->reaped = true;
	}
}

static void sched_free(struct scx_sched *s)
{
	if (s->kmsg_fd >= 0)
		close(s->kmsg_fd);
	if (s->sh)
		munmap(s->sh, sizeof(*s->sh));
	free(s);
}

static int scx_spawn(struct scx_sched *s, char *err, size_t errlen)
{
	pid_t parent = getpid();

	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		int r = -errno;

		snprintf(err, errlen, "scheduler %s: fork: %s", s->name,
			 strerror(-r));
		return r;
	}
	if (s->pid == 0) {
		if (s->sh)
			run_loader(s->sh, parent);
		run_external(s->name, parent);
	}
	return 0;
}

int scx_start(const char *name, const struct scx_opts *o,
	      struct scx_sched **out, char *err, size_t errlen)
{
	static const struct scx_opts no_opts;
	struct scx_sched *s;
	char state[32], ops[SCX_NAME_LEN];
	int r;

	o = o ? o : &no_opts;
	r = scx_name_check(name, err, errlen);
	if (r)
		return r;
	if (name[0] == '/' && access(name, X_OK)) {
		r = -errno;
		snprintf(err, errlen, "scheduler %s: %s", name, strerror(errno));
		return r;
	}
	s = xzalloc(sizeof(*s));
	s->kmsg_fd = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->want_ops, sizeof(s->want_ops), "%s",
		 scx_builtin_ops(name) ? : "");
	snprintf(s->sysfs, sizeof(s->sysfs), "%s", o->sysfs ? : SCX_SYSFS);
	r = scx_sysfs_read(s->sysfs, state, sizeof(state), ops, sizeof(ops));
	if (r) {
		snprintf(err, errlen, "scheduler %s: no %s/state (CONFIG_SCHED_CLASS_EXT?): %s",
			 name, s->sysfs, strerror(-r));
		goto fail;
	}
	if (strcmp(state, "disabled")) {
		snprintf(err, errlen, "scheduler %s: sched_ext busy: state '%s', ops '%s'",
			 name, state, ops);
		r = -EBUSY;
		goto fail;
	}
	if (name[0] != '/') {
		r = shared_setup(s, o, err, errlen);
		if (r)
			goto fail;
	}
	/* Only log records from now on: the exit lines of this scheduler. */
	s->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->kmsg_fd >= 0)
		lseek(s->kmsg_fd, 0, SEEK_END);
	r = scx_spawn(s, err, errlen);
	if (r)
		goto fail;
	r = wait_enabled(s, o->timeout_ms ? : START_TIMEOUT_MS, err, errlen);
	if (r) {
		kill_child(s);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sched_free(s);
	return r;
}

/* Log records since the start: the kernel's "disabled (reason)" lines. */
static void read_kmsg(struct scx_sched *s, struct scx_exit *k)
{
	char rec[8192];
	ssize_t n;

	if (s->kmsg_fd < 0)
		return;
	for (;;) {
		n = read(s->kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		scx_kmsg_parse(rec, s->ops, k);
	}
}

/*
 * The scheduler left "enabled": wait for the kernel to finish disabling it
 * (the exit op runs after the log lines, "disabled" comes last) and for a
 * built-in's loader to publish its UEI, then take the best account: UEI,
 * else the kernel log, else what the process or sysfs say.
 */
static void gather_exit(struct scx_sched *s)
{
	uint64_t deadline = now_ns() + EXIT_SETTLE_MS * 1000000ULL;
	struct scx_exit *e = &s->exit, k = {};
	char state[32], ops[SCX_NAME_LEN];

	/*
	 * Settle until sched_ext is disabled and the scheduler has said why:
	 * a built-in one through its exit record, an external one by its own
	 * exit, which usually follows the disable by a few ms.
	 */
	for (;;) {
		scx_sysfs_read(s->sysfs, state, sizeof(state), ops, sizeof(ops));
		if (!strcmp(state, "disabled") &&
		    ((s->sh && scx_shared_get(&s->sh->exited)) || child_gone(s)))
			break;
		if (now_ns() > deadline)
			break;
		sleep_ms(POLL_MS);
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->ops, sizeof(e->ops), "%s", s->ops);
	read_kmsg(s, &k);
	if (s->sh && scx_shared_get(&s->sh->exited)) {
		*e = s->sh->exit;
		snprintf(e->ops, sizeof(e->ops), "%s", s->ops);
		e->source = "uei";
		if (!e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "%s", k.msg);
	} else if (k.reason[0]) {
		*e = k;
		e->source = "kmsg";
	} else if (child_gone(s)) {
		status_text(s->status, e->reason, sizeof(e->reason));
		e->source = "process";
	} else {
		snprintf(e->reason, sizeof(e->reason), "sched_ext state '%s'",
			 state);
		e->source = "sysfs";
	}
	s->exited = true;
}

int scx_left(struct scx_sched *s)
{
	char state[32], ops[SCX_NAME_LEN];
	int r;

	if (s->exited)
		return 1;
	r = scx_sysfs_read(s->sysfs, state, sizeof(state), ops, sizeof(ops));
	if (r)
		return r;
	return !(!strcmp(state, "enabled") && !strcmp(ops, s->ops) &&
		 !child_gone(s));
}

int scx_poll(struct scx_sched *s, struct scx_exit *e)
{
	int r = scx_left(s);

	if (r <= 0)
		return r;
	if (!s->exited)
		gather_exit(s);
	*e = s->exit;
	return 1;
}

int scx_stop(struct scx_sched *s, struct scx_exit *e)
{
	uint64_t deadline;
	char state[32], ops[SCX_NAME_LEN];
	struct scx_exit k = {};
	int r = scx_poll(s, e);

	if (r <= 0)
		memset(e, 0, sizeof(*e));
	kill_child(s);
	deadline = now_ns() + STOP_TIMEOUT_MS * 1000000ULL;
	for (;;) {
		scx_sysfs_read(s->sysfs, state, sizeof(state), ops, sizeof(ops));
		if (!strcmp(state, "disabled") || now_ns() > deadline)
			break;
		sleep_ms(POLL_MS);
	}
	if (r == 0 && s->sh && scx_shared_get(&s->sh->exited)) {
		/* Stopped by us: the exit op saw SCX_EXIT_UNREG. */
		*e = s->sh->exit;
		snprintf(e->ops, sizeof(e->ops), "%s", s->ops);
		e->source = "uei";
	} else if (r == 0) {
		/* An external one: the kernel's "disabled (reason)" line. */
		read_kmsg(s, &k);
		if (k.reason[0]) {
			*e = k;
			e->source = "kmsg";
		}
	}
	if (strcmp(state, "disabled")) {
		snprintf(e->reason, sizeof(e->reason),
			 "sched_ext state '%.16s' (ops '%.64s') after stopping it",
			 state, ops);
		r = -EBUSY;
	}
	sched_free(s);
	return r;
}

const char *scx_ops_name(const struct scx_sched *s)
{
	return s->ops;
}

pid_t scx_pid(const struct scx_sched *s)
{
	return s->pid;
}

int scx_stats(const struct scx_sched *s, struct ktstr_sched_stats *st)
{
	uint64_t seq;
	int tries;

	if (!s->sh)
		return -ENOTSUP;
	/* A seqcount: retry while the loader is halfway through a copy. */
	for (tries = 0; tries < 100; tries++) {
		seq = __atomic_load_n(&s->sh->stats_seq, __ATOMIC_SEQ_CST);
		memcpy(st, &s->sh->stats, sizeof(*st));
		if (!(seq & 1) &&
		    seq == __atomic_load_n(&s->sh->stats_seq, __ATOMIC_SEQ_CST))
			return 0;
		sleep_ms(1);
	}
	return -EAGAIN;
}
