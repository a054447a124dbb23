/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Performance mode: every virtual LLC on its own locked host LLC group,
 * every vCPU thread pinned to its own host core there at SCHED_FIFO 1, one
 * more host CPU for the service threads (watchdog at SCHED_FIFO 2, console
 * I/O), guest RAM from 2 MiB hugepages bound to the pinned vCPUs'
 * nodes, PAUSE/HLT exits off and KVM_HINTS_REALTIME on x86.
 *
 * Performance mode never runs unisolated: when the host cannot honour the
 * plan the run is refused as PERF_UNAVAILABLE (permanent) or
 * PERF_CONTENTION (another run holds an LLC), and the test skips.
 */
#ifndef KTSTR_VMM_PERF_H
#define KTSTR_VMM_PERF_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/topology.h"
#include "util/util.h"
#include "vmm/hostinfo.h"

struct vm;
struct vcpu;

enum perf_status {
	PERF_OK,
	PERF_UNAVAILABLE,	/* PerfModeUnavailable: the host can't, ever */
	PERF_CONTENTION,	/* ResourceContention: an LLC is busy now */
};

const char *perf_status_name(enum perf_status s);

struct perf_plan {
	int nr_vcpus;
	int vcpu_cpu[TOPO_MAX_CPUS];	/* host CPU of each vCPU */
	int nr_llcs;
	int host_llc[TOPO_MAX_CPUS];	/* host LLC group of each virtual LLC */
	int service_cpu;		/* no vCPU runs here */
	int service_llc;		/* extra group claimed for it, or -1 */
	uint64_t node_mask[TOPO_MAX_NODES];	/* host nodes per guest node */
};

/* Claims host LLC group @llc for this run; false: another run holds it. */
typedef bool (*perf_claim_fn)(int llc, void *opaque);

/*
 * Maps @t onto @h. @claim (NULL: everything is free) is asked for each
 * group the plan takes. On failure @reason gets one line, e.g.
 * "LLC 3 busy" or "host has 4 online CPUs, ...".
 */
enum perf_status perf_plan_build(const struct host_info *h,
				 const struct topology *t, perf_claim_fn claim,
				 void *opaque, struct perf_plan *p,
				 char *reason, size_t len);

/*
 * --cpu-cap / KTSTR_CPU_CAP: performance mode takes the vCPUs of @t plus
 * one service CPU; more than @cap (0: no cap) host CPUs is
 * PERF_UNAVAILABLE, with a @reason naming the cap.
 */
enum perf_status perf_cap_check(const struct topology *t, uint32_t cap,
				char *reason, size_t len);

/* Exclusive per-LLC flock()s under a run directory. */
struct perf_locks {
	char *dir;
	int fd[HOST_MAX_CPUS];	/* by host LLC, -1: not held */
};

/*
 * $KTSTR_LOCK_DIR, /run/ktstr, $XDG_RUNTIME_DIR/ktstr or the cache's
 * locks/: the first one that can be created. Caller frees.
 */
char *perf_lock_dir(void);
/* @l must be zeroed or released; @dir NULL: nothing held, no directory. */
int perf_locks_init(struct perf_locks *l, const char *dir);
/* 0: held now; -EBUSY: another process holds it; else -errno. */
int perf_lock_llc(struct perf_locks *l, int llc);
void perf_locks_release(struct perf_locks *l);

#define PERF_PRIO_VCPU		1
#define PERF_PRIO_SERVICE	2

/* The 2 MiB hugepage pool's counts; -1: unknown. */
struct hugepage_pool {
	long free, resv;
};

/* perf_verify.c: the plan checked while the VM runs and after. */
struct perf_check {
	bool ran;
	struct hugepage_pool before, during;
	int llc_held[HOST_MAX_CPUS], nr_llc_held;
	char *lock_dir;
	struct buf diffs;		/* differences from the plan, a line each */
};

struct perf_state {
	bool active;
	int placed;			/* vCPU threads placed (atomic) */
	struct perf_check check;
	struct perf_plan plan;
	struct perf_locks locks;
	bool hugepages;			/* enough free 2 MiB pages */
	bool rt_refused;		/* SCHED_FIFO not permitted */
	unsigned int rt_noted;		/* bit per priority: success noted */
	cpu_set_t saved_affinity;	/* of the calling thread */
	bool affinity_saved;
	pthread_mutex_t lock;		/* notes, rt_refused, rt_noted */
	struct buf notes;		/* warnings and facts, '\n'-separated */
};

/* "1" in KTSTR_NO_PERF_MODE, or perf_mode_force_off(true) (--no-perf-mode). */
void perf_mode_force_off(bool off);
bool perf_mode_forced_off(void);
/* KTSTR_NO_SKIP_MODE=1: a skip of performance mode is a failure. */
bool perf_no_skip_mode(void);

/*
 * Plans, locks and checks the host for @t with @ram_bytes of guest RAM.
 * On PERF_OK the calling thread moves to the service CPU (threads it
 * starts later inherit that) until perf_release().
 */
enum perf_status perf_prepare(struct perf_state *s, const struct topology *t,
			      uint64_t ram_bytes, char *reason, size_t len);
/* On vCPU thread @v: pin to its core, SCHED_FIFO 1. */
int perf_vcpu_thread(struct perf_state *s, struct vcpu *v);
/* On a service thread: the service CPU, SCHED_FIFO 2. */
void perf_service_thread(struct perf_state *s);
void perf_release(struct perf_state *s);
void perf_hugepage_pool(struct hugepage_pool *p);
/*
 * Once every vCPU thread is placed, from a service thread: threads, guest
 * RAM, the hugepage pool and the LLC locks against the plan.
 */
void perf_verify_running(struct perf_state *s, const struct vm *vm);
/* After the VM is destroyed and the locks released: all given back. */
void perf_verify_released(struct perf_state *s);
void perf_note(struct perf_state *s, const char *fmt, ...) __printf(2, 3);

/* mbind(MPOL_BIND) of [addr, addr+len) to the host nodes in @mask. */
int perf_mbind(void *addr, uint64_t len, uint64_t mask);

#endif
