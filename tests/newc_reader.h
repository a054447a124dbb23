/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A newc (cpio) reader for the unit tests, written from the format spec
 * and not from vmm/cpio.c, so that a bug in one does not cancel out in the
 * other. Header-only: each test includes it once.
 */
#ifndef KTSTR_TESTS_NEWC_READER_H
#define KTSTR_TESTS_NEWC_READER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HDR_LEN		110

struct ent {
	char name[PATH_MAX];
	unsigned int f[13];	/* ino mode uid gid nlink mtime size ... */
	size_t hdr_off;
	size_t data_off;
	const uint8_t *data;
};

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_DMAJ,
	F_DMIN, F_RMAJ, F_RMIN, F_NAMESIZE, F_CHECK };

static int hex8(const uint8_t *s, unsigned int *out)
{
	char tmp[9], *end;

	memcpy(tmp, s, 8);
	tmp[8] = '\0';
	*out = strtoul(tmp, &end, 16);
	return end == tmp + 8 ? 0 : -1;
}

/* Returns the number of entries, the trailer included, or -1. */
static int parse(const uint8_t *p, size_t len, struct ent *v, int max)
{
	size_t off = 0;
	int i, n = 0;

	while (n < max) {
		struct ent *e = &v[n];

		if (off + HDR_LEN > len || memcmp(p + off, "070701", 6))
			return -1;
		for (i = 0; i < 13; i++) {
			if (hex8(p + off + 6 + 8 * i, &e->f[i]))
				return -1;
		}
		e->hdr_off = off;
		off += HDR_LEN;
		if (!e->f[F_NAMESIZE] || e->f[F_NAMESIZE] > PATH_MAX ||
		    off + e->f[F_NAMESIZE] > len ||
		    p[off + e->f[F_NAMESIZE] - 1] != '\0')
			return -1;
		memcpy(e->name, p + off, e->f[F_NAMESIZE]);
		off = ALIGN_UP(off + e->f[F_NAMESIZE], 4);
		e->data_off = off;
		e->data = p + off;
		if (off + e->f[F_SIZE] > len)
			return -1;
		off = ALIGN_UP(off + e->f[F_SIZE], 4);
		n++;
		if (!strcmp(e->name, "TRAILER!!!"))
			return n;
	}
	return -1;
}

static const struct ent *find(const struct ent *v, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].name, name))
			return &v[i];
	}
	return NULL;
}

/* Every parent must appear, as a directory, before its child. */
static bool parents_first(const struct ent *v, int n)
{
	char parent[PATH_MAX];
	const struct ent *p;
	char *slash;
	int i;

	for (i = 0; i < n; i++) {
		memcpy(parent, v[i].name, sizeof(parent));
		while ((slash = strrchr(parent, '/'))) {
			*slash = '\0';
			p = find(v, n, parent);
			if (!p || p >= &v[i] || !S_ISDIR(p->f[F_MODE]))
				return false;
		}
	}
	return true;
}

#endif
