// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads and the run loop: one host thread per vCPU, every exit routed
 * from one switch; a watchdog thread enforces the deadline and host signals.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util/hostsig.h"
#include "vmm/vm.h"

static void on_sigusr1(int sig)
{
}

int vm_create_vcpus(struct vm *vm, int nr, const uint32_t *ids)
{
	int i, err;

	vm->vcpus = xzalloc(nr * sizeof(*vm->vcpus));
	vm->nr_vcpus = nr;
	for (i = 0; i < nr; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->kvm_id = ids ? ids[i] : (uint32_t)i;
		v->fd = __vm_ioctl(vm, KVM_CREATE_VCPU, (unsigned long)v->kvm_id);
		if (v->fd < 0)
			return -errno;
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return -errno;
		}
		err = vcpu_arch_init(v);
		if (err)
			return err;
	}
	return 0;
}

static void vcpu_fail(struct vcpu *v, const char *what)
{
	struct buf regs = {};

	vcpu_arch_dump(v, &regs);
	buf_putc(&regs, 0);
	vm_request_stop(v->vm, VM_EXIT_ERROR, "vCPU %d: %s\n%s", v->id, what,
			(char *)regs.data);
	buf_free(&regs);
}

static void vcpu_pio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size)
		io_bus_dispatch(&v->vm->pio, v, run->io.port, data,
				run->io.size,
				run->io.direction == KVM_EXIT_IO_OUT);
}

/* Returns false when this vCPU's loop must end. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char what[128];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_pio(v);
		return true;
	case KVM_EXIT_MMIO:
		io_bus_dispatch(&v->vm->mmio, v, run->mmio.phys_addr,
				run->mmio.data, run->mmio.len,
				run->mmio.is_write);
		return true;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fail(v, "triple fault (KVM_EXIT_SHUTDOWN)");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what),
			 "KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_fail(v, what);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what),
			 "KVM_EXIT_INTERNAL_ERROR, suberror %u",
			 run->internal.suberror);
		vcpu_fail(v, what);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			vm_request_stop(v->vm, VM_EXIT_POWEROFF,
					"system event: shutdown");
		else
			vm_request_stop(v->vm, VM_EXIT_REBOOT,
					"system event: type %u",
					run->system_event.type);
		return false;
	default:
		return vcpu_arch_handle_exit(v);
	}
}

/* On CPU and runnable-but-waiting time of the calling thread, so far. */
static void thread_schedstat(struct vcpu *v)
{
	unsigned long long run = 0, wait = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	struct timespec ts;

	if (f && fscanf(f, "%llu %llu", &run, &wait) == 2) {
		v->host_run_ns = run;
		v->host_wait_ns = wait;
	} else if (!clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) {
		v->host_run_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	if (f)
		fclose(f);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char name[16];
	int r;

	snprintf(name, sizeof(name), "ktstr-vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	v->tid = gettid();
	r = vm->vcpu_thread_hook ? vm->vcpu_thread_hook(v, vm->hook_opaque) : 0;
	if (r)
		vm_request_stop(vm, VM_EXIT_ERROR,
				"vCPU %d: host placement failed: %s", v->id,
				strerror(-r));
	while (!vm_stopping(vm)) {
		if (v->id == 0 && !vm->t_first_run_ns) {
			struct timespec ts;

			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
			vm->cpu_before_run_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
			vm->t_first_run_ns = now_ns();
		}
		if (__vcpu_ioctl(v, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vcpu_fail(v, strerror(errno));
			break;
		}
		v->exits++;
		if (!vcpu_handle_exit(v))
			break;
	}
	thread_schedstat(v);
	pthread_mutex_lock(&vm->lock);
	v->started = false;
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

#define WATCHDOG_STALL_NS	1000000000ULL

/* Stops the VM at the deadline or on a host signal (util/hostsig.h). */
static void *watchdog_thread(void *arg)
{
	struct vm *vm = arg;
	uint64_t deadline = vm->deadline_ns, last = now_ns(), now;

	pthread_setname_np(pthread_self(), "ktstr-watchdog");
	if (vm->service_thread_hook)
		vm->service_thread_hook(vm->hook_opaque);
	while (!vm_stopping(vm)) {
		int sig = hostsig_pending();

		/*
		 * A poll that comes over a second late: the whole VMM was
		 * stopped (SIGSTOP, a suspended host) and the guest with it;
		 * that time is not the guest's.
		 */
		now = now_ns();
		if (deadline && now - last > WATCHDOG_STALL_NS)
			deadline += now - last;
		last = now;

		if (sig) {
			vm_request_stop(vm, VM_EXIT_SIGNAL, "host signal %d (%s)",
					sig, sigabbrev_np(sig));
			break;
		}
		if (deadline && now_ns() >= deadline) {
			vm_request_stop(vm, VM_EXIT_TIMEOUT,
					"watchdog: guest still running after %.1f s",
					(now_ns() - vm->t_start_ns) / 1e9);
			break;
		}
		if (vm->service_tick_hook)
			vm->service_tick_hook(vm, vm->hook_opaque);
		usleep(10000);
	}
	return NULL;
}

void vm_run(struct vm *vm, uint64_t deadline_ns)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	pthread_t wd;
	int i;

	sigaction(SIGUSR1, &sa, NULL);
	/* Once per process: a signal stops this VM and every later one. */
	hostsig_install();
	vm->deadline_ns = deadline_ns;
	if (pthread_create(&wd, NULL, watchdog_thread, vm))
		die("cannot start the watchdog thread");
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		pthread_mutex_lock(&vm->lock);
		if (pthread_create(&v->thread, NULL, vcpu_thread, v))
			die("cannot start vCPU thread %d", i);
		v->started = true;
		pthread_mutex_unlock(&vm->lock);
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		pthread_join(vm->vcpus[i].thread, NULL);
	/* Every vCPU has returned: make sure the watchdog sees a stop. */
	vm_request_stop(vm, VM_EXIT_ERROR, "all vCPUs stopped");
	pthread_join(wd, NULL);
}
