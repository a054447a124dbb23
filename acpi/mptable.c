// SPDX-License-Identifier: GPL-2.0
/*
 * Intel MultiProcessor Specification 1.4 table, for kernels booted with
 * acpi=off (arch/x86/kernel/mpparse.c). Modelled on kvmtool's
 * x86/mptable.c: one processor entry per vCPU, an ISA bus, one IOAPIC,
 * ISA IRQs 0-15 on IOAPIC pins (IRQ0 on pin 2) and LINT0/LINT1 as
 * ExtINT/NMI.
 */
#include <errno.h>
#include <string.h>

#include "acpi/tables.h"

struct mpf_intel {
	char signature[4];		/* "_MP_" */
	uint32_t physptr;		/* config table */
	uint8_t length;			/* in 16-byte units: 1 */
	uint8_t specification;		/* 4: MP 1.4 */
	uint8_t checksum;
	uint8_t feature1;		/* 0: a config table is present */
	uint8_t feature2, feature3, feature4, feature5;
} __packed;
static_assert(sizeof(struct mpf_intel) == 16, "MP floating pointer");

struct mpc_table {
	char signature[4];		/* "PCMP" */
	uint16_t length;		/* header plus entries */
	uint8_t spec;
	uint8_t checksum;
	char oem[8];
	char productid[12];
	uint32_t oemptr;
	uint16_t oemsize;
	uint16_t oemcount;		/* number of entries */
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __packed;
static_assert(sizeof(struct mpc_table) == 44, "MP config table header");

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };
#define MPC_CPU_EN		1
#define MPC_CPU_BP		2
#define MPC_APIC_USABLE		1
#define MP_APIC_ALL		0xff
#define MP_ISA_BUS		0

struct mpc_cpu {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t cpuflag;
	uint32_t cpufeature;		/* CPUID(1).EAX signature */
	uint32_t featureflag;		/* CPUID(1).EDX */
	uint32_t reserved[2];
} __packed;
static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry");

struct mpc_bus {
	uint8_t type;
	uint8_t busid;
	char bustype[6];
} __packed;
static_assert(sizeof(struct mpc_bus) == 8, "MP bus entry");

struct mpc_ioapic {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t flags;
	uint32_t apicaddr;
} __packed;
static_assert(sizeof(struct mpc_ioapic) == 8, "MP IOAPIC entry");

/* I/O (MP_INTSRC) and local (MP_LINTSRC) interrupt assignment */
struct mpc_intsrc {
	uint8_t type;
	uint8_t irqtype;
	uint16_t irqflag;		/* 0: conforms to the bus */
	uint8_t srcbus;
	uint8_t srcbusirq;
	uint8_t dstapic;
	uint8_t dstirq;
} __packed;
static_assert(sizeof(struct mpc_intsrc) == 8, "MP interrupt entry");

#define MP_LAPIC_VERSION	0x14
#define MP_IOAPIC_VERSION	0x11
/* Family 6 with FPU and APIC: what mpparse.c prints; it does not use it. */
#define MP_CPU_SIGNATURE	0x600
#define MP_CPU_FEATURES		((1U << 0) | (1U << 9))

struct mp_ctx {
	struct acpi_ctx a;
	struct mpc_table *mpc;
};

static void *mp_entry(struct mp_ctx *m, size_t len)
{
	void *p = acpi_alloc(&m->a, len, 1);

	if (p)
		m->mpc->oemcount++;
	return p;
}

static int mp_add_cpus(struct mp_ctx *m, const struct acpi_config *cfg)
{
	uint32_t cpu, nr = topology_nr_cpus(cfg->topo);
	struct mpc_cpu *e;

	for (cpu = 0; cpu < nr; cpu++) {
		e = mp_entry(m, sizeof(*e));
		if (!e)
			return -ENOSPC;
		e->type = MP_PROCESSOR;
		e->apicid = cfg->apic_ids[cpu];
		e->apicver = MP_LAPIC_VERSION;
		/* vCPU 0 is the one KVM starts (KVM_SET_BOOT_CPU_ID default). */
		e->cpuflag = MPC_CPU_EN | (cpu ? 0 : MPC_CPU_BP);
		e->cpufeature = MP_CPU_SIGNATURE;
		e->featureflag = MP_CPU_FEATURES;
	}
	return 0;
}

static int mp_add_bus_ioapic(struct mp_ctx *m, uint8_t ioapic_id)
{
	struct mpc_ioapic *io;
	struct mpc_bus *bus;

	bus = mp_entry(m, sizeof(*bus));
	if (!bus)
		return -ENOSPC;
	bus->type = MP_BUS;
	bus->busid = MP_ISA_BUS;
	memcpy(bus->bustype, "ISA   ", 6);
	io = mp_entry(m, sizeof(*io));
	if (!io)
		return -ENOSPC;
	io->type = MP_IOAPIC;
	io->apicid = ioapic_id;
	io->apicver = MP_IOAPIC_VERSION;
	io->flags = MPC_APIC_USABLE;
	io->apicaddr = ACPI_IOAPIC_ADDR;
	return 0;
}

static int mp_add_irq(struct mp_ctx *m, uint8_t type, uint8_t irqtype,
		      uint8_t srcirq, uint8_t dstapic, uint8_t dstirq)
{
	struct mpc_intsrc *e = mp_entry(m, sizeof(*e));

	if (!e)
		return -ENOSPC;
	e->type = type;
	e->irqtype = irqtype;
	e->srcbus = MP_ISA_BUS;
	e->srcbusirq = srcirq;
	e->dstapic = dstapic;
	e->dstirq = dstirq;
	return 0;
}

static int mp_add_irqs(struct mp_ctx *m, uint8_t ioapic_id)
{
	int irq, ret = 0;

	/* IRQ2 is the 8259 cascade: its pin carries IRQ0 instead. */
	for (irq = 0; irq < 16 && !ret; irq++)
		if (irq != 2)
			ret = mp_add_irq(m, MP_INTSRC, MP_INT, irq, ioapic_id,
					 irq ? irq : 2);
	if (!ret)
		ret = mp_add_irq(m, MP_LINTSRC, MP_EXTINT, 0, MP_APIC_ALL, 0);
	if (!ret)
		ret = mp_add_irq(m, MP_LINTSRC, MP_NMI, 0, MP_APIC_ALL, 1);
	return ret;
}

ssize_t mptable_build(const struct acpi_config *cfg, void *buf, uint64_t base,
		      size_t size)
{
	struct mp_ctx m = { .a = { .buf = buf, .base = base, .size = size } };
	uint8_t ioapic_id = cfg->ioapic_id;
	struct mpf_intel *mpf;
	int ret;

	if (acpi_needs_x2apic(cfg))
		return -E2BIG;
	mpf = acpi_alloc(&m.a, sizeof(*mpf), 16);
	m.mpc = acpi_alloc(&m.a, sizeof(*m.mpc), 4);
	if (!mpf || !m.mpc)
		return -ENOSPC;
	ret = mp_add_cpus(&m, cfg);
	if (!ret)
		ret = mp_add_bus_ioapic(&m, ioapic_id);
	if (!ret)
		ret = mp_add_irqs(&m, ioapic_id);
	if (ret)
		return ret;
	memcpy(m.mpc->signature, "PCMP", 4);
	m.mpc->length = m.a.buf + m.a.off - (uint8_t *)m.mpc;
	m.mpc->spec = 4;
	memcpy(m.mpc->oem, "KTSTR   ", 8);
	memcpy(m.mpc->productid, "KTSTRVM     ", 12);
	m.mpc->lapic = ACPI_LAPIC_ADDR;
	m.mpc->checksum = acpi_checksum(m.mpc, m.mpc->length);
	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = acpi_gpa(&m.a, m.mpc);
	mpf->length = 1;
	mpf->specification = 4;
	mpf->checksum = acpi_checksum(mpf, sizeof(*mpf));
	return m.a.off;
}
