// SPDX-License-Identifier: GPL-2.0
/*
 * json_valid(): what the host copies from the guest into its JSON results
 * must be exactly one well-formed value; everything else is refused.
 */
#include <string.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "util/json.h"
#include "kselftest_harness.h"

static bool valid(const char *s)
{
	return json_valid(s, strlen(s));
}

TEST(accepts)
{
	static const char *const ok[] = {
		"0", "-0", "1.5e3", "-12.25E-2", "true", "false", "null",
		"\"\"", "\"a\\\"b\\\\c\\/\\n\\u00e9\"", "[]", "{}", " [ 1 , 2 ] ",
		"{\"step\":\"s\",\"workers\":[{\"iters\":1,\"lat\":{\"p99\":2}}]}",
		"\n{ \"a\" : [ true , null , { } ] }\t",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		EXPECT_TRUE(valid(ok[i])) TH_LOG("refused case %u", i);
}

TEST(refuses)
{
	static const char *const bad[] = {
		"", " ", "01", "1.", ".5", "1e", "-", "+1", "tru", "nul",
		"\"abc", "\"\\x\"", "\"\\u12g4\"", "\"a\tb\"", "[1,]", "[,1]",
		"{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "[1 2]", "1 2",
		"{}}", "[", "]", "{\"a\":1", "\"a\"x", "NaN", "Infinity",
		"[1]\"", "'a'",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_FALSE(valid(bad[i])) TH_LOG("accepted case %u", i);
}

TEST(bounds)
{
	char deep[2 * JSON_MAX_DEPTH + 4];
	int i;

	/* Exactly the limit nests; one more level is refused. */
	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		deep[i] = '[';
		deep[JSON_MAX_DEPTH + i] = ']';
	}
	deep[2 * JSON_MAX_DEPTH] = '\0';
	EXPECT_TRUE(valid(deep));
	memmove(deep + 1, deep, 2 * JSON_MAX_DEPTH + 1);
	deep[0] = '[';
	strcat(deep, "]");
	EXPECT_FALSE(valid(deep));
	/* A NUL inside, or the length cutting a value short, is refused. */
	EXPECT_FALSE(json_valid("[1]\0", 4));
	EXPECT_FALSE(json_valid("\"a\0b\"", 5));
	EXPECT_FALSE(json_valid("[12]", 3));
	EXPECT_TRUE(json_valid("[12]", 4));
	EXPECT_FALSE(json_valid(NULL, 0));
}

TEST_HARNESS_MAIN
