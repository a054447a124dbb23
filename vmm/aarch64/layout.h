/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The aarch64 machine: its physical address map and GIC INTIDs, and the
 * device tree that describes them (arm64_dt_machine(), no KVM needed).
 *
 *   0x08000000  GICv3 distributor (64 KiB)
 *   0x09000000  UART0 (console, ttyS0), 0x09001000 UART1 (results, ttyS1)
 *   0x0a000000  virtio-mmio transports, 4 KiB each
 *   0x0b000000  pvtime: one stolen-time record per vCPU (64 KiB, not RAM)
 *   0x10000000  GICv3 redistributors, 128 KiB per vCPU (up to 0x30000000)
 *   0x40000000  RAM, NUMA nodes back to back (fdt_mem_layout())
 */
#ifndef KTSTR_VMM_AARCH64_LAYOUT_H
#define KTSTR_VMM_AARCH64_LAYOUT_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdt/fdt.h"

#define ARM64_GICD_BASE		0x08000000ULL
#define ARM64_GICD_SIZE		0x10000ULL
#define ARM64_UART_BASE		0x09000000ULL
#define ARM64_UART_STRIDE	0x1000ULL
#define ARM64_UART_SIZE		8
#define ARM64_UART_CLOCK	1843200
#define ARM64_NR_UARTS		2
#define ARM64_VIRTIO_BASE	0x0a000000ULL
#define ARM64_VIRTIO_STRIDE	0x1000ULL
/*
 * KVM's stolen-time records (Documentation/virt/kvm/arm/pvtime.rst), 64
 * bytes per vCPU, in a memslot of their own outside every /memory node as
 * in kvmtool: the guest maps them, it must never allocate from them.
 */
#define ARM64_PVTIME_BASE	0x0b000000ULL
#define ARM64_PVTIME_SIZE	0x10000ULL
#define ARM64_PVTIME_REC	64
#define ARM64_PVTIME_IPA(cpu)	(ARM64_PVTIME_BASE + \
				 (uint64_t)(cpu) * ARM64_PVTIME_REC)
#define ARM64_GICR_BASE		0x10000000ULL
#define ARM64_GICR_MAX		0x20000000ULL
#define ARM64_RAM_BASE		0x40000000ULL

/* SPI INTIDs: UARTs 32, 33; virtio-mmio from 48. */
#define ARM64_SPI_BASE		32
#define ARM64_UART_SPI(i)	(ARM64_SPI_BASE + (i))
#define ARM64_VIRTIO_SPI(i)	(ARM64_SPI_BASE + 16 + (i))
#define ARM64_NR_VIRTIO		16
/* INTIDs the vGIC implements: SGIs, PPIs and 64 SPIs. */
#define ARM64_NR_IRQS		(ARM64_SPI_BASE + 64)
/* Arch timer PPIs, as KVM wires them by default (kvm_arch_timer). */
#define ARM64_TIMER_SEC_PPI	29
#define ARM64_TIMER_PHYS_PPI	30
#define ARM64_TIMER_VIRT_PPI	27
#define ARM64_TIMER_HYP_PPI	26
/* The PMUv3 overflow interrupt, the PPI kvmtool and QEMU's virt use. */
#define ARM64_PMU_PPI		23

/* struct pvclock_vcpu_stolen_time, as KVM writes it: little-endian. */
struct arm64_pvtime_rec {
	uint32_t revision;
	uint32_t attributes;
	uint64_t stolen_time;		/* ns the vCPU was runnable, not run */
	uint8_t pad[48];
};

/* The stolen time a record shows; KVM updates it at each vCPU load. */
static inline uint64_t arm64_pvtime_stolen(const struct arm64_pvtime_rec *r)
{
	return le64toh(__atomic_load_n(&r->stolen_time, __ATOMIC_RELAXED));
}

/*
 * The MPIDR_EL1 KVM gives vCPU @id (arch/arm64/kvm/sys_regs.c:
 * reset_mpidr()): Aff0 = id bits 3:0, Aff1 = 11:4, Aff2 = 19:12, and the
 * RES1 bit 31. The VMM reads the real one (KVM_GET_ONE_REG); this is for
 * `ktstr topo`, which runs no VM, and the tests.
 */
static inline uint64_t arm64_kvm_mpidr(uint32_t id)
{
	return 1ULL << 31 | (id & 0xf) | (uint64_t)((id >> 4) & 0xff) << 8 |
	       (uint64_t)((id >> 12) & 0xff) << 16;
}

/* What the device tree carries besides the fixed map. */
struct arm64_dt_input {
	const struct topology *topo;
	const uint64_t *mpidr;		/* per vCPU, as KVM reports it */
	uint32_t nr_cpus;
	const struct fdt_mmio_dev *virtio;
	uint32_t nr_virtio;
	const char *cmdline;
	uint64_t initrd_start, initrd_size;
	bool pmu;			/* vCPUs have PMUv3 on ARM64_PMU_PPI */
};

/* A machine for fdt_build() and the storage it points into. */
struct arm64_dt {
	struct fdt_machine m;
	struct fdt_mem_range mem[TOPO_MAX_NODES];
	struct fdt_mmio_dev uarts[ARM64_NR_UARTS];
};

/* Fills @dt->m with the aarch64 machine's map, INTIDs and @in. */
void arm64_dt_machine(struct arm64_dt *dt, const struct arm64_dt_input *in);

#endif
