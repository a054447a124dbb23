// SPDX-License-Identifier: GPL-2.0
/* TLV data channel: the guest's sender and the host's decoder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/channel.h"
#include "harness/test.h"

#define PORTS_DIR "/sys/class/virtio-ports"
#define VIRTIO_DEVICES_DIR "/sys/bus/virtio/devices"
#define VIRTIO_ID_CONSOLE 3
#define PORT_POLL_NS (10 * 1000 * 1000)
#define DATA_PORT_NAME "ktstr.data"

int channel_open_port(const char *port_name, int flags)
{
	struct dirent *d;
	DIR *dir = opendir(PORTS_DIR);
	int fd = -1;

	while (dir && fd < 0 && (d = readdir(dir))) {
		char path[300], name[64] = "";
		struct buf b = {};

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PORTS_DIR "/%s/name", d->d_name);
		if (!read_file(path, &b))
			snprintf(name, sizeof(name), "%.*s", (int)MIN(b.len, 63),
				 (char *)b.data);
		buf_free(&b);
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, port_name))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", d->d_name);
		fd = open(path, flags | O_CLOEXEC);
	}
	if (dir)
		closedir(dir);
	return fd;
}

bool channel_have_console(void)
{
	DIR *dir = opendir(VIRTIO_DEVICES_DIR);
	struct dirent *d;
	bool found = false;

	while (dir && !found && (d = readdir(dir))) {
		char path[300];
		struct buf b = {};

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), VIRTIO_DEVICES_DIR "/%s/device",
			 d->d_name);
		if (!read_file(path, &b)) {
			buf_putc(&b, 0);
			found = strtol((char *)b.data, NULL, 0) == VIRTIO_ID_CONSOLE;
		}
		buf_free(&b);
	}
	if (dir)
		closedir(dir);
	return found;
}

/*
 * The console driver adds ports, and names them, from control messages
 * it handles in a work item: PID 1 can run before a port has its name.
 */
int channel_wait_port(const char *name, int flags, int timeout_ms)
{
	uint64_t end = now_ns() + timeout_ms * 1000000ULL;
	const struct timespec tick = { .tv_nsec = PORT_POLL_NS };
	int fd = channel_open_port(name, flags);

	if (fd >= 0 || !channel_have_console())
		return fd;
	while (fd < 0 && now_ns() < end) {
		nanosleep(&tick, NULL);
		fd = channel_open_port(name, flags);
	}
	return fd;
}

int channel_open(void)
{
	return channel_wait_port(DATA_PORT_NAME, O_WRONLY, PORT_WAIT_MS);
}

int channel_send(int fd, uint16_t type, const void *p, uint32_t len)
{
	struct buf b = {};
	int r;

	if (fd < 0)
		return -ENODEV;
	r = tlv_encode(&b, type, p, len);
	if (!r)
		r = write_all(fd, b.data, b.len);
	buf_free(&b);
	return r;
}

int ktstr_send(struct ktstr_ctx *ctx, uint16_t type, const void *p,
	       uint32_t len)
{
	return channel_send(ctx->data_fd, type, p, len);
}

struct decode_ctx {
	struct channel_log *log;
	int cap;		/* frames allocated */
	struct buf arena;	/* the payloads, each NUL-terminated */
};

/*
 * Frames go into one array grown geometrically and their payloads into one
 * arena, so a stream of empty frames costs ~20 bytes per frame, not a
 * malloc each.
 */
static void on_frame(void *opaque, uint16_t type, const uint8_t *payload,
		     uint32_t len)
{
	struct decode_ctx *c = opaque;
	struct channel_log *log = c->log;
	struct channel_frame *f;

	if (log->nr >= CHANNEL_MAX_FRAMES) {
		log->dropped++;
		return;
	}
	if (log->nr == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		log->frames = xrealloc(log->frames, c->cap * sizeof(*f));
	}
	f = &log->frames[log->nr++];
	f->type = type;
	f->len = len;
	/* An offset until the arena stops moving. */
	f->payload = (uint8_t *)(uintptr_t)c->arena.len;
	buf_put(&c->arena, payload, len);
	buf_putc(&c->arena, 0);
}

void channel_decode(const uint8_t *data, size_t len, struct channel_log *log)
{
	struct decode_ctx c = { .log = log };
	struct tlv_decoder d;
	int i;

	memset(log, 0, sizeof(*log));
	tlv_decoder_init(&d, on_frame, &c);
	tlv_decoder_feed(&d, data, len);
	tlv_decoder_finish(&d);
	log->stats = d.stats;
	tlv_decoder_free(&d);
	log->arena = c.arena.data;
	for (i = 0; i < log->nr; i++)
		log->frames[i].payload = log->arena +
					 (uintptr_t)log->frames[i].payload;
}

void channel_log_free(struct channel_log *log)
{
	free(log->arena);
	free(log->frames);
	memset(log, 0, sizeof(*log));
}

const struct channel_frame *channel_find(const struct channel_log *log,
					 uint16_t type)
{
	int i;

	for (i = log->nr - 1; i >= 0; i--)
		if (log->frames[i].type == type)
			return &log->frames[i];
	return NULL;
}

void channel_errors(const struct channel_log *log, char *out, size_t len)
{
	const struct tlv_stats *s = &log->stats;
	uint64_t n = tlv_stats_errors(s) + s->garbage;

	if (!n && log->dropped) {
		snprintf(out, len, "data channel over the cap: %llu frame(s) past %d (CHANNEL_MAX_FRAMES) dropped",
			 (unsigned long long)log->dropped, CHANNEL_MAX_FRAMES);
		return;
	}
	if (!n) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len,
		 "corrupt data channel: %llu bad frame(s) (bad_hdr %llu, bad_crc %llu, bad_len %llu, bad_type %llu, truncated %llu, garbage %llu bytes), %llu good",
		 (unsigned long long)tlv_stats_errors(s),
		 (unsigned long long)s->bad_hdr, (unsigned long long)s->bad_crc, (unsigned long long)s->bad_len,
		 (unsigned long long)s->bad_type, (unsigned long long)s->truncated,
		 (unsigned long long)s->garbage, (unsigned long long)s->frames);
}
