// SPDX-License-Identifier: GPL-2.0
/* The VM: /dev/kvm, capabilities, guest RAM, interrupts, exit state. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/perf.h"
#include "vmm/vm.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif
#define HUGETLB_2M	(2ULL << 20)

static const char *const exit_kind_names[] = {
	[VM_EXIT_NONE] = "running",
	[VM_EXIT_POWEROFF] = "power-off",
	[VM_EXIT_REBOOT] = "reboot",
	[VM_EXIT_TIMEOUT] = "timeout",
	[VM_EXIT_ERROR] = "error",
	[VM_EXIT_SIGNAL] = "signal",
};

const char *vm_exit_kind_name(enum vm_exit_kind kind)
{
	return kind < ARRAY_SIZE(exit_kind_names) ? exit_kind_names[kind] : "?";
}

void kvm_ioctl_die(const char *cmd, const char *on, int id)
{
	int err = errno;

	if (id < 0)
		die("%s on %s: %s", cmd, on, strerror(err));
	die("%s on %s %d: %s", cmd, on, id, strerror(err));
}

int kvm_check_access(char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), r = -errno;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	snprintf(err, errlen, "open /dev/kvm: %s (is KVM enabled and accessible?)",
		 strerror(-r));
	return r;
}

struct vm *vm_create(void)
{
	struct vm *vm = xzalloc(sizeof(*vm));
	int api;

	vm->t_start_ns = now_ns();
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		die("open /dev/kvm: %s (is KVM enabled and accessible?)",
		    strerror(errno));
	api = kvm_ioctl(vm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		die("KVM API version %d, expected %d", api, KVM_API_VERSION);
	vm->vm_fd = kvm_ioctl(vm, KVM_CREATE_VM, 0UL);
	vm->run_size = kvm_ioctl(vm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE: %d bytes, less than struct kvm_run",
		    vm->run_size);
	pthread_mutex_init(&vm->lock, NULL);
	return vm;
}

int vm_check_cap(struct vm *vm, long cap)
{
	int r = __vm_ioctl(vm, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

void vm_require_cap(struct vm *vm, long cap, const char *name)
{
	if (!vm_check_cap(vm, cap))
		die("KVM lacks %s, which ktstr needs (host kernel too old?)",
		    name);
}

/*
 * Performance mode: 2 MiB hugetlb pages (reserved at mmap, so a shortage
 * shows here and falls back to regular pages) bound strictly to the host
 * nodes of the vCPUs of guest node @node.
 */
static void *ram_map(struct vm *vm, uint64_t size, int node)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *hva = MAP_FAILED;
	int r;

	if (vm->ram_hugetlb && node >= 0) {
		if (!(size & (HUGETLB_2M - 1)))
			hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				   MAP_HUGE_2MB, -1, 0);
		/* Cleared: the caller reports regular pages. */
		if (hva == MAP_FAILED)
			vm->ram_hugetlb = false;
	}
	if (hva == MAP_FAILED)
		hva = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (hva == MAP_FAILED || !vm->ram_node_mask || node < 0 ||
	    node >= vm->ram_nr_nodes || !vm->ram_node_mask[node])
		return hva;
	r = perf_mbind(hva, size, vm->ram_node_mask[node]);
	if (r) {
		munmap(hva, size);
		errno = -r;
		return MAP_FAILED;
	}
	return hva;
}

/*
 * One anonymous mapping and one memslot per region (ram_map(): hugetlb
 * pages bound to their nodes in performance mode).
 */
int vm_add_ram(struct vm *vm, uint64_t gpa, uint64_t size, int node)
{
	struct kvm_userspace_memory_region r;
	struct mem_region *m;
	void *hva;

	if (vm->nr_regions == VM_MAX_REGIONS)
		return -ENOSPC;
	hva = ram_map(vm, size, node);
	if (hva == MAP_FAILED)
		return -errno;
	r = (struct kvm_userspace_memory_region) {
		.slot = vm->nr_regions,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};
	if (__vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int err = -errno;

		munmap(hva, size);
		return err;
	}
	m = &vm->regions[vm->nr_regions++];
	*m = (struct mem_region){ .gpa = gpa, .size = size, .hva = hva,
				  .node = node };
	if (node >= 0)
		vm->ram_size += size;
	return 0;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < vm->nr_regions; i++) {
		struct mem_region *m = &vm->regions[i];

		if (gpa < m->gpa || gpa - m->gpa >= m->size)
			continue;
		if (len > m->size - (gpa - m->gpa))
			return NULL;
		return m->hva + (gpa - m->gpa);
	}
	return NULL;
}

static void io_bus_add(struct io_bus *bus, uint64_t base, uint64_t len,
		       io_handler_t fn, void *opaque)
{
	bus->ranges = xrealloc(bus->ranges, (bus->nr + 1) * sizeof(*bus->ranges));
	bus->ranges[bus->nr++] = (struct io_range){ base, len, fn, opaque };
}

void vm_register_pio(struct vm *vm, uint64_t base, uint64_t len,
		     io_handler_t fn, void *opaque)
{
	io_bus_add(&vm->pio, base, len, fn, opaque);
}

void vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len,
		      io_handler_t fn, void *opaque)
{
	io_bus_add(&vm->mmio, base, len, fn, opaque);
}

int vm_irq_line(struct vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return __vm_ioctl(vm, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int vm_irqfd(struct vm *vm, uint32_t gsi)
{
	struct kvm_irqfd irqfd = { .gsi = gsi };
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	irqfd.fd = fd;
	if (__vm_ioctl(vm, KVM_IRQFD, &irqfd) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len)
{
	struct kvm_ioeventfd ioev = { .addr = addr, .len = len };
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	ioev.fd = fd;
	if (__vm_ioctl(vm, KVM_IOEVENTFD, &ioev) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->exit_kind, __ATOMIC_ACQUIRE) != VM_EXIT_NONE;
}

/*
 * SIGUSR1 interrupts KVM_RUN (immediate_exit is set first). Only threads
 * still running get it: pthread_kill() on an ended thread is undefined.
 */
static void kick_vcpus(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->run)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (v->started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, SIGUSR1);
	}
}

void vm_request_stop(struct vm *vm, enum vm_exit_kind kind,
		     const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (vm->exit_kind == VM_EXIT_NONE) {
		va_start(ap, fmt);
		vsnprintf(vm->exit_msg, sizeof(vm->exit_msg), fmt, ap);
		va_end(ap);
		__atomic_store_n(&vm->exit_kind, kind, __ATOMIC_RELEASE);
	}
	/* Under the lock: a vCPU thread clears ->started there as it ends. */
	kick_vcpus(vm);
	pthread_mutex_unlock(&vm->lock);
}

void vm_destroy(struct vm *vm)
{
	int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	for (i = 0; i < vm->nr_regions; i++)
		munmap(vm->regions[i].hva, vm->regions[i].size);
	free(vm->pio.ranges);
	free(vm->mmio.ranges);
	close(vm->vm_fd);
	close(vm->kvm_fd);
	if (vm->arch)
		vm_arch_destroy(vm);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}
