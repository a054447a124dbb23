// SPDX-License-Identifier: GPL-2.0
/* kselftest TAP 13 output: lines, directives, totals, exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tap.h"

#include "kselftest_harness.h"

static char *capture(void (*fn)(struct tap *t), int *code)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct tap t;

	tap_header(&t, f, 3);
	fn(&t);
	*code = tap_finish(&t);
	fclose(f);
	return text;
}

static void mixed(struct tap *t)
{
	tap_result(t, "a", KTSTR_PASS, NULL, "diag one\ndiag two\n");
	tap_result(t, "b", KTSTR_SKIP, "PerfModeUnavailable: 2 CPUs\nmore", NULL);
	tap_result(t, "c", KTSTR_TIMEOUT, "watchdog fired", NULL);
}

static void skips(struct tap *t)
{
	tap_result(t, "a", KTSTR_SKIP, "no KVM", NULL);
}

static void xfails(struct tap *t)
{
	tap_result(t, "a", KTSTR_XFAIL, "known bug", NULL);
	tap_result(t, "b", KTSTR_PASS, NULL, NULL);
}

static void hostile(struct tap *t)
{
	tap_result(t, "a", KTSTR_FAIL, "red \x1b[31mtext\rover\x7f",
		   "diag\r\x1b]0;title\x07\n\tok\n");
	tap_result(t, "b", KTSTR_SKIP, "why\rnot ok 9 fake", NULL);
	tap_result(t, "c", KTSTR_XFAIL, "\x1b[2J", NULL);
}

/* The guest's \r and escape sequences reach neither terminal nor parser. */
TEST(control_bytes_escaped)
{
	int code;
	char *s = capture(hostile, &code);

	EXPECT_NE(NULL, strstr(s, "# diag\\x0d\\x1b]0;title\\x07\n# \tok\n"));
	EXPECT_NE(NULL, strstr(s, "# red \\x1b[31mtext\\x0dover\\x7f\nnot ok 1 a\n"));
	EXPECT_NE(NULL, strstr(s, "ok 2 b # SKIP why\\x0dnot ok 9 fake\n"));
	EXPECT_NE(NULL, strstr(s, "ok 3 c # XFAIL \\x1b[2J\n"));
	EXPECT_EQ(strlen(s), strcspn(s, "\x1b\r\x07"));
	free(s);
}

TEST(lines_and_directives)
{
	int code;
	char *s = capture(mixed, &code);

	EXPECT_EQ(0, strncmp(s, "TAP version 13\n1..3\n", 20));
	EXPECT_NE(NULL, strstr(s, "# diag one\n# diag two\nok 1 a\n"));
	EXPECT_NE(NULL, strstr(s, "ok 2 b # SKIP PerfModeUnavailable: 2 CPUs\n"));
	EXPECT_NE(NULL, strstr(s, "# watchdog fired\nnot ok 3 c # TIMEOUT\n"));
	EXPECT_NE(NULL, strstr(s, "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0\n"));
	EXPECT_EQ(KSFT_FAIL, code);
	free(s);
}

TEST(exit_codes)
{
	int code;
	char *s = capture(skips, &code);

	EXPECT_EQ(KSFT_SKIP, code);
	free(s);
	s = capture(xfails, &code);
	EXPECT_EQ(KSFT_PASS, code);
	EXPECT_NE(NULL, strstr(s, "ok 1 a # XFAIL known bug\n"));
	free(s);
}

TEST_HARNESS_MAIN
