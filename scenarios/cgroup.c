// SPDX-License-Identifier: GPL-2.0
/* cgroup v2 groups for scenarios (see cgroup.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scenarios/cgroup.h"
#include "util/util.h"

#define DESTROY_TIMEOUT_NS (10ULL * 1000000000ULL)

int cgroup_write(const char *cg, const char *file, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cg, file) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* cgroup files take one value per write(); a short write is an error. */
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	else if ((size_t)n != len)
		n = -EIO;
	else
		n = 0;
	close(fd);
	return n;
}

int cgroup_read(const char *cg, const char *file, char *out, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cg, file) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	out[n] = '\0';
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return 0;
}

/* Enables @ctrl in @cg's subtree unless it already is. */
static int enable_controller(const char *cg, const char *ctrl)
{
	char have[256], want[32];
	const char *p;

	if (!cgroup_read(cg, "cgroup.subtree_control", have, sizeof(have))) {
		for (p = strstr(have, ctrl); p; p = strstr(p + 1, ctrl))
			if ((p == have || p[-1] == ' ') &&
			    (p[strlen(ctrl)] == ' ' || !p[strlen(ctrl)]))
				return 0;
	}
	snprintf(want, sizeof(want), "+%s", ctrl);
	return cgroup_write(cg, "cgroup.subtree_control", want);
}

static int enable_controllers(const char *cg)
{
	return enable_controller(cg, "cpuset") ? : enable_controller(cg, "cpu");
}

int cgroup_setup_base(void)
{
	int r = enable_controllers(CGROUP_ROOT);

	if (r)
		return r;
	if (mkdir(CGROUP_BASE, 0755) && errno != EEXIST)
		return -errno;
	return enable_controllers(CGROUP_BASE);
}

int cgroup_create(const char *cg)
{
	if (!mkdir(cg, 0755))
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* A leftover of an aborted run: start from an empty group. */
	cgroup_destroy(cg);
	return mkdir(cg, 0755) ? -errno : 0;
}

int cgroup_populated(const char *cg)
{
	char ev[256], *p;
	int r = cgroup_read(cg, "cgroup.events", ev, sizeof(ev));

	if (r)
		return r;
	p = strstr(ev, "populated ");
	if (!p)
		return -EINVAL;
	return p[strlen("populated ")] == '1';
}

/* Removes the child groups of @cg, deepest first. */
static void destroy_children(const char *cg)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(cg);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", cg,
				     de->d_name) < sizeof(path))
			cgroup_destroy(path);
	}
	closedir(d);
}

int cgroup_destroy(const char *cg)
{
	struct timespec tick = { 0, 2000000 };
	uint64_t deadline = now_ns() + DESTROY_TIMEOUT_NS;
	int r;

	if (access(cg, F_OK))
		return errno == ENOENT ? 0 : -errno;
	/* cgroup.kill (5.14+) SIGKILLs the whole subtree in one write. */
	cgroup_write(cg, "cgroup.kill", "1");
	while ((r = cgroup_populated(cg)) == 1 && now_ns() < deadline)
		nanosleep(&tick, NULL);
	if (r == 1)
		return -EBUSY;
	destroy_children(cg);
	if (rmdir(cg) && errno != ENOENT)
		return -errno;
	return 0;
}

int cgroup_set_cpus(const char *cg, const char *cpus)
{
	return cgroup_write(cg, "cpuset.cpus", cpus);
}

int cgroup_set_weight(const char *cg, uint32_t weight)
{
	char v[16];

	if (weight < 1 || weight > 10000)
		return -EINVAL;
	snprintf(v, sizeof(v), "%u", weight);
	return cgroup_write(cg, "cpu.weight", v);
}

static int attach(const char *cg, const char *file, pid_t pid)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", (int)pid);
	return cgroup_write(cg, file, v);
}

int cgroup_attach(const char *cg, pid_t pid)
{
	return attach(cg, "cgroup.procs", pid);
}

int cgroup_attach_thread(const char *cg, pid_t tid)
{
	return attach(cg, "cgroup.threads", tid);
}
