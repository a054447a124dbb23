/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host monitor: a service thread that reads the guest kernel's run
 * queues straight out of guest RAM every interval_ms while the vCPUs run
 * (no help from the guest), keeps the samples as a time series and checks
 * that no CPU with work stops: its rq clock must advance while its vCPU
 * thread runs on the host. Needs the guest's vmlinux (symbols + BTF);
 * without one the monitor is off, which is said, never a failure.
 */
#ifndef KTSTR_VMM_MONITOR_H
#define KTSTR_VMM_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

struct vm;

#define MONITOR_INTERVAL_MS	100
#define MONITOR_STALL_MS	2000
/* Samples kept: at most this many CPU records in all (about 3 MiB). */
#define MONITOR_MAX_RECORDS	65536
/* Samples in a row over max_imbalance before it counts. */
#define MONITOR_IMBALANCE_RUN	5

struct monitor_config {
	const char *vmlinux;		/* NULL: monitor off */
	uint32_t interval_ms;		/* 0: MONITOR_INTERVAL_MS */
	uint32_t stall_ms;		/* not_stuck threshold, 0: default */
	uint32_t max_imbalance;		/* max/min nr_running, 0: unchecked */
	uint32_t max_dsq_depth;		/* local DSQ depth, 0: unchecked */
};

/* One CPU in one sample. */
struct monitor_cpu {
	uint64_t clock;			/* rq->clock, ns */
	uint32_t nr_running, scx_nr_running, local_dsq;
	int32_t pid;			/* rq->curr */
	char comm[16];
	bool ok;			/* read without a fault */
};

/* Where a vCPU was when the VM stopped on a timeout. */
struct monitor_pc {
	uint64_t pc;
	char sym[128];			/* "func+0x1a" or the address */
	char comm[16];
	int32_t pid;
	bool task;			/* comm and pid were read */
};

struct monitor_outcome {
	bool enabled;
	char off_reason[256];		/* why not enabled */
	uint32_t interval_ms, stall_ms;
	int nr_cpus;
	uint32_t nr_samples, cap, dropped;	/* past the cap: not kept */
	uint64_t read_errors;
	uint64_t *t_ms;			/* per sample, since the first KVM_RUN */
	struct monitor_cpu *cpus;	/* nr_samples x nr_cpus */
	int8_t *scx_enabled;		/* per sample: 1, 0, -1 unknown */
	int64_t *global_dsq;		/* per sample: node 0's depth, -1 none */
	uint32_t max_nr_running, max_local_dsq;
	uint64_t cost_ns;		/* the monitor thread's CPU time */
	uint64_t sample_cpu_ns;		/* of which in the samples */
	uint64_t load_ns;		/* reading the vmlinux, before the run */
	/* The first failed check, naming the CPU, the time and the value. */
	bool failed;
	uint64_t stuck_cpus;		/* every CPU not_stuck caught (< 64) */
	char fail[512];
	struct monitor_pc *pcs;		/* per vCPU, on a timeout */
	int nr_pcs;
};

struct monitor;

/* Per CPU, for not_stuck: the clock and the vCPU's host run time then. */
struct monitor_stall {
	uint64_t clock, run_ns;
	uint32_t since_ms;		/* sample time of the last change */
};

/*
 * One sample of one CPU through not_stuck: @run_ns is its vCPU thread's
 * host run time so far (0: unknown). True when the CPU was not idle
 * (runnable tasks, or a current task other than pid 0) and its clock
 * stayed put while the vCPU ran more than @stall_ms.
 */
bool monitor_stall_step(struct monitor_stall *s, const struct monitor_cpu *c,
			uint64_t run_ns, uint32_t t_ms, uint32_t stall_ms);

/*
 * Starts the thread: it reads the vmlinux while the guest boots, then
 * samples from the first KVM_RUN on. NULL with @out->off_reason set when
 * the monitor is off; a vmlinux it cannot use says so after the run.
 */
struct monitor *monitor_start(struct vm *vm, const struct monitor_config *cfg,
			      struct monitor_outcome *out);
/* After vm_run(): joins the thread; on a timeout, symbolizes every vCPU. */
void monitor_stop(struct monitor *m, bool timeout);
void monitor_outcome_free(struct monitor_outcome *out);
/* Diagnostic lines and the JSON member "monitor". */
void monitor_format_diag(const struct monitor_outcome *out, struct buf *diag);
void monitor_format_json(const struct monitor_outcome *out, struct buf *json);
/* Per vCPU "vCPU 0: func+0x1a (comm pid)" lines, for the verdict. */
void monitor_format_pcs(const struct monitor_outcome *out, struct buf *b);

#endif
