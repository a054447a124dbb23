// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr locks [--json]` and `ktstr cleanup [--dry-run]`: the host-side
 * state of performance and budget mode. A run holds its LLCs by flock()
 * on DIR/llc-N.lock (its PID written in the file); flock dies with the
 * process, but the files, a budget-mode cpuset or a temporary file of a
 * run that was SIGKILLed stay until something removes them.
 *
 * Hugepages: guest RAM is an anonymous MAP_HUGETLB mapping, returned to
 * the pool when the process exits; ktstr never resizes the pool nor
 * leaves a hugetlbfs file, so there is no reservation to clean up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/hostclean.h"
#include "util/json.h"
#include "vmm/budget.h"
#include "vmm/hostinfo.h"
#include "vmm/perf.h"

#define CG_MAX_DEPTH	32

struct flock_entry {
	dev_t dev;
	ino_t ino;
	pid_t pid;
};

/* The FLOCK locks granted now (blocked waiters left out). */
static int proc_flocks(struct flock_entry **out)
{
	FILE *f = fopen("/proc/locks", "r");
	struct flock_entry *v = NULL;
	char line[256], kind[16];
	unsigned int maj, min;
	unsigned long ino;
	int n = 0, pid;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid,
			   &maj, &min, &ino) != 5 || strcmp(kind, "FLOCK"))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].dev = makedev(maj, min);
		v[n].ino = ino;
		v[n++].pid = pid;
	}
	if (f)
		fclose(f);
	*out = v;
	return n;
}

/* The PID a lock file records (perf_lock_llc() writes it), else 0. */
static pid_t recorded_pid(int dirfd, const char *name)
{
	char b[32] = "";
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, b, sizeof(b) - 1, 0) : -1;
	long pid = n > 0 ? strtol(b, NULL, 10) : 0;

	if (fd >= 0)
		close(fd);
	return pid > 0 && pid <= INT_MAX ? pid : 0;
}

static void proc_command(pid_t pid, char *out, size_t len)
{
	char *path = xasprintf("/proc/%d/cmdline", pid);
	struct buf b = {};
	size_t i;

	snprintf(out, len, "?");
	if (!read_file(path, &b) && b.len) {
		while (b.len && !b.data[b.len - 1])
			b.len--;
		for (i = 0; i < b.len; i++)
			if (!b.data[i])
				b.data[i] = ' ';
		snprintf(out, len, "%.*s", (int)b.len, (char *)b.data);
	} else {
		free(path);
		buf_free(&b);
		path = xasprintf("/proc/%d/comm", pid);
		if (!read_file(path, &b) && b.len)
			snprintf(out, len, "%.*s", (int)strcspn((char *)b.data,
				 "\n"), (char *)b.data);
	}
	free(path);
	buf_free(&b);
}

static void llc_cpus(const struct host_info *h, int llc, char *out,
		     size_t len)
{
	int *cpus = xzalloc((h->nr_cpus + 1) * sizeof(*cpus)), i, n = 0;

	for (i = 0; i < h->nr_cpus; i++)
		if (h->cpus[i].llc == llc)
			cpus[n++] = h->cpus[i].cpu;
	if (n)
		cpulist_format(cpus, n, out, len);
	else
		snprintf(out, len, "?");
	free(cpus);
}

/* llc-N.lock: N, else -1. */
static int lock_file_llc(const char *name)
{
	int llc, n = 0;

	if (sscanf(name, "llc-%d.lock%n", &llc, &n) != 1 || name[n] ||
	    llc < 0 || llc >= HOST_MAX_CPUS)
		return -1;
	return llc;
}

static int by_llc(const void *a, const void *b)
{
	return ((const struct held_lock *)a)->llc -
	       ((const struct held_lock *)b)->llc;
}

static const struct flock_entry *flock_of(const struct flock_entry *fl,
					  int nr, const struct stat *st)
{
	int i;

	for (i = 0; i < nr; i++)
		if (fl[i].dev == st->st_dev && fl[i].ino == st->st_ino)
			return &fl[i];
	return NULL;
}

int locks_held(const char *dir, struct held_lock **out)
{
	DIR *d = opendir(dir);
	struct held_lock *v = NULL;
	struct flock_entry *fl;
	struct host_info h = {};
	char err[256];
	struct dirent *e;
	int nr_fl, n = 0;
	bool have_h;

	*out = NULL;
	if (!d)
		return -errno;
	nr_fl = proc_flocks(&fl);
	have_h = !host_info_read("", &h, err, sizeof(err));
	while ((e = readdir(d))) {
		const struct flock_entry *f;
		int llc = lock_file_llc(e->d_name);
		struct held_lock *l;
		struct stat st;

		if (llc < 0 || fstatat(dirfd(d), e->d_name, &st,
				       AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		f = flock_of(fl, nr_fl, &st);
		if (!f)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		l = &v[n++];
		memset(l, 0, sizeof(*l));
		l->llc = llc;
		/* Another PID namespace's holder shows as 0 or -1. */
		l->pid = f->pid > 0 ? f->pid : recorded_pid(dirfd(d), e->d_name);
		if (l->pid > 0)
			proc_command(l->pid, l->command, sizeof(l->command));
		else
			snprintf(l->command, sizeof(l->command), "?");
		if (have_h)
			llc_cpus(&h, llc, l->cpus, sizeof(l->cpus));
		else
			snprintf(l->cpus, sizeof(l->cpus), "?");
		snprintf(l->path, sizeof(l->path), "%s/%s", dir, e->d_name);
	}
	closedir(d);
	free(fl);
	if (have_h)
		host_info_free(&h);
	if (n)
		qsort(v, n, sizeof(*v), by_llc);
	*out = v;
	return n;
}

void locks_format(struct buf *b, const char *dir, const struct held_lock *v,
		  int n, bool json)
{
	int i;

	if (!json) {
		if (!n) {
			buf_printf(b, "no LLC locks held (lock directory %s)\n",
				   dir);
			return;
		}
		buf_printf(b, "%-4s %-12s %-8s %s\n", "LLC", "CPUS", "PID",
			   "COMMAND");
		for (i = 0; i < n; i++)
			buf_printf(b, "%-4d %-12s %-8d %s\n", v[i].llc,
				   v[i].cpus, v[i].pid, v[i].command);
		return;
	}
	buf_printf(b, "{\"lock_dir\":");
	json_put_string(b, dir);
	buf_printf(b, ",\"locks\":[");
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s{\"llc\":%d,\"cpus\":", i ? "," : "",
			   v[i].llc);
		json_put_string(b, v[i].cpus);
		buf_printf(b, ",\"pid\":%d,\"command\":", v[i].pid);
		json_put_string(b, v[i].command);
		buf_printf(b, ",\"file\":");
		json_put_string(b, v[i].path);
		buf_printf(b, "}");
	}
	buf_printf(b, "]}\n");
}

const char locks_help[] =
	"usage: ktstr locks [--json]\n"
	"  the per-LLC locks of performance mode held now: host LLC, its CPUs,\n"
	"  the holder's PID and command line (lock directory: $KTSTR_LOCK_DIR,\n"
	"  else /run/ktstr, else $XDG_RUNTIME_DIR/ktstr, else the cache's locks/)\n"
	"  -j, --json   one JSON object: {\"lock_dir\", \"locks\": [{llc, cpus, pid, command, file}]}\n";

/*
 * A command whose only option is the flag --@name (-@c): 1 if given, 0
 * if not, -1 after getopt's message for another option; any argument
 * is a one-line error.
 */
static int only_flag(int argc, char **argv, const char *name, char c)
{
	const struct option opts[] = { { name, no_argument, NULL, c }, {} };
	char shortopt[2] = { c, '\0' };
	int o, set = 0;

	while ((o = getopt_long(argc, argv, shortopt, opts, NULL)) != -1) {
		if (o != c)
			return -1;
		set = 1;
	}
	if (optind < argc)
		die("%s: unexpected argument '%s'", argv[0], argv[optind]);
	return set;
}

int cmd_locks(int argc, char **argv)
{
	int json = only_flag(argc, argv, "json", 'j'), n;
	struct held_lock *v;
	struct buf b = {};
	char *dir;

	if (json < 0)
		return 2;
	dir = perf_lock_dir();
	n = locks_held(dir, &v);
	if (n == -ENOENT)
		n = 0;
	else if (n < 0)
		die("locks: %s: %s", dir, strerror(-n));
	locks_format(&b, dir, v, n, json);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	free(v);
	free(dir);
	return 0;
}

struct sweep {
	const struct cleanup_roots *r;
	FILE *out;
	int nr;
};

static void report(struct sweep *s, int r, const char *what,
		   const char *path, int pid)
{
	if (r) {
		pr_warn("cleanup: cannot remove %s %s: %s", what, path,
			strerror(-r));
		return;
	}
	fprintf(s->out, "%s %s %s (PID %d is gone)\n",
		s->r->dry_run ? "would remove" : "removed", what, path, pid);
	s->nr++;
}

static void sweep_cgroups(struct sweep *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int pid = budget_cgroup_owner(e->d_name), r = 0;
		char *path;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") ||
		    !strcmp(e->d_name, ".."))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (pid > 0 && pid != getpid() && pid_dead(pid)) {
			if (!s->r->dry_run && unlinkat(dirfd(d), e->d_name,
						       AT_REMOVEDIR))
				r = -errno;
			report(s, r, "cgroup", path, pid);
		} else if (!pid && depth < CG_MAX_DEPTH) {
			sweep_cgroups(s, path, depth + 1);
		}
		free(path);
	}
	if (d)
		closedir(d);
}

/*
 * A free lock file whose recorded holder is gone: unlinked while we hold
 * its flock, so a run that opened it meanwhile sees it unlinked and
 * takes a new one (perf_lock_llc()).
 */
static void sweep_locks(struct sweep *s, const char *dir)
{
	struct flock_entry *fl;
	DIR *d = opendir(dir);
	int nr_fl = proc_flocks(&fl);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		pid_t pid = recorded_pid(dirfd(d), e->d_name);
		struct stat st;
		char *path;
		int fd, r = 0;

		if (lock_file_llc(e->d_name) < 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || flock_of(fl, nr_fl, &st) ||
		    pid == getpid() || (pid > 0 && !pid_dead(pid)))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (!s->r->dry_run) {
			fd = openat(dirfd(d), e->d_name,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
				/* Taken since /proc/locks was read: live. */
				if (fd >= 0)
					close(fd);
				free(path);
				continue;
			}
			if (unlinkat(dirfd(d), e->d_name, 0))
				r = -errno;
			close(fd);
		}
		report(s, r, "lock file", path, pid);
		free(path);
	}
	if (d)
		closedir(d);
	free(fl);
}

/* NAME.tmp.PID (write_file_atomic()) or emu-heartbeat.PID.N (run_vmtests.sh). */
static int cache_file_owner(const char *name)
{
	int pid, host, n = 0;

	if (sscanf(name, "emu-heartbeat.%d.%d%n", &pid, &host, &n) == 2 &&
	    !name[n] && pid > 0)
		return pid;
	return tmp_file_owner(name);
}

static void sweep_cache(struct sweep *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int pid = cache_file_owner(e->d_name), r = 0;
		char *path;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR && !pid && !depth) {
			sweep_cache(s, path, depth + 1);
		} else if (e->d_type == DT_REG && pid > 0 && pid != getpid() &&
			   pid_dead(pid)) {
			if (!s->r->dry_run && unlinkat(dirfd(d), e->d_name, 0))
				r = -errno;
			report(s, r, "file", path, pid);
		}
		free(path);
	}
	if (d)
		closedir(d);
}

int cleanup_run(const struct cleanup_roots *r, FILE *out)
{
	struct sweep s = { .r = r, .out = out };

	if (r->cgroup_root)
		sweep_cgroups(&s, r->cgroup_root, 0);
	if (r->lock_dir)
		sweep_locks(&s, r->lock_dir);
	if (r->cache_dir)
		sweep_cache(&s, r->cache_dir, 0);
	return s.nr;
}

const char cleanup_help[] =
	"usage: ktstr cleanup [--dry-run]\n"
	"  removes what runs that died left, one line per item, then a count:\n"
	"  budget-mode cpusets ktstr-PID-vcpus anywhere under the cgroup2 mount,\n"
	"  free lock files of performance mode whose holder is gone, NAME.tmp.PID\n"
	"  and emu-heartbeat.PID.N files in the cache and its subdirectories;\n"
	"  never anything of a PID that exists. (Guest RAM hugepages go back to\n"
	"  the pool when a run exits: ktstr leaves no reservation behind.)\n"
	"  -n, --dry-run   only name what would be removed\n";

int cmd_cleanup(int argc, char **argv)
{
	int dry = only_flag(argc, argv, "dry-run", 'n'), n;
	struct cleanup_roots r = { .dry_run = dry > 0 };
	char *cg, *locks;

	if (dry < 0)
		return 2;
	cg = budget_cgroup2_mount();
	locks = perf_lock_dir();
	r.cgroup_root = cg;
	r.lock_dir = locks;
	r.cache_dir = ktstr_cache_dir();
	n = cleanup_run(&r, stdout);
	printf("cleanup: %d item(s) %s\n", n,
	       r.dry_run ? "would be removed" : "removed");
	free(cg);
	free(locks);
	return 0;
}
