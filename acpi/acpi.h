/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Firmware tables for an x86_64 guest built from the declared topology:
 * ACPI (RSDP, XSDT, hardware-reduced FADT, DSDT, MADT, SRAT, SLIT, HMAT)
 * and, for acpi=off kernels, an Intel MP table.
 */
#ifndef KTSTR_ACPI_ACPI_H
#define KTSTR_ACPI_ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/topology.h"

#define ACPI_IOAPIC_ADDR	0xfec00000U
#define ACPI_XAPIC_MAX_ID	254	/* 0xff is the xAPIC broadcast ID */
#define ACPI_LAPIC_ADDR		0xfee00000U
/*
 * \_S5 SLP_TYP: power-off is a 16-bit write to PM1a_CNT of
 * (5 << 10) | ACPI_SLP_EN = 0x3400.
 */
#define ACPI_SLP_TYP_S5		5
#define ACPI_SLP_EN		(1U << 13)
#define ACPI_SLP_TYP_SHIFT	10
#define ACPI_SLP_TYP_MASK	(7U << ACPI_SLP_TYP_SHIFT)
#define ACPI_SCI_IRQ		9
#define ACPI_PM1_EVT_LEN	4	/* status + enable */
#define ACPI_PM1_CNT_LEN	2

struct acpi_mem_range {
	uint64_t gpa, size;
	uint32_t node;
};

#define ACPI_MAX_VIRTIO		8

struct acpi_virtio_mmio {
	uint32_t base, size;	/* below 4 GiB: a Memory32Fixed descriptor */
	uint8_t irq;		/* an ISA IRQ, edge, active high */
};

struct acpi_config {
	const struct topology *topo;
	/* Per CPU of @topo: its APIC ID (vmm/x86_64/apic.h lays them out). */
	const uint32_t *apic_ids;
	uint8_t ioapic_id;
	const struct acpi_mem_range *mem;
	int nr_mem;
	uint16_t pm1a_evt_port, pm1a_cnt_port;	/* PM1a blocks: power-off */
	/*
	 * virtio-mmio devices described in the DSDT (_HID "LNRO0005"), for
	 * kernels whose virtio_mmio cannot take them from the command line
	 * (a module, or no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).
	 */
	const struct acpi_virtio_mmio *virtio;
	int nr_virtio;
};

/*
 * Lays out all tables in [buf, buf+size) which the guest sees at gpa @base;
 * returns bytes used, -ENOSPC, or -EINVAL for a range naming a node the
 * topology lacks; *rsdp_gpa gets the RSDP address (16-byte aligned).
 */
ssize_t acpi_build(const struct acpi_config *cfg, void *buf, uint64_t base,
		   size_t size, uint64_t *rsdp_gpa);

/* True when some APIC ID of @cfg does not fit xAPIC (> 254). */
bool acpi_needs_x2apic(const struct acpi_config *cfg);

/*
 * MP table (floating pointer first, 16-byte aligned, then the config
 * table) for @cfg's CPUs and IOAPIC. Linux finds it only by scanning
 * 0xf0000-0xfffff, the first KiB or the EBDA, so @base must lie there.
 * Returns bytes used, -ENOSPC, or -E2BIG when some APIC ID does not fit
 * xAPIC (> 254).
 */
ssize_t mptable_build(const struct acpi_config *cfg, void *buf, uint64_t base,
		      size_t size);

#endif
