/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The aarch64 machine: its physical address map, GIC INTIDs and the state
 * the arch keeps in vm->arch.
 *
 *   0x08000000  GICv3 distributor (64 KiB)
 *   0x09000000  UART0 (console, ttyS0), 0x09001000 UART1 (results, ttyS1)
 *   0x0a000000  virtio-mmio transports, 4 KiB each
 *   0x10000000  GICv3 redistributors, 128 KiB per vCPU (up to 0x30000000)
 *   0x40000000  RAM, NUMA nodes back to back (fdt_mem_layout())
 */
#ifndef KTSTR_VMM_AARCH64_ARM64_H
#define KTSTR_VMM_AARCH64_ARM64_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

struct topology;
struct vcpu;
struct vm;

#define ARM64_GICD_BASE		0x08000000ULL
#define ARM64_GICD_SIZE		0x10000ULL
#define ARM64_UART_BASE		0x09000000ULL
#define ARM64_UART_STRIDE	0x1000ULL
#define ARM64_UART_SIZE		8
#define ARM64_UART_CLOCK	1843200
#define ARM64_VIRTIO_BASE	0x0a000000ULL
#define ARM64_VIRTIO_STRIDE	0x1000ULL
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

struct vm_arch {
	int gic_fd;			/* KVM_DEV_TYPE_ARM_VGIC_V3 */
	struct kvm_vcpu_init init;	/* KVM_ARM_PREFERRED_TARGET */
	const struct topology *topo;
};

/*
 * Sets up the vGIC once every vCPU exists (KVM_DEV_ARM_VGIC_CTRL_INIT);
 * -E2BIG for more vCPUs than the redistributor region holds.
 */
int arm64_gic_finalize(struct vm *vm);
/* A 64-bit vCPU register by KVM_{GET,SET}_ONE_REG id; -errno. */
int arm64_get_reg(struct vcpu *v, uint64_t id, uint64_t *val);
int arm64_set_reg(struct vcpu *v, uint64_t id, uint64_t val);
/* The core register ids of struct kvm_regs. */
#define ARM64_CORE_REG(name)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
				 KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(name))
#define ARM64_MPIDR_EL1		ARM64_SYS_REG(3, 0, 0, 0, 5)

#endif
