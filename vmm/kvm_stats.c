// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU KVM binary statistics, found by name. The generic halt_* and
 * exits stats are everywhere; the arch-specific ones differ: x86 counts
 * HLT and port I/O exits, arm64 WFI traps and MMIO exits to userspace
 * (arch/arm64/kvm/guest.c: kvm_vcpu_stats_desc), so a stat has the
 * arm64 name as an alternative.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/util.h"
#include "vmm/kvm_stats.h"

static const char *const names[KS_NR][2] = {
	[KS_EXITS] = { "exits" },
	[KS_HALT_EXITS] = { "halt_exits", "wfi_exit_stat" },
	[KS_HALT_WAIT_NS] = { "halt_wait_ns" },
	[KS_HALT_POLL_SUCCESS_NS] = { "halt_poll_success_ns" },
	[KS_HALT_POLL_FAIL_NS] = { "halt_poll_fail_ns" },
	[KS_HALT_SUCCESSFUL_POLL] = { "halt_successful_poll" },
	[KS_HALT_ATTEMPTED_POLL] = { "halt_attempted_poll" },
	[KS_HALT_WAKEUP] = { "halt_wakeup" },
	[KS_IO_EXITS] = { "io_exits", "mmio_exit_user" },
	[KS_IRQ_EXITS] = { "irq_exits" },
	[KS_PREEMPTION_REPORTED] = { "preemption_reported" },
};

static bool is_named(enum kvm_stat_id id, const char *name)
{
	return !strcmp(name, names[id][0]) ||
	       (names[id][1] && !strcmp(name, names[id][1]));
}

/* Sanity bounds: a real vCPU has a few dozen stats with short names. */
#define MAX_DESCS	4096
#define MAX_NAME	1024

const char *kvm_stat_name(enum kvm_stat_id id)
{
	return id < KS_NR ? names[id][0] : "?";
}

int kvm_stats_parse(struct kvm_vcpu_stats *s, int fd)
{
	struct kvm_stats_header h;
	size_t dsz;
	uint8_t *descs;
	uint32_t i;
	int k;

	memset(s->have, 0, sizeof(s->have));
	s->fd = fd;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -EIO;
	if (!h.num_desc || h.num_desc > MAX_DESCS || !h.name_size ||
	    h.name_size > MAX_NAME)
		return -EINVAL;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = xmalloc(dsz * h.num_desc);
	if (pread(fd, descs, dsz * h.num_desc, h.desc_offset) !=
	    (ssize_t)(dsz * h.num_desc)) {
		free(descs);
		return -EIO;
	}
	s->data_offset = h.data_offset;
	for (i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);

		d->name[h.name_size - 1] = '\0';
		for (k = 0; k < KS_NR; k++)
			if (is_named(k, d->name) && d->size == 1) {
				s->off[k] = d->offset;
				s->have[k] = true;
			}
	}
	free(descs);
	return 0;
}

int kvm_stats_open(struct kvm_vcpu_stats *s, int vcpu_fd)
{
	int fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL), r;

	s->fd = -1;
	if (fd < 0)
		return -errno;
	r = kvm_stats_parse(s, fd);
	if (r) {
		close(fd);
		s->fd = -1;
	}
	return r;
}

int kvm_stats_read(const struct kvm_vcpu_stats *s, uint64_t *val)
{
	int k;

	memset(val, 0, KS_NR * sizeof(*val));
	if (s->fd < 0)
		return -EBADF;
	for (k = 0; k < KS_NR; k++) {
		if (!s->have[k])
			continue;
		if (pread(s->fd, &val[k], sizeof(val[k]),
			  s->data_offset + s->off[k]) != sizeof(val[k]))
			return -EIO;
	}
	return 0;
}

void kvm_stats_close(struct kvm_vcpu_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
