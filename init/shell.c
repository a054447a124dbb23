// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of `ktstr shell`: either run one command (argv hex-encoded by
 * the host, so any byte survives the kernel command line) with its output
 * on the console port and its exit status sent back, or an interactive
 * shell on the console port.
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

#include "init/init.h"
#include "scenarios/channel.h"

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
static int attach_console(bool ctty)
{
	int fd = open(CONSOLE_PORT, O_RDWR);

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

void guest_shell(int argc, char **argv, int data_fd, int result_fd)
{
	char sh_path[] = "/bin/sh", line[32];
	char *sh[] = { sh_path, NULL }, **cmd = sh;
	uint32_t code;
	int i, n;

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
	code = run_child(cmd, argc == 0);
	/* The exit status: a TLV EXIT frame, and a COM2 line as fallback. */
	channel_send(data_fd, TLV_EXIT, &code, sizeof(code));
	n = snprintf(line, sizeof(line), "KTSTR_EXIT=%u\n", code);
	if (result_fd >= 0 && write(result_fd, line, n) < 0)
		perror("ktstr shell: COM2");
	guest_power_off();
}
