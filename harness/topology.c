// SPDX-License-Identifier: GPL-2.0
/*
 * The declared machine: parse "2n4l4c2t", validate, and map vCPU numbers to
 * (node, llc, core, thread). See harness/topology.h for the numbering.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/topology.h"
#include "util/util.h"

#define TOPO_MAX_COUNT 255	/* any single count; keeps APIC fields small */

/* Per-node LLCs are explicit once any node carries a non-zero count. */
static bool topo_explicit_nodes(const struct topology *t)
{
	uint32_t n;

	for (n = 0; n < t->numa_nodes && n < TOPO_MAX_NODES; n++)
		if (t->nodes[n].llcs)
			return true;
	return false;
}

static uint32_t topo_node_llcs(const struct topology *t, uint32_t node)
{
	if (topo_explicit_nodes(t))
		return t->nodes[node].llcs;
	return t->numa_nodes ? t->llcs / t->numa_nodes : 0;
}

uint32_t topology_nr_cpus(const struct topology *t)
{
	return t->llcs * t->cores_per_llc * t->threads_per_core;
}

uint64_t topology_mem_bytes(const struct topology *t)
{
	uint64_t sum = 0;
	uint32_t n;

	for (n = 0; n < t->numa_nodes && n < TOPO_MAX_NODES; n++)
		sum += t->nodes[n].mem_bytes;
	return sum;
}

uint32_t topology_node_first_llc(const struct topology *t, uint32_t node)
{
	uint32_t n, first = 0;

	for (n = 0; n < node && n < t->numa_nodes; n++)
		first += topo_node_llcs(t, n);
	return first;
}

void topology_cpu(const struct topology *t, uint32_t cpu, struct topo_cpu *c)
{
	uint32_t per_llc = t->cores_per_llc * t->threads_per_core;
	uint32_t n, first = 0;

	c->thread = cpu % t->threads_per_core;
	c->core = (cpu / t->threads_per_core) % t->cores_per_llc;
	c->llc = cpu / per_llc;
	c->node = 0;
	for (n = 0; n < t->numa_nodes; n++) {
		uint32_t nl = topo_node_llcs(t, n);

		if (c->llc >= first && c->llc < first + nl) {
			c->node = n;
			return;
		}
		first += nl;
	}
}

void topology_format(const struct topology *t, char *out, size_t len)
{
	snprintf(out, len, "%un%ul%uc%ut", t->numa_nodes, t->llcs,
		 t->cores_per_llc, t->threads_per_core);
}

static int check_count(const char *name, uint64_t v, char *err, size_t errlen)
{
	if (!v)
		return err_inval(err, errlen, "%s=0: must be at least 1", name);
	if (v > TOPO_MAX_COUNT)
		return err_inval(err, errlen, "%s=%" PRIu64 " exceeds %u",
				name, v, TOPO_MAX_COUNT);
	return 0;
}

static int check_counts(const struct topology *t, char *err, size_t errlen)
{
	int ret;

	if (!t->numa_nodes)
		return err_inval(err, errlen, "numa_nodes=0: must be at least 1");
	if (t->numa_nodes > TOPO_MAX_NODES)
		return err_inval(err, errlen, "numa_nodes=%u exceeds %u",
				t->numa_nodes, TOPO_MAX_NODES);
	ret = check_count("llcs", t->llcs, err, errlen);
	if (!ret)
		ret = check_count("cores_per_llc", t->cores_per_llc, err, errlen);
	if (!ret)
		ret = check_count("threads_per_core", t->threads_per_core,
				  err, errlen);
	return ret;
}

static int check_llc_split(const struct topology *t, char *err, size_t errlen)
{
	uint32_t n, sum = 0;

	if (!topo_explicit_nodes(t)) {
		if (t->llcs % t->numa_nodes)
			return err_inval(err, errlen,
					"llcs=%u not divisible by numa_nodes=%u",
					t->llcs, t->numa_nodes);
		return 0;
	}
	for (n = 0; n < t->numa_nodes; n++) {
		if (t->nodes[n].llcs > TOPO_MAX_COUNT)
			return err_inval(err, errlen, "node %u llcs=%u exceeds %u",
					n, t->nodes[n].llcs, TOPO_MAX_COUNT);
		sum += t->nodes[n].llcs;
	}
	if (sum != t->llcs)
		return err_inval(err, errlen,
				"node llcs sum to %u but llcs=%u", sum, t->llcs);
	return 0;
}

static int check_node_hmat(uint32_t n, const struct topo_hmat *h,
			   char *err, size_t errlen)
{
	if (!h->present)
		return 0;
	if (h->cache_assoc > 2)
		return err_inval(err, errlen,
				"node %u hmat cache_assoc=%u: must be 0..2",
				n, h->cache_assoc);
	if (h->cache_policy > HMAT_WP_WRITE_THROUGH)
		return err_inval(err, errlen,
				"node %u hmat cache_policy=%d: must be 0..2",
				n, (int)h->cache_policy);
	return 0;
}

static int check_memory(const struct topology *t, char *err, size_t errlen)
{
	uint32_t n;
	int ret;

	for (n = 0; n < t->numa_nodes; n++) {
		const struct topo_node *nd = &t->nodes[n];

		if (nd->mem_bytes % TOPO_MEM_ALIGN)
			return err_inval(err, errlen,
					"node %u memory %" PRIu64 " not a multiple of %llu MiB",
					n, nd->mem_bytes, TOPO_MEM_ALIGN >> 20);
		if (!topo_node_llcs(t, n) && !nd->mem_bytes)
			return err_inval(err, errlen,
					"node %u has no LLCs and no memory", n);
		ret = check_node_hmat(n, &nd->hmat, err, errlen);
		if (ret)
			return ret;
	}
	if (!topology_mem_bytes(t))
		return err_inval(err, errlen, "total memory 0: must be at least %llu MiB",
				TOPO_MEM_ALIGN >> 20);
	return 0;
}

static int check_distance(const struct topology *t, uint32_t i, uint32_t j,
			  char *err, size_t errlen)
{
	uint8_t d = t->distances[i][j], r = t->distances[j][i];

	if (i == j) {
		if (d != 10)
			return err_inval(err, errlen,
					"distance[%u][%u]=%u: must be 10", i, j, d);
		return 0;
	}
	if (d <= 10)
		return err_inval(err, errlen, "distance[%u][%u]=%u: must be > 10",
				i, j, d);
	if (d != r && !t->allow_asymmetric)
		return err_inval(err, errlen,
				"distance[%u][%u]=%u != distance[%u][%u]=%u (asymmetric; allow_asymmetric not set)",
				i, j, d, j, i, r);
	return 0;
}

static int check_distances(const struct topology *t, char *err, size_t errlen)
{
	uint32_t i, j;
	int ret;

	for (i = 0; i < t->numa_nodes; i++) {
		for (j = 0; j < t->numa_nodes; j++) {
			ret = check_distance(t, i, j, err, errlen);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int topology_validate(const struct topology *t, uint32_t max_vcpus,
		      char *err, size_t errlen)
{
	uint32_t nr;
	int ret;

	ret = check_counts(t, err, errlen);
	if (!ret)
		ret = check_llc_split(t, err, errlen);
	if (ret)
		return ret;
	/* Each count is <= 255, so the product cannot overflow 32 bits. */
	nr = topology_nr_cpus(t);
	if (nr > TOPO_MAX_CPUS)
		return err_inval(err, errlen, "%u vCPUs exceed %u", nr,
				TOPO_MAX_CPUS);
	if (max_vcpus && nr > max_vcpus)
		return err_inval(err, errlen,
				"%u vCPUs exceed KVM_CAP_MAX_VCPUS=%u",
				nr, max_vcpus);
	ret = check_memory(t, err, errlen);
	if (!ret)
		ret = check_distances(t, err, errlen);
	return ret;
}

static const char topo_letters[] = "nlct";

static const char *const topo_names[] = {
	"numa_nodes", "llcs", "cores_per_llc", "threads_per_core",
};

/* Parses "<num><letter>" parts in n,l,c,t order into @v[4]. */
static int parse_parts(const char *spec, uint64_t v[4], char *err,
		       size_t errlen)
{
	const char *p = spec;
	int next = 0;

	if (!*spec)
		return err_inval(err, errlen, "topology \"\": empty spec (e.g. 2n4l4c2t)");
	while (*p) {
		const char *letter;
		uint64_t val;
		char *end;
		int idx;

		if (*p < '0' || *p > '9')
			return err_inval(err, errlen,
					"topology \"%s\": expected a number at \"%s\"",
					spec, p);
		errno = 0;
		val = strtoull(p, &end, 10);

		letter = *end ? strchr(topo_letters, *end) : NULL;
		if (!letter)
			return err_inval(err, errlen,
					"topology \"%s\": expected n, l, c or t after \"%.*s\"",
					spec, (int)(end - p), p);
		idx = letter - topo_letters;
		if (idx < next)
			return err_inval(err, errlen,
					"topology \"%s\": '%c' out of order (use n, l, c, t order, each once)",
					spec, *end);
		/* Named as written, not as a clamped value. */
		if (errno == ERANGE || val > TOPO_MAX_COUNT)
			return err_inval(err, errlen, "%s=%.*s exceeds %u",
					topo_names[idx], (int)(end - p), p,
					TOPO_MAX_COUNT);
		if (check_count(topo_names[idx], val, err, errlen))
			return -EINVAL;
		v[idx] = val;
		next = idx + 1;
		p = end + 1;
	}
	return 0;
}

/* Splits evenly; 10 on the diagonal, 20 elsewhere. */
static int fill_uniform(struct topology *t, uint64_t mem_bytes,
			char *err, size_t errlen)
{
	uint64_t per_node = mem_bytes / t->numa_nodes;
	uint32_t i, j;

	per_node -= per_node % TOPO_MEM_ALIGN;
	if (!per_node)
		return err_inval(err, errlen,
				"memory %" PRIu64 " over %u nodes leaves less than %llu MiB per node",
				mem_bytes, t->numa_nodes, TOPO_MEM_ALIGN >> 20);
	for (i = 0; i < t->numa_nodes; i++) {
		t->nodes[i].llcs = t->llcs / t->numa_nodes;
		t->nodes[i].mem_bytes = per_node;
		for (j = 0; j < t->numa_nodes; j++)
			t->distances[i][j] = i == j ? 10 : 20;
	}
	return 0;
}

int topology_parse(const char *spec, uint64_t mem_bytes, struct topology *t,
		   char *err, size_t errlen)
{
	uint64_t v[4] = { 1, 1, 1, 1 };
	int ret;

	memset(t, 0, sizeof(*t));
	ret = parse_parts(spec, v, err, errlen);
	if (ret)
		return ret;
	t->numa_nodes = v[0];
	t->llcs = v[1];
	t->cores_per_llc = v[2];
	t->threads_per_core = v[3];
	ret = check_counts(t, err, errlen);
	if (!ret)
		ret = check_llc_split(t, err, errlen);
	if (!ret)
		ret = fill_uniform(t, mem_bytes, err, errlen);
	if (!ret)
		ret = topology_validate(t, 0, err, errlen);
	return ret;
}
