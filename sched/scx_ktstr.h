/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched_ext around a ktstr test body: start ctx->test->scheduler before the
 * load, check it during, stop it after. A scheduler that exits or is kicked
 * out on its own is a SCHED_EXIT: the test FAILs with
 * "SCHED_EXIT <ops>: <kind> (<reason>): <msg>", which also goes into a diag
 * line, and scx_test_send_exit() sends it as the SCHED_EXIT frame.
 *
 * Calls nest: once something (init, or the body itself) has begun, further
 * begins are no-ops, and the first end stops the scheduler.
 */
#ifndef KTSTR_SCHED_SCX_KTSTR_H
#define KTSTR_SCHED_SCX_KTSTR_H

#include "harness/test.h"
#include "sched/scx.h"

/* KTSTR_PASS (also for EEVDF), or KTSTR_FAIL with the reason set. */
int scx_test_begin(struct ktstr_ctx *ctx);
/* KTSTR_PASS while it is enabled under its ops name, else KTSTR_FAIL. */
int scx_test_check(struct ktstr_ctx *ctx);
/*
 * 1 when the test scheduler has left "enabled": a test stops the load it
 * runs before scx_test_check() waits for the disable, which needs CPU time
 * the load would take. 0 otherwise (also under EEVDF).
 */
int scx_test_left(void);
/* Stops it; @verdict, or KTSTR_FAIL on a SCHED_EXIT or a failed stop. */
int scx_test_end(struct ktstr_ctx *ctx, int verdict);
/* The running test scheduler, or NULL (EEVDF, or not begun). */
struct scx_sched *scx_test_sched(void);
/* The SCHED_EXIT seen in this process, if any, as a data-channel frame. */
void scx_test_send_exit(struct ktstr_ctx *ctx);
/*
 * For the "llc" scheduler: its statistics show a queue per declared LLC,
 * and that every LLC queued work and its own CPUs took from that queue
 * (a diag line per LLC). KTSTR_PASS, or KTSTR_FAIL naming the LLC.
 */
int scx_test_check_llc(struct ktstr_ctx *ctx);
/*
 * Wires the scenario engine's OP_SCHED_START/OP_SCHED_STOP and its check
 * during holds (scenarios/scenario.h) to scx_test_begin/end/check, so a
 * scenario and PID 1 share one scheduler: no double start, and a toggle
 * leaves the new instance for scx_test_end() to stop.
 */
void scx_test_scenario_hook(void);

#endif
