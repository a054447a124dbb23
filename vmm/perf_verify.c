// SPDX-License-Identifier: GPL-2.0
/*
 * Performance mode checked against its plan from outside the guest, while
 * it runs: each thread's CPU affinity and scheduling policy as the kernel
 * reports them (/proc/self/task), guest RAM's page size (/proc/self/smaps)
 * and NUMA policy (get_mempolicy), the hugepage pool, the LLC locks. Then,
 * after the VM is gone, that the pool and the locks were given back.
 *
 * Every fact goes to the notes as "perf check: ...", every difference from
 * the plan as one line in @diffs, which the perf tests' host check turns
 * into a failure naming it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/perf.h"
#include "vmm/vm.h"

#define HP_DIR	"/sys/kernel/mm/hugepages/hugepages-2048kB/"

static void __printf(2, 3) differs(struct perf_state *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&s->lock);
	buf_vprintf(&s->check.diffs, fmt, ap);
	buf_putc(&s->check.diffs, '\n');
	pthread_mutex_unlock(&s->lock);
	va_end(ap);
}

static long pool_count(const char *file)
{
	long long v;

	return read_proc_value(file, "", &v) ? -1 : v;
}

/*
 * The two counts as of one moment: a page faulted in between two reads
 * moves one from reserved to in use, so read until free stands still.
 */
void perf_hugepage_pool(struct hugepage_pool *p)
{
	long again;
	int i;

	for (i = 0; i < 100; i++) {
		p->free = pool_count(HP_DIR "free_hugepages");
		p->resv = pool_count(HP_DIR "resv_hugepages");
		again = pool_count(HP_DIR "free_hugepages");
		if (again == p->free)
			break;
	}
}

struct task_sched {
	uint64_t allowed[HOST_MAX_CPUS / 64];
	int policy, prio;
	char comm[32];
};

/* /proc/self/task/@tid: allowed CPUs, policy and RT priority, name. */
static int task_sched_read(pid_t tid, struct task_sched *t)
{
	struct buf b = {};
	char path[64], *p, *line;
	int i, r = -EIO;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if (read_file(path, &b))
		return -errno ? : -EIO;
	buf_putc(&b, 0);
	line = strstr((char *)b.data, "\nCpus_allowed_list:");
	if (line) {
		line += strlen("\nCpus_allowed_list:");
		line[strcspn(line, "\n")] = 0;
		if (cpulist_parse(line + strspn(line, " \t"), t->allowed,
				  HOST_MAX_CPUS) >= 0)
			r = 0;
	}
	b.len = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (r || read_file(path, &b))
		goto out;
	buf_putc(&b, 0);
	/* "pid (comm) state ...": rt_priority is field 40, policy 41. */
	p = strchr((char *)b.data, '(');
	line = strrchr((char *)b.data, ')');
	if (!p || !line || line < p) {
		r = -EIO;
		goto out;
	}
	snprintf(t->comm, sizeof(t->comm), "%.*s", (int)(line - p - 1), p + 1);
	p = line + 2;
	for (i = 3; i < 40 && p; i++) {
		p = strchr(p, ' ');
		p = p ? p + 1 : NULL;
	}
	if (!p || sscanf(p, "%d %d", &t->prio, &t->policy) != 2)
		r = -EIO;
out:
	buf_free(&b);
	return r;
}

/* The one CPU allowed, -1 for none or several. */
static int only_cpu(const struct task_sched *t)
{
	int i, cpu = -1;

	for (i = 0; i < HOST_MAX_CPUS; i++) {
		if (!(t->allowed[i / 64] & (1ULL << (i % 64))))
			continue;
		if (cpu >= 0)
			return -1;
		cpu = i;
	}
	return cpu;
}

static const char *policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER:
		return "SCHED_OTHER";
	case SCHED_FIFO:
		return "SCHED_FIFO";
	case SCHED_RR:
		return "SCHED_RR";
	case SCHED_BATCH:
		return "SCHED_BATCH";
	case SCHED_IDLE:
		return "SCHED_IDLE";
	}
	return "another policy";
}

static void allowed_text(const struct task_sched *t, char *out, size_t len)
{
	int cpus[64], i, n = 0;

	for (i = 0; i < HOST_MAX_CPUS && n < 64; i++)
		if (t->allowed[i / 64] & (1ULL << (i % 64)))
			cpus[n++] = i;
	cpulist_format(cpus, n, out, len);
}

static const struct vcpu *vcpu_of(const struct vm *vm, pid_t tid)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].tid == tid)
			return &vm->vcpus[i];
	return NULL;
}

/* One thread against the plan; @v NULL: a service thread. */
static void check_thread(struct perf_state *s, pid_t tid, const struct vcpu *v,
			 int *nr_service)
{
	int want_cpu = v ? s->plan.vcpu_cpu[v->id] : s->plan.service_cpu;
	struct task_sched t;
	char who[64], cpus[128];

	if (task_sched_read(tid, &t))
		return;		/* gone since the directory was read */
	if (v)
		snprintf(who, sizeof(who), "vCPU %d thread %d", v->id, tid);
	else
		snprintf(who, sizeof(who), "service thread %d (%s)", tid, t.comm);
	if (only_cpu(&t) != want_cpu) {
		allowed_text(&t, cpus, sizeof(cpus));
		differs(s, "%s: CPU affinity %s, planned host CPU %d", who,
			cpus, want_cpu);
	}
	if (v && (t.policy != SCHED_FIFO || t.prio != PERF_PRIO_VCPU))
		differs(s, "%s: %s priority %d, planned SCHED_FIFO %d", who,
			policy_name(t.policy), t.prio, PERF_PRIO_VCPU);
	if (!v && !strcmp(t.comm, "ktstr-watchdog") &&
	    (t.policy != SCHED_FIFO || t.prio != PERF_PRIO_SERVICE))
		differs(s, "%s: %s priority %d, planned SCHED_FIFO %d", who,
			policy_name(t.policy), t.prio, PERF_PRIO_SERVICE);
	if (!v)
		(*nr_service)++;
}

static void check_threads(struct perf_state *s, const struct vm *vm)
{
	int nr_service = 0, nr_vcpu = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");

	if (!dir) {
		differs(s, "cannot read /proc/self/task: %s", strerror(errno));
		return;
	}
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);
		const struct vcpu *v;

		if (tid <= 0)
			continue;
		v = vcpu_of(vm, tid);
		nr_vcpu += !!v;
		check_thread(s, tid, v, &nr_service);
	}
	closedir(dir);
	if (nr_vcpu != vm->nr_vcpus)
		differs(s, "%d of %d vCPU threads found in /proc/self/task",
			nr_vcpu, vm->nr_vcpus);
	perf_note(s, "perf check: %d vCPU threads each alone on its planned host CPU at SCHED_FIFO %d, %d service threads on CPU %d (/proc/self/task)",
		  nr_vcpu, PERF_PRIO_VCPU, nr_service, s->plan.service_cpu);
}

/* KernelPageSize of the mapping that starts at @hva, in KiB; -1: none. */
static long page_kib(const void *hva)
{
	char line[256], want[32];
	long kib = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)hva);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in = true;
		else if (in && sscanf(line, "KernelPageSize: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return in ? kib : -1;
}

static void check_ram(struct perf_state *s, const struct vm *vm)
{
	unsigned long mask[HOST_MAX_CPUS / 64];
	int i, mode, checked = 0;
	long kib;

	for (i = 0; i < vm->nr_regions; i++) {
		const struct mem_region *m = &vm->regions[i];
		uint64_t want = m->node >= 0 && m->node < TOPO_MAX_NODES ?
				s->plan.node_mask[m->node] : 0;

		if (m->node < 0)
			continue;	/* not guest RAM proper (pvtime) */
		kib = page_kib(m->hva);
		if (s->hugepages && kib != 2048)
			differs(s, "guest RAM at %#llx: %ld KiB pages, planned 2 MiB hugepages",
				(unsigned long long)m->gpa, kib);
		memset(mask, 0, sizeof(mask));
		if (syscall(SYS_get_mempolicy, &mode, mask,
			    sizeof(mask) * 8, m->hva, MPOL_F_ADDR)) {
			differs(s, "get_mempolicy(guest RAM at %#llx): %s",
				(unsigned long long)m->gpa, strerror(errno));
			continue;
		}
		if (want && (mode != MPOL_BIND || mask[0] != want))
			differs(s, "guest RAM at %#llx: memory policy %d nodes %#lx, planned MPOL_BIND to %#llx",
				(unsigned long long)m->gpa, mode, mask[0],
				(unsigned long long)want);
		checked++;
	}
	perf_note(s, "perf check: %d guest RAM region(s) on %s, bound by MPOL_BIND to their planned host nodes (smaps, get_mempolicy)",
		  checked, s->hugepages ? "2 MiB hugepages" : "regular pages");
}

/* Hugepages taken = faulted in (free dropped) + reserved, not faulted. */
static void check_pool(struct perf_state *s, const struct vm *vm)
{
	struct hugepage_pool now;
	long used, need = vm->ram_size / (2ULL << 20);

	if (!s->hugepages)
		return;
	perf_hugepage_pool(&now);
	s->check.during = now;
	used = (s->check.before.free - now.free) +
	       (now.resv - s->check.before.resv);
	if (used < need)
		differs(s, "hugepage pool: %ld pages in use or reserved during the run, guest RAM needs %ld",
			used, need);
	perf_note(s, "perf check: hugepage pool during the run: free %ld (was %ld), reserved %ld (was %ld), guest RAM %ld pages",
		  now.free, s->check.before.free, now.resv,
		  s->check.before.resv, need);
}

/* 1: another open file can't take it (we hold it), 0: free, -errno. */
static int lock_taken(const char *dir, int llc)
{
	char *path = xasprintf("%s/llc-%d.lock", dir, llc);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;

	free(path);
	if (fd < 0)
		return -errno;
	r = flock(fd, LOCK_EX | LOCK_NB) ? (errno == EWOULDBLOCK ? 1 : -errno)
					  : 0;
	close(fd);		/* drops the lock if we got it */
	return r;
}

static void check_locks(struct perf_state *s)
{
	char *path, buf[32] = "";
	int i, n = 0, fd;

	for (i = 0; i < HOST_MAX_CPUS; i++) {
		if (s->locks.fd[i] < 0)
			continue;
		n++;
		s->check.llc_held[s->check.nr_llc_held++] = i;
		if (lock_taken(s->locks.dir, i) != 1)
			differs(s, "LLC %d lock %s/llc-%d.lock not held by this run",
				i, s->locks.dir, i);
		path = xasprintf("%s/llc-%d.lock", s->locks.dir, i);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		free(path);
		if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 &&
		    atoi(buf) != getpid())
			differs(s, "LLC %d lock names holder %d, not %d", i,
				atoi(buf), getpid());
		if (fd >= 0)
			close(fd);
	}
	s->check.lock_dir = xstrdup(s->locks.dir ? : "");
	perf_note(s, "perf check: %d LLC lock(s) held in %s (flock, holder PID %d)",
		  n, s->check.lock_dir, getpid());
}

void perf_verify_running(struct perf_state *s, const struct vm *vm)
{
	if (!s->active || s->check.ran)
		return;
	s->check.ran = true;
	check_threads(s, vm);
	check_ram(s, vm);
	check_pool(s, vm);
	check_locks(s);
}

void perf_verify_released(struct perf_state *s)
{
	struct hugepage_pool now;
	int i, r;

	if (!s->check.ran)
		return;
	for (i = 0; i < s->check.nr_llc_held; i++) {
		r = lock_taken(s->check.lock_dir, s->check.llc_held[i]);
		if (r)
			differs(s, "LLC %d lock still %s after the run",
				s->check.llc_held[i],
				r > 0 ? "held" : strerror(-r));
	}
	if (s->hugepages) {
		perf_hugepage_pool(&now);
		if (now.free < s->check.before.free ||
		    now.resv > s->check.before.resv)
			differs(s, "hugepage pool after the run: free %ld (was %ld), reserved %ld (was %ld)",
				now.free, s->check.before.free, now.resv,
				s->check.before.resv);
		else
			perf_note(s, "perf check: hugepages returned (free %ld, reserved %ld), LLC locks released",
				  now.free, now.resv);
	} else {
		perf_note(s, "perf check: LLC locks released");
	}
	free(s->check.lock_dir);
	s->check.lock_dir = NULL;
}
