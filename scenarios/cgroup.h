/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 for scenarios: groups live under CGROUP_BASE with the cpuset
 * and cpu controllers enabled on the way down from the root, and are
 * removed whole (cgroup.kill, wait until unpopulated, rmdir) so no step
 * leaves a process or a directory behind.
 *
 * Paths are cgroup directories, e.g. "/sys/fs/cgroup/ktstr/load".
 * Every function returns 0 or -errno.
 */
#ifndef KTSTR_SCENARIOS_CGROUP_H
#define KTSTR_SCENARIOS_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_BASE CGROUP_ROOT "/ktstr"

/* Writes @val to @cg/@file in one write(). */
int cgroup_write(const char *cg, const char *file, const char *val);
/* Reads @cg/@file NUL-terminated, trailing newline removed. */
int cgroup_read(const char *cg, const char *file, char *out, size_t len);
/*
 * Creates CGROUP_BASE with "+cpuset +cpu" in the subtree_control of the
 * root and of the base, so groups under it get both controllers.
 */
int cgroup_setup_base(void);
/* mkdir @cg (an existing one is emptied and reused). */
int cgroup_create(const char *cg);
/* Kills everything in @cg and below, waits until empty, removes it. */
int cgroup_destroy(const char *cg);
int cgroup_set_cpus(const char *cg, const char *cpus);
int cgroup_set_weight(const char *cg, uint32_t weight);
/* Moves a whole process (cgroup.procs) or one thread (cgroup.threads). */
int cgroup_attach(const char *cg, pid_t pid);
int cgroup_attach_thread(const char *cg, pid_t tid);
/* 1 if @cg or a descendant has a live process, 0 if not. */
int cgroup_populated(const char *cg);

#endif
