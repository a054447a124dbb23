/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_CLI_SHELL_H
#define KTSTR_CLI_SHELL_H

#include <stddef.h>

/* `ktstr shell`: an interactive guest shell, or one command run in it. */
int cmd_shell(int argc, char **argv);
extern const char shell_help[];

struct vmm_outcome;
/*
 * The shell's exit status from the guest's @code (-1: none) and how the VM
 * ended: 125 with a one-line reason in @err when the output is lost (no
 * exit status, or a kernel that never drove the virtio console, so the
 * command's output had nowhere to go), 128 + a host signal, else @code.
 */
int shell_status(const struct vmm_outcome *out, int code, int host_sig,
		 char *err, size_t len);

#endif
