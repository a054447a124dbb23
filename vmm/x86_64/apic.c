// SPDX-License-Identifier: GPL-2.0
/*
 * APIC ID packing. Linux decodes the IDs with the shifts CPUID 0xb/0x1f
 * report (arch/x86/kernel/cpu/topology_ext.c, topology_common.c:
 * topo_set_ids()), so cpuid_topo.c publishes exactly this layout.
 */
#include "vmm/x86_64/apic.h"

uint8_t apic_order(uint32_t n)
{
	uint8_t bits = 0;

	while (n > 1 && (1ULL << bits) < n)
		bits++;
	return bits;
}

uint32_t apic_max_llcs_per_pkg(const struct topology *t)
{
	uint32_t n, first, next, max = 0;

	for (n = 0; n < t->numa_nodes; n++) {
		first = topology_node_first_llc(t, n);
		next = topology_node_first_llc(t, n + 1);
		if (next - first > max)
			max = next - first;
	}
	return max;
}

void apic_layout(const struct topology *t, struct apic_layout *l)
{
	l->smt_bits = apic_order(t->threads_per_core);
	l->core_bits = apic_order(t->cores_per_llc);
	l->die_bits = apic_order(apic_max_llcs_per_pkg(t));
	l->core_shift = l->smt_bits;
	l->die_shift = l->core_shift + l->core_bits;
	l->pkg_shift = l->die_shift + l->die_bits;
}

uint32_t apic_node_pkg(const struct topology *t, uint32_t node)
{
	uint32_t n, pkg = 0;

	/* Memory-only nodes own no LLCs and take no package number. */
	for (n = 0; n < node && n < t->numa_nodes; n++)
		if (topology_node_first_llc(t, n + 1) != topology_node_first_llc(t, n))
			pkg++;
	return pkg;
}

uint32_t apic_id(const struct topology *t, uint32_t cpu)
{
	struct apic_layout l;
	struct topo_cpu c;
	uint32_t die;

	apic_layout(t, &l);
	topology_cpu(t, cpu, &c);
	die = c.llc - topology_node_first_llc(t, c.node);
	return apic_node_pkg(t, c.node) << l.pkg_shift | die << l.die_shift |
	       c.core << l.core_shift | c.thread;
}

uint32_t apic_max_id(const struct topology *t)
{
	uint32_t nr = topology_nr_cpus(t);

	/* IDs grow with the vCPU number, so the last one is the largest. */
	return nr ? apic_id(t, nr - 1) : 0;
}

bool apic_needs_x2apic(const struct topology *t)
{
	return apic_max_id(t) > APIC_XAPIC_MAX_ID;
}

uint8_t apic_ioapic_id(const struct topology *t)
{
	uint32_t max = apic_max_id(t);

	return max < APIC_XAPIC_MAX_ID ? max + 1 : 0;
}
