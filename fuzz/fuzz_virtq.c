// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue walk (virtio/queue.c) over fake guest RAM filled
 * with the input: two regions as in tests/virtqueue_test.c, rings at fixed
 * places, the first bytes choosing the queue size. Every chain taken must
 * lie inside guest RAM; the queue may break, never the host.
 */
#include "fuzz/fuzz.h"
#include "virtio/queue.h"
#include "vmm/vm.h"

#define RAM0	0x10000ULL
#define RAM1	0x20000ULL
#define RAM_END	0x30000ULL

static uint8_t ram0[RAM1 - RAM0] __aligned(4096);
static uint8_t ram1[RAM_END - RAM1] __aligned(4096);

static void on_broken(void *arg, struct virtq *vq)
{
}

static bool in_ram(const struct iovec *v)
{
	const uint8_t *p = v->iov_base;

	return (p >= ram0 && p + v->iov_len <= ram0 + sizeof(ram0)) ||
	       (p >= ram1 && p + v->iov_len <= ram1 + sizeof(ram1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq_elem e;
	struct vm vm = {};
	struct virtq vq;
	unsigned int i, rounds = 0;
	int r;

	if (size < 4)
		return 0;
	memset(ram0, 0, sizeof(ram0));
	memset(ram1, 0, sizeof(ram1));
	/* Rings and buffers from the input, from RAM0 + 0x1000 on. */
	memcpy(ram0 + 0x1000, data + 4,
	       size - 4 < sizeof(ram0) - 0x1000 ? size - 4 : sizeof(ram0) - 0x1000);
	vm.regions[0] = (struct mem_region){ .gpa = RAM0, .size = sizeof(ram0),
					     .hva = ram0 };
	vm.regions[1] = (struct mem_region){ .gpa = RAM1, .size = sizeof(ram1),
					     .hva = ram1 };
	vm.nr_regions = 2;
	virtq_init(&vq, &vm, 0, VIRTQ_MAX_SIZE, on_broken, NULL);
	vq.num = 1U << (data[0] % 10);		/* up to 512: too big too */
	vq.desc_gpa = RAM0 + 0x1000 + (data[1] & 0xf) * 16;
	vq.avail_gpa = RAM0 + 0x3000 + (data[2] & 0x3) * 2;
	vq.used_gpa = RAM0 + 0x4000 + (data[3] & 0x3) * 4;
	if (virtq_enable(&vq))
		return 0;
	while (rounds++ < 1024 && (r = virtq_pop(&vq, &e)) == 1) {
		uint8_t tmp[64];

		FUZZ_CHECK(e.nr_rd <= VIRTQ_MAX_IOV && e.nr_wr <= VIRTQ_MAX_IOV);
		for (i = 0; i < e.nr_rd; i++)
			FUZZ_CHECK(in_ram(&e.rd[i]));
		for (i = 0; i < e.nr_wr; i++)
			FUZZ_CHECK(in_ram(&e.wr[i]));
		virtq_copy_from(&e, tmp, sizeof(tmp));
		virtq_copy_to(&e, tmp, sizeof(tmp));
		virtq_push(&vq, e.head, e.wr_len > 64 ? 64 : e.wr_len);
		virtq_should_interrupt(&vq);
	}
	return 0;
}
