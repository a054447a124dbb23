// SPDX-License-Identifier: GPL-2.0
/*
 * HMAT (revision 2, ACPI 6.3+): per memory node attributes, read/write
 * latency and bandwidth from every CPU node (initiator) to every node that
 * declares HMAT data (target), and memory-side caches. Linux reads it in
 * drivers/acpi/numa/hmat.c (hmat_parse_proximity_domain,
 * hmat_parse_locality, hmat_parse_cache) to rank initiators per node and to
 * fill /sys/devices/system/node/nodeN/access*.
 *
 * A node declares its memory as seen from its nearest initiator; farther
 * initiators see the latency scaled up and the bandwidth scaled down by
 * the ratio of their SLIT distances, so asymmetric distances give
 * asymmetric HMAT data.
 */
#include <errno.h>
#include <string.h>

#include "acpi/tables.h"

#define HMAT_ENTRY_MAX 0xfffe	/* 0xffff means "not reachable" */

bool acpi_hmat_wanted(const struct topology *t)
{
	uint32_t n;

	for (n = 0; n < t->numa_nodes; n++)
		if (t->nodes[n].hmat.present)
			return true;
	return false;
}

static bool node_has_cpus(const struct topology *t, uint32_t n)
{
	return topology_node_first_llc(t, n + 1) != topology_node_first_llc(t, n);
}

static bool node_is_target(const struct topology *t, uint32_t n)
{
	return t->nodes[n].hmat.present && t->nodes[n].mem_bytes;
}

/* Distance from the nearest CPU node to @target: its declared values. */
static uint32_t nearest_distance(const struct topology *t, uint32_t target)
{
	uint32_t i, best = 0;

	for (i = 0; i < t->numa_nodes; i++)
		if (node_has_cpus(t, i) &&
		    (!best || t->distances[i][target] < best))
			best = t->distances[i][target];
	return best ? best : 10;
}

static uint32_t hmat_declared(const struct topo_hmat *h, uint8_t type)
{
	switch (type) {
	case HMAT_READ_LATENCY:
		return h->read_latency_ns;
	case HMAT_WRITE_LATENCY:
		return h->write_latency_ns;
	case HMAT_READ_BANDWIDTH:
		return h->read_bandwidth_mbs;
	default:
		return h->write_bandwidth_mbs;
	}
}

/* Latency in picoseconds (revision 2 unit), bandwidth in MB/s. */
static uint64_t hmat_value(const struct topology *t, uint32_t init,
			   uint32_t target, uint8_t type)
{
	uint64_t v = hmat_declared(&t->nodes[target].hmat, type);
	uint64_t near = nearest_distance(t, target);
	uint64_t dist = t->distances[init][target];

	if (type == HMAT_READ_LATENCY || type == HMAT_WRITE_LATENCY)
		return (v * 1000 * dist + near / 2) / near;
	return (v * near + dist / 2) / dist;
}

/* Smallest power-of-ten unit that fits @max into a 16-bit entry. */
static uint64_t hmat_base_unit(uint64_t max)
{
	uint64_t unit = 1;

	while (max / unit > HMAT_ENTRY_MAX)
		unit *= 10;
	return unit;
}

static uint16_t hmat_entry(uint64_t v, uint64_t unit)
{
	uint64_t e = (v + unit / 2) / unit;

	/* 0 would read as "no data": keep tiny non-zero values visible. */
	if (v && !e)
		e = 1;
	return e > HMAT_ENTRY_MAX ? HMAT_ENTRY_MAX : e;
}

static void *hmat_put_u32s(struct acpi_ctx *c, const struct topology *t,
			   bool (*pick)(const struct topology *, uint32_t))
{
	uint8_t *p, *first = NULL;
	uint32_t n;

	for (n = 0; n < t->numa_nodes; n++) {
		if (!pick(t, n))
			continue;
		/* Unaligned after an odd number of u16 entries: memcpy. */
		p = acpi_alloc(c, sizeof(n), 1);
		if (!p)
			return NULL;
		memcpy(p, &n, sizeof(n));
		first = first ? first : p;
	}
	return first;
}

static uint32_t hmat_count(const struct topology *t,
			   bool (*pick)(const struct topology *, uint32_t))
{
	uint32_t n, nr = 0;

	for (n = 0; n < t->numa_nodes; n++)
		nr += pick(t, n);
	return nr;
}

static int hmat_add_entries(struct acpi_ctx *c, uint8_t type, uint64_t unit)
{
	const struct topology *t = c->cfg->topo;
	uint32_t i, j;
	uint16_t v;
	void *e;

	for (i = 0; i < t->numa_nodes; i++) {
		if (!node_has_cpus(t, i))
			continue;
		for (j = 0; j < t->numa_nodes; j++) {
			if (!node_is_target(t, j))
				continue;
			e = acpi_alloc(c, sizeof(v), 1);
			if (!e)
				return -ENOSPC;
			v = hmat_entry(hmat_value(t, i, j, type), unit);
			memcpy(e, &v, sizeof(v));
		}
	}
	return 0;
}

static uint64_t hmat_max_value(const struct topology *t, uint8_t type)
{
	uint64_t v, max = 0;
	uint32_t i, j;

	for (i = 0; i < t->numa_nodes; i++)
		for (j = 0; j < t->numa_nodes; j++) {
			if (!node_has_cpus(t, i) || !node_is_target(t, j))
				continue;
			v = hmat_value(t, i, j, type);
			max = v > max ? v : max;
		}
	return max;
}

static int hmat_add_locality(struct acpi_ctx *c, uint8_t type)
{
	const struct topology *t = c->cfg->topo;
	uint64_t max = hmat_max_value(t, type);
	struct hmat_locality *l;
	uint8_t *start;

	if (!max)	/* nothing declared for this kind of data */
		return 0;
	l = acpi_alloc(c, sizeof(*l), 1);
	if (!l)
		return -ENOSPC;
	start = (uint8_t *)l;
	l->type = HMAT_LOCALITY;
	l->data_type = type;
	l->nr_initiators = hmat_count(t, node_has_cpus);
	l->nr_targets = hmat_count(t, node_is_target);
	l->base_unit = hmat_base_unit(max);
	if (!hmat_put_u32s(c, t, node_has_cpus) ||
	    !hmat_put_u32s(c, t, node_is_target) ||
	    hmat_add_entries(c, type, l->base_unit))
		return -ENOSPC;
	l->length = c->buf + c->off - start;
	return 0;
}

static int hmat_add_proximity(struct acpi_ctx *c, uint32_t n)
{
	const struct topology *t = c->cfg->topo;
	struct hmat_proximity *p;

	p = acpi_alloc(c, sizeof(*p), 1);
	if (!p)
		return -ENOSPC;
	p->type = HMAT_PROXIMITY;
	p->length = sizeof(*p);
	p->memory_pd = n;
	/* A memory-only node has no attached initiator: Linux ranks them. */
	if (node_has_cpus(t, n)) {
		p->flags = HMAT_INITIATOR_VALID;
		p->initiator_pd = n;
	}
	return 0;
}

static int hmat_add_cache(struct acpi_ctx *c, uint32_t n)
{
	const struct topo_hmat *h = &c->cfg->topo->nodes[n].hmat;
	struct hmat_cache *mc;

	mc = acpi_alloc(c, sizeof(*mc), 1);
	if (!mc)
		return -ENOSPC;
	mc->type = HMAT_CACHE;
	mc->length = sizeof(*mc);
	mc->memory_pd = n;
	mc->size = h->cache_size;
	/* One level; level 1; associativity; write policy; line size. */
	mc->attributes = 1 | 1 << 4 | (h->cache_assoc & 0xf) << 8 |
			 ((uint32_t)h->cache_policy & 0xf) << 12 |
			 (uint32_t)h->cache_line << 16;
	return 0;
}

static const uint8_t hmat_types[] = {
	HMAT_READ_LATENCY, HMAT_WRITE_LATENCY,
	HMAT_READ_BANDWIDTH, HMAT_WRITE_BANDWIDTH,
};

int acpi_build_hmat(struct acpi_ctx *c)
{
	const struct topology *t = c->cfg->topo;
	struct acpi_hmat *h;
	uint32_t n, i;
	int ret = 0;

	h = acpi_table_begin(c, "HMAT", 2, sizeof(*h));
	if (!h)
		return -ENOSPC;
	for (n = 0; n < t->numa_nodes && !ret; n++)
		if (t->nodes[n].mem_bytes)
			ret = hmat_add_proximity(c, n);
	for (i = 0; i < sizeof(hmat_types) && !ret; i++)
		ret = hmat_add_locality(c, hmat_types[i]);
	for (n = 0; n < t->numa_nodes && !ret; n++)
		if (node_is_target(t, n) && t->nodes[n].hmat.cache_size)
			ret = hmat_add_cache(c, n);
	if (ret)
		return ret;
	return acpi_table_end(c, h, true);
}
