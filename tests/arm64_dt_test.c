// SPDX-License-Identifier: GPL-2.0
/*
 * vmm/aarch64/dt.c: the device tree exactly as the aarch64 VMM fills it
 * (its address map, INTIDs, one virtio-mmio transport) for 1, 4 and 16
 * vCPUs, read back with libfdt (cpus and their MPIDR reg, GIC frames,
 * UART, virtio and PMU interrupts, chosen) and, where device-tree-compiler
 * is installed, decompiled cleanly by `dtc -I dtb -O dts`; the pvtime
 * records' place outside RAM. Runs on every host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <libfdt.h>

#include "kselftest_harness.h"
#include "harness/topology.h"
#include "vmm/aarch64/layout.h"

#define BLOB_MAX	(1 << 20)
#define CMDLINE		"console=ttyS0 earlycon=uart8250,mmio,0x9000000"

struct vm_dt {
	bool pmu;
	struct topology t;
	uint64_t mpidr[TOPO_MAX_CPUS];
	struct fdt_mmio_dev virtio;
	struct arm64_dt dt;
	char err[256];
	uint8_t blob[BLOB_MAX];
};

/* @fn, if any, refines the parsed topology as a test's topology_fn. */
static int build_topo(struct vm_dt *d, const char *spec,
		      void (*fn)(struct topology *t))
{
	struct arm64_dt_input in = {
		.topo = &d->t, .mpidr = d->mpidr, .virtio = &d->virtio,
		.nr_virtio = 1, .cmdline = CMDLINE,
		.initrd_start = ARM64_RAM_BASE + (64 << 20),
		.initrd_size = 1 << 20, .pmu = d->pmu,
	};
	uint32_t i;
	int r;

	r = topology_parse(spec, 512ULL << 20, &d->t, d->err, sizeof(d->err));
	if (r)
		return r;
	if (fn)
		fn(&d->t);
	in.nr_cpus = topology_nr_cpus(&d->t);
	for (i = 0; i < in.nr_cpus; i++)
		d->mpidr[i] = arm64_kvm_mpidr(i);
	d->virtio = (struct fdt_mmio_dev){
		ARM64_VIRTIO_BASE, 0x200, ARM64_VIRTIO_SPI(0), 0,
	};
	arm64_dt_machine(&d->dt, &in);
	return fdt_build(&d->dt.m, d->blob, sizeof(d->blob), d->err,
			 sizeof(d->err));
}

static int build(struct vm_dt *d, const char *spec)
{
	return build_topo(d, spec, NULL);
}

static uint32_t cell(const void *blob, int node, const char *prop, int i)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, node, prop, &len);

	return p && len >= (i + 1) * 4 ? fdt32_to_cpu(p[i]) : 0xffffffff;
}

static int count_cpus(const void *blob)
{
	int cpus = fdt_path_offset(blob, "/cpus"), n = 0, node;

	fdt_for_each_subnode(node, blob, cpus)
		if (!strncmp(fdt_get_name(blob, node, NULL), "cpu@", 4))
			n++;
	return n;
}

/* dtc prints its checks' warnings on stderr and still exits 0. */
static int dtc_clean(const void *blob, char *out, size_t len)
{
	char dir[] = "/tmp/ktstr-arm64dt-XXXXXX", cmd[256];
	size_t n;
	int status;
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/vm.dtb", dir);
	f = fopen(cmd, "w");
	if (!f)
		return -1;
	fwrite(blob, 1, fdt_totalsize(blob), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "dtc -I dtb -O dts -o %s/vm.dts %s/vm.dtb 2>&1; rm -rf %s",
		 dir, dir, dir);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	status = pclose(f);
	return WIFEXITED(status) && !WEXITSTATUS(status) && !n ? 0 : -1;
}

static void check(struct __test_metadata *_metadata, const char *spec,
		  int nr_cpus)
{
	struct vm_dt *d = calloc(1, sizeof(*d));
	char out[4096];
	int gic, uart, virtio, cpu;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, build(d, spec)) TH_LOG("%s: %s", spec, d->err);
	EXPECT_EQ(nr_cpus, count_cpus(d->blob));
	cpu = fdt_path_offset(d->blob, "/cpus");
	EXPECT_EQ(1, cell(d->blob, cpu, "#address-cells", 0));
	gic = fdt_node_offset_by_compatible(d->blob, -1, "arm,gic-v3");
	ASSERT_LE(0, gic);
	EXPECT_EQ((uint32_t)ARM64_GICD_BASE, cell(d->blob, gic, "reg", 1));
	EXPECT_EQ((uint32_t)ARM64_GICR_BASE, cell(d->blob, gic, "reg", 5));
	EXPECT_EQ(nr_cpus * FDT_GICR_FRAME_SIZE, cell(d->blob, gic, "reg", 7));
	uart = fdt_node_offset_by_compatible(d->blob, -1, "ns16550a");
	ASSERT_LE(0, uart);
	EXPECT_EQ((uint32_t)ARM64_UART_BASE, cell(d->blob, uart, "reg", 1));
	EXPECT_EQ(ARM64_UART_SPI(0) - 32, cell(d->blob, uart, "interrupts", 1));
	virtio = fdt_node_offset_by_compatible(d->blob, -1, "virtio,mmio");
	ASSERT_LE(0, virtio);
	EXPECT_EQ(ARM64_VIRTIO_SPI(0) - 32,
		  cell(d->blob, virtio, "interrupts", 1));
	EXPECT_STREQ(CMDLINE, fdt_getprop(d->blob,
					  fdt_path_offset(d->blob, "/chosen"),
					  "bootargs", NULL));
	if (system("command -v dtc >/dev/null 2>&1"))
		TH_LOG("dtc not installed (device-tree-compiler): not decompiling");
	else
		EXPECT_EQ(0, dtc_clean(d->blob, out, sizeof(out)))
			TH_LOG("%s: dtc: %s", spec, out);
	free(d);
}

TEST(one_vcpu)
{
	check(_metadata, "1n1l1c1t", 1);
}

TEST(four_vcpus)
{
	check(_metadata, "1n1l4c1t", 4);
}

TEST(sixteen_vcpus)
{
	check(_metadata, "2n4l2c2t", 16);
}

/* Node 1 holds memory only: the CPU nodes 0 and 2 are sockets 0 and 1. */
static void memory_only_middle(struct topology *t)
{
	t->numa_nodes = 3;
	t->nodes[0].llcs = 1;
	t->nodes[1].llcs = 0;
	t->nodes[2].llcs = 1;
	t->nodes[0].mem_bytes = 256ULL << 20;
	t->nodes[1].mem_bytes = 128ULL << 20;
	t->nodes[2].mem_bytes = 128ULL << 20;
	t->distances[0][2] = t->distances[2][0] = 20;
	t->distances[1][2] = t->distances[2][1] = 20;
	t->distances[2][2] = 10;
}

/*
 * `ktstr topo` prints each vCPU's MPIDR and cpu-map path: the path must
 * name a node of the device tree the VMM builds, whose "cpu" is the cpu
 * node with that MPIDR as reg.
 */
static void check_paths(struct __test_metadata *_metadata, const char *spec,
			void (*fn)(struct topology *t), const char *cpu0_path,
			const char *last_path)
{
	struct vm_dt *d = calloc(1, sizeof(*d));
	char path[FDT_CPU_MAP_PATH_MAX], name[32];
	uint32_t cpu, nr;
	int map, node;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, build_topo(d, spec, fn)) TH_LOG("%s: %s", spec, d->err);
	nr = topology_nr_cpus(&d->t);
	for (cpu = 0; cpu < nr; cpu++) {
		ASSERT_LT(0, fdt_cpu_map_path(&d->t, cpu, path, sizeof(path)));
		if (!cpu)
			EXPECT_STREQ(cpu0_path, path);
		if (cpu == nr - 1)
			EXPECT_STREQ(last_path, path);
		map = fdt_path_offset(d->blob, path);
		ASSERT_LE(0, map) TH_LOG("%s: cpu%u: %s not in the tree",
					 spec, cpu, path);
		node = fdt_node_offset_by_phandle(d->blob,
						  cell(d->blob, map, "cpu", 0));
		ASSERT_LE(0, node) TH_LOG("%s: %s: no cpu phandle", spec, path);
		snprintf(name, sizeof(name), "cpu@%llx",
			 (unsigned long long)(arm64_kvm_mpidr(cpu) & 0xffffff));
		EXPECT_STREQ(name, fdt_get_name(d->blob, node, NULL))
			TH_LOG("%s: cpu%u: %s", spec, cpu, path);
		EXPECT_EQ(arm64_kvm_mpidr(cpu) & 0xffffff,
			  cell(d->blob, node, "reg", 0));
	}
	EXPECT_EQ(-ENAMETOOLONG, fdt_cpu_map_path(&d->t, 0, path, 10));
	free(d);
}

TEST(cpu_map_paths)
{
	check_paths(_metadata, "1n1l2c1t", NULL,
		    "/cpus/cpu-map/socket0/cluster0/core0",
		    "/cpus/cpu-map/socket0/cluster0/core1");
	check_paths(_metadata, "1n2l4c2t", NULL,
		    "/cpus/cpu-map/socket0/cluster0/core0/thread0",
		    "/cpus/cpu-map/socket0/cluster1/core3/thread1");
	check_paths(_metadata, "2n4l2c2t", NULL,
		    "/cpus/cpu-map/socket0/cluster0/core0/thread0",
		    "/cpus/cpu-map/socket1/cluster1/core1/thread1");
	check_paths(_metadata, "2n2l1c1t", memory_only_middle,
		    "/cpus/cpu-map/socket0/cluster0/core0",
		    "/cpus/cpu-map/socket1/cluster0/core0");
}

/* KVM's reset_mpidr(): Aff0 = id bits 3:0, Aff1 = 11:4, Aff2 = 19:12. */
TEST(kvm_mpidr)
{
	EXPECT_EQ(0x80000000ULL, arm64_kvm_mpidr(0));
	EXPECT_EQ(0x8000000fULL, arm64_kvm_mpidr(15));
	EXPECT_EQ(0x80000100ULL, arm64_kvm_mpidr(16));
	EXPECT_EQ(0x80003f0fULL, arm64_kvm_mpidr(1023));
	EXPECT_EQ(0x80010000ULL, arm64_kvm_mpidr(4096));
}

/* The PMU node: arm,armv8-pmuv3 on the PPI KVM_ARM_VCPU_PMU_V3_IRQ sets. */
TEST(pmu_node)
{
	struct vm_dt *d = calloc(1, sizeof(*d));
	char out[4096];
	int pmu;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, build(d, "1n1l4c1t")) TH_LOG("%s", d->err);
	EXPECT_GT(0, fdt_node_offset_by_compatible(d->blob, -1,
						   "arm,armv8-pmuv3"));
	d->pmu = true;
	ASSERT_EQ(0, build(d, "1n1l4c1t")) TH_LOG("%s", d->err);
	pmu = fdt_node_offset_by_compatible(d->blob, -1, "arm,armv8-pmuv3");
	ASSERT_LE(0, pmu);
	EXPECT_EQ(1, cell(d->blob, pmu, "interrupts", 0));	/* PPI */
	EXPECT_EQ(ARM64_PMU_PPI - 16, cell(d->blob, pmu, "interrupts", 1));
	EXPECT_EQ(4, cell(d->blob, pmu, "interrupts", 2));	/* level high */
	if (!system("command -v dtc >/dev/null 2>&1"))
		EXPECT_EQ(0, dtc_clean(d->blob, out, sizeof(out)))
			TH_LOG("dtc: %s", out);
	free(d);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * The pvtime records: one per vCPU up to TOPO_MAX_CPUS, 64-byte aligned
 * (KVM_ARM_VCPU_PVTIME_IPA), outside every /memory range and every
 * device the tree describes.
 */
TEST(pvtime_outside_memory)
{
	struct vm_dt *d = calloc(1, sizeof(*d));
	uint64_t base = ARM64_PVTIME_BASE, size = ARM64_PVTIME_SIZE;
	const fdt64_t *reg;
	int node, len, i;

	ASSERT_NE(NULL, d);
	EXPECT_EQ(0, ARM64_PVTIME_IPA(1) % 64);
	EXPECT_EQ(sizeof(struct arm64_pvtime_rec), ARM64_PVTIME_REC);
	EXPECT_GE(base + size, ARM64_PVTIME_IPA(TOPO_MAX_CPUS - 1) +
			       ARM64_PVTIME_REC);
	EXPECT_FALSE(overlaps(base, size, ARM64_GICD_BASE, ARM64_GICD_SIZE));
	EXPECT_FALSE(overlaps(base, size, ARM64_GICR_BASE, ARM64_GICR_MAX));
	EXPECT_FALSE(overlaps(base, size, ARM64_UART_BASE,
			      ARM64_NR_UARTS * ARM64_UART_STRIDE));
	EXPECT_FALSE(overlaps(base, size, ARM64_VIRTIO_BASE,
			      ARM64_NR_VIRTIO * ARM64_VIRTIO_STRIDE));
	ASSERT_EQ(0, build(d, "2n4l2c2t")) TH_LOG("%s", d->err);
	i = 0;
	fdt_for_each_subnode(node, d->blob, 0) {
		const char *type = fdt_getprop(d->blob, node, "device_type",
					       NULL);

		if (!type || strcmp(type, "memory"))
			continue;
		reg = fdt_getprop(d->blob, node, "reg", &len);
		ASSERT_NE(NULL, reg);
		for (; len >= 16; len -= 16, reg += 2, i++)
			EXPECT_FALSE(overlaps(base, size, fdt64_to_cpu(reg[0]),
					      fdt64_to_cpu(reg[1])))
				TH_LOG("%s overlaps pvtime",
				       fdt_get_name(d->blob, node, NULL));
	}
	EXPECT_EQ(2, i);
	free(d);
}

/* KVM writes the record little-endian; the VMM reads stolen_time. */
TEST(pvtime_record)
{
	uint8_t raw[ARM64_PVTIME_REC] = {};
	uint64_t ns = 0x0102030405060708ULL;
	int i;

	for (i = 0; i < 8; i++)
		raw[8 + i] = ns >> (8 * i);
	raw[0] = 0xff;		/* revision, attributes: not the steal */
	raw[4] = 0xee;
	EXPECT_EQ(ns, arm64_pvtime_stolen((struct arm64_pvtime_rec *)raw));
}

TEST_HARNESS_MAIN
