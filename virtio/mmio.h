/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio device core and the virtio-mmio transport, version 2 (virtio 1.2
 * §4.2.2). A device fills a struct virtio_dev with its ops and queues; the
 * transport owns registers, feature negotiation, status, interrupts and the
 * notification path (ioeventfd + one I/O thread, or the vCPU's MMIO exit).
 */
#ifndef KTSTR_VIRTIO_MMIO_H
#define KTSTR_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"
#include "virtio/queue.h"

struct vm;
struct vcpu;
struct virtio_dev;

#define VIRTIO_MMIO_SIZE	0x200
#define VIRTIO_MMIO_VENDOR	0x4b545354	/* "KTST" */

/*
 * Callbacks marked "locked" run with dev->lock held and must not take it;
 * queue_notify runs without it, so a device may call out (e.g. to host
 * callbacks) between the parts that need it.
 */
struct virtio_ops {
	/* Device-specific feature bits; VIRTIO_F_VERSION_1 is added. */
	uint64_t (*features)(struct virtio_dev *dev);
	/* Locked. @off/@len are within the config window, not the struct. */
	void (*config_read)(struct virtio_dev *dev, uint32_t off, uint8_t *data,
			    uint32_t len);
	void (*config_write)(struct virtio_dev *dev, uint32_t off,
			     const uint8_t *data, uint32_t len);
	/* The driver kicked queue @q (may be any index < nr_vqs). */
	void (*queue_notify)(struct virtio_dev *dev, uint32_t q);
	/* Locked. Status 0 was written; the queues are already reset. */
	void (*reset)(struct virtio_dev *dev);
};

struct virtio_dev {
	const char *name;
	uint32_t device_id;		/* VIRTIO_ID_* */
	const struct virtio_ops *ops;
	struct virtq *vqs;
	uint32_t nr_vqs;
	void *priv;

	/* Everything below is under lock. */
	pthread_mutex_t lock;
	uint32_t status;
	uint64_t driver_features;
	uint32_t config_gen;
	uint32_t int_status;		/* VIRTIO_MMIO_INT_* */
	int irqfd;			/* -1: interrupts are only counted */
	uint64_t nr_irqs;
	uint64_t nr_bad_access;		/* odd-sized or unknown register access */
};

/* Sets up the lock and the queues (each capped at @queue_max). */
void virtio_dev_init(struct virtio_dev *dev, struct vm *vm, const char *name,
		     uint32_t device_id, const struct virtio_ops *ops,
		     struct virtq *vqs, uint32_t nr_vqs, uint16_t queue_max,
		     void *priv);
void virtio_dev_exit(struct virtio_dev *dev);
/* Locked. Interrupt for used buffers on @vq unless the driver masked it. */
void virtio_dev_notify_used(struct virtio_dev *dev, struct virtq *vq);
/* Locked. Config space changed: new generation, config interrupt. */
void virtio_dev_config_changed(struct virtio_dev *dev);
/* Locked. */
bool virtio_dev_has_feature(const struct virtio_dev *dev, unsigned int bit);
bool virtio_dev_driver_ok(const struct virtio_dev *dev);

struct virtio_mmio_dev {
	struct vm *vm;
	struct virtio_dev *dev;
	uint64_t base;
	uint32_t gsi;
	/* Register selectors; under dev->lock. */
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	int notify_fd;		/* ioeventfd on QueueNotify, or -1 */
	int stop_fd;
	pthread_t thread;
	bool thread_started;
};

/*
 * Registers @dev at MMIO [@base, @base + VIRTIO_MMIO_SIZE) with interrupt
 * @gsi: irqfd, QueueNotify ioeventfd (falls back to MMIO exits) and the I/O
 * thread. 0 or -errno. Tear down with virtio_mmio_exit() after the vCPUs
 * have stopped (the MMIO range stays registered to the VM).
 */
int virtio_mmio_init(struct vm *vm, struct virtio_mmio_dev *d,
		     struct virtio_dev *dev, uint64_t base, uint32_t gsi);
void virtio_mmio_exit(struct virtio_mmio_dev *d);
/* The register state alone, with no KVM fds and no thread (unit tests). */
void virtio_mmio_setup(struct virtio_mmio_dev *d, struct vm *vm,
		       struct virtio_dev *dev, uint64_t base, uint32_t gsi);
/* The MMIO handler; @opaque is the struct virtio_mmio_dev. */
void virtio_mmio_io(struct vcpu *vcpu, uint64_t off, uint8_t *data,
		    uint32_t len, bool is_write, void *opaque);
/* Appends " virtio_mmio.device=0x200@0xBASE:GSI". */
void virtio_mmio_cmdline(const struct virtio_mmio_dev *d, struct buf *cmdline);

#endif
