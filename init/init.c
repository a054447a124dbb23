// SPDX-License-Identifier: GPL-2.0
/*
 * ktstr as PID 1 in the guest: mount the usual filesystems, run the
 * requested test body in a child (a crash there must not kill init), write
 * the result block to COM2, power off.
 *
 * argv (after the kernel's "--"): "test" NAME SPEC SCHED, SPEC the topology
 * and SCHED the scheduler the host was told to use instead of the test's
 * own ("-": none); or "shell"
 * [HEXARG...] for `ktstr shell` (init/shell.c).
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "init/init.h"
#include "harness/channel.h"
#include "harness/result.h"
#include "harness/test.h"
#include "sched/scx_ktstr.h"

#define COM2_DEV "/dev/ttyS1"

static int result_fd = -1;
static int data_fd = -1;
static const char *topo_spec;

static void mount_one(const char *src, const char *dst, const char *type,
		      unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) && errno != EBUSY)
		fprintf(stderr, "ktstr-init: mount %s on %s: %s\n", type, dst,
			strerror(errno));
}

static void mount_filesystems(void)
{
	mount_one("proc", "/proc", "proc", 0, NULL);
	mount_one("sysfs", "/sys", "sysfs", 0, NULL);
	mount_one("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount_one("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
	mount_one("tmpfs", "/run", "tmpfs", 0, "mode=755");
	mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	mount_one("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

/* COM2 in raw mode: the host reads exactly the bytes written. */
static int open_result_channel(void)
{
	struct termios tio;
	int fd = open(COM2_DEV, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "ktstr-init: open %s: %s\n", COM2_DEV,
			strerror(errno));
		return -1;
	}
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	return fd;
}

/* Crash hook for the guest side: "PANIC: <what>" and a backtrace on COM2. */
static void on_fatal_signal(int sig)
{
	void *frames[32];
	char line[96];
	int n, fd = result_fd >= 0 ? result_fd : 2;

	n = snprintf(line, sizeof(line), "\nPANIC: ktstr guest pid %d: %s\n",
		     getpid(), strsignal(sig));
	write_all(fd, line, n);
	n = backtrace(frames, ARRAY_SIZE(frames));
	backtrace_symbols_fd(frames, n, fd);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_hooks(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], on_fatal_signal);
}

__noreturn void guest_power_off(void)
{
	if (result_fd >= 0)
		tcdrain(result_fd);
	sync();
	/* Without ACPI there is no power-off; reboot=k resets via i8042. */
	if (access("/sys/firmware/acpi", F_OK) == 0)
		reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

/*
 * The declared scheduler (sched_ext built-in or /scheduler) around the
 * body; its exit while the body ran is a SCHED_EXIT frame and a FAIL.
 * scx_test_begin/end are idempotent, so bodies may call them too.
 */
static int run_with_scheduler(struct ktstr_ctx *ctx)
{
	int v;

	/* Scenarios' OP_SCHED_START/STOP act on this same scheduler. */
	scx_test_scenario_hook();
	v = scx_test_begin(ctx);

	if (v == KTSTR_PASS)
		v = ctx->test->run(ctx);
	v = scx_test_end(ctx, v);
	scx_test_send_exit(ctx);
	return v;
}

/* Runs the body in a child; its verdict and messages come back on a pipe. */
static enum ktstr_verdict run_body(const struct ktstr_test *t, struct buf *msg,
				   struct buf *diag)
{
	int p[2], status;
	struct buf in = {};
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(p)) {
		buf_printf(msg, "guest: pipe: %s", strerror(errno));
		return KTSTR_FAIL;
	}
	pid = fork();
	if (pid == 0) {
		struct ktstr_ctx ctx = { .test = t, .result_fd = result_fd,
					 .data_fd = data_fd };
		struct buf out = {};
		char err[256];
		int v;

		close(p[0]);
		if (ktstr_test_topology(t, topo_spec, &ctx.topo, err, sizeof(err)))
			v = ktstr_fail(&ctx, "guest: topology: %s", err);
		else
			v = run_with_scheduler(&ctx);
		buf_printf(&out, "%d\n", v);
		buf_put(&out, ctx.msg.data, ctx.msg.len);
		buf_putc(&out, 0);
		buf_put(&out, ctx.diag.data, ctx.diag.len);
		write_all(p[1], out.data, out.len);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], chunk, sizeof(chunk))) > 0)
		buf_put(&in, chunk, n);
	close(p[0]);
	waitpid(pid, &status, 0);
	buf_putc(&in, 0);
	if (WIFSIGNALED(status)) {
		buf_printf(msg, "test body killed by signal %d (%s)",
			   WTERMSIG(status), strsignal(WTERMSIG(status)));
		buf_free(&in);
		return KTSTR_FAIL;
	}
	if (in.len < 3) {
		buf_printf(msg, "test body exited with status %d without a verdict",
			   WEXITSTATUS(status));
		buf_free(&in);
		return KTSTR_FAIL;
	}
	{
		char *text = strchr((char *)in.data, '\n') + 1;
		size_t mlen = strlen(text);
		int v = atoi((char *)in.data);

		buf_put(msg, text, mlen);
		buf_put(diag, text + mlen + 1, strlen(text + mlen + 1));
		buf_free(&in);
		return v == KTSTR_PASS || v == KTSTR_SKIP ? v : KTSTR_FAIL;
	}
}

/* The result on the data channel, and on COM2 as the fallback. */
static void report(enum ktstr_verdict v, struct buf *msg, struct buf *diag)
{
	struct buf out = {};
	uint32_t code;

	buf_putc(msg, 0);
	buf_putc(diag, 0);
	result_format(&out, v, (char *)msg->data, (char *)diag->data);
	code = v == KTSTR_PASS ? 0 : v == KTSTR_SKIP ? 4 : 1;
	channel_send(data_fd, TLV_TEST_RESULT, out.data, out.len);
	channel_send(data_fd, TLV_EXIT, &code, sizeof(code));
	if (data_fd >= 0)
		fsync(data_fd);
	write_all(result_fd, out.data, out.len);
	buf_free(&out);
}

void guest_main(int argc, char **argv)
{
	struct buf msg = {}, diag = {};
	const struct ktstr_test *t;
	enum ktstr_verdict v;

	mount_filesystems();
	result_fd = open_result_channel();
	/* The host times PID 1 by this line's first byte. */
	write_all(result_fd, "ktstr-init: pid 1 up\n", 21);
	/* A distribution kernel's virtio drivers, before any port is opened. */
	guest_load_modules();
	data_fd = channel_open();
	install_crash_hooks();
	guest_stats_relay_start();
	if (result_fd >= 0) {
		dup2(result_fd, STDOUT_FILENO);
		dup2(result_fd, STDERR_FILENO);
	}
	if (argc >= 2 && !strcmp(argv[1], "shell"))
		guest_shell(argc - 2, argv + 2, data_fd, result_fd);
	t = argc >= 3 && !strcmp(argv[1], "test") ? ktstr_test_find(argv[2]) : NULL;
	if (argc >= 4 && strcmp(argv[3], "-"))
		topo_spec = argv[3];
	if (t && argc >= 5 && strcmp(argv[4], "-")) {
		/* ktstr run --scheduler: the test runs under /scheduler. */
		static struct ktstr_test over;

		over = *t;
		over.scheduler = argv[4];
		t = &over;
	}
	if (!t) {
		buf_printf(&msg, "guest: unknown test '%s'", argc >= 3 ? argv[2] : "");
		v = KTSTR_FAIL;
	} else {
		v = run_body(t, &msg, &diag);
	}
	report(v, &msg, &diag);
	guest_power_off();
}
