/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side tuning of one VM run, and what it observed: performance mode
 * (vmm/perf.h) or budget mode (vmm/budget.h), halt polling, and per-vCPU
 * telemetry (host thread schedstat, KVM binary stats) from start to end.
 *
 * vmm_run() calls, in order: tune_prepare() before the VM exists,
 * tune_vm() before RAM and vCPUs, tune_vcpus() before running,
 * tune_finish() after the vCPU threads ended, tune_release() always.
 */
#ifndef KTSTR_VMM_HOSTTUNE_H
#define KTSTR_VMM_HOSTTUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/topology.h"
#include "util/util.h"
#include "vmm/budget.h"
#include "vmm/kvm_stats.h"
#include "vmm/perf.h"

struct vm;

struct vcpu_telemetry {
	uint64_t busy_ns;		/* vCPU thread on a host CPU */
	uint64_t steal_ns;		/* runnable, waiting: guest steal */
	uint64_t guest_steal_ns;	/* the guest's own steal clock */
	bool guest_steal;		/* guest_steal_ns was readable */
	uint64_t halted_ns;		/* KVM halt_wait_ns */
	uint64_t poll_ns;		/* KVM halt polling, success + fail */
	uint64_t exits, halt_exits;	/* KVM exits, of which HLT */
	uint64_t user_exits;		/* exits to the VMM (I/O, MMIO) */
	bool kvm_stats;			/* KVM_GET_STATS_FD worked */
};

struct tune_outcome {
	bool performance_mode, budget_mode;
	/* Performance mode refused: the run did not happen. */
	enum perf_status perf_status;
	char perf_reason[512];
	bool budget_failed;		/* cpuset not applied or not removed */
	uint32_t cpu_budget;		/* budget mode: host CPUs of the vCPUs */
	uint32_t cpu_cap;		/* --cpu-cap / KTSTR_CPU_CAP, 0: none */
	bool halt_observable;		/* false with HLT exits disabled */
	struct buf notes;		/* diagnostics, '\n'-separated */
	/* Performance mode checked against its plan (vmm/perf_verify.c). */
	bool perf_checked;
	struct buf perf_diffs;		/* a line per difference */
	int nr_vcpus;
	struct vcpu_telemetry *vcpus;
};

struct host_tune {
	bool perf, budget;
	struct perf_state perf_st;
	struct budget bud;
	int nr_vcpus;
	struct kvm_vcpu_stats *stats;
	uint64_t (*start)[KS_NR];
};

/*
 * Performance mode when @perf_mode (and not forced off), else budget mode
 * when @cpu_budget or @cpu_cap: min(@cpu_budget or all usable host CPUs,
 * @cpu_cap) CPUs. @cpu_cap (0: none) also refuses performance mode for a
 * topology needing more host CPUs. Returns 0, or -EAGAIN when performance
 * mode cannot run (o->perf_status, o->perf_reason say why).
 */
int tune_prepare(struct host_tune *h, bool perf_mode, uint32_t cpu_budget,
		 uint32_t cpu_cap, const struct topology *t,
		 struct tune_outcome *o);
/* Exit suppression, realtime hint, RAM backing, halt polling. */
int tune_vm(struct host_tune *h, struct vm *vm, struct tune_outcome *o,
	    char *err, size_t errlen);
/* KVM stats opened and sampled, thread placement hooks installed. */
void tune_vcpus(struct host_tune *h, struct vm *vm, struct tune_outcome *o);
/* Last sample, per-vCPU telemetry, budget cpuset removed. */
void tune_finish(struct host_tune *h, struct vm *vm, struct tune_outcome *o);
void tune_release(struct host_tune *h, struct tune_outcome *o);
void tune_outcome_free(struct tune_outcome *o);

/* TAP diagnostic lines (notes, one line per vCPU). */
void tune_format_diag(const struct tune_outcome *o, struct buf *out);
/*
 * JSON members, without braces: "perf_mode": ..., "cpu_budget": ...,
 * "cpu_cap": ..., "vcpus": [...].
 */
void tune_format_json(const struct tune_outcome *o, struct buf *out);

#endif
