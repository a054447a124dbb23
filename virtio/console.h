/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT and three ports:
 *   0 "ktstr.console"  hvc0, the interactive console
 *   1 "ktstr.data"     guest->host TLV stream (harness/tlv.h)
 *   2 "ktstr.stats"    byte relay for scheduler-stats requests/responses
 * The guest finds ports 1 and 2 as /dev/vportNpM through
 * /sys/class/virtio-ports/<dev>/name.
 */
#ifndef KTSTR_VIRTIO_CONSOLE_H
#define KTSTR_VIRTIO_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "virtio/mmio.h"
#include "virtio/queue.h"

struct vm;

enum con_port_id {
	CON_PORT_CONSOLE,
	CON_PORT_DATA,
	CON_PORT_STATS,
	CON_NR_PORTS,
};

/* Two queues per port plus the control pair: 2 + 2 * 3. */
#define CON_NR_QUEUES		(2 + 2 * CON_NR_PORTS)
/* Host->guest bytes held while the guest has no buffers posted. */
#define CON_OUT_MAX		(4 * SZ_1M)
#define CON_CTRL_OUT_MAX	(64 * SZ_1K)

/*
 * Bytes the guest wrote on @port. @data may point into guest memory and is
 * only valid during the call; a callback may call virtio_console_send().
 */
typedef void (*con_output_fn)(void *opaque, unsigned int port,
			      const uint8_t *data, size_t len);

struct virtio_console_stats {
	uint64_t tx_bytes[CON_NR_PORTS];	/* guest -> host */
	uint64_t rx_bytes[CON_NR_PORTS];	/* host -> guest, delivered */
	uint64_t dropped_bytes;		/* host -> guest, over CON_OUT_MAX */
	uint64_t invalid_bufs;		/* wrong direction, too short */
	uint64_t ctrl_msgs;		/* control messages from the guest */
	uint64_t bad_ctrl;		/* unknown event or port id */
	uint64_t ctrl_dropped;		/* to the guest, over CON_CTRL_OUT_MAX */
};

struct con_port {
	struct buf out;			/* host -> guest, from out_off on */
	size_t out_off;
	bool guest_open;		/* PORT_OPEN 1 from the guest */
};

struct virtio_console {
	struct virtio_dev dev;
	struct virtio_mmio_dev mmio;
	struct virtq vqs[CON_NR_QUEUES];
	con_output_fn on_output;
	void *opaque;
	/* Under dev.lock: */
	struct con_port ports[CON_NR_PORTS];
	struct buf ctrl_out;		/* queued messages: u32 len + bytes */
	size_t ctrl_off;
	uint64_t reset_gen;
	struct virtio_console_stats stats;
	struct virtq_elem elem;
	/* Serialises guest->host delivery so bytes stay in order. */
	pthread_mutex_t tx_lock;
	struct virtq_elem tx_elem;	/* under tx_lock */
};

/* Creates the device and plugs it into @vm at @base/@gsi; NULL on error. */
struct virtio_console *virtio_console_create(struct vm *vm, uint64_t base,
					     uint32_t gsi, con_output_fn fn,
					     void *opaque);
/* The device and its registers without KVM (mmio.dev only); for tests. */
struct virtio_console *virtio_console_new(struct vm *vm, con_output_fn fn,
					  void *opaque);
/* Stops the I/O thread and frees; call after the vCPUs have stopped. */
void virtio_console_destroy(struct virtio_console *con);

/*
 * Queues @len bytes for the guest on @port; they are delivered as soon as
 * the guest has the port open and buffers posted. -EINVAL for a bad port,
 * -ENOBUFS (nothing queued) past CON_OUT_MAX pending bytes.
 */
int virtio_console_send(struct virtio_console *con, unsigned int port,
			const void *data, size_t len);
bool virtio_console_port_open(struct virtio_console *con, unsigned int port);
void virtio_console_get_stats(struct virtio_console *con,
			      struct virtio_console_stats *st);
const char *virtio_console_port_name(unsigned int port);

#endif
