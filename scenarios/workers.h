/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workers: forked processes (so each one can move between cgroups alone)
 * that loop on one kind of work and record their progress in a record
 * mapped MAP_SHARED with the scenario engine: an iteration counter, the
 * gaps between iterations, sched_getcpu() samples and wake latencies
 * (scenarios/metrics.h).
 *
 * Life cycle: workers_spawn() forks a batch; each child joins its cgroup,
 * reports ready and waits; worker_go() starts it. worker_stop() freezes it
 * with SIGSTOP so its record can be read whole, worker_kill() ends it.
 * Children die with the engine (PR_SET_PDEATHSIG).
 */
#ifndef KTSTR_SCENARIOS_WORKERS_H
#define KTSTR_SCENARIOS_WORKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "scenarios/metrics.h"

enum work_type {
	WORK_SPIN,		/* pure CPU */
	WORK_YIELD,		/* short spin, sched_yield() */
	WORK_SLEEP,		/* sleep/wake on a period; timer wake latency */
	WORK_PINGPONG,		/* pairs bouncing a futex; wake latency */
	WORK_BURSTY,		/* spin burst_us, then sleep period_us */
	WORK_CACHE,		/* walk a buffer the size of the LLC */
	WORK_FORK,		/* fork/exit churn */
	WORK_LOCK,		/* pairs: holder and waiter of a shared mutex */
	WORK_WAKEE,		/* woken by a timer-driven stimulus generator */
	WORK_PIPE,		/* pairs bouncing a byte over pipes; wake latency */
	WORK_FANOUT,		/* all woken at once by one futex broadcast */
	WORK_CONTEND,		/* the whole group on one shared mutex */
	WORK_MIXED,		/* spin, yield and short sleeps in turn */
	WORK_CACHE_YIELD,	/* a chunk of WORK_CACHE's walk, sched_yield() */
	WORK_PAGEFAULT,		/* map, fault in and unmap anonymous pages */
	WORK_AFFINITY,		/* re-pins itself to the next allowed CPU */
	WORK_POLICY,		/* cycles SCHED_OTHER, SCHED_BATCH, SCHED_IDLE */
	WORK_NICE,		/* sweeps its nice value up from its start */
	NR_WORK_TYPES,
};

struct work_params {
	uint32_t spin_loops;	/* one unit of CPU work; 0: WORK_SPIN_LOOPS */
	uint32_t period_us;	/* SLEEP/WAKEE period, BURSTY sleep; 0: 1000 */
	uint32_t burst_us;	/* BURSTY spin; 0: 2000 */
	uint64_t cache_bytes;	/* CACHE buffer; 0: LLC size from sysfs */
	int policy;		/* SCHED_OTHER (0), SCHED_BATCH, SCHED_IDLE */
	int nice;
};

#define WORK_SPIN_LOOPS 20000

enum worker_state {
	WORKER_CREATED,
	WORKER_READY,		/* in its cgroup, waiting for go */
	WORKER_FAILED,		/* setup failed: see err */
};

/* The record a worker shares with the engine; one mapping each. */
struct worker_shared {
	uint32_t state;		/* futex: enum worker_state */
	uint32_t go;		/* futex: 1 = run */
	int32_t err;		/* -errno of a failed setup */
	uint64_t iters;
	uint64_t go_ns;		/* when worker_go() released it */
	struct gap_log gaps;
	struct cpu_log cpus;
	struct lat_log lat;
	/* Pairs and stimulus: the channel lives in the first worker's record. */
	uint32_t word;		/* futex */
	uint64_t send_ns;	/* when the last wake-up was sent */
	pthread_mutex_t lock;	/* WORK_LOCK, PTHREAD_PROCESS_SHARED */
};

struct worker {
	pid_t pid;
	enum work_type type;
	struct work_params p;
	struct worker_shared *sh;
	/* PINGPONG/LOCK: the pair's channel; WAKEE: its own */
	struct worker_shared *chan;
	bool leader;		/* first of a pair, or the stimulus generator */
	bool stimulus;		/* the WAKEE group's generator, not measured */
	struct worker **targets;	/* stimulus: the wakees it wakes */
	int nr_targets;
	bool stopped, dead;
	int rfd, wfd;		/* WORK_PIPE: its ends of the pair's pipes */
	/* In the worker: WORK_CACHE's buffer, touched before it is ready. */
	uint8_t *cache;
	uint64_t cache_size;
};

const char *work_type_name(enum work_type t);
/* Parses a work type name as work_type_name() spells it; -EINVAL if none. */
int work_type_parse(const char *s, enum work_type *t);
/* Pairs need an even count; WAKEE and FANOUT add one generator process. */
bool work_type_paired(enum work_type t);

/*
 * Forks @n workers of @type into the cgroup directory @cgroup (NULL: stay
 * in the engine's) and waits until all are ready. The workers are returned
 * in @out[0..n), plus the stimulus generator in @out[n] for WORK_WAKEE
 * (size @out n + 1). Returns 0 or -errno; on failure none is left running.
 */
int workers_spawn(enum work_type type, const struct work_params *p, int n,
		  const char *cgroup, struct worker **out);
/* How many workers workers_spawn() returns for @n of @type. */
int workers_count(enum work_type type, int n);
void worker_go(struct worker *w);
/* SIGSTOP and wait until stopped: its record is then stable. */
int worker_stop(struct worker *w);
int worker_cont(struct worker *w);
/* SIGKILL and reap; the record stays readable. */
void worker_end(struct worker *w);
/* worker_end(), then unmap and free @w. */
void worker_kill(struct worker *w);
uint64_t worker_iters(const struct worker *w);

#endif
