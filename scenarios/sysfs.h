/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side readers for the small sysfs files the topology tests compare
 * with the declared machine: cpulists ("0-3,8-11"), single numbers, number
 * rows (node distance) and "Node N Key: V kB" lines of node meminfo.
 * Everything read from sysfs is treated as untrusted text: parsers reject
 * anything that is not exactly the documented format.
 */
#ifndef KTSTR_SCENARIOS_SYSFS_H
#define KTSTR_SCENARIOS_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/topology.h"

/* Large enough for the CPU count and for the node count. */
#define CPUSET_MAX TOPO_MAX_CPUS

/* A set of CPU or node numbers below CPUSET_MAX. */
struct cpuset {
	uint64_t bits[CPUSET_MAX / 64];
};

void cpuset_zero(struct cpuset *s);
/* Out-of-range numbers are ignored: callers bound them first. */
void cpuset_set(struct cpuset *s, unsigned int n);
bool cpuset_test(const struct cpuset *s, unsigned int n);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
unsigned int cpuset_count(const struct cpuset *s);

/*
 * Parses a kernel cpulist ("0-3,8-11", ranges ascending, one trailing
 * newline allowed, "" or "\n" = empty set). Returns 0, -EINVAL on
 * malformed text, -ERANGE on a number >= CPUSET_MAX.
 */
int cpuset_parse(const char *s, struct cpuset *set);
/* Formats like the kernel's "%*pbl": "0-3,8-11". Returns 0 or -ENOSPC. */
int cpuset_format(const struct cpuset *set, char *out, size_t len);

/* Parses one decimal number, optionally negative and newline-ended. */
int sysfs_parse_long(const char *s, long *v);
/*
 * Parses whitespace-separated unsigned numbers (node distance rows) into
 * @v[0..max); *@nr gets the count. -EINVAL on garbage, -E2BIG on more
 * than @max numbers.
 */
int sysfs_parse_u32s(const char *s, uint32_t *v, size_t max, size_t *nr);
/*
 * Finds "Node <node> <key>: <n> kB" in a node meminfo text; -ENOENT if
 * absent, -EINVAL if the line is malformed.
 */
int sysfs_meminfo_kb(const char *text, unsigned int node, const char *key,
		     uint64_t *kb);

/* Reads a file of at most @len - 1 bytes, NUL-terminated; -EFBIG if more. */
int sysfs_read(const char *path, char *out, size_t len);
int sysfs_read_long(const char *path, long *v);
int sysfs_read_cpulist(const char *path, struct cpuset *set);

/*
 * The value of @key ("ktstr.x=") on the guest's kernel command line, or
 * false when it is not there; @val may be NULL.
 */
bool guest_cmdline_value(const char *key, char *val, size_t len);
/* The host is an emulated KVM host: timing is measured, never checked. */
bool guest_on_emulated_host(void);

#endif
