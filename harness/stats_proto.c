// SPDX-License-Identifier: GPL-2.0
/* scx_stats-style request/response lines; see stats_proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/stats_proto.h"
#include "util/json.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/*
 * A string at @p (on its opening quote): copied into @out (if not NULL,
 * truncated, simple escapes decoded, \u kept as '?'); returns the byte
 * after the closing quote, or NULL when it does not end.
 */
static const char *scan_string(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (p++; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				c = '?';
				for (int i = 0; i < 4 && p[1]; i++)
					p++;
				break;
			case '\0':
				return NULL;
			default:
				c = *p;
			}
		}
		if (out && n + 1 < len)
			out[n++] = c;
	}
	if (out && len)
		out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/* Past one value of any type; NULL on a malformed one. */
static const char *skip_value(const char *p)
{
	int depth = 0;

	do {
		p = skip_ws(p);
		if (*p == '"') {
			p = scan_string(p, NULL, 0);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
			p++;
			continue;
		}
		if (*p == '}' || *p == ']') {
			if (!depth)
				return p;
			depth--;
			p++;
			continue;
		}
		if (!*p)
			return NULL;
		if (*p == ',' || *p == ':') {
			if (!depth)
				return p;
			p++;
			continue;
		}
		while (*p && !strchr(" \t\r\n,:{}[]\"", *p))
			p++;
	} while (depth);
	return p;
}

/* The value of top-level member @key, or NULL (*err says why). */
static const char *find_member(const char *line, const char *key, int *err)
{
	char name[64];
	const char *p = skip_ws(line);

	*err = -EINVAL;
	if (*p++ != '{')
		return NULL;
	for (;;) {
		p = skip_ws(p);
		if (*p == '}') {
			*err = -ENOENT;
			return NULL;
		}
		if (*p != '"')
			return NULL;
		p = scan_string(p, name, sizeof(name));
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p++ != ':')
			return NULL;
		p = skip_ws(p);
		if (!strcmp(name, key))
			return p;
		p = skip_value(p);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return NULL;
	}
}

/* The value at dotted @path ("args.resp.ops") from object @json. */
static const char *find_path(const char *json, const char *path, int *err)
{
	char key[64];
	const char *v = json;

	while (v && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key)) {
			*err = -EINVAL;
			return NULL;
		}
		memcpy(key, path, n);
		key[n] = '\0';
		path += n + (path[n] == '.');
		v = find_member(v, key, err);
	}
	return v;
}

int stats_json_str(const char *line, const char *path, char *out, size_t len)
{
	int err;
	const char *v = find_path(line, path, &err);

	if (!v)
		return err;
	if (*v != '"' || !scan_string(v, out, len))
		return -EINVAL;
	return 0;
}

int stats_json_int(const char *line, const char *path, long long *val)
{
	int err;
	const char *v = find_path(line, path, &err);
	char *end;

	if (!v)
		return err;
	errno = 0;
	*val = strtoll(v, &end, 10);
	if (end == v || errno)
		return -EINVAL;
	end = (char *)skip_ws(end);
	return *end == ',' || *end == '}' || *end == ']' ? 0 : -EINVAL;
}

void stats_request(struct buf *b, const char *req)
{
	if (*skip_ws(req) == '{') {
		buf_printf(b, "%s", req);
		return;
	}
	buf_printf(b, "{\"req\":");
	json_put_string(b, req);
	buf_printf(b, ",\"args\":{}}");
}

void stats_error_resp(struct buf *b, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	buf_printf(b, "{\"errno\":%d,\"args\":{\"resp\":", err);
	json_put_string(b, msg);
	free(msg);
	buf_printf(b, "}}\n");
}

int stats_line_take(struct buf *in, struct buf *line)
{
	uint8_t *nl = in->len ? memchr(in->data, '\n', in->len) : NULL;
	size_t n;

	if (!nl) {
		if (in->len < STATS_LINE_MAX)
			return 0;
		in->len = 0;
		return -E2BIG;
	}
	n = nl - in->data;
	line->len = 0;
	buf_put(line, in->data, n);
	buf_putc(line, 0);
	line->len--;
	memmove(in->data, nl + 1, in->len - n - 1);
	in->len -= n + 1;
	return 1;
}

int stats_read_line(int fd, struct buf *pending, struct buf *line,
		    int timeout_ms)
{
	uint64_t end = now_ns() + timeout_ms * 1000000ULL;
	char chunk[4096];
	int r;

	while (!(r = stats_line_take(pending, line))) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = (int64_t)(end - now_ns()) / 1000000;
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		buf_put(pending, chunk, n);
	}
	return r < 0 ? r : 0;
}

static int sock_addr(const char *path, struct sockaddr_un *sa, char *err,
		     size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "socket path %s: longer than %zu bytes",
			 path, sizeof(sa->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int stats_sock_query(const char *path, const char *req, struct buf *resp,
		     int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct buf out = {}, pending = {};
	int fd, r = sock_addr(path, &sa, err, errlen);

	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		snprintf(err, errlen, "connect %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	buf_printf(&out, "%s\n", req);
	r = write_all(fd, out.data, out.len);
	if (r) {
		snprintf(err, errlen, "write to %s: %s", path, strerror(-r));
	} else {
		r = stats_read_line(fd, &pending, resp, timeout_ms);
		if (r)
			snprintf(err, errlen, "no response from %s: %s", path,
				 r == -E2BIG ? "line too long" : strerror(-r));
	}
	buf_free(&out);
	buf_free(&pending);
	close(fd);
	return r;
}

int stats_sock_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r = sock_addr(path, &sa, err, errlen);

	if (r)
		return r;
	/* Replace a socket left by a killed run; never any other file. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 8)) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

static bool fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) > 0;
}

/* Polls in short slices so a stop is noticed without pthread_cancel(). */
#define SERVE_SLICE_MS 200

static void serve_client(int c, int stop_fd, int idle_ms, stats_answer_fn fn,
			 void *opaque)
{
	struct buf pending = {}, line = {}, out = {};
	int idle = 0, r;

	while (!fd_readable(stop_fd, 0) && idle < idle_ms) {
		r = stats_read_line(c, &pending, &line, SERVE_SLICE_MS);
		if (r == -ETIMEDOUT) {
			idle += SERVE_SLICE_MS;
			continue;
		}
		if (r)
			break;
		idle = 0;
		out.len = 0;
		fn(opaque, (char *)line.data, &out);
		if (write_all(c, out.data, out.len))
			break;
	}
	buf_free(&pending);
	buf_free(&line);
	buf_free(&out);
}

void stats_serve(int listen_fd, int stop_fd, int idle_ms, stats_answer_fn fn,
		 void *opaque)
{
	struct pollfd p[2] = {
		{ .fd = listen_fd, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};

	while (poll(p, 2, -1) >= 0 || errno == EINTR) {
		int c;

		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_client(c, stop_fd, idle_ms, fn, opaque);
		close(c);
	}
}
