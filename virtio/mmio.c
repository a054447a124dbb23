// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio, version 2 ("modern") only. Registers are 32-bit; anything
 * else below the config window is ignored and counted. The guest is not
 * trusted: a bad queue setup or ring marks the device NEEDS_RESET instead
 * of taking the VMM down.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "virtio/mmio.h"
#include "vmm/vm.h"

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define BIT_ULL(n)		(1ULL << (n))
/* Transport features the queue code does not implement. */
#define UNSUPPORTED_FEATURES	(BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |	\
				 BIT_ULL(VIRTIO_F_RING_PACKED))

static void raise_irq(struct virtio_dev *dev, uint32_t bits)
{
	uint64_t one = 1;

	dev->int_status |= bits;
	dev->nr_irqs++;
	/* EAGAIN means the counter is saturated: an interrupt is pending. */
	if (dev->irqfd >= 0 && write(dev->irqfd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		pr_warn("virtio %s: irqfd write: %s", dev->name, strerror(errno));
}

/* on_broken of every queue: the driver must reset the device. */
static void dev_broken(void *arg, struct virtq *vq)
{
	struct virtio_dev *dev = arg;

	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise_irq(dev, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_dev_init(struct virtio_dev *dev, struct vm *vm, const char *name,
		     uint32_t device_id, const struct virtio_ops *ops,
		     struct virtq *vqs, uint32_t nr_vqs, uint16_t queue_max,
		     void *priv)
{
	uint32_t i;

	memset(dev, 0, sizeof(*dev));
	dev->name = name;
	dev->device_id = device_id;
	dev->ops = ops;
	dev->vqs = vqs;
	dev->nr_vqs = nr_vqs;
	dev->priv = priv;
	dev->irqfd = -1;
	pthread_mutex_init(&dev->lock, NULL);
	for (i = 0; i < nr_vqs; i++)
		virtq_init(&vqs[i], vm, i, queue_max, dev_broken, dev);
}

void virtio_dev_exit(struct virtio_dev *dev)
{
	pthread_mutex_destroy(&dev->lock);
}

void virtio_dev_notify_used(struct virtio_dev *dev, struct virtq *vq)
{
	if (virtq_should_interrupt(vq))
		raise_irq(dev, VIRTIO_MMIO_INT_VRING);
}

void virtio_dev_config_changed(struct virtio_dev *dev)
{
	dev->config_gen++;
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise_irq(dev, VIRTIO_MMIO_INT_CONFIG);
}

bool virtio_dev_has_feature(const struct virtio_dev *dev, unsigned int bit)
{
	return bit < 64 && (dev->driver_features & BIT_ULL(bit));
}

bool virtio_dev_driver_ok(const struct virtio_dev *dev)
{
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static uint64_t device_features(struct virtio_dev *dev)
{
	uint64_t f = dev->ops->features ? dev->ops->features(dev) : 0;

	return (f & ~UNSUPPORTED_FEATURES) | BIT_ULL(VIRTIO_F_VERSION_1);
}

static void dev_reset(struct virtio_mmio_dev *d)
{
	struct virtio_dev *dev = d->dev;
	uint32_t i;

	for (i = 0; i < dev->nr_vqs; i++)
		virtq_reset(&dev->vqs[i]);
	dev->status = 0;
	dev->driver_features = 0;
	dev->int_status = 0;
	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
	if (dev->ops->reset)
		dev->ops->reset(dev);
}

/* FEATURES_OK sticks only for a subset of ours that includes VERSION_1. */
static bool features_acceptable(struct virtio_dev *dev)
{
	uint64_t f = dev->driver_features;

	return !(f & ~device_features(dev)) && (f & BIT_ULL(VIRTIO_F_VERSION_1));
}

static void write_status(struct virtio_mmio_dev *d, uint32_t val)
{
	struct virtio_dev *dev = d->dev;

	if (!val) {
		dev_reset(d);
		return;
	}
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(dev->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_acceptable(dev)) {
		pr_warn("virtio %s: driver features %#llx refused", dev->name,
			(unsigned long long)dev->driver_features);
		val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	/* Only a reset clears NEEDS_RESET. */
	dev->status = val | (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static struct virtq *sel_vq(struct virtio_mmio_dev *d)
{
	return d->queue_sel < d->dev->nr_vqs ? &d->dev->vqs[d->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_mmio_dev *d, uint64_t off)
{
	struct virtio_dev *dev = d->dev;
	struct virtq *vq = sel_vq(d);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return dev->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (d->dev_features_sel > 1)
			return 0;
		return device_features(dev) >> (32 * d->dev_features_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? vq->num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return dev->int_status;
	case VIRTIO_MMIO_STATUS:
		return dev->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return dev->config_gen;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return ~0U;	/* no shared memory regions */
	}
	dev->nr_bad_access++;
	return 0;
}

/* Sets the low or high half of a 64-bit register. */
static void set_half(uint64_t *reg, uint32_t val, bool high)
{
	if (high)
		*reg = (*reg & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		*reg = (*reg & ~0xffffffffULL) | val;
}

/* Queue layout registers; the driver must not change a live queue. */
static bool queue_write(struct virtio_mmio_dev *d, uint64_t off, uint32_t val)
{
	struct virtq *vq = sel_vq(d);

	if (!vq)
		return false;
	if (vq->ready) {
		if (off != VIRTIO_MMIO_QUEUE_READY)
			return false;
		if (!val)
			virtq_disable(vq);
		return true;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->num = val > UINT16_MAX ? 0 : val;
		return true;
	case VIRTIO_MMIO_QUEUE_READY:
		if (val)
			virtq_enable(vq);
		return true;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, val, off == VIRTIO_MMIO_QUEUE_DESC_HIGH);
		return true;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&vq->avail_gpa, val, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH);
		return true;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&vq->used_gpa, val, off == VIRTIO_MMIO_QUEUE_USED_HIGH);
		return true;
	}
	return false;
}

static void reg_write(struct virtio_mmio_dev *d, uint64_t off, uint32_t val)
{
	struct virtio_dev *dev = d->dev;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = val;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Frozen once FEATURES_OK was accepted. */
		if (d->drv_features_sel < 2 &&
		    !(dev->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&dev->driver_features, val, d->drv_features_sel);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = val;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = val;
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		dev->int_status &= ~val;
		return;
	case VIRTIO_MMIO_STATUS:
		write_status(d, val);
		return;
	case VIRTIO_MMIO_SHM_SEL:
		return;
	}
	if (!queue_write(d, off, val))
		dev->nr_bad_access++;
}

/* Device config window: the device checks bounds within its struct. */
static void config_access(struct virtio_mmio_dev *d, uint64_t off,
			  uint8_t *data, uint32_t len, bool is_write)
{
	struct virtio_dev *dev = d->dev;

	if (!is_write)
		memset(data, 0, len);
	pthread_mutex_lock(&dev->lock);
	if (len > 8 || off + len > VIRTIO_MMIO_SIZE)
		dev->nr_bad_access++;
	else if (!is_write && dev->ops->config_read)
		dev->ops->config_read(dev, off - VIRTIO_MMIO_CONFIG, data, len);
	else if (is_write && dev->ops->config_write)
		dev->ops->config_write(dev, off - VIRTIO_MMIO_CONFIG, data, len);
	pthread_mutex_unlock(&dev->lock);
}

void virtio_mmio_io(struct vcpu *vcpu, uint64_t off, uint8_t *data,
		    uint32_t len, bool is_write, void *opaque)
{
	struct virtio_mmio_dev *d = opaque;
	struct virtio_dev *dev = d->dev;
	uint32_t val;

	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(d, off, data, len, is_write);
		return;
	}
	if (len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0, len);
		pthread_mutex_lock(&dev->lock);
		dev->nr_bad_access++;
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	if (!is_write) {
		pthread_mutex_lock(&dev->lock);
		val = htole32(reg_read(d, off));
		pthread_mutex_unlock(&dev->lock);
		memcpy(data, &val, 4);
		return;
	}
	memcpy(&val, data, 4);
	val = le32toh(val);
	/* Without ioeventfd the kick arrives here, on the vCPU thread. */
	if (off == VIRTIO_MMIO_QUEUE_NOTIFY) {
		if (val < dev->nr_vqs && dev->ops->queue_notify)
			dev->ops->queue_notify(dev, val);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	reg_write(d, off, val);
	pthread_mutex_unlock(&dev->lock);
}

void virtio_mmio_setup(struct virtio_mmio_dev *d, struct vm *vm,
		       struct virtio_dev *dev, uint64_t base, uint32_t gsi)
{
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->dev = dev;
	d->base = base;
	d->gsi = gsi;
	d->notify_fd = -1;
	d->stop_fd = -1;
}

/* One eventfd covers QueueNotify for every queue: kick them all. */
static void notify_all(struct virtio_mmio_dev *d)
{
	struct virtio_dev *dev = d->dev;
	uint32_t q;

	if (!dev->ops->queue_notify)
		return;
	for (q = 0; q < dev->nr_vqs; q++)
		dev->ops->queue_notify(dev, q);
}

static void *io_thread(void *arg)
{
	struct virtio_mmio_dev *d = arg;
	struct pollfd fds[2] = {
		{ .fd = d->notify_fd, .events = POLLIN },
		{ .fd = d->stop_fd, .events = POLLIN },
	};
	uint64_t cnt;
	sigset_t all;

	/* Process-directed signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("virtio %s: poll: %s", d->dev->name, strerror(errno));
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents & POLLIN &&
		    read(d->notify_fd, &cnt, sizeof(cnt)) == sizeof(cnt))
			notify_all(d);
	}
	return NULL;
}

static int start_io_thread(struct virtio_mmio_dev *d)
{
	int err;

	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d->stop_fd < 0)
		return -errno;
	err = pthread_create(&d->thread, NULL, io_thread, d);
	if (err) {
		close(d->stop_fd);
		d->stop_fd = -1;
		return -err;
	}
	d->thread_started = true;
	return 0;
}

int virtio_mmio_init(struct vm *vm, struct virtio_mmio_dev *d,
		     struct virtio_dev *dev, uint64_t base, uint32_t gsi)
{
	int fd, err;

	virtio_mmio_setup(d, vm, dev, base, gsi);
	fd = vm_irqfd(vm, gsi);
	if (fd < 0) {
		pr_err("virtio %s: KVM_IRQFD for GSI %u: %s", dev->name, gsi,
		       strerror(-fd));
		return fd;
	}
	dev->irqfd = fd;
	fd = vm_ioeventfd(vm, base + VIRTIO_MMIO_QUEUE_NOTIFY, 4);
	if (fd < 0) {
		pr_warn("virtio %s: no ioeventfd (%s), notifications via MMIO exits",
			dev->name, strerror(-fd));
	} else {
		d->notify_fd = fd;
		err = start_io_thread(d);
		if (err) {
			pr_err("virtio %s: I/O thread: %s", dev->name, strerror(-err));
			goto err_close;
		}
	}
	vm_register_mmio(vm, base, VIRTIO_MMIO_SIZE, virtio_mmio_io, d);
	return 0;

err_close:
	close(d->notify_fd);
	d->notify_fd = -1;
	close(dev->irqfd);
	dev->irqfd = -1;
	return err;
}

void virtio_mmio_exit(struct virtio_mmio_dev *d)
{
	uint64_t one = 1;

	if (!d || !d->dev)
		return;
	if (d->thread_started) {
		if (write(d->stop_fd, &one, sizeof(one)) != sizeof(one))
			pr_warn("virtio %s: cannot stop I/O thread", d->dev->name);
		else
			pthread_join(d->thread, NULL);
		d->thread_started = false;
	}
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	if (d->dev->irqfd >= 0)
		close(d->dev->irqfd);
	d->stop_fd = d->notify_fd = d->dev->irqfd = -1;
}

void virtio_mmio_cmdline(const struct virtio_mmio_dev *d, struct buf *cmdline)
{
	buf_printf(cmdline, " virtio_mmio.device=0x%x@0x%llx:%u",
		   VIRTIO_MMIO_SIZE, (unsigned long long)d->base, d->gsi);
}
