// SPDX-License-Identifier: GPL-2.0
/*
 * The FADT and the DSDT it points at. The DSDT only carries \_S5, the
 * SLP_TYP that Linux (drivers/acpi/acpica/hwsleep.c) writes with SLP_EN
 * into PM1a_CNT to power off.
 */
#include <errno.h>
#include <string.h>

#include "acpi/tables.h"

/*
 * Name (_S5, Package () { ACPI_SLP_TYP_S5, 0 }), as iasl emits it:
 * NameOp, NameString "_S5_", PackageOp, PkgLength 5, NumElements 2,
 * BytePrefix 5, ZeroOp.
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',
	0x12, 0x05, 0x02, 0x0a, ACPI_SLP_TYP_S5, 0x00,
};

int acpi_build_dsdt(struct acpi_ctx *c, uint64_t *dsdt_gpa)
{
	struct acpi_header *h;

	/* Revision 2: 64-bit AML integers. */
	h = acpi_table_begin(c, "DSDT", 2, sizeof(*h) + sizeof(dsdt_aml));
	if (!h)
		return -ENOSPC;
	memcpy(h + 1, dsdt_aml, sizeof(dsdt_aml));
	*dsdt_gpa = acpi_gpa(c, h);
	/* The DSDT is reached through the FADT, not the XSDT. */
	return acpi_table_end(c, h, false);
}

static void acpi_io_gas(struct acpi_gas *g, uint16_t port, uint8_t bytes)
{
	g->space_id = ACPI_GAS_SYSTEM_IO;
	g->bit_width = bytes * 8;
	g->bit_offset = 0;
	g->access_size = bytes == 4 ? ACPI_GAS_ACCESS_DWORD : ACPI_GAS_ACCESS_WORD;
	g->address = port;
}

/*
 * A full (not hardware-reduced) FADT: Linux then keeps the legacy PIC and
 * the ISA IRQ mappings, so the 16550s on IRQ 3/4 and virtio-mmio devices on
 * ISA IRQs work without an ACPI device for each. Power-off is the PM1a
 * control write of SLP_TYP(S5) | SLP_EN; SMI_CMD 0 means ACPI is always on;
 * no PM timer (optional since ACPI 5.0A), the guest has kvmclock.
 */
int acpi_build_fadt(struct acpi_ctx *c, uint64_t dsdt_gpa)
{
	const struct acpi_config *cfg = c->cfg;
	struct acpi_fadt *f;

	f = acpi_table_begin(c, "FACP", 6, sizeof(*f));
	if (!f)
		return -ENOSPC;
	f->minor_version = 5;
	f->sci_int = ACPI_SCI_IRQ;
	f->flags = ACPI_FADT_WBINVD | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON;
	/*
	 * No VGA; no 8042 flag either, so Linux skips probing an i8042
	 * (the keyboard-controller reset path still works without it).
	 */
	f->iapc_boot_arch = ACPI_FADT_BOOT_NO_VGA;
	if (dsdt_gpa <= UINT32_MAX)
		f->dsdt = dsdt_gpa;
	f->x_dsdt = dsdt_gpa;
	f->pm1a_evt_blk = cfg->pm1a_evt_port;
	f->pm1_evt_len = ACPI_PM1_EVT_LEN;
	f->pm1a_cnt_blk = cfg->pm1a_cnt_port;
	f->pm1_cnt_len = ACPI_PM1_CNT_LEN;
	acpi_io_gas(&f->x_pm1a_evt_blk, cfg->pm1a_evt_port, ACPI_PM1_EVT_LEN);
	acpi_io_gas(&f->x_pm1a_cnt_blk, cfg->pm1a_cnt_port, ACPI_PM1_CNT_LEN);
	return acpi_table_end(c, f, true);
}
