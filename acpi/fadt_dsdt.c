// SPDX-License-Identifier: GPL-2.0
/*
 * The FADT and the DSDT it points at. The DSDT carries \_S5, the SLP_TYP
 * that Linux (drivers/acpi/acpica/hwsleep.c) writes with SLP_EN into
 * PM1a_CNT to power off, and, when asked, one "LNRO0005" device per
 * virtio-mmio transport: what drivers/virtio/virtio_mmio.c matches on ACPI,
 * for kernels (distribution ones) that cannot take the devices from
 * virtio_mmio.device= on the command line.
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

/* AML PkgLength (ACPI 6.5, 20.2.4) for @len bytes that follow it. */
static size_t aml_pkglen(uint8_t *p, size_t len)
{
	/* The encoding counts its own bytes; 2 of them reach 4095. */
	if (len + 1 < 0x40) {
		p[0] = len + 1;
		return 1;
	}
	len += 2;
	p[0] = 0x40 | (len & 0xf);
	p[1] = len >> 4;
	return 2;
}

/*
 * Device (VRnn) { Name (_HID, "LNRO0005") Name (_UID, nn)
 *   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, base, size)
 *                                     IRQNoFlags () { irq } }) }
 * Returns its length at @p (at most AML_VIRTIO_MAX bytes).
 */
#define AML_VIRTIO_MAX	80

static size_t aml_virtio(uint8_t *p, int i, const struct acpi_virtio_mmio *v)
{
	/* NameOp "_HID" StringPrefix; NameOp "_UID" BytePrefix; NameOp "_CRS" BufferOp */
	static const char hid[] = "\x08_HID\x0dLNRO0005";
	static const char uid[] = "\x08_UID\x0a";
	static const char crs_op[] = "\x08_CRS\x11";
	uint8_t body[AML_VIRTIO_MAX], crs[32];
	size_t n = 0, c = 0, len;

	/* Memory32Fixed: tag 0x86, length 9, read-write, base, size. */
	crs[c++] = 0x86;
	crs[c++] = 9;
	crs[c++] = 0;
	crs[c++] = 1;
	memcpy(crs + c, &v->base, 4);
	c += 4;
	memcpy(crs + c, &v->size, 4);
	c += 4;
	/* IRQ without flags byte (edge, active high): tag 0x22, mask. */
	crs[c++] = 0x22;
	crs[c++] = (1U << v->irq) & 0xff;
	crs[c++] = (1U << v->irq) >> 8;
	/* End tag, checksum 0: "treat as correct". */
	crs[c++] = 0x79;
	crs[c++] = 0;

	body[n++] = 'V';
	body[n++] = 'R';
	body[n++] = '0' + i / 10;
	body[n++] = '0' + i % 10;
	memcpy(body + n, hid, sizeof(hid));	/* with the string's NUL */
	n += sizeof(hid);
	memcpy(body + n, uid, sizeof(uid) - 1);
	n += sizeof(uid) - 1;
	body[n++] = i;
	memcpy(body + n, crs_op, sizeof(crs_op) - 1);
	n += sizeof(crs_op) - 1;
	n += aml_pkglen(body + n, 2 + c);
	body[n++] = 0x0a;		/* BytePrefix: the buffer size */
	body[n++] = c;
	memcpy(body + n, crs, c);
	n += c;

	p[0] = 0x5b;			/* DeviceOp */
	p[1] = 0x82;
	len = aml_pkglen(p + 2, n);
	memcpy(p + 2 + len, body, n);
	return 2 + len + n;
}

int acpi_build_dsdt(struct acpi_ctx *c, uint64_t *dsdt_gpa)
{
	uint8_t dev[ACPI_MAX_VIRTIO * AML_VIRTIO_MAX];
	const struct acpi_config *cfg = c->cfg;
	struct acpi_header *h;
	size_t n = 0, len = 0, scope;
	uint8_t *p;
	int i;

	for (i = 0; i < cfg->nr_virtio; i++)
		n += aml_virtio(dev + n, i, &cfg->virtio[i]);
	/* Scope (\_SB) { devices }: ScopeOp, PkgLength, "_SB_". */
	scope = n ? 1 + (n + 4 + 1 < 0x40 ? 1 : 2) + 4 + n : 0;
	/* Revision 2: 64-bit AML integers. */
	h = acpi_table_begin(c, "DSDT", 2, sizeof(*h) + sizeof(dsdt_aml) + scope);
	if (!h)
		return -ENOSPC;
	p = (uint8_t *)(h + 1);
	memcpy(p, dsdt_aml, sizeof(dsdt_aml));
	len = sizeof(dsdt_aml);
	if (n) {
		p[len++] = 0x10;	/* ScopeOp */
		len += aml_pkglen(p + len, 4 + n);
		memcpy(p + len, "_SB_", 4);
		memcpy(p + len + 4, dev, n);
	}
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
