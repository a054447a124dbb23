// SPDX-License-Identifier: GPL-2.0
/* TLV framing: round trips, split input and every kind of corruption. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "harness/channel.h"
#include "harness/tlv.h"
#include "kselftest_harness.h"

#define MAX_SEEN 64

struct seen {
	int n;
	uint16_t type[MAX_SEEN];
	uint32_t len[MAX_SEEN];
	uint8_t first[MAX_SEEN];	/* first payload byte, 0 if empty */
	struct buf all;			/* all payloads back to back */
};

static void on_frame(void *opaque, uint16_t type, const uint8_t *p,
		     uint32_t len)
{
	struct seen *s = opaque;

	if (s->n < MAX_SEEN) {
		s->type[s->n] = type;
		s->len[s->n] = len;
		s->first[s->n] = len ? p[0] : 0;
	}
	s->n++;
	buf_put(&s->all, p, len);
}

FIXTURE(tlv) {
	struct tlv_decoder d;
	struct seen seen;
	struct buf wire;
};

FIXTURE_SETUP(tlv)
{
	memset(&self->seen, 0, sizeof(self->seen));
	memset(&self->wire, 0, sizeof(self->wire));
	tlv_decoder_init(&self->d, on_frame, &self->seen);
}

FIXTURE_TEARDOWN(tlv)
{
	tlv_decoder_free(&self->d);
	buf_free(&self->wire);
	buf_free(&self->seen.all);
}

static void put_msg(struct buf *wire, uint16_t type, const char *s)
{
	tlv_encode(wire, type, s, strlen(s));
}

TEST_F(tlv, round_trip_every_type)
{
	uint8_t big[4096];
	uint16_t t;
	int i;

	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = i * 7;
	for (t = TLV_SCENARIO_START; t < TLV_TYPE_END; t++)
		ASSERT_EQ(0, tlv_encode(&self->wire, t, big, t * 100));
	ASSERT_EQ(0, tlv_encode(&self->wire, TLV_EXIT, NULL, 0));
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	tlv_decoder_finish(&self->d);

	ASSERT_EQ(TLV_TYPE_END, self->seen.n);
	for (t = TLV_SCENARIO_START; t < TLV_TYPE_END; t++) {
		EXPECT_EQ(t, self->seen.type[t - 1]);
		EXPECT_EQ(t * 100U, self->seen.len[t - 1]);
		EXPECT_STRNE("UNKNOWN", tlv_type_name(t));
	}
	EXPECT_EQ(0U, self->seen.len[TLV_TYPE_END - 1]);
	EXPECT_EQ(0, memcmp(self->seen.all.data + 100, big, 200));
	EXPECT_EQ((uint64_t)TLV_TYPE_END, self->d.stats.frames);
	EXPECT_EQ(0U, tlv_stats_errors(&self->d.stats));
	EXPECT_EQ(0U, self->d.stats.garbage);
	EXPECT_STREQ("TEST_RESULT", tlv_type_name(TLV_TEST_RESULT));
	EXPECT_STREQ("UNKNOWN", tlv_type_name(0));
	EXPECT_STREQ("UNKNOWN", tlv_type_name(TLV_TYPE_END));
}

TEST_F(tlv, wire_format_is_little_endian)
{
	static const uint8_t hdr[] = { 0x54, 0x53, 0x54, 0x4b, 4, 0, 0, 0,
				       2, 0, 0, 0 };
	uint32_t hcrc = crc32(0, hdr, sizeof(hdr));

	put_msg(&self->wire, TLV_EXIT, "ok");
	ASSERT_EQ(TLV_HDR_LEN + 2 + TLV_CRC_LEN, self->wire.len);
	EXPECT_EQ(0, memcmp(self->wire.data, hdr, sizeof(hdr)));
	EXPECT_EQ(hcrc & 0xff, self->wire.data[12]);
	EXPECT_EQ(hcrc >> 24, self->wire.data[15]);
	EXPECT_EQ(0, memcmp(self->wire.data + TLV_HDR_LEN, "ok", 2));
}

TEST_F(tlv, split_byte_by_byte)
{
	size_t i;

	put_msg(&self->wire, TLV_SCENARIO_START, "alpha");
	put_msg(&self->wire, TLV_TEST_RESULT, "beta gamma");
	put_msg(&self->wire, TLV_SCENARIO_END, "");
	for (i = 0; i < self->wire.len; i++) {
		tlv_decoder_feed(&self->d, self->wire.data + i, 1);
		/* Nothing is delivered before its last byte arrives. */
		if (i + 1 < self->wire.len)
			ASSERT_GT(3, self->seen.n);
	}
	tlv_decoder_finish(&self->d);
	ASSERT_EQ(3, self->seen.n);
	EXPECT_EQ(TLV_TEST_RESULT, self->seen.type[1]);
	EXPECT_EQ(10U, self->seen.len[1]);
	EXPECT_EQ(15U, self->seen.all.len);
	EXPECT_EQ(0, memcmp(self->seen.all.data, "alphabeta gamma", 15));
	EXPECT_EQ(0U, tlv_stats_errors(&self->d.stats));
}

TEST_F(tlv, bad_crc_skipped_and_resynced)
{
	size_t bad;

	put_msg(&self->wire, TLV_STIMULUS, "one");
	bad = self->wire.len;
	put_msg(&self->wire, TLV_STIMULUS, "two");
	put_msg(&self->wire, TLV_STIMULUS, "three");
	self->wire.data[bad + TLV_HDR_LEN] ^= 0x20;	/* "two" -> "Two" */
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	tlv_decoder_finish(&self->d);

	ASSERT_EQ(2, self->seen.n);
	EXPECT_EQ('o', self->seen.first[0]);
	EXPECT_EQ('t', self->seen.first[1]);
	EXPECT_EQ(5U, self->seen.len[1]);
	EXPECT_EQ(1U, self->d.stats.bad_crc);
	/* The rest of the bad frame is charged to it, not to garbage. */
	EXPECT_EQ(0U, self->d.stats.garbage);
	EXPECT_EQ(1U, tlv_stats_errors(&self->d.stats));
}

TEST_F(tlv, corrupt_length_does_not_swallow_next_frame)
{
	size_t bad;

	put_msg(&self->wire, TLV_LOG, "first");
	bad = self->wire.len;
	put_msg(&self->wire, TLV_LOG, "second");
	put_msg(&self->wire, TLV_LOG, "third");
	/* Claims 100 bytes: a plausible length that ends inside "third". */
	self->wire.data[bad + 8] = 100;
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	/* The header CRC rejects it at once: no waiting for 100 bytes. */
	ASSERT_EQ(2, self->seen.n);
	tlv_decoder_finish(&self->d);
	ASSERT_EQ(2, self->seen.n);
	EXPECT_EQ('t', self->seen.first[1]);
	EXPECT_EQ(1U, self->d.stats.bad_hdr);
	EXPECT_EQ(0U, self->d.stats.truncated);
	EXPECT_EQ(1U, tlv_stats_errors(&self->d.stats));
}

/* A header as a hostile guest would forge it: its CRC right. */
static void put_forged_hdr(struct buf *wire, uint16_t type, uint32_t len)
{
	uint8_t hdr[TLV_HDR_LEN] = { 0x54, 0x53, 0x54, 0x4b, type, type >> 8, 0, 0,
				     len, len >> 8, len >> 16, len >> 24 };
	uint32_t crc = crc32(0, hdr, 12);

	hdr[12] = crc;
	hdr[13] = crc >> 8;
	hdr[14] = crc >> 16;
	hdr[15] = crc >> 24;
	buf_put(wire, hdr, sizeof(hdr));
}

TEST_F(tlv, impossible_length)
{
	put_forged_hdr(&self->wire, TLV_SCENARIO_START, 2 << 20);
	put_msg(&self->wire, TLV_SCENARIO_START, "after");
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	/* Rejected at once: no waiting for 2 MiB that will never come. */
	EXPECT_EQ(1, self->seen.n);
	EXPECT_EQ(1U, self->d.stats.bad_len);
	EXPECT_EQ(0U, self->d.stats.garbage);
	tlv_decoder_finish(&self->d);
	EXPECT_EQ(1U, tlv_stats_errors(&self->d.stats));
}

TEST_F(tlv, unknown_type)
{
	tlv_encode(&self->wire, 999, "xyz", 3);
	tlv_encode(&self->wire, 0, "", 0);
	put_msg(&self->wire, TLV_SCHED_EXIT, "scx");
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	tlv_decoder_finish(&self->d);
	ASSERT_EQ(1, self->seen.n);
	EXPECT_EQ(TLV_SCHED_EXIT, self->seen.type[0]);
	EXPECT_EQ(2U, self->d.stats.bad_type);
	EXPECT_EQ(0U, self->d.stats.garbage);
}

TEST_F(tlv, truncated_at_end)
{
	put_msg(&self->wire, TLV_PROFRAW, "whole");
	put_msg(&self->wire, TLV_PROFRAW, "cut off in the middle");
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len - 9);
	EXPECT_EQ(1, self->seen.n);
	EXPECT_EQ(0U, self->d.stats.truncated);
	tlv_decoder_finish(&self->d);
	EXPECT_EQ(1, self->seen.n);
	EXPECT_EQ(1U, self->d.stats.truncated);
	EXPECT_EQ(0U, self->d.stats.garbage);
}

TEST_F(tlv, truncated_header_at_end)
{
	put_msg(&self->wire, TLV_EXIT, "0");
	tlv_decoder_feed(&self->d, self->wire.data, 6);
	tlv_decoder_finish(&self->d);
	EXPECT_EQ(0, self->seen.n);
	EXPECT_EQ(1U, self->d.stats.truncated);
}

TEST_F(tlv, garbage_between_frames)
{
	put_msg(&self->wire, TLV_PAYLOAD_METRICS, "m1");
	buf_put(&self->wire, "noise\0\x54\x53", 8);	/* ends in a false start */
	put_msg(&self->wire, TLV_PAYLOAD_METRICS, "m2");
	buf_put(&self->wire, "tail", 4);
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	tlv_decoder_finish(&self->d);
	ASSERT_EQ(2, self->seen.n);
	EXPECT_EQ(12U, self->d.stats.garbage);
	EXPECT_EQ(0U, tlv_stats_errors(&self->d.stats));
}

/* A header with a false CRC costs its 16 bytes, whatever it claims. */
TEST_F(tlv, bad_header_crc)
{
	size_t bad;

	put_msg(&self->wire, TLV_LOG, "one");
	bad = self->wire.len;
	put_msg(&self->wire, TLV_LOG, "two");
	put_msg(&self->wire, TLV_LOG, "three");
	self->wire.data[bad + 5] ^= 1;	/* the type */
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	tlv_decoder_finish(&self->d);
	ASSERT_EQ(2, self->seen.n);
	EXPECT_EQ('o', self->seen.first[0]);
	EXPECT_EQ('t', self->seen.first[1]);
	EXPECT_EQ(5U, self->seen.len[1]);
	EXPECT_EQ(1U, self->d.stats.bad_hdr);
	EXPECT_EQ(1U, tlv_stats_errors(&self->d.stats));
}

/* Seconds @d takes to decode @w in one feed, then in 4 KiB chunks. */
static double decode_secs(struct tlv_decoder *d, const struct buf *w)
{
	uint64_t t0 = now_ns();
	size_t off;

	tlv_decoder_feed(d, w->data, w->len);
	tlv_decoder_finish(d);
	for (off = 0; off < w->len; off += 4096)
		tlv_decoder_feed(d, w->data + off, MIN(w->len - off, 4096));
	tlv_decoder_finish(d);
	return (now_ns() - t0) / 1e9;
}

#define HOSTILE_BYTES (4 << 20)
#define HOSTILE_BOUND_S 1.0

/*
 * 4 MiB of back-to-back fake headers each claiming 1 MiB (a guest that
 * scribbles on its data port): the old decoder CRC'd 1 MiB per byte of
 * resync, ~62 s. Twice over (one feed, then 4 KiB chunks) in under 1 s.
 */
TEST_F(tlv, fake_headers_decode_linear)
{
	static const uint8_t fake[12] = { 0x54, 0x53, 0x54, 0x4b, 1, 0, 0, 0,
					  0, 0, 0x10, 0 };
	double s;

	while (self->wire.len < HOSTILE_BYTES)
		buf_put(&self->wire, fake, sizeof(fake));
	put_msg(&self->wire, TLV_EXIT, "end");
	s = decode_secs(&self->d, &self->wire);
	TH_LOG("%zu bytes of fake headers: %.3f s", self->wire.len, s);
	EXPECT_LT(s, HOSTILE_BOUND_S);
	EXPECT_EQ(2, self->seen.n);
	EXPECT_EQ(TLV_EXIT, self->seen.type[1]);
	EXPECT_GE(self->d.stats.bad_hdr, 2U * (HOSTILE_BYTES / 12));
}

/*
 * The same with headers forged with a right CRC every 16 bytes: each bad
 * frame is skipped whole, so each byte is CRC'd about once; those cut off
 * by the end cost a header each, and the good frame after them is found.
 */
TEST_F(tlv, forged_headers_decode_linear)
{
	double s;

	while (self->wire.len < HOSTILE_BYTES)
		put_forged_hdr(&self->wire, TLV_LOG, 1 << 20);
	put_msg(&self->wire, TLV_EXIT, "end");
	s = decode_secs(&self->d, &self->wire);
	TH_LOG("%zu bytes of forged headers: %.3f s", self->wire.len, s);
	EXPECT_LT(s, HOSTILE_BOUND_S);
	EXPECT_GE(self->d.stats.bad_crc, 2U * 3);
	EXPECT_GT(self->d.stats.truncated, 2U * 1000);
	EXPECT_EQ(2, self->seen.n);
	EXPECT_EQ(TLV_EXIT, self->seen.type[1]);
}

/* Any chunking decodes to the same frames as one feed. */
TEST_F(tlv, chunked_equals_whole)
{
	static const size_t chunks[] = { 1, 3, 16, 17, 4096, 70000 };
	uint8_t big[70000];
	struct tlv_stats whole;
	size_t i, off;
	int n;

	for (i = 0; i < sizeof(big); i++)
		big[i] = i * 13;
	for (i = 0; i < 10; i++) {
		tlv_encode(&self->wire, TLV_PROFRAW, big, 800 * i * i);
		buf_put(&self->wire, "junkT", 5);
	}
	tlv_decoder_feed(&self->d, self->wire.data, self->wire.len);
	tlv_decoder_finish(&self->d);
	whole = self->d.stats;
	n = self->seen.n;
	ASSERT_EQ(10, n);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		struct tlv_decoder d;

		self->seen.n = 0;
		tlv_decoder_init(&d, on_frame, &self->seen);
		for (off = 0; off < self->wire.len; off += chunks[i])
			tlv_decoder_feed(&d, self->wire.data + off,
					 MIN(chunks[i], self->wire.len - off));
		tlv_decoder_finish(&d);
		EXPECT_EQ(n, self->seen.n);
		EXPECT_EQ(whole.frames, d.stats.frames);
		EXPECT_EQ(whole.garbage, d.stats.garbage);
		EXPECT_EQ(0U, tlv_stats_errors(&d.stats));
		EXPECT_EQ(7200U, self->seen.len[3]);
		tlv_decoder_free(&d);
	}
}

/* The host's whole-stream decode: payloads kept, NUL-terminated, in order. */
TEST_F(tlv, channel_decode_log)
{
	struct channel_log log;
	const struct channel_frame *f;
	char err[512];
	int i;

	for (i = 0; i < 1000; i++)
		tlv_encode(&self->wire, TLV_LOG, NULL, 0);
	put_msg(&self->wire, TLV_TEST_RESULT, "result text");
	put_msg(&self->wire, TLV_EXIT, "0");
	self->wire.data[TLV_HDR_LEN * 3] ^= 1;	/* third frame's header */
	channel_decode(self->wire.data, self->wire.len, &log);
	ASSERT_EQ(1001, log.nr);
	f = channel_find(&log, TLV_TEST_RESULT);
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("result text", (char *)f->payload);
	EXPECT_EQ(11U, f->len);
	f = channel_find(&log, TLV_EXIT);
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("0", (char *)f->payload);
	EXPECT_EQ(TLV_EXIT, log.frames[1000].type);
	EXPECT_EQ('\0', log.frames[0].payload[0]);
	EXPECT_EQ(NULL, channel_find(&log, TLV_STIMULUS));
	channel_errors(&log, err, sizeof(err));
	EXPECT_NE(NULL, strstr(err, "corrupt data channel: 1 bad frame(s) (bad_hdr 1,"));
	channel_log_free(&log);
}

TEST_F(tlv, oversized_encode_refused)
{
	EXPECT_EQ(-EMSGSIZE, tlv_encode(&self->wire, TLV_PROFRAW, "",
					TLV_MAX_PAYLOAD + 1));
	EXPECT_EQ(0U, self->wire.len);
}

/* Random chunking and random bit flips: never crash, never invent frames. */
TEST_F(tlv, random_corruption)
{
	int i, round;

	srand(1);
	for (round = 0; round < 200; round++) {
		struct buf w = {};
		size_t off = 0;

		for (i = 0; i < 20; i++)
			put_msg(&w, TLV_RAW_PAYLOAD_OUTPUT, "payload bytes");
		for (i = 0; i < 3; i++)
			w.data[rand() % w.len] ^= 1 << (rand() % 8);
		while (off < w.len) {
			size_t n = MIN(w.len - off, (size_t)(rand() % 40 + 1));

			tlv_decoder_feed(&self->d, w.data + off, n);
			off += n;
		}
		tlv_decoder_finish(&self->d);
		buf_free(&w);
	}
	/* Each flip spoils at most one of 20 frames per round. */
	EXPECT_GE(self->seen.n, 200 * 17);
	EXPECT_LE(self->seen.n, 200 * 20);
	for (i = 0; i < MAX_SEEN; i++)
		ASSERT_EQ(13U, self->seen.len[i]);
	EXPECT_GT(tlv_stats_errors(&self->d.stats), 0U);
}

TEST_HARNESS_MAIN
