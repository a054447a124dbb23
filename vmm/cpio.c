// SPDX-License-Identifier: GPL-2.0
/* newc cpio writer for the initramfs (see Documentation/driver-api/early-userspace). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm/cpio.h"

#define CPIO_MAGIC	"070701"
#define CPIO_TRAILER	"TRAILER!!!"

struct cpio_entry_name {
	char *name;		/* stored form: no leading '/' */
	unsigned int mode;
};

void cpio_init(struct cpio *c, struct buf *out)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	/* gen_init_cpio starts at 721; any nonzero, increasing value works. */
	c->next_ino = 721;
}

void cpio_free(struct cpio *c)
{
	int i;

	for (i = 0; i < c->nr_names; i++)
		free(c->names[i].name);
	free(c->names);
	c->names = NULL;
	c->nr_names = c->cap_names = 0;
}

/* Guest paths only: "/x/y". Anything the kernel might resolve oddly is out. */
static int check_name(const char *name)
{
	const char *p, *comp;
	size_t len;

	if (!name || name[0] != '/')
		return -EINVAL;
	len = strlen(name);
	/* The stored name drops the '/' but gains a NUL: len bytes in all. */
	if (len < 2 || len > PATH_MAX)
		return -EINVAL;
	for (comp = p = name + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p == comp || !strncmp(comp, ".", p - comp) ||
		    !strncmp(comp, "..", p - comp))
			return -EINVAL;
		if (!*p)
			return 0;
		comp = p + 1;
	}
}

/* Linear: an initramfs has tens of entries, not thousands. */
static struct cpio_entry_name *lookup(const struct cpio *c, const char *stored,
				      size_t len)
{
	int i;

	for (i = 0; i < c->nr_names; i++) {
		if (!strncmp(c->names[i].name, stored, len) &&
		    c->names[i].name[len] == '\0')
			return &c->names[i];
	}
	return NULL;
}

bool cpio_exists(const struct cpio *c, const char *name)
{
	if (check_name(name))
		return false;
	return lookup(c, name + 1, strlen(name + 1)) != NULL;
}

static void remember(struct cpio *c, const char *stored, size_t len,
		     unsigned int mode)
{
	if (c->nr_names == c->cap_names) {
		c->cap_names = MAX(16, c->cap_names * 2);
		c->names = xrealloc(c->names, c->cap_names * sizeof(*c->names));
	}
	c->names[c->nr_names].name = strndup(stored, len);
	if (!c->names[c->nr_names].name)
		die("out of memory");
	c->names[c->nr_names].mode = mode;
	c->nr_names++;
}

static void pad4(struct buf *b)
{
	static const uint8_t zeros[4];

	buf_put(b, zeros, ALIGN_UP(b->len, 4) - b->len);
}

/*
 * One header + name + data. Alignment is taken on the whole buffer, as the
 * kernel checks it from the start of the initramfs image.
 */
static void put_entry(struct cpio *c, const char *stored, size_t namelen,
		      unsigned int mode, unsigned int nlink,
		      unsigned int rmajor, unsigned int rminor,
		      const void *data, size_t size)
{
	uint32_t ino = mode ? c->next_ino++ : 0;

	buf_printf(c->out, CPIO_MAGIC
		   "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		   ino, mode, 0, 0, nlink, 0, (unsigned int)size, 0, 0,
		   rmajor, rminor, (unsigned int)namelen + 1, 0);
	buf_put(c->out, stored, namelen);
	buf_putc(c->out, '\0');
	pad4(c->out);
	if (size)
		buf_put(c->out, data, size);
	pad4(c->out);
}

/* Emits the missing directories among the first @len bytes of @stored. */
static int add_parents_stored(struct cpio *c, const char *stored, size_t len)
{
	const struct cpio_entry_name *e;
	size_t i;

	for (i = 0; i < len; i++) {
		if (stored[i] != '/')
			continue;
		e = lookup(c, stored, i);
		if (e && !S_ISDIR(e->mode))
			return -ENOTDIR;
		if (e)
			continue;
		put_entry(c, stored, i, S_IFDIR | 0755, 2, 0, 0, NULL, 0);
		remember(c, stored, i, S_IFDIR | 0755);
	}
	return 0;
}

int cpio_add_parents(struct cpio *c, const char *name)
{
	int err = check_name(name);

	if (err)
		return err;
	if (c->finished)
		return -EBUSY;
	return add_parents_stored(c, name + 1, strlen(name + 1));
}

/* Common checks and parent creation; *stored is set to the name sans '/'. */
static int prepare(struct cpio *c, const char *name, const char **stored)
{
	const struct cpio_entry_name *e;
	int err = cpio_add_parents(c, name);

	if (err)
		return err;
	*stored = name + 1;
	e = lookup(c, *stored, strlen(*stored));
	if (e)
		return S_ISDIR(e->mode) ? -EISDIR : -EEXIST;
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *name, unsigned int mode)
{
	const char *stored;
	int err;

	if (mode & ~07777)
		return -EINVAL;
	err = prepare(c, name, &stored);
	if (err == -EISDIR)
		return 0;	/* already there: like mkdir -p */
	if (err)
		return err;
	put_entry(c, stored, strlen(stored), S_IFDIR | mode, 2, 0, 0, NULL, 0);
	remember(c, stored, strlen(stored), S_IFDIR | mode);
	return 0;
}

int cpio_add_file(struct cpio *c, const char *name, unsigned int mode,
		  const void *data, size_t len)
{
	const char *stored;
	int err;

	if (mode & ~07777)
		return -EINVAL;
	if (len > UINT32_MAX)
		return -EFBIG;
	err = prepare(c, name, &stored);
	if (err)
		return err == -EISDIR ? -EEXIST : err;
	put_entry(c, stored, strlen(stored), S_IFREG | mode, 1, 0, 0, data, len);
	remember(c, stored, strlen(stored), S_IFREG | mode);
	return 0;
}

int cpio_add_symlink(struct cpio *c, const char *name, const char *target)
{
	const char *stored;
	size_t tlen;
	int err;

	if (!target)
		return -EINVAL;
	tlen = strlen(target);
	/* The kernel skips symlinks whose target exceeds PATH_MAX. */
	if (!tlen || tlen >= PATH_MAX)
		return -EINVAL;
	err = prepare(c, name, &stored);
	if (err)
		return err == -EISDIR ? -EEXIST : err;
	put_entry(c, stored, strlen(stored), S_IFLNK | 0777, 1, 0, 0,
		  target, tlen);
	remember(c, stored, strlen(stored), S_IFLNK | 0777);
	return 0;
}

int cpio_add_dev(struct cpio *c, const char *name, unsigned int type,
		 unsigned int mode, unsigned int major, unsigned int minor)
{
	const char *stored;
	int err;

	if ((type != S_IFCHR && type != S_IFBLK) || (mode & ~07777))
		return -EINVAL;
	err = prepare(c, name, &stored);
	if (err)
		return err == -EISDIR ? -EEXIST : err;
	put_entry(c, stored, strlen(stored), type | mode, 1, major, minor,
		  NULL, 0);
	remember(c, stored, strlen(stored), type | mode);
	return 0;
}

int cpio_finish(struct cpio *c)
{
	static const uint8_t zeros[512];

	if (c->finished)
		return -EBUSY;
	/* The trailer is all zeros but nlink 1, like GNU cpio writes it. */
	put_entry(c, CPIO_TRAILER, strlen(CPIO_TRAILER), 0, 1, 0, 0, NULL, 0);
	/* Block-pad for cpio(1), which reads whole 512-byte records. */
	buf_put(c->out, zeros, ALIGN_UP(c->out->len, 512) - c->out->len);
	c->finished = true;
	return 0;
}
