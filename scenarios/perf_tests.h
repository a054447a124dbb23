/* SPDX-License-Identifier: GPL-2.0 */
/* Host-side checks of the "perf" tests, on what the VMM observed. */
#ifndef KTSTR_SCENARIOS_PERF_TESTS_H
#define KTSTR_SCENARIOS_PERF_TESTS_H

#include <stddef.h>

#include "scenarios/test.h"
#include "vmm/vmm.h"

/*
 * After a run of @t the guest passed: KTSTR_PASS, or KTSTR_FAIL with
 * @msg set. Tests without a host-side check pass.
 */
int perf_outcome_check(const struct ktstr_test *t,
		       const struct vmm_outcome *out, char *msg, size_t len);

#endif
