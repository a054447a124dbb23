/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by ktstr's BPF schedulers (sched/<name>.bpf.c) and their userspace side:
 * limits, the statistics a scheduler keeps in .bss, and the sched_ext exit
 * kinds. BPF sees __u64 from vmlinux.h, userspace from linux/types.h.
 */
#ifndef KTSTR_SCHED_KTSTR_SCHED_H
#define KTSTR_SCHED_KTSTR_SCHED_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define KTSTR_SCX_MAX_CPUS	1024	/* TOPO_MAX_CPUS */
#define KTSTR_SCX_MAX_LLCS	64

/*
 * enum scx_exit_kind of kernel/sched/ext.c. Userspace cannot include
 * vmlinux.h, so the values are repeated here; ktstr.bpf.h checks them
 * against the guest kernel's BTF at build time.
 */
#define KTSTR_SCX_EXIT_NONE		0
#define KTSTR_SCX_EXIT_DONE		1
#define KTSTR_SCX_EXIT_UNREG		64
#define KTSTR_SCX_EXIT_UNREG_BPF	65
#define KTSTR_SCX_EXIT_UNREG_KERN	66
#define KTSTR_SCX_EXIT_SYSRQ		67
#define KTSTR_SCX_EXIT_ERROR		1024
#define KTSTR_SCX_EXIT_ERROR_BPF	1025
#define KTSTR_SCX_EXIT_ERROR_STALL	1026

/* Counters a scheduler bumps atomically; userspace reads them from .bss. */
struct ktstr_sched_stats {
	__u64 enqueued;			/* ops.enqueue() calls */
	__u64 dispatched;		/* tasks put on any DSQ */
	__u64 local;			/* straight to an idle CPU's local DSQ */
	__u64 nr_llcs;			/* LLC DSQs in use (llc scheduler) */
	__u64 llc_enq[KTSTR_SCX_MAX_LLCS];	/* tasks queued on LLC i */
	__u64 llc_own[KTSTR_SCX_MAX_LLCS];	/* taken by a CPU of LLC i */
	__u64 llc_steal[KTSTR_SCX_MAX_LLCS];	/* taken from LLC i by another */
};

#endif
