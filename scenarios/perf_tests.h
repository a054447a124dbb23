/* SPDX-License-Identifier: GPL-2.0 */
/* Host-side checks of the "perf" tests, on what the VMM observed. */
#ifndef KTSTR_SCENARIOS_PERF_TESTS_H
#define KTSTR_SCENARIOS_PERF_TESTS_H

#include <stddef.h>

#include "harness/test.h"
#include "vmm/vmm.h"

/*
 * On the guest kernel command line of a performance-mode test run with
 * performance mode forced off (--no-perf-mode, KTSTR_NO_PERF_MODE=1).
 */
#define PERF_OFF_CMDLINE "ktstr.perf_mode=off"

/*
 * After a run of @t the guest passed: KTSTR_PASS, or KTSTR_FAIL with
 * @msg set. Tests without a host-side check pass.
 */
int perf_outcome_check(const struct ktstr_test *t,
		       const struct vmm_outcome *out, char *msg, size_t len);

/*
 * Performance mode refused before boot (@st, @err "PerfModeUnavailable:
 * ..."): SKIP with @err, or, in no-skip mode (KTSTR_NO_SKIP_MODE=1 or
 * t->no_skip_mode), FAIL, judged against t->expect and t->expect_msg like
 * a guest's failure. @msg gets the reason.
 */
enum ktstr_verdict perf_refusal_verdict(const struct ktstr_test *t,
					enum perf_status st, const char *err,
					char *msg, size_t len);

/*
 * A t->no_skip_mode test that booted: performance mode was honoured (or
 * forced off), so there is no refusal to prove. SKIP when the run itself
 * was sound (the guest's own verdict, without t's expectation); any
 * failure of the run stands.
 */
struct run_outcome;
enum ktstr_verdict perf_no_skip_booted(const struct ktstr_test *t,
				       const struct vmm_outcome *out,
				       const struct run_outcome *ro, char *msg,
				       size_t len);

#endif
