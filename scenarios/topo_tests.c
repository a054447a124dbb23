// SPDX-License-Identifier: GPL-2.0
/*
 * "topo" category: the guest kernel sees the machine the test declared.
 * Each test boots one shape and compares sysfs with ctx->topo: online CPUs,
 * SMT/core/LLC/package grouping and IDs, the L3 (LLC) sharing, NUMA nodes
 * (CPUs, memory, distances) and the HMAT view of each memory node.
 *
 * The VMM maps the model onto both arches alike: one package per
 * CPU-bearing node, numbered in node order, memory-only nodes without a
 * package, and the LLC as the level in between: a die on x86 (APIC IDs,
 * vmm/x86_64/apic.c), a cluster on arm64 (the device tree's cpu-map,
 * fdt/cpus.c). Linux gives sysfs:
 *   core_cpus_list            = the SMT threads of one core
 *   die_cpus_list (x86)       = the CPUs of one die, i.e. one LLC
 *   cluster_cpus_list (arm64) = the CPUs of one cluster, i.e. one LLC
 *   package_cpus_list         = the CPUs of one node
 *   cache/index3              = the L3, shared by one LLC
 * On x86 die_id and core_id are the kernel's decoding of APIC IDs, so they
 * are checked for grouping (equal within, distinct across) not for value;
 * on arm64 cluster_id and core_id are cpu-map positions (cluster within
 * its socket, core within its cluster: drivers/base/arch_topology.c), so
 * their values are checked too.
 */
#ifdef __x86_64__
#include <cpuid.h>
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/topo_check.h"

#ifdef __aarch64__
#define LLC_LEVEL	"cluster"
#define LLC_IDS_EXACT	true
#else
#define LLC_LEVEL	"die"
#define LLC_IDS_EXACT	false
#endif

/* What sysfs showed for one CPU, for the grouping checks and diag. */
struct cpu_ids {
	long pkg, llc, core;	/* llc: die_id on x86, cluster_id on arm64 */
};

static uint32_t nr_cpus(const struct ktstr_ctx *ctx)
{
	return topology_nr_cpus(&ctx->topo);
}

/* Package number of a CPU-bearing node: its ordinal among them. */
static uint32_t node_pkg(const struct topology *t, uint32_t node)
{
	uint32_t n, pkg = 0;

	for (n = 0; n < node; n++)
		pkg += topo_node_has_cpus(t, n);
	return pkg;
}

enum cpu_group { GROUP_CORE, GROUP_LLC, GROUP_NODE };

/* The CPUs sharing @cpu's core, LLC or node. */
static void cpu_group(const struct topology *t, uint32_t cpu,
		      enum cpu_group g, struct cpuset *s)
{
	struct topo_cpu me, o;
	uint32_t i;
	bool same;

	topology_cpu(t, cpu, &me);
	cpuset_zero(s);
	for (i = 0; i < topology_nr_cpus(t); i++) {
		topology_cpu(t, i, &o);
		if (g == GROUP_CORE)
			same = o.llc == me.llc && o.core == me.core;
		else if (g == GROUP_LLC)
			same = o.llc == me.llc;
		else
			same = o.node == me.node;
		if (same)
			cpuset_set(s, i);
	}
}

/* @name, or @old when a kernel lacks the newer name. */
static void topo_path(char *path, uint32_t cpu, const char *name,
		      const char *old)
{
	snprintf(path, PATH_LEN, CPU_DIR "/cpu%u/topology/%s", cpu, name);
	if (old && access(path, F_OK))
		snprintf(path, PATH_LEN, CPU_DIR "/cpu%u/topology/%s", cpu, old);
}

static int check_online(struct ktstr_ctx *ctx)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct cpuset want;
	uint32_t i;

	cpuset_zero(&want);
	for (i = 0; i < nr_cpus(ctx); i++)
		cpuset_set(&want, i);
	ktstr_diag(ctx, "cpus online %ld, declared %u", online, nr_cpus(ctx));
	if (online != (long)nr_cpus(ctx))
		return ktstr_fail(ctx, "sysconf(_SC_NPROCESSORS_ONLN): expected %u, saw %ld",
				  nr_cpus(ctx), online);
	return topo_expect_list(ctx, "cpus", CPU_DIR "/online", &want);
}

/* Sibling lists of one CPU: core, LLC (die or cluster), package. */
static int check_cpu_lists(struct ktstr_ctx *ctx, uint32_t cpu,
			   const char *who)
{
	char path[PATH_LEN];
	struct cpuset want;
	int ret;

	cpu_group(&ctx->topo, cpu, GROUP_CORE, &want);
	topo_path(path, cpu, "core_cpus_list", "thread_siblings_list");
	ret = topo_expect_list(ctx, who, path, &want);
	if (ret)
		return ret;
	cpu_group(&ctx->topo, cpu, GROUP_NODE, &want);
	topo_path(path, cpu, "package_cpus_list", "core_siblings_list");
	ret = topo_expect_list(ctx, who, path, &want);
	if (ret)
		return ret;
	topo_path(path, cpu, LLC_LEVEL "_cpus_list", NULL);
	cpu_group(&ctx->topo, cpu, GROUP_LLC, &want);
	return topo_expect_list(ctx, who, path, &want);
}

/* arm64: cluster_id and core_id are the CPU's place in the cpu-map. */
static int check_exact_ids(struct ktstr_ctx *ctx, const char *who,
			   const struct topo_cpu *c, const struct cpu_ids *id)
{
	long cluster = c->llc - topology_node_first_llc(&ctx->topo, c->node);

	if (!LLC_IDS_EXACT)
		return KTSTR_PASS;
	if (id->llc != cluster || id->core != (long)c->core)
		return ktstr_fail(ctx, "%s: %s/%s/topology/{cluster_id,core_id}: expected %ld,%u (cpu-map cluster%ld/core%u), saw %ld,%ld",
				  who, CPU_DIR, who, cluster, c->core, cluster,
				  c->core, id->llc, id->core);
	return KTSTR_PASS;
}

static int check_cpu(struct ktstr_ctx *ctx, uint32_t cpu, struct cpu_ids *id)
{
	char path[PATH_LEN], who[32], sib[LIST_LEN];
	struct topo_cpu c;
	int ret;

	topology_cpu(&ctx->topo, cpu, &c);
	snprintf(who, sizeof(who), "cpu%u", cpu);
	topo_path(path, cpu, "physical_package_id", NULL);
	ret = topo_expect_long(ctx, who, path, node_pkg(&ctx->topo, c.node),
			       &id->pkg);
	if (ret)
		return ret;
	topo_path(path, cpu, LLC_LEVEL "_id", NULL);
	ret = sysfs_read_long(path, &id->llc);
	if (!ret) {
		topo_path(path, cpu, "core_id", NULL);
		ret = sysfs_read_long(path, &id->core);
	}
	if (!ret) {
		topo_path(path, cpu, "core_cpus_list", "thread_siblings_list");
		ret = sysfs_read(path, sib, sizeof(sib));
	}
	if (ret)
		return ktstr_fail(ctx, "%s: %s: %s", who, path, strerror(-ret));
	sib[strcspn(sib, "\n")] = '\0';
	ktstr_diag(ctx, "cpu%u (node %u llc %u core %u thread %u) sees pkg %ld %s %ld core_id %ld core_cpus %s",
		   cpu, c.node, c.llc, c.core, c.thread, id->pkg, LLC_LEVEL,
		   id->llc, id->core, sib);
	ret = check_exact_ids(ctx, who, &c, id);
	return ret ? : check_cpu_lists(ctx, cpu, who);
}

/*
 * Within a package, CPUs share the LLC level's id (die_id, cluster_id)
 * iff they share an LLC, and (that id, core_id) iff they share a core:
 * core_id may be die-relative (AMD family < 0x17 with several nodes per
 * package: cpu_topology_fixup_amd()) and is cluster-relative on arm64.
 */
static int check_id_groups(struct ktstr_ctx *ctx, const struct cpu_ids *id)
{
	const struct topology *t = &ctx->topo;
	struct topo_cpu a, b;
	uint32_t i, j;
	bool same_id;

	for (i = 0; i < nr_cpus(ctx); i++) {
		topology_cpu(t, i, &a);
		for (j = i + 1; j < nr_cpus(ctx); j++) {
			topology_cpu(t, j, &b);
			if (a.node != b.node)
				continue;
			if ((a.llc == b.llc) != (id[i].llc == id[j].llc))
				return ktstr_fail(ctx, "cpu%u (llc %u) and cpu%u (llc %u): %s/cpuN/topology/%s_id %ld and %ld: same LLC must mean same %s_id",
						  i, a.llc, j, b.llc, CPU_DIR,
						  LLC_LEVEL, id[i].llc, id[j].llc,
						  LLC_LEVEL);
			same_id = id[i].llc == id[j].llc &&
				  id[i].core == id[j].core;
			if ((a.llc == b.llc && a.core == b.core) != same_id)
				return ktstr_fail(ctx, "cpu%u (llc %u core %u) and cpu%u (llc %u core %u): %s/cpuN/topology/{%s_id,core_id} %ld,%ld and %ld,%ld: same core must mean same ids",
						  i, a.llc, a.core, j, b.llc,
						  b.core, CPU_DIR, LLC_LEVEL,
						  id[i].llc, id[i].core,
						  id[j].llc, id[j].core);
		}
	}
	return KTSTR_PASS;
}

static int check_cpus(struct ktstr_ctx *ctx)
{
	struct cpu_ids *id = xzalloc(nr_cpus(ctx) * sizeof(*id));
	uint32_t cpu;
	int ret = KTSTR_PASS;

	for (cpu = 0; cpu < nr_cpus(ctx) && ret == KTSTR_PASS; cpu++)
		ret = check_cpu(ctx, cpu, &id[cpu]);
	if (ret == KTSTR_PASS)
		ret = check_id_groups(ctx, id);
	free(id);
	return ret;
}

/* The N of @cpu's cache/indexN at level 3; -ENOENT if none. */
static int find_l3(uint32_t cpu, char *levels, size_t llen)
{
	char path[PATH_LEN];
	size_t off = 0;
	long level;
	int i, ret;

	levels[0] = '\0';
	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu%u/cache/index%d/level",
			 cpu, i);
		ret = sysfs_read_long(path, &level);
		if (ret && !i)
			snprintf(levels, llen, " none: index0/level: %s",
				 strerror(-ret));
		if (ret)
			break;
		if (level == 3)
			return i;
		if (off < llen)
			off += snprintf(levels + off, llen - off, " index%d=L%ld",
					i, level);
	}
	return -ENOENT;
}

#ifdef __x86_64__
/*
 * Why Linux found no L3: the vendor picks the cache leaf (cacheinfo.c:
 * init_amd_cacheinfo() uses 0x8000001d only with TOPOEXT, Intel uses 4),
 * and each subleaf's EAX gives type, level and sharing.
 */
static void diag_cache_cpuid(struct ktstr_ctx *ctx)
{
	uint32_t a, b, c, d, max_ext, leaf, i;
	char vendor[13] = "";
	bool topoext;

	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	__cpuid(0x80000000, max_ext, b, c, d);
	c = 0;
	if (max_ext >= 0x80000001)
		__cpuid(0x80000001, a, b, c, d);
	topoext = c & (1U << 22);
	leaf = !strcmp(vendor, "GenuineIntel") ? 4 : 0x8000001d;
	ktstr_diag(ctx, "cpuid: vendor %s, max ext leaf %#x, TOPOEXT %d, cache leaf %#x",
		   vendor, max_ext, topoext, leaf);
	for (i = 0; i < 8; i++) {
		__cpuid_count(leaf, i, a, b, c, d);
		ktstr_diag(ctx, "cpuid %#x.%u: eax %#x (type %u level %u sharing %u)",
			   leaf, i, a, a & 0x1f, (a >> 5) & 7,
			   ((a >> 14) & 0xfff) + 1);
		if (!(a & 0x1f))
			break;
	}
	if (max_ext >= 0x80000006) {
		__cpuid(0x80000005, a, b, c, d);
		ktstr_diag(ctx, "cpuid 0x80000005: ecx %#x edx %#x (L1d, L1i)",
			   c, d);
		__cpuid(0x80000006, a, b, c, d);
		ktstr_diag(ctx, "cpuid 0x80000006: ecx %#x edx %#x (L3 %u KiB)",
			   c, d, (d >> 18) * 512);
	}
}
#else
static void diag_cache_cpuid(struct ktstr_ctx *ctx)
{
}
#endif

static int check_llc_cache(struct ktstr_ctx *ctx, uint32_t cpu)
{
	char path[PATH_LEN], levels[128], who[32];
	struct cpuset want;
	int idx;

	snprintf(who, sizeof(who), "cpu%u", cpu);
	idx = find_l3(cpu, levels, sizeof(levels));
	if (idx < 0) {
		diag_cache_cpuid(ctx);
		return ktstr_fail(ctx, "%s: no level-3 cache under %s/cpu%u/cache (seen:%s); the LLC is invisible",
				  who, CPU_DIR, cpu, levels[0] ? levels : " none");
	}
	snprintf(path, sizeof(path), CPU_DIR "/cpu%u/cache/index%d/shared_cpu_list",
		 cpu, idx);
	cpu_group(&ctx->topo, cpu, GROUP_LLC, &want);
	return topo_expect_list(ctx, who, path, &want);
}

static int check_caches(struct ktstr_ctx *ctx)
{
	uint32_t cpu;
	int ret = KTSTR_PASS;

	for (cpu = 0; cpu < nr_cpus(ctx) && ret == KTSTR_PASS; cpu++)
		ret = check_llc_cache(ctx, cpu);
	return ret;
}

/*
 * The whole comparison. Every step runs even after a failure so that one
 * boot reports all mismatches (as FAIL diag lines); the verdict carries
 * the first one. A step the arch cannot check (HMAT on arm64) makes the
 * test SKIP, saying why, once every other step passed.
 */
static int topo_verify(struct ktstr_ctx *ctx)
{
	static int (*const steps[])(struct ktstr_ctx *) = {
		check_online, check_cpus, check_caches, topo_check_nodes, topo_check_hmat,
	};
	char spec[64], *first = NULL, *skip = NULL;
	int ret = KTSTR_PASS, r;
	size_t i;

	topology_format(&ctx->topo, spec, sizeof(spec));
	ktstr_diag(ctx, "declared %s, %u nodes", spec, ctx->topo.numa_nodes);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		r = steps[i](ctx);
		if (r == KTSTR_PASS)
			continue;
		if (r == KTSTR_SKIP) {
			free(skip);
			skip = xasprintf("%.*s", (int)ctx->msg.len,
					 (char *)ctx->msg.data);
			continue;
		}
		ktstr_diag(ctx, "FAIL: %.*s", (int)ctx->msg.len,
			   (char *)ctx->msg.data);
		if (!first) {
			first = xasprintf("%.*s", (int)ctx->msg.len,
					  (char *)ctx->msg.data);
			ret = r;
		}
	}
	if (first)
		ktstr_fail(ctx, "%s", first);
	else if (skip)
		ret = ktstr_skip(ctx, "%s (every other check passed)", skip);
	free(first);
	free(skip);
	return ret;
}

static int topo_1n1l2c1t(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_1n1l2c1t, .category = "topo", .topology = "1n1l2c1t",
	   .memory_mb = 256,
	   .description = "2 cores, 1 LLC: sysfs CPU, cache and node view");

static int topo_1n2l1c1t(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_1n2l1c1t, .category = "topo", .topology = "1n2l1c1t",
	   .memory_mb = 256,
	   .description = "one core per LLC, 2 LLCs: boots (AMD node count) and keeps its L3 split");

static int topo_1n2l4c2t(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_1n2l4c2t, .category = "topo", .topology = "1n2l4c2t",
	   .memory_mb = 256, .timeout_ms = 240000,
	   .description = "16 vCPUs, 2 LLCs, SMT: siblings, dies and L3 sharing");

static int topo_2n4l2c2t(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_2n4l2c2t, .category = "topo", .topology = "2n4l2c2t",
	   .memory_mb = 512, .timeout_ms = 240000,
	   .description = "16 vCPUs on 2 nodes: packages, node CPUs, memory, distances");

static int topo_2n2l1c2t(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_2n2l1c2t, .category = "topo", .topology = "2n2l1c2t",
	   .memory_mb = 512,
	   .description = "4 vCPUs on 2 nodes, SMT: packages, siblings, L3 per node, node memory and distances");

/*
 * Two CPU nodes and a memory-only node 2 with an asymmetric distance
 * matrix, no HMAT: what an arm64 device tree can describe of a CXL-like
 * machine (numa-node-id on /memory, distance-map).
 */
static void memory_only_topology(struct topology *t)
{
	static const uint8_t dist[3][3] = {
		{ 10, 21, 28 },
		{ 24, 10, 36 },
		{ 30, 38, 10 },
	};
	uint32_t i;

	t->numa_nodes = 3;
	t->nodes[0].llcs = 1;
	t->nodes[1].llcs = 1;
	t->nodes[2].llcs = 0;
	t->nodes[0].mem_bytes = 256ULL << 20;
	t->nodes[1].mem_bytes = 128ULL << 20;
	t->nodes[2].mem_bytes = 128ULL << 20;
	for (i = 0; i < 3; i++)
		memcpy(t->distances[i], dist[i], sizeof(dist[i]));
	t->allow_asymmetric = true;
}

static int topo_memory_only(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_memory_only, .category = "topo", .topology = "2n2l1c1t",
	   .topology_fn = memory_only_topology, .memory_mb = 512,
	   .description = "2 CPU nodes + a memory-only node, asymmetric distances, no HMAT: node CPUs, memory, distances");

/*
 * Two CPU nodes and a CXL-like memory-only node 2, an asymmetric SLIT and
 * HMAT data with a memory-side cache on node 2. Node 2 is nearer to node 0
 * (28) than to node 1 (36), so node 0 is its only best initiator.
 */
static void cxl_topology(struct topology *t)
{
	static const uint8_t dist[3][3] = {
		{ 10, 21, 28 },
		{ 24, 10, 36 },
		{ 30, 38, 10 },
	};
	static const struct topo_hmat hmat[3] = {
		{ true, 80, 90, 20000, 15000 },
		{ true, 85, 95, 19000, 14000 },
		{ true, 250, 300, 8000, 4000, 16ULL << 20, 1,
		  HMAT_WP_WRITE_BACK, 64 },
	};
	uint32_t i;

	t->numa_nodes = 3;
	t->nodes[0].llcs = t->llcs - t->llcs / 2;
	t->nodes[1].llcs = t->llcs / 2;
	t->nodes[2].llcs = 0;
	t->nodes[0].mem_bytes = 192ULL << 20;
	t->nodes[1].mem_bytes = 128ULL << 20;
	t->nodes[2].mem_bytes = 128ULL << 20;
	for (i = 0; i < 3; i++) {
		memcpy(t->distances[i], dist[i], sizeof(dist[i]));
		t->nodes[i].hmat = hmat[i];
	}
	t->allow_asymmetric = true;
}

static int topo_cxl_hmat(struct ktstr_ctx *ctx)
{
	return topo_verify(ctx);
}
KTSTR_TEST(topo_cxl_hmat, .category = "topo", .topology = "2n2l2c1t",
	   .topology_fn = cxl_topology, .memory_mb = 448,
	   .description = "2 CPU nodes + memory-only node: asymmetric SLIT, HMAT initiators and values, memory-side cache (SKIPs on arm64: no HMAT in a device tree)");
