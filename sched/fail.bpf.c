// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr_fail: ktstr_fifo that calls scx_bpf_error() on its fail_after'th
 * dispatch, so the kernel kicks it out with SCX_EXIT_ERROR_BPF: the test of
 * ktstr's SCHED_EXIT detection. fail_after is set by the loader.
 */
#include "ktstr.bpf.h"

/* const volatile: rodata set by the loader; clang must not fold it. */
const volatile u64 fail_after = 20;

#define KTSTR_FAIL_MSG "ktstr_fail: deliberate scx_bpf_error after %llu dispatches"
#define KTSTR_FIFO_NAME "ktstr_fail"
#define KTSTR_FIFO_ON_DISPATCH(nr)					\
	do {								\
		if ((nr) == fail_after)					\
			scx_bpf_error(KTSTR_FAIL_MSG, (nr));		\
	} while (0)

#include "fifo.bpf.c"
