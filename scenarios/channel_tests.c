// SPDX-License-Identifier: GPL-2.0
/*
 * "boot" category, the data channel: every TLV message type arrives in
 * order, corrupted frames make a test FAIL with their count, and without a
 * virtio-console the result still comes back on COM2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/channel.h"
#include "harness/test.h"
#include "vmm/sink.h"

static const uint16_t sent_types[] = {
	TLV_SCENARIO_START, TLV_STIMULUS, TLV_PAYLOAD_METRICS,
	TLV_RAW_PAYLOAD_OUTPUT, TLV_PROFRAW, TLV_SCHED_EXIT, TLV_LOG,
	TLV_SCENARIO_END,
};

static int channel_all_types(struct ktstr_ctx *ctx)
{
	char payload[64];
	size_t i;
	int r;

	if (ctx->data_fd < 0)
		return ktstr_fail(ctx, "no virtio data port named ktstr.data");
	for (i = 0; i < ARRAY_SIZE(sent_types); i++) {
		snprintf(payload, sizeof(payload), "%s #%zu",
			 tlv_type_name(sent_types[i]), i);
		r = ktstr_send(ctx, sent_types[i], payload, strlen(payload));
		if (r)
			return ktstr_fail(ctx, "send %s: %s",
					  tlv_type_name(sent_types[i]), strerror(-r));
	}
	return KTSTR_PASS;
}

/* The host saw each frame, in order, then the result and the exit code. */
static int check_all_types(const struct ktstr_run *run, char *msg,
			   size_t len)
{
	const struct channel_log *log = run->log;
	size_t i;
	char want[64];

	if (log->nr != (int)ARRAY_SIZE(sent_types) + 2) {
		snprintf(msg, len, "host got %d frames, expected %zu + result + exit",
			 log->nr, ARRAY_SIZE(sent_types));
		return KTSTR_FAIL;
	}
	for (i = 0; i < ARRAY_SIZE(sent_types); i++) {
		const struct channel_frame *f = &log->frames[i];

		snprintf(want, sizeof(want), "%s #%zu",
			 tlv_type_name(sent_types[i]), i);
		if (f->type != sent_types[i] || strcmp((char *)f->payload, want)) {
			snprintf(msg, len, "frame %zu: got %s '%s', expected '%s'",
				 i, tlv_type_name(f->type), (char *)f->payload, want);
			return KTSTR_FAIL;
		}
	}
	if (log->frames[i].type != TLV_TEST_RESULT ||
	    log->frames[i + 1].type != TLV_EXIT) {
		snprintf(msg, len, "the last frames are %s, %s, not TEST_RESULT, EXIT",
			 tlv_type_name(log->frames[i].type),
			 tlv_type_name(log->frames[i + 1].type));
		return KTSTR_FAIL;
	}
	snprintf(msg, len, "%d frames in order", log->nr);
	return KTSTR_PASS;
}
KTSTR_TEST(channel_all_types, .category = "boot",
	   .description = "every TLV message type reaches the host, in order",
	   .host_check = check_all_types);

/* A good frame with one payload bit flipped: its CRC no longer matches. */
static int channel_corrupt_frames(struct ktstr_ctx *ctx)
{
	static const char garbage[] = "not a frame at all";
	struct buf b = {};
	ssize_t n;

	if (ctx->data_fd < 0)
		return ktstr_fail(ctx, "no virtio data port named ktstr.data");
	tlv_encode(&b, TLV_LOG, "payload to corrupt", 18);
	b.data[TLV_HDR_LEN + 2] ^= 0x20;
	buf_put(&b, garbage, sizeof(garbage) - 1);
	n = write(ctx->data_fd, b.data, b.len);
	buf_free(&b);
	if (n < 0)
		return ktstr_fail(ctx, "write: %s", strerror(errno));
	return KTSTR_PASS;
}
KTSTR_TEST(channel_corrupt_frames, .category = "boot",
	   .description = "a corrupted data channel makes a passing body FAIL",
	   .expect = KTSTR_EXPECT_FAIL, .expect_msg = "corrupt data channel: 1 bad frame");

static int channel_com2_fallback(struct ktstr_ctx *ctx)
{
	if (ctx->data_fd >= 0)
		return ktstr_fail(ctx, "a data port exists though the VM has no virtio-console");
	ktstr_diag(ctx, "no data port, result goes to COM2");
	return KTSTR_PASS;
}
KTSTR_TEST(channel_com2_fallback, .category = "boot",
	   .description = "without a virtio-console the result comes back on COM2",
	   .no_virtio = true);

/*
 * A guest that floods its data port past the host's cap (VMM_DATA_CAP,
 * 64 MiB): the host keeps 64 MiB, counts the rest, and the run FAILs
 * naming the cap, though the body passes and the result comes on COM2.
 */
static int channel_flood_capped(struct ktstr_ctx *ctx)
{
	static char chunk[1 << 20];
	size_t total = 0, want = VMM_DATA_CAP + 2 * SZ_1M;
	uint64_t t0 = now_ns();
	ssize_t n;

	if (ctx->data_fd < 0)
		return ktstr_fail(ctx, "no virtio data port named ktstr.data");
	memset(chunk, 'f', sizeof(chunk));
	while (total < want) {
		n = write(ctx->data_fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ktstr_fail(ctx, "write after %zu bytes: %s", total,
					  n ? strerror(errno) : "EOF");
		total += n;
	}
	ktstr_diag(ctx, "sent %zu MiB in %.1f s", total >> 20,
		   (now_ns() - t0) / 1e9);
	return KTSTR_PASS;
}
KTSTR_TEST(channel_flood_capped, .category = "boot",
	   .description = "a guest flooding the data port past its cap FAILs, naming the cap",
	   .timeout_ms = 180000, .expect = KTSTR_EXPECT_FAIL,
	   .expect_msg = "guest output over the cap: data port (ktstr.data) dropped");
