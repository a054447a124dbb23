/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ktstr locks`: the per-LLC locks of performance mode held now.
 * `ktstr cleanup`: what runs that died left on the host.
 */
#ifndef KTSTR_CLI_HOSTCLEAN_H
#define KTSTR_CLI_HOSTCLEAN_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "util/util.h"

struct held_lock {
	int llc;		/* host LLC group (llc-N.lock) */
	pid_t pid;		/* holder; 0 when unknown */
	char cpus[256];		/* host CPUs of the LLC, "?" when unknown */
	char command[256];	/* holder's command line, else its comm */
	char path[PATH_MAX];
};

/* The locks held in @dir, ascending LLC; the count, or -errno. */
int locks_held(const char *dir, struct held_lock **out);
/* Text table, or one JSON object (lock_dir, locks[]), into @b. */
void locks_format(struct buf *b, const char *dir, const struct held_lock *v,
		  int n, bool json);

struct cleanup_roots {
	const char *cgroup_root;	/* NULL: no cgroup2 to sweep */
	const char *cache_dir;		/* NULL: none */
	const char *lock_dir;		/* NULL: none */
	bool dry_run;
};

/*
 * Removes (or with dry_run, names) what dead PIDs left under @r: cpusets
 * ktstr-PID-vcpus anywhere under cgroup_root, free lock files whose
 * recorded holder is dead, NAME.tmp.PID files and emu-heartbeat.PID.N
 * files in the cache directory and its subdirectories. Anything of a
 * live PID stays. One line per item to @out; the number of items.
 */
int cleanup_run(const struct cleanup_roots *r, FILE *out);

extern const char locks_help[], cleanup_help[];
int cmd_locks(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);

#endif
