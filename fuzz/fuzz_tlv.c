// SPDX-License-Identifier: GPL-2.0
/*
 * The data channel's TLV decoder (harness/tlv.c) and channel_decode() on
 * the guest's bytes. The first byte picks a chunk size: decoding in chunks
 * must give the same frames as decoding whole, and never more frames than
 * the stream can hold.
 */
#include "fuzz/fuzz.h"
#include "harness/channel.h"
#include "harness/tlv.h"

struct count {
	uint64_t frames, bytes, sum;
};

static void on_frame(void *opaque, uint16_t type, const uint8_t *p,
		     uint32_t len)
{
	struct count *c = opaque;
	uint32_t i;

	FUZZ_CHECK(tlv_type_known(type) && len <= TLV_MAX_PAYLOAD);
	for (i = 0; i < len; i++)	/* every payload byte readable */
		c->sum = c->sum * 31 + p[i];
	c->frames++;
	c->bytes += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count whole = {}, split = {};
	struct channel_log log;
	struct tlv_decoder d;
	size_t chunk, off;
	char *buf, err[320];

	if (!size)
		return 0;
	chunk = data[0] % 64 + 1;
	buf = fuzz_copy(data + 1, size - 1);
	size--;

	tlv_decoder_init(&d, on_frame, &whole);
	tlv_decoder_feed(&d, buf, size);
	tlv_decoder_finish(&d);
	tlv_decoder_free(&d);

	tlv_decoder_init(&d, on_frame, &split);
	for (off = 0; off < size; off += chunk)
		tlv_decoder_feed(&d, buf + off, size - off < chunk ? size - off : chunk);
	tlv_decoder_finish(&d);
	tlv_decoder_free(&d);

	FUZZ_CHECK(whole.frames == split.frames && whole.bytes == split.bytes &&
		   whole.sum == split.sum);
	FUZZ_CHECK(whole.frames * (TLV_HDR_LEN + TLV_CRC_LEN) + whole.bytes <= size);

	channel_decode((const uint8_t *)buf, size, &log);
	FUZZ_CHECK((uint64_t)log.nr == whole.frames);
	channel_errors(&log, err, sizeof(err));
	channel_log_free(&log);
	free(buf);
	return 0;
}
