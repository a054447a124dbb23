// SPDX-License-Identifier: GPL-2.0
/* Host CPU, SMT core, LLC and NUMA node topology from sysfs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "vmm/hostinfo.h"

#define SET_WORDS (HOST_MAX_CPUS / 64)

static bool set_test(const uint64_t *set, int b)
{
	return set[b / 64] & (1ULL << (b % 64));
}

int cpulist_parse(const char *s, uint64_t *set, int max)
{
	int n = 0;

	memset(set, 0, ((max + 63) / 64) * sizeof(*set));
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
		}
		if (b >= max)
			return -ERANGE;
		for (; a <= b; a++, n++)
			set[a / 64] |= 1ULL << (a % 64);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return n;
}

void cpulist_format(const int *cpus, int n, char *out, size_t len)
{
	size_t off = 0;
	int i = 0;

	out[0] = '\0';
	while (i < n && off < len) {
		int j = i;

		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		off += snprintf(out + off, len - off, "%s%d", i ? "," : "",
				cpus[i]);
		if (j > i && off < len)
			off += snprintf(out + off, len - off, "-%d", cpus[j]);
		i = j + 1;
	}
}

/* The CPU list in @root/@path; -errno when absent or malformed. */
static int read_cpulist(const char *root, const char *path, uint64_t *set)
{
	char *p = xasprintf("%s/sys/devices/system/%s", root, path);
	struct buf b = {};
	int r = read_file(p, &b);

	free(p);
	if (!r) {
		buf_putc(&b, 0);
		r = cpulist_parse((char *)b.data, set, HOST_MAX_CPUS);
	}
	buf_free(&b);
	return r;
}

/* Lowest CPU of the list in cpu@cpu/@rel, or @fallback when absent. */
static int lowest_of(const char *root, int cpu, const char *rel, int fallback)
{
	uint64_t set[SET_WORDS];
	char path[128];
	int i;

	snprintf(path, sizeof(path), "cpu/cpu%d/%s", cpu, rel);
	if (read_cpulist(root, path, set) <= 0)
		return fallback;
	for (i = 0; i < HOST_MAX_CPUS; i++)
		if (set_test(set, i))
			return i;
	return fallback;
}

static void read_nodes(const char *root, struct host_info *h)
{
	char *dir = xasprintf("%s/sys/devices/system/node", root);
	DIR *dp = opendir(dir);
	struct dirent *d;

	h->nr_nodes = 1;
	while (dp && (d = readdir(dp))) {
		uint64_t set[SET_WORDS];
		char path[96];
		int node, i;

		if (sscanf(d->d_name, "node%d", &node) != 1 || node < 0 ||
		    node >= 64)
			continue;
		snprintf(path, sizeof(path), "node/node%d/cpulist", node);
		if (read_cpulist(root, path, set) < 0)
			continue;
		for (i = 0; i < h->nr_cpus; i++)
			if (set_test(set, h->cpus[i].cpu))
				h->cpus[i].node = node;
		h->nr_nodes = MAX(h->nr_nodes, node + 1);
	}
	if (dp)
		closedir(dp);
	free(dir);
}

/* LLC groups are keyed by their lowest CPU; number them in that order. */
static void number_llcs(struct host_info *h)
{
	int i, j;

	for (i = 0; i < h->nr_cpus; i++) {
		int key = h->cpus[i].llc;

		for (j = 0; j < h->nr_llcs && h->llc_first[j] != key; j++)
			;
		if (j == h->nr_llcs)
			h->llc_first[h->nr_llcs++] = key;
		h->cpus[i].llc = j;
	}
}

int host_info_read(const char *root, struct host_info *h, char *err,
		   size_t errlen)
{
	uint64_t online[SET_WORDS];
	int r, cpu;

	memset(h, 0, sizeof(*h));
	r = read_cpulist(root, "cpu/online", online);
	if (r <= 0) {
		snprintf(err, errlen, "cannot read %s/sys/devices/system/cpu/online: %s",
			 root, r ? strerror(-r) : "empty");
		return r ? r : -ENOENT;
	}
	h->cpus = xzalloc(r * sizeof(*h->cpus));
	for (cpu = 0; cpu < HOST_MAX_CPUS; cpu++) {
		struct host_cpu *c;
		int pkg;

		if (!set_test(online, cpu))
			continue;
		c = &h->cpus[h->nr_cpus++];
		c->cpu = cpu;
		c->core = lowest_of(root, cpu, "topology/thread_siblings_list",
				    cpu);
		/* No L3: the package is the widest shared cache we know of. */
		pkg = lowest_of(root, cpu, "topology/core_siblings_list", 0);
		c->llc = lowest_of(root, cpu, "cache/index3/shared_cpu_list",
				   pkg);
	}
	number_llcs(h);
	read_nodes(root, h);
	return 0;
}

void host_info_free(struct host_info *h)
{
	free(h->cpus);
	h->cpus = NULL;
	h->nr_cpus = 0;
}
