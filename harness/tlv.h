/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLV framing of the guest->host data stream (virtio-console port 1).
 *
 * Frame, little-endian on the wire:
 *   u32 magic (TLV_MAGIC), u16 type, u16 flags (0), u32 length,
 *   u32 header CRC32 (zlib) over the 12 bytes before it,
 *   length bytes of payload, u32 CRC32 (zlib) over header + payload.
 *
 * The header CRC makes resync after corruption linear in the stream: a
 * header whose length was damaged (or a false magic in other data) is
 * rejected after 16 bytes, and a frame whose header is intact but whose
 * payload is not is skipped whole, its length vouched for by the header
 * CRC. No byte is CRC'd more than a bounded number of times.
 */
#ifndef KTSTR_HARNESS_TLV_H
#define KTSTR_HARNESS_TLV_H

#include <stdint.h>
#include <stddef.h>

#include "util/util.h"

#define TLV_MAGIC	0x4b545354	/* "TSTK" in memory, "KTST" as a u32 */
#define TLV_HDR_LEN	16
#define TLV_CRC_LEN	4
/* Longer claimed payloads are corruption, not data. */
#define TLV_MAX_PAYLOAD	(1U << 20)

enum tlv_type {
	TLV_SCENARIO_START = 1,
	TLV_SCENARIO_END,
	TLV_TEST_RESULT,
	TLV_EXIT,
	TLV_STIMULUS,
	TLV_SCHED_EXIT,
	TLV_PROFRAW,
	TLV_PAYLOAD_METRICS,
	TLV_RAW_PAYLOAD_OUTPUT,
	TLV_LOG,
	TLV_TYPE_END,		/* one past the last known type */
};

/* "SCENARIO_START", ...; "UNKNOWN" for anything else. */
const char *tlv_type_name(uint16_t type);
static inline int tlv_type_known(uint16_t type)
{
	return type >= TLV_SCENARIO_START && type < TLV_TYPE_END;
}

/* Appends one frame; -EMSGSIZE (nothing appended) past TLV_MAX_PAYLOAD. */
int tlv_encode(struct buf *out, uint16_t type, const void *p, uint32_t len);

/* Called once per good frame; @payload is only valid during the call. */
typedef void (*tlv_frame_fn)(void *opaque, uint16_t type,
			     const uint8_t *payload, uint32_t len);

struct tlv_stats {
	uint64_t frames;	/* good frames delivered */
	uint64_t bad_hdr;	/* header CRC mismatch */
	uint64_t bad_crc;	/* payload CRC mismatch, header intact */
	uint64_t bad_len;	/* length > TLV_MAX_PAYLOAD */
	uint64_t bad_type;	/* intact frame of an unknown type */
	uint64_t truncated;	/* frame cut off by the end of the stream */
	uint64_t garbage;	/* bytes skipped outside any frame */
};

struct tlv_decoder {
	/*
	 * Undecoded bytes: only the tail of a feed that does not end on a
	 * frame boundary (at most one frame) is copied here; whole frames
	 * are decoded straight from the caller's buffer.
	 */
	struct buf in;
	/* Bytes after a bad frame that belong to it, not counted as garbage. */
	uint64_t bad_tail;
	tlv_frame_fn fn;
	void *opaque;
	struct tlv_stats stats;
};

void tlv_decoder_init(struct tlv_decoder *d, tlv_frame_fn fn, void *opaque);
/*
 * Feeds any chunk of the stream; frames may span chunks. Linear in the
 * bytes fed, whatever they hold.
 */
void tlv_decoder_feed(struct tlv_decoder *d, const void *data, size_t len);
/* End of stream: a partial frame left over counts as truncated. */
void tlv_decoder_finish(struct tlv_decoder *d);
void tlv_decoder_free(struct tlv_decoder *d);
/* Number of bad frames of any kind (garbage bytes are counted apart). */
uint64_t tlv_stats_errors(const struct tlv_stats *s);

#endif
