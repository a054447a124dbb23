// SPDX-License-Identifier: GPL-2.0
/* The guest initramfs: /init, its libraries and extra files, gzip'ed and cached. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "vmm/cpio.h"
#include "vmm/elfdeps.h"
#include "vmm/initramfs.h"

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL
#define GZ_SUFFIX	".cpio.gz"
#define ID_PREFIX	"id-"
#define ID_VERSION	"ktstr initramfs identity 1"
/* A file changed this recently may change again within the same tick. */
#define RACY_NS		(2 * 1000000000LL)

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

static long long ts_ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

/*
 * "@tag PATH dev ino size mtime ctime mode": what identifies the file at
 * @path (followed, as it is packed). -EAGAIN when it changed within
 * RACY_NS: timestamps are coarse, so a second change in the same tick
 * would leave them equal; such an input is keyed by content instead.
 */
static int identity_line(struct buf *b, const char *tag, const char *path)
{
	struct timespec now;
	struct stat st;

	if (stat(path, &st))
		return -errno;
	clock_gettime(CLOCK_REALTIME, &now);
	if (ts_ns(&st.st_mtim) > ts_ns(&now) - RACY_NS ||
	    ts_ns(&st.st_ctim) > ts_ns(&now) - RACY_NS)
		return -EAGAIN;
	buf_printf(b, "%s %s %llx %llu %lld %lld %lld %o\n", tag, path,
		   (unsigned long long)st.st_dev,
		   (unsigned long long)st.st_ino, (long long)st.st_size,
		   ts_ns(&st.st_mtim), ts_ns(&st.st_ctim), st.st_mode);
	return 0;
}

static int note_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct buf *b = data;
	int i;

	/* The first object is the executable itself. */
	for (i = 0; i < info->dlpi_phnum; i++) {
		const Elf64_Phdr *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;

		while (ph->p_type == PT_NOTE && p + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *n = (const Elf64_Nhdr *)p;
			const uint8_t *desc = p + sizeof(*n) +
					      ((n->n_namesz + 3) & ~3U);
			uint32_t j;

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(n + 1, "GNU", 4) &&
			    desc + n->n_descsz <= end) {
				buf_printf(b, "ktstr ");
				for (j = 0; j < n->n_descsz; j++)
					buf_printf(b, "%02x", desc[j]);
				buf_printf(b, "\n");
				return 1;
			}
			p = desc + ((n->n_descsz + 3) & ~3U);
		}
	}
	return 1;
}

int initramfs_identity(const struct initramfs_spec *spec, struct buf *key)
{
	static const char *const loader_conf[] = {
		"/etc/ld.so.cache", "/etc/ld.so.conf",
	};
	size_t i;
	int n, err;

	if (!spec->init || (spec->nr_extra && !spec->extra) ||
	    spec->nr_extra < 0)
		return -EINVAL;
	buf_printf(key, "%s\n", ID_VERSION);
	dl_iterate_phdr(note_build_id, key);
	/* Where the loader looks: a library installed or moved shows here. */
	for (i = 0; i < ARRAY_SIZE(loader_conf); i++) {
		err = identity_line(key, "conf", loader_conf[i]);
		if (err == -ENOENT)
			buf_printf(key, "conf %s absent\n", loader_conf[i]);
		else if (err)
			return err;
	}
	buf_printf(key, "deps %d\n", spec->resolve_extra_deps);
	err = identity_line(key, "init", spec->init);
	for (n = 0; n < spec->nr_extra && !err; n++) {
		if (!spec->extra[n].host_path || !spec->extra[n].guest_path)
			return -EINVAL;
		buf_printf(key, "extra %s %o\n", spec->extra[n].guest_path,
			   spec->extra[n].mode);
		err = identity_line(key, "file", spec->extra[n].host_path);
	}
	/* A distribution kernel's modules, and whether they are inflated. */
	if (spec->modules)
		buf_printf(key, "modules %d inflate %d\n", spec->modules->nr,
			   !spec->modules->can_decompress);
	for (n = 0; spec->modules && n < spec->modules->nr && !err; n++)
		err = identity_line(key, "module", spec->modules->v[n].path);
	return err;
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

static int add_deps(struct cpio *c, const struct initramfs_spec *spec,
		    struct buf *ident)
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
		if (ident)
			err = identity_line(ident, "dep", deps.v[i].path);
		if (err || cpio_exists(c, deps.v[i].path))
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

static int build(const struct initramfs_spec *spec, struct buf *out,
		 struct buf *ident)
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
		err = add_deps(&c, spec, ident);
	if (!err)
		err = cpio_finish(&c);
	cpio_free(&c);
	return err;
}

int initramfs_build(const struct initramfs_spec *spec, struct buf *out)
{
	return build(spec, out, NULL);
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

static bool is_index(const char *name)
{
	return !strncmp(name, ID_PREFIX, strlen(ID_PREFIX)) &&
	       strlen(name) == strlen(ID_PREFIX) + 16;
}

/* Drops all but the @keep newest files @pick chooses, never @spare. */
static void keep_newest(DIR *d, bool (*pick)(const char *), int keep,
			const char *spare)
{
	struct cached *v = NULL;
	int i, nr = 0, kept = 0;
	struct dirent *de;
	struct stat st;

	rewinddir(d);
	while ((de = readdir(d))) {
		if (!pick(de->d_name) || !strcmp(de->d_name, spare) ||
		    fstatat(dirfd(d), de->d_name, &st, 0))
			continue;
		v = xrealloc(v, (nr + 1) * sizeof(*v));
		v[nr].name = xstrdup(de->d_name);
		v[nr++].mtime = st.st_mtim;
	}
	if (nr)
		qsort(v, nr, sizeof(*v), newest_first);
	for (i = 0; i < nr; i++) {
		if (kept < keep)
			kept++;
		else if (unlinkat(dirfd(d), v[i].name, 0) && errno != ENOENT)
			pr_warn("cannot remove old cache file %s: %s",
				v[i].name, strerror(errno));
		free(v[i].name);
	}
	free(v);
}

/*
 * Drops all but the INITRAMFS_CACHE_KEEP newest archives, never @keep (just
 * written). Hits refresh the mtime, so an archive another ktstr is about
 * to open is among the newest. Identity indexes (a few hundred bytes
 * each) are kept four times as many; one whose archive went just misses.
 */
static void prune(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);

	if (!d)
		return;
	prune_stale_tmp(dir);
	keep_newest(d, is_archive, INITRAMFS_CACHE_KEEP - 1, keep);
	keep_newest(d, is_index, 4 * INITRAMFS_CACHE_KEEP, "");
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

/*
 * The identity index ID_PREFIX<hash of @key>: @key, then "--", the
 * archive's name and the identity lines of the libraries packed. A hit
 * needs the same key, the libraries as they were and the archive still
 * there: a few stat() calls instead of reading and hashing every byte.
 */
static char *index_lookup(const char *dir, const struct buf *key)
{
	char *ipath = xasprintf("%s/" ID_PREFIX "%016llx", dir,
				(unsigned long long)initramfs_hash(key->data,
								   key->len));
	struct buf idx = {}, now = {};
	char *p, *end, *name = NULL, *line, *res = NULL;

	if (read_file(ipath, &idx) || idx.len <= key->len + 3 ||
	    memcmp(idx.data, key->data, key->len) ||
	    memcmp(idx.data + key->len, "--\n", 3))
		goto out;
	buf_putc(&idx, 0);
	p = (char *)idx.data + key->len + 3;
	end = strchr(p, '\n');
	if (!end)
		goto out;
	name = xasprintf("%.*s", (int)(end - p), p);
	for (p = end + 1; *p; p = end + 1) {
		char path[PATH_MAX];

		end = strchr(p, '\n');
		if (!end || sscanf(p, "dep %4095s", path) != 1)
			goto out;
		buf_free(&now);
		line = xasprintf("%.*s", (int)(end + 1 - p), p);
		if (identity_line(&now, "dep", path) || now.len != strlen(line) ||
		    memcmp(now.data, line, now.len)) {
			free(line);
			goto out;
		}
		free(line);
	}
	if (name && strchr(name, '/') == NULL && is_archive(name)) {
		res = xasprintf("%s/%s", dir, name);
		if (access(res, R_OK)) {
			free(res);
			res = NULL;
		}
	}
out:
	free(name);
	buf_free(&now);
	buf_free(&idx);
	free(ipath);
	return res;
}

static void index_store(const char *dir, const struct buf *key,
			const char *name, const struct buf *deps)
{
	char *ipath = xasprintf("%s/" ID_PREFIX "%016llx", dir,
				(unsigned long long)initramfs_hash(key->data,
								   key->len));
	struct buf idx = {};

	buf_put(&idx, key->data, key->len);
	buf_printf(&idx, "--\n%s\n", name);
	buf_put(&idx, deps->data, deps->len);
	if (write_file_atomic(ipath, idx.data, idx.len))
		pr_debug("cannot write %s", ipath);
	buf_free(&idx);
	free(ipath);
}

int initramfs_get(const struct initramfs_spec *spec, char **path)
{
	struct buf cpio = {}, key = {}, deps = {};
	bool by_id;
	char *dir, *name;
	int err = 0;

	dir = xasprintf("%s/initramfs", ktstr_cache_dir());
	by_id = !initramfs_identity(spec, &key);
	*path = by_id ? index_lookup(dir, &key) : NULL;
	if (*path) {
		/* A hit: refresh the mtime so prune() keeps it, best effort. */
		utimensat(AT_FDCWD, *path, NULL, 0);
		goto out;
	}
	err = build(spec, &cpio, by_id ? &deps : NULL);
	if (err == -EAGAIN && by_id) {
		/* A library changed a moment ago: key by content only. */
		by_id = false;
		buf_free(&cpio);
		err = build(spec, &cpio, NULL);
	}
	if (err)
		goto out;
	err = mkdir_p(dir, 0755);
	if (err) {
		pr_err("cannot create %s: %s", dir, strerror(-err));
		goto out;
	}
	name = xasprintf("%016llx" GZ_SUFFIX,
			 (unsigned long long)initramfs_hash(cpio.data, cpio.len));
	*path = xasprintf("%s/%s", dir, name);
	if (!access(*path, R_OK)) {
		utimensat(AT_FDCWD, *path, NULL, 0);
	} else {
		err = store(&cpio, dir, name);
		if (err) {
			free(*path);
			*path = NULL;
		}
	}
	if (!err && by_id)
		index_store(dir, &key, name, &deps);
	free(name);
out:
	free(dir);
	buf_free(&deps);
	buf_free(&key);
	buf_free(&cpio);
	return err;
}
