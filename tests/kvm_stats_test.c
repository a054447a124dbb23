// SPDX-License-Identifier: GPL-2.0
/* KVM binary stats: descriptors found by name in a hand-made stats file. */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm/kvm_stats.h"

#define NAME_SIZE 48

struct desc {
	struct kvm_stats_desc d;
	char name[NAME_SIZE];
};

/* header, 3 descriptors, data: exits=7, a histogram, halt_wait_ns=9. */
static int stats_file(uint32_t num_desc)
{
	struct kvm_stats_header h = {
		.name_size = NAME_SIZE, .num_desc = num_desc,
		.id_offset = sizeof(h), .desc_offset = sizeof(h) + 16,
	};
	struct desc d[3] = {
		{ { .size = 1, .offset = 0 }, "exits" },
		{ { .size = 4, .offset = 8 }, "halt_wait_hist" },
		{ { .size = 1, .offset = 40 }, "halt_wait_ns" },
	};
	uint64_t data[6] = { 7, 1, 2, 3, 4, 9 };
	int fd = memfd_create("stats", 0);

	h.data_offset = h.desc_offset + sizeof(d);
	if (pwrite(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    pwrite(fd, "kvm-1/vcpu-0", 12, h.id_offset) != 12 ||
	    pwrite(fd, d, sizeof(d), h.desc_offset) != sizeof(d) ||
	    pwrite(fd, data, sizeof(data), h.data_offset) != sizeof(data))
		return -1;
	return fd;
}

TEST(found_by_name)
{
	struct kvm_vcpu_stats s;
	uint64_t v[KS_NR];
	int fd = stats_file(3);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, kvm_stats_parse(&s, fd));
	EXPECT_TRUE(s.have[KS_EXITS]);
	EXPECT_TRUE(s.have[KS_HALT_WAIT_NS]);
	EXPECT_FALSE(s.have[KS_HALT_EXITS]);
	ASSERT_EQ(0, kvm_stats_read(&s, v));
	EXPECT_EQ(7, v[KS_EXITS]);
	EXPECT_EQ(9, v[KS_HALT_WAIT_NS]);
	EXPECT_EQ(0, v[KS_HALT_EXITS]);
	EXPECT_STREQ("halt_poll_fail_ns", kvm_stat_name(KS_HALT_POLL_FAIL_NS));
	kvm_stats_close(&s);
}

/* An arm64 vCPU's names: WFI exits are its halts, MMIO exits its I/O. */
TEST(arm64_names)
{
	struct kvm_stats_header h = {
		.name_size = NAME_SIZE, .num_desc = 4,
		.id_offset = sizeof(h), .desc_offset = sizeof(h) + 16,
	};
	struct desc d[4] = {
		{ { .size = 1, .offset = 0 }, "hvc_exit_stat" },
		{ { .size = 1, .offset = 8 }, "wfi_exit_stat" },
		{ { .size = 1, .offset = 16 }, "mmio_exit_user" },
		{ { .size = 1, .offset = 24 }, "exits" },
	};
	uint64_t data[4] = { 3, 5, 11, 40 }, v[KS_NR];
	struct kvm_vcpu_stats s;
	int fd = memfd_create("stats", 0);

	ASSERT_GE(fd, 0);
	h.data_offset = h.desc_offset + sizeof(d);
	ASSERT_EQ(sizeof(h), pwrite(fd, &h, sizeof(h), 0));
	ASSERT_EQ(sizeof(d), pwrite(fd, d, sizeof(d), h.desc_offset));
	ASSERT_EQ(sizeof(data), pwrite(fd, data, sizeof(data), h.data_offset));
	ASSERT_EQ(0, kvm_stats_parse(&s, fd));
	EXPECT_TRUE(s.have[KS_HALT_EXITS]);
	EXPECT_TRUE(s.have[KS_IO_EXITS]);
	EXPECT_FALSE(s.have[KS_IRQ_EXITS]);
	ASSERT_EQ(0, kvm_stats_read(&s, v));
	EXPECT_EQ(40, v[KS_EXITS]);
	EXPECT_EQ(5, v[KS_HALT_EXITS]);
	EXPECT_EQ(11, v[KS_IO_EXITS]);
	EXPECT_STREQ("halt_exits", kvm_stat_name(KS_HALT_EXITS));
	kvm_stats_close(&s);
}

TEST(malformed)
{
	struct kvm_vcpu_stats s;
	int fd = stats_file(0);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, kvm_stats_parse(&s, fd));
	close(fd);
	/* More descriptors than the file holds. */
	fd = stats_file(200);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EIO, kvm_stats_parse(&s, fd));
	close(fd);
}

TEST_HARNESS_MAIN
