// SPDX-License-Identifier: GPL-2.0
/* The guest's kernel modules from /lib/modules/VERSION (see kmod.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "vmm/arch.h"
#include "vmm/kmod.h"
#include "vmm/vmm.h"

#define MODULES_ROOT	"/lib/modules"
#define BOOT_DIR	"/boot"
/* At most this deep a dependency chain: more is a cycle. */
#define KMOD_MAX_DEPTH	64

/* What PID 1 uses that a distribution kernel may leave to modules. */
static const struct {
	const char *name, *config;
} needed[] = {
	{ "virtio_mmio", "CONFIG_VIRTIO_MMIO" },
	{ "virtio_console", "CONFIG_VIRTIO_CONSOLE" },
};

void kmod_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t i, n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (!len)
		return;
	for (i = 0; i < n && i + 1 < len; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[i] = '\0';
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int kmod_dep_parse(const char *text, size_t len, struct kmod_dep *dep)
{
	const char *p = text, *end = text + len;

	memset(dep, 0, sizeof(*dep));
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p) ? : end;
		const char *colon = memchr(p, ':', eol - p);
		struct kmod_dep_line *l;
		const char *q;

		if (!colon || colon == p) {
			p = eol + 1;
			continue;	/* blank or junk: depmod writes none */
		}
		dep->v = xrealloc(dep->v, (dep->nr + 1) * sizeof(*dep->v));
		l = &dep->v[dep->nr++];
		memset(l, 0, sizeof(*l));
		l->path = xstrndup(p, colon - p);
		/* Within [colon, eol) only: @text need not end in a NUL. */
		for (q = colon + 1; q < eol;) {
			size_t n = 0;

			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (q >= eol)
				break;
			while (q + n < eol && q[n] != ' ' && q[n] != '\t')
				n++;
			l->deps = xrealloc(l->deps,
					   (l->nr_deps + 1) * sizeof(*l->deps));
			l->deps[l->nr_deps++] = xstrndup(q, n);
			q += n;
		}
		p = eol + 1;
	}
	return 0;
}

void kmod_dep_free(struct kmod_dep *dep)
{
	int i, j;

	for (i = 0; i < dep->nr; i++) {
		for (j = 0; j < dep->v[i].nr_deps; j++)
			free(dep->v[i].deps[j]);
		free(dep->v[i].deps);
		free(dep->v[i].path);
	}
	free(dep->v);
	memset(dep, 0, sizeof(*dep));
}

const struct kmod_dep_line *kmod_dep_find(const struct kmod_dep *dep,
					   const char *name)
{
	char n[256];
	int i;

	for (i = 0; i < dep->nr; i++) {
		kmod_name(dep->v[i].path, n, sizeof(n));
		if (!strcmp(n, name))
			return &dep->v[i];
	}
	return NULL;
}

bool kmod_builtin(const char *text, size_t len, const char *name)
{
	const char *p = text, *end = text + len;
	char n[256], path[512];

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p) ? : end;

		snprintf(path, sizeof(path), "%.*s", (int)(eol - p), p);
		kmod_name(path, n, sizeof(n));
		if (!strcmp(n, name))
			return true;
		p = eol + 1;
	}
	return false;
}

static bool planned(const struct kmod_plan *plan, const char *name)
{
	int i;

	for (i = 0; i < plan->nr; i++)
		if (!strcmp(plan->v[i].name, name))
			return true;
	return false;
}

static int add(struct kmod_plan *plan, const struct kmod_dep *dep,
	       const char *dir, const char *name, int depth)
{
	const struct kmod_dep_line *l;
	char n[256];
	int i, err;

	if (planned(plan, name))
		return 0;
	if (depth > KMOD_MAX_DEPTH)
		return -ELOOP;
	l = kmod_dep_find(dep, name);
	if (!l)
		return -ENOENT;
	/* Each dependency's own line gives its order: no reliance on depmod's. */
	for (i = 0; i < l->nr_deps; i++) {
		kmod_name(l->deps[i], n, sizeof(n));
		err = add(plan, dep, dir, n, depth + 1);
		if (err)
			return err;
	}
	if (planned(plan, name))
		return -ELOOP;
	plan->v = xrealloc(plan->v, (plan->nr + 1) * sizeof(*plan->v));
	plan->v[plan->nr].name = xstrdup(name);
	plan->v[plan->nr++].path = l->path[0] == '/' ? xstrdup(l->path) :
				   xasprintf("%s/%s", dir, l->path);
	return 0;
}

int kmod_add(struct kmod_plan *plan, const struct kmod_dep *dep,
	     const char *dir, const char *name)
{
	return add(plan, dep, dir, name, 0);
}

void kmod_plan_free(struct kmod_plan *plan)
{
	int i;

	for (i = 0; i < plan->nr; i++) {
		free(plan->v[i].name);
		free(plan->v[i].path);
	}
	free(plan->v);
	plan->v = NULL;
	plan->nr = 0;
}

/* 'y', 'm' or 0 for @sym in a .config text. */
static char config_value(const struct buf *cfg, const char *sym)
{
	const char *p = (const char *)cfg->data, *end = p + cfg->len;
	size_t n = strlen(sym);

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p) ? : end;

		if ((size_t)(eol - p) == n + 2 && !memcmp(p, sym, n) &&
		    p[n] == '=')
			return p[n + 1];
		p = eol + 1;
	}
	return 0;
}

static int kernel_version(const char *kernel, char *ver, size_t len)
{
	uint8_t *head = xmalloc(VMM_KERNEL_HEAD);
	int fd = open(kernel, O_RDONLY | O_CLOEXEC), err = -ENOENT;
	ssize_t n;

	if (fd >= 0) {
		n = read(fd, head, VMM_KERNEL_HEAD);
		if (n > 0)
			err = vm_arch_kernel_version(head, n, ver, len);
		close(fd);
	}
	free(head);
	return err;
}

int kmod_plan_kernel(const char *kernel, struct kmod_plan *plan, char *err,
		     size_t errlen)
{
	char ver[sizeof(plan->version)];

	memset(plan, 0, sizeof(*plan));
	if (kernel_version(kernel, ver, sizeof(ver)))
		return 0;	/* no version to look for: as before */
	return kmod_plan_release(ver, MODULES_ROOT, BOOT_DIR, plan, err, errlen);
}

int kmod_plan_release(const char *version, const char *modules_root,
		      const char *boot_dir, struct kmod_plan *plan, char *err,
		      size_t errlen)
{
	struct buf depf = {}, builtin = {}, config = {};
	bool have_dep, have_builtin, have_config;
	struct kmod_dep dep = {};
	char *dir, *path;
	size_t i;
	int r = 0;

	memset(plan, 0, sizeof(*plan));
	snprintf(plan->version, sizeof(plan->version), "%s", version);
	dir = xasprintf("%s/%s", modules_root, plan->version);
	path = xasprintf("%s/modules.dep", dir);
	have_dep = !read_file(path, &depf);
	free(path);
	path = xasprintf("%s/modules.builtin", dir);
	have_builtin = !read_file(path, &builtin);
	free(path);
	path = xasprintf("%s/config-%s", boot_dir, plan->version);
	have_config = !read_file(path, &config);
	free(path);
	/* Neither installed modules nor a config: ktstr's own kernel. */
	if (!have_dep && !have_builtin && !have_config)
		goto out;
	if (have_dep)
		kmod_dep_parse((char *)depf.data, depf.len, &dep);
	plan->can_decompress = config_value(&config, "CONFIG_MODULE_DECOMPRESS") == 'y';
	for (i = 0; i < ARRAY_SIZE(needed) && !r; i++) {
		const char *name = needed[i].name;
		char v = config_value(&config, needed[i].config);

		if ((have_builtin && kmod_builtin((char *)builtin.data,
						  builtin.len, name)) ||
		    (!have_builtin && v == 'y'))
			continue;
		r = have_dep ? kmod_add(plan, &dep, dir, name) : -ENOENT;
		if (r == -ENOENT)
			snprintf(err, errlen, "no %s (%s, no module in %s)", name,
				 v == 'm' ? "a module" : "not built in", dir);
		else if (r)
			snprintf(err, errlen, "%s/modules.dep: %s: %s", dir, name,
				 strerror(-r));
		else if (!strcmp(name, "virtio_mmio"))
			plan->virtio_in_firmware = true;
	}
	for (i = 0; i < (size_t)plan->nr && !r; i++) {
		const char *base = strrchr(plan->v[i].path, '/') ? : plan->v[i].path;
		const char *ko = strstr(base, ".ko");

		if (!plan->can_decompress && ko && strcmp(ko, ".ko") &&
		    strcmp(ko, ".ko.gz")) {
			snprintf(err, errlen, "%s is compressed and the kernel has no CONFIG_MODULE_DECOMPRESS (ktstr inflates only .ko.gz)",
				 plan->v[i].path);
			r = -EOPNOTSUPP;
		}
	}
	if (have_config &&
	    config_value(&config, "CONFIG_SCHED_CLASS_EXT") != 'y')
		snprintf(plan->no_sched_ext, sizeof(plan->no_sched_ext),
			 "no sched_ext (CONFIG_SCHED_CLASS_EXT is not set in %s/config-%s)",
			 boot_dir, plan->version);
	/* A built-in virtio_mmio takes the command line only with this. */
	if (have_config &&
	    config_value(&config, "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES") != 'y')
		plan->virtio_in_firmware = true;
out:
	if (r)
		kmod_plan_free(plan);
	kmod_dep_free(&dep);
	buf_free(&depf);
	buf_free(&builtin);
	buf_free(&config);
	free(dir);
	return r;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int gunzip(const struct buf *in, struct buf *out)
{
	z_stream zs = {};
	uint8_t chunk[65536];
	int ret;

	/* windowBits 15 + 32: a gzip or zlib header. */
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -ENOMEM;
	zs.next_in = in->data;
	zs.avail_in = in->len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		ret = inflate(&zs, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END)
			break;
		buf_put(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (ret != Z_STREAM_END && (zs.avail_in || !zs.avail_out));
	inflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -EBADMSG;
}

int kmod_pack_file(const struct kmod_plan *plan, int idx, struct buf *out,
		   char **guest, char *err, size_t errlen)
{
	const struct kmod_module *m = &plan->v[idx];
	const char *base = strrchr(m->path, '/') ? : m->path;
	const char *suffix = ".ko";
	struct buf raw = {};
	int r;

	r = read_file(m->path, &raw);
	if (r) {
		snprintf(err, errlen, "module %s: %s", m->path, strerror(-r));
		return r;
	}
	if (has_suffix(m->path, ".ko.gz")) {
		r = gunzip(&raw, out);
		if (r)
			snprintf(err, errlen, "module %s: not gzip data", m->path);
	} else if (has_suffix(m->path, ".ko")) {
		buf_put(out, raw.data, raw.len);
	} else if (plan->can_decompress && strstr(base, ".ko.")) {
		/* finit_module(MODULE_INIT_COMPRESSED_FILE) inflates it. */
		suffix = strstr(base, ".ko.");
		buf_put(out, raw.data, raw.len);
	} else {
		snprintf(err, errlen, "module %s: compressed, and the kernel has no CONFIG_MODULE_DECOMPRESS (ktstr inflates only .ko.gz)",
			 m->path);
		r = -EOPNOTSUPP;
	}
	buf_free(&raw);
	if (!r)
		*guest = xasprintf(KMOD_GUEST_DIR "/%02d-%s%s", idx, m->name,
				   suffix);
	return r;
}
