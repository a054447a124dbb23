/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scheduler statistics, scx_stats style: a client writes one JSON request
 * line to a unix socket and reads one JSON response line back.
 *
 *	-> {"req":"stats","args":{}}
 *	<- {"errno":0,"args":{"resp":{"dispatched":123,...}}}
 *
 * sched_ext schedulers of the scx tree serve it at STATS_SOCK_DFL; ktstr's
 * built-in schedulers do too. Inside the VM a relay carries the lines to
 * and from the virtio-console port "ktstr.stats", and the host offers the
 * same protocol on a socket of its own (ktstr run/shell --stats-sock), so
 * `ktstr stats` (or any scx_stats client) talks to a guest's scheduler.
 *
 * Every line is untrusted: helpers bound their input and never need it to
 * be valid JSON beyond what they look at.
 */
#ifndef KTSTR_HARNESS_STATS_PROTO_H
#define KTSTR_HARNESS_STATS_PROTO_H

#include <stddef.h>

#include "util/util.h"

#define STATS_SOCK_DFL		"/var/run/scx/root/stats"
#define STATS_REQ_DFL		"{\"req\":\"stats\",\"args\":{}}"
#define STATS_LINE_MAX		(1024 * 1024)	/* longest line accepted */
#define STATS_TIMEOUT_MS	5000

/*
 * The member at dotted @path ("req", "args.resp.dispatched") of the JSON
 * object in @line: a string copied (simple escapes decoded, truncated)
 * into @out, or for stats_json_int() an integer. 0, -ENOENT (no such
 * member), -EINVAL (not an object, or the value has the wrong type).
 */
int stats_json_str(const char *line, const char *path, char *out, size_t len);
int stats_json_int(const char *line, const char *path, long long *val);

/* A request line: "stats" becomes {"req":"stats","args":{}}, JSON stays. */
void stats_request(struct buf *b, const char *req);
/* {"errno":@err,"args":{"resp":"<message>"}} and a newline. */
void stats_error_resp(struct buf *b, int err, const char *fmt, ...)
	__printf(3, 4);

/*
 * Moves the first newline-terminated line of @in (newline dropped) into
 * @line, NUL-terminated. 1: a line; 0: none yet; -E2BIG: @in holds
 * STATS_LINE_MAX bytes without a newline (they are dropped).
 */
int stats_line_take(struct buf *in, struct buf *line);

/* Reads from @fd until @line holds a line; -ETIMEDOUT after @timeout_ms. */
int stats_read_line(int fd, struct buf *pending, struct buf *line,
		    int timeout_ms);

/*
 * One round trip on the unix socket @path: @req (a line without its
 * newline), the response into @resp (NUL-terminated, no newline).
 * 0, or -errno with one line in @err.
 */
int stats_sock_query(const char *path, const char *req, struct buf *resp,
		     int timeout_ms, char *err, size_t errlen);
/* Answers one request line @req: the response line, newline included. */
typedef void (*stats_answer_fn)(void *opaque, const char *req,
				struct buf *out);
/*
 * Serves clients of @listen_fd one at a time until @stop_fd is readable;
 * each request line gets @fn's answer. A client silent for @idle_ms is
 * dropped. Runs on a thread of its own.
 */
void stats_serve(int listen_fd, int stop_fd, int idle_ms, stats_answer_fn fn,
		 void *opaque);
/* Binds and listens on @path (a stale socket file is replaced); fd or -errno. */
int stats_sock_listen(const char *path, char *err, size_t errlen);

#endif
