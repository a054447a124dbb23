/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_CLI_STATS_H
#define KTSTR_CLI_STATS_H

extern const char stats_help[];
/* `ktstr stats`: one scx_stats request to a VM's --stats-sock. */
int cmd_stats(int argc, char **argv);

#endif
