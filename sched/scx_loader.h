/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the sched_ext manager (scx.c) and the process that loads a
 * built-in BPF scheduler (scx_loader.c): one MAP_SHARED page set, written
 * before fork() for the inputs and by the loader for the outputs.
 */
#ifndef KTSTR_SCHED_SCX_LOADER_H
#define KTSTR_SCHED_SCX_LOADER_H

#include "sched/scx.h"

enum scx_phase {
	SCX_PHASE_LOADING,
	SCX_PHASE_ATTACHED,
	SCX_PHASE_FAILED,		/* err says why */
	SCX_PHASE_DONE,			/* detached; exit valid if exited */
};

#define SCX_ERR_LEN 1024

struct scx_shared {
	/* inputs */
	char name[16];
	uint64_t fail_after;
	uint64_t hotplug_seq;
	uint32_t nr_llcs;
	uint32_t cpu_llc[KTSTR_SCX_MAX_CPUS];
	/* outputs */
	int phase;			/* enum scx_phase; __atomic */
	char err[SCX_ERR_LEN];
	int exited;			/* exit holds the UEI; __atomic */
	struct scx_exit exit;
	uint64_t stats_seq;		/* odd while stats is written */
	struct ktstr_sched_stats stats;
};

/*
 * In the scheduler process: open, load and attach built-in @sh->name, keep
 * it until SIGTERM/SIGINT (blocked by the caller) or until it exits, then
 * detach. Returns 0 or -errno.
 */
int scx_loader_run(struct scx_shared *sh);

static inline int scx_shared_get(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void scx_shared_set(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#endif
