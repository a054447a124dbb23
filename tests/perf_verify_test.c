// SPDX-License-Identifier: GPL-2.0
/*
 * Performance mode's check against its plan (vmm/perf_verify.c), on this
 * process: a thread placed as planned passes, one that is not is named,
 * and so is guest RAM without its planned NUMA binding.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm/perf.h"
#include "vmm/vm.h"

struct fake_vcpu {
	struct vcpu *v;
	int cpu;		/* pin to it, -1: leave the thread alone */
	int prio;		/* SCHED_FIFO priority, 0: stay SCHED_OTHER */
	pthread_barrier_t *ready, *done;
};

static void *vcpu_thread(void *arg)
{
	struct fake_vcpu *f = arg;
	struct sched_param sp = { .sched_priority = f->prio };
	cpu_set_t set;

	f->v->tid = gettid();
	pthread_setname_np(pthread_self(), "ktstr-vcpu0");
	if (f->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(f->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (f->prio)
		pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	pthread_barrier_wait(f->ready);
	pthread_barrier_wait(f->done);
	return NULL;
}

FIXTURE(verify) {
	struct perf_state s;
	struct vm vm;
	struct vcpu vcpu;
	pthread_barrier_t ready, done;
	pthread_t thread;
	cpu_set_t saved;
	bool running;
	struct fake_vcpu *f;	/* the thread's, alive until the teardown */
};

FIXTURE_SETUP(verify)
{
	cpu_set_t set;

	memset(&self->s, 0, sizeof(self->s));
	pthread_mutex_init(&self->s.lock, NULL);
	perf_locks_init(&self->s.locks, NULL);
	self->s.active = true;
	self->s.plan.nr_vcpus = 1;
	self->s.plan.vcpu_cpu[0] = 0;
	self->s.plan.service_cpu = 1;
	memset(&self->vm, 0, sizeof(self->vm));
	self->vcpu = (struct vcpu){ .vm = &self->vm, .id = 0 };
	self->vm.vcpus = &self->vcpu;
	self->vm.nr_vcpus = 1;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs (a vCPU's and the service CPU)");
	/* This thread (and any other) is a service thread: on CPU 1. */
	sched_getaffinity(0, sizeof(self->saved), &self->saved);
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
}

FIXTURE_TEARDOWN(verify)
{
	if (self->running) {
		pthread_barrier_wait(&self->done);
		pthread_join(self->thread, NULL);
	}
	free(self->f);
	sched_setaffinity(0, sizeof(self->saved), &self->saved);
	perf_release(&self->s);
}

static void start_vcpu(struct _test_data_verify *self, int cpu, int prio)
{
	pthread_barrier_init(&self->ready, NULL, 2);
	pthread_barrier_init(&self->done, NULL, 2);
	self->f = xzalloc(sizeof(*self->f));
	*self->f = (struct fake_vcpu){ .v = &self->vcpu, .cpu = cpu,
				       .prio = prio, .ready = &self->ready,
				       .done = &self->done };
	pthread_create(&self->thread, NULL, vcpu_thread, self->f);
	pthread_barrier_wait(&self->ready);
	self->running = true;
}

static const char *diffs(struct perf_state *s)
{
	buf_putc(&s->check.diffs, 0);
	s->check.diffs.len--;
	return (char *)s->check.diffs.data;
}

TEST_F(verify, placed_as_planned)
{

	if (getuid())
		SKIP(return, "SCHED_FIFO needs root");
	start_vcpu(self, 0, PERF_PRIO_VCPU);
	perf_verify_running(&self->s, &self->vm);
	EXPECT_TRUE(self->s.check.ran);
	EXPECT_EQ(0, self->s.check.diffs.len) TH_LOG("%s", diffs(&self->s));
	EXPECT_NE(NULL, memmem(self->s.notes.data, self->s.notes.len,
			       "1 vCPU threads each alone", 25));
}

TEST_F(verify, unpinned_vcpu_named)
{
	char want[128];

	start_vcpu(self, -1, 0);
	perf_verify_running(&self->s, &self->vm);
	snprintf(want, sizeof(want), "vCPU 0 thread %d: CPU affinity 1, planned host CPU 0",
		 self->vcpu.tid);
	EXPECT_NE(NULL, strstr(diffs(&self->s), want)) TH_LOG("%s", diffs(&self->s));
	snprintf(want, sizeof(want), "vCPU 0 thread %d: SCHED_OTHER priority 0, planned SCHED_FIFO 1",
		 self->vcpu.tid);
	EXPECT_NE(NULL, strstr(diffs(&self->s), want));
}

TEST_F(verify, service_thread_elsewhere_named)
{
	char want[128];

	if (getuid())
		SKIP(return, "SCHED_FIFO needs root");
	start_vcpu(self, 0, PERF_PRIO_VCPU);
	self->s.plan.service_cpu = 0;	/* this thread is on 1 */
	perf_verify_running(&self->s, &self->vm);
	snprintf(want, sizeof(want), "service thread %d (", gettid());
	EXPECT_NE(NULL, strstr(diffs(&self->s), want)) TH_LOG("%s", diffs(&self->s));
	EXPECT_NE(NULL, strstr(diffs(&self->s), "CPU affinity 1, planned host CPU 0"));
}

TEST_F(verify, unbound_ram_named)
{
	size_t len = 4 << 20;
	void *ram = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ram);
	self->vm.regions[0] = (struct mem_region){ .gpa = 0x100000,
						   .size = len, .hva = ram };
	self->vm.nr_regions = 1;
	self->vm.ram_size = len;
	self->s.plan.node_mask[0] = 1;
	start_vcpu(self, 0, getuid() ? 0 : PERF_PRIO_VCPU);
	perf_verify_running(&self->s, &self->vm);
	EXPECT_NE(NULL, strstr(diffs(&self->s),
			       "guest RAM at 0x100000: memory policy 0 nodes 0, planned MPOL_BIND to 0x1"))
		TH_LOG("%s", diffs(&self->s));
	/* Bound as planned: no difference about it. */
	self->s.check.ran = false;
	self->s.check.diffs.len = 0;
	ASSERT_EQ(0, perf_mbind(ram, len, 1));
	perf_verify_running(&self->s, &self->vm);
	EXPECT_EQ(NULL, strstr(diffs(&self->s), "guest RAM")) TH_LOG("%s", diffs(&self->s));
	munmap(ram, len);
}

TEST_HARNESS_MAIN
