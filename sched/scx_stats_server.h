/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stats socket of ktstr's built-in schedulers, in the scx_stats
 * protocol (harness/stats_proto.h), so the same clients work for them and for
 * the scx tree's schedulers:
 *
 *	{"req":"stats","args":{}}	-> the counters of struct ktstr_sched_stats
 *	{"req":"stats_meta","args":{}}	-> what each field means
 *
 * Served by a thread of the scheduler's own process at STATS_SOCK_DFL
 * while it is attached; the counters are read live from the skeleton's .bss.
 */
#ifndef KTSTR_SCHED_SCX_STATS_SERVER_H
#define KTSTR_SCHED_SCX_STATS_SERVER_H

#include <stddef.h>

#include "sched/ktstr_sched.h"
#include "util/util.h"

struct scx_stats_server;

/* Starts serving @live at @path; NULL with one line in @err. */
struct scx_stats_server *scx_stats_serve(const char *path, const char *ops,
					 const struct ktstr_sched_stats *live,
					 char *err, size_t errlen);
/* Stops the thread and removes the socket. */
void scx_stats_server_stop(struct scx_stats_server *s);

/* The response line (with its newline) for one request line. */
void scx_stats_answer(const char *req, const char *ops,
		      const struct ktstr_sched_stats *st, struct buf *resp);

#endif
