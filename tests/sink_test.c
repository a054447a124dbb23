// SPDX-License-Identifier: GPL-2.0
/*
 * Caps on guest->host bytes: buf_put_capped(), the VMM's channel sinks,
 * the channel's frame cap, and the FAIL that names the cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/verdict.h"
#include "harness/channel.h"
#include "harness/tlv.h"
#include "vmm/sink.h"

#include "kselftest_harness.h"

TEST(buf_put_capped_keeps_below_cap)
{
	struct buf b = {};

	EXPECT_EQ(0U, buf_put_capped(&b, "hello", 5, 8));
	EXPECT_EQ(2U, buf_put_capped(&b, "world", 5, 8));
	EXPECT_EQ(8U, b.len);
	EXPECT_EQ(0, memcmp(b.data, "hellowor", 8));
	EXPECT_LE(b.cap, 8U);
	EXPECT_EQ(3U, buf_put_capped(&b, "abc", 3, 8));
	EXPECT_EQ(8U, b.len);
	buf_free(&b);
	EXPECT_EQ(4U, buf_put_capped(&b, "abcd", 4, 0));
	EXPECT_EQ(0U, b.len);
	buf_free(&b);
}

/*
 * 20 MiB into COM1 (cap 16 MiB) in 64 KiB writes, streamed to /dev/null:
 * 16 MiB kept, 4 MiB counted, the buffer never allocated past the cap,
 * and every byte still streamed.
 */
TEST(sink_flood_bounded)
{
	static uint8_t chunk[65536];
	uint64_t dropped[VMM_NR_CHANS] = {};
	struct vmm_sink s;
	struct buf b = {};
	int fd = open("/dev/null", O_WRONLY), i;
	char err[512];

	ASSERT_LE(0, fd);
	memset(chunk, 'x', sizeof(chunk));
	vmm_sink_init(&s, &b, VMM_COM1_CAP, &dropped[VMM_CHAN_COM1], fd);
	for (i = 0; i < 20 * 16; i++)
		vmm_sink_put(&s, chunk, sizeof(chunk));
	EXPECT_EQ(16 * SZ_1M, b.len);
	EXPECT_LE(b.cap, 16 * SZ_1M);
	EXPECT_EQ(4 * SZ_1M, dropped[VMM_CHAN_COM1]);
	EXPECT_EQ(fd, s.fd);		/* still streaming */
	EXPECT_NE(0U, s.first_ns);
	vmm_cap_errors(dropped, err, sizeof(err));
	EXPECT_STREQ("guest output over the cap: COM1 dropped 4194304 bytes past 16 MiB",
		     err);
	close(fd);
	buf_free(&b);
}

TEST(cap_errors_name_every_channel)
{
	uint64_t dropped[VMM_NR_CHANS] = {};
	char err[512];

	vmm_cap_errors(dropped, err, sizeof(err));
	EXPECT_STREQ("", err);
	dropped[VMM_CHAN_DATA] = 5;
	dropped[VMM_CHAN_HVC] = 7;
	vmm_cap_errors(dropped, err, sizeof(err));
	EXPECT_STREQ("guest output over the cap: data port (ktstr.data) dropped 5 bytes past 64 MiB; hvc0 dropped 7 bytes past 16 MiB",
		     err);
	/* Cut short, never overrun. */
	memset(err, 'z', sizeof(err));
	vmm_cap_errors(dropped, err, 40);
	EXPECT_EQ(39U, strlen(err));
	EXPECT_EQ('z', err[40]);
	EXPECT_EQ(64 * SZ_1M, vmm_chan_cap(VMM_CHAN_DATA));
	EXPECT_STREQ("COM2", vmm_chan_name(VMM_CHAN_COM2));
}

/* A stream of empty frames: CHANNEL_MAX_FRAMES kept, the rest counted. */
TEST(channel_frame_cap)
{
	struct channel_log log;
	struct buf w = {};
	char err[320];
	int i;

	for (i = 0; i < CHANNEL_MAX_FRAMES + 10; i++)
		tlv_encode(&w, TLV_LOG, NULL, 0);
	channel_decode(w.data, w.len, &log);
	EXPECT_EQ(CHANNEL_MAX_FRAMES, log.nr);
	EXPECT_EQ(10U, log.dropped);
	channel_errors(&log, err, sizeof(err));
	EXPECT_NE(NULL, strstr(err, "10 frame(s) past 1048576 (CHANNEL_MAX_FRAMES) dropped"));
	channel_log_free(&log);
	buf_free(&w);
}

/* A complete PASS with output lost over a cap is a FAIL naming the cap. */
TEST(cap_error_fails_a_pass)
{
	static const struct ktstr_test t = { .name = "t", .category = "boot" };
	const char *com2 = RESULT_START "\nverdict=PASS\n" RESULT_END "\nKTSTR_EXIT=0\n";
	struct run_outcome o = {
		.exit_kind = VM_EXIT_POWEROFF, .exit_msg = "stopped",
		.com1 = "", .com2 = com2, .com2_len = strlen(com2),
	};
	struct guest_result r;
	char msg[512];

	EXPECT_EQ(KTSTR_PASS, evaluate_run(&t, &o, &r, msg, sizeof(msg)));
	result_free(&r);
	o.cap_error = "guest output over the cap: COM1 dropped 1 bytes past 16 MiB";
	EXPECT_EQ(KTSTR_FAIL, evaluate_run(&t, &o, &r, msg, sizeof(msg)));
	EXPECT_STREQ(o.cap_error, msg);
	result_free(&r);
}

struct fake_con {
	pthread_mutex_t lock;
	struct buf got;
	int in_send, sends;
	int hold_ms;		/* time spent inside, lock held */
};

static int fake_send(void *opaque, const void *data, size_t len)
{
	struct fake_con *c = opaque;

	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->in_send, 1, __ATOMIC_RELEASE);
	buf_put(&c->got, data, len);
	if (c->hold_ms)
		usleep(c->hold_ms * 1000);	/* a cancellation point */
	c->sends++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void wait_for(int *flag)
{
	int i;

	for (i = 0; i < 1000 && !__atomic_load_n(flag, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
}

TEST(input_forwards_then_stops)
{
	struct fake_con c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct vmm_input in = {};
	uint64_t t0;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, vmm_input_start(&in, p[0], fake_send, &c));
	ASSERT_EQ(5, write(p[1], "hello", 5));
	wait_for(&c.in_send);
	usleep(20000);
	/* Idle in poll(), the reader still open: stops at once. */
	t0 = now_ns();
	vmm_input_stop(&in);
	EXPECT_LT(now_ns() - t0, 500 * 1000000ULL);
	EXPECT_FALSE(in.started);
	ASSERT_EQ(5U, c.got.len);
	EXPECT_EQ(0, memcmp(c.got.data, "hello", 5));
	vmm_input_stop(&in);		/* twice: a no-op */
	close(p[0]);
	close(p[1]);
	buf_free(&c.got);
}

/*
 * Stopped while the sender holds the console lock: the old pthread_cancel()
 * could end the thread there with the lock held. Now stop waits for the
 * send to finish and the lock is free after.
 */
TEST(input_stop_never_leaves_lock_held)
{
	struct fake_con c = { .lock = PTHREAD_MUTEX_INITIALIZER, .hold_ms = 200 };
	struct vmm_input in = {};
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, vmm_input_start(&in, p[0], fake_send, &c));
	ASSERT_EQ(1, write(p[1], "x", 1));
	wait_for(&c.in_send);
	ASSERT_EQ(1, __atomic_load_n(&c.in_send, __ATOMIC_ACQUIRE));
	vmm_input_stop(&in);
	EXPECT_EQ(1, c.sends);
	EXPECT_EQ(0, pthread_mutex_trylock(&c.lock));
	pthread_mutex_unlock(&c.lock);
	close(p[0]);
	close(p[1]);
	buf_free(&c.got);
}

/* The reader's end closed (EOF): the thread ends by itself. */
TEST(input_eof_ends_thread)
{
	struct fake_con c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct vmm_input in = {};
	int p[2], i, r = EBUSY;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, vmm_input_start(&in, p[0], fake_send, &c));

	close(p[1]);
	for (i = 0; i < 1000 && r == EBUSY; i++) {
		usleep(1000);
		r = pthread_tryjoin_np(in.thread, NULL);
	}
	EXPECT_EQ(0, r);		/* it ended on its own */
	EXPECT_EQ(0, c.sends);
	in.started = false;		/* joined here */
	close(in.stop[0]);
	close(in.stop[1]);
	close(p[0]);
}

TEST_HARNESS_MAIN
