// SPDX-License-Identifier: GPL-2.0
/* A built-in scheduler's scx_stats socket; see scx_stats_server.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sched/scx_stats_server.h"
#include "harness/stats_proto.h"
#include "util/json.h"

/* Name and meaning of each scalar counter, for "stats" and "stats_meta". */
static const struct {
	const char *name, *desc;
	size_t off;
} fields[] = {
	{ "enqueued", "ops.enqueue() calls",
	  offsetof(struct ktstr_sched_stats, enqueued) },
	{ "dispatched", "tasks put on any DSQ",
	  offsetof(struct ktstr_sched_stats, dispatched) },
	{ "local", "tasks sent straight to an idle CPU's local DSQ",
	  offsetof(struct ktstr_sched_stats, local) },
	{ "nr_llcs", "LLC DSQs in use (llc scheduler)",
	  offsetof(struct ktstr_sched_stats, nr_llcs) },
};

static void put_stats(struct buf *b, const char *ops,
		      const struct ktstr_sched_stats *st)
{
	struct ktstr_sched_stats s;
	uint64_t i, nr;
	size_t f;

	/* One read of the live counters, each a plain aligned u64. */
	memcpy(&s, st, sizeof(s));
	buf_printf(b, "{\"ops\":");
	json_put_string(b, ops);
	for (f = 0; f < ARRAY_SIZE(fields); f++)
		buf_printf(b, ",\"%s\":%llu", fields[f].name,
			   (unsigned long long)*(__u64 *)((char *)&s + fields[f].off));
	nr = MIN(s.nr_llcs, (uint64_t)KTSTR_SCX_MAX_LLCS);
	buf_printf(b, ",\"llcs\":[");
	for (i = 0; i < nr; i++)
		buf_printf(b, "%s{\"queued\":%llu,\"own\":%llu,\"stolen\":%llu}",
			   i ? "," : "", (unsigned long long)s.llc_enq[i],
			   (unsigned long long)s.llc_own[i],
			   (unsigned long long)s.llc_steal[i]);
	buf_printf(b, "]}");
}

static void put_meta(struct buf *b, const char *ops)
{
	size_t f;

	buf_printf(b, "{\"ktstr_sched_stats\":{\"name\":\"ktstr_sched_stats\",\"desc\":");
	json_put_string(b, ops);
	buf_printf(b, ",\"fields\":{");
	for (f = 0; f < ARRAY_SIZE(fields); f++) {
		buf_printf(b, "%s\"%s\":{\"kind\":\"u64\",\"desc\":", f ? "," : "",
			   fields[f].name);
		json_put_string(b, fields[f].desc);
		buf_putc(b, '}');
	}
	buf_printf(b, ",\"llcs\":{\"kind\":\"array\",\"desc\":\"per LLC: queued, taken by own CPUs, stolen by others\"}}}}");
}

void scx_stats_answer(const char *req, const char *ops,
		      const struct ktstr_sched_stats *st, struct buf *resp)
{
	char name[64];
	int r = stats_json_str(req, "req", name, sizeof(name));

	if (r) {
		stats_error_resp(resp, EINVAL, "%s: request without a \"req\" string",
				 ops);
		return;
	}
	if (strcmp(name, "stats") && strcmp(name, "stats_meta")) {
		stats_error_resp(resp, EINVAL, "%s: unknown request '%s' (stats, stats_meta)",
				 ops, name);
		return;
	}
	buf_printf(resp, "{\"errno\":0,\"args\":{\"resp\":");
	if (!strcmp(name, "stats"))
		put_stats(resp, ops, st);
	else
		put_meta(resp, ops);
	buf_printf(resp, "}}\n");
}

struct scx_stats_server {
	int fd;
	int stop_pipe[2];		/* readable: the thread ends */
	char path[108];
	char ops[128];
	const struct ktstr_sched_stats *live;
	pthread_t thread;
};

static void answer(void *opaque, const char *req, struct buf *out)
{
	struct scx_stats_server *s = opaque;

	scx_stats_answer(req, s->ops, s->live, out);
}

static void *serve(void *arg)
{
	struct scx_stats_server *s = arg;

	stats_serve(s->fd, s->stop_pipe[0], 10000, answer, s);
	return NULL;
}

struct scx_stats_server *scx_stats_serve(const char *path, const char *ops,
					 const struct ktstr_sched_stats *live,
					 char *err, size_t errlen)
{
	struct scx_stats_server *s = xzalloc(sizeof(*s));
	char *slash;
	int r;

	if (pipe2(s->stop_pipe, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(s);
		return NULL;
	}
	/* Its directory may not exist yet (no relay, no other scheduler). */
	snprintf(s->path, sizeof(s->path), "%s", path);
	slash = strrchr(s->path, '/');
	if (slash && slash != s->path) {
		*slash = '\0';
		mkdir_p(s->path, 0755);
		*slash = '/';
	}
	s->fd = stats_sock_listen(path, err, errlen);
	if (s->fd < 0)
		goto fail;
	snprintf(s->ops, sizeof(s->ops), "%s", ops);
	s->live = live;
	r = pthread_create(&s->thread, NULL, serve, s);
	if (!r)
		return s;
	snprintf(err, errlen, "stats thread: %s", strerror(r));
	close(s->fd);
	unlink(path);
fail:
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
	return NULL;
}

void scx_stats_server_stop(struct scx_stats_server *s)
{
	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) != 1)
		return;		/* leave the thread: the process is ending */
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	unlink(s->path);
	free(s);
}
