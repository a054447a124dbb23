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

/* What Python's json.load refuses must not get into --json. */
TEST(utf8_and_surrogates)
{
	static const char *const ok[] = {
		"\"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
		"\"\\ud83d\\ude00\"", "\"\\uDBFF\\uDFFF\"", "\"\\ufffd\\u0000\"",
	};
	static const char *const bad[] = {
		"\"\xc3\x28\"",		/* bad continuation */
		"\"\xc3\"",			/* cut short by the quote */
		"\"\xc0\xaf\"",		/* overlong '/' */
		"\"\xe0\x80\xaf\"",		/* overlong, 3 bytes */
		"\"\xed\xa0\x80\"",		/* UTF-8 encoded surrogate */
		"\"\xf4\x90\x80\x80\"",	/* past U+10FFFF */
		"\"\xff\"", "\"\x80\"",
		"\"\\ud800\"",		/* lone high surrogate */
		"\"\\ud800x\"", "\"\\ud800\\u0041\"", "\"\\ud800\\ud800\"",
		"\"\\udc00\"",		/* lone low surrogate */
		"\"\\udfff\\ud800\"",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		EXPECT_TRUE(valid(ok[i])) TH_LOG("refused case %u", i);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_FALSE(valid(bad[i])) TH_LOG("accepted case %u", i);
}

/* Whatever bytes the guest sends, the writer's output is valid JSON. */
TEST(writer_output_always_valid)
{
	static const char in[] = "ok \xc3\xa9 bad \xc3\x28 \xed\xa0\x80 \xff"
				 " cut \xe2\x98";
	struct buf b = {};
	unsigned int i;
	char all[256];

	json_put_string(&b, in);
	EXPECT_TRUE(json_valid((char *)b.data, b.len));
	buf_putc(&b, 0);
	EXPECT_STREQ("\"ok \xc3\xa9 bad \\ufffd( \\ufffd\\ufffd\\ufffd \\ufffd cut \\ufffd\\ufffd\"",
		     (char *)b.data);
	buf_free(&b);
	for (i = 1; i < 256; i++)
		all[i - 1] = i;
	all[255] = '\0';
	json_put_string(&b, all);
	EXPECT_TRUE(json_valid((char *)b.data, b.len));
	buf_free(&b);
	/* Cut by @n inside a sequence: that part too. */
	json_put_stringn(&b, "\xe2\x98\x83", 2);
	buf_putc(&b, 0);
	EXPECT_STREQ("\"\\ufffd\\ufffd\"", (char *)b.data);
	buf_free(&b);
}

static void collect(void *ctx, const char *path, const char *tok, size_t len)
{
	buf_printf(ctx, "%s=%.*s;", path, (int)len, tok);
}

/* json_walk(): every scalar with its path, in order; nothing for bad text. */
TEST(walk)
{
	static const char doc[] =
		" {\"a\": 1, \"b\": [true, {\"c\": \"x\"}, []], \"d\": {}, \"e\": null}";
	struct buf b = {};

	ASSERT_TRUE(json_walk(doc, strlen(doc), collect, &b));
	buf_putc(&b, 0);
	EXPECT_STREQ("a=1;b.0=true;b.1.c=\"x\";e=null;", (char *)b.data);
	b.len = 0;
	EXPECT_FALSE(json_walk("{\"a\": 1, \"b\": [", 13, collect, &b));
	EXPECT_EQ(0, b.len);
	EXPECT_TRUE(json_walk("7", 1, collect, &b));
	buf_putc(&b, 0);
	EXPECT_STREQ("=7;", (char *)b.data);
	buf_free(&b);
}

TEST_HARNESS_MAIN
