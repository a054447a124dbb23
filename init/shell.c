// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of `ktstr shell`: either run one command (argv hex-encoded by
 * the host, so any byte survives the kernel command line) with its output
 * on the console port and its exit status sent back, or an interactive
 * shell on the console port; with "sched=NAME topo=SPEC" first, under that
 * sched_ext scheduler, started before and stopped after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/channel.h"
#include "init/init.h"
#include "sched/scx.h"
#include "sched/scx_ktstr.h"

#define CONSOLE_PORT "/dev/hvc0"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a hex string in place; NULL if it is not hex. */
static char *unhex(char *s)
{
	size_t i, n = strlen(s);

	if (n % 2)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return NULL;
		s[i] = hi << 4 | lo;
	}
	s[n / 2] = '\0';
	return s;
}

/* busybox --install -s /bin, so the usual tools resolve. */
static void install_busybox(void)
{
	pid_t pid;

	if (access("/bin/busybox", X_OK))
		return;
	pid = fork();
	if (pid == 0) {
		execl("/bin/busybox", "busybox", "--install", "-s", "/bin",
		      (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* The console port as stdin/stdout/stderr and controlling terminal. */
/* The console port; the driver may not have made port 0 one yet. */
static int open_console(int flags)
{
	uint64_t end = now_ns() + PORT_WAIT_MS * 1000000ULL;
	int fd = open(CONSOLE_PORT, flags);

	while (fd < 0 && errno == ENOENT && now_ns() < end &&
	       channel_have_console()) {
		usleep(10000);
		fd = open(CONSOLE_PORT, flags);
	}
	return fd;
}

static int attach_console(bool ctty)
{
	int fd = open_console(O_RDWR);

	if (fd < 0)
		return -1;
	if (ctty) {
		setsid();
		ioctl(fd, TIOCSCTTY, 0);
	}
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

static int run_child(char **argv, bool interactive)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 125;
	if (pid == 0) {
		if (attach_console(interactive))
			fprintf(stderr, "ktstr shell: no %s: output goes to COM2\n",
				CONSOLE_PORT);
		setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
		setenv("HOME", "/root", 1);
		setenv("TERM", "linux", 0);
		execvp(argv[0], argv);
		fprintf(stderr, "ktstr shell: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The messages in @ctx (diagnostics, then a failure) on the console port. */
static void console_flush(struct ktstr_ctx *ctx)
{
	int fd = open_console(O_WRONLY | O_NOCTTY | O_CLOEXEC);
	char *line, *save = NULL;

	buf_putc(&ctx->diag, 0);
	buf_putc(&ctx->msg, 0);
	for (line = strtok_r((char *)ctx->diag.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		dprintf(fd >= 0 ? fd : 2, "ktstr shell: %s\r\n", line);
	/* A SCHED_EXIT is both a diagnostic and the failure: once. */
	if (ctx->msg.len > 1 && !strstr((char *)ctx->diag.data,
					(char *)ctx->msg.data))
		dprintf(fd >= 0 ? fd : 2, "ktstr shell: %s\r\n",
			(char *)ctx->msg.data);
	buf_free(&ctx->diag);
	buf_free(&ctx->msg);
	if (fd >= 0)
		close(fd);
}

/*
 * --scheduler: started as for a test (scx_test_begin), its messages on the
 * console; 0, or -1 when it could not start.
 */
static int shell_sched_start(struct ktstr_ctx *ctx, struct ktstr_test *t,
			     const char *name, const char *spec)
{
	char err[256];
	int v;

	t->name = "shell";
	t->scheduler = name;
	ctx->test = t;
	if (ktstr_test_topology(t, spec, &ctx->topo, err, sizeof(err)))
		v = ktstr_fail(ctx, "topology '%s': %s", spec, err);
	else
		v = scx_test_begin(ctx);
	console_flush(ctx);
	return v == KTSTR_PASS ? 0 : -1;
}

/* Stops it; a SCHED_EXIT while the command ran is said and sent. */
static void shell_sched_stop(struct ktstr_ctx *ctx)
{
	scx_test_end(ctx, KTSTR_PASS);
	scx_test_send_exit(ctx);
	console_flush(ctx);
}

void guest_shell(int argc, char **argv, int data_fd, int result_fd)
{
	char sh_path[] = "/bin/sh", line[32];
	char *sh[] = { sh_path, NULL }, **cmd = sh;
	struct ktstr_ctx ctx = { .result_fd = result_fd, .data_fd = data_fd };
	const char *sched = NULL, *spec = NULL;
	struct ktstr_test t = {};
	uint32_t code;
	int i, n;

	for (; argc > 0 && strchr(argv[0], '='); argc--, argv++) {
		if (!strncmp(argv[0], "sched=", 6))
			sched = argv[0] + 6;
		else if (!strncmp(argv[0], "topo=", 5))
			spec = argv[0] + 5;
	}
	install_busybox();
	if (argc > 0) {
		cmd = calloc(argc + 1, sizeof(*cmd));
		for (i = 0; cmd && i < argc; i++)
			cmd[i] = unhex(argv[i]);
		if (!cmd || !cmd[argc - 1]) {
			fprintf(stderr, "ktstr shell: bad command encoding\n");
			guest_power_off();
		}
	}
	if (sched && shell_sched_start(&ctx, &t, sched, spec)) {
		code = 125;
	} else {
		code = run_child(cmd, argc == 0);
		if (sched)
			shell_sched_stop(&ctx);
	}
	/* The exit status: a TLV EXIT frame, and a COM2 line as fallback. */
	channel_send(data_fd, TLV_EXIT, &code, sizeof(code));
	n = snprintf(line, sizeof(line), "KTSTR_EXIT=%u\n", code);
	if (result_fd >= 0 && write(result_fd, line, n) < 0)
		perror("ktstr shell: COM2");
	guest_power_off();
}
