// SPDX-License-Identifier: GPL-2.0
/*
 * Multiport virtio-console (virtio 1.2 §5.3). Queue order as in Linux
 * drivers/char/virtio_console.c: port 0 rx/tx, control rx/tx, then rx/tx
 * for ports 1..n. "rx" is host->guest ("receiveq"), "tx" guest->host.
 *
 * Control flow: guest DEVICE_READY -> PORT_ADD for each port; guest
 * PORT_READY -> CONSOLE_PORT (port 0), PORT_NAME, PORT_OPEN 1 (the host
 * side is always connected; Linux blocks writers until it is).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "virtio/console.h"
#include "vmm/vm.h"

#define CTRL_RX	2
#define CTRL_TX	3

static const char *const port_names[CON_NR_PORTS] = {
	[CON_PORT_CONSOLE]	= "ktstr.console",
	[CON_PORT_DATA]		= "ktstr.data",
	[CON_PORT_STATS]	= "ktstr.stats",
};

const char *virtio_console_port_name(unsigned int port)
{
	return port < CON_NR_PORTS ? port_names[port] : "?";
}

static unsigned int rx_queue(unsigned int port)
{
	return port ? 2 * port + 2 : 0;
}

static unsigned int tx_queue(unsigned int port)
{
	return rx_queue(port) + 1;
}

static unsigned int queue_port(unsigned int q)
{
	return q < 2 ? 0 : (q - 2) / 2;
}

static struct virtio_console *to_con(struct virtio_dev *dev)
{
	return dev->priv;
}

/* Drops consumed bytes from the front of @b once they are the bulk. */
static void buf_consume(struct buf *b, size_t *off)
{
	if (*off == b->len) {
		b->len = *off = 0;
	} else if (*off > b->len / 2) {
		memmove(b->data, b->data + *off, b->len - *off);
		b->len -= *off;
		*off = 0;
	}
}

/* Locked. Moves pending bytes of @port into the guest's rx buffers. */
static void flush_port(struct virtio_console *con, unsigned int port)
{
	struct con_port *cp = &con->ports[port];
	struct virtq *vq = &con->vqs[rx_queue(port)];
	struct virtq_elem *e = &con->elem;
	bool pushed = false;
	size_t n;

	/* Linux discards data for ports nobody has open. */
	while (cp->guest_open && cp->out_off < cp->out.len &&
	       virtq_pop(vq, e) > 0) {
		if (e->nr_rd || !e->wr_len)
			con->stats.invalid_bufs++;
		n = virtq_copy_to(e, cp->out.data + cp->out_off,
				  cp->out.len - cp->out_off);
		cp->out_off += n;
		con->stats.rx_bytes[port] += n;
		virtq_push(vq, e->head, n);
		pushed = true;
	}
	buf_consume(&cp->out, &cp->out_off);
	if (pushed)
		virtio_dev_notify_used(&con->dev, vq);
}

/* Locked. One control message per buffer, as the driver expects. */
static void flush_ctrl(struct virtio_console *con)
{
	struct virtq *vq = &con->vqs[CTRL_RX];
	struct virtq_elem *e = &con->elem;
	bool pushed = false;
	uint32_t len;

	while (con->ctrl_off < con->ctrl_out.len && virtq_pop(vq, e) > 0) {
		memcpy(&len, con->ctrl_out.data + con->ctrl_off, sizeof(len));
		pushed = true;
		/* Too small: hand it back empty, keep the message for the next. */
		if (e->wr_len < len) {
			con->stats.invalid_bufs++;
			virtq_push(vq, e->head, 0);
			continue;
		}
		virtq_copy_to(e, con->ctrl_out.data + con->ctrl_off + 4, len);
		virtq_push(vq, e->head, len);
		con->ctrl_off += 4 + len;
	}
	buf_consume(&con->ctrl_out, &con->ctrl_off);
	if (pushed)
		virtio_dev_notify_used(&con->dev, vq);
}

/* Locked. Queues a control message; @name is appended unterminated. */
static void ctrl_send(struct virtio_console *con, uint32_t id, uint16_t event,
		      uint16_t value, const char *name)
{
	struct virtio_console_control c = {
		.id = htole32(id),
		.event = htole16(event),
		.value = htole16(value),
	};
	uint32_t len = sizeof(c) + (name ? strlen(name) : 0);

	if (con->ctrl_out.len - con->ctrl_off + 4 + len > CON_CTRL_OUT_MAX) {
		con->stats.ctrl_dropped++;
		return;
	}
	buf_put(&con->ctrl_out, &len, sizeof(len));
	buf_put(&con->ctrl_out, &c, sizeof(c));
	if (name)
		buf_put(&con->ctrl_out, name, strlen(name));
}

static void port_ready(struct virtio_console *con, uint32_t id, uint16_t ok)
{
	if (!ok) {
		pr_warn("virtio-console: guest could not add port %u", id);
		return;
	}
	if (id == CON_PORT_CONSOLE)
		ctrl_send(con, id, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	ctrl_send(con, id, VIRTIO_CONSOLE_PORT_NAME, 1, port_names[id]);
	ctrl_send(con, id, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
}

/* Locked. One message from the guest driver. */
static void handle_ctrl(struct virtio_console *con, uint32_t id,
			uint16_t event, uint16_t value)
{
	uint32_t p;

	con->stats.ctrl_msgs++;
	if (event == VIRTIO_CONSOLE_DEVICE_READY) {
		if (!value)
			pr_warn("virtio-console: guest driver failed to start");
		for (p = 0; value && p < CON_NR_PORTS; p++)
			ctrl_send(con, p, VIRTIO_CONSOLE_PORT_ADD, 0, NULL);
		return;
	}
	if (id >= CON_NR_PORTS) {
		con->stats.bad_ctrl++;
		return;
	}
	switch (event) {
	case VIRTIO_CONSOLE_PORT_READY:
		port_ready(con, id, value);
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		con->ports[id].guest_open = value;
		break;
	default:
		con->stats.bad_ctrl++;
	}
}

static void ctrl_tx(struct virtio_console *con)
{
	struct virtq *vq = &con->vqs[CTRL_TX];
	struct virtq_elem *e = &con->elem;
	struct virtio_console_control c;
	bool pushed = false;
	unsigned int p;

	pthread_mutex_lock(&con->dev.lock);
	while (virtq_pop(vq, e) > 0) {
		if (virtq_copy_from(e, &c, sizeof(c)) < sizeof(c))
			con->stats.invalid_bufs++;
		else
			handle_ctrl(con, le32toh(c.id), le16toh(c.event),
				    le16toh(c.value));
		virtq_push(vq, e->head, 0);
		pushed = true;
	}
	if (pushed)
		virtio_dev_notify_used(&con->dev, vq);
	flush_ctrl(con);
	/* A port may have just been opened. */
	for (p = 0; p < CON_NR_PORTS; p++)
		flush_port(con, p);
	pthread_mutex_unlock(&con->dev.lock);
}

/*
 * Guest -> host. The callback gets the guest's buffers directly and runs
 * without dev.lock; a reset meanwhile (reset_gen) means the chain is no
 * longer ours to return. Guest RAM stays mapped, so the pointers stay safe.
 */
static void port_tx(struct virtio_console *con, unsigned int port)
{
	struct virtq *vq = &con->vqs[tx_queue(port)];
	struct virtq_elem *e = &con->tx_elem;
	bool pushed = false;
	uint64_t gen;
	unsigned int i;

	pthread_mutex_lock(&con->tx_lock);
	for (;;) {
		pthread_mutex_lock(&con->dev.lock);
		if (virtq_pop(vq, e) <= 0) {
			if (pushed)
				virtio_dev_notify_used(&con->dev, vq);
			pthread_mutex_unlock(&con->dev.lock);
			break;
		}
		gen = con->reset_gen;
		if (e->nr_wr)
			con->stats.invalid_bufs++;
		con->stats.tx_bytes[port] += e->rd_len;
		pthread_mutex_unlock(&con->dev.lock);

		for (i = 0; i < e->nr_rd && con->on_output; i++)
			con->on_output(con->opaque, port, e->rd[i].iov_base,
				       e->rd[i].iov_len);

		pthread_mutex_lock(&con->dev.lock);
		if (gen == con->reset_gen && !virtq_push(vq, e->head, 0))
			pushed = true;
		pthread_mutex_unlock(&con->dev.lock);
	}
	pthread_mutex_unlock(&con->tx_lock);
}

static void con_queue_notify(struct virtio_dev *dev, uint32_t q)
{
	struct virtio_console *con = to_con(dev);

	if (q == CTRL_TX) {
		ctrl_tx(con);
	} else if (q & 1) {
		port_tx(con, queue_port(q));
	} else {
		pthread_mutex_lock(&dev->lock);
		if (q == CTRL_RX)
			flush_ctrl(con);
		else
			flush_port(con, queue_port(q));
		pthread_mutex_unlock(&dev->lock);
	}
}

static uint64_t con_features(struct virtio_dev *dev)
{
	return 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
}

static void con_config_read(struct virtio_dev *dev, uint32_t off,
			    uint8_t *data, uint32_t len)
{
	struct virtio_console_config cfg = {
		.max_nr_ports = htole32(CON_NR_PORTS),
	};

	if (off <= sizeof(cfg) && len <= sizeof(cfg) - off)
		memcpy(data, (uint8_t *)&cfg + off, len);
	else
		dev->nr_bad_access++;
}

/* Pending host output survives a driver reset; the control dialogue not. */
static void con_reset(struct virtio_dev *dev)
{
	struct virtio_console *con = to_con(dev);
	unsigned int p;

	con->reset_gen++;
	for (p = 0; p < CON_NR_PORTS; p++)
		con->ports[p].guest_open = false;
	con->ctrl_out.len = con->ctrl_off = 0;
}

static const struct virtio_ops con_ops = {
	.features	= con_features,
	.config_read	= con_config_read,
	.queue_notify	= con_queue_notify,
	.reset		= con_reset,
};

struct virtio_console *virtio_console_new(struct vm *vm, con_output_fn fn,
					  void *opaque)
{
	struct virtio_console *con = xzalloc(sizeof(*con));

	con->on_output = fn;
	con->opaque = opaque;
	pthread_mutex_init(&con->tx_lock, NULL);
	virtio_dev_init(&con->dev, vm, "console", VIRTIO_ID_CONSOLE, &con_ops,
			con->vqs, CON_NR_QUEUES, VIRTQ_MAX_SIZE, con);
	virtio_mmio_setup(&con->mmio, vm, &con->dev, 0, 0);
	return con;
}

struct virtio_console *virtio_console_create(struct vm *vm, uint64_t base,
					     uint32_t gsi, con_output_fn fn,
					     void *opaque)
{
	struct virtio_console *con = virtio_console_new(vm, fn, opaque);

	if (virtio_mmio_init(vm, &con->mmio, &con->dev, base, gsi)) {
		virtio_console_destroy(con);
		return NULL;
	}
	return con;
}

void virtio_console_destroy(struct virtio_console *con)
{
	unsigned int p;

	if (!con)
		return;
	virtio_mmio_exit(&con->mmio);
	virtio_dev_exit(&con->dev);
	pthread_mutex_destroy(&con->tx_lock);
	for (p = 0; p < CON_NR_PORTS; p++)
		buf_free(&con->ports[p].out);
	buf_free(&con->ctrl_out);
	free(con);
}

int virtio_console_send(struct virtio_console *con, unsigned int port,
			const void *data, size_t len)
{
	struct con_port *cp;
	int ret = 0;

	if (port >= CON_NR_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&con->dev.lock);
	cp = &con->ports[port];
	/* All or nothing: half a relay message is worse than none. */
	if (len > CON_OUT_MAX - (cp->out.len - cp->out_off)) {
		con->stats.dropped_bytes += len;
		ret = -ENOBUFS;
	} else {
		buf_put(&cp->out, data, len);
		flush_port(con, port);
	}
	pthread_mutex_unlock(&con->dev.lock);
	return ret;
}

bool virtio_console_port_open(struct virtio_console *con, unsigned int port)
{
	bool open;

	if (port >= CON_NR_PORTS)
		return false;
	pthread_mutex_lock(&con->dev.lock);
	open = con->ports[port].guest_open;
	pthread_mutex_unlock(&con->dev.lock);
	return open;
}

void virtio_console_get_stats(struct virtio_console *con,
			      struct virtio_console_stats *st)
{
	pthread_mutex_lock(&con->dev.lock);
	*st = con->stats;
	pthread_mutex_unlock(&con->dev.lock);
}
