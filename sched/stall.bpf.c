// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr_stall: ktstr_fifo whose dispatch on CPU STALL_CPU never comes
 * back: it spins there with the rq lock held and interrupts off, so that
 * CPU stops (its rq clock with it) while its vCPU runs. The test of the
 * host monitor's not_stuck, which must name the CPU long before the
 * sched_ext watchdog (30 s) could. Two bpf_for() loops of 2^20 each: the
 * verifier accepts them, the guest never sees their end.
 */
#include "ktstr.bpf.h"

#define STALL_CPU 1

u64 stall_spins;

static __always_inline void stall_dispatch(s32 cpu)
{
	int i, j;

	if (cpu != STALL_CPU)
		return;
	bpf_for(i, 0, 1 << 20)
		bpf_for(j, 0, 1 << 20)
			__sync_fetch_and_add(&stall_spins, 1);
}

#define KTSTR_FIFO_NAME "ktstr_stall"
#define KTSTR_FIFO_ON_CPU_DISPATCH(cpu) stall_dispatch(cpu)

#include "fifo.bpf.c"
