// SPDX-License-Identifier: GPL-2.0
/*
 * Performance mode refusals: the CPU cap (--cpu-cap / KTSTR_CPU_CAP), the
 * verdict of a refusal (SKIP, or FAIL in no-skip mode) and the
 * perf_mode_no_skip test's host side when the VM did boot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cli/verdict.h"
#include "vmm/hosttune.h"
#include "vmm/perf.h"
#include "vmm/vmm.h"

#define UNAVAIL "PerfModeUnavailable: emulated KVM host (QEMU TCG): ..."
#define BUSY "ResourceContention: LLC 3 busy (held by another ktstr run)"

static void topo(struct __test_metadata *_metadata, const char *spec,
		 struct topology *t)
{
	char err[256];

	ASSERT_EQ(0, topology_parse(spec, 256ULL << 20, t, err, sizeof(err)));
}

TEST(cap_check)
{
	struct topology t;
	char reason[256] = "";

	topo(_metadata, "1n1l1c1t", &t);
	EXPECT_EQ(PERF_OK, perf_cap_check(&t, 0, reason, sizeof(reason)));
	EXPECT_EQ(PERF_OK, perf_cap_check(&t, 2, reason, sizeof(reason)));
	EXPECT_STREQ("", reason);
	EXPECT_EQ(PERF_UNAVAILABLE, perf_cap_check(&t, 1, reason,
						   sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "needs 2 host CPUs (1 vCPUs + 1 service CPU)"));
	EXPECT_NE(NULL, strstr(reason, "--cpu-cap"));
	EXPECT_NE(NULL, strstr(reason, "allows 1"));
	topo(_metadata, "1n2l4c1t", &t);
	EXPECT_EQ(PERF_OK, perf_cap_check(&t, 9, reason, sizeof(reason)));
	EXPECT_EQ(PERF_UNAVAILABLE, perf_cap_check(&t, 8, reason,
						   sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "needs 9 host CPUs (8 vCPUs"));
}

/*
 * The cap refuses performance mode before the host is looked at: no
 * lock taken, no plan, the same -EAGAIN as any refusal.
 */
TEST(cap_refuses_perf_mode)
{
	struct tune_outcome o;
	struct host_tune h;
	struct topology t;

	unsetenv("KTSTR_NO_PERF_MODE");
	topo(_metadata, "1n1l2c1t", &t);
	EXPECT_EQ(-EAGAIN, tune_prepare(&h, true, 0, 2, &t, &o));
	EXPECT_EQ(PERF_UNAVAILABLE, o.perf_status);
	EXPECT_NE(NULL, strstr(o.perf_reason, "needs 3 host CPUs"));
	EXPECT_NE(NULL, strstr(o.perf_reason, "--cpu-cap / KTSTR_CPU_CAP) allows 2"));
	EXPECT_FALSE(o.performance_mode);
	EXPECT_FALSE(o.budget_mode);
	EXPECT_FALSE(h.perf_st.locks.dir);
	tune_release(&h, &o);
	tune_outcome_free(&o);
}

/* Performance mode forced off: budget mode within the cap instead. */
TEST(cap_forced_off_is_budget)
{
	struct tune_outcome o;
	struct host_tune h;
	struct topology t;

	setenv("KTSTR_NO_PERF_MODE", "1", 1);
	topo(_metadata, "1n1l2c1t", &t);
	EXPECT_EQ(0, tune_prepare(&h, true, 0, 1, &t, &o));
	EXPECT_EQ(PERF_OK, o.perf_status);
	EXPECT_FALSE(o.performance_mode);
	EXPECT_TRUE(o.budget_mode);
	EXPECT_EQ(1, o.cpu_budget);
	tune_release(&h, &o);
	tune_outcome_free(&o);
	unsetenv("KTSTR_NO_PERF_MODE");
}

static struct ktstr_test refused_test(void)
{
	return (struct ktstr_test){ .name = "t", .category = "perf",
				    .performance_mode = true };
}

TEST(refusal_skips)
{
	struct ktstr_test t = refused_test();
	char msg[512];

	unsetenv("KTSTR_NO_SKIP_MODE");
	EXPECT_EQ(KTSTR_SKIP, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
	EXPECT_STREQ(UNAVAIL, msg);
	EXPECT_EQ(KTSTR_SKIP, perf_refusal_verdict(&t, PERF_CONTENTION, BUSY,
						   msg, sizeof(msg)));
	EXPECT_STREQ(BUSY, msg);
	setenv("KTSTR_NO_SKIP_MODE", "0", 1);
	EXPECT_EQ(KTSTR_SKIP, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
	unsetenv("KTSTR_NO_SKIP_MODE");
}

TEST(refusal_fails_in_no_skip_mode)
{
	struct ktstr_test t = refused_test();
	char msg[512];

	setenv("KTSTR_NO_SKIP_MODE", "1", 1);
	EXPECT_EQ(KTSTR_FAIL, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, UNAVAIL));
	EXPECT_NE(NULL, strstr(msg, "(KTSTR_NO_SKIP_MODE=1 makes it a failure)"));
	EXPECT_EQ(KTSTR_FAIL, perf_refusal_verdict(&t, PERF_CONTENTION, BUSY,
						   msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, BUSY));
	/* A known failure stays one. */
	t.expect = KTSTR_EXPECT_XFAIL;
	EXPECT_EQ(KTSTR_XFAIL, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						    UNAVAIL, msg, sizeof(msg)));
	t.expect = KTSTR_EXPECT_TIMEOUT;
	EXPECT_EQ(KTSTR_FAIL, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "expected TIMEOUT, got FAIL"));
	unsetenv("KTSTR_NO_SKIP_MODE");
}

/* .no_skip_mode with expect FAIL: the refusal is the expected failure. */
TEST(no_skip_flag_expected_failure)
{
	struct ktstr_test t = refused_test();
	char msg[512];

	unsetenv("KTSTR_NO_SKIP_MODE");
	t.no_skip_mode = true;
	t.expect = KTSTR_EXPECT_FAIL;
	t.expect_msg = "PerfModeUnavailable";
	EXPECT_EQ(KTSTR_PASS, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "failed as expected: " UNAVAIL));
	EXPECT_NE(NULL, strstr(msg, "(the test's no_skip_mode makes it a failure)"));
	/* Only busy: the host can do performance mode, nothing to prove. */
	EXPECT_EQ(KTSTR_SKIP, perf_refusal_verdict(&t, PERF_CONTENTION, BUSY,
						   msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "nothing to prove"));
	/* ...unless the user asked that every skip be a failure. */
	setenv("KTSTR_NO_SKIP_MODE", "1", 1);
	EXPECT_EQ(KTSTR_FAIL, perf_refusal_verdict(&t, PERF_CONTENTION, BUSY,
						   msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "expected a failure containing 'PerfModeUnavailable'"));
	EXPECT_EQ(KTSTR_PASS, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
	unsetenv("KTSTR_NO_SKIP_MODE");
	/* Without the flag the same test would only skip. */
	t.no_skip_mode = false;
	EXPECT_EQ(KTSTR_SKIP, perf_refusal_verdict(&t, PERF_UNAVAILABLE,
						   UNAVAIL, msg, sizeof(msg)));
}

/* The suite's test is declared as the proof needs it: cheap, flagged. */
TEST(no_skip_test_declared)
{
	const struct ktstr_test *t = ktstr_test_find("perf_mode_no_skip");
	struct topology topo_;
	char err[256];

	ASSERT_NE(NULL, t);
	EXPECT_TRUE(t->no_skip_mode);
	EXPECT_TRUE(t->performance_mode);
	EXPECT_FALSE(t->no_perf_mode);
	EXPECT_EQ(KTSTR_EXPECT_FAIL, t->expect);
	EXPECT_STREQ("PerfModeUnavailable", t->expect_msg);
	ASSERT_EQ(0, ktstr_test_topology(t, NULL, &topo_, err, sizeof(err)));
	EXPECT_EQ(1, topology_nr_cpus(&topo_));
}

/* A booted run of a .no_skip_mode test, from its COM1/COM2 output. */
struct booted {
	struct vmm_outcome out;
	struct ktstr_run run;
	struct run_outcome ro;
	struct buf com2;
	const char *com1;
};

static void booted_run(struct booted *b, bool perf, bool exits_note,
		       enum ktstr_verdict guest, const char *com1)
{
	memset(b, 0, sizeof(*b));
	b->out.tune.performance_mode = perf;
	/* The note the arch's vm_arch_perf_exits() gives. */
	if (exits_note)
		buf_printf(&b->out.tune.notes, "perf mode: %s\n",
#ifdef __aarch64__
			   "no exits to disable on aarch64");
#else
			   "exits disabled: PAUSE HLT");
#endif
	result_format(&b->com2, guest, "guest said so", "");
	b->com1 = com1 ? : "";
	/* Checked against its plan, nothing differed. */
	b->out.tune.perf_checked = perf;
	b->run = (struct ktstr_run){ .tune = &b->out.tune };
	b->ro = (struct run_outcome){
		.exit_kind = VM_EXIT_POWEROFF, .exit_msg = "power-off",
		.com1 = b->com1, .com1_len = strlen(b->com1),
		.com2 = (char *)b->com2.data, .com2_len = b->com2.len,
	};
}

static void booted_free(struct booted *b)
{
	buf_free(&b->com2);
	buf_free(&b->out.tune.notes);
}

TEST(no_skip_booted)
{
	const struct ktstr_test *t = ktstr_test_find("perf_mode_no_skip");
	struct booted b;
	char msg[1024];

	ASSERT_NE(NULL, t);
	/* Performance mode honoured, the guest saw it: nothing to prove. */
	booted_run(&b, true, true, KTSTR_PASS, NULL);
	EXPECT_EQ(KTSTR_SKIP, perf_no_skip_booted(t, &b.run, &b.ro, msg,
						  sizeof(msg)));
	EXPECT_STREQ("host can honour performance mode; nothing to prove", msg);
	booted_free(&b);
	/* Honoured, but without exit suppression: a real failure. */
	booted_run(&b, true, false, KTSTR_PASS, NULL);
	EXPECT_EQ(KTSTR_FAIL, perf_no_skip_booted(t, &b.run, &b.ro, msg,
						  sizeof(msg)));
	booted_free(&b);
	/* Honoured, but the guest saw no realtime hint. */
	booted_run(&b, true, true, KTSTR_SKIP, NULL);
	EXPECT_EQ(KTSTR_FAIL, perf_no_skip_booted(t, &b.run, &b.ro, msg,
						  sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "KVM_HINTS_REALTIME"));
	booted_free(&b);
	/* Forced off: booted without performance mode, nothing to prove. */
	booted_run(&b, false, false, KTSTR_SKIP, NULL);
	EXPECT_EQ(KTSTR_SKIP, perf_no_skip_booted(t, &b.run, &b.ro, msg,
						  sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "forced off"));
	booted_free(&b);
	/* A guest failure or a panic is never turned into a SKIP. */
	booted_run(&b, true, true, KTSTR_FAIL, NULL);
	EXPECT_EQ(KTSTR_FAIL, perf_no_skip_booted(t, &b.run, &b.ro, msg,
						  sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "guest said so"));
	booted_free(&b);
	booted_run(&b, false, false, KTSTR_SKIP,
		   "Kernel panic - not syncing: Attempted to kill init!\n");
	EXPECT_EQ(KTSTR_FAIL, perf_no_skip_booted(t, &b.run, &b.ro, msg,
						  sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "panic"));
	booted_free(&b);
}

TEST_HARNESS_MAIN
