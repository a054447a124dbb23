// SPDX-License-Identifier: GPL-2.0
/*
 * scx_stats-style lines: the JSON lookups on untrusted input, request and
 * error lines, line splitting, a socket round trip, and the built-in
 * schedulers' answers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "sched/scx_stats_server.h"
#include "harness/stats_proto.h"
#include "kselftest_harness.h"

TEST(json_lookup)
{
	const char *l = " {\"errno\" : 0, \"x\": [1, {\"a\":\"}\"}], \"args\":{\"resp\":{\"ops\":\"ktstr_fifo\",\"dispatched\":42}}}";
	char s[32];
	long long v;

	ASSERT_EQ(0, stats_json_int(l, "errno", &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, stats_json_int(l, "args.resp.dispatched", &v));
	ASSERT_EQ(42, v);
	ASSERT_EQ(0, stats_json_str(l, "args.resp.ops", s, sizeof(s)));
	ASSERT_STREQ("ktstr_fifo", s);
	ASSERT_EQ(-ENOENT, stats_json_int(l, "args.resp.nope", &v));
	ASSERT_EQ(-EINVAL, stats_json_int(l, "args.resp.ops", &v));
	ASSERT_EQ(-EINVAL, stats_json_str(l, "args.resp.dispatched", s, sizeof(s)));
	/* Escapes and truncation. */
	ASSERT_EQ(0, stats_json_str("{\"m\":\"a\\\"b\\\\c\\nd\"}", "m", s, sizeof(s)));
	ASSERT_STREQ("a\"b\\c\nd", s);
	ASSERT_EQ(0, stats_json_str("{\"m\":\"abcdef\"}", "m", s, 4));
	ASSERT_STREQ("abc", s);
}

TEST(json_garbage)
{
	static const char *const bad[] = {
		"", "[]", "nope", "{", "{\"errno\"", "{\"errno\":", "{\"a\":\"x",
		"{\"a\":[1,2", "{\"a\" 1}", "{1:2}", "{\"a\":1 \"errno\":0}",
		"{\"errno\":0x}", "{\"errno\":\"0\"}",
	};
	long long v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = stats_json_int(bad[i], "errno", &v);

		if (r >= 0)
			TH_LOG("accepted bad line %zu", i);
		EXPECT_GT(0, r);
	}
	/* A long run of nesting must not recurse or overrun. */
	{
		size_t n = 100000;
		char *deep = malloc(n + 16);

		memcpy(deep, "{\"a\":", 5);
		memset(deep + 5, '[', n);
		deep[n + 5] = '\0';
		EXPECT_GT(0, stats_json_int(deep, "errno", &v));
		free(deep);
	}
}

TEST(request_and_error_lines)
{
	struct buf b = {};
	char s[128];
	long long v;

	stats_request(&b, "stats_meta");
	buf_putc(&b, 0);
	ASSERT_STREQ("{\"req\":\"stats_meta\",\"args\":{}}", (char *)b.data);
	b.len = 0;
	stats_request(&b, "{\"req\":\"stats\",\"args\":{\"target\":\"top\"}}");
	buf_putc(&b, 0);
	ASSERT_EQ(0, stats_json_str((char *)b.data, "args.target", s, sizeof(s)));
	ASSERT_STREQ("top", s);
	b.len = 0;
	stats_error_resp(&b, ENOENT, "connect %s: \"%s\"", "/x", "gone");
	ASSERT_EQ('\n', b.data[b.len - 1]);
	b.data[b.len - 1] = 0;
	ASSERT_EQ(NULL, strchr((char *)b.data, '\n'));
	ASSERT_EQ(0, stats_json_int((char *)b.data, "errno", &v));
	ASSERT_EQ(ENOENT, v);
	ASSERT_EQ(0, stats_json_str((char *)b.data, "args.resp", s, sizeof(s)));
	ASSERT_STREQ("connect /x: \"gone\"", s);
	buf_free(&b);
}

TEST(line_take)
{
	struct buf in = {}, line = {};

	buf_put(&in, "one\ntw", 6);
	ASSERT_EQ(1, stats_line_take(&in, &line));
	ASSERT_STREQ("one", (char *)line.data);
	ASSERT_EQ(0, stats_line_take(&in, &line));
	buf_put(&in, "o\n\n", 3);
	ASSERT_EQ(1, stats_line_take(&in, &line));
	ASSERT_STREQ("two", (char *)line.data);
	ASSERT_EQ(1, stats_line_take(&in, &line));
	ASSERT_STREQ("", (char *)line.data);
	ASSERT_EQ(0, in.len);
	/* A line that never ends is dropped, not kept growing. */
	in.len = 0;
	for (size_t i = 0; i < STATS_LINE_MAX / 4096; i++) {
		char chunk[4096];

		memset(chunk, 'x', sizeof(chunk));
		buf_put(&in, chunk, sizeof(chunk));
	}
	ASSERT_EQ(-E2BIG, stats_line_take(&in, &line));
	ASSERT_EQ(0, in.len);
	buf_free(&in);
	buf_free(&line);
}

static struct ktstr_sched_stats live = {
	.enqueued = 7, .dispatched = 9, .local = 2, .nr_llcs = 2,
	.llc_enq = { 3, 4 }, .llc_own = { 3, 3 }, .llc_steal = { 0, 1 },
};

TEST(builtin_answers)
{
	struct buf r = {};
	char s[128];
	long long v;

	scx_stats_answer(STATS_REQ_DFL, "ktstr_llc", &live, &r);
	buf_putc(&r, 0);
	ASSERT_EQ(0, stats_json_int((char *)r.data, "errno", &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, stats_json_int((char *)r.data, "args.resp.dispatched", &v));
	ASSERT_EQ(9, v);
	ASSERT_EQ(0, stats_json_str((char *)r.data, "args.resp.ops", s, sizeof(s)));
	ASSERT_STREQ("ktstr_llc", s);
	ASSERT_NE(NULL, strstr((char *)r.data, "\"llcs\":[{\"queued\":3,\"own\":3,\"stolen\":0},{\"queued\":4,\"own\":3,\"stolen\":1}]"));
	r.len = 0;
	scx_stats_answer("{\"req\":\"stats_meta\"}", "ktstr_llc", &live, &r);
	buf_putc(&r, 0);
	ASSERT_EQ(0, stats_json_str((char *)r.data,
				    "args.resp.ktstr_sched_stats.fields.dispatched.kind",
				    s, sizeof(s)));
	ASSERT_STREQ("u64", s);
	r.len = 0;
	scx_stats_answer("{\"req\":\"reset\"}", "ktstr_llc", &live, &r);
	buf_putc(&r, 0);
	ASSERT_EQ(0, stats_json_int((char *)r.data, "errno", &v));
	ASSERT_EQ(EINVAL, v);
	r.len = 0;
	scx_stats_answer("garbage", "ktstr_llc", &live, &r);
	buf_putc(&r, 0);
	ASSERT_EQ(0, stats_json_int((char *)r.data, "errno", &v));
	ASSERT_EQ(EINVAL, v);
	buf_free(&r);
}

TEST(socket_round_trip)
{
	char path[64], err[256];
	struct scx_stats_server *srv;
	struct buf resp = {};
	long long v;
	int i;

	/* A directory that does not exist yet, like /var/run/scx/root. */
	snprintf(path, sizeof(path), "/tmp/ktstr-stats-test.%d/root/stats", getpid());
	srv = scx_stats_serve(path, "ktstr_fifo", &live, err, sizeof(err));
	ASSERT_NE(NULL, srv) TH_LOG("%s", err);
	for (i = 0; i < 3; i++) {
		resp.len = 0;
		ASSERT_EQ(0, stats_sock_query(path, STATS_REQ_DFL, &resp, 2000,
					      err, sizeof(err))) TH_LOG("%s", err);
		ASSERT_EQ(0, stats_json_int((char *)resp.data, "args.resp.enqueued", &v));
		ASSERT_EQ(7, v);
	}
	scx_stats_server_stop(srv);
	ASSERT_NE(0, access(path, F_OK));
	/* No server: a clear error, not a hang. */
	ASSERT_EQ(-ENOENT, stats_sock_query(path, STATS_REQ_DFL, &resp, 2000,
					    err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, path));
	*strrchr(path, '/') = '\0';
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	buf_free(&resp);
}

/* A server that accepts and never answers: the client times out. */
TEST(socket_silent_server)
{
	char path[64], err[256];
	struct buf resp = {};
	uint64_t t0;
	int fd;

	snprintf(path, sizeof(path), "/tmp/ktstr-stats-silent.%d", getpid());
	fd = stats_sock_listen(path, err, sizeof(err));
	ASSERT_LE(0, fd) TH_LOG("%s", err);
	t0 = now_ns();
	ASSERT_EQ(-ETIMEDOUT, stats_sock_query(path, STATS_REQ_DFL, &resp, 300,
					       err, sizeof(err)));
	ASSERT_GT(2000000000ULL, now_ns() - t0);
	close(fd);
	unlink(path);
	/* Never replaces what is not a socket. */
	ASSERT_EQ(0, write_file_atomic(path, "x", 1));
	ASSERT_EQ(-EEXIST, stats_sock_listen(path, err, sizeof(err)));
	unlink(path);
	buf_free(&resp);
}

TEST_HARNESS_MAIN
