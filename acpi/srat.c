// SPDX-License-Identifier: GPL-2.0
/*
 * SRAT (which node each vCPU and memory range belongs to) and SLIT (the
 * node distance matrix). Proximity domain = NUMA node number, so a
 * memory-only node shows up as a domain with memory and no processors.
 * Linux: arch/x86/mm/srat.c and drivers/acpi/numa/srat.c.
 */
#include <errno.h>
#include <string.h>

#include "acpi/tables.h"

static int srat_add_cpu(struct acpi_ctx *c, uint32_t node, uint32_t id)
{
	struct srat_x2apic *x;
	struct srat_cpu *p;

	/* Same split as the MADT: xAPIC IDs in 8 bits, the rest x2APIC. */
	if (id > ACPI_XAPIC_MAX_ID) {
		x = acpi_alloc(c, sizeof(*x), 1);
		if (!x)
			return -ENOSPC;
		*x = (struct srat_x2apic){
			.type = SRAT_X2APIC, .length = sizeof(*x),
			.proximity = node, .x2apic_id = id,
			.flags = SRAT_ENABLED,
		};
		return 0;
	}
	p = acpi_alloc(c, sizeof(*p), 1);
	if (!p)
		return -ENOSPC;
	*p = (struct srat_cpu){
		.type = SRAT_CPU, .length = sizeof(*p),
		.proximity_lo = node & 0xff, .apic_id = id,
		.flags = SRAT_ENABLED,
		.proximity_hi = { node >> 8, node >> 16, node >> 24 },
	};
	return 0;
}

static int srat_add_mem(struct acpi_ctx *c, const struct acpi_mem_range *r)
{
	struct srat_mem *m = acpi_alloc(c, sizeof(*m), 1);

	if (!m)
		return -ENOSPC;
	*m = (struct srat_mem){
		.type = SRAT_MEM, .length = sizeof(*m),
		.proximity = r->node,
		.base_lo = r->gpa, .base_hi = r->gpa >> 32,
		.length_lo = r->size, .length_hi = r->size >> 32,
		.flags = SRAT_ENABLED,
	};
	return 0;
}

int acpi_build_srat(struct acpi_ctx *c)
{
	const struct acpi_config *cfg = c->cfg;
	const struct topology *t = cfg->topo;
	uint32_t cpu, nr = topology_nr_cpus(t);
	struct acpi_srat *s;
	struct topo_cpu tc;
	int i, ret = 0;

	s = acpi_table_begin(c, "SRAT", 3, sizeof(*s));
	if (!s)
		return -ENOSPC;
	s->reserved1 = 1;
	for (cpu = 0; cpu < nr && !ret; cpu++) {
		topology_cpu(t, cpu, &tc);
		ret = srat_add_cpu(c, tc.node, cfg->apic_ids[cpu]);
	}
	for (i = 0; i < cfg->nr_mem && !ret; i++)
		if (cfg->mem[i].size)
			ret = srat_add_mem(c, &cfg->mem[i]);
	if (ret)
		return ret;
	return acpi_table_end(c, s, true);
}

int acpi_build_slit(struct acpi_ctx *c)
{
	const struct topology *t = c->cfg->topo;
	uint32_t n = t->numa_nodes, i;
	struct acpi_slit *s;
	uint8_t *row;

	s = acpi_table_begin(c, "SLIT", 1, sizeof(*s));
	if (!s)
		return -ENOSPC;
	s->localities = n;
	for (i = 0; i < n; i++) {
		row = acpi_alloc(c, n, 1);
		if (!row)
			return -ENOSPC;
		memcpy(row, t->distances[i], n);
	}
	return acpi_table_end(c, s, true);
}
