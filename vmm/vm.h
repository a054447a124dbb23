/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM: KVM fds, guest RAM, port/MMIO dispatch, interrupts, vCPUs and the
 * reason it stopped. Arch code lives in vmm/<arch>/ behind the hooks of
 * vmm/arch.h.
 */
#ifndef KTSTR_VMM_VM_H
#define KTSTR_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "util/util.h"
#include "vmm/arch.h"

struct vm;
struct vcpu;

/* Why a VM stopped; the first reason recorded wins. */
enum vm_exit_kind {
	VM_EXIT_NONE,
	VM_EXIT_POWEROFF,	/* ACPI or port-based power-off */
	VM_EXIT_REBOOT,		/* i8042 reset or triple fault (guest asked) */
	VM_EXIT_TIMEOUT,	/* watchdog deadline */
	VM_EXIT_ERROR,		/* FAIL_ENTRY, INTERNAL_ERROR, ioctl failure */
	VM_EXIT_SIGNAL,		/* SIGINT/SIGTERM on the host */
};

/*
 * A port or MMIO handler. @off is relative to the registered base; @data
 * holds @len bytes (written by the guest, or to be filled for a read).
 */
typedef void (*io_handler_t)(struct vcpu *vcpu, uint64_t off, uint8_t *data,
			     uint32_t len, bool is_write, void *opaque);

struct io_range {
	uint64_t base, len;
	io_handler_t fn;
	void *opaque;
};

struct io_bus {
	struct io_range *ranges;
	int nr;
};

/* One slot of guest RAM; a NUMA node may span two (below/above the hole). */
struct mem_region {
	uint64_t gpa, size;
	uint8_t *hva;
	int node;
};

#define VM_MAX_REGIONS 64

struct vm {
	int kvm_fd, vm_fd;
	int run_size;			/* KVM_GET_VCPU_MMAP_SIZE */
	uint64_t ram_size;		/* sum of the regions */
	struct mem_region regions[VM_MAX_REGIONS];
	int nr_regions;
	int nr_vcpus;
	struct vcpu *vcpus;
	struct io_bus pio, mmio;
	pthread_mutex_t lock;		/* exit state */
	enum vm_exit_kind exit_kind;
	char exit_msg[1024];
	uint64_t t_start_ns, t_first_run_ns;
	uint64_t cpu_before_run_ns;	/* process CPU time then */
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC, 0: none */
	struct vm_arch *arch;		/* the arch's own state (vmm/arch.h) */
	/*
	 * Host placement (vmm/perf.c, vmm/budget.c): run on each vCPU thread
	 * before its first KVM_RUN (nonzero stops the VM) and on the watchdog.
	 */
	int (*vcpu_thread_hook)(struct vcpu *v, void *opaque);
	void (*service_thread_hook)(void *opaque);
	/* On the watchdog, every 10 ms while the VM runs. */
	void (*service_tick_hook)(struct vm *vm, void *opaque);
	void *hook_opaque;
	bool ram_hugetlb;		/* back RAM with 2 MiB hugetlb pages */
	const uint64_t *ram_node_mask;	/* per guest node: host nodes, or NULL */
	int ram_nr_nodes;
};

struct vcpu {
	struct vm *vm;
	int id, fd;			/* id: index; kvm_id: KVM's vcpu_id */
	uint32_t kvm_id;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	uint64_t exits;
	pid_t tid;			/* host thread, once started */
	/* The thread's schedstat when it ended: on CPU, runnable waiting. */
	uint64_t host_run_ns, host_wait_ns;
};

/*
 * KVM ioctls, as in the KVM selftests: __kvm_ioctl() (/dev/kvm),
 * __vm_ioctl() and __vcpu_ioctl() return the raw result, errno set, for
 * callers that handle a failure; kvm_ioctl(), vm_ioctl() and vcpu_ioctl()
 * die naming the ioctl and the VM or vCPU, for setup that cannot go on.
 */
#define __kvm_ioctl(vm, cmd, arg)	ioctl((vm)->kvm_fd, cmd, arg)
#define __vm_ioctl(vm, cmd, arg)	ioctl((vm)->vm_fd, cmd, arg)
#define __vcpu_ioctl(v, cmd, arg)	ioctl((v)->fd, cmd, arg)
#define kvm_ioctl(vm, cmd, arg)						\
({									\
	int __r = __kvm_ioctl(vm, cmd, arg);				\
									\
	if (__r < 0)							\
		kvm_ioctl_die(#cmd, "/dev/kvm", -1);			\
	__r;								\
})
#define vm_ioctl(vm, cmd, arg)						\
({									\
	int __r = __vm_ioctl(vm, cmd, arg);				\
									\
	if (__r < 0)							\
		kvm_ioctl_die(#cmd, "the VM", -1);			\
	__r;								\
})
#define vcpu_ioctl(v, cmd, arg)						\
({									\
	int __r = __vcpu_ioctl(v, cmd, arg);				\
									\
	if (__r < 0)							\
		kvm_ioctl_die(#cmd, "vCPU", (v)->id);			\
	__r;								\
})
/* "KVM_SET_CPUID2 on vCPU 2: <errno>"; @id -1: @on alone. */
void kvm_ioctl_die(const char *cmd, const char *on, int id) __noreturn;

/* vm.c */
/*
 * 0 when /dev/kvm opens read-write, else -errno and a one-line reason: the
 * commands check it before their TAP plan or raw terminal, since
 * vm_create() can only die.
 */
int kvm_check_access(char *err, size_t errlen);
struct vm *vm_create(void);
void vm_destroy(struct vm *vm);
int vm_check_cap(struct vm *vm, long cap);
/* Dies naming @name when KVM lacks @cap. */
void vm_require_cap(struct vm *vm, long cap, const char *name);
#define VM_REQUIRE_CAP(vm, cap) vm_require_cap(vm, cap, #cap)
/*
 * Guest RAM of NUMA node @node at @gpa; @node -1: a memslot that is not
 * RAM (aarch64's pvtime records): regular pages, not in ram_size.
 */
int vm_add_ram(struct vm *vm, uint64_t gpa, uint64_t size, int node);
/* Host pointer for [gpa, gpa+len) if entirely inside one RAM region. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
void vm_register_pio(struct vm *vm, uint64_t base, uint64_t len,
		     io_handler_t fn, void *opaque);
void vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len,
		      io_handler_t fn, void *opaque);
int vm_irq_line(struct vm *vm, uint32_t gsi, int level);
/* An eventfd whose write injects edge interrupt @gsi (KVM_IRQFD). */
int vm_irqfd(struct vm *vm, uint32_t gsi);
/* An eventfd signalled when the guest writes @len bytes to MMIO @addr. */
int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len);
/* Records the first exit reason and kicks every vCPU out of KVM_RUN. */
void vm_request_stop(struct vm *vm, enum vm_exit_kind kind,
		     const char *fmt, ...) __printf(3, 4);
bool vm_stopping(struct vm *vm);
const char *vm_exit_kind_name(enum vm_exit_kind kind);

/* vcpu.c */
/* vCPU i gets KVM id @ids[i] (the APIC ID on x86). */
int vm_create_vcpus(struct vm *vm, int nr, const uint32_t *ids);
/* Starts one thread per vCPU and waits until all have stopped. */
void vm_run(struct vm *vm, uint64_t deadline_ns);

/* io.c */
bool io_bus_dispatch(struct io_bus *bus, struct vcpu *vcpu, uint64_t addr,
		     uint8_t *data, uint32_t len, bool is_write);

#endif
