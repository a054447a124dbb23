/* SPDX-License-Identifier: GPL-2.0 */
/* Unit tests' helper: a child process holding one per-LLC lock. */
#ifndef KTSTR_TESTS_LOCK_HOLDER_H
#define KTSTR_TESTS_LOCK_HOLDER_H

#include <sys/types.h>
#include <unistd.h>

#include "vmm/perf.h"

/* A child that takes LLC @llc in @dir and holds it until killed; or -1. */
static inline pid_t lock_holder(const char *dir, int llc)
{
	int ready[2];
	pid_t pid;
	char c = 0;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (!pid) {
		struct perf_locks l = {};

		perf_locks_init(&l, dir);
		c = perf_lock_llc(&l, llc) ? 'n' : 'y';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || c != 'y')
		pid = -1;
	close(ready[0]);
	return pid;
}

#endif
