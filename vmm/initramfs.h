/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_VMM_INITRAMFS_H
#define KTSTR_VMM_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "vmm/kmod.h"

/*
 * The guest's whole userspace: ktstr itself as /init, the shared libraries
 * it needs, and extra files (a scheduler as /scheduler, busybox...).
 */
struct initramfs_file {
	const char *host_path;
	const char *guest_path;		/* absolute, e.g. "/scheduler" */
	unsigned int mode;		/* permission bits; 0: the host file's */
};

struct initramfs_spec {
	const char *init;		/* host path of the binary that becomes /init */
	const struct initramfs_file *extra;
	int nr_extra;
	bool resolve_extra_deps;	/* also pack the DT_NEEDED closure of extra ELF files */
	/* A distribution kernel's modules for PID 1 (vmm/kmod.h), or NULL. */
	const struct kmod_plan *modules;
};

/* Keep this many archives in ktstr_cache_dir()/initramfs, newest first. */
#define INITRAMFS_CACHE_KEEP	8

/*
 * Builds the uncompressed newc archive for @spec into @out (appended).
 * Returns 0 or -errno after one error line naming the bad file.
 */
int initramfs_build(const struct initramfs_spec *spec, struct buf *out);

/*
 * The identity of @spec's inputs, appended to @key: ktstr's own build
 * id, the loader's configuration, and path, device, inode, size, mtime,
 * ctime and mode of /init, each extra file and each module to pack
 * (with whether it is inflated). initramfs_get() finds an
 * archive by it (and the libraries' identities recorded with it) without
 * reading the inputs. -EAGAIN if an input changed in the last 2 s (too
 * recent for coarse timestamps to tell a second change), -EINVAL for a
 * bad @spec, or the -errno of stat().
 */
int initramfs_identity(const struct initramfs_spec *spec, struct buf *key);

/* 64-bit FNV-1a: the cache key of an archive. */
uint64_t initramfs_hash(const void *data, size_t len);

/*
 * Returns in *@path (malloc'ed) the path of
 * ktstr_cache_dir()/initramfs/<hash>.cpio.gz: found by the inputs'
 * identity when an index for it is there, else built, hashed, and
 * compressed and stored only when not cached yet.
 */
int initramfs_get(const struct initramfs_spec *spec, char **path);

/* How many times this process had to gzip an archive (cache misses). */
unsigned long initramfs_nr_compressed(void);

#endif
