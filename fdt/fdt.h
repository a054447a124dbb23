/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device tree an arm64 guest boots with, built with libfdt from the
 * declared topology (harness/topology.h) and the devices the VMM placed:
 * /cpus (reg = MPIDR affinity, PSCI, L1/L2/L3 caches, cpu-map), /memory@
 * per NUMA node, /distance-map, PSCI, GICv3, arch timer, PMU, ns16550a
 * UARTs, virtio-mmio devices, /chosen and /aliases.
 *
 * Interrupt numbers are GIC INTIDs, as KVM takes them (vGIC attributes,
 * KVM_IRQ_LINE): PPIs 16..31, SPIs 32..1019. The builder converts them to
 * the binding's <type number flags> cells.
 */
#ifndef KTSTR_FDT_FDT_H
#define KTSTR_FDT_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "harness/topology.h"

#define FDT_GIC_PPI_FIRST	16
#define FDT_GIC_SPI_FIRST	32
#define FDT_GIC_SPI_LAST	1019
/* One GICv3 redistributor: RD_base and SGI_base frames of 64 KiB each. */
#define FDT_GICR_FRAME_SIZE	0x20000ULL

/* Order of "interrupts" in the arm,armv8-timer binding. */
enum fdt_timer_irq {
	FDT_TIMER_SEC_PHYS,
	FDT_TIMER_PHYS,
	FDT_TIMER_VIRT,
	FDT_TIMER_HYP_PHYS,
	FDT_TIMER_NR,
};

/* Guest RAM [base, base + size) on NUMA node @node. */
struct fdt_mem_range {
	uint64_t base, size;
	uint32_t node;
};

/* An MMIO device: ns16550a UART or virtio-mmio transport. */
struct fdt_mmio_dev {
	uint64_t base, size;
	uint32_t irq;			/* SPI INTID */
	uint32_t clock_hz;		/* UART input clock; unused for virtio */
};

struct fdt_machine {
	const struct topology *topo;
	/*
	 * MPIDR_EL1 of each vCPU as KVM_GET_ONE_REG reports it, vCPU order
	 * of harness/topology.h; the cpu nodes' reg is its Aff3..Aff0 bits.
	 */
	const uint64_t *mpidr;
	uint32_t nr_cpus;		/* must equal topology_nr_cpus() */
	/* Per-node RAM; each node's ranges sum to its declared mem_bytes. */
	const struct fdt_mem_range *mem;
	uint32_t nr_mem;
	uint64_t gicd_base, gicd_size;	/* GICv3 distributor */
	uint64_t gicr_base, gicr_size;	/* one redistributor region */
	uint32_t timer_irq[FDT_TIMER_NR];	/* PPI INTIDs */
	uint32_t pmu_irq;		/* PPI INTID; 0: no PMU node */
	const struct fdt_mmio_dev *uarts;	/* /aliases serial0, serial1... */
	uint32_t nr_uarts;
	uint32_t console_uart;		/* index into uarts: stdout-path */
	const struct fdt_mmio_dev *virtio;
	uint32_t nr_virtio;
	const char *bootargs;		/* NULL: none */
	uint64_t initrd_start, initrd_size;	/* size 0: no initrd */
	const void *rng_seed;		/* /chosen rng-seed; NULL: none */
	size_t rng_seed_len;
	uint64_t kaslr_seed;		/* /chosen kaslr-seed; 0: none */
};

/*
 * Writes the device tree of @m into [buf, buf + size); the blob's length
 * is then fdt_totalsize(buf). Returns 0, -EINVAL for a machine that
 * cannot be described, or -ENOSPC when it does not fit (nothing is written
 * past @size), each with a one-line reason in @err.
 */
int fdt_build(const struct fdt_machine *m, void *buf, size_t size,
	      char *err, size_t errlen);

/*
 * Lays the nodes' declared memory out back to back from @ram_base in node
 * order, one range per node with memory (memory-only nodes included), as
 * the VMM maps it. Returns the number of ranges written to @out.
 */
uint32_t fdt_mem_layout(const struct topology *t, uint64_t ram_base,
			struct fdt_mem_range out[TOPO_MAX_NODES]);

/*
 * The cpu-map node of vCPU @cpu in @t, as fdt_build() writes it:
 * "/cpus/cpu-map/socketS/clusterC/coreK[/threadT]". Returns the length,
 * or -ENAMETOOLONG when it does not fit @len (then truncated).
 */
#define FDT_CPU_MAP_PATH_MAX	80
int fdt_cpu_map_path(const struct topology *t, uint32_t cpu, char *buf,
		     size_t len);

#endif
