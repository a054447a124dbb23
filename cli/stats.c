// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr stats [--sock PATH] [REQ]`: asks the scheduler inside a running
 * VM for its statistics. The VM was started with `ktstr run|shell
 * --stats-sock PATH`; the host socket relays scx_stats request/response
 * lines through virtio-console port 2 to the guest scheduler's socket.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/compare.h"
#include "cli/stats.h"
#include "harness/stats_proto.h"

const char stats_help[] =
	"usage: ktstr stats [--sock PATH] [--timeout S] [REQ]\n"
	"       ktstr stats compare BASE CAND [--threshold PCT] [--policy FILE] [--json]\n"
	"  one scx_stats request to the scheduler in a VM started with --stats-sock PATH;\n"
	"  prints the response line; exit 0 when its errno is 0, else 1\n"
	"  -s, --sock PATH     the VM's stats socket (default $KTSTR_STATS_SOCK)\n"
	"  -t, --timeout S     give up after S seconds (default 10)\n"
	"  REQ                 'stats' (default), 'stats_meta', or a JSON request line\n"
	"  compare: two 'ktstr run --results' directories (ktstr stats compare --help)\n";

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sock", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{}
	};
	const char *sock = getenv("KTSTR_STATS_SOCK");
	struct buf req = {}, resp = {};
	uint64_t timeout_s = 10;
	char err[512];
	long long eno;
	int c, r;

	/* 'compare' is no scx_stats request: the subcommand. */
	if (argc > 1 && !strcmp(argv[1], "compare"))
		return cmd_stats_compare(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "s:t:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 't':
			if (parse_u64(optarg, 1, 3600, &timeout_s))
				die("stats: --timeout '%s': not a number of seconds (1-3600)",
				    optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind > 1)
		die("stats: unexpected argument '%s'", argv[optind + 1]);
	if (!sock)
		die("stats: no socket: pass --sock PATH (as given to 'ktstr run|shell --stats-sock') or set KTSTR_STATS_SOCK");
	stats_request(&req, optind < argc ? argv[optind] : "stats");
	buf_putc(&req, 0);
	if (strchr((char *)req.data, '\n'))
		die("stats: the request must be one line");
	r = stats_sock_query(sock, (char *)req.data, &resp, timeout_s * 1000,
			     err, sizeof(err));
	if (r)
		die("stats: %s", err);
	printf("%s\n", (char *)resp.data);
	if (stats_json_int((char *)resp.data, "errno", &eno))
		die("stats: not an scx_stats response");
	buf_free(&req);
	buf_free(&resp);
	return eno ? 1 : 0;
}
