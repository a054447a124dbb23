// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in BPF schedulers, loaded like tools/sched_ext/scx_simple.c does
 * (open the skeleton, set rodata, size the UEI dump, load, attach the
 * struct_ops map, poll UEI), but reporting into struct scx_shared instead
 * of exiting on errors. Runs in a process of its own (see scx.c): when it
 * dies its link goes away and the kernel unloads the scheduler.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <scx/common.h>

#include "sched/scx_loader.h"
#include "sched/scx_stats_server.h"
#include "harness/stats_proto.h"
#include "util/util.h"
#include "fail.bpf.skel.h"
#include "fifo.bpf.skel.h"
#include "stall.bpf.skel.h"
#include "llc.bpf.skel.h"

#define POLL_NS (20 * 1000 * 1000)

static struct scx_shared *shared;

/* libbpf's warnings (why a load failed) go to sh->err, not to COM2. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	size_t len;

	if (level == LIBBPF_DEBUG || !shared)
		return 0;
	len = strnlen(shared->err, sizeof(shared->err));
	/* Keep the newest lines: the verifier's last words matter most. */
	if (len > sizeof(shared->err) / 2) {
		memmove(shared->err, shared->err + len / 2, len - len / 2 + 1);
		len -= len / 2;
	}
	vsnprintf(shared->err + len, sizeof(shared->err) - len, fmt, ap);
	return 0;
}

static int load_failed(struct scx_shared *sh, const char *what, int err)
{
	size_t len = strnlen(sh->err, sizeof(sh->err));
	char first[160];

	snprintf(first, sizeof(first), "%s: %s%s", what, strerror(-err),
		 len ? "; libbpf: " : "");
	/* The step goes first, libbpf's detail after it. */
	memmove(sh->err + strlen(first), sh->err,
		MIN(len + 1, sizeof(sh->err) - strlen(first) - 1));
	memcpy(sh->err, first, strlen(first));
	sh->err[sizeof(sh->err) - 1] = '\0';
	scx_shared_set(&sh->phase, SCX_PHASE_FAILED);
	return err;
}

/* What the generic part needs of a loaded skeleton. */
struct scx_view {
	struct bpf_map *ops;
	struct user_exit_info *uei;
	struct ktstr_sched_stats *stats;
};

static void copy_stats(struct scx_shared *sh, const struct scx_view *v)
{
	__atomic_add_fetch(&sh->stats_seq, 1, __ATOMIC_SEQ_CST);
	memcpy(&sh->stats, v->stats, sizeof(sh->stats));
	__atomic_add_fetch(&sh->stats_seq, 1, __ATOMIC_SEQ_CST);
}

static void copy_exit(struct scx_shared *sh, const struct user_exit_info *u)
{
	struct scx_exit *e = &sh->exit;

	e->kind = u->kind;
	e->exit_code = u->exit_code;
	snprintf(e->reason, sizeof(e->reason), "%s", u->reason);
	snprintf(e->msg, sizeof(e->msg), "%s", u->msg);
	scx_shared_set(&sh->exited, 1);
}

static int attach_and_run(struct scx_shared *sh, const struct scx_view *v)
{
	const struct timespec poll = { .tv_nsec = POLL_NS };
	struct bpf_link *link = bpf_map__attach_struct_ops(v->ops);
	struct scx_stats_server *srv;
	char serr[256];
	sigset_t stop;
	int err;

	if (!link) {
		err = -errno;
		/* The kernel may have said why, through the exit op. */
		if (__sync_val_compare_and_swap(&v->uei->kind, -1, -1))
			snprintf(sh->err, sizeof(sh->err), "kernel: %.100s: %.800s",
				 v->uei->reason, v->uei->msg);
		return load_failed(sh, "attach struct_ops", err);
	}
	scx_shared_set(&sh->phase, SCX_PHASE_ATTACHED);
	/* scx_stats clients (the host through the relay) query it here. */
	srv = scx_stats_serve(STATS_SOCK_DFL, scx_builtin_ops(sh->name) ? : sh->name,
			      v->stats, serr, sizeof(serr));
	if (!srv)
		fprintf(stderr, "ktstr: %s: no stats socket: %s\n", sh->name, serr);
	/* The stop signals are blocked: waiting for one is the poll sleep. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	/* UEI_EXITED(): the exit op stored a kind, with a barrier. */
	while (!__sync_val_compare_and_swap(&v->uei->kind, -1, -1)) {
		copy_stats(sh, v);
		if (sigtimedwait(&stop, NULL, &poll) > 0)
			break;
	}
	copy_stats(sh, v);
	scx_stats_server_stop(srv);
	/* A stop request unregisters it now: the exit op records UNREG. */
	bpf_link__destroy(link);
	if (__sync_val_compare_and_swap(&v->uei->kind, -1, -1))
		copy_exit(sh, v->uei);
	scx_shared_set(&sh->phase, SCX_PHASE_DONE);
	return 0;
}

/*
 * SCX_OPS_OPEN()'s and SCX_OPS_LOAD()'s preparation, minus their exit()
 * on failure: hotplug_seq lets the kernel reject a load raced by CPU
 * hotplug, UEI_SET_SIZE() sizes the debug dump buffer.
 */
#define SCX_PREPARE(__sh, __skel, __ops) ({				\
	(__skel)->struct_ops.__ops->hotplug_seq = (__sh)->hotplug_seq;	\
	UEI_SET_SIZE(__skel, __ops, uei);				\
})

/*
 * run_<name>(): open skeleton <name>_bpf, prepare it, let <name>_set()
 * fill its rodata from @sh, load it, then attach struct_ops map @__ops and
 * run until it exits or is stopped. One body for every built-in.
 */
#define DEFINE_SCX_RUN(__name, __ops)					\
static int run_##__name(struct scx_shared *sh)				\
{									\
	struct __name##_bpf *skel = __name##_bpf__open();		\
	int err;							\
									\
	if (!skel)							\
		return load_failed(sh, "open " #__name "_bpf", -errno);	\
	SCX_PREPARE(sh, skel, __ops);					\
	__name##_set(skel, sh);						\
	err = __name##_bpf__load(skel);					\
	if (err) {							\
		load_failed(sh, "load " #__name "_bpf", err);		\
	} else {							\
		struct scx_view v = { skel->maps.__ops,			\
				      &skel->data->uei,			\
				      &skel->bss->stats };		\
									\
		err = attach_and_run(sh, &v);				\
	}								\
	__name##_bpf__destroy(skel);					\
	return err;							\
}

static void fifo_set(struct fifo_bpf *skel, const struct scx_shared *sh)
{
}
DEFINE_SCX_RUN(fifo, fifo_ops)

static void fail_set(struct fail_bpf *skel, const struct scx_shared *sh)
{
	skel->rodata->fail_after = sh->fail_after;
}
DEFINE_SCX_RUN(fail, fifo_ops)

static void stall_set(struct stall_bpf *skel, const struct scx_shared *sh)
{
}
DEFINE_SCX_RUN(stall, fifo_ops)

static void llc_set(struct llc_bpf *skel, const struct scx_shared *sh)
{
	skel->rodata->nr_llcs = sh->nr_llcs;
	memcpy((void *)skel->rodata->cpu_llc, sh->cpu_llc,
	       sizeof(skel->rodata->cpu_llc));
}
DEFINE_SCX_RUN(llc, llc_ops)

/* Every name scx_builtin_ops() knows (harness/registry.c), and its body. */
static const struct {
	const char *name;
	int (*run)(struct scx_shared *sh);
} builtins[] = {
	{ "fifo", run_fifo },
	{ "llc", run_llc },
	{ "fail", run_fail },
	{ "stall", run_stall },
};

int scx_loader_run(struct scx_shared *sh)
{
	size_t i;

	shared = sh;
	libbpf_set_print(libbpf_print);
	for (i = 0; i < ARRAY_SIZE(builtins); i++)
		if (!strncmp(sh->name, builtins[i].name, sizeof(sh->name)))
			return builtins[i].run(sh);
	return load_failed(sh, "no such built-in scheduler", -ENOENT);
}
