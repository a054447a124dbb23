/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU's KVM binary statistics (KVM_GET_STATS_FD): the descriptors are
 * read once and the counters ktstr reports are found by name, so a kernel
 * without one of them just leaves it unreported.
 */
#ifndef KTSTR_VMM_KVM_STATS_H
#define KTSTR_VMM_KVM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kvm_stat_id {
	KS_EXITS,
	KS_HALT_EXITS,			/* arm64: WFI exits */
	KS_HALT_WAIT_NS,
	KS_HALT_POLL_SUCCESS_NS,
	KS_HALT_POLL_FAIL_NS,
	KS_HALT_SUCCESSFUL_POLL,
	KS_HALT_ATTEMPTED_POLL,
	KS_HALT_WAKEUP,
	KS_IO_EXITS,			/* arm64: MMIO exits to the VMM */
	KS_IRQ_EXITS,
	KS_PREEMPTION_REPORTED,
	KS_NR,
};

struct kvm_vcpu_stats {
	int fd;				/* -1: not available */
	uint64_t data_offset;
	uint32_t off[KS_NR];		/* in the data block, bytes */
	bool have[KS_NR];
};

/* The x86/generic name of @id ("halt_exits"). */
const char *kvm_stat_name(enum kvm_stat_id id);
/* Opens @vcpu_fd's stats; -errno (e.g. -EINVAL on kernels before 5.14). */
int kvm_stats_open(struct kvm_vcpu_stats *s, int vcpu_fd);
/*
 * Parses a stats file image (header, descriptors) from @fd: exposed for
 * tests, which give it a hand-made file.
 */
int kvm_stats_parse(struct kvm_vcpu_stats *s, int fd);
/* Current values; those the kernel lacks read as 0. */
int kvm_stats_read(const struct kvm_vcpu_stats *s, uint64_t *val);
void kvm_stats_close(struct kvm_vcpu_stats *s);

#endif
