/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's CPUs as the scheduler sees them: online CPUs, their core (SMT
 * siblings), last-level cache group and NUMA node, read from a sysfs tree
 * under a root path so tests can point it at a fake one.
 */
#ifndef KTSTR_VMM_HOSTINFO_H
#define KTSTR_VMM_HOSTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_MAX_CPUS 1024

struct host_cpu {
	int cpu;		/* Linux CPU number */
	int core;		/* lowest CPU of its SMT sibling set */
	int llc;		/* index into host_info.llc_first */
	int node;		/* NUMA node, 0 without node sysfs */
};

struct host_info {
	struct host_cpu *cpus;	/* online CPUs, ascending */
	int nr_cpus;
	int nr_llcs;		/* LLC groups, numbered by their lowest CPU */
	int llc_first[HOST_MAX_CPUS];
	int nr_nodes;		/* highest node + 1 */
};

/*
 * Reads @root/sys/devices/system/{cpu,node}. Returns 0, or -errno with a
 * one-line reason in @err.
 */
int host_info_read(const char *root, struct host_info *h, char *err,
		   size_t errlen);
void host_info_free(struct host_info *h);
/* Parses a kernel CPU list ("0-3,8,10-11") into @set of @max bits. */
int cpulist_parse(const char *s, uint64_t *set, int max);
/* Formats @n CPUs of @cpus as a compact CPU list. */
void cpulist_format(const int *cpus, int n, char *out, size_t len);

#endif
