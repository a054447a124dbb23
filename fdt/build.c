// SPDX-License-Identifier: GPL-2.0
/*
 * fdt_build(): the root node, /chosen and /aliases, and the order of the
 * per-part writers, as kvmtool's arm/fdt.c: setup_fdt(). libfdt's
 * sequential-write API never writes past the buffer it was given; a full
 * buffer is -FDT_ERR_NOSPACE, reported as -ENOSPC.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "fdt/internal.h"

static void __printf(3, 4)
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void fdt_fail(struct fdt_ctx *ctx, int fdt_err, const char *call)
{
	if (fdt_err == -FDT_ERR_NOSPACE) {
		set_err(ctx->err, ctx->errlen,
			"device tree does not fit in %zu bytes (near node '%s': %s)",
			ctx->size, ctx->node, call);
		ctx->ret = -ENOSPC;
		return;
	}
	set_err(ctx->err, ctx->errlen, "libfdt: %s near node '%s': %s",
		fdt_strerror(fdt_err), ctx->node, call);
	ctx->ret = -EINVAL;
}

void fdt_begin(struct fdt_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->ret)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->node, sizeof(ctx->node), fmt, ap);
	va_end(ap);
	_FDT(fdt_begin_node(ctx->fdt, ctx->node));
}

void fdt_end(struct fdt_ctx *ctx)
{
	_FDT(fdt_end_node(ctx->fdt));
}

void fdt_irq_prop(struct fdt_ctx *ctx, uint32_t intid, uint32_t flags)
{
	bool spi = intid >= FDT_GIC_SPI_FIRST;
	fdt32_t irq[3] = {
		cpu_to_fdt32(spi ? FDT_GIC_SPI : FDT_GIC_PPI),
		cpu_to_fdt32(intid - (spi ? FDT_GIC_SPI_FIRST :
					    FDT_GIC_PPI_FIRST)),
		cpu_to_fdt32(flags),
	};

	_FDT(fdt_property(ctx->fdt, "interrupts", irq, sizeof(irq)));
}

void fdt_reg_prop(struct fdt_ctx *ctx, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	_FDT(fdt_property(ctx->fdt, "reg", reg, sizeof(reg)));
}

static void write_chosen(struct fdt_ctx *ctx)
{
	const struct fdt_machine *m = ctx->m;

	fdt_begin(ctx, "chosen");
	if (m->bootargs)
		_FDT(fdt_property_string(ctx->fdt, "bootargs", m->bootargs));
	if (m->nr_uarts) {
		char path[40];

		snprintf(path, sizeof(path), "/serial@%" PRIx64,
			 m->uarts[m->console_uart].base);
		_FDT(fdt_property_string(ctx->fdt, "stdout-path", path));
	}
	if (m->initrd_size) {
		_FDT(fdt_property_u64(ctx->fdt, "linux,initrd-start",
				      m->initrd_start));
		_FDT(fdt_property_u64(ctx->fdt, "linux,initrd-end",
				      m->initrd_start + m->initrd_size));
	}
	if (m->rng_seed && m->rng_seed_len)
		_FDT(fdt_property(ctx->fdt, "rng-seed", m->rng_seed,
				  m->rng_seed_len));
	if (m->kaslr_seed)
		_FDT(fdt_property_u64(ctx->fdt, "kaslr-seed", m->kaslr_seed));
	fdt_end(ctx);
}

/* serialN fixes the guest's ttySN: 8250_of takes the line from it. */
static void write_aliases(struct fdt_ctx *ctx)
{
	const struct fdt_machine *m = ctx->m;
	char name[24], path[40];
	uint32_t i;

	if (!m->nr_uarts)
		return;
	fdt_begin(ctx, "aliases");
	for (i = 0; i < m->nr_uarts; i++) {
		snprintf(name, sizeof(name), "serial%u", i);
		snprintf(path, sizeof(path), "/serial@%" PRIx64,
			 m->uarts[i].base);
		_FDT(fdt_property_string(ctx->fdt, name, path));
	}
	fdt_end(ctx);
}

static void write_root(struct fdt_ctx *ctx)
{
	fdt_begin(ctx, "%s", "");
	_FDT(fdt_property_string(ctx->fdt, "compatible", "linux,dummy-virt"));
	_FDT(fdt_property_string(ctx->fdt, "model", "ktstr"));
	_FDT(fdt_property_cell(ctx->fdt, "#address-cells", 2));
	_FDT(fdt_property_cell(ctx->fdt, "#size-cells", 2));
	_FDT(fdt_property_cell(ctx->fdt, "interrupt-parent", ctx->ph_gic));

	write_chosen(ctx);
	write_aliases(ctx);
	fdt_write_memory(ctx);
	fdt_write_cpus(ctx);
	fdt_write_distance_map(ctx);
	fdt_write_psci(ctx);
	fdt_write_gic(ctx);
	fdt_write_timer(ctx);
	fdt_write_pmu(ctx);
	fdt_write_uarts(ctx);
	fdt_write_virtio(ctx);
	fdt_end(ctx);
}

/* Aff3 needs the second cell; Linux reads reg as #address-cells cells. */
static uint32_t cpu_addr_cells(const struct fdt_machine *m)
{
	uint32_t i;

	for (i = 0; i < m->nr_cpus; i++)
		if (m->mpidr[i] & FDT_MPIDR_HWID_MASK & ~0xffffffffULL)
			return 2;
	return 1;
}

static int write_tree(struct fdt_ctx *ctx)
{
	snprintf(ctx->node, sizeof(ctx->node), "(header)");
	/* libfdt sizes are int; no device tree comes near 2 GiB. */
	_FDT(fdt_create(ctx->fdt, ctx->size > INT_MAX ? INT_MAX : ctx->size));
	_FDT(fdt_finish_reservemap(ctx->fdt));
	write_root(ctx);
	snprintf(ctx->node, sizeof(ctx->node), "(end)");
	_FDT(fdt_finish(ctx->fdt));
	return ctx->ret;
}

int fdt_build(const struct fdt_machine *m, void *buf, size_t size,
	      char *err, size_t errlen)
{
	struct fdt_ctx ctx = {
		.fdt = buf, .size = size, .m = m, .t = m->topo,
		.err = err, .errlen = errlen,
	};
	int ret;

	ret = fdt_validate(m, err, errlen);
	if (ret)
		return ret;
	ctx.cpu_cells = cpu_addr_cells(m);
	ctx.ph_gic = 1;
	ctx.ph_cpu = ctx.ph_gic + 1;
	ctx.ph_l2 = ctx.ph_cpu + m->nr_cpus;
	ctx.ph_l3 = ctx.ph_l2 + m->nr_cpus / ctx.t->threads_per_core;
	return write_tree(&ctx);
}
