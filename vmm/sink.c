// SPDX-License-Identifier: GPL-2.0
/* Capped guest->host byte sinks (vmm/sink.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/sink.h"

static const struct {
	const char *name;
	size_t cap;
} chans[VMM_NR_CHANS] = {
	[VMM_CHAN_COM1] = { "COM1", VMM_COM1_CAP },
	[VMM_CHAN_COM2] = { "COM2", VMM_COM2_CAP },
	[VMM_CHAN_DATA] = { "data port (ktstr.data)", VMM_DATA_CAP },
	[VMM_CHAN_HVC]	= { "hvc0", VMM_HVC_CAP },
};

const char *vmm_chan_name(enum vmm_chan c)
{
	return c < VMM_NR_CHANS ? chans[c].name : "?";
}

size_t vmm_chan_cap(enum vmm_chan c)
{
	return c < VMM_NR_CHANS ? chans[c].cap : 0;
}

void vmm_sink_init(struct vmm_sink *s, struct buf *b, size_t cap,
		   uint64_t *dropped, int fd)
{
	s->buf = b;
	s->cap = cap;
	s->dropped = dropped;
	s->fd = fd;
	pthread_mutex_init(&s->lock, NULL);
	s->first_ns = 0;
}

void vmm_sink_put(struct vmm_sink *s, const uint8_t *data, size_t len)
{
	pthread_mutex_lock(&s->lock);
	if (!s->first_ns)
		s->first_ns = now_ns();
	*s->dropped += buf_put_capped(s->buf, data, len, s->cap);
	/* Streamed output is the user's to keep: it goes on past the cap. */
	if (s->fd >= 0 && write_all(s->fd, data, len) < 0)
		s->fd = -1;
	pthread_mutex_unlock(&s->lock);
}

void vmm_cap_errors(const uint64_t dropped[VMM_NR_CHANS], char *out,
		    size_t len)
{
	size_t o = 0;
	int c;

	out[0] = '\0';
	for (c = 0; c < VMM_NR_CHANS; c++) {
		if (!dropped[c])
			continue;
		o += snprintf(out + o, o < len ? len - o : 0, "%s%s dropped %llu bytes past %zu MiB",
			      o ? "; " : "guest output over the cap: ",
			      chans[c].name, (unsigned long long)dropped[c],
			      chans[c].cap >> 20);
		if (o >= len)
			break;
	}
}

static void *input_thread(void *arg)
{
	struct vmm_input *in = arg;
	struct pollfd p[2] = {
		{ .fd = in->stop[0], .events = POLLIN },
		{ .fd = in->fd, .events = POLLIN },
	};
	uint8_t chunk[256];
	ssize_t n;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		n = read(in->fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		in->send(in->opaque, chunk, n);
	}
	return NULL;
}

int vmm_input_start(struct vmm_input *in, int fd, vmm_input_send_fn send,
		    void *opaque)
{
	int r;

	in->fd = fd;
	in->send = send;
	in->opaque = opaque;
	in->started = false;
	if (pipe2(in->stop, O_CLOEXEC))
		return -errno;
	r = pthread_create(&in->thread, NULL, input_thread, in);
	if (r) {
		close(in->stop[0]);
		close(in->stop[1]);
		return -r;
	}
	in->started = true;
	return 0;
}

void vmm_input_stop(struct vmm_input *in)
{
	if (!in->started)
		return;
	if (write(in->stop[1], "", 1) < 0)
		pr_warn("cannot stop the input thread: %s", strerror(errno));
	pthread_join(in->thread, NULL);
	close(in->stop[0]);
	close(in->stop[1]);
	in->started = false;
}
