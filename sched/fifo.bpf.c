// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr_fifo: one global FIFO, like scx_simple's FIFO mode. A waking task
 * goes straight to an idle CPU when select_cpu finds one, else to the shared
 * DSQ that every CPU consumes from.
 *
 * fail.bpf.c builds the same scheduler under another name with a hook on
 * every dispatch (KTSTR_FIFO_ON_DISPATCH), stall.bpf.c with one on each
 * CPU's ops.dispatch (KTSTR_FIFO_ON_CPU_DISPATCH).
 */
#include "ktstr.bpf.h"

#ifndef KTSTR_FIFO_NAME
#define KTSTR_FIFO_NAME "ktstr_fifo"
#endif
#ifndef KTSTR_FIFO_ON_DISPATCH
#define KTSTR_FIFO_ON_DISPATCH(nr) ((void)(nr))
#endif
#ifndef KTSTR_FIFO_ON_CPU_DISPATCH
#define KTSTR_FIFO_ON_CPU_DISPATCH(cpu) ((void)(cpu))
#endif

#define FIFO_DSQ 0

/* Every task ktstr_fifo puts on a DSQ goes through here. */
static __always_inline void fifo_insert(struct task_struct *p, u64 dsq,
					u64 enq_flags)
{
	u64 nr;

	scx_bpf_dispatch(p, dsq, SCX_SLICE_DFL, enq_flags);
	nr = __sync_fetch_and_add(&stats.dispatched, 1) + 1;
	KTSTR_FIFO_ON_DISPATCH(nr);
}

s32 BPF_STRUCT_OPS(fifo_select_cpu, struct task_struct *p, s32 prev_cpu,
		   u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		ktstr_stat_add(&stats.local);
		fifo_insert(p, SCX_DSQ_LOCAL, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	ktstr_stat_add(&stats.enqueued);
	fifo_insert(p, FIFO_DSQ, enq_flags);
}

void BPF_STRUCT_OPS(fifo_dispatch, s32 cpu, struct task_struct *prev)
{
	KTSTR_FIFO_ON_CPU_DISPATCH(cpu);
	scx_bpf_consume(FIFO_DSQ);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(fifo_init)
{
	return scx_bpf_create_dsq(FIFO_DSQ, -1);
}

void BPF_STRUCT_OPS(fifo_exit, struct scx_exit_info *ei)
{
	KTSTR_UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(fifo_ops,
	       .select_cpu	= (void *)fifo_select_cpu,
	       .enqueue		= (void *)fifo_enqueue,
	       .dispatch	= (void *)fifo_dispatch,
	       .init		= (void *)fifo_init,
	       .exit		= (void *)fifo_exit,
	       .name		= KTSTR_FIFO_NAME);
