/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fdt/ writers: the build context, the _FDT() wrapper and
 * the per-part writers fdt_build() calls in order.
 */
#ifndef KTSTR_FDT_INTERNAL_H
#define KTSTR_FDT_INTERNAL_H

#include <libfdt.h>

#include "fdt/fdt.h"
#include "util/util.h"

/* Aff3 (bits 39:32) and Aff2..Aff0 (23:0): what a cpu node's reg holds. */
#define FDT_MPIDR_HWID_MASK	0xff00ffffffULL

/* GIC interrupt specifier cells (arm,gic-v3 binding). */
#define FDT_GIC_SPI		0
#define FDT_GIC_PPI		1
#define FDT_IRQ_EDGE_RISING	1
#define FDT_IRQ_LEVEL_HIGH	4

struct fdt_ctx {
	void *fdt;
	size_t size;
	const struct fdt_machine *m;
	const struct topology *t;
	uint32_t cpu_cells;		/* /cpus #address-cells: 1 or 2 */
	/* Phandles: the GIC, then one per vCPU, per core (L2), per LLC (L3). */
	uint32_t ph_gic, ph_cpu, ph_l2, ph_l3;
	char node[64];			/* the node being written, for errors */
	int ret;			/* first error; later calls are skipped */
	char *err;
	size_t errlen;
};

void fdt_fail(struct fdt_ctx *ctx, int fdt_err, const char *call);

/*
 * kvmtool's _FDT() wraps each libfdt call; here the first failure is kept
 * in ctx->ret with the call's text, and every later call is skipped, so
 * the writers stay straight-line and fdt_build() checks once.
 */
#define _FDT(exp)							\
	do {								\
		if (!ctx->ret) {					\
			int __fdt_ret = (exp);				\
									\
			if (__fdt_ret < 0)				\
				fdt_fail(ctx, __fdt_ret, #exp);		\
		}							\
	} while (0)

void fdt_begin(struct fdt_ctx *ctx, const char *fmt, ...) __printf(2, 3);
void fdt_end(struct fdt_ctx *ctx);
/* "interrupts" = <type number flags> for one INTID (PPI or SPI). */
void fdt_irq_prop(struct fdt_ctx *ctx, uint32_t intid, uint32_t flags);
/* "reg" = <base size> with two cells each. */
void fdt_reg_prop(struct fdt_ctx *ctx, uint64_t base, uint64_t size);

int fdt_validate(const struct fdt_machine *m, char *err, size_t errlen);

void fdt_write_cpus(struct fdt_ctx *ctx);
void fdt_write_memory(struct fdt_ctx *ctx);
void fdt_write_distance_map(struct fdt_ctx *ctx);
void fdt_write_psci(struct fdt_ctx *ctx);
void fdt_write_gic(struct fdt_ctx *ctx);
void fdt_write_timer(struct fdt_ctx *ctx);
void fdt_write_pmu(struct fdt_ctx *ctx);
void fdt_write_uarts(struct fdt_ctx *ctx);
void fdt_write_virtio(struct fdt_ctx *ctx);

#endif
