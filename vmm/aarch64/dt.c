// SPDX-License-Identifier: GPL-2.0
/*
 * The aarch64 machine as fdt/ describes it: GICv3 frames, arch timer PPIs,
 * the PMU, the two UARTs, the virtio-mmio transports, RAM per node,
 * /chosen.
 * Pure data, so the unit test builds the VMM's exact device tree.
 */
#include <string.h>

#include "vmm/aarch64/layout.h"

void arm64_dt_machine(struct arm64_dt *dt, const struct arm64_dt_input *in)
{
	struct fdt_machine *m = &dt->m;
	int i;

	memset(dt, 0, sizeof(*dt));
	for (i = 0; i < ARM64_NR_UARTS; i++)
		dt->uarts[i] = (struct fdt_mmio_dev){
			.base = ARM64_UART_BASE + i * ARM64_UART_STRIDE,
			.size = ARM64_UART_SIZE, .irq = ARM64_UART_SPI(i),
			.clock_hz = ARM64_UART_CLOCK,
		};
	m->topo = in->topo;
	m->mpidr = in->mpidr;
	m->nr_cpus = in->nr_cpus;
	m->mem = dt->mem;
	m->nr_mem = fdt_mem_layout(in->topo, ARM64_RAM_BASE, dt->mem);
	m->gicd_base = ARM64_GICD_BASE;
	m->gicd_size = ARM64_GICD_SIZE;
	m->gicr_base = ARM64_GICR_BASE;
	m->gicr_size = (uint64_t)in->nr_cpus * FDT_GICR_FRAME_SIZE;
	m->timer_irq[FDT_TIMER_SEC_PHYS] = ARM64_TIMER_SEC_PPI;
	m->timer_irq[FDT_TIMER_PHYS] = ARM64_TIMER_PHYS_PPI;
	m->timer_irq[FDT_TIMER_VIRT] = ARM64_TIMER_VIRT_PPI;
	m->timer_irq[FDT_TIMER_HYP_PHYS] = ARM64_TIMER_HYP_PPI;
	m->pmu_irq = in->pmu ? ARM64_PMU_PPI : 0;
	m->uarts = dt->uarts;
	m->nr_uarts = ARM64_NR_UARTS;
	m->console_uart = 0;
	m->virtio = in->virtio;
	m->nr_virtio = in->nr_virtio;
	m->bootargs = in->cmdline;
	m->initrd_start = in->initrd_start;
	m->initrd_size = in->initrd_size;
}
