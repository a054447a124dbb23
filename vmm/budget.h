/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Budget mode: the vCPU threads share N host CPUs, enforced by a host
 * cgroup v2 cpuset (a threaded child of the VMM's own cgroup) that is
 * removed when the run ends, or by sched_setaffinity() when cgroup2 is not
 * writable or has no cpuset controller. Overcommit (vCPUs > N) shows in
 * the guest as steal time.
 */
#ifndef KTSTR_VMM_BUDGET_H
#define KTSTR_VMM_BUDGET_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

struct vm;
struct vcpu;

#define HALT_POLL_NS		200000	/* 200 us */

struct budget {
	int nr_cpus;			/* after capping to the usable CPUs */
	cpu_set_t set;
	char cpus[256];			/* the same, as a CPU list */
	char *cg_dir;			/* threaded cpuset cgroup, or NULL */
	char *cg_parent;		/* the VMM's own cgroup */
	bool enabled_cpuset;		/* we added +cpuset to the parent */
	int placed, verified;		/* vCPU threads placed / checked */
	int failed;			/* vCPU threads that could not be */
	pthread_mutex_t lock;
	struct buf notes;		/* diagnostics, '\n'-separated */
};

/*
 * Chooses @want of the CPUs this process may use (capped, with a note)
 * and prepares the cgroup under @cg_mount (NULL: the cgroup2 mount of
 * /proc/self/mountinfo). Returns 0 or -errno; never fatal for the run.
 */
int budget_setup(struct budget *b, uint32_t want, const char *cg_mount);
/* On each vCPU thread: join the cpuset (or set the affinity), then check. */
int budget_vcpu_thread(struct budget *b, struct vcpu *v);
/*
 * After the vCPU threads ended: removes the cgroup. Returns 0, or -errno
 * when it is still there (a note says so).
 */
int budget_teardown(struct budget *b);
void budget_free(struct budget *b);

/* The cgroup2 mount point from /proc/self/mountinfo, or NULL. */
char *budget_cgroup2_mount(void);
/* PID of a budget-mode cpuset named ktstr-PID-vcpus, else 0. */
int budget_cgroup_owner(const char *name);

/* The host CPUs this process may run on (online and in its affinity). */
int budget_usable_cpus(void);
/*
 * --cpu-cap / KTSTR_CPU_CAP: @s must be a whole number of host CPUs from 1
 * to @usable. Returns 0 with *@cap set, or -EINVAL with the reason in @err
 * (the caller names the option and the value).
 */
int budget_parse_cap(const char *s, int usable, uint32_t *cap, char *err,
		     size_t len);
/*
 * Host CPUs a budget-mode run gets: @cpu_budget (0: all @usable) capped
 * to @cap (0: no cap). 0 when neither is set: no budget mode.
 */
uint32_t budget_effective(uint32_t cpu_budget, uint32_t cap, int usable);

/* 200 us, or 0 when the host is overcommitted (vCPUs > host CPUs). */
uint64_t budget_halt_poll_ns(int nr_vcpus, int host_cpus);
/* KVM_CAP_HALT_POLL on the VM; -EOPNOTSUPP when KVM lacks it. */
int vm_set_halt_poll(struct vm *vm, uint64_t ns);

#endif
