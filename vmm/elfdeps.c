// SPDX-License-Identifier: GPL-2.0
/* PT_INTERP + DT_NEEDED closure of an ELF file, resolved like ld.so does. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "vmm/elfdeps.h"

#define LDSO_CONF		"/etc/ld.so.conf"
#define LDSO_CONF_MAX_DEPTH	8

/* What one ELF file says about its run-time needs. */
struct elf_info {
	int elf_class;
	unsigned int machine;
	unsigned int type;
	char *interp;
	char **needed;
	int nr_needed;
	char *runpath;		/* DT_RUNPATH, else DT_RPATH (ld.so order) */
};

static void info_free(struct elf_info *info)
{
	int i;

	for (i = 0; i < info->nr_needed; i++)
		free(info->needed[i]);
	free(info->needed);
	free(info->interp);
	free(info->runpath);
	memset(info, 0, sizeof(*info));
}

static const struct {
	unsigned int machine;
	int elf_class;
	const char *triplet;
} triplets[] = {
	{ EM_X86_64,	ELFCLASS64, "x86_64-linux-gnu" },
	{ EM_X86_64,	ELFCLASS32, "x86_64-linux-gnux32" },
	{ EM_386,	ELFCLASS32, "i386-linux-gnu" },
	{ EM_AARCH64,	ELFCLASS64, "aarch64-linux-gnu" },
	{ EM_ARM,	ELFCLASS32, "arm-linux-gnueabihf" },
	{ EM_RISCV,	ELFCLASS64, "riscv64-linux-gnu" },
	{ EM_PPC64,	ELFCLASS64, "powerpc64le-linux-gnu" },
	{ EM_S390,	ELFCLASS64, "s390x-linux-gnu" },
};

const char *elf_multiarch_triplet(int elf_class, unsigned int machine)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(triplets); i++) {
		if (triplets[i].machine == machine &&
		    triplets[i].elf_class == elf_class)
			return triplets[i].triplet;
	}
	return NULL;
}

static int read_interp(int fd, const GElf_Phdr *ph, char **out)
{
	size_t len = ph->p_filesz;
	char *s;

	/* A NUL-terminated path; anything else is a corrupt header. */
	if (len < 2 || len > PATH_MAX)
		return -EINVAL;
	s = xmalloc(len);
	if (pread(fd, s, len, ph->p_offset) != (ssize_t)len ||
	    s[len - 1] != '\0' || strlen(s) != len - 1 || s[0] != '/') {
		free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

static int read_phdrs(Elf *elf, int fd, struct elf_info *info)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph))
			return -EINVAL;
		if (ph.p_type == PT_INTERP && !info->interp)
			return read_interp(fd, &ph, &info->interp);
	}
	return 0;
}

static void add_dyn(Elf *elf, size_t strndx, const GElf_Dyn *dyn,
		    struct elf_info *info)
{
	const char *s;

	if (dyn->d_tag != DT_NEEDED && dyn->d_tag != DT_RUNPATH &&
	    dyn->d_tag != DT_RPATH)
		return;
	s = elf_strptr(elf, strndx, dyn->d_un.d_val);
	if (!s || !*s)
		return;
	if (dyn->d_tag == DT_NEEDED) {
		info->needed = xrealloc(info->needed, (info->nr_needed + 1) *
					sizeof(*info->needed));
		info->needed[info->nr_needed++] = xstrdup(s);
	} else if (dyn->d_tag == DT_RUNPATH || !info->runpath) {
		/* DT_RUNPATH wins: ld.so ignores DT_RPATH when both exist. */
		free(info->runpath);
		info->runpath = xstrdup(s);
	}
}

static int read_dynamic(Elf *elf, struct elf_info *info)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *data;
	GElf_Dyn dyn;
	size_t i;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			return -EINVAL;
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			if (!gelf_getdyn(data, i, &dyn))
				break;
			if (dyn.d_tag == DT_NULL)
				break;
			add_dyn(elf, sh.sh_link, &dyn, info);
		}
	}
	return 0;
}

/* -ENOEXEC: not ELF; -EINVAL: ELF but malformed. */
static int read_info(const char *path, struct elf_info *info)
{
	GElf_Ehdr eh;
	Elf *elf;
	int fd, err;

	memset(info, 0, sizeof(*info));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;	/* libelf too old for this binary */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	err = -EINVAL;
	if (!gelf_getehdr(elf, &eh))
		goto out;
	info->elf_class = gelf_getclass(elf);
	info->machine = eh.e_machine;
	info->type = eh.e_type;
	err = read_phdrs(elf, fd, info);
	if (!err)
		err = read_dynamic(elf, info);
out:
	elf_end(elf);
	close(fd);
	if (err)
		info_free(info);
	return err;
}

/* ld.so.conf: "dir", "include glob", "hwcap ..." and '#' comments. */
static void conf_parse(struct elf_deps *d, const char *file, int depth);

static void conf_include(struct elf_deps *d, const char *file,
			 const char *pattern, int depth)
{
	char *dir = xstrdup(file), *slash, *pat;
	glob_t g;
	size_t i;

	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	/* Relative includes are relative to the including file. */
	pat = pattern[0] == '/' ? xstrdup(pattern) :
	      xasprintf("%s/%s", dir, pattern);
	if (!glob(pat, 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++)
			conf_parse(d, g.gl_pathv[i], depth + 1);
		globfree(&g);
	}
	free(pat);
	free(dir);
}

static void conf_line(struct elf_deps *d, const char *file, char *s,
		      int depth)
{
	char *end;

	s[strcspn(s, "#\n")] = '\0';
	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t')) {
		s += 7 + strspn(s + 7, " \t");
		conf_include(d, file, s, depth);
		return;
	}
	if (s[0] != '/')
		return;		/* empty, "hwcap", or junk: ldconfig skips too */
	d->conf_dirs = xrealloc(d->conf_dirs, (d->nr_conf_dirs + 1) *
				sizeof(*d->conf_dirs));
	d->conf_dirs[d->nr_conf_dirs++] = xstrdup(s);
}

static void conf_parse(struct elf_deps *d, const char *file, int depth)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (depth > LDSO_CONF_MAX_DEPTH)
		return;		/* include loop */
	f = fopen(file, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		conf_line(d, file, line, depth);
	free(line);
	fclose(f);
}

/* Same class and machine, and a shared object (or PIE) at all. */
static bool candidate_ok(const char *path, int elf_class,
			 unsigned int machine)
{
	struct elf_info info;
	bool ok;

	if (access(path, R_OK) || read_info(path, &info))
		return false;
	ok = info.elf_class == elf_class && info.machine == machine &&
	     info.type == ET_DYN;
	info_free(&info);
	return ok;
}

/* Returns the malloc'ed path of @soname in @dir if it is usable. */
static char *try_dir(const char *dir, const char *soname, int elf_class,
		     unsigned int machine)
{
	char *path;

	if (!*dir)
		return NULL;	/* empty runpath entry = cwd; not for a guest */
	path = xasprintf("%s/%s", dir, soname);
	if (candidate_ok(path, elf_class, machine))
		return path;
	free(path);
	return NULL;
}

/* Expands $ORIGIN / ${ORIGIN}; NULL for other tokens ($LIB, $PLATFORM). */
static char *expand_origin(const char *entry, const char *origin)
{
	struct buf b = {};
	const char *p;

	for (p = entry; *p; p++) {
		if (*p != '$') {
			buf_putc(&b, *p);
			continue;
		}
		if (!strncmp(p, "$ORIGIN", 7)) {
			p += 6;
		} else if (!strncmp(p, "${ORIGIN}", 9)) {
			p += 8;
		} else {
			buf_free(&b);
			return NULL;
		}
		buf_put(&b, origin, strlen(origin));
	}
	buf_putc(&b, '\0');
	return (char *)b.data;
}

static char *search_runpath(const char *runpath, const char *origin,
			    const char *soname, int elf_class,
			    unsigned int machine)
{
	char *copy = xstrdup(runpath), *save = NULL, *tok, *dir, *real;
	char *found = NULL;

	for (tok = strtok_r(copy, ":", &save); tok && !found;
	     tok = strtok_r(NULL, ":", &save)) {
		dir = expand_origin(tok, origin);
		/* "$ORIGIN/../lib" has to become a plain guest path. */
		real = dir ? realpath(dir, NULL) : NULL;
		if (real)
			found = try_dir(real, soname, elf_class, machine);
		free(real);
		free(dir);
	}
	free(copy);
	return found;
}

static char *search_std(const char *soname, int elf_class,
			unsigned int machine)
{
	const char *triplet = elf_multiarch_triplet(elf_class, machine);
	static const char * const plain[] = {
		"/lib64", "/usr/lib64", "/lib", "/usr/lib",
	};
	char *dir, *found = NULL;
	size_t i;

	if (triplet) {
		for (i = 0; i < 2 && !found; i++) {
			dir = xasprintf("%s/%s", i ? "/usr/lib" : "/lib",
					triplet);
			found = try_dir(dir, soname, elf_class, machine);
			free(dir);
		}
	}
	for (i = 0; i < ARRAY_SIZE(plain) && !found; i++)
		found = try_dir(plain[i], soname, elf_class, machine);
	return found;
}

static char *search_conf(struct elf_deps *d, const char *soname,
			 int elf_class, unsigned int machine)
{
	char *found = NULL;
	int i;

	if (!d->conf_loaded) {
		conf_parse(d, LDSO_CONF, 0);
		d->conf_loaded = true;
	}
	for (i = 0; i < d->nr_conf_dirs && !found; i++)
		found = try_dir(d->conf_dirs[i], soname, elf_class, machine);
	return found;
}

/* Directory of @path, symlinks resolved as the kernel does for exec. */
static char *origin_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *real;

	if (!slash) {
		free(dir);
		dir = xstrdup(".");
	} else {
		slash[slash == dir] = '\0';
	}
	real = realpath(dir, NULL);
	if (real) {
		free(dir);
		return real;
	}
	return dir;
}

static bool have_soname(const struct elf_deps *d, const char *soname,
			int elf_class, unsigned int machine)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (d->v[i].elf_class == elf_class &&
		    d->v[i].machine == machine &&
		    !strcmp(d->v[i].soname, soname))
			return true;
	}
	return false;
}

static void push(struct elf_deps *d, char *path, const char *soname,
		 const struct elf_info *info, bool interp, bool std_dir)
{
	struct elf_dep *e;

	if (d->nr == d->cap) {
		d->cap = MAX(8, d->cap * 2);
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	e = &d->v[d->nr++];
	e->path = path;
	e->soname = xstrdup(soname);
	e->elf_class = info->elf_class;
	e->machine = info->machine;
	e->interp = interp;
	e->std_dir = std_dir;
}

static int resolve(struct elf_deps *d, const char *soname, const char *who,
		   const struct elf_info *info)
{
	char *origin, *found = NULL;
	bool std_dir = false;

	if (have_soname(d, soname, info->elf_class, info->machine))
		return 0;
	if (strchr(soname, '/')) {
		/* ld.so takes a DT_NEEDED with a slash as a path. */
		if (candidate_ok(soname, info->elf_class, info->machine))
			found = realpath(soname, NULL);
	} else if (info->runpath) {
		origin = origin_of(who);
		found = search_runpath(info->runpath, origin, soname,
				       info->elf_class, info->machine);
		free(origin);
	}
	if (!found && !strchr(soname, '/')) {
		found = search_std(soname, info->elf_class, info->machine);
		std_dir = found != NULL;
	}
	if (!found && !strchr(soname, '/'))
		found = search_conf(d, soname, info->elf_class, info->machine);
	if (!found) {
		pr_err("%s (needed by %s): not found in its runpath, the standard library directories or %s",
		       soname, who, LDSO_CONF);
		return -ENOENT;
	}
	push(d, found, soname, info, false, std_dir);
	return 0;
}

static bool have_interp(const struct elf_deps *d, const char *path)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (d->v[i].interp && !strcmp(d->v[i].path, path))
			return true;
	}
	return false;
}

/* Adds the loader and needed libraries of one file; new entries from @d->nr. */
static int add_one(struct elf_deps *d, const char *path,
		   const struct elf_info *info)
{
	int i, err;

	/*
	 * By path, not soname: the kernel opens PT_INTERP literally, even if
	 * a library's DT_NEEDED already brought the same soname elsewhere.
	 */
	if (info->interp && !have_interp(d, info->interp)) {
		if (access(info->interp, R_OK)) {
			err = -errno;
			pr_err("loader %s of %s: %s", info->interp, path,
			       strerror(-err));
			return err;
		}
		/*
		 * Its basename is its soname: libc.so.6 lists
		 * ld-linux-x86-64.so.2 as DT_NEEDED and must not pull in a
		 * second copy from /lib/<triplet>.
		 */
		push(d, xstrdup(info->interp), strrchr(info->interp, '/') + 1,
		     info, true, false);
	}
	for (i = 0; i < info->nr_needed; i++) {
		err = resolve(d, info->needed[i], path, info);
		if (err)
			return err;
	}
	return 0;
}

int elf_deps_add(struct elf_deps *d, const char *path)
{
	struct elf_info info;
	int i, err;

	err = read_info(path, &info);
	if (err == -ENOENT || err == -EACCES || err == -EISDIR)
		pr_err("%s: %s", path, strerror(-err));
	else if (err == -EINVAL)
		pr_err("%s: malformed ELF file", path);
	if (err)
		return err;
	i = d->nr;
	err = add_one(d, path, &info);
	info_free(&info);
	/* Breadth-first over what was just added; push() may grow d->v. */
	for (; !err && i < d->nr; i++) {
		char *lib = xstrdup(d->v[i].path);

		err = read_info(lib, &info);
		if (err)
			pr_err("%s: cannot read ELF: %s", lib, strerror(-err));
		else
			err = add_one(d, lib, &info);
		info_free(&info);
		free(lib);
	}
	return err;
}

void elf_deps_free(struct elf_deps *d)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		free(d->v[i].path);
		free(d->v[i].soname);
	}
	for (i = 0; i < d->nr_conf_dirs; i++)
		free(d->conf_dirs[i]);
	free(d->v);
	free(d->conf_dirs);
	memset(d, 0, sizeof(*d));
}
