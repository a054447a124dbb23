// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI table builder: RSDP, XSDT and the shared helpers. The other tables
 * live in one file each; acpi_build() lays them out back to back.
 */
#include <errno.h>
#include <string.h>

#include "acpi/tables.h"

#define ACPI_OEM_ID		"KTSTR "
#define ACPI_OEM_TABLE_ID	"KTSTRVM "
#define ACPI_CREATOR_ID		"KTST"

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

void *acpi_alloc(struct acpi_ctx *c, size_t len, size_t align)
{
	size_t off = c->off;
	uint64_t mis = (c->base + off) % align;

	if (mis)
		off += align - mis;
	if (off > c->size || len > c->size - off)
		return NULL;
	memset(c->buf + off, 0, len);
	c->off = off + len;
	return c->buf + off;
}

uint64_t acpi_gpa(const struct acpi_ctx *c, const void *p)
{
	return c->base + ((const uint8_t *)p - c->buf);
}

void *acpi_table_begin(struct acpi_ctx *c, const char *sig, uint8_t rev,
		       size_t len)
{
	struct acpi_header *h = acpi_alloc(c, len, 8);

	if (!h)
		return NULL;
	memcpy(h->signature, sig, 4);
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
	return h;
}

int acpi_table_end(struct acpi_ctx *c, void *table, bool in_xsdt)
{
	struct acpi_header *h = table;

	h->length = c->buf + c->off - (uint8_t *)table;
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
	if (!in_xsdt)
		return 0;
	if (c->nr_tables >= ACPI_MAX_TABLES)
		return -ENOSPC;
	c->tables[c->nr_tables++] = acpi_gpa(c, h);
	return 0;
}

static int acpi_build_xsdt(struct acpi_ctx *c, uint64_t *xsdt_gpa)
{
	struct acpi_header *h;
	uint64_t *entry;
	int i;

	h = acpi_table_begin(c, "XSDT", 1, sizeof(*h));
	if (!h)
		return -ENOSPC;
	for (i = 0; i < c->nr_tables; i++) {
		/* Entries follow the 36-byte header: 4-byte aligned only. */
		entry = acpi_alloc(c, sizeof(*entry), 1);
		if (!entry)
			return -ENOSPC;
		memcpy(entry, &c->tables[i], sizeof(*entry));
	}
	*xsdt_gpa = acpi_gpa(c, h);
	return acpi_table_end(c, h, false);
}

static void acpi_fill_rsdp(struct acpi_rsdp *r, uint64_t xsdt_gpa)
{
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, ACPI_OEM_ID, 6);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt_gpa;
	r->checksum = acpi_checksum(r, ACPI_RSDP_V1_LEN);
	r->extended_checksum = acpi_checksum(r, sizeof(*r));
}

bool acpi_needs_x2apic(const struct acpi_config *cfg)
{
	uint32_t cpu;

	for (cpu = 0; cpu < topology_nr_cpus(cfg->topo); cpu++)
		if (cfg->apic_ids[cpu] > ACPI_XAPIC_MAX_ID)
			return true;
	return false;
}

static int acpi_check_config(const struct acpi_config *cfg)
{
	int i;

	if (!cfg->topo || !cfg->apic_ids || cfg->nr_mem < 0 ||
	    (cfg->nr_mem && !cfg->mem))
		return -EINVAL;
	/* Without the PM1a blocks Linux offers no ACPI power-off. */
	if (!cfg->pm1a_evt_port || !cfg->pm1a_cnt_port)
		return -EINVAL;
	for (i = 0; i < cfg->nr_mem; i++)
		if (cfg->mem[i].node >= cfg->topo->numa_nodes)
			return -EINVAL;
	if (cfg->nr_virtio < 0 || cfg->nr_virtio > ACPI_MAX_VIRTIO ||
	    (cfg->nr_virtio && !cfg->virtio))
		return -EINVAL;
	for (i = 0; i < cfg->nr_virtio; i++)
		if (cfg->virtio[i].irq > 15)
			return -EINVAL;
	return 0;
}

/* Every table but the RSDP and XSDT, each listed for the XSDT. */
static int acpi_build_tables(struct acpi_ctx *c)
{
	uint64_t dsdt;
	int ret;

	ret = acpi_build_dsdt(c, &dsdt);
	if (!ret)
		ret = acpi_build_fadt(c, dsdt);
	if (!ret)
		ret = acpi_build_madt(c);
	if (!ret)
		ret = acpi_build_srat(c);
	if (!ret)
		ret = acpi_build_slit(c);
	if (!ret && acpi_hmat_wanted(c->cfg->topo))
		ret = acpi_build_hmat(c);
	return ret;
}

ssize_t acpi_build(const struct acpi_config *cfg, void *buf, uint64_t base,
		   size_t size, uint64_t *rsdp_gpa)
{
	struct acpi_ctx c = {
		.cfg = cfg, .buf = buf, .base = base, .size = size,
	};
	struct acpi_rsdp *rsdp;
	uint64_t xsdt;
	int ret;

	ret = acpi_check_config(cfg);
	if (ret)
		return ret;
	/* The RSDP goes first so it sits at a predictable, aligned spot. */
	rsdp = acpi_alloc(&c, sizeof(*rsdp), 16);
	if (!rsdp)
		return -ENOSPC;
	ret = acpi_build_tables(&c);
	if (!ret)
		ret = acpi_build_xsdt(&c, &xsdt);
	if (ret)
		return ret;
	acpi_fill_rsdp(rsdp, xsdt);
	*rsdp_gpa = acpi_gpa(&c, rsdp);
	return c.off;
}
