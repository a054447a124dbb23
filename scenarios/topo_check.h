/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the "topo" tests: comparing a sysfs file with the declared
 * topology and failing with "<who>: <path>: expected X, saw Y".
 * scenarios/topo_tests.c checks CPUs and caches, scenarios/topo_nodes.c
 * NUMA nodes and HMAT.
 */
#ifndef KTSTR_SCENARIOS_TOPO_CHECK_H
#define KTSTR_SCENARIOS_TOPO_CHECK_H

#include "harness/test.h"
#include "scenarios/sysfs.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define NODE_DIR "/sys/devices/system/node"
#define PATH_LEN 256
#define LIST_LEN 4096		/* a formatted cpulist of TOPO_MAX_CPUS */

bool topo_node_has_cpus(const struct topology *t, uint32_t node);
/* @s as a cpulist, or "(N entries)" if it does not fit @len. */
const char *topo_fmt_set(const struct cpuset *s, char *out, size_t len);

/*
 * Read @path and compare; @who names the CPU or node. KTSTR_PASS, or a
 * recorded failure (KTSTR_FAIL).
 */
int topo_expect_list(struct ktstr_ctx *ctx, const char *who,
		     const char *path, const struct cpuset *want);
int topo_expect_long(struct ktstr_ctx *ctx, const char *who,
		     const char *path, long want, long *seen);

/* Node online/has_cpu/has_memory, each node's CPUs, memory, distances. */
int topo_check_nodes(struct ktstr_ctx *ctx);
/*
 * access0/access1 initiators and values, memory-side caches; KTSTR_SKIP
 * where the arch cannot describe HMAT (arm64) and a node declares it.
 */
int topo_check_hmat(struct ktstr_ctx *ctx);

#endif
