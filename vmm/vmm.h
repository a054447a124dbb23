/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot one kernel in one VM and collect what it said: the builder every
 * caller (test runner, shell, bench) goes through.
 */
#ifndef KTSTR_VMM_VMM_H
#define KTSTR_VMM_VMM_H

#include <stdint.h>

#include "harness/topology.h"
#include "util/util.h"
#include "vmm/hosttune.h"
#include "vmm/monitor.h"
#include "vmm/sink.h"
#include "vmm/stats_relay.h"
#include "vmm/vm.h"

struct vmm_config {
	const char *kernel;		/* bzImage */
	const char *initrd;		/* gzip'ed cpio, or NULL */
	struct topology topo;
	const char *cmdline_extra;	/* appended kernel arguments */
	const char *init_args;		/* passed to /init after "--" */
	uint64_t timeout_ms;		/* watchdog; 0: none */
	int console_fd;			/* stream COM1 here too, or -1 */
	int com2_fd;			/* stream COM2 here too, or -1 */
	int hvc_fd;			/* stream virtio console port 0, or -1 */
	int stdin_fd;			/* forward to port 0 (shell), or -1 */
	bool no_virtio;			/* leave out the virtio-console */
	/*
	 * Describe the virtio-mmio devices in firmware (x86: the ACPI DSDT)
	 * instead of virtio_mmio.device= on the command line: for a kernel
	 * whose virtio_mmio is a module or lacks CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES.
	 */
	bool virtio_in_firmware;
	bool performance_mode;		/* vmm/perf.h; refused: -EAGAIN */
	uint32_t cpu_budget;		/* host CPUs for the vCPUs, 0: all */
	uint32_t cpu_cap;		/* at most N host CPUs (--cpu-cap), 0: any */
	/* Scheduler stats relay (vmm/stats_relay.h): socket and sampler. */
	const char *stats_sock;		/* host unix socket, or NULL */
	uint32_t stats_interval_ms;	/* sample every N ms, 0: never */
	struct monitor_config monitor;	/* host monitor, vmm/monitor.h */
};

struct vmm_outcome {
	enum vm_exit_kind exit_kind;
	char exit_msg[1024];
	struct buf com1, com2;
	struct buf data;		/* virtio-console port 1: TLV stream */
	struct buf hvc;			/* virtio-console port 0 */
	/* Guest bytes past each channel's cap (vmm/sink.h), not kept. */
	uint64_t dropped[VMM_NR_CHANS];
	bool has_virtio_console;
	/* The guest's driver spoke to it (a control message): a kernel
	 * with virtio-console as a module, or none, never does.
	 */
	bool console_driven;
	uint64_t setup_ns;		/* vmm_run start to VM ready to run */
	uint64_t start_ns;		/* process start to vmm_run start */
	uint64_t pid1_ns;		/* process start to the first COM2 byte */
	uint64_t cpu_before_run_ns;	/* process CPU time at first KVM_RUN */
	uint64_t peak_rss, guest_rss;	/* bytes: VmHWM, guest RAM resident */
	uint64_t guest_hugetlb;		/* guest RAM resident in hugetlb pages */
	uint64_t run_ns;		/* first KVM_RUN to stop */
	uint64_t exits;
	struct tune_outcome tune;	/* perf/budget mode, vCPU telemetry */
	struct stats_relay_outcome stats;	/* scheduler stats samples */
	struct monitor_outcome monitor;	/* the guest's run queues, from the host */
};

/* Returns 0 when the VM ran (whatever the guest did), else -errno + @err. */
int vmm_run(const struct vmm_config *cfg, struct vmm_outcome *out, char *err,
	    size_t errlen);
void vmm_outcome_free(struct vmm_outcome *out);

/* What vm_arch_boot() loads: the kernel and initramfs files. */
struct vmm_boot_files {
	int kernel_fd, initrd_fd;	/* initrd_fd -1: none */
	uint64_t kernel_size, initrd_size;
	const uint8_t *kernel_head;	/* the first head_len bytes */
	size_t head_len;
};

/* Bytes of the kernel read up front: the whole real-mode setup fits. */
#define VMM_KERNEL_HEAD (64 * 1024)

#endif
