// SPDX-License-Identifier: GPL-2.0
/* Host end of the scheduler-stats relay; see stats_relay.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/stats_proto.h"
#include "virtio/console.h"
#include "vmm/stats_relay.h"

#define SAMPLES_MAX	256	/* kept per run; later ones are counted only */

struct stats_relay {
	struct virtio_console *con;
	struct stats_relay_config cfg;
	pthread_mutex_t lock;		/* in, stopping */
	pthread_cond_t cond;
	struct buf in;			/* guest -> host bytes not yet taken */
	bool stopping;
	pthread_mutex_t query_lock;	/* one request in flight */
	int listen_fd;
	int stop_pipe[2];		/* readable: the threads end */
	pthread_t listener, sampler;
	bool has_listener, has_sampler;
	uint64_t t0;
	struct stats_relay_outcome out;	/* under query_lock */
};

void stats_relay_input(struct stats_relay *r, const uint8_t *data, size_t len)
{
	pthread_mutex_lock(&r->lock);
	/* A guest that never ends its line cannot grow this without bound. */
	if (r->in.len + len > 2 * STATS_LINE_MAX)
		r->in.len = 0;
	/* Nor one huge buffer: a line that long is garbage anyway. */
	buf_put_capped(&r->in, data, len, 2 * STATS_LINE_MAX);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

int stats_relay_query(struct stats_relay *r, const char *req, struct buf *resp,
		      int timeout_ms)
{
	struct timespec deadline;
	struct buf line = {};
	int ret = 0, t;

	pthread_mutex_lock(&r->query_lock);
	if (!virtio_console_port_open(r->con, CON_PORT_STATS)) {
		pthread_mutex_unlock(&r->query_lock);
		return -ENOTCONN;
	}
	pthread_mutex_lock(&r->lock);
	r->in.len = 0;			/* a late answer to a timed-out request */
	pthread_mutex_unlock(&r->lock);
	buf_printf(&line, "%s\n", req);
	ret = virtio_console_send(r->con, CON_PORT_STATS, line.data, line.len);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!ret && !(t = stats_line_take(&r->in, resp))) {
		if (r->stopping)
			ret = -ECANCELED;
		else if (pthread_cond_timedwait(&r->cond, &r->lock, &deadline) == ETIMEDOUT)
			ret = -ETIMEDOUT;
	}
	if (!ret && t < 0)
		ret = t;
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_unlock(&r->query_lock);
	buf_free(&line);
	return ret;
}

/* Sleeps @ms unless told to stop; true when stopping. */
static bool wait_stop(struct stats_relay *r, int ms)
{
	struct pollfd p = { .fd = r->stop_pipe[0], .events = POLLIN };

	return poll(&p, 1, ms) != 0;
}

static void *sampler(void *arg)
{
	struct stats_relay *r = arg;
	const char *req = r->cfg.req ? : STATS_REQ_DFL;
	struct buf resp = {};

	while (!wait_stop(r, r->cfg.interval_ms)) {
		struct stats_relay_outcome *o = &r->out;
		int ret;

		resp.len = 0;
		ret = stats_relay_query(r, req, &resp, STATS_TIMEOUT_MS);
		if (ret == -ENOTCONN)
			continue;	/* the guest is still booting */
		pthread_mutex_lock(&r->query_lock);
		o->queries++;
		if (!ret) {
			o->answers++;
			if (o->answers <= SAMPLES_MAX)
				buf_printf(&o->samples, "%llu %s\n",
					   (unsigned long long)(now_ns() - r->t0) / 1000000,
					   (char *)resp.data);
		}
		pthread_mutex_unlock(&r->query_lock);
	}
	buf_free(&resp);
	return NULL;
}

/* One request of a host client relayed; its response line into @out. */
static void relay_request(void *opaque, const char *req, struct buf *out)
{
	struct stats_relay *r = opaque;
	struct buf resp = {};
	int ret = stats_relay_query(r, req, &resp, STATS_TIMEOUT_MS + 1000);

	if (ret)
		stats_error_resp(out, -ret, "ktstr: guest stats relay: %s",
				 ret == -ENOTCONN ? "the guest has not opened the stats port (still booting?)" :
				 strerror(-ret));
	else
		buf_printf(out, "%s\n", (char *)resp.data);
	buf_free(&resp);
	pthread_mutex_lock(&r->query_lock);
	r->out.sock_requests++;
	pthread_mutex_unlock(&r->query_lock);
}

/* Host clients, one at a time; idle ones are dropped after a minute. */
static void *listener(void *arg)
{
	struct stats_relay *r = arg;

	stats_serve(r->listen_fd, r->stop_pipe[0], 60000, relay_request, r);
	return NULL;
}

struct stats_relay *stats_relay_start(struct virtio_console *con,
				      const struct stats_relay_config *cfg,
				      char *err, size_t errlen)
{
	struct stats_relay *r = xzalloc(sizeof(*r));

	r->con = con;
	r->cfg = *cfg;
	r->listen_fd = -1;
	r->t0 = now_ns();
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->query_lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pipe2(r->stop_pipe, O_CLOEXEC)) {
		snprintf(err, errlen, "stats relay: pipe: %s", strerror(errno));
		free(r);
		return NULL;
	}
	if (cfg->sock_path) {
		r->listen_fd = stats_sock_listen(cfg->sock_path, err, errlen);
		if (r->listen_fd < 0) {
			r->listen_fd = -1;
			stats_relay_stop(r, NULL);
			return NULL;
		}
		r->has_listener = !pthread_create(&r->listener, NULL, listener, r);
	}
	if (cfg->interval_ms)
		r->has_sampler = !pthread_create(&r->sampler, NULL, sampler, r);
	return r;
}

void stats_relay_stop(struct stats_relay *r, struct stats_relay_outcome *out)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (write(r->stop_pipe[1], "x", 1) < 0)
		pr_warn("stats relay: cannot stop its threads: %s", strerror(errno));
	if (r->has_sampler)
		pthread_join(r->sampler, NULL);
	if (r->has_listener)
		pthread_join(r->listener, NULL);
	if (r->listen_fd >= 0) {
		close(r->listen_fd);
		unlink(r->cfg.sock_path);
	}
	close(r->stop_pipe[0]);
	close(r->stop_pipe[1]);
	if (out)
		*out = r->out;
	else
		stats_relay_outcome_free(&r->out);
	buf_free(&r->in);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->query_lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

void stats_relay_outcome_free(struct stats_relay_outcome *out)
{
	buf_free(&out->samples);
	memset(out, 0, sizeof(*out));
}
