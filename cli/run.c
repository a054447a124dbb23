// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of `ktstr run`: pick tests, build the initramfs once, boot
 * one VM per test, turn what came back into a verdict and a TAP line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/results.h"
#include "cli/run.h"
#include "cli/tap.h"
#include "cli/verdict.h"
#include "harness/channel.h"
#include "harness/stats_proto.h"
#include "util/hostsig.h"
#include "util/json.h"
#include "vmm/initramfs.h"
#include "vmm/kmod.h"
#include "vmm/perf.h"
#include "vmm/vmm.h"

#define DEFAULT_TIMEOUT_MS	60000
#define CONSOLE_TAIL_LINES	30
#define WATCHDOG_MARGIN_NS	(2ULL * 1000000000)

/*
 * Newest kernel image (the arch's, e.g. bzImage) under the cache's
 * kernels/ (scripts/kernel.sh build).
 */
static char *cached_kernel(void)
{
	const char *image = strrchr(vm_arch_kernel_default(), '/') + 1;
	char *dir = xasprintf("%s/kernels", ktstr_cache_dir()), *best = NULL;
	time_t best_t = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	while (dp && (d = readdir(dp))) {
		char *p = xasprintf("%s/%s/%s", dir, d->d_name, image);
		struct stat st;

		if (d->d_name[0] != '.' && !stat(p, &st) && st.st_mtime >= best_t) {
			free(best);
			best = p;
			best_t = st.st_mtime;
		} else {
			free(p);
		}
	}
	if (dp)
		closedir(dp);
	free(dir);
	return best;
}

const char *kernel_default(void)
{
	static char *k;
	char exe[PATH_MAX];
	ssize_t n;

	if (k)
		return k;
	if (getenv("KTSTR_KERNEL") && *getenv("KTSTR_KERNEL"))
		return k = xstrdup(getenv("KTSTR_KERNEL"));
	/* In a kernel tree: tools/testing/ktstr/ktstr -> the arch's image. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		k = xasprintf("%s/../../../%s", exe, vm_arch_kernel_default());
		if (!access(k, R_OK))
			return k;
		free(k);
	}
	return k = cached_kernel();
}

static bool category_selected(const char *want, const char *cat)
{
	size_t n = strlen(cat);
	const char *p = want;

	while ((p = strstr(p, cat))) {
		if ((p == want || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

bool test_selected(const struct ktstr_test *t, const struct run_options *o)
{
	int i;

	if (o->category && !category_selected(o->category, t->category))
		return false;
	if (!o->nr_patterns)
		return true;
	for (i = 0; i < o->nr_patterns; i++)
		if (!fnmatch(o->patterns[i], t->name, 0))
			return true;
	return false;
}

/*
 * The host binary a run of @t packs as /scheduler: --scheduler's, else
 * the test's own absolute .scheduler (or, for an installed ktstr, the file
 * of that name beside it); NULL for none.
 */
static const char *ext_scheduler(const struct ktstr_test *t,
				 const struct run_options *o)
{
	static char near[PATH_MAX];
	ssize_t n;
	char *slash;

	if (o->scheduler)
		return o->scheduler;
	if (!t->scheduler || t->scheduler[0] != '/')
		return NULL;
	if (!access(t->scheduler, X_OK))
		return t->scheduler;
	/* Installed (make install): the binary of that name next to ktstr. */
	n = readlink("/proc/self/exe", near, sizeof(near) - 1);
	if (n > 0) {
		near[n] = '\0';
		slash = strrchr(near, '/');
		if (slash && snprintf(slash + 1, sizeof(near) - (slash + 1 - near),
				      "%s", strrchr(t->scheduler, '/') + 1) <
			     (int)(sizeof(near) - (slash + 1 - near)) &&
		    !access(near, X_OK))
			return near;
	}
	return t->scheduler;	/* missing: a SKIP naming it */
}

static int nr_threads(void)
{
	long long n;

	return read_proc_value("/proc/self/status", "Threads:", &n) ? -1 : n;
}

/*
 * Threads beyond the @before the VMM started with. A joined thread is
 * still counted for a moment: its exit wakes the joiner (the tid futex,
 * in exit_mm()) before the kernel reaps it (release_task()), a window an
 * emulated host's slow CPU makes wide. A leak is what stays for 1 s.
 */
static int threads_left(int before)
{
	int n = nr_threads(), i;

	for (i = 0; i < 100 && n >= 0 && n != before; i++) {
		usleep(10000);
		n = nr_threads();
	}
	return n < 0 ? 0 : n - before;
}

/* The last @lines lines of @b, for the TAP diagnostics of a failure. */
static char *tail_lines(const struct buf *b, int lines)
{
	size_t i = b->len;
	struct buf out = {};

	while (i > 0 && lines >= 0) {
		if (b->data[--i] == '\n')
			lines--;
	}
	for (; i < b->len; i++)
		if (b->data[i] != '\r' && b->data[i] != '\0')
			buf_putc(&out, b->data[i]);
	buf_putc(&out, 0);
	return (char *)out.data;
}

uint32_t test_timeout_ms(const struct ktstr_test *t)
{
	return t->timeout_ms ? : DEFAULT_TIMEOUT_MS;
}

/*
 * The guest kernel's vmlinux (symbols and BTF for the host monitor): the
 * file beside the bzImage, as the kernel cache and a built tree keep it
 * (arch/x86/boot/bzImage: ../../../vmlinux). NULL: none, monitor off.
 */
static const char *vmlinux_beside(const char *kernel)
{
	static const char *const rel[] = { "vmlinux", "../../../vmlinux" };
	static char path[PATH_MAX];
	const char *slash = strrchr(kernel, '/');
	int dir = slash ? (int)(slash - kernel) + 1 : 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rel); i++) {
		snprintf(path, sizeof(path), "%.*s%s", dir, kernel, rel[i]);
		if (!access(path, R_OK))
			return path;
	}
	return NULL;
}

static int test_config(const struct ktstr_test *t, const struct run_options *o,
		       struct vmm_config *cfg, char *err, size_t errlen)
{
	int r = ktstr_test_topology(t, o->topology, &cfg->topo, err, errlen);

	cfg->timeout_ms = test_timeout_ms(t);
	cfg->cmdline_extra = o->append && t->cmdline ?
		xasprintf("%s %s", t->cmdline, o->append) :
		xstrdup(o->append ? : t->cmdline ? : "");
	cfg->console_fd = o->verbose ? STDERR_FILENO : -1;
	cfg->com2_fd = -1;
	cfg->hvc_fd = -1;
	cfg->stdin_fd = -1;
	cfg->no_virtio = t->no_virtio;
	cfg->performance_mode = t->performance_mode && !t->no_perf_mode;
	/* The guest of a performance-mode test learns it runs without. */
	if (cfg->performance_mode && perf_mode_forced_off()) {
		char *c = xasprintf("%s %s", cfg->cmdline_extra, PERF_OFF_CMDLINE);

		free((char *)cfg->cmdline_extra);
		cfg->cmdline_extra = c;
	}
	if (getenv("KTSTR_EMULATED_HOST") &&
	    !strcmp(getenv("KTSTR_EMULATED_HOST"), "1")) {
		char *c = xasprintf("%s %s", cfg->cmdline_extra, EMULATED_CMDLINE);

		free((char *)cfg->cmdline_extra);
		cfg->cmdline_extra = c;
	}
	cfg->cpu_budget = t->cpu_budget;
	cfg->cpu_cap = o->cpu_cap;
	cfg->stats_sock = o->stats_sock;
	cfg->stats_interval_ms = t->stats_interval_ms;
	cfg->monitor = (struct monitor_config){
		.vmlinux = vmlinux_beside(o->kernel),
		.interval_ms = o->monitor_interval_ms ? : t->monitor_interval_ms,
		.stall_ms = t->monitor_stall_ms,
		.max_imbalance = t->monitor_max_imbalance,
		.max_dsq_depth = t->monitor_max_dsq_depth,
	};
	return r;
}

struct test_run {
	enum ktstr_verdict verdict;
	char msg[4096];
	struct buf diag;
	struct buf json;		/* extra JSON members, or empty */
	double wall_s;
	double setup_ms, pid1_ms;	/* since the VMM started */
	double pid1_proc_ms;		/* PID 1 since the process started */
	double cpu_ms;			/* CPU time before the first KVM_RUN */
	double initramfs_cpu_ms;	/* of it, finding/building the initramfs */
	uint64_t vmm_rss;		/* peak RSS less guest RAM */
	char *cmdline;			/* the guest's extra arguments */
};

/*
 * Performance mode refused before boot: a visible SKIP, or a FAIL for
 * runs that demand execution (KTSTR_NO_SKIP_MODE=1, .no_skip_mode).
 */
static void perf_refused(const struct ktstr_test *t,
			 const struct vmm_outcome *out, const char *err,
			 struct test_run *tr)
{
	tr->verdict = perf_refusal_verdict(t, out->tune.perf_status, err,
					   tr->msg, sizeof(tr->msg));
	if (tr->verdict == KTSTR_SKIP)
		fprintf(stderr, "ktstr: SKIP: %s\n", tr->msg);
	tune_format_diag(&out->tune, &tr->diag);
	tune_format_json(&out->tune, &tr->json);
	buf_putc(&tr->diag, 0);
}

/*
 * Host-side checks of the run itself (watchdog, budget enforcement), then
 * the test's own host_check, in that order: the first failure names it.
 */
static void host_checks(const struct ktstr_test *t, const struct ktstr_run *run,
			const struct vmm_outcome *out, uint32_t timeout_ms,
			struct test_run *tr)
{
	/* The watchdog must stop a hung guest at its deadline, not later. */
	if (out->exit_kind == VM_EXIT_TIMEOUT &&
	    out->run_ns > timeout_ms * 1000000ULL + WATCHDOG_MARGIN_NS) {
		tr->verdict = KTSTR_FAIL;
		snprintf(tr->msg, sizeof(tr->msg),
			 "watchdog stopped the guest %.1f s after its first KVM_RUN, deadline %.1f s",
			 out->run_ns / 1e9, timeout_ms / 1e3);
	}
	if (tr->verdict != KTSTR_PASS)
		return;
	if (out->tune.budget_failed) {
		tr->verdict = KTSTR_FAIL;
		snprintf(tr->msg, sizeof(tr->msg),
			 "cpu_budget %u not enforced, or its cpuset not removed (see diagnostics)",
			 out->tune.cpu_budget);
		return;
	}
	/* not_stuck and the other monitor checks; a hang is expected to stall. */
	if (out->monitor.failed && t->expect == KTSTR_EXPECT_PASS) {
		tr->verdict = KTSTR_FAIL;
		snprintf(tr->msg, sizeof(tr->msg), "monitor: %s", out->monitor.fail);
		return;
	}
	if (t->host_check && (t->expect == KTSTR_EXPECT_PASS ||
			      t->expect == KTSTR_EXPECT_TIMEOUT))
		tr->verdict = t->host_check(run, tr->msg, sizeof(tr->msg));
}

/*
 * The scenario steps' PAYLOAD_METRICS frames, in order, as the JSON member
 * "metrics"; a frame that is not one valid JSON value (the guest is not
 * trusted) is left out, said in the diagnostics.
 */
static void metrics_format(const struct channel_log *log, struct buf *diag,
			   struct buf *json)
{
	int i, n = 0, bad = 0;

	for (i = 0; i < log->nr; i++) {
		const struct channel_frame *f = &log->frames[i];

		if (f->type != TLV_PAYLOAD_METRICS)
			continue;
		if (!json_valid((const char *)f->payload, f->len)) {
			bad++;
			continue;
		}
		buf_printf(json, "%s%.*s", n++ ? ", " :
			   json->len ? ", \"metrics\": [" : "\"metrics\": [",
			   (int)f->len, (const char *)f->payload);
	}
	if (n)
		buf_printf(json, "]");
	if (bad)
		buf_printf(diag, "data channel: %d metrics frame(s) not valid JSON, left out of the JSON result\n",
			   bad);
}

/* What the stats relay saw: a diagnostic line and a JSON member. */
static void stats_format(const struct stats_relay_outcome *st, struct buf *diag,
			 struct buf *json)
{
	const char *p = (const char *)st->samples.data, *end = p + st->samples.len;
	const char *last = NULL;
	bool first = true;

	if (!st->queries && !st->sock_requests)
		return;
	buf_printf(json, "%s\"sched_stats\": {\"queries\": %u, \"answers\": %u, \"socket_requests\": %u, \"samples\": [",
		   json->len ? ", " : "", st->queries, st->answers, st->sock_requests);
	/* Guest data: each sample goes in as a JSON string, never raw. */
	while (p && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		char *line = xasprintf("%.*s", (int)((nl ? nl : end) - p), p);

		buf_printf(json, "%s", first ? "" : ", ");
		json_put_string(json, line);
		free(line);
		first = false;
		last = p;
		p = nl ? nl + 1 : NULL;
	}
	buf_printf(json, "]}");
	buf_printf(diag, "sched stats relay: %u sampled, %u answered, %u socket request(s)",
		   st->queries, st->answers, st->sock_requests);
	if (last)
		buf_printf(diag, "; last: %.*s", (int)MIN(strcspn(last, "\n"), 300),
			   last);
	buf_putc(diag, '\n');
}

/* The kernel's modules for PID 1 (a distribution kernel), set once per run. */
static struct kmod_plan run_modules;
/* CPU time this process spent finding or building initramfs archives. */
static double initramfs_cpu_ms;

static void run_one(const struct ktstr_test *t, const struct run_options *o,
		    const char *initrd, struct test_run *tr)
{
	struct vmm_config cfg = {
		.kernel = o->kernel, .initrd = initrd,
		.virtio_in_firmware = run_modules.virtio_in_firmware,
	};
	struct vmm_outcome out;
	struct guest_result gr;
	struct run_outcome ro;
	struct ktstr_run run;
	char err[512];
	uint64_t t0 = now_ns();
	int threads = nr_threads(), left;
	const struct channel_frame *res;
	struct channel_log log;
	char chan_err[320], cap_err[320];

	memset(tr, 0, sizeof(*tr));
	if (test_config(t, o, &cfg, err, sizeof(err))) {
		tr->verdict = KTSTR_ERROR;
		snprintf(tr->msg, sizeof(tr->msg), "topology: %s", err);
		free((char *)cfg.cmdline_extra);
		return;
	}
	/* The guest rebuilds the same topology from the spec and the test. */
	cfg.init_args = xasprintf("test %s %s %s", t->name,
				  o->topology ? o->topology : "-",
				  ext_scheduler(t, o) ? GUEST_SCHEDULER : "-");
	if (vmm_run(&cfg, &out, err, sizeof(err))) {
		tr->verdict = KTSTR_ERROR;
		snprintf(tr->msg, sizeof(tr->msg), "%s", err);
		if (out.tune.perf_status != PERF_OK)
			perf_refused(t, &out, err, tr);
		free((char *)cfg.init_args);
		free((char *)cfg.cmdline_extra);
		vmm_outcome_free(&out);
		return;
	}
	tr->wall_s = (now_ns() - t0) / 1e9;
	ro = (struct run_outcome){
		.exit_kind = out.exit_kind, .exit_msg = out.exit_msg,
		.com1 = (char *)out.com1.data, .com1_len = out.com1.len,
		.com2 = (char *)out.com2.data, .com2_len = out.com2.len,
	};
	channel_decode(out.data.data, out.data.len, &log);
	channel_errors(&log, chan_err, sizeof(chan_err));
	res = channel_find(&log, TLV_TEST_RESULT);
	if (res) {
		ro.result_text = (char *)res->payload;
		ro.result_len = res->len;
	}
	if (chan_err[0])
		ro.channel_error = chan_err;
	vmm_cap_errors(out.dropped, cap_err, sizeof(cap_err));
	if (cap_err[0])
		ro.cap_error = cap_err;
	run = (struct ktstr_run){ .log = &log, .stats = &out.stats,
				  .tune = &out.tune, .monitor = &out.monitor };
	tr->verdict = evaluate_run(t, &ro, &gr, tr->msg, sizeof(tr->msg));
	if (t->no_skip_mode)	/* it booted: no refusal to prove */
		tr->verdict = perf_no_skip_booted(t, &run, &ro, tr->msg,
						  sizeof(tr->msg));
	host_checks(t, &run, &out, cfg.timeout_ms, tr);
	left = threads > 0 ? threads_left(threads) : 0;
	if (left) {
		tr->verdict = KTSTR_FAIL;
		snprintf(tr->msg, sizeof(tr->msg), "VMM left %d thread(s) behind",
			 left);
	}
	buf_put(&tr->diag, gr.diag.data, gr.diag.len);
	buf_printf(&tr->diag, "vm: %s (%s), %.2f s wall, %llu exits\n",
		   vm_exit_kind_name(out.exit_kind), out.exit_msg, tr->wall_s,
		   (unsigned long long)out.exits);
	tr->setup_ms = out.setup_ns / 1e6;
	tr->pid1_ms = out.pid1_ns ? (out.pid1_ns - out.start_ns) / 1e6 : 0;
	tr->pid1_proc_ms = out.pid1_ns / 1e6;
	tr->cpu_ms = out.cpu_before_run_ns / 1e6;
	tr->vmm_rss = out.peak_rss > out.guest_rss ? out.peak_rss - out.guest_rss : 0;
	tr->initramfs_cpu_ms = initramfs_cpu_ms;
	buf_printf(&tr->diag, "vmm: ready in %.1f ms (%.1f ms CPU, %.1f ms of it the initramfs), PID 1 at %.0f ms, VMM RSS %.1f MiB besides %.1f MiB of guest RAM%s\n",
		   tr->setup_ms, out.cpu_before_run_ns / 1e6,
		   initramfs_cpu_ms, tr->pid1_ms, tr->vmm_rss / 1048576.0,
		   (out.guest_rss + out.guest_hugetlb) / 1048576.0,
		   out.guest_hugetlb ? " (in hugetlb pages)" : "");
	buf_printf(&tr->diag, "result via %s; data channel: %llu frame(s)%s%s\n",
		   res ? "virtio data channel" : "COM2",
		   (unsigned long long)log.stats.frames,
		   out.has_virtio_console ? "" : " (no virtio-console)",
		   chan_err[0] ? ", corrupt" : "");
	tune_format_diag(&out.tune, &tr->diag);
	tune_format_json(&out.tune, &tr->json);
	stats_format(&out.stats, &tr->diag, &tr->json);
	monitor_format_diag(&out.monitor, &tr->diag);
	monitor_format_json(&out.monitor, &tr->json);
	metrics_format(&log, &tr->diag, &tr->json);
	if (tr->verdict != KTSTR_PASS && tr->verdict != KTSTR_SKIP &&
	    tr->verdict != KTSTR_XFAIL) {
		char *tail = tail_lines(&out.com1, CONSOLE_TAIL_LINES);

		buf_printf(&tr->diag, "guest console (last %d lines):\n%s",
			   CONSOLE_TAIL_LINES, tail);
		free(tail);
	}
	buf_putc(&tr->diag, 0);
	result_free(&gr);
	channel_log_free(&log);
	free((char *)cfg.init_args);
	tr->cmdline = (char *)cfg.cmdline_extra;
	vmm_outcome_free(&out);
}

static void json_string(FILE *f, const char *s)
{
	struct buf b = {};

	json_put_string(&b, s);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

/* The members of one test's JSON result (no braces). */
static void json_result(struct buf *b, const struct ktstr_test *t,
			const struct run_options *o, const struct test_run *tr)
{
	const char *sched = ext_scheduler(t, o) ? : t->scheduler;

	buf_printf(b, "\"name\": ");
	json_put_string(b, t->name);
	buf_printf(b, ", \"category\": ");
	json_put_string(b, t->category);
	buf_printf(b, ", \"verdict\": \"%s\", \"wall_s\": %.3f, \"setup_ms\": %.1f, \"pid1_ms\": %.1f, \"pid1_since_start_ms\": %.1f, \"cpu_before_run_ms\": %.1f, \"initramfs_cpu_ms\": %.1f, \"vmm_rss\": %llu, \"message\": ",
		   ktstr_verdict_name(tr->verdict), tr->wall_s, tr->setup_ms,
		   tr->pid1_ms, tr->pid1_proc_ms, tr->cpu_ms,
		   tr->initramfs_cpu_ms, (unsigned long long)tr->vmm_rss);
	json_put_string(b, tr->msg);
	buf_printf(b, ", \"topology\": ");
	json_put_string(b, o->topology ? : t->topology ? : "1n1l1c1t");
	buf_printf(b, ", \"scheduler\": ");
	json_put_string(b, sched ? : "eevdf");
	buf_printf(b, ", \"cmdline_extra\": ");
	json_put_string(b, tr->cmdline ? : "");
	if (tr->json.len)
		buf_printf(b, ", %.*s", (int)tr->json.len, (char *)tr->json.data);
}

static double process_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ktstr itself as /init, and @scheduler (if not NULL) as /scheduler. */
static char *build_initramfs(const char *scheduler)
{
	struct initramfs_spec spec = { .init = "/proc/self/exe",
				       .resolve_extra_deps = true,
				       .modules = &run_modules };
	struct initramfs_file sched = { scheduler, GUEST_SCHEDULER, 0755 };
	char exe[PATH_MAX], *path = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	double t0;
	int r;

	if (n > 0) {
		exe[n] = '\0';
		spec.init = exe;
	}
	if (scheduler) {
		spec.extra = &sched;
		spec.nr_extra = 1;
	}
	t0 = process_cpu_ms();
	r = initramfs_get(&spec, &path);
	initramfs_cpu_ms += process_cpu_ms() - t0;
	return r ? NULL : path;
}

static bool same_path(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/*
 * Points @initrd at an archive with @ext as /scheduler (cached by content,
 * so tests declaring different binaries each get their own); 0 or -1.
 * A test whose binary is missing is a SKIP naming it, before any boot.
 */
static int pick_initramfs(const struct ktstr_test *t, const char *ext,
			  char **initrd, const char **packed,
			  struct test_run *tr)
{
	char *p;

	memset(tr, 0, sizeof(*tr));
	if ((t->scheduler || ext) && run_modules.no_sched_ext[0]) {
		tr->verdict = KTSTR_SKIP;
		snprintf(tr->msg, sizeof(tr->msg), "kernel %s: %s",
			 run_modules.version, run_modules.no_sched_ext);
		fprintf(stderr, "ktstr: SKIP: %s: %s\n", t->name, tr->msg);
	} else if (ext && access(ext, X_OK)) {
		tr->verdict = KTSTR_SKIP;
		snprintf(tr->msg, sizeof(tr->msg),
			 "scheduler binary %s: %s (the test's .scheduler)", ext,
			 strerror(errno));
		fprintf(stderr, "ktstr: SKIP: %s: %s\n", t->name, tr->msg);
	} else if (!*initrd || !same_path(ext, *packed)) {
		p = build_initramfs(ext);
		if (p) {
			free(*initrd);
			*initrd = p;
			*packed = ext;
			return 0;
		}
		tr->verdict = KTSTR_ERROR;
		snprintf(tr->msg, sizeof(tr->msg),
			 "cannot build the initramfs with %s as %s",
			 ext ? : "nothing", GUEST_SCHEDULER);
	} else {
		return 0;
	}
	buf_putc(&tr->diag, 0);
	return -1;
}

/*
 * The JSON goes to PATH.tmp.PID, renamed over PATH when the run is done
 * (interrupted or not): an interrupted or killed run never leaves a
 * truncated PATH, and the temp file is removed on die() or a second
 * signal; a SIGKILLed run's is removed by the next run writing PATH.
 * Created exclusively, never through a symlink.
 */
static FILE *json_open(const char *path, char **tmp, int *slot)
{
	int fd;

	prune_stale_tmp_of(path);
	*tmp = xasprintf("%s.tmp.%d", path, getpid());
	unlink(*tmp);
	fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		die("cannot write %s: %s", *tmp, strerror(errno));
	*slot = hostsig_add_tmp(*tmp);
	return fdopen(fd, "w");
}

static void json_close(FILE *f, const char *path, char *tmp, int slot)
{
	bool bad = ferror(f);

	if (fclose(f) || bad || rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
	hostsig_drop_tmp(slot);
	free(tmp);
}

/* One run of @t, or its "not run" when interrupted. */
static void run_sample(const struct ktstr_test *t, const struct run_options *o,
		       char **initrd, const char **packed,
		       struct test_run *tr, int *not_run)
{
	int sig = hostsig_pending();

	if (sig) {
		/* Interrupted: the rest is reported, not started. */
		memset(tr, 0, sizeof(*tr));
		(*not_run)++;
		tr->verdict = KTSTR_SKIP;
		snprintf(tr->msg, sizeof(tr->msg), "not run: interrupted by SIG%s",
			 sigabbrev_np(sig));
		buf_putc(&tr->diag, 0);
	} else if (!pick_initramfs(t, ext_scheduler(t, o), initrd, packed,
				   tr)) {
		run_one(t, o, *initrd, tr);
	}
}

int run_tests(const struct run_options *o)
{
	struct ktstr_test *t;
	struct tap tap;
	FILE *json = NULL;
	const char *packed = NULL;
	struct buf ident = {};
	char *initrd = NULL, *json_tmp = NULL;
	int n = 0, json_slot = -1, sig, code, not_run = 0, rep;
	int repeat = o->repeat > 1 ? o->repeat : 1;
	char err[512];

	hostsig_install();
	for (t = ktstr_tests(); t; t = t->next)
		n += test_selected(t, o);
	if (!n) {
		pr_err("no test matches the given names/categories");
		return KSFT_FAIL;
	}
	if (o->results_dir) {
		if (mkdir_p(o->results_dir, 0755))
			die("--results %s: %s", o->results_dir, strerror(errno));
		results_identity(&ident, o->kernel);
	}
	/* The first test's archive: when even that fails, nothing can run. */
	for (t = ktstr_tests(); t && !test_selected(t, o); t = t->next)
		;
	packed = ext_scheduler(t, o);
	if (packed && access(packed, X_OK))
		packed = NULL;
	/* A distribution kernel: its virtio drivers from /lib/modules. */
	if (kmod_plan_kernel(o->kernel, &run_modules, err, sizeof(err))) {
		pr_err("run: %s: %s", o->kernel, err);
		return KSFT_FAIL;
	}
	/* Interrupted already: every test is reported as not run. */
	if (!hostsig_pending()) {
		initrd = build_initramfs(packed);
		if (!initrd)
			return KSFT_FAIL;
	}
	if (o->json_path) {
		json = json_open(o->json_path, &json_tmp, &json_slot);
		fprintf(json, "{\"kernel\": ");
		json_string(json, o->kernel);
		fprintf(json, ", \"tests\": [");
	}
	tap_header(&tap, stdout, n * repeat);
	tap_diag(&tap, "kernel %s", o->kernel);
	for (t = ktstr_tests(); t; t = t->next) {
		if (!test_selected(t, o))
			continue;
		for (rep = repeat > 1; rep <= (repeat > 1 ? repeat : 0); rep++) {
			struct test_run tr;
			struct buf body = {};
			char *msg;
			int r;

			run_sample(t, o, &initrd, &packed, &tr, &not_run);
			/* TAP says which repeat; the result files have "repeat". */
			msg = rep ? xasprintf("%s%srepeat %d/%d", tr.msg,
					      tr.msg[0] ? "; " : "", rep, repeat) :
				    xstrdup(tr.msg);
			tap_result(&tap, t->name, tr.verdict, msg,
				   (char *)tr.diag.data);
			free(msg);
			json_result(&body, t, o, &tr);
			buf_printf(&body, ", \"repeat\": %d", rep);
			if (json)
				fprintf(json, "%s\n  {%.*s}", tap.n == 1 ? "" : ",",
					(int)body.len, (char *)body.data);
			if (o->results_dir) {
				r = results_write(o->results_dir, t->name, rep,
						  &ident, &body);
				if (r)
					die("--results %s: %s result: %s",
					    o->results_dir, t->name, strerror(-r));
			}
			buf_free(&body);
			buf_free(&tr.diag);
			buf_free(&tr.json);
			free(tr.cmdline);
		}
	}
	sig = hostsig_pending();
	if (json) {
		fprintf(json, "\n]");
		if (sig)
			fprintf(json, ", \"interrupted\": \"SIG%s\"",
				sigabbrev_np(sig));
		fprintf(json, "}\n");
		json_close(json, o->json_path, json_tmp, json_slot);
	}
	buf_free(&ident);
	free(initrd);
	kmod_plan_free(&run_modules);
	code = tap_finish(&tap);
	if (sig) {
		pr_err("interrupted by SIG%s: %d test(s) not run",
		       sigabbrev_np(sig), not_run);
		code = hostsig_exit_code(sig);
	}
	return code;
}
