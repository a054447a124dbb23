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

static void put_hdr(uint8_t *hdr, uint16_t type, uint32_t len)
{
	put_le32(hdr, TLV_MAGIC);
	put_le16(hdr + 4, type);
	put_le16(hdr + 6, 0);
	put_le32(hdr + 8, len);
	put_le32(hdr + 12, crc32(0, hdr, 12));
}

static bool hdr_ok(const uint8_t *hdr)
{
	return crc32(0, hdr, 12) == get_le32(hdr + 12);
}

int tlv_encode(struct buf *out, uint16_t type, const void *p, uint32_t len)
{
	uint8_t hdr[TLV_HDR_LEN], tail[TLV_CRC_LEN];
	uLong crc;

	if (len > TLV_MAX_PAYLOAD)
		return -EMSGSIZE;
	put_hdr(hdr, type, len);
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
}

uint64_t tlv_stats_errors(const struct tlv_stats *s)
{
	return s->bad_hdr + s->bad_crc + s->bad_len + s->bad_type + s->truncated;
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

/* Where the decoder is in the bytes of one pass: p[pos, n). */
struct cursor {
	const uint8_t *p;
	size_t n, pos;
};

/* Drops @n bytes; those still owed to a counted bad frame are not garbage. */
static void skip(struct tlv_decoder *d, struct cursor *c, size_t n)
{
	uint64_t owed = MIN((uint64_t)n, d->bad_tail);

	d->bad_tail -= owed;
	d->stats.garbage += n - owed;
	c->pos += n;
}

/*
 * After an error at the head whose length cannot be trusted (a bad header
 * CRC, a cut-off frame), resync one byte further on. Up to @owed following
 * bytes are charged to this frame rather than to garbage. Costs O(header):
 * no payload is looked at.
 */
static void bad_frame(struct tlv_decoder *d, struct cursor *c,
		      uint64_t *counter, size_t owed)
{
	(*counter)++;
	c->pos++;
	d->bad_tail = owed ? owed - 1 : 0;
}

/* Decodes one step at the head; false when more input is needed. */
static bool step(struct tlv_decoder *d, struct cursor *c, bool final)
{
	const uint8_t *p = c->p + c->pos;
	size_t n = c->n - c->pos, off, total;
	uint32_t len;
	uint16_t type;

	off = find_magic(p, n);
	if (off) {
		skip(d, c, off);
		return true;
	}
	if (n < TLV_HDR_LEN) {
		/* At the end only a whole magic makes it a cut-off frame. */
		if (final && n >= 4) {
			d->stats.truncated++;
			c->pos += n;
		} else if (final) {
			skip(d, c, n);
		}
		return false;
	}
	if (!hdr_ok(p)) {
		bad_frame(d, c, &d->stats.bad_hdr, TLV_HDR_LEN);
		return true;
	}
	len = get_le32(p + 8);
	if (len > TLV_MAX_PAYLOAD) {
		bad_frame(d, c, &d->stats.bad_len, TLV_HDR_LEN);
		return true;
	}
	total = TLV_HDR_LEN + (size_t)len + TLV_CRC_LEN;
	if (n < total) {
		if (!final)
			return false;
		/* Frames after a false magic may still be in the buffer. */
		bad_frame(d, c, &d->stats.truncated, n);
		return true;
	}
	/* The header CRC vouches for the length: skip the whole frame. */
	c->pos += total;
	d->bad_tail = 0;
	if (crc32(0, p, TLV_HDR_LEN + len) != get_le32(p + TLV_HDR_LEN + len)) {
		d->stats.bad_crc++;
		return true;
	}
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

/* Decodes what it can of @p; returns the bytes consumed. */
static size_t run(struct tlv_decoder *d, const uint8_t *p, size_t n,
		  bool final)
{
	struct cursor c = { p, n, 0 };

	if (!n)			/* @p may be NULL */
		return 0;
	while (step(d, &c, final))
		;
	return c.pos;
}

void tlv_decoder_feed(struct tlv_decoder *d, const void *data, size_t len)
{
	size_t used, left;

	if (!d->in.len) {
		/* Nothing pending: decode in place, keep only the tail. */
		used = run(d, data, len, false);
		buf_put(&d->in, (const uint8_t *)data + used, len - used);
		return;
	}
	/*
	 * Complete the pending frame (at most one frame is pending) with
	 * only as many bytes as it may need, then go on in place.
	 */
	left = MIN(len, (size_t)TLV_HDR_LEN + TLV_MAX_PAYLOAD + TLV_CRC_LEN);
	buf_put(&d->in, data, left);
	used = run(d, d->in.data, d->in.len, false);
	if (used < d->in.len - left) {
		/* Still inside what was pending: keep it all. */
		buf_put(&d->in, (const uint8_t *)data + left, len - left);
		memmove(d->in.data, d->in.data + used, d->in.len - used);
		d->in.len -= used;
		return;
	}
	used -= d->in.len - left;	/* now counts bytes of @data */
	d->in.len = 0;
	tlv_decoder_feed(d, (const uint8_t *)data + used, len - used);
}

void tlv_decoder_finish(struct tlv_decoder *d)
{
	run(d, d->in.data, d->in.len, true);
	d->in.len = 0;
	d->bad_tail = 0;
}
