// SPDX-License-Identifier: GPL-2.0
/*
 * One writer per device, as kvmtool's arm/gic.c, arm/timer.c, hw/serial.c
 * and virtio/mmio.c: PSCI (KVM's, via HVC), the GICv3 with one
 * redistributor region, the arch timer, the PMU, ns16550a UARTs and
 * virtio-mmio transports. Every node with reg is named by its base.
 */
#include <inttypes.h>

#include "fdt/internal.h"

/* PSCI 0.2+ has fixed function IDs, so no cpu_on/cpu_off properties. */
void fdt_write_psci(struct fdt_ctx *ctx)
{
	static const char compatible[] = "arm,psci-1.0\0arm,psci-0.2";

	fdt_begin(ctx, "psci");
	_FDT(fdt_property(ctx->fdt, "compatible", compatible,
			  sizeof(compatible)));
	_FDT(fdt_property_string(ctx->fdt, "method", "hvc"));
	fdt_end(ctx);
}

void fdt_write_gic(struct fdt_ctx *ctx)
{
	const struct fdt_machine *m = ctx->m;
	fdt64_t reg[4] = {
		cpu_to_fdt64(m->gicd_base), cpu_to_fdt64(m->gicd_size),
		cpu_to_fdt64(m->gicr_base), cpu_to_fdt64(m->gicr_size),
	};

	fdt_begin(ctx, "interrupt-controller@%" PRIx64, m->gicd_base);
	_FDT(fdt_property_string(ctx->fdt, "compatible", "arm,gic-v3"));
	_FDT(fdt_property_cell(ctx->fdt, "#interrupt-cells", 3));
	_FDT(fdt_property(ctx->fdt, "interrupt-controller", NULL, 0));
	_FDT(fdt_property_cell(ctx->fdt, "#redistributor-regions", 1));
	/* As QEMU's virt: room for an ITS child, needed by dtc's checks. */
	_FDT(fdt_property_cell(ctx->fdt, "#address-cells", 2));
	_FDT(fdt_property_cell(ctx->fdt, "#size-cells", 2));
	_FDT(fdt_property(ctx->fdt, "ranges", NULL, 0));
	_FDT(fdt_property(ctx->fdt, "reg", reg, sizeof(reg)));
	_FDT(fdt_property_cell(ctx->fdt, "phandle", ctx->ph_gic));
	fdt_end(ctx);
}

/*
 * KVM's timers are level-triggered active-high lines of the vGIC (QEMU's
 * virt board says so too; kvmtool's LEVEL_LOW also works, since Linux
 * does not check PPI polarity).
 */
void fdt_write_timer(struct fdt_ctx *ctx)
{
	static const char compatible[] = "arm,armv8-timer\0arm,armv7-timer";
	fdt32_t irqs[FDT_TIMER_NR * 3];
	uint32_t i;

	for (i = 0; i < FDT_TIMER_NR; i++) {
		irqs[i * 3] = cpu_to_fdt32(FDT_GIC_PPI);
		irqs[i * 3 + 1] = cpu_to_fdt32(ctx->m->timer_irq[i] -
					       FDT_GIC_PPI_FIRST);
		irqs[i * 3 + 2] = cpu_to_fdt32(FDT_IRQ_LEVEL_HIGH);
	}
	fdt_begin(ctx, "timer");
	_FDT(fdt_property(ctx->fdt, "compatible", compatible,
			  sizeof(compatible)));
	_FDT(fdt_property(ctx->fdt, "interrupts", irqs, sizeof(irqs)));
	_FDT(fdt_property(ctx->fdt, "always-on", NULL, 0));
	fdt_end(ctx);
}

void fdt_write_pmu(struct fdt_ctx *ctx)
{
	if (!ctx->m->pmu_irq)
		return;
	fdt_begin(ctx, "pmu");
	_FDT(fdt_property_string(ctx->fdt, "compatible", "arm,armv8-pmuv3"));
	fdt_irq_prop(ctx, ctx->m->pmu_irq, FDT_IRQ_LEVEL_HIGH);
	fdt_end(ctx);
}

/* Byte-wide registers (no reg-shift), as kvmtool's 8250 model. */
void fdt_write_uarts(struct fdt_ctx *ctx)
{
	const struct fdt_mmio_dev *u;
	uint32_t i;

	for (i = 0; i < ctx->m->nr_uarts; i++) {
		u = &ctx->m->uarts[i];
		fdt_begin(ctx, "serial@%" PRIx64, u->base);
		_FDT(fdt_property_string(ctx->fdt, "compatible", "ns16550a"));
		fdt_reg_prop(ctx, u->base, u->size);
		fdt_irq_prop(ctx, u->irq, FDT_IRQ_LEVEL_HIGH);
		_FDT(fdt_property_u32(ctx->fdt, "clock-frequency", u->clock_hz));
		fdt_end(ctx);
	}
}

/* Edge-triggered, as kvmtool: each irqfd signal is one interrupt. */
void fdt_write_virtio(struct fdt_ctx *ctx)
{
	const struct fdt_mmio_dev *v;
	uint32_t i;

	for (i = 0; i < ctx->m->nr_virtio; i++) {
		v = &ctx->m->virtio[i];
		fdt_begin(ctx, "virtio@%" PRIx64, v->base);
		_FDT(fdt_property_string(ctx->fdt, "compatible", "virtio,mmio"));
		fdt_reg_prop(ctx, v->base, v->size);
		_FDT(fdt_property(ctx->fdt, "dma-coherent", NULL, 0));
		fdt_irq_prop(ctx, v->irq, FDT_IRQ_EDGE_RISING);
		fdt_end(ctx);
	}
}
