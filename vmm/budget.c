// SPDX-License-Identifier: GPL-2.0
/* Budget mode: a host cpuset for the vCPU threads, and halt polling. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/budget.h"
#include "vmm/hostinfo.h"
#include "vmm/vm.h"

static void note(struct budget *b, const char *fmt, ...) __printf(2, 3);
static void note(struct budget *b, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&b->lock);
	va_start(ap, fmt);
	buf_vprintf(&b->notes, fmt, ap);
	va_end(ap);
	buf_putc(&b->notes, '\n');
	pthread_mutex_unlock(&b->lock);
}

/* cgroupfs files take one write(); no temporary file and rename. */
static int cg_write(const char *dir, const char *file, const char *val)
{
	char *p = xasprintf("%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC), r = 0;
	ssize_t n;

	free(p);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		r = n < 0 ? -errno : -EIO;
	close(fd);
	return r;
}

static char *cg_read(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);
	struct buf b = {};
	int r = read_file(p, &b);

	free(p);
	if (r) {
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, 0);
	return (char *)b.data;
}

/* Whether the space-separated @list holds @word. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (list && (p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

char *budget_cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], mnt[512], *res = NULL;

	while (f && !res && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep && !strncmp(sep, " - cgroup2 ", 11) &&
		    sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1)
			res = xstrdup(mnt);
	}
	if (f)
		fclose(f);
	return res;
}

/* The VMM's own cgroup under @mount ("0::/path" of /proc/self/cgroup). */
static char *own_cgroup(const char *mount)
{
	struct buf b = {};
	char *p, *res = NULL;

	if (read_file("/proc/self/cgroup", &b))
		return NULL;
	buf_putc(&b, 0);
	p = strstr((char *)b.data, "0::");
	if (p && (p == (char *)b.data || p[-1] == '\n')) {
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		res = xasprintf("%s%s", mount, strcmp(p, "/") ? p : "");
	}
	buf_free(&b);
	return res;
}

static void pick_cpus(struct budget *b, uint32_t want)
{
	cpu_set_t allowed;
	int cpus[CPU_SETSIZE], n = 0, i;

	CPU_ZERO(&b->set);
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_SET(0, &allowed);
	for (i = 0; i < CPU_SETSIZE && (uint32_t)n < want; i++)
		if (CPU_ISSET(i, &allowed)) {
			CPU_SET(i, &b->set);
			cpus[n++] = i;
		}
	b->nr_cpus = n;
	cpulist_format(cpus, n, b->cpus, sizeof(b->cpus));
	if ((uint32_t)n < want)
		note(b, "budget: cpu_budget %u capped to the %d usable host CPU(s)",
		     want, n);
}

int budget_cgroup_owner(const char *name)
{
	char tail[16] = "";
	int pid, n = 0;

	if (sscanf(name, "ktstr-%d-%15s%n", &pid, tail, &n) != 2 ||
	    strcmp(tail, "vcpus") || name[n] || pid <= 0)
		return 0;
	return pid;
}

/*
 * The cpuset of a run that died without removing it (SIGKILL, a second
 * ^C): ktstr-PID-vcpus of a PID that no longer exists. rmdir fails on one
 * still in use, so a live run's is never touched.
 */
static void sweep_stale(struct budget *b, const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int pid = budget_cgroup_owner(e->d_name);

		if (pid <= 0 || pid == getpid() || !pid_dead(pid))
			continue;
		if (!unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR))
			note(b, "budget: removed %s/%s, left by a run that died",
			     parent, e->d_name);
	}
	if (d)
		closedir(d);
}

/*
 * The cpuset of this process, removed on exit() (die() included) if
 * budget_teardown() did not: its threads are moved back to the parent
 * first, since vCPU threads are still running when exit handlers run.
 */
static char *exit_cg_dir, *exit_cg_parent;

static void move_threads(const char *from, const char *to)
{
	char *src = xasprintf("%s/cgroup.threads", from);
	char *dst = xasprintf("%s/cgroup.threads", to);
	struct buf b = {};
	char *p, *nl;

	if (!read_file(src, &b)) {
		buf_putc(&b, 0);
		for (p = (char *)b.data; *p; p = nl + 1) {
			nl = strchrnul(p, '\n');
			if (nl > p) {
				int fd = open(dst, O_WRONLY | O_CLOEXEC);

				if (fd >= 0) {
					write_all(fd, p, nl - p);
					close(fd);
				}
			}
			if (!*nl)
				break;
		}
	}
	buf_free(&b);
	free(src);
	free(dst);
}

/* Why the cpuset stayed, on stderr: an exit handler has nothing else. */
static void remove_on_exit(void)
{
	int i, r = -EBUSY;

	if (!exit_cg_dir)
		return;
	move_threads(exit_cg_dir, exit_cg_parent);
	/* As in budget_teardown(): threads may still be leaving it. */
	for (i = 0; i < 100 && r == -EBUSY; i++) {
		r = rmdir(exit_cg_dir) ? -errno : 0;
		if (r == -EBUSY)
			usleep(10000);
	}
	if (r && r != -ENOENT)
		fprintf(stderr, "ktstr: warning: cannot remove %s at exit: %s\n",
			exit_cg_dir, strerror(-r));
}

static void arm_exit_cleanup(const char *dir, const char *parent)
{
	static bool registered;

	free(exit_cg_dir);
	free(exit_cg_parent);
	exit_cg_dir = dir ? xstrdup(dir) : NULL;
	exit_cg_parent = parent ? xstrdup(parent) : NULL;
	if (dir && !registered)
		registered = !atexit(remove_on_exit);
}

/* A threaded child of our cgroup, so only chosen threads move into it. */
static int cgroup_prepare(struct budget *b, const char *mount, char *why,
			  size_t len)
{
	char *ctl, *dir;
	int r;

	b->cg_parent = own_cgroup(mount);
	ctl = b->cg_parent ? cg_read(b->cg_parent, "cgroup.controllers") : NULL;
	if (!has_word(ctl, "cpuset")) {
		snprintf(why, len, "cgroup2 %s has no cpuset controller",
			 b->cg_parent ? : mount);
		free(ctl);
		return -EOPNOTSUPP;
	}
	free(ctl);
	sweep_stale(b, b->cg_parent);
	dir = xasprintf("%s/ktstr-%d-vcpus", b->cg_parent, getpid());
	rmdir(dir);
	if (mkdir(dir, 0755)) {
		r = -errno;
		snprintf(why, len, "cannot create %s: %s", dir, strerror(-r));
		free(dir);
		return r;
	}
	b->cg_dir = dir;
	arm_exit_cleanup(dir, b->cg_parent);
	r = cg_write(dir, "cgroup.type", "threaded");
	ctl = cg_read(b->cg_parent, "cgroup.subtree_control");
	if (!r && !has_word(ctl, "cpuset")) {
		r = cg_write(b->cg_parent, "cgroup.subtree_control", "+cpuset");
		b->enabled_cpuset = !r;
	}
	free(ctl);
	if (!r)
		r = cg_write(dir, "cpuset.cpus", b->cpus);
	if (r) {
		snprintf(why, len, "cannot set up the cpuset %s: %s", dir,
			 strerror(-r));
		rmdir(dir);
		free(dir);
		b->cg_dir = NULL;
		arm_exit_cleanup(NULL, NULL);
	}
	return r;
}

int budget_setup(struct budget *b, uint32_t want, const char *cg_mount)
{
	char *mount = cg_mount ? xstrdup(cg_mount) : budget_cgroup2_mount();
	char why[512];
	int r;

	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pick_cpus(b, want ? want : 1);
	r = mount ? cgroup_prepare(b, mount, why, sizeof(why)) : -ENOENT;
	if (!mount)
		snprintf(why, sizeof(why), "no cgroup2 mount");
	if (r)
		note(b, "budget: %s; vCPU threads limited with sched_setaffinity to CPUs %s instead",
		     why, b->cpus);
	else
		note(b, "budget: vCPU threads in cpuset %s, CPUs %s",
		     b->cg_dir, b->cpus);
	free(mount);
	return 0;
}

/* The calling thread's affinity is the budget; and its cgroup, if any. */
static bool placed_right(struct budget *b)
{
	cpu_set_t now;
	struct buf cg = {};
	bool ok;

	if (sched_getaffinity(0, sizeof(now), &now) || !CPU_EQUAL(&now, &b->set))
		return false;
	if (!b->cg_dir)
		return true;
	ok = !read_file("/proc/thread-self/cgroup", &cg);
	buf_putc(&cg, 0);
	ok = ok && strstr((char *)cg.data,
			  strrchr(b->cg_dir, '/') + 1);
	buf_free(&cg);
	return ok;
}

int budget_vcpu_thread(struct budget *b, struct vcpu *v)
{
	char tid[32];
	int r = -ENOENT;

	snprintf(tid, sizeof(tid), "%d", v->tid);
	if (b->cg_dir) {
		r = cg_write(b->cg_dir, "cgroup.threads", tid);
		if (r)
			note(b, "budget: vCPU %d (tid %s) cannot join %s: %s; using sched_setaffinity",
			     v->id, tid, b->cg_dir, strerror(-r));
	}
	if (r && sched_setaffinity(0, sizeof(b->set), &b->set))
		r = -errno;
	else
		r = 0;
	pthread_mutex_lock(&b->lock);
	if (!r && placed_right(b))
		b->verified++;
	else
		b->failed++;
	b->placed += !r;
	pthread_mutex_unlock(&b->lock);
	return r;
}

/*
 * A joined thread may still be leaving its cgroup (cgroup_exit() comes
 * late in do_exit()): rmdir is retried for up to a second.
 */
int budget_teardown(struct budget *b)
{
	int i, r = 0;

	if (!b->cg_dir)
		return 0;
	for (i = 0; i < 100; i++) {
		r = rmdir(b->cg_dir) ? -errno : 0;
		if (r != -EBUSY)
			break;
		usleep(10000);
	}
	if (r == -ENOENT)
		r = 0;
	if (r) {
		note(b, "budget: cannot remove %s: %s", b->cg_dir, strerror(-r));
	} else {
		note(b, "budget: cpuset %s removed", b->cg_dir);
		arm_exit_cleanup(NULL, NULL);
	}
	/*
	 * +cpuset stays in the parent's subtree_control: a concurrent run's
	 * cpuset would lose its CPUs if we took it away.
	 */
	free(b->cg_dir);
	b->cg_dir = NULL;
	return r;
}

void budget_free(struct budget *b)
{
	free(b->cg_dir);
	free(b->cg_parent);
	buf_free(&b->notes);
	pthread_mutex_destroy(&b->lock);
	b->cg_dir = b->cg_parent = NULL;
}

int budget_usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return sysconf(_SC_NPROCESSORS_ONLN);
	return CPU_COUNT(&set);
}

int budget_parse_cap(const char *s, int usable, uint32_t *cap, char *err,
		     size_t len)
{
	unsigned long long v = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			break;
		/* Saturate: a huge number is still "more than usable". */
		v = v > UINT32_MAX ? v : v * 10 + (*p - '0');
	}
	if (!*s || *p) {
		snprintf(err, len, "not a whole number of host CPUs");
		return -EINVAL;
	}
	if (!v) {
		snprintf(err, len, "must be at least 1 host CPU");
		return -EINVAL;
	}
	if (v > (unsigned long long)usable) {
		snprintf(err, len, "more than the %d host CPU(s) this process can use (online and in its affinity)",
			 usable);
		return -EINVAL;
	}
	*cap = v;
	return 0;
}

uint32_t budget_effective(uint32_t cpu_budget, uint32_t cap, int usable)
{
	uint32_t want = cpu_budget ? cpu_budget : (uint32_t)(usable > 0 ? usable : 1);

	if (!cap)
		return cpu_budget;
	return cap < want ? cap : want;
}

uint64_t budget_halt_poll_ns(int nr_vcpus, int host_cpus)
{
	/* Polling burns the CPU another vCPU is waiting for. */
	return nr_vcpus > host_cpus ? 0 : HALT_POLL_NS;
}

int vm_set_halt_poll(struct vm *vm, uint64_t ns)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_HALT_POLL,
				      .args = { ns } };

	if (!vm_check_cap(vm, KVM_CAP_HALT_POLL))
		return -EOPNOTSUPP;
	return __vm_ioctl(vm, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
}
