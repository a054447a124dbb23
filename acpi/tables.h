/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI 6.5 table layouts (little-endian, packed) and the builder the table
 * files share. Section numbers refer to the ACPI 6.5 specification; Linux
 * mirrors the same layouts in include/acpi/actbl*.h.
 */
#ifndef KTSTR_ACPI_TABLES_H
#define KTSTR_ACPI_TABLES_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "util/util.h"

/* 5.2.5.3 Root System Description Pointer, revision 2 */
struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0+ with XSDT */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* over all 36 bytes */
	uint8_t reserved[3];
} __packed;
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
#define ACPI_RSDP_V1_LEN 20

/* 5.2.6 System Description Table Header */
struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __packed;
static_assert(sizeof(struct acpi_header) == 36, "SDT header");

/* 5.2.3.2 Generic Address Structure */
struct acpi_gas {
	uint8_t space_id;		/* 1: SystemIO */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;		/* 1: byte */
	uint64_t address;
} __packed;
static_assert(sizeof(struct acpi_gas) == 12, "GAS");
#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1
#define ACPI_GAS_ACCESS_WORD	2
#define ACPI_GAS_ACCESS_DWORD	3

/* 5.2.9 Fixed ACPI Description Table, revision 6 */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __packed;
static_assert(sizeof(struct acpi_fadt) == 276, "FADT");
static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244,
	      "FADT SLEEP_CONTROL_REG");
#define ACPI_FADT_HW_REDUCED	(1U << 20)
#define ACPI_FADT_WBINVD	(1U << 0)
#define ACPI_FADT_PWR_BUTTON	(1U << 4)	/* no fixed power button */
#define ACPI_FADT_SLP_BUTTON	(1U << 5)
#define ACPI_FADT_BOOT_NO_VGA	(1U << 2)
#define ACPI_FADT_BOOT_NO_CMOS	(1U << 5)

/* 5.2.12 MADT */
struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;			/* bit 0 PCAT_COMPAT: off (no 8259) */
} __packed;
static_assert(sizeof(struct acpi_madt) == 44, "MADT");

enum {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_ISO = 2,
	MADT_LAPIC_NMI = 4,
	MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 10,
};
#define MADT_ENABLED 1

struct madt_lapic {
	uint8_t type, length;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __packed;
static_assert(sizeof(struct madt_lapic) == 8, "MADT LAPIC");

struct madt_ioapic {
	uint8_t type, length;
	uint8_t id;
	uint8_t reserved;
	uint32_t addr;
	uint32_t gsi_base;
} __packed;
static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC");

struct madt_iso {
	uint8_t type, length;
	uint8_t bus;			/* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;			/* 0: conforms to the bus */
} __packed;
static_assert(sizeof(struct madt_iso) == 10, "MADT ISO");

struct madt_lapic_nmi {
	uint8_t type, length;
	uint8_t uid;			/* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
} __packed;
static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI");

struct madt_x2apic {
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} __packed;
static_assert(sizeof(struct madt_x2apic) == 16, "MADT x2APIC");

struct madt_x2apic_nmi {
	uint8_t type, length;
	uint16_t flags;
	uint32_t uid;			/* 0xffffffff: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} __packed;
static_assert(sizeof(struct madt_x2apic_nmi) == 12, "MADT x2APIC NMI");

/* 5.2.16 SRAT */
struct acpi_srat {
	struct acpi_header h;
	uint32_t reserved1;		/* 1 for backward compatibility */
	uint64_t reserved2;
} __packed;
static_assert(sizeof(struct acpi_srat) == 48, "SRAT");

enum { SRAT_CPU = 0, SRAT_MEM = 1, SRAT_X2APIC = 2 };
#define SRAT_ENABLED 1

struct srat_cpu {
	uint8_t type, length;
	uint8_t proximity_lo;
	uint8_t apic_id;
	uint32_t flags;
	uint8_t sapic_eid;
	uint8_t proximity_hi[3];
	uint32_t clock_domain;
} __packed;
static_assert(sizeof(struct srat_cpu) == 16, "SRAT LAPIC affinity");

struct srat_mem {
	uint8_t type, length;
	uint32_t proximity;
	uint16_t reserved1;
	uint32_t base_lo, base_hi;
	uint32_t length_lo, length_hi;
	uint32_t reserved2;
	uint32_t flags;
	uint64_t reserved3;
} __packed;
static_assert(sizeof(struct srat_mem) == 40, "SRAT memory affinity");

struct srat_x2apic {
	uint8_t type, length;
	uint16_t reserved1;
	uint32_t proximity;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t clock_domain;
	uint32_t reserved2;
} __packed;
static_assert(sizeof(struct srat_x2apic) == 24, "SRAT x2APIC affinity");

/* 5.2.17 SLIT: followed by localities^2 distance bytes */
struct acpi_slit {
	struct acpi_header h;
	uint64_t localities;
} __packed;
static_assert(sizeof(struct acpi_slit) == 44, "SLIT");

/* 5.2.28 HMAT, revision 2 */
struct acpi_hmat {
	struct acpi_header h;
	uint32_t reserved;
} __packed;
static_assert(sizeof(struct acpi_hmat) == 40, "HMAT");

enum { HMAT_PROXIMITY = 0, HMAT_LOCALITY = 1, HMAT_CACHE = 2 };

struct hmat_proximity {
	uint16_t type, reserved1;
	uint32_t length;
	uint16_t flags;			/* bit 0: initiator_pd valid */
	uint16_t reserved2;
	uint32_t initiator_pd;
	uint32_t memory_pd;
	uint32_t reserved3;
	uint64_t reserved4, reserved5;
} __packed;
static_assert(sizeof(struct hmat_proximity) == 40, "HMAT proximity");
#define HMAT_INITIATOR_VALID 1

/* Followed by u32 initiators[], u32 targets[], u16 entries[i][t]. */
struct hmat_locality {
	uint16_t type, reserved1;
	uint32_t length;
	uint8_t flags;			/* memory hierarchy, 0: memory */
	uint8_t data_type;
	uint8_t min_transfer_size;
	uint8_t reserved2;
	uint32_t nr_initiators;
	uint32_t nr_targets;
	uint32_t reserved3;
	uint64_t base_unit;
} __packed;
static_assert(sizeof(struct hmat_locality) == 32, "HMAT locality");

enum {
	HMAT_READ_LATENCY = 1,
	HMAT_WRITE_LATENCY = 2,
	HMAT_READ_BANDWIDTH = 4,
	HMAT_WRITE_BANDWIDTH = 5,
};

struct hmat_cache {
	uint16_t type, reserved1;
	uint32_t length;
	uint32_t memory_pd;
	uint32_t reserved2;
	uint64_t size;
	uint32_t attributes;
	uint16_t address_mode;
	uint16_t nr_smbios_handles;
} __packed;
static_assert(sizeof(struct hmat_cache) == 32, "HMAT cache");

/* Builder shared by the table files: one linear pass over the buffer. */
#define ACPI_MAX_TABLES 8

struct acpi_ctx {
	const struct acpi_config *cfg;
	uint8_t *buf;
	uint64_t base;
	size_t size, off;
	uint64_t tables[ACPI_MAX_TABLES];	/* gpas for the XSDT */
	int nr_tables;
};

uint8_t acpi_checksum(const void *p, size_t len);
/* Zeroed space at the current end, @align-aligned in the guest; NULL if full. */
void *acpi_alloc(struct acpi_ctx *c, size_t len, size_t align);
uint64_t acpi_gpa(const struct acpi_ctx *c, const void *p);
/* Allocates a table of @len bytes (header included) and fills its header. */
void *acpi_table_begin(struct acpi_ctx *c, const char *sig, uint8_t rev,
		       size_t len);
/* Sets length (through the current end) and checksum; lists it in XSDT. */
int acpi_table_end(struct acpi_ctx *c, void *table, bool in_xsdt);

/* One builder per table; each returns 0 or -errno. */
int acpi_build_dsdt(struct acpi_ctx *c, uint64_t *dsdt_gpa);
int acpi_build_fadt(struct acpi_ctx *c, uint64_t dsdt_gpa);
int acpi_build_madt(struct acpi_ctx *c);
int acpi_build_srat(struct acpi_ctx *c);
int acpi_build_slit(struct acpi_ctx *c);
int acpi_build_hmat(struct acpi_ctx *c);
/* True when some node carries HMAT data. */
bool acpi_hmat_wanted(const struct topology *t);

#endif
