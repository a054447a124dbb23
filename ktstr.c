// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr: boot a kernel in ktstr's own KVM VMM with a declared topology and
 * run scheduler tests inside. The same binary is the guest's PID 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/hostclean.h"
#include "cli/run.h"
#include "cli/shell.h"
#include "cli/stats.h"
#include "cli/tap.h"
#include "harness/topology.h"
#include "init/init.h"
#include "vmm/perf.h"
#include "vmm/vmm.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;
};

static const char env_help[] =
	"Environment:\n"
	"  KTSTR_KERNEL      default kernel image (else the tree's bzImage, else the cache)\n"
	"  KTSTR_CACHE       cache directory (default ${XDG_CACHE_HOME:-~/.cache}/ktstr)\n"
	"  KTSTR_NO_PERF_MODE=1  never use performance mode (budget mode instead)\n"
	"  KTSTR_NO_SKIP_MODE=1  PerfModeUnavailable/ResourceContention FAIL instead of SKIP\n"
	"  KTSTR_CPU_CAP=N   (run) use at most N host CPUs, as --cpu-cap N\n"
	"  KTSTR_MONITOR_INTERVAL_MS=N  (run) host monitor period, as --monitor-interval N\n"
	"  KTSTR_LOCK_DIR    where performance mode keeps its per-LLC locks\n"
	"  KTSTR_STATS_SOCK  default socket of 'ktstr stats'\n"
	"  KTSTR_RESULTS_DIR (run) write per-test result files there, as --results DIR\n"
	"  KTSTR_EMULATE=1   (run_vmtests.sh) use the emulated KVM host even with /dev/kvm\n";

/*
 * The host a performance-mode test can be planned on, as "LxC": L host
 * LLCs of C CPUs each (a virtual LLC's CPUs and, in every group, room for
 * the service CPU); "-" for a test that never asks for one.
 */
static void perf_host_shape(const struct ktstr_test *t, char *out, size_t len)
{
	struct topology topo;
	char err[128];

	snprintf(out, len, "-");
	if (!t->performance_mode || t->no_skip_mode ||
	    topology_parse(t->topology ? : "1n1l1c1t", 1ULL << 30, &topo,
			   err, sizeof(err)))
		return;
	snprintf(out, len, "%ux%u", topo.llcs,
		 topo.cores_per_llc * topo.threads_per_core + 1);
}

static int cmd_list(int argc, char **argv)
{
	char shape[32];
	bool lng = argc > 1 && (!strcmp(argv[1], "--long") || !strcmp(argv[1], "-l"));
	struct ktstr_test *t;

	if (argc > 1 + lng)
		die("list: unexpected argument '%s'", argv[1 + lng]);
	for (t = ktstr_tests(); t; t = t->next) {
		printf("%-28s %-6s %-10s ", t->name, t->category,
		       t->topology ? : "1n1l1c1t");
		if (lng) {
			perf_host_shape(t, shape, sizeof(shape));
			printf("%4us %-5s ", (test_timeout_ms(t) + 999) / 1000,
			       shape);
		}
		printf("%s\n", t->description ? : "");
	}
	return 0;
}

/* A wrong --kernel is one clear line before any VM is built. */
static void check_kernel(const char *path)
{
	uint8_t *head = xzalloc(VMM_KERNEL_HEAD);
	struct stat st;
	char err[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) || pread(fd, head, VMM_KERNEL_HEAD, 0) < 0)
		die("kernel %s: %s", path, strerror(errno));
	if (vm_arch_check_kernel(head, VMM_KERNEL_HEAD, st.st_size, err,
				 sizeof(err)))
		die("kernel %s: %s", path, err);
	close(fd);
	free(head);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "test", required_argument, NULL, 't' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "topo", required_argument, NULL, 'T' },
		{ "category", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "results", required_argument, NULL, 'R' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "append", required_argument, NULL, 'a' },
		{ "scheduler", required_argument, NULL, 's' },
		{ "no-perf-mode", no_argument, NULL, 'P' },
		{ "cpu-cap", required_argument, NULL, 'C' },
		{ "stats-sock", required_argument, NULL, 'S' },
		{ "monitor-interval", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{}
	};
	struct run_options o = {};
	const char *cap = NULL, *cap_src = "--cpu-cap";
	const char *mon = getenv("KTSTR_MONITOR_INTERVAL_MS");
	char err[256], *end;
	uint64_t rep;
	int c;

	o.patterns = xzalloc(argc * sizeof(*o.patterns));
	while ((c = getopt_long(argc, argv, "t:k:T:c:j:R:r:a:s:PS:v", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.patterns[o.nr_patterns++] = optarg;
			break;
		case 'k':
			o.kernel = optarg;
			break;
		case 'T':
			o.topology = optarg;
			break;
		case 'c':
			o.category = optarg;
			break;
		case 'j':
			o.json_path = optarg;
			break;
		case 'R':
			o.results_dir = optarg;
			break;
		case 'r':
			if (parse_u64(optarg, 1, 1000, &rep))
				die("--repeat '%s': not a count (1-1000)", optarg);
			o.repeat = rep;
			break;
		case 'a':
			o.append = optarg;
			break;
		case 's':
			if (access(optarg, X_OK))
				die("--scheduler %s: not an executable file", optarg);
			o.scheduler = optarg;
			break;
		case 'P':
			perf_mode_force_off(true);
			break;
		case 'C':
			cap = optarg;
			break;
		case 'S':
			o.stats_sock = optarg;
			break;
		case 'M':
			mon = optarg;
			break;
		case 'v':
			o.verbose = true;
			ktstr_verbose = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind < argc)
		die("run: unexpected argument '%s' (tests are selected with -t)",
		    argv[optind]);
	if (!o.results_dir && getenv("KTSTR_RESULTS_DIR") &&
	    *getenv("KTSTR_RESULTS_DIR"))
		o.results_dir = getenv("KTSTR_RESULTS_DIR");
	if (!cap && getenv("KTSTR_CPU_CAP") && *getenv("KTSTR_CPU_CAP")) {
		cap = getenv("KTSTR_CPU_CAP");
		cap_src = "KTSTR_CPU_CAP";
	}
	if (cap && budget_parse_cap(cap, budget_usable_cpus(), &o.cpu_cap,
				    err, sizeof(err)))
		die("%s '%s': %s", cap_src, cap, err);
	if (mon && *mon) {
		unsigned long v = strtoul(mon, &end, 10);

		if (*end || !v || v > 60000)
			die("monitor interval '%s': not 1..60000 ms", mon);
		o.monitor_interval_ms = v;
	}
	/* Bad input is one line before the TAP plan, not one per test. */
	if (o.topology) {
		struct topology topo;

		if (topology_parse(o.topology, 256ULL << 20, &topo, err,
				   sizeof(err)) ||
		    topology_validate(&topo, TOPO_MAX_CPUS, err, sizeof(err)))
			die("run: --topo '%s': %s", o.topology, err);
	}
	if (kvm_check_access(err, sizeof(err)))
		die("run: %s", err);
	if (!o.kernel)
		o.kernel = kernel_default();
	if (!o.kernel)
		die("no kernel: pass --kernel PATH, set KTSTR_KERNEL, or run 'make kernel'");
	check_kernel(o.kernel);
	return run_tests(&o);
}

static int cmd_topo(int argc, char **argv)
{
	struct topology t;
	char err[256], spec[64];
	const char *more;
	uint32_t cpu;

	if (argc != 2)
		die("usage: ktstr topo SPEC (e.g. 2n4l2c2t)");
	if (topology_parse(argv[1], 256ULL << 20, &t, err, sizeof(err)) ||
	    topology_validate(&t, TOPO_MAX_CPUS, err, sizeof(err)))
		die("topology '%s': %s", argv[1], err);
	topology_format(&t, spec, sizeof(spec));
	printf("# %s: %u node(s), %u LLC(s), %u core(s)/LLC, %u thread(s)/core, %u vCPUs%s\n",
	       spec, t.numa_nodes, t.llcs, t.cores_per_llc, t.threads_per_core,
	       topology_nr_cpus(&t), vm_arch_topo_note(&t));
	/* The id column is padded only when the arch has more after it. */
	more = vm_arch_topo_columns();
	printf("%-5s %-5s %-5s %-5s %-6s %-*s%s\n", "cpu", "node", "llc",
	       "core", "thread", *more ? 7 : 0, vm_arch_vcpu_id_name(), more);
	for (cpu = 0; cpu < topology_nr_cpus(&t); cpu++) {
		char cols[128];
		struct topo_cpu c;

		topology_cpu(&t, cpu, &c);
		vm_arch_topo_cpu(&t, cpu, cols, sizeof(cols));
		printf("%-5u %-5u %-5u %-5u %-6u %-*u%s\n", cpu, c.node, c.llc,
		       c.core, c.thread, *more ? 7 : 0,
		       vm_arch_vcpu_id(&t, cpu), cols);
	}
	return 0;
}

/* Runs scripts/kernel.sh next to this binary (source tree or install). */
static int cmd_kernel(int argc, char **argv)
{
	char exe[PATH_MAX], *script;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (argc != 2 || (strcmp(argv[1], "build") && strcmp(argv[1], "list") &&
			  strcmp(argv[1], "clean") && strcmp(argv[1], "path")))
		die("usage: ktstr kernel build|list|clean|path");
	if (n <= 0)
		die("cannot find my own path");
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	script = xasprintf("%s/scripts/kernel.sh", exe);
	execl("/bin/bash", "bash", script, argv[1], (char *)NULL);
	die("cannot run %s", script);
}

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "run", cmd_run, "boot a VM per test and report TAP",
	  "usage: ktstr run [-t NAME|GLOB]... [-c CATEGORIES] [--kernel PATH] [--topo SPEC] [--json FILE] [--results DIR] [--repeat N] [--append ARGS] [--scheduler PATH] [--no-perf-mode] [--cpu-cap N] [--stats-sock PATH] [--monitor-interval MS] [-v]\n"
	  "  -t, --test NAME|GLOB   run the matching tests (repeatable; default all)\n"
	  "  -c, --category LIST    only these categories, e.g. \"boot topo\"\n"
	  "  -k, --kernel PATH      guest kernel (bzImage)\n"
	  "  -T, --topo SPEC        override each test's topology, e.g. 2n4l2c2t\n"
	  "  -j, --json FILE        write per-test verdicts and timings as JSON\n"
	  "  -R, --results DIR      one JSON result file per test run in DIR (also KTSTR_RESULTS_DIR)\n"
	  "  -r, --repeat N         run each selected test N times, a fresh VM each\n"
	  "  -a, --append ARGS      extra guest kernel arguments (e.g. loglevel=8)\n"
	  "  -s, --scheduler PATH   run every test under this sched_ext scheduler binary\n"
	  "      --no-perf-mode     never use performance mode (also KTSTR_NO_PERF_MODE=1)\n"
	  "      --cpu-cap N        use at most N host CPUs (also KTSTR_CPU_CAP=N): budget mode gets\n"
	  "                         min(cpu_budget or all CPUs, N); performance mode needing more SKIPs\n"
	  "  -S, --stats-sock PATH  relay scx_stats requests on this host socket to the guest's scheduler (ktstr stats)\n"
	  "      --monitor-interval MS  host monitor period for every test (also\n"
	  "                         KTSTR_MONITOR_INTERVAL_MS=N; default each test's, else 100)\n"
	  "  -v, --verbose          stream the guest kernel console to stderr\n" },
	{ "list", cmd_list, "list the declared tests",
	  "usage: ktstr list [--long]\n"
	  "  name, category, topology and description of each test;\n"
	  "  --long adds its watchdog (seconds) and the host a performance-mode\n"
	  "  test needs (LxC: L LLCs of C CPUs; -: none) before the description\n" },
	{ "shell", cmd_shell, "interactive guest shell, or run one command in the guest",
	  shell_help },
	{ "stats", cmd_stats, "ask the scheduler inside a running VM for its statistics",
	  stats_help },
	{ "topo", cmd_topo, "print the CPU/core/LLC/node map and APIC IDs of a topology",
	  "usage: ktstr topo SPEC\n  SPEC is [Nn][Ll][Cc][Tt], e.g. 2n4l4c2t: 2 nodes, 4 LLCs, 4 cores per LLC, 2 threads\n" },
	{ "kernel", cmd_kernel, "build, list or clean cached guest kernels",
	  "usage: ktstr kernel build|list|clean|path\n  build: 'config' merged onto tinyconfig from KDIR, cached by (source, config) hash\n" },
	{ "locks", cmd_locks, "the per-LLC locks of performance mode held now, and by whom",
	  locks_help },
	{ "cleanup", cmd_cleanup, "remove what dead runs left (cpusets, lock files, temp files)",
	  cleanup_help },
	{ "help", cmd_help, "this text", "usage: ktstr help [COMMAND]\n" },
};

static int cmd_help(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc > 1 && i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			printf("%s\n%s", cmds[i].help, env_help);
			return 0;
		}
	printf("usage: ktstr COMMAND [ARGS]\n\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		printf("  %-8s %s\n", cmds[i].name, cmds[i].summary);
	printf("\n'ktstr COMMAND --help' for a command's options.\n\n%s", env_help);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (getpid() == 1)
		guest_main(argc, argv);
	if (argc < 2)
		return cmd_help(1, argv), 2;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			printf("%s\n%s", cmds[i].help, env_help);
			return 0;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	die("unknown command '%s' (try 'ktstr help')", argv[1]);
}
