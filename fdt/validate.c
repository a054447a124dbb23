// SPDX-License-Identifier: GPL-2.0
/*
 * What fdt_build() refuses before writing anything: a topology that
 * topology_validate() rejects, MPIDRs that do not name each vCPU once,
 * memory that does not match the declared per-node sizes, interrupt
 * numbers outside their GIC range, and a redistributor region too small
 * for the vCPUs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "fdt/internal.h"

static int check_cpus(const struct fdt_machine *m, char *err, size_t errlen)
{
	uint32_t nr = topology_nr_cpus(m->topo), i, j;

	if (m->nr_cpus != nr)
		return err_inval(err, errlen, "nr_cpus=%u but the topology has %u vCPUs",
			   m->nr_cpus, nr);
	if (!m->mpidr)
		return err_inval(err, errlen, "no MPIDR array for %u vCPUs", nr);
	for (i = 0; i < nr; i++) {
		uint64_t id = m->mpidr[i] & FDT_MPIDR_HWID_MASK;

		/* O(n^2) over at most TOPO_MAX_CPUS, once per VM. */
		for (j = 0; j < i; j++)
			if ((m->mpidr[j] & FDT_MPIDR_HWID_MASK) == id)
				return err_inval(err, errlen,
					   "vCPU %u MPIDR 0x%" PRIx64 ": same affinity as vCPU %u",
					   i, m->mpidr[i], j);
	}
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_ranges(const struct fdt_machine *m, char *err, size_t errlen)
{
	uint32_t i, j;

	for (i = 0; i < m->nr_mem; i++) {
		const struct fdt_mem_range *r = &m->mem[i];

		if (r->node >= m->topo->numa_nodes)
			return err_inval(err, errlen,
				   "memory range 0x%" PRIx64
				   ": node %u but the topology has %u nodes",
				   r->base, r->node, m->topo->numa_nodes);
		if (!r->size || r->base + r->size < r->base)
			return err_inval(err, errlen,
				   "memory range 0x%" PRIx64 " size 0x%" PRIx64 ": empty or wraps",
				   r->base, r->size);
		for (j = 0; j < i; j++)
			if (overlaps(r->base, r->size, m->mem[j].base,
				     m->mem[j].size))
				return err_inval(err, errlen,
					   "memory ranges 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
					   m->mem[j].base, r->base);
	}
	return 0;
}

static int check_memory(const struct fdt_machine *m, char *err, size_t errlen)
{
	bool in_ram = false;
	uint64_t sum;
	uint32_t n, i;
	int ret;

	ret = check_ranges(m, err, errlen);
	if (ret)
		return ret;
	for (n = 0; n < m->topo->numa_nodes; n++) {
		sum = 0;
		for (i = 0; i < m->nr_mem; i++)
			if (m->mem[i].node == n)
				sum += m->mem[i].size;
		if (sum != m->topo->nodes[n].mem_bytes)
			return err_inval(err, errlen,
				   "node %u: memory ranges sum to 0x%" PRIx64
				   " but the topology declares 0x%" PRIx64,
				   n, sum, m->topo->nodes[n].mem_bytes);
	}
	if (!m->initrd_size)
		return 0;
	for (i = 0; i < m->nr_mem; i++)
		if (m->initrd_start >= m->mem[i].base &&
		    m->initrd_start - m->mem[i].base + m->initrd_size <=
		    m->mem[i].size)
			in_ram = true;
	if (!in_ram)
		return err_inval(err, errlen,
			   "initrd 0x%" PRIx64 "+0x%" PRIx64 " is not inside one memory range",
			   m->initrd_start, m->initrd_size);
	return 0;
}

static int check_ppi(const char *what, uint32_t intid, char *err,
		     size_t errlen)
{
	if (intid < FDT_GIC_PPI_FIRST || intid >= FDT_GIC_SPI_FIRST)
		return err_inval(err, errlen, "%s interrupt %u: not a PPI INTID (%u..%u)",
			   what, intid, FDT_GIC_PPI_FIRST, FDT_GIC_SPI_FIRST - 1);
	return 0;
}

/* @spis: a bitmap of the SPIs taken so far, so two devices never share one. */
static int check_spi(const char *what, uint64_t base, uint32_t intid,
		     uint8_t *spis, char *err, size_t errlen)
{
	uint32_t n = intid - FDT_GIC_SPI_FIRST;

	if (intid < FDT_GIC_SPI_FIRST || intid > FDT_GIC_SPI_LAST)
		return err_inval(err, errlen,
			   "%s@0x%" PRIx64 " interrupt %u: not an SPI INTID (%u..%u)",
			   what, base, intid, FDT_GIC_SPI_FIRST, FDT_GIC_SPI_LAST);
	if (spis[n / 8] & (1U << (n % 8)))
		return err_inval(err, errlen,
			   "%s@0x%" PRIx64 " interrupt %u: already used by another device",
			   what, base, intid);
	spis[n / 8] |= 1U << (n % 8);
	return 0;
}

static int check_devices(const struct fdt_machine *m, char *err,
			 size_t errlen)
{
	uint8_t spis[(FDT_GIC_SPI_LAST - FDT_GIC_SPI_FIRST) / 8 + 1] = { 0 };
	uint32_t i;
	int ret;

	if (m->nr_uarts && m->console_uart >= m->nr_uarts)
		return err_inval(err, errlen, "console UART %u of %u UARTs",
			   m->console_uart, m->nr_uarts);
	for (i = 0; i < m->nr_uarts; i++) {
		ret = check_spi("serial", m->uarts[i].base, m->uarts[i].irq,
				spis, err, errlen);
		if (ret)
			return ret;
		if (!m->uarts[i].clock_hz)
			return err_inval(err, errlen,
				   "serial@0x%" PRIx64 ": clock-frequency 0",
				   m->uarts[i].base);
	}
	for (i = 0; i < m->nr_virtio; i++) {
		ret = check_spi("virtio", m->virtio[i].base, m->virtio[i].irq,
				spis, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_gic(const struct fdt_machine *m, char *err, size_t errlen)
{
	static const char *const timer[FDT_TIMER_NR] = {
		"secure physical timer", "physical timer", "virtual timer",
		"hypervisor timer",
	};
	uint32_t i;
	int ret;

	if (!m->gicd_size)
		return err_inval(err, errlen, "GICv3 distributor size 0");
	if (m->gicr_size < m->nr_cpus * FDT_GICR_FRAME_SIZE)
		return err_inval(err, errlen,
			   "GICv3 redistributor region 0x%" PRIx64 " bytes: %u vCPUs need 0x%llx",
			   m->gicr_size, m->nr_cpus,
			   m->nr_cpus * FDT_GICR_FRAME_SIZE);
	for (i = 0; i < FDT_TIMER_NR; i++) {
		ret = check_ppi(timer[i], m->timer_irq[i], err, errlen);
		if (ret)
			return ret;
	}
	if (m->pmu_irq)
		return check_ppi("PMU", m->pmu_irq, err, errlen);
	return 0;
}

int fdt_validate(const struct fdt_machine *m, char *err, size_t errlen)
{
	int ret;

	if (!m->topo)
		return err_inval(err, errlen, "no topology");
	ret = topology_validate(m->topo, 0, err, errlen);
	if (!ret)
		ret = check_cpus(m, err, errlen);
	if (!ret)
		ret = check_memory(m, err, errlen);
	if (!ret)
		ret = check_gic(m, err, errlen);
	if (!ret)
		ret = check_devices(m, err, errlen);
	return ret;
}
