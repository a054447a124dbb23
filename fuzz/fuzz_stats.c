// SPDX-License-Identifier: GPL-2.0
/*
 * The stats relay's protocol (harness/stats_proto.c): guest bytes split
 * into lines, each line's members looked up as the host does.
 */
#include "fuzz/fuzz.h"
#include "harness/stats_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = {}, line = {};
	char out[256];
	long long v;
	int r;

	buf_put(&in, data, size);
	while ((r = stats_line_take(&in, &line)) > 0) {
		FUZZ_CHECK(((char *)line.data)[line.len] == '\0');
		stats_json_int((char *)line.data, "errno", &v);
		stats_json_int((char *)line.data, "args.resp.nr_dispatched", &v);
		if (!stats_json_str((char *)line.data, "req", out, sizeof(out)))
			FUZZ_CHECK(memchr(out, '\0', sizeof(out)));
		stats_json_str((char *)line.data, "args.resp", out, 8);
		line.len = 0;
	}
	buf_free(&in);
	buf_free(&line);
	return 0;
}
