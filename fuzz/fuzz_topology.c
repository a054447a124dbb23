// SPDX-License-Identifier: GPL-2.0
/*
 * User input: topology specs (harness/topology.c) and the CLI's numbers
 * (parse_u64, parse_size). A spec the parser accepts must map every vCPU
 * inside the topology.
 */
#include "fuzz/fuzz.h"
#include "harness/topology.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), err[256];
	struct topology t;
	uint64_t v;
	uint32_t cpu;

	if (!topology_parse(s, 256ULL << 20, &t, err, sizeof(err)) &&
	    !topology_validate(&t, TOPO_MAX_CPUS, err, sizeof(err))) {
		FUZZ_CHECK(topology_nr_cpus(&t) <= TOPO_MAX_CPUS);
		for (cpu = 0; cpu < topology_nr_cpus(&t); cpu++) {
			struct topo_cpu c;

			topology_cpu(&t, cpu, &c);
			FUZZ_CHECK(c.node < t.numa_nodes && c.llc < t.llcs);
		}
	}
	if (!parse_u64(s, 1, 1 << 20, &v))
		FUZZ_CHECK(v >= 1 && v <= 1 << 20);
	parse_size(s, &v);
	free(s);
	return 0;
}
