// SPDX-License-Identifier: GPL-2.0
/* The guest initramfs: /init, its libraries and extra files, gzip'ed and cached. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "vmm/cpio.h"
#include "vmm/elfdeps.h"
#include "vmm/initramfs.h"

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL
#define GZ_SUFFIX	".cpio.gz"

static unsigned long nr_compressed;

unsigned long initramfs_nr_compressed(void)
{
	return nr_compressed;
}

uint64_t initramfs_hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = FNV64_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV64_PRIME;
	}
	return h;
}

/* Mount points and scratch dirs the guest init expects to find. */
static const struct {
	const char *path;
	unsigned int mode;
} std_dirs[] = {
	{ "/dev", 0755 }, { "/proc", 0555 }, { "/sys", 0555 },
	{ "/sys/fs/cgroup", 0755 }, { "/tmp", 01777 }, { "/run", 0755 },
	{ "/root", 0700 }, { "/etc", 0755 },
};

static int add_std(struct cpio *c)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(std_dirs); i++) {
		err = cpio_add_dir(c, std_dirs[i].path, std_dirs[i].mode);
		if (err)
			return err;
	}
	/*
	 * The kernel opens /dev/console for PID 1's stdio before any devtmpfs
	 * is mounted; without this node init runs with no fds 0-2.
	 */
	return cpio_add_dev(c, "/dev/console", S_IFCHR, 0600, 5, 1);
}

/* Packs the host file @host at @guest; @mode 0 keeps the host's bits. */
static int add_host_file(struct cpio *c, const char *host, const char *guest,
			 unsigned int mode, const char *what)
{
	struct buf data = {};
	struct stat st;
	int err;

	if (stat(host, &st)) {
		err = -errno;
		pr_err("%s %s: %s", what, host, strerror(errno));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s %s: not a regular file", what, host);
		return -EINVAL;
	}
	err = read_file(host, &data);
	if (!err)
		err = cpio_add_file(c, guest, mode ? mode & 07777 :
				    st.st_mode & 07777, data.data, data.len);
	if (err == -EINVAL)
		pr_err("%s %s: bad guest path '%s'", what, host, guest);
	else if (err == -EEXIST || err == -ENOTDIR)
		pr_err("%s %s: guest path %s clashes with another entry",
		       what, host, guest);
	else if (err)
		pr_err("%s %s: %s", what, host, strerror(-err));
	buf_free(&data);
	return err;
}

/* Non-ELF files (scripts, data) simply have no dependencies. */
static int add_deps_of(struct elf_deps *deps, const char *path)
{
	int err = elf_deps_add(deps, path);

	return err == -ENOEXEC ? 0 : err;
}

static char *dir_of(const char *path)
{
	char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	return dir;
}

/*
 * The guest has no ld.so.cache, so its loader searches only the standard
 * directories (and runpaths whose $ORIGIN is now "/"). A library found
 * elsewhere on the host (ld.so.conf, $ORIGIN runpath) also gets a symlink
 * in the directory where the standard libraries landed.
 */
static int add_lib_links(struct cpio *c, const struct elf_deps *deps)
{
	const char *libdir = NULL;
	char *dir = NULL, *link;
	int i, err = 0;

	for (i = 0; i < deps->nr && !libdir; i++) {
		if (deps->v[i].std_dir)
			libdir = deps->v[i].path;
	}
	if (!libdir)
		return 0;
	dir = dir_of(libdir);
	for (i = 0; i < deps->nr && !err; i++) {
		const struct elf_dep *e = &deps->v[i];

		if (e->std_dir || e->interp || strchr(e->soname, '/'))
			continue;
		link = xasprintf("%s/%s", dir, e->soname);
		if (!cpio_exists(c, link))
			err = cpio_add_symlink(c, link, e->path);
		free(link);
	}
	free(dir);
	return err;
}

static int add_deps(struct cpio *c, const struct initramfs_spec *spec)
{
	struct elf_deps deps = {};
	int i, err;

	err = add_deps_of(&deps, spec->init);
	for (i = 0; i < spec->nr_extra && !err; i++) {
		if (spec->resolve_extra_deps)
			err = add_deps_of(&deps, spec->extra[i].host_path);
	}
	/* The loader lands at its PT_INTERP path as a regular file. */
	for (i = 0; i < deps.nr && !err; i++) {
		if (cpio_exists(c, deps.v[i].path))
			continue;	/* an extra file already put it there */
		err = add_host_file(c, deps.v[i].path, deps.v[i].path, 0,
				    "library");
	}
	if (!err)
		err = add_lib_links(c, &deps);
	elf_deps_free(&deps);
	return err;
}

/* Each module at its KMOD_GUEST_DIR path, inflated when the guest cannot. */
static int add_modules(struct cpio *c, const struct kmod_plan *plan)
{
	char err[512], *guest;
	int i, r = 0;

	for (i = 0; i < plan->nr && !r; i++) {
		struct buf data = {};

		r = kmod_pack_file(plan, i, &data, &guest, err, sizeof(err));
		if (r) {
			pr_err("%s", err);
		} else {
			r = cpio_add_file(c, guest, 0644, data.data, data.len);
			if (r)
				pr_err("initramfs: %s: %s", guest, strerror(-r));
			free(guest);
		}
		buf_free(&data);
	}
	return r;
}

int initramfs_build(const struct initramfs_spec *spec, struct buf *out)
{
	struct cpio c;
	int i, err;

	if (!spec->init || (spec->nr_extra && !spec->extra) ||
	    spec->nr_extra < 0) {
		pr_err("initramfs: no init binary or bad extra file list");
		return -EINVAL;
	}
	cpio_init(&c, out);
	err = add_std(&c);
	if (!err)
		err = add_host_file(&c, spec->init, "/init", 0755, "init");
	for (i = 0; i < spec->nr_extra && !err; i++) {
		if (!spec->extra[i].host_path || !spec->extra[i].guest_path) {
			pr_err("initramfs: extra file %d has no path", i);
			err = -EINVAL;
			break;
		}
		err = add_host_file(&c, spec->extra[i].host_path,
				    spec->extra[i].guest_path,
				    spec->extra[i].mode, "file");
	}
	if (!err && spec->modules)
		err = add_modules(&c, spec->modules);
	if (!err)
		err = add_deps(&c, spec);
	if (!err)
		err = cpio_finish(&c);
	cpio_free(&c);
	return err;
}

static int gzip_buf(const uint8_t *in, size_t len, struct buf *out)
{
	z_stream zs = {};
	uLong bound;
	int ret;

	/* windowBits 15 + 16: a gzip wrapper (mtime 0), what the kernel takes. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&zs, len);
	/* z_stream counts in 32 bits; no guest wants a 4 GiB initramfs. */
	if (len > UINT_MAX || bound > UINT_MAX) {
		deflateEnd(&zs);
		return -EFBIG;
	}
	out->data = xrealloc(out->data, bound);
	out->cap = bound;
	zs.next_in = (Bytef *)in;
	zs.avail_in = len;
	zs.next_out = out->data;
	zs.avail_out = bound;
	/* deflateBound() room makes one Z_FINISH call enough. */
	ret = deflate(&zs, Z_FINISH);
	out->len = zs.total_out;
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -EIO;
}

struct cached {
	char *name;
	struct timespec mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct cached *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return strcmp(x->name, y->name);
}

static bool is_archive(const char *name)
{
	size_t len = strlen(name);

	return len > strlen(GZ_SUFFIX) &&
	       !strcmp(name + len - strlen(GZ_SUFFIX), GZ_SUFFIX);
}

/*
 * Drops all but the INITRAMFS_CACHE_KEEP newest archives, never @keep (just
 * written). Hits refresh the mtime, so an archive another ktstr is about
 * to open is among the newest.
 */
static void prune(const char *dir, const char *keep)
{
	struct cached *v = NULL;
	int i, nr = 0, kept = 1;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	prune_stale_tmp(dir);
	while ((de = readdir(d))) {
		if (!is_archive(de->d_name) || !strcmp(de->d_name, keep) ||
		    fstatat(dirfd(d), de->d_name, &st, 0))
			continue;
		v = xrealloc(v, (nr + 1) * sizeof(*v));
		v[nr].name = xstrdup(de->d_name);
		v[nr++].mtime = st.st_mtim;
	}
	if (nr)
		qsort(v, nr, sizeof(*v), newest_first);
	for (i = 0; i < nr; i++) {
		if (kept < INITRAMFS_CACHE_KEEP)
			kept++;
		else if (unlinkat(dirfd(d), v[i].name, 0) && errno != ENOENT)
			pr_warn("cannot remove old archive %s/%s: %s", dir, v[i].name,
				strerror(errno));
		free(v[i].name);
	}
	free(v);
	closedir(d);
}

static int store(const struct buf *cpio, const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct buf gz = {};
	int err;

	err = gzip_buf(cpio->data, cpio->len, &gz);
	if (err) {
		pr_err("initramfs: gzip of %zu bytes failed: %s", cpio->len,
		       strerror(-err));
		goto out;
	}
	nr_compressed++;
	err = write_file_atomic(path, gz.data, gz.len);
	if (err) {
		pr_err("cannot write %s: %s", path, strerror(-err));
		goto out;
	}
	prune(dir, name);
out:
	buf_free(&gz);
	free(path);
	return err;
}

int initramfs_get(const struct initramfs_spec *spec, char **path)
{
	struct buf cpio = {};
	char *dir, *name;
	int err;

	err = initramfs_build(spec, &cpio);
	if (err)
		goto out;
	dir = xasprintf("%s/initramfs", ktstr_cache_dir());
	err = mkdir_p(dir, 0755);
	if (err) {
		pr_err("cannot create %s: %s", dir, strerror(-err));
		free(dir);
		goto out;
	}
	name = xasprintf("%016llx" GZ_SUFFIX,
			 (unsigned long long)initramfs_hash(cpio.data, cpio.len));
	*path = xasprintf("%s/%s", dir, name);
	if (!access(*path, R_OK)) {
		/* A hit: refresh the mtime so prune() keeps it, best effort. */
		utimensat(AT_FDCWD, *path, NULL, 0);
	} else {
		err = store(&cpio, dir, name);
		if (err) {
			free(*path);
			*path = NULL;
		}
	}
	free(name);
	free(dir);
out:
	buf_free(&cpio);
	return err;
}
