/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_INIT_INIT_H
#define KTSTR_INIT_INIT_H

#include <sys/types.h>

#include "util/util.h"

/* The guest side: ktstr running as PID 1. Never returns. */
__noreturn void guest_main(int argc, char **argv);

/* Flushes COM2 and ends the VM (ACPI power-off, else i8042 reset). */
__noreturn void guest_power_off(void);

/* `ktstr shell` in the guest: argv are hex-encoded command words. */
__noreturn void guest_shell(int argc, char **argv, int data_fd,
					  int result_fd);

/*
 * Starts the scheduler-stats relay (init/stats_relay.c) for the port
 * "ktstr.stats"; its pid, or -1 when the port is absent.
 */
pid_t guest_stats_relay_start(void);

/*
 * Loads the modules the host packed in KMOD_GUEST_DIR, in name order,
 * each with its NAME.PARAM=VALUE words from @cmdline (/proc/cmdline):
 * how many, or -EIO after a line on stderr for each that failed.
 */
int guest_load_modules(void);

/* The words "NAME.K=V" of @cmdline before "--", as "K=V ..." in @out. */
void guest_module_params(const char *cmdline, const char *name,
			 struct buf *out);

#endif
