/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_VMM_CPIO_H
#define KTSTR_VMM_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/*
 * Writer of "newc" (SVR4, magic 070701) cpio archives, the format the kernel
 * unpacks as initramfs. Entries are appended to a caller-owned struct buf.
 *
 * Names are guest paths with a leading '/' ("/lib/libc.so.6"); they are
 * stored without it, as usr/gen_init_cpio does. Every add function first
 * emits any missing parent directory (mode 0755), because the kernel creates
 * entries in archive order and cannot create a file in a missing directory.
 * uid/gid and mtime are 0 so identical inputs give identical archives.
 */
struct cpio_entry_name;

struct cpio {
	struct buf *out;
	uint32_t next_ino;
	struct cpio_entry_name *names;	/* what exists, to find parents/dups */
	int nr_names;
	int cap_names;
	bool finished;
};

void cpio_init(struct cpio *c, struct buf *out);
/* Frees the name table; the archive bytes stay in the caller's buf. */
void cpio_free(struct cpio *c);

/*
 * All return 0 or -errno: -EINVAL for a bad name (empty, relative, "." or
 * ".." components, "//", trailing '/', longer than PATH_MAX) or bad mode,
 * -EEXIST when the name exists (except an existing directory for
 * cpio_add_dir), -ENOTDIR when a parent exists as a non-directory, -EBUSY
 * after cpio_finish().
 */
int cpio_add_dir(struct cpio *c, const char *name, unsigned int mode);
int cpio_add_file(struct cpio *c, const char *name, unsigned int mode,
		  const void *data, size_t len);
int cpio_add_symlink(struct cpio *c, const char *name, const char *target);
/* @type is S_IFCHR or S_IFBLK; @mode the permission bits. */
int cpio_add_dev(struct cpio *c, const char *name, unsigned int type,
		 unsigned int mode, unsigned int major, unsigned int minor);
/* Emits the missing parent directories of @name (not @name itself). */
int cpio_add_parents(struct cpio *c, const char *name);
/* True if @name (guest path) was already emitted. */
bool cpio_exists(const struct cpio *c, const char *name);
/* Appends the TRAILER!!! entry and pads the archive to 512 bytes. */
int cpio_finish(struct cpio *c);

#endif
