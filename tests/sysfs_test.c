// SPDX-License-Identifier: GPL-2.0
/*
 * scenarios/sysfs.c: cpulist parsing and formatting, numbers, distance
 * rows, node meminfo lines and the size-bounded file reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scenarios/sysfs.h"

/* Parses @list and expects exactly the CPUs in @cpus (ended by -1). */
static void expect_cpus(struct __test_metadata *_metadata, const char *list,
			const int *cpus)
{
	struct cpuset set, want;

	cpuset_zero(&want);
	for (; *cpus >= 0; cpus++)
		cpuset_set(&want, *cpus);
	ASSERT_EQ(0, cpuset_parse(list, &set)) TH_LOG("\"%s\"", list);
	EXPECT_TRUE(cpuset_equal(&want, &set)) TH_LOG("\"%s\"", list);
}

TEST(cpuset_single_and_ranges)
{
	expect_cpus(_metadata, "0", (const int[]){ 0, -1 });
	expect_cpus(_metadata, "5", (const int[]){ 5, -1 });
	expect_cpus(_metadata, "0-3", (const int[]){ 0, 1, 2, 3, -1 });
	expect_cpus(_metadata, "2-2", (const int[]){ 2, -1 });
	expect_cpus(_metadata, "0-1,8-9", (const int[]){ 0, 1, 8, 9, -1 });
	expect_cpus(_metadata, "0,2,4,6", (const int[]){ 0, 2, 4, 6, -1 });
	expect_cpus(_metadata, "1,3-4,63-65,1023",
		    (const int[]){ 1, 3, 4, 63, 64, 65, 1023, -1 });
}

TEST(cpuset_whitespace_and_empty)
{
	struct cpuset set;

	expect_cpus(_metadata, "0-3\n", (const int[]){ 0, 1, 2, 3, -1 });
	expect_cpus(_metadata, "  7", (const int[]){ 7, -1 });
	expect_cpus(_metadata, "\t7 ", (const int[]){ 7, -1 });
	memset(&set, 0xff, sizeof(set));
	EXPECT_EQ(0, cpuset_parse("", &set));
	EXPECT_EQ(0, cpuset_count(&set));
	memset(&set, 0xff, sizeof(set));
	EXPECT_EQ(0, cpuset_parse("\n", &set));
	EXPECT_EQ(0, cpuset_count(&set));
}

static void expect_bad(struct __test_metadata *_metadata, const char *list)
{
	struct cpuset set;

	EXPECT_EQ(-EINVAL, cpuset_parse(list, &set))
		TH_LOG("\"%s\" accepted", list);
}

TEST(cpuset_garbage)
{
	static const char *const bad[] = {
		"a", "0-", "-3", "3-1", "0,", ",0", "0,,1", "0 1", "0-3 x",
		"0-3,\n", "1:2", "0-7:2/4", "+1", "0x10", "1-2-3", "0- 3",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_bad(_metadata, bad[i]);
}

TEST(cpuset_out_of_range)
{
	struct cpuset set;

	EXPECT_EQ(-ERANGE, cpuset_parse("1024", &set));
	EXPECT_EQ(-ERANGE, cpuset_parse("0-1024", &set));
	EXPECT_EQ(-ERANGE, cpuset_parse("99999999999999999999999", &set));
	EXPECT_EQ(0, cpuset_parse("1023", &set));
	EXPECT_EQ(1, cpuset_count(&set));
}

TEST(cpuset_format_shapes)
{
	struct cpuset set;
	char out[64];

	cpuset_zero(&set);
	ASSERT_EQ(0, cpuset_format(&set, out, sizeof(out)));
	EXPECT_STREQ("", out);
	cpuset_set(&set, 0);
	cpuset_set(&set, 2);
	cpuset_set(&set, 3);
	cpuset_set(&set, 4);
	cpuset_set(&set, 63);
	cpuset_set(&set, 64);
	cpuset_set(&set, 1023);
	ASSERT_EQ(0, cpuset_format(&set, out, sizeof(out)));
	EXPECT_STREQ("0,2-4,63-64,1023", out);
	EXPECT_EQ(-ENOSPC, cpuset_format(&set, out, 8));
	EXPECT_EQ(-ENOSPC, cpuset_format(&set, out, 0));
}

TEST(cpuset_round_trip)
{
	static const char *const lists[] = {
		"", "0", "0-3", "0-3,8-11", "1,3,5,7", "0-1023",
		"0,2-5,60-70,127-128,1000-1022",
	};
	struct cpuset set, again;
	char out[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		ASSERT_EQ(0, cpuset_parse(lists[i], &set));
		ASSERT_EQ(0, cpuset_format(&set, out, sizeof(out)));
		EXPECT_STREQ(lists[i], out);
	}
	/* Random sets survive format -> parse unchanged. */
	srand(1);
	for (i = 0; i < 200; i++) {
		unsigned int j;

		cpuset_zero(&set);
		for (j = 0; j < 64; j++)
			cpuset_set(&set, rand() % 256);
		ASSERT_EQ(0, cpuset_format(&set, out, sizeof(out)));
		ASSERT_EQ(0, cpuset_parse(out, &again)) TH_LOG("%s", out);
		EXPECT_TRUE(cpuset_equal(&set, &again)) TH_LOG("%s", out);
	}
}

TEST(parse_long)
{
	long v;

	EXPECT_EQ(0, sysfs_parse_long("42\n", &v));
	EXPECT_EQ(42, v);
	EXPECT_EQ(0, sysfs_parse_long("-1\n", &v));
	EXPECT_EQ(-1, v);
	EXPECT_EQ(0, sysfs_parse_long("9223372036854775807", &v));
	EXPECT_EQ(9223372036854775807L, v);
	EXPECT_EQ(0, sysfs_parse_long("-9223372036854775808", &v));
	EXPECT_EQ(-9223372036854775807L - 1, v);
	EXPECT_EQ(-ERANGE, sysfs_parse_long("9223372036854775808", &v));
	EXPECT_EQ(-EINVAL, sysfs_parse_long("", &v));
	EXPECT_EQ(-EINVAL, sysfs_parse_long("-", &v));
	EXPECT_EQ(-EINVAL, sysfs_parse_long("4 2", &v));
	EXPECT_EQ(-EINVAL, sysfs_parse_long("0x10", &v));
}

TEST(parse_u32s)
{
	uint32_t v[4];
	size_t nr;

	ASSERT_EQ(0, sysfs_parse_u32s("10 20 30\n", v, 4, &nr));
	ASSERT_EQ(3, nr);
	EXPECT_EQ(10, v[0]);
	EXPECT_EQ(20, v[1]);
	EXPECT_EQ(30, v[2]);
	EXPECT_EQ(0, sysfs_parse_u32s("\n", v, 4, &nr));
	EXPECT_EQ(0, nr);
	EXPECT_EQ(-E2BIG, sysfs_parse_u32s("1 2 3 4 5", v, 4, &nr));
	EXPECT_EQ(-EINVAL, sysfs_parse_u32s("10 2x", v, 4, &nr));
	EXPECT_EQ(-EINVAL, sysfs_parse_u32s("10,20", v, 4, &nr));
	EXPECT_EQ(-ERANGE, sysfs_parse_u32s("4294967296", v, 4, &nr));
}

TEST(meminfo_lines)
{
	static const char text[] =
		"Node 1 MemTotal:          262144 kB\n"
		"Node 1 MemFree:           200000 kB\n"
		"Node 1 MemUsed:            62144 kB\n"
		"Node 1 Broken:                12 MB\n";
	uint64_t kb;

	ASSERT_EQ(0, sysfs_meminfo_kb(text, 1, "MemTotal", &kb));
	EXPECT_EQ(262144, kb);
	ASSERT_EQ(0, sysfs_meminfo_kb(text, 1, "MemUsed", &kb));
	EXPECT_EQ(62144, kb);
	EXPECT_EQ(-ENOENT, sysfs_meminfo_kb(text, 0, "MemTotal", &kb));
	EXPECT_EQ(-ENOENT, sysfs_meminfo_kb(text, 1, "MemTot", &kb));
	EXPECT_EQ(-EINVAL, sysfs_meminfo_kb(text, 1, "Broken", &kb));
	EXPECT_EQ(-ENOENT, sysfs_meminfo_kb("", 1, "MemTotal", &kb));
}

TEST(read_bounded)
{
	char path[] = "/tmp/sysfs_test.XXXXXX", s[8];
	struct cpuset set;
	long v;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "0-3\n", 4));
	close(fd);
	EXPECT_EQ(0, sysfs_read(path, s, sizeof(s)));
	EXPECT_STREQ("0-3\n", s);
	EXPECT_EQ(0, sysfs_read_cpulist(path, &set));
	EXPECT_EQ(4, cpuset_count(&set));
	EXPECT_EQ(-EINVAL, sysfs_read_long(path, &v));
	/* 4 bytes do not fit 4 + NUL: truncation is an error, not data. */
	EXPECT_EQ(-EFBIG, sysfs_read(path, s, 4));
	EXPECT_STREQ("", s);
	unlink(path);
	EXPECT_EQ(-ENOENT, sysfs_read(path, s, sizeof(s)));
}

TEST_HARNESS_MAIN
