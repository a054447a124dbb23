/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel modules for the guest: a distribution kernel (Debian's
 * /boot/vmlinuz-VERSION) builds the virtio drivers ktstr's guest side
 * needs as modules. The host finds them and their dependencies in
 * /lib/modules/VERSION, packs them into the initramfs in load order, and
 * PID 1 loads them (init/kmod.c) before it opens the console.
 */
#ifndef KTSTR_VMM_KMOD_H
#define KTSTR_VMM_KMOD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

/* Where the initramfs carries them: NN-NAME.ko[.xz|.zst], NN the order. */
#define KMOD_GUEST_DIR		"/lib/modules/ktstr"

/* One line of modules.dep: a module's path and its dependencies' paths. */
struct kmod_dep_line {
	char *path;		/* relative to the modules directory */
	char **deps;
	int nr_deps;
};

struct kmod_dep {
	struct kmod_dep_line *v;
	int nr;
};

/* A module to load: its name ("virtio_mmio") and host file. */
struct kmod_module {
	char *name;
	char *path;		/* absolute */
};

struct kmod_plan {
	char version[128];	/* the kernel's release, "" when unknown */
	struct kmod_module *v;	/* in load order, dependencies first */
	int nr;
	/* virtio_mmio is a module or cannot take virtio_mmio.device=. */
	bool virtio_in_firmware;
	bool can_decompress;	/* CONFIG_MODULE_DECOMPRESS=y */
	/* Why the kernel cannot run sched_ext schedulers, "" if it can or unknown. */
	char no_sched_ext[256];
};

/* A module's name from its path: basename, no .ko*, '-' as '_'. */
void kmod_name(const char *path, char *name, size_t len);

/* Parses modules.dep text ("a.ko: b.ko c.ko" lines). */
int kmod_dep_parse(const char *text, size_t len, struct kmod_dep *dep);
void kmod_dep_free(struct kmod_dep *dep);
const struct kmod_dep_line *kmod_dep_find(const struct kmod_dep *dep,
					   const char *name);

/* Whether modules.builtin text lists module @name. */
bool kmod_builtin(const char *text, size_t len, const char *name);

/*
 * Appends @name and, first, everything it depends on (recursively,
 * each once) to @plan, paths under @dir. -ENOENT when @name or a
 * dependency has no modules.dep line, -ELOOP on a dependency cycle.
 */
int kmod_add(struct kmod_plan *plan, const struct kmod_dep *dep,
	     const char *dir, const char *name);

/*
 * The modules the guest needs to run ktstr's PID 1 with kernel @kernel
 * (virtio_mmio, virtio_console): nothing for a kernel that has them built
 * in or is unknown to /lib/modules and /boot (ktstr's own). Returns 0, or
 * -errno with one line in @err naming what the kernel lacks.
 */
int kmod_plan_kernel(const char *kernel, struct kmod_plan *plan, char *err,
		     size_t errlen);
/* The same for release @version, with modules_root/VERSION and boot_dir/config-VERSION. */
int kmod_plan_release(const char *version, const char *modules_root,
		      const char *boot_dir, struct kmod_plan *plan, char *err,
		      size_t errlen);
void kmod_plan_free(struct kmod_plan *plan);

/*
 * The file to pack for @m into @out: its bytes, a .ko.gz inflated with
 * zlib; .ko.xz/.ko.zst as they are when the kernel decompresses modules
 * itself, else -EOPNOTSUPP. *@guest gets the guest path (malloc'ed) for
 * load position @idx.
 */
int kmod_pack_file(const struct kmod_plan *plan, int idx, struct buf *out,
		   char **guest, char *err, size_t errlen);

#endif
