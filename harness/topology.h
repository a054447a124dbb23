/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine a test declares: NUMA nodes, LLCs, cores per LLC, SMT threads,
 * distances, per-node memory and HMAT data. Arch-neutral: the x86_64 ACPI
 * builder and the aarch64 FDT writer both read it.
 *
 * vCPU numbering: cpu = ((llc * cores_per_llc) + core) * threads_per_core
 * + thread, with LLCs numbered across nodes in order (node 0 has LLCs
 * 0..n-1, node 1 the next n, ...). Memory-only nodes (llcs == 0) come after
 * the CPU-bearing ones only if declared so; any order is accepted.
 */
#ifndef KTSTR_HARNESS_TOPOLOGY_H
#define KTSTR_HARNESS_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_NODES 16
#define TOPO_MAX_CPUS 1024
#define TOPO_MEM_ALIGN (2ULL << 20)	/* node memory must be a multiple */

enum hmat_write_policy {
	HMAT_WP_NONE,
	HMAT_WP_WRITE_BACK,
	HMAT_WP_WRITE_THROUGH,
};

struct topo_hmat {
	bool present;
	uint32_t read_latency_ns, write_latency_ns;
	uint32_t read_bandwidth_mbs, write_bandwidth_mbs;
	/* memory-side cache; size 0 = none */
	uint64_t cache_size;
	uint8_t cache_assoc;		/* 0 none, 1 direct, 2 complex */
	enum hmat_write_policy cache_policy;
	uint16_t cache_line;
};

struct topo_node {
	uint32_t llcs;			/* 0: memory-only (CXL-like) node */
	uint64_t mem_bytes;
	struct topo_hmat hmat;
};

struct topology {
	uint32_t llcs, cores_per_llc, threads_per_core, numa_nodes;
	struct topo_node nodes[TOPO_MAX_NODES];
	uint8_t distances[TOPO_MAX_NODES][TOPO_MAX_NODES];
	bool allow_asymmetric;
};

struct topo_cpu {
	uint32_t node, llc, core, thread;	/* core: within its LLC */
};

/*
 * Fills @t from "2n4l4c2t" (any of n/l/c/t may be omitted: defaults 1) and
 * spreads @mem_bytes and the LLCs evenly over the nodes, distances 10/20.
 * Returns 0, or -EINVAL with a one-line reason naming the bad value in @err.
 */
int topology_parse(const char *spec, uint64_t mem_bytes, struct topology *t,
		   char *err, size_t errlen);
/* Checks @t (counts, divisibility, distances, alignment, @max_vcpus). */
int topology_validate(const struct topology *t, uint32_t max_vcpus,
		      char *err, size_t errlen);
uint32_t topology_nr_cpus(const struct topology *t);
uint64_t topology_mem_bytes(const struct topology *t);
void topology_cpu(const struct topology *t, uint32_t cpu, struct topo_cpu *c);
/* First LLC index of @node; LLCs of a node are contiguous. */
uint32_t topology_node_first_llc(const struct topology *t, uint32_t node);
/* Canonical spec string, e.g. "2n4l4c2t". */
void topology_format(const struct topology *t, char *out, size_t len);

#endif
