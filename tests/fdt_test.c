// SPDX-License-Identifier: GPL-2.0
/*
 * fdt/: the arm64 device tree built for several topologies, read back with
 * libfdt (cpu nodes and their MPIDR reg, cpu-map, caches, NUMA ids, memory,
 * distance-map, chosen, GIC, timer, PMU, PSCI, UARTs, virtio), the
 * machines it refuses, a buffer too small, and (when device-tree-compiler
 * is installed) a clean `dtc -I dtb -O dts`.
 *
 * The address layout is QEMU virt's, as the aarch64 VMM may use it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <libfdt.h>

#include "kselftest_harness.h"
#include "fdt/fdt.h"
#include "util/util.h"
#include "harness/topology.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)
#define RAM_BASE	0x40000000ULL
#define GICD_BASE	0x08000000ULL
#define GICD_SIZE	0x10000ULL
#define GICR_BASE	0x080a0000ULL
#define UART_BASE	0x09000000ULL
#define UART_SIZE	0x1000ULL
#define UART_IRQ	33
#define UART_CLOCK	1843200
#define VIRTIO_BASE	0x0a000000ULL
#define VIRTIO_SIZE	0x200ULL
#define VIRTIO_IRQ	48
#define NR_UARTS	2
#define NR_VIRTIO	3
#define PMU_IRQ		23
#define INITRD_START	(RAM_BASE + 64 * MiB)
#define INITRD_SIZE	(3 * MiB)
#define BOOTARGS	"console=ttyS0 earlycon=uart8250,mmio,0x9000000"
#define KASLR_SEED	0x0123456789abcdefULL
#define HWID_MASK	((uint64_t)0xff00ffffff)
#define BLOB_MAX	(1 << 20)

static const uint32_t timer_irqs[] = { 29, 30, 27, 26 };
static const uint8_t rng_seed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

struct built {
	struct topology t;
	uint64_t mpidr[TOPO_MAX_CPUS];
	struct fdt_mem_range mem[TOPO_MAX_NODES + 1];
	struct fdt_mmio_dev uarts[NR_UARTS], virtio[NR_VIRTIO];
	struct fdt_machine m;
	char err[256];
	uint8_t blob[BLOB_MAX];
};

/* KVM's reset_mpidr(): vcpu_id bits 3:0 -> Aff0, 11:4 -> Aff1, 19:12 -> Aff2. */
static uint64_t kvm_mpidr(uint32_t id)
{
	return 1ULL << 31 | (id & 0xf) | ((id >> 4) & 0xff) << 8 |
	       ((id >> 12) & 0xff) << 16;
}

/* A machine as the VMM would describe it, before building. */
static struct built *machine(const struct topology *t)
{
	struct built *b = calloc(1, sizeof(*b));
	uint32_t i, nr = topology_nr_cpus(t);

	b->t = *t;
	for (i = 0; i < nr; i++)
		b->mpidr[i] = kvm_mpidr(i);
	for (i = 0; i < NR_UARTS; i++)
		b->uarts[i] = (struct fdt_mmio_dev){
			UART_BASE + i * UART_SIZE, UART_SIZE, UART_IRQ + i,
			UART_CLOCK,
		};
	for (i = 0; i < NR_VIRTIO; i++)
		b->virtio[i] = (struct fdt_mmio_dev){
			VIRTIO_BASE + i * VIRTIO_SIZE, VIRTIO_SIZE,
			VIRTIO_IRQ + i, 0,
		};
	b->m = (struct fdt_machine){
		.topo = &b->t, .mpidr = b->mpidr, .nr_cpus = nr,
		.mem = b->mem,
		.nr_mem = fdt_mem_layout(&b->t, RAM_BASE, b->mem),
		.gicd_base = GICD_BASE, .gicd_size = GICD_SIZE,
		.gicr_base = GICR_BASE, .gicr_size = nr * FDT_GICR_FRAME_SIZE,
		.pmu_irq = PMU_IRQ,
		.uarts = b->uarts, .nr_uarts = NR_UARTS, .console_uart = 0,
		.virtio = b->virtio, .nr_virtio = NR_VIRTIO,
		.bootargs = BOOTARGS,
		.initrd_start = INITRD_START, .initrd_size = INITRD_SIZE,
		.rng_seed = rng_seed, .rng_seed_len = sizeof(rng_seed),
		.kaslr_seed = KASLR_SEED,
	};
	memcpy(b->m.timer_irq, timer_irqs, sizeof(timer_irqs));
	return b;
}

static int build(struct built *b, size_t size)
{
	return fdt_build(&b->m, b->blob, size, b->err, sizeof(b->err));
}

static struct built *build_ok(struct __test_metadata *_metadata,
			      const struct topology *t)
{
	struct built *b = machine(t);

	EXPECT_EQ(0, build(b, BLOB_MAX)) TH_LOG("%s", b->err);
	EXPECT_EQ(0, fdt_check_header(b->blob));
	EXPECT_GE(BLOB_MAX, fdt_totalsize(b->blob));
	return b;
}

static struct topology spec(struct __test_metadata *_metadata,
			    const char *s, uint64_t mem)
{
	struct topology t;
	char err[256] = "";

	EXPECT_EQ(0, topology_parse(s, mem, &t, err, sizeof(err)))
		TH_LOG("%s: %s", s, err);
	return t;
}

static int __printf(3, 4)
node(struct __test_metadata *_metadata, const void *fdt, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	int off;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	off = fdt_path_offset(fdt, path);
	EXPECT_LE(0, off) TH_LOG("%s: %s", path, fdt_strerror(off));
	return off;
}

/* Cell @idx of a property, or ~0 when it is missing or shorter. */
static uint32_t cell(const void *fdt, int off, const char *name, int idx)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, off, name, &len);

	if (off < 0 || !p || len < (int)((idx + 1) * sizeof(*p)))
		return ~0U;
	return fdt32_to_cpu(p[idx]);
}

static uint64_t cell64(const void *fdt, int off, const char *name, int idx)
{
	return (uint64_t)cell(fdt, off, name, idx * 2) << 32 |
	       cell(fdt, off, name, idx * 2 + 1);
}

static int prop_len(const void *fdt, int off, const char *name)
{
	int len = -1;

	if (off >= 0 && !fdt_getprop(fdt, off, name, &len))
		return -1;
	return len;
}

static const char *str(const void *fdt, int off, const char *name)
{
	const char *s = off < 0 ? NULL : fdt_getprop(fdt, off, name, NULL);

	return s ? s : "(missing)";
}

/* Follows the phandle in @name of node @off. */
static int follow(const void *fdt, int off, const char *name)
{
	uint32_t ph = cell(fdt, off, name, 0);

	return ph == ~0U ? -1 : fdt_node_offset_by_phandle(fdt, ph);
}

static int cpu_node(struct __test_metadata *_metadata, const struct built *b,
		    uint32_t cpu)
{
	return node(_metadata, b->blob, "/cpus/cpu@%" PRIx64,
		    b->mpidr[cpu] & HWID_MASK);
}

static uint64_t cpu_reg(const void *fdt, int off)
{
	int cells = cell(fdt, fdt_parent_offset(fdt, off), "#address-cells", 0);

	return cells == 2 ? cell64(fdt, off, "reg", 0) : cell(fdt, off, "reg", 0);
}

/* Children of @parent whose @name property starts with @value. */
static int count_children(const void *fdt, int parent, const char *name,
			  const char *value)
{
	const char *v;
	int child, n = 0;

	fdt_for_each_subnode(child, fdt, parent) {
		v = fdt_getprop(fdt, child, name, NULL);
		if (v && !strncmp(v, value, strlen(value)))
			n++;
	}
	return n;
}

static void check_cpus(struct __test_metadata *_metadata, const struct built *b)
{
	const void *fdt = b->blob;
	uint32_t cpu, nr = topology_nr_cpus(&b->t);
	struct topo_cpu c;
	int off;

	EXPECT_EQ(nr, count_children(fdt, node(_metadata, fdt, "/cpus"),
				     "device_type", "cpu"));
	for (cpu = 0; cpu < nr; cpu++) {
		topology_cpu(&b->t, cpu, &c);
		off = cpu_node(_metadata, b, cpu);
		EXPECT_EQ(b->mpidr[cpu] & HWID_MASK, cpu_reg(fdt, off))
			TH_LOG("cpu %u", cpu);
		EXPECT_STREQ("psci", str(fdt, off, "enable-method"));
		EXPECT_STREQ("cpu", str(fdt, off, "device_type"));
		EXPECT_EQ(c.node, cell(fdt, off, "numa-node-id", 0));
		EXPECT_EQ(32768, cell(fdt, off, "i-cache-size", 0));
		EXPECT_EQ(32768, cell(fdt, off, "d-cache-size", 0));
		EXPECT_EQ(64, cell(fdt, off, "d-cache-line-size", 0));
		EXPECT_EQ(64, cell(fdt, off, "i-cache-sets", 0));
	}
}

/* Index of @node among the nodes with CPUs: its cpu-map socket. */
static uint32_t socket_of(const struct topology *t, uint32_t node)
{
	uint32_t n, s = 0;

	for (n = 0; n < node; n++)
		if (topology_node_first_llc(t, n) !=
		    topology_node_first_llc(t, n + 1))
			s++;
	return s;
}

static int nr_subnodes(const void *fdt, int parent)
{
	int child, n = 0;

	fdt_for_each_subnode(child, fdt, parent)
		n++;
	return n;
}

/* cpu-map leaves with a "cpu" phandle, at any depth. */
static int count_leaves(const void *fdt, int parent)
{
	int child, n = 0;

	fdt_for_each_subnode(child, fdt, parent)
		n += fdt_getprop(fdt, child, "cpu", NULL) ? 1 :
		     count_leaves(fdt, child);
	return n;
}

static void check_cpu_map(struct __test_metadata *_metadata,
			  const struct built *b)
{
	const struct topology *t = &b->t;
	const void *fdt = b->blob;
	uint32_t cpu, nr = topology_nr_cpus(t);
	char path[128];
	struct topo_cpu c;
	int off, map;

	map = node(_metadata, fdt, "/cpus/cpu-map");
	EXPECT_EQ(nr, count_leaves(fdt, map));
	for (cpu = 0; cpu < nr; cpu++) {
		topology_cpu(t, cpu, &c);
		snprintf(path, sizeof(path), "/cpus/cpu-map/socket%u/cluster%u/core%u",
			 socket_of(t, c.node),
			 c.llc - topology_node_first_llc(t, c.node), c.core);
		if (t->threads_per_core > 1)
			snprintf(path + strlen(path), sizeof(path) - strlen(path),
				 "/thread%u", c.thread);
		off = node(_metadata, fdt, "%s", path);
		if (t->threads_per_core == 1)
			EXPECT_EQ(-FDT_ERR_NOTFOUND,
				  fdt_first_subnode(fdt, off)) TH_LOG("%s", path);
		EXPECT_EQ(cpu_node(_metadata, b, cpu), follow(fdt, off, "cpu"))
			TH_LOG("%s", path);
	}
}

static bool is_cache(const void *fdt, int off, uint32_t level)
{
	return off >= 0 && !strcmp(str(fdt, off, "compatible"), "cache") &&
	       cell(fdt, off, "cache-level", 0) == level &&
	       prop_len(fdt, off, "cache-unified") == 0;
}

static int count_l3(const void *fdt, int parent)
{
	int child, n = 0;

	fdt_for_each_subnode(child, fdt, parent)
		n += is_cache(fdt, child, 3);
	return n;
}

static void check_caches(struct __test_metadata *_metadata,
			 const struct built *b)
{
	const struct topology *t = &b->t;
	const void *fdt = b->blob;
	uint32_t i, j, nr = topology_nr_cpus(t);
	int *l2 = calloc(nr, sizeof(int)), *l3 = calloc(nr, sizeof(int));
	struct topo_cpu ci, cj;

	for (i = 0; i < nr; i++) {
		l2[i] = follow(fdt, cpu_node(_metadata, b, i),
			       "next-level-cache");
		l3[i] = follow(fdt, l2[i], "next-level-cache");
		EXPECT_TRUE(is_cache(fdt, l2[i], 2)) TH_LOG("cpu %u", i);
		EXPECT_TRUE(is_cache(fdt, l3[i], 3)) TH_LOG("cpu %u", i);
		EXPECT_EQ(512 << 10, cell(fdt, l2[i], "cache-size", 0));
		EXPECT_EQ(16 << 20, cell(fdt, l3[i], "cache-size", 0));
		EXPECT_EQ(16384, cell(fdt, l3[i], "cache-sets", 0));
		EXPECT_EQ(-1, prop_len(fdt, l3[i], "next-level-cache"));
	}
	/* Same L2 iff same core, same L3 iff same LLC. */
	for (i = 0; i < nr; i++) {
		topology_cpu(t, i, &ci);
		for (j = 0; j < nr; j++) {
			topology_cpu(t, j, &cj);
			EXPECT_EQ(ci.llc == cj.llc && ci.core == cj.core,
				  l2[i] == l2[j]) TH_LOG("cpus %u %u", i, j);
			EXPECT_EQ(ci.llc == cj.llc, l3[i] == l3[j])
				TH_LOG("cpus %u %u", i, j);
		}
	}
	EXPECT_EQ(t->llcs, count_l3(fdt, node(_metadata, fdt, "/cpus")));
	free(l2);
	free(l3);
}

static void check_numa(struct __test_metadata *_metadata,
		       const struct built *b)
{
	const struct topology *t = &b->t;
	const void *fdt = b->blob;
	uint32_t i, j, nodes = 0;
	int off;

	for (i = 0; i < b->m.nr_mem; i++) {
		off = node(_metadata, fdt, "/memory@%" PRIx64, b->mem[i].base);
		EXPECT_STREQ("memory", str(fdt, off, "device_type"));
		EXPECT_EQ(b->mem[i].base, cell64(fdt, off, "reg", 0));
		EXPECT_EQ(b->mem[i].size, cell64(fdt, off, "reg", 1));
		EXPECT_EQ(b->mem[i].node, cell(fdt, off, "numa-node-id", 0));
	}
	for (i = 0; i < t->numa_nodes; i++)
		nodes += !!t->nodes[i].mem_bytes;
	EXPECT_EQ(nodes, count_children(fdt, 0, "device_type", "memory"));

	off = node(_metadata, fdt, "/distance-map");
	EXPECT_STREQ("numa-distance-map-v1", str(fdt, off, "compatible"));
	EXPECT_EQ(t->numa_nodes * t->numa_nodes * 3 * 4,
		  prop_len(fdt, off, "distance-matrix"));
	for (i = 0; i < t->numa_nodes; i++) {
		for (j = 0; j < t->numa_nodes; j++) {
			int k = (i * t->numa_nodes + j) * 3;

			EXPECT_EQ(i, cell(fdt, off, "distance-matrix", k));
			EXPECT_EQ(j, cell(fdt, off, "distance-matrix", k + 1));
			EXPECT_EQ(t->distances[i][j],
				  cell(fdt, off, "distance-matrix", k + 2))
				TH_LOG("distance %u -> %u", i, j);
		}
	}
}

static void check_chosen(struct __test_metadata *_metadata,
			 const struct built *b)
{
	const void *fdt = b->blob;
	int off = node(_metadata, fdt, "/chosen"), i;
	char path[64];

	EXPECT_STREQ(BOOTARGS, str(fdt, off, "bootargs"));
	snprintf(path, sizeof(path), "/serial@%llx", UART_BASE);
	EXPECT_STREQ(path, str(fdt, off, "stdout-path"));
	EXPECT_EQ(INITRD_START, cell64(fdt, off, "linux,initrd-start", 0));
	EXPECT_EQ(INITRD_START + INITRD_SIZE,
		  cell64(fdt, off, "linux,initrd-end", 0));
	EXPECT_EQ(KASLR_SEED, cell64(fdt, off, "kaslr-seed", 0));
	EXPECT_EQ(sizeof(rng_seed), prop_len(fdt, off, "rng-seed"));
	EXPECT_EQ(0, memcmp(rng_seed, fdt_getprop(fdt, off, "rng-seed", NULL),
			    sizeof(rng_seed)));
	off = node(_metadata, fdt, "/aliases");
	for (i = 0; i < NR_UARTS; i++) {
		char alias[16];

		snprintf(alias, sizeof(alias), "serial%d", i);
		snprintf(path, sizeof(path), "/serial@%llx",
			 UART_BASE + i * UART_SIZE);
		EXPECT_STREQ(path, str(fdt, off, alias));
	}
}

/* interrupts = <type number flags> of INTID @intid. */
static void expect_irq(struct __test_metadata *_metadata, const void *fdt,
		       int off, int idx, uint32_t intid, uint32_t flags)
{
	bool spi = intid >= 32;

	EXPECT_EQ(spi ? 0 : 1, cell(fdt, off, "interrupts", idx * 3));
	EXPECT_EQ(intid - (spi ? 32 : 16),
		  cell(fdt, off, "interrupts", idx * 3 + 1));
	EXPECT_EQ(flags, cell(fdt, off, "interrupts", idx * 3 + 2));
}

static void check_devices(struct __test_metadata *_metadata,
			  const struct built *b)
{
	const void *fdt = b->blob;
	int off, i;

	off = node(_metadata, fdt, "/interrupt-controller@%llx", GICD_BASE);
	EXPECT_STREQ("arm,gic-v3", str(fdt, off, "compatible"));
	EXPECT_EQ(0, prop_len(fdt, off, "interrupt-controller"));
	EXPECT_EQ(3, cell(fdt, off, "#interrupt-cells", 0));
	EXPECT_EQ(GICD_BASE, cell64(fdt, off, "reg", 0));
	EXPECT_EQ(GICD_SIZE, cell64(fdt, off, "reg", 1));
	EXPECT_EQ(GICR_BASE, cell64(fdt, off, "reg", 2));
	EXPECT_EQ(b->m.gicr_size, cell64(fdt, off, "reg", 3));
	EXPECT_EQ(off, follow(fdt, 0, "interrupt-parent"));

	off = node(_metadata, fdt, "/timer");
	EXPECT_STREQ("arm,armv8-timer", str(fdt, off, "compatible"));
	EXPECT_EQ(4 * 3 * 4, prop_len(fdt, off, "interrupts"));
	for (i = 0; i < 4; i++)
		expect_irq(_metadata, fdt, off, i, timer_irqs[i], 4);
	off = node(_metadata, fdt, "/pmu");
	EXPECT_STREQ("arm,armv8-pmuv3", str(fdt, off, "compatible"));
	expect_irq(_metadata, fdt, off, 0, PMU_IRQ, 4);
	off = node(_metadata, fdt, "/psci");
	EXPECT_EQ(1, fdt_stringlist_contains(fdt_getprop(fdt, off, "compatible", NULL),
					     prop_len(fdt, off, "compatible"),
					     "arm,psci-1.0"));
	EXPECT_EQ(1, fdt_stringlist_contains(fdt_getprop(fdt, off, "compatible", NULL),
					     prop_len(fdt, off, "compatible"),
					     "arm,psci-0.2"));
	EXPECT_STREQ("hvc", str(fdt, off, "method"));

	for (i = 0; i < NR_UARTS; i++) {
		off = node(_metadata, fdt, "/serial@%llx", UART_BASE + i * UART_SIZE);
		EXPECT_STREQ("ns16550a", str(fdt, off, "compatible"));
		EXPECT_EQ(UART_BASE + i * UART_SIZE, cell64(fdt, off, "reg", 0));
		EXPECT_EQ(UART_SIZE, cell64(fdt, off, "reg", 1));
		EXPECT_EQ(UART_CLOCK, cell(fdt, off, "clock-frequency", 0));
		expect_irq(_metadata, fdt, off, 0, UART_IRQ + i, 4);
	}
	for (i = 0; i < NR_VIRTIO; i++) {
		off = node(_metadata, fdt, "/virtio@%llx",
			   VIRTIO_BASE + i * VIRTIO_SIZE);
		EXPECT_STREQ("virtio,mmio", str(fdt, off, "compatible"));
		EXPECT_EQ(VIRTIO_BASE + i * VIRTIO_SIZE,
			  cell64(fdt, off, "reg", 0));
		EXPECT_EQ(VIRTIO_SIZE, cell64(fdt, off, "reg", 1));
		expect_irq(_metadata, fdt, off, 0, VIRTIO_IRQ + i, 1);
	}
}

static void check_all(struct __test_metadata *_metadata, const struct built *b)
{
	check_cpus(_metadata, b);
	check_cpu_map(_metadata, b);
	check_caches(_metadata, b);
	check_numa(_metadata, b);
	check_chosen(_metadata, b);
	check_devices(_metadata, b);
}

static void check_spec(struct __test_metadata *_metadata, const char *s,
		       uint64_t mem)
{
	struct topology t = spec(_metadata, s, mem);
	struct built *b = build_ok(_metadata, &t);

	check_all(_metadata, b);
	free(b);
}

TEST(one_cpu)
{
	struct topology t = spec(_metadata, "1n1l1c1t", GiB);
	struct built *b = build_ok(_metadata, &t);

	check_all(_metadata, b);
	EXPECT_EQ(1, cell(b->blob, node(_metadata, b->blob, "/cpus"),
			  "#address-cells", 0));
	EXPECT_EQ(4, prop_len(b->blob, cpu_node(_metadata, b, 0), "reg"));
	node(_metadata, b->blob, "/cpus/cpu@0");
	node(_metadata, b->blob, "/memory@%llx", RAM_BASE);
	free(b);
}

TEST(smt_two_llcs)
{
	check_spec(_metadata, "1n2l2c2t", 2 * GiB);
}

TEST(two_nodes_one_thread)
{
	check_spec(_metadata, "2n4l2c1t", 2 * GiB);
}

TEST(sixteen_and_more_cpus)
{
	/* 16 vCPUs reach Aff1; 2n4l4c2t has 32. */
	check_spec(_metadata, "1n2l4c2t", GiB);
	check_spec(_metadata, "2n4l4c2t", 4 * GiB);
}

/* Node 1 is memory-only, so node 2's CPUs are socket1. */
TEST(memory_only_node)
{
	struct topology t = {
		.llcs = 3, .cores_per_llc = 2, .threads_per_core = 2,
		.numa_nodes = 3,
		.nodes = {
			{ .llcs = 2, .mem_bytes = GiB },
			{ .llcs = 0, .mem_bytes = 512 * MiB },
			{ .llcs = 1, .mem_bytes = 256 * MiB },
		},
		.distances = { { 10, 30, 20 }, { 30, 10, 30 }, { 20, 30, 10 } },
	};
	struct built *b = build_ok(_metadata, &t);

	check_all(_metadata, b);
	EXPECT_EQ(3, b->m.nr_mem);
	EXPECT_EQ(1, cell(b->blob, node(_metadata, b->blob, "/memory@%llx",
					RAM_BASE + GiB), "numa-node-id", 0));
	EXPECT_EQ(2, nr_subnodes(b->blob,
				 node(_metadata, b->blob, "/cpus/cpu-map")));
	node(_metadata, b->blob, "/cpus/cpu-map/socket1/cluster0/core1/thread1");
	free(b);
}

TEST(asymmetric_distances)
{
	struct topology t = {
		.llcs = 2, .cores_per_llc = 1, .threads_per_core = 1,
		.numa_nodes = 3, .allow_asymmetric = true,
		.nodes = {
			{ .llcs = 1, .mem_bytes = 256 * MiB },
			{ .llcs = 1, .mem_bytes = 256 * MiB },
			{ .llcs = 0, .mem_bytes = 128 * MiB },
		},
		.distances = { { 10, 15, 40 }, { 25, 10, 35 }, { 45, 50, 10 } },
	};
	struct built *b = build_ok(_metadata, &t);

	check_all(_metadata, b);
	free(b);
}

/* One node's RAM in two ranges: one memory node, two reg entries. */
TEST(split_node_memory)
{
	struct topology t = spec(_metadata, "2n2l", 2 * GiB);
	struct built *b = machine(&t);
	int off;

	b->mem[0] = (struct fdt_mem_range){ RAM_BASE + 3 * GiB, 512 * MiB, 0 };
	b->mem[1] = (struct fdt_mem_range){ RAM_BASE, GiB, 1 };
	b->mem[2] = (struct fdt_mem_range){ RAM_BASE + 2 * GiB, 512 * MiB, 0 };
	b->m.nr_mem = 3;
	b->m.initrd_start = RAM_BASE + 2 * GiB;
	ASSERT_EQ(0, build(b, BLOB_MAX)) TH_LOG("%s", b->err);
	off = node(_metadata, b->blob, "/memory@%llx", RAM_BASE + 2 * GiB);
	EXPECT_EQ(32, prop_len(b->blob, off, "reg"));
	EXPECT_EQ(RAM_BASE + 3 * GiB, cell64(b->blob, off, "reg", 0));
	EXPECT_EQ(RAM_BASE + 2 * GiB, cell64(b->blob, off, "reg", 2));
	EXPECT_EQ(0, cell(b->blob, off, "numa-node-id", 0));
	EXPECT_EQ(2, count_children(b->blob, 0, "device_type", "memory"));
	free(b);
}

/* MPIDRs with Aff3 and the MT bit: two reg cells, MT and RES1 masked off. */
TEST(aff3_needs_two_cells)
{
	struct topology t = spec(_metadata, "1n1l2c2t", GiB);
	struct built *b = machine(&t);
	uint32_t i;

	for (i = 0; i < 4; i++)
		b->mpidr[i] = 1ULL << 31 | 1ULL << 24 | (uint64_t)(i + 1) << 32 |
			      i;
	ASSERT_EQ(0, build(b, BLOB_MAX)) TH_LOG("%s", b->err);
	check_all(_metadata, b);
	EXPECT_EQ(2, cell(b->blob, node(_metadata, b->blob, "/cpus"),
			  "#address-cells", 0));
	EXPECT_EQ(0x300000002ULL,
		  cpu_reg(b->blob, node(_metadata, b->blob, "/cpus/cpu@300000002")));
	free(b);
}

/* No PMU, no UARTs, no virtio, no chosen extras: nodes left out. */
TEST(minimal_machine)
{
	struct topology t = spec(_metadata, "1n1l2c1t", GiB);
	struct built *b = machine(&t);
	int off;

	b->m.pmu_irq = 0;
	b->m.nr_uarts = b->m.nr_virtio = 0;
	b->m.bootargs = NULL;
	b->m.initrd_size = b->m.kaslr_seed = 0;
	b->m.rng_seed = NULL;
	ASSERT_EQ(0, build(b, BLOB_MAX)) TH_LOG("%s", b->err);
	EXPECT_EQ(-FDT_ERR_NOTFOUND, fdt_path_offset(b->blob, "/pmu"));
	EXPECT_EQ(-FDT_ERR_NOTFOUND, fdt_path_offset(b->blob, "/aliases"));
	off = node(_metadata, b->blob, "/chosen");
	EXPECT_EQ(-FDT_ERR_NOTFOUND, fdt_first_property_offset(b->blob, off));
	check_cpus(_metadata, b);
	check_caches(_metadata, b);
	free(b);
}

TEST(buffer_too_small)
{
	struct topology t = spec(_metadata, "2n4l2c2t", 2 * GiB);
	struct built *b = build_ok(_metadata, &t);
	size_t need = fdt_totalsize(b->blob), sizes[] = {
		need - 1, need / 2, 100, 39, 0,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(b->blob, 0xa5, BLOB_MAX);
		b->err[0] = 0;
		EXPECT_EQ(-ENOSPC, build(b, sizes[i])) TH_LOG("size %zu", sizes[i]);
		EXPECT_NE(NULL, strstr(b->err, "device tree does not fit"))
			TH_LOG("%s", b->err);
		EXPECT_EQ(NULL, strchr(b->err, '\n'));
		for (j = sizes[i]; j < BLOB_MAX && b->blob[j] == 0xa5; j++)
			;
		EXPECT_EQ(BLOB_MAX, j) TH_LOG("size %zu: byte %zu written",
					      sizes[i], j);
	}
	EXPECT_EQ(0, build(b, need)) TH_LOG("%s", b->err);
	EXPECT_EQ(need, fdt_totalsize(b->blob));
	free(b);
}

static void expect_reject(struct __test_metadata *_metadata, struct built *b,
			  const char *msg)
{
	b->err[0] = 0;
	EXPECT_EQ(-EINVAL, build(b, BLOB_MAX));
	EXPECT_STREQ(msg, b->err);
}

TEST(rejects_bad_machines)
{
	struct topology t = spec(_metadata, "1n2l2c1t", GiB);
	struct built *b = machine(&t);

	b->m.nr_cpus = 3;
	expect_reject(_metadata, b, "nr_cpus=3 but the topology has 4 vCPUs");
	b->m.nr_cpus = 4;
	b->mpidr[3] = b->mpidr[1] | 1ULL << 24;
	expect_reject(_metadata, b,
		      "vCPU 3 MPIDR 0x81000001: same affinity as vCPU 1");
	b->mpidr[3] = kvm_mpidr(3);
	b->mem[0].size -= 2 * MiB;
	expect_reject(_metadata, b,
		      "node 0: memory ranges sum to 0x3fe00000 but the topology declares 0x40000000");
	b->mem[0].size += 2 * MiB;
	b->mem[0].node = 1;
	expect_reject(_metadata, b,
		      "memory range 0x40000000: node 1 but the topology has 1 nodes");
	b->mem[0].node = 0;
	b->m.initrd_start = RAM_BASE + GiB - MiB;
	expect_reject(_metadata, b,
		      "initrd 0x7ff00000+0x300000 is not inside one memory range");
	b->m.initrd_start = INITRD_START;
	b->m.gicr_size -= 1;
	expect_reject(_metadata, b,
		      "GICv3 redistributor region 0x7ffff bytes: 4 vCPUs need 0x80000");
	b->m.gicr_size += 1;
	b->m.timer_irq[FDT_TIMER_VIRT] = 32;
	expect_reject(_metadata, b,
		      "virtual timer interrupt 32: not a PPI INTID (16..31)");
	b->m.timer_irq[FDT_TIMER_VIRT] = 27;
	b->virtio[1].irq = UART_IRQ + 1;
	expect_reject(_metadata, b,
		      "virtio@0xa000200 interrupt 34: already used by another device");
	b->virtio[1].irq = 1020;
	expect_reject(_metadata, b,
		      "virtio@0xa000200 interrupt 1020: not an SPI INTID (32..1019)");
	b->virtio[1].irq = VIRTIO_IRQ + 1;
	b->m.console_uart = 2;
	expect_reject(_metadata, b, "console UART 2 of 2 UARTs");
	b->m.console_uart = 1;
	b->t.distances[0][0] = 20;
	expect_reject(_metadata, b, "distance[0][0]=20: must be 10");
	b->t.distances[0][0] = 10;
	EXPECT_EQ(0, build(b, BLOB_MAX)) TH_LOG("%s", b->err);
	EXPECT_STREQ("/serial@9001000",
		     str(b->blob, node(_metadata, b->blob, "/chosen"),
			 "stdout-path"));
	free(b);
}

/* dtc prints its checks' warnings on stderr and still exits 0. */
static void dtc_check(struct __test_metadata *_metadata, struct built *b,
		      const char *name)
{
	char dir[] = "/tmp/ktstr-fdt-XXXXXX", cmd[512], out[4096] = "";
	size_t n = 0;
	int status;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/blob.dtb", dir);
	f = fopen(cmd, "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(fdt_totalsize(b->blob),
		  fwrite(b->blob, 1, fdt_totalsize(b->blob), f));
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "dtc -I dtb -O dts -o %s/blob.dts %s/blob.dtb 2>&1", dir, dir);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	status = pclose(f);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("%s: dtc status %d: %s", name, status, out);
	EXPECT_EQ(0, n) TH_LOG("%s: dtc: %s", name, out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

TEST(dtc_decompiles)
{
	static const char *const specs[] = {
		"1n1l1c1t", "1n1l4c1t", "1n2l4c2t", "2n4l2c2t",
	};
	struct topology cxl = {
		.llcs = 2, .cores_per_llc = 2, .threads_per_core = 1,
		.numa_nodes = 3,
		.nodes = {
			{ .llcs = 1, .mem_bytes = GiB },
			{ .llcs = 1, .mem_bytes = GiB },
			{ .llcs = 0, .mem_bytes = 512 * MiB },
		},
		.distances = { { 10, 20, 30 }, { 20, 10, 40 }, { 30, 40, 10 } },
	};
	struct topology t;
	struct built *b;
	size_t i;

	if (system("command -v dtc > /dev/null 2>&1"))
		SKIP(return, "dtc not installed (device-tree-compiler): not decompiling");
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		t = spec(_metadata, specs[i], 2 * GiB);
		b = build_ok(_metadata, &t);
		dtc_check(_metadata, b, specs[i]);
		free(b);
	}
	b = build_ok(_metadata, &cxl);
	dtc_check(_metadata, b, "memory-only node");
	free(b);
}

TEST_HARNESS_MAIN
