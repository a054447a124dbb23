// SPDX-License-Identifier: GPL-2.0
/*
 * MADT: one enabled Local APIC entry per vCPU with its packed APIC ID (a
 * Local x2APIC entry for IDs above 254, per ACPI 5.2.12.12), one IOAPIC
 * at GSI 0, IRQ0 routed to GSI 2 and LINT1 as NMI. Linux parses it in
 * arch/x86/kernel/acpi/boot.c (acpi_parse_lapic/x2apic, acpi_parse_ioapic,
 * acpi_parse_int_src_ovr, acpi_parse_lapic_nmi).
 */
#include <errno.h>

#include "acpi/tables.h"

static int madt_add_cpu(struct acpi_ctx *c, uint32_t cpu, uint32_t id)
{
	struct madt_x2apic *x;
	struct madt_lapic *l;

	if (id > ACPI_XAPIC_MAX_ID) {
		x = acpi_alloc(c, sizeof(*x), 1);
		if (!x)
			return -ENOSPC;
		*x = (struct madt_x2apic){
			.type = MADT_X2APIC, .length = sizeof(*x),
			.x2apic_id = id, .flags = MADT_ENABLED, .uid = cpu,
		};
		return 0;
	}
	l = acpi_alloc(c, sizeof(*l), 1);
	if (!l)
		return -ENOSPC;
	*l = (struct madt_lapic){
		.type = MADT_LAPIC, .length = sizeof(*l),
		.uid = cpu, .apic_id = id, .flags = MADT_ENABLED,
	};
	return 0;
}

static int madt_add_ioapic(struct acpi_ctx *c)
{
	struct madt_ioapic *io;
	struct madt_iso *iso;

	io = acpi_alloc(c, sizeof(*io), 1);
	if (!io)
		return -ENOSPC;
	*io = (struct madt_ioapic){
		.type = MADT_IOAPIC, .length = sizeof(*io),
		.id = c->cfg->ioapic_id,
		.addr = ACPI_IOAPIC_ADDR, .gsi_base = 0,
	};
	/* The PIT's IRQ0 is wired to IOAPIC pin 2, as on every PC. */
	iso = acpi_alloc(c, sizeof(*iso), 1);
	if (!iso)
		return -ENOSPC;
	*iso = (struct madt_iso){
		.type = MADT_ISO, .length = sizeof(*iso),
		.bus = 0, .source = 0, .gsi = 2, .flags = 0,
	};
	return 0;
}

/* LINT1 is NMI on all processors, in the entry kind the CPUs use. */
static int madt_add_nmi(struct acpi_ctx *c, bool x2apic)
{
	struct madt_x2apic_nmi *xn;
	struct madt_lapic_nmi *n;

	if (x2apic) {
		xn = acpi_alloc(c, sizeof(*xn), 1);
		if (!xn)
			return -ENOSPC;
		*xn = (struct madt_x2apic_nmi){
			.type = MADT_X2APIC_NMI, .length = sizeof(*xn),
			.uid = 0xffffffff, .lint = 1,
		};
		return 0;
	}
	n = acpi_alloc(c, sizeof(*n), 1);
	if (!n)
		return -ENOSPC;
	*n = (struct madt_lapic_nmi){
		.type = MADT_LAPIC_NMI, .length = sizeof(*n),
		.uid = 0xff, .lint = 1,
	};
	return 0;
}

int acpi_build_madt(struct acpi_ctx *c)
{
	const struct topology *t = c->cfg->topo;
	uint32_t cpu, nr = topology_nr_cpus(t);
	struct acpi_madt *m;
	int ret = 0;

	/* Revision 5: ACPI 6.2-6.5 MADT. */
	m = acpi_table_begin(c, "APIC", 5, sizeof(*m));
	if (!m)
		return -ENOSPC;
	m->lapic_addr = ACPI_LAPIC_ADDR;
	m->flags = 0;
	for (cpu = 0; cpu < nr && !ret; cpu++)
		ret = madt_add_cpu(c, cpu, c->cfg->apic_ids[cpu]);
	if (!ret)
		ret = madt_add_ioapic(c);
	if (!ret)
		ret = madt_add_nmi(c, false);
	if (!ret && acpi_needs_x2apic(c->cfg))
		ret = madt_add_nmi(c, true);
	if (ret)
		return ret;
	return acpi_table_end(c, m, true);
}
