/* SPDX-License-Identifier: GPL-2.0 */
/* Unit tests' helper: the PID of a process that has exited and been reaped. */
#ifndef KTSTR_TESTS_DEAD_PID_H
#define KTSTR_TESTS_DEAD_PID_H

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

#endif
