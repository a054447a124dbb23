/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIGINT, SIGTERM and SIGHUP at the command level, on the host. The first
 * is recorded: the running VM stops (its watchdog polls hostsig_pending()),
 * no further test is started, and the command exits 128 + the signal after
 * its normal cleanup. A second one exits at once: the terminal is put back,
 * the registered temp files are removed and the process _exit()s with
 * 128 + the signal.
 *
 * Temp files registered here are also removed on any exit() (die()
 * included) until they are dropped from the list.
 */
#ifndef KTSTR_UTIL_HOSTSIG_H
#define KTSTR_UTIL_HOSTSIG_H

#include <stdbool.h>
#include <termios.h>

#define HOSTSIG_MAX_PATHS 8

/* Installs the handlers; idempotent. */
void hostsig_install(void);
/* The first signal received, or 0. */
int hostsig_pending(void);
/* For tests: forget a received signal. */
void hostsig_reset(void);
/* The exit status for a command stopped by @sig: 128 + @sig. */
static inline int hostsig_exit_code(int sig)
{
	return 128 + sig;
}

/* @fd is set back to @t on a fast exit; -1 forgets it. */
void hostsig_set_tty(int fd, const struct termios *t);
/* Removes @path on exit unless dropped first; a slot, or -1 when full. */
int hostsig_add_tmp(const char *path);
void hostsig_drop_tmp(int slot);

#endif
