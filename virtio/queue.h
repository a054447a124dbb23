/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueue, device side (virtio 1.2 §2.7). The driver owns the rings
 * and everything in them is untrusted: each violation marks the queue
 * broken (and through on_broken the device NEEDS_RESET), after which the
 * queue is left alone until reset. Not thread safe: the caller holds the
 * device lock. No indirect descriptors and no EVENT_IDX: don't advertise
 * VIRTIO_RING_F_INDIRECT_DESC or VIRTIO_RING_F_EVENT_IDX.
 */
#ifndef KTSTR_VIRTIO_QUEUE_H
#define KTSTR_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>

struct vm;

#define VIRTQ_MAX_SIZE	256
/* A buffer crossing RAM regions takes one iovec per region. */
#define VIRTQ_MAX_IOV	(2 * VIRTQ_MAX_SIZE)

struct virtq;
typedef void (*virtq_broken_fn)(void *arg, struct virtq *vq);

struct virtq {
	struct vm *vm;
	unsigned int index;
	uint16_t num_max;
	/* Set by the driver through the transport, checked by virtq_enable. */
	uint16_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool ready;
	bool broken;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;	/* next avail entry to take */
	uint16_t used_idx;	/* our copy of used->idx */
	char err[128];		/* first violation, for diagnostics */
	virtq_broken_fn on_broken;
	void *broken_arg;
};

/* One descriptor chain: device-readable then device-writable buffers. */
struct virtq_elem {
	uint16_t head;
	unsigned int nr_rd, nr_wr;
	uint64_t rd_len, wr_len;	/* byte totals */
	struct iovec rd[VIRTQ_MAX_IOV];
	struct iovec wr[VIRTQ_MAX_IOV];
};

void virtq_init(struct virtq *vq, struct vm *vm, unsigned int index,
		uint16_t num_max, virtq_broken_fn on_broken, void *arg);
/* Back to the post-reset state: not ready, not broken, num = num_max. */
void virtq_reset(struct virtq *vq);
/* QueueReady = 1: checks num and ring placement; -EINVAL marks broken. */
int virtq_enable(struct virtq *vq);
void virtq_disable(struct virtq *vq);
/* 1: a chain was taken into @e; 0: ring empty; -EIO: queue broken. */
int virtq_pop(struct virtq *vq, struct virtq_elem *e);
/* Returns chain @head with @len bytes written; -EIO if broken/bad head. */
int virtq_push(struct virtq *vq, uint16_t head, uint32_t len);
/* After pushes: whether the driver wants an interrupt. */
bool virtq_should_interrupt(struct virtq *vq);

/* Gather/scatter helpers over an element's buffers; return bytes copied. */
size_t virtq_copy_from(const struct virtq_elem *e, void *dst, size_t len);
size_t virtq_copy_to(const struct virtq_elem *e, const void *src, size_t len);

#endif
