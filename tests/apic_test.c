// SPDX-License-Identifier: GPL-2.0
/*
 * vmm/x86_64/apic.c and cpuid_topo.c: APIC ID packing for several shapes,
 * the x2APIC threshold, and the CPUID leaves a guest decodes them with
 * (checked by decoding them the way Linux does).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "harness/topology.h"
#include "vmm/x86_64/apic.h"
#include "vmm/x86_64/cpuid_topo.h"

#define GiB (1ULL << 30)

static struct topology parse(struct __test_metadata *_metadata,
			     const char *spec)
{
	struct topology t;
	char err[256] = "";

	EXPECT_EQ(0, topology_parse(spec, 4 * GiB, &t, err, sizeof(err)))
		TH_LOG("%s: %s", spec, err);
	return t;
}

static void expect_ids(struct __test_metadata *_metadata,
		       const struct topology *t, const uint32_t *ids,
		       uint32_t nr)
{
	uint32_t cpu;

	ASSERT_EQ(nr, topology_nr_cpus(t));
	for (cpu = 0; cpu < nr; cpu++)
		EXPECT_EQ(ids[cpu], apic_id(t, cpu)) TH_LOG("cpu %u", cpu);
}

static void expect_layout(struct __test_metadata *_metadata,
			  const struct topology *t, uint8_t smt, uint8_t core,
			  uint8_t die)
{
	struct apic_layout l;

	apic_layout(t, &l);
	EXPECT_EQ(smt, l.smt_bits);
	EXPECT_EQ(core, l.core_bits);
	EXPECT_EQ(die, l.die_bits);
	EXPECT_EQ(smt, l.core_shift);
	EXPECT_EQ(smt + core, l.die_shift);
	EXPECT_EQ(smt + core + die, l.pkg_shift);
}

TEST(order)
{
	EXPECT_EQ(0, apic_order(0));
	EXPECT_EQ(0, apic_order(1));
	EXPECT_EQ(1, apic_order(2));
	EXPECT_EQ(2, apic_order(3));
	EXPECT_EQ(2, apic_order(4));
	EXPECT_EQ(3, apic_order(5));
	EXPECT_EQ(8, apic_order(255));
	EXPECT_EQ(8, apic_order(256));
}

TEST(pack_1n1l2c1t)
{
	struct topology t = parse(_metadata, "1n1l2c1t");
	const uint32_t ids[] = { 0, 1 };

	expect_layout(_metadata, &t, 0, 1, 0);
	expect_ids(_metadata, &t, ids, 2);
	EXPECT_FALSE(apic_needs_x2apic(&t));
	EXPECT_EQ(2, apic_ioapic_id(&t));
}

TEST(pack_1n2l4c2t)
{
	struct topology t = parse(_metadata, "1n2l4c2t");
	uint32_t cpu;

	/* Powers of two everywhere: the ID is the vCPU number. */
	expect_layout(_metadata, &t, 1, 2, 1);
	for (cpu = 0; cpu < 16; cpu++)
		EXPECT_EQ(cpu, apic_id(&t, cpu));
	EXPECT_EQ(15, apic_max_id(&t));
}

TEST(pack_2n4l2c2t)
{
	struct topology t = parse(_metadata, "2n4l2c2t");

	expect_layout(_metadata, &t, 1, 1, 1);
	/* node 1 = package 1 starts at bit 3; its second LLC is die 1. */
	EXPECT_EQ(8, apic_id(&t, 8));
	EXPECT_EQ(1 << 3 | 1 << 2 | 1 << 1 | 1, apic_id(&t, 15));
	EXPECT_EQ(1, apic_node_pkg(&t, 1));
}

TEST(pack_non_power_of_two)
{
	struct topology t = parse(_metadata, "1n2l3c1t");
	const uint32_t ids[] = { 0, 1, 2, 4, 5, 6 };
	struct topology t2 = parse(_metadata, "2n2l3c2t");
	const uint32_t ids2[] = { 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13 };

	/* 3 cores take 2 bits, leaving a hole at core 3. */
	expect_layout(_metadata, &t, 0, 2, 1);
	expect_ids(_metadata, &t, ids, 6);
	expect_layout(_metadata, &t2, 1, 2, 0);
	expect_ids(_metadata, &t2, ids2, 12);
}

TEST(pack_uneven_and_memory_only_nodes)
{
	struct topology t = {
		.llcs = 4, .cores_per_llc = 2, .threads_per_core = 1,
		.numa_nodes = 3,
		.nodes = { { .llcs = 1, .mem_bytes = GiB },
			   { .llcs = 0, .mem_bytes = GiB },
			   { .llcs = 3, .mem_bytes = GiB } },
		.distances = { { 10, 20, 20 }, { 20, 10, 20 },
			       { 20, 20, 10 } },
	};
	const uint32_t ids[] = { 0, 1, 8, 9, 10, 11, 12, 13 };

	ASSERT_EQ(0, topology_validate(&t, 0, NULL, 0));
	/* The largest node has 3 LLCs: 2 die bits for every package. */
	expect_layout(_metadata, &t, 0, 1, 2);
	EXPECT_EQ(1, apic_node_pkg(&t, 2));
	expect_ids(_metadata, &t, ids, 8);
}

TEST(x2apic_threshold)
{
	struct topology t;

	/* 255 cores, one LLC: the last ID is 254, still xAPIC. */
	t = parse(_metadata, "1n1l255c1t");
	EXPECT_EQ(254, apic_max_id(&t));
	EXPECT_FALSE(apic_needs_x2apic(&t));
	EXPECT_EQ(0, apic_ioapic_id(&t));
	/* 128 cores x 2 threads end at 255, the broadcast ID. */
	t = parse(_metadata, "1n1l128c2t");
	EXPECT_EQ(255, apic_max_id(&t));
	EXPECT_TRUE(apic_needs_x2apic(&t));
	/* Wide fields: 2 packages of 8 bits each. */
	t = parse(_metadata, "2n4l4c32t");
	EXPECT_EQ(256, apic_id(&t, 256));
	EXPECT_TRUE(apic_needs_x2apic(&t));
}

/* A KVM_GET_SUPPORTED_CPUID look-alike. */
static struct kvm_cpuid2 *fake_cpuid(bool amd)
{
	const struct kvm_cpuid_entry2 common[] = {
		{ .function = 0, .eax = 0x16 },
		{ .function = 1, .eax = 0x806f8, .ebx = 0x00ff0800,
		  .ecx = 0x80000000, .edx = 0x0f8bfbff },
		{ .function = 0xb, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .edx = 0x42 },
		{ .function = 0x80000000, .eax = 0x80000021 },
		{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x7007 },
	};
	/* type | level << 5 | host sharing bits | host cores field */
	const uint32_t caches[] = {
		1 | 1 << 5 | 1 << 14, 2 | 1 << 5 | 1 << 14,
		3 | 2 << 5 | 1 << 14, 3 | 3 << 5 | 127 << 14, 0,
	};
	uint32_t i, n = ARRAY_SIZE(common), cache_fn = amd ? 0x8000001d : 4;
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + (n + 5) * sizeof(c->entries[0]));
	memcpy(c->entries, common, sizeof(common));
	memcpy(&c->entries[0].ebx, amd ? "Auth" : "Genu", 4);
	memcpy(&c->entries[0].edx, amd ? "enti" : "ineI", 4);
	memcpy(&c->entries[0].ecx, amd ? "cAMD" : "ntel", 4);
	for (i = 0; i < 5; i++) {
		c->entries[n + i] = (struct kvm_cpuid_entry2){
			.function = cache_fn, .index = i,
			.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = caches[i] | (amd || !caches[i] ? 0 : 31U << 26),
		};
	}
	c->nent = n + 5;
	return c;
}

static struct kvm_cpuid_entry2 *leaf(struct __test_metadata *_metadata,
				     struct kvm_cpuid2 *c, uint32_t fn,
				     uint32_t idx)
{
	struct kvm_cpuid_entry2 *e = cpuid_topo_find(c, fn, idx);

	EXPECT_NE(NULL, e) TH_LOG("CPUID 0x%x.%u missing", fn, idx);
	return e;
}

static uint32_t count_fn(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->nent; i++)
		n += c->entries[i].function == fn;
	return n;
}

static void expect_level(struct __test_metadata *_metadata,
			 struct kvm_cpuid_entry2 *e, uint32_t shift,
			 uint32_t cpus, uint32_t type, uint32_t id)
{
	ASSERT_NE(NULL, e);
	EXPECT_EQ(shift, e->eax);
	EXPECT_EQ(cpus, e->ebx);
	EXPECT_EQ(e->index | type << 8, e->ecx);
	EXPECT_EQ(id, e->edx);
	EXPECT_TRUE(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
}

TEST(cpuid_intel_leaves)
{
	struct topology t = parse(_metadata, "2n4l2c2t");
	struct kvm_cpuid2 *c = fake_cpuid(false);
	struct kvm_cpuid_entry2 *e;
	uint32_t id = apic_id(&t, 13);	/* pkg 1, die 1, core 0, thread 1 */

	ASSERT_EQ(13, id);
	ASSERT_EQ(CPUID_VENDOR_INTEL, cpuid_topo_vendor(c));
	ASSERT_EQ(0, cpuid_topo_apply(&c, &t, 13));
	EXPECT_EQ(0x1f, leaf(_metadata, c, 0, 0)->eax);
	e = leaf(_metadata, c, 1, 0);
	EXPECT_EQ(id, e->ebx >> 24);
	EXPECT_EQ(8, (e->ebx >> 16) & 0xff);
	EXPECT_EQ(0x0800, e->ebx & 0xffff);	/* untouched low half */
	EXPECT_TRUE(e->edx & (1U << 28));
	/* 0xb: SMT then core, whose shift reaches the package. */
	EXPECT_EQ(3, count_fn(c, 0xb));
	expect_level(_metadata, leaf(_metadata, c, 0xb, 0), 1, 2, 1, id);
	expect_level(_metadata, leaf(_metadata, c, 0xb, 1), 3, 8, 2, id);
	expect_level(_metadata, leaf(_metadata, c, 0xb, 2), 0, 0, 0, id);
	/* 0x1f: SMT, core, die (= LLC), end. */
	EXPECT_EQ(4, count_fn(c, 0x1f));
	expect_level(_metadata, leaf(_metadata, c, 0x1f, 0), 1, 2, 1, id);
	expect_level(_metadata, leaf(_metadata, c, 0x1f, 1), 2, 4, 2, id);
	expect_level(_metadata, leaf(_metadata, c, 0x1f, 2), 3, 8, 5, id);
	expect_level(_metadata, leaf(_metadata, c, 0x1f, 3), 0, 0, 0, id);
	/* Leaf 4: L1d/L1i/L2 per core (2 IDs), L3 per LLC (4 IDs). */
	EXPECT_EQ(1, (leaf(_metadata, c, 4, 0)->eax >> 14) & 0xfff);
	EXPECT_EQ(1, (leaf(_metadata, c, 4, 1)->eax >> 14) & 0xfff);
	EXPECT_EQ(1, (leaf(_metadata, c, 4, 2)->eax >> 14) & 0xfff);
	e = leaf(_metadata, c, 4, 3);
	EXPECT_EQ(3, (e->eax >> 14) & 0xfff);
	EXPECT_EQ(3, e->eax >> 26);		/* 4 core IDs per package */
	EXPECT_EQ(3 | 3 << 5, e->eax & 0x3fff);	/* type/level kept */
	EXPECT_EQ(0, leaf(_metadata, c, 4, 4)->eax);
	/* Applying again (re-used copy) must not duplicate leaves. */
	ASSERT_EQ(0, cpuid_topo_apply(&c, &t, 13));
	EXPECT_EQ(4, count_fn(c, 0x1f));
	EXPECT_EQ(-EINVAL, cpuid_topo_apply(&c, &t, 16));
	free(c);
}

/*
 * Decode like Linux: topology_ext.c gives the shifts, topo_set_ids() the
 * package, cacheinfo.c the L3 ID. Every vCPU of one LLC must agree on the
 * L3 ID, and the package must be the node.
 */
static void check_linux_view(struct __test_metadata *_metadata,
			     const char *spec, bool amd)
{
	struct topology t = parse(_metadata, spec);
	uint32_t cpu, nr = topology_nr_cpus(&t), l3[TOPO_MAX_CPUS];
	uint32_t l3_fn = amd ? 0x8000001d : 4;
	struct topo_cpu tc, oc;

	for (cpu = 0; cpu < nr; cpu++) {
		struct kvm_cpuid2 *c = fake_cpuid(amd);
		uint32_t id, pkg_shift, share, other;

		ASSERT_EQ(0, cpuid_topo_apply(&c, &t, cpu));
		id = leaf(_metadata, c, 0x1f, 0)->edx;
		pkg_shift = leaf(_metadata, c, 0x1f, 2)->eax;
		share = ((leaf(_metadata, c, l3_fn, 3)->eax >> 14) & 0xfff) + 1;
		topology_cpu(&t, cpu, &tc);
		EXPECT_EQ(apic_node_pkg(&t, tc.node), id >> pkg_shift);
		EXPECT_EQ(id & 0xff, leaf(_metadata, c, 1, 0)->ebx >> 24);
		l3[cpu] = id & ~(share - 1);
		for (other = 0; other < cpu; other++) {
			topology_cpu(&t, other, &oc);
			EXPECT_EQ(oc.llc == tc.llc, l3[other] == l3[cpu])
				TH_LOG("%s cpus %u/%u", spec, other, cpu);
		}
		free(c);
	}
}

TEST(cpuid_linux_decode)
{
	check_linux_view(_metadata, "1n1l2c1t", false);
	check_linux_view(_metadata, "1n2l4c2t", false);
	check_linux_view(_metadata, "2n4l2c2t", false);
	check_linux_view(_metadata, "2n6l3c2t", false);
	check_linux_view(_metadata, "2n4l2c2t", true);
	check_linux_view(_metadata, "1n3l3c1t", true);
}

TEST(cpuid_amd_leaves)
{
	struct topology t = parse(_metadata, "2n4l2c2t");
	struct kvm_cpuid2 *c = fake_cpuid(true);
	struct kvm_cpuid_entry2 *e;

	ASSERT_EQ(CPUID_VENDOR_AMD, cpuid_topo_vendor(c));
	ASSERT_EQ(0, cpuid_topo_apply(&c, &t, 13));
	/* 0x8000001e was missing but in range: added. */
	e = leaf(_metadata, c, 0x8000001e, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(13, e->eax);
	EXPECT_EQ(1 << 8 | 2, e->ebx);	/* 2 threads/core; die 1 core 0 */
	EXPECT_EQ(1 << 8 | 3, e->ecx);	/* node = LLC 3, 2 dies per package */
	e = leaf(_metadata, c, 0x80000008, 0);
	EXPECT_EQ(3 << 12 | 7, e->ecx);	/* ApicIdSize 3, NC 8 - 1 */
	EXPECT_EQ(3, (leaf(_metadata, c, 0x8000001d, 3)->eax >> 14) & 0xfff);
	EXPECT_EQ(1, (leaf(_metadata, c, 0x8000001d, 2)->eax >> 14) & 0xfff);
	/* No Intel leaf 4 was invented. */
	EXPECT_EQ(0, count_fn(c, 4));
	free(c);
}

/* Fewer CPUs per LLC than LLCs per package: one AMD node, or Linux divides by 0. */
TEST(cpuid_amd_one_cpu_per_llc)
{
	struct topology t = parse(_metadata, "1n2l1c1t");
	struct kvm_cpuid2 *c = fake_cpuid(true);
	struct kvm_cpuid_entry2 *e;

	ASSERT_EQ(0, cpuid_topo_apply(&c, &t, 1));
	e = leaf(_metadata, c, 0x8000001e, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, e->ecx & 0xff);		/* node id = LLC 1 */
	EXPECT_EQ(0, (e->ecx >> 8) & 7);	/* one node per package */
	free(c);
}

TEST(cpuid_single_cpu_package)
{
	struct topology t = parse(_metadata, "2n2l1c1t");
	struct kvm_cpuid2 *c = fake_cpuid(false);
	struct kvm_cpuid_entry2 *e;

	ASSERT_EQ(0, cpuid_topo_apply(&c, &t, 1));
	e = leaf(_metadata, c, 1, 0);
	EXPECT_EQ(1, e->ebx >> 24);
	EXPECT_EQ(1, (e->ebx >> 16) & 0xff);
	EXPECT_FALSE(e->edx & (1U << 28));
	expect_level(_metadata, leaf(_metadata, c, 0x1f, 2), 0, 1, 5, 1);
	free(c);
}

TEST_HARNESS_MAIN
