/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_CLI_SHELL_H
#define KTSTR_CLI_SHELL_H

/* `ktstr shell`: an interactive guest shell, or one command run in it. */
int cmd_shell(int argc, char **argv);
extern const char shell_help[];

#endif
