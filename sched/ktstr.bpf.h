/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common to ktstr's BPF schedulers: the sched_ext BPF headers of the kernel
 * tree (tools/sched_ext/include), exit info recording, statistics.
 */
#ifndef KTSTR_SCHED_KTSTR_BPF_H
#define KTSTR_SCHED_KTSTR_BPF_H

#include <scx/common.bpf.h>

#include "ktstr_sched.h"

char _license[] SEC("license") = "GPL";

struct ktstr_sched_stats stats;

UEI_DEFINE(uei);

/* Userspace names exit kinds by these numbers: fail the build if they moved. */
#define KTSTR_SAME_KIND(k)						\
	_Static_assert(KTSTR_##k == k, #k " differs from ktstr_sched.h")
KTSTR_SAME_KIND(SCX_EXIT_DONE);
KTSTR_SAME_KIND(SCX_EXIT_UNREG);
KTSTR_SAME_KIND(SCX_EXIT_UNREG_BPF);
KTSTR_SAME_KIND(SCX_EXIT_UNREG_KERN);
KTSTR_SAME_KIND(SCX_EXIT_SYSRQ);
KTSTR_SAME_KIND(SCX_EXIT_ERROR);
KTSTR_SAME_KIND(SCX_EXIT_ERROR_BPF);
KTSTR_SAME_KIND(SCX_EXIT_ERROR_STALL);

/*
 * UEI_RECORD() copies the exit strings with bpf_probe_read_kernel_str(),
 * which only exists with CONFIG_BPF_EVENTS (kprobe or uprobe events); the
 * guest kernel has none, and a program using it fails to load. Its "%s"
 * arguments bpf_snprintf() reads with strncpy_from_kernel_nofault() just
 * the same. The layout is user_exit_info's, so UEI_EXITED() etc. work.
 */
#define KTSTR_UEI_RECORD(__uei_name, __ei) ({					\
	BPF_SNPRINTF(__uei_name.reason, sizeof(__uei_name.reason), "%s",	\
		     (__ei)->reason);						\
	BPF_SNPRINTF(__uei_name.msg, sizeof(__uei_name.msg), "%s",		\
		     (__ei)->msg);						\
	if (bpf_core_field_exists((__ei)->exit_code))				\
		__uei_name.exit_code = (__ei)->exit_code;			\
	/* __sync: a full barrier before userspace may see the kind */		\
	__sync_val_compare_and_swap(&__uei_name.kind, __uei_name.kind,		\
				    (__ei)->kind);				\
})

static __always_inline void ktstr_stat_add(__u64 *cnt)
{
	__sync_fetch_and_add(cnt, 1);
}

#endif
