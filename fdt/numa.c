// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA in the device tree (Documentation/devicetree/bindings/numa.txt):
 * one /memory@ node per node with memory, memory-only nodes included,
 * each with its numa-node-id, and /distance-map with the full declared
 * matrix. Linux (drivers/of/of_numa.c) reads the matrix in order and lets
 * a later B->A entry override the A->B default, so asymmetric distances
 * survive. HMAT has no device-tree binding and is not described.
 */
#include <inttypes.h>
#include <string.h>

#include "fdt/internal.h"

/* All of @node's ranges in one reg, named by the lowest base. */
static void memory_node(struct fdt_ctx *ctx, uint32_t node)
{
	const struct fdt_machine *m = ctx->m;
	uint64_t lowest = UINT64_MAX;
	uint32_t i, n = 0;
	char *reg = NULL;

	for (i = 0; i < m->nr_mem; i++) {
		if (m->mem[i].node != node)
			continue;
		lowest = MIN(lowest, m->mem[i].base);
		n++;
	}
	if (!n)
		return;
	fdt_begin(ctx, "memory@%" PRIx64, lowest);
	_FDT(fdt_property_string(ctx->fdt, "device_type", "memory"));
	/* Filled in place: no bound on the ranges, no allocation. */
	_FDT(fdt_property_placeholder(ctx->fdt, "reg", n * sizeof(fdt64_t[2]),
				      (void **)&reg));
	for (i = 0; reg && i < m->nr_mem; i++) {
		fdt64_t cells[2] = {
			cpu_to_fdt64(m->mem[i].base),
			cpu_to_fdt64(m->mem[i].size),
		};

		if (m->mem[i].node != node)
			continue;
		/* Property values are only 4-byte aligned. */
		memcpy(reg, cells, sizeof(cells));
		reg += sizeof(cells);
	}
	_FDT(fdt_property_u32(ctx->fdt, "numa-node-id", node));
	fdt_end(ctx);
}

void fdt_write_memory(struct fdt_ctx *ctx)
{
	uint32_t node;

	for (node = 0; node < ctx->t->numa_nodes; node++)
		memory_node(ctx, node);
}

void fdt_write_distance_map(struct fdt_ctx *ctx)
{
	const struct topology *t = ctx->t;
	uint32_t nodes = t->numa_nodes, i, j, k = 0;
	fdt32_t matrix[TOPO_MAX_NODES * TOPO_MAX_NODES * 3];

	for (i = 0; i < nodes; i++) {
		for (j = 0; j < nodes; j++) {
			matrix[k++] = cpu_to_fdt32(i);
			matrix[k++] = cpu_to_fdt32(j);
			matrix[k++] = cpu_to_fdt32(t->distances[i][j]);
		}
	}
	fdt_begin(ctx, "distance-map");
	_FDT(fdt_property_string(ctx->fdt, "compatible",
				 "numa-distance-map-v1"));
	_FDT(fdt_property(ctx->fdt, "distance-matrix", matrix,
			  k * sizeof(*matrix)));
	fdt_end(ctx);
}

uint32_t fdt_mem_layout(const struct topology *t, uint64_t ram_base,
			struct fdt_mem_range out[TOPO_MAX_NODES])
{
	uint64_t base = ram_base;
	uint32_t node, n = 0;

	for (node = 0; node < t->numa_nodes && node < TOPO_MAX_NODES; node++) {
		if (!t->nodes[node].mem_bytes)
			continue;
		out[n++] = (struct fdt_mem_range){
			.base = base, .size = t->nodes[node].mem_bytes,
			.node = node,
		};
		base += t->nodes[node].mem_bytes;
	}
	return n;
}
