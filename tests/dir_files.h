/* SPDX-License-Identifier: GPL-2.0 */
/* Unit tests' helpers: files by name in a directory. */
#ifndef KTSTR_TESTS_DIR_FILES_H
#define KTSTR_TESTS_DIR_FILES_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

/* Creates (or truncates) @dir/@name holding @text. */
static inline void put_in(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			pr_warn("cannot write %s", p);
		close(fd);
	}
	free(p);
}

static inline bool there(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool r = !access(p, F_OK);

	free(p);
	return r;
}

#endif
