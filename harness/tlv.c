// SPDX-License-Identifier: GPL-2.0
/*
 * TLV frames of the guest->host stream. The decoder is fed arbitrary chunks
 * (one virtio buffer need not hold one frame), checks every frame and, after
 * an error, scans forward for the next magic so one corrupt frame costs only
 * itself.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "harness/tlv.h"

static const char *const type_names[TLV_TYPE_END] = {
	[TLV_SCENARIO_START]	 = "SCENARIO_START",
	[TLV_SCENARIO_END]	 = "SCENARIO_END",
	[TLV_TEST_RESULT]	 = "TEST_RESULT",
	[TLV_EXIT]		 = "EXIT",
	[TLV_STIMULUS]		 = "STIMULUS",
	[TLV_SCHED_EXIT]	 = "SCHED_EXIT",
	[TLV_PROFRAW]		 = "PROFRAW",
	[TLV_PAYLOAD_METRICS]	 = "PAYLOAD_METRICS",
	[TLV_RAW_PAYLOAD_OUTPUT] = "RAW_PAYLOAD_OUTPUT",
	[TLV_LOG]		 = "LOG",
};

const char *tlv_type_name(uint16_t type)
{
	return tlv_type_known(type) ? type_names[type] : "UNKNOWN";
}

static void put_le16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

int tlv_encode(struct buf *out, uint16_t type, const void *p, uint32_t len)
{
	uint8_t hdr[TLV_HDR_LEN], tail[TLV_CRC_LEN];
	uLong crc;

	if (len > TLV_MAX_PAYLOAD)
		return -EMSGSIZE;
	put_le32(hdr, TLV_MAGIC);
	put_le16(hdr + 4, type);
	put_le16(hdr + 6, 0);
	put_le32(hdr + 8, len);
	crc = crc32(0, hdr, sizeof(hdr));
	if (len)
		crc = crc32(crc, p, len);
	put_le32(tail, crc);
	buf_put(out, hdr, sizeof(hdr));
	if (len)
		buf_put(out, p, len);
	buf_put(out, tail, sizeof(tail));
	return 0;
}

void tlv_decoder_init(struct tlv_decoder *d, tlv_frame_fn fn, void *opaque)
{
	memset(d, 0, sizeof(*d));
	d->fn = fn;
	d->opaque = opaque;
}

void tlv_decoder_free(struct tlv_decoder *d)
{
	buf_free(&d->in);
	d->start = 0;
}

uint64_t tlv_stats_errors(const struct tlv_stats *s)
{
	return s->bad_crc + s->bad_len + s->bad_type + s->truncated;
}

/*
 * Offset of the first place a frame may start: a whole magic, or a prefix
 * of it cut off by the end of the data (more bytes may complete it).
 */
static size_t find_magic(const uint8_t *p, size_t n)
{
	uint8_t magic[4];
	size_t i;

	put_le32(magic, TLV_MAGIC);
	for (i = 0; i < n; i++) {
		if (p[i] == magic[0] && !memcmp(p + i, magic, MIN(4, n - i)))
			return i;
	}
	return n;
}

/* Drops @n bytes; those still owed to a counted bad frame are not garbage. */
static void skip(struct tlv_decoder *d, size_t n)
{
	uint64_t owed = MIN((uint64_t)n, d->bad_tail);

	d->bad_tail -= owed;
	d->stats.garbage += n - owed;
	d->start += n;
}

/*
 * After an error at the head, resync one byte further on: the length may be
 * the corrupt part, so it cannot be trusted to find the next frame. Up to
 * @owed following bytes are charged to this frame rather than to garbage.
 */
static void bad_frame(struct tlv_decoder *d, uint64_t *counter, size_t owed)
{
	(*counter)++;
	d->start++;
	d->bad_tail = owed ? owed - 1 : 0;
}

/* Decodes one step at the head; false when more input is needed. */
static bool step(struct tlv_decoder *d, bool final)
{
	const uint8_t *p = d->in.data + d->start;
	size_t n = d->in.len - d->start, off, total;
	uint32_t len;
	uint16_t type;

	off = find_magic(p, n);
	if (off) {
		skip(d, off);
		return true;
	}
	if (n < TLV_HDR_LEN) {
		/* At the end only a whole magic makes it a cut-off frame. */
		if (final && n >= 4) {
			d->stats.truncated++;
			d->start += n;
		} else if (final) {
			skip(d, n);
		}
		return false;
	}
	len = get_le32(p + 8);
	if (len > TLV_MAX_PAYLOAD) {
		bad_frame(d, &d->stats.bad_len, TLV_HDR_LEN);
		return true;
	}
	total = TLV_HDR_LEN + (size_t)len + TLV_CRC_LEN;
	if (n < total) {
		if (!final)
			return false;
		/* Frames after a false magic may still be in the buffer. */
		bad_frame(d, &d->stats.truncated, n);
		return true;
	}
	if (crc32(0, p, TLV_HDR_LEN + len) != get_le32(p + TLV_HDR_LEN + len)) {
		bad_frame(d, &d->stats.bad_crc, total);
		return true;
	}
	/* The CRC vouches for the length: skip the whole frame. */
	d->start += total;
	d->bad_tail = 0;
	type = get_le16(p + 4);
	if (!tlv_type_known(type)) {
		d->stats.bad_type++;
		return true;
	}
	d->stats.frames++;
	if (d->fn)
		d->fn(d->opaque, type, p + TLV_HDR_LEN, len);
	return true;
}

static void run(struct tlv_decoder *d, bool final)
{
	size_t left;

	while (step(d, final))
		;
	left = d->in.len - d->start;
	if (d->start && left)
		memmove(d->in.data, d->in.data + d->start, left);
	d->in.len = left;
	d->start = 0;
}

void tlv_decoder_feed(struct tlv_decoder *d, const void *data, size_t len)
{
	buf_put(&d->in, data, len);
	run(d, false);
}

void tlv_decoder_finish(struct tlv_decoder *d)
{
	run(d, true);
	d->bad_tail = 0;
}
