// SPDX-License-Identifier: GPL-2.0
/*
 * /cpus: one cpu node per vCPU (reg = MPIDR affinity, PSCI, numa-node-id,
 * L1 i/d caches), one L2 cache node per core and one L3 per LLC linked by
 * next-level-cache, and the cpu-map (Documentation/devicetree/bindings/
 * cpu/cpu-topology.txt): socket = NUMA node with CPUs, cluster = LLC,
 * core, thread.
 *
 * Linux derives the guest's topology from both: cpu-map gives
 * package/cluster/core ids (drivers/base/arch_topology.c:
 * parse_dt_topology()), the cache nodes give each cacheinfo leaf's sharing
 * (drivers/base/cacheinfo.c: cache_setup_of_node(), fw_token = the node),
 * hence the L3 shared_cpu_list of every LLC.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "fdt/internal.h"

#define CACHE_LINE	64

/* The geometry the x86_64 guest sees too (vmm/x86_64/cpuid_topo.c). */
struct cache_geom {
	uint32_t size, ways;
};

static const struct cache_geom l1i = { 32 << 10, 8 };
static const struct cache_geom l1d = { 32 << 10, 8 };
static const struct cache_geom l2 = { 512 << 10, 8 };
static const struct cache_geom l3 = { 16 << 20, 16 };

/* @prefix: "i-", "d-" or "" (unified), as the cache bindings name them. */
static void cache_props(struct fdt_ctx *ctx, const char *prefix,
			const struct cache_geom *g)
{
	char name[32];

	snprintf(name, sizeof(name), "%scache-size", prefix);
	_FDT(fdt_property_u32(ctx->fdt, name, g->size));
	snprintf(name, sizeof(name), "%scache-line-size", prefix);
	_FDT(fdt_property_u32(ctx->fdt, name, CACHE_LINE));
	snprintf(name, sizeof(name), "%scache-sets", prefix);
	_FDT(fdt_property_u32(ctx->fdt, name,
			      g->size / (g->ways * CACHE_LINE)));
}

static void cpu_node(struct fdt_ctx *ctx, uint32_t cpu)
{
	uint64_t id = ctx->m->mpidr[cpu] & FDT_MPIDR_HWID_MASK;
	struct topo_cpu c;

	topology_cpu(ctx->t, cpu, &c);
	fdt_begin(ctx, "cpu@%" PRIx64, id);
	_FDT(fdt_property_string(ctx->fdt, "device_type", "cpu"));
	_FDT(fdt_property_string(ctx->fdt, "compatible", "arm,arm-v8"));
	if (ctx->cpu_cells == 2)
		_FDT(fdt_property_u64(ctx->fdt, "reg", id));
	else
		_FDT(fdt_property_u32(ctx->fdt, "reg", id));
	_FDT(fdt_property_string(ctx->fdt, "enable-method", "psci"));
	_FDT(fdt_property_u32(ctx->fdt, "numa-node-id", c.node));
	cache_props(ctx, "i-", &l1i);
	cache_props(ctx, "d-", &l1d);
	_FDT(fdt_property_u32(ctx->fdt, "next-level-cache",
			      ctx->ph_l2 + cpu / ctx->t->threads_per_core));
	_FDT(fdt_property_u32(ctx->fdt, "phandle", ctx->ph_cpu + cpu));
	fdt_end(ctx);
}

/* A unified cache node; @next: phandle of the next level, 0 for none. */
static void cache_node(struct fdt_ctx *ctx, uint32_t level, uint32_t idx,
		       const struct cache_geom *g, uint32_t phandle,
		       uint32_t next)
{
	fdt_begin(ctx, "l%u-cache-%u", level, idx);
	_FDT(fdt_property_string(ctx->fdt, "compatible", "cache"));
	_FDT(fdt_property_u32(ctx->fdt, "cache-level", level));
	_FDT(fdt_property(ctx->fdt, "cache-unified", NULL, 0));
	cache_props(ctx, "", g);
	if (next)
		_FDT(fdt_property_u32(ctx->fdt, "next-level-cache", next));
	_FDT(fdt_property_u32(ctx->fdt, "phandle", phandle));
	fdt_end(ctx);
}

static void cache_nodes(struct fdt_ctx *ctx)
{
	const struct topology *t = ctx->t;
	uint32_t core, llc;

	for (core = 0; core < t->llcs * t->cores_per_llc; core++)
		cache_node(ctx, 2, core, &l2, ctx->ph_l2 + core,
			   ctx->ph_l3 + core / t->cores_per_llc);
	for (llc = 0; llc < t->llcs; llc++)
		cache_node(ctx, 3, llc, &l3, ctx->ph_l3 + llc, 0);
}

/* A leaf of cpu-map: "cpu" = <&cpuN>. */
static void map_leaf(struct fdt_ctx *ctx, const char *kind, uint32_t idx,
		     uint32_t cpu)
{
	fdt_begin(ctx, "%s%u", kind, idx);
	_FDT(fdt_property_u32(ctx->fdt, "cpu", ctx->ph_cpu + cpu));
	fdt_end(ctx);
}

/* With one thread per core the core itself points at the cpu. */
static void map_cluster(struct fdt_ctx *ctx, uint32_t llc, uint32_t idx)
{
	const struct topology *t = ctx->t;
	uint32_t core, thread, cpu;

	fdt_begin(ctx, "cluster%u", idx);
	for (core = 0; core < t->cores_per_llc; core++) {
		cpu = (llc * t->cores_per_llc + core) * t->threads_per_core;
		if (t->threads_per_core == 1) {
			map_leaf(ctx, "core", core, cpu);
			continue;
		}
		fdt_begin(ctx, "core%u", core);
		for (thread = 0; thread < t->threads_per_core; thread++)
			map_leaf(ctx, "thread", thread, cpu + thread);
		fdt_end(ctx);
	}
	fdt_end(ctx);
}

/*
 * Linux stops at the first missing socketN, so sockets are numbered over
 * the nodes that have CPUs: a memory-only node gets none, and the socket
 * of a later node is its index among the CPU-bearing ones.
 */
static void cpu_map(struct fdt_ctx *ctx)
{
	const struct topology *t = ctx->t;
	uint32_t node, llc, first, last, socket = 0;

	fdt_begin(ctx, "cpu-map");
	for (node = 0; node < t->numa_nodes; node++) {
		first = topology_node_first_llc(t, node);
		last = topology_node_first_llc(t, node + 1);
		if (first == last)
			continue;
		fdt_begin(ctx, "socket%u", socket++);
		for (llc = first; llc < last; llc++)
			map_cluster(ctx, llc, llc - first);
		fdt_end(ctx);
	}
	fdt_end(ctx);
}

/* The socket of a CPU-bearing @node, as cpu_map() numbers them. */
static uint32_t node_socket(const struct topology *t, uint32_t node)
{
	uint32_t n, socket = 0;

	for (n = 0; n < node; n++)
		if (topology_node_first_llc(t, n) !=
		    topology_node_first_llc(t, n + 1))
			socket++;
	return socket;
}

int fdt_cpu_map_path(const struct topology *t, uint32_t cpu, char *buf,
		     size_t len)
{
	struct topo_cpu c;
	int n;

	topology_cpu(t, cpu, &c);
	n = snprintf(buf, len, "/cpus/cpu-map/socket%u/cluster%u/core%u",
		     node_socket(t, c.node),
		     c.llc - topology_node_first_llc(t, c.node), c.core);
	if (n >= 0 && t->threads_per_core > 1 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "/thread%u", c.thread);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

void fdt_write_cpus(struct fdt_ctx *ctx)
{
	uint32_t cpu;

	fdt_begin(ctx, "cpus");
	_FDT(fdt_property_cell(ctx->fdt, "#address-cells", ctx->cpu_cells));
	_FDT(fdt_property_cell(ctx->fdt, "#size-cells", 0));
	for (cpu = 0; cpu < ctx->m->nr_cpus; cpu++)
		cpu_node(ctx, cpu);
	cpu_map(ctx);
	cache_nodes(ctx);
	fdt_end(ctx);
}
