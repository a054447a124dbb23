// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue, device side. Every index, address and length comes from
 * the guest: it is read once, checked, and only then used. Host pointers
 * are produced only by vm_gpa_to_hva(), so nothing outside guest RAM is
 * ever touched.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"
#include "virtio/queue.h"
#include "vmm/vm.h"

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static void __printf(2, 3) vq_fail(struct virtq *vq, const char *fmt, ...)
{
	va_list ap;

	if (vq->broken)
		return;
	va_start(ap, fmt);
	vsnprintf(vq->err, sizeof(vq->err), fmt, ap);
	va_end(ap);
	vq->broken = true;
	pr_warn("virtqueue %u broken by the driver: %s", vq->index, vq->err);
	if (vq->on_broken)
		vq->on_broken(vq->broken_arg, vq);
}

void virtq_init(struct virtq *vq, struct vm *vm, unsigned int index,
		uint16_t num_max, virtq_broken_fn on_broken, void *arg)
{
	memset(vq, 0, sizeof(*vq));
	vq->vm = vm;
	vq->index = index;
	vq->num_max = MIN(num_max, VIRTQ_MAX_SIZE);
	vq->on_broken = on_broken;
	vq->broken_arg = arg;
	virtq_reset(vq);
}

void virtq_reset(struct virtq *vq)
{
	virtq_disable(vq);
	vq->num = vq->num_max;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->broken = false;
	vq->err[0] = '\0';
}

void virtq_disable(struct virtq *vq)
{
	vq->ready = false;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail = vq->used_idx = 0;
}

/* Host address of a ring: aligned, not wrapping, inside one RAM region. */
static void *map_ring(struct virtq *vq, const char *what, uint64_t gpa,
		      uint64_t size, uint64_t align)
{
	void *hva = NULL;

	if (!(gpa & (align - 1)) && gpa <= UINT64_MAX - size)
		hva = vm_gpa_to_hva(vq->vm, gpa, size);
	if (!hva)
		vq_fail(vq, "%s ring at %#llx (%llu bytes) not in RAM or misaligned",
			what, (unsigned long long)gpa, (unsigned long long)size);
	return hva;
}

int virtq_enable(struct virtq *vq)
{
	uint64_t num = vq->num;

	virtq_disable(vq);
	if (vq->broken)
		return -EINVAL;
	if (!num || num > vq->num_max || (num & (num - 1))) {
		vq_fail(vq, "queue size %llu is not a power of two <= %u",
			(unsigned long long)num, vq->num_max);
		return -EINVAL;
	}
	/* Sizes include used_event/avail_event, as the spec lays them out. */
	vq->desc = map_ring(vq, "descriptor", vq->desc_gpa,
			    num * sizeof(struct vring_desc), VRING_DESC_ALIGN_SIZE);
	vq->avail = map_ring(vq, "avail", vq->avail_gpa, 6 + 2 * num,
			     VRING_AVAIL_ALIGN_SIZE);
	vq->used = map_ring(vq, "used", vq->used_gpa,
			    6 + sizeof(struct vring_used_elem) * num,
			    VRING_USED_ALIGN_SIZE);
	if (!vq->desc || !vq->avail || !vq->used) {
		virtq_disable(vq);
		return -EINVAL;
	}
	vq->ready = true;
	return 0;
}

/* Bytes of [gpa, gpa+len) inside the RAM region holding gpa; 0 if none. */
static uint64_t region_left(struct vm *vm, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < vm->nr_regions; i++) {
		const struct mem_region *m = &vm->regions[i];

		if (gpa >= m->gpa && gpa - m->gpa < m->size)
			return MIN(len, m->size - (gpa - m->gpa));
	}
	return 0;
}

/* Appends one guest buffer to @e, split where it crosses RAM regions. */
static int map_buf(struct virtq *vq, struct virtq_elem *e, uint64_t gpa,
		   uint32_t len, bool write)
{
	struct iovec *iov = write ? e->wr : e->rd;
	unsigned int *nr = write ? &e->nr_wr : &e->nr_rd;
	uint64_t left = len, start = gpa;

	if (gpa > UINT64_MAX - len) {
		vq_fail(vq, "buffer %#llx+%u wraps", (unsigned long long)gpa, len);
		return -EIO;
	}
	while (left) {
		uint64_t chunk = region_left(vq->vm, gpa, left);
		void *hva = chunk ? vm_gpa_to_hva(vq->vm, gpa, chunk) : NULL;

		if (!hva || *nr == VIRTQ_MAX_IOV) {
			vq_fail(vq, "buffer %#llx+%u not in RAM",
				(unsigned long long)start, len);
			return -EIO;
		}
		iov[(*nr)++] = (struct iovec){ .iov_base = hva, .iov_len = chunk };
		gpa += chunk;
		left -= chunk;
	}
	if (write)
		e->wr_len += len;
	else
		e->rd_len += len;
	return 0;
}

/* One snapshot of a descriptor: the guest may rewrite it under us. */
static void read_desc(struct virtq *vq, uint16_t i, struct vring_desc *d)
{
	d->addr = le64toh(READ_ONCE(vq->desc[i].addr));
	d->len = le32toh(READ_ONCE(vq->desc[i].len));
	d->flags = le16toh(READ_ONCE(vq->desc[i].flags));
	d->next = le16toh(READ_ONCE(vq->desc[i].next));
}

static int walk_chain(struct virtq *vq, struct virtq_elem *e, uint16_t i)
{
	bool seen_write = false;
	unsigned int count;
	struct vring_desc d;

	for (count = 1; ; count++) {
		/* A chain can hold each descriptor once: longer means a loop. */
		if (count > vq->num) {
			vq_fail(vq, "descriptor chain from %u loops", e->head);
			return -EIO;
		}
		read_desc(vq, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			vq_fail(vq, "indirect descriptor %u not negotiated", i);
			return -EIO;
		}
		if (!(d.flags & VRING_DESC_F_WRITE) && seen_write) {
			vq_fail(vq, "readable descriptor %u after writable", i);
			return -EIO;
		}
		seen_write |= d.flags & VRING_DESC_F_WRITE;
		if (map_buf(vq, e, d.addr, d.len, d.flags & VRING_DESC_F_WRITE))
			return -EIO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= vq->num) {
			vq_fail(vq, "next index %u >= queue size %u", i, vq->num);
			return -EIO;
		}
	}
}

int virtq_pop(struct virtq *vq, struct virtq_elem *e)
{
	uint16_t avail_idx, pending, head;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	/* Acquire: the ring entry and descriptors are read after the index. */
	avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	pending = avail_idx - vq->last_avail;
	if (!pending)
		return 0;
	if (pending > vq->num) {
		vq_fail(vq, "avail idx %u is %u ahead of %u (size %u)", avail_idx,
			pending, vq->last_avail, vq->num);
		return -EIO;
	}
	head = le16toh(READ_ONCE(vq->avail->ring[vq->last_avail & (vq->num - 1)]));
	if (head >= vq->num) {
		vq_fail(vq, "avail head %u >= queue size %u", head, vq->num);
		return -EIO;
	}
	e->head = head;
	e->nr_rd = e->nr_wr = 0;
	e->rd_len = e->wr_len = 0;
	if (walk_chain(vq, e, head))
		return -EIO;
	vq->last_avail++;
	return 1;
}

int virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *u;

	if (vq->broken || !vq->ready)
		return -EIO;
	/* More used than taken would be a device bug; keep the ring sane. */
	if (head >= vq->num || vq->used_idx == vq->last_avail)
		return -EINVAL;
	u = &vq->used->ring[vq->used_idx & (vq->num - 1)];
	WRITE_ONCE(u->id, htole32(head));
	WRITE_ONCE(u->len, htole32(len));
	vq->used_idx++;
	/* Release: the element is visible before the index that covers it. */
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
	return 0;
}

bool virtq_should_interrupt(struct virtq *vq)
{
	uint16_t flags;

	if (!vq->ready)
		return false;
	/* Order the used->idx store before reading the driver's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16toh(READ_ONCE(vq->avail->flags));
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

size_t virtq_copy_from(const struct virtq_elem *e, void *dst, size_t len)
{
	size_t done = 0, n;
	unsigned int i;

	for (i = 0; i < e->nr_rd && done < len; i++) {
		n = MIN(len - done, e->rd[i].iov_len);
		memcpy((uint8_t *)dst + done, e->rd[i].iov_base, n);
		done += n;
	}
	return done;
}

size_t virtq_copy_to(const struct virtq_elem *e, const void *src, size_t len)
{
	size_t done = 0, n;
	unsigned int i;

	for (i = 0; i < e->nr_wr && done < len; i++) {
		n = MIN(len - done, e->wr[i].iov_len);
		memcpy(e->wr[i].iov_base, (const uint8_t *)src + done, n);
		done += n;
	}
	return done;
}
