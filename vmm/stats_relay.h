/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host end of the scheduler-stats relay: request lines go to the guest
 * on virtio-console port 2 ("ktstr.stats"), where init/stats_relay.c hands
 * them to the scheduler's scx_stats socket; the response lines come back on
 * the same port. One request is in flight at a time.
 *
 * Two users: a sampler that queries every interval_ms during a test (the
 * responses go into the run's result), and a unix socket on the host
 * (--stats-sock PATH) where `ktstr stats` or any scx_stats client sends
 * lines as if the scheduler ran locally.
 */
#ifndef KTSTR_VMM_STATS_RELAY_H
#define KTSTR_VMM_STATS_RELAY_H

#include <stdint.h>

#include "util/util.h"

struct virtio_console;
struct stats_relay;

struct stats_relay_config {
	const char *sock_path;		/* host socket, or NULL */
	uint32_t interval_ms;		/* sampler period, 0: no sampler */
	const char *req;		/* sampler request, NULL: "stats" */
};

struct stats_relay_outcome {
	struct buf samples;		/* "<ms since boot> <response>\n" lines */
	uint32_t queries, answers;	/* sampler: sent, answered */
	uint32_t sock_requests;		/* relayed for socket clients */
};

/* NULL with one line in @err (e.g. the socket cannot be bound). */
struct stats_relay *stats_relay_start(struct virtio_console *con,
				      const struct stats_relay_config *cfg,
				      char *err, size_t errlen);
/* Bytes the guest wrote on port 2 (from the console's output callback). */
void stats_relay_input(struct stats_relay *r, const uint8_t *data, size_t len);
/*
 * One request line (no newline) to the guest and its response into @resp
 * (NUL-terminated). -ENOTCONN before the guest opened the port,
 * -ETIMEDOUT, -ENOBUFS; 0 on a response.
 */
int stats_relay_query(struct stats_relay *r, const char *req, struct buf *resp,
		      int timeout_ms);
/* Stops the threads, removes the socket, hands over what was sampled. */
void stats_relay_stop(struct stats_relay *r, struct stats_relay_outcome *out);
void stats_relay_outcome_free(struct stats_relay_outcome *out);

#endif
