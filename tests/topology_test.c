// SPDX-License-Identifier: GPL-2.0
/*
 * harness/topology.c: spec parsing, validation messages, vCPU mapping and
 * explicit per-node configurations (uneven LLCs, memory-only nodes).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "harness/topology.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

/* Parses @spec and expects success. */
static struct topology parse_ok(struct __test_metadata *_metadata,
				const char *spec, uint64_t mem)
{
	struct topology t;
	char err[256] = "";

	EXPECT_EQ(0, topology_parse(spec, mem, &t, err, sizeof(err)))
		TH_LOG("%s: %s", spec, err);
	return t;
}

static void expect_parse_err(struct __test_metadata *_metadata,
			     const char *spec, uint64_t mem, const char *msg)
{
	struct topology t;
	char err[256] = "";

	EXPECT_EQ(-EINVAL, topology_parse(spec, mem, &t, err, sizeof(err)));
	EXPECT_STREQ(msg, err);
	EXPECT_EQ(NULL, strchr(err, '\n'));
}

static void expect_validate_err(struct __test_metadata *_metadata,
				const struct topology *t, uint32_t max,
				const char *msg)
{
	char err[256] = "";

	EXPECT_EQ(-EINVAL, topology_validate(t, max, err, sizeof(err)));
	EXPECT_STREQ(msg, err);
}

/* 3 nodes: two with 2 LLCs of 2 cores x 2 threads, one memory-only. */
static struct topology cxl_topology(void)
{
	struct topology t = {
		.llcs = 4, .cores_per_llc = 2, .threads_per_core = 2,
		.numa_nodes = 3,
		.nodes = {
			{ .llcs = 2, .mem_bytes = GiB },
			{ .llcs = 2, .mem_bytes = GiB },
			{ .llcs = 0, .mem_bytes = 512 * MiB },
		},
		.distances = {
			{ 10, 20, 30 },
			{ 20, 10, 40 },
			{ 30, 40, 10 },
		},
	};
	return t;
}

TEST(parse_full_spec)
{
	struct topology t = parse_ok(_metadata, "2n4l4c2t", 8 * GiB);
	char buf[32];

	EXPECT_EQ(2, t.numa_nodes);
	EXPECT_EQ(4, t.llcs);
	EXPECT_EQ(4, t.cores_per_llc);
	EXPECT_EQ(2, t.threads_per_core);
	EXPECT_EQ(32, topology_nr_cpus(&t));
	EXPECT_EQ(2, t.nodes[0].llcs);
	EXPECT_EQ(2, t.nodes[1].llcs);
	EXPECT_EQ(4 * GiB, t.nodes[0].mem_bytes);
	EXPECT_EQ(4 * GiB, t.nodes[1].mem_bytes);
	EXPECT_EQ(8 * GiB, topology_mem_bytes(&t));
	EXPECT_EQ(10, t.distances[0][0]);
	EXPECT_EQ(20, t.distances[0][1]);
	EXPECT_EQ(20, t.distances[1][0]);
	EXPECT_EQ(10, t.distances[1][1]);
	topology_format(&t, buf, sizeof(buf));
	EXPECT_STREQ("2n4l4c2t", buf);
}

TEST(parse_partial_specs)
{
	struct topology t;
	char buf[32];

	t = parse_ok(_metadata, "4l4c", GiB);
	EXPECT_EQ(1, t.numa_nodes);
	EXPECT_EQ(4, t.llcs);
	EXPECT_EQ(4, t.cores_per_llc);
	EXPECT_EQ(1, t.threads_per_core);
	topology_format(&t, buf, sizeof(buf));
	EXPECT_STREQ("1n4l4c1t", buf);

	t = parse_ok(_metadata, "2t", GiB);
	EXPECT_EQ(1, t.llcs);
	EXPECT_EQ(2, t.threads_per_core);
	EXPECT_EQ(2, topology_nr_cpus(&t));
}

TEST(parse_memory_rounding)
{
	/* 1 GiB / 3 = 341.33 MiB, rounded down to 340 MiB. */
	struct topology t = parse_ok(_metadata, "3n3l", GiB);

	EXPECT_EQ(340 * MiB, t.nodes[0].mem_bytes);
	EXPECT_EQ(340 * MiB, t.nodes[2].mem_bytes);
	EXPECT_EQ(0, t.nodes[1].mem_bytes % TOPO_MEM_ALIGN);
}

TEST(parse_errors)
{
	expect_parse_err(_metadata, "", GiB,
			 "topology \"\": empty spec (e.g. 2n4l4c2t)");
	expect_parse_err(_metadata, "2x", GiB,
			 "topology \"2x\": expected n, l, c or t after \"2\"");
	expect_parse_err(_metadata, "4", GiB,
			 "topology \"4\": expected n, l, c or t after \"4\"");
	expect_parse_err(_metadata, "nl", GiB,
			 "topology \"nl\": expected a number at \"nl\"");
	expect_parse_err(_metadata, "4c2n", GiB,
			 "topology \"4c2n\": 'n' out of order (use n, l, c, t order, each once)");
	expect_parse_err(_metadata, "2c2c", GiB,
			 "topology \"2c2c\": 'c' out of order (use n, l, c, t order, each once)");
	expect_parse_err(_metadata, "0l", GiB, "llcs=0: must be at least 1");
	expect_parse_err(_metadata, "0n", GiB, "numa_nodes=0: must be at least 1");
	expect_parse_err(_metadata, "1c0t", GiB,
			 "threads_per_core=0: must be at least 1");
	expect_parse_err(_metadata, "256c", GiB, "cores_per_llc=256 exceeds 255");
	/* Named as written, not clamped, past u32 and past u64. */
	expect_parse_err(_metadata, "99999999999t", GiB,
			 "threads_per_core=99999999999 exceeds 255");
	expect_parse_err(_metadata, "99999999999999999999n", GiB,
			 "numa_nodes=99999999999999999999 exceeds 255");
	expect_parse_err(_metadata, "4294967297l", GiB,
			 "llcs=4294967297 exceeds 255");
	expect_parse_err(_metadata, "17n17l", GiB, "numa_nodes=17 exceeds 16");
	/* l defaults to 1, which two nodes cannot share. */
	expect_parse_err(_metadata, "2n", GiB,
			 "llcs=1 not divisible by numa_nodes=2");
	expect_parse_err(_metadata, "2n3l", GiB,
			 "llcs=3 not divisible by numa_nodes=2");
	expect_parse_err(_metadata, "2n2l", 3 * MiB,
			 "memory 3145728 over 2 nodes leaves less than 2 MiB per node");
	expect_parse_err(_metadata, "4l255c255t", GiB,
			 "260100 vCPUs exceed 1024");
}

TEST(validate_counts_and_vcpus)
{
	struct topology t = parse_ok(_metadata, "2n8l6c2t", 4 * GiB);
	char err[256];

	EXPECT_EQ(96, topology_nr_cpus(&t));
	EXPECT_EQ(0, topology_validate(&t, 0, err, sizeof(err)));
	EXPECT_EQ(0, topology_validate(&t, 96, err, sizeof(err)));
	expect_validate_err(_metadata, &t, 64,
			    "96 vCPUs exceed KVM_CAP_MAX_VCPUS=64");
	t.cores_per_llc = 0;
	expect_validate_err(_metadata, &t, 0, "cores_per_llc=0: must be at least 1");
	t.cores_per_llc = 300;
	expect_validate_err(_metadata, &t, 0, "cores_per_llc=300 exceeds 255");
	t.cores_per_llc = 6;
	t.numa_nodes = 17;
	expect_validate_err(_metadata, &t, 0, "numa_nodes=17 exceeds 16");
}

TEST(validate_distances)
{
	struct topology t = parse_ok(_metadata, "3n3l", 3 * GiB);

	t.distances[0][1] = 5;
	expect_validate_err(_metadata, &t, 0, "distance[0][1]=5: must be > 10");
	t.distances[0][1] = 10;
	expect_validate_err(_metadata, &t, 0, "distance[0][1]=10: must be > 10");
	t.distances[0][1] = 20;
	t.distances[1][0] = 30;
	expect_validate_err(_metadata, &t, 0,
			    "distance[0][1]=20 != distance[1][0]=30 (asymmetric; allow_asymmetric not set)");
	t.allow_asymmetric = true;
	EXPECT_EQ(0, topology_validate(&t, 0, NULL, 0));
	t.distances[2][2] = 12;
	expect_validate_err(_metadata, &t, 0, "distance[2][2]=12: must be 10");
}

TEST(validate_memory)
{
	struct topology t = parse_ok(_metadata, "2n2l", 2 * GiB);

	t.nodes[1].mem_bytes = 3145729;
	expect_validate_err(_metadata, &t, 0,
			    "node 1 memory 3145729 not a multiple of 2 MiB");
	t.nodes[0].mem_bytes = 0;
	t.nodes[1].mem_bytes = 0;
	expect_validate_err(_metadata, &t, 0,
			    "total memory 0: must be at least 2 MiB");
	/* A CPU node without memory (memoryless node) is legal. */
	t.nodes[1].mem_bytes = GiB;
	EXPECT_EQ(0, topology_validate(&t, 0, NULL, 0));
}

TEST(validate_explicit_nodes)
{
	struct topology t = cxl_topology();

	t.allow_asymmetric = false;
	EXPECT_EQ(0, topology_validate(&t, 64, NULL, 0));
	t.nodes[1].llcs = 1;
	expect_validate_err(_metadata, &t, 0, "node llcs sum to 3 but llcs=4");
	t.nodes[1].llcs = 2;
	t.nodes[2].mem_bytes = 0;
	expect_validate_err(_metadata, &t, 0, "node 2 has no LLCs and no memory");
	t.nodes[2].mem_bytes = GiB;
	t.nodes[2].hmat.present = true;
	t.nodes[2].hmat.cache_assoc = 3;
	expect_validate_err(_metadata, &t, 0,
			    "node 2 hmat cache_assoc=3: must be 0..2");
}

TEST(cpu_mapping_uniform)
{
	struct topology t = parse_ok(_metadata, "2n4l2c2t", 2 * GiB);
	struct topo_cpu c;

	EXPECT_EQ(16, topology_nr_cpus(&t));
	topology_cpu(&t, 0, &c);
	EXPECT_EQ(0, c.node);
	EXPECT_EQ(0, c.llc);
	EXPECT_EQ(0, c.core);
	EXPECT_EQ(0, c.thread);
	/* cpu = ((llc * 2) + core) * 2 + thread: 13 = ((3 * 2) + 0) * 2 + 1 */
	topology_cpu(&t, 13, &c);
	EXPECT_EQ(1, c.node);
	EXPECT_EQ(3, c.llc);
	EXPECT_EQ(0, c.core);
	EXPECT_EQ(1, c.thread);
	topology_cpu(&t, 7, &c);
	EXPECT_EQ(0, c.node);
	EXPECT_EQ(1, c.llc);
	EXPECT_EQ(1, c.core);
	EXPECT_EQ(1, c.thread);
	EXPECT_EQ(0, topology_node_first_llc(&t, 0));
	EXPECT_EQ(2, topology_node_first_llc(&t, 1));
}

TEST(cpu_mapping_memory_only_node)
{
	struct topology t = cxl_topology();
	uint32_t cpu, seen[3] = { 0 };
	struct topo_cpu c;

	EXPECT_EQ(16, topology_nr_cpus(&t));
	EXPECT_EQ(2 * GiB + 512 * MiB, topology_mem_bytes(&t));
	for (cpu = 0; cpu < 16; cpu++) {
		topology_cpu(&t, cpu, &c);
		ASSERT_LT(c.node, 3);
		seen[c.node]++;
	}
	EXPECT_EQ(8, seen[0]);
	EXPECT_EQ(8, seen[1]);
	EXPECT_EQ(0, seen[2]);
	EXPECT_EQ(4, topology_node_first_llc(&t, 2));
}

TEST(cpu_mapping_uneven_nodes)
{
	struct topology t = {
		.llcs = 4, .cores_per_llc = 1, .threads_per_core = 1,
		.numa_nodes = 2,
		.nodes = { { .llcs = 1, .mem_bytes = GiB },
			   { .llcs = 3, .mem_bytes = GiB } },
		.distances = { { 10, 21 }, { 21, 10 } },
	};
	struct topo_cpu c;

	ASSERT_EQ(0, topology_validate(&t, 0, NULL, 0));
	topology_cpu(&t, 0, &c);
	EXPECT_EQ(0, c.node);
	topology_cpu(&t, 1, &c);
	EXPECT_EQ(1, c.node);
	EXPECT_EQ(1, c.llc);
	topology_cpu(&t, 3, &c);
	EXPECT_EQ(1, c.node);
	EXPECT_EQ(1, topology_node_first_llc(&t, 1));
}

TEST_HARNESS_MAIN
