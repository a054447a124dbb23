// SPDX-License-Identifier: GPL-2.0
/* newc writer: parsed back by an independent reader and by cpio(1). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "util/util.h"
#include "vmm/cpio.h"
#include "kselftest_harness.h"

#include "newc_reader.h"

#define MAX_ENTS	64

static void build_sample(struct buf *b, bool with_dev)
{
	struct cpio c;

	cpio_init(&c, b);
	if (cpio_add_dir(&c, "/etc", 0755) ||
	    cpio_add_file(&c, "/etc/hello", 0644, "hello\n", 6) ||
	    cpio_add_symlink(&c, "/bin/sh", "busybox") ||
	    cpio_add_file(&c, "/bin/busybox", 0755, "12345", 5) ||
	    (with_dev && cpio_add_dev(&c, "/dev/console", S_IFCHR, 0600, 5, 1)) ||
	    cpio_finish(&c))
		abort();
	cpio_free(&c);
}

TEST(header_fields_and_alignment)
{
	static const char * const names[] = {
		"etc", "etc/hello", "bin", "bin/sh", "bin/busybox", "dev",
		"dev/console", "TRAILER!!!",
	};
	struct ent v[MAX_ENTS];
	struct buf b = {};
	const struct ent *e;
	int i, n;

	build_sample(&b, true);
	n = parse(b.data, b.len, v, MAX_ENTS);
	ASSERT_EQ(ARRAY_SIZE(names), n);
	EXPECT_EQ(0, b.len % 512);
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(names[i], v[i].name);
		EXPECT_EQ(0, v[i].hdr_off % 4);
		EXPECT_EQ(0, v[i].data_off % 4);
		EXPECT_EQ(0, v[i].f[F_UID]);
		EXPECT_EQ(0, v[i].f[F_GID]);
		EXPECT_EQ(0, v[i].f[F_MTIME]);
		EXPECT_EQ(0, v[i].f[F_CHECK]);
		EXPECT_EQ(strlen(names[i]) + 1, v[i].f[F_NAMESIZE]);
		if (i && i < n - 1)
			EXPECT_LT(v[i - 1].f[F_INO], v[i].f[F_INO]);
	}
	e = &v[0];
	EXPECT_EQ(S_IFDIR | 0755, e->f[F_MODE]);
	EXPECT_EQ(2, e->f[F_NLINK]);
	e = &v[1];
	EXPECT_EQ(S_IFREG | 0644, e->f[F_MODE]);
	EXPECT_EQ(1, e->f[F_NLINK]);
	EXPECT_EQ(6, e->f[F_SIZE]);
	EXPECT_EQ(0, memcmp(b.data + e->data_off, "hello\n", 6));
	e = &v[3];
	EXPECT_EQ(S_IFLNK | 0777, e->f[F_MODE]);
	EXPECT_EQ(7, e->f[F_SIZE]);
	EXPECT_EQ(0, memcmp(b.data + e->data_off, "busybox", 7));
	e = &v[6];
	EXPECT_EQ(S_IFCHR | 0600, e->f[F_MODE]);
	EXPECT_EQ(5, e->f[F_RMAJ]);
	EXPECT_EQ(1, e->f[F_RMIN]);
	EXPECT_EQ(0, e->f[F_SIZE]);
	e = &v[n - 1];
	EXPECT_EQ(0, e->f[F_MODE]);
	EXPECT_EQ(0, e->f[F_INO]);
	EXPECT_EQ(0, e->f[F_SIZE]);
	buf_free(&b);
}

TEST(parents_created_before_children)
{
	struct ent v[MAX_ENTS];
	struct buf b = {};
	struct cpio c;
	int n;

	cpio_init(&c, &b);
	ASSERT_EQ(0, cpio_add_file(&c, "/a/b/c/file", 0600, "x", 1));
	ASSERT_EQ(0, cpio_add_symlink(&c, "/a/b/link", "c/file"));
	ASSERT_EQ(0, cpio_add_dir(&c, "/a/b", 0700));	/* exists: no-op */
	ASSERT_EQ(0, cpio_add_parents(&c, "/x/y/z"));
	EXPECT_TRUE(cpio_exists(&c, "/x/y"));
	EXPECT_FALSE(cpio_exists(&c, "/x/y/z"));
	ASSERT_EQ(0, cpio_finish(&c));
	cpio_free(&c);
	n = parse(b.data, b.len, v, MAX_ENTS);
	/* a a/b a/b/c a/b/c/file a/b/link x x/y TRAILER!!! */
	ASSERT_EQ(8, n);
	EXPECT_STREQ("a", v[0].name);
	EXPECT_STREQ("a/b", v[1].name);
	EXPECT_STREQ("a/b/c", v[2].name);
	EXPECT_EQ(S_IFDIR | 0755, v[2].f[F_MODE]);
	EXPECT_STREQ("a/b/c/file", v[3].name);
	EXPECT_STREQ("a/b/link", v[4].name);
	EXPECT_STREQ("x/y", v[6].name);
	EXPECT_TRUE(parents_first(v, n - 1));
	buf_free(&b);
}

TEST(bad_names_and_conflicts)
{
	static const char * const bad[] = {
		"", "rel", "rel/x", "/", "//a", "/a//b", "/a/", "/..",
		"/a/../b", "/a/..", "/.", "/a/./b",
	};
	char *longname = xmalloc(PATH_MAX + 2);
	struct buf b = {};
	struct cpio c;
	size_t i, len;

	cpio_init(&c, &b);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, cpio_add_file(&c, bad[i], 0644, "x", 1))
			TH_LOG("name '%s'", bad[i]);
		EXPECT_EQ(-EINVAL, cpio_add_dir(&c, bad[i], 0755));
	}
	EXPECT_EQ(-EINVAL, cpio_add_file(&c, NULL, 0644, "x", 1));
	/* Names like "..." or "a..b" are fine: only ".." components are. */
	EXPECT_EQ(0, cpio_add_file(&c, "/a..b", 0644, "x", 1));
	EXPECT_EQ(0, cpio_add_file(&c, "/...", 0644, "x", 1));
	/* Stored without '/', plus a NUL: PATH_MAX bytes is the limit. */
	longname[0] = '/';
	memset(longname + 1, 'n', PATH_MAX);
	longname[PATH_MAX + 1] = '\0';
	len = b.len;
	EXPECT_EQ(-EINVAL, cpio_add_file(&c, longname, 0644, "x", 1));
	EXPECT_EQ(len, b.len);	/* nothing half-written */
	longname[PATH_MAX] = '\0';
	EXPECT_EQ(0, cpio_add_file(&c, longname, 0644, "x", 1));
	EXPECT_EQ(-EEXIST, cpio_add_file(&c, "/a..b", 0644, "y", 1));
	EXPECT_EQ(-EEXIST, cpio_add_dir(&c, "/a..b", 0755));
	EXPECT_EQ(-ENOTDIR, cpio_add_file(&c, "/a..b/c", 0644, "y", 1));
	EXPECT_EQ(0, cpio_add_dir(&c, "/d", 0755));
	EXPECT_EQ(-EEXIST, cpio_add_symlink(&c, "/d", "x"));
	EXPECT_EQ(-EINVAL, cpio_add_symlink(&c, "/l", ""));
	EXPECT_EQ(-EINVAL, cpio_add_file(&c, "/m", S_IFREG | 0644, "", 0));
	EXPECT_EQ(-EINVAL, cpio_add_dev(&c, "/dev/x", S_IFREG, 0600, 1, 3));
	EXPECT_EQ(0, cpio_finish(&c));
	EXPECT_EQ(-EBUSY, cpio_add_file(&c, "/late", 0644, "x", 1));
	EXPECT_EQ(-EBUSY, cpio_finish(&c));
	cpio_free(&c);
	free(longname);
	buf_free(&b);
}

/* Runs @cmd and returns its stdout lines joined by '\n', or NULL. */
static char *run(const char *cmd)
{
	struct buf out = {};
	char chunk[4096];
	size_t n;
	FILE *f = popen(cmd, "r");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&out, chunk, n);
	buf_putc(&out, '\0');
	if (pclose(f)) {
		buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

TEST(system_cpio_accepts_archive)
{
	char dir[] = "/tmp/ktstr-cpio-XXXXXX";
	struct buf b = {}, got = {};
	char *path, *list, *cmd, *real;

	if (system("cpio --version >/dev/null 2>&1"))
		SKIP(return, "cpio(1) not installed");
	ASSERT_NE(NULL, mkdtemp(dir));
	path = xasprintf("%s/a.cpio", dir);
	build_sample(&b, true);
	ASSERT_EQ(0, write_file_atomic(path, b.data, b.len));
	cmd = xasprintf("cpio -it --quiet < %s", path);
	list = run(cmd);
	ASSERT_NE(NULL, list);
	EXPECT_STREQ("etc\netc/hello\nbin\nbin/sh\nbin/busybox\ndev\n"
		     "dev/console\n", list);
	free(list);
	free(cmd);

	/* Extract (no device node: that needs CAP_MKNOD) and read back. */
	buf_free(&b);
	build_sample(&b, false);
	ASSERT_EQ(0, write_file_atomic(path, b.data, b.len));
	cmd = xasprintf("cd %s && cpio -id --quiet < a.cpio", dir);
	ASSERT_EQ(0, system(cmd));
	free(cmd);
	cmd = xasprintf("%s/etc/hello", dir);
	ASSERT_EQ(0, read_file(cmd, &got));
	EXPECT_EQ(6, got.len);
	EXPECT_EQ(0, memcmp(got.data, "hello\n", 6));
	free(cmd);
	cmd = xasprintf("%s/bin/sh", dir);
	list = realpath(cmd, NULL);
	free(cmd);
	cmd = xasprintf("%s/bin/busybox", dir);
	real = realpath(cmd, NULL);
	ASSERT_NE(NULL, real);
	EXPECT_STREQ(real, list);
	free(real);
	free(list);
	free(cmd);
	cmd = xasprintf("rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
	free(cmd);
	free(path);
	buf_free(&got);
	buf_free(&b);
}

TEST_HARNESS_MAIN
