// SPDX-License-Identifier: GPL-2.0
/* ELF dependency closure and the cached, gzip'ed initramfs. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Ours first: kselftest.h only defines ARRAY_SIZE/__noreturn if unset. */
#include "util/util.h"
#include "vmm/elfdeps.h"
#include "vmm/initramfs.h"
#include "kselftest_harness.h"
#include "newc_reader.h"

#define MAX_ENTS	512


static const struct elf_dep *dep_by_soname(const struct elf_deps *d,
					   const char *soname)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (!strcmp(d->v[i].soname, soname))
			return &d->v[i];
	}
	return NULL;
}

static const struct elf_dep *interp_of(const struct elf_deps *d)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (d->v[i].interp)
			return &d->v[i];
	}
	return NULL;
}

static char *self_exe(void)
{
	char *p = realpath("/proc/self/exe", NULL);

	if (!p)
		abort();
	return p;
}

static void put_file(const char *path, const void *data, size_t len)
{
	if (write_file_atomic(path, data, len))
		abort();
}

/* A header-only ELF: enough for libelf, no program headers, no dynamic. */
static void put_tiny_elf(const char *path, uint16_t type, uint16_t machine)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = type,
		.e_machine = machine,
		.e_version = EV_CURRENT,
		.e_ehsize = sizeof(eh),
	};

	put_file(path, &eh, sizeof(eh));
}

/* An ELF whose PT_INTERP points past the end of the file. */
static void put_bad_interp_elf(const char *path)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
	} f = {
		.eh = {
			.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
				     ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
			.e_type = ET_EXEC,
			.e_machine = EM_X86_64,
			.e_version = EV_CURRENT,
			.e_phoff = sizeof(Elf64_Ehdr),
			.e_ehsize = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr),
			.e_phnum = 1,
		},
		.ph = {
			.p_type = PT_INTERP,
			.p_offset = 1 << 20,
			.p_filesz = 28,
		},
	};

	put_file(path, &f, sizeof(f));
}

static char *make_tmpdir(void)
{
	char *dir = xstrdup("/tmp/ktstr-initramfs-XXXXXX");

	if (!mkdtemp(dir))
		abort();
	return dir;
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd))
		abort();
	free(cmd);
}

/* Whether @path is an ELF of this test's own kind with a PT_INTERP. */
static bool is_dynamic_elf(const char *path)
{
	Elf64_Ehdr eh, self_eh;
	Elf64_Phdr ph;
	bool dynamic = false;
	int fd, self_fd, i;

	self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self_fd < 0 ||
	    pread(self_fd, &self_eh, sizeof(self_eh), 0) != sizeof(self_eh))
		abort();
	close(self_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, self_eh.e_ident, EI_OSABI) ||
	    eh.e_machine != self_eh.e_machine ||
	    eh.e_phentsize != sizeof(ph))
		goto out;
	for (i = 0; i < eh.e_phnum && !dynamic; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph))
			break;
		dynamic = ph.p_type == PT_INTERP;
	}
out:
	close(fd);
	return dynamic;
}

/*
 * A dynamically linked program every host has, or NULL. Not always
 * /bin/true: where it is a symlink to a static busybox (the emulated arm64
 * host) it has no loader and no libc.
 */
static const char *dynamic_host_elf(void)
{
	static const char * const candidates[] = {
		"/bin/true", "/bin/bash", "/usr/bin/env", "/bin/sh",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(candidates); i++) {
		if (is_dynamic_elf(candidates[i]))
			return candidates[i];
	}
	return NULL;
}

#define NO_DYNAMIC_ELF "no dynamically linked /bin/true, /bin/bash, /usr/bin/env or /bin/sh"

TEST(closure_of_dynamic_host_binary)
{
	const char *prog = dynamic_host_elf();
	struct elf_deps d = {};
	const struct elf_dep *libc, *ld;
	struct stat st;
	int i, j;

	if (!prog)
		SKIP(return, NO_DYNAMIC_ELF);
	TH_LOG("closure of %s", prog);
	ASSERT_EQ(0, elf_deps_add(&d, prog));
	libc = dep_by_soname(&d, "libc.so.6");
	ASSERT_NE(NULL, libc);
	ASSERT_EQ(0, stat(libc->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_TRUE(libc->std_dir);
	ld = interp_of(&d);
	ASSERT_NE(NULL, ld);
	EXPECT_EQ('/', ld->path[0]);
	EXPECT_EQ(0, access(ld->path, R_OK));
#if defined(__x86_64__)
	EXPECT_STREQ("/lib64/ld-linux-x86-64.so.2", ld->path);
#elif defined(__aarch64__)
	EXPECT_STREQ("/lib/ld-linux-aarch64.so.1", ld->path);
#endif
	/* libc needs the loader by soname: it must not come in twice. */
	for (i = 0; i < d.nr; i++) {
		for (j = i + 1; j < d.nr; j++)
			EXPECT_STRNE(d.v[i].soname, d.v[j].soname);
	}
	elf_deps_free(&d);
}

/*
 * ldd lists the closure ld.so itself computes: the sonames must match.
 * Of this test binary if it is dynamic, else (STATIC=1, as cross builds
 * are) of a dynamic host program.
 */
TEST(closure_matches_ldd)
{
	char *exe = self_exe(), *cmd, line[PATH_MAX + 128], *arrow;
	const char *prog = is_dynamic_elf(exe) ? exe : dynamic_host_elf();
	struct elf_deps d = {};
	int nr_ldd = 0, ret;
	FILE *f;

	if (!prog) {
		free(exe);
		SKIP(return, "a static test binary and " NO_DYNAMIC_ELF);
	}
	cmd = xasprintf("ldd '%s' >/dev/null 2>&1", prog);
	ret = system(cmd);
	free(cmd);
	if (ret) {
		free(exe);
		SKIP(return, "ldd not usable");
	}
	TH_LOG("closure of %s", prog);
	ASSERT_EQ(0, elf_deps_add(&d, prog));
	cmd = xasprintf("ldd '%s'", prog);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		const char *name = line + strspn(line, " \t");

		arrow = strstr(line, " => ");
		if (!arrow)
			continue;	/* vdso and the loader line */
		*arrow = '\0';
		nr_ldd++;
		EXPECT_NE(NULL, dep_by_soname(&d, name))
			TH_LOG("ldd lists %s, elf_deps_add() missed it", name);
	}
	pclose(f);
	/* ... and nothing more, except the loader that ldd prints apart. */
	EXPECT_EQ(nr_ldd + 1, d.nr);
	if (prog == exe)
		EXPECT_NE(NULL, dep_by_soname(&d, "libelf.so.1"));
	EXPECT_NE(NULL, interp_of(&d));
	elf_deps_free(&d);
	free(cmd);
	free(exe);
}

TEST(missing_static_and_non_elf)
{
	char *dir = make_tmpdir(), *p;
	struct elf_deps d = {};

	p = xasprintf("%s/none", dir);
	EXPECT_EQ(-ENOENT, elf_deps_add(&d, p));
	EXPECT_EQ(0, d.nr);
	free(p);

	p = xasprintf("%s/script", dir);
	put_file(p, "#!/bin/sh\necho hi\n", 18);
	EXPECT_EQ(-ENOEXEC, elf_deps_add(&d, p));
	EXPECT_EQ(0, d.nr);
	free(p);

	p = xasprintf("%s/static", dir);
	put_tiny_elf(p, ET_EXEC, EM_X86_64);
	EXPECT_EQ(0, elf_deps_add(&d, p));
	EXPECT_EQ(0, d.nr);
	free(p);

	p = xasprintf("%s/badinterp", dir);
	put_bad_interp_elf(p);
	EXPECT_EQ(-EINVAL, elf_deps_add(&d, p));
	EXPECT_EQ(0, d.nr);
	free(p);

	/* Debian's ldconfig is a static-pie: PT_DYNAMIC, but no needs. */
	if (!access("/sbin/ldconfig", R_OK)) {
		EXPECT_EQ(0, elf_deps_add(&d, "/sbin/ldconfig"));
		EXPECT_EQ(0, d.nr);
	}
	elf_deps_free(&d);
	rm_rf(dir);
	free(dir);
}

/*
 * A program with RUNPATH $ORIGIN/../bad:$ORIGIN/../lib. bad/ holds a
 * non-ELF and a foreign-machine file with the soname: both must be skipped.
 */
static char *build_runpath_prog(const char *dir)
{
	static const char * const steps[] = {
		"mkdir -p lib bin bad",
		"echo 'int kt(void) { return 42; }' > kt.c",
		"echo 'int kt(void); int main(void) { return kt() != 42; }' > main.c",
		"cc -shared -fPIC -Wl,-soname,libktstrtest.so.1 -o lib/libktstrtest.so.1 kt.c",
		"cc -o bin/prog main.c lib/libktstrtest.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../bad:$ORIGIN/../lib'",
		"bin/prog",
	};
	char *cmd, *p;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		cmd = xasprintf("cd '%s' && %s", dir, steps[i]);
		ret = system(cmd);
		free(cmd);
		if (ret)
			return NULL;
	}
	p = xasprintf("%s/bad/libktstrtest.so.1", dir);
	put_tiny_elf(p, ET_DYN, EM_S390);
	free(p);
	return xasprintf("%s/bin/prog", dir);
}

TEST(runpath_origin_and_missing_soname)
{
	char *dir = make_tmpdir(), *prog, *want, *got, *lib;
	const struct elf_dep *e;
	struct elf_deps d = {};

	prog = build_runpath_prog(dir);
	if (!prog) {
		rm_rf(dir);
		SKIP(return, "no working C compiler to build a RUNPATH test");
	}
	ASSERT_EQ(0, elf_deps_add(&d, prog));
	e = dep_by_soname(&d, "libktstrtest.so.1");
	ASSERT_NE(NULL, e);
	EXPECT_FALSE(e->std_dir);
	lib = xasprintf("%s/lib/libktstrtest.so.1", dir);
	want = realpath(lib, NULL);
	got = realpath(e->path, NULL);
	ASSERT_NE(NULL, got);
	EXPECT_STREQ(want, got);
	EXPECT_NE(NULL, dep_by_soname(&d, "libc.so.6"));
	elf_deps_free(&d);

	/* With only the decoy left, the soname is unresolvable. */
	ASSERT_EQ(0, unlink(lib));
	EXPECT_EQ(-ENOENT, elf_deps_add(&d, prog));
	elf_deps_free(&d);
	rm_rf(dir);
	free(want);
	free(got);
	free(lib);
	free(prog);
	free(dir);
}

/* The archive of a RUNPATH program links the library into the std dir. */
TEST(runpath_library_linked_into_std_dir)
{
	char *dir = make_tmpdir(), *prog, *link;
	struct initramfs_spec spec = {};
	struct ent *v = xmalloc(MAX_ENTS * sizeof(*v));
	const struct elf_dep *dep;
	const struct ent *e, *lib;
	const char *libc;
	struct elf_deps d = {};
	struct buf b = {};
	int n;

	prog = build_runpath_prog(dir);
	if (!prog) {
		rm_rf(dir);
		SKIP(return, "no working C compiler to build a RUNPATH test");
	}
	spec.init = prog;
	ASSERT_EQ(0, initramfs_build(&spec, &b));
	n = parse(b.data, b.len, v, MAX_ENTS);
	ASSERT_GT(n, 0);
	ASSERT_EQ(0, elf_deps_add(&d, prog));
	dep = dep_by_soname(&d, "libktstrtest.so.1");
	ASSERT_NE(NULL, dep);
	lib = find(v, n, dep->path + 1);
	ASSERT_NE(NULL, lib);
	EXPECT_TRUE(S_ISREG(lib->f[F_MODE]));
	libc = dep_by_soname(&d, "libc.so.6")->path + 1;
	link = xasprintf("%.*s/libktstrtest.so.1",
			 (int)(strrchr(libc, '/') - libc), libc);
	e = find(v, n, link);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(S_ISLNK(e->f[F_MODE]));
	EXPECT_TRUE(parents_first(v, n));
	elf_deps_free(&d);
	buf_free(&b);
	rm_rf(dir);
	free(link);
	free(prog);
	free(dir);
	free(v);
}

/*
 * The real proof: unpacked on its own, the archive runs /init with no
 * ld.so.cache, as in the guest. The RUNPATH program finds its library only
 * through the std-dir symlink, since $ORIGIN is "/" there.
 */
TEST(archive_runs_in_chroot)
{
	char *dir = make_tmpdir(), *prog, *root, *cmd, *path;
	struct initramfs_spec spec = {};
	struct buf b = {};

	if (geteuid() || system("cpio --version >/dev/null 2>&1")) {
		rm_rf(dir);
		SKIP(return, "needs root for chroot and cpio(1)");
	}
	prog = build_runpath_prog(dir);
	spec.init = prog ? prog : "/bin/true";
	ASSERT_EQ(0, initramfs_build(&spec, &b));
	path = xasprintf("%s/a.cpio", dir);
	ASSERT_EQ(0, write_file_atomic(path, b.data, b.len));
	root = xasprintf("%s/root", dir);
	ASSERT_EQ(0, mkdir(root, 0755));
	cmd = xasprintf("cd '%s' && cpio -id --quiet < '%s' && chroot . /init",
			root, path);
	EXPECT_EQ(0, system(cmd));
	buf_free(&b);
	rm_rf(dir);
	free(cmd);
	free(root);
	free(path);
	free(prog);
	free(dir);
}

static int gunzip(const char *path, struct buf *out)
{
	char chunk[65536];
	gzFile gz = gzopen(path, "rb");
	int n;

	if (!gz)
		return -1;
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0)
		buf_put(out, chunk, n);
	if (gzclose(gz) != Z_OK || n < 0)
		return -1;
	return 0;
}

static int count_archives(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strstr(de->d_name, ".cpio.gz"))
			n++;
	}
	closedir(d);
	return n;
}

FIXTURE(cache) {
	char *dir;
	char *motd;
	char *exe;
	const char *prog;	/* dynamic if the host has one: extra[1] */
	struct initramfs_file extra[2];
	struct initramfs_spec spec;
};

FIXTURE_SETUP(cache)
{
	self->dir = make_tmpdir();
	self->motd = xasprintf("%s/motd", self->dir);
	self->exe = self_exe();
	put_file(self->motd, "hello guest\n", 12);
	ASSERT_EQ(0, setenv("KTSTR_CACHE", self->dir, 1));
	self->extra[0] = (struct initramfs_file){ self->motd, "/etc/motd", 0 };
	self->prog = dynamic_host_elf() ? : "/bin/true";
	self->extra[1] = (struct initramfs_file){ self->prog, self->prog, 0 };
	self->spec = (struct initramfs_spec){
		.init = self->exe, .extra = self->extra, .nr_extra = 2,
		.resolve_extra_deps = true,
	};
}

FIXTURE_TEARDOWN(cache)
{
	rm_rf(self->dir);
	free(self->dir);
	free(self->motd);
	free(self->exe);
}

TEST_F(cache, archive_contents_and_hit)
{
	struct ent *v = xmalloc(MAX_ENTS * sizeof(*v));
	struct buf gz = {}, exe = {};
	struct elf_deps d = {};
	char *path, *again, *prefix;
	const struct elf_dep *ld;
	const struct ent *e;
	int n, i, nr_libc = 0;

	ASSERT_EQ(0, initramfs_get(&self->spec, &path));
	EXPECT_EQ(1, initramfs_nr_compressed());
	prefix = xasprintf("%s/initramfs/", self->dir);
	EXPECT_EQ(0, strncmp(path, prefix, strlen(prefix)));
	EXPECT_NE(NULL, strstr(path, ".cpio.gz"));

	ASSERT_EQ(0, gunzip(path, &gz));
	n = parse(gz.data, gz.len, v, MAX_ENTS);
	ASSERT_GT(n, 0);
	EXPECT_TRUE(parents_first(v, n));
	e = find(v, n, "init");
	ASSERT_NE(NULL, e);
	EXPECT_EQ(S_IFREG | 0755, e->f[F_MODE]);
	ASSERT_EQ(0, read_file(self->exe, &exe));
	ASSERT_EQ(exe.len, e->f[F_SIZE]);
	EXPECT_EQ(0, memcmp(exe.data, e->data, exe.len));
	e = find(v, n, "etc/motd");
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, memcmp("hello guest\n", e->data, 12));
	e = find(v, n, "dev/console");
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(S_ISCHR(e->f[F_MODE]));
	EXPECT_EQ(5, e->f[F_RMAJ]);
	EXPECT_EQ(1, e->f[F_RMIN]);
	EXPECT_NE(NULL, find(v, n, "proc"));
	EXPECT_NE(NULL, find(v, n, "sys/fs/cgroup"));
	EXPECT_NE(NULL, find(v, n, self->prog + 1));
	/*
	 * The loader at its PT_INTERP path, as a file, not a symlink. This
	 * test binary is static in a cross build; then the loader and libc
	 * come from the dynamic extra file, if the host has one.
	 */
	ASSERT_EQ(0, elf_deps_add(&d, self->exe));
	ASSERT_EQ(0, elf_deps_add(&d, self->prog));
	ld = interp_of(&d);
	if (ld) {
		e = find(v, n, ld->path + 1);
		ASSERT_NE(NULL, e);
		EXPECT_TRUE(S_ISREG(e->f[F_MODE]));
		EXPECT_GT(e->f[F_SIZE], 0);
	}
	for (i = 0; i < n; i++) {
		const char *base = strrchr(v[i].name, '/');

		if (base && !strcmp(base, "/libc.so.6") && S_ISREG(v[i].f[F_MODE]))
			nr_libc++;
	}
	/* One libc, shared; none if no input is dynamic. */
	EXPECT_EQ(ld ? 1 : 0, nr_libc);

	/* Same inputs: same path, no second compression. */
	ASSERT_EQ(0, initramfs_get(&self->spec, &again));
	EXPECT_STREQ(path, again);
	EXPECT_EQ(1, initramfs_nr_compressed());
	elf_deps_free(&d);
	buf_free(&exe);
	buf_free(&gz);
	free(prefix);
	free(again);
	free(path);
	free(v);
}

/*
 * Static inputs, as on a host whose userland is a static busybox: a
 * static-pie /init and an extra file that is a symlink to a static ELF,
 * its dependencies resolved. Packed as they are, with nothing added: no
 * loader, no library, no library symlink, and the link's target as a file.
 */
TEST_F(cache, static_init_and_symlinked_extra)
{
	char *busybox = xasprintf("%s/busybox", self->dir);
	char *link = xasprintf("%s/true", self->dir);
	char *init = xasprintf("%s/init", self->dir);
	struct ent *v = xmalloc(MAX_ENTS * sizeof(*v));
	struct buf gz = {}, bb = {};
	struct elf_deps d = {};
	const struct ent *e;
	char *path;
	int n, i;

	put_tiny_elf(busybox, ET_EXEC, EM_X86_64);
	put_tiny_elf(init, ET_DYN, EM_X86_64);
	ASSERT_EQ(0, symlink("busybox", link));
	ASSERT_EQ(0, elf_deps_add(&d, init));
	ASSERT_EQ(0, elf_deps_add(&d, link));
	EXPECT_EQ(0, d.nr);
	self->spec.init = init;
	self->extra[1] = (struct initramfs_file){ link, "/bin/true", 0 };

	ASSERT_EQ(0, initramfs_get(&self->spec, &path));
	ASSERT_EQ(0, gunzip(path, &gz));
	n = parse(gz.data, gz.len, v, MAX_ENTS);
	ASSERT_GT(n, 0);
	EXPECT_TRUE(parents_first(v, n));
	e = find(v, n, "init");
	ASSERT_NE(NULL, e);
	EXPECT_EQ(S_IFREG | 0755, e->f[F_MODE]);
	EXPECT_EQ(sizeof(Elf64_Ehdr), e->f[F_SIZE]);
	e = find(v, n, "bin/true");
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(S_ISREG(e->f[F_MODE]));
	ASSERT_EQ(0, read_file(busybox, &bb));
	ASSERT_EQ(bb.len, e->f[F_SIZE]);
	EXPECT_EQ(0, memcmp(bb.data, e->data, bb.len));
	for (i = 0; i < n; i++) {
		EXPECT_FALSE(S_ISLNK(v[i].f[F_MODE]))
			TH_LOG("unexpected symlink %s", v[i].name);
		EXPECT_EQ(NULL, strstr(v[i].name, ".so"))
			TH_LOG("unexpected library %s", v[i].name);
	}
	EXPECT_EQ(1, initramfs_nr_compressed());
	elf_deps_free(&d);
	buf_free(&bb);
	buf_free(&gz);
	free(path);
	free(init);
	free(link);
	free(busybox);
	free(v);
}

TEST_F(cache, changed_input_changes_hash)
{
	char *a, *b;

	ASSERT_EQ(0, initramfs_get(&self->spec, &a));
	put_file(self->motd, "hello again\n", 12);
	ASSERT_EQ(0, initramfs_get(&self->spec, &b));
	EXPECT_STRNE(a, b);
	EXPECT_EQ(2, initramfs_nr_compressed());
	EXPECT_EQ(0, access(a, R_OK));
	EXPECT_EQ(0, access(b, R_OK));
	free(a);
	free(b);
}

TEST_F(cache, prunes_old_archives)
{
	char *sub = xasprintf("%s/initramfs", self->dir), *path = NULL;
	int i;

	self->spec.init = "/bin/true";
	for (i = 0; i < INITRAMFS_CACHE_KEEP + 3; i++) {
		char *text = xasprintf("motd %d\n", i);

		put_file(self->motd, text, strlen(text));
		free(path);
		ASSERT_EQ(0, initramfs_get(&self->spec, &path));
		free(text);
	}
	EXPECT_EQ(INITRAMFS_CACHE_KEEP + 3, initramfs_nr_compressed());
	EXPECT_EQ(INITRAMFS_CACHE_KEEP, count_archives(sub));
	EXPECT_EQ(0, access(path, R_OK));
	free(path);
	free(sub);
}

TEST_F(cache, bad_inputs)
{
	struct initramfs_file bad = { self->motd, "etc/relative", 0 };
	char *path = NULL;

	self->spec.init = "/nonexistent/ktstr";
	EXPECT_EQ(-ENOENT, initramfs_get(&self->spec, &path));
	self->spec.init = self->exe;
	self->extra[0].host_path = "/nonexistent/motd";
	EXPECT_EQ(-ENOENT, initramfs_get(&self->spec, &path));
	self->spec.extra = &bad;
	self->spec.nr_extra = 1;
	EXPECT_EQ(-EINVAL, initramfs_get(&self->spec, &path));
	bad.guest_path = "/init";	/* clashes with the binary */
	EXPECT_EQ(-EEXIST, initramfs_get(&self->spec, &path));
	EXPECT_EQ(NULL, path);
	EXPECT_EQ(0, initramfs_nr_compressed());
}

/* Sets @path's atime and mtime @ago seconds back (ctime stays now). */
static void age(const char *path, time_t ago)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= ago;
	t[1] = t[0];
	utimensat(AT_FDCWD, path, t, 0);
}

static char *identity(const struct initramfs_spec *spec, int *err)
{
	struct buf b = {};

	*err = initramfs_identity(spec, &b);
	buf_putc(&b, 0);
	return (char *)b.data;
}

/* Same inputs: same key; a touched or rewritten input: another one. */
TEST_F(cache, identity_key)
{
	char *a, *b, *c;
	int err;

	age(self->motd, 3600);
	usleep(2100 * 1000);	/* the write's ctime out of the racy window */
	a = identity(&self->spec, &err);
	ASSERT_EQ(0, err);
	EXPECT_NE(NULL, strstr(a, self->motd));
	EXPECT_EQ(0, strncmp(a, "ktstr initramfs identity 1\nktstr ", 33))
		TH_LOG("%s", a);
	b = identity(&self->spec, &err);
	ASSERT_EQ(0, err);
	EXPECT_STREQ(a, b);
	free(b);

	/* Touched: the mtime differs (and ctime is too recent to trust). */
	age(self->motd, 1800);
	b = identity(&self->spec, &err);
	EXPECT_EQ(-EAGAIN, err);
	free(b);
	usleep(2100 * 1000);
	b = identity(&self->spec, &err);
	ASSERT_EQ(0, err);
	EXPECT_STRNE(a, b);

	/* Same size, same mtime, other bytes: the ctime tells. */
	put_file(self->motd, "hello other\n", 12);
	age(self->motd, 1800);
	usleep(2100 * 1000);
	c = identity(&self->spec, &err);
	ASSERT_EQ(0, err);
	EXPECT_STRNE(b, c);

	/* The guest path or mode of an extra file is part of the key. */
	free(b);
	self->extra[0].mode = 0600;
	b = identity(&self->spec, &err);
	ASSERT_EQ(0, err);
	EXPECT_STRNE(b, c);
	free(a);
	free(b);
	free(c);
}

/* Returns the only identity index file in @dir, or NULL. */
static char *only_index(const char *dir)
{
	struct dirent *e;
	char *res = NULL;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "id-", 3)) {
			free(res);
			res = xasprintf("%s/%s", dir, e->d_name);
			n++;
		}
	if (d)
		closedir(d);
	if (n != 1) {
		free(res);
		res = NULL;
	}
	return res;
}

/*
 * A hit by identity reads the index only: pointed at another archive it
 * returns that one. A library whose recorded identity differs misses,
 * rebuilds and repairs the index.
 */
TEST_F(cache, hit_by_identity)
{
	char *sub = xasprintf("%s/initramfs", self->dir), *a, *b, *idx;
	char *other = xasprintf("%s/0123456789abcdef.cpio.gz", sub);
	struct buf text = {};
	char *p;

	age(self->motd, 3600);
	usleep(2100 * 1000);
	ASSERT_EQ(0, initramfs_get(&self->spec, &a));
	EXPECT_EQ(1, initramfs_nr_compressed());
	idx = only_index(sub);
	ASSERT_NE(NULL, idx);
	ASSERT_EQ(0, initramfs_get(&self->spec, &b));
	EXPECT_STREQ(a, b);
	EXPECT_EQ(1, initramfs_nr_compressed());
	free(b);

	/* Redirected to another archive: taken without a look at inputs. */
	put_file(other, "x", 1);
	ASSERT_EQ(0, read_file(idx, &text));
	buf_putc(&text, 0);
	p = strstr((char *)text.data, "--\n");
	ASSERT_NE(NULL, p);
	memcpy(p + 3, "0123456789abcdef", 16);
	put_file(idx, text.data, strlen((char *)text.data));
	ASSERT_EQ(0, initramfs_get(&self->spec, &b));
	EXPECT_STREQ(other, b);
	free(b);

	/* A library that changed: its line differs, a miss, the index fixed. */
	p = strstr((char *)text.data, "\ndep ");
	if (p) {
		p = strchr(p + 5, ' ') + 1;	/* the device field */
		*p = *p == 'f' ? '0' : 'f';
		put_file(idx, text.data, strlen((char *)text.data));
		ASSERT_EQ(0, initramfs_get(&self->spec, &b));
		EXPECT_STREQ(a, b);
		free(b);
		ASSERT_EQ(0, initramfs_get(&self->spec, &b));
		EXPECT_STREQ(a, b);
		free(b);
	} else {
		TH_LOG("no dynamic input: no library line to change");
	}
	EXPECT_EQ(1, initramfs_nr_compressed());
	buf_free(&text);
	free(idx);
	free(other);
	free(sub);
	free(a);
}

TEST(hash_is_fnv1a)
{
	/* Published FNV-1a 64 test vectors. */
	EXPECT_EQ(0xcbf29ce484222325ULL, initramfs_hash("", 0));
	EXPECT_EQ(0xaf63dc4c8601ec8cULL, initramfs_hash("a", 1));
	EXPECT_EQ(0x85944171f73967e8ULL, initramfs_hash("foobar", 6));
}

TEST_HARNESS_MAIN
