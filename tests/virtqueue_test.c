// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue against a fake guest: rings and buffers in two host
 * buffers posing as RAM regions, and a driver that misbehaves in every way
 * the device must survive.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "vmm/vm.h"
#include "virtio/queue.h"
#include "kselftest_harness.h"

#define RAM0	0x10000ULL	/* region 0: [RAM0, RAM1) */
#define RAM1	0x20000ULL	/* region 1: [RAM1, RAM_END), separate buffer */
#define RAM_END	0x30000ULL
#define DESC	(RAM0 + 0x1000)
#define AVAIL	(RAM0 + 0x2000)
#define USED	(RAM0 + 0x3000)
#define DATA	(RAM0 + 0x8000)
#define NUM	8

FIXTURE(vq) {
	struct vm vm;
	uint8_t *ram[2];
	struct virtq vq;
	struct virtq_elem e;
	int broken_calls;
};

/* A plain name for the fixture type, for the helpers below. */
typedef FIXTURE_DATA(vq) vqf_t;

static void on_broken(void *arg, struct virtq *vq)
{
	(*(int *)arg)++;
}

static void *hva(vqf_t *self, uint64_t gpa)
{
	return gpa >= RAM1 ? self->ram[1] + (gpa - RAM1) :
			     self->ram[0] + (gpa - RAM0);
}

static struct vring_desc *desc(vqf_t *self, int i)
{
	return (struct vring_desc *)hva(self, DESC) + i;
}

static struct vring_avail *avail(vqf_t *self)
{
	return hva(self, AVAIL);
}

static struct vring_used *used(vqf_t *self)
{
	return hva(self, USED);
}

static void set_desc(vqf_t *self, int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	*desc(self, i) = (struct vring_desc){ addr, len, flags, next };
}

/* Driver side: offer chain @head. */
static void offer(vqf_t *self, uint16_t head)
{
	struct vring_avail *a = avail(self);

	a->ring[a->idx % NUM] = head;
	__atomic_store_n(&a->idx, a->idx + 1, __ATOMIC_RELEASE);
}

FIXTURE_SETUP(vq)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->ram[0] = aligned_alloc(4096, RAM1 - RAM0);
	self->ram[1] = aligned_alloc(4096, RAM_END - RAM1);
	ASSERT_NE(NULL, self->ram[0]);
	ASSERT_NE(NULL, self->ram[1]);
	memset(self->ram[0], 0, RAM1 - RAM0);
	memset(self->ram[1], 0, RAM_END - RAM1);
	self->vm.regions[0] = (struct mem_region){ .gpa = RAM0,
		.size = RAM1 - RAM0, .hva = self->ram[0] };
	self->vm.regions[1] = (struct mem_region){ .gpa = RAM1,
		.size = RAM_END - RAM1, .hva = self->ram[1] };
	self->vm.nr_regions = 2;
	self->broken_calls = 0;
	virtq_init(&self->vq, &self->vm, 0, 64, on_broken, &self->broken_calls);
	self->vq.num = NUM;
	self->vq.desc_gpa = DESC;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = USED;
	ASSERT_EQ(0, virtq_enable(&self->vq));
}

FIXTURE_TEARDOWN(vq)
{
	free(self->ram[0]);
	free(self->ram[1]);
}

/* The driver did something illegal: refused now and from then on. */
static void expect_broken(struct __test_metadata *_metadata,
			  vqf_t *self)
{
	EXPECT_EQ(-EIO, virtq_pop(&self->vq, &self->e));
	EXPECT_TRUE(self->vq.broken);
	EXPECT_EQ(1, self->broken_calls);
	EXPECT_NE('\0', self->vq.err[0]);
	/* Nothing is returned to the driver from a broken queue. */
	EXPECT_EQ(0, used(self)->idx);
	EXPECT_EQ(-EIO, virtq_push(&self->vq, 0, 0));
	/* Offering a good chain afterwards changes nothing. */
	set_desc(self, 0, DATA, 16, 0, 0);
	offer(self, 0);
	EXPECT_EQ(-EIO, virtq_pop(&self->vq, &self->e));
	EXPECT_EQ(1, self->broken_calls);
}

TEST_F(vq, good_chain)
{
	struct vring_used *u = used(self);

	set_desc(self, 3, DATA, 100, VRING_DESC_F_NEXT, 5);
	set_desc(self, 5, DATA + 0x100, 50, VRING_DESC_F_NEXT, 1);
	set_desc(self, 1, DATA + 0x1000, 200, VRING_DESC_F_WRITE, 0);
	offer(self, 3);

	ASSERT_EQ(1, virtq_pop(&self->vq, &self->e));
	EXPECT_EQ(3, self->e.head);
	ASSERT_EQ(2U, self->e.nr_rd);
	ASSERT_EQ(1U, self->e.nr_wr);
	EXPECT_EQ(hva(self, DATA), self->e.rd[0].iov_base);
	EXPECT_EQ(100U, self->e.rd[0].iov_len);
	EXPECT_EQ(hva(self, DATA + 0x100), self->e.rd[1].iov_base);
	EXPECT_EQ(50U, self->e.rd[1].iov_len);
	EXPECT_EQ(hva(self, DATA + 0x1000), self->e.wr[0].iov_base);
	EXPECT_EQ(200U, self->e.wr[0].iov_len);
	EXPECT_EQ(150U, self->e.rd_len);
	EXPECT_EQ(200U, self->e.wr_len);
	EXPECT_EQ(0, virtq_pop(&self->vq, &self->e));

	ASSERT_EQ(0, virtq_push(&self->vq, 3, 42));
	EXPECT_EQ(1, u->idx);
	EXPECT_EQ(3U, u->ring[0].id);
	EXPECT_EQ(42U, u->ring[0].len);
	EXPECT_TRUE(virtq_should_interrupt(&self->vq));
	avail(self)->flags = VRING_AVAIL_F_NO_INTERRUPT;
	EXPECT_FALSE(virtq_should_interrupt(&self->vq));
	/* Only as many used entries as chains taken. */
	EXPECT_EQ(-EINVAL, virtq_push(&self->vq, 3, 0));
	EXPECT_FALSE(self->vq.broken);
	EXPECT_EQ(0, self->broken_calls);
}

TEST_F(vq, copy_helpers)
{
	char out[16] = {};

	memcpy(hva(self, DATA), "hello ", 6);
	memcpy(hva(self, DATA + 0x100), "world", 5);
	set_desc(self, 0, DATA, 6, VRING_DESC_F_NEXT, 1);
	set_desc(self, 1, DATA + 0x100, 5, VRING_DESC_F_NEXT, 2);
	set_desc(self, 2, DATA + 0x200, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(self, 3, DATA + 0x300, 4, VRING_DESC_F_WRITE, 0);
	offer(self, 0);
	ASSERT_EQ(1, virtq_pop(&self->vq, &self->e));
	EXPECT_EQ(11U, virtq_copy_from(&self->e, out, sizeof(out)));
	EXPECT_STREQ("hello world", out);
	/* Writes stop at the end of the writable buffers. */
	EXPECT_EQ(8U, virtq_copy_to(&self->e, "abcdefghij", 10));
	EXPECT_EQ(0, memcmp(hva(self, DATA + 0x200), "abcd", 4));
	EXPECT_EQ(0, memcmp(hva(self, DATA + 0x300), "efgh", 4));
}

TEST_F(vq, buffer_across_regions_is_split)
{
	set_desc(self, 0, RAM1 - 0x100, 0x300, 0, 0);
	offer(self, 0);
	ASSERT_EQ(1, virtq_pop(&self->vq, &self->e));
	ASSERT_EQ(2U, self->e.nr_rd);
	EXPECT_EQ(self->ram[0] + (RAM1 - RAM0 - 0x100), self->e.rd[0].iov_base);
	EXPECT_EQ(0x100U, self->e.rd[0].iov_len);
	EXPECT_EQ(self->ram[1], self->e.rd[1].iov_base);
	EXPECT_EQ(0x200U, self->e.rd[1].iov_len);
	EXPECT_EQ(0x300U, self->e.rd_len);
}

TEST_F(vq, many_rounds_wrap_indices)
{
	int i;

	set_desc(self, 2, DATA, 8, VRING_DESC_F_WRITE, 0);
	for (i = 0; i < 70000; i++) {
		offer(self, 2);
		ASSERT_EQ(1, virtq_pop(&self->vq, &self->e));
		ASSERT_EQ(0, virtq_push(&self->vq, self->e.head, i & 7));
	}
	EXPECT_EQ((uint16_t)70000, used(self)->idx);
	EXPECT_EQ((70000 - 1) & 7, (int)used(self)->ring[(70000 - 1) % NUM].len);
	EXPECT_FALSE(self->vq.broken);
}

TEST_F(vq, buffer_outside_ram)
{
	set_desc(self, 0, 0x1000, 16, 0, 0);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, buffer_runs_off_end_of_ram)
{
	set_desc(self, 0, DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(self, 1, RAM_END - 8, 16, VRING_DESC_F_WRITE, 0);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, buffer_addr_len_overflow)
{
	set_desc(self, 0, UINT64_MAX - 8, 0x100, 0, 0);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, next_index_out_of_range)
{
	set_desc(self, 0, DATA, 16, VRING_DESC_F_NEXT, NUM);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, head_out_of_range)
{
	offer(self, NUM + 3);
	expect_broken(_metadata, self);
}

TEST_F(vq, chain_loop)
{
	set_desc(self, 0, DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(self, 1, DATA, 16, VRING_DESC_F_NEXT, 2);
	set_desc(self, 2, DATA, 16, VRING_DESC_F_NEXT, 0);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, self_loop)
{
	set_desc(self, 4, DATA, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 4);
	offer(self, 4);
	expect_broken(_metadata, self);
}

TEST_F(vq, readable_after_writable)
{
	set_desc(self, 0, DATA, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(self, 1, DATA, 16, 0, 0);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, indirect_not_negotiated)
{
	set_desc(self, 0, DATA, 32, VRING_DESC_F_INDIRECT, 0);
	offer(self, 0);
	expect_broken(_metadata, self);
}

TEST_F(vq, avail_idx_runs_ahead)
{
	set_desc(self, 0, DATA, 16, 0, 0);
	avail(self)->idx = NUM + 1;
	expect_broken(_metadata, self);
}

/* Ring setup errors: virtq_enable refuses and the queue is broken. */
static void expect_enable_fails(struct __test_metadata *_metadata,
				vqf_t *self)
{
	EXPECT_EQ(-EINVAL, virtq_enable(&self->vq));
	EXPECT_FALSE(self->vq.ready);
	EXPECT_TRUE(self->vq.broken);
	EXPECT_EQ(1, self->broken_calls);
	EXPECT_EQ(-EIO, virtq_pop(&self->vq, &self->e));
}

TEST_F(vq, ring_outside_ram)
{
	virtq_reset(&self->vq);
	self->vq.num = NUM;
	self->vq.desc_gpa = DESC;
	self->vq.avail_gpa = RAM_END + 0x1000;
	self->vq.used_gpa = USED;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, ring_straddles_end_of_ram)
{
	virtq_reset(&self->vq);
	self->vq.num = NUM;
	self->vq.desc_gpa = DESC;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = RAM_END - 16;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, ring_address_wraps)
{
	virtq_reset(&self->vq);
	self->vq.num = NUM;
	self->vq.desc_gpa = UINT64_MAX - 15;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = USED;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, ring_misaligned)
{
	virtq_reset(&self->vq);
	self->vq.num = NUM;
	self->vq.desc_gpa = DESC + 8;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = USED;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, size_not_power_of_two)
{
	virtq_reset(&self->vq);
	self->vq.num = 6;
	self->vq.desc_gpa = DESC;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = USED;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, size_above_max)
{
	virtq_reset(&self->vq);
	self->vq.num = 128;	/* num_max is 64 */
	self->vq.desc_gpa = DESC;
	self->vq.avail_gpa = AVAIL;
	self->vq.used_gpa = USED;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, size_zero)
{
	virtq_reset(&self->vq);
	self->vq.num = 0;
	expect_enable_fails(_metadata, self);
}

TEST_F(vq, reset_clears_broken)
{
	offer(self, NUM);
	EXPECT_EQ(-EIO, virtq_pop(&self->vq, &self->e));
	virtq_reset(&self->vq);
	EXPECT_FALSE(self->vq.broken);
	EXPECT_FALSE(self->vq.ready);
	EXPECT_EQ(64, self->vq.num);
	/* Not ready: nothing to do, and not an error. */
	EXPECT_EQ(0, virtq_pop(&self->vq, &self->e));
	EXPECT_FALSE(virtq_should_interrupt(&self->vq));
}

TEST_HARNESS_MAIN
