/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest->host data channel: TLV frames (harness/tlv.h) on the
 * virtio-console port named "ktstr.data". The guest sends; the host decodes
 * the whole stream after the run and keeps every frame in order.
 */
#ifndef KTSTR_HARNESS_CHANNEL_H
#define KTSTR_HARNESS_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/tlv.h"

struct ktstr_ctx;

/* Guest: the data port's fd (O_WRONLY), or -1 when there is none. */
int channel_open(void);
/* Guest: the virtio-console port named @name opened with @flags, or -1. */
int channel_open_port(const char *name, int flags);
/*
 * The same, waiting up to @timeout_ms for the port to appear when the VM
 * has a virtio console at all (PORT_WAIT_MS: generous, for slow guests).
 */
#define PORT_WAIT_MS 10000
/* Guest: true if the VM has a virtio console (virtio device ID 3). */
bool channel_have_console(void);
int channel_wait_port(const char *name, int flags, int timeout_ms);
/* Guest: one frame on ctx's data port; -errno on failure. */
int ktstr_send(struct ktstr_ctx *ctx, uint16_t type, const void *p,
	       uint32_t len);
/* Guest: a frame on @fd, written whole. */
int channel_send(int fd, uint16_t type, const void *p, uint32_t len);

struct channel_frame {
	uint16_t type;
	uint32_t len;
	uint8_t *payload;
};

/* Frames kept per stream; later good frames are counted in dropped. */
#define CHANNEL_MAX_FRAMES (1 << 20)

struct channel_log {
	struct channel_frame *frames;
	int nr;
	uint8_t *arena;		/* every payload, NUL-terminated */
	uint64_t dropped;	/* good frames past CHANNEL_MAX_FRAMES */
	struct tlv_stats stats;
};

/* Host: decodes a complete stream. */
void channel_decode(const uint8_t *data, size_t len, struct channel_log *log);
void channel_log_free(struct channel_log *log);
/* Host: the last frame of @type, or NULL. */
const struct channel_frame *channel_find(const struct channel_log *log,
					 uint16_t type);
/* Host: "" or a one-line account of corrupt or dropped frames. */
void channel_errors(const struct channel_log *log, char *out, size_t len);

#endif
