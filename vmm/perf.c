// SPDX-License-Identifier: GPL-2.0
/*
 * Performance mode on the host: LLC locks, host checks and warnings, vCPU
 * and service thread placement, NUMA binding of guest RAM.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/perf.h"
#include "vmm/vm.h"

#define HUGEPAGE_SIZE	(2ULL << 20)
#define FREE_HUGEPAGES	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define CLOCKSOURCE	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

static bool force_off;

void perf_mode_force_off(bool off)
{
	force_off = off;
}

static bool env_is_1(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

bool perf_mode_forced_off(void)
{
	return force_off || env_is_1("KTSTR_NO_PERF_MODE");
}

bool perf_no_skip_mode(void)
{
	return env_is_1("KTSTR_NO_SKIP_MODE");
}

void perf_note(struct perf_state *s, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	/* Warnings go to stderr at once too; all go to the diagnostics. */
	if (!strncmp(line, "warning: ", 9))
		pr_warn("%s", line + 9);
	pthread_mutex_lock(&s->lock);
	buf_printf(&s->notes, "%s\n", line);
	pthread_mutex_unlock(&s->lock);
	free(line);
}

char *perf_lock_dir(void)
{
	const char *env = getenv("KTSTR_LOCK_DIR"), *xdg;
	char *d;

	if (env && *env)
		return xstrdup(env);
	if (!mkdir_p("/run/ktstr", 0755) && !access("/run/ktstr", W_OK))
		return xstrdup("/run/ktstr");
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg) {
		d = xasprintf("%s/ktstr", xdg);
		if (!mkdir_p(d, 0700))
			return d;
		free(d);
	}
	return xasprintf("%s/locks", ktstr_cache_dir());
}

int perf_locks_init(struct perf_locks *l, const char *dir)
{
	int i;

	for (i = 0; i < HOST_MAX_CPUS; i++)
		l->fd[i] = -1;
	free(l->dir);
	l->dir = dir ? xstrdup(dir) : NULL;
	return dir ? mkdir_p(dir, 0755) : 0;
}

/* True when @fd is still the file at @path ('ktstr cleanup' unlinks). */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * flock() dies with its holder, so a killed run never leaves an LLC
 * locked; O_CLOEXEC keeps the lock out of the guest helpers we exec.
 * 'ktstr cleanup' unlinks a free lock file while holding its flock, so a
 * lock taken on a file no longer at its path is dropped and taken again.
 */
int perf_lock_llc(struct perf_locks *l, int llc)
{
	char *path, pid[32];
	int fd, r, tries = 0;

	if (llc < 0 || llc >= HOST_MAX_CPUS || !l->dir)
		return -EINVAL;
	if (l->fd[llc] >= 0)
		return 0;
	path = xasprintf("%s/llc-%d.lock", l->dir, llc);
again:
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		free(path);
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		free(path);
		return r;
	}
	if (!still_linked(fd, path) && ++tries < 8) {
		close(fd);
		goto again;
	}
	free(path);
	/* Who holds it, for a curious user; the lock is the flock itself. */
	r = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, r, 0) != r)
		pr_debug("cannot record the holder of LLC %d", llc);
	l->fd[llc] = fd;
	return 0;
}

void perf_locks_release(struct perf_locks *l)
{
	int i;

	for (i = 0; i < HOST_MAX_CPUS; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		l->fd[i] = -1;
	}
	free(l->dir);
	l->dir = NULL;
}

static bool claim_llc(int llc, void *opaque)
{
	return !perf_lock_llc(opaque, llc);
}

/* Leaves out CPUs this process may not run on (containers, taskset). */
static void restrict_to_affinity(struct host_info *h)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < h->nr_cpus; i++)
		if (h->cpus[i].cpu < CPU_SETSIZE &&
		    CPU_ISSET(h->cpus[i].cpu, &set))
			h->cpus[n++] = h->cpus[i];
	h->nr_cpus = n;
}

static long read_long(const char *path, long dflt)
{
	struct buf b = {};
	long v = dflt;

	if (!read_file(path, &b)) {
		buf_putc(&b, 0);
		v = strtol((char *)b.data, NULL, 10);
	}
	buf_free(&b);
	return v;
}

/* The non-fatal checks: hugepages, host load, TSC. */
static void host_warnings(struct perf_state *s, uint64_t ram_bytes)
{
	long free_hp = read_long(FREE_HUGEPAGES, 0);
	long need = (ram_bytes + HUGEPAGE_SIZE - 1) / HUGEPAGE_SIZE;
	long long running = -1;
	struct buf cs = {};

	read_proc_value("/proc/stat", "procs_running ", &running);
	perf_hugepage_pool(&s->check.before);
	s->hugepages = free_hp >= need;
	if (!s->hugepages)
		perf_note(s, "warning: %ld free 2 MiB hugepages, guest RAM needs %ld: using regular pages",
			  free_hp, need);
	/* procs_running counts us too. */
	if (running - 1 > s->plan.nr_vcpus / 2)
		perf_note(s, "warning: host load high: %lld runnable tasks > half of %d vCPUs, results may be noisy",
			  running - 1, s->plan.nr_vcpus);
	if (!read_file(CLOCKSOURCE, &cs)) {
		buf_putc(&cs, 0);
		if (strncmp((char *)cs.data, "tsc", 3))
			perf_note(s, "warning: unstable TSC (host clocksource %.*s): timing variance is higher",
				  (int)strcspn((char *)cs.data, "\n"),
				  (char *)cs.data);
	}
	buf_free(&cs);
}

static void note_plan(struct perf_state *s)
{
	const struct perf_plan *p = &s->plan;
	char cpus[256];
	int i;

	cpulist_format(p->vcpu_cpu, p->nr_vcpus, cpus, sizeof(cpus));
	perf_note(s, "perf mode: vCPUs on host CPUs [%s], service CPU %d, host LLCs:",
		  cpus, p->service_cpu);
	for (i = 0; i < p->nr_llcs; i++)
		perf_note(s, "perf mode: virtual LLC %d -> host LLC %d", i,
			  p->host_llc[i]);
}

static void service_affinity(struct perf_state *s)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->plan.service_cpu, &set);
	if (!sched_getaffinity(0, sizeof(s->saved_affinity),
			       &s->saved_affinity))
		s->affinity_saved = true;
	if (sched_setaffinity(0, sizeof(set), &set))
		perf_note(s, "warning: cannot move the VMM to service CPU %d: %s",
			  s->plan.service_cpu, strerror(errno));
}

enum perf_status perf_prepare(struct perf_state *s, const struct topology *t,
			      uint64_t ram_bytes, char *reason, size_t len)
{
	struct host_info h;
	enum perf_status st;
	char *dir;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	perf_locks_init(&s->locks, NULL);
	if (host_info_read("", &h, reason, len))
		return PERF_UNAVAILABLE;
	restrict_to_affinity(&h);
	dir = perf_lock_dir();
	if (perf_locks_init(&s->locks, dir)) {
		snprintf(reason, len, "cannot create the lock directory %s", dir);
		free(dir);
		host_info_free(&h);
		return PERF_UNAVAILABLE;
	}
	free(dir);
	st = perf_plan_build(&h, t, claim_llc, &s->locks, &s->plan, reason,
			     len);
	host_info_free(&h);
	if (st != PERF_OK) {
		perf_locks_release(&s->locks);
		return st;
	}
	s->active = true;
	note_plan(s);
	if (env_is_1("KTSTR_EMULATED_HOST"))
		perf_note(s, "perf mode: emulated KVM host (QEMU TCG): every mechanism is real and checked, timing is not (no timing thresholds)");
	host_warnings(s, ram_bytes);
	service_affinity(s);
	return PERF_OK;
}

static void set_fifo(struct perf_state *s, int prio, const char *who)
{
	struct sched_param sp = { .sched_priority = prio };
	int r = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	bool first;

	if (!r) {
		/* Said once per kind of thread, so a reader knows it held. */
		pthread_mutex_lock(&s->lock);
		first = !(s->rt_noted & (1U << prio));
		s->rt_noted |= 1U << prio;
		pthread_mutex_unlock(&s->lock);
		if (first)
			perf_note(s, "perf mode: %s SCHED_FIFO %d", who, prio);
		return;
	}
	pthread_mutex_lock(&s->lock);
	first = !s->rt_refused;
	s->rt_refused = true;
	pthread_mutex_unlock(&s->lock);
	if (first)
		perf_note(s, "warning: SCHED_FIFO %d for %s refused (%s; needs root or RLIMIT_RTPRIO): running without RT priorities",
			  prio, who, strerror(r));
}

int perf_vcpu_thread(struct perf_state *s, struct vcpu *v)
{
	cpu_set_t set;
	int cpu;

	if (v->id < 0 || v->id >= s->plan.nr_vcpus)
		return -EINVAL;
	cpu = s->plan.vcpu_cpu[v->id];
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	set_fifo(s, PERF_PRIO_VCPU, "vCPU threads");
	__atomic_add_fetch(&s->placed, 1, __ATOMIC_RELEASE);
	return 0;
}

void perf_service_thread(struct perf_state *s)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->plan.service_cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	set_fifo(s, PERF_PRIO_SERVICE, "the service threads");
}

void perf_release(struct perf_state *s)
{
	if (s->affinity_saved)
		sched_setaffinity(0, sizeof(s->saved_affinity),
				  &s->saved_affinity);
	s->affinity_saved = false;
	perf_locks_release(&s->locks);
	buf_free(&s->notes);
	buf_free(&s->check.diffs);
	free(s->check.lock_dir);
	s->check.lock_dir = NULL;
	s->active = false;
	pthread_mutex_destroy(&s->lock);
}

/* Strict: MPOL_MF_STRICT fails rather than leave pages on other nodes. */
int perf_mbind(void *addr, uint64_t len, uint64_t mask)
{
	unsigned long m = mask;

	if (syscall(SYS_mbind, addr, len, MPOL_BIND, &m, sizeof(m) * 8 + 1,
		    MPOL_MF_STRICT | MPOL_MF_MOVE))
		return -errno;
	return 0;
}
