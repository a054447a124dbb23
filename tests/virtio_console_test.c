// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console through the virtio-mmio registers, with a small guest
 * driver in the test: probe, feature negotiation, queue setup, the
 * multiport control dialogue, data both ways, and a driver that breaks
 * the device.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "vmm/arch.h"
#include "vmm/vm.h"
#include "virtio/console.h"
#include "harness/topology.h"
#include "harness/tlv.h"
#include "kselftest_harness.h"

/* The driver's RAM (rings, then buffers): here, or a KVM VM's RAM. */
#define RAM	0x100000ULL
#define RAM_SZ	0x100000ULL
#define NUM	16
#define BUFSZ	0x1000
/* desc, +0x400 avail, +0x800 used */
#define RING(s, q)	((s)->ram_gpa + (q) * 0x2000ULL)
#define BUF(s, q, slot)	((s)->ram_gpa + 0x40000 + \
			 ((q) * NUM + (slot)) * (uint64_t)BUFSZ)
#define PORT_RX(p) ((p) ? 2 * (p) + 2 : 0)
#define PORT_TX(p) (PORT_RX(p) + 1)
#define CTRL_RX	2
#define CTRL_TX	3

struct gq {
	uint16_t avail_idx, used_seen;
};

struct output {
	struct buf port[CON_NR_PORTS];
	struct tlv_decoder tlv;
	int frames;
	uint16_t last_type;
};

FIXTURE(con) {
	struct vm vm;
	uint8_t *ram;
	uint64_t ram_gpa;
	struct virtio_console *con;
	struct gq gq[CON_NR_QUEUES];
	struct output out;
};

/* A plain name for the fixture type, for the helpers below. */
typedef FIXTURE_DATA(con) conf_t;

static void on_frame(void *opaque, uint16_t type, const uint8_t *p,
		     uint32_t len)
{
	struct output *o = opaque;

	o->frames++;
	o->last_type = type;
}

static void on_output(void *opaque, unsigned int port, const uint8_t *data,
		      size_t len)
{
	struct output *o = opaque;

	buf_put(&o->port[port], data, len);
	if (port == CON_PORT_DATA)
		tlv_decoder_feed(&o->tlv, data, len);
}

static void *gpa(conf_t *self, uint64_t a)
{
	return self->ram + (a - self->ram_gpa);
}

static uint32_t rd(conf_t *self, uint64_t off)
{
	uint32_t v = 0;

	virtio_mmio_io(NULL, off, (uint8_t *)&v, 4, false, &self->con->mmio);
	return v;
}

static void wr(conf_t *self, uint64_t off, uint32_t v)
{
	virtio_mmio_io(NULL, off, (uint8_t *)&v, 4, true, &self->con->mmio);
}

static void setup_queue(conf_t *self, unsigned int q)
{
	wr(self, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(self, VIRTIO_MMIO_QUEUE_NUM, NUM);
	wr(self, VIRTIO_MMIO_QUEUE_DESC_LOW, RING(self, q));
	wr(self, VIRTIO_MMIO_QUEUE_DESC_HIGH, RING(self, q) >> 32);
	wr(self, VIRTIO_MMIO_QUEUE_AVAIL_LOW, RING(self, q) + 0x400);
	wr(self, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (RING(self, q) + 0x400) >> 32);
	wr(self, VIRTIO_MMIO_QUEUE_USED_LOW, RING(self, q) + 0x800);
	wr(self, VIRTIO_MMIO_QUEUE_USED_HIGH, (RING(self, q) + 0x800) >> 32);
	wr(self, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Guest: offer one buffer (writable, or readable holding @data). */
static void post(conf_t *self, unsigned int q, const void *data,
		 uint32_t len)
{
	struct gq *g = &self->gq[q];
	uint16_t slot = g->avail_idx % NUM;
	struct vring_desc *d = gpa(self, RING(self, q));
	struct vring_avail *a = gpa(self, RING(self, q) + 0x400);

	d[slot] = (struct vring_desc){ BUF(self, q, slot), data ? len : BUFSZ,
				       data ? 0 : VRING_DESC_F_WRITE, 0 };
	if (data)
		memcpy(gpa(self, BUF(self, q, slot)), data, len);
	a->ring[slot] = slot;
	__atomic_store_n(&a->idx, ++g->avail_idx, __ATOMIC_RELEASE);
}

/* Guest: next used buffer of @q, or NULL. */
static uint8_t *used(conf_t *self, unsigned int q, uint32_t *len)
{
	struct gq *g = &self->gq[q];
	struct vring_used *u = gpa(self, RING(self, q) + 0x800);
	struct vring_used_elem *e;

	if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == g->used_seen)
		return NULL;
	e = &u->ring[g->used_seen++ % NUM];
	*len = e->len;
	return gpa(self, BUF(self, q, e->id));
}

static void send_ctrl(conf_t *self, uint32_t id, uint16_t event,
		      uint16_t value)
{
	struct virtio_console_control c = { id, event, value };

	post(self, CTRL_TX, &c, sizeof(c));
	wr(self, VIRTIO_MMIO_QUEUE_NOTIFY, CTRL_TX);
}

/* Guest: next control message from the device must be @id/@event/@value. */
static void expect_ctrl(struct __test_metadata *_metadata,
			conf_t *self, uint32_t id, uint16_t event,
			uint16_t value, const char *name)
{
	struct virtio_console_control c;
	uint32_t len = 0;
	uint8_t *p = used(self, CTRL_RX, &len);

	ASSERT_NE(NULL, p);
	ASSERT_LE(sizeof(c), len);
	memcpy(&c, p, sizeof(c));
	EXPECT_EQ(id, c.id);
	EXPECT_EQ(event, c.event);
	EXPECT_EQ(value, c.value);
	if (name) {
		ASSERT_EQ(sizeof(c) + strlen(name), len);
		EXPECT_EQ(0, memcmp(p + sizeof(c), name, strlen(name)));
	}
	post(self, CTRL_RX, NULL, 0);		/* recycle, like Linux */
}

static void negotiate(conf_t *self, uint64_t features)
{
	wr(self, VIRTIO_MMIO_STATUS, 0);
	wr(self, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(self, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				     VIRTIO_CONFIG_S_DRIVER);
	wr(self, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(self, VIRTIO_MMIO_DRIVER_FEATURES, features);
	wr(self, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(self, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	wr(self, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		 VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
}

#define GOOD_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | \
		       (1ULL << VIRTIO_CONSOLE_F_MULTIPORT))
#define STATUS_OK (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
		   VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)

/* The Linux driver's bring-up, up to all ports named and open. */
static void bring_up(struct __test_metadata *_metadata, conf_t *self)
{
	unsigned int q, p;
	int i;

	negotiate(self, GOOD_FEATURES);
	ASSERT_TRUE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (q = 0; q < CON_NR_QUEUES; q++) {
		setup_queue(self, q);
		ASSERT_EQ(1U, rd(self, VIRTIO_MMIO_QUEUE_READY));
	}
	wr(self, VIRTIO_MMIO_STATUS, STATUS_OK);
	for (i = 0; i < 8; i++)
		post(self, CTRL_RX, NULL, 0);
	send_ctrl(self, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (p = 0; p < CON_NR_PORTS; p++)
		expect_ctrl(_metadata, self, p, VIRTIO_CONSOLE_PORT_ADD, 0, NULL);
	for (p = 0; p < CON_NR_PORTS; p++) {
		for (i = 0; i < 4; i++)
			post(self, PORT_RX(p), NULL, 0);
		send_ctrl(self, p, VIRTIO_CONSOLE_PORT_READY, 1);
		if (p == 0)
			expect_ctrl(_metadata, self, 0,
				    VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
		expect_ctrl(_metadata, self, p, VIRTIO_CONSOLE_PORT_NAME, 1,
			    virtio_console_port_name(p));
		expect_ctrl(_metadata, self, p, VIRTIO_CONSOLE_PORT_OPEN, 1,
			    NULL);
	}
}

FIXTURE_SETUP(con)
{
	memset(&self->vm, 0, sizeof(self->vm));
	memset(self->gq, 0, sizeof(self->gq));
	memset(&self->out, 0, sizeof(self->out));
	self->ram = aligned_alloc(4096, RAM_SZ);
	ASSERT_NE(NULL, self->ram);
	memset(self->ram, 0, RAM_SZ);
	self->ram_gpa = RAM;
	self->vm.regions[0] = (struct mem_region){ .gpa = RAM, .size = RAM_SZ,
						   .hva = self->ram };
	self->vm.nr_regions = 1;
	tlv_decoder_init(&self->out.tlv, on_frame, &self->out);
	self->con = virtio_console_new(&self->vm, on_output, &self->out);
	ASSERT_NE(NULL, self->con);
}

FIXTURE_TEARDOWN(con)
{
	unsigned int p;

	virtio_console_destroy(self->con);
	tlv_decoder_free(&self->out.tlv);
	for (p = 0; p < CON_NR_PORTS; p++)
		buf_free(&self->out.port[p]);
	free(self->ram);
}

TEST_F(con, probe_registers)
{
	uint8_t b[4] = { 0xff, 0xff, 0xff, 0xff };
	uint32_t ports = 0;

	EXPECT_EQ(0x74726976U, rd(self, VIRTIO_MMIO_MAGIC_VALUE));
	EXPECT_EQ(2U, rd(self, VIRTIO_MMIO_VERSION));
	EXPECT_EQ((uint32_t)VIRTIO_ID_CONSOLE, rd(self, VIRTIO_MMIO_DEVICE_ID));
	EXPECT_EQ(VIRTIO_MMIO_VENDOR, rd(self, VIRTIO_MMIO_VENDOR_ID));
	wr(self, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	EXPECT_EQ(1U << VIRTIO_CONSOLE_F_MULTIPORT,
		  rd(self, VIRTIO_MMIO_DEVICE_FEATURES));
	wr(self, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	EXPECT_EQ(1U, rd(self, VIRTIO_MMIO_DEVICE_FEATURES));	/* VERSION_1 */
	wr(self, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_DEVICE_FEATURES));
	wr(self, VIRTIO_MMIO_QUEUE_SEL, CON_NR_QUEUES - 1);
	EXPECT_EQ(VIRTQ_MAX_SIZE, rd(self, VIRTIO_MMIO_QUEUE_NUM_MAX));
	wr(self, VIRTIO_MMIO_QUEUE_SEL, CON_NR_QUEUES);
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_QUEUE_NUM_MAX));
	/* max_nr_ports lives at offset 4 of the config space. */
	virtio_mmio_io(NULL, VIRTIO_MMIO_CONFIG + 4, (uint8_t *)&ports, 4,
		       false, &self->con->mmio);
	EXPECT_EQ((uint32_t)CON_NR_PORTS, ports);
	virtio_mmio_io(NULL, VIRTIO_MMIO_CONFIG + 0x20, b, 4, false,
		       &self->con->mmio);
	EXPECT_EQ(0, b[0] | b[1] | b[2] | b[3]);
	/* Registers are 32-bit only. */
	virtio_mmio_io(NULL, VIRTIO_MMIO_MAGIC_VALUE, b, 2, false,
		       &self->con->mmio);
	EXPECT_EQ(0, b[0] | b[1]);
	EXPECT_EQ(2U, self->con->dev.nr_bad_access);
}

TEST_F(con, cmdline)
{
	struct buf cmd = {};

	virtio_mmio_setup(&self->con->mmio, &self->vm, &self->con->dev,
			  0xd0000000, 5);
	virtio_mmio_cmdline(&self->con->mmio, &cmd);
	buf_putc(&cmd, '\0');
	EXPECT_STREQ(" virtio_mmio.device=0x200@0xd0000000:5", (char *)cmd.data);
	buf_free(&cmd);
}

TEST_F(con, features_refused)
{
	negotiate(self, 1ULL << VIRTIO_CONSOLE_F_MULTIPORT);	/* no VERSION_1 */
	EXPECT_FALSE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	negotiate(self, GOOD_FEATURES | (1ULL << VIRTIO_RING_F_INDIRECT_DESC));
	EXPECT_FALSE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	negotiate(self, GOOD_FEATURES);
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
}

TEST_F(con, control_dialogue_and_data)
{
	static const char hello[] = "hello from the host";
	struct virtio_console_stats st;
	struct buf frame = {};
	uint32_t len;
	uint8_t *p;

	/* Queued before the guest even set up its queues. */
	ASSERT_EQ(0, virtio_console_send(self->con, CON_PORT_STATS, hello,
					 sizeof(hello)));
	bring_up(_metadata, self);
	EXPECT_GT(self->con->dev.nr_irqs, 0U);
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
	wr(self, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_INTERRUPT_STATUS));

	/* Held until the guest opens the port (Linux would discard it). */
	EXPECT_EQ(NULL, used(self, PORT_RX(CON_PORT_STATS), &len));
	EXPECT_FALSE(virtio_console_port_open(self->con, CON_PORT_STATS));
	send_ctrl(self, CON_PORT_STATS, VIRTIO_CONSOLE_PORT_OPEN, 1);
	EXPECT_TRUE(virtio_console_port_open(self->con, CON_PORT_STATS));
	p = used(self, PORT_RX(CON_PORT_STATS), &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(sizeof(hello), len);
	EXPECT_STREQ(hello, (char *)p);

	/* Guest -> host: a TLV frame split over two writes on port 1. */
	tlv_encode(&frame, TLV_TEST_RESULT, "pass", 4);
	post(self, PORT_TX(CON_PORT_DATA), frame.data, 5);
	wr(self, VIRTIO_MMIO_QUEUE_NOTIFY, PORT_TX(CON_PORT_DATA));
	EXPECT_EQ(0, self->out.frames);
	post(self, PORT_TX(CON_PORT_DATA), frame.data + 5, frame.len - 5);
	wr(self, VIRTIO_MMIO_QUEUE_NOTIFY, PORT_TX(CON_PORT_DATA));
	EXPECT_EQ(1, self->out.frames);
	EXPECT_EQ(TLV_TEST_RESULT, self->out.last_type);
	ASSERT_NE(NULL, used(self, PORT_TX(CON_PORT_DATA), &len));
	ASSERT_NE(NULL, used(self, PORT_TX(CON_PORT_DATA), &len));

	post(self, PORT_TX(CON_PORT_CONSOLE), "boot\n", 5);
	wr(self, VIRTIO_MMIO_QUEUE_NOTIFY, PORT_TX(CON_PORT_CONSOLE));
	ASSERT_EQ(5U, self->out.port[CON_PORT_CONSOLE].len);
	EXPECT_EQ(0, memcmp(self->out.port[CON_PORT_CONSOLE].data, "boot\n", 5));

	virtio_console_get_stats(self->con, &st);
	EXPECT_EQ(frame.len, st.tx_bytes[CON_PORT_DATA]);
	EXPECT_EQ(sizeof(hello), st.rx_bytes[CON_PORT_STATS]);
	EXPECT_EQ(0U, st.invalid_bufs + st.bad_ctrl + st.dropped_bytes);
	EXPECT_EQ(rd(self, VIRTIO_MMIO_STATUS), (uint32_t)STATUS_OK);
	buf_free(&frame);
}

TEST_F(con, large_send_spans_buffers)
{
	static uint8_t big[3 * BUFSZ + 100];
	uint32_t len, total = 0;
	uint8_t *p;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = i;
	bring_up(_metadata, self);
	send_ctrl(self, CON_PORT_STATS, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ASSERT_EQ(0, virtio_console_send(self->con, CON_PORT_STATS, big,
					 sizeof(big)));
	while ((p = used(self, PORT_RX(CON_PORT_STATS), &len))) {
		ASSERT_EQ(0, memcmp(p, big + total, len));
		total += len;
	}
	EXPECT_EQ(sizeof(big), total);
	EXPECT_EQ(-EINVAL, virtio_console_send(self->con, 7, "x", 1));
}

TEST_F(con, bad_control_messages_counted)
{
	struct virtio_console_stats st;
	uint32_t len;

	bring_up(_metadata, self);
	send_ctrl(self, 9, VIRTIO_CONSOLE_PORT_OPEN, 1);	/* no such port */
	send_ctrl(self, 1, 77, 0);				/* no such event */
	post(self, CTRL_TX, "abc", 3);				/* too short */
	wr(self, VIRTIO_MMIO_QUEUE_NOTIFY, CTRL_TX);
	virtio_console_get_stats(self->con, &st);
	EXPECT_EQ(2U, st.bad_ctrl);
	EXPECT_EQ(1U, st.invalid_bufs);
	EXPECT_EQ(NULL, used(self, CTRL_RX, &len));
	/* Still healthy. */
	EXPECT_EQ((uint32_t)STATUS_OK, rd(self, VIRTIO_MMIO_STATUS));
}

TEST_F(con, bad_ring_needs_reset)
{
	uint64_t irqs;

	bring_up(_metadata, self);
	irqs = self->con->dev.nr_irqs;
	/* A descriptor pointing outside RAM on the data port. */
	post(self, PORT_TX(CON_PORT_DATA), "x", 1);
	((struct vring_desc *)gpa(self, RING(self, PORT_TX(CON_PORT_DATA))))[0].addr = 0x1000;
	wr(self, VIRTIO_MMIO_QUEUE_NOTIFY, PORT_TX(CON_PORT_DATA));
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	EXPECT_EQ(irqs + 1, self->con->dev.nr_irqs);
	EXPECT_EQ(0U, self->out.port[CON_PORT_DATA].len);
	/* NEEDS_RESET sticks until the driver resets. */
	wr(self, VIRTIO_MMIO_STATUS, STATUS_OK);
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	wr(self, VIRTIO_MMIO_STATUS, 0);
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_STATUS));
	wr(self, VIRTIO_MMIO_QUEUE_SEL, PORT_TX(CON_PORT_DATA));
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_QUEUE_READY));
	EXPECT_FALSE(self->con->vqs[PORT_TX(CON_PORT_DATA)].broken);
	EXPECT_FALSE(virtio_console_port_open(self->con, CON_PORT_DATA));
}

TEST_F(con, bad_queue_setup_needs_reset)
{
	negotiate(self, GOOD_FEATURES);
	wr(self, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(self, VIRTIO_MMIO_QUEUE_NUM, 12);		/* not a power of two */
	wr(self, VIRTIO_MMIO_QUEUE_DESC_LOW, RING(self, 0));
	wr(self, VIRTIO_MMIO_QUEUE_AVAIL_LOW, RING(self, 0) + 0x400);
	wr(self, VIRTIO_MMIO_QUEUE_USED_LOW, RING(self, 0) + 0x800);
	wr(self, VIRTIO_MMIO_QUEUE_READY, 1);
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_QUEUE_READY));
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);

	wr(self, VIRTIO_MMIO_STATUS, 0);
	wr(self, VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(self, VIRTIO_MMIO_QUEUE_NUM, NUM);
	wr(self, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	wr(self, VIRTIO_MMIO_QUEUE_DESC_HIGH, 1);	/* 4 GiB: not RAM */
	wr(self, VIRTIO_MMIO_QUEUE_AVAIL_LOW, RING(self, 1) + 0x400);
	wr(self, VIRTIO_MMIO_QUEUE_USED_LOW, RING(self, 1) + 0x800);
	wr(self, VIRTIO_MMIO_QUEUE_READY, 1);
	EXPECT_EQ(0U, rd(self, VIRTIO_MMIO_QUEUE_READY));
	EXPECT_TRUE(rd(self, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

TEST_F(con, send_backlog_limit)
{
	static uint8_t chunk[SZ_1M];
	struct virtio_console_stats st;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, virtio_console_send(self->con, CON_PORT_STATS,
						 chunk, sizeof(chunk)));
	EXPECT_EQ(-ENOBUFS, virtio_console_send(self->con, CON_PORT_STATS,
						chunk, 1));
	virtio_console_get_stats(self->con, &st);
	EXPECT_EQ(1U, st.dropped_bytes);
}

/* Waits up to 5s for the I/O thread to finish what a kick started. */
static bool wait_for(bool (*cond)(conf_t *), conf_t *d)
{
	int i;

	for (i = 0; i < 500 && !cond(d); i++)
		poll(NULL, 0, 10);
	return cond(d);
}

static bool tlv_arrived(conf_t *d)
{
	bool done;

	/* on_output runs on the I/O thread, under tx_lock. */
	pthread_mutex_lock(&d->con->tx_lock);
	done = d->out.frames == 1;
	pthread_mutex_unlock(&d->con->tx_lock);
	return done;
}

/* Kicks the ioeventfd the way KVM does on a guest QueueNotify write. */
static void kick(conf_t *d)
{
	uint64_t one = 1;

	if (write(d->con->mmio.notify_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/*
 * The KVM path: irqfd, QueueNotify ioeventfd and the I/O thread. No vCPU
 * runs; the test plays KVM by signalling the ioeventfd itself. The VM is
 * set up in the VMM's order, with the arch's own hooks: KVM_IRQFD needs an
 * initialised in-kernel irqchip, and aarch64 initialises its vGIC only
 * once the vCPUs exist.
 */
TEST(kvm_ioeventfd_thread)
{
	uint64_t base = vm_arch_virtio_base(0);
	struct buf frame = {};
	struct topology topo;
	conf_t d = {};
	char err[256];
	struct vm *vm;
	uint32_t id;
	int fd, i;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no /dev/kvm");
	close(fd);
	ASSERT_EQ(0, topology_parse("1n1l1c1t", 64ULL << 20, &topo, err,
				    sizeof(err)))
		TH_LOG("%s", err);
	vm = vm_create();
	ASSERT_EQ(0, vm_arch_init(vm));
	ASSERT_EQ(0, vm_arch_setup_memory(vm, &topo));
	id = vm_arch_vcpu_id(&topo, 0);
	ASSERT_EQ(0, vm_create_vcpus(vm, 1, &id));
	/* The test driver's rings and buffers in the first RAM region. */
	ASSERT_LE(RAM_SZ, vm->regions[0].size);
	d.ram_gpa = vm->regions[0].gpa;
	d.ram = vm->regions[0].hva;
	tlv_decoder_init(&d.out.tlv, on_frame, &d.out);
	d.con = virtio_console_create(vm, base, vm_arch_virtio_gsi(0),
				      on_output, &d.out);
	ASSERT_NE(NULL, d.con);
	ASSERT_LE(0, d.con->dev.irqfd);
	ASSERT_LE(0, d.con->mmio.notify_fd);
	ASSERT_TRUE(d.con->mmio.thread_started);
	ASSERT_EQ(1, vm->mmio.nr);
	EXPECT_EQ(base, vm->mmio.ranges[0].base);

	negotiate(&d, GOOD_FEATURES);
	for (i = 0; i < CON_NR_QUEUES; i++)
		setup_queue(&d, i);
	wr(&d, VIRTIO_MMIO_STATUS, STATUS_OK);
	tlv_encode(&frame, TLV_EXIT, "0", 1);
	post(&d, PORT_TX(CON_PORT_DATA), frame.data, frame.len);
	kick(&d);
	EXPECT_TRUE(wait_for(tlv_arrived, &d));
	EXPECT_EQ(TLV_EXIT, d.out.last_type);

	virtio_console_destroy(d.con);
	tlv_decoder_free(&d.out.tlv);
	buf_free(&d.out.port[CON_PORT_DATA]);
	buf_free(&frame);
	vm_destroy(vm);
}

TEST_HARNESS_MAIN
