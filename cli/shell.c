// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr shell [--kernel PATH] [--topo SPEC] [-- CMD ARGS...]`: boots the
 * kernel with ktstr as PID 1 and either gives an interactive shell on the
 * virtio console, or runs CMD in the guest, prints its output and exits
 * with its status (like `vng -r bzImage -- cmd`). busybox goes into the
 * initramfs when it is installed, so the usual tools are there.
 * --scheduler runs the shell or CMD under a sched_ext scheduler: a
 * built-in (fifo, llc, fail) or a host binary packed as /scheduler.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/shell.h"
#include "cli/run.h"
#include "cli/verdict.h"
#include "harness/channel.h"
#include "util/hostsig.h"
#include "vmm/initramfs.h"
#include "vmm/kmod.h"
#include "vmm/vmm.h"

#define BUSYBOX "/bin/busybox"
/* --mem and --timeout: 1 TiB of guest RAM, 30 days. */
#define SHELL_MAX_MEM_MB	(1ULL << 20)
#define SHELL_MAX_TIMEOUT_S	(30ULL * 24 * 3600)

const char shell_help[] =
	"usage: ktstr shell [--kernel PATH] [--topo SPEC] [--mem MB] [--timeout S] [--scheduler NAME|PATH] [--stats-sock PATH] [-v] [-- CMD ARGS...]\n"
	"  without CMD: an interactive shell in the guest (exit it to stop the VM)\n"
	"  with CMD:    run it in the guest, print its output, exit with its status\n"
	"  -k, --kernel PATH   guest kernel (default as for 'run')\n"
	"  -T, --topo SPEC     guest topology, e.g. 1n2l2c1t (default 1n1l1c1t)\n"
	"  -m, --mem MB        guest memory in MiB, 1 to 1048576 (default 256)\n"
	"  -t, --timeout S     stop the VM after S seconds, at most 30 days (default: none)\n"
	"  -s, --scheduler NAME|PATH  run under this sched_ext scheduler: fifo, llc, fail,\n"
	"                      or a host binary packed as /scheduler (its shared libraries too)\n"
	"  -S, --stats-sock PATH  relay scx_stats requests on this host socket to the guest (ktstr stats)\n"
	"  -v, --verbose       stream the guest kernel console to stderr\n";

/*
 * "shell [sched=NAME topo=SPEC] HEXARG...": the options contain '=', which
 * no hex argument does. Hex keeps any byte of an argument intact on the
 * kernel command line.
 */
static char *encode_args(const char *sched, const char *spec, int argc,
			 char **argv)
{
	struct buf b = {};
	int i;

	buf_printf(&b, "shell");
	if (sched)
		buf_printf(&b, " sched=%s topo=%s", sched, spec);
	for (i = 0; i < argc; i++) {
		const unsigned char *p;

		buf_putc(&b, ' ');
		for (p = (const unsigned char *)argv[i]; *p; p++)
			buf_printf(&b, "%02x", *p);
	}
	buf_putc(&b, 0);
	return (char *)b.data;
}

/*
 * ktstr as /init, busybox if installed, @ext (if not NULL) as /scheduler,
 * the kernel modules of @plan.
 */
static char *shell_initramfs(const char *ext, const struct kmod_plan *plan)
{
	struct initramfs_file extra[2] = {
		{ BUSYBOX, BUSYBOX, 0755 }, { ext, GUEST_SCHEDULER, 0755 },
	};
	struct initramfs_spec spec = { .resolve_extra_deps = true,
				       .extra = extra };
	char exe[PATH_MAX], *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		die("cannot find my own path");
	exe[n] = '\0';
	spec.init = exe;
	if (!access(BUSYBOX, X_OK))
		spec.nr_extra = 1;
	else
		pr_warn("%s not found (apt-get install busybox-static): the guest has no shell tools", BUSYBOX);
	if (ext) {
		extra[spec.nr_extra] = extra[1];
		spec.nr_extra++;
	}
	spec.modules = plan;
	if (initramfs_get(&spec, &path))
		die("cannot build the initramfs");
	return path;
}

/* The command's exit status: the TLV EXIT frame, else COM2's line. */
static int guest_exit_code(const struct vmm_outcome *out)
{
	const struct channel_frame *f;
	struct channel_log log;
	struct guest_result r;
	int code = -1;

	channel_decode(out->data.data, out->data.len, &log);
	f = channel_find(&log, TLV_EXIT);
	if (f && f->len == sizeof(uint32_t))
		code = *(uint32_t *)f->payload & 0xff;
	channel_log_free(&log);
	if (code >= 0)
		return code;
	result_parse((char *)out->com2.data, out->com2.len, &r);
	code = r.exit_code;
	result_free(&r);
	return code;
}

/* The terminal as it was, put back on every exit once it was made raw. */
static struct termios tty_saved;
static int tty_fd = -1;

static void tty_restore(void)
{
	hostsig_set_tty(-1, NULL);
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
	tty_fd = -1;
}

int shell_status(const struct vmm_outcome *out, int code, int host_sig,
		 char *err, size_t len)
{
	err[0] = '\0';
	/* ^C: the VM was stopped on purpose, no console dump. */
	if (host_sig)
		return hostsig_exit_code(host_sig);
	if (code < 0) {
		snprintf(err, len, "the guest ended without an exit status: %s (%.200s)",
			 vm_exit_kind_name(out->exit_kind), out->exit_msg);
		return 125;
	}
	/* An exit status on COM2 and the output gone: never a silent 0. */
	if (out->has_virtio_console && !out->console_driven) {
		snprintf(err, len, "the guest kernel never drove ktstr's virtio console (CONFIG_VIRTIO_MMIO%s and CONFIG_VIRTIO_CONSOLE must be built in, or modules in /lib/modules/RELEASE): the command's output is lost (exit status %d)",
			 vm_arch_virtio_on_cmdline() ? ", CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES" : "",
			 code);
		return 125;
	}
	return code;
}

static int run_shell(struct vmm_config *cfg)
{
	struct termios raw;
	bool tty = cfg->stdin_fd >= 0 && isatty(cfg->stdin_fd);
	struct vmm_outcome out;
	char err[512];
	int code;

	if (tty && !tcgetattr(cfg->stdin_fd, &tty_saved)) {
		raw = tty_saved;
		cfmakeraw(&raw);
		raw.c_lflag |= ISIG;	/* ^C still stops the VM */
		/* die() on the way (no KVM, no memory) exits through here. */
		atexit(tty_restore);
		tty_fd = cfg->stdin_fd;
		/* A second ^C exits at once: it puts the terminal back too. */
		hostsig_set_tty(tty_fd, &tty_saved);
		tcsetattr(cfg->stdin_fd, TCSANOW, &raw);
	}
	if (vmm_run(cfg, &out, err, sizeof(err))) {
		tty_restore();
		die("%s", err);
	}
	tty_restore();
	/* hvc0 went to stdout whole: only what was kept for us counts. */
	out.dropped[VMM_CHAN_HVC] = 0;
	vmm_cap_errors(out.dropped, err, sizeof(err));
	if (err[0])
		pr_warn("%s", err);
	code = shell_status(&out, guest_exit_code(&out), hostsig_pending(),
			    err, sizeof(err));
	if (err[0]) {
		pr_err("%s", err);
		if (out.com1.len)
			fprintf(stderr, "%.*s\n", (int)MIN(out.com1.len, 4000),
				(char *)out.com1.data + (out.com1.len > 4000 ?
							 out.com1.len - 4000 : 0));
	}
	vmm_outcome_free(&out);
	return code;
}

int cmd_shell(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "topo", required_argument, NULL, 'T' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "scheduler", required_argument, NULL, 's' },
		{ "stats-sock", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{}
	};
	struct vmm_config cfg = { .console_fd = -1, .com2_fd = -1,
				  .hvc_fd = STDOUT_FILENO, .stdin_fd = -1 };
	struct kmod_plan plan;
	const char *kernel = NULL, *spec = "1n1l1c1t", *sched = NULL, *ext = NULL;
	uint64_t mem_mb = 256, timeout_s = 0;
	char err[512];
	int c, code;

	hostsig_install();
	while ((c = getopt_long(argc, argv, "+k:T:m:t:s:S:v", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'T':
			spec = optarg;
			break;
		case 'm':
			if (parse_u64(optarg, 1, SHELL_MAX_MEM_MB, &mem_mb))
				die("shell: --mem '%s': not a size in MiB from 1 to %llu",
				    optarg, SHELL_MAX_MEM_MB);
			break;
		case 't':
			if (parse_u64(optarg, 0, SHELL_MAX_TIMEOUT_S, &timeout_s))
				die("shell: --timeout '%s': not a number of seconds from 0 to %llu",
				    optarg, SHELL_MAX_TIMEOUT_S);
			break;
		case 's':
			sched = optarg;
			break;
		case 'S':
			cfg.stats_sock = optarg;
			break;
		case 'v':
			cfg.console_fd = STDERR_FILENO;
			break;
		default:
			return 2;
		}
	}
	if (topology_parse(spec, mem_mb << 20, &cfg.topo, err, sizeof(err)) ||
	    topology_validate(&cfg.topo, TOPO_MAX_CPUS, err, sizeof(err)))
		die("shell: topology '%s': %s", spec, err);
	if (kvm_check_access(err, sizeof(err)))
		die("shell: %s", err);
	kernel = kernel ? : kernel_default();
	if (!kernel)
		die("no kernel: pass --kernel PATH, set KTSTR_KERNEL, or run 'make kernel'");
	if (sched && strchr(sched, '/')) {
		if (access(sched, X_OK))
			die("shell: --scheduler '%s': %s", sched, strerror(errno));
		ext = sched;
		sched = GUEST_SCHEDULER;
	} else if (sched && !scx_builtin_ops(sched)) {
		die("shell: --scheduler '%s': not fifo, llc, fail or a path to a binary", sched);
	}
	/* A distribution kernel: its virtio drivers from /lib/modules. */
	if (kmod_plan_kernel(kernel, &plan, err, sizeof(err)))
		die("shell: %s: %s", kernel, err);
	if (sched && plan.no_sched_ext[0])
		die("shell: %s: --scheduler: %s", kernel, plan.no_sched_ext);
	cfg.virtio_in_firmware = plan.virtio_in_firmware;
	cfg.kernel = kernel;
	cfg.initrd = shell_initramfs(ext, &plan);
	kmod_plan_free(&plan);
	cfg.init_args = encode_args(sched, spec, argc - optind, argv + optind);
	cfg.timeout_ms = timeout_s * 1000;
	if (optind == argc)
		cfg.stdin_fd = STDIN_FILENO;
	code = run_shell(&cfg);
	free((char *)cfg.init_args);
	free((char *)cfg.initrd);
	return code;
}
