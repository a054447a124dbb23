// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr_llc: one FIFO DSQ per last-level cache. A task is queued on the DSQ
 * of the LLC of the CPU it is headed for (select_cpu's pick, which prefers
 * an idle CPU sharing the previous one's LLC), and a CPU consumes its own
 * LLC's DSQ before stealing from the others, nearest LLC number first.
 *
 * The map of CPU to LLC comes from userspace (the declared topology, or
 * sysfs cacheinfo) in rodata before load.
 */
#include "ktstr.bpf.h"

/* const volatile: rodata set by the loader; clang must not fold it. */
const volatile u32 nr_llcs = 1;
const volatile u32 cpu_llc[KTSTR_SCX_MAX_CPUS];

static __always_inline u32 llc_of(s32 cpu)
{
	u32 llc;

	if (cpu < 0 || cpu >= KTSTR_SCX_MAX_CPUS)
		return 0;
	llc = cpu_llc[cpu];
	return llc < nr_llcs && llc < KTSTR_SCX_MAX_LLCS ? llc : 0;
}

s32 BPF_STRUCT_OPS(llc_select_cpu, struct task_struct *p, s32 prev_cpu,
		   u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		ktstr_stat_add(&stats.local);
		ktstr_stat_add(&stats.dispatched);
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(llc_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 llc = llc_of(scx_bpf_task_cpu(p));

	ktstr_stat_add(&stats.enqueued);
	ktstr_stat_add(&stats.dispatched);
	ktstr_stat_add(&stats.llc_enq[llc]);
	scx_bpf_dispatch(p, llc, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(llc_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 own = llc_of(cpu), i, llc;

	if (scx_bpf_consume(own)) {
		ktstr_stat_add(&stats.llc_own[own]);
		return;
	}
	for (i = 1; i < nr_llcs && i < KTSTR_SCX_MAX_LLCS; i++) {
		llc = (own + i) % nr_llcs;
		if (llc < KTSTR_SCX_MAX_LLCS && scx_bpf_consume(llc)) {
			ktstr_stat_add(&stats.llc_steal[llc]);
			return;
		}
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llc_init)
{
	u32 i;
	s32 ret;

	stats.nr_llcs = nr_llcs;
	for (i = 0; i < nr_llcs && i < KTSTR_SCX_MAX_LLCS; i++) {
		ret = scx_bpf_create_dsq(i, -1);
		if (ret)
			return ret;
	}
	return 0;
}

void BPF_STRUCT_OPS(llc_exit, struct scx_exit_info *ei)
{
	KTSTR_UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(llc_ops,
	       .select_cpu	= (void *)llc_select_cpu,
	       .enqueue		= (void *)llc_enqueue,
	       .dispatch	= (void *)llc_dispatch,
	       .init		= (void *)llc_init,
	       .exit		= (void *)llc_exit,
	       .name		= "ktstr_llc");
