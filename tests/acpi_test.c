// SPDX-License-Identifier: GPL-2.0
/*
 * acpi/: every table's checksum and length, the XSDT links, MADT/SRAT/SLIT/
 * HMAT contents against the topology, the MP table, and (when acpica-tools
 * is installed) a clean `iasl -d` of each table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "acpi/acpi.h"
#include "acpi/tables.h"
#include "harness/topology.h"
#include "vmm/x86_64/apic.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)
#define BASE 0xe0000ULL
#define WINDOW (128 * 1024)
#define PM1A_EVT 0x600
#define PM1A_CNT 0x604

struct built {
	struct topology t;
	uint32_t ids[TOPO_MAX_CPUS];
	struct acpi_mem_range mem[TOPO_MAX_NODES + 1];
	int nr_mem;
	uint8_t buf[WINDOW];
	ssize_t len;
	uint64_t rsdp;
};

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

/* Node memory back to back from 0, node 0 split in two ranges. */
static void layout_memory(struct built *b)
{
	uint64_t gpa = 0, half;
	uint32_t n;

	for (n = 0; n < b->t.numa_nodes; n++) {
		uint64_t size = b->t.nodes[n].mem_bytes;

		if (!size)
			continue;
		if (n == 0) {
			half = size / 2;
			b->mem[b->nr_mem++] = (struct acpi_mem_range){ gpa, half, n };
			gpa += half;
			size -= half;
		}
		b->mem[b->nr_mem++] = (struct acpi_mem_range){ gpa, size, n };
		gpa += size;
	}
}

/* What vmm/x86_64/machine.c gives acpi/: the topology's APIC IDs. */
static struct acpi_config apic_config(const struct topology *t, uint32_t *ids)
{
	uint32_t cpu;

	for (cpu = 0; cpu < topology_nr_cpus(t); cpu++)
		ids[cpu] = apic_id(t, cpu);
	return (struct acpi_config){ .topo = t, .apic_ids = ids,
				     .ioapic_id = apic_ioapic_id(t) };
}

/* The whole machine's config for b->t: memory, APIC IDs, PM1a ports. */
static struct acpi_config machine_config(struct built *b)
{
	struct acpi_config cfg;

	layout_memory(b);
	cfg = apic_config(&b->t, b->ids);
	cfg.mem = b->mem;
	cfg.nr_mem = b->nr_mem;
	cfg.pm1a_evt_port = PM1A_EVT;
	cfg.pm1a_cnt_port = PM1A_CNT;
	return cfg;
}

static struct built *build(struct __test_metadata *_metadata,
			   const struct topology *t)
{
	struct built *b = calloc(1, sizeof(*b));
	struct acpi_config cfg;

	b->t = *t;
	cfg = machine_config(b);
	b->len = acpi_build(&cfg, b->buf, BASE, sizeof(b->buf), &b->rsdp);
	EXPECT_GT(b->len, 0);
	return b;
}

static struct built *build_spec(struct __test_metadata *_metadata,
				const char *spec)
{
	struct topology t;
	char err[256] = "";

	EXPECT_EQ(0, topology_parse(spec, 4 * GiB, &t, err, sizeof(err)))
		TH_LOG("%s: %s", spec, err);
	return build(_metadata, &t);
}

/* 2 CPU nodes + a memory-only node, asymmetric distances, full HMAT. */
static struct topology cxl_topology(void)
{
	struct topology t = {
		.llcs = 4, .cores_per_llc = 2, .threads_per_core = 2,
		.numa_nodes = 3, .allow_asymmetric = true,
		.nodes = {
			{ .llcs = 2, .mem_bytes = GiB, .hmat = {
				.present = true, .read_latency_ns = 80,
				.write_latency_ns = 90,
				.read_bandwidth_mbs = 200000,
				.write_bandwidth_mbs = 100000 } },
			{ .llcs = 2, .mem_bytes = GiB, .hmat = {
				.present = true, .read_latency_ns = 80,
				.write_latency_ns = 90,
				.read_bandwidth_mbs = 200000,
				.write_bandwidth_mbs = 100000 } },
			{ .llcs = 0, .mem_bytes = 512 * MiB, .hmat = {
				.present = true, .read_latency_ns = 250,
				.write_latency_ns = 300,
				.read_bandwidth_mbs = 30000,
				.write_bandwidth_mbs = 20000,
				.cache_size = 64 * MiB, .cache_assoc = 1,
				.cache_policy = HMAT_WP_WRITE_BACK,
				.cache_line = 64 } },
		},
		.distances = {
			{ 10, 20, 25 },
			{ 21, 10, 50 },
			{ 25, 50, 10 },
		},
	};
	return t;
}

static void *at(struct built *b, uint64_t gpa)
{
	if (gpa < BASE || gpa >= BASE + (uint64_t)b->len)
		return NULL;
	return b->buf + (gpa - BASE);
}

/* Checks header length and checksum; returns the table or NULL. */
static struct acpi_header *table_at(struct __test_metadata *_metadata,
				    struct built *b, uint64_t gpa)
{
	struct acpi_header *h = at(b, gpa);

	EXPECT_NE(NULL, h);
	if (!h)
		return NULL;
	EXPECT_EQ(0, gpa % 4);
	EXPECT_LE(gpa - BASE + h->length, (uint64_t)b->len);
	EXPECT_EQ(0, sum(h, h->length)) TH_LOG("%.4s checksum", h->signature);
	return h;
}

static struct acpi_header *xsdt(struct __test_metadata *_metadata,
				struct built *b)
{
	struct acpi_rsdp *r = at(b, b->rsdp);

	EXPECT_NE(NULL, r);
	if (!r)
		return NULL;
	EXPECT_EQ(0, b->rsdp % 16);
	EXPECT_EQ(0, memcmp(r->signature, "RSD PTR ", 8));
	EXPECT_EQ(2, r->revision);
	EXPECT_EQ(36, r->length);
	EXPECT_EQ(0, sum(r, 20));
	EXPECT_EQ(0, sum(r, 36));
	return table_at(_metadata, b, r->xsdt_address);
}

static struct acpi_header *find(struct __test_metadata *_metadata,
				struct built *b, const char *sig)
{
	struct acpi_header *x = xsdt(_metadata, b), *h;
	uint64_t gpa;
	size_t i, n;

	if (!x)
		return NULL;
	n = (x->length - sizeof(*x)) / 8;
	for (i = 0; i < n; i++) {
		memcpy(&gpa, (uint8_t *)(x + 1) + i * 8, 8);
		h = table_at(_metadata, b, gpa);
		if (h && !memcmp(h->signature, sig, 4))
			return h;
	}
	return NULL;
}

/* Calls @fn on each sub-structure after @hdr_len bytes of table @h. */
#define for_each_sub(h, hdr_len, p, len_of)				\
	for (p = (uint8_t *)(h) + (hdr_len);				\
	     p < (uint8_t *)(h) + (h)->length && len_of(p);		\
	     p += len_of(p))

static uint32_t len8(const uint8_t *p) { return p[1]; }
static uint32_t len32(const uint8_t *p) { uint32_t l; memcpy(&l, p + 4, 4); return l; }

static void check_all_tables(struct __test_metadata *_metadata,
			     struct built *b, bool want_hmat)
{
	static const char *const sigs[] = { "FACP", "APIC", "SRAT", "SLIT" };
	struct acpi_header *x = xsdt(_metadata, b);
	struct acpi_fadt *f;
	size_t i;

	ASSERT_NE(NULL, x);
	EXPECT_EQ(0, (x->length - sizeof(*x)) % 8);
	EXPECT_EQ(4 + want_hmat, (x->length - sizeof(*x)) / 8);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		EXPECT_NE(NULL, find(_metadata, b, sigs[i])) TH_LOG("%s", sigs[i]);
	EXPECT_EQ(want_hmat, find(_metadata, b, "HMAT") != NULL);
	f = (struct acpi_fadt *)find(_metadata, b, "FACP");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(276, f->h.length);
	EXPECT_TRUE(table_at(_metadata, b, f->x_dsdt) != NULL);
	EXPECT_EQ(f->x_dsdt, f->dsdt);
}

TEST(fadt_dsdt_power_off)
{
	struct built *b = build_spec(_metadata, "1n1l2c1t");
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05,
				      0x02, 0x0a, 0x05, 0x00 };
	struct acpi_header *d;
	struct acpi_fadt *f;

	check_all_tables(_metadata, b, false);
	f = (struct acpi_fadt *)find(_metadata, b, "FACP");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(6, f->h.revision);
	EXPECT_FALSE(f->flags & ACPI_FADT_HW_REDUCED);
	EXPECT_EQ(ACPI_SCI_IRQ, f->sci_int);
	EXPECT_EQ(0, f->smi_cmd);
	EXPECT_EQ(PM1A_EVT, f->pm1a_evt_blk);
	EXPECT_EQ(4, f->pm1_evt_len);
	EXPECT_EQ(PM1A_CNT, f->pm1a_cnt_blk);
	EXPECT_EQ(2, f->pm1_cnt_len);
	EXPECT_EQ(ACPI_GAS_SYSTEM_IO, f->x_pm1a_cnt_blk.space_id);
	EXPECT_EQ(16, f->x_pm1a_cnt_blk.bit_width);
	EXPECT_EQ(PM1A_CNT, f->x_pm1a_cnt_blk.address);
	EXPECT_EQ(32, f->x_pm1a_evt_blk.bit_width);
	d = table_at(_metadata, b, f->x_dsdt);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0, memcmp(d->signature, "DSDT", 4));
	ASSERT_EQ(sizeof(*d) + sizeof(s5), d->length);
	EXPECT_EQ(0, memcmp(d + 1, s5, sizeof(s5)));
	/* What Linux writes for S5 and what the VMM decodes. */
	EXPECT_EQ(0x3400, ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN);
	free(b);
}

static void check_madt(struct __test_metadata *_metadata, struct built *b)
{
	struct acpi_header *m = find(_metadata, b, "APIC");
	uint32_t nr = topology_nr_cpus(&b->t), cpus = 0, id, other = 0;
	uint8_t *p;

	ASSERT_NE(NULL, m);
	EXPECT_EQ(ACPI_LAPIC_ADDR, ((struct acpi_madt *)m)->lapic_addr);
	EXPECT_EQ(0, ((struct acpi_madt *)m)->flags);
	for_each_sub(m, sizeof(struct acpi_madt), p, len8) {
		if (p[0] == MADT_LAPIC) {
			struct madt_lapic *l = (void *)p;

			ASSERT_EQ(8, l->length);
			EXPECT_EQ(cpus, l->uid);
			EXPECT_EQ(apic_id(&b->t, cpus), l->apic_id);
			EXPECT_EQ(MADT_ENABLED, l->flags);
			cpus++;
		} else if (p[0] == MADT_X2APIC) {
			struct madt_x2apic *x = (void *)p;

			ASSERT_EQ(16, x->length);
			id = apic_id(&b->t, cpus);
			EXPECT_GT(id, APIC_XAPIC_MAX_ID);
			EXPECT_EQ(id, x->x2apic_id);
			EXPECT_EQ(cpus, x->uid);
			EXPECT_EQ(MADT_ENABLED, x->flags);
			cpus++;
		} else if (p[0] == MADT_IOAPIC) {
			struct madt_ioapic *io = (void *)p;

			EXPECT_EQ(ACPI_IOAPIC_ADDR, io->addr);
			EXPECT_EQ(0, io->gsi_base);
			other++;
		} else if (p[0] == MADT_ISO) {
			struct madt_iso *iso = (void *)p;

			EXPECT_EQ(0, iso->source);
			EXPECT_EQ(2, iso->gsi);
			other++;
		}
		ASSERT_LE(p + len8(p), (uint8_t *)m + m->length);
	}
	EXPECT_EQ((uint8_t *)m + m->length, p);
	EXPECT_EQ(nr, cpus);
	EXPECT_EQ(2, other);
}

static void check_srat(struct __test_metadata *_metadata, struct built *b)
{
	struct acpi_header *s = find(_metadata, b, "SRAT");
	uint64_t mem[TOPO_MAX_NODES] = { 0 };
	uint32_t cpus = 0, n, node;
	struct topo_cpu tc;
	uint8_t *p;

	ASSERT_NE(NULL, s);
	for_each_sub(s, sizeof(struct acpi_srat), p, len8) {
		if (p[0] == SRAT_CPU || p[0] == SRAT_X2APIC) {
			struct srat_cpu *c = (void *)p;
			struct srat_x2apic *x = (void *)p;

			topology_cpu(&b->t, cpus, &tc);
			node = p[0] == SRAT_CPU ? c->proximity_lo : x->proximity;
			EXPECT_EQ(tc.node, node);
			EXPECT_EQ(apic_id(&b->t, cpus), p[0] == SRAT_CPU ?
				  c->apic_id : x->x2apic_id);
			EXPECT_EQ(SRAT_ENABLED, p[0] == SRAT_CPU ?
				  c->flags : x->flags);
			cpus++;
		} else if (p[0] == SRAT_MEM) {
			struct srat_mem *m = (void *)p;

			ASSERT_EQ(40, m->length);
			ASSERT_LT(m->proximity, b->t.numa_nodes);
			EXPECT_EQ(SRAT_ENABLED, m->flags);
			mem[m->proximity] += (uint64_t)m->length_hi << 32 |
					     m->length_lo;
		}
	}
	EXPECT_EQ((uint8_t *)s + s->length, p);
	EXPECT_EQ(topology_nr_cpus(&b->t), cpus);
	for (n = 0; n < b->t.numa_nodes; n++)
		EXPECT_EQ(b->t.nodes[n].mem_bytes, mem[n]) TH_LOG("node %u", n);
}

static void check_slit(struct __test_metadata *_metadata, struct built *b)
{
	struct acpi_slit *s = (void *)find(_metadata, b, "SLIT");
	uint32_t n = b->t.numa_nodes, i;
	uint8_t *d;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(n, s->localities);
	ASSERT_EQ(sizeof(*s) + n * n, s->h.length);
	d = (uint8_t *)(s + 1);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, memcmp(d + i * n, b->t.distances[i], n));
}

TEST(shape_1n1l2c1t)
{
	struct built *b = build_spec(_metadata, "1n1l2c1t");

	check_all_tables(_metadata, b, false);
	check_madt(_metadata, b);
	check_srat(_metadata, b);
	check_slit(_metadata, b);
	free(b);
}

TEST(shape_1n2l4c2t)
{
	struct built *b = build_spec(_metadata, "1n2l4c2t");

	check_all_tables(_metadata, b, false);
	check_madt(_metadata, b);
	check_srat(_metadata, b);
	check_slit(_metadata, b);
	free(b);
}

TEST(shape_2n4l2c2t)
{
	struct built *b = build_spec(_metadata, "2n4l2c2t");

	check_all_tables(_metadata, b, false);
	check_madt(_metadata, b);
	check_srat(_metadata, b);
	check_slit(_metadata, b);
	free(b);
}

TEST(shape_x2apic)
{
	struct built *b = build_spec(_metadata, "1n1l128c2t");

	check_all_tables(_metadata, b, false);
	check_madt(_metadata, b);
	check_srat(_metadata, b);
	free(b);
}

/* Entry [i][t] of the HMAT locality structure of @type, 0 if none. */
static uint32_t hmat_get(struct __test_metadata *_metadata,
			 struct acpi_header *h, uint8_t type, uint32_t init,
			 uint32_t target)
{
	struct hmat_locality *l;
	uint32_t i, t, v, ni, nt;
	uint16_t e;
	uint8_t *p;

	for_each_sub(h, sizeof(struct acpi_hmat), p, len32) {
		l = (void *)p;
		if (l->type != HMAT_LOCALITY || l->data_type != type)
			continue;
		ni = l->nr_initiators;
		nt = l->nr_targets;
		EXPECT_EQ(sizeof(*l) + 4 * (ni + nt) + 2 * ni * nt, l->length);
		for (i = 0; i < ni; i++) {
			memcpy(&v, p + sizeof(*l) + 4 * i, 4);
			if (v != init)
				continue;
			for (t = 0; t < nt; t++) {
				memcpy(&v, p + sizeof(*l) + 4 * (ni + t), 4);
				if (v != target)
					continue;
				memcpy(&e, p + sizeof(*l) + 4 * (ni + nt) +
				       2 * (i * nt + t), 2);
				return e * l->base_unit;
			}
		}
	}
	return 0;
}

TEST(shape_memory_only_node_hmat)
{
	struct topology t = cxl_topology();
	struct acpi_header *h;
	uint32_t prox = 0, loc = 0, cache = 0;
	struct built *b;
	uint8_t *p;

	ASSERT_EQ(0, topology_validate(&t, 0, NULL, 0));
	b = build(_metadata, &t);
	check_all_tables(_metadata, b, true);
	check_madt(_metadata, b);
	check_srat(_metadata, b);
	check_slit(_metadata, b);
	h = find(_metadata, b, "HMAT");
	ASSERT_NE(NULL, h);
	EXPECT_EQ(2, h->revision);
	for_each_sub(h, sizeof(struct acpi_hmat), p, len32) {
		struct hmat_proximity *px = (void *)p;
		struct hmat_cache *c = (void *)p;

		if (px->type == HMAT_PROXIMITY) {
			/* CPU nodes own their memory; node 2 has no CPUs. */
			EXPECT_EQ(px->memory_pd < 2, px->flags & 1);
			if (px->memory_pd < 2)
				EXPECT_EQ(px->memory_pd, px->initiator_pd);
			prox++;
		} else if (px->type == HMAT_LOCALITY) {
			EXPECT_EQ(2, ((struct hmat_locality *)p)->nr_initiators);
			EXPECT_EQ(3, ((struct hmat_locality *)p)->nr_targets);
			loc++;
		} else if (px->type == HMAT_CACHE) {
			EXPECT_EQ(2, c->memory_pd);
			EXPECT_EQ(64 * MiB, c->size);
			EXPECT_EQ(1 | 1 << 4 | 1 << 8 | 1 << 12 | 64 << 16,
				  c->attributes);
			cache++;
		}
	}
	EXPECT_EQ((uint8_t *)h + h->length, p);
	EXPECT_EQ(3, prox);
	EXPECT_EQ(4, loc);
	EXPECT_EQ(1, cache);
	/* Latency in ps; node 2 is nearest to node 0 (25): 250 ns there. */
	EXPECT_EQ(80000, hmat_get(_metadata, h, HMAT_READ_LATENCY, 0, 0));
	EXPECT_EQ(250000, hmat_get(_metadata, h, HMAT_READ_LATENCY, 0, 2));
	EXPECT_EQ(500000, hmat_get(_metadata, h, HMAT_READ_LATENCY, 1, 2));
	/* Asymmetric SLIT 20 vs 21 shows up as asymmetric latency. */
	EXPECT_EQ(160000, hmat_get(_metadata, h, HMAT_READ_LATENCY, 0, 1));
	EXPECT_EQ(168000, hmat_get(_metadata, h, HMAT_READ_LATENCY, 1, 0));
	EXPECT_EQ(300000, hmat_get(_metadata, h, HMAT_WRITE_LATENCY, 0, 2));
	EXPECT_EQ(30000, hmat_get(_metadata, h, HMAT_READ_BANDWIDTH, 0, 2));
	EXPECT_EQ(15000, hmat_get(_metadata, h, HMAT_READ_BANDWIDTH, 1, 2));
	EXPECT_EQ(200000, hmat_get(_metadata, h, HMAT_READ_BANDWIDTH, 0, 0));
	EXPECT_EQ(20000, hmat_get(_metadata, h, HMAT_WRITE_BANDWIDTH, 0, 2));
	free(b);
}

TEST(errors)
{
	struct topology t;
	struct acpi_mem_range bad = { 0, GiB, 1 };
	uint32_t ids[TOPO_MAX_CPUS];
	struct acpi_config cfg;
	uint8_t small[256];
	uint64_t rsdp;

	ASSERT_EQ(0, topology_parse("1n2l4c2t", GiB, &t, NULL, 0));
	cfg = apic_config(&t, ids);
	cfg.mem = &bad;
	cfg.nr_mem = 1;
	cfg.pm1a_evt_port = PM1A_EVT;
	cfg.pm1a_cnt_port = PM1A_CNT;
	/* Node 1 does not exist. */
	EXPECT_EQ(-EINVAL, acpi_build(&cfg, small, BASE, sizeof(small), &rsdp));
	bad.node = 0;
	EXPECT_EQ(-ENOSPC, acpi_build(&cfg, small, BASE, sizeof(small), &rsdp));
	cfg.pm1a_cnt_port = 0;
	EXPECT_EQ(-EINVAL, acpi_build(&cfg, small, BASE, sizeof(small), &rsdp));
}

/* The MP spec structures, as the guest parses them (mpparse.c). */
struct mpf {
	char sig[4];
	uint32_t physptr;
	uint8_t length, spec, checksum, feature1;
	uint8_t feature2[4];
} __packed;

struct mpc {
	char sig[4];
	uint16_t length;
	uint8_t spec, checksum;
	char oem[20];
	uint32_t oemptr;
	uint16_t oemsize, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __packed;

static uint32_t mp_len(const uint8_t *p) { return p[0] == 0 ? 20 : 8; }

static void check_mptable(struct __test_metadata *_metadata, const char *spec)
{
	uint64_t base = 0xf0000;
	uint32_t cpus = 0, ioint = 0, lint = 0, n = 0;
	static uint32_t ids[TOPO_MAX_CPUS];
	static uint8_t buf[16384];
	struct acpi_config cfg;
	struct topology t;
	struct mpf *f;
	struct mpc *c;
	ssize_t len;
	uint8_t *p;

	ASSERT_EQ(0, topology_parse(spec, GiB, &t, NULL, 0));
	cfg = apic_config(&t, ids);
	len = mptable_build(&cfg, buf, base, sizeof(buf));
	ASSERT_GT(len, 0);
	f = (struct mpf *)buf;
	EXPECT_EQ(0, memcmp(f->sig, "_MP_", 4));
	EXPECT_EQ(1, f->length);
	EXPECT_EQ(4, f->spec);
	EXPECT_EQ(0, f->feature1);
	EXPECT_EQ(0, sum(f, 16));
	ASSERT_GE(f->physptr, base + 16);
	c = (struct mpc *)(buf + (f->physptr - base));
	ASSERT_LE(f->physptr - base + c->length, (uint64_t)len);
	EXPECT_EQ(0, memcmp(c->sig, "PCMP", 4));
	EXPECT_EQ(0, sum(c, c->length));
	EXPECT_EQ(ACPI_LAPIC_ADDR, c->lapic);
	for (p = (uint8_t *)(c + 1); p < (uint8_t *)c + c->length; p += mp_len(p)) {
		n++;
		if (p[0] == 0) {
			EXPECT_EQ(apic_id(&t, cpus), p[1]);
			EXPECT_EQ(cpus ? 1 : 3, p[3]);	/* enabled, BSP */
			cpus++;
		} else if (p[0] == 1) {
			EXPECT_EQ(0, memcmp(p + 2, "ISA   ", 6));
		} else if (p[0] == 2) {
			uint32_t addr;

			memcpy(&addr, p + 4, 4);
			EXPECT_EQ(ACPI_IOAPIC_ADDR, addr);
		} else if (p[0] == 3) {
			/* ISA IRQ n on pin n, except IRQ0 on pin 2. */
			EXPECT_EQ(p[5] ? p[5] : 2, p[7]);
			EXPECT_NE(2, p[5]);
			ioint++;
		} else if (p[0] == 4) {
			EXPECT_EQ(lint ? 1 : 3, p[1]);	/* ExtINT, NMI */
			EXPECT_EQ(lint, p[7]);		/* LINT0, LINT1 */
			lint++;
		}
	}
	EXPECT_EQ((uint8_t *)c + c->length, p);
	EXPECT_EQ(c->count, n);
	EXPECT_EQ(topology_nr_cpus(&t), cpus);
	EXPECT_EQ(15, ioint);
	EXPECT_EQ(2, lint);
}

TEST(mptable)
{
	static uint32_t ids[TOPO_MAX_CPUS];
	struct acpi_config cfg;
	struct topology t;
	uint8_t small[64];

	check_mptable(_metadata, "1n1l2c1t");
	check_mptable(_metadata, "1n2l4c2t");
	check_mptable(_metadata, "2n4l2c2t");
	ASSERT_EQ(0, topology_parse("1n1l128c2t", GiB, &t, NULL, 0));
	cfg = apic_config(&t, ids);
	EXPECT_EQ(-E2BIG, mptable_build(&cfg, small, 0xf0000, sizeof(small)));
	ASSERT_EQ(0, topology_parse("1n1l2c1t", GiB, &t, NULL, 0));
	cfg = apic_config(&t, ids);
	EXPECT_EQ(-ENOSPC, mptable_build(&cfg, small, 0xf0000, sizeof(small)));
}

static char *slurp(const char *path)
{
	struct stat st;
	char *s = NULL;
	FILE *f = fopen(path, "r");

	if (f && !fstat(fileno(f), &st)) {
		s = calloc(1, st.st_size + 1);
		if (fread(s, 1, st.st_size, f) != (size_t)st.st_size)
			s[0] = 0;
	}
	if (f)
		fclose(f);
	return s;
}

/*
 * iasl exits 0 even for malformed tables; it reports bad checksums as
 * warnings on stdout and bad subtables as "Invalid ..." in the .dsl.
 */
static void iasl_check(struct __test_metadata *_metadata, const char *dir,
		       const void *table, size_t len, const char *name)
{
	char cmd[512], path[300], *out, *dsl;
	int status;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(len, fwrite(table, 1, len, f));
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat > %s.out 2>&1",
		 dir, name, name);
	status = system(cmd);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("%s: iasl status %d", name, status);
	snprintf(path, sizeof(path), "%s/%s.out", dir, name);
	out = slurp(path);
	snprintf(path, sizeof(path), "%s/%s.dsl", dir, name);
	dsl = slurp(path);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, dsl) TH_LOG("%s: no disassembly: %s", name, out);
	EXPECT_EQ(NULL, strstr(out, "Error")) TH_LOG("%s: %s", name, out);
	EXPECT_EQ(NULL, strstr(out, "Warning")) TH_LOG("%s: %s", name, out);
	EXPECT_EQ(NULL, strstr(dsl, "Invalid")) TH_LOG("%s: %s", name, dsl);
	EXPECT_EQ(NULL, strstr(dsl, "****")) TH_LOG("%s: %s", name, dsl);
	free(out);
	free(dsl);
}

static void iasl_all(struct __test_metadata *_metadata, struct built *b)
{
	static const char *const sigs[] = { "FACP", "APIC", "SRAT", "SLIT",
					    "HMAT" };
	char dir[] = "/tmp/ktstr-acpi-XXXXXX", cmd[64];
	struct acpi_header *h;
	struct acpi_fadt *f;
	size_t i;

	ASSERT_NE(NULL, mkdtemp(dir));
	h = xsdt(_metadata, b);
	ASSERT_NE(NULL, h);
	iasl_check(_metadata, dir, h, h->length, "XSDT");
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		h = find(_metadata, b, sigs[i]);
		if (h)
			iasl_check(_metadata, dir, h, h->length, sigs[i]);
	}
	f = (struct acpi_fadt *)find(_metadata, b, "FACP");
	ASSERT_NE(NULL, f);
	h = at(b, f->x_dsdt);
	ASSERT_NE(NULL, h);
	iasl_check(_metadata, dir, h, h->length, "DSDT");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

/* The virtio-mmio devices distribution kernels find through ACPI. */
TEST(dsdt_virtio_mmio_devices)
{
	static const struct acpi_virtio_mmio v[2] = {
		{ 0xd0000000, 0x200, 5 }, { 0xd0001000, 0x200, 10 },
	};
	char dir[] = "/tmp/ktstr-acpi-XXXXXX", path[300], *dsl;
	struct built *b = calloc(1, sizeof(*b));
	struct acpi_header *d;
	struct acpi_config cfg;
	struct topology t;
	char err[256] = "";

	ASSERT_EQ(0, topology_parse("1n1l2c1t", GiB, &t, err, sizeof(err)));
	b->t = t;
	cfg = machine_config(b);
	cfg.virtio = v;
	cfg.nr_virtio = 2;
	b->len = acpi_build(&cfg, b->buf, BASE, sizeof(b->buf), &b->rsdp);
	ASSERT_GT(b->len, 0);
	d = at(b, ((struct acpi_fadt *)find(_metadata, b, "FACP"))->x_dsdt);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0, acpi_checksum(d, d->length));
	/* \_S5 still first, the devices follow in Scope (\_SB). */
	EXPECT_EQ(0, memcmp(d + 1, "\x08_S5_", 5));
	cfg.virtio = NULL;
	EXPECT_EQ(-EINVAL, acpi_build(&cfg, b->buf, BASE, sizeof(b->buf),
				      &b->rsdp));
	if (system("command -v iasl > /dev/null 2>&1"))
		SKIP(free(b); return, "iasl not installed (acpica-tools)");
	ASSERT_NE(NULL, mkdtemp(dir));
	iasl_check(_metadata, dir, d, d->length, "DSDT");
	snprintf(path, sizeof(path), "%s/DSDT.dsl", dir);
	dsl = slurp(path);
	ASSERT_NE(NULL, dsl);
	EXPECT_NE(NULL, strstr(dsl, "Device (VR00)")) TH_LOG("%s", dsl);
	EXPECT_NE(NULL, strstr(dsl, "Device (VR01)")) TH_LOG("%s", dsl);
	EXPECT_NE(NULL, strstr(dsl, "\"LNRO0005\"")) TH_LOG("%s", dsl);
	EXPECT_NE(NULL, strstr(dsl, "0xD0001000,         // Address Base"))
		TH_LOG("%s", dsl);
	EXPECT_NE(NULL, strstr(dsl, "IRQNoFlags ()\n                    {10}"))
		TH_LOG("%s", dsl);
	free(dsl);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	EXPECT_EQ(0, system(path));
	free(b);
}

TEST(iasl_disassembles)
{
	static const char *const specs[] = {
		"1n1l2c1t", "1n2l4c2t", "2n4l2c2t", "1n1l128c2t",
	};
	struct topology t = cxl_topology();
	struct built *b;
	size_t i;

	if (system("command -v iasl > /dev/null 2>&1"))
		SKIP(return, "iasl not installed (acpica-tools): not disassembling");
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		b = build_spec(_metadata, specs[i]);
		iasl_all(_metadata, b);
		free(b);
	}
	b = build(_metadata, &t);
	iasl_all(_metadata, b);
	free(b);
}

TEST_HARNESS_MAIN
