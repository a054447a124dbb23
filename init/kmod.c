// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 loads the kernel modules the host packed (vmm/kmod.h): a
 * distribution kernel's virtio_mmio and virtio_console with their
 * dependencies, named NN-NAME.ko so that name order is load order.
 *
 * The kernel applies "NAME.PARAM=VALUE" from its command line only to
 * built-in code; for a module it is modprobe (kmod) that reads
 * /proc/cmdline and passes them. PID 1 does the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init/init.h"
#include "vmm/kmod.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE	4
#endif

static bool same_name(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

void guest_module_params(const char *cmdline, const char *name,
			 struct buf *out)
{
	size_t n = strlen(name);
	const char *p = cmdline;

	while (*p) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len == 2 && !memcmp(p, "--", 2))
			break;		/* the rest is init's */
		if (len > n + 1 && p[n] == '.' && same_name(p, name, n) &&
		    memchr(p, '=', len)) {
			if (out->len)
				buf_putc(out, ' ');
			buf_put(out, p + n + 1, len - n - 1);
		}
		p += len;
	}
	buf_putc(out, 0);
}

static int select_module(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int guest_load_modules(void)
{
	struct buf cmdline = {};
	struct dirent **v;
	int i, nr, failed = 0;

	nr = scandir(KMOD_GUEST_DIR, &v, select_module, alphasort);
	if (nr <= 0)
		return 0;
	read_file("/proc/cmdline", &cmdline);
	buf_putc(&cmdline, 0);
	for (i = 0; i < nr; i++) {
		const char *file = v[i]->d_name;
		const char *ko = strstr(file, ".ko");
		struct buf params = {};
		char path[300], name[256] = "";
		int fd, flags = ko && ko[3] ? MODULE_INIT_COMPRESSED_FILE : 0;

		/* "NN-virtio_mmio.ko": the name after the order. */
		kmod_name(strchr(file, '-') ? strchr(file, '-') + 1 : file,
			  name, sizeof(name));
		guest_module_params((char *)cmdline.data, name, &params);
		snprintf(path, sizeof(path), KMOD_GUEST_DIR "/%s", file);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, (char *)params.data,
				       flags) && errno != EEXIST)) {
			fprintf(stderr, "ktstr-init: load module %s: %s\n", path,
				strerror(errno));
			failed++;
		}
		if (fd >= 0)
			close(fd);
		buf_free(&params);
		free(v[i]);
	}
	free(v);
	buf_free(&cmdline);
	return failed ? -EIO : nr;
}
