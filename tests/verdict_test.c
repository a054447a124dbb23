// SPDX-License-Identifier: GPL-2.0
/* COM2 result blocks, panic detection, verdicts against expectations. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/verdict.h"

#include "kselftest_harness.h"

static struct ktstr_test plain = { .name = "t", .category = "boot" };

static enum ktstr_verdict judge(const struct ktstr_test *t,
				enum vm_exit_kind kind, const char *com1,
				const char *com2, char *msg, size_t len)
{
	struct run_outcome o = {
		.exit_kind = kind, .exit_msg = "stopped",
		.com1 = com1, .com1_len = strlen(com1),
		.com2 = com2, .com2_len = strlen(com2),
	};
	struct guest_result r;
	enum ktstr_verdict v = evaluate_run(t, &o, &r, msg, len);

	result_free(&r);
	return v;
}

TEST(round_trip)
{
	struct buf b = {};
	struct guest_result r;

	buf_printf(&b, "noise before\n");
	result_format(&b, KTSTR_FAIL, "worker 3: gap 120 ms\nsecond line",
		      "rate 5\nsteal 7\n");
	result_parse((char *)b.data, b.len, &r);
	ASSERT_TRUE(r.complete);
	EXPECT_EQ(KTSTR_FAIL, r.verdict);
	EXPECT_STREQ("worker 3: gap 120 ms | second line", r.msg);
	buf_putc(&r.diag, 0);
	EXPECT_STREQ("rate 5\nsteal 7\n", (char *)r.diag.data);
	EXPECT_EQ(1, r.exit_code);
	result_free(&r);
	buf_free(&b);
}

TEST(pass_needs_a_complete_block)
{
	char msg[512];

	EXPECT_EQ(KTSTR_FAIL, judge(&plain, VM_EXIT_POWEROFF, "", "KTSTR_EXIT=0\n",
				    msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "no result"));
	EXPECT_EQ(KTSTR_FAIL, judge(&plain, VM_EXIT_POWEROFF, "",
				    RESULT_START "\nverdict=PASS\n", msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "not terminated"));
	EXPECT_EQ(KTSTR_FAIL, judge(&plain, VM_EXIT_POWEROFF, "",
				    RESULT_START "\nverdict=MAYBE\n" RESULT_END "\n",
				    msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "bad verdict"));
	EXPECT_EQ(KTSTR_PASS, judge(&plain, VM_EXIT_POWEROFF, "",
				    RESULT_START "\nverdict=PASS\nmsg=\n" RESULT_END
				    "\nKTSTR_EXIT=0\n", msg, sizeof(msg)));
	/* PASS with a non-zero exit line is inconsistent: FAIL. */
	EXPECT_EQ(KTSTR_FAIL, judge(&plain, VM_EXIT_POWEROFF, "",
				    RESULT_START "\nverdict=PASS\n" RESULT_END
				    "\nKTSTR_EXIT=1\n", msg, sizeof(msg)));
}

TEST(panic_beats_a_pass)
{
	const char *com1 = "boot\nKernel panic - not syncing: sysrq triggered crash\nCPU: 0\n";
	const char *com2 = RESULT_START "\nverdict=PASS\n" RESULT_END "\nKTSTR_EXIT=0\n";
	char msg[512];

	EXPECT_EQ(KTSTR_FAIL, judge(&plain, VM_EXIT_REBOOT, com1, com2, msg,
				    sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "sysrq triggered crash"));
	EXPECT_EQ(KTSTR_FAIL, judge(&plain, VM_EXIT_REBOOT, "",
				    "x\nPANIC: ktstr guest pid 3: Segmentation fault\n",
				    msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "PANIC: ktstr guest"));
}

TEST(timeout_and_expectations)
{
	struct ktstr_test hang = { .name = "h", .category = "boot",
				   .expect = KTSTR_EXPECT_TIMEOUT };
	struct ktstr_test fails = { .name = "f", .category = "boot",
				    .expect = KTSTR_EXPECT_FAIL,
				    .expect_msg = "code 42" };
	struct ktstr_test xfail = { .name = "x", .category = "boot",
				    .expect = KTSTR_EXPECT_XFAIL };
	const char *failed = RESULT_START "\nverdict=FAIL\nmsg=code 42\n"
			     RESULT_END "\nKTSTR_EXIT=1\n";
	const char *passed = RESULT_START "\nverdict=PASS\n" RESULT_END
			     "\nKTSTR_EXIT=0\n";
	char msg[512];

	EXPECT_EQ(KTSTR_TIMEOUT, judge(&plain, VM_EXIT_TIMEOUT, "", "", msg, sizeof(msg)));
	EXPECT_EQ(KTSTR_PASS, judge(&hang, VM_EXIT_TIMEOUT, "", "", msg, sizeof(msg)));
	EXPECT_EQ(KTSTR_FAIL, judge(&hang, VM_EXIT_POWEROFF, "", passed, msg, sizeof(msg)));
	EXPECT_EQ(KTSTR_PASS, judge(&fails, VM_EXIT_POWEROFF, "", failed, msg, sizeof(msg)));
	EXPECT_EQ(KTSTR_FAIL, judge(&fails, VM_EXIT_POWEROFF, "", passed, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "expected FAIL"));
	fails.expect_msg = "other text";
	EXPECT_EQ(KTSTR_FAIL, judge(&fails, VM_EXIT_POWEROFF, "", failed, msg, sizeof(msg)));
	EXPECT_EQ(KTSTR_XFAIL, judge(&xfail, VM_EXIT_POWEROFF, "", failed, msg, sizeof(msg)));
	EXPECT_EQ(KTSTR_XPASS, judge(&xfail, VM_EXIT_POWEROFF, "", passed, msg, sizeof(msg)));
}

/*
 * @s copied to end right at a PROT_NONE page, as a COM2 buffer that is not
 * NUL-terminated: a read past its end faults (ASan's heap-buffer-overflow
 * without ASan). Returns the copy; *@map is for munmap(.., 2 pages).
 */
static const char *at_page_end(const char *s, void **map)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	mprotect(m + pg, pg, PROT_NONE);
	*map = m;
	memcpy(m + pg - strlen(s), s, strlen(s));
	return m + pg - strlen(s);
}

static int exit_of(const char *com2, size_t len)
{
	struct guest_result r;
	int code;

	result_parse(com2, len, &r);
	code = r.exit_code;
	result_free(&r);
	return code;
}

/* The guest ends on the digits, no newline: no read past COM2's end. */
TEST(exit_code_at_buffer_end)
{
	static const char *const cases[] = {
		"KTSTR_EXIT=0", "x\nKTSTR_EXIT=7", "KTSTR_EXIT=255",
		"KTSTR_EXIT=256", "KTSTR_EXIT=", "KTSTR_EXIT=99999999999999999999",
		"KTSTR_EXIT=0000000000000000000000000000000000000000000003",
		RESULT_START "\nverdict=PASS\n" RESULT_END "\nKTSTR_EXIT=0",
		"KTSTR_EXIT", "EXIT=1", "\nKTSTR_EXIT=-1", "\nKTSTR_EXIT= 1",
	};
	static const int want[] = { 0, 7, 255, -1, -1, -1, 3, 0, -1, -1, -1, -1 };
	size_t i;

	ASSERT_EQ(ARRAY_SIZE(cases), ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		void *map;
		const char *com2 = at_page_end(cases[i], &map);

		ASSERT_NE(NULL, com2);
		EXPECT_EQ(want[i], exit_of(com2, strlen(cases[i])))
			TH_LOG("case '%s'", cases[i]);
		munmap(map, 2 * sysconf(_SC_PAGESIZE));
	}
	/* The last line counts; '\r' before its newline is fine. */
	EXPECT_EQ(3, exit_of("KTSTR_EXIT=1\nKTSTR_EXIT=3\r\n", 27));
	EXPECT_EQ(-1, exit_of("KTSTR_EXIT=1\nKTSTR_EXIT=3x\n", 27));
	EXPECT_EQ(-1, exit_of(NULL, 0));
}

TEST_HARNESS_MAIN
