// SPDX-License-Identifier: GPL-2.0
/*
 * The guest end of the scheduler-stats relay: a child of PID 1 that reads
 * request lines the host writes to the virtio-console port "ktstr.stats",
 * forwards each to the scheduler's stats socket (scx_stats protocol,
 * STATS_SOCK_DFL) and writes the response line back. When no scheduler
 * serves stats, or it does not answer, the host gets an error response
 * ({"errno":N,...}) instead of silence.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness/channel.h"
#include "harness/stats_proto.h"
#include "init/init.h"

#define STATS_PORT_NAME "ktstr.stats"

static void relay_one(int port, const char *req)
{
	struct buf resp = {}, out = {};
	char err[256];
	int r;

	if (!*req)
		return;
	r = stats_sock_query(STATS_SOCK_DFL, req, &resp, STATS_TIMEOUT_MS, err,
			     sizeof(err));
	if (r) {
		stats_error_resp(&out, -r, "ktstr relay: %s", err);
	} else {
		buf_put(&out, resp.data, resp.len);
		buf_putc(&out, '\n');
	}
	write_all(port, out.data, out.len);
	buf_free(&resp);
	buf_free(&out);
}

static __noreturn void relay_loop(int port)
{
	struct buf pending = {}, line = {};
	char chunk[4096];

	for (;;) {
		ssize_t n = read(port, chunk, sizeof(chunk));
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "ktstr-init: stats relay: read: %s\n",
				strerror(errno));
			_exit(1);
		}
		if (!n) {
			/* Host side not connected yet: poll gently. */
			usleep(50000);
			continue;
		}
		buf_put(&pending, chunk, n);
		while ((r = stats_line_take(&pending, &line))) {
			struct buf out = {};

			if (r > 0) {
				relay_one(port, (char *)line.data);
				continue;
			}
			stats_error_resp(&out, E2BIG, "ktstr relay: request over %d bytes",
					 STATS_LINE_MAX);
			write_all(port, out.data, out.len);
			buf_free(&out);
		}
	}
}

pid_t guest_stats_relay_start(void)
{
	int port = channel_wait_port(STATS_PORT_NAME, O_RDWR, PORT_WAIT_MS);
	pid_t pid;

	if (port < 0)
		return -1;
	/* Where scx schedulers put their stats socket. */
	mkdir_p("/var/run/scx/root", 0755);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		relay_loop(port);
	}
	close(port);
	return pid;
}
