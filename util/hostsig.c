// SPDX-License-Identifier: GPL-2.0
/* Command-level host signals and exit cleanup (util/hostsig.h). */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/hostsig.h"

static volatile sig_atomic_t pending;
static bool installed;

/* Read by the handler: each slot is written whole before it is armed. */
static struct {
	char path[PATH_MAX];
	volatile sig_atomic_t armed;
} tmps[HOSTSIG_MAX_PATHS];

static struct termios tty;
static volatile sig_atomic_t tty_fd = -1;

/* Async-signal-safe: unlink(), tcsetattr(). */
static void remove_tmps(void)
{
	int i;

	for (i = 0; i < HOSTSIG_MAX_PATHS; i++) {
		if (tmps[i].armed) {
			tmps[i].armed = 0;
			unlink(tmps[i].path);
		}
	}
}

static void on_signal(int sig)
{
	if (!pending) {
		pending = sig;
		return;
	}
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &tty);
	remove_tmps();
	_exit(hostsig_exit_code(sig));
}

void hostsig_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (installed)
		return;
	installed = true;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(remove_tmps);
}

int hostsig_pending(void)
{
	return pending;
}

void hostsig_reset(void)
{
	pending = 0;
}

void hostsig_set_tty(int fd, const struct termios *t)
{
	tty_fd = -1;
	if (fd >= 0 && t) {
		tty = *t;
		tty_fd = fd;
	}
}

int hostsig_add_tmp(const char *path)
{
	size_t len = strlen(path);
	int i;

	if (len >= PATH_MAX)
		return -1;
	for (i = 0; i < HOSTSIG_MAX_PATHS; i++) {
		if (!tmps[i].armed) {
			memcpy(tmps[i].path, path, len + 1);
			tmps[i].armed = 1;
			return i;
		}
	}
	return -1;
}

void hostsig_drop_tmp(int slot)
{
	if (slot >= 0 && slot < HOSTSIG_MAX_PATHS)
		tmps[slot].armed = 0;
}
