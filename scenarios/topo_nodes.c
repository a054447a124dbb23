// SPDX-License-Identifier: GPL-2.0
/*
 * "topo" checks of NUMA nodes and HMAT (see scenarios/topo_tests.c for the
 * CPU side): which nodes are online and have CPUs or memory, each node's
 * cpulist, MemTotal and distance row, and per memory node the initiators
 * and latency/bandwidth values the kernel derived from HMAT, plus the
 * memory-side cache. HMAT is ACPI's: on arm64 a node that declares it
 * makes the check SKIP, saying so.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/topo_check.h"

#define MEM_SLACK_PCT 15	/* kernel image, memmap, reservations */
/* ACPI HMAT on x86; the device tree has no binding for it (arm64). */
#ifdef __aarch64__
#define HMAT_DESCRIBABLE false
#else
#define HMAT_DESCRIBABLE true
#endif

bool topo_node_has_cpus(const struct topology *t, uint32_t node)
{
	return topology_node_first_llc(t, node + 1) !=
	       topology_node_first_llc(t, node);
}

static void node_cpuset(const struct topology *t, uint32_t node,
			struct cpuset *s)
{
	struct topo_cpu c;
	uint32_t i;

	cpuset_zero(s);
	for (i = 0; i < topology_nr_cpus(t); i++) {
		topology_cpu(t, i, &c);
		if (c.node == node)
			cpuset_set(s, i);
	}
}

const char *topo_fmt_set(const struct cpuset *s, char *out, size_t len)
{
	if (cpuset_format(s, out, len))
		snprintf(out, len, "(%u entries)", cpuset_count(s));
	return out;
}

/*
 * Reads the cpulist at @path and compares it with @want; @who names the
 * CPU or node in the failure message.
 */
int topo_expect_list(struct ktstr_ctx *ctx, const char *who,
		     const char *path, const struct cpuset *want)
{
	char raw[LIST_LEN], w[LIST_LEN], s[LIST_LEN];
	struct cpuset seen;
	int ret;

	ret = sysfs_read(path, raw, sizeof(raw));
	if (ret)
		return ktstr_fail(ctx, "%s: %s: %s", who, path, strerror(-ret));
	ret = cpuset_parse(raw, &seen);
	if (ret)
		return ktstr_fail(ctx, "%s: %s: unparsable cpulist \"%.64s\"",
				  who, path, raw);
	if (cpuset_equal(&seen, want))
		return KTSTR_PASS;
	return ktstr_fail(ctx, "%s: %s: expected %s, saw %s", who, path,
			  topo_fmt_set(want, w, sizeof(w)),
			  topo_fmt_set(&seen, s, sizeof(s)));
}

int topo_expect_long(struct ktstr_ctx *ctx, const char *who,
		     const char *path, long want, long *seen)
{
	int ret = sysfs_read_long(path, seen);

	if (ret)
		return ktstr_fail(ctx, "%s: %s: %s", who, path, strerror(-ret));
	if (*seen != want)
		return ktstr_fail(ctx, "%s: %s: expected %ld, saw %ld", who,
				  path, want, *seen);
	return KTSTR_PASS;
}

static int check_node_mem(struct ktstr_ctx *ctx, uint32_t node,
			  const char *who)
{
	uint64_t want = ctx->topo.nodes[node].mem_bytes >> 10, kb;
	char path[PATH_LEN], text[4096];
	int ret;

	snprintf(path, sizeof(path), NODE_DIR "/node%u/meminfo", node);
	ret = sysfs_read(path, text, sizeof(text));
	if (!ret)
		ret = sysfs_meminfo_kb(text, node, "MemTotal", &kb);
	if (ret)
		return ktstr_fail(ctx, "%s: %s: MemTotal: %s", who, path,
				  strerror(-ret));
	ktstr_diag(ctx, "node%u MemTotal %llu kB of %llu kB declared", node,
		   (unsigned long long)kb, (unsigned long long)want);
	if (kb > want || kb < want * (100 - MEM_SLACK_PCT) / 100)
		return ktstr_fail(ctx, "%s: %s: MemTotal expected %llu kB (-%d%%), saw %llu kB",
				  who, path, (unsigned long long)want,
				  MEM_SLACK_PCT, (unsigned long long)kb);
	return KTSTR_PASS;
}

static int check_node_distance(struct ktstr_ctx *ctx, uint32_t node,
			       const char *who)
{
	const struct topology *t = &ctx->topo;
	char path[PATH_LEN], raw[512];
	uint32_t d[TOPO_MAX_NODES], j;
	size_t nr;
	int ret;

	snprintf(path, sizeof(path), NODE_DIR "/node%u/distance", node);
	ret = sysfs_read(path, raw, sizeof(raw));
	if (!ret)
		ret = sysfs_parse_u32s(raw, d, TOPO_MAX_NODES, &nr);
	if (ret)
		return ktstr_fail(ctx, "%s: %s: %s", who, path, strerror(-ret));
	if (nr != t->numa_nodes)
		return ktstr_fail(ctx, "%s: %s: expected %u distances, saw %zu",
				  who, path, t->numa_nodes, nr);
	for (j = 0; j < nr; j++)
		if (d[j] != t->distances[node][j])
			return ktstr_fail(ctx, "%s: %s: distance to node%u expected %u, saw %u",
					  who, path, j, t->distances[node][j],
					  d[j]);
	return KTSTR_PASS;
}

/* Node-wide lists: every node online, which have CPUs and memory. */
static int check_node_states(struct ktstr_ctx *ctx)
{
	const struct topology *t = &ctx->topo;
	struct cpuset online, cpu, mem;
	uint32_t n;
	int ret;

	cpuset_zero(&online);
	cpuset_zero(&cpu);
	cpuset_zero(&mem);
	for (n = 0; n < t->numa_nodes; n++) {
		cpuset_set(&online, n);
		if (topo_node_has_cpus(t, n))
			cpuset_set(&cpu, n);
		if (t->nodes[n].mem_bytes)
			cpuset_set(&mem, n);
	}
	ret = topo_expect_list(ctx, "nodes", NODE_DIR "/online", &online);
	if (!ret)
		ret = topo_expect_list(ctx, "nodes", NODE_DIR "/has_cpu", &cpu);
	if (!ret)
		ret = topo_expect_list(ctx, "nodes", NODE_DIR "/has_memory", &mem);
	return ret;
}

int topo_check_nodes(struct ktstr_ctx *ctx)
{
	char path[PATH_LEN], who[32];
	struct cpuset want;
	uint32_t n;
	int ret;

	ret = check_node_states(ctx);
	for (n = 0; n < ctx->topo.numa_nodes && !ret; n++) {
		snprintf(who, sizeof(who), "node%u", n);
		snprintf(path, sizeof(path), NODE_DIR "/node%u/cpulist", n);
		node_cpuset(&ctx->topo, n, &want);
		ret = topo_expect_list(ctx, who, path, &want);
		if (!ret && ctx->topo.nodes[n].mem_bytes)
			ret = check_node_mem(ctx, n, who);
		if (!ret)
			ret = check_node_distance(ctx, n, who);
	}
	return ret;
}

/* CPU nodes nearest to @node: the initiators its HMAT data describe. */
static void hmat_initiators(const struct topology *t, uint32_t node,
			    struct cpuset *s)
{
	uint32_t i, best = 0;

	cpuset_zero(s);
	if (topo_node_has_cpus(t, node)) {
		cpuset_set(s, node);
		return;
	}
	for (i = 0; i < t->numa_nodes; i++)
		if (topo_node_has_cpus(t, i) && (!best || t->distances[i][node] < best))
			best = t->distances[i][node];
	for (i = 0; i < t->numa_nodes; i++)
		if (topo_node_has_cpus(t, i) && t->distances[i][node] == best)
			cpuset_set(s, i);
}

/* The nodeN links in an access class's initiators/ directory. */
static int read_initiators(const char *dir, struct cpuset *s)
{
	struct dirent *de;
	unsigned int n;
	char end;
	DIR *d;

	cpuset_zero(s);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "node%u%c", &n, &end) == 1)
			cpuset_set(s, n);
	closedir(d);
	return 0;
}

static int check_access(struct ktstr_ctx *ctx, uint32_t node, int access)
{
	const struct topo_hmat *h = &ctx->topo.nodes[node].hmat;
	const struct { const char *name; uint32_t want; } attr[] = {
		{ "read_latency", h->read_latency_ns },
		{ "write_latency", h->write_latency_ns },
		{ "read_bandwidth", h->read_bandwidth_mbs },
		{ "write_bandwidth", h->write_bandwidth_mbs },
	};
	char dir[PATH_LEN], path[PATH_LEN + 32], who[32], w[64], s[64];
	struct cpuset want, seen;
	long v[ARRAY_SIZE(attr)];
	size_t i;
	int ret;

	snprintf(who, sizeof(who), "node%u", node);
	snprintf(dir, sizeof(dir), NODE_DIR "/node%u/access%d/initiators",
		 node, access);
	hmat_initiators(&ctx->topo, node, &want);
	ret = read_initiators(dir, &seen);
	if (ret)
		return ktstr_fail(ctx, "%s: %s: %s", who, dir, strerror(-ret));
	if (!cpuset_equal(&want, &seen))
		return ktstr_fail(ctx, "%s: %s: expected initiator nodes %s, saw %s",
				  who, dir, topo_fmt_set(&want, w, sizeof(w)),
				  topo_fmt_set(&seen, s, sizeof(s)));
	for (i = 0; i < ARRAY_SIZE(attr); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, attr[i].name);
		ret = topo_expect_long(ctx, who, path, attr[i].want, &v[i]);
		if (ret)
			return ret;
	}
	ktstr_diag(ctx, "node%u access%d initiators %s: latency r/w %ld/%ld ns, bandwidth r/w %ld/%ld MB/s",
		   node, access, topo_fmt_set(&seen, s, sizeof(s)), v[0], v[1],
		   v[2], v[3]);
	return KTSTR_PASS;
}

/* sysfs encodings of drivers/base/node.c (enum cache_indexing/policy). */
static long cache_indexing(uint8_t assoc)
{
	return assoc == 1 ? 0 : assoc == 2 ? 1 : 2;
}

static long cache_policy(enum hmat_write_policy p)
{
	return p == HMAT_WP_WRITE_BACK ? 0 : p == HMAT_WP_WRITE_THROUGH ? 1 : 2;
}

static int check_mem_cache(struct ktstr_ctx *ctx, uint32_t node)
{
	const struct topo_hmat *h = &ctx->topo.nodes[node].hmat;
	const struct { const char *name; long want; } attr[] = {
		{ "size", (long)h->cache_size },
		{ "line_size", h->cache_line },
		{ "indexing", cache_indexing(h->cache_assoc) },
		{ "write_policy", cache_policy(h->cache_policy) },
	};
	char path[PATH_LEN], who[32];
	size_t i;
	long v;
	int ret;

	snprintf(who, sizeof(who), "node%u", node);
	for (i = 0; i < ARRAY_SIZE(attr); i++) {
		snprintf(path, sizeof(path),
			 NODE_DIR "/node%u/memory_side_cache/index1/%s", node,
			 attr[i].name);
		ret = topo_expect_long(ctx, who, path, attr[i].want, &v);
		if (ret)
			return ret;
	}
	ktstr_diag(ctx, "node%u memory_side_cache/index1: size %llu line %u indexing %ld policy %ld",
		   node, (unsigned long long)h->cache_size, h->cache_line,
		   attr[2].want, attr[3].want);
	return KTSTR_PASS;
}

/*
 * access0: best initiators of any kind, access1: best with CPUs. Every
 * initiator here has CPUs, so both must name the same nodes and values.
 */
int topo_check_hmat(struct ktstr_ctx *ctx)
{
	const struct topology *t = &ctx->topo;
	uint32_t n;
	int ret = KTSTR_PASS, access;

	for (n = 0; n < t->numa_nodes && !HMAT_DESCRIBABLE; n++)
		if (t->nodes[n].hmat.present && t->nodes[n].mem_bytes)
			return ktstr_skip(ctx, "node%u declares HMAT data, and HMAT has no device-tree binding: an arm64 guest cannot be told its initiators, latencies, bandwidths or memory-side cache",
					  n);
	for (n = 0; n < t->numa_nodes && !ret; n++) {
		if (!t->nodes[n].hmat.present || !t->nodes[n].mem_bytes)
			continue;
		for (access = 0; access <= 1 && !ret; access++)
			ret = check_access(ctx, n, access);
		if (!ret && t->nodes[n].hmat.cache_size)
			ret = check_mem_cache(ctx, n);
	}
	return ret;
}

